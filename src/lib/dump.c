// SPDX-License-Identifier: GPL-2.0-or-later
/* The dump model (dump.h), filled from an ELF core or an s390 header. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "util.h"

#ifndef EM_RISCV
#define EM_RISCV 243
#endif
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

void zfd_dump_free(struct zfd_dump *d)
{
	free(d->ranges);
	free(d->segs);
	free(d->notes);
	free(d->cpus);
	memset(d, 0, sizeof(*d));
}

bool zfd_vmcoreinfo_get(const char *text, size_t text_len, const char *key,
			char *val, size_t len)
{
	size_t klen = strlen(key), pos = 0, end, n;

	while (pos < text_len) {
		const char *nl = memchr(text + pos, '\n', text_len - pos);

		end = nl ? (size_t)(nl - text) : text_len;
		if (end - pos > klen && !memcmp(text + pos, key, klen) &&
		    text[pos + klen] == '=') {
			n = ZFD_MIN(end - pos - klen - 1, len - 1);
			memcpy(val, text + pos + klen + 1, n);
			val[n] = 0;
			/* a NUL inside the note ends the value */
			val[strnlen(val, n)] = 0;
			return true;
		}
		pos = end + 1;
	}
	return false;
}

/* Rounds up to a page; the top page of the address space rounds down. */
static uint64_t page_up(uint64_t x)
{
	if (x > UINT64_MAX - (ZFD_PAGE_SIZE - 1))
		return ZFD_ALIGN_DOWN(x, (uint64_t)ZFD_PAGE_SIZE);
	return ZFD_ALIGN_UP(x, (uint64_t)ZFD_PAGE_SIZE);
}

/* Appends [start, end) page-aligned outward, merged with the last range. */
static void add_range(struct zfd_dump *d, uint64_t start, uint64_t end)
{
	struct zfd_range *last = d->nr_ranges ? &d->ranges[d->nr_ranges - 1] :
						NULL;

	start = ZFD_ALIGN_DOWN(start, (uint64_t)ZFD_PAGE_SIZE);
	end = page_up(end);
	if (end <= start)
		return;
	if (last && start <= last->start + last->size) {
		if (end > last->start + last->size)
			last->size = end - last->start;
		return;
	}
	d->ranges[d->nr_ranges].start = start;
	d->ranges[d->nr_ranges].size = end - start;
	d->nr_ranges++;
}

int zfd_dump_from_elf(struct zfd_dump *d, const struct zfd_elf_info *info)
{
	char val[32];
	size_t i;

	memset(d, 0, sizeof(*d));
	d->machine = info->machine;
	d->elf_class = info->elf_class;
	d->big_endian = info->big_endian;
	d->ranges = calloc(info->nr_loads ? info->nr_loads : 1,
			   sizeof(*d->ranges));
	d->segs = calloc(info->nr_segs ? info->nr_segs : 1, sizeof(*d->segs));
	d->cpus = calloc(info->nr_cpus ? info->nr_cpus : 1, sizeof(*d->cpus));
	d->notes = malloc(info->notes_len ? info->notes_len : 1);
	if (!d->ranges || !d->segs || !d->cpus || !d->notes) {
		zfd_dump_free(d);
		return -ENOMEM;
	}
	for (i = 0; i < info->nr_loads; i++) {
		const struct zfd_elf_load *l = &info->loads[i];

		if (l->filesz)
			add_range(d, l->paddr, l->paddr + l->filesz);
	}
	d->mem_size = page_up(info->mem_end);
	for (i = 0; i < info->nr_segs; i++) {
		d->segs[i].paddr = info->segs[i].paddr;
		d->segs[i].vaddr = info->segs[i].vaddr;
		d->segs[i].size = info->segs[i].memsz;
		d->segs[i].filesz = info->segs[i].filesz;
	}
	d->nr_segs = info->nr_segs;
	if (info->notes_len)
		memcpy(d->notes, info->notes, info->notes_len);
	d->notes_len = info->notes_len;
	for (i = 0; i < info->nr_cpus; i++) {
		d->cpus[i].pid = info->cpus[i].pid;
		d->cpus[i].prefix = info->cpus[i].regs.prefix;
		d->cpus[i].note_off = info->cpus[i].note_off;
		d->cpus[i].note_len = info->cpus[i].note_len;
	}
	d->nr_cpus = info->nr_cpus;
	if (info->has_vmcoreinfo) {
		d->vmcoreinfo = (const char *)d->notes + info->vmcoreinfo_off;
		d->vmcoreinfo_len = info->vmcoreinfo_len;
		zfd_vmcoreinfo_get(d->vmcoreinfo, d->vmcoreinfo_len,
				   "OSRELEASE", d->kernel, sizeof(d->kernel));
		if (zfd_vmcoreinfo_get(d->vmcoreinfo, d->vmcoreinfo_len,
				       "CRASHTIME", val, sizeof(val)))
			d->crash_time = strtoll(val, NULL, 10);
	}
	return 0;
}

