// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper for zfcpdump-get: lays out an s390 dump the way the sinks
 * store it, with a manifest computed by the shared library code.
 *
 *   get-mkdump -i IMAGE -o OUT -l file|raw|aws [-b BLOCK_SIZE]
 *              [--dumped BYTES] [--no-end-marker] [--raw-size BYTES]
 *
 * IMAGE is an s390 image (header + memory, e.g. from zfd-mkimage);
 * its end marker, if any, is replaced by a fresh one.
 *   file: OUT = header + memory + end marker, OUT.info = manifest
 *   raw:  raw partition image: dump @0, manifest block at the next 4 KiB
 *         boundary after the end marker (--raw-size pads the image)
 *   aws:  AWSTAPE image of the tape layout: header record, memory in
 *         BLOCK_SIZE records, 16-byte end-marker record, filemark,
 *         manifest record, filemark
 * --dumped BYTES makes an incomplete dump: only BYTES of memory, no end
 * marker, manifest status incomplete.
 *
 * IMAGE may also be an ELF core as a sink stores it (the elf format, e.g.
 * written by "zfcpdump-get copy -f elf"): the stored dump [0, size), size
 * = the end of its PT_LOADs' data rounded up to 4096, digest over those
 * bytes (sink.h "Digest rule").
 *   file: OUT = the stored dump, OUT.info = manifest
 *   raw:  the stored dump, the manifest block at the 4 KiB boundary
 *         behind it; an incomplete dump leaves old bytes (0xa5) behind
 *         what was written
 *   aws:  the prologue in records of at most BLOCK_SIZE, the data in
 *         BLOCK_SIZE records, filemark, manifest record, filemark
 * --dumped BYTES: the dump got to memory offset (physical address) BYTES;
 * the data stored for memory below it was written (the daemon's
 * dumped_bytes and stored_end).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "dump.h"
#include "fmt_elf.h"
#include "fmt_s390.h"
#include "manifest.h"
#include "mkdump_out.h"
#include "util.h"

const char mk_prog[] = "get-mkdump";

