// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The file source: an s390 dump image or an ELF core (see
 * source_vmcore.c), in a file or on a block device, told apart by content.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "util.h"

struct file_src {
	int fd;
};

static ssize_t file_read(struct zfd_source *src, void *buf, size_t len,
			 uint64_t off)
{
	struct file_src *fs = src->priv;

	return zfd_pread_full(fs->fd, buf, len, ZFD_S390_HDR_SIZE + off);
}

static void file_close(struct zfd_source *src)
{
	struct file_src *fs = src->priv;

	close(fs->fd);
	free(fs);
	src->priv = NULL;
}

static int read_memmap(struct zfd_source *src, const char *path)
{
	char *text;
	size_t len;
	struct stat st;
	FILE *f;
	int fd, rc;

	/* O_NONBLOCK: a FIFO must be refused, not waited on for ever */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		zfd_err("memmap %s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		zfd_err("memmap %s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		rc = -errno;
		close(fd);
		return rc;
	}
	text = malloc(1 << 20);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	rc = zfd_memmap_parse(text, len, src->mem_size, &src->chunks,
			      &src->nr_chunks);
	free(text);
	if (rc)
		zfd_err("memmap %s: not a zcore memmap (\"%%016llx %%016llx \" records "
			"ending with a zero-size one, inside the memory size)",
			path);
	return rc;
}

int zfd_source_open_file(struct zfd_source *src, const char *path,
			 const char *memmap)
{
	struct file_src *fs;
	struct stat st;
	uint64_t size, avail;
	ssize_t n;
	int rc;

	memset(src, 0, sizeof(*src));
	snprintf(src->desc, sizeof(src->desc), "file:%s", path);
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fs->fd < 0) {
		rc = -errno;
		zfd_err("source %s: %s", path, strerror(errno));
		goto out_free;
	}
	if (fstat(fs->fd, &st)) {
		rc = -errno;
		goto out_close;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fs->fd, BLKGETSIZE64, &size)) {
			rc = -errno;
			zfd_err("source %s: cannot get size: %s", path,
				strerror(errno));
			goto out_close;
		}
	} else if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else {
		zfd_err("source %s: not a regular file or block device", path);
		rc = -EINVAL;
		goto out_close;
	}
	n = zfd_pread_full(fs->fd, src->hdr_raw, ZFD_S390_HDR_SIZE, 0);
	if (n >= SELFMAG && !memcmp(src->hdr_raw, ELFMAG, SELFMAG)) {
		if (memmap) {
			zfd_err("source %s: an ELF core has no memmap file (its "
				"PT_LOADs say where memory is)",
				path);
			rc = -EINVAL;
			goto out_close;
		}
		memset(src->hdr_raw, 0, sizeof(src->hdr_raw));
		rc = zfd_source_open_elf_fd(src, fs->fd, size, false);
		free(fs);
		return rc;
	}
	if (n != ZFD_S390_HDR_SIZE) {
		zfd_err("source %s: not an s390 dump: %s", path,
			n < 0 ? strerror((int)-n) :
				"shorter than the 4096-byte header");
		rc = n < 0 ? (int)n : -EINVAL;
		goto out_close;
	}
	posix_fadvise(fs->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	src->st = st;
	src->have_st = true;
	src->priv = fs;
	src->read = file_read;
	src->close = file_close;
	avail = size - ZFD_S390_HDR_SIZE;
	rc = zfd_source_setup(src, avail);
	if (rc)
		goto out_src;
	if (memmap) {
		free(src->chunks);
		src->chunks = NULL;
		rc = read_memmap(src, memmap);
		if (rc)
			goto out_src;
	}
	return 0;

out_src:
	zfd_source_close(src);
	return rc;
out_close:
	close(fs->fd);
out_free:
	free(fs);
	return rc;
}
