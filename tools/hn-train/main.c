// SPDX-License-Identifier: GPL-2.0
/*
 * hn-train: train the routing model in the mesh simulator, evaluate it,
 * or run one simulation.  Documentation/learned-routing.rst.
 *
 * Exit codes: 0 success, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <hypernet/dataplane.h>

#include "cmd.h"
#include "hn-train.h"
#include "eval.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hn-train train [-o|--output OUT.txt] [--seed N] [--generations G] [--pairs P]\n"
		"                      [--scenarios S] [--threads T] [--duration-ms MS]\n"
		"                      [--loss-weight W] [--move-weight W] [--split-step N]\n"
		"       hn-train eval [--model FILE] [--json FILE] [--report FILE.md]\n"
		"                     [--plot FILE.svg] [--threads T] [--seeds N] [--quick]\n"
		"                     [--topo SPEC[,OPTION...][@SEED],...] [--topo-seed N,...]\n"
		"                     [--traffic KIND,...] [--load L,...] [--policy NAME,...]\n"
		"                     [--duration-ms MS] [--fail auto|none|NODE] [--fail-load L]\n"
		"                     [--loss-timeout-ms MS] [--no-bound] [--train-log FILE.txt]\n"
		"       hn-train sim [--topo SPEC[,half|full|drift=MS|true-costs|no-ctrl|radio]...]\n"
		"                    [--topo-seed N]\n"
		"                    [--policy model|hops|etx|ett|ett-load|oracle]\n"
		"                    [--model FILE] [--load L] [--traffic uniform|hotspot|burst|lab]\n"
		"                    [--fail NODE] [--duration-ms MS] [--seed N]\n"
		"       hn-train bound [--topo SPEC] [--topo-seed N] [--seed S] [--load L]\n"
		"                      [--traffic uniform|hotspot|burst|lab] [--fail NODE]\n"
		"                      [--json FILE|-]\n"
		"\n"
		"  train  evolution strategies in the simulator from the hand-made prior;\n"
		"         writes the float text model (default stdout)\n"
		"  eval   the policies (learned, hop count, ETX, the oracle) on a suite of\n"
		"         scenarios, held-out topologies apart, lost frames charged a\n"
		"         timeout; markdown report, JSON and a gnuplot plot\n"
		"  sim    one simulation, its figures in three lines\n"
		"  bound  the scenario's max concurrent flow (load 1.0) and the lower\n"
		"         bound of its mean delivery time over all multipath routings\n"
		"models: float text (.txt, quantised as `make models` does) or .hnm\n");
}

/* In enum order. */
static const char *const policy_names[] = { "model",  "hops", "etx",
					    "oracle", "ett",  "ett-load",
					    NULL };
static const char *const traffic_names[] = { "uniform", "hotspot", "burst",
					     "lab", NULL };

