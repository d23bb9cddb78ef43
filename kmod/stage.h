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

struct hn_stage_layer {
	u32 n_in, n_out;
	u32 shift;
	bool relu;
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
/*
 * Run @s on @in (s->n_in elements); returns the s->n_out outputs.  Only
 * between hn_fpu_begin() and hn_fpu_end(): it may be built with SSE2.
 */
const s8 *hn_stage_run(const struct hn_stage *s, const s8 *in,
		       s8 act[2][HN_TENSOR_MAX_LEN]);

/*
 * Process context only.  Preemption is off in between, so one section
 * covers one tensor: at most HNET_STAGE_MAX_BYTES of weights, about a
 * million multiply-accumulates.  No-ops unless built with HN_KMOD_SIMD.
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
