/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hn-fmnist: trains, exports and evaluates the split Fashion-MNIST model
 * (encoder stage at the edge, head stage(s) in the kernel module).
 * Documentation/split-inference.rst.
 */
#ifndef _HN_FMNIST_H
#define _HN_FMNIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "model.h"
#include "quant.h"

#define FM_SIDE 28
#define FM_PIX (FM_SIDE * FM_SIDE)
#define FM_CLASSES 10
#define FM_LAYERS 4 /* encoder 2, head 2 */
#define FM_ENC_LAYERS 2
#define FM_DATA_DIR "/usr/share/datasets/fashion-mnist"

/* Stage ids the module serves the parts with. */
#define FM_STAGE_ENCODER 1
#define FM_STAGE_HEAD 2 /* the one-part head, and the head's first half */
#define FM_STAGE_HEAD_B 3

/*
 * Pixel scaling: byte p (0..255) becomes the int8 input p >> 1 (0..127),
 * which stands for (p >> 1) * 2^-7, i.e. [0, 1).
 */
#define FM_IN_EXP (-7)
static inline int8_t fm_pixel(uint8_t p)
{
	return p >> 1;
}

/* data.c */
struct fm_set {
	size_t n;
	uint8_t *pix; /* n x FM_PIX bytes */
	uint8_t *label; /* n labels 0..9 */
};

int fm_load(const char *dir, const char *prefix, struct fm_set *s, char *err,
	    size_t errlen);
void fm_free(struct fm_set *s);
/* Does @dir hold the four data set files? */
int fm_have_data(const char *dir);

/* splitmix64: one seeded generator for everything random. */
static inline uint64_t fm_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* An image's pixels as the float model's input values. */
void fm_pixels(const uint8_t *pix, double *x);
/* A random shift by up to @max pixels each way (zeros fill in). */
void fm_augment(const uint8_t *src, uint8_t *dst, uint64_t *rng, int max);

/* mlp.c: the float network, trained with (optional) fake quantisation */
struct fm_layer {
	unsigned int n_in, n_out;
	int relu;
	/* All matrices are stored transposed: n_in rows of n_out. */
	float *w, *b; /* master weights */
	float *wq, *bq; /* what the forward pass uses */
	float *gw, *gb; /* gradients */
	float *mw, *vw, *mb, *vb; /* Adam moments */
	int w_exp, out_exp; /* scales of the quantised layer */
	int cal_exp; /* output scale the calibration asked for */
};

struct fm_net {
	unsigned int n_layers;
	struct fm_layer l[FM_LAYERS];
	int qat; /* forward like the engine: int8 grid everywhere */
	double calib_q; /* quantile of the per-image maxima per scale */
	unsigned long step; /* Adam steps taken */
};

struct fm_train_opts {
	unsigned int hidden, bottleneck, head_hidden;
	unsigned int epochs, qat_epochs, batch;
	double lr, qat_lr, wd;
	int shift; /* augmentation: max shift in pixels */
	double calib_q; /* activation scales: quantile of per-image maxima */
	uint64_t seed;
};

int fm_net_init(struct fm_net *net, const struct fm_train_opts *o);
void fm_net_free(struct fm_net *net);
/* One epoch over @s; returns the mean training loss. */
double fm_train_epoch(struct fm_net *net, const struct fm_set *s,
		      const struct fm_train_opts *o, double lr, uint64_t *rng);
/*
 * @steps minibatches of @o->batch (fewer when the shard is smaller) drawn
 * from the items @ids of @s, each pass over them in a new shuffled order;
 * the mean training loss per image.
 */
double fm_train_steps(struct fm_net *net, const struct fm_set *s,
		      const size_t *ids, size_t n_ids,
		      const struct fm_train_opts *o, double lr,
		      unsigned int steps, uint64_t *rng);
/* Mean cross-entropy over the items @ids of @s, forward only. */
double fm_net_loss(struct fm_net *net, const struct fm_set *s,
		   const size_t *ids, size_t n_ids);
