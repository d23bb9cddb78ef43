// SPDX-License-Identifier: GPL-2.0
/*
 * hypernetd: the HyperNet agent (hypernetd(8)).
 *
 *   hypernetd -c /etc/hypernet/hypernetd.conf [-o key=value]... [-v]
 *
 * Loads the XDP data plane (or reuses the one pinned by a previous run, so
 * forwarding goes on across restarts), attaches it to the mesh ports, then
 * runs one event loop: packet sockets, the control socket, signals, and a
 * 10 ms tick for HELLOs, probes, gossip and timeouts.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "dp.h"
#include "fileio.h"
#include "hypernetd.h"
#include "model.h"

#define TICK_NS (10 * NSEC_PER_MSEC)
#define SLOW_NS (100 * NSEC_PER_MSEC)
/* after a restart, adopted routes are not withdrawn for this long */
#define HOLD_NS (3 * NSEC_PER_SEC)

static struct hnd the_agent;

__u64 hnd_now(void)
{
	return hn_dp_now_ns();
}

__u64 hnd_unix_now(void)
{
	return (__u64)time(NULL);
}

/*
 * Where log lines go: stderr either way.  Under systemd, whose journal
 * stamps and names each line itself, a line is "<PRIO>message" with
 * syslog's priorities, which journald reads as the line's priority
 * (SyslogLevelPrefix=, on by default).  Anywhere else (a terminal, a
 * file): "2026-12-08T03:12:01.123Z hypernetd node 1 warning: message",
 * the time in UTC to the millisecond, fixed width so that scripts can
 * compare stamps as strings.
 */
static bool log_journal;

/* Is stderr the journal's stream ($JOURNAL_STREAM, "DEV:INODE")? */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 &&
	       !fstat(STDERR_FILENO, &st) && st.st_dev == dev &&
	       st.st_ino == ino;
}

static void vlog(struct hnd *d, int level, const char *fmt, va_list ap)
{
	static const char *const tag[] = { "error", "warning", "notice", "info",
					   "debug" };
	static const int prio[] = { 3, 4, 5, 6, 7 }; /* LOG_ERR .. LOG_DEBUG */
	struct timespec ts;
	char when[32];
	struct tm tm;

	if (log_journal) {
		fprintf(stderr, "<%d>", prio[level]);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ hypernetd node %u %s: ", when,
			ts.tv_nsec / 1000000, d->cfg.node_id, tag[level]);
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/*
 * libbpf and libxdp print through here while the agent runs (the loader
 * swaps in its own printer where it collects the reason of a failure):
 * their warnings as ours, their info and debug lines only with -v.
 */
static void lib_print(const char *lib, bool warn, const char *fmt, va_list ap)
{
	struct hnd *d = &the_agent;
	char line[512];
	size_t n;

	if (!warn && !d->cfg.verbose)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	hnd_log(d, warn ? LOG_W : LOG_D, "%s: %s", lib, line);
}

static int bpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	lib_print("libbpf", level == LIBBPF_WARN, fmt, ap);
	return 0;
}

static int xdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	lib_print("libxdp", level == LIBXDP_WARN, fmt, ap);
	return 0;
}

void hnd_log(struct hnd *d, int level, const char *fmt, ...)
{
	va_list ap;

	if (level > LOG_I + d->cfg.verbose)
		return;
	va_start(ap, fmt);
	vlog(d, level, fmt, ap);
	va_end(ap);
}

/*
 * Lines about single frames: a flood of bad frames must not turn into a
 * flood of log lines (writing them slowed the agent until neighbours
 * timed out), so each kind gets HND_RL_BURST a second and a count of the
 * rest.
 */
