// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl dev: the tensor-offload netdevs of the hypernet kernel module,
 * through its generic netlink family (userspace/lib/genl.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "genl.h"
#include "hnctl.h"
#include "model.h"

static struct hn_genl gl;

/* What failed, then what to try, for an errno from the family. */
static int dev_fail(const char *what, const char *dev, int err)
{
	hn_err("%s%s%s: %s%s%s", what, dev ? " " : "", dev ? dev : "",
	       strerror(-err), gl.errmsg[0] ? ": " : "", gl.errmsg);
	switch (-err) {
	case ENOENT:
		hn_hint("the hypernet kernel module is not loaded: modprobe hypernet");
		break;
	case ENODEV:
		hn_hint("create it with 'ip link add %s type hypernet' ('hnctl dev show' lists them)",
			dev ? dev : "DEV");
		break;
	case EOPNOTSUPP:
		hn_hint("%s is not a hypernet device, or the module is older than hnctl",
			dev ? dev : "it");
		break;
	case EPERM:
		hn_hint("hypernet devices and results need CAP_NET_ADMIN: run as root (in a user namespace, only with the module's userns=1)");
		break;
	}
	return 1;
}

static int dev_open(void)
{
	int ret = hn_genl_open(&gl);

	if (ret)
		return dev_fail("cannot reach the hypernet module", NULL, ret);
	return 0;
}

static struct hn_genl_sel dev_sel(const char *name)
{
	struct hn_genl_sel sel = { .ifname = name };

	return sel;
}

/* Dense as IN x OUT, others with their geometry: [conv 1x28x28>8 k3s1p1]. */
static void print_layer(const struct hn_genl_layer *l)
{
	const struct hn_op *op = &l->op;

	if (op->kind == HNET_OP_DENSE)
		printf(" %ux%u", l->n_in, l->n_out);
	else
		printf(" [%s %ux%ux%u>%u k%us%up%u]",
		       op->kind == HNET_OP_CONV2D ? "conv" : "maxpool",
		       op->in_c, op->in_h, op->in_w, op->out_c, op->k,
		       op->stride, op->pad);
	if (l->op.kind != HNET_OP_MAXPOOL || l->shift)
		printf(">>%u", l->shift);
	if (l->flags & HNET_LAYER_F_RELU)
		printf("+relu");
}

static void show_text(const struct hn_genl_dev *d)
{
	unsigned int i;

	printf("%s: ifindex %u node %u output %s", d->ifname, d->ifindex,
	       d->node_id, hn_genl_mode_name(d->out.mode));
	if (d->out.mode == HNET_OUTPUT_NODE)
		printf(" %u class %u%s", d->out.node, d->out.tclass,
		       d->out.flags & HNET_OUTPUT_F_ANYCAST ? " anycast" : "");
	if (d->out.stage >= 0)
		printf(" stage %d", d->out.stage);
	putchar('\n');
	if (d->has_stage) {
		printf("  stage %u (generation %llu):", d->stage_id,
		       (unsigned long long)d->generation);
		for (i = 0; i < d->n_layers; i++)
			print_layer(&d->layers[i]);
		putchar('\n');
	} else {
		printf("  no stage loaded\n");
	}
	printf("  in flight %u\n ", d->inflight);
	for (i = HNET_STATS_A_PAD + 1; i <= HNET_STATS_A_MAX; i++)
		if (hn_genl_stat_names[i] && (d->stats[i] || i < 6))
			printf(" %s %llu", hn_genl_stat_names[i],
			       (unsigned long long)d->stats[i]);
	putchar('\n');
}

static void output_json(struct jsonw *w, const struct hn_genl_output *o)
{
	jsonw_name(w, "output");
	jsonw_obj_open(w);
	jsonw_kv_str(w, "mode", hn_genl_mode_name(o->mode));
	jsonw_kv_u64(w, "node", o->node);
	jsonw_kv_u64(w, "class", o->tclass);
	if (o->stage >= 0)
		jsonw_kv_u64(w, "stage", o->stage);
	jsonw_kv_bool(w, "anycast", o->flags & HNET_OUTPUT_F_ANYCAST);
	jsonw_obj_close(w);
}

/* The layer's kind, and the geometry of a non-dense one. */
static void layer_op_json(struct jsonw *w, const struct hn_op *op)
{
	static const char *const kinds[] = { [HNET_OP_DENSE] = "dense",
					     [HNET_OP_CONV2D] = "conv",
					     [HNET_OP_MAXPOOL] = "maxpool" };

	jsonw_kv_str(w, "op", op->kind <= HNET_OP_MAX ? kinds[op->kind] : "?");
	if (op->kind == HNET_OP_DENSE)
		return;
	jsonw_kv_u64(w, "in_c", op->in_c);
	jsonw_kv_u64(w, "in_h", op->in_h);
	jsonw_kv_u64(w, "in_w", op->in_w);
	jsonw_kv_u64(w, "out_c", op->out_c);
	jsonw_kv_u64(w, "kernel", op->k);
	jsonw_kv_u64(w, "stride", op->stride);
	jsonw_kv_u64(w, "pad", op->pad);
}

/* The stage's layers, null when none is loaded. */
static void stage_json(struct jsonw *w, const struct hn_genl_dev *d)
{
	unsigned int i;

	jsonw_name(w, "stage");
	if (d->has_stage) {
		jsonw_obj_open(w);
		jsonw_kv_u64(w, "id", d->stage_id);
		jsonw_kv_u64(w, "generation", d->generation);
		jsonw_name(w, "layers");
		jsonw_arr_open(w);
		for (i = 0; i < d->n_layers; i++) {
			jsonw_obj_open(w);
			jsonw_kv_u64(w, "in", d->layers[i].n_in);
			jsonw_kv_u64(w, "out", d->layers[i].n_out);
			jsonw_kv_u64(w, "shift", d->layers[i].shift);
			jsonw_kv_bool(w, "relu",
				      d->layers[i].flags & HNET_LAYER_F_RELU);
			layer_op_json(w, &d->layers[i].op);
			jsonw_obj_close(w);
		}
		jsonw_arr_close(w);
		jsonw_obj_close(w);
	} else {
		jsonw_null(w);
	}
}

static void stats_json(struct jsonw *w, const struct hn_genl_dev *d)
{
	unsigned int i;

	jsonw_name(w, "stats");
	jsonw_obj_open(w);
	for (i = HNET_STATS_A_PAD + 1; i <= HNET_STATS_A_MAX; i++)
		if (hn_genl_stat_names[i])
			jsonw_kv_u64(w, hn_genl_stat_names[i], d->stats[i]);
	jsonw_obj_close(w);
}

static void show_json(const struct hn_genl_dev *d)
{
	struct jsonw *w = &hn_jw;

	jsonw_obj_open(w);
	jsonw_kv_str(w, "ifname", d->ifname);
	jsonw_kv_u64(w, "ifindex", d->ifindex);
	jsonw_kv_u64(w, "node_id", d->node_id);
	jsonw_kv_u64(w, "inflight", d->inflight);
	output_json(w, &d->out);
	stage_json(w, d);
	stats_json(w, d);
	jsonw_obj_close(w);
}

static int show_one(const struct hn_genl_dev *d, void *arg)
{
	(*(unsigned int *)arg)++;
	if (hn_json)
		show_json(d);
	else
		show_text(d);
	return 0;
}

static int dev_show(int argc, char **argv)
{
	struct hn_genl_sel sel;
	unsigned int n = 0;
	int ret;

	if (argc > 2) {
		hn_err("usage: hnctl dev show [DEV]");
		return 1;
	}
	if (dev_open())
		return 1;
	sel = dev_sel(argc == 2 ? argv[1] : NULL);
	if (hn_json)
		jsonw_arr_open(&hn_jw);
	ret = hn_genl_get(&gl, argc == 2 ? &sel : NULL, show_one, &n);
	if (hn_json) {
		jsonw_arr_close(&hn_jw);
		putchar('\n');
	}
	if (ret)
		return dev_fail("cannot read", argc == 2 ? argv[1] : NULL, ret);
	if (!n && !hn_json)
		printf("no hypernet devices (ip link add hnt0 type hypernet)\n");
	return 0;
}

static int parse_u(const char *what, const char *s, unsigned long long max,
		   unsigned long long *v)
{
	if (hn_parse_u64(s, max, v)) {
		hn_err("%s '%s': not a number in 0..%llu", what, s ? s : "",
		       max);
		return -1;
	}
	return 0;
}

/* dev output DEV (origin|local|node ID class N [stage S] [anycast])
 *                [src ID] */
static int dev_output(int argc, char **argv)
{
	struct hn_genl_output out = { .stage = -1 };
	struct hn_genl_sel sel;
	unsigned long long v;
	int i = 3, ret;

	if (argc < 3) {
		hn_err("usage: hnctl dev output DEV (origin | local | node ID class N [stage S] [anycast]) [src ID]");
		return 1;
	}
	if (!strcmp(argv[2], "origin")) {
		out.mode = HNET_OUTPUT_ORIGIN;
	} else if (!strcmp(argv[2], "local")) {
		out.mode = HNET_OUTPUT_LOCAL;
	} else if (!strcmp(argv[2], "node")) {
		out.mode = HNET_OUTPUT_NODE;
		if (argc < 4 || parse_u("node id", argv[3], UINT32_MAX, &v))
			return 1;
		out.node = v;
		i = 4;
	} else {
		hn_err("unknown output '%s'", argv[2]);
		hn_hint("one of: origin, local, node ID class N");
		return 1;
	}
	for (; i < argc; i += 2) {
		if (!strcmp(argv[i], "anycast") &&
		    out.mode == HNET_OUTPUT_NODE) {
			out.flags |= HNET_OUTPUT_F_ANYCAST;
			i--;
			continue;
		}
		if (i + 1 >= argc) {
			hn_err("'%s' needs a value", argv[i]);
			return 1;
		}
		if (!strcmp(argv[i], "class")) {
			if (parse_u("class", argv[i + 1], 255, &v))
				return 1;
			out.tclass = v;
		} else if (!strcmp(argv[i], "stage") &&
			   out.mode == HNET_OUTPUT_NODE) {
			if (parse_u("stage", argv[i + 1], 255, &v))
				return 1;
			out.stage = v;
		} else if (!strcmp(argv[i], "src")) {
			if (parse_u("src node id", argv[i + 1], UINT32_MAX, &v))
				return 1;
			out.set_node_id = true;
			out.node_id = v;
		} else {
			hn_err("unknown word '%s'", argv[i]);
			hn_hint("'hnctl dev help' shows the syntax");
			return 1;
		}
	}
	if (dev_open())
		return 1;
	sel = dev_sel(argv[1]);
	ret = hn_genl_set_output(&gl, &sel, &out);
	if (ret)
		return dev_fail("cannot set the output of", argv[1], ret);
	return 0;
}

/* A STAGE .hnm model as the device's stage. */
static int stage_from_model(const struct hn_model *m, struct hn_genl_stage *st,
			    const char *path)
{
	unsigned int i;

	if (m->kind != HN_MODEL_STAGE) {
		hn_err("%s is a %s model, not a stage", path,
		       hn_model_kind_name(m->kind));
		hn_hint("route models go to the XDP router: 'hnctl model load FILE'");
		return -1;
	}
	if (m->n_layers > HNET_MAX_LAYERS) {
		hn_err("%s has %u layers, the device takes %u", path,
		       m->n_layers, HNET_MAX_LAYERS);
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->id = m->stage;
	st->n_layers = m->n_layers;
	for (i = 0; i < m->n_layers; i++) {
		const struct hn_model_layer *l = &m->layers[i];

		if (l->flags & HN_LF_RAW) {
			hn_err("%s: layer %u has raw int32 output; the device emits int8 tensors",
			       path, i);
			return -1;
		}
		st->layers[i].n_in = l->n_in;
		st->layers[i].n_out = l->n_out;
		st->layers[i].shift = l->shift;
		st->layers[i].flags =
			l->flags & HN_LF_RELU ? HNET_LAYER_F_RELU : 0;
		st->layers[i].w = l->w;
		st->layers[i].b = l->b;
		/* Its geometry; the message carries it for non-dense ones. */
		st->layers[i].op = l->op;
	}
	return 0;
}

static int stage_load(int argc, char **argv)
{
	struct hn_genl_stage st;
	struct hn_genl_sel sel;
	struct hn_model m;
	char err[256];
	int ret;

	if (argc != 3) {
		hn_err("usage: hnctl dev stage load DEV FILE.hnm");
		return 1;
	}
	if (hn_model_read_file(argv[2], &m, err, sizeof(err))) {
		hn_err("cannot load %s: %s", argv[2], err);
		return 1;
	}
	if (stage_from_model(&m, &st, argv[2])) {
		hn_model_free(&m);
		return 1;
	}
	if (dev_open()) {
		hn_model_free(&m);
		return 1;
	}
	sel = dev_sel(argv[1]);
	ret = hn_genl_set_stage(&gl, &sel, &st, 0);
	hn_model_free(&m);
	if (ret)
		return dev_fail("cannot load the stage into", argv[1], ret);
	if (!hn_json)
		printf("%s: stage %u loaded (%u layers, %u -> %u)\n", argv[1],
		       st.id, st.n_layers, st.layers[0].n_in,
		       st.layers[st.n_layers - 1].n_out);
	return 0;
}

static int stage_clear(int argc, char **argv)
{
	struct hn_genl_sel sel;
	int ret;

	if (argc != 2) {
		hn_err("usage: hnctl dev stage clear DEV");
		return 1;
	}
	if (dev_open())
		return 1;
	sel = dev_sel(argv[1]);
	ret = hn_genl_set_stage(&gl, &sel, NULL, HNET_DEV_F_CLEAR_STAGE);
	if (ret)
		return dev_fail("cannot clear the stage of", argv[1], ret);
	return 0;
}

static const struct hn_cmd stage_cmds[] = {
	{ "load", stage_load, "DEV FILE.hnm", "load a STAGE model" },
	{ "clear", stage_clear, "DEV", "unload the stage" },
	{ NULL }
};

static int dev_stage(int argc, char **argv)
{
	return hn_dispatch("hnctl dev stage", stage_cmds, argc - 1, argv + 1);
}

/* One JSON object a line, written as each result arrives. */
static void result_json(const struct hn_genl_result *r)
{
	struct jsonw w;
	uint32_t j;

	jsonw_init(&w, stdout);
	jsonw_obj_open(&w);
	jsonw_kv_str(&w, "ifname", r->ifname);
	jsonw_kv_u64(&w, "tensor_id", r->tensor_id);
	jsonw_kv_u64(&w, "origin", r->origin);
	jsonw_kv_u64(&w, "stage", r->stage);
	jsonw_name(&w, "data");
	jsonw_arr_open(&w);
	for (j = 0; j < r->len; j++)
		jsonw_s64(&w, r->data[j]);
	jsonw_arr_close(&w);
	jsonw_obj_close(&w);
	putchar('\n');
}

/* The first 32 elements of a result's data, then "..." for the rest. */
static void result_text(const struct hn_genl_result *r)
{
	uint32_t j;

	printf("%s: tensor %u origin %u stage %u len %u:", r->ifname,
	       r->tensor_id, r->origin, r->stage, r->len);
	for (j = 0; j < r->len && j < 32; j++)
		printf(" %d", r->data[j]);
	printf("%s\n", r->len > 32 ? " ..." : "");
}

/* dev listen [DEV] [count N]: print HNET_CMD_RESULT notifications. */
static int dev_listen(int argc, char **argv)
{
	unsigned long long count = 0, seen = 0;
	struct hn_genl_result r;
	const char *dev = NULL;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "count") && i + 1 < argc) {
			if (parse_u("count", argv[++i], UINT32_MAX, &count))
				return 1;
		} else if (!dev) {
			dev = argv[i];
		} else {
			hn_err("usage: hnctl dev listen [DEV] [count N]");
			return 1;
		}
	}
	if (dev_open())
		return 1;
	ret = hn_genl_listen(&gl);
	if (ret)
		return dev_fail("cannot listen for results", NULL, ret);
	while (!count || seen < count) {
		ret = hn_genl_recv_result(&gl, &r, -1);
		if (ret < 0)
			return dev_fail("receiving results", NULL, ret);
		if (dev && strcmp(dev, r.ifname))
			continue;
		seen++;
		if (hn_json)
			result_json(&r);
		else
			result_text(&r);
		fflush(stdout);
	}
	return 0;
}

static const struct hn_cmd dev_cmds[] = {
	{ "show", dev_show, "[DEV]", "devices, stage, output, counters" },
	{ "stage", dev_stage, "load DEV FILE | clear DEV",
	  "the model stage a device runs" },
	{ "output", dev_output,
	  "DEV origin|local|node ID class N [stage S] [anycast] [src ID]",
	  "where results go" },
	{ "listen", dev_listen, "[DEV] [count N]",
	  "print results delivered locally" },
	{ NULL }
};

int cmd_dev(int argc, char **argv)
{
	int ret = hn_dispatch("hnctl dev", dev_cmds, argc - 1, argv + 1);

	hn_genl_close(&gl);
	return ret;
}
