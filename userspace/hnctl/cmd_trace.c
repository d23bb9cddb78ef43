// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl dp trace: the last traced decision of every CPU that traced one
 * (hn_trace, filled while `hnctl config trace on`).
 */
#include <stdio.h>
#include <stdlib.h>

#include "hnctl.h"

static const char *const reason_names[] = {
	[HN_DP_R_MODEL] = "model",     [HN_DP_R_NO_MODEL] = "no-model",
	[HN_DP_R_MARGIN] = "margin",   [HN_DP_R_STALE] = "stale",
	[HN_DP_R_NO_LIVE] = "no-live",
};

static const char *reason_name(unsigned int r)
{
	return r < sizeof(reason_names) / sizeof(reason_names[0]) &&
			       reason_names[r] ?
		       reason_names[r] :
		       "?";
}

/* Per-CPU seq numbers do not compare: the clock says which is last. */
static int trace_latest(const struct hn_dp_trace *tr, int ncpu)
{
	int c, latest = -1;

	for (c = 0; c < ncpu; c++)
		if (tr[c].seq &&
		    (latest < 0 || tr[c].time_ns > tr[latest].time_ns))
			latest = c;
	return latest;
}

static void trace_json(int cpu, const struct hn_dp_trace *t, bool latest)
{
	__u32 i;

	jsonw_obj_open(&hn_jw);
	jsonw_kv_u64(&hn_jw, "cpu", cpu);
	jsonw_kv_u64(&hn_jw, "seq", t->seq);
	jsonw_kv_u64(&hn_jw, "time_ns", t->time_ns);
	jsonw_kv_bool(&hn_jw, "latest", latest);
	jsonw_kv_u64(&hn_jw, "epoch_gen", HN_EPOCH_GEN(t->epoch));
	jsonw_kv_u64(&hn_jw, "dst", t->dst);
	jsonw_kv_u64(&hn_jw, "host", t->host);
	jsonw_kv_bool(&hn_jw, "has_model", t->has_model);
	jsonw_kv_u64(&hn_jw, "winner", t->winner);
	jsonw_kv_u64(&hn_jw, "chosen", t->chosen);
	jsonw_kv_u64(&hn_jw, "neigh", t->neigh);
	jsonw_kv_str(&hn_jw, "reason", reason_name(t->reason));
	jsonw_kv_s64(&hn_jw, "margin", t->margin);
	jsonw_kv_u64(&hn_jw, "live_mask", t->live_mask);
	jsonw_name(&hn_jw, "scores");
	jsonw_arr_open(&hn_jw);
	for (i = 0; i < t->n_cand && i < HN_DP_MAX_CAND; i++)
		jsonw_s64(&hn_jw, t->score[i]);
	jsonw_arr_close(&hn_jw);
	jsonw_obj_close(&hn_jw);
}

static void trace_text(int cpu, const struct hn_dp_trace *t, bool latest)
{
	__u32 i;

	printf("cpu %d: decision #%llu, %llu ms ago%s: dst %u", cpu,
	       (unsigned long long)t->seq,
	       (unsigned long long)(hn_dp_now_ns() - t->time_ns) / 1000000,
	       latest ? " (latest)" : "", t->dst);
	if (t->host && t->host != t->dst)
		printf(" host %u", t->host);
	printf(": chose candidate %d (neigh %u), reason %s",
	       t->chosen == HN_DP_NONE ? -1 : t->chosen, t->neigh,
	       reason_name(t->reason));
	if (t->has_model)
		printf(", winner %d margin %d",
		       t->winner == HN_DP_NONE ? -1 : t->winner, t->margin);
	printf("\n");
	for (i = 0; i < t->n_cand && i < HN_DP_MAX_CAND; i++)
		printf("  cand %u: score %d %s%s\n", i, t->score[i],
		       t->live_mask & (1U << i) ? "live" : "stale",
		       i == t->chosen ? "  <- chosen" : "");
}

int cmd_trace(int argc, char **argv)
{
	struct hn_dp_trace *tr;
	int ncpu, c, latest, shown = 0, ret;

	if (argc > 1) {
		hn_err("usage: hnctl trace   (turn it on: 'hnctl config trace on')");
		return 1;
	}
	ret = hn_dp_ro_traces(hn_view(), &tr, &ncpu, HN_MSG);
	if (ret)
		return hn_lib_fail(ret, "reading hn_trace");
	latest = trace_latest(tr, ncpu);
	hn_list_open();
	for (c = 0; c < ncpu; c++) {
		if (!tr[c].seq)
			continue;
		if (hn_json)
			trace_json(c, &tr[c], c == latest);
		else
			trace_text(c, &tr[c], c == latest);
		shown++;
	}
	free(tr);
	hn_list_close(
		shown,
		"no decision traced ('hnctl config trace on', then send traffic)",
		NULL);
	return 0;
}
