// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the secure-aggregation state machines, behind the
 * parser: the input is a message that a node or the aggregator receives,
 * re-signed by whom it claims to come from, so that the checks behind the
 * signature are reached.  The first byte picks the receiver and phase:
 *
 *	0  a node, given the advert list (its own advert is never in it)
 *	1  the aggregator collecting adverts
 *	2  ... shares, after four real adverts
 *	3  ... masked inputs, after real adverts and shares
 *	4  ... unmask shares, after real masked inputs and consistency
 *	   signatures; then finish()
 *	5  ... consistency signatures, after real masked inputs
 *	6  a node that sent its masked input, given a survivor set
 *	7  a node that signed the real survivor set, given an unmask request
 *
 * A round of four real nodes is played once at start-up and its messages
 * kept, so each input replays them into a fresh aggregator; node 1 is
 * kept as it was before and after signing, and copied for each input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secagg.h"

#define N 4
#define DIM 4

struct kept {
	uint8_t *msg;
	size_t len;
};

static struct hn_sa_member roster[N];
static uint8_t id_sk[N][HN_SA_KEY_LEN];
static struct hn_sa_config cfg;
static struct kept adv[N], shares[N], masked[N], consist[N];
static struct hn_sa_node masked_node, signed_node;
static int ready;

static void must(int ret)
{
	if (ret)
		abort();
}

static void setup_config(void)
{
	unsigned int i;

	for (i = 0; i < N; i++) {
		memset(id_sk[i], 0x41 + i, HN_SA_KEY_LEN);
		roster[i].id = 100 + 7 * i;
		must(hn_sa_ed25519_public(id_sk[i], roster[i].key));
	}
	/* the campaign and round of the seeds (tests/fuzz/gen_seeds.c) */
	cfg.campaign[0] = 0xca;
	cfg.campaign[1] = 0x3f;
	cfg.round = 3;
	cfg.roster = roster;
	cfg.n = N;
	cfg.k = N - 1;
	cfg.t = 2;
	cfg.dim = DIM;
	cfg.aggregator = 100;
}

/* A copy of @from that owns its own arrays. */
static void clone_node(struct hn_sa_node *to, const struct hn_sa_node *from)
{
	*to = *from;
	to->ctx.roster = malloc(N * sizeof(*to->ctx.roster));
	to->ctx.pos = malloc(N * sizeof(*to->ctx.pos));
	to->peer = malloc(N * sizeof(*to->peer));
	if (!to->ctx.roster || !to->ctx.pos || !to->peer)
		abort();
	memcpy(to->ctx.roster, from->ctx.roster, N * sizeof(*to->ctx.roster));
	memcpy(to->ctx.pos, from->ctx.pos, N * sizeof(*to->ctx.pos));
	memcpy(to->peer, from->peer, N * sizeof(*to->peer));
}

/* The consistency round, node 1 kept on either side of it. */
static void play_consist(struct hn_sa_agg *ag, struct hn_sa_node *nd)
{
	uint8_t *req;
	size_t rlen;
	unsigned int i;

	must(hn_sa_agg_consist_request(ag, &req, &rlen, NULL, 0));
	clone_node(&masked_node, &nd[1]);
	for (i = 0; i < N; i++)
		must(hn_sa_node_consist(&nd[i], req, rlen, &consist[i].msg,
					&consist[i].len, NULL, 0));
	clone_node(&signed_node, &nd[1]);
	free(req);
}

/* Node messages of one real round, up to the consistency signatures. */
static void play_round(void)
{
	static const uint32_t q[DIM] = { 1, 2, 3, 4 };
	struct hn_sa_node nd[N];
	struct hn_sa_agg ag;
	uint8_t *list, *fwd;
	size_t llen, flen;
	unsigned int i;

	must(hn_sa_agg_init(&ag, &cfg, id_sk[0], NULL, 0));
	for (i = 0; i < N; i++) {
		must(hn_sa_node_init(&nd[i], &cfg, roster[i].id, id_sk[i], NULL,
				     0));
		must(hn_sa_node_advertise(&nd[i], &adv[i].msg, &adv[i].len,
					  NULL, 0));
		must(hn_sa_agg_add_advertise(&ag, adv[i].msg, adv[i].len, NULL,
					     0));
	}
	must(hn_sa_agg_adv_list(&ag, &list, &llen, NULL, 0));
	for (i = 0; i < N; i++) {
		must(hn_sa_node_share(&nd[i], list, llen, &shares[i].msg,
				      &shares[i].len, NULL, 0));
		must(hn_sa_agg_add_shares(&ag, shares[i].msg, shares[i].len,
					  NULL, 0));
	}
	for (i = 0; i < N; i++) {
		must(hn_sa_agg_forward(&ag, roster[i].id, &fwd, &flen, NULL,
				       0));
		must(hn_sa_node_mask(&nd[i], fwd, flen, q, &masked[i].msg,
				     &masked[i].len, NULL, 0));
		must(hn_sa_agg_add_masked(&ag, masked[i].msg, masked[i].len,
					  NULL, 0));
		free(fwd);
	}
	play_consist(&ag, nd);
	for (i = 0; i < N; i++)
		hn_sa_node_free(&nd[i]);
	free(list);
	hn_sa_agg_free(&ag);
}

