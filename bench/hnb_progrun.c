// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_PROG_TEST_RUN timings: the plain forward, HyperNet with flow-cache
 * hits, and HyperNet deciding every frame with 4 and 8 candidates; and the
 * verifier's processed instruction count of the HyperNet program.
 *
 * The kernel runs a program `repeat` times on one buffer without restoring
 * it, so HyperNet's in-place TTL decrement would reach 1 after 254 runs
 * and every later run would measure the TTL-expiry drop.  Each syscall
 * therefore runs the program ttl - 1 times on a fresh copy of the frame
 * (TTL 255: 254 runs, all forwarded), and one measurement adds up as many
 * syscalls as it takes to reach --total runs.  Every syscall's verdict,
 * the TTL left in the frame and the data plane's counters are checked, so
 * that a figure can only come from frames that were really forwarded.
 *
 * With repeat > 1 the kernel adds the program to the XDP dispatcher for
 * the duration of the call and removes it afterwards, each time waiting
 * for an RCU grace period (milliseconds).  Thousands of syscalls would
 * spend minutes there.  While a program is attached to some device it
 * stays in the dispatcher, so each measured program is parked on a down
 * veth (--park) for the measurement.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/hypernet_packet.h>
#include <dp.h>

#include "frames.h"
#include "hnb.h"
#include "hnb_hypernet.h"
#include "hnb_vary.skel.h"

#define MAX_RUNS 15
#define MAX_PARK 5
/*
 * Syscalls per turn of a case.  The cases take turns every BLOCK syscalls
 * (a few hundred microseconds), so a slow spell of the shared machine
 * lands on all of them alike; a turn is long enough that the caches the
 * previous case left cold cost under 0.1 ns a run.
 */
#define BLOCK 16

struct hnb_pr {
	struct xdp_md ctx;
	__u32 chunk; /* runs per syscall */
	unsigned long long total;
};

/* One case: a program, the frame it runs on and the config it needs. */
struct tr_case {
	const char *name;
	int prog_fd;
	__u32 flags; /* HN_DP_CFG_* while it runs */
	__u32 cands; /* route candidates, for the fit */
	int hn; /* HyperNet: its counters are checked */
	int ttl_dec; /* the program decrements TTL */
	unsigned char frame[HNB_FRAME_MAX];
	unsigned int len;
	/* one measurement */
	unsigned long long sum, runs, fwd, hit, dec, bad;
};

/* One syscall of @c: pr->chunk runs on a fresh copy of its frame. */
static int run_once(const struct hnb_pr *pr, struct tr_case *c, int stats_fd,
		    struct hn_dp_stats *prev)
{
	const unsigned int ttl_off =
		ETH_HLEN + __builtin_offsetof(struct hnhdr, ttl);
	unsigned char out[HNB_FRAME_MAX];
	struct hn_dp_stats cur;
	__u8 want_ttl = c->ttl_dec ? c->frame[ttl_off] - pr->chunk :
				     c->frame[ttl_off];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = c->frame,
		    .data_size_in = c->len, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &pr->ctx,
		    .ctx_size_in = sizeof(pr->ctx), .repeat = pr->chunk, );

	if (bpf_prog_test_run_opts(c->prog_fd, &o)) {
		hnb_err("BPF_PROG_TEST_RUN failed: %s", strerror(errno));
		return -1;
	}
	if (o.retval != XDP_REDIRECT || o.data_size_out < c->len ||
	    out[ttl_off] != want_ttl)
		c->bad++;
	c->sum += (unsigned long long)o.duration * pr->chunk;
	c->runs += pr->chunk;
	if (!c->hn)
		return 0;
	/* nothing else runs this data plane: the difference is ours */
	if (hn_dp_stats_sum(stats_fd, &cur))
		return -1;
	c->fwd += cur.fwd_redirect - prev->fwd_redirect;
	c->hit += cur.cache_hit - prev->cache_hit;
	c->dec += cur.decisions - prev->decisions;
	/* forwarded, every one; decided with the model, not without */
	if (cur.fwd_redirect - prev->fwd_redirect != pr->chunk ||
	    cur.ttl_expired != prev->ttl_expired ||
	    cur.drop_no_route != prev->drop_no_route ||
	    cur.drop_no_port != prev->drop_no_port ||
	    cur.fb_no_model != prev->fb_no_model)
		c->bad++;
	*prev = cur;
	return 0;
}

