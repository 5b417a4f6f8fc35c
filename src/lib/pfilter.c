// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Page filtering by dump level (pfilter.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfilter.h"
#include "util.h"

#define PF_PAGE_SHIFT	  12
#define PAGE_MAPPING_ANON 1ULL
/* struct mem_section.section_mem_map: flags in the low bits */
#define SECTION_MAP_MASK  (~0x1fULL)
#define ABSENT		  UINT64_MAX

static int vmci(const struct zfd_pfilter *pf, uint64_t *v, const char *key)
{
	return zfd_vmci_get(pf->km->vmci, pf->km->vmci_len, v, "%s", key);
}

static uint64_t opt_off(const struct zfd_pfilter *pf, const char *key)
{
	uint64_t v;

	return vmci(pf, &v, key) ? ABSENT : v;
}

static int64_t opt_num(const struct zfd_pfilter *pf, const char *key)
{
	uint64_t v;

	return vmci(pf, &v, key) ? -1 : (int64_t)v;
}

int zfd_pfilter_init(struct zfd_pfilter *pf, const struct zfd_kmem *km,
		     unsigned int level, char *why, size_t why_len)
{
	static const char *const need[] = {
		"SYMBOL(mem_section)",
		"LENGTH(mem_section)",
		"SIZE(mem_section)",
		"OFFSET(mem_section.section_mem_map)",
		"NUMBER(SECTION_SIZE_BITS)",
		"NUMBER(MAX_PHYSMEM_BITS)",
		"SIZE(page)",
		"OFFSET(page.flags)",
		"OFFSET(page._refcount)",
		"OFFSET(page.mapping)",
		"NUMBER(PG_lru)",
		"NUMBER(PG_private)",
		"NUMBER(PG_swapcache)",
	};
	uint64_t v[ZFD_ARRAY_SIZE(need)], nr_sections;
	size_t i;

	memset(pf, 0, sizeof(*pf));
	pf->km = km;
	pf->level = level;
	pf->sec_cached = UINT64_MAX;
	for (i = 0; i < ZFD_ARRAY_SIZE(need); i++)
		if (vmci(pf, &v[i], need[i])) {
			snprintf(why, why_len, "VMCOREINFO lacks %s", need[i]);
			return -ENOENT;
		}
	pf->mem_section = v[0];
	pf->nr_roots = v[1];
	pf->ms_size = v[2];
	pf->ms_map_off = v[3];
	if (v[4] <= PF_PAGE_SHIFT || v[4] >= 40 || v[5] > 64 || v[5] < v[4] ||
	    !v[2] || v[2] > 4096 || v[3] + 8 > v[2] || v[6] < 16 ||
	    v[6] > 1024) {
		snprintf(why, why_len,
			 "VMCOREINFO: implausible memory model "
			 "(SECTION_SIZE_BITS %" PRIu64 ", SIZE(page) %" PRIu64
			 ")",
			 v[4], v[6]);
		return -ENOENT;
	}
	pf->sec_pfn_bits = (unsigned int)(v[4] - PF_PAGE_SHIFT);
	nr_sections = 1ULL << (v[5] - v[4]);
	pf->per_root = 4096 / pf->ms_size;
	/* SPARSEMEM_EXTREME: an array of roots, each a page of sections */
	pf->extreme = pf->nr_roots ==
		      (nr_sections + pf->per_root - 1) / pf->per_root;
	pf->page_size = v[6];
	pf->o_flags = v[7];
	pf->o_refcount = v[8];
	pf->o_mapping = v[9];
	pf->pg_lru = (int64_t)v[10];
	pf->pg_private = (int64_t)v[11];
	pf->pg_swapcache = (int64_t)v[12];
	pf->pg_swapbacked = opt_num(pf, "NUMBER(PG_swapbacked)");
	pf->pg_slab = opt_num(pf, "NUMBER(PG_slab)");
	pf->pg_hwpoison = opt_num(pf, "NUMBER(PG_hwpoison)");
	pf->o_private = opt_off(pf, "OFFSET(page.private)");
	pf->o_mapcount = opt_off(pf, "OFFSET(page._mapcount)");
	pf->o_head = opt_off(pf, "OFFSET(page.compound_head)");
	pf->o_order = opt_off(pf, "OFFSET(page.compound_order)");
	pf->o_dtor = opt_off(pf, "OFFSET(page.compound_dtor)");
	pf->head_mask = (uint64_t)opt_num(pf, "NUMBER(PG_head_mask)");
	if (opt_num(pf, "NUMBER(PG_head_mask)") < 0)
		pf->head_mask = 0;
	pf->buddy_val = opt_num(pf, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)");
	pf->has_buddy = !vmci(pf, &v[0], "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)") &&
			pf->o_mapcount != ABSENT;
	pf->offline_val = opt_num(pf, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)");
	pf->has_offline = !vmci(pf, &v[0],
				"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)") &&
			  pf->o_mapcount != ABSENT;
	pf->hugetlb_dtor = opt_num(pf, "NUMBER(HUGETLB_PAGE_DTOR)");
	pf->has_hugetlb = !vmci(pf, &v[0], "NUMBER(HUGETLB_PAGE_DTOR)");
	if ((level & ZFD_DL_FREE) && !pf->has_buddy) {
		snprintf(why, why_len,
			 "VMCOREINFO lacks "
			 "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE): free pages "
			 "cannot be told");
		return -ENOENT;
	}
	if (pf->o_flags + 8 > pf->page_size ||
	    pf->o_mapping + 8 > pf->page_size ||
	    pf->o_refcount + 4 > pf->page_size ||
	    (pf->o_private != ABSENT && pf->o_private + 8 > pf->page_size) ||
	    (pf->o_mapcount != ABSENT && pf->o_mapcount + 4 > pf->page_size) ||
	    (pf->o_head != ABSENT && pf->o_head + 8 > pf->page_size) ||
	    (pf->o_order != ABSENT && pf->o_order >= pf->page_size) ||
	    (pf->o_dtor != ABSENT && pf->o_dtor >= pf->page_size)) {
		snprintf(why, why_len,
			 "VMCOREINFO: struct page offsets "
			 "beyond SIZE(page)");
		return -ENOENT;
	}
	pf->pages = malloc((ZFD_PFILTER_CHUNK + 1) * pf->page_size);
	if (!pf->pages) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void zfd_pfilter_free(struct zfd_pfilter *pf)
{
	free(pf->pages);
	pf->pages = NULL;
}

/* The decoded mem_map of section nr (struct page of pfn: map + pfn *
 * SIZE(page)), 0 when the section has none or is not in the dump. */
static uint64_t section_map(struct zfd_pfilter *pf, uint64_t nr)
{
	const struct zfd_kmem *km = pf->km;
	uint64_t root, ms, map;
	uint8_t raw[8];

	if (nr == pf->sec_cached)
		return pf->sec_map;
	pf->sec_cached = nr;
	pf->sec_map = 0;
	if (pf->extreme) {
		if (nr / pf->per_root >= pf->nr_roots ||
		    zfd_kmem_read(km, pf->mem_section + nr / pf->per_root * 8,
				  raw, 8))
			return 0;
		root = zfd_kmem_u64(km, raw);
		if (!root)
			return 0;
		ms = root + nr % pf->per_root * pf->ms_size;
	} else {
		if (nr >= pf->nr_roots)
			return 0;
		ms = pf->mem_section + nr * pf->ms_size;
	}
	if (zfd_kmem_read(km, ms + pf->ms_map_off, raw, 8))
		return 0;
	map = zfd_kmem_u64(km, raw);
	/* SECTION_MARKED_PRESENT and SECTION_HAS_MEM_MAP */
	if ((map & 3) != 3)
		return 0;
	pf->sec_map = map & SECTION_MAP_MASK;
	return pf->sec_map;
}

static bool bit(uint64_t flags, int64_t nr)
{
	return nr >= 0 && nr < 64 && (flags >> nr) & 1;
}

static void set_excl(uint64_t *excl, uint64_t i)
{
	excl[i / 64] |= 1ULL << (i % 64);
}

/*
 * How many pages from pfn on (its struct page at p, the next one at
 * next or NULL) the level excludes: 0 keeps it.
 */
static uint64_t classify(struct zfd_pfilter *pf, uint64_t pfn, const uint8_t *p,
			 const uint8_t *next)
{
	const struct zfd_kmem *km = pf->km;
	uint64_t flags, mapping, private = 0, head = 0, nr = 1;
	unsigned int order = 0, dtor = 0, level = pf->level;
	int32_t mapcount = 0;
	bool cache;

	flags = zfd_kmem_u64(km, p + pf->o_flags);
	mapping = zfd_kmem_u64(km, p + pf->o_mapping);
	if (next && (flags & pf->head_mask)) {
		if (pf->o_order != ABSENT)
			order = next[pf->o_order];
		if (pf->o_dtor != ABSENT)
			dtor = next[pf->o_dtor];
		if (order >= 64 || (pfn & ((1ULL << order) - 1)))
			order = 0;
	}
	if (pf->o_head != ABSENT)
		head = zfd_kmem_u64(km, p + pf->o_head);
	if (pf->o_mapcount != ABSENT)
		mapcount = (int32_t)zfd_kmem_u32(km, p + pf->o_mapcount);
	if (pf->o_private != ABSENT)
	private = zfd_kmem_u64(km, p + pf->o_private);
	nr = 1ULL << order;

	/* a tail page: its head decided */
	if (head & 1)
		return 0;
	if ((level & ZFD_DL_FREE) && pf->has_buddy &&
	    !bit(flags, pf->pg_slab) && mapcount == (int32_t)pf->buddy_val) {
		pf->nr_free++;
		return private < 32 ? 1ULL << private : 1;
	}
	cache = bit(flags, pf->pg_lru) ||
		((pf->pg_swapbacked < 0 || bit(flags, pf->pg_swapbacked)) &&
		 bit(flags, pf->pg_swapcache));
	if ((level & ZFD_DL_CACHE) && cache && !bit(flags, pf->pg_private) &&
	    !(mapping & PAGE_MAPPING_ANON)) {
		pf->nr_cache += nr;
		return nr;
	}
	if ((level & ZFD_DL_CACHE_PRI) && cache &&
	    !(mapping & PAGE_MAPPING_ANON)) {
		pf->nr_cache_pri += nr;
		return nr;
	}
	if ((level & ZFD_DL_USER) &&
	    ((mapping & PAGE_MAPPING_ANON) ||
	     (pf->has_hugetlb && (int64_t)dtor == pf->hugetlb_dtor))) {
		pf->nr_user += nr;
		return nr;
	}
	if (bit(flags, pf->pg_hwpoison)) {
		pf->nr_poison += nr;
		return nr;
	}
	if (pf->has_offline && !bit(flags, pf->pg_slab) &&
	    mapcount == (int32_t)pf->offline_val) {
		pf->nr_offline += nr;
		return nr;
	}
	return 0;
}

int zfd_pfilter_window(struct zfd_pfilter *pf, uint64_t start_pfn, uint64_t nr,
		       uint64_t *excl, char *why, size_t why_len)
{
	uint64_t end = start_pfn + nr, pfn = start_pfn;

	(void)why;
	(void)why_len;
	while (pfn < end) {
		uint64_t sec = pfn >> pf->sec_pfn_bits;
		uint64_t sec_end = (sec + 1) << pf->sec_pfn_bits;
		uint64_t map, chunk_end, n, i;
		bool extra;

		if (pfn >= pf->carry_start && pfn < pf->carry_end) {
			set_excl(excl, pfn - start_pfn);
			pfn++;
			continue;
		}
		map = section_map(pf, sec);
		if (!map) {
			pfn = ZFD_MIN(sec_end, end);
			continue;
		}
		/* a chunk of struct pages, aligned like makedumpfile's
		 * cache, and the one after it for a compound head's order */
		chunk_end = ZFD_MIN(ZFD_ALIGN_UP(pfn + 1,
						 (uint64_t)ZFD_PFILTER_CHUNK),
				    ZFD_MIN(sec_end, end));
		n = chunk_end - pfn;
		extra = chunk_end < sec_end;
		if (zfd_kmem_read(pf->km, map + pfn * pf->page_size, pf->pages,
				  (n + extra) * pf->page_size)) {
			if (!extra ||
			    zfd_kmem_read(pf->km, map + pfn * pf->page_size,
					  pf->pages, n * pf->page_size)) {
				/* struct pages not in the dump: kept */
				pfn = chunk_end;
				continue;
			}
			extra = false;
		}
		for (i = 0; i < n; i++) {
			const uint8_t *p = pf->pages + i * pf->page_size;
			uint64_t x, j;

			if (pfn + i >= pf->carry_start &&
			    pfn + i < pf->carry_end) {
				set_excl(excl, pfn + i - start_pfn);
				continue;
			}
			x = classify(pf, pfn + i, p,
				     i + 1 < n || extra ? p + pf->page_size :
							  NULL);
			if (!x)
				continue;
			for (j = 0; j < x && pfn + i + j < end; j++)
				set_excl(excl, pfn + i + j - start_pfn);
			if (pfn + i + x > pf->carry_end) {
				pf->carry_start = pfn + i;
				pf->carry_end = pfn + i + x;
			}
			/* the rest of the range is excluded above */
		}
		pfn = chunk_end;
	}
	return 0;
}
