// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the model parsers.  The input is tried as a .hnm
 * image, then again with its digest fixed up (so the fuzzer also reaches
 * the accepting paths), and as a float text model.  Whatever parses must
 * serialise back to the very same bytes and run through inference.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "model.h"
#include "quant.h"

#define FUZZ_MACS_MAX (4u << 20)

static void accepted(const uint8_t *data, size_t size, struct hn_model *m)
{
	static int8_t in[HN_MODEL_MAX_DIM], out[HN_MODEL_MAX_DIM];
	static int32_t logits[HN_MODEL_MAX_DIM];
	uint64_t macs = 0;
	unsigned int i;
	void *buf;
	size_t len;

	if (hn_model_serialize(m, &buf, &len, NULL, 0))
		abort(); /* parse accepted what check rejects */
	if (len != size || memcmp(buf, data, size))
		abort(); /* not a faithful round trip */
	free(buf);
	memset(in, 0x7f, sizeof(in));
	/* Valid graphs can cost billions of MACs: keep each run short. */
	for (i = 0; i < m->n_layers; i++)
		macs += hn_op_macs(&m->layers[i].op);
	if (macs <= FUZZ_MACS_MAX)
		hn_model_infer(m, in, out, logits);
	hn_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hn_fmodel fm;
	struct hn_model m;
	char err[256];
	uint8_t *copy;
	unsigned int n;

	if (!hn_model_parse(data, size, &m, err, sizeof(err)))
		accepted(data, size, &m);
	else if (!err[0])
		abort(); /* every rejection says why */

	/* With signature type none, the digest sits 36 bytes from the end. */
	if (size >= 36 && size < (1u << 20)) {
		copy = malloc(size);
		memcpy(copy, data, size);
		EVP_Digest(copy, size - 36, copy + size - 36, &n, EVP_sha256(),
			   NULL);
		if (!hn_model_parse(copy, size, &m, err, sizeof(err)))
			accepted(copy, size, &m);
		free(copy);
	}

	if (size < 4096 &&
	    !hn_fmodel_parse((const char *)data, size, &fm, err, sizeof(err)))
		hn_fmodel_free(&fm);
	return 0;
}
