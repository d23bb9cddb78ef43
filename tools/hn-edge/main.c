// SPDX-License-Identifier: GPL-2.0
/*
 * hn-edge: split inference from the edge of the mesh.
 *
 *   hn-edge run    stream images: encode here, one tensor frame per image
 *                  to a task class (anycast: the data plane picks the
 *                  host), result frames back; retries, then local
 *                  fallback; accuracy, latency, bytes
 *   hn-edge check  the same, every answer compared bit for bit with the
 *                  stage(s) run here (hn_model_infer())
 *   hn-edge beacon HELLOs on a port (liveness without hypernetd)
 *
 * Documentation/man/hn-edge.1 has the options and the JSON keys.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <math.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frames.h"
#include "hn-edge.h"
#include "idx.h"
#include "jsonw.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* Empty receive attempts before sleeping in poll(): see recv_some(). */
#define RECV_SPIN 32
/* Node ids we count answers for (the hosts that ran the head). */
#define MAX_NODES 16

static struct edge_opts o = {
	.window = 16,
	.timeout_ms = 1000,
	.retries = 1,
	.stage = -1,
	.interval_ms = 200,
	.cut = EDGE_CUT_FIXED,
	.link_kbps = 1000000,
	.hop_us = 100,
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- models ------------------------------------------------------------- */

/* First highest logit, as hn-fmnist eval picks it. */
static unsigned int argmax(const int8_t *z, unsigned int n)
{
	unsigned int k, best = 0;

	for (k = 1; k < n; k++)
		if (z[k] > z[best])
			best = k;
	return best;
}

/* ---- images ------------------------------------------------------------- */

static struct edge_src src = { .raw = -1 };

static int src_open(void)
{
	struct hn_idx im = { 0 }, lb = { 0 };
	char err[256];

	if (o.raw) {
		src.item_len = edge_models_n_in(edge_models_cur(), 784);
		src.raw = strcmp(o.raw, "-") ? open(o.raw, O_RDONLY) :
					       STDIN_FILENO;
		src.part = malloc(src.item_len);
		if (src.raw < 0 || !src.part) {
			perror(o.raw);
			return -1;
		}
		/* labels of a stream: the first images' */
		if (o.labels) {
			if (hn_idx_read_file(o.labels, 1, &lb, err,
					     sizeof(err))) {
				fprintf(stderr, "hn-edge: %s\n", err);
				return -1;
			}
			src.labels = lb.data;
			src.n = lb.n_items;
		}
		return 0;
	}
	if (hn_idx_read_file(o.images, 3, &im, err, sizeof(err))) {
		fprintf(stderr, "hn-edge: %s\n", err);
		return -1;
	}
	if (o.labels) {
		if (hn_idx_read_file(o.labels, 1, &lb, err, sizeof(err)) ||
		    hn_idx_check_pair(&im, &lb, err, sizeof(err))) {
			fprintf(stderr, "hn-edge: %s\n", err);
			return -1;
		}
		src.labels = lb.data;
	}
	src.pix = im.data;
	src.n = im.n_items;
	src.item_len = im.item_len;
	if (o.encoder &&
	    edge_models_n_in(edge_models_cur(), 0) != src.item_len) {
		fprintf(stderr,
			"hn-edge: %s takes %u elements, the images of %s have %zu\n",
			o.encoder, edge_models_n_in(edge_models_cur(), 0),
			o.images, (size_t)src.item_len);
		return -1;
	}
	if (o.skip >= src.n) {
		fprintf(stderr, "hn-edge: --skip %u: the file has %zu images\n",
			o.skip, src.n);
		return -1;
	}
	if (!o.count || o.count > src.n - o.skip)
		o.count = src.n - o.skip;
	return 0;
}

/*
 * The next image of a raw stream, as far as it has come: 0 whole, 1 not
 * yet (the stream is slow: answers must not wait for it), -1 at its end.
 */
static int raw_get(uint8_t *pix)
{
	ssize_t n;

	while (src.have < src.item_len) {
		struct pollfd p = { .fd = src.raw, .events = POLLIN };

		if (poll(&p, 1, 0) == 0)
			return 1;
		n = read(src.raw, src.part + src.have, src.item_len - src.have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		src.have += n;
	}
	memcpy(pix, src.part, src.item_len);
	src.have = 0;
	return 0;
}

/* Image @i of the run (raw: the next one); 0, 1 not yet, -1 at the end. */
static int src_get(unsigned int i, uint8_t *pix, int *label)
{
	int ret;

	*label = -1;
	if (src.raw >= 0) {
		if (o.count && i >= o.count)
			return -1;
		ret = raw_get(pix);
		if (!ret && src.labels && i < src.n)
			*label = src.labels[i];
		return ret;
	}
	if (i >= o.count)
		return -1;
	memcpy(pix, src.pix + (size_t)(o.skip + i) * src.item_len,
	       src.item_len);
	if (src.labels)
		*label = src.labels[o.skip + i];
	return 0;
}

/* ---- frames ------------------------------------------------------------- */

static int fd = -1;
static unsigned int mtu;
static uint8_t mac[6];
static uint32_t seq;

static int sock_open(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };
	int one = 1, sz = 8 << 20;

	sll.sll_protocol = htons(ETH_P_HYPERNET);
	sll.sll_ifindex = if_nametoindex(o.dev);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "hn-edge: no interface %s\n", o.dev);
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_HYPERNET));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("hn-edge: packet socket on the port");
		return -1;
	}
	/* our own requests are not results */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o.dev);
	if (ioctl(fd, SIOCGIFMTU, &ifr)) {
		perror("hn-edge: SIOCGIFMTU");
		return -1;
	}
	mtu = ifr.ifr_mtu;
	if (!ioctl(fd, SIOCGIFHWADDR, &ifr))
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/* ---- the stream --------------------------------------------------------- */

