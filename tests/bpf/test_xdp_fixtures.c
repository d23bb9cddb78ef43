// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP router against a table of frames: each fixture gives an input
 * frame, the verdict, the exact frame that must come out (or none for a
 * drop) and the counter that must move.  Runs the real program through
 * BPF_PROG_TEST_RUN in a private network namespace.
 *
 * The topology (this node is 10; ports hnt0 = ingress and hnt2):
 *   neighbour 0: node 20 on hnt0, quality 127
 *   neighbour 1: node 30 on hnt2, quality 64
 *   neighbour 2: node 40 on hnt2, quality 100, not heard for an hour
 *   neighbour 3: node 50 on hnt2, quality 10
 *   neighbour 4: node 60 on hnt3, quality 120: a port that is not a mesh
 *                port (not in hn_tx_ports), as if deleted
 *   routes  100: [n0 d16, n1 d8] def n1      102: [n1, n3] def n3
 *           103: [n2, n1] def n1              104: [n2] def n2
 *           105: [n4, n1] def n1
 *          4199: as 102, but in hn_routes only (102 holds its
 *                hn_route_tab slot): decided by the flow cache
 *   tasks     7: hosts 100, 10 (this node)    8: hosts 100, 102
 *   groups  member of 500
 * The model scores a candidate by its quality alone, so the winner of
 * every case is known.
 */
#pragma GCC diagnostic ignored "-Woverride-init"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <hypernet/frame.h>
#include "helpers_dp.h"

#define SELF 10
#define SEC_NS 1000000000ULL

enum mac_id {
	M_PEER,
	M_IN,
	M_OUT,
	M_N20,
	M_N30,
	M_N40,
	M_N50,
	M_N60,
	M_BC,
	M_NR
};

static __u8 macs[M_NR][6] = {
	[M_PEER] = { 0x02, 0, 0, 0, 0, 0x01 },
	[M_N20] = { 0x02, 0, 0, 0, 0, 0x20 },
	[M_N30] = { 0x02, 0, 0, 0, 0, 0x30 },
	[M_N40] = { 0x02, 0, 0, 0, 0, 0x40 },
	[M_N50] = { 0x02, 0, 0, 0, 0, 0x50 },
	[M_N60] = { 0x02, 0, 0, 0, 0, 0x60 },
	[M_BC] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
};

/* A frame, described. */
struct fr {
	__u16 proto;
	__u8 dmac, smac;
	__u8 ver, type, flags, ttl, tclass;
	__u32 src, dst, seq;
	__u16 plen; /* payload bytes present */
	__s32 len_adj; /* hnhdr.len = plen + len_adj */
	__u16 cut; /* truncate the frame to this many bytes */
	__u8 tensor; /* 1: valid tensor header, 2: frag_cnt 0,
				 * 3: frag_cnt > total_len */
	__u8 rsv; /* hnhdr.reserved */
	__u16 vlan; /* an 802.1Q/802.1ad tag of this TPID */
};

enum { OUT_NONE, OUT_SAME, OUT_FR };

struct knobs {
	int no_model;
	__s32 margin;
	int unconfigured;
	int tensor_dev;
	int warm; /* run the frame once before measuring */
	int trace; /* HN_DP_CFG_TRACE: no cache, hn_choose() */
	int dom; /* privacy domain: bit 0 hnt0 inside, bit 1 hnt2 */
};

struct fx {
	const char *desc;
	struct fr in;
	__u32 verdict;
	int out;
	struct fr exp;
	size_t counter; /* offsetof(struct hn_dp_stats, ...) */
	struct knobs k;
	size_t also; /* a second counter that must be 1; 0: none */
	int copy; /* XDP marks it for TC to copy on */
};

#define HNF                                                                   \
	.proto = ETH_P_HYPERNET, .dmac = M_IN, .smac = M_PEER,                \
	.ver = HN_VERSION, .type = HN_T_DATA, .ttl = 16, .src = 20, .seq = 1, \
	.plen = 32
/* the same frame after one hop towards MAC d out of port MAC s */
#define FWD(d, s) .dmac = d, .smac = s, .ttl = 15
#define C(f) offsetof(struct hn_dp_stats, f)

/*
 * One fixture per two or three lines, as a table reads; clang-format
 * would give each field a line of its own.
 */
