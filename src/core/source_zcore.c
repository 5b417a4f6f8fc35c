// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The zcore source: /sys/kernel/debug/zcore/{mem,memmap,hsa,reipl} of an
 * s390 zfcpdump kernel (or of the zcore emulation module).
 *
 * "mem" is opened once and stays open for the whole run: on old kernels
 * closing it releases the HSA, and failover re-reads it from offset 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "util.h"

#define ZCORE_DIR "/sys/kernel/debug/zcore"

struct zcore_src {
	int fd;
	char dir[4096];
};

static ssize_t zcore_read(struct zfd_source *src, void *buf, size_t len,
			  uint64_t off)
{
	struct zcore_src *zs = src->priv;

	return zfd_pread_full(zs->fd, buf, len, ZFD_S390_HDR_SIZE + off);
}

static int zcore_write_file(struct zcore_src *zs, const char *name,
			    const char *val)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", zs->dir, name);
	return zfd_write_string(path, val);
}

static int zcore_release_hsa(struct zfd_source *src)
{
	struct zcore_src *zs = src->priv;
	int rc;

	if (!src->hsa_size || src->hsa_released)
		return 0;
	rc = zcore_write_file(zs, "hsa", "0\n");
	if (rc == -ENOENT)
		return 0; /* old kernel: released when mem is closed */
	if (rc) {
		zfd_warn("%s/hsa: cannot release the HSA: %s", zs->dir,
			 strerror(-rc));
		return rc;
	}
	src->hsa_released = true;
	zfd_info("HSA released (%" PRIu64 " MiB)", src->hsa_size >> 20);
	return 0;
}

static int zcore_reipl(struct zfd_source *src)
{
	struct zcore_src *zs = src->priv;

	return zcore_write_file(zs, "reipl", "1\n");
}

static void zcore_close(struct zfd_source *src)
{
	struct zcore_src *zs = src->priv;

	close(zs->fd);
	free(zs);
	src->priv = NULL;
}

static char *read_small(const char *path, size_t max, size_t *len)
{
	char *buf = malloc(max + 1);
	ssize_t n;
	size_t done = 0;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (done < max && (n = read(fd, buf + done, max - done)) > 0)
		done += (size_t)n;
	close(fd);
	buf[done] = 0;
	*len = done;
	return buf;
}

int zfd_source_open_zcore(struct zfd_source *src, const char *root)
{
	struct zcore_src *zs;
	char path[4200], *text, *end;
	size_t len;
	ssize_t n;
	int rc;

	memset(src, 0, sizeof(*src));
	zs = calloc(1, sizeof(*zs));
	if (!zs)
		return -ENOMEM;
	zfd_root_path(root, ZCORE_DIR, zs->dir, sizeof(zs->dir));
	snprintf(src->desc, sizeof(src->desc), "zcore:%.490s/mem", zs->dir);
	snprintf(path, sizeof(path), "%s/mem", zs->dir);
	zs->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (zs->fd < 0) {
		rc = -errno;
		free(zs);
		return rc; /* the caller reports, maybe after waiting */
	}
	n = zfd_pread_full(zs->fd, src->hdr_raw, ZFD_S390_HDR_SIZE, 0);
	if (n != ZFD_S390_HDR_SIZE) {
		zfd_err("%s: cannot read the dump header: %s", path,
			n < 0 ? strerror((int)-n) : "short read");
		close(zs->fd);
		free(zs);
		return n < 0 ? (int)n : -EIO;
	}
	src->have_st = fstat(zs->fd, &src->st) == 0;
	src->priv = zs;
	src->read = zcore_read;
	src->release_hsa = zcore_release_hsa;
	src->reipl = zcore_reipl;
	src->close = zcore_close;
	rc = zfd_source_setup(src, UINT64_MAX);
	if (rc)
		goto out_close;

	snprintf(path, sizeof(path), "%s/memmap", zs->dir);
	text = read_small(path, 1 << 20, &len);
	if (text) {
		free(src->chunks);
		src->chunks = NULL;
		rc = zfd_memmap_parse(text, len, src->mem_size, &src->chunks,
				      &src->nr_chunks);
		free(text);
		if (rc) {
			zfd_err("%s: malformed memory map", path);
			goto out_close;
		}
	}
	snprintf(path, sizeof(path), "%s/hsa", zs->dir);
	text = read_small(path, 64, &len);
	if (text) {
		errno = 0;
		src->hsa_size = strtoull(text, &end, 16);
		if (errno || end == text)
			zfd_warn("%s: cannot parse '%s'", path, text);
		free(text);
	} else {
		/* classic kernels without zcore/hsa: 32 MiB, freed at close */
		src->hsa_size = 32ULL << 20;
	}
	return 0;

out_close:
	zfd_source_close(src);
	return rc;
}
