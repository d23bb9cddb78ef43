// SPDX-License-Identifier: GPL-2.0
/*
 * libnl-genl client of the hypernet family; see genl.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <hypernet/engine.h>

#include "genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Room for a full stage in one request; root may force past wmem_max. */
#define HN_GENL_SNDBUF (4 << 20)
#define HN_GENL_MSGBUF (64 << 10)

const char *const hn_genl_stat_names[__HNET_STATS_A_MAX] = {
	[HNET_STATS_A_FRAMES_IN] = "frames_in",
	[HNET_STATS_A_TENSORS_IN] = "tensors_in",
	[HNET_STATS_A_TENSORS_DONE] = "tensors_done",
	[HNET_STATS_A_FRAMES_OUT] = "frames_out",
	[HNET_STATS_A_RESULTS_LOCAL] = "results_local",
	[HNET_STATS_A_DROP_MALFORMED] = "drop_malformed",
	[HNET_STATS_A_DROP_NOT_TENSOR] = "drop_not_tensor",
	[HNET_STATS_A_DROP_QUEUE_FULL] = "drop_queue_full",
	[HNET_STATS_A_DROP_NO_STAGE] = "drop_no_stage",
	[HNET_STATS_A_DROP_STAGE_MISMATCH] = "drop_stage_mismatch",
	[HNET_STATS_A_DROP_DIM_MISMATCH] = "drop_dim_mismatch",
	[HNET_STATS_A_DROP_FRAG_DUP] = "drop_frag_dup",
	[HNET_STATS_A_DROP_FRAG_BAD] = "drop_frag_bad",
	[HNET_STATS_A_DROP_REASM_FULL] = "drop_reasm_full",
	[HNET_STATS_A_DROP_REASM_TIMEOUT] = "drop_reasm_timeout",
	[HNET_STATS_A_DROP_NOMEM] = "drop_nomem",
	[HNET_STATS_A_DROP_OUTPUT] = "drop_output",
	[HNET_STATS_A_STAGE_LOADS] = "stage_loads",
	[HNET_STATS_A_COMPUTE_NS] = "compute_ns",
};

const char *hn_genl_mode_name(unsigned int mode)
{
	switch (mode) {
	case HNET_OUTPUT_ORIGIN:
		return "origin";
	case HNET_OUTPUT_LOCAL:
		return "local";
	case HNET_OUTPUT_NODE:
		return "node";
	}
	return "unknown";
}

static int seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- building ------------------------------------------------------------ */

static struct nl_msg *msg_new(int family, uint8_t cmd, int flags, size_t size,
			      const struct hn_genl_sel *sel, char *err,
			      size_t errlen)
{
	struct nl_msg *msg;

	if (sel && !sel->ifindex &&
	    (!sel->ifname || !*sel->ifname ||
	     strlen(sel->ifname) >= IF_NAMESIZE)) {
		seterr(err, errlen, "device name missing or longer than %d",
		       IF_NAMESIZE - 1);
		return NULL;
	}
	msg = nlmsg_alloc_size(size);
	if (!msg) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
			 HYPERNET_GENL_VERSION))
		goto full;
	if (sel && sel->ifindex) {
		if (nla_put_u32(msg, HNET_A_IFINDEX, sel->ifindex))
			goto full;
	} else if (sel) {
		if (nla_put_string(msg, HNET_A_IFNAME, sel->ifname))
			goto full;
	}
	return msg;
full:
	nlmsg_free(msg);
	seterr(err, errlen, "message buffer too small");
	return NULL;
}

struct nl_msg *hn_genl_msg_get(int family, const struct hn_genl_sel *sel,
			       char *err, size_t errlen)
{
	return msg_new(family, HNET_CMD_GET_DEVICE, NLM_F_DUMP, 4096, sel, err,
		       errlen);
}

struct hn_op hn_genl_layer_op(const struct hn_genl_layer *l)
{
	struct hn_op op = l->op;

	if (op.kind == HNET_OP_DENSE) {
		/* Within u16 once check_stage() bounded n_in, n_out. */
		op = (struct hn_op){ .kind = HNET_OP_DENSE,
				     .in_c = (uint16_t)l->n_in,
				     .in_h = 1,
				     .in_w = 1,
				     .out_c = (uint16_t)l->n_out };
	}
	op.shift = l->shift;
	op.relu = !!(l->flags & HNET_LAYER_F_RELU);
	return op;
}

