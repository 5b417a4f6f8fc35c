// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writer of makedumpfile's kdump-compressed format (layout in
 * fmt_kdump.h). The layout is known before the first page: the page
 * frames that exist come from the dump's ranges, and every one of them
 * gets a descriptor (zero pages share one), so bitmaps and the descriptor
 * table are placed up front and page data is appended behind them.
 * Memory stays bounded: bitmaps are produced window by window from the
 * ranges, descriptors are buffered in a window.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "fmt_kdump.h"
#include "util.h"

#define WIN_BYTES	     65536    /* bitmap window */
#define ZFD_UTS_SIZE	     (6 * 65) /* struct new_utsname */
#define X86_START_KERNEL_MAP 0xffffffff80000000ull
#define DESC_WIN	     2048	  /* descriptors buffered */
#define CO_MAX		     (128u << 10) /* flattened: bytes per record */

struct pfn_range {
	uint64_t start; /* first pfn */
	uint64_t end;	/* last pfn + 1 */
};

struct zfd_kdump_writer {
	const struct zfd_dump *d;
	struct zfd_kdump_wopts o;
	zfd_kdump_out_fn out;
	void *arg;
	bool be;
	uint32_t ps;
	uint64_t max_mapnr;
	struct pfn_range *ranges;
	size_t nr_ranges;
	uint64_t nr_pages; /* valid = dumpable page frames */
	uint32_t sub_blocks;
	uint64_t bitmap_off, bitmap_len, desc_off, data_off, zero_off;
	uint64_t phys_base;
	uint32_t status;
	/* the crashed kernel's utsname, caught in its memory as it passes */
	uint64_t uts_off; /* memory offset, UINT64_MAX: unknown */
	uint8_t uts[ZFD_UTS_SIZE];
	uint32_t uts_seen; /* bytes of uts caught */

	/* emitting: descriptor index and pfn of the next page */
	uint64_t idx;
	uint64_t next_pfn;
	size_t ri;
	/* the page being assembled */
	uint64_t cur_pfn; /* UINT64_MAX: none */
	uint8_t *page;
	uint8_t *desc; /* DESC_WIN descriptors */
	uint64_t desc_first;
	size_t desc_n;
	uint8_t *win; /* WIN_BYTES */
	/* bitmap 2, produced as the pages pass: the window of bytes
	 * [b2_byte, b2_byte + WIN_BYTES) */
	uint8_t *b2;
	uint64_t b2_byte;
	/* flattened: contiguous output coalesced into one record */
	uint8_t *co;
	uint64_t co_off;
	size_t co_len;
	bool skipping; /* zfd_kdump_writer_skip() runs */
	/* pages compressed ahead: page frames pre_first + i */
	const struct zfd_kdump_pre *pre;
	uint64_t pre_first;
	size_t pre_n;
	struct zfd_kdump_codec_ctx *cc;

	uint64_t data_pos; /* next page data offset */
	uint64_t file_size;
	uint64_t stream_pos; /* flattened */
	uint64_t nr_zero, nr_comp, nr_raw, nr_excl;
	bool begun, finished;
};

static void put32(const struct zfd_kdump_writer *w, uint8_t *p, uint32_t v)
{
	if (w->be)
		zfd_put_be32(p, v);
	else
		zfd_put_le32(p, v);
}

static void put64(const struct zfd_kdump_writer *w, uint8_t *p, uint64_t v)
{
	if (w->be)
		zfd_put_be64(p, v);
	else
		zfd_put_le64(p, v);
}

/* A flattened record: its header, then the bytes. */
static int emit_record(struct zfd_kdump_writer *w, uint64_t off,
		       const void *buf, size_t len)
{
	uint8_t rec[ZFD_KDUMP_FLAT_REC_SIZE];
	int rc;

	zfd_put_be64(rec, off);
	zfd_put_be64(rec + 8, len);
	rc = w->out(w->arg, w->stream_pos, rec, sizeof(rec));
	if (rc)
		return rc;
	w->stream_pos += sizeof(rec);
	rc = w->out(w->arg, w->stream_pos, buf, len);
	if (rc)
		return rc;
	w->stream_pos += len;
	return 0;
}

