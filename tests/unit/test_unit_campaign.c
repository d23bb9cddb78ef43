// SPDX-License-Identifier: GPL-2.0
/*
 * Campaign files (.hnc): a round trip, every rejection of the parser with
 * its message, derived parameters, and the agent's acceptance rule with
 * real signatures (keys in a mkdtemp() directory the teardown removes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "campaign.h"
#include "robust.h"
#include "helpers_hn.h"
#include "model.h"
#include "sa_fixed.h"
#include "secagg.h"

/* Offsets in the header (Documentation/federated.rst). */
#define OFF_VERSION 4
#define OFF_FLAGS 6
#define OFF_GROUPS 27 /* reserved (0) before the grouped defence */
#define OFF_N 116
#define OFF_RULE 118 /* rule, trim: reserved (0) before it */
#define N_NODES 4
#define PLAIN_LEN (HN_CP_HDR_LEN + N_NODES * HN_CP_MEMBER_LEN + 32 + 4)

static char dir[] = "/tmp/hn-campaign-test-XXXXXX";
static struct hn_pubkey key_a, key_b;

static int setup(void **state)
{
	if (hn_t_dir_make(dir) || hn_t_keypair("a", &key_a) ||
	    hn_t_keypair("b", &key_b))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return hn_t_dir_remove();
}

static struct hn_sa_member members[N_NODES];

/* A valid campaign of N_NODES nodes, derived k, t and scale. */
static void campaign(struct hn_campaign *c)
{
	unsigned int i, j;

	memset(c, 0, sizeof(*c));
	c->id = 7;
	c->generation = 1;
	c->kind = HN_MODEL_STAGE;
	c->stage = 2;
	memset(c->model_digest, 0xAB, sizeof(c->model_digest));
	memset(c->valset_digest, 0xCD, sizeof(c->valset_digest));
	c->rounds = 50;
	c->local_steps = 20;
	c->lr_micro = 50000;
	c->clip_milli = 10000;
	c->max_drop = 100;
	c->sa_drop = 300;
	c->n = N_NODES;
	for (i = 0; i < N_NODES; i++) {
		members[i].id = 10 * (i + 1);
		for (j = 0; j < HN_ED25519_KEY_LEN; j++)
			members[i].key[j] = i * 37 + j;
	}
	c->roster = members;
}

static uint8_t *image(struct hn_campaign *c, size_t *len)
{
	char err[256] = "";
	void *buf;

	if (hn_campaign_serialize(c, &buf, len, err, sizeof(err)))
		fail_msg("serialize: %s", err);
	return buf;
}

static void round_trip(void **state)
{
	struct hn_campaign c, p;
	char err[256] = "";
	uint8_t *buf;
	size_t len;
	void *again;
	size_t alen;

	campaign(&c);
	buf = image(&c, &len);
	assert_int_equal(len, PLAIN_LEN);
	assert_memory_equal(buf, HN_CP_MAGIC, 4);
	if (hn_campaign_parse(buf, len, &p, err, sizeof(err)))
		fail_msg("parse: %s", err);
	assert_int_equal(p.id, 7);
	assert_int_equal(p.n, N_NODES);
	assert_int_equal(p.roster[3].id, 40);
	assert_memory_equal(p.roster[2].key, members[2].key, 32);
	assert_memory_equal(p.digest, c.digest, 32);
	/* Derived: complete graph for 4 nodes, the largest safe scale. */
	assert_int_equal(p.k, 3);
	assert_int_equal(p.t, 2);
	assert_true(p.scale == hn_sa_fxp_max_scale(N_NODES, 10.0));
	assert_int_equal(hn_sa_fxp_check(N_NODES, 10.0, p.scale, NULL, 0), 0);
	assert_int_equal(hn_campaign_member(&p, 30), 2);
	assert_int_equal(hn_campaign_member(&p, 31), -1);
	/* Byte-exact: what parses serialises to the same bytes. */
	assert_int_equal(hn_campaign_serialize(&p, &again, &alen, NULL, 0), 0);
	assert_int_equal(alen, len);
	assert_memory_equal(again, buf, len);
	free(again);
	hn_campaign_free(&p);
	free(buf);
}

