// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of page filtering by dump level (src/lib/pfilter.c): a
 * big-endian s390x memory image built here with a SPARSEMEM_EXTREME
 * mem_section (one section absent) and struct pages of every kind
 * (page cache with and without private data, swap cache, anonymous,
 * free buddy blocks, slab, hugetlb and anonymous compound pages,
 * hwpoison, offline); each level's excluded set is checked page for
 * page, with a window boundary and a section boundary inside free
 * blocks. The real-kernel check against makedumpfile is e2e s90.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "be.h"
#include "pfilter.h"
#include "vmcoreinfo.h"

#define MEM_SIZE    0x200000ULL
#define PA_ROOTS    0x1000ULL
#define PA_SECTIONS 0x2000ULL
#define PA_PAGES    0x100000ULL
#define NR_PFN	    4096ULL /* 16 sections of 256 pages */
#define SPAGE	    64

#define F_LRU	     (1ULL << 4)
#define F_SLAB	     (1ULL << 9)
#define F_SWAPCACHE  (1ULL << 10)
#define F_PRIVATE    (1ULL << 13)
#define F_HEAD	     (1ULL << 16)
#define F_SWAPBACKED (1ULL << 19)
#define F_HWPOISON   (1ULL << 23)
#define FILE_MAPPING 0x7f0000ULL
#define ANON_MAPPING 0x7f0001ULL

static const char vmci[] =
	"SYMBOL(mem_section)=1000\nLENGTH(mem_section)=1\n"
	"SIZE(mem_section)=16\nOFFSET(mem_section.section_mem_map)=0\n"
	"NUMBER(SECTION_SIZE_BITS)=20\nNUMBER(MAX_PHYSMEM_BITS)=24\n"
	"SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\n"
	"OFFSET(page.mapping)=24\nOFFSET(page.lru)=8\n"
	"OFFSET(page._mapcount)=48\nOFFSET(page.private)=40\n"
	"OFFSET(page.compound_dtor)=16\nOFFSET(page.compound_order)=17\n"
	"OFFSET(page.compound_head)=8\nNUMBER(PG_lru)=4\n"
	"NUMBER(PG_private)=13\nNUMBER(PG_swapcache)=10\n"
	"NUMBER(PG_swapbacked)=19\nNUMBER(PG_slab)=9\n"
	"NUMBER(PG_hwpoison)=23\nNUMBER(PG_head_mask)=65536\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(HUGETLB_PAGE_DTOR)=2\n"
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n";

static uint8_t *mem;

static uint8_t *spage(uint64_t pfn)
{
	return mem + PA_PAGES + pfn * SPAGE;
}

static void page(uint64_t pfn, uint64_t flags, uint64_t mapping,
		 int32_t mapcount, uint64_t private)
{
	zfd_put_be64(spage(pfn), flags);
	zfd_put_be64(spage(pfn) + 24, mapping);
	zfd_put_be32(spage(pfn) + 48, (uint32_t)mapcount);
	zfd_put_be64(spage(pfn) + 40, private);
}

/* A compound page: head flags, order and dtor in the first tail page,
 * compound_head | 1 in every tail. */
static void compound(uint64_t pfn, unsigned int order, uint8_t dtor,
		     uint64_t mapping)
{
	uint64_t i;

	page(pfn, F_HEAD, mapping, -1, 0);
	for (i = 1; i < (1ULL << order); i++) {
		page(pfn + i, 0, 0, -1, 0);
		zfd_put_be64(spage(pfn + i) + 8, (PA_PAGES + pfn * SPAGE) | 1);
	}
	spage(pfn + 1)[17] = (uint8_t)order;
	spage(pfn + 1)[16] = dtor;
}

static void build(void)
{
	uint64_t s, pfn;

	mem = calloc(1, MEM_SIZE);
	assert_non_null(mem);
	zfd_put_be64(mem + PA_ROOTS, PA_SECTIONS);
	/* vmemmap style: the same encoded mem_map for every section */
	for (s = 0; s < 16; s++)
		if (s != 3)
			zfd_put_be64(mem + PA_SECTIONS + s * 16, PA_PAGES | 3);
	for (pfn = 0; pfn < NR_PFN; pfn++)
		page(pfn, 0, 0, -1, 0);
	page(300, F_LRU, FILE_MAPPING, 0, 0);
	page(301, F_LRU | F_PRIVATE, FILE_MAPPING, 0, 0);
	page(302, F_SWAPCACHE | F_SWAPBACKED, FILE_MAPPING, 0, 0);
	page(303, F_SWAPCACHE, FILE_MAPPING, 0, 0);
	page(304, F_LRU, ANON_MAPPING, 0, 0);
	page(308, 0, 0, -129, 2);	   /* free, order 2 */
	page(312, F_SLAB, 0, -129, 2);	   /* slab: not free */
	compound(316, 2, 2, 0);		   /* hugetlb */
	compound(320, 1, 1, ANON_MAPPING); /* anonymous THP */
	compound(324, 2, 1, FILE_MAPPING); /* file, not LRU */
	page(330, F_HWPOISON, 0, -1, 0);
	page(331, 0, 0, -257, 0);	      /* offline */
	page(504, 0, 0, -129, 3);	      /* across a window */
	page(800, F_LRU, FILE_MAPPING, 0, 0); /* section absent */
	page(1534, 0, 0, -129, 2);	      /* across a section */
}

