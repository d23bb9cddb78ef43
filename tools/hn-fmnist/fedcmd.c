// SPDX-License-Identifier: GPL-2.0
/*
 * hn-fmnist partition: the seeded shards of n nodes as index lists.
 * hn-fmnist fed: federated averaging of the split model over those
 * shards, in one process: each round every node trains locally
 * (fm_local_update), its update is clipped and encoded in fixed point
 * (sa_fixed.h) and the encodings are summed by a real secure-aggregation
 * round (sa_sim.h; --plain: their plain sum, which the round equals bit
 * for bit), then applied.  The result is quantised as `hn-fmnist train`
 * quantises (calibration, export, hn-model's quantiser) and evaluated
 * int8 on the test set, against centralised training on the union of
 * the shards with the same steps.  Documentation/federated.rst.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "fmnist.h"
#include "jsonw.h"
#include "partition.h"
#include "robust.h"
#include "sa_fixed.h"
#include "sa_sim.h"

#define EXIT_USAGE 2
#define DROP_PERMILLE 300 /* the graph is chosen for 30 % dropouts */
#define NODES_PER_GROUP 4 /* the default group size of the defence */

/* What a poisoned node does (Documentation/federated.rst). */
enum fed_attack { ATK_NONE, ATK_SIGNFLIP, ATK_SCALE10, ATK_LABELFLIP };
static const char *const attack_names[] = { "none", "signflip", "scale10",
					    "labelflip" };

static const char *prog = "hn-fmnist";

struct fed_opts {
	const char *data, *out, *json, *list;
	struct hn_part_opts part;
	struct fm_train_opts train;
	unsigned int rounds, steps, qat_rounds, calib_n, eval_every;
	double clip;
	int plain, central;
	/* poisoning and the defence */
	double poison, dropout, max_drop;
	enum fed_attack attack;
	int no_defence;
	unsigned int groups, valset_n, trim;
	enum hn_rb_rule rule;
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fed_usage(FILE *f)
{
	fprintf(f,
		"usage: %s partition [--data DIR] [--nodes N] [--partition SCHEME]\n"
		"                 [--seed N] [--valset N] [--out FILE]\n"
		"       %s fed [--data DIR] [--nodes N] [--partition SCHEME] [--seed N]\n"
		"                 [--rounds N] [--local-steps N] [--batch N] [--lr X]\n"
		"                 [--wd X] [--clip X] [--qat-rounds N] [--calib N]\n"
		"                 [--eval-every N] [--plain] [--no-central]\n"
		"                 [--poison FRAC --attack signflip|scale10|labelflip]\n"
		"                 [--no-defence] [--groups N] [--rule median|trim:K]\n"
		"                 [--valset N] [--max-drop X] [--dropout FRAC]\n"
		"                 [--out DIR] [--json FILE]\n"
		"  SCHEME  iid, dir:ALPHA or classes:K (default dir:0.5)\n"
		"Documentation/federated.rst\n",
		prog, prog);
}

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s\n", prog, what, arg ? arg : "");
	fed_usage(stderr);
	return EXIT_USAGE;
}

static int number(const char *s, double lo, double hi, double *v)
{
	char *e;

	errno = 0;
	*v = strtod(s, &e);
	return *e || e == s || errno || !(*v >= lo && *v <= hi) ? -1 : 0;
}

static int count(const char *s, double lo, double hi, unsigned int *v)
{
	double x;

	if (number(s, lo, hi, &x) || x != floor(x))
		return -1;
	*v = x;
	return 0;
}

enum {
	F_DATA = 256,
	F_NODES,
	F_PART,
	F_SEED,
	F_ROUNDS,
	F_STEPS,
	F_BATCH,
	F_LR,
	F_WD,
	F_CLIP,
	F_QAT,
	F_CALIB,
	F_EVAL,
	F_PLAIN,
	F_NO_CENTRAL,
	F_OUT,
	F_JSON,
	F_POISON,
	F_ATTACK,
	F_NO_DEFENCE,
	F_GROUPS,
	F_RULE,
	F_VALSET,
	F_MAX_DROP,
	F_DROPOUT
};