enum { ST_FREE, ST_WAIT };
/* the mesh answered; here after timeouts; lost; here by choice (--cut) */
enum { BY_MESH, BY_LOCAL, BY_LOST, BY_EDGE, __BY_MAX };
/* --lat-log's words: the mesh, the fallback, lost, chosen here */
static const char *const by_name[__BY_MAX] = { "mesh", "fallback", "lost",
					       "here" };

struct slot {
	int state;
	unsigned int img;
	int label;
	unsigned int attempts;
	double t0, deadline;
	unsigned int n_in;
	int8_t in[HN_TENSOR_MAX_LEN];
	int8_t got[HN_TENSOR_MAX_LEN];
	unsigned int covered, total;
	struct edge_models *ms; /* the set that encoded it */
	unsigned int cut; /* chain position of what was sent */
	uint32_t dst; /* a task class (anycast) or a node */
	bool anycast;
	uint8_t stage;
	struct hn_cut_choice ch; /* --cut auto: what the chooser said */
};

static struct {
	unsigned int images, labelled, correct;
	unsigned int by[__BY_MAX], retries, late, mismatches, bad_len;
	unsigned int cut_cnt[HN_CUT_MAX + 1]; /* per cut; [n]: here */
	unsigned int payload; /* elements of one request tensor */
	uint64_t payload_sent, bytes_out, bytes_in, frames_out, frames_in;
	unsigned int n_out; /* result elements */
	double *lat, *lat_mesh;
	unsigned int n_lat, n_lat_mesh, cap_lat;
	uint32_t node[MAX_NODES];
	unsigned int node_cnt[MAX_NODES];
	double secs;
	double verify_s; /* --verify's checks, outside the latencies */
	char why[160];
	unsigned int reloads, reloads_refused;
	/* per model generation (the last one counts the later ones too) */
	unsigned int gen_images[EDGE_MAX_GENS], gen_labelled[EDGE_MAX_GENS],
		gen_correct[EDGE_MAX_GENS];
} r;

static struct slot *slots;
static FILE *lat_f; /* --lat-log */

static int send_tensor(struct slot *s)
{
	struct hn_frame t = { 0 };
	uint8_t buf[EDGE_FRAME_MAX];
	int cnt, i, ret;
	size_t len;

	memset(t.dst_mac, 0xff, 6);
	memcpy(t.src_mac, mac, 6);
	t.flags = s->anycast ? HN_F_ANYCAST : 0;
	t.ttl = HN_TTL_DEFAULT;
	t.tclass = o.tclass;
	t.src = o.src;
	t.dst = s->dst;
	t.tensor_id = o.id_base + s->img;
	t.origin = o.src;
	t.stage = s->stage;
	cnt = hn_tensor_frag_count(s->n_in, mtu);
	if (cnt < 0) {
		fprintf(stderr, "hn-edge: %u elements at MTU %u: %s\n", s->n_in,
			mtu, hn_frame_strerror(cnt));
		return -1;
	}
	for (i = 0; i < cnt; i++) {
		t.seq = ++seq;
		ret = hn_tensor_frag_build(&t, s->in, s->n_in, mtu, i, buf,
					   sizeof(buf), &len);
		if (ret) {
			fprintf(stderr, "hn-edge: building a frame: %s\n",
				hn_frame_strerror(ret));
			return -1;
		}
		while (send(fd, buf, len, 0) != (ssize_t)len) {
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != EINTR) {
				perror("hn-edge: send");
				return -1;
			}
			usleep(500);
		}
		r.bytes_out += len;
		r.frames_out++;
	}
	r.payload_sent += s->n_in;
	s->attempts++;
	s->deadline = now_s() + o.timeout_ms / 1e3;
	return 0;
}

static void lat_add(double x, bool mesh)
{
	if (r.n_lat == r.cap_lat) {
		unsigned int cap = r.cap_lat ? 2 * r.cap_lat : 1024;

		r.lat = realloc(r.lat, cap * sizeof(double));
		r.lat_mesh = realloc(r.lat_mesh, cap * sizeof(double));
		if (!r.lat || !r.lat_mesh) {
			fprintf(stderr, "hn-edge: out of memory\n");
			exit(1);
		}
		r.cap_lat = cap;
	}
	r.lat[r.n_lat++] = x;
	if (mesh)
		r.lat_mesh[r.n_lat_mesh++] = x;
}

static void node_count(uint32_t node)
{
	unsigned int i;

	for (i = 0; i < MAX_NODES && r.node[i]; i++)
		if (r.node[i] == node)
			break;
	if (i == MAX_NODES)
		return;
	r.node[i] = node;
	r.node_cnt[i]++;
}

