// SPDX-License-Identifier: GPL-2.0
/*
 * hn-train bound: the simulator's yardstick for one scenario (bound.h):
 * the max concurrent flow of its traffic matrix and the lower bound of
 * the mean delivery time over all multipath routings of it.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bound.h"
#include "hn-train.h"
#include "jsonw.h"

static const char *const traffic_names[] = { "uniform", "hotspot", "burst",
					     "lab", NULL };

static void bound_json(FILE *f, const char *topo, __u64 topo_seed,
		       const struct hn_sim_cfg *c, const struct hn_bound *b,
		       double secs)
{
	struct jsonw jw;

	jsonw_init(&jw, f);
	jsonw_obj_open(&jw);
	jsonw_kv_str(&jw, "topo", topo);
	jsonw_kv_u64(&jw, "topo_seed", topo_seed);
	jsonw_kv_u64(&jw, "seed", c->seed);
	jsonw_kv_str(&jw, "traffic", traffic_names[c->traffic]);
	jsonw_kv_float(&jw, "load", c->load);
	jsonw_kv_float(&jw, "offered_fps", b->offered_fps);
	jsonw_kv_float(&jw, "offered_bps", b->offered_bps);
	jsonw_kv_float(&jw, "lambda_max", b->lambda_max);
	jsonw_kv_float(&jw, "lambda_hi", b->lambda_hi);
	jsonw_kv_bool(&jw, "feasible", b->feasible);
	/* null when infeasible (jsonw writes non-finite as null) */
	jsonw_kv_float(&jw, "bound_us", b->mean_us);
	jsonw_kv_float(&jw, "iterate_us", b->iter_us);
	jsonw_kv_float(&jw, "free_us", b->free_us);
	jsonw_kv_float(&jw, "floor_us", b->floor_us);
	jsonw_kv_float(&jw, "max_util", b->max_util);
	jsonw_kv_u64(&jw, "iterations", b->iters);
	if (!b->feasible)
		jsonw_kv_str(&jw, "reason", b->reason);
	jsonw_kv_float(&jw, "seconds", secs);
	jsonw_obj_close(&jw);
	fputc('\n', f);
}

static void bound_text(const struct hn_sim_cfg *c, const struct hn_bound *b,
		       double secs)
{
	printf("offered %.0f frames/s %.3f Mbit/s at load %g\n"
	       "lambda* %.4f (a routing carries it; none carries more than %.4f)\n",
	       b->offered_fps, b->offered_bps / 1e6, c->load, b->lambda_max,
	       b->lambda_hi);
	if (!b->feasible) {
		printf("bound: infinite: %s\n", b->reason);
		return;
	}
	printf("bound %.1f us (iterate %.1f us, gap %.2f %%, %u iterations, busiest link %.3f)\n"
	       "floor of static routings %.1f us, no queueing %.1f us; in %.2f s\n",
	       b->mean_us, b->iter_us,
	       b->iter_us > 0 ? 100 * (b->iter_us - b->mean_us) / b->iter_us :
				0,
	       b->iters, b->max_util, b->floor_us, b->free_us, secs);
}

struct bound_args {
	const char *topo, *json;
	__u64 topo_seed;
	struct hn_sim_cfg c;
};

static int bound_parse(int argc, char **argv, struct bound_args *a)
{
	static const struct option opts[] = {
		{ "topo", required_argument, NULL, 't' },
		{ "topo-seed", required_argument, NULL, 'T' },
		{ "seed", required_argument, NULL, 's' },
		{ "traffic", required_argument, NULL, 'r' },
		{ "load", required_argument, NULL, 'l' },
		{ "fail", required_argument, NULL, 'f' },
		{ "json", required_argument, NULL, 'J' },
		{ 0 }
	};
	char *end;
	int c, i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			a->topo = optarg;
			break;
		case 'T':
			a->topo_seed = strtoull(optarg, NULL, 0);
			break;
		case 's':
			a->c.seed = strtoull(optarg, NULL, 0);
			break;
		case 'l':
			a->c.load = strtod(optarg, &end);
			if (*end || !(a->c.load >= 0)) {
				fprintf(stderr,
					"hn-train bound: --load %s: want a number >= 0\n",
					optarg);
				return -1;
			}
			break;
		case 'f':
			a->c.fail_node = atoi(optarg);
			break;
		case 'J':
			a->json = optarg;
			break;
		case 'r':
			for (i = 0; traffic_names[i]; i++)
				if (!strcmp(optarg, traffic_names[i]))
					break;
			if (!traffic_names[i]) {
				fprintf(stderr,
					"hn-train bound: --traffic %s: want uniform, hotspot, burst or lab\n",
					optarg);
				return -1;
			}
			a->c.traffic = i;
			break;
		default:
			return -1;
		}
	}
	return optind < argc ? -1 : 0;
}

int hn_bound_main(int argc, char **argv)
{
	struct bound_args a = { .topo = "rgg:16", .topo_seed = 1 };
	struct hn_sim_topo *t = malloc(sizeof(*t));
	struct hn_bound b;
	char err[256];
	double t0;
	FILE *f;
	int ret = 1;

	hn_sim_cfg_defaults(&a.c);
	if (!t || bound_parse(argc, argv, &a)) {
		fprintf(stderr,
			"usage: hn-train bound [--topo SPEC] [--topo-seed N] [--seed S]\n"
			"                      [--traffic uniform|hotspot|burst|lab] [--load L]\n"
			"                      [--fail NODE] [--json FILE|-]\n");
		free(t);
		return 2;
	}
	if (hn_sim_topo_make(t, a.topo, a.topo_seed, err, sizeof(err))) {
		fprintf(stderr, "hn-train bound: %s: %s\n", a.topo, err);
		goto out;
	}
	t0 = hn_tr_now();
	if (hn_bound_min_delay(t, &a.c, &b)) {
		fprintf(stderr, "hn-train bound: %s: %s\n", a.topo, b.reason);
		goto out;
	}
	if (!a.json) {
		bound_text(&a.c, &b, hn_tr_now() - t0);
	} else {
		f = strcmp(a.json, "-") ? fopen(a.json, "w") : stdout;
		if (!f) {
			fprintf(stderr, "hn-train bound: %s: %m\n", a.json);
			goto out;
		}
		bound_json(f, a.topo, a.topo_seed, &a.c, &b, hn_tr_now() - t0);
		if (f != stdout && fclose(f)) {
			fprintf(stderr, "hn-train bound: %s: %m\n", a.json);
			goto out;
		}
	}
	ret = 0;
out:
	free(t);
	return ret;
}
