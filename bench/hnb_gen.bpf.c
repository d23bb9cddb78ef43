// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark generator.  hn-bench runs this program with BPF_PROG_TEST_RUN
 * and BPF_F_TEST_XDP_LIVE_FRAMES: the kernel builds a real xdp_frame from
 * the template for every repetition, and XDP_TX sends it out of the
 * interface named in the context (the generator's veth).
 *
 * In live-frames mode the kernel initialises a page from the template only
 * when the page is first allocated, and pages are recycled: whatever the
 * router downstream wrote into a frame (MACs, TTL, checksum) would come
 * back in a later frame.  So every run first restores the headers from
 * the template, then applies its own changes.
 *
 * In 1-CPU runs the generator's work counts against every router, so it
 * must be the same for every HyperNet case: a fixed destination is a
 * range of one (mask 0), written like any other.
 */
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <linux/hypernet_packet.h>

#include "hnb_common.h"
#include "hnb_xdp.h"

/* The restored headers hold the HyperNet header the generator varies. */
_Static_assert(HNB_GEN_HDR_LEN >= sizeof(struct ethhdr) + HN_HDR_LEN,
	       "HNB_GEN_HDR_LEN must cover the Ethernet and HyperNet headers");

const volatile __u8 gen_tmpl[HNB_GEN_HDR_LEN];
const volatile __u32 gen_mode = HNB_GEN_FIXED;
const volatile __u32 gen_dst_base = 1;
const volatile __u32 gen_dst_mask; /* range - 1, a power of two */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HNB_GEN_NCNT);
	__type(key, __u32);
	__type(value, __u64);
} gen_cnt SEC(".maps");

SEC("xdp")
int hnb_gen(struct xdp_md *ctx)
{
	const volatile __u64 *t = (const volatile __u64 *)gen_tmpl;
	struct ethhdr *eth;
	struct hnhdr *hn;
	__u32 k = HNB_GEN_SENT;
	__u64 *n, *d;
	int i;

	n = bpf_map_lookup_elem(&gen_cnt, &k);
	if (!n)
		return XDP_ABORTED;
	d = hnb_xdp_head(ctx, HNB_GEN_HDR_LEN);
	if (!d)
		return XDP_ABORTED;
	eth = (void *)d;
#pragma unroll
	for (i = 0; i < HNB_GEN_HDR_LEN / 8; i++)
		d[i] = t[i];

	if (gen_mode == HNB_GEN_VARY_HN_DST) {
		hn = (void *)(eth + 1); /* within HNB_GEN_HDR_LEN */
		/* a mask, not a modulo: a division costs tens of cycles */
		hn->dst = bpf_htonl(gen_dst_base + ((__u32)*n & gen_dst_mask));
	}
	*n += 1;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