/*
 * The grouped defence's fields: in the bytes that were reserved, so that
 * a campaign without groups is the same file as before; each group's
 * degree and threshold chosen for its size.
 */
static void groups_round_trip(void **state)
{
	struct hn_sa_member big[9];
	struct hn_campaign c, p;
	unsigned int i, k, t, k9, t9;
	char err[256] = "";
	uint8_t *buf;
	size_t len;

	campaign(&c);
	for (i = 0; i < 9; i++) {
		big[i].id = i + 1;
		memset(big[i].key, i + 1, sizeof(big[i].key));
	}
	c.roster = big;
	c.n = 9;
	c.groups = 3;
	c.rule = HN_RB_TRIMMED;
	c.trim = 1;
	buf = image(&c, &len);
	assert_int_equal(buf[OFF_GROUPS], 3);
	assert_int_equal(buf[OFF_RULE], HN_RB_TRIMMED);
	assert_int_equal(buf[OFF_RULE + 1], 1);
	if (hn_campaign_parse(buf, len, &p, err, sizeof(err)))
		fail_msg("parse: %s", err);
	assert_int_equal(p.groups, 3);
	assert_int_equal(p.rule, HN_RB_TRIMMED);
	assert_int_equal(p.trim, 1);
	hn_campaign_group_kt(&p, 3, &k, &t);
	hn_sa_choose(3, p.sa_drop, &k9, &t9);
	assert_int_equal(k, k9);
	assert_int_equal(t, t9);
	assert_true(t >= 2 && t <= k && k <= 2);
	hn_campaign_free(&p);
	free(buf);
	/* 9 nodes: 3 groups of 3 at most */
	c.groups = 4;
	c.trim = 0;
	assert_int_equal(hn_campaign_serialize(&c, (void **)&buf, &len, err,
					       sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "4 groups of 9 nodes"));
	/* 2 groups, one dropped at each end: none left */
	c.groups = 2;
	c.trim = 1;
	assert_int_equal(hn_campaign_serialize(&c, (void **)&buf, &len, err,
					       sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "trim 1 of 2 groups at each end"));
	/* no groups: the bytes stay 0 */
	campaign(&c);
	buf = image(&c, &len);
	assert_int_equal(buf[OFF_GROUPS], 0);
	assert_int_equal(buf[OFF_RULE], 0);
	assert_int_equal(buf[OFF_RULE + 1], 0);
	free(buf);
}

/* A campaign change that the parser (through check) must refuse. */
struct bad_field {
	const char *name;
	void (*edit)(struct hn_campaign *c);
	const char *msg;
};

