// SPDX-License-Identifier: GPL-2.0
/*
 * What the module itself parses of a request, after the genl core checked
 * it against hn_policy: the stage's layers and parameter streams, and the
 * output nest.  Nothing here touches a device, so that the same C builds
 * for userspace (tests/kmod/shim/) and is fuzzed there
 * (tests/fuzz/fuzz_kmod_nl.c).
 */
#include <linux/errno.h>
#include <linux/hypernet_packet.h>
#include <linux/if.h>
#include <linux/string.h>
#include <net/netlink.h>
#include <hypernet/engine.h>

#include "nlparse.h"
#include "stage.h"

static struct netlink_range_validation hn_chunk_range = {
	.min = 1,
	.max = HNET_CHUNK_MAX,
};

#define HN_NL_DIM NLA_POLICY_RANGE(NLA_U16, 1, HNET_STAGE_ACT_MAX)

static const struct nla_policy hn_layer_policy[HNET_LAYER_A_MAX + 1] = {
	[HNET_LAYER_A_IN] = NLA_POLICY_RANGE(NLA_U32, 1, HNET_STAGE_ACT_MAX),
	[HNET_LAYER_A_OUT] = NLA_POLICY_RANGE(NLA_U32, 1, HNET_STAGE_ACT_MAX),
	[HNET_LAYER_A_SHIFT] = NLA_POLICY_MAX(NLA_U8, HN_SHIFT_MAX),
	[HNET_LAYER_A_FLAGS] = { .type = NLA_U32 },
	[HNET_LAYER_A_OP] = NLA_POLICY_MAX(NLA_U8, HNET_OP_MAX),
	[HNET_LAYER_A_IN_C] = HN_NL_DIM,
	[HNET_LAYER_A_IN_H] = HN_NL_DIM,
	[HNET_LAYER_A_IN_W] = HN_NL_DIM,
	[HNET_LAYER_A_OUT_C] = HN_NL_DIM,
	[HNET_LAYER_A_KERNEL] = NLA_POLICY_RANGE(NLA_U8, 1, HN_OP_K_MAX),
	[HNET_LAYER_A_STRIDE] = NLA_POLICY_RANGE(NLA_U8, 1, HN_OP_STRIDE_MAX),
	[HNET_LAYER_A_PAD] = NLA_POLICY_MAX(NLA_U8, HN_OP_K_MAX - 1),
};

static const struct nla_policy hn_stage_policy[HNET_STAGE_A_MAX + 1] = {
	[HNET_STAGE_A_ID] = { .type = NLA_U8 },
	[HNET_STAGE_A_LAYERS] = NLA_POLICY_NESTED_ARRAY(hn_layer_policy),
};

static const struct nla_policy hn_output_policy[HNET_OUT_A_MAX + 1] = {
	[HNET_OUT_A_MODE] = NLA_POLICY_MAX(NLA_U8, HNET_OUTPUT_MAX),
	[HNET_OUT_A_NODE] = { .type = NLA_U32 },
	[HNET_OUT_A_CLASS] = { .type = NLA_U8 },
	[HNET_OUT_A_STAGE] = { .type = NLA_U8 },
	[HNET_OUT_A_FLAGS] = { .type = NLA_U32 },
};

