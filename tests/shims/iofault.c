// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iofault: a test-only LD_PRELOAD shim that makes writes or flushes of
 * chosen files fail, so that tests can prove how a program handles a
 * failing disk. Never linked into anything that is installed; built only
 * for "make check" (tests/shims/iofault.am).
 *
 *	LD_PRELOAD=$abs_top_builddir/tests/shims/.libs/libiofault.so
 *
 * Environment (read at every call, so a test may change nothing mid-run):
 *
 *   ZFD_IOFAULT_PATH	fnmatch(3) pattern. Only descriptors whose file
 *			(readlink /proc/self/fd/N, an absolute, resolved
 *			path) matches are touched. Unset: the shim does
 *			nothing at all.
 *   ZFD_IOFAULT_OP	"write" (default: write, pwrite, pwrite64, writev,
 *			pwritev, pwritev64) or "fsync" (fsync, fdatasync).
 *   ZFD_IOFAULT_ERROR	EIO (default), ENOSPC, EDQUOT, EFBIG, EROFS, or
 *			"short": the write that crosses the offset writes
 *			only the bytes before it and returns their count; a
 *			write that starts at the offset fails with ENOSPC
 *			(a device that ends there).
 *   ZFD_IOFAULT_OFFSET	write: byte offset in the file; the first write
 *			whose range holds it fails (default 0).
 *   ZFD_IOFAULT_SKIP	matching calls to let through before the first
 *			fault (default 0), e.g. the 3rd fsync: SKIP=2.
 *   ZFD_IOFAULT_COUNT	faults to inject (default 1; 0 = no limit: every
 *			matching call from then on fails).
 *   ZFD_IOFAULT_DELAY_MS  sleep this long before every matching write (a
 *			slow device), fault or not.
 *   ZFD_IOFAULT_HOLD	a path: while that file exists, every matching
 *			write waits (polling every 10 ms). A test creates it,
 *			starts the program, does what it wants while the
 *			program hangs in its first write, and removes it.
 *   ZFD_IOFAULT_LOG	file that gets one line per injected fault, so that
 *			a test can check the fault really happened.
 *
 * vectored writes: a fault turns the whole call into an error ("short"
 * as ENOSPC).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef ssize_t (*pwritev_fn)(int, const struct iovec *, int, off_t);
typedef int (*fsync_fn)(int);

/* Calls seen and faults injected so far (all threads). */
static unsigned long nr_seen;
static unsigned long nr_faults;

static void *next_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		static const char msg[] = "iofault: symbol not found\n";
		ssize_t n = write(2, msg, sizeof(msg) - 1);

		(void)n;
		abort();
	}
	return p;
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static bool fd_matches(int fd)
{
	const char *pat = getenv("ZFD_IOFAULT_PATH");
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (!pat || !*pat)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return false;
	path[n] = 0;
	return fnmatch(pat, path, 0) == 0;
}

static bool op_is(const char *op)
{
	const char *v = getenv("ZFD_IOFAULT_OP");

	return strcmp(v && *v ? v : "write", op) == 0;
}

/* The errno to inject, or 0 for "short". */
static int fault_errno(void)
{
	static const struct {
		const char *name;
		int err;
	} errs[] = {
		{ "EIO", EIO },	    { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT },
		{ "EFBIG", EFBIG }, { "EROFS", EROFS },	  { "short", 0 },
	};
	const char *v = getenv("ZFD_IOFAULT_ERROR");
	size_t i;

	for (i = 0; v && i < sizeof(errs) / sizeof(errs[0]); i++)
		if (strcmp(v, errs[i].name) == 0)
			return errs[i].err;
	return EIO;
}

static void fault_log(const char *call, int fd, long long off, size_t len,
		      const char *what)
{
	const char *path = getenv("ZFD_IOFAULT_LOG");
	char line[256];
	int lfd, n;

	if (!path || !*path)
		return;
	lfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s fd %d offset %lld len %zu: %s\n",
		     call, fd, off, len, what);
	if (n > 0)
		n = (int)((write_fn)next_sym("write"))(lfd, line, (size_t)n);
	close(lfd);
}

/*
 * Decides about one matching call: true if a fault is due now (counts
 * it). For writes, only calls whose range holds the offset are eligible.
 */
