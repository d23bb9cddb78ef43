// SPDX-License-Identifier: GPL-2.0
/*
 * hn-tensor: drive a hypernet tensor-offload device from userspace, for the
 * QEMU tests and the benchmark.
 *
 *   hn-tensor run DEV [opts]    random stage, N random tensors through DEV,
 *                               every result compared with engine.h here
 *   hn-tensor flood DEV         a burst past the worker's queue: counted
 *   hn-tensor bench DEV [opts]  784->128 through DEV vs the same in-process
 *   hn-tensor mkmodel FILE      a random stage as a .hnm model file
 *
 * Frames go in through an AF_PACKET socket on DEV (its transmit side) and
 * results come back on the same socket (the device's receive side), or as
 * HNET_CMD_RESULT notifications with -l (hn-tensor.c).  One "PASS name" /
 * "FAIL name" line per case; exit status 0 only if every case passed.  The
 * module's negative tests, bad frames and bad genl requests, are tables
 * beside the QEMU tests (tests/qemu/kmod_bad*.c) on the same device side.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hn-tensor.h"
#include "model.h"

/* mkmodel FILE: a random STAGE model of -L's shape, scales consistent. */
static int cmd_mkmodel(const char *path)
{
	struct hn_model m = { .kind = HN_MODEL_STAGE };
	char err[256];
	unsigned int i;
	int exp = 0;
	struct stage s;

	rng_state = o.seed * 0x9e3779b97f4a7c15ULL + 1;
	if (stage_parse(o.layers, &s) || s.g.n_layers > HN_MODEL_MAX_LAYERS)
		return 2;
	stage_random(&s);
	m.stage = o.stage_id;
	m.n_layers = s.g.n_layers;
	for (i = 0; i < m.n_layers; i++) {
		struct hn_model_layer *l = &m.layers[i];
		const struct hn_genl_layer *g = &s.g.layers[i];

		struct hn_op op = hn_genl_layer_op(g);

		l->n_in = g->n_in;
		l->n_out = g->n_out;
		l->shift = g->shift;
		l->flags = g->flags & HNET_LAYER_F_RELU ? HN_LF_RELU : 0;
		/* Dense layers: hn_model_alloc_layer() makes theirs. */
		if (g->op.kind != HNET_OP_DENSE)
			l->op = g->op;
		l->w_exp = 0;
		exp += g->shift;
		l->out_exp = exp;
		if (hn_model_alloc_layer(&m, i))
			return 1;
		memcpy(l->w, g->w, hn_op_n_weights(&op));
		memcpy(l->b, g->b, hn_op_n_biases(&op) * sizeof(int32_t));
	}
	if (hn_model_write_file(path, &m, err, sizeof(err))) {
		fprintf(stderr, "hn-tensor: %s: %s\n", path, err);
		return 1;
	}
	hn_model_free(&m);
	return 0;
}

/* ---- run ----------------------------------------------------------------- */

static int cmd_run(void)
{
	struct stage s, alt;
	char name[64];
	int ret;

	rng_state = o.seed * 0x9e3779b97f4a7c15ULL + 1;
	if (o.model) {
		if (stage_from_file(o.model, &s))
			return 2;
	} else {
		if (stage_parse(o.layers, &s))
			return 2;
		stage_random(&s);
	}
	if (genl_up() || pkt_open())
		return 1;
	if (!o.keep && load_stage(&s))
		return 1;
	if (o.local && (set_output(HNET_OUTPUT_LOCAL) || hn_genl_listen(&gl)))
		return 1;
	if (o.out_node && set_output(HNET_OUTPUT_NODE))
		return 1;
	if (!o.local && !o.out_node && o.node_id &&
	    set_output(HNET_OUTPUT_ORIGIN))
		return 1;
	if (o.reload) {
		/* Same shape and id, other parameters (a model: the same). */
		alt = s;
		reload_same = o.model;
		if (!reload_same)
			stage_random(&alt);
		reload_alt = &alt;
	}
	ret = run_tensors(&s, o.count, o.frag, (uint32_t)o.seed << 20, NULL);
	reload_alt = NULL;
	if (o.local || o.out_node || o.node_id) {
		o.node_id = 0;
		set_output(HNET_OUTPUT_ORIGIN);
	}
	snprintf(name, sizeof(name), "run-%s-%s%s", o.dev,
		 o.local    ? "local" :
		 o.out_node ? "to-node" :
			      "frames",
		 o.send_dev ? "-via-" :
		 o.model    ? "-model" :
			      "");
	if (o.send_dev)
		snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s",
			 o.send_dev);
	if (o.private)
		snprintf(name + strlen(name), sizeof(name) - strlen(name),
			 "-private");
	result(!ret, name, "%u tensors, layers %s, frag %u", o.count,
	       o.model ? o.model : o.layers, o.frag);
	return ret ? 1 : 0;
}

