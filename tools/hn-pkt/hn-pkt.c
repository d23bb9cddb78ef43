// SPDX-License-Identifier: GPL-2.0
/*
 * hn-pkt: send and receive raw HyperNet frames on AF_PACKET sockets, for
 * the namespace tests and the demo.
 *
 *   hn-pkt send  -i DEV --src N --dst N [frame options] [--count N]
 *                [--rate FPS | --interval-us US] [--timestamp]
 *   hn-pkt hello -i DEV[,DEV...] --src N [--interval-ms MS]   (until killed)
 *   hn-pkt recv  [-i DEV[,DEV...]] [--timeout-ms MS] [--count N] [--print]
 *
 * Every mode prints a summary at the end (-j: one JSON object).  With
 * --timestamp the sender puts its CLOCK_MONOTONIC time into each payload;
 * a receiver on the same host (any namespace: the clock is shared) then
 * reports one-way latency.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
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

#include <linux/hypernet_packet.h>

#include "frames.h"
#include <hypernet/frame.h>
#include "jsonw.h"

#define MAX_DEVS 16
#define MAX_SRCS 64
#define DEDUP_SLOTS (1U << 18)
#define DEDUP_PROBES 64
#define FRAME_MAX 1514
/* timestamped payload: magic, then CLOCK_MONOTONIC ns, host order */
#define TS_MAGIC 0x484e5453U /* "HNTS" */
#define TS_LEN 12
#define LAT_MAX (16U << 20) /* latency samples kept */

struct dev {
	char name[IFNAMSIZ];
	int ifindex;
	unsigned char mac[ETH_ALEN];
	unsigned long long frames;
};

struct src_stat {
	uint32_t src;
	unsigned long long frames;
	unsigned long long lat_n;
	double lat_sum_ns;
};

static struct {
	const char *mode;
	struct dev devs[MAX_DEVS];
	int n_devs;
	/* frame fields */
	uint32_t src, dst, seq;
	int type, flags, tclass, ttl;
	unsigned int len;
	unsigned char dmac[ETH_ALEN];
	bool seq_fixed;
	bool timestamp;
	/* pacing and limits */
	long long count;
	unsigned long long interval_ns;
	unsigned long long duration_ms;
	unsigned int timeout_ms;
	/* recv filters, -1: any */
	long long f_src, f_dst, f_type;
	bool print, json, quiet;
	const char *ready;
	const char *lat_out;
} o = {
	.type = HN_T_DATA,
	.ttl = HN_TTL_DEFAULT,
	.dmac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	.count = -1,
	.interval_ns = ~0ULL,
	.timeout_ms = 1000,
	.f_src = -1,
	.f_dst = -1,
	.f_type = -1,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static const char *const type_names[] = {
	[HN_T_UNSPEC] = "unspec", [HN_T_DATA] = "data",
	[HN_T_TENSOR] = "tensor", [HN_T_HELLO] = "hello",
	[HN_T_GOSSIP] = "gossip", [HN_T_MODEL_CHUNK] = "model-chunk",
	[HN_T_PROBE] = "probe",	  [HN_T_ACK] = "ack",
	[HN_T_FED] = "fed",	  [HN_T_ECHO] = "echo",
};

static const char *type_name(unsigned int t)
{
	return t <= HN_T_MAX ? type_names[t] : "unknown";
}

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("hn-pkt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static unsigned long long num(const char *opt, const char *s,
			      unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (!*s || *s == '-' || *end || errno || v > max)
		die("--%s: '%s' is not a number in [0, %llu]", opt, s, max);
	return v;
}

static int parse_type(const char *s)
{
	unsigned int t;

	for (t = 0; t <= HN_T_MAX; t++)
		if (!strcmp(s, type_names[t]))
			return t;
	return num("type", s, 255);
}

/*
 * "mcast,anycast,result,private" or a number (unknown bits allowed:
 * tests).
 */
static int parse_flags(const char *s)
{
	char buf[64], *tok, *save;
	int f = 0;

	if (*s >= '0' && *s <= '9')
		return num("flags", s, 255);
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "mcast"))
			f |= HN_F_MCAST;
		else if (!strcmp(tok, "anycast"))
			f |= HN_F_ANYCAST;
		else if (!strcmp(tok, "result"))
			f |= HN_F_RESULT;
		else if (!strcmp(tok, "private"))
			f |= HN_F_PRIVATE;
		else if (strcmp(tok, "none"))
			die("--flags: unknown flag '%s' (mcast, anycast, result, private, none or a number)",
			    tok);
	}
	return f;
}

