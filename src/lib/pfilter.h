/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Page filtering by dump level, decided from the crashed kernel's
 * struct page array (located through VMCOREINFO: SPARSEMEM mem_section,
 * SIZE(page), OFFSET(page.*), NUMBER(PG_*), the buddy and offline
 * markers), with makedumpfile's bits:
 *	ZFD_DL_ZERO	1	pages of zeros (decided by content: the caller)
 *	ZFD_DL_CACHE	2	page cache without private data
 *	ZFD_DL_CACHE_PRI 4	page cache with private data too
 *	ZFD_DL_USER	8	user process data (anonymous, hugetlbfs)
 *	ZFD_DL_FREE	16	free pages (buddy allocator)
 * Hardware-poisoned and logically offline pages are excluded at every
 * level, as makedumpfile does.
 *
 * Memory is worked through in windows the caller chooses (ascending):
 * nothing is held for the whole memory, only the struct pages of a chunk
 * of ZFD_PFILTER_CHUNK pages.
 */
#ifndef ZFD_PFILTER_H
#define ZFD_PFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcoreinfo.h"

#define ZFD_DL_ZERO	 1u
#define ZFD_DL_CACHE	 2u
#define ZFD_DL_CACHE_PRI 4u
#define ZFD_DL_USER	 8u
#define ZFD_DL_FREE	 16u
#define ZFD_DL_MAX	 31u

#define ZFD_PFILTER_CHUNK 512u

struct zfd_pfilter {
	const struct zfd_kmem *km;
	unsigned int level;
	unsigned int sec_pfn_bits; /* SECTION_SIZE_BITS - PAGE_SHIFT */
	uint64_t mem_section, nr_roots, ms_size, ms_map_off, per_root;
	bool extreme;
	uint64_t page_size; /* SIZE(page) */
	uint64_t o_flags, o_refcount, o_mapping, o_private, o_mapcount;
	uint64_t o_head, o_order, o_dtor; /* UINT64_MAX: absent */
	int64_t pg_lru, pg_private, pg_swapcache, pg_swapbacked, pg_slab;
	int64_t pg_hwpoison; /* -1: absent */
	uint64_t head_mask;
	bool has_buddy, has_offline, has_hugetlb;
	int64_t buddy_val, offline_val, hugetlb_dtor;
	/* the block (free, huge) that reaches furthest: [carry_start,
	 * carry_end) is excluded; a window that starts again before its
	 * end (a caller that re-reads) does not lose pages before it */
	uint64_t carry_start, carry_end;
	uint64_t sec_cached; /* section of sec_map, UINT64_MAX */
	uint64_t sec_map;    /* its decoded mem_map, 0: none */
	uint8_t *pages;	     /* (CHUNK + 1) struct pages */
	/* statistics: pages excluded per reason */
	uint64_t nr_cache, nr_cache_pri, nr_user, nr_free, nr_poison,
		nr_offline;
};

/*
 * Sets pf up for level (0-31) with the kernel memory km. Returns 0, or
 * -ENOENT with the reason in why when VMCOREINFO lacks what filtering
 * needs (the caller falls back to zero pages), -ENOMEM.
 */
int zfd_pfilter_init(struct zfd_pfilter *pf, const struct zfd_kmem *km,
		     unsigned int level, char *why, size_t why_len);
void zfd_pfilter_free(struct zfd_pfilter *pf);

/*
 * Sets bit i of excl (64-bit words, LSB first) for each page start_pfn + i
 * (i < nr) that the level excludes by its struct page; other bits are
 * left alone. Windows should come in ascending order, one after the
 * other (a free block or a huge page may reach into the next one); a
 * window that overlaps an earlier one never excludes a page wrongly,
 * but may keep tail pages of a block whose head it does not see. Pages whose struct page is not
 * in the dump stay. Returns 0 or -errno with why.
 */
int zfd_pfilter_window(struct zfd_pfilter *pf, uint64_t start_pfn, uint64_t nr,
		       uint64_t *excl, char *why, size_t why_len);

#endif /* ZFD_PFILTER_H */
