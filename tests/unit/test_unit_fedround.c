// SPDX-License-Identifier: GPL-2.0
/*
 * Federated rounds (hypernetd's fedround.c) between several agents in one
 * process: each a struct hnd holding one campaign, neighbours of all the
 * others, its FED frames encoded, authenticated and decoded on their way
 * through a bus the test drives, on a clock the test moves.  What the
 * netns test cannot show in seconds:
 *   - a round of all is the plain sum, at every node, and persisted;
 *   - the aggregator dies once the round began, still a neighbour in
 *     every view: every node times out and the next attempt's
 *     aggregator, the same for all, finishes the round;
 *   - a node dropped after sharing: the round completes on the others;
 *   - a restarted node resumes after the persisted round;
 *   - a RESULT signed by a roster member that is not the aggregator it
 *     claims to be, or with fewer survivors than the threshold, is
 *     refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/sha.h>

#include "campaign.h"
#include "fileio.h"
#include "sa_msg.h"
#include "sign.h"
#include "fedvec.h"
#include "robust.h"
#include "helpers_hn.h"
#include "../../userspace/hypernetd/hypernetd.h"

#define N 6
#define DIM 700
#define PHASE_MS 1000
#define INPUT_MS 2000

/* ---- stubs and the bus -------------------------------------------------- */

static __u64 fake_now = 1000 * NSEC_PER_SEC;
static struct hnd agents[N];
static bool dead[N];
static const struct hn_mesh_key key = { .id = 1, .key = { 9, 8, 7 } };

struct frame {
	__u32 to;
	size_t len;
	__u8 buf[HN_CTRL_MAX];
};
static struct frame *bus;
static unsigned int n_bus, cap_bus;
static __u64 counter;

__u64 hnd_now(void)
{
	return fake_now;
}

__u64 hnd_unix_now(void)
{
	return 1700000000 + fake_now / NSEC_PER_SEC;
}

void hnd_log(struct hnd *d, int level, const char *fmt, ...)
{
}

void hnd_log_rl(struct hnd *d, struct hnd_rl *rl, int level, const char *fmt,
		...)
{
}

void hnd_msg_init(struct hnd *d, struct hn_ctrl_msg *m, __u8 type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->ttl = 1;
	m->src = d->cfg.node_id;
}

/* Encoded and authenticated as on the wire; lost if either end is dead. */
int hnd_send(struct hnd *d, int p, const __u8 *mac, struct hn_ctrl_msg *m)
{
	struct frame *f;
	int len;

	if (dead[d - agents] || dead[m->dst - 1])
		return 0;
	if (n_bus == cap_bus) {
		cap_bus = cap_bus ? 2 * cap_bus : 256;
		bus = realloc(bus, cap_bus * sizeof(*bus));
		assert_non_null(bus);
	}
	f = &bus[n_bus];
	m->counter = ++counter;
	len = hn_ctrl_encode(f->buf, sizeof(f->buf), m, &key);
	assert_true(len > 0);
	f->len = len;
	f->to = m->dst;
	n_bus++;
	return 0;
}

/* Deliver what is on the bus (and what that sends) to live agents. */
static void deliver(void)
{
	char err[HN_CTRL_ERRLEN];
	struct hn_ctrl_msg m;
	unsigned int i;

	for (i = 0; i < n_bus; i++) {
		struct frame f = bus[i];

		if (dead[f.to - 1])
			continue;
		assert_int_equal(hn_ctrl_decode(f.buf, f.len, NULL, &m, &key, 1,
						err, sizeof(err)),
				 HN_CE_OK);
		hnd_fed_rx(&agents[f.to - 1], &m);
	}
	n_bus = 0;
}

/* @ms of time, in 10 ms ticks, each agent ticking and the bus emptied. */
static void run(unsigned int ms)
{
	unsigned int t, i;

	for (t = 0; t < ms; t += 10) {
		fake_now += 10 * NSEC_PER_MSEC;
		for (i = 0; i < N; i++)
			if (!dead[i])
				hnd_fed_tick(&agents[i], fake_now);
		deliver();
	}
}

/* ---- agents ------------------------------------------------------------- */

static char dir[] = "/tmp/hn-fedround-test-XXXXXX";
/* The campaign the agents run: one sum a round, or 2 groups (grouped) */
static void *cp_image, *cp_plain, *cp_grouped;
static size_t cp_len, cp_plain_len, cp_grouped_len;

