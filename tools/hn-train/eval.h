/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hn-train eval: every routing policy of a table on a suite of scenarios
 * (topology, seed, traffic, load, failure), figures split by what the
 * model was trained on (eval.c runs them, eval_out.c writes them).
 */
#ifndef _HN_TRAIN_EVAL_H
#define _HN_TRAIN_EVAL_H

#include "hn-train.h"

int hn_eval_main(int argc, char **argv);

#define EV_MAX_TOPOS 64
#define EV_SPEC_LEN 64 /* "rgg:48,full,drift=500,true-costs" */
#define EV_MAX_LOADS 16
#define EV_MAX_POL 8
#define EV_MAX_TRAFFIC 3
#define EV_SPLITS 2 /* 0: trained on, 1: held out */
#define EV_HIST 1700 /* delivery times in bins 1 % wide, 1 us to 20 s */
#define EV_LAB_NLOADS 4
#define EV_LAB_SEEDS 3
#define EV_TIE 0.01 /* per scenario: within 1 % of the baseline is a tie */

/* A row of the policy table: a way of routing, run on every scenario. */
struct ev_pol {
	const char *name;
	enum hn_sim_policy sim;
	int model; /* routes with the model under test */
	const char *what;
};

struct ev_topo {
	char spec[EV_SPEC_LEN];
	__u64 seed;
	int fail_node; /* -1: no failure scenario */
	enum hn_tr_split split;
	unsigned int nodes, links;
};

/* Summed over the runs of one policy in a set of scenarios. */
struct ev_cell {
	__u64 sent, delivered, lost, fallback, hops, decisions, moves;
	double sum_us; /* delivery times of the delivered frames */
	double cost_us; /* the same plus each lost frame's timeout */
	__u64 scn; /* scenarios */
	/* per scenario against the baseline by the figure of merit */
	__u32 wins, ties, losses;
	double log_ratio; /* sum of ln(figure / baseline's figure) */
	__u32 *hist; /* [EV_HIST], NULL in per-topology cells */
};

/* One scenario: a topology, traffic, load and seed, or its failure run. */
struct ev_scn {
	unsigned int topo, row; /* row: load index, n_loads: failure */
	enum hn_sim_traffic traffic;
	double load;
	__u64 seed;
	double timeout_us; /* what a lost frame costs in it */
	double bound_us; /* < 0: no bound */
	double lambda_max;
};

struct ev_run {
	unsigned int scn, pol;
	struct hn_sim_stats st;
	double sum_us, max_us;
	__u32 *hist;
	int err;
};

/* The lab's grid, pooled over seeds: [variant][load][policy]. */
struct ev_lab {
	double sum_us;
	__u64 sent, delivered;
};

struct eval {
	const struct ev_pol *pol[EV_MAX_POL];
	unsigned int n_pol;
	int base, learned, ett, hops; /* indexes in pol[], or -1 */
	struct ev_topo topo[EV_MAX_TOPOS];
	unsigned int n_topos;
	double loads[EV_MAX_LOADS];
	unsigned int n_loads;
	enum hn_sim_traffic traffic[EV_MAX_TRAFFIC];
	unsigned int n_traffic;
	unsigned int seeds, threads;
	__u32 duration_ms;
	__u32 split_step; /* the data plane's (route.h): agent default */
	double fail_load, timeout_ms;
	int has_fail; /* a failure scenario per topology (with a node) */
	int has_lab, has_bound;
	const struct hn_rt_model *rt;
	const char *model;
	char cmdline[1024];
	double train_s; /* < 0: unknown */
	struct ev_scn *scn;
	unsigned int n_scn;
	struct ev_run *run; /* [n_scn * n_pol] */
	struct ev_cell *cell; /* [EV_SPLITS][n_loads + 1][n_pol] */
	struct ev_cell *tcell; /* [n_topos][n_loads + 1][n_pol] */
	/* the bound pooled like the figures: sum of bound x frames sent */
	double bound_sum[EV_SPLITS][EV_MAX_LOADS];
	__u64 bound_sent[EV_SPLITS][EV_MAX_LOADS];
	unsigned int bound_missing[EV_SPLITS][EV_MAX_LOADS];
	struct ev_lab lab[2][EV_LAB_NLOADS][EV_MAX_POL];
};

/* The target figures; NAN where the run cannot give one. */
struct ev_targets {
	double gain_vs_ett, light_loss_vs_ett, gap_closed;
	double fail_loss_learned, fail_loss_ett;
	double heavy_loss_learned, heavy_loss_ett; /* "with no more loss" */
	/* per scenario at load 1.0 against ETT: 1 - geometric mean ratio */
	double gain_vs_ett_geo;
	__s64 won_vs_ett, lost_vs_ett; /* scenarios; -1: unknown */
	double heavy_gain, light_loss; /* against hop count */
	double heavy_load, light_load, gap_load;
	__u64 fail_lost_learned, fail_lost_hops;
};

extern const double ev_lab_loads[EV_LAB_NLOADS];

static inline struct ev_cell *ev_cell(const struct eval *e, unsigned int split,
				      unsigned int row, unsigned int pol)
{
	return &e->cell[((size_t)split * (e->n_loads + 1) + row) * e->n_pol +
			pol];
}

static inline struct ev_cell *ev_tcell(const struct eval *e, unsigned int t,
				       unsigned int row, unsigned int pol)
{
	return &e->tcell[((size_t)t * (e->n_loads + 1) + row) * e->n_pol + pol];
}

static inline double ev_frac(double a, double b)
{
	return b ? a / b : 0;
}

/* The figure of merit: mean cost of a sent frame, us. */
static inline double ev_fom(const struct ev_cell *c)
{
	return ev_frac(c->cost_us, c->sent);
}

static inline double ev_mean(const struct ev_cell *c)
{
	return ev_frac(c->sum_us, c->delivered);
}

/*
 * The pooled bound of a (split, load), us: NAN if a scenario has none,
 * INFINITY if one has no finite delay (load at or above lambda*).
 */
double ev_bound(const struct eval *e, unsigned int split, unsigned int row);
/* (ETT - @pol) / (ETT - bound) by the figure of merit, or NAN. */
double ev_gap_closed(const struct eval *e, unsigned int split, unsigned int row,
		     unsigned int pol);
double ev_p99(const struct ev_cell *c);
const char *ev_split_name(enum hn_tr_split s);
const char *ev_traffic_name(enum hn_sim_traffic t);

/* eval_out.c */
void ev_print_summary(const struct eval *e, const struct ev_targets *t);
int ev_write_outputs(const struct eval *e, const struct ev_targets *t,
		     const char *json, const char *report, const char *plot);

#endif
