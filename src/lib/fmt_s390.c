// SPDX-License-Identifier: GPL-2.0-or-later
/* The s390 standalone dump format: header, end marker, TOD clock. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "be.h"
#include "fmt_s390.h"

/* Seconds from 1900-01-01 to 1970-01-01. */
#define TOD_UNIX_EPOCH_SEC 2208988800ULL
#define END_MARKER_MAGIC   "DUMP_END"

void zfd_s390_hdr_decode(const uint8_t *buf, struct zfd_s390_hdr *hdr)
{
	int i;

	hdr->magic = zfd_get_be64(buf + ZFD_S390_OFF_MAGIC);
	hdr->version = zfd_get_be32(buf + ZFD_S390_OFF_VERSION);
	hdr->hdr_size = zfd_get_be32(buf + ZFD_S390_OFF_HDR_SIZE);
	hdr->dump_level = zfd_get_be32(buf + ZFD_S390_OFF_DUMP_LEVEL);
	hdr->page_size = zfd_get_be32(buf + ZFD_S390_OFF_PAGE_SIZE);
	hdr->mem_size = zfd_get_be64(buf + ZFD_S390_OFF_MEM_SIZE);
	hdr->mem_start = zfd_get_be64(buf + ZFD_S390_OFF_MEM_START);
	hdr->mem_end = zfd_get_be64(buf + ZFD_S390_OFF_MEM_END);
	hdr->num_pages = zfd_get_be32(buf + ZFD_S390_OFF_NUM_PAGES);
	hdr->tod = zfd_get_be64(buf + ZFD_S390_OFF_TOD);
	hdr->cpu_id = zfd_get_be64(buf + ZFD_S390_OFF_CPU_ID);
	hdr->arch = zfd_get_be32(buf + ZFD_S390_OFF_ARCH);
	hdr->volnr = zfd_get_be32(buf + ZFD_S390_OFF_VOLNR);
	hdr->build_arch = zfd_get_be32(buf + ZFD_S390_OFF_BUILD_ARCH);
	hdr->mem_size_real = zfd_get_be64(buf + ZFD_S390_OFF_MEM_SIZE_REAL);
	hdr->mvdump = buf[ZFD_S390_OFF_MVDUMP];
	hdr->cpu_cnt = zfd_get_be16(buf + ZFD_S390_OFF_CPU_CNT);
	hdr->real_cpu_cnt = zfd_get_be16(buf + ZFD_S390_OFF_REAL_CPU_CNT);
	hdr->mvdump_sign = zfd_get_be64(buf + ZFD_S390_OFF_MVDUMP_SIGN);
	hdr->mvdump_zipl_time = zfd_get_be64(buf +
					     ZFD_S390_OFF_MVDUMP_ZIPL_TIME);
	for (i = 0; i < ZFD_S390_MAX_CPUS; i++)
		hdr->lc_vec[i] = zfd_get_be32(buf + ZFD_S390_OFF_LC_VEC +
					      4 * i);
}

void zfd_s390_hdr_encode(const struct zfd_s390_hdr *hdr, uint8_t *buf)
{
	int i;

	memset(buf, 0, ZFD_S390_HDR_SIZE);
	zfd_put_be64(buf + ZFD_S390_OFF_MAGIC, hdr->magic);
	zfd_put_be32(buf + ZFD_S390_OFF_VERSION, hdr->version);
	zfd_put_be32(buf + ZFD_S390_OFF_HDR_SIZE, hdr->hdr_size);
	zfd_put_be32(buf + ZFD_S390_OFF_DUMP_LEVEL, hdr->dump_level);
	zfd_put_be32(buf + ZFD_S390_OFF_PAGE_SIZE, hdr->page_size);
	zfd_put_be64(buf + ZFD_S390_OFF_MEM_SIZE, hdr->mem_size);
	zfd_put_be64(buf + ZFD_S390_OFF_MEM_START, hdr->mem_start);
	zfd_put_be64(buf + ZFD_S390_OFF_MEM_END, hdr->mem_end);
	zfd_put_be32(buf + ZFD_S390_OFF_NUM_PAGES, hdr->num_pages);
	zfd_put_be64(buf + ZFD_S390_OFF_TOD, hdr->tod);
	zfd_put_be64(buf + ZFD_S390_OFF_CPU_ID, hdr->cpu_id);
	zfd_put_be32(buf + ZFD_S390_OFF_ARCH, hdr->arch);
	zfd_put_be32(buf + ZFD_S390_OFF_VOLNR, hdr->volnr);
	zfd_put_be32(buf + ZFD_S390_OFF_BUILD_ARCH, hdr->build_arch);
	zfd_put_be64(buf + ZFD_S390_OFF_MEM_SIZE_REAL, hdr->mem_size_real);
	buf[ZFD_S390_OFF_MVDUMP] = hdr->mvdump;
	zfd_put_be16(buf + ZFD_S390_OFF_CPU_CNT, hdr->cpu_cnt);
	zfd_put_be16(buf + ZFD_S390_OFF_REAL_CPU_CNT, hdr->real_cpu_cnt);
	zfd_put_be64(buf + ZFD_S390_OFF_MVDUMP_SIGN, hdr->mvdump_sign);
	zfd_put_be64(buf + ZFD_S390_OFF_MVDUMP_ZIPL_TIME,
		     hdr->mvdump_zipl_time);
	for (i = 0; i < ZFD_S390_MAX_CPUS; i++)
		zfd_put_be32(buf + ZFD_S390_OFF_LC_VEC + 4 * i, hdr->lc_vec[i]);
}

