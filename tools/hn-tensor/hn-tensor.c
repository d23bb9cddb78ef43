// SPDX-License-Identifier: GPL-2.0
/*
 * hn-tensor: drive a hypernet tensor-offload device from userspace, for the
 * QEMU tests and the benchmark.
 *
 *   hn-tensor run DEV [opts]    random stage, N random tensors through DEV,
 *                               every result compared with engine.h here
 *   hn-tensor bad DEV           malformed frames and fragments: counters
 *   hn-tensor badnl DEV         malformed genl requests: errors + extack
 *   hn-tensor bench DEV [opts]  784->128 through DEV vs the same in-process
 *
 * Frames go in through an AF_PACKET socket on DEV (its transmit side) and
 * results come back on the same socket (the device's receive side), or as
 * HNET_CMD_RESULT notifications with -l.  One "PASS name" / "FAIL name"
 * line per case; exit status 0 only if every case passed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <hypernet/engine.h>
#include <hypernet/frame.h>
#include "frames.h"
#include "genl.h"
#include "model.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define FRAME_MAX 9100
/* Empty receive attempts before run_poll() sleeps. */
#define RECV_SPIN 64

struct opts {
	const char *dev;
	const char *send_dev; /* send here instead (e.g. into an XDP port) */
	uint32_t dst; /* hnhdr.dst of what we send */
	unsigned int count;
	uint64_t seed;
	const char *layers; /* "IN x OUT : SHIFT [r], ..." */
	unsigned int frag; /* elements per input fragment, 0: mixed */
	unsigned int window;
	bool local;
	bool keep; /* do not load a stage */
	bool reload; /* keep reloading the stage while running */
	uint8_t stage_id;
	uint32_t origin;
	int timeout_ms;
	const char *json;
	unsigned int rounds; /* bench */
	const char *model; /* .hnm file: the stage, hn_model_infer() */
	uint32_t out_node; /* results to this node (mode node) */
	uint8_t out_class;
	uint32_t node_id; /* the device's source id */
};

static struct opts o = {
	.count = 1000,
	.seed = 1,
	.layers = "64x32:7r,32x16:6",
	.window = 32,
	.stage_id = 3,
	.origin = 0x0a000001,
	.dst = 0x0a0000fe,
	.timeout_ms = 5000,
	.rounds = 11,
};

static int failures;

