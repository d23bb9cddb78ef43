// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for hypernetd's model chunk reassembly (modelsync.c,
 * from the agent's archive).  The input is a script of records, each one
 * opcode byte and its arguments:
 *   0 chunk: generation, digest choice, total_len, offset, length, flags;
 *     its data from the input.  Chunks the frame decoder would refuse
 *     (hn_ctrl_decode(): lengths out of range, past the end) are skipped:
 *     the agent never sees them.
 *   1 a chunk of a genuine model file (signed with the trusted key)
 *   2 time passes (up to 5 s), then the model tick
 *   3 a chunk of a genuine file of two chunks that is not a route model
 * After every chunk: it was counted as ignored, or stored, or it completed
 * a file; transfers are consistent; the generation never goes back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/sha.h>

#include "agent_stubs.h"
#include "sign.h"

#define N_GENUINE 4

static struct hnd agent;
static void *route[N_GENUINE + 1], *stage;
static size_t route_len[N_GENUINE + 1], stage_len;

struct in {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct in *in, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--) {
		v <<= 8;
		if (in->left) {
			v |= *in->p++;
			in->left--;
		}
	}
	return v;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned int g;

	fz_agent_init(&agent);
	for (g = 1; g <= N_GENUINE; g++)
		route[g] = fz_route_image(g, &route_len[g]);
	stage = fz_stage_image(N_GENUINE + 1, &stage_len);
	return 0;
}

static __u64 ignored(void)
{
	return agent.st.chunk_old + agent.st.chunk_bad + agent.st.chunk_dup +
	       agent.st.chunk_nomem;
}

static __u64 completed(void)
{
	__u64 n = agent.st.model_installed;
	unsigned int i;

	for (i = 0; i < __HN_ACC_MAX; i++)
		n += agent.st.model_refused[i];
	return n;
}

static void check_xfers(void)
{
	unsigned int i, j, n;

	for (i = 0; i < HND_XFER_SLOTS; i++) {
		const struct hnd_xfer *x = &agent.xfer[i];

		if (!x->buf)
			continue;
		if (!x->total_len || x->total_len > HN_MODEL_XFER_MAX ||
		    x->n_chunks != (x->total_len + HN_CHUNK_DATA_MAX - 1) /
					   HN_CHUNK_DATA_MAX ||
		    x->generation <= agent.model_gen)
			abort();
		for (j = n = 0; j < x->n_chunks; j++)
			n += x->have[j];
		if (n != x->n_have || !n || n >= x->n_chunks)
			abort();
	}
}

/* The transfer @c belongs to, if one has its chunk. */
static const struct hnd_xfer *holder(const struct hn_ctrl_chunk *c)
{
	unsigned int i;

	for (i = 0; i < HND_XFER_SLOTS; i++) {
		const struct hnd_xfer *x = &agent.xfer[i];

		if (x->buf && x->generation == c->generation &&
		    x->total_len == c->total_len &&
		    !memcmp(x->digest, c->digest, 8) &&
		    x->have[c->offset / HN_CHUNK_DATA_MAX])
			return x;
	}
	return NULL;
}

static void chunk(const struct hn_ctrl_chunk *c)
{
	struct hn_ctrl_msg m = { .type = HN_T_MODEL_CHUNK, .src = 7 };
	__u64 ign = ignored(), dup = agent.st.chunk_dup, done = completed();
	__u64 gen = agent.model_gen;
	bool had = holder(c);

	m.u.chunk = *c;
	hnd_chunk_rx(&agent, &m);
	if (agent.model_gen < gen)
		abort();
	/* counted once as ignored, or stored, or it completed a file */
	if (ignored() - ign + completed() - done > 1)
		abort();
	if (had && agent.st.chunk_dup != dup + 1)
		abort(); /* had it already: a duplicate */
	if (!had && agent.st.chunk_dup != dup)
		abort();
	if (ignored() == ign && completed() == done && !holder(c))
		abort(); /* neither counted nor kept */
	check_xfers();
}

static void file_chunk(const uint8_t *buf, size_t len, __u64 gen,
		       unsigned int i)
{
	struct hn_ctrl_chunk c = { .generation = gen, .total_len = len };
	uint8_t sha[SHA256_DIGEST_LENGTH];

	c.offset = (i * HN_CHUNK_DATA_MAX) % len;
	c.offset -= c.offset % HN_CHUNK_DATA_MAX;
	c.chunk_len = len - c.offset < HN_CHUNK_DATA_MAX ? len - c.offset :
							   HN_CHUNK_DATA_MAX;
	SHA256(buf, len, sha);
	memcpy(c.digest, sha, 8);
	c.data = buf + c.offset;
	chunk(&c);
}

/* An arbitrary chunk, as far as the frame decoder lets it through. */
static void fuzzed_chunk(struct in *in)
{
	static const uint8_t digests[4][8] = { { 1 }, { 2 }, { 0xff } };
	static uint8_t data[HN_CHUNK_DATA_MAX];
	struct hn_ctrl_chunk c = { 0 };
	uint8_t g = take(in, 1), flags;
	size_t n;

	/* small generations meet the genuine ones; a few are huge */
	c.generation = g < 0xf0 ? g % (N_GENUINE + 3) : (1ULL << 63) + g;
	memcpy(c.digest, digests[take(in, 1) % 4], 8);
	c.total_len = 1 + take(in, 2) % HN_MODEL_XFER_MAX;
	flags = take(in, 1);
	if (flags & 1) {
		/* anywhere, any length: the decoder's bounds only */
		c.offset = take(in, 4);
		c.chunk_len = take(in, 2);
	} else {
		/* cut as senders cut */
		c.offset = take(in, 1) * HN_CHUNK_DATA_MAX;
		c.chunk_len = c.total_len > c.offset &&
					      c.total_len - c.offset <
						      HN_CHUNK_DATA_MAX ?
				      c.total_len - c.offset :
				      HN_CHUNK_DATA_MAX;
	}
	if (!c.chunk_len || c.chunk_len > HN_CHUNK_DATA_MAX ||
	    (uint64_t)c.offset + c.chunk_len > c.total_len)
		return;
	n = c.chunk_len < in->left ? c.chunk_len : in->left;
	memset(data, flags, sizeof(data));
	memcpy(data, in->p, n);
	in->p += n;
	in->left -= n;
	c.data = data;
	chunk(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t size)
{
	struct in in = { p, size };
	unsigned int g;

	fz_agent_reset(&agent);
	while (in.left) {
		switch (take(&in, 1) % 4) {
		case 0:
			fuzzed_chunk(&in);
			break;
		case 1:
			g = 1 + take(&in, 1) % N_GENUINE;
			file_chunk(route[g], route_len[g], g, 0);
			if (agent.model_gen < g)
				abort(); /* a genuine model was kept out */
			break;
		case 2:
			fz_now += take(&in, 1) * 20 * NSEC_PER_MSEC;
			hnd_model_tick(&agent, fz_now);
			check_xfers();
			break;
		case 3:
			file_chunk(stage, stage_len, N_GENUINE + 1,
				   take(&in, 1));
			break;
		}
	}
	return 0;
}
