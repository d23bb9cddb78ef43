// SPDX-License-Identifier: GPL-2.0
/*
 * hn-tensor: drive a hypernet tensor-offload device from userspace, for the
 * QEMU tests and the benchmark.
 *
 *   hn-tensor run DEV [opts]    random stage, N random tensors through DEV,
 *                               every result compared with engine.h here
 *   hn-tensor bad DEV           malformed frames and fragments: counters
 *   hn-tensor badnl DEV         malformed genl requests: errors + extack
 *   hn-tensor flood DEV         a burst past the worker's queue: counted
 *   hn-tensor bench DEV [opts]  784->128 through DEV vs the same in-process
 *   hn-tensor mkmodel FILE      a random stage as a .hnm model file
 *
 * Frames go in through an AF_PACKET socket on DEV (its transmit side) and
 * results come back on the same socket (the device's receive side), or as
 * HNET_CMD_RESULT notifications with -l (hn-tensor.c).  One "PASS name" /
 * "FAIL name" line per case; exit status 0 only if every case passed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

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

		l->n_in = g->n_in;
		l->n_out = g->n_out;
		l->shift = g->shift;
		l->flags = g->flags & HNET_LAYER_F_RELU ? HN_LF_RELU : 0;
		l->w_exp = 0;
		exp += g->shift;
		l->out_exp = exp;
		if (hn_model_alloc_layer(&m, i))
			return 1;
		memcpy(l->w, g->w, (size_t)g->n_in * g->n_out);
		memcpy(l->b, g->b, g->n_out * sizeof(int32_t));
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
	result(!ret, name, "%u tensors, layers %s, frag %u", o.count,
	       o.model ? o.model : o.layers, o.frag);
	return ret ? 1 : 0;
}

/* ---- bad frames ---------------------------------------------------------- */

static struct stage bad_stage;
static uint32_t bad_id = 0x70000000;

/* A good tensor after the bad ones: once its result is back, the FIFO
 * worker has handled everything sent before it. */
static int sentinel(void)
{
	return run_tensors(&bad_stage, 1, 0, bad_id++, NULL);
}

static void bad_case(const char *name, const uint8_t *buf, size_t len, int stat,
		     uint64_t want)
{
	uint64_t a[__HNET_STATS_A_MAX], b[__HNET_STATS_A_MAX];
	bool ok;

	if (get_stats(a) || frame_send(buf, len) || sentinel() ||
	    get_stats(b)) {
		result(false, name, "could not run");
		return;
	}
	ok = b[stat] - a[stat] == want;
	result(ok, name, "%s +%llu (want +%llu)", hn_genl_stat_names[stat],
	       (unsigned long long)(b[stat] - a[stat]),
	       (unsigned long long)want);
}

