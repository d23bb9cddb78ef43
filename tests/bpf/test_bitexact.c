// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP program's scores are the userspace reference's, bit for bit.
 * Random valid models, random neighbour features, distances, classes,
 * sizes and TTLs; for every frame each candidate's score in the trace must
 * equal hn_rt_score() of the raw feature vector, and the frame must leave
 * towards the reference argmax (ties: lowest index) with its margin.  Each
 * frame runs twice: traced, and untraced, which takes the data plane's
 * common path (its own argmax, no hn_choose()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <cmocka.h>

#include <hypernet/route.h>
#include "helpers_dp.h"
#include "helpers_hn.h"

#define SELF 10
#define DST 1000
#define FRAMES 10000
#define MODEL_EVERY 100 /* frames per model */

static struct hn_t_net net;
static struct hn_dp *dp;

static __s32 rnd_range(__s32 lo, __s32 hi)
{
	return lo + (__s32)(hn_t_rand() % (__u64)(hi - lo + 1));
}

static void random_model(struct hn_rt_model *m)
{
	int j, i;

	for (j = 0; j < HN_RT_HIDDEN; j++) {
		for (i = 0; i < HN_RT_NFEAT; i++)
			m->w1[j][i] = (__s8)rnd_range(-128, 127);
		m->w2[j] = (__s8)rnd_range(-128, 127);
		/* biases both small and near what hn_layer_fits allows */
		m->b1[j] = hn_t_rand() & 1 ? rnd_range(-4000, 4000) :
					     rnd_range(-(1 << 20), 1 << 20);
	}
	m->b2 = rnd_range(-100000, 100000);
	m->shift1 = rnd_range(0, 14);
}

/*
 * The reference choice among @n scores @s: the index of the highest (the
 * first of equals), its score in *@top and the next highest, equal to it
 * on a tie, in *@next (left alone when @n is 1).
 */
static int top_two(const __s32 *s, int n, __s32 *top, __s32 *next)
{
	int best = 0, have = 0, i;

	for (i = 1; i < n; i++)
		if (s[i] > s[best])
			best = i;
	*top = s[best];
	for (i = 0; i < n; i++) {
		if (i == best || (have && s[i] <= *next))
			continue;
		*next = s[i];
		have = 1;
	}
	return best;
}

static void test_bitexact(void **state)
{
	struct hn_dp_config cfg = { .node_id = SELF,
				    .margin_min = INT32_MIN,
				    .flags = HN_DP_CFG_TRACE };
	struct hn_dp_config fast = { .node_id = SELF,
				     .margin_min = INT32_MIN,
				     .flags = HN_DP_CFG_NO_CACHE };
	__u8 feat[HN_DP_MAX_CAND][HN_NB_NFEAT];
	__u8 nbmac[HN_DP_MAX_CAND][6];
	unsigned long vectors = 0, mismatches = 0, ties = 0;
	struct hn_rt_model m;
	char err[256] = "";
	int f;

	hn_t_seed(0x5EED0001);
	assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)), 0);
	for (f = 0; f < FRAMES; f++) {
		__u8 in[2200], out[2300], x[HN_RT_NFEAT];
		__s32 ref[HN_DP_MAX_CAND], best_s = 0, second = 0;
		struct hn_dp_route rt = {};
		struct hn_dp_trace tr;
		struct hnhdr h = {};
		int i, n, best, have2, bad = 0;
		size_t len, olen = sizeof(out);
		__u16 plen;
		__u32 verdict;

		if (f % MODEL_EVERY == 0) {
			random_model(&m);
			assert_int_equal(hn_dp_install_model(dp, &m, err,
							     sizeof(err)),
					 0);
		}
		/* fresh neighbours: features and pre change every frame */
		n = rnd_range(1, HN_DP_MAX_CAND);
		for (i = 0; i < n; i++) {
			struct hn_dp_neigh nb = {};
			int k;

			nb.node = 100 + i;
			nb.ifindex = i & 1 ? net.out_ifindex : net.in_ifindex;
			nbmac[i][0] = 0x02;
			nbmac[i][1] = 0;
			nbmac[i][2] = 0;
			nbmac[i][3] = 0;
			nbmac[i][4] = 0;
			nbmac[i][5] = 0x10 + i;
			memcpy(nb.mac, nbmac[i], 6);
			for (k = 0; k < HN_NB_NFEAT; k++)
				/* the extremes matter most for saturation */
				feat[i][k] = hn_t_rand() % 8 ?
						     (__u8)rnd_range(
							     0, HN_FEAT_MAX) :
						     (__u8)(hn_t_rand() & 1) *
							     HN_FEAT_MAX;
			memcpy(nb.feat, feat[i], HN_NB_NFEAT);
			assert_int_equal(hn_dp_set_neigh(dp, i, &nb, err,
							 sizeof(err)),
					 0);
			rt.cand[i].neigh = i;
			rt.cand[i].dist = hn_scale_hops(rnd_range(0, 20));
		}
		rt.n_cand = n;
		rt.def = rnd_range(0, n - 1);
		assert_int_equal(
			hn_dp_set_route(dp, DST, &rt, err, sizeof(err)), 0);

		h.version = HN_VERSION;
		h.type = HN_T_DATA;
		h.ttl = rnd_range(2, 255);
		h.tclass = rnd_range(0, 255);
		plen = rnd_range(0, 2100);
		h.len = htons(plen);
		h.src = htonl(7);
		h.dst = htonl(DST);
		h.seq = htonl(f);
		len = hn_t_frame(in, net.in_mac, nbmac[0], ETH_P_HYPERNET, &h,
				 plen);
		assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)),
				 0);
		assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in,
					  len, out, &olen, &verdict),
				 0);
		assert_int_equal(hn_dp_get_trace(dp, &tr), 0);

		for (i = 0; i < n; i++) {
			memcpy(x, feat[i], HN_NB_NFEAT);
			x[HN_FEAT_DIST] = rt.cand[i].dist;
			x[HN_FEAT_CLASS] = hn_scale_class(h.tclass);
			x[HN_FEAT_SIZE] = hn_scale_size(HN_HDR_LEN + plen);
			x[HN_FEAT_TTL] = hn_scale_ttl(h.ttl);
			ref[i] = hn_rt_score(&m, x);
			vectors++;
			if (tr.score[i] != ref[i] ||
			    memcmp(tr.feat[i], x, sizeof(x)))
				bad = 1;
		}
		best = top_two(ref, n, &best_s, &second);
		have2 = n > 1;
		if (have2 && best_s == second)
			ties++;
		if (tr.n_cand != n || tr.winner != best || tr.chosen != best ||
		    tr.reason != HN_DP_R_MODEL ||
		    tr.margin != (have2 ? best_s - second : INT32_MAX))
			bad = 1;
		/* and it really left towards the winner */
		if (verdict != (best & 1 ? XDP_REDIRECT : XDP_TX) ||
		    memcmp(out, nbmac[best], 6) || out[14 + 3] != h.ttl - 1)
			bad = 1;
		/* the same frame without tracing */
		assert_int_equal(hn_dp_set_config(dp, &fast, err, sizeof(err)),
				 0);
		olen = sizeof(out);
		assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in,
					  len, out, &olen, &verdict),
				 0);
		if (verdict != (best & 1 ? XDP_REDIRECT : XDP_TX) ||
		    memcmp(out, nbmac[best], 6) || out[14 + 3] != h.ttl - 1)
			bad = 1;
		if (bad && mismatches++ < 5) {
			printf("frame %d: n %d winner %u/%d margin %d/%d verdict %s\n",
			       f, n, tr.winner, best, tr.margin,
			       have2 ? best_s - second : INT32_MAX,
			       hn_t_verdict(verdict));
			for (i = 0; i < n; i++)
				printf("  cand %d: xdp %d ref %d\n", i,
				       tr.score[i], ref[i]);
		}
	}
	printf("%d frames, %lu feature vectors, %lu ties, %lu mismatches\n",
	       FRAMES, vectors, ties, mismatches);
	assert_int_equal(mismatches, 0);
	assert_true(vectors >= 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitexact),
	};

	hn_t_need_bpf();
	hn_t_netns(&net);
	dp = hn_t_dp_open(&net);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
