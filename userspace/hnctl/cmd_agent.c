// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl agent: requests to hypernetd over its control socket (ctl.c in
 * userspace/hypernetd).  Read commands that the pinned maps can answer do
 * so when the agent is down; the agent only adds its own view.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/hypernet_packet.h>
#include "fileio.h"
#include "hnctl.h"
#include "sign.h"

#define REPLY_MAX (8 << 20) /* a round's result vector, raw */

/*
 * One request: "WORD [ARG]\n" + payload.  Returns 0 with the reply body
 * in *body (malloc()ed; *ok says "ok" or "error"), -ENOENT/-ECONNREFUSED
 * when no agent listens, other -errno on failure.
 */
int hn_agent_request(const char *line, const void *payload, size_t plen,
		     char **body, bool *ok)
{
	size_t blen;

	return hn_agent_request_len(line, payload, plen, body, &blen, ok);
}

/*
 * Connect and send @req: the agent waits 100 ms for a request once it
 * accepted the connection, so the request is ready before we connect,
 * and sent once more on a new connection if the agent hung up first (a
 * loaded machine may not run us within those 100 ms).
 */
static int agent_send(const char *req, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int big = REPLY_MAX, fd, try, ret = 0;

	if (strlen(hn_ctl_path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, hn_ctl_path);
	for (try = 0; try < 2; try++) {
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		/* an update vector in one request (root: past wmem_max) */
		if (len > 100000)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big,
				   sizeof(big));
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
			ret = -errno;
			close(fd);
			return ret;
		}
		if (send(fd, req, len, MSG_NOSIGNAL) >= 0)
			return fd;
		ret = -errno;
		close(fd);
		if (ret != -EPIPE && ret != -ECONNRESET)
			break;
	}
	return ret;
}

int hn_agent_open(const char *line)
{
	char req[128];
	int n = snprintf(req, sizeof(req), "%s\n", line);

	if (n < 0 || (size_t)n >= sizeof(req))
		return -EINVAL;
	return agent_send(req, n);
}

int hn_agent_request_len(const char *line, const void *payload, size_t plen,
			 char **body, size_t *blen, bool *ok)
{
	size_t llen = strlen(line);
	char *req, *rep;
	ssize_t n;
	int fd = -1, ret = 0;

	*body = NULL;
	req = malloc(llen + 1 + plen);
	rep = malloc(REPLY_MAX + 1);
	if (!req || !rep) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(req, line, llen);
	req[llen] = '\n';
	if (plen)
		memcpy(req + llen + 1, payload, plen);
	fd = agent_send(req, llen + 1 + plen);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	n = recv(fd, rep, REPLY_MAX, 0);
	if (n <= 0) {
		ret = n ? -errno : -ECONNRESET;
		goto out;
	}
	rep[n] = 0;
	*ok = !strncmp(rep, "ok\n", 3);
	{
		char *nl = memchr(rep, '\n', n);
		size_t off = nl ? (size_t)(nl + 1 - rep) : (size_t)n;

		*blen = n - off;
		*body = malloc(*blen + 1);
		if (*body) {
			memcpy(*body, rep + off, *blen + 1);
		}
	}
	if (!*body)
		ret = -ENOMEM;
out:
	free(req);
	free(rep);
	if (fd >= 0)
		close(fd);
	return ret;
}

bool hn_agent_absent(int err)
{
	return err == -ENOENT || err == -ECONNREFUSED;
}

/*
 * Why no agent answers: no socket file, or one that nothing listens on,
 * left by an agent that could not remove it (killed, or crashed).
 */
static const char *agent_absent_why(int err)
{
	return err == -ENOENT ? "no socket at" :
				"nothing listens on the stale socket";
}

void hn_agent_hint(int err)
{
	if (hn_agent_absent(err)) {
		hn_err("hypernetd is not running (%s %s)",
		       agent_absent_why(err), hn_ctl_path);
		if (err == -ECONNREFUSED)
			hn_hint("an agent stopped there without removing it (killed or crashed: 'journalctl -u hypernetd'); start it again (systemctl start hypernetd), which replaces the file");
		else
			hn_hint("start it (systemctl start hypernetd), or point -S at its control socket");
	} else {
		hn_err("talking to hypernetd at %s: %s", hn_ctl_path,
		       strerror(-err));
		hn_hint("hnctl must run as root, like the agent");
	}
}

