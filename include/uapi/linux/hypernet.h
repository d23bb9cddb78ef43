/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * HyperNet tensor-offload netdev: the generic netlink contract.
 *
 * A device is created with `ip link add hnt0 type hypernet`.  Tensor frames
 * (struct hnhdr type HN_T_TENSOR, see hypernet_packet.h) transmitted into it
 * are reassembled, run through the device's model stage and the result
 * leaves the device on its receive side as a new HyperNet frame, or is
 * announced on the "results" multicast group.
 *
 * Family HYPERNET_GENL_NAME, version HYPERNET_GENL_VERSION.  Every request
 * names one device, in the caller's network namespace, by HNET_A_IFINDEX or
 * HNET_A_IFNAME (ifindex wins if both are given).  Every command needs
 * CAP_NET_ADMIN in the initial user namespace, or with the module's
 * userns=1 in the user namespace owning the netns; each netns holds at
 * most max_devices devices and max_stage_kib KiB of stages (ENOSPC).
 * Multi-byte attribute values are in host byte order, like all of netlink.
 *
 * HNET_CMD_GET_DEVICE (dump only).  Request, optional filter:
 *
 *    HNET_A_IFINDEX: NLA_U32
 *    HNET_A_IFNAME: NLA_NUL_STRING, maxlen IFNAMSIZ - 1
 *
 *  Without a filter every HyperNet device of the namespace is dumped, one
 *  message each:
 *
 *    HNET_A_IFINDEX: NLA_U32
 *    HNET_A_IFNAME: NLA_NUL_STRING
 *    HNET_A_NODE_ID: NLA_U32, source of emitted frames (0: see below)
 *    HNET_A_OUTPUT: NLA_NESTED
 *        HNET_OUT_A_MODE: NLA_U8, enum hnet_output_mode
 *        HNET_OUT_A_NODE: NLA_U32, next node (HNET_OUTPUT_NODE only)
 *        HNET_OUT_A_CLASS: NLA_U8, its traffic/task class
 *        HNET_OUT_A_STAGE: NLA_U8, stage id written into forwarded tensors
 *        HNET_OUT_A_FLAGS: NLA_U32, enum hnet_output_flags
 *    HNET_A_STAGE: NLA_NESTED, absent when no stage is loaded
 *        HNET_STAGE_A_ID: NLA_U8, matched against hn_tensor_hdr.stage
 *        HNET_STAGE_A_LAYERS: NLA_NESTED
 *            0: NLA_NESTED (one per layer, type = index)
 *                HNET_LAYER_A_IN: NLA_U32
 *                HNET_LAYER_A_OUT: NLA_U32
 *                HNET_LAYER_A_SHIFT: NLA_U8
 *                HNET_LAYER_A_FLAGS: NLA_U32, enum hnet_layer_flags
 *                HNET_LAYER_A_OP and the seven geometry attributes, as
 *                loaded: only for CONV2D and MAXPOOL layers
 *            1: NLA_NESTED
 *                ...
 *        HNET_STAGE_A_GENERATION: NLA_U64, bumped on every load
 *    HNET_A_STATS: NLA_NESTED, every HNET_STATS_A_* as NLA_U64
 *    HNET_A_INFLIGHT: NLA_U32, tensors being reassembled now
 *
 * HNET_CMD_SET_STAGE.  Replaces (or with HNET_DEV_F_CLEAR_STAGE removes)
 * the device's stage atomically; frames in flight finish on the old one.
 *
 *    HNET_A_IFINDEX / HNET_A_IFNAME
 *    HNET_A_FLAGS: NLA_U32, enum hnet_dev_flags
 *    HNET_A_STAGE: NLA_NESTED, mandatory unless HNET_DEV_F_CLEAR_STAGE
 *        HNET_STAGE_A_ID: NLA_U8, mandatory
 *        HNET_STAGE_A_LAYERS: NLA_NESTED, mandatory, 1..HNET_MAX_LAYERS
 *            0: NLA_NESTED
 *                HNET_LAYER_A_IN: NLA_U32, 1..HNET_STAGE_ACT_MAX, mandatory
 *                HNET_LAYER_A_OUT: NLA_U32, 1..HNET_STAGE_ACT_MAX, mandatory
 *                HNET_LAYER_A_SHIFT: NLA_U8, 0..HN_SHIFT_MAX, mandatory
 *                HNET_LAYER_A_FLAGS: NLA_U32, enum hnet_layer_flags
 *                HNET_LAYER_A_OP: NLA_U8, 0..HNET_OP_MAX; absent: DENSE
 *                HNET_LAYER_A_IN_C: NLA_U16, 1..HNET_STAGE_ACT_MAX
 *                HNET_LAYER_A_IN_H: NLA_U16, 1..HNET_STAGE_ACT_MAX
 *                HNET_LAYER_A_IN_W: NLA_U16, 1..HNET_STAGE_ACT_MAX
 *                HNET_LAYER_A_OUT_C: NLA_U16, 1..HNET_STAGE_ACT_MAX
 *                HNET_LAYER_A_KERNEL: NLA_U8, 1..HN_OP_K_MAX
 *                HNET_LAYER_A_STRIDE: NLA_U8, 1..HN_OP_STRIDE_MAX
 *                HNET_LAYER_A_PAD: NLA_U8, 0..HN_OP_K_MAX - 1
 *            1: NLA_NESTED
 *                ...
 *    HNET_A_WEIGHTS: NLA_BINARY, 1..HNET_CHUNK_MAX bytes, repeated
 *    HNET_A_BIASES: NLA_BINARY, 4..HNET_CHUNK_MAX bytes, repeated
 *
 *  A layer is a struct hn_op (include/hypernet/engine.h).  A DENSE layer
 *  (HNET_LAYER_A_OP absent or 0) is IN x OUT and takes none of the seven
 *  geometry attributes (IN_C .. PAD).  CONV2D and MAXPOOL layers need all
 *  seven (MAXPOOL: OUT_C = IN_C, PAD 0, SHIFT 0, no ReLU) and must pass
 *  hn_op_check(), whose hn_op_strerror() text is the extack message when
 *  they do not; their IN and OUT stay mandatory and must equal
 *  hn_op_in_len() and hn_op_out_len().  Tensors are int8 in channel, row,
 *  column order: a layer reads its predecessor's output flattened, so only
 *  the lengths chain.  The stage's input (first IN) and output (last OUT)
 *  are at most HN_TENSOR_MAX_LEN, what is between at most
 *  HNET_STAGE_ACT_MAX, and the stage's hn_op_macs() summed over its layers
 *  at most HNET_STAGE_MAX_MACS (E2BIG), which bounds a frame's compute.
 *
 *  A netlink attribute holds at most 64 KiB, a stage more, so the
 *  parameters travel as two streams of top-level chunks, each concatenated
 *  in message order.  The weights stream is every layer's hn_op_n_weights()
 *  int8 weights (DENSE: OUT rows of IN; CONV2D: OUT_C filters of IN_C x
 *  KERNEL x KERNEL, row major; MAXPOOL: none) one layer after the other;
 *  the biases stream is every layer's hn_op_n_biases() int32 biases (host
 *  order) likewise.  Both streams must have exactly the length the layers
 *  imply, layer i's IN must equal layer i-1's OUT, every layer must pass
 *  hn_layer_fits() on its fan-in (hn_op_fan_in(), engine.h) and the whole
 *  stage must stay below HNET_STAGE_MAX_BYTES.  This is the
 *  arithmetic of include/hypernet/engine.h and of the .hnm STAGE models.
 *
 * HNET_CMD_SET_OUTPUT.  Where results go.
 *
 *    HNET_A_IFINDEX / HNET_A_IFNAME
 *    HNET_A_NODE_ID: NLA_U32, optional; 0 = use the dst of the input frame
 *    HNET_A_OUTPUT: NLA_NESTED, mandatory
 *        HNET_OUT_A_MODE: NLA_U8, mandatory
 *        HNET_OUT_A_NODE: NLA_U32, mandatory and non-zero for
 *                         HNET_OUTPUT_NODE, refused otherwise
 *        HNET_OUT_A_CLASS: NLA_U8, optional (default 0)
 *        HNET_OUT_A_STAGE: NLA_U8, optional (default: own stage id + 1)
 *        HNET_OUT_A_FLAGS: NLA_U32, enum hnet_output_flags
 *
 * HNET_CMD_RESULT (notification on HYPERNET_MCGRP_RESULTS, never a
 * request).  Sent for every tensor computed while the output mode is
 * HNET_OUTPUT_LOCAL, in the device's network namespace; joining the group
 * needs CAP_NET_ADMIN over that namespace:
 *
 *    HNET_A_IFINDEX: NLA_U32
 *    HNET_A_IFNAME: NLA_NUL_STRING
 *    HNET_A_RESULT: NLA_NESTED
 *        HNET_RES_A_TENSOR_ID: NLA_U32
 *        HNET_RES_A_ORIGIN: NLA_U32
 *        HNET_RES_A_STAGE: NLA_U8, stage that computed it
 *        HNET_RES_A_DATA: NLA_BINARY, the int8 output tensor
 *
 * Errors carry an extack message.  Unknown bits in any *_FLAGS attribute
 * are refused with EOPNOTSUPP, a missing device with ENODEV, a device of
 * another kind with EOPNOTSUPP, a malformed stage with EINVAL, a stage
 * over the limits with E2BIG.
 *
 * Emitted frames.  HNET_OUTPUT_ORIGIN sends a HN_T_TENSOR frame with
 * HN_F_RESULT to hn_tensor_hdr.origin; HNET_OUTPUT_NODE sends a HN_T_TENSOR
 * frame to HNET_OUT_A_NODE (with HN_F_ANYCAST if HNET_OUTPUT_F_ANYCAST),
 * class HNET_OUT_A_CLASS, for stage HNET_OUT_A_STAGE.  Both keep the tensor
 * id and origin and are cut into fragments that fit the device's MTU.
 */
