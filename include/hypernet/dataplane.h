/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Structures shared by the XDP data plane (bpf/hypernet.bpf.c) and its
 * userspace loader (userspace/lib/dp.c): map keys and values, the
 * configuration, the counters, the epoch encoding and the flow cache entry.
 * Documentation/dataplane.rst describes how they are used.
 *
 * Clock: every timestamp is CLOCK_MONOTONIC in nanoseconds (the BPF side
 * reads bpf_ktime_get_coarse_ns(), the same clock at tick resolution).
 */
#ifndef _HYPERNET_DATAPLANE_H
#define _HYPERNET_DATAPLANE_H

#include <linux/types.h>
#include <linux/hypernet_packet.h>
#include "route.h"

#define HN_DP_PIN_DIR "/sys/fs/bpf/hypernet"
/*
 * Run priority of hn_xdp behind libxdp's dispatcher (lower runs first):
 * after filters and monitors at libxdp's default 50, since what the
 * router forwards or drops no later program sees.
 */
#define HN_DP_XDP_PRIO 60

#define HN_DP_SLOTS 2 /* model slots, see the epoch */
#define HN_DP_MAX_CAND 8 /* candidates a route, hosts a task */
#define HN_DP_MAX_NEIGH 64 /* neighbour indexes 0 .. 63 */
#define HN_DP_MAX_PORTS 16 /* mesh ports */
#define HN_DP_MAX_ROUTES 4096
#define HN_DP_ROUTE_TAB_BITS 12
#define HN_DP_ROUTE_TAB_SIZE (1U << HN_DP_ROUTE_TAB_BITS)
#define HN_DP_MAX_TASKS 256
#define HN_DP_MAX_GROUPS 256
#define HN_DP_MCAST_SRCS 4096 /* data-flood sources tracked (LRU) */
#define HN_DP_MCAST_CTL_SRCS 1024 /* control-flood sources (the agent's) */
#define HN_DP_CACHE_BITS 8
#define HN_DP_CACHE_SIZE (1U << HN_DP_CACHE_BITS) /* per CPU */

/* Multicast de-duplication window, in sequence numbers. */
#define HN_DP_MCAST_WINDOW 32
/*
 * A flood seq at most this far ahead of its window's top moves the window;
 * one further ahead is a jump (HN_DP_MC_JUMP), which the data plane does
 * not take from an unauthenticated frame.  Floods of one source follow each
 * other seq by seq, so a jump means the source restarted or lost many
 * floods on the way here, or a forgery.
 */
#define HN_DP_MCAST_JUMP_MAX 1024
/*
 * A data-flood window that accepted nothing for this long starts again at
 * the next seq it sees.  Copies of a flood die out within a TTL of hops,
 * milliseconds; a source that restarted or jumped is back after this.
 * hn_dp_config.flood_idle_ms sets another time, or none.
 */
#define HN_DP_MCAST_IDLE_NS 1000000000ULL

/* Neighbour index meaning "this node" (anycast host is local). */
#define HN_DP_NEIGH_LOCAL 0xFF
#define HN_DP_NONE 0xFF /* no candidate */

/*
 * The epoch word (map hn_epoch, one u64): bit 0 is the active model slot,
 * bits 1..63 a generation that userspace bumps on every route, neighbour,
 * task, model or config change.  Flow cache entries remember the epoch they
 * were computed under and are void once it moves.
 */
#define HN_EPOCH_SLOT(e) ((__u32)((e)&1))
#define HN_EPOCH_GEN(e) ((e) >> 1)
#define HN_EPOCH_MAKE(gen, slot) (((__u64)(gen) << 1) | ((slot)&1))

/* hn_dp_config.flags */
enum hn_dp_cfg_flags {
	HN_DP_CFG_TRACE = 1U << 0, /* record every decision in hn_trace */
	HN_DP_CFG_NO_CACHE = 1U << 1, /* decide every frame (benchmarks) */
};

/* hn_dp_config.flood_idle_ms: never restart an idle data-flood window */
#define HN_DP_FLOOD_IDLE_NEVER 0xFFFFFFFFU

