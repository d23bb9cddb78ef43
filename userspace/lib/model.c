// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * HyperNet model files: parser, checker, serialiser, reference inference.
 * The parser trusts nothing: every length is checked before it is used and
 * every rule has its own error message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>

#include <hypernet/engine.h>
#include "fileio.h"
#include "model.h"

int hn_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *hn_model_kind_name(unsigned int kind)
{
	switch (kind) {
	case HN_MODEL_ROUTE:
		return "route";
	case HN_MODEL_STAGE:
		return "stage";
	}
	return "unknown";
}

static int sha256(const void *buf, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	return EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) == 1 &&
			       n == 32 ?
		       0 :
		       -1;
}

/* ---- checks shared by the parser and the serialiser --------------------- */

/* Scale exponent of layer @i's input. */
static int layer_in_exp(const struct hn_model *m, unsigned int i)
{
	return i ? m->layers[i - 1].out_exp : m->in_exp;
}

/* Output rows times columns, 0 where the op's window makes no sense. */
static uint64_t op_out_hw(const struct hn_op *op)
{
	if (op->kind != HNET_OP_DENSE && !op->stride)
		return 0;
	return (uint64_t)hn_op_out_h(op) * hn_op_out_w(op);
}

int hn_model_op_str(const struct hn_op *op, char *buf, size_t len)
{
	uint64_t hw = op_out_hw(op);
	const char *name;

	switch (op->kind) {
	case HNET_OP_DENSE:
		return snprintf(buf, len, "dense %u -> %u", hn_op_in_len(op),
				op->out_c);
	case HNET_OP_CONV2D:
		name = "conv";
		break;
	case HNET_OP_MAXPOOL:
		name = "maxpool";
		break;
	default:
		return snprintf(buf, len, "kind %u", op->kind);
	}
	if (!hw)
		return snprintf(buf, len, "%s %ux%ux%u -> %u k%u s%u p%u", name,
				op->in_c, op->in_h, op->in_w, op->out_c, op->k,
				op->stride, op->pad);
	return snprintf(buf, len, "%s %ux%ux%u -> %ux%ux%u k%u s%u p%u", name,
			op->in_c, op->in_h, op->in_w, op->out_c,
			hn_op_out_h(op), hn_op_out_w(op), op->k, op->stride,
			op->pad);
}

/* Flags, shift and exponent ranges of layer @i. */
static int check_flags(const struct hn_model *m, unsigned int i, char *err,
		       size_t errlen)
{
	const struct hn_model_layer *l = &m->layers[i];

	if (l->flags & ~__HN_LF_ALL)
		return hn_seterr(err, errlen,
				 "layer %u: unknown flag bits 0x%02x", i,
				 l->flags & ~__HN_LF_ALL);
	if ((l->flags & HN_LF_RELU) && (l->flags & HN_LF_RAW))
		return hn_seterr(err, errlen,
				 "layer %u: flags relu and raw are exclusive",
				 i);
	if ((l->flags & HN_LF_RAW) && i + 1 != m->n_layers)
		return hn_seterr(
			err, errlen,
			"layer %u: only the last layer may have raw (int32) output",
			i);
	if (l->shift > HN_SHIFT_MAX)
		return hn_seterr(err, errlen,
				 "layer %u: shift %u out of range (max %u)", i,
				 l->shift, HN_SHIFT_MAX);
	if ((l->flags & HN_LF_RAW) && l->shift)
		return hn_seterr(err, errlen,
				 "layer %u: raw output needs shift 0, not %u",
				 i, l->shift);
	if (l->w_exp < HN_MODEL_EXP_MIN || l->w_exp > HN_MODEL_EXP_MAX ||
	    l->out_exp < HN_MODEL_EXP_MIN || l->out_exp > HN_MODEL_EXP_MAX)
		return hn_seterr(
			err, errlen,
			"layer %u: scale exponent out of range (weights %d, output %d; allowed %d..%d)",
			i, l->w_exp, l->out_exp, HN_MODEL_EXP_MIN,
			HN_MODEL_EXP_MAX);
	return 0;
}

