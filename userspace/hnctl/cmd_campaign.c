// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl campaign: training campaign files (Documentation/federated.rst,
 * "The campaign file").  create, sign, show and verify touch no kernel
 * state and need no agent: they run on the signing host.
 */
#include <limits.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>

#include "campaign.h"
#include "fedvec.h"
#include "fileio.h"
#include "hnctl.h"
#include "model.h"
#include "robust.h"

/* Validation sets are small; anything bigger is not one. */
#define VALSET_MAX (256u << 20)

static void hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* SHA-256 of a whole file; 1 said why not. */
static int file_digest(const char *path, size_t max, uint8_t out[32],
		       void **keep, size_t *keep_len)
{
	unsigned int n = 32;
	char err[PATH_MAX + 128];
	void *buf;
	size_t len;

	if (hn_read_file(path, max, 0, &buf, &len, err, sizeof(err))) {
		hn_err("%s", err);
		return 1;
	}
	EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL);
	if (keep) {
		*keep = buf;
		*keep_len = len;
	} else {
		free(buf);
	}
	return 0;
}

/* A decimal like "0.05" as an integer count of 1/@unit; 1 said why not. */
static int parse_fixed(const char *what, const char *s, double unit,
		       unsigned long long max, uint32_t *v)
{
	double x, q;
	char *end;

	x = strtod(s, &end);
	q = round(x * unit);
	if (end == s || *end || !isfinite(x) || x < 0 || q > max ||
	    fabs(q - x * unit) > 1e-6) {
		hn_err("%s: '%s' is not a number in [0, %g] with at most %g decimals",
		       what, s, max / unit, log10(unit));
		return 1;
	}
	*v = q;
	return 0;
}

struct create_args {
	const char *out, *model, *valset, *roster;
	const char *id, *gen, *rounds, *steps, *lr, *clip, *scale;
	const char *k, *t, *plan, *max_drop, *groups, *rule;
	int stopped, no_defence;
};

static const char create_usage[] =
	"hnctl campaign create -o OUT.hnc --id N --model START.hnm --valset FILE "
	"--roster FILE --rounds N --steps N --lr X --clip X "
	"[--generation N] [--max-drop X] [--scale-log2 S] [--k K --t T | "
	"--plan-drop PERMILLE] [--groups G [--rule median|trim:K] | "
	"--no-defence] [--stopped]";

static int create_opts(int argc, char **argv, struct create_args *a)
{
	const struct hn_kopt opts[] = {
		{ "--output", "-o", &a->out },
		{ "--model", NULL, &a->model },
		{ "--valset", NULL, &a->valset },
		{ "--roster", NULL, &a->roster },
		{ "--id", NULL, &a->id },
		{ "--generation", NULL, &a->gen },
		{ "--rounds", NULL, &a->rounds },
		{ "--steps", NULL, &a->steps },
		{ "--lr", NULL, &a->lr },
		{ "--clip", NULL, &a->clip },
		{ "--scale-log2", NULL, &a->scale },
		{ "--k", NULL, &a->k },
		{ "--t", NULL, &a->t },
		{ "--plan-drop", NULL, &a->plan },
		{ "--max-drop", NULL, &a->max_drop },
		{ "--groups", NULL, &a->groups },
		{ "--rule", NULL, &a->rule },
		{ NULL, NULL, NULL },
	};
	const struct hn_kopt *o;
	int i, r = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stopped") ||
		    !strcmp(argv[i], "--no-defence")) {
			*(argv[i][2] == 's' ? &a->stopped : &a->no_defence) = 1;
			continue;
		}
		for (o = opts; o->name; o++) {
			r = hn_take_opt("hnctl campaign create", o, argc, argv,
					&i);
			if (r)
				break;
		}
		if (r < 0)
			return 1;
		if (!r) {
			hn_err("campaign create: unexpected '%s'", argv[i]);
			hn_hint("usage: %s", create_usage);
			return 1;
		}
	}
	if (!a->out || !a->model || !a->valset || !a->roster || !a->id ||
	    !a->rounds || !a->steps || !a->lr || !a->clip) {
		hn_err("campaign create: -o, --id, --model, --valset, --roster, --rounds, --steps, --lr and --clip are required");
		hn_hint("usage: %s", create_usage);
		return 1;
	}
	return 0;
}

