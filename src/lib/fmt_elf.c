// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ELF core files for s390x dumps: writer (s390 -> ELF) and bounds-checked
 * reader (ELF -> s390). Every on-disk integer goes through be.h; no struct
 * is overlaid on file bytes (<elf.h> gives only the constants).
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "fmt_elf.h"
#include "util.h"

/* s390 note types (also in newer <elf.h>; spelled out to be sure). */
#define ZFD_NT_S390_TIMER	0x301
#define ZFD_NT_S390_TODCMP	0x302
#define ZFD_NT_S390_TODPREG	0x303
#define ZFD_NT_S390_CTRS	0x304
#define ZFD_NT_S390_PREFIX	0x305

/* Descriptor sizes of the s390x notes (kernel structures, 64 bit). */
#define PRSTATUS_SIZE		336
#define PRSTATUS_OFF_PID	32
#define PRSTATUS_OFF_REG	112	/* s390_regs: psw, gprs, acrs, orig_gpr2 */
#define FPREGS_SIZE		136	/* fpc, pad, fprs[16] */
#define PRPSINFO_SIZE		136
#define PRPSINFO_OFF_SNAME	1
#define PRPSINFO_OFF_FNAME	40
#define CTRS_SIZE		128

#define NOTE_HDR_SIZE		12
#define ALIGN4(x)		(((x) + 3) & ~(uint64_t)3)
#define NAME_CORE		"CORE"
#define NAME_LINUX		"LINUX"
#define NAME_VMCOREINFO		"VMCOREINFO"

/* Reader limits: far above anything real, low enough to be harmless. */
#define MAX_PHNUM		(1U << 18)
#define MAX_NOTES_SIZE		(16U << 20)
#define MAX_OTHER_CPUS		8192

__attribute__((format(printf, 3, 4)))
static int fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static size_t note_size(const char *name, size_t descsz)
{
	return NOTE_HDR_SIZE + ALIGN4(strlen(name) + 1) + ALIGN4(descsz);
}

static size_t cpu_notes_size(void)
{
	return note_size(NAME_CORE, PRSTATUS_SIZE) +
	       note_size(NAME_CORE, FPREGS_SIZE) +
	       note_size(NAME_LINUX, 8) +		/* timer */
	       note_size(NAME_LINUX, 8) +		/* todcmp */
	       note_size(NAME_LINUX, 4) +		/* todpreg */
	       note_size(NAME_LINUX, CTRS_SIZE) +
	       note_size(NAME_LINUX, 4);		/* prefix */
}

static size_t notes_size(unsigned int cpu_cnt)
{
	return note_size(NAME_CORE, PRPSINFO_SIZE) +
	       (size_t)cpu_cnt * cpu_notes_size();
}

size_t zfd_elf_prologue_size(const struct zfd_s390_hdr *hdr, size_t nr_loads)
{
	size_t len = ZFD_ELF_EHDR_SIZE +
		     (1 + nr_loads + ZFD_ELF_SPARE_LOADS) * ZFD_ELF_PHDR_SIZE +
		     notes_size(hdr->cpu_cnt);

	return ZFD_ALIGN_UP(len, ZFD_PAGE_SIZE);
}

/* ------------------------------------------------------------------ */
/* Writer                                                             */
/* ------------------------------------------------------------------ */

struct wcpu {
	uint32_t prefix;		/* lc_vec[c] */
	uint64_t sa_off;		/* memory offset of the save area, or
					 * UINT64_MAX if not in memory */
	bool seen;
	unsigned int have_cnt;		/* bytes of the save area seen */
	uint64_t have[ZFD_S390_SA_SIZE / 64];	/* bitmap of those bytes */
	uint8_t sa[ZFD_S390_SA_SIZE];
	struct zfd_s390_cpu regs;
};

struct zfd_elf_writer {
	uint64_t mem_start;
	uint64_t mem_size;
	unsigned int cpu_cnt;
	size_t nr_loads;
	size_t max_loads;		/* phdr slots for PT_LOADs */
	struct zfd_range *loads;
	uint64_t data_off;
	struct wcpu *cpus;
};

void zfd_elf_writer_free(struct zfd_elf_writer *w)
{
	if (!w)
		return;
	free(w->loads);
	free(w->cpus);
	free(w);
}

static int set_loads(struct zfd_elf_writer *w, const struct zfd_range *chunks,
		     size_t nr_chunks, char *why, size_t why_len)
{
	uint64_t prev_end = 0;
	size_t i;

	if (!chunks || !nr_chunks) {
		w->loads = calloc(1 + ZFD_ELF_SPARE_LOADS, sizeof(*w->loads));
		if (!w->loads)
			return -ENOMEM;
		if (w->mem_size) {
			w->loads[0].size = w->mem_size;
			w->nr_loads = 1;
		}
		return 0;
	}
	if (nr_chunks > SIZE_MAX / sizeof(*w->loads) - ZFD_ELF_SPARE_LOADS)
		return fail(why, why_len, "too many memory chunks");
	w->loads = calloc(nr_chunks + ZFD_ELF_SPARE_LOADS, sizeof(*w->loads));
	if (!w->loads)
		return -ENOMEM;
	for (i = 0; i < nr_chunks; i++) {
		uint64_t start = chunks[i].start, size = chunks[i].size;

		if (size > UINT64_MAX - start)
			return fail(why, why_len, "memory chunk %zu (0x%" PRIx64
				    " + 0x%" PRIx64 ") wraps around", i, start,
				    size);
		if (i && start < prev_end)
			return fail(why, why_len, "memory chunk %zu at 0x%"
				    PRIx64 " is not above the previous one "
				    "(ending at 0x%" PRIx64 ")", i, start,
				    prev_end);
		prev_end = start + size;
		if (start >= w->mem_size || !size)
			continue;
		if (size > w->mem_size - start)
			size = w->mem_size - start;
		w->loads[w->nr_loads].start = start;
		w->loads[w->nr_loads].size = size;
		w->nr_loads++;
	}
	if (w->nr_loads > ZFD_ELF_MAX_LOADS)
		return fail(why, why_len, "%zu memory chunks are more than an "
			    "ELF core can describe (%d)", w->nr_loads,
			    ZFD_ELF_MAX_LOADS);
	return 0;
}

