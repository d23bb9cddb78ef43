// SPDX-License-Identifier: GPL-2.0
/*
 * hn-edge's models, and replacing them while a stream runs.  A federated
 * round (Documentation/federated.rst) installs a new encoder by renaming
 * a new file over the old one and sends SIGHUP.  The next image is
 * encoded with the new set; images in flight finish with the set that
 * encoded them, so a fallback or a check never pairs one set's encoder
 * with another's head, and no image is dropped.  A file that does not
 * load, or that would change what the stream sends, is refused and the
 * running set kept.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "hn-edge.h"

static struct edge_models sets[2];
static struct edge_models *cur, *prev;
static volatile sig_atomic_t reload_wanted;

static int model_load(const char *path, struct hn_model *m)
{
	char err[256];

	if (hn_model_read_file(path, m, err, sizeof(err))) {
		fprintf(stderr, "hn-edge: %s\n", err);
		return -1;
	}
	if (m->kind != HN_MODEL_STAGE) {
		fprintf(stderr, "hn-edge: %s: not a STAGE model\n", path);
		hn_model_free(m);
		return -1;
	}
	return 0;
}

void edge_models_free(struct edge_models *ms)
{
	unsigned int i;

	if (ms->have_enc)
		hn_model_free(&ms->enc);
	for (i = 0; i < ms->n_heads; i++)
		hn_model_free(&ms->heads[i]);
	ms->have_enc = false;
	ms->n_heads = 0;
}

/* Each head takes what the one before it gives. */
static int chain_check(const struct edge_opts *o, const struct edge_models *ms)
{
	unsigned int i, want;

	for (i = 0; i < ms->n_heads; i++) {
		want = i	    ? hn_model_n_out(&ms->heads[i - 1]) :
		       ms->have_enc ? hn_model_n_out(&ms->enc) :
				      0;
		if (want && hn_model_n_in(&ms->heads[i]) != want) {
			fprintf(stderr,
				"hn-edge: %s takes %u elements, not %u\n",
				o->heads[i], hn_model_n_in(&ms->heads[i]),
				want);
			return -1;
		}
	}
	return 0;
}

static int set_load(const struct edge_opts *o, struct edge_models *ms)
{
	memset(ms, 0, sizeof(*ms));
	if (o->encoder) {
		if (model_load(o->encoder, &ms->enc))
			return -1;
		ms->have_enc = true;
	}
	for (; ms->n_heads < o->n_heads; ms->n_heads++)
		if (model_load(o->heads[ms->n_heads], &ms->heads[ms->n_heads]))
			goto err;
	if (chain_check(o, ms))
		goto err;
	return 0;
err:
	edge_models_free(ms);
	return -1;
}

int edge_models_load(const struct edge_opts *o)
{
	if (set_load(o, &sets[0]))
		return -1;
	cur = &sets[0];
	return 0;
}

struct edge_models *edge_models_cur(void)
{
	return cur;
}

unsigned int edge_models_n_in(const struct edge_models *ms, unsigned int raw)
{
	return ms->have_enc ? hn_model_n_in(&ms->enc) :
	       ms->n_heads  ? hn_model_n_in(&ms->heads[0]) :
			      raw;
}

int edge_models_stage(const struct edge_models *ms)
{
	return ms->n_heads  ? ms->heads[0].stage :
	       ms->have_enc ? ms->enc.stage + 1 :
			      2;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_wanted = 1;
}

int edge_reload_arm(void)
{
	struct sigaction sa = { .sa_handler = on_hup, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGHUP, &sa, NULL)) {
		perror("hn-edge: sigaction SIGHUP");
		return -1;
	}
	return 0;
}

/* What the stream sends must not change under it: the input and stage. */
static int same_stream(const struct edge_opts *o, const struct edge_models *a,
		       const struct edge_models *b, unsigned int raw)
{
	if (edge_models_n_in(a, raw) != edge_models_n_in(b, raw)) {
		fprintf(stderr,
			"hn-edge: reload refused: the new models take %u elements, the stream has %u\n",
			edge_models_n_in(b, raw), edge_models_n_in(a, raw));
		return -1;
	}
	if (!o->stage_given && edge_models_stage(a) != edge_models_stage(b)) {
		fprintf(stderr,
			"hn-edge: reload refused: the stage id would change from %d to %d (restart hn-edge, or give --stage)\n",
			edge_models_stage(a), edge_models_stage(b));
		return -1;
	}
	return 0;
}

