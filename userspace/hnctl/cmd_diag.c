// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl ping and monitor: mesh diagnostics asked of hypernetd over its
 * control socket.  ping (userspace/hypernetd/echo.c): each request is one
 * ECHO round trip through the data plane; the agent answers when the
 * reply is back or its deadline passed, and hnctl keeps the statistics,
 * as ping(8).  monitor (events.c): a subscription, one message per event.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/hypernet_packet.h>
#include "hnctl.h"

static volatile sig_atomic_t stop;

static void on_int(int sig)
{
	(void)sig;
	stop = 1;
}

struct ping_opts {
	unsigned long long node;
	unsigned long long count; /* 0: until interrupted */
	double interval_s;
	unsigned long long size; /* padding bytes */
	double wait_s;
};

struct ping_stats {
	unsigned long tx, rx, unreachable;
	double min, max, sum, sum2; /* ms */
};

static const char ping_usage[] =
	"usage: hnctl ping NODE [-c COUNT] [-i SECONDS] [-s SIZE] [-W SECONDS]";

static int parse_secs(const char *what, const char *s, double lo, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || *v < lo || *v > 60) {
		hn_err("%s '%s': want seconds from %g to 60", what, s, lo);
		return -1;
	}
	return 0;
}

static int ping_parse(int argc, char **argv, struct ping_opts *o)
{
	int i;

	*o = (struct ping_opts){ 0, 0, 1.0, 56, 2.0 };
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int ret = 0;

		if (a[0] != '-') {
			if (o->node)
				goto usage;
			ret = hn_parse_num("node", a, 0xffffffffULL, &o->node);
			if (!ret && !o->node) {
				hn_err("node 0 is never a node");
				ret = -1;
			}
		} else if (strlen(a) != 2 || !strchr("cisW", a[1]) ||
			   i + 1 >= argc) {
			goto usage;
		} else if (a[1] == 'c') {
			ret = hn_parse_num("-c", argv[++i], 1000000, &o->count);
			if (!ret && !o->count) {
				hn_err("-c 0: want at least one round trip");
				ret = -1;
			}
		} else if (a[1] == 'i') {
			ret = parse_secs("-i", argv[++i], 0.01, &o->interval_s);
		} else if (a[1] == 's') {
			ret = hn_parse_num("-s", argv[++i], HN_ECHO_PAD_MAX,
					   &o->size);
		} else {
			ret = parse_secs("-W", argv[++i], 0.01, &o->wait_s);
		}
		if (ret)
			return -1;
	}
	if (o->node)
		return 0;
usage:
	hn_err("%s", ping_usage);
	return -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep until @t (CLOCK_MONOTONIC seconds), or an interrupt. */