/* An ELF core: the stored dump as a sink lays it out (see the top). */
static int main_elf(int in, const char *outname, const char *layout,
		    size_t block, uint64_t dumped, uint64_t raw_size)
{
	char why[256], man[ZFD_MANIFEST_MAX], arch[32];
	struct zfd_dump_info info = { 0 };
	struct zfd_result res = { 0 };
	struct zfd_elf_info *ei;
	struct zfd_dump model = { 0 };
	uint64_t prologue, size, end, off, pos = 0, n, chunk;
	struct zfd_digest *d;
	bool complete, aws = strcmp(layout, "aws") == 0;
	uint8_t *buf;
	int len;

	if (zfd_elf_parse_fd(&ei, in, UINT64_MAX, why, sizeof(why)))
		mk_die(why);
	if (zfd_dump_from_elf(&model, ei))
		mk_die("out of memory");
	prologue = ZFD_ALIGN_UP(ei->headers_end, 4096);
	size = ZFD_MAX(ZFD_ALIGN_UP(ei->data_end, 4096), prologue);
	complete = dumped >= ei->mem_end;
	end = prologue;
	for (n = 0; n < ei->nr_loads; n++) {
		const struct zfd_elf_load *l = &ei->loads[n];

		if (l->filesz && l->paddr < dumped)
			end = ZFD_MAX(end,
				      l->offset + ZFD_MIN(l->filesz,
							  dumped - l->paddr));
	}
	if (complete)
		end = size;
	chunk = aws ? block : 1048576;
	buf = malloc(chunk);
	d = zfd_digest_new();
	if (!buf || !d)
		mk_die("out of memory");
	for (off = 0; off < end; off += n) {
		ssize_t got;

		/* tape records: the prologue's end starts a new record */
		n = ZFD_MIN(end - off, chunk);
		if (off < prologue)
			n = ZFD_MIN(n, prologue - off);
		got = zfd_pread_full(in, buf, (size_t)n, off);
		if (got < 0)
			mk_die("cannot read the ELF core");
		memset(buf + got, 0, (size_t)n - (size_t)got);
		zfd_digest_update(d, buf, (size_t)n);
		if (aws)
			mk_aws_rec(buf, (size_t)n, &pos);
		else
			mk_put(buf, (size_t)n, off);
	}
	if (!aws && !complete && strcmp(layout, "raw") == 0) {
		/* what the partition held before: must not count */
		memset(buf, 0xa5, chunk);
		for (off = end; off < size; off += n) {
			n = ZFD_MIN(size - off, chunk);
			mk_put(buf, (size_t)n, off);
		}
	}
	info.format = "elf";
	info.arch = zfd_dump_arch(&model, arch, sizeof(arch));
	info.kernel = model.kernel[0] ? model.kernel : NULL;
	info.mem_size = model.mem_size;
	info.mem_size_orig = model.mem_size;
	info.source = "file:test-core";
	res.dumped_bytes = complete ? model.mem_size : dumped;
	res.stored_end = end;
	len = mk_manifest(man, sizeof(man), &info, &res, d, complete, layout,
			  "elf");
	mk_store_manifest(man, len, layout, outname, size, raw_size, &pos, end);
	zfd_digest_free(d);
	zfd_dump_free(&model);
	zfd_elf_info_free(ei);
	free(buf);
	close(in);
	return mk_close();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dumped", required_argument, NULL, 'd' },
		{ "raw-size", required_argument, NULL, 'r' },
		{ "no-end-marker", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = NULL, *outname = NULL, *layout = "file";
	uint64_t dumped = UINT64_MAX, raw_size = 0, off, mem, pos;
	size_t block = 32768, n;
	uint8_t hdr[ZFD_S390_HDR_SIZE], end[ZFD_S390_END_SIZE], *buf;
	char man[ZFD_MANIFEST_MAX];
	struct zfd_s390_hdr h;
	struct zfd_dump_info info = { 0 };
	struct zfd_result res = { 0 };
	struct zfd_digest *d;
	bool complete, no_end = false;
	int c, in, len;

	while ((c = getopt_long(argc, argv, "i:o:l:b:", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			image = optarg;
			break;
		case 'o':
			outname = optarg;
			break;
		case 'l':
			layout = optarg;
			break;
		case 'b':
			block = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			dumped = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			raw_size = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			no_end = true;
			break;
		default:
			return 2;
		}
	}
	if (!image || !outname || !block)
		mk_die("usage: get-mkdump -i IMAGE -o OUT -l file|raw|aws [-b N] "
		       "[--dumped N] [--raw-size N]");
	in = open(image, O_RDONLY);
	if (in < 0 || zfd_pread_full(in, hdr, 4, 0) != 4)
		mk_die("cannot read image header");
	if (memcmp(hdr, "\177ELF", 4) == 0) {
		mk_create(outname, O_WRONLY);
		return main_elf(in, outname, layout, block, dumped, raw_size);
	}
	if (zfd_pread_full(in, hdr, sizeof(hdr), 0) != sizeof(hdr))
		mk_die("cannot read image header");
	zfd_s390_hdr_decode(hdr, &h);
	mem = h.mem_size;
	complete = dumped >= mem;
	if (complete)
		dumped = mem;
	mk_create(outname, O_WRONLY);
	buf = malloc(block > 1048576 ? block : 1048576);
	d = zfd_digest_new();
	if (!buf || !d)
		mk_die("out of memory");

	zfd_digest_update(d, hdr, sizeof(hdr));
	pos = 0;
	if (strcmp(layout, "aws") == 0)
		mk_aws_rec(hdr, sizeof(hdr), &pos);
	else
		mk_put(hdr, sizeof(hdr), 0);
	for (off = 0; off < dumped; off += n) {
		n = (size_t)ZFD_MIN(dumped - off, strcmp(layout, "aws") == 0 ?
							  block :
							  1048576);
		if (zfd_pread_full(in, buf, n, ZFD_S390_HDR_SIZE + off) !=
		    (ssize_t)n)
			mk_die("image shorter than its header claims");
		zfd_digest_update(d, buf, n);
		if (strcmp(layout, "aws") == 0)
			mk_aws_rec(buf, n, &pos);
		else
			mk_put(buf, n, ZFD_S390_HDR_SIZE + off);
	}
	if (strcmp(layout, "aws") != 0)
		pos = ZFD_S390_HDR_SIZE + dumped;
	zfd_s390_end_marker(end, h.tod + (5000000ULL << 12));
	if (complete && !no_end) {
		zfd_digest_update(d, end, sizeof(end));
		if (strcmp(layout, "aws") == 0)
			mk_aws_rec(end, sizeof(end), &pos);
		else
			mk_put(end, sizeof(end), pos);
		if (strcmp(layout, "aws") != 0)
			pos += sizeof(end);
	}

	info.mem_size = mem;
	info.mem_size_orig = mem;
	info.source = "file:test-image";
	res.dumped_bytes = dumped;
	len = mk_manifest(man, sizeof(man), &info, &res, d, complete, layout,
			  "s390");
	mk_store_manifest(man, len, layout, outname,
			  ZFD_S390_HDR_SIZE + mem + ZFD_S390_END_SIZE, raw_size,
			  &pos, pos);
	zfd_digest_free(d);
	free(buf);
	close(in);
	return mk_close();
}
