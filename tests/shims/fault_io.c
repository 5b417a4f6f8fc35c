// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD shim for tests (never linked into production code): watches
 * the file named by ZFD_SHIM_PATH and
 *	ZFD_SHIM_NOMMAP=1	makes mmap() of it fail with ENODEV (as on a
 *				kernel whose /proc/vmcore has no mmap);
 *	ZFD_SHIM_EIO=LO-HI	makes pread() of it fail with EIO when the
 *				range touches file offsets [LO, HI) (hex),
 *				i.e. damaged memory in the middle of a core;
 *	ZFD_SHIM_LOG=FILE	appends "mmap OFF LEN" / "pread OFF LEN" for
 *				each call on it, so tests see which path the
 *				source took.
 * Only the descriptors opened on that path are affected.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FDS 1024

static bool watched[MAX_FDS];

static void note_open(const char *path, int fd)
{
	const char *want = getenv("ZFD_SHIM_PATH");

	if (fd >= 0 && fd < MAX_FDS)
		watched[fd] = want && path && !strcmp(path, want);
}

static bool is_watched(int fd)
{
	return fd >= 0 && fd < MAX_FDS && watched[fd];
}

static void shim_log(const char *what, uint64_t off, uint64_t len)
{
	const char *log = getenv("ZFD_SHIM_LOG");
	char line[96];
	int fd, n;
	ssize_t (*real_write)(int, const void *, size_t);

	if (!log)
		return;
	real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT,
								  "write");
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %llu %llu\n", what,
		     (unsigned long long)off, (unsigned long long)len);
	if (real_write(fd, line, (size_t)n) < 0)
		(void)0;
	close(fd);
}

static int open_common(const char *fn, int dirfd, const char *path, int flags,
		       mode_t mode)
{
	int fd;

	if (dirfd == -1) {
		int (*real)(const char *, int, ...) =
			(int (*)(const char *, int, ...))dlsym(RTLD_NEXT, fn);

		fd = real(path, flags, mode);
	} else {
		int (*real)(int, const char *, int,
			    ...) = (int (*)(int, const char *, int,
					    ...))dlsym(RTLD_NEXT, fn);

		fd = real(dirfd, path, flags, mode);
	}
	note_open(path, fd);
	return fd;
}

#define OPEN_MODE(flags, mode)                           \
	do {                                             \
		va_list ap;                              \
		va_start(ap, flags);                     \
		mode = (flags & (O_CREAT | O_TMPFILE)) ? \
			       (mode_t)va_arg(ap, int) : \
			       0;                        \
		va_end(ap);                              \
	} while (0)

int open(const char *path, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(flags, mode);
	return open_common("open", -1, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(flags, mode);
	return open_common("open64", -1, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(flags, mode);
	return open_common("openat", dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(flags, mode);
	return open_common("openat64", dirfd, path, flags, mode);
}

static bool eio_range(uint64_t off, uint64_t len)
{
	const char *f = getenv("ZFD_SHIM_EIO");
	unsigned long long lo, hi;

	return f && sscanf(f, "%llx-%llx", &lo, &hi) == 2 && off < hi &&
	       off + len > lo;
}

static ssize_t pread_common(const char *fn, int fd, void *buf, size_t len,
			    off_t off)
{
	ssize_t (*real)(int, void *, size_t, off_t) =
		(ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, fn);

	if (is_watched(fd)) {
		shim_log("pread", (uint64_t)off, len);
		if (eio_range((uint64_t)off, len)) {
			errno = EIO;
			return -1;
		}
	}
	return real(fd, buf, len, off);
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	return pread_common("pread", fd, buf, len, off);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	return pread_common("pread64", fd, buf, len, off);
}

static void *mmap_common(const char *fn, void *addr, size_t len, int prot,
			 int flags, int fd, off_t off)
{
	void *(*real)(void *, size_t, int, int, int,
		      off_t) = (void *(*)(void *, size_t, int, int, int,
					  off_t))dlsym(RTLD_NEXT, fn);

	if (is_watched(fd)) {
		const char *no = getenv("ZFD_SHIM_NOMMAP");

		shim_log("mmap", (uint64_t)off, len);
		if ((no && !strcmp(no, "1")) || eio_range((uint64_t)off, len)) {
			errno = ENODEV;
			return MAP_FAILED;
		}
	}
	return real(addr, len, prot, flags, fd, off);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_common("mmap", addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_common("mmap64", addr, len, prot, flags, fd, off);
}
