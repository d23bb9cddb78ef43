// SPDX-License-Identifier: GPL-2.0
/*
 * hn-edge --cut auto: where to cut the chain and which host runs the rest,
 * per image, by the cut chooser (userspace/lib/cut.h).  Its inputs: the
 * cut table (--cut-table, else the chain's own), this edge's ns per MAC
 * as measured on the images it runs, and the hosts as hypernetd's
 * "hosts" request lists them (--agent), or a file in the same form
 * (--hosts, read again at every refresh).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fileio.h"
#include "hn-edge.h"

#define REFRESH_S 0.5
#define RATE_EWMA 0.2
#define HOSTS_MAX (256 << 10)

static struct {
	struct hn_cut_table table;
	struct hn_cut_state st;
	struct hn_cut_host host[HN_CUT_MAX_HOSTS];
	unsigned int n_host;
	double edge_ns_per_mac; /* 0 until something ran here */
	double next_refresh;
	bool warned;
} c;

const struct hn_cut_table *edge_cut_table(void)
{
	return &c.table;
}

unsigned int edge_cut_switches(void)
{
	return c.st.switches;
}

double edge_cut_edge_rate(void)
{
	return c.edge_ns_per_mac;
}

/* Cut k must be chain position k: the edge runs what comes before it. */
static int table_fits(const struct edge_models *ms)
{
	unsigned int k;

	if (c.table.n > edge_chain_len(ms)) {
		fprintf(stderr,
			"hn-edge: the cut table has %u cuts, the models %u stages\n",
			c.table.n, edge_chain_len(ms));
		return -1;
	}
	for (k = 0; k < c.table.n; k++)
		if (c.table.cut[k].stage != edge_chain_at(ms, k)->stage) {
			fprintf(stderr,
				"hn-edge: cut %u is stage %u, model %u of the chain stage %u\n",
				k, c.table.cut[k].stage, k,
				edge_chain_at(ms, k)->stage);
			return -1;
		}
	return 0;
}

int edge_cut_init(const struct edge_opts *o, const struct edge_models *ms,
		  unsigned int raw)
{
	char err[256];
	size_t len;
	void *buf;
	int ret;

	memset(&c, 0, sizeof(c));
	c.edge_ns_per_mac = o->edge_ns_per_mac;
	if (!o->cut_table) {
		edge_chain_table(ms, raw, &c.table);
		return c.table.n ? 0 : -1;
	}
	if (hn_read_file(o->cut_table, 1 << 20, 0, &buf, &len, err,
			 sizeof(err))) {
		fprintf(stderr, "hn-edge: %s\n", err);
		return -1;
	}
	ret = hn_cut_table_parse(buf, len, &c.table, err, sizeof(err));
	free(buf);
	if (ret) {
		fprintf(stderr, "hn-edge: %s: %s\n", o->cut_table, err);
		return -1;
	}
	return table_fits(ms);
}

/* "hosts" of the agent at @path: the reply's body, malloc()ed. */
static char *agent_hosts(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	static const char req[] = "hosts\n";
	char *buf = NULL;
	ssize_t n = -1;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return NULL;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (!connect(fd, (struct sockaddr *)&sun, sizeof(sun)) &&
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) > 0) {
		buf = malloc(HOSTS_MAX + 1);
		if (buf)
			n = recv(fd, buf, HOSTS_MAX, 0);
	}
	close(fd);
	if (n < 3 || memcmp(buf, "ok\n", 3)) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	memmove(buf, buf + 3, n - 2);
	return buf;
}

/* The hosts as the agent or the file says now; none if neither answers. */
static void refresh(const struct edge_opts *o)
{
	char err[256], *text = NULL;
	size_t len = 0;
	unsigned int i;
	int n = 0;

	if (o->agent) {
		text = agent_hosts(o->agent);
		len = text ? strlen(text) : 0;
	} else if (o->hosts_file &&
		   hn_read_file(o->hosts_file, HOSTS_MAX, 0, (void **)&text,
				&len, err, sizeof(err))) {
		text = NULL;
	}
	if (text)
		n = hn_cut_hosts_parse(text, len, &c.table, o->link_kbps * 1e3,
				       o->hop_us * 1e3, c.host,
				       HN_CUT_MAX_HOSTS, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "no hosts from %s",
			 o->agent ? o->agent : o->hosts_file);
	free(text);
	if (n < 0 || !text) {
		if (!c.warned)
			fprintf(stderr, "hn-edge: %s; running here\n", err);
		c.warned = true;
		n = 0;
	} else {
		c.warned = false;
	}
	/* a host that measured nothing yet: as fast as this edge */
	for (i = 0; i < (unsigned int)n; i++)
		if (!c.host[i].ns_per_mac)
			c.host[i].ns_per_mac = c.edge_ns_per_mac;
	c.n_host = n;
}

void edge_cut_pick(const struct edge_opts *o, double now,
		   struct hn_cut_choice *out)
{
	struct hn_cut_input in = {
		.table = &c.table,
		.edge_ns_per_mac = c.edge_ns_per_mac,
		.host = c.host,
		.private = o->private,
		.now_ns = now * 1e9,
	};

	if (now >= c.next_refresh) {
		refresh(o);
		c.next_refresh = now + REFRESH_S;
	}
	in.n_host = c.n_host;
	hn_cut_choose(&c.st, &in, out);
}

void edge_cut_observe(const struct hn_cut_choice *ch, double secs, double now)
{
	hn_cut_observe(&c.st, ch, secs * 1e9, now * 1e9);
}

void edge_cut_timeout(const struct hn_cut_choice *ch, double now)
{
	hn_cut_timeout(&c.st, ch, now * 1e9);
	/* the agent may have withdrawn it already: ask at the next pick */
	c.next_refresh = 0;
}

void edge_cut_unsent(const struct hn_cut_choice *ch)
{
	hn_cut_unsent(&c.st, ch);
}

const struct hn_cut_state *edge_cut_state(void)
{
	return &c.st;
}

void edge_rate_update(uint64_t macs, double secs)
{
	double x;

	if (!macs || secs <= 0)
		return;
	x = secs * 1e9 / macs;
	c.edge_ns_per_mac =
		c.edge_ns_per_mac ?
			c.edge_ns_per_mac +
				RATE_EWMA * (x - c.edge_ns_per_mac) :
			x;
}
