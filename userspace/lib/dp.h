/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Loader and map library of the HyperNet XDP data plane
 * (bpf/hypernet.bpf.c).  Documentation/dataplane.rst explains the maps.
 *
 * Conventions:
 *   - Every function returning int returns 0 or a negative errno.
 *   - Functions taking (err, errlen) write a one-line message saying what
 *     failed and what to try; err may be NULL.
 *   - One process steers a data plane at a time: the library does
 *     read-modify-write on the epoch and neighbour entries without locks.
 *   - Every route, neighbour, task, group, model or config change bumps the
 *     generation in the epoch, which voids the data plane's flow caches.
 *   - Timestamps are CLOCK_MONOTONIC nanoseconds (hn_dp_now_ns()).
 */
#ifndef _HN_LIB_DP_H
#define _HN_LIB_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <hypernet/dataplane.h>
#include <hypernet/route.h>

struct hn_dp;

/* hn_dp_attach() flags */
enum hn_dp_attach_flags {
	HN_DP_ATTACH_GENERIC = 1U << 0, /* XDP in generic (skb) mode */
	HN_DP_ATTACH_NO_TC = 1U << 1, /* skip the TC multicast program */
	HN_DP_ATTACH_FORCE = 1U << 2, /* replace another XDP program */
	HN_DP_ATTACH_MULTI = 1U << 3, /* through libxdp's dispatcher */
};

/*
 * Count what the data plane sends to each neighbour (hn_nb_stats) in the
 * programs hn_dp_open() loads from now on in this process: a load-time
 * constant, so the counting costs nothing when off (the default; its
 * cost when on is in Documentation/benchmarks.rst).  What counts is the
 * program attached, so set it in the process that attaches.
 */
void hn_dp_set_nb_counters(bool on);

/*
 * Open and load the data plane.  With @pin_dir (normally HN_DP_PIN_DIR),
 * maps already pinned there are reused, so a restarted agent keeps the
 * state the attached program forwards with, and new maps are pinned there
 * as they are created; bpffs is mounted on /sys/fs/bpf if it is not.  With
 * @pin_dir NULL the instance is private and pins nothing (tests).
 * A fresh instance starts with no model, node id 0 (every HyperNet frame
 * passed to the stack) and generation 1.
 */
int hn_dp_open(struct hn_dp **dpp, const char *pin_dir, char *err,
	       size_t errlen);
/* Free the handle.  Attached programs and pinned maps stay. */
void hn_dp_close(struct hn_dp *dp);
/* Pin the programs (hn_xdp, hn_tc_ingress) beside the maps. */
int hn_dp_pin(struct hn_dp *dp, char *err, size_t errlen);
/* Remove every pin of this instance (maps and programs). */
int hn_dp_unpin(struct hn_dp *dp, char *err, size_t errlen);

/*
 * Attach to a mesh port: XDP (native unless HN_DP_ATTACH_GENERIC), the TC
 * ingress program, and the port in hn_tx_ports and hn_ports.
 *
 * A program of this data plane already there (one using its hn_config:
 * a restart, attach again) is replaced, in one atomic swap when the mode
 * is the same.  Another program is not: -EEXIST and a message saying
 * what is there, unless HN_DP_ATTACH_FORCE.
 *
 * HN_DP_ATTACH_MULTI attaches through libxdp's dispatcher instead, beside
 * the programs loaded there (xdp-loader), at HN_DP_XDP_PRIO; a plain
 * program (not loaded through libxdp) is refused as above.  libxdp keeps
 * its state on the bpffs named by LIBXDP_BPFFS (default /sys/fs/bpf),
 * which must be the same for every libxdp user of the port.
 */
int hn_dp_attach(struct hn_dp *dp, const char *ifname, unsigned int flags,
		 char *err, size_t errlen);
/*
 * Undo hn_dp_attach: our programs only.  Another program on the hook is
 * left there: -EEXIST with a message, after the rest is undone.
 */
int hn_dp_detach(struct hn_dp *dp, const char *ifname, char *err,
		 size_t errlen);

/* What a port's XDP hook holds, as the kernel (and libxdp) say. */
struct hn_dp_xdp_state {
	__u32 prog_id; /* on the hook (libxdp's dispatcher), 0: none */
	char prog_name[16];
	bool generic; /* skb mode */
	bool multiprog; /* prog_id is libxdp's dispatcher */
	bool unreadable; /* ... whose state is on another bpffs */
	__u32 our_id; /* a program of this data plane, 0: none */
	unsigned int n_progs; /* programs run there */
	unsigned int n_ours;
	unsigned int n_foreign; /* the others ... */
	__u32 foreign_id; /* ... and the first of them */
	char foreign_name[16];
};

int hn_dp_xdp_query(struct hn_dp *dp, __u32 ifindex,
		    struct hn_dp_xdp_state *st);
/*
 * The kernel's id of hn_config: the same in every mount namespace, so it
 * tells whether two processes see one data plane through their pins.
 */
