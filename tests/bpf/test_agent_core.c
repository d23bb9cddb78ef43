// SPDX-License-Identifier: GPL-2.0
/*
 * hypernetd's own code (everything but main.c, linked from the agent's
 * archive) against a real data plane in a private network namespace,
 * driven by hand: no sockets, no event loop, clocks the test moves.  What
 * the slower netns tests would only show after seconds of a running mesh:
 *   - a model whose expiry passes while the agent runs is taken out of
 *     the data plane at the next model tick (decisions fall back);
 *   - a control frame replayed with a counter already seen is dropped
 *     before it reaches the neighbour logic, under any of the mesh keys,
 *     and one under a removed key is refused;
 *   - gossip places a stage's hosts in the task map with their own load,
 *     and the data plane sends anycast frames to the less loaded one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "helpers_dp.h"
#include "helpers_hn.h"
#include "model.h"
#include "../../userspace/hypernetd/hypernetd.h"

#define SELF 1
#define SEC_NS 1000000000ULL

static __u64 fake_now;
static struct hn_t_net net;
static struct hn_dp *dp;
static struct hnd d;
static char dir[] = "/tmp/hn-agent-core-XXXXXX";
static const char key_hex[] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/* ---- what main.c provides ------------------------------------------------ */

__u64 hnd_now(void)
{
	return fake_now;
}

/* The wall clock for model expiry: the test's. */
static __u64 fake_unix = 1700000000;

__u64 hnd_unix_now(void)
{
	return fake_unix;
}