/* clang-format off */
static const struct fx fixtures[] = {
	/* not HyperNet: untouched */
	{ "IPv4 frame passes untouched", { HNF, .proto = ETH_P_IP },
	  XDP_PASS, OUT_SAME, {}, C(pass_other) },
	{ "ARP frame passes untouched", { HNF, .proto = ETH_P_ARP },
	  XDP_PASS, OUT_SAME, {}, C(pass_other) },
	{ "VLAN-tagged frame passes untouched", { HNF, .proto = ETH_P_8021Q },
	  XDP_PASS, OUT_SAME, {}, C(pass_other) },
	{ "IPv6 frame passes untouched", { HNF, .proto = ETH_P_IPV6 },
	  XDP_PASS, OUT_SAME, {}, C(pass_other) },
	/* malformed: dropped by reason */
	{ "truncated hnhdr", { HNF, .dst = 100, .cut = ETH_HLEN + 12 },
	  XDP_DROP, OUT_NONE, {}, C(bad_truncated) },
	{ "Ethernet header only", { HNF, .dst = 100, .cut = ETH_HLEN },
	  XDP_DROP, OUT_NONE, {}, C(bad_truncated) },
	{ "version 2", { HNF, .dst = 100, .ver = 2 },
	  XDP_DROP, OUT_NONE, {}, C(bad_version) },
	{ "version 0", { HNF, .dst = 100, .ver = 0 },
	  XDP_DROP, OUT_NONE, {}, C(bad_version) },
	{ "type UNSPEC", { HNF, .dst = 100, .type = HN_T_UNSPEC },
	  XDP_DROP, OUT_NONE, {}, C(bad_type) },
	{ "unknown type 99", { HNF, .dst = 100, .type = 99 },
	  XDP_DROP, OUT_NONE, {}, C(bad_type) },
	{ "unknown flag bit", { HNF, .dst = 100, .flags = 0x80 },
	  XDP_DROP, OUT_NONE, {}, C(bad_flags) },
	{ "MCAST|ANYCAST", { HNF, .dst = 100,
			     .flags = HN_F_MCAST | HN_F_ANYCAST },
	  XDP_DROP, OUT_NONE, {}, C(bad_flags) },
	{ "len one more than the frame", { HNF, .dst = 100, .len_adj = 1 },
	  XDP_DROP, OUT_NONE, {}, C(bad_length) },
	{ "len 0xffff", { HNF, .dst = 100, .len_adj = 0xffff - 32 },
	  XDP_DROP, OUT_NONE, {}, C(bad_length) },
	{ "TTL 0", { HNF, .dst = 100, .ttl = 0 },
	  XDP_DROP, OUT_NONE, {}, C(bad_ttl) },
	{ "src 0", { HNF, .dst = 100, .src = 0 },
	  XDP_DROP, OUT_NONE, {}, C(bad_addr) },
	{ "dst 0", { HNF, .dst = 0 },
	  XDP_DROP, OUT_NONE, {}, C(bad_addr) },
	{ "tensor with frag_cnt 0", { HNF, .dst = SELF, .type = HN_T_TENSOR,
				      .tensor = 2 },
	  XDP_DROP, OUT_NONE, {}, C(bad_tensor) },
	{ "tensor with more fragments than elements",
	  { HNF, .dst = SELF, .type = HN_T_TENSOR, .tensor = 3 },
	  XDP_DROP, OUT_NONE, {}, C(bad_tensor) },
	{ "tensor shorter than its header", { HNF, .dst = SELF,
					      .type = HN_T_TENSOR,
					      .plen = 10 },
	  XDP_DROP, OUT_NONE, {}, C(bad_truncated) },
	/* TTL on forwarding */
	{ "TTL 1 would leave with 0", { HNF, .dst = 100, .ttl = 1 },
	  XDP_DROP, OUT_NONE, {}, C(ttl_expired) },
	{ "len shorter than the frame (padding) forwards",
	  { HNF, .dst = 102, .len_adj = -8 },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 102, .len_adj = -8, FWD(M_N30, M_OUT) },
	  C(fwd_redirect) },
	/* link-local and local */
	{ "HELLO from a neighbour goes up", { HNF, .dst = SELF, .src = 30,
					      .type = HN_T_HELLO },
	  XDP_PASS, OUT_SAME, {}, C(hello) },
	{ "HELLO from a stranger goes up", { HNF, .dst = SELF, .src = 99,
					     .type = HN_T_HELLO },
	  XDP_PASS, OUT_SAME, {}, C(hello_unknown) },
	{ "unconfigured node passes", { HNF, .dst = 100 },
	  XDP_PASS, OUT_SAME, {}, C(pass_unconfigured),
	  { .unconfigured = 1 } },
	{ "unicast for this node goes up", { HNF, .dst = SELF },
	  XDP_PASS, OUT_SAME, {}, C(local_pass) },
	{ "tensor for this node to the tensor netdev",
	  { HNF, .dst = SELF, .type = HN_T_TENSOR, .tensor = 1 },
	  XDP_REDIRECT, OUT_SAME, {}, C(local_tensor), { .tensor_dev = 1 } },
	{ "tensor for this node without netdev goes up",
	  { HNF, .dst = SELF, .type = HN_T_TENSOR, .tensor = 1 },
	  XDP_PASS, OUT_SAME, {}, C(local_pass) },
	/* federated round fragments: unicast, hop by hop, up at the end */
	{ "FED fragment for another node is forwarded",
	  { HNF, .dst = 102, .type = HN_T_FED, .plen = 200 },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 102, .type = HN_T_FED, .plen = 200,
	    FWD(M_N30, M_OUT) },
	  C(fwd_redirect) },
	{ "FED fragment for this node goes up",
	  { HNF, .dst = SELF, .type = HN_T_FED, .plen = 200 },
	  XDP_PASS, OUT_SAME, {}, C(local_pass) },
	/* ECHO (hnctl ping, traceroute): as FED, and up where TTL ends */
	{ "ECHO for another node is forwarded",
	  { HNF, .dst = 102, .type = HN_T_ECHO, .plen = 48 },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 102, .type = HN_T_ECHO, .plen = 48,
	    FWD(M_N30, M_OUT) },
	  C(fwd_redirect) },
	{ "ECHO whose TTL ends here goes up (traceroute)",
	  { HNF, .dst = 102, .type = HN_T_ECHO, .plen = 48, .ttl = 1 },
	  XDP_PASS, OUT_SAME, {}, C(ttl_expired) },
	{ "FED fragment whose TTL ends here is dropped",
	  { HNF, .dst = 102, .type = HN_T_FED, .plen = 48, .ttl = 1 },
	  XDP_DROP, OUT_NONE, {}, C(ttl_expired) },
	{ "FED fragment with TTL 0 is dropped",
	  { HNF, .dst = SELF, .type = HN_T_FED, .ttl = 0 },
	  XDP_DROP, OUT_NONE, {}, C(bad_ttl) },
	{ "FED fragment longer than its frame is dropped",
	  { HNF, .dst = 102, .type = HN_T_FED, .len_adj = 1 },
	  XDP_DROP, OUT_NONE, {}, C(bad_length) },
	{ "FED fragment from node 0 is dropped",
	  { HNF, .dst = SELF, .type = HN_T_FED, .src = 0 },
	  XDP_DROP, OUT_NONE, {}, C(bad_addr) },
	/* unicast decisions */
	{ "model picks the ingress port: XDP_TX", { HNF, .dst = 100 },
	  XDP_TX, OUT_FR, { HNF, .dst = 100, FWD(M_N20, M_IN) }, C(fwd_tx) },
	{ "model picks another port: redirect", { HNF, .dst = 102 },
	  XDP_REDIRECT, OUT_FR, { HNF, .dst = 102, FWD(M_N30, M_OUT) },
	  C(fwd_redirect) },
	{ "no model: default next hop", { HNF, .dst = 100 },
	  XDP_REDIRECT, OUT_FR, { HNF, .dst = 100, FWD(M_N30, M_OUT) },
	  C(fb_no_model), { .no_model = 1 } },
	{ "margin below threshold: default", { HNF, .dst = 100 },
	  XDP_REDIRECT, OUT_FR, { HNF, .dst = 100, FWD(M_N30, M_OUT) },
	  C(fb_margin), { .margin = 64 } },
	{ "margin at threshold: model", { HNF, .dst = 100 },
	  XDP_TX, OUT_FR, { HNF, .dst = 100, FWD(M_N20, M_IN) }, C(fwd_tx),
	  { .margin = 63 } },
	/*
	 * Route 100's margin is 127 - 64 = 63: one below, at and above the
	 * threshold, on the fast path (no trace) and through hn_choose()
	 * (traced), which decide the threshold each on their own.
	 */
	{ "margin above threshold: model", { HNF, .dst = 100 },
	  XDP_TX, OUT_FR, { HNF, .dst = 100, FWD(M_N20, M_IN) }, C(fwd_tx),
	  { .margin = 62 } },
	{ "traced, margin below threshold: default", { HNF, .dst = 100 },
	  XDP_REDIRECT, OUT_FR, { HNF, .dst = 100, FWD(M_N30, M_OUT) },
	  C(fb_margin), { .margin = 64, .trace = 1 } },
	{ "traced, margin at threshold: model", { HNF, .dst = 100 },
	  XDP_TX, OUT_FR, { HNF, .dst = 100, FWD(M_N20, M_IN) }, C(fwd_tx),
	  { .margin = 63, .trace = 1 } },
	{ "traced, margin above threshold: model", { HNF, .dst = 100 },
	  XDP_TX, OUT_FR, { HNF, .dst = 100, FWD(M_N20, M_IN) }, C(fwd_tx),
	  { .margin = 62, .trace = 1 } },
	{ "stale winner: best live", { HNF, .dst = 103 },
	  XDP_REDIRECT, OUT_FR, { HNF, .dst = 103, FWD(M_N30, M_OUT) },
	  C(fb_stale) },
	{ "every candidate stale: drop", { HNF, .dst = 104 },
	  XDP_DROP, OUT_NONE, {}, C(drop_no_live) },
	{ "no route: drop", { HNF, .dst = 999 },
	  XDP_DROP, OUT_NONE, {}, C(drop_no_route) },
	/* a table route: every frame decided by its table, none cached */
	{ "second frame decided by the table again", { HNF, .dst = 102 },
	  XDP_REDIRECT, OUT_FR, { HNF, .dst = 102, FWD(M_N30, M_OUT) },
	  C(decisions), { .warm = 1 }, C(fwd_redirect) },
	{ "route outside the table: second frame hits the cache",
	  { HNF, .dst = HN_DP_ROUTE_TAB_SIZE + 103 },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = HN_DP_ROUTE_TAB_SIZE + 103, FWD(M_N30, M_OUT) },
	  C(cache_hit), { .warm = 1 } },
	{ "cache hit with TTL 1 still expires",
	  { HNF, .dst = HN_DP_ROUTE_TAB_SIZE + 103, .ttl = 1 },
	  XDP_DROP, OUT_NONE, {}, C(ttl_expired), { .warm = 1 } },
	/* in order: the first marks neighbour 4 dead for the second */
	{ "port gone: dropped, neighbour marked dead", { HNF, .dst = 105 },
	  XDP_DROP, OUT_NONE, {}, C(drop_no_port) },
	{ "port gone: next frame fails over", { HNF, .dst = 105 },
	  XDP_REDIRECT, OUT_FR, { HNF, .dst = 105, FWD(M_N30, M_OUT) },
	  C(fb_stale) },
	/* anycast */
	{ "anycast placed on a remote host", { HNF, .dst = 8,
					       .flags = HN_F_ANYCAST },
	  XDP_REDIRECT, OUT_FR, { HNF, .dst = 100, FWD(M_N30, M_OUT) },
	  C(any_remote) },
	{ "anycast placed here", { HNF, .dst = 7, .flags = HN_F_ANYCAST },
	  XDP_PASS, OUT_FR, { HNF, .dst = SELF }, C(any_local) },
	{ "anycast without model: nearest host", { HNF, .dst = 7,
						   .flags = HN_F_ANYCAST },
	  XDP_PASS, OUT_FR, { HNF, .dst = SELF }, C(fb_no_model),
	  { .no_model = 1 } },
	{ "anycast to an unknown task", { HNF, .dst = 9,
					  .flags = HN_F_ANYCAST },
	  XDP_DROP, OUT_NONE, {}, C(drop_no_task) },
	/* placed on a remote host, the frame must still leave with TTL > 0 */
	{ "anycast with TTL 1 to a remote host expires",
	  { HNF, .dst = 8, .ttl = 1, .flags = HN_F_ANYCAST },
	  XDP_DROP, OUT_NONE, {}, C(ttl_expired), {}, C(any_remote) },
	{ "anycast with TTL 1, cached decision, expires",
	  { HNF, .dst = 8, .ttl = 1, .flags = HN_F_ANYCAST },
	  XDP_DROP, OUT_NONE, {}, C(ttl_expired), { .warm = 1 },
	  C(cache_hit) },
	{ "anycast with TTL 2 to a remote host leaves with 1",
	  { HNF, .dst = 8, .ttl = 2, .flags = HN_F_ANYCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 100, FWD(M_N30, M_OUT), .ttl = 1 },
	  C(any_remote) },
	{ "anycast with TTL 2, cached decision, leaves with 1",
	  { HNF, .dst = 8, .ttl = 2, .flags = HN_F_ANYCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 100, FWD(M_N30, M_OUT), .ttl = 1 },
	  C(any_remote), { .warm = 1 }, C(cache_hit) },
	/* this node as the host: delivered here, nothing to expire */
	{ "anycast with TTL 1 placed here goes up",
	  { HNF, .dst = 7, .ttl = 1, .flags = HN_F_ANYCAST },
	  XDP_PASS, OUT_FR, { HNF, .dst = SELF, .ttl = 1 }, C(any_local) },
	/* multicast, in order: the window carries over */
	{ "member group goes up, marked for TC", { HNF, .dst = 500,
						    .src = 60,
						    .flags = HN_F_MCAST },
	  XDP_PASS, OUT_SAME, {}, C(mcast_local), .copy = 1 },
	{ "member group duplicate", { HNF, .dst = 500, .src = 60,
				      .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_dup) },
	{ "all-nodes group goes up, marked for TC",
	  { HNF, .dst = HN_GROUP_ALL, .src = 61, .flags = HN_F_MCAST },
	  XDP_PASS, OUT_SAME, {}, C(mcast_local), .copy = 1 },
	{ "member flood with TTL 1 goes up, not marked",
	  { HNF, .dst = HN_GROUP_ALL, .src = 61, .seq = 2, .ttl = 1,
	    .flags = HN_F_MCAST },
	  XDP_PASS, OUT_SAME, {}, C(mcast_ttl_last) },
	{ "member flood on an unconfigured node: up, not marked",
	  { HNF, .dst = HN_GROUP_ALL, .src = 61, .seq = 3,
	    .flags = HN_F_MCAST },
	  XDP_PASS, OUT_SAME, {}, C(pass_unconfigured),
	  { .unconfigured = 1 } },
	{ "802.1Q-tagged flood passes untouched, not marked",
	  { HNF, .dst = HN_GROUP_ALL, .src = 61, .seq = 4,
	    .flags = HN_F_MCAST, .vlan = ETH_P_8021Q },
	  XDP_PASS, OUT_SAME, {}, C(pass_other) },
	{ "802.1ad-tagged flood passes untouched, not marked",
	  { HNF, .dst = HN_GROUP_ALL, .src = 61, .seq = 5,
	    .flags = HN_F_MCAST, .vlan = ETH_P_8021AD },
	  XDP_PASS, OUT_SAME, {}, C(pass_other) },
	{ "other group is broadcast", { HNF, .dst = 600, .src = 62,
					.seq = 100, .flags = HN_F_MCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 600, .src = 62, .seq = 100, .flags = HN_F_MCAST,
	    FWD(M_BC, M_IN) },
	  C(mcast_fwd) },
	{ "older seq inside the window", { HNF, .dst = 600, .src = 62,
					   .seq = 90, .flags = HN_F_MCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 600, .src = 62, .seq = 90, .flags = HN_F_MCAST,
	    FWD(M_BC, M_IN) },
	  C(mcast_fwd) },
	{ "same older seq again", { HNF, .dst = 600, .src = 62, .seq = 90,
				    .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_dup) },
	{ "seq older than the window", { HNF, .dst = 600, .src = 62,
					 .seq = 60, .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_old) },
	/* the window moves; the newest seq must be marked seen each time */
	{ "seq one ahead moves the window", { HNF, .dst = 600, .src = 62,
					      .seq = 101, .flags = HN_F_MCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 600, .src = 62, .seq = 101, .flags = HN_F_MCAST,
	    FWD(M_BC, M_IN) },
	  C(mcast_fwd) },
	{ "newest seq again after a move", { HNF, .dst = 600, .src = 62,
					     .seq = 101, .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_dup) },
	{ "previous newest seq again after a move",
	  { HNF, .dst = 600, .src = 62, .seq = 100, .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_dup) },
	{ "seq exactly 31 behind the newest", { HNF, .dst = 600, .src = 62,
						.seq = 70,
						.flags = HN_F_MCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 600, .src = 62, .seq = 70, .flags = HN_F_MCAST,
	    FWD(M_BC, M_IN) },
	  C(mcast_fwd) },
	{ "seq exactly 31 behind again", { HNF, .dst = 600, .src = 62,
					   .seq = 70, .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_dup) },
	{ "seq exactly 32 behind the newest", { HNF, .dst = 600, .src = 62,
						.seq = 69,
						.flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_old) },
	{ "seq 33 ahead: a fresh window", { HNF, .dst = 600, .src = 62,
					    .seq = 134, .flags = HN_F_MCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 600, .src = 62, .seq = 134, .flags = HN_F_MCAST,
	    FWD(M_BC, M_IN) },
	  C(mcast_fwd) },
	{ "newest seq again after a fresh window",
	  { HNF, .dst = 600, .src = 62, .seq = 134, .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_dup) },
	{ "old newest seq now out of the window",
	  { HNF, .dst = 600, .src = 62, .seq = 101, .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_old) },
	{ "seq 2^32 - 1 from a new source", { HNF, .dst = 600, .src = 66,
					      .seq = 0xffffffff,
					      .flags = HN_F_MCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 600, .src = 66, .seq = 0xffffffff,
	    .flags = HN_F_MCAST, FWD(M_BC, M_IN) },
	  C(mcast_fwd) },
	{ "seq wraps to 0: one ahead", { HNF, .dst = 600, .src = 66,
					 .seq = 0, .flags = HN_F_MCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 600, .src = 66, .seq = 0, .flags = HN_F_MCAST,
	    FWD(M_BC, M_IN) },
	  C(mcast_fwd) },
	{ "seq 0 again after the wrap", { HNF, .dst = 600, .src = 66,
					  .seq = 0, .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_dup) },
	{ "seq 2^32 - 1 again after the wrap", { HNF, .dst = 600, .src = 66,
						 .seq = 0xffffffff,
						 .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_dup) },
	{ "seq 1025 ahead: a jump, dropped", { HNF, .dst = 600, .src = 62,
					      .seq = 134 + 1025,
					      .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_jump) },
	{ "the jump moved nothing: seq 135 is new",
	  { HNF, .dst = 600, .src = 62, .seq = 135, .flags = HN_F_MCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 600, .src = 62, .seq = 135, .flags = HN_F_MCAST,
	    FWD(M_BC, M_IN) },
	  C(mcast_fwd) },
	{ "seq 1024 ahead: new", { HNF, .dst = 600, .src = 62,
				   .seq = 135 + 1024, .flags = HN_F_MCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 600, .src = 62, .seq = 135 + 1024,
	    .flags = HN_F_MCAST, FWD(M_BC, M_IN) },
	  C(mcast_fwd) },
	{ "... and the one it moved past is now old",
	  { HNF, .dst = 600, .src = 62, .seq = 135, .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_old) },
	/* control floods: only the agent vouches for their sources */
	{ "control flood, source not confirmed: up to the agent",
	  { HNF, .type = HN_T_GOSSIP, .dst = HN_GROUP_ALL, .src = 71,
	    .seq = 7, .flags = HN_F_MCAST },
	  XDP_PASS, OUT_FR,
	  { HNF, .type = HN_T_GOSSIP, .dst = HN_GROUP_ALL, .src = 71,
	    .seq = 7, .flags = HN_F_MCAST, .rsv = HN_RSV_NOT_COPIED },
	  C(mcast_slow) },
	{ "control flood, source not confirmed, other group: dropped",
	  { HNF, .type = HN_T_GOSSIP, .dst = 600, .src = 71, .seq = 8,
	    .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(mcast_unconfirmed) },
	{ "control flood, confirmed source: up, marked for TC",
	  { HNF, .type = HN_T_MODEL_CHUNK, .dst = HN_GROUP_ALL, .src = 70,
	    .seq = 10, .flags = HN_F_MCAST, .rsv = HN_RSV_NOT_COPIED },
	  XDP_PASS, OUT_FR,
	  { HNF, .type = HN_T_MODEL_CHUNK, .dst = HN_GROUP_ALL, .src = 70,
	    .seq = 10, .flags = HN_F_MCAST },
	  C(mcast_local), .copy = 1 },
	{ "control flood duplicate: up to the agent, not copied",
	  { HNF, .type = HN_T_MODEL_CHUNK, .dst = HN_GROUP_ALL, .src = 70,
	    .seq = 10, .flags = HN_F_MCAST },
	  XDP_PASS, OUT_FR,
	  { HNF, .type = HN_T_MODEL_CHUNK, .dst = HN_GROUP_ALL, .src = 70,
	    .seq = 10, .flags = HN_F_MCAST, .rsv = HN_RSV_NOT_COPIED },
	  C(mcast_dup) },
	{ "control flood far ahead: up to the agent, window kept",
	  { HNF, .type = HN_T_GOSSIP, .dst = HN_GROUP_ALL, .src = 70,
	    .seq = 0x7fff0000, .flags = HN_F_MCAST },
	  XDP_PASS, OUT_FR,
	  { HNF, .type = HN_T_GOSSIP, .dst = HN_GROUP_ALL, .src = 70,
	    .seq = 0x7fff0000, .flags = HN_F_MCAST,
	    .rsv = HN_RSV_NOT_COPIED },
	  C(mcast_jump) },
	{ "control flood after the jump: new, marked for TC",
	  { HNF, .type = HN_T_GOSSIP, .dst = HN_GROUP_ALL, .src = 70,
	    .seq = 11, .flags = HN_F_MCAST },
	  XDP_PASS, OUT_SAME, {}, C(mcast_local), .copy = 1 },
	{ "broadcast with TTL 1", { HNF, .dst = 600, .src = 63, .ttl = 1,
				    .flags = HN_F_MCAST },
	  XDP_DROP, OUT_NONE, {}, C(ttl_expired) },
	/*
	 * Multicast this node's applications originate enters through an
	 * injection port with src = this node: it must go out, not be
	 * taken for our own flood coming back (the agent marks its floods
	 * in the window itself).
	 */
	{ "own multicast from a local injection port: broadcast",
	  { HNF, .dst = 600, .src = SELF, .seq = 8, .flags = HN_F_MCAST },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 600, .src = SELF, .seq = 8, .flags = HN_F_MCAST,
	    FWD(M_BC, M_IN) },
	  C(mcast_fwd) },
	/*
	 * Privacy: HN_F_PRIVATE frames stay inside the privacy domain,
	 * the ports of .dom; none by default.  Route 102 has a table row
	 * (the fast path's), 100 picks the ingress port, HN_DP_ROUTE_TAB_SIZE
	 * + 103 is decided by the flow cache.
	 */