/* The shift is what turns the accumulator scale into the output's. */
static int check_scales(const struct hn_model *m, unsigned int i, char *err,
			size_t errlen)
{
	const struct hn_model_layer *l = &m->layers[i];
	int in_exp = layer_in_exp(m, i), acc_exp = in_exp + l->w_exp;

	if (l->op.kind == HNET_OP_MAXPOOL && l->w_exp)
		return hn_seterr(
			err, errlen,
			"layer %u: pooling has no weights: weight exponent must be 0, not %d",
			i, l->w_exp);
	if (l->out_exp - acc_exp != l->shift)
		return hn_seterr(
			err, errlen,
			"layer %u: scales inconsistent: output 2^%d / (input 2^%d * weights 2^%d) needs shift %d, not %u",
			i, l->out_exp, in_exp, l->w_exp, l->out_exp - acc_exp,
			l->shift);
	return 0;
}

/* The op itself: what the engine accepts, and n_in, n_out, shift, relu. */
static int check_op(const struct hn_model *m, unsigned int i, char *err,
		    size_t errlen)
{
	const struct hn_model_layer *l = &m->layers[i];
	char what[80];
	int e;

	if (l->op.kind > HNET_OP_MAX)
		return hn_seterr(
			err, errlen,
			"layer %u: unknown layer kind %u (0 dense, 1 conv, 2 maxpool)",
			i, l->op.kind);
	hn_model_op_str(&l->op, what, sizeof(what));
	if (l->op.shift != l->shift || l->op.relu != !!(l->flags & HN_LF_RELU))
		return hn_seterr(
			err, errlen,
			"layer %u: op shift %u relu %u differ from the layer's shift %u flags 0x%02x",
			i, l->op.shift, l->op.relu, l->shift, l->flags);
	e = hn_op_check(&l->op);
	if (e)
		return hn_seterr(err, errlen, "layer %u: %s (%s)", i,
				 hn_op_strerror(e), what);
	if (l->n_in != hn_op_in_len(&l->op) ||
	    l->n_out != hn_op_out_len(&l->op))
		return hn_seterr(
			err, errlen,
			"layer %u: lengths %u -> %u are not those of its op (%s)",
			i, l->n_in, l->n_out, what);
	return 0;
}

/* Lengths across layers: the chain, and what crosses the wire. */
static int check_chain(const struct hn_model *m, unsigned int i, char *err,
		       size_t errlen)
{
	const struct hn_model_layer *l = &m->layers[i];

	if (i && l->n_in != m->layers[i - 1].n_out)
		return hn_seterr(
			err, errlen,
			"layer %u: dimension mismatch: takes %u inputs but layer %u gives %u",
			i, l->n_in, i - 1, m->layers[i - 1].n_out);
	if (!i && l->n_in > HN_MODEL_MAX_DIM)
		return hn_seterr(
			err, errlen,
			"layer 0: model input of %u elements, more than a tensor (max %u)",
			l->n_in, HN_MODEL_MAX_DIM);
	if (i + 1 == m->n_layers && l->n_out > HN_MODEL_MAX_DIM)
		return hn_seterr(
			err, errlen,
			"layer %u: model output of %u elements, more than a tensor (max %u)",
			i, l->n_out, HN_MODEL_MAX_DIM);
	return 0;
}

/* Everything about layer @i that its descriptor decides. */
static int check_desc(const struct hn_model *m, unsigned int i, char *err,
		      size_t errlen)
{
	if (check_flags(m, i, err, errlen) || check_scales(m, i, err, errlen) ||
	    check_op(m, i, err, errlen) || check_chain(m, i, err, errlen))
		return -1;
	return 0;
}

int hn_model_check_kind(unsigned int kind, unsigned int stage, char *err,
			size_t errlen)
{
	if (kind != HN_MODEL_ROUTE && kind != HN_MODEL_STAGE)
		return hn_seterr(err, errlen,
				 "unknown model kind %u (1 = route, 2 = stage)",
				 kind);
	if (kind == HN_MODEL_ROUTE && stage)
		return hn_seterr(err, errlen,
				 "route model with stage id %u (must be 0)",
				 stage);
	return 0;
}

static int check_head(const struct hn_model *m, char *err, size_t errlen)
{
	if (hn_model_check_kind(m->kind, m->stage, err, errlen))
		return -1;
	if (m->version > HN_MODEL_VERSION)
		return hn_seterr(err, errlen,
				 "unknown format version %u (max %u)",
				 m->version, HN_MODEL_VERSION);
	if (m->n_layers == 0 || m->n_layers > HN_MODEL_MAX_LAYERS)
		return hn_seterr(err, errlen,
				 "layer count %u out of range (1..%u)",
				 m->n_layers, HN_MODEL_MAX_LAYERS);
	if (m->kind == HN_MODEL_ROUTE && m->n_layers != 2)
		return hn_seterr(err, errlen,
				 "route model needs 2 layers, not %u",
				 m->n_layers);
	if (m->in_exp < HN_MODEL_EXP_MIN || m->in_exp > HN_MODEL_EXP_MAX)
		return hn_seterr(
			err, errlen,
			"input scale exponent %d out of range (%d..%d)",
			m->in_exp, HN_MODEL_EXP_MIN, HN_MODEL_EXP_MAX);
	return 0;
}