void hnd_log_rl(struct hnd *d, struct hnd_rl *rl, int level, const char *fmt,
		...)
{
	__u64 now = hnd_now();
	va_list ap;

	if (level > LOG_I + d->cfg.verbose)
		return;
	if (now - rl->start_ns > NSEC_PER_SEC) {
		if (rl->dropped)
			hnd_log(d, level, "%u similar messages suppressed",
				rl->dropped);
		rl->start_ns = now;
		rl->n = 0;
		rl->dropped = 0;
	}
	if (rl->n >= HND_RL_BURST) {
		rl->dropped++;
		return;
	}
	rl->n++;
	va_start(ap, fmt);
	vlog(d, level, fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hypernetd [-c FILE] [-o KEY=VALUE]... [-v] [--check]\n"
		"  -c, --config FILE   configuration (hypernetd(8) lists the keys)\n"
		"  -o, --set KEY=VAL   set one key, after the file\n"
		"  -v, --verbose       debug log too\n"
		"      --check         check the configuration and exit\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          this text\n");
}

static int parse_args(struct hnd *d, int argc, char **argv, bool *check)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL }
	};
	char err[512], *sets[64];
	const char *conf = NULL;
	int c, n_sets = 0, i;

	while ((c = getopt_long(argc, argv, "c:o:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'o':
			if (n_sets == 64) {
				fprintf(stderr, "hypernetd: too many -o\n");
				return -1;
			}
			sets[n_sets++] = optarg;
			break;
		case 'v':
			d->cfg.verbose++;
			break;
		case 'C':
			*check = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			puts("hypernetd " HN_VERSION_STRING);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hypernetd: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return -1;
	}
	d->conf_path = conf;
	if (conf && hnd_config_load(&d->cfg, conf, err, sizeof(err))) {
		fprintf(stderr, "hypernetd: %s\n", err);
		return -1;
	}
	for (i = 0; i < n_sets; i++) {
		char *eq = strchr(sets[i], '=');

		if (!eq) {
			fprintf(stderr, "hypernetd: -o %s: want KEY=VALUE\n",
				sets[i]);
			return -1;
		}
		*eq = 0;
		/* kept for a reload, which reads them again after the file */
		d->set_keys[d->n_sets] = sets[i];
		d->set_vals[d->n_sets++] = eq + 1;
		if (hnd_config_set_arg(&d->cfg, sets[i], eq + 1, err,
				       sizeof(err))) {
			fprintf(stderr, "hypernetd: -o %s: %s\n", sets[i], err);
			return -1;
		}
	}
	if (hnd_config_check(&d->cfg, err, sizeof(err))) {
		fprintf(stderr, "hypernetd: %s\n", err);
		return -1;
	}
	return 0;
}

static int load_trusted(struct hnd *d)
{
	char err[256];

	if (!d->cfg.trusted_keys[0]) {
		hnd_log(d, LOG_W,
			"no trusted-keys: every model update will be refused");
		return 0;
	}
	if (hn_pubkeys_load(d->cfg.trusted_keys, d->trusted, HN_MAX_TRUSTED,
			    &d->n_trusted, err, sizeof(err))) {
		hnd_log(d, LOG_E, "trusted-keys: %s", err);
		return -EINVAL;
	}
	return 0;
}

/*
 * The node's identity key, which campaign rosters name it by and which
 * signs its secure-aggregation messages (Documentation/federated.rst).
 * Only its public half is kept here; the file must be private (0600).
 */
static int load_identity(struct hnd *d)
{
	char err[PATH_MAX + 256], hex[65];

	if (!d->cfg.identity_key[0])
		return 0;
	if (hn_key_public(d->cfg.identity_key, &d->identity, err,
			  sizeof(err))) {
		hnd_log(d, LOG_E,
			"identity-key: %s (make one with 'hnctl keygen PRIVFILE PUBFILE')",
			err);
		return -EINVAL;
	}
	d->has_identity = true;
	hn_pubkey_hex(&d->identity, hex);
	hnd_log(d, LOG_I, "identity key %s", hex);
	return 0;
}

/*
 * The names file: names, else HN_NAMES_FILE when there is one.  A file
 * named in the config must be there; one that does not parse is a
 * configuration error either way.
 */
static int load_names(struct hnd *d)
{
	const char *path = d->cfg.names[0] ? d->cfg.names : HN_NAMES_FILE;
	char err[PATH_MAX + 256];
	int ret;

	ret = hn_names_load(&d->names, path, err, sizeof(err));
	if (ret == -ENOENT && !d->cfg.names[0])
		return 0;
	if (ret == -ENOENT)
		snprintf(err, sizeof(err), "%s: no such file", path);
	if (ret) {
		hnd_log(d, LOG_E, "names: %s", err);
		return -EINVAL;
	}
	hnd_log(d, LOG_I, "%zu node names from %s", hn_names_count(d->names),
		path);
	return 0;
}

static int port_index(struct hnd *d, int ifindex)
{
	unsigned int i;

	for (i = 0; i < d->n_ports; i++)
		if (d->ports[i].ifindex == ifindex)
			return i;
	return -1;
}

/*
 * A restart finds the previous run's neighbours and routes in the pinned
 * maps and keeps using them, at the same indexes, until HELLOs and gossip
 * confirm or replace them: forwarding never stops while the agent is away.
 */
static void adopt(struct hnd *d)
{
	int fd = hn_dp_map_fd(d->dp, "hn_routes");
	__u64 now = hnd_now();
	__u32 key, next, *prev = NULL;
	unsigned int i, n = 0;

	for (i = 0; i < HND_MAX_NEIGH; i++) {
		struct hn_dp_neigh e;
		struct hnd_neigh *nb = &d->nb[i];
		int p;

		if (hn_dp_get_neigh(d->dp, i, &e) || !e.valid)
			continue;
		p = port_index(d, e.ifindex);
		if (p < 0) {
			hn_dp_del_neigh(d->dp, i);
			continue;
		}
		memset(nb, 0, sizeof(*nb));
		nb->used = nb->up = true;
		nb->node = e.node;
		nb->port = p;
		nb->dp_idx = i;
		memcpy(nb->mac, e.mac, 6);
		memcpy(nb->feat, e.feat, sizeof(nb->feat));
		nb->first_ns = nb->last_ns = nb->feat_ns = now;
		nb->interval_ms = d->cfg.hello_ms;
		/* one HELLO's worth of evidence until real ones come */
		nb->n_heard = 1;
		nb->rx_bits = 1;
		nb->rx_ratio = nb->tx_ratio = 255;
		nb->cost = hnd_neigh_cost(d, nb);
		n++;
	}
	while (fd >= 0 && d->n_routes < HND_MAX_ROUTES &&
	       !bpf_map_get_next_key(fd, prev, &next)) {
		struct hnd_route *r = &d->routes[d->n_routes];

		key = next;
		prev = &key;
		if (hn_dp_get_route(d->dp, key, &r->rt))
			continue;
		r->dst = key;
		d->n_routes++;
	}
	/* keep them until gossip has had time to say what replaces them */
	if (d->n_routes)
		d->hold_until_ns = now + HOLD_NS;
	if (n || d->n_routes)
		hnd_log(d, LOG_I,
			"kept %u neighbours and %u routes of the previous run",
			n, d->n_routes);
}

static int dataplane_up(struct hnd *d)
{
	struct hn_dp_config dc = { 0 };
	char err[256];
	int ret;

	hn_dp_set_nb_counters(d->cfg.neigh_counters);
	ret = hn_dp_open(&d->dp, d->cfg.pin_dir, err, sizeof(err));
	if (ret) {
		hnd_log(d, LOG_E, "data plane: %s", err);
		return ret;
	}
	ret = hn_dp_pin(d->dp, err, sizeof(err));
	if (ret) {
		hnd_log(d, LOG_E, "data plane: %s", err);
		return ret;
	}
	hn_dp_get_config(d->dp, &dc);
	dc.node_id = d->cfg.node_id;
	dc.margin_min = d->cfg.margin_min;
	dc.split_step = d->cfg.split_step;
	dc.stale_ns = (__u64)(d->cfg.stale_ms ? d->cfg.stale_ms :
						2 * d->cfg.hello_ms + 50) *
		      NSEC_PER_MSEC;
	ret = hn_dp_set_config(d->dp, &dc, err, sizeof(err));
	if (ret) {
		hnd_log(d, LOG_E, "data plane config: %s", err);
		return ret;
	}
	return 0;
}

static void dataplane_down(struct hnd *d)
{
	char err[256];
	unsigned int i;

	if (!d->dp)
		return;
	if (!d->cfg.keep_attached) {
		for (i = 0; i < d->n_ports; i++) {
			if (!d->ports[i].attached || !d->ports[i].ifindex)
				continue;
			/* ours only: another program there stays */
			if (hn_dp_detach(d->dp, d->ports[i].name, err,
					 sizeof(err)))
				hnd_log(d, LOG_W, "port %s: %s",
					d->ports[i].name, err);
		}
		hnd_log(d, LOG_I, "detached; maps stay pinned in %s",
			d->cfg.pin_dir);
	} else {
		hnd_hello_all(d);
		hnd_log(d, LOG_I, "leaving the data plane forwarding");
	}
	hn_dp_close(d->dp);
	d->dp = NULL;
}

static int epoll_add(struct hnd *d, int fd, __u64 tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

#define TAG_SIG 1000
#define TAG_CTL 1001

static int loop_setup(struct hnd *d)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->epfd < 0)
		return -errno;
	if (epoll_add(d, d->sigfd, TAG_SIG))
		return -errno;
	return 0;
}

