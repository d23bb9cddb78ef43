/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hn-edge: the edge end of split inference (Documentation/man/hn-edge.1).
 * Images are encoded here, the representation crosses the mesh as a
 * tensor frame to a task class, the head stage runs in some node's
 * hypernet device and the logits come back as a result frame.
 */
#ifndef _HN_EDGE_H
#define _HN_EDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cut.h"
#include "model.h"

#define EDGE_MAX_HEADS 4
#define EDGE_FRAME_MAX 9100
#define EDGE_MAX_GENS 16 /* model generations reported apart */

struct edge_opts {
	const char *dev;
	uint32_t src; /* our node id: hnhdr.src and the tensors' origin */
	uint32_t task; /* anycast task class, or */
	uint32_t dst; /* a node (unicast) */
	uint8_t tclass;
	int stage; /* stage id of what we send; -1: from the models */
	bool stage_given; /* --stage: a reload may change the models' */
	const char *encoder;
	const char *heads[EDGE_MAX_HEADS];
	unsigned int n_heads;
	const char *images, *labels, *raw;
	unsigned int count; /* 0: all */
	unsigned int skip;
	unsigned int window;
	int timeout_ms;
	unsigned int retries;
	unsigned int progress; /* a line every N images */
	unsigned int rate; /* images per second, 0: as the window allows */
	uint32_t id_base;
	const char *json;
	const char *lat_log; /* a line per image: start, end (CLOCK_MONOTONIC) */
	bool verify; /* mesh answers against the local models */
	bool strict; /* check: any fallback or mismatch fails */
	/* where to cut (choose.c): EDGE_CUT_FIXED, _AUTO, _LOCAL or a cut */
	int cut;
	const char *cut_table; /* NULL: the chain's own */
	const char *agent; /* hypernetd's control socket: the hosts */
	const char *hosts_file; /* or its hosts table in a file */
	bool private; /* never send the raw input */
	unsigned int link_kbps; /* a path's rate when the agent has none */
	unsigned int hop_us; /* delay per hop */
	double edge_ns_per_mac; /* a first guess; then measured */
	unsigned int interval_ms; /* beacon */
	const char *key_hex; /* beacon */
};

/* Images: an IDX file read whole, or a raw stream read as it comes. */
struct edge_src {
	uint8_t *pix; /* IDX: n x item_len */
	uint8_t *labels; /* NULL: none */
	size_t n, item_len;
	int raw; /* raw stream of item_len-byte frames, or -1 */
	uint8_t *part; /* the raw image being read */
	size_t have; /* bytes of it so far */
};

/* One set of models: the encoder and the head chain run here. */
struct edge_models {
	struct hn_model enc, heads[EDGE_MAX_HEADS];
	bool have_enc;
	unsigned int n_heads;
	unsigned int gen; /* 0 at start, one more per reload */
	unsigned int inflight; /* images it encoded, not finished */
};

/* models.c */
int edge_models_load(const struct edge_opts *o);
struct edge_models *edge_models_cur(void);
void edge_models_free(struct edge_models *ms);
/* Elements the set takes: the encoder's, the first head's, else @raw. */
unsigned int edge_models_n_in(const struct edge_models *ms, unsigned int raw);
/* The stage id its output is for: the first head's, or the encoder's + 1. */
int edge_models_stage(const struct edge_models *ms);
/* SIGHUP asks for a reload of the same paths. */
int edge_reload_arm(void);
/*
 * Between images: apply a reload SIGHUP asked for, once no image of the
 * set before the current one is in flight.  1 reloaded, 0 nothing (or
 * not yet), -1 refused (the current set goes on; stderr says why).
 */
int edge_reload_poll(const struct edge_opts *o, unsigned int raw);

/*
 * The chain of models: the encoder (if any), then the heads.  Cut k runs
 * models 0..k-1 here and sends model k's input to a host of its stage.
 */
unsigned int edge_chain_len(const struct edge_models *ms);
const struct hn_model *edge_chain_at(const struct edge_models *ms,
				     unsigned int i);
/* Where the heads start: the cut of the fixed path (no --cut). */
unsigned int edge_chain_first_head(const struct edge_models *ms);
uint64_t edge_model_macs(const struct hn_model *m);
/* Models @from..end on @in (n_in elements) into @out: elements out. */
unsigned int edge_chain_run(const struct edge_models *ms, unsigned int from,
			    const int8_t *in, unsigned int n_in, int8_t *out);
/* Models 0..@to-1 on @in into @out (a copy when @to is 0). */
unsigned int edge_chain_prefix(const struct edge_models *ms, unsigned int to,
			       const int8_t *in, unsigned int n_in,
			       int8_t *out);
/* The chain's cut table; @raw: the raw input's bytes. */
void edge_chain_table(const struct edge_models *ms, unsigned int raw,
		      struct hn_cut_table *t);

/* choose.c: --cut auto */
#define EDGE_CUT_FIXED (-1) /* no --cut: encoder here, heads at --task */
#define EDGE_CUT_AUTO (-2)
#define EDGE_CUT_LOCAL (-3) /* everything here */
int edge_cut_init(const struct edge_opts *o, const struct edge_models *ms,
		  unsigned int raw);
const struct hn_cut_table *edge_cut_table(void);
/* Choose for the next image at @now (seconds, CLOCK_MONOTONIC). */
void edge_cut_pick(const struct edge_opts *o, double now,
		   struct hn_cut_choice *out);
/* A round trip of @secs for @ch (a timeout counts as its length). */
void edge_cut_observe(const struct hn_cut_choice *ch, double secs, double now);
/* No answer in time for @ch: its host is suspected (cut.h) */
void edge_cut_timeout(const struct hn_cut_choice *ch, double now);
/* @ch, a probe, was not sent */
void edge_cut_unsent(const struct hn_cut_choice *ch);
const struct hn_cut_state *edge_cut_state(void);
/* @macs ran here in @secs: the edge's ns per MAC (EWMA). */
void edge_rate_update(uint64_t macs, double secs);
unsigned int edge_cut_switches(void);
double edge_cut_edge_rate(void);

/* beacon.c */
int edge_beacon(const struct edge_opts *o);

#endif /* _HN_EDGE_H */
