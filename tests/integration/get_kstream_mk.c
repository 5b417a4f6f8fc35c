// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper for zfcpdump-get: lays out a kdump flattened stream (e.g.
 * from "zfcpdump-get copy -f kdump-flat") the way the sinks store a
 * format = "kdump" dump (KDUMP-SPEC), with a manifest computed by the
 * shared library code: digest = xxh3-128 of the stored stream, padded
 * with zeros to whole pages as the daemon stores it.
 *
 *   get-kstream-mk -i STREAM -o OUT -l file|raw|aws [-b BLOCK_SIZE]
 *                  [-c CODEC] [-d DUMP_LEVEL] [--cut N] [--incomplete]
 *                  [--raw-size BYTES] [--format NAME]
 *
 *   file: OUT = the stream, OUT.info = manifest (also what goes into an
 *         ext filesystem as dump.N and dump.N.info)
 *   raw:  the stream at 0, the manifest block at ALIGN_UP(S, 4096), the
 *         image padded to --raw-size with 0xa5 (old bytes)
 *   aws:  AWSTAPE image: the stream in BLOCK_SIZE records, filemark, the
 *         manifest record, filemark
 * --cut N stores only the first N stream bytes (a sink that failed: no
 * end record) with a manifest status incomplete over them; --incomplete
 * only says incomplete in the manifest; --format names another format
 * in the manifest.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "manifest.h"
#include "mkdump_out.h"
#include "util.h"

const char mk_prog[] = "get-kstream-mk";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cut", required_argument, NULL, 'x' },
		{ "incomplete", no_argument, NULL, 'n' },
		{ "raw-size", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in_name = NULL, *outname = NULL, *layout = "file";
	const char *codec = "zstd", *level = "0", *format = "kdump";
	uint64_t cut = UINT64_MAX, raw_size = 0, size, pos = 0;
	char man[ZFD_MANIFEST_MAX];
	struct zfd_dump_info info = { 0 };
	struct zfd_result res = { 0 };
	bool incomplete = false;
	size_t block = 32768, n;
	struct zfd_digest *d;
	struct stat st;
	uint8_t *buf;
	int c, in, len;

	while ((c = getopt_long(argc, argv, "i:o:l:b:c:d:", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'i':
			in_name = optarg;
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
		case 'c':
			codec = optarg;
			break;
		case 'd':
			level = optarg;
			break;
		case 'x':
			cut = strtoull(optarg, NULL, 0);
			incomplete = true;
			break;
		case 'n':
			incomplete = true;
			break;
		case 'r':
			raw_size = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			format = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!in_name || !outname || !block || block > (1u << 20))
		mk_die("usage: get-kstream-mk -i STREAM -o OUT -l file|raw|aws "
		       "[-b N] [-c CODEC] [-d LEVEL] [--cut N] [--incomplete] "
		       "[--raw-size N] [--format NAME]");
	in = open(in_name, O_RDONLY);
	if (in < 0 || fstat(in, &st) != 0)
		mk_die("cannot open the stream");
	size = ZFD_MIN((uint64_t)st.st_size, cut);
	/* a whole stream is stored padded with zeros to whole pages, as
	 * the daemon stores it (its digest covers the padding) */
	buf = calloc(1, size ? ZFD_ALIGN_UP(size, (uint64_t)4096) : 1);
	if (!buf || zfd_pread_full(in, buf, size, 0) != (ssize_t)size)
		mk_die("cannot read the stream");
	if (size == (uint64_t)st.st_size)
		size = ZFD_ALIGN_UP(size, (uint64_t)4096);
	close(in);
	mk_create(outname, O_RDWR);

	d = zfd_digest_new();
	if (!d)
		mk_die("out of memory");
	zfd_digest_update(d, buf, size);
	info.mem_size = 50331648;
	info.mem_size_orig = info.mem_size;
	info.source = "file:test-core";
	info.arch = "x86_64";
	res.dumped_bytes = incomplete ? 0 : info.mem_size;
	len = mk_manifest(man, sizeof(man), &info, &res, d, !incomplete, layout,
			  format);
	zfd_digest_free(d);
	if (len < 0)
		mk_die("manifest too long");
	len += snprintf(man + len, sizeof(man) - (size_t)len,
			"compress: %s\ndump_level: %s\n", codec, level);

	if (strcmp(layout, "aws") == 0) {
		for (n = 0; n < size; n += block)
			mk_aws_rec(buf + n,
				   (size_t)ZFD_MIN((uint64_t)block, size - n),
				   &pos);
	} else if (strcmp(layout, "raw") == 0) {
		uint8_t blk[ZFD_MANIFEST_MAX] = { 0 };
		uint64_t moff = ZFD_ALIGN_UP(size, 4096), end;

		mk_put(buf, size, 0);
		end = ZFD_MAX(raw_size, moff + sizeof(blk));
		/* old bytes where nothing is written */
		memset(blk, 0xa5, sizeof(blk));
		for (pos = moff + sizeof(blk); pos < end; pos += n) {
			n = (size_t)ZFD_MIN((uint64_t)sizeof(blk), end - pos);
			mk_put(blk, n, pos);
		}
		memset(blk, 0, sizeof(blk));
		mk_put(blk, moff - size, size);
	} else {
		mk_put(buf, size, 0);
	}
	/* the raw image and the file are already as long as it sizes them */
	mk_store_manifest(man, len, layout, outname, size, raw_size, &pos,
			  size);
	free(buf);
	return mk_close();
}