/*
 * Splits move a step towards their pick once a period, the period in
 * which the load features follow (neigh.c), so that a move shows in the
 * features before the next step.
 */
#define SPLIT_NS (500 * NSEC_PER_MSEC)

static void split_tick(struct hnd *d, __u64 now)
{
	if (!d->dp || now < d->next_split_ns)
		return;
	d->next_split_ns = now + SPLIT_NS;
	if (hn_dp_split_step(d->dp))
		d->st.dp_errors++;
}

/* hnctl monitor's drop events: the data plane's counters once a second */
static void mon_tick(struct hnd *d, __u64 now)
{
	struct hn_dp_stats st;

	if (!d->n_mon || now < d->next_mon_ns)
		return;
	hnd_mon_tick(d, d->dp && !hn_dp_get_stats(d->dp, &st) ? &st : NULL,
		     now);
}

static void tick(struct hnd *d, __u64 now)
{
	hnd_xdp_tick(d, now);
	hnd_neigh_tick(d, now);
	hnd_rates_tick(d, now);
	hnd_gossip_tick(d, now);
	split_tick(d, now);
	hnd_fed_tick(d, now);
	hnd_echo_tick(d, now);
	mon_tick(d, now);
	if (now >= d->next_slow_ns) {
		hnd_model_tick(d, now);
		d->next_slow_ns = now + SLOW_NS;
	}
}

