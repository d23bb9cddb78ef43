// SPDX-License-Identifier: GPL-2.0
/*
 * Federated rounds on the agent (Documentation/federated.rst, "Rounds on
 * the mesh").  For the held campaign whose roster has this node, rounds
 * run one after the other: the node runs the library's node state machine
 * (secagg.h) on the update `hnctl campaign submit` handed it, the round's
 * aggregator the aggregator's.  Every message travels in FED frames
 * (fedxfer.h), unicast through the routers; one to ourselves (the
 * aggregator's own node) goes through a local queue.
 *
 * The aggregator of (round, attempt) is the live roster node (this node,
 * or one it has a route to) of smallest SHA-256(campaign digest, round,
 * attempt, node id); a node that hears nothing from it for a round's
 * longest wait starts attempt + 1, whose aggregator every node computes
 * the same way.  Phase waits decide who dropped.  The aggregator sends
 * every live roster node the round's RESULT (sum, count, survivors),
 * signed with its identity key; a node checks it against the roster,
 * keeps it in the state directory (fedstore.h: every round's, up to
 * FED_KEEP_MAX) and goes on to the next round, so that a restarted node
 * resumes there.  A node that advertises for a round another node has
 * the result of is sent the results from that round on; a node that
 * misses results below its last (it jumped ahead on a later one) asks
 * for them with a FETCH: that is how a node that was away catches up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "campaign.h"
#include "fedstore.h"
#include "fedvec.h"
#include "fedxfer.h"
#include "fileio.h"
#include "hypernetd.h"
#include "robust.h"
#include "secagg.h"

#define FED_RESULT HN_FED_K_RESULT /* FED kind and message type */
#define FED_FETCH HN_FED_K_FETCH
/* results kept: the campaign's rounds, at most this many */
#define FED_KEEP_MAX 64
/* results sent a node at one request; it asks again for the rest */
#define FED_SERVE_MAX 8
/* a node is served at most once a second (catch-up or fetch) */
#define FED_SERVE_NS (1000 * NSEC_PER_MSEC)
#define FED_OUT_MAX 256 /* messages being sent */
#define FED_LOCAL_MAX 16 /* messages to ourselves, queued */
/* a busy aggregator's acknowledgements may take a while: no early resend */
#define FED_RTO_NS (1000 * NSEC_PER_MSEC)
#define FED_WINDOW 64
#define FED_GIVEUP_NS (30 * NSEC_PER_SEC) /* no acknowledgement: dropped */

/* Bits of struct hnd_fed.got: which of a phase's messages came, by node. */
enum {
	G_ADV = 1 << 0, /* U1 */
	G_SHARES = 1 << 1, /* U2 */
	G_MASKED = 1 << 2, /* U3 */
	G_CONSIST = 1 << 3, /* U4 */
	G_UNMASK = 1 << 4, /* U5 */
};

/* The node's side of the round. */
enum fed_phase {
	F_IDLE, /* no round begun */
	F_ADVERTISED,
	F_SHARED,
	F_AWAIT_INPUT, /* has its shares, not its update */
	F_MASKED,
	F_CONSISTED,
	F_UNMASKED,
	F_FINISHED, /* every round of the campaign done */
};

static const char *const phase_names[] = {
	[F_IDLE] = "idle",	   [F_ADVERTISED] = "advertised",
	[F_SHARED] = "shared",	   [F_AWAIT_INPUT] = "awaiting-input",
	[F_MASKED] = "masked",	   [F_CONSISTED] = "consisted",
	[F_UNMASKED] = "unmasked", [F_FINISHED] = "finished",
};

/* The aggregator's: which phase's messages it collects. */
enum agg_phase { A_NONE, A_ADVERTS, A_SHARES, A_MASKED, A_CONSIST, A_UNMASK };

static const char *const agg_names[] = {
	[A_NONE] = "none",	     [A_ADVERTS] = "adverts",
	[A_SHARES] = "shares",	     [A_MASKED] = "masked-inputs",
	[A_CONSIST] = "consistency", [A_UNMASK] = "unmasking",
};

struct fed_local {
	__u32 round;
	__u8 attempt, kind;
	__u8 *buf;
	size_t len;
};

struct hnd_fed {
	/* the campaign rounds run for, parsed; file_sha names it */
	struct hn_campaign cp;
	bool have_cp;
	__u8 file_sha[32];
	__u8 sk[HN_SA_KEY_LEN];
	bool have_sk;

	struct hn_fx_rx rx;
	struct hn_fx_out out[FED_OUT_MAX];
	__u32 msg_id;
	struct fed_local local[FED_LOCAL_MAX];
	unsigned int n_local;

	__u32 round;
	__u8 attempt;
	__u32 agg;
	/*
	 * The grouped defence (campaign groups > 0): this round's group of
	 * this node runs the round's secure aggregation as sub-round
	 * round x 256 + group among its members only.  Without groups the
	 * sub-round is the round and the group the roster.
	 */
	__u32 sub;
	unsigned int *grp; /* by roster index: group in this round */
	unsigned int *gtmp; /* the same, of a round being checked */
	__u32 *ids; /* the roster's ids */
	struct hn_sa_member *gm; /* this round's group's members */
	unsigned int gn, gk, gt, gself;
	enum fed_phase phase;
	__u64 phase_ns;
	struct hn_sa_node nd;
	bool nd_init;
	__u8 *fwd; /* SHARES_FWD kept until the update comes */
	size_t fwd_len;
	__u32 dim;

	__u32 *input;
	__u32 input_round, input_dim;

	struct hn_sa_agg ag;
	bool ag_init;
	enum agg_phase aphase;
	__u64 aphase_ns; /* when it began; A_MASKED: the first input came */
	__u8 *got; /* by roster index, enum G_* */
	__u8 **pend; /* ADVERTISE before we aggregate, by roster index */
	size_t *pend_len;
	__u8 *pend_attempt;
	__u32 *pend_round;

	struct hn_fstore rs; /* the RESULTs kept, by round */
	bool rs_open;
	__u32 res_dim, res_from; /* of the last result taken */
	__u64 *served_ns; /* by roster index: last sent results */
	__u64 fetch_ns; /* last FETCH sent */
	unsigned int fetch_try;
};

_Static_assert(HN_FS_MAX_LEN == HN_FED_MSG_MAX, "a kept result is a message");

/* The last (sub-)round whose result is kept, 0 when none. */
static __u32 res_last(const struct hnd_fed *fd)
{
	return fd->rs_open ? hn_fs_last(&fd->rs) : 0;
}

/* The round of the last result kept, 0 when none. */
static __u32 res_last_round(const struct hnd_fed *fd)
{
	return fd->cp.groups ? res_last(fd) / HN_RB_MAX_GROUPS : res_last(fd);
}

/* Results kept: the campaign's rounds, capped. */
static unsigned int keep_rounds(const struct hnd_fed *fd)
{
	return fd->cp.rounds < FED_KEEP_MAX ? fd->cp.rounds : FED_KEEP_MAX;
}

/* The first round whose results are kept or fetched: the last's window. */
static __u32 keep_from(const struct hnd_fed *fd)
{
	__u32 last = res_last_round(fd);

	return last >= keep_rounds(fd) ? last - keep_rounds(fd) + 1 : 1;
}

static struct hnd_fed *fed_of(struct hnd *d)
{
	if (!d->fed)
		d->fed = calloc(1, sizeof(*d->fed));
	return d->fed;
}

/* Time from @since to @now, 0 if @since is later (stamped this tick). */
static __u64 elapsed(__u64 now, __u64 since)
{
	return now > since ? now - since : 0;
}

static __u32 self(const struct hnd *d)
{
	return d->cfg.node_id;
}

/* ---- sending ------------------------------------------------------------ */

/* The neighbour a frame to @dst goes out to: @dst itself, else its route's. */
static struct hnd_neigh *next_hop(struct hnd *d, __u32 dst)
{
	return hnd_next_hop(d, dst);
}

/* Whether roster node @id counts as live here: us, or reachable. */
static bool live(struct hnd *d, __u32 id)
{
	return id == self(d) || next_hop(d, id);
}

