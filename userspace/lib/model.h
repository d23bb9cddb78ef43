/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * HyperNet model files (.hnm): parse, check, serialise and run them.
 * Documentation/model-format.rst describes the format byte by byte.
 *
 * Every function that can fail takes an @err buffer and writes one line
 * saying exactly what is wrong; @err may be NULL.
 */
#ifndef _HYPERNET_MODEL_H
#define _HYPERNET_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <hypernet/route.h>
#include <hypernet/engine.h>
#include <linux/hypernet_packet.h>

#define HN_MODEL_MAGIC "HNMD"
/* Version 1: dense layers only; version 2: a layer graph (struct hn_op). */
#define HN_MODEL_VERSION_DENSE 1
#define HN_MODEL_VERSION 2
#define HN_MODEL_MAX_LAYERS HNET_MAX_LAYERS
#define HN_MODEL_V1_MAX_LAYERS 4
/* A model's input and output (they cross the wire as one tensor). */
#define HN_MODEL_MAX_DIM HN_TENSOR_MAX_LEN
/* An activation between two layers of a stage. */
#define HN_MODEL_ACT_MAX HNET_STAGE_ACT_MAX
/* Scale exponents: a value q stands for q * 2^exp. */
#define HN_MODEL_EXP_MIN (-64)
#define HN_MODEL_EXP_MAX 63
#define HN_MODEL_DIGEST_LEN 32 /* SHA-256 */
#define HN_MODEL_SIG_MAX 64
/* Fixed header, per-layer descriptor, trailer sizes (bytes). */
#define HN_MODEL_HDR_LEN 28
#define HN_MODEL_LDESC_LEN 8
#define HN_MODEL_LDESC2_LEN 16 /* version 2 */
/*
 * Largest file the format allows (a stage's weights and biases are at most
 * HNET_STAGE_MAX_BYTES; a route model is far smaller): reading bigger
 * files is refused early.
 */
#define HN_MODEL_MAX_FILE                                               \
	(HN_MODEL_HDR_LEN + HN_MODEL_MAX_LAYERS * HN_MODEL_LDESC2_LEN + \
	 HNET_STAGE_MAX_BYTES + HN_MODEL_DIGEST_LEN + 4 + HN_MODEL_SIG_MAX)

enum hn_model_kind {
	HN_MODEL_ROUTE = 1, /* the routing model of route.h */
	HN_MODEL_STAGE = 2, /* a chain of dense layers (tensor stage) */
};

enum hn_layer_flags {
	HN_LF_RELU = 1U << 0, /* ReLU before saturation */
	HN_LF_RAW = 1U << 1, /* int32 output, no requant (ROUTE) */
	__HN_LF_ALL = HN_LF_RELU | HN_LF_RAW,
};

enum hn_sig_type {
	HN_SIG_NONE = 0,
	HN_SIG_ED25519 = 1, /* reserved: 64-byte signature */
};

/*
 * One layer.  @op says what it computes; @n_in and @n_out are its
 * flattened input and output lengths (hn_op_in_len(), hn_op_out_len()),
 * and @op's shift and relu mirror @shift and @flags.  A dense layer has
 * op.kind HNET_OP_DENSE, in_c = n_in, in_h = in_w = 1, out_c = n_out.
 */
struct hn_model_layer {
	struct hn_op op;
	uint16_t n_in, n_out;
	uint8_t shift; /* right shift of the accumulator */
	uint8_t flags; /* enum hn_layer_flags */
	int8_t w_exp; /* weight w stands for w * 2^w_exp */
	int8_t out_exp; /* output scale exponent */
	int8_t *w; /* hn_op_n_weights(): dense n_out rows of n_in */
	int32_t *b; /* hn_op_n_biases(), scale 2^(in_exp + w_exp) */
};

struct hn_model {
	uint8_t kind; /* enum hn_model_kind */
	uint8_t stage; /* stage id (STAGE), 0 for ROUTE */
	uint8_t n_layers;
	uint8_t version; /* the file's (parse); 0: the lowest that fits */
	int8_t in_exp; /* input scale exponent */
	uint64_t generation;
	uint64_t expiry; /* unix seconds, 0 = never */
	struct hn_model_layer layers[HN_MODEL_MAX_LAYERS];
	uint8_t digest[HN_MODEL_DIGEST_LEN]; /* set by parse/serialize */
	uint16_t sig_type; /* enum hn_sig_type */
	uint16_t sig_len;
	uint8_t sig[HN_MODEL_SIG_MAX];
};

