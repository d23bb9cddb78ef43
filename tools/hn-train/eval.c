// SPDX-License-Identifier: GPL-2.0
/*
 * hn-train eval: the routing policies of a table (the learned model, hop
 * count, ETX, the oracle, ...) on a suite of scenarios, any of which the
 * command line can replace: topologies (family, size, seed), traffic,
 * loads, traffic seeds, duration and the node that fails.
 *
 * Honest figures: topologies whose family and size training used are
 * reported apart from held-out ones; a lost frame is never left out of a
 * mean: the figure of merit charges it a timeout (the larger of
 * --loss-timeout-ms and the slowest delivery any policy made in that
 * scenario, so that dropping a frame never beats delivering it late),
 * and every scenario is compared on its own (wins, ties, losses against
 * the baseline) as well as pooled.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bound.h"
#include "eval.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The policy table: one row per way of routing. */
static const struct ev_pol pol_table[] = {
	{ "learned", HN_SIM_MODEL, 1, "the model under test (ETT candidates)" },
	{ "ett", HN_SIM_ETT, 0,
	  "ETT routes (ETX x airtime, as B.A.T.M.A.N. V), no model: the agent's default" },
	{ "ett-load", HN_SIM_ETT_LOAD, 0,
	  "ETT x (1 + measured utilisation) routes, no model" },
	{ "hops", HN_SIM_HOPS, 0, "hop-count shortest path, no model" },
	{ "etx", HN_SIM_ETX, 0, "ETX routes, no model" },
	{ "oracle", HN_SIM_ORACLE, 0,
	  "decides every frame on the true queues (a heuristic, not a bound)" },
};

/* Baselines for the per-scenario comparisons, the first present wins. */
static const char *const base_order[] = { "ett", "etx", "hops" };

struct topo_item {
	const char *spec;
	__u64 seed;
};

/*
 * The default suite: the training families at evaluation seeds (below
 * 1000), then held-out ones: trained families at new sizes and families
 * no model was trained on.
 */
static const struct topo_item topos_full[] = {
	{ "rgg:16", 1 },     { "rgg:16", 2 },	   { "rgg:24", 3 },
	{ "grid:4", 1 },     { "grid:5", 2 },	   { "ladder:6", 1 },
	{ "ring:10", 1 },    { "dumbbell", 1 },	   { "grid:6", 1 },
	{ "grid:7", 2 },     { "rgg:32", 1 },	   { "rgg:32", 2 },
	{ "rgg:40", 3 },     { "rgg:48", 4 },	   { "ring:16", 1 },
	{ "ladder:10", 1 },  { "backbone:24", 1 }, { "backbone:40", 2 },
	{ "cluster:32", 1 }, { "cluster:48", 2 },  { "tri:5", 1 },
	{ "tri:6", 2 },	     { "hex:6", 1 },	   { "hex:7", 2 },
};
static const struct topo_item topos_quick[] = {
	{ "rgg:16", 1 }, { "grid:4", 1 },      { "grid:6", 1 },
	{ "rgg:32", 1 }, { "backbone:24", 1 }, { "cluster:32", 1 },
};
/* 1.0: the max concurrent flow, what the best multipath routing carries */
static const double loads_full[] = { 0.1, 0.3, 0.5, 0.7, 0.9, 1.0 };
static const double loads_quick[] = { 0.1, 0.5, 1.0 };
static const char *const traffic_names[] = { "uniform", "hotspot", "burst" };

#define HEAVY_LOAD 1.0
#define LIGHT_MIN 0.1
#define LIGHT_MAX 0.7

const double ev_lab_loads[EV_LAB_NLOADS] = { 0.3, 0.7, 1.0, 1.3 };

const char *ev_split_name(enum hn_tr_split s)
{
	return s == HN_TR_TRAINED  ? "trained" :
	       s == HN_TR_NEW_SIZE ? "new-size" :
				     "new-family";
}

const char *ev_traffic_name(enum hn_sim_traffic t)
{
	return t < LEN(traffic_names) ? traffic_names[t] : "lab";
}

/* ---- the command line ---------------------------------------------------- */

struct ev_args {
	struct {
		char spec[EV_SPEC_LEN];
		__u64 seed;
		int seeded; /* 1: "SPEC@SEED" */
	} item[EV_MAX_TOPOS];
	unsigned int n_items;
	__u64 topo_seed[EV_MAX_TOPOS];
	unsigned int n_topo_seeds;
	int fail; /* -2: auto, -1: none, else a node */
	int quick, custom; /* custom: the suite is not the default */
	const char *json, *report, *plot, *train_file;
	char *dup[64]; /* strdup()ed list arguments */
	unsigned int n_dup;
};

static int bad(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "hn-train eval: %s %s: %s\n", opt, arg, why);
	return -1;
}

/* *@v from @s, all of it; -1 otherwise. */
static int parse_double(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return *s && !*end && isfinite(*v) ? 0 : -1;
}

static int parse_u64(const char *s, __u64 *v)
{
	char *end;

	if (*s == '-' || !*s)
		return -1;
	*v = strtoull(s, &end, 0);
	return *end ? -1 : 0;
}