static int cmd_bad(void)
{
	uint64_t a[__HNET_STATS_A_MAX], b[__HNET_STATS_A_MAX];
	uint8_t buf[FRAME_MAX], data[HN_TENSOR_MAX_LEN];
	unsigned int n_in, i;
	struct hdrs h;
	size_t len;

	rng_state = o.seed;
	o.layers = "40x8:5r";
	if (stage_parse(o.layers, &bad_stage))
		return 2;
	stage_random(&bad_stage);
	if (genl_up() || pkt_open() || load_stage(&bad_stage))
		return 1;
	n_in = stage_in(&bad_stage);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (int8_t)rnd();

#define BAD(name, mod, stat, want)                                      \
	do {                                                            \
		hdrs_default(&h);                                       \
		h.tensor_id = bad_id++;                                 \
		h.total_len = n_in;                                     \
		mod;                                                    \
		len = frame_build(buf, &h, (int8_t *)data, n_in, true); \
		bad_case(name, buf, len, stat, want);                   \
	} while (0)

	BAD("bad-version", h.version = 2, HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-type-unspec", h.type = HN_T_UNSPEC,
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-flags-unknown", h.flags = 0x80, HNET_STATS_A_DROP_MALFORMED,
	    1);
	BAD("bad-flags-mcast-anycast", h.flags = HN_F_MCAST | HN_F_ANYCAST,
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-ttl-zero", h.ttl = 0, HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-src-zero", h.src = 0, HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-dtype", h.dtype = 7, HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-frag-idx", (h.frag_cnt = 2, h.frag_idx = 2),
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-total-zero", h.total_len = 0, HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-total-huge", h.total_len = HN_TENSOR_MAX_LEN + 1,
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-single-short", h.total_len = n_in + 1,
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-frag-beyond", (h.frag_cnt = 2, h.frag_off = 10),
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("not-tensor-data", h.type = HN_T_DATA, HNET_STATS_A_DROP_NOT_TENSOR,
	    1);
	BAD("not-tensor-ethertype", h.eth_proto = 0x0800,
	    HNET_STATS_A_DROP_NOT_TENSOR, 1);
	BAD("stage-mismatch", h.stage = o.stage_id + 1,
	    HNET_STATS_A_DROP_STAGE_MISMATCH, 1);

	/* hnhdr.len beyond the frame; a truncated frame. */
	hdrs_default(&h);
	h.total_len = n_in;
	len = frame_build(buf, &h, (int8_t *)data, n_in, true);
	((struct hnhdr *)(buf + ETH_HLEN))->len =
		htons(HN_TENSOR_HDR_LEN + n_in + 1);
	bad_case("bad-len-beyond", buf, len, HNET_STATS_A_DROP_MALFORMED, 1);
	bad_case("bad-truncated", buf, ETH_HLEN + 7,
		 HNET_STATS_A_DROP_MALFORMED, 1);
	bad_case("bad-tensor-hdr-cut", buf, ETH_HLEN + HN_HDR_LEN + 10,
		 HNET_STATS_A_DROP_MALFORMED, 1);

	/* Dimension mismatch: a whole, valid tensor of the wrong length. */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in - 1;
	len = frame_build(buf, &h, (int8_t *)data, n_in - 1, true);
	bad_case("dim-mismatch", buf, len, HNET_STATS_A_DROP_DIM_MISMATCH, 1);

	/* Duplicate fragment: dropped, the tensor still completes. */
	{
		struct run r = {};
		uint8_t f0[FRAME_MAX];
		size_t l0;
		int8_t ref[HN_TENSOR_MAX_LEN];
		bool ok;

		get_stats(a);
		hdrs_default(&h);
		h.tensor_id = bad_id++;
		h.total_len = n_in;
		h.frag_cnt = 2;
		l0 = frame_build(f0, &h, (int8_t *)data, 16, true);
		frame_send(f0, l0);
		frame_send(f0, l0);
		h.frag_idx = 1;
		h.frag_off = 16;
		len = frame_build(buf, &h, (int8_t *)data + 16, n_in - 16,
				  true);
		frame_send(buf, len);
		stage_ref(&bad_stage, (int8_t *)data, ref);
		r.s = &bad_stage;
		r.n_out = stage_out(&bad_stage);
		r.count = 1;
		r.base = h.tensor_id;
		r.expect = ref;
		r.got = calloc(1, r.n_out);
		r.covered = calloc(1, sizeof(uint16_t));
		r.done = calloc(1, 1);
		while (r.completed < 1 && !r.bad && run_poll(&r, o.timeout_ms))
			;
		get_stats(b);
		ok = r.completed == 1 && !r.bad &&
		     b[HNET_STATS_A_DROP_FRAG_DUP] -
				     a[HNET_STATS_A_DROP_FRAG_DUP] ==
			     1;
		result(ok, "frag-duplicate", "completed %u, dup drops +%llu",
		       r.completed,
		       (unsigned long long)(b[HNET_STATS_A_DROP_FRAG_DUP] -
					    a[HNET_STATS_A_DROP_FRAG_DUP]));
		free(r.got);
		free(r.covered);
		free(r.done);
	}

	/* Overlap: fragment 1 claims elements fragment 0 already holds. */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 3;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data, 16, true));
	h.frag_idx = 1;
	h.frag_off = 8;
	len = frame_build(buf, &h, (int8_t *)data, 16, true);
	bad_case("frag-overlap", buf, len, HNET_STATS_A_DROP_FRAG_BAD, 1);

	/*
	 * One element of overlap, at either end of the new fragment: an
	 * off-by-one in the module's overlap check lets these through.
	 */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 3;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data, 16, true));
	h.frag_idx = 1;
	h.frag_off = 15;
	len = frame_build(buf, &h, (int8_t *)data + 15, 16, true);
	bad_case("frag-overlap-first-element", buf, len,
		 HNET_STATS_A_DROP_FRAG_BAD, 1);
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 3;
	h.frag_idx = 1;
	h.frag_off = 16;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data + 16, 16, true));
	h.frag_idx = 0;
	h.frag_off = 0;
	len = frame_build(buf, &h, (int8_t *)data, 17, true);
	bad_case("frag-overlap-last-element", buf, len,
		 HNET_STATS_A_DROP_FRAG_BAD, 1);

	/* Every fragment there, one element missing: given up. */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 2;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data, 16, true));
	h.frag_idx = 1;
	h.frag_off = 17;
	len = frame_build(buf, &h, (int8_t *)data + 17, n_in - 17, true);
	bad_case("frag-gap", buf, len, HNET_STATS_A_DROP_FRAG_BAD, 1);

	/* A sibling disagreeing on the fragment count. */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 3;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data, 16, true));
	h.frag_idx = 1;
	h.frag_cnt = 4;
	h.frag_off = 16;
	len = frame_build(buf, &h, (int8_t *)data, 8, true);
	bad_case("frag-count-differs", buf, len, HNET_STATS_A_DROP_FRAG_BAD, 1);

	/* Counts that cannot add up: 2 fragments covering half the tensor. */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 2;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data, 8, true));
	h.frag_idx = 1;
	h.frag_off = 8;
	len = frame_build(buf, &h, (int8_t *)data, 8, true);
	bad_case("frag-incomplete-set", buf, len, HNET_STATS_A_DROP_FRAG_BAD,
		 1);

	/*
	 * Reassembly cap: first fragments of 80 tensors; 64 are held, 16
	 * dropped; then all time out (with those of the cases above).
	 */
	get_stats(a);
	for (i = 0; i < 80; i++) {
		hdrs_default(&h);
		h.tensor_id = bad_id++;
		h.total_len = n_in;
		h.frag_cnt = 2;
		frame_send(buf, frame_build(buf, &h, (int8_t *)data, 8, true));
	}
	sentinel();
	get_stats(b);
	result(b[HNET_STATS_A_DROP_REASM_FULL] -
			       a[HNET_STATS_A_DROP_REASM_FULL] >=
		       16,
	       "reasm-cap", "drop_reasm_full +%llu (want >= 16)",
	       (unsigned long long)(b[HNET_STATS_A_DROP_REASM_FULL] -
				    a[HNET_STATS_A_DROP_REASM_FULL]));
	usleep(1500 * 1000);
	sentinel();
	get_stats(b);
	result(b[HNET_STATS_A_DROP_REASM_TIMEOUT] -
			       a[HNET_STATS_A_DROP_REASM_TIMEOUT] >=
		       64,
	       "reasm-timeout", "drop_reasm_timeout +%llu (want >= 64)",
	       (unsigned long long)(b[HNET_STATS_A_DROP_REASM_TIMEOUT] -
				    a[HNET_STATS_A_DROP_REASM_TIMEOUT]));
	{
		struct hn_genl_dev d = { .inflight = ~0U };
		int ret = get_dev(&d);

		result(!ret && !d.inflight, "reasm-empty",
		       "%u tensors in flight", d.inflight);
	}

	/* No stage: clear it, send, reload. */
	{
		struct hn_genl_sel sel = { .ifname = o.dev };
		int ret;

		get_stats(a);
		ret = hn_genl_set_stage(&gl, &sel, NULL,
					HNET_DEV_F_CLEAR_STAGE);
		hdrs_default(&h);
		h.tensor_id = bad_id++;
		h.total_len = n_in;
		len = frame_build(buf, &h, (int8_t *)data, n_in, true);
		frame_send(buf, len);
		usleep(300 * 1000);
		ret = ret ?: load_stage(&bad_stage);
		ret = ret ?: sentinel();
		get_stats(b);
		result(!ret && b[HNET_STATS_A_DROP_NO_STAGE] -
					       a[HNET_STATS_A_DROP_NO_STAGE] ==
				       1,
		       "no-stage", "drop_no_stage +%llu",
		       (unsigned long long)(b[HNET_STATS_A_DROP_NO_STAGE] -
					    a[HNET_STATS_A_DROP_NO_STAGE]));
	}
	return failures ? 1 : 0;
}

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
		h.tensor_id = bad_id++;
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