int zfd_elf_writer_new(struct zfd_elf_writer **wp,
		       const struct zfd_s390_hdr *hdr,
		       const struct zfd_range *chunks, size_t nr_chunks,
		       uint64_t mem_size, char *why, size_t why_len)
{
	struct zfd_elf_writer *w;
	unsigned int c;
	int rc;

	*wp = NULL;
	if (hdr->arch == ZFD_S390_ARCH_S390) {
		fail(why, why_len, "31-bit s390 dumps (arch 1) cannot be "
		     "written as ELF; only s390x (arch 2) is supported");
		return -EOPNOTSUPP;
	}
	if (hdr->arch != ZFD_S390_ARCH_S390X)
		return fail(why, why_len, "unknown dump architecture %" PRIu32
			    " (expected 2 = s390x)", hdr->arch);
	if (hdr->cpu_cnt > ZFD_S390_MAX_CPUS)
		return fail(why, why_len, "cpu_cnt %u exceeds %d",
			    hdr->cpu_cnt, ZFD_S390_MAX_CPUS);
	if (mem_size > UINT64_MAX - hdr->mem_start ||
	    mem_size > (UINT64_MAX >> 1))
		return fail(why, why_len, "memory size 0x%" PRIx64
			    " at 0x%" PRIx64 " is impossible", mem_size,
			    hdr->mem_start);

	w = calloc(1, sizeof(*w));
	if (!w) {
		fail(why, why_len, "out of memory");
		return -ENOMEM;
	}
	w->mem_start = hdr->mem_start;
	w->mem_size = mem_size;
	w->cpu_cnt = hdr->cpu_cnt;
	rc = set_loads(w, chunks, nr_chunks, why, why_len);
	if (rc)
		goto out_free;
	w->cpus = calloc(w->cpu_cnt ? w->cpu_cnt : 1, sizeof(*w->cpus));
	if (!w->cpus) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (c = 0; c < w->cpu_cnt; c++) {
		struct wcpu *cpu = &w->cpus[c];
		uint64_t abs = (uint64_t)hdr->lc_vec[c] + ZFD_S390_SA_OFF;

		cpu->prefix = hdr->lc_vec[c];
		cpu->regs.prefix = cpu->prefix;
		if (abs < w->mem_start ||
		    abs - w->mem_start > mem_size ||
		    mem_size - (abs - w->mem_start) < ZFD_S390_SA_SIZE)
			cpu->sa_off = UINT64_MAX;
		else
			cpu->sa_off = abs - w->mem_start;
	}
	w->max_loads = w->nr_loads + ZFD_ELF_SPARE_LOADS;
	w->data_off = zfd_elf_prologue_size(hdr, w->nr_loads);
	*wp = w;
	return 0;

out_free:
	if (rc == -ENOMEM)
		fail(why, why_len, "out of memory");
	zfd_elf_writer_free(w);
	return rc;
}

int zfd_elf_writer_new_info(struct zfd_elf_writer **w,
			    const struct zfd_dump_info *info,
			    char *why, size_t why_len)
{
	struct zfd_s390_hdr *hdr;
	int rc;

	hdr = malloc(sizeof(*hdr));
	if (!hdr) {
		*w = NULL;
		fail(why, why_len, "out of memory");
		return -ENOMEM;
	}
	zfd_s390_hdr_decode(info->hdr, hdr);
	rc = zfd_elf_writer_new(w, hdr, info->chunks, info->nr_chunks,
				info->mem_size, why, why_len);
	free(hdr);
	return rc;
}

uint64_t zfd_elf_writer_data_off(const struct zfd_elf_writer *w)
{
	return w->data_off;
}

uint64_t zfd_elf_writer_file_size(const struct zfd_elf_writer *w)
{
	const struct zfd_range *last;

	if (!w->nr_loads)
		return w->data_off;
	last = &w->loads[w->nr_loads - 1];
	return w->data_off + last->start + last->size;
}

const struct zfd_range *zfd_elf_writer_loads(const struct zfd_elf_writer *w,
					     size_t *nr_loads)
{
	*nr_loads = w->nr_loads;
	return w->loads;
}

void zfd_elf_writer_feed(struct zfd_elf_writer *w, uint64_t off,
			 const void *data, size_t len)
{
	uint64_t end = len > UINT64_MAX - off ? UINT64_MAX : off + len;
	unsigned int c;

	for (c = 0; c < w->cpu_cnt; c++) {
		struct wcpu *cpu = &w->cpus[c];
		uint64_t from, to, i;

		if (cpu->seen || cpu->sa_off == UINT64_MAX)
			continue;
		from = ZFD_MAX(off, cpu->sa_off);
		to = ZFD_MIN(end, cpu->sa_off + ZFD_S390_SA_SIZE);
		if (from >= to)
			continue;
		memcpy(cpu->sa + (from - cpu->sa_off),
		       (const uint8_t *)data + (from - off), to - from);
		for (i = from - cpu->sa_off; i < to - cpu->sa_off; i++) {
			if (cpu->have[i / 64] & (1ULL << (i % 64)))
				continue;
			cpu->have[i / 64] |= 1ULL << (i % 64);
			cpu->have_cnt++;
		}
		if (cpu->have_cnt == ZFD_S390_SA_SIZE) {
			cpu->seen = true;
			zfd_s390_cpu_from_sa(&cpu->regs, cpu->sa);
			/* the header's prefix is authoritative */
			cpu->regs.prefix = cpu->prefix;
		}
	}
}

static bool in_loads(const struct zfd_elf_writer *w, uint64_t off,
		     uint64_t len)
{
	size_t i;

	for (i = 0; i < w->nr_loads; i++) {
		const struct zfd_range *r = &w->loads[i];

		if (off >= r->start && off - r->start < r->size &&
		    r->size - (off - r->start) >= len)
			return true;
	}
	return false;
}