/* Attributes only the kernel sends are left out: strict parsing refuses. */
const struct nla_policy hn_policy[HNET_A_MAX + 1] = {
	[HNET_A_IFINDEX] = { .type = NLA_U32 },
	[HNET_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[HNET_A_FLAGS] = { .type = NLA_U32 },
	[HNET_A_NODE_ID] = { .type = NLA_U32 },
	[HNET_A_STAGE] = NLA_POLICY_NESTED(hn_stage_policy),
	[HNET_A_WEIGHTS] = NLA_POLICY_FULL_RANGE(NLA_BINARY, &hn_chunk_range),
	[HNET_A_BIASES] = NLA_POLICY_FULL_RANGE(NLA_BINARY, &hn_chunk_range),
	[HNET_A_OUTPUT] = NLA_POLICY_NESTED(hn_output_policy),
};

int hn_nl_flags(const struct nlattr *a, u32 valid, u32 *flags,
		struct netlink_ext_ack *extack)
{
	*flags = a ? nla_get_u32(a) : 0;
	if (*flags & ~valid) {
		NL_SET_ERR_MSG_ATTR(extack, a, "hypernet: unknown flags");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The geometry of a CONV2D or MAXPOOL layer, and only of those. */
static const u8 hn_nl_geometry[] = {
	HNET_LAYER_A_IN_C,  HNET_LAYER_A_IN_H,	 HNET_LAYER_A_IN_W,
	HNET_LAYER_A_OUT_C, HNET_LAYER_A_KERNEL, HNET_LAYER_A_STRIDE,
	HNET_LAYER_A_PAD,
};

/* hn_op_strerror() gives static strings, as NL_SET_ERR_MSG() wants. */
static int hn_nl_op_err(struct netlink_ext_ack *extack, const struct nlattr *a,
			int err)
{
	if (extack) {
		extack->_msg = hn_op_strerror(err);
		extack->bad_attr = a;
	}
	return err == HN_OPE_BIG ? -E2BIG : -EINVAL;
}

/* The struct hn_op of a layer nest (@lt, its attributes), checked. */
static int hn_nl_parse_op(struct nlattr **lt, const struct nlattr *l,
			  struct hn_op *op, struct netlink_ext_ack *extack)
{
	u32 n_in = nla_get_u32(lt[HNET_LAYER_A_IN]);
	u32 n_out = nla_get_u32(lt[HNET_LAYER_A_OUT]);
	unsigned int i;
	int err;

	op->kind = lt[HNET_LAYER_A_OP] ? nla_get_u8(lt[HNET_LAYER_A_OP]) :
					 HNET_OP_DENSE;
	for (i = 0; i < ARRAY_SIZE(hn_nl_geometry); i++) {
		bool has = lt[hn_nl_geometry[i]];

		if (op->kind == HNET_OP_DENSE && has) {
			NL_SET_ERR_MSG_ATTR(
				extack, lt[hn_nl_geometry[i]],
				"hypernet: geometry attribute on a dense layer");
			return -EINVAL;
		}
		if (op->kind != HNET_OP_DENSE && !has) {
			NL_SET_ERR_MSG_ATTR(
				extack, l,
				"hypernet: convolution or pooling layer lacks a geometry attribute");
			return -EINVAL;
		}
	}
	if (op->kind == HNET_OP_DENSE) {
		/* Both at most HNET_STAGE_ACT_MAX (policy): they fit. */
		op->in_c = n_in;
		op->in_h = 1;
		op->in_w = 1;
		op->out_c = n_out;
	} else {
		op->in_c = nla_get_u16(lt[HNET_LAYER_A_IN_C]);
		op->in_h = nla_get_u16(lt[HNET_LAYER_A_IN_H]);
		op->in_w = nla_get_u16(lt[HNET_LAYER_A_IN_W]);
		op->out_c = nla_get_u16(lt[HNET_LAYER_A_OUT_C]);
		op->k = nla_get_u8(lt[HNET_LAYER_A_KERNEL]);
		op->stride = nla_get_u8(lt[HNET_LAYER_A_STRIDE]);
		op->pad = nla_get_u8(lt[HNET_LAYER_A_PAD]);
	}
	err = hn_op_check(op);
	if (err)
		return hn_nl_op_err(extack, l, err);
	if (n_in != hn_op_in_len(op) || n_out != hn_op_out_len(op)) {
		NL_SET_ERR_MSG_ATTR(
			extack, l,
			"hypernet: layer IN or OUT differs from its geometry");
		return -EINVAL;
	}
	return 0;
}

/* One layer nest @l into @sl; @prev: the layer before, or NULL. */
static int hn_nl_parse_layer(const struct nlattr *l, struct hn_stage_layer *sl,
			     const struct hn_stage_layer *prev,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *lt[HNET_LAYER_A_MAX + 1];
	u32 flags;
	int ret;

	ret = nla_parse_nested(lt, HNET_LAYER_A_MAX, l, hn_layer_policy,
			       extack);
	if (ret)
		return ret;
	if (!lt[HNET_LAYER_A_IN] || !lt[HNET_LAYER_A_OUT] ||
	    !lt[HNET_LAYER_A_SHIFT]) {
		NL_SET_ERR_MSG_ATTR(extack, l,
				    "hypernet: layer lacks IN, OUT or SHIFT");
		return -EINVAL;
	}
	ret = hn_nl_flags(lt[HNET_LAYER_A_FLAGS], __HNET_LAYER_F_ALL, &flags,
			  extack);
	if (ret)
		return ret;
	sl->op.shift = nla_get_u8(lt[HNET_LAYER_A_SHIFT]);
	sl->op.relu = !!(flags & HNET_LAYER_F_RELU);
	ret = hn_nl_parse_op(lt, l, &sl->op, extack);
	if (ret)
		return ret;
	sl->n_in = hn_op_in_len(&sl->op);
	sl->n_out = hn_op_out_len(&sl->op);
	sl->macs = hn_op_macs(&sl->op);
	if (prev && sl->n_in != prev->n_out) {
		NL_SET_ERR_MSG_ATTR(
			extack, lt[HNET_LAYER_A_IN],
			"hypernet: dimension mismatch: layer input differs from previous output");
		return -EINVAL;
	}
	return 0;
}

/* What a stage as a whole may be: in, out, bytes and MACs. */
static int hn_nl_stage_bounds(const struct hn_stage *s, u64 bytes, u64 macs,
			      const struct nlattr *nest,
			      struct netlink_ext_ack *extack)
{
	if (bytes > HNET_STAGE_MAX_BYTES) {
		NL_SET_ERR_MSG_ATTR(
			extack, nest,
			"hypernet: stage larger than HNET_STAGE_MAX_BYTES");
		return -E2BIG;
	}
	if (macs > HNET_STAGE_MAX_MACS) {
		NL_SET_ERR_MSG_ATTR(
			extack, nest,
			"hypernet: stage computes more than HNET_STAGE_MAX_MACS");
		return -E2BIG;
	}
	if (s->n_in > HN_TENSOR_MAX_LEN || s->n_out > HN_TENSOR_MAX_LEN) {
		NL_SET_ERR_MSG_ATTR(
			extack, nest,
			"hypernet: stage input or output larger than HN_TENSOR_MAX_LEN");
		return -E2BIG;
	}
	return 0;
}

/* Layers from the HNET_A_STAGE nest: shapes, offsets and sizes. */
static int hn_nl_parse_layers(const struct nlattr *nest, struct hn_stage *s,
			      u32 *n_weights, u32 *n_biases,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HNET_STAGE_A_MAX + 1];
	u64 nw = 0, nb = 0, macs = 0;
	struct nlattr *l;
	unsigned int n = 0;
	int rem, ret;

	ret = nla_parse_nested(tb, HNET_STAGE_A_MAX, nest, hn_stage_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[HNET_STAGE_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "hypernet: stage lacks HNET_STAGE_A_ID");
		return -EINVAL;
	}
	if (!tb[HNET_STAGE_A_LAYERS]) {
		NL_SET_ERR_MSG_ATTR(
			extack, nest,
			"hypernet: stage lacks HNET_STAGE_A_LAYERS");
		return -EINVAL;
	}
	s->id = nla_get_u8(tb[HNET_STAGE_A_ID]);
	nla_for_each_nested(l, tb[HNET_STAGE_A_LAYERS], rem) {
		struct hn_stage_layer *sl = &s->layers[n];

		if (n == HNET_MAX_LAYERS) {
			NL_SET_ERR_MSG_ATTR(
				extack, l,
				"hypernet: more than HNET_MAX_LAYERS layers");
			return -E2BIG;
		}
		ret = hn_nl_parse_layer(l, sl, n ? sl - 1 : NULL, extack);
		if (ret)
			return ret;
		sl->w_off = nw;
		sl->b_off = nb;
		nw += hn_op_n_weights(&sl->op);
		nb += hn_op_n_biases(&sl->op);
		macs += hn_op_macs(&sl->op);
		n++;
	}
	if (!n) {
		NL_SET_ERR_MSG_ATTR(extack, tb[HNET_STAGE_A_LAYERS],
				    "hypernet: stage has no layers");
		return -EINVAL;
	}
	s->n_layers = n;
	s->n_in = s->layers[0].n_in;
	s->n_out = s->layers[n - 1].n_out;
	ret = hn_nl_stage_bounds(s, nw + nb * sizeof(s32), macs, nest, extack);
	if (ret)
		return ret;
	*n_weights = nw;
	*n_biases = nb;
	return 0;
}

/*
 * Concatenate the HNET_A_WEIGHTS and HNET_A_BIASES streams of the
 * request's top-level attributes (@head, @len bytes) into @s.
 */
static int hn_nl_parse_params(const struct nlattr *head, int len,
			      struct hn_stage *s, u32 n_weights, u32 n_biases,
			      struct netlink_ext_ack *extack)
{
	u32 woff = 0, boff = 0, i;
	const struct nlattr *a;
	int rem;

	nla_for_each_attr(a, head, len, rem) {
		u32 n = nla_len(a);

		if (nla_type(a) == HNET_A_WEIGHTS) {
			if (n > n_weights - woff) {
				NL_SET_ERR_MSG_ATTR(
					extack, a,
					"hypernet: more weights than the layers take");
				return -EINVAL;
			}
			memcpy(s->weights + woff, nla_data(a), n);
			woff += n;
		} else if (nla_type(a) == HNET_A_BIASES) {
			if (n % sizeof(s32) ||
			    n / sizeof(s32) > n_biases - boff) {
				NL_SET_ERR_MSG_ATTR(
					extack, a,
					"hypernet: biases chunk not whole int32s or more than the layers take");
				return -EINVAL;
			}
			memcpy(s->biases + boff, nla_data(a), n);
			boff += n / sizeof(s32);
		}
	}
	/* A stage of pooling layers only has no parameters. */
	if (!woff && n_weights) {
		NL_SET_ERR_MSG(extack, "hypernet: missing HNET_A_WEIGHTS");
		return -EINVAL;
	}
	if (woff != n_weights) {
		NL_SET_ERR_MSG(extack,
			       "hypernet: fewer weights than the layers take");
		return -EINVAL;
	}
	if (!boff && n_biases) {
		NL_SET_ERR_MSG(extack, "hypernet: missing HNET_A_BIASES");
		return -EINVAL;
	}
	if (boff != n_biases) {
		NL_SET_ERR_MSG(extack,
			       "hypernet: fewer biases than the layers take");
		return -EINVAL;
	}
	for (i = 0; i < s->n_layers; i++) {
		const struct hn_stage_layer *l = &s->layers[i];
		s64 max_abs = 0;
		u32 o;

		if (l->op.kind == HNET_OP_MAXPOOL)
			continue;
		for (o = 0; o < hn_op_n_biases(&l->op); o++)
			max_abs = max_t(s64, max_abs,
					abs((s64)s->biases[l->b_off + o]));
		if (!hn_layer_fits(hn_op_fan_in(&l->op), max_abs)) {
			NL_SET_ERR_MSG(
				extack,
				"hypernet: a layer's biases could overflow the int32 accumulator");
			return -ERANGE;
		}
	}
	return 0;
}

struct hn_stage *hn_nl_parse_stage(const struct nlattr *nest,
				   const struct nlattr *head, int len,
				   struct netlink_ext_ack *extack)
{
	struct hn_stage tmp = {}, *s;
	u32 nw, nb;
	int ret;

	ret = hn_nl_parse_layers(nest, &tmp, &nw, &nb, extack);
	if (ret)
		return ERR_PTR(ret);
	s = hn_stage_alloc(nw, nb);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->id = tmp.id;
	s->n_layers = tmp.n_layers;
	s->n_in = tmp.n_in;
	s->n_out = tmp.n_out;
	memcpy(s->layers, tmp.layers, sizeof(s->layers));
	ret = hn_nl_parse_params(head, len, s, nw, nb, extack);
	if (ret) {
		hn_stage_put(s);
		return ERR_PTR(ret);
	}
	return s;
}

int hn_nl_parse_output(const struct nlattr *nest, struct hn_output *out,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HNET_OUT_A_MAX + 1];
	int ret;

	memset(out, 0, sizeof(*out));
	ret = nla_parse_nested(tb, HNET_OUT_A_MAX, nest, hn_output_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[HNET_OUT_A_MODE]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "hypernet: missing HNET_OUT_A_MODE");
		return -EINVAL;
	}
	ret = hn_nl_flags(tb[HNET_OUT_A_FLAGS], __HNET_OUTPUT_F_ALL,
			  &out->flags, extack);
	if (ret)
		return ret;
	out->mode = nla_get_u8(tb[HNET_OUT_A_MODE]);
	if (out->mode == HNET_OUTPUT_NODE) {
		if (!tb[HNET_OUT_A_NODE] || !nla_get_u32(tb[HNET_OUT_A_NODE])) {
			NL_SET_ERR_MSG_ATTR(
				extack, nest,
				"hypernet: mode node needs a non-zero HNET_OUT_A_NODE");
			return -EINVAL;
		}
		out->node = nla_get_u32(tb[HNET_OUT_A_NODE]);
	} else if (tb[HNET_OUT_A_NODE] || out->flags) {
		NL_SET_ERR_MSG_ATTR(
			extack, nest,
			"hypernet: HNET_OUT_A_NODE and flags need mode node");
		return -EINVAL;
	}
	if (tb[HNET_OUT_A_CLASS])
		out->tclass = nla_get_u8(tb[HNET_OUT_A_CLASS]);
	if (tb[HNET_OUT_A_STAGE]) {
		out->stage = nla_get_u8(tb[HNET_OUT_A_STAGE]);
		out->stage_set = true;
	}
	return 0;
}
