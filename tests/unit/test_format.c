// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the format layer (src/lib/format.c): s390 byte-identical to
 * the header + positional memory + end marker that the sinks write; elf
 * from an x86_64-like core (kernel text described twice) and an ELF32 core
 * read back by the ELF reader with notes, program header addresses and
 * memory unchanged, memory packed.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "be.h"
#include "format.h"
#include "util.h"

#define VMCI "OSRELEASE=6.1.0-13-amd64\nPAGESIZE=4096\nCRASHTIME=1767225600\n"

/* A little-endian x86_64 core like /proc/vmcore: PT_NOTE, the kernel text
 * at 0x3000 (one page, its own data), RAM 0x1000-0x5000 and 0x100000-
 * 0x102000; page P of RAM holds the byte (P & 0xff) + 1. */
static uint8_t *make_x86(size_t *len)
{
	static const uint64_t ph[][3] = {
		/* paddr, vaddr, size */
		{ 0x3000, 0xffffffff81000000ULL, 0x1000 },
		{ 0x1000, 0xffff888000001000ULL, 0x4000 },
		{ 0x100000, 0xffff888000100000ULL, 0x2000 },
	};
	size_t notes = 64 + 4 * 56, nlen, off, i, k;
	uint8_t *f, *n;

	*len = 0x1000 + 0x1000 + 0x4000 + 0x2000;
	f = calloc(1, *len);
	assert_non_null(f);
	memcpy(f, ELFMAG, SELFMAG);
	f[EI_CLASS] = ELFCLASS64;
	f[EI_DATA] = ELFDATA2LSB;
	f[EI_VERSION] = EV_CURRENT;
	zfd_put_le16(f + 16, ET_CORE);
	zfd_put_le16(f + 18, EM_X86_64);
	zfd_put_le32(f + 20, EV_CURRENT);
	zfd_put_le64(f + 32, 64);
	zfd_put_le16(f + 52, 64);
	zfd_put_le16(f + 54, 56);
	zfd_put_le16(f + 56, 4);
	n = f + notes;
	for (i = 0; i < 2; i++) {
		zfd_put_le32(n, 5);
		zfd_put_le32(n + 4, 336);
		zfd_put_le32(n + 8, NT_PRSTATUS);
		memcpy(n + 12, "CORE", 5);
		zfd_put_le32(n + 20 + 32, 7 + (uint32_t)i);
		n[20 + 200] = 0xa0 + (uint8_t)i; /* some register byte */
		n += 20 + 336;
	}
	zfd_put_le32(n, 11);
	zfd_put_le32(n + 4, sizeof(VMCI) - 1);
	memcpy(n + 12, "VMCOREINFO", 11);
	memcpy(n + 24, VMCI, sizeof(VMCI) - 1);
	n += 24 + ZFD_ALIGN_UP(sizeof(VMCI) - 1, 4);
	nlen = (size_t)(n - (f + notes));
	zfd_put_le32(f + 64, PT_NOTE);
	zfd_put_le64(f + 64 + 8, notes);
	zfd_put_le64(f + 64 + 32, nlen);
	zfd_put_le64(f + 64 + 40, nlen);
	off = 0x1000;
	for (i = 0; i < 3; i++) {
		uint8_t *p = f + 64 + 56 * (i + 1);

		zfd_put_le32(p, PT_LOAD);
		zfd_put_le32(p + 4, 7);
		zfd_put_le64(p + 8, off);
		zfd_put_le64(p + 16, ph[i][1]);
		zfd_put_le64(p + 24, ph[i][0]);
		zfd_put_le64(p + 32, ph[i][2]);
		zfd_put_le64(p + 40, ph[i][2]);
		for (k = 0; k < ph[i][2]; k += 0x1000)
			memset(f + off + k,
			       (int)(((ph[i][0] + k) >> 12) & 0xff) + 1,
			       0x1000);
		off += ph[i][2];
	}
	return f;
}

/* Writes the whole stored dump of f for model d, memory from core src. */
static uint8_t *store(const struct zfd_format *fmt,
		      const struct zfd_elf_info *src, const uint8_t *core,
		      uint64_t mem_size)
{
	uint64_t size = zfd_format_size(fmt), x = 0, foff, len, soff, slen;
	uint8_t *out = calloc(1, size);

	assert_non_null(out);
	zfd_format_prologue(fmt, out, true);
	while (x < mem_size) {
		if (!zfd_format_map(fmt, x, &foff, &len)) {
			x += len;
			continue;
		}
		for (uint64_t done = 0; done < len; done += slen) {
			if (zfd_elf_map(src, x + done, &soff, &slen)) {
				slen = ZFD_MIN(slen, len - done);
				memcpy(out + foff + done, core + soff, slen);
			} else {
				slen = ZFD_MIN(slen, len - done);
			}
		}
		x += len;
	}
	return out;
}