static void parse_mac(const char *s, unsigned char mac[ETH_ALEN])
{
	if (hn_parse_mac(s, mac))
		die("'%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", s);
}

static void add_devs(int fd, const char *list)
{
	char buf[256], *tok, *save;
	struct ifreq ifr;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct dev *d = &o.devs[o.n_devs];

		if (o.n_devs == MAX_DEVS)
			die("at most %d devices", MAX_DEVS);
		snprintf(d->name, sizeof(d->name), "%s", tok);
		d->ifindex = if_nametoindex(tok);
		if (!d->ifindex)
			die("no device '%s' in this network namespace", tok);
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tok);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
			die("reading the MAC of %s: %s", tok, strerror(errno));
		memcpy(d->mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
		o.n_devs++;
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t now_us(void)
{
	return now_ns() / 1000;
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000,
		.tv_nsec = ns % 1000000000,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
		       EINTR &&
	       !stop)
		;
}

static size_t build(unsigned char *buf, const struct dev *d, uint32_t seq)
{
	unsigned char payload[FRAME_MAX];
	struct hn_frame f = {
		.type = o.type,
		.flags = o.flags,
		.ttl = o.ttl,
		.tclass = o.tclass,
		.src = o.src,
		.dst = o.dst,
		.seq = seq,
		.payload = payload,
		.payload_len = o.len,
	};
	unsigned int i;
	size_t len;

	memcpy(f.dst_mac, o.dmac, ETH_ALEN);
	memcpy(f.src_mac, d->mac, ETH_ALEN);
	/* A recognisable payload: its offset, so hexdumps line up. */
	for (i = 0; i < o.len; i++)
		payload[i] = (unsigned char)i;
	if (o.timestamp) {
		uint32_t magic = TS_MAGIC;
		uint64_t t = now_ns();

		memcpy(payload, &magic, 4);
		memcpy(payload + 4, &t, 8);
	}
	/* Unchecked on purpose: tests send malformed frames too. */
	if (hn_frame_write(&f, buf, FRAME_MAX, &len))
		die("a %u-byte payload does not fit a frame", o.len);
	return len;
}

/* "devs": frames each device sent or received, by name. */
static void json_devs(struct jsonw *w)
{
	int i;

	jsonw_name(w, "devs");
	jsonw_obj_open(w);
	for (i = 0; i < o.n_devs; i++)
		jsonw_kv_u64(w, o.devs[i].name, o.devs[i].frames);
	jsonw_obj_close(w);
}

