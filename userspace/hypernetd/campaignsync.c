// SPDX-License-Identifier: GPL-2.0
/*
 * Training campaigns on the agent (Documentation/federated.rst, "The
 * campaign file").  A campaign spreads like a model: `hnctl campaign
 * start` hands the signed file to one agent, which checks it with
 * hn_campaign_accept() against its trusted keys and floods it in
 * MODEL_CHUNK frames of object HN_OBJ_CAMPAIGN (modelsync.c carries the
 * transfers); every agent reassembles and checks it on its own.  A held
 * campaign is persisted in the state directory (campaign.hnc) and
 * checked again at start; a neighbour that comes up is sent it.  A
 * campaign is stopped by a later generation of it with the STOPPED flag.
 * Rounds run in fedround.c.
 */
#include <errno.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "fileio.h"
#include "hypernetd.h"

static int cp_path(const struct hnd *d, char *buf, size_t size)
{
	return snprintf(buf, size, "%s/campaign.hnc", d->cfg.state_dir) >=
			       (int)size ?
		       -ENAMETOOLONG :
		       0;
}

/*
 * Is this node in the roster, and under its own identity key?  1 yes, 0
 * not listed, -1 listed with another key, -2 listed but this agent has
 * no identity-key.
 */
static int membership(const struct hnd *d, const struct hn_campaign *c)
{
	int i = hn_campaign_member(c, d->cfg.node_id);

	if (i < 0)
		return 0;
	if (!d->has_identity)
		return -2;
	if (memcmp(c->roster[i].key, d->identity.raw, HN_ED25519_KEY_LEN))
		return -1;
	return 1;
}

static int hold(struct hnd *d, const struct hn_campaign *c, const void *buf,
		size_t len, const char *from)
{
	struct hnd_campaign *cp = &d->cp;
	void *copy = malloc(len);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	free(cp->file);
	cp->file = copy;
	cp->len = len;
	SHA256(buf, len, cp->file_sha);
	memcpy(cp->digest, c->digest, sizeof(cp->digest));
	cp->id = c->id;
	cp->generation = c->generation;
	cp->flags = c->flags;
	cp->n = c->n;
	cp->k = c->k;
	cp->t = c->t;
	cp->member = membership(d, c);
	snprintf(cp->from, sizeof(cp->from), "%s", from);
	cp->at = hnd_unix_now();
	return 0;
}

static void refused(struct hnd *d, int why, const char *msg, const char *from)
{
	struct hnd_campaign *cp = &d->cp;

	cp->refused = why;
	snprintf(cp->refused_msg, sizeof(cp->refused_msg), "%s", msg);
	snprintf(cp->refused_from, sizeof(cp->refused_from), "%s", from);
	cp->refused_at = hnd_unix_now();
	cp->n_refused++;
	hnd_log(d, LOG_W, "campaign from %s refused (%s): %s", from,
		hn_accept_err_name(why), msg);
}

int hnd_campaign_offer(struct hnd *d, const void *buf, size_t len, bool spread,
		       const char *from, char *err, size_t errlen)
{
	char path[PATH_MAX + 16], werr[PATH_MAX + 128];
	struct hnd_campaign *cp = &d->cp;
	struct hn_campaign c;
	int acc;

	acc = hn_campaign_accept(buf, len, d->trusted, d->n_trusted, cp->id,
				 cp->file ? cp->generation : 0,
				 !!(cp->flags & HN_CP_F_STOPPED), &c, err,
				 errlen);
	if (acc) {
		refused(d, acc, err, from);
		return -EPERM;
	}
	/* On disk before it is held: a restart holds what was accepted. */
	if (cp_path(d, path, sizeof(path)) ||
	    hn_write_file(path, buf, len, 0600, 0, werr, sizeof(werr))) {
		hn_seterr(err, errlen, "cannot persist the campaign: %s", werr);
		hnd_log(d, LOG_E, "campaign %llu from %s: %s",
			(unsigned long long)c.id, from, err);
		hn_campaign_free(&c);
		return -EIO;
	}
	if (hold(d, &c, buf, len, from)) {
		hn_campaign_free(&c);
		return hn_seterr(err, errlen, "out of memory"), -ENOMEM;
	}
	hnd_log(d, LOG_I,
		"campaign %llu generation %llu from %s verified: %s, %u nodes%s",
		(unsigned long long)c.id, (unsigned long long)c.generation,
		from,
		c.flags & HN_CP_F_STOPPED ? "stopped" : "waiting for rounds",
		c.n, cp->member > 0 ? ", this node in the roster" : "");
	hn_campaign_free(&c);
	if (spread)
		hnd_send_object(d, NULL, HN_OBJ_CAMPAIGN, cp->file, cp->len,
				cp->generation, cp->file_sha);
	return 0;
}

bool hnd_campaign_held(const struct hnd *d, const __u8 digest[8])
{
	return d->cp.file && !memcmp(d->cp.file_sha, digest, 8);
}

