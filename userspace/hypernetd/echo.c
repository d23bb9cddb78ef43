// SPDX-License-Identifier: GPL-2.0
/*
 * Mesh ping: ECHO requests and replies (Documentation/agent-protocol.rst).
 * hnctl asks over the control socket; the agent sends an authenticated
 * request routed to the node like any unicast frame, the node's agent
 * answers along its own route back, and the control connection gets the
 * round trip, or "timeout" at its deadline.
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

/* Send ECHO @e to @dst along our route; 0, or -EHOSTUNREACH. */
static int echo_send(struct hnd *d, __u32 dst, const struct hn_ctrl_echo *e)
{
	struct hnd_neigh *n = hnd_next_hop(d, dst);
	struct hn_ctrl_msg m;

	if (!n) {
		d->st.echo_no_route++;
		return -EHOSTUNREACH;
	}
	hnd_msg_init(d, &m, HN_T_ECHO);
	m.ttl = HN_TTL_DEFAULT;
	m.dst = dst;
	m.u.echo = *e;
	return hnd_send(d, n->port, n->mac, &m);
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

static void reply_rx(struct hnd *d, const struct hn_ctrl_msg *m, __u64 rx_ns)
{
	const struct hn_ctrl_echo *e = &m->u.echo;
	unsigned int i;
	char line[128];

	for (i = 0; i < HND_PING_SLOTS; i++) {
		struct hnd_ping *p = &d->ping[i];

		if (!p->used || e->id != d->echo_id || e->seq != p->seq ||
		    m->src != p->dst || e->t_ns != p->sent_ns)
			continue;
		d->st.echo_reply_rx++;
		snprintf(line, sizeof(line),
			 "reply node=%u bytes=%zu ttl=%u rtt_ns=%llu", m->src,
			 HN_HDR_LEN + sizeof(struct hn_echo) + e->pad_len +
				 HN_AUTH_LEN,
			 m->ttl,
			 (unsigned long long)(rx_ns > p->sent_ns ?
						      rx_ns - p->sent_ns :
						      0));
		ping_done(p, line);
		return;
	}
	d->st.echo_unmatched++;
}

void hnd_echo_rx(struct hnd *d, const struct hn_ctrl_msg *m, __u64 rx_ns)
{
	struct hn_ctrl_echo e = m->u.echo;

	/* routed to us by the data plane; anything else is not ours */
	if (m->dst != d->cfg.node_id) {
		d->st.rx_ignored++;
		return;
	}
	if (e.op == HN_ECHO_REPLY) {
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
	if (!echo_send(d, m->src, &e))
		d->st.echo_reply_tx++;
}

bool hnd_ping_start(struct hnd *d, int fd, const char *arg, FILE *f)
{
	unsigned int node, pad, ms, i;
	struct hn_ctrl_echo e = { 0 };
	struct hnd_ping *p = NULL;
	char tail;

	if (!arg || sscanf(arg, "%u %u %u%c", &node, &pad, &ms, &tail) != 3 ||
	    !node || pad > HN_ECHO_PAD_MAX || !ms || ms > PING_TIMEOUT_MAX_MS) {
		fprintf(f, "ping: want NODE PAD_LEN(0..%d) TIMEOUT_MS(1..%d)",
			HN_ECHO_PAD_MAX, PING_TIMEOUT_MAX_MS);
		return false;
	}
	if (node == d->cfg.node_id) {
		fprintf(f, "ping: node %u is this node", node);
		return false;
	}
	for (i = 0; i < HND_PING_SLOTS && !p; i++)
		if (!d->ping[i].used)
			p = &d->ping[i];
	if (!p) {
		fprintf(f, "ping: %d pings already waiting, try again later",
			HND_PING_SLOTS);
		return false;
	}
	e.id = d->echo_id;
	e.seq = ++d->echo_seq;
	e.t_ns = hnd_now();
	e.op = HN_ECHO_REQUEST;
	e.pad_len = pad;
	*p = (struct hnd_ping){ true,  fd,     node,
				e.seq, e.t_ns, e.t_ns + ms * NSEC_PER_MSEC };
	if (echo_send(d, node, &e)) {
		fprintf(f, "unreachable node=%u", node);
		/* told at once: the caller answers */
		p->used = false;
		return false;
	}
	d->st.echo_req_tx++;
	return true;
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