/*
 * One measurement of every case in @cs (those not skipped), interleaved
 * in turns of BLOCK syscalls, each case until pr->total runs.
 */
static int measure_all(const struct hnb_pr *pr, struct tr_case *cs, int n,
		       const int *skip, struct hn_dp *hn,
		       const struct hnb_hn_setup *hs, int stats_fd)
{
	unsigned long long calls = (pr->total + pr->chunk - 1) / pr->chunk;
	__u32 flags = ~0U;
	struct hn_dp_stats prev;
	unsigned long long k, b;
	int i;

	for (i = 0; i < n; i++)
		cs[i].sum = cs[i].runs = cs[i].fwd = cs[i].hit = cs[i].dec =
			cs[i].bad = 0;
	if (hn_dp_stats_sum(stats_fd, &prev))
		return -1;
	for (k = 0; k < calls; k += BLOCK) {
		for (i = 0; i < n; i++) {
			if (skip[i])
				continue;
			/* a config write: outside the kernel's timing */
			if (cs[i].hn && cs[i].flags != flags) {
				if (hnb_hn_set_flags(hn, hs, cs[i].flags))
					return -1;
				flags = cs[i].flags;
				if (hn_dp_stats_sum(stats_fd, &prev))
					return -1;
			}
			for (b = k; b < k + BLOCK && b < calls; b++)
				if (run_once(pr, &cs[i], stats_fd, &prev))
					return -1;
		}
	}
	return flags ? hnb_hn_set_flags(hn, hs, 0) : 0;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), hnb_cmp_double);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int vary_load(struct hnb_vary_bpf **out, __u32 base, __u32 range,
		     int next_fd)
{
	struct hnb_vary_bpf *skel;
	__u32 zero = 0;

	skel = hnb_vary_bpf__open();
	if (!skel)
		return -1;
	skel->rodata->vary_base = base;
	skel->rodata->vary_mask = range - 1;
	if (hnb_vary_bpf__load(skel) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.vary_next), &zero,
				&next_fd, 0)) {
		hnb_err("cannot load the destination wrapper: %s",
			strerror(errno));
		hnb_vary_bpf__destroy(skel);
		return -1;
	}
	*out = skel;
	return 0;
}

static int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len);
}

enum { C_PLAIN, C_HIT, C_WHIT, C_WK8, C_WK4, C_NC8, C_NC4, C_NC2, C_NC1, C_N };
static const char *const cname[C_N] = {
	"plain",	  "cache_hit",	    "wrap_hit",
	"wrap_decide_k8", "wrap_decide_k4", "nocache_k8",
	"nocache_k4",	  "nocache_k2",	    "nocache_k1",
};
static const __u32 ccands[C_N] = { 0, 0, 0, 8, 4, 8, 4, 2, 1 };
#define C_IS_NC(i) ((i) >= C_NC8)

/* @name is one of the comma-separated names of @list */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (!p[n] || p[n] == ','))
			return 1;
	return 0;
}

static void progrun_usage(void)
{
	fprintf(stderr,
		"Usage: hn-bench progrun --dev IN --out OUT --smac MAC --dmac MAC\n"
		"         [--total N] [--runs N] [--dsts N] [--ttl N] [--cpu N]\n"
		"         [--stale-ms MS] [--park DEV,DEV,DEV,DEV,DEV] [--only CASE,...]\n");
}

/*
 * Destinations, all routed at once so that no case rewrites the routes
 * of another: K8 routes at d8 .. d8 + ndst - 1 (cache hits, the K8 cases),
 * K4 routes at d4 .. d4 + ndst - 1, one K2 and one K1 route after them.
 * Below HN_DP_ROUTE_TAB_SIZE every one has a hn_route_tab slot of its own.
 */
struct tr_dsts {
	__u32 d8, d4, d2, d1;
};

