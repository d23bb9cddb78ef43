// SPDX-License-Identifier: GPL-2.0
/*
 * The cut chooser (userspace/lib/cut.h) on synthetic cut tables: a slow
 * edge with a fast host cuts and sends, a slow link keeps everything here,
 * a private stream never sends the raw input, a dead, unreachable or
 * silent host leaves local as the answer, a loaded host loses to an idle
 * one, hysteresis keeps near-equal choices from flapping, observed round
 * trips move the estimate (and fade), and the table parser refuses every
 * malformed table with the line.  Also the rates a node advertises
 * (userspace/lib/rate.h), from two samples of a stage's counters.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cut.h"
#include "rate.h"

#define MS 1000000.0

/*
 * A model of 2M MACs: raw (784 bytes), after the first stage (16 bytes)
 * and after the second (8 bytes); a 10-byte answer.
 */
static const struct hn_cut_table tab = {
	.n = 3,
	.cut = { { 1, 0, 784, 2000000 },
		 { 2, 200000, 16, 1800000 },
		 { 3, 1200000, 8, 800000 } },
	.result_bytes = 10,
};

/* A host of every cut's stage at @ns_per_mac, idle, over @bps. */
static struct hn_cut_host host(uint32_t node, double ns_per_mac, double bps)
{
	struct hn_cut_host h = { .node = node, .up = true, .bps = bps };
	unsigned int c;

	h.delay_ns = 0.5 * MS;
	h.hosts = (1U << tab.n) - 1;
	for (c = 0; c < tab.n; c++)
		h.ns[c] = ns_per_mac * tab.cut[c].after;
	return h;
}

static struct hn_cut_input input(const struct hn_cut_host *h, unsigned int n,
				 double edge)
{
	struct hn_cut_input in = {
		.table = &tab,
		.edge_ns_per_mac = edge,
		.host = h,
		.n_host = n,
		.now_ns = 1,
	};

	return in;
}

static struct hn_cut_choice choose(struct hn_cut_state *st,
				   const struct hn_cut_input *in)
{
	struct hn_cut_choice c;

	hn_cut_choose(st, in, &c);
	return c;
}

/* The formula of cut.h, by hand, for one pair. */
static void test_model(void **state)
{
	struct hn_cut_host h = host(7, 1, 8e6);
	struct hn_cut_input in = input(&h, 1, 4);
	double want;

	(void)state;
	/* 0.2M MACs at 4 ns, 16 + 10 bytes at 8 Mbit/s, 2 x 0.5 ms, 1.8 ms */
	want = 800000 + 16000 + 0.5 * MS + 1800000 + 10000 + 0.5 * MS;
	assert_true(fabs(hn_cut_model(&in, 1, &h) - want) < 1);
	assert_true(fabs(hn_cut_model(&in, HN_CUT_LOCAL, NULL) - 8 * MS) < 1);
	/* busy 500 permille and 2 queued: (1 + 2 + 1) x the compute */
	h.busy_pm = 500;
	h.queue = 2;
	assert_true(fabs(hn_cut_model(&in, 1, &h) - want - 3 * 1800000) < 1);
	/* not measured: ns per MAC from elsewhere stands in */
	h = host(7, 1, 8e6);
	h.ns[1] = 0;
	h.ns_per_mac = 2;
	assert_true(fabs(hn_cut_model(&in, 1, &h) - want - 1800000) < 1);
}

/* A slow edge (4 ns/MAC) and a 4x faster host: cut early, send. */
static void test_slow_edge_fast_host(void **state)
{
	struct hn_cut_host h = host(7, 1, 8e6);
	struct hn_cut_input in = input(&h, 1, 4);
	struct hn_cut_state st = { 0 };
	struct hn_cut_choice c = choose(&st, &in);

	(void)state;
	assert_int_equal(c.cut, 1);
	assert_int_equal(c.node, 7);
	assert_true(c.est_ns < 0.5 * hn_cut_model(&in, HN_CUT_LOCAL, NULL));
	/* an edge as fast as the host: no reason to send */
	in.edge_ns_per_mac = 1;
	memset(&st, 0, sizeof(st));
	c = choose(&st, &in);
	assert_int_equal(c.cut, HN_CUT_LOCAL);
	assert_int_equal(c.node, 0);
}

