// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the frame parser.  A frame that parses must build
 * back to the same bytes (up to Ethernet padding and the reserved bytes,
 * which are ignored on receive), and tensor frames go through reassembly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hn_reasm r;
	static uint8_t buf[70000], ref[70000];
	struct hn_frame f, g;
	size_t len;
	int ret;

	ret = hn_frame_parse(data, size, 0, &f);
	if (!strcmp(hn_frame_strerror(ret), "unknown error"))
		abort(); /* every reason has a description */
	if (ret)
		return 0;
	if (hn_frame_build(&f, buf, sizeof(buf), &len))
		abort(); /* parsed, but would not build */
	if (len > size || hn_frame_parse(buf, len, 0, &g))
		abort();
	/* Same bytes, but the reserved ones are zeroed on send. */
	memcpy(ref, data, len);
	ref[HN_ETH_HLEN + 5] = 0;
	if (f.type == HN_T_TENSOR)
		memset(ref + HN_ETH_HLEN + HN_HDR_LEN + 18, 0, 2);
	if (memcmp(buf, ref, len))
		abort();
	if (f.type == HN_T_TENSOR) {
		hn_reasm_init(&r, 0);
		ret = hn_reasm_add(&r, &f);
		if (ret < 0 && ret != -EINVAL)
			abort();
		if (ret == 1 && memcmp(r.data, f.payload, f.payload_len))
			abort();
	}
	return 0;
}
