// SPDX-License-Identifier: GPL-2.0
/*
 * The module's stage loading and compute, built for userspace through
 * tests/kmod/shim/: kmod/nlparse.c takes convolution, pooling and dense
 * layers, refuses each malformed one with its extack message, and
 * kmod/stage.c + compute.c compute in bounded sections exactly what
 * engine.h's hn_op_run() computes layer by layer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <kshim.h>
#include <net/netlink.h>
#include <linux/hypernet.h>
#include <hypernet/engine.h>
#include "nlparse.h"
#include "stage.h"

/* ---- a request builder ---------------------------------------------------- */

static u8 msg[1 << 21] __aligned(8);
static size_t msg_len;

static void attr(u16 type, const void *data, u16 n)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN + n, .nla_type = type };

	memcpy(msg + msg_len, &a, sizeof(a));
	if (n)
		memcpy(msg + msg_len + NLA_HDRLEN, data, n);
	msg_len += NLA_ALIGN(a.nla_len);
}

static void attr_u8(u16 type, u8 v)
{
	attr(type, &v, 1);
}

static void attr_u16(u16 type, u16 v)
{
	attr(type, &v, 2);
}

static void attr_u32(u16 type, u32 v)
{
	attr(type, &v, 4);
}

static size_t nest_start(u16 type)
{
	size_t at = msg_len;

	attr(type | NLA_F_NESTED, NULL, 0);
	return at;
}

static void nest_end(size_t at)
{
	((struct nlattr *)(msg + at))->nla_len = msg_len - at;
}

/* One layer as sent: @op, and what to send differently from it. */
struct tl {
	struct hn_op op;
	u32 in, out; /* 0: hn_op_in_len(), hn_op_out_len() */
	u16 omit; /* an attribute left out, or 0 */
	u16 extra; /* an attribute sent too (value 1), or 0 */
	int raw_op; /* >= 0: HNET_LAYER_A_OP sent as this */
};

static void put_geometry(const struct tl *t)
{
	static const u16 u16s[] = { HNET_LAYER_A_IN_C, HNET_LAYER_A_IN_H,
				    HNET_LAYER_A_IN_W, HNET_LAYER_A_OUT_C };
	const struct hn_op *op = &t->op;
	const u16 v16[] = { op->in_c, op->in_h, op->in_w, op->out_c };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(u16s); i++)
		if (t->omit != u16s[i])
			attr_u16(u16s[i], v16[i]);
	if (t->omit != HNET_LAYER_A_KERNEL)
		attr_u8(HNET_LAYER_A_KERNEL, op->k);
	if (t->omit != HNET_LAYER_A_STRIDE)
		attr_u8(HNET_LAYER_A_STRIDE, op->stride);
	if (t->omit != HNET_LAYER_A_PAD)
		attr_u8(HNET_LAYER_A_PAD, op->pad);
}

static void put_layer(unsigned int i, const struct tl *t)
{
	size_t l = nest_start(i);

	attr_u32(HNET_LAYER_A_IN, t->in ? t->in : hn_op_in_len(&t->op));
	attr_u32(HNET_LAYER_A_OUT, t->out ? t->out : hn_op_out_len(&t->op));
	attr_u8(HNET_LAYER_A_SHIFT, t->op.shift);
	attr_u32(HNET_LAYER_A_FLAGS, t->op.relu ? HNET_LAYER_F_RELU : 0);
	if (t->raw_op >= 0)
		attr_u8(HNET_LAYER_A_OP, t->raw_op);
	else if (t->op.kind != HNET_OP_DENSE)
		attr_u8(HNET_LAYER_A_OP, t->op.kind);
	if (t->op.kind != HNET_OP_DENSE)
		put_geometry(t);
	if (t->extra == HNET_LAYER_A_KERNEL || t->extra == HNET_LAYER_A_PAD)
		attr_u8(t->extra, 1);
	else if (t->extra)
		attr_u16(t->extra, 1);
	nest_end(l);
}

static u32 rnd_state = 12345;
/* Non-zero: every bias is this (build()). */
static s32 bias_fixed;