int zfd_elf_writer_collect(struct zfd_elf_writer *w, zfd_elf_mem_read_fn read,
			   void *arg)
{
	uint8_t buf[ZFD_S390_SA_SIZE];
	unsigned int c;
	int rc;

	for (c = 0; c < w->cpu_cnt; c++) {
		struct wcpu *cpu = &w->cpus[c];

		if (cpu->seen || cpu->sa_off == UINT64_MAX ||
		    !in_loads(w, cpu->sa_off, ZFD_S390_SA_SIZE))
			continue;
		rc = read(arg, cpu->sa_off, buf, sizeof(buf));
		if (rc == -EFAULT || rc == -ENXIO || rc == -EIO)
			continue;
		if (rc)
			return rc;
		zfd_elf_writer_feed(w, cpu->sa_off, buf, sizeof(buf));
	}
	return 0;
}

unsigned int zfd_elf_writer_cpus_missing(const struct zfd_elf_writer *w)
{
	unsigned int c, n = 0;

	for (c = 0; c < w->cpu_cnt; c++)
		n += !w->cpus[c].seen;
	return n;
}

bool zfd_elf_writer_cpu_seen(const struct zfd_elf_writer *w, unsigned int cpu)
{
	return cpu < w->cpu_cnt && w->cpus[cpu].seen;
}

const struct zfd_s390_cpu *zfd_elf_writer_cpu(const struct zfd_elf_writer *w,
					      unsigned int cpu)
{
	return cpu < w->cpu_cnt ? &w->cpus[cpu].regs : NULL;
}

void zfd_elf_writer_limit(struct zfd_elf_writer *w, uint64_t good)
{
	size_t i, n = 0;

	for (i = 0; i < w->nr_loads; i++) {
		struct zfd_range *r = &w->loads[i];

		if (r->start >= good)
			break;
		if (r->size > good - r->start)
			r->size = good - r->start;
		n++;
	}
	w->nr_loads = n;
}

int zfd_elf_writer_exclude(struct zfd_elf_writer *w, uint64_t off,
			   uint64_t len)
{
	uint64_t end = len > UINT64_MAX - off ? UINT64_MAX : off + len;
	size_t i;

	for (i = 0; i < w->nr_loads; i++) {
		struct zfd_range *r = &w->loads[i];
		uint64_t rend = r->start + r->size;

		if (rend <= off || r->start >= end)
			continue;
		if (r->start >= off && rend <= end) {
			/* wholly excluded */
			memmove(r, r + 1, (w->nr_loads - i - 1) * sizeof(*r));
			w->nr_loads--;
			i--;
		} else if (r->start < off && rend > end) {
			/* a hole in the middle: split */
			if (w->nr_loads >= w->max_loads)
				return -ENOSPC;
			memmove(r + 2, r + 1,
				(w->nr_loads - i - 1) * sizeof(*r));
			r[1].start = end;
			r[1].size = rend - end;
			r->size = off - r->start;
			w->nr_loads++;
			i++;
		} else if (r->start < off) {
			r->size = off - r->start;
		} else {
			r->start = end;
			r->size = rend - end;
		}
	}
	return 0;
}

/* Writes one note at p; returns its size. desc may be NULL (zeros). */
static size_t put_note(uint8_t *p, const char *name, uint32_t type,
		       const void *desc, size_t descsz)
{
	size_t namesz = strlen(name) + 1;

	zfd_put_be32(p, (uint32_t)namesz);
	zfd_put_be32(p + 4, (uint32_t)descsz);
	zfd_put_be32(p + 8, type);
	memcpy(p + NOTE_HDR_SIZE, name, namesz);
	p += NOTE_HDR_SIZE + ALIGN4(namesz);
	if (desc)
		memcpy(p, desc, descsz);
	return note_size(name, descsz);
}

static size_t put_u32_note(uint8_t *p, uint32_t type, uint32_t v)
{
	uint8_t d[4];

	zfd_put_be32(d, v);
	return put_note(p, NAME_LINUX, type, d, sizeof(d));
}

static size_t put_u64_note(uint8_t *p, uint32_t type, uint64_t v)
{
	uint8_t d[8];

	zfd_put_be64(d, v);
	return put_note(p, NAME_LINUX, type, d, sizeof(d));
}

static size_t put_cpu_notes(uint8_t *p, unsigned int c,
			    const struct zfd_s390_cpu *r)
{
	uint8_t d[PRSTATUS_SIZE];
	uint8_t *q = p;
	int i;

	memset(d, 0, sizeof(d));
	zfd_put_be32(d + PRSTATUS_OFF_PID, c + 1);
	zfd_put_be64(d + PRSTATUS_OFF_REG, r->psw[0]);
	zfd_put_be64(d + PRSTATUS_OFF_REG + 8, r->psw[1]);
	for (i = 0; i < 16; i++) {
		zfd_put_be64(d + PRSTATUS_OFF_REG + 16 + 8 * i, r->gprs[i]);
		zfd_put_be32(d + PRSTATUS_OFF_REG + 144 + 4 * i, r->acrs[i]);
	}
	/* orig_gpr2 (PRSTATUS_OFF_REG + 208) and pr_fpvalid stay 0, as
	 * zgetdump writes them: the notes are byte-identical to its own */
	q += put_note(q, NAME_CORE, NT_PRSTATUS, d, PRSTATUS_SIZE);

	memset(d, 0, FPREGS_SIZE);
	zfd_put_be32(d, r->fpc);
	for (i = 0; i < 16; i++)
		zfd_put_be64(d + 8 + 8 * i, r->fprs[i]);
	q += put_note(q, NAME_CORE, NT_PRFPREG, d, FPREGS_SIZE);

	q += put_u64_note(q, ZFD_NT_S390_TIMER, r->timer);
	q += put_u64_note(q, ZFD_NT_S390_TODCMP, r->todcmp);
	q += put_u32_note(q, ZFD_NT_S390_TODPREG, r->todpreg);
	for (i = 0; i < 16; i++)
		zfd_put_be64(d + 8 * i, r->crs[i]);
	q += put_note(q, NAME_LINUX, ZFD_NT_S390_CTRS, d, CTRS_SIZE);
	q += put_u32_note(q, ZFD_NT_S390_PREFIX, r->prefix);
	return q - p;
}

