/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A packet-level mesh simulator for training and evaluating the routing
 * model (tools/hn-train, Documentation/learned-routing.rst).
 *
 * Discrete events, one clock in ns, one seeded generator: the same
 * topology, configuration and seed give the same run, bit for bit.
 * Every node is a HyperNet router as the agent and the data plane make
 * it: candidates from topo.c over LSAs, neighbour features measured the
 * agent's way and written every feat_ms when they change (each write
 * moves the node's epoch), decisions by hn_rt_score() with the data
 * plane's argmax and fallbacks, cached per (destination, class) until
 * the epoch moves.
 */
#ifndef _HN_LEARN_SIM_H
#define _HN_LEARN_SIM_H

#include <stddef.h>
#include <linux/types.h>
#include <hypernet/route.h>
#include "topo.h"

#define HN_SIM_MAX_NODES 64
#define HN_SIM_MAX_LINKS 256
#define HN_SIM_MAX_PORTS 16 /* links of one node */
#define HN_SIM_NCLASS 8
#define HN_SIM_WIRE_OVERHEAD 14 /* Ethernet header: on the wire, not in size */
#define HN_SIM_MAX_ATTEMPTS 4 /* link-layer transmissions of one frame */
/* Traffic: half small, half large frames (HyperNet header + payload). */
#define HN_SIM_FRAME_SMALL 186
#define HN_SIM_FRAME_LARGE 1414

/* An undirected link; both directions get the same properties. */
struct hn_sim_link {
	__u16 a, b; /* node indexes */
	__u32 kbps; /* capacity of each direction */
	__u32 delay_us; /* propagation */
	__u16 loss_pm; /* per transmission attempt, permille */
	__u8 half_duplex; /* 1: both directions share kbps (radio) */
};

struct hn_sim_topo {
	char name[32];
	unsigned int n_nodes, n_links;
	struct hn_sim_link link[HN_SIM_MAX_LINKS];
	/* how real the world is: the family's defaults, or the spec's options */
	__u32 drift_ms; /* mean time between a link's loss changes; 0: fixed */
	__u8 true_costs; /* 1: LSA costs from true delivery ratios */
	__u8 no_ctrl; /* 1: HELLO, PROBE, ACK and LSA frames take no wire time */
	__u8 radio; /* 1: a node's half-duplex links share its one radio */
};

/*
 * Build a topology from a spec: "grid:S" (S x S), "rgg:N" (random
 * geometric, N nodes), "ring:N" (a ring with two chords), "ladder:N"
 * (2 x N), "diamond", "dumbbell", "lab" (lab.sh's 3 x 3 grid; odd @seed:
 * thin and fat links swapped); families no model was trained on, for
 * held-out evaluation: "backbone:N" (a ring of N / 4 fast routers, every
 * other node a leaf homed on two of them), "cluster:N" (radio villages of
 * about 8 nodes joined by a few long links), "tri:S" (an S x S triangular
 * lattice of radio nodes), "hex:S" (an S x S wired honeycomb).  @seed
 * draws link properties (and positions).  Options may follow, each after
 * a comma: "half" or "full" (every link half or full duplex; the radio
 * families rgg, cluster and tri are half, the rest full), "drift=MS"
 * (mean time between a link's loss changes, 0 fixed; radio families
 * 2000, the rest 0), "true-costs" (LSA costs from the true delivery
 * ratio instead of HELLO counts), "no-ctrl" (control frames take no wire
 * time), "radio" (a node sends or receives on one half-duplex link at a
 * time).  Returns 0, or -1 with a message in @err.
 */
int hn_sim_topo_make(struct hn_sim_topo *t, const char *spec, __u64 seed,
		     char *err, size_t errlen);

enum hn_sim_traffic {
	HN_SIM_UNIFORM, /* every pair alike */
	HN_SIM_HOTSPOT, /* half the traffic to two hot nodes */
	HN_SIM_BURST, /* uniform pairs, on/off sources */
	HN_SIM_LAB, /* bench/learn.sh's four flows (9+ nodes) */
};

enum hn_sim_policy {
	HN_SIM_MODEL, /* ETT candidates, the model (or fallbacks) */
	HN_SIM_HOPS, /* hop-count routes, default next hop */
	HN_SIM_ETX, /* ETX routes, default next hop (no model) */
	HN_SIM_ORACLE, /* ETT candidates, true queue delays */
	HN_SIM_ETT, /* ETT routes, default next hop (the agent, no model) */
	HN_SIM_ETT_LOAD, /* ETT x (1 + utilisation) routes, default next hop */
};

/* One decision of a router, as handed to hn_sim_cfg.on_decision. */
struct hn_sim_decision {
	__u64 t_ns;
	__u16 node, dst;
	__u16 size; /* the frame's, as it came */
	__u8 cls, ttl;
	__u8 n_cand, def, chosen, reason; /* enum hn_dp_reason */
	__u32 present, live; /* masks over candidates */
	__u16 neigh[HN_TOPO_MAX_CAND];
	__u8 x[HN_TOPO_MAX_CAND][HN_RT_NFEAT];
	__s32 score[HN_TOPO_MAX_CAND];
	__u32 true_us[HN_TOPO_MAX_CAND]; /* oracle's cost to go */
};

