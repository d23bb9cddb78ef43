// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the campaign file parser.  The input is tried as
 * is, then with its digest fixed up for an unsigned file (so the fuzzer
 * reaches the field checks behind the digest).  Whatever parses must
 * serialise back to the same bytes; every refusal must say why; and no
 * input may pass the acceptance rule under a key whose private half the
 * fuzzer does not hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "campaign.h"

/* RFC 8032 test 1's public key: nothing here holds its secret. */
static const struct hn_pubkey rfc_key = { {
	0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
	0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
	0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
} };

static void try(const uint8_t *data, size_t size)
{
	struct hn_campaign c;
	char err[256];
	void *buf;
	size_t len;

	err[0] = '\0';
	if (hn_campaign_parse(data, size, &c, err, sizeof(err))) {
		if (!err[0])
			abort(); /* every rejection says why */
		return;
	}
	if (hn_campaign_serialize(&c, &buf, &len, NULL, 0))
		abort(); /* parse accepted what check refuses */
	if (len != size || memcmp(buf, data, size))
		abort(); /* not a faithful round trip */
	free(buf);
	if (hn_campaign_member(&c, c.roster[c.n - 1].id) != c.n - 1)
		abort();
	hn_campaign_free(&c);
	if (hn_campaign_accept(data, size, &rfc_key, 1, 0, 0, 0, &c, NULL, 0) ==
	    HN_ACC_OK)
		abort(); /* a signature forged by the fuzzer */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int n;
	uint8_t *copy;

	try(data, size);
	/* Unsigned: the digest sits 36 bytes from the end. */
	if (size >= 36 && size <= HN_CP_MAX_FILE) {
		copy = malloc(size);
		memcpy(copy, data, size);
		EVP_Digest(copy, size - 36, copy + size - 36, &n, EVP_sha256(),
			   NULL);
		try(copy, size);
		free(copy);
	}
	return 0;
}
