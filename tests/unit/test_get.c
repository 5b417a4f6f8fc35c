// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of zfcpdump-get internals: the AWSTAPE tape seam (records,
 * segments, filemarks, spacing back), the sparse output writer, the
 * status rules (a partial dump never looks complete), JSON strings.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "get.h"
#include "tape.h"

static char tmpdir[] = "/tmp/test_get.XXXXXX";

/* ---- a tape image built in memory ---- */

struct aws_buf {
	uint8_t *p;
	size_t len;
	uint16_t prev;
};

static void aws_block(struct aws_buf *a, const void *data, size_t len,
		      uint8_t flags)
{
	a->p = realloc(a->p, a->len + 6 + len);
	assert_non_null(a->p);
	a->p[a->len] = (uint8_t)len;
	a->p[a->len + 1] = (uint8_t)(len >> 8);
	a->p[a->len + 2] = (uint8_t)a->prev;
	a->p[a->len + 3] = (uint8_t)(a->prev >> 8);
	a->p[a->len + 4] = flags;
	a->p[a->len + 5] = 0;
	if (len)
		memcpy(a->p + a->len + 6, data, len);
	a->len += 6 + len;
	a->prev = (uint16_t)len;
}

/* A record of len bytes of value v, split into segments of seg bytes. */
static void aws_record(struct aws_buf *a, size_t len, uint8_t v, size_t seg)
{
	uint8_t *buf = malloc(len);
	size_t done = 0, n;

	assert_non_null(buf);
	memset(buf, v, len);
	while (done < len) {
		n = len - done < seg ? len - done : seg;
		aws_block(a, buf + done, n,
			  (uint8_t)((done == 0 ? 0x80 : 0) |
				    (done + n == len ? 0x20 : 0)));
		done += n;
	}
	free(buf);
}

static void aws_mark(struct aws_buf *a)
{
	aws_block(a, NULL, 0, 0x40);
	a->prev = 0;
}

static struct get_tape *open_tape(struct aws_buf *a, const char *name)
{
	char path[256], why[GET_WHY_LEN];
	struct get_tape *t;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, a->p, a->len), (ssize_t)a->len);
	close(fd);
	assert_int_equal(get_tape_aws_open(path, &t, why, sizeof(why)), 0);
	return t;
}

static void test_aws_records_and_marks(void **state)
{
	struct aws_buf a = { 0 };
	struct get_tape *t;
	uint8_t *buf = malloc(GET_TAPE_MAX_REC);

	(void)state;
	assert_non_null(buf);
	aws_record(&a, 4096, 1, 65535);
	aws_record(&a, 100000, 2, 65535); /* two segments */
	aws_record(&a, 16, 3, 65535);
	aws_mark(&a);
	aws_record(&a, 300, 4, 65535);
	aws_mark(&a);
	t = open_tape(&a, "t1");

	assert_int_equal(t->ops->read(t, buf, GET_TAPE_MAX_REC), 4096);
	assert_int_equal(buf[4095], 1);
	assert_int_equal(t->ops->read(t, buf, GET_TAPE_MAX_REC), 100000);
	assert_int_equal(buf[0], 2);
	assert_int_equal(buf[99999], 2);
	assert_int_equal(t->ops->read(t, buf, GET_TAPE_MAX_REC), 16);
	assert_int_equal(t->ops->read(t, buf, GET_TAPE_MAX_REC), 0);
	assert_int_equal(t->ops->read(t, buf, GET_TAPE_MAX_REC), 300);
	assert_int_equal(t->ops->read(t, buf, GET_TAPE_MAX_REC), 0);
	assert_int_equal(t->ops->read(t, buf, GET_TAPE_MAX_REC), -ENODATA);
	/* a record larger than the buffer is reported, not cut */
	t->ops->close(t);
	t = open_tape(&a, "t1");
	assert_int_equal(t->ops->read(t, buf, 100), -EOVERFLOW);
	t->ops->close(t);
	free(a.p);
	free(buf);
}

