// SPDX-License-Identifier: GPL-2.0
/*
 * Training: evolution strategies on the simulated delivery time.
 *
 * Every candidate model is quantised as `make models` would and run in
 * the simulator with the data plane's decision semantics (cache, epoch,
 * fallbacks), so what is optimised is the end-to-end effect of the int8
 * model, herding and stale features included.  Each generation draws a
 * few scenarios (topology, load, traffic, sometimes a failure) and
 * scores antithetic perturbations of the weights on the same scenarios
 * and seeds (common random numbers); ranks, not raw costs, move the
 * weights, through Adam.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hn-train.h"

#define VAL_MAX 32 /* validation scenarios */
#define VAL_EVERY 20 /* generations between validations */
#define SANITY_PAIRS 384 /* feature-vector pairs of sanity() */
#define SANITY_WEIGHT 2.0 /* cost of getting all of them wrong */

int hn_tr_run(const struct hn_tr_scn *scn, enum hn_sim_policy policy,
	      const struct hn_rt_model *rt, struct hn_sim_stats *st)
{
	return hn_tr_run_delays(scn, policy, rt, st, NULL, NULL);
}

int hn_tr_run_delays(const struct hn_tr_scn *scn, enum hn_sim_policy policy,
		     const struct hn_rt_model *rt, struct hn_sim_stats *st,
		     __u32 **delays, size_t *n_delays)
{
	struct hn_sim_topo *t = malloc(sizeof(*t));
	struct hn_sim_cfg c;
	struct hn_sim *s;
	char err[128];

	if (!t ||
	    hn_sim_topo_make(t, scn->topo, scn->topo_seed, err, sizeof(err))) {
		free(t);
		return -1;
	}
	hn_sim_cfg_defaults(&c);
	c.seed = scn->seed;
	c.load = scn->load;
	c.traffic = scn->traffic;
	c.fail_node = scn->fail_node;
	c.fail_ms = scn->fail_ms;
	c.duration_ms = scn->duration_ms;
	c.warmup_ms = scn->warmup_ms;
	c.split_step = scn->split_step;
	c.policy = policy;
	c.model = rt;
	s = hn_sim_new(t, &c);
	if (!s) {
		free(t);
		return -1;
	}
	hn_sim_run(s);
	if (delays) {
		const __u32 *d;

		*n_delays = hn_sim_delays(s, &d);
		*delays = malloc(*n_delays * sizeof(*d) + 1);
		if (*delays)
			memcpy(*delays, d, *n_delays * sizeof(*d));
		else
			*n_delays = 0;
	}
	hn_sim_get_stats(s, st);
	hn_sim_free(s);
	free(t);
	return 0;
}

/* ---- a small thread pool ------------------------------------------------ */

struct par {
	unsigned int n, next;
	pthread_mutex_t lock;
	void (*fn)(unsigned int i, void *ctx);
	void *ctx;
};

static void *par_worker(void *arg)
{
	struct par *p = arg;

	for (;;) {
		unsigned int i;

		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		p->fn(i, p->ctx);
	}
}

