// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the dump model (src/lib/dump.c) and of the ELF core reader
 * parts it relies on: ELF32 cores, either byte order, notes kept whole,
 * VMCOREINFO (OSRELEASE, CRASHTIME), the s390 header as a model.
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
#include "dump.h"
#include "manifest.h"
#include "util.h"

#define VMCI "OSRELEASE=5.10.0-i386-test\nPAGESIZE=4096\nCRASHTIME=1767229200\n"

/* ELF32 little-endian i386 core: PT_NOTE (2 x NT_PRSTATUS, VMCOREINFO),
 * two PT_LOADs (0x0-0x2000 and 0x5000-0x6000 with memsz 0x2000). */
static size_t make_elf32(uint8_t *f, size_t cap, bool be)
{
	void (*p16)(void *, uint16_t) = be ? zfd_put_be16 : zfd_put_le16;
	void (*p32)(void *, uint32_t) = be ? zfd_put_be32 : zfd_put_le32;
	uint8_t *p, *n;
	size_t notes_off = 52 + 3 * 32, notes_len;
	int c;

	assert_true(cap >= 0x4000);
	memset(f, 0, cap);
	memcpy(f, ELFMAG, SELFMAG);
	f[EI_CLASS] = ELFCLASS32;
	f[EI_DATA] = be ? ELFDATA2MSB : ELFDATA2LSB;
	f[EI_VERSION] = EV_CURRENT;
	p16(f + 16, ET_CORE);
	p16(f + 18, be ? EM_PPC : EM_386);
	p32(f + 20, EV_CURRENT);
	p32(f + 28, 52); /* e_phoff */
	p16(f + 40, 52);
	p16(f + 42, 32);
	p16(f + 44, 3);
	/* notes: 2 x NT_PRSTATUS (144 bytes, pid at 24), VMCOREINFO */
	n = f + notes_off;
	for (c = 0; c < 2; c++) {
		p32(n, 5);
		p32(n + 4, 144);
		p32(n + 8, NT_PRSTATUS);
		memcpy(n + 12, "CORE", 5);
		p32(n + 20 + 24, 100 + c);
		n += 20 + 144;
	}
	p32(n, 11);
	p32(n + 4, sizeof(VMCI) - 1);
	p32(n + 8, 0);
	memcpy(n + 12, "VMCOREINFO", 11);
	memcpy(n + 24, VMCI, sizeof(VMCI) - 1);
	n += 24 + ZFD_ALIGN_UP(sizeof(VMCI) - 1, 4);
	notes_len = (size_t)(n - (f + notes_off));
	p = f + 52;
	p32(p, PT_NOTE);
	p32(p + 4, (uint32_t)notes_off);
	p32(p + 16, (uint32_t)notes_len);
	p32(p + 20, (uint32_t)notes_len);
	p += 32;
	p32(p, PT_LOAD);
	p32(p + 4, 0x1000);
	p32(p + 8, 0xc0000000);
	p32(p + 12, 0);
	p32(p + 16, 0x2000);
	p32(p + 20, 0x2000);
	p += 32;
	p32(p, PT_LOAD);
	p32(p + 4, 0x3000);
	p32(p + 8, 0xc0005000);
	p32(p + 12, 0x5000);
	p32(p + 16, 0x1000);
	p32(p + 20, 0x2000); /* the last 0x1000: not in the file */
	memset(f + 0x1000, 0xaa, 0x3000);
	return 0x4000;
}

static void test_elf32(void **state)
{
	uint8_t f[0x4000];
	struct zfd_elf_info *info;
	struct zfd_dump d;
	char why[256], buf[32];
	int be;

	(void)state;
	for (be = 0; be < 2; be++) {
		make_elf32(f, sizeof(f), be);
		assert_int_equal(zfd_elf_parse_buf(&info, f, sizeof(f), why,
						   sizeof(why)),
				 0);
		assert_int_equal(info->elf_class, ELFCLASS32);
		assert_int_equal(info->nr_cpus, 2);
		assert_int_equal(info->cpus[1].pid, 101);
		assert_int_equal(zfd_dump_from_elf(&d, info), 0);
		assert_string_equal(zfd_dump_arch(&d, buf, sizeof(buf)),
				    be ? "ppc" : "i386");
		assert_string_equal(d.kernel, "5.10.0-i386-test");
		assert_int_equal(d.crash_time, 1767229200);
		/* notes whole and unchanged */
		assert_int_equal(d.notes_len,
				 2 * 164 + 24 +
					 ZFD_ALIGN_UP(sizeof(VMCI) - 1, 4));
		assert_memory_equal(d.notes, f + 52 + 3 * 32, d.notes_len);
		assert_int_equal(d.cpus[0].note_off, 0);
		assert_int_equal(d.cpus[1].note_off, 164);
		assert_int_equal(d.cpus[1].note_len, 164);
		/* memory: [0, 0x2000), [0x5000, 0x6000) present, mem to 0x7000 */
		assert_int_equal(d.nr_ranges, 2);
		assert_int_equal(d.ranges[0].start, 0);
		assert_int_equal(d.ranges[0].size, 0x2000);
		assert_int_equal(d.ranges[1].start, 0x5000);
		assert_int_equal(d.ranges[1].size, 0x1000);
		assert_int_equal(d.mem_size, 0x7000);
		assert_int_equal(d.nr_segs, 2);
		assert_int_equal(d.segs[1].vaddr, 0xc0005000);
		assert_int_equal(d.segs[1].size, 0x2000);
		assert_int_equal(d.segs[1].filesz, 0x1000);
		zfd_dump_free(&d);
		zfd_elf_info_free(info);
	}
}

