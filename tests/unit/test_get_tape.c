// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of src/get/tape_hold.c: a tape is opened once per command. The
 * first input reads record 1 and hands the open tape on; the next open of
 * the same tape (also through another name) gets that tape, and its first
 * read returns record 1 again, then the tape goes on at record 2. Tapes
 * here are AWSTAPE images (the simulated drive).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "get.h"
#include "tape.h"

static char tmpdir[] = "/tmp/test_get_tape.XXXXXX";
static char path_a[300], path_b[300], link_a[300];

/* One AWSTAPE block holding a whole record (flags 0xa0) or a mark. */
static void put_block(int fd, size_t len, uint8_t v, uint16_t *prev)
{
	uint8_t b[6] = { (uint8_t)len,	    (uint8_t)(len >> 8),
			 (uint8_t)*prev,    (uint8_t)(*prev >> 8),
			 len ? 0xa0 : 0x40, 0 };
	uint8_t data[4096];

	memset(data, v, sizeof(data));
	assert_true(len <= sizeof(data));
	assert_int_equal(write(fd, b, 6), 6);
	if (len)
		assert_int_equal(write(fd, data, len), (ssize_t)len);
	*prev = (uint16_t)len;
}

/* Records of 4096, 100, 200 bytes (values 1, 2, 3), a filemark. */
static void make_tape(const char *path)
{
	uint16_t prev = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	put_block(fd, 4096, 1, &prev);
	put_block(fd, 100, 2, &prev);
	put_block(fd, 200, 3, &prev);
	put_block(fd, 0, 0, &prev);
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path_a, sizeof(path_a), "%s/a", tmpdir);
	snprintf(path_b, sizeof(path_b), "%s/b", tmpdir);
	snprintf(link_a, sizeof(link_a), "%s/a.link", tmpdir);
	make_tape(path_a);
	make_tape(path_b);
	return link(path_a, link_a);
}

static int teardown(void **state)
{
	(void)state;
	unlink(path_a);
	unlink(path_b);
	unlink(link_a);
	return rmdir(tmpdir);
}

static struct get_tape *open_ok(const char *path)
{
	char why[GET_WHY_LEN];
	struct get_tape *t;

	assert_int_equal(get_tape_open(path, &t, why, sizeof(why)), 0);
	return t;
}

/* Reads record 1 and hands the tape on; returns it. */
static struct get_tape *probe(const char *path)
{
	struct get_tape *t = open_ok(path);
	uint8_t *rec = malloc(GET_TAPE_MAX_REC);

	assert_non_null(rec);
	assert_int_equal(get_tape_read(t, rec, GET_TAPE_MAX_REC), 4096);
	assert_int_equal(rec[0], 1);
	get_tape_hand_on(t, path, rec, 4096);
	return t;
}

/*
 * probe() hands path_a's tape on (*held); open_ok(path) then claims that
 * very tape (same) or opens another one (!same). Returns what it opened.
 */
static struct get_tape *open_after_probe(const char *path, bool same,
					 struct get_tape **held)
{
	struct get_tape *t;

	*held = probe(path_a);
	t = open_ok(path);
	if (same)
		assert_ptr_equal(*held, t);
	else
		assert_ptr_not_equal(*held, t);
	return t;
}

static void test_handed_on_tape_replays_record_1(void **state)
{
	uint8_t buf[8192];
	struct get_tape *t1, *t2;

	(void)state;
	/* another name of the same file claims the same open tape */
	t2 = open_after_probe(link_a, true, &t1);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(get_tape_read(t2, buf, sizeof(buf)), 4096);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[4095], 1);
	assert_int_equal(get_tape_read(t2, buf, sizeof(buf)), 100);
	assert_int_equal(buf[0], 2);
	assert_int_equal(get_tape_read(t2, buf, sizeof(buf)), 200);
	assert_int_equal(get_tape_read(t2, buf, sizeof(buf)), 0);
	get_tape_close(t2);
	/* claimed once: the next open is a fresh one, from the start */
	t2 = open_ok(path_a);
	assert_int_equal(get_tape_read(t2, buf, sizeof(buf)), 4096);
	assert_int_equal(get_tape_read(t2, buf, sizeof(buf)), 100);
	get_tape_close(t2);
}

static void test_other_tape_opens_fresh(void **state)
{
	uint8_t buf[8192];
	struct get_tape *t1, *t2;

	(void)state;
	t2 = open_after_probe(path_b, false, &t1);
	assert_int_equal(get_tape_read(t2, buf, sizeof(buf)), 4096);
	get_tape_close(t2);
	/* a second hand-on while one is held closes the new one */
	t2 = open_ok(path_b);
	get_tape_hand_on(t2, path_b, NULL, 0);
	t2 = open_ok(path_a);
	assert_ptr_equal(t1, t2);
	get_tape_close(t2);
}

/* A held filemark or error comes back as such; a small buffer overflows. */
static void test_held_results(void **state)
{
	uint8_t buf[8192];
	struct get_tape *t;

	(void)state;
	t = open_ok(path_a);
	get_tape_hand_on(t, path_a, NULL, 0);
	t = open_ok(path_a);
	assert_int_equal(get_tape_read(t, buf, sizeof(buf)), 0);
	assert_int_equal(get_tape_read(t, buf, sizeof(buf)), 4096);
	get_tape_close(t);

	t = open_ok(path_a);
	get_tape_hand_on(t, path_a, NULL, -EIO);
	t = open_ok(path_a);
	assert_int_equal(get_tape_read(t, buf, sizeof(buf)), -EIO);
	get_tape_close(t);

	t = probe(path_a);
	t = open_ok(path_a);
	assert_int_equal(get_tape_read(t, buf, 100), -EOVERFLOW);
	assert_int_equal(get_tape_read(t, buf, sizeof(buf)), 100);
	get_tape_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handed_on_tape_replays_record_1),
		cmocka_unit_test(test_other_tape_opens_fresh),
		cmocka_unit_test(test_held_results),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
