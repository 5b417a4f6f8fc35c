// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zfd-mkimage: writes a deterministic s390 standalone dump image (header +
 * memory, optionally the end marker), or an ELF core like /proc/vmcore
 * (--format elf: x86_64 or s390x), for tests, benchmarks and the demo.
 *
 * Memory is made of three kinds of pages, chosen from a hash of the seed
 * and the page (or 1 MiB region, or run) number: zero pages, compressible
 * text and random bytes. CPU c gets its prefix (lowcore) area at 0x20000 + c*0x2000
 * with a planted s390x save area; see plant_save_area().
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "be.h"
#include "fmt_s390.h"
#include "s390_cpu.h"
#include "util.h"

#define REGION_SIZE (1ULL << 20)
#define MAX_HOLES   64
#define CHUNK_SIZE  (4ULL << 20)

struct hole {
	uint64_t start;
	uint64_t len;
};

struct opts {
	const char *out;
	const char *memmap;
	uint64_t size;
	uint64_t seed;
	unsigned int mix[3]; /* zero, text, random percent */
	enum { LAYOUT_RUNS, LAYOUT_INTERLEAVED, LAYOUT_MIXED } layout;
	unsigned int cpus;
	unsigned int arch;
	bool x86_64;	    /* --arch x86_64 (ELF only) */
	bool elf;	    /* --format elf */
	const char *kernel; /* OSRELEASE of the ELF core */
	bool symbols;	    /* --symbols: kernel data for makedumpfile */
	bool sparse;	    /* --sparse: zero pages as file holes */
	bool end_marker;
	struct hole holes[MAX_HOLES];
	size_t nr_holes;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t prefix_of(unsigned int cpu)
{
	return 0x20000 + (uint64_t)cpu * 0x2000;
}

enum page_kind { PAGE_ZERO, PAGE_TEXT, PAGE_RANDOM };

static enum page_kind kind_of(const struct opts *o, uint64_t unit)
{
	unsigned int r = (unsigned int)(mix64(o->seed * 0x9e3779b97f4a7c15ULL +
					      unit) %
					100);

	if (r < o->mix[0])
		return PAGE_ZERO;
	if (r < o->mix[0] + o->mix[1])
		return PAGE_TEXT;
	return PAGE_RANDOM;
}

/*
 * --layout mixed: each 4 MiB block is cut into runs of 2^k pages (k drawn
 * evenly from 0..10: 4 KiB to 4 MiB, so single pages and long runs of
 * each kind alternate as in real memory), each run of one kind drawn with
 * the --mix weights. The kinds of the last block asked for are kept.
 */
#define MIXED_BLOCK 1024 /* pages */

static enum page_kind mixed_kind(const struct opts *o, uint64_t page)
{
	static uint8_t kinds[MIXED_BLOCK];
	static uint64_t cached = UINT64_MAX;
	uint64_t block = page / MIXED_BLOCK, x, run = 0;
	unsigned int p = 0, len, i;