/* What level excludes, by the rules above. */
static bool expect(uint64_t pfn, unsigned int l)
{
	if (pfn == 330 || pfn == 331)
		return true;
	if (l & ZFD_DL_FREE)
		if ((pfn >= 308 && pfn < 312) || (pfn >= 504 && pfn < 512) ||
		    (pfn >= 1534 && pfn < 1538))
			return true;
	if ((l & (ZFD_DL_CACHE | ZFD_DL_CACHE_PRI)) &&
	    (pfn == 300 || pfn == 302))
		return true;
	if ((l & ZFD_DL_CACHE_PRI) && pfn == 301)
		return true;
	if ((l & ZFD_DL_USER) && (pfn == 304 || (pfn >= 316 && pfn < 322)))
		return true;
	return false;
}

static int mem_read(void *arg, uint64_t pa, void *buf, size_t len)
{
	(void)arg;
	if (pa >= MEM_SIZE || len > MEM_SIZE - pa)
		return -EFAULT;
	memcpy(buf, mem + pa, len);
	return 0;
}

static void init(struct zfd_kmem *km, struct zfd_pfilter *pf, const char *text,
		 unsigned int level, int want, char *why, size_t wl)
{
	struct zfd_dump d = { .machine = EM_S390,
			      .elf_class = ELFCLASS64,
			      .big_endian = true };

	assert_int_equal(zfd_kmem_init(km, &d, text, strlen(text), mem_read,
				       NULL, why, wl),
			 0);
	assert_int_equal(zfd_pfilter_init(pf, km, level, why, wl), want);
}

/* The second window's bits start at its own first page. */
static void run_windows(struct zfd_pfilter *pf, bool *out)
{
	uint64_t w1[(506 + 63) / 64] = { 0 };
	uint64_t w2[(NR_PFN - 506 + 63) / 64] = { 0 };
	char why[64];
	uint64_t i;

	assert_int_equal(zfd_pfilter_window(pf, 0, 506, w1, why, sizeof(why)),
			 0);
	assert_int_equal(zfd_pfilter_window(pf, 506, NR_PFN - 506, w2, why,
					    sizeof(why)),
			 0);
	for (i = 0; i < NR_PFN; i++)
		out[i] = i < 506 ? (w1[i / 64] >> (i % 64)) & 1 :
				   (w2[(i - 506) / 64] >> ((i - 506) % 64)) & 1;
}

static void test_sets(void **state)
{
	static const unsigned int levels[] = { 0, 1, 2, 4, 6, 8, 16, 31 };
	static bool got[NR_PFN];
	struct zfd_pfilter pf;
	struct zfd_kmem km;
	char why[128], msg[64];
	uint64_t pfn;
	size_t i;

	(void)state;
	build();
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		init(&km, &pf, vmci, levels[i], 0, why, sizeof(why));
		run_windows(&pf, got);
		for (pfn = 0; pfn < NR_PFN; pfn++) {
			if (got[pfn] == expect(pfn, levels[i]))
				continue;
			snprintf(msg, sizeof(msg), "level %u pfn %llu: %d",
				 levels[i], (unsigned long long)pfn, got[pfn]);
			fail_msg("%s", msg);
		}
		zfd_pfilter_free(&pf);
	}
	free(mem);
}

static void test_errors(void **state)
{
	struct zfd_pfilter pf;
	struct zfd_kmem km;
	char why[128], text[sizeof(vmci)];
	char *p;

	(void)state;
	build();
	/* no mem_section: filtering impossible */
	memcpy(text, vmci, sizeof(vmci));
	p = strstr(text, "SYMBOL(mem_section)");
	p[0] = 'X';
	init(&km, &pf, text, 31, -ENOENT, why, sizeof(why));
	assert_string_equal(why, "VMCOREINFO lacks SYMBOL(mem_section)");
	/* no buddy marker: free pages cannot be told, others can */
	memcpy(text, vmci, sizeof(vmci));
	p = strstr(text, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)");
	p[0] = 'X';
	init(&km, &pf, text, 31, -ENOENT, why, sizeof(why));
	assert_string_equal(why, "VMCOREINFO lacks NUMBER(PAGE_BUDDY_MAPCOUNT_"
				 "VALUE): free pages cannot be told");
	init(&km, &pf, text, 15, 0, why, sizeof(why));
	zfd_pfilter_free(&pf);
	/* absurd sizes */
	memcpy(text, vmci, sizeof(vmci));
	p = strstr(text, "SIZE(page)=64");
	memcpy(p, "SIZE(page)=50", 13);
	init(&km, &pf, text, 31, -ENOENT, why, sizeof(why));
	assert_string_equal(why, "VMCOREINFO: struct page offsets beyond "
				 "SIZE(page)");
	p = strstr(text, "SIZE(page)=50");
	memcpy(p, "SIZE(page)=08", 13);
	init(&km, &pf, text, 31, -ENOENT, why, sizeof(why));
	assert_string_equal(why, "VMCOREINFO: implausible memory model "
				 "(SECTION_SIZE_BITS 20, SIZE(page) 8)");
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