/* sim.h's topology options: they belong to the topology before them. */
static int topo_option(const char *tok)
{
	static const char *const opt[] = { "half", "full", "true-costs",
					   "no-ctrl", "radio" };
	unsigned int i;

	for (i = 0; i < LEN(opt); i++)
		if (!strcmp(tok, opt[i]))
			return 1;
	return !strncmp(tok, "drift=", 6);
}

/* "SPEC[@SEED]", or an option (with "@SEED") of the topology before. */
static int add_topo_item(struct ev_args *a, char *tok)
{
	char *at = strchr(tok, '@'), *spec;
	__u64 seed = 0;

	if (at) {
		if (parse_u64(at + 1, &seed))
			return bad("--topo", tok,
				   "the seed after @ is a number (rgg:32@5)");
		*at = 0;
	}
	if (!topo_option(tok)) {
		if (a->n_items >= EV_MAX_TOPOS)
			return bad("--topo", tok,
				   "too many topologies (at most 64)");
		a->item[a->n_items].seeded = 0;
		a->item[a->n_items++].spec[0] = 0;
	} else if (!a->n_items || !a->item[a->n_items - 1].spec[0]) {
		return bad("--topo", tok,
			   "an option follows its topology (rgg:32,full)");
	}
	spec = a->item[a->n_items - 1].spec;
	if (!*tok || strlen(spec) + strlen(tok) + 2 > EV_SPEC_LEN)
		return bad("--topo", tok, "empty or too long");
	if (*spec)
		strcat(spec, ",");
	strcat(spec, tok);
	if (at) {
		a->item[a->n_items - 1].seed = seed;
		a->item[a->n_items - 1].seeded = 1;
	}
	return 0;
}

static int add_load(struct eval *e, const char *tok)
{
	unsigned int i;
	double v;

	if (parse_double(tok, &v) || v <= 0 || v > 4)
		return bad(
			"--load", tok,
			"a load is a number in (0, 4] (e.g. --load 0.5,1.0)");
	if (e->n_loads >= EV_MAX_LOADS)
		return bad("--load", tok, "at most 16 loads");
	for (i = 0; i < e->n_loads; i++)
		if (fabs(e->loads[i] - v) < 1e-9)
			return bad("--load", tok, "named twice");
	e->loads[e->n_loads++] = v;
	return 0;
}

static int add_traffic(struct eval *e, const char *tok)
{
	unsigned int k;

	for (k = 0; k < LEN(traffic_names); k++)
		if (!strcmp(tok, traffic_names[k]))
			break;
	if (k == LEN(traffic_names))
		return bad("--traffic", tok,
			   "unknown traffic (uniform, hotspot, burst)");
	if (e->n_traffic >= EV_MAX_TRAFFIC)
		return bad("--traffic", tok, "each kind once");
	e->traffic[e->n_traffic++] = k;
	return 0;
}

static int add_policy(struct eval *e, const char *tok)
{
	unsigned int k, i;

	for (k = 0; k < LEN(pol_table); k++)
		if (!strcmp(tok, pol_table[k].name))
			break;
	if (k == LEN(pol_table)) {
		fprintf(stderr, "hn-train eval: --policy %s: unknown policy (",
			tok);
		for (i = 0; i < LEN(pol_table); i++)
			fprintf(stderr, "%s%s", i ? ", " : "",
				pol_table[i].name);
		fprintf(stderr, ")\n");
		return -1;
	}
	for (i = 0; i < e->n_pol; i++)
		if (e->pol[i] == &pol_table[k])
			return bad("--policy", tok, "named twice");
	e->pol[e->n_pol++] = &pol_table[k];
	return 0;
}

static int add_topo_seed(struct ev_args *a, const char *tok)
{
	if (a->n_topo_seeds >= EV_MAX_TOPOS)
		return bad("--topo-seed", tok, "too many seeds");
	if (parse_u64(tok, &a->topo_seed[a->n_topo_seeds]))
		return bad("--topo-seed", tok, "a seed is a number");
	a->n_topo_seeds++;
	return 0;
}

/* Each comma-separated item of @arg through @one(ctx, item). */
static int each_item(struct ev_args *a, const char *arg, void *ctx,
		     int (*one)(void *ctx, char *tok))
{
	char *s, *tok, *save = NULL;

	if (a->n_dup >= LEN(a->dup) || !(s = strdup(arg)))
		return bad("list", arg, "too many list arguments");
	a->dup[a->n_dup++] = s;
	if (!*s)
		return bad("list", "''", "empty");
	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (one(ctx, tok))
			return -1;
	return 0;
}

struct item_ctx {
	struct eval *e;
	struct ev_args *a;
	int what;
};

static int item_one(void *ctx, char *tok)
{
	struct item_ctx *c = ctx;

	switch (c->what) {
	case 'T':
		return add_topo_item(c->a, tok);
	case 'S':
		return add_topo_seed(c->a, tok);
	case 'l':
		return add_load(c->e, tok);
	case 'r':
		return add_traffic(c->e, tok);
	default:
		return add_policy(c->e, tok);
	}
}

