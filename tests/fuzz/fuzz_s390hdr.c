// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the s390 dump header codec and validation, the end
 * marker check and the TOD conversion (src/lib/fmt_s390.c).
 * Built and run by tests/fuzz/run.
 * fuzz-sources: src/lib/fmt_s390.c src/lib/util.c
 */
#include <stdint.h>
#include <string.h>

#include "fmt_s390.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[ZFD_S390_HDR_SIZE] = { 0 }, again[ZFD_S390_HDR_SIZE];
	struct zfd_s390_hdr hdr, hdr2;
	char why[256], utc[32];
	uint64_t tod;
	int64_t sec;
	uint32_t usec;

	memcpy(buf, data, size < sizeof(buf) ? size : sizeof(buf));
	zfd_s390_hdr_decode(buf, &hdr);
	why[0] = 0;
	if (zfd_s390_hdr_validate(&hdr,
				  size > sizeof(buf) ? size - sizeof(buf) : 0,
				  why, sizeof(why)) != 0) {
		if (!why[0] || strchr(why, '\n'))
			__builtin_trap(); /* reasons are one line */
	} else if (hdr.mem_end < hdr.mem_start ||
		   hdr.cpu_cnt > ZFD_S390_MAX_CPUS) {
		__builtin_trap();
	}
	/* encode(decode(x)) keeps every field */
	zfd_s390_hdr_encode(&hdr, again);
	zfd_s390_hdr_decode(again, &hdr2);
	if (memcmp(&hdr.lc_vec, &hdr2.lc_vec, sizeof(hdr.lc_vec)) ||
	    hdr.mem_size != hdr2.mem_size || hdr.cpu_cnt != hdr2.cpu_cnt)
		__builtin_trap();
	zfd_s390_hdr_set_mem_size(again, hdr.mem_size >> 1);
	if (size >= ZFD_S390_END_SIZE &&
	    zfd_s390_end_marker_check(data + size - ZFD_S390_END_SIZE, &tod)) {
		zfd_tod_to_unix(tod, &sec, &usec);
		zfd_format_utc(sec, utc, sizeof(utc));
	}
	return 0;
}