int zfd_dump_from_s390(struct zfd_dump *d, const struct zfd_s390_hdr *hdr,
		       const struct zfd_range *chunks, size_t nr_chunks)
{
	struct zfd_range all = { 0, hdr->mem_size };
	uint32_t usec;
	size_t i;

	memset(d, 0, sizeof(*d));
	if (!chunks || !nr_chunks) {
		chunks = &all;
		nr_chunks = hdr->mem_size ? 1 : 0;
	}
	d->machine = EM_S390;
	d->elf_class = hdr->arch == ZFD_S390_ARCH_S390 ? ELFCLASS32 :
							 ELFCLASS64;
	d->big_endian = true;
	d->mem_start = hdr->mem_start;
	d->mem_size = hdr->mem_size;
	d->ranges = calloc(nr_chunks ? nr_chunks : 1, sizeof(*d->ranges));
	d->segs = calloc(nr_chunks ? nr_chunks : 1, sizeof(*d->segs));
	d->cpus = calloc(hdr->cpu_cnt ? hdr->cpu_cnt : 1, sizeof(*d->cpus));
	if (!d->ranges || !d->segs || !d->cpus) {
		zfd_dump_free(d);
		return -ENOMEM;
	}
	memcpy(d->ranges, chunks, nr_chunks * sizeof(*chunks));
	d->nr_ranges = nr_chunks;
	for (i = 0; i < nr_chunks; i++) {
		d->segs[i].paddr = hdr->mem_start + chunks[i].start;
		d->segs[i].vaddr = d->segs[i].paddr;
		d->segs[i].size = chunks[i].size;
		d->segs[i].filesz = chunks[i].size;
	}
	d->nr_segs = nr_chunks;
	for (i = 0; i < hdr->cpu_cnt && i < ZFD_S390_MAX_CPUS; i++) {
		d->cpus[i].pid = (uint32_t)i + 1;
		d->cpus[i].prefix = hdr->lc_vec[i];
	}
	d->nr_cpus = i;
	if (hdr->tod)
		zfd_tod_to_unix(hdr->tod, &d->crash_time, &usec);
	return 0;
}

const char *zfd_dump_arch_name(uint16_t machine, uint8_t elf_class,
			       bool big_endian, char *buf, size_t len)
{
	bool is64 = elf_class == ELFCLASS64;

	switch (machine) {
	case EM_S390:
		return is64 ? "s390x" : "s390";
	case EM_X86_64:
		return "x86_64";
	case EM_386:
		return "i386";
	case EM_AARCH64:
		return "aarch64";
	case EM_ARM:
		return "arm";
	case EM_PPC64:
		return big_endian ? "ppc64" : "ppc64le";
	case EM_PPC:
		return "ppc";
	case EM_RISCV:
		return is64 ? "riscv64" : "riscv32";
	case EM_MIPS:
		return is64 ? "mips64" : "mips";
	case EM_LOONGARCH:
		return "loongarch64";
	default:
		snprintf(buf, len, "machine-%u", machine);
		return buf;
	}
}

const char *zfd_dump_arch(const struct zfd_dump *d, char *buf, size_t len)
{
	return zfd_dump_arch_name(d->machine, d->elf_class, d->big_endian, buf,
				  len);
}
