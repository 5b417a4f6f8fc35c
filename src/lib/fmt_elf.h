/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ELF core files: a writer for s390x dumps (s390 dump -> ELF,
 * fmt_elf_write.c) and a bounds-checked reader of ELF cores of any
 * architecture (fmt_elf_read.c: ELF64 and ELF32, either byte order; the
 * dump model of dump.h is filled from it).
 *
 * FILE LAYOUT WRITTEN
 *
 *	offset 0		ELF64 header, big-endian (ELFDATA2MSB),
 *				ET_CORE, EM_S390
 *	offset 64		program headers: one PT_NOTE, then one PT_LOAD
 *				per memory chunk, in ascending address order,
 *				then ZFD_ELF_SPARE_LOADS zeroed spare slots
 *	after the slots		the notes (see below), zero padding up to
 *	data_off		data_off = prologue size, a multiple of 4096
 *	data_off + X		memory byte X (X relative to mem_start)
 *
 * Memory is placed *positionally*: the file offset of memory byte X is
 * always data_off + X, so a hole between two chunks is simply a range
 * of the file that nothing is written to (a sparse hole). A PT_LOAD has
 * p_offset = data_off + start, p_paddr = p_vaddr = mem_start + start,
 * p_filesz = p_memsz = size, p_flags = RWX, p_align = 0 (like vmcore).
 *
 * NOTES (sizes fixed, independent of the register values):
 *	"CORE"  NT_PRPSINFO	once, first (pr_fname "vmlinux")
 *	per CPU c, in lc_vec order:
 *	"CORE"  NT_PRSTATUS	336 bytes, pr_pid = c + 1, pr_reg = PSW mask,
 *				PSW address, gprs 0-15, acrs 0-15,
 *				orig_gpr2 (0), pr_fpvalid 0
 *	"CORE"  NT_PRFPREG	fpc, pad, fprs 0-15 (136 bytes)
 *	"LINUX" NT_S390_TIMER	CPU timer (u64)
 *	"LINUX" NT_S390_TODCMP	clock comparator (u64, as stored)
 *	"LINUX" NT_S390_TODPREG	TOD programmable register (u32)
 *	"LINUX" NT_S390_CTRS	control registers 0-15 (16 x u64)
 *	"LINUX" NT_S390_PREFIX	prefix (u32, = lc_vec[c])
 * That is the layout of the Linux kernel's s390x elf_prstatus/s390_regs
 * and of its /proc/vmcore CPU notes, so crash, gdb and eu-readelf read it;
 * the notes are byte-identical to those "zgetdump -f elf" (s390-tools
 * 2.16) writes for the same dump.
 * The registers come from the save area at lc_vec[c] + 0x1200 in the
 * dumped memory (see s390_cpu.h). A CPU whose save area is not in the
 * dumped memory (hole, limit) gets all-zero registers but its prefix
 * still comes from the header; zfd_elf_writer_cpus_missing() counts them.
 *
 * Only s390x dumps (header arch 2) can be written; a 31-bit s390 (arch 1)
 * dump is refused with -EOPNOTSUPP and the reason in why.
 *
 * ERRORS: every function that can fail returns 0 or a negative errno and,
 * where it takes (why, why_len), puts a one-line reason there (no newline,
 * no prefix): callers print e.g. "dump.3: not a valid ELF core: <why>".
 */
#ifndef ZFD_FMT_ELF_H
#define ZFD_FMT_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zfcpdump/sink.h>

#include "fmt_s390.h"
#include "s390_cpu.h"

/* Sizes of the fixed parts, for callers that want to reason about them. */
#define ZFD_ELF_EHDR_SIZE   64
#define ZFD_ELF_PHDR_SIZE   56
/* Most PT_LOADs a file can have without extended numbering. */
#define ZFD_ELF_MAX_LOADS   (0xffff - 2 - ZFD_ELF_SPARE_LOADS)
/*
 * Program header slots reserved beyond the chunks, so that
 * zfd_elf_writer_exclude() can split loads without moving data_off.
 */
#define ZFD_ELF_SPARE_LOADS 8

