// SPDX-License-Identifier: GPL-2.0
/*
 * The oracle: what a HyperNet router should do with a frame, built on the
 * project's own validation (frame.h) and de-duplication window
 * (dataplane.h).  Forwarding follows Documentation/dataplane.rst for a
 * router with no model loaded and stale-ms 0 (every neighbour live): a
 * unicast frame takes its route's default candidate, an anycast frame the
 * nearest host.  Floods follow hx_flood(), the one place that says what
 * the flood contract is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include <hypernet/route.h>

#define HX_CTR_NAME(id, name) [HX_C_##id] = name,
const char *const hx_ctr_name[HX_NCTR] = { HX_CTRS(HX_CTR_NAME) };
#undef HX_CTR_NAME

bool hx_xdp_meta = true;

_Static_assert(HX_C_BAD_TENSOR - HX_C_BAD_TRUNCATED ==
		       HN_ERR_TENSOR - HN_ERR_TRUNCATED,
	       "bad_* counters follow enum hn_frame_err");

static const __u8 hx_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int hx_router_init(struct hx_router *r, const char *name, __u32 node)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->node = node;
	r->win = calloc(HX_WIN_SLOTS, sizeof(*r->win));
	return r->win ? 0 : -ENOMEM;
}

void hx_router_free(struct hx_router *r)
{
	free(r->win);
	r->win = NULL;
}

int hx_port_index(const struct hx_router *r, const char *name)
{
	int i;

	for (i = 0; i < r->nports; i++)
		if (!strcmp(r->port[i].name, name))
			return i;
	return -1;
}

/* ---- configuration, in hnctl's own words --------------------------------- */

static int hx_words(char *s, char **w, int max)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(s, " \t", &save); t && n < max;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return t ? -1 : n;
}

static int hx_num(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !*s || *end || errno || *v > max ? -1 : 0;
}

static int hx_mac(const char *s, __u8 mac[6])
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		mac[i] = b[i];
	}
	return 0;
}

/* "IDX node N dev DEV mac MAC [feature value]..." */
int hx_parse_neigh(struct hx_router *r, const char *spec)
{
	char buf[512], *w[32];
	unsigned long long v;
	struct hx_neigh nb = { .valid = true, .port = -1 };
	bool node = false, mac = false;
	int n, i, idx;

	snprintf(buf, sizeof(buf), "%s", spec);
	n = hx_words(buf, w, 32);
	if (n < 1 || hx_num(w[0], HN_DP_MAX_NEIGH - 1, &v))
		return -1;
	idx = v;
	for (i = 1; i + 1 < n; i += 2) {
		if (!strcmp(w[i], "node")) {
			if (hx_num(w[i + 1], UINT32_MAX, &v) || !v)
				return -1;
			nb.node = v;
			node = true;
		} else if (!strcmp(w[i], "dev")) {
			nb.port = hx_port_index(r, w[i + 1]);
		} else if (!strcmp(w[i], "mac")) {
			if (hx_mac(w[i + 1], nb.mac))
				return -1;
			mac = true;
		}
	}
	if (!node || !mac || i != n)
		return -1;
	r->neigh[idx] = nb;
	return 0;
}

