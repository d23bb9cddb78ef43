// SPDX-License-Identifier: GPL-2.0
/*
 * Fashion-MNIST through the IDX reader, its pixels as float inputs, and
 * the shift augmentation.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmnist.h"
#include "idx.h"

static int load_pair(const char *dir, const char *prefix, struct hn_idx *img,
		     struct hn_idx *lab, char *err, size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s-images-idx3-ubyte.gz", dir, prefix);
	if (hn_idx_read_file(path, 3, img, err, errlen))
		return -1;
	if (img->dims[1] != FM_SIDE || img->dims[2] != FM_SIDE)
		return hn_seterr(err, errlen, "%s: images are %ux%u, not %ux%u",
				 path, img->dims[1], img->dims[2], FM_SIDE,
				 FM_SIDE);
	snprintf(path, sizeof(path), "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
	if (hn_idx_read_file(path, 1, lab, err, errlen))
		return -1;
	return hn_idx_check_pair(img, lab, err, errlen);
}

int fm_load(const char *dir, const char *prefix, struct fm_set *s, char *err,
	    size_t errlen)
{
	struct hn_idx img, lab;
	size_t i;

	memset(s, 0, sizeof(*s));
	memset(&lab, 0, sizeof(lab));
	if (load_pair(dir, prefix, &img, &lab, err, errlen))
		goto fail;
	for (i = 0; i < lab.n_items; i++)
		if (lab.data[i] >= FM_CLASSES) {
			hn_seterr(err, errlen,
				  "%s labels: label %u at item %zu is not 0..9",
				  prefix, lab.data[i], i);
			goto fail;
		}
	s->n = img.n_items;
	s->pix = img.data; /* ownership moves to @s */
	s->label = lab.data;
	return 0;
fail:
	hn_idx_free(&img);
	hn_idx_free(&lab);
	return -1;
}

void fm_free(struct fm_set *s)
{
	free(s->pix);
	free(s->label);
	memset(s, 0, sizeof(*s));
}

int fm_have_data(const char *dir)
{
	static const char *const f[] = {
		"train-images-idx3-ubyte.gz",
		"train-labels-idx1-ubyte.gz",
		"t10k-images-idx3-ubyte.gz",
		"t10k-labels-idx1-ubyte.gz",
	};
	char path[4096];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, f[i]);
		if (access(path, R_OK))
			return 0;
	}
	return 1;
}

void fm_pixels(const uint8_t *pix, double *x)
{
	unsigned int k;

	for (k = 0; k < FM_PIX; k++)
		x[k] = ldexp(fm_pixel(pix[k]), FM_IN_EXP);
}

void fm_augment(const uint8_t *src, uint8_t *dst, uint64_t *rng, int max)
{
	uint64_t r = fm_rand(rng);
	int dx = (int)(r % (2 * max + 1)) - max;
	int dy = (int)((r >> 16) % (2 * max + 1)) - max;
	int y, sy, x0, x1;

	memset(dst, 0, FM_PIX);
	/* columns that stay inside the image after the shift */
	x0 = dx < 0 ? -dx : 0;
	x1 = dx > 0 ? FM_SIDE - dx : FM_SIDE;
	for (y = 0; y < FM_SIDE; y++) {
		sy = y - dy;
		if (sy < 0 || sy >= FM_SIDE)
			continue;
		memcpy(dst + y * FM_SIDE + x0 + dx, src + sy * FM_SIDE + x0,
		       x1 - x0);
	}
}