#define PRIV .flags = HN_F_PRIVATE
	{ "private, no port inside: refused at the door",
	  { HNF, .dst = SELF, PRIV },
	  XDP_DROP, OUT_NONE, {}, C(priv_drop_in) },
	{ "private from a port outside the domain: dropped",
	  { HNF, .dst = SELF, PRIV },
	  XDP_DROP, OUT_NONE, {}, C(priv_drop_in), { .dom = 2 } },
	{ "private for this node goes up", { HNF, .dst = SELF, PRIV },
	  XDP_PASS, OUT_SAME, {}, C(local_pass), { .dom = 1 } },
	{ "private tensor for this node to the tensor netdev",
	  { HNF, .dst = SELF, .type = HN_T_TENSOR, .tensor = 1, PRIV },
	  XDP_REDIRECT, OUT_SAME, {}, C(local_tensor),
	  { .dom = 1, .tensor_dev = 1 } },
	{ "private to a remote node out of the domain: dropped",
	  { HNF, .dst = 102, PRIV },
	  XDP_DROP, OUT_NONE, {}, C(priv_drop_out), { .dom = 1 } },
	{ "private, traced decision out of the domain: dropped",
	  { HNF, .dst = 102, PRIV },
	  XDP_DROP, OUT_NONE, {}, C(priv_drop_out), { .dom = 1, .trace = 1 } },
	{ "private, no model, default out of the domain: dropped",
	  { HNF, .dst = 100, PRIV },
	  XDP_DROP, OUT_NONE, {}, C(priv_drop_out),
	  { .dom = 1, .no_model = 1 } },
	{ "private, cached decision out of the domain: dropped",
	  { HNF, .dst = HN_DP_ROUTE_TAB_SIZE + 103, PRIV },
	  XDP_DROP, OUT_NONE, {}, C(priv_drop_out), { .dom = 1, .warm = 1 },
	  C(cache_hit) },
	{ "private to a remote node via a domain port: forwarded",
	  { HNF, .dst = 102, PRIV },
	  XDP_REDIRECT, OUT_FR, { HNF, .dst = 102, PRIV, FWD(M_N30, M_OUT) },
	  C(fwd_redirect), { .dom = 3 } },
	{ "private back out of its domain port: XDP_TX",
	  { HNF, .dst = 100, PRIV },
	  XDP_TX, OUT_FR, { HNF, .dst = 100, PRIV, FWD(M_N20, M_IN) },
	  C(fwd_tx), { .dom = 1 } },
	{ "private anycast placed on a remote host out of the domain",
	  { HNF, .dst = 8, .flags = HN_F_ANYCAST | HN_F_PRIVATE },
	  XDP_DROP, OUT_NONE, {}, C(priv_drop_out), { .dom = 1 },
	  C(any_remote) },
	{ "private anycast placed here goes up",
	  { HNF, .dst = 7, .flags = HN_F_ANYCAST | HN_F_PRIVATE },
	  XDP_PASS, OUT_FR, { HNF, .dst = SELF, PRIV }, C(any_local),
	  { .dom = 1 } },
	{ "private anycast via a domain port: forwarded",
	  { HNF, .dst = 8, .flags = HN_F_ANYCAST | HN_F_PRIVATE },
	  XDP_REDIRECT, OUT_FR, { HNF, .dst = 100, PRIV, FWD(M_N30, M_OUT) },
	  C(any_remote), { .dom = 3 } },
	{ "private flood, no other port inside: dropped",
	  { HNF, .dst = 600, .src = 80, .seq = 1,
	    .flags = HN_F_MCAST | HN_F_PRIVATE },
	  XDP_DROP, OUT_NONE, {}, C(priv_drop_out), { .dom = 1 } },
	{ "private flood broadcast to the domain's ports",
	  { HNF, .dst = 600, .src = 80, .seq = 2,
	    .flags = HN_F_MCAST | HN_F_PRIVATE },
	  XDP_REDIRECT, OUT_FR,
	  { HNF, .dst = 600, .src = 80, .seq = 2,
	    .flags = HN_F_MCAST | HN_F_PRIVATE, FWD(M_BC, M_IN) },
	  C(mcast_fwd), { .dom = 3 } },
	{ "private member flood goes up, marked for TC",
	  { HNF, .dst = 500, .src = 80, .seq = 3,
	    .flags = HN_F_MCAST | HN_F_PRIVATE },
	  XDP_PASS, OUT_SAME, {}, C(mcast_local), { .dom = 3 }, .copy = 1 },
	{ "private flood from outside the domain: dropped",
	  { HNF, .dst = 500, .src = 80, .seq = 4,
	    .flags = HN_F_MCAST | HN_F_PRIVATE },
	  XDP_DROP, OUT_NONE, {}, C(priv_drop_in), { .dom = 2 } },
