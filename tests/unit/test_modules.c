// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of PID 1's module loading (src/core/pid1.c) over a fake root
 * tree holding a zfcpdump.order file. finit_module() is reached through
 * syscall(), which this test replaces at link time (-Wl,--wrap=syscall):
 * the fake records the module file (by its descriptor's path), the
 * parameters and the flags, and fails on request. Nothing is loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"

long __real_syscall(long nr, ...);
long __wrap_syscall(long nr, ...);

static char calls[4096]; /* "FILE|PARAMS|FLAGS\n" per finit_module() */
static char stderr_buf[8192];
static char root[PATH_MAX];

long __wrap_syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_finit_module) {
		char link[64], target[PATH_MAX];
		const char *base;
		ssize_t n;
		size_t len = strlen(calls);

		snprintf(link, sizeof(link), "/proc/self/fd/%d", (int)a[0]);
		n = readlink(link, target, sizeof(target) - 1);
		assert_true(n > 0);
		target[n] = 0;
		base = strrchr(target, '/') + 1;
		snprintf(calls + len, sizeof(calls) - len, "%s|%s|%ld\n", base,
			 (const char *)a[1], a[2]);
		/* fail on request: the file name says how */
		if (strstr(base, "eexist")) {
			errno = EEXIST;
			return -1;
		}
		if (strstr(base, "enoexec")) {
			errno = ENOEXEC;
			return -1;
		}
		return 0;
	}
	return __real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = 0;
	for (char *p = dir + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(dir, 0755);
		*p = '/';
	}
	mkdir(dir, 0755);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* zfd_load_modules() with stderr captured into stderr_buf. */