#ifndef _UAPI_LINUX_HYPERNET_H
#define _UAPI_LINUX_HYPERNET_H

#define HYPERNET_GENL_NAME "hypernet"
#define HYPERNET_GENL_VERSION 1
#define HYPERNET_MCGRP_RESULTS "results"

/* Limits of one stage. */
#define HNET_MAX_LAYERS 8
#define HNET_STAGE_MAX_BYTES (1U << 20) /* weights + biases */
#define HNET_CHUNK_MAX 65000 /* one WEIGHTS/BIASES chunk */
/* Largest activation between two layers of a stage (elements). */
#define HNET_STAGE_ACT_MAX 16384
/* Multiply-accumulates (and pooling comparisons) of one frame, at most. */
#define HNET_STAGE_MAX_MACS (1U << 22)

enum hnet_cmd {
	HNET_CMD_UNSPEC,
	HNET_CMD_GET_DEVICE,
	HNET_CMD_SET_STAGE,
	HNET_CMD_SET_OUTPUT,
	HNET_CMD_RESULT,
	__HNET_CMD_MAX
};
#define HNET_CMD_MAX (__HNET_CMD_MAX - 1)

enum hnet_dev_flags {
	HNET_DEV_F_CLEAR_STAGE = 1U << 0, /* unload, HNET_A_STAGE absent */
	HNET_DEV_F_RESET_STATS = 1U << 1, /* zero HNET_A_STATS too */
	__HNET_DEV_F_ALL = HNET_DEV_F_CLEAR_STAGE | HNET_DEV_F_RESET_STATS
};