static void sleep_until(double t)
{
	double left = t - now_s();
	struct timespec ts;

	if (left <= 0 || stop)
		return;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/*
 * One round trip, seq @seq.  The agent's answer: "reply node=N bytes=B
 * ttl=T rtt_ns=R", "timeout node=N", or an error ("unreachable node=N"
 * when it has no route).  0 on an answer, -1 when hnctl must stop.
 */
static int ping_one(const struct ping_opts *o, unsigned long seq,
		    struct ping_stats *s)
{
	unsigned int node, bytes, ttl;
	unsigned long long rtt_ns;
	char line[96], *body;
	bool ok;
	int ret;

	snprintf(line, sizeof(line), "ping %llu %llu %u", o->node, o->size,
		 (unsigned int)(o->wait_s * 1000 + 0.5));
	ret = hn_agent_request(line, NULL, 0, &body, &ok);
	if (ret) {
		if (ret != -EINTR)
			hn_agent_hint(ret);
		return -1;
	}
	/* the heading once a round trip was answered: none before errors */
	if (strncmp(body, "reply ", 6) && strncmp(body, "timeout", 7) &&
	    strncmp(body, "unreachable", 11)) {
		hn_err("hypernetd: %s", body);
		free(body);
		return -1;
	}
	if (!s->tx++ && !hn_json)
		printf("PING node %llu: %llu data bytes (%llu bytes per frame)\n",
		       o->node, o->size,
		       HN_HDR_LEN + sizeof(struct hn_echo) + o->size +
			       HN_AUTH_LEN);
	if (ok && sscanf(body, "reply node=%u bytes=%u ttl=%u rtt_ns=%llu",
			 &node, &bytes, &ttl, &rtt_ns) == 4) {
		double ms = rtt_ns / 1e6;

		if (!s->rx || ms < s->min)
			s->min = ms;
		if (ms > s->max)
			s->max = ms;
		s->rx++;
		s->sum += ms;
		s->sum2 += ms * ms;
		if (hn_json) {
			jsonw_obj_open(&hn_jw);
			jsonw_kv_u64(&hn_jw, "seq", seq);
			jsonw_kv_u64(&hn_jw, "bytes", bytes);
			jsonw_kv_u64(&hn_jw, "ttl", ttl);
			jsonw_kv_float(&hn_jw, "rtt_ms", ms);
			jsonw_obj_close(&hn_jw);
		} else {
			printf("%u bytes from node %u: seq=%lu ttl=%u time=%.3f ms\n",
			       bytes, node, seq, ttl, ms);
		}
	} else if (ok && !strncmp(body, "timeout", 7)) {
		if (!hn_json)
			printf("no reply from node %llu: seq=%lu (waited %g s)\n",
			       o->node, seq, o->wait_s);
	} else if (!ok && !strncmp(body, "unreachable", 11)) {
		s->unreachable++;
		if (!hn_json)
			printf("node %llu unreachable: seq=%lu (no route from this node)\n",
			       o->node, seq);
	} else {
		s->tx--;
		hn_err("hypernetd: %s", body);
		free(body);
		return -1;
	}
	free(body);
	fflush(stdout);
	return 0;
}

static void ping_summary(const struct ping_opts *o, const struct ping_stats *s)
{
	double loss = s->tx ? 100.0 * (s->tx - s->rx) / s->tx : 0;
	double avg = s->rx ? s->sum / s->rx : 0;
	double var = s->rx ? s->sum2 / s->rx - avg * avg : 0;
	double mdev = var > 0 ? sqrt(var) : 0;

	if (hn_json) {
		jsonw_arr_close(&hn_jw);
		jsonw_kv_u64(&hn_jw, "transmitted", s->tx);
		jsonw_kv_u64(&hn_jw, "received", s->rx);
		jsonw_kv_u64(&hn_jw, "unreachable", s->unreachable);
		jsonw_kv_float(&hn_jw, "loss_pct", loss);
		jsonw_name(&hn_jw, "rtt_ms");
		if (s->rx) {
			jsonw_obj_open(&hn_jw);
			jsonw_kv_float(&hn_jw, "min", s->min);
			jsonw_kv_float(&hn_jw, "avg", avg);
			jsonw_kv_float(&hn_jw, "max", s->max);
			jsonw_kv_float(&hn_jw, "mdev", mdev);
			jsonw_obj_close(&hn_jw);
		} else {
			jsonw_null(&hn_jw);
		}
		jsonw_obj_close(&hn_jw);
		putchar('\n');
		return;
	}
	printf("\n--- node %llu ping statistics ---\n", o->node);
	printf("%lu frames transmitted, %lu received, %g%% loss\n", s->tx,
	       s->rx, loss);
	if (s->rx)
		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n",
		       s->min, avg, s->max, mdev);
	else if (s->tx && s->unreachable == s->tx)
		printf("node %llu is unreachable: this node has no route to it ('hnctl agent topology' shows the nodes it knows)\n",
		       o->node);
	else if (s->tx)
		printf("no reply from node %llu within %g s: it is down, its agent is not running, or it does not share the mesh key\n",
		       o->node, o->wait_s);
}

int cmd_ping(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_int };
	struct ping_stats s = { 0 };
	struct ping_opts o;
	unsigned long seq;
	double next;

	if (argc > 1 && (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h"))) {
		puts(ping_usage);
		return 0;
	}
	if (ping_parse(argc, argv, &o))
		return 1;
	/* no SA_RESTART: ^C ends the wait for the agent's answer too */
	sigaction(SIGINT, &sa, NULL);
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_u64(&hn_jw, "node", o.node);
		jsonw_kv_u64(&hn_jw, "size", o.size);
		jsonw_kv_u64(&hn_jw, "frame_bytes",
			     HN_HDR_LEN + sizeof(struct hn_echo) + o.size +
				     HN_AUTH_LEN);
		jsonw_name(&hn_jw, "replies");
		jsonw_arr_open(&hn_jw);
	}
	next = now_s();
	for (seq = 1; !stop && (!o.count || seq <= o.count); seq++) {
		if (ping_one(&o, seq, &s))
			break;
		next += o.interval_s;
		if (!o.count || seq < o.count)
			sleep_until(next);
	}
	/* the agent could not be asked: said why, no statistics */
	if (!s.tx && !stop && !hn_json)
		return 1;
	ping_summary(&o, &s);
	return s.rx ? 0 : 1;
}