/* Image done: answered by the mesh (s->got), here, or not at all. */
static void finish(struct slot *s, int by)
{
	const struct edge_models *ms = s->ms;
	unsigned int cls = 0,
		     g = ms->gen < EDGE_MAX_GENS ? ms->gen : EDGE_MAX_GENS - 1;
	int8_t ref[HN_TENSOR_MAX_LEN];
	bool have = by != BY_LOST;
	double done;

	if (by == BY_LOCAL)
		s->total = edge_chain_run(ms, s->cut, s->in, s->n_in, s->got);
	/*
	 * The image is done now: --verify's check below runs the host's
	 * stages here again, a test's work that a quarter-CPU edge would
	 * otherwise count into every answer of the mesh (and teach the
	 * chooser: the whole chain at the edge's speed on top of each
	 * round trip).
	 */
	done = now_s();
	if (by == BY_MESH && o.verify) {
		if (s->total !=
			    edge_chain_run(ms, s->cut, s->in, s->n_in, ref) ||
		    memcmp(ref, s->got, s->total)) {
			if (!r.mismatches)
				snprintf(
					r.why, sizeof(r.why),
					"image %u: the mesh's answer differs from the local stages",
					o.skip + s->img);
			r.mismatches++;
		}
	}
	if (have) {
		cls = argmax(s->got, s->total);
		r.n_out = s->total;
		lat_add(done - s->t0, by == BY_MESH);
		/* the chooser learns what an answer took (a fallback: no) */
		if (o.cut == EDGE_CUT_AUTO && by != BY_LOCAL)
			edge_cut_observe(&s->ch, done - s->t0, done);
	}
	r.verify_s += now_s() - done;
	if (lat_f)
		fprintf(lat_f, "%.6f %.6f %s %.6f\n", s->t0, done, by_name[by],
			now_s());
	r.gen_images[g]++;
	if (s->label >= 0) {
		bool right = have && cls == (unsigned int)s->label;

		r.labelled++;
		r.correct += right;
		r.gen_labelled[g]++;
		r.gen_correct[g] += right;
	}
	r.by[by]++;
	s->ms->inflight--;
	s->state = ST_FREE;
}

/* One frame from the port: a result for one of ours, or ignored. */
static void on_frame(const uint8_t *buf, size_t len)
{
	struct hn_frame f;
	struct slot *s;
	unsigned int img;

	if (hn_frame_parse(buf, len, 0, &f) || f.type != HN_T_TENSOR ||
	    !(f.flags & HN_F_RESULT) || f.origin != o.src)
		return;
	r.bytes_in += len;
	r.frames_in++;
	img = f.tensor_id - o.id_base;
	s = &slots[img % o.window];
	if (s->state != ST_WAIT || s->img != img) {
		/* answered already: the first try after a retry, say */
		r.late++;
		return;
	}
	if (f.frag_off + f.payload_len > sizeof(s->got) ||
	    (s->covered && f.total_len != s->total)) {
		r.bad_len++;
		return;
	}
	s->total = f.total_len;
	memcpy(s->got + f.frag_off, f.payload, f.payload_len);
	s->covered += f.payload_len;
	if (s->covered < s->total)
		return;
	node_count(f.src);
	finish(s, BY_MESH);
}

/*
 * Whatever is waiting on the socket, else sleep until a frame or @until.
 * A short spin first: under TCG every sleep is a cross-CPU wakeup of a
 * millisecond or more, and results come in batches.
 */
static void recv_some(double until, int input)
{
	uint8_t buf[EDGE_FRAME_MAX];
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
			       { .fd = input, .events = POLLIN } };
	int spin, got = 0, ms;
	ssize_t n;

	for (spin = 0; spin <= RECV_SPIN; spin++) {
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			on_frame(buf, n);
			got++;
		}
		if (got)
			return;
	}
	ms = (int)ceil((until - now_s()) * 1e3);
	if (ms <= 0)
		return;
	/* a raw stream's next image wakes us too (-1: not waiting for it) */
	if (poll(p, 2, ms) > 0 && (p[0].revents & POLLIN))
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			on_frame(buf, n);
}

/*
 * The input tensor at chain position @cut of image @pix: the models before
 * it run here (timed: the edge's rate), or the pixels as they are.
 */
static unsigned int make_input(const struct edge_models *ms, const uint8_t *pix,
			       unsigned int cut, int8_t *in)
{
	static int8_t x[HN_TENSOR_MAX_LEN];
	uint64_t macs = 0;
	unsigned int k, n;
	double t0;

	/* byte p stands for p / 256: p >> 1 on the int8 grid 2^-7 */
	for (k = 0; k < src.item_len && k < HN_TENSOR_MAX_LEN; k++)
		x[k] = pix[k] >> 1;
	t0 = now_s();
	n = edge_chain_prefix(ms, cut, x, k, in);
	for (k = 0; k < cut; k++)
		macs += edge_model_macs(edge_chain_at(ms, k));
	edge_rate_update(macs, now_s() - t0);
	return n;
}

/*
 * Where image @s goes: the fixed path (encoder here, --task/--dst), a
 * fixed cut (its stage's task class, anycast), or the chooser's pick,
 * to its host; HN_CUT_LOCAL runs it all here.
 */
static void place(struct slot *s)
{
	int cut = o.cut;

	memset(&s->ch, 0, sizeof(s->ch));
	if (cut == EDGE_CUT_FIXED) {
		s->cut = edge_chain_first_head(s->ms);
		s->dst = o.task ? o.task : o.dst;
		s->anycast = o.task;
		s->stage = o.stage;
		return;
	}
	if (cut == EDGE_CUT_AUTO) {
		edge_cut_pick(&o, now_s(), &s->ch);
		cut = s->ch.cut;
	}
	if (cut < 0) {
		s->cut = edge_chain_len(s->ms);
		s->ch.cut = HN_CUT_LOCAL;
		return;
	}
	s->cut = cut;
	s->stage = edge_cut_table()->cut[cut].stage;
	s->anycast = !s->ch.node;
	s->dst = s->ch.node ? s->ch.node : s->stage;
}