/* 64 kbit/s with 5 ms each way: the transfer costs more than the work. */
static void test_slow_link_local(void **state)
{
	struct hn_cut_host h = host(7, 1, 64000);
	struct hn_cut_input in = input(&h, 1, 4);
	struct hn_cut_state st = { 0 };

	(void)state;
	h.delay_ns = 5 * MS;
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
	/* the same host over a fast link wins */
	h.bps = 100e6;
	h.delay_ns = 0.1 * MS;
	memset(&st, 0, sizeof(st));
	assert_int_not_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
}

/* Raw is best on a fast link, but a private stream may not send it. */
static void test_private(void **state)
{
	struct hn_cut_host h = host(7, 1, 100e6);
	struct hn_cut_input in = input(&h, 1, 4);
	struct hn_cut_state st = { 0 };

	(void)state;
	assert_int_equal(choose(&st, &in).cut, 0);
	in.private = true;
	memset(&st, 0, sizeof(st));
	assert_int_equal(choose(&st, &in).cut, 1);
	assert_true(hn_cut_model(&in, 0, &h) < 0);
	/* no cut past raw hosted: local, never raw */
	h.hosts = 1;
	memset(&st, 0, sizeof(st));
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
}

/* Down, unreachable, not hosting, no rate, no host at all: local. */
static void test_no_host(void **state)
{
	struct hn_cut_host h = host(7, 1, 8e6);
	struct hn_cut_input in = input(&h, 1, 4);
	struct hn_cut_state st = { 0 };
	unsigned int c;

	(void)state;
	in.n_host = 0;
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
	in.n_host = 1;
	assert_int_equal(choose(&st, &in).cut, 1);
	h.up = false; /* the host died: no hysteresis holds it */
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
	h = host(7, 1, 0);
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
	h = host(7, 1, 8e6);
	h.hosts = 0;
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
	h = host(7, 1, 8e6);
	for (c = 0; c < tab.n; c++)
		h.ns[c] = 0;
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
	h.ns_per_mac = 1; /* a rate known from another stage */
	assert_int_equal(choose(&st, &in).cut, 1);
	h.node = 0;
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
}

/* Two equal hosts: the idle one, not the one 90 % busy. */
static void test_load(void **state)
{
	struct hn_cut_host h[2] = { host(7, 1, 8e6), host(9, 1, 8e6) };
	struct hn_cut_input in = input(h, 2, 4);
	struct hn_cut_state st = { 0 };

	(void)state;
	h[0].busy_pm = 900;
	assert_int_equal(choose(&st, &in).node, 9);
	memset(&st, 0, sizeof(st));
	h[0].busy_pm = 0;
	h[1].queue = 3;
	assert_int_equal(choose(&st, &in).node, 7);
}

/*
 * Two hosts that take turns being 5 % faster: the first choice stays.
 * One 40 % faster: the choice moves, once.
 */
static void test_hysteresis(void **state)
{
	struct hn_cut_host h[2] = { host(7, 1, 8e6), host(9, 1, 8e6) };
	struct hn_cut_input in = input(h, 2, 4);
	struct hn_cut_state st = { 0 };
	unsigned int i;

	(void)state;
	assert_int_equal(choose(&st, &in).node, 7);
	for (i = 0; i < 20; i++) {
		h[i % 2].ns[1] = 1800000;
		h[(i + 1) % 2].ns[1] = 1800000 * 0.95;
		assert_int_equal(choose(&st, &in).node, 7);
	}
	assert_int_equal(st.switches, 0);
	h[0].ns[1] = 1800000;
	h[1].ns[1] = 1800000 * 0.6;
	assert_int_equal(choose(&st, &in).node, 9);
	assert_int_equal(choose(&st, &in).node, 9);
	assert_int_equal(st.switches, 1);
}