/* printf-style error into @err (if not NULL); always returns -1. */
int hn_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *hn_model_kind_name(unsigned int kind);

/*
 * Parse and fully check a model file image.  On success @m owns its
 * arrays (release with hn_model_free()); on failure @m is left empty.
 * Returns 0 or -1.
 */
int hn_model_parse(const void *buf, size_t len, struct hn_model *m, char *err,
		   size_t errlen);
int hn_model_read_file(const char *path, struct hn_model *m, char *err,
		       size_t errlen);

/*
 * Check an in-memory model against every rule the parser applies (shape,
 * shifts, scales, overflow).  Returns 0 or -1.
 */
int hn_model_check(const struct hn_model *m, char *err, size_t errlen);
/* Kind 1 (route, stage 0) or 2 (stage): models and campaigns alike. */
int hn_model_check_kind(unsigned int kind, unsigned int stage, char *err,
			size_t errlen);

/*
 * The format version hn_model_serialize() writes: 1 when every layer is
 * dense and the model fits version 1 (at most 4 layers of at most
 * HN_MODEL_MAX_DIM), so dense models keep their bytes and digests; 2
 * otherwise; never below @m->version, so that a parsed file serialises
 * back to its own bytes.
 */
unsigned int hn_model_version(const struct hn_model *m);

/*
 * Serialise @m (after hn_model_check()); computes the digest, stores it in
 * @m->digest and appends @m's signature block.  *buf is malloc()ed.
 */
int hn_model_serialize(struct hn_model *m, void **buf, size_t *len, char *err,
		       size_t errlen);
int hn_model_write_file(const char *path, struct hn_model *m, char *err,
			size_t errlen);

void hn_model_free(struct hn_model *m);

/* Weights and biases of @m's layers, in bytes (a stage's budget). */
uint64_t hn_model_param_bytes(const struct hn_model *m);
/* "conv 1x28x28 -> 8x28x28 k5 s1 p2" and the like; snprintf()'s result. */
int hn_model_op_str(const struct hn_op *op, char *buf, size_t len);

/*
 * Allocate the arrays of layer @i for the geometry already set in it: its
 * op, or, if op.in_c is 0, a dense layer n_in -> n_out (op filled here).
 * Sets n_in and n_out from the op and mirrors shift and flags into it, so
 * call it once those are set.  Returns 0 or -1 (no memory, or an op whose
 * lengths do not fit the model: hn_model_check() says why).
 */
int hn_model_alloc_layer(struct hn_model *m, unsigned int i);

/* Layer @l's op as a dense n_in -> n_out layer, with its shift and flags. */
void hn_model_layer_dense(struct hn_model_layer *l);

/* ROUTE model <-> the data plane's struct hn_rt_model. */
int hn_model_to_rt(const struct hn_model *m, struct hn_rt_model *rt, char *err,
		   size_t errlen);
int hn_model_from_rt(const struct hn_rt_model *rt, uint64_t generation,
		     struct hn_model *m, char *err, size_t errlen);

/*
 * Reference inference with engine.h (hn_op_run() layer by layer),
 * bit-identical to the data plane and the kernel module.  @in has
 * layers[0].n_in elements.  @out (may be NULL) gets the int8 outputs of
 * the last layer, unless it is HN_LF_RAW.  @logits (may be NULL) gets the
 * last layer's int32 accumulators (bias + W x, before the shift) if that
 * layer is dense: the score of a ROUTE model; otherwise it is untouched.
 */
void hn_model_infer(const struct hn_model *m, const int8_t *in, int8_t *out,
		    int32_t *logits);

/* Input and output element counts. */
static inline unsigned int hn_model_n_in(const struct hn_model *m)
{
	return m->n_layers ? m->layers[0].n_in : 0;
}

static inline unsigned int hn_model_n_out(const struct hn_model *m)
{
	return m->n_layers ? m->layers[m->n_layers - 1].n_out : 0;
}

#endif /* _HYPERNET_MODEL_H */