static void result(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s", ok ? "PASS" : "FAIL", name);
	if (fmt && *fmt) {
		fputs(": ", stdout);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

/* xorshift64*: reproducible from the seed, no libc state. */
static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the stage and its userspace reference ------------------------------- */

struct stage {
	struct hn_genl_stage g;
	int8_t *w[HNET_MAX_LAYERS];
	int32_t *b[HNET_MAX_LAYERS];
};

static int stage_parse(const char *spec, struct stage *s)
{
	const char *p = spec;

	memset(s, 0, sizeof(*s));
	s->g.id = o.stage_id;
	while (*p) {
		struct hn_genl_layer *l = &s->g.layers[s->g.n_layers];
		unsigned int in, out, shift;
		int n = 0;

		if (s->g.n_layers == HNET_MAX_LAYERS ||
		    sscanf(p, "%ux%u:%u%n", &in, &out, &shift, &n) != 3) {
			fprintf(stderr, "hn-tensor: bad layer spec '%s'\n", p);
			return -1;
		}
		p += n;
		l->n_in = in;
		l->n_out = out;
		l->shift = shift;
		if (*p == 'r') {
			l->flags = HNET_LAYER_F_RELU;
			p++;
		}
		if (*p == ',')
			p++;
		s->g.n_layers++;
	}
	return s->g.n_layers ? 0 : -1;
}

static void stage_random(struct stage *s)
{
	unsigned int i, j;

	for (i = 0; i < s->g.n_layers; i++) {
		struct hn_genl_layer *l = &s->g.layers[i];
		size_t nw = (size_t)l->n_in * l->n_out;

		s->w[i] = malloc(nw);
		s->b[i] = malloc(l->n_out * sizeof(int32_t));
		for (j = 0; j < nw; j++)
			s->w[i][j] = (int8_t)rnd();
		for (j = 0; j < l->n_out; j++)
			s->b[i][j] = (int32_t)(rnd() % 20001) - 10000;
		l->w = s->w[i];
		l->b = s->b[i];
	}
}

static unsigned int stage_in(const struct stage *s)
{
	return s->g.layers[0].n_in;
}

static unsigned int stage_out(const struct stage *s)
{
	return s->g.layers[s->g.n_layers - 1].n_out;
}

static struct hn_model ref_model;
static bool use_model;

/* The very arithmetic of the module: engine.h, layer after layer. */
static void stage_ref(const struct stage *s, const int8_t *in, int8_t *out)
{
	static int8_t act[2][HN_TENSOR_MAX_LEN];
	const int8_t *x = in;
	unsigned int i;

	if (use_model) {
		/* The model library's own reference, for hnctl-loaded files. */
		hn_model_infer(&ref_model, in, out, NULL);
		return;
	}
	for (i = 0; i < s->g.n_layers; i++) {
		const struct hn_genl_layer *l = &s->g.layers[i];
		int8_t *y = i + 1 == s->g.n_layers ? out : act[i & 1];

		hn_dense_s8(l->w, l->b, x, l->n_in, l->n_out, l->shift,
			    l->flags & HNET_LAYER_F_RELU, y);
		x = y;
	}
}

/* A .hnm STAGE model as the stage (pointers into the model). */
static int stage_from_file(const char *path, struct stage *s)
{
	char err[256];
	unsigned int i;

	if (hn_model_read_file(path, &ref_model, err, sizeof(err))) {
		fprintf(stderr, "hn-tensor: %s: %s\n", path, err);
		return -1;
	}
	memset(s, 0, sizeof(*s));
	s->g.id = ref_model.stage;
	s->g.n_layers = ref_model.n_layers;
	for (i = 0; i < ref_model.n_layers; i++) {
		struct hn_genl_layer *l = &s->g.layers[i];
		const struct hn_model_layer *ml = &ref_model.layers[i];

		l->n_in = ml->n_in;
		l->n_out = ml->n_out;
		l->shift = ml->shift;
		l->flags = ml->flags & HN_LF_RELU ? HNET_LAYER_F_RELU : 0;
		l->w = ml->w;
		l->b = ml->b;
	}
	o.stage_id = s->g.id;
	use_model = true;
	return 0;
}

/* mkmodel FILE: a random STAGE model of -L's shape, scales consistent. */
static int cmd_mkmodel(const char *path)
{
	struct hn_model m = { .kind = HN_MODEL_STAGE };
	char err[256];
	unsigned int i;
	int exp = 0;
	struct stage s;

	rng_state = o.seed * 0x9e3779b97f4a7c15ULL + 1;
	if (stage_parse(o.layers, &s) || s.g.n_layers > HN_MODEL_MAX_LAYERS)
		return 2;
	stage_random(&s);
	m.stage = o.stage_id;
	m.n_layers = s.g.n_layers;
	for (i = 0; i < m.n_layers; i++) {
		struct hn_model_layer *l = &m.layers[i];
		const struct hn_genl_layer *g = &s.g.layers[i];

		l->n_in = g->n_in;
		l->n_out = g->n_out;
		l->shift = g->shift;
		l->flags = g->flags & HNET_LAYER_F_RELU ? HN_LF_RELU : 0;
		l->w_exp = 0;
		exp += g->shift;
		l->out_exp = exp;
		if (hn_model_alloc_layer(&m, i))
			return 1;
		memcpy(l->w, g->w, (size_t)g->n_in * g->n_out);
		memcpy(l->b, g->b, g->n_out * sizeof(int32_t));
	}
	if (hn_model_write_file(path, &m, err, sizeof(err))) {
		fprintf(stderr, "hn-tensor: %s: %s\n", path, err);
		return 1;
	}
	hn_model_free(&m);
	return 0;
}

/* ---- genl ---------------------------------------------------------------- */

static struct hn_genl gl;

static int genl_up(void)
{
	int ret = hn_genl_open(&gl);

	if (ret) {
		fprintf(stderr, "hn-tensor: %s (%s)\n", gl.errmsg,
			strerror(-ret));
		if (ret == -ENOENT)
			fprintf(stderr, "hint: modprobe hypernet\n");
	}
	return ret;
}

static int load_stage(const struct stage *s)
{
	struct hn_genl_sel sel = { .ifname = o.dev };
	int ret = hn_genl_set_stage(&gl, &sel, &s->g, 0);

	if (ret)
		fprintf(stderr, "hn-tensor: loading the stage: %s: %s\n",
			strerror(-ret), gl.errmsg);
	return ret;
}

static int set_output(uint8_t mode)
{
	struct hn_genl_sel sel = { .ifname = o.dev };
	struct hn_genl_output out = { .mode = mode, .stage = -1 };
	int ret;

	if (mode == HNET_OUTPUT_NODE) {
		out.node = o.out_node;
		out.tclass = o.out_class;
	}
	out.set_node_id = true;
	out.node_id = o.node_id;
	ret = hn_genl_set_output(&gl, &sel, &out);

	if (ret)
		fprintf(stderr, "hn-tensor: setting the output: %s: %s\n",
			strerror(-ret), gl.errmsg);
	return ret;
}

static int stats_cb(const struct hn_genl_dev *d, void *arg)
{
	memcpy(arg, d->stats, sizeof(d->stats));
	return 1;
}

static int dev_cb(const struct hn_genl_dev *d, void *arg)
{
	memcpy(arg, d, sizeof(*d));
	return 1;
}

static int get_stats(uint64_t *st)
{
	struct hn_genl_sel sel = { .ifname = o.dev };

	memset(st, 0, sizeof(uint64_t) * __HNET_STATS_A_MAX);
	return hn_genl_get(&gl, &sel, stats_cb, st);
}

/* ---- frames -------------------------------------------------------------- */

static int pkt_fd = -1, send_fd = -1;
static int pkt_ifindex;
static unsigned int pkt_mtu;
static uint32_t pkt_seq = 1;

static int pkt_open(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int one = 1, sz = 32 << 20;
	struct ifreq ifr = {};

	pkt_ifindex = if_nametoindex(o.dev);
	if (!pkt_ifindex) {
		fprintf(stderr, "hn-tensor: no device %s\n", o.dev);
		return -1;
	}
	pkt_fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_HYPERNET));
	if (pkt_fd < 0) {
		perror("hn-tensor: AF_PACKET socket");
		return -1;
	}
	sll.sll_protocol = htons(ETH_P_HYPERNET);
	sll.sll_ifindex = pkt_ifindex;
	if (bind(pkt_fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("hn-tensor: bind");
		return -1;
	}
	setsockopt(pkt_fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		   sizeof(one));
	setsockopt(pkt_fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	setsockopt(pkt_fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o.dev);
	if (ioctl(pkt_fd, SIOCGIFMTU, &ifr)) {
		perror("hn-tensor: SIOCGIFMTU");
		return -1;
	}
	pkt_mtu = ifr.ifr_mtu;
	send_fd = pkt_fd;
	if (!o.send_dev)
		return 0;
	/* Frames enter elsewhere and reach DEV through the router. */
	sll.sll_ifindex = if_nametoindex(o.send_dev);
	send_fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (!sll.sll_ifindex || send_fd < 0 ||
	    bind(send_fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "hn-tensor: cannot send on %s\n", o.send_dev);
		return -1;
	}
	setsockopt(send_fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o.send_dev);
	if (!ioctl(send_fd, SIOCGIFMTU, &ifr) &&
	    (unsigned int)ifr.ifr_mtu < pkt_mtu)
		pkt_mtu = ifr.ifr_mtu;
	return 0;
}

struct hdrs {
	uint8_t version, type, flags, ttl, tclass;
	uint16_t len; /* -1 in build: compute */
	uint32_t src, dst;
	uint16_t eth_proto;
	/* tensor */
	uint32_t tensor_id, origin;
	uint8_t stage, dtype;
	uint16_t frag_idx, frag_cnt, frag_off, total_len;
};

static void hdrs_default(struct hdrs *h)
{
	memset(h, 0, sizeof(*h));
	h->version = HN_VERSION;
	h->type = HN_T_TENSOR;
	h->ttl = HN_TTL_DEFAULT;
	h->src = o.origin;
	h->dst = o.dst;
	h->eth_proto = ETH_P_HYPERNET;
	h->origin = o.origin;
	h->stage = o.stage_id;
	h->dtype = HN_DT_S8;
	h->frag_cnt = 1;
}

/* Ethernet + hnhdr + tensor header + @n elements; returns frame length. */
static size_t frame_build(uint8_t *buf, const struct hdrs *x, const int8_t *d,
			  size_t n, bool auto_len)
{
	struct hnhdr *h = (struct hnhdr *)(buf + ETH_HLEN);
	struct hn_frame f = {
		.type = HN_T_TENSOR, .flags = x->flags, .ttl = x->ttl,
		.tclass = x->tclass, .src = x->src, .dst = x->dst,
		.seq = pkt_seq++, .tensor_id = x->tensor_id,
		.origin = x->origin, .stage = x->stage, .dtype = x->dtype,
		.frag_idx = x->frag_idx, .frag_cnt = x->frag_cnt,
		.frag_off = x->frag_off, .total_len = x->total_len,
		.payload = d, .payload_len = n,
		.src_mac = { 0x02, 0, 0, 0, 0, 0x01 },
	};
	size_t len;

	memset(f.dst_mac, 0xff, ETH_ALEN);
	/* Unchecked on purpose: the bad-input cases need malformed frames. */
	if (hn_frame_write(&f, buf, FRAME_MAX, &len)) {
		fprintf(stderr, "hn-tensor: %zu elements do not fit a frame\n", n);
		exit(2);
	}
	/* The fields a bad-input case may want wrong, patched after writing. */
	buf[12] = x->eth_proto >> 8;
	buf[13] = x->eth_proto & 0xff;
	h->version = x->version;
	h->type = x->type;
	if (!auto_len)
		h->len = htons(x->len);
	return len;
}

static int frame_send(const uint8_t *buf, size_t len)
{
	for (;;) {
		if (send(send_fd, buf, len, 0) == (ssize_t)len)
			return 0;
		if (errno == ENOBUFS || errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		perror("hn-tensor: send");
		return -1;
	}
}

/*
 * Send tensor @id: one frame if @frag is 0 and it fits, else fragments of
 * @frag elements in a shuffled order.
 */
static int tensor_send(uint32_t id, const int8_t *x, unsigned int len,
		       unsigned int frag, bool shuffle)
{
	unsigned int per = pkt_mtu - HN_HDR_LEN - HN_TENSOR_HDR_LEN;
	unsigned int cnt, i, order[HN_TENSOR_MAX_LEN];
	uint8_t buf[FRAME_MAX];
	struct hdrs h;

	if (frag && frag < per)
		per = frag;
	cnt = (len + per - 1) / per;
	for (i = 0; i < cnt; i++)
		order[i] = i;
	for (i = cnt; shuffle && i > 1; i--) {
		unsigned int j = rnd() % i, t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	hdrs_default(&h);
	h.tensor_id = id;
	h.frag_cnt = cnt;
	h.total_len = len;
	for (i = 0; i < cnt; i++) {
		unsigned int k = order[i], off = k * per;
		unsigned int n = len - off < per ? len - off : per;

		h.frag_idx = k;
		h.frag_off = off;
		if (frame_send(buf, frame_build(buf, &h, x + off, n, true)))
			return -1;
	}
	return 0;
}

/* Busy and total jiffies of CPUs 0 and 1 from /proc/stat. */
static void cpu_ticks(unsigned long long busy[2], unsigned long long all[2])
{
	unsigned long long v[8];
	char line[256];
	unsigned int c;
	FILE *f = fopen("/proc/stat", "r");

	busy[0] = busy[1] = all[0] = all[1] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu",
			   &c, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) != 9 || c > 1)
			continue;
		busy[c] = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		all[c] = busy[c] + v[3] + v[4];
	}
	fclose(f);
}

/* bench: CPU ticks over the timed part of run_tensors(), if set. */
static unsigned long long (*run_ticks)[2];

/*
 * -r: the stage is reloaded, alternately @reload_alt and the run's own,
 * every RELOAD_WINDOWS windows of tensors sent, so that reloads happen
 * while tensors are in flight however fast or slow the host is.  The
 * window is smaller than that, so each stage computes some of them.
 */
#define RELOAD_WINDOWS 2
static const struct stage *reload_alt;
static bool reload_same; /* a .hnm model: reloaded as it is */
static unsigned int reloads, reload_inflight;

/* Results of the run: expected outputs and reassembly of result frames. */
struct run {
	const struct stage *s;
	unsigned int n_out, count;
	int8_t *expect; /* count x n_out */
	int8_t *expect_alt; /* by reload_alt, or NULL */
	unsigned int from_alt; /* results that only reload_alt gives */
	int8_t *got;
	uint16_t *covered;
	uint8_t *done; /* 0 pending, 1 ok, 2 mismatch */
	unsigned int completed, bad;
	uint32_t base;
	bool check_hdr;
	char why[160];
};

static void run_complete(struct run *r, unsigned int i)
{
	const int8_t *got = r->got + (size_t)i * r->n_out;
	bool ok = !memcmp(got, r->expect + (size_t)i * r->n_out, r->n_out);

	/* Either stage's result is right; a mix of both never is. */
	if (!ok && r->expect_alt &&
	    !memcmp(got, r->expect_alt + (size_t)i * r->n_out, r->n_out)) {
		ok = true;
		r->from_alt++;
	}
	r->done[i] = ok ? 1 : 2;
	r->completed++;
	if (!ok) {
		r->bad++;
		if (!r->why[0])
			snprintf(r->why, sizeof(r->why),
				 "tensor %u differs from the reference", i);
	}
}

/*
 * What the device must write: back to the origin with HN_F_RESULT, or on
 * to the next node for the next stage; from its node id, or else from
 * where the input was sent.
 */
static bool hdr_ok(const struct run *r, const struct hnhdr *h,
		   const struct hn_tensor_hdr *t)
{
	uint32_t src = o.node_id ? o.node_id : o.dst;

	if (ntohl(h->src) != src || ntohl(t->origin) != o.origin ||
	    ntohs(t->total_len) != r->n_out || h->ttl != HN_TTL_DEFAULT)
		return false;
	if (o.out_node)
		return !h->flags && ntohl(h->dst) == o.out_node &&
		       h->tclass == o.out_class &&
		       t->stage == (uint8_t)(r->s->g.id + 1);
	return h->flags == HN_F_RESULT && ntohl(h->dst) == o.origin &&
	       t->stage == r->s->g.id;
}

/* One frame from the device's receive side. */
static void run_frame(struct run *r, const uint8_t *buf, size_t len)
{
	const struct ethhdr *eth = (const struct ethhdr *)buf;
	const struct hnhdr *h = (const struct hnhdr *)(eth + 1);
	const struct hn_tensor_hdr *t = (const struct hn_tensor_hdr *)(h + 1);
	unsigned int i, off, n;

	if (len < sizeof(*eth) + HN_HDR_LEN ||
	    hn_hdr_check(h, len - sizeof(*eth)) != HN_OK ||
	    h->type != HN_T_TENSOR ||
	    hn_tensor_check(t, ntohs(h->len), HN_TENSOR_MAX_LEN) != HN_OK) {
		snprintf(r->why, sizeof(r->why), "malformed result frame");
		r->bad++;
		return;
	}
	i = ntohl(t->tensor_id) - r->base;
	if (i >= r->count || r->done[i]) {
		snprintf(r->why, sizeof(r->why), "unexpected result id %u",
			 ntohl(t->tensor_id));
		r->bad++;
		return;
	}
	if (r->check_hdr && !hdr_ok(r, h, t)) {
		snprintf(
			r->why, sizeof(r->why),
			"result header wrong (flags %#x src %#x dst %#x class %u stage %u len %u)",
			h->flags, ntohl(h->src), ntohl(h->dst), h->tclass,
			t->stage, ntohs(t->total_len));
		r->bad++;
		return;
	}
	off = ntohs(t->frag_off);
	n = ntohs(h->len) - HN_TENSOR_HDR_LEN;
	memcpy(r->got + (size_t)i * r->n_out + off, t + 1, n);
	r->covered[i] += n;
	if (r->covered[i] >= r->n_out)
		run_complete(r, i);
}

/* Every result frame waiting on the socket; returns how many. */
static int run_drain(struct run *r)
{
	uint8_t buf[FRAME_MAX];
	int got = 0;

	for (;;) {
		ssize_t n = recv(pkt_fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0)
			return got;
		run_frame(r, buf, n);
		got++;
	}
}

static int run_poll(struct run *r, int timeout_ms)
{
	struct pollfd p = { .fd = pkt_fd, .events = POLLIN };
	int got, spin;

	if (o.local) {
		struct hn_genl_result res;
		int ret = hn_genl_recv_result(&gl, &res, timeout_ms);
		unsigned int i;

		if (ret <= 0)
			return ret;
		i = res.tensor_id - r->base;
		if (i >= r->count || r->done[i] || res.len != r->n_out) {
			snprintf(r->why, sizeof(r->why),
				 "unexpected notification id %u len %u",
				 res.tensor_id, res.len);
			r->bad++;
			return 1;
		}
		memcpy(r->got + (size_t)i * r->n_out, res.data, res.len);
		run_complete(r, i);
		return 1;
	}
	/*
	 * The device hands over results a batch at a time, and each sleep
	 * here costs a cross-CPU wakeup (milliseconds under QEMU TCG on a
	 * busy host): look a little longer before sleeping, so that a burst
	 * costs one.  Bounded by a count, not a clock: reading the clock
	 * may be an MMIO exit.
	 */
	for (spin = 0; spin <= RECV_SPIN; spin++) {
		got = run_drain(r);
		if (got)
			return got;
	}
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	return run_drain(r);
}

/*
 * What reloading under traffic promises: no tensor lost and every result
 * that of one of the two stages; and each stage computed some of them, so
 * the reloads took effect.  How many reloads fit in some time is no part
 * of it: their number follows from the count sent.
 */
static void reload_result(const struct run *r, int ret)
{
	unsigned int want = (r->count - 1) / (RELOAD_WINDOWS * o.window);

	result(!ret && r->completed == r->count && reloads == want &&
		       (!want || reload_same ||
			(r->from_alt && r->from_alt < r->count)),
	       "stage-reload-under-traffic",
	       "%u of %u results, %u reloads (want %u) with %u tensors in flight in all, %u results from the reloaded stage, %u from the first, %u bad",
	       r->completed, r->count, reloads, want, reload_inflight,
	       r->from_alt, r->completed - r->from_alt - r->bad, r->bad);
}

/*
 * Push @count random tensors through the device, at most @window in
 * flight, and check every result.  @frag as in tensor_send(); 0 mixes
 * single frames and shuffled fragments of random size.
 */
static int run_tensors(const struct stage *s, unsigned int count,
		       unsigned int frag, uint32_t base, double *secs)
{
	unsigned int n_in = stage_in(s), i, sent = 0;
	struct run r = { .s = s,
			 .n_out = stage_out(s),
			 .count = count,
			 .base = base,
			 .check_hdr = true };
	int8_t *in = malloc((size_t)count * n_in);
	double t0;
	int ret = 0;

	r.expect = malloc((size_t)count * r.n_out);
	if (reload_alt)
		r.expect_alt = malloc((size_t)count * r.n_out);
	r.got = calloc(count, r.n_out);
	r.covered = calloc(count, sizeof(*r.covered));
	r.done = calloc(count, 1);
	for (i = 0; i < (size_t)count * n_in; i++)
		in[i] = (int8_t)rnd();
	for (i = 0; i < count; i++) {
		stage_ref(s, in + (size_t)i * n_in,
			  r.expect + (size_t)i * r.n_out);
		if (reload_alt)
			stage_ref(reload_alt, in + (size_t)i * n_in,
				  r.expect_alt + (size_t)i * r.n_out);
	}
	if (run_ticks)
		cpu_ticks(run_ticks[0], run_ticks[1]);
	t0 = now_s();
	while (r.completed < count) {
		while (sent < count && sent - r.completed < o.window) {
			unsigned int f = frag, per;

			if (!f && (sent & 1)) {
				per = n_in / 2 ? n_in / 2 : 1;
				f = 1 + rnd() % per;
			}
			if (tensor_send(base + sent, in + (size_t)sent * n_in,
					n_in, f, !frag)) {
				ret = -1;
				goto out;
			}
			sent++;
			if (reload_alt && sent < count &&
			    !(sent % (RELOAD_WINDOWS * o.window))) {
				reload_inflight += sent - r.completed;
				if (load_stage(++reloads & 1 ? reload_alt : s)) {
					ret = -1;
					goto out;
				}
			}
		}
		if (!run_poll(&r, o.timeout_ms)) {
			snprintf(r.why, sizeof(r.why),
				 "timeout: %u of %u results after %d ms",
				 r.completed, count, o.timeout_ms);
			ret = -1;
			break;
		}
	}
	if (secs)
		*secs = now_s() - t0;
	if (run_ticks)
		cpu_ticks(run_ticks[2], run_ticks[3]);
	if (r.bad) {
		ret = -1;
		fprintf(stderr, "hn-tensor: %u bad results: %s\n", r.bad,
			r.why);
	} else if (ret) {
		fprintf(stderr, "hn-tensor: %s\n", r.why);
	}
	if (reload_alt)
		reload_result(&r, ret);
out:
	free(in);
	free(r.expect);
	free(r.expect_alt);
	free(r.got);
	free(r.covered);
	free(r.done);
	return ret;
}

/* ---- run ----------------------------------------------------------------- */

static int cmd_run(void)
{
	struct stage s, alt;
	char name[64];
	int ret;

	rng_state = o.seed * 0x9e3779b97f4a7c15ULL + 1;
	if (o.model) {
		if (stage_from_file(o.model, &s))
			return 2;
	} else {
		if (stage_parse(o.layers, &s))
			return 2;
		stage_random(&s);
	}
	if (genl_up() || pkt_open())
		return 1;
	if (!o.keep && load_stage(&s))
		return 1;
	if (o.local && (set_output(HNET_OUTPUT_LOCAL) || hn_genl_listen(&gl)))
		return 1;
	if (o.out_node && set_output(HNET_OUTPUT_NODE))
		return 1;
	if (!o.local && !o.out_node && o.node_id &&
	    set_output(HNET_OUTPUT_ORIGIN))
		return 1;
	if (o.reload) {
		/* Same shape and id, other parameters (a model: the same). */
		alt = s;
		reload_same = o.model;
		if (!reload_same)
			stage_random(&alt);
		reload_alt = &alt;
	}
	ret = run_tensors(&s, o.count, o.frag, (uint32_t)o.seed << 20, NULL);
	reload_alt = NULL;
	if (o.local || o.out_node || o.node_id) {
		o.node_id = 0;
		set_output(HNET_OUTPUT_ORIGIN);
	}
	snprintf(name, sizeof(name), "run-%s-%s%s", o.dev,
		 o.local    ? "local" :
		 o.out_node ? "to-node" :
			      "frames",
		 o.send_dev ? "-via-" :
		 o.model    ? "-model" :
			      "");
	if (o.send_dev)
		snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s",
			 o.send_dev);
	result(!ret, name, "%u tensors, layers %s, frag %u", o.count,
	       o.model ? o.model : o.layers, o.frag);
	return ret ? 1 : 0;
}