static const struct option fed_long[] = {
	{ "data", required_argument, NULL, F_DATA },
	{ "nodes", required_argument, NULL, F_NODES },
	{ "partition", required_argument, NULL, F_PART },
	{ "seed", required_argument, NULL, F_SEED },
	{ "rounds", required_argument, NULL, F_ROUNDS },
	{ "local-steps", required_argument, NULL, F_STEPS },
	{ "batch", required_argument, NULL, F_BATCH },
	{ "lr", required_argument, NULL, F_LR },
	{ "wd", required_argument, NULL, F_WD },
	{ "clip", required_argument, NULL, F_CLIP },
	{ "qat-rounds", required_argument, NULL, F_QAT },
	{ "calib", required_argument, NULL, F_CALIB },
	{ "eval-every", required_argument, NULL, F_EVAL },
	{ "plain", no_argument, NULL, F_PLAIN },
	{ "no-central", no_argument, NULL, F_NO_CENTRAL },
	{ "out", required_argument, NULL, F_OUT },
	{ "json", required_argument, NULL, F_JSON },
	{ "poison", required_argument, NULL, F_POISON },
	{ "attack", required_argument, NULL, F_ATTACK },
	{ "no-defence", no_argument, NULL, F_NO_DEFENCE },
	{ "groups", required_argument, NULL, F_GROUPS },
	{ "rule", required_argument, NULL, F_RULE },
	{ "valset", required_argument, NULL, F_VALSET },
	{ "max-drop", required_argument, NULL, F_MAX_DROP },
	{ "dropout", required_argument, NULL, F_DROPOUT },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/* The shipped model's shape; the federated recipe's defaults. */
static void fed_defaults(struct fed_opts *f)
{
	memset(f, 0, sizeof(*f));
	f->data = FM_DATA_DIR;
	f->out = "build/fed-models";
	f->part.scheme = HN_PART_DIRICHLET;
	f->part.alpha = 0.5;
	f->part.nodes = 16;
	f->part.seed = 1;
	f->train = (struct fm_train_opts){ .hidden = 256,
					   .bottleneck = 48,
					   .head_hidden = 128,
					   .batch = 64,
					   .lr = 1e-3,
					   .wd = 0,
					   .calib_q = 0.99,
					   .seed = 1 };
	f->rounds = 50;
	f->steps = 100;
	f->qat_rounds = 3;
	f->calib_n = 2000;
	f->clip = 4;
	f->central = 1;
	f->valset_n = 1000;
	f->max_drop = 0.01;
	f->rule = HN_RB_MEDIAN;
}

static int parse_rule(const char *arg, struct fed_opts *f)
{
	if (!strcmp(arg, "median")) {
		f->rule = HN_RB_MEDIAN;
		return 0;
	}
	if (strncmp(arg, "trim:", 5))
		return -1;
	f->rule = HN_RB_TRIMMED;
	return count(arg + 5, 0, HN_RB_MAX_GROUPS, &f->trim);
}

static int parse_attack(const char *arg, struct fed_opts *f)
{
	unsigned int i;

	for (i = ATK_SIGNFLIP; i <= ATK_LABELFLIP; i++)
		if (!strcmp(arg, attack_names[i])) {
			f->attack = i;
			return 0;
		}
	return -1;
}

/* The options of poisoning and the defence. */
static int set_defence_opt(int c, const char *arg, struct fed_opts *f)
{
	switch (c) {
	case F_POISON:
		return number(arg, 0, 0.5, &f->poison);
	case F_ATTACK:
		return parse_attack(arg, f);
	case F_NO_DEFENCE:
		f->no_defence = 1;
		return 0;
	case F_GROUPS:
		return count(arg, 1, HN_RB_MAX_GROUPS, &f->groups);
	case F_RULE:
		return parse_rule(arg, f);
	case F_VALSET:
		return count(arg, 0, 10000, &f->valset_n);
	case F_MAX_DROP:
		return number(arg, 0, 1, &f->max_drop);
	case F_DROPOUT:
		return number(arg, 0, 0.9, &f->dropout);
	}
	return -1;
}

static int set_fed_opt(int c, const char *arg, struct fed_opts *f)
{
	char err[256];
	double x;

	switch (c) {
	case F_DATA:
		f->data = arg;
		return 0;
	case F_OUT:
		f->out = f->list = arg;
		return 0;
	case F_JSON:
		f->json = arg;
		return 0;
	case F_NODES:
		return count(arg, 1, HN_PART_MAX_NODES, &f->part.nodes);
	case F_PART:
		if (hn_part_parse(arg, &f->part, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return -1;
		}
		return 0;
	case F_SEED:
		if (number(arg, 0, 1e15, &x) || x != floor(x))
			return -1;
		f->part.seed = f->train.seed = x;
		return 0;
	case F_ROUNDS:
		return count(arg, 1, 100000, &f->rounds);
	case F_STEPS:
		return count(arg, 1, 1000000, &f->steps);
	case F_BATCH:
		return count(arg, 1, 1024, &f->train.batch);
	case F_LR:
		return number(arg, 1e-7, 1, &f->train.lr);
	case F_WD:
		return number(arg, 0, 1, &f->train.wd);
	case F_CLIP:
		return number(arg, 1e-6, 1e6, &f->clip);
	case F_QAT:
		return count(arg, 0, 100000, &f->qat_rounds);
	case F_CALIB:
		return count(arg, 100, 60000, &f->calib_n);
	case F_EVAL:
		return count(arg, 0, 100000, &f->eval_every);
	case F_PLAIN:
		f->plain = 1;
		return 0;
	case F_NO_CENTRAL:
		f->central = 0;
		return 0;
	}
	return set_defence_opt(c, arg, f);
}

/* The defence's defaults and the combinations refused. */
static int check_defence(struct fed_opts *f)
{
	unsigned int n = f->part.nodes;

	if ((f->poison > 0) != (f->attack != ATK_NONE))
		return bad("--poison and --attack go together", NULL);
	if (f->no_defence) {
		if (f->groups > 1)
			return bad("--no-defence sums all nodes: no --groups",
				   NULL);
		f->groups = 1;
		return 0;
	}
	if (!f->groups)
		f->groups = n / NODES_PER_GROUP ? n / NODES_PER_GROUP : 1;
	if (f->groups > 1 && n < f->groups * HN_RB_MIN_GROUP)
		return bad("fewer than 3 nodes a group", NULL);
	if (f->rule == HN_RB_TRIMMED && 2 * f->trim >= f->groups)
		return bad("the trim leaves no group", NULL);
	if (!f->valset_n)
		return bad("the defence's gate needs a --valset", NULL);
	return 0;
}

static int parse_fed(int argc, char **argv, struct fed_opts *f)
{
	int c;

	fed_defaults(f);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", fed_long, NULL)) != -1) {
		if (c == 'h') {
			fed_usage(stdout);
			exit(0);
		}
		if (c == '?' || set_fed_opt(c, optarg, f))
			return bad(c == '?' ? "bad option" : "bad value: ",
				   c == '?' ? NULL : optarg);
	}
	if (optind != argc)
		return bad("no arguments expected: ", argv[optind]);
	if (f->qat_rounds > f->rounds)
		return bad("--qat-rounds exceeds --rounds", NULL);
	return check_defence(f);
}

static int load(const char *dir, const char *prefix, struct fm_set *s)
{
	char err[512];

	if (!fm_load(dir, prefix, s, err, sizeof(err)))
		return 0;
	fprintf(stderr, "%s: %s\n", prog, err);
	if (!fm_have_data(dir))
		fprintf(stderr, "%s: install Debian's dataset-fashion-mnist\n",
			prog);
	return -1;
}

static int make_partition(const struct fed_opts *f, const struct fm_set *s,
			  struct hn_partition *p)
{
	char err[512];

	if (!hn_partition_make(s->label, s->n, FM_CLASSES, &f->part, p, err,
			       sizeof(err)))
		return 0;
	fprintf(stderr, "%s: %s\n", prog, err);
	return -1;
}

/* Per node: its size and class counts, on stderr. */
static void print_shards(const struct hn_partition *p, const struct fm_set *s)
{
	unsigned int k, c, hist[FM_CLASSES];
	size_t j;

	for (k = 0; k < p->nodes; k++) {
		memset(hist, 0, sizeof(hist));
		for (j = p->start[k]; j < p->start[k + 1]; j++)
			hist[s->label[p->ids[j]]]++;
		fprintf(stderr, "node %2u %6zu:", k, hn_part_size(p, k));
		for (c = 0; c < FM_CLASSES; c++)
			fprintf(stderr, " %5u", hist[c]);
		fputc('\n', stderr);
	}
}

int fm_cmd_partition(int argc, char **argv)
{
	struct hn_partition p;
	struct fed_opts f;
	struct fm_set s, v;
	FILE *out = stdout;
	int ret = 1;

	if (parse_fed(argc, argv, &f))
		return EXIT_USAGE;
	memset(&v, 0, sizeof(v));
	if (load(f.data, "train", &s))
		return 1;
	/* the shards of the images fed and node train on: no valset's */
	if (fm_valset_take(&s, f.valset_n, f.part.seed, &v)) {
		fprintf(stderr, "%s: no %u of %zu training images\n", prog,
			f.valset_n, s.n);
		goto out;
	}
	if (make_partition(&f, &s, &p))
		goto out;
	print_shards(&p, &s);
	if (f.list && strcmp(f.list, "-") && !(out = fopen(f.list, "w"))) {
		fprintf(stderr, "%s: %s: %s\n", prog, f.list, strerror(errno));
		goto out_p;
	}
	ret = hn_partition_write(&p, &f.part, out) ? 1 : 0;
	if (out != stdout && fclose(out))
		ret = 1;
	if (ret)
		fprintf(stderr, "%s: writing the index lists failed\n", prog);
out_p:
	hn_partition_free(&p);
out:
	fm_free(&s);
	fm_free(&v);
	return ret;
}

/* ---- the federated run ------------------------------------------------- */

struct fed_run {
	const struct fed_opts *f;
	struct fm_set train, test, calib; /* calib: a view of train */
	struct fm_set val; /* held out of every shard */
	struct fm_set flip; /* train's images, labels flipped (labelflip) */
	uint8_t campaign[32], val_sha[32];
	uint8_t *poisoned; /* by node */
	unsigned int n_poisoned;
	uint32_t *ids; /* node k is k + 1 */
	unsigned int *group, *members, *gsize; /* by node, by node, by group */
	float **gsum; /* each group's decoded sum */
	float *saved; /* the model before a candidate, for the gate */
	unsigned long gate_refused, groups_valid;
	double val_acc;
	struct hn_partition part;
	struct fm_net global, work;
	size_t d; /* parameters; updates have d + 1 coordinates */
	size_t max_shard;
	float *u, *agg;
	uint32_t **q, *sum, *expect;
	double scale, clip_enc;
	/* totals over the run */
	double t_train, t_encode, t_secagg, t_apply, t_calib, t_eval, wall;
	double node_train_cpu, node_sa_cpu, agg_cpu, norm_sum;
	unsigned long n_updates, n_clipped, rounds_exact, rounds_agg;
	double loss_last;
};

static double cosine_lr(double lr0, unsigned int r, unsigned int n)
{
	return lr0 * 0.5 * (1 + cos(M_PI * r / n));
}

/* The rounding seed of node @k in round @r: reproducible runs. */
static void round_seed(uint64_t seed, unsigned int r, unsigned int k,
		       uint8_t out[32])
{
	uint64_t s = seed ^ ((uint64_t)r << 32) ^ k ^ 0x464544ULL, v;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		v = fm_rand(&s);
		memcpy(out + 8 * i, &v, 8);
	}
}