/* Print an agent reply: text as is, JSON as a value of hn_jw. */
int hn_agent_print(const char *word, const char *arg)
{
	char line[64], *body;
	bool ok;
	int ret;

	snprintf(line, sizeof(line), "%s%s%s", word, arg ? " " : "",
		 arg ? arg : "");
	ret = hn_agent_request(line, NULL, 0, &body, &ok);
	if (ret) {
		hn_agent_hint(ret);
		return 1;
	}
	if (!ok) {
		hn_err("hypernetd: %s", body);
		free(body);
		return 1;
	}
	if (hn_json && arg && (!strcmp(arg, "json") || strstr(arg, " json")))
		jsonw_raw(&hn_jw, body);
	else
		fputs(body, stdout);
	free(body);
	return 0;
}

/* The agent's reply as the value of "agent", null without one. */
static void agent_json(int ret, bool ok, const char *body)
{
	jsonw_name(&hn_jw, "agent");
	if (!ret && ok)
		jsonw_raw(&hn_jw, body);
	else
		jsonw_null(&hn_jw);
}

/* For `hnctl status`: the agent's part, or a note that it is down. */
void hn_agent_status(void)
{
	char *body;
	bool ok;
	int ret;

	ret = hn_agent_request(hn_json ? "status json" : "status", NULL, 0,
			       &body, &ok);
	if (hn_json) {
		agent_json(ret, ok, body);
	} else if (!ret && ok) {
		fputs(body, stdout);
	} else if (hn_agent_absent(ret)) {
		printf("agent:    not running (%s %s)\n", agent_absent_why(ret),
		       hn_ctl_path);
	} else {
		printf("agent:    not running (%s: %s)\n", hn_ctl_path,
		       ret ? strerror(-ret) : "refused");
	}
	free(body);
}

/* hnctl agent neighbours: the data plane's table, then the agent's links. */
int cmd_neighbours(int argc, char **argv)
{
	char *body = NULL;
	bool ok = false;
	int ret;

	if (argc > 1) {
		hn_err("usage: hnctl agent neighbours");
		return 1;
	}
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_name(&hn_jw, "dataplane");
	}
	if (hn_neigh_list(0, NULL))
		return 1;
	ret = hn_agent_request(hn_json ? "neighbours json" : "neighbours", NULL,
			       0, &body, &ok);
	if (hn_json) {
		agent_json(ret, ok, body);
		jsonw_obj_close(&hn_jw);
	} else if (!ret && ok) {
		printf("\nlinks as hypernetd sees them:\n%s", body);
	} else {
		printf("\n(hypernetd not running: data plane view only)\n");
	}
	free(body);
	return 0;
}

/* hnctl agent [status], hnctl agent stats */
static int agent_word(int argc, char **argv, const char *word)
{
	if (argc > 1) {
		hn_err("usage: hnctl agent [status|stats]");
		return 1;
	}
	return hn_agent_print(word, hn_json ? "json" : NULL);
}

static int cmd_agent_status(int argc, char **argv)
{
	return agent_word(argc, argv, "status");
}

static int cmd_agent_stats(int argc, char **argv)
{
	return agent_word(argc, argv, "stats");
}