void hn_tr_parallel(unsigned int n, unsigned int threads,
		    void (*fn)(unsigned int i, void *ctx), void *ctx)
{
	struct par p = { .n = n, .fn = fn, .ctx = ctx };
	pthread_t tid[64];
	unsigned int k, started = 0;

	pthread_mutex_init(&p.lock, NULL);
	if (threads > 64)
		threads = 64;
	for (k = 1; k < threads; k++)
		if (!pthread_create(&tid[started], NULL, par_worker, &p))
			started++;
	par_worker(&p);
	for (k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	pthread_mutex_destroy(&p.lock);
}

/* ---- cost --------------------------------------------------------------- */

struct cost_job {
	const struct hn_tr_opts *o;
	const struct hn_rt_model *rt; /* [n_models] */
	unsigned int n_models;
	const struct hn_tr_scn *scn; /* [n_scn] */
	unsigned int n_scn;
	const double *ref_us; /* [n_scn]: ETT's figure of merit */
	const double *timeout_us; /* [n_scn]: a lost frame's price */
	double *cost; /* [n_models * n_scn] */
};

/*
 * What a lost frame costs in the figure of merit, us, as hn-train eval
 * prices it: the larger of its --loss-timeout-ms default and the slowest
 * delivery in the scenario (here ETT's), so that dropping a frame never
 * beats delivering it late.
 */
#define LOSS_TIMEOUT_US 100000.0

/* Mean time per frame sent, a lost frame counted as @timeout_us. */
static double scn_fom(const struct hn_sim_stats *st, double timeout_us)
{
	if (!st->m_sent)
		return 0;
	return (st->mean_us * st->m_delivered +
		timeout_us * (double)(st->m_sent - st->m_delivered)) /
	       st->m_sent;
}

/*
 * The figure of merit relative to ETT's on the same scenario and seeds,
 * plus (loss_weight) an extra price on lost frames, plus moves: decisions
 * that sent a (destination, class) to another neighbour than the last
 * time.  All frames of it move at once and the features see the result
 * only 0.5-1 s later, so a policy that moves often floods links in
 * herds; on the real mesh that was the flapping between detours.
 */
static double scn_cost(const struct hn_tr_opts *o,
		       const struct hn_sim_stats *st, double ref_us,
		       double timeout_us)
{
	double lost = st->m_sent ? (double)st->m_lost / st->m_sent : 1;
	double moves = st->m_decisions ? (double)st->m_moves / st->m_decisions :
					 0;

	if (!st->m_delivered)
		return timeout_us / ref_us + o->loss_weight + o->move_weight;
	return scn_fom(st, timeout_us) / ref_us + o->loss_weight * lost +
	       o->move_weight * moves;
}

static void cost_one(unsigned int i, void *ctx)
{
	struct cost_job *j = ctx;
	unsigned int m = i / j->n_scn, k = i % j->n_scn;
	struct hn_sim_stats st;

	if (hn_tr_run(&j->scn[k], HN_SIM_MODEL, &j->rt[m], &st))
		j->cost[i] = 1e9;
	else
		j->cost[i] =
			scn_cost(j->o, &st, j->ref_us[k], j->timeout_us[k]);
}

static void ref_one(unsigned int i, void *ctx)
{
	struct cost_job *j = ctx;
	double *ref = (double *)j->ref_us, *tmo = (double *)j->timeout_us;
	struct hn_sim_stats st;
	__u32 *d = NULL, worst = 0;
	size_t n = 0, k;

	tmo[i] = LOSS_TIMEOUT_US;
	if (hn_tr_run_delays(&j->scn[i], HN_SIM_ETT, NULL, &st, &d, &n) ||
	    !st.m_sent) {
		ref[i] = LOSS_TIMEOUT_US;
		free(d);
		return;
	}
	for (k = 0; k < n; k++)
		worst = d[k] > worst ? d[k] : worst;
	free(d);
	if (worst > tmo[i])
		tmo[i] = worst;
	ref[i] = scn_fom(&st, tmo[i]);
}

static double sanity(const struct hn_rt_model *rt);

/*
 * Costs of @n_models models on every scenario, relative to ETT,
 * plus their insanity.
 */
static void costs(const struct hn_tr_opts *o, const struct hn_rt_model *rt,
		  unsigned int n_models, const struct hn_tr_scn *scn,
		  unsigned int n_scn, double *per_model)
{
	double *ref = calloc(n_scn, sizeof(*ref));
	double *tmo = calloc(n_scn, sizeof(*tmo));
	double *cost = calloc((size_t)n_models * n_scn, sizeof(*cost));
	struct cost_job j = { o, rt, n_models, scn, n_scn, ref, tmo, cost };
	unsigned int threads = o->threads;
	unsigned int m, k;

	if (!ref || !tmo || !cost)
		abort();
	hn_tr_parallel(n_scn, threads, ref_one, &j);
	hn_tr_parallel(n_models * n_scn, threads, cost_one, &j);
	for (m = 0; m < n_models; m++) {
		double sum = 0;

		for (k = 0; k < n_scn; k++)
			sum += cost[m * n_scn + k];
		per_model[m] = sum / n_scn + SANITY_WEIGHT * sanity(&rt[m]);
	}
	free(ref);
	free(tmo);
	free(cost);
}

double hn_tr_cost(const struct hn_rt_model *rt, const struct hn_tr_scn *scn,
		  unsigned int n, unsigned int threads)
{
	struct hn_tr_opts o;
	double c;

	hn_tr_opts_defaults(&o);
	o.threads = threads;
	costs(&o, rt, 1, scn, n, &c);
	return c;
}

/* ---- scenarios ---------------------------------------------------------- */

static __u64 tr_rnd(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

double hn_tr_unit(__u64 *s)
{
	return (double)(tr_rnd(s) >> 11) * 0x1p-53;
}

static double tr_gauss(__u64 *s)
{
	double u = hn_tr_unit(s), v = hn_tr_unit(s);

	return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

/*
 * Training topologies: the families of the evaluation, other seeds
 * (evaluation uses seeds below 1000, training 1000 and up).  Not the
 * lab's grid: the evaluation checks the model there, unseen.
 */
static const char *const train_topos[] = {
	"rgg:16",   "rgg:24",  "grid:4",   "grid:5",
	"ladder:6", "ring:10", "dumbbell",
};

/* Length of @spec's family name, the part before any ':' or ','. */
static size_t family_len(const char *spec)
{
	return strcspn(spec, ":,");
}

enum hn_tr_split hn_tr_topo_split(const char *spec)
{
	enum hn_tr_split best = HN_TR_NEW_FAMILY;
	size_t k, fl = family_len(spec), sl = strcspn(spec, ",");

	/* options (",full") change the simulation, not the shape */
	for (k = 0; k < sizeof(train_topos) / sizeof(train_topos[0]); k++) {
		if (strlen(train_topos[k]) == sl &&
		    !strncmp(spec, train_topos[k], sl))
			return HN_TR_TRAINED;
		if (family_len(train_topos[k]) == fl &&
		    !strncmp(spec, train_topos[k], fl))
			best = HN_TR_NEW_SIZE;
	}
	return best;
}

/*
 * Loads in the unit of max concurrent flow (1.0: the best multipath
 * routing's bottleneck full), 0.1 .. 1.0, the density rising linearly
 * toward 1.0: heavy load is where routing decides the most, light load
 * is where a model must merely not lose to ETT.
 */
static double draw_load(__u64 *r)
{
	return 0.1 + 0.9 * sqrt(hn_tr_unit(r));
}

void hn_tr_draw_scn(__u64 *r, __u32 duration_ms, struct hn_tr_scn *s)
{
	unsigned int nt = sizeof(train_topos) / sizeof(train_topos[0]);

	memset(s, 0, sizeof(*s));
	s->topo = train_topos[tr_rnd(r) % nt];
	s->topo_seed = 1000 + tr_rnd(r) % 1000;
	s->load = draw_load(r);
	s->traffic = tr_rnd(r) % 3;
	s->fail_node = -1;
	s->duration_ms = duration_ms;
	s->warmup_ms = duration_ms / 3;
	s->seed = tr_rnd(r);
	if (tr_rnd(r) % 5 == 0) {
		/* node 1 exists in every family */
		s->fail_node = 1;
		s->fail_ms = duration_ms / 2;
		s->load = 0.5;
	}
}

/* ---- sanity: better links score higher ---------------------------------- */

/* Which way each link feature (up to distance) makes a link better. */
static const int feat_up[HN_FEAT_DIST + 1] = { 1, -1, -1, -1, 1, -1 };

/*
 * The simulator's links span a narrower range than real ones (say a
 * 1 Gbit/s link with 100 us delay), and a model is free to do anything
 * where it saw no data.  So every model also pays for each pair of
 * random feature vectors over the whole 0..127 range where a link that
 * is better in one feature (higher quality or capacity, lower delay,
 * loss, load or distance), or in all of them, does not score higher.
 */
static void better_link(__u64 *r, __u8 x[HN_RT_NFEAT], __u8 y[HN_RT_NFEAT],
			int feat)
{
	int i;

	for (i = 0; i < HN_RT_NFEAT; i++)
		x[i] = y[i] = tr_rnd(r) % (HN_FEAT_MAX + 1);
	for (i = 0; i <= HN_FEAT_DIST; i++) {
		int d = 4 + tr_rnd(r) % 40, v;

		if (feat >= 0 && i != feat)
			continue;
		v = x[i] + feat_up[i] * d;
		y[i] = v < 0 ? 0 : v > HN_FEAT_MAX ? HN_FEAT_MAX : v;
	}
}

/*
 * Keep the float model monotone in the link features: a hidden unit that
 * adds to the score may only grow with a better link, one that subtracts
 * only shrink.  Through ReLU, int8 rounding (signs kept), the shift and
 * the saturation this holds for the quantised model too, up to ties.
 */
static void project(struct hn_tr_params *p)
{
	int j, f;

	for (j = 0; j < HN_RT_HIDDEN; j++) {
		int s = p->w2[j] < 0 ? -1 : 1;

		for (f = 0; f <= HN_FEAT_DIST; f++)
			if (p->w1[j][f] * feat_up[f] * s < 0)
				p->w1[j][f] = 0;
	}
}

/* Fraction of pairs the model gets the wrong way round (ties: half). */
static double sanity(const struct hn_rt_model *rt)
{
	__u64 r = 0x53414E495459ULL; /* the same pairs for every model */
	__u8 x[HN_RT_NFEAT], y[HN_RT_NFEAT];
	double bad = 0;
	unsigned int k;

	for (k = 0; k < SANITY_PAIRS; k++) {
		__s32 sx, sy;

		/* one feature at a time, and every 7th pair all at once */
		better_link(&r, x, y, k % 7 == 6 ? -1 : (int)(k % 7) % 6);
		sx = hn_rt_score(rt, x);
		sy = hn_rt_score(rt, y);
		bad += sy < sx ? 1 : sy == sx ? 0.5 : 0;
	}
	return bad / SANITY_PAIRS;
}

/* ---- evolution strategies ----------------------------------------------- */

void hn_tr_opts_defaults(struct hn_tr_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->generations = 60;
	o->pairs = 8;
	o->scenarios = 6;
	o->threads = 2;
	o->sigma = 0.08;
	o->lr = 0.04;
	o->duration_ms = 3000;
	o->val_scenarios = 24;
	o->loss_weight = 0;
	o->move_weight = 1.0;
}

static void perturb(const struct hn_tr_params *p, const double *eps,
		    double scale, struct hn_tr_params *out)
{
	const double *a = (const double *)p;
	double *b = (double *)out;
	unsigned int i;

	for (i = 0; i < HN_TR_NPARAM; i++)
		b[i] = a[i] + scale * eps[i];
}

/* Centred ranks in [-0.5, 0.5]: the lowest cost gets +0.5. */
static void rank_utils(const double *cost, unsigned int n, double *u)
{
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		unsigned int worse = 0;

		for (k = 0; k < n; k++)
			worse += cost[k] > cost[i] ||
				 (cost[k] == cost[i] && k > i);
		u[i] = n > 1 ? (double)worse / (n - 1) - 0.5 : 0;
	}
}

struct adam {
	double m[HN_TR_NPARAM], v[HN_TR_NPARAM];
	unsigned int t;
};

static void adam_step(struct adam *a, struct hn_tr_params *p,
		      const double *grad, double lr)
{
	double *x = (double *)p, b1t, b2t;
	unsigned int i;

	a->t++;
	b1t = 1 - pow(0.9, a->t);
	b2t = 1 - pow(0.999, a->t);
	for (i = 0; i < HN_TR_NPARAM; i++) {
		a->m[i] = 0.9 * a->m[i] + 0.1 * grad[i];
		a->v[i] = 0.999 * a->v[i] + 0.001 * grad[i] * grad[i];
		x[i] += lr * (a->m[i] / b1t) / (sqrt(a->v[i] / b2t) + 1e-8);
	}
}

/* One generation: returns the cost of the unperturbed model. */
static double generation(const struct hn_tr_opts *o, __u64 *r,
			 struct hn_tr_params *p, struct adam *adam)
{
	unsigned int np = o->pairs, n_models = 2 * np + 1, i, k;
	struct hn_tr_scn scn[32];
	struct hn_tr_params q;
	struct hn_rt_model *rt = calloc(n_models, sizeof(*rt));
	double *eps = calloc((size_t)np * HN_TR_NPARAM, sizeof(*eps));
	double *cost = calloc(n_models, sizeof(*cost));
	double *u = calloc(2 * np, sizeof(*u));
	double grad[HN_TR_NPARAM] = { 0 }, base;
	char err[256];

	if (!rt || !eps || !cost || !u)
		abort();
	for (k = 0; k < o->scenarios && k < 32; k++) {
		hn_tr_draw_scn(r, o->duration_ms, &scn[k]);
		scn[k].split_step = o->split_step;
	}
	for (i = 0; i < np * HN_TR_NPARAM; i++)
		eps[i] = tr_gauss(r);
	for (i = 0; i < n_models; i++) {
		if (i < 2 * np)
			perturb(p, &eps[(i / 2) * HN_TR_NPARAM],
				i & 1 ? -o->sigma : o->sigma, &q);
		else
			q = *p;
		project(&q);
		if (hn_tr_quantize(&q, &rt[i], NULL, err, sizeof(err)))
			abort(); /* any finite weights quantise */
	}
	costs(o, rt, n_models, scn, k, cost);
	base = cost[2 * np];
	rank_utils(cost, 2 * np, u);
	for (i = 0; i < np; i++)
		for (k = 0; k < HN_TR_NPARAM; k++)
			grad[k] += (u[2 * i] - u[2 * i + 1]) *
				   eps[i * HN_TR_NPARAM + k] / (np * o->sigma);
	adam_step(adam, p, grad, o->lr);
	project(p);
	free(rt);
	free(eps);
	free(cost);
	free(u);
	return base;
}

/* Fixed held-out scenarios: the model kept is the best on them. */
static double validate(const struct hn_tr_opts *o, const struct hn_tr_params *p,
		       const struct hn_tr_scn *val, unsigned int n)
{
	struct hn_rt_model rt;
	char err[256];
	double c;

	if (hn_tr_quantize(p, &rt, NULL, err, sizeof(err)))
		return 1e9;
	costs(o, &rt, 1, val, n, &c);
	return c;
}

int hn_tr_train(const struct hn_tr_opts *o, struct hn_tr_params *p)
{
	struct adam *adam = calloc(1, sizeof(*adam));
	struct hn_tr_opts go = *o;
	struct hn_tr_scn val[VAL_MAX];
	unsigned int nv = o->val_scenarios < VAL_MAX ? o->val_scenarios :
						       VAL_MAX;
	struct hn_tr_params best;
	double t0 = hn_tr_now(), best_c;
	unsigned int g, k;
	__u64 r = o->seed * 0x9E3779B97F4A7C15ULL + 7, vr = r ^ 0x56414CULL;

	if (!adam)
		return -1;
	project(p);
	best = *p;
	for (k = 0; k < nv; k++) {
		hn_tr_draw_scn(&vr, o->duration_ms, &val[k]);
		val[k].split_step = o->split_step;
	}
	best_c = nv ? validate(o, p, val, nv) : 0;
	for (g = 0; g < o->generations; g++) {
		double c;

		/* the step shrinks linearly to a quarter */
		go.lr = o->lr * (1 - 0.75 * g / o->generations);
		c = generation(&go, &r, p, adam);
		if (o->log)
			fprintf(o->log, "gen %3u  cost %.4f  %.1fs\n", g, c,
				hn_tr_now() - t0);
		if (!nv || ((g + 1) % VAL_EVERY && g + 1 != o->generations))
			continue;
		c = validate(o, p, val, nv);
		if (o->log)
			fprintf(o->log, "validation %.4f (best %.4f)\n", c,
				best_c);
		if (c < best_c) {
			best_c = c;
			best = *p;
		}
	}
	if (nv)
		*p = best;
	free(adam);
	return 0;
}