#undef PRIV
};
/* clang-format on */

static struct hn_t_net net;
static struct hn_dp *dp;

static void model_quality(struct hn_rt_model *m)
{
	memset(m, 0, sizeof(*m));
	m->w1[0][HN_FEAT_QUALITY] = 1;
	m->w2[0] = 1;
}

static void must(int ret, const char *what, const char *err)
{
	if (ret)
		fail_msg("%s: %s (%s)", what, strerror(-ret), err);
}

static void setup_topology(void)
{
	static const struct {
		__u32 node;
		int port_out; /* 0: hnt0, 1: hnt2, 2: hnt3 (no mesh port) */
		int mac;
		__u8 quality;
		int stale;
	} nbs[] = {
		{ 20, 0, M_N20, 127, 0 }, { 30, 1, M_N30, 64, 0 },
		{ 40, 1, M_N40, 100, 1 }, { 50, 1, M_N50, 10, 0 },
		{ 60, 2, M_N60, 120, 0 },
	};
	const __u32 ports[] = { net.in_ifindex, net.out_ifindex,
				if_nametoindex("hnt3") };
	struct hn_dp_route rt;
	struct hn_dp_task t;
	struct hn_rt_model m;
	char err[256] = "";
	__u32 i;

	for (i = 0; i < sizeof(nbs) / sizeof(nbs[0]); i++) {
		struct hn_dp_neigh nb = {};

		nb.node = nbs[i].node;
		nb.ifindex = ports[nbs[i].port_out];
		memcpy(nb.mac, macs[nbs[i].mac], 6);
		nb.feat[HN_FEAT_QUALITY] = nbs[i].quality;
		nb.feat[HN_FEAT_DELAY] = 20;
		/* stale: an hour ago; fresh: an hour ahead, never stale */
		nb.last_seen_ns = nbs[i].stale ? 1 :
						 hn_dp_now_ns() + 3600 * SEC_NS;
		must(hn_dp_set_neigh(dp, i, &nb, err, sizeof(err)), "neigh",
		     err);
	}
#define ROUTE(dst, d, ...)                                                     \
	do {                                                                   \
		struct hn_dp_cand c[] = { __VA_ARGS__ };                       \
		memset(&rt, 0, sizeof(rt));                                    \
		rt.n_cand = sizeof(c) / sizeof(c[0]);                          \
		rt.def = d;                                                    \
		memcpy(rt.cand, c, sizeof(c));                                 \
		must(hn_dp_set_route(dp, dst, &rt, err, sizeof(err)), "route", \
		     err);                                                     \
	} while (0)
	ROUTE(100, 1, { 0, 16 }, { 1, 8 });
	ROUTE(102, 1, { 1, 8 }, { 3, 8 });
	ROUTE(103, 1, { 2, 8 }, { 1, 8 });
	ROUTE(104, 0, { 2, 8 });
	ROUTE(105, 1, { 4, 8 }, { 1, 8 });
	ROUTE(HN_DP_ROUTE_TAB_SIZE + 103, 1, { 1, 8 }, { 3, 8 });

	memset(&t, 0, sizeof(t));
	t.n_host = 2;
	t.host[0].node = 100;
	t.host[1].node = SELF;
	must(hn_dp_set_task(dp, 7, &t, err, sizeof(err)), "task", err);
	t.host[1].node = 102;
	must(hn_dp_set_task(dp, 8, &t, err, sizeof(err)), "task", err);
	must(hn_dp_join(dp, 500), "join", "");
	{
		/* the agent confirmed control floods of node 70 up to seq 9 */
		struct hn_dp_mcast_win w = { hn_dp_mcast_win_first(9), 0 };
		__u32 src = 70;

		must(bpf_map_update_elem(hn_dp_map_fd(dp, "hn_mcast_ctl"), &src,
					 &w, BPF_ANY) ?
			     -errno :
			     0,
		     "control window", "");
	}
	model_quality(&m);
	must(hn_dp_install_model(dp, &m, err, sizeof(err)), "model", err);
}

