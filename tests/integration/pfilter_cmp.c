// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pfilter-cmp VMCORE FILTERED [LEVEL]: compares the page set that
 * src/lib/pfilter.c keeps at dump level LEVEL (default 31) on the ELF core
 * VMCORE with the one makedumpfile kept in FILTERED, the ELF core that
 * `makedumpfile -d LEVEL -E VMCORE FILTERED` wrote: a page is kept there
 * when a PT_LOAD holds it in the file (with bit 1: and it is not all
 * zeros). Ours: not excluded by its struct page and, with bit 1, not all
 * zeros. makedumpfile's ELF writer starts a new PT_LOAD only after 256 or
 * more excluded pages: a shorter run of excluded pages before a kept page
 * is written unchanged, so such runs count as kept on our side too (the
 * page set of its kdump format has no such runs). Prints the counts and
 * the first differing pages; exit 0 only when the sets are equal.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "fmt_elf.h"
#include "pfilter.h"
#include "util.h"
#include "vmcoreinfo.h"

#define PAGE   4096ULL
#define WINDOW (1ULL << 16) /* pages per window */

struct core {
	int fd;
	struct zfd_elf_info *info;
};

static void die(const char *msg)
{
	fprintf(stderr, "pfilter-cmp: %s\n", msg);
	exit(2);
}

static void open_core(struct core *c, const char *path)
{
	char why[256];
	struct stat st;

	c->fd = open(path, O_RDONLY);
	if (c->fd < 0 || fstat(c->fd, &st))
		die("cannot open a core");
	if (zfd_elf_parse_fd(&c->info, c->fd, (uint64_t)st.st_size, why,
			     sizeof(why)))
		die(why);
}

/* Reads a page of physical memory: 1 from the file, 0 not there. */
static int core_page(struct core *c, uint64_t pa, uint8_t *buf)
{
	uint64_t off, n;

	if (!zfd_elf_map(c->info, pa, &off, &n) || n < PAGE)
		return 0;
	if (pread(c->fd, buf, PAGE, (off_t)off) != (ssize_t)PAGE)
		die("short read");
	return 1;
}

static bool all_zero(const uint8_t *p);

/* A page of the vmcore that is all zeros (makedumpfile's copy of a zero
 * page in a short run is zeros too: not kept by the comparison's rule). */
static bool all_zero_page(struct core *c, uint64_t pfn)
{
	uint8_t buf[PAGE];

	return !core_page(c, pfn * PAGE, buf) || all_zero(buf);
}

static int core_read(void *arg, uint64_t pa, void *buf, size_t len)
{
	struct core *c = arg;
	uint64_t off, n;
	size_t done = 0;

	while (done < len) {
		if (!zfd_elf_map(c->info, pa + done, &off, &n))
			return -EFAULT;
		n = ZFD_MIN(n, (uint64_t)(len - done));
		if (pread(c->fd, (uint8_t *)buf + done, n, (off_t)off) !=
		    (ssize_t)n)
			return -EIO;
		done += n;
	}
	return 0;
}

static bool all_zero(const uint8_t *p)
{
	size_t i;

	for (i = 0; i < PAGE; i++)
		if (p[i])
			return false;
	return true;
}

/* The comparison: counts and the first differences. */
struct cmp {
	struct core *v, *m;
	struct zfd_kmem *km;
	struct zfd_pfilter *pf;
	uint64_t same_keep, same_excl, ours_only, mkd_only, shown, elf_kept;
	uint8_t *a, *b;
	unsigned int level;
};

/* Compares one page: ours says kept or not. */
static void cmp_page(struct cmp *c, uint64_t pfn, bool ours)
{
	bool mkd = core_page(c->m, pfn * PAGE, c->b) &&
		   (!(c->level & ZFD_DL_ZERO) || !all_zero(c->b));

	if (mkd &&
	    (!core_page(c->v, pfn * PAGE, c->a) || memcmp(c->a, c->b, PAGE)))
		fprintf(stderr,
			"pfn 0x%" PRIx64 ": makedumpfile's copy "
			"differs from the vmcore\n",
			pfn);
	if (ours == mkd) {
		if (ours)
			c->same_keep++;
		else
			c->same_excl++;
		return;
	}
	if (ours)
		c->ours_only++;
	else
		c->mkd_only++;
	if (c->shown++ < 20)
		printf("differs: pfn 0x%" PRIx64 " kept by %s\n", pfn,
		       ours ? "us" : "makedumpfile");
}

/* Is load i's physical range inside another load (the x86_64 kernel text
 * is described twice)? Only the first of equal ones counts. */
