/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Quantising the shipped text models, for the tests that link the
 * learning archive (tests/tests.mk, LEARN_TESTS): a header, not a
 * helpers_*.c, because every unit test links those and most do not link
 * the quantiser.  Include it after <cmocka.h>, helpers_hn.h, model.h and
 * quant.h.
 */
#ifndef _HN_TEST_HELPERS_QUANT_H
#define _HN_TEST_HELPERS_QUANT_H

/*
 * Quantise @fm with @o into @m, calibrated on the samples in @calib_rel
 * (a path under the source tree) unless it is NULL, and serialise @m into
 * *@buf and *@len.  Fails the test, naming @what, on an error.  Returns
 * the samples read (NULL without @calib_rel) for the caller to free.
 */
static inline double *hn_t_quantize_calib(const struct hn_fmodel *fm,
					  const char *calib_rel,
					  struct hn_quant_opts *o,
					  struct hn_model *m, void **buf,
					  size_t *len, const char *what)
{
	double *calib = NULL;
	char err[512] = "";

	if (calib_rel) {
		if (hn_calib_read_file(hn_t_src(calib_rel), fm->layers[0].n_in,
				       &calib, &o->n_calib, err, sizeof(err)))
			fail_msg("%s", err);
		o->calib = calib;
	}
	if (hn_quantize(fm, o, m, NULL, err, sizeof(err)) ||
	    hn_model_serialize(m, buf, len, err, sizeof(err)))
		fail_msg("%s: %s", what, err);
	return calib;
}

#endif