static u32 rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/*
 * The request for @n layers: the stage nest, then random weights and
 * biases (|bias| < @bias_max), @dw and @db more or fewer than the layers
 * take.  Returns the weights and biases sent, for the reference.
 */
static void build(const struct tl *t, unsigned int n, int dw, int db,
		  s32 bias_max, s8 *w, s32 *b)
{
	static s8 wbuf[HNET_STAGE_MAX_BYTES + 64];
	static s32 bbuf[HNET_STAGE_MAX_BYTES / 4 + 16];
	size_t st, ls, nw = 0, nb = 0, k, off;
	unsigned int i;

	msg_len = 0;
	attr_u32(HNET_A_IFINDEX, 2);
	st = nest_start(HNET_A_STAGE);
	attr_u8(HNET_STAGE_A_ID, 3);
	ls = nest_start(HNET_STAGE_A_LAYERS);
	for (i = 0; i < n; i++) {
		put_layer(i, &t[i]);
		nw += hn_op_n_weights(&t[i].op);
		nb += hn_op_n_biases(&t[i].op);
	}
	nest_end(ls);
	nest_end(st);
	nw += dw;
	nb += db;
	for (k = 0; k < nw; k++)
		wbuf[k] = (s8)(rnd() & 0xff);
	for (k = 0; k < nb; k++)
		bbuf[k] = bias_fixed ? bias_fixed :
				       (s32)(rnd() % (2 * (u32)bias_max + 1)) -
					       bias_max;
	for (off = 0; off < nw; off += k) {
		k = min(nw - off, (size_t)60000);
		attr(HNET_A_WEIGHTS, wbuf + off, k);
	}
	for (off = 0; off < nb; off += k) {
		k = min(nb - off, (size_t)16000);
		attr(HNET_A_BIASES, bbuf + off, k * 4);
	}
	if (w)
		memcpy(w, wbuf, nw);
	if (b)
		memcpy(b, bbuf, nb * 4);
}

/* The request through the genl core's policy, then the module's parse. */
static struct hn_stage *load(struct netlink_ext_ack *ext)
{
	struct nlattr *tb[HNET_A_MAX + 1];
	int ret;

	memset(ext, 0, sizeof(*ext));
	ret = nla_parse(tb, HNET_A_MAX, (struct nlattr *)msg, msg_len,
			hn_policy, ext);
	if (ret)
		return ERR_PTR(ret);
	return hn_nl_parse_stage(tb[HNET_A_STAGE], (struct nlattr *)msg,
				 msg_len, ext);
}

#define CONV(ic, ih, iw, oc, kk, st, pd, sh)                            \
	{                                                               \
		.kind = HNET_OP_CONV2D, .in_c = (ic), .in_h = (ih),     \
		.in_w = (iw), .out_c = (oc), .k = (kk), .stride = (st), \
		.pad = (pd), .shift = (sh), .relu = 1                   \
	}
#define POOL(c, h, w_, kk, st)                                        \
	{                                                             \
		.kind = HNET_OP_MAXPOOL, .in_c = (c), .in_h = (h),    \
		.in_w = (w_), .out_c = (c), .k = (kk), .stride = (st) \
	}
#define DENSE(i, o, sh)                                                   \
	{                                                                 \
		.kind = HNET_OP_DENSE, .in_c = (i), .in_h = 1, .in_w = 1, \
		.out_c = (o), .shift = (sh)                               \
	}

/* ---- compute ---------------------------------------------------------------- */

static s8 weights[HNET_STAGE_MAX_BYTES];
static s32 biases[HNET_STAGE_MAX_BYTES / 4];

/* Layer by layer with hn_op_run(), whole: what the sections must give. */
static void reference(const struct tl *t, unsigned int n, const s8 *in, s8 *out)
{
	static s8 a[2][HNET_STAGE_ACT_MAX];
	size_t wo = 0, bo = 0;
	const s8 *x = in;
	unsigned int i;

	for (i = 0; i < n; i++) {
		s8 *y = i + 1 == n ? out : a[i & 1];

		hn_op_run(&t[i].op, weights + wo, biases + bo, x, y);
		wo += hn_op_n_weights(&t[i].op);
		bo += hn_op_n_biases(&t[i].op);
		x = y;
	}
}