	if (block != cached) {
		while (p < MIXED_BLOCK) {
			x = mix64((o->seed << 40) ^ (block * 0x100000001b3ULL) ^
				  run++);
			len = 1U << (x % 11);
			for (i = 0; i < len && p < MIXED_BLOCK; i++)
				kinds[p++] = (uint8_t)kind_of(o, x >> 8);
		}
		cached = block;
	}
	return (enum page_kind)kinds[page % MIXED_BLOCK];
}

static enum page_kind page_kind(const struct opts *o, uint64_t page)
{
	switch (o->layout) {
	case LAYOUT_INTERLEAVED:
		return kind_of(o, page);
	case LAYOUT_MIXED:
		return mixed_kind(o, page);
	default:
		return kind_of(o, page * ZFD_S390_PAGE_SIZE / REGION_SIZE);
	}
}

static void fill_page(const struct opts *o, uint64_t page, uint8_t *p)
{
	uint64_t x;
	size_t i, n;

	switch (page_kind(o, page)) {
	case PAGE_ZERO:
		memset(p, 0, ZFD_S390_PAGE_SIZE);
		break;
	case PAGE_TEXT:
		n = 0;
		while (n < ZFD_S390_PAGE_SIZE) {
			char line[80];
			int len = snprintf(line, sizeof(line),
					   "page %016" PRIx64 " seed %" PRIu64
					   " kernel text sample\n",
					   page, o->seed);

			memcpy(p + n, line,
			       ZFD_MIN((size_t)len, ZFD_S390_PAGE_SIZE - n));
			n += (size_t)len;
		}
		break;
	case PAGE_RANDOM:
		x = mix64(o->seed ^ (page * 0x2545f4914f6cdd1dULL)) | 1;
		for (i = 0; i < ZFD_S390_PAGE_SIZE / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* big-endian like all s390 memory: the same image on every host */
			zfd_put_be64(p + 8 * i, x);
		}
		break;
	}
}

/* Register values a test can recompute; all big-endian in memory. */
static void plant_save_area(uint8_t *lc, unsigned int c)
{
	uint64_t cc = (uint64_t)c << 8;
	int r;

	memset(lc, 0, 0x2000);
	for (r = 0; r < 16; r++) {
		zfd_put_be64(lc + 0x1200 + 8 * r,
			     0x4650520000000000ULL | cc | (unsigned int)r);
		zfd_put_be64(lc + 0x1280 + 8 * r,
			     0x4750520000000000ULL | cc | (unsigned int)r);
		zfd_put_be32(lc + 0x1340 + 4 * r,
			     0x41430000U | (uint32_t)cc | (unsigned int)r);
		zfd_put_be64(lc + 0x1380 + 8 * r,
			     0x4352000000000000ULL | cc | (unsigned int)r);
	}
	zfd_put_be64(lc + 0x1300, 0x0705000180000000ULL);
	zfd_put_be64(lc + 0x1308, 0x0000000000100000ULL + (uint64_t)c * 0x100);
	zfd_put_be32(lc + 0x1318, (uint32_t)prefix_of(c));
	zfd_put_be32(lc + 0x131c, c);
	zfd_put_be32(lc + 0x1324, 0x1000 + c);
	zfd_put_be64(lc + 0x1328, 0x54494d4552000000ULL | c);
	zfd_put_be64(lc + 0x1330, 0x434c4b434d500000ULL | c);
}

static bool in_hole(const struct opts *o, uint64_t off)
{
	size_t i;

	for (i = 0; i < o->nr_holes; i++)
		if (off >= o->holes[i].start &&
		    off - o->holes[i].start < o->holes[i].len)
			return true;
	return false;
}

static int write_memmap(const struct opts *o)
{
	FILE *f = fopen(o->memmap, "w");
	uint64_t off = 0, start;

	if (!f) {
		fprintf(stderr, "zfd-mkimage: %s: %s\n", o->memmap,
			strerror(errno));
		return -errno;
	}
	while (off < o->size) {
		while (off < o->size && in_hole(o, off))
			off += ZFD_S390_PAGE_SIZE;
		if (off >= o->size)
			break;
		start = off;
		while (off < o->size && !in_hole(o, off))
			off += ZFD_S390_PAGE_SIZE;
		fprintf(f, "%016" PRIx64 " %016" PRIx64 " ", start,
			off - start);
	}
	fprintf(f, "%016" PRIx64 " %016" PRIx64 " ", (uint64_t)0, (uint64_t)0);
	if (fclose(f)) {
		fprintf(stderr, "zfd-mkimage: %s: %s\n", o->memmap,
			strerror(errno));
		return -EIO;
	}
	return 0;
}

static bool page_is_zero(const uint8_t *p)
{
	return p[0] == 0 && memcmp(p, p + 1, ZFD_S390_PAGE_SIZE - 1) == 0;
}

/* Memory bytes at off; --sparse leaves zero pages as holes of the file. */
static int write_mem(const struct opts *o, int fd, const uint8_t *buf,
		     uint64_t len, uint64_t off)
{
	uint64_t pos = 0, end;

	if (!o->sparse)
		return zfd_pwrite_full(fd, buf, len, off) < 0 ? -EIO : 0;
	while (pos < len) {
		while (pos < len && page_is_zero(buf + pos))
			pos += ZFD_S390_PAGE_SIZE;
		for (end = pos; end < len && !page_is_zero(buf + end);)
			end += ZFD_S390_PAGE_SIZE;
		if (end > pos &&
		    zfd_pwrite_full(fd, buf + pos, end - pos, off + pos) < 0)
			return -EIO;
		pos = end;
	}
	return 0;
}

static int write_image(const struct opts *o)
{
	struct zfd_s390_hdr hdr;
	uint8_t *buf;
	uint64_t off, len, page, pos;
	unsigned int c;
	int fd, rc = 0;

	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = ZFD_S390_MAGIC;
	hdr.version = 5;
	hdr.hdr_size = ZFD_S390_HDR_SIZE;
	hdr.dump_level = 4;
	hdr.page_size = ZFD_S390_PAGE_SIZE;
	hdr.mem_size = o->size;
	hdr.mem_start = 0;
	hdr.mem_end = o->size; /* exclusive, as zcore has it */
	hdr.num_pages = (uint32_t)(o->size / ZFD_S390_PAGE_SIZE);
	hdr.tod = zfd_tod_from_unix(1767225600 + (int64_t)(o->seed % 86400), 0);
	hdr.cpu_id = 0xff00012320640000ULL | (o->seed & 0xffff);
	hdr.arch = o->arch;
	hdr.build_arch = o->arch;
	hdr.mem_size_real = o->size;
	hdr.cpu_cnt = (uint16_t)o->cpus;
	hdr.real_cpu_cnt = (uint16_t)o->cpus;
	for (c = 0; c < o->cpus; c++)
		hdr.lc_vec[c] = (uint32_t)prefix_of(c);

	buf = aligned_alloc(ZFD_ALIGN, CHUNK_SIZE);
	if (!buf)
		return -ENOMEM;
	fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		rc = -errno;
		fprintf(stderr, "zfd-mkimage: %s: %s\n", o->out,
			strerror(errno));
		goto out_free;
	}
	zfd_s390_hdr_encode(&hdr, buf);
	if (zfd_pwrite_full(fd, buf, ZFD_S390_HDR_SIZE, 0) < 0)
		goto out_werr;
	for (off = 0; off < o->size; off += len) {
		len = ZFD_MIN(CHUNK_SIZE, o->size - off);
		for (pos = 0; pos < len; pos += ZFD_S390_PAGE_SIZE) {
			page = (off + pos) / ZFD_S390_PAGE_SIZE;
			if (in_hole(o, off + pos))
				memset(buf + pos, 0, ZFD_S390_PAGE_SIZE);
			else
				fill_page(o, page, buf + pos);
		}
		for (c = 0; c < o->cpus; c++) {
			uint64_t pf = prefix_of(c);

			if (pf >= off && pf + 0x2000 <= off + len &&
			    !in_hole(o, pf))
				plant_save_area(buf + (pf - off), c);
		}
		if (write_mem(o, fd, buf, len, ZFD_S390_HDR_SIZE + off))
			goto out_werr;
	}
	if (o->sparse && ftruncate(fd, (off_t)(ZFD_S390_HDR_SIZE + o->size)))
		goto out_werr;
	if (o->end_marker) {
		zfd_s390_end_marker(buf, hdr.tod + (60ULL * 1000000 << 12));
		if (zfd_pwrite_full(fd, buf, ZFD_S390_END_SIZE,
				    ZFD_S390_HDR_SIZE + o->size) < 0)
			goto out_werr;
	}
	if (close(fd)) {
		fd = -1;
		goto out_werr;
	}
	free(buf);
	return 0;

out_werr:
	rc = -EIO;
	fprintf(stderr, "zfd-mkimage: write %s: %s\n", o->out, strerror(errno));
	if (fd >= 0)
		close(fd);
out_free:
	free(buf);
	return rc;
}