static void send_fed(struct hnd *d, __u32 dst, const struct hn_ctrl_fed *f)
{
	struct hnd_neigh *n = next_hop(d, dst);
	struct hn_ctrl_msg m;

	if (!n)
		return;
	hnd_msg_init(d, &m, HN_T_FED);
	m.ttl = HN_TTL_DEFAULT;
	m.dst = dst;
	m.u.fed = *f;
	if (hnd_send(d, n->port, n->mac, &m))
		return;
	d->st.fed_frag_tx++;
	/* on the wire: Ethernet, hnhdr, fragment header, data, trailer */
	d->st.fed_bytes_tx += 14 + HN_HDR_LEN + sizeof(struct hn_fed_frag) +
			      f->frag_len + HN_AUTH_LEN;
}

/* Fragments of @o due now, out. */
static void pump_one(struct hnd *d, struct hn_fx_out *o, __u64 now)
{
	__u32 idx[FED_WINDOW];
	unsigned int n, i;
	struct hn_ctrl_fed f;

	n = hn_fx_out_due(o, now, FED_RTO_NS, FED_WINDOW, idx, FED_WINDOW);
	for (i = 0; i < n; i++) {
		hn_fx_out_frag(o, idx[i], &f);
		send_fed(d, o->dst, &f);
	}
}

/* Hand message @buf (malloc()ed, taken) of @kind to @dst. */
static void fed_send(struct hnd *d, __u32 dst, __u8 kind, __u8 *buf, size_t len)
{
	struct hnd_fed *fd = d->fed;
	struct hn_fx_hdr h = { fd->cp.id, fd->sub,     ++fd->msg_id,
			       len,	  fd->attempt, kind };
	unsigned int i;

	if (dst == self(d)) {
		if (fd->n_local < FED_LOCAL_MAX) {
			fd->local[fd->n_local++] =
				(struct fed_local){ fd->sub, fd->attempt, kind,
						    buf, len };
			return;
		}
		hnd_log(d, LOG_W, "fed: local queue full");
		free(buf);
		return;
	}
	for (i = 0; i < FED_OUT_MAX && fd->out[i].buf; i++)
		;
	if (i == FED_OUT_MAX ||
	    hn_fx_out_init(&fd->out[i], dst, &h, buf, hnd_now())) {
		d->st.fed_send_fail++;
		hnd_log(d, LOG_W, "fed: cannot send a %s to %u",
			hn_sa_type_name(kind), dst);
		free(buf);
		return;
	}
	d->st.fed_msg_tx++;
	pump_one(d, &fd->out[i], hnd_now());
}

static void pump(struct hnd *d, __u64 now)
{
	struct hnd_fed *fd = d->fed;
	unsigned int i;

	for (i = 0; i < FED_OUT_MAX; i++) {
		struct hn_fx_out *o = &fd->out[i];

		if (!o->buf)
			continue;
		if (elapsed(now, o->progress_ns) > FED_GIVEUP_NS) {
			d->st.fed_send_fail++;
			hn_fx_out_free(o);
			continue;
		}
		pump_one(d, o, now);
	}
}

/* ---- round state -------------------------------------------------------- */

static void agg_reset(struct hnd_fed *fd)
{
	if (fd->ag_init)
		hn_sa_agg_free(&fd->ag);
	fd->ag_init = false;
	fd->aphase = A_NONE;
	if (fd->got)
		memset(fd->got, 0, fd->cp.n);
}

static void node_reset(struct hnd_fed *fd)
{
	if (fd->nd_init)
		hn_sa_node_free(&fd->nd);
	fd->nd_init = false;
	free(fd->fwd);
	fd->fwd = NULL;
	fd->phase = F_IDLE;
	agg_reset(fd);
}

/* Adverts kept for a round up to @upto (all: UINT32_MAX), dropped. */
static void pend_clear(struct hnd_fed *fd, __u32 upto)
{
	unsigned int i;

	for (i = 0; fd->pend && i < fd->cp.n; i++) {
		if (fd->pend[i] && fd->pend_round[i] > upto)
			continue;
		free(fd->pend[i]);
		fd->pend[i] = NULL;
	}
}

static void set_phase(struct hnd_fed *fd, enum fed_phase p)
{
	fd->phase = p;
	fd->phase_ns = hnd_now();
}

/* Everything of the campaign we ran, gone (another campaign, or none). */
static void fed_clear(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	unsigned int i;

	node_reset(fd);
	pend_clear(fd, UINT32_MAX);
	for (i = 0; i < FED_OUT_MAX; i++)
		if (fd->out[i].buf)
			hn_fx_out_free(&fd->out[i]);
	for (i = 0; i < fd->n_local; i++)
		free(fd->local[i].buf);
	fd->n_local = 0;
	hn_fx_rx_free(&fd->rx);
	if (fd->have_cp)
		hn_campaign_free(&fd->cp);
	fd->have_cp = false;
	free(fd->got);
	free(fd->pend);
	free(fd->pend_len);
	free(fd->pend_attempt);
	free(fd->pend_round);
	free(fd->served_ns);
	free(fd->grp);
	free(fd->gtmp);
	free(fd->ids);
	free(fd->gm);
	free(fd->input);
	if (fd->rs_open)
		hn_fs_free(&fd->rs);
	fd->rs_open = false;
	fd->got = NULL;
	fd->pend = NULL;
	fd->pend_len = NULL;
	fd->pend_attempt = NULL;
	fd->pend_round = NULL;
	fd->served_ns = NULL;
	fd->grp = NULL;
	fd->gtmp = NULL;
	fd->ids = NULL;
	fd->gm = NULL;
	fd->input = NULL;
	fd->res_dim = 0;
	fd->fetch_ns = 0;
	fd->fetch_try = 0;
	fd->input_round = 0;
	fd->round = 0;
}

/* ---- groups ------------------------------------------------------------- */

/* The round of sub-round @sub. */
static __u32 sub_round(const struct hnd_fed *fd, __u32 sub)
{
	return fd->cp.groups ? sub / HN_RB_MAX_GROUPS : sub;
}

/* The first sub-round of round @r. */
static __u32 sub_first(const struct hnd_fed *fd, __u32 r)
{
	return fd->cp.groups ? r * HN_RB_MAX_GROUPS : r;
}

/*
 * The groups of round @r into @grp (by roster index; all 0 without
 * groups): robust.h's grouping of the roster, the same at every node.
 */
static void groups_of(const struct hnd_fed *fd, __u32 r, unsigned int *grp)
{
	if (!fd->cp.groups || hn_rb_groups(fd->cp.digest, r, fd->ids, fd->cp.n,
					   fd->cp.groups, grp))
		memset(grp, 0, fd->cp.n * sizeof(*grp));
}

/* This node's sub-round of round @r (fd->gtmp used). */
static __u32 own_sub(struct hnd *d, __u32 r)
{
	struct hnd_fed *fd = d->fed;
	int i = hn_sa_roster_index(fd->cp.roster, fd->cp.n, self(d));

	groups_of(fd, r, fd->gtmp);
	return sub_first(fd, r) + (i < 0 ? 0 : fd->gtmp[i]);
}

/* The round's group of this node: its sub-round, members, k and t. */
static void group_set(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	int me = hn_sa_roster_index(fd->cp.roster, fd->cp.n, self(d));
	unsigned int i;

	groups_of(fd, fd->round, fd->grp);
	fd->gself = me < 0 ? 0 : fd->grp[me];
	fd->sub = sub_first(fd, fd->round) + fd->gself;
	fd->gn = 0;
	for (i = 0; i < fd->cp.n; i++)
		if (fd->grp[i] == fd->gself)
			fd->gm[fd->gn++] = fd->cp.roster[i];
	if (fd->cp.groups) {
		hn_campaign_group_kt(&fd->cp, fd->gn, &fd->gk, &fd->gt);
	} else {
		fd->gk = fd->cp.k;
		fd->gt = fd->cp.t;
	}
}

/* Whether roster node @i is of this node's group this round. */
static bool in_group(const struct hnd_fed *fd, unsigned int i)
{
	return fd->grp[i] == fd->gself;
}

