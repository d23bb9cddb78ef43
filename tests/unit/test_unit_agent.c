// SPDX-License-Identifier: GPL-2.0
/*
 * hypernetd's state machines without sockets or BPF: the config parser
 * (config.c), neighbour discovery (neigh.c) and link-state gossip
 * (gossip.c), linked from the agent's archive against stubs of main.c,
 * the data plane and the ports that record what the agent did.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <hypernet/route.h>
#include "dp.h"
#include "genl.h"
#include "../../userspace/hypernetd/hypernetd.h"

/* ---- stubs: a fake clock, a data plane and ports that record ---------- */

static __u64 fake_now = 1000 * NSEC_PER_SEC;
static struct hn_dp_neigh dp_nb[HN_DP_MAX_NEIGH];
static unsigned int dp_sets, dp_dels, sent_hello, sent_probe, sent_ack,
	sent_chal, model_sends, campaign_sends;
static int vanish_port = -1;
static struct hn_ctrl_msg last_sent, last_hello;
static int answer_challenges;

__u64 hnd_now(void)
{
	return fake_now;
}

void hnd_log(struct hnd *d, int level, const char *fmt, ...)
{
}

void hnd_log_rl(struct hnd *d, struct hnd_rl *rl, int level, const char *fmt,
		...)
{
}

int hn_dp_set_neigh(struct hn_dp *dp, __u32 idx, const struct hn_dp_neigh *nb,
		    char *err, size_t errlen)
{
	assert_true(idx < HN_DP_MAX_NEIGH);
	dp_nb[idx] = *nb;
	dp_nb[idx].valid = 1;
	dp_sets++;
	return 0;
}

int hn_dp_del_neigh(struct hn_dp *dp, __u32 idx)
{
	assert_true(idx < HN_DP_MAX_NEIGH);
	memset(&dp_nb[idx], 0, sizeof(dp_nb[idx]));
	dp_dels++;
	return 0;
}

static __u8 last_pad[HN_ECHO_PAD_MAX];

int hnd_send(struct hnd *d, int p, const __u8 *mac, struct hn_ctrl_msg *m)
{
	last_sent = *m;
	/* an ECHO's padding lives on the sender's stack: kept here */
	if (m->type == HN_T_ECHO && m->u.echo.data) {
		memcpy(last_pad, m->u.echo.data, m->u.echo.pad_len);
		last_sent.u.echo.data = last_pad;
	}
	if (m->type == HN_T_HELLO)
		last_hello = *m;
	sent_hello += m->type == HN_T_HELLO;
	sent_ack += m->type == HN_T_ACK;
	if (m->type == HN_T_PROBE) {
		struct hnd_sender *s = hnd_sender(d, m->dst);

		/* challenges apart from the RTT probes */
		if (s && s->chal_ns && m->u.probe.id == s->chal_id)
			sent_chal++;
		else
			sent_probe++;
	}
	return 0;
}

void hnd_msg_init(struct hnd *d, struct hn_ctrl_msg *m, __u8 type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->src = d->cfg.node_id;
}

int hnd_port_check(struct hnd *d, int i)
{
	if (i != vanish_port)
		return 0;
	vanish_port = -1;
	d->ports[i].ifindex = 0;
	return 1;
}

void hnd_model_send_to(struct hnd *d, struct hnd_neigh *n)
{
	model_sends++;
}

/* campaignsync.c's, which would bring modelsync.c and the data plane */
void hnd_campaign_send_to(struct hnd *d, struct hnd_neigh *n)
{
	campaign_sends++;
}

/* gossip.c's data plane: routes kept by destination, tasks ignored */
#define DP_ROUTES 16
static struct {
	__u32 dst;
	struct hn_dp_route rt;
} dp_rt[DP_ROUTES];
static unsigned int lsa_floods;

int hn_dp_set_route(struct hn_dp *dp, __u32 dst, const struct hn_dp_route *rt,
		    char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < DP_ROUTES && dp_rt[i].dst && dp_rt[i].dst != dst; i++)
		;
	assert_true(i < DP_ROUTES);
	dp_rt[i].dst = dst;
	dp_rt[i].rt = *rt;
	return 0;
}

int hn_dp_del_route(struct hn_dp *dp, __u32 dst)
{
	return 0;
}

int hn_dp_set_task(struct hn_dp *dp, __u32 task, const struct hn_dp_task *t,
		   char *err, size_t errlen)
{
	return 0;
}

int hn_dp_del_task(struct hn_dp *dp, __u32 task)
{
	return 0;
}

int hn_dp_map_fd(struct hn_dp *dp, const char *name)
{
	return -1;
}

int hnd_flood(struct hnd *d, struct hn_ctrl_msg *m)
{
	if (m->type == HN_T_GOSSIP)
		lsa_floods++;
	last_sent = *m;
	return 0;
}

void hnd_write_state(struct hnd *d)
{
}

/* neigh.c's features of a neighbour, from the same state */
static void features(const struct hnd *d, const struct hnd_neigh *n,
		     __u8 feat[HN_NB_NFEAT])
{
	unsigned int kbps = d->cfg.port_kbps[n->port] ?: d->cfg.link_kbps;

	hn_link_features(n->rx_ratio, n->tx_ratio, n->rtt_ns,
			 d->ports[n->port].util, kbps, feat);
}

/* ---- fixtures ----------------------------------------------------------- */

static struct hnd agent;
/* fake /sys/class/net: DEV/statistics/tx_bytes for the LOAD feature */
static char fake_sys[] = "/tmp/hn-test-sys.XXXXXX";

static void set_tx(const char *dev, unsigned long long bytes)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fake_sys, dev);
	mkdir(path, 0700);
	strcat(path, "/statistics");
	mkdir(path, 0700);
	strcat(path, "/tx_bytes");
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%llu\n", bytes);
	fclose(f);
}

static int setup(void **state)
{
	memset(&agent, 0, sizeof(agent));
	memset(dp_nb, 0, sizeof(dp_nb));
	dp_sets = dp_dels = sent_hello = sent_probe = sent_ack = 0;
	sent_chal = 0;
	answer_challenges = 1;
	model_sends = campaign_sends = 0;
	vanish_port = -1;
	hnd_config_defaults(&agent.cfg);
	agent.cfg.node_id = 1;
	agent.n_ports = 2;
	strcpy(agent.ports[0].name, "p0");
	strcpy(agent.ports[1].name, "p1");
	agent.ports[0].ifindex = 10;
	agent.ports[1].ifindex = 11;
	hnd_sysfs_net = fake_sys;
	set_tx("p0", 0);
	set_tx("p1", 0);
	return 0;
}

static const __u8 mac_x[6] = { 2, 0, 0, 0, 0, 7 };
static const __u8 mac_y[6] = { 2, 0, 0, 0, 0, 8 };

/*
 * The ACK that @src sends from @mac on port @p to our challenge, if one is
 * out to it; @id_delta != 0 forges a wrong echo.  True if it was taken.
 */
static bool answer_from(__u32 src, int p, const __u8 *mac, __u32 id_delta)
{
	static __u64 counter = 1ULL << 40;
	struct hnd_sender *s = hnd_sender(&agent, src);
	struct hn_ctrl_msg a = { .type = HN_T_ACK, .src = src, .dst = 1 };

	if (!s || !s->chal_ns)
		return false;
	a.counter = ++counter;
	a.u.probe.id = s->chal_id + id_delta;
	a.u.probe.t_ns = s->chal_t_ns;
	return hnd_challenge_answered(&agent, s, p, mac, &a);
}

/* A HELLO from @src at @mac, seq @seq, on port @p; it hears us at @rx. */
static void hello_from(__u32 src, __u32 seq, int p, const __u8 *mac, __u8 rx)
{
	struct hn_ctrl_msg m = { .type = HN_T_HELLO, .src = src, .seq = seq };

	m.u.hello.interval_ms = 200;
	m.u.hello.load = 10;
	m.u.hello.model_gen = 0;
	if (rx) {
		m.u.hello.n_heard = 1;
		m.u.hello.heard[0].node = agent.cfg.node_id;
		m.u.hello.heard[0].rx_ratio = rx;
	}
	hnd_hello_rx(&agent, p, mac, &m);
	/* a genuine neighbour answers our challenge at once */
	if (answer_challenges)
		answer_from(src, p, mac, 0);
}

/* A HELLO from @src, seq @seq, on port @p; it hears us at @rx (0: not). */
static void hello(__u32 src, __u32 seq, int p, __u8 rx)
{
	hello_from(src, seq, p, mac_x, rx);
}

static void advance_ms(unsigned int ms)
{
	fake_now += (__u64)ms * NSEC_PER_MSEC;
}

/* ---- neighbour state machine --------------------------------------------- */

/* ---- mesh ping (echo.c) ------------------------------------------------- */