static int load(const char *const *mods, size_t nr, bool perform)
{
	FILE *old = stderr, *mem;
	int rc;

	memset(stderr_buf, 0, sizeof(stderr_buf));
	calls[0] = 0;
	mem = fmemopen(stderr_buf, sizeof(stderr_buf) - 1, "w");
	assert_non_null(mem);
	stderr = mem;
	rc = zfd_load_modules(root, mods, nr, perform);
	fclose(mem);
	stderr = old;
	return rc;
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/zfd-test-modules.XXXXXX");
	assert_non_null(mkdtemp(root));
	zfd_log_init(1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

/* In order, with the parameters; builtin lines load nothing; the config's
 * modules that were packed (or are built in) give no warning. */
static void test_order_and_params(void **state)
{
	const char *const mods[] = { "virtio-scsi", "zcore_emu image=/dev/vda",
				     "crc32c" };

	put("/lib/modules/9.9/kernel/a/virtio_ring.ko", "x");
	put("/lib/modules/9.9/kernel/b/virtio_scsi.ko", "x");
	put("/lib/modules/9.9/extra/zcore_emu.ko", "x");
	put(ZFD_MODULES_ORDER,
	    "# written by a test\n"
	    "\n"
	    "load virtio_ring /lib/modules/9.9/kernel/a/virtio_ring.ko\n"
	    "builtin crc32c\n"
	    "load virtio_scsi /lib/modules/9.9/kernel/b/virtio_scsi.ko\n"
	    "load zcore_emu /lib/modules/9.9/extra/zcore_emu.ko  image=/dev/vda hsa_size=32M  \n");
	assert_int_equal(load(mods, 3, true), 0);
	assert_string_equal(calls,
			    "virtio_ring.ko||0\n"
			    "virtio_scsi.ko||0\n"
			    "zcore_emu.ko|image=/dev/vda hsa_size=32M|0\n");
	assert_string_equal(
		stderr_buf,
		"zfcpdump: module virtio_ring loaded\n"
		"zfcpdump: module virtio_scsi loaded\n"
		"zfcpdump: module zcore_emu loaded with image=/dev/vda hsa_size=32M\n");
}

/* A compressed module is handed to the kernel to decompress. */
static void test_compressed(void **state)
{
	const char *const mods[] = { "sd_mod" };

	put("/lib/modules/9.9/sd_mod.ko.zst", "x");
	put("/lib/modules/9.9/t10_pi.ko.xz", "x");
	put(ZFD_MODULES_ORDER, "load t10_pi /lib/modules/9.9/t10_pi.ko.xz\n"
			       "load sd_mod /lib/modules/9.9/sd_mod.ko.zst\n");
	assert_int_equal(load(mods, 1, true), 0);
	assert_string_equal(calls, "t10_pi.ko.xz||4\n"
				   "sd_mod.ko.zst||4\n");
}

/* Already loaded is fine; a failing module, a missing file and a config
 * module that was not packed are one warning line each, an optional one
 * (a soft dependency) that fails is one info line, and the others are
 * still loaded. */
static void test_failures(void **state)
{
	const char *const mods[] = { "a", "zfd_nowhere opt=1", "b" };

	put("/lib/modules/9.9/a_eexist.ko", "x");
	put("/lib/modules/9.9/b_enoexec.ko", "x");
	put("/lib/modules/9.9/c.ko", "x");
	put("/lib/modules/9.9/accel_enoexec.ko", "x");
	put(ZFD_MODULES_ORDER,
	    "load a /lib/modules/9.9/a_eexist.ko\n"
	    "load b /lib/modules/9.9/b_enoexec.ko\n"
	    "load gone /lib/modules/9.9/gone.ko\n"
	    "optional accel /lib/modules/9.9/accel_enoexec.ko\n"
	    "optional gone2 /lib/modules/9.9/gone2.ko\n"
	    "load c /lib/modules/9.9/c.ko\n"
	    "insmod d /lib/modules/9.9/d.ko\n");
	assert_int_equal(load(mods, 3, true), -ENOENT);
	assert_string_equal(calls, "a_eexist.ko||0\n"
				   "b_enoexec.ko||0\n"
				   "accel_enoexec.ko||0\n"
				   "c.ko||0\n");
	assert_string_equal(
		stderr_buf,
		"zfcpdump: module a already loaded\n"
		"zfcpdump: warning: module b: cannot load: Exec format error\n"
		"zfcpdump: warning: module gone: cannot open /lib/modules/9.9/gone.ko: No such file or directory\n"
		"zfcpdump: module accel (optional) not loaded: Exec format error\n"
		"zfcpdump: module gone2 (optional): cannot open /lib/modules/9.9/gone2.ko: No such file or directory\n"
		"zfcpdump: module c loaded\n"
		"zfcpdump: warning: " ZFD_MODULES_ORDER
		":7: not 'load|optional NAME /PATH [PARAMS]' or 'builtin NAME'\n"
		"zfcpdump: warning: module zfd_nowhere: not found (not packed into the initramfs)\n");
}

/* No order file (an initramfs without modules): each configured module is
 * one warning; none configured, nothing is said. */
static void test_no_order_file(void **state)
{
	const char *const mods[] = { "zfcp", "sd_mod" };

	assert_int_equal(load(mods, 2, true), -ENOENT);
	assert_string_equal(calls, "");
	assert_string_equal(
		stderr_buf,
		"zfcpdump: warning: module zfcp: not found (not packed into the initramfs)\n"
		"zfcpdump: warning: module sd_mod: not found (not packed into the initramfs)\n");
	assert_int_equal(load(NULL, 0, true), 0);
	assert_string_equal(stderr_buf, "");
}

/* Not PID 1: only reported, the order file is not even read. */
static void test_not_pid1(void **state)
{
	const char *const mods[] = { "zcore_emu image=/dev/vda" };

	put("/lib/modules/9.9/zcore_emu.ko", "x");
	put(ZFD_MODULES_ORDER,
	    "load zcore_emu /lib/modules/9.9/zcore_emu.ko\n");
	assert_int_equal(load(mods, 1, false), 0);
	assert_string_equal(calls, "");
	assert_string_equal(
		stderr_buf,
		"zfcpdump: would load module 'zcore_emu image=/dev/vda' (not PID 1)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_params, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compressed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_order_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_pid1, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
