// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The crashed kernel's log for the sinks (zfd_dump_info.dmesg): read once
 * per run from the source, before the first pass, by the code that
 * zfcpdump-get dmesg uses (src/lib/kmsg.c: VMCOREINFO, then the printk
 * ring buffer or the old log_buf), as makedumpfile --dump-dmesg prints it.
 *
 * The source is read here outside the reader thread, as plan_read() in
 * pipeline.c does: memory offset = physical address - mem_start, only
 * memory the dump model says exists, nothing of a released HSA.
 *
 * Bounded, because the daemon must stay small whatever kernel crashed
 * (DESIGN §1): at most DMESG_READ_MAX bytes of the crashed kernel's
 * memory are read (the ring's descriptors, infos and text, freed before
 * the dump starts), and at most DMESG_TEXT_MAX bytes of text are kept:
 * its end, where the panic is, whole lines. Without a log (zcore and
 * s390 images of old kernels, no VMCOREINFO) or when it cannot be read,
 * one line says so and the dump goes on without it.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "kmsg.h"
#include "util.h"
#include "vmcoreinfo.h"

/*
 * Enough for a ring of log_buf_len 512 KiB (its descriptors and infos take
 * 3.5 times the text) or of a 2 MiB log_buf; the daemon's peak RSS then
 * was 5.8 and 6.2 MiB (tests/integration/extfs_dmesg.sh). kmsg.c reads the
 * arrays whole, so the next ring size (1 MiB of text, 4.5 MiB in all)
 * would exceed 8 MiB.
 */
#define DMESG_READ_MAX (3u << 20)
#define DMESG_TEXT_MAX (1u << 20)

struct dmesg_ctx {
	struct zfd_source *src;
	uint64_t read; /* bytes of memory read so far */
	bool over;     /* DMESG_READ_MAX reached */
	char *text;
	size_t len, cap;
	bool cut;	/* older lines dropped for DMESG_TEXT_MAX */
	uint64_t total; /* bytes of the whole log */
};

/* Physical memory of the source: what exists, -EFAULT elsewhere. */
static int dmesg_read(void *arg, uint64_t pa, void *buf, size_t len)
{
	struct dmesg_ctx *c = arg;
	struct zfd_source *src = c->src;
	const struct zfd_dump *d = &src->dump;
	uint64_t off;
	size_t i;
	ssize_t n;

	if (!len)
		return 0;
	if (pa < d->mem_start)
		return -EFAULT;
	off = pa - d->mem_start;
	if (off >= src->mem_size || len > src->mem_size - off)
		return -EFAULT;
	for (i = 0; i < d->nr_ranges; i++)
		if (off >= d->ranges[i].start &&
		    off - d->ranges[i].start < d->ranges[i].size &&
		    len <= d->ranges[i].size - (off - d->ranges[i].start))
			break;
	if (d->nr_ranges && i == d->nr_ranges)
		return -EFAULT;
	/* memory of a released HSA is gone, as in plan_read() */
	if (src->hsa_released && off < src->hsa_size)
		return -EFAULT;
	if (len > DMESG_READ_MAX - c->read) {
		c->over = true;
		return -EFBIG;
	}
	c->read += len;
	n = src->read(src, buf, len, off);
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;
}

/* Keeps the text's end: older whole lines go when it would grow too big. */
static int dmesg_out(void *arg, const char *text, size_t len)
{
	struct dmesg_ctx *c = arg;
	size_t drop, cap;
	char *p, *nl;

	c->total += len;
	if (len > DMESG_TEXT_MAX) {
		text += len - DMESG_TEXT_MAX;
		len = DMESG_TEXT_MAX;
		c->len = 0;
		c->cut = true;
	}
	if (c->len + len > DMESG_TEXT_MAX) {
		/* a quarter at a time, so that dropping stays linear */
		drop = ZFD_MAX(c->len + len - DMESG_TEXT_MAX,
			       (size_t)DMESG_TEXT_MAX / 4);
		drop = ZFD_MIN(drop, c->len);
		nl = memchr(c->text + drop, '\n', c->len - drop);
		drop = nl ? (size_t)(nl + 1 - c->text) : c->len;
		memmove(c->text, c->text + drop, c->len - drop);
		c->len -= drop;
		c->cut = true;
	}
	if (c->len + len > c->cap) {
		cap = ZFD_MIN(ZFD_MAX(2 * c->cap, c->len + len + 65536),
			      (size_t)DMESG_TEXT_MAX);
		p = realloc(c->text, cap);
		if (!p)
			return -ENOMEM;
		c->text = p;
		c->cap = cap;
	}
	memcpy(c->text + c->len, text, len);
	c->len += len;
	return 0;
}

/* VMCOREINFO of an s390 dump: the note its lowcore points to. */
static int s390_vmci(struct dmesg_ctx *c, char **vmci, size_t *len)
{
	int rc = zfd_vmci_from_s390_lowcore(dmesg_read, c, vmci, len);

	if (rc == -ENOMEM)
		return rc;
	return rc ? -ENOENT : 0;
}

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 0;
	const char *p = text, *end = text + len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

void zfd_dmesg_read(struct zfd_run *run)
{
	struct zfd_source *src = run->src;
	const struct zfd_dump *d = &src->dump;
	struct dmesg_ctx c = { .src = src };
	char why[512], *vmci_s390 = NULL;
	const char *vmci = d->vmcoreinfo;
	size_t vmci_len = d->vmcoreinfo_len;
	struct zfd_kmem km;
	int rc;

	run->dmesg = NULL;
	run->dmesg_len = 0;
	if (!vmci && d->machine == EM_S390) {
		rc = s390_vmci(&c, &vmci_s390, &vmci_len);
		if (rc == -ENOMEM) {
			zfd_warn("kernel log: out of memory; the dump goes on "
				 "without it");
			return;
		}
		vmci = vmci_s390;
	}
	if (!vmci) {
		zfd_info("kernel log not found: the dump has no VMCOREINFO");
		return;
	}
	rc = zfd_kmem_init(&km, d, vmci, vmci_len, dmesg_read, &c, why,
			   sizeof(why));
	if (!rc)
		rc = zfd_kmsg_dump(&km, dmesg_out, &c, why, sizeof(why));
	free(vmci_s390);
	if (rc && c.over) {
		zfd_warn("kernel log: not kept, its ring buffer is larger than "
			 "the %u MiB read at most (zfcpdump-get dmesg reads it "
			 "from the dump)",
			 DMESG_READ_MAX >> 20);
	} else if (rc == -ENOENT) {
		zfd_info("kernel log not found: %s", why);
	} else if (rc) {
		zfd_warn("kernel log: %s; the dump goes on without it", why);
	} else if (!c.len) {
		zfd_info("kernel log: empty");
	}
	if (rc || !c.len) {
		free(c.text);
		return;
	}
	run->dmesg = c.text;
	run->dmesg_len = c.len;
	if (c.cut)
		zfd_warn("kernel log: only its last %zu lines kept, %zu of "
			 "%" PRIu64 " bytes",
			 count_lines(c.text, c.len), c.len, c.total);
	else
		zfd_info("kernel log: %zu lines, %zu bytes",
			 count_lines(c.text, c.len), c.len);
}

void zfd_dmesg_free(struct zfd_run *run)
{
	free(run->dmesg);
	run->dmesg = NULL;
	run->dmesg_len = 0;
}