/*
 * Round trips far slower than the model (a link worse than said, a host
 * slower) push the pair's estimate up until local wins; without new
 * observations the bias fades and the host is tried again.
 */
static void test_observe(void **state)
{
	struct hn_cut_host h = host(7, 1, 8e6);
	struct hn_cut_input in = input(&h, 1, 4);
	struct hn_cut_state st = { 0 };
	struct hn_cut_choice c;
	unsigned int i;

	(void)state;
	c = choose(&st, &in);
	assert_int_equal(c.cut, 1);
	/* as predicted: nothing moves */
	hn_cut_observe(&st, &c, c.model_ns, in.now_ns);
	c = choose(&st, &in);
	assert_int_equal(c.cut, 1);
	assert_true(fabs(c.est_ns - c.model_ns) < 1);
	for (i = 0; i < 8 && c.cut != HN_CUT_LOCAL; i++) {
		hn_cut_observe(&st, &c, c.model_ns + 20 * MS, in.now_ns);
		c = choose(&st, &in);
	}
	/* each of the host's cuts tried and found slow, then local */
	assert_int_equal(c.cut, HN_CUT_LOCAL);
	assert_int_equal(i, 3);
	/* 10 half-lives later the host is back in front */
	in.now_ns += 10 * HN_CUT_BIAS_HALF_NS;
	c = choose(&st, &in);
	assert_int_equal(c.cut, 1);
	assert_int_equal(c.node, 7);
	/* a faster-than-model host lowers its estimate (EWMA) */
	hn_cut_observe(&st, &c, 0, in.now_ns);
	c = choose(&st, &in);
	assert_true(c.est_ns < c.model_ns);
}

#define TMO (400 * MS) /* the edge's timeout */

/*
 * A stream of images every 10 ms for @secs from @in's clock on: each
 * sent where hn_cut_choose() says; host 7 answers in its model time if
 * @alive, else the image times out (TMO) and its retry is chosen again.
 * Images in flight at once: a probe's outcome waits for its time while
 * the stream goes on.  Counts what went to host 7 (probes among them).
 */
struct stream {
	unsigned int to_host, probes, local, retries_to_host;
};

static void stream(struct hn_cut_state *st, struct hn_cut_input *in,
		   double secs, bool alive, struct stream *n)
{
	uint64_t end = in->now_ns + secs * 1e9, due = 0;
	struct hn_cut_choice c, pending = { .node = 0 }, r;

	memset(n, 0, sizeof(*n));
	for (; in->now_ns < end; in->now_ns += 10 * MS) {
		if (pending.node && in->now_ns >= due) {
			if (alive) {
				hn_cut_observe(st, &pending, pending.model_ns,
					       in->now_ns);
			} else {
				hn_cut_timeout(st, &pending, in->now_ns);
				/* its retry: anywhere but a dead host */
				hn_cut_choose(st, in, &r);
				n->retries_to_host += r.node == 7;
				if (r.probe)
					hn_cut_unsent(st, &r);
			}
			pending.node = 0;
		}
		hn_cut_choose(st, in, &c);
		if (c.node != 7) {
			n->local += c.cut == HN_CUT_LOCAL;
			continue;
		}
		n->to_host++;
		n->probes += c.probe;
		/* one image at a time to the host: the others wait (window) */
		assert_int_equal(pending.node, 0);
		pending = c;
		due = in->now_ns + (alive ? (uint64_t)c.model_ns : TMO);
	}
}

/*
 * The host dies: the image in flight times out and from then on,
 * within that one timeout, everything runs here, but for probes, one at
 * a time, each twice as late as the one before; no flapping.
 */