/* ---- bad frames ---------------------------------------------------------- */

static struct stage bad_stage;
static uint32_t bad_id = 0x70000000;

/* A good tensor after the bad ones: once its result is back, the FIFO
 * worker has handled everything sent before it. */
static int sentinel(void)
{
	return run_tensors(&bad_stage, 1, 0, bad_id++, NULL);
}

static void bad_case(const char *name, const uint8_t *buf, size_t len, int stat,
		     uint64_t want)
{
	uint64_t a[__HNET_STATS_A_MAX], b[__HNET_STATS_A_MAX];
	bool ok;

	if (get_stats(a) || frame_send(buf, len) || sentinel() ||
	    get_stats(b)) {
		result(false, name, "could not run");
		return;
	}
	ok = b[stat] - a[stat] == want;
	result(ok, name, "%s +%llu (want +%llu)", hn_genl_stat_names[stat],
	       (unsigned long long)(b[stat] - a[stat]),
	       (unsigned long long)want);
}

static int cmd_bad(void)
{
	uint64_t a[__HNET_STATS_A_MAX], b[__HNET_STATS_A_MAX];
	uint8_t buf[FRAME_MAX], data[HN_TENSOR_MAX_LEN];
	unsigned int n_in, i;
	struct hdrs h;
	size_t len;

	rng_state = o.seed;
	o.layers = "40x8:5r";
	if (stage_parse(o.layers, &bad_stage))
		return 2;
	stage_random(&bad_stage);
	if (genl_up() || pkt_open() || load_stage(&bad_stage))
		return 1;
	n_in = stage_in(&bad_stage);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (int8_t)rnd();

#define BAD(name, mod, stat, want)                                      \
	do {                                                            \
		hdrs_default(&h);                                       \
		h.tensor_id = bad_id++;                                 \
		h.total_len = n_in;                                     \
		mod;                                                    \
		len = frame_build(buf, &h, (int8_t *)data, n_in, true); \
		bad_case(name, buf, len, stat, want);                   \
	} while (0)

	BAD("bad-version", h.version = 2, HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-type-unspec", h.type = HN_T_UNSPEC,
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-flags-unknown", h.flags = 0x80, HNET_STATS_A_DROP_MALFORMED,
	    1);
	BAD("bad-flags-mcast-anycast", h.flags = HN_F_MCAST | HN_F_ANYCAST,
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-ttl-zero", h.ttl = 0, HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-src-zero", h.src = 0, HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-dtype", h.dtype = 7, HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-frag-idx", (h.frag_cnt = 2, h.frag_idx = 2),
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-total-zero", h.total_len = 0, HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-total-huge", h.total_len = HN_TENSOR_MAX_LEN + 1,
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-single-short", h.total_len = n_in + 1,
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("bad-frag-beyond", (h.frag_cnt = 2, h.frag_off = 10),
	    HNET_STATS_A_DROP_MALFORMED, 1);
	BAD("not-tensor-data", h.type = HN_T_DATA, HNET_STATS_A_DROP_NOT_TENSOR,
	    1);
	BAD("not-tensor-ethertype", h.eth_proto = 0x0800,
	    HNET_STATS_A_DROP_NOT_TENSOR, 1);
	BAD("stage-mismatch", h.stage = o.stage_id + 1,
	    HNET_STATS_A_DROP_STAGE_MISMATCH, 1);

	/* hnhdr.len beyond the frame; a truncated frame. */
	hdrs_default(&h);
	h.total_len = n_in;
	len = frame_build(buf, &h, (int8_t *)data, n_in, true);
	((struct hnhdr *)(buf + ETH_HLEN))->len =
		htons(HN_TENSOR_HDR_LEN + n_in + 1);
	bad_case("bad-len-beyond", buf, len, HNET_STATS_A_DROP_MALFORMED, 1);
	bad_case("bad-truncated", buf, ETH_HLEN + 7,
		 HNET_STATS_A_DROP_MALFORMED, 1);
	bad_case("bad-tensor-hdr-cut", buf, ETH_HLEN + HN_HDR_LEN + 10,
		 HNET_STATS_A_DROP_MALFORMED, 1);

	/* Dimension mismatch: a whole, valid tensor of the wrong length. */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in - 1;
	len = frame_build(buf, &h, (int8_t *)data, n_in - 1, true);
	bad_case("dim-mismatch", buf, len, HNET_STATS_A_DROP_DIM_MISMATCH, 1);

	/* Duplicate fragment: dropped, the tensor still completes. */
	{
		struct run r = {};
		uint8_t f0[FRAME_MAX];
		size_t l0;
		int8_t ref[HN_TENSOR_MAX_LEN];
		bool ok;

		get_stats(a);
		hdrs_default(&h);
		h.tensor_id = bad_id++;
		h.total_len = n_in;
		h.frag_cnt = 2;
		l0 = frame_build(f0, &h, (int8_t *)data, 16, true);
		frame_send(f0, l0);
		frame_send(f0, l0);
		h.frag_idx = 1;
		h.frag_off = 16;
		len = frame_build(buf, &h, (int8_t *)data + 16, n_in - 16,
				  true);
		frame_send(buf, len);
		stage_ref(&bad_stage, (int8_t *)data, ref);
		r.s = &bad_stage;
		r.n_out = stage_out(&bad_stage);
		r.count = 1;
		r.base = h.tensor_id;
		r.expect = ref;
		r.got = calloc(1, r.n_out);
		r.covered = calloc(1, sizeof(uint16_t));
		r.done = calloc(1, 1);
		while (r.completed < 1 && !r.bad && run_poll(&r, o.timeout_ms))
			;
		get_stats(b);
		ok = r.completed == 1 && !r.bad &&
		     b[HNET_STATS_A_DROP_FRAG_DUP] -
				     a[HNET_STATS_A_DROP_FRAG_DUP] ==
			     1;
		result(ok, "frag-duplicate", "completed %u, dup drops +%llu",
		       r.completed,
		       (unsigned long long)(b[HNET_STATS_A_DROP_FRAG_DUP] -
					    a[HNET_STATS_A_DROP_FRAG_DUP]));
		free(r.got);
		free(r.covered);
		free(r.done);
	}

	/* Overlap: fragment 1 claims elements fragment 0 already holds. */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 3;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data, 16, true));
	h.frag_idx = 1;
	h.frag_off = 8;
	len = frame_build(buf, &h, (int8_t *)data, 16, true);
	bad_case("frag-overlap", buf, len, HNET_STATS_A_DROP_FRAG_BAD, 1);

	/*
	 * One element of overlap, at either end of the new fragment: an
	 * off-by-one in the module's overlap check lets these through.
	 */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 3;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data, 16, true));
	h.frag_idx = 1;
	h.frag_off = 15;
	len = frame_build(buf, &h, (int8_t *)data + 15, 16, true);
	bad_case("frag-overlap-first-element", buf, len,
		 HNET_STATS_A_DROP_FRAG_BAD, 1);
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 3;
	h.frag_idx = 1;
	h.frag_off = 16;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data + 16, 16, true));
	h.frag_idx = 0;
	h.frag_off = 0;
	len = frame_build(buf, &h, (int8_t *)data, 17, true);
	bad_case("frag-overlap-last-element", buf, len,
		 HNET_STATS_A_DROP_FRAG_BAD, 1);

	/* Every fragment there, one element missing: given up. */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 2;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data, 16, true));
	h.frag_idx = 1;
	h.frag_off = 17;
	len = frame_build(buf, &h, (int8_t *)data + 17, n_in - 17, true);
	bad_case("frag-gap", buf, len, HNET_STATS_A_DROP_FRAG_BAD, 1);

	/* A sibling disagreeing on the fragment count. */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 3;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data, 16, true));
	h.frag_idx = 1;
	h.frag_cnt = 4;
	h.frag_off = 16;
	len = frame_build(buf, &h, (int8_t *)data, 8, true);
	bad_case("frag-count-differs", buf, len, HNET_STATS_A_DROP_FRAG_BAD, 1);

	/* Counts that cannot add up: 2 fragments covering half the tensor. */
	hdrs_default(&h);
	h.tensor_id = bad_id++;
	h.total_len = n_in;
	h.frag_cnt = 2;
	frame_send(buf, frame_build(buf, &h, (int8_t *)data, 8, true));
	h.frag_idx = 1;
	h.frag_off = 8;
	len = frame_build(buf, &h, (int8_t *)data, 8, true);
	bad_case("frag-incomplete-set", buf, len, HNET_STATS_A_DROP_FRAG_BAD,
		 1);

	/*
	 * Reassembly cap: first fragments of 80 tensors; 64 are held, 16
	 * dropped; then all time out (with those of the cases above).
	 */
	get_stats(a);
	for (i = 0; i < 80; i++) {
		hdrs_default(&h);
		h.tensor_id = bad_id++;
		h.total_len = n_in;
		h.frag_cnt = 2;
		frame_send(buf, frame_build(buf, &h, (int8_t *)data, 8, true));
	}
	sentinel();
	get_stats(b);
	result(b[HNET_STATS_A_DROP_REASM_FULL] -
			       a[HNET_STATS_A_DROP_REASM_FULL] >=
		       16,
	       "reasm-cap", "drop_reasm_full +%llu (want >= 16)",
	       (unsigned long long)(b[HNET_STATS_A_DROP_REASM_FULL] -
				    a[HNET_STATS_A_DROP_REASM_FULL]));
	usleep(1500 * 1000);
	sentinel();
	get_stats(b);
	result(b[HNET_STATS_A_DROP_REASM_TIMEOUT] -
			       a[HNET_STATS_A_DROP_REASM_TIMEOUT] >=
		       64,
	       "reasm-timeout", "drop_reasm_timeout +%llu (want >= 64)",
	       (unsigned long long)(b[HNET_STATS_A_DROP_REASM_TIMEOUT] -
				    a[HNET_STATS_A_DROP_REASM_TIMEOUT]));
	{
		struct hn_genl_sel sel = { .ifname = o.dev };
		struct hn_genl_dev d = { .inflight = ~0U };
		int ret = hn_genl_get(&gl, &sel, dev_cb, &d);

		result(!ret && !d.inflight, "reasm-empty",
		       "%u tensors in flight", d.inflight);
	}

	/* No stage: clear it, send, reload. */
	{
		struct hn_genl_sel sel = { .ifname = o.dev };
		int ret;

		get_stats(a);
		ret = hn_genl_set_stage(&gl, &sel, NULL,
					HNET_DEV_F_CLEAR_STAGE);
		hdrs_default(&h);
		h.tensor_id = bad_id++;
		h.total_len = n_in;
		len = frame_build(buf, &h, (int8_t *)data, n_in, true);
		frame_send(buf, len);
		usleep(300 * 1000);
		ret = ret ?: load_stage(&bad_stage);
		ret = ret ?: sentinel();
		get_stats(b);
		result(!ret && b[HNET_STATS_A_DROP_NO_STAGE] -
					       a[HNET_STATS_A_DROP_NO_STAGE] ==
				       1,
		       "no-stage", "drop_no_stage +%llu",
		       (unsigned long long)(b[HNET_STATS_A_DROP_NO_STAGE] -
					    a[HNET_STATS_A_DROP_NO_STAGE]));
	}
	return failures ? 1 : 0;
}