/*
 * --format elf: an ELF64 core laid out like /proc/vmcore. Program headers:
 * PT_NOTE, then (x86_64) the kernel text PT_LOAD, then one PT_LOAD per
 * run of memory between holes; each PT_LOAD has its own data in the file
 * (so the kernel text bytes are there twice, as in /proc/vmcore). Notes:
 * per CPU an NT_PRSTATUS ("CORE", pid c + 1; s390x: followed by the
 * kernel's s390 register notes, with the values planted in the save
 * areas), then VMCOREINFO with OSRELEASE, PAGESIZE and CRASHTIME.
 * Memory is the same as in the s390 image of the same seed.
 */
#define ELF_EHDR    64
#define ELF_PHDR    56
#define KTEXT_VADDR 0xffffffff81000000ULL
#define DIRECT_MAP  0xffff888000000000ULL
#define MAX_LOADS   (MAX_HOLES + 2)

/* The x86_64 kernel text: [*start, *start + *len) physical. */
static void ktext_range(const struct opts *o, uint64_t *start, uint64_t *len)
{
	*start = ZFD_ALIGN_DOWN(o->size / 4, (uint64_t)ZFD_S390_PAGE_SIZE);
	*len = ZFD_MIN(2ULL << 20,
		       ZFD_ALIGN_DOWN(o->size / 8,
				      (uint64_t)ZFD_S390_PAGE_SIZE));
}