/*
 * Image @img (@pix, @label) into slot @s: placed, its input made, then
 * sent, or answered here at once if it is to run here.  0 or -1.
 */
static int start(struct slot *s, unsigned int img, int label,
		 const uint8_t *pix)
{
	s->ms = edge_models_cur();
	s->ms->inflight++;
	s->img = img;
	s->label = label;
	s->attempts = 0;
	s->covered = 0;
	s->total = 0;
	s->t0 = now_s();
	place(s);
	s->n_in = make_input(s->ms, pix, s->cut, s->in);
	if (s->n_in > HN_TENSOR_MAX_LEN)
		return -1;
	s->state = ST_WAIT;
	r.cut_cnt[s->cut < HN_CUT_MAX ? s->cut : HN_CUT_MAX]++;
	if (s->cut >= edge_chain_len(s->ms)) {
		s->total = s->n_in;
		memcpy(s->got, s->in, s->n_in);
		finish(s, BY_EDGE);
		return 0;
	}
	r.payload = s->n_in;
	return send_tensor(s);
}

/*
 * A timeout of @s: whether to send it again (@retry: tries are left).
 * With --cut auto the chooser suspects its host (cut.h), then says where
 * a retry goes: a host of the same cut (another), or, when it would now
 * cut elsewhere or run here, nowhere: the rest runs here at once.  A
 * probe falls back the same way.
 */
static bool retry_where(struct slot *s, bool retry)
{
	struct hn_cut_choice ch;
	double now = now_s();

	if (o.cut != EDGE_CUT_AUTO)
		return retry;
	edge_cut_timeout(&s->ch, now);
	if (!retry)
		return false;
	edge_cut_pick(&o, now, &ch);
	if (ch.cut != (int)s->cut || !ch.node) {
		edge_cut_unsent(&ch);
		return false;
	}
	s->ch = ch;
	s->dst = ch.node;
	return true;
}

static int stream(void)
{
	static uint8_t pix[HN_TENSOR_MAX_LEN];
	unsigned int next = 0, busy = 0, shown = 0, i;
	bool eof = false, starved;
	int ret;
	double t0 = now_s(), soonest, due;

	slots = calloc(o.window, sizeof(*slots));
	if (!slots)
		return -1;
	while (!eof || busy) {
		/* fill the window, in image order, at --rate if given */
		due = 0;
		starved = false;
		while (!eof) {
			struct slot *s = &slots[next % o.window];
			int label;

			if (s->state != ST_FREE)
				break;
			if (o.rate) {
				due = t0 + next / (double)o.rate;
				if (now_s() < due)
					break;
				due = 0;
			}
			ret = src_get(next, pix, &label);
			if (ret) {
				eof = ret < 0;
				starved = ret > 0;
				break;
			}
			/* a reload applies from the next image on */
			switch (edge_reload_poll(&o, src.item_len)) {
			case 1:
				r.reloads++;
				break;
			case -1:
				r.reloads_refused++;
				break;
			}
			if (start(s, next++, label, pix))
				return -1;
		}
		busy = 0;
		soonest = now_s() + 1;
		for (i = 0; i < o.window; i++)
			if (slots[i].state == ST_WAIT) {
				busy++;
				if (slots[i].deadline < soonest)
					soonest = slots[i].deadline;
			}
		if (due && due < soonest)
			soonest = due;
		if (!busy && eof)
			break;
		recv_some(soonest, starved ? src.raw : -1);
		/* deadlines: try again (anywhere), then answer here */
		for (i = 0; i < o.window; i++) {
			struct slot *s = &slots[i];

			if (s->state != ST_WAIT || now_s() < s->deadline)
				continue;
			if (retry_where(s, s->attempts <= o.retries)) {
				r.retries++;
				s->covered = 0;
				if (send_tensor(s))
					return -1;
			} else {
				finish(s, o.n_heads ? BY_LOCAL : BY_LOST);
			}
		}
		r.images = r.by[0] + r.by[1] + r.by[2] + r.by[3];
		if (o.progress && r.images / o.progress != shown) {
			shown = r.images / o.progress;
			printf("progress: %u images, %u by the mesh, %u here, %u lost\n",
			       r.images, r.by[BY_MESH], r.by[BY_LOCAL],
			       r.by[BY_LOST]);
			fflush(stdout);
		}
	}
	r.images = r.by[0] + r.by[1] + r.by[2] + r.by[3];
	r.secs = now_s() - t0;
	return 0;
}

/* ---- report ------------------------------------------------------------- */

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted @v, in ms. */
static double pct(const double *v, unsigned int n, double q)
{
	size_t k;

	if (!n)
		return 0;
	k = (size_t)ceil(q * n);
	return 1e3 * v[k ? k - 1 : 0];
}

static double per_image(uint64_t v)
{
	return r.images ? (double)v / r.images : 0;
}

static double per_image_s(double v)
{
	return r.images ? v / r.images : 0;
}

/* Images, and how many were right, for each model generation used. */
static void by_models_json(struct jsonw *w)
{
	unsigned int g, last = r.reloads < EDGE_MAX_GENS ? r.reloads :
							   EDGE_MAX_GENS - 1;

	jsonw_name(w, "by_models");
	jsonw_arr_open(w);
	for (g = 0; g <= last; g++) {
		jsonw_obj_open(w);
		jsonw_kv_u64(w, "generation", g);
		jsonw_kv_u64(w, "images", r.gen_images[g]);
		jsonw_kv_u64(w, "labelled", r.gen_labelled[g]);
		jsonw_kv_u64(w, "correct", r.gen_correct[g]);
		jsonw_obj_close(w);
	}
	jsonw_arr_close(w);
}