/*
 * Queue bound: a stage slow enough that a burst overruns the worker's
 * queue; the overflow is counted, the device keeps working.
 */
static int cmd_flood(void)
{
	uint64_t a[__HNET_STATS_A_MAX], b[__HNET_STATS_A_MAX];
	uint8_t buf[FRAME_MAX];
	int8_t data[HN_TENSOR_MAX_LEN];
	struct stage s;
	struct hdrs h;
	unsigned int i, n_in;
	size_t len;
	double t0;

	rng_state = o.seed;
	if (stage_parse("1000x512:9", &s))
		return 2;
	stage_random(&s);
	if (genl_up() || pkt_open() || load_stage(&s))
		return 1;
	n_in = stage_in(&s);
	for (i = 0; i < n_in; i++)
		data[i] = (int8_t)rnd();
	get_stats(a);
	for (i = 0; i < o.count; i++) {
		hdrs_default(&h);
		h.tensor_id = bad_id++;
		h.total_len = n_in;
		len = frame_build(buf, &h, data, n_in, true);
		if (frame_send(buf, len))
			return 1;
	}
	/* Drain: wait until every queued frame was handled. */
	t0 = now_s();
	do {
		usleep(200 * 1000);
		get_stats(b);
	} while (b[HNET_STATS_A_TENSORS_DONE] - a[HNET_STATS_A_TENSORS_DONE] <
			 b[HNET_STATS_A_FRAMES_IN] -
				 a[HNET_STATS_A_FRAMES_IN] &&
		 now_s() - t0 < 60);
	result(b[HNET_STATS_A_DROP_QUEUE_FULL] >
			       a[HNET_STATS_A_DROP_QUEUE_FULL] &&
		       b[HNET_STATS_A_DROP_QUEUE_FULL] -
				       a[HNET_STATS_A_DROP_QUEUE_FULL] +
				       b[HNET_STATS_A_FRAMES_IN] -
				       a[HNET_STATS_A_FRAMES_IN] ==
			       o.count,
	       "queue-full", "%u sent, queued +%llu, dropped +%llu", o.count,
	       (unsigned long long)(b[HNET_STATS_A_FRAMES_IN] -
				    a[HNET_STATS_A_FRAMES_IN]),
	       (unsigned long long)(b[HNET_STATS_A_DROP_QUEUE_FULL] -
				    a[HNET_STATS_A_DROP_QUEUE_FULL]));
	return failures ? 1 : 0;
}

