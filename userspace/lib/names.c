// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The names file (names.h): parsed once into an array sorted by id, so a
 * listing finds each node's name by binary search.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "names.h"

struct hn_name {
	__u32 id;
	char name[HN_NAME_MAX + 1];
};

struct hn_names {
	size_t n, cap;
	struct hn_name *e;
};

static int fail(char *err, size_t errlen, unsigned int line, const char *fmt,
		...)
{
	va_list ap;
	int k;

	k = snprintf(err, errlen, "line %u: ", line);
	if (k < 0 || (size_t)k >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + k, errlen - k, fmt, ap);
	va_end(ap);
	return -1;
}

static int cmp_id(const void *a, const void *b)
{
	const struct hn_name *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* A NAME: the characters allowed, and at least one that is not a digit. */
static int check_name(const char *s, size_t len)
{
	size_t i, digits = 0;

	if (!len || len > HN_NAME_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i]))
			digits++;
		else if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return -1;
	}
	return digits == len ? -1 : 0;
}

static int add(struct hn_names *n, __u32 id, const char *name, size_t len)
{
	struct hn_name *e;

	if (n->n == n->cap) {
		size_t cap = n->cap ? 2 * n->cap : 16;

		e = realloc(n->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		n->e = e;
		n->cap = cap;
	}
	e = &n->e[n->n++];
	e->id = id;
	memcpy(e->name, name, len);
	e->name[len] = 0;
	return 0;
}

/* One line, without its newline: 0, or -1 with @err. */
static int parse_line(struct hn_names *n, char *s, unsigned int line, char *err,
		      size_t errlen)
{
	unsigned long long id;
	char *hash = strchr(s, '#'), *end, *name;
	size_t len;

	if (hash)
		*hash = 0;
	s += strspn(s, " \t\r");
	if (!*s)
		return 0;
	if (!isdigit((unsigned char)*s))
		return fail(err, errlen, line, "'%s' is not NODE_ID NAME", s);
	errno = 0;
	id = strtoull(s, &end, 0);
	if (errno || !id || id > 0xffffffffULL || !strchr(" \t", *end))
		return fail(err, errlen, line,
			    "the node id is not a number in 1 .. 4294967295");
	name = end + strspn(end, " \t");
	len = strcspn(name, " \t\r");
	if (name[len + strspn(name + len, " \t\r")])
		return fail(err, errlen, line, "one name a line");
	if (check_name(name, len))
		return fail(
			err, errlen, line,
			"name '%.*s': 1 .. %d of A-Z a-z 0-9 . _ -, not all digits",
			(int)len, name, HN_NAME_MAX);
	if (n->n >= HN_NAMES_MAX)
		return fail(err, errlen, line, "more than %d names",
			    HN_NAMES_MAX);
	if (hn_names_find(n, name) || add(n, id, name, len)) /* linear: once */
		return fail(err, errlen, line, "name '%s' given twice", name);
	return 0;
}

static int check_dups(struct hn_names *n, char *err, size_t errlen)
{
	size_t i;

	if (n->n < 2) /* an empty file has no array: qsort() wants one */
		return 0;
	qsort(n->e, n->n, sizeof(*n->e), cmp_id);
	for (i = 1; i < n->n; i++)
		if (n->e[i].id == n->e[i - 1].id) {
			snprintf(err, errlen,
				 "node %u named twice ('%s', '%s')", n->e[i].id,
				 n->e[i - 1].name, n->e[i].name);
			return -1;
		}
	return 0;
}

int hn_names_parse(struct hn_names **out, const char *text, size_t len,
		   char *err, size_t errlen)
{
	struct hn_names *n = calloc(1, sizeof(*n));
	char *copy = malloc(len + 1), *s, *nl;
	unsigned int line = 1;
	int ret = 0;

	*out = NULL;
	if (!n || !copy) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = 0;
	if (strlen(copy) != len)
		ret = fail(err, errlen, 1, "a NUL byte: not a text file");
	for (s = copy; !ret && *s; s = nl + 1, line++) {
		nl = strchr(s, '\n');
		if (nl)
			*nl = 0;
		ret = parse_line(n, s, line, err, errlen);
		if (!nl)
			break;
	}
	if (!ret)
		ret = check_dups(n, err, errlen);
out:
	free(copy);
	if (ret)
		hn_names_free(n);
	else
		*out = n;
	return ret;
}

int hn_names_load(struct hn_names **out, const char *path, char *err,
		  size_t errlen)
{
	char perr[256];
	size_t len;
	void *buf;
	int ret;

	*out = NULL;
	/* HN_NAMES_MAX lines of an id, a name and some comment */
	if (hn_read_file(path, HN_NAMES_MAX * 128, 0, &buf, &len, err, errlen))
		return errno == ENOENT ? -ENOENT : -1;
	ret = hn_names_parse(out, buf, len, perr, sizeof(perr));
	if (ret)
		snprintf(err, errlen, "%s: %s", path, perr);
	free(buf);
	return ret;
}

void hn_names_free(struct hn_names *n)
{
	if (!n)
		return;
	free(n->e);
	free(n);
}

size_t hn_names_count(const struct hn_names *n)
{
	return n ? n->n : 0;
}

const char *hn_names_get(const struct hn_names *n, __u32 id)
{
	struct hn_name key = { .id = id }, *e;

	if (!n || !n->n)
		return NULL;
	e = bsearch(&key, n->e, n->n, sizeof(*n->e), cmp_id);
	return e ? e->name : NULL;
}

__u32 hn_names_find(const struct hn_names *n, const char *name)
{
	size_t i;

	for (i = 0; n && i < n->n; i++)
		if (!strcmp(n->e[i].name, name))
			return n->e[i].id;
	return 0;
}

const char *hn_fmt_node(const struct hn_names *n, __u32 id,
			char buf[HN_NODE_STRLEN])
{
	const char *name = hn_names_get(n, id);

	snprintf(buf, HN_NODE_STRLEN, "%s", name ? name : "");
	if (!name)
		snprintf(buf, HN_NODE_STRLEN, "%u", id);
	return buf;
}

const char *hn_fmt_node_long(const struct hn_names *n, __u32 id,
			     char buf[HN_NODE_LONGLEN])
{
	const char *name = hn_names_get(n, id);

	if (name)
		snprintf(buf, HN_NODE_LONGLEN, "%s (%u)", name, id);
	else
		snprintf(buf, HN_NODE_LONGLEN, "%u", id);
	return buf;
}

const char *hn_fmt_ago(__s64 ago_ns, char *buf, size_t len)
{
	long long s = ago_ns / 1000000000LL;

	if (s < 1)
		snprintf(buf, len, "now");
	else if (s < 120)
		snprintf(buf, len, "%lld s ago", s);
	else if (s < 120 * 60)
		snprintf(buf, len, "%lld min ago", s / 60);
	else if (s < 48 * 3600)
		snprintf(buf, len, "%lld h ago", s / 3600);
	else
		snprintf(buf, len, "%lld days ago", s / 86400);
	return buf;
}

const char *hn_fmt_bytes(__u64 bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB",
					    "TiB", "PiB", "EiB" };
	double v = bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.2f %s", v, unit[u]);
	return buf;
}

const char *hn_fmt_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!localtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}
