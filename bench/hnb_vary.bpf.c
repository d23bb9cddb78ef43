// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_PROG_TEST_RUN runs a program again and again on one buffer, so every
 * run after the first would hit the data plane's flow cache.  This wrapper
 * gives each run its own HyperNet destination (dst = base + n mod range,
 * range a power of two) and then tail-calls the router, like the live
 * generator does on the wire.
 *
 * With range 1 the destination never changes: the same wrapper then
 * measures cache hits, and the difference between the two runs is the
 * price of a decision, with the wrapper's own cost cancelled out.
 */
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <linux/hypernet_packet.h>

#include "hnb_xdp.h"

const volatile __u32 vary_base = 1;
const volatile __u32 vary_mask; /* range - 1, a power of two */

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vary_next SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vary_cnt SEC(".maps");

SEC("xdp")
int hnb_vary(struct xdp_md *ctx)
{
	void *data = hnb_xdp_head(ctx, sizeof(struct ethhdr) + HN_HDR_LEN);
	struct hnhdr *hn = data + sizeof(struct ethhdr);
	__u32 zero = 0;
	__u64 *n;

	if (!data)
		return XDP_ABORTED;
	n = bpf_map_lookup_elem(&vary_cnt, &zero);
	if (!n)
		return XDP_ABORTED;
	hn->dst = bpf_htonl(vary_base + ((__u32)*n & vary_mask));
	*n += 1;
	bpf_tail_call(ctx, &vary_next, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