static int node_update(struct fed_run *r, unsigned int round, unsigned int k,
		       double lr)
{
	const struct fed_opts *f = r->f;
	struct fm_local_opts lo = { .steps = f->steps,
				    .lr = lr,
				    .clip = f->clip };
	size_t n = hn_part_size(&r->part, k);
	uint64_t rng = f->train.seed ^ ((uint64_t)round << 20) ^ (k + 1);
	uint8_t seed[32];
	double t0, loss, norm;

	lo.weight = (double)n / r->max_shard;
	if (r->poisoned[k] && f->attack != ATK_LABELFLIP)
		lo.clip = HUGE_VAL; /* it skips its clip */
	t0 = cpu_now();
	if (fm_local_update(&r->global, &r->work,
			    r->poisoned[k] && f->attack == ATK_LABELFLIP ?
				    &r->flip :
				    &r->train,
			    r->part.ids + r->part.start[k], n, &f->train, &lo,
			    &rng, r->u, &loss, &norm))
		return -1;
	r->node_train_cpu += cpu_now() - t0;
	r->loss_last += loss * n / r->train.n;
	r->norm_sum += norm;
	r->n_clipped += norm > f->clip;
	r->n_updates++;
	t0 = cpu_now();
	round_seed(f->part.seed, round, k, seed);
	if (r->poisoned[k] && f->attack != ATK_LABELFLIP)
		fm_poison_encode(r->u, r->d,
				 f->attack == ATK_SIGNFLIP ? -1 : 10,
				 r->clip_enc, r->scale, r->q[k]);
	else if (hn_sa_fxp_encode(r->u, r->d + 1, r->clip_enc, r->scale, seed,
				  r->q[k]))
		return -1;
	r->node_sa_cpu += cpu_now() - t0;
	return 0;
}

