// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bounds-checked reader of makedumpfile's kdump-compressed format
 * (fmt_kdump.h), and the flattened-stream unpacker. Everything in the
 * file is distrusted: sizes are checked against the file before use,
 * memory stays bounded (one count per bitmap block, one block of each
 * bitmap, a window of descriptors).
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "fmt_kdump.h"
#include "util.h"

#define DESC_WIN 1024

struct bitmap_cache {
	uint64_t blk; /* cached block, UINT64_MAX: none */
	uint8_t *buf;
};

struct zfd_kdump_reader {
	struct zfd_kdump_info info;
	zfd_kdump_read_fn read;
	void *arg;
	uint64_t nr_blocks; /* blocks of one bitmap */
	uint64_t *before;   /* dumpable pages before each bitmap block */
	struct bitmap_cache bm[2];
	uint32_t *prefix; /* bits set before each byte of bm[1] */
	uint8_t *desc;	  /* DESC_WIN descriptors */
	uint64_t desc_first, desc_n;
	uint8_t *cbuf; /* compressed page */
};

static int fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static uint32_t get32(const struct zfd_kdump_reader *r, const uint8_t *p)
{
	return r->info.big_endian ? zfd_get_be32(p) : zfd_get_le32(p);
}

static uint64_t get64(const struct zfd_kdump_reader *r, const uint8_t *p)
{
	return r->info.big_endian ? zfd_get_be64(p) : zfd_get_le64(p);
}

static int read_exact(struct zfd_kdump_reader *r, void *buf, size_t len,
		      uint64_t off)
{
	int64_t n;

	if (off > r->info.file_size || len > r->info.file_size - off)
		return -EIO;
	n = r->read(r->arg, buf, len, off);
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;
}

