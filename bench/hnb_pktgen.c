// SPDX-License-Identifier: GPL-2.0
/*
 * The live bench for kernels that refuse BPF_F_TEST_XDP_LIVE_FRAMES:
 * real frames sent through an AF_PACKET socket (sendmmsg, qdisc bypassed),
 * and the kernel's own statistics of the program that handled them
 * (run_cnt and run_time_ns, counted while BPF_ENABLE_STATS is held).
 *
 *   hn-bench livecheck          does this kernel run live-frames test runs?
 *   hn-bench pktgen ...         send frames, holding BPF_ENABLE_STATS
 *   hn-bench progstats DEV      id, run_cnt, run_time_ns of DEV's XDP program
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netpacket/packet.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frames.h"
#include "hnb.h"
#include "hnb_common.h"
#include "hnb_gen.skel.h"

#define PG_BATCH_MAX 256
#define PG_FRAMES_MAX 4096

/*
 * One live-frames test run of the generator program: 0 if the kernel
 * runs it, else -errno.  The frame goes out of @ifindex (XDP_TX).
 */
static int live_probe(int ifindex)
{
	unsigned char frame[HNB_FRAME_LEN] = { 0 };
	struct xdp_md ctx = { .data_end = sizeof(frame),
			      .ingress_ifindex = ifindex };
	struct hnb_gen_bpf *skel = hnb_gen_bpf__open_and_load();
	int err;

	if (!skel)
		return -ENOENT;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = sizeof(frame), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 1, );
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.hnb_gen), &o);
	err = err ? -errno : 0;
	hnb_gen_bpf__destroy(skel);
	return err;
}

/* Prints "live_frames ok" (exit 0) or why not (exit 1). */
int cmd_livecheck(int argc, char **argv)
{
	int ifindex, err;

	ifindex = hnb_dev_arg(argc, argv, "livecheck");
	if (!ifindex)
		return -1;
	err = live_probe(ifindex);
	if (!err) {
		printf("live_frames ok\n");
		return 0;
	}
	printf("live_frames refused: BPF_PROG_TEST_RUN with "
	       "BPF_F_TEST_XDP_LIVE_FRAMES: %s (errno %d)\n",
	       strerror(-err), -err);
	return -1;
}

/* Of the XDP program on @ifindex: id, run count and run time. */
int hnb_prog_stats(int ifindex, __u32 *id, __u64 *cnt, __u64 *ns)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	*id = 0;
	if (bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, id) || !*id)
		return -ENOENT;
	fd = bpf_prog_get_fd_by_id(*id);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return err;
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
	return 0;
}

int cmd_progstats(int argc, char **argv)
{
	__u64 cnt, ns;
	int ifindex;
	__u32 id;

	ifindex = hnb_dev_arg(argc, argv, "progstats");
	if (!ifindex)
		return -1;
	if (hnb_prog_stats(ifindex, &id, &cnt, &ns)) {
		hnb_err("no native XDP program on %s", argv[1]);
		return -1;
	}
	printf("prog_id %u\nrun_cnt %llu\nrun_time_ns %llu\n", id,
	       (unsigned long long)cnt, (unsigned long long)ns);
	return 0;
}

/* hn-bench pktgen's command line */
struct pg_opts {
	struct hnb_frame_spec fs;
	__u32 seconds, count, cpu, batch, ttl, vary, len, stats;
	char *dev;
};

static void pktgen_usage(void)
{
	fprintf(stderr,
		"Usage: hn-bench pktgen --dev DEV --smac MAC --dmac MAC\n"
		"         [--seconds S | --count N] [--cpu N] [--batch N]\n"
		"         [--len BYTES] [--ttl N] [--dst ID] [--vary-dst N]\n"
		"         [--prog-stats]\n");
}

/* The options hnb_opt_set() does not take: 0, -1 (bad value), 1 (unknown). */
static int pktgen_opt(int c, const char *arg, struct pg_opts *g)
{
	switch (c) {
	case 's':
		return hn_parse_mac(arg, g->fs.smac) ? -1 : 0;
	case 'm':
		return hn_parse_mac(arg, g->fs.dmac) ? -1 : 0;
	case 'P':
		g->stats = 1;
		return 0;
	}
	return 1;
}

