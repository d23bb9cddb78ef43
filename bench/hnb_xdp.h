/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark's XDP programs (and the tests' stand-ins, which
 * include this from bench/) share: the bounds check before the first
 * header is read.
 */
#ifndef HNB_XDP_H
#define HNB_XDP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* The frame's first @len bytes, or NULL when the frame is shorter. */
static __always_inline void *hnb_xdp_head(struct xdp_md *ctx, __u32 len)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + len > end)
		return NULL;
	return data;
}

#endif /* HNB_XDP_H */