static int do_send(int fd)
{
	unsigned char buf[FRAME_MAX];
	unsigned long long sent = 0, errs = 0, resets = 0;
	uint64_t t0 = now_ns(), next = t0, end = 0, elapsed;
	uint32_t seq = o.seq;
	int last_err = 0, i;

	if (!o.src || (!o.dst && strcmp(o.mode, "hello")))
		die("--src and --dst are needed (node ids, not 0)");
	if (o.timestamp && o.len < TS_LEN)
		o.len = TS_LEN;
	if (ETH_HLEN + HN_HDR_LEN + o.len > FRAME_MAX)
		die("--len %u: the frame must fit in %d bytes", o.len,
		    FRAME_MAX);
	if (o.duration_ms)
		end = t0 + o.duration_ms * 1000000;
	while (!stop && (o.count < 0 || (long long)sent < o.count)) {
		if (end && now_ns() >= end)
			break;
		for (i = 0; i < o.n_devs; i++) {
			struct sockaddr_ll sll = {
				.sll_family = AF_PACKET,
				.sll_protocol = htons(ETH_P_HYPERNET),
				.sll_ifindex = o.devs[i].ifindex,
				.sll_halen = ETH_ALEN,
			};
			size_t n = build(buf, &o.devs[i], seq);

			memcpy(sll.sll_addr, o.dmac, ETH_ALEN);
			if (sendto(fd, buf, n, 0, (struct sockaddr *)&sll,
				   sizeof(sll)) < 0) {
				errs++;
				last_err = errno;
			} else {
				o.devs[i].frames++;
			}
		}
		sent++;
		if (!o.seq_fixed)
			seq++;
		if (!o.interval_ns ||
		    (o.count >= 0 && (long long)sent >= o.count))
			continue;
		/*
		 * Absolute deadlines hold the mean rate whatever one sleep
		 * overshoots; after a stall of over 10 ms (a busy CPU) the
		 * backlog is dropped instead of sent as a burst.
		 */
		next += o.interval_ns;
		if (now_ns() > next + 10000000) {
			next = now_ns();
			resets++;
		}
		sleep_until(next);
	}
	elapsed = now_ns() - t0;
	if (o.json) {
		struct jsonw w;

		jsonw_init(&w, stdout);
		jsonw_obj_open(&w);
		jsonw_kv_str(&w, "mode", o.mode);
		jsonw_kv_u64(&w, "rounds", sent);
		jsonw_kv_u64(&w, "errors", errs);
		jsonw_kv_float(&w, "seconds", elapsed / 1e9);
		jsonw_kv_float(&w, "rate_fps",
			       elapsed ? sent * 1e9 / elapsed : 0);
		jsonw_kv_u64(&w, "pace_resets", resets);
		json_devs(&w);
		jsonw_obj_close(&w);
	} else if (!o.quiet) {
		for (i = 0; i < o.n_devs; i++)
			printf("%s: sent %llu %s frames %u -> %u on %s\n",
			       o.mode, o.devs[i].frames, type_name(o.type),
			       o.src, o.dst, o.devs[i].name);
	}
	if (errs) {
		fprintf(stderr, "hn-pkt: %llu sends failed, last: %s\n", errs,
			strerror(last_err));
		return 1;
	}
	return 0;
}

/* ---- receive ------------------------------------------------------------ */

static struct {
	unsigned long long seen, matched, other, malformed, dups;
	unsigned long long by_type[HN_T_MAX + 1];
	unsigned long long by_err[__HN_ERR_MAX];
	unsigned long long priv; /* matched frames flagged HN_F_PRIVATE */
	struct src_stat srcs[MAX_SRCS];
	int n_srcs;
	/* (src, type, seq) of matched frames, to spot duplicates */
	uint64_t seen_key[DEDUP_SLOTS];
	uint8_t seen_type[DEDUP_SLOTS];
	bool seen_used[DEDUP_SLOTS];
	/* one-way latency of unique timestamped frames, ns */
	uint64_t *lat;
	size_t n_lat, cap_lat;
	/* samples not kept: beyond LAT_MAX, or stamped in the future */
	unsigned long long lat_dropped;
	unsigned long long kernel_stamps; /* timed by the kernel */
	/* frames the socket dropped (its queue was full) */
	unsigned long long sock_drops;
} r;