/* ---- bad genl requests --------------------------------------------------- */

static struct nl_msg *nlm(uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc_size(1 << 20);

	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, gl.family, 0, flags, cmd,
		    HYPERNET_GENL_VERSION);
	return m;
}

static void put_dev(struct nl_msg *m)
{
	nla_put_u32(m, HNET_A_IFINDEX, pkt_ifindex);
}

/* A stage nest with layers "in x out", shift 4, flags @lflags. */
static void put_layers(struct nl_msg *m, const unsigned int *dims,
		       unsigned int n, uint32_t lflags, int shift)
{
	struct nlattr *st = nla_nest_start(m, HNET_A_STAGE), *ls, *l;
	unsigned int i;

	nla_put_u8(m, HNET_STAGE_A_ID, o.stage_id);
	ls = nla_nest_start(m, HNET_STAGE_A_LAYERS);
	for (i = 0; i < n; i++) {
		l = nla_nest_start(m, i);
		nla_put_u32(m, HNET_LAYER_A_IN, dims[2 * i]);
		nla_put_u32(m, HNET_LAYER_A_OUT, dims[2 * i + 1]);
		if (shift >= 0)
			nla_put_u8(m, HNET_LAYER_A_SHIFT, shift);
		nla_put_u32(m, HNET_LAYER_A_FLAGS, lflags);
		nla_nest_end(m, l);
	}
	nla_nest_end(m, ls);
	nla_nest_end(m, st);
}