static int num(const char *what, const char *s, unsigned long long max,
	       unsigned long long dflt, unsigned long long *v)
{
	*v = dflt;
	return s && hn_parse_num(what, s, max, v) ? 1 : 0;
}

/* --groups G and --rule median|trim:K (the campaign checks the rest). */
static int create_groups(const struct create_args *a, struct hn_campaign *c)
{
	unsigned long long g, trim = 0;

	if (num("--groups", a->groups, 255, 0, &g))
		return 1;
	if (a->rule && !strncmp(a->rule, "trim:", 5)) {
		if (hn_parse_num("--rule trim:K", a->rule + 5, 255, &trim))
			return 1;
		c->rule = HN_RB_TRIMMED;
	} else if (a->rule && strcmp(a->rule, "median")) {
		hn_err("campaign create: --rule '%s': median or trim:K",
		       a->rule);
		return 1;
	}
	if (a->rule && !g) {
		hn_err("campaign create: --rule needs --groups");
		return 1;
	}
	c->groups = g;
	c->trim = trim;
	return 0;
}

static int create_numbers(const struct create_args *a, struct hn_campaign *c)
{
	unsigned long long id, gen, rounds, steps, scale, k, t, plan;

	if (num("--id", a->id, ULLONG_MAX, 0, &id) ||
	    num("--generation", a->gen, ULLONG_MAX, 1, &gen) ||
	    num("--rounds", a->rounds, UINT32_MAX, 0, &rounds) ||
	    num("--steps", a->steps, UINT32_MAX, 0, &steps) ||
	    num("--scale-log2", a->scale, 255, 0, &scale) ||
	    num("--k", a->k, 65535, 0, &k) || num("--t", a->t, 65535, 0, &t) ||
	    num("--plan-drop", a->plan, 65535, a->k ? 0 : 300, &plan) ||
	    parse_fixed("--lr", a->lr, 1e6, HN_CP_MAX_LR, &c->lr_micro) ||
	    parse_fixed("--clip", a->clip, 1e3, HN_CP_MAX_CLIP, &c->clip_milli))
		return 1;
	c->max_drop = 100; /* 0.01 */
	if (a->max_drop) {
		uint32_t d;

		if (parse_fixed("--max-drop", a->max_drop, 1e4, 65535, &d))
			return 1;
		c->max_drop = d;
	}
	c->id = id;
	c->generation = gen;
	c->rounds = rounds;
	c->local_steps = steps;
	c->scale_log2 = scale;
	c->sa_k = k;
	c->sa_t = t;
	c->sa_drop = plan;
	c->flags = (a->stopped ? HN_CP_F_STOPPED : 0) |
		   (a->no_defence ? HN_CP_F_NO_DEFENCE : 0);
	return create_groups(a, c);
}

/* A float checkpoint (hn-fmnist fed-init) starts a split-model campaign. */
#define CK_MAGIC "HNFP"
#define CK_STAGE 2 /* the head's stage: FM_STAGE_HEAD */

/*
 * Kind, stage and digest of the starting model: a .hnm file, or a float
 * checkpoint (magic HNFP) of the whole split model, taken as kind stage,
 * stage 2 (the head's); its trainers check its digest.
 */
static int create_model(const char *path, struct hn_campaign *c)
{
	char err[512];
	struct hn_model m;
	void *buf;
	size_t len;

	if (file_digest(path, HN_MODEL_MAX_FILE, c->model_digest, &buf, &len))
		return 1;
	if (len >= 4 && !memcmp(buf, CK_MAGIC, 4)) {
		c->kind = HN_MODEL_STAGE;
		c->stage = CK_STAGE;
		free(buf);
		return 0;
	}
	if (hn_model_parse(buf, len, &m, err, sizeof(err))) {
		hn_err("--model %s: %s", path, err);
		hn_hint("the starting model is a .hnm file ('hn-model verify %s') or a float checkpoint ('hn-fmnist fed-init')",
			path);
		free(buf);
		return 1;
	}
	c->kind = m.kind;
	c->stage = m.stage;
	hn_model_free(&m);
	free(buf);
	return 0;
}