static void put_phdr(uint8_t *p, uint32_t type, uint32_t flags, uint64_t off,
		     uint64_t addr, uint64_t size, uint64_t align)
{
	zfd_put_be32(p, type);
	zfd_put_be32(p + 4, flags);
	zfd_put_be64(p + 8, off);
	zfd_put_be64(p + 16, addr);		/* p_vaddr */
	zfd_put_be64(p + 24, addr);		/* p_paddr */
	zfd_put_be64(p + 32, size);		/* p_filesz */
	zfd_put_be64(p + 40, size);		/* p_memsz */
	zfd_put_be64(p + 48, align);
}

void zfd_elf_writer_prologue(const struct zfd_elf_writer *w, uint8_t *buf)
{
	size_t phnum = 1 + w->nr_loads;
	/* the notes follow all phdr slots, so their place never moves */
	uint64_t notes_off = ZFD_ELF_EHDR_SIZE +
			     (1 + w->max_loads) * ZFD_ELF_PHDR_SIZE;
	uint8_t psinfo[PRPSINFO_SIZE];
	uint8_t *p;
	unsigned int c;
	size_t i;

	memset(buf, 0, w->data_off);

	/* ELF header */
	memcpy(buf, ELFMAG, SELFMAG);
	buf[EI_CLASS] = ELFCLASS64;
	buf[EI_DATA] = ELFDATA2MSB;
	buf[EI_VERSION] = EV_CURRENT;
	buf[EI_OSABI] = ELFOSABI_NONE;
	zfd_put_be16(buf + 16, ET_CORE);
	zfd_put_be16(buf + 18, EM_S390);
	zfd_put_be32(buf + 20, EV_CURRENT);
	zfd_put_be64(buf + 24, 0);			/* e_entry */
	zfd_put_be64(buf + 32, ZFD_ELF_EHDR_SIZE);	/* e_phoff */
	zfd_put_be64(buf + 40, 0);			/* e_shoff */
	zfd_put_be32(buf + 48, 0);			/* e_flags */
	zfd_put_be16(buf + 52, ZFD_ELF_EHDR_SIZE);
	zfd_put_be16(buf + 54, ZFD_ELF_PHDR_SIZE);
	zfd_put_be16(buf + 56, (uint16_t)phnum);
	/* e_shentsize, e_shnum, e_shstrndx: 0 */

	/* program headers */
	p = buf + ZFD_ELF_EHDR_SIZE;
	put_phdr(p, PT_NOTE, 0, notes_off, 0, notes_size(w->cpu_cnt), 4);
	p += ZFD_ELF_PHDR_SIZE;
	for (i = 0; i < w->nr_loads; i++, p += ZFD_ELF_PHDR_SIZE)
		put_phdr(p, PT_LOAD, PF_R | PF_W | PF_X,
			 w->data_off + w->loads[i].start,
			 w->mem_start + w->loads[i].start,
			 w->loads[i].size, 0);

	/* notes */
	p = buf + notes_off;
	memset(psinfo, 0, sizeof(psinfo));
	psinfo[PRPSINFO_OFF_SNAME] = 'R';
	memcpy(psinfo + PRPSINFO_OFF_FNAME, "vmlinux", 7);
	p += put_note(p, NAME_CORE, NT_PRPSINFO, psinfo, sizeof(psinfo));
	for (c = 0; c < w->cpu_cnt; c++)
		p += put_cpu_notes(p, c, &w->cpus[c].regs);
}

/* ------------------------------------------------------------------ */
/* Reader                                                             */
/* ------------------------------------------------------------------ */

struct rd {
	zfd_elf_file_read_fn read;
	void *arg;
	uint64_t size;
	unsigned int flags;
	bool be;
	char *why;
	size_t why_len;
	struct zfd_elf_info *info;
};

static uint16_t r16(const struct rd *r, const uint8_t *p)
{
	return r->be ? zfd_get_be16(p) : zfd_get_le16(p);
}

static uint32_t r32(const struct rd *r, const uint8_t *p)
{
	return r->be ? zfd_get_be32(p) : zfd_get_le32(p);
}

static uint64_t r64(const struct rd *r, const uint8_t *p)
{
	return r->be ? zfd_get_be64(p) : zfd_get_le64(p);
}

/* True if [off, off + len) lies inside the file. */
static bool in_file(const struct rd *r, uint64_t off, uint64_t len)
{
	return off <= r->size && len <= r->size - off;
}

/* Reads exactly len bytes at off; what names the thing for the error. */
static int read_exact(struct rd *r, void *buf, size_t len, uint64_t off,
		      const char *what)
{
	int64_t n;

	if (!in_file(r, off, len))
		return fail(r->why, r->why_len, "%s at offset %" PRIu64
			    " (%zu bytes) lies beyond the end of the file (%"
			    PRIu64 " bytes)", what, off, len, r->size);
	n = r->read(r->arg, buf, len, off);
	if (n < 0) {
		snprintf(r->why, r->why_len, "cannot read %s at offset %"
			 PRIu64 ": %s", what, off, strerror((int)-n));
		return (int)n;
	}
	if ((uint64_t)n != len)
		return fail(r->why, r->why_len, "file ends inside %s at "
			    "offset %" PRIu64, what, off + (uint64_t)n);
	return 0;
}

void zfd_elf_info_free(struct zfd_elf_info *info)
{
	if (!info)
		return;
	free(info->loads);
	free(info->cpus);
	free(info);
}

