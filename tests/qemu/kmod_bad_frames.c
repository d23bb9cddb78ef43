// SPDX-License-Identifier: GPL-2.0
/*
 * kmod-bad frames: what the module does with bad frames and fragments.
 * The tables below say what goes in and which of the device's counters
 * must rise, by exactly one, once a good tensor sent after it (the
 * sentinel) is back.  The cases the tables cannot say (a tensor that must
 * still complete, the reassembly's limits, no stage loaded) follow them.
 */
#include <linux/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kmod_bad.h"

#define MALFORMED HNET_STATS_A_DROP_MALFORMED
#define NOT_TENSOR HNET_STATS_A_DROP_NOT_TENSOR
#define STAGE_MISMATCH HNET_STATS_A_DROP_STAGE_MISMATCH
#define DIM_MISMATCH HNET_STATS_A_DROP_DIM_MISMATCH
#define FRAG_BAD HNET_STATS_A_DROP_FRAG_BAD

/* A header field a single-frame case sets; END ends the list. */
enum bad_field {
	END,
	VERSION,
	TYPE,
	FLAGS,
	TTL,
	SRC,
	DTYPE,
	STAGE_PLUS, /* the loaded stage's id + v */
	ETH_PROTO,
	FRAG_IDX,
	FRAG_CNT,
	FRAG_OFF,
	TOTAL_LEN,
	TOTAL_PLUS, /* the stage's input length + v */
	LEN_PLUS, /* hnhdr.len: tensor header + input length + v */
};

struct bad_set {
	enum bad_field f;
	int v;
};

/*
 * One frame of a whole tensor (tensor_id new, total_len the stage's
 * input length, as many elements but .short_by), fields set as listed,
 * sent whole or its first .cut bytes.
 */
struct bad_frame {
	const char *name;
	struct bad_set set[2];
	unsigned int short_by;
	size_t cut;
	int stat;
};

static const struct bad_frame bad_frames_tab[] = {
	{ "bad-version", { { VERSION, 2 } }, 0, 0, MALFORMED },
	{ "bad-type-unspec", { { TYPE, HN_T_UNSPEC } }, 0, 0, MALFORMED },
	{ "bad-flags-unknown", { { FLAGS, 0x80 } }, 0, 0, MALFORMED },
	{ "bad-flags-mcast-anycast",
	  { { FLAGS, HN_F_MCAST | HN_F_ANYCAST } },
	  0,
	  0,
	  MALFORMED },
	{ "bad-ttl-zero", { { TTL, 0 } }, 0, 0, MALFORMED },
	{ "bad-src-zero", { { SRC, 0 } }, 0, 0, MALFORMED },
	{ "bad-dtype", { { DTYPE, 7 } }, 0, 0, MALFORMED },
	{ "bad-frag-idx",
	  { { FRAG_CNT, 2 }, { FRAG_IDX, 2 } },
	  0,
	  0,
	  MALFORMED },
	{ "bad-total-zero", { { TOTAL_LEN, 0 } }, 0, 0, MALFORMED },
	{ "bad-total-huge",
	  { { TOTAL_LEN, HN_TENSOR_MAX_LEN + 1 } },
	  0,
	  0,
	  MALFORMED },
	{ "bad-single-short", { { TOTAL_PLUS, 1 } }, 0, 0, MALFORMED },
	{ "bad-frag-beyond",
	  { { FRAG_CNT, 2 }, { FRAG_OFF, 10 } },
	  0,
	  0,
	  MALFORMED },
	{ "not-tensor-data", { { TYPE, HN_T_DATA } }, 0, 0, NOT_TENSOR },
	{ "not-tensor-ethertype", { { ETH_PROTO, 0x0800 } }, 0, 0, NOT_TENSOR },
	{ "stage-mismatch", { { STAGE_PLUS, 1 } }, 0, 0, STAGE_MISMATCH },
	/* hnhdr.len beyond the frame; then that frame truncated */
	{ "bad-len-beyond", { { LEN_PLUS, 1 } }, 0, 0, MALFORMED },
	{ "bad-truncated", { { LEN_PLUS, 1 } }, 0, ETH_HLEN + 7, MALFORMED },
	{ "bad-tensor-hdr-cut",
	  { { LEN_PLUS, 1 } },
	  0,
	  ETH_HLEN + HN_HDR_LEN + 10,
	  MALFORMED },
	/* a whole, valid tensor of the wrong length */
	{ "dim-mismatch", { { TOTAL_PLUS, -1 } }, 1, 0, DIM_MISMATCH },
};

