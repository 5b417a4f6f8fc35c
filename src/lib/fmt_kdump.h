/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * makedumpfile's kdump-compressed format ("KDUMP   ", header version 6):
 * a writer (fmt_kdump_write.c), a bounds-checked reader
 * (fmt_kdump_read.c) and the page codecs (fmt_kdump_codec.c).
 *
 * FILE LAYOUT (block = page size of the dumped machine, 4096 here)
 *
 *	block 0			disk_dump_header (464 bytes used)
 *	block 1 ...		kdump_sub_header (104 bytes), then the notes
 *				(every PT_NOTE byte of the dump, unchanged);
 *				VMCOREINFO is the desc of its note in there.
 *				sub_hdr_size blocks in all.
 *	bitmap 1		one bit per page frame 0 .. max_mapnr - 1
 *				(bit pfn % 8 of byte pfn / 8): the page
 *				exists (is inside the dump's memory ranges)
 *	bitmap 2		same size: the page is in the file
 *	page descriptors	24 bytes per page set in bitmap 2, in pfn
 *				order: offset (8), size (4), flags (4),
 *				page_flags (8)
 *	page data		first one zero page that every all-zero page's
 *				descriptor points to, then each page compressed
 *				(flags: zlib 0x1, lzo 0x2, snappy 0x4, zstd
 *				0x20) or raw (flags 0, size = page size) where
 *				compressing does not make it smaller
 *
 * All integers in the dumped machine's byte order (little-endian for
 * x86_64, big-endian for s390x), written and read with explicit byte-order
 * helpers, never struct overlays; only 64-bit targets (the 64-bit header
 * and sub-header layouts). Readers: crash, makedumpfile (-R, --dump-dmesg),
 * libkdumpfile, drgn.
 *
 * The header is written first with the status flag 0x8 ("incomplete") and
 * rewritten without it at the end, so a cut-off file says what it is;
 * bitmap 2 is produced as the pages pass, a window at a time, so a page
 * never written (incomplete dump) or excluded by the dump level has no
 * bit there: readers see it as missing, never as zeros.
 *
 * FLATTENED STREAM (tape, raw sink; `makedumpfile -R` and libkdumpfile
 * read it): a 4096-byte header ("makedumpfile", type 1, version 1, as
 * big-endian int64), then records of big-endian int64 offset and size
 * followed by size bytes that go to that offset of the kdump file, ended
 * by a record with offset and size -1. Records may overwrite earlier ones
 * (the final header comes last).
 *
 * MEMORY: bounded whatever the machine's size: the bitmaps are produced
 * and written in windows from the dump's ranges, page descriptors are
 * buffered in a window; the reader keeps one count per bitmap block
 * (256 KiB for 2^30 pages) and one block of each bitmap.
 */
#ifndef ZFD_FMT_KDUMP_H
#define ZFD_FMT_KDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"

#define ZFD_KDUMP_SIG		"KDUMP   "
#define ZFD_KDUMP_VERSION	6
#define ZFD_KDUMP_HDR_SIZE	464 /* 64-bit disk_dump_header */
#define ZFD_KDUMP_SUB_SIZE	104 /* 64-bit kdump_sub_header */
#define ZFD_KDUMP_DESC_SIZE	24
#define ZFD_KDUMP_FLAT_SIG	"makedumpfile"
#define ZFD_KDUMP_FLAT_HDR_SIZE 4096
#define ZFD_KDUMP_FLAT_REC_SIZE 16

/* status of the header and flags of a page descriptor */
#define ZFD_KDUMP_ZLIB	     0x01
#define ZFD_KDUMP_LZO	     0x02
#define ZFD_KDUMP_SNAPPY     0x04
#define ZFD_KDUMP_INCOMPLETE 0x08 /* header status only */
#define ZFD_KDUMP_ZSTD	     0x20
#define ZFD_KDUMP_CODEC_FLAGS \
	(ZFD_KDUMP_ZLIB | ZFD_KDUMP_LZO | ZFD_KDUMP_SNAPPY | ZFD_KDUMP_ZSTD)