/* --cut: how often each cut was taken; "here" is everything local. */
static void cuts_text(FILE *f)
{
	unsigned int k;

	fprintf(f, "hn-edge: chosen here %u; by cut:", r.by[BY_EDGE]);
	for (k = 0; k < edge_cut_table()->n; k++)
		fprintf(f, " %u:%u", k, r.cut_cnt[k]);
	fprintf(f, "; %u switches; edge %.3f ns/MAC\n", edge_cut_switches(),
		edge_cut_edge_rate());
	fprintf(f, "hn-edge: hosts suspected %u times, %u probes, %u revived\n",
		edge_cut_state()->suspicions, edge_cut_state()->probes,
		edge_cut_state()->revivals);
}

static void cuts_json(struct jsonw *w)
{
	unsigned int k;
	char key[16];

	jsonw_kv_u64(w, "answered_edge", r.by[BY_EDGE]);
	jsonw_name(w, "cuts");
	jsonw_obj_open(w);
	for (k = 0; k < edge_cut_table()->n; k++) {
		snprintf(key, sizeof(key), "%u", k);
		jsonw_kv_u64(w, key, r.cut_cnt[k]);
	}
	jsonw_kv_u64(w, "local", r.by[BY_EDGE]);
	jsonw_obj_close(w);
	/* what the chooser weighs: the table (the chain's own or given) */
	jsonw_name(w, "cut_table");
	jsonw_arr_open(w);
	for (k = 0; k < edge_cut_table()->n; k++) {
		const struct hn_cut_point *p = &edge_cut_table()->cut[k];

		jsonw_obj_open(w);
		jsonw_kv_u64(w, "stage", p->stage);
		jsonw_kv_u64(w, "macs_before", p->before);
		jsonw_kv_u64(w, "bytes", p->bytes);
		jsonw_kv_u64(w, "macs_after", p->after);
		jsonw_obj_close(w);
	}
	jsonw_arr_close(w);
	jsonw_kv_u64(w, "cut_switches", edge_cut_switches());
	jsonw_kv_u64(w, "suspicions", edge_cut_state()->suspicions);
	jsonw_kv_u64(w, "probes", edge_cut_state()->probes);
	jsonw_kv_u64(w, "revivals", edge_cut_state()->revivals);
	jsonw_kv_float(w, "edge_ns_per_mac", edge_cut_edge_rate());
}

/* The run in a few lines, for people. */
static void report_text(FILE *f, double acc)
{
	char nodes[256] = "";
	unsigned int i;

	for (i = 0; i < MAX_NODES && r.node[i]; i++)
		snprintf(nodes + strlen(nodes), sizeof(nodes) - strlen(nodes),
			 " %u:%u", r.node[i], r.node_cnt[i]);
	fprintf(f, "hn-edge: %u images in %.1f s (%.0f/s)", r.images, r.secs,
		r.secs > 0 ? r.images / r.secs : 0);
	if (r.labelled)
		fprintf(f, ", accuracy %.4f (%u/%u)", acc, r.correct,
			r.labelled);
	fputc('\n', f);
	fprintf(f,
		"hn-edge: answered by the mesh %u, here %u (fallback), lost %u; %u retries, %u late answers\n",
		r.by[BY_MESH], r.by[BY_LOCAL], r.by[BY_LOST], r.retries,
		r.late);
	if (o.cut != EDGE_CUT_FIXED)
		cuts_text(f);
	fprintf(f, "hn-edge: answers by node:%s\n", nodes);
	fprintf(f,
		"hn-edge: latency ms p50 %.2f p90 %.2f p99 %.2f max %.2f (mesh only: p50 %.2f p99 %.2f)\n",
		pct(r.lat, r.n_lat, .5), pct(r.lat, r.n_lat, .9),
		pct(r.lat, r.n_lat, .99), pct(r.lat, r.n_lat, 1),
		pct(r.lat_mesh, r.n_lat_mesh, .5),
		pct(r.lat_mesh, r.n_lat_mesh, .99));
	fprintf(f,
		"hn-edge: tensor payload %u B/image (%.1f sent incl. retries), wire %.1f B/image (%.1f out, %.1f in; %.2f frames out, %.2f in)\n",
		r.payload, per_image(r.payload_sent),
		per_image(r.bytes_out + r.bytes_in), per_image(r.bytes_out),
		per_image(r.bytes_in), per_image(r.frames_out),
		per_image(r.frames_in));
	if (o.verify)
		fprintf(f,
			"hn-edge: %u of %u mesh answers differ from the local stages\n",
			r.mismatches, r.by[BY_MESH]);
	if (r.reloads || r.reloads_refused)
		fprintf(f,
			"hn-edge: models reloaded %u times, %u reloads refused\n",
			r.reloads, r.reloads_refused);
}

