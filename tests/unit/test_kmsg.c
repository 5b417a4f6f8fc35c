// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the kernel log reader (src/lib/kmsg.c) and the kernel
 * memory it reads through (src/lib/vmcoreinfo.c): a memory image built
 * here holds a hand-made lockless printk ring buffer (or an old log_buf)
 * with known records, little-endian for x86_64 (reached through the
 * kernel text map and a 4-level page table walk) and big-endian for s390x
 * (identity map); then the same image as an x86_64 ELF core and as an
 * s390 dump file (VMCOREINFO found through the lowcore), read by
 * zfcpdump-get dmesg. The expected text is what makedumpfile
 * --dump-dmesg prints for such records.
 */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "be.h"
#include "fmt_s390.h"
#include "get.h"
#include "kmsg.h"
#include "vmcoreinfo.h"

#define MEM_SIZE    0x200000ULL
#define PAGE_OFFSET 0xffff888000000000ULL
#define KTEXT	    0xffffffff80000000ULL
#define PHYS_BASE   0x80000ULL
#define PA_PGD	    0x90000ULL
#define PA_PUD	    0x91000ULL
#define PA_PMD	    0x92000ULL
#define PA_PTE	    0x93000ULL
#define PA_RB	    0x20000ULL
#define PA_DESCS    0x21000ULL
#define PA_INFOS    0x22000ULL
#define PA_TEXT	    0x30000ULL
#define PA_LOGBUF   0x40000ULL
#define PA_VARS	    0x100000ULL /* prb, log_buf and friends */
#define PA_NOTE	    0x1000ULL	/* s390: the VMCOREINFO note */
/* x86_64: the text ring lies above the 2 MiB page, mapped by a PTE */
#define VA_TEXT_X86 (PAGE_OFFSET + 0x230000ULL)
#define COUNT_BITS  3
#define SIZE_BITS   12
#define DESC_SIZE   24
#define INFO_SIZE   88
#define LOG_REC	    16

static const char expect_prb[] =
	"[    0.000000] Linux version 6.1.0-zfd-test (kmsg unit test)\n"
	"[    1.500000] line one\n"
	"               line two\n"
	"[   12.345678] tab\there \\x01 bell\\x07\n"
	"[ 1234.000001] Kernel panic - not syncing: wrapped\n";

static const char expect_log[] = "[    5.000000] old one\n"
				 "[    6.250000] old two\n";

struct image {
	uint8_t *mem;
	bool be;
	bool x86;
	char vmci[4096];
};

static void put64(struct image *im, uint64_t pa, uint64_t v)
{
	assert_true(pa + 8 <= MEM_SIZE);
	if (im->be)
		zfd_put_be64(im->mem + pa, v);
	else
		zfd_put_le64(im->mem + pa, v);
}

static void put32(struct image *im, uint64_t pa, uint32_t v)
{
	if (im->be)
		zfd_put_be32(im->mem + pa, v);
	else
		zfd_put_le32(im->mem + pa, v);
}

static void put16(struct image *im, uint64_t pa, uint16_t v)
{
	if (im->be)
		zfd_put_be16(im->mem + pa, v);
	else
		zfd_put_le16(im->mem + pa, v);
}

/* Kernel virtual address of a physical one (direct map). */
static uint64_t kva(const struct image *im, uint64_t pa)
{
	return im->x86 ? PAGE_OFFSET + pa : pa;
}

/* Kernel virtual address of a kernel variable (kernel text map). */
static uint64_t ksym(const struct image *im, uint64_t pa)
{
	return im->x86 ? KTEXT + pa - PHYS_BASE : pa;
}