static void e_id(struct hn_campaign *c)
{
	c->id = 0;
}
static void e_gen(struct hn_campaign *c)
{
	c->generation = 0;
}
static void e_kind(struct hn_campaign *c)
{
	c->kind = 3;
}
static void e_stage(struct hn_campaign *c)
{
	c->kind = HN_MODEL_ROUTE;
}
static void e_rounds(struct hn_campaign *c)
{
	c->rounds = 0;
}
static void e_rounds_hi(struct hn_campaign *c)
{
	c->rounds = 100001;
}
static void e_steps(struct hn_campaign *c)
{
	c->local_steps = 0;
}
static void e_lr(struct hn_campaign *c)
{
	c->lr_micro = 0;
}
static void e_lr_hi(struct hn_campaign *c)
{
	c->lr_micro = 1000001;
}
static void e_clip(struct hn_campaign *c)
{
	c->clip_milli = 0;
}
static void e_drop(struct hn_campaign *c)
{
	c->max_drop = 10001;
}
static void e_n(struct hn_campaign *c)
{
	c->n = 1;
}
static void e_id0(struct hn_campaign *c)
{
	members[0].id = 0;
}
static void e_order(struct hn_campaign *c)
{
	members[2].id = 20;
}
static void e_dupkey(struct hn_campaign *c)
{
	memcpy(members[3].key, members[1].key, 32);
}
static void e_plan(struct hn_campaign *c)
{
	c->sa_drop = 1000;
}
static void e_k_odd(struct hn_campaign *c)
{
	c->n = 3; /* complete graph k = 2; k 1 is odd and not n - 1 */
	c->sa_k = 1;
	c->sa_t = 1;
	c->sa_drop = 0;
}
static void e_k_big(struct hn_campaign *c)
{
	c->sa_k = 4;
	c->sa_t = 3;
	c->sa_drop = 0;
}
static void e_t_low(struct hn_campaign *c)
{
	c->sa_k = 3;
	c->sa_t = 1;
	c->sa_drop = 0;
}
static void e_t_only(struct hn_campaign *c)
{
	c->sa_t = 2;
	c->sa_drop = 0;
}
static void e_k_plan(struct hn_campaign *c)
{
	c->sa_k = 3;
	c->sa_t = 2;
}
static void e_scale_hi(struct hn_campaign *c)
{
	c->scale_log2 = 31;
}
static void e_overflow(struct hn_campaign *c)
{
	/* 4 * (10 * 2^26 + 1) > 2^31 - 1; 2^25 would pass. */
	c->scale_log2 = 26;
}
static void e_flags(struct hn_campaign *c)
{
	c->flags = 1U << 2;
}
static void e_groups_small(struct hn_campaign *c)
{
	c->groups = 2;
}
static void e_rule_nogroups(struct hn_campaign *c)
{
	c->rule = HN_RB_TRIMMED;
}
static void e_groups_nodef(struct hn_campaign *c)
{
	c->groups = 1;
	c->flags = HN_CP_F_NO_DEFENCE;
}
static void e_groups_k(struct hn_campaign *c)
{
	c->groups = 1;
	c->sa_k = 3;
	c->sa_t = 2;
	c->sa_drop = 0;
}
static void e_rule_unknown(struct hn_campaign *c)
{
	c->groups = 1;
	c->rule = 2;
}
static void e_median_trim(struct hn_campaign *c)
{
	c->groups = 1;
	c->trim = 1;
}
static void e_trim_all(struct hn_campaign *c)
{
	c->groups = 1;
	c->rule = HN_RB_TRIMMED;
	c->trim = 1;
}
static void e_sig(struct hn_campaign *c)
{
	c->sig_type = HN_SIG_ED25519;
	c->sig_len = 32;
}
static void e_sigtype(struct hn_campaign *c)
{
	c->sig_type = 9;
}
static void e_none_len(struct hn_campaign *c)
{
	c->sig_len = 64;
}

static const struct bad_field bad_fields[] = {
	{ "id", e_id, "campaign id 0" },
	{ "generation", e_gen, "generation 0" },
	{ "kind", e_kind, "unknown model kind 3" },
	{ "stage", e_stage, "route model with stage id 2" },
	{ "rounds 0", e_rounds, "rounds 0 out of range 1..100000" },
	{ "rounds big", e_rounds_hi, "rounds 100001 out of range" },
	{ "steps", e_steps, "local steps 0 out of range" },
	{ "lr 0", e_lr, "learning rate (millionths) 0 out of range" },
	{ "lr big", e_lr_hi, "learning rate (millionths) 1000001" },
	{ "clip", e_clip, "clipping norm (thousandths) 0" },
	{ "max drop", e_drop, "max accuracy drop (ten-thousandths) 10001" },
	{ "roster size", e_n, "roster size 1 out of range 2..1024" },
	{ "node 0", e_id0, "roster entry 0: node id 0" },
	{ "order", e_order, "roster entry 2: node id 20 after 20" },
	{ "dup key", e_dupkey, "node 40 has the identity key of node 20" },
	{ "planned drop", e_plan, "planned dropout 1000 permille" },
	{ "odd k", e_k_odd, "degree 1: even and below 2, or 2" },
	{ "big k", e_k_big, "degree 4: even and below 3, or 3" },
	{ "low t", e_t_low, "threshold 1: need 3/2 < t <= 3" },
	{ "t without k", e_t_only, "degree 0" },
	{ "plan with k", e_k_plan, "with a fixed degree" },
	{ "scale range", e_scale_hi, "scale 2^31 (at most 2^30" },
	{ "overflow", e_overflow, "could overflow" },
	{ "flags", e_flags, "unknown flags 0x0004" },
	{ "groups", e_groups_small,
	  "2 groups of 4 nodes: each needs at least 3" },
	{ "rule alone", e_rule_nogroups,
	  "combination rule 1, trim 0 without groups" },
	{ "groups, no defence", e_groups_nodef,
	  "1 groups with the no-defence flag" },
	{ "groups, fixed k", e_groups_k, "with a fixed degree and threshold" },
	{ "rule", e_rule_unknown, "unknown combination rule 2" },
	{ "median trim", e_median_trim, "trim 1 with the median rule" },
	{ "trim all", e_trim_all,
	  "trim 1 of 1 groups at each end leaves none" },
	{ "sig len", e_sig, "Ed25519 signature of length 32" },
	{ "sig type", e_sigtype, "unknown signature type 9" },
	{ "none len", e_none_len, "signature type none with length 64" },
};

