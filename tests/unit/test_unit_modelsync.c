// SPDX-License-Identifier: GPL-2.0
/*
 * hypernetd's model transfers (modelsync.c), the campaigns they also carry
 * (campaignsync.c) and persisted state (model and campaign files, the LSA
 * sequence in gossip.c), linked from the agent's archive
 * against stubs of main.c, the ports and the data plane.  Model files are
 * really signed and verified; fsync() and rename() are wrapped, passing
 * through to the kernel, to see what reached the disk and in which order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/sha.h>

#include "campaign.h"
#include "dp.h"
#include "helpers_hn.h"
#include "model.h"
#include "sign.h"
#include "../../userspace/hypernetd/hypernetd.h"

/* ---- stubs: clock, log, ports, data plane ------------------------------- */

static __u64 fake_now = 1000 * NSEC_PER_SEC;
static unsigned int dp_installs, dp_clears, floods, sends;

__u64 hnd_now(void)
{
	return fake_now;
}

/* the real wall clock: the expiry tests set theirs around it */
__u64 hnd_unix_now(void)
{
	return (__u64)time(NULL);
}

void hnd_log(struct hnd *d, int level, const char *fmt, ...)
{
}

void hnd_log_rl(struct hnd *d, struct hnd_rl *rl, int level, const char *fmt,
		...)
{
}

/* the XDP hooks: the control requests' status reads them */
void hnd_xdp_check_all(struct hnd *d)
{
}

/* a reload (reload.c) opens ports: test_unit_reload has its decisions */
int hnd_reload(struct hnd *d, FILE *f, struct jsonw *w)
{
	fprintf(f, "reload: not in this test");
	return -1;
}

void hn_dp_xdp_describe(const struct hn_dp_xdp_state *st, char *buf, size_t len)
{
	snprintf(buf, len, "nothing (a test)");
}

void hnd_msg_init(struct hnd *d, struct hn_ctrl_msg *m, __u8 type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->src = d->cfg.node_id;
}

int hnd_send(struct hnd *d, int p, const __u8 *mac, struct hn_ctrl_msg *m)
{
	sends++;
	return 0;
}

int hnd_flood(struct hnd *d, struct hn_ctrl_msg *m)
{
	floods++;
	return 0;
}

struct hnd_neigh *hnd_neigh_find(struct hnd *d, __u32 node)
{
	return NULL;
}

int hnd_neigh_dp_idx(struct hnd *d, __u32 node)
{
	return -1;
}

int hn_dp_install_model(struct hn_dp *dp, const struct hn_rt_model *m,
			char *err, size_t errlen)
{
	dp_installs++;
	return 0;
}

int hn_dp_clear_model(struct hn_dp *dp)
{
	dp_clears++;
	return 0;
}

int hn_dp_get_model(struct hn_dp *dp, struct hn_rt_model *m)
{
	return dp_installs ? 0 : -ENOENT;
}

int hn_dp_set_route(struct hn_dp *dp, __u32 dst, const struct hn_dp_route *rt,
		    char *err, size_t errlen)
{
	return 0;
}

int hn_dp_del_route(struct hn_dp *dp, __u32 dst)
{
	return 0;
}

int hn_dp_set_task(struct hn_dp *dp, __u32 task, const struct hn_dp_task *t,
		   char *err, size_t errlen)
{
	return 0;
}

int hn_dp_del_task(struct hn_dp *dp, __u32 task)
{
	return 0;
}

int hn_dp_map_fd(struct hn_dp *dp, const char *name)
{
	return -1;
}

__u32 hn_dp_config_map_id(const struct hn_dp *dp)
{
	return 0;
}

/* ---- what reached the disk: fsync() and rename(), in order -------------- */

struct op {
	char what; /* 's' fsync, 'r' rename */
	char name[64]; /* file renamed to, or synced ("" a dir) */
};

static struct op ops[64];
static unsigned int n_ops;

int fsync(int fd)
{
	char link[64], target[512] = "";
	struct stat st;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (n_ops < 64 && !fstat(fd, &st) &&
	    readlink(link, target, sizeof(target) - 1) > 0) {
		ops[n_ops].what = 's';
		snprintf(ops[n_ops++].name, sizeof(ops[0].name), "%s",
			 S_ISDIR(st.st_mode) ? "" : strrchr(target, '/') + 1);
	}
	return syscall(SYS_fsync, fd);
}

