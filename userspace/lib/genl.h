/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client of the "hypernet" generic netlink family (the tensor-offload
 * netdev, include/uapi/linux/hypernet.h), over libnl-genl.
 *
 * Message builders and parsers are separate from the socket code so that
 * they can be tested without a kernel.  Builders check what the kernel's
 * policies check (ranges, dimensions, sizes, flags) and say what is wrong
 * in @err; parsers insist on the attributes the kernel always sends.
 */
#ifndef _HN_GENL_H
#define _HN_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/hypernet.h>
#include <linux/hypernet_packet.h>
#include <hypernet/engine.h>

struct nl_msg;
struct nl_sock;
struct nlmsghdr;

/* Which device: ifindex if non-zero, else ifname. */
struct hn_genl_sel {
	uint32_t ifindex;
	const char *ifname;
};

/*
 * One layer.  Dense unless op.kind says otherwise: then op's geometry
 * (in_c .. pad; its shift and relu are ignored, shift and flags say them)
 * travels too, and n_in, n_out must be its hn_op_in_len(), out_len().
 * Old modules know dense layers only: a dense stage's message carries
 * nothing else.
 */
struct hn_genl_layer {
	uint32_t n_in, n_out;
	uint8_t shift;
	uint32_t flags; /* enum hnet_layer_flags */
	const int8_t *w; /* hn_op_n_weights(): dense, n_out rows of n_in */
	const int32_t *b; /* hn_op_n_biases(); both NULL for MAXPOOL */
	struct hn_op op; /* include/hypernet/engine.h */
};

struct hn_genl_stage {
	uint8_t id;
	unsigned int n_layers;
	struct hn_genl_layer layers[HNET_MAX_LAYERS];
};

struct hn_genl_output {
	uint8_t mode; /* enum hnet_output_mode */
	uint32_t node; /* HNET_OUTPUT_NODE only */
	uint8_t tclass;
	int stage; /* -1: kernel default (own id + 1) */
	uint32_t flags; /* enum hnet_output_flags */
	bool set_node_id;
	uint32_t node_id;
};

struct hn_genl_dev {
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
	uint32_t node_id;
	uint32_t inflight;
	struct hn_genl_output out;
	bool has_stage;
	uint8_t stage_id;
	uint64_t generation;
	unsigned int n_layers;
	struct hn_genl_layer layers[HNET_MAX_LAYERS]; /* no w/b */
	uint64_t stats[__HNET_STATS_A_MAX];
};

struct hn_genl_result {
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
	uint32_t tensor_id, origin;
	uint8_t stage;
	uint32_t len;
	int8_t data[HN_TENSOR_MAX_LEN];
};

struct hn_genl {
	struct nl_sock *sk; /* requests */
	struct nl_sock *ev; /* results group, after hn_genl_listen() */
	int family;
	int err; /* last kernel errno, negative */
	char errmsg[256]; /* its extack message, or "" */
};

/* Counter names, indexed by HNET_STATS_A_*; NULL for UNSPEC/PAD. */
extern const char *const hn_genl_stat_names[__HNET_STATS_A_MAX];
const char *hn_genl_mode_name(unsigned int mode);

/* ---- pure message building and parsing ---------------------------------- */

struct nl_msg *hn_genl_msg_get(int family, const struct hn_genl_sel *sel,
			       char *err, size_t errlen);
struct nl_msg *hn_genl_msg_set_stage(int family, const struct hn_genl_sel *sel,
				     const struct hn_genl_stage *st,
				     uint32_t flags, char *err, size_t errlen);
struct nl_msg *hn_genl_msg_set_output(int family, const struct hn_genl_sel *sel,
				      const struct hn_genl_output *o, char *err,
				      size_t errlen);
/* 0, or -EPROTO with @err saying what is missing or malformed. */
int hn_genl_parse_dev(struct nlmsghdr *nlh, struct hn_genl_dev *d, char *err,
		      size_t errlen);
int hn_genl_parse_result(struct nlmsghdr *nlh, struct hn_genl_result *r,
			 char *err, size_t errlen);
/* Bytes the stage's parameters take (weights + biases). */
uint64_t hn_genl_stage_bytes(const struct hn_genl_stage *st);
/* @l as the engine runs it (a dense layer's op made from n_in, n_out). */
struct hn_op hn_genl_layer_op(const struct hn_genl_layer *l);

/* ---- talking to the kernel ---------------------------------------------- */

/*
 * Resolve the family once.  -ENOENT: the module is not loaded (hint:
 * modprobe hypernet); other negative errno otherwise, with g->errmsg.
 */
int hn_genl_open(struct hn_genl *g);
void hn_genl_close(struct hn_genl *g);

/*
 * Send @msg (consumed), wait for the ack or the end of the dump, call
 * @valid for each reply.  Returns 0 or a negative errno; on a kernel
 * error g->errmsg holds its extack message.
 */
int hn_genl_transact(struct hn_genl *g, struct nl_msg *msg,
		     int (*valid)(struct nl_msg *, void *), void *arg);

int hn_genl_set_stage(struct hn_genl *g, const struct hn_genl_sel *sel,
		      const struct hn_genl_stage *st, uint32_t flags);
int hn_genl_set_output(struct hn_genl *g, const struct hn_genl_sel *sel,
		       const struct hn_genl_output *o);
/* Dump every device (@sel NULL) or one; @fn returns non-zero to stop. */
int hn_genl_get(struct hn_genl *g, const struct hn_genl_sel *sel,
		int (*fn)(const struct hn_genl_dev *, void *), void *arg);

/* Join the results group; then wait up to @timeout_ms for one result. */
int hn_genl_listen(struct hn_genl *g);
/* 1 with @r filled, 0 on timeout, negative errno on error. */
int hn_genl_recv_result(struct hn_genl *g, struct hn_genl_result *r,
			int timeout_ms);

#endif /* _HN_GENL_H */