static bool dedup_insert(uint32_t src, uint8_t type, uint32_t seq)
{
	uint64_t key = (uint64_t)src << 32 | seq;
	unsigned int i =
		(unsigned int)(((key ^ type) * 0x9E3779B97F4A7C15ULL) >> 46);
	unsigned int n;

	/* bounded: a full table must not cost a scan per frame */
	for (n = 0; n < DEDUP_PROBES; n++, i = (i + 1) % DEDUP_SLOTS) {
		if (!r.seen_used[i]) {
			r.seen_used[i] = true;
			r.seen_key[i] = key;
			r.seen_type[i] = type;
			return true;
		}
		if (r.seen_key[i] == key && r.seen_type[i] == type)
			return false;
	}
	return true; /* table full: stop detecting, keep counting */
}

static struct src_stat *count_src(uint32_t src)
{
	int i;

	for (i = 0; i < r.n_srcs; i++)
		if (r.srcs[i].src == src)
			break;
	if (i == r.n_srcs) {
		if (r.n_srcs == MAX_SRCS)
			return NULL;
		r.srcs[r.n_srcs++].src = src;
	}
	r.srcs[i].frames++;
	return &r.srcs[i];
}

/* A unique frame's payload: if it carries a send time, note the latency. */
static void note_latency(const unsigned char *pl, size_t len,
			 struct src_stat *s, uint64_t now)
{
	uint64_t t, lat;
	uint32_t magic;

	if (len < TS_LEN)
		return;
	memcpy(&magic, pl, 4);
	if (magic != TS_MAGIC)
		return;
	memcpy(&t, pl + 4, 8);
	if (t > now) {
		r.lat_dropped++;
		return;
	}
	lat = now - t;
	if (s) {
		s->lat_n++;
		s->lat_sum_ns += lat;
	}
	if (r.n_lat == r.cap_lat) {
		size_t cap = r.cap_lat ? r.cap_lat * 2 : 65536;
		uint64_t *p;

		if (cap > LAT_MAX || !(p = realloc(r.lat, cap * sizeof(*p)))) {
			r.lat_dropped++;
			return;
		}
		r.lat = p;
		r.cap_lat = cap;
	}
	r.lat[r.n_lat++] = lat;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted samples, in us. */
static double pct_us(double p)
{
	size_t k = (size_t)(p / 100 * r.n_lat + 0.999999);

	if (k < 1)
		k = 1;
	if (k > r.n_lat)
		k = r.n_lat;
	return r.lat[k - 1] / 1e3;
}

static struct dev *dev_of(int ifindex)
{
	static struct dev extra;
	int i;

