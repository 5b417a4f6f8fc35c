// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of src/lib: s390 header, end marker, TOD, manifest, sizes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "be.h"
#include "digest.h"
#include "fmt_s390.h"
#include "manifest.h"
#include "progress.h"
#include "util.h"

static void sample_hdr(struct zfd_s390_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = ZFD_S390_MAGIC;
	h->version = 5;
	h->hdr_size = 4096;
	h->dump_level = 4;
	h->page_size = 4096;
	h->mem_size = 0x40000000;
	h->mem_start = 0;
	h->mem_end = 0x40000000;
	h->num_pages = 0x40000;
	h->tod = 0xd6a1b2c3d4e5f607ULL;
	h->cpu_id = 0xff00123420640000ULL;
	h->arch = ZFD_S390_ARCH_S390X;
	h->volnr = 0;
	h->build_arch = ZFD_S390_ARCH_S390X;
	h->mem_size_real = 0x40000000;
	h->mvdump = 0;
	h->cpu_cnt = 3;
	h->real_cpu_cnt = 3;
	h->lc_vec[0] = 0x1000;
	h->lc_vec[1] = 0x7f0000;
	h->lc_vec[2] = 0x12345000;
}

static void test_hdr_byte_layout(void **state)
{
	static const uint8_t magic_be[8] = { 0xa8, 0x19, 0x01, 0x73,
					     0x61, 0x8f, 0x23, 0xfd };
	struct zfd_s390_hdr h;
	uint8_t buf[ZFD_S390_HDR_SIZE];

	(void)state;
	sample_hdr(&h);
	zfd_s390_hdr_encode(&h, buf);
	/* Big-endian on disk whatever the host byte order. */
	assert_memory_equal(buf, magic_be, 8);
	assert_int_equal(buf[0x00c], 0x00);
	assert_int_equal(buf[0x00e], 0x10);	/* 4096 = 0x00001000 */
	assert_int_equal(buf[0x018 + 4], 0x40); /* mem_size 0x40000000 */
	assert_int_equal(buf[0x04b], 2);	/* arch in the last byte */
	/* mem_size_real at the unaligned offset 0x54 */
	assert_int_equal(buf[0x058], 0x40);
	assert_int_equal(buf[0x05d], 0);
	assert_int_equal(buf[0x05e], 3); /* cpu_cnt u16 @0x5d */
	assert_int_equal(buf[0x060], 3); /* real_cpu_cnt u16 @0x5f */
	assert_int_equal(zfd_get_be32(buf + 0x800 + 4), 0x7f0000);
	assert_int_equal(buf[0x800 + 8], 0x12);
	/* padding is zero */
	assert_int_equal(buf[0x061], 0);
	assert_int_equal(buf[0x1ff], 0);
}

static void test_hdr_round_trip(void **state)
{
	struct zfd_s390_hdr h, back;
	uint8_t buf[ZFD_S390_HDR_SIZE], buf2[ZFD_S390_HDR_SIZE];

	(void)state;
	sample_hdr(&h);
	zfd_s390_hdr_encode(&h, buf);
	zfd_s390_hdr_decode(buf, &back);
	assert_memory_equal(&h, &back, sizeof(h));
	zfd_s390_hdr_encode(&back, buf2);
	assert_memory_equal(buf, buf2, sizeof(buf));
}

static void expect_invalid(struct zfd_s390_hdr *h, uint64_t avail,
			   const char *needle)
{
	char why[256] = "";

	assert_int_equal(zfd_s390_hdr_validate(h, avail, why, sizeof(why)),
			 -EINVAL);
	if (!strstr(why, needle))
		fail_msg("reason '%s' does not mention '%s'", why, needle);
}

static void test_hdr_validate(void **state)
{
	struct zfd_s390_hdr h;
	char why[256];

	(void)state;
	sample_hdr(&h);
	assert_int_equal(zfd_s390_hdr_validate(&h, UINT64_MAX, why,
					       sizeof(why)),
			 0);
	assert_int_equal(zfd_s390_hdr_validate(&h, h.mem_size, why,
					       sizeof(why)),
			 0);
	expect_invalid(&h, h.mem_size - 1, "only");
	h.magic ^= 1;
	expect_invalid(&h, UINT64_MAX, "magic");
	sample_hdr(&h);
	h.page_size = 65536;
	expect_invalid(&h, UINT64_MAX, "page size");
	sample_hdr(&h);
	h.hdr_size = 512;
	expect_invalid(&h, UINT64_MAX, "header size");
	sample_hdr(&h);
	h.mem_start = 0x2000;
	h.mem_end = 0x1000;
	expect_invalid(&h, UINT64_MAX, "mem_end");
	sample_hdr(&h);
	h.cpu_cnt = 513;
	expect_invalid(&h, UINT64_MAX, "cpu_cnt");
	h.cpu_cnt = 512;
	assert_int_equal(zfd_s390_hdr_validate(&h, UINT64_MAX, why,
					       sizeof(why)),
			 0);
}