static void copy_str(char *dst, const uint8_t *src, size_t field)
{
	size_t i;

	for (i = 0; i < field && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[i] = 0;
}

static bool pow2_page(uint32_t x)
{
	return x >= 512 && x <= ZFD_KDUMP_MAX_PAGE && !(x & (x - 1));
}

static int load_block(struct zfd_kdump_reader *r, int which, uint64_t blk)
{
	struct bitmap_cache *c = &r->bm[which];
	uint32_t ps = r->info.page_size, i, n = 0;
	int rc;

	if (c->blk == blk)
		return 0;
	c->blk = UINT64_MAX;
	rc = read_exact(r, c->buf, ps,
			r->info.bitmap_off +
				(uint64_t)which * r->info.bitmap_len +
				blk * ps);
	if (rc)
		return rc;
	if (which == 1) {
		for (i = 0; i < ps; i++) {
			r->prefix[i] = n;
			n += (uint32_t)__builtin_popcount(c->buf[i]);
		}
	}
	c->blk = blk;
	return 0;
}

/* Counts bitmap 2, block by block; bits beyond max_mapnr must be 0. */
static int count_bitmap(struct zfd_kdump_reader *r, char *why, size_t why_len)
{
	struct zfd_kdump_info *in = &r->info;
	uint64_t total = 0, b, pfn0, maxdesc;
	uint32_t ps = in->page_size, i, bit;
	int rc;

	r->before = calloc(r->nr_blocks + 1, sizeof(*r->before));
	if (!r->before)
		return -ENOMEM;
	maxdesc = (in->file_size - in->desc_off) / ZFD_KDUMP_DESC_SIZE;
	for (b = 0; b < r->nr_blocks; b++) {
		r->before[b] = total;
		rc = load_block(r, 1, b);
		if (rc)
			return rc;
		pfn0 = b * ps * 8;
		for (i = 0; i < ps; i++) {
			uint8_t v = r->bm[1].buf[i];

			if (!v)
				continue;
			for (bit = 0; bit < 8; bit++)
				if ((v >> bit) & 1 &&
				    pfn0 + i * 8 + bit >= in->max_mapnr)
					return fail(why, why_len,
						    "bitmap 2 "
						    "marks page frame %" PRIu64
						    " beyond max_mapnr %" PRIu64,
						    pfn0 + i * 8 + bit,
						    in->max_mapnr);
			total += (uint64_t)__builtin_popcount(v);
		}
		if (total > maxdesc)
			return fail(why, why_len,
				    "bitmap 2 marks more pages "
				    "than the file has page descriptors for "
				    "(file of %" PRIu64 " bytes)",
				    in->file_size);
	}
	r->before[r->nr_blocks] = total;
	in->nr_dumpable = total;
	in->data_off = in->desc_off + total * ZFD_KDUMP_DESC_SIZE;
	return 0;
}

static int parse(struct zfd_kdump_reader *r, char *why, size_t why_len)
{
	struct zfd_kdump_info *in = &r->info;
	uint8_t h[ZFD_KDUMP_HDR_SIZE], s[ZFD_KDUMP_SUB_SIZE];
	uint32_t sub_blocks, bitmap_blocks, le_bs, be_bs;
	uint64_t sub_end, mapnr32;
	int rc;

	if (in->file_size < ZFD_KDUMP_HDR_SIZE)
		return -ENODEV;
	rc = read_exact(r, h, sizeof(h), 0);
	if (rc)
		return rc;
	if (memcmp(h, ZFD_KDUMP_FLAT_SIG, strlen(ZFD_KDUMP_FLAT_SIG) + 1) == 0)
		return fail(why, why_len,
			    "a flattened kdump stream: turn it "
			    "into a kdump file first (zfcpdump-get copy -f "
			    "kdump, or makedumpfile -R)");
	if (memcmp(h, ZFD_KDUMP_SIG, 8) != 0)
		return -ENODEV;
	le_bs = zfd_get_le32(h + 428);
	be_bs = zfd_get_be32(h + 428);
	if (pow2_page(le_bs))
		in->big_endian = false;
	else if (pow2_page(be_bs))
		in->big_endian = true;
	else
		return fail(why, why_len,
			    "block size 0x%08" PRIx32 " is not "
			    "a page size (64-bit header expected)",
			    le_bs);
	in->page_size = get32(r, h + 428);
	in->version = get32(r, h + 8);
	if (in->version < 6 || in->version > 100)
		return fail(why, why_len,
			    "kdump header version %" PRIu32
			    " is not supported (6 or later)",
			    in->version);
	copy_str(in->sysname, h + 12, 65);
	copy_str(in->release, h + 12 + 2 * 65, 65);
	copy_str(in->machine, h + 12 + 4 * 65, 65);
	in->time = (int64_t)get64(r, h + 408);
	in->status = get32(r, h + 424);
	sub_blocks = get32(r, h + 432);
	bitmap_blocks = get32(r, h + 436);
	mapnr32 = get32(r, h + 440);
	in->nr_cpus = get32(r, h + 460);
	if (sub_blocks == 0 || bitmap_blocks == 0 || bitmap_blocks % 2)
		return fail(why, why_len,
			    "sub-header of %" PRIu32 " blocks "
			    "or bitmaps of %" PRIu32 " blocks are impossible",
			    sub_blocks, bitmap_blocks);
	sub_end = (1 + (uint64_t)sub_blocks) * in->page_size;
	in->bitmap_off = sub_end;
	in->bitmap_len = (uint64_t)bitmap_blocks / 2 * in->page_size;
	in->desc_off = in->bitmap_off + 2 * in->bitmap_len;
	if (in->desc_off > in->file_size)
		return fail(why, why_len,
			    "bitmaps end at %" PRIu64 ", beyond "
			    "the end of the file (%" PRIu64 " bytes)",
			    in->desc_off, in->file_size);
	rc = read_exact(r, s, sizeof(s), in->page_size);
	if (rc)
		return rc;
	in->phys_base = get64(r, s);
	in->dump_level = get32(r, s + 8);
	if (get32(r, s + 12))
		return fail(why, why_len,
			    "a split dump (one part of several) "
			    "is not supported");
	in->vmcoreinfo_off = get64(r, s + 32);
	in->vmcoreinfo_len = get64(r, s + 40);
	in->notes_off = get64(r, s + 48);
	in->notes_len = get64(r, s + 56);
	in->max_mapnr = get64(r, s + 96);
	if (!in->max_mapnr)
		in->max_mapnr = mapnr32;
	if (in->max_mapnr > ZFD_KDUMP_MAX_MAPNR ||
	    in->max_mapnr > in->bitmap_len * 8)
		return fail(why, why_len,
			    "max_mapnr %" PRIu64 " does not fit "
			    "bitmaps of %" PRIu64 " bytes",
			    in->max_mapnr, in->bitmap_len);
	if (in->notes_len &&
	    (in->notes_len > ZFD_KDUMP_MAX_NOTES ||
	     in->notes_off < in->page_size + ZFD_KDUMP_SUB_SIZE ||
	     in->notes_off > sub_end ||
	     in->notes_len > sub_end - in->notes_off))
		return fail(why, why_len,
			    "notes (%" PRIu64 " bytes at %" PRIu64
			    ") lie outside the sub-header",
			    in->notes_len, in->notes_off);
	if (in->vmcoreinfo_len &&
	    (in->vmcoreinfo_off < in->page_size + ZFD_KDUMP_SUB_SIZE ||
	     in->vmcoreinfo_off > sub_end ||
	     in->vmcoreinfo_len > sub_end - in->vmcoreinfo_off))
		return fail(why, why_len,
			    "VMCOREINFO (%" PRIu64 " bytes at %" PRIu64
			    ") lies outside the sub-header",
			    in->vmcoreinfo_len, in->vmcoreinfo_off);
	r->nr_blocks = in->bitmap_len / in->page_size;
	r->bm[0].blk = r->bm[1].blk = UINT64_MAX;
	r->bm[0].buf = malloc(in->page_size);
	r->bm[1].buf = malloc(in->page_size);
	r->prefix = calloc(in->page_size, sizeof(*r->prefix));
	r->desc = malloc(DESC_WIN * ZFD_KDUMP_DESC_SIZE);
	r->cbuf = malloc(in->page_size);
	if (!r->bm[0].buf || !r->bm[1].buf || !r->prefix || !r->desc ||
	    !r->cbuf)
		return -ENOMEM;
	return count_bitmap(r, why, why_len);
}

int zfd_kdump_open(struct zfd_kdump_reader **rp, zfd_kdump_read_fn read,
		   void *arg, uint64_t file_size, char *why, size_t why_len)
{
	struct zfd_kdump_reader *r;
	int rc;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->read = read;
	r->arg = arg;
	r->info.file_size = file_size;
	rc = parse(r, why, why_len);
	if (rc) {
		if (rc == -EIO)
			snprintf(why, why_len, "read error or file too short");
		else if (rc == -ENOMEM)
			snprintf(why, why_len, "out of memory");
		zfd_kdump_close(r);
		return rc;
	}
	*rp = r;
	return 0;
}

void zfd_kdump_close(struct zfd_kdump_reader *r)
{
	if (!r)
		return;
	free(r->before);
	free(r->bm[0].buf);
	free(r->bm[1].buf);
	free(r->prefix);
	free(r->desc);
	free(r->cbuf);
	free(r);
}

const struct zfd_kdump_info *zfd_kdump_info(const struct zfd_kdump_reader *r)
{
	return &r->info;
}

int zfd_kdump_read_notes(struct zfd_kdump_reader *r, void *buf)
{
	return read_exact(r, buf, r->info.notes_len, r->info.notes_off);
}

static int bit_of(struct zfd_kdump_reader *r, int which, uint64_t pfn,
		  bool *set)
{
	uint64_t bits = (uint64_t)r->info.page_size * 8;
	int rc = load_block(r, which, pfn / bits);

	if (rc)
		return rc;
	*set = (r->bm[which].buf[pfn % bits / 8] >> (pfn % 8)) & 1;
	return 0;
}

int zfd_kdump_pfn_state(struct zfd_kdump_reader *r, uint64_t pfn, bool *valid,
			bool *dumped)
{
	int rc;

	if (pfn >= r->info.max_mapnr)
		return -ERANGE;
	rc = bit_of(r, 0, pfn, valid);
	if (!rc)
		rc = bit_of(r, 1, pfn, dumped);
	return rc;
}

int zfd_kdump_read_page(struct zfd_kdump_reader *r, uint64_t pfn, void *buf,
			char *why, size_t why_len)
{
	struct zfd_kdump_info *in = &r->info;
	uint64_t bits = (uint64_t)in->page_size * 8, idx, off;
	uint32_t size, flags, byte;
	const uint8_t *d;
	bool dumped;
	int rc;

	if (pfn >= in->max_mapnr)
		return -ERANGE;
	rc = bit_of(r, 1, pfn, &dumped);
	if (rc)
		return rc;
	if (!dumped)
		return -ENOENT;
	byte = (uint32_t)(pfn % bits / 8);
	idx = r->before[pfn / bits] + r->prefix[byte] +
	      (uint64_t)__builtin_popcount(r->bm[1].buf[byte] &
					   ((1u << (pfn % 8)) - 1));
	if (idx < r->desc_first || idx >= r->desc_first + r->desc_n) {
		r->desc_n = ZFD_MIN((uint64_t)DESC_WIN, in->nr_dumpable - idx);
		r->desc_first = idx;
		rc = read_exact(r, r->desc, r->desc_n * ZFD_KDUMP_DESC_SIZE,
				in->desc_off + idx * ZFD_KDUMP_DESC_SIZE);
		if (rc) {
			r->desc_n = 0;
			return rc;
		}
	}
	d = r->desc + (idx - r->desc_first) * ZFD_KDUMP_DESC_SIZE;
	off = get64(r, d);
	size = get32(r, d + 8);
	flags = get32(r, d + 12);
	if (flags & ~(uint32_t)ZFD_KDUMP_CODEC_FLAGS ||
	    __builtin_popcount(flags) > 1)
		return fail(why, why_len,
			    "page frame %" PRIu64 ": unknown "
			    "descriptor flags 0x%" PRIx32,
			    pfn, flags);
	if (size == 0 || size > in->page_size ||
	    (!flags && size != in->page_size))
		return fail(why, why_len,
			    "page frame %" PRIu64 ": descriptor "
			    "size %" PRIu32 " is impossible",
			    pfn, size);
	if (off < in->data_off || off > in->file_size ||
	    size > in->file_size - off)
		return fail(why, why_len,
			    "page frame %" PRIu64 ": data at %" PRIu64
			    " (+%" PRIu32 ") lies outside the page "
			    "data area of the file",
			    pfn, off, size);
	if (!flags)
		return read_exact(r, buf, size, off);
	rc = read_exact(r, r->cbuf, size, off);
	if (rc)
		return rc;
	rc = zfd_kdump_decompress(flags, r->cbuf, size, buf, in->page_size);
	if (rc == -ELIBACC)
		return zfd_kdump_codec_load(ZFD_KDUMP_C_SNAPPY, why, why_len);
	if (rc)
		return fail(why, why_len,
			    "page frame %" PRIu64 ": %s data "
			    "at %" PRIu64 " does not decompress to one page",
			    pfn,
			    flags == ZFD_KDUMP_ZLIB   ? "zlib" :
			    flags == ZFD_KDUMP_LZO    ? "lzo" :
			    flags == ZFD_KDUMP_SNAPPY ? "snappy" :
							"zstd",
			    off);
	return 0;
}

bool zfd_kdump_is_flat(const void *head, size_t len)
{
	return len >= 32 && memcmp(head, ZFD_KDUMP_FLAT_SIG,
				   strlen(ZFD_KDUMP_FLAT_SIG) + 1) == 0;
}

int zfd_kdump_unflatten(zfd_kdump_read_fn read, void *rarg,
			zfd_kdump_out_fn out, void *oarg, uint64_t *file_size,
			char *why, size_t why_len)
{
	const size_t cap = 1u << 20;
	uint8_t hdr[ZFD_KDUMP_FLAT_HDR_SIZE], rec[ZFD_KDUMP_FLAT_REC_SIZE];
	uint64_t pos = 0, off, size, n, end = 0;
	uint8_t *buf;
	int64_t got;
	int rc = 0;

	got = read(rarg, hdr, sizeof(hdr), 0);
	if (got != (int64_t)sizeof(hdr) || !zfd_kdump_is_flat(hdr, sizeof(hdr)))
		return fail(why, why_len, "not a flattened kdump stream");
	if (zfd_get_be64(hdr + 16) != 1 || zfd_get_be64(hdr + 24) != 1)
		return fail(why, why_len,
			    "flattened stream type %" PRIu64 " version %" PRIu64
			    " (1 and 1 expected)",
			    zfd_get_be64(hdr + 16), zfd_get_be64(hdr + 24));
	pos = sizeof(hdr);
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		got = read(rarg, rec, sizeof(rec), pos);
		if (got != (int64_t)sizeof(rec)) {
			rc = fail(why, why_len,
				  "flattened stream ends at %" PRIu64
				  " without its end record",
				  pos);
			break;
		}
		pos += sizeof(rec);
		off = zfd_get_be64(rec);
		size = zfd_get_be64(rec + 8);
		if (off == UINT64_MAX && size == UINT64_MAX)
			break;
		if (off >> 56 || size == 0 || size >> 40) {
			rc = fail(why, why_len,
				  "flattened record at %" PRIu64
				  ": offset %" PRIu64 " size %" PRIu64 " are "
				  "impossible",
				  pos - sizeof(rec), off, size);
			break;
		}
		while (size) {
			n = ZFD_MIN(size, (uint64_t)cap);
			got = read(rarg, buf, (size_t)n, pos);
			if (got != (int64_t)n) {
				rc = got < 0 ?
					     (int)got :
					     fail(why, why_len,
						  "flattened stream cut off at %" PRIu64,
						  pos);
				goto out_free;
			}
			rc = out(oarg, off, buf, (size_t)n);
			if (rc)
				goto out_free;
			pos += n;
			off += n;
			size -= n;
			if (off > end)
				end = off;
		}
	}
out_free:
	free(buf);
	if (!rc && file_size)
		*file_size = end;
	return rc;
}

