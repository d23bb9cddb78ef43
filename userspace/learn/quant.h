/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Float models (the text format of Documentation/model-format.rst), their
 * float reference inference, and the quantiser that turns them into .hnm
 * models with power-of-two requantisation only.
 */
#ifndef _HYPERNET_QUANT_H
#define _HYPERNET_QUANT_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"

/* Default calibration: this many fixed-seed samples over the input range. */
#define HN_CALIB_DEFAULT_N 1024
#define HN_CALIB_MAX_N 100000

/*
 * @op gives the geometry (its shift is unused); @n_in and @n_out are the
 * flattened lengths, as in struct hn_model_layer.
 */
struct hn_fmodel_layer {
	struct hn_op op;
	unsigned int n_in, n_out;
	int relu;
	double *w; /* hn_op_n_weights(): dense n_out rows of n_in */
	double *b; /* hn_op_n_biases() */
};

struct hn_fmodel {
	unsigned int kind; /* enum hn_model_kind */
	unsigned int stage;
	double in_scale; /* float value of one input step, 2^k */
	double in_lo, in_hi; /* input range for default calibration */
	unsigned int n_layers;
	struct hn_fmodel_layer layers[HN_MODEL_MAX_LAYERS];
};

/* Parse the text format; errors name the line and what was expected. */
int hn_fmodel_parse(const char *text, size_t len, struct hn_fmodel *fm,
		    char *err, size_t errlen);
int hn_fmodel_read_file(const char *path, struct hn_fmodel *fm, char *err,
			size_t errlen);
void hn_fmodel_free(struct hn_fmodel *fm);

/* Float reference: @out gets the last layer's n_out values. */
void hn_fmodel_infer(const struct hn_fmodel *fm, const double *in, double *out);

/*
 * Calibration samples: text, one sample of @n_in numbers per line, '#'
 * comments.  *samples is malloc()ed, *n_samples rows of @n_in.
 */
int hn_calib_read_file(const char *path, unsigned int n_in, double **samples,
		       size_t *n_samples, char *err, size_t errlen);

/* The documented default calibration set: reproducible, fixed seed. */
int hn_calib_default(const struct hn_fmodel *fm, double **samples,
		     size_t *n_samples);

struct hn_quant_opts {
	const double *calib; /* NULL: hn_calib_default() */
	size_t n_calib;
	uint64_t generation;
	uint64_t expiry;
};

/* Quantised vs float outputs over the calibration samples. */
struct hn_quant_report {
	size_t n_samples;
	unsigned int n_out;
	int calibrated; /* 1: user samples, 0: default set */
	double out_lsb; /* float value of one output step */
	double max_err, mean_err; /* float units */
	double max_err_lsb, mean_err_lsb; /* output steps */
	double out_absmax; /* largest |float output| seen */
};

int hn_quantize(const struct hn_fmodel *fm, const struct hn_quant_opts *o,
		struct hn_model *m, struct hn_quant_report *rep, char *err,
		size_t errlen);

/*
 * Measure @m against @fm on @n samples (float inputs, quantised with
 * m->in_exp; the float model sees the dequantised input, so that only
 * the model's own quantisation error is counted).
 */
void hn_quant_measure(const struct hn_fmodel *fm, const struct hn_model *m,
		      const double *samples, size_t n,
		      struct hn_quant_report *rep);

/* Nearest int8 for @x at scale 2^@exp (round half away, saturate). */
int8_t hn_quant_s8(double x, int exp);

#endif /* _HYPERNET_QUANT_H */