static void test_dead_host(void **state)
{
	struct hn_cut_host h = host(7, 1, 8e6);
	struct hn_cut_input in = input(&h, 1, 4);
	struct hn_cut_state st = { 0 };
	struct hn_cut_choice c, r;
	struct stream n;

	(void)state;
	c = choose(&st, &in);
	assert_int_equal(c.node, 7);
	assert_false(c.probe);
	/* it dies with this image in flight */
	in.now_ns += TMO;
	hn_cut_timeout(&st, &c, in.now_ns);
	assert_true(hn_cut_suspected(&st, 7));
	r = choose(&st, &in);
	assert_int_equal(r.cut, HN_CUT_LOCAL); /* the retry: here */
	assert_int_equal(st.switches, 1);
	/* the first probe waits HN_CUT_PROBE_MIN_NS: 0.99 s all here */
	stream(&st, &in, 0.99, false, &n);
	assert_int_equal(n.to_host, 0);
	assert_int_equal(n.local, 99);
	/* 30 s on: probes at 1, 1+2, 3+4, 7+8, 15+16 s (+ TMO each) */
	stream(&st, &in, 30, false, &n);
	assert_int_equal(n.to_host, n.probes);
	assert_int_equal(n.probes, 4);
	assert_int_equal(n.retries_to_host, 0);
	assert_int_equal(n.local, 3000 - 4);
	/* backoff capped: one probe per HN_CUT_PROBE_MAX_NS at most */
	stream(&st, &in, 64, false, &n);
	assert_true(n.probes >= 3 && n.probes <= 4);
	/* probes are not choices: no switch since the first */
	assert_int_equal(st.switches, 1);
	assert_int_equal(st.suspicions, 1);
	assert_true(hn_cut_suspected(&st, 7));
}

/* The host comes back: the next probe is answered and it is used again. */
static void test_host_returns(void **state)
{
	struct hn_cut_host h = host(7, 1, 8e6);
	struct hn_cut_input in = input(&h, 1, 4);
	struct hn_cut_state st = { 0 };
	struct hn_cut_choice c;
	struct stream n;

	(void)state;
	c = choose(&st, &in);
	in.now_ns += TMO;
	hn_cut_timeout(&st, &c, in.now_ns);
	stream(&st, &in, 5, false, &n); /* probes at 1 and 3 s fail */
	assert_int_equal(n.probes, 2);
	stream(&st, &in, 10, true, &n);
	/* the probe at 7 s answers; then every image goes there again */
	assert_int_equal(n.probes, 1);
	assert_false(hn_cut_suspected(&st, 7));
	assert_true(n.to_host > 250);
	c = choose(&st, &in);
	assert_int_equal(c.node, 7);
	assert_false(c.probe);
	/* away and back: two switches in all */
	assert_int_equal(st.switches, 2);
	assert_int_equal(st.revivals, 1);
}

/* One probe in flight at a time; a probe not sent frees the turn. */
static void test_one_probe(void **state)
{
	struct hn_cut_host h = host(7, 1, 8e6);
	struct hn_cut_input in = input(&h, 1, 4);
	struct hn_cut_state st = { 0 };
	struct hn_cut_choice c;

	(void)state;
	c = choose(&st, &in);
	hn_cut_timeout(&st, &c, in.now_ns);
	in.now_ns += HN_CUT_PROBE_MIN_NS;
	c = choose(&st, &in);
	assert_true(c.probe);
	assert_int_equal(c.node, 7);
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
	in.now_ns += 10 * HN_CUT_PROBE_MAX_NS; /* however long */
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
	hn_cut_unsent(&st, &c);
	c = choose(&st, &in);
	assert_true(c.probe);
	/* a probe that times out: suspected still, the next one later */
	hn_cut_timeout(&st, &c, in.now_ns);
	assert_true(hn_cut_suspected(&st, 7));
	in.now_ns += 2 * HN_CUT_PROBE_MIN_NS - 1;
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
	in.now_ns += 1;
	assert_true(choose(&st, &in).probe);
}