/*
 * hnctl monitor: the agent's events as they happen, a line each (JSON
 * lines with -j), until ^C or the agent stops.  -c N: stop after N.
 */
int cmd_monitor(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_int };
	unsigned long long count = 0, seen = 0;
	char buf[1024];
	ssize_t n;
	int fd;

	if (argc == 3 && !strcmp(argv[1], "-c")) {
		if (hn_parse_num("-c", argv[2], 1000000000, &count))
			return 1;
	} else if (argc != 1) {
		hn_err("usage: hnctl [-j] monitor [-c COUNT]");
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fd = hn_agent_open(hn_json ? "monitor json" : "monitor");
	if (fd < 0) {
		hn_agent_hint(fd);
		return 1;
	}
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 3 || strncmp(buf, "ok\n", 3)) {
		const char *nl;

		buf[n > 0 ? n : 0] = 0;
		nl = strchr(buf, '\n');
		hn_err("hypernetd: %s", n <= 0 ? "no answer" :
					nl     ? nl + 1 :
						 buf);
		close(fd);
		return 1;
	}
	if (!hn_json && isatty(STDERR_FILENO))
		fprintf(stderr, "monitoring %s (^C to stop)\n", hn_ctl_path);
	while (!stop && (!count || seen < count)) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		fwrite(buf, 1, n, stdout);
		fflush(stdout);
		seen++;
	}
	close(fd);
	if (!stop && (!count || seen < count)) {
		hn_err("hypernetd closed the connection (stopped?)");
		return 1;
	}
	return 0;
}

/* One hop's answer, from the agent's "hop ..." or "reply ..." line. */
struct trace_hop {
	unsigned int node, next;
	unsigned long long rtt_ns;
	char reason[16];
	int score, margin;
	bool has_score, reached;
};

static int trace_parse(const char *body, struct trace_hop *t)
{
	const char *w;

	memset(t, 0, sizeof(*t));
	t->reached = !strncmp(body, "reply ", 6);
	if (sscanf(body + (t->reached ? 6 : 4),
		   "node=%u bytes=%*u ttl=%*u rtt_ns=%llu", &t->node,
		   &t->rtt_ns) != 2 ||
	    (!t->reached && strncmp(body, "hop ", 4)))
		return -1;
	w = strstr(body, " next=");
	if (w)
		sscanf(w, " next=%u reason=%15s", &t->next, t->reason);
	w = strstr(body, " score=");
	t->has_score = w && sscanf(w, " score=%d margin=%d", &t->score,
				   &t->margin) == 2;
	return 0;
}

static void trace_print(unsigned int ttl, const struct trace_hop *t)
{
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_u64(&hn_jw, "ttl", ttl);
		jsonw_kv_u64(&hn_jw, "node", t->node);
		jsonw_name(&hn_jw, "rtt_ms");
		if (ttl)
			jsonw_float(&hn_jw, t->rtt_ns / 1e6);
		else
			jsonw_null(&hn_jw);
		jsonw_kv_bool(&hn_jw, "reached", t->reached);
		if (!t->reached) {
			jsonw_kv_u64(&hn_jw, "next", t->next);
			jsonw_kv_str(&hn_jw, "reason", t->reason);
		}
		if (t->has_score) {
			jsonw_kv_s64(&hn_jw, "score", t->score);
			/* null: the only candidate, nothing to compare with */
			jsonw_name(&hn_jw, "margin");
			if (t->margin == INT32_MAX)
				jsonw_null(&hn_jw);
			else
				jsonw_s64(&hn_jw, t->margin);
		}
		jsonw_obj_close(&hn_jw);
		return;
	}
	printf("%2u  node %-10u ", ttl, t->node);
	if (ttl)
		printf("%8.3f ms  ", t->rtt_ns / 1e6);
	else
		printf("(this node)  ");
	if (t->reached) {
		puts("reached");
		return;
	}
	if (t->next)
		printf("-> %u  %s", t->next, t->reason);
	else
		printf("dropped: %s", t->reason);
	if (t->has_score && t->margin == INT32_MAX)
		printf("  (score %d, the only candidate)", t->score);
	else if (t->has_score)
		printf("  (score %d, margin %d)", t->score, t->margin);
	putchar('\n');
}

