// SPDX-License-Identifier: GPL-2.0
/*
 * hn-train eval's outputs: a summary on stdout, the JSON (targets, every
 * cell per split, load and policy, every scenario), a markdown report
 * and a gnuplot plot of the held-out figure of merit against load.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "jsonw.h"

static const char *const split_key[EV_SPLITS] = { "trained", "held_out" };
static const char *const split_title[EV_SPLITS] = {
	"Topologies trained on (new seeds)",
	"Held-out topologies (new sizes and new families)"
};

static __u64 split_scn(const struct eval *e, unsigned int s, unsigned int row)
{
	return e->n_pol ? ev_cell(e, s, row, 0)->scn : 0;
}

static unsigned int split_topos(const struct eval *e, unsigned int s)
{
	unsigned int t, n = 0;

	for (t = 0; t < e->n_topos; t++)
		n += (e->topo[t].split != HN_TR_TRAINED) == s;
	return n;
}

/* ---- stdout --------------------------------------------------------------- */

static void print_split(const struct eval *e, unsigned int s)
{
	unsigned int l, p;

	printf("%s: %u topologies; figure of merit, ms (lost %%)\nload ",
	       split_key[s], split_topos(e, s));
	for (p = 0; p < e->n_pol; p++)
		printf(" %16s", e->pol[p]->name);
	printf(" %9s\n", "bound");
	for (l = 0; l <= e->n_loads; l++) {
		double b = ev_bound(e, s, l);

		if (!split_scn(e, s, l))
			continue;
		if (l < e->n_loads)
			printf("%4.1f ", e->loads[l]);
		else
			printf("fail ");
		for (p = 0; p < e->n_pol; p++) {
			const struct ev_cell *c = ev_cell(e, s, l, p);

			printf(" %8.2f (%4.1f%%)", ev_fom(c) / 1000,
			       100 * ev_frac(c->lost, c->sent));
		}
		if (isnan(b))
			printf(" %9s\n", "-");
		else
			printf(" %9.2f\n", b / 1000);
	}
}

static void print_target(const char *name, double v)
{
	if (isnan(v))
		printf("%-24s null\n", name);
	else
		printf("%-24s %.3f\n", name, v);
}

void ev_print_summary(const struct eval *e, const struct ev_targets *t)
{
	unsigned int s;

	for (s = EV_SPLITS; s-- > 0;)
		if (split_topos(e, s))
			print_split(e, s);
	print_target("sim_gain_vs_ett", t->gain_vs_ett);
	print_target("sim_gain_vs_ett_geomean", t->gain_vs_ett_geo);
	print_target("sim_light_loss_vs_ett", t->light_loss_vs_ett);
	print_target("sim_gap_closed", t->gap_closed);
	print_target("sim_failure_loss_learned", t->fail_loss_learned);
	print_target("sim_failure_loss_ett", t->fail_loss_ett);
	print_target("sim_heavy_gain", t->heavy_gain);
	print_target("sim_light_loss", t->light_loss);
}

/* ---- JSON ----------------------------------------------------------------- */

static void kv_num(struct jsonw *jw, const char *k, double v)
{
	if (isnan(v) || isinf(v)) {
		jsonw_name(jw, k);
		jsonw_null(jw);
	} else {
		jsonw_kv_float(jw, k, v);
	}
}

