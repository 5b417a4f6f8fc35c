// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ELF core writer for s390x dumps (s390 dump -> ELF). Every on-disk
 * integer goes through be.h; no struct is overlaid on file bytes (<elf.h>
 * gives only the constants).
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "fmt_elf.h"
#include "fmt_elf_priv.h"
#include "util.h"

#define fail	  zfd_elf_fail
#define note_size zfd_elf_note_size

static size_t cpu_notes_size(void)
{
	return note_size(NAME_CORE, PRSTATUS_SIZE) +
	       note_size(NAME_CORE, FPREGS_SIZE) +
	       note_size(NAME_LINUX, 8) + /* timer */
	       note_size(NAME_LINUX, 8) + /* todcmp */
	       note_size(NAME_LINUX, 4) + /* todpreg */
	       note_size(NAME_LINUX, CTRS_SIZE) +
	       note_size(NAME_LINUX, 4); /* prefix */
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
	uint32_t prefix; /* lc_vec[c] */
	uint64_t sa_off; /* memory offset of the save area, or
			  * UINT64_MAX if not in memory */
	bool seen;
	unsigned int have_cnt;		      /* bytes of the save area seen */
	uint64_t have[ZFD_S390_SA_SIZE / 64]; /* bitmap of those bytes */
	uint8_t sa[ZFD_S390_SA_SIZE];
	struct zfd_s390_cpu regs;
};

struct zfd_elf_writer {
	uint64_t mem_start;
	uint64_t mem_size;
	unsigned int cpu_cnt;
	size_t nr_loads;
	size_t max_loads; /* phdr slots for PT_LOADs */
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
			return fail(why, why_len,
				    "memory chunk %zu (0x%" PRIx64
				    " + 0x%" PRIx64 ") wraps around",
				    i, start, size);
		if (i && start < prev_end)
			return fail(why, why_len,
				    "memory chunk %zu at 0x%" PRIx64
				    " is not above the previous one "
				    "(ending at 0x%" PRIx64 ")",
				    i, start, prev_end);
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
		return fail(why, why_len,
			    "%zu memory chunks are more than an "
			    "ELF core can describe (%d)",
			    w->nr_loads, ZFD_ELF_MAX_LOADS);
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
		fail(why, why_len,
		     "31-bit s390 dumps (arch 1) cannot be "
		     "written as ELF; only s390x (arch 2) is supported");
		return -EOPNOTSUPP;
	}
	if (hdr->arch != ZFD_S390_ARCH_S390X)
		return fail(why, why_len,
			    "unknown dump architecture %" PRIu32
			    " (expected 2 = s390x)",
			    hdr->arch);
	if (hdr->cpu_cnt > ZFD_S390_MAX_CPUS)
		return fail(why, why_len, "cpu_cnt %u exceeds %d", hdr->cpu_cnt,
			    ZFD_S390_MAX_CPUS);
	if (mem_size > UINT64_MAX - hdr->mem_start ||
	    mem_size > (UINT64_MAX >> 1))
		return fail(why, why_len,
			    "memory size 0x%" PRIx64 " at 0x%" PRIx64
			    " is impossible",
			    mem_size, hdr->mem_start);

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
		if (abs < w->mem_start || abs - w->mem_start > mem_size ||
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

static bool in_loads(const struct zfd_elf_writer *w, uint64_t off, uint64_t len)
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

int zfd_elf_writer_exclude(struct zfd_elf_writer *w, uint64_t off, uint64_t len)
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
	zfd_put_be64(p + 16, addr); /* p_vaddr */
	zfd_put_be64(p + 24, addr); /* p_paddr */
	zfd_put_be64(p + 32, size); /* p_filesz */
	zfd_put_be64(p + 40, size); /* p_memsz */
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
	zfd_put_be64(buf + 24, 0);		   /* e_entry */
	zfd_put_be64(buf + 32, ZFD_ELF_EHDR_SIZE); /* e_phoff */
	zfd_put_be64(buf + 40, 0);		   /* e_shoff */
	zfd_put_be32(buf + 48, 0);		   /* e_flags */
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
			 w->mem_start + w->loads[i].start, w->loads[i].size, 0);

	/* notes */
	p = buf + notes_off;
	memset(psinfo, 0, sizeof(psinfo));
	psinfo[PRPSINFO_OFF_SNAME] = 'R';
	memcpy(psinfo + PRPSINFO_OFF_FNAME, "vmlinux", 7);
	p += put_note(p, NAME_CORE, NT_PRPSINFO, psinfo, sizeof(psinfo));
	for (c = 0; c < w->cpu_cnt; c++)
		p += put_cpu_notes(p, c, &w->cpus[c].regs);
}
