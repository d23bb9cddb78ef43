// SPDX-License-Identifier: GPL-2.0
/*
 * XDP_PASS, for the capture ends of the namespace tests (tests/netns/
 * test_hostile.sh): veth queues XDP_TX'd frames for its peer but wakes the
 * peer only if an XDP program runs there, so a plain veth end would not
 * see a router send a frame back out of the port it came in by.  With a
 * program attached every frame reaches the end the same way (its NAPI
 * ring) and goes up to the packet sockets untouched.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