/* A fragment: its index, count and offset, and @n elements from @src. */
struct bad_frag {
	uint16_t idx, cnt, off, src, n;
};
#define REST 0 /* .n: up to the end of the input */

/*
 * Two fragments of a new tensor: the first is sent, the second must be
 * refused (FRAG_BAD) and the tensor given up.
 */
struct bad_pair {
	const char *name;
	struct bad_frag first, second;
};

static const struct bad_pair bad_pairs[] = {
	/* fragment 1 claims elements fragment 0 already holds */
	{ "frag-overlap", { 0, 3, 0, 0, 16 }, { 1, 3, 8, 0, 16 } },
	/*
	 * One element of overlap, at either end of the new fragment: an
	 * off-by-one in the module's overlap check lets these through.
	 */
	{ "frag-overlap-first-element",
	  { 0, 3, 0, 0, 16 },
	  { 1, 3, 15, 15, 16 } },
	{ "frag-overlap-last-element",
	  { 1, 3, 16, 16, 16 },
	  { 0, 3, 0, 0, 17 } },
	/* every fragment there, one element missing */
	{ "frag-gap", { 0, 2, 0, 0, 16 }, { 1, 2, 17, 17, REST } },
	/* a sibling disagreeing on the fragment count */
	{ "frag-count-differs", { 0, 3, 0, 0, 16 }, { 1, 4, 16, 0, 8 } },
	/* counts that cannot add up: 2 fragments covering half the tensor */
	{ "frag-incomplete-set", { 0, 2, 0, 0, 8 }, { 1, 2, 8, 0, 8 } },
};

/* The test data (random, from the seed) and the stage's input length. */
static int8_t data[HN_TENSOR_MAX_LEN];
static unsigned int n_in;

/* Headers of a new, whole tensor. */
static void hdrs_tensor(struct hdrs *h)
{
	hdrs_default(h);
	h->tensor_id = bad_id++;
	h->total_len = n_in;
}

/* Sets @set's fields in @h; clears *@auto_len if it sets hnhdr.len. */
static void bad_apply(struct hdrs *h, const struct bad_set *set, size_t n,
		      bool *auto_len)
{
	size_t i;

	for (i = 0; i < n && set[i].f != END; i++) {
		int v = set[i].v;

		switch (set[i].f) {
		case VERSION:
			h->version = v;
			break;
		case TYPE:
			h->type = v;
			break;
		case FLAGS:
			h->flags = v;
			break;
		case TTL:
			h->ttl = v;
			break;
		case SRC:
			h->src = v;
			break;
		case DTYPE:
			h->dtype = v;
			break;
		case STAGE_PLUS:
			h->stage = o.stage_id + v;
			break;
		case ETH_PROTO:
			h->eth_proto = v;
			break;
		case FRAG_IDX:
			h->frag_idx = v;
			break;
		case FRAG_CNT:
			h->frag_cnt = v;
			break;
		case FRAG_OFF:
			h->frag_off = v;
			break;
		case TOTAL_LEN:
			h->total_len = v;
			break;
		case TOTAL_PLUS:
			h->total_len = n_in + v;
			break;
		case LEN_PLUS:
			h->len = HN_TENSOR_HDR_LEN + n_in + v;
			*auto_len = false;
			break;
		case END:
			break;
		}
	}
}

static void bad_frame_run(const struct bad_frame *c)
{
	uint8_t buf[FRAME_MAX];
	bool auto_len = true;
	struct hdrs h;
	size_t len;

	hdrs_tensor(&h);
	bad_apply(&h, c->set, ARRAY_SIZE(c->set), &auto_len);
	len = frame_build(buf, &h, data, n_in - c->short_by, auto_len);
	bad_case(c->name, buf, c->cut ? c->cut : len, c->stat, 1);
}

