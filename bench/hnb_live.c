// SPDX-License-Identifier: GPL-2.0
/*
 * The live pipeline's pieces: attach the sink and the plain forward, run
 * the live-frames generator, and read the sink's rate.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frames.h"
#include "hnb.h"
#include "hnb_common.h"
#include "hnb_gen.skel.h"
#include "hnb_sink.skel.h"
#include "hnb_hypernet.h"

static int attach_sink(int ifindex)
{
	struct hnb_sink_bpf *skel;
	int err;

	skel = hnb_sink_bpf__open_and_load();
	if (!skel) {
		hnb_err("cannot load the sink program");
		return -1;
	}
	err = hnb_xdp_attach(ifindex, bpf_program__fd(skel->progs.hnb_sink));
	hnb_sink_bpf__destroy(skel);
	return err;
}

static void attach_usage(void)
{
	fprintf(stderr,
		"Usage: hn-bench attach sink --dev DEV\n"
		"       hn-bench attach plain --dev IN --out OUT --smac MAC --dmac MAC\n"
		"       hn-bench attach hypernet --dev IN --out OUT --smac MAC --dmac MAC\n"
		"                [--node ID] [--nexthop ID] [--dst ID] [--cands K]\n"
		"                [--dsts N] [--stale-ms MS]\n");
}

/* The ifindex of @name, a port attach needs; 0 (usage or error said). */
static int attach_dev(const char *name)
{
	if (!name) {
		attach_usage();
		return 0;
	}
	return hnb_ifindex(name);
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "smac", required_argument, NULL, 's' },
		{ "dmac", required_argument, NULL, 'm' },
		{ "node", required_argument, NULL, 'n' },
		{ "nexthop", required_argument, NULL, 'x' },
		{ "dst", required_argument, NULL, 't' },
		{ "dsts", required_argument, NULL, 'D' },
		{ "cands", required_argument, NULL, 'k' },
		{ "stale-ms", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL }
	};
	struct hnb_hn_setup hs = {
		.node = 1,
		.nexthop = 2,
		.dst = 100,
		.ndst = 1,
		.cands = 1,
	};
	char *dev = NULL, *outdev = NULL, *what;
	__u8 smac[6] = {}, dmac[6] = {};
	int c, ifindex, out_ifindex = 0, err;
	__u32 stale_ms = 0;
	const struct hnb_opt set[] = {
		{ 'd', &dev, NULL },	  { 'o', &outdev, NULL },
		{ 'n', NULL, &hs.node },  { 'x', NULL, &hs.nexthop },
		{ 't', NULL, &hs.dst },	  { 'D', NULL, &hs.ndst },
		{ 'k', NULL, &hs.cands }, { 'S', NULL, &stale_ms },
	};

	if (argc < 2) {
		attach_usage();
		return -1;
	}
	what = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		err = hnb_opt_set(set, sizeof(set) / sizeof(set[0]), c, optarg);
		if (err > 0 && (c == 's' || c == 'm')) {
			if (hn_parse_mac(optarg, c == 's' ? smac : dmac)) {
				hnb_err("bad MAC %s", optarg);
				return -1;
			}
		} else if (err > 0) {
			attach_usage();
			return c == 'h' ? 0 : -1;
		} else if (err) {
			hnb_err("bad number %s", optarg);
			return -1;
		}
	}
	hs.stale_ns = stale_ms * 1000000ULL;
	ifindex = attach_dev(dev);
	if (!ifindex)
		return -1;
	if (strcmp(what, "sink")) {
		out_ifindex = attach_dev(outdev);
		if (!out_ifindex)
			return -1;
	}

	if (!strcmp(what, "sink"))
		return attach_sink(ifindex);
	if (!strcmp(what, "plain")) {
		struct plain_fwd_bpf *skel;

		if (hnb_plain_load(&skel, smac, dmac, out_ifindex))
			return -1;
		err = hnb_xdp_attach(ifindex, hnb_plain_prog_fd(skel));
		hnb_plain_destroy(skel);
		return err;
	}
	if (!strcmp(what, "hypernet")) {
		hs.in_ifindex = ifindex;
		hs.out_ifindex = out_ifindex;
		memcpy(hs.smac, smac, 6);
		memcpy(hs.dmac, dmac, 6);
		return hnb_hn_attach(&hs);
	}
	attach_usage();
	return -1;
}

