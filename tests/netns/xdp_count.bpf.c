// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for a filter or monitor sharing a port with the router in
 * tests/netns/test_xdp_attach.sh: counts the frames it sees, HyperNet's
 * (EtherType 0x88B5) and the others apart, and passes every one.  Loaded
 * with xdp-loader (libxdp's dispatcher) or alone with ip(8).
 */
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include "../../bench/hnb_xdp.h"

#define XC_HYPERNET 0
#define XC_OTHER 1

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} xc_counts SEC(".maps");

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	struct ethhdr *eth = hnb_xdp_head(ctx, sizeof(*eth));
	__u32 k = XC_OTHER;
	__u64 *n;

	if (eth && eth->h_proto == bpf_htons(0x88B5))
		k = XC_HYPERNET;
	n = bpf_map_lookup_elem(&xc_counts, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