/* "DST via IDX[:HOPS]... [default IDX]", the default as hnctl picks it */
int hx_parse_route(struct hx_router *r, const char *spec)
{
	char buf[512], *w[32], *colon;
	unsigned long long v, hops;
	struct hx_route rt = { 0 };
	int n, i, def_neigh = -1;

	snprintf(buf, sizeof(buf), "%s", spec);
	n = hx_words(buf, w, 32);
	if (n < 3 || hx_num(w[0], UINT32_MAX, &v) || !v ||
	    strcmp(w[1], "via") || r->nroutes == HX_MAX_ROUTES)
		return -1;
	rt.dst = v;
	for (i = 2; i < n; i++) {
		if (!strcmp(w[i], "default")) {
			if (i + 1 >= n ||
			    hx_num(w[i + 1], HN_DP_MAX_NEIGH - 1, &v))
				return -1;
			def_neigh = v;
			i++;
			continue;
		}
		hops = 1;
		colon = strchr(w[i], ':');
		if (colon) {
			*colon = 0;
			if (hx_num(colon + 1, 15, &hops))
				return -1;
		}
		if (hx_num(w[i], HN_DP_MAX_NEIGH - 1, &v) ||
		    rt.n == HN_DP_MAX_CAND)
			return -1;
		rt.neigh[rt.n] = v;
		rt.hops[rt.n] = hops;
		/* hnctl: the shortest candidate, the first of equals */
		if (hn_scale_hops(hops) < hn_scale_hops(rt.hops[rt.def]))
			rt.def = rt.n;
		rt.n++;
	}
	if (def_neigh >= 0) {
		for (i = 0; i < rt.n && rt.neigh[i] != def_neigh; i++)
			;
		if (i == rt.n)
			return -1;
		rt.def = i;
	}
	r->route[r->nroutes++] = rt;
	return 0;
}

/* "ID host NODE..." */
int hx_parse_task(struct hx_router *r, const char *spec)
{
	char buf[512], *w[32];
	unsigned long long v;
	struct hx_task t = { 0 };
	int n, i;

	snprintf(buf, sizeof(buf), "%s", spec);
	n = hx_words(buf, w, 32);
	if (n < 3 || hx_num(w[0], UINT32_MAX, &v) || r->ntasks == HX_MAX_TASKS)
		return -1;
	t.id = v;
	for (i = 1; i + 1 < n; i += 2) {
		if (strcmp(w[i], "host") || t.n == HN_DP_MAX_CAND ||
		    hx_num(w[i + 1], UINT32_MAX, &v) || !v)
			return -1;
		t.host[t.n++] = v;
	}
	if (i != n)
		return -1;
	r->task[r->ntasks++] = t;
	return 0;
}

int hx_add_group(struct hx_router *r, __u32 group)
{
	if (r->ngroups == HX_MAX_GROUPS)
		return -1;
	r->group[r->ngroups++] = group;
	return 0;
}

static const struct hx_route *hx_route(const struct hx_router *r, __u32 dst)
{
	int i;

	for (i = 0; i < r->nroutes; i++)
		if (r->route[i].dst == dst)
			return &r->route[i];
	return NULL;
}

static const struct hx_task *hx_task(const struct hx_router *r, __u32 id)
{
	int i;

	for (i = 0; i < r->ntasks; i++)
		if (r->task[i].id == id)
			return &r->task[i];
	return NULL;
}

static const struct hx_neigh *hx_nb(const struct hx_router *r, unsigned idx)
{
	return idx < HN_DP_MAX_NEIGH && r->neigh[idx].valid ? &r->neigh[idx] :
							      NULL;
}

__u32 hx_direct_node(const struct hx_router *r, int port)
{
	const struct hx_neigh *nb;
	int i;

	for (i = 0; i < r->nroutes; i++) {
		const struct hx_route *rt = &r->route[i];

		nb = hx_nb(r, rt->neigh[rt->def]);
		if (nb && nb->port == port && nb->node == rt->dst &&
		    rt->hops[rt->def] == 1)
			return rt->dst;
	}
	return 0;
}

static bool hx_member(const struct hx_router *r, __u32 group)
{
	int i;

	if (group == HN_GROUP_ALL)
		return true;
	for (i = 0; i < r->ngroups; i++)
		if (r->group[i] == group)
			return true;
	return false;
}

/* ---- de-duplication windows ---------------------------------------------- */

static struct hx_win *hx_win_slot(const struct hx_router *r, __u32 src)
{
	__u32 i = (src * 0x9E3779B1U) & (HX_WIN_SLOTS - 1), n;

	for (n = 0; n < HX_WIN_SLOTS; n++, i = (i + 1) & (HX_WIN_SLOTS - 1))
		if (!r->win[i].used || r->win[i].src == src)
			return &r->win[i];
	return NULL;
}

