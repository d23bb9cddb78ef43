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

#include "hnb.h"
#include "hnb_hypernet.h"
#include "hnb_vary.skel.h"

#define MAX_RUNS	15
#define MAX_PARK	4

struct measure {
	int prog_fd;
	__u32 expect;		/* XDP action of every run */
	int ttl_dec;		/* the program decrements TTL */
	int stats_fd;		/* HyperNet counters, or -1 */
	/* out */
	double ns;		/* kernel-reported, per run */
	double wall_ns;		/* wall clock around the syscalls, per run */
	unsigned long long runs, fwd, hit, dec, bad;
};

struct hnb_pr {
	unsigned char frame[HNB_FRAME_MAX];
	unsigned int len;
	struct xdp_md ctx;
	__u32 chunk;
	unsigned long long total;
};

static int measure(const struct hnb_pr *pr, struct measure *m)
{
	unsigned char out[HNB_FRAME_MAX];
	struct hn_dp_stats s0, s1;
	unsigned long long calls, i, sum = 0;
	const unsigned int ttl_off = ETH_HLEN +
				     __builtin_offsetof(struct hnhdr, ttl);
	__u8 want_ttl;
	double t0, t1;

	calls = (pr->total + pr->chunk - 1) / pr->chunk;
	want_ttl = m->ttl_dec ? pr->frame[ttl_off] - pr->chunk :
				pr->frame[ttl_off];
	if (m->stats_fd >= 0 && hnb_hn_stats(m->stats_fd, &s0))
		return -1;
	m->bad = 0;
	t0 = hnb_now();
	for (i = 0; i < calls; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o,
			.data_in = pr->frame,
			.data_size_in = pr->len,
			.data_out = out,
			.data_size_out = sizeof(out),
			.ctx_in = &pr->ctx,
			.ctx_size_in = sizeof(pr->ctx),
			.repeat = pr->chunk,
		);

		if (bpf_prog_test_run_opts(m->prog_fd, &o)) {
			hnb_err("BPF_PROG_TEST_RUN failed: %s",
				strerror(errno));
			return -1;
		}
		if (o.retval != m->expect || o.data_size_out < pr->len ||
		    out[ttl_off] != want_ttl)
			m->bad++;
		sum += (unsigned long long)o.duration * pr->chunk;
	}
	t1 = hnb_now();
	m->runs = calls * pr->chunk;
	m->ns = (double)sum / m->runs;
	m->wall_ns = (t1 - t0) * 1e9 / m->runs;
	m->fwd = m->hit = m->dec = 0;
	if (m->stats_fd >= 0) {
		if (hnb_hn_stats(m->stats_fd, &s1))
			return -1;
		m->fwd = s1.fwd_redirect - s0.fwd_redirect;
		m->hit = s1.cache_hit - s0.cache_hit;
		m->dec = s1.decisions - s0.decisions;
		/* forwarded, every one; decided with the model, not without */
		if (m->fwd != m->runs || s1.ttl_expired != s0.ttl_expired ||
		    s1.drop_no_route != s0.drop_no_route ||
		    s1.drop_no_port != s0.drop_no_port ||
		    s1.fb_no_model != s0.fb_no_model)
			m->bad++;
	}
	return 0;
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
	skel->rodata->vary_range = range;
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

enum {
	C_PLAIN, C_HIT, C_WHIT, C_WK8, C_WK4, C_NC8, C_NC4, C_NC2, C_NC1, C_N
};
static const char *const cname[C_N] = {
	"plain", "cache_hit", "wrap_hit", "wrap_decide_k8", "wrap_decide_k4",
	"nocache_k8", "nocache_k4", "nocache_k2", "nocache_k1",
};
static const __u32 ccands[C_N] = { 0, 0, 0, 8, 4, 8, 4, 2, 1 };
#define C_IS_NC(i)	((i) >= C_NC8)

static void progrun_usage(void)
{
	fprintf(stderr,
		"Usage: hn-bench progrun --dev IN --out OUT --smac MAC --dmac MAC\n"
		"         [--total N] [--runs N] [--dsts N] [--ttl N] [--cpu N]\n"
		"         [--stale-ms MS] [--park DEV,DEV,DEV,DEV] [--only CASE]\n");
}