static int parse_ehdr(struct rd *r, const uint8_t *e, uint64_t *phoff,
		      uint32_t *phnum)
{
	struct zfd_elf_info *info = r->info;
	uint16_t type, phentsize;
	int rc;

	if (e[EI_CLASS] == ELFCLASS32)
		return fail(r->why, r->why_len, "32-bit ELF (ELFCLASS32) is "
			    "not supported, only ELF64 cores");
	if (e[EI_CLASS] != ELFCLASS64)
		return fail(r->why, r->why_len, "bad ELF class %u", e[EI_CLASS]);
	if (e[EI_DATA] != ELFDATA2MSB && e[EI_DATA] != ELFDATA2LSB)
		return fail(r->why, r->why_len, "bad ELF byte order %u",
			    e[EI_DATA]);
	r->be = e[EI_DATA] == ELFDATA2MSB;
	info->big_endian = r->be;
	if (e[EI_VERSION] != EV_CURRENT || r32(r, e + 20) != EV_CURRENT)
		return fail(r->why, r->why_len, "bad ELF version %u",
			    e[EI_VERSION]);
	type = r16(r, e + 16);
	if (type != ET_CORE)
		return fail(r->why, r->why_len, "not an ELF core file "
			    "(e_type %u, expected %u = ET_CORE)", type, ET_CORE);
	info->machine = r16(r, e + 18);
	if (info->machine == EM_S390) {
		if (!r->be)
			return fail(r->why, r->why_len, "EM_S390 core in "
				    "little-endian byte order");
		info->s390x = true;
	} else if (info->machine == EM_X86_64) {
		if (r->be)
			return fail(r->why, r->why_len, "EM_X86_64 core in "
				    "big-endian byte order");
	} else {
		return fail(r->why, r->why_len, "unsupported machine %u "
			    "(only s390x and x86_64 cores)", info->machine);
	}
	phentsize = r16(r, e + 54);
	if (phentsize != ZFD_ELF_PHDR_SIZE)
		return fail(r->why, r->why_len, "bad program header size %u "
			    "(expected %d)", phentsize, ZFD_ELF_PHDR_SIZE);
	*phoff = r64(r, e + 32);
	*phnum = r16(r, e + 56);
	if (*phnum == PN_XNUM) {
		/* extended numbering: the count is in section header 0 */
		uint64_t shoff = r64(r, e + 40);
		uint16_t shentsize = r16(r, e + 58);
		uint8_t sh[64];

		if (!shoff || shentsize < sizeof(sh))
			return fail(r->why, r->why_len, "e_phnum is PN_XNUM "
				    "but there is no section header 0");
		rc = read_exact(r, sh, sizeof(sh), shoff, "section header 0");
		if (rc)
			return rc;
		*phnum = r32(r, sh + 44);
	}
	if (!*phnum)
		return fail(r->why, r->why_len, "no program headers");
	if (*phnum > MAX_PHNUM)
		return fail(r->why, r->why_len, "%" PRIu32 " program headers "
			    "are too many (at most %u)", *phnum, MAX_PHNUM);
	if (*phoff < ZFD_ELF_EHDR_SIZE)
		return fail(r->why, r->why_len, "program headers at offset %"
			    PRIu64 " overlap the ELF header", *phoff);
	if (!in_file(r, *phoff, (uint64_t)*phnum * ZFD_ELF_PHDR_SIZE))
		return fail(r->why, r->why_len, "%" PRIu32 " program headers "
			    "at offset %" PRIu64 " extend beyond the end of "
			    "the file (%" PRIu64 " bytes)", *phnum, *phoff,
			    r->size);
	return 0;
}