/* info's way to the end marker: FSF 1, BSF 1, BSR 1, read. */
static void test_aws_space_back(void **state)
{
	struct aws_buf a = { 0 };
	struct get_tape *t;
	uint8_t *buf = malloc(GET_TAPE_MAX_REC);

	(void)state;
	assert_non_null(buf);
	aws_record(&a, 4096, 1, 65535);
	aws_record(&a, 70000, 2, 65535);
	aws_record(&a, 16, 3, 65535);
	aws_mark(&a);
	aws_record(&a, 50, 4, 65535);
	aws_mark(&a);
	t = open_tape(&a, "t2");
	assert_int_equal(t->ops->read(t, buf, GET_TAPE_MAX_REC), 4096);
	assert_int_equal(t->ops->space_files(t, 1), 0);
	assert_int_equal(t->ops->read(t, buf, GET_TAPE_MAX_REC), 50);
	assert_int_equal(buf[0], 4);
	assert_int_equal(t->ops->space_files(t, -1), 0); /* before FM 1 */
	assert_int_equal(t->ops->back_records(t, 1), 0);
	assert_int_equal(t->ops->read(t, buf, GET_TAPE_MAX_REC), 16);
	assert_int_equal(buf[0], 3);
	/* back over the 16-byte record and the two-segment record */
	assert_int_equal(t->ops->back_records(t, 2), 0);
	assert_int_equal(t->ops->read(t, buf, GET_TAPE_MAX_REC), 70000);
	/* spacing back past BOT fails */
	assert_int_equal(t->ops->back_records(t, 3), -EIO);
	/* a record backwards over a filemark is refused */
	t->ops->close(t);
	t = open_tape(&a, "t2");
	assert_int_equal(t->ops->space_files(t, 1), 0);
	assert_int_equal(t->ops->back_records(t, 1), -EIO);
	t->ops->close(t);
	free(a.p);
	free(buf);
}

/* ---- output ---- */

static void test_sparse_output(void **state)
{
	struct get_out out = { .sparse = true };
	uint8_t *mem = calloc(1, 16 * 4096), *back = malloc(16 * 4096 + 4096);
	char path[256];
	struct stat st;
	off_t d;

	(void)state;
	assert_non_null(mem);
	assert_non_null(back);
	memset(mem + 3 * 4096, 0xaa, 4096); /* page 3 */
	mem[9 * 4096 + 4095] = 1;	    /* last byte of page 9 */
	snprintf(path, sizeof(path), "%s/sparse", tmpdir);
	out.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(out.fd >= 0);
	out.mem_base = 4096;
	assert_int_equal(get_out_write(&out, 0, "HDR", 3), 0);
	assert_int_equal(get_out_write_mem(&out, 0, mem, 16 * 4096), 0);
	assert_int_equal(get_out_finish(&out, 4096 + 16 * 4096), 0);
	assert_int_equal(fstat(out.fd, &st), 0);
	assert_int_equal(st.st_size, 17 * 4096);
	assert_int_equal(pread(out.fd, back, 17 * 4096, 0), 17 * 4096);
	assert_memory_equal(back + 4096, mem, 16 * 4096);
	assert_memory_equal(back, "HDR", 3);
	/* zero pages were not written: page 0 of memory is a hole */
	d = lseek(out.fd, 4096, SEEK_DATA);
	assert_int_equal(d, 4096 + 3 * 4096);
	assert_int_equal(lseek(out.fd, 4096 + 4 * 4096, SEEK_DATA),
			 4096 + 9 * 4096);
	close(out.fd);
	free(mem);
	free(back);
}

static void test_stream_output(void **state)
{
	struct get_out out = { .sparse = false };
	uint8_t page[4096], back[3 * 4096 + 100];
	int p[2];

	(void)state;
	memset(page, 0x5a, sizeof(page));
	assert_int_equal(pipe(p), 0);
	out.fd = p[1];
	out.mem_base = 100;
	assert_int_equal(get_out_write(&out, 0, page, 100), 0);
	/* a hole in a pipe becomes zeros */
	assert_int_equal(get_out_write_mem(&out, 0, NULL, 4096), 0);
	assert_int_equal(get_out_write_mem(&out, 4096, page, 4096), 0);
	/* going backwards is impossible in a stream */
	assert_int_equal(get_out_write(&out, 0, page, 1), -ESPIPE);
	assert_int_equal(get_out_finish(&out, 100 + 3 * 4096), 0);
	close(p[1]);
	assert_int_equal(read(p[0], back, sizeof(back)), (ssize_t)sizeof(back));
	close(p[0]);
	assert_int_equal(back[99], 0x5a);
	assert_int_equal(back[100], 0);
	assert_int_equal(back[100 + 4095], 0);
	assert_int_equal(back[100 + 4096], 0x5a);
	assert_int_equal(back[100 + 3 * 4096 - 1], 0);
}

/* ---- status rules ---- */

static void set_man(struct get_in *in, const char *status, uint64_t mem,
		    uint64_t dumped)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "zfcpdump-info 1\nstatus: %s\n"
		 "mem_size: %llu\ndumped_bytes: %llu\nreason: tape full\n",
		 status, (unsigned long long)mem, (unsigned long long)dumped);
	get_in_set_manifest(in, text, strlen(text), "test");
}

