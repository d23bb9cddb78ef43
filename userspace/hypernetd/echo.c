// SPDX-License-Identifier: GPL-2.0
/*
 * Mesh ping and traceroute: ECHO requests and replies
 * (Documentation/agent-protocol.rst).  hnctl asks over the control
 * socket; the agent sends an authenticated request routed to the node
 * like any unicast frame, the node's agent answers along its own route
 * back, and the control connection gets the round trip, or "timeout" at
 * its deadline.  traceroute's requests have a TTL: the router where it
 * runs out answers EXPIRED with its own decision for the destination
 * (hnd.decide, hop.c).
 *
 * Only key holders get answers: a request reaches hnd_echo_rx() after its
 * MAC and replay window passed (port.c).  Replies are rate-limited
 * (ECHO_RATE_NS, ECHO_BURST) and carry the request's padding, no more:
 * even a member cannot make a node send more than it was sent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hypernetd.h"

#define ECHO_RATE_NS (10 * NSEC_PER_MSEC) /* 100 replies a second */
#define ECHO_BURST 20
#define PING_TIMEOUT_MAX_MS 60000

void hnd_echo_init(struct hnd *d)
{
	if (getrandom(&d->echo_id, sizeof(d->echo_id), 0) != sizeof(d->echo_id))
		d->echo_id = (__u32)hnd_now() ^ (__u32)getpid();
}

struct hnd_neigh *hnd_next_hop(struct hnd *d, __u32 dst)
{
	struct hnd_neigh *n;
	unsigned int i, j;

	for (i = 0; i < HND_MAX_NEIGH; i++)
		if (d->nb[i].used && d->nb[i].up && d->nb[i].node == dst)
			return &d->nb[i];
	for (i = 0; i < d->n_routes; i++) {
		const struct hn_dp_route *rt = &d->routes[i].rt;

		if (d->routes[i].dst != dst || !rt->n_cand)
			continue;
		for (j = 0; j < HND_MAX_NEIGH; j++) {
			n = &d->nb[j];
			if (n->used && n->up &&
			    n->dp_idx == rt->cand[rt->def].neigh)
				return n;
		}
	}
	return NULL;
}

/*
 * Send ECHO @e to @dst with TTL @ttl, out to @via (NULL: along our
 * route); 0, or -EHOSTUNREACH.
 */
static int echo_send(struct hnd *d, __u32 dst, __u8 ttl,
		     const struct hn_ctrl_echo *e, struct hnd_neigh *via)
{
	struct hnd_neigh *n = via ? via : hnd_next_hop(d, dst);
	struct hn_ctrl_msg m;

	if (!n) {
		d->st.echo_no_route++;
		return -EHOSTUNREACH;
	}
	hnd_msg_init(d, &m, HN_T_ECHO);
	m.ttl = ttl;
	m.dst = dst;
	m.u.echo = *e;
	return hnd_send(d, n->port, n->mac, &m);
}

static const char *const reason_names[] = {
	[HN_DP_R_MODEL] = "model",     [HN_DP_R_NO_MODEL] = "no-model",
	[HN_DP_R_MARGIN] = "margin",   [HN_DP_R_STALE] = "stale",
	[HN_DP_R_NO_LIVE] = "no-live",
};

static const char *reason_name(unsigned int r)
{
	if (r == HN_HOP_NO_ROUTE)
		return "no-route";
	if (r < sizeof(reason_names) / sizeof(reason_names[0]) &&
	    reason_names[r])
		return reason_names[r];
	return "unknown";
}

/* " next=N reason=R [score=S margin=M]" of @hop, appended to @line. */
static void hop_words(char *line, size_t size, const struct hn_echo_hop *hop)
{
	size_t n = strlen(line);

	n += snprintf(line + n, size - n, " next=%u reason=%s",
		      be32toh(hop->next), reason_name(hop->reason));
	if ((hop->flags & HN_HOP_F_SCORE) && n < size)
		snprintf(line + n, size - n, " score=%d margin=%d",
			 (__s32)be32toh(hop->score),
			 (__s32)be32toh(hop->margin));
}