/* An ECHO of @op from @src to us, padded with @pad bytes. */
static struct hn_ctrl_msg echo_msg(__u32 src, __u8 op, __u32 seq, __u16 pad)
{
	struct hn_ctrl_msg m = { .type = HN_T_ECHO, .src = src, .dst = 1 };

	m.ttl = 14;
	m.u.echo = (struct hn_ctrl_echo){ 0xabcd, seq, 12345, op, pad, NULL };
	return m;
}

/*
 * A request from a key holder is answered along our route to it, with the
 * same id, seq, time and padding; at most ECHO_BURST at once, then one per
 * 10 ms.
 */
static void test_echo_reply(void **state)
{
	struct hn_ctrl_msg m = echo_msg(7, HN_ECHO_REQUEST, 5, 300);
	unsigned int i;

	hnd_echo_rx(&agent, &m, fake_now);
	/* no route to 7 yet: nothing sent */
	assert_int_equal(agent.st.echo_req_rx, 1);
	assert_int_equal(agent.st.echo_no_route, 1);
	assert_int_equal(agent.st.echo_reply_tx, 0);
	hello(7, 100, 0, 255);
	assert_true(hnd_neigh_find(&agent, 7)->up);
	memset(&last_sent, 0, sizeof(last_sent));
	hnd_echo_rx(&agent, &m, fake_now);
	assert_int_equal(agent.st.echo_reply_tx, 1);
	assert_int_equal(last_sent.type, HN_T_ECHO);
	assert_int_equal(last_sent.dst, 7);
	assert_int_equal(last_sent.flags, 0);
	assert_int_equal(last_sent.ttl, HN_TTL_DEFAULT);
	assert_int_equal(last_sent.u.echo.op, HN_ECHO_REPLY);
	assert_int_equal(last_sent.u.echo.id, 0xabcd);
	assert_int_equal(last_sent.u.echo.seq, 5);
	assert_int_equal(last_sent.u.echo.t_ns, 12345);
	assert_int_equal(last_sent.u.echo.pad_len, 300);
	/* a flood of requests: the burst, then nothing until time passes */
	for (i = 0; i < 100; i++)
		hnd_echo_rx(&agent, &m, fake_now);
	assert_true(agent.st.echo_reply_tx <= 20);
	assert_true(agent.st.echo_limited >= 80);
	advance_ms(10);
	i = agent.st.echo_reply_tx;
	hnd_echo_rx(&agent, &m, fake_now);
	hnd_echo_rx(&agent, &m, fake_now);
	assert_int_equal(agent.st.echo_reply_tx, i + 1);
	/* a request for another node is not ours to answer */
	m.dst = 9;
	hnd_echo_rx(&agent, &m, fake_now);
	assert_int_equal(agent.st.echo_req_rx, 104);
}

static const char *ctl_answer(int fd);

/* hnd.decide for the tests: node 7 next, the model's pick, scored */
static int fake_decide(struct hnd *d, __u32 dst, struct hn_echo_hop *hop)
{
	memset(hop, 0, sizeof(*hop));
	hop->next = htobe32(dst == 3 ? 7 : 0);
	hop->reason = dst == 3 ? HN_DP_R_MODEL : HN_HOP_NO_ROUTE;
	hop->score = htobe32((__u32)-5);
	hop->margin = htobe32(40);
	hop->flags = dst == 3 ? HN_HOP_F_SCORE : 0;
	return 0;
}

/*
 * A request for another node that arrived with TTL 1 (its TTL ran out
 * here): answered EXPIRED to its sender with our decision in its
 * padding, no larger than it; one with TTL left, or too short to hold
 * the hop, is not told the decision.
 */
static void test_echo_expired(void **state)
{
	struct hn_ctrl_msg m = echo_msg(7, HN_ECHO_REQUEST, 4, 16);
	const struct hn_echo_hop *hop;

	agent.decide = fake_decide;
	hello(7, 100, 0, 255);
	m.dst = 3;
	m.ttl = 1;
	hnd_echo_rx(&agent, &m, fake_now);
	assert_int_equal(agent.st.echo_reply_tx, 1);
	assert_int_equal(last_sent.dst, 7);
	assert_int_equal(last_sent.u.echo.op, HN_ECHO_EXPIRED);
	assert_int_equal(last_sent.u.echo.seq, 4);
	assert_int_equal(last_sent.u.echo.pad_len, 16);
	hop = (const void *)last_sent.u.echo.data;
	assert_int_equal(be32toh(hop->next), 7);
	assert_int_equal(hop->reason, HN_DP_R_MODEL);
	assert_int_equal((__s32)be32toh(hop->score), -5);
	assert_int_equal(hop->flags, HN_HOP_F_SCORE);
	/* no room for the hop: the answer still comes, without it */
	m.u.echo.pad_len = 8;
	hnd_echo_rx(&agent, &m, fake_now);
	assert_int_equal(agent.st.echo_reply_tx, 2);
	assert_int_equal(last_sent.u.echo.pad_len, 8);
	/* TTL left: on its way through, not ours */
	m.ttl = 2;
	hnd_echo_rx(&agent, &m, fake_now);
	assert_int_equal(agent.st.echo_reply_tx, 2);
}

/*
 * trace NODE TTL: TTL 0 is our own decision at once; else a request with
 * that TTL and room for the hop goes out to the neighbour our decision
 * names, and an EXPIRED from any router answers it with that router's.
 */
static void test_trace_wait(void **state)
{
	char err[256] = "";
	FILE *f = fmemopen(err, sizeof(err), "w");
	struct hn_ctrl_msg r;
	struct hn_echo_hop hop;
	int sv[2];

	agent.decide = fake_decide;
	hnd_echo_init(&agent);
	hello(7, 100, 0, 255);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(hnd_ping_start(&agent, sv[0], "3 0 1000", true, f), 0);
	fflush(f);
	assert_string_equal(
		err,
		"hop node=1 bytes=0 ttl=0 rtt_ns=0 next=7 reason=model score=-5 margin=40\n");
	assert_int_equal(hnd_ping_start(&agent, sv[0], "3 17 1000", true, f),
			 -1);
	assert_int_equal(hnd_ping_start(&agent, sv[0], "3 2 1000", true, f), 1);
	assert_int_equal(last_sent.dst, 3);
	assert_int_equal(last_sent.ttl, 2);
	assert_int_equal(last_sent.u.echo.pad_len, sizeof(hop));
	r = echo_msg(9, HN_ECHO_EXPIRED, last_sent.u.echo.seq, sizeof(hop));
	r.u.echo.id = last_sent.u.echo.id;
	r.u.echo.t_ns = last_sent.u.echo.t_ns;
	fake_decide(&agent, 99, &hop);
	r.u.echo.data = (const __u8 *)&hop;
	hnd_echo_rx(&agent, &r, fake_now + 1000);
	assert_string_equal(
		ctl_answer(sv[1]),
		"ok\nhop node=9 bytes=84 ttl=14 rtt_ns=1000 next=0 reason=no-route\n");
	fclose(f);
	close(sv[1]);
}

/* What the agent wrote to hnctl's end @fd, NUL-terminated, or "". */
static const char *ctl_answer(int fd)
{
	static char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/*
 * hnctl's request waits on its connection: the matching reply answers it
 * with the round trip, a reply that matches nothing is counted, and the
 * deadline answers "timeout".
 */
static void test_ping_wait(void **state)
{
	struct hn_ctrl_msg r;
	int sv[2], sv2[2];
	char err[128];
	FILE *f = fmemopen(err, sizeof(err), "w");

	hnd_echo_init(&agent);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv2), 0);
	/* no route: refused at once, the connection not taken */
	assert_int_equal(hnd_ping_start(&agent, sv[0], "7 56 1000", false, f),
			 -1);
	fflush(f);
	assert_non_null(strstr(err, "unreachable node=7"));
	assert_int_equal(hnd_ping_start(&agent, sv[0], "7 5000 1000", false, f),
			 -1);
	assert_int_equal(hnd_ping_start(&agent, sv[0], "1 0 1000", false, f),
			 -1);
	hello(7, 100, 0, 255);
	assert_int_equal(hnd_ping_start(&agent, sv[0], "7 56 1000", false, f),
			 1);
	assert_int_equal(last_sent.type, HN_T_ECHO);
	assert_int_equal(last_sent.u.echo.op, HN_ECHO_REQUEST);
	assert_int_equal(last_sent.u.echo.pad_len, 56);
	assert_int_equal(agent.st.echo_req_tx, 1);
	/* a reply with another seq, or from another node: not it */
	r = echo_msg(7, HN_ECHO_REPLY, last_sent.u.echo.seq + 1, 56);
	r.u.echo.id = last_sent.u.echo.id;
	r.u.echo.t_ns = last_sent.u.echo.t_ns;
	hnd_echo_rx(&agent, &r, fake_now);
	r.u.echo.seq--;
	r.src = 8;
	hnd_echo_rx(&agent, &r, fake_now);
	assert_int_equal(agent.st.echo_unmatched, 2);
	assert_string_equal(ctl_answer(sv[1]), "");
	r.src = 7;
	hnd_echo_rx(&agent, &r, fake_now + 2500000);
	assert_int_equal(agent.st.echo_reply_rx, 1);
	assert_string_equal(
		ctl_answer(sv[1]),
		"ok\nreply node=7 bytes=124 ttl=14 rtt_ns=2500000\n");
	/* the same reply again finds no request waiting */
	hnd_echo_rx(&agent, &r, fake_now);
	assert_int_equal(agent.st.echo_unmatched, 3);
	/* no reply: answered at the deadline, not before */
	assert_int_equal(hnd_ping_start(&agent, sv2[0], "7 0 1000", false, f),
			 1);
	advance_ms(999);
	hnd_echo_tick(&agent, fake_now);
	assert_string_equal(ctl_answer(sv2[1]), "");
	advance_ms(1);
	hnd_echo_tick(&agent, fake_now);
	assert_string_equal(ctl_answer(sv2[1]), "ok\ntimeout node=7\n");
	fclose(f);
	close(sv[1]);
	close(sv2[1]);
}