static void config(const struct hnd_fed *fd, struct hn_sa_config *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->campaign, fd->cp.digest, 32);
	c->round = fd->sub;
	c->roster = fd->gm;
	c->n = fd->gn;
	c->k = fd->gk;
	c->t = fd->gt;
	c->dim = fd->dim;
	c->aggregator = fd->agg;
}

/* Live members of this node's group. */
static unsigned int n_live(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	unsigned int i, n = 0;

	for (i = 0; i < fd->cp.n; i++)
		n += in_group(fd, i) && live(d, fd->cp.roster[i].id);
	return n;
}

/* SHA-256(campaign digest, round, attempt, id): an aggregator's rank. */
static void agg_rank(const struct hnd_fed *fd, __u32 round, __u8 attempt,
		     __u32 id, __u8 h[32])
{
	__u8 in[32 + 9];

	memcpy(in, fd->cp.digest, 32);
	hn_sa_put32(in + 32, round);
	in[36] = attempt;
	hn_sa_put32(in + 37, id);
	SHA256(in, sizeof(in), h);
}

/*
 * The aggregator of this (sub-)round and attempt: smallest
 * SHA-256(campaign digest, sub-round, attempt, id) among the live nodes
 * of this node's group (the roster without groups).
 */
static __u32 choose_agg(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	__u8 h[32], best[32];
	__u32 pick = 0, id;
	unsigned int i;

	for (i = 0; i < fd->cp.n; i++) {
		id = fd->cp.roster[i].id;
		if (!in_group(fd, i) || !live(d, id))
			continue;
		agg_rank(fd, fd->sub, fd->attempt, id, h);
		if (!pick || memcmp(h, best, 32) < 0) {
			pick = id;
			memcpy(best, h, 32);
		}
	}
	return pick;
}

/* ---- results ------------------------------------------------------------ */

/*
 * RESULT: the secure-aggregation header (type FED_RESULT, sender the
 * aggregator), then attempt, n summed, survivor count, survivor ids,
 * dimension and the sum's words, all u32 big endian, then the sender's
 * Ed25519 signature over the rest.
 */