static void report(FILE *f, bool json)
{
	double acc = r.labelled ? (double)r.correct / r.labelled : 0;
	unsigned int i;
	struct jsonw w;

	qsort(r.lat, r.n_lat, sizeof(double), dcmp);
	qsort(r.lat_mesh, r.n_lat_mesh, sizeof(double), dcmp);
	if (!json) {
		report_text(f, acc);
		return;
	}
	jsonw_init(&w, f);
	jsonw_obj_open(&w);
	jsonw_kv_u64(&w, "images", r.images);
	jsonw_kv_u64(&w, "labelled", r.labelled);
	jsonw_kv_u64(&w, "correct", r.correct);
	jsonw_kv_float(&w, "accuracy_fixed", acc);
	jsonw_kv_u64(&w, "answered_mesh", r.by[BY_MESH]);
	jsonw_kv_u64(&w, "answered_local", r.by[BY_LOCAL]);
	jsonw_kv_u64(&w, "images_lost", r.by[BY_LOST]);
	if (o.cut != EDGE_CUT_FIXED)
		cuts_json(&w);
	jsonw_kv_u64(&w, "retries", r.retries);
	jsonw_kv_u64(&w, "late_answers", r.late);
	if (o.verify) {
		jsonw_kv_u64(&w, "mismatches", r.mismatches);
		jsonw_kv_float(&w, "verify_ms_per_image",
			       1e3 * per_image_s(r.verify_s));
	}
	jsonw_kv_u64(&w, "payload_bytes_per_image", r.payload);
	jsonw_kv_float(&w, "payload_bytes_sent_per_image",
		       per_image(r.payload_sent));
	jsonw_kv_float(&w, "wire_bytes_per_image",
		       per_image(r.bytes_out + r.bytes_in));
	jsonw_kv_float(&w, "wire_bytes_out_per_image", per_image(r.bytes_out));
	jsonw_kv_float(&w, "wire_bytes_in_per_image", per_image(r.bytes_in));
	jsonw_kv_float(&w, "frames_out_per_image", per_image(r.frames_out));
	jsonw_kv_float(&w, "frames_in_per_image", per_image(r.frames_in));
	jsonw_kv_u64(&w, "result_elements", r.n_out);
	jsonw_kv_float(&w, "latency_ms_p50", pct(r.lat, r.n_lat, .5));
	jsonw_kv_float(&w, "latency_ms_p90", pct(r.lat, r.n_lat, .9));
	jsonw_kv_float(&w, "latency_ms_p99", pct(r.lat, r.n_lat, .99));
	jsonw_kv_float(&w, "latency_ms_max", pct(r.lat, r.n_lat, 1));
	jsonw_kv_float(&w, "mesh_latency_ms_p50",
		       pct(r.lat_mesh, r.n_lat_mesh, .5));
	jsonw_kv_float(&w, "mesh_latency_ms_p99",
		       pct(r.lat_mesh, r.n_lat_mesh, .99));
	jsonw_kv_float(&w, "seconds", r.secs);
	jsonw_kv_float(&w, "images_per_s", r.secs > 0 ? r.images / r.secs : 0);
	jsonw_kv_u64(&w, "window", o.window);
	jsonw_kv_u64(&w, "timeout_ms", o.timeout_ms);
	jsonw_kv_u64(&w, "retries_max", o.retries);
	jsonw_kv_u64(&w, "reloads", r.reloads);
	jsonw_kv_u64(&w, "reloads_refused", r.reloads_refused);
	by_models_json(&w);
	jsonw_name(&w, "answers_by_node");
	jsonw_obj_open(&w);
	for (i = 0; i < MAX_NODES && r.node[i]; i++) {
		char k[16];

		snprintf(k, sizeof(k), "%u", r.node[i]);
		jsonw_kv_u64(&w, k, r.node_cnt[i]);
	}
	jsonw_obj_close(&w);
	jsonw_obj_close(&w);
	fputc('\n', f);
}

/* ---- commands ----------------------------------------------------------- */