/* ---- bad genl requests --------------------------------------------------- */

static struct nl_msg *nlm(uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc_size(1 << 20);

	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, gl.family, 0, flags, cmd,
		    HYPERNET_GENL_VERSION);
	return m;
}

static void put_dev(struct nl_msg *m)
{
	nla_put_u32(m, HNET_A_IFINDEX, pkt_ifindex);
}

/* A stage nest with layers "in x out", shift 4, flags @lflags. */
static void put_layers(struct nl_msg *m, const unsigned int *dims,
		       unsigned int n, uint32_t lflags, int shift)
{
	struct nlattr *st = nla_nest_start(m, HNET_A_STAGE), *ls, *l;
	unsigned int i;

	nla_put_u8(m, HNET_STAGE_A_ID, o.stage_id);
	ls = nla_nest_start(m, HNET_STAGE_A_LAYERS);
	for (i = 0; i < n; i++) {
		l = nla_nest_start(m, i);
		nla_put_u32(m, HNET_LAYER_A_IN, dims[2 * i]);
		nla_put_u32(m, HNET_LAYER_A_OUT, dims[2 * i + 1]);
		if (shift >= 0)
			nla_put_u8(m, HNET_LAYER_A_SHIFT, shift);
		nla_put_u32(m, HNET_LAYER_A_FLAGS, lflags);
		nla_nest_end(m, l);
	}
	nla_nest_end(m, ls);
	nla_nest_end(m, st);
}

