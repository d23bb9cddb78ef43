// SPDX-License-Identifier: GPL-2.0
/*
 * The data path.  ndo_start_xmit/ndo_xdp_xmit run in atomic context and
 * only validate and queue; a work item per device does everything that
 * costs: reassembly, the stage compute, and emitting the result on the
 * device's receive side or to the results multicast group.  Nothing of it
 * runs in atomic context except the final netif_receive_skb() of the result
 * frames.  The worker takes the queue in batches (one lock round trip, one
 * stage reference) and hands a batch's result frames to the stack
 * together, so that a reader is woken once per batch, not per tensor.
 */
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <hypernet/frame.h>

#include "device.h"
#include "netlink.h"
#include "queue.h"
#include "reassembly.h"
#include "stage.h"

#define HN_FRAME_HDRS (ETH_HLEN + HN_HDR_LEN + HN_TENSOR_HDR_LEN)

static struct workqueue_struct *hn_wq;

static bool hn_drop(struct hn_dev *hd, struct sk_buff *skb, int stat)
{
	hn_stat_inc(hd, stat);
	dev_core_stats_tx_dropped_inc(hd->dev);
	kfree_skb(skb);
	return false;
}

bool hn_queue_frame(struct hn_dev *hd, struct sk_buff *skb)
{
	const struct hn_tensor_hdr *t;
	const struct hnhdr *h;
	unsigned long flags;
	unsigned int len;

	if (!pskb_may_pull(skb, ETH_HLEN + HN_HDR_LEN))
		return hn_drop(hd, skb, HNET_STATS_A_DROP_MALFORMED);
	if (((struct ethhdr *)skb->data)->h_proto != htons(ETH_P_HYPERNET))
		return hn_drop(hd, skb, HNET_STATS_A_DROP_NOT_TENSOR);
	h = (const struct hnhdr *)(skb->data + ETH_HLEN);
	if (hn_hdr_check(h, skb->len - ETH_HLEN) != HN_OK)
		return hn_drop(hd, skb, HNET_STATS_A_DROP_MALFORMED);
	if (h->type != HN_T_TENSOR)
		return hn_drop(hd, skb, HNET_STATS_A_DROP_NOT_TENSOR);
	if (!pskb_may_pull(skb, HN_FRAME_HDRS))
		return hn_drop(hd, skb, HNET_STATS_A_DROP_MALFORMED);
	h = (const struct hnhdr *)(skb->data + ETH_HLEN);
	t = (const struct hn_tensor_hdr *)(h + 1);
	if (hn_tensor_check(t, be16_to_cpu(h->len), HN_TENSOR_MAX_LEN) != HN_OK)
		return hn_drop(hd, skb, HNET_STATS_A_DROP_MALFORMED);
	len = skb->len;
	/*
	 * dying is set under the queue lock (hn_queue_stop()), so nothing
	 * is queued, nor the work kicked, once the worker is cancelled.
	 */
	spin_lock_irqsave(&hd->queue.lock, flags);
	if (hd->dying || skb_queue_len(&hd->queue) >= HN_QUEUE_MAX_FRAMES) {
		spin_unlock_irqrestore(&hd->queue.lock, flags);
		return hn_drop(hd, skb, HNET_STATS_A_DROP_QUEUE_FULL);
	}
	__skb_queue_tail(&hd->queue, skb);
	queue_work(hn_wq, &hd->work);
	spin_unlock_irqrestore(&hd->queue.lock, flags);
	dev_sw_netstats_tx_add(hd->dev, 1, len);
	hn_stat_inc(hd, HNET_STATS_A_FRAMES_IN);
	return true;
}