uint64_t hn_genl_stage_bytes(const struct hn_genl_stage *st)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < st->n_layers && i < HNET_MAX_LAYERS; i++) {
		struct hn_op op = hn_genl_layer_op(&st->layers[i]);

		n += hn_op_n_weights(&op) +
		     (uint64_t)hn_op_n_biases(&op) * sizeof(int32_t);
	}
	return n;
}

/* One layer as the kernel checks it; *@macs grows by its work. */
static int check_layer(const struct hn_genl_layer *l, unsigned int i,
		       uint64_t *macs, char *err, size_t errlen)
{
	struct hn_op op = hn_genl_layer_op(l);
	int64_t max_abs = 0;
	unsigned int o;
	int ope;

	if (!l->n_in || !l->n_out || l->n_in > HNET_STAGE_ACT_MAX ||
	    l->n_out > HNET_STAGE_ACT_MAX)
		return seterr(err, errlen,
			      "layer %u: dimensions %ux%u outside 1..%u", i,
			      l->n_in, l->n_out, HNET_STAGE_ACT_MAX);
	if (l->shift > HN_SHIFT_MAX)
		return seterr(err, errlen, "layer %u: shift %u above %u", i,
			      l->shift, HN_SHIFT_MAX);
	if (l->flags & ~__HNET_LAYER_F_ALL)
		return seterr(err, errlen, "layer %u: unknown flags 0x%x", i,
			      l->flags);
	ope = hn_op_check(&op);
	if (ope)
		return seterr(err, errlen, "layer %u: %s", i,
			      hn_op_strerror(ope));
	if (l->n_in != hn_op_in_len(&op) || l->n_out != hn_op_out_len(&op))
		return seterr(err, errlen,
			      "layer %u: %ux%u, but its geometry gives %ux%u",
			      i, l->n_in, l->n_out, hn_op_in_len(&op),
			      hn_op_out_len(&op));
	*macs += hn_op_macs(&op);
	if (op.kind == HNET_OP_MAXPOOL)
		return 0;
	if (!l->w || !l->b)
		return seterr(err, errlen,
			      "layer %u: weights or biases missing", i);
	for (o = 0; o < hn_op_n_biases(&op); o++) {
		int64_t v = l->b[o] < 0 ? -(int64_t)l->b[o] : l->b[o];

		if (v > max_abs)
			max_abs = v;
	}
	if (!hn_layer_fits(hn_op_fan_in(&op), max_abs))
		return seterr(err, errlen,
			      "layer %u: biases could overflow the accumulator",
			      i);
	return 0;
}

/* The kernel's checks of a stage, with the same limits. */
static int check_stage(const struct hn_genl_stage *st, char *err, size_t errlen)
{
	const struct hn_genl_layer *first = &st->layers[0], *last;
	uint64_t macs = 0;
	unsigned int i;

	if (st->n_layers == 0)
		return seterr(err, errlen, "stage has no layers");
	if (st->n_layers > HNET_MAX_LAYERS)
		return seterr(err, errlen, "stage has %u layers, max %u",
			      st->n_layers, HNET_MAX_LAYERS);
	for (i = 0; i < st->n_layers; i++) {
		if (i && st->layers[i].n_in != st->layers[i - 1].n_out)
			return seterr(
				err, errlen,
				"layer %u: dimension mismatch: takes %u, layer %u gives %u",
				i, st->layers[i].n_in, i - 1,
				st->layers[i - 1].n_out);
		if (check_layer(&st->layers[i], i, &macs, err, errlen))
			return -1;
	}
	last = &st->layers[st->n_layers - 1];
	if (first->n_in > HN_TENSOR_MAX_LEN || last->n_out > HN_TENSOR_MAX_LEN)
		return seterr(
			err, errlen,
			"stage takes %u and gives %u elements, a tensor at most %u",
			first->n_in, last->n_out, HN_TENSOR_MAX_LEN);
	if (hn_genl_stage_bytes(st) > HNET_STAGE_MAX_BYTES)
		return seterr(err, errlen,
			      "stage takes %llu bytes, the device at most %u",
			      (unsigned long long)hn_genl_stage_bytes(st),
			      HNET_STAGE_MAX_BYTES);
	if (macs > HNET_STAGE_MAX_MACS)
		return seterr(
			err, errlen,
			"stage computes %llu MACs a tensor, the device at most %u",
			(unsigned long long)macs, HNET_STAGE_MAX_MACS);
	return 0;
}