/* Answer the control connection of slot @p with @line, free the slot. */
static void ping_done(struct hnd_ping *p, const char *line)
{
	char buf[160];
	int n = snprintf(buf, sizeof(buf), "ok\n%s\n", line);

	send(p->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(p->fd);
	p->used = false;
}

/* Whether the rate limit lets one more reply out at @now. */
static bool reply_allowed(struct hnd *d, __u64 now)
{
	__u64 floor = now - ECHO_BURST * ECHO_RATE_NS;

	if (now < ECHO_BURST * ECHO_RATE_NS)
		floor = 0;
	if (d->echo_tokens_ns < floor)
		d->echo_tokens_ns = floor;
	if (d->echo_tokens_ns >= now)
		return false;
	d->echo_tokens_ns += ECHO_RATE_NS;
	return true;
}

/* A REPLY, or an EXPIRED from a router on the way: to its request. */
static void reply_rx(struct hnd *d, const struct hn_ctrl_msg *m, __u64 rx_ns)
{
	const struct hn_ctrl_echo *e = &m->u.echo;
	bool hop = e->op == HN_ECHO_EXPIRED;
	unsigned int i;
	char line[192];

	for (i = 0; i < HND_PING_SLOTS; i++) {
		struct hnd_ping *p = &d->ping[i];

		if (!p->used || e->id != d->echo_id || e->seq != p->seq ||
		    (!hop && m->src != p->dst) || e->t_ns != p->sent_ns)
			continue;
		d->st.echo_reply_rx++;
		snprintf(line, sizeof(line),
			 "%s node=%u bytes=%zu ttl=%u rtt_ns=%llu",
			 hop ? "hop" : "reply", m->src,
			 HN_HDR_LEN + sizeof(struct hn_echo) + e->pad_len +
				 HN_AUTH_LEN,
			 m->ttl,
			 (unsigned long long)(rx_ns > p->sent_ns ?
						      rx_ns - p->sent_ns :
						      0));
		if (hop && e->pad_len >= sizeof(struct hn_echo_hop))
			hop_words(line, sizeof(line),
				  (const struct hn_echo_hop *)e->data);
		ping_done(p, line);
		return;
	}
	d->st.echo_unmatched++;
}

/*
 * Request @m's TTL ran out here (the data plane passed it up): answer
 * EXPIRED with our decision for its dst, in its padding if it holds it.
 */
static void expired_rx(struct hnd *d, const struct hn_ctrl_msg *m)
{
	struct hn_ctrl_echo e = m->u.echo;
	__u8 pad[HN_ECHO_PAD_MAX] = { 0 };
	struct hn_echo_hop hop = { .reason = HN_HOP_UNKNOWN };

	d->st.echo_req_rx++;
	if (!reply_allowed(d, hnd_now())) {
		d->st.echo_limited++;
		return;
	}
	if (d->decide)
		d->decide(d, m->dst, &hop);
	if (e.pad_len >= sizeof(hop))
		memcpy(pad, &hop, sizeof(hop));
	e.op = HN_ECHO_EXPIRED;
	e.data = pad;
	if (!echo_send(d, m->src, HN_TTL_DEFAULT, &e, NULL))
		d->st.echo_reply_tx++;
}

void hnd_echo_rx(struct hnd *d, const struct hn_ctrl_msg *m, __u64 rx_ns)
{
	struct hn_ctrl_echo e = m->u.echo;

	/*
	 * routed to us by the data plane, or a request whose TTL ran out
	 * here (it arrived with 1); anything else is not ours
	 */
	if (m->dst != d->cfg.node_id) {
		if (e.op == HN_ECHO_REQUEST && m->ttl <= 1)
			expired_rx(d, m);
		else
			d->st.rx_ignored++;
		return;
	}
	if (e.op != HN_ECHO_REQUEST) {
		reply_rx(d, m, rx_ns);
		return;
	}
	d->st.echo_req_rx++;
	if (!reply_allowed(d, hnd_now())) {
		d->st.echo_limited++;
		return;
	}
	/* id, seq, t_ns and pad_len as they came: never larger */
	e.op = HN_ECHO_REPLY;
	e.data = NULL;
	if (!echo_send(d, m->src, HN_TTL_DEFAULT, &e, NULL))
		d->st.echo_reply_tx++;
}

/* The neighbour our data plane sends @dst's frames to, NULL if none. */
static struct hnd_neigh *decided_hop(struct hnd *d, __u32 dst,
				     struct hn_echo_hop *hop)
{
	unsigned int i;

	memset(hop, 0, sizeof(*hop));
	hop->reason = HN_HOP_UNKNOWN;
	if (!d->decide || d->decide(d, dst, hop) || !hop->next)
		return NULL;
	/* not hnd_neigh_find(): fedround.c's tests link this file alone */
	for (i = 0; i < HND_MAX_NEIGH; i++)
		if (d->nb[i].used && d->nb[i].up &&
		    d->nb[i].node == be32toh(hop->next))
			return &d->nb[i];
	return NULL;
}

/* trace NODE 0: this node's own decision, at once. */
static int trace_self(struct hnd *d, __u32 node, FILE *f)
{
	struct hn_echo_hop hop;
	char line[160];

	decided_hop(d, node, &hop);
	snprintf(line, sizeof(line), "hop node=%u bytes=0 ttl=0 rtt_ns=0",
		 d->cfg.node_id);
	hop_words(line, sizeof(line), &hop);
	fprintf(f, "%s\n", line);
	return 0;
}

int hnd_ping_start(struct hnd *d, int fd, const char *arg, bool trace, FILE *f)
{
	unsigned int node, val, ms, i;
	struct hn_ctrl_echo e = { 0 };
	struct hnd_neigh *via = NULL;
	struct hnd_ping *p = NULL;
	struct hn_echo_hop hop;
	char tail;

	if (!arg || sscanf(arg, "%u %u %u%c", &node, &val, &ms, &tail) != 3 ||
	    !node || val > (trace ? HN_TTL_DEFAULT : HN_ECHO_PAD_MAX) || !ms ||
	    ms > PING_TIMEOUT_MAX_MS) {
		fprintf(f, "%s: want NODE %s(0..%d) TIMEOUT_MS(1..%d)",
			trace ? "trace" : "ping", trace ? "TTL" : "PAD_LEN",
			trace ? HN_TTL_DEFAULT : HN_ECHO_PAD_MAX,
			PING_TIMEOUT_MAX_MS);
		return -1;
	}
	if (node == d->cfg.node_id) {
		fprintf(f, "%s: node %u is this node", trace ? "trace" : "ping",
			node);
		return -1;
	}
	if (trace && !val)
		return trace_self(d, node, f);
	for (i = 0; i < HND_PING_SLOTS && !p; i++)
		if (!d->ping[i].used)
			p = &d->ping[i];
	if (!p) {
		fprintf(f, "%s: %d requests already waiting, try again later",
			trace ? "trace" : "ping", HND_PING_SLOTS);
		return -1;
	}
	e.id = d->echo_id;
	e.seq = ++d->echo_seq;
	e.t_ns = hnd_now();
	e.op = HN_ECHO_REQUEST;
	/* traceroute: room for the hop's answer, and our data plane's pick */
	e.pad_len = trace ? sizeof(struct hn_echo_hop) : val;
	if (trace)
		via = decided_hop(d, node, &hop);
	*p = (struct hnd_ping){ true,  fd,     node,
				e.seq, e.t_ns, e.t_ns + ms * NSEC_PER_MSEC };
	if (echo_send(d, node, trace ? val : HN_TTL_DEFAULT, &e, via)) {
		fprintf(f, "unreachable node=%u", node);
		p->used = false;
		return -1;
	}
	d->st.echo_req_tx++;
	return 1;
}

void hnd_echo_tick(struct hnd *d, __u64 now)
{
	unsigned int i;
	char line[64];

	for (i = 0; i < HND_PING_SLOTS; i++) {
		struct hnd_ping *p = &d->ping[i];

		if (!p->used || now < p->deadline_ns)
			continue;
		snprintf(line, sizeof(line), "timeout node=%u", p->dst);
		ping_done(p, line);
	}
}

void hnd_echo_free(struct hnd *d)
{
	unsigned int i;

	for (i = 0; i < HND_PING_SLOTS; i++)
		if (d->ping[i].used) {
			close(d->ping[i].fd);
			d->ping[i].used = false;
		}
}