static int parse_fail(struct ev_args *a, const char *arg)
{
	__u64 v;

	if (!strcmp(arg, "auto"))
		a->fail = -2;
	else if (!strcmp(arg, "none"))
		a->fail = -1;
	else if (!parse_u64(arg, &v) && v < HN_SIM_MAX_NODES)
		a->fail = v;
	else
		return bad("--fail", arg,
			   "auto, none or a node index (below 64)");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hn-train eval [--model FILE] [--json FILE] [--report FILE.md] [--plot FILE.svg]\n"
		"                     [--topo SPEC[,OPTION...][@SEED][,...]] [--topo-seed N[,...]]\n"
		"                     [--traffic uniform,hotspot,burst] [--load L[,...]]\n"
		"                     [--policy NAME[,...]] [--seeds N] [--duration-ms MS]\n"
		"                     [--split-step N]\n"
		"                     [--fail auto|none|NODE] [--fail-load L] [--loss-timeout-ms MS]\n"
		"                     [-j|--threads T] [--train-log FILE.txt] [--no-bound] [--quick]\n");
}

static int parse_number_opt(struct eval *e, int c, const char *arg)
{
	double v;

	if (parse_double(arg, &v))
		return bad("option", arg, "not a number");
	switch (c) {
	case 'j':
		if (v < 1 || v > 64 || v != floor(v))
			return bad("--threads", arg, "1 to 64");
		e->threads = v;
		break;
	case 's':
		if (v < 1 || v > 16 || v != floor(v))
			return bad("--seeds", arg, "1 to 16 traffic seeds");
		e->seeds = v;
		break;
	case 'd':
		if (v < 500 || v > 600000 || v != floor(v))
			return bad("--duration-ms", arg,
				   "500 to 600000 ms of simulated time");
		e->duration_ms = v;
		break;
	case 'K':
		if (v < 0 || v > HN_RT_SPLIT_ONE || v != floor(v))
			return bad("--split-step", arg,
				   "0 (move at once) to 256");
		e->split_step = v;
		break;
	case 'F':
		if (v <= 0 || v > 4)
			return bad("--fail-load", arg, "a load in (0, 4]");
		e->fail_load = v;
		break;
	case 'L':
		if (v <= 0 || v > 60000)
			return bad("--loss-timeout-ms", arg,
				   "above 0, at most 60000 ms");
		e->timeout_ms = v;
		break;
	}
	return 0;
}

static int parse_args(struct eval *e, struct ev_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "json", required_argument, NULL, 'J' },
		{ "report", required_argument, NULL, 'R' },
		{ "plot", required_argument, NULL, 'P' },
		{ "threads", required_argument, NULL, 'j' },
		{ "seeds", required_argument, NULL, 's' },
		{ "train-log", required_argument, NULL, 'g' },
		{ "quick", no_argument, NULL, 'q' },
		{ "fail-load", required_argument, NULL, 'F' },
		{ "fail", required_argument, NULL, 'f' },
		{ "topo", required_argument, NULL, 'T' },
		{ "topo-seed", required_argument, NULL, 'S' },
		{ "traffic", required_argument, NULL, 'r' },
		{ "load", required_argument, NULL, 'l' },
		{ "policy", required_argument, NULL, 'p' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "loss-timeout-ms", required_argument, NULL, 'L' },
		{ "no-bound", no_argument, NULL, 'B' },
		{ "split-step", required_argument, NULL, 'K' },
		{ 0 }
	};
	struct item_ctx ic = { .e = e, .a = a };
	int c;

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			e->model = optarg;
			break;
		case 'J':
			a->json = optarg;
			break;
		case 'R':
			a->report = optarg;
			break;
		case 'P':
			a->plot = optarg;
			break;
		case 'g':
			a->train_file = optarg;
			break;
		case 'q':
			a->quick = 1;
			break;
		case 'B':
			e->has_bound = 0;
			break;
		case 'f':
			if (parse_fail(a, optarg))
				return -1;
			break;
		case 'T':
		case 'S':
		case 'l':
		case 'r':
		case 'p':
			ic.what = c;
			a->custom |= c != 'p';
			if (each_item(a, optarg, &ic, item_one))
				return -1;
			break;
		case 'j':
		case 's':
		case 'd':
		case 'K':
		case 'F':
		case 'L':
			a->custom |= c == 'd' || c == 's';
			if (parse_number_opt(e, c, optarg))
				return -1;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc)
		return bad("argument", argv[optind],
			   "unexpected (options only; see --help)");
	return 0;
}

/* ---- the suite ------------------------------------------------------------ */

/*
 * Breadth-first from @src, never through @skip (-1: none): the number of
 * nodes reached; @parent gets the tree (-1: not reached).
 */
static unsigned int bfs(const struct hn_sim_topo *t, unsigned int src, int skip,
			int *parent)
{
	unsigned int q[HN_SIM_MAX_NODES], head, tail = 1, i;

	for (i = 0; i < t->n_nodes; i++)
		parent[i] = -1;
	parent[src] = src;
	q[0] = src;
	for (head = 0; head < tail; head++)
		for (i = 0; i < t->n_links; i++) {
			const struct hn_sim_link *l = &t->link[i];
			unsigned int o = l->a == q[head] ? l->b : l->a;

			if ((l->a != q[head] && l->b != q[head]) ||
			    (int)o == skip || parent[o] >= 0)
				continue;
			parent[o] = q[head];
			q[tail++] = o;
		}
	return tail;
}

