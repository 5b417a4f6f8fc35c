// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the kdump format (src/lib/fmt_kdump_*.c): every codec,
 * little- and big-endian dumps (the same results on x86_64 and s390x
 * hosts: the s390x stage runs this under qemu), header fields at their
 * makedumpfile offsets, the shared zero page, an incomplete dump (pages
 * never written are missing, not zeros), the flattened stream equal to the
 * file after unflattening, bounded windows for a 4 TiB machine, and the
 * reader's refusals.
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
#include "kdump_mem.h"
#include "util.h"

static uint32_t rd32(const uint8_t *p, bool be)
{
	return be ? zfd_get_be32(p) : zfd_get_le32(p);
}

static uint64_t rd64(const uint8_t *p, bool be)
{
	return be ? zfd_get_be64(p) : zfd_get_le64(p);
}

static bool in_ranges(uint64_t pfn)
{
	return (pfn >= 1 && pfn < 20) || (pfn >= 24 && pfn < 40) ||
	       (pfn >= 48 && pfn < 64);
}

/* Reads every page back and checks it; pages >= limit must be missing. */
static void check_pages(struct membuf *m, uint64_t base_pfn, uint64_t limit)
{
	struct zfd_kdump_reader *r;
	uint8_t page[4096], want[4096];
	char why[256];
	uint64_t pfn, rel;
	bool valid, dumped;
	size_t i;

	assert_int_equal(zfd_kdump_open(&r, membuf_read, m, m->len, why,
					sizeof(why)),
			 0);
	assert_int_equal(zfd_kdump_info(r)->max_mapnr, base_pfn + 64);
	for (pfn = 0; pfn < base_pfn + 64; pfn++) {
		rel = pfn - base_pfn;
		assert_int_equal(zfd_kdump_pfn_state(r, pfn, &valid, &dumped),
				 0);
		assert_int_equal(valid, pfn >= base_pfn && in_ranges(rel));
		assert_int_equal(dumped, valid && pfn < limit);
		if (!dumped) {
			assert_int_equal(zfd_kdump_read_page(r, pfn, page, why,
							     sizeof(why)),
					 -ENOENT);
			continue;
		}
		assert_int_equal(zfd_kdump_read_page(r, pfn, page, why,
						     sizeof(why)),
				 0);
		for (i = 0; i < sizeof(want); i++)
			want[i] = test_page_byte(pfn, i);
		assert_memory_equal(page, want, sizeof(want));
	}
	assert_int_equal(zfd_kdump_read_page(r, base_pfn + 64, page, why,
					     sizeof(why)),
			 -ERANGE);
	zfd_kdump_close(r);
}

static void roundtrip(bool be, enum zfd_kdump_codec c)
{
	struct zfd_kdump_wopts o = { .codec = c };
	struct membuf m = { 0 };
	struct zfd_dump d;
	uint64_t zero_off = 0, desc_off;
	const uint8_t *h, *s;
	uint32_t flags_seen = 0, n;

	test_model(&d, be, 0x100000);
	assert_int_equal(test_write(&d, &o, UINT64_MAX, &m), 0);
	h = m.p;
	s = m.p + 4096;
	assert_memory_equal(h, "KDUMP   ", 8);
	assert_int_equal(rd32(h + 8, be), 6);
	assert_string_equal((const char *)h + 12, "Linux");
	assert_string_equal((const char *)h + 12 + 2 * 65, "6.1.0-kdump-test");
	assert_string_equal((const char *)h + 12 + 4 * 65,
			    be ? "s390x" : "x86_64");
	assert_int_equal(rd64(h + 408, be), 1767225600);
	assert_int_equal(rd32(h + 424, be), zfd_kdump_codec_flag(c));
	assert_int_equal(rd32(h + 428, be), 4096);
	assert_int_equal(rd32(h + 460, be), 0);
	assert_int_equal(rd64(s + 96, be), 0x100 + 64); /* max_mapnr_64 */
	assert_int_equal(rd64(s + 48, be), 4096 + 104); /* offset_note */
	assert_int_equal(rd64(s + 56, be), d.notes_len);
	assert_memory_equal(m.p + 4096 + 104, d.notes, d.notes_len);
	assert_memory_equal(m.p + rd64(s + 32, be), test_vmci,
			    sizeof(test_vmci) - 1);
	/* zero pages share the first data block, others have their flag */
	desc_off = 4096 * (1 + rd32(h + 432, be) + (uint64_t)rd32(h + 436, be));
	for (n = 0; n < 51; n++) {
		const uint8_t *p = m.p + desc_off + 24 * n;
		uint64_t pfn = 0x100 + (n < 19 ? 1 + n :
					n < 35 ? n + 5 :
						 n + 13);

		if (pfn % 4 == 0) {
			if (!zero_off)
				zero_off = rd64(p, be);
			assert_int_equal(rd64(p, be), zero_off);
			assert_int_equal(rd32(p + 8, be), 4096);
			assert_int_equal(rd32(p + 12, be), 0);
		}
		flags_seen |= rd32(p + 12, be);
	}
	assert_int_equal(zero_off, desc_off + 51 * 24);
	assert_int_equal(flags_seen, zfd_kdump_codec_flag(c));
	check_pages(&m, 0x100, UINT64_MAX);
	free(m.p);
	zfd_dump_free(&d);
}