	for (i = 0; i < o.n_devs; i++)
		if (o.devs[i].ifindex == ifindex)
			return &o.devs[i];
	if (o.n_devs)
		return NULL;
	/* Listening on every device: name it on the fly. */
	extra.ifindex = ifindex;
	if (!if_indextoname(ifindex, extra.name))
		snprintf(extra.name, sizeof(extra.name), "if%d", ifindex);
	return &extra;
}

static void handle(const unsigned char *buf, ssize_t n, struct dev *d,
		   uint64_t now)
{
	const struct hnhdr *h = (const struct hnhdr *)(buf + ETH_HLEN);
	uint32_t src, dst, seq;
	struct src_stat *s;
	int err;

	r.seen++;
	if (n < ETH_HLEN) {
		r.malformed++;
		r.by_err[HN_ERR_TRUNCATED]++;
		return;
	}
	err = hn_hdr_check(h, n - ETH_HLEN);
	if (err != HN_OK) {
		r.malformed++;
		r.by_err[err]++;
		if (o.print)
			printf("%s malformed (reason %d) %zd bytes\n", d->name,
			       err, n);
		return;
	}
	src = ntohl(h->src);
	dst = ntohl(h->dst);
	seq = ntohl(h->seq);
	if ((o.f_src >= 0 && src != o.f_src) ||
	    (o.f_dst >= 0 && dst != o.f_dst) ||
	    (o.f_type >= 0 && h->type != o.f_type)) {
		r.other++;
		return;
	}
	r.matched++;
	d->frames++;
	r.by_type[h->type]++;
	if (h->flags & HN_F_PRIVATE)
		r.priv++;
	s = count_src(src);
	if (!dedup_insert(src, h->type, seq))
		r.dups++;
	else
		note_latency(buf + ETH_HLEN + HN_HDR_LEN,
			     n - ETH_HLEN - HN_HDR_LEN, s, now);
	if (o.print) {
		printf("%s %s %u -> %u seq %u ttl %u class %u flags 0x%x len %u\n",
		       d->name, type_name(h->type), src, dst, seq, h->ttl,
		       h->tclass, h->flags, ntohs(h->len));
		fflush(stdout);
	}
}

static void latency_json(struct jsonw *w)
{
	double sum = 0;
	size_t i;

	jsonw_name(w, "latency");
	if (!r.n_lat) {
		jsonw_null(w);
		return;
	}
	for (i = 0; i < r.n_lat; i++)
		sum += r.lat[i];
	jsonw_obj_open(w);
	jsonw_kv_u64(w, "frames", r.n_lat);
	jsonw_kv_float(w, "mean_us", sum / r.n_lat / 1e3);
	jsonw_kv_float(w, "p50_us", pct_us(50));
	jsonw_kv_float(w, "p90_us", pct_us(90));
	jsonw_kv_float(w, "p99_us", pct_us(99));
	jsonw_kv_float(w, "max_us", r.lat[r.n_lat - 1] / 1e3);
	jsonw_kv_u64(w, "dropped", r.lat_dropped);
	/* frames timed at the kernel's receive, not at our wake-up */
	jsonw_kv_u64(w, "kernel_stamped", r.kernel_stamps);
	jsonw_name(w, "srcs_mean_us");
	jsonw_obj_open(w);
	for (i = 0; i < (size_t)r.n_srcs; i++) {
		char k[16];

		if (!r.srcs[i].lat_n)
			continue;
		snprintf(k, sizeof(k), "%u", r.srcs[i].src);
		jsonw_kv_float(w, k,
			       r.srcs[i].lat_sum_ns / r.srcs[i].lat_n / 1e3);
	}
	jsonw_obj_close(w);
	jsonw_obj_close(w);
}

/* Every latency sample, in ns, one a line: for percentiles over sinks. */
static void lat_write(void)
{
	FILE *f = fopen(o.lat_out, "w");
	size_t i;

	if (!f) {
		fprintf(stderr, "hn-pkt: --latency-out %s: %s\n", o.lat_out,
			strerror(errno));
		return;
	}
	for (i = 0; i < r.n_lat; i++)
		fprintf(f, "%llu\n", (unsigned long long)r.lat[i]);
	fclose(f);
}

static void recv_summary(void)
{
	unsigned int t;
	int i;

	if (r.n_lat)
		qsort(r.lat, r.n_lat, sizeof(*r.lat), cmp_u64);
	if (o.lat_out)
		lat_write();
	if (o.json) {
		struct jsonw w;

		jsonw_init(&w, stdout);
		jsonw_obj_open(&w);
		jsonw_kv_str(&w, "mode", "recv");
		jsonw_kv_u64(&w, "frames", r.matched);
		jsonw_kv_u64(&w, "unique", r.matched - r.dups);
		jsonw_kv_u64(&w, "duplicates", r.dups);
		jsonw_kv_u64(&w, "other", r.other);
		jsonw_kv_u64(&w, "malformed", r.malformed);
		jsonw_kv_u64(&w, "socket_drops", r.sock_drops);
		jsonw_kv_u64(&w, "private", r.priv);
		jsonw_name(&w, "types");
		jsonw_obj_open(&w);
		for (t = 1; t <= HN_T_MAX; t++)
			if (r.by_type[t])
				jsonw_kv_u64(&w, type_name(t), r.by_type[t]);
		jsonw_obj_close(&w);
		jsonw_name(&w, "srcs");
		jsonw_obj_open(&w);
		for (i = 0; i < r.n_srcs; i++) {
			char k[16];

			snprintf(k, sizeof(k), "%u", r.srcs[i].src);
			jsonw_kv_u64(&w, k, r.srcs[i].frames);
		}
		jsonw_obj_close(&w);
		json_devs(&w);
		latency_json(&w);
		jsonw_obj_close(&w);
		fflush(stdout);
		return;
	}
	if (o.quiet)
		return;
	printf("recv: %llu frames (%llu unique, %llu duplicates), %llu other, %llu malformed\n",
	       r.matched, r.matched - r.dups, r.dups, r.other, r.malformed);
	if (r.priv)
		printf("recv: %llu of them flagged private (raw inputs)\n",
		       r.priv);
	if (r.sock_drops)
		printf("recv: %llu frames dropped by the socket (queue full: the receiver was too slow)\n",
		       r.sock_drops);
	for (i = 0; i < o.n_devs; i++)
		printf("recv:   on %-12s %llu\n", o.devs[i].name,
		       o.devs[i].frames);
	if (r.n_lat) {
		double sum = 0;
		size_t k;

		for (k = 0; k < r.n_lat; k++)
			sum += r.lat[k];
		printf("recv: latency over %zu frames: mean %.1f us, p50 %.1f, p90 %.1f, p99 %.1f, max %.1f\n",
		       r.n_lat, sum / r.n_lat / 1e3, pct_us(50), pct_us(90),
		       pct_us(99), r.lat[r.n_lat - 1] / 1e3);
	}
	fflush(stdout);
}

/*
 * One frame and when it arrived: the kernel's receive stamp when there is
 * one, so that latency leaves out how long this process took to wake up
 * (on a busy host, often more than the network's share).  The stamp is
 * CLOCK_REALTIME; senders stamp CLOCK_MONOTONIC, so it is moved by the
 * clocks' current offset, which only a clock step changes.
 */
static ssize_t recv_stamped(int fd, void *buf, size_t len,
			    struct sockaddr_ll *sll, socklen_t *sl,
			    uint64_t *rx_ns)
{
	char ctl[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_name = sll,
		.msg_namelen = *sl,
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl,
		.msg_controllen = sizeof(ctl),
	};
	struct timespec real, mono;
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return n;
	*sl = mh.msg_namelen;
	*rx_ns = now_ns();
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		const struct timespec *ts;
		int64_t off;

		if (c->cmsg_level != SOL_SOCKET ||
		    c->cmsg_type != SO_TIMESTAMPNS)
			continue;
		ts = (const struct timespec *)CMSG_DATA(c);
		if (!ts->tv_sec)
			break;
		clock_gettime(CLOCK_REALTIME, &real);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		off = ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000 +
		      (real.tv_nsec - mono.tv_nsec);
		*rx_ns = (uint64_t)((int64_t)ts->tv_sec * 1000000000 +
				    ts->tv_nsec - off);
		r.kernel_stamps++;
		break;
	}
	return n;
}