/* Writes the coalesced record, if any. */
static int flush_co(struct zfd_kdump_writer *w)
{
	int rc;

	if (!w->co_len)
		return 0;
	rc = emit_record(w, w->co_off, w->co, w->co_len);
	w->co_len = 0;
	return rc;
}

/*
 * Everything to the output goes through here. A flattened stream merges
 * writes that continue each other into records of up to CO_MAX bytes
 * (readers index the records: fewer is faster).
 */
static int emit(struct zfd_kdump_writer *w, uint64_t off, const void *buf,
		size_t len)
{
	int rc;

	if (!len)
		return 0;
	if (off + len > w->file_size)
		w->file_size = off + len;
	if (!w->o.flat)
		return w->out(w->arg, off, buf, len);
	if (w->co_len && off == w->co_off + w->co_len &&
	    w->co_len + len <= CO_MAX) {
		memcpy(w->co + w->co_len, buf, len);
		w->co_len += len;
		return 0;
	}
	rc = flush_co(w);
	if (rc)
		return rc;
	if (len >= CO_MAX)
		return emit_record(w, off, buf, len);
	memcpy(w->co, buf, len);
	w->co_off = off;
	w->co_len = len;
	return 0;
}

static void put_str(uint8_t *p, size_t field, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n < field - 1 ? n : field - 1);
}

/*
 * True when the utsname caught in memory is whole and plausible: sysname
 * "Linux" and the release VMCOREINFO names (else the address was wrong).
 */
static bool uts_caught(const struct zfd_kdump_writer *w)
{
	return w->uts_seen == ZFD_UTS_SIZE && memcmp(w->uts, "Linux", 6) == 0 &&
	       w->d->kernel[0] &&
	       strncmp((const char *)w->uts + 2 * 65, w->d->kernel, 65) == 0 &&
	       memchr(w->uts + 3 * 65, 0, 65) && memchr(w->uts + 65, 0, 65) &&
	       memchr(w->uts + 5 * 65, 0, 65);
}

/*
 * Where init_uts_ns.name lies (x86_64: kernel text mapping, through
 * phys_base): VMCOREINFO's SYMBOL(init_uts_ns) and
 * OFFSET(uts_namespace.name). UINT64_MAX when unknown.
 */
static uint64_t find_uts(const struct zfd_kdump_writer *w)
{
	const struct zfd_dump *d = w->d;
	char sym[32], off[32];
	uint64_t va, pa;

	if (d->machine != EM_X86_64 || !d->vmcoreinfo ||
	    !zfd_vmcoreinfo_get(d->vmcoreinfo, d->vmcoreinfo_len,
				"SYMBOL(init_uts_ns)", sym, sizeof(sym)) ||
	    !zfd_vmcoreinfo_get(d->vmcoreinfo, d->vmcoreinfo_len,
				"OFFSET(uts_namespace.name)", off, sizeof(off)))
		return UINT64_MAX;
	va = strtoull(sym, NULL, 16) + strtoull(off, NULL, 10);
	if (va < X86_START_KERNEL_MAP)
		return UINT64_MAX;
	pa = va - X86_START_KERNEL_MAP + w->phys_base;
	if (pa < d->mem_start || pa - d->mem_start > d->mem_size ||
	    d->mem_size - (pa - d->mem_start) < ZFD_UTS_SIZE)
		return UINT64_MAX;
	return pa - d->mem_start;
}

/* Copies what memory [off, off + len) holds of the utsname. */
static void catch_uts(struct zfd_kdump_writer *w, uint64_t off,
		      const uint8_t *p, size_t len)
{
	uint64_t from, to;

	if (!p || w->uts_off == UINT64_MAX ||
	    off >= w->uts_off + ZFD_UTS_SIZE || off + len <= w->uts_off)
		return;
	from = ZFD_MAX(off, w->uts_off);
	to = ZFD_MIN(off + len, w->uts_off + ZFD_UTS_SIZE);
	/* memory comes in ascending order: count what arrived in one run */
	if (from - w->uts_off > w->uts_seen)
		return;
	memcpy(w->uts + (from - w->uts_off), p + (from - off), to - from);
	if (to - w->uts_off > w->uts_seen)
		w->uts_seen = (uint32_t)(to - w->uts_off);
}

