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

/* IEEE 802 "local experimental" EtherType 1 (0x88B5). */
#define ETH_P_HYPERNET 0x88B5

#define HN_VERSION 1

/* Node ids are 32 bits; 0 is never a node. */
#define HN_NODE_NONE 0x00000000U
/* With HN_F_MCAST: every node of the mesh (flooding). */
#define HN_GROUP_ALL 0xFFFFFFFFU

#define HN_TTL_DEFAULT 16

enum hn_frame_type {
	HN_T_UNSPEC, /* never valid on the wire */
	HN_T_DATA, /* application payload */
	HN_T_TENSOR, /* struct hn_tensor_hdr + tensor fragment */
	HN_T_HELLO, /* link-local neighbour discovery */
	HN_T_GOSSIP, /* topology / load advertisement (flooded) */
	HN_T_MODEL_CHUNK, /* piece of a signed model file (flooded) */
	HN_T_PROBE, /* link probe, answered by HN_T_ACK */
	HN_T_ACK,
	HN_T_FED, /* federated round message fragment (unicast) */
	HN_T_ECHO, /* mesh ping and traceroute: struct hn_echo (unicast) */
	__HN_T_MAX
};
#define HN_T_MAX (__HN_T_MAX - 1)

/* hnhdr.flags */
enum hn_frame_flags {
	HN_F_MCAST = 1U << 0, /* dst is a group, HN_GROUP_ALL floods */
	HN_F_ANYCAST = 1U << 1, /* dst is a task class: any host of it */
	HN_F_RESULT = 1U << 2, /* tensor frame carries a stage result */
	/*
	 * Raw input: never forwarded past its origin node or its privacy
	 * domain (Documentation/dataplane.rst, Privacy).  A router that
	 * does not know the bit drops the frame as malformed: fail closed.
	 */
	HN_F_PRIVATE = 1U << 3,
	__HN_F_ALL = HN_F_MCAST | HN_F_ANYCAST | HN_F_RESULT | HN_F_PRIVATE,
};

struct hnhdr {
	__u8 version; /* HN_VERSION */
	__u8 type; /* enum hn_frame_type */
	__u8 flags; /* enum hn_frame_flags; unknown bits: drop */
	__u8 ttl; /* hops left; a frame is never sent with 0 */
	__u8 tclass; /* traffic class, or task class (anycast) */
	__u8 reserved; /* zero on send; see HN_RSV_NOT_COPIED */
	__be16 len; /* payload bytes following this header */
	__be32 src; /* originating node */
	__be32 dst; /* node, group (MCAST) or task (ANYCAST) */
	__be32 seq; /* per-source sequence number */
} __attribute__((packed));

#define HN_HDR_LEN sizeof(struct hnhdr) /* 20 */

/*
 * hnhdr.reserved is zero on the wire and ignored on receive, with one
 * exception inside a router: on a control flood it passes up to the
 * agent, the data plane sets HN_RSV_NOT_COPIED when it did not copy the
 * frame on (it could not vouch for its seq), so that the agent forwards it
 * once it has authenticated it.  The authentication MAC reads the byte as
 * zero, like the TTL.
 */
#define HN_RSV_NOT_COPIED 0x01

/* Element types of a tensor. */
enum hn_dtype {
	HN_DT_UNSPEC,
	HN_DT_S8, /* int8, the engine's activation type */
	__HN_DT_MAX
};

/*
 * Tensor frames.  A tensor of total_len elements is cut into frag_cnt
 * fragments; fragment frag_idx carries the elements starting at frag_off.
 * (origin, tensor_id) names the tensor for reassembly and for the result.
 */
struct hn_tensor_hdr {
	__be32 tensor_id; /* chosen by origin, unique per origin */
	__be32 origin; /* node that wants the final result */
	__u8 stage; /* model stage to run at the receiver */
	__u8 dtype; /* enum hn_dtype */
	__be16 frag_idx; /* 0 .. frag_cnt - 1 */
	__be16 frag_cnt; /* >= 1 */
	__be16 frag_off; /* first element carried by this fragment */
	__be16 total_len; /* elements in the whole tensor */
	__be16 reserved;
} __attribute__((packed));

#define HN_TENSOR_HDR_LEN sizeof(struct hn_tensor_hdr) /* 20 */
/* Largest tensor the protocol describes (elements). */
#define HN_TENSOR_MAX_LEN 4096

/*
 * ---- Control frames (hypernetd) -------------------------------------------
 *
 * HELLO, PROBE, ACK, GOSSIP and MODEL_CHUNK payloads are laid out below and
 * end in struct hn_auth; hnhdr.len counts the trailer.  HELLO, PROBE and
 * ACK travel one hop (HELLO: dst HN_GROUP_ALL with HN_F_MCAST, TTL 1, never
 * forwarded by the data plane; PROBE/ACK: dst the neighbour).  GOSSIP and
 * MODEL_CHUNK are flooded: HN_F_MCAST to HN_GROUP_ALL, de-duplicated by the
 * data plane on (src, seq).  Documentation/agent-protocol.rst has the diagrams.
 */

