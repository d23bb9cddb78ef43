/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Training campaign files (.hnc): what an operator starts for federated
 * training (Documentation/federated.rst, "The campaign file").  The file
 * fixes the starting model and validation set by digest, the training and
 * secure-aggregation parameters and the roster of node identity keys, and
 * is signed with a trusted model key exactly as a model file is (sign.h).
 *
 * Every function that can fail writes one line saying what is wrong into
 * @err (which may be NULL).
 */
#ifndef _HN_LIB_CAMPAIGN_H
#define _HN_LIB_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "secagg.h"
#include "sign.h"

#define HN_CP_MAGIC "HNCP"
#define HN_CP_VERSION 1
#define HN_CP_HDR_LEN 120
#define HN_CP_MEMBER_LEN 36 /* id (4), Ed25519 identity key (32) */
#define HN_CP_DIGEST_LEN 32
#define HN_CP_MIN_NODES 2
#define HN_CP_MAX_NODES 1024 /* HN_SA_MAX_NODES */
#define HN_CP_MAX_ROUNDS 100000
#define HN_CP_MAX_STEPS 1000000
#define HN_CP_MAX_LR 1000000 /* millionths: 1.0 */
#define HN_CP_MAX_CLIP 1000000000 /* thousandths */
#define HN_CP_MAX_DROP 10000 /* ten-thousandths: 1.0 */
#define HN_CP_MAX_SCALE_LOG2 30
#define HN_CP_MAX_FILE                                        \
	(HN_CP_HDR_LEN + HN_CP_MAX_NODES * HN_CP_MEMBER_LEN + \
	 HN_CP_DIGEST_LEN + 4 + HN_ED25519_SIG_LEN)

enum hn_cp_flags {
	HN_CP_F_STOPPED = 1U << 0, /* the campaign is over: run no round */
	HN_CP_F_NO_DEFENCE = 1U << 1, /* plain sum, no robust aggregation */
	__HN_CP_F_ALL = HN_CP_F_STOPPED | HN_CP_F_NO_DEFENCE,
};

struct hn_campaign {
	uint16_t flags; /* enum hn_cp_flags */
	uint64_t id; /* campaign id, non-zero */
	uint64_t generation; /* a later one replaces it (stop, changes) */
	uint8_t kind; /* enum hn_model_kind of the starting model */
	uint8_t stage; /* its stage id (STAGE), 0 for ROUTE */
	uint8_t scale_log2; /* fixed-point scale 2^s; 0: derived */
	uint8_t model_digest[HN_CP_DIGEST_LEN]; /* SHA-256 of the .hnm */
	uint8_t valset_digest[HN_CP_DIGEST_LEN]; /* SHA-256 of the set */
	uint32_t rounds;
	uint32_t local_steps;
	uint32_t lr_micro; /* learning rate in millionths */
	uint32_t clip_milli; /* L2 clipping norm in thousandths */
	uint16_t max_drop; /* accepted accuracy drop, ten-thousandths */
	uint16_t sa_k, sa_t; /* degree, threshold; 0, 0: hn_sa_choose() */
	uint16_t sa_drop; /* dropout (permille) hn_sa_choose() plans for */
	uint16_t n; /* roster size */
	/*
	 * The grouped defence: 0 groups, one sum of all (as before the
	 * field); else each round cut into @groups groups (robust.h), each
	 * summed by its own secure aggregation, the sums combined by @rule
	 * (enum hn_rb_rule) with @trim groups dropped at each end (trimmed
	 * mean only).  In the header's bytes that were reserved (0).
	 */
	uint8_t groups, rule, trim;
	struct hn_sa_member *roster; /* n members, ids increasing */
	/* Set by parse and serialise: */
	unsigned int k, t; /* the degree and threshold in force */
	double scale; /* the fixed-point scale in force */
	uint8_t digest[HN_CP_DIGEST_LEN]; /* SHA-256 of the bytes before it */
	uint16_t sig_type; /* enum hn_sig_type */
	uint16_t sig_len;
	uint8_t sig[HN_ED25519_SIG_LEN];
};

/*
 * Parse and fully check a campaign file image.  On success @c owns its
 * roster (hn_campaign_free()); on failure @c is left empty.  0 or -1.
 */
int hn_campaign_parse(const void *buf, size_t len, struct hn_campaign *c,
		      char *err, size_t errlen);
int hn_campaign_read_image(const char *path, void **buf, size_t *len, char *err,
			   size_t errlen);

/*
 * Every rule of the parser on an in-memory campaign; sets c->k, c->t
 * and c->scale.  0 or -1.
 */
int hn_campaign_check(struct hn_campaign *c, char *err, size_t errlen);

/*
 * Serialise @c (checked first): computes and stores the digest and
 * appends @c's signature block.  *buf is malloc()ed.
 */
int hn_campaign_serialize(struct hn_campaign *c, void **buf, size_t *len,
			  char *err, size_t errlen);

void hn_campaign_free(struct hn_campaign *c);

/* Sign a valid campaign image (of any signature state) with @priv_path. */
int hn_campaign_sign_image(const void *buf, size_t len, const char *priv_path,
			   void **out, size_t *outlen, char *err,
			   size_t errlen);

/*
 * The agent's rule, with the reasons of enum hn_accept_err: well formed
 * (MALFORMED), signed (UNSIGNED) by one of @keys (BAD_SIG), and, when
 * the agent holds campaign @held_id at @held_gen, of that campaign and a
 * newer generation (OLD: a replay or a different campaign while one is
 * held and not stopped; @held_stopped allows any newer campaign).  On
 * HN_ACC_OK @c holds the parsed campaign, otherwise it is left empty.
 */
int hn_campaign_accept(const void *buf, size_t len,
		       const struct hn_pubkey *keys, unsigned int n_keys,
		       uint64_t held_id, uint64_t held_gen, int held_stopped,
		       struct hn_campaign *c, char *err, size_t errlen);

/*
 * A roster file: lines "NODE-ID PUBKEY-FILE" ('#' comments, blank lines),
 * a relative PUBKEY-FILE taken from the roster file's directory, each
 * holding one identity public key (hnctl keygen's .pub).  *@members is
 * malloc()ed and sorted by id; duplicate ids or keys are refused.
 */
int hn_campaign_roster_load(const char *path, struct hn_sa_member **members,
			    uint16_t *n, char *err, size_t errlen);

/*
 * The secure-aggregation degree and threshold of a group of @m members
 * of a grouped campaign: hn_sa_choose(@m, the campaign's planned
 * dropout).
 */
void hn_campaign_group_kt(const struct hn_campaign *c, unsigned int m,
			  unsigned int *k, unsigned int *t);

/* Roster index of node @id, or -1. */
int hn_campaign_member(const struct hn_campaign *c, uint32_t id);

/* "stopped,no-defence" style list of @flags into @buf. */
const char *hn_campaign_flags_str(unsigned int flags, char *buf, size_t len);

#endif /* _HN_LIB_CAMPAIGN_H */
