// SPDX-License-Identifier: GPL-2.0
/*
 * kmod-bad genl: what the module answers to bad genl requests.  The table
 * below says what each request carries and the error it must get; every
 * rejection must also say why in an extack message, except where the
 * table says the kernel cannot.  None of it may touch the loaded stage,
 * checked after the table.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "kmod_bad.h"

/* Which device a request names, and how. */
enum nl_dev {
	DEV_SELF, /* HNET_A_IFINDEX of the device */
	DEV_NONE, /* no device attribute */
	DEV_SELF_U16, /* the device's ifindex, as a u16: wrong size */
	DEV_MISSING, /* HNET_A_IFINDEX 99999: no such device */
	DEV_LO, /* HNET_A_IFINDEX of lo: not a hypernet device */
	DEV_LONG_NAME, /* HNET_A_IFNAME longer than IFNAMSIZ */
};

/* HNET_A_STAGE: layers of dims[2 i] x dims[2 i + 1]; no dims, no stage. */
struct nl_layers {
	const unsigned int *dims;
	unsigned int n;
	uint32_t flags; /* each layer's HNET_LAYER_A_FLAGS */
	int shift; /* each layer's HNET_LAYER_A_SHIFT, -1: left out */
};

/*
 * HNET_A_STAGE of one layer with HNET_LAYER_A_OP @op and the geometry
 * (IN and OUT as given), @omit left out; used if .in is set.
 */
struct nl_conv {
	uint8_t op, k, stride, pad, shift;
	uint16_t in_c, in_h, in_w, out_c;
	uint32_t in, out;
	int omit; /* an HNET_LAYER_A_* left out, or 0 */
};

/* HNET_A_OUTPUT, if .mode or .class; a zero attribute is left out. */
struct nl_output {
	uint8_t mode, class;
	uint32_t node, flags;
};

/* A request, in the order its attributes go in, and what it must get. */
struct nl_bad {
	const char *name;
	uint8_t cmd;
	bool dump; /* NLM_F_DUMP */
	enum nl_dev dev;
	uint32_t flags; /* HNET_A_FLAGS, 0: left out */
	struct nl_layers st;
	struct nl_conv conv;
	bool bare_stage; /* HNET_A_STAGE with HNET_STAGE_A_ID 1 only */
	size_t weights; /* bytes of HNET_A_WEIGHTS (zeros) */
	size_t biases; /* bytes of HNET_A_BIASES */
	int32_t bias; /* every bias */
	uint32_t inflight; /* HNET_A_INFLIGHT (kernel only), 0: left out */
	struct nl_output out;
	int want; /* -errno; 0: any error (a policy's) */
	bool no_extack; /* the kernel cannot say why */
	const char *msg; /* the extack message must contain it */
};

/* One layer: OP, then C x H x W -> OUT_C, window K, stride, pad, IN, OUT. */
#define CONV(op_, c, h, w, oc, k_, s, p, i, o)                       \
	{                                                            \
		.op = (op_), .in_c = (c), .in_h = (h), .in_w = (w),  \
		.out_c = (oc), .k = (k_), .stride = (s), .pad = (p), \
		.shift = 6, .in = (i), .out = (o)                    \
	}
#define CV HNET_OP_CONV2D
/* 2x8x8, 3x3 window, padding 1: 4x8x8, 72 weights and 4 biases. */
#define CONV_PARAMS .weights = 72, .biases = 16

static const unsigned int d16[] = { 16, 8 };
static const unsigned int dmis[] = { 16, 8, 9, 4 };
static const unsigned int dbig[] = { 1024, 1024 };
static const unsigned int d9[] = { 4, 4, 4, 4, 4, 4, 4, 4, 4,
				   4, 4, 4, 4, 4, 4, 4, 4, 4 };
static const unsigned int dzero[] = { 0, 8 };
static const unsigned int dhuge[] = { 5000, 8 };

