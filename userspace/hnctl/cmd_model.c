// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl model: the route model of the data plane's two slots, shown from
 * the pins and loaded through the loader (show, load); the table of the
 * model words, whose file words (sign, verify) are cmd_key.c's and whose
 * push to the agent is cmd_agent.c's.
 */
#include <errno.h>
#include <stdio.h>

#include "hnctl.h"
#include "model.h"

/* ---- show --------------------------------------------------------------- */

static void weights_json(const struct hn_rt_model *r)
{
	int j, f;

	jsonw_kv_u64(&hn_jw, "shift1", r->shift1);
	jsonw_kv_s64(&hn_jw, "b2", r->b2);
	jsonw_name(&hn_jw, "w1");
	jsonw_arr_open(&hn_jw);
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		jsonw_arr_open(&hn_jw);
		for (f = 0; f < HN_RT_NFEAT; f++)
			jsonw_s64(&hn_jw, r->w1[j][f]);
		jsonw_arr_close(&hn_jw);
	}
	jsonw_arr_close(&hn_jw);
	jsonw_name(&hn_jw, "b1");
	jsonw_arr_open(&hn_jw);
	for (j = 0; j < HN_RT_HIDDEN; j++)
		jsonw_s64(&hn_jw, r->b1[j]);
	jsonw_arr_close(&hn_jw);
	jsonw_name(&hn_jw, "w2");
	jsonw_arr_open(&hn_jw);
	for (j = 0; j < HN_RT_HIDDEN; j++)
		jsonw_s64(&hn_jw, r->w2[j]);
	jsonw_arr_close(&hn_jw);
}

static void model_json(__u64 epoch, const struct hn_dp_model *m)
{
	__u32 s, active = HN_EPOCH_SLOT(epoch);

	jsonw_obj_open(&hn_jw);
	jsonw_kv_u64(&hn_jw, "epoch_gen", HN_EPOCH_GEN(epoch));
	jsonw_kv_u64(&hn_jw, "active_slot", active);
	jsonw_name(&hn_jw, "slots");
	jsonw_arr_open(&hn_jw);
	for (s = 0; s < HN_DP_SLOTS; s++) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_u64(&hn_jw, "slot", s);
		jsonw_kv_bool(&hn_jw, "active", s == active);
		jsonw_kv_bool(&hn_jw, "valid", m[s].valid);
		if (m[s].valid)
			weights_json(&m[s].m);
		jsonw_obj_close(&hn_jw);
	}
	jsonw_arr_close(&hn_jw);
	jsonw_obj_close(&hn_jw);
}

static void weights_text(const struct hn_rt_model *r)
{
	int j, f;

	printf("route model %d-%d-1, shift1 %u, b2 %d\n", HN_RT_NFEAT,
	       HN_RT_HIDDEN, r->shift1, r->b2);
	printf("  %-6s %s\n", "hidden",
	       "w1: qual dly loss load cap dist cls size ttl |  b1  |  w2");
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		printf("  %-6d    ", j);
		for (f = 0; f < HN_RT_NFEAT; f++)
			printf(" %4d", r->w1[j][f]);
		printf(" | %6d | %4d\n", r->b1[j], r->w2[j]);
	}
}

static void model_text(__u64 epoch, const struct hn_dp_model *m)
{
	__u32 s, active = HN_EPOCH_SLOT(epoch);

	printf("epoch generation %llu, active slot %u\n",
	       (unsigned long long)HN_EPOCH_GEN(epoch), active);
	for (s = 0; s < HN_DP_SLOTS; s++) {
		printf("slot %u%s: ", s, s == active ? " (active)" : "");
		if (m[s].valid)
			weights_text(&m[s].m);
		else
			printf("empty\n");
	}
	if (!m[active].valid)
		printf("no model in the active slot: every decision takes the default next hop ('hnctl model load FILE.hnm')\n");
}

static int model_show(int argc, char **argv)
{
	struct hn_dp_model m[HN_DP_SLOTS];
	struct hn_dp_ro *ro = hn_view();
	__u64 epoch;
	int ret;
	__u32 s;

	ret = hn_dp_ro_epoch(ro, &epoch, HN_MSG);
	for (s = 0; !ret && s < HN_DP_SLOTS; s++)
		ret = hn_dp_ro_model(ro, s, &m[s], HN_MSG);
	if (ret)
		return hn_lib_fail(ret, "reading the model slots");
	if (hn_json)
		model_json(epoch, m);
	else
		model_text(epoch, m);
	return 0;
}

/* ---- load --------------------------------------------------------------- */

static void model_loaded(const char *path, const struct hn_model *m,
			 __u64 epoch)
{
	if (!hn_json) {
		printf("model %s (generation %llu) is live in slot %u, epoch generation %llu\n",
		       path, (unsigned long long)m->generation,
		       HN_EPOCH_SLOT(epoch),
		       (unsigned long long)HN_EPOCH_GEN(epoch));
		return;
	}
	jsonw_obj_open(&hn_jw);
	jsonw_kv_str(&hn_jw, "file", path);
	jsonw_kv_u64(&hn_jw, "model_generation", m->generation);
	jsonw_kv_u64(&hn_jw, "slot", HN_EPOCH_SLOT(epoch));
	jsonw_kv_u64(&hn_jw, "epoch_gen", HN_EPOCH_GEN(epoch));
	jsonw_obj_close(&hn_jw);
}

static int model_install(struct hn_dp *dp, const char *path,
			 const struct hn_model *m)
{
	struct hn_rt_model rt;
	__u64 epoch = 0;
	int ret;

	if (m->kind != HN_MODEL_ROUTE) {
		hn_err("%s is a %s model, not a route model", path,
		       hn_model_kind_name(m->kind));
		hn_hint("route models are built with 'hn-model quantize' from a 'kind route' text model");
		return 1;
	}
	if (hn_model_to_rt(m, &rt, HN_MSG))
		return hn_lib_fail(-EINVAL, "converting the model");
	ret = hn_dp_install_model(dp, &rt, HN_MSG);
	if (ret)
		return hn_lib_fail(ret, "installing the model");
	hn_dp_get_epoch(dp, &epoch);
	model_loaded(path, m, epoch);
	return 0;
}

static int model_load(int argc, char **argv)
{
	struct hn_model m;
	struct hn_dp *dp;
	int rc;

	if (argc != 2) {
		hn_err("usage: hnctl model load FILE.hnm");
		return 1;
	}
	dp = hn_loader(false);
	if (hn_model_read_file(argv[1], &m, HN_MSG))
		return hn_lib_fail(-EINVAL, "reading the model");
	rc = model_install(dp, argv[1], &m);
	hn_model_free(&m);
	return rc;
}

/* ---- the words ---------------------------------------------------------- */

static const struct hn_cmd model_cmds[] = {
	{ "show", model_show, "", "both slots and the active weights" },
	{ "load", model_load, "FILE.hnm",
	  "route model into the inactive slot, then flip" },
	{ "sign", cmd_model_sign, "IN.hnm --key PRIV [-o OUT]",
	  "sign a model file with an Ed25519 key" },
	{ "verify", cmd_model_verify, "FILE.hnm --keys PUB ...",
	  "would the agent accept it? [--installed GEN]" },
	{ "push", hn_model_push, "FILE.hnm",
	  "hand a signed model to hypernetd, which spreads it" },
	{ NULL }
};

int cmd_model(int argc, char **argv)
{
	return hn_family("hnctl model", model_cmds, argc, argv);
}
