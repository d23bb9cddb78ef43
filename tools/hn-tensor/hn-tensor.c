// SPDX-License-Identifier: GPL-2.0
/*
 * hn-tensor's device side, declared in hn-tensor.h: the stage and its
 * userspace reference (engine.h), the device's genl calls, frames through
 * an AF_PACKET socket on the device (its transmit side), results back on
 * the same socket (its receive side) or as HNET_CMD_RESULT notifications,
 * and runs of tensors whose every result is compared with the reference.
 */
#include <arpa/inet.h>
#include <errno.h>
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

#include "frames.h"
#include "genl.h"
#include "hn-tensor.h"
#include "model.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* Empty receive attempts before run_poll() sleeps. */
#define RECV_SPIN 64

struct opts o = {
	.count = 1000,
	.seed = 1,
	.layers = "64x32:7r,32x16:6",
	.bench_layers = "784x128:8r",
	.window = 32,
	.stage_id = 3,
	.origin = 0x0a000001,
	.dst = 0x0a0000fe,
	.timeout_ms = 5000,
	.rounds = 11,
};

int failures;

const char *dev_args(int argc, char **argv)
{
	if (argc < 3)
		return NULL;
	o.dev = argv[2];
	optind = 3;
	return argv[1];
}

int dev_opt(int c, const char *arg)
{
	switch (c) {
	case 's':
		o.seed = strtoull(arg, NULL, 0);
		return 0;
	case 'S':
		o.stage_id = strtoul(arg, NULL, 0);
		return 0;
	case 't':
		o.timeout_ms = strtol(arg, NULL, 0);
		return 0;
	}
	return -1;
}

void result(bool ok, const char *name, const char *fmt, ...)
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

uint64_t rng_state;

uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the stage and its userspace reference ------------------------------ */

/*
 * One layer of a spec at @p: IN x OUT : SHIFT [r] (dense),
 * convCxHxW-OCkKsSpP : SHIFT [r], or poolCxHxWkKsS.  Characters read, or
 * 0 if none of them.
 */
static int layer_parse(const char *p, struct hn_genl_layer *l)
{
	unsigned int v[7], shift = 0;
	struct hn_op *op = &l->op;
	int n = 0;

	memset(l, 0, sizeof(*l));
	if (sscanf(p, "conv%ux%ux%u-%uk%us%up%u:%u%n", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &shift, &n) == 8) {
		*op = (struct hn_op){ .kind = HNET_OP_CONV2D, .pad = v[6] };
	} else if (sscanf(p, "pool%ux%ux%uk%us%u%n", &v[0], &v[1], &v[2], &v[4],
			  &v[5], &n) == 5) {
		*op = (struct hn_op){ .kind = HNET_OP_MAXPOOL };
		v[3] = v[0];
	} else if (sscanf(p, "%ux%u:%u%n", &l->n_in, &l->n_out, &shift, &n) ==
		   3) {
		l->shift = shift;
		return n;
	} else {
		return 0;
	}
	op->in_c = v[0];
	op->in_h = v[1];
	op->in_w = v[2];
	op->out_c = v[3];
	op->k = v[4];
	op->stride = v[5];
	l->shift = shift;
	/* Lengths as the geometry gives them; genl checks the geometry. */
	l->n_in = hn_op_in_len(op);
	l->n_out = op->stride ? hn_op_out_len(op) : 0;
	return n;
}

int stage_parse(const char *spec, struct stage *s)
{
	const char *p = spec;

	memset(s, 0, sizeof(*s));
	s->g.id = o.stage_id;
	while (*p) {
		struct hn_genl_layer *l = &s->g.layers[s->g.n_layers];
		int n = 0;

		if (s->g.n_layers == HNET_MAX_LAYERS ||
		    !(n = layer_parse(p, l))) {
			fprintf(stderr, "hn-tensor: bad layer spec '%s'\n", p);
			return -1;
		}
		p += n;
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

void stage_random(struct stage *s)
{
	unsigned int i, j;

	for (i = 0; i < s->g.n_layers; i++) {
		struct hn_genl_layer *l = &s->g.layers[i];
		struct hn_op op = hn_genl_layer_op(l);
		size_t nw = hn_op_n_weights(&op), nb = hn_op_n_biases(&op);

		/* One more: pooling has none, but gets an array. */
		s->w[i] = malloc(nw + 1);
		s->b[i] = malloc((nb + 1) * sizeof(int32_t));
		for (j = 0; j < nw; j++)
			s->w[i][j] = (int8_t)rnd();
		for (j = 0; j < nb; j++)
			s->b[i][j] = (int32_t)(rnd() % 20001) - 10000;
		l->w = s->w[i];
		l->b = s->b[i];
	}
}

unsigned int stage_in(const struct stage *s)
{
	return s->g.layers[0].n_in;
}

unsigned int stage_out(const struct stage *s)
{
	return s->g.layers[s->g.n_layers - 1].n_out;
}

static struct hn_model ref_model;
static bool use_model;

/* The very arithmetic of the module: engine.h's hn_op_run(), layer by layer. */
void stage_ref(const struct stage *s, const int8_t *in, int8_t *out)
{
	static int8_t act[2][HNET_STAGE_ACT_MAX];
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
		struct hn_op op = hn_genl_layer_op(l);

		hn_op_run(&op, l->w, l->b, x, y);
		x = y;
	}
}

/* A .hnm STAGE model as the stage (pointers into the model). */
int stage_from_file(const char *path, struct stage *s)
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
		l->op = ml->op;
	}
	o.stage_id = s->g.id;
	use_model = true;
	return 0;
}