__u32 hn_dp_config_map_id(const struct hn_dp *dp);
/* The same without the BPF object: ours is what uses map @cfg_map_id. */
int hn_dp_xdp_query_map(__u32 cfg_map_id, __u32 ifindex,
			struct hn_dp_xdp_state *st);
/* One line for logs: "no XDP program", "XDP program xdp_count id 43 ..." */
void hn_dp_xdp_describe(const struct hn_dp_xdp_state *st, char *buf,
			size_t len);
/* Only the port maps, no program (tests, or ports of another netns). */
int hn_dp_port_add(struct hn_dp *dp, __u32 ifindex, char *err, size_t errlen);
int hn_dp_port_del(struct hn_dp *dp, __u32 ifindex, char *err, size_t errlen);
/*
 * Privacy domain (Documentation/dataplane.rst, Privacy): mesh port
 * @ifindex's far side is inside it (@inside) or not.  A port starts
 * outside when added: HN_F_PRIVATE frames neither come in nor go out by
 * it.  hn_dp_port_get_domain(): 1 inside, 0 outside, -ENOENT no port.
 */
int hn_dp_port_set_domain(struct hn_dp *dp, __u32 ifindex, bool inside,
			  char *err, size_t errlen);
int hn_dp_port_get_domain(struct hn_dp *dp, __u32 ifindex);

int hn_dp_set_config(struct hn_dp *dp, const struct hn_dp_config *cfg,
		     char *err, size_t errlen);
int hn_dp_get_config(struct hn_dp *dp, struct hn_dp_config *cfg);
/*
 * One period's step of every split of the decision table towards its
 * row's pick (route.h, hn_rt_split_step(); hn_dp_config.split_step):
 * the agent calls it every feature period.  A flip if any row splits,
 * else nothing.  0 or -errno.
 */
int hn_dp_split_step(struct hn_dp *dp);

/*
 * Neighbour @idx (< HN_DP_MAX_NEIGH).  The caller fills node, ifindex,
 * mac and feat (scaled with hn_scale_*); the library sets valid, fills
 * port_mac from the interface when it is all zero, and computes pre for
 * every slot holding a model.  last_seen_ns 0 keeps the entry's current
 * stamp when it is the same node, else stamps now.
 */
int hn_dp_set_neigh(struct hn_dp *dp, __u32 idx, const struct hn_dp_neigh *nb,
		    char *err, size_t errlen);
int hn_dp_get_neigh(struct hn_dp *dp, __u32 idx, struct hn_dp_neigh *nb);
int hn_dp_del_neigh(struct hn_dp *dp, __u32 idx);

/* Route to node @dst: 1..8 candidates, def < n_cand, neighbours < 64. */
int hn_dp_set_route(struct hn_dp *dp, __u32 dst, const struct hn_dp_route *rt,
		    char *err, size_t errlen);
int hn_dp_get_route(struct hn_dp *dp, __u32 dst, struct hn_dp_route *rt);
int hn_dp_del_route(struct hn_dp *dp, __u32 dst);

/* Hosts of task class @task: 1..8 hosts, node ids != 0. */
int hn_dp_set_task(struct hn_dp *dp, __u32 task, const struct hn_dp_task *t,
		   char *err, size_t errlen);
int hn_dp_get_task(struct hn_dp *dp, __u32 task, struct hn_dp_task *t);
int hn_dp_del_task(struct hn_dp *dp, __u32 task);

/* Multicast group membership (HN_GROUP_ALL is always joined). */
int hn_dp_join(struct hn_dp *dp, __u32 group);
int hn_dp_leave(struct hn_dp *dp, __u32 group);

/*
 * Install @m: validate it (shift, bias bounds), write it to the inactive
 * slot, compute every valid neighbour's pre for that slot, then flip the
 * epoch to it.  Frames in flight finish on the old slot.
 */
int hn_dp_install_model(struct hn_dp *dp, const struct hn_rt_model *m,
			char *err, size_t errlen);
/* Flip to an empty slot: decisions fall back to the default next hop. */
int hn_dp_clear_model(struct hn_dp *dp);
/* The live model; -ENOENT when there is none. */
int hn_dp_get_model(struct hn_dp *dp, struct hn_rt_model *m);
/* Is @m acceptable to the data plane?  0 or -EINVAL with a reason. */
int hn_dp_model_check(const struct hn_rt_model *m, char *err, size_t errlen);

int hn_dp_get_epoch(struct hn_dp *dp, __u64 *epoch);
/* Bump the generation (void the flow caches) without other change. */
int hn_dp_bump(struct hn_dp *dp);

/* Counters summed over CPUs; reset zeroes them. */
/*
 * hn_nb_stats[@idx] summed over the CPUs: 0 or -errno.  hn_dp_del_neigh()
 * zeroes the slot's counts.
 */
int hn_dp_get_nb_stats(struct hn_dp *dp, __u32 idx, struct hn_dp_nb_stats *st);
int hn_dp_get_stats(struct hn_dp *dp, struct hn_dp_stats *st);
/*
 * The same from the fd of an hn_stats map (pinned, or another program's):
 * 0, or -errno (errno set too).
 */
