// SPDX-License-Identifier: GPL-2.0
/*
 * hn-train eval: the learned model against hop-count shortest paths, the
 * agent's ETX default next hop and the oracle, across loads and with a
 * node failing mid-run.  Evaluation topologies use seeds below 1000;
 * training draws its topologies from seeds 1000 and up.
 *
 * Figures pool frames over every evaluation scenario at a load: mean and
 * p99 of the delivery times of all their measured frames, losses over all
 * measured frames sent.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hn-train.h"
#include "eval.h"
#include "jsonw.h"

#define N_POL 4
#define HEAVY_LOAD 1.0
#define LIGHT_LOAD 0.1
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const pol_name[N_POL] = { "learned", "shortest", "etx",
					     "oracle" };
static const enum hn_sim_policy pol_sim[N_POL] = { HN_SIM_MODEL, HN_SIM_HOPS,
						   HN_SIM_ETX, HN_SIM_ORACLE };

struct eval_topo {
	const char *spec;
	__u64 seed;
	int fail_node; /* a busy transit node of it */
};

static const struct eval_topo topos_full[] = {
	{ "rgg:16", 1, 5 },  { "rgg:16", 2, 3 },   { "rgg:24", 3, 7 },
	{ "grid:4", 1, 5 },  { "grid:5", 2, 12 },  { "ladder:6", 1, 3 },
	{ "ring:10", 1, 0 }, { "dumbbell", 1, 0 },
};
static const struct eval_topo topos_quick[] = {
	{ "rgg:16", 1, 5 },
	{ "grid:4", 1, 5 },
	{ "ladder:6", 1, 3 },
};
static const double loads_full[] = { 0.1, 0.3, 0.5, 0.7, 0.9, 1.0, 1.2 };
static const double loads_quick[] = { 0.1, 0.5, 1.0 };
/* moderate: the mesh still carries it once the node is gone */
static double fail_load = 0.5;

struct cell { /* one (load or failure, policy) */
	__u64 sent, delivered, lost, fallback;
	__u64 hops, decisions, moves;
	double mean_us, p99_us;
	__u32 *d;
	size_t n;
};

/* Delivery times summed, frames counted: a mean and a loss. */
struct pool {
	double sum_us;
	__u64 sent, delivered, lost;
};

struct run {
	struct hn_tr_scn scn;
	int row, pol; /* row: load index, or n_loads for failure */
	int topo;
	struct hn_sim_stats st;
	__u32 *d;
	size_t n;
	int err;
};

/*
 * The lab's grid and flows (bench/learn.sh) in the simulator, apart from
 * the targets: with thin defaults (as on most fresh lab meshes) and with
 * thin and fat links swapped, where shortest path is already good and a
 * model can only spoil it.  Learned and shortest, a few seeds pooled.
 */
#define LAB_SEEDS 3
static const double lab_loads[] = { 0.3, 0.7, 1.0, 1.3 };
#define LAB_NLOADS LEN(lab_loads)

struct lab_run {
	struct hn_tr_scn scn;
	const struct hn_rt_model *rt; /* NULL: shortest path */
	struct hn_sim_stats st;
	int err;
};

struct eval {
	/* [variant][load][learned, shortest]: pooled over the seeds */
	struct pool lab[2][LAB_NLOADS][2];
	int has_lab;
	const struct eval_topo *topos;
	unsigned int n_topos;
	const double *loads;
	unsigned int n_loads;
	unsigned int seeds;
	const struct hn_rt_model *rt;
	struct run *runs;
	unsigned int n_runs;
	struct cell (*cell)[N_POL]; /* [n_loads + 1] */
	/* per topology: where the learned model wins and loses */
	struct pool *tcell; /* [n_topos][n_loads + 1][N_POL] */
};

static void lab_one(unsigned int i, void *ctx)
{
	struct lab_run *r = &((struct lab_run *)ctx)[i];

	r->err = hn_tr_run(&r->scn, r->rt ? HN_SIM_MODEL : HN_SIM_HOPS, r->rt,
			   &r->st);
}

static int lab_eval(const struct hn_rt_model *rt, unsigned int threads,
		    struct pool c[2][LAB_NLOADS][2])
{
	unsigned int n = 2 * LAB_NLOADS * LAB_SEEDS * 2, i;
	struct lab_run *r = calloc(n, sizeof(*r));
	int ret = 0;

