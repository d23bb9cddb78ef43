// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the control-frame codecs.  The input is decoded
 * with the fuzz keys; a frame refused only for its MAC is re-signed and
 * decoded again, so that the field checks behind the MAC are reached too.
 * Whatever decodes must encode again and decode to the same message.
 * The same bytes also drive the replay window (against a plain reference)
 * and the mesh key parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ctrl.h"

/* The seed corpus is signed with these (tests/fuzz/gen_seeds.c). */
#define FUZZ_KEY1 \
	"f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff"
#define FUZZ_KEY2 \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static struct hn_mesh_key keys[2];

static const struct hn_mesh_key *key_by_id(__u32 id)
{
	return id == keys[0].id ? &keys[0] : id == keys[1].id ? &keys[1] : NULL;
}

static int same(const struct hn_ctrl_msg *a, const struct hn_ctrl_msg *b)
{
	const struct hn_ctrl_chunk *ca = &a->u.chunk, *cb = &b->u.chunk;

	if (a->type != b->type || a->flags != b->flags || a->ttl != b->ttl ||
	    a->tclass != b->tclass || a->src != b->src || a->dst != b->dst ||
	    a->seq != b->seq || a->key_id != b->key_id ||
	    a->counter != b->counter)
		return 0;
	switch (a->type) {
	case HN_T_HELLO:
		/* decode zeroes the message: unused entries compare too */
		return !memcmp(&a->u.hello, &b->u.hello, sizeof(a->u.hello));
	case HN_T_PROBE:
	case HN_T_ACK:
		return a->u.probe.id == b->u.probe.id &&
		       a->u.probe.t_ns == b->u.probe.t_ns;
	case HN_T_GOSSIP:
		return !memcmp(&a->u.lsa, &b->u.lsa, sizeof(a->u.lsa));
	case HN_T_MODEL_CHUNK:
		return ca->generation == cb->generation &&
		       !memcmp(ca->digest, cb->digest, sizeof(ca->digest)) &&
		       ca->total_len == cb->total_len &&
		       ca->offset == cb->offset &&
		       ca->chunk_len == cb->chunk_len &&
		       !memcmp(ca->data, cb->data, ca->chunk_len);
	case HN_T_FED: {
		const struct hn_ctrl_fed *fa = &a->u.fed, *fb = &b->u.fed;

		return fa->campaign == fb->campaign && fa->round == fb->round &&
		       fa->msg_id == fb->msg_id &&
		       fa->total_len == fb->total_len &&
		       fa->offset == fb->offset &&
		       fa->frag_len == fb->frag_len &&
		       fa->attempt == fb->attempt && fa->kind == fb->kind &&
		       fa->op == fb->op &&
		       !memcmp(fa->data, fb->data, fa->frag_len);
	}
	case HN_T_ECHO: {
		const struct hn_ctrl_echo *ea = &a->u.echo, *eb = &b->u.echo;

		return ea->id == eb->id && ea->seq == eb->seq &&
		       ea->t_ns == eb->t_ns && ea->op == eb->op &&
		       ea->pad_len == eb->pad_len &&
		       !memcmp(ea->data, eb->data, ea->pad_len);
	}
	}
	return 0;
}

static void accepted(const struct hn_ctrl_msg *m, size_t frame_len)
{
	static uint8_t buf[HN_CTRL_MAX];
	char err[HN_CTRL_ERRLEN];
	struct hn_ctrl_msg d;
	int len;

	len = hn_ctrl_encode(buf, sizeof(buf), m, key_by_id(m->key_id));
	if (len < 0 || (size_t)len != frame_len)
		abort(); /* decode accepted what encode refuses */
	if (hn_ctrl_decode(buf, len, NULL, &d, keys, 2, err, sizeof(err)))
		abort();
	if (!same(m, &d))
		abort(); /* not a faithful round trip */
}