/* @s run with a budget of one MAC: a channel at a time. */
static const s8 *step_by_channel(const struct hn_stage *s, const s8 *in,
				 s8 *act)
{
	struct hn_stage_pos r = { .x = in, .act = act };
	unsigned int steps = 0, channels = 0, i;

	for (i = 0; i < s->n_layers; i++)
		channels += s->layers[i].op.out_c;
	while (r.layer < s->n_layers) {
		hn_stage_step(s, &r, 1);
		steps++;
	}
	assert_int_equal(steps, channels);
	return r.x;
}

/* Load @t, run it on random inputs, compare with the reference. */
static void check_computes(const struct tl *t, unsigned int n, int rounds)
{
	static s8 act[HN_STAGE_ACT_BYTES], in[HN_TENSOR_MAX_LEN],
		want[HN_TENSOR_MAX_LEN];
	struct netlink_ext_ack ext;
	struct hn_stage *s;
	unsigned int i;

	build(t, n, 0, 0, 2000, weights, biases);
	s = load(&ext);
	if (IS_ERR(s))
		fail_msg("refused: %s", ext._msg);
	assert_int_equal(s->n_in, hn_op_in_len(&t[0].op));
	assert_int_equal(s->n_out, hn_op_out_len(&t[n - 1].op));
	while (rounds--) {
		const s8 *y;
		u64 ns = 0;

		for (i = 0; i < s->n_in; i++)
			in[i] = (s8)(rnd() & 0xff);
		y = hn_stage_run(s, in, act, &ns);
		reference(t, n, in, want);
		assert_memory_equal(y, want, s->n_out);
		/* One channel a section: every channel offset is used. */
		memset(act, 0x55, sizeof(act));
		y = step_by_channel(s, in, act);
		assert_memory_equal(y, want, s->n_out);
	}
	hn_stage_put(s);
}

/* The shape of issue 16's CNN: conv, pool, conv, pool, dense, dense. */
static void test_cnn_computes_as_engine(void **state)
{
	static const struct tl t[] = {
		{ CONV(1, 28, 28, 8, 3, 1, 1, 7), .raw_op = -1 },
		{ POOL(8, 28, 28, 2, 2), .raw_op = -1 },
		{ CONV(8, 14, 14, 16, 3, 1, 1, 8), .raw_op = -1 },
		{ POOL(16, 14, 14, 2, 2), .raw_op = -1 },
		{ DENSE(16 * 7 * 7, 32, 9), .raw_op = -1 },
		{ DENSE(32, 10, 6), .raw_op = -1 },
	};

	check_computes(t, ARRAY_SIZE(t), 20);
}

/* Random conv + pool + dense geometries, strides and paddings. */
static void test_random_stages_compute_as_engine(void **state)
{
	unsigned int round;

	for (round = 0; round < 200; round++) {
		struct tl t[3] = { { .raw_op = -1 },
				   { .raw_op = -1 },
				   { .raw_op = -1 } };
		struct hn_op *c = &t[0].op, *p = &t[1].op;

		*c = (struct hn_op)CONV(1 + rnd() % 4, 3 + rnd() % 14,
					3 + rnd() % 14, 1 + rnd() % 8,
					1 + rnd() % 5, 1 + rnd() % 3, 0, 0);
		c->pad = rnd() % c->k;
		c->shift = rnd() % 12;
		c->relu = rnd() & 1;
		if (hn_op_check(c) || hn_op_in_len(c) > HN_TENSOR_MAX_LEN) {
			round--;
			continue;
		}
		*p = (struct hn_op)POOL(c->out_c, hn_op_out_h(c),
					hn_op_out_w(c), 1 + rnd() % 3,
					1 + rnd() % 3);
		if (hn_op_check(p)) {
			round--;
			continue;
		}
		t[2].op = (struct hn_op)DENSE(hn_op_out_len(p), 1 + rnd() % 20,
					      rnd() % 14);
		check_computes(t, 3, 3);
	}
}

/*
 * A ~1M-MAC convolution runs in sections of at most
 * HN_STAGE_SECTION_MACS (its channels are small), with cond_resched()
 * between them; a section never exceeds the budget by more than one
 * channel.
 */