static int do_recv(int fd)
{
	unsigned char buf[FRAME_MAX + 64];
	uint64_t deadline = now_us() + (uint64_t)o.timeout_ms * 1000;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct tpacket_stats ps;
	socklen_t psl = sizeof(ps);
	int on = 1, rcvbuf = 8 << 20;

	/* room for a burst while this process waits for a CPU */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	/* reading the statistics resets them: from here on */
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ps, &psl);
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0)
		fprintf(stderr,
			"hn-pkt: SO_TIMESTAMPNS: %s; timing on wake-up\n",
			strerror(errno));

	if (o.ready) {
		FILE *f = fopen(o.ready, "w");

		if (!f)
			die("--ready %s: %s", o.ready, strerror(errno));
		fclose(f);
	}
	while (!stop && (o.count < 0 || (long long)r.matched < o.count)) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		uint64_t t = now_us(), rx_ns;
		struct dev *d;
		ssize_t n;
		int ms;

		if (o.timeout_ms && t >= deadline)
			break;
		ms = o.timeout_ms ? (int)((deadline - t + 999) / 1000) : -1;
		if (poll(&pfd, 1, ms) <= 0)
			continue;
		n = recv_stamped(fd, buf, sizeof(buf), &sll, &sl, &rx_ns);
		if (n < 0)
			continue;
		/* Our own transmissions loop back to packet sockets. */
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		d = dev_of(sll.sll_ifindex);
		if (d)
			handle(buf, n, d, rx_ns);
	}
	psl = sizeof(ps);
	if (!getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ps, &psl))
		r.sock_drops = ps.tp_drops;
	recv_summary();
	return 0;
}