/* Each bad value refused by the serialiser (hn_campaign_check()). */
static void bad_field_values(void **state)
{
	struct hn_campaign c;
	char err[256];
	size_t len, i;
	void *tmp;

	for (i = 0; i < sizeof(bad_fields) / sizeof(bad_fields[0]); i++) {
		campaign(&c);
		bad_fields[i].edit(&c);
		err[0] = '\0';
		if (!hn_campaign_serialize(&c, &tmp, &len, err, sizeof(err)))
			fail_msg("%s: serialised", bad_fields[i].name);
		if (!strstr(err, bad_fields[i].msg))
			fail_msg("%s: \"%s\", want \"%s\"", bad_fields[i].name,
				 err, bad_fields[i].msg);
	}
}

/* Build an image with no checks: the serialiser's bytes for @c. */
static uint8_t *raw_image(const struct hn_campaign *want, size_t *len)
{
	struct hn_sa_member roster[N_NODES];
	struct hn_campaign ok;
	uint8_t *buf;
	size_t off;
	unsigned int i;

	memcpy(roster, want->roster, sizeof(roster));
	campaign(&ok); /* resets members[], which @want may point at */
	buf = image(&ok, len);
	/* Patch header fields as big-endian bytes at their offsets. */
	buf[6] = want->flags >> 8;
	buf[7] = want->flags;
	for (i = 0; i < 8; i++) {
		buf[8 + i] = want->id >> (56 - 8 * i);
		buf[16 + i] = want->generation >> (56 - 8 * i);
	}
	buf[24] = want->kind;
	buf[25] = want->stage;
	buf[26] = want->scale_log2;
	buf[OFF_GROUPS] = want->groups;
	buf[OFF_RULE] = want->rule;
	buf[OFF_RULE + 1] = want->trim;
	for (i = 0; i < 4; i++) {
		buf[92 + i] = want->rounds >> (24 - 8 * i);
		buf[96 + i] = want->local_steps >> (24 - 8 * i);
		buf[100 + i] = want->lr_micro >> (24 - 8 * i);
		buf[104 + i] = want->clip_milli >> (24 - 8 * i);
	}
	buf[108] = want->max_drop >> 8;
	buf[109] = want->max_drop;
	buf[110] = want->sa_k >> 8;
	buf[111] = want->sa_k;
	buf[112] = want->sa_t >> 8;
	buf[113] = want->sa_t;
	buf[114] = want->sa_drop >> 8;
	buf[115] = want->sa_drop;
	/* The roster of @want (same size as the valid one's, N_NODES). */
	for (i = 0; i < N_NODES; i++) {
		off = HN_CP_HDR_LEN + i * HN_CP_MEMBER_LEN;
		buf[off] = roster[i].id >> 24;
		buf[off + 1] = roster[i].id >> 16;
		buf[off + 2] = roster[i].id >> 8;
		buf[off + 3] = roster[i].id;
		memcpy(buf + off + 4, roster[i].key, 32);
	}
	buf[OFF_N] = want->n >> 8;
	buf[OFF_N + 1] = want->n;
	off = HN_CP_HDR_LEN + N_NODES * HN_CP_MEMBER_LEN + 32;
	buf[off] = want->sig_type >> 8;
	buf[off + 1] = want->sig_type;
	buf[off + 2] = want->sig_len >> 8;
	buf[off + 3] = want->sig_len;
	return buf;
}