/*
 * --symbols (x86_64): the kernel data makedumpfile reads before it dumps,
 * in the last KDATA_PAGES pages of the kernel text: page tables mapping
 * the kernel text with 4 KiB pages (init_top_pgt -> PUD -> PMD -> PTE;
 * makedumpfile translates every kernel address through them), then a page
 * with init_uts_ns (uts_namespace.name at offset 0: the new_utsname whose
 * release equals OSRELEASE) and the mem_map pointer (FLATMEM; the struct
 * pages it would point to are never read for dump level 1).
 */
#define KDATA_PAGES  5
#define KDATA_UTS    4	     /* page of init_uts_ns and mem_map */
#define KDATA_MEMMAP 0x800   /* offset of mem_map in that page */
#define PTE_FLAGS    0x63ULL /* present, rw, accessed, dirty */

static uint64_t kdata_phys(const struct opts *o, unsigned int page)
{
	uint64_t start, len;

	ktext_range(o, &start, &len);
	return start + len -
	       (uint64_t)(KDATA_PAGES - page) * ZFD_S390_PAGE_SIZE;
}

static uint64_t kdata_vaddr(const struct opts *o, unsigned int page)
{
	uint64_t start, len;

	ktext_range(o, &start, &len);
	return KTEXT_VADDR + kdata_phys(o, page) - start;
}

static void plant_kdata(const struct opts *o, unsigned int page, uint8_t *p)
{
	uint64_t start, len, i;

	ktext_range(o, &start, &len);
	memset(p, 0, ZFD_S390_PAGE_SIZE);
	switch (page) {
	case 0: /* PGD: KTEXT_VADDR >> 39 & 511 */
		zfd_put_le64(p + 8 * ((KTEXT_VADDR >> 39) & 511),
			     kdata_phys(o, 1) | PTE_FLAGS);
		break;
	case 1: /* PUD */
		zfd_put_le64(p + 8 * ((KTEXT_VADDR >> 30) & 511),
			     kdata_phys(o, 2) | PTE_FLAGS);
		break;
	case 2: /* PMD */
		zfd_put_le64(p + 8 * ((KTEXT_VADDR >> 21) & 511),
			     kdata_phys(o, 3) | PTE_FLAGS);
		break;
	case 3: /* PTE: the kernel text (at most 2 MiB) */
		for (i = 0; i < len / ZFD_S390_PAGE_SIZE; i++)
			zfd_put_le64(p + 8 * i,
				     (start + i * ZFD_S390_PAGE_SIZE) |
					     PTE_FLAGS);
		break;
	case KDATA_UTS: /* struct new_utsname: 6 strings of 65 bytes */
		snprintf((char *)p, 65, "Linux");
		snprintf((char *)p + 65, 65, "zfd-mkimage");
		snprintf((char *)p + 130, 65, "%s", o->kernel);
		snprintf((char *)p + 195, 65, "#1 SMP zfd-mkimage");
		snprintf((char *)p + 260, 65, "x86_64");
		snprintf((char *)p + 325, 65, "(none)");
		zfd_put_le64(p + KDATA_MEMMAP, 0xffffea0000000000ULL);
		break;
	}
}

struct elf_load {
	uint64_t paddr, vaddr, size, off;
};

struct elf_out {
	const struct opts *o;
	bool be;
	uint8_t *buf; /* prologue */
	size_t len;
	struct elf_load loads[MAX_LOADS];
	size_t nr_loads;
};

static void put16(const struct elf_out *e, uint8_t *p, uint16_t v)
{
	if (e->be)
		zfd_put_be16(p, v);
	else
		zfd_put_le16(p, v);
}

static void put32(const struct elf_out *e, uint8_t *p, uint32_t v)
{
	if (e->be)
		zfd_put_be32(p, v);
	else
		zfd_put_le32(p, v);
}

static void put64(const struct elf_out *e, uint8_t *p, uint64_t v)
{
	if (e->be)
		zfd_put_be64(p, v);
	else
		zfd_put_le64(p, v);
}

/* One note at p (or only its size when p is NULL). */
static size_t elf_note(const struct elf_out *e, uint8_t *p, const char *name,
		       uint32_t type, const void *desc, size_t descsz)
{
	size_t namesz = strlen(name) + 1;
	size_t size = 12 + ZFD_ALIGN_UP(namesz, 4) + ZFD_ALIGN_UP(descsz, 4);

	if (!p)
		return size;
	put32(e, p, (uint32_t)namesz);
	put32(e, p + 4, (uint32_t)descsz);
	put32(e, p + 8, type);
	memcpy(p + 12, name, namesz);
	memcpy(p + 12 + ZFD_ALIGN_UP(namesz, 4), desc, descsz);
	return size;
}

