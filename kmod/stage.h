/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HN_STAGE_H
#define _HN_STAGE_H

#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/hypernet.h>
#include <linux/hypernet_packet.h>
#ifdef HN_KMOD_SIMD
#include <asm/fpu/api.h>
#endif

#include <hypernet/engine.h>

/* One checked layer: hn_op_check() passed, n_in/n_out its lengths. */
struct hn_stage_layer {
	struct hn_op op;
	u32 n_in, n_out; /* hn_op_in_len(), hn_op_out_len() */
	u32 macs; /* hn_op_macs(): below 2^31 once hn_op_check() passed */
	u32 w_off; /* into hn_stage.weights */
	u32 b_off; /* into hn_stage.biases */
};

/*
 * A loaded model stage, immutable once published.  Lifetime: hn_dev.stage
 * owns one reference.  The worker takes its own with hn_stage_get() under
 * rcu_read_lock() and computes outside the RCU section, so replacing the
 * stage (netlink, under RTNL) only drops the device's reference; the last
 * put frees through kvfree_rcu() because a reader may still be looking at
 * the old pointer between rcu_dereference() and refcount_inc_not_zero().
 */
struct hn_stage {
	refcount_t ref;
	struct rcu_head rcu;
	u8 id;
	u8 n_layers;
	u32 n_in, n_out;
	u64 generation;
	size_t size; /* as allocated: counted against max_stage_kib */
	struct hn_stage_layer layers[HNET_MAX_LAYERS];
	s32 *biases;
	s8 *weights;
	u8 data[] __aligned(8); /* biases, then weights */
};

struct hn_stage *hn_stage_alloc(u32 n_weights, u32 n_biases);
/* A reference to the stage published in @slot (hn_dev.stage), or NULL. */
struct hn_stage *hn_stage_get(struct hn_stage __rcu **slot);
void hn_stage_put(struct hn_stage *s);
/* Publish @s (may be NULL) in @slot and release the old stage; RTNL held. */
void hn_stage_swap(struct hn_stage __rcu **slot, struct hn_stage *s);
/* Activation buffers of one worker: two of HNET_STAGE_ACT_MAX. */
#define HN_STAGE_ACT_BYTES (2 * HNET_STAGE_ACT_MAX)

/*
 * Multiply-accumulates one compute section runs at most, unless one
 * output channel of a layer (the unit of work, see hn_stage_step()) is
 * larger: about 60 us natively, a few hundred under QEMU TCG.
 */
#define HN_STAGE_SECTION_MACS (1U << 16)

/* Where a stage's run stands between two sections. */
struct hn_stage_pos {
	const s8 *x; /* input of the current layer */
	s8 *act; /* HN_STAGE_ACT_BYTES */
	unsigned int layer; /* current layer */
	unsigned int ch; /* its next output channel */
};

/*
 * Compute output channels of @r's stage from where @r stands until at
 * least @budget MACs are done or the stage is (at least one channel).
 * Returns the MACs done; the stage is done when r->layer == s->n_layers,
 * its s->n_out outputs then at r->x.  compute.c: only between
 * hn_fpu_begin() and hn_fpu_end(), as it may be built with SSE2.
 */
u32 hn_stage_step(const struct hn_stage *s, struct hn_stage_pos *r, u32 budget);

/*
 * Run @s on @in (s->n_in elements) in sections of about
 * HN_STAGE_SECTION_MACS, each its own hn_fpu_begin()/hn_fpu_end() with
 * cond_resched() between them, so that a large stage never holds the CPU
 * (with preemption off under HN_KMOD_SIMD) for its whole run.  @act:
 * HN_STAGE_ACT_BYTES.  Returns the s->n_out outputs; adds the time spent
 * computing (sections only) to *@ns.  Process context only.
 */
const s8 *hn_stage_run(const struct hn_stage *s, const s8 *in, s8 *act,
		       u64 *ns);

/*
 * Process context only.  Preemption is off in between (a section of
 * hn_stage_run()).  No-ops unless built with HN_KMOD_SIMD.
 */
#ifdef HN_KMOD_SIMD
static inline void hn_fpu_begin(void)
{
	kernel_fpu_begin();
}

static inline void hn_fpu_end(void)
{
	kernel_fpu_end();
}
#else
static inline void hn_fpu_begin(void)
{
}
static inline void hn_fpu_end(void)
{
}
#endif

#endif /* _HN_STAGE_H */