static void agent_make(unsigned int i)
{
	struct hnd *d = &agents[i];
	unsigned int j, k = 0;
	char name[16];

	memset(d, 0, sizeof(*d));
	d->cfg.node_id = i + 1;
	d->cfg.fed_phase_ms = PHASE_MS;
	d->cfg.fed_input_ms = INPUT_MS;
	snprintf(name, sizeof(name), "id%u.key", i);
	snprintf(d->cfg.identity_key, sizeof(d->cfg.identity_key), "%s",
		 hn_t_path(name));
	snprintf(name, sizeof(name), "state%u", i);
	snprintf(d->cfg.state_dir, sizeof(d->cfg.state_dir), "%s",
		 hn_t_path(name));
	mkdir(d->cfg.state_dir, 0700);
	for (j = 0; j < N; j++) {
		if (j == i)
			continue;
		d->nb[k].used = d->nb[k].up = true;
		d->nb[k].node = j + 1;
		d->nb[k].dp_idx = k;
		k++;
	}
	d->cp.file = cp_image;
	d->cp.len = cp_len;
	SHA256(cp_image, cp_len, d->cp.file_sha);
	d->cp.member = 1;
}

static int setup(void **state)
{
	struct hn_sa_member roster[N];
	struct hn_campaign c = { 0 };
	struct hn_pubkey pub;
	char name[16], err[256];
	unsigned int i;

	if (hn_t_dir_make(dir))
		return -1;
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "id%u", i);
		if (hn_t_keypair(name, &pub))
			return -1;
		roster[i].id = i + 1;
		memcpy(roster[i].key, pub.raw, 32);
	}
	c.id = 15;
	c.generation = 1;
	c.kind = HN_MODEL_STAGE;
	c.stage = 2;
	c.rounds = 10;
	c.local_steps = 1;
	c.lr_micro = 1000;
	c.clip_milli = 1000;
	c.max_drop = 100;
	c.sa_drop = 300;
	c.n = N;
	c.roster = roster;
	if (hn_campaign_serialize(&c, &cp_plain, &cp_plain_len, err,
				  sizeof(err))) {
		fprintf(stderr, "campaign: %s\n", err);
		return -1;
	}
	c.groups = 2;
	if (hn_campaign_serialize(&c, &cp_grouped, &cp_grouped_len, err,
				  sizeof(err))) {
		fprintf(stderr, "campaign: %s\n", err);
		return -1;
	}
	cp_image = cp_plain;
	cp_len = cp_plain_len;
	return 0;
}

static int teardown(void **state)
{
	free(cp_plain);
	free(cp_grouped);
	free(bus);
	return hn_t_dir_remove();
}

/* Agents as new, running campaign @img: no round state anywhere. */
static void agents_start(void *img, size_t len)
{
	char name[16];
	unsigned int i;

	cp_image = img;
	cp_len = len;
	for (i = 0; i < N; i++) {
		hnd_fed_free(&agents[i]);
		dead[i] = false;
		snprintf(name, sizeof(name), "state%u", i);
		hn_t_rm_tree(hn_t_path(name));
		agent_make(i);
	}
	n_bus = 0;
}

static void agents_fresh(void)
{
	agents_start(cp_plain, cp_plain_len);
}

/* Node @i's update of round @r: a function of both alone. */
static void update(unsigned int i, unsigned int r, uint32_t *v)
{
	unsigned int w;

	for (w = 0; w < DIM; w++)
		v[w] = (uint32_t)((i + 1) * 2654435761u + r * 40503u + w * 97u);
}

static void submit(unsigned int i, unsigned int r)
{
	uint32_t v[DIM];
	uint8_t *img;
	size_t len;
	char err[256];

	update(i, r, v);
	assert_int_equal(hn_fv_build(v, DIM, &img, &len), 0);
	if (hnd_fed_submit(&agents[i], r, img, len, err, sizeof(err)))
		fail_msg("submit at %u, round %u: %s", i + 1, r, err);
	free(img);
}

/*
 * Node @i's result of (sub-)round @id (JSON and vector), checked against
 * the plain sum of the round @r updates of the nodes @mask names.
 */