	if (!r)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned int v = i / (LAB_NLOADS * LAB_SEEDS * 2);
		unsigned int l = i / (LAB_SEEDS * 2) % LAB_NLOADS;

		r[i].scn.topo = "lab";
		r[i].scn.topo_seed = v;
		r[i].scn.load = lab_loads[l];
		r[i].scn.traffic = HN_SIM_LAB;
		r[i].scn.fail_node = -1;
		r[i].scn.duration_ms = 6000;
		r[i].scn.warmup_ms = 1000;
		r[i].scn.seed = 100 + i / 2 % LAB_SEEDS;
		r[i].rt = i & 1 ? NULL : rt;
	}
	hn_tr_parallel(n, threads, lab_one, r);
	memset(c, 0, sizeof(struct pool) * 2 * LAB_NLOADS * 2);
	for (i = 0; i < n; i++) {
		unsigned int v = i / (LAB_NLOADS * LAB_SEEDS * 2);
		unsigned int l = i / (LAB_SEEDS * 2) % LAB_NLOADS;
		struct pool *k = &c[v][l][i & 1];

		ret |= r[i].err;
		k->sum_us += r[i].st.mean_us * r[i].st.m_delivered;
		k->sent += r[i].st.m_sent;
		k->delivered += r[i].st.m_delivered;
		k->lost += r[i].st.m_lost;
	}
	free(r);
	return ret;
}

static void run_one(unsigned int i, void *ctx)
{
	struct eval *e = ctx;
	struct run *r = &e->runs[i];

	r->err = hn_tr_run_delays(&r->scn, pol_sim[r->pol],
				  r->pol ? NULL : e->rt, &r->st, &r->d, &r->n);
}

static void add_run(struct eval *e, const struct eval_topo *t, double load,
		    enum hn_sim_traffic tr, __u64 seed, int fail, int row)
{
	int p;

	for (p = 0; p < N_POL; p++) {
		struct run *r = &e->runs[e->n_runs++];

		memset(r, 0, sizeof(*r));
		r->scn.topo = t->spec;
		r->scn.topo_seed = t->seed;
		r->scn.load = load;
		r->scn.traffic = tr;
		r->scn.fail_node = fail ? t->fail_node : -1;
		r->scn.duration_ms = fail ? 5000 : 4000;
		r->scn.warmup_ms = 1000;
		r->scn.fail_ms = 2500;
		r->scn.seed = seed;
		r->row = row;
		r->pol = p;
		r->topo = t - e->topos;
	}
}

static void plan(struct eval *e)
{
	unsigned int t, l, k, tr;
	size_t max =
		(size_t)e->n_topos * e->seeds * (3 * e->n_loads + 1) * N_POL;

	e->runs = calloc(max, sizeof(*e->runs));
	if (!e->runs)
		abort();
	for (t = 0; t < e->n_topos; t++)
		for (k = 0; k < e->seeds; k++) {
			__u64 seed = 100 + 10 * t + k;

			for (l = 0; l < e->n_loads; l++)
				for (tr = 0; tr < 3; tr++)
					add_run(e, &e->topos[t], e->loads[l],
						tr, seed, 0, l);
			add_run(e, &e->topos[t], fail_load, HN_SIM_UNIFORM,
				seed, 1, e->n_loads);
		}
}

static void cell_add(struct cell *c, const struct run *r)
{
	c->sent += r->st.m_sent;
	c->delivered += r->st.m_delivered;
	c->lost += r->st.m_lost;
	c->fallback += r->st.m_fallback;
	c->hops += r->st.m_hops;
	c->decisions += r->st.m_decisions;
	c->moves += r->st.m_moves;
	c->d = realloc(c->d, (c->n + r->n + 1) * sizeof(*c->d));
	if (!c->d)
		abort();
	memcpy(c->d + c->n, r->d, r->n * sizeof(*r->d));
	c->n += r->n;
}

static struct pool *tcell(const struct eval *e, unsigned int t,
			  unsigned int row, unsigned int pol)
{
	return &e->tcell[((size_t)t * (e->n_loads + 1) + row) * N_POL + pol];
}

