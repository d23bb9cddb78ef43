// SPDX-License-Identifier: GPL-2.0
/*
 * The genl client's message building and parsing against the kernel's
 * policies (include/uapi/linux/hypernet.h), without a kernel: messages are
 * built with libnl and taken apart again here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <hypernet/engine.h>
#include "genl.h"

#define FAMILY 0x42

static int8_t w0[784 * 128], w1[128 * 10];
static int32_t b0[128], b1[10];

static struct hn_genl_stage two_layers(void)
{
	struct hn_genl_stage st = { .id = 7, .n_layers = 2 };
	size_t i;

	for (i = 0; i < sizeof(w0); i++)
		w0[i] = (int8_t)(i * 31 + 7);
	for (i = 0; i < sizeof(w1); i++)
		w1[i] = (int8_t)(i * 17 + 3);
	for (i = 0; i < 128; i++)
		b0[i] = (int32_t)(i * 1000) - 64000;
	for (i = 0; i < 10; i++)
		b1[i] = -(int32_t)i;
	st.layers[0] = (struct hn_genl_layer){ .n_in = 784,
					       .n_out = 128,
					       .shift = 8,
					       .flags = HNET_LAYER_F_RELU,
					       .w = w0,
					       .b = b0 };
	st.layers[1] = (struct hn_genl_layer){
		.n_in = 128, .n_out = 10, .shift = 7, .w = w1, .b = b1
	};
	return st;
}

static struct nlattr **attrs(struct nl_msg *msg, struct nlattr **tb)
{
	assert_int_equal(genlmsg_parse(nlmsg_hdr(msg), 0, tb, HNET_A_MAX, NULL),
			 0);
	return tb;
}

static uint8_t cmd_of(struct nl_msg *msg)
{
	return ((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->cmd;
}

/* Concatenation of every top-level attribute of @type. */
static size_t stream(struct nl_msg *msg, int type, uint8_t *out, size_t max,
		     unsigned int *chunks, size_t unit)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *a;
	size_t n = 0;
	int rem;

	*chunks = 0;
	nla_for_each_attr(a, genlmsg_attrdata(genlmsg_hdr(nlh), 0),
			  genlmsg_attrlen(genlmsg_hdr(nlh), 0), rem) {
		if (nla_type(a) != type)
			continue;
		assert_true(nla_len(a) >= 1 && nla_len(a) <= HNET_CHUNK_MAX);
		assert_int_equal(nla_len(a) % unit, 0);
		assert_true(n + nla_len(a) <= max);
		memcpy(out + n, nla_data(a), nla_len(a));
		n += nla_len(a);
		(*chunks)++;
	}
	return n;
}

