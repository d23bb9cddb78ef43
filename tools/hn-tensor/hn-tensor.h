/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hn-tensor's device side (hn-tensor.c): a random stage and its userspace
 * reference, the device's genl calls, frames sent through an AF_PACKET
 * socket on it, and runs of tensors whose every result is checked.  The
 * commands (main.c, bench.c) and the module's negative tests in the QEMU
 * guest (tests/qemu/kmod_bad*.c, which link libhn-tensor.a) drive it.
 */
#ifndef _HN_TENSOR_H
#define _HN_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hypernet/engine.h>
#include <hypernet/frame.h>
#include "genl.h"

#define FRAME_MAX 9100

/* The command line; every part reads it. */
struct opts {
	const char *dev;
	const char *send_dev; /* send here instead (e.g. into an XDP port) */
	uint32_t dst; /* hnhdr.dst of what we send */
	unsigned int count;
	uint64_t seed;
	const char *layers; /* "IN x OUT : SHIFT [r], ..." */
	const char *bench_layers; /* bench's stage, as layers */
	unsigned int frag; /* elements per input fragment, 0: mixed */
	unsigned int window;
	bool local;
	bool keep; /* do not load a stage */
	bool reload; /* keep reloading the stage while running */
	uint8_t stage_id;
	uint32_t origin;
	int timeout_ms;
	const char *json;
	unsigned int rounds; /* bench */
	const char *model; /* .hnm file: the stage, hn_model_infer() */
	uint32_t out_node; /* results to this node (mode node) */
	uint8_t out_class;
	uint32_t node_id; /* the device's source id */
	bool private; /* inputs flagged HN_F_PRIVATE (raw data) */
};

extern struct opts o;

/*
 * `PROG CMD DEV [options]`: CMD, with o.dev set and getopt() set to go on
 * after DEV; NULL if either is missing.
 */
const char *dev_args(int argc, char **argv);
/*
 * -s SEED, -S ID or -t MS, which every device-side program takes, into o:
 * 0, or -1 if @c is none of them.
 */
int dev_opt(int c, const char *arg);

/* "PASS name" or "FAIL name: why" on stdout; failures counts the FAILs. */
extern int failures;
void result(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* xorshift64*: reproducible from the seed, no libc state. */
extern uint64_t rng_state;
uint32_t rnd(void);
double now_s(void);

/* ---- the stage and its userspace reference ------------------------------- */

struct stage {
	struct hn_genl_stage g;
	int8_t *w[HNET_MAX_LAYERS];
	int32_t *b[HNET_MAX_LAYERS];
};

int stage_parse(const char *spec, struct stage *s);
void stage_random(struct stage *s);
unsigned int stage_in(const struct stage *s);
unsigned int stage_out(const struct stage *s);
void stage_ref(const struct stage *s, const int8_t *in, int8_t *out);
int stage_from_file(const char *path, struct stage *s);

/* ---- genl ---------------------------------------------------------------- */

extern struct hn_genl gl;

int genl_up(void);
int load_stage(const struct stage *s);
int set_output(uint8_t mode);
/* Device o.dev's counters, __HNET_STATS_A_MAX of them, into @st. */
int get_stats(uint64_t *st);
/* Device o.dev's state, counters included. */
int get_dev(struct hn_genl_dev *d);

/* ---- frames -------------------------------------------------------------- */

extern int pkt_ifindex;

int pkt_open(void);

/* Header fields of a tensor frame, wrong ones included. */
struct hdrs {
	uint8_t version, type, flags, ttl, tclass;
	uint16_t len; /* -1 in build: compute */
	uint32_t src, dst;
	uint16_t eth_proto;
	/* tensor */
	uint32_t tensor_id, origin;
	uint8_t stage, dtype;
	uint16_t frag_idx, frag_cnt, frag_off, total_len;
};

void hdrs_default(struct hdrs *h);
size_t frame_build(uint8_t *buf, const struct hdrs *x, const int8_t *d,
		   size_t n, bool auto_len);
int frame_send(const uint8_t *buf, size_t len);
int tensor_send(uint32_t id, const int8_t *x, unsigned int len,
		unsigned int frag, bool shuffle);

/* ---- runs of tensors ----------------------------------------------------- */

/* Results of a run: expected outputs and reassembly of result frames. */
struct run {
	const struct stage *s;
	unsigned int n_out, count;
	int8_t *expect; /* count x n_out */
	int8_t *expect_alt; /* by reload_alt, or NULL */
	unsigned int from_alt; /* results that only reload_alt gives */
	int8_t *got;
	uint16_t *covered;
	uint8_t *done; /* 0 pending, 1 ok, 2 mismatch */
	unsigned int completed, bad;
	uint32_t base;
	bool check_hdr;
	char why[160];
};

/* bench: CPU ticks over the timed part of run_tensors(), if set. */
extern unsigned long long (*run_ticks)[2];
/* -r: the other stage run_tensors() reloads in turn with its own. */
extern const struct stage *reload_alt;
extern bool reload_same; /* a .hnm model: reloaded as it is */

int run_poll(struct run *r, int timeout_ms);
int run_tensors(const struct stage *s, unsigned int count, unsigned int frag,
		uint32_t base, double *secs);

/* ---- the commands -------------------------------------------------------- */

int cmd_bench(void);

#endif /* _HN_TENSOR_H */