static void json_cell(struct jsonw *jw, const struct ev_cell *c)
{
	jsonw_obj_open(jw);
	jsonw_kv_float(jw, "fom_us", ev_fom(c));
	jsonw_kv_float(jw, "mean_us", ev_mean(c));
	jsonw_kv_float(jw, "p99_us", ev_p99(c));
	jsonw_kv_u64(jw, "sent", c->sent);
	jsonw_kv_u64(jw, "delivered", c->delivered);
	jsonw_kv_u64(jw, "lost", c->lost);
	jsonw_kv_float(jw, "loss", ev_frac(c->lost, c->sent));
	jsonw_kv_float(jw, "fallback", ev_frac(c->fallback, c->delivered));
	jsonw_kv_float(jw, "mean_hops", ev_frac(c->hops, c->delivered));
	/* decisions (cache misses) that moved to another next hop */
	jsonw_kv_float(jw, "moves", ev_frac(c->moves, c->decisions));
	jsonw_kv_u64(jw, "scenarios", c->scn);
	jsonw_kv_u64(jw, "wins", c->wins);
	jsonw_kv_u64(jw, "ties", c->ties);
	jsonw_kv_u64(jw, "losses", c->losses);
	kv_num(jw, "geomean_ratio", c->scn ? exp(c->log_ratio / c->scn) : NAN);
	jsonw_obj_close(jw);
}

static void json_row(struct jsonw *jw, const struct eval *e, unsigned int s,
		     unsigned int l)
{
	unsigned int p;

	jsonw_obj_open(jw);
	if (l < e->n_loads)
		jsonw_kv_float(jw, "load", e->loads[l]);
	else
		jsonw_kv_float(jw, "failure_load", e->fail_load);
	kv_num(jw, "bound_us", ev_bound(e, s, l));
	jsonw_name(jw, "policies");
	jsonw_obj_open(jw);
	for (p = 0; p < e->n_pol; p++) {
		jsonw_name(jw, e->pol[p]->name);
		json_cell(jw, ev_cell(e, s, l, p));
	}
	jsonw_obj_close(jw);
	/* (ETT - policy) / (ETT - bound) */
	jsonw_name(jw, "gap_closed");
	jsonw_obj_open(jw);
	for (p = 0; p < e->n_pol && l < e->n_loads; p++)
		kv_num(jw, e->pol[p]->name, ev_gap_closed(e, s, l, p));
	jsonw_obj_close(jw);
	jsonw_obj_close(jw);
}

static void json_splits(struct jsonw *jw, const struct eval *e)
{
	unsigned int s, l;

	jsonw_name(jw, "splits");
	jsonw_obj_open(jw);
	for (s = 0; s < EV_SPLITS; s++) {
		jsonw_name(jw, split_key[s]);
		jsonw_obj_open(jw);
		jsonw_kv_u64(jw, "topologies", split_topos(e, s));
		jsonw_name(jw, "by_load");
		jsonw_arr_open(jw);
		for (l = 0; l < e->n_loads; l++)
			json_row(jw, e, s, l);
		jsonw_arr_close(jw);
		jsonw_name(jw, "failure");
		if (e->has_fail && split_scn(e, s, e->n_loads))
			json_row(jw, e, s, e->n_loads);
		else
			jsonw_null(jw);
		jsonw_obj_close(jw);
	}
	jsonw_obj_close(jw);
}

static void json_topos(struct jsonw *jw, const struct eval *e)
{
	unsigned int t;

	jsonw_name(jw, "topologies");
	jsonw_arr_open(jw);
	for (t = 0; t < e->n_topos; t++) {
		const struct ev_topo *et = &e->topo[t];

		jsonw_obj_open(jw);
		jsonw_kv_str(jw, "spec", et->spec);
		jsonw_kv_u64(jw, "seed", et->seed);
		jsonw_kv_u64(jw, "nodes", et->nodes);
		jsonw_kv_u64(jw, "links", et->links);
		jsonw_kv_str(jw, "split", ev_split_name(et->split));
		jsonw_kv_bool(jw, "held_out", et->split != HN_TR_TRAINED);
		jsonw_kv_s64(jw, "fail_node", et->fail_node);
		jsonw_obj_close(jw);
	}
	jsonw_arr_close(jw);
}

