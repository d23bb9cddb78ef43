// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for round-message reassembly (fedxfer.h).  The input
 * is a script of fragments from a few senders into one receiver with
 * small caps: each 12-byte step names a sender, a message, its length, a
 * fragment and a clock step.  Invariants checked after every step: the
 * buffered bytes never pass the caps and equal the sum of the live
 * transfers; a completed message equals what its fragments carried (the
 * content of a message is a function of its sender, id and offset).  The
 * sender side is driven against the receiver too: whatever it sends in
 * the end arrives whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fedxfer.h"

static const struct hn_fx_limits lim = {
	.slots = 6,
	.peer_live = 2,
	.peer_bytes = 40000,
	.total_bytes = 60000,
	.timeout_ns = 5000,
};

static uint8_t content(uint32_t src, uint32_t id, uint32_t off)
{
	return (uint8_t)(src * 7 + id * 13 + off * 3 + (off >> 9));
}

static void check(const struct hn_fx_rx *r)
{
	size_t sum = 0, peer[4] = { 0 };
	unsigned int i;

	for (i = 0; i < r->lim.slots; i++) {
		const struct hn_fx_in *in = &r->in[i];

		if (!in->src || !in->buf)
			continue;
		sum += in->h.total_len;
		if (!in->done)
			peer[in->src & 3] += in->h.total_len;
	}
	if (sum != r->bytes || r->bytes > lim.total_bytes)
		abort();
	for (i = 0; i < 4; i++)
		if (peer[i] > lim.peer_bytes)
			abort();
}

static void step(struct hn_fx_rx *r, const uint8_t *p, uint64_t *now)
{
	static uint8_t data[HN_FED_FRAG_MAX];
	struct hn_ctrl_fed f = {
		.campaign = 1, .round = p[0] & 1, .kind = 1, .op = HN_FED_DATA
	};
	uint32_t src = 1 + (p[1] & 3), i, n;
	struct hn_fx_in *in;
	enum hn_fx_res res;
	uint8_t *msg;

	f.msg_id = p[2] & 7;
	f.total_len = 1 + ((uint32_t)p[3] << 8 | p[4]) % 30000;
	n = hn_fed_frags(f.total_len);
	i = ((uint32_t)p[5] << 8 | p[6]) % n;
	f.offset = i * HN_FED_FRAG_MAX;
	f.frag_len = f.total_len - f.offset < HN_FED_FRAG_MAX ?
			     f.total_len - f.offset :
			     HN_FED_FRAG_MAX;
	f.attempt = p[7] & 1;
	for (n = 0; n < f.frag_len; n++)
		data[n] = content(src, f.msg_id, f.offset + n);
	f.data = data;
	*now += p[8] << 4;
	if (p[9] & 1)
		hn_fx_rx_expire(r, *now);
	res = hn_fx_rx_add(r, src, &f, *now, &in);
	if ((res == HN_FX_REFUSED || res == HN_FX_MISMATCH) != !in)
		abort();
	if (res == HN_FX_COMPLETE) {
		msg = hn_fx_rx_take(r, in);
		if (!msg)
			abort();
		for (n = 0; n < f.total_len; n++)
			if (msg[n] != content(src, f.msg_id, n))
				abort();
		free(msg);
	}
	check(r);
}

/* A whole message through hn_fx_out with the input's loss pattern. */
static void sender(const uint8_t *p, size_t size)
{
	struct hn_fx_hdr h = { 3, 1, 9, 1 + (size * 97) % 20000, 0, 2 };
	struct hn_fx_out o;
	struct hn_fx_rx r;
	struct hn_fx_in *in;
	uint32_t idx[32], i, k = 0;
	uint64_t now = 1;
	uint8_t *buf = malloc(h.total_len), *got = NULL;
	int done = 0;

	if (!buf || hn_fx_rx_init(&r, &lim))
		abort();
	for (i = 0; i < h.total_len; i++)
		buf[i] = content(5, 9, i);
	if (hn_fx_out_init(&o, 2, &h, buf, now))
		abort();
	while (!done && now < 1000000) {
		unsigned int n = hn_fx_out_due(&o, now, 100, 8, idx, 32);

		for (i = 0; i < n; i++) {
			struct hn_ctrl_fed f, s;
			enum hn_fx_res res;

			hn_fx_out_frag(&o, idx[i], &f);
			/* lost when the input says so, never forever */
			if (size && (p[k++ % size] & 3) == 0 && now < 500000)
				continue;
			res = hn_fx_rx_add(&r, 5, &f, now, &in);
			if (!in)
				abort();
			if (res == HN_FX_COMPLETE)
				got = hn_fx_rx_take(&r, in);
			if (hn_fx_rx_sack_due(in, res) ||
			    !(p[k % (size ?: 1)] & 4)) {
				hn_fx_rx_sack(in, &s);
				done = hn_fx_out_sack(&o, &s, now) == 1;
			}
		}
		now += 50;
	}
	if (!done || !got || memcmp(got, o.buf, h.total_len))
		abort();
	free(got);
	hn_fx_out_free(&o);
	hn_fx_rx_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hn_fx_rx r;
	uint64_t now = 1;
	size_t i;

	if (hn_fx_rx_init(&r, &lim))
		abort();
	for (i = 0; i + 12 <= size; i += 12)
		step(&r, data + i, &now);
	hn_fx_rx_free(&r);
	sender(data, size);
	return 0;
}