static bool load_dup(const struct zfd_elf_info *info, size_t i)
{
	const struct zfd_elf_load *l = &info->loads[i];
	size_t j;

	for (j = 0; j < info->nr_loads; j++) {
		const struct zfd_elf_load *o = &info->loads[j];

		if (j == i || o->paddr > l->paddr ||
		    o->paddr + o->filesz < l->paddr + l->filesz)
			continue;
		if (o->paddr == l->paddr && o->filesz == l->filesz && j > i)
			continue;
		return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	unsigned int level = argc > 3 ? (unsigned int)atoi(argv[3]) : 31;
	struct cmp c = { 0 };
	struct core v, m;
	struct zfd_dump d = { 0 };
	struct zfd_kmem km;
	struct zfd_pfilter pf;
	uint64_t *excl;
	char why[256];
	size_t li;

	if (argc < 3)
		die("usage: pfilter-cmp VMCORE FILTERED [LEVEL]");
	open_core(&v, argv[1]);
	open_core(&m, argv[2]);
	if (zfd_dump_from_elf(&d, v.info))
		die("out of memory");
	if (!d.vmcoreinfo)
		die("no VMCOREINFO");
	if (zfd_kmem_init(&km, &d, d.vmcoreinfo, d.vmcoreinfo_len, core_read,
			  &v, why, sizeof(why)) ||
	    zfd_pfilter_init(&pf, &km, level, why, sizeof(why)))
		die(why);
	c.v = &v;
	c.m = &m;
	c.km = &km;
	c.pf = &pf;
	c.level = level;
	c.a = malloc(PAGE);
	c.b = malloc(PAGE);
	excl = malloc(WINDOW / 8);
	if (!c.a || !c.b || !excl)
		die("out of memory");
	for (li = 0; li < v.info->nr_loads; li++) {
		const struct zfd_elf_load *l = &v.info->loads[li];
		uint64_t first = ZFD_ALIGN_UP(l->paddr, PAGE) / PAGE;
		uint64_t last = (l->paddr + l->filesz) / PAGE;
		uint64_t w, i, run = 0, run_start = 0, p;

		if (load_dup(v.info, li))
			continue;
		/* the filter keeps the windows' order per load */
		pf.carry_start = 0;
		pf.carry_end = 0;
		for (w = first; w < last; w += WINDOW) {
			uint64_t n = ZFD_MIN(WINDOW, last - w);

			memset(excl, 0, WINDOW / 8);
			if (zfd_pfilter_window(&pf, w, n, excl, why,
					       sizeof(why)))
				die(why);
			for (i = 0; i < n; i++) {
				uint64_t pfn = w + i;
				bool keep;

				if (!core_page(&v, pfn * PAGE, c.a))
					die("a page of a PT_LOAD is missing");
				keep = !((excl[i / 64] >> (i % 64)) & 1) &&
				       !((level & ZFD_DL_ZERO) &&
					 all_zero(c.a));
				if (!keep) {
					if (!run++)
						run_start = pfn;
					continue;
				}
				/*
				 * makedumpfile's ELF writer starts a new
				 * PT_LOAD only after 256 excluded pages or
				 * more: a shorter run before a kept page
				 * is written as it is in the vmcore.
				 */
				for (p = run_start; p < run_start + run; p++) {
					bool elf = run < 256 &&
						   (!(level & ZFD_DL_ZERO) ||
						    !all_zero_page(&v, p));

					c.elf_kept += elf;
					cmp_page(&c, p, elf);
				}
				run = 0;
				cmp_page(&c, pfn, true);
			}
		}
		for (p = run_start; p < run_start + run; p++)
			cmp_page(&c, p, false);
	}
	printf("level %u: both keep %" PRIu64 " pages (%" PRIu64 " of them "
	       "excluded but in a run of fewer than 256), both exclude %" PRIu64
	       ", only we keep %" PRIu64 ", only makedumpfile keeps %" PRIu64
	       "\n",
	       level, c.same_keep, c.elf_kept, c.same_excl, c.ours_only,
	       c.mkd_only);
	printf("excluded by struct page: cache %" PRIu64
	       ", cache private %" PRIu64 ", user %" PRIu64
	       ", free blocks %" PRIu64 ", hwpoison %" PRIu64
	       ", offline %" PRIu64 "\n",
	       pf.nr_cache, pf.nr_cache_pri, pf.nr_user, pf.nr_free,
	       pf.nr_poison, pf.nr_offline);
	zfd_pfilter_free(&pf);
	zfd_dump_free(&d);
	zfd_elf_info_free(v.info);
	zfd_elf_info_free(m.info);
	close(v.fd);
	close(m.fd);
	free(c.a);
	free(c.b);
	free(excl);
	return c.ours_only || c.mkd_only ? 1 : 0;
}