int rename(const char *from, const char *to)
{
	if (n_ops < 64) {
		ops[n_ops].what = 'r';
		snprintf(ops[n_ops++].name, sizeof(ops[0].name), "%s",
			 strrchr(to, '/') + 1);
	}
	return syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to);
}

/*
 * @name was replaced durably: its temporary synced, renamed over it, then
 * the directory synced, in that order (other files' steps may come between).
 */
static void assert_durable(const char *name)
{
	unsigned int i, step = 0;
	char tmp[80];

	snprintf(tmp, sizeof(tmp), "%s.", name);
	for (i = 0; i < n_ops && step < 3; i++) {
		if (step == 0 && ops[i].what == 's' &&
		    !strncmp(ops[i].name, tmp, strlen(tmp)))
			step = 1;
		else if (step == 1 && ops[i].what == 'r' &&
			 !strcmp(ops[i].name, name))
			step = 2;
		else if (step == 2 && ops[i].what == 's' && !ops[i].name[0])
			step = 3;
	}
	if (step != 3)
		fail_msg("%s: only %u of 3 steps (sync, rename, sync dir) seen",
			 name, step);
}

/* ---- fixtures ------------------------------------------------------------ */

static struct hnd agent;
/* The object of the chunks chunk() makes: models unless a test says. */
static unsigned int chunk_object;
static char dir[] = "/tmp/hn-modelsync-test-XXXXXX";
static struct hn_pubkey pub;

static int group_setup(void **state)
{
	return hn_t_dir_make(dir) || hn_t_keypair("a", &pub) ? -1 : 0;
}

static int group_teardown(void **state)
{
	hn_t_dir_remove();
	return 0;
}

static int teardown(void **state)
{
	unsigned int i;

	for (i = 0; i < HND_XFER_SLOTS; i++) {
		free(agent.xfer[i].buf);
		free(agent.xfer[i].have);
	}
	free(agent.model_file);
	hnd_campaign_free(&agent);
	memset(&agent, 0, sizeof(agent));
	return 0;
}

static int setup(void **state)
{
	teardown(state);
	hnd_config_defaults(&agent.cfg);
	agent.cfg.node_id = 1;
	hn_t_rm_tree(hn_t_path("state"));
	assert_int_equal(mkdir(hn_t_path("state"), 0700), 0);
	strcpy(agent.cfg.state_dir, hn_t_path("state"));
	agent.trusted[0] = pub;
	agent.n_trusted = 1;
	dp_installs = dp_clears = floods = sends = 0;
	n_ops = 0;
	chunk_object = HN_OBJ_MODEL;
	return 0;
}

/* A signed route model file (one chunk: route models are 260 bytes). */
static void *route_file(uint64_t gen, uint64_t expiry, size_t *len)
{
	struct hn_model m;
	char err[256] = "";
	void *plain, *img;
	size_t plen;

	hn_t_seed(gen);
	hn_t_route_model(&m);
	m.generation = gen;
	m.expiry = expiry;
	assert_int_equal(hn_model_serialize(&m, &plain, &plen, NULL, 0), 0);
	hn_model_free(&m);
	assert_int_equal(hn_model_sign_image(plain, plen, hn_t_path("a.key"),
					     &img, len, err, sizeof(err)),
			 0);
	free(plain);
	return img;
}

/*
 * A signed stage model of two chunks: whole and intact it parses and
 * verifies, and is refused only for its kind (not a route model).
 */
static void *stage_file(uint64_t gen, size_t *len)
{
	struct hn_model m = { .kind = HN_MODEL_STAGE,
			      .stage = 1,
			      .n_layers = 1,
			      .generation = gen };
	char err[256] = "";
	void *plain, *img;
	size_t plen, i;

	m.layers[0].n_in = m.layers[0].n_out = 40;
	assert_int_equal(hn_model_alloc_layer(&m, 0), 0);
	for (i = 0; i < 40 * 40; i++)
		m.layers[0].w[i] = (int8_t)(i * 7);
	assert_int_equal(
		hn_model_serialize(&m, &plain, &plen, err, sizeof(err)), 0);
	hn_model_free(&m);
	assert_int_equal(hn_model_sign_image(plain, plen, hn_t_path("a.key"),
					     &img, len, err, sizeof(err)),
			 0);
	free(plain);
	assert_true(*len > HN_CHUNK_DATA_MAX && *len <= 2 * HN_CHUNK_DATA_MAX);
	return img;
}