#define SET_STAGE .cmd = HNET_CMD_SET_STAGE
#define SET_OUTPUT .cmd = HNET_CMD_SET_OUTPUT
/* One 16x8 layer, shift 4, and its parameters: a valid stage. */
#define STAGE16 .st = { d16, 1, 0, 4 }
#define PARAMS16 .weights = 128, .biases = 32

static const struct nl_bad nl_bad[] = {
	{ "nl-ifindex-wrong-size", SET_STAGE, .dev = DEV_SELF_U16 },
	{ "nl-no-device", SET_STAGE, .dev = DEV_NONE, STAGE16, PARAMS16,
	  .want = -EINVAL },
	{ "nl-no-such-device", SET_STAGE, .dev = DEV_MISSING, STAGE16, PARAMS16,
	  .want = -ENODEV },
	{ "nl-not-hypernet", SET_STAGE, .dev = DEV_LO, STAGE16, PARAMS16,
	  .want = -EOPNOTSUPP },
	{ "nl-ifname-too-long", SET_STAGE, .dev = DEV_LONG_NAME },
	{ "nl-unknown-dev-flags", SET_STAGE, .flags = 1U << 7,
	  .want = -EOPNOTSUPP },
	{ "nl-unknown-layer-flags", SET_STAGE, .st = { d16, 1, 1U << 5, 4 },
	  PARAMS16, .want = -EOPNOTSUPP },
	{ "nl-missing-stage", SET_STAGE, .want = -EINVAL },
	{ "nl-missing-layers", SET_STAGE, .bare_stage = true, .want = -EINVAL },
	{ "nl-layer-missing-shift", SET_STAGE, .st = { d16, 1, 0, -1 },
	  PARAMS16, .want = -EINVAL },
	{ "nl-shift-range", SET_STAGE, .st = { d16, 1, 0, HN_SHIFT_MAX + 1 },
	  PARAMS16 },
	{ "nl-dim-zero", SET_STAGE, .st = { dzero, 1, 0, 4 } },
	{ "nl-dim-huge", SET_STAGE, .st = { dhuge, 1, 0, 4 } },
	{ "nl-dim-mismatch", SET_STAGE, .st = { dmis, 2, 0, 4 },
	  .weights = 128 + 36, .biases = 48, .want = -EINVAL },
	{ "nl-oversize", SET_STAGE, .st = { dbig, 1, 0, 4 }, .want = -E2BIG },
	{ "nl-too-many-layers", SET_STAGE, .st = { d9, 9, 0, 4 },
	  .want = -E2BIG },
	{ "nl-missing-weights", SET_STAGE, STAGE16, .biases = 32,
	  .want = -EINVAL },
	{ "nl-weights-short", SET_STAGE, STAGE16, .weights = 127, .biases = 32,
	  .want = -EINVAL },
	{ "nl-weights-long", SET_STAGE, STAGE16, .weights = 129, .biases = 32,
	  .want = -EINVAL },
	{ "nl-missing-biases", SET_STAGE, STAGE16, .weights = 128,
	  .want = -EINVAL },
	{ "nl-biases-not-int32", SET_STAGE, STAGE16, .weights = 128,
	  .biases = 30, .want = -EINVAL },
	{ "nl-bias-overflow", SET_STAGE, STAGE16, PARAMS16, .bias = INT32_MAX,
	  .want = -ERANGE },
	{ "nl-clear-with-stage", SET_STAGE, .flags = HNET_DEV_F_CLEAR_STAGE,
	  STAGE16, .want = -EINVAL },
	{ "nl-kernel-only-attr", SET_STAGE, .inflight = 1 },
	{ "nl-output-missing", SET_OUTPUT, .want = -EINVAL },
	{ "nl-output-missing-mode", SET_OUTPUT, .out = { .class = 1 },
	  .want = -EINVAL },
	{ "nl-output-mode-range", SET_OUTPUT, .out = { .mode = 9 } },
	{ "nl-output-node-missing", SET_OUTPUT,
	  .out = { .mode = HNET_OUTPUT_NODE }, .want = -EINVAL },
	{ "nl-output-unknown-flags", SET_OUTPUT,
	  .out = { .mode = HNET_OUTPUT_NODE, .node = 5, .flags = 1U << 9 },
	  .want = -EOPNOTSUPP },
	/* Convolution and pooling layers (hn_op_check() in words). */
	{ "nl-conv-pad-not-below-window", SET_STAGE,
	  .conv = CONV(CV, 2, 8, 8, 4, 3, 1, 3, 128, 576), CONV_PARAMS,
	  .want = -EINVAL, .msg = "padding must be below the window" },
	{ "nl-conv-window-too-large", SET_STAGE,
	  .conv = CONV(CV, 2, 8, 8, 4, 11, 1, 0, 128, 1), .want = -EINVAL,
	  .msg = "window is larger than the padded input" },
	{ "nl-conv-lacks-kernel", SET_STAGE,
	  .conv = { .op = CV,
		    .in_c = 2,
		    .in_h = 8,
		    .in_w = 8,
		    .out_c = 4,
		    .stride = 1,
		    .pad = 1,
		    .in = 128,
		    .out = 256,
		    .omit = HNET_LAYER_A_KERNEL },
	  CONV_PARAMS, .want = -EINVAL, .msg = "lacks a geometry attribute" },
	{ "nl-dense-with-geometry", SET_STAGE,
	  .conv = CONV(HNET_OP_DENSE, 2, 8, 8, 4, 3, 1, 1, 16, 8), PARAMS16,
	  .want = -EINVAL, .msg = "geometry attribute on a dense" },
	{ "nl-conv-out-unlike-geometry", SET_STAGE,
	  .conv = CONV(CV, 2, 8, 8, 4, 3, 1, 1, 128, 255), CONV_PARAMS,
	  .want = -EINVAL, .msg = "differs from its geometry" },
	{ "nl-conv-op-unknown", SET_STAGE,
	  .conv = CONV(7, 2, 8, 8, 4, 3, 1, 1, 128, 256), CONV_PARAMS },
	{ "nl-pool-changes-channels", SET_STAGE,
	  .conv = { .op = HNET_OP_MAXPOOL,
		    .k = 2,
		    .stride = 2,
		    .in_c = 2,
		    .in_h = 8,
		    .in_w = 8,
		    .out_c = 3,
		    .in = 128,
		    .out = 48 },
	  .want = -EINVAL, .msg = "pooling must keep the channel count" },
	{ "nl-conv-weights-short", SET_STAGE,
	  .conv = CONV(CV, 2, 8, 8, 4, 3, 1, 1, 128, 256), .weights = 71,
	  .biases = 16, .want = -EINVAL, .msg = "fewer weights" },
	{ "nl-conv-stage-output-above-tensor", SET_STAGE,
	  .conv = CONV(CV, 2, 8, 8, 80, 3, 1, 1, 128, 80 * 64), .want = -E2BIG,
	  .msg = "larger than HN_TENSOR_MAX_LEN" },
	{ "nl-conv-over-max-macs", SET_STAGE,
	  .conv = CONV(CV, 64, 8, 8, 64, 11, 1, 5, 4096, 4096), .want = -E2BIG,
	  .msg = "HNET_STAGE_MAX_MACS" },
	/* 6.1 drops the extack of a dump's start(): errno only there */
	{ "nl-get-no-such-device", .cmd = HNET_CMD_GET_DEVICE, .dump = true,
	  .dev = DEV_MISSING, .want = -ENODEV, .no_extack = true },
	{ "nl-unknown-cmd", .cmd = HNET_CMD_RESULT, .want = -EOPNOTSUPP },
};

