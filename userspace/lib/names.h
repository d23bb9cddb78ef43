/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Node names for people: an optional names file maps node ids to names,
 * as /etc/hosts maps addresses, and every listing shows a node by its
 * name where the file gives one, by its id otherwise.  Times are shown
 * as "3 s ago" or a date, never as raw unix seconds (JSON keeps the raw
 * numbers).
 *
 * The file: one "NODE_ID NAME" a line; '#' starts a comment; blank lines
 * are ignored.  NODE_ID is 1 .. 4294967295 (decimal or 0x hex); NAME is
 * 1 .. HN_NAME_MAX characters of [A-Za-z0-9._-], not all digits (so it
 * cannot be read as an id).  An id or a name given twice is an error, so
 * a name always leads back to one node.
 */
#ifndef _HN_LIB_NAMES_H
#define _HN_LIB_NAMES_H

#include <stddef.h>
#include <time.h>
#include <linux/types.h>

#define HN_NAME_MAX 31
#define HN_NAMES_MAX 65536 /* entries in a file */
#define HN_NAMES_FILE "/etc/hypernet/names"
/* room for a name or an id, with its NUL */
#define HN_NODE_STRLEN (HN_NAME_MAX + 1)

struct hn_names;

/*
 * Parse @len bytes of @text (a names file's contents) into *out.  0, or
 * -1 with @err saying which line is wrong and why.
 */
int hn_names_parse(struct hn_names **out, const char *text, size_t len,
		   char *err, size_t errlen);
/*
 * Read and parse file @path.  0; -ENOENT when there is no such file (the
 * file is optional: the caller decides whether to say so); -1 with @err
 * on any other problem.
 */
int hn_names_load(struct hn_names **out, const char *path, char *err,
		  size_t errlen);
void hn_names_free(struct hn_names *n);
size_t hn_names_count(const struct hn_names *n);

/* The name of node @id, or NULL (also for a NULL @n). */
const char *hn_names_get(const struct hn_names *n, __u32 id);
/* The node named @name: its id, or 0 when no node has that name. */
__u32 hn_names_find(const struct hn_names *n, const char *name);
/* A node as shown: its name when @n has one, else its id in decimal. */
const char *hn_fmt_node(const struct hn_names *n, __u32 id,
			char buf[HN_NODE_STRLEN]);

/* The same with the id: "beta (2)" when named, else "2".  Returns @buf. */
#define HN_NODE_LONGLEN (HN_NAME_MAX + 14)
const char *hn_fmt_node_long(const struct hn_names *n, __u32 id,
			     char buf[HN_NODE_LONGLEN]);

/*
 * How long ago, for @ago_ns nanoseconds: "now" under a second (or when
 * negative: a stamp that leads the clock), then "N s ago" up to two
 * minutes, "N min ago" up to two hours, "N h ago" up to two days, then
 * "N days ago".  Returns @buf.
 */
const char *hn_fmt_ago(__s64 ago_ns, char *buf, size_t len);
/* A size as wg shows it: "512 B", "1.50 KiB", "3.25 MiB" ...  Returns @buf. */
const char *hn_fmt_bytes(__u64 bytes, char *buf, size_t len);
/* Unix time @t as a local date, "2026-12-08 03:10:42 UTC".  Returns @buf. */
const char *hn_fmt_date(time_t t, char *buf, size_t len);

#endif /* _HN_LIB_NAMES_H */