/* hn_config[0] */
struct hn_dp_config {
	__u32 node_id; /* this node; 0: unconfigured, pass all */
	__s32 margin_min; /* fall back when best - second < this */
	__u64 stale_ns; /* neighbour dead after this; 0: never */
	__u32 tensor_ifindex; /* local tensor frames go here; 0: stack */
	__u32 flags; /* enum hn_dp_cfg_flags */
	__u32 flood_idle_ms; /* HN_DP_MCAST_IDLE_NS if 0, or _NEVER */
	__u32 split_step; /* hn_rt_split_step() a period; 0: never split */
};

/* hn_models[slot] */
struct hn_dp_model {
	__u32 valid; /* 0: slot empty, decisions use the default */
	__u32 pad;
	struct hn_rt_model m; /* as installed, for inspection */
	struct hn_rt_compiled c; /* hn_rt_compile(m): what XDP runs */
};

/* hn_neigh[index]: one directly connected neighbour. */
struct hn_dp_neigh {
	__u32 node; /* node id; 0 with valid == 0 for a free slot */
	__u32 ifindex; /* mesh port it is reached on */
	__u8 mac[6]; /* its MAC: destination of frames sent to it */
	__u8 port_mac[6]; /* MAC of ifindex: source of those frames */
	__u8 valid;
	__u8 feat[HN_NB_NFEAT]; /* scaled neighbour features (0..127) */
	__u8 pad[2];
	__u64 last_seen_ns; /* CLOCK_MONOTONIC; HELLO frames refresh it */
};

/*
 * hn_score[slot]: the model of hn_models[slot] compiled for the
 * neighbours, so that a unicast decision reads one score per candidate
 * and runs no model: s[f][n][rb] = hn_rt_table_score(model, hn_neigh[n]
 * features, rb, f) for frame bucket f (hn_frame_bucket()), neighbour n and
 * route bucket rb (hn_rt_route_bucket() of the candidate's dist).  A
 * neighbour's 16 route buckets are one 64-byte line.  Userspace writes
 * only the slot the epoch does not name, then flips the epoch to it; a
 * decision that finds the epoch moved while it read the scores does not
 * use them (Documentation/dataplane.rst, Score tables).
 */
struct hn_dp_score {
	__u64 valid; /* bit n: neighbour n valid, scores written */
	__u32 has_model; /* 0: no model, decisions take the default */
	__u32 pad0;
	__u64 ver; /* userspace: generation these scores were written at */
	__u32 pad[10]; /* scores start on a cache line */
	__s32 s[HN_RT_FRAME_BUCKETS][HN_DP_MAX_NEIGH][HN_RT_ROUTE_BUCKETS];
};

/*
 * hn_decide[slot]: the decision itself, compiled from hn_score[slot] for
 * the route in each hn_route_tab slot, so that a unicast frame whose
 * route lives there reads one byte and no route: dst[k] is the
 * destination whose route row k was compiled for (0: none), and
 * the decision byte d of e[k][frame bucket] (HN_DP_E()) is what
 * hn_choose() picks before liveness (the
 * model's argmax, ties the lowest index, or the default when the margin
 * is below margin_min or there is no model), as that candidate's
 * neighbour index with the reason in the top bits, HN_DP_DEC_NONE when
 * no candidate can be scored.  The program checks the neighbour is live
 * and else decides from the score table.  node_id, flags and stale_ns
 * are hn_config's as the slot went live, and nb[] hn_neigh's, so that
 * the table's frames read no other map (but hn_neigh's last_seen_ns for
 * liveness).  Userspace writes only the slot the epoch does not name,
 * then flips; a route, a config, a route's removal and a neighbour's
 * port or MAC are flips.  stale
 * and nbmask are userspace's own bookkeeping, kept here so that every
 * process writing the maps shares it (Documentation/dataplane.rst,
 * Decision tables).
 */
#define HN_DP_DEC_NEIGH 0x3F /* neighbour index */
#define HN_DP_DEC_MARGIN 0x40 /* the default, margin below margin_min */
#define HN_DP_DEC_NO_MODEL 0x80 /* the default, no model */
/* no decision: decide from the scores (never a reason: they exclude) */
#define HN_DP_DEC_NONE 0xFF

/*
 * The split sp of hn_dp_decide.e[k][f], row k's frame bucket f (route.h,
 * hn_rt_split_next()): the alternative's neighbour index in the low 6
 * bits, its share of HN_RT_SPLIT_ONE from bit 7, 0 for no split.  Only a
 * model's pick (no reason bits in d) splits.
 */
