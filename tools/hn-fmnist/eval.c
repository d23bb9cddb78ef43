// SPDX-License-Identifier: GPL-2.0
/*
 * The split pipeline as the mesh runs it: encoder .hnm, then the head
 * .hnm (or head-a then head-b), all through hn_model_infer(), the
 * module's arithmetic; the class is the argmax of the int8 logits, first
 * index on ties.  The float text models give the float reference.
 */
#include <stdio.h>
#include <string.h>

#include "fmnist.h"
#include "jsonw.h"

static const char *const class_names[FM_CLASSES] = {
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal",      "Shirt",	  "Sneaker",  "Bag",   "Ankle boot",
};

static int load_hnm(const char *dir, const struct fm_part *p,
		    struct hn_model *m, char *err, size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.hnm", dir, p->name);
	if (hn_model_read_file(path, m, err, errlen))
		return -1;
	if (m->kind != HN_MODEL_STAGE || m->stage != p->stage)
		return hn_seterr(err, errlen, "%s: not a stage %u model", path,
				 p->stage);
	return 0;
}

/* The parts must chain: 784 -> bottleneck -> 10, head-a -> head-b. */
static int check_chain(const struct fm_models *ms, char *err, size_t errlen)
{
	unsigned int nb = hn_model_n_out(&ms->enc);

	if (hn_model_n_in(&ms->enc) != FM_PIX ||
	    hn_model_n_in(&ms->head) != nb ||
	    hn_model_n_out(&ms->head) != FM_CLASSES ||
	    hn_model_n_in(&ms->head_a) != nb ||
	    hn_model_n_in(&ms->head_b) != hn_model_n_out(&ms->head_a) ||
	    hn_model_n_out(&ms->head_b) != FM_CLASSES)
		return hn_seterr(
			err, errlen,
			"models do not chain: encoder %u -> %u, head %u -> %u, head-a %u -> %u, head-b %u -> %u",
			hn_model_n_in(&ms->enc), nb, hn_model_n_in(&ms->head),
			hn_model_n_out(&ms->head), hn_model_n_in(&ms->head_a),
			hn_model_n_out(&ms->head_a), hn_model_n_in(&ms->head_b),
			hn_model_n_out(&ms->head_b));
	return 0;
}

int fm_models_load(const char *hnm_dir, const char *txt_dir,
		   struct fm_models *ms, char *err, size_t errlen)
{
	memset(ms, 0, sizeof(*ms));
	if (load_hnm(hnm_dir, &fm_parts[0], &ms->enc, err, errlen) ||
	    load_hnm(hnm_dir, &fm_parts[1], &ms->head, err, errlen) ||
	    load_hnm(hnm_dir, &fm_parts[2], &ms->head_a, err, errlen) ||
	    load_hnm(hnm_dir, &fm_parts[3], &ms->head_b, err, errlen) ||
	    check_chain(ms, err, errlen))
		goto fail;
	if (txt_dir) {
		if (fm_read_text(txt_dir, &fm_parts[0], &ms->fenc, err,
				 errlen) ||
		    fm_read_text(txt_dir, &fm_parts[1], &ms->fhead, err,
				 errlen))
			goto fail;
		ms->have_float = 1;
	}
	return 0;
fail:
	fm_models_free(ms);
	return -1;
}

void fm_models_free(struct fm_models *ms)
{
	hn_model_free(&ms->enc);
	hn_model_free(&ms->head);
	hn_model_free(&ms->head_a);
	hn_model_free(&ms->head_b);
	hn_fmodel_free(&ms->fenc);
	hn_fmodel_free(&ms->fhead);
	memset(ms, 0, sizeof(*ms));
}

int fm_classify(const struct fm_models *ms, const uint8_t *pix, int8_t *bott,
		int8_t *logits)
{
	int8_t in[FM_PIX];
	float z[FM_CLASSES];
	unsigned int k;

	for (k = 0; k < FM_PIX; k++)
		in[k] = fm_pixel(pix[k]);
	hn_model_infer(&ms->enc, in, bott, NULL);
	hn_model_infer(&ms->head, bott, logits, NULL);
	for (k = 0; k < FM_CLASSES; k++)
		z[k] = logits[k]; /* exact: the same order and ties */
	return fm_argmax(z);
}