static void put_dev(struct nl_msg *m, enum nl_dev dev)
{
	switch (dev) {
	case DEV_SELF:
		nla_put_u32(m, HNET_A_IFINDEX, pkt_ifindex);
		break;
	case DEV_NONE:
		break;
	case DEV_SELF_U16:
		nla_put_u16(m, HNET_A_IFINDEX, pkt_ifindex);
		break;
	case DEV_MISSING:
		nla_put_u32(m, HNET_A_IFINDEX, 99999);
		break;
	case DEV_LO:
		nla_put_u32(m, HNET_A_IFINDEX, if_nametoindex("lo"));
		break;
	case DEV_LONG_NAME:
		nla_put_string(m, HNET_A_IFNAME,
			       "a-name-way-too-long-for-ifnamsiz");
		break;
	}
}

static void put_layers(struct nl_msg *m, const struct nl_layers *st)
{
	struct nlattr *nest = nla_nest_start(m, HNET_A_STAGE), *ls, *l;
	unsigned int i;

	nla_put_u8(m, HNET_STAGE_A_ID, o.stage_id);
	ls = nla_nest_start(m, HNET_STAGE_A_LAYERS);
	for (i = 0; i < st->n; i++) {
		l = nla_nest_start(m, i);
		nla_put_u32(m, HNET_LAYER_A_IN, st->dims[2 * i]);
		nla_put_u32(m, HNET_LAYER_A_OUT, st->dims[2 * i + 1]);
		if (st->shift >= 0)
			nla_put_u8(m, HNET_LAYER_A_SHIFT, st->shift);
		nla_put_u32(m, HNET_LAYER_A_FLAGS, st->flags);
		nla_nest_end(m, l);
	}
	nla_nest_end(m, ls);
	nla_nest_end(m, nest);
}