int cmd_detach(int argc, char **argv)
{
	int ifindex;

	ifindex = hnb_dev_arg(argc, argv, "detach");
	if (!ifindex)
		return -1;
	return bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
}

static void gen_usage(void)
{
	fprintf(stderr,
		"Usage: hn-bench gen --dev DEV --smac MAC --dmac MAC [--seconds S]\n"
		"         [--cpu N] [--len BYTES] [--batch N] [--ttl N] [--tclass N]\n"
		"         [--src ID] [--dst ID] [--vary-dst 2^N]\n"
		"         [--ipv4 --ip-src A.B.C.D --ip-dst A.B.C.D] [--park DEV]\n");
}

/* hn-bench gen's command line */
struct gen_opts {
	struct hnb_frame_spec fs;
	__u32 seconds, cpu, batch, ttl, tclass, vary, len;
	char *dev, *park;
};

/* The options hnb_opt_set() does not take: 0, -1 (bad value), 1 (unknown). */
static int gen_opt(int c, const char *arg, struct hnb_frame_spec *fs)
{
	switch (c) {
	case 's':
	case 'm':
		if (hn_parse_mac(arg, c == 's' ? fs->smac : fs->dmac))
			return -1;
		return 0;
	case '4':
		fs->ipv4 = true;
		return 0;
	case 'i':
		return inet_pton(AF_INET, arg, &fs->ip_src) == 1 ? 0 : -1;
	case 'j':
		return inet_pton(AF_INET, arg, &fs->ip_dst) == 1 ? 0 : -1;
	}
	return 1;
}

/* 0: go on; -1: a bad command line (said why); 1: --help given. */
static int gen_args(int argc, char **argv, struct gen_opts *g)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "smac", required_argument, NULL, 's' },
		{ "dmac", required_argument, NULL, 'm' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "len", required_argument, NULL, 'l' },
		{ "batch", required_argument, NULL, 'b' },
		{ "ttl", required_argument, NULL, 'T' },
		{ "tclass", required_argument, NULL, 'k' },
		{ "src", required_argument, NULL, 'r' },
		{ "dst", required_argument, NULL, 't' },
		{ "vary-dst", required_argument, NULL, 'v' },
		{ "ipv4", no_argument, NULL, '4' },
		{ "ip-src", required_argument, NULL, 'i' },
		{ "ip-dst", required_argument, NULL, 'j' },
		{ "park", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL }
	};
	struct hnb_frame_spec *fs = &g->fs;
	const struct hnb_opt set[] = {
		{ 'd', &g->dev, NULL },	    { 'P', &g->park, NULL },
		{ 'S', NULL, &g->seconds }, { 'c', NULL, &g->cpu },
		{ 'l', NULL, &g->len },	    { 'b', NULL, &g->batch },
		{ 'T', NULL, &g->ttl },	    { 'k', NULL, &g->tclass },
		{ 'r', NULL, &fs->hn_src }, { 't', NULL, &fs->hn_dst },
		{ 'v', NULL, &g->vary },
	};
	int c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		err = hnb_opt_set(set, sizeof(set) / sizeof(set[0]), c, optarg);
		if (err > 0)
			err = gen_opt(c, optarg, fs);
		if (err > 0) {
			gen_usage();
			return c == 'h' ? 1 : -1;
		}
		if (err) {
			hnb_err("bad value %s", optarg);
			return -1;
		}
	}
	if (!g->dev || g->ttl > 255 || !g->ttl || g->tclass > 255 ||
	    g->len > HNB_FRAME_MAX) {
		gen_usage();
		return -1;
	}
	if (g->vary & (g->vary - 1)) {
		hnb_err("--vary-dst %u: a power of two, please (1024)",
			g->vary);
		return -1;
	}
	fs->ttl = g->ttl;
	fs->tclass = g->tclass;
	fs->len = g->len;
	return 0;
}