static unsigned int classify_float(const struct fm_models *ms,
				   const uint8_t *pix)
{
	double x[FM_PIX], b[HN_MODEL_MAX_DIM], z[FM_CLASSES];
	unsigned int k, best = 0;

	fm_pixels(pix, x);
	hn_fmodel_infer(&ms->fenc, x, b);
	hn_fmodel_infer(&ms->fhead, b, z);
	for (k = 1; k < FM_CLASSES; k++)
		if (z[k] > z[best])
			best = k;
	return best;
}

/* Does head-a then head-b give the one-part head's logits exactly? */
static int split_matches(const struct fm_models *ms, const int8_t *bott,
			 const int8_t *logits)
{
	int8_t hid[HN_MODEL_MAX_DIM], out[FM_CLASSES];

	hn_model_infer(&ms->head_a, bott, hid, NULL);
	hn_model_infer(&ms->head_b, hid, out, NULL);
	return !memcmp(out, logits, FM_CLASSES);
}

void fm_evaluate(const struct fm_models *ms, const struct fm_set *s,
		 size_t limit, struct fm_eval *ev)
{
	int8_t bott[HN_MODEL_MAX_DIM], logits[FM_CLASSES];
	unsigned int y, c;
	size_t i;

	memset(ev, 0, sizeof(*ev));
	ev->n = limit && limit < s->n ? limit : s->n;
	ev->payload = hn_model_n_out(&ms->enc);
	ev->have_float = ms->have_float;
	for (i = 0; i < ev->n; i++) {
		const uint8_t *pix = s->pix + i * FM_PIX;

		y = s->label[i];
		c = fm_classify(ms, pix, bott, logits);
		ev->ok_fixed += c == y;
		ev->confusion[y][c]++;
		ev->split_mismatch += !split_matches(ms, bott, logits);
		if (!ms->have_float)
			continue;
		c = classify_float(ms, pix);
		ev->ok_float += c == y;
		ev->confusion_float[y][c]++;
	}
}

static void json_matrix(struct jsonw *w, const char *name,
			const unsigned int m[FM_CLASSES][FM_CLASSES])
{
	unsigned int i, j;

	jsonw_name(w, name);
	jsonw_arr_open(w);
	for (i = 0; i < FM_CLASSES; i++) {
		jsonw_arr_open(w);
		for (j = 0; j < FM_CLASSES; j++)
			jsonw_u64(w, m[i][j]);
		jsonw_arr_close(w);
	}
	jsonw_arr_close(w);
}

void fm_eval_json(const struct fm_eval *ev, FILE *f)
{
	struct jsonw w;
	unsigned int i;

	jsonw_init(&w, f);
	jsonw_obj_open(&w);
	jsonw_kv_u64(&w, "images", ev->n);
	jsonw_kv_float(&w, "accuracy_fixed", (double)ev->ok_fixed / ev->n);
	if (ev->have_float)
		jsonw_kv_float(&w, "accuracy_float",
			       (double)ev->ok_float / ev->n);
	jsonw_kv_u64(&w, "payload_bytes_per_image", ev->payload);
	jsonw_kv_u64(&w, "split_head_mismatches", ev->split_mismatch);
	jsonw_name(&w, "classes");
	jsonw_arr_open(&w);
	for (i = 0; i < FM_CLASSES; i++)
		jsonw_str(&w, class_names[i]);
	jsonw_arr_close(&w);
	/* rows: true class, columns: predicted */
	json_matrix(&w, "confusion", ev->confusion);
	if (ev->have_float)
		json_matrix(&w, "confusion_float", ev->confusion_float);
	jsonw_obj_close(&w);
	fputc('\n', f);
}

const char *fm_class_name(unsigned int c)
{
	return c < FM_CLASSES ? class_names[c] : "?";
}