static void test_codecs(void **state)
{
	enum zfd_kdump_codec c;

	(void)state;
	for (c = ZFD_KDUMP_C_NONE; c <= ZFD_KDUMP_C_ZSTD; c++) {
		roundtrip(false, c);
		roundtrip(true, c);
	}
}

static void test_incomplete(void **state)
{
	struct zfd_kdump_wopts o = { .codec = ZFD_KDUMP_C_LZO };
	struct zfd_kdump_reader *r;
	struct membuf m = { 0 };
	struct zfd_dump d;
	char why[256];

	(void)state;
	test_model(&d, true, 0);
	/* memory up to the middle of page 30 was written */
	assert_int_equal(test_write(&d, &o, 30 * 4096 + 100, &m), 0);
	assert_int_equal(zfd_kdump_open(&r, membuf_read, &m, m.len, why,
					sizeof(why)),
			 0);
	assert_int_equal(zfd_kdump_info(r)->status,
			 ZFD_KDUMP_LZO | ZFD_KDUMP_INCOMPLETE);
	assert_int_equal(zfd_kdump_info(r)->nr_dumpable, 19 + 6);
	zfd_kdump_close(r);
	check_pages(&m, 0, 30);
	free(m.p);
	zfd_dump_free(&d);
}

static void test_flat(void **state)
{
	struct zfd_kdump_wopts o = { .codec = ZFD_KDUMP_C_ZLIB };
	struct membuf file = { 0 }, flat = { 0 }, back = { 0 };
	struct zfd_dump d;
	uint64_t size;
	char why[256];

	(void)state;
	test_model(&d, false, 0);
	assert_int_equal(test_write(&d, &o, UINT64_MAX, &file), 0);
	o.flat = true;
	assert_int_equal(test_write(&d, &o, UINT64_MAX, &flat), 0);
	assert_memory_equal(flat.p, "makedumpfile\0\0\0\0", 16);
	assert_int_equal(zfd_get_be64(flat.p + 16), 1);
	assert_int_equal(zfd_get_be64(flat.p + 24), 1);
	assert_true(zfd_kdump_is_flat(flat.p, flat.len));
	assert_int_equal(zfd_kdump_unflatten(membuf_read, &flat, membuf_write,
					     &back, &size, why, sizeof(why)),
			 0);
	assert_int_equal(size, file.len);
	assert_int_equal(back.len, file.len);
	assert_memory_equal(back.p, file.p, file.len);
	/* the reader sends a stream to unflatten */
	{
		struct zfd_kdump_reader *r;

		assert_int_equal(zfd_kdump_open(&r, membuf_read, &flat,
						flat.len, why, sizeof(why)),
				 -EINVAL);
		assert_non_null(strstr(why, "flattened"));
	}
	/* cut off: no end record */
	flat.len -= 16;
	assert_int_equal(zfd_kdump_unflatten(membuf_read, &flat, membuf_write,
					     &back, &size, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "without its end record"));
	free(file.p);
	free(flat.p);
	free(back.p);
	zfd_dump_free(&d);
}

static int count_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	struct membuf *m = arg;

	(void)buf;
	if (len > m->max_write)
		m->max_write = len;
	if (off + len > m->len)
		m->len = off + len;
	return 0;
}

/* 4 TiB in two ranges: 2^30 page frames, bitmaps of 128 MiB each. */
static void test_bounded(void **state)
{
	struct zfd_kdump_wopts o = { .codec = ZFD_KDUMP_C_ZSTD };
	struct zfd_range ranges[2] = {
		{ 0, 1ull << 41 },
		{ 3ull << 40, 1ull << 40 },
	};
	struct zfd_kdump_writer *w;
	struct membuf m = { 0 };
	struct zfd_dump d = {
		.machine = EM_X86_64,
		.elf_class = ELFCLASS64,
		.mem_size = 1ull << 42,
		.ranges = ranges,
		.nr_ranges = 2,
	};
	uint8_t page[4096];
	char why[256];
	bool complete = true;

	(void)state;
	memset(page, 0x5a, sizeof(page));
	assert_int_equal(zfd_kdump_writer_new(&w, &d, &o, count_write, &m, why,
					      sizeof(why)),
			 0);
	assert_int_equal(zfd_kdump_writer_begin(w), 0);
	/* bitmaps: 2 x 128 MiB went out in windows of at most 64 KiB */
	assert_true(m.len > (256ull << 20));
	assert_true(m.max_write <= 65536);
	assert_int_equal(zfd_kdump_writer_mem(w, 0, page, sizeof(page)), 0);
	assert_int_equal(zfd_kdump_writer_finish(w, 4096, &complete), 0);
	assert_false(complete);
	assert_true(m.max_write <= 65536);
	zfd_kdump_writer_free(w);
}