/* Tensor ids of the flood, apart from those of runs. */
static uint32_t flood_id = 0x70000000;

/*
 * Queue bound: a stage slow enough that a burst overruns the worker's
 * queue; the overflow is counted, the device keeps working.
 */
static int cmd_flood(void)
{
	uint64_t a[__HNET_STATS_A_MAX], b[__HNET_STATS_A_MAX];
	uint8_t buf[FRAME_MAX];
	int8_t data[HN_TENSOR_MAX_LEN];
	struct stage s;
	struct hdrs h;
	unsigned int i, n_in;
	size_t len;
	double t0;

	rng_state = o.seed;
	if (stage_parse("1000x512:9", &s))
		return 2;
	stage_random(&s);
	if (genl_up() || pkt_open() || load_stage(&s))
		return 1;
	n_in = stage_in(&s);
	for (i = 0; i < n_in; i++)
		data[i] = (int8_t)rnd();
	get_stats(a);
	for (i = 0; i < o.count; i++) {
		hdrs_default(&h);
		h.tensor_id = flood_id++;
		h.total_len = n_in;
		len = frame_build(buf, &h, data, n_in, true);
		if (frame_send(buf, len))
			return 1;
	}
	/* Drain: wait until every queued frame was handled. */
	t0 = now_s();
	do {
		usleep(200 * 1000);
		get_stats(b);
	} while (b[HNET_STATS_A_TENSORS_DONE] - a[HNET_STATS_A_TENSORS_DONE] <
			 b[HNET_STATS_A_FRAMES_IN] -
				 a[HNET_STATS_A_FRAMES_IN] &&
		 now_s() - t0 < 60);
	result(b[HNET_STATS_A_DROP_QUEUE_FULL] >
			       a[HNET_STATS_A_DROP_QUEUE_FULL] &&
		       b[HNET_STATS_A_DROP_QUEUE_FULL] -
				       a[HNET_STATS_A_DROP_QUEUE_FULL] +
				       b[HNET_STATS_A_FRAMES_IN] -
				       a[HNET_STATS_A_FRAMES_IN] ==
			       o.count,
	       "queue-full", "%u sent, queued +%llu, dropped +%llu", o.count,
	       (unsigned long long)(b[HNET_STATS_A_FRAMES_IN] -
				    a[HNET_STATS_A_FRAMES_IN]),
	       (unsigned long long)(b[HNET_STATS_A_DROP_QUEUE_FULL] -
				    a[HNET_STATS_A_DROP_QUEUE_FULL]));
	return failures ? 1 : 0;
}