/*
 * Authentication trailer, in the spirit of Babel's MAC (RFC 8967):
 * mac = HMAC-SHA256(mesh key key_id, hnhdr with ttl 0 || payload ||
 * key_id || counter), first HN_AUTH_MAC_LEN bytes.  TTL is left out as
 * the flood changes it on the way.  counter strictly increases per sender
 * and survives restarts (it starts from the sender's clock).
 */
#define HN_AUTH_MAC_LEN 16

struct hn_auth {
	__be32 key_id; /* which mesh key (for key rotation) */
	__be64 counter; /* replay counter, per sender */
	__u8 mac[HN_AUTH_MAC_LEN];
} __attribute__((packed));

#define HN_AUTH_LEN sizeof(struct hn_auth) /* 28 */

/* HELLO: one per port every interval_ms; hnhdr.seq counts HELLOs per port. */
struct hn_hello {
	__be16 interval_ms; /* sender's HELLO interval */
	__u8 load; /* sender's load, hn_scale_ratio() (0..127) */
	__u8 capacity; /* sender's capacity, hn_scale_log(kbit/s) */
	__be64 model_gen; /* generation of the sender's route model */
	__u8 n_heard; /* struct hn_hello_heard entries that follow */
	__u8 reserved[3];
} __attribute__((packed));

/* A neighbour the HELLO's sender hears on this port, and how well. */
struct hn_hello_heard {
	__be32 node;
	__u8 rx_ratio; /* share of its HELLOs received, 0..255 */
	__u8 reserved[3];
} __attribute__((packed));

#define HN_HELLO_MAX_HEARD 32

/* PROBE and ACK: the ACK echoes the PROBE's id and t_ns unchanged. */
struct hn_probe {
	__be32 id;
	__be32 reserved;
	__be64 t_ns; /* prober's CLOCK_MONOTONIC at send */
} __attribute__((packed));

/*
 * GOSSIP: a link-state advertisement of node hnhdr.src.  A newer lsa_seq
 * (serial arithmetic) replaces an older one; it is dropped after
 * lifetime_s unless refreshed.
 */
struct hn_lsa {
	__be32 lsa_seq;
	__be16 lifetime_s;
	__u8 load; /* hn_scale_ratio() of its utilisation */
	__u8 capacity; /* hn_scale_log(kbit/s) of its compute */
	__be64 model_gen; /* its installed route model */
	__u8 n_links; /* struct hn_lsa_link entries that follow */
	__u8 n_stages; /* then this many tensor stage ids (u8) */
	__be16 flags; /* enum hn_lsa_flags; unknown bits: drop */
} __attribute__((packed));

/* hn_lsa.flags */
enum hn_lsa_flags {
	/*
	 * The origin (re)started and knows no one's LSA: every node answers
	 * by flooding its own, so the newcomer learns the mesh at once
	 * instead of within lsa-refresh-s.
	 */
	HN_LSA_F_RESYNC = 1U << 0,
	/*
	 * n_links bytes follow the stage ids: each link's transmit
	 * utilisation as the origin measures it, 0 (idle) .. 255 (full), in
	 * link order.  Routes weigh a link by hn_link_ett_load() of it.
	 */
	HN_LSA_F_UTIL = 1U << 1,
	/*
	 * n_stages struct hn_lsa_rate follow the utilisation bytes (the
	 * stage ids without HN_LSA_F_UTIL), one per stage id in order: how
	 * fast the origin runs each stage it hosts and how busy it keeps
	 * it.  Edges choose where to cut a model and who runs the rest from
	 * them (Documentation/split-mesh.rst, The cut chosen per node).
	 */
	HN_LSA_F_RATES = 1U << 2,
	__HN_LSA_F_ALL = HN_LSA_F_RESYNC | HN_LSA_F_UTIL | HN_LSA_F_RATES,
};

/*
 * What the origin measured running one stage over its last window
 * (HN_LSA_F_RATES).  ns_per_item 0: not measured yet (nothing ran);
 * busy is at most 1000.
 */
struct hn_lsa_rate {
	__be32 ns_per_item; /* mean compute time of one tensor, ns */
	__be16 busy; /* permille of the window spent computing it */
	__be16 queue; /* tensors waiting or in compute at the sample */
} __attribute__((packed));

#define HN_RATE_BUSY_MAX 1000

/* A bidirectional link of the advertising node. */
struct hn_lsa_link {
	__be32 node; /* neighbour */
	__be16 cost; /* link metric, >= 1; lower is better */
	__u8 quality; /* HN_FEAT_QUALITY as the originator sees it */
	__u8 delay; /* HN_FEAT_DELAY */
} __attribute__((packed));

#define HN_LSA_MAX_LINKS 64
#define HN_LSA_MAX_STAGES 16

/*
 * MODEL_CHUNK: bytes [offset, offset + chunk_len) of a signed file of
 * total_len bytes: a route model or a training campaign (object, enum
 * hn_chunk_object; formerly reserved, 0).  (object, generation, digest)
 * names the file.
 */