static void test_sections_are_bounded(void **state)
{
	static const struct tl t[] = {
		{ CONV(16, 16, 16, 32, 3, 1, 1, 9), .raw_op = -1 },
		{ POOL(32, 16, 16, 2, 2), .raw_op = -1 },
	};
	static s8 act[HN_STAGE_ACT_BYTES], in[HN_TENSOR_MAX_LEN];
	const struct hn_stage_layer *l;
	struct hn_stage_pos r = { .x = in, .act = act };
	struct netlink_ext_ack ext;
	unsigned long resched;
	u32 done, total = 0, per;
	struct hn_stage *s;
	u64 ns = 0;

	build(t, 2, 0, 0, 100, NULL, NULL);
	s = load(&ext);
	assert_false(IS_ERR(s));
	l = &s->layers[0];
	per = l->macs / l->op.out_c;
	assert_true(l->macs > 1000000 && l->macs <= HNET_STAGE_MAX_MACS);
	assert_true(per <= HN_STAGE_SECTION_MACS);
	while (r.layer < s->n_layers) {
		done = hn_stage_step(s, &r, HN_STAGE_SECTION_MACS);
		assert_true(done > 0 && done <= HN_STAGE_SECTION_MACS);
		total += done;
	}
	assert_int_equal(total, l->macs + s->layers[1].macs);
	resched = kshim_resched;
	hn_stage_run(s, in, act, &ns);
	assert_true(kshim_resched - resched >=
		    l->macs / HN_STAGE_SECTION_MACS - 1);
	hn_stage_put(s);
}

/* A channel larger than the budget is one section of its own. */
static void test_section_one_channel_at_least(void **state)
{
	static const struct tl t[] = {
		{ CONV(16, 16, 16, 2, 3, 1, 1, 9), .raw_op = -1 },
	};
	static s8 act[HN_STAGE_ACT_BYTES], in[HN_TENSOR_MAX_LEN];
	struct hn_stage_pos r = { .x = in, .act = act };
	struct netlink_ext_ack ext;
	struct hn_stage *s;

	build(t, 1, 0, 0, 100, NULL, NULL);
	s = load(&ext);
	assert_false(IS_ERR(s));
	assert_int_equal(hn_stage_step(s, &r, 1000), s->layers[0].macs / 2);
	assert_int_equal(r.ch, 1);
	assert_int_equal(hn_stage_step(s, &r, 1000), s->layers[0].macs / 2);
	assert_int_equal(r.layer, 1);
	hn_stage_put(s);
}

/* Between the layers, up to HNET_STAGE_ACT_MAX: wider than a tensor. */
static void test_inner_activation_wider_than_tensor(void **state)
{
	static const struct tl t[] = {
		{ DENSE(64, 12000, 4), .raw_op = -1 },
		{ DENSE(12000, 10, 12), .raw_op = -1 },
	};

	check_computes(t, 2, 3);
}

/* ---- refusals ------------------------------------------------------------- */

struct refusal {
	const char *name;
	struct tl t[2];
	unsigned int n;
	int dw, db;
	s32 bias_max; /* > 1 << 24: every bias is this */
	int err;
	const char *msg; /* NULL: hn_op_strerror(@ope) */
	int ope;
};

#define OK_CONV CONV(2, 10, 10, 4, 3, 1, 1, 6)