static void put_conv(struct nl_msg *m, const struct nl_conv *c)
{
	struct nlattr *nest = nla_nest_start(m, HNET_A_STAGE), *ls, *l;
	const struct {
		int type, size;
		unsigned int v;
	} a[] = {
		{ HNET_LAYER_A_IN, 4, c->in },
		{ HNET_LAYER_A_OUT, 4, c->out },
		{ HNET_LAYER_A_SHIFT, 1, c->shift },
		{ HNET_LAYER_A_OP, 1, c->op },
		{ HNET_LAYER_A_IN_C, 2, c->in_c },
		{ HNET_LAYER_A_IN_H, 2, c->in_h },
		{ HNET_LAYER_A_IN_W, 2, c->in_w },
		{ HNET_LAYER_A_OUT_C, 2, c->out_c },
		{ HNET_LAYER_A_KERNEL, 1, c->k },
		{ HNET_LAYER_A_STRIDE, 1, c->stride },
		{ HNET_LAYER_A_PAD, 1, c->pad },
	};
	unsigned int i;

	nla_put_u8(m, HNET_STAGE_A_ID, o.stage_id);
	ls = nla_nest_start(m, HNET_STAGE_A_LAYERS);
	l = nla_nest_start(m, 0);
	for (i = 0; i < ARRAY_SIZE(a); i++) {
		if (a[i].type == c->omit)
			continue;
		if (a[i].size == 4)
			nla_put_u32(m, a[i].type, a[i].v);
		else if (a[i].size == 2)
			nla_put_u16(m, a[i].type, a[i].v);
		else
			nla_put_u8(m, a[i].type, a[i].v);
	}
	nla_nest_end(m, l);
	nla_nest_end(m, ls);
	nla_nest_end(m, nest);
}

static void put_bare_stage(struct nl_msg *m)
{
	struct nlattr *nest = nla_nest_start(m, HNET_A_STAGE);

	nla_put_u8(m, HNET_STAGE_A_ID, 1);
	nla_nest_end(m, nest);
}

/* Weights (zeros) and biases, in attributes of at most 64 kB. */
static void put_params(struct nl_msg *m, size_t nw, size_t nb_bytes,
		       int32_t bias)
{
	static int8_t w[65000];
	static int32_t b[16250];
	size_t i, n;

	for (i = 0; i < 16250; i++)
		b[i] = bias;
	while (nw) {
		n = nw < sizeof(w) ? nw : sizeof(w);
		nla_put(m, HNET_A_WEIGHTS, n, w);
		nw -= n;
	}
	while (nb_bytes) {
		n = nb_bytes < 64000 ? nb_bytes : 64000;
		nla_put(m, HNET_A_BIASES, n, b);
		nb_bytes -= n;
	}
}