enum hnet_attr {
	HNET_A_UNSPEC,
	HNET_A_IFINDEX,
	HNET_A_IFNAME,
	HNET_A_FLAGS,
	HNET_A_NODE_ID,
	HNET_A_STAGE,
	HNET_A_WEIGHTS,
	HNET_A_BIASES,
	HNET_A_OUTPUT,
	HNET_A_STATS,
	HNET_A_INFLIGHT,
	HNET_A_RESULT,
	__HNET_A_MAX
};
#define HNET_A_MAX (__HNET_A_MAX - 1)

enum hnet_stage_attr {
	HNET_STAGE_A_UNSPEC,
	HNET_STAGE_A_ID,
	HNET_STAGE_A_LAYERS,
	HNET_STAGE_A_GENERATION,
	HNET_STAGE_A_PAD,
	__HNET_STAGE_A_MAX
};
#define HNET_STAGE_A_MAX (__HNET_STAGE_A_MAX - 1)

enum hnet_layer_flags {
	HNET_LAYER_F_RELU = 1U << 0, /* ReLU before saturation */
	__HNET_LAYER_F_ALL = HNET_LAYER_F_RELU
};

/*
 * What a layer computes (engine.h, struct hn_op).  Tensors are int8 in
 * channel, row, column order, so a dense layer after a convolution reads
 * its input flattened, at no cost.
 */
enum hnet_layer_op {
	HNET_OP_DENSE, /* y = requant(W x + b) */
	HNET_OP_CONV2D, /* 2-D convolution, zero padding */
	HNET_OP_MAXPOOL, /* k x k maximum, no padding */
	__HNET_OP_MAX
};
#define HNET_OP_MAX (__HNET_OP_MAX - 1)

