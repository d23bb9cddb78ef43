/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HN_DEVICE_H
#define _HN_DEVICE_H

#include <linux/atomic.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/hypernet.h>
#include <linux/hypernet_packet.h>

#include "nlparse.h"
#include "reassembly.h"

struct hn_stage;
struct mem_cgroup;

/* Frames waiting for the worker; beyond this xmit drops and counts. */
#define HN_QUEUE_MAX_FRAMES 1024

struct hn_dev {
	struct net_device *dev;

	/*
	 * Written under RTNL by netlink.c, read by the worker.  The worker
	 * takes a reference inside an RCU section so that a long compute
	 * never holds the RCU read lock (see stage.h).
	 */
	struct hn_stage __rcu *stage;
	u64 generation;

	spinlock_t conf_lock; /* protects output */
	struct hn_output output;

	/*
	 * xmit (atomic) appends to queue and kicks work; the worker is the
	 * only consumer and the only user of reasm, seq and the scratch
	 * buffers.  gc_timer wakes the worker to expire stale fragments.
	 * dying, set under queue.lock, stops all three from starting one
	 * another again (see hn_queue_stop()).
	 */
	struct sk_buff_head queue;
	struct work_struct work;
	struct timer_list gc_timer;
	bool dying;
	struct hn_reasm reasm;
	u32 seq;
	/*
	 * HN_STAGE_ACT_BYTES of activations, allocated by newlink (charged
	 * to the creator) and freed by the destructor: the worker runs only
	 * in between.
	 */
	s8 *act;
	s8 in[HN_TENSOR_MAX_LEN];

	atomic64_t stats[__HNET_STATS_A_MAX];

	/*
	 * The creator's memory cgroup: the worker charges what frames make
	 * it allocate (reassembly) there, not to whoever runs the worker.
	 */
	struct mem_cgroup *memcg;
	/* Counted in its netns (netns.c) from newlink until ndo_uninit. */
	bool counted;
};

static inline void hn_stat_inc(struct hn_dev *hd, int idx)
{
	atomic64_inc(&hd->stats[idx]);
}

extern struct rtnl_link_ops hn_link_ops;

int hn_device_init(void);
void hn_device_uninit(void);

static inline bool hn_is_hypernet(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &hn_link_ops;
}

#endif /* _HN_DEVICE_H */