static int aggregate(struct eval *e)
{
	unsigned int i, row, p;
	size_t k;

	e->cell = calloc(e->n_loads + 1, sizeof(*e->cell));
	e->tcell = calloc((size_t)e->n_topos * (e->n_loads + 1) * N_POL,
			  sizeof(*e->tcell));
	if (!e->cell || !e->tcell)
		abort();
	for (i = 0; i < e->n_runs; i++) {
		const struct run *r = &e->runs[i];
		struct pool *tc;

		if (r->err) {
			fprintf(stderr, "hn-train: eval run %s failed\n",
				r->scn.topo);
			return -1;
		}
		cell_add(&e->cell[r->row][r->pol], r);
		tc = tcell(e, r->topo, r->row, r->pol);
		for (k = 0; k < r->n; k++)
			tc->sum_us += r->d[k];
		tc->delivered += r->n;
		tc->sent += r->st.m_sent;
		tc->lost += r->st.m_lost;
	}
	for (row = 0; row <= e->n_loads; row++)
		for (p = 0; p < N_POL; p++) {
			struct cell *c = &e->cell[row][p];

			hn_sim_delay_stats(c->d, c->n, &c->mean_us, &c->p99_us);
		}
	return 0;
}

static int load_row(const struct eval *e, double load)
{
	unsigned int l;

	for (l = 0; l < e->n_loads; l++)
		if (fabs(e->loads[l] - load) < 1e-9)
			return l;
	return -1;
}