/* One MODEL_CHUNK from node @src, as hn_ctrl_decode() would hand it. */
static void chunk(__u32 src, __u64 gen, const __u8 digest[8], __u32 total,
		  __u32 off, const void *data, __u16 len)
{
	struct hn_ctrl_msg m = { .type = HN_T_MODEL_CHUNK, .src = src };

	m.u.chunk.object = chunk_object;
	m.u.chunk.generation = gen;
	memcpy(m.u.chunk.digest, digest, 8);
	m.u.chunk.total_len = total;
	m.u.chunk.offset = off;
	m.u.chunk.chunk_len = len;
	m.u.chunk.data = data;
	hnd_chunk_rx(&agent, &m);
}

/* Chunk @i of file @buf (generation @gen), as the sender cuts it. */
static void file_chunk(__u32 src, __u64 gen, const void *buf, size_t len,
		       unsigned int i)
{
	__u8 sha[SHA256_DIGEST_LENGTH];
	size_t off = (size_t)i * HN_CHUNK_DATA_MAX;
	size_t n = len - off < HN_CHUNK_DATA_MAX ? len - off :
						   HN_CHUNK_DATA_MAX;

	SHA256(buf, len, sha);
	chunk(src, gen, sha, len, off, (const __u8 *)buf + off, n);
}

static const __u8 forged_digest[8] = { 0xba, 0xd0, 0xba, 0xd0, 1, 2, 3, 4 };
static __u8 junk[HN_CHUNK_DATA_MAX];

static void advance_ms(unsigned int ms)
{
	fake_now += (__u64)ms * NSEC_PER_MSEC;
}

static unsigned int xfers_open(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < HND_XFER_SLOTS; i++)
		n += agent.xfer[i].buf != NULL;
	return n;
}

/* ---- transfers ------------------------------------------------------------- */

/*
 * Issue 12, item 10: one forged chunk claiming generation 2^63 (an insider:
 * the mesh key, no signing key) used to hold the only transfer slot for
 * 10 s, the genuine model's chunks ignored (and not counted) meanwhile.
 * Now the genuine model installs as soon as its chunks are in.
 */
static void test_forged_does_not_block(void **state)
{
	void *img;
	size_t len;

	chunk(66, 1ULL << 63, forged_digest, 4 * HN_CHUNK_DATA_MAX, 0, junk,
	      HN_CHUNK_DATA_MAX);
	assert_int_equal(xfers_open(), 1);
	advance_ms(100);
	img = route_file(1, 0, &len);
	file_chunk(7, 1, img, len, 0);
	assert_int_equal(agent.model_gen, 1);
	assert_int_equal(dp_installs, 1);
	assert_int_equal(agent.st.model_installed, 1);
	/* the forged one's remaining chunks keep coming: still no matter */
	chunk(66, 1ULL << 63, forged_digest, 4 * HN_CHUNK_DATA_MAX,
	      HN_CHUNK_DATA_MAX, junk, HN_CHUNK_DATA_MAX);
	free(img);
	img = route_file(2, 0, &len);
	file_chunk(7, 2, img, len, 0);
	assert_int_equal(agent.model_gen, 2);
	free(img);
	/* it never completes: dropped when its time is up, and counted */
	advance_ms(9000);
	hnd_model_tick(&agent, fake_now);
	assert_int_equal(xfers_open(), 1);
	advance_ms(1000);
	hnd_model_tick(&agent, fake_now);
	assert_int_equal(xfers_open(), 0);
	assert_int_equal(agent.st.xfer_expired, 1);
	assert_int_equal(agent.st.chunk_rx, 4);
}

/*
 * Every slot taken by forged transfers: the genuine model still gets one,
 * from the transfer fed least recently; a transfer being fed is kept.
 */