void hnd_campaign_send_to(struct hnd *d, struct hnd_neigh *n)
{
	if (d->cp.file)
		hnd_send_object(d, n, HN_OBJ_CAMPAIGN, d->cp.file, d->cp.len,
				d->cp.generation, d->cp.file_sha);
}

/* At start: the persisted campaign, checked again as if it arrived. */
int hnd_campaign_load_state(struct hnd *d)
{
	char path[PATH_MAX + 16], err[256];
	void *buf;
	size_t len;

	if (cp_path(d, path, sizeof(path)))
		return -ENAMETOOLONG;
	if (hn_campaign_read_image(path, &buf, &len, err, sizeof(err)))
		return 0; /* none held */
	if (!hnd_campaign_offer(d, buf, len, false, "state-dir", err,
				sizeof(err)))
		hnd_log(d, LOG_I, "campaign %llu generation %llu restored",
			(unsigned long long)d->cp.id,
			(unsigned long long)d->cp.generation);
	free(buf);
	return 0;
}

void hnd_campaign_free(struct hnd *d)
{
	free(d->cp.file);
	d->cp.file = NULL;
}

static const char *state_name(const struct hnd_campaign *cp)
{
	if (!cp->file)
		return cp->refused ? "refused" : "none";
	return cp->flags & HN_CP_F_STOPPED ? "stopped" : "idle";
}

static const char *member_name(int member)
{
	static const char *const names[] = { "no-identity-key", "key-differs",
					     "no", "yes" };

	return names[member + 2];
}

static void status_json(struct hnd *d, struct jsonw *w)
{
	const struct hnd_campaign *cp = &d->cp;
	char hex[65], fl[64];
	unsigned int i;

	jsonw_obj_open(w);
	jsonw_kv_u64(w, "node", d->cfg.node_id);
	jsonw_kv_str(w, "state", state_name(cp));
	if (cp->file) {
		jsonw_kv_bool(w, "verified", true);
		jsonw_kv_u64(w, "id", cp->id);
		jsonw_kv_u64(w, "generation", cp->generation);
		jsonw_kv_str(w, "flags",
			     hn_campaign_flags_str(cp->flags, fl, sizeof(fl)));
		for (i = 0; i < 32; i++)
			sprintf(hex + 2 * i, "%02x", cp->digest[i]);
		jsonw_kv_str(w, "digest", hex);
		jsonw_kv_u64(w, "nodes", cp->n);
		jsonw_kv_u64(w, "k", cp->k);
		jsonw_kv_u64(w, "t", cp->t);
		jsonw_kv_str(w, "member", member_name(cp->member));
		jsonw_kv_str(w, "from", cp->from);
		jsonw_kv_u64(w, "accepted_at", cp->at);
		jsonw_kv_str(w, "rounds",
			     cp->flags & HN_CP_F_STOPPED ? "none" :
			     cp->member > 0		 ? "running" :
							   "not-a-member");
		hnd_fed_status(d, w, NULL);
	}
	jsonw_kv_u64(w, "refused_count", cp->n_refused);
	if (cp->refused) {
		jsonw_name(w, "last_refused");
		jsonw_obj_open(w);
		jsonw_kv_str(w, "reason", hn_accept_err_name(cp->refused));
		jsonw_kv_str(w, "message", cp->refused_msg);
		jsonw_kv_str(w, "from", cp->refused_from);
		jsonw_kv_u64(w, "at", cp->refused_at);
		jsonw_obj_close(w);
	}
	jsonw_obj_close(w);
}

static void status_text(struct hnd *d, FILE *f)
{
	const struct hnd_campaign *cp = &d->cp;
	char fl[64];

	if (!cp->file)
		fprintf(f, "node %u: no campaign held\n", d->cfg.node_id);
	else
		fprintf(f,
			"node %u: campaign %llu generation %llu verified (from %s), %s; flags %s, %u nodes (k %u, t %u), this node in the roster: %s\n",
			d->cfg.node_id, (unsigned long long)cp->id,
			(unsigned long long)cp->generation, cp->from,
			cp->flags & HN_CP_F_STOPPED ? "stopped" :
			cp->member > 0		    ? "running rounds" :
					 "idle (rounds are the roster's)",
			hn_campaign_flags_str(cp->flags, fl, sizeof(fl)), cp->n,
			cp->k, cp->t, member_name(cp->member));
	if (cp->file)
		hnd_fed_status(d, NULL, f);
	if (cp->refused)
		fprintf(f, "  last refused from %s (%s): %s\n",
			cp->refused_from, hn_accept_err_name(cp->refused),
			cp->refused_msg);
}

void hnd_campaign_status(struct hnd *d, FILE *f, struct jsonw *w)
{
	if (w)
		status_json(d, w);
	else
		status_text(d, f);
}