/* Cut @y into MTU-sized HyperNet tensor frames, appended to @rx. */
static void hn_emit(struct hn_dev *hd, const struct hn_output *out,
		    const struct hnhdr *in, u32 origin, u32 tensor_id,
		    u8 stage_id, const s8 *y, u32 len, struct sk_buff_head *rx)
{
	struct net_device *dev = hd->dev;
	u32 per = READ_ONCE(dev->mtu) - HN_HDR_LEN - HN_TENSOR_HDR_LEN;
	u32 cnt = DIV_ROUND_UP(len, per), i, off = 0;
	__be32 src, dst;
	u8 flags, tclass, stage;

	src = out->node_id ? cpu_to_be32(out->node_id) : in->dst;
	if (out->mode == HNET_OUTPUT_NODE) {
		dst = cpu_to_be32(out->node);
		flags = out->flags & HNET_OUTPUT_F_ANYCAST ? HN_F_ANYCAST : 0;
		tclass = out->tclass;
		stage = out->stage_set ? out->stage : stage_id + 1;
	} else {
		dst = cpu_to_be32(origin);
		flags = HN_F_RESULT;
		tclass = in->tclass;
		stage = stage_id;
	}
	if (!dst) {
		hn_stat_inc(hd, HNET_STATS_A_DROP_OUTPUT);
		return;
	}

	for (i = 0; i < cnt; i++, off += per) {
		u32 n = min(per, len - off);
		struct hn_tensor_hdr *t;
		struct sk_buff *skb;
		struct ethhdr *eth;
		struct hnhdr *h;

		skb = __netdev_alloc_skb_ip_align(dev, HN_FRAME_HDRS + n,
						  GFP_KERNEL);
		if (!skb) {
			hn_stat_inc(hd, HNET_STATS_A_DROP_NOMEM);
			dev_core_stats_rx_dropped_inc(dev);
			return;
		}
		eth = skb_put(skb, ETH_HLEN);
		ether_addr_copy(eth->h_dest, dev->dev_addr);
		ether_addr_copy(eth->h_source, dev->dev_addr);
		eth->h_proto = htons(ETH_P_HYPERNET);
		h = skb_put(skb, HN_HDR_LEN);
		h->version = HN_VERSION;
		h->type = HN_T_TENSOR;
		h->flags = flags;
		h->ttl = HN_TTL_DEFAULT;
		h->tclass = tclass;
		h->reserved = 0;
		h->len = cpu_to_be16(HN_TENSOR_HDR_LEN + n);
		h->src = src;
		h->dst = dst;
		h->seq = cpu_to_be32(hd->seq++);
		t = skb_put(skb, HN_TENSOR_HDR_LEN);
		t->tensor_id = cpu_to_be32(tensor_id);
		t->origin = cpu_to_be32(origin);
		t->stage = stage;
		t->dtype = HN_DT_S8;
		t->frag_idx = cpu_to_be16(i);
		t->frag_cnt = cpu_to_be16(cnt);
		t->frag_off = cpu_to_be16(off);
		t->total_len = cpu_to_be16(len);
		t->reserved = 0;
		skb_put_data(skb, y + off, n);
		skb->protocol = eth_type_trans(skb, dev);
		__skb_queue_tail(rx, skb);
	}
}

/*
 * Receive a batch's result frames right here, like tun does without NAPI:
 * no trip through the backlog.  A frame nobody takes is the stack's drop
 * (rx_nohandler), not ours.
 */
static void hn_deliver(struct hn_dev *hd, struct sk_buff_head *rx)
{
	struct sk_buff *skb;

	if (skb_queue_empty(rx))
		return;
	local_bh_disable();
	while ((skb = __skb_dequeue(rx))) {
		dev_sw_netstats_rx_add(hd->dev, skb->len);
		netif_receive_skb(skb);
		hn_stat_inc(hd, HNET_STATS_A_FRAMES_OUT);
	}
	local_bh_enable();
}

static void hn_compute(struct hn_dev *hd, const struct hn_stage *s,
		       const struct hnhdr *h, u32 origin, u32 tensor_id,
		       const s8 *x, struct sk_buff_head *rx)
{
	struct hn_output out;
	u64 ns = 0;
	const s8 *y;

	y = hn_stage_run(s, x, hd->act, &ns);
	atomic64_add(ns, &hd->stats[HNET_STATS_A_COMPUTE_NS]);
	hn_stat_inc(hd, HNET_STATS_A_TENSORS_DONE);

	spin_lock(&hd->conf_lock);
	out = hd->output;
	spin_unlock(&hd->conf_lock);

	if (out.mode == HNET_OUTPUT_LOCAL) {
		if (hn_nl_notify_result(hd, origin, tensor_id, s->id, y,
					s->n_out))
			hn_stat_inc(hd, HNET_STATS_A_DROP_OUTPUT);
		else
			hn_stat_inc(hd, HNET_STATS_A_RESULTS_LOCAL);
		return;
	}
	hn_emit(hd, &out, h, origin, tensor_id, s->id, y, s->n_out, rx);
}

static int hn_reasm_stat(int res)
{
	switch (res) {
	case HN_REASM_DUP:
		return HNET_STATS_A_DROP_FRAG_DUP;
	case HN_REASM_FULL:
		return HNET_STATS_A_DROP_REASM_FULL;
	case HN_REASM_NOMEM:
		return HNET_STATS_A_DROP_NOMEM;
	default:
		return HNET_STATS_A_DROP_FRAG_BAD;
	}
}

/*
 * One queued frame, already validated by hn_queue_frame(); @s is the stage
 * (a reference the caller holds, or NULL), result frames go to @rx.
 */
static void hn_handle(struct hn_dev *hd, const struct hn_stage *s,
		      struct sk_buff *skb, struct sk_buff_head *rx)
{
	const struct hn_tensor_hdr *t;
	struct hn_reasm_ent *e = NULL;
	struct mem_cgroup *memcg;
	const struct hnhdr *h;
	const s8 *x;
	u32 n;
	int res;

	h = (const struct hnhdr *)(skb->data + ETH_HLEN);
	t = (const struct hn_tensor_hdr *)(h + 1);
	n = be16_to_cpu(h->len) - HN_TENSOR_HDR_LEN;