static int tr_routes(struct hn_dp *hn, const struct hnb_hn_setup *hs,
		     struct tr_dsts *d)
{
	if (d->d1 - d->d8 >= HN_DP_MAX_ROUTES) {
		hnb_err("--dsts %u: at most %u", hs->ndst,
			(HN_DP_MAX_ROUTES - 2) / 2);
		return -1;
	}
	return hnb_hn_add_routes(hn, d->d8, hs->ndst, 8) ||
			       hnb_hn_add_routes(hn, d->d4, hs->ndst, 4) ||
			       hnb_hn_add_routes(hn, d->d2, 1, 2) ||
			       hnb_hn_add_routes(hn, d->d1, 1, 1) ?
		       -1 :
		       0;
}

static int tr_frame(struct tr_case *c, const struct hnb_frame_spec *fs,
		    __u32 dst)
{
	struct hnb_frame_spec f = *fs;

	f.hn_dst = dst;
	c->len = hnb_build_frame(&f, c->frame);
	if (!c->len)
		hnb_err("cannot build the test frame");
	return c->len ? 0 : -1;
}

/* What one measurement runs: the programs, their maps, where parked. */
struct tr_set {
	struct plain_fwd_bpf *pf;
	struct hn_dp *hn;
	struct hnb_vary_bpf *w1, *w8, *w4;
	int hn_fd, st_fd;
	int parked;
};

static void tr_teardown(struct tr_set *t, const int *park)
{
	int i;

	for (i = 0; t->parked && i < MAX_PARK; i++)
		bpf_xdp_detach(park[i], XDP_FLAGS_DRV_MODE, NULL);
	if (t->w1)
		hnb_vary_bpf__destroy(t->w1);
	if (t->w8)
		hnb_vary_bpf__destroy(t->w8);
	if (t->w4)
		hnb_vary_bpf__destroy(t->w4);
	if (t->hn)
		hnb_hn_destroy(t->hn);
	if (t->pf)
		hnb_plain_destroy(t->pf);
	memset(t, 0, sizeof(*t));
}

/* Load and fill everything, point the cases at it, park the programs. */
static int tr_setup(struct tr_set *t, const struct hnb_hn_setup *hs,
		    struct tr_dsts *d, const int *park, int npark,
		    struct tr_case *cs)
{
	int i;

	if (hnb_plain_load(&t->pf, hs->smac, hs->dmac, hs->out_ifindex) ||
	    hnb_hn_load(&t->hn, hs) || tr_routes(t->hn, hs, d))
		return -1;
	t->hn_fd = hnb_hn_prog_fd(t->hn);
	t->st_fd = hnb_hn_stats_fd(t->hn);
	if (vary_load(&t->w1, d->d8, 1, t->hn_fd) ||
	    vary_load(&t->w8, d->d8, hs->ndst, t->hn_fd) ||
	    vary_load(&t->w4, d->d4, hs->ndst, t->hn_fd))
		return -1;
	for (i = 0; i < C_N; i++)
		cs[i].prog_fd = t->hn_fd;
	cs[C_PLAIN].prog_fd = hnb_plain_prog_fd(t->pf);
	cs[C_WHIT].prog_fd = bpf_program__fd(t->w1->progs.hnb_vary);
	cs[C_WK8].prog_fd = bpf_program__fd(t->w8->progs.hnb_vary);
	cs[C_WK4].prog_fd = bpf_program__fd(t->w4->progs.hnb_vary);
	if (npark) {
		int fds[MAX_PARK] = { cs[C_PLAIN].prog_fd, t->hn_fd,
				      cs[C_WHIT].prog_fd, cs[C_WK8].prog_fd,
				      cs[C_WK4].prog_fd };

		for (i = 0; i < MAX_PARK; i++)
			if (hnb_xdp_attach(park[i], fds[i]))
				return -1;
		t->parked = 1;
	}
	return 0;
}