/* Limits of the reader (anything larger is refused as absurd). */
#define ZFD_KDUMP_MAX_PAGE  65536
#define ZFD_KDUMP_MAX_MAPNR (1ull << 44) /* 2^56 bytes */
#define ZFD_KDUMP_MAX_NOTES (16u << 20)

/* ------------------------------------------------------------------ */
/* Page codecs                                                        */
/* ------------------------------------------------------------------ */

enum zfd_kdump_codec {
	ZFD_KDUMP_C_NONE,
	ZFD_KDUMP_C_ZLIB,
	ZFD_KDUMP_C_LZO,
	ZFD_KDUMP_C_SNAPPY,
	ZFD_KDUMP_C_ZSTD,
};

/* "zstd" | "lzo" | "snappy" | "zlib" | "none"; 0 or -EINVAL. */
int zfd_kdump_codec_parse(const char *name, enum zfd_kdump_codec *c);
const char *zfd_kdump_codec_name(enum zfd_kdump_codec c);
/* The descriptor flag of a codec (0 for none). */
uint32_t zfd_kdump_codec_flag(enum zfd_kdump_codec c);
/* Level range per codec (zlib 1..9, zstd -7..19, lzo and snappy have
 * none); 0 means the default: zlib 1 (as makedumpfile), zstd 1.
 * 0 or -EINVAL. */
int zfd_kdump_level_check(enum zfd_kdump_codec c, int level, char *why,
			  size_t why_len);

struct zfd_kdump_codec_ctx;

/*
 * Loads the library of codec c where it is loaded on demand (snappy:
 * libsnappy.so.1, once per process, thread-safe); the other codecs are
 * linked. 0, or -ELIBACC with one line in why ("cannot load
 * libsnappy.so.1 (codec snappy): <dlerror>"); why may be NULL with
 * why_len 0.
 */
int zfd_kdump_codec_load(enum zfd_kdump_codec c, char *why, size_t why_len);
/* 0, -ENOMEM, or -ELIBACC when the codec's library does not load. */
int zfd_kdump_codec_new(struct zfd_kdump_codec_ctx **cc, enum zfd_kdump_codec c,
			int level, size_t page_size);
void zfd_kdump_codec_free(struct zfd_kdump_codec_ctx *cc);
/*
 * Compresses one page into the context's buffer: *out and *out_len,
 * or -ENOSPC when the result is not smaller than the page (store it
 * raw then), -EIO on a library error.
 */
int zfd_kdump_compress(struct zfd_kdump_codec_ctx *cc, const void *page,
		       const void **out, size_t *out_len);
/*
 * Decompresses src (descriptor flags flag) into exactly page_size bytes
 * at dst. 0, or -EINVAL when the data is corrupt or not exactly a page,
 * -EOPNOTSUPP for an unknown flag, -ELIBACC when the codec's library
 * does not load (zfd_kdump_codec_load() says why).
 */
int zfd_kdump_decompress(uint32_t flag, const void *src, size_t src_len,
			 void *dst, size_t page_size);

/* ------------------------------------------------------------------ */
/* Writer                                                             */
/* ------------------------------------------------------------------ */

/*
 * Where the bytes go: len bytes at offset off of the output. A plain
 * kdump file gets positioned writes at increasing data offsets with the
 * header, bitmaps and descriptors written (and rewritten) at lower
 * offsets; a flattened stream is written strictly in order (off is then
 * the stream position). Returns 0 or -errno.
 */
typedef int (*zfd_kdump_out_fn)(void *arg, uint64_t off, const void *buf,
				size_t len);

#define ZFD_KDUMP_MAX_LEVEL 31

struct zfd_kdump_wopts {
	enum zfd_kdump_codec codec;
	int level; /* 0: the codec's default */
	bool flat; /* makedumpfile's flattened stream */
	/* makedumpfile's dump level, into the sub-header (the pages it
	 * leaves out come through zfd_kdump_writer_skip(); pages of zeros
	 * share one descriptor at every level, as makedumpfile's) */
	unsigned int dump_level;
};

struct zfd_kdump_writer;