int zfd_s390_hdr_validate(const struct zfd_s390_hdr *hdr, uint64_t avail,
			  char *why, size_t why_len)
{
	if (hdr->magic != ZFD_S390_MAGIC) {
		snprintf(why, why_len,
			 "bad magic 0x%016" PRIx64 " (expected 0x%016llx)",
			 hdr->magic, ZFD_S390_MAGIC);
		return -EINVAL;
	}
	if (hdr->hdr_size != ZFD_S390_HDR_SIZE) {
		snprintf(why, why_len,
			 "bad header size %" PRIu32 " (expected %d)",
			 hdr->hdr_size, ZFD_S390_HDR_SIZE);
		return -EINVAL;
	}
	if (hdr->page_size != ZFD_S390_PAGE_SIZE) {
		snprintf(why, why_len,
			 "unsupported page size %" PRIu32 " (expected %d)",
			 hdr->page_size, ZFD_S390_PAGE_SIZE);
		return -EINVAL;
	}
	if (hdr->mem_end < hdr->mem_start) {
		snprintf(why, why_len,
			 "mem_end 0x%" PRIx64 " is below mem_start 0x%" PRIx64,
			 hdr->mem_end, hdr->mem_start);
		return -EINVAL;
	}
	if (hdr->cpu_cnt > ZFD_S390_MAX_CPUS) {
		snprintf(why, why_len, "cpu_cnt %u exceeds %d", hdr->cpu_cnt,
			 ZFD_S390_MAX_CPUS);
		return -EINVAL;
	}
	if (hdr->mem_size > ZFD_S390_MEM_MAX) {
		snprintf(why, why_len,
			 "mem_size 0x%" PRIx64 " is impossible "
			 "(more than 4 PiB)",
			 hdr->mem_size);
		return -EINVAL;
	}
	if (avail != UINT64_MAX && hdr->mem_size > avail) {
		snprintf(why, why_len,
			 "header claims %" PRIu64
			 " bytes of memory but only %" PRIu64 " are present",
			 hdr->mem_size, avail);
		return -EINVAL;
	}
	return 0;
}

void zfd_s390_hdr_set_mem_size(uint8_t *buf, uint64_t mem_size)
{
	uint64_t start = zfd_get_be64(buf + ZFD_S390_OFF_MEM_START);
	uint64_t pages = (mem_size + ZFD_S390_PAGE_SIZE - 1) /
			 ZFD_S390_PAGE_SIZE;

	zfd_put_be64(buf + ZFD_S390_OFF_MEM_SIZE, mem_size);
	zfd_put_be64(buf + ZFD_S390_OFF_MEM_END, start + mem_size);
	zfd_put_be32(buf + ZFD_S390_OFF_NUM_PAGES,
		     pages > UINT32_MAX ? UINT32_MAX : (uint32_t)pages);
}

void zfd_s390_end_marker(uint8_t *buf, uint64_t tod)
{
	memcpy(buf, END_MARKER_MAGIC, 8);
	zfd_put_be64(buf + 8, tod);
}

bool zfd_s390_end_marker_check(const uint8_t *buf, uint64_t *tod)
{
	if (memcmp(buf, END_MARKER_MAGIC, 8) != 0)
		return false;
	if (tod)
		*tod = zfd_get_be64(buf + 8);
	return true;
}

uint64_t zfd_tod_from_unix(int64_t sec, uint32_t usec)
{
	uint64_t us = ((uint64_t)sec + TOD_UNIX_EPOCH_SEC) * 1000000ULL + usec;

	return us << 12;
}

void zfd_tod_to_unix(uint64_t tod, int64_t *sec, uint32_t *usec)
{
	uint64_t us = tod >> 12;

	*sec = (int64_t)(us / 1000000ULL) - (int64_t)TOD_UNIX_EPOCH_SEC;
	*usec = (uint32_t)(us % 1000000ULL);
}

uint64_t zfd_tod_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return zfd_tod_from_unix(ts.tv_sec, (uint32_t)(ts.tv_nsec / 1000));
}

void zfd_format_utc(int64_t sec, char *buf, size_t len)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "@%lld", (long long)sec);
}