/* The generator loaded, its template the frame in @frame, @ctx's length. */
static struct hnb_gen_bpf *gen_load(const struct gen_opts *g,
				    unsigned char *frame, struct xdp_md *ctx)
{
	struct hnb_gen_bpf *skel = hnb_gen_bpf__open();

	if (!skel)
		return NULL;
	if (!g->fs.ipv4) {
		/* see hnb_gen.bpf.c: the same work for a fixed destination */
		skel->rodata->gen_mode = HNB_GEN_VARY_HN_DST;
		skel->rodata->gen_dst_base = g->fs.hn_dst;
		skel->rodata->gen_dst_mask = g->vary ? g->vary - 1 : 0;
	}
	ctx->data_end = hnb_build_frame(&g->fs, frame);
	if (ctx->data_end < HNB_GEN_HDR_LEN) {
		hnb_gen_bpf__destroy(skel);
		return NULL;
	}
	memcpy((void *)skel->rodata->gen_tmpl, frame, HNB_GEN_HDR_LEN);
	if (hnb_gen_bpf__load(skel)) {
		hnb_err("cannot load the generator");
		hnb_gen_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * Live frames for @seconds, @batch at a time, as many test runs of 2^20
 * frames as fit; *@t0 and *@t1 the start and the end.
 */
static int gen_run(struct hnb_gen_bpf *skel, unsigned char *frame,
		   struct xdp_md *ctx, const struct gen_opts *g, double *t0,
		   double *t1)
{
	double deadline;
	int err = 0;

	*t0 = hnb_now();
	deadline = *t0 + g->seconds;
	do {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = ctx->data_end, .ctx_in = ctx,
			    .ctx_size_in = sizeof(*ctx), .repeat = 1 << 20,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = g->batch, );

		err = bpf_prog_test_run_opts(
			bpf_program__fd(skel->progs.hnb_gen), &o);
		if (err) {
			hnb_err("live-frames test run failed: %s",
				strerror(errno));
			break;
		}
	} while (hnb_now() < deadline);
	*t1 = hnb_now();
	return err;
}

/* Frames the generator sent, over every CPU. */
static unsigned long long gen_sent(struct hnb_gen_bpf *skel)
{
	__u32 key = HNB_GEN_SENT, ncpu = libbpf_num_possible_cpus(), i;
	__u64 *vals = calloc(ncpu, sizeof(*vals));
	unsigned long long sent = 0;

	if (vals &&
	    !bpf_map_lookup_elem(bpf_map__fd(skel->maps.gen_cnt), &key, vals))
		for (i = 0; i < ncpu; i++)
			sent += vals[i];
	free(vals);
	return sent;
}

int cmd_gen(int argc, char **argv)
{
	struct gen_opts g = {
		.fs = { .hn_src = 1000,
			.hn_dst = 100,
			.ttl = 64,
			.len = HNB_FRAME_LEN },
		.seconds = 5,
		.cpu = ~0U,
		.batch = 64,
		.ttl = 64,
		.len = HNB_FRAME_LEN,
	};
	unsigned char frame[HNB_FRAME_MAX];
	struct xdp_md ctx = {};
	struct hnb_gen_bpf *skel;
	unsigned long long sent;
	int err, ifindex, park_ifindex = 0;
	double t0, t1;

	err = gen_args(argc, argv, &g);
	if (err)
		return err > 0 ? 0 : -1;
	ifindex = hnb_ifindex(g.dev);
	if (!ifindex)
		return -1;
	if (g.cpu != ~0U && hnb_pin_cpu(g.cpu))
		return -1;
	skel = gen_load(&g, frame, &ctx);
	if (!skel)
		return -1;
	ctx.ingress_ifindex = ifindex;
	/*
	 * With repeat > 1 the kernel puts the program into the XDP
	 * dispatcher for the call and takes it out afterwards, each time
	 * waiting for an RCU grace period, during which this CPU idles.
	 * Attached to a (down) device, the program stays in the dispatcher.
	 */
	if (g.park) {
		park_ifindex = hnb_ifindex(g.park);
		if (!park_ifindex ||
		    hnb_xdp_attach(park_ifindex,
				   bpf_program__fd(skel->progs.hnb_gen))) {
			hnb_gen_bpf__destroy(skel);
			return -1;
		}
	}
	err = gen_run(skel, frame, &ctx, &g, &t0, &t1);
	sent = gen_sent(skel);
	printf("gen_frames %llu\ngen_seconds %.3f\ngen_mpps %.3f\n", sent,
	       t1 - t0, sent / (t1 - t0) / 1e6);
	if (park_ifindex)
		bpf_xdp_detach(park_ifindex, XDP_FLAGS_DRV_MODE, NULL);
	hnb_gen_bpf__destroy(skel);
	return err ? -1 : 0;
}

/* Sum of the sink's per-CPU frame counter on @ifindex. */
static int sink_read(int map_fd, __u64 *pkts, __u64 *bytes)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	__u64 vals[ncpu];
	__u32 key;

	*pkts = *bytes = 0;
	key = HNB_SINK_PKTS;
	if (bpf_map_lookup_elem(map_fd, &key, vals))
		return -errno;
	for (i = 0; i < ncpu; i++)
		*pkts += vals[i];
	key = HNB_SINK_BYTES;
	if (bpf_map_lookup_elem(map_fd, &key, vals))
		return -errno;
	for (i = 0; i < ncpu; i++)
		*bytes += vals[i];
	return 0;
}