/*
 * The node on most hop-count paths (one per pair, as a breadth-first
 * tree finds it) whose loss cuts nobody off, or -1: the failure
 * scenario's victim, a busy transit node.
 */
static int busiest_node(const struct hn_sim_topo *t)
{
	unsigned int n = t->n_nodes, s, d, count[HN_SIM_MAX_NODES] = { 0 };
	int parent[HN_SIM_MAX_NODES], u, best = -1;

	for (s = 0; s < n; s++) {
		bfs(t, s, -1, parent);
		for (d = 0; d < n; d++)
			for (u = parent[d]; parent[d] >= 0 && u != (int)s;
			     u = parent[u])
				count[u]++;
	}
	for (s = 0; s < n; s++)
		if (count[s] && (best < 0 || count[s] > count[best]) &&
		    bfs(t, s ? 0 : 1, s, parent) == n - 1)
			best = s;
	return best;
}

static int topo_add(struct eval *e, const struct ev_args *a, const char *spec,
		    __u64 seed)
{
	struct ev_topo *et = &e->topo[e->n_topos];
	struct hn_sim_topo *t;
	unsigned int i;
	char err[256];

	if (e->n_topos >= EV_MAX_TOPOS)
		return bad("--topo", spec, "too many topologies (at most 64)");
	for (i = 0; i < e->n_topos; i++)
		if (!strcmp(e->topo[i].spec, spec) && e->topo[i].seed == seed) {
			fprintf(stderr,
				"hn-train eval: --topo %s@%llu: named twice (it would count twice)\n",
				spec, (unsigned long long)seed);
			return -1;
		}
	t = malloc(sizeof(*t));
	if (!t || hn_sim_topo_make(t, spec, seed, err, sizeof(err))) {
		free(t);
		return bad("--topo", spec, t ? err : "out of memory");
	}
	snprintf(et->spec, sizeof(et->spec), "%s", spec);
	et->seed = seed;
	et->nodes = t->n_nodes;
	et->links = t->n_links;
	et->split = hn_tr_topo_split(spec);
	et->fail_node = a->fail == -2 ? busiest_node(t) : a->fail;
	free(t);
	if (et->fail_node >= (int)et->nodes) {
		fprintf(stderr,
			"hn-train eval: --fail %d: %s has %u nodes (try --fail auto)\n",
			et->fail_node, spec, et->nodes);
		return -1;
	}
	e->n_topos++;
	return 0;
}

/* The default suite's gaps filled, topologies built and checked. */
static int suite(struct eval *e, struct ev_args *a)
{
	const struct topo_item *def = a->quick ? topos_quick : topos_full;
	unsigned int n_traffic_set = e->n_traffic, n_pol_set = e->n_pol;
	unsigned int n_def = a->quick ? LEN(topos_quick) : LEN(topos_full);
	unsigned int i, k;

	if (!e->n_loads)
		for (i = 0; i < (a->quick ? LEN(loads_quick) : LEN(loads_full));
		     i++)
			e->loads[e->n_loads++] = a->quick ? loads_quick[i] :
							    loads_full[i];
	for (k = 0; !n_traffic_set && k < LEN(traffic_names); k++)
		add_traffic(e, traffic_names[k]);
	for (k = 0; !n_pol_set && k < LEN(pol_table); k++)
		add_policy(e, pol_table[k].name);
	if (!a->n_topo_seeds)
		a->topo_seed[a->n_topo_seeds++] = 1;
	if (!a->n_items) {
		for (i = 0; i < n_def; i++)
			if (topo_add(e, a, def[i].spec, def[i].seed))
				return -1;
		return 0;
	}
	for (i = 0; i < a->n_items; i++)
		for (k = 0; k < (a->item[i].seeded ? 1 : a->n_topo_seeds); k++)
			if (topo_add(e, a, a->item[i].spec,
				     a->item[i].seeded ? a->item[i].seed :
							 a->topo_seed[k]))
				return -1;
	return 0;
}

static int pol_index(const struct eval *e, const char *name)
{
	unsigned int i;

	for (i = 0; i < e->n_pol; i++)
		if (!strcmp(e->pol[i]->name, name))
			return i;
	return -1;
}

static void roles(struct eval *e)
{
	unsigned int k;

	e->learned = pol_index(e, "learned");
	e->ett = pol_index(e, "ett");
	e->hops = pol_index(e, "hops");
	e->base = -1;
	for (k = 0; k < LEN(base_order) && e->base < 0; k++)
		e->base = pol_index(e, base_order[k]);
}