/* Index of @s in the NULL-terminated @names, or -1. */
static int name_index(const char *s, const char *const *names)
{
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* hn-train sim's three lines (hn-train.1). */
static void print_sim(const struct hn_sim_stats *st, double secs)
{
	printf("sent %llu delivered %llu dropped %llu (queue %llu link %llu ttl %llu dead %llu noroute %llu)\n"
	       "measured: sent %llu delivered %llu lost %llu fallback %llu mean %.0f us p99 %.0f us\n"
	       "decisions %llu cache hits %llu epochs %llu lsas %llu events %llu in %.2f s\n",
	       (unsigned long long)st->sent, (unsigned long long)st->delivered,
	       (unsigned long long)st->dropped,
	       (unsigned long long)st->drop_queue,
	       (unsigned long long)st->drop_link,
	       (unsigned long long)st->drop_ttl,
	       (unsigned long long)st->drop_dead,
	       (unsigned long long)st->drop_no_route,
	       (unsigned long long)st->m_sent,
	       (unsigned long long)st->m_delivered,
	       (unsigned long long)st->m_lost,
	       (unsigned long long)st->m_fallback, st->mean_us, st->p99_us,
	       (unsigned long long)st->decisions,
	       (unsigned long long)st->cache_hits,
	       (unsigned long long)st->epochs, (unsigned long long)st->lsas,
	       (unsigned long long)st->events, secs);
}

static int cmd_sim(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "topo", required_argument, NULL, 't' },
		{ "topo-seed", required_argument, NULL, 'T' },
		{ "policy", required_argument, NULL, 'p' },
		{ "model", required_argument, NULL, 'm' },
		{ "load", required_argument, NULL, 'l' },
		{ "traffic", required_argument, NULL, 'r' },
		{ "fail", required_argument, NULL, 'f' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ 0 }
	};
	struct hn_tr_scn scn = { .topo = "rgg:16",
				 .topo_seed = 1,
				 .load = 0.5,
				 .fail_node = -1,
				 .duration_ms = 4000,
				 .seed = 1,
				 .split_step = HN_RT_SPLIT_STEP };
	int pol = HN_SIM_MODEL;
	const char *model = NULL;
	struct hn_rt_model rt;
	struct hn_sim_stats st;
	struct hn_sim_topo topo;
	char err[256];
	double t0;
	int c, tr;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			scn.topo = optarg;
			break;
		case 'T':
			scn.topo_seed = strtoull(optarg, NULL, 0);
			break;
		case 'm':
			model = optarg;
			break;
		case 'l':
			scn.load = atof(optarg);
			break;
		case 'f':
			scn.fail_node = atoi(optarg);
			break;
		case 'd':
			scn.duration_ms = atoi(optarg);
			break;
		case 's':
			scn.seed = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			pol = name_index(optarg, policy_names);
			if (pol < 0)
				goto bad;
			break;
		case 'r':
			tr = name_index(optarg, traffic_names);
			if (tr < 0)
				goto bad;
			scn.traffic = tr;
			break;
		default:
			goto bad;
		}
	}
	scn.warmup_ms = scn.duration_ms / 4;
	scn.fail_ms = scn.duration_ms / 2;
	if (model && hn_tr_load_rt(model, &rt, err, sizeof(err))) {
		fprintf(stderr, "hn-train: %s: %s\n", model, err);
		return 1;
	}
	if (hn_sim_topo_make(&topo, scn.topo, scn.topo_seed, err,
			     sizeof(err))) {
		fprintf(stderr, "hn-train: %s\n", err);
		return 2;
	}
	t0 = hn_tr_now();
	if (hn_tr_run(&scn, pol, model ? &rt : NULL, &st)) {
		fprintf(stderr, "hn-train: cannot simulate %s\n", scn.topo);
		return 1;
	}
	print_sim(&st, hn_tr_now() - t0);
	return 0;
bad:
	usage(stderr);
	return 2;
}

struct qcheck {
	const struct hn_tr_params *p;
	unsigned long n, same;
};

static void qcheck_one(void *ctx, const struct hn_sim_decision *d)
{
	struct qcheck *q = ctx;
	double best;

	if (d->n_cand < 2 || d->reason != HN_DP_R_MODEL)
		return;
	q->n++;
	q->same += hn_tr_float_argmax(q->p, d->n_cand, d->x, &best) ==
		   d->chosen;
}

/*
 * Quantised against float on the feature vectors a simulated mesh
 * decides on: how often the int8 model picks the float model's argmax,
 * and the quantiser's own error report on those vectors.
 */
static int quant_check(const struct hn_tr_params *p, char *out, size_t len)
{
	struct hn_rt_model rt;
	struct hn_model m;
	struct hn_quant_report rep;
	struct hn_sim_topo t;
	struct hn_sim_cfg c;
	struct qcheck q = { .p = p };
	struct hn_fmodel fm;
	struct hn_sim *s;
	char err[256];
	size_t n_calib;
	double *calib;

	if (hn_tr_quantize(p, &rt, &m, err, sizeof(err)) ||
	    hn_sim_topo_make(&t, "rgg:24", 5, err, sizeof(err)))
		return -1;
	hn_sim_cfg_defaults(&c);
	c.load = 0.8;
	c.model = &rt;
	c.on_decision = qcheck_one;
	c.ctx = &q;
	s = hn_sim_new(&t, &c);
	if (!s)
		return -1;
	hn_sim_run(s);
	hn_sim_free(s);
	/* the quantiser's report over the default calibration */
	memset(&fm, 0, sizeof(fm));
	if (hn_tr_fmodel(p, &fm, err, sizeof(err)))
		return -1;
	if (hn_calib_default(&fm, &calib, &n_calib)) {
		hn_fmodel_free(&fm);
		return -1;
	}
	hn_quant_measure(&fm, &m, calib, n_calib, &rep);
	free(calib);
	hn_fmodel_free(&fm);
	hn_model_free(&m);
	snprintf(
		out, len,
		"# quantised vs float: the int8 model picks the float argmax in %lu of\n"
		"# %lu simulated decisions (rgg:24, load 0.8); score error max %.4f\n"
		"# mean %.4f over the default calibration (scores span +-%.2f)\n",
		q.same, q.n, rep.max_err, rep.mean_err, rep.out_absmax);
	return 0;
}