/*
 * A fresh advertisement (what the host says changed) ends the suspicion
 * at once; the same one again does not.  Another host is used meanwhile.
 */
static void test_suspect_adv(void **state)
{
	struct hn_cut_host h[2] = { host(7, 1, 8e6), host(8, 2, 8e6) };
	struct hn_cut_input in = input(h, 2, 4);
	struct hn_cut_state st = { 0 };
	struct hn_cut_choice c;

	(void)state;
	h[0].adv = 11;
	c = choose(&st, &in);
	assert_int_equal(c.node, 7);
	hn_cut_timeout(&st, &c, in.now_ns);
	/* as if 7 were absent: the slower host 8, not here */
	c = choose(&st, &in);
	assert_int_equal(c.node, 8);
	in.now_ns += HN_CUT_PROBE_MIN_NS / 2;
	assert_int_equal(choose(&st, &in).node, 8);
	assert_true(hn_cut_suspected(&st, 7));
	h[0].adv = 12;
	c = choose(&st, &in);
	assert_int_equal(c.node, 7);
	assert_false(c.probe);
	assert_false(hn_cut_suspected(&st, 7));
	assert_int_equal(st.revivals, 1);
}

/*
 * A host of three nodes, one stage each, chained (the bench's H14-H16):
 * whichever cut times out, the nodes of the later stages were on its
 * path, so all of them are suspected at once and everything runs here
 * after that one timeout; an answered probe brings them all back.  With
 * a second host of the last stage, that stage's host is not implicated.
 */
static void test_dead_chain(void **state)
{
	struct hn_cut_host h[4];
	struct hn_cut_input in = input(h, 3, 4);
	struct hn_cut_state st = { 0 };
	struct hn_cut_choice c;
	unsigned int k;

	(void)state;
	for (k = 0; k < 4; k++) {
		h[k] = host(14 + k, 0.1, 8e6);
		h[k].hosts = 1U << (k < 3 ? k : 2);
	}
	c = choose(&st, &in);
	assert_int_not_equal(c.cut, HN_CUT_LOCAL);
	assert_int_equal(c.n_path, 2 - c.cut);
	hn_cut_timeout(&st, &c, in.now_ns);
	for (k = 0; k < 3; k++)
		assert_true(hn_cut_suspected(&st, 14 + k) ==
			    (k >= (unsigned)c.cut));
	assert_int_equal(choose(&st, &in).cut, HN_CUT_LOCAL);
	/* the probe's answer: its whole path lives */
	in.now_ns += HN_CUT_PROBE_MIN_NS;
	c = choose(&st, &in);
	assert_true(c.probe);
	hn_cut_observe(&st, &c, c.model_ns, in.now_ns);
	for (k = 0; k < 3; k++)
		assert_false(hn_cut_suspected(&st, 14 + k));
	/* node 17 runs the last stage too: 16 is not on a known path */
	memset(&st, 0, sizeof(st));
	in.n_host = 4;
	c = choose(&st, &in);
	assert_int_equal(c.cut, 0);
	assert_int_equal(c.n_path, 1);
	assert_int_equal(c.path[0], 15);
	hn_cut_timeout(&st, &c, in.now_ns);
	assert_false(hn_cut_suspected(&st, 16));
	c = choose(&st, &in);
	assert_int_equal(c.cut, 2);
}

/* Local's own observations count too (a loaded edge). */
static void test_observe_local(void **state)
{
	struct hn_cut_host h = host(7, 1, 8e6);
	struct hn_cut_input in = input(&h, 1, 1.5);
	struct hn_cut_state st = { 0 };
	struct hn_cut_choice c;

	(void)state;
	c = choose(&st, &in);
	assert_int_equal(c.cut, HN_CUT_LOCAL);
	hn_cut_observe(&st, &c, 3 * c.model_ns, in.now_ns);
	c = choose(&st, &in);
	assert_int_not_equal(c.cut, HN_CUT_LOCAL);
}

