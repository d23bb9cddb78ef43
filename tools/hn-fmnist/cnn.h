/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Fashion-MNIST CNN of split inference v2 (issue 16): a layer stack of
 * engine operations (struct hn_op: 2-D convolution, max pooling, dense)
 * cut into stages, trained in float and then quantisation-aware with the
 * engine's arithmetic.  Documentation/split-inference.rst.
 */
#ifndef _HN_FMNIST_CNN_H
#define _HN_FMNIST_CNN_H

#include <stddef.h>
#include <stdint.h>
#include <hypernet/engine.h>

#include "fmnist.h"

#define FM_CNN_LAYERS 9
#define FM_CNN_STAGES 3

/* Stage ids of the CNN's parts: apart from the MLP's 1-3. */
#define FM_CNN_STAGE_ID0 4

struct fm_cnn_layer {
	struct hn_op op; /* geometry; shift and relu of the int8 layer */
	unsigned int n_in, n_out, n_w, n_b;
	/* Weights in the engine's order: conv [o][c][ky][kx], dense [o][i]. */
	float *w, *b; /* master weights */
	float *wq, *bq; /* what the forward pass uses */
	float *gw, *gb; /* gradients */
	float *mw, *vw, *mb, *vb; /* Adam moments */
	int w_exp, out_exp; /* scales of the quantised layer */
	int cal_exp; /* output scale the calibration asked for */
};

struct fm_cnn {
	unsigned int n_layers, n_stages;
	/* stage s is layers first[s] .. first[s + 1] - 1 */
	unsigned int first[FM_CNN_STAGES + 1];
	struct fm_cnn_layer l[FM_CNN_LAYERS];
	int qat; /* forward like the engine */
	double calib_q;
	unsigned long step;
};

struct fm_cnn_opts {
	unsigned int c1, squeeze, c2, c3, bottleneck, head_hidden;
	unsigned int epochs, qat_epochs, batch;
	double lr, qat_lr, wd, calib_q;
	unsigned int shift; /* augmentation: max shift in pixels */
	unsigned int flip; /* augmentation: random left-right mirror */
	uint64_t seed;
};

/*
 * A net from a layer list: @ops (n of them, shift and relu as wanted),
 * stages starting at layers @first[0] = 0 < first[1] < ... (n_stages of
 * them).  Initialised from @seed.  0 or -1.
 */
int fm_cnn_init_ops(struct fm_cnn *net, const struct hn_op *ops, unsigned int n,
		    const unsigned int *first, unsigned int n_stages,
		    uint64_t seed);
/* The shipped architecture (fm_cnn_arch()) from @o. */
int fm_cnn_init(struct fm_cnn *net, const struct fm_cnn_opts *o);
unsigned int fm_cnn_arch(const struct fm_cnn_opts *o, struct hn_op *ops,
			 unsigned int *first, unsigned int *n_stages);
void fm_cnn_free(struct fm_cnn *net);
void fm_cnn_refresh(struct fm_cnn *net);

/*
 * One image's forward and backward pass, for the trainer and the tests:
 * @x the input (n_in of layer 0), @label the class; gradients add to
 * gw, gb, scaled by @scale.  The loss.  fm_cnn_forward() leaves the
 * output in @out (n_out of the last layer).
 */
struct fm_cnn_work;
struct fm_cnn_work *fm_cnn_work_new(const struct fm_cnn *net);
void fm_cnn_work_free(struct fm_cnn_work *w);
double fm_cnn_sample(struct fm_cnn *net, struct fm_cnn_work *w, const float *x,
		     unsigned int label, float scale);
/* Forward through layers [from, to): the output of layer to - 1. */
const float *fm_cnn_forward(const struct fm_cnn *net, struct fm_cnn_work *w,
			    const float *x, unsigned int from, unsigned int to,
			    int qat);
/* The input gradient of the last fm_cnn_sample() (n_in of layer 0). */
const float *fm_cnn_input_grad(const struct fm_cnn_work *w);

double fm_cnn_train_epoch(struct fm_cnn *net, const struct fm_set *s,
			  const struct fm_cnn_opts *o, double lr,
			  uint64_t *rng);
/* Accuracy with the net's own forward pass (float or QAT). */
double fm_cnn_accuracy(struct fm_cnn *net, const struct fm_set *s);
/* Activation scales from @calib (QAT on); how many changed, or -1. */
int fm_cnn_calibrate(struct fm_cnn *net, const struct fm_set *calib);
/*
 * @mx: per image, each layer's largest |float activation| (n rows of
 * n_layers).  Stage @st's scales into @exp (by layer): quantiles
 * (net->calib_q) that one sample per scaled layer reproduces, those
 * samples into @ids (in layer order).  0 or -1.
 */
int fm_cnn_stage_scales(const struct fm_cnn *net, unsigned int st,
			const double *mx, size_t n, int *exp, size_t *ids);
int fm_cnn_layer_maxima(struct fm_cnn *net, const struct fm_set *s, double *mx);

/* The net as the engine runs it: int8 weights, int32 biases, shifts. */
struct fm_cnn_q {
	unsigned int n_layers, n_stages;
	unsigned int first[FM_CNN_STAGES + 1];
	struct hn_op op[FM_CNN_LAYERS];
	int8_t *w[FM_CNN_LAYERS];
	int32_t *b[FM_CNN_LAYERS];
	int in_exp;
};

int fm_cnn_quantize(const struct fm_cnn *net, struct fm_cnn_q *q);
void fm_cnn_q_free(struct fm_cnn_q *q);
/* One image through the int8 stages with hn_op_run(); the class. */
unsigned int fm_cnn_q_classify(const struct fm_cnn_q *q, const uint8_t *pix);
double fm_cnn_q_accuracy(const struct fm_cnn_q *q, const struct fm_set *s,
			 size_t limit);
/* Bytes out of stage @s (what crosses the wire at the cut after it). */
unsigned int fm_cnn_stage_out(const struct hn_op *op, const unsigned int *first,
			      unsigned int s);
uint64_t fm_cnn_stage_macs(const struct hn_op *op, const unsigned int *first,
			   unsigned int s);

/* What training measured, recorded in the text models' comments. */
#define FM_CNN_TEST_SUBSET 1000
struct fm_cnn_result {
	double acc_fixed, acc_float, acc_qat, acc_fixed_1k, seconds;
	unsigned int n_stages;
	uint64_t macs[FM_CNN_STAGES];
	unsigned int out_bytes[FM_CNN_STAGES];
};

/* cnnexport.c: float text models and calibration samples per stage */
extern const char *const fm_cnn_part[FM_CNN_STAGES];
int fm_cnn_export(struct fm_cnn *net, const struct fm_set *calib,
		  const struct fm_cnn_result *r, const char *dir, char *err,
		  size_t errlen);
/* Does stage @st's text ship gzip'ed (.txt.gz, not .txt)? */
int fm_cnn_gzipped(unsigned int st);
/* cnncmd.c, cnneval.c */
int fm_cmd_train_cnn(int argc, char **argv);
int fm_cmd_eval_cnn(int argc, char **argv);
/* The class of one image through @n .hnm stages (hn_model_infer()). */
unsigned int fm_cnn_classify_hnm(const struct hn_model *m, unsigned int n,
				 const uint8_t *pix);

#endif /* _HN_FMNIST_CNN_H */