static void put_params(struct nl_msg *m, size_t nw, size_t nb_bytes,
		       int32_t bias)
{
	static int8_t w[65000];
	static int32_t b[16250];
	size_t i, n;

	for (i = 0; i < 16250; i++)
		b[i] = bias;
	while (nw) {
		n = nw < sizeof(w) ? nw : sizeof(w);
		nla_put(m, HNET_A_WEIGHTS, n, w);
		nw -= n;
	}
	while (nb_bytes) {
		n = nb_bytes < 64000 ? nb_bytes : 64000;
		nla_put(m, HNET_A_BIASES, n, b);
		nb_bytes -= n;
	}
}

static void nl_case(const char *name, struct nl_msg *m, int want)
{
	int ret = hn_genl_transact(&gl, m, NULL, NULL);
	bool ok = want ? ret == want : ret < 0;

	/* Every rejection must say why. */
	/* (6.1 drops the extack of a dump's start(): errno only there.) */
	if (ok && ret && ret != -EOPNOTSUPP && !gl.errmsg[0] &&
	    strcmp(name, "nl-get-no-such-device"))
		ok = false;
	result(ok, name, "%s (%d): %s", strerror(-ret), ret,
	       gl.errmsg[0] ? gl.errmsg : "(no extack)");
}

static int cmd_badnl(void)
{
	static const unsigned int d16[] = { 16, 8 };
	static const unsigned int dmis[] = { 16, 8, 9, 4 };
	static const unsigned int dbig[] = { 1024, 1024 };
	static const unsigned int d9[] = { 4, 4, 4, 4, 4, 4, 4, 4, 4,
					   4, 4, 4, 4, 4, 4, 4, 4, 4 };
	static const unsigned int dzero[] = { 0, 8 };
	static const unsigned int dhuge[] = { 5000, 8 };
	struct nl_msg *m;
	struct nlattr *n;
	uint64_t before[__HNET_STATS_A_MAX];
	unsigned int lo = if_nametoindex("lo");

	rng_state = o.seed;
	if (stage_parse("40x8:5r", &bad_stage))
		return 2;
	stage_random(&bad_stage);
	if (genl_up() || pkt_open() || load_stage(&bad_stage))
		return 1;
	get_stats(before);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	nla_put_u16(m, HNET_A_IFINDEX, pkt_ifindex);
	nl_case("nl-ifindex-wrong-size", m, 0);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 32, 0);
	nl_case("nl-no-device", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	nla_put_u32(m, HNET_A_IFINDEX, 99999);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 32, 0);
	nl_case("nl-no-such-device", m, -ENODEV);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	nla_put_u32(m, HNET_A_IFINDEX, lo);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 32, 0);
	nl_case("nl-not-hypernet", m, -EOPNOTSUPP);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	nla_put_string(m, HNET_A_IFNAME, "a-name-way-too-long-for-ifnamsiz");
	nl_case("nl-ifname-too-long", m, 0);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	nla_put_u32(m, HNET_A_FLAGS, 1U << 7);
	nl_case("nl-unknown-dev-flags", m, -EOPNOTSUPP);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 1U << 5, 4);
	put_params(m, 128, 32, 0);
	nl_case("nl-unknown-layer-flags", m, -EOPNOTSUPP);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	nl_case("nl-missing-stage", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	n = nla_nest_start(m, HNET_A_STAGE);
	nla_put_u8(m, HNET_STAGE_A_ID, 1);
	nla_nest_end(m, n);
	nl_case("nl-missing-layers", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, -1);
	put_params(m, 128, 32, 0);
	nl_case("nl-layer-missing-shift", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, HN_SHIFT_MAX + 1);
	put_params(m, 128, 32, 0);
	nl_case("nl-shift-range", m, 0);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, dzero, 1, 0, 4);
	nl_case("nl-dim-zero", m, 0);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, dhuge, 1, 0, 4);
	nl_case("nl-dim-huge", m, 0);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, dmis, 2, 0, 4);
	put_params(m, 128 + 36, 48, 0);
	nl_case("nl-dim-mismatch", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, dbig, 1, 0, 4);
	nl_case("nl-oversize", m, -E2BIG);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d9, 9, 0, 4);
	nl_case("nl-too-many-layers", m, -E2BIG);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 0, 32, 0);
	nl_case("nl-missing-weights", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 127, 32, 0);
	nl_case("nl-weights-short", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 129, 32, 0);
	nl_case("nl-weights-long", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 0, 0);
	nl_case("nl-missing-biases", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 30, 0);
	nl_case("nl-biases-not-int32", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	put_layers(m, d16, 1, 0, 4);
	put_params(m, 128, 32, INT32_MAX);
	nl_case("nl-bias-overflow", m, -ERANGE);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	nla_put_u32(m, HNET_A_FLAGS, HNET_DEV_F_CLEAR_STAGE);
	put_layers(m, d16, 1, 0, 4);
	nl_case("nl-clear-with-stage", m, -EINVAL);

	m = nlm(HNET_CMD_SET_STAGE, 0);
	put_dev(m);
	nla_put_u32(m, HNET_A_INFLIGHT, 1);
	nl_case("nl-kernel-only-attr", m, 0);

	m = nlm(HNET_CMD_SET_OUTPUT, 0);
	put_dev(m);
	nl_case("nl-output-missing", m, -EINVAL);

	m = nlm(HNET_CMD_SET_OUTPUT, 0);
	put_dev(m);
	n = nla_nest_start(m, HNET_A_OUTPUT);
	nla_put_u8(m, HNET_OUT_A_CLASS, 1);
	nla_nest_end(m, n);
	nl_case("nl-output-missing-mode", m, -EINVAL);

	m = nlm(HNET_CMD_SET_OUTPUT, 0);
	put_dev(m);
	n = nla_nest_start(m, HNET_A_OUTPUT);
	nla_put_u8(m, HNET_OUT_A_MODE, 9);
	nla_nest_end(m, n);
	nl_case("nl-output-mode-range", m, 0);

	m = nlm(HNET_CMD_SET_OUTPUT, 0);
	put_dev(m);
	n = nla_nest_start(m, HNET_A_OUTPUT);
	nla_put_u8(m, HNET_OUT_A_MODE, HNET_OUTPUT_NODE);
	nla_nest_end(m, n);
	nl_case("nl-output-node-missing", m, -EINVAL);

	m = nlm(HNET_CMD_SET_OUTPUT, 0);
	put_dev(m);
	n = nla_nest_start(m, HNET_A_OUTPUT);
	nla_put_u8(m, HNET_OUT_A_MODE, HNET_OUTPUT_NODE);
	nla_put_u32(m, HNET_OUT_A_NODE, 5);
	nla_put_u32(m, HNET_OUT_A_FLAGS, 1U << 9);
	nla_nest_end(m, n);
	nl_case("nl-output-unknown-flags", m, -EOPNOTSUPP);

	m = nlm(HNET_CMD_GET_DEVICE, NLM_F_DUMP);
	nla_put_u32(m, HNET_A_IFINDEX, 99999);
	nl_case("nl-get-no-such-device", m, -ENODEV);

	m = nlm(HNET_CMD_RESULT, 0);
	put_dev(m);
	nl_case("nl-unknown-cmd", m, -EOPNOTSUPP);

	/* None of it may have touched the loaded stage. */
	{
		uint64_t after[__HNET_STATS_A_MAX];
		int ret = sentinel();

		get_stats(after);
		result(!ret && after[HNET_STATS_A_STAGE_LOADS] ==
				       before[HNET_STATS_A_STAGE_LOADS],
		       "nl-stage-intact", "stage loads %llu -> %llu",
		       (unsigned long long)before[HNET_STATS_A_STAGE_LOADS],
		       (unsigned long long)after[HNET_STATS_A_STAGE_LOADS]);
	}
	/* A reload with HNET_DEV_F_RESET_STATS zeroes the counters. */
	{
		struct hn_genl_sel sel = { .ifname = o.dev };
		uint64_t after[__HNET_STATS_A_MAX];
		int ret;

		ret = hn_genl_set_stage(&gl, &sel, &bad_stage.g,
					HNET_DEV_F_RESET_STATS);
		get_stats(after);
		result(!ret && !after[HNET_STATS_A_FRAMES_IN] &&
			       !after[HNET_STATS_A_TENSORS_DONE],
		       "nl-reset-stats", "frames_in %llu after reset",
		       (unsigned long long)after[HNET_STATS_A_FRAMES_IN]);
	}
	return failures ? 1 : 0;
}

