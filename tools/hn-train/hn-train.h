/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hn-train: trains the routing model in the mesh simulator (sim.h) and
 * evaluates it against the baselines.  Documentation/learned-routing.rst.
 */
#ifndef _HN_TRAIN_H
#define _HN_TRAIN_H

#include <stdio.h>
#include <time.h>
#include <hypernet/route.h>
#include "model.h"
#include "quant.h"
#include "sim.h"

/* The float model: the text format's two layers, x = feature / 128. */
struct hn_tr_params {
	double w1[HN_RT_HIDDEN][HN_RT_NFEAT];
	double b1[HN_RT_HIDDEN];
	double w2[HN_RT_HIDDEN];
	double b2;
};

#define HN_TR_NPARAM (sizeof(struct hn_tr_params) / sizeof(double))

/* params.c: the float model, its text and its quantised form */
void hn_tr_prior(struct hn_tr_params *p);
int hn_tr_write_text(const struct hn_tr_params *p, FILE *f,
		     const char *comment);
int hn_tr_from_fmodel(const struct hn_fmodel *fm, struct hn_tr_params *p,
		      char *err, size_t errlen);
/* The reverse: @p as text, parsed back (what `make models` reads). */
int hn_tr_fmodel(const struct hn_tr_params *p, struct hn_fmodel *fm, char *err,
		 size_t errlen);
/* A float text model file as parameters. */
int hn_tr_read_text(const char *path, struct hn_tr_params *p, char *err,
		    size_t errlen);
/*
 * What `make models` makes of @p: its text parsed, quantised with the
 * default calibration.  @m (may be NULL) gets the .hnm model.
 */
int hn_tr_quantize(const struct hn_tr_params *p, struct hn_rt_model *rt,
		   struct hn_model *m, char *err, size_t errlen);
/* A model file (.txt float text, or .hnm) as the data plane's model. */
int hn_tr_load_rt(const char *path, struct hn_rt_model *rt, char *err,
		  size_t errlen);
/* Float score of @x: the text model's own inference. */
double hn_tr_float_score(const struct hn_tr_params *p,
			 const __u8 x[HN_RT_NFEAT]);
/* The float model's pick among @n vectors (ties: lowest); *@best its score. */
int hn_tr_float_argmax(const struct hn_tr_params *p, unsigned int n,
		       const __u8 x[][HN_RT_NFEAT], double *best);

/* train.c: scenarios and evolution strategies */
struct hn_tr_scn {
	const char *topo;
	__u64 topo_seed;
	double load;
	enum hn_sim_traffic traffic;
	int fail_node; /* -1: none */
	__u32 duration_ms, warmup_ms, fail_ms;
	__u64 seed;
	/* hn_sim_cfg.split_step: 0 (training) moves at once */
	__u32 split_step;
};

/*
 * A training scenario of @duration_ms drawn from the generator state @r:
 * what a generation trains on and validation measures (tests draw theirs
 * the same way).
 */
void hn_tr_draw_scn(__u64 *r, __u32 duration_ms, struct hn_tr_scn *s);
/*
 * What training saw of the topology @spec ("rgg:24", options after a
 * comma ignored): that very family
 * and size (at other topology seeds: training draws seeds 1000 and up,
 * the evaluation's defaults are below), the family at other sizes only,
 * or nothing of the family.  Held-out figures leave the first out.
 */
enum hn_tr_split {
	HN_TR_TRAINED,
	HN_TR_NEW_SIZE,
	HN_TR_NEW_FAMILY,
};

enum hn_tr_split hn_tr_topo_split(const char *spec);
/* A uniform draw in [0, 1) from the generator state @s. */
double hn_tr_unit(__u64 *s);

/* One simulation of @scn under @policy (@rt for HN_SIM_MODEL). */
int hn_tr_run(const struct hn_tr_scn *scn, enum hn_sim_policy policy,
	      const struct hn_rt_model *rt, struct hn_sim_stats *st);
/* The same, and a malloc()ed copy of the measured delivery times (us). */
int hn_tr_run_delays(const struct hn_tr_scn *scn, enum hn_sim_policy policy,
		     const struct hn_rt_model *rt, struct hn_sim_stats *st,
		     __u32 **delays, size_t *n_delays);

struct hn_tr_opts {
	__u64 seed;
	unsigned int generations;
	unsigned int pairs; /* antithetic pairs per generation */
	unsigned int scenarios; /* per generation */
	unsigned int threads;
	double sigma, lr;
	__u32 duration_ms;
	unsigned int val_scenarios; /* 0: keep the last model */
	/* cost of a lost frame, in units of the mean delivery time */
	double loss_weight;
	/* cost of moving every decision to another neighbour */
	double move_weight;
	/*
	 * hn_sim_cfg.split_step of every scenario, training and validation:
	 * 0 moves a pick at once; HN_RT_SPLIT_STEP is what the agent runs.
	 */
	__u32 split_step;
	FILE *log; /* progress, may be NULL */
};

void hn_tr_opts_defaults(struct hn_tr_opts *o);
/* Train from @p (usually hn_tr_prior()); @p gets the result. */
int hn_tr_train(const struct hn_tr_opts *o, struct hn_tr_params *p);
/* Mean cost (relative delivery time plus loss) over @n scenarios. */
double hn_tr_cost(const struct hn_rt_model *rt, const struct hn_tr_scn *scn,
		  unsigned int n, unsigned int threads);

/* Run @fn(i, ctx) for i in [0, n) on @threads threads. */
void hn_tr_parallel(unsigned int n, unsigned int threads,
		    void (*fn)(unsigned int i, void *ctx), void *ctx);

/* Monotonic seconds, for progress and timing lines. */
static inline double hn_tr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* bound_cmd.c: `hn-train bound` */
int hn_bound_main(int argc, char **argv);

#endif /* _HN_TRAIN_H */