static __u8 *result_build(struct hnd *d, const __u32 *sum, unsigned int n,
			  size_t *len)
{
	struct hnd_fed *fd = d->fed;
	unsigned int i, nids = 0;
	size_t blen;
	__u8 *buf, *p;

	for (i = 0; i < fd->cp.n; i++)
		nids += hn_sa_agg_summed(&fd->ag, fd->cp.roster[i].id);
	blen = 16 + 4 * (size_t)nids + 4 * (size_t)fd->dim;
	*len = HN_SA_HDR_LEN + blen + HN_SA_SIG_LEN;
	buf = malloc(*len);
	if (!buf)
		return NULL;
	hn_sa_msg_header(buf, FED_RESULT, fd->cp.digest, fd->sub, self(d),
			 blen);
	p = buf + HN_SA_HDR_LEN;
	hn_sa_put32(p, fd->attempt);
	hn_sa_put32(p + 4, n);
	hn_sa_put32(p + 8, nids);
	p += 12;
	for (i = 0; i < fd->cp.n; i++)
		if (hn_sa_agg_summed(&fd->ag, fd->cp.roster[i].id)) {
			hn_sa_put32(p, fd->cp.roster[i].id);
			p += 4;
		}
	hn_sa_put32(p, fd->dim);
	p += 4;
	for (i = 0; i < fd->dim; i++, p += 4)
		hn_sa_put32(p, sum[i]);
	if (hn_sa_msg_sign(buf, *len, fd->sk)) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct result_view {
	__u32 round, from, attempt, n, nids, dim;
	const __u8 *ids, *sum;
};

/*
 * What any true RESULT satisfies, so that a roster member cannot sign
 * any sum it likes: at least t survivors, each a roster node, listed
 * once and in order, all counted in n; an attempt a FED frame can name;
 * and a signer that ranks before every survivor, as the aggregator it
 * claims to be (it chose itself as the smallest of the live nodes, and
 * each survivor was live to it).  A forger must find an attempt where
 * it outranks t others.  With groups, the sub-round's: a group of the
 * campaign's, signer and survivors its members in that round, at least
 * the group's t of them.  0 or -1.
 */
static int result_plausible(struct hnd_fed *fd, const struct result_view *r)
{
	unsigned int i, g = 0, m = 0, k, t = fd->cp.t;
	__u8 mine[32], theirs[32];
	__u32 id, prev = 0;
	int x;

	if (fd->cp.groups) {
		g = r->round % HN_RB_MAX_GROUPS;
		if (!sub_round(fd, r->round) || g >= fd->cp.groups)
			return -1;
		groups_of(fd, sub_round(fd, r->round), fd->gtmp);
		for (i = 0; i < fd->cp.n; i++)
			m += fd->gtmp[i] == g;
		hn_campaign_group_kt(&fd->cp, m, &k, &t);
		x = hn_sa_roster_index(fd->cp.roster, fd->cp.n, r->from);
		if (x < 0 || fd->gtmp[x] != g)
			return -1;
	}
	if (r->attempt > 0xff || r->nids < t || r->n != r->nids)
		return -1;
	agg_rank(fd, r->round, r->attempt, r->from, mine);
	for (i = 0; i < r->nids; i++) {
		id = hn_sa_get32(r->ids + 4 * (size_t)i);
		x = hn_sa_roster_index(fd->cp.roster, fd->cp.n, id);
		if ((i && id <= prev) || x < 0 ||
		    (fd->cp.groups && fd->gtmp[x] != g))
			return -1;
		prev = id;
		agg_rank(fd, r->round, r->attempt, id, theirs);
		if (memcmp(theirs, mine, 32) < 0)
			return -1;
	}
	return 0;
}

/* A RESULT well formed, of our campaign, signed by its roster sender. */
static int result_parse(struct hnd_fed *fd, const __u8 *buf, size_t len,
			struct result_view *r)
{
	size_t blen;
	int i;

	if (len < HN_SA_HDR_LEN + 16 + HN_SA_SIG_LEN ||
	    buf[0] != HN_SA_VERSION || buf[1] != FED_RESULT ||
	    memcmp(buf + 12, fd->cp.digest, 32))
		return -EBADMSG;
	blen = hn_sa_get32(buf + 44);
	if (blen != len - HN_SA_HDR_LEN - HN_SA_SIG_LEN)
		return -EBADMSG;
	r->round = hn_sa_get32(buf + 4);
	r->from = hn_sa_get32(buf + 8);
	r->attempt = hn_sa_get32(buf + HN_SA_HDR_LEN);
	r->n = hn_sa_get32(buf + HN_SA_HDR_LEN + 4);
	r->nids = hn_sa_get32(buf + HN_SA_HDR_LEN + 8);
	if (r->nids > fd->cp.n || blen < 16 + 4 * (size_t)r->nids)
		return -EBADMSG;
	r->ids = buf + HN_SA_HDR_LEN + 12;
	r->dim = hn_sa_get32(r->ids + 4 * (size_t)r->nids);
	if (!r->dim || blen != 16 + 4 * (size_t)r->nids + 4 * (size_t)r->dim)
		return -EBADMSG;
	r->sum = r->ids + 4 * (size_t)r->nids + 4;
	if (result_plausible(fd, r))
		return -EBADMSG;
	i = hn_sa_roster_index(fd->cp.roster, fd->cp.n, r->from);
	if (i < 0 ||
	    hn_sa_verify(fd->cp.roster[i].key, buf, len - HN_SA_SIG_LEN,
			 buf + len - HN_SA_SIG_LEN) != 1)
		return -EPERM;
	return 0;
}

static void begin(struct hnd *d);

/*
 * The round to run from round @r on: the first whose result of this
 * node's group (sub-round) is not kept.
 */
static __u32 next_round(struct hnd *d, __u32 r)
{
	struct hnd_fed *fd = d->fed;

	while (r <= fd->cp.rounds && hn_fs_has(&fd->rs, own_sub(d, r)))
		r++;
	return r;
}

/* Round @r under way here from now: attempt 0 in this node's group. */
static void round_set(struct hnd *d, __u32 r)
{
	struct hnd_fed *fd = d->fed;

	node_reset(fd);
	fd->round = r;
	fd->attempt = 0;
	group_set(d);
	/* adverts of this round or later that came first are kept */
	pend_clear(fd, sub_first(fd, r) - 1);
}

/*
 * The result of sub-round r->round (@buf, checked): kept.  When it is
 * this node's group's of the round under way, or of a later round, the
 * round here moves on to the first whose group result is not kept (a
 * node that was away jumps ahead, and fetches what it missed); an
 * earlier round's, or another group's, only fills a gap.
 */
static void result_take(struct hnd *d, const __u8 *buf, size_t len,
			const struct result_view *r)
{
	struct hnd_fed *fd = d->fed;
	__u32 rr = sub_round(fd, r->round), next;
	char err[PATH_MAX + 128];

	if (hn_fs_put(&fd->rs, r->round, buf, len, err, sizeof(err)) < 0)
		hnd_log(d, LOG_E, "fed: cannot keep round %u's result: %s",
			r->round, err);
	fd->res_dim = r->dim;
	fd->res_from = r->from;
	/* a later round than ours: the mesh went on, so do we */
	next = next_round(d, rr > fd->round ? rr : fd->round);
	if (next == fd->round) {
		/* an earlier round's, or another group's of this round */
		d->st.fed_filled += rr < fd->round;
		return;
	}
	round_set(d, next);
	d->st.fed_rounds++;
	hnd_log(d, LOG_I,
		"fed: round %u (sub-round %u) complete (aggregator %u, attempt %u): %u updates summed",
		rr, r->round, r->from, r->attempt, r->n);
	hnd_ev_round(d, "campaign-round", rr, r->from, r->attempt, r->n);
}

/* A RESULT (@buf, taken) from the mesh. */
static void on_result(struct hnd *d, __u8 *buf, size_t len)
{
	struct hnd_fed *fd = d->fed;
	struct result_view r;

	if (result_parse(fd, buf, len, &r)) {
		d->st.fed_msg_bad++;
	} else if (!hn_fs_has(&fd->rs, r.round) &&
		   (sub_round(fd, r.round) >= fd->round ||
		    sub_round(fd, r.round) >= keep_from(fd))) {
		result_take(d, buf, len, &r);
	}
	free(buf);
}

/* The store's check: a RESULT of this campaign, its round the id. */
static int result_check(void *ctx, const uint8_t *buf, size_t len, uint32_t *id)
{
	struct result_view r;

	if (result_parse(ctx, buf, len, &r))
		return -1;
	*id = r.round;
	return 0;
}

/*
 * The one file of the agents that kept only their last result
 * (fedround.res), moved into the store.
 */
static void result_migrate(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	char path[PATH_MAX + 16], err[PATH_MAX + 128];
	struct result_view r;
	void *buf;
	size_t len;

	if (snprintf(path, sizeof(path), "%s/fedround.res", d->cfg.state_dir) >=
		    (int)sizeof(path) ||
	    hn_read_file(path, HN_FED_MSG_MAX, 0, &buf, &len, err, sizeof(err)))
		return;
	if (!result_parse(fd, buf, len, &r) &&
	    hn_fs_put(&fd->rs, r.round, buf, len, err, sizeof(err)) >= 0)
		unlink(path);
	free(buf);
}

/*
 * At the campaign's start here: the results kept in the state
 * directory; the rounds resume after the last.  0, or -1 (no store).
 */
static int result_load(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	char err[PATH_MAX + 128];
	struct result_view r;
	__u8 *buf;
	size_t len;
	__u32 last;

	if (hn_fs_open(&fd->rs, d->cfg.state_dir,
		       keep_rounds(fd) * (fd->cp.groups ? fd->cp.groups : 1),
		       result_check, fd, err, sizeof(err))) {
		hnd_log(d, LOG_E, "fed: %s", err);
		return -1;
	}
	fd->rs_open = true;
	result_migrate(d);
	if (fd->rs.refused)
		hnd_log(d, LOG_W,
			"fed: %u result files in %s refused (corrupt, or of another campaign)",
			fd->rs.refused, d->cfg.state_dir);
	while ((last = hn_fs_last(&fd->rs))) {
		if (hn_fs_get(&fd->rs, last, &buf, &len, err, sizeof(err)))
			continue; /* refused: no longer kept */
		result_parse(fd, buf, len, &r);
		free(buf);
		fd->res_dim = r.dim;
		fd->res_from = r.from;
		break;
	}
	round_set(d, next_round(d, last ? res_last_round(fd) : 1));
	if (last)
		hnd_log(d, LOG_I,
			"fed: %u results kept, (sub-)rounds %u to %u; resuming at round %u",
			fd->rs.n, hn_fs_first(&fd->rs), last, fd->round);
	return 0;
}

/* ---- the aggregator ----------------------------------------------------- */

static int roster_pos(struct hnd_fed *fd, __u32 id)
{
	return hn_sa_roster_index(fd->cp.roster, fd->cp.n, id);
}

/* Whether every node with bit @from (0: every live one) has sent @bit. */
static bool all_in(struct hnd *d, __u8 from, __u8 bit)
{
	struct hnd_fed *fd = d->fed;
	unsigned int i;

	for (i = 0; i < fd->cp.n; i++) {
		bool want = from ? fd->got[i] & from :
				   in_group(fd, i) &&
					    live(d, fd->cp.roster[i].id);

		if (want && !(fd->got[i] & bit))
			return false;
	}
	return true;
}

static bool any_in(const struct hnd_fed *fd, __u8 bit)
{
	unsigned int i;

	for (i = 0; i < fd->cp.n; i++)
		if (fd->got[i] & bit)
			return true;
	return false;
}

static void agg_abort(struct hnd *d, const char *why)
{
	struct hnd_fed *fd = d->fed;

	hnd_log(d, LOG_W, "fed: round %u attempt %u: aggregation stops: %s",
		fd->round, fd->attempt, why);
	d->st.fed_agg_failed++;
	agg_reset(fd);
}

/* One message of the aggregator's to every node with bit @to. */
static void agg_to(struct hnd *d, __u8 to, __u8 kind, const __u8 *msg,
		   size_t len)
{
	struct hnd_fed *fd = d->fed;
	unsigned int i;
	__u8 *copy;

	for (i = 0; i < fd->cp.n; i++) {
		if (!(fd->got[i] & to))
			continue;
		copy = malloc(len);
		if (!copy)
			continue;
		memcpy(copy, msg, len);
		fed_send(d, fd->cp.roster[i].id, kind, copy, len);
	}
}

/* The shares forwarded, each node its own. */
static int agg_forward(struct hnd *d, char *err, size_t errlen)
{
	struct hnd_fed *fd = d->fed;
	unsigned int i;
	__u8 *msg;
	size_t len;
	int ret;

	for (i = 0; i < fd->cp.n; i++) {
		if (!(fd->got[i] & G_SHARES))
			continue;
		ret = hn_sa_agg_forward(&fd->ag, fd->cp.roster[i].id, &msg,
					&len, err, errlen);
		if (ret)
			return ret;
		fed_send(d, fd->cp.roster[i].id, HN_SA_SHARES_FWD, msg, len);
	}
	return 0;
}

static void agg_finish(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	struct result_view r = { .round = fd->sub,
				 .from = self(d),
				 .attempt = fd->attempt };
	unsigned int n, i;
	char err[256];
	__u32 *sum = malloc((size_t)fd->dim * 4);
	__u8 *res, *copy;
	size_t len;

	if (!sum || hn_sa_agg_finish(&fd->ag, sum, &n, err, sizeof(err))) {
		free(sum);
		agg_abort(d, sum ? err : "out of memory");
		return;
	}
	res = result_build(d, sum, n, &len);
	free(sum);
	if (!res || result_parse(fd, res, len, &r)) {
		free(res);
		agg_abort(d, "cannot sign the result");
		return;
	}
	for (i = 0; i < fd->cp.n; i++) {
		__u32 id = fd->cp.roster[i].id;

		if (id == self(d) || !live(d, id) || !(copy = malloc(len)))
			continue;
		memcpy(copy, res, len);
		fed_send(d, id, FED_RESULT, copy, len);
	}
	result_take(d, res, len, &r);
	free(res);
}

/* Close the phase being collected: the next one's messages go out. */
static void agg_close(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	char err[256] = "";
	__u8 *msg = NULL;
	size_t len;
	int ret = 0;

	switch (fd->aphase) {
	case A_ADVERTS:
		ret = hn_sa_agg_adv_list(&fd->ag, &msg, &len, err, sizeof(err));
		if (!ret)
			agg_to(d, G_ADV, HN_SA_ADV_LIST, msg, len);
		break;
	case A_SHARES:
		ret = agg_forward(d, err, sizeof(err));
		break;
	case A_MASKED:
		ret = hn_sa_agg_consist_request(&fd->ag, &msg, &len, err,
						sizeof(err));
		if (!ret)
			agg_to(d, G_MASKED, HN_SA_CONSIST_REQ, msg, len);
		break;
	case A_CONSIST:
		ret = hn_sa_agg_unmask_request(&fd->ag, &msg, &len, err,
					       sizeof(err));
		if (!ret)
			agg_to(d, G_CONSIST, HN_SA_UNMASK_REQ, msg, len);
		break;
	case A_UNMASK:
		agg_finish(d);
		return;
	case A_NONE:
		return;
	}
	free(msg);
	if (ret) {
		agg_abort(d, err);
		return;
	}
	fd->aphase++;
	fd->aphase_ns = hnd_now();
}

/* The phase's bits: what it collects, from whom. */
static void agg_bits(enum agg_phase p, __u8 *from, __u8 *bit)
{
	static const __u8 tab[][2] = {
		[A_ADVERTS] = { 0, G_ADV },
		[A_SHARES] = { G_ADV, G_SHARES },
		[A_MASKED] = { G_SHARES, G_MASKED },
		[A_CONSIST] = { G_MASKED, G_CONSIST },
		[A_UNMASK] = { G_CONSIST, G_UNMASK },
	};

	*from = tab[p][0];
	*bit = tab[p][1];
}

/* Close phases whose messages are all in, or whose wait is over. */
static void agg_tick(struct hnd *d, __u64 now)
{
	struct hnd_fed *fd = d->fed;
	__u64 wait;
	__u8 from, bit;

	while (fd->ag_init && fd->aphase != A_NONE) {
		enum agg_phase p = fd->aphase;

		agg_bits(p, &from, &bit);
		wait = (p == A_MASKED ? d->cfg.fed_input_ms :
					d->cfg.fed_phase_ms) *
		       NSEC_PER_MSEC;
		/* the nodes wait for their updates: so does the round */
		if (p == A_MASKED && !any_in(fd, G_MASKED))
			return;
		if (!all_in(d, from, bit) && elapsed(now, fd->aphase_ns) < wait)
			return;
		agg_close(d);
		if (fd->aphase == p)
			return;
	}
}

typedef int (*agg_add_fn)(struct hn_sa_agg *, const __u8 *, size_t, char *,
			  size_t);

/* A node's message to us as the aggregator. */
static void agg_rx(struct hnd *d, __u32 from, __u8 kind, const __u8 *buf,
		   size_t len)
{
	static const struct {
		enum agg_phase phase;
		agg_add_fn add;
	} tab[] = {
		[HN_SA_ADVERTISE] = { A_ADVERTS, hn_sa_agg_add_advertise },
		[HN_SA_SHARES] = { A_SHARES, hn_sa_agg_add_shares },
		[HN_SA_MASKED] = { A_MASKED, hn_sa_agg_add_masked },
		[HN_SA_CONSIST] = { A_CONSIST, hn_sa_agg_add_consist },
		[HN_SA_UNMASK] = { A_UNMASK, hn_sa_agg_add_unmask },
	};
	struct hnd_fed *fd = d->fed;
	int i = roster_pos(fd, from);
	__u8 f, bit;
	char err[256];

	if (i < 0 || kind >= sizeof(tab) / sizeof(tab[0]) || !tab[kind].add ||
	    tab[kind].phase != fd->aphase) {
		d->st.fed_msg_late++;
		return;
	}
	if (tab[kind].add(&fd->ag, buf, len, err, sizeof(err))) {
		d->st.fed_msg_bad++;
		hnd_log(d, LOG_D, "fed: %s from %u refused: %s",
			hn_sa_type_name(kind), from, err);
		return;
	}
	agg_bits(fd->aphase, &f, &bit);
	/* the inputs' wait runs from the first of them */
	if (bit == G_MASKED && !any_in(fd, G_MASKED))
		fd->aphase_ns = hnd_now();
	fd->got[i] |= bit;
	agg_tick(d, hnd_now());
}

/* Aggregate this attempt: with the adverts that came before we did. */
static void agg_begin(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	struct hn_sa_config c;
	char err[256];
	unsigned int i;

	config(fd, &c);
	if (hn_sa_agg_init(&fd->ag, &c, fd->sk, err, sizeof(err))) {
		hnd_log(d, LOG_E, "fed: cannot aggregate: %s", err);
		return;
	}
	fd->ag_init = true;
	fd->aphase = A_ADVERTS;
	fd->aphase_ns = hnd_now();
	memset(fd->got, 0, fd->cp.n);
	hnd_log(d, LOG_I, "fed: aggregating round %u attempt %u", fd->round,
		fd->attempt);
	for (i = 0; i < fd->cp.n && fd->ag_init; i++) {
		__u8 *buf = fd->pend[i];

		if (!buf)
			continue;
		fd->pend[i] = NULL;
		if (fd->pend_attempt[i] == fd->attempt &&
		    fd->pend_round[i] == fd->sub)
			agg_rx(d, fd->cp.roster[i].id, HN_SA_ADVERTISE, buf,
			       fd->pend_len[i]);
		free(buf);
	}
}

/* ---- the node ----------------------------------------------------------- */

/* Mask our update with the shares forwarded: MASKED to the aggregator. */
static void node_mask(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	char err[256];
	__u8 *msg;
	size_t len;

	if (hn_sa_node_mask(&fd->nd, fd->fwd, fd->fwd_len, fd->input, &msg,
			    &len, err, sizeof(err))) {
		hnd_log(d, LOG_W, "fed: round %u: cannot mask: %s", fd->round,
			err);
		d->st.fed_msg_bad++;
		return;
	}
	fed_send(d, fd->agg, HN_SA_MASKED, msg, len);
	set_phase(fd, F_MASKED);
}

typedef int (*node_step_fn)(struct hn_sa_node *, const __u8 *, size_t, __u8 **,
			    size_t *, char *, size_t);

/* The aggregator's message of @kind for the node. */
static void node_rx(struct hnd *d, __u32 from, __u8 kind, const __u8 *buf,
		    size_t len)
{
	static const struct {
		enum fed_phase in, next;
		__u8 reply;
		node_step_fn step;
	} tab[] = {
		[HN_SA_ADV_LIST] = { F_ADVERTISED, F_SHARED, HN_SA_SHARES,
				     hn_sa_node_share },
		[HN_SA_SHARES_FWD] = { F_SHARED, F_AWAIT_INPUT, 0, NULL },
		[HN_SA_CONSIST_REQ] = { F_MASKED, F_CONSISTED, HN_SA_CONSIST,
					hn_sa_node_consist },
		[HN_SA_UNMASK_REQ] = { F_CONSISTED, F_UNMASKED, HN_SA_UNMASK,
				       hn_sa_node_unmask },
	};
	struct hnd_fed *fd = d->fed;
	char err[256];
	__u8 *msg;
	size_t mlen;

	if (from != fd->agg || !fd->nd_init ||
	    kind >= sizeof(tab) / sizeof(tab[0]) || !tab[kind].in ||
	    tab[kind].in != fd->phase) {
		d->st.fed_msg_late++;
		return;
	}
	if (kind == HN_SA_SHARES_FWD) {
		fd->fwd = malloc(len);
		if (!fd->fwd)
			return;
		memcpy(fd->fwd, buf, len);
		fd->fwd_len = len;
		set_phase(fd, F_AWAIT_INPUT);
		if (fd->input && fd->input_round == fd->round)
			node_mask(d);
		return;
	}
	if (tab[kind].step(&fd->nd, buf, len, &msg, &mlen, err, sizeof(err))) {
		hnd_log(d, LOG_W, "fed: round %u: %s refused: %s", fd->round,
			hn_sa_type_name(kind), err);
		d->st.fed_msg_bad++;
		return;
	}
	fed_send(d, fd->agg, tab[kind].reply, msg, mlen);
	set_phase(fd, tab[kind].next);
}

/* Begin the round (or its next attempt) if we can: ADVERTISE out. */
static void begin(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	struct hn_sa_config c;
	char err[256];
	__u8 *msg;
	size_t len;

	if (fd->round > fd->cp.rounds) {
		fd->phase = F_FINISHED;
		return;
	}
	fd->dim = fd->input && fd->input_round == fd->round ? fd->input_dim :
							      fd->res_dim;
	if (!fd->dim)
		return; /* the first round waits for an update's size */
	if (n_live(d) < fd->gt)
		return; /* no round completes: a node just started, alone */
	fd->agg = choose_agg(d);
	config(fd, &c);
	if (hn_sa_node_init(&fd->nd, &c, self(d), fd->sk, err, sizeof(err))) {
		hnd_log_rl(d, &d->rl_rx, LOG_E, "fed: round %u: %s", fd->round,
			   err);
		return;
	}
	if (hn_sa_node_advertise(&fd->nd, &msg, &len, err, sizeof(err))) {
		hnd_log_rl(d, &d->rl_rx, LOG_E, "fed: round %u: %s", fd->round,
			   err);
		hn_sa_node_free(&fd->nd);
		return;
	}
	fd->nd_init = true;
	set_phase(fd, F_ADVERTISED);
	hnd_log(d, LOG_I, "fed: round %u attempt %u, aggregator %u", fd->round,
		fd->attempt, fd->agg);
	if (fd->agg == self(d))
		agg_begin(d);
	fed_send(d, fd->agg, HN_SA_ADVERTISE, msg, len);
}

/* ---- messages in -------------------------------------------------------- */

/*
 * The kept results of the @n rounds @ids (increasing) to roster node
 * @from, FED_SERVE_MAX at most, each its own RESULT; a node is served
 * once a second at most (it asks again for the rest).
 */
static void serve(struct hnd *d, __u32 from, const __u32 *ids, unsigned int n)
{
	struct hnd_fed *fd = d->fed;
	int i = roster_pos(fd, from);
	unsigned int j, sent = 0;
	__u64 now = hnd_now();
	char err[PATH_MAX + 128];
	__u8 *buf;
	size_t len;

	if (i < 0 || from == self(d) ||
	    (fd->served_ns[i] && elapsed(now, fd->served_ns[i]) < FED_SERVE_NS))
		return;
	for (j = 0; j < n && sent < FED_SERVE_MAX; j++) {
		if (hn_fs_get(&fd->rs, ids[j], &buf, &len, err, sizeof(err)))
			continue;
		fed_send(d, from, FED_RESULT, buf, len);
		d->st.fed_catch_up++;
		sent++;
	}
	if (sent)
		fd->served_ns[i] = now;
}

/*
 * Whether an ADVERTISE for sub-round @sub comes from a node behind: we
 * keep that sub-round's result (or, without groups, a later one).
 */
static bool behind(const struct hnd_fed *fd, __u32 sub)
{
	return fd->cp.groups ? hn_fs_has(&fd->rs, sub) : sub <= res_last(fd);
}

/*
 * An ADVERTISE for a sub-round we know the result of: the results from
 * its round on (every group's).
 */
static void catch_up(struct hnd *d, __u32 from, __u32 sub)
{
	struct hnd_fed *fd = d->fed;
	__u32 ids[FED_SERVE_MAX], first = sub_first(fd, sub_round(fd, sub));
	unsigned int n = 0, j;

	for (j = 0; j < fd->rs.n && n < FED_SERVE_MAX; j++)
		if (fd->rs.ids[j] >= first)
			ids[n++] = fd->rs.ids[j];
	serve(d, from, ids, n);
}

/*
 * FETCH: the secure-aggregation header (type FED_FETCH, round the
 * sender's, sender the node asking), a count m (u32 BE, 1 ..
 * FED_KEEP_MAX) and m round ids (u32 BE, increasing), then the sender's
 * Ed25519 signature.  The rounds below the last kept, in its window,
 * whose results are missing here: asked of one live roster node at a
 * time (the last result's sender first, then the others in turn), once
 * per fed-phase-ms while any is missing.
 */
/*
 * The (sub-)rounds whose results are missing here, the first
 * FED_KEEP_MAX, into @ids: the rounds from the window's start to the
 * last kept (without groups) or to the one under way (every group's).
 */
static unsigned int missing(const struct hnd_fed *fd, __u32 *ids)
{
	__u32 r, g, sub, upto = fd->cp.groups ? fd->round : res_last(fd);
	unsigned int n = 0, ng = fd->cp.groups ? fd->cp.groups : 1;

	for (r = keep_from(fd); res_last(fd) && r < upto; r++)
		for (g = 0; g < ng; g++) {
			sub = sub_first(fd, r) + g;
			if (hn_fs_has(&fd->rs, sub))
				continue;
			if (n == FED_KEEP_MAX)
				return n;
			ids[n++] = sub;
		}
	return n;
}

static void fetch_tick(struct hnd *d, __u64 now)
{
	struct hnd_fed *fd = d->fed;
	__u32 ids[FED_KEEP_MAX], to = 0, m;
	unsigned int i, n_cand = 0, pick;
	__u8 *buf, *p;
	size_t len;

	if (fd->fetch_ns &&
	    elapsed(now, fd->fetch_ns) < d->cfg.fed_phase_ms * NSEC_PER_MSEC)
		return;
	m = missing(fd, ids);
	if (!m) {
		fd->fetch_try = 0;
		return;
	}
	for (i = 0; i < fd->cp.n; i++)
		n_cand += fd->cp.roster[i].id != self(d) &&
			  live(d, fd->cp.roster[i].id);
	if (!n_cand)
		return;
	to = fd->fetch_try++ ? 0 : fd->res_from;
	if (!to || to == self(d) || !live(d, to)) {
		pick = fd->fetch_try % n_cand;
		for (i = 0; i < fd->cp.n; i++) {
			__u32 id = fd->cp.roster[i].id;

			if (id == self(d) || !live(d, id))
				continue;
			to = id;
			if (!pick--)
				break;
		}
	}
	len = HN_SA_HDR_LEN + 4 + 4 * (size_t)m + HN_SA_SIG_LEN;
	buf = malloc(len);
	if (!buf)
		return;
	hn_sa_msg_header(buf, FED_FETCH, fd->cp.digest, fd->round, self(d),
			 4 + 4 * m);
	p = buf + HN_SA_HDR_LEN;
	hn_sa_put32(p, m);
	for (i = 0; i < m; i++)
		hn_sa_put32(p + 4 + 4 * i, ids[i]);
	if (hn_sa_msg_sign(buf, len, fd->sk)) {
		free(buf);
		return;
	}
	fd->fetch_ns = now;
	d->st.fed_fetch_tx++;
	hnd_log(d, LOG_I,
		"fed: asking %u for %u missing results ((sub-)rounds %u..%u)",
		to, m, ids[0], ids[m - 1]);
	fed_send(d, to, FED_FETCH, buf, len);
}

/* A FETCH from @from: well formed, its own and signed, then served. */
static void on_fetch(struct hnd *d, __u32 from, const __u8 *buf, size_t len)
{
	struct hnd_fed *fd = d->fed;
	__u32 ids[FED_KEEP_MAX], m, j;
	int i = roster_pos(fd, from);

	if (len < HN_SA_HDR_LEN + 4 + HN_SA_SIG_LEN ||
	    buf[0] != HN_SA_VERSION || buf[1] != FED_FETCH ||
	    memcmp(buf + 12, fd->cp.digest, 32) ||
	    hn_sa_get32(buf + 8) != from ||
	    hn_sa_get32(buf + 44) != len - HN_SA_HDR_LEN - HN_SA_SIG_LEN)
		goto bad;
	m = hn_sa_get32(buf + HN_SA_HDR_LEN);
	if (!m || m > FED_KEEP_MAX ||
	    len != HN_SA_HDR_LEN + 4 + 4 * (size_t)m + HN_SA_SIG_LEN)
		goto bad;
	for (j = 0; j < m; j++) {
		ids[j] = hn_sa_get32(buf + HN_SA_HDR_LEN + 4 + 4 * j);
		if (j && ids[j] <= ids[j - 1])
			goto bad;
	}
	if (i < 0 ||
	    hn_sa_verify(fd->cp.roster[i].key, buf, len - HN_SA_SIG_LEN,
			 buf + len - HN_SA_SIG_LEN) != 1)
		goto bad;
	d->st.fed_fetch_rx++;
	serve(d, from, ids, m);
	return;
bad:
	d->st.fed_msg_bad++;
}

/* A whole message @buf (taken) from @from of (round, attempt). */
static void fed_msg(struct hnd *d, __u32 from, __u32 round, __u8 attempt,
		    __u8 kind, __u8 *buf, size_t len)
{
	struct hnd_fed *fd = d->fed;
	int i = roster_pos(fd, from);

	d->st.fed_msg_rx++;
	if (kind == FED_RESULT) {
		on_result(d, buf, len);
		return;
	}
	if (kind == FED_FETCH) {
		on_fetch(d, from, buf, len);
	} else if (kind == HN_SA_ADVERTISE && behind(fd, round)) {
		catch_up(d, from, round);
	} else if (kind == HN_SA_ADVERTISE &&
		   (sub_round(fd, round) == fd->round + 1 ||
		    (round == fd->sub &&
		     (!fd->ag_init || attempt != fd->attempt)))) {
		/*
		 * Before we aggregate this attempt, for a later one, or for
		 * the next round before this one's result reached us.
		 */
		free(fd->pend[i]);
		fd->pend[i] = buf;
		fd->pend_len[i] = len;
		fd->pend_attempt[i] = attempt;
		fd->pend_round[i] = round;
		return;
	} else if (round != fd->sub) {
		d->st.fed_msg_late++;
	} else if (attempt != fd->attempt) {
		d->st.fed_msg_late++;
	} else if (kind == HN_SA_ADVERTISE || kind == HN_SA_SHARES ||
		   kind == HN_SA_MASKED || kind == HN_SA_CONSIST ||
		   kind == HN_SA_UNMASK) {
		if (fd->ag_init)
			agg_rx(d, from, kind, buf, len);
		else
			d->st.fed_msg_late++;
	} else {
		node_rx(d, from, kind, buf, len);
	}
	free(buf);
}

static void drain_local(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	struct fed_local l;

	while (fd->n_local) {
		l = fd->local[0];
		memmove(fd->local, fd->local + 1,
			--fd->n_local * sizeof(fd->local[0]));
		fed_msg(d, self(d), l.round, l.attempt, l.kind, l.buf, l.len);
	}
}

static void send_sack(struct hnd *d, __u32 to, const struct hn_fx_in *in)
{
	struct hn_ctrl_fed f;

	hn_fx_rx_sack(in, &f);
	send_fed(d, to, &f);
}

void hnd_fed_rx(struct hnd *d, const struct hn_ctrl_msg *m)
{
	struct hnd_fed *fd = d->fed;
	const struct hn_ctrl_fed *f = &m->u.fed;
	struct hn_fx_in *in;
	enum hn_fx_res res;
	unsigned int i;
	__u8 *buf;

	d->st.fed_frag_rx++;
	if (!fd || !fd->have_cp || m->dst != self(d) ||
	    f->campaign != fd->cp.id ||
	    hn_sa_roster_index(fd->cp.roster, fd->cp.n, m->src) < 0) {
		d->st.fed_ignored++;
		return;
	}
	if (f->op == HN_FED_SACK) {
		for (i = 0; i < FED_OUT_MAX; i++) {
			struct hn_fx_out *o = &fd->out[i];

			if (o->buf && o->dst == m->src &&
			    o->h.msg_id == f->msg_id &&
			    hn_fx_out_sack(o, f, hnd_now()) == 1)
				hn_fx_out_free(o);
		}
		return;
	}
	res = hn_fx_rx_add(&fd->rx, m->src, f, hnd_now(), &in);
	if (!in) {
		d->st.fed_refused++;
		return;
	}
	if (hn_fx_rx_sack_due(in, res))
		send_sack(d, m->src, in);
	if (res != HN_FX_COMPLETE)
		return;
	buf = hn_fx_rx_take(&fd->rx, in);
	if (buf)
		fed_msg(d, m->src, f->round, f->attempt, f->kind, buf,
			f->total_len);
	drain_local(d);
}

/* ---- the campaign ------------------------------------------------------- */

/* Receive caps: two messages per roster node, each up to the largest. */
static int rx_init(struct hnd_fed *fd)
{
	struct hn_fx_limits lim = {
		.slots = 4 * fd->cp.n + 16,
		.peer_live = 2,
		.peer_bytes = 2 * (size_t)HN_FED_MSG_MAX,
		.total_bytes = 64u << 20,
		.timeout_ns = 60 * NSEC_PER_SEC,
	};

	return hn_fx_rx_init(&fd->rx, &lim);
}

/* The held campaign, if it changed: rounds start over for it. */
static void sync_campaign(struct hnd *d)
{
	struct hnd_fed *fd = d->fed;
	const struct hnd_campaign *cp = &d->cp;
	char err[256];
	unsigned int n, i;

	if (fd->have_cp && cp->file && !memcmp(fd->file_sha, cp->file_sha, 32))
		return;
	if (!fd->have_cp &&
	    (!cp->file || cp->member <= 0 || (cp->flags & HN_CP_F_STOPPED) ||
	     !memcmp(fd->file_sha, cp->file_sha, 32)))
		return;
	if (fd->have_cp)
		fed_clear(d);
	memcpy(fd->file_sha, cp->file_sha, 32);
	if (!cp->file || cp->member <= 0 || (cp->flags & HN_CP_F_STOPPED))
		return;
	if (!fd->have_sk &&
	    hn_key_private_raw(d->cfg.identity_key, fd->sk, err, sizeof(err))) {
		hnd_log(d, LOG_E, "fed: identity-key: %s", err);
		return;
	}
	fd->have_sk = true;
	if (hn_campaign_parse(cp->file, cp->len, &fd->cp, err, sizeof(err)))
		return;
	fd->have_cp = true;
	n = fd->cp.n;
	fd->got = calloc(n, 1);
	fd->pend = calloc(n, sizeof(*fd->pend));
	fd->pend_len = calloc(n, sizeof(*fd->pend_len));
	fd->pend_attempt = calloc(n, 1);
	fd->pend_round = calloc(n, sizeof(*fd->pend_round));
	fd->served_ns = calloc(n, sizeof(*fd->served_ns));
	fd->grp = calloc(n, sizeof(*fd->grp));
	fd->gtmp = calloc(n, sizeof(*fd->gtmp));
	fd->ids = calloc(n, sizeof(*fd->ids));
	fd->gm = calloc(n, sizeof(*fd->gm));
	if (!fd->got || !fd->pend || !fd->pend_len || !fd->pend_attempt ||
	    !fd->pend_round || !fd->served_ns || !fd->grp || !fd->gtmp ||
	    !fd->ids || !fd->gm || rx_init(fd)) {
		fed_clear(d);
		return;
	}
	for (i = 0; i < n; i++)
		fd->ids[i] = fd->cp.roster[i].id;
	fd->round = 1;
	fd->attempt = 0;
	fd->phase = F_IDLE;
	/* message ids from the clock: a restart reuses none still known */
	fd->msg_id = (__u32)(hnd_unix_now() * 1000 + hnd_now() / NSEC_PER_MSEC);
	if (result_load(d))
		fed_clear(d);
}

/* Heard nothing for a round's longest wait: the next attempt. */
static void node_timeout(struct hnd *d, __u64 now)
{
	struct hnd_fed *fd = d->fed;
	__u64 wait = (d->cfg.fed_input_ms + 6ULL * d->cfg.fed_phase_ms) *
		     NSEC_PER_MSEC;

	/* awaiting-input: the node itself is what the round waits for */
	if (fd->phase == F_IDLE || fd->phase == F_FINISHED ||
	    fd->phase == F_AWAIT_INPUT || elapsed(now, fd->phase_ns) < wait ||
	    fd->attempt == 255)
		return;
	hnd_log(d, LOG_N,
		"fed: round %u attempt %u: nothing from aggregator %u, next attempt",
		fd->round, fd->attempt, fd->agg);
	hnd_ev_round(d, "campaign-attempt", fd->round, fd->agg, fd->attempt,
		     -1);
	node_reset(fd);
	fd->attempt++;
	d->st.fed_attempts++;
}

void hnd_fed_tick(struct hnd *d, __u64 now)
{
	struct hnd_fed *fd = fed_of(d);

	if (!fd)
		return;
	sync_campaign(d);
	if (!fd->have_cp)
		return;
	hn_fx_rx_expire(&fd->rx, now);
	pump(d, now);
	drain_local(d);
	node_timeout(d, now);
	fetch_tick(d, now);
	if (fd->phase == F_IDLE)
		begin(d);
	agg_tick(d, now);
	drain_local(d);
}

void hnd_fed_free(struct hnd *d)
{
	if (!d->fed)
		return;
	fed_clear(d);
	OPENSSL_cleanse(d->fed->sk, sizeof(d->fed->sk));
	free(d->fed);
	d->fed = NULL;
}

/* ---- control socket ----------------------------------------------------- */

int hnd_fed_submit(struct hnd *d, long round, const void *buf, size_t len,
		   char *err, size_t errlen)
{
	struct hnd_fed *fd = fed_of(d);
	__u32 *vals, n;

	if (fd)
		sync_campaign(d); /* one that came since the last tick */
	if (!fd || !fd->have_cp)
		return hn_seterr(
			err, errlen,
			"no campaign with this node in its roster is running");
	if (round < 0)
		round = fd->round;
	if (round < fd->round || round > fd->cp.rounds)
		return hn_seterr(err, errlen,
				 "round %ld: the campaign is at round %u of %u",
				 round, fd->round, fd->cp.rounds);
	if (hn_fv_parse(buf, len, &vals, &n, err, errlen))
		return -1;
	if ((fd->res_dim && n != fd->res_dim) ||
	    (fd->nd_init && round == fd->round && n != fd->dim)) {
		free(vals);
		return hn_seterr(err, errlen,
				 "update of %u values, the campaign's have %u",
				 n, fd->res_dim ? fd->res_dim : fd->dim);
	}
	free(fd->input);
	fd->input = vals;
	fd->input_round = round;
	fd->input_dim = n;
	if (fd->phase == F_AWAIT_INPUT && round == fd->round)
		node_mask(d);
	drain_local(d);
	return 0;
}

static void ids_json(struct jsonw *w, const __u8 *ids, __u32 n)
{
	__u32 i;

	jsonw_name(w, "survivors");
	jsonw_arr_open(w);
	for (i = 0; i < n; i++)
		jsonw_u64(w, hn_sa_get32(ids + 4 * i));
	jsonw_arr_close(w);
}

/* Why round @round's result is not served here, into @err: -1. */
static int result_absent(struct hnd_fed *fd, long round, char *err,
			 size_t errlen)
{
	__u32 rr = round > UINT32_MAX ? UINT32_MAX : sub_round(fd, round);

	if (rr >= fd->round)
		return hn_seterr(err, errlen,
				 "round %ld not complete: round %u is %s",
				 round, fd->round, phase_names[fd->phase]);
	if (rr < keep_from(fd) || !rr)
		return hn_seterr(
			err, errlen,
			"round %ld: no longer kept (rounds from %u on are)",
			round, keep_from(fd));
	return hn_seterr(err, errlen, "round %ld: missed here, being fetched",
			 round);
}

int hnd_fed_result(struct hnd *d, long round, int how, FILE *f, struct jsonw *w,
		   char *err, size_t errlen)
{
	struct hnd_fed *fd = fed_of(d);
	struct result_view r;
	__u32 *sum, i;
	__u8 *img, *buf;
	size_t len;

	if (!fd || !fd->have_cp)
		return hn_seterr(err, errlen, "no campaign rounds here");
	if (round < 0)
		round = res_last(fd) ? (long)res_last(fd) : (long)fd->round;
	if (round > UINT32_MAX ||
	    hn_fs_get(&fd->rs, round, &buf, &len, err, errlen))
		return result_absent(fd, round, err, errlen);
	result_parse(fd, buf, len, &r);
	if (how == 'o') {
		sum = malloc((size_t)r.dim * 4);
		for (i = 0; sum && i < r.dim; i++)
			sum[i] = hn_sa_get32(r.sum + 4 * (size_t)i);
		if (!sum || hn_fv_build(sum, r.dim, &img, &len)) {
			free(sum);
			free(buf);
			return hn_seterr(err, errlen, "out of memory");
		}
		fwrite(img, 1, len, f);
		free(img);
		free(sum);
	} else if (w) {
		jsonw_obj_open(w);
		jsonw_kv_u64(w, "round", r.round);
		jsonw_kv_u64(w, "attempt", r.attempt);
		jsonw_kv_u64(w, "aggregator", r.from);
		jsonw_kv_u64(w, "n_summed", r.n);
		jsonw_kv_u64(w, "dim", r.dim);
		ids_json(w, r.ids, r.nids);
		jsonw_obj_close(w);
	} else {
		fprintf(f,
			"round %u: %u updates summed by %u (attempt %u), %u values; survivors",
			r.round, r.n, r.from, r.attempt, r.dim);
		for (i = 0; i < r.nids; i++)
			fprintf(f, " %u", hn_sa_get32(r.ids + 4 * (size_t)i));
		fprintf(f, "\n");
	}
	free(buf);
	return 0;
}

void hnd_fed_status(struct hnd *d, struct jsonw *w, FILE *f)
{
	struct hnd_fed *fd = d->fed;

	if (!fd || !fd->have_cp)
		return;
	if (!w) {
		fprintf(f,
			"  round %u attempt %u: %s, aggregator %u%s%s; last result: round %u (%u kept, from round %u on)\n",
			fd->round, fd->attempt, phase_names[fd->phase], fd->agg,
			fd->ag_init ? ", this node aggregating: " : "",
			fd->ag_init ? agg_names[fd->aphase] : "",
			res_last_round(fd), fd->rs.n, keep_from(fd));
		if (fd->cp.groups)
			fprintf(f,
				"  group %u of %u (%u members): sub-round %u\n",
				fd->gself, fd->cp.groups, fd->gn, fd->sub);
		return;
	}
	jsonw_name(w, "round");
	jsonw_obj_open(w);
	jsonw_kv_u64(w, "round", fd->round);
	jsonw_kv_u64(w, "attempt", fd->attempt);
	jsonw_kv_str(w, "phase", phase_names[fd->phase]);
	jsonw_kv_u64(w, "aggregator", fd->agg);
	jsonw_kv_str(w, "aggregating",
		     fd->ag_init ? agg_names[fd->aphase] : "no");
	jsonw_kv_u64(w, "input_round", fd->input ? fd->input_round : 0);
	jsonw_kv_u64(w, "done_round", fd->round - 1);
	jsonw_kv_u64(w, "last_result_round", res_last_round(fd));
	jsonw_kv_u64(w, "first_result_round",
		     sub_round(fd, hn_fs_first(&fd->rs)));
	jsonw_kv_u64(w, "results_kept", fd->rs.n);
	jsonw_kv_u64(w, "keep_from", keep_from(fd));
	jsonw_kv_u64(w, "groups", fd->cp.groups);
	jsonw_kv_u64(w, "group", fd->gself);
	jsonw_kv_u64(w, "sub_round", fd->sub);
	jsonw_kv_u64(w, "dim", fd->dim);
	jsonw_obj_close(w);
}