static int topology_file(const char *fmt)
{
	char path[4096], buf[4096];
	struct stat stb;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/topology.%s", hn_state_dir, fmt);
	f = fopen(path, "r");
	if (!f || fstat(fileno(f), &stb)) {
		hn_err("hypernetd is not running and %s cannot be read: %s",
		       path, strerror(errno));
		hn_hint("start hypernetd, or give its state directory with -D");
		if (f)
			fclose(f);
		return 1;
	}
	fprintf(stderr,
		"hnctl: hypernetd not running; topology as it last wrote it (%.0f s ago)\n",
		difftime(time(NULL), stb.st_mtime));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

int cmd_topology(int argc, char **argv)
{
	const char *fmt = hn_json ? "json" : "dot";
	char *body;
	bool ok;
	int ret;

	if (argc > 2 ||
	    (argc == 2 && strcmp(argv[1], "dot") && strcmp(argv[1], "json"))) {
		hn_err("usage: hnctl topology [dot|json]");
		return 1;
	}
	if (argc == 2)
		fmt = argv[1];
	ret = hn_agent_request(!strcmp(fmt, "dot") ? "topology dot" :
						     "topology json",
			       NULL, 0, &body, &ok);
	if (hn_agent_absent(ret))
		return topology_file(fmt);
	if (ret || !ok) {
		if (ret)
			hn_agent_hint(ret);
		else
			hn_err("hypernetd: %s", body);
		free(body);
		return 1;
	}
	fputs(body, stdout);
	free(body);
	return 0;
}

/*
 * A push the agent refused: the line on stderr and, with -j, an object
 * on stdout ({JSON_KEY: false, "reason": REASON, "message": BODY}).
 */
static void push_refused(const char *body, const char *what,
			 const char *json_key, const char *reason)
{
	hn_err("%s %s%s", what, strncmp(body, "refused", 7) ? "refused: " : "",
	       body);
	if (!hn_json)
		return;
	jsonw_obj_open(&hn_jw);
	jsonw_kv_bool(&hn_jw, json_key, false);
	if (reason)
		jsonw_kv_str(&hn_jw, "reason", reason);
	jsonw_kv_str(&hn_jw, "message", body);
	jsonw_obj_close(&hn_jw);
}

int hn_agent_push_reply(bool ok, char *body, const char *what,
			const char *json_key, const char *hint)
{
	if (!ok) {
		push_refused(body, what, json_key, NULL);
		hn_hint("%s", hint);
		free(body);
		return 1;
	}
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_bool(&hn_jw, json_key, true);
		jsonw_kv_str(&hn_jw, "message", body);
		jsonw_obj_close(&hn_jw);
	} else {
		fputs(body, stdout);
	}
	free(body);
	return 0;
}

/* The reason of an agent's "refused (REASON): ..." (HN_ACC_*), or 0. */
static int model_refusal(const char *body)
{
	char pfx[64];
	int why;

	for (why = HN_ACC_OK + 1; why < __HN_ACC_MAX; why++) {
		snprintf(pfx, sizeof(pfx),
			 "refused (%s): ", hn_accept_err_name(why));
		if (!strncmp(body, pfx, strlen(pfx)))
			return why;
	}
	return 0;
}

int hn_model_push(int argc, char **argv)
{
	char *body, err[256];
	void *buf;
	size_t n;
	bool ok;
	int ret, why;

	if (argc != 2) {
		hn_err("usage: hnctl model push FILE.hnm");
		return 1;
	}
	if (hn_read_file(argv[1], HN_MODEL_XFER_MAX, 0, &buf, &n, err,
			 sizeof(err))) {
		hn_err("%s", err);
		return 1;
	}
	ret = hn_agent_request("model-push", buf, n, &body, &ok);
	free(buf);
	if (ret) {
		hn_agent_hint(ret);
		if (hn_agent_absent(ret))
			hn_hint("without the agent, 'hnctl model load FILE' installs on this node only");
		return 1;
	}
	if (ok)
		return hn_agent_push_reply(ok, body, "model", "installed", "");
	why = model_refusal(body);
	push_refused(body, "model", "installed",
		     why ? hn_accept_err_name(why) : NULL);
	if (why)
		hn_model_refusal_hint(why, "the agent's trusted-keys file");
	else
		hn_hint("the agent's log says more; 'hnctl model verify %s --keys PUBFILE' runs its checks",
			argv[1]);
	free(body);
	return 1;
}

/* hnctl agent hosts [STAGE]: every host of a stage, its rate and path. */
static int cmd_hosts(int argc, char **argv)
{
	unsigned long long st = 0;
	char arg[32];

	if (argc > 2 ||
	    (argc == 2 && hn_parse_num("stage", argv[1], 255, &st)) ||
	    (argc == 2 && !st)) {
		hn_err("usage: hnctl agent hosts [STAGE]");
		return 1;
	}
	snprintf(arg, sizeof(arg), "%llu%s", st, hn_json ? " json" : "");
	if (!st)
		return hn_agent_print("hosts", hn_json ? "json" : NULL);
	return hn_agent_print("hosts", arg);
}

