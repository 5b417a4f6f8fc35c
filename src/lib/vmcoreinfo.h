/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VMCOREINFO values and the crashed kernel's memory, read by kernel
 * virtual address without debug information.
 *
 * VMCOREINFO is the kernel's "KEY=value" text: SYMBOL(x), KERNELOFFSET
 * and IDENTITYBASE in hex, SIZE(x), OFFSET(s.m), LENGTH(x), NUMBER(x),
 * PAGESIZE and the rest in decimal (NUMBER may be negative).
 *
 * struct zfd_kmem translates kernel virtual addresses to physical ones and
 * reads the dump's memory through a callback:
 *	x86_64	the ELF core's PT_LOADs (direct map and kernel text), then
 *		the kernel text map (__START_KERNEL_map + phys_base), then a
 *		walk of the page tables from SYMBOL(init_top_pgt) (4 or 5
 *		levels: NUMBER(pgtable_l5_enabled))
 *	s390x	the identity map (virtual = physical) within the dump's
 *		memory, else (vmemmap, vmalloc) a walk of the DAT tables
 *		from SYMBOL(swapper_pg_dir); the direct map at IDENTITYBASE
 *		when the kernel publishes one
 *	others	the ELF core's PT_LOADs
 */
#ifndef ZFD_VMCOREINFO_H
#define ZFD_VMCOREINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"

/*
 * The value of KEY (formatted like printf), parsed in the base the kernel
 * writes it in. Returns 0, -ENOENT (no such key) or -EINVAL (not a
 * number).
 */
int zfd_vmci_get(const char *text, size_t len, uint64_t *val, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

/* Reads len bytes at physical address pa: 0, -EFAULT (not in the dump)
 * or -errno. */
typedef int (*zfd_kmem_read_fn)(void *arg, uint64_t pa, void *buf, size_t len);

enum zfd_kmem_arch {
	ZFD_KMEM_OTHER,
	ZFD_KMEM_X86_64,
	ZFD_KMEM_S390X,
};

struct zfd_kmem {
	const char *vmci; /* VMCOREINFO text (not owned) */
	size_t vmci_len;
	enum zfd_kmem_arch arch;
	bool big_endian;
	const struct zfd_dump_seg *segs; /* not owned */
	size_t nr_segs;
	zfd_kmem_read_fn read;
	void *arg;
	uint64_t phys_base;	/* x86_64 */
	uint64_t pgd;		/* x86_64 top level, UINT64_MAX: none */
	bool l5;		/* x86_64 5-level paging */
	uint64_t identity_base; /* s390x */
	uint64_t mem_end;	/* end of the dump's memory */
};

/*
 * Sets km up for a dump of machine/elf_class/big_endian with the
 * segments segs (may be NULL) and VMCOREINFO vmci. Returns 0, or -ENOTSUP
 * (64-bit kernels only) with a one-line reason in why.
 */
int zfd_kmem_init(struct zfd_kmem *km, const struct zfd_dump *d,
		  const char *vmci, size_t vmci_len, zfd_kmem_read_fn read,
		  void *arg, char *why, size_t why_len);

/* Kernel virtual address to physical: 0 or -EFAULT (not mapped). */
int zfd_kmem_vtop(const struct zfd_kmem *km, uint64_t va, uint64_t *pa);

/*
 * Reads len bytes at kernel virtual address va, page by page. Returns 0,
 * -EFAULT (an address not mapped or not in the dump) or -errno.
 */
int zfd_kmem_read(const struct zfd_kmem *km, uint64_t va, void *buf,
		  size_t len);

/* Integers in the dump's byte order. */
uint64_t zfd_kmem_u64(const struct zfd_kmem *km, const void *p);
uint32_t zfd_kmem_u32(const struct zfd_kmem *km, const void *p);
uint16_t zfd_kmem_u16(const struct zfd_kmem *km, const void *p);

/*
 * s390: the VMCOREINFO note the kernel left for a stand-alone dump (the
 * absolute lowcore's vmcore_info field at 0xe0c points to it). On success
 * *text is a malloc'd copy of the note's text (*len bytes). Returns 0,
 * -ENOENT (none there) or -errno.
 */
int zfd_vmci_from_s390_lowcore(zfd_kmem_read_fn read, void *arg, char **text,
			       size_t *len);

#endif /* ZFD_VMCOREINFO_H */