static void expect_parse_err(const uint8_t *buf, size_t len, const char *what,
			     const char *msg)
{
	struct hn_campaign p, zero;
	char err[256] = "";

	if (!hn_campaign_parse(buf, len, &p, err, sizeof(err)))
		fail_msg("%s: parsed", what);
	if (!strstr(err, msg))
		fail_msg("%s: \"%s\", want \"%s\"", what, err, msg);
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&p, &zero, sizeof(p));
}

/* The same rejections through the parser, on patched images. */
static void bad_field_images(void **state)
{
	struct hn_campaign c;
	uint8_t *buf;
	size_t len, i;

	for (i = 0; i < sizeof(bad_fields) / sizeof(bad_fields[0]); i++) {
		campaign(&c);
		bad_fields[i].edit(&c);
		/* A roster size other than N_NODES changes the layout. */
		if (c.n != N_NODES || c.sig_len)
			continue;
		buf = raw_image(&c, &len);
		hn_t_redigest(buf, len);
		expect_parse_err(buf, len, bad_fields[i].name,
				 bad_fields[i].msg);
		free(buf);
	}
}

/* Structural damage: each with the message naming it. */
static void bad_structure(void **state)
{
	struct hn_campaign c;
	uint8_t *buf, *big;
	size_t len;

	campaign(&c);
	buf = image(&c, &len);
	expect_parse_err(buf, 0, "empty", "truncated at header (offset 0");
	expect_parse_err(buf, HN_CP_HDR_LEN - 1, "short header",
			 "truncated at header");
	expect_parse_err(buf, HN_CP_HDR_LEN + 40, "short roster",
			 "truncated at roster (offset 120: needs 144");
	expect_parse_err(buf, len - 36, "no digest", "truncated at digest");
	expect_parse_err(buf, len - 2, "short sig header",
			 "truncated at signature header");
	buf[130] ^= 1;
	expect_parse_err(buf, len, "corrupt", "digest mismatch");
	buf[130] ^= 1;
	buf[0] = 'X';
	expect_parse_err(buf, len, "magic", "bad magic");
	expect_parse_err(buf, 10, "short, magic", "bad magic");
	buf[0] = 'H';
	buf[OFF_VERSION + 1] = 2;
	hn_t_redigest(buf, len);
	expect_parse_err(buf, len, "version", "unsupported format version 2");
	buf[OFF_VERSION + 1] = 1;
	/* the bytes once reserved: the grouped defence's, checked */
	buf[OFF_GROUPS] = 2;
	hn_t_redigest(buf, len);
	expect_parse_err(buf, len, "groups", "2 groups of 4 nodes");
	buf[OFF_GROUPS] = 0;
	buf[OFF_RULE + 1] = 1;
	hn_t_redigest(buf, len);
	expect_parse_err(buf, len, "trim", "trim 1 without groups");
	buf[OFF_RULE + 1] = 0;
	buf[OFF_N + 1] = 1;
	hn_t_redigest(buf, len);
	expect_parse_err(buf, len, "n 1", "roster size 1");
	buf[OFF_N + 1] = N_NODES;
	hn_t_redigest(buf, len);
	/* An Ed25519 block announced but cut, and bytes after the end. */
	buf[len - 3] = HN_SIG_ED25519;
	buf[len - 1] = 64;
	expect_parse_err(buf, len, "cut sig", "truncated at signature");
	buf[len - 3] = 0;
	buf[len - 1] = 0;
	big = calloc(1, len + 3);
	memcpy(big, buf, len);
	expect_parse_err(big, len + 3, "trailing", "3 trailing bytes");
	free(big);
	free(buf);
}

