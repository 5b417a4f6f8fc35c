// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bounds-checked ELF core reader (ELF64 and ELF32, either byte order, any
 * machine; s390x CPU notes decoded). Every on-disk integer goes through
 * explicit byte-order helpers (be.h); no struct is overlaid on file bytes
 * (<elf.h> gives only the constants).
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
#include "fmt_elf_priv.h"
#include "util.h"

#define fail zfd_elf_fail

int zfd_elf_fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
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
	bool is64;	  /* ELFCLASS64 */
	size_t phentsize; /* 56 or 32 */
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

/* An address-sized field: 8 bytes in ELF64, 4 in ELF32. */
static uint64_t raddr(const struct rd *r, const uint8_t *p)
{
	return r->is64 ? r64(r, p) : r32(r, p);
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
		return fail(r->why, r->why_len,
			    "%s at offset %" PRIu64
			    " (%zu bytes) lies beyond the end of the file (%" PRIu64
			    " bytes)",
			    what, off, len, r->size);
	n = r->read(r->arg, buf, len, off);
	if (n < 0) {
		snprintf(r->why, r->why_len,
			 "cannot read %s at offset %" PRIu64 ": %s", what, off,
			 strerror((int)-n));
		return (int)n;
	}
	if ((uint64_t)n != len)
		return fail(r->why, r->why_len,
			    "file ends inside %s at "
			    "offset %" PRIu64,
			    what, off + (uint64_t)n);
	return 0;
}

void zfd_elf_info_free(struct zfd_elf_info *info)
{
	if (!info)
		return;
	free(info->loads);
	free(info->segs);
	free(info->cpus);
	free(info->notes);
	free(info);
}

/*
 * ELF header fields that differ between the classes: offsets of e_phoff,
 * e_shoff, e_phentsize, e_phnum, e_shentsize, and of sh_info in a section
 * header, plus the sizes.
 */
struct elf_layout {
	unsigned int ehsize, phentsize, shentsize;
	unsigned int phoff, shoff, e_phentsize, e_phnum, e_shentsize;
	unsigned int sh_info;
};

static const struct elf_layout layout64 = {
	.ehsize = 64,
	.phentsize = 56,
	.shentsize = 64,
	.phoff = 32,
	.shoff = 40,
	.e_phentsize = 54,
	.e_phnum = 56,
	.e_shentsize = 58,
	.sh_info = 44,
};

static const struct elf_layout layout32 = {
	.ehsize = 52,
	.phentsize = 32,
	.shentsize = 40,
	.phoff = 28,
	.shoff = 32,
	.e_phentsize = 42,
	.e_phnum = 44,
	.e_shentsize = 46,
	.sh_info = 28,
};

