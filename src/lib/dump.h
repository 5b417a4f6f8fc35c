/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dump model: what the core knows about a dump, whatever its source
 * (zcore, /proc/vmcore, a file) and whatever format it is written in.
 *
 *	architecture	ELF machine, class and byte order (an s390 dump is
 *			EM_S390, ELFCLASS64 for s390x / ELFCLASS32 for s390,
 *			big-endian)
 *	memory		physical ranges that exist, ascending and
 *			non-overlapping; the gaps between them are holes.
 *			Memory offset X (what a source reads and a sink
 *			gets in struct zfd_block) is physical address
 *			mem_start + X.
 *	segments	every memory segment as the source described it
 *			(every PT_LOAD of an ELF core, physically
 *			overlapping ones included: x86_64 describes its
 *			kernel text twice), kept for the ELF output
 *	notes		the bytes of every PT_NOTE, whole and unchanged
 *			(NT_PRSTATUS per CPU, VMCOREINFO, ...); for each
 *			CPU where its NT_PRSTATUS note lies in them
 *	kernel, time	OSRELEASE and CRASHTIME from VMCOREINFO, or the
 *			s390 header's TOD clock, where known
 *
 * Sources fill it (zfd_dump_from_elf(), zfd_dump_from_s390()); formats
 * and manifests read it. All fields in host byte order; notes are in the
 * dump's own byte order.
 */
#ifndef ZFD_DUMP_H
#define ZFD_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zfcpdump/sink.h>

#include "fmt_elf.h"
#include "fmt_s390.h"

/* One memory segment as the source describes it (an ELF PT_LOAD). */
struct zfd_dump_seg {
	uint64_t paddr;
	uint64_t vaddr;
	uint64_t size;	 /* p_memsz */
	uint64_t filesz; /* bytes present (size - filesz: zeros) */
};

struct zfd_dump_cpu {
	uint32_t pid;	   /* pr_pid of NT_PRSTATUS, or CPU number + 1 */
	uint32_t prefix;   /* s390: prefix register (lc_vec), else 0 */
	uint64_t note_off; /* its NT_PRSTATUS note inside notes, or */
	uint64_t note_len; /* 0/0 when the registers are in memory */
};

#define ZFD_DUMP_KERNEL_MAX 65 /* utsname release + NUL */

struct zfd_dump {
	uint16_t machine;  /* EM_* */
	uint8_t elf_class; /* ELFCLASS64 | ELFCLASS32 */
	bool big_endian;
	uint64_t mem_start;	  /* physical address of offset 0 */
	uint64_t mem_size;	  /* memory offsets [0, mem_size) */
	struct zfd_range *ranges; /* memory that exists, ascending */
	size_t nr_ranges;
	struct zfd_dump_seg *segs; /* as described, source order */
	size_t nr_segs;
	uint8_t *notes; /* PT_NOTE bytes, unchanged */
	uint64_t notes_len;
	const char *vmcoreinfo; /* inside notes, not NUL-terminated */
	uint64_t vmcoreinfo_len;
	struct zfd_dump_cpu *cpus;
	size_t nr_cpus;
	char kernel[ZFD_DUMP_KERNEL_MAX]; /* OSRELEASE, "" unknown */
	int64_t crash_time;		  /* Unix time, 0 unknown */
	/* x86_64: physical address the kernel text was loaded at, minus its
	 * link address (kdump sub-header); 0 unknown (then found from
	 * VMCOREINFO or the kernel-text segment where needed) */
	uint64_t phys_base;
};

/* Frees what the model owns and zeroes it. */
void zfd_dump_free(struct zfd_dump *d);

/*
 * Fills d from a parsed ELF core: ranges from the physical memory map
 * (only bytes present in the file: p_memsz beyond p_filesz is a hole),
 * segments from every PT_LOAD, the notes copied whole, CPUs from the
 * NT_PRSTATUS notes, kernel and crash time from VMCOREINFO.
 * Returns 0 or -ENOMEM.
 */
int zfd_dump_from_elf(struct zfd_dump *d, const struct zfd_elf_info *info);

/*
 * Fills d from an s390 dump header and its memory chunks (relative to
 * mem_start; NULL/0 = all of [0, mem_size)): EM_S390, big-endian,
 * ELFCLASS64 for s390x and ELFCLASS32 for s390, one segment per chunk,
 * no notes (the registers are in the save areas in memory), the CPUs'
 * prefixes from lc_vec, crash time from the TOD clock.
 * Returns 0 or -ENOMEM.
 */
int zfd_dump_from_s390(struct zfd_dump *d, const struct zfd_s390_hdr *hdr,
		       const struct zfd_range *chunks, size_t nr_chunks);

/*
 * The architecture as Linux names it: "s390x", "s390", "x86_64", "i386",
 * "aarch64", "arm", "ppc64le", "ppc64", "ppc", "riscv64", "mips", ...,
 * or "machine-N" for others (buf is used then, at least 24 bytes).
 */
const char *zfd_dump_arch_name(uint16_t machine, uint8_t elf_class,
			       bool big_endian, char *buf, size_t len);
const char *zfd_dump_arch(const struct zfd_dump *d, char *buf, size_t len);

/*
 * Looks up KEY in VMCOREINFO text ("KEY=value" lines): copies the value
 * (at most len - 1 bytes, NUL-terminated) to val. Returns true if found.
 */
bool zfd_vmcoreinfo_get(const char *text, size_t text_len, const char *key,
			char *val, size_t len);

#endif /* ZFD_DUMP_H */