static const char vmci_prb[] = "OFFSET(printk_ringbuffer.desc_ring)=0\n"
			       "OFFSET(printk_ringbuffer.text_data_ring)=64\n"
			       "OFFSET(prb_desc_ring.count_bits)=0\n"
			       "OFFSET(prb_desc_ring.descs)=8\n"
			       "OFFSET(prb_desc_ring.infos)=16\n"
			       "OFFSET(prb_desc_ring.head_id)=24\n"
			       "OFFSET(prb_desc_ring.tail_id)=32\n"
			       "OFFSET(prb_data_ring.size_bits)=0\n"
			       "OFFSET(prb_data_ring.data)=8\n"
			       "SIZE(prb_desc)=24\n"
			       "OFFSET(prb_desc.state_var)=0\n"
			       "OFFSET(prb_desc.text_blk_lpos)=8\n"
			       "OFFSET(prb_data_blk_lpos.begin)=0\n"
			       "OFFSET(prb_data_blk_lpos.next)=8\n"
			       "SIZE(printk_info)=88\n"
			       "OFFSET(printk_info.seq)=0\n"
			       "OFFSET(printk_info.ts_nsec)=8\n"
			       "OFFSET(printk_info.text_len)=16\n"
			       "OFFSET(printk_info.caller_id)=20\n"
			       "OFFSET(atomic_long_t.counter)=0\n";

/* One record: descriptor id with state, text block [begin, next). */
static void prb_record(struct image *im, uint64_t id, uint64_t state,
		       uint64_t sv_id, uint64_t begin, const char *text,
		       uint64_t ts)
{
	uint64_t count = 1ULL << COUNT_BITS, size = 1ULL << SIZE_BITS;
	uint64_t d = PA_DESCS + (id % count) * DESC_SIZE;
	uint64_t in = PA_INFOS + (id % count) * INFO_SIZE;
	size_t len = strlen(text);
	uint64_t next, at;

	if (!text[0]) {
		next = begin; /* a data-less record */
	} else if (begin % size + 8 + len > size) {
		/* wraps: the block starts over at the ring's beginning */
		next = (begin / size + 1) * size + 8 + ((len + 7) & ~7ULL);
		at = 0;
		put64(im, PA_TEXT + at, id);
		memcpy(im->mem + PA_TEXT + at + 8, text, len);
	} else {
		next = begin + 8 + ((len + 7) & ~7ULL);
		at = begin % size;
		put64(im, PA_TEXT + at, id);
		memcpy(im->mem + PA_TEXT + at + 8, text, len);
	}
	put64(im, d, (state << 62) | sv_id);
	put64(im, d + 8, begin);
	put64(im, d + 16, next);
	put64(im, in + 0, id);
	put64(im, in + 8, ts);
	put16(im, in + 16, (uint16_t)len);
}

static void x86_page_tables(struct image *im)
{
	/* PAGE_OFFSET: PGD 273, PUD 0; PMD 0 a 2 MiB page at 0, PMD 1 a
	 * PTE table with the text ring's page */
	put64(im, PA_PGD + 273 * 8, PA_PUD | 0x63);
	put64(im, PA_PUD, PA_PMD | 0x63);
	put64(im, PA_PMD, 0x0 | 0xe3);
	put64(im, PA_PMD + 8, PA_PTE | 0x63);
	put64(im, PA_PTE + 0x30 * 8, PA_TEXT | 0x63);
}

static void vmci_add(struct image *im, const char *fmt, ...)
{
	size_t n = strlen(im->vmci);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(im->vmci + n, sizeof(im->vmci) - n, fmt, ap);
	va_end(ap);
}

static void image_init(struct image *im, bool x86)
{
	memset(im, 0, sizeof(*im));
	im->mem = calloc(1, MEM_SIZE);
	assert_non_null(im->mem);
	im->x86 = x86;
	im->be = !x86;
	vmci_add(im, "OSRELEASE=6.1.0-zfd-test\nPAGESIZE=4096\n");
	if (x86) {
		x86_page_tables(im);
		vmci_add(im,
			 "NUMBER(phys_base)=%llu\n"
			 "SYMBOL(init_top_pgt)=%llx\n"
			 "NUMBER(pgtable_l5_enabled)=0\n",
			 (unsigned long long)PHYS_BASE,
			 (unsigned long long)ksym(im, PA_PGD));
	}
}