static void on_signal(struct hnd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGHUP) {
			d->stop = true;
			continue;
		}
		hnd_log(d, LOG_N, "SIGHUP: reloading the configuration");
		hnd_reload(d, NULL, NULL);
	}
}

static void run(struct hnd *d)
{
	struct epoll_event ev[16];

	while (!d->stop) {
		__u64 now = hnd_now();
		int i, n, wait_ms;

		if (now >= d->next_tick_ns) {
			tick(d, now);
			d->next_tick_ns = now + TICK_NS;
		}
		wait_ms = (d->next_tick_ns - now) / NSEC_PER_MSEC + 1;
		n = epoll_wait(d->epfd, ev, 16, wait_ms);
		for (i = 0; i < n; i++) {
			__u64 tag = ev[i].data.u64;

			if (tag == TAG_SIG)
				on_signal(d);
			else if (tag == TAG_CTL)
				hnd_ctl_rx(d);
			else if (tag < d->n_ports)
				hnd_port_rx(d, tag);
		}
	}
}

/*
 * The state directory, locked: two agents on one state directory (or one
 * control socket and pin directory) would fight over the maps.
 */
static int state_dir(struct hnd *d)
{
	char path[PATH_MAX + 8], err[PATH_MAX + 256];

	if (mkdir(d->cfg.state_dir, 0700) && errno != EEXIST) {
		hnd_log(d, LOG_E, "state-dir %s: %s", d->cfg.state_dir,
			strerror(errno));
		return -errno;
	}
	/* whoever may write model.gen may roll the model back */
	if (hn_check_private("state-dir", d->cfg.state_dir, err, sizeof(err))) {
		hnd_log(d, LOG_E, "%s", err);
		return -EPERM;
	}
	snprintf(path, sizeof(path), "%s/lock", d->cfg.state_dir);
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0 || flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		hnd_log(d, LOG_E,
			"%s: %s; is another hypernetd running with this state-dir? (hnctl status)",
			path, strerror(errno));
		return -EBUSY;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct hnd *d = &the_agent;
	bool check = false;
	int ret = 1;

	hnd_config_defaults(&d->cfg);
	d->ctl_fd = d->sigfd = d->epfd = d->lock_fd = -1;
	if (parse_args(d, argc, argv, &check))
		return 2;
	if (check) {
		char err[PATH_MAX + 256];
		struct stat st;

		/* an existing state-dir must be private; a new one will be */
		if (!stat(d->cfg.state_dir, &st) &&
		    hn_check_private("state-dir", d->cfg.state_dir, err,
				     sizeof(err))) {
			fprintf(stderr, "hypernetd: %s\n", err);
			return 2;
		}
		if (d->cfg.identity_key[0] &&
		    hn_key_public(d->cfg.identity_key, &d->identity, err,
				  sizeof(err))) {
			fprintf(stderr, "hypernetd: identity-key: %s\n", err);
			return 2;
		}
		printf("configuration ok: node %u, %u ports, %u mesh keys%s\n",
		       d->cfg.node_id, d->cfg.n_ports, d->cfg.n_keys,
		       d->cfg.identity_key[0] ? ", identity key" : "");
		return 0;
	}
	log_journal = stderr_is_journal();
	libbpf_set_print(bpf_print);
	libxdp_set_print(xdp_print);
	srandom(getpid() ^ d->cfg.node_id ^ (unsigned int)hnd_now());
	d->start_ns = hnd_now();
	hnd_echo_init(d);
	d->topo = hn_topo_new(d->cfg.node_id);
	if (!d->topo || state_dir(d) || load_trusted(d) || load_identity(d) ||
	    load_names(d) || hnd_lsa_seq_load(d) || loop_setup(d) ||
	    dataplane_up(d) || hnd_ports_open(d) || hnd_model_load_state(d) ||
	    hnd_campaign_load_state(d) || hnd_ctl_open(d) ||
	    epoll_add(d, d->ctl_fd, TAG_CTL))
		goto out;
	adopt(d);
	d->decide = hnd_hop_decide;
	hnd_log(d, LOG_I, "node %u running on %u ports, control socket %s",
		d->cfg.node_id, d->n_ports, d->cfg.ctl_path);
	run(d);
	hnd_log(d, LOG_I, "stopping");
	ret = 0;
out:
	hnd_echo_free(d);
	hnd_mon_free(d);
	hnd_ctl_close(d);
	dataplane_down(d);
	hnd_ports_close(d);
	hn_topo_free(d->topo);
	free(d->model_file);
	hnd_fed_free(d);
	hnd_campaign_free(d);
	hnd_rates_free(d);
	hn_names_free(d->names);
	return ret;
}