int hx_window_peek(const struct hx_router *r, __u32 src, __u32 seq)
{
	const struct hx_win *w = hx_win_slot(r, src);
	int verdict = HN_DP_MC_NEW;

	if (w && w->used)
		hn_dp_mcast_win_add(w->win, seq, &verdict);
	return verdict;
}

/* ---- output -------------------------------------------------------------- */

static __u8 *hx_emit(struct hx_verdict *v, int port, const __u8 *f, size_t len)
{
	struct hx_out *o = &v->out[v->n_out++];

	o->port = port;
	o->len = len;
	memcpy(o->buf, f, len);
	return o->buf;
}

static struct hnhdr *hx_hn(__u8 *f)
{
	return (struct hnhdr *)(f + HX_ETH_HLEN);
}

/*
 * THE FLOOD CONTRACT (issue 12), in one place: whether a frame that may be
 * a flood is copied, and where.  @at says how XDP saw frame @f, which
 * arrived on port @in of router @r.  Change it here when the contract does.
 *
 *  - tagged (802.1Q, 802.1ad) HyperNet frames: XDP passes them untouched
 *    (pass_other) and the TC helper copies nothing;
 *  - node id unset: XDP passes every HyperNet frame (pass_unconfigured)
 *    and the TC helper copies nothing;
 *  - a valid HN_F_MCAST frame of a configured router:
 *    - control floods (every type but HN_T_DATA and HN_T_TENSOR,
 *      hn_dp_ctrl_type()) have their own windows, which only the agent
 *      creates; no agent runs here, so no source is confirmed
 *      (mcast_unconfirmed): to a member group, up to the stack for the
 *      agent, not copied (mcast_slow; hnhdr.reserved is marked, which
 *      only the stack sees); to another group, dropped;
 *    - data floods pass the source's window, hn_dp_mcast_win_add(): a
 *      duplicate (mcast_dup), an old seq (mcast_old) or a jump past the
 *      bound (mcast_jump) is dropped; a new seq moves the window (the
 *      first seq of a source starts it).  The router restarts a window
 *      idle for a second; this suite sets that off (hnctl config
 *      flood-idle-ms never), so the outcome does not hang on timing;
 *    - a new flood of a member group (HN_GROUP_ALL or joined) goes to the
 *      stack (mcast_local); XDP marks it and the TC helper copies it to
 *      every other mesh port with TTL - 1, broadcast destination and that
 *      port's MAC as source (tc_clone each); with TTL 1 it is delivered
 *      and not copied (mcast_ttl_last, not ttl_expired).  Where XDP has
 *      no metadata, it marks the flood in a map instead and TC copies on
 *      that (tc_mark); a mark is never lost (mcast_mark_fail);
 *    - a new flood of another group: TTL 1 is dropped (ttl_expired), else
 *      XDP broadcasts it to every other mesh port with TTL - 1, broadcast
 *      destination and the ingress port's MAC as source (mcast_fwd once).
 *  - every flood (HELLOs aside) that reaches the TC helper unmarked, as an
 *    untagged HyperNet frame, is counted there and left alone
 *    (tc_unmarked): see hx_tc_unmarked().
 */
enum hx_flood_at { HX_AT_TAGGED, HX_AT_UNCONFIGURED, HX_AT_VALID };

static void hx_flood(struct hx_router *r, const __u8 *f, size_t len, int in,
		     enum hx_flood_at at, bool commit, struct hx_verdict *v)
{
	const struct hnhdr *h = (const void *)(f + HX_ETH_HLEN);
	__u32 src, seq, group;
	struct hx_win *w;
	__u64 win;
	int verdict, p;
	__u8 *o;