int hn_dp_stats_sum(int map_fd, struct hn_dp_stats *st);
int hn_dp_reset_stats(struct hn_dp *dp);
/* The most recent traced decision of any CPU; -ENOENT if none. */
int hn_dp_get_trace(struct hn_dp *dp, struct hn_dp_trace *tr);
int hn_dp_reset_trace(struct hn_dp *dp);

/* File descriptors, for BPF_PROG_TEST_RUN and inspection. */
int hn_dp_xdp_fd(struct hn_dp *dp);
int hn_dp_tc_fd(struct hn_dp *dp);
/*
 * Whether XDP marks member floods for TC to copy with metadata: 0 on a
 * kernel that refuses XDP bpf_xdp_adjust_meta(), where it marks them in
 * hn_mcast_marks instead.
 */
int hn_dp_xdp_meta(struct hn_dp *dp);
/* The probe behind it: 1 if this kernel lets XDP programs have metadata. */
int hn_dp_kernel_xdp_meta(void);
/* fd of map @name (e.g. "hn_routes"), or -ENOENT. */
int hn_dp_map_fd(struct hn_dp *dp, const char *name);
/* Instructions the verifier processed for the XDP program. */
int hn_dp_verified_insns(struct hn_dp *dp, __u32 *insns);

__u64 hn_dp_now_ns(void);

/*
 * A read-only view of the data plane pinned under @pin_dir, for what
 * inspects it (hnctl's listings): every map the view reads is opened from
 * its pin with BPF_F_RDONLY, and refused (-EINVAL) when it is not the map
 * this version defines.  No BPF object is loaded and nothing is created,
 * pinned, mounted or written, so a view works from the pins alone, beside
 * a running agent, and cannot change what the data plane forwards with.
 * A missing pin is -ENOENT, with a message naming it.
 */
struct hn_dp_ro;

int hn_dp_ro_open(struct hn_dp_ro **rop, const char *pin_dir, char *err,
		  size_t errlen);
void hn_dp_ro_close(struct hn_dp_ro *ro);
__u32 hn_dp_ro_config_map_id(const struct hn_dp_ro *ro); /* as above */

int hn_dp_ro_config(struct hn_dp_ro *ro, struct hn_dp_config *cfg, char *err,
		    size_t errlen);
int hn_dp_ro_epoch(struct hn_dp_ro *ro, __u64 *epoch, char *err, size_t errlen);
/* Model slot @slot and neighbour entry @idx as stored, valid or not. */
int hn_dp_ro_model(struct hn_dp_ro *ro, __u32 slot, struct hn_dp_model *md,
		   char *err, size_t errlen);
int hn_dp_ro_neigh(struct hn_dp_ro *ro, __u32 idx, struct hn_dp_neigh *nb,
		   char *err, size_t errlen);
/* Mesh port slot @slot (< HN_DP_MAX_PORTS), ifindex 0 if free. */
int hn_dp_ro_port(struct hn_dp_ro *ro, __u32 slot, struct hn_dp_port *pt,
		  char *err, size_t errlen);
/*
 * Walk the routes, tasks and groups: the entry after key *@prev (@prev
 * NULL: the first), skipping entries deleted meanwhile; -ENOENT after the
 * last.  @prev may point at the key written.
 */
int hn_dp_ro_next_route(struct hn_dp_ro *ro, const __u32 *prev, __u32 *dst,
			struct hn_dp_route *rt, char *err, size_t errlen);
int hn_dp_ro_next_task(struct hn_dp_ro *ro, const __u32 *prev, __u32 *task,
		       struct hn_dp_task *t, char *err, size_t errlen);
int hn_dp_ro_next_group(struct hn_dp_ro *ro, const __u32 *prev, __u32 *group,
			char *err, size_t errlen);
/* Counters summed over the CPUs, as hn_dp_get_stats(). */
/*
 * What the data plane sent to neighbour @idx, summed over the CPUs: zero
 * unless the attaching process set hn_dp_set_nb_counters().
 */
int hn_dp_ro_nb_stats(struct hn_dp_ro *ro, __u32 idx, struct hn_dp_nb_stats *st,
		      char *err, size_t errlen);
int hn_dp_ro_stats(struct hn_dp_ro *ro, struct hn_dp_stats *st, char *err,
		   size_t errlen);
/*
 * The last traced decision of every possible CPU: *@tr (malloc()ed, the
 * caller frees it) holds *@ncpu of them, seq 0 where a CPU traced none.
 */
int hn_dp_ro_traces(struct hn_dp_ro *ro, struct hn_dp_trace **tr, int *ncpu,
		    char *err, size_t errlen);
/* As hn_dp_xdp_query(): ours is what uses these pins' hn_config. */
int hn_dp_ro_xdp_query(struct hn_dp_ro *ro, __u32 ifindex,
		       struct hn_dp_xdp_state *st);

#endif /* _HN_LIB_DP_H */