static void usage(void)
{
	fputs("Usage: hn-tensor run|flood|bench DEV [options]\n"
	      "       hn-tensor mkmodel FILE.hnm [-L SPEC] [-s SEED] [-S ID]\n"
	      "  -n N      tensors (run, bench) or frames (flood)\n"
	      "  -s SEED   random seed\n"
	      "  -L SPEC   layers, e.g. 64x32:7r,32x16:6 (IN x OUT : SHIFT, r = ReLU),\n"
	      "            conv1x28x28-8k3s1p1:7r (C x H x W - OUT_C, kernel, stride,\n"
	      "            pad), pool8x28x28k2s2\n"
	      "  -B SPEC   bench: the stage measured, as -L (default 784x128:8r)\n"
	      "  -f N      elements per input fragment (0: mix single and fragmented)\n"
	      "  -w N      tensors in flight\n"
	      "  -l        results by notification (output mode local)\n"
	      "  -k        keep the loaded stage (do not load one)\n"
	      "  -r        reload the same stage continuously meanwhile\n"
	      "  -S ID     stage id\n"
	      "  -t MS     result timeout\n"
	      "  -j FILE   bench: write JSON\n"
	      "  -R N      bench: rounds (medians over them)\n"
	      "  -i DEV    send into DEV instead (results still read on the device)\n"
	      "  -d ID     destination node of the frames sent\n"
	      "  -m FILE   run: the stage is this .hnm model (reference: hn_model_infer)\n"
	      "  -N ID     run: results to node ID (output mode node), -C class\n"
	      "  -I ID     run: the device's node id (source of results)\n"
	      "  -P        run: inputs flagged private (raw data); results\n"
	      "            must come back without the flag\n",
	      stderr);
}

/* What an option in opt_tbl stores into o. */
enum opt_kind {
	OPT_STR, /* optarg */
	OPT_NUM, /* an unsigned int, as strtoul() reads it */
	OPT_FLAG, /* true */
};

static const struct {
	int c;
	enum opt_kind kind;
	void *v;
} opt_tbl[] = {
	{ 'L', OPT_STR, &o.layers },	   { 'i', OPT_STR, &o.send_dev },
	{ 'B', OPT_STR, &o.bench_layers }, { 'm', OPT_STR, &o.model },
	{ 'j', OPT_STR, &o.json },	   { 'n', OPT_NUM, &o.count },
	{ 'f', OPT_NUM, &o.frag },	   { 'w', OPT_NUM, &o.window },
	{ 'd', OPT_NUM, &o.dst },	   { 'N', OPT_NUM, &o.out_node },
	{ 'I', OPT_NUM, &o.node_id },	   { 'R', OPT_NUM, &o.rounds },
	{ 'l', OPT_FLAG, &o.local },	   { 'k', OPT_FLAG, &o.keep },
	{ 'r', OPT_FLAG, &o.reload },	   { 'P', OPT_FLAG, &o.private },
};

/* Option @c into o if opt_tbl has it; false if not. */
static bool set_table_opt(int c)
{
	size_t i;

	for (i = 0; i < sizeof(opt_tbl) / sizeof(opt_tbl[0]); i++) {
		if (opt_tbl[i].c != c)
			continue;
		if (opt_tbl[i].kind == OPT_STR)
			*(const char **)opt_tbl[i].v = optarg;
		else if (opt_tbl[i].kind == OPT_NUM)
			*(unsigned int *)opt_tbl[i].v =
				strtoul(optarg, NULL, 0);
		else
			*(bool *)opt_tbl[i].v = true;
		return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int c;

	cmd = dev_args(argc, argv);
	if (!cmd) {
		usage();
		return 2;
	}
	while ((c = getopt(argc, argv,
			   "n:s:L:B:f:w:lkrPR:S:t:j:i:d:m:N:C:I:")) != -1) {
		if (set_table_opt(c))
			continue;
		if (c == 'C') {
			o.out_class = strtoul(optarg, NULL, 0);
		} else if (dev_opt(c, optarg)) {
			usage();
			return 2;
		}
	}
	if (!o.count || !o.window || !o.rounds) {
		usage();
		return 2;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run();
	if (!strcmp(cmd, "flood"))
		return cmd_flood();
	if (!strcmp(cmd, "bench"))
		return cmd_bench();
	if (!strcmp(cmd, "mkmodel"))
		return cmd_mkmodel(o.dev);
	usage();
	return 2;
}