/* ------------------------------------------------------------------ */
/* Writer: s390 dump -> ELF core                                      */
/* ------------------------------------------------------------------ */

/*
 * The prologue size (ELF header + program headers incl. the spare slots +
 * notes, rounded up to 4096) for a dump with hdr->cpu_cnt CPUs and
 * nr_loads PT_LOADs. This is
 * data_off, the file offset of memory byte 0.
 *
 * nr_loads is the number of chunks *after* the writer dropped empty
 * chunks and clipped them to mem_size (and 1 if no chunk list is given),
 * so prefer zfd_elf_writer_data_off() of a writer; this function is for
 * callers that only need an estimate before creating one.
 */
size_t zfd_elf_prologue_size(const struct zfd_s390_hdr *hdr, size_t nr_loads);

struct zfd_elf_writer;

/*
 * Creates a writer for one s390x dump.
 *
 * hdr		the decoded s390 dump header (arch, mem_start, cpu_cnt,
 *		lc_vec are used); copied, need not outlive the call.
 * chunks	memory that exists, relative to mem_start, ascending and
 *		non-overlapping (struct zfd_range of sink.h). NULL or
 *		nr_chunks == 0 means one chunk [0, mem_size). Chunks are
 *		clipped to mem_size; empty ones are dropped. Copied.
 * mem_size	memory bytes this ELF file will describe (the sink's
 *		info->mem_size; limit/truncation already applied).
 *
 * Returns 0, -EOPNOTSUPP (31-bit s390), -EINVAL (bad chunk list, too many
 * chunks), -ENOMEM; why gets the reason.
 */
int zfd_elf_writer_new(struct zfd_elf_writer **w,
		       const struct zfd_s390_hdr *hdr,
		       const struct zfd_range *chunks, size_t nr_chunks,
		       uint64_t mem_size, char *why, size_t why_len);

void zfd_elf_writer_free(struct zfd_elf_writer *w);

/* File offset of memory byte 0 (= prologue size, multiple of 4096). */
uint64_t zfd_elf_writer_data_off(const struct zfd_elf_writer *w);

/*
 * Size of the complete ELF file: data_off + end of the last chunk. A file
 * shorter than this is truncated (e.g. a stream that was cut off).
 */
uint64_t zfd_elf_writer_file_size(const struct zfd_elf_writer *w);

/* The PT_LOAD ranges (after clipping), relative to mem_start. */
const struct zfd_range *zfd_elf_writer_loads(const struct zfd_elf_writer *w,
					     size_t *nr_loads);

/*
 * Collector, for streaming writers (the extfs sink): feed every block of
 * memory *data* that is written, at memory offset off (relative to
 * mem_start). Blocks may have any length and alignment and may be fed
 * more than once (a failover pass re-reads the source); the writer copies
 * whatever part of a CPU's save area a block covers. Do not feed hole or
 * lost blocks (their zeros are not register contents). Cheap: O(cpu_cnt)
 * per call, no allocation. Never fails.
 */
void zfd_elf_writer_feed(struct zfd_elf_writer *w, uint64_t off,
			 const void *data, size_t len);

/*
 * One-shot collector, for random-access inputs (zfcpdump-get): reads each
 * CPU's save area through read(arg, off, buf, len), off relative to
 * mem_start, only where it lies inside a chunk. read returns 0 or -errno;
 * -EFAULT/-ENXIO/-EIO mark just that CPU as missing, any other error is
 * returned. Call it before zfd_elf_writer_prologue() when the prologue
 * must be written first (stdout streaming).
 */
typedef int (*zfd_elf_mem_read_fn)(void *arg, uint64_t off, void *buf,
				   size_t len);
int zfd_elf_writer_collect(struct zfd_elf_writer *w, zfd_elf_mem_read_fn read,
			   void *arg);

/* Number of CPUs whose complete save area has not been seen (yet). */
unsigned int zfd_elf_writer_cpus_missing(const struct zfd_elf_writer *w);
/* True if the save area of CPU cpu (0-based, < cpu_cnt) was seen. */
bool zfd_elf_writer_cpu_seen(const struct zfd_elf_writer *w, unsigned int cpu);

