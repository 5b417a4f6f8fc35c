/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * s390x CPU state as stored by the machine (store status) in the save area
 * of each CPU's lowcore (prefix page), i.e. the registers of a CPU at the
 * time of the dump.
 *
 * The save area lies at lowcore offset 0x1200 and is 0x200 bytes long
 * (struct lowcore / struct save_area of the Linux kernel, 64 bit):
 *
 *	0x1200	fprs	16 x u64	floating point registers
 *	0x1280	gprs	16 x u64	general registers
 *	0x1300	psw	2 x u64		PSW mask, PSW address
 *	0x1318	prefix	u32		prefix register
 *	0x131c	fpc	u32		floating point control
 *	0x1324	todpreg	u32		TOD programmable register
 *	0x1328	timer	u64		CPU timer
 *	0x1330	todcmp	u64		clock comparator (as stored)
 *	0x1340	acrs	16 x u32	access registers
 *	0x1380	crs	16 x u64	control registers
 *
 * All big-endian. Only s390x (z/Architecture) is described here; 31-bit
 * s390 has a different layout and is not supported.
 */
#ifndef ZFD_S390_CPU_H
#define ZFD_S390_CPU_H

#include <stdint.h>

/* Offset of the save area in the lowcore, and its size. */
#define ZFD_S390_SA_OFF	 0x1200
#define ZFD_S390_SA_SIZE 0x200

/* Lowcore offsets of the fields (s390x). */
#define ZFD_S390_LC_FPRS    0x1200
#define ZFD_S390_LC_GPRS    0x1280
#define ZFD_S390_LC_PSW	    0x1300
#define ZFD_S390_LC_PREFIX  0x1318
#define ZFD_S390_LC_FPC	    0x131c
#define ZFD_S390_LC_TODPREG 0x1324
#define ZFD_S390_LC_TIMER   0x1328
#define ZFD_S390_LC_TODCMP  0x1330
#define ZFD_S390_LC_ACRS    0x1340
#define ZFD_S390_LC_CRS	    0x1380

/* The CPU state in host byte order. */
struct zfd_s390_cpu {
	uint64_t psw[2]; /* mask, address */
	uint64_t gprs[16];
	uint32_t acrs[16];
	uint64_t fprs[16];
	uint32_t fpc;
	uint32_t prefix;
	uint32_t todpreg;
	uint64_t timer;
	uint64_t todcmp;
	uint64_t crs[16];
};

/*
 * Decodes the ZFD_S390_SA_SIZE bytes at sa (lowcore + ZFD_S390_SA_OFF).
 */
void zfd_s390_cpu_from_sa(struct zfd_s390_cpu *cpu, const uint8_t *sa);

/*
 * Encodes cpu into the ZFD_S390_SA_SIZE bytes at sa (lowcore +
 * ZFD_S390_SA_OFF). Padding bytes inside the save area are left as they
 * are, so that patching a real lowcore keeps its other contents.
 */
void zfd_s390_cpu_to_sa(const struct zfd_s390_cpu *cpu, uint8_t *sa);

#endif /* ZFD_S390_CPU_H */