static int write_out(const char *path, const void *buf, size_t len)
{
	char err[PATH_MAX + 128];

	if (!hn_write_file(path, buf, len, 0644, 0, err, sizeof(err)))
		return 0;
	hn_err("%s", err);
	hn_hint("the directory of the output must be writable");
	return 1;
}

static int campaign_create(int argc, char **argv)
{
	struct create_args a = { 0 };
	struct hn_campaign c = { 0 };
	char err[1024];
	void *buf = NULL;
	size_t len;
	int rc = 1;

	if (create_opts(argc, argv, &a) || create_numbers(&a, &c) ||
	    create_model(a.model, &c) ||
	    file_digest(a.valset, VALSET_MAX, c.valset_digest, NULL, NULL))
		return 1;
	if (hn_campaign_roster_load(a.roster, &c.roster, &c.n, err,
				    sizeof(err))) {
		hn_err("--roster: %s", err);
		hn_hint("one line per node: NODE-ID PUBKEY-FILE, the public half of the node's 'hnctl keygen' identity key");
		return 1;
	}
	if (hn_campaign_serialize(&c, &buf, &len, err, sizeof(err))) {
		hn_err("campaign create: %s", err);
		if (strstr(err, "overflow"))
			hn_hint("lower --scale-log2 or --clip, or leave --scale-log2 out to derive the scale");
		else if (strstr(err, "degree") || strstr(err, "threshold"))
			hn_hint("leave --k and --t out to let hn_sa_choose pick them from --plan-drop");
		goto out;
	}
	rc = write_out(a.out, buf, len);
	if (!rc && !hn_json)
		printf("wrote %s: campaign %llu generation %llu, %u nodes, unsigned; sign it with 'hnctl campaign sign %s --key PRIVFILE'\n",
		       a.out, (unsigned long long)c.id,
		       (unsigned long long)c.generation, c.n, a.out);
	else if (!rc) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_str(&hn_jw, "output", a.out);
		jsonw_kv_u64(&hn_jw, "id", c.id);
		jsonw_kv_u64(&hn_jw, "generation", c.generation);
		jsonw_kv_u64(&hn_jw, "nodes", c.n);
		jsonw_obj_close(&hn_jw);
	}
out:
	free(buf);
	free(c.roster);
	return rc;
}

/* ---- sign, show, verify ------------------------------------------------- */

static int read_campaign(const char *path, void **buf, size_t *len)
{
	char err[PATH_MAX + 128];

	if (!hn_campaign_read_image(path, buf, len, err, sizeof(err)))
		return 0;
	hn_err("%s", err);
	return 1;
}

static const char sign_usage[] =
	"hnctl campaign sign IN.hnc --key PRIVFILE [-o OUT.hnc]";

static int campaign_sign(int argc, char **argv)
{
	const char *in = NULL, *key = NULL, *out = NULL;
	const struct hn_kopt opts[] = { { "--key", "-k", &key },
					{ "--output", "-o", &out },
					{ NULL, NULL, NULL } };
	void *buf, *img;
	size_t len, ilen;
	char err[1024];
	int rc;

	if (hn_parse_kopts("hnctl campaign sign", sign_usage, argc, argv, opts,
			   &in))
		return 1;
	if (!in || !key) {
		hn_err("usage: %s", sign_usage);
		hn_hint("the key is a trusted model key: 'hnctl keygen PRIVFILE PUBFILE' makes one");
		return 1;
	}
	if (read_campaign(in, &buf, &len))
		return 1;
	rc = hn_campaign_sign_image(buf, len, key, &img, &ilen, err,
				    sizeof(err));
	free(buf);
	if (rc) {
		hn_err("%s: not signed: %s", in, err);
		hn_hint("'hnctl campaign show %s' checks the file", in);
		return 1;
	}
	rc = write_out(out ? out : in, img, ilen);
	free(img);
	if (!rc && !hn_json)
		printf("signed %s -> %s\n", in, out ? out : in);
	return rc;
}

