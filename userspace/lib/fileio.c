// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
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
			errno = 0; /* the file shrank under us */
		if (got <= 0)
			return -1;
		off += got;
	}
	return 0;
}

/*
 * A private file or directory must be its owner's alone, as ssh insists
 * for keys, and its owner us or root: whoever else owns it can change it.
 */
static int check_private(const char *what, const char *path,
			 const struct stat *st, char *err, size_t errlen)
{
	bool dir = S_ISDIR(st->st_mode);

	if (st->st_uid != geteuid() && st->st_uid != 0)
		return hn_seterr(
			err, errlen,
			"%s: %s is owned by uid %u, who can change it; refusing it: run 'chown %u %s' (and check what that user did with it)",
			path, what, (unsigned int)st->st_uid,
			(unsigned int)geteuid(), path);
	if (!(st->st_mode & (S_IRWXG | S_IRWXO)))
		return 0;
	return hn_seterr(
		err, errlen,
		"%s: %s is accessible by group or others (mode %04o); refusing it: run 'chmod %s %s'%s",
		path, what, (unsigned int)(st->st_mode & 07777),
		dir ? "700" : "600", path,
		dir ? "" : " (and make a new key if others may have read it)");
}

int hn_check_private(const char *what, const char *path, char *err,
		     size_t errlen)
{
	struct stat st;

	if (stat(path, &st))
		return hn_seterr(err, errlen, "%s: %s: %s", path, what,
				 strerror(errno));
	return check_private(what, path, &st, err, errlen);
}

int hn_read_file(const char *path, size_t max, unsigned int flags, void **buf,
		 size_t *len, char *err, size_t errlen)
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
	if ((flags & HN_RF_PRIVATE) &&
	    check_private("private key", path, &st, err, errlen))
		goto out;
	if ((unsigned long long)st.st_size > max) {
		hn_seterr(err, errlen,
			  "%s: %lld bytes, more than the %zu allowed", path,
			  (long long)st.st_size, max);
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

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

/* fsync() the directory holding @path: the rename is durable only then. */
static int sync_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, ret = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

int hn_write_file(const char *path, const void *buf, size_t len, mode_t mode,
		  unsigned int flags, char *err, size_t errlen)
{
	bool sync = !(flags & HN_WF_NOSYNC);
	char tmp[PATH_MAX];
	const char *step;
	int fd, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		hn_seterr(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	/* a fresh name, 0600: no one else's file, no half-written one seen */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		hn_seterr(err, errlen,
			  "%s: cannot create a temporary file next to it: %s",
			  path, strerror(-ret));
		return ret;
	}
	step = "write";
	ret = fchmod(fd, mode) ? -errno : write_all(fd, buf, len);
	if (!ret && sync && fsync(fd)) {
		step = "fsync";
		ret = -errno;
	}
	if (close(fd) && !ret) {
		step = "close";
		ret = -errno;
	}
	if (!ret && rename(tmp, path)) {
		step = "rename";
		ret = -errno;
	}
	if (ret) {
		unlink(tmp);
		hn_seterr(err, errlen, "%s: %s: %s", path, step,
			  strerror(-ret));
		return ret;
	}
	if (sync) {
		ret = sync_dir(path);
		if (ret)
			hn_seterr(
				err, errlen,
				"%s: fsync of its directory: %s (the new contents may not survive a crash)",
				path, strerror(-ret));
	}
	return ret;
}

int hn_save_file(const char *path, const void *buf, size_t len, char *err,
		 size_t errlen)
{
	FILE *f = fopen(path, "wb");
	int ret = 0;

	if (!f)
		return hn_seterr(err, errlen, "%s: %s", path, strerror(errno));
	if (fwrite(buf, 1, len, f) != len)
		ret = hn_seterr(err, errlen, "%s: write failed: %s", path,
				strerror(errno));
	if (fclose(f) && !ret)
		ret = hn_seterr(err, errlen, "%s: %s", path, strerror(errno));
	return ret;
}