/* Refused for its MAC only: sign it properly and try again. */
static void resigned(const uint8_t *data, size_t size)
{
	uint8_t md[EVP_MAX_MD_SIZE], *copy;
	const struct hn_mesh_key *k;
	char err[HN_CTRL_ERRLEN];
	struct hn_ctrl_msg m;
	size_t flen = 20 + (data[6] << 8 | data[7]);
	/* link-local types: the link's addresses first, all zero here */
	size_t l2 = hn_ctrl_link_local(data[1]) ? 12 : 0;
	unsigned int mdlen;
	__u32 id;
	int ret;

	copy = malloc(size + l2);
	if (!copy)
		abort();
	memset(copy, 0, l2);
	memcpy(copy + l2, data, size);
	id = (__u32)copy[l2 + flen - 28] << 24 | copy[l2 + flen - 27] << 16 |
	     copy[l2 + flen - 26] << 8 | copy[l2 + flen - 25];
	k = key_by_id(id);
	/* ttl and reserved read as 0 */
	copy[l2 + 3] = 0;
	copy[l2 + 5] = 0;
	if (!k || !HMAC(EVP_sha256(), k->key, HN_KEY_LEN, copy, l2 + flen - 16,
			md, &mdlen))
		abort();
	memcpy(copy, data, size);
	memcpy(copy + flen - 16, md, 16);
	ret = hn_ctrl_decode(copy, size, NULL, &m, keys, 2, err, sizeof(err));
	if (ret != HN_CE_OK && ret != HN_CE_FIELD)
		abort(); /* the structure was fine a moment ago */
	if (ret == HN_CE_OK)
		accepted(&m, flen);
	free(copy);
}

/*
 * Reference window: every accepted counter remembered; the window is the
 * HN_REPLAY_WINDOW highest.  Counters near a realtime clock's, arriving
 * as they were sent: the clock bound never refuses them.
 */
static void replay(const uint8_t *data, size_t size)
{
	static __u64 seen[512];
	struct hn_replay r = { 0 };
	__u64 pos = 1700000000ULL * 1000000000ULL, now = 1000000000ULL, c;
	unsigned int n = 0, i, j, above;
	int want, got;

	for (i = 0; i + 1 < size && n < 512; i += 2) {
		pos += data[i] >> 5;
		now += data[i] >> 5;
		c = pos - data[i + 1] % 100;
		want = 0;
		above = 0;
		for (j = 0; j < n; j++) {
			if (seen[j] == c)
				want = -EALREADY;
			above += seen[j] > c;
		}
		if (above >= HN_REPLAY_WINDOW)
			want = -ESTALE;
		got = hn_replay_accept(&r, c, now);
		if (got != want)
			abort();
		if (!got)
			seen[n++] = c;
	}
}

static void key_parse(const uint8_t *data, size_t size)
{
	struct hn_mesh_key k = { 0 };
	char hex[80];
	size_t i, n;
	int want = 0;

	if (size >= sizeof(hex))
		return;
	memcpy(hex, data, size);
	hex[size] = '\0';
	n = strlen(hex);
	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", hex[i]))
			want = -EINVAL;
	if (n != 64)
		want = -EINVAL;
	if (hn_mesh_key_parse(hex, &k) != want)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[HN_CTRL_ERRLEN];
	struct hn_ctrl_msg m;
	int ret;

	if (!keys[0].id) {
		keys[0].id = 1;
		keys[1].id = 2;
		if (hn_mesh_key_parse(FUZZ_KEY1, &keys[0]) ||
		    hn_mesh_key_parse(FUZZ_KEY2, &keys[1]))
			abort();
	}
	ret = hn_ctrl_decode(data, size, NULL, &m, keys, 2, err, sizeof(err));
	if (!strcmp(hn_ctrl_err_name(ret), "unknown"))
		abort(); /* every reason has a name */
	if (ret && (!err[0] || strlen(err) >= sizeof(err) - 1))
		abort(); /* ... and says why, in a line that fits */
	if (ret == HN_CE_OK)
		accepted(&m, 20 + (data[6] << 8 | data[7]));
	else if (ret == HN_CE_MAC)
		resigned(data, size);
	replay(data, size);
	key_parse(data, size);
	return 0;
}