#define HN_DP_SP_NEIGH 0x3F
#define HN_DP_SP_SHARE_SHIFT 7
#define HN_DP_SP(neigh, share) \
	((__u16)(((neigh)&HN_DP_SP_NEIGH) | ((share) << HN_DP_SP_SHARE_SHIFT)))

/*
 * hn_dp_decide.e[k][f]: the byte d and the split sp of row k's frame
 * bucket f in one word, so that a frame reads both by one load from one
 * cache line.
 */
#define HN_DP_E(d, sp) ((__u32)(d) | (__u32)(sp) << 16)
#define HN_DP_E_D(e) ((__u8)((e)&0xFF))
#define HN_DP_E_SP(e) ((__u16)((e) >> 16))

struct hn_dp_decide {
	__u64 score_ver; /* hn_dp_score.ver the rows were compiled from */
	__s32 margin_min; /* ... and the margin */
	__u32 built; /* 1: every row written once */
	__u32 node_id; /* hn_dp_config's, as the slot went live */
	__u32 flags; /* ... */
	__u64 stale_ns; /* ... */
	__u32 fast_id; /* node_id, 0 while tracing: hn_fast()'s one test */
	__u32 pad[7]; /* the rest starts on a cache line */
	/*
	 * What a frame reads first, each array starting within 32 KiB of
	 * the slot, so that its offset fits a BPF load's own 16-bit offset
	 * and the program adds none.
	 */
	/*
	 * hn_neigh as the slot went live: port, MACs, valid; last seen is
	 * stamped in place in both slots as in hn_neigh (HELLO, a port
	 * gone, the library), for the fast path's liveness
	 */
	struct hn_dp_neigh nb[HN_DP_MAX_NEIGH];
	__u32 dst[HN_DP_ROUTE_TAB_SIZE]; /* row k's destination; 0: none */
	__u32 e[HN_DP_ROUTE_TAB_SIZE][HN_RT_FRAME_BUCKETS]; /* HN_DP_E() */
	__u64 stale[HN_DP_ROUTE_TAB_SIZE / 64]; /* bit k: row k out of date */
	__u64 nbmask[HN_DP_ROUTE_TAB_SIZE]; /* row k's route's neighbours */
};

/*
 * hn_now()'s copy of the coarse clock as read at one jiffy, in hn_decide's
 * header.
 */
struct hn_dp_clock {
	__u64 jiffies;
	__u64 now_ns;
};

/*
 * hn_decide: both slots, slot[HN_EPOCH_SLOT(epoch)] the live one.  The
 * program's global hn_dtab, its .bss and all of it, so that the program
 * addresses it directly with no lookup; the loader pins that map as
 * hn_decide, as it pinned the array it replaces, and maps it at offset 0.
 * epoch is hn_epoch[0]'s copy, written just before it (the library's
 * set_epoch()): the table's frames read it instead of hn_epoch, one map
 * fewer, and it moves at every flip as hn_epoch does.
 */
struct hn_dp_decide_tab {
	__u64 epoch;
	/*
	 * Nonzero while a slot may have stale_ns set: hn_xdp() then ticks
	 * its coarse clock before the frame is read, and the fast path's
	 * liveness check reads it without a call (Documentation/
	 * dataplane.rst, Fast path).
	 */
	__u64 tick;
	/* written by the program only (hn_clk_tick()); formerly padding */
	struct hn_dp_clock clk;
	__u64 pad[4]; /* slots start on a cache line */
	struct hn_dp_decide slot[HN_DP_SLOTS];
};

struct hn_dp_cand {
	__u8 neigh; /* neighbour index */
	__u8 dist; /* HN_FEAT_DIST: hn_scale_hops(hops via it), a
			 * route bucket's representative (route.h) */
};

/* hn_routes[dst node] */
struct hn_dp_route {
	__u8 n_cand; /* 1 .. HN_DP_MAX_CAND */
	__u8 def; /* index in cand[] of the shortest path */
	struct hn_dp_cand cand[HN_DP_MAX_CAND];
};

/*
 * hn_route_tab[hn_dp_route_slot(dst)]: a direct-mapped copy of hn_routes,
 * so that a decision finds its route by an inlined array lookup.  The
 * library places a route here when its slot is free or holds the same
 * destination, else it lives in hn_routes only; hn_routes holds every
 * route and stays the authority (listings read it).
 */