static void show_json(const char *file, const struct hn_campaign *c)
{
	char h[65], fl[64];
	unsigned int i;

	jsonw_obj_open(&hn_jw);
	jsonw_kv_str(&hn_jw, "file", file);
	jsonw_kv_u64(&hn_jw, "id", c->id);
	jsonw_kv_u64(&hn_jw, "generation", c->generation);
	jsonw_kv_str(&hn_jw, "flags",
		     hn_campaign_flags_str(c->flags, fl, sizeof(fl)));
	jsonw_kv_str(&hn_jw, "kind", hn_model_kind_name(c->kind));
	jsonw_kv_u64(&hn_jw, "stage", c->stage);
	hex(c->model_digest, 32, h);
	jsonw_kv_str(&hn_jw, "model_sha256", h);
	hex(c->valset_digest, 32, h);
	jsonw_kv_str(&hn_jw, "valset_sha256", h);
	jsonw_kv_u64(&hn_jw, "rounds", c->rounds);
	jsonw_kv_u64(&hn_jw, "local_steps", c->local_steps);
	jsonw_kv_float(&hn_jw, "lr", c->lr_micro / 1e6);
	jsonw_kv_float(&hn_jw, "clip", c->clip_milli / 1e3);
	jsonw_kv_float(&hn_jw, "scale", c->scale);
	jsonw_kv_bool(&hn_jw, "scale_derived", !c->scale_log2);
	jsonw_kv_u64(&hn_jw, "k", c->k);
	jsonw_kv_u64(&hn_jw, "t", c->t);
	jsonw_kv_bool(&hn_jw, "k_t_chosen", !c->sa_k);
	jsonw_kv_u64(&hn_jw, "plan_drop_permille", c->sa_drop);
	jsonw_kv_float(&hn_jw, "max_drop", c->max_drop / 1e4);
	jsonw_kv_u64(&hn_jw, "groups", c->groups);
	if (c->groups) {
		jsonw_kv_str(&hn_jw, "rule",
			     c->rule == HN_RB_MEDIAN ? "median" : "trim");
		jsonw_kv_u64(&hn_jw, "trim", c->trim);
	}
	hex(c->digest, 32, h);
	jsonw_kv_str(&hn_jw, "digest", h);
	jsonw_kv_bool(&hn_jw, "signed", c->sig_type != HN_SIG_NONE);
	jsonw_name(&hn_jw, "roster");
	jsonw_arr_open(&hn_jw);
	for (i = 0; i < c->n; i++) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_u64(&hn_jw, "node", c->roster[i].id);
		hex(c->roster[i].key, 32, h);
		jsonw_kv_str(&hn_jw, "key", h);
		jsonw_obj_close(&hn_jw);
	}
	jsonw_arr_close(&hn_jw);
	jsonw_obj_close(&hn_jw);
}

static void show_text(const char *file, const struct hn_campaign *c)
{
	char h[65], fl[64];
	unsigned int i;

	printf("%s: campaign %llu generation %llu, flags %s, %s\n", file,
	       (unsigned long long)c->id, (unsigned long long)c->generation,
	       hn_campaign_flags_str(c->flags, fl, sizeof(fl)),
	       c->sig_type ? "signed (Ed25519)" : "unsigned");
	hex(c->model_digest, 32, h);
	printf("  model       %s model, stage %u, sha256 %s\n",
	       hn_model_kind_name(c->kind), c->stage, h);
	hex(c->valset_digest, 32, h);
	printf("  valset      sha256 %s, accept a drop of at most %.4f\n", h,
	       c->max_drop / 1e4);
	printf("  training    %u rounds of %u local steps, lr %.6f, clip %.3f\n",
	       c->rounds, c->local_steps, c->lr_micro / 1e6,
	       c->clip_milli / 1e3);
	printf("  fixed point scale 2^%d (%s)\n", (int)log2(c->scale),
	       c->scale_log2 ? "given" : "derived from n and clip");
	if (c->sa_k)
		printf("  secagg      k %u, t %u (given)\n", c->k, c->t);
	else
		printf("  secagg      k %u, t %u (chosen by hn_sa_choose for %u permille dropout)\n",
		       c->k, c->t, c->sa_drop);
	if (c->groups && c->rule == HN_RB_MEDIAN)
		printf("  defence     %u groups, coordinate-wise median\n",
		       c->groups);
	else if (c->groups)
		printf("  defence     %u groups, trimmed mean (%u dropped at each end)\n",
		       c->groups, c->trim);
	else
		printf("  defence     %s\n", c->flags & HN_CP_F_NO_DEFENCE ?
						     "none" :
						     "the gate alone");
	hex(c->digest, 32, h);
	printf("  digest      %s\n  roster      %u nodes\n", h, c->n);
	for (i = 0; i < c->n; i++) {
		hex(c->roster[i].key, 32, h);
		printf("    %-10u %s\n", c->roster[i].id, h);
	}
}