static void check_sub(unsigned int i, unsigned int id, unsigned int r,
		      unsigned int mask)
{
	uint32_t want[DIM] = { 0 }, v[DIM], *got, n;
	char *txt = NULL, err[256], ids[64] = "";
	size_t tlen = 0;
	unsigned int j, w;
	FILE *f;

	for (j = 0; j < N; j++) {
		if (!(mask & (1u << j)))
			continue;
		update(j, r, v);
		for (w = 0; w < DIM; w++)
			want[w] += v[w];
		snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%u",
			 *ids ? "," : "", j + 1);
	}
	f = open_memstream(&txt, &tlen);
	if (hnd_fed_result(&agents[i], id, 'o', f, NULL, err, sizeof(err)))
		fail_msg("node %u, round %u: %s", i + 1, id, err);
	fclose(f);
	assert_int_equal(hn_fv_parse(txt, tlen, &got, &n, err, sizeof(err)), 0);
	assert_int_equal(n, DIM);
	assert_memory_equal(got, want, sizeof(want));
	free(got);
	free(txt);
	txt = NULL;
	f = open_memstream(&txt, &tlen);
	{
		struct jsonw jw;

		jsonw_init(&jw, f);
		assert_int_equal(hnd_fed_result(&agents[i], id, 0, f, &jw, err,
						sizeof(err)),
				 0);
	}
	fclose(f);
	snprintf(err, sizeof(err), "\"survivors\":[%s]", ids);
	if (!strstr(txt, err))
		fail_msg("node %u round %u: %s, want %s", i + 1, id, txt, err);
	free(txt);
}

static void check_result(unsigned int i, unsigned int r, unsigned int mask)
{
	check_sub(i, r, r, mask);
}

static void all_submit(unsigned int r, unsigned int mask)
{
	unsigned int i;

	for (i = 0; i < N; i++)
		if (mask & (1u << i))
			submit(i, r);
}

/* ---- tests -------------------------------------------------------------- */

#define ALL ((1u << N) - 1)

static void test_round(void **state)
{
	unsigned int i;

	agents_fresh();
	all_submit(1, ALL);
	run(500);
	for (i = 0; i < N; i++) {
		check_result(i, 1, ALL);
		assert_int_equal(agents[i].st.fed_rounds, 1);
		assert_int_equal(agents[i].st.fed_attempts, 0);
	}
	/* a round not there yet says its phase */
	{
		char err[256];

		assert_int_equal(hnd_fed_result(&agents[0], 2, 0, stdout, NULL,
						err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "round 2 is awaiting-input"));
	}
}

/* The aggregator of round 2 dies after the round began: the next attempt. */
static void test_backup_aggregator(void **state)
{
	char status[512];
	unsigned int i, agg, mask;
	FILE *f;

	agents_fresh();
	all_submit(1, ALL);
	run(500);
	/* round 2 began by itself: who aggregates it? */
	f = fmemopen(status, sizeof(status), "w");
	hnd_fed_status(&agents[0], NULL, f);
	fclose(f);
	assert_int_equal(
		sscanf(strstr(status, "aggregator"), "aggregator %u", &agg), 1);
	assert_true(agg >= 1 && agg <= N);
	/*
	 * Dead, but still a neighbour in every view (as before the HELLOs
	 * run out): only the next attempt's hash order moves the round on.
	 */
	dead[agg - 1] = true;
	mask = ALL & ~(1u << (agg - 1));
	all_submit(2, mask);
	run(4 * (INPUT_MS + 6 * PHASE_MS + 1000));
	for (i = 0; i < N; i++) {
		if (dead[i])
			continue;
		assert_true(agents[i].st.fed_attempts >= 1);
		assert_int_equal(agents[i].st.fed_attempts,
				 agents[(agg % N)].st.fed_attempts);
		check_result(i, 2, mask);
	}
}