/* Scenarios: every topology x seed x load x traffic, then failures. */
static int plan(struct eval *e)
{
	unsigned int t, k, l, tr, n = 0;
	size_t max =
		(size_t)e->n_topos * e->seeds * (e->n_loads * e->n_traffic + 1);

	e->scn = calloc(max, sizeof(*e->scn));
	if (!e->scn)
		return -1;
	for (t = 0; t < e->n_topos; t++)
		for (k = 0; k < e->seeds; k++) {
			__u64 seed = 100 + 10 * t + k;

			for (l = 0; l < e->n_loads; l++)
				for (tr = 0; tr < e->n_traffic; tr++)
					e->scn[n++] = (struct ev_scn){
						.topo = t,
						.row = l,
						.traffic = e->traffic[tr],
						.load = e->loads[l],
						.seed = seed,
						.bound_us = -1,
					};
			if (e->has_fail && e->topo[t].fail_node >= 0)
				e->scn[n++] = (struct ev_scn){
					.topo = t,
					.row = e->n_loads,
					.traffic = HN_SIM_UNIFORM,
					.load = e->fail_load,
					.seed = seed,
					.bound_us = -1,
				};
		}
	e->n_scn = n;
	return 0;
}

/* ---- running and pooling -------------------------------------------------- */

static unsigned int hist_bin(double us)
{
	int b = us < 1 ? 0 : (int)(log(us) / log(1.01));

	return b >= EV_HIST ? EV_HIST - 1 : (unsigned int)b;
}

double ev_p99(const struct ev_cell *c)
{
	__u64 n = 0, k = 0, want;
	unsigned int b;

	if (!c->hist)
		return 0;
	for (b = 0; b < EV_HIST; b++)
		n += c->hist[b];
	if (!n)
		return 0;
	want = (__u64)ceil(0.99 * n);
	for (b = 0; b < EV_HIST; b++) {
		k += c->hist[b];
		if (k >= want)
			break;
	}
	return exp((b + 0.5) * log(1.01));
}

static void run_one(unsigned int i, void *ctx)
{
	struct eval *e = ctx;
	struct ev_run *r = &e->run[i];
	const struct ev_scn *s = &e->scn[r->scn];
	const struct ev_topo *t = &e->topo[s->topo];
	const struct ev_pol *p = e->pol[r->pol];
	int fail = s->row == e->n_loads;
	struct hn_tr_scn scn = {
		.topo = t->spec,
		.topo_seed = t->seed,
		.load = s->load,
		.traffic = s->traffic,
		.fail_node = fail ? t->fail_node : -1,
		.duration_ms = fail ? e->duration_ms * 5 / 4 : e->duration_ms,
		.warmup_ms = e->duration_ms / 4,
		.fail_ms = e->duration_ms * 5 / 8,
		.seed = s->seed,
		.split_step = e->split_step,
	};
	__u32 *d = NULL;
	size_t n = 0, k;

	r->hist = calloc(EV_HIST, sizeof(*r->hist));
	r->err = !r->hist ||
		 hn_tr_run_delays(&scn, p->sim, p->model ? e->rt : NULL, &r->st,
				  &d, &n);
	if (!r->err && n != r->st.m_delivered)
		r->err = 1; /* out of memory for the delays */
	for (k = 0; k < n && !r->err; k++) {
		r->sum_us += d[k];
		if (d[k] > r->max_us)
			r->max_us = d[k];
		r->hist[hist_bin(d[k])]++;
	}
	free(d);
}

static double run_cost(const struct ev_run *r, double timeout_us)
{
	return r->sum_us +
	       (double)(r->st.m_sent - r->st.m_delivered) * timeout_us;
}

static void cell_add(struct ev_cell *c, const struct ev_run *r,
		     double timeout_us)
{
	unsigned int b;

	c->sent += r->st.m_sent;
	c->delivered += r->st.m_delivered;
	c->lost += r->st.m_sent - r->st.m_delivered;
	c->fallback += r->st.m_fallback;
	c->hops += r->st.m_hops;
	c->decisions += r->st.m_decisions;
	c->moves += r->st.m_moves;
	c->sum_us += r->sum_us;
	c->cost_us += run_cost(r, timeout_us);
	c->scn++;
	for (b = 0; c->hist && b < EV_HIST; b++)
		c->hist[b] += r->hist[b];
}

/* One scenario's figure against the baseline's in it. */
static void compare(struct ev_cell *c, double f, double fb)
{
	double ratio;

	if (f <= 0 || fb <= 0) {
		c->ties++;
		return;
	}
	ratio = f / fb;
	c->log_ratio += log(ratio);
	if (ratio < 1 - EV_TIE)
		c->wins++;
	else if (ratio > 1 + EV_TIE)
		c->losses++;
	else
		c->ties++;
}