/*
 * One TTL: 0 answered (*@t filled), 1 no answer in time, -1 hnctl must
 * stop (said why).
 */
static int trace_one(unsigned long long node, unsigned int ttl, double wait_s,
		     struct trace_hop *t)
{
	char line[96], *body;
	bool ok;
	int ret;

	snprintf(line, sizeof(line), "trace %llu %u %u", node, ttl,
		 (unsigned int)(wait_s * 1000 + 0.5));
	ret = hn_agent_request(line, NULL, 0, &body, &ok);
	if (ret) {
		if (ret != -EINTR)
			hn_agent_hint(ret);
		return -1;
	}
	ret = 0;
	if (ok && !strncmp(body, "timeout", 7)) {
		ret = 1;
	} else if (!ok || trace_parse(body, t)) {
		if (!strncmp(body, "unreachable", 11))
			hn_err("node %llu is unreachable: this node has no route to it",
			       node);
		else
			hn_err("hypernetd: %s", body);
		ret = -1;
	}
	free(body);
	return ret;
}

static const char trace_usage[] =
	"usage: hnctl traceroute NODE [-m MAX_TTL] [-W SECONDS]";

static int trace_opts(int argc, char **argv, unsigned long long *node,
		      unsigned long long *max, double *wait_s)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-m") && i + 1 < argc) {
			if (hn_parse_num("-m", argv[++i], HN_TTL_DEFAULT,
					 max) ||
			    !*max)
				return -1;
		} else if (!strcmp(argv[i], "-W") && i + 1 < argc) {
			if (parse_secs("-W", argv[++i], 0.01, wait_s))
				return -1;
		} else if (argv[i][0] != '-' && !*node) {
			if (hn_parse_num("node", argv[i], 0xffffffffULL,
					 node) ||
			    !*node)
				return -1;
		} else {
			break;
		}
	}
	if (i == argc && *node)
		return 0;
	hn_err("%s", trace_usage);
	return -1;
}

/*
 * hnctl traceroute: this node's decision for NODE, then ECHO requests
 * with TTL 1, 2 ... each answered by the router where it runs out with
 * its own decision, until NODE answers.
 */
int cmd_traceroute(int argc, char **argv)
{
	unsigned long long node = 0, max = HN_TTL_DEFAULT;
	struct sigaction sa = { .sa_handler = on_int };
	unsigned int ttl, lost = 0;
	struct trace_hop t;
	double wait_s = 2.0;
	bool reached = false;
	int ret = 0;

	if (trace_opts(argc, argv, &node, &max, &wait_s))
		return 1;
	sigaction(SIGINT, &sa, NULL);
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_u64(&hn_jw, "dst", node);
		jsonw_name(&hn_jw, "hops");
		jsonw_arr_open(&hn_jw);
	} else {
		printf("traceroute to node %llu, %llu hops max\n", node, max);
	}
	for (ttl = 0; ttl <= max && !reached && !stop && lost < 3; ttl++) {
		ret = trace_one(node, ttl, wait_s, &t);
		if (ret < 0)
			break;
		if (ret) {
			lost++;
			if (!hn_json)
				printf("%2u  *  (no answer within %g s)\n", ttl,
				       wait_s);
			continue;
		}
		lost = 0;
		trace_print(ttl, &t);
		fflush(stdout);
		reached = t.reached;
		if (!t.reached && !t.next)
			break;
	}
	if (hn_json) {
		jsonw_arr_close(&hn_jw);
		jsonw_kv_bool(&hn_jw, "reached", reached);
		jsonw_obj_close(&hn_jw);
		putchar('\n');
	}
	return reached ? 0 : 1;
}
