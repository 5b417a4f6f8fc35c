/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper shared by tests/unit/test_kdump.c and tests/fuzz/fuzz_kdump.c:
 * kdump files in memory (a growable buffer as the writer's output and the
 * reader's input) and a small dump model with holes.
 */
#ifndef ZFD_TEST_KDUMP_MEM_H
#define ZFD_TEST_KDUMP_MEM_H

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "fmt_kdump.h"

struct membuf {
	uint8_t *p;
	size_t len, cap;
	size_t max_write; /* largest single write seen */
};

static inline int membuf_write(void *arg, uint64_t off, const void *buf,
			       size_t len)
{
	struct membuf *m = arg;

	if (len > m->max_write)
		m->max_write = len;
	if (off + len > m->cap) {
		size_t cap = m->cap ? m->cap : 65536;
		uint8_t *n;

		while (cap < off + len)
			cap *= 2;
		n = realloc(m->p, cap);
		if (!n)
			return -ENOMEM;
		memset(n + m->cap, 0, cap - m->cap);
		m->p = n;
		m->cap = cap;
	}
	memcpy(m->p + off, buf, len);
	if (off + len > m->len)
		m->len = off + len;
	return 0;
}

static inline int64_t membuf_read(void *arg, void *buf, size_t len,
				  uint64_t off)
{
	struct membuf *m = arg;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = m->len - off;
	memcpy(buf, m->p + off, len);
	return (int64_t)len;
}

/* The byte of page frame pfn at i: text-like, random-like or zero pages. */
static inline uint8_t test_page_byte(uint64_t pfn, size_t i)
{
	switch (pfn % 4) {
	case 0:
		return 0;
	case 1:
		return (uint8_t)("kdump page text "[i % 16] + (pfn & 7));
	default:
		return (uint8_t)((i * 2654435761u + pfn * 40503u) >> 13);
	}
}

static const char test_vmci[] =
	"OSRELEASE=6.1.0-kdump-test\nPAGESIZE=4096\nCRASHTIME=1767225600\n";

/*
 * A model: memory [0, 64 pages) of which pages 1-19, 24-39 and 48-63 exist
 * (physical base mem_start), notes "CORE" NT_PRSTATUS x2 + VMCOREINFO.
 */
static inline void test_model_vmci(struct zfd_dump *d, bool be,
				   uint64_t mem_start, const char *vmci)
{
	static const uint64_t r[][2] = { { 1, 19 }, { 24, 16 }, { 48, 16 } };
	size_t i, pos = 0, vlen = strlen(vmci);
	uint8_t *n;

	memset(d, 0, sizeof(*d));
	d->machine = be ? EM_S390 : EM_X86_64;
	d->elf_class = ELFCLASS64;
	d->big_endian = be;
	d->mem_start = mem_start;
	d->mem_size = 64 * 4096;
	d->ranges = calloc(3, sizeof(*d->ranges));
	d->segs = calloc(3, sizeof(*d->segs));
	for (i = 0; i < 3; i++) {
		d->ranges[i].start = r[i][0] * 4096;
		d->ranges[i].size = r[i][1] * 4096;
		d->segs[i].paddr = mem_start + r[i][0] * 4096;
		d->segs[i].size = d->segs[i].filesz = r[i][1] * 4096;
	}
	d->nr_ranges = d->nr_segs = 3;
	d->notes_len = 2 * (12 + 8 + 336) + 12 + 12 + ((vlen + 3) & ~3u);
	n = d->notes = calloc(1, d->notes_len);
	for (i = 0; i < 3; i++) {
		uint32_t v[3] = { i < 2 ? 5 : 11, i < 2 ? 336 : (uint32_t)vlen,
				  i < 2 ? 1 : 0 };
		size_t k;

		for (k = 0; k < 3; k++) {
			if (be) {
				n[pos + 4 * k] = (uint8_t)(v[k] >> 24);
				n[pos + 4 * k + 1] = (uint8_t)(v[k] >> 16);
				n[pos + 4 * k + 2] = (uint8_t)(v[k] >> 8);
				n[pos + 4 * k + 3] = (uint8_t)v[k];
			} else {
				n[pos + 4 * k] = (uint8_t)v[k];
				n[pos + 4 * k + 1] = (uint8_t)(v[k] >> 8);
				n[pos + 4 * k + 2] = (uint8_t)(v[k] >> 16);
				n[pos + 4 * k + 3] = (uint8_t)(v[k] >> 24);
			}
		}
		pos += 12;
		if (i < 2) {
			memcpy(n + pos, "CORE", 5);
			pos += 8 + 336;
		} else {
			memcpy(n + pos, "VMCOREINFO", 11);
			pos += 12;
			memcpy(n + pos, vmci, vlen);
			d->vmcoreinfo = (const char *)n + pos;
			d->vmcoreinfo_len = vlen;
		}
	}
	memcpy(d->kernel, "6.1.0-kdump-test", 17);
	d->crash_time = 1767225600;
}

static inline void test_model(struct zfd_dump *d, bool be, uint64_t mem_start)
{
	test_model_vmci(d, be, mem_start, test_vmci);
}

/* Writes d's memory (test_page_byte pages) up to memory offset good. */
static inline int test_write(const struct zfd_dump *d,
			     const struct zfd_kdump_wopts *o, uint64_t good,
			     struct membuf *m)
{
	struct zfd_kdump_writer *w;
	uint8_t page[4096];
	char why[256];
	uint64_t off, pfn;
	size_t i;
	int rc;

	rc = zfd_kdump_writer_new(&w, d, o, membuf_write, m, why, sizeof(why));
	if (rc)
		return rc;
	rc = zfd_kdump_writer_begin(w);
	for (off = 0; !rc && off < d->mem_size && off < good; off += 4096) {
		pfn = (d->mem_start + off) / 4096;
		for (i = 0; i < sizeof(page); i++)
			page[i] = test_page_byte(pfn, i);
		/* odd pieces: the writer assembles pages; none beyond good */
		rc = zfd_kdump_writer_mem(w, off, page,
					  (size_t)(good - off < 1000 ?
							   good - off :
							   1000));
		if (!rc && good - off > 1000)
			rc = zfd_kdump_writer_mem(w, off + 1000,
						  pfn % 4 ? page + 1000 : NULL,
						  (size_t)(good - off < 4096 ?
								   good - off -
									   1000 :
								   3096));
	}
	if (!rc)
		rc = zfd_kdump_writer_finish(w, good, NULL);
	zfd_kdump_writer_free(w);
	return rc;
}

#endif /* ZFD_TEST_KDUMP_MEM_H */