static void test_elf_x86(void **state)
{
	struct zfd_elf_info *in, *back;
	struct zfd_format *fmt;
	struct zfd_dump d, d2;
	uint8_t *core, *out;
	size_t len;
	char why[256];
	uint64_t a, o1, o2, l1, l2, fit;
	const struct zfd_range *ext;
	size_t i, nr;

	(void)state;
	core = make_x86(&len);
	assert_int_equal(zfd_elf_parse_buf(&in, core, len, why, sizeof(why)),
			 0);
	assert_true(in->overlaps);
	assert_int_equal(zfd_dump_from_elf(&d, in), 0);
	assert_int_equal(zfd_format_new(&fmt, ZFD_FORMAT_ELF, &d, NULL,
					d.mem_size, why, sizeof(why)),
			 0);
	assert_int_equal(zfd_format_prologue_len(fmt), 4096);
	/* packed: 0x4000 + 0x2000 bytes of memory after the prologue, the
	 * kernel text not stored twice, the hole up to 1 MiB not stored */
	assert_int_equal(zfd_format_size(fmt), 4096 + 0x6000);
	assert_int_equal(zfd_format_trailer_len(fmt), 0);
	out = store(fmt, in, core, d.mem_size);
	assert_int_equal(zfd_elf_parse_buf(&back, out, zfd_format_size(fmt),
					   why, sizeof(why)),
			 0);
	assert_int_equal(zfd_dump_from_elf(&d2, back), 0);
	/* notes unchanged, every program header's addresses kept */
	assert_int_equal(d2.notes_len, d.notes_len);
	assert_memory_equal(d2.notes, d.notes, d.notes_len);
	assert_string_equal(d2.kernel, "6.1.0-13-amd64");
	assert_int_equal(d2.nr_cpus, 2);
	assert_int_equal(d2.nr_segs, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(d2.segs[i].paddr, d.segs[i].paddr);
		assert_int_equal(d2.segs[i].vaddr, d.segs[i].vaddr);
		assert_int_equal(d2.segs[i].size, d.segs[i].size);
	}
	/* the kernel text points into the RAM range's bytes */
	assert_int_equal(back->segs[0].offset, back->segs[1].offset + 0x2000);
	/* memory identical, page by page */
	for (a = 0; a < d.mem_size; a += 0x1000) {
		bool p1 = zfd_elf_map(in, a, &o1, &l1);
		bool p2 = zfd_elf_map(back, a, &o2, &l2);

		assert_int_equal(p1, p2);
		if (p1)
			assert_memory_equal(core + o1, out + o2, 0x1000);
	}
	zfd_elf_info_free(back);
	zfd_dump_free(&d2);
	free(out);
	zfd_format_free(fmt);

	/* a limit: the segments end there, the memory too */
	assert_int_equal(zfd_format_new(&fmt, ZFD_FORMAT_ELF, &d, NULL, 0x4000,
					why, sizeof(why)),
			 0);
	assert_int_equal(zfd_format_size(fmt), 4096 + 0x3000);
	out = store(fmt, in, core, 0x4000);
	assert_int_equal(zfd_elf_parse_buf(&back, out, zfd_format_size(fmt),
					   why, sizeof(why)),
			 0);
	assert_int_equal(back->nr_segs, 2);
	assert_int_equal(back->mem_end, 0x4000);
	zfd_elf_info_free(back);
	free(out);
	zfd_format_free(fmt);

	/* packed: one extent behind the prologue */
	assert_int_equal(zfd_format_new(&fmt, ZFD_FORMAT_ELF, &d, NULL,
					d.mem_size, why, sizeof(why)),
			 0);
	ext = zfd_format_extents(fmt, &nr);
	assert_int_equal(nr, 1);
	assert_int_equal(ext[0].start, 4096);
	assert_int_equal(ext[0].size, 0x6000);
	assert_false(zfd_format_positional(fmt));
	/* a hole of a packed format is not stored at all */
	assert_false(zfd_format_map(fmt, 0x8000, &o1, &l1));
	assert_int_equal(o1, UINT64_MAX);
	zfd_format_free(fmt);

	/* truncation: the memory that fits a capacity, in whole pages */
	assert_int_equal(zfd_format_fit(ZFD_FORMAT_ELF, &d, NULL, d.mem_size,
					4096 + 0x3000 + 0xfff, &fit, why,
					sizeof(why)),
			 0);
	assert_int_equal(fit, 0x4000); /* 0x3000 bytes stored: see above */
	assert_int_equal(zfd_format_fit(ZFD_FORMAT_ELF, &d, NULL, d.mem_size,
					UINT64_MAX, &fit, why, sizeof(why)),
			 0);
	assert_int_equal(fit, d.mem_size);
	assert_int_equal(zfd_format_fit(ZFD_FORMAT_ELF, &d, NULL, d.mem_size,
					100, &fit, why, sizeof(why)),
			 -ENOSPC);

	/* the s390 format cannot hold it */
	assert_int_equal(zfd_format_new(&fmt, ZFD_FORMAT_S390, &d, NULL,
					d.mem_size, why, sizeof(why)),
			 -EOPNOTSUPP);
	assert_null(fmt);
	assert_non_null(strstr(why, "s390 dumps only"));
	zfd_dump_free(&d);
	zfd_elf_info_free(in);
	free(core);
}