/* The fixed shape of route.h, after the generic descriptor checks. */
static int check_route_shape(const struct hn_model *m, char *err, size_t errlen)
{
	const struct hn_model_layer *l0 = &m->layers[0], *l1 = &m->layers[1];

	if (l0->op.kind != HNET_OP_DENSE || l1->op.kind != HNET_OP_DENSE)
		return hn_seterr(
			err, errlen,
			"route model layers must be dense (kinds %u, %u)",
			l0->op.kind, l1->op.kind);
	if (l0->n_in != HN_RT_NFEAT || l0->n_out != HN_RT_HIDDEN ||
	    l1->n_out != 1)
		return hn_seterr(
			err, errlen,
			"route model must be %u -> %u -> 1, not %u -> %u -> %u",
			HN_RT_NFEAT, HN_RT_HIDDEN, l0->n_in, l0->n_out,
			l1->n_out);
	if (l0->flags != HN_LF_RELU)
		return hn_seterr(
			err, errlen,
			"route model layer 0 must be relu (flags 0x%02x)",
			l0->flags);
	if (l1->flags != HN_LF_RAW)
		return hn_seterr(
			err, errlen,
			"route model layer 1 must be raw (flags 0x%02x)",
			l1->flags);
	return 0;
}

uint64_t hn_model_param_bytes(const struct hn_model *m)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < m->n_layers && i < HN_MODEL_MAX_LAYERS; i++)
		n += (uint64_t)hn_op_fan_in(&m->layers[i].op) *
			     hn_op_n_biases(&m->layers[i].op) +
		     4 * (uint64_t)hn_op_n_biases(&m->layers[i].op);
	return n;
}

/* What the kind asks of the layers: route.h's shape, or int8 stages. */
static int check_kind_shape(const struct hn_model *m, char *err, size_t errlen)
{
	unsigned int i;

	if (m->kind == HN_MODEL_ROUTE)
		return check_route_shape(m, err, errlen);
	for (i = 0; i < m->n_layers; i++)
		if (m->layers[i].flags & HN_LF_RAW)
			return hn_seterr(
				err, errlen,
				"layer %u: stage models output int8, raw output is for route models",
				i);
	if (hn_model_param_bytes(m) > HNET_STAGE_MAX_BYTES)
		return hn_seterr(
			err, errlen,
			"weights and biases take %llu bytes, more than a stage may (HNET_STAGE_MAX_BYTES %u)",
			(unsigned long long)hn_model_param_bytes(m),
			HNET_STAGE_MAX_BYTES);
	return 0;
}

static int check_bias(const struct hn_model *m, unsigned int i, char *err,
		      size_t errlen)
{
	const struct hn_model_layer *l = &m->layers[i];
	unsigned int o, at = 0, nb = hn_op_n_biases(&l->op);
	int64_t max = 0, v;

	if (!nb)
		return 0;
	for (o = 0; o < nb; o++) {
		v = l->b[o] < 0 ? -(int64_t)l->b[o] : l->b[o];
		if (v > max) {
			max = v;
			at = o;
		}
	}
	if (!hn_layer_fits(hn_op_fan_in(&l->op), max))
		return hn_seterr(
			err, errlen,
			"layer %u: could overflow int32: %u inputs and bias[%u] = %d",
			i, hn_op_fan_in(&l->op), at, l->b[at]);
	return 0;
}

static int check_sig(uint16_t type, uint16_t len, char *err, size_t errlen)
{
	switch (type) {
	case HN_SIG_NONE:
		if (len)
			return hn_seterr(
				err, errlen,
				"signature type none with length %u (must be 0)",
				len);
		return 0;
	case HN_SIG_ED25519:
		if (len != 64)
			return hn_seterr(
				err, errlen,
				"ed25519 signature length %u (must be 64)",
				len);
		return 0;
	}
	return hn_seterr(err, errlen, "unknown signature type %u", type);
}

