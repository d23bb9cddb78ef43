// SPDX-License-Identifier: GPL-2.0
/* Shared helpers of the data-plane tests. */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <hypernet/route.h>
#include "helpers_dp.h"

void hn_t_need_bpf(void)
{
	int fd;

	if (geteuid() != 0) {
		printf("SKIPPED: needs root for BPF_PROG_TEST_RUN\n");
		exit(77);
	}
	/* a trivial map tells whether the kernel has BPF at all */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (fd < 0) {
		printf("SKIPPED: BPF unavailable: %s\n", strerror(errno));
		exit(77);
	}
	close(fd);
}

void hn_t_pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0) {
		printf("FAIL: sched_getcpu: %s\n", strerror(errno));
		exit(1);
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		printf("FAIL: sched_setaffinity(cpu %d): %s\n", cpu,
		       strerror(errno));
		exit(1);
	}
}

static void mac_get(const char *ifname, __u8 mac[6])
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		printf("SKIPPED: no MAC for %s: %s\n", ifname, strerror(errno));
		exit(77);
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
}

void hn_t_netns(struct hn_t_net *net)
{
	if (unshare(CLONE_NEWNET)) {
		printf("SKIPPED: cannot create a network namespace: %s\n",
		       strerror(errno));
		exit(77);
	}
	if (system("ip link set lo up && "
		   "ip link add hnt0 type veth peer name hnt1 && "
		   "ip link add hnt2 type veth peer name hnt3 && "
		   "for i in 0 1 2 3; do ip link set hnt$i up; done")) {
		printf("SKIPPED: cannot create veth pairs (ip link)\n");
		exit(77);
	}
	net->in_ifindex = if_nametoindex("hnt0");
	net->out_ifindex = if_nametoindex("hnt2");
	mac_get("hnt0", net->in_mac);
	mac_get("hnt2", net->out_mac);
}

struct hn_dp *hn_t_dp_open(const struct hn_t_net *net)
{
	struct hn_dp *dp;
	char err[512];

	if (hn_dp_open(&dp, NULL, err, sizeof(err)) ||
	    hn_dp_port_add(dp, net->in_ifindex, err, sizeof(err)) ||
	    hn_dp_port_add(dp, net->out_ifindex, err, sizeof(err))) {
		printf("FAIL: %s\n", err);
		exit(1);
	}
	return dp;
}

size_t hn_t_frame(__u8 *buf, const __u8 dmac[6], const __u8 smac[6],
		  __u16 proto, const struct hnhdr *h, __u16 plen)
{
	size_t i;

	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	buf[12] = proto >> 8;
	buf[13] = proto & 0xff;
	memcpy(buf + 14, h, sizeof(*h));
	for (i = 0; i < plen; i++)
		buf[14 + sizeof(*h) + i] = (__u8)(i * 7 + 1);
	return 14 + sizeof(*h) + plen;
}

int hn_t_run_meta(int fd, __u32 ifindex, const void *in, size_t len, void *out,
		  size_t *out_len, __u32 *verdict, void *meta, size_t *meta_len)
{
	struct xdp_md ctx = { .data = 0,
			      .data_end = len,
			      .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = *out_len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &ctx,
		    .ctx_size_out = sizeof(ctx), .repeat = 1);
	int ret = bpf_prog_test_run_opts(fd, &o);
	size_t mlen;

	if (ret)
		return -errno;
	/* the output starts with the metadata, ctx.data bytes of it */
	mlen = ctx.data;
	if (mlen > o.data_size_out)
		return -EPROTO;
	if (meta && meta_len) {
		if (mlen > *meta_len)
			return -ENOSPC;
		memcpy(meta, out, mlen);
		*meta_len = mlen;
	}
	memmove(out, (char *)out + mlen, o.data_size_out - mlen);
	*out_len = o.data_size_out - mlen;
	*verdict = o.retval;
	return 0;
}

int hn_t_run(int fd, __u32 ifindex, const void *in, size_t len, void *out,
	     size_t *out_len, __u32 *verdict)
{
	return hn_t_run_meta(fd, ifindex, in, len, out, out_len, verdict, NULL,
			     NULL);
}

const char *hn_t_verdict(__u32 v)
{
	static const char *names[] = { "ABORTED", "DROP", "PASS", "TX",
				       "REDIRECT" };

	return v < 5 ? names[v] : "?";
}

void hn_t_hexdump(const char *what, const void *p, size_t len)
{
	const __u8 *b = p;
	size_t i;

	printf("    %s (%zu):", what, len);
	for (i = 0; i < len && i < 64; i++)
		printf("%s%02x", i % 16 ? " " : "\n      ", b[i]);
	printf("\n");
}

void hn_t_extreme_model(struct hn_rt_model *m, int kind)
{
	int j, i;

	memset(m, 0, sizeof(*m));
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		for (i = 0; i < HN_RT_NFEAT; i++)
			m->w1[j][i] = kind == 0 ? 127 :
				      kind == 1 ? -128 :
						  ((i + j) & 1 ? 127 : -128);
		m->w2[j] = j & 1 ? -128 : 127;
		m->b1[j] = kind == 2 ? (j & 1 ? 1 << 20 : -(1 << 20)) : 0;
	}
	m->b2 = kind == 1 ? -(1 << 29) : 1 << 29;
	m->shift1 = kind == 0 ? 0 : kind == 1 ? 3 : 30;
}

void *hn_t_map_slot(struct hn_dp *dp, const char *name, __u32 slot, size_t size)
{
	void *t = malloc(size);
	int fd = hn_dp_map_fd(dp, name);

	if (!t || fd < 0 || bpf_map_lookup_elem(fd, &slot, t)) {
		fprintf(stderr, "reading %s[%u] failed\n", name, slot);
		abort();
	}
	return t;
}

__u64 hn_t_epoch(struct hn_dp *dp)
{
	__u64 e;

	if (hn_dp_get_epoch(dp, &e)) {
		fprintf(stderr, "reading hn_epoch failed\n");
		abort();
	}
	return e;
}

double hn_t_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}