static void pool_scn(struct eval *e, struct ev_scn *s, const struct ev_run *r)
{
	unsigned int split = e->topo[s->topo].split != HN_TR_TRAINED, p;
	double worst = 0, fb = 0;

	for (p = 0; p < e->n_pol; p++)
		worst = fmax(worst, r[p].max_us);
	s->timeout_us = fmax(1000 * e->timeout_ms, worst);
	if (e->base >= 0)
		fb = ev_frac(run_cost(&r[e->base], s->timeout_us),
			     r[e->base].st.m_sent);
	for (p = 0; p < e->n_pol; p++) {
		double f =
			ev_frac(run_cost(&r[p], s->timeout_us), r[p].st.m_sent);

		cell_add(ev_cell(e, split, s->row, p), &r[p], s->timeout_us);
		cell_add(ev_tcell(e, s->topo, s->row, p), &r[p], s->timeout_us);
		if (e->base < 0)
			continue;
		compare(ev_cell(e, split, s->row, p), f, fb);
		compare(ev_tcell(e, s->topo, s->row, p), f, fb);
	}
	if (s->row == e->n_loads)
		return;
	if (s->bound_us < 0) {
		e->bound_missing[split][s->row]++;
		return;
	}
	e->bound_sum[split][s->row] += s->bound_us * r[0].st.m_sent;
	e->bound_sent[split][s->row] += r[0].st.m_sent;
}

double ev_gap_closed(const struct eval *e, unsigned int split, unsigned int row,
		     unsigned int pol)
{
	double b = ev_bound(e, split, row), fe, fp;

	if (e->ett < 0 || !isfinite(b))
		return NAN;
	fe = ev_fom(ev_cell(e, split, row, e->ett));
	fp = ev_fom(ev_cell(e, split, row, pol));
	return fe > b ? (fe - fp) / (fe - b) : NAN;
}

double ev_bound(const struct eval *e, unsigned int split, unsigned int row)
{
	if (row >= e->n_loads || e->bound_missing[split][row] ||
	    !e->bound_sent[split][row])
		return NAN;
	return e->bound_sum[split][row] / e->bound_sent[split][row];
}

static int aggregate(struct eval *e)
{
	size_t rows = e->n_loads + 1, i;
	unsigned int k, p;

	e->cell = calloc(EV_SPLITS * rows * e->n_pol, sizeof(*e->cell));
	e->tcell = calloc(e->n_topos * rows * e->n_pol, sizeof(*e->tcell));
	if (!e->cell || !e->tcell)
		return -1;
	for (i = 0; i < EV_SPLITS * rows * e->n_pol; i++)
		if (!(e->cell[i].hist = calloc(EV_HIST, sizeof(__u32))))
			return -1;
	for (k = 0; k < e->n_scn; k++) {
		const struct ev_run *r = &e->run[(size_t)k * e->n_pol];

		for (p = 0; p < e->n_pol; p++)
			if (r[p].err) {
				fprintf(stderr,
					"hn-train eval: %s (seed %llu) under %s failed\n",
					e->topo[e->scn[k].topo].spec,
					(unsigned long long)e->scn[k].seed,
					e->pol[p]->name);
				return -1;
			}
		pool_scn(e, &e->scn[k], r);
	}
	return 0;
}

/* ---- the lower bound ------------------------------------------------------ */

/*
 * Bursty sources offer the uniform matrix on average and the bound
 * assumes Poisson arrivals: a bursty scenario shares the bound of the
 * uniform one beside it, if the suite has it.
 */
static int bound_twin(const struct eval *e, unsigned int k)
{
	const struct ev_scn *s = &e->scn[k];
	unsigned int i;

	if (s->traffic != HN_SIM_BURST)
		return -1;
	for (i = 0; i < e->n_scn; i++)
		if (e->scn[i].topo == s->topo && e->scn[i].row == s->row &&
		    e->scn[i].seed == s->seed &&
		    e->scn[i].traffic == HN_SIM_UNIFORM)
			return i;
	return -1;
}

static void bound_one(unsigned int k, void *ctx)
{
	struct eval *e = ctx;
	struct ev_scn *s = &e->scn[k];
	const struct ev_topo *et = &e->topo[s->topo];
	struct hn_sim_topo *t;
	struct hn_sim_cfg c;
	struct hn_bound b;
	char err[256];

	s->bound_us = -1;
	if (s->row == e->n_loads || bound_twin(e, k) >= 0)
		return;
	t = malloc(sizeof(*t));
	if (!t || hn_sim_topo_make(t, et->spec, et->seed, err, sizeof(err))) {
		free(t);
		return;
	}
	hn_sim_cfg_defaults(&c);
	c.seed = s->seed;
	c.load = s->load;
	c.traffic = s->traffic;
	if (!hn_bound_min_delay(t, &c, &b)) {
		s->bound_us = b.feasible ? b.mean_us : INFINITY;
		s->lambda_max = b.lambda_max;
	} else {
		fprintf(stderr, "hn-train eval: no bound for %s@%llu: %s\n",
			et->spec, (unsigned long long)et->seed, b.reason);
	}
	free(t);
}

/* Every scenario's bound (none for failures): -1 where it failed. */
static void bounds(struct eval *e)
{
	unsigned int k;
	int twin;

	hn_tr_parallel(e->n_scn, e->threads, bound_one, e);
	for (k = 0; k < e->n_scn; k++)
		if ((twin = bound_twin(e, k)) >= 0) {
			e->scn[k].bound_us = e->scn[twin].bound_us;
			e->scn[k].lambda_max = e->scn[twin].lambda_max;
		}
}

/* ---- the lab's grid ------------------------------------------------------- */