static void test_hdr_set_mem_size(void **state)
{
	struct zfd_s390_hdr h, back;
	uint8_t buf[ZFD_S390_HDR_SIZE];

	(void)state;
	sample_hdr(&h);
	h.mem_start = 0x100000;
	zfd_s390_hdr_encode(&h, buf);
	zfd_s390_hdr_set_mem_size(buf, 64 << 20);
	zfd_s390_hdr_decode(buf, &back);
	assert_int_equal(back.mem_size, 64 << 20);
	assert_int_equal(back.mem_end, 0x100000 + (64 << 20));
	assert_int_equal(back.num_pages, (64 << 20) / 4096);
	assert_int_equal(back.cpu_id, h.cpu_id);
	assert_int_equal(back.lc_vec[2], h.lc_vec[2]);
}

static void test_end_marker(void **state)
{
	uint8_t em[ZFD_S390_END_SIZE];
	uint64_t tod = 0;

	(void)state;
	zfd_s390_end_marker(em, 0x0102030405060708ULL);
	assert_memory_equal(em, "DUMP_END", 8);
	assert_int_equal(em[8], 0x01);
	assert_int_equal(em[15], 0x08);
	assert_true(zfd_s390_end_marker_check(em, &tod));
	assert_int_equal(tod, 0x0102030405060708ULL);
	em[3] = 'X';
	assert_false(zfd_s390_end_marker_check(em, &tod));
}