struct hn_dp_route_ent {
	__u32 dst; /* 0: empty */
	struct hn_dp_route rt;
	__u8 pad[2];
};

/* Low bits, with the next ones folded in: node ids are often dense. */
__hn_inline __u32 hn_dp_route_slot(__u32 dst)
{
	return (dst ^ (dst >> HN_DP_ROUTE_TAB_BITS)) &
	       (HN_DP_ROUTE_TAB_SIZE - 1);
}

struct hn_dp_host {
	__u32 node; /* hosting node (may be this node) */
	__u8 load; /* HN_FEAT_LOAD of the host */
	__u8 capacity; /* HN_FEAT_CAPACITY of the host */
	__u8 pad[2];
};

/* hn_tasks[task class] */
struct hn_dp_task {
	__u32 n_host; /* 1 .. HN_DP_MAX_CAND */
	struct hn_dp_host host[HN_DP_MAX_CAND];
};

/*
 * hn_ports[i]: mesh ports, for the TC multicast clone loop and the
 * privacy checks.  domain: the port's far side is inside this node's
 * privacy domain, so HN_F_PRIVATE frames may arrive on it and leave by
 * it (Documentation/dataplane.rst, Privacy); 0, the default, keeps them
 * off it.  Formerly padding, always 0.
 */
struct hn_dp_port {
	__u32 ifindex; /* 0: free slot */
	__u8 mac[6];
	__u8 domain; /* 1: inside the privacy domain */
	__u8 pad;
};

/*
 * hn_mcast_win[src] (data floods) and hn_mcast_ctl[src] (control floods,
 * enum hn_frame_type above HN_T_TENSOR): the highest sequence number seen
 * from src in the upper 32 bits of win, a bitmap of the HN_DP_MCAST_WINDOW
 * numbers at and below it in the lower 32 (bit n: highest - n seen), so
 * that one cmpxchg updates it without a lock.  Documentation/dataplane.rst
 * (Multicast) says who may move which window and why.
 */
struct hn_dp_mcast_win {
	__u64 win;
	__u64 last_ns; /* data floods: CLOCK_MONOTONIC, last accepted */
};

enum hn_dp_mcast_verdict {
	HN_DP_MC_NEW, /* first time seen: accept */
	HN_DP_MC_DUP, /* seen before */
	HN_DP_MC_OLD, /* HN_DP_MCAST_WINDOW or more behind the top */
	HN_DP_MC_JUMP, /* more than HN_DP_MCAST_JUMP_MAX ahead */
	HN_DP_MC_BUSY, /* XDP: lost the window's cmpxchg race */
};

/* A window that has seen @seq only. */
__hn_inline __u64 hn_dp_mcast_win_first(__u32 seq)
{
	return ((__u64)seq << 32) | 1;
}

/*
 * Window @win after seeing @seq, and in *@verdict whether it was new; a
 * duplicate, an old seq or a jump leaves the window as it was.  Written
 * once for the XDP router, the agent and the tests.
 */
__hn_inline __u64 hn_dp_mcast_win_add(__u64 win, __u32 seq, int *verdict)
{
	__u32 hi = win >> 32, bm = (__u32)win, ahead = seq - hi, back;

	*verdict = HN_DP_MC_NEW;
	if (ahead && ahead < 0x80000000U) {
		if (ahead > HN_DP_MCAST_JUMP_MAX) {
			*verdict = HN_DP_MC_JUMP;
			return win;
		}
		bm = ahead >= HN_DP_MCAST_WINDOW ? 1 : (bm << ahead) | 1;
		hi = seq;
	} else {
		back = hi - seq;
		if (back >= HN_DP_MCAST_WINDOW) {
			*verdict = HN_DP_MC_OLD;
			return win;
		}
		if (bm & (1U << back)) {
			*verdict = HN_DP_MC_DUP;
			return win;
		}
		bm |= 1U << back;
	}
	return ((__u64)hi << 32) | bm;
}

/*
 * Window @win made to include @seq at any distance: the agent's move, for
 * a flood it authenticated or sent itself.  Far from the top, the window
 * starts again at @seq, whoever moved it there.
 */
