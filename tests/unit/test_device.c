// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of src/lib/device.c, the target handling shared by the raw
 * and extfs sinks: spec resolution (paths, tags, --root), the mounted /
 * swap / type checks, the exclusive lock and the signature probe. Image
 * files and a fake root live in a private temporary directory.
 */
#include "config.h"

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
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "device.h"
#include "mock_host.h"

#define MSG_LEN (3 * PATH_MAX)

struct env {
	char dir[PATH_MAX];
	char root[PATH_MAX + 16];
	struct zfd_mock_host mh;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char p[PATH_MAX + 32];

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "%s/zfd-dev.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->root, sizeof(e->root), "%s/root", e->dir);
	assert_int_equal(mkdir(e->root, 0755), 0);
	snprintf(p, sizeof(p), "%s/dev", e->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/proc", e->root);
	assert_int_equal(mkdir(p, 0755), 0);
	zfd_mock_host_init(&e->mh, "raw:test");
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
	free(e);
	return 0;
}

static void make_file(const char *path, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
}

static void run_cmd(const char *fmt, const char *arg)
{
	char cmd[2 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	assert_int_equal(system(cmd), 0);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_is_tag(void **state)
{
	(void)state;
	assert_true(zfd_dev_is_tag("UUID=1234"));
	assert_true(zfd_dev_is_tag("LABEL=dumps"));
	assert_true(zfd_dev_is_tag("PARTUUID=1-2"));
	assert_true(zfd_dev_is_tag("PARTLABEL=x"));
	assert_false(zfd_dev_is_tag("/dev/sda2"));
	assert_false(zfd_dev_is_tag("uuid=1234"));
	assert_false(zfd_dev_is_tag("LABEL"));
}

static void test_resolve_paths(void **state)
{
	struct env *e = *state;
	char path[PATH_MAX], want[PATH_MAX + 32];

	/* root "/": as written */
	assert_int_equal(zfd_dev_resolve(&e->mh.host, "/dev/sda2", path,
					 sizeof(path)),
			 0);
	assert_string_equal(path, "/dev/sda2");
	/* below a root: /dev/... moves, other paths stay */
	e->mh.host.root = e->root;
	assert_int_equal(zfd_dev_resolve(&e->mh.host, "/dev/sda2", path,
					 sizeof(path)),
			 0);
	snprintf(want, sizeof(want), "%s/dev/sda2", e->root);
	assert_string_equal(path, want);
	assert_int_equal(zfd_dev_resolve(&e->mh.host, "/srv/part.img", path,
					 sizeof(path)),
			 0);
	assert_string_equal(path, "/srv/part.img");
}

static void test_resolve_tags_in_root(void **state)
{
	struct env *e = *state;
	char img[PATH_MAX + 32], img2[PATH_MAX + 32], path[PATH_MAX];
	char msg[MSG_LEN];

	snprintf(img, sizeof(img), "%s/dev/vdb1", e->root);
	make_file(img, 4 << 20);
	run_cmd("mke2fs -q -F -L ZFDDEV -U 0b2c6f2e-5f9e-4d55-9d53-3c1f0e7a9a11 '%s' >/dev/null 2>&1",
		img);
	e->mh.host.root = e->root;
	assert_int_equal(zfd_dev_resolve(&e->mh.host, "LABEL=ZFDDEV", path,
					 sizeof(path)),
			 0);
	assert_string_equal(path, img);
	assert_int_equal(zfd_dev_resolve(&e->mh.host,
					 "UUID=0b2c6f2e-5f9e-4d55-9d53-3c1f0e7a9a11",
					 path, sizeof(path)),
			 0);
	assert_string_equal(path, img);

	assert_int_equal(zfd_dev_resolve(&e->mh.host, "LABEL=NOSUCH", path,
					 sizeof(path)),
			 -ENODEV);
	snprintf(msg, sizeof(msg),
		 "no device with LABEL=NOSUCH found in %s/dev", e->root);
	assert_true(zfd_mock_host_logged(&e->mh, msg));

	assert_int_equal(zfd_dev_resolve(&e->mh.host, "LABEL=", path,
					 sizeof(path)),
			 -EINVAL);
	assert_true(zfd_mock_host_logged(&e->mh,
					 "device 'LABEL=': empty LABEL"));

	/* two devices with the same label: ambiguous, never a guess */
	snprintf(img2, sizeof(img2), "%s/dev/vdc1", e->root);
	snprintf(msg, sizeof(msg), "cp '%s' '%s'", img, img2);
	assert_int_equal(system(msg), 0);
	assert_int_equal(zfd_dev_resolve(&e->mh.host, "LABEL=ZFDDEV", path,
					 sizeof(path)),
			 -ENODEV);
	assert_true(zfd_mock_host_logged(&e->mh, "LABEL=ZFDDEV is ambiguous"));
}

static void test_resolve_tag_libblkid(void **state)
{
	struct env *e = *state;
	char path[PATH_MAX];

	assert_int_equal(zfd_dev_resolve(&e->mh.host,
					 "LABEL=zfd-no-such-label-4711", path,
					 sizeof(path)),
			 -ENODEV);
	assert_true(zfd_mock_host_logged(
		&e->mh,
		"no device with LABEL=zfd-no-such-label-4711 found (libblkid)"));
}

static void test_check_type(void **state)
{
	struct env *e = *state;
	char img[PATH_MAX + 32], msg[MSG_LEN];
	struct stat st;

	snprintf(img, sizeof(img), "%s/nope", e->dir);
	assert_int_equal(zfd_dev_check_unused(&e->mh.host, img, "X1", &st),
			 -ENOENT);
	assert_true(zfd_mock_host_logged(&e->mh, "device X1 does not exist"));
	assert_int_equal(zfd_dev_check_unused(&e->mh.host, "/dev/null", "X2",
					      &st),
			 -ENODEV);
	assert_true(zfd_mock_host_logged(
		&e->mh,
		"device X2 is neither a block device nor a regular file"));
	assert_int_equal(zfd_dev_check_unused(&e->mh.host, e->dir, "X3", &st),
			 -ENODEV);
	snprintf(img, sizeof(img), "%s/part", e->dir);
	make_file(img, 1 << 20);
	assert_int_equal(zfd_dev_check_unused(&e->mh.host, img, img, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	snprintf(msg, sizeof(msg), "%s", img);
	assert_false(zfd_mock_host_logged(&e->mh, msg));
}

static void test_check_mounted(void **state)
{
	struct env *e = *state;
	char img[PATH_MAX + 32], mounts[PATH_MAX + 32], text[2 * PATH_MAX];
	struct stat st;

	snprintf(img, sizeof(img), "%s/dev/sdb1", e->root);
	make_file(img, 1 << 20);
	snprintf(mounts, sizeof(mounts), "%s/proc/mounts", e->root);
	e->mh.host.root = e->root;

	/* named as inside the root */
	write_text(mounts, "proc /proc proc rw 0 0\n"
			   "/dev/sdb1 /var/crash ext4 rw 0 0\n");
	assert_int_equal(zfd_dev_check_unused(&e->mh.host, img, "D", &st),
			 -EBUSY);
	assert_true(zfd_mock_host_logged(
		&e->mh,
		"device D is mounted on /var/crash; refusing to write to a mounted filesystem"));

	/* named with its real path */
	snprintf(text, sizeof(text), "%s /mnt/x ext4 rw 0 0\n", img);
	write_text(mounts, text);
	assert_int_equal(zfd_dev_check_unused(&e->mh.host, img, "E", &st),
			 -EBUSY);
	assert_true(zfd_mock_host_logged(&e->mh,
					 "device E is mounted on /mnt/x"));

	/* another device mounted: fine */
	write_text(mounts, "/dev/sdb2 /mnt/y ext4 rw 0 0\n");
	assert_int_equal(zfd_dev_check_unused(&e->mh.host, img, "F", &st), 0);

	/* swap space (path with an escaped blank) */
	snprintf(img, sizeof(img), "%s/dev/swap file", e->root);
	make_file(img, 1 << 20);
	snprintf(mounts, sizeof(mounts), "%s/proc/swaps", e->root);
	write_text(mounts, "Filename\tType\tSize\tUsed\tPriority\n"
			   "/dev/swap\\040file file 1024 0 -2\n");
	assert_int_equal(zfd_dev_check_unused(&e->mh.host, img, "G", &st),
			 -EBUSY);
	assert_true(zfd_mock_host_logged(&e->mh,
					 "device G is in use as swap space"));
}

static void test_lock(void **state)
{
	struct env *e = *state;
	char img[PATH_MAX + 32];
	int fd1 = -1, fd2 = -1, fd;

	snprintf(img, sizeof(img), "%s/part", e->dir);
	make_file(img, 1 << 20);
	assert_int_equal(zfd_dev_lock(&e->mh.host, img, "P", &fd1), 0);
	assert_true(fd1 >= 0);
	/* a second holder (another open file description) is refused */
	assert_int_equal(zfd_dev_lock(&e->mh.host, img, "P", &fd2), -EBUSY);
	assert_int_equal(fd2, -1);
	assert_true(zfd_mock_host_logged(&e->mh,
					 "target P is in use by another process"));
	/* flock(1) and friends see it, too */
	fd = open(img, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	zfd_dev_unlock(&fd1);
	assert_int_equal(fd1, -1);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	zfd_dev_unlock(&fd1); /* twice is harmless */

	snprintf(img, sizeof(img), "%s/nope", e->dir);
	assert_int_equal(zfd_dev_lock(&e->mh.host, img, "Q", &fd2), -ENOENT);
	assert_true(zfd_mock_host_logged(&e->mh, "cannot lock target Q"));
}

static void test_probe_signature(void **state)
{
	struct env *e = *state;
	char img[PATH_MAX + 32], what[128];

	snprintf(img, sizeof(img), "%s/part", e->dir);
	make_file(img, 8 << 20);
	assert_int_equal(zfd_dev_probe_signature(img, what, sizeof(what)), 0);
	run_cmd("mke2fs -q -F -t ext4 '%s' >/dev/null 2>&1", img);
	assert_int_equal(zfd_dev_probe_signature(img, what, sizeof(what)), 1);
	assert_string_equal(what, "ext4 filesystem");
	make_file(img, 8 << 20);
	run_cmd("mkswap '%s' >/dev/null 2>&1", img);
	assert_int_equal(zfd_dev_probe_signature(img, what, sizeof(what)), 1);
	assert_string_equal(what, "swap signature");
	snprintf(img, sizeof(img), "%s/nope", e->dir);
	assert_true(zfd_dev_probe_signature(img, what, sizeof(what)) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_tag),
		cmocka_unit_test_setup_teardown(test_resolve_paths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resolve_tags_in_root,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_tag_libblkid,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_type, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_check_mounted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_signature, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