static void usage(FILE *out)
{
	fputs("Usage: hn-pkt send  -i DEV[,DEV] --src N --dst N [OPTIONS]\n"
	      "       hn-pkt hello -i DEV[,DEV] --src N [OPTIONS]   (until killed)\n"
	      "       hn-pkt recv  [-i DEV[,DEV]] [OPTIONS]\n\n"
	      "Frame:   --src N --dst N --type data|tensor|hello|gossip|model-chunk|probe|ack|NUM\n"
	      "         --flags mcast,anycast,result,private|NUM --class C --ttl T --seq S\n"
	      "         --seq-fixed (every frame the same seq) --len BYTES --dmac MAC\n"
	      "         --timestamp (send time in the payload, --len at least 12)\n"
	      "Send:    --count N (hello: forever) --duration-ms MS\n"
	      "         --rate FPS / --interval-ms MS / --interval-us US: a steady\n"
	      "         rate, held by absolute deadlines (0: as fast as possible)\n"
	      "Receive: --timeout-ms MS (0: until killed; default 1000) --count N\n"
	      "         --match-src N --match-dst N --match-type T --print\n"
	      "         --ready FILE (created once listening)\n"
	      "         timestamped frames: one-way latency mean/p50/p90/p99/max\n"
	      "         --latency-out FILE (every sample, ns, one a line)\n"
	      "Output:  -j JSON summary, -q no summary\n",
	      out);
}

/* One option into o: -1 to go on, else main()'s exit status. */
static int set_opt(int opt, const char **devs)
{
	switch (opt) {
	case 'i':
		*devs = optarg;
		break;
	case 's':
		o.src = num("src", optarg, UINT32_MAX);
		break;
	case 'd':
		o.dst = num("dst", optarg, UINT32_MAX);
		break;
	case 't':
		o.type = parse_type(optarg);
		break;
	case 'f':
		o.flags = parse_flags(optarg);
		break;
	case 'c':
		o.tclass = num("class", optarg, 255);
		break;
	case 'T':
		o.ttl = num("ttl", optarg, 255);
		break;
	case 'S':
		o.seq = num("seq", optarg, UINT32_MAX);
		break;
	case 'F':
		o.seq_fixed = true;
		break;
	case 'l':
		o.len = num("len", optarg, FRAME_MAX);
		break;
	case 'm':
		parse_mac(optarg, o.dmac);
		break;
	case 'n':
		o.count = num("count", optarg, 1ULL << 40);
		break;
	case 'I':
		o.interval_ns = num("interval-ms", optarg, 3600000) * 1000000;
		break;
	case 'U':
		o.interval_ns = num("interval-us", optarg, 1U << 31) * 1000;
		break;
	case 'R': {
		unsigned long long fps = num("rate", optarg, 10000000);

		o.interval_ns = fps ? 1000000000ULL / fps : 0;
		break;
	}
	case 'D':
		o.duration_ms = num("duration-ms", optarg, 1ULL << 40);
		break;
	case 4:
		o.timestamp = true;
		break;
	case 5:
		o.lat_out = optarg;
		break;
	case 'w':
		o.timeout_ms = num("timeout-ms", optarg, 1U << 31);
		break;
	case 1:
		o.f_src = num("match-src", optarg, UINT32_MAX);
		break;
	case 2:
		o.f_dst = num("match-dst", optarg, UINT32_MAX);
		break;
	case 3:
		o.f_type = parse_type(optarg);
		break;
	case 'p':
		o.print = true;
		break;
	case 'r':
		o.ready = optarg;
		break;
	case 'j':
		o.json = true;
		break;
	case 'q':
		o.quiet = true;
		break;
	case 'h':
		usage(stdout);
		return 0;
	default:
		usage(stderr);
		return 2;
	}
	return -1;
}

