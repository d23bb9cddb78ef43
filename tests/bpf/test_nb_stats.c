// SPDX-License-Identifier: GPL-2.0
/*
 * Per-neighbour data-plane counters (hn_nb_stats): with
 * hn_dp_set_nb_counters() on, every frame sent to a neighbour, redirected
 * or sent back out of its ingress port, counts once for that neighbour
 * with its bytes, until the neighbour is removed; off (the default),
 * nothing counts.  Needs root.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>

#include "dp.h"
#include "helpers_dp.h"

#define SELF 1
#define PLEN 100

static struct hn_t_net net;

/* Neighbour @i, node 100 + @i, on @ifindex. */
static void neigh(struct hn_dp *dp, __u32 i, __u32 ifindex)
{
	struct hn_dp_neigh nb = { .node = 100 + i, .ifindex = ifindex };
	struct hn_dp_route rt = { .n_cand = 1 };
	char err[256] = "";

	nb.mac[0] = 0x02;
	nb.mac[5] = i;
	nb.last_seen_ns = hn_dp_now_ns();
	memset(nb.feat, 64, sizeof(nb.feat));
	rt.cand[0].neigh = i;
	rt.cand[0].dist = hn_scale_hops(1);
	if (hn_dp_set_neigh(dp, i, &nb, err, sizeof(err)) ||
	    hn_dp_set_route(dp, 900 + i, &rt, err, sizeof(err)))
		fail_msg("neighbour %u: %s", i, err);
}

/* A data frame to @dst: its verdict; *@len its length. */
static __u32 send_to(struct hn_dp *dp, __u32 dst, size_t *len)
{
	static __u8 in[2048], out[2048];
	__u8 smac[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	size_t olen = sizeof(out);
	struct hnhdr h = {};
	__u32 verdict;

	h.version = HN_VERSION;
	h.type = HN_T_DATA;
	h.ttl = 8;
	h.len = htons(PLEN);
	h.src = htonl(7);
	h.dst = htonl(dst);
	*len = hn_t_frame(in, net.in_mac, smac, ETH_P_HYPERNET, &h, PLEN);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, *len,
				  out, &olen, &verdict),
			 0);
	return verdict;
}

static void run(bool on)
{
	struct hn_dp_config cfg = { .node_id = SELF,
				    .margin_min = 0,
				    .stale_ns = 60000000000ULL };
	struct hn_dp_nb_stats s0, s1, s2;
	char err[256] = "";
	struct hn_dp *dp;
	size_t len = 0;
	int i;

	hn_dp_set_nb_counters(on);
	dp = hn_t_dp_open(&net);
	assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)), 0);
	neigh(dp, 0, net.out_ifindex); /* redirected to it */
	neigh(dp, 1, net.in_ifindex); /* XDP_TX */
	for (i = 0; i < 5; i++)
		assert_int_equal(send_to(dp, 900, &len), XDP_REDIRECT);
	for (i = 0; i < 3; i++)
		assert_int_equal(send_to(dp, 901, &len), XDP_TX);
	/* a frame for no route counts for nobody */
	assert_int_equal(send_to(dp, 950, &len), XDP_DROP);
	assert_int_equal(hn_dp_get_nb_stats(dp, 0, &s0), 0);
	assert_int_equal(hn_dp_get_nb_stats(dp, 1, &s1), 0);
	assert_int_equal(hn_dp_get_nb_stats(dp, 2, &s2), 0);
	assert_int_equal(s0.tx_frames, on ? 5 : 0);
	assert_int_equal(s0.tx_bytes, on ? 5 * len : 0);
	assert_int_equal(s1.tx_frames, on ? 3 : 0);
	assert_int_equal(s1.tx_bytes, on ? 3 * len : 0);
	assert_int_equal(s2.tx_frames, 0);
	/* a neighbour removed: its slot's next one starts from zero */
	assert_int_equal(hn_dp_del_neigh(dp, 0), 0);
	assert_int_equal(hn_dp_get_nb_stats(dp, 0, &s0), 0);
	assert_int_equal(s0.tx_frames, 0);
	assert_int_equal(s0.tx_bytes, 0);
	hn_dp_close(dp);
}

static void test_counters_on(void **state)
{
	run(true);
}

static void test_counters_off(void **state)
{
	run(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_on),
		cmocka_unit_test(test_counters_off),
	};

	hn_t_need_bpf();
	hn_t_pin_cpu();
	hn_t_netns(&net);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
