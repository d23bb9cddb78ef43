// SPDX-License-Identifier: GPL-2.0
/*
 * Frame templates for the generator and for BPF_PROG_TEST_RUN.
 */
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/hypernet_packet.h>

#include "frames.h"
#include "hnb.h"

static __u16 ip_csum(const void *hdr, unsigned int len)
{
	const __u16 *p = hdr;
	__u32 sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Length of the frame written to @buf, 0 if it cannot be built. */
unsigned int hnb_build_frame(const struct hnb_frame_spec *s, void *buf)
{
	unsigned int len = s->len;
	struct ethhdr *eth = buf;

	if (len < ETH_ZLEN)
		len = ETH_ZLEN;
	if (len > HNB_FRAME_MAX)
		len = HNB_FRAME_MAX;
	memset(buf, 0, len);
	memcpy(eth->h_dest, s->dmac, ETH_ALEN);
	memcpy(eth->h_source, s->smac, ETH_ALEN);

	if (s->ipv4) {
		struct iphdr *ip = (void *)(eth + 1);
		struct udphdr *udp = (void *)(ip + 1);

		eth->h_proto = htons(ETH_P_IP);
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(len - ETH_HLEN);
		ip->id = htons(1);
		ip->ttl = s->ttl;
		ip->protocol = IPPROTO_UDP;
		ip->saddr = s->ip_src;
		ip->daddr = s->ip_dst;
		ip->check = ip_csum(ip, sizeof(*ip));
		udp->source = htons(9);
		udp->dest = htons(9);
		udp->len = htons(len - ETH_HLEN - sizeof(*ip));
		udp->check = 0; /* optional in IPv4 */
	} else {
		static const __u8 zeros[HNB_FRAME_MAX];
		struct hn_frame f = {
			.type = HN_T_DATA,
			.ttl = s->ttl,
			.tclass = s->tclass,
			.src = s->hn_src,
			.dst = s->hn_dst,
			.seq = 1,
			.payload = zeros,
			.payload_len = len - ETH_HLEN - HN_HDR_LEN,
		};
		size_t n;

		memcpy(f.dst_mac, s->dmac, ETH_ALEN);
		memcpy(f.src_mac, s->smac, ETH_ALEN);
		/* The library's checked builder: the router must forward it. */
		if (hn_frame_build(&f, buf, HNB_FRAME_MAX, &n))
			return 0;
	}
	return len;
}