/* A node dropped after sharing; restarted, it resumes at the next round. */
static void test_dropout_restart(void **state)
{
	char status[512];
	unsigned int i, agg, x, mask;
	FILE *f;

	agents_fresh();
	all_submit(1, ALL);
	run(500);
	f = fmemopen(status, sizeof(status), "w");
	hnd_fed_status(&agents[0], NULL, f);
	fclose(f);
	assert_non_null(strstr(status, "awaiting-input"));
	assert_int_equal(
		sscanf(strstr(status, "aggregator"), "aggregator %u", &agg), 1);
	x = agg == 1 ? 1 : 0; /* a node, not the aggregator */
	dead[x] = true;
	mask = ALL & ~(1u << x);
	all_submit(2, mask);
	run(INPUT_MS + 2000);
	for (i = 0; i < N; i++)
		if (i != x)
			check_result(i, 2, mask);
	/* x restarts from its state directory: round 1 was its last */
	hnd_fed_free(&agents[x]);
	agent_make(x);
	dead[x] = false;
	run(100);
	/* it catches up to round 2 on advertising */
	check_result(x, 2, mask);
	all_submit(3, ALL);
	run(500);
	all_submit(4, ALL);
	run(500);
	for (i = 0; i < N; i++)
		check_result(i, 4, ALL);
}

/* The aggregator of the round under way, as node @i's status says. */
static unsigned int agg_now(unsigned int i)
{
	char status[512];
	unsigned int agg;
	FILE *f;

	f = fmemopen(status, sizeof(status), "w");
	hnd_fed_status(&agents[i], NULL, f);
	fclose(f);
	assert_int_equal(
		sscanf(strstr(status, "aggregator"), "aggregator %u", &agg), 1);
	return agg;
}

/*
 * A node away for three rounds gets all three results on its return, in
 * any order, and keeps them; a result missing below its last (its file
 * gone) is fetched.
 */
static void test_catch_up_rounds(void **state)
{
	unsigned int i, r, x, mask;
	char name[64];

	agents_fresh();
	all_submit(1, ALL);
	run(500);
	x = agg_now(0) == 1 ? 1 : 0;
	dead[x] = true;
	mask = ALL & ~(1u << x);
	for (r = 2; r <= 4; r++) {
		all_submit(r, mask);
		run(4 * (INPUT_MS + 6 * PHASE_MS + 1000));
		for (i = 0; i < N; i++)
			if (i != x)
				check_result(i, r, mask);
	}
	/* x restarts from its state directory: round 1 was its last */
	hnd_fed_free(&agents[x]);
	agent_make(x);
	dead[x] = false;
	run(3000);
	check_result(x, 1, ALL);
	for (r = 2; r <= 4; r++)
		check_result(x, r, mask);
	assert_true(agents[x].st.fed_rounds >= 1);
	/* kept on disk: a restart serves them again */
	hnd_fed_free(&agents[x]);
	snprintf(name, sizeof(name), "state%u/fedres-3.res", x);
	assert_int_equal(unlink(hn_t_path(name)), 0);
	agent_make(x);
	run(10);
	for (r = 2; r <= 4; r++)
		if (r != 3)
			check_result(x, r, mask);
	/* round 3's result gone: fetched from a peer */
	run(2 * PHASE_MS);
	assert_true(agents[x].st.fed_fetch_tx >= 1);
	assert_true(agents[x].st.fed_filled >= 1);
	check_result(x, 3, mask);
	/* round 5 began without x; round 6 is of all five */
	all_submit(5, mask);
	run(INPUT_MS + 2000);
	all_submit(6, ALL);
	run(1000);
	for (i = 0; i < N; i++) {
		check_result(i, 5, mask);
		check_result(i, 6, ALL);
	}
}

/* SHA-256(campaign digest, round, attempt 0, id), as the agent ranks. */
static void rank(const uint8_t digest[32], uint32_t r, uint32_t id,
		 uint8_t h[32])
{
	uint8_t in[32 + 9] = { 0 };

	memcpy(in, digest, 32);
	hn_sa_put32(in + 32, r);
	hn_sa_put32(in + 37, id);
	SHA256(in, sizeof(in), h);
}

/*
 * A RESULT of round @r, attempt 0, summing zeros from the nodes of
 * @mask, signed by node @from, as node @at's persisted result; @at
 * restarted on it.  Whether @at took it: its round @r result or none.
 */