static void test_eviction_least_recent(void **state)
{
	size_t slen, rlen;
	void *st = stage_file(9, &slen), *img = route_file(3, 0, &rlen);
	unsigned int i;

	chunk(66, 100, forged_digest, 3 * HN_CHUNK_DATA_MAX, 0, junk,
	      HN_CHUNK_DATA_MAX);
	advance_ms(1);
	file_chunk(7, 9, st, slen, 0);
	for (i = 1; i < HND_XFER_SLOTS; i++) {
		advance_ms(1);
		chunk(66, 100 + i, forged_digest, 3 * HN_CHUNK_DATA_MAX, 0,
		      junk, HN_CHUNK_DATA_MAX);
	}
	/* full: the first forged one, the oldest, makes way */
	assert_int_equal(xfers_open(), HND_XFER_SLOTS);
	assert_int_equal(agent.st.xfer_evicted, 1);
	/* the stage file completes intact: parsed, verified, wrong kind */
	advance_ms(1);
	file_chunk(7, 9, st, slen, 1);
	assert_int_equal(agent.st.model_refused[HN_ACC_KIND], 1);
	assert_int_equal(xfers_open(), HND_XFER_SLOTS - 1);
	/* the genuine route model takes the free slot */
	advance_ms(1);
	file_chunk(7, 3, img, rlen, 0);
	assert_int_equal(agent.model_gen, 3);
	assert_int_equal(agent.st.xfer_evicted, 1);
	/* forged generations 101..103 are above 3: they stay, to expire */
	assert_int_equal(xfers_open(), HND_XFER_SLOTS - 1);
	free(st);
	free(img);
}

/* Every chunk that is not used is counted, by reason. */
static void test_ignored_counted(void **state)
{
	size_t slen, rlen;
	void *st = stage_file(9, &slen), *img;

	agent.model_gen = 5;
	/* not newer than the installed generation */
	chunk(66, 5, forged_digest, 100, 0, junk, 100);
	assert_int_equal(agent.st.chunk_old, 1);
	/* not cut as senders cut: off the grid, short, past the end */
	chunk(66, 6, forged_digest, 3000, 100, junk, 1024);
	chunk(66, 6, forged_digest, 3000, 0, junk, 1000);
	chunk(66, 6, forged_digest, 3000, 2048, junk, 1000);
	assert_int_equal(agent.st.chunk_bad, 3);
	assert_int_equal(xfers_open(), 0);
	/* twice the same chunk */
	file_chunk(7, 9, st, slen, 1);
	file_chunk(7, 9, st, slen, 1);
	assert_int_equal(agent.st.chunk_dup, 1);
	/* a newer model installed: the unfinished older transfer is moot */
	img = route_file(10, 0, &rlen);
	file_chunk(7, 10, img, rlen, 0);
	assert_int_equal(agent.model_gen, 10);
	assert_int_equal(agent.st.xfer_superseded, 1);
	assert_int_equal(xfers_open(), 0);
	file_chunk(7, 9, st, slen, 0);
	assert_int_equal(agent.st.chunk_old, 2);
	assert_int_equal(agent.st.chunk_rx, 8);
	free(st);
	free(img);
}

/* A forged file that completes is verified and refused, then forgotten. */
static void test_forged_complete_refused(void **state)
{
	chunk(66, 50, forged_digest, 2 * HN_CHUNK_DATA_MAX, 0, junk,
	      HN_CHUNK_DATA_MAX);
	chunk(66, 50, forged_digest, 2 * HN_CHUNK_DATA_MAX, HN_CHUNK_DATA_MAX,
	      junk, HN_CHUNK_DATA_MAX);
	assert_int_equal(agent.st.model_refused[HN_ACC_MALFORMED], 1);
	assert_int_equal(agent.model_gen, 0);
	assert_int_equal(dp_installs, 0);
	assert_int_equal(xfers_open(), 0);
}

/* What hnctl shows: `hnctl agent stats` and `hnctl status`, -j too. */
static char *ctl(const char *line)
{
	char req[64], *out;
	size_t n = snprintf(req, sizeof(req), "%s\n", line), olen;

	assert_int_equal(hnd_ctl_request(&agent, req, n, &out, &olen), 0);
	assert_memory_equal(out, "ok\n", 3);
	return out;
}