/* The cases, their flags and frames (destinations as in tr_routes()). */
static int tr_frames(struct tr_case *cs, const struct hnb_frame_spec *fs,
		     const struct hnb_hn_setup *hs, struct tr_dsts *d)
{
	int i;

	d->d8 = hs->dst;
	d->d4 = hs->dst + hs->ndst;
	d->d2 = d->d4 + hs->ndst;
	d->d1 = d->d2 + 1;
	for (i = 0; i < C_N; i++) {
		cs[i].name = cname[i];
		cs[i].cands = ccands[i];
		cs[i].hn = i != C_PLAIN;
		cs[i].ttl_dec = i != C_PLAIN;
		cs[i].flags = C_IS_NC(i) ? HN_DP_CFG_NO_CACHE : 0;
	}
	return tr_frame(&cs[C_PLAIN], fs, d->d8) ||
			       tr_frame(&cs[C_HIT], fs, d->d8) ||
			       tr_frame(&cs[C_WHIT], fs, d->d8) ||
			       tr_frame(&cs[C_WK8], fs, d->d8) ||
			       tr_frame(&cs[C_WK4], fs, d->d4) ||
			       tr_frame(&cs[C_NC8], fs, d->d8) ||
			       tr_frame(&cs[C_NC4], fs, d->d4) ||
			       tr_frame(&cs[C_NC2], fs, d->d2) ||
			       tr_frame(&cs[C_NC1], fs, d->d1) ?
		       -1 :
		       0;
}

static void tr_report(struct tr_case *cs, double v[C_N][MAX_RUNS], __u32 runs,
		      const struct hnb_pr *pr, __u32 ndst)
{
	double med[C_N], dh[MAX_RUNS];
	__u32 r;
	int i;

	/* paired: the hit and the plain forward of the same measurement */
	for (r = 0; r < runs; r++)
		dh[r] = v[C_HIT][r] - v[C_PLAIN][r];
	printf("tr_cache_hit_add_paired_ns %.2f\n", median(dh, runs));
	for (r = 0; r < runs; r++)
		dh[r] = v[C_NC8][r] - v[C_PLAIN][r];
	printf("tr_decide_k8_add_paired_ns %.2f\n", median(dh, runs));
	for (i = 0; i < C_N; i++) {
		med[i] = median(v[i], runs); /* sorts v[i] */
		printf("tr_%s_ns %.2f\n", cname[i], med[i]);
		printf("tr_%s_min_ns %.2f\n", cname[i], v[i][0]);
	}
	printf("plain_ns %.2f\n", med[C_PLAIN]);
	printf("cache_hit_ns %.2f\n", med[C_HIT]);
	/*
	 * Deciding every frame, the data plane's own way: HN_DP_CFG_NO_CACHE,
	 * one destination, no cache lookup or write.
	 */
	printf("decide_k8_ns %.2f\n", med[C_NC8]);
	printf("decide_k4_ns %.2f\n", med[C_NC4]);
	printf("decide_k2_ns %.2f\n", med[C_NC2]);
	printf("decide_k1_ns %.2f\n", med[C_NC1]);
	/*
	 * The cache-miss path, destinations varying over the route table: a
	 * miss costs the cache-hit path plus what the miss adds, measured
	 * through the same wrapper.
	 */
	printf("decide_miss_k8_ns %.2f\n",
	       med[C_HIT] + med[C_WK8] - med[C_WHIT]);
	printf("decide_miss_k4_ns %.2f\n",
	       med[C_HIT] + med[C_WK4] - med[C_WHIT]);
	/* least squares over K = 1, 2, 4, 8: fixed cost and per candidate */
	{
		const int ks[4] = { C_NC1, C_NC2, C_NC4, C_NC8 };
		double sx = 0, sy = 0, sxx = 0, sxy = 0, b, a;

		for (i = 0; i < 4; i++) {
			double x = ccands[ks[i]], y = med[ks[i]] - med[C_HIT];

			sx += x;
			sy += y;
			sxx += x * x;
			sxy += x * y;
		}
		b = (4 * sxy - sx * sy) / (4 * sxx - sx * sx);
		a = (sy - b * sx) / 4;
		printf("decide_per_cand_ns %.2f\ndecide_fixed_ns %.2f\n", b, a);
	}
	printf("tr_runs_per_case %llu\ntr_runs_per_syscall %u\n",
	       cs[C_PLAIN].runs, pr->chunk);
	printf("tr_syscalls_per_turn %u\n", BLOCK);
	printf("tr_repeats %u\n", runs);
	printf("tr_decide_k8_hit_ratio %.4f\n",
	       (double)cs[C_WK8].hit / (cs[C_WK8].hit + cs[C_WK8].dec));
	printf("tr_decide_k4_hit_ratio %.4f\n",
	       (double)cs[C_WK4].hit / (cs[C_WK4].hit + cs[C_WK4].dec));
	printf("tr_cache_hit_hit_ratio %.4f\n",
	       (double)cs[C_HIT].hit / (cs[C_HIT].hit + cs[C_HIT].dec));
	printf("tr_destinations %u\n", ndst);
}

