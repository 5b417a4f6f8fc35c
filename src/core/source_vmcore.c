// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vmcore source: an ELF core, /proc/vmcore of a kdump capture kernel or
 * of an s390 zfcpdump kernel >= 3.12 (under --root), another file named by
 * the key 'path', or a file source whose content is an ELF core.
 *
 * The core is validated completely before any sink is touched (see
 * fmt_elf_read.c: one line naming the problem). Memory offset X is physical
 * address X; the PT_LOADs give the ranges that exist (physically
 * overlapping ones are read once), the rest are holes.
 *
 * Reading: large windows of the file are mmap()ed where the kernel allows
 * it (/proc/vmcore supports mmap since Linux 3.11: one mapping per window
 * instead of one ioremap per page, which is what makes makedumpfile fast
 * on large machines), pread() otherwise; the first failing mmap() switches
 * to pread() for good. A range that cannot be read returns -ENXIO, so the
 * pipeline re-reads it page by page and records the unreadable pages as
 * lost, never as if they were real zeros.
 *
 * Cores of any architecture are read; each sink's format (pipeline.c)
 * decides what is stored. For s390x cores the source also prepares what
 * the s390 format needs: the s390 header built from the notes, and each
 * CPU's save area rebuilt from its register notes (src->patches), which
 * the pipeline puts into the prefix pages of the consumers that write the
 * s390 format only (as "zfcpdump-get copy -f s390" does); the other
 * consumers get the memory of the core unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "util.h"

#define VMCORE_PATH "/proc/vmcore"
#define WINDOW_SIZE (2U << 20) /* mmap() window; counts in the RSS */

struct vmcore_src {
	int fd;
	uint64_t size;
	struct zfd_elf_info *info;
	bool no_mmap;
	uint8_t *win; /* mapped window, or NULL */
	uint64_t win_off;
	size_t win_len;
	struct zfd_mem_patch *sa; /* save areas rebuilt from the notes */
	size_t nr_sa;
	char zcore[4096]; /* zcore debugfs directory (s390) */
};

/* Copies len bytes at file offset foff through the window, or pread(). */
static int copy_file(struct zfd_source *src, void *buf, size_t len,
		     uint64_t foff)
{
	struct vmcore_src *vs = src->priv;
	uint8_t *p = buf;
	ssize_t n;
	long pg = sysconf(_SC_PAGESIZE);

	while (len && !vs->no_mmap) {
		size_t k;

		if (!vs->win || foff < vs->win_off ||
		    foff - vs->win_off >= vs->win_len) {
			uint64_t off = ZFD_ALIGN_DOWN(foff,
						      (uint64_t)WINDOW_SIZE);
			size_t wlen = (size_t)ZFD_MIN((uint64_t)WINDOW_SIZE,
						      vs->size - off);
			void *m;

			if (vs->win)
				munmap(vs->win, vs->win_len);
			vs->win = NULL;
			wlen = ZFD_ALIGN_UP(wlen, (size_t)pg);
			m = mmap(NULL, wlen, PROT_READ, MAP_PRIVATE, vs->fd,
				 (off_t)off);
			if (m == MAP_FAILED) {
				zfd_dbg("%s: mmap() at %" PRIu64
					" failed (%s); "
					"reading with pread()",
					src->desc, off, strerror(errno));
				vs->no_mmap = true;
				break;
			}
			vs->win = m;
			vs->win_off = off;
			vs->win_len = wlen;
		}
		k = (size_t)ZFD_MIN((uint64_t)len,
				    vs->win_off + vs->win_len - foff);
		memcpy(p, vs->win + (foff - vs->win_off), k);
		p += k;
		foff += k;
		len -= k;
	}
	if (!len)
		return 0;
	n = zfd_pread_full(vs->fd, p, len, foff);
	if (n < 0 || (size_t)n != len)
		return -ENXIO; /* damaged or shrunk: the pages are lost */
	return 0;
}

