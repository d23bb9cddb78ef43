// SPDX-License-Identifier: GPL-2.0
/*
 * The stage compute, and nothing else: the one file Kbuild may build with
 * SSE2 (HN_KMOD_SIMD) so that the compiler vectorises engine.h's integer
 * dot product (same C, integer arithmetic: results stay bit-identical).
 * The caller brackets every call with hn_fpu_begin()/hn_fpu_end(); keep
 * any other code out of this file, since the compiler may then use SSE
 * registers anywhere in it.
 */
#include <linux/hypernet_packet.h>
#include <hypernet/engine.h>

#include "stage.h"

/*
 * Output channels [@c0, @c0 + @n) of layer @l: the same layer restricted
 * to them, which hn_op_run() computes exactly as its share of the whole
 * (channels are independent; a dense layer's channels are its rows).
 */
static void hn_stage_channels(const struct hn_stage *s,
			      const struct hn_stage_layer *l, const s8 *x,
			      s8 *y, u32 c0, u32 n)
{
	u32 per_out = hn_op_out_h(&l->op) * hn_op_out_w(&l->op);
	struct hn_op op = l->op;

	op.out_c = n;
	if (op.kind == HNET_OP_MAXPOOL) {
		op.in_c = n;
		x += c0 * op.in_h * op.in_w;
		hn_op_run(&op, NULL, NULL, x, y + c0 * per_out);
		return;
	}
	hn_op_run(&op, s->weights + l->w_off + c0 * hn_op_fan_in(&op),
		  s->biases + l->b_off + c0, x, y + c0 * per_out);
}

u32 hn_stage_step(const struct hn_stage *s, struct hn_stage_pos *r, u32 budget)
{
	u32 done = 0;

	while (r->layer < s->n_layers) {
		const struct hn_stage_layer *l = &s->layers[r->layer];
		s8 *y = r->act + (r->layer & 1) * HNET_STAGE_ACT_MAX;
		u32 per = l->macs / l->op.out_c, n;

		if (done && done + per > budget)
			break;
		n = per ? (budget - done) / per : l->op.out_c;
		n = clamp_t(u32, n, 1, l->op.out_c - r->ch);
		hn_stage_channels(s, l, r->x, y, r->ch, n);
		done += n * per;
		r->ch += n;
		if (r->ch == l->op.out_c) {
			r->x = y;
			r->layer++;
			r->ch = 0;
		}
	}
	return done;
}