/* The plain sum of the @n nodes @mem's encodings. */
static void plain_sum(struct fed_run *r, const unsigned int *mem,
		      unsigned int n, uint32_t *sum)
{
	unsigned int k;
	size_t i;

	memset(sum, 0, (r->d + 1) * sizeof(*sum));
	for (k = 0; k < n; k++)
		for (i = 0; i <= r->d; i++)
			sum[i] += r->q[mem[k]][i];
}

/*
 * A real secure-aggregation round over the encodings of the @n nodes
 * @mem, the @j-th group of @round: its round number in the protocol is
 * round * 256 + j, so that no two groups' rounds share keys or
 * signatures.  With --dropout, that share of the group drops after
 * sending its shares.
 */
static int secagg_sum(struct fed_run *r, unsigned int round, unsigned int j,
		      const unsigned int *mem, unsigned int n)
{
	unsigned int k, t, i, got, want;
	struct hn_sa_sim s;
	char err[256];
	int ret;

	hn_sa_choose(n, DROP_PERMILLE, &k, &t);
	ret = hn_sa_sim_init(&s, n, k, t, r->d + 1,
			     round * HN_RB_MAX_GROUPS + j);
	for (i = 0; !ret && i < n; i++)
		memcpy(s.q[i], r->q[mem[i]], (r->d + 1) * sizeof(uint32_t));
	if (!ret && r->f->dropout > 0)
		hn_sa_sim_drop(&s, lround(r->f->dropout * n), HN_SA_AFTER_SHARE,
			       round * 131 + j);
	if (!ret)
		ret = hn_sa_sim_run(&s, r->sum, &got, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s: secure aggregation: %s\n", prog,
			ret == -ENOMEM ? "out of memory" : err);
		hn_sa_sim_free(&s);
		return -1;
	}
	hn_sa_sim_expected(&s, r->expect, &want);
	r->rounds_exact += got == want &&
			   !memcmp(r->sum, r->expect, (r->d + 1) * 4);
	r->rounds_agg++;
	for (i = 0; i < n; i++)
		r->node_sa_cpu += s.cpu[i];
	r->agg_cpu += s.agg_cpu;
	hn_sa_sim_free(&s);
	return 0;
}

static int calibrate(struct fm_net *net, const struct fm_set *calib)
{
	if (fm_net_calibrate(net, calib) >= 0)
		return 0;
	fprintf(stderr, "%s: calibration failed\n", prog);
	return -1;
}

/* Before round @round: calibrated for a QAT round (fm_fed_qat()). */
static int qat_round(struct fm_net *net, unsigned int round,
		     const struct fed_opts *f, const struct fm_set *calib)
{
	if (fm_fed_qat(net, round, f->rounds, f->qat_rounds, calib) >= 0)
		return 0;
	fprintf(stderr, "%s: calibration failed\n", prog);
	return -1;
}

