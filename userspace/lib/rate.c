// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A stage's rate and load from its counters (rate.h).
 */
#include <errno.h>

#include "rate.h"

int hn_rate_window(const struct hn_rate_sample *a,
		   const struct hn_rate_sample *b, struct hn_ctrl_rate *r)
{
	__u64 dt, dc, dn, busy, ns;

	if (b->t_ns <= a->t_ns || b->compute_ns < a->compute_ns ||
	    b->done < a->done)
		return -ERANGE;
	dt = b->t_ns - a->t_ns;
	dc = b->compute_ns - a->compute_ns;
	dn = b->done - a->done;
	if (dn) {
		ns = (dc + dn / 2) / dn;
		r->ns_per_item = ns > 0xffffffffULL ? 0xffffffffU : ns ? ns : 1;
	}
	busy = dc >= dt ? HN_RATE_BUSY_MAX : dc * HN_RATE_BUSY_MAX / dt;
	r->busy = busy;
	r->queue = b->queue > 0xffff ? 0xffff : b->queue;
	return 0;
}

bool hn_rate_moved(const struct hn_ctrl_rate *adv,
		   const struct hn_ctrl_rate *now)
{
	__u64 a = adv->ns_per_item, n = now->ns_per_item;
	int db = (int)now->busy - (int)adv->busy;

	if (!a != !n || 8 * (a > n ? a - n : n - a) > a)
		return true;
	if (db > 100 || db < -100)
		return true;
	if (!adv->queue != !now->queue)
		return true;
	return 2 * (adv->queue > now->queue ? adv->queue - now->queue :
					      now->queue - adv->queue) >
	       adv->queue;
}