static size_t build(const struct fr *f, __u8 *buf)
{
	struct hnhdr h = {
		.version = f->ver,
		.type = f->type,
		.flags = f->flags,
		.ttl = f->ttl,
		.tclass = f->tclass,
		.reserved = f->rsv,
		.len = htons((__u16)(f->plen + f->len_adj)),
		.src = htonl(f->src),
		.dst = htonl(f->dst),
		.seq = htonl(f->seq),
	};
	size_t len = hn_t_frame(buf, macs[f->dmac], macs[f->smac], f->proto, &h,
				f->plen);

	if (f->tensor) {
		struct hn_tensor_hdr t = {
			.tensor_id = htonl(1),
			.origin = htonl(20),
			.dtype = HN_DT_S8,
			.frag_cnt = htons(f->tensor == 1 ? 1 : 0),
			.total_len = htons(f->plen - HN_TENSOR_HDR_LEN),
		};

		/* all the elements, but one fragment more than them */
		if (f->tensor == 3)
			t.frag_cnt = htons(f->plen - HN_TENSOR_HDR_LEN + 1);
		memcpy(buf + ETH_HLEN + HN_HDR_LEN, &t, sizeof(t));
	}
	if (f->vlan) {
		/* the tag goes between the MACs and the HyperNet EtherType */
		__u16 tag[2] = { htons(f->vlan), htons(7) };

		memmove(buf + 16, buf + 12, len - 12);
		memcpy(buf + 12, tag, 4);
		len += 4;
	}
	if (f->cut && f->cut < len)
		len = f->cut;
	return len;
}

static void apply(const struct knobs *k)
{
	struct hn_dp_config cfg = {
		.node_id = k->unconfigured ? 0 : SELF,
		.margin_min = k->margin,
		.stale_ns = SEC_NS,
		.tensor_ifindex = k->tensor_dev ? net.out_ifindex : 0,
		.flags = k->trace ? HN_DP_CFG_TRACE : 0,
	};
	static int have_model = 1;
	struct hn_rt_model m;
	char err[256] = "";

	must(hn_dp_set_config(dp, &cfg, err, sizeof(err)), "config", err);
	must(hn_dp_port_set_domain(dp, net.in_ifindex, k->dom & 1, err,
				   sizeof(err)),
	     "domain", err);
	must(hn_dp_port_set_domain(dp, net.out_ifindex, !!(k->dom & 2), err,
				   sizeof(err)),
	     "domain", err);
	if (k->no_model && have_model) {
		must(hn_dp_clear_model(dp), "clear model", "");
		have_model = 0;
	} else if (!k->no_model && !have_model) {
		model_quality(&m);
		must(hn_dp_install_model(dp, &m, err, sizeof(err)), "model",
		     err);
		have_model = 1;
	}
}

/*
 * XDP's mark in hn_mcast_marks for flood (@src, @seq) from the test's
 * ingress port into @mk: 1 if there is one, else 0.  @clear: delete it
 * first.
 */
static int mark_get(__u32 src, __u32 seq, struct hn_dp_mcast_mark *mk,
		    int clear)
{
	struct hn_dp_mcast_mark_key k = { .src = htonl(src),
					  .seq = htonl(seq),
					  .ifindex = net.in_ifindex };
	int fd = hn_dp_map_fd(dp, "hn_mcast_marks");

	assert_true(fd >= 0);
	if (clear)
		bpf_map_delete_elem(fd, &k);
	memset(mk, 0, sizeof(*mk));
	return !bpf_map_lookup_elem(fd, &k, mk);
}

/*
 * BPF_PROG_TEST_RUN of the TC program on frame @in as received on port
 * @ifindex, its stats reset first: @st gets them, @out the frame that
 * goes on up (TC_ACT_OK, always).
 */
static void tc_run(const __u8 *in, size_t len, __u32 ifindex, __u8 *out,
		   size_t *olen, struct hn_dp_stats *st)
{
	struct __sk_buff skb = { .ifindex = ifindex,
				 .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = *olen, .ctx_in = &skb,
		    .ctx_size_in = sizeof(skb), .repeat = 1);

	assert_int_equal(hn_dp_reset_stats(dp), 0);
	assert_int_equal(bpf_prog_test_run_opts(hn_dp_tc_fd(dp), &o), 0);
	assert_int_equal(o.retval, 0); /* TC_ACT_OK */
	*olen = o.data_size_out;
	assert_int_equal(hn_dp_get_stats(dp, st), 0);
}

/*
 * Without metadata, XDP's mark for frame @out (@olen) as it went up: in
 * its slot of hn_mcast_marks exactly when the fixture says, naming the
 * frame, not counted as lost for want of metadata (@st); and the TC
 * program copies the frame on it once, to the other mesh port, and not
 * a second time.
 */
static int check_mark(const struct fx *f, const __u8 *out, size_t olen,
		      const struct hn_dp_stats *st)
{
	struct hn_dp_mcast_mark mk;
	struct hn_dp_stats ts;
	__u8 up[512];
	size_t ulen;
	int round, have;

	have = mark_get(f->in.src, f->in.seq, &mk, 0);
	if (!f->copy) {
		if (!have)
			return 0;
		printf("  XDP marked a flood it did not accept\n");
		return 1;
	}
	if (st->mcast_nometa || st->mcast_mark_fail || !have || !mk.cookie ||
	    olen < ETH_HLEN + HN_HDR_LEN ||
	    memcmp(mk.hdr, out + ETH_HLEN, HN_HDR_LEN)) {
		printf("  no mark naming the frame (nometa %llu, mark %d)\n",
		       (unsigned long long)st->mcast_nometa, have);
		return 1;
	}
	for (round = 0; round < 2; round++) {
		ulen = sizeof(up);
		tc_run(out, olen, net.in_ifindex, up, &ulen, &ts);
		/* not copied the second time: a control flood is marked */
		if (round && hn_dp_ctrl_type(f->in.type) && ulen == olen) {
			if (up[ETH_HLEN + offsetof(struct hnhdr, reserved)] !=
			    HN_RSV_NOT_COPIED) {
				printf("  control flood not copied, unmarked\n");
				return 1;
			}
			up[ETH_HLEN + offsetof(struct hnhdr, reserved)] = 0;
		}
		if (ulen != olen || memcmp(up, out, olen)) {
			printf("  TC changed the frame it delivers\n");
			return 1;
		}
		if (ts.tc_mark != !round || ts.tc_clone != !round ||
		    ts.tc_unmarked != !!round) {
			printf("  TC run %d: tc_mark %llu tc_clone %llu\n",
			       round, (unsigned long long)ts.tc_mark,
			       (unsigned long long)ts.tc_clone);
			return 1;
		}
	}
	return 0;
}

/*
 * XDP's mark for the TC program: present exactly when the fixture says,
 * and naming the frame as it arrived; on a kernel that gives XDP no
 * metadata, in hn_mcast_marks instead (check_mark()).
 */