static void test_counters_shown(void **state)
{
	char *out;

	agent.topo = hn_topo_new(1);
	assert_non_null(agent.topo);
	chunk(66, 77, forged_digest, 2 * HN_CHUNK_DATA_MAX, 0, junk,
	      HN_CHUNK_DATA_MAX);
	chunk(66, 77, forged_digest, 2 * HN_CHUNK_DATA_MAX, 0, junk,
	      HN_CHUNK_DATA_MAX);
	out = ctl("stats json");
	assert_non_null(strstr(out, "\"chunk_dup\":1"));
	assert_non_null(strstr(out, "\"xfer_evicted\":0"));
	assert_non_null(strstr(out, "\"xfer_expired\":0"));
	assert_non_null(strstr(out, "\"xfer_superseded\":0"));
	assert_non_null(strstr(out, "\"chunk_nomem\":0"));
	free(out);
	out = ctl("stats");
	assert_non_null(strstr(out, "\nchunk_dup                1\n"));
	free(out);
	out = ctl("status json");
	assert_non_null(strstr(
		out,
		"\"model_transfers\":[{\"generation\":77,\"chunks\":2,\"received\":1,"));
	free(out);
	out = ctl("status");
	assert_non_null(
		strstr(out, "model generation 77 arriving: 1 of 2 chunks"));
	free(out);
	hn_topo_free(agent.topo);
	agent.topo = NULL;
}

/* ---- model tick ------------------------------------------------------------ */

/* An installed model that expires is taken out of the data plane. */
/* hosts and stage-rate requests: checked, and a runner's rate taken. */
static void test_rates_requests(void **state)
{
	static const struct {
		const char *req, *reply;
	} bad[] = {
		{ "hosts x\n",
		  "error\nhosts: 'x' is not [STAGE(1..255)] [json]" },
		{ "hosts 0\n", "error\nhosts: '0'" },
		{ "hosts 2 yaml\n", "error\nhosts: '2 yaml'" },
		{ "stage-rate 4 300000 100 0\n",
		  "error\nstage-rate: this node does not host stage 4" },
		{ "stage-rate 2 300000 1001 0\n", "error\nstage-rate: want" },
		{ "stage-rate 2 -3 10 0\n", "error\nstage-rate: want" },
		{ "stage-rate 2 3 10\n", "error\nstage-rate: want" },
		{ "stage-rate 2 3 10 0 9\n", "error\nstage-rate: want" },
		{ "stage-rate\n", "error\nstage-rate: want" },
	};
	char req[64], *out;
	unsigned int i;
	size_t olen;

	agent.topo = hn_topo_new(1);
	assert_non_null(agent.topo);
	agent.cfg.stages[0] = 2;
	agent.cfg.n_stages = 1;
	out = ctl("stage-rate 2 300000 100 4");
	assert_string_equal(
		out,
		"ok\nstage 2: 300000 ns per item, busy 100 permille, queue 4\n");
	free(out);
	assert_int_equal(agent.rates[0].now.ns_per_item, 300000);
	assert_int_equal(agent.rates[0].now.queue, 4);
	out = ctl("hosts 2");
	assert_memory_equal(out, "ok\nnode ", 8);
	free(out);
	out = ctl("hosts json");
	assert_string_equal(out, "ok\n[]\n");
	free(out);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "%s", bad[i].req);
		assert_int_equal(hnd_ctl_request(&agent, req, strlen(req), &out,
						 &olen),
				 0);
		if (strncmp(out, bad[i].reply, strlen(bad[i].reply)))
			fail_msg("'%s': '%s'", bad[i].req, out);
		free(out);
	}
	assert_int_equal(agent.rates[0].now.ns_per_item, 300000);
	hn_topo_free(agent.topo);
	agent.topo = NULL;
}

static void test_model_expires(void **state)
{
	size_t len;
	void *img = route_file(4, (uint64_t)time(NULL) + 3600, &len);

	file_chunk(7, 4, img, len, 0);
	assert_int_equal(agent.model_gen, 4);
	hnd_model_tick(&agent, fake_now);
	assert_int_equal(dp_clears, 0);
	/* an hour later (the expiry as if it had passed) */
	agent.model_expiry = (uint64_t)time(NULL) - 1;
	hnd_model_tick(&agent, fake_now);
	assert_int_equal(dp_clears, 1);
	assert_true(agent.model_expired);
	hnd_model_tick(&agent, fake_now);
	assert_int_equal(dp_clears, 1);
	free(img);
}

/* ---- persisted state ------------------------------------------------------- */

static void assert_file(const char *name, const char *want)
{
	char buf[64] = "";
	struct stat st;
	int fd = open(hn_t_path(name), O_RDONLY);

	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	if (want)
		assert_string_equal(buf, want);
	assert_int_equal(st.st_mode & 077, 0);
}