	if (at != HX_AT_VALID)
		return;
	src = ntohl(h->src);
	seq = ntohl(h->seq);
	group = ntohl(h->dst);
	if (hn_dp_ctrl_type(h->type)) {
		v->ctr[HX_C_MCAST_UNCONFIRMED]++;
		if (!hx_member(r, group)) {
			v->what = "control flood, source unconfirmed: dropped";
			return;
		}
		v->ctr[HX_C_MCAST_SLOW]++;
		v->ctr[HX_C_TC_UNMARKED]++;
		v->what = "control flood, source unconfirmed: to the agent";
		return;
	}
	w = hx_win_slot(r, src);
	v->win = true;
	v->win_src = src;
	v->win_new = !w || !w->used;
	if (!w || !w->used) {
		verdict = HN_DP_MC_NEW;
		win = hn_dp_mcast_win_first(seq);
	} else {
		win = hn_dp_mcast_win_add(w->win, seq, &verdict);
	}
	switch (verdict) {
	case HN_DP_MC_NEW:
		/* as hn_xdp: only a new seq is written back */
		if (commit && w) {
			if (!w->used)
				r->nwin++;
			w->used = true;
			w->src = src;
			w->win = win;
		}
		break;
	case HN_DP_MC_DUP:
		v->ctr[HX_C_MCAST_DUP]++;
		v->what = "flood: duplicate, dropped";
		return;
	case HN_DP_MC_OLD:
		v->ctr[HX_C_MCAST_OLD]++;
		v->what = "flood: older than the window, dropped";
		return;
	default:
		v->ctr[HX_C_MCAST_JUMP]++;
		v->what = "flood: too far ahead of the window, dropped";
		return;
	}
	if (hx_member(r, group)) {
		v->ctr[HX_C_MCAST_LOCAL]++;
		if (h->ttl <= 1) {
			v->ctr[HX_C_MCAST_TTL_LAST]++;
			v->ctr[HX_C_TC_UNMARKED]++;
			v->what = "member flood, last hop: stack only";
			return;
		}
		v->what = "member flood: stack + TC copies";
		/* without metadata, on XDP's mark in hn_mcast_marks */
		if (!hx_xdp_meta)
			v->ctr[HX_C_TC_MARK]++;
		for (p = 0; p < r->nports; p++) {
			if (p == in)
				continue;
			o = hx_emit(v, p, f, len);
			memcpy(o, hx_bcast, 6);
			memcpy(o + 6, r->port[p].mac, 6);
			hx_hn(o)->ttl--;
			v->ctr[HX_C_TC_CLONE]++;
		}
		return;
	}
	if (h->ttl <= 1) {
		v->ctr[HX_C_TTL_EXPIRED]++;
		v->what = "other group, TTL 1: dropped";
		return;
	}
	v->ctr[HX_C_MCAST_FWD]++;
	v->what = "other group: XDP broadcast";
	for (p = 0; p < r->nports; p++) {
		if (p == in)
			continue;
		o = hx_emit(v, p, f, len);
		memcpy(o, hx_bcast, 6);
		memcpy(o + 6, r->port[in].mac, 6);
		hx_hn(o)->ttl--;
	}
}

/* ---- unicast and anycast ------------------------------------------------- */

int hx_validate(const __u8 *f, size_t len)
{
	const struct hnhdr *h = (const void *)(f + HX_ETH_HLEN);
	__u32 avail = len - HX_ETH_HLEN;
	int err;

	err = hn_hdr_check(h, avail);
	if (err || h->type != HN_T_TENSOR)
		return err;
	/* as hn_xdp: short of a tensor header is truncated */
	if (avail < HN_HDR_LEN + HN_TENSOR_HDR_LEN)
		return HN_ERR_TRUNCATED;
	return hn_tensor_check((const void *)(h + 1), ntohs(h->len),
			       HN_TENSOR_MAX_LEN);
}

/* This node's copy: the stack (no tensor-dev is configured). */
static void hx_local(struct hx_verdict *v, const char *what)
{
	v->ctr[HX_C_LOCAL_PASS]++;
	v->what = what;
}