/* Bad ELF32 input: one line naming the problem. */
static void test_elf32_bad(void **state)
{
	uint8_t f[0x4000];
	struct zfd_elf_info *info;
	char why[256];

	(void)state;
	make_elf32(f, sizeof(f), false);
	zfd_put_le32(f + 52 + 3 * 32 + 4, 0x7fffffff); /* first descsz */
	assert_int_equal(zfd_elf_parse_buf(&info, f, sizeof(f), why,
					   sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "extends beyond its PT_NOTE segment"));

	make_elf32(f, sizeof(f), false);
	zfd_put_le32(f + 52 + 64 + 4, 0x3f00); /* PT_LOAD 2 past EOF */
	assert_int_equal(zfd_elf_parse_buf(&info, f, sizeof(f), why,
					   sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "PT_LOAD 2 (offset 16128, 4096 bytes) "
				    "extends beyond the end of the file"));

	make_elf32(f, sizeof(f), false);
	assert_int_equal(zfd_elf_parse_buf(&info, f, 40, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "too short for an ELF header"));
	assert_null(strchr(why, '\n'));
}

static void test_vmcoreinfo_get(void **state)
{
	const char t[] = "A=1\nOSRELEASE=6.1.0-13-amd64\nOSREL=x\nB";
	char v[8];

	(void)state;
	assert_true(zfd_vmcoreinfo_get(t, sizeof(t) - 1, "A", v, sizeof(v)));
	assert_string_equal(v, "1");
	/* cut to the buffer, NUL-terminated */
	assert_true(zfd_vmcoreinfo_get(t, sizeof(t) - 1, "OSRELEASE", v,
				       sizeof(v)));
	assert_string_equal(v, "6.1.0-1");
	assert_true(zfd_vmcoreinfo_get(t, sizeof(t) - 1, "OSREL", v,
				       sizeof(v)));
	assert_string_equal(v, "x");
	assert_false(zfd_vmcoreinfo_get(t, sizeof(t) - 1, "B", v, sizeof(v)));
	assert_false(zfd_vmcoreinfo_get(t, sizeof(t) - 1, "C", v, sizeof(v)));
}

static void test_from_s390(void **state)
{
	struct zfd_range ch[] = { { 0, 0x10000 }, { 0x20000, 0x1000 } };
	struct zfd_s390_hdr hdr;
	struct zfd_dump d;
	char buf[32];

	(void)state;
	memset(&hdr, 0, sizeof(hdr));
	hdr.arch = ZFD_S390_ARCH_S390X;
	hdr.mem_size = 0x40000;
	hdr.cpu_cnt = 2;
	hdr.lc_vec[1] = 0x22000;
	hdr.tod = zfd_tod_from_unix(1767225600, 0);
	assert_int_equal(zfd_dump_from_s390(&d, &hdr, ch, 2), 0);
	assert_string_equal(zfd_dump_arch(&d, buf, sizeof(buf)), "s390x");
	assert_int_equal(d.nr_ranges, 2);
	assert_int_equal(d.ranges[1].start, 0x20000);
	assert_int_equal(d.nr_cpus, 2);
	assert_int_equal(d.cpus[1].prefix, 0x22000);
	assert_int_equal(d.crash_time, 1767225600);
	assert_string_equal(d.kernel, "");
	assert_int_equal(d.notes_len, 0);
	zfd_dump_free(&d);
	hdr.arch = ZFD_S390_ARCH_S390;
	assert_int_equal(zfd_dump_from_s390(&d, &hdr, NULL, 0), 0);
	assert_string_equal(zfd_dump_arch(&d, buf, sizeof(buf)), "s390");
	assert_int_equal(d.nr_ranges, 1);
	assert_int_equal(d.ranges[0].size, 0x40000);
	zfd_dump_free(&d);
	assert_string_equal(zfd_dump_arch_name(4711, ELFCLASS64, false, buf,
					       sizeof(buf)),
			    "machine-4711");
	assert_string_equal(zfd_dump_arch_name(EM_PPC64, ELFCLASS64, false, buf,
					       sizeof(buf)),
			    "ppc64le");
}

/* The manifest gains arch and kernel where known. */
static void test_manifest_arch(void **state)
{
	struct zfd_dump_info info = { .source = "vmcore:/proc/vmcore",
				      .mem_size = 4096,
				      .mem_size_orig = 4096 };
	struct zfd_result res = { .status = ZFD_STATUS_COMPLETE };
	char buf[ZFD_MANIFEST_MAX];
	struct zfd_manifest m;
	char why[128];

	(void)state;
	info.arch = "x86_64";
	info.kernel = "6.1.0-13-amd64\nstatus: complete"; /* one line */
	assert_true(zfd_manifest_format(buf, sizeof(buf), &info, &res, "raw:x",
					"elf") > 0);
	assert_int_equal(zfd_manifest_parse(buf, strlen(buf), &m, why,
					    sizeof(why)),
			 0);
	assert_string_equal(zfd_manifest_get(&m, "arch"), "x86_64");
	assert_string_equal(zfd_manifest_get(&m, "kernel"),
			    "6.1.0-13-amd64?status: complete");
	info.arch = NULL;
	info.kernel = "";
	assert_true(zfd_manifest_format(buf, sizeof(buf), &info, &res, "raw:x",
					"s390") > 0);
	assert_null(strstr(buf, "arch:"));
	assert_null(strstr(buf, "kernel:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf32),
		cmocka_unit_test(test_elf32_bad),
		cmocka_unit_test(test_vmcoreinfo_get),
		cmocka_unit_test(test_from_s390),
		cmocka_unit_test(test_manifest_arch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
