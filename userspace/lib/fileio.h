/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Reading the small files HyperNet trusts with care: model files, keys,
 * configs.  One place that refuses what is not a regular file (a FIFO or a
 * device named by mistake must not hang or flood the reader), bounds the
 * size, and checks private files' modes.
 */
#ifndef _HN_LIB_FILEIO_H
#define _HN_LIB_FILEIO_H

#include <stddef.h>

enum hn_read_flags {
	/* refuse a file its group or others may access (private keys) */
	HN_RF_PRIVATE = 1U << 0,
};

/*
 * Read regular file @path of at most @max bytes whole into *buf
 * (malloc()ed, with a NUL after the *len bytes, so text parsers may treat
 * it as a string).  0, or -1 with @err naming the file and the problem.
 */
int hn_read_file(const char *path, size_t max, unsigned int flags,
		 void **buf, size_t *len, char *err, size_t errlen);

#endif /* _HN_LIB_FILEIO_H */