static void put_params(struct nl_msg *m, size_t nw, size_t nb_bytes,
		       int32_t bias)
{
	static int8_t w[65000];
	static int32_t b[16250];
	size_t i, n;

	for (i = 0; i < 16250; i++)
		b[i] = bias;
	while (nw) {
		n = nw < sizeof(w) ? nw : sizeof(w);
		nla_put(m, HNET_A_WEIGHTS, n, w);
		nw -= n;
	}
	while (nb_bytes) {
		n = nb_bytes < 64000 ? nb_bytes : 64000;
		nla_put(m, HNET_A_BIASES, n, b);
		nb_bytes -= n;
	}
}

static void nl_case(const char *name, struct nl_msg *m, int want)
{
	int ret = hn_genl_transact(&gl, m, NULL, NULL);
	bool ok = want ? ret == want : ret < 0;

	/* Every rejection must say why. */
	/* (6.1 drops the extack of a dump's start(): errno only there.) */
	if (ok && ret && ret != -EOPNOTSUPP && !gl.errmsg[0] &&
	    strcmp(name, "nl-get-no-such-device"))
		ok = false;
	result(ok, name, "%s (%d): %s", strerror(-ret), ret,
	       gl.errmsg[0] ? gl.errmsg : "(no extack)");
}

static int cmd_badnl(void)
{
	static const unsigned int d16[] = { 16, 8 };
	static const unsigned int dmis[] = { 16, 8, 9, 4 };
	static const unsigned int dbig[] = { 1024, 1024 };
	static const unsigned int d9[] = { 4, 4, 4, 4, 4, 4, 4, 4, 4,
					   4, 4, 4, 4, 4, 4, 4, 4, 4 };
	static const unsigned int dzero[] = { 0, 8 };
	static const unsigned int dhuge[] = { 5000, 8 };
	struct nl_msg *m;
	struct nlattr *n;
	uint64_t before[__HNET_STATS_A_MAX];
	unsigned int lo = if_nametoindex("lo");

	rng_state = o.seed;
	if (stage_parse("40x8:5r", &bad_stage))
		return 2;
	stage_random(&bad_stage);
	if (genl_up() || pkt_open() || load_stage(&bad_stage))
		return 1;
	get_stats(before);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	nla_put_u16(m, HNET_A_IFINDEX, pkt_ifindex);
	nl_case("nl-ifindex-wrong-size", m, 0);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 32, 0);
	nl_case("nl-no-device", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	nla_put_u32(m, HNET_A_IFINDEX, 99999);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 32, 0);
	nl_case("nl-no-such-device", m, -ENODEV);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	nla_put_u32(m, HNET_A_IFINDEX, lo);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 32, 0);
	nl_case("nl-not-hypernet", m, -EOPNOTSUPP);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	nla_put_string(m, HNET_A_IFNAME, "a-name-way-too-long-for-ifnamsiz");
	nl_case("nl-ifname-too-long", m, 0);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	nla_put_u32(m, HNET_A_FLAGS, 1U << 7);
	nl_case("nl-unknown-dev-flags", m, -EOPNOTSUPP);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 1U << 5, 4);
	put_params(m, 128, 32, 0);
	nl_case("nl-unknown-layer-flags", m, -EOPNOTSUPP);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	nl_case("nl-missing-stage", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	n = nla_nest_start(m, HNET_A_STAGE);
	nla_put_u8(m, HNET_STAGE_A_ID, 1);
	nla_nest_end(m, n);
	nl_case("nl-missing-layers", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, -1);
	put_params(m, 128, 32, 0);
	nl_case("nl-layer-missing-shift", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, HN_SHIFT_MAX + 1);
	put_params(m, 128, 32, 0);
	nl_case("nl-shift-range", m, 0);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, dzero, 1, 0, 4);
	nl_case("nl-dim-zero", m, 0);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, dhuge, 1, 0, 4);
	nl_case("nl-dim-huge", m, 0);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, dmis, 2, 0, 4);
	put_params(m, 128 + 36, 48, 0);
	nl_case("nl-dim-mismatch", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, dbig, 1, 0, 4);
	nl_case("nl-oversize", m, -E2BIG);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d9, 9, 0, 4);
	nl_case("nl-too-many-layers", m, -E2BIG);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 0, 32, 0);
	nl_case("nl-missing-weights", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 127, 32, 0);
	nl_case("nl-weights-short", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 129, 32, 0);
	nl_case("nl-weights-long", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 0, 0);
	nl_case("nl-missing-biases", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 30, 0);
	nl_case("nl-biases-not-int32", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 32, INT32_MAX);
	nl_case("nl-bias-overflow", m, -ERANGE);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	nla_put_u32(m, HNET_A_FLAGS, HNET_DEV_F_CLEAR_STAGE);
	put_layers(m, d16, 1, 0, 4);
	nl_case("nl-clear-with-stage", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	nla_put_u32(m, HNET_A_INFLIGHT, 1);
	nl_case("nl-kernel-only-attr", m, 0);

	m = nlm(HNET_CMD_SET_OUTPUT, 0);
	put_dev(m);
	nl_case("nl-output-missing", m, -EINVAL);

	m = nlm(HNET_CMD_SET_OUTPUT, 0);
	put_dev(m);
	n = nla_nest_start(m, HNET_A_OUTPUT);
	nla_put_u8(m, HNET_OUT_A_CLASS, 1);
	nla_nest_end(m, n);
	nl_case("nl-output-missing-mode", m, -EINVAL);

	m = nlm(HNET_CMD_SET_OUTPUT, 0);
	put_dev(m);
	n = nla_nest_start(m, HNET_A_OUTPUT);
	nla_put_u8(m, HNET_OUT_A_MODE, 9);
	nla_nest_end(m, n);
	nl_case("nl-output-mode-range", m, 0);

	m = nlm(HNET_CMD_SET_OUTPUT, 0);
	put_dev(m);
	n = nla_nest_start(m, HNET_A_OUTPUT);
	nla_put_u8(m, HNET_OUT_A_MODE, HNET_OUTPUT_NODE);
	nla_nest_end(m, n);
	nl_case("nl-output-node-missing", m, -EINVAL);

	m = nlm(HNET_CMD_SET_OUTPUT, 0);
	put_dev(m);
	n = nla_nest_start(m, HNET_A_OUTPUT);
	nla_put_u8(m, HNET_OUT_A_MODE, HNET_OUTPUT_NODE);
	nla_put_u32(m, HNET_OUT_A_NODE, 5);
	nla_put_u32(m, HNET_OUT_A_FLAGS, 1U << 9);
	nla_nest_end(m, n);
	nl_case("nl-output-unknown-flags", m, -EOPNOTSUPP);

	m = nlm(HNET_CMD_GET_DEVICE, NLM_F_DUMP);
	nla_put_u32(m, HNET_A_IFINDEX, 99999);
	nl_case("nl-get-no-such-device", m, -ENODEV);

	m = nlm(HNET_CMD_RESULT, 0);
	put_dev(m);
	nl_case("nl-unknown-cmd", m, -EOPNOTSUPP);

	/* None of it may have touched the loaded stage. */
	{
		uint64_t after[__HNET_STATS_A_MAX];
		int ret = sentinel();

		get_stats(after);
		result(!ret && after[HNET_STATS_A_STAGE_LOADS] ==
				       before[HNET_STATS_A_STAGE_LOADS],
		       "nl-stage-intact", "stage loads %llu -> %llu",
		       (unsigned long long)before[HNET_STATS_A_STAGE_LOADS],
		       (unsigned long long)after[HNET_STATS_A_STAGE_LOADS]);
	}
	/* A reload with HNET_DEV_F_RESET_STATS zeroes the counters. */
	{
		struct hn_genl_sel sel = { .ifname = o.dev };
		uint64_t after[__HNET_STATS_A_MAX];
		int ret;

		ret = hn_genl_set_stage(&gl, &sel, &bad_stage.g,
					HNET_DEV_F_RESET_STATS);
		get_stats(after);
		result(!ret && !after[HNET_STATS_A_FRAMES_IN] &&
			       !after[HNET_STATS_A_TENSORS_DONE],
		       "nl-reset-stats", "frames_in %llu after reset",
		       (unsigned long long)after[HNET_STATS_A_FRAMES_IN]);
	}
	return failures ? 1 : 0;
}