/*
 * A writer for dump d (architecture, memory ranges, notes, kernel and
 * crash time are used; d must stay valid until zfd_kdump_writer_free()).
 * Returns 0, -EOPNOTSUPP (32-bit target, page size), -EINVAL (codec
 * level, ranges), -ENOMEM; why gets the reason.
 */
int zfd_kdump_writer_new(struct zfd_kdump_writer **w, const struct zfd_dump *d,
			 const struct zfd_kdump_wopts *o, zfd_kdump_out_fn out,
			 void *arg, char *why, size_t why_len);
void zfd_kdump_writer_free(struct zfd_kdump_writer *w);

/* Writes header (status incomplete), sub-header, notes, bitmaps and the
 * shared zero page. 0 or -errno. */
int zfd_kdump_writer_begin(struct zfd_kdump_writer *w);
/*
 * Memory at memory offset off (physical address d->mem_start + off),
 * ascending (bytes before the last one given are ignored); data NULL
 * means zeros. Pages of the ranges that are skipped over are zero pages.
 * 0 or -errno.
 */
int zfd_kdump_writer_mem(struct zfd_kdump_writer *w, uint64_t off,
			 const void *data, size_t len);
/*
 * Memory [off, off + len) is excluded by the dump level: its page frames
 * are not in the file (bitmap 2 clear, no descriptor), a page only partly
 * inside included. Ascending with zfd_kdump_writer_mem(). 0 or -errno.
 */
int zfd_kdump_writer_skip(struct zfd_kdump_writer *w, uint64_t off,
			  uint64_t len);
/*
 * Ends the dump at memory offset good (UINT64_MAX or >= mem_size: all
 * memory given, the dump is complete): pages from good on are not in the
 * file (bitmap 2 cleared, status incomplete). Flushes the descriptors,
 * rewrites the header; a flattened stream gets its end record. *complete
 * (may be NULL) says which it was. 0 or -errno.
 */
int zfd_kdump_writer_finish(struct zfd_kdump_writer *w, uint64_t good,
			    bool *complete);
/* Size of the kdump file (not the stream) as written so far. */
uint64_t zfd_kdump_writer_file_size(const struct zfd_kdump_writer *w);
/* Stream bytes written so far (flattened), else the file size. */
uint64_t zfd_kdump_writer_out_size(const struct zfd_kdump_writer *w);
/*
 * Pages compressed ahead (the daemon's compression workers), so that the
 * writer only places them: what zfd_kdump_pre_page() made of a page with
 * the writer's codec and level. Kind NONE: the writer compresses it.
 */
enum zfd_kdump_pre_kind {
	ZFD_KDUMP_PRE_NONE,
	ZFD_KDUMP_PRE_ZERO, /* all zeros */
	ZFD_KDUMP_PRE_RAW,  /* does not compress: stored as it is */
	ZFD_KDUMP_PRE_COMP, /* data, len: the compressed page */
};

struct zfd_kdump_pre {
	const void *data;
	uint32_t len;
	uint32_t kind;
};

/* Compresses page into out (page_size bytes of room) and describes it in
 * *e. 0 or -EIO. */
int zfd_kdump_pre_page(struct zfd_kdump_codec_ctx *cc, const void *page,
		       void *out, struct zfd_kdump_pre *e);
/*
 * Page frames first .. first + n - 1 come as pre[] (until the next call;
 * pre NULL: none). The stored bytes are the same as without.
 */
void zfd_kdump_writer_pre(struct zfd_kdump_writer *w,
			  const struct zfd_kdump_pre *pre, uint64_t first,
			  size_t n);

/* Page frames left out by zfd_kdump_writer_skip(). */
uint64_t zfd_kdump_writer_excluded(const struct zfd_kdump_writer *w);
/* The least output (stream or file): the dump without any page. */
uint64_t zfd_kdump_writer_min_out(const struct zfd_kdump_writer *w);
/* An upper bound of the output (stream or file) for any content. */
uint64_t zfd_kdump_writer_max_out(const struct zfd_kdump_writer *w);
/* Pages stored: all, zero (shared descriptor), compressed, raw. */
void zfd_kdump_writer_stats(const struct zfd_kdump_writer *w, uint64_t *pages,
			    uint64_t *zero, uint64_t *compressed,
			    uint64_t *raw);

