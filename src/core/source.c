// SPDX-License-Identifier: GPL-2.0-or-later
/* What every source shares: header validation and the memory map. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

int zfd_memmap_parse(const char *text, size_t len, uint64_t mem_size,
		     struct zfd_range **chunks, size_t *nr)
{
	struct zfd_range *r = NULL, *tmp;
	size_t n = 0, cap = 0, pos = 0;
	unsigned long long start, size;
	char rec[40];
	int rc = -EINVAL;

	*chunks = NULL;
	*nr = 0;
	for (;;) {
		/* records: 16 hex digits, space, 16 hex digits, space */
		while (pos < len && (text[pos] == ' ' || text[pos] == '\n'))
			pos++;
		if (pos + 33 > len)
			goto out; /* no zero-size record before the end */
		memcpy(rec, text + pos, 33);
		rec[33] = 0;
		if (rec[16] != ' ' ||
		    strspn(rec, "0123456789abcdefABCDEF") != 16 ||
		    strspn(rec + 17, "0123456789abcdefABCDEF") != 16)
			goto out;
		start = strtoull(rec, NULL, 16);
		size = strtoull(rec + 17, NULL, 16);
		pos += 33;
		if (size == 0)
			break;
		if (start % ZFD_PAGE_SIZE || size % ZFD_PAGE_SIZE ||
		    start >= mem_size || size > mem_size - start ||
		    (n && start < r[n - 1].start + r[n - 1].size))
			goto out;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(r, cap * sizeof(*r));
			if (!tmp) {
				rc = -ENOMEM;
				goto out;
			}
			r = tmp;
		}
		/* merge adjacent chunks */
		if (n && start == r[n - 1].start + r[n - 1].size) {
			r[n - 1].size += size;
			continue;
		}
		r[n].start = start;
		r[n].size = size;
		n++;
	}
	*chunks = r;
	*nr = n;
	return 0;
out:
	free(r);
	return rc;
}

int zfd_source_setup(struct zfd_source *src, uint64_t avail)
{
	char why[256];
	int rc;

	zfd_s390_hdr_decode(src->hdr_raw, &src->hdr);
	rc = zfd_s390_hdr_validate(&src->hdr, UINT64_MAX, why, sizeof(why));
	if (rc) {
		zfd_err("%s: not an s390 dump: %s", src->desc, why);
		return rc;
	}
	src->have_hdr = true;
	src->mem_size = src->hdr.mem_size;
	src->avail = ZFD_MIN(avail, src->mem_size);
	if (avail < src->mem_size)
		zfd_warn("%s: header claims %" PRIu64
			 " bytes of memory but only %" PRIu64
			 " are there; the dump will be incomplete",
			 src->desc, src->mem_size, avail);
	if (!src->chunks) {
		src->chunks = calloc(1, sizeof(*src->chunks));
		if (!src->chunks)
			return -ENOMEM;
		src->chunks[0].start = 0;
		src->chunks[0].size = src->mem_size;
		src->nr_chunks = src->mem_size ? 1 : 0;
	}
	return 0;
}

int zfd_source_model(struct zfd_source *src)
{
	if (src->dump.machine)
		return 0;
	return zfd_dump_from_s390(&src->dump, &src->hdr, src->chunks,
				  src->nr_chunks);
}

void zfd_source_close(struct zfd_source *src)
{
	if (src->close)
		src->close(src);
	src->close = NULL;
	zfd_dump_free(&src->dump);
	free(src->chunks);
	src->chunks = NULL;
}
