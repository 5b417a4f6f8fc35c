// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the manifest parser (src/lib/manifest.c) and how
 * zfcpdump-get takes a manifest in (get_in_set_manifest, status).
 * Built and run by tests/fuzz/run.
 * fuzz-sources: src/lib src/get/input.c src/get/output.c src/get/progress.c src/get/in_*.c src/get/tape_*.c
 * fuzz-libs: -lext2fs -lcom_err -lconfig -lxxhash -lblkid
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "get.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
		"status", "mem_size",	   "dumped_bytes", "digest",
		"reason", "mem_size_orig", "zero_pages",
	};
	struct get_in in = { .name = "fuzz", .mem_avail = UINT64_MAX };
	struct zfd_manifest m;
	char why[256], reason[512];
	uint64_t v;
	size_t i;

	why[0] = 0;
	if (zfd_manifest_parse((const char *)data, size, &m, why,
			       sizeof(why)) != 0) {
		if (!why[0] || strchr(why, '\n'))
			__builtin_trap();
	} else {
		for (i = 0; i < m.nr; i++)
			if (!m.kv[i].key[0] || strchr(m.kv[i].value, '\n'))
				__builtin_trap();
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			zfd_manifest_get_u64(&m, keys[i], &v);
		if (zfd_status_parse(zfd_manifest_get(&m, "status")) < 0)
			__builtin_trap();
	}
	/* as zfcpdump-get sees it, against a complete and a cut dump */
	in.hdr.mem_size = 1 << 20;
	in.end = GET_END_OK;
	get_in_set_manifest(&in, (const char *)data, size, "fuzz");
	get_in_status(&in, reason, sizeof(reason));
	get_in_mem_expected(&in);
	in.end = GET_END_MISSING;
	in.mem_avail = 4096;
	get_in_status(&in, reason, sizeof(reason));
	if (get_in_mem_expected(&in) > in.mem_avail)
		__builtin_trap();
	free(in.man_text);
	return 0;
}