/* Out to neighbour @nb: MACs, TTL, then the port (hn_xmit). */
static void hx_xmit(struct hx_router *r, const __u8 *f, size_t len, int in,
		    const struct hx_neigh *nb, struct hx_verdict *v)
{
	__u8 *o;

	if (((const struct hnhdr *)(f + HX_ETH_HLEN))->ttl <= 1) {
		v->ctr[HX_C_TTL_EXPIRED]++;
		v->what = "TTL would reach 0: dropped";
		return;
	}
	if (nb->port < 0) {
		v->ctr[HX_C_DROP_NO_PORT]++;
		v->what = "next hop's port is no mesh port: dropped";
		return;
	}
	o = hx_emit(v, nb->port, f, len);
	memcpy(o, nb->mac, 6);
	memcpy(o + 6, r->port[nb->port].mac, 6);
	hx_hn(o)->ttl--;
	if (nb->port == in) {
		v->ctr[HX_C_FWD_TX]++;
		v->what = "forwarded back out of the ingress port";
	} else {
		v->ctr[HX_C_FWD_REDIRECT]++;
		v->what = "forwarded";
	}
}

/* Lowest-index live candidate: every valid neighbour is live here. */
static void hx_unicast(struct hx_router *r, const __u8 *f, size_t len, int in,
		       struct hx_verdict *v)
{
	const struct hnhdr *h = (const void *)(f + HX_ETH_HLEN);
	const struct hx_route *rt;
	const struct hx_neigh *nb;
	int i;

	if (h->ttl <= 1) {
		v->ctr[HX_C_TTL_EXPIRED]++;
		v->what = "unicast with TTL 1: dropped";
		return;
	}
	rt = hx_route(r, ntohl(h->dst));
	if (!rt) {
		v->ctr[HX_C_DROP_NO_ROUTE]++;
		v->what = "no route: dropped";
		return;
	}
	v->ctr[HX_C_DECIDE]++;
	nb = hx_nb(r, rt->neigh[rt->def]);
	for (i = 0; !nb && i < rt->n; i++)
		nb = hx_nb(r, rt->neigh[i]);
	if (!nb) {
		v->ctr[HX_C_DROP_NO_LIVE]++;
		v->what = "no live candidate: dropped";
		return;
	}
	hx_xmit(r, f, len, in, nb, v);
}

/* Nearest host (ties: the first), as hn_cands_task() without a model. */
static void hx_anycast(struct hx_router *r, const __u8 *f, size_t len, int in,
		       struct hx_verdict *v)
{
	const struct hnhdr *h = (const void *)(f + HX_ETH_HLEN);
	const struct hx_neigh *nb, *via[HN_DP_MAX_CAND] = { 0 };
	int i, pick = -1, best = 0, dist, present = 0;
	const struct hx_route *rt;
	const struct hx_task *t;
	__u8 g[HX_FRAME_MAX];
	struct hnhdr *gh;

	t = hx_task(r, ntohl(h->dst));
	if (!t) {
		v->ctr[HX_C_DROP_NO_TASK]++;
		v->what = "anycast, no such task: dropped";
		return;
	}
	v->ctr[HX_C_DECIDE]++;
	for (i = 0; i < t->n; i++) {
		if (t->host[i] == r->node) {
			dist = 0;
		} else {
			rt = hx_route(r, t->host[i]);
			nb = rt ? hx_nb(r, rt->neigh[rt->def]) : NULL;
			if (!nb)
				continue;
			via[i] = nb;
			dist = hn_scale_hops(rt->hops[rt->def]);
		}
		if (!present++ || -dist > best) {
			best = -dist;
			pick = i;
		}
	}
	if (pick < 0) {
		v->ctr[HX_C_DROP_NO_LIVE]++;
		v->what = "anycast, no host reachable: dropped";
		return;
	}
	memcpy(g, f, len);
	gh = hx_hn(g);
	gh->dst = htonl(t->host[pick]);
	gh->flags &= ~HN_F_ANYCAST;
	if (!via[pick]) {
		v->ctr[HX_C_ANY_LOCAL]++;
		hx_local(v, "anycast placed here: to the stack");
		return;
	}
	v->ctr[HX_C_ANY_REMOTE]++;
	hx_xmit(r, g, len, in, via[pick], v);
	if (v->n_out)
		v->what = "anycast placed on a host, forwarded";
}