static int check_meta(const struct fx *f, const __u8 *meta, size_t mlen,
		      const __u8 *out, size_t olen,
		      const struct hn_dp_stats *st)
{
	const struct hn_dp_meta *m = (const void *)meta;

	if (!hn_dp_xdp_meta(dp)) {
		if (mlen) {
			printf("  metadata where XDP can have none\n");
			return 1;
		}
		return check_mark(f, out, olen, st);
	}
	if (!f->copy) {
		if (!mlen)
			return 0;
		printf("  XDP left %zu bytes of metadata, want none\n", mlen);
		return 1;
	}
	if (mlen != sizeof(*m)) {
		printf("  metadata %zu bytes, want %zu\n", mlen, sizeof(*m));
		return 1;
	}
	if (!m->cookie || m->src != htonl(f->in.src) ||
	    m->seq != htonl(f->in.seq) || m->ttl != f->in.ttl) {
		printf("  metadata does not name the frame\n");
		return 1;
	}
	return 0;
}

static int counter_is_one(const struct hn_dp_stats *st, size_t off)
{
	__u64 v = *(const __u64 *)((const char *)st + off);

	if (v == 1)
		return 0;
	printf("  counter at offset %zu is %llu, want 1\n", off,
	       (unsigned long long)v);
	return 1;
}

static int run_fixture(const struct fx *f)
{
	__u8 in[256], exp[256], out[512], meta[64];
	size_t len, elen = 0, olen, mlen = sizeof(meta);
	struct hn_dp_stats st;
	__u32 verdict;
	int bad = 0, ret;

	len = build(&f->in, in);
	if (f->out == OUT_SAME) {
		memcpy(exp, in, len);
		elen = len;
	} else if (f->out == OUT_FR) {
		elen = build(&f->exp, exp);
	}
	apply(&f->k);
	if (f->k.warm) {
		olen = sizeof(out);
		hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len, out, &olen,
			 &verdict);
	}
	must(hn_dp_reset_stats(dp), "reset stats", "");
	if (!hn_dp_xdp_meta(dp)) {
		struct hn_dp_mcast_mark mk;

		mark_get(f->in.src, f->in.seq, &mk, 1);
	}
	olen = sizeof(out);
	ret = hn_t_run_meta(hn_dp_xdp_fd(dp), net.in_ifindex, in, len, out,
			    &olen, &verdict, meta, &mlen);
	if (ret) {
		printf("  %s: BPF_PROG_TEST_RUN: %s\n", f->desc,
		       strerror(-ret));
		return 1;
	}
	if (verdict != f->verdict) {
		printf("  verdict %s, want %s\n", hn_t_verdict(verdict),
		       hn_t_verdict(f->verdict));
		bad = 1;
	}
	if (f->out != OUT_NONE && (olen != elen || memcmp(out, exp, elen))) {
		printf("  output frame differs\n");
		hn_t_hexdump("got", out, olen);
		hn_t_hexdump("want", exp, elen);
		bad = 1;
	}
	must(hn_dp_get_stats(dp, &st), "stats", "");
	bad |= check_meta(f, meta, mlen, out, olen, &st);
	bad |= counter_is_one(&st, f->counter);
	if (f->also)
		bad |= counter_is_one(&st, f->also);
	/* a frame that is not HyperNet must not even be counted as one */
	if (f->counter == C(pass_other) && st.rx) {
		printf("  rx moved for a non-HyperNet frame\n");
		bad = 1;
	}
	/* a frame that is not dropped as malformed must not count as one */
	if (f->counter < C(bad_truncated) || f->counter > C(bad_tensor)) {
		__u64 *b = &st.bad_truncated;
		int i;

		for (i = 0; i <= HN_ERR_TENSOR - HN_ERR_TRUNCATED; i++)
			if (b[i]) {
				printf("  malformed counter %d moved\n", i + 1);
				bad = 1;
			}
	}
	return bad;
}

static void test_table(void **state)
{
	size_t i, n = sizeof(fixtures) / sizeof(fixtures[0]);
	int failed = 0;

	for (i = 0; i < n; i++) {
		int bad = run_fixture(&fixtures[i]);

		printf("%s %2zu %s\n", bad ? "FAIL" : "ok  ", i,
		       fixtures[i].desc);
		failed += bad;
	}
	printf("%zu fixtures, %d failed\n", n, failed);
	assert_int_equal(failed, 0);
	assert_true(n >= 30);
}

/*
 * Both decision slots' copies of neighbour @idx were last seen at @t: the
 * fast path reads liveness there.
 */
static void copies_stamped(__u32 idx, __u64 t)
{
	struct hn_dp_decide_tab *all =
		hn_t_map_slot(dp, "hn_decide", 0, sizeof(*all));

	assert_true(all->slot[0].nb[idx].last_seen_ns == t);
	assert_true(all->slot[1].nb[idx].last_seen_ns == t);
	free(all);
}

/*
 * HELLO moves the sender's last-seen stamp, nothing else's, and only when
 * it comes from the neighbour's own port and MAC: HELLOs are authenticated
 * by the agent, so a frame naming a neighbour from anywhere else must not
 * keep a dead one alive.
 */
static void test_hello_stamps(void **state)
{
	struct fr f = { HNF, .dst = SELF, .src = 50, .type = HN_T_HELLO,
			.smac = M_N50 };
	struct hn_dp_neigh before, after, other0, other1;
	__u8 in[256], out[256];
	size_t len = build(&f, in), olen = sizeof(out);
	struct hn_dp_stats st;
	__u32 verdict;
	__u64 t0;
	int i;

	apply(&(struct knobs){ 0 });
	/* from its MAC on the wrong port, then from another MAC on its port */
	for (i = 0; i < 2; i++) {
		struct fr g = f;

		if (i)
			g.smac = M_N30;
		len = build(&g, in);
		assert_int_equal(hn_dp_get_neigh(dp, 3, &before), 0);
		assert_int_equal(hn_dp_reset_stats(dp), 0);
		olen = sizeof(out);
		assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp),
					  i ? net.out_ifindex : net.in_ifindex,
					  in, len, out, &olen, &verdict),
				 0);
		assert_int_equal(verdict, XDP_PASS);
		assert_int_equal(hn_dp_get_neigh(dp, 3, &after), 0);
		assert_true(after.last_seen_ns == before.last_seen_ns);
		copies_stamped(3, before.last_seen_ns);
		assert_int_equal(hn_dp_get_stats(dp, &st), 0);
		assert_int_equal(st.hello_elsewhere, 1);
	}

	len = build(&f, in);
	olen = sizeof(out);
	assert_int_equal(hn_dp_get_neigh(dp, 3, &before), 0);
	assert_int_equal(hn_dp_get_neigh(dp, 0, &other0), 0);
	t0 = hn_dp_now_ns();
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.out_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	assert_int_equal(verdict, XDP_PASS);
	assert_int_equal(hn_dp_get_neigh(dp, 3, &after), 0);
	assert_int_equal(hn_dp_get_neigh(dp, 0, &other1), 0);
	assert_true(after.last_seen_ns != before.last_seen_ns);
	/* coarse clock: within a few ticks of CLOCK_MONOTONIC */
	assert_true(after.last_seen_ns + SEC_NS / 10 > t0);
	assert_true(after.last_seen_ns < hn_dp_now_ns() + SEC_NS / 10);
	assert_true(other0.last_seen_ns == other1.last_seen_ns);
	copies_stamped(3, after.last_seen_ns);
	copies_stamped(0, other1.last_seen_ns);
}

/* The trace shows the scores the model gave (quality 127 vs 64). */
static void test_trace(void **state)
{
	struct fr f = { HNF, .dst = 100 };
	struct hn_dp_config cfg;
	struct hn_dp_trace tr;
	__u8 in[256], out[256];
	size_t len = build(&f, in), olen = sizeof(out);
	char err[128];
	__u32 verdict;

	apply(&(struct knobs){ 0 });
	assert_int_equal(hn_dp_get_config(dp, &cfg), 0);
	cfg.flags |= HN_DP_CFG_TRACE;
	assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)), 0);
	assert_int_equal(hn_dp_reset_trace(dp), 0);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	assert_int_equal(verdict, XDP_TX);
	assert_int_equal(hn_dp_get_trace(dp, &tr), 0);
	assert_int_equal(tr.dst, 100);
	assert_int_equal(tr.n_cand, 2);
	assert_int_equal(tr.score[0], 127);
	assert_int_equal(tr.score[1], 64);
	assert_int_equal(tr.winner, 0);
	assert_int_equal(tr.chosen, 0);
	assert_int_equal(tr.neigh, 0);
	assert_int_equal(tr.margin, 63);
	assert_int_equal(tr.reason, HN_DP_R_MODEL);
	assert_int_equal(tr.feat[1][HN_FEAT_QUALITY], 64);
	assert_int_equal(tr.feat[1][HN_FEAT_DIST], 8);
	assert_int_equal(tr.feat[1][HN_FEAT_TTL], hn_scale_ttl(16));
	cfg.flags = 0;
	assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)), 0);
}