static bool forged_taken(unsigned int at, uint32_t from, uint32_t r,
			 unsigned int mask)
{
	uint8_t sk[HN_ED25519_KEY_LEN], *buf, *p;
	struct hn_campaign c;
	unsigned int j, nids = __builtin_popcount(mask);
	size_t blen = 16 + 4 * nids + 4 * DIM, len;
	char name[32], err[256];
	FILE *f;
	int ret;

	assert_int_equal(
		hn_campaign_parse(cp_image, cp_len, &c, err, sizeof(err)), 0);
	len = HN_SA_HDR_LEN + blen + HN_SA_SIG_LEN;
	buf = calloc(1, len);
	assert_non_null(buf);
	hn_sa_msg_header(buf, 0x80, c.digest, r, from, blen);
	p = buf + HN_SA_HDR_LEN;
	hn_sa_put32(p + 4, nids);
	hn_sa_put32(p + 8, nids);
	p += 12;
	for (j = 0; j < N; j++)
		if (mask & (1u << j)) {
			hn_sa_put32(p, j + 1);
			p += 4;
		}
	hn_sa_put32(p, DIM);
	snprintf(name, sizeof(name), "id%u.key", from - 1);
	assert_int_equal(
		hn_key_private_raw(hn_t_path(name), sk, err, sizeof(err)), 0);
	assert_int_equal(hn_sa_msg_sign(buf, len, sk), 0);
	snprintf(name, sizeof(name), "state%u/fedres-%u.res", at, r);
	assert_int_equal(hn_write_file(hn_t_path(name), buf, len, 0600, 0, err,
				       sizeof(err)),
			 0);
	free(buf);
	hn_campaign_free(&c);
	hnd_fed_free(&agents[at]);
	agent_make(at);
	run(10);
	f = fopen("/dev/null", "w");
	assert_non_null(f);
	ret = hnd_fed_result(&agents[at], r, 0, f, NULL, err, sizeof(err));
	fclose(f);
	return ret == 0;
}

/* Only a signer that outranks every survivor, with t of them, is taken. */
static void test_forged_result(void **state)
{
	struct hn_campaign c;
	uint8_t h[32], lo[32], hi[32];
	uint32_t first = 0, last = 0, id;
	char err[256];

	agents_fresh();
	assert_int_equal(
		hn_campaign_parse(cp_image, cp_len, &c, err, sizeof(err)), 0);
	for (id = 1; id <= N; id++) {
		rank(c.digest, 7, id, h);
		if (!first || memcmp(h, lo, 32) < 0) {
			first = id;
			memcpy(lo, h, 32);
		}
		if (!last || memcmp(h, hi, 32) > 0) {
			last = id;
			memcpy(hi, h, 32);
		}
	}
	/* the rank-first node, all survivors: what an aggregator signs */
	assert_true(forged_taken(first % N, first, 7, ALL));
	/* the rank-last node claims to have aggregated the others */
	assert_false(forged_taken(first % N, last, 7, ALL));
	/* fewer survivors than the threshold */
	assert_false(forged_taken(first % N, first, 7,
				  (1u << (first - 1)) | (1u << (last - 1))));
	hn_campaign_free(&c);
}

/* The 2 groups of round @r as robust.h deals them: node bit masks. */
static void group_masks(const uint8_t digest[32], uint32_t r,
			unsigned int gm[2])
{
	unsigned int grp[N], i;
	uint32_t ids[N];

	for (i = 0; i < N; i++)
		ids[i] = i + 1;
	assert_int_equal(hn_rb_groups(digest, r, ids, N, 2, grp), 0);
	gm[0] = gm[1] = 0;
	for (i = 0; i < N; i++)
		gm[grp[i]] |= 1u << i;
	assert_int_equal(__builtin_popcount(gm[0]), 3);
	assert_int_equal(gm[0] | gm[1], ALL);
}

/* The node of @mask ranked first (or last) for sub-round @sub. */
static uint32_t ranked(const uint8_t digest[32], uint32_t sub,
		       unsigned int mask, bool last)
{
	uint8_t h[32], best[32];
	uint32_t pick = 0, id;

	for (id = 1; id <= N; id++) {
		if (!(mask & (1u << (id - 1))))
			continue;
		rank(digest, sub, id, h);
		if (!pick || (memcmp(h, best, 32) < 0) != last) {
			pick = id;
			memcpy(best, h, 32);
		}
	}
	return pick;
}