static void json_scenarios(struct jsonw *jw, const struct eval *e)
{
	unsigned int k, p;

	jsonw_name(jw, "scenarios");
	jsonw_arr_open(jw);
	for (k = 0; k < e->n_scn; k++) {
		const struct ev_scn *s = &e->scn[k];
		const struct ev_run *r = &e->run[(size_t)k * e->n_pol];

		jsonw_obj_open(jw);
		jsonw_kv_u64(jw, "topo", s->topo);
		jsonw_kv_str(jw, "traffic", ev_traffic_name(s->traffic));
		jsonw_kv_float(jw, "load", s->load);
		jsonw_kv_bool(jw, "failure", s->row == e->n_loads);
		jsonw_kv_u64(jw, "seed", s->seed);
		jsonw_kv_float(jw, "loss_timeout_us", s->timeout_us);
		kv_num(jw, "bound_us", s->bound_us >= 0 ? s->bound_us : NAN);
		kv_num(jw, "lambda_max",
		       s->bound_us >= 0 ? s->lambda_max : NAN);
		jsonw_name(jw, "policies");
		jsonw_obj_open(jw);
		for (p = 0; p < e->n_pol; p++) {
			__u64 lost = r[p].st.m_sent - r[p].st.m_delivered;

			jsonw_name(jw, e->pol[p]->name);
			jsonw_obj_open(jw);
			jsonw_kv_float(
				jw, "fom_us",
				ev_frac(r[p].sum_us + lost * s->timeout_us,
					r[p].st.m_sent));
			jsonw_kv_float(jw, "mean_us",
				       ev_frac(r[p].sum_us,
					       r[p].st.m_delivered));
			jsonw_kv_float(jw, "loss",
				       ev_frac(lost, r[p].st.m_sent));
			jsonw_obj_close(jw);
		}
		jsonw_obj_close(jw);
		jsonw_obj_close(jw);
	}
	jsonw_arr_close(jw);
}

static void json_lab(struct jsonw *jw, const struct eval *e)
{
	static const char *const name[2] = { "thin_defaults", "fat_defaults" };
	unsigned int v, l, p;

	jsonw_name(jw, "lab_sim");
	jsonw_obj_open(jw);
	jsonw_name(jw, "loads");
	jsonw_arr_open(jw);
	for (l = 0; l < EV_LAB_NLOADS; l++)
		jsonw_float(jw, ev_lab_loads[l]);
	jsonw_arr_close(jw);
	for (v = 0; v < 2; v++) {
		jsonw_name(jw, name[v]);
		jsonw_obj_open(jw);
		for (p = 0; p < e->n_pol; p++) {
			jsonw_name(jw, e->pol[p]->name);
			jsonw_arr_open(jw);
			for (l = 0; l < EV_LAB_NLOADS; l++) {
				const struct ev_lab *c = &e->lab[v][l][p];

				jsonw_obj_open(jw);
				jsonw_kv_float(jw, "mean_us",
					       ev_frac(c->sum_us,
						       c->delivered));
				jsonw_kv_float(jw, "loss",
					       ev_frac(c->sent - c->delivered,
						       c->sent));
				jsonw_obj_close(jw);
			}
			jsonw_arr_close(jw);
		}
		jsonw_obj_close(jw);
	}
	jsonw_obj_close(jw);
}

static void json_targets(struct jsonw *jw, const struct eval *e,
			 const struct ev_targets *t)
{
	kv_num(jw, "sim_gain_vs_ett", t->gain_vs_ett);
	kv_num(jw, "sim_gain_vs_ett_geomean", t->gain_vs_ett_geo);
	kv_num(jw, "sim_scenarios_won_vs_ett",
	       t->won_vs_ett >= 0 ? t->won_vs_ett : NAN);
	kv_num(jw, "sim_scenarios_lost_vs_ett",
	       t->lost_vs_ett >= 0 ? t->lost_vs_ett : NAN);
	kv_num(jw, "sim_heavy_loss_learned", t->heavy_loss_learned);
	kv_num(jw, "sim_heavy_loss_ett", t->heavy_loss_ett);
	kv_num(jw, "sim_light_loss_vs_ett", t->light_loss_vs_ett);
	kv_num(jw, "sim_gap_closed", t->gap_closed);
	kv_num(jw, "sim_gap_load", t->gap_load);
	kv_num(jw, "sim_failure_loss_learned", t->fail_loss_learned);
	kv_num(jw, "sim_failure_loss_ett", t->fail_loss_ett);
	kv_num(jw, "sim_heavy_gain", t->heavy_gain);
	kv_num(jw, "sim_light_loss", t->light_loss);
	if (e->has_fail && e->learned >= 0) {
		jsonw_kv_u64(jw, "sim_failure_lost_learned",
			     t->fail_lost_learned);
		if (e->hops >= 0)
			jsonw_kv_u64(jw, "sim_failure_lost_shortest",
				     t->fail_lost_hops);
	}
	kv_num(jw, "train_seconds", e->train_s >= 0 ? e->train_s : NAN);
	jsonw_kv_float(jw, "heavy_load", t->heavy_load);
	jsonw_kv_float(jw, "light_load", t->light_load);
	jsonw_kv_float(jw, "failure_load", e->fail_load);
}

