// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Byte-order tests: run natively (x86_64, little-endian) and in the s390x
 * cross build under qemu-s390x-static (big-endian). They prove which byte
 * order the test programs really ran on (ZFD_EXPECT_BYTE_ORDER=big|little
 * makes that an assertion), that the be.h accessors give big-endian bytes
 * on it, and that the s390 header codec turns a fully populated header into
 * exactly the bytes of a golden vector written down from DESIGN §5, and
 * back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "be.h"
#include "fmt_s390.h"

static const char *host_order(void)
{
	const uint32_t probe = 0x01020304;
	uint8_t b[4];

	memcpy(b, &probe, sizeof(b));
	if (b[0] == 0x01 && b[3] == 0x04)
		return "big";
	if (b[0] == 0x04 && b[3] == 0x01)
		return "little";
	return "unknown";
}

static void test_host_order(void **state)
{
	const char *want = getenv("ZFD_EXPECT_BYTE_ORDER");
	const char *have = host_order();

	(void)state;
	printf("# host byte order: %s-endian\n", have);
	assert_string_not_equal(have, "unknown");
	if (want && *want)
		assert_string_equal(have, want);
}

/* be.h writes big-endian bytes: the host's own layout only on big-endian. */
static void test_be_accessors(void **state)
{
	static const uint8_t be64[8] = { 0x01, 0x23, 0x45, 0x67,
					 0x89, 0xab, 0xcd, 0xef };
	const uint64_t v64 = 0x0123456789abcdefULL;
	const uint32_t v32 = 0x89abcdef;
	const uint16_t v16 = 0xcdef;
	uint8_t buf[8], native[8];
	bool big = strcmp(host_order(), "big") == 0;
	int i;

	(void)state;
	zfd_put_be64(buf, v64);
	assert_memory_equal(buf, be64, 8);
	assert_true(zfd_get_be64(be64) == v64);
	memcpy(native, &v64, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(native[i], big ? be64[i] : be64[7 - i]);

	zfd_put_be32(buf, v32);
	assert_memory_equal(buf, be64 + 4, 4);
	assert_int_equal(zfd_get_be32(be64 + 4), v32);
	memcpy(native, &v32, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(native[i], big ? be64[4 + i] : be64[7 - i]);

	zfd_put_be16(buf, v16);
	assert_memory_equal(buf, be64 + 6, 2);
	assert_int_equal(zfd_get_be16(be64 + 6), v16);
	/* unaligned accesses, as at mem_size_real @0x54 and cpu_cnt @0x5d */
	memset(native, 0, sizeof(native));
	zfd_put_be16(native + 1, 0x0102);
	assert_int_equal(native[1], 0x01);
	assert_int_equal(native[2], 0x02);
	assert_int_equal(zfd_get_be16(native + 1), 0x0102);
}

/* Every field with distinct bytes, so a swapped or misplaced one shows. */
static void sample(struct zfd_s390_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = ZFD_S390_MAGIC;
	h->version = 5;
	h->hdr_size = 4096;
	h->dump_level = 4;
	h->page_size = 4096;
	h->mem_size = 0x123456000ULL;
	h->mem_start = 0;
	h->mem_end = 0x123456000ULL; /* exclusive end */
	h->num_pages = 0x123456;
	h->tod = 0xd6a1b2c3d4e5f607ULL;
	h->cpu_id = 0xff00123420640000ULL;
	h->arch = ZFD_S390_ARCH_S390X;
	h->volnr = 7;
	h->build_arch = ZFD_S390_ARCH_S390X;
	h->mem_size_real = 0x200000000ULL;
	h->mvdump = 1;
	h->cpu_cnt = 0x0102;
	h->real_cpu_cnt = 0x0203;
	h->mvdump_sign = 0x1122334455667788ULL;
	h->mvdump_zipl_time = 0x99aabbccddeeff00ULL;
	h->lc_vec[0] = 0x00001000;
	h->lc_vec[1] = 0x007f0000;
	h->lc_vec[511] = 0xdeadb000;
}

static void put(uint8_t *g, size_t off, const void *bytes, size_t len)
{
	memcpy(g + off, bytes, len);
}

/* The same header as sample(), byte by byte as DESIGN §5 lays it out. */
static void golden(uint8_t *g)
{
	memset(g, 0, ZFD_S390_HDR_SIZE);
	put(g, 0x000, "\xa8\x19\x01\x73\x61\x8f\x23\xfd", 8); /* magic */
	put(g, 0x008, "\x00\x00\x00\x05", 4);		      /* version */
	put(g, 0x00c, "\x00\x00\x10\x00", 4);		      /* hdr_size */
	put(g, 0x010, "\x00\x00\x00\x04", 4);		      /* dump_level */
	put(g, 0x014, "\x00\x00\x10\x00", 4);		      /* page_size */
	put(g, 0x018, "\x00\x00\x00\x01\x23\x45\x60\x00", 8); /* mem_size */
	put(g, 0x028, "\x00\x00\x00\x01\x23\x45\x60\x00", 8); /* mem_end */
	put(g, 0x030, "\x00\x12\x34\x56", 4);		      /* num_pages */
	put(g, 0x038, "\xd6\xa1\xb2\xc3\xd4\xe5\xf6\x07", 8); /* tod */
	put(g, 0x040, "\xff\x00\x12\x34\x20\x64\x00\x00", 8); /* cpu_id */
	put(g, 0x048, "\x00\x00\x00\x02", 4);		      /* arch */
	put(g, 0x04c, "\x00\x00\x00\x07", 4);		      /* volnr */
	put(g, 0x050, "\x00\x00\x00\x02", 4);		      /* build_arch */
	put(g, 0x054, "\x00\x00\x00\x02\x00\x00\x00\x00",
	    8);			      /* mem_size_real */
	put(g, 0x05c, "\x01", 1);     /* mvdump */
	put(g, 0x05d, "\x01\x02", 2); /* cpu_cnt */
	put(g, 0x05f, "\x02\x03", 2); /* real_cpu_cnt */
	put(g, 0x200, "\x11\x22\x33\x44\x55\x66\x77\x88", 8); /* mvdump_sign */
	put(g, 0x208, "\x99\xaa\xbb\xcc\xdd\xee\xff\x00", 8); /* zipl_time */
	put(g, 0x800, "\x00\x00\x10\x00", 4);		      /* lc_vec[0] */
	put(g, 0x804, "\x00\x7f\x00\x00", 4);		      /* lc_vec[1] */
	put(g, 0xffc, "\xde\xad\xb0\x00", 4);		      /* lc_vec[511] */
}

static void test_hdr_golden_encode(void **state)
{
	struct zfd_s390_hdr h;
	uint8_t want[ZFD_S390_HDR_SIZE], buf[ZFD_S390_HDR_SIZE];
	size_t i;

	(void)state;
	sample(&h);
	golden(want);
	memset(buf, 0x5a, sizeof(buf));
	zfd_s390_hdr_encode(&h, buf);
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] != want[i])
			fail_msg("header byte 0x%03zx is 0x%02x, want 0x%02x",
				 i, buf[i], want[i]);
}