/* The aggregator node @i's result of @sub names. */
static unsigned int result_agg(unsigned int i, uint32_t sub)
{
	char *txt = NULL, err[256], *p;
	unsigned int agg;
	struct jsonw jw;
	size_t tlen = 0;
	FILE *f;

	f = open_memstream(&txt, &tlen);
	jsonw_init(&jw, f);
	assert_int_equal(hnd_fed_result(&agents[i], sub, 0, f, &jw, err,
					sizeof(err)),
			 0);
	fclose(f);
	p = strstr(txt, "\"aggregator\":");
	assert_non_null(p);
	agg = strtoul(p + 13, NULL, 10);
	free(txt);
	return agg;
}

/*
 * A campaign of 2 groups: each round each group of robust.h's grouping
 * runs its own secure aggregation as sub-round round x 256 + group,
 * aggregated by the group's member of smallest rank; every node gets
 * and keeps both groups' sums, each the plain sum of its members'
 * updates.  A RESULT is checked against its group: a signer or
 * survivor of the other group, a group the campaign does not have, or
 * fewer survivors than the group's threshold are refused.
 */
static void test_groups(void **state)
{
	unsigned int gm[2], g, i, r, k, t;
	uint32_t sub, first, last, out = 0;
	uint8_t h[32], hf[32];
	struct hn_campaign c;
	char err[256];

	agents_start(cp_grouped, cp_grouped_len);
	assert_int_equal(hn_campaign_parse(cp_grouped, cp_grouped_len, &c, err,
					   sizeof(err)),
			 0);
	for (r = 1; r <= 2; r++) {
		all_submit(r, ALL);
		run(1000);
		group_masks(c.digest, r, gm);
		for (g = 0; g < 2; g++) {
			sub = r * 256 + g;
			for (i = 0; i < N; i++)
				check_sub(i, sub, r, gm[g]);
			assert_int_equal(result_agg(0, sub),
					 ranked(c.digest, sub, gm[g], false));
		}
		for (i = 0; i < N; i++)
			assert_int_equal(agents[i].st.fed_rounds, r);
	}
	/* round 7's group 0: its rank-first member signs */
	group_masks(c.digest, 7, gm);
	sub = 7 * 256;
	first = ranked(c.digest, sub, gm[0], false);
	last = ranked(c.digest, sub, gm[0], true);
	hn_campaign_group_kt(&c, 3, &k, &t);
	assert_int_equal(t, 2);
	assert_true(forged_taken(0, first, sub, gm[0]));
	/* t = 2 survivors of the group: taken; one: refused */
	assert_true(forged_taken(0, first, sub,
				 (1u << (first - 1)) | (1u << (last - 1))));
	assert_false(forged_taken(0, first, sub, 1u << (first - 1)));
	/*
	 * A survivor of group 1 that ranks after the signer, group 0's
	 * first: refused (in the first round from 7 that has one; the keys,
	 * hence the ranks, are new each run)
	 */
	for (r = 7; r < 100 && !out; r++) {
		group_masks(c.digest, r, gm);
		sub = r * 256;
		first = ranked(c.digest, sub, gm[0], false);
		rank(c.digest, sub, first, hf);
		for (i = 0; i < N; i++) {
			rank(c.digest, sub, i + 1, h);
			if ((gm[1] & (1u << i)) && memcmp(h, hf, 32) > 0)
				out = i + 1;
		}
	}
	assert_true(out != 0);
	assert_true(forged_taken(0, first, sub, gm[0]));
	assert_false(forged_taken(0, first, sub, gm[0] | 1u << (out - 1)));
	/*
	 * A member of group 1 that outranks all of group 0 signs group
	 * 0's result: refused (found in a later round)
	 */
	for (r = 8; r < 100; r++) {
		group_masks(c.digest, r, gm);
		first = ranked(c.digest, r * 256, ALL, false);
		if (gm[1] & (1u << (first - 1)))
			break;
	}
	assert_true(r < 100);
	assert_false(forged_taken(0, first, r * 256, gm[0]));
	/* a group 2 of 2 */
	group_masks(c.digest, 7, gm);
	sub = 7 * 256;
	assert_false(forged_taken(0, ranked(c.digest, sub + 2, gm[0], false),
				  sub + 2, gm[0]));
	hn_campaign_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round),
		cmocka_unit_test(test_backup_aggregator),
		cmocka_unit_test(test_dropout_restart),
		cmocka_unit_test(test_forged_result),
		cmocka_unit_test(test_catch_up_rounds),
		cmocka_unit_test(test_groups),
	};

	return cmocka_run_group_tests_name("fedround", tests, setup, teardown);
}