/* ---- hnctl monitor (events.c) ------------------------------------------ */

/*
 * Subscribers get each event as one message, text or JSON; one that does
 * not read loses events and is told how many; drops come from counters'
 * rise; one that hung up is let go.
 */
static void test_monitor(void **state)
{
	char err[128], buf[1024];
	FILE *f = fmemopen(err, sizeof(err), "w");
	int j[2], t[2];
	unsigned int sent = 0;
	ssize_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, j), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, t), 0);
	assert_int_equal(hnd_mon_start(&agent, j[0], "xml", f), -1);
	assert_int_equal(hnd_mon_start(&agent, j[0], "json", f), 1);
	assert_int_equal(hnd_mon_start(&agent, t[0], NULL, f), 1);
	assert_int_equal(agent.n_mon, 2);
	assert_string_equal(ctl_answer(j[1]), "ok\n");
	assert_string_equal(ctl_answer(t[1]), "ok\n");
	hello(7, 100, 0, 255);
	assert_non_null(strstr(
		ctl_answer(j[1]),
		"\"node\":1,\"event\":\"neigh-up\",\"neigh\":7,\"port\":\"p0\"}\n"));
	assert_non_null(
		strstr(ctl_answer(t[1]), " neigh-up neigh=7 port=p0\n"));
	/* strings escaped in JSON, quoted in text when they hold a space */
	hnd_ev_model(&agent, 0, "a \"b\"\\", "bad-signature");
	assert_non_null(strstr(
		ctl_answer(j[1]),
		"\"from\":\"a \\\"b\\\"\\\\\",\"reason\":\"bad-signature\"}"));
	assert_non_null(strstr(
		ctl_answer(t[1]),
		" model-refused from=\"a \"b\"\\\" reason=bad-signature"));
	/* drops: the rise since the last look, per reason */
	hnd_mon_tick(&agent, NULL, fake_now);
	agent.st.rx_replay += 3;
	agent.st.rx_bad[HN_CE_MAC] += 2;
	advance_ms(1000);
	hnd_mon_tick(&agent, NULL, fake_now);
	n = recv(t[1], buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = 0;
	assert_non_null(strstr(
		buf, " drop where=agent reason=rx_bad_bad-mac count=2\n"));
	assert_non_null(strstr(ctl_answer(t[1]),
			       " drop where=agent reason=rx_replay count=3\n"));
	/* a subscriber that does not read: events lost, then told */
	while (agent.mon[0].lost == 0 && sent < 100000) {
		hnd_ev_model(&agent, 9, "x", NULL);
		sent++;
	}
	assert_true(agent.mon[0].lost > 0);
	while (recv(j[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	hnd_ev_model(&agent, 10, "x", NULL);
	assert_non_null(strstr(ctl_answer(j[1]), ",\"lost_before\":1}\n"));
	/* hung up: let go at the next look */
	close(j[1]);
	advance_ms(1000);
	hnd_mon_tick(&agent, NULL, fake_now);
	assert_int_equal(agent.n_mon, 1);
	hnd_mon_free(&agent);
	assert_int_equal(agent.n_mon, 0);
	close(t[1]);
	fclose(f);
}

static void test_one_way_then_up(void **state)
{
	struct hnd_neigh *n;

	hello(7, 100, 0, 0);
	n = hnd_neigh_find(&agent, 7);
	assert_non_null(n);
	assert_false(n->up);
	assert_int_equal(dp_sets, 0); /* one-way: not in the data plane */
	assert_false(agent.lsa_dirty);

	advance_ms(200);
	hello(7, 101, 0, 255);
	assert_true(n->up);
	assert_int_equal(dp_sets, 1);
	assert_int_equal(dp_nb[n->dp_idx].node, 7);
	assert_int_equal(dp_nb[n->dp_idx].ifindex, 10);
	assert_memory_equal(dp_nb[n->dp_idx].mac, mac_x, 6);
	assert_int_equal(dp_nb[n->dp_idx].feat[HN_FEAT_QUALITY], 127);
	assert_int_equal(dp_nb[n->dp_idx].feat[HN_FEAT_LOSS], 0);
	/* ETT of a clean 1 Gbit/s link (the default link-kbps): 12 us */
	assert_int_equal(n->cost, 12);
	assert_true(agent.lsa_dirty);
}

static void test_hello_lists_heard(void **state)
{
	hello(7, 1, 0, 255);
	hello(8, 1, 1, 255);
	hnd_neigh_tick(&agent, fake_now);
	assert_int_equal(sent_hello, 2); /* one per port */
	/* the last HELLO went out of p1 and lists only the neighbour there */
	assert_int_equal(last_hello.u.hello.n_heard, 1);
	assert_int_equal(last_hello.u.hello.heard[0].node, 8);
	assert_int_equal(last_hello.u.hello.heard[0].rx_ratio, 255);
}

static void test_loss_raises_cost(void **state)
{
	struct hnd_neigh *n;
	__u32 seq;

	/* every other HELLO lost: half the delivery one way */
	for (seq = 0; seq < 32; seq += 2) {
		hello(7, seq, 0, 255);
		advance_ms(400);
	}
	n = hnd_neigh_find(&agent, 7);
	assert_true(n->up);
	advance_ms(0);
	hnd_neigh_tick(&agent, fake_now - 200 * NSEC_PER_MSEC);
	assert_in_range(n->rx_ratio, 120, 136);
	/* ~2x a clean link: ETT 24 us at 1 Gbit/s, 2400 us at 10 Mbit/s */
	assert_in_range(hnd_neigh_cost(&agent, n), 23, 26);
	assert_int_equal(n->cost, hnd_neigh_cost(&agent, n));
	agent.cfg.link_kbps = 10000;
	assert_in_range(hnd_neigh_cost(&agent, n), 2250, 2550);
	/* route-metric etx: capacity ignored, ~2x a clean link's 256 */
	agent.cfg.route_metric = HND_METRIC_ETX;
	assert_in_range(hnd_neigh_cost(&agent, n), 480, 545);
	/* hops: a lossy link costs what a clean one does */
	agent.cfg.route_metric = HND_METRIC_HOPS;
	assert_int_equal(hnd_neigh_cost(&agent, n), HND_HOP_COST);
	agent.cfg.route_metric = HND_METRIC_ETT;
	features(&agent, n, n->feat);
	assert_in_range(n->feat[HN_FEAT_LOSS], 60, 66);
}

/* ett-load: the ETT, weighed by the port's transmit utilisation. */
static void test_cost_ett_load(void **state)
{
	struct hnd_neigh *n;
	__u32 seq;

	agent.cfg.link_kbps = 10000;
	agent.cfg.route_metric = HND_METRIC_ETT_LOAD;
	hello(7, 1, 0, 255);
	n = hnd_neigh_find(&agent, 7);
	assert_true(n->up);
	/* idle: the ETT of a clean 10 Mbit/s link */
	assert_int_equal(n->cost, 1200);
	hnd_neigh_tick(&agent, fake_now); /* first counter sample */
	for (seq = 2; seq < 5; seq++) {
		advance_ms(200);
		hello(7, seq, 0, 255);
	}
	/* 600 ms at 5 Mbit/s: half full, 1.5 x the ETT */
	set_tx("p0", 375000);
	agent.lsa_dirty = false;
	hnd_neigh_tick(&agent, fake_now);
	assert_int_equal(agent.ports[0].util, 500);
	assert_int_equal(hnd_neigh_cost(&agent, n),
			 hn_link_ett_load(1200, hn_util_from_pm(500)));
	/* more than a quarter up: advertised in a new LSA */
	assert_int_equal(n->cost, 1802);
	assert_true(agent.lsa_dirty);
	agent.ports[0].util = 1000;
	assert_int_equal(hnd_neigh_cost(&agent, n), 2400);
	/* another port's load is not this link's */
	agent.ports[0].util = 0;
	agent.ports[1].util = 1000;
	assert_int_equal(hnd_neigh_cost(&agent, n), 1200);
	/* ett ignores load */
	agent.ports[0].util = 1000;
	agent.cfg.route_metric = HND_METRIC_ETT;
	assert_int_equal(hnd_neigh_cost(&agent, n), 1200);
}

static void test_silence_kills(void **state)
{
	struct hnd_neigh *n;
	int idx;

	hello(7, 1, 0, 255);
	n = hnd_neigh_find(&agent, 7);
	idx = n->dp_idx;
	assert_true(n->up);
	/* 3 missed HELLOs of 200 ms, plus an eighth: still alive at 650 */
	advance_ms(650);
	hnd_neigh_tick(&agent, fake_now);
	assert_true(n->used && n->up);
	advance_ms(100);
	hnd_neigh_tick(&agent, fake_now);
	assert_null(hnd_neigh_find(&agent, 7));
	assert_int_equal(dp_dels, 1);
	assert_int_equal(dp_nb[idx].valid, 0);
	assert_true(agent.lsa_dirty);
}

static void test_no_longer_hears_us(void **state)
{
	hello(7, 1, 0, 255);
	assert_true(hnd_neigh_find(&agent, 7)->up);
	hello(7, 2, 0, 0);
	assert_null(hnd_neigh_find(&agent, 7));
	assert_int_equal(dp_dels, 1);
}

static void test_port_vanishes(void **state)
{
	hello(7, 1, 0, 255);
	hello(8, 1, 1, 255);
	vanish_port = 0;
	hnd_neigh_tick(&agent, fake_now);
	assert_null(hnd_neigh_find(&agent, 7));
	assert_non_null(hnd_neigh_find(&agent, 8));
	assert_int_equal(dp_dels, 1);
}

static void test_restart_seq_jump(void **state)
{
	struct hnd_neigh *n;
	__u32 seq;

	for (seq = 5000; seq < 5016; seq++) {
		hello(7, seq, 0, 255);
		advance_ms(200);
	}
	n = hnd_neigh_find(&agent, 7);
	assert_int_equal(n->rx_ratio, 255);
	/* its agent restarted: seqs start over; no loss is inferred */
	hello(7, 3, 0, 255);
	assert_int_equal(n->rx_ratio, 255);
	assert_true(n->up);
	advance_ms(200);
	hello(7, 4, 0, 255);
	assert_int_equal(n->rx_ratio, 255);
}

static void test_second_port_ignored(void **state)
{
	hello(7, 1, 0, 255);
	hello(7, 2, 1, 255);
	assert_int_equal(hnd_neigh_find(&agent, 7)->port, 0);
	assert_int_equal(dp_sets, 1);
}

static void test_table_full(void **state)
{
	unsigned int i;

	for (i = 0; i < HND_MAX_NEIGH; i++)
		hello(100 + i, 1, 0, 255);
	assert_int_equal(dp_sets, HND_MAX_NEIGH);
	hello(999, 1, 0, 255);
	assert_null(hnd_neigh_find(&agent, 999));
	assert_int_equal(dp_sets, HND_MAX_NEIGH);
}

/*
 * Two-way is not enough: a neighbour must answer a challenge (a PROBE
 * with a random id) from the address and port it was heard on.  A HELLO
 * recorded on one link and replayed on another is heard, but nobody
 * answers from there (issue 12, item 5).
 */
static void test_challenge_before_up(void **state)
{
	struct hnd_neigh *n;

	answer_challenges = 0;
	hello(7, 1, 0, 255);
	n = hnd_neigh_find(&agent, 7);
	assert_non_null(n);
	assert_false(n->up);
	assert_int_equal(dp_sets, 0);
	assert_int_equal(sent_chal, 1);
	assert_int_equal(last_sent.type, HN_T_PROBE);
	assert_int_equal(last_sent.dst, 7);
	/* more HELLOs within a second: no second challenge */
	advance_ms(200);
	hello(7, 2, 0, 255);
	assert_int_equal(sent_chal, 1);
	/* a wrong echo, the right echo from elsewhere: still not up */
	assert_false(answer_from(7, 0, mac_x, 1));
	assert_false(answer_from(7, 0, mac_y, 0));
	assert_false(answer_from(7, 1, mac_x, 0));
	assert_false(n->up);
	/* unanswered: asked again after a second */
	advance_ms(1000);
	hello(7, 3, 0, 255);
	assert_int_equal(sent_chal, 2);
	/* answered from where it was heard: up */
	assert_true(answer_from(7, 0, mac_x, 0));
	assert_true(n->up);
	assert_true(n->verified);
	assert_int_equal(dp_sets, 1);
	/* the answer is taken once */
	assert_false(answer_from(7, 0, mac_x, 0));
}

/*
 * Verified at one address, a neighbour stays there while it lives: a
 * HELLO of its from another address (its other port's, replayed here)
 * moves nothing and asks nothing.
 */
static void test_verified_address_kept(void **state)
{
	struct hnd_neigh *n;

	hello(7, 1, 0, 255);
	n = hnd_neigh_find(&agent, 7);
	assert_true(n->up);
	answer_challenges = 0;
	hello_from(7, 2, 0, mac_y, 255);
	assert_true(n->up);
	assert_memory_equal(n->mac, mac_x, 6);
	assert_int_equal(sent_chal, 1);
	assert_int_equal(dp_dels, 0);
}

/*
 * A challenge answered starts the sender's replay window afresh at the
 * answer's counter: how a neighbour whose clock went back, or whose window
 * a key holder's forged counter moved ahead, gets its frames accepted
 * again (issue 12, item 6).
 */
static void test_challenge_restarts_window(void **state)
{
	struct hnd_sender *s;
	__u64 forged = UINT64_MAX - 1, genuine = 1ULL << 40;
	int i;

	s = hnd_sender(&agent, 9);
	assert_non_null(s);
	/* a key holder's frames filled the window, far ahead */
	for (i = 0; i < HN_REPLAY_WINDOW; i++)
		assert_int_equal(
			hn_replay_accept(&s->replay, forged - i, fake_now), 0);
	assert_int_equal(hn_replay_accept(&s->replay, genuine, fake_now),
			 -ESTALE);
	hnd_challenge(&agent, s, 0, mac_x);
	assert_int_equal(sent_chal, 1);
	assert_true(answer_from(9, 0, mac_x, 0));
	assert_int_equal(s->replay.n, 1);
	assert_true(s->replay.seen[0] < forged);
	assert_int_equal(hn_replay_accept(&s->replay, s->replay.seen[0] + 1,
					  fake_now),
			 0);
}

static void test_probe_rtt(void **state)
{
	struct hn_ctrl_msg a = { .type = HN_T_ACK, .src = 7 };
	struct hnd_neigh *n;

	hello(7, 1, 0, 255);
	n = hnd_neigh_find(&agent, 7);
	hnd_neigh_tick(&agent, fake_now);
	assert_int_equal(sent_probe, 1);
	a.u.probe = last_sent.u.probe;
	/* a stale or forged id changes nothing */
	a.u.probe.id++;
	advance_ms(2);
	hnd_ack_rx(&agent, &a);
	assert_int_equal(n->rtt_ns, 0);
	a.u.probe.id--;
	hnd_ack_rx(&agent, &a);
	assert_int_equal(n->rtt_ns, 2 * NSEC_PER_MSEC);
	/* answered once only */
	advance_ms(5);
	hnd_ack_rx(&agent, &a);
	assert_int_equal(n->rtt_ns, 2 * NSEC_PER_MSEC);
	/* the next probe goes out probe-interval-ms (250 +-10 %) later */
	advance_ms(200);
	hnd_neigh_tick(&agent, fake_now);
	assert_int_equal(sent_probe, 1);
	advance_ms(80);
	hnd_neigh_tick(&agent, fake_now);
	assert_int_equal(sent_probe, 2);
	/* a 10 ms round trip moves the estimate a quarter of the way */
	a.u.probe = last_sent.u.probe;
	advance_ms(10);
	hnd_ack_rx(&agent, &a);
	assert_int_equal(n->rtt_ns, 4 * NSEC_PER_MSEC);
	/* DELAY is the one-way half: 2000 us */
	features(&agent, n, n->feat);
	assert_int_equal(n->feat[HN_FEAT_DELAY], hn_scale_log(2000));
}

/* LOAD: our transmit utilisation of the port, against its capacity. */
static void test_load_measured(void **state)
{
	struct hnd_neigh *n7, *n8;

	agent.cfg.link_kbps = 10000;
	agent.cfg.port_kbps[1] = 20000;
	hello(7, 1, 0, 255);
	hello(8, 1, 1, 255);
	n7 = hnd_neigh_find(&agent, 7);
	n8 = hnd_neigh_find(&agent, 8);
	assert_int_equal(dp_nb[n7->dp_idx].feat[HN_FEAT_LOAD], 0);
	assert_int_equal(dp_nb[n7->dp_idx].feat[HN_FEAT_CAPACITY],
			 hn_scale_log(10000));
	assert_int_equal(dp_nb[n8->dp_idx].feat[HN_FEAT_CAPACITY],
			 hn_scale_log(20000));
	hnd_neigh_tick(&agent, fake_now); /* first counter sample */
	/* 500 ms: 156250 bytes are 2.5 Mbit/s, a quarter of p0's 10 */
	set_tx("p0", 156250);
	set_tx("p1", 156250);
	advance_ms(500);
	hello(7, 2, 0, 255);
	hello(8, 2, 1, 255);
	hnd_neigh_tick(&agent, fake_now);
	assert_int_equal(agent.ports[0].util, 250);
	assert_int_equal(agent.ports[1].util, 125);
	assert_int_equal(dp_nb[n7->dp_idx].feat[HN_FEAT_LOAD],
			 hn_scale_ratio(250));
	assert_int_equal(dp_nb[n8->dp_idx].feat[HN_FEAT_LOAD],
			 hn_scale_ratio(125));
	/* not sampled again before the period is over */
	set_tx("p0", 10000000);
	advance_ms(100);
	hnd_neigh_tick(&agent, fake_now);
	assert_int_equal(agent.ports[0].util, 250);
	/* offered beyond capacity: saturates at 1000 */
	advance_ms(400);
	hnd_neigh_tick(&agent, fake_now);
	assert_int_equal(agent.ports[0].util, 1000);
	/* a counter going back (device recreated) restarts at 0 */
	set_tx("p0", 5);
	advance_ms(500);
	hello(7, 3, 0, 255);
	hnd_neigh_tick(&agent, fake_now);
	assert_int_equal(agent.ports[0].util, 0);
	assert_int_equal(dp_nb[n7->dp_idx].feat[HN_FEAT_LOAD], 0);
}

static void test_probe_answered(void **state)
{
	struct hn_ctrl_msg p = { .type = HN_T_PROBE, .src = 7 };

	p.u.probe.id = 42;
	p.u.probe.t_ns = 123456789;
	hnd_probe_rx(&agent, 0, mac_x, &p);
	assert_int_equal(sent_ack, 1);
	assert_int_equal(last_sent.dst, 7);
	assert_int_equal(last_sent.u.probe.id, 42);
	assert_int_equal(last_sent.u.probe.t_ns, 123456789);
}

static void test_model_behind(void **state)
{
	struct hn_ctrl_msg m = { .type = HN_T_HELLO, .src = 7, .seq = 1 };

	agent.model_gen = 5;
	m.u.hello.interval_ms = 200;
	m.u.hello.model_gen = 4;
	m.u.hello.n_heard = 1;
	m.u.hello.heard[0].node = 1;
	m.u.hello.heard[0].rx_ratio = 255;
	hnd_hello_rx(&agent, 0, mac_x, &m);
	assert_int_equal(model_sends, 0); /* not up before verified */
	assert_int_equal(campaign_sends, 0);
	assert_true(answer_from(7, 0, mac_x, 0));
	assert_int_equal(model_sends, 1);
	/* a neighbour that comes up is sent the campaign, once */
	assert_int_equal(campaign_sends, 1);
	m.seq = 2;
	m.u.hello.model_gen = 5;
	hnd_hello_rx(&agent, 0, mac_x, &m);
	assert_int_equal(model_sends, 1);
	assert_int_equal(campaign_sends, 1);
}

/* ---- gossip ---------------------------------------------------------------- */

static int gossip_setup(void **state)
{
	setup(state);
	memset(dp_rt, 0, sizeof(dp_rt));
	lsa_floods = 0;
	agent.topo = hn_topo_new(agent.cfg.node_id);
	/* seqs reserved: nothing is persisted into the state directory */
	agent.lsa_seq_reserved = 1U << 20;
	return agent.topo ? 0 : -1;
}

static int gossip_teardown(void **state)
{
	hn_topo_free(agent.topo);
	agent.topo = NULL;
	return 0;
}

/* A gossip tick @ms later; whether it flooded a new LSA of ours. */
static bool tick_sent(unsigned int ms)
{
	unsigned int floods = lsa_floods;

	advance_ms(ms);
	hnd_gossip_tick(&agent, fake_now);
	return lsa_floods != floods;
}

/* What we flooded last: an LSA of ours. */
static const struct hn_ctrl_lsa *flooded(void)
{
	assert_int_equal(last_sent.type, HN_T_GOSSIP);
	assert_int_equal(last_sent.u.lsa.origin, agent.cfg.node_id);
	return &last_sent.u.lsa;
}

/* Each link carries its port's transmit utilisation, 0..255. */
static void test_lsa_util(void **state)
{
	const struct hn_ctrl_lsa *l;

	hello(7, 1, 0, 255);
	hello(8, 1, 1, 255);
	agent.ports[0].util = 500; /* permille */
	agent.ports[1].util = 1000;
	assert_true(tick_sent(0));
	l = flooded();
	/* the first asks everyone for theirs, and carries utilisation too */
	assert_int_equal(l->flags, HN_LSA_F_RESYNC | HN_LSA_F_UTIL);
	assert_int_equal(l->n_links, 2);
	assert_int_equal(l->links[0].node, 7);
	assert_int_equal(l->links[0].util, 128);
	assert_int_equal(l->links[1].node, 8);
	assert_int_equal(l->links[1].util, 255);
	/* the database holds what went out: routes weigh the same */
	assert_int_equal(hn_topo_get(agent.topo, 1)->links[0].util, 128);
	assert_false(tick_sent(1000));
}

/*
 * A new LSA once a link's utilisation moved by HN_UTIL_READV from what
 * the last one said, not on smaller moves, and not within LSA_MIN_GAP.
 */
static void test_lsa_util_moved(void **state)
{
	hello(7, 1, 0, 255);
	agent.ports[0].util = 500; /* 128 */
	assert_true(tick_sent(0));
	/* 600 permille is 153: less than HN_UTIL_READV away, not news */
	agent.ports[0].util = 600;
	assert_false(tick_sent(1000));
	/* 630 is 161, 33 away: news, and no RESYNC this time */
	agent.ports[0].util = 630;
	assert_true(tick_sent(1000));
	assert_int_equal(flooded()->flags, HN_LSA_F_UTIL);
	assert_int_equal(flooded()->links[0].util, 161);
	/* from what was said, not from the first: 500 is 33 down */
	agent.ports[0].util = 500;
	assert_false(tick_sent(10)); /* within LSA_MIN_GAP */
	assert_true(tick_sent(50));
	assert_int_equal(flooded()->links[0].util, 128);
	/* drifting by small steps adds up against what was said */
	agent.ports[0].util = 560; /* 143 */
	assert_false(tick_sent(1000));
	agent.ports[0].util = 630; /* 161: 33 from 128 */
	assert_true(tick_sent(1000));
}

/* An LSA of @origin, @seq, @flags with @n links @k, as if flooded to us. */
static void lsa_rx(__u32 origin, __u32 seq, __u16 flags, unsigned int n,
		   const struct hn_ctrl_link *k)
{
	struct hn_ctrl_msg m = { .type = HN_T_GOSSIP, .src = origin };

	m.u.lsa.origin = origin;
	m.u.lsa.seq = seq;
	m.u.lsa.flags = flags;
	m.u.lsa.lifetime_s = 40;
	m.u.lsa.n_links = n;
	memcpy(m.u.lsa.links, k, n * sizeof(*k));
	hnd_lsa_rx(&agent, &m);
}

/* A neighbour's RESYNC still makes our LSA due beside HN_LSA_F_UTIL. */
static void test_lsa_resync_with_util(void **state)
{
	static const struct hn_ctrl_link k = { .node = 1, .cost = 12 };

	hello(7, 1, 0, 255);
	assert_true(tick_sent(0));
	lsa_rx(7, 1, HN_LSA_F_UTIL, 1, &k);
	assert_false(agent.lsa_dirty);
	lsa_rx(7, 2, HN_LSA_F_UTIL | HN_LSA_F_RESYNC, 1, &k);
	assert_true(agent.lsa_dirty);
	assert_true(tick_sent(50));
}

/* The rate of each stage we host rides on our LSA (HN_LSA_F_RATES). */
static void test_lsa_rates(void **state)
{
	static const struct hn_ctrl_rate told = { 500000, 200, 1 };
	struct hn_ctrl_rate r = told;

	agent.cfg.stages[0] = 2;
	agent.cfg.stages[1] = 3;
	agent.cfg.n_stages = 2;
	agent.cfg.stage_rate[2] = (struct hn_ctrl_rate){ 800000, 0, 0 };
	hnd_rates_tick(&agent, fake_now);
	assert_true(agent.lsa_dirty);
	assert_true(tick_sent(0));
	assert_int_equal(flooded()->flags,
			 HN_LSA_F_RESYNC | HN_LSA_F_UTIL | HN_LSA_F_RATES);
	assert_int_equal(flooded()->rates[0].ns_per_item, 800000);
	assert_int_equal(flooded()->rates[1].ns_per_item, 0);
	/* a runner tells stage 3's rate: news */
	assert_int_equal(hnd_rate_tell(&agent, 3, &told, fake_now), 0);
	assert_int_equal(hnd_rate_tell(&agent, 9, &told, fake_now), -ENOENT);
	hnd_rates_tick(&agent, fake_now);
	assert_true(tick_sent(50));
	assert_int_equal(flooded()->rates[1].ns_per_item, 500000);
	assert_int_equal(flooded()->rates[1].busy, 200);
	assert_int_equal(flooded()->rates[1].queue, 1);
	/* a small move is not news; the refresh carries it */
	r.ns_per_item = 510000;
	assert_int_equal(hnd_rate_tell(&agent, 3, &r, fake_now), 0);
	hnd_rates_tick(&agent, fake_now);
	assert_false(tick_sent(100));
	/* not told again for three windows: stage 3 is not measured */
	advance_ms(3 * agent.cfg.rate_window_ms);
	hnd_rates_tick(&agent, fake_now);
	assert_true(tick_sent(0));
	assert_int_equal(flooded()->rates[1].ns_per_item, 0);
	assert_int_equal(flooded()->rates[0].ns_per_item, 800000);
}

/*
 * stage-dev's counters, window after window: its stage's rate on our
 * LSA; a reload (counters back) or another stage starts a new window.
 */
static void test_rates_dev(void **state)
{
	struct hn_genl_dev dev = { .has_stage = true, .stage_id = 2 };

	agent.cfg.stages[0] = 2;
	agent.cfg.n_stages = 1;
	dev.stats[HNET_STATS_A_COMPUTE_NS] = 1000;
	dev.stats[HNET_STATS_A_TENSORS_DONE] = 10;
	hnd_rates_dev(&agent, &dev, fake_now); /* the first: no window */
	assert_int_equal(agent.rates[0].now.ns_per_item, 0);
	/* 1 s: 400 tensors in 200 ms of compute, 3 in flight */
	advance_ms(1000);
	dev.stats[HNET_STATS_A_COMPUTE_NS] += 200000000;
	dev.stats[HNET_STATS_A_TENSORS_DONE] += 400;
	dev.inflight = 3;
	hnd_rates_dev(&agent, &dev, fake_now);
	assert_int_equal(agent.rates[0].now.ns_per_item, 500000);
	assert_int_equal(agent.rates[0].now.busy, 200);
	assert_int_equal(agent.rates[0].now.queue, 3);
	assert_int_equal(agent.st.rate_samples, 1);
	hnd_rates_tick(&agent, fake_now);
	assert_true(tick_sent(0));
	assert_int_equal(flooded()->rates[0].ns_per_item, 500000);
	/* the stage reloaded: counters from 0, the rate kept, no window */
	advance_ms(1000);
	dev.stats[HNET_STATS_A_COMPUTE_NS] = 5;
	dev.stats[HNET_STATS_A_TENSORS_DONE] = 1;
	hnd_rates_dev(&agent, &dev, fake_now);
	assert_int_equal(agent.st.rate_resets, 1);
	assert_int_equal(agent.rates[0].now.ns_per_item, 500000);
	/* the next window counts from there */
	advance_ms(1000);
	dev.stats[HNET_STATS_A_COMPUTE_NS] += 100000000;
	dev.stats[HNET_STATS_A_TENSORS_DONE] += 100;
	hnd_rates_dev(&agent, &dev, fake_now);
	assert_int_equal(agent.rates[0].now.ns_per_item, 1000000);
	assert_int_equal(agent.rates[0].now.busy, 100);
	/* a stage we do not host: nothing of ours moves */
	dev.stage_id = 9;
	advance_ms(1000);
	dev.stats[HNET_STATS_A_COMPUTE_NS] += 100000000;
	dev.stats[HNET_STATS_A_TENSORS_DONE] += 1;
	hnd_rates_dev(&agent, &dev, fake_now);
	advance_ms(1000);
	dev.stats[HNET_STATS_A_TENSORS_DONE] += 1;
	hnd_rates_dev(&agent, &dev, fake_now);
	assert_int_equal(agent.rates[0].now.ns_per_item, 1000000);
	/* unreadable: the next read starts a new window */
	hnd_rates_dev(&agent, NULL, fake_now);
	assert_int_equal(agent.dev_stage, 0);
}

/* An LSA of @origin with a link to us and stage 2 at @ns per tensor. */
static void lsa_rx_rates(__u32 origin, __u32 seq, __u32 ns, __u16 busy)
{
	struct hn_ctrl_msg m = { .type = HN_T_GOSSIP, .src = origin };

	m.u.lsa.origin = origin;
	m.u.lsa.seq = seq;
	m.u.lsa.flags = HN_LSA_F_RATES;
	m.u.lsa.lifetime_s = 40;
	m.u.lsa.load = 30;
	m.u.lsa.n_links = 1;
	m.u.lsa.links[0] = (struct hn_ctrl_link){ .node = 1, .cost = 12 };
	m.u.lsa.n_stages = 1;
	m.u.lsa.stages[0] = 2;
	m.u.lsa.rates[0] = (struct hn_ctrl_rate){ ns, busy, 3 };
	hnd_lsa_rx(&agent, &m);
}

/* What hnd_hosts_out() says of @stage: text, or JSON; malloc()ed. */
static char *hosts(unsigned int stage, bool json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct jsonw w;

	assert_non_null(f);
	jsonw_init(&w, f);
	hnd_hosts_out(&agent, stage, f, json ? &w : NULL);
	fclose(f);
	return out;
}

/* Another node's rate, as its LSA says it, for local clients. */
static void test_hosts(void **state)
{
	char *out, line[160];

	agent.cfg.stages[0] = 2;
	agent.cfg.n_stages = 1;
	hello(7, 1, 0, 255);
	assert_true(tick_sent(0));
	lsa_rx_rates(7, 1, 1250000, 400);
	tick_sent(50);
	out = hosts(2, false);
	/* a header, us first (cost 0, nothing measured), then 7 */
	assert_memory_equal(out, "node ", 5);
	snprintf(line, sizeof(line), "\n%-10u %5u %4u %11u", 1, 2, 1, 0);
	assert_non_null(strstr(out, line));
	snprintf(line, sizeof(line), "\n%-10u %5u %4u %11u %7u %5u %4u", 7, 2,
		 0, 1250000, 400, 3, 30);
	assert_non_null(strstr(out, line));
	assert_true(strstr(out, "\n1 ") < strstr(out, "\n7 "));
	free(out);
	out = hosts(0, true);
	assert_non_null(strstr(out, "{\"node\":7,\"stage\":2,\"self\":false,"
				    "\"ns_per_item\":1250000,\"busy_pm\":400,"
				    "\"queue\":3,\"load\":30,"));
	free(out);
	/* a newer LSA: the new rate */
	lsa_rx_rates(7, 2, 2000000, 900);
	out = hosts(2, true);
	assert_non_null(strstr(out, "\"ns_per_item\":2000000,\"busy_pm\":900"));
	free(out);
	out = hosts(3, false); /* no host of stage 3 */
	assert_null(strstr(out, "\n7 "));
	free(out);
}

static const struct hn_dp_route *dp_route(__u32 dst)
{
	unsigned int i;

	for (i = 0; i < DP_ROUTES; i++)
		if (dp_rt[i].dst == dst)
			return &dp_rt[i].rt;
	fail_msg("no route to %u written", dst);
	return NULL;
}

/* The candidate of @rt through our neighbour @node. */
static const struct hn_dp_cand *cand_via(const struct hn_dp_route *rt,
					 __u32 node)
{
	int idx = hnd_neigh_dp_idx(&agent, node);
	unsigned int i;

	for (i = 0; i < rt->n_cand; i++)
		if (rt->cand[i].neigh == idx)
			return &rt->cand[i];
	fail_msg("no candidate via %u", node);
	return NULL;
}

/*
 * Us (1) to 9 through 7 (12 + 100) or 8 (12 + 110): idle, both
 * candidates look alike to the model.  Once 7 says its link to 9 is
 * full, the route feature shows the path through 7 costing more than the
 * other, a hop beyond the first; the default next hop stays the ETT one.
 */
static void test_route_feature_load(void **state)
{
	struct hn_ctrl_link k7[2] = { { .node = 1, .cost = 12 },
				      { .node = 9, .cost = 100 } };
	static const struct hn_ctrl_link k8[2] = { { .node = 1, .cost = 12 },
						   { .node = 9, .cost = 110 } },
					 k9[2] = { { .node = 7, .cost = 100 },
						   { .node = 8, .cost = 110 } };
	const struct hn_dp_route *rt;

	hello(7, 1, 0, 255);
	hello(8, 1, 1, 255);
	assert_int_equal(hnd_neigh_find(&agent, 7)->cost, 12);
	assert_int_equal(hnd_neigh_find(&agent, 8)->cost, 12);
	lsa_rx(7, 1, HN_LSA_F_UTIL, 2, k7);
	lsa_rx(8, 1, HN_LSA_F_UTIL, 2, k8);
	lsa_rx(9, 1, 0, 2, k9);
	tick_sent(0);
	rt = dp_route(9);
	assert_int_equal(rt->n_cand, 2);
	assert_int_equal(rt->cand[rt->def].neigh, hnd_neigh_dp_idx(&agent, 7));
	assert_int_equal(cand_via(rt, 7)->dist, hn_rt_route_dist(112, 112, 2));
	assert_int_equal(cand_via(rt, 8)->dist, hn_rt_route_dist(122, 112, 2));
	assert_int_equal(cand_via(rt, 7)->dist, cand_via(rt, 8)->dist);

	k7[1].util = 255;
	lsa_rx(7, 2, HN_LSA_F_UTIL, 2, k7);
	tick_sent(1000);
	rt = dp_route(9);
	assert_int_equal(rt->cand[rt->def].neigh, hnd_neigh_dp_idx(&agent, 7));
	/*
	 * via 7: 12 + 7's least load-aware cost to 9, min(100 x 2, back
	 * through us and 8: 12 + 12 + 110), against 122 via 8: ratio level 1
	 */
	assert_int_equal(cand_via(rt, 7)->dist, hn_rt_route_dist(146, 122, 2));
	assert_int_equal(cand_via(rt, 7)->dist, (1 * 4 + 2) * 8);
	assert_int_equal(cand_via(rt, 8)->dist, hn_scale_hops(2));
}

/* ---- config ---------------------------------------------------------------- */

static const char *KEY =
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static int conf_file(const char *text, char *path)
{
	int fd;

	strcpy(path, "/tmp/hn-test-conf.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return 0;
}

static int load(const char *text, struct hnd_config *c, char *err,
		size_t errlen)
{
	char path[64];
	int ret;

	hnd_config_defaults(c);
	conf_file(text, path);
	ret = hnd_config_load(c, path, err, errlen);
	if (!ret)
		ret = hnd_config_check(c, err, errlen);
	unlink(path);
	return ret;
}

/* The defaults hypernetd(8) documents. */
static void test_config_defaults(void **state)
{
	struct hnd_config c;

	hnd_config_defaults(&c);
	assert_int_equal(c.node_id, 0);
	assert_int_equal(c.n_ports, 0);
	assert_int_equal(c.hello_ms, 200);
	assert_int_equal(c.dead_hellos, 3);
	assert_int_equal(c.probe_ms, 250);
	assert_int_equal(c.stale_ms, 0);
	assert_int_equal(c.lsa_refresh_s, 10);
	assert_int_equal(c.lsa_lifetime_s, 40);
	assert_int_equal(c.load, 0);
	assert_int_equal(c.link_kbps, 1000000);
	assert_int_equal(c.capacity, hn_scale_log(1000000));
	assert_int_equal(c.margin_min, 0);
	assert_int_equal(c.split_step, HN_RT_SPLIT_STEP);
	assert_int_equal(c.n_stages, 0);
	assert_int_equal(c.xdp_mode, HND_XDP_AUTO);
	assert_int_equal(c.route_metric, HND_METRIC_ETT);
	assert_false(c.keep_attached);
	assert_string_equal(c.state_dir, "/var/lib/hypernet");
}

static void test_config_good(void **state)
{
	struct hnd_config c;
	char err[256], text[1024];

	snprintf(text, sizeof(text),
		 "# a router\n"
		 "node-id = 42\n"
		 "port = wlan0\n"
		 "  port=eth1  \n"
		 "mesh-key = 7 %s\n"
		 "hello-interval-ms = 100\n"
		 "stages = 1, 3,9\n"
		 "xdp-mode = generic\n"
		 "margin-min = -5\n"
		 "split-step = 0\n"
		 "keep-attached = 1\n"
		 "port = veth9   25000\n"
		 "link-kbps = 8000\n"
		 "stage-rate = 3 250000\n"
		 "stage-rate = 9 1000 1000 65535\n"
		 "stage-dev = hnt0\n"
		 "rate-window-ms = 500\n",
		 KEY);
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.node_id, 42);
	assert_int_equal(c.n_ports, 3);
	assert_string_equal(c.ports[1], "eth1");
	assert_string_equal(c.ports[2], "veth9");
	assert_int_equal(c.port_kbps[1], 0); /* link-kbps applies */
	assert_int_equal(c.port_kbps[2], 25000);
	assert_int_equal(c.link_kbps, 8000);
	assert_int_equal(c.probe_ms, 250); /* default */
	assert_int_equal(c.n_keys, 1);
	assert_int_equal(c.keys[0].id, 7);
	assert_int_equal(c.keys[0].key[1], 0x11);
	assert_int_equal(c.hello_ms, 100);
	assert_int_equal(c.n_stages, 3);
	assert_int_equal(c.stages[2], 9);
	assert_int_equal(c.stage_rate[3].ns_per_item, 250000);
	assert_int_equal(c.stage_rate[3].busy, 0);
	assert_int_equal(c.stage_rate[9].busy, 1000);
	assert_int_equal(c.stage_rate[9].queue, 65535);
	assert_int_equal(c.stage_rate[1].ns_per_item, 0);
	assert_string_equal(c.stage_dev, "hnt0");
	assert_int_equal(c.rate_window_ms, 500);
	assert_int_equal(c.xdp_mode, HND_XDP_GENERIC);
	assert_int_equal(c.margin_min, -5);
	assert_int_equal(c.split_step, 0);
	assert_true(c.keep_attached);
	/* off unless asked for: an agent takes no one's port by default */
	assert_false(c.xdp_force);
	assert_false(c.xdp_reattach);
	snprintf(text, sizeof(text),
		 "node-id = 1\nport = a\nmesh-key = 1 %s\n"
		 "xdp-mode = multiprog\nxdp-force = 1\nxdp-reattach = 1\n",
		 KEY);
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.xdp_mode, HND_XDP_MULTIPROG);
	assert_true(c.xdp_force);
	assert_true(c.xdp_reattach);
	snprintf(
		text, sizeof(text),
		"node-id = 1\nport = a\nmesh-key = 1 %s\nroute-metric = hops\n",
		KEY);
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.route_metric, HND_METRIC_HOPS);
	assert_string_equal(hnd_route_metric_name(c.route_metric), "hops");
	snprintf(text, sizeof(text),
		 "node-id = 1\nport = a\nmesh-key = 1 %s\nroute-metric = etx\n",
		 KEY);
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.route_metric, HND_METRIC_ETX);
	snprintf(
		text, sizeof(text),
		"node-id = 1\nport = a\nmesh-key = 1 %s\nroute-metric = ett-load\n",
		KEY);
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.route_metric, HND_METRIC_ETT_LOAD);
	assert_string_equal(hnd_route_metric_name(c.route_metric), "ett-load");
	/* no port in the privacy domain unless named */
	assert_false(hnd_config_private(&c, "a"));
	snprintf(text, sizeof(text),
		 "node-id = 1\nport = a\nport = b\nport = c\n"
		 "mesh-key = 1 %s\nprivate-domain = a  c\nprivate-domain = a\n",
		 KEY);
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n_private, 2);
	assert_true(hnd_config_private(&c, "a"));
	assert_false(hnd_config_private(&c, "b"));
	assert_true(hnd_config_private(&c, "c"));
	snprintf(text, sizeof(text),
		 "node-id = 1\nport = a\nmesh-key = 1 %s\n"
		 "private-domain = a b\n",
		 KEY);
	assert_int_not_equal(load(text, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "private-domain names b, which is not"));
}