__hn_inline __u64 hn_dp_mcast_win_anchor(__u64 win, __u32 seq)
{
	int verdict;
	__u64 w = hn_dp_mcast_win_add(win, seq, &verdict);

	if (verdict == HN_DP_MC_OLD || verdict == HN_DP_MC_JUMP)
		return hn_dp_mcast_win_first(seq);
	return w;
}

/*
 * Frame types hypernetd authenticates (everything but data and tensors):
 * their floods are de-duplicated in hn_mcast_ctl, whose entries only the
 * agent creates, and what the data plane does not forward at once it
 * passes up for the agent to check and forward.
 */
__hn_inline int hn_dp_ctrl_type(__u8 type)
{
	return type != HN_T_DATA && type != HN_T_TENSOR;
}

/*
 * XDP metadata in front of a member-group flood that XDP accepted for
 * copying: the TC program copies a frame on only if this sits right before
 * it and names it (cookie of this load, src, seq and TTL as they arrived),
 * so that nothing but XDP's decision makes copies, not a frame XDP let pass
 * for another reason (node id unset, a VLAN tag) nor metadata left on a
 * copy that comes back.
 */
struct hn_dp_meta {
	__u32 cookie; /* the program's hn_meta_cookie */
	__be32 src; /* hnhdr.src, raw */
	__be32 seq; /* hnhdr.seq, raw */
	__u8 ttl; /* hnhdr.ttl as it arrived */
	__u8 pad[3];
};

/*
 * hn_mcast_marks: XDP's mark for the TC program where the kernel gives
 * XDP no metadata (hn_meta_ok 0).  XDP writes one for a member flood it
 * accepted for copying, keyed by the flood and the port it came in on;
 * TC copies the frame on only if the mark is this load's and names its
 * whole header as XDP passed it up, and deletes it: whoever deletes it
 * copies, so one copy per flood XDP accepted, at most.  An LRU map: a
 * mark whose frame never reached TC (dropped on the way) ages out
 * (Documentation/dataplane.rst, Member floods without metadata).
 */
#define HN_DP_MCAST_MARKS 4096

struct hn_dp_mcast_mark_key {
	__be32 src; /* hnhdr.src, raw */
	__be32 seq; /* hnhdr.seq, raw */
	__u32 ifindex; /* ingress port */
};

struct hn_dp_mcast_mark {
	__u32 cookie; /* the program's hn_meta_cookie */
	__u32 hdr[5]; /* struct hnhdr as XDP passed it up */
};

/* hn_cache[hash(dst, class)], per CPU. */
enum hn_dp_cache_kind {
	HN_DP_CK_EMPTY,
	HN_DP_CK_UNICAST,
	HN_DP_CK_ANYCAST,
};

struct hn_dp_cache_ent {
	__u64 epoch; /* epoch the decision was made under */
	__u32 dst; /* key: destination node or task class */
	__u8 tclass; /* key: traffic class */
	__u8 kind; /* key: enum hn_dp_cache_kind */
	__u8 neigh; /* chosen neighbour, or HN_DP_NEIGH_LOCAL */
	__u8 pad;
	__u32 host; /* anycast: chosen host */
	__u32 pad2;
};

/* Why a decision did not simply take the model's winner. */
enum hn_dp_reason {
	HN_DP_R_MODEL, /* the model's winner */
	HN_DP_R_NO_MODEL, /* no model: default candidate */
	HN_DP_R_MARGIN, /* margin below margin_min: default */
	HN_DP_R_STALE, /* pick was stale: best live candidate */
	HN_DP_R_NO_LIVE, /* every candidate stale: dropped */
};

/* hn_trace[0], per CPU: the last decision, if HN_DP_CFG_TRACE. */
struct hn_dp_trace {
	__u64 seq; /* decisions traced on this CPU */
	__u64 time_ns; /* CLOCK_MONOTONIC of the decision */
	__u64 epoch;
	__u32 dst; /* destination node, or task class */
	__u32 host; /* anycast: chosen host, else dst */
	__u8 n_cand;
	__u8 winner; /* argmax index (ties: lowest), or NONE */
	__u8 chosen; /* index used after fallbacks, or NONE */
	__u8 reason; /* enum hn_dp_reason */
	__u8 neigh; /* neighbour of chosen, or NEIGH_LOCAL */
	__u8 live_mask; /* bit i: candidate i live */
	__u8 has_model;
	__u8 pad;
	__s32 margin; /* best - second; S32_MAX with one candidate */
	__s32 score[HN_DP_MAX_CAND];
	__u8 feat[HN_DP_MAX_CAND][HN_RT_NFEAT]; /* inputs scored */
};