static void test_tod(void **state)
{
	int64_t sec;
	uint32_t usec;
	char buf[32];

	(void)state;
	/* The Unix epoch is 2208988800 s after the TOD epoch. */
	assert_int_equal(zfd_tod_from_unix(0, 0),
			 2208988800ULL * 1000000 << 12);
	zfd_tod_to_unix(zfd_tod_from_unix(1795000000, 123456), &sec, &usec);
	assert_int_equal(sec, 1795000000);
	assert_int_equal(usec, 123456);
	/* A TOD value seen on a real machine: 2013-02-04 ~ 0xcae3... */
	zfd_tod_to_unix(0xcae5e27f00000000ULL, &sec, &usec);
	zfd_format_utc(sec, buf, sizeof(buf));
	assert_memory_equal(buf, "2013-", 5);
	zfd_format_utc(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
}

static void test_parse_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(zfd_parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(zfd_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(zfd_parse_size("512K", &v), 0);
	assert_int_equal(v, 512 << 10);
	assert_int_equal(zfd_parse_size("512M", &v), 0);
	assert_int_equal(v, 512ULL << 20);
	assert_int_equal(zfd_parse_size("4G", &v), 0);
	assert_int_equal(v, 4ULL << 30);
	assert_int_equal(zfd_parse_size("4GiB", &v), 0);
	assert_int_equal(v, 4ULL << 30);
	assert_int_equal(zfd_parse_size("2t", &v), 0);
	assert_int_equal(v, 2ULL << 40);
	assert_int_equal(zfd_parse_size("", &v), -EINVAL);
	assert_int_equal(zfd_parse_size("-1M", &v), -EINVAL);
	assert_int_equal(zfd_parse_size("12X", &v), -EINVAL);
	assert_int_equal(zfd_parse_size("1MM", &v), -EINVAL);
	assert_int_equal(zfd_parse_size("99999999999T", &v), -EINVAL);
}

static void test_manifest_round_trip(void **state)
{
	struct zfd_dump_info info = {
		.mem_size = 64 << 20,
		.mem_size_orig = 128 << 20,
		.source = "file:/tmp/x\nbad",
		.started = 1795000000,
	};
	struct zfd_result res = {
		.status = ZFD_STATUS_INCOMPLETE,
		.dumped_bytes = 12345 * 4096ULL,
		.zero_pages = 7,
		.hole_bytes = 8192,
		.finished = 1795000042,
		.seconds = 42.5,
		.digest = "xxh3-128:00112233445566778899aabbccddeeff",
		.reason = "write error: No space left on device",
	};
	struct zfd_manifest m;
	char text[ZFD_MANIFEST_MAX], why[128];
	uint64_t v;
	int len;

	(void)state;
	len = zfd_manifest_format(text, sizeof(text), &info, &res,
				  "raw:/dev/sda2", "s390");
	assert_true(len > 0);
	assert_memory_equal(text, "zfcpdump-info 1\nstatus: incomplete\n", 35);
	assert_int_equal(zfd_manifest_parse(text, (size_t)len, &m, why,
					    sizeof(why)),
			 0);
	assert_string_equal(zfd_manifest_get(&m, "status"), "incomplete");
	assert_string_equal(zfd_manifest_get(&m, "format"), "s390");
	assert_string_equal(zfd_manifest_get(&m, "source"), "file:/tmp/x?bad");
	assert_string_equal(zfd_manifest_get(&m, "sink"), "raw:/dev/sda2");
	assert_string_equal(zfd_manifest_get(&m, "started"),
			    "2026-11-18T11:06:40Z");
	assert_string_equal(zfd_manifest_get(&m, "digest"),
			    "xxh3-128:00112233445566778899aabbccddeeff");
	assert_int_equal(zfd_manifest_get_u64(&m, "dumped_bytes", &v), 0);
	assert_int_equal(v, 12345 * 4096ULL);
	assert_int_equal(zfd_manifest_get_u64(&m, "mem_size_orig", &v), 0);
	assert_int_equal(v, 128 << 20);
	assert_non_null(zfd_manifest_get(&m, "version"));
	assert_non_null(zfd_manifest_get(&m, "reason"));
	assert_int_equal(zfd_manifest_get_u64(&m, "nokey", &v), -ENOENT);
	/* Too small a buffer is an error, not a cut manifest. */
	assert_int_equal(zfd_manifest_format(text, 40, &info, &res, "x",
					     "s390"),
			 -ENOSPC);
}

static void test_manifest_bad(void **state)
{
	struct zfd_manifest m;
	char why[128];
	static const char *const bad[] = {
		"",
		"zfcpdump-info 2\nstatus: complete\n",
		"zfcpdump-info 1\nstatus complete\n",
		"zfcpdump-info 1\nstatus: maybe\n",
		"zfcpdump-info 1\nformat: s390\n",
		"zfcpdump-info 1\n: x\nstatus: complete\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ZFD_ARRAY_SIZE(bad); i++)
		assert_int_equal(zfd_manifest_parse(bad[i], strlen(bad[i]), &m,
						    why, sizeof(why)),
				 -EINVAL);
	/* NUL padding after the text (a raw manifest block) is fine. */
	assert_int_equal(
		zfd_manifest_parse("zfcpdump-info 1\nstatus: complete\n\0\0\0",
				   36, &m, why, sizeof(why)),
		0);
}

static void test_digest(void **state)
{
	static uint8_t zeros[10000];
	struct zfd_digest *a = zfd_digest_new(), *b = zfd_digest_new();
	char sa[ZFD_DIGEST_STRLEN], sb[ZFD_DIGEST_STRLEN];

	(void)state;
	zfd_digest_update(a, "abc", 3);
	zfd_digest_update(a, zeros, sizeof(zeros));
	zfd_digest_update(b, "ab", 2);
	zfd_digest_update(b, "c", 1);
	zfd_digest_update_zeros(b, sizeof(zeros));
	zfd_digest_string(a, sa, sizeof(sa));
	zfd_digest_string(b, sb, sizeof(sb));
	assert_string_equal(sa, sb);
	assert_int_equal(strlen(sa), ZFD_DIGEST_STRLEN - 1);
	assert_memory_equal(sa, "xxh3-128:", 9);
	zfd_digest_reset(b);
	zfd_digest_string(b, sb, sizeof(sb));
	/* XXH3-128 of the empty input is a published constant. */
	assert_string_equal(sb, "xxh3-128:99aa06d3014798d86001c324468d497f");
	zfd_digest_free(a);
	zfd_digest_free(b);
}

static void test_is_zero(void **state)
{
	static uint64_t page[512];

	(void)state;
	assert_true(zfd_is_zero(page, sizeof(page)));
	page[511] = 1;
	assert_false(zfd_is_zero(page, sizeof(page)));
	page[511] = 0;
	page[0] = 1;
	assert_false(zfd_is_zero(page, sizeof(page)));
}

/* The daemon's and zfcpdump-get's progress line (DESIGN.md section 3). */
static void test_progress_fmt(void **state)
{
	char buf[128];

	(void)state;
	zfd_progress_fmt(buf, sizeof(buf), 1536ULL << 20, 4096ULL << 20,
			 812.0 * (1 << 20));
	assert_string_equal(buf, "  1536 MiB of 4096 MiB (37.5%), "
				 "812 MiB/s, ETA 0:03");
	/* rate unknown: no ETA guess; an hour and more stays in minutes */
	zfd_progress_fmt(buf, sizeof(buf), 0, 1ULL << 30, 0);
	assert_string_equal(buf,
			    "  0 MiB of 1024 MiB (0.0%), 0 MiB/s, ETA 0:00");
	zfd_progress_fmt(buf, sizeof(buf), 0, 4500ULL << 20, 1 << 20);
	assert_string_equal(buf,
			    "  0 MiB of 4500 MiB (0.0%), 1 MiB/s, ETA 75:00");
	zfd_progress_fmt(buf, sizeof(buf), 5ULL << 20, 5ULL << 20, 1 << 20);
	assert_string_equal(buf,
			    "  5 MiB of 5 MiB (100.0%), 1 MiB/s, ETA 0:00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_byte_layout),
		cmocka_unit_test(test_hdr_round_trip),
		cmocka_unit_test(test_hdr_validate),
		cmocka_unit_test(test_hdr_set_mem_size),
		cmocka_unit_test(test_end_marker),
		cmocka_unit_test(test_tod),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_manifest_round_trip),
		cmocka_unit_test(test_manifest_bad),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_is_zero),
		cmocka_unit_test(test_progress_fmt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