/*
 * The lab's grid and flows (bench/learn.sh) in the simulator, apart from
 * the targets: with thin defaults (as on most fresh lab meshes) and with
 * thin and fat links swapped, where shortest path is already good and a
 * model can only spoil it.  Every policy, a few seeds pooled.
 */
struct lab_job {
	const struct eval *e;
	unsigned int v, l, p;
	__u64 seed;
	struct hn_sim_stats st;
	int err;
};

static void lab_one(unsigned int i, void *ctx)
{
	struct lab_job *j = &((struct lab_job *)ctx)[i];
	const struct ev_pol *p = j->e->pol[j->p];
	struct hn_tr_scn scn = {
		.topo = "lab",
		.topo_seed = j->v,
		.load = ev_lab_loads[j->l],
		.traffic = HN_SIM_LAB,
		.fail_node = -1,
		.duration_ms = 6000,
		.warmup_ms = 1000,
		.seed = j->seed,
		.split_step = j->e->split_step,
	};

	j->err = hn_tr_run(&scn, p->sim, p->model ? j->e->rt : NULL, &j->st);
}

static int lab_eval(struct eval *e)
{
	unsigned int n = 2 * EV_LAB_NLOADS * EV_LAB_SEEDS * e->n_pol, i;
	struct lab_job *j = calloc(n, sizeof(*j));
	int ret = 0;

	if (!j)
		return -1;
	for (i = 0; i < n; i++) {
		j[i].e = e;
		j[i].p = i % e->n_pol;
		j[i].seed = 100 + i / e->n_pol % EV_LAB_SEEDS;
		j[i].l = i / (e->n_pol * EV_LAB_SEEDS) % EV_LAB_NLOADS;
		j[i].v = i / (e->n_pol * EV_LAB_SEEDS * EV_LAB_NLOADS);
	}
	hn_tr_parallel(n, e->threads, lab_one, j);
	for (i = 0; i < n; i++) {
		struct ev_lab *c = &e->lab[j[i].v][j[i].l][j[i].p];

		ret |= j[i].err;
		c->sum_us += j[i].st.mean_us * j[i].st.m_delivered;
		c->sent += j[i].st.m_sent;
		c->delivered += j[i].st.m_delivered;
	}
	free(j);
	return ret;
}

/* ---- targets -------------------------------------------------------------- */

static int load_row(const struct eval *e, double load)
{
	unsigned int l;

	for (l = 0; l < e->n_loads; l++)
		if (fabs(e->loads[l] - load) < 1e-9)
			return l;
	return -1;
}