/* The lockless ring buffer with the records of expect_prb. */
static void build_prb(struct image *im)
{
	uint64_t base = 2ULL << SIZE_BITS, pos = base + 64;
	uint64_t text_va = im->x86 ? VA_TEXT_X86 : kva(im, PA_TEXT);

	vmci_add(im, "SYMBOL(prb)=%llx\n%s",
		 (unsigned long long)ksym(im, PA_VARS), vmci_prb);
	put64(im, PA_VARS, kva(im, PA_RB));
	put32(im, PA_RB + 0, COUNT_BITS);
	put64(im, PA_RB + 8, kva(im, PA_DESCS));
	put64(im, PA_RB + 16, kva(im, PA_INFOS));
	put64(im, PA_RB + 24, 19); /* head_id */
	put64(im, PA_RB + 32, 13); /* tail_id */
	put32(im, PA_RB + 64, SIZE_BITS);
	put64(im, PA_RB + 64 + 8, text_va);

	prb_record(im, 13, 2, 13, pos,
		   "Linux version 6.1.0-zfd-test (kmsg unit test)", 0);
	pos += 8 + 48;
	prb_record(im, 14, 1, 14, pos, "line one\nline two", 1500000000);
	pos += 8 + 24;
	/* a stale descriptor of an older id in 15's slot: skipped */
	prb_record(im, 15, 2, 7, pos, "stale", 3000000000ULL);
	pos += 8 + 8;
	prb_record(im, 16, 2, 16, pos, "tab\there \x01 bell\x07",
		   12345678912ULL);
	pos += 8 + 24;
	prb_record(im, 17, 2, 17, pos, "", 13000000000ULL);
	/* the last block wraps around the ring's end */
	pos = base + (1ULL << SIZE_BITS) - 16;
	prb_record(im, 18, 2, 18, pos, "Kernel panic - not syncing: wrapped",
		   1234000001999ULL);
	/* reserved: being written at the crash, skipped */
	prb_record(im, 19, 0, 19, pos + 64, "half", 1235000000000ULL);
}

/* The structured log_buf (3.5 to 5.9) with expect_log, wrapped. */
static void build_log_buf(struct image *im)
{
	static const char one[] = "old one", two[] = "old two";

	vmci_add(im,
		 "SYMBOL(log_buf)=%llx\nSYMBOL(log_buf_len)=%llx\n"
		 "SYMBOL(log_first_idx)=%llx\nSYMBOL(log_next_idx)=%llx\n"
		 "SIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\n"
		 "OFFSET(printk_log.len)=8\nOFFSET(printk_log.text_len)=10\n",
		 (unsigned long long)ksym(im, PA_VARS),
		 (unsigned long long)ksym(im, PA_VARS + 8),
		 (unsigned long long)ksym(im, PA_VARS + 12),
		 (unsigned long long)ksym(im, PA_VARS + 16));
	put64(im, PA_VARS, kva(im, PA_LOGBUF));
	put32(im, PA_VARS + 8, 256);  /* log_buf_len */
	put32(im, PA_VARS + 12, 200); /* log_first_idx */
	put32(im, PA_VARS + 16, 32);  /* log_next_idx */
	put64(im, PA_LOGBUF + 200, 5000000000ULL);
	put16(im, PA_LOGBUF + 200 + 8, 32);
	put16(im, PA_LOGBUF + 200 + 10, sizeof(one) - 1);
	memcpy(im->mem + PA_LOGBUF + 200 + LOG_REC, one, sizeof(one) - 1);
	/* 232: len 0, the end of the buffer */
	put64(im, PA_LOGBUF + 0, 6250000000ULL);
	put16(im, PA_LOGBUF + 8, 32);
	put16(im, PA_LOGBUF + 10, sizeof(two) - 1);
	memcpy(im->mem + PA_LOGBUF + LOG_REC, two, sizeof(two) - 1);
}

static int mem_read(void *arg, uint64_t pa, void *buf, size_t len)
{
	struct image *im = arg;

	if (pa >= MEM_SIZE || len > MEM_SIZE - pa)
		return -EFAULT;
	memcpy(buf, im->mem + pa, len);
	return 0;
}

struct outbuf {
	char *p;
	size_t len;
};

static int out_append(void *arg, const char *text, size_t len)
{
	struct outbuf *o = arg;

	o->p = realloc(o->p, o->len + len + 1);
	assert_non_null(o->p);
	memcpy(o->p + o->len, text, len);
	o->len += len;
	o->p[o->len] = 0;
	return 0;
}

