// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the kdump reader (src/lib/fmt_kdump_read.c) and
 * the flattened-stream unpacker. Run by tests/fuzz/run (fuzz stage).
 *
 * fuzz-sources: src/lib/fmt_kdump_codec.c src/lib/fmt_kdump_names.c src/lib/fmt_kdump_read.c src/lib/fmt_kdump_write.c src/lib/dump.c src/lib/fmt_s390.c src/lib/util.c
 * fuzz-libs: -lz -lzstd -llzo2 -lsnappy
 *
 * Each input is used three ways:
 *  1. as a kdump file, read through: open, the model (bitmap-1 runs,
 *     notes, CPUs), every page frame's state and data;
 *  2. as a list of mutations (4-byte offset, 1-byte XOR mask, repeated)
 *     applied to a valid kdump file made by the writer (codec chosen by
 *     the first byte), then read through the same way: this reaches the
 *     bitmaps, descriptors and compressed data behind a valid header;
 *  3. as a flattened stream, unflattened into a bounded buffer.
 * Every refusal must be one line; nothing may crash, read outside the
 * input or allocate without bound.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../kdump_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_why(int rc, const char *why)
{
	if (rc == -EINVAL && (!why[0] || strchr(why, '\n')))
		__builtin_trap();
}

static void read_through(struct membuf *m)
{
	struct zfd_kdump_reader *r;
	struct zfd_dump d;
	uint8_t page[ZFD_KDUMP_MAX_PAGE];
	char why[256] = "";
	uint64_t pfn;
	bool valid, dumped;
	int rc;

	rc = zfd_kdump_open(&r, membuf_read, m, m->len, why, sizeof(why));
	check_why(rc, why);
	if (rc)
		return;
	if (zfd_kdump_info(r)->data_off > m->len)
		__builtin_trap();
	why[0] = 0;
	rc = zfd_kdump_to_dump(r, &d, why, sizeof(why));
	check_why(rc, why);
	if (!rc)
		zfd_dump_free(&d);
	/* at most 64 Ki frames per input: the fuzzer's time stays bounded */
	for (pfn = 0; pfn < zfd_kdump_info(r)->max_mapnr && pfn < 65536;
	     pfn++) {
		if (zfd_kdump_pfn_state(r, pfn, &valid, &dumped))
			break;
		why[0] = 0;
		rc = zfd_kdump_read_page(r, pfn, page, why, sizeof(why));
		check_why(rc, why);
		if (rc == -ENOENT && dumped)
			__builtin_trap();
	}
	zfd_kdump_close(r);
}

static int bounded_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	if (off + len > (8u << 20))
		return -EFBIG;
	return membuf_write(arg, off, buf, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct membuf valid[5];
	struct membuf m = { .p = (uint8_t *)data, .len = size, .cap = size };
	struct membuf out = { 0 };
	struct zfd_kdump_wopts o = { 0 };
	struct zfd_dump d;
	uint64_t fsize;
	char why[256] = "";
	size_t i, k;
	int rc;

	/* 1. the input as a kdump file */
	read_through(&m);

	/* 2. mutations of a valid file */
	if (size) {
		k = data[0] % 5;
		if (!valid[k].p) {
			o.codec = (enum zfd_kdump_codec)k;
			test_model(&d, k & 1, (uint64_t)k << 20);
			if (test_write(&d, &o, UINT64_MAX, &valid[k]))
				__builtin_trap();
			zfd_dump_free(&d);
		}
		out.p = malloc(valid[k].len);
		if (!out.p)
			return 0;
		memcpy(out.p, valid[k].p, valid[k].len);
		out.len = out.cap = valid[k].len;
		for (i = 1; i + 5 <= size; i += 5) {
			uint32_t off = (uint32_t)data[i] |
				       (uint32_t)data[i + 1] << 8 |
				       (uint32_t)data[i + 2] << 16 |
				       (uint32_t)data[i + 3] << 24;

			out.p[off % out.len] ^= data[i + 4];
		}
		read_through(&out);
		free(out.p);
	}

	/* 3. the input as a flattened stream */
	memset(&out, 0, sizeof(out));
	rc = zfd_kdump_unflatten(membuf_read, &m, bounded_write, &out, &fsize,
				 why, sizeof(why));
	check_why(rc, why);
	free(out.p);
	return 0;
}