static int write_json(const struct eval *e, const struct ev_targets *t,
		      const char *path)
{
	FILE *f = fopen(path, "w");
	struct jsonw jw_s, *jw = &jw_s;
	unsigned int l, p;

	if (!f)
		return -1;
	jsonw_init(&jw_s, f);
	jsonw_obj_open(jw);
	jsonw_kv_str(jw, "model", e->learned >= 0 ? e->model : "");
	jsonw_kv_str(jw, "command", e->cmdline);
	json_targets(jw, e, t);
	jsonw_kv_float(jw, "loss_timeout_ms", e->timeout_ms);
	jsonw_kv_str(jw, "baseline", e->base >= 0 ? e->pol[e->base]->name : "");
	jsonw_kv_bool(jw, "bound_available", e->has_bound);
	jsonw_name(jw, "loads");
	jsonw_arr_open(jw);
	for (l = 0; l < e->n_loads; l++)
		jsonw_float(jw, e->loads[l]);
	jsonw_arr_close(jw);
	jsonw_name(jw, "policies");
	jsonw_arr_open(jw);
	for (p = 0; p < e->n_pol; p++)
		jsonw_str(jw, e->pol[p]->name);
	jsonw_arr_close(jw);
	json_topos(jw, e);
	json_splits(jw, e);
	if (e->has_lab)
		json_lab(jw, e);
	json_scenarios(jw, e);
	jsonw_obj_close(jw);
	fputc('\n', f);
	return fclose(f);
}

/* ---- plot ----------------------------------------------------------------- */

/* gnuplot: held-out figure of merit and loss against load, per policy. */
static int write_plot(const struct eval *e, const char *plot)
{
	char dat[1024], cmd[8192], names[512] = "";
	unsigned int l, p, s = split_topos(e, 1) ? 1 : 0;
	FILE *f;

	snprintf(dat, sizeof(dat), "%s.dat", plot);
	f = fopen(dat, "w");
	if (!f)
		return -1;
	fprintf(f,
		"# %s: load, then per policy figure of merit (ms) and"
		" loss (%%), then the bound (ms)\n# load",
		split_key[s]);
	for (p = 0; p < e->n_pol; p++) {
		fprintf(f, " %s_fom_ms %s_loss", e->pol[p]->name,
			e->pol[p]->name);
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
			 "%s%s", p ? " " : "", e->pol[p]->name);
	}
	fprintf(f, " bound_ms\n");
	for (l = 0; l < e->n_loads; l++) {
		double b = ev_bound(e, s, l);

		fprintf(f, "%.2f", e->loads[l]);
		for (p = 0; p < e->n_pol; p++) {
			const struct ev_cell *c = ev_cell(e, s, l, p);

			fprintf(f, " %.3f %.3f", ev_fom(c) / 1000,
				100 * ev_frac(c->lost, c->sent));
		}
		fprintf(f, isnan(b) ? " NaN\n" : " %.3f\n", b / 1000);
	}
	if (fclose(f))
		return -1;
	if (system("command -v gnuplot >/dev/null 2>&1"))
		return 1;
	snprintf(cmd, sizeof(cmd),
		 "gnuplot -e \"set terminal svg size 960,420 font 'sans,11';"
		 " set output '%s'; set multiplot layout 1,2;"
		 " set xlabel 'offered load'; set key top left; set grid;"
		 " set logscale y; set ylabel 'figure of merit (ms, %s)';"
		 " plot for [i=0:%u] '%s' using 1:(column(2+2*i)) with"
		 " linespoints title word('%s', i+1), '%s' using 1:%u with"
		 " lines dt 2 title 'bound';"
		 " unset logscale y; set ylabel 'frames lost (%%)';"
		 " plot for [i=0:%u] '%s' using 1:(column(3+2*i)) with"
		 " linespoints title word('%s', i+1); unset multiplot\"",
		 plot, split_key[s], e->n_pol - 1, dat, names, dat,
		 2 + 2 * e->n_pol, e->n_pol - 1, dat, names);
	return system(cmd) ? -1 : 0;
}