static int out_fail(void *arg, const char *text, size_t len)
{
	(void)arg;
	(void)text;
	(void)len;
	return -ENOSPC;
}

/* Runs the reader over im; returns its code, output in *o. */
static int run(struct image *im, struct outbuf *o, char *why, size_t wl)
{
	struct zfd_dump d = {
		.machine = im->x86 ? EM_X86_64 : EM_S390,
		.elf_class = ELFCLASS64,
		.big_endian = im->be,
	};
	struct zfd_kmem km;

	memset(o, 0, sizeof(*o));
	assert_int_equal(zfd_kmem_init(&km, &d, im->vmci, strlen(im->vmci),
				       mem_read, im, why, wl),
			 0);
	return zfd_kmsg_dump(&km, out_append, o, why, wl);
}

static void test_prb_x86_64(void **state)
{
	struct image im;
	struct outbuf o;
	char why[256];

	(void)state;
	image_init(&im, true);
	build_prb(&im);
	assert_int_equal(run(&im, &o, why, sizeof(why)), 0);
	assert_string_equal(o.p, expect_prb);
	free(o.p);
	free(im.mem);
}

static void test_prb_s390x(void **state)
{
	struct image im;
	struct outbuf o;
	char why[256];

	(void)state;
	image_init(&im, false);
	build_prb(&im);
	assert_int_equal(run(&im, &o, why, sizeof(why)), 0);
	assert_string_equal(o.p, expect_prb);
	free(o.p);
	free(im.mem);
}

static void test_log_buf(void **state)
{
	struct image im;
	struct outbuf o;
	char why[256];
	int x86;

	(void)state;
	for (x86 = 0; x86 < 2; x86++) {
		image_init(&im, x86);
		build_log_buf(&im);
		assert_int_equal(run(&im, &o, why, sizeof(why)), 0);
		assert_string_equal(o.p, expect_log);
		free(o.p);
		free(im.mem);
	}
}

/* Takes KEY's line out of the VMCOREINFO text. */
static void vmci_drop(struct image *im, const char *key)
{
	char *p = strstr(im->vmci, key), *nl;

	assert_non_null(p);
	nl = strchr(p, '\n');
	memmove(p, nl + 1, strlen(nl + 1) + 1);
}

