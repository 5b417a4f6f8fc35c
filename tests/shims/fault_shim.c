// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A fault-injecting LD_PRELOAD shim for the daemon's tests; built only
 * for `make check`, never installed, never linked into zfcpdump. It lets
 * tests see how the daemon handles what a kernel or libc may do to it,
 * without a single test hook in production code (e2fsprogs' test_io idea).
 *
 * Environment:
 *   ZFD_SHIM_EFAULT=PATH:LO-HI[,LO-HI]...
 *	pread() of PATH (any name of the same inode) touching a byte in
 *	[LO, HI) (hex file offsets) fails with EFAULT, as zcore/mem does in
 *	a memory hole.
 *   ZFD_SHIM_PTHREAD_FAIL=N
 *	the N-th pthread_create() of the process (from 1) fails with EAGAIN.
 *   ZFD_SHIM_NO_FLOCK=1
 *	flock() fails with ENOSYS, as in a kernel built without
 *	CONFIG_FILE_LOCKING (tinyconfig-based dump kernels).
 *
 * Use: LD_PRELOAD=<builddir>/tests/shims/.libs/fault_shim.so. Under ASan
 * add verify_asan_link_order=0 to ASAN_OPTIONS (the shim comes first).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_RANGES 16

typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);
typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *,
				 void *(*)(void *), void *);

ssize_t pread(int fd, void *buf, size_t len, off_t off);
ssize_t pread64(int fd, void *buf, size_t len, off_t off);
int pthread_create(pthread_t *t, const pthread_attr_t *attr,
		   void *(*fn)(void *), void *arg);

static struct {
	char path[4096];
	uint64_t lo[MAX_RANGES], hi[MAX_RANGES];
	int nr;
	bool parsed;
} efault;

static void parse_efault(void)
{
	const char *env = getenv("ZFD_SHIM_EFAULT");
	const char *colon, *p;
	char *end;

	efault.parsed = true;
	if (!env)
		return;
	colon = strrchr(env, ':');
	if (!colon || (size_t)(colon - env) >= sizeof(efault.path)) {
		fprintf(stderr, "fault_shim: bad ZFD_SHIM_EFAULT '%s'\n", env);
		abort();
	}
	memcpy(efault.path, env, (size_t)(colon - env));
	for (p = colon + 1; *p && efault.nr < MAX_RANGES;
	     p = end + (*end == ',')) {
		efault.lo[efault.nr] = strtoull(p, &end, 16);
		if (*end != '-') {
			fprintf(stderr, "fault_shim: bad range in '%s'\n", env);
			abort();
		}
		efault.hi[efault.nr] = strtoull(end + 1, &end, 16);
		efault.nr++;
	}
}

/* Does this read of fd touch an EFAULT range? */
static bool hits_efault(int fd, size_t len, off_t off)
{
	struct stat a, b;
	uint64_t s = (uint64_t)off, e = s + len;
	int i;

	if (!efault.parsed)
		parse_efault();
	if (!efault.nr || !len)
		return false;
	for (i = 0; i < efault.nr; i++)
		if (s < efault.hi[i] && e > efault.lo[i])
			break;
	if (i == efault.nr)
		return false;
	return !fstat(fd, &a) && !stat(efault.path, &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static ssize_t do_pread(const char *name, int fd, void *buf, size_t len,
			off_t off)
{
	pread_fn real = (pread_fn)dlsym(RTLD_NEXT, name);

	if (hits_efault(fd, len, off)) {
		errno = EFAULT;
		return -1;
	}
	return real(fd, buf, len, off);
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	return do_pread("pread", fd, buf, len, off);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	return do_pread("pread64", fd, buf, len, off);
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr,
		   void *(*fn)(void *), void *arg)
{
	static int count;
	pthread_create_fn real = (pthread_create_fn)dlsym(RTLD_NEXT,
							  "pthread_create");
	const char *env = getenv("ZFD_SHIM_PTHREAD_FAIL");

	if (env && __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST) == atoi(env))
		return EAGAIN;
	return real(t, attr, fn, arg);
}

int flock(int fd, int op)
{
	int (*real)(int, int) = (int (*)(int, int))dlsym(RTLD_NEXT, "flock");

	if (getenv("ZFD_SHIM_NO_FLOCK")) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd, op);
}