/* The trained model as text, to stdout or atomically to out: exit code. */
static int write_model(const struct hn_tr_params *p, const char *out,
		       const char *comment)
{
	char tmp[4096];
	FILE *f;

	if (!out)
		return hn_tr_write_text(p, stdout, comment) ? 1 : 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	f = fopen(tmp, "w");
	if (!f || hn_tr_write_text(p, f, comment) || fclose(f) ||
	    rename(tmp, out)) {
		perror(out);
		return 1;
	}
	return 0;
}

/* --split-step: 0 (a pick moves at once) to HN_RT_SPLIT_ONE. */
static int parse_split_step(const char *arg, __u32 *step)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || v > HN_RT_SPLIT_ONE) {
		fprintf(stderr,
			"hn-train: --split-step %s: 0 (move at once) to %u\n",
			arg, HN_RT_SPLIT_ONE);
		return -1;
	}
	*step = v;
	return 0;
}

static int cmd_train(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "generations", required_argument, NULL, 'g' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "scenarios", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 'j' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "loss-weight", required_argument, NULL, 'L' },
		{ "move-weight", required_argument, NULL, 'M' },
		{ "split-step", required_argument, NULL, 'K' },
		{ 0 }
	};
	struct hn_tr_opts o;
	struct hn_tr_params p;
	const char *out = NULL;
	char comment[4096], qline[512];
	double t0, secs;
	int c;

	hn_tr_opts_defaults(&o);
	o.log = stderr;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:j:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'g':
			o.generations = atoi(optarg);
			break;
		case 'p':
			o.pairs = atoi(optarg);
			break;
		case 'S':
			o.scenarios = atoi(optarg);
			break;
		case 'j':
			o.threads = atoi(optarg);
			break;
		case 'd':
			o.duration_ms = atoi(optarg);
			break;
		case 'L':
			o.loss_weight = atof(optarg);
			break;
		case 'M':
			o.move_weight = atof(optarg);
			break;
		case 'K':
			if (parse_split_step(optarg, &o.split_step))
				return 2;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!o.pairs || !o.scenarios || o.scenarios > 32 || !o.threads ||
	    o.duration_ms < 300) {
		usage(stderr);
		return 2;
	}
	hn_tr_prior(&p);
	t0 = hn_tr_now();
	if (hn_tr_train(&o, &p))
		return 1;
	secs = hn_tr_now() - t0;
	fprintf(stderr, "hn-train: trained in %.1f s on %u threads\n", secs,
		o.threads);
	if (quant_check(&p, qline, sizeof(qline))) {
		fprintf(stderr, "hn-train: quantised model check failed\n");
		return 1;
	}
	fputs(qline, stderr);
	snprintf(
		comment, sizeof(comment),
		"# The default HyperNet routing model, trained in the mesh simulator by\n"
		"# `make train-model` (tools/hn-train, Documentation/learned-routing.rst):\n"
		"#   hn-train train --seed %llu --generations %u --pairs %u --scenarios %u\n"
		"#                  --duration-ms %u --threads %u\n"
		"#                  --loss-weight %g --move-weight %g --split-step %u\n"
		"# Inputs: the 9 features of include/hypernet/route.h, x = feature / 128:\n"
		"#   0 quality  1 delay  2 loss  3 load  4 capacity\n"
		"#   5 dist     6 class  7 size  8 ttl\n"
		"# Deterministic for a seed (the thread count does not matter); the\n"
		"# time below is the one run that wrote this file.\n"
		"%s"
		"# train_seconds %.1f\n",
		(unsigned long long)o.seed, o.generations, o.pairs, o.scenarios,
		o.duration_ms, o.threads, o.loss_weight, o.move_weight,
		o.split_step, qline, secs);
	return write_model(&p, out, comment);
}

static const struct hn_cmd cmds[] = { { .name = "sim", .fn = cmd_sim },
				      { .name = "train", .fn = cmd_train },
				      { .name = "eval", .fn = hn_eval_main },
				      { .name = "bound", .fn = hn_bound_main },
				      { NULL } };

int main(int argc, char **argv)
{
	return hn_cmd_main(cmds, usage, NULL, argc, argv);
}