int hn_model_check(const struct hn_model *m, char *err, size_t errlen)
{
	unsigned int i;

	if (check_head(m, err, errlen))
		return -1;
	for (i = 0; i < m->n_layers; i++) {
		if (check_desc(m, i, err, errlen))
			return -1;
		if (!m->layers[i].w || !m->layers[i].b)
			return hn_seterr(err, errlen,
					 "layer %u: no weights or biases", i);
	}
	if (check_kind_shape(m, err, errlen))
		return -1;
	for (i = 0; i < m->n_layers; i++)
		if (check_bias(m, i, err, errlen))
			return -1;
	return check_sig(m->sig_type, m->sig_len, err, errlen);
}

/* ---- parser ------------------------------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t len, off;
	uint16_t version;
	char *err;
	size_t errlen;
};

/* Make sure @n more bytes exist, naming the field that would be cut. */
static int need(struct rd *r, size_t n, const char *field)
{
	if (r->len - r->off < n)
		return hn_seterr(
			r->err, r->errlen,
			"truncated at %s (offset %zu: needs %zu bytes, %zu left)",
			field, r->off, n, r->len - r->off);
	return 0;
}

static int get_u8(struct rd *r, uint8_t *v, const char *field)
{
	if (need(r, 1, field))
		return -1;
	*v = r->p[r->off++];
	return 0;
}

