/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Secure aggregation of one federated round (Documentation/federated.rst):
 * Bonawitz et al. (CCS 2017) over the sparse neighbour graph of SecAgg+
 * (Bell et al., CCS 2020).  Pure: no sockets, files or threads; messages
 * go in and out as bytes (sa_msg.h) and the caller carries them.
 *
 * Each roster node runs a struct hn_sa_node through five calls, one per
 * phase; the round's aggregator (any roster node, which may also run a
 * node) runs a struct hn_sa_agg that collects each phase's messages and
 * answers with the next phase's:
 *
 *	node                         aggregator
 *	advertise()      ADVERTISE   add_advertise() ...
 *	                 ADV_LIST    adv_list()
 *	share()          SHARES      add_shares() ...
 *	                 SHARES_FWD  forward(node)
 *	mask(q)          MASKED      add_masked() ...
 *	                 CONSIST_REQ consist_request()
 *	consist()        CONSIST     add_consist() ...
 *	                 UNMASK_REQ  unmask_request()
 *	unmask()         UNMASK      add_unmask() ...
 *	                             finish() -> sum of q over U3
 *
 * A node that stops anywhere is a dropout; the round completes while
 * every needed secret keeps t live holders and at least tc nodes sign
 * the survivor set U3 (the consistency round of Bonawitz et al.'s
 * actively secure variant: a node reveals nothing until tc nodes have
 * signed the same U3 it did).  Functions return 0 or a
 * negative errno with the reason in @err; output messages are malloc()ed.
 */
#ifndef _HN_LIB_SECAGG_H
#define _HN_LIB_SECAGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sa_crypto.h"
#include "sa_msg.h"
#include "shamir.h"

struct hn_sa_member {
	uint32_t id;
	uint8_t key[HN_SA_KEY_LEN]; /* Ed25519 identity public key */
};

struct hn_sa_config {
	uint8_t campaign[32];
	uint32_t round;
	const struct hn_sa_member *roster; /* ids strictly increasing */
	unsigned int n;
	unsigned int k; /* neighbours; n - 1 is the complete graph */
	unsigned int t; /* shares that recover a secret, k/2 < t <= k */
	uint32_t dim; /* words in an update */
	uint32_t aggregator; /* id of this round's aggregator */
};

/*
 * Degree and threshold for @n nodes of which up to @drop_permille drop:
 * t = k/2 + 1 and the smallest even k >= 2 * ceil(log2 n) such that a
 * node keeps t live neighbours but with probability below 2^-20 / n
 * (binomial dropouts), or the complete graph.
 */
void hn_sa_choose(unsigned int n, unsigned int drop_permille, unsigned int *k,
		  unsigned int *t);
/*
 * Signatures on one survivor set that an unmask request must carry:
 * max(t, floor(2n/3) + 1), so that two different sets both reach it only
 * with more than n/3 corrupt signers (Documentation/federated.rst).
 */
unsigned int hn_sa_consist_threshold(unsigned int n, unsigned int t);

/* Shared by node and aggregator: the round's roster and graph. */
struct hn_sa_ctx {
	uint8_t campaign[32];
	uint32_t round;
	unsigned int n, k, t;
	unsigned int tc; /* hn_sa_consist_threshold(n, t) */
	uint32_t dim;
	struct hn_sa_member *roster;
	unsigned int *pos; /* ring position of each roster index */
	unsigned int self; /* roster index */
	unsigned int agg; /* roster index of the aggregator */
	uint8_t id_sk[HN_SA_KEY_LEN];
};

int hn_sa_ctx_init(struct hn_sa_ctx *c, const struct hn_sa_config *cfg,
		   uint32_t self_id, const uint8_t id_sk[HN_SA_KEY_LEN],
		   char *err, size_t errlen);
void hn_sa_ctx_free(struct hn_sa_ctx *c);
/* Roster index of @id, or -1. */
/* Index of node @id in roster @r of @n members (ids increasing), or -1. */
int hn_sa_roster_index(const struct hn_sa_member *r, unsigned int n,
		       uint32_t id);
int hn_sa_index(const struct hn_sa_ctx *c, uint32_t id);
/*
 * Sign message @buf (@len bytes, malloc()ed) with @c's identity key and
 * hand it out in *@out, *@outlen; on failure it is freed.  0 or -EIO.
 */
int hn_sa_sign_out(const struct hn_sa_ctx *c, uint8_t *buf, size_t len,
		   uint8_t **out, size_t *outlen, char *err, size_t errlen);
/* Whether roster indices @i and @j are neighbours in this round's graph. */
bool hn_sa_neighbours(const struct hn_sa_ctx *c, unsigned int i,
		      unsigned int j);

/* @err formatting for the library's files; returns @ret. */
int hn_sa_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Mask seed of the pair (i, j) from one's s_sk and the other's s_pk. */
int hn_sa_pair_seed(const struct hn_sa_ctx *c, const uint8_t *s_sk,
		    const uint8_t *s_pk, uint32_t id_i, uint32_t id_j,
		    uint8_t seed[HN_SA_KEY_LEN]);
/* Commitment to a self-mask seed, as its advert carries it. */
void hn_sa_commit(const struct hn_sa_ctx *c, uint32_t id,
		  const uint8_t b[HN_SA_KEY_LEN], uint8_t out[HN_SA_KEY_LEN]);

/* SHA-256 of U3 as a CONSIST_REQ body carries it (count, then ids). */
void hn_sa_survivors_digest(const struct hn_sa_ctx *c, const uint8_t *body,
			    uint32_t count, uint8_t out[HN_SA_CONSIST_BODY]);