static bool fault_due(void)
{
	unsigned long seen, count = env_ul("ZFD_IOFAULT_COUNT", 1);

	seen = __atomic_fetch_add(&nr_seen, 1, __ATOMIC_SEQ_CST);
	if (seen < env_ul("ZFD_IOFAULT_SKIP", 0))
		return false;
	if (count &&
	    __atomic_fetch_add(&nr_faults, 1, __ATOMIC_SEQ_CST) >= count)
		return false;
	return true;
}

static void delay(void)
{
	unsigned long ms = env_ul("ZFD_IOFAULT_DELAY_MS", 0);
	struct timespec ts = { (time_t)(ms / 1000),
			       (long)(ms % 1000) * 1000000 };
	const struct timespec poll = { 0, 10 * 1000 * 1000 };
	const char *hold = getenv("ZFD_IOFAULT_HOLD");

	if (ms)
		nanosleep(&ts, NULL);
	while (hold && *hold && access(hold, F_OK) == 0)
		nanosleep(&poll, NULL);
}

/*
 * Common part of every write: returns -1 to let the real call through
 * with *len (possibly shortened), or the result to return instead.
 */
static ssize_t write_fault(const char *call, int fd, off_t off, size_t *len,
			   bool vectored)
{
	unsigned long long at = env_ul("ZFD_IOFAULT_OFFSET", 0);
	int err;

	if (!op_is("write") || !fd_matches(fd))
		return -1;
	delay();
	if (*len == 0 || (unsigned long long)off > at ||
	    (unsigned long long)off + *len <= at)
		return -1;
	if (!fault_due())
		return -1;
	err = fault_errno();
	if (err == 0 && !vectored && (unsigned long long)off < at) {
		*len = (size_t)(at - (unsigned long long)off);
		fault_log(call, fd, (long long)off, *len, "short write");
		return -1;
	}
	if (err == 0)
		err = ENOSPC;
	fault_log(call, fd, (long long)off, *len, strerror(err));
	errno = err;
	return -2;
}

static size_t iov_len(const struct iovec *iov, int cnt)
{
	size_t len = 0;
	int i;

	for (i = 0; i < cnt; i++)
		len += iov[i].iov_len;
	return len;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	write_fn real = (write_fn)next_sym("write");
	off_t off;
	ssize_t rc;

	if (getenv("ZFD_IOFAULT_PATH") && fd_matches(fd)) {
		off = lseek(fd, 0, SEEK_CUR);
		if (off >= 0) {
			rc = write_fault("write", fd, off, &len, false);
			if (rc == -2)
				return -1;
		}
	}
	return real(fd, buf, len);
}

static ssize_t do_pwrite(const char *name, int fd, const void *buf, size_t len,
			 off_t off)
{
	pwrite_fn real = (pwrite_fn)next_sym(name);

	if (write_fault(name, fd, off, &len, false) == -2)
		return -1;
	return real(fd, buf, len, off);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return do_pwrite("pwrite", fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	return do_pwrite("pwrite64", fd, buf, len, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	writev_fn real = (writev_fn)next_sym("writev");
	size_t len = iov_len(iov, cnt);
	off_t off;

	if (getenv("ZFD_IOFAULT_PATH") && fd_matches(fd)) {
		off = lseek(fd, 0, SEEK_CUR);
		if (off >= 0 &&
		    write_fault("writev", fd, off, &len, true) == -2)
			return -1;
	}
	return real(fd, iov, cnt);
}

static ssize_t do_pwritev(const char *name, int fd, const struct iovec *iov,
			  int cnt, off_t off)
{
	pwritev_fn real = (pwritev_fn)next_sym(name);
	size_t len = iov_len(iov, cnt);

	if (write_fault(name, fd, off, &len, true) == -2)
		return -1;
	return real(fd, iov, cnt, off);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return do_pwritev("pwritev", fd, iov, cnt, off);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
	return do_pwritev("pwritev64", fd, iov, cnt, off);
}

static int do_fsync(const char *name, int fd)
{
	fsync_fn real = (fsync_fn)next_sym(name);
	int err;

	if (op_is("fsync") && fd_matches(fd) && fault_due()) {
		err = fault_errno();
		if (err == 0)
			err = EIO;
		fault_log(name, fd, -1, 0, strerror(err));
		errno = err;
		return -1;
	}
	return real(fd);
}

int fsync(int fd)
{
	return do_fsync("fsync", fd);
}

int fdatasync(int fd)
{
	return do_fsync("fdatasync", fd);
}