/* A layer nest: the geometry only if not dense (old modules take it). */
static int put_layer(struct nl_msg *msg, unsigned int i,
		     const struct hn_genl_layer *ly)
{
	const struct hn_op *op = &ly->op;
	struct nlattr *l = nla_nest_start(msg, i);

	if (!l || nla_put_u32(msg, HNET_LAYER_A_IN, ly->n_in) ||
	    nla_put_u32(msg, HNET_LAYER_A_OUT, ly->n_out) ||
	    nla_put_u8(msg, HNET_LAYER_A_SHIFT, ly->shift) ||
	    nla_put_u32(msg, HNET_LAYER_A_FLAGS, ly->flags))
		return -1;
	if (op->kind != HNET_OP_DENSE &&
	    (nla_put_u8(msg, HNET_LAYER_A_OP, op->kind) ||
	     nla_put_u16(msg, HNET_LAYER_A_IN_C, op->in_c) ||
	     nla_put_u16(msg, HNET_LAYER_A_IN_H, op->in_h) ||
	     nla_put_u16(msg, HNET_LAYER_A_IN_W, op->in_w) ||
	     nla_put_u16(msg, HNET_LAYER_A_OUT_C, op->out_c) ||
	     nla_put_u8(msg, HNET_LAYER_A_KERNEL, op->k) ||
	     nla_put_u8(msg, HNET_LAYER_A_STRIDE, op->stride) ||
	     nla_put_u8(msg, HNET_LAYER_A_PAD, op->pad)))
		return -1;
	nla_nest_end(msg, l);
	return 0;
}

/* One stream of chunks, each at most HNET_CHUNK_MAX bytes. */
static int put_chunks(struct nl_msg *msg, int type, const void *p, size_t len,
		      size_t unit)
{
	size_t max = HNET_CHUNK_MAX / unit * unit, n;
	const uint8_t *b = p;

	while (len) {
		n = len < max ? len : max;
		if (nla_put(msg, type, n, b))
			return -1;
		b += n;
		len -= n;
	}
	return 0;
}

struct nl_msg *hn_genl_msg_set_stage(int family, const struct hn_genl_sel *sel,
				     const struct hn_genl_stage *st,
				     uint32_t flags, char *err, size_t errlen)
{
	struct nlattr *nest, *layers;
	struct nl_msg *msg;
	size_t size = 4096;
	unsigned int i;

	if (flags & ~__HNET_DEV_F_ALL) {
		seterr(err, errlen, "unknown device flags 0x%x", flags);
		return NULL;
	}
	if (!sel) {
		seterr(err, errlen, "no device given");
		return NULL;
	}
	if (st) {
		if (flags & HNET_DEV_F_CLEAR_STAGE) {
			seterr(err, errlen,
			       "clearing the stage takes no stage");
			return NULL;
		}
		if (check_stage(st, err, errlen))
			return NULL;
		/* Parameters, chunk headers, layer nests. */
		size += hn_genl_stage_bytes(st) +
			hn_genl_stage_bytes(st) / 1024 + 128 * st->n_layers;
	} else if (!(flags & HNET_DEV_F_CLEAR_STAGE)) {
		seterr(err, errlen, "no stage given");
		return NULL;
	}
	msg = msg_new(family, HNET_CMD_SET_STAGE, 0, size, sel, err, errlen);
	if (!msg)
		return NULL;
	if (flags && nla_put_u32(msg, HNET_A_FLAGS, flags))
		goto full;
	if (!st)
		return msg;
	nest = nla_nest_start(msg, HNET_A_STAGE);
	if (!nest || nla_put_u8(msg, HNET_STAGE_A_ID, st->id))
		goto full;
	layers = nla_nest_start(msg, HNET_STAGE_A_LAYERS);
	if (!layers)
		goto full;
	for (i = 0; i < st->n_layers; i++)
		if (put_layer(msg, i, &st->layers[i]))
			goto full;
	nla_nest_end(msg, layers);
	nla_nest_end(msg, nest);
	for (i = 0; i < st->n_layers; i++) {
		struct hn_op op = hn_genl_layer_op(&st->layers[i]);

		if (put_chunks(msg, HNET_A_WEIGHTS, st->layers[i].w,
			       hn_op_n_weights(&op), 1))
			goto full;
	}
	for (i = 0; i < st->n_layers; i++) {
		struct hn_op op = hn_genl_layer_op(&st->layers[i]);

		if (put_chunks(msg, HNET_A_BIASES, st->layers[i].b,
			       (size_t)hn_op_n_biases(&op) * sizeof(int32_t),
			       sizeof(int32_t)))
			goto full;
	}
	return msg;
full:
	nlmsg_free(msg);
	seterr(err, errlen, "message buffer too small");
	return NULL;
}