int cmd_progrun(int argc, char **argv)
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
	struct hnb_hn_setup hs = {
		.node = 1, .nexthop = 2, .dst = 100, .ndst = 1024, .cands = 8,
	};
	struct hnb_frame_spec fs = {
		.hn_src = 1000, .hn_dst = 100, .ttl = 255,
		.len = HNB_FRAME_LEN,
	};
	__u32 total = 1000000, runs = 3, ttl = 255, cpu = ~0U, stale_ms = 0;
	const char *dev = NULL, *outdev = NULL;
	double v[C_N][MAX_RUNS], med[C_N];
	unsigned long long bad = 0;
	struct measure m[C_N];
	struct hnb_pr pr = {};
	struct plain_fwd_bpf *pf = NULL;
	struct hn_dp *hn = NULL;
	struct hnb_vary_bpf *w1 = NULL, *wn = NULL;
	struct bpf_prog_info info;
	int park[MAX_PARK] = {}, npark = 0, parked = 0;
	char *park_list = NULL, *tok, *save;
	const char *only = NULL;
	int c, err = -1, r, i, hn_fd, st_fd;
	__u32 insns = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		err = 0;
		switch (c) {
		case 'd': dev = optarg; break;
		case 'o': outdev = optarg; break;
		case 's':
		case 'm':
			err = hnb_parse_mac(optarg, c == 's' ? hs.smac : hs.dmac);
			break;
		case 'n': err = hnb_parse_u32(optarg, &total); break;
		case 'r': err = hnb_parse_u32(optarg, &runs); break;
		case 'D': err = hnb_parse_u32(optarg, &hs.ndst); break;
		case 'T': err = hnb_parse_u32(optarg, &ttl); break;
		case 'c': err = hnb_parse_u32(optarg, &cpu); break;
		case 'S': err = hnb_parse_u32(optarg, &stale_ms); break;
		case 'P': park_list = optarg; break;
		case 'O': only = optarg; break;
		default:
			progrun_usage();
			return c == 'h' ? 0 : -1;
		}
		if (err) {
			hnb_err("bad value %s", optarg);
			return -1;
		}
	}
	err = -1;
	if (!dev || !outdev || !runs || runs > MAX_RUNS || ttl < 2 ||
	    ttl > 255 || !total) {
		progrun_usage();
		return -1;
	}
	hs.in_ifindex = hnb_ifindex(dev);
	hs.out_ifindex = hnb_ifindex(outdev);
	hs.stale_ns = stale_ms * 1000000ULL;
	if (!hs.in_ifindex || !hs.out_ifindex)
		return -1;
	if (cpu != ~0U && hnb_pin_cpu(cpu))
		return -1;
	for (tok = park_list ? strtok_r(park_list, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (npark == MAX_PARK)
			break;
		park[npark] = hnb_ifindex(tok);
		if (!park[npark++])
			return -1;
	}
	if (npark && npark < MAX_PARK) {
		hnb_err("--park needs %d devices", MAX_PARK);
		return -1;
	}
	if (!npark)
		hnb_err("warning: no --park devices, every call waits for RCU");

	memcpy(fs.smac, hs.dmac, 6);
	memcpy(fs.dmac, hs.smac, 6);
	fs.ttl = ttl;
	pr.len = hnb_build_frame(&fs, pr.frame);
	if (!pr.len) {
		hnb_err("cannot build the test frame");
		err = -1;
		goto out;
	}
	pr.ctx.data_end = pr.len;
	pr.ctx.ingress_ifindex = hs.in_ifindex;
	pr.chunk = ttl - 1;
	pr.total = total;

	if (hnb_plain_load(&pf, hs.smac, hs.dmac, hs.out_ifindex) ||
	    hnb_hn_load(&hn, &hs))
		goto out;
	hn_fd = hnb_hn_prog_fd(hn);
	st_fd = hnb_hn_stats_fd(hn);
	if (vary_load(&w1, hs.dst, 1, hn_fd) ||
	    vary_load(&wn, hs.dst, hs.ndst, hn_fd))
		goto out;

	memset(m, 0, sizeof(m));
	for (i = 0; i < C_N; i++) {
		m[i].expect = XDP_REDIRECT;
		m[i].ttl_dec = 1;
		m[i].stats_fd = st_fd;
	}
	m[C_PLAIN].prog_fd = hnb_plain_prog_fd(pf);
	m[C_PLAIN].ttl_dec = 0;
	m[C_PLAIN].stats_fd = -1;
	m[C_HIT].prog_fd = hn_fd;
	m[C_WHIT].prog_fd = bpf_program__fd(w1->progs.hnb_vary);
	m[C_WK8].prog_fd = bpf_program__fd(wn->progs.hnb_vary);
	m[C_WK4].prog_fd = bpf_program__fd(wn->progs.hnb_vary);
	for (i = C_NC8; i < C_N; i++)
		m[i].prog_fd = hn_fd;
	if (npark) {
		int fds[MAX_PARK] = { m[C_PLAIN].prog_fd, hn_fd,
				      m[C_WHIT].prog_fd, m[C_WK8].prog_fd };

		for (i = 0; i < MAX_PARK; i++)
			if (hnb_xdp_attach(park[i], fds[i]))
				goto out;
		parked = 1;
	}

	/* Interleaved, so that a slow patch of the machine hits every case. */
	for (r = 0; r < (int)runs; r++) {
		for (i = 0; i < C_N; i++) {
			if (only && strcmp(only, cname[i]))
				continue;
			if (ccands[i] && hnb_hn_set_routes(hn, &hs, ccands[i]))
				goto out;
			if (C_IS_NC(i) &&
			    hnb_hn_set_flags(hn, &hs, HN_DP_CFG_NO_CACHE))
				goto out;
			if (measure(&pr, &m[i]))
				goto out;
			if (C_IS_NC(i) && hnb_hn_set_flags(hn, &hs, 0))
				goto out;
			v[i][r] = m[i].ns;
			bad += m[i].bad;
			fprintf(stderr,
				"progrun: run %d %-15s %7.2f ns/frame "
				"(wall %.2f) runs %llu fwd %llu hit %llu "
				"decide %llu%s\n",
				r + 1, cname[i], m[i].ns, m[i].wall_ns,
				m[i].runs, m[i].fwd, m[i].hit, m[i].dec,
				m[i].bad ? " CHECK FAILED" : "");
		}
		if (hnb_hn_set_routes(hn, &hs, 8))
			goto out;
	}

	if (only)
		goto out_ok;
	for (i = 0; i < C_N; i++) {
		med[i] = median(v[i], runs);	/* sorts v[i] */
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
	       m[C_PLAIN].runs, pr.chunk);
	printf("tr_repeats %u\n", runs);
	printf("tr_decide_k8_hit_ratio %.4f\n",
	       (double)m[C_WK8].hit / (m[C_WK8].hit + m[C_WK8].dec));
	printf("tr_decide_k4_hit_ratio %.4f\n",
	       (double)m[C_WK4].hit / (m[C_WK4].hit + m[C_WK4].dec));
	printf("tr_cache_hit_hit_ratio %.4f\n",
	       (double)m[C_HIT].hit / (m[C_HIT].hit + m[C_HIT].dec));
	printf("tr_destinations %u\n", hs.ndst);
	printf("tr_checks_failed %llu\n", bad);

	if (prog_info(hn_fd, &info) || hnb_hn_verified_insns(hn, &insns))
		goto out;
	printf("verifier_insns %u\n", insns);
	printf("hn_xlated_insns %u\n", info.xlated_prog_len / 8);
	printf("hn_jited_bytes %u\n", info.jited_prog_len);
	if (!prog_info(m[C_PLAIN].prog_fd, &info)) {
		printf("plain_verifier_insns %u\n", info.verified_insns);
		printf("plain_jited_bytes %u\n", info.jited_prog_len);
	}
out_ok:
	err = bad ? -1 : 0;
	if (bad)
		hnb_err("%llu checks failed: verdict, TTL or counters", bad);
out:
	for (i = 0; parked && i < MAX_PARK; i++)
		bpf_xdp_detach(park[i], XDP_FLAGS_DRV_MODE, NULL);
	if (w1)
		hnb_vary_bpf__destroy(w1);
	if (wn)
		hnb_vary_bpf__destroy(wn);
	if (hn)
		hnb_hn_destroy(hn);
	if (pf)
		hnb_plain_destroy(pf);
	return err;
}
