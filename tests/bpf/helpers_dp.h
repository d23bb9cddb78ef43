/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the data-plane tests (linked into each tests/bpf test). */
#ifndef _HN_TEST_DP_HELPERS_H
#define _HN_TEST_DP_HELPERS_H

#include <stddef.h>
#include <linux/types.h>
#include <linux/hypernet_packet.h>
#include "dp.h"

/* Exit 77 with "SKIPPED: why" unless root with BPF (call first). */
void hn_t_need_bpf(void);

/*
 * Stay on the CPU we run on: the decision cache and the clock are per
 * CPU, so a warm-up run and the run measured after it must share one.
 */
void hn_t_pin_cpu(void);

/*
 * Move into a private network namespace with two veth pairs: the mesh
 * ports are hnt0 (the test's ingress) and hnt2, their peers hnt1 and
 * hnt3.  Exits 77 if that is impossible.
 */
struct hn_t_net {
	__u32 in_ifindex; /* hnt0 */
	__u32 out_ifindex; /* hnt2 */
	__u8 in_mac[6];
	__u8 out_mac[6];
};
void hn_t_netns(struct hn_t_net *net);

/* Open a private data plane with both ports added; exits 1 on error. */
struct hn_dp *hn_t_dp_open(const struct hn_t_net *net);

/* Ethernet + struct hnhdr + @plen payload bytes (pattern) into @buf. */
size_t hn_t_frame(__u8 *buf, const __u8 dmac[6], const __u8 smac[6],
		  __u16 proto, const struct hnhdr *h, __u16 plen);

/* BPF_PROG_TEST_RUN of XDP @fd on @in, as if received on @ifindex. */
/*
 * As hn_t_run(), and the XDP metadata the program left in front of the
 * frame into @meta (*@meta_len bytes at most; 0 if none).
 */
int hn_t_run_meta(int fd, __u32 ifindex, const void *in, size_t len, void *out,
		  size_t *out_len, __u32 *verdict, void *meta,
		  size_t *meta_len);
int hn_t_run(int fd, __u32 ifindex, const void *in, size_t len, void *out,
	     size_t *out_len, __u32 *verdict);

const char *hn_t_verdict(__u32 v);
void hn_t_hexdump(const char *what, const void *p, size_t len);

/* Weights at the ends of their ranges: kind 0 all max, 1 all min, 2 mixed. */
struct hn_rt_model;
void hn_t_extreme_model(struct hn_rt_model *m, int kind);
/* A copy (malloc()ed) of value @slot of array map @name, @size bytes. */
void *hn_t_map_slot(struct hn_dp *dp, const char *name, __u32 slot,
		    size_t size);
__u64 hn_t_epoch(struct hn_dp *dp);
double hn_t_now_us(void); /* CLOCK_MONOTONIC */

#endif