	if (!s) {
		hn_stat_inc(hd, HNET_STATS_A_DROP_NO_STAGE);
		goto drop;
	}
	if (t->stage != s->id) {
		hn_stat_inc(hd, HNET_STATS_A_DROP_STAGE_MISMATCH);
		goto drop;
	}
	if (be16_to_cpu(t->total_len) != s->n_in) {
		hn_stat_inc(hd, HNET_STATS_A_DROP_DIM_MISMATCH);
		goto drop;
	}
	/* Linear frames (the usual case) are read in place, no copy. */
	x = skb_header_pointer(skb, HN_FRAME_HDRS, n, hd->in);
	if (!x) {
		hn_stat_inc(hd, HNET_STATS_A_DROP_MALFORMED);
		goto drop;
	}
	if (be16_to_cpu(t->frag_cnt) == 1) {
		hn_stat_inc(hd, HNET_STATS_A_TENSORS_IN);
		hn_compute(hd, s, h, be32_to_cpu(t->origin),
			   be32_to_cpu(t->tensor_id), x, rx);
		goto out;
	}
	/*
	 * A kworker runs this: charge the tensors in flight to the memory
	 * cgroup of the device's creator, as the stage is to its loader's.
	 */
	memcg = set_active_memcg(hd->memcg);
	res = hn_reasm_add(&hd->reasm, h, t, x, n, &e);
	set_active_memcg(memcg);
	if (res == HN_REASM_QUEUED)
		goto out;
	if (res != HN_REASM_DONE) {
		hn_stat_inc(hd, hn_reasm_stat(res));
		goto drop;
	}
	hn_stat_inc(hd, HNET_STATS_A_TENSORS_IN);
	hn_compute(hd, s, &e->hdr, e->origin, e->tensor_id, e->data, rx);
	hn_reasm_free(&hd->reasm, e);
out:
	consume_skb(skb);
	return;
drop:
	kfree_skb(skb);
}

static void hn_work(struct work_struct *work)
{
	struct hn_dev *hd = container_of(work, struct hn_dev, work);
	struct sk_buff_head batch, rx;
	unsigned long next = 0;
	unsigned int n = 0, expired;
	struct sk_buff *skb;
	struct hn_stage *s;

	__skb_queue_head_init(&batch);
	__skb_queue_head_init(&rx);
	for (;;) {
		spin_lock_irq(&hd->queue.lock);
		while (skb_queue_len(&batch) < HN_WORK_BATCH &&
		       (skb = __skb_dequeue(&hd->queue)))
			__skb_queue_tail(&batch, skb);
		spin_unlock_irq(&hd->queue.lock);
		if (skb_queue_empty(&batch))
			break;
		s = hn_stage_get(&hd->stage);
		while ((skb = __skb_dequeue(&batch))) {
			hn_handle(hd, s, skb, &rx);
			n++;
			cond_resched();
		}
		hn_stage_put(s);
		hn_deliver(hd, &rx);
		if (n >= HN_WORK_BUDGET) {
			/* Let other devices' work run; we come back. */
			queue_work(hn_wq, &hd->work);
			break;
		}
	}
	expired = hn_reasm_expire(&hd->reasm, jiffies, &next);
	if (expired)
		atomic64_add(expired,
			     &hd->stats[HNET_STATS_A_DROP_REASM_TIMEOUT]);
	if (READ_ONCE(hd->reasm.count) && !READ_ONCE(hd->dying))
		mod_timer(&hd->gc_timer, next);
}

static void hn_gc_timer(struct timer_list *t)
{
	struct hn_dev *hd = from_timer(hd, t, gc_timer);

	if (!READ_ONCE(hd->dying))
		queue_work(hn_wq, &hd->work);
}

void hn_queue_init(struct hn_dev *hd)
{
	skb_queue_head_init(&hd->queue);
	INIT_WORK(&hd->work, hn_work);
	timer_setup(&hd->gc_timer, hn_gc_timer, 0);
	hn_reasm_init(&hd->reasm);
}

void hn_queue_stop(struct hn_dev *hd)
{
	/*
	 * The work re-arms the timer; the timer and xmit (under the queue
	 * lock) queue the work; each only while !dying.  After the first
	 * del_timer_sync() only a work run that read dying before we set it
	 * can arm the timer again: cancel_work_sync() waits it out and the
	 * second del_timer_sync() removes what it armed.  Then nothing runs
	 * and the queue and the reassembly table are ours to empty.
	 */
	spin_lock_irq(&hd->queue.lock);
	WRITE_ONCE(hd->dying, true);
	spin_unlock_irq(&hd->queue.lock);
	del_timer_sync(&hd->gc_timer);
	cancel_work_sync(&hd->work);
	del_timer_sync(&hd->gc_timer);
	skb_queue_purge(&hd->queue);
	hn_reasm_flush(&hd->reasm);
}

int hn_queue_module_init(void)
{
	hn_wq = alloc_workqueue("hypernet", WQ_UNBOUND | WQ_SYSFS, 0);
	return hn_wq ? 0 : -ENOMEM;
}

void hn_queue_module_exit(void)
{
	destroy_workqueue(hn_wq);
}
