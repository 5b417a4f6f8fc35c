/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The s390 standalone dump format (DESIGN §5): a 4096-byte big-endian
 * header, the memory, a 16-byte end marker.
 */
#ifndef ZFD_FMT_S390_H
#define ZFD_FMT_S390_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZFD_S390_MAGIC		 0xa8190173618f23fdULL
#define ZFD_S390_HDR_SIZE	 4096
#define ZFD_S390_PAGE_SIZE	 4096
#define ZFD_S390_END_SIZE	 16
#define ZFD_S390_MAX_CPUS	 512
/*
 * The largest memory size a header may claim: 4 PiB, far above any s390
 * machine (Linux on s390 addresses 2^46 bytes at most). Every size computed
 * from a header (header + memory + end marker + manifest, block counts)
 * stays far below 2^64 and cannot wrap.
 */
#define ZFD_S390_MEM_MAX	 (1ULL << 52)
#define ZFD_S390_ARCH_S390	 1
#define ZFD_S390_ARCH_S390X	 2
/*
 * Largest tape record of the s390 tape layout: the tape sink's block_size
 * maximum and the record buffer of zfcpdump-get's tape input (one limit,
 * so that every dump the sink writes can be read back).
 */
#define ZFD_S390_TAPE_MAX_RECORD (1u << 20)

/* Byte offsets of the header fields. */
#define ZFD_S390_OFF_MAGIC	      0x000
#define ZFD_S390_OFF_VERSION	      0x008
#define ZFD_S390_OFF_HDR_SIZE	      0x00c
#define ZFD_S390_OFF_DUMP_LEVEL	      0x010
#define ZFD_S390_OFF_PAGE_SIZE	      0x014
#define ZFD_S390_OFF_MEM_SIZE	      0x018
#define ZFD_S390_OFF_MEM_START	      0x020
#define ZFD_S390_OFF_MEM_END	      0x028
#define ZFD_S390_OFF_NUM_PAGES	      0x030
#define ZFD_S390_OFF_TOD	      0x038
#define ZFD_S390_OFF_CPU_ID	      0x040
#define ZFD_S390_OFF_ARCH	      0x048
#define ZFD_S390_OFF_VOLNR	      0x04c
#define ZFD_S390_OFF_BUILD_ARCH	      0x050
#define ZFD_S390_OFF_MEM_SIZE_REAL    0x054
#define ZFD_S390_OFF_MVDUMP	      0x05c
#define ZFD_S390_OFF_CPU_CNT	      0x05d
#define ZFD_S390_OFF_REAL_CPU_CNT     0x05f
#define ZFD_S390_OFF_MVDUMP_SIGN      0x200
#define ZFD_S390_OFF_MVDUMP_ZIPL_TIME 0x208
#define ZFD_S390_OFF_LC_VEC	      0x800

/* The header decoded into host byte order. */
struct zfd_s390_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint32_t dump_level;
	uint32_t page_size;
	uint64_t mem_size;
	uint64_t mem_start;
	uint64_t mem_end;
	uint32_t num_pages;
	uint64_t tod;
	uint64_t cpu_id;
	uint32_t arch;
	uint32_t volnr;
	uint32_t build_arch;
	uint64_t mem_size_real;
	uint8_t mvdump;
	uint16_t cpu_cnt;
	uint16_t real_cpu_cnt;
	uint64_t mvdump_sign;
	uint64_t mvdump_zipl_time;
	uint32_t lc_vec[ZFD_S390_MAX_CPUS];
};

void zfd_s390_hdr_decode(const uint8_t *buf, struct zfd_s390_hdr *hdr);
/* Writes every field of hdr into buf; bytes not covered are zeroed. */
void zfd_s390_hdr_encode(const struct zfd_s390_hdr *hdr, uint8_t *buf);

/*
 * Checks a decoded header. avail is the number of memory bytes really
 * present behind the header (UINT64_MAX when unknown). Returns 0, or
 * -EINVAL with a one-line reason in why.
 */
int zfd_s390_hdr_validate(const struct zfd_s390_hdr *hdr, uint64_t avail,
			  char *why, size_t why_len);

/*
 * Changes the memory size in an encoded header in place (limit or
 * truncation): mem_size, mem_end and num_pages. Other bytes stay as they
 * are. Like the kernel's zcore and the s390-tools dumpers, mem_end is the
 * exclusive end: mem_start + mem_size.
 */
void zfd_s390_hdr_set_mem_size(uint8_t *buf, uint64_t mem_size);

/* End marker: "DUMP_END" + u64 TOD. */
void zfd_s390_end_marker(uint8_t *buf, uint64_t tod);
/* Returns true if buf holds a well-formed end marker; *tod gets its TOD. */
bool zfd_s390_end_marker_check(const uint8_t *buf, uint64_t *tod);

/* s390 TOD clock (bit 51 = 1 microsecond, epoch 1900-01-01 UTC). */
uint64_t zfd_tod_from_unix(int64_t sec, uint32_t usec);
void zfd_tod_to_unix(uint64_t tod, int64_t *sec, uint32_t *usec);
uint64_t zfd_tod_now(void);

/* ISO 8601 UTC "2026-11-26T12:00:00Z" into buf (at least 21 bytes). */
void zfd_format_utc(int64_t sec, char *buf, size_t len);

#endif /* ZFD_FMT_S390_H */