/* Sign @buf as the roster node it names, when it names one. */
static void resign(uint8_t *buf, size_t len)
{
	unsigned int i;

	if (len < HN_SA_HDR_LEN + HN_SA_SIG_LEN)
		return;
	for (i = 0; i < N; i++)
		if (hn_sa_get32(buf + 8) == roster[i].id)
			hn_sa_msg_sign(buf, len, id_sk[i]);
}

/*
 * An aggregator brought by the real messages to collecting the messages
 * of @stage: 1 adverts, 2 shares, 3 masked inputs, 4 signatures, 5 unmask.
 */
static void replay(struct hn_sa_agg *ag, int stage)
{
	uint8_t *out;
	size_t len;
	unsigned int i;

	for (i = 0; stage >= 2 && i < N; i++)
		must(hn_sa_agg_add_advertise(ag, adv[i].msg, adv[i].len, NULL,
					     0));
	if (stage >= 2) {
		must(hn_sa_agg_adv_list(ag, &out, &len, NULL, 0));
		free(out);
	}
	for (i = 0; stage >= 3 && i < N; i++)
		must(hn_sa_agg_add_shares(ag, shares[i].msg, shares[i].len,
					  NULL, 0));
	if (stage >= 3) {
		must(hn_sa_agg_forward(ag, 100, &out, &len, NULL, 0));
		free(out);
	}
	for (i = 0; stage >= 4 && i < N; i++)
		must(hn_sa_agg_add_masked(ag, masked[i].msg, masked[i].len,
					  NULL, 0));
	if (stage >= 4) {
		must(hn_sa_agg_consist_request(ag, &out, &len, NULL, 0));
		free(out);
	}
	for (i = 0; stage >= 5 && i < N; i++)
		must(hn_sa_agg_add_consist(ag, consist[i].msg, consist[i].len,
					   NULL, 0));
	if (stage >= 5) {
		must(hn_sa_agg_unmask_request(ag, &out, &len, NULL, 0));
		free(out);
	}
}

static void to_aggregator(int phase, const uint8_t *msg, size_t len)
{
	static int (*const add[])(struct hn_sa_agg *, const uint8_t *, size_t,
				  char *, size_t) = {
		hn_sa_agg_add_advertise, hn_sa_agg_add_shares,
		hn_sa_agg_add_masked,	 hn_sa_agg_add_unmask,
		hn_sa_agg_add_consist,
	};
	static const int stage[] = { 1, 2, 3, 5, 4 };
	uint32_t sum[DIM];
	unsigned int n_summed;
	struct hn_sa_agg ag;
	char err[256];

	must(hn_sa_agg_init(&ag, &cfg, id_sk[0], NULL, 0));
	replay(&ag, stage[phase - 1]);
	if (!add[phase - 1](&ag, msg, len, err, sizeof(err)) && phase == 4)
		hn_sa_agg_finish(&ag, sum, &n_summed, err, sizeof(err));
	hn_sa_agg_free(&ag);
}

/* Node 1 after its masked input (6) or its signature (7). */
static void to_late_node(int phase, const uint8_t *msg, size_t len)
{
	struct hn_sa_node nd;
	uint8_t *out = NULL;
	size_t olen;
	char err[256];

	clone_node(&nd, phase == 6 ? &masked_node : &signed_node);
	if (phase == 6)
		hn_sa_node_consist(&nd, msg, len, &out, &olen, err,
				   sizeof(err));
	else
		hn_sa_node_unmask(&nd, msg, len, &out, &olen, err, sizeof(err));
	free(out);
	hn_sa_node_free(&nd);
}

static void to_node(const uint8_t *msg, size_t len)
{
	struct hn_sa_node nd;
	uint8_t *out;
	size_t olen;
	char err[256];

	must(hn_sa_node_init(&nd, &cfg, 107, id_sk[1], NULL, 0));
	must(hn_sa_node_advertise(&nd, &out, &olen, NULL, 0));
	free(out);
	if (!hn_sa_node_share(&nd, msg, len, &out, &olen, err, sizeof(err)))
		abort(); /* our advert cannot be in a fuzzed list */
	hn_sa_node_free(&nd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg;
	int phase;

	if (!ready) {
		setup_config();
		play_round();
		ready = 1;
	}
	if (size < 1 || size > 4096)
		return 0;
	phase = data[0] % 8;
	msg = malloc(size - 1 ? size - 1 : 1);
	if (!msg)
		return 0;
	memcpy(msg, data + 1, size - 1);
	resign(msg, size - 1);
	if (phase >= 6)
		to_late_node(phase, msg, size - 1);
	else if (phase)
		to_aggregator(phase, msg, size - 1);
	else
		to_node(msg, size - 1);
	free(msg);
	return 0;
}
