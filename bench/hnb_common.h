/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Definitions shared by the benchmark's BPF programs and hn-bench.
 */
#ifndef _HNB_COMMON_H
#define _HNB_COMMON_H

/* Sink counters (per-CPU array indices). */
enum { HNB_SINK_PKTS, HNB_SINK_BYTES, HNB_SINK_NCNT };

/* Generator: how the frame's destination changes from frame to frame. */
enum {
	HNB_GEN_FIXED, /* every frame as built by userspace */
	HNB_GEN_VARY_HN_DST, /* HyperNet dst = base + (n & mask) */
};

/* Header bytes the generator restores in every frame (a multiple of 8). */
#define HNB_GEN_HDR_LEN 48

/* Generator counters (per-CPU array indices). */
enum { HNB_GEN_SENT, HNB_GEN_NCNT };

#endif /* _HNB_COMMON_H */
