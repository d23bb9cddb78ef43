/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * HyperNet wire format, shared by the XDP router, the kernel module and
 * userspace.  Every multi-byte field is big endian; every struct is packed.
 * Append-only: new frame types, flags and fields are only ever added.
 *
 * Frame layout (Documentation/frame-format.rst has the byte diagram):
 *
 *   struct ethhdr (h_proto = ETH_P_HYPERNET)
 *   struct hnhdr
 *   payload of hnhdr.len bytes, whose layout depends on hnhdr.type:
 *     HN_T_TENSOR: struct hn_tensor_hdr, then the tensor fragment
 *     others:      opaque to the data plane
 */
#ifndef _UAPI_LINUX_HYPERNET_PACKET_H
#define _UAPI_LINUX_HYPERNET_PACKET_H

#include <linux/types.h>

/* IEEE 802 "local experimental" EtherType 2. */
#define ETH_P_HYPERNET		0x88B5

#define HN_VERSION		1

/* Node ids are 32 bits; 0 is never a node. */
#define HN_NODE_NONE		0x00000000U
/* With HN_F_MCAST: every node of the mesh (flooding). */
#define HN_GROUP_ALL		0xFFFFFFFFU

#define HN_TTL_DEFAULT		16

enum hn_frame_type {
	HN_T_UNSPEC,		/* never valid on the wire */
	HN_T_DATA,		/* application payload */
	HN_T_TENSOR,		/* struct hn_tensor_hdr + tensor fragment */
	HN_T_HELLO,		/* link-local neighbour discovery */
	HN_T_GOSSIP,		/* topology / load advertisement (flooded) */
	HN_T_MODEL_CHUNK,	/* piece of a signed model file (flooded) */
	HN_T_PROBE,		/* link probe, answered by HN_T_ACK */
	HN_T_ACK,
	__HN_T_MAX
};
#define HN_T_MAX (__HN_T_MAX - 1)

/* hnhdr.flags */
enum hn_frame_flags {
	HN_F_MCAST	= 1U << 0,	/* dst is a group, HN_GROUP_ALL floods */
	HN_F_ANYCAST	= 1U << 1,	/* dst is a task class: any host of it */
	HN_F_RESULT	= 1U << 2,	/* tensor frame carries a stage result */
	__HN_F_ALL	= HN_F_MCAST | HN_F_ANYCAST | HN_F_RESULT,
};

struct hnhdr {
	__u8	version;	/* HN_VERSION */
	__u8	type;		/* enum hn_frame_type */
	__u8	flags;		/* enum hn_frame_flags; unknown bits: drop */
	__u8	ttl;		/* hops left; a frame is never sent with 0 */
	__u8	tclass;		/* traffic class, or task class (anycast) */
	__u8	reserved;	/* zero on send, ignored on receive */
	__be16	len;		/* payload bytes following this header */
	__be32	src;		/* originating node */
	__be32	dst;		/* node, group (MCAST) or task (ANYCAST) */
	__be32	seq;		/* per-source sequence number */
} __attribute__((packed));

#define HN_HDR_LEN		sizeof(struct hnhdr)	/* 20 */

/* Element types of a tensor. */
enum hn_dtype {
	HN_DT_UNSPEC,
	HN_DT_S8,		/* int8, the engine's activation type */
	__HN_DT_MAX
};

/*
 * Tensor frames.  A tensor of total_len elements is cut into frag_cnt
 * fragments; fragment frag_idx carries the elements starting at frag_off.
 * (origin, tensor_id) names the tensor for reassembly and for the result.
 */
struct hn_tensor_hdr {
	__be32	tensor_id;	/* chosen by origin, unique per origin */
	__be32	origin;		/* node that wants the final result */
	__u8	stage;		/* model stage to run at the receiver */
	__u8	dtype;		/* enum hn_dtype */
	__be16	frag_idx;	/* 0 .. frag_cnt - 1 */
	__be16	frag_cnt;	/* >= 1 */
	__be16	frag_off;	/* first element carried by this fragment */
	__be16	total_len;	/* elements in the whole tensor */
	__be16	reserved;
} __attribute__((packed));

#define HN_TENSOR_HDR_LEN	sizeof(struct hn_tensor_hdr)	/* 20 */
/* Largest tensor the protocol describes (elements). */
#define HN_TENSOR_MAX_LEN	4096

#endif /* _UAPI_LINUX_HYPERNET_PACKET_H */
