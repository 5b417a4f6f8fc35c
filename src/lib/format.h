/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Formats apart from sinks (issue 10, DESIGN §3): a format turns the dump
 * model (dump.h) and the memory into bytes at offsets of the stored dump;
 * a sink only has to store them. The daemon's pipeline keeps one instance
 * per sink and hands the sink these bytes (sink ABI 2, zfcpdump/sink.h);
 * see doc/formats.md for the layering.
 *
 * Every format has the same shape, so that a sink never needs to know
 * which one it stores:
 *
 *	[0, prologue_len)		the prologue: built at open (a
 *					placeholder that never looks complete)
 *					and again at commit (the real one)
 *	memory offset X (in a range)	at the file offset zfd_format_map()
 *					gives; the runs between ranges are
 *					holes or are not stored at all
 *	[trailer_off, size)		the trailer (s390: the end marker),
 *					only for a complete dump
 *
 * Commit order, for every format and every sink that can seek: prologue
 * placeholder, memory, trailer, (manifest), flush, real prologue, flush.
 * A stream (tape) writes the real prologue first where the format allows
 * (elf: everything in it is known before the memory; s390: the header) and
 * records completeness in the trailer and the manifest.
 *
 * Formats:
 *	s390	the s390 standalone dump (DESIGN §5): the source's 4096-byte
 *		header (mem_size set to the dumped size), memory X at
 *		4096 + X (positional: holes stay in place), the 16-byte end
 *		marker after the memory. Byte-identical to the sinks' own
 *		s390 output. s390 dumps only (the model's machine is EM_S390).
 *	elf	an ELF core like /proc/vmcore: ELF header and program headers
 *		in the model's class and byte order, one PT_NOTE with the
 *		model's notes unchanged (VMCOREINFO and NT_PRSTATUS included),
 *		then every segment of the model as a PT_LOAD with its own
 *		p_vaddr/p_paddr (physically overlapping ones too: they point
 *		into the same file bytes). Memory is packed: the ranges follow
 *		each other page-aligned from data_off, so a dump with large
 *		physical holes stays small on a raw device or a tape. That is
 *		for a model with notes (sources vmcore and file:ELF). An s390x
 *		model without notes (zcore, s390 image) is written by
 *		fmt_elf.h's s390x writer instead: registers from the save
 *		areas (zfd_format_collect()), memory positional at data_off +
 *		X (holes stay in place), as the extfs sink wrote it in ABI 1.
 */
#ifndef ZFD_FORMAT_H
#define ZFD_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"

enum zfd_format_id {
	ZFD_FORMAT_S390,
	ZFD_FORMAT_ELF,
	/* makedumpfile's kdump-compressed format as a flattened stream: not
	 * of the shape above (its size depends on the compression); the
	 * daemon drives fmt_kdump.h's writer itself (zfd_format_new()
	 * refuses it) */
	ZFD_FORMAT_KDUMP,
};

struct zfd_format;

/* "s390" / "elf" / "kdump" -> id; returns -EINVAL for other names. */
int zfd_format_parse(const char *name, enum zfd_format_id *id);
const char *zfd_format_name(enum zfd_format_id id);

/*
 * A format instance for one stored dump of the model's memory offsets
 * [0, mem_size) (mem_size <= d->mem_size: limit/truncation applied).
 * s390_hdr: the source's raw s390 header (s390 format; NULL builds one
 * from the model). The model must outlive the instance.
 * Returns 0, -EOPNOTSUPP (the format cannot hold this dump; why says
 * why), -EINVAL, -ENOMEM.
 */
int zfd_format_new(struct zfd_format **f, enum zfd_format_id id,
		   const struct zfd_dump *d, const uint8_t *s390_hdr,
		   uint64_t mem_size, char *why, size_t why_len);
void zfd_format_free(struct zfd_format *f);

/* Bytes of the prologue (a multiple of 4096). */
size_t zfd_format_prologue_len(const struct zfd_format *f);
/* The prologue into buf (prologue_len bytes): the real one, or a
 * placeholder (zeros: never taken for a dump) when final is false. */
void zfd_format_prologue(const struct zfd_format *f, uint8_t *buf, bool final);

/*
 * Where memory offset X is stored: returns true and the file offset when
 * X lies in a range (then *len bytes from X are stored contiguously),
 * false when X is in a hole (*len bytes to the next range, or to
 * mem_size). *len >= 1 for X < mem_size.
 */
bool zfd_format_map(const struct zfd_format *f, uint64_t x, uint64_t *file_off,
		    uint64_t *len);

/* File offset and length of the trailer (len 0: the format has none). */
uint64_t zfd_format_trailer_off(const struct zfd_format *f);
size_t zfd_format_trailer_len(const struct zfd_format *f);
/* The trailer of a complete dump, finished at TOD tod, into buf. */
void zfd_format_trailer(const struct zfd_format *f, uint64_t tod, uint8_t *buf);

/* Size of the complete stored dump (prologue, memory, trailer). */
uint64_t zfd_format_size(const struct zfd_format *f);
/* Stored bytes the prologue describes now: zfd_format_size(), or less
 * after zfd_format_limit() cut an elf of an s390 model. */
uint64_t zfd_format_described_size(const struct zfd_format *f);

/*
 * The stored data that exists (struct zfd_dump_info.extents): the
 * ranges' stored offsets, ascending, adjacent ones merged.
 */
const struct zfd_range *zfd_format_extents(const struct zfd_format *f,
					   size_t *nr);

/* True for positional formats (holes keep their place: ZFD_BLK_HOLE
 * blocks), false for packed ones (holes are not stored at all). */
bool zfd_format_positional(const struct zfd_format *f);

/*
 * Formats whose prologue holds registers read from memory (elf from an
 * s390 model: the save areas): reads them through read (as
 * zfd_elf_writer_collect() does) so that the prologue is final at open.
 * A no-op for the others. Returns 0 or a negative errno.
 */
int zfd_format_collect(struct zfd_format *f, zfd_elf_mem_read_fn read,
		       void *arg);
/* CPUs whose registers could not be collected (0 for other formats). */
unsigned int zfd_format_cpus_missing(const struct zfd_format *f);

/*
 * For the final prologue of a dump that did not complete: memory
 * [off, off + len) was lost (exclude), memory from good on is missing
 * (limit). Only the elf format from an s390 model describes this in its
 * prologue (its PT_LOADs); the others ignore it. exclude returns -ENOSPC
 * when the prologue cannot describe more lost ranges.
 */
int zfd_format_exclude(struct zfd_format *f, uint64_t off, uint64_t len);
void zfd_format_limit(struct zfd_format *f, uint64_t good);

/*
 * The largest page-aligned mem_size <= max_mem whose stored size fits in
 * capacity bytes, into *mem_size. Returns 0, -ENOSPC (not even an empty
 * dump fits), or the errors of zfd_format_new() (why says why).
 */
int zfd_format_fit(enum zfd_format_id id, const struct zfd_dump *d,
		   const uint8_t *s390_hdr, uint64_t max_mem, uint64_t capacity,
		   uint64_t *mem_size, char *why, size_t why_len);

#endif /* ZFD_FORMAT_H */