int edge_reload_poll(const struct edge_opts *o, unsigned int raw)
{
	struct edge_models *spare = cur == &sets[0] ? &sets[1] : &sets[0];

	if (!reload_wanted)
		return 0;
	/* the set before this one still answers images: wait for them */
	if (prev && prev->inflight)
		return 0;
	reload_wanted = 0;
	if (prev) {
		edge_models_free(prev);
		prev = NULL;
	}
	if (set_load(o, spare) || same_stream(o, cur, spare, raw)) {
		edge_models_free(spare);
		fprintf(stderr,
			"hn-edge: reload refused; generation %u goes on\n",
			cur->gen);
		return -1;
	}
	spare->gen = cur->gen + 1;
	prev = cur;
	cur = spare;
	fprintf(stderr, "hn-edge: models reloaded: generation %u\n", cur->gen);
	return 1;
}

/* ---- the chain, for cuts ------------------------------------------------ */

unsigned int edge_chain_len(const struct edge_models *ms)
{
	return ms->have_enc + ms->n_heads;
}

const struct hn_model *edge_chain_at(const struct edge_models *ms,
				     unsigned int i)
{
	if (ms->have_enc)
		return i ? &ms->heads[i - 1] : &ms->enc;
	return &ms->heads[i];
}

unsigned int edge_chain_first_head(const struct edge_models *ms)
{
	return ms->have_enc;
}

uint64_t edge_model_macs(const struct hn_model *m)
{
	uint64_t n = 0;
	unsigned int i;

	/* dense: n_in x n_out; convolution and pooling: their windows */
	for (i = 0; i < m->n_layers; i++)
		n += hn_op_macs(&m->layers[i].op);
	return n;
}

unsigned int edge_chain_run(const struct edge_models *ms, unsigned int from,
			    const int8_t *in, unsigned int n_in, int8_t *out)
{
	static int8_t buf[2][HN_MODEL_MAX_DIM];
	unsigned int i, len = edge_chain_len(ms), n = n_in;
	const int8_t *x = in;

	if (from >= len) {
		memcpy(out, in, n_in);
		return n_in;
	}
	for (i = from; i < len; i++) {
		const struct hn_model *m = edge_chain_at(ms, i);
		int8_t *y = i + 1 == len ? out : buf[i & 1];

		hn_model_infer(m, x, y, NULL);
		n = hn_model_n_out(m);
		x = y;
	}
	return n;
}

unsigned int edge_chain_prefix(const struct edge_models *ms, unsigned int to,
			       const int8_t *in, unsigned int n_in, int8_t *out)
{
	static int8_t buf[2][HN_MODEL_MAX_DIM];
	const int8_t *x = in;
	unsigned int i, n = n_in;

	if (!to) {
		memcpy(out, in, n_in);
		return n_in;
	}
	for (i = 0; i < to; i++) {
		const struct hn_model *m = edge_chain_at(ms, i);
		int8_t *y = i + 1 == to ? out : buf[i & 1];

		hn_model_infer(m, x, y, NULL);
		n = hn_model_n_out(m);
		x = y;
	}
	return n;
}

/*
 * The cut table of the chain as loaded: cut k sends model k's input to a
 * host of model k's stage, after models 0..k-1 ran here.
 */
void edge_chain_table(const struct edge_models *ms, unsigned int raw,
		      struct hn_cut_table *t)
{
	unsigned int k, len = edge_chain_len(ms);
	uint64_t total = 0, before = 0;

	memset(t, 0, sizeof(*t));
	for (k = 0; k < len; k++)
		total += edge_model_macs(edge_chain_at(ms, k));
	for (k = 0; k < len && k < HN_CUT_MAX; k++) {
		const struct hn_model *m = edge_chain_at(ms, k);

		t->cut[k].stage = m->stage;
		t->cut[k].before = before;
		t->cut[k].bytes = k ? hn_model_n_in(m) : raw;
		t->cut[k].after = total - before;
		before += edge_model_macs(m);
		t->n++;
	}
	t->result_bytes = len ? hn_model_n_out(edge_chain_at(ms, len - 1)) : 0;
}
