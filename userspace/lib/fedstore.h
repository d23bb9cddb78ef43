/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The results of a campaign's rounds, kept (Documentation/federated.rst,
 * "Kept results").  Each result is a file "fedres-ID.res" of a
 * directory (the agent's state directory), ID the round's id in decimal
 * (a round, or a group's sub-round), written atomically; in memory only
 * the index (ids and lengths) is held, and a result is read back when
 * asked for.  At most @cap results are kept: a new one beyond that
 * evicts the lowest id, file and all.  Opening reads the directory back
 * and keeps each file the caller's check accepts for the id its name
 * says; any other is refused (counted, left as it is, never served).
 */
#ifndef _HN_LIB_FEDSTORE_H
#define _HN_LIB_FEDSTORE_H

#include <stddef.h>
#include <stdint.h>

#define HN_FS_MAX_LEN (4177920u) /* HN_FED_MSG_MAX: no message is longer */

/*
 * Whether @buf (@len bytes) is a result the caller takes; its id into
 * *@id.  0, or nonzero to refuse it.
 */
typedef int (*hn_fs_check_fn)(void *ctx, const uint8_t *buf, size_t len,
			      uint32_t *id);

struct hn_fstore {
	char *dir;
	unsigned int cap; /* results kept at most */
	unsigned int n;
	uint32_t *ids; /* increasing */
	hn_fs_check_fn check;
	void *ctx;
	unsigned int refused; /* files not taken at open or read back */
};

/*
 * The store of directory @dir keeping @cap (>= 1) results, read back
 * from the files there (the lowest ids evicted past @cap).  0, or -1
 * with @err.
 */
int hn_fs_open(struct hn_fstore *s, const char *dir, unsigned int cap,
	       hn_fs_check_fn check, void *ctx, char *err, size_t errlen);
void hn_fs_free(struct hn_fstore *s);

/*
 * Keep @buf as the result of @id (the caller checked it): written to its
 * file, then indexed.  1 when @id is already kept or would be evicted at
 * once (below the @cap highest), 0 when kept, -1 with @err.
 */
int hn_fs_put(struct hn_fstore *s, uint32_t id, const uint8_t *buf, size_t len,
	      char *err, size_t errlen);

/* Whether @id is kept. */
int hn_fs_has(const struct hn_fstore *s, uint32_t id);

/*
 * Result @id read back into *@buf (malloc()ed) and checked again.  0,
 * -ENOENT when not kept, or another -errno (refused: then no longer
 * kept) with @err.
 */
int hn_fs_get(struct hn_fstore *s, uint32_t id, uint8_t **buf, size_t *len,
	      char *err, size_t errlen);

/* The highest and lowest id kept, 0 when none. */
uint32_t hn_fs_last(const struct hn_fstore *s);
uint32_t hn_fs_first(const struct hn_fstore *s);

#endif /* _HN_LIB_FEDSTORE_H */
