// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The results of a campaign's rounds, kept by id in a directory
 * (fedstore.h).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fedstore.h"
#include "fileio.h"
#include "model.h"

#define FS_NAME_MAX 32

static void fs_name(uint32_t id, char name[FS_NAME_MAX])
{
	snprintf(name, FS_NAME_MAX, "fedres-%" PRIu32 ".res", id);
}

static int fs_path(const struct hn_fstore *s, uint32_t id, char **path)
{
	char name[FS_NAME_MAX];
	size_t len;

	fs_name(id, name);
	len = strlen(s->dir) + 1 + strlen(name) + 1;
	*path = malloc(len);
	if (!*path)
		return -ENOMEM;
	snprintf(*path, len, "%s/%s", s->dir, name);
	return 0;
}

/* The id a directory entry's name stands for: 0 and *@id, or -1. */
static int fs_parse_name(const char *name, uint32_t *id)
{
	char again[FS_NAME_MAX];
	unsigned long v;
	char *end;

	if (strncmp(name, "fedres-", 7) || name[7] < '0' || name[7] > '9')
		return -1;
	errno = 0;
	v = strtoul(name + 7, &end, 10);
	if (errno || v > UINT32_MAX || strcmp(end, ".res"))
		return -1;
	/* one spelling per id: no leading zeros */
	fs_name((uint32_t)v, again);
	if (strcmp(again, name))
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/* Where @id is or would go in the index. */
static unsigned int fs_pos(const struct hn_fstore *s, uint32_t id)
{
	unsigned int lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int hn_fs_has(const struct hn_fstore *s, uint32_t id)
{
	unsigned int i = fs_pos(s, id);

	return i < s->n && s->ids[i] == id;
}

static void fs_drop(struct hn_fstore *s, unsigned int i, int unlink_it)
{
	char *path;

	if (unlink_it && !fs_path(s, s->ids[i], &path)) {
		unlink(path);
		free(path);
	}
	memmove(s->ids + i, s->ids + i + 1, (s->n - i - 1) * sizeof(*s->ids));
	s->n--;
}

/* Indexed (the file is there); the lowest evicted past the cap. */
static void fs_index(struct hn_fstore *s, uint32_t id)
{
	unsigned int i = fs_pos(s, id);

	memmove(s->ids + i + 1, s->ids + i, (s->n - i) * sizeof(*s->ids));
	s->ids[i] = id;
	s->n++;
	if (s->n > s->cap)
		fs_drop(s, 0, 1);
}

/* File @path of @id: read and checked.  0, or -errno with @err. */
static int fs_read(struct hn_fstore *s, const char *path, uint32_t id,
		   uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	uint32_t got;
	void *b;

	if (hn_read_file(path, HN_FS_MAX_LEN, 0, &b, len, err, errlen))
		return -EIO;
	if (s->check(s->ctx, b, *len, &got) || got != id) {
		free(b);
		hn_seterr(err, errlen,
			  "%s: not a result of this campaign's %" PRIu32, path,
			  id);
		return -EBADMSG;
	}
	*buf = b;
	return 0;
}

/* The directory's files read back: each one checked, then indexed. */
static void fs_scan(struct hn_fstore *s)
{
	char err[256], *path;
	struct dirent *de;
	uint8_t *buf;
	uint32_t id;
	size_t len;
	DIR *dir = opendir(s->dir);

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (fs_parse_name(de->d_name, &id) || hn_fs_has(s, id) ||
		    fs_path(s, id, &path))
			continue;
		if (fs_read(s, path, id, &buf, &len, err, sizeof(err))) {
			s->refused++;
		} else {
			free(buf);
			fs_index(s, id);
		}
		free(path);
	}
	closedir(dir);
}

int hn_fs_open(struct hn_fstore *s, const char *dir, unsigned int cap,
	       hn_fs_check_fn check, void *ctx, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (!cap)
		return hn_seterr(err, errlen,
				 "a store keeps at least 1 result");
	s->dir = strdup(dir);
	/* one more than the cap: a new id goes in before the lowest goes */
	s->ids = calloc(cap + 1, sizeof(*s->ids));
	if (!s->dir || !s->ids) {
		hn_fs_free(s);
		return hn_seterr(err, errlen, "out of memory");
	}
	s->cap = cap;
	s->check = check;
	s->ctx = ctx;
	fs_scan(s);
	return 0;
}

void hn_fs_free(struct hn_fstore *s)
{
	free(s->dir);
	free(s->ids);
	memset(s, 0, sizeof(*s));
}

int hn_fs_put(struct hn_fstore *s, uint32_t id, const uint8_t *buf, size_t len,
	      char *err, size_t errlen)
{
	char *path;
	int ret;

	if (hn_fs_has(s, id) || (s->n == s->cap && id < s->ids[0]))
		return 1;
	if (fs_path(s, id, &path))
		return hn_seterr(err, errlen, "out of memory");
	ret = hn_write_file(path, buf, len, 0600, 0, err, errlen);
	free(path);
	if (ret)
		return -1;
	fs_index(s, id);
	return 0;
}

int hn_fs_get(struct hn_fstore *s, uint32_t id, uint8_t **buf, size_t *len,
	      char *err, size_t errlen)
{
	char *path;
	int ret;

	if (!hn_fs_has(s, id)) {
		hn_seterr(err, errlen, "result %" PRIu32 " not kept", id);
		return -ENOENT;
	}
	if (fs_path(s, id, &path)) {
		hn_seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = fs_read(s, path, id, buf, len, err, errlen);
	free(path);
	if (ret) {
		s->refused++;
		fs_drop(s, fs_pos(s, id), 0);
	}
	return ret;
}

uint32_t hn_fs_last(const struct hn_fstore *s)
{
	return s->n ? s->ids[s->n - 1] : 0;
}

uint32_t hn_fs_first(const struct hn_fstore *s)
{
	return s->n ? s->ids[0] : 0;
}
