/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hn-bench: the data-plane benchmark tool.  One binary, one subcommand per
 * step; bench/run.sh strings the steps together inside namespaces.
 */
#ifndef _HNB_H
#define _HNB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#define HNB_FRAME_MAX 1514
#define HNB_FRAME_LEN 64 /* without FCS: 60 + 4 on the wire */

struct hnb_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

/* What a generated frame looks like. */
struct hnb_frame_spec {
	bool ipv4; /* IPv4/UDP instead of HyperNet */
	__u8 smac[6], dmac[6];
	__u32 hn_src, hn_dst; /* HyperNet node ids */
	__u8 ttl, tclass;
	__u32 ip_src, ip_dst; /* network byte order */
	unsigned int len; /* frame length without FCS */
};

/* Fill @buf with the frame @s describes; returns its length. */
unsigned int hnb_build_frame(const struct hnb_frame_spec *s, void *buf);

void hnb_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int hnb_parse_u32(const char *s, __u32 *v);

/* Where an option's value goes: a string (str) or a number (num). */
struct hnb_opt {
	int c;
	char **str;
	__u32 *num;
};

/* @c's value @arg into its place in @t: 0, -EINVAL (bad number), 1 (no @c). */
int hnb_opt_set(const struct hnb_opt *t, size_t n, int c, char *arg);
int hnb_ifindex(const char *name);
/* Of `hn-bench CMD DEV`: DEV's ifindex, or 0 (usage or error said). */
int hnb_dev_arg(int argc, char **argv, const char *cmd);
int hnb_pin_cpu(int cpu);
double hnb_now(void);
int hnb_cmp_double(const void *a, const void *b);

/* Attach @prog_fd to @ifindex in native (driver) mode, replacing any. */
int hnb_xdp_attach(int ifindex, int prog_fd);
int hnb_xdp_map_fd(int ifindex, const char *name, __u32 value_size);

/* The plain L2 baseline (bench/plain_fwd.bpf.c), one port. */
struct plain_fwd_bpf;
int hnb_plain_load(struct plain_fwd_bpf **skel, const __u8 smac[6],
		   const __u8 dmac[6], int out_ifindex);
int hnb_plain_prog_fd(struct plain_fwd_bpf *skel);
void hnb_plain_destroy(struct plain_fwd_bpf *skel);

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_rate(int argc, char **argv);
int cmd_progrun(int argc, char **argv);
int cmd_livecheck(int argc, char **argv);
int cmd_pktgen(int argc, char **argv);
int cmd_progstats(int argc, char **argv);

/* Of the XDP program on @ifindex: id, run count, run time (ns). */
int hnb_prog_stats(int ifindex, __u32 *id, __u64 *cnt, __u64 *ns);

#endif /* _HNB_H */