static void test_errors(void **state)
{
	struct zfd_dump d32 = { .machine = EM_386, .elf_class = ELFCLASS32 };
	struct zfd_kmem km;
	struct image im;
	struct outbuf o;
	char why[256];

	(void)state;
	/* no VMCOREINFO key for the log */
	image_init(&im, true);
	assert_int_equal(run(&im, &o, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "VMCOREINFO names no kernel log (neither "
				 "SYMBOL(prb) nor SYMBOL(log_buf))");
	free(o.p);
	free(im.mem);

	/* an offset missing */
	image_init(&im, true);
	build_prb(&im);
	vmci_drop(&im, "OFFSET(printk_info.text_len)");
	assert_int_equal(run(&im, &o, why, sizeof(why)), -ENOENT);
	assert_string_equal(why,
			    "VMCOREINFO lacks OFFSET(printk_info.text_len)");
	free(o.p);
	free(im.mem);

	/* the text ring's page not mapped */
	image_init(&im, true);
	build_prb(&im);
	put64(&im, PA_PTE + 0x30 * 8, 0);
	assert_int_equal(run(&im, &o, why, sizeof(why)), -EFAULT);
	assert_string_equal(why,
			    "the printk text ring at kernel address "
			    "0xffff888000230000 (4096 bytes) is not in the dump");
	free(o.p);
	free(im.mem);

	/* the pointer prb outside the dump's memory (s390x) */
	image_init(&im, false);
	build_prb(&im);
	put64(&im, PA_VARS, 0x7000000000ULL);
	assert_int_equal(run(&im, &o, why, sizeof(why)), -EFAULT);
	assert_string_equal(why, "prb->desc_ring.count_bits at kernel address "
				 "0x7000000000 (4 bytes) is not in the dump");
	free(o.p);
	free(im.mem);

	/* an absurd ring */
	image_init(&im, true);
	build_prb(&im);
	put32(&im, PA_RB, 40);
	assert_int_equal(run(&im, &o, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "printk ring buffer: 2^40 descriptors and "
				 "2^12 text bytes is implausible");
	free(o.p);
	free(im.mem);

	/* a ring too large to read */
	image_init(&im, true);
	build_prb(&im);
	put32(&im, PA_RB, 24);
	assert_int_equal(run(&im, &o, why, sizeof(why)), -EINVAL);
	assert_string_equal(why,
			    "the printk descriptors: 402653184 bytes, more "
			    "than the 256 MiB read at most");
	free(o.p);
	free(im.mem);

	/* an absurd structure size */
	image_init(&im, true);
	build_prb(&im);
	vmci_drop(&im, "SIZE(printk_info)");
	vmci_add(&im, "SIZE(printk_info)=99999999\n");
	assert_int_equal(run(&im, &o, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "VMCOREINFO: SIZE(printk_info)=99999999 is "
				 "implausible");
	free(o.p);
	free(im.mem);

	/* old log_buf with offsets beyond the record */
	image_init(&im, true);
	build_log_buf(&im);
	vmci_drop(&im, "OFFSET(printk_log.ts_nsec)");
	vmci_add(&im, "OFFSET(printk_log.ts_nsec)=12\n");
	assert_int_equal(run(&im, &o, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "VMCOREINFO: the offsets of struct printk_log "
				 "do not fit its size");
	free(o.p);
	free(im.mem);

	/* the writer fails */
	image_init(&im, true);
	build_prb(&im);
	assert_int_equal(zfd_kmem_init(&km,
				       &(struct zfd_dump){
					       .machine = EM_X86_64,
					       .elf_class = ELFCLASS64 },
				       im.vmci, strlen(im.vmci), mem_read, &im,
				       why, sizeof(why)),
			 0);
	assert_int_equal(zfd_kmsg_dump(&km, out_fail, NULL, why, sizeof(why)),
			 -ENOSPC);
	assert_string_equal(why,
			    "cannot write the log: No space left on device");
	free(im.mem);

	/* no VMCOREINFO at all; a 32-bit kernel */
	assert_int_equal(zfd_kmem_init(&km, &d32, NULL, 0, mem_read, NULL, why,
				       sizeof(why)),
			 -ENOTSUP);
	assert_string_equal(why, "a 32-bit kernel's memory cannot be read "
				 "(64-bit kernels only)");
	d32.elf_class = ELFCLASS64;
	assert_int_equal(zfd_kmem_init(&km, &d32, NULL, 0, mem_read, NULL, why,
				       sizeof(why)),
			 0);
	assert_int_equal(zfd_kmsg_dump(&km, out_fail, NULL, why, sizeof(why)),
			 -ENOENT);
	assert_string_equal(why, "the dump has no VMCOREINFO");
}

static void test_vmci_values(void **state)
{
	static const char t[] =
		"SYMBOL(prb)=ffffffff82a1b2c0\nNUMBER(PG_lru)=4\n"
		"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\nKERNELOFFSET=2c000000\n"
		"SIZE(page)=64\nOFFSET(page.flags)=x\nSIZE(list_head)=";
	uint64_t v;

	(void)state;
	assert_int_equal(zfd_vmci_get(t, sizeof(t) - 1, &v, "SYMBOL(%s)",
				      "prb"),
			 0);
	assert_true(v == 0xffffffff82a1b2c0ULL);
	assert_int_equal(zfd_vmci_get(t, sizeof(t) - 1, &v, "NUMBER(PG_lru)"),
			 0);
	assert_true(v == 4);
	assert_int_equal(zfd_vmci_get(t, sizeof(t) - 1, &v,
				      "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)"),
			 0);
	assert_true((int64_t)v == -129);
	assert_int_equal(zfd_vmci_get(t, sizeof(t) - 1, &v, "KERNELOFFSET"), 0);
	assert_true(v == 0x2c000000);
	assert_int_equal(zfd_vmci_get(t, sizeof(t) - 1, &v, "SIZE(page)"), 0);
	assert_true(v == 64);
	assert_int_equal(zfd_vmci_get(t, sizeof(t) - 1, &v,
				      "OFFSET(page.flags)"),
			 -EINVAL);
	assert_int_equal(zfd_vmci_get(t, sizeof(t) - 1, &v, "SIZE(list_head)"),
			 -EINVAL);
	assert_int_equal(zfd_vmci_get(t, sizeof(t) - 1, &v, "SIZE(pag)"),
			 -ENOENT);
	assert_int_equal(zfd_vmci_get(NULL, 0, &v, "SIZE(page)"), -ENOENT);
}

static void test_x86_translation(void **state)
{
	struct zfd_dump_seg seg = {
		.paddr = 0x100000,
		.vaddr = PAGE_OFFSET + 0x100000,
		.size = 0x1000,
		.filesz = 0x1000,
	};
	struct zfd_dump d = {
		.machine = EM_X86_64,
		.elf_class = ELFCLASS64,
		.segs = &seg,
		.nr_segs = 1,
	};
	struct zfd_kmem km;
	struct image im;
	char why[64];
	uint64_t pa;

	(void)state;
	image_init(&im, true);
	assert_int_equal(zfd_kmem_init(&km, &d, im.vmci, strlen(im.vmci),
				       mem_read, &im, why, sizeof(why)),
			 0);
	/* a segment */
	assert_int_equal(zfd_kmem_vtop(&km, PAGE_OFFSET + 0x100010, &pa), 0);
	assert_true(pa == 0x100010);
	/* the kernel text map */
	assert_int_equal(zfd_kmem_vtop(&km, KTEXT + 0x1234, &pa), 0);
	assert_true(pa == 0x1234 + PHYS_BASE);
	/* a 2 MiB page and a 4 KiB page of the page tables */
	assert_int_equal(zfd_kmem_vtop(&km, PAGE_OFFSET + 0x1ff123, &pa), 0);
	assert_true(pa == 0x1ff123);
	assert_int_equal(zfd_kmem_vtop(&km, VA_TEXT_X86 + 0x10, &pa), 0);
	assert_true(pa == PA_TEXT + 0x10);
	/* not present */
	assert_int_equal(zfd_kmem_vtop(&km, VA_TEXT_X86 + 0x1000, &pa),
			 -EFAULT);
	assert_int_equal(zfd_kmem_vtop(&km, 0xffffc90000000000ULL, &pa),
			 -EFAULT);
	free(im.mem);
}

static void test_s390x_translation(void **state)
{
	struct zfd_dump d = {
		.machine = EM_S390,
		.elf_class = ELFCLASS64,
		.big_endian = true,
		.mem_size = MEM_SIZE,
	};
	const uint64_t va = 0x20000000000ULL; /* vmemmap-like, 2 TiB */
	struct zfd_kmem km;
	struct image im;
	char why[64];
	uint64_t pa;

	(void)state;
	image_init(&im, false);
	vmci_add(&im, "SYMBOL(swapper_pg_dir)=90000\n");
	/* region-3 table (TT 01 in its entries), segment table, page table */
	put64(&im, 0x90000, 0x04 | 0x20);
	put64(&im, 0x90000 + ((va >> 31) & 0x7ff) * 8, 0x94000 | 0x04);
	put64(&im, 0x94000, 0x98000);
	put64(&im, 0x94000 + 8, 0x100000 | 0x400); /* a 1 MiB page */
	put64(&im, 0x94000 + 16, 0x20);		   /* invalid */
	put64(&im, 0x98000 + 5 * 8, PA_TEXT);
	put64(&im, 0x98000 + 6 * 8, PA_TEXT | 0x400); /* invalid page */
	assert_int_equal(zfd_kmem_init(&km, &d, im.vmci, strlen(im.vmci),
				       mem_read, &im, why, sizeof(why)),
			 0);
	/* identity within the memory */
	assert_int_equal(zfd_kmem_vtop(&km, 0x1234, &pa), 0);
	assert_true(pa == 0x1234);
	assert_int_equal(zfd_kmem_vtop(&km, va + 0x5123, &pa), 0);
	assert_true(pa == PA_TEXT + 0x123);
	assert_int_equal(zfd_kmem_vtop(&km, va + 0x1abcde, &pa), 0);
	assert_true(pa == 0x1abcde);
	assert_int_equal(zfd_kmem_vtop(&km, va + 0x200000, &pa), -EFAULT);
	assert_int_equal(zfd_kmem_vtop(&km, va + 0x6000, &pa), -EFAULT);
	/* beyond what a region-3 table translates */
	assert_int_equal(zfd_kmem_vtop(&km, 1ULL << 42, &pa), -EFAULT);
	free(im.mem);
}

/* ---- the same images as dump files, through zfcpdump-get dmesg ---- */

static char tmpdir[] = "/tmp/test_kmsg.XXXXXX";

static void write_file(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	close(fd);
}

/* An x86_64 ELF core: PT_NOTE with VMCOREINFO, a PT_LOAD of the whole
 * memory through the direct map (the text ring stays unmapped by it). */
/* An x86_64 ELF core: every header field little-endian, whatever the host
 * (the s390x stage runs this test big-endian). */
static void write_elf(const char *path, struct image *im)
{
	size_t vlen = strlen(im->vmci), nlen, off;
	size_t hdrs = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[2] = { { 0 } };
	Elf64_Nhdr nh = { .n_namesz = htole32(11),
			  .n_descsz = htole32((uint32_t)vlen),
			  .n_type = 0 };
	uint8_t *f;

	nlen = sizeof(nh) + 12 + ((vlen + 3) & ~3UL);
	off = (hdrs + nlen + 4095) & ~4095UL;
	f = calloc(1, off + MEM_SIZE);
	assert_non_null(f);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = htole16(ET_CORE);
	eh.e_machine = htole16(EM_X86_64);
	eh.e_version = htole32(EV_CURRENT);
	eh.e_phoff = htole64(sizeof(eh));
	eh.e_ehsize = htole16(sizeof(eh));
	eh.e_phentsize = htole16(sizeof(Elf64_Phdr));
	eh.e_phnum = htole16(2);
	ph[0].p_type = htole32(PT_NOTE);
	ph[0].p_offset = htole64(hdrs);
	ph[0].p_filesz = htole64(nlen);
	ph[0].p_memsz = htole64(nlen);
	ph[1].p_type = htole32(PT_LOAD);
	ph[1].p_flags = htole32(PF_R | PF_W | PF_X);
	ph[1].p_offset = htole64(off);
	ph[1].p_vaddr = htole64(PAGE_OFFSET);
	ph[1].p_paddr = 0;
	ph[1].p_filesz = htole64(MEM_SIZE);
	ph[1].p_memsz = htole64(MEM_SIZE);
	ph[1].p_align = htole64(4096);
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + sizeof(eh), ph, sizeof(ph));
	memcpy(f + hdrs, &nh, sizeof(nh));
	memcpy(f + hdrs + sizeof(nh), "VMCOREINFO", 11);
	memcpy(f + hdrs + sizeof(nh) + 12, im->vmci, vlen);
	memcpy(f + off, im->mem, MEM_SIZE);
	write_file(path, f, off + MEM_SIZE);
	free(f);
}

/* An s390 dump file: header, memory, end marker; VMCOREINFO as a note at
 * PA_NOTE that the lowcore's vmcore_info (0xe0c) points to. */
static void write_s390(const char *path, struct image *im, bool note)
{
	struct zfd_s390_hdr h = { 0 };
	size_t vlen = strlen(im->vmci);
	uint8_t *f;

	if (note) {
		put64(im, 0xe0c, PA_NOTE);
		zfd_put_be32(im->mem + PA_NOTE, 11);
		zfd_put_be32(im->mem + PA_NOTE + 4, (uint32_t)vlen);
		memcpy(im->mem + PA_NOTE + 12, "VMCOREINFO", 11);
		memcpy(im->mem + PA_NOTE + 24, im->vmci, vlen);
	}
	h.magic = ZFD_S390_MAGIC;
	h.version = 5;
	h.hdr_size = ZFD_S390_HDR_SIZE;
	h.dump_level = 4;
	h.page_size = ZFD_S390_PAGE_SIZE;
	h.mem_size = MEM_SIZE;
	h.mem_end = MEM_SIZE;
	h.num_pages = MEM_SIZE / ZFD_S390_PAGE_SIZE;
	h.tod = zfd_tod_from_unix(1767225600, 0);
	h.arch = ZFD_S390_ARCH_S390X;
	h.build_arch = ZFD_S390_ARCH_S390X;
	h.mem_size_real = MEM_SIZE;
	h.cpu_cnt = 1;
	h.real_cpu_cnt = 1;
	f = calloc(1, ZFD_S390_HDR_SIZE + MEM_SIZE + ZFD_S390_END_SIZE);
	assert_non_null(f);
	zfd_s390_hdr_encode(&h, f);
	memcpy(f + ZFD_S390_HDR_SIZE, im->mem, MEM_SIZE);
	zfd_s390_end_marker(f + ZFD_S390_HDR_SIZE + MEM_SIZE, h.tod + 1);
	write_file(path, f, ZFD_S390_HDR_SIZE + MEM_SIZE + ZFD_S390_END_SIZE);
	free(f);
}

/* zfcpdump-get dmesg PATH: exit code, stdout in out, stderr in err. */
static int get_dmesg(const char *path, char *out, size_t olen, char *err,
		     size_t elen)
{
	char o[256], e[256];
	char *argv[] = { "dmesg", (char *)path, NULL };
	int so = dup(1), se = dup(2), fo, fe, rc;
	ssize_t n;

	snprintf(o, sizeof(o), "%s/out", tmpdir);
	snprintf(e, sizeof(e), "%s/err", tmpdir);
	fflush(stdout);
	fflush(stderr);
	fo = open(o, O_RDWR | O_CREAT | O_TRUNC, 0644);
	fe = open(e, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(so >= 0 && se >= 0 && fo >= 0 && fe >= 0);
	dup2(fo, 1);
	dup2(fe, 2);
	rc = get_cmd_dmesg(2, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	n = pread(fo, out, olen - 1, 0);
	out[n > 0 ? n : 0] = 0;
	n = pread(fe, err, elen - 1, 0);
	err[n > 0 ? n : 0] = 0;
	close(fo);
	close(fe);
	return rc;
}

static void test_cmd_dmesg(void **state)
{
	char path[256], out[4096], err[1024], want[512];
	struct image im;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));

	image_init(&im, true);
	build_prb(&im);
	snprintf(path, sizeof(path), "%s/vmcore", tmpdir);
	write_elf(path, &im);
	assert_int_equal(get_dmesg(path, out, sizeof(out), err, sizeof(err)),
			 0);
	assert_string_equal(out, expect_prb);
	assert_string_equal(err, "");
	free(im.mem);

	image_init(&im, false);
	build_prb(&im);
	snprintf(path, sizeof(path), "%s/dump.s390", tmpdir);
	write_s390(path, &im, true);
	assert_int_equal(get_dmesg(path, out, sizeof(out), err, sizeof(err)),
			 0);
	assert_string_equal(out, expect_prb);
	assert_string_equal(err, "");
	free(im.mem);

	/* an s390 dump of a kernel that left no VMCOREINFO */
	image_init(&im, false);
	build_prb(&im);
	write_s390(path, &im, false);
	assert_int_equal(get_dmesg(path, out, sizeof(out), err, sizeof(err)),
			 1);
	assert_string_equal(out, "");
	snprintf(want, sizeof(want),
		 "zfcpdump-get: %s: no VMCOREINFO in the "
		 "dump: the kernel log cannot be found\n",
		 path);
	assert_string_equal(err, want);
	free(im.mem);

	/* usage */
	assert_int_equal(get_cmd_dmesg(1, (char *[]){ "dmesg", NULL }), 2);

	snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmci_values),
		cmocka_unit_test(test_x86_translation),
		cmocka_unit_test(test_s390x_translation),
		cmocka_unit_test(test_prb_x86_64),
		cmocka_unit_test(test_prb_s390x),
		cmocka_unit_test(test_log_buf),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cmd_dmesg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