/* ---- bench --------------------------------------------------------------- */

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n values; sorts @v. */
static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), dcmp);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Device path (send, queue, compute, emit, receive) against the engine in
 * this process on as many distinct inputs.  The two alternate round by
 * round, in ABBA order so that a drifting host load hits both alike; each
 * round gives one ratio, and the medians count: a busy host (other
 * benchmarks) slows single rounds, not the median.  The module's compute
 * alone comes from its compute_ns counter, per round as well.
 */
static int cmd_bench(void)
{
	uint64_t st0[__HNET_STATS_A_MAX], st1[__HNET_STATS_A_MAX];
	unsigned int n_in, n_out, i, round, rounds = o.rounds;
	double *tk, *tu, *kc, *rt, t0, macs, best_k = 1e30, best_u = 1e30;
	double med_k, med_u, med_c, med_r, r_min, r_max, busy[2];
	unsigned long long ticks[4][2];
	int8_t *in, out[HN_TENSOR_MAX_LEN];
	volatile int sink = 0;
	struct stage s;
	FILE *f;

	rng_state = o.seed;
	if (stage_parse("784x128:8r", &s))
		return 2;
	stage_random(&s);
	if (genl_up() || pkt_open() || load_stage(&s))
		return 1;
	n_in = stage_in(&s);
	n_out = stage_out(&s);
	macs = (double)n_in * n_out;
	in = malloc((size_t)n_in * o.count);
	tk = calloc(rounds, sizeof(*tk));
	tu = calloc(rounds, sizeof(*tu));
	kc = calloc(rounds, sizeof(*kc));
	rt = calloc(rounds, sizeof(*rt));
	if (!in || !tk || !tu || !kc || !rt)
		return 1;
	for (i = 0; i < n_in * o.count; i++)
		in[i] = (int8_t)rnd();

	if (run_tensors(&s, 64, 0xffff, 0x60000000, NULL)) {
		result(false, "bench", "device warm-up failed");
		return 1;
	}
	for (round = 0; round < rounds; round++) {
		bool user_first = round & 1;

		for (int side = 0; side < 2; side++) {
			if (side == user_first) {
				get_stats(st0);
				run_ticks = ticks;
				if (run_tensors(&s, o.count, 0xffff,
						0x61000000 + (round << 20),
						&tk[round])) {
					result(false, "bench",
					       "device run failed");
					return 1;
				}
				run_ticks = NULL;
				get_stats(st1);
				for (i = 0; i < 2; i++)
					busy[i] = ticks[3][i] > ticks[1][i] ?
						100.0 *
						(ticks[2][i] - ticks[0][i]) /
						(ticks[3][i] - ticks[1][i]) : 0;
				kc[round] =
					(double)(st1[HNET_STATS_A_COMPUTE_NS] -
						 st0[HNET_STATS_A_COMPUTE_NS]) /
					((double)(st1[HNET_STATS_A_TENSORS_DONE] -
						  st0[HNET_STATS_A_TENSORS_DONE]) *
					 macs);
				continue;
			}
			t0 = now_s();
			for (i = 0; i < o.count; i++) {
				stage_ref(&s, in + (size_t)i * n_in, out);
				sink += out[i % n_out];
			}
			tu[round] = now_s() - t0;
		}
		rt[round] = tu[round] / tk[round];
		best_k = tk[round] < best_k ? tk[round] : best_k;
		best_u = tu[round] < best_u ? tu[round] : best_u;
		printf("bench: round %u: device %.0f/s (compute %.3f ns/MAC, CPU busy %.0f%% tool, %.0f%% worker), userspace %.0f/s, ratio %.3f\n",
		       round, o.count / tk[round], kc[round], busy[0], busy[1],
		       o.count / tu[round], rt[round]);
	}
	med_k = median(tk, rounds);
	med_u = median(tu, rounds);
	med_c = median(kc, rounds);
	med_r = median(rt, rounds);
	r_min = rt[0];
	r_max = rt[rounds - 1];
	printf("bench: %u tensors of %ux%u per round, median of %u: device %.0f tensors/s (%.3f ns/MAC end to end, %.3f ns/MAC compute), userspace %.0f tensors/s (%.3f ns/MAC), ratio %.2f (rounds %.2f..%.2f)\n",
	       o.count, n_in, n_out, rounds, o.count / med_k,
	       med_k * 1e9 / (o.count * macs), med_c, o.count / med_u,
	       med_u * 1e9 / (o.count * macs), med_r, r_min, r_max);
	if (o.json) {
		f = fopen(o.json, "w");
		if (!f) {
			perror(o.json);
			return 1;
		}
		fprintf(f,
			"{\n  \"stage\": \"%ux%u int8\",\n  \"tensors\": %u,\n"
			"  \"rounds\": %u,\n"
			"  \"statistic\": \"median\",\n"
			"  \"kmod_tensors_per_s\": %.1f,\n"
			"  \"user_tensors_per_s\": %.1f,\n"
			"  \"kmod_ns_per_mac\": %.4f,\n"
			"  \"kmod_compute_ns_per_mac\": %.4f,\n"
			"  \"user_ns_per_mac\": %.4f,\n"
			"  \"ratio\": %.3f,\n"
			"  \"ratio_min\": %.3f,\n"
			"  \"ratio_max\": %.3f,\n"
			"  \"kmod_best_tensors_per_s\": %.1f,\n"
			"  \"user_best_tensors_per_s\": %.1f\n}\n",
			n_in, n_out, o.count, rounds, o.count / med_k,
			o.count / med_u, med_k * 1e9 / (o.count * macs), med_c,
			med_u * 1e9 / (o.count * macs), med_r, r_min, r_max,
			o.count / best_k, o.count / best_u);
		fclose(f);
	}
	free(in);
	free(tk);
	free(tu);
	free(kc);
	free(rt);
	result(true, "bench", "%u tensors x %u rounds", o.count, rounds);
	return 0;
}