/*
 * Builds the complete prologue (ELF header, program headers, notes, zero
 * padding) into buf, which must hold zfd_elf_writer_data_off() bytes.
 * Write these bytes at file offset 0. May be called at any time (e.g.
 * once with zero registers as a placeholder, again at finish); CPUs not
 * seen so far get zero registers.
 */
void zfd_elf_writer_prologue(const struct zfd_elf_writer *w, uint8_t *buf);

/*
 * For a dump that failed part-way: cuts the PT_LOADs to memory [0, good)
 * (good = memory offset up to which every byte was written), so that the
 * next zfd_elf_writer_prologue() describes only data that is really in
 * the file and a reader never takes missing memory for zeros. data_off
 * stays the same (unused program header slots become zero padding).
 * Can only shrink; CPUs whose save areas lie beyond good stay as they
 * were collected.
 */
void zfd_elf_writer_limit(struct zfd_elf_writer *w, uint64_t good);

/*
 * Removes memory [off, off + len) from the PT_LOADs, e.g. a range whose
 * data was lost (ZFD_BLK_LOST: the HSA was released before a failover
 * pass re-read it), so the ELF file never presents lost memory as zeros.
 * A load may be split in two; at most ZFD_ELF_SPARE_LOADS splits fit in
 * the reserved slots, more return -ENOSPC (then limit or fail the dump).
 * data_off does not change. Returns 0 or -ENOSPC.
 */
int zfd_elf_writer_exclude(struct zfd_elf_writer *w, uint64_t off,
			   uint64_t len);

/* Register state of CPU cpu as collected so far (zeros if not seen). */
const struct zfd_s390_cpu *zfd_elf_writer_cpu(const struct zfd_elf_writer *w,
					      unsigned int cpu);

/*
 * Typical use, streaming (the core's elf format for s390 models,
 * src/lib/format.c, collects at open instead of feeding):
 *	zfd_elf_writer_new(&w, hdr, chunks, nr_chunks, mem_size, why,
 *			   sizeof(why));
 *	off0 = zfd_elf_writer_data_off(w);
 *	at open:   optionally write a placeholder prologue (registers still
 *		   zero) so that even a dump cut off by a crash is an ELF file;
 *	per block: write the data at off0 + blk->offset (zero pages may
 *		   stay holes); for ZFD_BLK_DATA blocks also
 *		   zfd_elf_writer_feed(w, blk->offset, blk->data, blk->len);
 *	at finish: if the dump is incomplete, zfd_elf_writer_limit(w, good);
 *		   buf = malloc(off0); zfd_elf_writer_prologue(w, buf);
 *		   write buf at file offset 0; warn (one line) if
 *		   zfd_elf_writer_cpus_missing(w) is not 0.
 * One-shot (zfcpdump-get copy -f elf, also to stdout):
 *	zfd_elf_writer_new(&w, &hdr, chunks, n, hdr.mem_size, ...);
 *	zfd_elf_writer_collect(w, my_read, arg);
 *	zfd_elf_writer_prologue(w, buf); write buf (off0 bytes);
 *	loads = zfd_elf_writer_loads(w, &n);
 *	for each load: copy memory [start, start + size) to file offset
 *	off0 + start; on a pipe write zeros from the previous load's end
 *	up to there first. The file ends at zfd_elf_writer_file_size(w).
 * A sequential input (tape) that must go to a pipe cannot know the
 * registers before the memory: read it twice, or write to a file and use
 * the streaming pattern.
 */

/* ------------------------------------------------------------------ */
/* Reader: ELF core -> s390 dump, listing                             */
/* ------------------------------------------------------------------ */

/* One PT_LOAD, in host byte order. */
struct zfd_elf_load {
	uint64_t offset; /* p_offset */
	uint64_t paddr;	 /* p_paddr */
	uint64_t vaddr;	 /* p_vaddr */
	uint64_t filesz; /* bytes present in the file */
	uint64_t memsz;	 /* bytes of memory (> filesz: rest zeros) */
};

