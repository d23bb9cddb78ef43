/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Messages of secure aggregation, version 2 (Documentation/federated.rst
 * has them byte by byte; version 2 added the consistency round and
 * changed UNMASK_REQ to carry its signatures).  Big-endian; every message is
 *
 *	header (48 bytes)  version, type, 0, round, sender, campaign,
 *			   body length
 *	body               by type, below
 *	signature (64)     Ed25519 of the sender's identity key over
 *			   header and body
 *
 * so that one signed by a node for one (campaign, round) is refused in
 * any other.  Bodies: a count (u32) then fixed-size items, except
 * ADVERTISE and CONSIST (fixed) and SHARES_FWD (recipient, then count
 * and items).
 * hn_sa_msg_parse() checks the shape: lengths exact, counts bounded, ids
 * strictly increasing, inner adverts of a list well formed and of the same
 * round.  It checks no signature: hn_sa_msg_verify() does, given the key.
 */
#ifndef _HN_LIB_SA_MSG_H
#define _HN_LIB_SA_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "sa_crypto.h"
#include "shamir.h"

#define HN_SA_VERSION 2
#define HN_SA_HDR_LEN 48
#define HN_SA_MAX_NODES HN_SHAMIR_MAX
#define HN_SA_MAX_DIM (1u << 24)

enum hn_sa_type {
	HN_SA_ADVERTISE = 1, /* node: c_pk, s_pk, commitment to b */
	HN_SA_ADV_LIST, /* aggregator: the adverts received (U1) */
	HN_SA_SHARES, /* node: encrypted shares, one per neighbour */
	HN_SA_SHARES_FWD, /* aggregator: the shares addressed to one node */
	HN_SA_MASKED, /* node: the masked input y */
	HN_SA_UNMASK_REQ, /* aggregator: U4's signatures on U3 */
	HN_SA_UNMASK, /* node: shares of b or of s_sk, per neighbour */
	HN_SA_CONSIST_REQ, /* aggregator: who sent a masked input (U3) */
	HN_SA_CONSIST, /* node: digest of the U3 it was sent, signed */
	__HN_SA_TYPE_MAX
};

/* One share's two halves in the clear: x and y of b, then of s_sk. */
#define HN_SA_SHARE_PT_LEN (2 * (2 + HN_SHAMIR_LEN))
#define HN_SA_SHARE_CT_LEN (HN_SA_SHARE_PT_LEN + HN_SA_TAG_LEN)
/* Item sizes by type. */
#define HN_SA_ADV_BODY (3 * HN_SA_KEY_LEN)
#define HN_SA_ADV_LEN (HN_SA_HDR_LEN + HN_SA_ADV_BODY + HN_SA_SIG_LEN)
#define HN_SA_SHARE_ITEM (4 + HN_SA_SHARE_CT_LEN) /* peer id, ciphertext */
#define HN_SA_UNMASK_ITEM (4 + 1 + 2 + HN_SHAMIR_LEN) /* owner, kind, x, y */
#define HN_SA_CONSIST_BODY 32 /* SHA-256 of U3 (hn_sa_survivors_digest) */
#define HN_SA_CONSIST_LEN (HN_SA_HDR_LEN + HN_SA_CONSIST_BODY + HN_SA_SIG_LEN)
#define HN_SA_SIG_ITEM (4 + HN_SA_SIG_LEN) /* signer id, its CONSIST's */

enum hn_sa_share_kind {
	HN_SA_KIND_B, /* the owner's self-mask seed: it sent its input */
	HN_SA_KIND_S, /* the owner's mask key: it dropped after sharing */
};

struct hn_sa_msg {
	uint8_t version;
	uint8_t type;
	uint32_t round;
	uint32_t sender;
	uint8_t campaign[32];
	uint32_t to; /* SHARES_FWD: the recipient */
	uint32_t count; /* items; MASKED: the dimension */
	const uint8_t *items;
	size_t item_len;
	const uint8_t *body; /* ADVERTISE: c_pk, s_pk, commitment; CONSIST */
	const uint8_t *buf; /* the whole message */
	size_t signed_len; /* header and body */
};

static inline uint32_t hn_sa_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void hn_sa_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline const uint8_t *hn_sa_item(const struct hn_sa_msg *m, uint32_t i)
{
	return m->items + (size_t)i * m->item_len;
}

const char *hn_sa_type_name(unsigned int type);

/*
 * A new message of @type with @count items (MASKED: the dimension) and
 * room for the signature, header and count written, items zeroed;
 * hn_sa_msg_items() points at them.  NULL if out of memory.
 */
uint8_t *hn_sa_msg_new(uint8_t type, const uint8_t campaign[32], uint32_t round,
		       uint32_t sender, uint32_t count, size_t *len);
/* The 48-byte header alone, for a body of @blen bytes. */
void hn_sa_msg_header(uint8_t *buf, uint8_t type, const uint8_t campaign[32],
		      uint32_t round, uint32_t sender, uint32_t blen);
uint8_t *hn_sa_msg_items(uint8_t *buf);
/* Sign with the sender's identity key (the last 64 bytes). */
int hn_sa_msg_sign(uint8_t *buf, size_t len, const uint8_t sk[HN_SA_KEY_LEN]);

/* 0, or -EBADMSG with the reason in @err. */
int hn_sa_msg_parse(const uint8_t *buf, size_t len, struct hn_sa_msg *m,
		    char *err, size_t errlen);
/* 1 if the signature is @pk's over this message. */
int hn_sa_msg_verify(const struct hn_sa_msg *m,
		     const uint8_t pk[HN_SA_KEY_LEN]);

#endif /* _HN_LIB_SA_MSG_H */
