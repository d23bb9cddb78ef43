// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark sink: count every frame that reaches the sink veth, then drop
 * it.  The counters are per CPU so that the sink itself never contends on
 * a cache line; userspace sums them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "hnb_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HNB_SINK_NCNT);
	__type(key, __u32);
	__type(value, __u64);
} sink_cnt SEC(".maps");

SEC("xdp")
int hnb_sink(struct xdp_md *ctx)
{
	__u32 k = HNB_SINK_PKTS;
	__u64 *v;

	v = bpf_map_lookup_elem(&sink_cnt, &k);
	if (v)
		*v += 1;
	k = HNB_SINK_BYTES;
	v = bpf_map_lookup_elem(&sink_cnt, &k);
	if (v)
		*v += ctx->data_end - ctx->data;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