static double frac(__u64 a, __u64 b)
{
	return b ? (double)a / b : 0;
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

struct targets {
	double heavy_gain, light_loss, train_s;
	__u64 fail_learned, fail_shortest;
};

static void targets(const struct eval *e, const char *train_file,
		    struct targets *t)
{
	int h = load_row(e, HEAVY_LOAD), l = load_row(e, LIGHT_LOAD);
	const struct cell(*c)[N_POL] = (const struct cell(*)[N_POL])e->cell;

	t->heavy_gain = 1 - c[h][0].mean_us / c[h][1].mean_us;
	t->light_loss = c[l][0].mean_us / c[l][1].mean_us - 1;
	t->fail_learned = c[e->n_loads][0].lost;
	t->fail_shortest = c[e->n_loads][1].lost;
	t->train_s = train_seconds(train_file);
}

static void json_cell(struct jsonw *jw, const struct cell *c)
{
	jsonw_obj_open(jw);
	jsonw_kv_float(jw, "mean_us", c->mean_us);
	jsonw_kv_float(jw, "p99_us", c->p99_us);
	jsonw_kv_u64(jw, "sent", c->sent);
	jsonw_kv_u64(jw, "delivered", c->delivered);
	jsonw_kv_u64(jw, "lost", c->lost);
	jsonw_kv_float(jw, "loss", frac(c->lost, c->sent));
	jsonw_kv_float(jw, "fallback", frac(c->fallback, c->delivered));
	jsonw_kv_float(jw, "mean_hops", frac(c->hops, c->delivered));
	/* decisions (cache misses) that moved to another next hop */
	jsonw_kv_float(jw, "moves", frac(c->moves, c->decisions));
	jsonw_obj_close(jw);
}

static const char *const lab_name[2] = { "thin_defaults", "fat_defaults" };

static double pool_mean(const struct pool *c)
{
	return c->delivered ? c->sum_us / c->delivered : 0;
}

static void json_lab(struct jsonw *jw, const struct eval *e)
{
	unsigned int v, l, p;

	jsonw_name(jw, "lab_sim");
	jsonw_obj_open(jw);
	jsonw_name(jw, "loads");
	jsonw_arr_open(jw);
	for (l = 0; l < LAB_NLOADS; l++)
		jsonw_float(jw, lab_loads[l]);
	jsonw_arr_close(jw);
	for (v = 0; v < 2; v++) {
		jsonw_name(jw, lab_name[v]);
		jsonw_obj_open(jw);
		for (p = 0; p < 2; p++) {
			jsonw_name(jw, pol_name[p]);
			jsonw_arr_open(jw);
			for (l = 0; l < LAB_NLOADS; l++) {
				const struct pool *c = &e->lab[v][l][p];

				jsonw_obj_open(jw);
				jsonw_kv_float(jw, "mean_us", pool_mean(c));
				jsonw_kv_float(jw, "loss",
					       frac(c->lost, c->sent));
				jsonw_obj_close(jw);
			}
			jsonw_arr_close(jw);
		}
		jsonw_obj_close(jw);
	}
	jsonw_obj_close(jw);
}

static int write_json(const struct eval *e, const struct targets *t,
		      const char *model, const char *path)
{
	FILE *f = fopen(path, "w");
	struct jsonw jw_s, *jw = &jw_s;
	unsigned int l, p;

	if (!f)
		return -1;
	jsonw_init(&jw_s, f);
	jsonw_obj_open(jw);
	jsonw_kv_str(jw, "model", model);
	jsonw_kv_float(jw, "sim_heavy_gain", t->heavy_gain);
	jsonw_kv_float(jw, "sim_light_loss", t->light_loss);
	jsonw_kv_u64(jw, "sim_failure_lost_learned", t->fail_learned);
	jsonw_kv_u64(jw, "sim_failure_lost_shortest", t->fail_shortest);
	if (t->train_s >= 0)
		jsonw_kv_float(jw, "train_seconds", t->train_s);
	else
		jsonw_name(jw, "train_seconds"), jsonw_null(jw);
	jsonw_kv_float(jw, "heavy_load", HEAVY_LOAD);
	jsonw_kv_float(jw, "light_load", LIGHT_LOAD);
	jsonw_kv_float(jw, "failure_load", fail_load);
	jsonw_name(jw, "loads");
	jsonw_arr_open(jw);
	for (l = 0; l < e->n_loads; l++)
		jsonw_float(jw, e->loads[l]);
	jsonw_arr_close(jw);
	if (e->has_lab)
		json_lab(jw, e);
	jsonw_name(jw, "policies");
	jsonw_obj_open(jw);
	for (p = 0; p < N_POL; p++) {
		jsonw_name(jw, pol_name[p]);
		jsonw_obj_open(jw);
		jsonw_name(jw, "by_load");
		jsonw_arr_open(jw);
		for (l = 0; l < e->n_loads; l++)
			json_cell(jw, &e->cell[l][p]);
		jsonw_arr_close(jw);
		jsonw_name(jw, "failure");
		json_cell(jw, &e->cell[e->n_loads][p]);
		jsonw_obj_close(jw);
	}
	jsonw_obj_close(jw);
	jsonw_obj_close(jw);
	fputc('\n', f);
	return fclose(f);
}

/* gnuplot: mean and p99 against load, one line per policy. */
static int write_plot(const struct eval *e, const char *plot)
{
	char dat[1024], cmd[8192];
	unsigned int l, p;
	FILE *f;

	snprintf(dat, sizeof(dat), "%s.dat", plot);
	f = fopen(dat, "w");
	if (!f)
		return -1;
	fprintf(f, "# load");
	for (p = 0; p < N_POL; p++)
		fprintf(f, " %s_mean_ms %s_p99_ms", pol_name[p], pol_name[p]);
	fputc('\n', f);
	for (l = 0; l < e->n_loads; l++) {
		fprintf(f, "%.2f", e->loads[l]);
		for (p = 0; p < N_POL; p++)
			fprintf(f, " %.3f %.3f", e->cell[l][p].mean_us / 1000,
				e->cell[l][p].p99_us / 1000);
		fputc('\n', f);
	}
	if (fclose(f))
		return -1;
	if (system("command -v gnuplot >/dev/null 2>&1"))
		return 1;
	snprintf(
		cmd, sizeof(cmd),
		"gnuplot -e \"set terminal svg size 960,420 font 'sans,11';"
		" set output '%s'; set multiplot layout 1,2;"
		" set xlabel 'offered load (1.0: busiest hop-count link full)';"
		" set key top left; set grid; set logscale y;"
		" set ylabel 'mean delivery time (ms)';"
		" plot for [i=0:3] '%s' using 1:(column(2+2*i)) with linespoints"
		" title word('learned shortest etx oracle', i+1);"
		" set ylabel 'p99 delivery time (ms)';"
		" plot for [i=0:3] '%s' using 1:(column(3+2*i)) with linespoints"
		" title word('learned shortest etx oracle', i+1);"
		" unset multiplot\"",
		plot, dat, dat);
	return system(cmd) ? -1 : 0;
}

static void md_row(FILE *f, const char *what, const struct cell *c)
{
	fprintf(f,
		"| %s | %.2f | %.2f | %.2f %% | %.2f %% | %.2f | %.1f %% |\n",
		what, c->mean_us / 1000, c->p99_us / 1000,
		100 * frac(c->lost, c->sent),
		100 * frac(c->fallback, c->delivered),
		frac(c->hops, c->delivered),
		100 * frac(c->moves, c->decisions));
}

static void md_header(FILE *f, const char *first)
{
	fprintf(f,
		"| %s | mean ms | p99 ms | lost | fallback | hops | moves |\n"
		"|---|---:|---:|---:|---:|---:|---:|\n",
		first);
}

/* Learned against shortest path per topology: which meshes it loses on. */
static void write_topos(FILE *f, const struct eval *e)
{
	unsigned int t, l;

	fprintf(f, "## Per topology\n\nMean delivery time of the learned"
		   " model against shortest path, in %% (negative: faster),"
		   " pooled over the three traffic kinds; in brackets the"
		   " frames lost, learned / shortest, in %%.\n\n| topology |");
	for (l = 0; l < e->n_loads; l++)
		fprintf(f, " %.1f |", e->loads[l]);
	fprintf(f, "\n|---|");
	for (l = 0; l < e->n_loads; l++)
		fprintf(f, "---:|");
	fputc('\n', f);
	for (t = 0; t < e->n_topos; t++) {
		fprintf(f, "| %s (%llu) |", e->topos[t].spec,
			(unsigned long long)e->topos[t].seed);
		for (l = 0; l < e->n_loads; l++) {
			const struct pool *a = tcell(e, t, l, 0);
			const struct pool *b = tcell(e, t, l, 1);
			double ma = pool_mean(a), mb = pool_mean(b);

			fprintf(f, " %+.0f (%.1f / %.1f) |",
				mb ? 100 * (ma / mb - 1) : 0,
				100 * frac(a->lost, a->sent),
				100 * frac(b->lost, b->sent));
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

static void write_lab(FILE *f, const struct eval *e)
{
	unsigned int v, l;

	fprintf(f,
		"## The lab's grid (not in the targets)\n\n"
		"tests/netns/lab.sh's 3 x 3 grid with bench/learn.sh's four"
		" flows, %u seeds of 6 s pooled; \"fat defaults\": thin and"
		" fat links swapped, so hop-count routing's tie-breaks take"
		" the fat ones.  Mean ms (lost %%), learned / shortest.\n\n"
		"| defaults |",
		LAB_SEEDS);
	for (l = 0; l < LAB_NLOADS; l++)
		fprintf(f, " %.1f |", lab_loads[l]);
	fprintf(f, "\n|---|");
	for (l = 0; l < LAB_NLOADS; l++)
		fprintf(f, "---:|");
	fputc('\n', f);
	for (v = 0; v < 2; v++) {
		fprintf(f, "| %s |", v ? "fat" : "thin");
		for (l = 0; l < LAB_NLOADS; l++) {
			const struct pool *a = &e->lab[v][l][0];
			const struct pool *b = &e->lab[v][l][1];

			fprintf(f, " %.2f (%.1f) / %.2f (%.1f) |",
				pool_mean(a) / 1000,
				100 * frac(a->lost, a->sent),
				pool_mean(b) / 1000,
				100 * frac(b->lost, b->sent));
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

static int write_report(const struct eval *e, const struct targets *t,
			const char *model, const char *cmdline,
			const char *path, const char *plot, int plot_state)
{
	FILE *f = fopen(path, "w");
	unsigned int l, p, k;

	if (!f)
		return -1;
	fprintf(f, "# HyperNet learned routing: simulated evaluation\n\n");
	fprintf(f, "Model `%s`, made by `%s`.\n\n", model, cmdline);
	fprintf(f, "Topologies (seed):");
	for (k = 0; k < e->n_topos; k++)
		fprintf(f, " %s (%llu, failing node %d)%s", e->topos[k].spec,
			(unsigned long long)e->topos[k].seed,
			e->topos[k].fail_node, k + 1 < e->n_topos ? "," : ".");
	fprintf(f,
		" Each at every load with uniform, hot-spot and bursty"
		" traffic, %u seed(s); 4 s simulated, the first second not"
		" measured.  Frames are pooled over all of them.\n\n",
		e->seeds);
	fprintf(f,
		"## Targets\n\n| figure | value | target |\n|---|---:|---|\n");
	fprintf(f,
		"| heavy-load gain over shortest path (load %.1f) | %.1f %% | >= 30 %% %s |\n",
		HEAVY_LOAD, 100 * t->heavy_gain,
		t->heavy_gain >= 0.30 ? "(met)" : "(NOT met)");
	fprintf(f,
		"| light-load loss against shortest path (load %.1f) | %.1f %% | <= 5 %% %s |\n",
		LIGHT_LOAD, 100 * t->light_loss,
		t->light_loss <= 0.05 ? "(met)" : "(NOT met)");
	fprintf(f,
		"| frames lost with a node failing, learned / shortest | %llu / %llu | fewer %s |\n",
		(unsigned long long)t->fail_learned,
		(unsigned long long)t->fail_shortest,
		t->fail_learned < t->fail_shortest ? "(met)" : "(NOT met)");
	if (t->train_s >= 0)
		fprintf(f, "| training time | %.1f s | <= 300 s on 2 cores |\n",
			t->train_s);
	fprintf(f, "\n## Delivery time against load\n\n");
	if (!plot)
		fprintf(f, "No plot requested.\n\n");
	else if (plot_state == 0)
		fprintf(f, "![delivery time against load](%s)\n\n", plot);
	else if (plot_state > 0)
		fprintf(f,
			"gnuplot is missing (install gnuplot-nox: `make deps`), so there is no plot; its data is in `%s.dat`.\n\n",
			plot);
	else
		fprintf(f,
			"gnuplot failed; the plot's data is in `%s.dat`.\n\n",
			plot);
	for (l = 0; l < e->n_loads; l++) {
		fprintf(f, "### Load %.1f\n\n", e->loads[l]);
		md_header(f, "policy");
		for (p = 0; p < N_POL; p++)
			md_row(f, pol_name[p], &e->cell[l][p]);
		fputc('\n', f);
	}
	write_topos(f, e);
	if (e->has_lab)
		write_lab(f, e);
	fprintf(f,
		"## A node failing mid-run\n\nLoad %.1f, uniform traffic"
		" (the failing node neither sends nor receives), the node"
		" dies 2.5 s into a 5 s run.\n\n",
		fail_load);
	md_header(f, "policy");
	for (p = 0; p < N_POL; p++)
		md_row(f, pol_name[p], &e->cell[e->n_loads][p]);
	fprintf(f, "\n\"fallback\": delivered frames that took a margin or"
		   " staleness fallback at some hop.  \"shortest\" is the data"
		   " plane without a model on hop-count routes, \"etx\" without"
		   " a model on the agent's ETX routes (its default next hop),"
		   " \"oracle\" decides every frame on the true queues."
		   "  \"hops\": mean hops of a delivered frame; \"moves\":"
		   " decisions (cache misses) that sent a (destination,"
		   " class) to another neighbour than before.\n");
	return fclose(f);
}

static void eval_free(struct eval *e)
{
	unsigned int i, p;

	for (i = 0; i < e->n_runs; i++)
		free(e->runs[i].d);
	if (e->cell)
		for (i = 0; i <= e->n_loads; i++)
			for (p = 0; p < N_POL; p++)
				free(e->cell[i][p].d);
	free(e->runs);
	free(e->cell);
	free(e->tcell);
}

static void print_summary(const struct eval *e, const struct targets *t)
{
	unsigned int l, p, v;

	printf("load ");
	for (p = 0; p < N_POL; p++)
		printf(" %10s", pol_name[p]);
	printf("   (mean delivery ms)\n");
	for (l = 0; l < e->n_loads; l++) {
		printf("%4.1f ", e->loads[l]);
		for (p = 0; p < N_POL; p++)
			printf(" %10.2f", e->cell[l][p].mean_us / 1000);
		putchar('\n');
	}
	printf("hops ");
	for (p = 0; p < N_POL; p++)
		printf(" %10.3f",
		       frac(e->cell[0][p].hops, e->cell[0][p].delivered));
	printf("   (mean hops, load %.1f)\nmoves", e->loads[0]);
	for (p = 0; p < N_POL; p++) {
		const struct cell *c = &e->cell[e->n_loads - 1][p];

		printf(" %9.1f%%", 100 * frac(c->moves, c->decisions));
	}
	printf("   (of decisions, load %.1f)\n", e->loads[e->n_loads - 1]);
	printf("fail lost");
	for (p = 0; p < N_POL; p++)
		printf(" %s %llu", pol_name[p],
		       (unsigned long long)e->cell[e->n_loads][p].lost);
	printf("\nheavy gain %.1f %%, light loss %.1f %%\n",
	       100 * t->heavy_gain, 100 * t->light_loss);
	if (!e->has_lab)
		return;
	for (v = 0; v < 2; v++) {
		printf("lab %s:", v ? "fat " : "thin");
		for (l = 0; l < LAB_NLOADS; l++) {
			const struct pool *a = &e->lab[v][l][0];
			const struct pool *b = &e->lab[v][l][1];

			printf(" %.1f %.2f/%.2f", lab_loads[l],
			       pool_mean(a) / 1000, pool_mean(b) / 1000);
		}
		printf("   (ms, learned/shortest)\n");
	}
}

/* The plot, the JSON and the report asked for: 0, or -1 (said why). */
static int write_outputs(const struct eval *e, const struct targets *t,
			 const char *model, const char *cmdline,
			 const char *json, const char *report, const char *plot)
{
	int plot_state = 0;

	if (plot) {
		plot_state = write_plot(e, plot);
		if (plot_state > 0)
			fprintf(stderr,
				"hn-train: gnuplot missing: no plot (data in %s.dat)\n",
				plot);
	}
	if (json && write_json(e, t, model, json)) {
		perror(json);
		return -1;
	}
	if (report &&
	    write_report(e, t, model, cmdline, report, plot, plot_state)) {
		perror(report);
		return -1;
	}
	return 0;
}

int hn_eval_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "json", required_argument, NULL, 'J' },
		{ "report", required_argument, NULL, 'r' },
		{ "plot", required_argument, NULL, 'P' },
		{ "threads", required_argument, NULL, 'j' },
		{ "seeds", required_argument, NULL, 's' },
		{ "train-log", required_argument, NULL, 't' },
		{ "quick", no_argument, NULL, 'q' },
		{ "fail-load", required_argument, NULL, 'F' },
		{ 0 }
	};
	const char *model = "models/route-default.txt", *json = NULL;
	const char *report = NULL, *plot = NULL, *train_file = NULL;
	struct eval e = { .topos = topos_full,
			  .n_topos = LEN(topos_full),
			  .loads = loads_full,
			  .n_loads = LEN(loads_full),
			  .seeds = 1 };
	unsigned int threads = 2;
	struct hn_rt_model rt;
	struct targets t;
	char err[256], cmdline[1024] = "hn-train";
	int c, i, ret = 1;

	for (i = 0; i < argc; i++)
		snprintf(cmdline + strlen(cmdline),
			 sizeof(cmdline) - strlen(cmdline), " %s", argv[i]);
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			model = optarg;
			break;
		case 'J':
			json = optarg;
			break;
		case 'r':
			report = optarg;
			break;
		case 'P':
			plot = optarg;
			break;
		case 'j':
			threads = atoi(optarg);
			break;
		case 's':
			e.seeds = atoi(optarg);
			break;
		case 't':
			train_file = optarg;
			break;
		case 'F':
			fail_load = atof(optarg);
			break;
		case 'q':
			e.topos = topos_quick;
			e.n_topos = LEN(topos_quick);
			e.loads = loads_quick;
			e.n_loads = LEN(loads_quick);
			break;
		default:
			fprintf(stderr,
				"usage: hn-train eval [--model FILE] [--json FILE] [--report FILE.md] [--plot FILE.svg] [-j T] [--seeds N] [--train-log FILE.txt] [--fail-load L] [--quick]\n");
			return 2;
		}
	}
	if (!threads || !e.seeds || e.seeds > 16) {
		fprintf(stderr, "hn-train eval: bad --threads or --seeds\n");
		return 2;
	}
	if (!train_file)
		train_file = model;
	if (hn_tr_load_rt(model, &rt, err, sizeof(err))) {
		fprintf(stderr, "hn-train: %s: %s\n", model, err);
		return 1;
	}
	e.rt = &rt;
	plan(&e);
	hn_tr_parallel(e.n_runs, threads, run_one, &e);
	if (aggregate(&e))
		goto out;
	e.has_lab = e.topos == topos_full;
	if (e.has_lab && lab_eval(&rt, threads, e.lab)) {
		fprintf(stderr, "hn-train: lab simulation failed\n");
		goto out;
	}
	targets(&e, train_file, &t);
	print_summary(&e, &t);
	if (write_outputs(&e, &t, model, cmdline, json, report, plot))
		goto out;
	ret = 0;
out:
	eval_free(&e);
	return ret;
}
