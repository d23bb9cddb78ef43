/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Maps of the HyperNet data plane.  Names are what the loader pins under
 * /sys/fs/bpf/hypernet; value types are in include/hypernet/dataplane.h.
 */
#ifndef _HN_MAPS_H
#define _HN_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <hypernet/dataplane.h>

/* This node's configuration (node id, margin, stale time, flags). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hn_dp_config);
} hn_config SEC(".maps");

/* Active model slot (bit 0) and generation (bits 1..), read once a frame. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hn_epoch SEC(".maps");

/* The two routing model slots; the epoch says which one is live. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HN_DP_SLOTS);
	__type(key, __u32);
	__type(value, struct hn_dp_model);
} hn_models SEC(".maps");

/* Neighbours by index: port, MACs, features, last seen. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HN_DP_MAX_NEIGH);
	__type(key, __u32);
	__type(value, struct hn_dp_neigh);
} hn_neigh SEC(".maps");

/*
 * Score tables by model slot (see dataplane.h): what a unicast decision
 * reads instead of running the model.  The library writes them through
 * mmap().
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HN_DP_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct hn_dp_score);
} hn_score SEC(".maps");

/* Neighbour node id -> neighbour index, for stamping HELLO frames. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HN_DP_MAX_NEIGH);
	__type(key, __u32);
	__type(value, __u32);
} hn_neigh_ids SEC(".maps");

/* Destination node id -> candidate next hops and the shortest path. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HN_DP_MAX_ROUTES);
	__type(key, __u32);
	__type(value, struct hn_dp_route);
} hn_routes SEC(".maps");

/* Direct-mapped copy of hn_routes, checked first (see dataplane.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HN_DP_ROUTE_TAB_SIZE);
	__type(key, __u32);
	__type(value, struct hn_dp_route_ent);
} hn_route_tab SEC(".maps");

/* Task class -> hosting nodes with their load and capacity. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HN_DP_MAX_TASKS);
	__type(key, __u32);
	__type(value, struct hn_dp_task);
} hn_tasks SEC(".maps");

/* Multicast groups this node is a member of (value unused, 1). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HN_DP_MAX_GROUPS);
	__type(key, __u32);
	__type(value, __u32);
} hn_groups SEC(".maps");

/* Data-flood source -> sequence window, for de-duplication. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HN_DP_MCAST_SRCS);
	__type(key, __u32);
	__type(value, struct hn_dp_mcast_win);
} hn_mcast_win SEC(".maps");

/*
 * Control-flood source -> sequence window.  Only the agent creates entries
 * (for sources it authenticated): a forger can neither add nor evict one.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HN_DP_MCAST_CTL_SRCS);
	__type(key, __u32);
	__type(value, struct hn_dp_mcast_win);
} hn_mcast_ctl SEC(".maps");

/* Mesh ports by ifindex: redirect and broadcast targets. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, HN_DP_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} hn_tx_ports SEC(".maps");

/*
 * Mesh ports inside the privacy domain (hn_dp_port.domain), by ifindex:
 * the broadcast targets of an HN_F_PRIVATE flood.
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, HN_DP_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} hn_priv_tx SEC(".maps");

/* Mesh ports by slot with their MACs and domain, for loops over ports. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HN_DP_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct hn_dp_port);
} hn_ports SEC(".maps");

/* Per-CPU direct-mapped cache of next-hop decisions by (dst, class). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HN_DP_CACHE_SIZE);
	__type(key, __u32);
	__type(value, struct hn_dp_cache_ent);
} hn_cache SEC(".maps");

/*
 * Marks of member floods XDP accepted for copying, for the TC program
 * where XDP has no metadata (see dataplane.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HN_DP_MCAST_MARKS);
	__type(key, struct hn_dp_mcast_mark_key);
	__type(value, struct hn_dp_mcast_mark);
} hn_mcast_marks SEC(".maps");

/* Per-CPU counters of every verdict and reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hn_dp_stats);
} hn_stats SEC(".maps");

/* Per-CPU frames and bytes sent to each neighbour, if hn_nb_count. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HN_DP_MAX_NEIGH);
	__type(key, __u32);
	__type(value, struct hn_dp_nb_stats);
} hn_nb_stats SEC(".maps");

/* Per-CPU last decision (scores, winner, margin), if tracing is on. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hn_dp_trace);
} hn_trace SEC(".maps");

#endif /* _HN_MAPS_H */