static void test_config_bad(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "node-id = 0\n", ":1: node-id: '0' is not a number" },
		{ "node-id = 12x\n", "node-id: '12x'" },
		{ "node-id 5\n", ":1: want 'key = value'" },
		{ "colour = blue\n", "unknown key 'colour'" },
		{ "port = \n", "not an interface name" },
		{ "port = averyveryverylongifname\n", "not an interface name" },
		{ "port = a\nport = a\n", ":2: port a given twice" },
		{ "port = a\nport = a 100\n", ":2: port a given twice" },
		{ "port = a 10x\n", "port a: '10x' is not a capacity" },
		{ "port = a # wan\n", "port 'a # wan': not an interface name" },
		{ "port = a 0\n", "port a: '0' is not a capacity" },
		{ "port = a 10 20\n", "is not a capacity" },
		{ "port = a/b 10\n", "not an interface name" },
		{ "link-kbps = 0\n", "link-kbps: '0' is not kbit/s" },
		{ "link-kbps = 5000000000\n", "link-kbps" },
		{ "mesh-key = 1 abcd\n", "want 64 hex digits" },
		{ "mesh-key = x\n", "want 'ID HEX'" },
		{ "hello-interval-ms = 5\n", "10..60000" },
		{ "dead-hellos = 1\n", "2..100" },
		{ "stages = 0\n", "'0' is not a stage id" },
		{ "stages = 2,3,2\n", "stages: 2 given twice" },
		{ "stage-rate = 2\n", "stage-rate: '2' is not 'STAGE" },
		{ "stage-rate = 0 100\n", "stage-rate: '0 100'" },
		{ "stage-rate = 2 0\n", "stage-rate: '2 0'" },
		{ "stage-rate = 2 100 1001\n", "stage-rate: '2 100 1001'" },
		{ "stage-rate = 2 100 10 65536\n", "stage-rate" },
		{ "stage-rate = 2 100 10 5 5\n", "stage-rate" },
		{ "stage-rate = 2 1x\n", "stage-rate" },
		{ "stage-dev = \n", "stage-dev: '' is not an interface name" },
		{ "rate-window-ms = 50\n", "100..600000" },
		{ "node-id = 3\nport = a\nmesh-key = 1 "
		  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
		  "stages = 2\nstage-rate = 3 100\n",
		  "stage-rate for stage 3, which 'stages' does not list" },
		{ "xdp-mode = fast\n",
		  "not auto, native, generic or multiprog" },
		{ "keep-attached = yes\n", "want 0 or 1" },
		{ "xdp-force = 2\n", "xdp-force: want 0 or 1" },
		{ "xdp-reattach = on\n", "xdp-reattach: want 0 or 1" },
		{ "load-permille = 2000\n", "permille" },
		{ "margin-min = many\n", "not an integer" },
		{ "split-step = 257\n", "split-step" },
		{ "route-metric = ETT\n",
		  "route-metric: 'ETT' is not ett, etx, hops or ett-load" },
		{ "route-metric = \n", "is not ett, etx, hops or ett-load" },
		{ "private-domain = \n", "private-domain: no port named" },
		{ "private-domain = a\nprivate-domain =  \n",
		  ":2: private-domain: no port named" },
		{ "private-domain = a/b\n",
		  "private-domain: 'a/b' is not an interface name" },
		{ "\n# empty\n", "no node-id" },
		{ "node-id = 3\n", "no mesh port" },
		{ "node-id = 3\nport = a\n", "no mesh key" },
	};
	struct hnd_config c;
	char err[256];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		assert_int_not_equal(load(cases[i].text, &c, err, sizeof(err)),
				     0);
		if (!strstr(err, cases[i].want))
			fail_msg("case %u: '%s' lacks '%s'", i, err,
				 cases[i].want);
	}
}

