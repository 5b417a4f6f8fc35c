// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VMCOREINFO values and kernel virtual memory of a dump (vmcoreinfo.h).
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "util.h"
#include "vmcoreinfo.h"

#define KMEM_PAGE	     4096ULL
/* x86_64 */
#define X86_START_KERNEL_MAP 0xffffffff80000000ULL
#define X86_KERNEL_MAP_SIZE  (1ULL << 30)
#define X86_PHYS_MASK	     0x000ffffffffff000ULL
#define X86_PRESENT	     0x1ULL
#define X86_PSE		     0x80ULL
/* s390 absolute lowcore: the physical address of the VMCOREINFO note */
#define S390_LC_VMCORE_INFO  0xe0c
#define VMCI_NOTE_MAX	     (1u << 20)

static bool key_is_hex(const char *key)
{
	return !strncmp(key, "SYMBOL(", 7) || !strcmp(key, "KERNELOFFSET") ||
	       !strcmp(key, "IDENTITYBASE") || !strcmp(key, "SAMODE31") ||
	       !strcmp(key, "EAMODE31") || !strcmp(key, "AMODE31BASE");
}

int zfd_vmci_get(const char *text, size_t len, uint64_t *val, const char *fmt,
		 ...)
{
	char key[128], buf[64], *end;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(key))
		return -EINVAL;
	if (!text || !zfd_vmcoreinfo_get(text, len, key, buf, sizeof(buf)))
		return -ENOENT;
	if (!buf[0])
		return -EINVAL;
	errno = 0;
	if (key_is_hex(key))
		*val = strtoull(buf, &end, 16);
	else if (buf[0] == '-')
		*val = (uint64_t)strtoll(buf, &end, 10);
	else
		*val = strtoull(buf, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

uint64_t zfd_kmem_u64(const struct zfd_kmem *km, const void *p)
{
	return km->big_endian ? zfd_get_be64(p) : zfd_get_le64(p);
}

uint32_t zfd_kmem_u32(const struct zfd_kmem *km, const void *p)
{
	return km->big_endian ? zfd_get_be32(p) : zfd_get_le32(p);
}

uint16_t zfd_kmem_u16(const struct zfd_kmem *km, const void *p)
{
	return km->big_endian ? zfd_get_be16(p) : zfd_get_le16(p);
}

int zfd_kmem_init(struct zfd_kmem *km, const struct zfd_dump *d,
		  const char *vmci, size_t vmci_len, zfd_kmem_read_fn read,
		  void *arg, char *why, size_t why_len)
{
	uint64_t v;

	memset(km, 0, sizeof(*km));
	km->vmci = vmci;
	km->vmci_len = vmci_len;
	km->big_endian = d->big_endian;
	km->segs = d->segs;
	km->nr_segs = d->nr_segs;
	km->read = read;
	km->arg = arg;
	km->pgd = UINT64_MAX;
	if (d->elf_class != ELFCLASS64) {
		snprintf(why, why_len,
			 "a 32-bit kernel's memory cannot be "
			 "read (64-bit kernels only)");
		return -ENOTSUP;
	}
	if (d->machine == EM_X86_64) {
		km->arch = ZFD_KMEM_X86_64;
		if (!zfd_vmci_get(vmci, vmci_len, &v, "NUMBER(phys_base)"))
			km->phys_base = v;
		if (!zfd_vmci_get(vmci, vmci_len, &v,
				  "NUMBER(pgtable_l5_enabled)"))
			km->l5 = v != 0;
		if (!zfd_vmci_get(vmci, vmci_len, &v, "SYMBOL(init_top_pgt)") ||
		    !zfd_vmci_get(vmci, vmci_len, &v,
				  "SYMBOL(init_level4_pgt)"))
			if (v >= X86_START_KERNEL_MAP)
				km->pgd = v - X86_START_KERNEL_MAP +
					  km->phys_base;
	} else if (d->machine == EM_S390) {
		km->arch = ZFD_KMEM_S390X;
		if (!zfd_vmci_get(vmci, vmci_len, &v, "IDENTITYBASE"))
			km->identity_base = v;
		if (!zfd_vmci_get(vmci, vmci_len, &v,
				  "SYMBOL(swapper_pg_dir)") &&
		    !km->identity_base)
			km->pgd = v;
	}
	if (d->nr_ranges)
		km->mem_end = d->ranges[d->nr_ranges - 1].start +
			      d->ranges[d->nr_ranges - 1].size;
	else
		km->mem_end = d->mem_start + d->mem_size;
	return 0;
}

static bool x86_kernel_addr(uint64_t va)
{
	return va >= 0xffff800000000000ULL;
}

static int x86_walk(const struct zfd_kmem *km, uint64_t va, uint64_t *pa)
{
	static const unsigned int shift4[] = { 39, 30, 21, 12 };
	static const unsigned int shift5[] = { 48, 39, 30, 21, 12 };
	const unsigned int *shift = km->l5 ? shift5 : shift4;
	unsigned int levels = km->l5 ? 5 : 4, i;
	uint64_t table = km->pgd, e;
	uint8_t raw[8];

	if (table == UINT64_MAX)
		return -EFAULT;
	for (i = 0; i < levels; i++) {
		uint64_t mask;

		if (km->read(km->arg, table + ((va >> shift[i]) & 511) * 8, raw,
			     8))
			return -EFAULT;
		e = zfd_get_le64(raw);
		if (!(e & X86_PRESENT))
			return -EFAULT;
		/* 1 GiB and 2 MiB pages end the walk early */
		if (i + 1 < levels && (shift[i] == 30 || shift[i] == 21) &&
		    (e & X86_PSE)) {
			mask = (1ULL << shift[i]) - 1;
			*pa = (e & X86_PHYS_MASK & ~mask) | (va & mask);
			return 0;
		}
		table = e & X86_PHYS_MASK;
	}
	*pa = table | (va & (KMEM_PAGE - 1));
	return 0;
}

/* s390x DAT: region-first/second/third, segment and page tables. */
#define S390_TT(e)	  (((e) >> 2) & 3)
#define S390_INVALID	  0x20ULL
#define S390_LARGE	  0x400ULL /* 1 MiB segment, 2 GiB region-3 */
#define S390_PAGE_INVALID 0x400ULL

static int s390_walk(const struct zfd_kmem *km, uint64_t va, uint64_t *pa)
{
	uint64_t table = km->pgd, e;
	uint8_t raw[8];
	int level;

	if (table == UINT64_MAX || km->read(km->arg, table, raw, 8))
		return -EFAULT;
	/* the top table's type is in its entries */
	level = (int)S390_TT(zfd_get_be64(raw));
	if (level < 3 && (va >> (20 + 11 * (level + 1))))
		return -EFAULT;
	for (; level >= 0; level--) {
		uint64_t idx = (va >> (20 + 11 * level)) & 0x7ff;

		if (km->read(km->arg, table + idx * 8, raw, 8))
			return -EFAULT;
		e = zfd_get_be64(raw);
		if (e & S390_INVALID)
			return -EFAULT;
		if (level == 1 && (e & S390_LARGE)) {
			*pa = (e & ~0x7fffffffULL) | (va & 0x7fffffffULL);
			return 0;
		}
		if (level == 0 && (e & S390_LARGE)) {
			*pa = (e & ~0xfffffULL) | (va & 0xfffffULL);
			return 0;
		}
		table = level ? e & ~0xfffULL : e & ~0x7ffULL;
	}
	/* a page table: 256 entries */
	if (km->read(km->arg, table + ((va >> 12) & 0xff) * 8, raw, 8))
		return -EFAULT;
	e = zfd_get_be64(raw);
	if (e & S390_PAGE_INVALID)
		return -EFAULT;
	*pa = (e & ~0xfffULL) | (va & 0xfffULL);
	return 0;
}

int zfd_kmem_vtop(const struct zfd_kmem *km, uint64_t va, uint64_t *pa)
{
	size_t i;

	if (km->arch == ZFD_KMEM_S390X) {
		/* the kernel and its direct map: identity */
		if (!km->identity_base && va < km->mem_end) {
			*pa = va;
			return 0;
		}
		if (!s390_walk(km, va, pa))
			return 0;
		if (km->identity_base) {
			if (va < km->identity_base)
				return -EFAULT;
			*pa = va - km->identity_base;
		} else if (!km->mem_end) {
			*pa = va; /* the memory's size is unknown */
		} else {
			return -EFAULT;
		}
		return 0;
	}
	for (i = 0; i < km->nr_segs; i++) {
		const struct zfd_dump_seg *s = &km->segs[i];

		if (km->arch == ZFD_KMEM_X86_64 && !x86_kernel_addr(s->vaddr))
			continue;
		if (va >= s->vaddr && va - s->vaddr < s->size) {
			*pa = s->paddr + (va - s->vaddr);
			return 0;
		}
	}
	if (km->arch != ZFD_KMEM_X86_64)
		return -EFAULT;
	if (va >= X86_START_KERNEL_MAP &&
	    va - X86_START_KERNEL_MAP < X86_KERNEL_MAP_SIZE) {
		*pa = va - X86_START_KERNEL_MAP + km->phys_base;
		return 0;
	}
	return x86_walk(km, va, pa);
}

int zfd_kmem_read(const struct zfd_kmem *km, uint64_t va, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t pa, n;
	int rc;

	while (len) {
		if (va > UINT64_MAX - len + 1)
			return -EFAULT;
		n = ZFD_MIN((uint64_t)len, KMEM_PAGE - (va & (KMEM_PAGE - 1)));
		rc = zfd_kmem_vtop(km, va, &pa);
		if (rc)
			return rc;
		rc = km->read(km->arg, pa, p, n);
		if (rc)
			return rc;
		p += n;
		va += n;
		len -= n;
	}
	return 0;
}

int zfd_vmci_from_s390_lowcore(zfd_kmem_read_fn read, void *arg, char **text,
			       size_t *len)
{
	uint8_t raw[8], hdr[24];
	uint32_t namesz, descsz;
	uint64_t note;
	char *t;
	int rc;

	rc = read(arg, S390_LC_VMCORE_INFO, raw, 8);
	if (rc)
		return rc == -EFAULT ? -ENOENT : rc;
	note = zfd_get_be64(raw);
	if (!note)
		return -ENOENT;
	/* Elf64_Nhdr, then "VMCOREINFO\0" padded to 12 bytes */
	rc = read(arg, note, hdr, sizeof(hdr));
	if (rc)
		return rc == -EFAULT ? -ENOENT : rc;
	namesz = zfd_get_be32(hdr);
	descsz = zfd_get_be32(hdr + 4);
	if (namesz != 11 || memcmp(hdr + 12, "VMCOREINFO", 11) || !descsz ||
	    descsz > VMCI_NOTE_MAX)
		return -ENOENT;
	t = malloc(descsz);
	if (!t)
		return -ENOMEM;
	rc = read(arg, note + sizeof(hdr), t, descsz);
	if (rc) {
		free(t);
		return rc == -EFAULT ? -ENOENT : rc;
	}
	*len = strnlen(t, descsz);
	*text = t;
	return 0;
}