static void test_refusals(void **state)
{
	struct zfd_kdump_wopts o = { .codec = ZFD_KDUMP_C_ZSTD };
	struct zfd_kdump_reader *r;
	struct zfd_kdump_writer *w;
	struct membuf m = { 0 };
	struct zfd_dump d;
	enum zfd_kdump_codec c;
	char why[256];

	(void)state;
	assert_int_equal(zfd_kdump_codec_parse("zstd", &c), 0);
	assert_int_equal(c, ZFD_KDUMP_C_ZSTD);
	assert_int_equal(zfd_kdump_codec_parse("lz4", &c), -EINVAL);
	assert_int_equal(zfd_kdump_level_check(ZFD_KDUMP_C_ZLIB, 10, why,
					       sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "compress_level 10 is outside 1..9 for zlib");
	test_model(&d, false, 0);
	d.elf_class = ELFCLASS32;
	assert_int_equal(zfd_kdump_writer_new(&w, &d, &o, membuf_write, &m, why,
					      sizeof(why)),
			 -EOPNOTSUPP);
	d.elf_class = ELFCLASS64;
	assert_int_equal(test_write(&d, &o, UINT64_MAX, &m), 0);
	/* not mine */
	m.p[0] = 'X';
	assert_int_equal(zfd_kdump_open(&r, membuf_read, &m, m.len, why,
					sizeof(why)),
			 -ENODEV);
	m.p[0] = 'K';
	/* too short for its bitmaps */
	assert_int_equal(zfd_kdump_open(&r, membuf_read, &m, 3 * 4096, why,
					sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "bitmaps end at"));
	assert_null(strchr(why, '\n'));
	free(m.p);
	zfd_dump_free(&d);
}

/*
 * x86_64: the utsname (nodename, version) comes from init_uts_ns in the
 * crashed kernel's memory, found through VMCOREINFO and phys_base; a
 * utsname whose release differs from OSRELEASE is not taken.
 */
static void uts_case(const char *release, const char *want_version)
{
	static const char vmci[] =
		"OSRELEASE=6.1.0-kdump-test\nPAGESIZE=4096\n"
		"SYMBOL(init_uts_ns)=ffffffff80005080\n"
		"OFFSET(uts_namespace.name)=128\nNUMBER(phys_base)=0\n";
	struct zfd_kdump_wopts o = { .codec = ZFD_KDUMP_C_ZSTD };
	struct zfd_kdump_writer *w;
	struct membuf m = { 0 };
	struct zfd_dump d;
	uint8_t *mem;
	char why[256];

	test_model_vmci(&d, false, 0, vmci);
	mem = calloc(1, d.mem_size);
	assert_non_null(mem);
	strcpy((char *)mem + 0x5100, "Linux");
	strcpy((char *)mem + 0x5100 + 65, "node1");
	strcpy((char *)mem + 0x5100 + 130, release);
	strcpy((char *)mem + 0x5100 + 195, "#1 SMP PREEMPT_DYNAMIC test");
	strcpy((char *)mem + 0x5100 + 260, "x86_64");
	assert_int_equal(zfd_kdump_writer_new(&w, &d, &o, membuf_write, &m, why,
					      sizeof(why)),
			 0);
	assert_int_equal(zfd_kdump_writer_begin(w), 0);
	/* in pieces that split the utsname */
	assert_int_equal(zfd_kdump_writer_mem(w, 0, mem, 0x5180), 0);
	assert_int_equal(zfd_kdump_writer_mem(w, 0x5180, mem + 0x5180,
					      d.mem_size - 0x5180),
			 0);
	assert_int_equal(zfd_kdump_writer_finish(w, UINT64_MAX, NULL), 0);
	zfd_kdump_writer_free(w);
	assert_string_equal((const char *)m.p + 12 + 3 * 65, want_version);
	assert_string_equal((const char *)m.p + 12 + 65,
			    strcmp(want_version, "unknown") ? "node1" : "");
	assert_string_equal((const char *)m.p + 12 + 2 * 65,
			    "6.1.0-kdump-test");
	free(mem);
	free(m.p);
	zfd_dump_free(&d);
}

static void test_uts(void **state)
{
	(void)state;
	uts_case("6.1.0-kdump-test", "#1 SMP PREEMPT_DYNAMIC test");
	uts_case("5.10.0-other", "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codecs),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_uts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
