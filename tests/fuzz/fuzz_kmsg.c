// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the kernel log reader and the page filter
 * (src/lib/kmsg.c, src/lib/pfilter.c, src/lib/vmcoreinfo.c) on hostile
 * dumps.
 *
 * fuzz-sources: src/lib/vmcoreinfo.c src/lib/kmsg.c src/lib/pfilter.c src/lib/dump.c src/lib/fmt_elf_read.c src/lib/fmt_elf_write.c src/lib/format.c src/lib/s390_cpu.c src/lib/fmt_s390.c src/lib/util.c
 *
 * A valid memory image is built once (a lockless printk ring buffer with
 * records, a SPARSEMEM_EXTREME mem_section and struct pages, and page
 * tables for x86_64); the input then changes it: byte 0 picks x86_64
 * (little-endian, page tables) or s390x (big-endian, identity), byte 1
 * whether the rest after the patches is the VMCOREINFO text, then 12-byte
 * patches (32-bit memory offset, 64-bit value). The log and every page's
 * filtering must finish with 0 or an error, never crash, hang or read
 * outside the image.
 */
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "kmsg.h"
#include "pfilter.h"
#include "vmcoreinfo.h"

#define MEM	    0x80000u
#define NR_PFN	    (MEM / 4096)
#define PAGE_OFFSET 0xffff888000000000ULL

static const char vmci_base[] =
	"SYMBOL(prb)=%llx\nOFFSET(printk_ringbuffer.desc_ring)=0\n"
	"OFFSET(printk_ringbuffer.text_data_ring)=64\n"
	"OFFSET(prb_desc_ring.count_bits)=0\nOFFSET(prb_desc_ring.descs)=8\n"
	"OFFSET(prb_desc_ring.infos)=16\nOFFSET(prb_desc_ring.head_id)=24\n"
	"OFFSET(prb_desc_ring.tail_id)=32\nOFFSET(prb_data_ring.size_bits)=0\n"
	"OFFSET(prb_data_ring.data)=8\nSIZE(prb_desc)=24\n"
	"OFFSET(prb_desc.state_var)=0\nOFFSET(prb_desc.text_blk_lpos)=8\n"
	"OFFSET(prb_data_blk_lpos.begin)=0\nOFFSET(prb_data_blk_lpos.next)=8\n"
	"SIZE(printk_info)=88\nOFFSET(printk_info.ts_nsec)=8\n"
	"OFFSET(printk_info.text_len)=16\nOFFSET(atomic_long_t.counter)=0\n"
	"SYMBOL(init_top_pgt)=%llx\nNUMBER(phys_base)=0\n"
	"SYMBOL(mem_section)=%llx\nLENGTH(mem_section)=1\n"
	"SIZE(mem_section)=16\nOFFSET(mem_section.section_mem_map)=0\n"
	"NUMBER(SECTION_SIZE_BITS)=17\nNUMBER(MAX_PHYSMEM_BITS)=21\n"
	"SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\n"
	"OFFSET(page.mapping)=24\nOFFSET(page._mapcount)=48\n"
	"OFFSET(page.private)=40\nOFFSET(page.compound_dtor)=16\n"
	"OFFSET(page.compound_order)=17\nOFFSET(page.compound_head)=8\n"
	"NUMBER(PG_lru)=4\nNUMBER(PG_private)=13\nNUMBER(PG_swapcache)=10\n"
	"NUMBER(PG_swapbacked)=19\nNUMBER(PG_slab)=9\nNUMBER(PG_hwpoison)=23\n"
	"NUMBER(PG_head_mask)=65536\nNUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(HUGETLB_PAGE_DTOR)=2\nNUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n";

static uint8_t base[2][MEM], mem[MEM];
static char vmci[2][4096];

static void put64(bool be, uint8_t *m, uint64_t off, uint64_t v)
{
	if (be)
		zfd_put_be64(m + off, v);
	else
		zfd_put_le64(m + off, v);
}