/* ---- markdown ------------------------------------------------------------- */

static void md_num(FILE *f, const char *fmt, double v, double scale)
{
	if (isnan(v))
		fprintf(f, " - |");
	else
		fprintf(f, fmt, v * scale);
}

static void md_targets(FILE *f, const struct ev_targets *t)
{
	fprintf(f, "## Targets (held-out topologies)\n\n"
		   "| key | value | target |\n|---|---:|---|\n");
	fprintf(f, "| sim_gain_vs_ett (load %.1f) |", t->heavy_load);
	md_num(f, " %.1f %% |", t->gain_vs_ett, 100);
	fprintf(f, " >= 15 %% |\n| sim_gain_vs_ett_geomean (per scenario) |");
	md_num(f, " %.1f %% |", t->gain_vs_ett_geo, 100);
	fprintf(f, " |\n| scenarios won / lost against ETT (load %.1f) |",
		t->heavy_load);
	if (t->won_vs_ett >= 0)
		fprintf(f, " %lld / %lld |", (long long)t->won_vs_ett,
			(long long)t->lost_vs_ett);
	else
		fprintf(f, " - |");
	fprintf(f, " |\n| frames lost at load %.1f, learned / ETT |",
		t->heavy_load);
	if (isnan(t->heavy_loss_learned) || isnan(t->heavy_loss_ett))
		fprintf(f, " - |");
	else
		fprintf(f, " %.2f %% / %.2f %% |", 100 * t->heavy_loss_learned,
			100 * t->heavy_loss_ett);
	fprintf(f,
		" no more %s |\n| sim_light_loss_vs_ett (worst of 0.1-0.7) |",
		t->heavy_loss_learned <= t->heavy_loss_ett ? "(met)" :
							     "(NOT met)");
	md_num(f, " %.1f %% |", t->light_loss_vs_ett, 100);
	fprintf(f,
		" <= 2 %% |\n| sim_gap_closed (at the heaviest load with a finite bound");
	if (!isnan(t->gap_load))
		fprintf(f, ", %.2g", t->gap_load);
	fprintf(f, ") |");
	md_num(f, " %.1f %% |", t->gap_closed, 100);
	fprintf(f, " >= 30 %% |\n| sim_failure_loss_learned |");
	md_num(f, " %.2f %% |", t->fail_loss_learned, 100);
	fprintf(f, " <= 3 %% |\n| sim_failure_loss_ett |");
	md_num(f, " %.2f %% |", t->fail_loss_ett, 100);
	fprintf(f, " (baseline) |\n| sim_heavy_gain (vs hop count) |");
	md_num(f, " %.1f %% |", t->heavy_gain, 100);
	fprintf(f, " |\n| sim_light_loss (vs hop count, load %.1f) |",
		t->light_load);
	md_num(f, " %.1f %% |", t->light_loss, 100);
	fprintf(f, " |\n\n- means the run has no such figure (no ETT policy,"
		   " no bound, no held-out topology or no such load).\n\n");
}