static int get_u16(struct rd *r, uint16_t *v, const char *field)
{
	if (need(r, 2, field))
		return -1;
	*v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int get_u64(struct rd *r, uint64_t *v, const char *field)
{
	if (need(r, 8, field))
		return -1;
	*v = (uint64_t)be32(r->p + r->off) << 32 | be32(r->p + r->off + 4);
	r->off += 8;
	return 0;
}

void hn_model_free(struct hn_model *m)
{
	unsigned int i;

	if (!m)
		return;
	for (i = 0; i < HN_MODEL_MAX_LAYERS; i++) {
		free(m->layers[i].w);
		free(m->layers[i].b);
	}
	memset(m, 0, sizeof(*m));
}

void hn_model_layer_dense(struct hn_model_layer *l)
{
	memset(&l->op, 0, sizeof(l->op));
	l->op.kind = HNET_OP_DENSE;
	l->op.in_c = l->n_in;
	l->op.in_h = l->op.in_w = 1;
	l->op.out_c = l->n_out;
	l->op.shift = l->shift;
	l->op.relu = !!(l->flags & HN_LF_RELU);
}

int hn_model_alloc_layer(struct hn_model *m, unsigned int i)
{
	struct hn_model_layer *l = &m->layers[i];
	uint64_t in, out;

	free(l->w);
	free(l->b);
	l->w = NULL;
	l->b = NULL;
	if (!l->op.in_c) {
		hn_model_layer_dense(l);
	} else {
		l->op.shift = l->shift;
		l->op.relu = !!(l->flags & HN_LF_RELU);
	}
	in = (uint64_t)l->op.in_c * l->op.in_h * l->op.in_w;
	out = (uint64_t)l->op.out_c * op_out_hw(&l->op);
	if (in > UINT16_MAX || out > UINT16_MAX)
		return -1;
	l->n_in = in;
	l->n_out = out;
	/* One byte more: an op without weights still gets an array. */
	l->w = calloc(
		(uint64_t)hn_op_fan_in(&l->op) * hn_op_n_biases(&l->op) + 1, 1);
	l->b = calloc((size_t)hn_op_n_biases(&l->op) + 1, sizeof(*l->b));
	return l->w && l->b ? 0 : -1;
}

/* The header: magic, version, kind, ids, scales, the layer count. */
static int parse_head(struct rd *r, struct hn_model *m)
{
	char *err = r->err;
	size_t errlen = r->errlen;
	uint16_t version, reserved;
	uint8_t u8;

	if (need(r, 4, "magic"))
		return -1;
	if (memcmp(r->p, HN_MODEL_MAGIC, 4))
		return hn_seterr(
			err, errlen,
			"bad magic %02x %02x %02x %02x (not a HyperNet model, expected \"%s\")",
			r->p[0], r->p[1], r->p[2], r->p[3], HN_MODEL_MAGIC);
	r->off = 4;
	if (get_u16(r, &version, "format version"))
		return -1;
	if (version != HN_MODEL_VERSION_DENSE && version != HN_MODEL_VERSION)
		return hn_seterr(
			err, errlen,
			"unsupported format version %u (this parser reads %u and %u)",
			version, HN_MODEL_VERSION_DENSE, HN_MODEL_VERSION);
	r->version = version;
	m->version = version;
	if (get_u8(r, &m->kind, "model kind"))
		return -1;
	if (m->kind != HN_MODEL_ROUTE && m->kind != HN_MODEL_STAGE)
		return hn_seterr(err, errlen,
				 "unknown model kind %u (1 = route, 2 = stage)",
				 m->kind);
	if (get_u8(r, &m->stage, "stage id") ||
	    get_u64(r, &m->generation, "generation") ||
	    get_u64(r, &m->expiry, "expiry") ||
	    get_u8(r, &u8, "input scale exponent"))
		return -1;
	m->in_exp = (int8_t)u8;
	if (get_u8(r, &m->n_layers, "layer count") ||
	    get_u16(r, &reserved, "header reserved field"))
		return -1;
	if (reserved)
		return hn_seterr(err, errlen,
				 "header reserved field is 0x%04x (must be 0)",
				 reserved);
	if (check_head(m, err, errlen))
		return -1;
	if (version == HN_MODEL_VERSION_DENSE &&
	    m->n_layers > HN_MODEL_V1_MAX_LAYERS)
		return hn_seterr(
			err, errlen,
			"layer count %u out of range (1..%u in version %u)",
			m->n_layers, HN_MODEL_V1_MAX_LAYERS,
			HN_MODEL_VERSION_DENSE);
	return 0;
}

/* Version 1: n_in, n_out, then what both versions share; a dense op. */
static int parse_desc_v1(struct rd *r, struct hn_model *m, unsigned int li,
			 const char *field)
{
	struct hn_model_layer *l = &m->layers[li];

	get_u16(r, &l->n_in, field);
	get_u16(r, &l->n_out, field);
	if (l->n_in == 0 || l->n_out == 0)
		return hn_seterr(r->err, r->errlen,
				 "layer %u: dimension is zero (%u -> %u)", li,
				 l->n_in, l->n_out);
	if (l->n_in > HN_MODEL_MAX_DIM || l->n_out > HN_MODEL_MAX_DIM)
		return hn_seterr(
			r->err, r->errlen,
			"layer %u: dimension too large (%u -> %u, max %u)", li,
			l->n_in, l->n_out, HN_MODEL_MAX_DIM);
	return 0;
}

/* Version 2: the op's kind, window and geometry come first. */
static void parse_desc_v2(struct rd *r, struct hn_model *m, unsigned int li,
			  const char *field)
{
	struct hn_op *op = &m->layers[li].op;

	get_u8(r, &op->kind, field);
	get_u8(r, &op->k, field);
	get_u8(r, &op->stride, field);
	get_u8(r, &op->pad, field);
	get_u16(r, &op->in_c, field);
	get_u16(r, &op->in_h, field);
	get_u16(r, &op->in_w, field);
	get_u16(r, &op->out_c, field);
}

/* Shift, flags, exponents; then the op, whole. */
static void parse_desc_tail(struct rd *r, struct hn_model *m, unsigned int li,
			    const char *field)
{
	struct hn_model_layer *l = &m->layers[li];
	uint64_t in, out;
	uint8_t u8 = 0;

	get_u8(r, &l->shift, field);
	get_u8(r, &l->flags, field);
	get_u8(r, &u8, field);
	l->w_exp = (int8_t)u8;
	get_u8(r, &u8, field);
	l->out_exp = (int8_t)u8;
	if (r->version == HN_MODEL_VERSION_DENSE) {
		hn_model_layer_dense(l);
		return;
	}
	l->op.shift = l->shift;
	l->op.relu = !!(l->flags & HN_LF_RELU);
	in = (uint64_t)l->op.in_c * l->op.in_h * l->op.in_w;
	out = (uint64_t)l->op.out_c * op_out_hw(&l->op);
	/* Out of range: 0, and hn_op_check() says why. */
	l->n_in = in > UINT16_MAX ? 0 : in;
	l->n_out = out > UINT16_MAX ? 0 : out;
}

/* The layer descriptors, and the shapes they make together. */
static int parse_descs(struct rd *r, struct hn_model *m)
{
	int v1 = r->version == HN_MODEL_VERSION_DENSE;
	char field[48];
	unsigned int li;

	for (li = 0; li < m->n_layers; li++) {
		snprintf(field, sizeof(field), "layer %u descriptor", li);
		if (need(r, v1 ? HN_MODEL_LDESC_LEN : HN_MODEL_LDESC2_LEN,
			 field))
			return -1;
		if (v1 && parse_desc_v1(r, m, li, field))
			return -1;
		if (!v1)
			parse_desc_v2(r, m, li, field);
		parse_desc_tail(r, m, li, field);
		if (check_desc(m, li, r->err, r->errlen))
			return -1;
	}
	return check_kind_shape(m, r->err, r->errlen);
}

/* Every layer's weights and biases. */
static int parse_params(struct rd *r, struct hn_model *m)
{
	char *err = r->err, field[48];
	size_t errlen = r->errlen, i, n, nb;
	unsigned int li;

	for (li = 0; li < m->n_layers; li++) {
		struct hn_model_layer *l = &m->layers[li];

		n = hn_op_n_weights(&l->op);
		nb = hn_op_n_biases(&l->op);
		snprintf(field, sizeof(field), "layer %u weights", li);
		if (need(r, n, field))
			return -1;
		/* Check both before allocating: short files cost nothing. */
		if (r->len - r->off - n < 4 * nb) {
			r->off += n;
			snprintf(field, sizeof(field), "layer %u biases", li);
			return need(r, 4 * nb, field);
		}
		if (hn_model_alloc_layer(m, li))
			return hn_seterr(err, errlen, "out of memory");
		memcpy(l->w, r->p + r->off, n);
		r->off += n;
		for (i = 0; i < nb; i++, r->off += 4)
			l->b[i] = (int32_t)be32(r->p + r->off);
		if (check_bias(m, li, err, errlen))
			return -1;
	}
	return 0;
}

/* The stored digest and the signature block, the end of the file. */
static int parse_trailer(struct rd *r, struct hn_model *m)
{
	char *err = r->err;
	size_t errlen = r->errlen;

	if (need(r, HN_MODEL_DIGEST_LEN, "SHA-256 digest"))
		return -1;
	memcpy(m->digest, r->p + r->off, HN_MODEL_DIGEST_LEN);
	r->off += HN_MODEL_DIGEST_LEN;
	if (get_u16(r, &m->sig_type, "signature type") ||
	    get_u16(r, &m->sig_len, "signature length"))
		return -1;
	if (check_sig(m->sig_type, m->sig_len, err, errlen))
		return -1;
	if (need(r, m->sig_len, "signature"))
		return -1;
	memcpy(m->sig, r->p + r->off, m->sig_len);
	r->off += m->sig_len;
	if (r->off != r->len)
		return hn_seterr(
			err, errlen,
			"%zu trailing bytes after the signature block (offset %zu)",
			r->len - r->off, r->off);
	return 0;
}

static int parse(struct rd *r, struct hn_model *m)
{
	uint8_t digest[HN_MODEL_DIGEST_LEN];
	size_t digest_off;

	if (parse_head(r, m) || parse_descs(r, m) || parse_params(r, m))
		return -1;
	digest_off = r->off;
	if (parse_trailer(r, m))
		return -1;
	/* Last, so that the fuzzer reaches every structural check. */
	if (sha256(r->p, digest_off, digest))
		return hn_seterr(r->err, r->errlen, "SHA-256 unavailable");
	if (memcmp(digest, m->digest, sizeof(digest)))
		return hn_seterr(
			r->err, r->errlen,
			"digest mismatch: file is corrupt (SHA-256 of bytes 0..%zu differs from the stored one)",
			digest_off);
	return 0;
}

int hn_model_parse(const void *buf, size_t len, struct hn_model *m, char *err,
		   size_t errlen)
{
	struct rd r = { .p = buf, .len = len, .err = err, .errlen = errlen };

	memset(m, 0, sizeof(*m));
	if (!buf && len)
		return hn_seterr(err, errlen, "no buffer");
	if (parse(&r, m)) {
		hn_model_free(m);
		return -1;
	}
	return 0;
}

int hn_model_read_file(const char *path, struct hn_model *m, char *err,
		       size_t errlen)
{
	char msg[256];
	struct stat st;
	uint8_t *buf;
	ssize_t got;
	size_t off = 0;
	int fd, ret;

	memset(m, 0, sizeof(*m));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hn_seterr(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return hn_seterr(err, errlen, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > HN_MODEL_MAX_FILE) {
		close(fd);
		return hn_seterr(
			err, errlen,
			"%s: %lld bytes, larger than any model (max %llu)",
			path, (long long)st.st_size,
			(unsigned long long)HN_MODEL_MAX_FILE);
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return hn_seterr(err, errlen, "%s: out of memory", path);
	}
	while (off < (size_t)st.st_size) {
		got = read(fd, buf + off, st.st_size - off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			ret = hn_seterr(err, errlen, "%s: read failed: %s",
					path, got ? strerror(errno) : "short");
			goto out;
		}
		off += got;
	}
	ret = hn_model_parse(buf, off, m, msg, sizeof(msg));
	if (ret)
		hn_seterr(err, errlen, "%s: %s", path, msg);
out:
	free(buf);
	close(fd);
	return ret;
}

/* ---- serialiser --------------------------------------------------------- */

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	*p++ = v >> 8;
	*p++ = v;
	return p;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p = put16(p, v >> 16);
	return put16(p, v);
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	p = put32(p, v >> 32);
	return put32(p, v);
}

unsigned int hn_model_version(const struct hn_model *m)
{
	unsigned int i;

	if (m->version >= HN_MODEL_VERSION ||
	    m->n_layers > HN_MODEL_V1_MAX_LAYERS)
		return HN_MODEL_VERSION;
	for (i = 0; i < m->n_layers; i++)
		if (m->layers[i].op.kind != HNET_OP_DENSE ||
		    m->layers[i].n_in > HN_MODEL_MAX_DIM ||
		    m->layers[i].n_out > HN_MODEL_MAX_DIM)
			return HN_MODEL_VERSION;
	return HN_MODEL_VERSION_DENSE;
}

static uint8_t *put_desc(uint8_t *p, const struct hn_model_layer *l,
			 unsigned int version)
{
	if (version == HN_MODEL_VERSION_DENSE) {
		p = put16(p, l->n_in);
		p = put16(p, l->n_out);
	} else {
		*p++ = l->op.kind;
		*p++ = l->op.k;
		*p++ = l->op.stride;
		*p++ = l->op.pad;
		p = put16(p, l->op.in_c);
		p = put16(p, l->op.in_h);
		p = put16(p, l->op.in_w);
		p = put16(p, l->op.out_c);
	}
	*p++ = l->shift;
	*p++ = l->flags;
	*p++ = (uint8_t)l->w_exp;
	*p++ = (uint8_t)l->out_exp;
	return p;
}

static uint8_t *put_head(uint8_t *p, const struct hn_model *m,
			 unsigned int version)
{
	memcpy(p, HN_MODEL_MAGIC, 4);
	p = put16(p + 4, version);
	*p++ = m->kind;
	*p++ = m->stage;
	p = put64(p, m->generation);
	p = put64(p, m->expiry);
	*p++ = (uint8_t)m->in_exp;
	*p++ = m->n_layers;
	return put16(p, 0);
}

int hn_model_serialize(struct hn_model *m, void **bufp, size_t *lenp, char *err,
		       size_t errlen)
{
	unsigned int i, o, version;
	size_t len, n, nb;
	uint8_t *buf, *p;

	if (hn_model_check(m, err, errlen))
		return -1;
	version = hn_model_version(m);
	len = HN_MODEL_HDR_LEN + hn_model_param_bytes(m) +
	      (size_t)m->n_layers * (version == HN_MODEL_VERSION_DENSE ?
					     HN_MODEL_LDESC_LEN :
					     HN_MODEL_LDESC2_LEN) +
	      HN_MODEL_DIGEST_LEN + 4 + m->sig_len;
	p = buf = malloc(len);
	if (!buf)
		return hn_seterr(err, errlen, "out of memory");
	p = put_head(p, m, version);
	for (i = 0; i < m->n_layers; i++)
		p = put_desc(p, &m->layers[i], version);
	for (i = 0; i < m->n_layers; i++) {
		const struct hn_model_layer *l = &m->layers[i];

		n = hn_op_n_weights(&l->op);
		nb = hn_op_n_biases(&l->op);
		memcpy(p, l->w, n);
		p += n;
		for (o = 0; o < nb; o++)
			p = put32(p, (uint32_t)l->b[o]);
	}
	if (sha256(buf, p - buf, m->digest)) {
		free(buf);
		return hn_seterr(err, errlen, "SHA-256 unavailable");
	}
	memcpy(p, m->digest, HN_MODEL_DIGEST_LEN);
	p = put16(p + HN_MODEL_DIGEST_LEN, m->sig_type);
	p = put16(p, m->sig_len);
	memcpy(p, m->sig, m->sig_len);
	*bufp = buf;
	*lenp = len;
	return 0;
}

int hn_model_write_file(const char *path, struct hn_model *m, char *err,
			size_t errlen)
{
	void *buf;
	size_t len;
	int ret;

	if (hn_model_serialize(m, &buf, &len, err, errlen))
		return -1;
	ret = hn_save_file(path, buf, len, err, errlen);
	free(buf);
	return ret;
}

/* ---- route model conversion --------------------------------------------- */

int hn_model_to_rt(const struct hn_model *m, struct hn_rt_model *rt, char *err,
		   size_t errlen)
{
	const struct hn_model_layer *l0 = &m->layers[0], *l1 = &m->layers[1];
	unsigned int j;

	if (m->kind != HN_MODEL_ROUTE)
		return hn_seterr(err, errlen, "not a route model (kind %s)",
				 hn_model_kind_name(m->kind));
	if (hn_model_check(m, err, errlen))
		return -1;
	memset(rt, 0, sizeof(*rt));
	memcpy(rt->w1, l0->w, sizeof(rt->w1));
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		rt->b1[j] = l0->b[j];
		rt->w2[j] = l1->w[j];
	}
	rt->b2 = l1->b[0];
	rt->shift1 = l0->shift;
	return 0;
}