/* The notes of CPU c at p (NULL: size only). */
static size_t elf_cpu_notes(const struct elf_out *e, uint8_t *p, unsigned int c)
{
	uint8_t d[336], lc[0x2000], v[8];
	struct zfd_s390_cpu r;
	size_t n = 0;
	int i;

	memset(d, 0, sizeof(d));
	put32(e, d + 32, c + 1); /* pr_pid */
	if (!e->be) {
		/* x86_64 pr_reg: r15 ... gs, recognisable values */
		for (i = 0; i < 27; i++)
			put64(e, d + 112 + 8 * i,
			      0x5245470000000000ULL | ((uint64_t)c << 8) |
				      (unsigned int)i);
		return elf_note(e, p ? p : NULL, "CORE", NT_PRSTATUS, d,
				sizeof(d));
	}
	plant_save_area(lc, c);
	zfd_s390_cpu_from_sa(&r, lc + ZFD_S390_SA_OFF);
	zfd_put_be64(d + 112, r.psw[0]);
	zfd_put_be64(d + 120, r.psw[1]);
	for (i = 0; i < 16; i++) {
		zfd_put_be64(d + 128 + 8 * i, r.gprs[i]);
		zfd_put_be32(d + 256 + 4 * i, r.acrs[i]);
	}
	n += elf_note(e, p ? p + n : NULL, "CORE", NT_PRSTATUS, d, 336);
	memset(d, 0, 136);
	zfd_put_be32(d, r.fpc);
	for (i = 0; i < 16; i++)
		zfd_put_be64(d + 8 + 8 * i, r.fprs[i]);
	n += elf_note(e, p ? p + n : NULL, "CORE", NT_PRFPREG, d, 136);
	zfd_put_be64(v, r.timer);
	n += elf_note(e, p ? p + n : NULL, "LINUX", 0x301, v, 8);
	zfd_put_be64(v, r.todcmp);
	n += elf_note(e, p ? p + n : NULL, "LINUX", 0x302, v, 8);
	zfd_put_be32(v, r.todpreg);
	n += elf_note(e, p ? p + n : NULL, "LINUX", 0x303, v, 4);
	for (i = 0; i < 16; i++)
		zfd_put_be64(d + 8 * i, r.crs[i]);
	n += elf_note(e, p ? p + n : NULL, "LINUX", 0x304, d, 128);
	zfd_put_be32(v, r.prefix);
	n += elf_note(e, p ? p + n : NULL, "LINUX", 0x305, v, 4);
	return n;
}

static size_t elf_notes(const struct elf_out *e, uint8_t *p)
{
	const struct opts *o = e->o;
	uint64_t ktext, klen;
	char info[1536];
	size_t n = 0;
	unsigned int c;
	int len;

	for (c = 0; c < o->cpus; c++)
		n += elf_cpu_notes(e, p ? p + n : NULL, c);
	if (o->symbols) {
		/* what makedumpfile needs (the names of Linux 6.1's VMCOREINFO) */
		ktext_range(o, &ktext, &klen);
		len = snprintf(
			info, sizeof(info),
			"OSRELEASE=%s\nPAGESIZE=4096\n"
			"SYMBOL(init_uts_ns)=%" PRIx64 "\n"
			"OFFSET(uts_namespace.name)=0\n"
			"SYMBOL(mem_map)=%" PRIx64 "\n"
			"SIZE(page)=64\nOFFSET(page.flags)=0\n"
			"OFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n"
			"OFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\n"
			"OFFSET(page.private)=40\n"
			"NUMBER(phys_base)=%" PRId64 "\n"
			"SYMBOL(init_top_pgt)=%" PRIx64 "\n"
			"NUMBER(pgtable_l5_enabled)=0\nKERNELOFFSET=0\n"
			"NUMBER(KERNEL_IMAGE_SIZE)=1073741824\nNUMBER(sme_mask)=0\n"
			"CRASHTIME=%lld\n",
			o->kernel, kdata_vaddr(o, KDATA_UTS),
			kdata_vaddr(o, KDATA_UTS) + KDATA_MEMMAP,
			(int64_t)(ktext -
				  (KTEXT_VADDR - 0xffffffff80000000ULL)),
			kdata_vaddr(o, 0),
			(long long)(1767225600 + (int64_t)(o->seed % 86400)));
	} else {
		len = snprintf(info, sizeof(info),
			       "OSRELEASE=%s\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=%llx\n"
			       "CRASHTIME=%lld\n",
			       o->kernel,
			       e->be ? 0x1234000ULL : 0xffffffff82a12340ULL,
			       (long long)(1767225600 +
					   (int64_t)(o->seed % 86400)));
	}
	n += elf_note(e, p ? p + n : NULL, "VMCOREINFO", 0, info, (size_t)len);
	return n;
}