static ssize_t vmcore_read(struct zfd_source *src, void *buf, size_t len,
			   uint64_t off)
{
	struct vmcore_src *vs = src->priv;
	uint8_t *p = buf;
	uint64_t foff, n;
	size_t done = 0;
	int rc;

	while (done < len) {
		bool present = zfd_elf_map(vs->info, off + done, &foff, &n);

		n = ZFD_MIN(n, (uint64_t)(len - done));
		if (present) {
			rc = copy_file(src, p + done, (size_t)n, foff);
			if (rc)
				return rc;
		} else {
			memset(p + done, 0, (size_t)n); /* page rounding */
		}
		done += (size_t)n;
	}
	return (ssize_t)len;
}

/* s390 kernels >= 3.12 keep zcore/reipl and zcore/hsa beside /proc/vmcore. */
static int vmcore_reipl(struct zfd_source *src)
{
	struct vmcore_src *vs = src->priv;
	char path[4200];

	snprintf(path, sizeof(path), "%s/reipl", vs->zcore);
	return zfd_write_string(path, "1\n");
}

static int vmcore_release_hsa(struct zfd_source *src)
{
	struct vmcore_src *vs = src->priv;
	char path[4200];
	int rc;

	if (!src->hsa_size || src->hsa_released)
		return 0;
	snprintf(path, sizeof(path), "%s/hsa", vs->zcore);
	rc = zfd_write_string(path, "0\n");
	if (rc) {
		zfd_warn("%s: cannot release the HSA: %s", path, strerror(-rc));
		return rc;
	}
	src->hsa_released = true;
	zfd_info("HSA released (%" PRIu64 " MiB)", src->hsa_size >> 20);
	return 0;
}

/* Where zcore's reipl and hsa files exist (s390), use them. */
static void setup_zcore(struct zfd_source *src, const char *root)
{
	struct vmcore_src *vs = src->priv;
	char path[4200], text[64] = "";
	unsigned long long hsa;
	FILE *f;

	zfd_root_path(root, "/sys/kernel/debug/zcore", vs->zcore,
		      sizeof(vs->zcore));
	snprintf(path, sizeof(path), "%s/reipl", vs->zcore);
	if (access(path, W_OK) == 0)
		src->reipl = vmcore_reipl;
	snprintf(path, sizeof(path), "%s/hsa", vs->zcore);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(text, sizeof(text), f) && sscanf(text, "%llx", &hsa) == 1 &&
	    hsa) {
		src->hsa_size = hsa;
		src->release_hsa = vmcore_release_hsa;
	}
	fclose(f);
}

static void vmcore_close(struct zfd_source *src)
{
	struct vmcore_src *vs = src->priv;

	if (vs->win)
		munmap(vs->win, vs->win_len);
	close(vs->fd);
	zfd_elf_info_free(vs->info);
	free(vs->sa);
	src->patches = NULL;
	src->nr_patches = 0;
	free(vs);
	src->priv = NULL;
}

/*
 * s390x: the s390 header from the notes, and each CPU's save area rebuilt
 * from its register notes over the memory that is there.
 */
static int setup_s390(struct zfd_source *src)
{
	struct vmcore_src *vs = src->priv;
	struct zfd_s390_hdr hdr;
	char why[256];
	size_t c;
	int rc;

	rc = zfd_elf_to_s390_hdr(vs->info, &hdr, why, sizeof(why));
	if (rc) {
		zfd_err("%s: cannot describe the dump in the s390 format: %s",
			src->desc, why);
		return -EINVAL;
	}
	if (src->dump.crash_time)
		hdr.tod = zfd_tod_from_unix(src->dump.crash_time, 0);
	zfd_s390_hdr_encode(&hdr, src->hdr_raw);
	vs->sa = calloc(vs->info->nr_cpus ? vs->info->nr_cpus : 1,
			sizeof(*vs->sa));
	if (!vs->sa)
		return -ENOMEM;
	for (c = 0; c < vs->info->nr_cpus; c++) {
		struct zfd_mem_patch *sa = &vs->sa[vs->nr_sa];

		sa->off = (uint64_t)hdr.lc_vec[c] + ZFD_S390_SA_OFF;
		rc = (int)vmcore_read(src, sa->data, ZFD_S390_SA_SIZE, sa->off);
		if (rc < 0) {
			zfd_warn("%s: the save area of CPU %zu cannot be read; its "
				 "registers are not written to the dump",
				 src->desc, c);
			continue;
		}
		zfd_elf_cpu_save_area(vs->info, c, sa->data);
		vs->nr_sa++;
	}
	src->patches = vs->sa;
	src->nr_patches = vs->nr_sa;
	return 0;
}