/* model.hnm and model.gen survive a crash once the model is installed. */
static void test_model_persisted(void **state)
{
	size_t len;
	void *img = route_file(6, 0, &len);

	file_chunk(7, 6, img, len, 0);
	assert_int_equal(agent.model_gen, 6);
	assert_file("state/model.gen", "6\n");
	assert_file("state/model.hnm", NULL);
	assert_durable("model.hnm");
	assert_durable("model.gen");
	free(img);
	/* a restart reads them back: older generations stay refused */
	free(agent.model_file);
	agent.model_file = NULL;
	agent.model_gen = 0;
	assert_int_equal(hnd_model_load_state(&agent), 0);
	assert_int_equal(agent.model_gen, 6);
	img = route_file(5, 0, &len);
	file_chunk(7, 5, img, len, 0);
	assert_int_equal(agent.model_gen, 6);
	assert_int_equal(agent.st.chunk_old, 1);
	free(img);
}

/* ---- campaigns ----------------------------------------------------------- */

/*
 * Campaign @id generation @gen of 30 nodes (node 1, the agent, among
 * them, with @key as its identity key), signed by a.key unless @unsigned.
 * Two chunks long.
 */
static void *campaign_file(uint64_t id, uint64_t gen, unsigned int flags,
			   bool unsigned_, size_t *len)
{
	struct hn_sa_member roster[30];
	struct hn_campaign c = { .id = id,
				 .generation = gen,
				 .flags = flags,
				 .kind = HN_MODEL_ROUTE,
				 .rounds = 3,
				 .local_steps = 5,
				 .lr_micro = 1000,
				 .clip_milli = 1000,
				 .sa_drop = 100,
				 .n = 30,
				 .roster = roster };
	char err[256] = "";
	void *plain, *img;
	size_t plen;
	unsigned int i;

	for (i = 0; i < 30; i++) {
		roster[i].id = i + 1;
		memset(roster[i].key, i + 1, sizeof(roster[i].key));
	}
	memcpy(roster[0].key, agent.identity.raw, sizeof(roster[0].key));
	assert_int_equal(
		hn_campaign_serialize(&c, &plain, &plen, err, sizeof(err)), 0);
	if (unsigned_) {
		*len = plen;
		return plain;
	}
	assert_int_equal(hn_campaign_sign_image(plain, plen, hn_t_path("a.key"),
						&img, len, err, sizeof(err)),
			 0);
	free(plain);
	assert_true(*len > HN_CHUNK_DATA_MAX && *len <= 2 * HN_CHUNK_DATA_MAX);
	return img;
}

/* A campaign flooded in chunks is held once whole and verified. */
static void test_campaign_chunks(void **state)
{
	size_t len;
	void *img;

	memset(agent.identity.raw, 0x77, sizeof(agent.identity.raw));
	agent.has_identity = true;
	img = campaign_file(42, 1, 0, false, &len);
	/* the same bytes as a model transfer are another transfer */
	chunk_object = HN_OBJ_MODEL;
	file_chunk(7, 1, img, len, 0);
	chunk_object = HN_OBJ_CAMPAIGN;
	file_chunk(7, 1, img, len, 1);
	assert_null(agent.cp.file);
	file_chunk(7, 1, img, len, 0);
	assert_non_null(agent.cp.file);
	assert_int_equal(agent.cp.id, 42);
	assert_int_equal(agent.cp.generation, 1);
	assert_int_equal(agent.cp.n, 30);
	assert_int_equal(agent.cp.member, 1);
	assert_string_equal(agent.cp.from, "node 7");
	assert_int_equal(agent.model_gen, 0); /* no model came of it */
	assert_int_equal(floods, 0); /* the flood carries it on, not we */
	/* held: its chunks are old; a neighbour that comes up is sent it */
	file_chunk(8, 1, img, len, 0);
	assert_int_equal(agent.st.chunk_old, 1);
	hnd_campaign_send_to(&agent, &(struct hnd_neigh){ .node = 3 });
	assert_int_equal(sends, 2);
	free(img);
	/* pushed: spread in two chunks */
	img = campaign_file(42, 2, HN_CP_F_STOPPED, false, &len);
	assert_int_equal(hnd_campaign_offer(&agent, img, len, true, "hnctl",
					    NULL, 0),
			 0);
	assert_int_equal(floods, 2);
	assert_int_equal(agent.cp.flags, HN_CP_F_STOPPED);
	free(img);
}