/* hn-bench progrun's command line */
struct progrun_opts {
	struct hnb_hn_setup hs;
	__u32 total, runs, ttl, cpu, stale_ms;
	char *dev, *outdev, *only, *park_list;
};

/* 0: go on; -1: a bad command line (said why); 1: --help given. */
static int progrun_args(int argc, char **argv, struct progrun_opts *p)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "smac", required_argument, NULL, 's' },
		{ "dmac", required_argument, NULL, 'm' },
		{ "total", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' },
		{ "dsts", required_argument, NULL, 'D' },
		{ "ttl", required_argument, NULL, 'T' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "stale-ms", required_argument, NULL, 'S' },
		{ "park", required_argument, NULL, 'P' },
		{ "only", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL }
	};
	struct hnb_hn_setup *hs = &p->hs;
	const struct hnb_opt set[] = {
		{ 'd', &p->dev, NULL },	      { 'o', &p->outdev, NULL },
		{ 'P', &p->park_list, NULL }, { 'O', &p->only, NULL },
		{ 'n', NULL, &p->total },     { 'r', NULL, &p->runs },
		{ 'D', NULL, &hs->ndst },     { 'T', NULL, &p->ttl },
		{ 'c', NULL, &p->cpu },	      { 'S', NULL, &p->stale_ms },
	};
	int c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		err = hnb_opt_set(set, sizeof(set) / sizeof(set[0]), c, optarg);
		if (err > 0 && (c == 's' || c == 'm'))
			err = hn_parse_mac(optarg,
					   c == 's' ? hs->smac : hs->dmac);
		else if (err > 0) {
			progrun_usage();
			return c == 'h' ? 1 : -1;
		}
		if (err) {
			hnb_err("bad value %s", optarg);
			return -1;
		}
	}
	if (!p->dev || !p->outdev || !p->runs || p->runs > MAX_RUNS ||
	    p->ttl < 2 || p->ttl > 255 || !p->total || !hs->ndst ||
	    (hs->ndst & (hs->ndst - 1))) {
		progrun_usage();
		return -1;
	}
	return 0;
}

/* The ports, the CPU, and the --park devices into @park (*@npark). */
static int progrun_devs(struct progrun_opts *p, int *park, int *npark)
{
	char *tok, *save;

	p->hs.in_ifindex = hnb_ifindex(p->dev);
	p->hs.out_ifindex = hnb_ifindex(p->outdev);
	p->hs.stale_ns = p->stale_ms * 1000000ULL;
	if (!p->hs.in_ifindex || !p->hs.out_ifindex)
		return -1;
	if (p->cpu != ~0U && hnb_pin_cpu(p->cpu))
		return -1;
	for (tok = p->park_list ? strtok_r(p->park_list, ",", &save) : NULL;
	     tok; tok = strtok_r(NULL, ",", &save)) {
		if (*npark == MAX_PARK)
			break;
		park[*npark] = hnb_ifindex(tok);
		if (!park[(*npark)++])
			return -1;
	}
	if (*npark && *npark < MAX_PARK) {
		hnb_err("--park needs %d devices", MAX_PARK);
		return -1;
	}
	if (!*npark)
		hnb_err("warning: no --park devices, every call waits for RCU");
	return 0;
}

