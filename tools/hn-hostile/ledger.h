/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ledger of one phase (ledger.c): every frame sent, every output the
 * oracle expects, matched byte for byte against what the capture sockets
 * see, and the counters the oracle expects.
 */
#ifndef _HN_HOSTILE_LEDGER_H
#define _HN_HOSTILE_LEDGER_H

#include "hostile.h"
#include "wire.h"

struct hx_exp;

struct hx_sent {
	const char *cls, *what, *name;
	__u16 len;
	__u8 *bytes;
	__u64 key; /* hx_key(): the frame without MACs and TTL */
	size_t next; /* chain of equal keys, index + 1 */
};

#define HX_MAX_TALLY 96
#define HX_KEEP_UNEXP 8

struct hx_tally {
	const char *cls, *what;
	unsigned long frames, outs, missing, unexpected;
};

struct hx_ledger {
	int nports;
	const char *port_name[HX_MAX_PORTS];
	struct hx_exp **bucket;
	size_t *kbucket; /* sent frames by key, index + 1 */
	struct hx_exp **all;
	size_t nexp, capexp;
	struct hx_sent *sent;
	size_t nsent, capsent;
	__u64 ctr[HX_NCTR];
	unsigned long outs, matched, unexpected, markers_left;
	unsigned long outstanding[HX_MAX_PORTS];
	int nunexp;
	struct {
		int port;
		size_t len;
		__u8 buf[HX_FRAME_MAX];
	} unexp[HX_KEEP_UNEXP];
	int ntally;
	struct hx_tally tally[HX_MAX_TALLY];
};

int hx_ledger_init(struct hx_ledger *l, const struct hx_router *r);
void hx_ledger_reset(struct hx_ledger *l);
void hx_ledger_free(struct hx_ledger *l);
/* Frame @c went out with verdict @v; @marker: its outputs end the phase. */
int hx_ledger_sent(struct hx_ledger *l, const struct hx_case *c,
		   const struct hx_verdict *v);
/*
 * A frame captured on port @port: 1 expected (and now matched), 2 an
 * expected end marker, 0 not expected.
 */
int hx_ledger_match(struct hx_ledger *l, int port, const __u8 *buf, size_t len);
/* Print what went wrong; returns the number of missing + unexpected. */
unsigned long hx_ledger_report(struct hx_ledger *l, const char *phase);

#endif /* _HN_HOSTILE_LEDGER_H */