static void build(int s390)
{
	uint8_t *m = base[s390];
	bool be = s390;
	uint64_t kv = s390 ? 0 : PAGE_OFFSET, i;

	/* ring buffer: rb 0x1000, descs 0x2000, infos 0x3000, text 0x4000 */
	put64(be, m, 0x100, kv + 0x1000); /* prb */
	put64(be, m, 0x1000, 3);	  /* count_bits */
	put64(be, m, 0x1008, kv + 0x2000);
	put64(be, m, 0x1010, kv + 0x3000);
	put64(be, m, 0x1018, 4);  /* head_id */
	put64(be, m, 0x1020, 1);  /* tail_id */
	put64(be, m, 0x1040, 12); /* size_bits */
	put64(be, m, 0x1048, kv + 0x4000);
	for (i = 1; i <= 4; i++) {
		put64(be, m, 0x2000 + i * 24, (2ULL << 62) | i);
		put64(be, m, 0x2000 + i * 24 + 8, (i - 1) * 64);
		put64(be, m, 0x2000 + i * 24 + 16, i * 64);
		put64(be, m, 0x3000 + i * 88 + 8, i * 1000000000ULL);
		m[0x3000 + i * 88 + 16 + be] = 20;
		put64(be, m, 0x4000 + (i - 1) * 64, i);
		memcpy(m + 0x4000 + (i - 1) * 64 + 8, "fuzz record\nline two",
		       20);
	}
	/* mem_section root 0x6000 -> sections 0x7000; struct pages 0x10000 */
	put64(be, m, 0x6000, kv + 0x7000);
	for (i = 0; i < 16; i++)
		put64(be, m, 0x7000 + i * 16, (kv + 0x10000) | 3);
	for (i = 0; i < NR_PFN; i++) {
		put64(be, m, 0x10000 + i * 64 + 48,
		      0xffffffffULL << 32 |
			      (i % 7 == 3 ? 0xffffff7fULL : 0xffffffffULL));
		put64(be, m, 0x10000 + i * 64, 1ULL << (i % 24));
		put64(be, m, 0x10000 + i * 64 + 40, i % 5);
	}
	if (!s390) {
		/* x86_64 4-level tables at 0x8000..0xb000: a 2 MiB page */
		put64(be, m, 0x8000 + 273 * 8, 0x9000 | 0x63);
		put64(be, m, 0x9000, 0xa000 | 0x63);
		put64(be, m, 0xa000, 0xe3);
	}
	snprintf(vmci[s390], sizeof(vmci[s390]), vmci_base,
		 (unsigned long long)(s390 ? 0x100 : 0xffffffff80000100ULL),
		 (unsigned long long)(s390 ? 0 : 0xffffffff80008000ULL),
		 (unsigned long long)(kv + 0x6000));
}

static int mem_read(void *arg, uint64_t pa, void *buf, size_t len)
{
	(void)arg;
	if (pa >= MEM || len > MEM - pa)
		return -EFAULT;
	memcpy(buf, mem + pa, len);
	return 0;
}

static int discard(void *arg, const char *text, size_t len)
{
	(void)arg;
	(void)text;
	(void)len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool built;
	static uint64_t excl[NR_PFN / 64 + 1];
	struct zfd_dump d = { .elf_class = ELFCLASS64 };
	const char *text;
	size_t text_len, i;
	struct zfd_kmem km;
	struct zfd_pfilter pf;
	char why[256];
	int s390;

	if (!built) {
		build(0);
		build(1);
		built = true;
	}
	if (size < 2)
		return 0;
	s390 = data[0] & 1;
	memcpy(mem, base[s390], MEM);
	text = vmci[s390];
	text_len = strlen(text);
	for (i = 2; i + 12 <= size; i += 12) {
		uint32_t off = zfd_get_le32(data + i) % (MEM - 7);

		memcpy(mem + off, data + i + 4, 8);
		if ((data[1] & 1) && i + 24 > size)
			break;
	}
	if (data[1] & 1) {
		/* the rest is a hostile VMCOREINFO */
		text = (const char *)data + i;
		text_len = size - i;
	}
	d.machine = s390 ? EM_S390 : EM_X86_64;
	d.big_endian = s390;
	d.mem_size = MEM;
	if (zfd_kmem_init(&km, &d, text, text_len, mem_read, NULL, why,
			  sizeof(why)))
		return 0;
	zfd_kmsg_dump(&km, discard, NULL, why, sizeof(why));
	if (!zfd_pfilter_init(&pf, &km, data[1] >> 3, why, sizeof(why))) {
		memset(excl, 0, sizeof(excl));
		zfd_pfilter_window(&pf, 0, NR_PFN / 2, excl, why, sizeof(why));
		zfd_pfilter_window(&pf, NR_PFN / 2, NR_PFN - NR_PFN / 2,
				   excl + NR_PFN / 128, why, sizeof(why));
		zfd_pfilter_free(&pf);
	}
	return 0;
}
