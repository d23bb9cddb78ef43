// SPDX-License-Identifier: GPL-2.0
/*
 * Not a fuzz target: a planted bug, built exactly as the fuzz targets are,
 * that tests/cli/test_sanitizers.sh runs to prove that undefined
 * behaviour fails a fuzz run (UBSan halts; it only warned before), and so
 * does a failed check.  Input "ub": a signed overflow; "oob": a heap read
 * past the end; "abort": a check failing, as fuzz targets abort(); else
 * nothing.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile int big = INT_MAX;
	char *p;
	int r;

	if (size >= 2 && !memcmp(data, "ub", 2)) {
		r = big + (int)size; /* signed overflow */
		return r == 42;
	}
	if (size >= 5 && !memcmp(data, "abort", 5))
		abort();
	if (size >= 3 && !memcmp(data, "oob", 3)) {
		p = malloc(size);
		memcpy(p, data, size);
		r = p[size + (data[0] & 1)]; /* one past the end */
		free(p);
		return r == 42;
	}
	return 0;
}