static void flags_and_names(void **state)
{
	struct hn_campaign c, p;
	char b[64];
	uint8_t *buf;
	size_t len;

	assert_string_equal(hn_campaign_flags_str(0, b, sizeof(b)), "none");
	assert_string_equal(hn_campaign_flags_str(3, b, sizeof(b)),
			    "stopped,no-defence");
	campaign(&c);
	c.flags = HN_CP_F_NO_DEFENCE;
	c.sa_k = 2;
	c.sa_t = 2;
	c.sa_drop = 0;
	c.scale_log2 = 20;
	buf = image(&c, &len);
	assert_int_equal(hn_campaign_parse(buf, len, &p, NULL, 0), 0);
	assert_int_equal(p.flags, HN_CP_F_NO_DEFENCE);
	assert_int_equal(p.k, 2);
	assert_int_equal(p.t, 2);
	assert_true(p.scale == 1048576.0);
	hn_campaign_free(&p);
	free(buf);
}

/* ---- signatures and acceptance ------------------------------------------ */

static uint8_t *signed_campaign(const char *key, uint64_t id, uint64_t gen,
				unsigned int flags, size_t *len)
{
	struct hn_campaign c;
	char err[256] = "";
	uint8_t *plain;
	void *out;
	size_t plen;

	campaign(&c);
	c.id = id;
	c.generation = gen;
	c.flags = flags;
	plain = image(&c, &plen);
	if (hn_campaign_sign_image(plain, plen, hn_t_path(key), &out, len, err,
				   sizeof(err)))
		fail_msg("sign: %s", err);
	free(plain);
	assert_int_equal(*len, PLAIN_LEN + HN_ED25519_SIG_LEN);
	return out;
}

static void expect_acc(const uint8_t *img, size_t len,
		       const struct hn_pubkey *keys, unsigned int n,
		       uint64_t hid, uint64_t hgen, int hstop, int want,
		       const char *needle)
{
	struct hn_campaign c;
	char err[256] = "";
	int got;

	got = hn_campaign_accept(img, len, keys, n, hid, hgen, hstop, &c, err,
				 sizeof(err));
	if (got != want || (needle && !strstr(err, needle)))
		fail_msg("got %s (%s), want %s with \"%s\"",
			 hn_accept_err_name(got), err, hn_accept_err_name(want),
			 needle ? needle : "");
	if (want == HN_ACC_OK)
		assert_int_equal(c.n, N_NODES);
	else
		assert_null(c.roster);
	hn_campaign_free(&c);
}

static void accept_rules(void **state)
{
	struct hn_pubkey both[2] = { key_b, key_a };
	struct hn_campaign c;
	uint8_t *img, *plain;
	size_t len, plen;

	img = signed_campaign("a.key", 7, 2, 0, &len);
	expect_acc(img, len, &key_a, 1, 0, 0, 0, HN_ACC_OK, NULL);
	expect_acc(img, len, both, 2, 0, 0, 0, HN_ACC_OK, NULL);
	expect_acc(img, len, &key_b, 1, 0, 0, 0, HN_ACC_BAD_SIG,
		   "signed by none of the 1 trusted keys");
	/* Held: same generation is a replay; a newer one replaces. */
	expect_acc(img, len, &key_a, 1, 7, 2, 0, HN_ACC_OLD,
		   "generation 2 is not newer than held 2");
	expect_acc(img, len, &key_a, 1, 7, 1, 0, HN_ACC_OK, NULL);
	/* Another campaign only once the held one is stopped. */
	expect_acc(img, len, &key_a, 1, 9, 5, 0, HN_ACC_OLD,
		   "campaign 9 is running");
	expect_acc(img, len, &key_a, 1, 9, 5, 1, HN_ACC_OK, NULL);
	/* Any bit flipped in the signed range: forged. */
	img[60] ^= 1; /* the validation set's digest */
	hn_t_redigest(img, len - HN_ED25519_SIG_LEN);
	expect_acc(img, len, &key_a, 1, 0, 0, 0, HN_ACC_BAD_SIG, "forged");
	img[len - 1] ^= 1;
	expect_acc(img, len, &key_a, 1, 0, 0, 0, HN_ACC_BAD_SIG, NULL);
	free(img);
	/* Unsigned, and malformed. */
	campaign(&c);
	plain = image(&c, &plen);
	expect_acc(plain, plen, &key_a, 1, 0, 0, 0, HN_ACC_UNSIGNED,
		   "not signed");
	expect_acc(plain, plen - 1, &key_a, 1, 0, 0, 0, HN_ACC_MALFORMED,
		   "truncated");
	free(plain);
	/* Re-signing by B replaces A's signature: A no longer accepts. */
	img = signed_campaign("a.key", 7, 3, HN_CP_F_STOPPED, &len);
	assert_int_equal(hn_campaign_sign_image(img, len, hn_t_path("b.key"),
						(void **)&plain, &plen, NULL,
						0),
			 0);
	expect_acc(plain, plen, &key_b, 1, 7, 2, 0, HN_ACC_OK, NULL);
	expect_acc(plain, plen, &key_a, 1, 7, 2, 0, HN_ACC_BAD_SIG, NULL);
	free(plain);
	free(img);
}