struct hn_model_chunk {
	__be64 generation;
	__u8 digest[8]; /* first bytes of the file's SHA-256 digest */
	__be32 total_len;
	__be32 offset;
	__be16 chunk_len; /* data bytes that follow */
	__be16 object; /* enum hn_chunk_object */
} __attribute__((packed));

enum hn_chunk_object {
	HN_OBJ_MODEL, /* a signed route model (.hnm) */
	HN_OBJ_CAMPAIGN, /* a signed training campaign (.hnc) */
	__HN_OBJ_MAX
};

#define HN_CHUNK_DATA_MAX 1024
#define HN_MODEL_XFER_MAX (64 * 1024) /* largest model file sent */

/*
 * FED: one fragment of a federated round's message, or a selective
 * acknowledgement of one, unicast from node to node through the routers
 * (hnhdr.flags 0, dst the receiving node) and authenticated by the
 * struct hn_auth trailer like every control frame
 * (Documentation/federated.rst, "Round transport").  (src, msg_id) names
 * a message; it is bytes [offset, offset + frag_len) of total_len.  A
 * SACK echoes the message's header with frag_len bitmap bytes after it:
 * bit i (LSB first) of byte i / 8 is fragment i received.
 */
struct hn_fed_frag {
	__be64 campaign; /* the campaign's id */
	__be32 round;
	__be32 msg_id; /* chosen by the sender, unique per sender */
	__be32 total_len; /* message bytes, 1 .. HN_FED_MSG_MAX */
	__be32 offset; /* DATA: fragment index x HN_FED_FRAG_MAX; SACK: 0 */
	__be16 frag_len; /* bytes that follow */
	__u8 attempt; /* the round's attempt (aggregator) */
	__u8 kind; /* message kind: secure-aggregation type */
	__u8 op; /* enum hn_fed_op */
	__u8 reserved[3];
} __attribute__((packed));

enum hn_fed_op {
	HN_FED_DATA, /* message bytes */
	HN_FED_SACK, /* bitmap of the fragments received */
	__HN_FED_OP_MAX
};

/*
 * FED message kinds beyond the secure-aggregation types (1 .. 9, the
 * library's): only appended (Documentation/federated.rst, "Kept results").
 */
enum hn_fed_kind {
	HN_FED_K_RESULT = 128, /* a round's sum, signed by its aggregator */
	HN_FED_K_FETCH, /* a node asks for the results it misses */
};

/* data bytes in one fragment: a frame as long as the longest MODEL_CHUNK */
#define HN_FED_FRAG_MAX 1020
#define HN_FED_FRAGS_MAX 4096 /* fragments of one message */
#define HN_FED_MSG_MAX (HN_FED_FRAGS_MAX * HN_FED_FRAG_MAX)
#define HN_FED_SACK_MAX (HN_FED_FRAGS_MAX / 8) /* bitmap bytes */

/*
 * ECHO: hnctl ping's request and its reply, routed hop by hop like FED and
 * passed up to the agent at dst (Documentation/agent-protocol.rst).  The
 * request's pad_len zero bytes follow; a reply echoes id, seq, t_ns and
 * pad_len, so it is never larger than the request it answers.
 */
struct hn_echo {
	__be32 id; /* the requester's session */
	__be32 seq; /* the request's number in the session */
	__be64 t_ns; /* the requester's clock: only it reads this */
	__u8 op; /* enum hn_echo_op */
	__u8 reserved[1];
	__be16 pad_len; /* zero bytes that follow */
} __attribute__((packed));

enum hn_echo_op {
	HN_ECHO_REQUEST, /* answered by the agent of hnhdr.dst */
	HN_ECHO_REPLY, /* the request's fields, back to its sender */
	/*
	 * from the router where a request's TTL ran out: the request's
	 * fields, its padding starting with struct hn_echo_hop
	 */
	HN_ECHO_EXPIRED,
	__HN_ECHO_OP_MAX
};

/*
 * What the router that sends HN_ECHO_EXPIRED would do with a frame for
 * the request's dst (hnctl traceroute): the first bytes of the padding,
 * when pad_len holds them.
 */
struct hn_echo_hop {
	__be32 next; /* the neighbour it would send to; 0: none */
	__be32 score; /* the chosen candidate's score, signed; with HOP_F_SCORE */
	__be32 margin; /* best minus second score, signed; with HOP_F_SCORE */
	__u8 reason; /* enum hn_dp_reason (dataplane.h), or HN_HOP_* */
	__u8 n_cand; /* candidates of its route */
	__u8 flags; /* enum hn_echo_hop_flags */
	__u8 reserved;
} __attribute__((packed));

#define HN_HOP_NO_ROUTE 254 /* hn_echo_hop.reason: no route, dropped */
#define HN_HOP_UNKNOWN 255 /* the router could not tell */

enum hn_echo_hop_flags {
	HN_HOP_F_SCORE = 1U << 0, /* score and margin are known */
};

#define HN_ECHO_PAD_MAX 1024 /* a request as long as the longest chunk */

#endif /* _UAPI_LINUX_HYPERNET_PACKET_H */