static void usage(void)
{
	fputs("Usage: hn-tensor run|bad|badnl|flood|bench DEV [options]\n"
	      "       hn-tensor mkmodel FILE.hnm [-L SPEC] [-s SEED] [-S ID]\n"
	      "  -n N      tensors (run, bench) or frames (flood)\n"
	      "  -s SEED   random seed\n"
	      "  -L SPEC   layers, e.g. 64x32:7r,32x16:6 (IN x OUT : SHIFT, r = ReLU)\n"
	      "  -f N      elements per input fragment (0: mix single and fragmented)\n"
	      "  -w N      tensors in flight\n"
	      "  -l        results by notification (output mode local)\n"
	      "  -k        keep the loaded stage (do not load one)\n"
	      "  -r        reload the same stage continuously meanwhile\n"
	      "  -S ID     stage id\n"
	      "  -t MS     result timeout\n"
	      "  -j FILE   bench: write JSON\n"
	      "  -R N      bench: rounds (medians over them)\n"
	      "  -i DEV    send into DEV instead (results still read on the device)\n"
	      "  -d ID     destination node of the frames sent\n"
	      "  -m FILE   run: the stage is this .hnm model (reference: hn_model_infer)\n"
	      "  -N ID     run: results to node ID (output mode node), -C class\n"
	      "  -I ID     run: the device's node id (source of results)\n",
	      stderr);
}

int main(int argc, char **argv)
{
	const char *cmd;
	int c;

	if (argc < 3) {
		usage();
		return 2;
	}
	cmd = argv[1];
	o.dev = argv[2];
	optind = 3;
	while ((c = getopt(argc, argv, "n:s:L:f:w:lkrR:S:t:j:i:d:m:N:C:I:")) !=
	       -1) {
		switch (c) {
		case 'n':
			o.count = strtoul(optarg, NULL, 0);
			break;
		case 's':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'L':
			o.layers = optarg;
			break;
		case 'f':
			o.frag = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			o.window = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			o.local = true;
			break;
		case 'k':
			o.keep = true;
			break;
		case 'r':
			o.reload = true;
			break;
		case 'i':
			o.send_dev = optarg;
			break;
		case 'd':
			o.dst = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			o.model = optarg;
			break;
		case 'N':
			o.out_node = strtoul(optarg, NULL, 0);
			break;
		case 'C':
			o.out_class = strtoul(optarg, NULL, 0);
			break;
		case 'I':
			o.node_id = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			o.stage_id = strtoul(optarg, NULL, 0);
			break;
		case 't':
			o.timeout_ms = strtol(optarg, NULL, 0);
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'R':
			o.rounds = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!o.count || !o.window || !o.rounds) {
		usage();
		return 2;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run();
	if (!strcmp(cmd, "bad"))
		return cmd_bad();
	if (!strcmp(cmd, "badnl"))
		return cmd_badnl();
	if (!strcmp(cmd, "flood"))
		return cmd_flood();
	if (!strcmp(cmd, "bench"))
		return cmd_bench();
	if (!strcmp(cmd, "mkmodel"))
		return cmd_mkmodel(o.dev);
	usage();
	return 2;
}