struct nl_msg *hn_genl_msg_set_output(int family, const struct hn_genl_sel *sel,
				      const struct hn_genl_output *o, char *err,
				      size_t errlen)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	if (!sel) {
		seterr(err, errlen, "no device given");
		return NULL;
	}
	if (o->mode > HNET_OUTPUT_MAX) {
		seterr(err, errlen, "unknown output mode %u", o->mode);
		return NULL;
	}
	if (o->flags & ~__HNET_OUTPUT_F_ALL) {
		seterr(err, errlen, "unknown output flags 0x%x", o->flags);
		return NULL;
	}
	if (o->mode == HNET_OUTPUT_NODE && !o->node) {
		seterr(err, errlen,
		       "output to a node needs a non-zero node id");
		return NULL;
	}
	if (o->mode != HNET_OUTPUT_NODE && (o->node || o->flags)) {
		seterr(err, errlen, "a node id and flags need mode node");
		return NULL;
	}
	if (o->stage > 255) {
		seterr(err, errlen, "stage id %d above 255", o->stage);
		return NULL;
	}
	msg = msg_new(family, HNET_CMD_SET_OUTPUT, 0, 4096, sel, err, errlen);
	if (!msg)
		return NULL;
	if (o->set_node_id && nla_put_u32(msg, HNET_A_NODE_ID, o->node_id))
		goto full;
	nest = nla_nest_start(msg, HNET_A_OUTPUT);
	if (!nest || nla_put_u8(msg, HNET_OUT_A_MODE, o->mode))
		goto full;
	if (o->mode == HNET_OUTPUT_NODE &&
	    (nla_put_u32(msg, HNET_OUT_A_NODE, o->node) ||
	     nla_put_u32(msg, HNET_OUT_A_FLAGS, o->flags)))
		goto full;
	if (nla_put_u8(msg, HNET_OUT_A_CLASS, o->tclass))
		goto full;
	if (o->stage >= 0 && nla_put_u8(msg, HNET_OUT_A_STAGE, o->stage))
		goto full;
	nla_nest_end(msg, nest);
	return msg;
full:
	nlmsg_free(msg);
	seterr(err, errlen, "message buffer too small");
	return NULL;
}

/* ---- parsing ------------------------------------------------------------- */

static struct nla_policy dev_policy[HNET_A_MAX + 1] = {
	[HNET_A_IFINDEX] = { .type = NLA_U32 },
	[HNET_A_IFNAME] = { .type = NLA_NUL_STRING, .maxlen = IF_NAMESIZE },
	[HNET_A_NODE_ID] = { .type = NLA_U32 },
	[HNET_A_STAGE] = { .type = NLA_NESTED },
	[HNET_A_OUTPUT] = { .type = NLA_NESTED },
	[HNET_A_STATS] = { .type = NLA_NESTED },
	[HNET_A_INFLIGHT] = { .type = NLA_U32 },
	[HNET_A_RESULT] = { .type = NLA_NESTED },
};

static struct nla_policy out_policy[HNET_OUT_A_MAX + 1] = {
	[HNET_OUT_A_MODE] = { .type = NLA_U8 },
	[HNET_OUT_A_NODE] = { .type = NLA_U32 },
	[HNET_OUT_A_CLASS] = { .type = NLA_U8 },
	[HNET_OUT_A_STAGE] = { .type = NLA_U8 },
	[HNET_OUT_A_FLAGS] = { .type = NLA_U32 },
};

static struct nla_policy stage_policy[HNET_STAGE_A_MAX + 1] = {
	[HNET_STAGE_A_ID] = { .type = NLA_U8 },
	[HNET_STAGE_A_LAYERS] = { .type = NLA_NESTED },
	[HNET_STAGE_A_GENERATION] = { .type = NLA_U64 },
};

static struct nla_policy layer_policy[HNET_LAYER_A_MAX + 1] = {
	[HNET_LAYER_A_IN] = { .type = NLA_U32 },
	[HNET_LAYER_A_OUT] = { .type = NLA_U32 },
	[HNET_LAYER_A_SHIFT] = { .type = NLA_U8 },
	[HNET_LAYER_A_FLAGS] = { .type = NLA_U32 },
	[HNET_LAYER_A_OP] = { .type = NLA_U8 },
	[HNET_LAYER_A_IN_C] = { .type = NLA_U16 },
	[HNET_LAYER_A_IN_H] = { .type = NLA_U16 },
	[HNET_LAYER_A_IN_W] = { .type = NLA_U16 },
	[HNET_LAYER_A_OUT_C] = { .type = NLA_U16 },
	[HNET_LAYER_A_KERNEL] = { .type = NLA_U8 },
	[HNET_LAYER_A_STRIDE] = { .type = NLA_U8 },
	[HNET_LAYER_A_PAD] = { .type = NLA_U8 },
};