static int parse(const char *s, struct hn_cut_table *t, char *err)
{
	return hn_cut_table_parse(s, strlen(s), t, err, 160);
}

static void test_table_parse(void **state)
{
	static const char good[] = "# a CNN's cuts\n"
				   "result 10\n"
				   "cut 1 0 784 2000000\n"
				   "\n"
				   "cut 2 200000 16 1800000\n"
				   "  # indented comment\n"
				   "cut 3 1200000 8 800000";
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "cut table: no cut" },
		{ "cut 1 0 784 10\n", "cut table: no result line" },
		{ "result 10\nresult 10\ncut 1 0 784 10\n", "line 2: want" },
		{ "result 10\ncut 0 0 784 10\n", "line 2: want 'cut STAGE" },
		{ "result 10\ncut 256 0 784 10\n", "line 2: want 'cut" },
		{ "result 10\ncut 1 0 0 10\n", "line 2: want 'cut" },
		{ "result 10\ncut 1 0 9001 10\n", "line 2: want 'cut" },
		{ "result 10\ncut 1 0 784\n", "line 2: want 'cut" },
		{ "result 10\ncut 1 0 784 10 5\n", "line 2: want 'cut" },
		{ "result 10\ncut 1 0 784 -10\n", "line 2: want 'cut" },
		{ "result 10\ncut 1 0 784 10x\n", "line 2: want 'cut" },
		{ "result 0\ncut 1 0 784 10\n", "line 1: want" },
		{ "result 10 junk\ncut 1 0 784 10\n", "line 1: want" },
		{ "result 10\ncut 1 0 784 10\ncut 1 5 16 5\n",
		  "cut table: cuts 0 and 1 both stage 1" },
		{ "result 10\ncut 1 0 784 10\ncut 2 5 16 6\n",
		  "cut table: cut 1 splits 11 MACs, cut 0 10" },
		{ "result 10\nstage 1\n", "line 2: want 'cut ...'" },
	};
	struct hn_cut_table t;
	char err[160], many[2048];
	unsigned int i;

	(void)state;
	assert_int_equal(parse(good, &t, err), 0);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.result_bytes, 10);
	assert_memory_equal(&t.cut, &tab.cut, sizeof(tab.cut));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(parse(bad[i].text, &t, err), -EINVAL);
		if (strncmp(err, bad[i].why, strlen(bad[i].why)))
			fail_msg("table %u: '%s', want '%s'", i, err,
				 bad[i].why);
	}
	/* 17 cuts */
	strcpy(many, "result 1\n");
	for (i = 0; i <= HN_CUT_MAX; i++)
		sprintf(many + strlen(many), "cut %u %u 1 %u\n", i + 1, i,
			100 - i);
	assert_int_equal(parse(many, &t, err), -EINVAL);
	assert_string_equal(err, "line 18: more than 16 cuts");
	/* a NUL inside, a line too long */
	assert_int_equal(hn_cut_table_parse("result 1\0\n", 10, &t, err, 160),
			 -EINVAL);
	assert_string_equal(err, "line 1: a NUL byte");
	memset(many, 'x', 300);
	many[300] = 0;
	assert_int_equal(parse(many, &t, err), -EINVAL);
	assert_string_equal(err, "line 1: too long");
}