/* The bound's row, then how much of ETT's gap to it each policy closes. */
static void md_bound(FILE *f, const struct eval *e, unsigned int s,
		     unsigned int l, double b)
{
	unsigned int p;

	if (isnan(b)) {
		fprintf(f, "| bound | - | | | | | | | | | |\n");
		return;
	}
	if (isinf(b)) {
		fprintf(f,
			"| bound | none finite (load >= max concurrent flow) | | | | | | | | | |\n");
		return;
	}
	fprintf(f, "| bound | %.2f | | | | | | | | | |\n", b / 1000);
	if (e->ett < 0)
		return;
	fprintf(f,
		"\nGap to the bound closed, (ETT - policy) / (ETT - bound):");
	for (p = 0; p < e->n_pol; p++)
		if ((int)p != e->ett)
			fprintf(f, " %s %.0f %%%s", e->pol[p]->name,
				100 * ev_gap_closed(e, s, l, p),
				p + 1 < e->n_pol ? "," : ".");
	fputc('\n', f);
}

static void md_split(FILE *f, const struct eval *e, unsigned int s)
{
	unsigned int l, p;

	fprintf(f, "## %s\n\n", split_title[s]);
	for (l = 0; l <= e->n_loads; l++) {
		double b = ev_bound(e, s, l);

		if (!split_scn(e, s, l))
			continue;
		if (l < e->n_loads)
			fprintf(f, "### Load %.2g (%llu scenarios)\n\n",
				e->loads[l],
				(unsigned long long)split_scn(e, s, l));
		else
			fprintf(f,
				"### A node failing mid-run, load %.2g (%llu scenarios)\n\n",
				e->fail_load,
				(unsigned long long)split_scn(e, s, l));
		fprintf(f,
			"| policy | FoM ms | vs %s | geomean | W / T / L | mean ms | p99 ms | lost | hops | fallback | moves |\n"
			"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
			e->base >= 0 ? e->pol[e->base]->name : "-");
		for (p = 0; p < e->n_pol; p++) {
			const struct ev_cell *c = ev_cell(e, s, l, p);
			const struct ev_cell *cb =
				e->base >= 0 ? ev_cell(e, s, l, e->base) : c;

			fprintf(f,
				"| %s | %.2f | %+.1f %% | %+.1f %% | %u / %u / %u | %.2f | %.1f | %.2f %% | %.2f | %.1f %% | %.1f %% |\n",
				e->pol[p]->name, ev_fom(c) / 1000,
				100 * (ev_frac(ev_fom(c), ev_fom(cb)) - 1),
				c->scn ?
					100 * (exp(c->log_ratio / c->scn) - 1) :
					0,
				c->wins, c->ties, c->losses, ev_mean(c) / 1000,
				ev_p99(c) / 1000,
				100 * ev_frac(c->lost, c->sent),
				ev_frac(c->hops, c->delivered),
				100 * ev_frac(c->fallback, c->delivered),
				100 * ev_frac(c->moves, c->decisions));
		}
		if (l < e->n_loads)
			md_bound(f, e, s, l, b);
		fputc('\n', f);
	}
}