/* Refusals are kept with their reason; the held campaign stays. */
static void test_campaign_refused(void **state)
{
	char err[256] = "";
	size_t len;
	void *img;

	img = campaign_file(42, 1, 0, true, &len);
	chunk_object = HN_OBJ_CAMPAIGN;
	file_chunk(7, 1, img, len, 0);
	file_chunk(7, 1, img, len, 1);
	assert_null(agent.cp.file);
	assert_int_equal(agent.cp.refused, HN_ACC_UNSIGNED);
	assert_string_equal(agent.cp.refused_from, "node 7");
	free(img);
	img = campaign_file(42, 3, 0, false, &len);
	assert_int_equal(hnd_campaign_offer(&agent, img, len, false, "hnctl",
					    err, sizeof(err)),
			 0);
	free(img);
	assert_int_equal(agent.cp.member, -2); /* listed, no identity key */
	/* untrusted: nothing trusted, so every signature is bad */
	agent.n_trusted = 0;
	img = campaign_file(42, 4, 0, false, &len);
	assert_int_equal(hnd_campaign_offer(&agent, img, len, false, "hnctl",
					    err, sizeof(err)),
			 -EPERM);
	assert_int_equal(agent.cp.refused, HN_ACC_BAD_SIG);
	assert_non_null(strstr(agent.cp.refused_msg, "trusted keys"));
	agent.n_trusted = 1;
	free(img);
	/* not newer, and another campaign while this one runs */
	img = campaign_file(42, 3, 0, false, &len);
	assert_int_equal(hnd_campaign_offer(&agent, img, len, false, "hnctl",
					    err, sizeof(err)),
			 -EPERM);
	assert_int_equal(agent.cp.refused, HN_ACC_OLD);
	free(img);
	img = campaign_file(43, 9, 0, false, &len);
	assert_int_equal(hnd_campaign_offer(&agent, img, len, false, "hnctl",
					    err, sizeof(err)),
			 -EPERM);
	assert_non_null(strstr(err, "campaign 42 is running"));
	free(img);
	assert_int_equal(agent.cp.generation, 3);
	assert_int_equal(agent.cp.n_refused, 4);
}

/* campaign.hnc is written durably and restores the campaign at start. */
static void test_campaign_persisted(void **state)
{
	size_t len;
	void *img = campaign_file(42, 5, 0, false, &len);

	assert_int_equal(hnd_campaign_offer(&agent, img, len, false, "hnctl",
					    NULL, 0),
			 0);
	assert_file("state/campaign.hnc", NULL);
	assert_durable("campaign.hnc");
	free(img);
	hnd_campaign_free(&agent);
	memset(&agent.cp, 0, sizeof(agent.cp));
	assert_int_equal(hnd_campaign_load_state(&agent), 0);
	assert_non_null(agent.cp.file);
	assert_int_equal(agent.cp.generation, 5);
	assert_string_equal(agent.cp.from, "state-dir");
	/* checked again: with no trusted key it is not held */
	hnd_campaign_free(&agent);
	memset(&agent.cp, 0, sizeof(agent.cp));
	agent.n_trusted = 0;
	assert_int_equal(hnd_campaign_load_state(&agent), 0);
	assert_null(agent.cp.file);
	assert_int_equal(agent.cp.refused, HN_ACC_BAD_SIG);
}

/* lsa-seq: reserved blocks, written as durably. */
static void test_lsa_seq_persisted(void **state)
{
	int fd;

	assert_int_equal(hnd_lsa_seq_load(&agent), 0);
	assert_int_equal(agent.lsa_seq, 0);
	assert_file("state/lsa-seq", "1024\n");
	assert_durable("lsa-seq");
	/* a restart starts at the reserved block's end */
	n_ops = 0;
	fd = open(hn_t_path("state/lsa-seq"), O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "5000\n", 5), 5);
	close(fd);
	assert_int_equal(hnd_lsa_seq_load(&agent), 0);
	assert_int_equal(agent.lsa_seq, 5000);
	assert_file("state/lsa-seq", "6024\n");
	assert_durable("lsa-seq");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forged_does_not_block,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_least_recent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignored_counted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_forged_complete_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rates_requests, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_counters_shown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_model_expires, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_model_persisted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_campaign_chunks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_campaign_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_campaign_persisted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lsa_seq_persisted, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