/* Whether @sig is roster node @signer's CONSIST over @digest this round. */
bool hn_sa_consist_valid(const struct hn_sa_ctx *c, unsigned int signer,
			 const uint8_t digest[HN_SA_CONSIST_BODY],
			 const uint8_t sig[HN_SA_SIG_LEN]);

/* What a node knows of a neighbour. */
struct hn_sa_peer {
	uint8_t c_pk[HN_SA_KEY_LEN], s_pk[HN_SA_KEY_LEN];
	uint8_t c_shared[HN_SA_KEY_LEN]; /* X25519(c_sk, peer's c_pk) */
	struct hn_shamir_share b, s; /* held for the peer */
	uint8_t flags;
};

struct hn_sa_node {
	struct hn_sa_ctx ctx;
	int phase;
	uint8_t c_sk[HN_SA_KEY_LEN], c_pk[HN_SA_KEY_LEN];
	uint8_t s_sk[HN_SA_KEY_LEN], s_pk[HN_SA_KEY_LEN];
	uint8_t b[HN_SA_KEY_LEN];
	uint8_t u3[HN_SA_CONSIST_BODY]; /* digest of the U3 it signed */
	struct hn_sa_peer *peer; /* by roster index */
};

int hn_sa_node_init(struct hn_sa_node *nd, const struct hn_sa_config *cfg,
		    uint32_t self_id, const uint8_t id_sk[HN_SA_KEY_LEN],
		    char *err, size_t errlen);
void hn_sa_node_free(struct hn_sa_node *nd);
int hn_sa_node_advertise(struct hn_sa_node *nd, uint8_t **out, size_t *len,
			 char *err, size_t errlen);
int hn_sa_node_share(struct hn_sa_node *nd, const uint8_t *in, size_t inlen,
		     uint8_t **out, size_t *len, char *err, size_t errlen);
/* @q: the node's encoded update (sa_fixed.h), dim words. */
int hn_sa_node_mask(struct hn_sa_node *nd, const uint8_t *in, size_t inlen,
		    const uint32_t *q, uint8_t **out, size_t *len, char *err,
		    size_t errlen);
/* Sign the survivor set U3 of a CONSIST_REQ: at least tc, us among them. */
int hn_sa_node_consist(struct hn_sa_node *nd, const uint8_t *in, size_t inlen,
		       uint8_t **out, size_t *len, char *err, size_t errlen);
/*
 * Reveal, once, one share per neighbour that dealt us shares, only if the
 * UNMASK_REQ carries at least tc valid signatures, from members of U3,
 * on the U3 we signed; otherwise nothing is revealed and the node waits.
 */
int hn_sa_node_unmask(struct hn_sa_node *nd, const uint8_t *in, size_t inlen,
		      uint8_t **out, size_t *len, char *err, size_t errlen);

/* What the aggregator holds of a node. */
struct hn_sa_agg_peer {
	uint8_t adv[HN_SA_ADV_LEN];
	uint8_t *shares; /* the node's SHARES items */
	uint32_t n_shares;
	struct hn_shamir_share *got; /* unmask shares of the node's secret */
	unsigned int n_got;
	uint8_t sig[HN_SA_SIG_LEN]; /* its CONSIST signature */
	uint8_t flags;
};

struct hn_sa_agg {
	struct hn_sa_ctx ctx;
	int phase;
	uint8_t u3[HN_SA_CONSIST_BODY]; /* digest of the U3 it sent */
	struct hn_sa_agg_peer *peer; /* by roster index */
	uint32_t *sum;
};

int hn_sa_agg_init(struct hn_sa_agg *ag, const struct hn_sa_config *cfg,
		   const uint8_t id_sk[HN_SA_KEY_LEN], char *err,
		   size_t errlen);
void hn_sa_agg_free(struct hn_sa_agg *ag);
int hn_sa_agg_add_advertise(struct hn_sa_agg *ag, const uint8_t *in,
			    size_t inlen, char *err, size_t errlen);
int hn_sa_agg_adv_list(struct hn_sa_agg *ag, uint8_t **out, size_t *len,
		       char *err, size_t errlen);
int hn_sa_agg_add_shares(struct hn_sa_agg *ag, const uint8_t *in, size_t inlen,
			 char *err, size_t errlen);
int hn_sa_agg_forward(struct hn_sa_agg *ag, uint32_t to, uint8_t **out,
		      size_t *len, char *err, size_t errlen);
int hn_sa_agg_add_masked(struct hn_sa_agg *ag, const uint8_t *in, size_t inlen,
			 char *err, size_t errlen);
int hn_sa_agg_consist_request(struct hn_sa_agg *ag, uint8_t **out, size_t *len,
			      char *err, size_t errlen);
int hn_sa_agg_add_consist(struct hn_sa_agg *ag, const uint8_t *in, size_t inlen,
			  char *err, size_t errlen);
/* The signatures of U4 (at least tc), to every node of U4. */
int hn_sa_agg_unmask_request(struct hn_sa_agg *ag, uint8_t **out, size_t *len,
			     char *err, size_t errlen);
int hn_sa_agg_add_unmask(struct hn_sa_agg *ag, const uint8_t *in, size_t inlen,
			 char *err, size_t errlen);
/*
 * Remove the masks: @sum (dim words) is then the sum mod 2^32 of the
 * encoded updates of the nodes in U3, whose count is *@n_summed and whose
 * membership hn_sa_agg_summed() tells.  -EAGAIN when a secret lacks t
 * shares: the masks cannot be removed (@sum is zeroed; more unmask
 * shares may still come, and finish be called again).
 */
int hn_sa_agg_finish(struct hn_sa_agg *ag, uint32_t *sum,
		     unsigned int *n_summed, char *err, size_t errlen);
bool hn_sa_agg_summed(const struct hn_sa_agg *ag, uint32_t id);

#endif /* _HN_LIB_SECAGG_H */
