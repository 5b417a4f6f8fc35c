// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the zcore memmap text parser of the daemon
 * (zfd_memmap_parse, src/core/source.c: "%016llx %016llx " records, a
 * zero size ends the list). The first 8 input bytes give mem_size.
 * Built and run by tests/fuzz/run.
 * fuzz-sources: src/lib src/core/source.c src/core/log.c
 * fuzz-libs: -lconfig -lxxhash -lblkid
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zfd_range *chunks = NULL;
	uint64_t mem_size = 0, end = 0;
	size_t nr = 0, i;

	zfd_log_init(-1);
	if (size < 8)
		return 0;
	for (i = 0; i < 8; i++)
		mem_size = mem_size << 8 | data[i];
	if (zfd_memmap_parse((const char *)data + 8, size - 8, mem_size,
			     &chunks, &nr) == 0) {
		/* accepted chunks are ascending, disjoint, inside memory */
		for (i = 0; i < nr; i++) {
			if (chunks[i].start < end || !chunks[i].size ||
			    chunks[i].size > mem_size ||
			    chunks[i].start > mem_size - chunks[i].size)
				__builtin_trap();
			end = chunks[i].start + chunks[i].size;
		}
	}
	free(chunks);
	return 0;
}
