// SPDX-License-Identifier: GPL-2.0
/*
 * Model stages: allocation, RCU publication, and the compute's sections.
 * The compute itself is in compute.c (built with SSE2, see Kbuild).  No
 * device here: the same C builds for userspace (tests/kmod/shim/).
 */
#include <linux/hypernet_packet.h>
#include <linux/overflow.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>

#include "stage.h"

struct hn_stage *hn_stage_alloc(u32 n_weights, u32 n_biases)
{
	struct hn_stage *s;
	size_t sz;

	sz = struct_size(s, data,
			 size_add(size_mul(n_biases, sizeof(s32)), n_weights));
	/* Charged to the loader's memory cgroup, as its request made it. */
	s = kvzalloc(sz, GFP_KERNEL_ACCOUNT);
	if (!s)
		return NULL;
	refcount_set(&s->ref, 1);
	s->size = sz;
	s->biases = (s32 *)s->data;
	s->weights = (s8 *)(s->data + n_biases * sizeof(s32));
	return s;
}

struct hn_stage *hn_stage_get(struct hn_stage __rcu **slot)
{
	struct hn_stage *s;

	rcu_read_lock();
	s = rcu_dereference(*slot);
	if (s && !refcount_inc_not_zero(&s->ref))
		s = NULL;
	rcu_read_unlock();
	return s;
}

void hn_stage_put(struct hn_stage *s)
{
	if (s && refcount_dec_and_test(&s->ref))
		kvfree_rcu(s, rcu);
}

void hn_stage_swap(struct hn_stage __rcu **slot, struct hn_stage *s)
{
	struct hn_stage *old;

	old = rcu_replace_pointer(*slot, s, lockdep_rtnl_is_held());
	hn_stage_put(old);
}

const s8 *hn_stage_run(const struct hn_stage *s, const s8 *in, s8 *act, u64 *ns)
{
	struct hn_stage_pos r = { .x = in, .act = act };
	u64 t0;

	for (;;) {
		/*
		 * local_clock(), not ktime_get_ns(): both ends on this CPU
		 * (preemption is off in between under HN_KMOD_SIMD, and a
		 * section is short otherwise), and no clocksource read,
		 * which is an MMIO exit per call on an HPET (as in the QEMU
		 * tests).
		 */
		hn_fpu_begin();
		t0 = local_clock();
		hn_stage_step(s, &r, HN_STAGE_SECTION_MACS);
		*ns += local_clock() - t0;
		hn_fpu_end();
		if (r.layer == s->n_layers)
			return r.x;
		cond_resched();
	}
}