static int cmp_paddr(const void *a, const void *b)
{
	const struct zfd_elf_load *x = a, *y = b;

	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

static int cmp_offset(const void *a, const void *b)
{
	const struct zfd_elf_load *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int check_loads(struct rd *r, uint64_t hdrs_end)
{
	struct zfd_elf_info *info = r->info;
	struct zfd_elf_load *byoff;
	size_t i, n = 0;
	int rc = 0;

	qsort(info->loads, info->nr_loads, sizeof(*info->loads), cmp_paddr);
	for (i = 1; i < info->nr_loads; i++) {
		const struct zfd_elf_load *a = &info->loads[i - 1];
		const struct zfd_elf_load *b = &info->loads[i];

		if (b->paddr < a->paddr + a->memsz)
			return fail(r->why, r->why_len, "PT_LOAD segments at "
				    "physical addresses 0x%" PRIx64 " and 0x%"
				    PRIx64 " overlap", a->paddr, b->paddr);
	}
	byoff = malloc((info->nr_loads ? info->nr_loads : 1) * sizeof(*byoff));
	if (!byoff)
		return -ENOMEM;
	for (i = 0; i < info->nr_loads; i++)
		if (info->loads[i].filesz)
			byoff[n++] = info->loads[i];
	qsort(byoff, n, sizeof(*byoff), cmp_offset);
	for (i = 0; i < n; i++) {
		if (byoff[i].offset < hdrs_end) {
			rc = fail(r->why, r->why_len, "PT_LOAD data at offset %"
				  PRIu64 " overlaps the ELF headers",
				  byoff[i].offset);
			break;
		}
		if (i && byoff[i].offset <
			 byoff[i - 1].offset + byoff[i - 1].filesz) {
			rc = fail(r->why, r->why_len, "PT_LOAD data at file "
				  "offsets %" PRIu64 " and %" PRIu64
				  " overlap", byoff[i - 1].offset,
				  byoff[i].offset);
			break;
		}
	}
	free(byoff);
	return rc;
}

static const char *note_type_name(uint32_t type)
{
	switch (type) {
	case NT_PRFPREG:
		return "NT_PRFPREG";
	case ZFD_NT_S390_TIMER:
		return "NT_S390_TIMER";
	case ZFD_NT_S390_TODCMP:
		return "NT_S390_TODCMP";
	case ZFD_NT_S390_TODPREG:
		return "NT_S390_TODPREG";
	case ZFD_NT_S390_CTRS:
		return "NT_S390_CTRS";
	case ZFD_NT_S390_PREFIX:
		return "NT_S390_PREFIX";
	default:
		return "note";
	}
}

static bool name_is(const uint8_t *name, uint32_t namesz, const char *s)
{
	size_t len = strlen(s);

	/* "CORE" with or without its terminating NUL in namesz */
	if (namesz == len + 1)
		return !memcmp(name, s, len + 1);
	return namesz == len && !memcmp(name, s, len);
}

static int new_cpu(struct rd *r, const uint8_t *desc, uint32_t descsz)
{
	struct zfd_elf_info *info = r->info;
	size_t max = info->s390x ? ZFD_S390_MAX_CPUS : MAX_OTHER_CPUS;
	struct zfd_elf_cpu *cpus, *cpu;
	int i;

	if (info->s390x && descsz != PRSTATUS_SIZE)
		return fail(r->why, r->why_len, "NT_PRSTATUS note %zu has %"
			    PRIu32 " bytes (expected %d for s390x)",
			    info->nr_notes, descsz, PRSTATUS_SIZE);
	if (info->nr_cpus >= max)
		return fail(r->why, r->why_len, "more than %zu CPUs "
			    "(NT_PRSTATUS notes)", max);
	cpus = realloc(info->cpus, (info->nr_cpus + 1) * sizeof(*cpus));
	if (!cpus)
		return -ENOMEM;
	info->cpus = cpus;
	cpu = &cpus[info->nr_cpus++];
	memset(cpu, 0, sizeof(*cpu));
	cpu->notes = ZFD_ELF_CPU_PRSTATUS;
	if (descsz >= PRSTATUS_OFF_PID + 4)
		cpu->pid = r32(r, desc + PRSTATUS_OFF_PID);
	if (!info->s390x)
		return 0;
	cpu->regs.psw[0] = zfd_get_be64(desc + PRSTATUS_OFF_REG);
	cpu->regs.psw[1] = zfd_get_be64(desc + PRSTATUS_OFF_REG + 8);
	for (i = 0; i < 16; i++) {
		cpu->regs.gprs[i] = zfd_get_be64(desc + PRSTATUS_OFF_REG + 16 +
						 8 * i);
		cpu->regs.acrs[i] = zfd_get_be32(desc + PRSTATUS_OFF_REG + 144 +
						 4 * i);
	}
	return 0;
}

/* An s390 CPU note (other than NT_PRSTATUS) for the current CPU. */
static int cpu_note(struct rd *r, uint32_t type, const uint8_t *desc,
		    uint32_t descsz)
{
	struct zfd_elf_info *info = r->info;
	struct zfd_s390_cpu *regs;
	unsigned int bit;
	uint32_t want;
	int i;

	switch (type) {
	case NT_PRFPREG:
		bit = ZFD_ELF_CPU_FPREGS;
		want = FPREGS_SIZE;
		break;
	case ZFD_NT_S390_TIMER:
		bit = ZFD_ELF_CPU_TIMER;
		want = 8;
		break;
	case ZFD_NT_S390_TODCMP:
		bit = ZFD_ELF_CPU_TODCMP;
		want = 8;
		break;
	case ZFD_NT_S390_TODPREG:
		bit = ZFD_ELF_CPU_TODPREG;
		want = 4;
		break;
	case ZFD_NT_S390_CTRS:
		bit = ZFD_ELF_CPU_CTRS;
		want = CTRS_SIZE;
		break;
	case ZFD_NT_S390_PREFIX:
		bit = ZFD_ELF_CPU_PREFIX;
		want = 4;
		break;
	default:
		return 0;	/* vector registers, last break, ...: ignored */
	}
	if (!info->nr_cpus)
		return fail(r->why, r->why_len, "%s note %zu comes before the "
			    "first NT_PRSTATUS", note_type_name(type),
			    info->nr_notes);
	if (descsz != want)
		return fail(r->why, r->why_len, "%s note %zu has %" PRIu32
			    " bytes (expected %" PRIu32 ")",
			    note_type_name(type), info->nr_notes, descsz, want);
	if (info->cpus[info->nr_cpus - 1].notes & bit)
		return fail(r->why, r->why_len, "duplicate %s note for CPU %zu",
			    note_type_name(type), info->nr_cpus - 1);
	info->cpus[info->nr_cpus - 1].notes |= bit;
	regs = &info->cpus[info->nr_cpus - 1].regs;
	switch (type) {
	case NT_PRFPREG:
		regs->fpc = zfd_get_be32(desc);
		for (i = 0; i < 16; i++)
			regs->fprs[i] = zfd_get_be64(desc + 8 + 8 * i);
		break;
	case ZFD_NT_S390_TIMER:
		regs->timer = zfd_get_be64(desc);
		break;
	case ZFD_NT_S390_TODCMP:
		regs->todcmp = zfd_get_be64(desc);
		break;
	case ZFD_NT_S390_TODPREG:
		regs->todpreg = zfd_get_be32(desc);
		break;
	case ZFD_NT_S390_CTRS:
		for (i = 0; i < 16; i++)
			regs->crs[i] = zfd_get_be64(desc + 8 * i);
		break;
	case ZFD_NT_S390_PREFIX:
		regs->prefix = zfd_get_be32(desc);
		break;
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

static int parse_notes(struct rd *r, const uint8_t *buf, uint64_t len,
		       uint64_t file_off)
{
	struct zfd_elf_info *info = r->info;
	uint64_t pos = 0;
	int rc;

	while (pos < len) {
		uint64_t left = len - pos, namesz, descsz, need;
		const uint8_t *p = buf + pos;
		const uint8_t *name, *desc;
		uint32_t type;

		if (left < NOTE_HDR_SIZE) {
			if (all_zero(p, left))
				break;
			return fail(r->why, r->why_len, "truncated note header "
				    "at offset %" PRIu64, file_off + pos);
		}
		namesz = r32(r, p);
		descsz = r32(r, p + 4);
		type = r32(r, p + 8);
		need = NOTE_HDR_SIZE + ALIGN4(namesz) + ALIGN4(descsz);
		if (need > left) {
			/* some producers do not pad the last descriptor */
			if (NOTE_HDR_SIZE + ALIGN4(namesz) + descsz > left)
				return fail(r->why, r->why_len, "note at offset %"
					    PRIu64 " (name %" PRIu64 ", desc %"
					    PRIu64 " bytes) extends beyond its "
					    "PT_NOTE segment", file_off + pos,
					    namesz, descsz);
			need = left;
		}
		name = p + NOTE_HDR_SIZE;
		desc = name + ALIGN4(namesz);
		rc = 0;
		if (name_is(name, (uint32_t)namesz, NAME_CORE)) {
			if (type == NT_PRSTATUS)
				rc = new_cpu(r, desc, (uint32_t)descsz);
			else if (type == NT_PRPSINFO)
				info->has_prpsinfo = true;
			else if (type == NT_PRFPREG && info->s390x)
				rc = cpu_note(r, type, desc, (uint32_t)descsz);
		} else if (name_is(name, (uint32_t)namesz, NAME_LINUX)) {
			if (info->s390x)
				rc = cpu_note(r, type, desc, (uint32_t)descsz);
		} else if (name_is(name, (uint32_t)namesz, NAME_VMCOREINFO)) {
			info->has_vmcoreinfo = true;
		}
		if (rc)
			return rc;
		info->nr_notes++;
		pos += need;
	}
	return 0;
}

static int parse_phdrs(struct rd *r, uint64_t phoff, uint32_t phnum)
{
	struct zfd_elf_info *info = r->info;
	uint64_t tbl_len = (uint64_t)phnum * ZFD_ELF_PHDR_SIZE;
	uint64_t notes_total = 0;
	uint8_t *tbl, *notes = NULL;
	uint32_t i;
	int rc;

	tbl = malloc(tbl_len);
	info->loads = calloc(phnum, sizeof(*info->loads));
	if (!tbl || !info->loads) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = read_exact(r, tbl, tbl_len, phoff, "the program headers");
	if (rc)
		goto out_free;

	for (i = 0; i < phnum; i++) {
		const uint8_t *p = tbl + (size_t)i * ZFD_ELF_PHDR_SIZE;
		uint32_t type = r32(r, p);
		uint64_t off = r64(r, p + 8);
		uint64_t vaddr = r64(r, p + 16);
		uint64_t paddr = r64(r, p + 24);
		uint64_t filesz = r64(r, p + 32);
		uint64_t memsz = r64(r, p + 40);
		struct zfd_elf_load *l;

		if (type != PT_LOAD && type != PT_NOTE)
			continue;
		if (type == PT_LOAD && !in_file(r, off, filesz) &&
		    (r->flags & ZFD_ELF_PARSE_TRUNCATED) && filesz <= memsz &&
		    memsz <= UINT64_MAX - paddr) {
			uint64_t have = off < r->size ? r->size - off : 0;

			have = ZFD_MIN(have, filesz);
			info->truncated = true;
			info->lost_bytes += memsz - have;
			if (!have)
				continue;
			filesz = memsz = have;
		}
		if (!in_file(r, off, filesz)) {
			rc = fail(r->why, r->why_len, "%s %" PRIu32 " (offset %"
				  PRIu64 ", %" PRIu64 " bytes) extends beyond "
				  "the end of the file (%" PRIu64 " bytes)",
				  type == PT_LOAD ? "PT_LOAD" : "PT_NOTE", i,
				  off, filesz, r->size);
			goto out_free;
		}
		if (type == PT_NOTE) {
			if (filesz > MAX_NOTES_SIZE - notes_total) {
				rc = fail(r->why, r->why_len, "more than %u "
					  "bytes of notes", MAX_NOTES_SIZE);
				goto out_free;
			}
			notes_total += filesz;
			continue;
		}
		if (filesz > memsz) {
			rc = fail(r->why, r->why_len, "PT_LOAD %" PRIu32
				  " has p_filesz 0x%" PRIx64 " > p_memsz 0x%"
				  PRIx64, i, filesz, memsz);
			goto out_free;
		}
		if (memsz > UINT64_MAX - paddr) {
			rc = fail(r->why, r->why_len, "PT_LOAD %" PRIu32
				  " (0x%" PRIx64 " + 0x%" PRIx64 ") wraps "
				  "around the address space", i, paddr, memsz);
			goto out_free;
		}
		if (!memsz)
			continue;
		l = &info->loads[info->nr_loads++];
		l->offset = off;
		l->paddr = paddr;
		l->vaddr = vaddr;
		l->filesz = filesz;
		l->memsz = memsz;
		info->mem_end = ZFD_MAX(info->mem_end, paddr + memsz);
		if (filesz)
			info->data_end = ZFD_MAX(info->data_end, off + filesz);
	}
	rc = check_loads(r, phoff + tbl_len);
	if (rc)
		goto out_free;

	/* notes, segment by segment */
	for (i = 0; i < phnum; i++) {
		const uint8_t *p = tbl + (size_t)i * ZFD_ELF_PHDR_SIZE;
		uint64_t off = r64(r, p + 8);
		uint64_t filesz = r64(r, p + 32);

		if (r32(r, p) != PT_NOTE || !filesz)
			continue;
		notes = malloc(filesz);
		if (!notes) {
			rc = -ENOMEM;
			goto out_free;
		}
		rc = read_exact(r, notes, filesz, off, "the notes");
		if (!rc)
			rc = parse_notes(r, notes, filesz, off);
		free(notes);
		notes = NULL;
		if (rc)
			goto out_free;
	}

out_free:
	if (rc == -ENOMEM)
		fail(r->why, r->why_len, "out of memory");
	free(tbl);
	return rc;
}

int zfd_elf_parse(struct zfd_elf_info **infop, zfd_elf_file_read_fn read,
		  void *arg, uint64_t file_size, char *why, size_t why_len)
{
	return zfd_elf_parse_ex(infop, read, arg, file_size, 0, why, why_len);
}

int zfd_elf_parse_ex(struct zfd_elf_info **infop, zfd_elf_file_read_fn read,
		     void *arg, uint64_t file_size, unsigned int flags,
		     char *why, size_t why_len)
{
	struct rd r = {
		.read = read, .arg = arg, .size = file_size, .flags = flags,
		.why = why, .why_len = why_len,
	};
	uint8_t e[ZFD_ELF_EHDR_SIZE];
	uint64_t phoff = 0;
	uint32_t phnum = 0;
	int64_t n;
	int rc;

	*infop = NULL;
	if (why_len)
		why[0] = 0;
	n = read(arg, e, (size_t)ZFD_MIN(sizeof(e), file_size), 0);
	if (n < 0) {
		snprintf(why, why_len, "cannot read the ELF header: %s",
			 strerror((int)-n));
		return (int)n;
	}
	if (n < SELFMAG || memcmp(e, ELFMAG, SELFMAG)) {
		snprintf(why, why_len, "no ELF magic");
		return -ENODEV;
	}
	if (n < ZFD_ELF_EHDR_SIZE)
		return fail(why, why_len, "file too short for an ELF header "
			    "(%" PRId64 " bytes)", n);

	r.info = calloc(1, sizeof(*r.info));
	if (!r.info) {
		fail(why, why_len, "out of memory");
		return -ENOMEM;
	}
	rc = parse_ehdr(&r, e, &phoff, &phnum);
	if (!rc)
		rc = parse_phdrs(&r, phoff, phnum);
	if (rc) {
		zfd_elf_info_free(r.info);
		return rc;
	}
	*infop = r.info;
	return 0;
}

static int64_t fd_read(void *arg, void *buf, size_t len, uint64_t off)
{
	return zfd_pread_full(*(int *)arg, buf, len, off);
}

int zfd_elf_parse_fd_ex(struct zfd_elf_info **info, int fd,
			uint64_t file_size, unsigned int flags, char *why,
			size_t why_len)
{
	return zfd_elf_parse_ex(info, fd_read, &fd, file_size, flags, why,
				why_len);
}

int zfd_elf_parse_fd(struct zfd_elf_info **info, int fd, uint64_t file_size,
		     char *why, size_t why_len)
{
	return zfd_elf_parse_fd_ex(info, fd, file_size, 0, why, why_len);
}

struct membuf {
	const uint8_t *buf;
	size_t len;
};

static int64_t buf_read(void *arg, void *buf, size_t len, uint64_t off)
{
	const struct membuf *m = arg;

	if (off >= m->len)
		return 0;
	len = ZFD_MIN(len, m->len - off);
	memcpy(buf, m->buf + off, len);
	return (int64_t)len;
}

int zfd_elf_parse_buf_ex(struct zfd_elf_info **info, const uint8_t *buf,
			 size_t len, unsigned int flags, char *why,
			 size_t why_len)
{
	struct membuf m = { .buf = buf, .len = len };

	return zfd_elf_parse_ex(info, buf_read, &m, len, flags, why, why_len);
}

int zfd_elf_parse_buf(struct zfd_elf_info **info, const uint8_t *buf,
		      size_t len, char *why, size_t why_len)
{
	return zfd_elf_parse_buf_ex(info, buf, len, 0, why, why_len);
}

int zfd_elf_to_s390_hdr(const struct zfd_elf_info *info,
			struct zfd_s390_hdr *hdr, char *why, size_t why_len)
{
	uint64_t mem_size, pages;
	size_t c;

	if (!info->s390x) {
		fail(why, why_len, "only s390x ELF cores can be converted to "
		     "the s390 dump format (this one is for machine %u)",
		     info->machine);
		return -EOPNOTSUPP;
	}
	if (!info->nr_loads)
		return fail(why, why_len, "no PT_LOAD segments (no memory)");
	if (info->mem_end > UINT64_MAX / 2)
		return fail(why, why_len, "memory end 0x%" PRIx64
			    " is impossible", info->mem_end);
	if (info->nr_cpus > ZFD_S390_MAX_CPUS)
		return fail(why, why_len, "%zu CPUs are more than %d",
			    info->nr_cpus, ZFD_S390_MAX_CPUS);
	for (c = 0; c < info->nr_cpus; c++)
		if (!(info->cpus[c].notes & ZFD_ELF_CPU_PREFIX))
			return fail(why, why_len, "CPU %zu has no "
				    "NT_S390_PREFIX note", c);

	mem_size = ZFD_ALIGN_UP(info->mem_end, (uint64_t)ZFD_S390_PAGE_SIZE);
	pages = mem_size / ZFD_S390_PAGE_SIZE;
	memset(hdr, 0, sizeof(*hdr));
	hdr->magic = ZFD_S390_MAGIC;
	hdr->version = 5;
	hdr->hdr_size = ZFD_S390_HDR_SIZE;
	hdr->dump_level = 4;
	hdr->page_size = ZFD_S390_PAGE_SIZE;
	hdr->mem_size = mem_size;
	hdr->mem_start = 0;
	hdr->mem_end = mem_size;	/* exclusive, as zcore has it */
	hdr->num_pages = pages > UINT32_MAX ? UINT32_MAX : (uint32_t)pages;
	hdr->arch = ZFD_S390_ARCH_S390X;
	hdr->build_arch = ZFD_S390_ARCH_S390X;
	hdr->mem_size_real = mem_size;
	hdr->cpu_cnt = (uint16_t)info->nr_cpus;
	hdr->real_cpu_cnt = (uint16_t)info->nr_cpus;
	for (c = 0; c < info->nr_cpus; c++)
		hdr->lc_vec[c] = info->cpus[c].regs.prefix;
	return 0;
}

bool zfd_elf_map(const struct zfd_elf_info *info, uint64_t addr,
		 uint64_t *file_off, uint64_t *len)
{
	size_t lo = 0, hi = info->nr_loads;
	const struct zfd_elf_load *l;
	uint64_t rel;

	/* first load that ends above addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		l = &info->loads[mid];
		if (l->paddr + l->memsz <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*file_off = 0;
	if (lo == info->nr_loads) {
		*len = addr == UINT64_MAX ? 1 : UINT64_MAX - addr;
		return false;
	}
	l = &info->loads[lo];
	if (l->paddr > addr) {
		*len = l->paddr - addr;
		return false;
	}
	rel = addr - l->paddr;
	if (rel < l->filesz) {
		*file_off = l->offset + rel;
		*len = l->filesz - rel;
		return true;
	}
	*len = l->memsz - rel;
	return false;
}

void zfd_elf_cpu_save_area(const struct zfd_elf_info *info, size_t cpu,
			   uint8_t *sa)
{
	zfd_s390_cpu_to_sa(&info->cpus[cpu].regs, sa);
}
