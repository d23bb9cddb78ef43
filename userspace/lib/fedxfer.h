/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Messages of a federated round cut into FED frames and put back together
 * (Documentation/federated.rst, "Round transport").  Pure: no sockets and
 * no clock; the caller sends the fragments and SACKs this file names and
 * passes the time in.
 *
 * Sending (struct hn_fx_out): at most @window fragments in flight; one
 * not acknowledged within @rto_ns goes again.  Receiving (struct hn_fx_rx):
 * a message's buffer is allocated at its first fragment, within caps per
 * sender and in total; a fragment that would pass a cap is refused and
 * counted, never a live transfer evicted for it.  A transfer that gets no
 * new fragment for the table's timeout is dropped; a complete one is
 * remembered (its bitmap, not its bytes) as long, so that its fragments
 * sent again are acknowledged and not delivered twice.
 */
#ifndef _HN_LIB_FEDXFER_H
#define _HN_LIB_FEDXFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrl.h"

/* What identifies one message, as its fragments carry it. */
struct hn_fx_hdr {
	uint64_t campaign;
	uint32_t round;
	uint32_t msg_id;
	uint32_t total_len;
	uint8_t attempt;
	uint8_t kind;
};

struct hn_fx_out {
	uint32_t dst;
	struct hn_fx_hdr h;
	uint8_t *buf; /* the message, owned */
	uint32_t n_frags, n_acked;
	uint8_t *acked; /* bitmap */
	uint64_t *sent_ns; /* per fragment, 0: never sent */
	uint64_t started_ns, progress_ns; /* last new acknowledgement */
};

/* Take @buf (malloc()ed, h->total_len bytes). 0 or -ENOMEM/-EINVAL. */
int hn_fx_out_init(struct hn_fx_out *o, uint32_t dst, const struct hn_fx_hdr *h,
		   uint8_t *buf, uint64_t now);
void hn_fx_out_free(struct hn_fx_out *o);
/*
 * Up to @max fragment indices due at @now into @idx, each then counted as
 * sent: never sent, or unacknowledged for @rto_ns, keeping at most
 * @window in flight.  Returns how many.
 */
unsigned int hn_fx_out_due(struct hn_fx_out *o, uint64_t now, uint64_t rto_ns,
			   unsigned int window, uint32_t *idx,
			   unsigned int max);
/* Fragment @i of @o as a DATA frame's payload. */
void hn_fx_out_frag(const struct hn_fx_out *o, uint32_t i,
		    struct hn_ctrl_fed *f);
/*
 * A SACK from o->dst: 1 when every fragment is acknowledged, 0 if not yet,
 * -EINVAL if it is not about this message.
 */
int hn_fx_out_sack(struct hn_fx_out *o, const struct hn_ctrl_fed *f,
		   uint64_t now);

struct hn_fx_in {
	uint32_t src; /* 0: free slot */
	struct hn_fx_hdr h;
	uint8_t *buf; /* NULL once complete and taken */
	uint32_t n_frags, n_have, since_sack;
	uint8_t bits[HN_FED_SACK_MAX]; /* fragments received */
	bool done;
	uint64_t last_ns;
};

struct hn_fx_limits {
	unsigned int slots; /* transfers remembered, live or complete */
	unsigned int peer_live; /* live transfers of one sender */
	size_t peer_bytes; /* buffered bytes of one sender */
	size_t total_bytes; /* buffered bytes in all */
	uint64_t timeout_ns; /* idle transfer dropped, complete forgotten */
};

struct hn_fx_stats {
	uint64_t frags, dups, completed;
	uint64_t refused_peer, refused_total, refused_slots;
	uint64_t mismatched, expired;
};

struct hn_fx_rx {
	struct hn_fx_limits lim;
	struct hn_fx_in *in;
	size_t bytes;
	struct hn_fx_stats st;
};

/* What hn_fx_rx_add() did with a fragment. */
enum hn_fx_res {
	HN_FX_STORED, /* new fragment kept */
	HN_FX_DUP, /* had it (or the message is complete): acknowledge */
	HN_FX_COMPLETE, /* this fragment completed the message */
	HN_FX_REFUSED, /* over a cap: dropped, counted */
	HN_FX_MISMATCH, /* disagrees with its message's header */
};

int hn_fx_rx_init(struct hn_fx_rx *r, const struct hn_fx_limits *lim);
void hn_fx_rx_free(struct hn_fx_rx *r);
/*
 * DATA fragment @f from @src at @now; *@in is its transfer (NULL when
 * refused).  With HN_FX_COMPLETE, (*in)->buf holds the message:
 * hn_fx_rx_take() it.
 */
enum hn_fx_res hn_fx_rx_add(struct hn_fx_rx *r, uint32_t src,
			    const struct hn_ctrl_fed *f, uint64_t now,
			    struct hn_fx_in **in);
/* Whether @in should be acknowledged now (complete, dup or every 16). */
bool hn_fx_rx_sack_due(struct hn_fx_in *in, enum hn_fx_res res);
/* The SACK of @in as a frame's payload (pointing into @in). */
void hn_fx_rx_sack(const struct hn_fx_in *in, struct hn_ctrl_fed *f);
/* The complete message's bytes, handed over (malloc()ed); NULL if none. */
uint8_t *hn_fx_rx_take(struct hn_fx_rx *r, struct hn_fx_in *in);
/* Drop transfers idle for the timeout at @now. */
void hn_fx_rx_expire(struct hn_fx_rx *r, uint64_t now);

#endif /* _HN_LIB_FEDXFER_H */
