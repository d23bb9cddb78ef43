// SPDX-License-Identifier: GPL-2.0
/*
 * Signed route models.  A model file is accepted only by the rules of
 * hn_model_accept(): well formed, signed by a trusted key, newer than the
 * installed generation (persisted in the state directory, so a restart
 * cannot be talked into an older one) and not expired.  Accepted files are
 * installed in the data plane's inactive slot, which then flips, and are
 * flooded in MODEL_CHUNK frames; every node reassembles, verifies and
 * installs on its own.  A node that missed chunks catches up from a
 * neighbour: HELLOs carry the model generation, and a neighbour that is
 * behind is sent the file directly (anti-entropy).
 *
 * Training campaigns travel the same way (chunks of object
 * HN_OBJ_CAMPAIGN, campaignsync.c): the transfers below carry either
 * object, and only a whole file, verified by its own rules, is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dp.h"
#include "fileio.h"
#include "hypernetd.h"
#include "model.h"

/*
 * A neighbour behind on the model is sent it after RESEND_NS, then after
 * twice that each time its generation does not move (it may refuse the
 * file: no trusted key, say), up to RESEND_MAX_NS.
 */
#define RESEND_NS (2 * NSEC_PER_SEC)
#define RESEND_MAX_NS (64 * NSEC_PER_SEC)
/* an unfinished transfer is dropped after this */
#define XFER_TIMEOUT_NS (10 * NSEC_PER_SEC)

static int state_path(struct hnd *d, const char *name, char *buf, size_t size)
{
	return snprintf(buf, size, "%s/%s", d->cfg.state_dir, name) >=
			       (int)size ?
		       -ENAMETOOLONG :
		       0;
}

/*
 * model.hnm, then model.gen, each replaced durably (hn_write_file()): the
 * generation on disk is what refuses an older model after a restart.
 */
static int persist(struct hnd *d, const void *buf, size_t len, __u64 generation)
{
	char path[PATH_MAX + 16], gen[32], err[PATH_MAX + 128];
	int ret;

	if (state_path(d, "model.hnm", path, sizeof(path)))
		return -ENAMETOOLONG;
	ret = hn_write_file(path, buf, len, 0600, 0, err, sizeof(err));
	if (!ret) {
		state_path(d, "model.gen", path, sizeof(path));
		snprintf(gen, sizeof(gen), "%llu\n",
			 (unsigned long long)generation);
		ret = hn_write_file(path, gen, strlen(gen), 0600, 0, err,
				    sizeof(err));
	}
	if (ret)
		hnd_log(d, LOG_E,
			"cannot persist the model: %s (a restart would accept an older one)",
			err);
	return ret;
}

static void xfer_drop_superseded(struct hnd *d);

/* The installed model's file, to send to those who lack it. */
static int remember(struct hnd *d, const struct hn_model *m, const void *buf,
		    size_t len)
{
	__u8 sha[SHA256_DIGEST_LENGTH];
	void *copy = malloc(len);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	free(d->model_file);
	d->model_file = copy;
	d->model_len = len;
	d->model_gen = m->generation;
	d->model_expiry = m->expiry;
	d->model_expired = false;
	SHA256(buf, len, sha);
	memcpy(d->model_digest, sha, sizeof(d->model_digest));
	return 0;
}

/* Install the accepted @m (from image @buf) and remember the file. */
static int install(struct hnd *d, const struct hn_model *m, const void *buf,
		   size_t len, char *err, size_t errlen)
{
	struct hn_rt_model rt;

	if (hn_model_to_rt(m, &rt, err, errlen))
		return -EINVAL;
	if (hn_dp_install_model(d->dp, &rt, err, errlen)) {
		d->st.dp_errors++;
		return -EIO;
	}
	if (remember(d, m, buf, len))
		return -ENOMEM;
	d->st.model_installed++;
	d->lsa_dirty = true; /* advertise the generation */
	return 0;
}