static void test_status(void **state)
{
	struct get_in in = { .mem_avail = 1 << 20 };
	char r[512];

	(void)state;
	in.hdr.mem_size = 1 << 20;
	in.end = GET_END_OK;
	assert_int_equal(get_in_status(&in, r, sizeof(r)), GET_ST_COMPLETE);
	assert_string_equal(r, "");
	assert_int_equal(get_in_mem_expected(&in), 1 << 20);

	/* no end marker: incomplete, with the offset */
	in.end = GET_END_MISSING;
	in.end_off = 4096 + (1 << 20);
	assert_int_equal(get_in_status(&in, r, sizeof(r)), GET_ST_INCOMPLETE);
	assert_string_equal(r, "end marker missing at offset 1052672");
	in.end = GET_END_BAD;
	assert_int_equal(get_in_status(&in, r, sizeof(r)), GET_ST_INCOMPLETE);

	/* the manifest says incomplete: a (stale) end marker cannot win */
	in.end = GET_END_OK;
	set_man(&in, "incomplete", 1 << 20, 8192);
	assert_true(in.man_ok);
	assert_int_equal(get_in_status(&in, r, sizeof(r)), GET_ST_INCOMPLETE);
	assert_string_equal(r, "incomplete: 8192 of 1048576 memory bytes "
			       "dumped (tape full)");
	assert_int_equal(get_in_mem_expected(&in), 8192);

	/* a manifest for another size means a mix-up */
	set_man(&in, "complete", 4096, 4096);
	assert_int_equal(get_in_status(&in, r, sizeof(r)), GET_ST_CORRUPT);

	/* truncated: complete up to the truncated size */
	set_man(&in, "truncated", 1 << 20, 1 << 20);
	assert_int_equal(get_in_status(&in, r, sizeof(r)), GET_ST_TRUNCATED);

	/* the manifest says complete, but the marker is gone */
	set_man(&in, "complete", 1 << 20, 1 << 20);
	in.end = GET_END_MISSING;
	in.mem_avail = 12288;
	assert_int_equal(get_in_status(&in, r, sizeof(r)), GET_ST_INCOMPLETE);
	assert_non_null(strstr(r, "dump ends after 12288 of 1048576"));
	assert_int_equal(get_in_mem_expected(&in), 12288);

	/* a malformed manifest is kept, with its reason */
	get_in_set_manifest(&in, "zfcpdump-info 1\nno colon\n", 25, "test");
	assert_false(in.man_ok);
	assert_non_null(strstr(in.man_why, "line 2"));

	/* a structural fault found while streaming wins */
	snprintf(in.bad, sizeof(in.bad), "record of 5 bytes");
	assert_int_equal(get_in_status(&in, r, sizeof(r)), GET_ST_CORRUPT);
	assert_string_equal(r, "record of 5 bytes");
	free(in.man_text);
}

/* copy's "is the input itself": same inode, or another node of a device */
static void test_reads_file(void **state)
{
	struct get_in in = { 0 };
	struct stat a = { 0 }, b = { 0 };

	(void)state;
	a.st_mode = S_IFREG | 0644;
	a.st_dev = 8;
	a.st_ino = 12;
	get_in_note_file(&in, &a);
	get_in_note_file(&in, &a);
	assert_int_equal(in.nr_files, 1);
	b = a;
	assert_true(get_in_reads_file(&in, &b)); /* a hard link */
	b.st_ino = 13;
	assert_false(get_in_reads_file(&in, &b));

	/* /dev/sda2 and another node of the same block device */
	a.st_mode = S_IFBLK | 0660;
	a.st_dev = 5;
	a.st_ino = 100;
	a.st_rdev = 0x802;
	get_in_note_file(&in, &a);
	b = a;
	b.st_dev = 6;
	b.st_ino = 200;
	assert_true(get_in_reads_file(&in, &b));
	b.st_rdev = 0x803;
	assert_false(get_in_reads_file(&in, &b));
	/* a regular file's st_rdev (0) never matches */
	b.st_mode = S_IFREG | 0644;
	b.st_rdev = 0;
	assert_false(get_in_reads_file(&in, &b));
}

static void test_json_str(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	get_json_str(f, "a\"b\\c\nd\x01\xc3\xa9");
	fclose(f);
	assert_string_equal(buf,
			    "\"a\\\"b\\\\c\\u000ad\\u0001\\u00c3\\u00a9\"");
	free(buf);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_records_and_marks),
		cmocka_unit_test(test_aws_space_back),
		cmocka_unit_test(test_sparse_output),
		cmocka_unit_test(test_stream_output),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_reads_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