/* Options after the mode, into o: -1 to go on, else main()'s exit status. */
static int parse_opts(int argc, char **argv, const char **devs)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'i' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "type", required_argument, NULL, 't' },
		{ "flags", required_argument, NULL, 'f' },
		{ "class", required_argument, NULL, 'c' },
		{ "ttl", required_argument, NULL, 'T' },
		{ "seq", required_argument, NULL, 'S' },
		{ "seq-fixed", no_argument, NULL, 'F' },
		{ "len", required_argument, NULL, 'l' },
		{ "dmac", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "interval-ms", required_argument, NULL, 'I' },
		{ "interval-us", required_argument, NULL, 'U' },
		{ "rate", required_argument, NULL, 'R' },
		{ "duration-ms", required_argument, NULL, 'D' },
		{ "timestamp", no_argument, NULL, 4 },
		{ "latency-out", required_argument, NULL, 5 },
		{ "timeout-ms", required_argument, NULL, 'w' },
		{ "match-src", required_argument, NULL, 1 },
		{ "match-dst", required_argument, NULL, 2 },
		{ "match-type", required_argument, NULL, 3 },
		{ "print", no_argument, NULL, 'p' },
		{ "ready", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL }
	};
	int opt, ret;

	optind = 2;
	while ((opt = getopt_long(argc, argv,
				  "i:s:d:t:f:c:T:S:Fl:m:n:I:U:w:pr:jqh", lo,
				  NULL)) != -1) {
		ret = set_opt(opt, devs);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		die("unexpected argument '%s'", argv[optind]);
	if (o.interval_ns == ~0ULL)
		o.interval_ns = strcmp(o.mode, "hello") ? 0 : 100000000;
	return -1;
}

/* The mode, and what it changes in the defaults. */
static void set_mode(const char *mode)
{
	o.mode = mode;
	if (strcmp(o.mode, "send") && strcmp(o.mode, "hello") &&
	    strcmp(o.mode, "recv"))
		die("unknown mode '%s': send, hello or recv ('hn-pkt help')",
		    o.mode);
	if (!strcmp(o.mode, "hello")) {
		o.type = HN_T_HELLO;
		o.dst = HN_GROUP_ALL;
		o.ttl = 1;
	}
}

/* Receiving on one device: bound to it, so the kernel filters for us. */
static void recv_bind(int fd)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_HYPERNET),
		.sll_ifindex = o.devs[0].ifindex,
	};

	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind to %s: %s", o.devs[0].name, strerror(errno));
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	const char *devs = NULL;
	int fd, ret;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help") ||
	    !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	set_mode(argv[1]);
	ret = parse_opts(argc, argv, &devs);
	if (ret >= 0)
		return ret;
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_HYPERNET));
	if (fd < 0)
		die("AF_PACKET socket: %s (needs root or CAP_NET_RAW)",
		    strerror(errno));
	if (devs)
		add_devs(fd, devs);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!strcmp(o.mode, "recv")) {
		if (o.n_devs == 1)
			recv_bind(fd);
		return do_recv(fd);
	}
	if (!o.n_devs)
		die("%s needs -i DEV", o.mode);
	return do_send(fd);
}