/* The geometry of a non-dense layer: all seven, as the module sends. */
static int parse_geometry(struct nlattr **lt, struct hn_op *op)
{
	static const int u16s[] = { HNET_LAYER_A_IN_C, HNET_LAYER_A_IN_H,
				    HNET_LAYER_A_IN_W, HNET_LAYER_A_OUT_C };
	static const int u8s[] = { HNET_LAYER_A_KERNEL, HNET_LAYER_A_STRIDE,
				   HNET_LAYER_A_PAD };
	unsigned int i;

	op->kind = lt[HNET_LAYER_A_OP] ? nla_get_u8(lt[HNET_LAYER_A_OP]) :
					 HNET_OP_DENSE;
	if (op->kind == HNET_OP_DENSE)
		return 0;
	for (i = 0; i < 4; i++)
		if (!lt[u16s[i]])
			return -1;
	for (i = 0; i < 3; i++)
		if (!lt[u8s[i]])
			return -1;
	op->in_c = nla_get_u16(lt[HNET_LAYER_A_IN_C]);
	op->in_h = nla_get_u16(lt[HNET_LAYER_A_IN_H]);
	op->in_w = nla_get_u16(lt[HNET_LAYER_A_IN_W]);
	op->out_c = nla_get_u16(lt[HNET_LAYER_A_OUT_C]);
	op->k = nla_get_u8(lt[HNET_LAYER_A_KERNEL]);
	op->stride = nla_get_u8(lt[HNET_LAYER_A_STRIDE]);
	op->pad = nla_get_u8(lt[HNET_LAYER_A_PAD]);
	return 0;
}

static struct nla_policy res_policy[HNET_RES_A_MAX + 1] = {
	[HNET_RES_A_TENSOR_ID] = { .type = NLA_U32 },
	[HNET_RES_A_ORIGIN] = { .type = NLA_U32 },
	[HNET_RES_A_STAGE] = { .type = NLA_U8 },
	[HNET_RES_A_DATA] = { .type = NLA_UNSPEC },
};

static int proto(char *err, size_t errlen, const char *what)
{
	seterr(err, errlen, "malformed reply from the kernel: %s", what);
	return -EPROTO;
}

static int parse_stage(struct nlattr *a, struct hn_genl_dev *d, char *err,
		       size_t errlen)
{
	struct nlattr *tb[HNET_STAGE_A_MAX + 1], *lt[HNET_LAYER_A_MAX + 1];
	struct nlattr *l;
	int rem;

	if (nla_parse_nested(tb, HNET_STAGE_A_MAX, a, stage_policy) ||
	    !tb[HNET_STAGE_A_ID] || !tb[HNET_STAGE_A_LAYERS])
		return proto(err, errlen, "stage lacks id or layers");
	d->has_stage = true;
	d->stage_id = nla_get_u8(tb[HNET_STAGE_A_ID]);
	if (tb[HNET_STAGE_A_GENERATION])
		d->generation = nla_get_u64(tb[HNET_STAGE_A_GENERATION]);
	nla_for_each_nested(l, tb[HNET_STAGE_A_LAYERS], rem) {
		struct hn_genl_layer *ly;

		if (d->n_layers == HNET_MAX_LAYERS)
			return proto(err, errlen, "too many layers");
		if (nla_parse_nested(lt, HNET_LAYER_A_MAX, l, layer_policy) ||
		    !lt[HNET_LAYER_A_IN] || !lt[HNET_LAYER_A_OUT] ||
		    !lt[HNET_LAYER_A_SHIFT])
			return proto(err, errlen, "layer lacks in/out/shift");
		ly = &d->layers[d->n_layers++];
		ly->n_in = nla_get_u32(lt[HNET_LAYER_A_IN]);
		ly->n_out = nla_get_u32(lt[HNET_LAYER_A_OUT]);
		ly->shift = nla_get_u8(lt[HNET_LAYER_A_SHIFT]);
		if (lt[HNET_LAYER_A_FLAGS])
			ly->flags = nla_get_u32(lt[HNET_LAYER_A_FLAGS]);
		if (parse_geometry(lt, &ly->op))
			return proto(err, errlen, "layer lacks its geometry");
		ly->op.shift = ly->shift;
		ly->op.relu = !!(ly->flags & HNET_LAYER_F_RELU);
	}
	return 0;
}