static int sink_map_fd(int ifindex)
{
	int fd = hnb_xdp_map_fd(ifindex, "sink_cnt", 0);

	if (fd < 0)
		hnb_err("the XDP program on ifindex %d is not the sink",
			ifindex);
	return fd;
}

/*
 * Sample the sink once a second over the window; print the rate over the
 * whole window and the slowest and fastest second.
 */
int cmd_rate(int argc, char **argv)
{
	__u32 window = 5, i;
	__u64 p0, b0, p = 0, b = 0, plast;
	double t0, t = 0, tlast, r, rmin = 1e30, rmax = 0;
	int ifindex, fd;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && hnb_parse_u32(argv[2], &window)) || !window) {
		fprintf(stderr, "Usage: hn-bench rate DEV [SECONDS]\n");
		return -1;
	}
	ifindex = hnb_ifindex(argv[1]);
	if (!ifindex)
		return -1;
	fd = sink_map_fd(ifindex);
	if (fd < 0)
		return -1;
	if (sink_read(fd, &p0, &b0))
		return -1;
	t0 = tlast = hnb_now();
	plast = p0;
	for (i = 0; i < window; i++) {
		double next = t0 + i + 1, now;

		while ((now = hnb_now()) < next)
			usleep((next - now) * 1e6 + 1);
		if (sink_read(fd, &p, &b))
			return -1;
		t = hnb_now();
		r = (p - plast) / (t - tlast);
		if (r < rmin)
			rmin = r;
		if (r > rmax)
			rmax = r;
		plast = p;
		tlast = t;
	}
	printf("sink_frames %llu\nsink_seconds %.3f\nsink_mpps %.3f\n"
	       "sink_mpps_min %.3f\nsink_mpps_max %.3f\nsink_bytes %llu\n",
	       (unsigned long long)(p - p0), t - t0, (p - p0) / (t - t0) / 1e6,
	       rmin / 1e6, rmax / 1e6, (unsigned long long)(b - b0));
	close(fd);
	return 0;
}