/* 0: go on; -1: a bad command line (said why); 1: --help given. */
static int pktgen_args(int argc, char **argv, struct pg_opts *g)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "smac", required_argument, NULL, 's' },
		{ "dmac", required_argument, NULL, 'm' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "count", required_argument, NULL, 'n' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "batch", required_argument, NULL, 'b' },
		{ "len", required_argument, NULL, 'l' },
		{ "ttl", required_argument, NULL, 'T' },
		{ "dst", required_argument, NULL, 't' },
		{ "vary-dst", required_argument, NULL, 'v' },
		{ "prog-stats", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL }
	};
	const struct hnb_opt set[] = {
		{ 'd', &g->dev, NULL },	  { 'S', NULL, &g->seconds },
		{ 'n', NULL, &g->count }, { 'c', NULL, &g->cpu },
		{ 'b', NULL, &g->batch }, { 'l', NULL, &g->len },
		{ 'T', NULL, &g->ttl },	  { 't', NULL, &g->fs.hn_dst },
		{ 'v', NULL, &g->vary },
	};
	int c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		err = hnb_opt_set(set, sizeof(set) / sizeof(set[0]), c, optarg);
		if (err > 0)
			err = pktgen_opt(c, optarg, g);
		if (err > 0) {
			pktgen_usage();
			return c == 'h' ? 1 : -1;
		}
		if (err) {
			hnb_err("bad value %s", optarg);
			return -1;
		}
	}
	if (!g->dev || !g->ttl || g->ttl > 255 || !g->batch ||
	    g->batch > PG_BATCH_MAX || g->vary > PG_FRAMES_MAX ||
	    g->len > HNB_FRAME_MAX) {
		pktgen_usage();
		return -1;
	}
	g->fs.ttl = g->ttl;
	g->fs.len = g->len;
	return 0;
}

/* The frames to send in turn: one, or one per destination of the range. */
static unsigned char *pg_frames(struct pg_opts *g, __u32 *n, __u32 *len)
{
	__u32 i, nf = g->vary ? g->vary : 1;
	unsigned char *buf = calloc(nf, HNB_FRAME_MAX);
	__u32 base = g->fs.hn_dst;

	if (!buf)
		return NULL;
	for (i = 0; i < nf; i++) {
		g->fs.hn_dst = base + i;
		*len = hnb_build_frame(&g->fs, buf + (size_t)i * HNB_FRAME_MAX);
	}
	g->fs.hn_dst = base;
	*n = nf;
	return buf;
}

static int pg_socket(int ifindex)
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET,
				  .sll_ifindex = ifindex };
	int fd, one = 1;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		hnb_err("AF_PACKET socket: %s", strerror(errno));
		return -1;
	}
	/* straight to the driver: no qdisc between us and the veth */
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		hnb_err("AF_PACKET setup: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* What one run of the generator sent. */
struct pg_result {
	unsigned long long sent, refused;
	double t0, t1;
};

/*
 * Send @g->count frames (or for @g->seconds), @g->batch per sendmmsg(),
 * cycling through the @nf frames at @buf.  A frame the device refuses
 * (ENOBUFS: its ring is full) is counted and skipped, not sent again.
 */
static int pg_send(int fd, const struct pg_opts *g, unsigned char *buf,
		   __u32 nf, __u32 len, struct pg_result *r)
{
	struct mmsghdr msg[PG_BATCH_MAX];
	struct iovec iov[PG_BATCH_MAX];
	unsigned long long next = 0;
	double deadline;
	__u32 i, want;
	int n;

	r->t0 = hnb_now();
	deadline = r->t0 + g->seconds;
	for (;;) {
		want = g->batch;
		if (g->count && g->count - (r->sent + r->refused) < want)
			want = g->count - (r->sent + r->refused);
		if (!want || (!g->count && hnb_now() >= deadline))
			break;
		memset(msg, 0, sizeof(msg[0]) * want);
		for (i = 0; i < want; i++) {
			iov[i].iov_base =
				buf + ((next + i) % nf) * HNB_FRAME_MAX;
			iov[i].iov_len = len;
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		n = sendmmsg(fd, msg, want, 0);
		if (n < 0 && errno != ENOBUFS && errno != EAGAIN) {
			hnb_err("sendmmsg: %s", strerror(errno));
			return -1;
		}
		n = n < 0 ? 0 : n;
		r->sent += n;
		next += n;
		if ((__u32)n < want) {
			r->refused++; /* the frame at next was dropped */
			next++;
		}
	}
	r->t1 = hnb_now();
	return 0;
}

int cmd_pktgen(int argc, char **argv)
{
	struct pg_opts g = {
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
	struct pg_result r = {};
	int err, ifindex, fd, stats_fd = -1;
	unsigned char *buf;
	__u32 nf, len = 0;

	err = pktgen_args(argc, argv, &g);
	if (err)
		return err > 0 ? 0 : -1;
	ifindex = hnb_ifindex(g.dev);
	if (!ifindex || (g.cpu != ~0U && hnb_pin_cpu(g.cpu)))
		return -1;
	buf = pg_frames(&g, &nf, &len);
	fd = buf ? pg_socket(ifindex) : -1;
	if (fd < 0) {
		free(buf);
		return -1;
	}
	/* program statistics on while this fd is open (until we exit) */
	if (g.stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			hnb_err("BPF_ENABLE_STATS: %s", strerror(errno));
	}
	if (!g.stats || stats_fd >= 0)
		err = pg_send(fd, &g, buf, nf, len, &r);
	else
		err = -1;
	printf("gen_frames %llu\ngen_refused %llu\ngen_seconds %.3f\n"
	       "gen_mpps %.3f\n",
	       r.sent, r.refused, r.t1 - r.t0,
	       r.t1 > r.t0 ? r.sent / (r.t1 - r.t0) / 1e6 : 0.0);
	if (stats_fd >= 0)
		close(stats_fd);
	close(fd);
	free(buf);
	return err;
}