static int campaign_show(int argc, char **argv)
{
	const struct hn_kopt opts[] = { { NULL, NULL, NULL } };
	const char *file = NULL;
	struct hn_campaign c;
	char err[1024];
	void *buf;
	size_t len;
	int rc;

	if (hn_parse_kopts("hnctl campaign show",
			   "hnctl campaign show FILE.hnc", argc, argv, opts,
			   &file))
		return 1;
	if (!file) {
		hn_err("usage: hnctl campaign show FILE.hnc");
		return 1;
	}
	if (read_campaign(file, &buf, &len))
		return 1;
	rc = hn_campaign_parse(buf, len, &c, err, sizeof(err));
	free(buf);
	if (rc) {
		hn_err("%s: %s", file, err);
		hn_hint("remake it with 'hnctl campaign create'; Documentation/federated.rst gives the format");
		return 1;
	}
	if (hn_json)
		show_json(file, &c);
	else
		show_text(file, &c);
	hn_campaign_free(&c);
	return 0;
}

static const char *refusal_hint(int why)
{
	switch (why) {
	case HN_ACC_MALFORMED:
		return "'hnctl campaign show FILE' says more; remake it with 'hnctl campaign create'";
	case HN_ACC_UNSIGNED:
		return "sign it: 'hnctl campaign sign FILE --key PRIVFILE'";
	case HN_ACC_BAD_SIG:
		return "sign it with a model key whose public half is in the --keys file (the agents' trusted-keys)";
	}
	return "see Documentation/federated.rst";
}

static const char verify_usage[] =
	"hnctl campaign verify FILE.hnc --keys PUBFILE";

static int campaign_verify(int argc, char **argv)
{
	const char *file = NULL, *keyfile = NULL;
	const struct hn_kopt opts[] = { { "--keys", "-k", &keyfile },
					{ NULL, NULL, NULL } };
	struct hn_pubkey keys[HN_MAX_TRUSTED];
	struct hn_campaign c;
	unsigned int n_keys;
	char err[1024];
	void *buf;
	size_t len;
	int why;

	if (hn_parse_kopts("hnctl campaign verify", verify_usage, argc, argv,
			   opts, &file))
		return 1;
	if (!file || !keyfile) {
		hn_err("usage: %s", verify_usage);
		hn_hint("--keys names the trusted model keys, as the agents' trusted-keys");
		return 1;
	}
	if (hn_pubkeys_load(keyfile, keys, HN_MAX_TRUSTED, &n_keys, err,
			    sizeof(err))) {
		hn_err("%s", err);
		return 1;
	}
	if (read_campaign(file, &buf, &len))
		return 1;
	why = hn_campaign_accept(buf, len, keys, n_keys, 0, 0, 0, &c, err,
				 sizeof(err));
	free(buf);
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_str(&hn_jw, "file", file);
		jsonw_kv_bool(&hn_jw, "accepted", why == HN_ACC_OK);
		jsonw_kv_str(&hn_jw, "reason", hn_accept_err_name(why));
		if (why)
			jsonw_kv_str(&hn_jw, "message", err);
		jsonw_obj_close(&hn_jw);
	} else if (why) {
		hn_err("%s: refused (%s): %s", file, hn_accept_err_name(why),
		       err);
		hn_hint("%s", refusal_hint(why));
	} else {
		printf("%s: accepted (campaign %llu generation %llu, %u nodes, signed by one of %u trusted keys)\n",
		       file, (unsigned long long)c.id,
		       (unsigned long long)c.generation, c.n, n_keys);
	}
	hn_campaign_free(&c);
	return why ? 1 : 0;
}