/*
 * The round's groups (one group of all without the defence), each summed
 * by its own secure-aggregation round, decoded into r->gsum[j].
 */
static int group_sums(struct fed_run *r, unsigned int round)
{
	unsigned int n = r->part.nodes, g = r->f->groups, j, k, m;

	if (hn_rb_groups(r->campaign, round, r->ids, n, g, r->group)) {
		fprintf(stderr, "%s: no groups of %u nodes\n", prog, n);
		return -1;
	}
	for (j = 0; j < g; j++) {
		for (k = m = 0; k < n; k++)
			if (r->group[k] == j)
				r->members[m++] = k;
		r->gsize[j] = m;
		if (r->f->plain)
			plain_sum(r, r->members, m, r->sum);
		else if (secagg_sum(r, round, j, r->members, m))
			return -1;
		hn_sa_fxp_decode(r->sum, r->d + 1, r->scale, r->gsum[j]);
	}
	return 0;
}

/* The round's result into r->agg: the sum, or the robust combination. */
static int aggregate(struct fed_run *r, unsigned int round)
{
	const struct hn_rb_opts o = { .rule = r->f->rule, .trim = r->f->trim };
	unsigned int valid;

	if (group_sums(r, round))
		return -1;
	if (r->f->no_defence) {
		memcpy(r->agg, r->gsum[0], (r->d + 1) * sizeof(float));
		return 0;
	}
	if (hn_rb_combine((const float *const *)r->gsum, r->gsize, r->f->groups,
			  r->d, &o, r->agg, &valid)) {
		fprintf(stderr, "%s: round %u: no valid group sum\n", prog,
			round);
		return -1;
	}
	r->groups_valid += valid;
	return 0;
}

static size_t val_ok(struct fed_run *r)
{
	return lround(fm_net_accuracy(&r->global, &r->val) * r->val.n);
}

/*
 * Every node applies the result the same way; with the defence, it keeps
 * the candidate only if the gate passes it on the validation set.
 */
static int install(struct fed_run *r, unsigned int round)
{
	size_t ok_cur = 0, ok_new;

	if (!r->f->no_defence) {
		ok_cur = val_ok(r);
		fm_net_get(&r->global, r->saved);
	}
	if (fm_fed_apply(&r->global, r->agg)) {
		fprintf(stderr, "%s: round %u: no weight summed\n", prog,
			round);
		return -1;
	}
	if (r->f->no_defence || !r->val.n)
		return 0;
	ok_new = val_ok(r);
	if (hn_rb_gate(ok_cur, ok_new, r->val.n,
		       lround(r->f->max_drop * 10000))) {
		r->val_acc = (double)ok_new / r->val.n;
		return 0;
	}
	fm_net_set(&r->global, r->saved);
	r->val_acc = (double)ok_cur / r->val.n;
	r->gate_refused++;
	printf("round %3u: refused by the gate (validation %.4f -> %.4f)\n",
	       round + 1, (double)ok_cur / r->val.n, (double)ok_new / r->val.n);
	return 0;
}

static int fed_round(struct fed_run *r, unsigned int round)
{
	const struct fed_opts *f = r->f;
	double lr = cosine_lr(f->train.lr, round, f->rounds), t0 = mono_now();
	unsigned int k;

	if (qat_round(&r->global, round, f, &r->calib))
		return -1;
	r->t_calib += mono_now() - t0;
	r->loss_last = 0;
	for (k = 0; k < r->part.nodes; k++) {
		t0 = mono_now();
		if (node_update(r, round, k, lr)) {
			fprintf(stderr, "%s: node %u: local update failed\n",
				prog, k);
			return -1;
		}
		r->t_train += mono_now() - t0;
	}
	t0 = mono_now();
	if (aggregate(r, round))
		return -1;
	r->t_secagg += mono_now() - t0;
	t0 = mono_now();
	if (install(r, round))
		return -1;
	r->t_apply += mono_now() - t0;
	return 0;
}

/* The centralised baseline: the union of the shards, the same steps. */
static int central_train(struct fed_run *r, struct fm_net *net)
{
	const struct fed_opts *f = r->f;
	uint64_t rng = f->train.seed ^ 0x43454e54ULL;
	unsigned int round;
	double loss = 0;

	for (round = 0; round < f->rounds; round++) {
		if (qat_round(net, round, f, &r->calib))
			return -1;
		loss = fm_train_steps(net, &r->train, r->part.ids, r->part.n,
				      &f->train,
				      cosine_lr(f->train.lr, round, f->rounds),
				      f->steps, &rng);
		if (isnan(loss))
			return -1;
	}
	printf("central: %u steps, last loss %.4f\n", f->rounds * f->steps,
	       loss);
	return 0;
}

struct fed_acc {
	double flt, qat, int8; /* float, QAT forward, hn-model pipeline */
	size_t split_mismatch;
};

/*
 * Float accuracy, then calibration and the quantiser's int8 models
 * through the split pipeline (exported to @dir).
 */
static int evaluate(struct fed_run *r, struct fm_net *net, const char *dir,
		    struct fed_acc *a)
{
	struct fm_models ms;
	struct fm_eval ev;
	char err[512];

