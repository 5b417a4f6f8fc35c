// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the ELF core reader (src/lib/fmt_elf_read.c).
 *
 * Build and run outside make, from the top of the source tree (needs
 * clang and libclang-rt-14-dev; a config.h is not needed):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *	-D_FILE_OFFSET_BITS=64 -Iinclude -Isrc/lib \
 *	tests/fuzz/fuzz_elf.c src/lib/fmt_elf_read.c src/lib/fmt_elf_write.c src/lib/dump.c \
 *	src/lib/format.c src/lib/s390_cpu.c \
 *	src/lib/fmt_s390.c src/lib/util.c -o fuzz_elf
 *   mkdir -p corpus && ./fuzz_elf -max_total_time=60 -max_len=65536 corpus
 *
 * Seeds: any ELF core (e.g. one written by tests/unit/test_elf, or
 * "zfcpdump-get copy -f elf"). Every input must be parsed or refused with
 * a one-line reason, never crash or read outside the buffer; accepted
 * inputs also go through the s390 header builder, the memory map (sorted,
 * never overlapping, even for physically overlapping PT_LOADs) and the
 * dump model (dump.c: ranges, notes kept whole, VMCOREINFO).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "format.h"
#include "fmt_elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zfd_elf_info *info;
	struct zfd_dump d;
	struct zfd_format *fmt;
	char arch[32];
	struct zfd_s390_hdr hdr;
	uint8_t sa[ZFD_S390_SA_SIZE];
	uint64_t addr = 0, off, len;
	char why[256];
	size_t i;
	int rc;

	/* odd sizes: truncation-tolerant parsing, even sizes: strict */
	rc = zfd_elf_parse_buf_ex(&info, data, size,
				  size & 1 ? ZFD_ELF_PARSE_TRUNCATED : 0, why,
				  sizeof(why));
	if (rc) {
		if (info || !why[0] || strchr(why, '\n'))
			__builtin_trap();
		return 0;
	}
	if (!info->truncated && info->data_end > size)
		__builtin_trap();
	for (i = 0; i < info->nr_loads; i++)
		if (info->loads[i].filesz > size ||
		    info->loads[i].offset > size - info->loads[i].filesz)
			__builtin_trap();
	if (zfd_elf_to_s390_hdr(info, &hdr, why, sizeof(why)) == 0 &&
	    hdr.cpu_cnt != info->nr_cpus)
		__builtin_trap();
	for (i = 0; i < info->nr_cpus; i++)
		zfd_elf_cpu_save_area(info, i, sa);
	for (i = 1; i < info->nr_loads; i++)
		if (info->loads[i].paddr <
		    info->loads[i - 1].paddr + info->loads[i - 1].memsz)
			__builtin_trap();
	for (i = 0; i < info->nr_cpus; i++)
		if (info->cpus[i].note_off > info->notes_len ||
		    info->cpus[i].note_len >
			    info->notes_len - info->cpus[i].note_off)
			__builtin_trap();
	if (zfd_dump_from_elf(&d, info) == 0) {
		if (d.vmcoreinfo &&
		    (d.vmcoreinfo_len > d.notes_len ||
		     (uint64_t)((const uint8_t *)d.vmcoreinfo - d.notes) >
			     d.notes_len - d.vmcoreinfo_len))
			__builtin_trap();
		if (strlen(d.kernel) >= sizeof(d.kernel) ||
		    !zfd_dump_arch(&d, arch, sizeof(arch)))
			__builtin_trap();
		for (i = 1; i < d.nr_ranges; i++)
			if (d.ranges[i].start <
			    d.ranges[i - 1].start + d.ranges[i - 1].size)
				__builtin_trap();
		/* the elf format of the model: its prologue parses back with
		 * the same notes (the memory is not there: truncated) */
		if (zfd_format_new(&fmt, ZFD_FORMAT_ELF, &d, NULL, d.mem_size,
				   why, sizeof(why)) == 0) {
			size_t plen = zfd_format_prologue_len(fmt);
			uint8_t *pro = malloc(plen);
			struct zfd_elf_info *back;

			if (!pro)
				__builtin_trap();
			zfd_format_prologue(fmt, pro, true);
			if (zfd_elf_parse_buf_ex(&back, pro, plen,
						 ZFD_ELF_PARSE_TRUNCATED, why,
						 sizeof(why)) == 0) {
				if (back->notes_len != d.notes_len ||
				    (d.notes_len &&
				     memcmp(back->notes, d.notes, d.notes_len)))
					__builtin_trap();
				zfd_elf_info_free(back);
			}
			free(pro);
			zfd_format_free(fmt);
		}
		zfd_dump_free(&d);
	}
	/* walk the map over the first loads: every present run must lie
	 * inside the input */
	for (i = 0; i < 64 && addr < info->mem_end; i++) {
		if (zfd_elf_map(info, addr, &off, &len) &&
		    (off > size || len > size - off))
			__builtin_trap();
		if (!len || len > UINT64_MAX - addr)
			break;
		addr += len;
	}
	zfd_elf_info_free(info);
	return 0;
}
