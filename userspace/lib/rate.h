/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A stage's compute rate and load from two samples of its counters (the
 * module's HNET_STATS_A_COMPUTE_NS and HNET_STATS_A_TENSORS_DONE, or a
 * userspace runner's), as HN_LSA_F_RATES advertises it.  No I/O.
 */
#ifndef _HN_LIB_RATE_H
#define _HN_LIB_RATE_H

#include <stdbool.h>
#include <linux/types.h>
#include "ctrl.h"

struct hn_rate_sample {
	__u64 t_ns; /* CLOCK_MONOTONIC when read */
	__u64 compute_ns; /* cumulative time spent computing the stage */
	__u64 done; /* cumulative tensors computed */
	__u32 queue; /* tensors waiting or in compute now */
};

/*
 * The window from @a to @b into *@r: ns per tensor (kept from *@r when
 * nothing ran), busy permille (compute time over the window, at most
 * HN_RATE_BUSY_MAX), the queue at @b (saturated at 0xffff).  0, or
 * -ERANGE if @b is not after @a or a counter went back (the device was
 * re-created, or its stage reloaded): *@r is left as it was and @b
 * starts the next window.
 */
int hn_rate_window(const struct hn_rate_sample *a,
		   const struct hn_rate_sample *b, struct hn_ctrl_rate *r);

/*
 * Whether @now differs enough from @adv (what an LSA last said) to be
 * advertised before the next refresh: ns per tensor by more than an
 * eighth, busy by more than 100 permille, the queue across 0 or by
 * more than half, or a rate first measured.
 */
bool hn_rate_moved(const struct hn_ctrl_rate *adv,
		   const struct hn_ctrl_rate *now);

#endif /* _HN_LIB_RATE_H */