/* The learned model against the baseline per topology. */
static void md_topos(FILE *f, const struct eval *e)
{
	unsigned int t, l;

	if (e->learned < 0 || e->base < 0)
		return;
	fprintf(f,
		"## Per topology\n\nFigure of merit of learned against %s, in"
		" %% (negative: better), pooled over the traffic kinds and"
		" seeds; W/L: scenarios won and lost; in brackets the frames"
		" lost, learned / %s, in %%.\n\n| topology | split |",
		e->pol[e->base]->name, e->pol[e->base]->name);
	for (l = 0; l <= e->n_loads; l++)
		if (l < e->n_loads)
			fprintf(f, " %.2g |", e->loads[l]);
		else if (e->has_fail)
			fprintf(f, " fail %.2g |", e->fail_load);
	fprintf(f, "\n|---|---|");
	for (l = 0; l < e->n_loads + !!e->has_fail; l++)
		fprintf(f, "---:|");
	fputc('\n', f);
	for (t = 0; t < e->n_topos; t++) {
		fprintf(f, "| %s@%llu | %s |", e->topo[t].spec,
			(unsigned long long)e->topo[t].seed,
			ev_split_name(e->topo[t].split));
		for (l = 0; l < e->n_loads + !!e->has_fail; l++) {
			const struct ev_cell *a = ev_tcell(e, t, l, e->learned);
			const struct ev_cell *b = ev_tcell(e, t, l, e->base);

			if (!a->scn) {
				fprintf(f, " - |");
				continue;
			}
			fprintf(f, " %+.0f %u/%u (%.1f / %.1f) |",
				100 * (ev_frac(ev_fom(a), ev_fom(b)) - 1),
				a->wins, a->losses,
				100 * ev_frac(a->lost, a->sent),
				100 * ev_frac(b->lost, b->sent));
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

static void md_lab(FILE *f, const struct eval *e)
{
	unsigned int v, l, p;

	fprintf(f,
		"## The lab's grid (not in the targets)\n\n"
		"tests/netns/lab.sh's 3 x 3 grid with bench/learn.sh's four"
		" flows, %u seeds of 6 s pooled; \"fat defaults\": thin and"
		" fat links swapped, so hop-count routing's tie-breaks take"
		" the fat ones.  Mean ms of delivered frames (lost %%).\n\n"
		"| defaults | policy |",
		EV_LAB_SEEDS);
	for (l = 0; l < EV_LAB_NLOADS; l++)
		fprintf(f, " %.1f |", ev_lab_loads[l]);
	fprintf(f, "\n|---|---|");
	for (l = 0; l < EV_LAB_NLOADS; l++)
		fprintf(f, "---:|");
	fputc('\n', f);
	for (v = 0; v < 2; v++)
		for (p = 0; p < e->n_pol; p++) {
			fprintf(f, "| %s | %s |", v ? "fat" : "thin",
				e->pol[p]->name);
			for (l = 0; l < EV_LAB_NLOADS; l++) {
				const struct ev_lab *c = &e->lab[v][l][p];

				fprintf(f, " %.2f (%.1f) |",
					ev_frac(c->sum_us, c->delivered) / 1000,
					100 * ev_frac(c->sent - c->delivered,
						      c->sent));
			}
			fputc('\n', f);
		}
	fputc('\n', f);
}

static void md_suite(FILE *f, const struct eval *e)
{
	unsigned int k;

	fprintf(f,
		"## Suite\n\nEach topology at every load with %u traffic"
		" kind(s), %u seed(s), %u ms simulated (the first quarter not"
		" measured); the failure scenario runs %u ms at load %.2g,"
		" the listed node dying half way (it neither sends nor"
		" receives).  \"trained\": the family and size training draws"
		" from (at other topology seeds); \"new-size\": the family at"
		" a size training never saw; \"new-family\": a family training"
		" never saw.  Held-out figures pool the last two.\n\n"
		"| topology | nodes | links | split | failing node |\n"
		"|---|---:|---:|---|---:|\n",
		e->n_traffic, e->seeds, e->duration_ms, e->duration_ms * 5 / 4,
		e->fail_load);
	for (k = 0; k < e->n_topos; k++)
		fprintf(f, "| %s@%llu | %u | %u | %s | %d |\n", e->topo[k].spec,
			(unsigned long long)e->topo[k].seed, e->topo[k].nodes,
			e->topo[k].links, ev_split_name(e->topo[k].split),
			e->topo[k].fail_node);
	fprintf(f, "\nPolicies:\n\n");
	for (k = 0; k < e->n_pol; k++)
		fprintf(f, "- `%s`: %s\n", e->pol[k]->name, e->pol[k]->what);
	fprintf(f, "- `bound`: %s\n\n",
		e->has_bound ?
			"a lower bound of the mean delivery time over every"
			" multipath routing of the offered traffic" :
			"none in this build (no lower bound computed)");
}

/*
 * @target as a link from a file at @from: a relative path is relative to
 * the directory that holds @from, not to ours ("build/eval/learned.svg"
 * from "build/eval/learned.md" is "learned.svg").  Up with "../" for each
 * directory of @from that @target does not share (none is "..").
 */
static const char *link_from(const char *from, const char *target, char *buf,
			     size_t len)
{
	const char *f = from, *t = target, *slash;
	size_t n = 0;

	if (target[0] == '/' || from[0] == '/')
		return target;
	/* the directories both start with */
	while ((slash = strchr(f, '/')) && !strncmp(f, t, slash - f + 1)) {
		t += slash - f + 1;
		f = slash + 1;
	}
	buf[0] = '\0';
	for (; (slash = strchr(f, '/')); f = slash + 1) {
		if (slash - f == 2 && !strncmp(f, "..", 2))
			return target; /* cannot say: leave it */
		n += snprintf(buf + n, n < len ? len - n : 0, "../");
	}
	snprintf(buf + n, n < len ? len - n : 0, "%s", t);
	return n + strlen(t) < len ? buf : target;
}

static int write_report(const struct eval *e, const struct ev_targets *t,
			const char *path, const char *plot, int plot_state)
{
	FILE *f = fopen(path, "w");
	char link[PATH_MAX];
	unsigned int s;

	if (!f)
		return -1;
	fprintf(f, "# HyperNet learned routing: simulated evaluation\n\n");
	fprintf(f, "Model `%s`, made by `%s`.\n\n",
		e->learned >= 0 ? e->model : "(none)", e->cmdline);
	fprintf(f,
		"**Figure of merit (FoM)**: the mean cost of a frame sent, a"
		" delivered frame costing its delivery time and a lost one"
		" the larger of %.0f ms and the slowest delivery any policy"
		" made in that scenario; so a policy cannot gain by dropping."
		"  Delivery time of delivered frames and loss are shown"
		" beside it.  \"vs\": pooled FoM against the baseline's"
		" (heavy scenarios weigh most); \"geomean\": the geometric"
		" mean of the per-scenario ratios (each scenario alike);"
		" W / T / L: scenarios where the policy's FoM is more than"
		" %.0f %% lower than the baseline's, within, or more than"
		" %.0f %% higher.\n\n",
		e->timeout_ms, 100 * EV_TIE, 100 * EV_TIE);
	md_targets(f, t);
	if (plot && plot_state == 0)
		fprintf(f, "![figure of merit against load](%s)\n\n",
			link_from(path, plot, link, sizeof(link)));
	else if (plot)
		fprintf(f, "No plot (gnuplot %s); its data is in `%s.dat`.\n\n",
			plot_state > 0 ? "missing: `make deps`" : "failed",
			link_from(path, plot, link, sizeof(link)));
	for (s = EV_SPLITS; s-- > 0;)
		if (split_topos(e, s))
			md_split(f, e, s);
	md_topos(f, e);
	if (e->has_lab)
		md_lab(f, e);
	md_suite(f, e);
	fprintf(f, "\"fallback\": delivered frames that took a margin or"
		   " staleness fallback at some hop.  \"hops\": mean hops of a"
		   " delivered frame; \"moves\": decisions (cache misses) that"
		   " sent a (destination, class) to another neighbour than"
		   " before.\n");
	return fclose(f);
}

int ev_write_outputs(const struct eval *e, const struct ev_targets *t,
		     const char *json, const char *report, const char *plot)
{
	int plot_state = 0;

	if (plot) {
		plot_state = write_plot(e, plot);
		if (plot_state > 0)
			fprintf(stderr,
				"hn-train eval: gnuplot missing: no plot (data in %s.dat)\n",
				plot);
	}
	if (json && write_json(e, t, json)) {
		perror(json);
		return -1;
	}
	if (report && write_report(e, t, report, plot, plot_state)) {
		perror(report);
		return -1;
	}
	return 0;
}