static void put_output(struct nl_msg *m, const struct nl_output *out)
{
	struct nlattr *nest = nla_nest_start(m, HNET_A_OUTPUT);

	if (out->mode)
		nla_put_u8(m, HNET_OUT_A_MODE, out->mode);
	if (out->class)
		nla_put_u8(m, HNET_OUT_A_CLASS, out->class);
	if (out->node)
		nla_put_u32(m, HNET_OUT_A_NODE, out->node);
	if (out->flags)
		nla_put_u32(m, HNET_OUT_A_FLAGS, out->flags);
	nla_nest_end(m, nest);
}

/* Request @c as the table describes it. */
static struct nl_msg *nl_build(const struct nl_bad *c)
{
	struct nl_msg *m = nlmsg_alloc_size(1 << 20);

	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, gl.family, 0,
		    c->dump ? NLM_F_DUMP : 0, c->cmd, HYPERNET_GENL_VERSION);
	put_dev(m, c->dev);
	if (c->flags)
		nla_put_u32(m, HNET_A_FLAGS, c->flags);
	if (c->st.dims)
		put_layers(m, &c->st);
	if (c->conv.in)
		put_conv(m, &c->conv);
	if (c->bare_stage)
		put_bare_stage(m);
	put_params(m, c->weights, c->biases, c->bias);
	if (c->inflight)
		nla_put_u32(m, HNET_A_INFLIGHT, c->inflight);
	if (c->out.mode || c->out.class)
		put_output(m, &c->out);
	return m;
}

static void nl_case(const struct nl_bad *c)
{
	int ret = hn_genl_transact(&gl, nl_build(c), NULL, NULL);
	bool ok = c->want ? ret == c->want : ret < 0;

	/* Every rejection must say why. */
	if (ok && ret && ret != -EOPNOTSUPP && !gl.errmsg[0] && !c->no_extack)
		ok = false;
	if (c->msg && !strstr(gl.errmsg, c->msg))
		ok = false;
	result(ok, c->name, "%s (%d): %s", strerror(-ret), ret,
	       gl.errmsg[0] ? gl.errmsg : "(no extack)");
}

/* None of the requests may have touched the loaded stage. */
static void nl_stage_intact(const uint64_t *before)
{
	uint64_t after[__HNET_STATS_A_MAX];
	int ret = sentinel();

	get_stats(after);
	result(!ret && after[HNET_STATS_A_STAGE_LOADS] ==
			       before[HNET_STATS_A_STAGE_LOADS],
	       "nl-stage-intact", "stage loads %llu -> %llu",
	       (unsigned long long)before[HNET_STATS_A_STAGE_LOADS],
	       (unsigned long long)after[HNET_STATS_A_STAGE_LOADS]);
}

/* A reload with HNET_DEV_F_RESET_STATS zeroes the counters. */
static void nl_reset_stats(void)
{
	struct hn_genl_sel sel = { .ifname = o.dev };
	uint64_t after[__HNET_STATS_A_MAX];
	int ret;

	ret = hn_genl_set_stage(&gl, &sel, &bad_stage.g,
				HNET_DEV_F_RESET_STATS);
	get_stats(after);
	result(!ret && !after[HNET_STATS_A_FRAMES_IN] &&
		       !after[HNET_STATS_A_TENSORS_DONE],
	       "nl-reset-stats", "frames_in %llu after reset",
	       (unsigned long long)after[HNET_STATS_A_FRAMES_IN]);
}

int bad_genl(void)
{
	uint64_t before[__HNET_STATS_A_MAX];
	size_t i;

	get_stats(before);
	for (i = 0; i < ARRAY_SIZE(nl_bad); i++)
		nl_case(&nl_bad[i]);
	nl_stage_intact(before);
	nl_reset_stats();
	return failures ? 1 : 0;
}