/* ---- start, stop, status: the agent -------------------------------------- */

/*
 * Hand the signed campaign @file to the local agent, which checks it and
 * floods it.  @stop: the file must be a stopped one (a later generation
 * of the running campaign, made with --stopped and signed).
 */
static int push(const char *file, bool stop)
{
	char err[1024], hint[PATH_MAX + 128], *body;
	struct hn_campaign c;
	void *buf;
	size_t len;
	bool ok;
	int ret;

	if (read_campaign(file, &buf, &len))
		return 1;
	if (hn_campaign_parse(buf, len, &c, err, sizeof(err))) {
		hn_err("%s: %s", file, err);
		hn_hint("'hnctl campaign show %s' checks the file", file);
		free(buf);
		return 1;
	}
	ret = !!(c.flags & HN_CP_F_STOPPED) != stop;
	hn_campaign_free(&c);
	if (ret) {
		hn_err(stop ? "%s is not a stopped campaign" :
			      "%s is a stopped campaign",
		       file);
		hn_hint(stop ? "make a stop with 'hnctl campaign create --stopped --generation N' (N above the running one's), sign it, then 'hnctl campaign stop FILE'" :
			       "'hnctl campaign stop %s' spreads a stop",
			file);
		free(buf);
		return 1;
	}
	ret = hn_agent_request("campaign-push", buf, len, &body, &ok);
	free(buf);
	if (ret) {
		hn_agent_hint(ret);
		return 1;
	}
	snprintf(
		hint, sizeof(hint),
		"'hnctl campaign verify %s --keys PUBFILE' with the agent's trusted-keys shows the checks",
		file);
	return hn_agent_push_reply(ok, body, "campaign", "accepted", hint);
}

static int campaign_start(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		hn_err("usage: hnctl campaign start FILE.hnc");
		hn_hint("the file signed with 'hnctl campaign sign'");
		return 1;
	}
	return push(argv[1], false);
}

static int campaign_stop(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		hn_err("usage: hnctl campaign stop STOPPED.hnc");
		hn_hint("a later generation of the campaign made with --stopped, signed");
		return 1;
	}
	return push(argv[1], true);
}

static int campaign_status(int argc, char **argv)
{
	if (argc != 1) {
		hn_err("usage: hnctl [-j] campaign status");
		return 1;
	}
	return hn_agent_print("campaign", hn_json ? "json" : NULL);
}

/* ---- rounds: updates in, results out ------------------------------------ */

/* --round R, or "-" for the round the agent is at; 1 said why not. */
static int round_word(const char *s, char *buf, size_t size)
{
	unsigned long long r;

	if (!s) {
		snprintf(buf, size, "-");
		return 0;
	}
	if (hn_parse_num("--round", s, UINT32_MAX, &r))
		return 1;
	snprintf(buf, size, "%llu", r);
	return 0;
}

static const char submit_usage[] = "hnctl campaign submit [--round R] FILE";