static const struct refusal refusals[] = {
	{ "unknown op",
	  { { OK_CONV, .raw_op = 3 } },
	  1,
	  0,
	  0,
	  10,
	  -ERANGE,
	  "value out of range" },
	{ "conv without KERNEL",
	  { { OK_CONV, .raw_op = -1, .omit = HNET_LAYER_A_KERNEL } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  "hypernet: convolution or pooling layer lacks a geometry attribute" },
	{ "pool without OUT_C",
	  { { POOL(2, 8, 8, 2, 2), .raw_op = -1, .omit = HNET_LAYER_A_OUT_C } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  "hypernet: convolution or pooling layer lacks a geometry attribute" },
	{ "dense with KERNEL",
	  { { DENSE(16, 4, 2), .raw_op = -1, .extra = HNET_LAYER_A_KERNEL } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  "hypernet: geometry attribute on a dense layer" },
	{ "dense with IN_C",
	  { { DENSE(16, 4, 2), .raw_op = -1, .extra = HNET_LAYER_A_IN_C } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  "hypernet: geometry attribute on a dense layer" },
	{ "explicit dense op with PAD",
	  { { DENSE(16, 4, 2), .raw_op = HNET_OP_DENSE,
	      .extra = HNET_LAYER_A_PAD } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  "hypernet: geometry attribute on a dense layer" },
	{ "kernel above HN_OP_K_MAX",
	  { { CONV(1, 20, 20, 1, HN_OP_K_MAX + 1, 1, 0, 0), .raw_op = -1 } },
	  1,
	  0,
	  0,
	  10,
	  -ERANGE,
	  "value out of range" },
	{ "conv without IN_C",
	  { { OK_CONV, .raw_op = -1, .omit = HNET_LAYER_A_IN_C } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  "hypernet: convolution or pooling layer lacks a geometry attribute" },
	{ "zero output channels",
	  { { CONV(2, 10, 10, 0, 3, 1, 1, 6), .raw_op = -1, .out = 1 } },
	  1,
	  0,
	  0,
	  10,
	  -ERANGE,
	  "value out of range" },
	{ "pad not below the window",
	  { { CONV(1, 10, 10, 1, 3, 1, 3, 0), .raw_op = -1, .in = 100,
	      .out = 100 } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  NULL,
	  HN_OPE_PAD },
	{ "pool with padding",
	  { { { .kind = HNET_OP_MAXPOOL,
		.in_c = 1,
		.in_h = 8,
		.in_w = 8,
		.out_c = 1,
		.k = 2,
		.stride = 2,
		.pad = 1 },
	      .raw_op = -1,
	      .out = 16 } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  NULL,
	  HN_OPE_PAD },
	{ "window larger than the input",
	  { { CONV(1, 3, 3, 1, 5, 1, 0, 0), .raw_op = -1, .out = 1 } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  NULL,
	  HN_OPE_SMALL },
	{ "pool changing channels",
	  { { { .kind = HNET_OP_MAXPOOL,
		.in_c = 2,
		.in_h = 8,
		.in_w = 8,
		.out_c = 3,
		.k = 2,
		.stride = 2 },
	      .raw_op = -1 } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  NULL,
	  HN_OPE_CHANNELS },
	{ "pool with a shift",
	  { { { .kind = HNET_OP_MAXPOOL,
		.in_c = 2,
		.in_h = 8,
		.in_w = 8,
		.out_c = 2,
		.k = 2,
		.stride = 2,
		.shift = 3 },
	      .raw_op = -1 } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  NULL,
	  HN_OPE_SHIFT },
	{ "output above HNET_STAGE_ACT_MAX",
	  { { CONV(1, 64, 64, 8, 1, 1, 0, 0), .raw_op = -1, .out = 1 } },
	  1,
	  0,
	  0,
	  10,
	  -E2BIG,
	  NULL,
	  HN_OPE_BIG },
	{ "IN differs from the geometry",
	  { { OK_CONV, .raw_op = -1, .in = 199 } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  "hypernet: layer IN or OUT differs from its geometry" },
	{ "OUT differs from the geometry",
	  { { OK_CONV, .raw_op = -1, .out = 401 } },
	  1,
	  0,
	  0,
	  10,
	  -EINVAL,
	  "hypernet: layer IN or OUT differs from its geometry" },
	{ "lengths do not chain",
	  { { OK_CONV, .raw_op = -1 }, { DENSE(399, 4, 2), .raw_op = -1 } },
	  2,
	  0,
	  0,
	  10,
	  -EINVAL,
	  "hypernet: dimension mismatch: layer input differs from previous output" },
	{ "stage input above HN_TENSOR_MAX_LEN",
	  { { CONV(1, 80, 80, 1, 3, 2, 0, 0), .raw_op = -1 } },
	  1,
	  0,
	  0,
	  10,
	  -E2BIG,
	  "hypernet: stage input or output larger than HN_TENSOR_MAX_LEN" },
	{ "stage output above HN_TENSOR_MAX_LEN",
	  { { CONV(1, 40, 40, 4, 3, 1, 1, 0), .raw_op = -1 } },
	  1,
	  0,
	  0,
	  10,
	  -E2BIG,
	  "hypernet: stage input or output larger than HN_TENSOR_MAX_LEN" },
	{ "more MACs than HNET_STAGE_MAX_MACS",
	  { { CONV(16, 16, 16, 64, 5, 1, 2, 0), .raw_op = -1 },
	    { DENSE(16384, 1, 0), .raw_op = -1 } },
	  2,
	  0,
	  0,
	  10,
	  -E2BIG,
	  "hypernet: stage computes more than HNET_STAGE_MAX_MACS" },
	{ "conv weights one short",
	  { { OK_CONV, .raw_op = -1 } },
	  1,
	  -1,
	  0,
	  10,
	  -EINVAL,
	  "hypernet: fewer weights than the layers take" },
	{ "conv weights one more",
	  { { OK_CONV, .raw_op = -1 } },
	  1,
	  1,
	  0,
	  10,
	  -EINVAL,
	  "hypernet: more weights than the layers take" },
	{ "conv biases one short",
	  { { OK_CONV, .raw_op = -1 } },
	  1,
	  0,
	  -1,
	  10,
	  -EINVAL,
	  "hypernet: fewer biases than the layers take" },
	/*
	 * Fan-in 7744, input 4096: a check on the input length would let
	 * 4096 * 128 * 128 + bias < 2^31 <= 7744 * 128 * 128 + bias pass.
	 */
	{ "conv bias could overflow on its fan-in",
	  { { CONV(64, 8, 8, 4, 11, 1, 5, 0), .raw_op = -1 } },
	  1,
	  0,
	  0,
	  2050000000,
	  -ERANGE,
	  "hypernet: a layer's biases could overflow the int32 accumulator" },
};

static void test_refusals(void **state)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(refusals); i++) {
		const struct refusal *r = &refusals[i];
		const char *want = r->msg ? r->msg : hn_op_strerror(r->ope);
		struct netlink_ext_ack ext;
		struct hn_stage *s;

		bias_fixed = r->bias_max > 1 << 24 ? r->bias_max : 0;
		build(r->t, r->n, r->dw, r->db, r->bias_max, NULL, NULL);
		bias_fixed = 0;
		s = load(&ext);
		if (!IS_ERR(s))
			fail_msg("%s: accepted", r->name);
		if (PTR_ERR(s) != r->err || !ext._msg || strcmp(ext._msg, want))
			fail_msg("%s: %ld \"%s\", want %d \"%s\"", r->name,
				 PTR_ERR(s), ext._msg ? ext._msg : "(none)",
				 r->err, want);
	}
}

/* The same geometries, made valid, are accepted: the refusals are exact. */
static void test_near_refusals_accepted(void **state)
{
	static const struct tl ok[][2] = {
		{ { OK_CONV, .raw_op = HNET_OP_CONV2D } },
		{ { CONV(1, 10, 10, 1, 3, 1, 2, 0), .raw_op = -1 } },
		{ { CONV(1, 5, 5, 1, 5, 1, 0, 0), .raw_op = -1 } },
		{ { CONV(1, 64, 64, 4, 1, 1, 0, 0), .raw_op = -1 },
		  { DENSE(16384, 4, 0), .raw_op = -1 } },
		{ { DENSE(16, 4, 2), .raw_op = HNET_OP_DENSE } },
		{ { POOL(4, 16, 16, 2, 2), .raw_op = -1 } },
	};
	static const unsigned int n[] = { 1, 1, 1, 2, 1, 1 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		check_computes(ok[i], n[i], 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cnn_computes_as_engine),
		cmocka_unit_test(test_random_stages_compute_as_engine),
		cmocka_unit_test(test_sections_are_bounded),
		cmocka_unit_test(test_section_one_channel_at_least),
		cmocka_unit_test(test_inner_activation_wider_than_tensor),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_near_refusals_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