void hnd_send_object(struct hnd *d, struct hnd_neigh *to, unsigned int object,
		     const void *file, size_t len, __u64 generation,
		     const __u8 digest[8])
{
	__u32 off;

	for (off = 0; off < len; off += HN_CHUNK_DATA_MAX) {
		struct hn_ctrl_msg m;
		struct hn_ctrl_chunk *c = &m.u.chunk;
		size_t left = len - off;
		int ret;

		hnd_msg_init(d, &m, HN_T_MODEL_CHUNK);
		c->object = object;
		c->generation = generation;
		memcpy(c->digest, digest, sizeof(c->digest));
		c->total_len = len;
		c->offset = off;
		c->chunk_len = left < HN_CHUNK_DATA_MAX ? left :
							  HN_CHUNK_DATA_MAX;
		c->data = (const __u8 *)file + off;
		if (to) {
			m.dst = to->node;
			ret = hnd_send(d, to->port, to->mac, &m);
		} else {
			ret = hnd_flood(d, &m);
		}
		if (!ret)
			d->st.chunk_tx++;
	}
}

static void send_chunks(struct hnd *d, struct hnd_neigh *to)
{
	hnd_send_object(d, to, HN_OBJ_MODEL, d->model_file, d->model_len,
			d->model_gen, d->model_digest);
}

int hnd_model_offer(struct hnd *d, const void *buf, size_t len, bool spread,
		    const char *from, char *err, size_t errlen)
{
	struct hn_model m;
	int acc, ret;

	acc = hn_model_accept(buf, len, d->trusted, d->n_trusted, d->model_gen,
			      hnd_unix_now(), &m, err, errlen);
	if (acc) {
		char why[256];

		if (acc > 0 && acc < __HN_ACC_MAX)
			d->st.model_refused[acc]++;
		hnd_log(d, LOG_W, "model from %s refused (%s): %s", from,
			hn_accept_err_name(acc), err);
		hnd_ev_model(d, 0, from, hn_accept_err_name(acc));
		/* "refused (REASON): ...": hnctl picks its hint by REASON */
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "refused (%s): %s",
			 hn_accept_err_name(acc), why);
		return -EPERM;
	}
	/*
	 * The generation is on disk before the model is live: a crash in
	 * between must not let an older signed model in after the restart.
	 */
	ret = persist(d, buf, len, m.generation);
	if (!ret)
		ret = install(d, &m, buf, len, err, errlen);
	if (ret) {
		hnd_log(d, LOG_E, "model generation %llu from %s: %s",
			(unsigned long long)m.generation, from,
			ret == -EIO || ret == -EINVAL ? err : strerror(-ret));
		hn_model_free(&m);
		return ret;
	}
	hnd_log(d, LOG_I, "model generation %llu from %s installed",
		(unsigned long long)m.generation, from);
	hnd_ev_model(d, m.generation, from, NULL);
	hn_model_free(&m);
	xfer_drop_superseded(d);
	if (spread)
		send_chunks(d, NULL);
	return 0;
}

void hnd_model_send_to(struct hnd *d, struct hnd_neigh *n)
{
	__u64 now = hnd_now(), wait = RESEND_NS;

	if (n->model_sends)
		wait <<= n->model_sends < 5 ? n->model_sends : 5;
	if (!d->model_file ||
	    (n->model_sent_ns && now - n->model_sent_ns < wait))
		return;
	n->model_sent_ns = now;
	n->model_sends++;
	hnd_log(d, LOG_D, "neighbour %u has model %llu, sending %llu", n->node,
		(unsigned long long)n->model_gen,
		(unsigned long long)d->model_gen);
	send_chunks(d, n);
}

/*
 * Transfers.  What a chunk claims (generation, digest, length) is believed
 * only once the whole file verifies, and any node holding the mesh key can
 * forge chunks.  So no claim gives a transfer priority: HND_XFER_SLOTS run
 * side by side, a new one takes a free slot or else the one whose last new
 * chunk is the oldest (a forged chunk never followed up goes first), and
 * each is dropped XFER_TIMEOUT_NS after it started.  A genuine file's
 * chunks come in one burst, so a forged transfer delays it only if
 * HND_XFER_SLOTS others make progress during that burst; anti-entropy
 * resends what is lost.  Every chunk not used is counted by reason.
 */