static int campaign_submit(int argc, char **argv)
{
	const char *file = NULL, *round = NULL;
	const struct hn_kopt opts[] = { { "--round", "-r", &round },
					{ NULL, NULL, NULL } };
	char err[PATH_MAX + 128], line[64], *body;
	uint32_t *vals, n;
	void *buf;
	size_t len;
	bool ok;
	int ret;

	if (hn_parse_kopts("hnctl campaign submit", submit_usage, argc, argv,
			   opts, &file))
		return 1;
	if (!file) {
		hn_err("usage: %s", submit_usage);
		hn_hint("FILE is an update vector (Documentation/federated.rst, \"Update vectors\")");
		return 1;
	}
	snprintf(line, sizeof(line), "campaign-submit ");
	if (round_word(round, line + 16, sizeof(line) - 16))
		return 1;
	if (hn_read_file(file, HN_FV_HDR_LEN + 4 * (size_t)HN_FV_MAX, 0, &buf,
			 &len, err, sizeof(err))) {
		hn_err("%s", err);
		return 1;
	}
	if (hn_fv_parse(buf, len, &vals, &n, err, sizeof(err))) {
		hn_err("%s: %s", file, err);
		hn_hint("an update vector: magic HNFV, version 1, count, int32 values, little endian");
		free(buf);
		return 1;
	}
	free(vals);
	ret = hn_agent_request(line, buf, len, &body, &ok);
	free(buf);
	if (ret) {
		hn_agent_hint(ret);
		return 1;
	}
	if (!ok) {
		hn_err("update refused: %s", body);
		hn_hint("'hnctl campaign status' shows the round the agent is at");
		free(body);
		return 1;
	}
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_bool(&hn_jw, "accepted", true);
		jsonw_kv_u64(&hn_jw, "values", n);
		jsonw_obj_close(&hn_jw);
	} else {
		fputs(body, stdout);
	}
	free(body);
	return 0;
}

static const char result_usage[] =
	"hnctl [-j] campaign result [--round R] [-o FILE]";

static int campaign_result(int argc, char **argv)
{
	const char *out = NULL, *round = NULL, *extra = NULL;
	const struct hn_kopt opts[] = { { "--round", "-r", &round },
					{ "--output", "-o", &out },
					{ NULL, NULL, NULL } };
	char line[64], rw[16], *body;
	size_t blen;
	bool ok;
	int ret;

	if (hn_parse_kopts("hnctl campaign result", result_usage, argc, argv,
			   opts, &extra))
		return 1;
	if (extra) {
		hn_err("usage: %s", result_usage);
		return 1;
	}
	if (round_word(round, rw, sizeof(rw)))
		return 1;
	if (!out)
		return hn_agent_print(
			"campaign-result",
			hn_json ? (snprintf(line, sizeof(line), "%s json", rw),
				   line) :
				  rw);
	snprintf(line, sizeof(line), "campaign-result %s raw", rw);
	ret = hn_agent_request_len(line, NULL, 0, &body, &blen, &ok);
	if (ret) {
		hn_agent_hint(ret);
		return 1;
	}
	if (!ok) {
		hn_err("no result: %s", body);
		free(body);
		return 1;
	}
	ret = write_out(out, body, blen);
	free(body);
	if (!ret && !hn_json)
		printf("wrote %s\n", out);
	return ret;
}

/* ---- the words ---------------------------------------------------------- */

static const struct hn_cmd campaign_cmds[] = {
	{ "status", campaign_status, "",
	  "the campaign this node's agent holds, or refused (the default)" },
	{ "show", campaign_show, "FILE.hnc", "what a campaign file holds" },
	{ "create", campaign_create, "-o OUT.hnc --id N ...",
	  "write an unsigned campaign file ('hnctl campaign create' lists all)" },
	{ "sign", campaign_sign, "IN.hnc --key PRIV [-o OUT]",
	  "sign it with a trusted model key" },
	{ "verify", campaign_verify, "FILE.hnc --keys PUB",
	  "would the agents accept it?" },
	{ "start", campaign_start, "FILE.hnc",
	  "hand it to hypernetd, which checks and spreads it" },
	{ "stop", campaign_stop, "STOPPED.hnc",
	  "spread a stop: a later generation made with --stopped" },
	{ "submit", campaign_submit, "[--round R] FILE",
	  "hand the agent this node's update vector for a round" },
	{ "result", campaign_result, "[--round R] [-o FILE]",
	  "a completed round's sum, count and survivors" },
	{ NULL }
};

int cmd_campaign(int argc, char **argv)
{
	return hn_family("hnctl campaign", campaign_cmds, argc, argv);
}