/* Which notes a CPU had (bits of zfd_elf_cpu.notes). */
/* clang-format off */
enum zfd_elf_cpu_note {
	ZFD_ELF_CPU_PRSTATUS	= 1 << 0,
	ZFD_ELF_CPU_FPREGS	= 1 << 1,
	ZFD_ELF_CPU_TIMER	= 1 << 2,
	ZFD_ELF_CPU_TODCMP	= 1 << 3,
	ZFD_ELF_CPU_TODPREG	= 1 << 4,
	ZFD_ELF_CPU_CTRS	= 1 << 5,
	ZFD_ELF_CPU_PREFIX	= 1 << 6,
};
/* clang-format on */

/*
 * One CPU: an NT_PRSTATUS note and the CPU notes that follow it up to the
 * next NT_PRSTATUS. Registers are decoded for s390x only (zeros
 * otherwise); fields whose note is absent are zero.
 */
struct zfd_elf_cpu {
	unsigned int notes; /* enum zfd_elf_cpu_note bits */
	uint32_t pid;	    /* pr_pid */
	uint64_t note_off;  /* its NT_PRSTATUS note inside info->notes */
	uint64_t note_len;
	struct zfd_s390_cpu regs;
};

struct zfd_elf_info {
	bool big_endian;   /* ELFDATA2MSB */
	uint8_t elf_class; /* ELFCLASS64 or ELFCLASS32 */
	uint16_t machine;  /* e_machine (EM_S390, EM_X86_64, ...) */
	bool s390x;	   /* EM_S390, ELFCLASS64, big-endian */
	/*
	 * The physical memory map: sorted by paddr, non-overlapping. Where
	 * PT_LOADs overlap physically (x86_64 describes its kernel text twice)
	 * the part a lower load covers is cut from the higher one, so every
	 * physical page is read once; overlaps is then set.
	 */
	size_t nr_loads;
	struct zfd_elf_load *loads;
	bool overlaps;
	/* every PT_LOAD with p_memsz > 0 as the file has it, in file order */
	size_t nr_segs;
	struct zfd_elf_load *segs;
	/* the bytes of every PT_NOTE segment, in order, unchanged */
	uint8_t *notes;
	uint64_t notes_len;
	size_t nr_cpus;
	struct zfd_elf_cpu *cpus; /* in note order */
	size_t nr_notes;	  /* all notes seen */
	bool has_prpsinfo;
	bool has_vmcoreinfo;	 /* the first VMCOREINFO note: its desc */
	uint64_t vmcoreinfo_off; /* inside notes */
	uint64_t vmcoreinfo_len;
	uint64_t mem_end;  /* highest paddr + memsz of any PT_LOAD */
	uint64_t data_end; /* highest offset + filesz: minimum file size */
	/* end of the ELF header, program headers and PT_NOTE data in the
	 * file: the prologue of a stored dump is this rounded up to 4096 */
	uint64_t headers_end;
	/*
	 * Only with ZFD_ELF_PARSE_TRUNCATED: the file ends before the data
	 * of its PT_LOADs; the loads were cut to what the file holds
	 * (filesz = memsz = bytes present, loads with nothing left dropped)
	 * and lost_bytes of described memory are missing. Treat the dump as
	 * incomplete (e.g. write no end marker when converting).
	 */
	bool truncated;
	uint64_t lost_bytes;
};

/* Flags of zfd_elf_parse_ex(). */
enum zfd_elf_parse_flags {
	/* accept PT_LOADs that extend beyond the end of the file (a cut-off
	 * copy or an incomplete dump): cut them, set info->truncated */
	ZFD_ELF_PARSE_TRUNCATED = 1 << 0,
};

/*
 * Reads up to len bytes at file offset off into buf; returns the number
 * of bytes read (short only at end of file) or -errno.
 */
typedef int64_t (*zfd_elf_file_read_fn)(void *arg, void *buf, size_t len,
					uint64_t off);