/* disk_dump_header, 64-bit layout. */
static void encode_header(const struct zfd_kdump_writer *w, uint8_t *h)
{
	const struct zfd_dump *d = w->d;
	char arch[32];
	uint8_t *uts = h + 12;

	memset(h, 0, ZFD_KDUMP_HDR_SIZE);
	memcpy(h, ZFD_KDUMP_SIG, 8);
	put32(w, h + 8, ZFD_KDUMP_VERSION);
	/* new_utsname: 6 fields of 65 bytes */
	put_str(uts, 65, "Linux");
	/* readers (libkdumpfile) ignore a utsname with an empty release */
	put_str(uts + 2 * 65, 65, d->kernel[0] ? d->kernel : "unknown");
	/* readers want a version: the crashed kernel's, from its memory */
	if (uts_caught(w)) {
		memcpy(uts + 65, w->uts + 65, 64);	   /* nodename */
		memcpy(uts + 3 * 65, w->uts + 3 * 65, 64); /* version */
		memcpy(uts + 5 * 65, w->uts + 5 * 65, 64); /* domainname */
	} else {
		put_str(uts + 3 * 65, 65, "unknown");
	}
	put_str(uts + 4 * 65, 65, zfd_dump_arch(d, arch, sizeof(arch)));
	put64(w, h + 408, (uint64_t)(d->crash_time > 0 ? d->crash_time : 0));
	put64(w, h + 416, 0);
	put32(w, h + 424, w->status);
	put32(w, h + 428, w->ps);
	put32(w, h + 432, w->sub_blocks);
	put32(w, h + 436, (uint32_t)(2 * w->bitmap_len / w->ps));
	put32(w, h + 440,
	      w->max_mapnr > UINT32_MAX ? UINT32_MAX : (uint32_t)w->max_mapnr);
	put32(w, h + 460, (uint32_t)d->nr_cpus);
}

/* kdump_sub_header, 64-bit layout, and the notes behind it. */
static void encode_sub(const struct zfd_kdump_writer *w, uint8_t *s)
{
	const struct zfd_dump *d = w->d;
	uint64_t note_off = w->ps + ZFD_KDUMP_SUB_SIZE;

	put64(w, s + 0, w->phys_base);
	put32(w, s + 8, w->o.dump_level);
	put32(w, s + 12, 0); /* split */
	if (d->vmcoreinfo && d->vmcoreinfo_len) {
		put64(w, s + 32,
		      note_off + (uint64_t)((const uint8_t *)d->vmcoreinfo -
					    d->notes));
		put64(w, s + 40, d->vmcoreinfo_len);
	}
	if (d->notes_len) {
		put64(w, s + 48, note_off);
		put64(w, s + 56, d->notes_len);
		memcpy(s + ZFD_KDUMP_SUB_SIZE, d->notes, d->notes_len);
	}
	put64(w, s + 96, w->max_mapnr);
}

/* Sets bits [from, to) of a bitmap window that starts at bit 0. */
static void set_bits(uint8_t *b, uint64_t from, uint64_t to)
{
	while (from < to && from % 8)
		b[from / 8] |= (uint8_t)(1u << (from % 8)), from++;
	if (to - from >= 8 && from < to) {
		memset(b + from / 8, 0xff, (to - from) / 8);
		from += (to - from) / 8 * 8;
	}
	while (from < to)
		b[from / 8] |= (uint8_t)(1u << (from % 8)), from++;
}

/* Bitmap bytes [byte, byte + len): page frames of the ranges below limit. */
static void gen_bitmap(const struct zfd_kdump_writer *w, uint64_t byte,
		       uint8_t *buf, size_t len, uint64_t limit)
{
	uint64_t lo = byte * 8, hi = (byte + len) * 8, s, e;
	size_t i;

	memset(buf, 0, len);
	hi = ZFD_MIN(hi, limit);
	for (i = 0; i < w->nr_ranges; i++) {
		s = ZFD_MAX(w->ranges[i].start, lo);
		e = ZFD_MIN(w->ranges[i].end, hi);
		if (s < e)
			set_bits(buf, s - lo, e - lo);
	}
}

