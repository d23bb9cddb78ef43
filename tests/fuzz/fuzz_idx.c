// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the IDX reader (plain and gzip by the input's own
 * magic).  Every rejection must say why; whatever parses must serialise
 * back to the same bytes (plain input) and survive a gzip round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idx.h"

static void accepted(const uint8_t *data, size_t size, struct hn_idx *x)
{
	struct hn_idx y;
	void *buf;
	size_t len;
	int plain = !(size >= 2 && data[0] == 0x1f && data[1] == 0x8b);

	if (hn_idx_serialize(x, 0, &buf, &len, NULL, 0))
		abort();
	if (plain && (len != size || memcmp(buf, data, size)))
		abort(); /* not a faithful round trip */
	free(buf);
	if (hn_idx_serialize(x, 1, &buf, &len, NULL, 0) ||
	    hn_idx_parse(buf, len, x->n_dims, &y, NULL, 0))
		abort();
	if (y.n_items != x->n_items || y.item_len != x->item_len ||
	    memcmp(y.data, x->data, x->n_items * x->item_len))
		abort();
	free(buf);
	hn_idx_free(&y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int want[] = { 0, 1, 3 };
	struct hn_idx x;
	char err[256];
	unsigned int i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		err[0] = 0;
		if (!hn_idx_parse(data, size, want[i], &x, err, sizeof(err))) {
			accepted(data, size, &x);
			hn_idx_free(&x);
		} else if (!err[0] || x.data) {
			abort(); /* every rejection says why, leaves no data */
		}
	}
	return 0;
}