static int elf_plan(struct elf_out *e)
{
	const struct opts *o = e->o;
	uint64_t off = 0, start, ktext, klen;
	size_t notes_len, ph;

	if (e->o->x86_64) {
		/* the kernel text, described again by its own PT_LOAD first */
		ktext_range(o, &ktext, &klen);
		if (o->symbols && klen < 8 * ZFD_S390_PAGE_SIZE) {
			fprintf(stderr,
				"zfd-mkimage: --symbols needs at least 256 KiB\n");
			return -EINVAL;
		}
		for (start = ktext; start < ktext + klen;
		     start += ZFD_S390_PAGE_SIZE)
			if (in_hole(o, start)) {
				fprintf(stderr,
					"zfd-mkimage: a hole lies in the kernel "
					"text at 0x%" PRIx64 "\n",
					start);
				return -EINVAL;
			}
		e->loads[0].paddr = ktext;
		e->loads[0].vaddr = KTEXT_VADDR;
		e->loads[0].size = klen;
		e->nr_loads = 1;
	}
	while (off < o->size) {
		while (off < o->size && in_hole(o, off))
			off += ZFD_S390_PAGE_SIZE;
		if (off >= o->size)
			break;
		start = off;
		while (off < o->size && !in_hole(o, off))
			off += ZFD_S390_PAGE_SIZE;
		e->loads[e->nr_loads].paddr = start;
		e->loads[e->nr_loads].vaddr = o->x86_64 ? DIRECT_MAP + start :
							  start;
		e->loads[e->nr_loads].size = off - start;
		e->nr_loads++;
	}
	notes_len = elf_notes(e, NULL);
	ph = ELF_EHDR + (1 + e->nr_loads) * ELF_PHDR;
	e->len = ZFD_ALIGN_UP(ph + notes_len, (size_t)ZFD_S390_PAGE_SIZE);
	e->buf = calloc(1, e->len);
	if (!e->buf)
		return -ENOMEM;
	off = e->len;
	for (size_t i = 0; i < e->nr_loads; i++) {
		e->loads[i].off = off;
		off += e->loads[i].size;
	}

	memcpy(e->buf, ELFMAG, SELFMAG);
	e->buf[EI_CLASS] = ELFCLASS64;
	e->buf[EI_DATA] = e->be ? ELFDATA2MSB : ELFDATA2LSB;
	e->buf[EI_VERSION] = EV_CURRENT;
	put16(e, e->buf + 16, ET_CORE);
	put16(e, e->buf + 18, o->x86_64 ? EM_X86_64 : EM_S390);
	put32(e, e->buf + 20, EV_CURRENT);
	put64(e, e->buf + 32, ELF_EHDR);
	put16(e, e->buf + 52, ELF_EHDR);
	put16(e, e->buf + 54, ELF_PHDR);
	put16(e, e->buf + 56, (uint16_t)(1 + e->nr_loads));
	put32(e, e->buf + ELF_EHDR, PT_NOTE);
	put64(e, e->buf + ELF_EHDR + 8, ph);
	put64(e, e->buf + ELF_EHDR + 32, notes_len);
	put64(e, e->buf + ELF_EHDR + 40, notes_len);
	for (size_t i = 0; i < e->nr_loads; i++) {
		uint8_t *p = e->buf + ELF_EHDR + (1 + i) * ELF_PHDR;

		put32(e, p, PT_LOAD);
		put32(e, p + 4, PF_R | PF_W | PF_X);
		put64(e, p + 8, e->loads[i].off);
		put64(e, p + 16, e->loads[i].vaddr);
		put64(e, p + 24, e->loads[i].paddr);
		put64(e, p + 32, e->loads[i].size);
		put64(e, p + 40, e->loads[i].size);
	}
	elf_notes(e, e->buf + ph);
	return 0;
}