static int cmd_run(bool check)
{
	FILE *f;

	if (!o.src || (o.cut == EDGE_CUT_FIXED && !o.task == !o.dst) ||
	    (!o.images == !o.raw)) {
		fprintf(stderr,
			"hn-edge: needs --src, one of --task/--dst (or --cut) and one of --images/--raw\n");
		return 2;
	}
	if (o.cut != EDGE_CUT_FIXED && (o.task || o.dst || o.stage_given)) {
		fprintf(stderr,
			"hn-edge: --cut picks the stage and where it goes: no --task, --dst or --stage\n");
		return 2;
	}
	if ((o.cut == EDGE_CUT_AUTO || o.cut == EDGE_CUT_LOCAL) && !o.n_heads) {
		fprintf(stderr,
			"hn-edge: --cut %s runs the heads here: give them (--head)\n",
			o.cut == EDGE_CUT_AUTO ? "auto" : "local");
		return 2;
	}
	if (o.private &&
	    (o.cut == 0 || (o.cut == EDGE_CUT_FIXED && !o.encoder))) {
		fprintf(stderr,
			"hn-edge: --private: the raw input never leaves the edge; cut after the first stage\n");
		return 2;
	}
	if (o.cut == EDGE_CUT_AUTO && !o.agent == !o.hosts_file) {
		fprintf(stderr,
			"hn-edge: --cut auto reads the hosts from --agent SOCKET or --hosts FILE (one)\n");
		return 2;
	}
	if (check && !o.n_heads) {
		fprintf(stderr, "hn-edge check: --head is the reference\n");
		return 2;
	}
	o.verify = o.verify || check;
	if (edge_models_load(&o) || src_open() || edge_reload_arm())
		return 1;
	if (o.cut != EDGE_CUT_FIXED &&
	    edge_cut_init(&o, edge_models_cur(), src.item_len))
		return 1;
	if (o.cut >= 0 && (unsigned int)o.cut >= edge_cut_table()->n) {
		fprintf(stderr, "hn-edge: --cut %d: the table has %u cuts\n",
			o.cut, edge_cut_table()->n);
		return 2;
	}
	if (o.stage < 0)
		o.stage = edge_models_stage(edge_models_cur());
	if (!o.id_base)
		/* distinct runs, distinct tensors in the devices' reassembly */
		o.id_base = ((uint32_t)getpid() & 0xfff) << 20;
	if (o.lat_log) {
		lat_f = fopen(o.lat_log, "w");
		if (!lat_f) {
			perror(o.lat_log);
			return 1;
		}
	}
	if (sock_open() || stream())
		return 1;
	if (lat_f && fclose(lat_f)) {
		perror(o.lat_log);
		return 1;
	}
	report(stdout, false);
	if (o.json) {
		f = fopen(o.json, "w");
		if (!f) {
			perror(o.json);
			return 1;
		}
		report(f, true);
		fclose(f);
	}
	if (!check)
		return r.by[BY_LOST] ? 1 : 0;
	if (!r.why[0] && (r.by[BY_LOCAL] || r.by[BY_LOST]))
		snprintf(r.why, sizeof(r.why), "%u images not answered by %s",
			 r.by[BY_LOCAL] + r.by[BY_LOST], o.dev);
	if (r.mismatches || r.bad_len || (o.strict && r.why[0]) ||
	    !r.by[BY_MESH]) {
		printf("FAIL check: %s\n", r.why[0] ? r.why : "no answers");
		return 1;
	}
	printf("PASS check: %u images, every answer bit-identical to the local stage%s (%u elements)\n",
	       r.by[BY_MESH], o.n_heads > 1 ? "s" : "", r.n_out);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: hn-edge run|check -i DEV --src NODE (--task CLASS | --dst NODE)\n"
	      "               [--encoder ENC.hnm] [--head HEAD.hnm]...\n"
	      "               (--images IDX [--labels IDX] | --raw FILE|-)\n"
	      "               [--count N] [--skip N] [--window W] [--timeout-ms T]\n"
	      "               [--retries R] [--rate IMAGES/S] [--stage ID] [--tclass N]\n"
	      "               [--progress N] [--id-base N] [--verify] [--strict] [-j FILE]\n"
	      "               [--lat-log FILE]\n"
	      "               [--cut auto|local|N [--cut-table FILE] (--agent SOCKET | --hosts FILE)\n"
	      "                [--private] [--link-kbps K] [--hop-us U] [--edge-ns-per-mac X]]\n"
	      "       hn-edge beacon -i DEV --src NODE [--interval-ms MS] [--key HEX]\n"
	      "  run     encode, send each image to the task class, wait for the\n"
	      "          result; on timeout retry, then run --head here\n"
	      "  check   run, every answer compared with --head(s) run here\n"
	      "  --cut   where to cut the chain (encoder, heads): N sends model N's\n"
	      "          input to its stage's task class; auto picks the cut and host\n"
	      "          per image from measured rates (Documentation/split-mesh.rst)\n"
	      "  --lat-log  a line per image: sent, done (CLOCK_MONOTONIC s), by whom\n"
	      "          (mesh, here (chosen), fallback or lost), checked (--verify)\n"
	      "  beacon  HELLOs on DEV so that the router keeps NODE live\n",
	      f);
}

enum {
	O_SRC = 256,
	O_TASK,
	O_DST,
	O_TCLASS,
	O_STAGE,
	O_ENC,
	O_HEAD,
	O_IMAGES,
	O_LABELS,
	O_RAW,
	O_COUNT,
	O_SKIP,
	O_WINDOW,
	O_TIMEOUT,
	O_RETRIES,
	O_PROGRESS,
	O_IDBASE,
	O_STRICT,
	O_VERIFY,
	O_INTERVAL,
	O_KEY,
	O_RATE,
	O_CUT,
	O_CUT_TABLE,
	O_AGENT,
	O_HOSTS,
	O_PRIVATE,
	O_LINK_KBPS,
	O_HOP_US,
	O_EDGE_RATE,
	O_LAT_LOG,
};

/* set_opt() for --help: exit 0 after the usage. */
#define EXIT_HELP (-1)

static unsigned long num(const char *name, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > max) {
		fprintf(stderr,
			"hn-edge: --%s: '%s' is not a number up to %lu\n", name,
			s, max);
		exit(2);
	}
	return v;
}

/* Options that name a file, a device or a key. */
static const struct {
	int c;
	const char **v;
} str_opts[] = {
	{ 'i', &o.dev },	   { 'j', &o.json },
	{ O_ENC, &o.encoder },	   { O_IMAGES, &o.images },
	{ O_LABELS, &o.labels },   { O_RAW, &o.raw },
	{ O_KEY, &o.key_hex },	   { O_CUT_TABLE, &o.cut_table },
	{ O_AGENT, &o.agent },	   { O_HOSTS, &o.hosts_file },
	{ O_LAT_LOG, &o.lat_log },
};