/* The agent's hosts table into candidates for the table's cuts. */
static void test_hosts_parse(void **state)
{
	static const char text[] =
		"node       stage self ns_per_item busy_pm queue load capacity   cost  lcost hops path_kbps\n"
		"5              2    0      900000     250     1   10      127    100    120    1     100000\n"
		"9              2    0           0       0     0    0      127    200    200    2          0\n"
		"5              3    0      400000     500     0   10      127    100    120    1     100000\n"
		"4              7    0      100000       0     0    0      127    100    100    1     100000\n"
		"1              3    1           0       0     0    0      127      0      0    0          0\n";
	struct hn_cut_host h[HN_CUT_MAX_HOSTS];
	char err[200], moved[sizeof(text)];
	uint32_t adv;
	int n;

	(void)state;
	n = hn_cut_hosts_parse(text, strlen(text), &tab, 8e6, 0.25 * MS, h,
			       HN_CUT_MAX_HOSTS, err, sizeof(err));
	assert_int_equal(n, 3); /* 5, 9, 1; stage 7 is no cut of ours */
	assert_int_equal(h[0].node, 5);
	assert_true(h[0].up);
	assert_int_equal(h[0].hosts, 1U << 1 | 1U << 2);
	assert_int_equal(h[0].ns[1], 900000);
	assert_int_equal(h[0].ns[2], 400000);
	assert_int_equal(h[0].busy_pm, 500);
	assert_int_equal(h[0].queue, 1);
	assert_true(h[0].bps == 100e6);
	assert_true(h[0].delay_ns == 0.25 * MS);
	assert_true(fabs(h[0].ns_per_mac - 0.5) < 1e-9); /* 900000 / 1.8M */
	/* no path rate from the agent: the default; nothing measured */
	assert_int_equal(h[1].node, 9);
	assert_true(h[1].bps == 8e6);
	assert_true(h[1].delay_ns == 0.5 * MS);
	assert_true(h[1].ns_per_mac == 0);
	/* the agent's own node: a path of no cost */
	assert_int_equal(h[2].node, 1);
	assert_true(h[2].bps > 1e12 && h[2].delay_ns == 0);
	/* the adv stamp: what a host says; a new rate sample changes it */
	assert_true(h[0].adv && h[1].adv && h[0].adv != h[1].adv);
	adv = h[0].adv;
	assert_int_equal(hn_cut_hosts_parse(text, strlen(text), &tab, 8e6, 0, h,
					    8, err, sizeof(err)),
			 3);
	assert_int_equal(h[0].adv, adv);
	memcpy(moved, text, sizeof(text));
	*strstr(moved, "900000") = '8';
	assert_int_equal(hn_cut_hosts_parse(moved, strlen(moved), &tab, 8e6, 0,
					    h, 8, err, sizeof(err)),
			 3);
	assert_int_not_equal(h[0].adv, adv);
	/* at most @max hosts */
	assert_int_equal(hn_cut_hosts_parse(text, strlen(text), &tab, 8e6, 0, h,
					    1, err, sizeof(err)),
			 1);
	/* malformed lines */
	assert_int_equal(hn_cut_hosts_parse("5 2 0 9\n", 8, &tab, 8e6, 0, h, 8,
					    err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "hosts line 1: want 12 numbers"));
	assert_int_equal(hn_cut_hosts_parse("\n5 2 0 9 1001 0 0 0 0 0 0 0\n",
					    30, &tab, 8e6, 0, h, 8, err,
					    sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "hosts line 2"));
	assert_int_equal(hn_cut_hosts_parse("5 2 0 -9 1 0 0 0 0 0 0 0\n", 25,
					    &tab, 8e6, 0, h, 8, err,
					    sizeof(err)),
			 -EINVAL);
	assert_int_equal(hn_cut_hosts_parse("5 2 0 9 1 0 0 0 0 0 0 0 x\n", 26,
					    &tab, 8e6, 0, h, 8, err,
					    sizeof(err)),
			 -EINVAL);
	/* nothing: no host, not an error */
	assert_int_equal(hn_cut_hosts_parse("", 0, &tab, 8e6, 0, h, 8, err,
					    sizeof(err)),
			 0);
}