/*
 * use_mmap false (the file source: an ELF core in a regular file or on a
 * block device): pread() straight into the pipeline's buffers, one copy
 * without the page table work of mapping and unmapping windows.
 * /proc/vmcore and the vmcore source keep the mmap() windows.
 */
int zfd_source_open_elf_fd(struct zfd_source *src, int fd, uint64_t size,
			   bool use_mmap)
{
	struct vmcore_src *vs;
	char why[256];
	size_t i;
	int rc;

	vs = calloc(1, sizeof(*vs));
	if (!vs) {
		close(fd);
		return -ENOMEM;
	}
	vs->fd = fd;
	vs->size = size;
	vs->no_mmap = !use_mmap;
	if (!use_mmap)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	/* for the core's check that no sink writes onto its own source */
	src->have_st = fstat(fd, &src->st) == 0;
	rc = zfd_elf_parse_fd(&vs->info, fd, size, why, sizeof(why));
	if (rc) {
		zfd_err("%s: not a usable ELF core: %s", src->desc, why);
		close(fd);
		free(vs);
		return rc == -ENODEV ? -EINVAL : rc;
	}
	src->priv = vs;
	src->read = vmcore_read;
	src->close = vmcore_close;
	if (vs->info->mem_end > (1ULL << 52)) {
		zfd_err("%s: not a usable ELF core: memory up to 0x%" PRIx64
			" is more than any machine has",
			src->desc, vs->info->mem_end);
		rc = -EINVAL;
		goto out_close;
	}
	rc = zfd_dump_from_elf(&src->dump, vs->info);
	if (rc)
		goto out_close;
	src->elf_core = true;
	if (vs->info->s390x) {
		rc = setup_s390(src);
		if (rc)
			goto out_close;
		rc = zfd_source_setup(src, UINT64_MAX);
		if (rc)
			goto out_close;
	} else {
		src->mem_size = src->dump.mem_size;
		src->avail = src->mem_size;
	}
	free(src->chunks);
	src->chunks = calloc(src->dump.nr_ranges ? src->dump.nr_ranges : 1,
			     sizeof(*src->chunks));
	if (!src->chunks) {
		rc = -ENOMEM;
		goto out_close;
	}
	for (i = 0; i < src->dump.nr_ranges; i++)
		src->chunks[i] = src->dump.ranges[i];
	src->nr_chunks = src->dump.nr_ranges;
	if (vs->info->overlaps)
		zfd_dbg("%s: PT_LOADs overlap physically; each page is read once",
			src->desc);
	return 0;

out_close:
	zfd_source_close(src);
	return rc;
}

int zfd_source_open_vmcore(struct zfd_source *src, const char *root,
			   const char *path)
{
	char buf[4096];
	struct stat st;
	uint64_t size;
	int fd, rc;

	memset(src, 0, sizeof(*src));
	if (!path) {
		zfd_root_path(root, VMCORE_PATH, buf, sizeof(buf));
		path = buf;
	}
	snprintf(src->desc, sizeof(src->desc), "vmcore:%.490s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno; /* the caller reports, maybe after waiting */
	if (fstat(fd, &st)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	size = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &size))
		size = 0;
	/* a size of 0 is unknown: reads show where the file ends */
	rc = zfd_source_open_elf_fd(src, fd, size ? size : UINT64_MAX, true);
	if (!rc && path == buf)
		setup_zcore(src, root);
	return rc;
}