static void test_s390(void **state)
{
	struct zfd_range ch[] = { { 0, 0x10000 }, { 0x20000, 0x10000 } };
	uint8_t raw[ZFD_S390_HDR_SIZE], want[ZFD_S390_HDR_SIZE], *buf;
	uint8_t em[ZFD_S390_END_SIZE];
	struct zfd_s390_hdr hdr;
	struct zfd_format *fmt;
	struct zfd_elf_writer *w;
	const struct zfd_range *ext;
	struct zfd_dump d;
	uint64_t off, len, data_off, fit;
	uint8_t *ebuf, *wbuf;
	char why[256];
	size_t nr;

	(void)state;
	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = ZFD_S390_MAGIC;
	hdr.version = 5;
	hdr.hdr_size = ZFD_S390_HDR_SIZE;
	hdr.page_size = ZFD_S390_PAGE_SIZE;
	hdr.mem_size = 0x40000;
	hdr.mem_end = 0x40000;
	hdr.arch = ZFD_S390_ARCH_S390X;
	hdr.cpu_cnt = 1;
	hdr.lc_vec[0] = 0x2000;
	hdr.tod = 0xd9c0000000000000ULL;
	zfd_s390_hdr_encode(&hdr, raw);
	raw[0x300] = 0x5a; /* a byte the decoder does not know: kept */
	assert_int_equal(zfd_dump_from_s390(&d, &hdr, ch, 2), 0);

	/* the source's header, byte for byte */
	assert_int_equal(zfd_format_new(&fmt, ZFD_FORMAT_S390, &d, raw, 0x40000,
					why, sizeof(why)),
			 0);
	buf = malloc(zfd_format_prologue_len(fmt));
	assert_non_null(buf);
	zfd_format_prologue(fmt, buf, true);
	assert_memory_equal(buf, raw, ZFD_S390_HDR_SIZE);
	zfd_format_prologue(fmt, buf, false);
	assert_true(zfd_is_zero(buf, ZFD_S390_HDR_SIZE));
	assert_true(zfd_format_map(fmt, 0x1000, &off, &len));
	assert_int_equal(off, 4096 + 0x1000);
	assert_int_equal(len, 0xf000);
	assert_false(zfd_format_map(fmt, 0x10000, &off, &len));
	assert_int_equal(off, 4096 + 0x10000); /* positional hole */
	assert_int_equal(len, 0x10000);
	assert_false(zfd_format_map(fmt, 0x30000, &off, &len));
	assert_int_equal(len, 0x10000);
	assert_int_equal(zfd_format_trailer_off(fmt), 4096 + 0x40000);
	zfd_format_trailer(fmt, 0xd9c0000100000000ULL, em);
	zfd_s390_end_marker(want, 0xd9c0000100000000ULL);
	assert_memory_equal(em, want, ZFD_S390_END_SIZE);
	assert_int_equal(zfd_format_size(fmt), 4096 + 0x40000 + 16);
	zfd_format_free(fmt);

	/* limited: mem_size in the header set as the sinks set it */
	assert_int_equal(zfd_format_new(&fmt, ZFD_FORMAT_S390, &d, raw, 0x18000,
					why, sizeof(why)),
			 0);
	zfd_format_prologue(fmt, buf, true);
	memcpy(want, raw, sizeof(want));
	zfd_s390_hdr_set_mem_size(want, 0x18000);
	assert_memory_equal(buf, want, ZFD_S390_HDR_SIZE);
	assert_int_equal(zfd_format_trailer_off(fmt), 4096 + 0x18000);
	zfd_format_free(fmt);

	/* extents: the ranges' stored offsets */
	assert_int_equal(zfd_format_new(&fmt, ZFD_FORMAT_S390, &d, raw, 0x40000,
					why, sizeof(why)),
			 0);
	ext = zfd_format_extents(fmt, &nr);
	assert_int_equal(nr, 2);
	assert_int_equal(ext[0].start, 4096);
	assert_int_equal(ext[0].size, 0x10000);
	assert_int_equal(ext[1].start, 4096 + 0x20000);
	assert_int_equal(ext[1].size, 0x10000);
	assert_true(zfd_format_positional(fmt));
	zfd_format_free(fmt);

	/*
	 * elf of an s390 model without notes (zcore): fmt_elf.h's s390x
	 * writer, memory positional after its prologue
	 */
	assert_int_equal(zfd_format_new(&fmt, ZFD_FORMAT_ELF, &d, raw, 0x40000,
					why, sizeof(why)),
			 0);
	assert_int_equal(zfd_elf_writer_new(&w, &hdr, ch, 2, 0x40000, why,
					    sizeof(why)),
			 0);
	data_off = zfd_elf_writer_data_off(w);
	assert_int_equal(zfd_format_prologue_len(fmt), data_off);
	assert_int_equal(zfd_format_size(fmt), zfd_elf_writer_file_size(w));
	assert_int_equal(zfd_format_trailer_len(fmt), 0);
	assert_true(zfd_format_positional(fmt));
	ebuf = malloc(data_off);
	wbuf = malloc(data_off);
	assert_non_null(ebuf);
	assert_non_null(wbuf);
	zfd_format_prologue(fmt, ebuf, true);
	zfd_elf_writer_prologue(w, wbuf);
	assert_memory_equal(ebuf, wbuf, data_off);
	assert_true(zfd_format_map(fmt, 0x1000, &off, &len));
	assert_int_equal(off, data_off + 0x1000);
	assert_false(zfd_format_map(fmt, 0x10000, &off, &len));
	assert_int_equal(off, data_off + 0x10000); /* positional hole */
	assert_false(zfd_format_map(fmt, 0x30000, &off, &len));
	assert_int_equal(off, UINT64_MAX); /* after the last load */
	ext = zfd_format_extents(fmt, &nr);
	assert_int_equal(nr, 2);
	assert_int_equal(ext[1].start, data_off + 0x20000);
	/* an incomplete dump: the final prologue describes what was written */
	zfd_format_limit(fmt, 0x8000);
	zfd_elf_writer_limit(w, 0x8000);
	zfd_format_prologue(fmt, ebuf, true);
	zfd_elf_writer_prologue(w, wbuf);
	assert_memory_equal(ebuf, wbuf, data_off);
	free(ebuf);
	free(wbuf);
	zfd_elf_writer_free(w);
	zfd_format_free(fmt);

	/* truncation: the largest mem_size that fits a capacity */
	assert_int_equal(zfd_format_fit(ZFD_FORMAT_S390, &d, raw, 0x40000,
					4096 + 0x18000 + 16, &fit, why,
					sizeof(why)),
			 0);
	assert_int_equal(fit, 0x18000);
	assert_int_equal(zfd_format_fit(ZFD_FORMAT_S390, &d, raw, 0x40000,
					4096 + 0x18fff + 16, &fit, why,
					sizeof(why)),
			 0);
	assert_int_equal(fit, 0x18000);
	assert_int_equal(zfd_format_fit(ZFD_FORMAT_S390, &d, raw, 0x40000, 4000,
					&fit, why, sizeof(why)),
			 -ENOSPC);
	assert_int_equal(zfd_format_new(&fmt, ZFD_FORMAT_S390, &d, raw, 0x1234,
					why, sizeof(why)),
			 -EINVAL);
	free(buf);
	zfd_dump_free(&d);
}

static void test_names(void **state)
{
	enum zfd_format_id id;

	(void)state;
	assert_int_equal(zfd_format_parse("elf", &id), 0);
	assert_int_equal(id, ZFD_FORMAT_ELF);
	assert_string_equal(zfd_format_name(id), "elf");
	assert_int_equal(zfd_format_parse("s390", &id), 0);
	assert_string_equal(zfd_format_name(id), "s390");
	assert_int_equal(zfd_format_parse("kdump", &id), 0);
	assert_int_equal(id, ZFD_FORMAT_KDUMP);
	assert_string_equal(zfd_format_name(id), "kdump");
	assert_int_equal(zfd_format_parse("KDUMP", &id), -EINVAL);
	assert_int_equal(zfd_format_parse("zip", &id), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_x86),
		cmocka_unit_test(test_s390),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