/* Run @r's figures of every case not skipped into v[case][r], logged. */
static void progrun_collect(struct tr_case *cs, const int *skip,
			    double v[C_N][MAX_RUNS], int r,
			    unsigned long long *bad)
{
	int i;

	for (i = 0; i < C_N; i++) {
		if (skip[i])
			continue;
		v[i][r] = (double)cs[i].sum / cs[i].runs;
		*bad += cs[i].bad;
		fprintf(stderr,
			"progrun: run %d %-15s %7.2f ns/frame "
			"runs %llu fwd %llu hit %llu decide %llu%s\n",
			r + 1, cname[i], v[i][r], cs[i].runs, cs[i].fwd,
			cs[i].hit, cs[i].dec, cs[i].bad ? " CHECK FAILED" : "");
	}
}

/* What the verifier and the JIT made of the programs of the last run. */
static int progrun_insns(const struct tr_set *set, const struct tr_case *cs)
{
	struct bpf_prog_info info;
	__u32 insns = 0;

	if (prog_info(set->hn_fd, &info) ||
	    hnb_hn_verified_insns(set->hn, &insns))
		return -1;
	printf("verifier_insns %u\n", insns);
	printf("hn_xlated_insns %u\n", info.xlated_prog_len / 8);
	printf("hn_jited_bytes %u\n", info.jited_prog_len);
	if (!prog_info(cs[C_PLAIN].prog_fd, &info)) {
		printf("plain_verifier_insns %u\n", info.verified_insns);
		printf("plain_jited_bytes %u\n", info.jited_prog_len);
	}
	return 0;
}

int cmd_progrun(int argc, char **argv)
{
	struct progrun_opts p = {
		.hs = { .node = 1,
			.nexthop = 2,
			.dst = 100,
			.ndst = 1024,
			.cands = 8 },
		.total = 1000000,
		.runs = 3,
		.ttl = 255,
		.cpu = ~0U,
	};
	struct hnb_frame_spec fs = {
		.hn_src = 1000,
		.hn_dst = 100,
		.ttl = 255,
		.len = HNB_FRAME_LEN,
	};
	static struct tr_case cs[C_N];
	double v[C_N][MAX_RUNS];
	unsigned long long bad = 0;
	int skip[C_N] = {};
	struct hnb_pr pr = {};
	struct tr_set set = {};
	struct tr_dsts d;
	int park[MAX_PARK] = {}, npark = 0;
	int err, r, i;

	err = progrun_args(argc, argv, &p);
	if (err)
		return err > 0 ? 0 : -1;
	if (progrun_devs(&p, park, &npark))
		return -1;
	err = -1;
	for (i = 0; p.only && i < C_N; i++)
		skip[i] = !in_list(p.only, cname[i]);

	memcpy(fs.smac, p.hs.dmac, 6);
	memcpy(fs.dmac, p.hs.smac, 6);
	fs.ttl = p.ttl;
	pr.ctx.ingress_ifindex = p.hs.in_ifindex;
	pr.chunk = p.ttl - 1;
	pr.total = p.total;

	if (tr_frames(cs, &fs, &p.hs, &d))
		goto out;
	pr.ctx.data_end = cs[C_PLAIN].len;

	/*
	 * Every measurement on programs and maps loaded afresh: where the
	 * kernel places a map decides which of its lines share cache sets,
	 * and that alone moved a figure by several ns from one load to
	 * the next.
	 */
	for (r = 0; r < (int)p.runs; r++) {
		if (tr_setup(&set, &p.hs, &d, park, npark, cs))
			goto out;
		if (measure_all(&pr, cs, C_N, skip, set.hn, &p.hs, set.st_fd))
			goto out;
		progrun_collect(cs, skip, v, r, &bad);
		if (r + 1 < (int)p.runs)
			tr_teardown(&set, park);
	}

	if (!p.only) {
		tr_report(cs, v, p.runs, &pr, p.hs.ndst);
		printf("tr_checks_failed %llu\n", bad);
		if (progrun_insns(&set, cs))
			goto out;
	}
	err = bad ? -1 : 0;
	if (bad)
		hnb_err("%llu checks failed: verdict, TTL or counters", bad);
out:
	tr_teardown(&set, park);
	return err;
}
