// SPDX-License-Identifier: GPL-2.0
/*
 * hn-bench: measure the HyperNet XDP data plane against a plain XDP
 * forward and Linux IPv4 forwarding.  See Documentation/benchmarks.rst.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/if_link.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hnb.h"
#include "hnb_hypernet.h"

static const struct hnb_cmd cmds[] = {
	{ "attach", cmd_attach,
	  "attach a benchmark program (sink, plain, hypernet) to a veth" },
	{ "detach", cmd_detach, "remove the XDP program of a device" },
	{ "gen", cmd_gen, "send frames with BPF_F_TEST_XDP_LIVE_FRAMES" },
	{ "rate", cmd_rate, "frames per second counted by an attached sink" },
	{ "hnstats", cmd_hnstats,
	  "forwarding counters of the HyperNet program on a device" },
	{ "progrun", cmd_progrun,
	  "BPF_PROG_TEST_RUN timings and verifier instruction count" },
	{ "livecheck", cmd_livecheck,
	  "whether this kernel runs live-frames test runs" },
	{ "pktgen", cmd_pktgen,
	  "send frames through AF_PACKET (kernels without live frames)" },
	{ "progstats", cmd_progstats,
	  "run count and run time of the XDP program on a device" },
	{ NULL }
};

void hnb_err(const char *fmt, ...)
{
	va_list ap;

	fputs("hn-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int hnb_parse_u32(const char *s, __u32 *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end || x > 0xffffffffULL)
		return -EINVAL;
	*v = x;
	return 0;
}

int hnb_opt_set(const struct hnb_opt *t, size_t n, int c, char *arg)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].c != c)
			continue;
		if (t[i].str) {
			*t[i].str = arg;
			return 0;
		}
		return hnb_parse_u32(arg, t[i].num);
	}
	return 1;
}

int hnb_ifindex(const char *name)
{
	int idx = if_nametoindex(name);

	if (!idx)
		hnb_err("no device %s in this namespace", name);
	return idx;
}

int hnb_dev_arg(int argc, char **argv, const char *cmd)
{
	if (argc != 2) {
		fprintf(stderr, "Usage: hn-bench %s DEV\n", cmd);
		return 0;
	}
	return hnb_ifindex(argv[1]);
}

int hnb_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		hnb_err("cannot pin to CPU %d: %s", cpu, strerror(errno));
		return -errno;
	}
	return 0;
}

double hnb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int hnb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * A map of the XDP program attached (native) to @ifindex, by name, and by
 * value size when @value_size is not 0; -1 if there is none.
 */
int hnb_xdp_map_fd(int ifindex, const char *name, __u32 value_size)
{
	struct bpf_prog_info pinfo = {};
	struct bpf_map_info minfo;
	__u32 prog_id = 0, ids[32], len, i;
	int prog_fd, fd;

	if (bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, &prog_id) || !prog_id)
		return -1;
	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return -1;
	pinfo.nr_map_ids = 32;
	pinfo.map_ids = (unsigned long)ids;
	len = sizeof(pinfo);
	if (bpf_obj_get_info_by_fd(prog_fd, &pinfo, &len)) {
		close(prog_fd);
		return -1;
	}
	close(prog_fd);
	for (i = 0; i < pinfo.nr_map_ids && i < 32; i++) {
		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		memset(&minfo, 0, sizeof(minfo));
		len = sizeof(minfo);
		if (!bpf_obj_get_info_by_fd(fd, &minfo, &len) &&
		    !strcmp(minfo.name, name) &&
		    (!value_size || minfo.value_size == value_size))
			return fd;
		close(fd);
	}
	return -1;
}

int hnb_xdp_attach(int ifindex, int prog_fd)
{
	int err;

	err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		hnb_err("native XDP attach to ifindex %d failed: %s", ifindex,
			strerror(-err));
	return err;
}

static void usage(FILE *out)
{
	const struct hnb_cmd *c;

	fprintf(out, "Usage: hn-bench COMMAND [OPTIONS]\n\nCommands:\n");
	for (c = cmds; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->help);
	fprintf(out, "\n'hn-bench COMMAND -h' lists a command's options.\n");
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && !getenv("HNB_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	const struct hnb_cmd *c;

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return argc < 2 ? 1 : 0;
	}
	libbpf_set_print(print_libbpf);
	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return c->fn(argc - 1, argv + 1) ? 1 : 0;
	hnb_err("unknown command '%s'", argv[1]);
	usage(stderr);
	return 1;
}