static bool hx_is_vlan(__u16 proto)
{
	return proto == 0x8100 || proto == 0x88A8;
}

/*
 * A frame XDP passed up unmarked: the stack takes one VLAN tag off before
 * the TC helper, which counts a flood it finds there (tc_unmarked) if it
 * can read its headers and it is no HELLO.  @off is where the HyperNet
 * header starts in @f once untagged.
 */
static void hx_tc_unmarked(const __u8 *f, size_t len, size_t off,
			   struct hx_verdict *v)
{
	const struct hnhdr *h = (const void *)(f + off);

	if (len < off + HN_HDR_LEN)
		return;
	if ((h->flags & HN_F_MCAST) && h->type != HN_T_HELLO)
		v->ctr[HX_C_TC_UNMARKED]++;
}

void hx_oracle(struct hx_router *r, const __u8 *f, size_t len, int in,
	       bool commit, struct hx_verdict *v)
{
	const struct hnhdr *h = (const void *)(f + HX_ETH_HLEN);
	__u16 proto = len >= HX_ETH_HLEN ? f[12] << 8 | f[13] : 0;
	int err, i;

	memset(v->ctr, 0, sizeof(v->ctr));
	v->n_out = 0;
	v->win = v->win_new = false;
	v->win_src = 0;
	if (len < HX_ETH_HLEN || proto != ETH_P_HYPERNET) {
		v->ctr[HX_C_PASS_OTHER]++;
		v->what = "not HyperNet: to the stack untouched";
		if (hx_is_vlan(proto)) {
			hx_flood(r, f, len, in, HX_AT_TAGGED, commit, v);
			/* one tag off: HyperNet inside reaches TC */
			if (len >= 18 && (f[16] << 8 | f[17]) == ETH_P_HYPERNET)
				hx_tc_unmarked(f, len, 18, v);
		}
		return;
	}
	v->ctr[HX_C_RX]++;
	err = hx_validate(f, len);
	if (err) {
		v->ctr[hx_bad_ctr(err)]++;
		v->what = hx_ctr_name[hx_bad_ctr(err)];
		return;
	}
	/* no port of these routers is in a privacy domain */
	if (h->flags & HN_F_PRIVATE) {
		v->ctr[HX_C_PRIV_DROP_IN]++;
		v->what = "private, from outside the privacy domain: dropped";
		return;
	}
	if (h->type == HN_T_HELLO) {
		v->ctr[HX_C_HELLO]++;
		v->what = "hello: to the agent";
		for (i = 0; i < HN_DP_MAX_NEIGH; i++) {
			const struct hx_neigh *nb = &r->neigh[i];

			if (!nb->valid || nb->node != ntohl(h->src))
				continue;
			/* stamped live only from its own port and MAC */
			if (nb->port != in || memcmp(nb->mac, f + 6, 6))
				v->ctr[HX_C_HELLO_ELSEWHERE]++;
			return;
		}
		v->ctr[HX_C_HELLO_UNKNOWN]++;
		return;
	}
	if (!r->node) {
		v->ctr[HX_C_PASS_UNCONFIGURED]++;
		v->what = "node id unset: to the stack";
		hx_flood(r, f, len, in, HX_AT_UNCONFIGURED, commit, v);
		hx_tc_unmarked(f, len, HX_ETH_HLEN, v);
		return;
	}
	if (h->flags & HN_F_MCAST) {
		hx_flood(r, f, len, in, HX_AT_VALID, commit, v);
		return;
	}
	if (!(h->flags & HN_F_ANYCAST) && ntohl(h->dst) == r->node) {
		hx_local(v, "for this node: to the stack");
		return;
	}
	if (h->flags & HN_F_ANYCAST)
		hx_anycast(r, f, len, in, v);
	else
		hx_unicast(r, f, len, in, v);
}