/*
 * Parses and validates an ELF core: ELF64 or ELF32, either byte order,
 * any machine (EM_S390 must be big-endian, EM_X86_64 64-bit
 * little-endian); CPU registers are decoded for s390x only. file_size is
 * the size of the file
 * (UINT64_MAX when unknown, e.g. a pipe - then out-of-file checks are up
 * to the reads). Reads only the ELF header, program headers and notes
 * (at most 16 MiB of notes); never reads outside [0, file_size).
 *
 * Returns 0 and a new *info (free with zfd_elf_info_free()), or
 *	-ENODEV	not an ELF file at all (no \177ELF magic): "not mine";
 *	-EINVAL	an ELF file that is not a usable core, why says what
 *		(class, byte order, type, machine, phnum, a PT_LOAD/PT_NOTE
 *		outside the file, PT_LOAD data overlapping in the file, a
 *		malformed note ...); physically overlapping PT_LOADs are
 *		fine (see loads above);
 *	-EIO etc. from read; -ENOMEM.
 */
int zfd_elf_parse(struct zfd_elf_info **info, zfd_elf_file_read_fn read,
		  void *arg, uint64_t file_size, char *why, size_t why_len);

/* The same with flags (enum zfd_elf_parse_flags); flags 0 = strict. */
int zfd_elf_parse_ex(struct zfd_elf_info **info, zfd_elf_file_read_fn read,
		     void *arg, uint64_t file_size, unsigned int flags,
		     char *why, size_t why_len);

/* The same on a file descriptor (pread; file_size as above). */
int zfd_elf_parse_fd(struct zfd_elf_info **info, int fd, uint64_t file_size,
		     char *why, size_t why_len);

int zfd_elf_parse_fd_ex(struct zfd_elf_info **info, int fd, uint64_t file_size,
			unsigned int flags, char *why, size_t why_len);

/* The same on a buffer holding the whole file (tests, fuzzing). */
int zfd_elf_parse_buf(struct zfd_elf_info **info, const uint8_t *buf,
		      size_t len, char *why, size_t why_len);
int zfd_elf_parse_buf_ex(struct zfd_elf_info **info, const uint8_t *buf,
			 size_t len, unsigned int flags, char *why,
			 size_t why_len);

void zfd_elf_info_free(struct zfd_elf_info *info);

/*
 * Builds an s390 dump header for converting the core to the s390 format:
 * magic, version 5, hdr_size and page_size 4096, dump_level 4, arch and
 * build_arch s390x, mem_start 0, mem_size = mem_size_real = info->mem_end
 * (rounded up to 4096), mem_end, num_pages, cpu_cnt = real_cpu_cnt =
 * nr_cpus, lc_vec[c] = NT_S390_PREFIX of CPU c; tod and cpu_id 0 (set
 * them yourself if you know better). Memory byte X of the s390 dump is
 * physical address X (see zfd_elf_map()).
 *
 * Returns -EOPNOTSUPP for a non-s390x core (e.g. x86_64), -EINVAL when
 * a CPU has no NT_S390_PREFIX note or there are more than 512 CPUs.
 */
int zfd_elf_to_s390_hdr(const struct zfd_elf_info *info,
			struct zfd_s390_hdr *hdr, char *why, size_t why_len);

/*
 * Where physical address addr comes from: on return *len bytes starting
 * at addr are either in the file at *file_off (returns true) or are zeros
 * (returns false: not covered by any PT_LOAD, or beyond p_filesz). *len is
 * at least 1 and ends at the next change (or UINT64_MAX - addr after the
 * last load). Use it to copy memory [0, mem_size) for a conversion.
 */
bool zfd_elf_map(const struct zfd_elf_info *info, uint64_t addr,
		 uint64_t *file_off, uint64_t *len);

/*
 * The save area of CPU cpu rebuilt from its notes, for patching it into
 * the prefix page (at lc_vec[cpu] + ZFD_S390_SA_OFF) when converting to
 * s390: encodes info->cpus[cpu].regs into the ZFD_S390_SA_SIZE bytes at sa
 * (padding bytes untouched, see zfd_s390_cpu_to_sa()).
 */
void zfd_elf_cpu_save_area(const struct zfd_elf_info *info, size_t cpu,
			   uint8_t *sa);

#endif /* ZFD_FMT_ELF_H */