static void test_get(void **state)
{
	struct hn_genl_sel byname = { .ifname = "hnt0" }, byidx = { 9, NULL };
	struct nlattr *tb[HNET_A_MAX + 1];
	struct nl_msg *m;
	char err[128];

	m = hn_genl_msg_get(FAMILY, &byname, err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(nlmsg_hdr(m)->nlmsg_type, FAMILY);
	assert_true(nlmsg_hdr(m)->nlmsg_flags & NLM_F_DUMP);
	assert_int_equal(cmd_of(m), HNET_CMD_GET_DEVICE);
	attrs(m, tb);
	assert_string_equal(nla_get_string(tb[HNET_A_IFNAME]), "hnt0");
	assert_null(tb[HNET_A_IFINDEX]);
	nlmsg_free(m);

	m = hn_genl_msg_get(FAMILY, &byidx, err, sizeof(err));
	attrs(m, tb);
	assert_int_equal(nla_len(tb[HNET_A_IFINDEX]), 4);
	assert_int_equal(nla_get_u32(tb[HNET_A_IFINDEX]), 9);
	assert_null(tb[HNET_A_IFNAME]);
	nlmsg_free(m);

	m = hn_genl_msg_get(FAMILY, NULL, err, sizeof(err));
	attrs(m, tb);
	assert_null(tb[HNET_A_IFNAME]);
	assert_null(tb[HNET_A_IFINDEX]);
	nlmsg_free(m);

	byname.ifname = "sixteen-chars-xx";
	assert_null(hn_genl_msg_get(FAMILY, &byname, err, sizeof(err)));
	assert_non_null(strstr(err, "longer"));
}

static void test_set_stage(void **state)
{
	struct hn_genl_stage st = two_layers();
	struct hn_genl_sel sel = { .ifname = "hnt0" };
	struct nlattr *tb[HNET_A_MAX + 1], *s[HNET_STAGE_A_MAX + 1];
	struct nlattr *l[HNET_LAYER_A_MAX + 1], *it;
	static uint8_t w[sizeof(w0) + sizeof(w1)], b[4 * 138];
	unsigned int chunks, n = 0, i;
	struct nl_msg *m;
	char err[128];
	int rem;

	m = hn_genl_msg_set_stage(FAMILY, &sel, &st, 0, err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(cmd_of(m), HNET_CMD_SET_STAGE);
	attrs(m, tb);
	assert_null(tb[HNET_A_FLAGS]);
	assert_non_null(tb[HNET_A_STAGE]);
	assert_int_equal(nla_parse_nested(s, HNET_STAGE_A_MAX, tb[HNET_A_STAGE],
					  NULL),
			 0);
	assert_int_equal(nla_len(s[HNET_STAGE_A_ID]), 1);
	assert_int_equal(nla_get_u8(s[HNET_STAGE_A_ID]), 7);
	nla_for_each_nested(it, s[HNET_STAGE_A_LAYERS], rem) {
		assert_int_equal(
			nla_parse_nested(l, HNET_LAYER_A_MAX, it, NULL), 0);
		/* Exact sizes, as the kernel's strict policy wants. */
		assert_int_equal(nla_len(l[HNET_LAYER_A_IN]), 4);
		assert_int_equal(nla_len(l[HNET_LAYER_A_OUT]), 4);
		assert_int_equal(nla_len(l[HNET_LAYER_A_SHIFT]), 1);
		assert_int_equal(nla_len(l[HNET_LAYER_A_FLAGS]), 4);
		assert_int_equal(nla_get_u32(l[HNET_LAYER_A_IN]),
				 st.layers[n].n_in);
		assert_int_equal(nla_get_u32(l[HNET_LAYER_A_OUT]),
				 st.layers[n].n_out);
		assert_int_equal(nla_get_u8(l[HNET_LAYER_A_SHIFT]),
				 st.layers[n].shift);
		assert_int_equal(nla_get_u32(l[HNET_LAYER_A_FLAGS]),
				 st.layers[n].flags);
		/* Dense: nothing an old module would refuse. */
		for (i = HNET_LAYER_A_OP; i <= HNET_LAYER_A_MAX; i++)
			assert_null(l[i]);
		n++;
	}
	assert_int_equal(n, 2);

	/* 100,352 + 1,280 weight bytes: more than one 64 KiB attribute. */
	assert_int_equal(stream(m, HNET_A_WEIGHTS, w, sizeof(w), &chunks, 1),
			 sizeof(w));
	assert_true(chunks >= 2);
	assert_memory_equal(w, w0, sizeof(w0));
	assert_memory_equal(w + sizeof(w0), w1, sizeof(w1));
	assert_int_equal(stream(m, HNET_A_BIASES, b, sizeof(b), &chunks, 4),
			 sizeof(b));
	assert_memory_equal(b, b0, sizeof(b0));
	assert_memory_equal(b + sizeof(b0), b1, sizeof(b1));
	assert_true(nlmsg_hdr(m)->nlmsg_len > 65536);
	nlmsg_free(m);
}

static void test_set_stage_clear(void **state)
{
	struct hn_genl_stage st = two_layers();
	struct hn_genl_sel sel = { 3, NULL };
	struct nlattr *tb[HNET_A_MAX + 1];
	struct nl_msg *m;
	char err[128];

	m = hn_genl_msg_set_stage(FAMILY, &sel, NULL, HNET_DEV_F_CLEAR_STAGE,
				  err, sizeof(err));
	assert_non_null(m);
	attrs(m, tb);
	assert_int_equal(nla_get_u32(tb[HNET_A_FLAGS]), HNET_DEV_F_CLEAR_STAGE);
	assert_null(tb[HNET_A_STAGE]);
	assert_null(tb[HNET_A_WEIGHTS]);
	nlmsg_free(m);

	assert_null(hn_genl_msg_set_stage(
		FAMILY, &sel, &st, HNET_DEV_F_CLEAR_STAGE, err, sizeof(err)));
	assert_null(
		hn_genl_msg_set_stage(FAMILY, &sel, NULL, 0, err, sizeof(err)));
	assert_null(hn_genl_msg_set_stage(FAMILY, &sel, &st, 1U << 9, err,
					  sizeof(err)));
	assert_non_null(strstr(err, "flags"));
	assert_null(
		hn_genl_msg_set_stage(FAMILY, NULL, &st, 0, err, sizeof(err)));
}

/* Each rejected shape, with the word the message must contain. */
static void reject(struct hn_genl_stage *st, const char *word)
{
	struct hn_genl_sel sel = { .ifname = "hnt0" };
	char err[160] = "";

	assert_null(
		hn_genl_msg_set_stage(FAMILY, &sel, st, 0, err, sizeof(err)));
	if (!strstr(err, word))
		fail_msg("error '%s' lacks '%s'", err, word);
}

static void test_set_stage_policy(void **state)
{
	static int8_t big[1024 * 1024];
	static int32_t bb[1024];
	struct hn_genl_stage st;
	unsigned int i;

	st = two_layers();
	st.layers[1].n_in = 127;
	reject(&st, "mismatch");

	st = two_layers();
	st.layers[0].shift = HN_SHIFT_MAX + 1;
	reject(&st, "shift");

	st = two_layers();
	st.layers[0].n_in = 0;
	reject(&st, "dimensions");

	st = two_layers();
	st.layers[0].n_out = HNET_STAGE_ACT_MAX + 1;
	st.layers[1].n_in = HNET_STAGE_ACT_MAX + 1;
	reject(&st, "dimensions");

	/* Between layers HNET_STAGE_ACT_MAX, a stage's output a tensor. */
	st = two_layers();
	st.layers[1].n_out = HN_TENSOR_MAX_LEN + 1;
	reject(&st, "a tensor at most");

	st = two_layers();
	st.layers[0].flags = 1U << 4;
	reject(&st, "flags");

	st = two_layers();
	st.n_layers = 0;
	reject(&st, "no layers");

	st = two_layers();
	st.n_layers = HNET_MAX_LAYERS + 1;
	reject(&st, "layers");

	st = two_layers();
	st.layers[1].b = NULL;
	reject(&st, "missing");

	st = two_layers();
	b1[3] = INT32_MAX;
	reject(&st, "overflow");
	b1[3] = 0;

	memset(&st, 0, sizeof(st));
	st.n_layers = 1;
	st.layers[0] = (struct hn_genl_layer){
		.n_in = 1024, .n_out = 1024, .w = big, .b = bb
	};
	reject(&st, "bytes");

	/* Right at the limit of layers: accepted. */
	memset(&st, 0, sizeof(st));
	st.n_layers = HNET_MAX_LAYERS;
	for (i = 0; i < HNET_MAX_LAYERS; i++)
		st.layers[i] = (struct hn_genl_layer){
			.n_in = 4, .n_out = 4, .shift = 1, .w = big, .b = bb
		};
	{
		struct hn_genl_sel sel = { .ifname = "hnt0" };
		struct nl_msg *m;

		m = hn_genl_msg_set_stage(FAMILY, &sel, &st, 0, NULL, 0);
		assert_non_null(m);
		nlmsg_free(m);
	}
}

/* 1x8x8 -> conv 3x3 pad 1 -> 2x8x8 -> pool 2x2 -> 2x4x4 -> dense 3. */
static int8_t cw[2 * 9], dw[32 * 3];
static int32_t cb[2], db[3];

static struct hn_genl_stage conv_stage(void)
{
	struct hn_genl_stage st = { .id = 2, .n_layers = 3 };
	unsigned int i;

	for (i = 0; i < sizeof(cw); i++)
		cw[i] = (int8_t)(i * 29 - 60);
	for (i = 0; i < sizeof(dw); i++)
		dw[i] = (int8_t)(i * 13 + 1);
	cb[0] = 100;
	cb[1] = -100;
	st.layers[0] = (struct hn_genl_layer){ .n_in = 64,
					       .n_out = 128,
					       .shift = 5,
					       .flags = HNET_LAYER_F_RELU,
					       .w = cw,
					       .b = cb,
					       .op = { .kind = HNET_OP_CONV2D,
						       .in_c = 1,
						       .in_h = 8,
						       .in_w = 8,
						       .out_c = 2,
						       .k = 3,
						       .stride = 1,
						       .pad = 1 } };
	st.layers[1] = (struct hn_genl_layer){ .n_in = 128,
					       .n_out = 32,
					       .op = { .kind = HNET_OP_MAXPOOL,
						       .in_c = 2,
						       .in_h = 8,
						       .in_w = 8,
						       .out_c = 2,
						       .k = 2,
						       .stride = 2 } };
	st.layers[2] = (struct hn_genl_layer){
		.n_in = 32, .n_out = 3, .shift = 6, .w = dw, .b = db
	};
	return st;
}

static void expect_geometry(struct nlattr **l, const struct hn_op *op)
{
	static const int u16s[] = { HNET_LAYER_A_IN_C, HNET_LAYER_A_IN_H,
				    HNET_LAYER_A_IN_W, HNET_LAYER_A_OUT_C };
	const unsigned int v16[] = { op->in_c, op->in_h, op->in_w, op->out_c };
	unsigned int i;

	assert_int_equal(nla_len(l[HNET_LAYER_A_OP]), 1);
	assert_int_equal(nla_get_u8(l[HNET_LAYER_A_OP]), op->kind);
	for (i = 0; i < 4; i++) {
		assert_int_equal(nla_len(l[u16s[i]]), 2);
		assert_int_equal(nla_get_u16(l[u16s[i]]), v16[i]);
	}
	assert_int_equal(nla_len(l[HNET_LAYER_A_KERNEL]), 1);
	assert_int_equal(nla_get_u8(l[HNET_LAYER_A_KERNEL]), op->k);
	assert_int_equal(nla_get_u8(l[HNET_LAYER_A_STRIDE]), op->stride);
	assert_int_equal(nla_get_u8(l[HNET_LAYER_A_PAD]), op->pad);
}

/* Geometry for the conv and pool layers only; pooling has no params. */
static void test_set_stage_conv(void **state)
{
	struct hn_genl_stage st = conv_stage();
	struct hn_genl_sel sel = { .ifname = "hnt0" };
	struct nlattr *tb[HNET_A_MAX + 1], *s[HNET_STAGE_A_MAX + 1];
	struct nlattr *l[HNET_LAYER_A_MAX + 1], *it;
	uint8_t w[sizeof(cw) + sizeof(dw) + 1], b[4 * 6];
	unsigned int chunks, n = 0;
	struct nl_msg *m;
	char err[128];
	int rem;

	m = hn_genl_msg_set_stage(FAMILY, &sel, &st, 0, err, sizeof(err));
	if (!m)
		fail_msg("%s", err);
	attrs(m, tb);
	assert_int_equal(nla_parse_nested(s, HNET_STAGE_A_MAX, tb[HNET_A_STAGE],
					  NULL),
			 0);
	nla_for_each_nested(it, s[HNET_STAGE_A_LAYERS], rem) {
		assert_int_equal(
			nla_parse_nested(l, HNET_LAYER_A_MAX, it, NULL), 0);
		assert_int_equal(nla_get_u32(l[HNET_LAYER_A_IN]),
				 st.layers[n].n_in);
		assert_int_equal(nla_get_u32(l[HNET_LAYER_A_OUT]),
				 st.layers[n].n_out);
		if (n < 2)
			expect_geometry(l, &st.layers[n].op);
		else
			assert_null(l[HNET_LAYER_A_OP]);
		n++;
	}
	assert_int_equal(n, 3);
	assert_int_equal(stream(m, HNET_A_WEIGHTS, w, sizeof(w), &chunks, 1),
			 sizeof(cw) + sizeof(dw));
	assert_memory_equal(w, cw, sizeof(cw));
	assert_memory_equal(w + sizeof(cw), dw, sizeof(dw));
	assert_int_equal(stream(m, HNET_A_BIASES, b, sizeof(b), &chunks, 4),
			 sizeof(cb) + sizeof(db));
	assert_memory_equal(b, cb, sizeof(cb));
	nlmsg_free(m);
	assert_int_equal(hn_genl_stage_bytes(&st), 18 + 96 + 4 * 5);
}

static void test_set_stage_conv_policy(void **state)
{
	static int32_t huge[2] = { 2147400000, 0 };
	struct hn_genl_sel sel = { .ifname = "hnt0" };
	struct hn_genl_stage st;
	struct nl_msg *m;

	st = conv_stage();
	st.layers[0].op.pad = 3;
	reject(&st, hn_op_strerror(HN_OPE_PAD));

	st = conv_stage();
	st.layers[1].op.out_c = 3;
	reject(&st, hn_op_strerror(HN_OPE_CHANNELS));

	st = conv_stage();
	st.layers[1].shift = 2;
	reject(&st, hn_op_strerror(HN_OPE_SHIFT));

	st = conv_stage();
	st.layers[0].op.kind = HNET_OP_MAX + 1;
	reject(&st, hn_op_strerror(HN_OPE_KIND));

	st = conv_stage();
	st.layers[0].n_out = 127;
	st.layers[1].n_in = 127;
	reject(&st, "geometry gives");

	st = conv_stage();
	st.layers[0].w = NULL;
	reject(&st, "missing");

	/*
	 * A 1x1 input padded to 3x3: fan-in 9, input 1.  9 * 128 * 128 + b
	 * overflows int32, 1 * 128 * 128 + b would not.
	 */
	st = conv_stage();
	st.n_layers = 1;
	st.layers[0].op.in_h = 1;
	st.layers[0].op.in_w = 1;
	st.layers[0].n_in = 1;
	st.layers[0].n_out = 2;
	st.layers[0].b = huge;
	reject(&st, "overflow");
	huge[0] = 2147000000;
	m = hn_genl_msg_set_stage(FAMILY, &sel, &st, 0, NULL, 0);
	assert_non_null(m);
	nlmsg_free(m);

	/* 16 x 64 x 64 outputs of 3 x 3 x 1 would be 16384 > a tensor. */
	st = conv_stage();
	st.n_layers = 1;
	st.layers[0].op.out_c = 64;
	st.layers[0].op.in_h = 16;
	st.layers[0].op.in_w = 16;
	st.layers[0].n_in = 256;
	st.layers[0].n_out = 64 * 256;
	reject(&st, "a tensor at most");
}

static void test_set_output(void **state)
{
	struct hn_genl_sel sel = { .ifname = "hnt1" };
	struct hn_genl_output o = { .mode = HNET_OUTPUT_NODE,
				    .node = 12,
				    .tclass = 3,
				    .stage = -1,
				    .flags = HNET_OUTPUT_F_ANYCAST };
	struct nlattr *tb[HNET_A_MAX + 1], *ot[HNET_OUT_A_MAX + 1];
	struct nl_msg *m;
	char err[128];

	m = hn_genl_msg_set_output(FAMILY, &sel, &o, err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(cmd_of(m), HNET_CMD_SET_OUTPUT);
	attrs(m, tb);
	assert_null(tb[HNET_A_NODE_ID]);
	assert_int_equal(nla_parse_nested(ot, HNET_OUT_A_MAX, tb[HNET_A_OUTPUT],
					  NULL),
			 0);
	assert_int_equal(nla_len(ot[HNET_OUT_A_MODE]), 1);
	assert_int_equal(nla_get_u8(ot[HNET_OUT_A_MODE]), HNET_OUTPUT_NODE);
	assert_int_equal(nla_get_u32(ot[HNET_OUT_A_NODE]), 12);
	assert_int_equal(nla_get_u8(ot[HNET_OUT_A_CLASS]), 3);
	assert_int_equal(nla_get_u32(ot[HNET_OUT_A_FLAGS]),
			 HNET_OUTPUT_F_ANYCAST);
	assert_null(ot[HNET_OUT_A_STAGE]);
	nlmsg_free(m);

	o = (struct hn_genl_output){ .mode = HNET_OUTPUT_ORIGIN,
				     .stage = 4,
				     .set_node_id = true,
				     .node_id = 77 };
	m = hn_genl_msg_set_output(FAMILY, &sel, &o, err, sizeof(err));
	attrs(m, tb);
	assert_int_equal(nla_get_u32(tb[HNET_A_NODE_ID]), 77);
	nla_parse_nested(ot, HNET_OUT_A_MAX, tb[HNET_A_OUTPUT], NULL);
	assert_null(ot[HNET_OUT_A_NODE]);
	assert_null(ot[HNET_OUT_A_FLAGS]);
	assert_int_equal(nla_get_u8(ot[HNET_OUT_A_STAGE]), 4);
	nlmsg_free(m);

	o = (struct hn_genl_output){ .mode = HNET_OUTPUT_NODE, .stage = -1 };
	assert_null(hn_genl_msg_set_output(FAMILY, &sel, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "node"));
	o = (struct hn_genl_output){ .mode = HNET_OUTPUT_LOCAL,
				     .node = 5,
				     .stage = -1 };
	assert_null(hn_genl_msg_set_output(FAMILY, &sel, &o, err, sizeof(err)));
	o = (struct hn_genl_output){ .mode = HNET_OUTPUT_MAX + 1, .stage = -1 };
	assert_null(hn_genl_msg_set_output(FAMILY, &sel, &o, err, sizeof(err)));
	o = (struct hn_genl_output){ .mode = HNET_OUTPUT_NODE,
				     .node = 1,
				     .flags = 1U << 5,
				     .stage = -1 };
	assert_null(hn_genl_msg_set_output(FAMILY, &sel, &o, err, sizeof(err)));
}

/* A device message as the kernel builds it; @skip leaves one part out. */
enum { KEEP_ALL, NO_STATS, NO_MODE, BAD_COUNTER, NO_IFNAME };

static struct nl_msg *kernel_dev_msg(int skip)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *n, *ls, *l;
	int i;

	genlmsg_put(m, 0, 1, FAMILY, 0, NLM_F_MULTI, HNET_CMD_GET_DEVICE,
		    HYPERNET_GENL_VERSION);
	nla_put_u32(m, HNET_A_IFINDEX, 5);
	if (skip != NO_IFNAME)
		nla_put_string(m, HNET_A_IFNAME, "hnt0");
	nla_put_u32(m, HNET_A_NODE_ID, 42);
	nla_put_u32(m, HNET_A_INFLIGHT, 3);
	n = nla_nest_start(m, HNET_A_OUTPUT);
	if (skip != NO_MODE)
		nla_put_u8(m, HNET_OUT_A_MODE, HNET_OUTPUT_NODE);
	nla_put_u32(m, HNET_OUT_A_NODE, 9);
	nla_put_u8(m, HNET_OUT_A_CLASS, 2);
	nla_put_u32(m, HNET_OUT_A_FLAGS, 0);
	nla_nest_end(m, n);
	n = nla_nest_start(m, HNET_A_STAGE);
	nla_put_u8(m, HNET_STAGE_A_ID, 4);
	nla_put_u64(m, HNET_STAGE_A_GENERATION, 17);
	ls = nla_nest_start(m, HNET_STAGE_A_LAYERS);
	for (i = 0; i < 2; i++) {
		l = nla_nest_start(m, i);
		nla_put_u32(m, HNET_LAYER_A_IN, 10 + i);
		nla_put_u32(m, HNET_LAYER_A_OUT, 11 + i);
		nla_put_u8(m, HNET_LAYER_A_SHIFT, 5);
		nla_put_u32(m, HNET_LAYER_A_FLAGS, i ? 0 : HNET_LAYER_F_RELU);
		nla_nest_end(m, l);
	}
	nla_nest_end(m, ls);
	nla_nest_end(m, n);
	if (skip != NO_STATS) {
		n = nla_nest_start(m, HNET_A_STATS);
		for (i = HNET_STATS_A_PAD + 1; i <= HNET_STATS_A_MAX; i++)
			nla_put_u64(m, i, 1000 + i);
		/* A counter from a newer kernel: skipped. */
		nla_put_u64(m, 200, 5);
		if (skip == BAD_COUNTER)
			nla_put_u32(m, HNET_STATS_A_FRAMES_IN, 1);
		nla_nest_end(m, n);
	}
	return m;
}

static void test_parse_dev(void **state)
{
	struct hn_genl_dev d;
	struct nl_msg *m;
	char err[128];
	int i;

	m = kernel_dev_msg(KEEP_ALL);
	assert_int_equal(hn_genl_parse_dev(nlmsg_hdr(m), &d, err, sizeof(err)),
			 0);
	assert_int_equal(d.ifindex, 5);
	assert_string_equal(d.ifname, "hnt0");
	assert_int_equal(d.node_id, 42);
	assert_int_equal(d.inflight, 3);
	assert_int_equal(d.out.mode, HNET_OUTPUT_NODE);
	assert_int_equal(d.out.node, 9);
	assert_int_equal(d.out.tclass, 2);
	assert_int_equal(d.out.stage, -1);
	assert_true(d.has_stage);
	assert_int_equal(d.stage_id, 4);
	assert_int_equal(d.generation, 17);
	assert_int_equal(d.n_layers, 2);
	assert_int_equal(d.layers[1].n_in, 11);
	assert_int_equal(d.layers[0].flags, HNET_LAYER_F_RELU);
	for (i = HNET_STATS_A_PAD + 1; i <= HNET_STATS_A_MAX; i++)
		assert_int_equal(d.stats[i], 1000 + i);
	nlmsg_free(m);

	for (i = NO_STATS; i <= NO_IFNAME; i++) {
		m = kernel_dev_msg(i);
		err[0] = '\0';
		assert_int_equal(hn_genl_parse_dev(nlmsg_hdr(m), &d, err,
						   sizeof(err)),
				 -EPROTO);
		assert_non_null(strstr(err, "malformed"));
		nlmsg_free(m);
	}
}

/* A dump of a conv layer, with @drop (0: none) left out. */
static struct nl_msg *kernel_conv_msg(int drop)
{
	static const int8_t v8[] = { HNET_OP_CONV2D, 3, 2, 1 };
	static const int a8[] = { HNET_LAYER_A_OP, HNET_LAYER_A_KERNEL,
				  HNET_LAYER_A_STRIDE, HNET_LAYER_A_PAD };
	static const int a16[] = { HNET_LAYER_A_IN_C, HNET_LAYER_A_IN_H,
				   HNET_LAYER_A_IN_W, HNET_LAYER_A_OUT_C };
	static const uint16_t v16[] = { 3, 9, 7, 5 };
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *n, *ls, *l;
	unsigned int i;

	genlmsg_put(m, 0, 1, FAMILY, 0, NLM_F_MULTI, HNET_CMD_GET_DEVICE,
		    HYPERNET_GENL_VERSION);
	nla_put_u32(m, HNET_A_IFINDEX, 5);
	nla_put_string(m, HNET_A_IFNAME, "hnt0");
	nla_put_u32(m, HNET_A_NODE_ID, 42);
	nla_put_u32(m, HNET_A_INFLIGHT, 0);
	n = nla_nest_start(m, HNET_A_OUTPUT);
	nla_put_u8(m, HNET_OUT_A_MODE, HNET_OUTPUT_LOCAL);
	nla_nest_end(m, n);
	n = nla_nest_start(m, HNET_A_STAGE);
	nla_put_u8(m, HNET_STAGE_A_ID, 1);
	ls = nla_nest_start(m, HNET_STAGE_A_LAYERS);
	l = nla_nest_start(m, 0);
	nla_put_u32(m, HNET_LAYER_A_IN, 189);
	nla_put_u32(m, HNET_LAYER_A_OUT, 100);
	nla_put_u8(m, HNET_LAYER_A_SHIFT, 6);
	nla_put_u32(m, HNET_LAYER_A_FLAGS, HNET_LAYER_F_RELU);
	for (i = 0; i < 4; i++)
		if (a8[i] != drop)
			nla_put_u8(m, a8[i], v8[i]);
	for (i = 0; i < 4; i++)
		if (a16[i] != drop)
			nla_put_u16(m, a16[i], v16[i]);
	nla_nest_end(m, l);
	nla_nest_end(m, ls);
	nla_nest_end(m, n);
	n = nla_nest_start(m, HNET_A_STATS);
	for (i = HNET_STATS_A_PAD + 1; i <= HNET_STATS_A_MAX; i++)
		nla_put_u64(m, i, 0);
	nla_nest_end(m, n);
	return m;
}

static void test_parse_dev_conv(void **state)
{
	struct hn_genl_dev d;
	struct nl_msg *m;
	char err[128];

	m = kernel_conv_msg(0);
	assert_int_equal(hn_genl_parse_dev(nlmsg_hdr(m), &d, err, sizeof(err)),
			 0);
	nlmsg_free(m);
	assert_int_equal(d.n_layers, 1);
	assert_int_equal(d.layers[0].op.kind, HNET_OP_CONV2D);
	assert_int_equal(d.layers[0].op.in_c, 3);
	assert_int_equal(d.layers[0].op.in_h, 9);
	assert_int_equal(d.layers[0].op.in_w, 7);
	assert_int_equal(d.layers[0].op.out_c, 5);
	assert_int_equal(d.layers[0].op.k, 3);
	assert_int_equal(d.layers[0].op.stride, 2);
	assert_int_equal(d.layers[0].op.pad, 1);
	assert_int_equal(d.layers[0].op.shift, 6);
	assert_int_equal(d.layers[0].op.relu, 1);
	/* What the module checked: the lengths agree. */
	assert_int_equal(hn_op_in_len(&d.layers[0].op), 189);
	assert_int_equal(hn_op_out_len(&d.layers[0].op), 100);

	m = kernel_conv_msg(HNET_LAYER_A_KERNEL);
	assert_int_equal(hn_genl_parse_dev(nlmsg_hdr(m), &d, err, sizeof(err)),
			 -EPROTO);
	assert_non_null(strstr(err, "geometry"));
	nlmsg_free(m);
	m = kernel_conv_msg(HNET_LAYER_A_OUT_C);
	assert_int_equal(hn_genl_parse_dev(nlmsg_hdr(m), &d, err, sizeof(err)),
			 -EPROTO);
	nlmsg_free(m);
}

static void test_parse_result(void **state)
{
	static int8_t data[HN_TENSOR_MAX_LEN + 1];
	struct hn_genl_result *r = malloc(sizeof(*r));
	unsigned int len, cmd, drop;
	struct nl_msg *m;
	struct nlattr *n;

	for (len = 0; len < sizeof(data); len++)
		data[len] = (int8_t)(len * 3);
	/* cases: good, too long, no data, wrong command */
	for (drop = 0; drop < 4; drop++) {
		len = drop == 1 ? HN_TENSOR_MAX_LEN + 1 : 100;
		cmd = drop == 3 ? HNET_CMD_GET_DEVICE : HNET_CMD_RESULT;
		m = nlmsg_alloc_size(16384);
		genlmsg_put(m, 0, 0, FAMILY, 0, 0, cmd, 1);
		nla_put_u32(m, HNET_A_IFINDEX, 2);
		nla_put_string(m, HNET_A_IFNAME, "hnt2");
		n = nla_nest_start(m, HNET_A_RESULT);
		nla_put_u32(m, HNET_RES_A_TENSOR_ID, 99);
		nla_put_u32(m, HNET_RES_A_ORIGIN, 0x0a000001);
		nla_put_u8(m, HNET_RES_A_STAGE, 3);
		if (drop != 2)
			nla_put(m, HNET_RES_A_DATA, len, data);
		nla_nest_end(m, n);
		if (!drop) {
			assert_int_equal(hn_genl_parse_result(nlmsg_hdr(m), r,
							      NULL, 0),
					 0);
			assert_int_equal(r->tensor_id, 99);
			assert_int_equal(r->origin, 0x0a000001);
			assert_int_equal(r->stage, 3);
			assert_int_equal(r->len, 100);
			assert_string_equal(r->ifname, "hnt2");
			assert_memory_equal(r->data, data, 100);
		} else {
			assert_int_equal(hn_genl_parse_result(nlmsg_hdr(m), r,
							      NULL, 0),
					 -EPROTO);
		}
		nlmsg_free(m);
	}
	free(r);
}

static void test_stat_names(void **state)
{
	int i;

	for (i = HNET_STATS_A_PAD + 1; i <= HNET_STATS_A_MAX; i++)
		assert_non_null(hn_genl_stat_names[i]);
	assert_string_equal(hn_genl_mode_name(HNET_OUTPUT_LOCAL), "local");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_set_stage),
		cmocka_unit_test(test_set_stage_clear),
		cmocka_unit_test(test_set_stage_policy),
		cmocka_unit_test(test_set_output),
		cmocka_unit_test(test_parse_dev),
		cmocka_unit_test(test_parse_dev_conv),
		cmocka_unit_test(test_set_stage_conv),
		cmocka_unit_test(test_set_stage_conv_policy),
		cmocka_unit_test(test_parse_result),
		cmocka_unit_test(test_stat_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