static int parse_ehdr(struct rd *r, const uint8_t *e, size_t len,
		      uint64_t *phoff, uint32_t *phnum)
{
	struct zfd_elf_info *info = r->info;
	const struct elf_layout *l;
	uint16_t type, phentsize;
	int rc;

	if (e[EI_CLASS] != ELFCLASS64 && e[EI_CLASS] != ELFCLASS32)
		return fail(r->why, r->why_len, "bad ELF class %u",
			    e[EI_CLASS]);
	r->is64 = e[EI_CLASS] == ELFCLASS64;
	l = r->is64 ? &layout64 : &layout32;
	info->elf_class = e[EI_CLASS];
	if (len < l->ehsize)
		return fail(r->why, r->why_len,
			    "file too short for an ELF "
			    "header (%zu bytes)",
			    len);
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
		return fail(r->why, r->why_len,
			    "not an ELF core file "
			    "(e_type %u, expected %u = ET_CORE)",
			    type, ET_CORE);
	info->machine = r16(r, e + 18);
	if (info->machine == EM_S390 && !r->be)
		return fail(r->why, r->why_len,
			    "EM_S390 core in "
			    "little-endian byte order");
	if (info->machine == EM_X86_64 && (r->be || !r->is64))
		return fail(r->why, r->why_len,
			    "EM_X86_64 core that is not "
			    "64-bit little-endian");
	if (info->machine == EM_NONE)
		return fail(r->why, r->why_len, "no machine (e_machine 0)");
	info->s390x = info->machine == EM_S390 && r->is64;
	phentsize = r16(r, e + l->e_phentsize);
	if (phentsize != l->phentsize)
		return fail(r->why, r->why_len,
			    "bad program header size %u "
			    "(expected %u)",
			    phentsize, l->phentsize);
	r->phentsize = l->phentsize;
	*phoff = raddr(r, e + l->phoff);
	*phnum = r16(r, e + l->e_phnum);
	if (*phnum == PN_XNUM) {
		/* extended numbering: the count is in section header 0 */
		uint64_t shoff = raddr(r, e + l->shoff);
		uint16_t shentsize = r16(r, e + l->e_shentsize);
		uint8_t sh[64];

		if (!shoff || shentsize < l->shentsize)
			return fail(r->why, r->why_len,
				    "e_phnum is PN_XNUM "
				    "but there is no section header 0");
		rc = read_exact(r, sh, l->shentsize, shoff, "section header 0");
		if (rc)
			return rc;
		*phnum = r32(r, sh + l->sh_info);
	}
	if (!*phnum)
		return fail(r->why, r->why_len, "no program headers");
	if (*phnum > MAX_PHNUM)
		return fail(r->why, r->why_len,
			    "%" PRIu32 " program headers "
			    "are too many (at most %u)",
			    *phnum, MAX_PHNUM);
	if (*phoff < l->ehsize)
		return fail(r->why, r->why_len,
			    "program headers at offset %" PRIu64
			    " overlap the ELF header",
			    *phoff);
	if (!in_file(r, *phoff, (uint64_t)*phnum * r->phentsize))
		return fail(r->why, r->why_len,
			    "%" PRIu32 " program headers "
			    "at offset %" PRIu64 " extend beyond the end of "
			    "the file (%" PRIu64 " bytes)",
			    *phnum, *phoff, r->size);
	return 0;
}