static int write_bitmap(struct zfd_kdump_writer *w, uint64_t off,
			uint64_t from_byte, uint64_t limit)
{
	uint64_t b;
	size_t n;
	int rc;

	for (b = from_byte; b < w->bitmap_len; b += n) {
		n = (size_t)ZFD_MIN((uint64_t)WIN_BYTES, w->bitmap_len - b);
		gen_bitmap(w, b, w->win, n, limit);
		rc = emit(w, off + b, w->win, n);
		if (rc)
			return rc;
	}
	return 0;
}

static int add_pfn_range(struct zfd_kdump_writer *w, uint64_t s, uint64_t e)
{
	struct pfn_range *last = w->nr_ranges ? &w->ranges[w->nr_ranges - 1] :
						NULL;

	if (s >= e)
		return 0;
	if (last && s < last->start)
		return -EINVAL;
	if (last && s <= last->end) {
		if (e > last->end) {
			w->nr_pages += e - last->end;
			last->end = e;
		}
		return 0;
	}
	w->ranges[w->nr_ranges].start = s;
	w->ranges[w->nr_ranges].end = e;
	w->nr_ranges++;
	w->nr_pages += e - s;
	return 0;
}

static uint64_t find_phys_base(const struct zfd_dump *d)
{
	char val[32];
	size_t i;

	if (d->phys_base)
		return d->phys_base;
	if (d->vmcoreinfo &&
	    zfd_vmcoreinfo_get(d->vmcoreinfo, d->vmcoreinfo_len,
			       "NUMBER(phys_base)", val, sizeof(val)))
		return strtoull(val, NULL, 0);
	/* x86_64: the kernel text segment, mapped at __START_KERNEL_map */
	if (d->machine != EM_X86_64)
		return 0;
	for (i = 0; i < d->nr_segs; i++)
		if (d->segs[i].vaddr >= 0xffffffff80000000ull &&
		    d->segs[i].vaddr != UINT64_MAX)
			return d->segs[i].paddr -
			       (d->segs[i].vaddr - 0xffffffff80000000ull);
	return 0;
}