	net->qat = 0;
	fm_net_refresh(net);
	a->flt = fm_net_accuracy(net, &r->test);
	if (calibrate(net, &r->calib))
		return -1;
	a->qat = fm_net_accuracy(net, &r->test);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	if (fm_export(net, &r->calib, dir, dir, err, sizeof(err)) ||
	    fm_models_load(dir, NULL, &ms, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	fm_evaluate(&ms, &r->test, 0, &ev);
	fm_models_free(&ms);
	a->int8 = (double)ev.ok_fixed / ev.n;
	a->split_mismatch = ev.split_mismatch;
	return 0;
}

static int defence_alloc(struct fed_run *r)
{
	unsigned int n = r->part.nodes, g = r->f->groups, k;

	r->ids = calloc(n, sizeof(*r->ids));
	r->group = calloc(n, sizeof(*r->group));
	r->members = calloc(n, sizeof(*r->members));
	r->gsize = calloc(g, sizeof(*r->gsize));
	r->gsum = calloc(g, sizeof(*r->gsum));
	r->saved = malloc(r->d * sizeof(float));
	if (!r->ids || !r->group || !r->members || !r->gsize || !r->gsum ||
	    !r->saved)
		return -1;
	for (k = 0; k < g; k++)
		if (!(r->gsum[k] = malloc((r->d + 1) * sizeof(float))))
			return -1;
	for (k = 0; k < n; k++)
		r->ids[k] = k + 1;
	return 0;
}

static int run_alloc(struct fed_run *r)
{
	unsigned int k, n = r->part.nodes;
	size_t i;

	r->d = fm_net_dim(&r->global);
	for (i = 0; i < r->part.nodes; i++)
		if (hn_part_size(&r->part, i) > r->max_shard)
			r->max_shard = hn_part_size(&r->part, i);
	r->u = malloc((r->d + 1) * sizeof(float));
	r->agg = malloc((r->d + 1) * sizeof(float));
	r->sum = malloc((r->d + 1) * 4);
	r->expect = malloc((r->d + 1) * 4);
	r->q = calloc(n, sizeof(*r->q));
	if (!r->u || !r->agg || !r->sum || !r->expect || !r->q)
		return -1;
	for (k = 0; k < n; k++)
		if (!(r->q[k] = malloc((r->d + 1) * 4)))
			return -1;
	if (defence_alloc(r))
		return -1;
	/* ||u|| <= weight * sqrt(clip^2 + 1) <= clip_enc: no second clip */
	r->clip_enc = sqrt(r->f->clip * r->f->clip + 1);
	r->scale = hn_sa_fxp_max_scale(n, r->clip_enc);
	return r->scale > 0 ? 0 : -1;
}

static void run_free(struct fed_run *r)
{
	unsigned int k;

	for (k = 0; r->q && k < r->part.nodes; k++)
		free(r->q[k]);
	free(r->q);
	free(r->u);
	free(r->agg);
	free(r->sum);
	free(r->expect);
	for (k = 0; r->gsum && k < r->f->groups; k++)
		free(r->gsum[k]);
	free(r->gsum);
	free(r->ids);
	free(r->group);
	free(r->members);
	free(r->gsize);
	free(r->saved);
	free(r->poisoned);
	free(r->flip.label);
	fm_free(&r->val);
	fm_net_free(&r->global);
	fm_net_free(&r->work);
	hn_partition_free(&r->part);
	fm_free(&r->train);
	fm_free(&r->test);
}

/*
 * The validation set: @n training images picked by the seed, moved out
 * of r->train (so out of every shard), in their original order.
 */
static int holdout(struct fed_run *r, unsigned int n)
{
	if (fm_valset_take(&r->train, n, r->f->part.seed, &r->val)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	return 0;
}

/*
 * Its digest is SHA-256 over the images (784 bytes each) then the
 * labels, the bytes of the file valset.bin written to --out.
 */
static int write_valset(struct fed_run *r)
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	char path[4200];
	FILE *f;
	int ret;

	ret = !h || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1 ||
	      EVP_DigestUpdate(h, r->val.pix, r->val.n * FM_PIX) != 1 ||
	      EVP_DigestUpdate(h, r->val.label, r->val.n) != 1 ||
	      EVP_DigestFinal_ex(h, r->val_sha, NULL) != 1;
	EVP_MD_CTX_free(h);
	if (ret) {
		fprintf(stderr, "%s: SHA-256 failed\n", prog);
		return -1;
	}
	if (mkdir(r->f->out, 0755) && errno != EEXIST)
		goto err;
	snprintf(path, sizeof(path), "%s/valset.bin", r->f->out);
	f = fopen(path, "w");
	if (!f)
		goto err;
	ret = fwrite(r->val.pix, FM_PIX, r->val.n, f) != r->val.n ||
	      fwrite(r->val.label, 1, r->val.n, f) != r->val.n;
	if (fclose(f) || ret)
		goto err;
	return 0;
err:
	fprintf(stderr, "%s: %s: %s\n", prog, r->f->out, strerror(errno));
	return -1;
}

/*
 * The poisoned nodes (the same all run long, picked by the seed), the
 * flipped labels they train on for labelflip, and the campaign value
 * that seeds the grouping.
 */
static int poison_setup(struct fed_run *r)
{
	unsigned int n = r->part.nodes, k;
	uint64_t rng = r->f->part.seed ^ 0x504f4953ULL, x; /* "POIS" */
	size_t i;

	r->poisoned = calloc(n, 1);
	if (!r->poisoned)
		return -1;
	r->n_poisoned = lround(r->f->poison * n);
	for (k = 0; k < r->n_poisoned;) {
		x = fm_rand(&rng) % n;
		if (!r->poisoned[x]) {
			r->poisoned[x] = 1;
			k++;
		}
	}
	x = r->f->part.seed;
	SHA256((const uint8_t *)&x, sizeof(x), r->campaign);
	if (r->f->attack != ATK_LABELFLIP)
		return 0;
	r->flip = r->train;
	r->flip.label = malloc(r->train.n);
	if (!r->flip.label)
		return -1;
	for (i = 0; i < r->train.n; i++)
		r->flip.label[i] = FM_CLASSES - 1 - r->train.label[i];
	return 0;
}

static int run_setup(struct fed_run *r, const struct fed_opts *f)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	if (load(f->data, "train", &r->train) ||
	    load(f->data, "t10k", &r->test))
		return -1;
	if (f->valset_n && (holdout(r, f->valset_n) || write_valset(r)))
		return -1;
	if (make_partition(f, &r->train, &r->part))
		return -1;
	if (poison_setup(r)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	/* a stand-in for the campaign's validation set */
	r->calib = r->train;
	r->calib.n = f->calib_n < r->train.n ? f->calib_n : r->train.n;
	if (fm_net_init(&r->global, &f->train) ||
	    fm_net_init(&r->work, &f->train) || run_alloc(r)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	return 0;
}

static int run_rounds(struct fed_run *r)
{
	const struct fed_opts *f = r->f;
	double t0 = mono_now(), t1;
	unsigned int round;

	for (round = 0; round < f->rounds; round++) {
		if (fed_round(r, round))
			return -1;
		printf("round %3u: loss %.4f", round + 1, r->loss_last);
		if (!f->no_defence)
			printf(", validation %.4f", r->val_acc);
		if (f->eval_every && (round + 1) % f->eval_every == 0) {
			t1 = mono_now();
			printf(", test %.4f%s",
			       fm_net_accuracy(&r->global, &r->test),
			       r->global.qat ? " (int8)" : "");
			r->t_eval += mono_now() - t1;
		}
		printf(" (%.1f s)\n", mono_now() - t0 - r->t_eval);
		fflush(stdout);
	}
	r->wall = mono_now() - t0 - r->t_eval;
	return 0;
}

static void json_shares(struct jsonw *w, const struct fed_run *r)
{
	const struct {
		const char *name;
		double t;
	} ph[] = { { "train", r->t_train },
		   { "secagg", r->t_secagg },
		   { "calibrate", r->t_calib },
		   { "apply", r->t_apply } };
	unsigned int i;

	jsonw_name(w, "round_phase_share");
	jsonw_obj_open(w);
	for (i = 0; i < sizeof(ph) / sizeof(ph[0]); i++)
		jsonw_kv_float(w, ph[i].name, ph[i].t / r->wall);
	jsonw_obj_close(w);
}

static void hex32(const uint8_t *b, char *out)
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void json_defence(struct jsonw *w, const struct fed_run *r)
{
	const struct fed_opts *f = r->f;
	char hex[65];

	jsonw_kv_str(w, "attack", attack_names[f->attack]);
	jsonw_kv_u64(w, "poisoned", r->n_poisoned);
	jsonw_kv_bool(w, "defence", !f->no_defence);
	jsonw_kv_float(w, "dropout", f->dropout);
	jsonw_kv_u64(w, "valset", r->val.n);
	if (r->val.n) {
		hex32(r->val_sha, hex);
		jsonw_kv_str(w, "valset_sha256", hex);
	}
	if (f->no_defence)
		return;
	jsonw_kv_u64(w, "groups", f->groups);
	jsonw_kv_str(w, "rule", f->rule == HN_RB_MEDIAN ? "median" : "trim");
	if (f->rule == HN_RB_TRIMMED)
		jsonw_kv_u64(w, "trim", f->trim);
	jsonw_kv_float(w, "groups_valid_mean",
		       (double)r->groups_valid / f->rounds);
	jsonw_kv_float(w, "max_drop", f->max_drop);
	jsonw_kv_u64(w, "gate_refused", r->gate_refused);
	jsonw_kv_float(w, "val_acc", r->val_acc);
}

static void write_json(const struct fed_run *r, const struct fed_acc *fa,
		       const struct fed_acc *ca, FILE *out)
{
	const struct fed_opts *f = r->f;
	char name[64];
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_obj_open(&w);
	jsonw_kv_str(&w, "partition", hn_part_name(&f->part, name, 64));
	jsonw_kv_u64(&w, "nodes", f->part.nodes);
	jsonw_kv_u64(&w, "seed", f->part.seed);
	jsonw_kv_u64(&w, "rounds", f->rounds);
	jsonw_kv_u64(&w, "local_steps", f->steps);
	jsonw_kv_u64(&w, "batch", f->train.batch);
	jsonw_kv_float(&w, "lr", f->train.lr);
	jsonw_kv_float(&w, "clip", f->clip);
	jsonw_kv_u64(&w, "qat_rounds", f->qat_rounds);
	jsonw_kv_u64(&w, "params", r->d);
	jsonw_kv_float(&w, "fxp_scale", r->scale);
	jsonw_kv_str(&w, "aggregation", f->plain ? "plain" : "secagg");
	jsonw_kv_bool(&w, "secagg_exact",
		      !f->plain && r->rounds_exact == r->rounds_agg);
	jsonw_kv_float(&w, "clipped_share",
		       (double)r->n_clipped / r->n_updates);
	jsonw_kv_float(&w, "delta_norm_mean", r->norm_sum / r->n_updates);
	jsonw_kv_float(&w, "fed_acc", fa->int8);
	jsonw_kv_float(&w, "fed_acc_float", fa->flt);
	jsonw_kv_u64(&w, "fed_split_mismatches", fa->split_mismatch);
	if (f->central) {
		jsonw_kv_float(&w, "central_acc", ca->int8);
		jsonw_kv_float(&w, "central_acc_float", ca->flt);
		jsonw_kv_float(&w, "fed_gap_central", ca->int8 - fa->int8);
	}
	jsonw_kv_float(&w, "wall_per_round_s", r->wall / f->rounds);
	json_shares(&w, r);
	jsonw_kv_float(&w, "node_train_cpu_s",
		       r->node_train_cpu / r->n_updates);
	jsonw_kv_float(&w, "node_secagg_cpu_s", r->node_sa_cpu / r->n_updates);
	jsonw_kv_float(&w, "secagg_cpu_share",
		       r->node_sa_cpu / r->node_train_cpu);
	jsonw_kv_float(&w, "aggregator_cpu_s", r->agg_cpu / f->rounds);
	json_defence(&w, r);
	jsonw_obj_close(&w); /* and the newline */
}

static int report(const struct fed_run *r, const struct fed_acc *fa,
		  const struct fed_acc *ca)
{
	const char *path = r->f->json;
	FILE *out;
	int ret;

	printf("fed int8 %.4f (float %.4f, QAT forward %.4f)\n", fa->int8,
	       fa->flt, fa->qat);
	if (r->f->central)
		printf("central int8 %.4f (float %.4f), gap %.4f\n", ca->int8,
		       ca->flt, ca->int8 - fa->int8);
	printf("%.2f s per round; node CPU: training %.3f s, secagg %.4f s\n",
	       r->wall / r->f->rounds, r->node_train_cpu / r->n_updates,
	       r->node_sa_cpu / r->n_updates);
	if (!path)
		return 0;
	out = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!out) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	write_json(r, fa, ca, out);
	ret = out != stdout && fclose(out) ? -1 : 0;
	return ret;
}

static void print_defence(const struct fed_run *r)
{
	const struct fed_opts *f = r->f;
	char hex[65];
	unsigned int k;

	if (r->n_poisoned) {
		printf("%u poisoned nodes (%s):", r->n_poisoned,
		       attack_names[f->attack]);
		for (k = 0; k < r->part.nodes; k++)
			if (r->poisoned[k])
				printf(" %u", k);
		putchar('\n');
	}
	if (r->val.n) {
		hex32(r->val_sha, hex);
		printf("validation set: %zu images held out, sha256 %s\n",
		       r->val.n, hex);
	}
	if (f->no_defence)
		printf("no defence: one group, plain sum, no gate\n");
	else
		printf("defence: %u groups, %s, gate at %.4f\n", f->groups,
		       f->rule == HN_RB_MEDIAN ? "median" : "trimmed mean",
		       f->max_drop);
}

int fm_cmd_fed(int argc, char **argv)
{
	struct fed_acc fa = { 0 }, ca = { 0 };
	char dir[4096];
	struct fed_opts f;
	struct fed_run r;
	struct fm_net central;
	int ret = 1;

	if (parse_fed(argc, argv, &f))
		return EXIT_USAGE;
	if (run_setup(&r, &f))
		goto out;
	printf("%u nodes, %zu items, largest shard %zu, %zu parameters, scale 2^%d, %s\n",
	       r.part.nodes, r.part.n, r.max_shard, r.d, ilogb(r.scale),
	       f.plain ? "plain sum" : "secure aggregation");
	print_defence(&r);
	if (run_rounds(&r))
		goto out;
	snprintf(dir, sizeof(dir), "%s", f.out);
	if (evaluate(&r, &r.global, dir, &fa))
		goto out;
	if (f.central) {
		if (fm_net_init(&central, &f.train))
			goto out;
		snprintf(dir, sizeof(dir), "%s/central", f.out);
		ret = central_train(&r, &central) ||
		      evaluate(&r, &central, dir, &ca);
		fm_net_free(&central);
		if (ret)
			goto out;
	}
	ret = report(&r, &fa, &ca) ? 1 : 0;
out:
	run_free(&r);
	return ret;
}