/* "# train_seconds X" in the model's text, or -1. */
static double train_seconds(const char *path)
{
	char line[256];
	double v = -1;
	FILE *f;

	if (!path || !(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "# train_seconds %lf", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Held-out figure of @a over @b's at @row, minus 1; NAN if missing. */
static double ho_ratio(const struct eval *e, int row, int a, int b)
{
	double fb;

	if (row < 0 || a < 0 || b < 0)
		return NAN;
	fb = ev_fom(ev_cell(e, 1, row, b));
	return fb > 0 ? ev_fom(ev_cell(e, 1, row, a)) / fb - 1 : NAN;
}

static void fail_targets(const struct eval *e, struct ev_targets *t)
{
	const struct ev_cell *c;

	t->fail_loss_learned = t->fail_loss_ett = NAN;
	if (!e->has_fail || e->learned < 0 ||
	    !ev_cell(e, 1, e->n_loads, e->learned)->sent)
		return;
	c = ev_cell(e, 1, e->n_loads, e->learned);
	t->fail_loss_learned = ev_frac(c->lost, c->sent);
	t->fail_lost_learned = c->lost;
	if (e->ett >= 0) {
		c = ev_cell(e, 1, e->n_loads, e->ett);
		t->fail_loss_ett = ev_frac(c->lost, c->sent);
	}
	if (e->hops >= 0)
		t->fail_lost_hops = ev_cell(e, 1, e->n_loads, e->hops)->lost;
}

static void targets(const struct eval *e, struct ev_targets *t)
{
	int h = load_row(e, HEAVY_LOAD), l;
	double b;

	memset(t, 0, sizeof(*t));
	t->heavy_load = HEAVY_LOAD;
	t->light_load = LIGHT_MIN;
	t->gain_vs_ett = -ho_ratio(e, h, e->learned, e->ett);
	t->gain_vs_ett_geo = t->heavy_loss_learned = t->heavy_loss_ett = NAN;
	t->won_vs_ett = t->lost_vs_ett = -1;
	if (h >= 0 && e->learned >= 0 && e->ett >= 0) {
		const struct ev_cell *a = ev_cell(e, 1, h, e->learned);
		const struct ev_cell *b = ev_cell(e, 1, h, e->ett);

		t->heavy_loss_learned = a->sent ? ev_frac(a->lost, a->sent) :
						  NAN;
		t->heavy_loss_ett = b->sent ? ev_frac(b->lost, b->sent) : NAN;
	}
	if (h >= 0 && e->learned >= 0 && e->ett >= 0 && e->base == e->ett &&
	    ev_cell(e, 1, h, e->learned)->scn) {
		const struct ev_cell *c = ev_cell(e, 1, h, e->learned);

		t->gain_vs_ett_geo = 1 - exp(c->log_ratio / c->scn);
		t->won_vs_ett = c->wins;
		t->lost_vs_ett = c->losses;
	}
	t->heavy_gain = -ho_ratio(e, h, e->learned, e->hops);
	t->light_loss =
		ho_ratio(e, load_row(e, LIGHT_MIN), e->learned, e->hops);
	t->light_loss_vs_ett = NAN;
	for (l = 0; l < (int)e->n_loads; l++) {
		double v = ho_ratio(e, l, e->learned, e->ett);

		if (e->loads[l] < LIGHT_MIN - 1e-9 ||
		    e->loads[l] > LIGHT_MAX + 1e-9 || isnan(v))
			continue;
		if (isnan(t->light_loss_vs_ett) || v > t->light_loss_vs_ett)
			t->light_loss_vs_ett = v;
	}
	/* at load 1.0 no routing has a finite delay: the heaviest below */
	t->gap_closed = t->gap_load = NAN;
	for (l = 0; l < (int)e->n_loads; l++) {
		b = ev_bound(e, 1, l);
		if (isfinite(b) && e->learned >= 0 && e->ett >= 0 &&
		    (isnan(t->gap_load) || e->loads[l] > t->gap_load)) {
			t->gap_closed = ev_gap_closed(e, 1, l, e->learned);
			t->gap_load = e->loads[l];
		}
	}
	fail_targets(e, t);
}

/* ---- main ----------------------------------------------------------------- */

static void eval_free(struct eval *e, struct ev_args *a)
{
	size_t i, rows = e->n_loads + 1;

	for (i = 0; e->run && i < (size_t)e->n_scn * e->n_pol; i++)
		free(e->run[i].hist);
	for (i = 0; e->cell && i < EV_SPLITS * rows * e->n_pol; i++)
		free(e->cell[i].hist);
	for (i = 0; i < a->n_dup; i++)
		free(a->dup[i]);
	free(e->run);
	free(e->scn);
	free(e->cell);
	free(e->tcell);
	free(e);
}

/* Everything but the arguments: 0, or -1 with a message. */
static int evaluate(struct eval *e, struct ev_args *a, struct hn_rt_model *rt)
{
	struct ev_targets t;
	double t0 = hn_tr_now(), t1, t2;
	char err[256];
	size_t i;

	if (e->learned >= 0) {
		if (hn_tr_load_rt(e->model, rt, err, sizeof(err))) {
			fprintf(stderr, "hn-train eval: %s: %s\n", e->model,
				err);
			return -1;
		}
		e->rt = rt;
		e->train_s =
			train_seconds(a->train_file ? a->train_file : e->model);
	}
	if (plan(e))
		return -1;
	e->run = calloc((size_t)e->n_scn * e->n_pol, sizeof(*e->run));
	if (!e->run)
		return -1;
	for (i = 0; i < (size_t)e->n_scn * e->n_pol; i++) {
		e->run[i].scn = i / e->n_pol;
		e->run[i].pol = i % e->n_pol;
	}
	if (e->has_bound)
		bounds(e);
	t1 = hn_tr_now();
	hn_tr_parallel(e->n_scn * e->n_pol, e->threads, run_one, e);
	if (aggregate(e))
		return -1;
	t2 = hn_tr_now();
	if (e->has_lab && lab_eval(e)) {
		fprintf(stderr, "hn-train eval: lab simulation failed\n");
		return -1;
	}
	fprintf(stderr,
		"hn-train eval: %u scenarios x %u policies on %u threads: bounds %.1f s, runs %.1f s, lab %.1f s\n",
		e->n_scn, e->n_pol, e->threads, t1 - t0, t2 - t1,
		hn_tr_now() - t2);
	targets(e, &t);
	ev_print_summary(e, &t);
	return ev_write_outputs(e, &t, a->json, a->report, a->plot);
}

int hn_eval_main(int argc, char **argv)
{
	struct eval *e = calloc(1, sizeof(*e));
	struct ev_args a = { .fail = -2 };
	struct hn_rt_model rt;
	int i, ret = 2;

	if (!e)
		return 1;
	e->model = "models/route-default.txt";
	e->threads = 2;
	e->seeds = 1;
	e->duration_ms = 4000;
	e->split_step = HN_RT_SPLIT_STEP;
	e->fail_load = 0.5;
	e->timeout_ms = 100;
	e->train_s = -1;
	e->has_bound = 1;
	snprintf(e->cmdline, sizeof(e->cmdline), "hn-train");
	for (i = 0; i < argc; i++)
		snprintf(e->cmdline + strlen(e->cmdline),
			 sizeof(e->cmdline) - strlen(e->cmdline), " %s",
			 argv[i]);
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			ret = 0;
			goto out;
		}
	if (parse_args(e, &a, argc, argv) || suite(e, &a))
		goto out;
	e->has_fail = a.fail != -1;
	e->has_lab = !a.custom && !a.quick;
	roles(e);
	ret = evaluate(e, &a, &rt) ? 1 : 0;
out:
	eval_free(e, &a);
	return ret;
}
