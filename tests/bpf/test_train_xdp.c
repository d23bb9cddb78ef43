// SPDX-License-Identifier: GPL-2.0
/*
 * A model hn-train exports is the model the simulator ran: it goes out as
 * a .hnm file, comes back through hn_model_read_file(), is installed in a
 * private data plane, and for the feature vectors the simulator decided
 * on, the XDP program (BPF_PROG_TEST_RUN, traced) scores every candidate
 * as the simulator did and forwards to the candidate it chose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <cmocka.h>

#include <hypernet/route.h>
#include "helpers_dp.h"
#include "../../tools/hn-train/hn-train.h"

#define SELF 10
#define DST 1000
#define MAX_DEC 400

static struct hn_t_net net;
static struct hn_dp *dp;

struct rec {
	struct hn_sim_decision d[MAX_DEC];
	unsigned int n;
};

/* Decisions with every candidate live: the XDP test runs no clock. */
static void keep(void *ctx, const struct hn_sim_decision *d)
{
	struct rec *r = ctx;
	__u32 all = (1U << d->n_cand) - 1;

	if (r->n < MAX_DEC && d->n_cand >= 2 && d->live == all &&
	    d->present == all)
		r->d[r->n++] = *d;
}

static void simulate(const struct hn_rt_model *rt, struct rec *r)
{
	struct hn_sim_topo t;
	struct hn_sim_cfg c;
	struct hn_sim *s;
	char err[128];

	assert_int_equal(hn_sim_topo_make(&t, "rgg:24", 9, err, sizeof(err)),
			 0);
	hn_sim_cfg_defaults(&c);
	c.duration_ms = 2500;
	c.load = 1.0;
	c.traffic = HN_SIM_HOTSPOT;
	c.model = rt;
	c.on_decision = keep;
	c.ctx = r;
	s = hn_sim_new(&t, &c);
	assert_non_null(s);
	hn_sim_run(s);
	hn_sim_free(s);
}

/* One simulated decision replayed in the data plane; 0 if it agrees. */
static int replay(const struct hn_sim_decision *d)
{
	struct hn_dp_config cfg = { .node_id = SELF,
				    .margin_min = INT32_MIN,
				    .flags = HN_DP_CFG_TRACE };
	struct hn_dp_route rt = {};
	struct hn_dp_trace tr;
	struct hnhdr h = {};
	__u8 in[2200], out[2300], mac[6] = { 0x02, 0, 0, 0, 0, 0x10 };
	size_t len, olen = sizeof(out);
	char err[256];
	__u32 verdict;
	int i, bad = 0;

	assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)), 0);
	for (i = 0; i < d->n_cand; i++) {
		struct hn_dp_neigh nb = {};

		nb.node = 100 + i;
		nb.ifindex = i & 1 ? net.out_ifindex : net.in_ifindex;
		memcpy(nb.mac, mac, 6);
		nb.mac[5] = 0x10 + i;
		memcpy(nb.feat, d->x[i], HN_NB_NFEAT);
		assert_int_equal(hn_dp_set_neigh(dp, i, &nb, err, sizeof(err)),
				 0);
		rt.cand[i].neigh = i;
		rt.cand[i].dist = d->x[i][HN_FEAT_DIST];
	}
	rt.n_cand = d->n_cand;
	rt.def = d->def;
	assert_int_equal(hn_dp_set_route(dp, DST, &rt, err, sizeof(err)), 0);

	h.version = HN_VERSION;
	h.type = HN_T_DATA;
	h.ttl = d->ttl;
	h.tclass = d->cls;
	h.len = htons(d->size - HN_HDR_LEN);
	h.src = htonl(7);
	h.dst = htonl(DST);
	len = hn_t_frame(in, net.in_mac, mac, ETH_P_HYPERNET, &h,
			 d->size - HN_HDR_LEN);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	assert_int_equal(hn_dp_get_trace(dp, &tr), 0);
	for (i = 0; i < d->n_cand; i++)
		if (tr.score[i] != d->score[i] ||
		    memcmp(tr.feat[i], d->x[i], HN_RT_NFEAT))
			bad = 1;
	if (tr.chosen != d->chosen || tr.reason != d->reason ||
	    out[5] != 0x10 + d->chosen)
		bad = 1;
	if (bad)
		printf("node %u dst %u: xdp chose %u (%u), sim %u (%u)\n",
		       d->node, d->dst, tr.chosen, tr.reason, d->chosen,
		       d->reason);
	return bad;
}

static void test_export_load_decide(void **state)
{
	char path[] = "/tmp/hn-train-xdp-XXXXXX";
	struct hn_tr_params p;
	struct hn_rt_model sim_rt, file_rt;
	struct hn_model m, back;
	struct rec *r = calloc(1, sizeof(*r));
	unsigned int i, bad = 0;
	char err[256];
	int fd;

	assert_non_null(r);
	if (access("models/route-default.txt", R_OK))
		hn_tr_prior(&p);
	else
		assert_int_equal(hn_tr_read_text("models/route-default.txt", &p,
						 err, sizeof(err)),
				 0);
	assert_int_equal(hn_tr_quantize(&p, &sim_rt, &m, err, sizeof(err)), 0);
	/* export and load back, as the agent would */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hn_model_write_file(path, &m, err, sizeof(err)), 0);
	assert_int_equal(hn_model_read_file(path, &back, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(hn_model_to_rt(&back, &file_rt, err, sizeof(err)), 0);
	assert_memory_equal(&sim_rt, &file_rt, sizeof(sim_rt));
	assert_int_equal(hn_dp_install_model(dp, &file_rt, err, sizeof(err)),
			 0);

	simulate(&sim_rt, r);
	printf("%u simulated decisions to replay\n", r->n);
	assert_true(r->n >= 100);
	for (i = 0; i < r->n; i++)
		bad += replay(&r->d[i]);
	printf("%u of %u differ\n", bad, r->n);
	assert_int_equal(bad, 0);
	hn_model_free(&m);
	hn_model_free(&back);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_load_decide),
	};

	hn_t_need_bpf();
	hn_t_netns(&net);
	dp = hn_t_dp_open(&net);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