/*
 * TC copies only what XDP marked (its metadata, which a test run of the
 * TC program cannot carry, or its per-CPU mark): a valid member-group
 * flood handed to it without the mark, as XDP hands up a flood on an
 * unconfigured node or a VLAN-tagged one, or as a local user could inject
 * one, is copied nowhere, whatever its TTL.  It goes up unchanged; but
 * without metadata a control flood goes up marked HN_RSV_NOT_COPIED, for
 * the agent to forward.  The metadata path is tested live (tests/netns).
 */
static void test_tc_unmarked(void **state)
{
	struct fr f = { HNF, .dst = 500, .src = 64, .flags = HN_F_MCAST,
			.ttl = 255 };
	struct hn_dp_mcast_mark mk;
	__u8 in[256], out[256];
	size_t len, olen;
	struct hn_dp_stats st;
	int round;

	apply(&(struct knobs){ 0 });
	for (round = 0; round < 3; round++) {
		f.dst = round == 1 ? HN_GROUP_ALL : 500;
		f.type = round == 2 ? HN_T_GOSSIP : HN_T_DATA;
		len = build(&f, in);
		if (!hn_dp_xdp_meta(dp))
			mark_get(f.src, f.seq, &mk, 1);
		olen = sizeof(out);
		tc_run(in, len, net.in_ifindex, out, &olen, &st);
		assert_int_equal(olen, len);
		if (round == 2 && !hn_dp_xdp_meta(dp))
			in[ETH_HLEN + offsetof(struct hnhdr, reserved)] =
				HN_RSV_NOT_COPIED;
		assert_memory_equal(out, in, len);
		assert_int_equal(st.tc_clone, 0);
		assert_int_equal(st.tc_clone_fail, 0);
		assert_int_equal(st.tc_mark, 0);
		assert_int_equal(st.tc_unmarked, 1);
	}
}

/*
 * XDP on frame @f from the test's ingress port, with verdict @verdict;
 * @out gets what goes up.  Returns whether XDP marked it for TC.
 */
static int xdp_mark(const struct fr *f, __u32 verdict, __u8 *out, size_t *olen)
{
	struct hn_dp_mcast_mark mk;
	struct hn_dp_stats st;
	__u8 in[256];
	__u32 v;

	assert_int_equal(hn_dp_reset_stats(dp), 0);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in,
				  build(f, in), out, olen, &v),
			 0);
	assert_int_equal(v, verdict);
	assert_int_equal(hn_dp_get_stats(dp, &st), 0);
	assert_int_equal(st.mcast_nometa + st.mcast_mark_fail, 0);
	return mark_get(f->src, f->seq, &mk, 0);
}

/* TC on frame @in from port @ifindex: 1 if it copied it, 0 if not. */
static int tc_copies(const __u8 *in, size_t len, __u32 ifindex)
{
	struct hn_dp_stats st;
	__u8 out[256];
	size_t olen = sizeof(out);

	tc_run(in, len, ifindex, out, &olen, &st);
	assert_int_equal(st.tc_mark + st.tc_unmarked, 1);
	assert_int_equal(st.tc_clone, st.tc_mark);
	return (int)st.tc_mark;
}

static int tc_copies_fr(const struct fr *f, __u32 ifindex)
{
	__u8 in[256];

	return tc_copies(in, build(f, in), ifindex);
}

/*
 * Without metadata, TC copies a flood on XDP's mark only if the frame is
 * the one XDP accepted, to the byte of its header and from the same port:
 * a frame that differs in any of them is not copied and leaves the mark
 * for the real one; that one is copied once, not again, not after XDP
 * refused it as a duplicate.
 */
static void test_tc_mark_exact(void **state)
{
	const struct fr f = { HNF,	.dst = HN_GROUP_ALL, .src = 72,
			      .seq = 5, .flags = HN_F_MCAST, .ttl = 9 };
	struct fr forged[6];
	struct hn_dp_mcast_mark mk;
	__u8 out[256];
	size_t i, olen = sizeof(out);

	if (hn_dp_xdp_meta(dp))
		skip(); /* XDP has metadata here: no marks */
	apply(&(struct knobs){ 0 });
	for (i = 0; i < 6; i++)
		forged[i] = f;
	forged[0].ttl = 8; /* as a copy after one more hop */
	forged[1].src = 73;
	forged[2].seq = 6;
	forged[3].dst = 500;
	forged[4].plen = 40;
	forged[5].tclass = 3;
	mark_get(f.src, f.seq, &mk, 1);
	assert_int_equal(xdp_mark(&f, XDP_PASS, out, &olen), 1);
	for (i = 0; i < 6; i++)
		if (tc_copies_fr(&forged[i], net.in_ifindex))
			fail_msg("forged frame %zu copied", i);
	assert_int_equal(tc_copies_fr(&f, net.out_ifindex), 0);
	assert_int_equal(tc_copies_fr(&f, net.in_ifindex), 1);
	assert_int_equal(mark_get(f.src, f.seq, &mk, 0), 0);
	assert_int_equal(tc_copies_fr(&f, net.in_ifindex), 0);
	/* XDP now drops it as a duplicate: no new mark to copy it on */
	olen = sizeof(out);
	assert_int_equal(xdp_mark(&f, XDP_DROP, out, &olen), 0);
	assert_int_equal(tc_copies_fr(&f, net.in_ifindex), 0);
}

/*
 * Without metadata, a control flood's duplicate, which XDP passes up to
 * the agent marked HN_RSV_NOT_COPIED, is not copied on the mark of the
 * flood XDP accepted, though TC meets it first; the accepted one is.
 */
static void test_tc_mark_ctl_dup(void **state)
{
	const struct fr f = {
		HNF,	   .type = HN_T_GOSSIP, .dst = HN_GROUP_ALL,
		.src = 70, .seq = 40,		.flags = HN_F_MCAST
	};
	struct hn_dp_mcast_mark mk;
	__u8 first[256], dup[256];
	size_t flen = sizeof(first), dlen = sizeof(dup);

	if (hn_dp_xdp_meta(dp))
		skip(); /* XDP has metadata here: no marks */
	apply(&(struct knobs){ 0 });
	mark_get(f.src, f.seq, &mk, 1);
	assert_int_equal(xdp_mark(&f, XDP_PASS, first, &flen), 1);
	assert_int_equal(xdp_mark(&f, XDP_PASS, dup, &dlen), 1);
	assert_int_equal(dup[ETH_HLEN + offsetof(struct hnhdr, reserved)],
			 HN_RSV_NOT_COPIED);
	assert_int_equal(tc_copies(dup, dlen, net.in_ifindex), 0);
	assert_int_equal(tc_copies(first, flen, net.in_ifindex), 1);
}

/*
 * A data-flood window quiet for flood_idle_ms starts again at the next
 * seq, a jump or an old one: a source that restarted, or whose window a
 * forger moved, is back after that.  With "never" it is not.
 */
static void test_flood_idle(void **state)
{
	static const struct {
		__u32 idle_ms, seq;
		int sleep_ms;
		size_t counter;
	} steps[] = {
		/* a minute: however slow the host, not quiet between steps */
		{ 60000, 100, 0, C(mcast_fwd) },
		{ 60000, 5000, 0, C(mcast_jump) },
		/* 20 ms, after at least 60 ms of quiet: restarted */
		{ 20, 5000, 60, C(mcast_fwd) },
		{ 60000, 100, 0, C(mcast_old) },
		{ HN_DP_FLOOD_IDLE_NEVER, 90000, 60, C(mcast_jump) },
		{ HN_DP_FLOOD_IDLE_NEVER, 4900, 60, C(mcast_old) },
		{ HN_DP_FLOOD_IDLE_NEVER, 5001, 0, C(mcast_fwd) },
	};
	struct fr f = { HNF, .dst = 600, .src = 80, .flags = HN_F_MCAST };
	struct hn_dp_config cfg;
	struct hn_dp_stats st;
	__u8 in[256], out[256];
	char err[128];
	size_t i, olen;
	__u32 verdict;

	apply(&(struct knobs){ 0 });
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		assert_int_equal(hn_dp_get_config(dp, &cfg), 0);
		cfg.flood_idle_ms = steps[i].idle_ms;
		assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)),
				 0);
		usleep(steps[i].sleep_ms * 1000);
		f.seq = steps[i].seq;
		assert_int_equal(hn_dp_reset_stats(dp), 0);
		olen = sizeof(out);
		assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in,
					  build(&f, in), out, &olen, &verdict),
				 0);
		assert_int_equal(hn_dp_get_stats(dp, &st), 0);
		if (*(__u64 *)((char *)&st + steps[i].counter) != 1)
			fail_msg("step %zu: seq %u, counter at %zu not moved",
				 i, steps[i].seq, steps[i].counter);
	}
	cfg.flood_idle_ms = 0;
	assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)), 0);
}

