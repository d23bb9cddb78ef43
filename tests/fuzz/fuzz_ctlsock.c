// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the request parser of hypernetd's control socket
 * (hnd_ctl_request() in ctl.c, from the agent's archive): what hnctl sends
 * as one SOCK_SEQPACKET message, "WORD [ARG]\n" and a payload.  The first
 * input byte chooses: even, the rest is the request as is; odd, a
 * model-push of a genuine signed model file.  Every reply is "ok\n" or
 * "error\n" and text; "ok" only for a known request; JSON replies are well
 * formed; a genuine model is installed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent_stubs.h"

static struct hnd agent;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct hn_ctrl_lsa l = { .origin = 2,
				 .seq = 1,
				 .lifetime_s = 40,
				 .n_links = 1,
				 .n_stages = 1 };

	fz_agent_init(&agent);
	agent.n_ports = 2;
	strcpy(agent.ports[0].name, "p0");
	strcpy(agent.ports[1].name, "p\"1\\"); /* escaped in JSON */
	agent.ports[0].attached = true;
	agent.nb[0].used = agent.nb[0].up = true;
	agent.nb[0].node = 2;
	agent.nb[1].used = true;
	agent.nb[1].node = 3;
	agent.nb[1].port = 1;
	l.links[0].node = 1;
	l.links[0].cost = 256;
	l.stages[0] = 4;
	if (hn_topo_update(agent.topo, &l, fz_now) < 0)
		abort();
	return 0;
}

/* ---- a strict JSON checker: value, then only white space ---------------- */

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *value(const char *p, int depth);

static const char *string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF",
						    p[i]) ||
					    !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *number(const char *p)
{
	const char *s = p;

	if (*p == '-')
		p++;
	while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' ||
	       *p == 'E' || *p == '+' || *p == '-')
		p++;
	return p > s ? p : NULL;
}

static const char *items(const char *p, char close, int depth, int keyed)
{
	p = ws(p);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (keyed) {
			p = string(ws(p));
			if (!p || *(p = ws(p)) != ':')
				return NULL;
			p++;
		}
		p = value(p, depth + 1);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *value(const char *p, int depth)
{
	if (depth > 32)
		return NULL;
	p = ws(p);
	switch (*p) {
	case '{':
		return items(p + 1, '}', depth, 1);
	case '[':
		return items(p + 1, ']', depth, 0);
	case '"':
		return string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return number(p);
	}
}

static void check_json(const char *body)
{
	const char *end = value(body, 0);

	if (!end || *ws(end))
		abort();
}

/* ---- the target ------------------------------------------------------------ */

static void check_reply(const char *req, size_t n, const char *out, size_t olen)
{
	static const char *const words[] = {
		"status",     "neighbours", "stats",	     "topology",
		"model-push", "campaign",   "campaign-push", "hosts",
		"stage-rate", "dataplane",  "dump",	     "ping",
		"trace",      "monitor",    "reload"
	};
	const char *nl = memchr(req, '\n', n), *body;
	char word[16] = "", *arg = NULL;
	unsigned int i;
	size_t wl;
	bool ok;

	if (olen != strlen(out))
		abort();
	ok = !strncmp(out, "ok\n", 3);
	if (!ok && strncmp(out, "error\n", 6))
		abort();
	if (!ok)
		return;
	body = out + 3;
	/* "ok" only for a known word, as the parser split it */
	if (!nl)
		abort();
	wl = strcspn(req, " \n");
	if (wl >= sizeof(word) || memchr(req, 0, wl))
		abort();
	memcpy(word, req, wl);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(word, words[i]))
			break;
	if (i == sizeof(words) / sizeof(words[0]))
		abort();
	if (req[wl] == ' ')
		arg = strndup(req + wl + 1, nl - (req + wl + 1));
	if ((arg && !strcmp(arg, "json") && strcmp(word, "model-push") &&
	     strcmp(word, "campaign-push") && strcmp(word, "topology")) ||
	    (!strcmp(word, "topology") && !(arg && !strcmp(arg, "dot"))))
		check_json(body);
	free(arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req[HND_CTL_MAX];
	size_t n, olen, ilen = 0;
	void *img = NULL;
	__u64 gen = 0;
	char *out;

	if (!size)
		return 0;
	fz_agent_reset(&agent);
	if (data[0] & 1) {
		gen = 1 + (size > 1 ? data[1] % 8 : 0);
		img = fz_route_image(gen, &ilen);
		n = snprintf(req, sizeof(req), "model-push\n");
		memcpy(req + n, img, ilen);
		n += ilen;
	} else {
		n = size - 1 < sizeof(req) - 1 ? size - 1 : sizeof(req) - 1;
		memcpy(req, data + 1, n);
	}
	req[n] = 0; /* as serve() leaves it */
	{
		char *copy = malloc(n + 1);

		memcpy(copy, req, n + 1);
		if (hnd_ctl_request(&agent, req, n, &out, &olen))
			abort();
		check_reply(copy, n, out, olen);
		free(copy);
	}
	if (img && (strncmp(out, "ok\n", 3) || agent.model_gen != gen ||
		    fz_installs != 1))
		abort(); /* a genuine model refused */
	free(out);
	free(img);
	return 0;
}
