/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The small files HyperNet trusts, handled with care.  Reading (model
 * files, keys, configs): one place that refuses what is not a regular file
 * (a FIFO or a device named by mistake must not hang or flood the reader),
 * bounds the size, and checks private files' modes.  Writing (the agent's
 * persisted state, keys): one place that replaces a file durably.
 */
#ifndef _HN_LIB_FILEIO_H
#define _HN_LIB_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

enum hn_read_flags {
	/* refuse a file its group or others may access (private keys) */
	HN_RF_PRIVATE = 1U << 0,
};

/*
 * Read regular file @path of at most @max bytes whole into *buf
 * (malloc()ed, with a NUL after the *len bytes, so text parsers may treat
 * it as a string).  0, or -1 with @err naming the file and the problem.
 */
int hn_read_file(const char *path, size_t max, unsigned int flags, void **buf,
		 size_t *len, char *err, size_t errlen);

/*
 * Refuse a private file or directory that its group or others may access,
 * or that another user owns: what it holds is a secret (a key), or decides
 * what the agent accepts (the persisted model generation).  @what names it
 * in the message, which says how to fix it.  0, or -1 with @err.
 */
int hn_check_private(const char *what, const char *path, char *err,
		     size_t errlen);

enum hn_write_flags {
	/*
	 * Atomic but not synced: for a view rewritten often (the topology
	 * files), whose loss in a crash costs nothing.
	 */
	HN_WF_NOSYNC = 1U << 0,
};

/*
 * Replace @path with the @len bytes of @buf, created with @mode: written
 * to a new temporary file in the same directory, fsync()ed, renamed over
 * @path, then the directory fsync()ed.  After a crash @path holds the old
 * or the new contents, never a mix or nothing, and once this returns the
 * new contents survive one.  0, or -errno with @err naming the file.
 */
int hn_write_file(const char *path, const void *buf, size_t len, mode_t mode,
		  unsigned int flags, char *err, size_t errlen);

/*
 * Write the @len bytes of @buf to @path in place, the plain way (an
 * exported model or data set, which a crash may truncate): 0, or -1 with
 * @err naming the file and the problem.
 */
int hn_save_file(const char *path, const void *buf, size_t len, char *err,
		 size_t errlen);

#endif /* _HN_LIB_FILEIO_H */
