/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Robust aggregation by structure (Documentation/federated.rst,
 * "Poisoned nodes").  Secure aggregation shows the aggregator only sums,
 * so a poisoned update cannot be singled out; instead the roster is cut
 * each round into g groups, each group is summed by its own
 * secure-aggregation round, and the g group sums are combined by a rule
 * that a minority of bad groups cannot move far:
 *
 *   1. a group sum is valid when every coordinate is finite and its
 *      weight coordinate W (the last one) satisfies 0 < W <= members
 *      (an honest node's weight is at most 1); the group's mean update
 *      is sum / W, FedAvg's within the group;
 *   2. a mean whose L2 norm exceeds the median of the valid means' norms
 *      is scaled down to it (a boosted group loses its length);
 *   3. per coordinate, the median of the valid means, or their trimmed
 *      mean: the @trim lowest and @trim highest dropped, the rest
 *      averaged with the groups' weights W.
 *
 * The result has the layout of a sum whose weight is 1, so that the
 * usual w += sum[0..d) / sum[d] applies it.  Then the acceptance gate:
 * every node installs the result only if its accuracy on the campaign's
 * validation set is at most max_drop below the current model's.
 *
 * Everything here is deterministic: the same inputs give the same bits
 * on every node.
 */
#ifndef _HN_LIB_ROBUST_H
#define _HN_LIB_ROBUST_H

#include <stddef.h>
#include <stdint.h>

#define HN_RB_MAX_GROUPS 256
#define HN_RB_MIN_GROUP 3 /* members; a pair's sum shows each its peer */

enum hn_rb_rule { HN_RB_MEDIAN, HN_RB_TRIMMED };

/*
 * The group (0..@g - 1) of each of the @n nodes @ids into @group: the
 * nodes sorted by SHA-256("hn-rb group" || campaign || round || id), big
 * endian round and id, are dealt round robin, so that group sizes differ
 * by at most one and no node chooses its group.  -EINVAL unless
 * 1 <= g <= HN_RB_MAX_GROUPS and n >= g * HN_RB_MIN_GROUP (g = 1 takes
 * any n >= 1), -ENOMEM.
 */
int hn_rb_groups(const uint8_t campaign[32], uint32_t round,
		 const uint32_t *ids, unsigned int n, unsigned int g,
		 unsigned int *group);

/* The median of @v (@n >= 1): the middle one, or the mean of the two. */
double hn_rb_median(const double *v, unsigned int n);
/*
 * The mean of @v (@n values) without its @trim lowest and @trim highest,
 * weighted by @w (NULL: equal weights); NaN when 2 @trim >= @n or the
 * kept weights sum to 0.
 */
double hn_rb_trimmed_mean(const double *v, const double *w, unsigned int n,
			  unsigned int trim);

struct hn_rb_opts {
	enum hn_rb_rule rule;
	unsigned int trim; /* HN_RB_TRIMMED */
};

/*
 * Combine the @g group sums @sums (each @d + 1 floats, the weight last;
 * @members[j] nodes in group j) into @out (@d + 1 floats, out[d] = 1) as
 * the header says.  @valid, when not NULL, gets the number of valid
 * groups.  -EINVAL when no group is valid (or the trimmed rule would
 * keep none), -ENOMEM.
 */
int hn_rb_combine(const float *const *sums, const unsigned int *members,
		  unsigned int g, size_t d, const struct hn_rb_opts *o,
		  float *out, unsigned int *valid);

/*
 * The acceptance gate: 1 when the candidate's @ok_new correct answers out
 * of @n validation items are at most @max_drop ten-thousandths (the
 * campaign's unit) below the current model's @ok_cur, 0 else.  Integer
 * arithmetic, so every node decides alike on the same counts.  0 also
 * for @n = 0 or a count above @n.
 */
int hn_rb_gate(size_t ok_cur, size_t ok_new, size_t n, unsigned int max_drop);

#endif /* _HN_LIB_ROBUST_H */
