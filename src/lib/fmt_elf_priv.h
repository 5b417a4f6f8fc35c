/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to fmt_elf_read.c and fmt_elf_write.c: note and structure sizes
 * shared by the ELF core reader and writer.
 */
#ifndef ZFD_FMT_ELF_PRIV_H
#define ZFD_FMT_ELF_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

/* s390 note types (also in newer <elf.h>; spelled out to be sure). */
#define ZFD_NT_S390_TIMER   0x301
#define ZFD_NT_S390_TODCMP  0x302
#define ZFD_NT_S390_TODPREG 0x303
#define ZFD_NT_S390_CTRS    0x304
#define ZFD_NT_S390_PREFIX  0x305

/* Descriptor sizes of the s390x notes (kernel structures, 64 bit). */
#define PRSTATUS_SIZE	   336
#define PRSTATUS_OFF_PID   32
#define PRSTATUS32_OFF_PID 24  /* 32-bit elf_prstatus */
#define PRSTATUS_OFF_REG   112 /* s390_regs: psw, gprs, acrs, orig_gpr2 */
#define FPREGS_SIZE	   136 /* fpc, pad, fprs[16] */
#define PRPSINFO_SIZE	   136
#define PRPSINFO_OFF_SNAME 1
#define PRPSINFO_OFF_FNAME 40
#define CTRS_SIZE	   128

#define NOTE_HDR_SIZE	12
#define ALIGN4(x)	(((x) + 3) & ~(uint64_t)3)
#define NAME_CORE	"CORE"
#define NAME_LINUX	"LINUX"
#define NAME_VMCOREINFO "VMCOREINFO"

/* Reader limits: far above anything real, low enough to be harmless. */
#define MAX_PHNUM      (1U << 18)
#define MAX_NOTES_SIZE (16U << 20)
#define MAX_OTHER_CPUS 8192

/* Formats why (if given) and returns -EINVAL. */
int zfd_elf_fail(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline size_t zfd_elf_note_size(const char *name, size_t descsz)
{
	return NOTE_HDR_SIZE + ALIGN4(strlen(name) + 1) + ALIGN4(descsz);
}

#endif /* ZFD_FMT_ELF_PRIV_H */
