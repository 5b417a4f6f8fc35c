// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_get_nomem: runs one zfcpdump-get command again and again, failing
 * the 1st, 2nd, 3rd ... memory allocation of zfcpdump-get's own code, until
 * a run gets through without reaching the failing allocation. Every run
 * must return (no crash, no double free: ASan and glibc abort on those)
 * and must give back every allocation it made (checked here for each run,
 * so the plain build catches leaks too, not only LeakSanitizer).
 *
 *   test_get_nomem info|verify|copy|list ARGS...
 *
 * Test-only layer: the allocation functions are wrapped at link time
 * (-Wl,--wrap=malloc,...) for the objects of this program (src/get and
 * src/lib); libext2fs, libc and the production binaries are untouched.
 * Exit: 0 all runs returned and freed everything; 1 otherwise.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "get.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
int __real_posix_memalign(void **p, size_t align, size_t size);
void __real_free(void *p);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
int __wrap_posix_memalign(void **p, size_t align, size_t size);
void __wrap_free(void *p);

/* Live allocations of the wrapped code: an open-addressing pointer set. */
#define SLOTS (1u << 16)
static void *live[SLOTS];
static size_t nr_live;
static bool overflow;

static unsigned long fail_at; /* 0: never */
static unsigned long count;
static bool injected;

static size_t slot_of(const void *p)
{
	return (size_t)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL >> 48) &
	       (SLOTS - 1);
}

static void track(void *p)
{
	size_t i;

	if (!p)
		return;
	if (nr_live >= SLOTS / 2) {
		overflow = true;
		return;
	}
	for (i = slot_of(p); live[i]; i = (i + 1) & (SLOTS - 1))
		;
	live[i] = p;
	nr_live++;
}

/* Removes p; allocations made by libraries are not tracked, and ignored. */
static void untrack(void *p)
{
	size_t i, j, k;

	if (!p)
		return;
	for (i = slot_of(p); live[i] && live[i] != p; i = (i + 1) & (SLOTS - 1))
		;
	if (!live[i])
		return;
	live[i] = NULL;
	nr_live--;
	/* re-insert the rest of the cluster */
	for (j = (i + 1) & (SLOTS - 1); live[j]; j = (j + 1) & (SLOTS - 1)) {
		void *q = live[j];

		live[j] = NULL;
		for (k = slot_of(q); live[k]; k = (k + 1) & (SLOTS - 1))
			;
		live[k] = q;
	}
}

static bool fail_now(void)
{
	if (!fail_at || ++count != fail_at)
		return false;
	injected = true;
	return true;
}

void *__wrap_malloc(size_t size)
{
	void *p;

	if (fail_now())
		return NULL;
	p = __real_malloc(size);
	track(p);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p;

	if (fail_now())
		return NULL;
	p = __real_calloc(n, size);
	track(p);
	return p;
}

void *__wrap_realloc(void *p, size_t size)
{
	void *q;

	if (fail_now())
		return NULL;
	q = __real_realloc(p, size);
	if (q) {
		untrack(p);
		track(q);
	}
	return q;
}

int __wrap_posix_memalign(void **p, size_t align, size_t size)
{
	int rc;

	if (fail_now())
		return 12; /* ENOMEM */
	rc = __real_posix_memalign(p, align, size);
	if (!rc)
		track(*p);
	return rc;
}

void __wrap_free(void *p)
{
	untrack(p);
	__real_free(p);
}

static int run(int argc, char **argv)
{
	if (strcmp(argv[0], "info") == 0)
		return get_cmd_info(argc, argv);
	if (strcmp(argv[0], "verify") == 0)
		return get_cmd_verify(argc, argv);
	if (strcmp(argv[0], "copy") == 0)
		return get_cmd_copy(argc, argv);
	if (strcmp(argv[0], "list") == 0)
		return get_cmd_list(argc, argv);
	return -1;
}

int main(int argc, char **argv)
{
	static const char *const cmds[] = { "info", "verify", "copy", "list" };
	unsigned long k;
	int out, null, rc, last = 0;
	size_t i;

	for (i = 0; argc >= 2 && i < 4 && strcmp(argv[1], cmds[i]); i++)
		;
	if (argc < 2 || i == 4) {
		fprintf(stderr, "usage: test_get_nomem info|verify|copy|list "
				"ARGS...\n");
		return 2;
	}
	/*
	 * The commands' output goes nowhere; their messages (and any
	 * sanitizer report) stay on stderr.
	 */
	out = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY);
	if (out < 0 || null < 0)
		return 1;
	for (k = 1;; k++) {
		fflush(stdout);
		dup2(null, STDOUT_FILENO);
		fail_at = k;
		count = 0;
		injected = false;
		rc = run(argc - 1, argv + 1);
		if (rc < 0)
			return 2;
		fail_at = 0;
		fflush(stdout);
		fflush(stderr);
		dup2(out, STDOUT_FILENO);
		if (overflow) {
			fprintf(stderr, "test_get_nomem: too many live "
					"allocations to track\n");
			return 1;
		}
		if (nr_live) {
			fprintf(stderr,
				"test_get_nomem: %s: %zu allocation(s) "
				"not freed when allocation %lu failed\n",
				argv[1], nr_live, k);
			return 1;
		}
		if (!injected) {
			last = rc;
			break;
		}
	}
	fprintf(stderr,
		"test_get_nomem: %s: %lu allocations, each failed "
		"once: no crash, nothing leaked; the run without a failure "
		"exited %d\n",
		argv[1], k - 1, last);
	printf("exit %d\n", last);
	return 0;
}