/*
 * Routes found through hn_route_tab and through the hn_routes hash alone
 * (a slot taken by another destination) forward alike; a delete frees the
 * slot for a route that had to make do with the hash.
 */
static void test_route_tab(void **state)
{
	/* 4197 shares route 100's slot: (4197 ^ 1) & 4095 == 100 */
	const __u32 other = HN_DP_ROUTE_TAB_SIZE + 101;
	struct fr f = { HNF, .dst = other };
	struct hn_dp_route rt = { .n_cand = 1, .cand = { { 1, 8 } } }, keep;
	struct hn_dp_route_ent ent;
	__u8 in[256], out[256];
	size_t len, olen;
	__u32 verdict, slot = 100;
	char err[256] = "";
	int tab = hn_dp_map_fd(dp, "hn_route_tab");
	int pass;

	assert_int_equal(hn_dp_route_slot(other), slot);
	assert_true(tab >= 0);
	apply(&(struct knobs){ 0 });
	assert_int_equal(hn_dp_get_route(dp, 100, &keep), 0);
	must(hn_dp_set_route(dp, other, &rt, err, sizeof(err)), "route", err);
	for (pass = 0; pass < 2; pass++) {
		/* pass 0: 100 holds the slot; pass 1: 100 deleted */
		assert_int_equal(bpf_map_lookup_elem(tab, &slot, &ent), 0);
		assert_int_equal(ent.dst, pass ? other : 100);
		f.dst = other;
		len = build(&f, in);
		olen = sizeof(out);
		assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in,
					  len, out, &olen, &verdict),
				 0);
		assert_int_equal(verdict, XDP_REDIRECT);
		assert_memory_equal(out, macs[M_N30], 6);
		f.dst = 100;
		len = build(&f, in);
		olen = sizeof(out);
		assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in,
					  len, out, &olen, &verdict),
				 0);
		assert_int_equal(verdict, pass ? XDP_DROP : XDP_TX);
		if (!pass)
			assert_int_equal(hn_dp_del_route(dp, 100), 0);
	}
	/* back, now in the hash only; the listing still has both */
	must(hn_dp_set_route(dp, 100, &keep, err, sizeof(err)), "route", err);
	assert_int_equal(hn_dp_get_route(dp, 100, &rt), 0);
	assert_int_equal(hn_dp_get_route(dp, other, &rt), 0);
	olen = sizeof(out);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	assert_int_equal(verdict, XDP_TX);
	assert_int_equal(hn_dp_del_route(dp, other), 0);
	/* the slot went back to 100 when its holder left */
	assert_int_equal(bpf_map_lookup_elem(tab, &slot, &ent), 0);
	assert_int_equal(ent.dst, 100);
}

/*
 * A mesh port deleted under a neighbour: the kernel drops it from
 * hn_tx_ports, the frame the model sends there is dropped, the neighbour
 * is marked dead, and the next frame goes to the other candidate.
 */
static void test_port_deleted(void **state)
{
	struct hn_dp_route rt = { .n_cand = 2,
				  .def = 1,
				  .cand = { { 5, 8 }, { 1, 8 } } };
	struct hn_dp_neigh nb = { .node = 70 };
	const __u8 mac70[6] = { 0x02, 0, 0, 0, 0, 0x70 };
	struct fr f = { HNF, .dst = 106 };
	__u8 in[256], out[256];
	size_t len = build(&f, in), olen;
	struct hn_dp_stats st;
	char err[256] = "";
	__u32 verdict, ifindex;

	apply(&(struct knobs){ 0 });
	assert_int_equal(system("ip link add hnt4 type veth peer name hnt5 && "
				"ip link set hnt4 up && ip link set hnt5 up"),
			 0);
	ifindex = if_nametoindex("hnt4");
	assert_true(ifindex > 0);
	must(hn_dp_port_add(dp, ifindex, err, sizeof(err)), "port", err);
	nb.ifindex = ifindex;
	memcpy(nb.mac, mac70, 6);
	nb.feat[HN_FEAT_QUALITY] = 120;
	nb.last_seen_ns = hn_dp_now_ns() + 3600 * SEC_NS;
	must(hn_dp_set_neigh(dp, 5, &nb, err, sizeof(err)), "neigh", err);
	must(hn_dp_set_route(dp, 106, &rt, err, sizeof(err)), "route", err);

	olen = sizeof(out);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	assert_int_equal(verdict, XDP_REDIRECT);
	assert_memory_equal(out, mac70, 6);

	assert_int_equal(system("ip link del hnt4"), 0);
	assert_int_equal(hn_dp_reset_stats(dp), 0);
	olen = sizeof(out);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	assert_int_equal(verdict, XDP_DROP);
	assert_int_equal(hn_dp_get_stats(dp, &st), 0);
	assert_int_equal(st.drop_no_port, 1);
	assert_int_equal(hn_dp_get_neigh(dp, 5, &nb), 0);
	assert_int_equal(nb.last_seen_ns, 0);
	copies_stamped(5, 0);

	olen = sizeof(out);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	assert_int_equal(verdict, XDP_REDIRECT);
	assert_memory_equal(out, macs[M_N30], 6);
	assert_int_equal(hn_dp_get_stats(dp, &st), 0);
	assert_int_equal(st.fb_stale, 1);
	assert_int_equal(st.drop_no_port, 1);
}

/* Anycast frame for @task in, the host it was placed on out. */
static __u32 place(__u32 task)
{
	struct fr f = { HNF, .dst = task, .flags = HN_F_ANYCAST };
	__u8 in[256], out[256];
	size_t len = build(&f, in), olen = sizeof(out);
	struct hnhdr h;
	__u32 verdict;

	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	assert_int_equal(verdict, XDP_REDIRECT);
	assert_true(olen >= ETH_HLEN + sizeof(h));
	memcpy(&h, out + ETH_HLEN, sizeof(h));
	assert_int_equal(h.flags & HN_F_ANYCAST, 0);
	return ntohl(h.dst);
}

/*
 * Anycast placement follows the model's view of the hosts' load: two
 * hosts alike in everything but load (same next hop, same distance,
 * same capacity), and a model that scores 127 - load, must get the
 * frame on the less loaded one, whichever comes first in the task.
 */
static void test_anycast_load(void **state)
{
	struct hn_dp_route rt = { .n_cand = 1, .def = 0, .cand = { { 1, 8 } } };
	static const struct {
		__u32 task;
		__u8 load[2];
		__u32 want;
	} cases[] = {
		{ 11, { 100, 10 }, 108 },
		{ 12, { 10, 100 }, 107 },
		{ 13, { 64, 63 }, 108 },
		{ 14, { 63, 64 }, 107 },
	};
	struct hn_rt_model m;
	struct hn_dp_task t;
	char err[256] = "";
	unsigned int i;

	apply(&(struct knobs){ 0 });
	must(hn_dp_set_route(dp, 107, &rt, err, sizeof(err)), "route", err);
	must(hn_dp_set_route(dp, 108, &rt, err, sizeof(err)), "route", err);
	memset(&m, 0, sizeof(m));
	m.b1[0] = 127;
	m.w1[0][HN_FEAT_LOAD] = -1;
	m.w2[0] = 1;
	must(hn_dp_install_model(dp, &m, err, sizeof(err)), "model", err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&t, 0, sizeof(t));
		t.n_host = 2;
		t.host[0].node = 107;
		t.host[0].load = cases[i].load[0];
		t.host[0].capacity = 50;
		t.host[1].node = 108;
		t.host[1].load = cases[i].load[1];
		t.host[1].capacity = 50;
		must(hn_dp_set_task(dp, cases[i].task, &t, err, sizeof(err)),
		     "task", err);
		assert_int_equal(place(cases[i].task), cases[i].want);
	}
	/* the table's model back, for the tests after this one */
	model_quality(&m);
	must(hn_dp_install_model(dp, &m, err, sizeof(err)), "model", err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(hn_dp_del_task(dp, cases[i].task), 0);
	assert_int_equal(hn_dp_del_route(dp, 107), 0);
	assert_int_equal(hn_dp_del_route(dp, 108), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_hello_stamps),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_tc_unmarked),
		cmocka_unit_test(test_tc_mark_exact),
		cmocka_unit_test(test_tc_mark_ctl_dup),
		cmocka_unit_test(test_flood_idle),
		cmocka_unit_test(test_route_tab),
		cmocka_unit_test(test_port_deleted),
		cmocka_unit_test(test_anycast_load),
	};

	hn_t_need_bpf();
	hn_t_pin_cpu();
	hn_t_netns(&net);
	memcpy(macs[M_IN], net.in_mac, 6);
	memcpy(macs[M_OUT], net.out_mac, 6);
	dp = hn_t_dp_open(&net);
	setup_topology();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