static int cmp_paddr(const void *a, const void *b)
{
	const struct zfd_elf_load *x = a, *y = b;

	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int cmp_offset(const void *a, const void *b)
{
	const struct zfd_elf_load *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * Builds info->loads, the physical memory map, from info->segs: sorted by
 * physical address, and where PT_LOADs overlap (a real x86_64 /proc/vmcore
 * describes the kernel text twice: its own PT_LOAD and the RAM one) the
 * part a lower PT_LOAD already covers is cut away, so that every physical
 * page is read once. info->segs keeps every program header as it was.
 */
static int build_map(struct rd *r)
{
	struct zfd_elf_info *info = r->info;
	uint64_t end = 0;
	size_t i, n = 0;

	memcpy(info->loads, info->segs, info->nr_segs * sizeof(*info->loads));
	qsort(info->loads, info->nr_segs, sizeof(*info->loads), cmp_paddr);
	for (i = 0; i < info->nr_segs; i++) {
		struct zfd_elf_load l = info->loads[i];
		uint64_t cut;

		if (n && l.paddr < end) {
			info->overlaps = true;
			cut = end - l.paddr;
			if (cut >= l.memsz)
				continue; /* wholly covered already */
			l.paddr += cut;
			l.vaddr += cut;
			l.memsz -= cut;
			if (cut >= l.filesz) {
				l.filesz = 0;
			} else {
				l.filesz -= cut;
				l.offset += cut;
			}
		}
		info->loads[n++] = l;
		end = l.paddr + l.memsz;
	}
	info->nr_loads = n;
	return 0;
}

static int check_loads(struct rd *r, uint64_t hdrs_end)
{
	struct zfd_elf_info *info = r->info;
	struct zfd_elf_load *byoff;
	size_t i, n = 0, reach = 0;
	int rc = 0;

	byoff = malloc((info->nr_segs ? info->nr_segs : 1) * sizeof(*byoff));
	if (!byoff)
		return -ENOMEM;
	for (i = 0; i < info->nr_segs; i++)
		if (info->segs[i].filesz)
			byoff[n++] = info->segs[i];
	qsort(byoff, n, sizeof(*byoff), cmp_offset);
	for (i = 0; i < n; i++) {
		if (byoff[i].offset < hdrs_end) {
			rc = fail(r->why, r->why_len,
				  "PT_LOAD data at offset %" PRIu64
				  " overlaps the ELF headers",
				  byoff[i].offset);
			break;
		}
		/* file bytes shared by two PT_LOADs are fine when they are the
		 * same physical memory (a kernel text PT_LOAD pointing into
		 * the RAM one, as zfcpdump's packed ELF writes it) */
		if (i &&
		    byoff[i].offset <
			    byoff[reach].offset + byoff[reach].filesz &&
		    byoff[i].offset - byoff[reach].offset !=
			    byoff[i].paddr - byoff[reach].paddr) {
			rc = fail(r->why, r->why_len,
				  "PT_LOAD data at file "
				  "offsets %" PRIu64 " and %" PRIu64 " overlap",
				  byoff[reach].offset, byoff[i].offset);
			break;
		}
		/* the one reaching furthest into the file so far */
		if (byoff[i].offset + byoff[i].filesz >
		    byoff[reach].offset + byoff[reach].filesz)
			reach = i;
	}
	free(byoff);
	if (!rc)
		rc = build_map(r);
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

static int new_cpu(struct rd *r, const uint8_t *desc, uint32_t descsz,
		   uint64_t note_off, uint64_t note_len)
{
	unsigned int pid_off = r->is64 ? PRSTATUS_OFF_PID : PRSTATUS32_OFF_PID;
	struct zfd_elf_info *info = r->info;
	size_t max = info->s390x ? ZFD_S390_MAX_CPUS : MAX_OTHER_CPUS;
	struct zfd_elf_cpu *cpus, *cpu;
	int i;

	if (info->s390x && descsz != PRSTATUS_SIZE)
		return fail(r->why, r->why_len,
			    "NT_PRSTATUS note %zu has %" PRIu32
			    " bytes (expected %d for s390x)",
			    info->nr_notes, descsz, PRSTATUS_SIZE);
	if (info->nr_cpus >= max)
		return fail(r->why, r->why_len,
			    "more than %zu CPUs "
			    "(NT_PRSTATUS notes)",
			    max);
	cpus = realloc(info->cpus, (info->nr_cpus + 1) * sizeof(*cpus));
	if (!cpus)
		return -ENOMEM;
	info->cpus = cpus;
	cpu = &cpus[info->nr_cpus++];
	memset(cpu, 0, sizeof(*cpu));
	cpu->notes = ZFD_ELF_CPU_PRSTATUS;
	cpu->note_off = note_off;
	cpu->note_len = note_len;
	if (descsz >= pid_off + 4)
		cpu->pid = r32(r, desc + pid_off);
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
		return 0; /* vector registers, last break, ...: ignored */
	}
	if (!info->nr_cpus)
		return fail(r->why, r->why_len,
			    "%s note %zu comes before the "
			    "first NT_PRSTATUS",
			    note_type_name(type), info->nr_notes);
	if (descsz != want)
		return fail(r->why, r->why_len,
			    "%s note %zu has %" PRIu32
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

/*
 * Parses the notes of one PT_NOTE segment, which lies at buf_off inside
 * info->notes (and at file_off in the file).
 */
static int parse_notes(struct rd *r, const uint8_t *buf, uint64_t len,
		       uint64_t file_off, uint64_t buf_off)
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
			return fail(r->why, r->why_len,
				    "truncated note header "
				    "at offset %" PRIu64,
				    file_off + pos);
		}
		namesz = r32(r, p);
		descsz = r32(r, p + 4);
		type = r32(r, p + 8);
		need = NOTE_HDR_SIZE + ALIGN4(namesz) + ALIGN4(descsz);
		if (need > left) {
			/* some producers do not pad the last descriptor */
			if (NOTE_HDR_SIZE + ALIGN4(namesz) + descsz > left)
				return fail(r->why, r->why_len,
					    "note at offset %" PRIu64
					    " (name %" PRIu64 ", desc %" PRIu64
					    " bytes) extends beyond its "
					    "PT_NOTE segment",
					    file_off + pos, namesz, descsz);
			need = left;
		}
		name = p + NOTE_HDR_SIZE;
		desc = name + ALIGN4(namesz);
		rc = 0;
		if (name_is(name, (uint32_t)namesz, NAME_CORE)) {
			if (type == NT_PRSTATUS)
				rc = new_cpu(r, desc, (uint32_t)descsz,
					     buf_off + pos, need);
			else if (type == NT_PRPSINFO)
				info->has_prpsinfo = true;
			else if (type == NT_PRFPREG && info->s390x)
				rc = cpu_note(r, type, desc, (uint32_t)descsz);
		} else if (name_is(name, (uint32_t)namesz, NAME_LINUX)) {
			if (info->s390x)
				rc = cpu_note(r, type, desc, (uint32_t)descsz);
		} else if (name_is(name, (uint32_t)namesz, NAME_VMCOREINFO) &&
			   !info->has_vmcoreinfo) {
			info->has_vmcoreinfo = true;
			info->vmcoreinfo_off = buf_off + (uint64_t)(desc - buf);
			info->vmcoreinfo_len =
				ZFD_MIN(descsz, len - (uint64_t)(desc - buf));
		}
		if (rc)
			return rc;
		info->nr_notes++;
		pos += need;
	}
	return 0;
}

/* One program header, decoded for either class. */
struct phdr {
	uint32_t type;
	uint64_t off, vaddr, paddr, filesz, memsz;
};

static void get_phdr(const struct rd *r, const uint8_t *p, struct phdr *h)
{
	h->type = r32(r, p);
	if (r->is64) {
		h->off = r64(r, p + 8);
		h->vaddr = r64(r, p + 16);
		h->paddr = r64(r, p + 24);
		h->filesz = r64(r, p + 32);
		h->memsz = r64(r, p + 40);
	} else {
		h->off = r32(r, p + 4);
		h->vaddr = r32(r, p + 8);
		h->paddr = r32(r, p + 12);
		h->filesz = r32(r, p + 16);
		h->memsz = r32(r, p + 20);
	}
}

static int parse_phdrs(struct rd *r, uint64_t phoff, uint32_t phnum)
{
	struct zfd_elf_info *info = r->info;
	uint64_t tbl_len = (uint64_t)phnum * r->phentsize;
	uint64_t notes_total = 0, pos;
	struct phdr h;
	uint8_t *tbl;
	uint32_t i;
	int rc;

	tbl = malloc(tbl_len);
	info->loads = calloc(phnum, sizeof(*info->loads));
	info->segs = calloc(phnum, sizeof(*info->segs));
	if (!tbl || !info->loads || !info->segs) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = read_exact(r, tbl, tbl_len, phoff, "the program headers");
	if (rc)
		goto out_free;

	for (i = 0; i < phnum; i++) {
		struct zfd_elf_load *l;

		get_phdr(r, tbl + (size_t)i * r->phentsize, &h);
		if (h.type != PT_LOAD && h.type != PT_NOTE)
			continue;
		if (h.type == PT_LOAD && !in_file(r, h.off, h.filesz) &&
		    (r->flags & ZFD_ELF_PARSE_TRUNCATED) &&
		    h.filesz <= h.memsz && h.memsz <= UINT64_MAX - h.paddr) {
			uint64_t have = h.off < r->size ? r->size - h.off : 0;

			have = ZFD_MIN(have, h.filesz);
			info->truncated = true;
			info->lost_bytes += h.memsz - have;
			if (!have)
				continue;
			h.filesz = h.memsz = have;
		}
		if (!in_file(r, h.off, h.filesz)) {
			rc = fail(r->why, r->why_len,
				  "%s %" PRIu32 " (offset %" PRIu64 ", %" PRIu64
				  " bytes) extends beyond "
				  "the end of the file (%" PRIu64 " bytes)",
				  h.type == PT_LOAD ? "PT_LOAD" : "PT_NOTE", i,
				  h.off, h.filesz, r->size);
			goto out_free;
		}
		if (h.type == PT_NOTE) {
			if (h.filesz > MAX_NOTES_SIZE - notes_total) {
				rc = fail(r->why, r->why_len,
					  "more than %u "
					  "bytes of notes",
					  MAX_NOTES_SIZE);
				goto out_free;
			}
			notes_total += h.filesz;
			info->headers_end = ZFD_MAX(info->headers_end,
						    h.off + h.filesz);
			continue;
		}
		if (h.filesz > h.memsz) {
			rc = fail(r->why, r->why_len,
				  "PT_LOAD %" PRIu32 " has p_filesz 0x%" PRIx64
				  " > p_memsz 0x%" PRIx64,
				  i, h.filesz, h.memsz);
			goto out_free;
		}
		if (h.memsz > UINT64_MAX - h.paddr) {
			rc = fail(r->why, r->why_len,
				  "PT_LOAD %" PRIu32 " (0x%" PRIx64
				  " + 0x%" PRIx64 ") wraps "
				  "around the address space",
				  i, h.paddr, h.memsz);
			goto out_free;
		}
		if (!h.memsz)
			continue;
		l = &info->segs[info->nr_segs++];
		l->offset = h.off;
		l->paddr = h.paddr;
		l->vaddr = h.vaddr;
		l->filesz = h.filesz;
		l->memsz = h.memsz;
		info->mem_end = ZFD_MAX(info->mem_end, h.paddr + h.memsz);
		if (h.filesz)
			info->data_end = ZFD_MAX(info->data_end,
						 h.off + h.filesz);
	}
	info->headers_end = ZFD_MAX(info->headers_end, phoff + tbl_len);
	rc = check_loads(r, phoff + tbl_len);
	if (rc)
		goto out_free;

	/* the notes, kept whole: every PT_NOTE segment in order */
	if (notes_total) {
		info->notes = malloc(notes_total);
		if (!info->notes) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	for (i = 0, pos = 0; i < phnum; i++) {
		get_phdr(r, tbl + (size_t)i * r->phentsize, &h);
		if (h.type != PT_NOTE || !h.filesz)
			continue;
		rc = read_exact(r, info->notes + pos, h.filesz, h.off,
				"the notes");
		if (!rc)
			rc = parse_notes(r, info->notes + pos, h.filesz, h.off,
					 pos);
		if (rc)
			goto out_free;
		pos += h.filesz;
	}
	info->notes_len = pos;

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
		.read = read,
		.arg = arg,
		.size = file_size,
		.flags = flags,
		.why = why,
		.why_len = why_len,
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
	if (n <= EI_CLASS)
		return fail(why, why_len,
			    "file too short for an ELF header "
			    "(%" PRId64 " bytes)",
			    n);

	r.info = calloc(1, sizeof(*r.info));
	if (!r.info) {
		fail(why, why_len, "out of memory");
		return -ENOMEM;
	}
	rc = parse_ehdr(&r, e, (size_t)n, &phoff, &phnum);
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

int zfd_elf_parse_fd_ex(struct zfd_elf_info **info, int fd, uint64_t file_size,
			unsigned int flags, char *why, size_t why_len)
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
		fail(why, why_len,
		     "only s390x ELF cores can be converted to "
		     "the s390 dump format (this one is for machine %u)",
		     info->machine);
		return -EOPNOTSUPP;
	}
	if (!info->nr_loads)
		return fail(why, why_len, "no PT_LOAD segments (no memory)");
	if (info->mem_end > UINT64_MAX / 2)
		return fail(why, why_len,
			    "memory end 0x%" PRIx64 " is impossible",
			    info->mem_end);
	if (info->nr_cpus > ZFD_S390_MAX_CPUS)
		return fail(why, why_len, "%zu CPUs are more than %d",
			    info->nr_cpus, ZFD_S390_MAX_CPUS);
	for (c = 0; c < info->nr_cpus; c++)
		if (!(info->cpus[c].notes & ZFD_ELF_CPU_PREFIX))
			return fail(why, why_len,
				    "CPU %zu has no "
				    "NT_S390_PREFIX note",
				    c);

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
	hdr->mem_end = mem_size; /* exclusive, as zcore has it */
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