/* The master weights as one vector: per layer its weights, then biases. */
size_t fm_net_dim(const struct fm_net *net);
void fm_net_get(const struct fm_net *net, float *v);
void fm_net_set(struct fm_net *net, const float *v); /* and refreshes */
/* Zero the optimiser's moments, gradients and step count. */
void fm_net_reset_opt(struct fm_net *net);
/* @src's weights, scales and mode into @dst, a net of the same shape. */
void fm_net_copy_model(struct fm_net *dst, const struct fm_net *src);
/* Accuracy of the network as it stands (QAT or float) on @s. */
double fm_net_accuracy(struct fm_net *net, const struct fm_set *s);
/* The class of the FM_CLASSES scores @z: the highest, ties to the first. */
unsigned int fm_argmax(const float *z);
/*
 * Switch to QAT (weights on their int8 grids, activation scales from the
 * float activations over @calib); returns how many layer scales changed.
 */
int fm_net_calibrate(struct fm_net *net, const struct fm_set *calib);
/* Recompute the forward weights (and grids) from the master weights. */
void fm_net_refresh(struct fm_net *net);
/* The quant.c rule: smallest e with round(absmax / 2^e) <= 127. */
int fm_exp_for(double absmax);

/*
 * calib.c.  @mx: @n samples' largest |activation| in each of @L layers
 * (n rows of L).  fm_quantile_exps(): per layer, the scale that holds
 * the @q-quantile of the maxima.  fm_pick_samples(): per layer one
 * sample (@ids) whose maximum lands in that layer's range at @exp while
 * none of its layers exceeds its range, so that max-abs calibration over
 * them gives @exp; lowers an @exp nothing reaches.  0 or -1.
 */
void fm_quantile_exps(const double *mx, size_t n, unsigned int L, double q,
		      int *exp);
int fm_pick_samples(const double *mx, size_t n, unsigned int L, int *exp,
		    size_t *ids);

/* export.c: the net as float text models, calibration files and .hnm */
struct fm_part {
	const char *name; /* file stem: fmnist-encoder, ... */
	unsigned int stage;
	unsigned int first, last; /* layers of the net, inclusive */
	const char *txt; /* text model suffix: "txt", or "txt.gz" (large) */
};

extern const struct fm_part fm_parts[4];

int fm_export(const struct fm_net *net, const struct fm_set *calib,
	      const char *txt_dir, const char *hnm_dir, char *err,
	      size_t errlen);
/*
 * fm_export() of the parts @parts only (bits of fm_parts[]: an install
 * needs the encoder and/or the one-part head, not the split head), and
 * with @txt_dir NULL no text or calibration files: the same text and
 * calibration vectors quantised from memory, so each .hnm in @hnm_dir is
 * byte for byte what fm_export() writes for the same net and @calib.
 */
#define FM_PART_ENC 1u
#define FM_PART_HEAD 2u
#define FM_PART_ALL 15u
int fm_export_parts(const struct fm_net *net, const struct fm_set *calib,
		    const char *txt_dir, const char *hnm_dir,
		    unsigned int parts, char *err, size_t errlen);
int fm_quantize_part(const char *txt_dir, const struct fm_part *p,
		     struct hn_model *m, char *err, size_t errlen);
/* The float text model of @p in @dir, plain or gzip'ed. */
int fm_read_text(const char *dir, const struct fm_part *p, struct hn_fmodel *fm,
		 char *err, size_t errlen);

/* eval.c: the split pipeline on the test set */
struct fm_eval {
	size_t n, ok_fixed, ok_float, split_mismatch;
	unsigned int payload;
	int have_float;
	unsigned int confusion[FM_CLASSES][FM_CLASSES]; /* [true][fixed] */
	unsigned int confusion_float[FM_CLASSES][FM_CLASSES];
};

struct fm_models {
	struct hn_model enc, head, head_a, head_b;
	struct hn_fmodel fenc, fhead; /* NULL layers: no float models */
	int have_float;
};

int fm_models_load(const char *hnm_dir, const char *txt_dir,
		   struct fm_models *ms, char *err, size_t errlen);
void fm_models_free(struct fm_models *ms);
/* Class of one image through the fixed-point split pipeline. */
int fm_classify(const struct fm_models *ms, const uint8_t *pix, int8_t *bott,
		int8_t *logits);