struct hn_sim_cfg {
	__u64 seed;
	__u32 duration_ms; /* traffic stops here; then in-flight drains */
	__u32 warmup_ms; /* frames sent before are not measured */
	/*
	 * 1.0: the traffic matrix at its max concurrent flow: the best
	 * multipath routing's bottleneck exactly full (bound.h)
	 */
	double load;
	enum hn_sim_traffic traffic;
	int fail_node; /* -1: none; else it dies at fail_ms */
	__u32 fail_ms;
	enum hn_sim_policy policy;
	const struct hn_rt_model *model; /* HN_SIM_MODEL; NULL: none */
	__s32 margin_min;
	__u32 queue_frames; /* per port, beside the one on the wire */
	__u32 hello_ms, dead_hellos, stale_ms, probe_ms, feat_ms;
	__u32 fwd_us; /* software time of a router per frame */
	/*
	 * a period's step of a split (hn_dp_config.split_step, route.h); 0:
	 * a (destination, class) moves at once
	 */
	__u32 split_step;
	/* every decision made on a cache miss (may be NULL) */
	void (*on_decision)(void *ctx, const struct hn_sim_decision *d);
	void *ctx;
};

/* Fills every field of @c with the defaults (agent-like timers). */
void hn_sim_cfg_defaults(struct hn_sim_cfg *c);

struct hn_sim_stats {
	/* all frames */
	__u64 sent, delivered, dropped, in_flight;
	__u64 drop_queue, drop_link, drop_ttl, drop_dead, drop_no_route;
	/* frames sent in [warmup_ms, duration_ms) */
	__u64 m_sent, m_delivered, m_lost, m_fallback;
	__u64 m_hops; /* summed over measured deliveries */
	/* after warmup: decisions, those that moved to another neighbour */
	__u64 m_decisions, m_moves;
	double mean_us, p99_us;
	__u64 decisions, cache_hits, epochs, events;
	__u64 digest; /* of every delivery and drop, in order */
	__u64 lsas; /* LSAs flooded: link up or down, costs or utilisation moved */
	__u64 lsas_util; /* of those, for utilisation alone (hn_util_moved()) */
	__u64 lsa_bytes; /* LSA bytes on the wire, every copy of the flood */
};

struct hn_sim;

struct hn_sim *hn_sim_new(const struct hn_sim_topo *t,
			  const struct hn_sim_cfg *c);
void hn_sim_free(struct hn_sim *s);
/* Run one event; 0 once nothing is left to run. */
int hn_sim_step(struct hn_sim *s);
void hn_sim_run(struct hn_sim *s);
/* Counters so far; mean and p99 over measured deliveries. */
void hn_sim_get_stats(struct hn_sim *s, struct hn_sim_stats *st);
/* The counters alone (mean_us and p99_us 0): cheap, for every step. */
void hn_sim_get_counters(const struct hn_sim *s, struct hn_sim_stats *st);
/* Frames in queues, on the wire and on the way: counted, not tracked. */
__u64 hn_sim_count_in_network(const struct hn_sim *s);
__u64 hn_sim_now(const struct hn_sim *s);
/* Measured delivery times so far, us, in no particular order. */
size_t hn_sim_delays(const struct hn_sim *s, const __u32 **d);
/* Mean and p99 of @n delivery times (0 without any); sorts @d. */
void hn_sim_delay_stats(__u32 *d, size_t n, double *mean, double *p99);

/*
 * Each source's destination weights, row-major n x n (0 on the diagonal
 * and for pairs that send nothing): the shape of the traffic matrix of
 * @c, the same as hn_sim_new() draws.  Returns 0, or -1 (bad @t).
 */
int hn_sim_weights(const struct hn_sim_topo *t, const struct hn_sim_cfg *c,
		   double *w);
/* Bytes on the wire per frame sent: the mean and the mean of squares. */
void hn_sim_frame_bytes(double *mean, double *mean_sq);
/* Transmissions per frame at per-attempt @loss: the mean and E[K^2]. */
void hn_sim_attempts(double loss, double *mean, double *mean_sq);
/*
 * The same for link @l of @t as the simulator runs it, averaged over the
 * run (bound.c's capacity and service times): the one place to say how a
 * link's loss varies with time.
 */
void hn_sim_link_attempts(const struct hn_sim_topo *t,
			  const struct hn_sim_link *l, double *mean,
			  double *mean_sq);

/*
 * The data plane's choice among @n candidates with feature vectors @x
 * (bpf/hypernet.bpf.c hn_choose()): argmax over @present (ties: lowest
 * index); without @m or with a margin below @margin_min the default
 * @def; if that is not in @live, the best-scoring live one (without a
 * model: the lowest-index live one).  Returns the index, or -1 (nothing
 * live); *@reason gets enum hn_dp_reason; @score (may be NULL) the
 * scores.
 */
int hn_sim_choose(const struct hn_rt_model *m, __s32 margin_min, unsigned int n,
		  const __u8 x[][HN_RT_NFEAT], unsigned int def, __u32 present,
		  __u32 live, __u8 *reason, __s32 *score);

#endif /* _HN_LEARN_SIM_H */
