// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what the module parses of a generic netlink
 * request itself: kmod/nlparse.c (stage layers, parameter streams, output
 * nest), with stage.c and compute.c, built for userspace
 * (tests/kmod/shim/).  The request is first checked against the family's
 * policy the way the kernel's genl core does (kshim.c), so only what the
 * kernel would hand to the module reaches it.
 *
 * Input: one byte (bit 0: HNET_CMD_SET_STAGE or HNET_CMD_SET_OUTPUT, bits
 * 1-7: a seed for the stage's input tensor), then the request's
 * attributes.  Every refusal must carry an extack message; an accepted
 * stage must be consistent (checked layers, shapes chained, offsets inside
 * the allocation, no accumulator overflow possible, bounded MACs) and its
 * sectioned compute give what engine.h's hn_op_run() gives layer by layer
 * (itself proven against plain references in test_unit_engine); an
 * accepted output must be one the data path can follow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kshim.h>
#include <net/netlink.h>
#include <linux/hypernet.h>
#include <hypernet/engine.h>
#include "nlparse.h"
#include "stage.h"

#define MSG_MAX (1 << 21)

static void refused(int ret, const struct netlink_ext_ack *ext)
{
	if (ret >= 0 || !ext->_msg)
		abort(); /* every refusal says why */
}

/*
 * The stage run whole, layer by layer, with engine.h's hn_op_run(): what
 * the module's sectioned compute must give, bit for bit.
 */
static void reference(const struct hn_stage *s, const s8 *in, s8 *out)
{
	static s8 a[2][HNET_STAGE_ACT_MAX];
	const s8 *x = in;
	unsigned int i;

	for (i = 0; i < s->n_layers; i++) {
		const struct hn_stage_layer *l = &s->layers[i];
		s8 *y = i + 1 == s->n_layers ? out : a[i & 1];

		hn_op_run(&l->op, s->weights + l->w_off, s->biases + l->b_off,
			  x, y);
		x = y;
	}
}

/* Would any output of @l overflow int32?  Bounds, not a compute. */
static void check_fits(const struct hn_stage *s, const struct hn_stage_layer *l)
{
	int64_t worst = (int64_t)hn_op_fan_in(&l->op) * 128 * 128;
	unsigned int o;

	for (o = 0; o < hn_op_n_biases(&l->op); o++)
		if (worst + llabs((int64_t)s->biases[l->b_off + o]) > INT32_MAX)
			abort(); /* hn_layer_fits() let it overflow */
}

static void check_layers(const struct hn_stage *s, size_t *nw, size_t *nb)
{
	uint64_t macs = 0;
	unsigned int i;

	for (i = 0; i < s->n_layers; i++) {
		const struct hn_stage_layer *l = &s->layers[i];

		if (hn_op_check(&l->op) || l->n_in != hn_op_in_len(&l->op) ||
		    l->n_out != hn_op_out_len(&l->op) ||
		    l->macs != hn_op_macs(&l->op) ||
		    l->n_in > HNET_STAGE_ACT_MAX ||
		    l->n_out > HNET_STAGE_ACT_MAX ||
		    (i && l->n_in != s->layers[i - 1].n_out) ||
		    l->w_off != *nw || l->b_off != *nb)
			abort();
		check_fits(s, l);
		*nw += hn_op_n_weights(&l->op);
		*nb += hn_op_n_biases(&l->op);
		macs += l->macs;
	}
	if (macs > HNET_STAGE_MAX_MACS)
		abort();
}

static void check_stage(const struct hn_stage *s, u8 seed)
{
	static s8 act[HN_STAGE_ACT_BYTES], in[HN_TENSOR_MAX_LEN],
		want[HN_TENSOR_MAX_LEN];
	size_t nw = 0, nb = 0;
	const s8 *y;
	u64 ns = 0;
	unsigned int i;

	if (!s->n_layers || s->n_layers > HNET_MAX_LAYERS ||
	    s->n_in != s->layers[0].n_in ||
	    s->n_out != s->layers[s->n_layers - 1].n_out ||
	    s->n_in > HN_TENSOR_MAX_LEN || s->n_out > HN_TENSOR_MAX_LEN)
		abort();
	check_layers(s, &nw, &nb);
	if (nw + nb * sizeof(s32) > HNET_STAGE_MAX_BYTES ||
	    (u8 *)s->biases != s->data ||
	    (u8 *)s->weights != s->data + nb * sizeof(s32) ||
	    s->data + nb * sizeof(s32) + nw > (u8 *)s + s->size)
		abort();
	for (i = 0; i < s->n_in; i++)
		in[i] = (s8)(i * 37 + seed * 101);
	/* ASan and UBSan watch the module's own compute. */
	y = hn_stage_run(s, in, act, &ns);
	reference(s, in, want);
	if (memcmp(y, want, s->n_out))
		abort();
}

static void set_stage(struct nlattr **tb, const struct nlattr *head, int len,
		      u8 seed)
{
	struct netlink_ext_ack ext = {};
	struct hn_stage *s;
	u32 flags;
	int ret;

	ret = hn_nl_flags(tb[HNET_A_FLAGS], __HNET_DEV_F_ALL, &flags, &ext);
	if (ret) {
		refused(ret, &ext);
		return;
	}
	if (!tb[HNET_A_STAGE])
		return;
	s = hn_nl_parse_stage(tb[HNET_A_STAGE], head, len, &ext);
	if (IS_ERR(s)) {
		refused(PTR_ERR(s), &ext);
		return;
	}
	check_stage(s, seed);
	hn_stage_put(s);
}

static void set_output(struct nlattr **tb)
{
	struct netlink_ext_ack ext = {};
	struct hn_output out;
	int ret;

	if (!tb[HNET_A_OUTPUT])
		return;
	ret = hn_nl_parse_output(tb[HNET_A_OUTPUT], &out, &ext);
	if (ret) {
		refused(ret, &ext);
		return;
	}
	if (out.mode > HNET_OUTPUT_MAX || out.flags & ~__HNET_OUTPUT_F_ALL ||
	    (out.mode == HNET_OUTPUT_NODE ? !out.node :
					    out.node || out.flags) ||
	    out.node_id || (!out.stage_set && out.stage))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Netlink messages are 4-byte aligned; the input may not be. */
	static u8 msg[MSG_MAX] __aligned(8);
	struct nlattr *tb[HNET_A_MAX + 1];
	int len;

	if (!size || size - 1 > MSG_MAX)
		return 0;
	len = size - 1;
	memcpy(msg, data + 1, len);
	/* The genl core's strict parse with the family's policy. */
	if (nla_parse(tb, HNET_A_MAX, (struct nlattr *)msg, len, hn_policy,
		      NULL))
		return 0;
	if (data[0] & 1)
		set_output(tb);
	else
		set_stage(tb, (struct nlattr *)msg, len, data[0] >> 1);
	return 0;
}