/* The ELF machine whose Linux name the header's utsname.machine is. */
static void find_machine(const struct zfd_kdump_info *in, struct zfd_dump *d)
{
	static const uint16_t machines[] = {
		EM_X86_64, EM_S390,	     EM_AARCH64,
		EM_PPC64,  243 /* RISC-V */, 258 /* LoongArch */,
		EM_MIPS,   EM_SPARCV9,	     EM_IA_64,
	};
	char buf[32];
	size_t i;

	d->elf_class = ELFCLASS64;
	d->big_endian = in->big_endian;
	for (i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		if (strcmp(zfd_dump_arch_name(machines[i], ELFCLASS64,
					      in->big_endian, buf, sizeof(buf)),
			   in->machine) == 0) {
			d->machine = machines[i];
			return;
		}
	}
	d->machine = EM_NONE;
}

/* Appends the run of pages [s, e) to d->ranges (capacity *cap). */
static int add_run(struct zfd_dump *d, size_t *cap, uint64_t s, uint64_t e,
		   uint32_t ps)
{
	struct zfd_range *n;

	if (d->nr_ranges == *cap) {
		if (*cap >= ZFD_KDUMP_MAX_RANGES)
			return -E2BIG;
		*cap = *cap ? *cap * 2 : 64;
		n = realloc(d->ranges, *cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		d->ranges = n;
	}
	d->ranges[d->nr_ranges].start = s * ps;
	d->ranges[d->nr_ranges].size = (e - s) * ps;
	d->nr_ranges++;
	return 0;
}

/* The CPUs: one per NT_PRSTATUS note ("CORE"), in note order. */
static int find_cpus(const struct zfd_kdump_reader *r, struct zfd_dump *d)
{
	uint64_t pos = 0, len = d->notes_len, namesz, descsz, next;
	const uint8_t *n = d->notes;
	size_t cap = 0;

	while (len - pos >= 12) {
		namesz = get32(r, n + pos);
		descsz = get32(r, n + pos + 4);
		next = pos + 12 + ZFD_ALIGN_UP(namesz, 4) +
		       ZFD_ALIGN_UP(descsz, 4);
		if (next > len || next <= pos)
			break;
		if (get32(r, n + pos + 8) == 1 && namesz == 5 &&
		    memcmp(n + pos + 12, "CORE", 5) == 0) {
			struct zfd_dump_cpu *c;

			if (d->nr_cpus == cap) {
				cap = cap ? cap * 2 : 8;
				c = realloc(d->cpus, cap * sizeof(*c));
				if (!c)
					return -ENOMEM;
				d->cpus = c;
			}
			c = &d->cpus[d->nr_cpus];
			c->pid = descsz >= 36 ? get32(r, n + pos + 20 + 32) :
						(uint32_t)d->nr_cpus + 1;
			c->prefix = 0;
			c->note_off = pos;
			c->note_len = next - pos;
			d->nr_cpus++;
		}
		pos = next;
	}
	return 0;
}

int zfd_kdump_to_dump(struct zfd_kdump_reader *r, struct zfd_dump *d, char *why,
		      size_t why_len)
{
	const struct zfd_kdump_info *in = &r->info;
	uint64_t pfn, run = UINT64_MAX, bits = (uint64_t)in->page_size * 8;
	size_t cap = 0, i;
	bool valid;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	find_machine(in, d);
	d->mem_size = in->max_mapnr * in->page_size;
	i = strnlen(in->release, sizeof(d->kernel) - 1);
	memcpy(d->kernel, in->release, i);
	d->kernel[i] = 0;
	d->crash_time = in->time;
	d->phys_base = in->phys_base;
	for (pfn = 0; pfn < in->max_mapnr && !rc; pfn++) {
		/* whole empty bytes at a time */
		if (pfn % 8 == 0 && pfn + 8 <= in->max_mapnr) {
			rc = load_block(r, 0, pfn / bits);
			if (rc)
				break;
			if (!r->bm[0].buf[pfn % bits / 8] &&
			    run == UINT64_MAX) {
				pfn += 7;
				continue;
			}
		}
		rc = bit_of(r, 0, pfn, &valid);
		if (rc)
			break;
		if (valid && run == UINT64_MAX)
			run = pfn;
		else if (!valid && run != UINT64_MAX) {
			rc = add_run(d, &cap, run, pfn, in->page_size);
			run = UINT64_MAX;
		}
	}
	if (!rc && run != UINT64_MAX)
		rc = add_run(d, &cap, run, in->max_mapnr, in->page_size);
	if (!rc && !d->ranges)
		rc = add_run(d, &cap, 0, 0, in->page_size) ? -ENOMEM : 0;
	if (!rc) {
		d->segs = calloc(d->nr_ranges ? d->nr_ranges : 1,
				 sizeof(*d->segs));
		d->notes = malloc(in->notes_len ? in->notes_len : 1);
		if (!d->segs || !d->notes)
			rc = -ENOMEM;
	}
	if (rc) {
		snprintf(why, why_len,
			 rc == -E2BIG  ? "bitmap 1 has more than "
					 "%u runs of pages" :
			 rc == -ENOMEM ? "out of memory" :
					 "read error in bitmap 1",
			 ZFD_KDUMP_MAX_RANGES);
		zfd_dump_free(d);
		return rc == -E2BIG ? -EINVAL : rc;
	}
	d->nr_ranges -= d->ranges[d->nr_ranges - 1].size == 0;
	for (i = 0; i < d->nr_ranges; i++) {
		d->segs[i].paddr = d->ranges[i].start;
		d->segs[i].vaddr = UINT64_MAX;
		d->segs[i].size = d->ranges[i].size;
		d->segs[i].filesz = d->ranges[i].size;
	}
	d->nr_segs = d->nr_ranges;
	if (in->notes_len) {
		rc = zfd_kdump_read_notes(r, d->notes);
		if (rc) {
			snprintf(why, why_len, "cannot read the notes");
			zfd_dump_free(d);
			return rc;
		}
		d->notes_len = in->notes_len;
		if (in->vmcoreinfo_len && in->vmcoreinfo_off >= in->notes_off &&
		    in->vmcoreinfo_off - in->notes_off <= in->notes_len &&
		    in->vmcoreinfo_len <= in->notes_len - (in->vmcoreinfo_off -
							   in->notes_off)) {
			d->vmcoreinfo = (const char *)d->notes +
					(in->vmcoreinfo_off - in->notes_off);
			d->vmcoreinfo_len = in->vmcoreinfo_len;
		}
		if (find_cpus(r, d)) {
			snprintf(why, why_len, "out of memory");
			zfd_dump_free(d);
			return -ENOMEM;
		}
	}
	return 0;
}