/*
 * hnctl agent stage-rate STAGE NS [BUSY [QUEUE]]: a stage runner's
 * measurement, advertised for three rate windows.
 */
static int cmd_stage_rate(int argc, char **argv)
{
	unsigned long long v[4] = { 0 };
	static const unsigned long long max[4] = { 255, 0xffffffffULL, 1000,
						   0xffff };
	static const char *const name[4] = { "stage", "ns", "busy", "queue" };
	char line[128], *body;
	bool ok;
	int i, ret;

	if (argc < 3 || argc > 5) {
		hn_err("usage: hnctl agent stage-rate STAGE NS_PER_ITEM [BUSY_PERMILLE [QUEUE]]");
		return 1;
	}
	for (i = 1; i < argc; i++)
		if (hn_parse_num(name[i - 1], argv[i], max[i - 1], &v[i - 1]))
			return 1;
	snprintf(line, sizeof(line), "stage-rate %llu %llu %llu %llu", v[0],
		 v[1], v[2], v[3]);
	ret = hn_agent_request(line, NULL, 0, &body, &ok);
	if (ret) {
		hn_agent_hint(ret);
		return 1;
	}
	return hn_agent_push_reply(
		ok, body, "stage rate", "taken",
		"the stage must be in the agent's 'stages'; busy is permille, 0..1000");
}

/*
 * hnctl reload: the agent reads its configuration again and applies it
 * (as SIGHUP does); with -j, what changed.  A refused reload changes
 * nothing, says why and exits 1; with -j also as {"reloaded": false,
 * "error": ...}, so a script reads the outcome either way.
 */
int cmd_reload(int argc, char **argv)
{
	char *body;
	bool ok;
	int ret;

	if (argc > 1) {
		hn_err("usage: hnctl reload");
		return 1;
	}
	ret = hn_agent_request(hn_json ? "reload json" : "reload", NULL, 0,
			       &body, &ok);
	if (ret) {
		hn_agent_hint(ret);
		return 1;
	}
	if (!ok) {
		hn_err("hypernetd: %s", body);
		hn_hint("fix the configuration and reload again, or restart the agent for keys that cannot change live");
		if (hn_json) {
			jsonw_obj_open(&hn_jw);
			jsonw_kv_bool(&hn_jw, "reloaded", false);
			jsonw_kv_str(&hn_jw, "error", body);
			jsonw_obj_close(&hn_jw);
		}
	} else if (hn_json) {
		jsonw_raw(&hn_jw, body);
	} else {
		fputs(body, stdout);
	}
	free(body);
	return !ok;
}

/* ---- the words ---------------------------------------------------------- */

/* `hnctl agent`: hypernetd, asked over its control socket. */
static const struct hn_cmd agent_cmds[] = {
	{ "status", cmd_agent_status, "", "its state and ports (the default)" },
	{ "stats", cmd_agent_stats, "", "its counters" },
	{ "neighbours", cmd_neighbours, "",
	  "data plane's neighbours, its links" },
	{ "topology", cmd_topology, "[dot|json]",
	  "the mesh as hypernetd knows it" },
	{ "hosts", cmd_hosts, "[STAGE]",
	  "hosts of each stage: rate, load, path" },
	{ "stage-rate", cmd_stage_rate, "STAGE NS [BUSY [QUEUE]]",
	  "a local runner's measured rate" },
	{ "reload", cmd_reload, "",
	  "re-read its configuration, apply what changed" },
	{ NULL }
};

/* Without a word: status.  An unknown one gets the usage. */
int cmd_agent(int argc, char **argv)
{
	if (argc == 1)
		return cmd_agent_status(argc, argv);
	if (strcmp(argv[1], "help") && strcmp(argv[1], "-h") &&
	    !hn_find(agent_cmds, argv[1])) {
		hn_err("usage: hnctl agent [status|stats] | neighbours | topology [dot|json] | hosts [STAGE] | stage-rate STAGE NS [BUSY [QUEUE]] | reload");
		hn_hint("'hnctl agent help' lists the commands");
		return 1;
	}
	return hn_dispatch("hnctl agent", agent_cmds, argc - 1, argv + 1);
}