/* Fragment @f of the tensor of @h, into @buf; returns its length. */
static size_t bad_frag_build(uint8_t *buf, struct hdrs *h,
			     const struct bad_frag *f)
{
	h->frag_idx = f->idx;
	h->frag_cnt = f->cnt;
	h->frag_off = f->off;
	return frame_build(buf, h, data + f->src, f->n ? f->n : n_in - f->src,
			   true);
}

static void bad_pair_run(const struct bad_pair *c)
{
	uint8_t buf[FRAME_MAX];
	struct hdrs h;
	size_t len;

	hdrs_tensor(&h);
	frame_send(buf, bad_frag_build(buf, &h, &c->first));
	len = bad_frag_build(buf, &h, &c->second);
	bad_case(c->name, buf, len, FRAG_BAD, 1);
}

/* Duplicate fragment: dropped, the tensor still completes. */
static void bad_frag_duplicate(void)
{
	uint64_t a[__HNET_STATS_A_MAX], b[__HNET_STATS_A_MAX];
	static const struct bad_frag f0 = { 0, 2, 0, 0, 16 };
	static const struct bad_frag f1 = { 1, 2, 16, 16, REST };
	uint8_t buf[FRAME_MAX], first[FRAME_MAX];
	int8_t ref[HN_TENSOR_MAX_LEN];
	struct run r = {};
	struct hdrs h;
	size_t len;
	bool ok;

	get_stats(a);
	hdrs_tensor(&h);
	len = bad_frag_build(first, &h, &f0);
	frame_send(first, len);
	frame_send(first, len);
	frame_send(buf, bad_frag_build(buf, &h, &f1));
	stage_ref(&bad_stage, data, ref);
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
	     b[HNET_STATS_A_DROP_FRAG_DUP] - a[HNET_STATS_A_DROP_FRAG_DUP] == 1;
	result(ok, "frag-duplicate", "completed %u, dup drops +%llu",
	       r.completed,
	       (unsigned long long)(b[HNET_STATS_A_DROP_FRAG_DUP] -
				    a[HNET_STATS_A_DROP_FRAG_DUP]));
	free(r.got);
	free(r.covered);
	free(r.done);
}

/*
 * Reassembly cap: first fragments of 80 tensors; 64 are held, 16
 * dropped; then all time out (with those of the cases above).
 */
static void bad_reasm_limits(void)
{
	uint64_t a[__HNET_STATS_A_MAX], b[__HNET_STATS_A_MAX];
	static const struct bad_frag f0 = { 0, 2, 0, 0, 8 };
	struct hn_genl_dev d = { .inflight = ~0U };
	uint8_t buf[FRAME_MAX];
	unsigned int i;
	struct hdrs h;
	int ret;

	get_stats(a);
	for (i = 0; i < 80; i++) {
		hdrs_tensor(&h);
		frame_send(buf, bad_frag_build(buf, &h, &f0));
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
	ret = get_dev(&d);
	result(!ret && !d.inflight, "reasm-empty", "%u tensors in flight",
	       d.inflight);
}

/* No stage: clear it, send, reload. */
static void bad_no_stage(void)
{
	uint64_t a[__HNET_STATS_A_MAX], b[__HNET_STATS_A_MAX];
	struct hn_genl_sel sel = { .ifname = o.dev };
	uint8_t buf[FRAME_MAX];
	struct hdrs h;
	int ret;

	get_stats(a);
	ret = hn_genl_set_stage(&gl, &sel, NULL, HNET_DEV_F_CLEAR_STAGE);
	hdrs_tensor(&h);
	frame_send(buf, frame_build(buf, &h, data, n_in, true));
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

int bad_frames(void)
{
	size_t i;

	n_in = stage_in(&bad_stage);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (int8_t)rnd();
	for (i = 0; i < ARRAY_SIZE(bad_frames_tab); i++)
		bad_frame_run(&bad_frames_tab[i]);
	bad_frag_duplicate();
	for (i = 0; i < ARRAY_SIZE(bad_pairs); i++)
		bad_pair_run(&bad_pairs[i]);
	bad_reasm_limits();
	bad_no_stage();
	return failures ? 1 : 0;
}
