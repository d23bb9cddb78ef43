/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ethernet access shared by the router and the benchmark's plain forward,
 * so that the two do the same frame work the same way.
 *
 * struct ethhdr is packed, so clang reads and writes it a byte at a time.
 * Drivers place it at NET_IP_ALIGN (2) and the verifier checks packet
 * alignment as if they did, strict mode included: its EtherType and both
 * MACs start 2-byte aligned, so 16-bit accesses are always allowed.
 */
#ifndef _HN_PARSE_H
#define _HN_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>

/* The EtherType, network order, as one load. */
static __always_inline __be16 hn_eth_proto(const struct ethhdr *eth)
{
	return *(const __be16 *)((const __u8 *)eth +
				 __builtin_offsetof(struct ethhdr, h_proto));
}

/*
 * Three 16-bit moves instead of six byte moves: the MACs of a frame start
 * 2-byte aligned (above), those of the maps' values at even offsets.
 */
static __always_inline void hn_mac_copy(__u8 *dst, const __u8 *src)
{
	__u16 *d = (__u16 *)dst;
	const __u16 *s = (const __u16 *)src;

	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
}

#endif /* _HN_PARSE_H */