/* Options that take a number up to max. */
static const struct {
	int c;
	const char *name;
	unsigned long max;
	unsigned int *v;
} num_opts[] = {
	{ O_SRC, "src", 0xfffffffe, &o.src },
	{ O_TASK, "task", 0xfffffffe, &o.task },
	{ O_DST, "dst", 0xfffffffe, &o.dst },
	{ O_COUNT, "count", 1u << 30, &o.count },
	{ O_SKIP, "skip", 1u << 30, &o.skip },
	{ O_WINDOW, "window", 4096, &o.window },
	{ O_RETRIES, "retries", 100, &o.retries },
	{ O_PROGRESS, "progress", 1u << 30, &o.progress },
	{ O_IDBASE, "id-base", ~0u, &o.id_base },
	{ O_INTERVAL, "interval-ms", 60000, &o.interval_ms },
	{ O_RATE, "rate", 1000000, &o.rate },
	{ O_LINK_KBPS, "link-kbps", 100000000, &o.link_kbps },
	{ O_HOP_US, "hop-us", 10000000, &o.hop_us },
};

/* A string or number option into o: false if it is neither. */
static bool set_table_opt(int c)
{
	size_t i;

	for (i = 0; i < sizeof(str_opts) / sizeof(str_opts[0]); i++) {
		if (str_opts[i].c == c) {
			*str_opts[i].v = optarg;
			return true;
		}
	}
	for (i = 0; i < sizeof(num_opts) / sizeof(num_opts[0]); i++) {
		if (num_opts[i].c == c) {
			*num_opts[i].v =
				num(num_opts[i].name, optarg, num_opts[i].max);
			return true;
		}
	}
	return false;
}

/* One option into o: 0 to go on, else main()'s exit code or EXIT_HELP. */
static int set_opt(int c)
{
	char *end;

	if (set_table_opt(c))
		return 0;
	switch (c) {
	case O_TCLASS:
		o.tclass = num("tclass", optarg, 255);
		break;
	case O_STAGE:
		o.stage = num("stage", optarg, 255);
		o.stage_given = true;
		break;
	case O_HEAD:
		if (o.n_heads == EDGE_MAX_HEADS) {
			fprintf(stderr, "hn-edge: at most %d --head\n",
				EDGE_MAX_HEADS);
			return 2;
		}
		o.heads[o.n_heads++] = optarg;
		break;
	case O_TIMEOUT:
		o.timeout_ms = num("timeout-ms", optarg, 600000);
		break;
	case O_STRICT:
		o.strict = true;
		break;
	case O_PRIVATE:
		o.private = true;
		break;
	case O_CUT:
		o.cut = !strcmp(optarg, "auto") ?
				EDGE_CUT_AUTO :
			!strcmp(optarg, "local") ?
				EDGE_CUT_LOCAL :
				(int)num("cut", optarg, HN_CUT_MAX - 1);
		break;
	case O_EDGE_RATE:
		o.edge_ns_per_mac = strtod(optarg, &end);
		if (*end || !(o.edge_ns_per_mac > 0) ||
		    o.edge_ns_per_mac > 1e9) {
			fprintf(stderr,
				"hn-edge: --edge-ns-per-mac: '%s' is not a positive number\n",
				optarg);
			return 2;
		}
		break;
	case O_VERIFY:
		o.verify = true;
		break;
	case 'h':
		usage(stdout);
		return EXIT_HELP;
	default:
		usage(stderr);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "src", required_argument, NULL, O_SRC },
		{ "task", required_argument, NULL, O_TASK },
		{ "dst", required_argument, NULL, O_DST },
		{ "tclass", required_argument, NULL, O_TCLASS },
		{ "stage", required_argument, NULL, O_STAGE },
		{ "encoder", required_argument, NULL, O_ENC },
		{ "head", required_argument, NULL, O_HEAD },
		{ "images", required_argument, NULL, O_IMAGES },
		{ "labels", required_argument, NULL, O_LABELS },
		{ "raw", required_argument, NULL, O_RAW },
		{ "count", required_argument, NULL, O_COUNT },
		{ "skip", required_argument, NULL, O_SKIP },
		{ "window", required_argument, NULL, O_WINDOW },
		{ "timeout-ms", required_argument, NULL, O_TIMEOUT },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "progress", required_argument, NULL, O_PROGRESS },
		{ "id-base", required_argument, NULL, O_IDBASE },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "verify", no_argument, NULL, O_VERIFY },
		{ "interval-ms", required_argument, NULL, O_INTERVAL },
		{ "key", required_argument, NULL, O_KEY },
		{ "rate", required_argument, NULL, O_RATE },
		{ "cut", required_argument, NULL, O_CUT },
		{ "cut-table", required_argument, NULL, O_CUT_TABLE },
		{ "agent", required_argument, NULL, O_AGENT },
		{ "hosts", required_argument, NULL, O_HOSTS },
		{ "private", no_argument, NULL, O_PRIVATE },
		{ "link-kbps", required_argument, NULL, O_LINK_KBPS },
		{ "hop-us", required_argument, NULL, O_HOP_US },
		{ "edge-ns-per-mac", required_argument, NULL, O_EDGE_RATE },
		{ "lat-log", required_argument, NULL, O_LAT_LOG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL }
	};
	const char *cmd;
	int c, ret;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "i:j:h", lo, NULL)) != -1) {
		ret = set_opt(c);
		if (ret)
			return ret == EXIT_HELP ? 0 : ret;
	}
	if (optind != argc || !o.dev || !o.window || !o.timeout_ms ||
	    !o.interval_ms) {
		usage(stderr);
		return 2;
	}
	if (o.verify && !o.n_heads) {
		fprintf(stderr, "hn-edge: --verify needs --head\n");
		return 2;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(false);
	if (!strcmp(cmd, "check"))
		return cmd_run(true);
	if (!strcmp(cmd, "beacon"))
		return edge_beacon(&o);
	usage(stderr);
	return 2;
}