/* ---- genl ---------------------------------------------------------------- */

struct hn_genl gl;

int genl_up(void)
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

int load_stage(const struct stage *s)
{
	struct hn_genl_sel sel = { .ifname = o.dev };
	int ret = hn_genl_set_stage(&gl, &sel, &s->g, 0);

	if (ret)
		fprintf(stderr, "hn-tensor: loading the stage: %s: %s\n",
			strerror(-ret), gl.errmsg);
	return ret;
}

int set_output(uint8_t mode)
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

int get_dev(struct hn_genl_dev *d)
{
	struct hn_genl_sel sel = { .ifname = o.dev };

	return hn_genl_get(&gl, &sel, dev_cb, d);
}

int get_stats(uint64_t *st)
{
	struct hn_genl_sel sel = { .ifname = o.dev };

	memset(st, 0, sizeof(uint64_t) * __HNET_STATS_A_MAX);
	return hn_genl_get(&gl, &sel, stats_cb, st);
}

/* ---- frames -------------------------------------------------------------- */

static int pkt_fd = -1, send_fd = -1;
int pkt_ifindex;
static unsigned int pkt_mtu;
static uint32_t pkt_seq = 1;

int pkt_open(void)
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

void hdrs_default(struct hdrs *h)
{
	memset(h, 0, sizeof(*h));
	h->version = HN_VERSION;
	h->type = HN_T_TENSOR;
	h->flags = o.private ? HN_F_PRIVATE : 0;
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
size_t frame_build(uint8_t *buf, const struct hdrs *x, const int8_t *d,
		   size_t n, bool auto_len)
{
	struct hnhdr *h = (struct hnhdr *)(buf + ETH_HLEN);
	struct hn_frame f = {
		.type = HN_T_TENSOR,
		.flags = x->flags,
		.ttl = x->ttl,
		.tclass = x->tclass,
		.src = x->src,
		.dst = x->dst,
		.seq = pkt_seq++,
		.tensor_id = x->tensor_id,
		.origin = x->origin,
		.stage = x->stage,
		.dtype = x->dtype,
		.frag_idx = x->frag_idx,
		.frag_cnt = x->frag_cnt,
		.frag_off = x->frag_off,
		.total_len = x->total_len,
		.payload = d,
		.payload_len = n,
		.src_mac = { 0x02, 0, 0, 0, 0, 0x01 },
	};
	size_t len;

	memset(f.dst_mac, 0xff, ETH_ALEN);
	/* Unchecked on purpose: the bad-input cases need malformed frames. */
	if (hn_frame_write(&f, buf, FRAME_MAX, &len)) {
		fprintf(stderr, "hn-tensor: %zu elements do not fit a frame\n",
			n);
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

int frame_send(const uint8_t *buf, size_t len)
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
int tensor_send(uint32_t id, const int8_t *x, unsigned int len,
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

/* ---- runs of tensors ----------------------------------------------------- */

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
		if (sscanf(line,
			   "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu", &c,
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) != 9 ||
		    c > 1)
			continue;
		busy[c] = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		all[c] = busy[c] + v[3] + v[4];
	}
	fclose(f);
}

unsigned long long (*run_ticks)[2];

/*
 * -r: the stage is reloaded, alternately @reload_alt and the run's own,
 * every RELOAD_WINDOWS windows of tensors sent, so that reloads happen
 * while tensors are in flight however fast or slow the host is.  The
 * window is smaller than that, so each stage computes some of them.
 */
#define RELOAD_WINDOWS 2
const struct stage *reload_alt;
bool reload_same;
static unsigned int reloads, reload_inflight;

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
 * where the input was sent.  Never HN_F_PRIVATE, even for private inputs
 * (-P): a result is no raw input.
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

int run_poll(struct run *r, int timeout_ms)
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
int run_tensors(const struct stage *s, unsigned int count, unsigned int frag,
		uint32_t base, double *secs)
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
				if (load_stage(++reloads & 1 ? reload_alt :
							       s)) {
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