static void test_hdr_golden_decode(void **state)
{
	struct zfd_s390_hdr want, h;
	uint8_t g[ZFD_S390_HDR_SIZE];
	char why[128];

	(void)state;
	sample(&want);
	golden(g);
	memset(&h, 0x5a, sizeof(h));
	zfd_s390_hdr_decode(g, &h);
	assert_true(h.magic == want.magic);
	assert_int_equal(h.version, want.version);
	assert_int_equal(h.hdr_size, want.hdr_size);
	assert_int_equal(h.dump_level, want.dump_level);
	assert_int_equal(h.page_size, want.page_size);
	assert_true(h.mem_size == want.mem_size);
	assert_true(h.mem_start == want.mem_start);
	assert_true(h.mem_end == want.mem_end);
	assert_int_equal(h.num_pages, want.num_pages);
	assert_true(h.tod == want.tod);
	assert_true(h.cpu_id == want.cpu_id);
	assert_int_equal(h.arch, want.arch);
	assert_int_equal(h.volnr, want.volnr);
	assert_int_equal(h.build_arch, want.build_arch);
	assert_true(h.mem_size_real == want.mem_size_real);
	assert_int_equal(h.mvdump, want.mvdump);
	assert_int_equal(h.cpu_cnt, want.cpu_cnt);
	assert_int_equal(h.real_cpu_cnt, want.real_cpu_cnt);
	assert_true(h.mvdump_sign == want.mvdump_sign);
	assert_true(h.mvdump_zipl_time == want.mvdump_zipl_time);
	assert_memory_equal(h.lc_vec, want.lc_vec, sizeof(h.lc_vec));
	assert_int_equal(zfd_s390_hdr_validate(&h, UINT64_MAX, why,
					       sizeof(why)),
			 0);
}

/* The end marker's TOD is big-endian too. */
static void test_end_marker_golden(void **state)
{
	static const uint8_t want[16] =
		"DUMP_END\xd6\xa1\xb2\xc3\xd4\xe5\xf6\x07";
	uint8_t em[16];
	uint64_t tod = 0;

	(void)state;
	zfd_s390_end_marker(em, 0xd6a1b2c3d4e5f607ULL);
	assert_memory_equal(em, want, sizeof(want));
	assert_true(zfd_s390_end_marker_check(want, &tod));
	assert_true(tod == 0xd6a1b2c3d4e5f607ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_order),
		cmocka_unit_test(test_be_accessors),
		cmocka_unit_test(test_hdr_golden_encode),
		cmocka_unit_test(test_hdr_golden_decode),
		cmocka_unit_test(test_end_marker_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
