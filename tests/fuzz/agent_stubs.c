// SPDX-License-Identifier: GPL-2.0
/*
 * What hypernetd's archive takes from main.c, the ports and the data plane,
 * for the fuzz targets that run the agent's code (agent_stubs.h).  The key
 * is RFC 8032's first test key: nothing here is secret.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent_stubs.h"
#include "dp.h"
#include "model.h"
#include "sign.h"

__u64 fz_now = 1000 * NSEC_PER_SEC;
unsigned int fz_installs, fz_clears, fz_sent;

static const char secret[] =
	"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\n";
static char key_path[64];

__u64 hnd_now(void)
{
	return fz_now;
}

__u64 hnd_unix_now(void)
{
	return (__u64)time(NULL);
}

void hnd_log(struct hnd *d, int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	/* formatted all the same: a bad format argument must show */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

void hnd_log_rl(struct hnd *d, struct hnd_rl *rl, int level, const char *fmt,
		...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
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

/* the control request "dataplane" names the map */
__u32 hn_dp_config_map_id(const struct hn_dp *dp)
{
	return 0;
}

void hnd_msg_init(struct hnd *d, struct hn_ctrl_msg *m, __u8 type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->src = d->cfg.node_id;
}

int hnd_send(struct hnd *d, int p, const __u8 *mac, struct hn_ctrl_msg *m)
{
	fz_sent++;
	return 0;
}

int hnd_flood(struct hnd *d, struct hn_ctrl_msg *m)
{
	fz_sent++;
	return 0;
}

int hn_dp_install_model(struct hn_dp *dp, const struct hn_rt_model *m,
			char *err, size_t errlen)
{
	fz_installs++;
	return 0;
}

int hn_dp_clear_model(struct hn_dp *dp)
{
	fz_clears++;
	return 0;
}

int hn_dp_get_model(struct hn_dp *dp, struct hn_rt_model *m)
{
	return fz_installs ? 0 : -1;
}

static char state_dir[64];

/* What the agent persisted, and its directory, at exit. */
static void cleanup(void)
{
	static const char *const files[] = { "model.hnm", "model.gen",
					     "lsa-seq", "topology.json",
					     "topology.dot" };
	char path[128];
	unsigned int i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", state_dir, files[i]);
		unlink(path);
	}
	rmdir(state_dir);
}

void fz_agent_init(struct hnd *d)
{
	char err[256], dir[] = "/dev/shm/hn-fuzz-XXXXXX";
	int fd = memfd_create("fuzz-key", 0);

	/* tmpfs where there is one: the agent fsyncs what it persists */
	if (access("/dev/shm", W_OK))
		memcpy(dir, "/tmp/hn", 7);
	if (fd < 0 || fchmod(fd, 0600) ||
	    write(fd, secret, sizeof(secret) - 1) != sizeof(secret) - 1 ||
	    !mkdtemp(dir))
		abort();
	snprintf(key_path, sizeof(key_path), "/proc/self/fd/%d", fd);
	snprintf(state_dir, sizeof(state_dir), "%s", dir);
	atexit(cleanup);
	memset(d, 0, sizeof(*d));
	hnd_config_defaults(&d->cfg);
	d->cfg.node_id = 1;
	snprintf(d->cfg.state_dir, sizeof(d->cfg.state_dir), "%s", dir);
	d->topo = hn_topo_new(1);
	if (!d->topo ||
	    hn_key_public(key_path, &d->trusted[0], err, sizeof(err)))
		abort();
	d->n_trusted = 1;
	d->ctl_fd = d->lock_fd = d->epfd = d->sigfd = -1;
}

void fz_agent_reset(struct hnd *d)
{
	unsigned int i;

	for (i = 0; i < HND_XFER_SLOTS; i++) {
		free(d->xfer[i].buf);
		free(d->xfer[i].have);
		memset(&d->xfer[i], 0, sizeof(d->xfer[i]));
	}
	free(d->model_file);
	d->model_file = NULL;
	d->model_len = 0;
	d->model_gen = d->model_expiry = 0;
	d->model_expired = false;
	memset(&d->st, 0, sizeof(d->st));
	fz_installs = fz_clears = fz_sent = 0;
}

static void *signed_image(struct hn_model *m, size_t *len)
{
	void *plain, *img;
	char err[256];
	size_t plen;

	if (hn_model_serialize(m, &plain, &plen, err, sizeof(err)) ||
	    hn_model_sign_image(plain, plen, key_path, &img, len, err,
				sizeof(err)))
		abort();
	free(plain);
	hn_model_free(m);
	return img;
}

void *fz_route_image(__u64 gen, size_t *len)
{
	struct hn_rt_model rt = { .shift1 = 4 };
	struct hn_model m;

	rt.w1[0][0] = (int8_t)gen;
	if (hn_model_from_rt(&rt, gen, &m, NULL, 0))
		abort();
	return signed_image(&m, len);
}

void *fz_stage_image(__u64 gen, size_t *len)
{
	struct hn_model m = { .kind = HN_MODEL_STAGE,
			      .stage = 1,
			      .n_layers = 1,
			      .generation = gen };
	size_t i;

	m.layers[0].n_in = m.layers[0].n_out = 40;
	if (hn_model_alloc_layer(&m, 0))
		abort();
	for (i = 0; i < 40 * 40; i++)
		m.layers[0].w[i] = (int8_t)(i * 7 + gen);
	return signed_image(&m, len);
}