/* Memory [addr, addr + len) as in the s390 image (page multiples). */
static void fill_mem(const struct opts *o, uint64_t addr, uint8_t *buf,
		     uint64_t len)
{
	uint64_t pos;
	unsigned int c;

	for (pos = 0; pos < len; pos += ZFD_S390_PAGE_SIZE) {
		if (in_hole(o, addr + pos))
			memset(buf + pos, 0, ZFD_S390_PAGE_SIZE);
		else
			fill_page(o, (addr + pos) / ZFD_S390_PAGE_SIZE,
				  buf + pos);
	}
	for (c = 0; c < o->cpus && o->arch == ZFD_S390_ARCH_S390X && !o->x86_64;
	     c++) {
		uint64_t pf = prefix_of(c);

		if (pf >= addr && pf + 0x2000 <= addr + len && !in_hole(o, pf))
			plant_save_area(buf + (pf - addr), c);
	}
	for (c = 0; c < KDATA_PAGES && o->symbols; c++) {
		uint64_t pa = kdata_phys(o, c);

		if (pa >= addr && pa < addr + len)
			plant_kdata(o, c, buf + (pa - addr));
	}
}

static int write_elf(const struct opts *o)
{
	struct elf_out e = { .o = o, .be = !o->x86_64 };
	uint8_t *buf;
	uint64_t done, len;
	size_t i;
	int fd, rc;

	rc = elf_plan(&e);
	if (rc)
		return rc;
	buf = aligned_alloc(ZFD_ALIGN, CHUNK_SIZE);
	if (!buf) {
		free(e.buf);
		return -ENOMEM;
	}
	fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		rc = -errno;
		fprintf(stderr, "zfd-mkimage: %s: %s\n", o->out,
			strerror(errno));
		goto out_free;
	}
	if (zfd_pwrite_full(fd, e.buf, e.len, 0) < 0)
		goto out_werr;
	for (i = 0; i < e.nr_loads; i++) {
		for (done = 0; done < e.loads[i].size; done += len) {
			len = ZFD_MIN(CHUNK_SIZE, e.loads[i].size - done);
			/* chunks at 4 MiB boundaries of the address, so the
			 * save areas are planted whole */
			fill_mem(o, e.loads[i].paddr + done, buf, len);
			if (write_mem(o, fd, buf, len, e.loads[i].off + done))
				goto out_werr;
		}
	}
	if (o->sparse && e.nr_loads &&
	    ftruncate(fd, (off_t)(e.loads[e.nr_loads - 1].off +
				  e.loads[e.nr_loads - 1].size)))
		goto out_werr;
	if (close(fd)) {
		fd = -1;
		goto out_werr;
	}
	rc = 0;
	goto out_free;

out_werr:
	rc = -EIO;
	fprintf(stderr, "zfd-mkimage: write %s: %s\n", o->out, strerror(errno));
	if (fd >= 0)
		close(fd);
