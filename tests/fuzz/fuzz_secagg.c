// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the secure-aggregation message parser.  Whatever
 * parses must encode again to the same bytes (the encoding is byte-exact
 * and has one form), every item must lie inside the input, and no
 * signature by the fuzz key may verify on bytes it did not sign.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sa_msg.h"

static void reencode(const struct hn_sa_msg *m, const uint8_t *data,
		     size_t size)
{
	size_t len, items = (size_t)m->count * m->item_len;
	uint8_t *buf;

	buf = hn_sa_msg_new(m->type, m->campaign, m->round, m->sender,
			    m->type == HN_SA_ADVERTISE ? 0 : m->count, &len);
	if (!buf)
		abort();
	if (m->type == HN_SA_SHARES_FWD)
		hn_sa_put32(buf + HN_SA_HDR_LEN, m->to);
	if (len != size || m->items < data || m->items + items > data + size)
		abort();
	memcpy(hn_sa_msg_items(buf), m->items, items);
	memcpy(buf + len - HN_SA_SIG_LEN, data + len - HN_SA_SIG_LEN,
	       HN_SA_SIG_LEN);
	if (memcmp(buf, data, size))
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pk[HN_SA_KEY_LEN] = { 1 };
	struct hn_sa_msg m;
	char err[256];

	if (hn_sa_msg_parse(data, size, &m, err, sizeof(err)))
		return 0;
	reencode(&m, data, size);
	if (m.type != HN_SA_MASKED || m.count < 64)
		hn_sa_msg_verify(&m, pk);
	return 0;
}