int zfd_kdump_writer_new(struct zfd_kdump_writer **wp, const struct zfd_dump *d,
			 const struct zfd_kdump_wopts *o, zfd_kdump_out_fn out,
			 void *arg, char *why, size_t why_len)
{
	struct zfd_kdump_writer *w;
	uint64_t end, s, e;
	char val[32];
	size_t i;
	int rc;

	if (d->elf_class != ELFCLASS64) {
		snprintf(why, why_len,
			 "the kdump format is written for 64-bit "
			 "machines only");
		return -EOPNOTSUPP;
	}
	if (d->vmcoreinfo &&
	    zfd_vmcoreinfo_get(d->vmcoreinfo, d->vmcoreinfo_len, "PAGESIZE",
			       val, sizeof(val)) &&
	    strtoul(val, NULL, 10) != ZFD_PAGE_SIZE) {
		snprintf(why, why_len,
			 "page size %s is not supported by the "
			 "kdump writer (4096 only)",
			 val);
		return -EOPNOTSUPP;
	}
	rc = zfd_kdump_level_check(o->codec, o->level, why, why_len);
	if (rc)
		return rc;
	if (d->mem_start % ZFD_PAGE_SIZE ||
	    d->mem_size > UINT64_MAX - d->mem_start ||
	    d->notes_len > ZFD_KDUMP_MAX_NOTES ||
	    (d->vmcoreinfo &&
	     ((const uint8_t *)d->vmcoreinfo < d->notes ||
	      (uint64_t)((const uint8_t *)d->vmcoreinfo - d->notes) +
			      d->vmcoreinfo_len >
		      d->notes_len))) {
		snprintf(why, why_len, "memory layout or notes unusable");
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->d = d;
	w->o = *o;
	w->out = out;
	w->arg = arg;
	w->be = d->big_endian;
	w->ps = ZFD_PAGE_SIZE;
	w->cur_pfn = UINT64_MAX;
	end = d->mem_start + d->mem_size;
	w->max_mapnr = end / w->ps + (end % w->ps ? 1 : 0);
	w->ranges = calloc(d->nr_ranges ? d->nr_ranges : 1, sizeof(*w->ranges));
	w->page = malloc(w->ps);
	w->desc = malloc(DESC_WIN * ZFD_KDUMP_DESC_SIZE);
	w->win = malloc(WIN_BYTES > w->ps ? WIN_BYTES : w->ps);
	w->b2 = calloc(1, WIN_BYTES);
	if (o->flat)
		w->co = malloc(CO_MAX);
	if (!w->ranges || !w->page || !w->desc || !w->win || !w->b2 ||
	    (o->flat && !w->co))
		goto out_nomem;
	for (i = 0; i < d->nr_ranges; i++) {
		s = d->mem_start + d->ranges[i].start;
		e = s + d->ranges[i].size;
		if (d->ranges[i].start > d->mem_size ||
		    d->ranges[i].size > d->mem_size - d->ranges[i].start ||
		    add_pfn_range(w, s / w->ps,
				  e / w->ps + (e % w->ps ? 1 : 0))) {
			snprintf(why, why_len,
				 "memory range %zu is outside "
				 "the memory or not ascending",
				 i);
			zfd_kdump_writer_free(w);
			return -EINVAL;
		}
	}
	if (o->dump_level > ZFD_KDUMP_MAX_LEVEL) {
		snprintf(why, why_len, "dump level %u is not 0-%u",
			 o->dump_level, ZFD_KDUMP_MAX_LEVEL);
		zfd_kdump_writer_free(w);
		return -EINVAL;
	}
	rc = zfd_kdump_codec_load(o->codec, why, why_len);
	if (rc) {
		zfd_kdump_writer_free(w);
		return rc;
	}
	if (zfd_kdump_codec_new(&w->cc, o->codec, o->level, w->ps))
		goto out_nomem;
	w->sub_blocks = (uint32_t)ZFD_ALIGN_UP(ZFD_KDUMP_SUB_SIZE +
						       d->notes_len,
					       (uint64_t)w->ps) /
			w->ps;
	w->bitmap_len = ZFD_ALIGN_UP(w->max_mapnr / 8 +
					     (w->max_mapnr % 8 ? 1 : 0),
				     (uint64_t)w->ps);
	if (!w->bitmap_len)
		w->bitmap_len = w->ps;
	if (2 * w->bitmap_len / w->ps > UINT32_MAX) {
		snprintf(why, why_len, "memory too large for the kdump format");
		zfd_kdump_writer_free(w);
		return -EINVAL;
	}
	w->bitmap_off = (uint64_t)(1 + w->sub_blocks) * w->ps;
	w->desc_off = w->bitmap_off + 2 * w->bitmap_len;
	w->data_off = w->desc_off + w->nr_pages * ZFD_KDUMP_DESC_SIZE;
	w->zero_off = w->data_off;
	w->data_pos = w->data_off + w->ps;
	w->phys_base = find_phys_base(d);
	w->uts_off = find_uts(w);
	w->status = zfd_kdump_codec_flag(o->codec) | ZFD_KDUMP_INCOMPLETE;
	w->ri = 0;
	w->next_pfn = w->nr_ranges ? w->ranges[0].start : UINT64_MAX;
	*wp = w;
	return 0;

out_nomem:
	zfd_kdump_writer_free(w);
	return -ENOMEM;
}

void zfd_kdump_writer_free(struct zfd_kdump_writer *w)
{
	if (!w)
		return;
	zfd_kdump_codec_free(w->cc);
	free(w->ranges);
	free(w->page);
	free(w->desc);
	free(w->win);
	free(w->b2);
	free(w->co);
	free(w);
}

static int write_header(struct zfd_kdump_writer *w)
{
	memset(w->win, 0, w->ps);
	encode_header(w, w->win);
	return emit(w, 0, w->win, w->ps);
}

int zfd_kdump_writer_begin(struct zfd_kdump_writer *w)
{
	uint64_t sub_len = (uint64_t)w->sub_blocks * w->ps;
	uint8_t *sub;
	int rc;

	if (w->o.flat) {
		memset(w->win, 0, ZFD_KDUMP_FLAT_HDR_SIZE);
		memcpy(w->win, ZFD_KDUMP_FLAT_SIG, strlen(ZFD_KDUMP_FLAT_SIG));
		zfd_put_be64(w->win + 16, 1); /* type: flat header */
		zfd_put_be64(w->win + 24, 1); /* version */
		rc = w->out(w->arg, 0, w->win, ZFD_KDUMP_FLAT_HDR_SIZE);
		if (rc)
			return rc;
		w->stream_pos = ZFD_KDUMP_FLAT_HDR_SIZE;
	}
	rc = write_header(w);
	if (rc)
		return rc;
	sub = calloc(1, sub_len);
	if (!sub)
		return -ENOMEM;
	encode_sub(w, sub);
	rc = emit(w, w->ps, sub, sub_len);
	free(sub);
	if (!rc)
		rc = write_bitmap(w, w->bitmap_off, 0, UINT64_MAX);
	if (rc)
		return rc;
	memset(w->win, 0, w->ps);
	rc = emit(w, w->zero_off, w->win, w->ps);
	w->begun = true;
	return rc;
}

static int flush_desc(struct zfd_kdump_writer *w)
{
	int rc;

	if (!w->desc_n)
		return 0;
	rc = emit(w, w->desc_off + w->desc_first * ZFD_KDUMP_DESC_SIZE, w->desc,
		  w->desc_n * ZFD_KDUMP_DESC_SIZE);
	w->desc_first += w->desc_n;
	w->desc_n = 0;
	return rc;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	return p[0] == 0 && memcmp(p, p + 1, len - 1) == 0;
}

/* Bitmap 2's window goes out; the next one starts empty. */
static int flush_b2(struct zfd_kdump_writer *w)
{
	size_t n;
	int rc;

	if (w->b2_byte >= w->bitmap_len)
		return 0;
	n = (size_t)ZFD_MIN((uint64_t)WIN_BYTES, w->bitmap_len - w->b2_byte);
	rc = emit(w, w->bitmap_off + w->bitmap_len + w->b2_byte, w->b2, n);
	w->b2_byte += WIN_BYTES;
	memset(w->b2, 0, WIN_BYTES);
	return rc;
}

/* Page frame pfn is in the file: its bit in bitmap 2. */
static int keep_pfn(struct zfd_kdump_writer *w, uint64_t pfn)
{
	int rc;

	while (pfn / 8 >= w->b2_byte + WIN_BYTES) {
		rc = flush_b2(w);
		if (rc)
			return rc;
	}
	w->b2[pfn / 8 - w->b2_byte] |= (uint8_t)(1u << (pfn % 8));
	return 0;
}

/* On to the next page frame of the ranges. */
static void next_frame(struct zfd_kdump_writer *w)
{
	w->next_pfn++;
	if (w->next_pfn >= w->ranges[w->ri].end) {
		w->ri++;
		w->next_pfn = w->ri < w->nr_ranges ? w->ranges[w->ri].start :
						     UINT64_MAX;
	}
}

/*
 * The next page frame of the ranges gets page (NULL: zeros). A page the
 * dump level excludes (zfd_kdump_writer_skip()) is not in the file: no
 * bit in bitmap 2, no descriptor. A page of zeros is in the file at every
 * level, with the one shared descriptor, as makedumpfile writes this
 * format (its dump level bit 1 leaves zero pages out of ELF files only).
 */
static int emit_page(struct zfd_kdump_writer *w, const uint8_t *page)
{
	uint8_t *dsc = w->desc + w->desc_n * ZFD_KDUMP_DESC_SIZE;
	const struct zfd_kdump_pre *e = NULL;
	const void *cdata;
	size_t clen;
	uint32_t flags = 0;
	bool zero;
	int rc;

	if (page && w->pre && w->next_pfn - w->pre_first < w->pre_n &&
	    w->pre[w->next_pfn - w->pre_first].kind != ZFD_KDUMP_PRE_NONE)
		e = &w->pre[w->next_pfn - w->pre_first];
	zero = e ? e->kind == ZFD_KDUMP_PRE_ZERO :
		   !page || all_zero(page, w->ps);

	if (w->skipping) {
		w->nr_excl++;
		next_frame(w);
		return 0;
	}
	rc = keep_pfn(w, w->next_pfn);
	if (rc)
		return rc;
	if (zero) {
		put64(w, dsc, w->zero_off);
		put32(w, dsc + 8, w->ps);
		w->nr_zero++;
	} else {
		if (e && e->kind == ZFD_KDUMP_PRE_COMP) {
			cdata = e->data;
			clen = e->len;
			rc = 0;
		} else if (e) {
			rc = -ENOSPC; /* ZFD_KDUMP_PRE_RAW */
		} else {
			rc = zfd_kdump_compress(w->cc, page, &cdata, &clen);
		}
		if (rc == -ENOSPC) {
			cdata = page;
			clen = w->ps;
			w->nr_raw++;
		} else if (rc) {
			return rc;
		} else {
			flags = zfd_kdump_codec_flag(w->o.codec);
			w->nr_comp++;
		}
		rc = emit(w, w->data_pos, cdata, clen);
		if (rc)
			return rc;
		put64(w, dsc, w->data_pos);
		put32(w, dsc + 8, (uint32_t)clen);
		w->data_pos += clen;
	}
	put32(w, dsc + 12, flags);
	put64(w, dsc + 16, 0);
	w->desc_n++;
	w->idx++;
	if (w->desc_n == DESC_WIN) {
		rc = flush_desc(w);
		if (rc)
			return rc;
	}
	next_frame(w);
	return 0;
}

/* Emits the assembled page, if any. */
static int flush_page(struct zfd_kdump_writer *w)
{
	int rc = 0;

	if (w->cur_pfn != UINT64_MAX && w->cur_pfn == w->next_pfn)
		rc = emit_page(w, w->page);
	w->cur_pfn = UINT64_MAX;
	return rc;
}

/* Zero pages for every page frame of the ranges below pfn. */
static int emit_zeros_before(struct zfd_kdump_writer *w, uint64_t pfn)
{
	int rc;

	while (w->next_pfn < pfn) {
		rc = emit_page(w, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

int zfd_kdump_writer_mem(struct zfd_kdump_writer *w, uint64_t off,
			 const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t addr, pfn, in;
	size_t n;
	int rc;

	if (!w->begun || w->finished)
		return -EINVAL;
	if (off >= w->d->mem_size)
		return 0;
	len = (size_t)ZFD_MIN((uint64_t)len, w->d->mem_size - off);
	catch_uts(w, off, p, len);
	addr = w->d->mem_start + off;
	while (len) {
		pfn = addr / w->ps;
		in = addr % w->ps;
		n = (size_t)ZFD_MIN((uint64_t)len, w->ps - in);
		if (pfn != w->cur_pfn) {
			rc = flush_page(w);
			if (!rc)
				rc = emit_zeros_before(w, pfn);
			if (rc)
				return rc;
			if (pfn == w->next_pfn) {
				w->cur_pfn = pfn;
				memset(w->page, 0, w->ps);
			}
		}
		if (pfn == w->cur_pfn) {
			if (p)
				memcpy(w->page + in, p, n);
			if (in + n == w->ps) {
				rc = flush_page(w);
				if (rc)
					return rc;
			}
		}
		addr += n;
		if (p)
			p += n;
		len -= n;
	}
	return 0;
}

void zfd_kdump_writer_pre(struct zfd_kdump_writer *w,
			  const struct zfd_kdump_pre *pre, uint64_t first,
			  size_t n)
{
	w->pre = pre;
	w->pre_first = first;
	w->pre_n = pre ? n : 0;
}

int zfd_kdump_writer_skip(struct zfd_kdump_writer *w, uint64_t off,
			  uint64_t len)
{
	uint64_t first, last;
	int rc;

	if (!w->begun || w->finished)
		return -EINVAL;
	if (off >= w->d->mem_size || !len)
		return 0;
	len = ZFD_MIN(len, w->d->mem_size - off);
	first = (w->d->mem_start + off) / w->ps;
	last = (w->d->mem_start + off + len + w->ps - 1) / w->ps;
	if (w->cur_pfn != UINT64_MAX && w->cur_pfn < first) {
		rc = flush_page(w);
		if (rc)
			return rc;
	}
	/* a page partly assembled and partly excluded is excluded */
	w->cur_pfn = UINT64_MAX;
	rc = emit_zeros_before(w, first);
	if (rc)
		return rc;
	w->skipping = true;
	rc = emit_zeros_before(w, last);
	w->skipping = false;
	return rc;
}

int zfd_kdump_writer_finish(struct zfd_kdump_writer *w, uint64_t good,
			    bool *complete)
{
	uint64_t limit;
	bool done;
	int rc;

	if (!w->begun || w->finished)
		return -EINVAL;
	w->finished = true;
	if (good >= w->d->mem_size) {
		/* the memory's last page may be partial: complete it */
		rc = flush_page(w);
		if (!rc)
			rc = emit_zeros_before(w, UINT64_MAX);
	} else {
		/* only whole pages below good count */
		limit = (w->d->mem_start + good) / w->ps;
		if (w->cur_pfn != UINT64_MAX && w->cur_pfn < limit)
			rc = flush_page(w);
		else
			rc = 0;
		w->cur_pfn = UINT64_MAX;
		if (!rc)
			rc = emit_zeros_before(w, limit);
	}
	if (!rc)
		rc = flush_desc(w);
	if (rc)
		return rc;
	done = w->next_pfn == UINT64_MAX;
	/* bitmap 2 up to its end: pages never written are not in it */
	while (!rc && w->b2_byte < w->bitmap_len)
		rc = flush_b2(w);
	if (rc)
		return rc;
	if (done)
		w->status &= ~(uint32_t)ZFD_KDUMP_INCOMPLETE;
	rc = write_header(w);
	if (!rc)
		rc = flush_co(w);
	if (!rc && w->o.flat) {
		uint8_t rec[ZFD_KDUMP_FLAT_REC_SIZE];

		memset(rec, 0xff, sizeof(rec));
		rc = w->out(w->arg, w->stream_pos, rec, sizeof(rec));
		w->stream_pos += sizeof(rec);
	}
	if (complete)
		*complete = done;
	return rc;
}

uint64_t zfd_kdump_writer_file_size(const struct zfd_kdump_writer *w)
{
	return w->file_size;
}

uint64_t zfd_kdump_writer_out_size(const struct zfd_kdump_writer *w)
{
	return w->o.flat ? w->stream_pos : w->file_size;
}

uint64_t zfd_kdump_writer_excluded(const struct zfd_kdump_writer *w)
{
	return w->nr_excl;
}

uint64_t zfd_kdump_writer_min_out(const struct zfd_kdump_writer *w)
{
	/* no page: headers, sub-header, the bitmaps, the zero page */
	uint64_t rec = ZFD_KDUMP_FLAT_REC_SIZE;

	return ZFD_KDUMP_FLAT_HDR_SIZE + 3 * (w->ps + rec) +
	       (uint64_t)w->sub_blocks * w->ps + 2 * w->bitmap_len + 2 * rec;
}

uint64_t zfd_kdump_writer_max_out(const struct zfd_kdump_writer *w)
{
	/* every page raw, its descriptor, the bitmaps and headers twice,
	 * and a record header per page and per window: an upper bound */
	uint64_t pages = w->nr_pages, rec = ZFD_KDUMP_FLAT_REC_SIZE;

	return ZFD_KDUMP_FLAT_HDR_SIZE + 4 * (w->ps + rec) +
	       (uint64_t)w->sub_blocks * w->ps + rec +
	       4 * (w->bitmap_len + (w->bitmap_len / WIN_BYTES + 2) * rec) +
	       pages * (w->ps + ZFD_KDUMP_DESC_SIZE + rec) +
	       (pages / DESC_WIN + 2) * rec + rec;
}

void zfd_kdump_writer_stats(const struct zfd_kdump_writer *w, uint64_t *pages,
			    uint64_t *zero, uint64_t *compressed, uint64_t *raw)
{
	*pages = w->idx;
	*zero = w->nr_zero;
	*compressed = w->nr_comp;
	*raw = w->nr_raw;
}