int hn_genl_parse_dev(struct nlmsghdr *nlh, struct hn_genl_dev *d, char *err,
		      size_t errlen)
{
	struct nlattr *tb[HNET_A_MAX + 1], *ot[HNET_OUT_A_MAX + 1], *a;
	struct genlmsghdr *gh = nlmsg_data(nlh);
	int rem;

	memset(d, 0, sizeof(*d));
	d->out.stage = -1;
	if (!genlmsg_valid_hdr(nlh, 0) || gh->cmd != HNET_CMD_GET_DEVICE)
		return proto(err, errlen, "not a device message");
	if (genlmsg_parse(nlh, 0, tb, HNET_A_MAX, dev_policy))
		return proto(err, errlen, "attributes do not parse");
	if (!tb[HNET_A_IFINDEX] || !tb[HNET_A_IFNAME] || !tb[HNET_A_OUTPUT] ||
	    !tb[HNET_A_STATS])
		return proto(err, errlen,
			     "ifindex, ifname, output or stats missing");
	d->ifindex = nla_get_u32(tb[HNET_A_IFINDEX]);
	snprintf(d->ifname, sizeof(d->ifname), "%s",
		 nla_get_string(tb[HNET_A_IFNAME]));
	if (tb[HNET_A_NODE_ID])
		d->node_id = nla_get_u32(tb[HNET_A_NODE_ID]);
	if (tb[HNET_A_INFLIGHT])
		d->inflight = nla_get_u32(tb[HNET_A_INFLIGHT]);
	if (nla_parse_nested(ot, HNET_OUT_A_MAX, tb[HNET_A_OUTPUT],
			     out_policy) ||
	    !ot[HNET_OUT_A_MODE])
		return proto(err, errlen, "output lacks its mode");
	d->out.mode = nla_get_u8(ot[HNET_OUT_A_MODE]);
	if (ot[HNET_OUT_A_NODE])
		d->out.node = nla_get_u32(ot[HNET_OUT_A_NODE]);
	if (ot[HNET_OUT_A_CLASS])
		d->out.tclass = nla_get_u8(ot[HNET_OUT_A_CLASS]);
	if (ot[HNET_OUT_A_STAGE])
		d->out.stage = nla_get_u8(ot[HNET_OUT_A_STAGE]);
	if (ot[HNET_OUT_A_FLAGS])
		d->out.flags = nla_get_u32(ot[HNET_OUT_A_FLAGS]);
	if (tb[HNET_A_STAGE] && parse_stage(tb[HNET_A_STAGE], d, err, errlen))
		return -EPROTO;
	nla_for_each_nested(a, tb[HNET_A_STATS], rem) {
		int t = nla_type(a);

		/* Newer kernels may count more: skip what we do not know. */
		if (t <= HNET_STATS_A_PAD || t > HNET_STATS_A_MAX)
			continue;
		if (nla_len(a) != sizeof(uint64_t))
			return proto(err, errlen, "counter is not 64 bits");
		d->stats[t] = nla_get_u64(a);
	}
	return 0;
}

int hn_genl_parse_result(struct nlmsghdr *nlh, struct hn_genl_result *r,
			 char *err, size_t errlen)
{
	struct nlattr *tb[HNET_A_MAX + 1], *rt[HNET_RES_A_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlh);
	int len;

	memset(r, 0, sizeof(*r));
	if (!genlmsg_valid_hdr(nlh, 0) || gh->cmd != HNET_CMD_RESULT)
		return proto(err, errlen, "not a result message");
	if (genlmsg_parse(nlh, 0, tb, HNET_A_MAX, dev_policy) ||
	    !tb[HNET_A_IFINDEX] || !tb[HNET_A_RESULT])
		return proto(err, errlen, "result lacks ifindex or result");
	if (nla_parse_nested(rt, HNET_RES_A_MAX, tb[HNET_A_RESULT],
			     res_policy) ||
	    !rt[HNET_RES_A_TENSOR_ID] || !rt[HNET_RES_A_ORIGIN] ||
	    !rt[HNET_RES_A_STAGE] || !rt[HNET_RES_A_DATA])
		return proto(err, errlen,
			     "result lacks id, origin, stage or data");
	len = nla_len(rt[HNET_RES_A_DATA]);
	if (len < 1 || len > HN_TENSOR_MAX_LEN)
		return proto(err, errlen, "result data length out of range");
	r->ifindex = nla_get_u32(tb[HNET_A_IFINDEX]);
	if (tb[HNET_A_IFNAME])
		snprintf(r->ifname, sizeof(r->ifname), "%s",
			 nla_get_string(tb[HNET_A_IFNAME]));
	r->tensor_id = nla_get_u32(rt[HNET_RES_A_TENSOR_ID]);
	r->origin = nla_get_u32(rt[HNET_RES_A_ORIGIN]);
	r->stage = nla_get_u8(rt[HNET_RES_A_STAGE]);
	r->len = len;
	memcpy(r->data, nla_data(rt[HNET_RES_A_DATA]), len);
	return 0;
}