/* ns per tensor, busy and queue from two samples; resets refused. */
static void test_rate_window(void **state)
{
	struct hn_rate_sample a = { 1000, 5000, 10, 0 };
	struct hn_rate_sample b = { 1000 + 1000000000, 5000 + 250000000, 110,
				    4 };
	struct hn_ctrl_rate r = { 0 };

	(void)state;
	assert_int_equal(hn_rate_window(&a, &b, &r), 0);
	assert_int_equal(r.ns_per_item, 2500000);
	assert_int_equal(r.busy, 250);
	assert_int_equal(r.queue, 4);
	/* nothing ran: the last rate stays, idle */
	a = b;
	b.t_ns += 1000000000;
	b.queue = 0;
	assert_int_equal(hn_rate_window(&a, &b, &r), 0);
	assert_int_equal(r.ns_per_item, 2500000);
	assert_int_equal(r.busy, 0);
	assert_int_equal(r.queue, 0);
	/* more compute than wall time (several workers): 1000 permille */
	a = b;
	b.t_ns += 1000;
	b.compute_ns += 5000;
	b.done += 1;
	b.queue = 100000;
	assert_int_equal(hn_rate_window(&a, &b, &r), 0);
	assert_int_equal(r.busy, HN_RATE_BUSY_MAX);
	assert_int_equal(r.ns_per_item, 5000);
	assert_int_equal(r.queue, 0xffff);
	/* a tensor in under 1 ns still reads 1, not "not measured" */
	a = b;
	b.t_ns += 1000;
	b.done += 10;
	assert_int_equal(hn_rate_window(&a, &b, &r), 0);
	assert_int_equal(r.ns_per_item, 1);
	/* counters back (device re-created), or no time passed */
	r.ns_per_item = 77;
	b = a;
	b.done = 0;
	b.t_ns += 10;
	assert_int_equal(hn_rate_window(&a, &b, &r), -ERANGE);
	b = a;
	assert_int_equal(hn_rate_window(&a, &b, &r), -ERANGE);
	assert_int_equal(r.ns_per_item, 77);
}

static void test_rate_moved(void **state)
{
	struct hn_ctrl_rate adv = { 800000, 300, 4 }, now = adv;

	(void)state;
	assert_false(hn_rate_moved(&adv, &now));
	now.ns_per_item = 800000 + 100000; /* an eighth: not yet */
	assert_false(hn_rate_moved(&adv, &now));
	now.ns_per_item++;
	assert_true(hn_rate_moved(&adv, &now));
	now = adv;
	now.busy = 400;
	assert_false(hn_rate_moved(&adv, &now));
	now.busy = 401;
	assert_true(hn_rate_moved(&adv, &now));
	now = adv;
	now.queue = 6;
	assert_false(hn_rate_moved(&adv, &now));
	now.queue = 7;
	assert_true(hn_rate_moved(&adv, &now));
	now.queue = 0;
	assert_true(hn_rate_moved(&adv, &now));
	adv = (struct hn_ctrl_rate){ 0 };
	now = adv;
	assert_false(hn_rate_moved(&adv, &now));
	now.ns_per_item = 1; /* first measured */
	assert_true(hn_rate_moved(&adv, &now));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_slow_edge_fast_host),
		cmocka_unit_test(test_slow_link_local),
		cmocka_unit_test(test_private),
		cmocka_unit_test(test_no_host),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_observe),
		cmocka_unit_test(test_observe_local),
		cmocka_unit_test(test_dead_host),
		cmocka_unit_test(test_host_returns),
		cmocka_unit_test(test_one_probe),
		cmocka_unit_test(test_suspect_adv),
		cmocka_unit_test(test_dead_chain),
		cmocka_unit_test(test_table_parse),
		cmocka_unit_test(test_hosts_parse),
		cmocka_unit_test(test_rate_window),
		cmocka_unit_test(test_rate_moved),
	};

	return cmocka_run_group_tests_name("cut", tests, NULL, NULL);
}