/*
 * A bare hn_rt_model carries no scales.  Features in [0, 127] are read as
 * [0, 1) (2^-7), weights as 2^-6 steps; the hidden layer's output scale
 * then follows from shift1 (out = acc >> shift1) so that the file stays
 * self-consistent.
 */
int hn_model_from_rt(const struct hn_rt_model *rt, uint64_t generation,
		     struct hn_model *m, char *err, size_t errlen)
{
	struct hn_model_layer *l0 = &m->layers[0], *l1 = &m->layers[1];
	unsigned int j;

	memset(m, 0, sizeof(*m));
	if (rt->shift1 > HN_SHIFT_MAX)
		return hn_seterr(err, errlen, "shift1 %u out of range (max %u)",
				 rt->shift1, HN_SHIFT_MAX);
	m->kind = HN_MODEL_ROUTE;
	m->n_layers = 2;
	m->generation = generation;
	m->in_exp = -7;
	l0->n_in = HN_RT_NFEAT;
	l0->n_out = HN_RT_HIDDEN;
	l0->shift = rt->shift1;
	l0->flags = HN_LF_RELU;
	l0->w_exp = -6;
	l0->out_exp = m->in_exp + l0->w_exp + (int)rt->shift1;
	l1->n_in = HN_RT_HIDDEN;
	l1->n_out = 1;
	l1->flags = HN_LF_RAW;
	l1->w_exp = -6;
	l1->out_exp = l0->out_exp + l1->w_exp;
	if (hn_model_alloc_layer(m, 0) || hn_model_alloc_layer(m, 1)) {
		hn_model_free(m);
		return hn_seterr(err, errlen, "out of memory");
	}
	memcpy(l0->w, rt->w1, sizeof(rt->w1));
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		l0->b[j] = rt->b1[j];
		l1->w[j] = rt->w2[j];
	}
	l1->b[0] = rt->b2;
	if (hn_model_check(m, err, errlen)) {
		hn_model_free(m);
		return -1;
	}
	return 0;
}

/* ---- reference inference ------------------------------------------------ */

void hn_model_infer(const struct hn_model *m, const int8_t *in, int8_t *out,
		    int32_t *logits)
{
	static __thread int8_t act[2][HN_MODEL_ACT_MAX];
	const int8_t *x = in;
	unsigned int i, o;

	for (i = 0; i < m->n_layers; i++) {
		const struct hn_model_layer *l = &m->layers[i];
		int8_t *y = act[i & 1];

		if (i + 1 < m->n_layers) {
			hn_op_run(&l->op, l->w, l->b, x, y);
			x = y;
			continue;
		}
		/* Last dense layer: same arithmetic, keeping the sums. */
		if (logits && l->op.kind == HNET_OP_DENSE) {
			hn_dense_s32(l->w, l->b, x, l->n_in, l->n_out, logits);
			if (out && !(l->flags & HN_LF_RAW))
				for (o = 0; o < l->n_out; o++)
					out[o] = hn_requant(logits[o], l->shift,
							    l->op.relu);
		} else if (out && !(l->flags & HN_LF_RAW)) {
			hn_op_run(&l->op, l->w, l->b, x, out);
		}
	}
}