out_free:
	free(buf);
	free(e.buf);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: zfd-mkimage -o FILE -s SIZE [options]\n"
		"Writes a deterministic s390 dump image (header + memory), or an ELF\n"
		"core like /proc/vmcore.\n"
		"  -o, --output FILE      image file\n"
		"  -s, --size SIZE        memory size (K/M/G suffix, multiple of 4K)\n"
		"  --seed N               content seed (default 1)\n"
		"  --mix Z,T,R            percent zero, text, random pages (default 50,30,20)\n"
		"  --layout runs|interleaved|mixed  kinds in 1 MiB runs (default), page by\n"
		"                         page, or in runs of 4 KiB to 4 MiB (each length\n"
		"                         2^0..2^10 pages equally likely, as real memory)\n"
		"  --cpus N               CPUs with planted save areas (default 2, max 64)\n"
		"  --arch s390x|s390|x86_64  architecture (default s390x; x86_64: ELF only)\n"
		"  --format s390|elf      s390 dump image (default) or ELF core: PT_NOTE\n"
		"                         (NT_PRSTATUS per CPU, VMCOREINFO), a PT_LOAD per\n"
		"                         run between holes, x86_64: kernel text twice\n"
		"  --kernel RELEASE       OSRELEASE in VMCOREINFO (default 6.1.0-zfd-test)\n"
		"  --symbols              x86_64 ELF: VMCOREINFO symbols and the kernel data\n"
		"                         behind them (page tables, init_uts_ns, mem_map)\n"
		"                         in the kernel text, so makedumpfile -d 1 reads it\n"
		"  --sparse               zero pages as holes of the output file\n"
		"  --hole START:LEN       a memory hole (zeros in the image; repeatable)\n"
		"  --memmap FILE          write the zcore memmap text of the existing chunks\n"
		"  --end-marker           append the 16-byte end marker\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "mix", required_argument, NULL, 'm' },
		{ "layout", required_argument, NULL, 'l' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "arch", required_argument, NULL, 'a' },
		{ "hole", required_argument, NULL, 'H' },
		{ "memmap", required_argument, NULL, 'M' },
		{ "end-marker", no_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'f' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "symbols", no_argument, NULL, 'Y' },
		{ "sparse", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .seed = 1,
			  .mix = { 50, 30, 20 },
			  .cpus = 2,
			  .arch = ZFD_S390_ARCH_S390X,
			  .kernel = "6.1.0-zfd-test" };
	char *colon;
	int ch;

	while ((ch = getopt_long(argc, argv, "o:s:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			o.out = optarg;
			break;
		case 's':
			if (zfd_parse_size(optarg, &o.size) ||
			    o.size % ZFD_S390_PAGE_SIZE)
				goto bad;
			break;
		case 'S':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'm':
			if (sscanf(optarg, "%u,%u,%u", &o.mix[0], &o.mix[1],
				   &o.mix[2]) != 3 ||
			    o.mix[0] + o.mix[1] + o.mix[2] != 100)
				goto bad;
			break;
		case 'l':
			if (strcmp(optarg, "interleaved") == 0)
				o.layout = LAYOUT_INTERLEAVED;
			else if (strcmp(optarg, "mixed") == 0)
				o.layout = LAYOUT_MIXED;
			else if (strcmp(optarg, "runs") != 0)
				goto bad;
			break;
		case 'c':
			o.cpus = (unsigned int)atoi(optarg);
			if (o.cpus < 1 || o.cpus > 64)
				goto bad;
			break;
		case 'a':
			if (strcmp(optarg, "s390") == 0)
				o.arch = ZFD_S390_ARCH_S390;
			else if (strcmp(optarg, "x86_64") == 0)
				o.x86_64 = true;
			else if (strcmp(optarg, "s390x") != 0)
				goto bad;
			break;
		case 'H':
			colon = strchr(optarg, ':');
			if (!colon || o.nr_holes >= MAX_HOLES)
				goto bad;
			*colon = 0;
			if (zfd_parse_size(optarg,
					   &o.holes[o.nr_holes].start) ||
			    zfd_parse_size(colon + 1,
					   &o.holes[o.nr_holes].len) ||
			    o.holes[o.nr_holes].start % ZFD_S390_PAGE_SIZE ||
			    o.holes[o.nr_holes].len % ZFD_S390_PAGE_SIZE)
				goto bad;
			o.nr_holes++;
			break;
		case 'M':
			o.memmap = optarg;
			break;
		case 'e':
			o.end_marker = true;
			break;
		case 'f':
			if (strcmp(optarg, "elf") == 0)
				o.elf = true;
			else if (strcmp(optarg, "s390") != 0)
				goto bad;
			break;
		case 'k':
			o.kernel = optarg;
			break;
		case 'Y':
			o.symbols = true;
			break;
		case 'P':
			o.sparse = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (!o.out || !o.size || optind != argc)
		goto bad;
	if (prefix_of(o.cpus - 1) + 0x2000 > o.size) {
		fprintf(stderr,
			"zfd-mkimage: %u CPUs need at least %" PRIu64
			" bytes\n",
			o.cpus, prefix_of(o.cpus - 1) + 0x2000);
		return 2;
	}
	if ((o.x86_64 && !o.elf) || (o.elf && (o.arch != ZFD_S390_ARCH_S390X ||
					       o.end_marker || o.memmap))) {
		fprintf(stderr,
			"zfd-mkimage: --format elf is for --arch x86_64 or "
			"s390x, without --end-marker and --memmap; x86_64 needs it\n");
		return 2;
	}
	if (o.symbols && !o.x86_64) {
		fprintf(stderr,
			"zfd-mkimage: --symbols is for --arch x86_64 --format elf\n");
		return 2;
	}
	if (strlen(o.kernel) > 64) {
		fprintf(stderr,
			"zfd-mkimage: --kernel: at most 64 characters\n");
		return 2;
	}
	if (o.elf)
		return write_elf(&o) ? 1 : 0;
	if (write_image(&o))
		return 1;
	if (o.memmap && write_memmap(&o))
		return 1;
	return 0;
bad:
	usage(stderr);
	return 2;
}