static void xfer_reset(struct hnd_xfer *x)
{
	free(x->buf);
	free(x->have);
	memset(x, 0, sizeof(*x));
}

static int xfer_start(struct hnd_xfer *x, const struct hn_ctrl_chunk *c,
		      __u64 now)
{
	xfer_reset(x);
	x->n_chunks =
		(c->total_len + HN_CHUNK_DATA_MAX - 1) / HN_CHUNK_DATA_MAX;
	x->buf = malloc(c->total_len);
	x->have = calloc(x->n_chunks, 1);
	if (!x->buf || !x->have) {
		xfer_reset(x);
		return -ENOMEM;
	}
	x->object = c->object;
	x->generation = c->generation;
	memcpy(x->digest, c->digest, sizeof(x->digest));
	x->total_len = c->total_len;
	x->started_ns = x->last_ns = now;
	return 0;
}

static bool xfer_matches(const struct hnd_xfer *x,
			 const struct hn_ctrl_chunk *c)
{
	return x->buf && x->object == c->object &&
	       x->generation == c->generation && x->total_len == c->total_len &&
	       !memcmp(x->digest, c->digest, sizeof(x->digest));
}

/* The slot for a new transfer: a free one, else the least recently fed. */
static struct hnd_xfer *xfer_slot(struct hnd *d)
{
	struct hnd_xfer *x, *lru = &d->xfer[0];

	for (x = d->xfer; x < d->xfer + HND_XFER_SLOTS; x++) {
		if (!x->buf)
			return x;
		if (x->last_ns < lru->last_ns)
			lru = x;
	}
	hnd_log(d, LOG_D,
		"model generation %llu: %u of %u chunks, dropped for a newer transfer",
		(unsigned long long)lru->generation, lru->n_have,
		lru->n_chunks);
	d->st.xfer_evicted++;
	xfer_reset(lru);
	return lru;
}

/* After an install: unfinished transfers it makes pointless. */
static void xfer_drop_superseded(struct hnd *d)
{
	struct hnd_xfer *x;

	for (x = d->xfer; x < d->xfer + HND_XFER_SLOTS; x++) {
		if (!x->buf || x->object != HN_OBJ_MODEL ||
		    x->generation > d->model_gen)
			continue;
		d->st.xfer_superseded++;
		xfer_reset(x);
	}
}

/* Chunks are cut at HN_CHUNK_DATA_MAX: anything else is forged. */
static bool chunk_cut_ok(const struct hn_ctrl_chunk *c)
{
	__u32 left = c->total_len - c->offset;

	return c->offset < c->total_len && !(c->offset % HN_CHUNK_DATA_MAX) &&
	       c->chunk_len ==
		       (left < HN_CHUNK_DATA_MAX ? left : HN_CHUNK_DATA_MAX);
}

static void xfer_complete(struct hnd *d, struct hnd_xfer *x, __u32 src)
{
	char err[200], from[32];
	__u32 len = x->total_len;
	unsigned int object = x->object;
	__u8 *buf = x->buf;

	/* the slot is free before the offer, which may drop others */
	x->buf = NULL;
	xfer_reset(x);
	snprintf(from, sizeof(from), "node %u", src);
	if (object == HN_OBJ_CAMPAIGN)
		hnd_campaign_offer(d, buf, len, false, from, err, sizeof(err));
	else
		hnd_model_offer(d, buf, len, false, from, err, sizeof(err));
	free(buf);
}

void hnd_chunk_rx(struct hnd *d, const struct hn_ctrl_msg *m)
{
	const struct hn_ctrl_chunk *c = &m->u.chunk;
	struct hnd_xfer *x;
	__u64 now = hnd_now();
	__u32 i;

	d->st.chunk_rx++;
	if (c->object == HN_OBJ_CAMPAIGN ? hnd_campaign_held(d, c->digest) :
					   c->generation <= d->model_gen) {
		d->st.chunk_old++;
		return;
	}
	if (!chunk_cut_ok(c)) {
		d->st.chunk_bad++;
		return;
	}
	for (x = d->xfer; x < d->xfer + HND_XFER_SLOTS; x++)
		if (xfer_matches(x, c))
			break;
	if (x == d->xfer + HND_XFER_SLOTS) {
		x = xfer_slot(d);
		if (xfer_start(x, c, now)) {
			d->st.chunk_nomem++;
			return;
		}
	}
	i = c->offset / HN_CHUNK_DATA_MAX;
	if (x->have[i]) {
		d->st.chunk_dup++;
		return;
	}
	memcpy(x->buf + c->offset, c->data, c->chunk_len);
	x->have[i] = 1;
	x->last_ns = now;
	if (++x->n_have == x->n_chunks)
		xfer_complete(d, x, m->src);
}

