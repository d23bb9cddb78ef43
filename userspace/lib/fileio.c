// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "model.h"

static int read_all(int fd, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t got;

	while (off < len) {
		got = read(fd, buf + off, len - off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got == 0)
			errno = 0;	/* the file shrank under us */
		if (got <= 0)
			return -1;
		off += got;
	}
	return 0;
}

/* A private file must be its owner's alone, as ssh insists for keys. */
static int check_private(const char *path, const struct stat *st, char *err,
			 size_t errlen)
{
	if (!(st->st_mode & (S_IRWXG | S_IRWXO)))
		return 0;
	return hn_seterr(
		err, errlen,
		"%s: private key is accessible by group or others (mode %04o); refusing it: run 'chmod 600 %s' (and make a new key if others may have read it)",
		path, (unsigned int)(st->st_mode & 07777), path);
}

int hn_read_file(const char *path, size_t max, unsigned int flags,
		 void **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *p = NULL;
	int fd, ret = -1;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO in place of the file must not hang open() */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return hn_seterr(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		hn_seterr(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((flags & HN_RF_PRIVATE) && check_private(path, &st, err, errlen))
		goto out;
	if ((unsigned long long)st.st_size > max) {
		hn_seterr(err, errlen, "%s: %lld bytes, more than the %zu allowed",
			  path, (long long)st.st_size, max);
		goto out;
	}
	p = malloc(st.st_size + 1);
	if (!p) {
		hn_seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (read_all(fd, p, st.st_size)) {
		hn_seterr(err, errlen, "%s: read failed: %s", path,
			  errno ? strerror(errno) : "file shrank");
		free(p);
		goto out;
	}
	p[st.st_size] = 0;
	*buf = p;
	*len = st.st_size;
	ret = 0;
out:
	close(fd);
	return ret;
}
