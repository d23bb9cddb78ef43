/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HN_QUEUE_H
#define _HN_QUEUE_H

#include <linux/skbuff.h>

struct hn_dev;

/* Frames handled per work run before the worker yields its turn. */
#define HN_WORK_BUDGET 64
/*
 * At most this many frames are taken off the queue at once (whatever is
 * queued, up to this), and their results reach the stack together, so
 * that a reader is woken once per batch, not per tensor.  A wakeup across
 * CPUs is the dearest part of the path (under QEMU TCG on a busy host,
 * a millisecond or more: several 784x128 tensors' compute).  The price is
 * latency: a result may wait for the rest of its batch to be computed.
 */
#define HN_WORK_BATCH 64

int hn_queue_module_init(void);
void hn_queue_module_exit(void);

void hn_queue_init(struct hn_dev *hd);
/* Stop worker and timer for good and free everything queued. */
void hn_queue_stop(struct hn_dev *hd);
/*
 * Validate a frame sent into the device and queue it for the worker, or
 * drop and count it.  Any context; consumes @skb.  True if queued.
 */
bool hn_queue_frame(struct hn_dev *hd, struct sk_buff *skb);

#endif /* _HN_QUEUE_H */