void hnd_model_tick(struct hnd *d, __u64 now)
{
	struct hnd_xfer *x;

	if (d->model_expiry && !d->model_expired &&
	    hnd_unix_now() >= d->model_expiry) {
		/* an expired model must not decide: shortest paths instead */
		hn_dp_clear_model(d->dp);
		d->model_expired = true;
		hnd_log(d, LOG_W,
			"model generation %llu expired; decisions fall back to the shortest path until a newer one arrives",
			(unsigned long long)d->model_gen);
	}
	for (x = d->xfer; x < d->xfer + HND_XFER_SLOTS; x++) {
		if (!x->buf || now - x->started_ns <= XFER_TIMEOUT_NS)
			continue;
		hnd_log(d, LOG_W,
			"model generation %llu: %u of %u chunks after %llu s, dropped",
			(unsigned long long)x->generation, x->n_have,
			x->n_chunks,
			(unsigned long long)(XFER_TIMEOUT_NS / NSEC_PER_SEC));
		d->st.xfer_expired++;
		xfer_reset(x);
	}
}

/*
 * At start: the persisted generation, then the persisted file if the data
 * plane has no model (a fresh boot), then the configured file if newer.
 */
int hnd_model_load_state(struct hnd *d)
{
	char path[PATH_MAX + 16], err[256];
	unsigned long long gen = 0;
	struct hn_rt_model cur;
	void *buf;
	size_t len;
	FILE *f;

	if (state_path(d, "model.gen", path, sizeof(path)))
		return -ENAMETOOLONG;
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &gen) != 1)
			gen = 0;
		fclose(f);
	}
	state_path(d, "model.hnm", path, sizeof(path));
	if (hn_read_file(path, HN_MODEL_XFER_MAX, 0, &buf, &len, err,
			 sizeof(err)))
		buf = NULL;
	if (buf && gen) {
		struct hn_model m;
		int acc;

		/* re-verified: the state directory is not trusted more */
		acc = hn_model_accept(buf, len, d->trusted, d->n_trusted,
				      gen - 1, hnd_unix_now(), &m, err,
				      sizeof(err));
		if (!acc && m.generation == gen) {
			if (hn_dp_get_model(d->dp, &cur))
				install(d, &m, buf, len, err, sizeof(err));
			else
				remember(d, &m, buf, len);
			hnd_log(d, LOG_I, "model generation %llu restored",
				gen);
		} else if (acc == HN_ACC_EXPIRED) {
			/* an expired model must not go on deciding */
			hn_dp_clear_model(d->dp);
			hnd_log(d, LOG_W,
				"persisted model expired: %s; taken out of the data plane",
				err);
		} else if (acc) {
			hnd_log(d, LOG_W, "persisted model not used: %s", err);
		} else {
			hnd_log(d, LOG_W,
				"persisted model is generation %llu, model.gen says %llu (a crash between the two writes?): not used",
				(unsigned long long)m.generation, gen);
		}
		if (!acc)
			hn_model_free(&m);
	}
	free(buf);
	if (d->model_gen < gen)
		d->model_gen = gen; /* never accept older, file or not */
	if (d->cfg.model[0]) {
		if (hn_read_file(d->cfg.model, HN_MODEL_XFER_MAX, 0, &buf, &len,
				 err, sizeof(err))) {
			hnd_log(d, LOG_E, "model: %s", err);
			return -ENOENT;
		}
		hnd_model_offer(d, buf, len, false, d->cfg.model, err,
				sizeof(err));
		free(buf);
	}
	return 0;
}
