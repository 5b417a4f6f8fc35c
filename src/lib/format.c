// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Formats apart from sinks (format.h): s390 and elf. Every on-disk integer
 * goes through explicit byte-order helpers (be.h); ELF cores are written in
 * the model's own class and byte order.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "format.h"
#include "util.h"

struct fseg {
	uint64_t paddr, vaddr, filesz, memsz;
	uint64_t offset; /* p_offset */
};

struct zfd_format {
	enum zfd_format_id id;
	const struct zfd_dump *d;
	uint64_t mem_size;
	/* memory ranges, clipped to mem_size, with their file offsets */
	struct zfd_range *ranges;
	uint64_t *range_off;
	size_t nr_ranges;
	size_t prologue_len;
	uint64_t size;
	/* s390 */
	uint8_t hdr[ZFD_S390_HDR_SIZE];
	/* elf */
	bool is64, be;
	struct fseg *segs;
	size_t nr_segs;
	uint64_t notes_off;
	/* elf from an s390 model: fmt_elf.h's s390x writer (positional) */
	struct zfd_elf_writer *w;
	uint64_t loads_end; /* memory offset after the last load */
	/* stored data that exists */
	struct zfd_range *extents;
	size_t nr_extents;
};

static int why_fmt(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why_fmt(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return -EOPNOTSUPP;
}

int zfd_format_parse(const char *name, enum zfd_format_id *id)
{
	if (!strcmp(name, "s390"))
		*id = ZFD_FORMAT_S390;
	else if (!strcmp(name, "elf"))
		*id = ZFD_FORMAT_ELF;
	else if (!strcmp(name, "kdump"))
		*id = ZFD_FORMAT_KDUMP;
	else
		return -EINVAL;
	return 0;
}

const char *zfd_format_name(enum zfd_format_id id)
{
	return id == ZFD_FORMAT_S390 ? "s390" :
	       id == ZFD_FORMAT_ELF  ? "elf" :
				       "kdump";
}

void zfd_format_free(struct zfd_format *f)
{
	if (!f)
		return;
	free(f->ranges);
	free(f->range_off);
	free(f->segs);
	free(f->extents);
	zfd_elf_writer_free(f->w);
	free(f);
}

/* The model's ranges clipped to mem_size. */
static int clip_ranges(struct zfd_format *f)
{
	const struct zfd_dump *d = f->d;
	size_t i;

	f->ranges = calloc(d->nr_ranges ? d->nr_ranges : 1, sizeof(*f->ranges));
	f->range_off = calloc(d->nr_ranges ? d->nr_ranges : 1,
			      sizeof(*f->range_off));
	if (!f->ranges || !f->range_off)
		return -ENOMEM;
	for (i = 0; i < d->nr_ranges; i++) {
		struct zfd_range r = d->ranges[i];

		if (r.start >= f->mem_size)
			break;
		r.size = ZFD_MIN(r.size, f->mem_size - r.start);
		f->ranges[f->nr_ranges++] = r;
	}
	return 0;
}

/* ---- s390 ---- */

static void s390_hdr_from_model(struct zfd_format *f)
{
	const struct zfd_dump *d = f->d;
	struct zfd_s390_hdr h;
	size_t c;

	memset(&h, 0, sizeof(h));
	h.magic = ZFD_S390_MAGIC;
	h.version = 5;
	h.hdr_size = ZFD_S390_HDR_SIZE;
	h.dump_level = 4;
	h.page_size = ZFD_S390_PAGE_SIZE;
	h.mem_size = d->mem_size;
	h.mem_start = d->mem_start;
	h.mem_end = d->mem_start + d->mem_size;
	h.num_pages = (uint32_t)ZFD_MIN(d->mem_size / ZFD_S390_PAGE_SIZE,
					(uint64_t)UINT32_MAX);
	h.arch = d->elf_class == ELFCLASS32 ? ZFD_S390_ARCH_S390 :
					      ZFD_S390_ARCH_S390X;
	h.build_arch = h.arch;
	h.mem_size_real = d->mem_size;
	h.cpu_cnt = (uint16_t)ZFD_MIN(d->nr_cpus, (size_t)ZFD_S390_MAX_CPUS);
	h.real_cpu_cnt = h.cpu_cnt;
	for (c = 0; c < h.cpu_cnt; c++)
		h.lc_vec[c] = d->cpus[c].prefix;
	if (d->crash_time)
		h.tod = zfd_tod_from_unix(d->crash_time, 0);
	zfd_s390_hdr_encode(&h, f->hdr);
}

static int s390_new(struct zfd_format *f, const uint8_t *s390_hdr, char *why,
		    size_t why_len)
{
	size_t i;

	if (f->d->machine != EM_S390)
		return why_fmt(why, why_len,
			       "the s390 format holds s390 dumps "
			       "only (this is a dump of machine %u)",
			       f->d->machine);
	if (s390_hdr)
		memcpy(f->hdr, s390_hdr, ZFD_S390_HDR_SIZE);
	else
		s390_hdr_from_model(f);
	if (f->mem_size != f->d->mem_size)
		zfd_s390_hdr_set_mem_size(f->hdr, f->mem_size);
	for (i = 0; i < f->nr_ranges; i++)
		f->range_off[i] = ZFD_S390_HDR_SIZE + f->ranges[i].start;
	f->prologue_len = ZFD_S390_HDR_SIZE;
	f->size = ZFD_S390_HDR_SIZE + f->mem_size + ZFD_S390_END_SIZE;
	return 0;
}

/* ---- elf ---- */

static void put16(const struct zfd_format *f, uint8_t *p, uint16_t v)
{
	if (f->be)
		zfd_put_be16(p, v);
	else
		zfd_put_le16(p, v);
}

static void put32(const struct zfd_format *f, uint8_t *p, uint32_t v)
{
	if (f->be)
		zfd_put_be32(p, v);
	else
		zfd_put_le32(p, v);
}

static void put64(const struct zfd_format *f, uint8_t *p, uint64_t v)
{
	if (f->be)
		zfd_put_be64(p, v);
	else
		zfd_put_le64(p, v);
}

/* An address-sized field. */
static void putaddr(const struct zfd_format *f, uint8_t *p, uint64_t v)
{
	if (f->is64)
		put64(f, p, v);
	else
		put32(f, p, (uint32_t)v);
}

static size_t ehdr_size(const struct zfd_format *f)
{
	return f->is64 ? 64 : 52;
}

static size_t phdr_size(const struct zfd_format *f)
{
	return f->is64 ? 56 : 32;
}

/* Index of the range holding [x, x + len), or SIZE_MAX. */
static size_t range_of(const struct zfd_format *f, uint64_t x, uint64_t len)
{
	size_t i;

	for (i = 0; i < f->nr_ranges; i++)
		if (x >= f->ranges[i].start &&
		    x - f->ranges[i].start < f->ranges[i].size &&
		    f->ranges[i].size - (x - f->ranges[i].start) >= len)
			return i;
	return SIZE_MAX;
}

/*
 * An s390 model without notes (zcore, s390 image): the s390x writer of
 * fmt_elf.h, registers from the save areas, memory positional.
 */
static int elf_s390_new(struct zfd_format *f, const uint8_t *s390_hdr,
			char *why, size_t why_len)
{
	const struct zfd_range *loads;
	struct zfd_s390_hdr h;
	size_t i, nr;
	int rc;

	if (s390_hdr)
		memcpy(f->hdr, s390_hdr, ZFD_S390_HDR_SIZE);
	else
		s390_hdr_from_model(f);
	zfd_s390_hdr_decode(f->hdr, &h);
	rc = zfd_elf_writer_new(&f->w, &h, f->d->ranges, f->d->nr_ranges,
				f->mem_size, why, why_len);
	if (rc)
		return rc;
	f->prologue_len = (size_t)zfd_elf_writer_data_off(f->w);
	f->size = zfd_elf_writer_file_size(f->w);
	loads = zfd_elf_writer_loads(f->w, &nr);
	/* the writer clips the ranges as clip_ranges() does */
	f->nr_ranges = 0;
	for (i = 0; i < nr && i < f->d->nr_ranges; i++) {
		f->ranges[f->nr_ranges] = loads[i];
		f->range_off[f->nr_ranges++] = f->prologue_len + loads[i].start;
		f->loads_end = loads[i].start + loads[i].size;
	}
	return 0;
}

static int elf_new(struct zfd_format *f, const uint8_t *s390_hdr, char *why,
		   size_t why_len)
{
	const struct zfd_dump *d = f->d;
	uint64_t pos, limit;
	size_t i, r;

	if (!d->notes_len && d->machine == EM_S390)
		return elf_s390_new(f, s390_hdr, why, why_len);
	if (!d->notes_len)
		return why_fmt(why, why_len, "the dump has no ELF notes");
	f->is64 = d->elf_class == ELFCLASS64;
	f->be = d->big_endian;
	limit = f->is64 ? UINT64_MAX : UINT32_MAX;
	f->segs = calloc(d->nr_segs ? d->nr_segs : 1, sizeof(*f->segs));
	if (!f->segs)
		return -ENOMEM;
	f->notes_off = ehdr_size(f) + (1 + d->nr_segs) * phdr_size(f);
	f->prologue_len = ZFD_ALIGN_UP(f->notes_off + d->notes_len,
				       (uint64_t)ZFD_PAGE_SIZE);
	pos = f->prologue_len;
	for (i = 0; i < f->nr_ranges; i++) {
		f->range_off[i] = pos;
		pos += f->ranges[i].size;
	}
	f->size = pos;
	if (f->size > limit)
		return why_fmt(why, why_len,
			       "%" PRIu64 " bytes are too many for "
			       "a 32-bit ELF core",
			       f->size);
	for (i = 0; i < d->nr_segs; i++) {
		const struct zfd_dump_seg *s = &d->segs[i];
		struct fseg *o = &f->segs[f->nr_segs];
		uint64_t x = s->paddr - d->mem_start;

		if (s->paddr < d->mem_start || x >= f->mem_size)
			continue; /* beyond the limit */
		o->paddr = s->paddr;
		o->vaddr = s->vaddr;
		o->memsz = ZFD_MIN(s->size, f->mem_size - x);
		o->filesz = ZFD_MIN(s->filesz, o->memsz);
		if (o->filesz) {
			r = range_of(f, x, o->filesz);
			if (r == SIZE_MAX)
				return why_fmt(why, why_len,
					       "segment %zu (0x%" PRIx64
					       ", %" PRIu64 " bytes) is not "
					       "in one memory range",
					       i, s->paddr, o->filesz);
			o->offset = f->range_off[r] + (x - f->ranges[r].start);
		}
		f->nr_segs++;
	}
	if (1 + f->nr_segs >= PN_XNUM)
		return why_fmt(why, why_len,
			       "%zu segments are more than an ELF "
			       "core can describe",
			       f->nr_segs);
	return 0;
}

static void elf_prologue(const struct zfd_format *f, uint8_t *buf)
{
	const struct zfd_dump *d = f->d;
	bool is64 = f->is64;
	uint8_t *p;
	size_t i;

	memcpy(buf, ELFMAG, SELFMAG);
	buf[EI_CLASS] = d->elf_class;
	buf[EI_DATA] = f->be ? ELFDATA2MSB : ELFDATA2LSB;
	buf[EI_VERSION] = EV_CURRENT;
	buf[EI_OSABI] = ELFOSABI_NONE;
	put16(f, buf + 16, ET_CORE);
	put16(f, buf + 18, d->machine);
	put32(f, buf + 20, EV_CURRENT);
	putaddr(f, buf + (is64 ? 32 : 28), ehdr_size(f)); /* e_phoff */
	put16(f, buf + (is64 ? 52 : 40), (uint16_t)ehdr_size(f));
	put16(f, buf + (is64 ? 54 : 42), (uint16_t)phdr_size(f));
	put16(f, buf + (is64 ? 56 : 44), (uint16_t)(1 + f->nr_segs));

	p = buf + ehdr_size(f);
	put32(f, p, PT_NOTE);
	if (is64) {
		put64(f, p + 8, f->notes_off);
		put64(f, p + 32, d->notes_len);
		put64(f, p + 40, d->notes_len);
	} else {
		put32(f, p + 4, (uint32_t)f->notes_off);
		put32(f, p + 16, (uint32_t)d->notes_len);
		put32(f, p + 20, (uint32_t)d->notes_len);
	}
	for (i = 0; i < f->nr_segs; i++) {
		const struct fseg *s = &f->segs[i];

		p += phdr_size(f);
		put32(f, p, PT_LOAD);
		if (is64) {
			put32(f, p + 4, PF_R | PF_W | PF_X);
			put64(f, p + 8, s->offset);
			put64(f, p + 16, s->vaddr);
			put64(f, p + 24, s->paddr);
			put64(f, p + 32, s->filesz);
			put64(f, p + 40, s->memsz);
		} else {
			put32(f, p + 4, (uint32_t)s->offset);
			put32(f, p + 8, (uint32_t)s->vaddr);
			put32(f, p + 12, (uint32_t)s->paddr);
			put32(f, p + 16, (uint32_t)s->filesz);
			put32(f, p + 20, (uint32_t)s->memsz);
			put32(f, p + 24, PF_R | PF_W | PF_X);
		}
	}
	memcpy(buf + f->notes_off, d->notes, d->notes_len);
}

/* ---- common ---- */

static int make_extents(struct zfd_format *f)
{
	size_t i;

	f->extents = calloc(f->nr_ranges ? f->nr_ranges : 1,
			    sizeof(*f->extents));
	if (!f->extents)
		return -ENOMEM;
	for (i = 0; i < f->nr_ranges; i++) {
		struct zfd_range *e = f->nr_extents ?
					      &f->extents[f->nr_extents - 1] :
					      NULL;

		if (e && e->start + e->size == f->range_off[i]) {
			e->size += f->ranges[i].size;
			continue;
		}
		f->extents[f->nr_extents].start = f->range_off[i];
		f->extents[f->nr_extents].size = f->ranges[i].size;
		f->nr_extents++;
	}
	return 0;
}

int zfd_format_new(struct zfd_format **fp, enum zfd_format_id id,
		   const struct zfd_dump *d, const uint8_t *s390_hdr,
		   uint64_t mem_size, char *why, size_t why_len)
{
	struct zfd_format *f;
	int rc;

	*fp = NULL;
	if (why_len)
		why[0] = 0;
	if (id == ZFD_FORMAT_KDUMP) {
		/* a stream of its own shape: fmt_kdump.h's writer */
		why_fmt(why, why_len, "kdump is not a positional format");
		return -EINVAL;
	}
	if (mem_size > d->mem_size || mem_size % ZFD_PAGE_SIZE) {
		why_fmt(why, why_len,
			"memory size %" PRIu64 " is not a page "
			"multiple up to %" PRIu64,
			mem_size, d->mem_size);
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->id = id;
	f->d = d;
	f->mem_size = mem_size;
	rc = clip_ranges(f);
	if (!rc)
		rc = id == ZFD_FORMAT_S390 ?
			     s390_new(f, s390_hdr, why, why_len) :
			     elf_new(f, s390_hdr, why, why_len);
	if (!rc)
		rc = make_extents(f);
	if (rc) {
		if (rc == -ENOMEM)
			why_fmt(why, why_len, "out of memory");
		zfd_format_free(f);
		return rc;
	}
	*fp = f;
	return 0;
}

size_t zfd_format_prologue_len(const struct zfd_format *f)
{
	return f->prologue_len;
}

void zfd_format_prologue(const struct zfd_format *f, uint8_t *buf, bool final)
{
	memset(buf, 0, f->prologue_len);
	if (!final)
		return;
	if (f->id == ZFD_FORMAT_S390)
		memcpy(buf, f->hdr, ZFD_S390_HDR_SIZE);
	else if (f->w)
		zfd_elf_writer_prologue(f->w, buf);
	else
		elf_prologue(f, buf);
}

bool zfd_format_map(const struct zfd_format *f, uint64_t x, uint64_t *file_off,
		    uint64_t *len)
{
	size_t i;

	for (i = 0; i < f->nr_ranges; i++) {
		const struct zfd_range *r = &f->ranges[i];

		if (x < r->start) {
			*len = r->start - x;
			break;
		}
		if (x - r->start < r->size) {
			*file_off = f->range_off[i] + (x - r->start);
			*len = r->size - (x - r->start);
			return true;
		}
	}
	if (i == f->nr_ranges)
		*len = x < f->mem_size ? f->mem_size - x : 1;
	/* a positional format keeps holes in place; a packed one does not */
	if (f->id == ZFD_FORMAT_S390)
		*file_off = ZFD_S390_HDR_SIZE + x;
	else if (f->w && x < f->loads_end)
		*file_off = f->prologue_len + x;
	else
		*file_off = UINT64_MAX; /* packed, or after the last load */
	return false;
}

uint64_t zfd_format_trailer_off(const struct zfd_format *f)
{
	return f->id == ZFD_FORMAT_S390 ? ZFD_S390_HDR_SIZE + f->mem_size :
					  f->size;
}

size_t zfd_format_trailer_len(const struct zfd_format *f)
{
	return f->id == ZFD_FORMAT_S390 ? ZFD_S390_END_SIZE : 0;
}

void zfd_format_trailer(const struct zfd_format *f, uint64_t tod, uint8_t *buf)
{
	if (f->id == ZFD_FORMAT_S390)
		zfd_s390_end_marker(buf, tod);
}

uint64_t zfd_format_size(const struct zfd_format *f)
{
	return f->size;
}

uint64_t zfd_format_described_size(const struct zfd_format *f)
{
	return f->w ? zfd_elf_writer_file_size(f->w) : f->size;
}

const struct zfd_range *zfd_format_extents(const struct zfd_format *f,
					   size_t *nr)
{
	*nr = f->nr_extents;
	return f->extents;
}

bool zfd_format_positional(const struct zfd_format *f)
{
	return f->id == ZFD_FORMAT_S390 || f->w;
}

int zfd_format_collect(struct zfd_format *f, zfd_elf_mem_read_fn read,
		       void *arg)
{
	return f->w ? zfd_elf_writer_collect(f->w, read, arg) : 0;
}

unsigned int zfd_format_cpus_missing(const struct zfd_format *f)
{
	return f->w ? zfd_elf_writer_cpus_missing(f->w) : 0;
}

int zfd_format_exclude(struct zfd_format *f, uint64_t off, uint64_t len)
{
	return f->w ? zfd_elf_writer_exclude(f->w, off, len) : 0;
}

void zfd_format_limit(struct zfd_format *f, uint64_t good)
{
	if (f->w)
		zfd_elf_writer_limit(f->w, good);
}

int zfd_format_fit(enum zfd_format_id id, const struct zfd_dump *d,
		   const uint8_t *s390_hdr, uint64_t max_mem, uint64_t capacity,
		   uint64_t *mem_size, char *why, size_t why_len)
{
	uint64_t lo = 0, hi = max_mem / ZFD_PAGE_SIZE, mid;
	struct zfd_format *f;
	bool fits;
	int rc;

	/* the size grows with mem_size: the largest page count that fits */
	rc = zfd_format_new(&f, id, d, s390_hdr, 0, why, why_len);
	if (rc)
		return rc;
	fits = zfd_format_size(f) <= capacity;
	zfd_format_free(f);
	if (!fits)
		return -ENOSPC;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		rc = zfd_format_new(&f, id, d, s390_hdr, mid * ZFD_PAGE_SIZE,
				    why, why_len);
		if (rc)
			return rc;
		fits = zfd_format_size(f) <= capacity;
		zfd_format_free(f);
		if (fits)
			lo = mid;
		else
			hi = mid - 1;
	}
	*mem_size = lo * ZFD_PAGE_SIZE;
	return 0;
}