/*
 * hn_nb_stats[idx], per CPU: what the data plane sent to neighbour idx
 * (XDP_TX or redirected), frames and bytes as the frame leaves XDP.
 * Counted only when the loader set hn_nb_count (a load-time constant:
 * off, the verifier removes the counting); zero otherwise.
 */
struct hn_dp_nb_stats {
	__u64 tx_frames;
	__u64 tx_bytes;
};

/*
 * hn_stats[0], per CPU; userspace sums the CPUs.  The bad_* fields follow
 * enum hn_frame_err (bad_truncated is HN_ERR_TRUNCATED ...) so the data
 * plane can index them.
 */
struct hn_dp_stats {
	__u64 rx; /* HyperNet frames seen */
	__u64 pass_other; /* not HyperNet: passed untouched */
	__u64 bad_truncated;
	__u64 bad_version;
	__u64 bad_type;
	__u64 bad_flags;
	__u64 bad_length;
	__u64 bad_ttl; /* arrived with TTL 0 */
	__u64 bad_addr;
	__u64 bad_tensor;
	__u64 pass_unconfigured; /* node id not set yet */
	__u64 hello; /* HELLO passed to the stack */
	__u64 hello_unknown; /* HELLO from no known neighbour */
	__u64 local_pass; /* for this node: to the stack */
	__u64 local_tensor; /* for this node: tensor netdev */
	__u64 ttl_expired; /* would leave with TTL 0: dropped */
	__u64 fwd_redirect; /* unicast out of another port */
	__u64 fwd_tx; /* unicast out of the ingress port */
	__u64 drop_no_route;
	__u64 drop_no_port; /* egress port not in hn_tx_ports;
					 * its neighbour is marked dead */
	__u64 drop_no_live; /* every candidate stale */
	__u64 decisions; /* next hops computed (cache misses) */
	__u64 cache_hit;
	__u64 fb_no_model;
	__u64 fb_margin;
	__u64 fb_stale;
	__u64 any_remote; /* anycast placed on another node */
	__u64 any_local; /* anycast placed on this node */
	__u64 drop_no_task;
	__u64 mcast_fwd; /* non-member group: XDP broadcast */
	__u64 mcast_local; /* member group: to the stack + TC */
	__u64 mcast_dup;
	__u64 mcast_old; /* older than the window */
	__u64 mcast_busy; /* window update contended: dropped */
	__u64 tc_clone; /* TC copies to other ports */
	__u64 tc_clone_fail;
	__u64 mcast_jump; /* seq far ahead of the window */
	__u64 mcast_slow; /* control flood up to the agent to
					 * check, not copied (dup, old, jump,
					 * source not confirmed) */
	__u64 mcast_ttl_last; /* member flood with TTL 1: here only */
	__u64 mcast_nometa; /* no XDP metadata: not copied */
	__u64 tc_unmarked; /* TC: flood XDP did not accept for
					 * copying (HELLOs aside): left alone */
	__u64 hello_elsewhere; /* HELLO with a neighbour's src from
					 * another port or MAC: not stamped */
	__u64 mcast_unconfirmed; /* control flood from a source the
					 * agent has not confirmed */
	__u64 fast_fwd; /* fast path: an rx, a decision and a
					 * fwd_redirect in one; userspace
					 * folds it into them (hn_dp_stats_sum)
					 * and leaves it 0 */
	__u64 mcast_mark_fail; /* no metadata: XDP could not store
					 * its mark for TC (hn_mcast_marks):
					 * delivered, not copied */
	__u64 tc_mark; /* TC: flood copied on XDP's mark in
					 * hn_mcast_marks, for want of
					 * metadata */
	__u64 priv_drop_out; /* HN_F_PRIVATE frame, or a flood's copy,
					 * that would leave by a port outside
					 * the privacy domain: dropped */
	__u64 priv_drop_in; /* HN_F_PRIVATE frame in from a port
					 * outside the privacy domain:
					 * dropped */
};

#endif /* _HYPERNET_DATAPLANE_H */