/* ---- roster files ------------------------------------------------------- */

static void put_file(const char *name, const char *text)
{
	FILE *f = fopen(hn_t_path(name), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void roster_err(const char *text, const char *msg)
{
	struct hn_sa_member *m;
	char err[1024] = "";
	uint16_t n;

	put_file("roster", text);
	if (!hn_campaign_roster_load(hn_t_path("roster"), &m, &n, err,
				     sizeof(err)))
		fail_msg("accepted \"%s\"", text);
	if (!strstr(err, msg))
		fail_msg("\"%s\": \"%s\", want \"%s\"", text, err, msg);
	assert_null(m);
}

static void roster_files(void **state)
{
	struct hn_sa_member *m;
	char err[1024] = "";
	uint16_t n;

	/* Relative key files from the roster's directory, sorted by id. */
	put_file("roster", "# node key\n20 a.pub\n\n  10\tb.pub # gw\n");
	if (hn_campaign_roster_load(hn_t_path("roster"), &m, &n, err,
				    sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].id, 10);
	assert_memory_equal(m[0].key, key_b.raw, 32);
	assert_int_equal(m[1].id, 20);
	assert_memory_equal(m[1].key, key_a.raw, 32);
	free(m);
	roster_err("1 a.pub\n2 a.pub\n", "nodes 1 and 2 have the same key");
	roster_err("1 a.pub\n1 b.pub\n", "node 1 listed twice");
	roster_err("1 a.pub\n", "1 nodes, a campaign needs 2..1024");
	roster_err("1 a.pub\nx b.pub\n", "line 2: node id 'x' is not");
	roster_err("0 a.pub\n", "line 1: node id '0' is not");
	roster_err("4294967296 a.pub\n", "node id '4294967296'");
	roster_err("1\n", "line 1: expected \"NODE-ID PUBKEY-FILE\"");
	roster_err("1 a.pub b.pub\n", "expected \"NODE-ID PUBKEY-FILE\"");
	roster_err("1 a.pub\n2 nokey.pub\n", "nokey.pub");
	put_file(
		"two.pub",
		"0101010101010101010101010101010101010101010101010101010101010101\n"
		"0202020202020202020202020202020202020202020202020202020202020202\n");
	roster_err("1 a.pub\n2 two.pub\n", "holds 2 keys");
	roster_err("1 a.pub\n2 b.key\n", "b.key is readable by its owner only");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(groups_round_trip),
		cmocka_unit_test(bad_field_values),
		cmocka_unit_test(bad_field_images),
		cmocka_unit_test(bad_structure),
		cmocka_unit_test(flags_and_names),
		cmocka_unit_test(accept_rules),
		cmocka_unit_test(roster_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
