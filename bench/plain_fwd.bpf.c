// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark baseline: a plain L2 forwarder doing the same frame work as the
 * HyperNet router's cache-hit path (parse, MAC rewrite, devmap redirect)
 * minus any routing.  HyperNet frames go to the one configured port; other
 * traffic passes.
 */
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <linux/hypernet_packet.h>
#include "hn_parse.h" /* the router's own parsing (bpf/) */
#include "hnb_xdp.h"

struct pf_cfg {
	__u32 ifindex; /* egress port */
	__u8 dst[ETH_ALEN]; /* next hop MAC */
	__u8 src[ETH_ALEN]; /* egress port MAC */
	__u16 pad;
};

/* Where HyperNet frames go: port and MACs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pf_cfg);
} pf_config SEC(".maps");

/* Egress ports by ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} pf_tx_ports SEC(".maps");

SEC("xdp")
int pf_xdp(struct xdp_md *ctx)
{
	struct ethhdr *eth = hnb_xdp_head(ctx, sizeof(*eth));
	struct pf_cfg *c;
	__u32 zero = 0;

	if (!eth || hn_eth_proto(eth) != bpf_htons(ETH_P_HYPERNET))
		return XDP_PASS;
	c = bpf_map_lookup_elem(&pf_config, &zero);
	if (!c || !c->ifindex)
		return XDP_DROP;
	hn_mac_copy(eth->h_dest, c->dst);
	hn_mac_copy(eth->h_source, c->src);
	if (c->ifindex == ctx->ingress_ifindex)
		return XDP_TX;
	return bpf_redirect_map(&pf_tx_ports, c->ifindex, XDP_DROP);
}

char LICENSE[] SEC("license") = "GPL";