void fm_evaluate(const struct fm_models *ms, const struct fm_set *s,
		 size_t limit, struct fm_eval *ev);
void fm_eval_json(const struct fm_eval *ev, FILE *f);
const char *fm_class_name(unsigned int c);

/*
 * fed.c: federated averaging (Documentation/federated.rst, "Learning").
 * One node's round: @work takes @global's model, Adam starts afresh and
 * runs @steps minibatches over the node's items @ids of @s at @lr; the
 * update @u (fm_net_dim() + 1 floats) is then
 *
 *	u = weight * clip(w_local - w_global, clip),  u[dim] = weight
 *
 * clip as hn_sa_fxp_encode() clips, @weight the node's share of the
 * average (FedAvg: its item count over a campaign-wide cap, <= 1), carried
 * in the last coordinate so that the sum of updates divides by the sum of
 * the weights of the nodes that took part.  ||u|| <= weight *
 * sqrt(clip^2 + 1).  Mean training loss and the delta's norm before
 * clipping into @loss and @norm (either may be NULL).  0 or -1.
 */
struct fm_local_opts {
	unsigned int steps;
	double lr, clip, weight;
};

int fm_local_update(const struct fm_net *global, struct fm_net *work,
		    const struct fm_set *s, const size_t *ids, size_t n_ids,
		    const struct fm_train_opts *o,
		    const struct fm_local_opts *lo, uint64_t *rng, float *u,
		    double *loss, double *norm);
/*
 * Quantisation-aware rounds, the rule of fed and node: round @round
 * (from 0) of @rounds is one of the last @qat, and before it the global
 * model is calibrated on @calib (fm_net_calibrate()), so that the nodes
 * train from it with the engine's int8 forward pass (fm_local_update()
 * copies the mode) and the gate measures that forward.  1 (a QAT
 * round), 0 (a float one), -1 (calibration failed).
 */
int fm_fed_qat(struct fm_net *global, unsigned int round, unsigned int rounds,
	       unsigned int qat, const struct fm_set *calib);
/* The sum of updates (fm_net_dim() + 1 floats) applied: w += sum / weight. */
int fm_fed_apply(struct fm_net *global, const float *sum);
/*
 * A poisoned node's encoded input (Documentation/federated.rst, "Poisoned
 * nodes"): coordinates 0..d-1 of @u times @factor (-1 flips, 10 boosts),
 * the weight u[d] as is, each times @scale rounded to the nearest integer
 * and held within the encoding's bound M = hn_sa_fxp_max_abs(@clip,
 * @scale), so that n such words sum without wrapping as honest ones do.
 * No L2 clip: the protocol cannot enforce one.
 */
void fm_poison_encode(const float *u, size_t d, double factor, double clip,
		      double scale, uint32_t *q);
/*
 * Hold @n items of @s out (a validation set): the items picked by @seed
 * go to @val and the others to @rest, both in their order in @s, fresh
 * copies.  0, or -1 (n > s->n, out of memory).
 */
int fm_holdout(const struct fm_set *s, size_t n, uint64_t seed,
	       struct fm_set *val, struct fm_set *rest);
/*
 * The campaign's validation set, one rule for fed, fed-init, partition
 * and node (Documentation/federated.rst, "Learning"): @n of the training
 * images @train, drawn by the partition seed @seed (salted), moved to
 * @val; @train keeps the others in their order, so every shard cut from
 * it excludes them.  0, or -1 (n > train->n, out of memory).
 */
#define FM_VALSET_SALT 0x56414c53ULL /* "VALS" */
int fm_valset_take(struct fm_set *train, size_t n, uint64_t seed,
		   struct fm_set *val);
/* hn-fmnist partition and hn-fmnist fed (fedcmd.c) */
int fm_cmd_partition(int argc, char **argv);
int fm_cmd_fed(int argc, char **argv);
/* hn-fmnist fed-init and hn-fmnist node (node.c) */
int fm_cmd_fed_init(int argc, char **argv);
int fm_cmd_node(int argc, char **argv);

#endif /* _HN_FMNIST_H */