void hnd_log(struct hnd *a, int level, const char *fmt, ...)
{
	va_list ap;

	if (!getenv("HN_TEST_VERBOSE"))
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void hnd_log_rl(struct hnd *a, struct hnd_rl *rl, int level, const char *fmt,
		...)
{
}

/* ---- set-up -------------------------------------------------------------- */

static void must(int ret, const char *what, const char *err)
{
	if (ret)
		fail_msg("%s: %d (%s)", what, ret, err);
}

/* What the agent allocated: its topology, model file and transfers. */
static void agent_free(void)
{
	unsigned int i;

	if (d.topo)
		hn_topo_free(d.topo);
	free(d.model_file);
	for (i = 0; i < HND_XFER_SLOTS; i++) {
		free(d.xfer[i].buf);
		free(d.xfer[i].have);
	}
	memset(&d, 0, sizeof(d));
}

/* A fresh agent on the shared data plane, as main.c sets one up. */
static int agent_reset(void **state)
{
	/* no decision cache: every frame below is decided afresh */
	struct hn_dp_config cfg = { .node_id = SELF,
				    .flags = HN_DP_CFG_NO_CACHE };
	char err[256] = "";
	unsigned int i;

	agent_free();
	hnd_config_defaults(&d.cfg);
	d.cfg.node_id = SELF;
	snprintf(d.cfg.state_dir, sizeof(d.cfg.state_dir), "%s", dir);
	d.cfg.keys[0].id = 1;
	if (hn_mesh_key_parse(key_hex, &d.cfg.keys[0]))
		return -1;
	d.cfg.n_keys = 1;
	if (hn_pubkeys_load(hn_t_path("model.pub"), d.trusted, HN_MAX_TRUSTED,
			    &d.n_trusted, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	d.dp = dp;
	d.topo = hn_topo_new(SELF);
	d.n_ports = 1;
	snprintf(d.ports[0].name, sizeof(d.ports[0].name), "hnt0");
	d.ports[0].ifindex = net.in_ifindex;
	d.ports[0].fd = -1; /* sends fail and are counted; no socket */
	d.ctl_fd = d.lock_fd = d.epfd = d.sigfd = -1;
	for (i = 0; i < HND_MAX_NEIGH; i++)
		d.nb[i].dp_idx = -1;
	fake_now = hn_dp_now_ns();
	if (hn_dp_clear_model(dp) ||
	    hn_dp_set_config(dp, &cfg, err, sizeof(err)))
		return -1;
	return d.topo ? 0 : -1;
}

static int group_setup(void **state)
{
	if (hn_t_dir_make(dir))
		return -1;
	dp = hn_t_dp_open(&net);
	return hn_t_keypair("model", NULL);
}

static int group_teardown(void **state)
{
	agent_free();
	hn_dp_close(dp);
	return hn_t_dir_remove();
}

/* ---- the data plane's side ----------------------------------------------- */

/* Neighbour @idx: node @node on hnt2, @quality, never stale. */
static void dp_neigh(__u32 idx, __u32 node, __u8 quality)
{
	struct hn_dp_neigh nb = { .node = node };
	char err[256] = "";

	nb.ifindex = net.out_ifindex;
	nb.mac[0] = 0x02;
	nb.mac[5] = node;
	nb.feat[HN_FEAT_QUALITY] = quality;
	nb.feat[HN_FEAT_DELAY] = 20;
	nb.last_seen_ns = hn_dp_now_ns() + 3600 * SEC_NS;
	must(hn_dp_set_neigh(dp, idx, &nb, err, sizeof(err)), "neigh", err);
}

/* A frame to @dst (a task with @flags HN_F_ANYCAST) through XDP. */
static __u32 xdp_run(__u32 dst, __u8 flags, struct hnhdr *out_h,
		     struct hn_dp_stats *st)
{
	const __u8 mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	struct hnhdr h = { .version = HN_VERSION,
			   .type = HN_T_DATA,
			   .flags = flags,
			   .ttl = 16,
			   .len = htons(32),
			   .src = htonl(99),
			   .dst = htonl(dst),
			   .seq = htonl(1) };
	__u8 in[256], out[256];
	size_t len = hn_t_frame(in, net.in_mac, mac, ETH_P_HYPERNET, &h, 32),
	       olen = sizeof(out);
	__u32 verdict;

	assert_int_equal(hn_dp_reset_stats(dp), 0);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	assert_int_equal(hn_dp_get_stats(dp, st), 0);
	if (out_h && olen >= ETH_HLEN + sizeof(*out_h))
		memcpy(out_h, out + ETH_HLEN, sizeof(*out_h));
	return verdict;
}

/* ---- model expiry -------------------------------------------------------- */

/* A signed route model image scoring by quality alone. */
static void *model_image(__u64 gen, __u64 expiry, size_t *len)
{
	struct hn_rt_model rt;
	char err[256] = "";
	struct hn_model m;
	void *plain, *img;
	size_t plen;

	memset(&rt, 0, sizeof(rt));
	rt.w1[0][HN_FEAT_QUALITY] = 1;
	rt.w2[0] = 1;
	must(hn_model_from_rt(&rt, gen, &m, err, sizeof(err)), "from_rt", err);
	m.expiry = expiry;
	must(hn_model_serialize(&m, &plain, &plen, err, sizeof(err)),
	     "serialize", err);
	must(hn_model_sign_image(plain, plen, hn_t_path("model.key"), &img, len,
				 err, sizeof(err)),
	     "sign", err);
	free(plain);
	hn_model_free(&m);
	return img;
}

static void offer(__u64 gen, __u64 expiry)
{
	char err[256] = "";
	size_t len;
	void *img = model_image(gen, expiry, &len);

	must(hnd_model_offer(&d, img, len, false, "test", err, sizeof(err)),
	     "offer", err);
	free(img);
}

/* Route 100 over n0 (quality 127) or n1 (64, the default). */
static void model_topology(void)
{
	struct hn_dp_route rt = { .n_cand = 2,
				  .def = 1,
				  .cand = { { 0, 8 }, { 1, 8 } } };
	char err[256] = "";

	dp_neigh(0, 20, 127);
	dp_neigh(1, 30, 64);
	must(hn_dp_set_route(dp, 100, &rt, err, sizeof(err)), "route", err);
}

/* Does the data plane decide route 100 by a model? */
static int decides_by_model(void)
{
	struct hn_dp_stats st;
	struct hnhdr h;

	assert_int_equal(xdp_run(100, 0, &h, &st), XDP_REDIRECT);
	assert_int_equal(st.decisions, 1);
	return !st.fb_no_model;
}

static void test_model_expires_while_running(void **state)
{
	const __u64 expiry = fake_unix + 100;
	struct hn_rt_model cur;

	model_topology();
	offer(3, expiry);
	assert_int_equal(d.model_gen, 3);
	assert_int_equal(hn_dp_get_model(dp, &cur), 0);
	assert_true(decides_by_model());

	/* a second before: still deciding */
	fake_unix = expiry - 1;
	fake_now += SEC_NS;
	hnd_model_tick(&d, fake_now);
	assert_false(d.model_expired);
	assert_int_equal(hn_dp_get_model(dp, &cur), 0);
	assert_true(decides_by_model());

	/* at the expiry: out of the data plane, the shortest path decides */
	fake_unix = expiry;
	fake_now += SEC_NS;
	hnd_model_tick(&d, fake_now);
	assert_true(d.model_expired);
	assert_int_not_equal(hn_dp_get_model(dp, &cur), 0);
	assert_false(decides_by_model());
	/* ... and stays out */
	fake_unix = expiry + 3600;
	hnd_model_tick(&d, fake_now + SEC_NS);
	assert_int_not_equal(hn_dp_get_model(dp, &cur), 0);
	/* the generation is not forgotten: older models stay refused */
	assert_int_equal(d.model_gen, 3);

	/* a newer model takes over and is watched again */
	offer(4, fake_unix + 50);
	assert_false(d.model_expired);
	assert_int_equal(hn_dp_get_model(dp, &cur), 0);
	assert_true(decides_by_model());
	fake_unix += 49;
	hnd_model_tick(&d, fake_now + 2 * SEC_NS);
	assert_true(decides_by_model());
	fake_unix += 1;
	hnd_model_tick(&d, fake_now + 3 * SEC_NS);
	assert_false(decides_by_model());
	assert_int_equal(hn_dp_del_route(dp, 100), 0);
}

/* A model without expiry never leaves. */
static void test_model_without_expiry_stays(void **state)
{
	struct hn_rt_model cur;

	model_topology();
	offer(5, 0);
	fake_unix += 10 * 365 * 86400;
	hnd_model_tick(&d, fake_now + SEC_NS);
	assert_false(d.model_expired);
	assert_int_equal(hn_dp_get_model(dp, &cur), 0);
	assert_true(decides_by_model());
	assert_int_equal(hn_dp_del_route(dp, 100), 0);
}

/* ---- replayed control frames --------------------------------------------- */

static const __u8 peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x20 };

/*
 * A HELLO from @src with @counter, sealed with the mesh key for the link
 * it arrives on (broadcast from peer_mac).
 */
static size_t hello_key(__u8 *buf, size_t size, __u32 src, __u64 counter,
			const struct hn_mesh_key *key)
{
	struct hn_ctrl_msg m = {
		.type = HN_T_HELLO,
		.flags = HN_F_MCAST,
		.ttl = 1,
		.src = src,
		.dst = HN_GROUP_ALL,
		.seq = (__u32)counter,
		.counter = counter,
	};
	int len;

	memset(m.l2.dst, 0xff, 6);
	memcpy(m.l2.src, peer_mac, 6);
	m.u.hello.interval_ms = 200;
	len = hn_ctrl_encode(buf, size, &m, key);
	assert_true(len > 0);
	return len;
}

static size_t hello(__u8 *buf, size_t size, __u32 src, __u64 counter)
{
	return hello_key(buf, size, src, counter, &d.cfg.keys[0]);
}

/* Feed a frame as the port's socket would; how many HELLOs got through. */
static __u64 rx(const __u8 *frame, size_t len)
{
	struct sockaddr_ll sll = { .sll_halen = 6,
				   .sll_pkttype = PACKET_BROADCAST };
	__u8 buf[HN_CTRL_MAX + 64];

	memcpy(sll.sll_addr, peer_mac, 6);
	memcpy(buf, frame, len); /* the agent may write to it */
	hnd_port_dispatch(&d, 0, &sll, buf, len, fake_now);
	return d.st.hello_rx;
}

static void test_replay_dropped(void **state)
{
	__u8 f5[HN_CTRL_MAX], f4[HN_CTRL_MAX], f70[HN_CTRL_MAX],
		other[HN_CTRL_MAX], fn[HN_CTRL_MAX];
	unsigned int i;
	size_t n;
	size_t l5 = hello(f5, sizeof(f5), 20, 5),
	       l4 = hello(f4, sizeof(f4), 20, 4),
	       l70 = hello(f70, sizeof(f70), 20, 70),
	       lo = hello(other, sizeof(other), 21, 5);

	assert_int_equal(rx(f5, l5), 1);
	assert_non_null(hnd_neigh_find(&d, 20));
	/* the same frame again, byte for byte: a replay */
	assert_int_equal(rx(f5, l5), 1);
	assert_int_equal(d.st.rx_replay, 1);
	/* late but new: accepted once */
	assert_int_equal(rx(f4, l4), 2);
	assert_int_equal(rx(f4, l4), 2);
	assert_int_equal(d.st.rx_replay, 2);
	/* the same counter from another sender is that sender's business */
	assert_int_equal(rx(other, lo), 3);
	/*
	 * The window is the 64 highest counters: with 64 above them, the
	 * old ones fall out of it and are stale.
	 */
	assert_int_equal(rx(f70, l70), 4);
	for (i = 71; i < 70 + HN_REPLAY_WINDOW; i++) {
		n = hello(fn, sizeof(fn), 20, i);
		assert_int_equal(rx(fn, n), 4 + i - 70);
	}
	assert_int_equal(rx(f5, l5), 3 + HN_REPLAY_WINDOW);
	assert_int_equal(d.st.rx_stale, 1);
	assert_int_equal(d.st.rx_replay, 2);
	assert_int_equal(rx(f70, l70), 3 + HN_REPLAY_WINDOW);
	assert_int_equal(d.st.rx_replay, 3);
	/* a copy with one byte changed is no replay but a forgery */
	f70[l70 - 1] ^= 1;
	assert_int_equal(rx(f70, l70), 3 + HN_REPLAY_WINDOW);
	assert_int_equal(d.st.rx_bad[HN_CE_MAC], 1);
	assert_int_equal(d.st.rx_replay, 3);
}

/*
 * Mesh-key rotation: with two keys accepted, a sender's frames count in
 * one replay window whatever key signs them, so a sender switching keys
 * goes on where it was and a frame replayed under its other key is still
 * a replay; once a key is removed (a reload), frames under it are
 * refused as unknown-key before the replay window sees them.
 */
static void test_replay_across_keys(void **state)
{
	struct hn_mesh_key k1 = d.cfg.keys[0], k2 = k1;
	__u8 f[HN_CTRL_MAX];
	size_t n;

	k2.id = 2;
	k2.key[0] ^= 0x5a;
	d.cfg.keys[1] = k2;
	d.cfg.n_keys = 2;
	n = hello_key(f, sizeof(f), 20, 5, &k1);
	assert_int_equal(rx(f, n), 1);
	/* counter 5 again, under the other key */
	n = hello_key(f, sizeof(f), 20, 5, &k2);
	assert_int_equal(rx(f, n), 1);
	assert_int_equal(d.st.rx_replay, 1);
	/* the sender switched keys: its next counter is taken */
	n = hello_key(f, sizeof(f), 20, 6, &k2);
	assert_int_equal(rx(f, n), 2);
	/* and one it sent earlier under the old key, late, still is */
	n = hello_key(f, sizeof(f), 20, 4, &k1);
	assert_int_equal(rx(f, n), 3);
	/* key 1 removed: refused, counted, the window untouched */
	d.cfg.keys[0] = k2;
	d.cfg.n_keys = 1;
	n = hello_key(f, sizeof(f), 20, 7, &k1);
	assert_int_equal(rx(f, n), 3);
	assert_int_equal(d.st.rx_bad[HN_CE_KEY], 1);
	n = hello_key(f, sizeof(f), 20, 7, &k2);
	assert_int_equal(rx(f, n), 4);
	assert_int_equal(d.st.rx_replay, 1);
}

/* ---- gossip: hosts' load into the task map ------------------------------- */

#define STAGE 5

/* An LSA of @origin, linked to us, hosting STAGE at @load. */
static void lsa_from(__u32 origin, __u32 seq, __u8 load)
{
	struct hn_ctrl_msg m = { .type = HN_T_GOSSIP, .src = origin };
	struct hn_ctrl_lsa *l = &m.u.lsa;

	l->origin = origin;
	l->seq = seq;
	l->lifetime_s = 40;
	l->load = load;
	l->capacity = 50;
	l->n_links = 1;
	l->links[0].node = SELF;
	l->links[0].cost = 256;
	l->links[0].quality = 127;
	l->n_stages = 1;
	l->stages[0] = STAGE;
	hnd_lsa_rx(&d, &m);
}

/* Our neighbour @node, up, at data-plane index @idx. */
static void neigh_is_up(unsigned int idx, __u32 node)
{
	struct hnd_neigh *n = &d.nb[idx];

	n->used = n->up = true;
	n->node = node;
	n->port = 0;
	n->dp_idx = idx;
	n->cost = 256;
	n->feat[HN_FEAT_QUALITY] = 127;
	dp_neigh(idx, node, 127);
}

/* The host task STAGE's anycast frames are placed on. */
static __u32 placed(void)
{
	struct hn_dp_stats st;
	struct hnhdr h;

	assert_int_equal(xdp_run(STAGE, HN_F_ANYCAST, &h, &st), XDP_REDIRECT);
	assert_int_equal(st.any_remote, 1);
	return ntohl(h.dst);
}

static void test_gossip_hosts_load(void **state)
{
	struct hn_rt_model m;
	struct hn_dp_task t;
	char err[256] = "";
	unsigned int i;

	/* a model that scores a host 127 - load, nothing else */
	memset(&m, 0, sizeof(m));
	m.b1[0] = 127;
	m.w1[0][HN_FEAT_LOAD] = -1;
	m.w2[0] = 1;
	must(hn_dp_install_model(dp, &m, err, sizeof(err)), "model", err);
	neigh_is_up(0, 2);
	neigh_is_up(1, 3);
	lsa_from(2, 1, 100);
	lsa_from(3, 1, 10);
	hnd_gossip_tick(&d, fake_now);
	/* one hop to each, straight through it */
	for (i = 0; i < 2; i++) {
		struct hn_dp_route rt;

		assert_int_equal(hn_dp_get_route(dp, 2 + i, &rt), 0);
		assert_int_equal(rt.n_cand, 1);
		assert_int_equal(rt.def, 0);
		assert_int_equal(rt.cand[0].neigh, i);
		assert_int_equal(rt.cand[0].dist, hn_scale_hops(1));
	}
	assert_int_equal(hn_dp_get_task(dp, STAGE, &t), 0);
	assert_int_equal(t.n_host, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(t.host[i].load,
				 t.host[i].node == 2 ? 100 : 10);
		assert_int_equal(t.host[i].capacity, 50);
	}
	assert_int_equal(placed(), 3);

	/* the loads change places, and so does the traffic */
	fake_now += SEC_NS;
	lsa_from(2, 2, 10);
	lsa_from(3, 2, 100);
	hnd_gossip_tick(&d, fake_now);
	assert_int_equal(hn_dp_get_task(dp, STAGE, &t), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(t.host[i].load,
				 t.host[i].node == 2 ? 10 : 100);
	assert_int_equal(placed(), 2);
	assert_int_equal(hn_dp_del_task(dp, STAGE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_model_expires_while_running,
				       agent_reset),
		cmocka_unit_test_setup(test_model_without_expiry_stays,
				       agent_reset),
		cmocka_unit_test_setup(test_replay_dropped, agent_reset),
		cmocka_unit_test_setup(test_replay_across_keys, agent_reset),
		cmocka_unit_test_setup(test_gossip_hosts_load, agent_reset),
	};

	hn_t_need_bpf();
	hn_t_pin_cpu();
	hn_t_netns(&net);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