enum hnet_layer_attr {
	HNET_LAYER_A_UNSPEC,
	HNET_LAYER_A_IN,
	HNET_LAYER_A_OUT,
	HNET_LAYER_A_SHIFT,
	HNET_LAYER_A_FLAGS,
	HNET_LAYER_A_OP, /* NLA_U8, enum hnet_layer_op; absent: dense */
	HNET_LAYER_A_IN_C, /* NLA_U16: CONV2D, MAXPOOL input geometry */
	HNET_LAYER_A_IN_H, /* NLA_U16 */
	HNET_LAYER_A_IN_W, /* NLA_U16 */
	HNET_LAYER_A_OUT_C, /* NLA_U16: CONV2D output channels */
	HNET_LAYER_A_KERNEL, /* NLA_U8: CONV2D, MAXPOOL window side */
	HNET_LAYER_A_STRIDE, /* NLA_U8 */
	HNET_LAYER_A_PAD, /* NLA_U8: CONV2D zero padding */
	__HNET_LAYER_A_MAX
};
#define HNET_LAYER_A_MAX (__HNET_LAYER_A_MAX - 1)

enum hnet_output_mode {
	HNET_OUTPUT_ORIGIN, /* result frame back to the tensor's origin */
	HNET_OUTPUT_LOCAL, /* HNET_CMD_RESULT notification only */
	HNET_OUTPUT_NODE, /* tensor frame to the next stage's node */
	__HNET_OUTPUT_MAX
};
#define HNET_OUTPUT_MAX (__HNET_OUTPUT_MAX - 1)

enum hnet_output_flags {
	HNET_OUTPUT_F_ANYCAST = 1U << 0, /* NODE is a task class */
	__HNET_OUTPUT_F_ALL = HNET_OUTPUT_F_ANYCAST
};

enum hnet_output_attr {
	HNET_OUT_A_UNSPEC,
	HNET_OUT_A_MODE,
	HNET_OUT_A_NODE,
	HNET_OUT_A_CLASS,
	HNET_OUT_A_STAGE,
	HNET_OUT_A_FLAGS,
	__HNET_OUT_A_MAX
};
#define HNET_OUT_A_MAX (__HNET_OUT_A_MAX - 1)

/* Device counters; each is an NLA_U64 in HNET_A_STATS. */
enum hnet_stats_attr {
	HNET_STATS_A_UNSPEC,
	HNET_STATS_A_PAD,
	HNET_STATS_A_FRAMES_IN, /* tensor frames queued */
	HNET_STATS_A_TENSORS_IN, /* complete tensors (reassembled) */
	HNET_STATS_A_TENSORS_DONE, /* tensors computed */
	HNET_STATS_A_FRAMES_OUT, /* frames emitted on the rx side */
	HNET_STATS_A_RESULTS_LOCAL, /* HNET_CMD_RESULT notifications */
	HNET_STATS_A_DROP_MALFORMED, /* failed hn_hdr/tensor_check */
	HNET_STATS_A_DROP_NOT_TENSOR, /* other EtherType or frame type */
	HNET_STATS_A_DROP_QUEUE_FULL, /* worker queue at its bound */
	HNET_STATS_A_DROP_NO_STAGE,
	HNET_STATS_A_DROP_STAGE_MISMATCH, /* hn_tensor_hdr.stage differs */
	HNET_STATS_A_DROP_DIM_MISMATCH, /* total_len != stage input */
	HNET_STATS_A_DROP_FRAG_DUP, /* fragment index seen before */
	HNET_STATS_A_DROP_FRAG_BAD, /* disagrees with its siblings */
	HNET_STATS_A_DROP_REASM_FULL, /* in-flight tensor/byte cap */
	HNET_STATS_A_DROP_REASM_TIMEOUT, /* tensors never completed */
	HNET_STATS_A_DROP_NOMEM,
	HNET_STATS_A_DROP_OUTPUT, /* result could not be emitted */
	HNET_STATS_A_STAGE_LOADS,
	HNET_STATS_A_COMPUTE_NS, /* time spent in the stage compute */
	__HNET_STATS_A_MAX
};
#define HNET_STATS_A_MAX (__HNET_STATS_A_MAX - 1)

enum hnet_result_attr {
	HNET_RES_A_UNSPEC,
	HNET_RES_A_TENSOR_ID,
	HNET_RES_A_ORIGIN,
	HNET_RES_A_STAGE,
	HNET_RES_A_DATA,
	__HNET_RES_A_MAX
};
#define HNET_RES_A_MAX (__HNET_RES_A_MAX - 1)

#endif /* _UAPI_LINUX_HYPERNET_H */