/* ------------------------------------------------------------------ */
/* Reader                                                             */
/* ------------------------------------------------------------------ */

/* Reads up to len bytes at off; the count (short at end) or -errno. */
typedef int64_t (*zfd_kdump_read_fn)(void *arg, void *buf, size_t len,
				     uint64_t off);

struct zfd_kdump_info {
	bool big_endian;
	bool flat; /* a flattened stream, not a kdump file */
	uint32_t version;
	uint32_t status;    /* header status flags */
	uint32_t page_size; /* block_size */
	uint64_t max_mapnr; /* page frames described */
	uint32_t nr_cpus;
	char sysname[66], release[66], machine[66];
	int64_t time; /* timestamp, seconds */
	uint64_t phys_base;
	uint32_t dump_level;
	uint64_t notes_off, notes_len;
	uint64_t vmcoreinfo_off, vmcoreinfo_len;
	uint64_t bitmap_off; /* bitmap 1; bitmap 2 follows */
	uint64_t bitmap_len; /* of one bitmap */
	uint64_t desc_off;
	uint64_t nr_dumpable; /* bits set in bitmap 2 */
	uint64_t data_off;    /* first byte behind the descriptors */
	uint64_t file_size;
};

struct zfd_kdump_reader;

/*
 * Opens a kdump file of size file_size: checks the header, the sub-header
 * and where notes, bitmaps and descriptors lie, counts bitmap 2. Never
 * reads outside [0, file_size). Returns 0, -ENODEV (no "KDUMP   "
 * signature: not mine), -EINVAL (why says what is wrong), -EIO, -ENOMEM.
 * A flattened stream is refused with -EINVAL (turn it into a file first,
 * zfd_kdump_unflatten()).
 */
int zfd_kdump_open(struct zfd_kdump_reader **r, zfd_kdump_read_fn read,
		   void *arg, uint64_t file_size, char *why, size_t why_len);
void zfd_kdump_close(struct zfd_kdump_reader *r);
const struct zfd_kdump_info *zfd_kdump_info(const struct zfd_kdump_reader *r);

/* The notes (info->notes_len bytes) into buf. 0 or -errno. */
int zfd_kdump_read_notes(struct zfd_kdump_reader *r, void *buf);

/*
 * Page frame pfn: *valid (bitmap 1), *dumped (bitmap 2). 0, -ERANGE
 * (pfn >= max_mapnr) or -EIO.
 */
int zfd_kdump_pfn_state(struct zfd_kdump_reader *r, uint64_t pfn, bool *valid,
			bool *dumped);
/*
 * Reads page frame pfn into buf (page_size bytes). 0, -ENOENT (not in the
 * file), -ERANGE, -EINVAL (corrupt descriptor or data: why), -EIO.
 */
int zfd_kdump_read_page(struct zfd_kdump_reader *r, uint64_t pfn, void *buf,
			char *why, size_t why_len);

/*
 * The dump model of a kdump file: machine from utsname.machine (EM_NONE
 * when unknown), 64-bit, the file's byte order, mem_start 0, mem_size
 * max_mapnr pages, ranges = the runs of bitmap 1 (at most
 * ZFD_KDUMP_MAX_RANGES), one segment per range (vaddr unknown: UINT64_MAX),
 * the notes with VMCOREINFO, kernel release and crash time. No CPUs.
 * 0, -EINVAL (why), -EIO, -ENOMEM.
 */
#define ZFD_KDUMP_MAX_RANGES (1u << 20)
int zfd_kdump_to_dump(struct zfd_kdump_reader *r, struct zfd_dump *d, char *why,
		      size_t why_len);

/* True if the first bytes are a flattened stream's header. */
bool zfd_kdump_is_flat(const void *head, size_t len);
/*
 * Turns a flattened stream (read sequentially through read) into a kdump
 * file (written through out, positioned). 0, -EINVAL (why), -EIO.
 */
int zfd_kdump_unflatten(zfd_kdump_read_fn read, void *rarg,
			zfd_kdump_out_fn out, void *oarg, uint64_t *file_size,
			char *why, size_t why_len);

#endif /* ZFD_FMT_KDUMP_H */