/* ---- sockets ------------------------------------------------------------- */

static int nlerr(int e)
{
	switch (-e) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	}
	return -EIO;
}

static struct nl_sock *sock_new(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1, sz = HN_GENL_SNDBUF;

	if (!sk)
		return NULL;
	if (genl_connect(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	if (setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_SNDBUFFORCE, &sz,
		       sizeof(sz)))
		nl_socket_set_buffer_size(sk, HN_GENL_MSGBUF * 4, sz);
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	/*
	 * An error must not echo the request: a refused 1 MB stage would
	 * not fit the receive buffer, and its extack message with it.
	 */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	nl_socket_set_msg_buf_size(sk, HN_GENL_MSGBUF);
	return sk;
}

int hn_genl_open(struct hn_genl *g)
{
	memset(g, 0, sizeof(*g));
	g->sk = sock_new();
	if (!g->sk) {
		snprintf(g->errmsg, sizeof(g->errmsg),
			 "cannot open a generic netlink socket");
		return -EIO;
	}
	g->family = genl_ctrl_resolve(g->sk, HYPERNET_GENL_NAME);
	if (g->family < 0) {
		int e = nlerr(g->family);

		snprintf(g->errmsg, sizeof(g->errmsg),
			 "generic netlink family '%s' not found",
			 HYPERNET_GENL_NAME);
		nl_socket_free(g->sk);
		g->sk = NULL;
		return e;
	}
	return 0;
}

void hn_genl_close(struct hn_genl *g)
{
	if (g->sk)
		nl_socket_free(g->sk);
	if (g->ev)
		nl_socket_free(g->ev);
	g->sk = g->ev = NULL;
}

struct xact {
	struct hn_genl *g;
	int done;
	int (*valid)(struct nl_msg *, void *);
	void *arg;
};

/* Kernel error: keep errno and the extack message (NLMSGERR_ATTR_MSG). */
static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct xact *x = arg;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);

	x->g->err = e->error;
	x->done = 1;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (NLMSG_HDRLEN + off >= nlh->nlmsg_len)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      nlh->nlmsg_len - NLMSG_HDRLEN - off, NULL))
		return NL_STOP;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(x->g->errmsg, sizeof(x->g->errmsg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

static int done_cb(struct nl_msg *msg, void *arg)
{
	((struct xact *)arg)->done = 1;
	return NL_STOP;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct xact *x = arg;

	return x->valid ? x->valid(msg, x->arg) : NL_OK;
}

int hn_genl_transact(struct hn_genl *g, struct nl_msg *msg,
		     int (*valid)(struct nl_msg *, void *), void *arg)
{
	struct xact x = { .g = g, .valid = valid, .arg = arg };
	struct nl_cb *cb;
	int ret;

	g->err = 0;
	g->errmsg[0] = '\0';
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, err_cb, &x);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, done_cb, &x);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, done_cb, &x);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &x);
	ret = nl_send_auto(g->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		snprintf(g->errmsg, sizeof(g->errmsg), "sending: %s",
			 nl_geterror(ret));
		nl_cb_put(cb);
		return nlerr(ret);
	}
	ret = 0;
	while (!x.done && ret >= 0)
		ret = nl_recvmsgs(g->sk, cb);
	nl_cb_put(cb);
	if (g->err)
		return g->err;
	if (ret < 0) {
		snprintf(g->errmsg, sizeof(g->errmsg), "receiving: %s",
			 nl_geterror(ret));
		return nlerr(ret);
	}
	return 0;
}

