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

const s8 *hn_stage_run(const struct hn_stage *s, const s8 *in,
		       s8 act[2][HN_TENSOR_MAX_LEN])
{
	const s8 *x = in;
	unsigned int i;

	for (i = 0; i < s->n_layers; i++) {
		const struct hn_stage_layer *l = &s->layers[i];
		s8 *y = act[i & 1];

		hn_dense_s8(s->weights + l->w_off, s->biases + l->b_off, x,
			    l->n_in, l->n_out, l->shift, l->relu, y);
		x = y;
	}
	return x;
}