static void test_config_lifetime(void **state)
{
	struct hnd_config c;
	char err[256], text[512];

	snprintf(text, sizeof(text),
		 "node-id = 3\nport = a\nmesh-key = 1 %s\n"
		 "lsa-refresh-s = 30\nlsa-lifetime-s = 30\n",
		 KEY);
	assert_int_not_equal(load(text, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "must exceed"));
}

/* A mesh key in the config makes it as secret as a key file. */
static void test_config_secrets(void **state)
{
	char err[512], text[512], path[64], keys[64];
	struct hnd_config c;
	FILE *f;

	snprintf(text, sizeof(text), "node-id = 3\nport = a\nmesh-key = 1 %s\n",
		 KEY);
	conf_file(text, path);
	/* mkstemp() made it 0600: accepted */
	hnd_config_defaults(&c);
	assert_int_equal(hnd_config_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.n_keys, 1);
	/* readable by others: refused, with what to do */
	assert_int_equal(chmod(path, 0644), 0);
	hnd_config_defaults(&c);
	assert_int_not_equal(hnd_config_load(&c, path, err, sizeof(err)), 0);
	assert_non_null(strstr(
		err,
		"config with an inline mesh-key is accessible by group or others (mode 0644)"));
	assert_non_null(strstr(err, "run 'chmod 600"));
	assert_non_null(
		strstr(err, "move the key (line 3) into a mesh-key-file"));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_not_equal(hnd_config_load(&c, path, err, sizeof(err)), 0);
	unlink(path);

	/* without a key in it, the config may be read by all */
	strcpy(keys, "/tmp/hn-test-keys.XXXXXX");
	f = fdopen(mkstemp(keys), "w");
	assert_non_null(f);
	fprintf(f, "2 %s\n", KEY);
	fclose(f);
	snprintf(text, sizeof(text),
		 "node-id = 3\nport = a\nmesh-key-file = %s\n", keys);
	conf_file(text, path);
	assert_int_equal(chmod(path, 0644), 0);
	hnd_config_defaults(&c);
	assert_int_equal(hnd_config_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.keys[0].id, 2);
	unlink(path);
	unlink(keys);

	/* the command line takes no key, but everything else */
	hnd_config_defaults(&c);
	err[0] = 0;
	assert_int_not_equal(
		hnd_config_set_arg(&c, "mesh-key", text, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "mesh-key-file=PATH"));
	assert_int_equal(c.n_keys, 0);
	assert_int_equal(
		hnd_config_set_arg(&c, "node-id", "5", err, sizeof(err)), 0);
	assert_int_equal(c.node_id, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_echo_reply, setup),
		cmocka_unit_test_setup(test_monitor, setup),
		cmocka_unit_test_setup(test_echo_expired, setup),
		cmocka_unit_test_setup(test_trace_wait, setup),
		cmocka_unit_test_setup(test_ping_wait, setup),
		cmocka_unit_test_setup(test_one_way_then_up, setup),
		cmocka_unit_test_setup(test_hello_lists_heard, setup),
		cmocka_unit_test_setup(test_loss_raises_cost, setup),
		cmocka_unit_test_setup(test_cost_ett_load, setup),
		cmocka_unit_test_setup(test_silence_kills, setup),
		cmocka_unit_test_setup(test_no_longer_hears_us, setup),
		cmocka_unit_test_setup(test_port_vanishes, setup),
		cmocka_unit_test_setup(test_restart_seq_jump, setup),
		cmocka_unit_test_setup(test_second_port_ignored, setup),
		cmocka_unit_test_setup(test_table_full, setup),
		cmocka_unit_test_setup(test_challenge_before_up, setup),
		cmocka_unit_test_setup(test_verified_address_kept, setup),
		cmocka_unit_test_setup(test_challenge_restarts_window, setup),
		cmocka_unit_test_setup(test_probe_rtt, setup),
		cmocka_unit_test_setup(test_probe_answered, setup),
		cmocka_unit_test_setup(test_load_measured, setup),
		cmocka_unit_test_setup(test_model_behind, setup),
		cmocka_unit_test_setup_teardown(test_lsa_util, gossip_setup,
						gossip_teardown),
		cmocka_unit_test_setup_teardown(test_lsa_util_moved,
						gossip_setup, gossip_teardown),
		cmocka_unit_test_setup_teardown(test_lsa_rates, gossip_setup,
						gossip_teardown),
		cmocka_unit_test_setup_teardown(test_hosts, gossip_setup,
						gossip_teardown),
		cmocka_unit_test_setup_teardown(test_rates_dev, gossip_setup,
						gossip_teardown),
		cmocka_unit_test_setup_teardown(test_lsa_resync_with_util,
						gossip_setup, gossip_teardown),
		cmocka_unit_test_setup_teardown(test_route_feature_load,
						gossip_setup, gossip_teardown),
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_good),
		cmocka_unit_test(test_config_bad),
		cmocka_unit_test(test_config_lifetime),
		cmocka_unit_test(test_config_secrets),
	};
	static const char *const devs[] = { "p0", "p1" };
	char path[128];
	unsigned int i;
	int ret;

	if (!mkdtemp(fake_sys))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s/statistics/tx_bytes",
			 fake_sys, devs[i]);
		unlink(path);
		*strrchr(path, '/') = 0;
		rmdir(path);
		*strrchr(path, '/') = 0;
		rmdir(path);
	}
	rmdir(fake_sys);
	return ret;
}