int hn_genl_set_stage(struct hn_genl *g, const struct hn_genl_sel *sel,
		      const struct hn_genl_stage *st, uint32_t flags)
{
	struct nl_msg *msg;

	msg = hn_genl_msg_set_stage(g->family, sel, st, flags, g->errmsg,
				    sizeof(g->errmsg));
	return msg ? hn_genl_transact(g, msg, NULL, NULL) : -EINVAL;
}

int hn_genl_set_output(struct hn_genl *g, const struct hn_genl_sel *sel,
		       const struct hn_genl_output *o)
{
	struct nl_msg *msg;

	msg = hn_genl_msg_set_output(g->family, sel, o, g->errmsg,
				     sizeof(g->errmsg));
	return msg ? hn_genl_transact(g, msg, NULL, NULL) : -EINVAL;
}

struct get_arg {
	struct hn_genl *g;
	int (*fn)(const struct hn_genl_dev *, void *);
	void *arg;
	int ret;
};

static int get_cb(struct nl_msg *msg, void *arg)
{
	struct get_arg *ga = arg;
	struct hn_genl_dev d;

	if (hn_genl_parse_dev(nlmsg_hdr(msg), &d, ga->g->errmsg,
			      sizeof(ga->g->errmsg))) {
		ga->ret = -EPROTO;
		return NL_SKIP;
	}
	if (!ga->ret && ga->fn(&d, ga->arg))
		ga->ret = 1;
	return NL_OK;
}

int hn_genl_get(struct hn_genl *g, const struct hn_genl_sel *sel,
		int (*fn)(const struct hn_genl_dev *, void *), void *arg)
{
	struct get_arg ga = { .g = g, .fn = fn, .arg = arg };
	struct nl_msg *msg;
	int ret;

	msg = hn_genl_msg_get(g->family, sel, g->errmsg, sizeof(g->errmsg));
	if (!msg)
		return -EINVAL;
	ret = hn_genl_transact(g, msg, get_cb, &ga);
	if (ret)
		return ret;
	return ga.ret < 0 ? ga.ret : 0;
}

int hn_genl_listen(struct hn_genl *g)
{
	int grp, ret;

	grp = genl_ctrl_resolve_grp(g->sk, HYPERNET_GENL_NAME,
				    HYPERNET_MCGRP_RESULTS);
	if (grp < 0) {
		snprintf(g->errmsg, sizeof(g->errmsg),
			 "multicast group '%s' not found",
			 HYPERNET_MCGRP_RESULTS);
		return nlerr(grp);
	}
	g->ev = sock_new();
	if (!g->ev)
		return -EIO;
	nl_socket_disable_seq_check(g->ev);
	nl_socket_set_buffer_size(g->ev, 4 << 20, 0);
	/* EPERM without CAP_NET_ADMIN: the group is the admin's. */
	ret = nl_socket_add_membership(g->ev, grp);
	if (ret) {
		snprintf(g->errmsg, sizeof(g->errmsg), "cannot join group '%s'",
			 HYPERNET_MCGRP_RESULTS);
		return nlerr(ret);
	}
	return 0;
}

struct res_arg {
	struct hn_genl *g;
	struct hn_genl_result *r;
	int got;
};

static int res_cb(struct nl_msg *msg, void *arg)
{
	struct res_arg *ra = arg;

	if (ra->got || hn_genl_parse_result(nlmsg_hdr(msg), ra->r, NULL, 0))
		return NL_SKIP;
	ra->got = 1;
	return NL_STOP;
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

int hn_genl_recv_result(struct hn_genl *g, struct hn_genl_result *r,
			int timeout_ms)
{
	struct res_arg ra = { .g = g, .r = r };
	struct pollfd pfd = { .events = POLLIN };
	struct nl_cb *cb;
	int ret;

	if (!g->ev)
		return -EINVAL;
	pfd.fd = nl_socket_get_fd(g->ev);
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	/* Notifications carry sequence number 0. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, res_cb, &ra);
	while (!ra.got) {
		ret = poll(&pfd, 1, timeout_ms);
		if (ret <= 0) {
			nl_cb_put(cb);
			return ret < 0 ? -errno : 0;
		}
		ret = nl_recvmsgs(g->ev, cb);
		if (ret < 0 && ret != -NLE_AGAIN) {
			nl_cb_put(cb);
			snprintf(g->errmsg, sizeof(g->errmsg), "receiving: %s",
				 nl_geterror(ret));
			return nlerr(ret);
		}
	}
	nl_cb_put(cb);
	return 1;
}