static void usage(void)
{
	fputs("Usage: hn-tensor run|bad|badnl|flood|bench DEV [options]\n"
	      "       hn-tensor mkmodel FILE.hnm [-L SPEC] [-s SEED] [-S ID]\n"
	      "  -n N      tensors (run, bench) or frames (flood)\n"
	      "  -s SEED   random seed\n"
	      "  -L SPEC   layers, e.g. 64x32:7r,32x16:6 (IN x OUT : SHIFT, r = ReLU)\n"
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
	      "  -I ID     run: the device's node id (source of results)\n",
	      stderr);
}

int main(int argc, char **argv)
{
	const char *cmd;
	int c;

	if (argc < 3) {
		usage();
		return 2;
	}
	cmd = argv[1];
	o.dev = argv[2];
	optind = 3;
	while ((c = getopt(argc, argv, "n:s:L:f:w:lkrR:S:t:j:i:d:m:N:C:I:")) !=
	       -1) {
		switch (c) {
		case 'n':
			o.count = strtoul(optarg, NULL, 0);
			break;
		case 's':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'L':
			o.layers = optarg;
			break;
		case 'f':
			o.frag = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			o.window = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			o.local = true;
			break;
		case 'k':
			o.keep = true;
			break;
		case 'r':
			o.reload = true;
			break;
		case 'i':
			o.send_dev = optarg;
			break;
		case 'd':
			o.dst = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			o.model = optarg;
			break;
		case 'N':
			o.out_node = strtoul(optarg, NULL, 0);
			break;
		case 'C':
			o.out_class = strtoul(optarg, NULL, 0);
			break;
		case 'I':
			o.node_id = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			o.stage_id = strtoul(optarg, NULL, 0);
			break;
		case 't':
			o.timeout_ms = strtol(optarg, NULL, 0);
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'R':
			o.rounds = strtoul(optarg, NULL, 0);
			break;
		default:
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
	if (!strcmp(cmd, "bad"))
		return cmd_bad();
	if (!strcmp(cmd, "badnl"))
		return cmd_badnl();
	if (!strcmp(cmd, "flood"))
		return cmd_flood();
	if (!strcmp(cmd, "bench"))
		return cmd_bench();
	if (!strcmp(cmd, "mkmodel"))
		return cmd_mkmodel(o.dev);
	usage();
	return 2;
}
