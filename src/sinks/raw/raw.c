// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * raw sink: the s390 standalone dump written straight onto a partition (or
 * onto a regular file standing for a partition image).
 *
 * Layout (DESIGN §6):
 *	0			header, 4096 bytes
 *	4096			memory, mem_size bytes
 *	4096 + mem_size		end marker, 16 bytes (zeros if incomplete)
 *	next 4 KiB boundary	manifest, text, NUL padded, ZFD_MANIFEST_MAX
 *
 * Write order: placeholder header (magic 0) -> memory -> end marker ->
 * manifest -> flush -> real header -> flush. Until the very last write the
 * target does not hold a valid header, so a dump that dies half-way never
 * looks complete; an incomplete pass still gets its manifest (status
 * incomplete, dumped_bytes) and its header, but never an end marker.
 *
 * I/O: block devices are written with O_DIRECT from the core's aligned
 * buffers. Regular files (and block devices with direct = "no") are written
 * through the page cache, with writeback started right behind the writes
 * and finished pages dropped, so that a 32 MiB dump system never fills up
 * with dirty cache.
 *
 * The target: resolved, checked (not mounted, not swap, not busy) and
 * flock()ed by src/lib/device.c, shared with the extfs sink; the lock is
 * held from prepare() to the end of the pass, so a second zfcpdump cannot
 * interleave its writes with ours. A partition holds one dump: an older s390
 * dump is overwritten (and named in one line), anything else libblkid
 * recognises only with force = true. Image files become 0640 or stricter.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/falloc.h>
#include <linux/fs.h>

#include <zfcpdump/sink.h>

#include "cfg.h"
#include "device.h"
#include "fmt_s390.h"
#include "manifest.h"
#include "seal_sink.h"
#include "util.h"

/* Bytes around the memory: header, end marker page, manifest block. */
#define RAW_TAIL_MAX		(2 * ZFD_PAGE_SIZE + ZFD_MANIFEST_MAX)
/*
 * Buffered I/O: writeback is started for every write; once more than
 * 2 * RAW_CACHE_WINDOW bytes are in flight, the older part is waited for
 * and dropped from the page cache.
 */
#define RAW_CACHE_WINDOW	(4ULL << 20)

/* Manifest reasons when the end of a dump did not reach the disk. */
#define RAW_FLUSH_FAILED	"flushing the device failed"
#define RAW_END_FAILED		"writing the end of the dump failed"

enum raw_direct {
	RAW_DIRECT_AUTO,
	RAW_DIRECT_YES,
	RAW_DIRECT_NO,
};

static const char *const raw_direct_names[] = { "auto", "yes", "no", NULL };

static const char *const raw_keys[] = {
	"type", "device", "truncate", "direct", "sparse", "force", "encrypt", NULL
};

struct raw_ctx {
	const struct zfd_host *host;
	/* config */
	char *spec;			/* device as configured */
	bool truncate;
	enum raw_direct direct_mode;
	bool sparse;
	bool force;			/* overwrite foreign signatures */
	struct zfd_seal_cfg seal;	/* encrypt = { recipient } */
	/* target, from prepare() */
	char path[PATH_MAX];		/* resolved device path */
	char name[PATH_MAX + 64];	/* for messages: "UUID=x (/dev/sdb2)" */
	bool blkdev;
	uint64_t dev_size;
	bool prepared;
	int lock_fd;			/* flock()ed from prepare to pass end */
	char old[128];			/* "complete dump of <date>" or "" */
	/* one dump pass */
	int fd;
	bool direct;			/* fd opened with O_DIRECT */
	bool punch;			/* may punch holes for zero blocks */
	bool flush_failed;		/* an fsync() failed in this pass */
	uint64_t mem_size;
	uint64_t next;			/* next expected memory offset */
	uint64_t written;		/* memory bytes on disk or in tail */
	uint64_t synced;		/* disk offset: cache dropped below */
	uint8_t *tail;			/* RAW_TAIL_MAX, aligned */
	size_t tail_len;		/* partial last page held in tail */
	uint8_t *hdr;			/* ZFD_HDR_SIZE, aligned */
	struct zfd_sealer *sealer;	/* sealed pass: the envelope writer */
};

/* Disk offset of the end marker and of the manifest block. */
static uint64_t raw_em_off(uint64_t mem_size)
{
	return ZFD_HDR_SIZE + mem_size;
}

static uint64_t raw_manifest_off(uint64_t mem_size)
{
	return ZFD_ALIGN_UP(raw_em_off(mem_size) + ZFD_END_MARKER_SIZE,
			    ZFD_PAGE_SIZE);
}

/* Bytes a dump of mem_size memory bytes occupies. */
static uint64_t raw_need(uint64_t mem_size)
{
	uint64_t end;

	/* a size near 2^64 must not wrap into a small need */
	if (__builtin_add_overflow(mem_size, (uint64_t)ZFD_HDR_SIZE + ZFD_END_MARKER_SIZE +
				   ZFD_PAGE_SIZE + ZFD_MANIFEST_MAX, &end))
		return UINT64_MAX;
	return raw_manifest_off(mem_size) + ZFD_MANIFEST_MAX;
}

/*
 * Sealed (doc/sealing.md): the envelope of the s390 stream at 0, its
 * header written last; the manifest block at the next 4 KiB boundary.
 */
static uint64_t raw_sealed_need(uint64_t mem_size)
{
	return zfd_sealer_need(ZFD_HDR_SIZE + mem_size + ZFD_END_MARKER_SIZE) +
	       ZFD_MANIFEST_MAX;
}

static uint64_t raw_need_ctx(const struct raw_ctx *ctx, uint64_t mem_size)
{
	return ctx->seal.on ? raw_sealed_need(mem_size) : raw_need(mem_size);
}

/* Largest page-aligned memory size that fits into size bytes. */
static uint64_t raw_fits(const struct raw_ctx *ctx, uint64_t size)
{
	uint64_t overhead = raw_need_ctx(ctx, 0), fits;

	if (size < overhead)
		return 0;
	fits = ZFD_ALIGN_DOWN(size - overhead, ZFD_PAGE_SIZE);
	if (!ctx->seal.on)
		return fits;
	/* the chunks' 17 bytes per 64 KiB: step down until it fits */
	fits = ZFD_ALIGN_DOWN(fits / (ZFD_SEAL_CHUNK_DEFAULT + ZFD_SEAL_ABYTES) *
			      ZFD_SEAL_CHUNK_DEFAULT, ZFD_PAGE_SIZE);
	while (fits && raw_sealed_need(fits) > size)
		fits -= ZFD_PAGE_SIZE;
	return fits;
}

static int raw_configure(const struct zfd_host *host,
			 const config_setting_t *cfg, void **ctxp)
{
	struct raw_ctx *ctx;
	const char *device;
	int direct, rc;

	rc = zfd_cfg_check_keys(host, cfg, raw_keys);
	if (rc)
		return rc;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->host = host;
	ctx->fd = -1;
	ctx->lock_fd = -1;
	rc = zfd_cfg_string(host, cfg, "device", NULL, &device);
	if (rc)
		goto out_free_ctx;
	if (!device || !*device) {
		zfd_cfg_error(host, cfg, "sink type 'raw' needs a 'device'");
		rc = -EINVAL;
		goto out_free_ctx;
	}
	rc = zfd_cfg_bool(host, cfg, "truncate", false, &ctx->truncate);
	if (rc)
		goto out_free_ctx;
	rc = zfd_cfg_enum(host, cfg, "direct", raw_direct_names,
			  RAW_DIRECT_AUTO, &direct);
	if (rc)
		goto out_free_ctx;
	ctx->direct_mode = (enum raw_direct)direct;
	rc = zfd_cfg_bool(host, cfg, "sparse", true, &ctx->sparse);
	if (rc)
		goto out_free_ctx;
	rc = zfd_cfg_bool(host, cfg, "force", false, &ctx->force);
	if (!rc)
		rc = zfd_seal_cfg_parse(host, cfg, &ctx->seal);
	if (rc)
		goto out_free_ctx;
	ctx->spec = strdup(device);
	if (!ctx->spec) {
		rc = -ENOMEM;
		goto out_free_ctx;
	}
	*ctxp = ctx;
	return 0;

out_free_ctx:
	zfd_seal_cfg_free(&ctx->seal);
	free(ctx);
	return rc;
}

/* Finds the device (tags, --root) and its name for messages. */
static int raw_resolve(struct raw_ctx *ctx)
{
	int rc;

	rc = zfd_dev_resolve(ctx->host, ctx->spec, ctx->path,
			     sizeof(ctx->path));
	if (rc)
		return rc;
	if (strcmp(ctx->path, ctx->spec) == 0)
		snprintf(ctx->name, sizeof(ctx->name), "%s", ctx->spec);
	else
		snprintf(ctx->name, sizeof(ctx->name), "%s (%s)", ctx->spec,
			 ctx->path);
	return 0;
}

/* Opens the target for writing; O_EXCL on block devices (busy if mounted). */
static int raw_open_target(struct raw_ctx *ctx, bool direct)
{
	int flags = O_WRONLY | O_CLOEXEC | (direct ? O_DIRECT : 0);
	int fd;

	if (ctx->blkdev)
		flags |= O_EXCL;
	fd = open(ctx->path, flags);
	if (fd < 0)
		return -errno;
	return fd;
}

static int raw_open_error(struct raw_ctx *ctx, int rc)
{
	switch (rc) {
	case -ENOENT:
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "device %s does not exist",
			 ctx->name);
		break;
	case -EROFS:
	case -EACCES:
	case -EPERM:
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "device %s is read-only",
			 ctx->name);
		break;
	case -EBUSY:
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "device %s is busy (mounted or in use)", ctx->name);
		break;
	default:
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "cannot open device %s: %s",
			 ctx->name, strerror(-rc));
	}
	return rc;
}

/* Does the dump of mem_size bytes on the target have its end marker? */
static bool raw_has_end_marker(struct raw_ctx *ctx, int fd, uint64_t mem_size)
{
	uint8_t em[ZFD_END_MARKER_SIZE];
	uint64_t tod;

	if (mem_size > ctx->dev_size - ZFD_HDR_SIZE - ZFD_END_MARKER_SIZE)
		return false;
	if (zfd_pread_full(fd, em, sizeof(em), raw_em_off(mem_size)) !=
	    (ssize_t)sizeof(em))
		return false;
	return zfd_s390_end_marker_check(em, &tod);
}

/*
 * What is on the target now? Our own s390 dump, complete or not, is
 * overwritten without asking: that is the normal re-dump, and the line
 * "overwriting complete dump of <date>" says what is lost. Anything
 * libblkid recognises (filesystem, swap, RAID, LVM, partition table) is
 * refused unless force = true: a raw target is named by hand, and one
 * wrong digit must not cost a filesystem. An aborted pass left a zero
 * header (magic 0) over its memory: that is probed like foreign data.
 */
static int raw_inspect(struct raw_ctx *ctx)
{
	uint8_t *buf;
	struct zfd_s390_hdr h;
	char what[128], date[32], why[128];
	uint32_t usec;
	int64_t sec;
	bool complete;
	int fd, rc;

	ctx->old[0] = 0;
	fd = open(ctx->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "cannot read device %s: %s",
			 ctx->name, strerror(-rc));
		return rc;
	}
	buf = malloc(ZFD_HDR_SIZE);
	if (!buf) {
		rc = -ENOMEM;
		goto out_close_fd;
	}
	if (ctx->dev_size >= ZFD_HDR_SIZE + ZFD_END_MARKER_SIZE &&
	    zfd_pread_full(fd, buf, ZFD_HDR_SIZE, 0) == ZFD_HDR_SIZE) {
		zfd_s390_hdr_decode(buf, &h);
		if (h.magic == ZFD_S390_MAGIC &&
		    !zfd_s390_hdr_validate(&h, UINT64_MAX, why, sizeof(why))) {
			complete = raw_has_end_marker(ctx, fd, h.mem_size);
			zfd_tod_to_unix(h.tod, &sec, &usec);
			zfd_format_utc(sec, date, sizeof(date));
			snprintf(ctx->old, sizeof(ctx->old), "%s dump of %s",
				 complete ? "complete" : "incomplete", date);
			rc = 0;
			goto out_free_buf;
		}
	}
	rc = zfd_dev_probe_signature(ctx->path, what, sizeof(what));
	if (rc < 0) {
		zfd_hlog(ctx->host, ZFD_LOG_WARN,
			 "cannot probe device %s for signatures (%s); writing anyway",
			 ctx->name, strerror(-rc));
		rc = 0;
	} else if (rc > 0 && !ctx->force) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "device %s holds data (%s); refusing to overwrite it without force = true",
			 ctx->name, what);
		rc = -EEXIST;
	} else if (rc > 0) {
		zfd_hlog(ctx->host, ZFD_LOG_WARN,
			 "device %s holds data (%s); overwriting it (force = true)",
			 ctx->name, what);
		rc = 0;
	}

out_free_buf:
	free(buf);
out_close_fd:
	close(fd);
	return rc;
}

/*
 * Checks existence, type, mount state, writability and what the target
 * holds; gets the size; takes the lock that keeps a second zfcpdump away
 * until the end of the pass.
 */
static int raw_check_target(struct raw_ctx *ctx)
{
	struct stat st;
	int ro = 0, fd, rc;

	rc = raw_resolve(ctx);
	if (rc)
		return rc;
	rc = zfd_dev_check_unused(ctx->host, ctx->path, ctx->name, &st);
	if (rc)
		return rc;
	ctx->blkdev = S_ISBLK(st.st_mode);
	/* Root may write anyway: honour what the mode says. */
	if (!ctx->blkdev && !(st.st_mode & 0222))
		return raw_open_error(ctx, -EROFS);
	if (ctx->lock_fd < 0) {
		rc = zfd_dev_lock(ctx->host, ctx->path, ctx->name,
				  &ctx->lock_fd);
		if (rc)
			return rc;
	}

	fd = raw_open_target(ctx, false);
	if (fd < 0) {
		rc = raw_open_error(ctx, fd);
		goto out_unlock;
	}
	if (ctx->blkdev) {
		if (ioctl(fd, BLKROGET, &ro) == 0 && ro) {
			rc = raw_open_error(ctx, -EROFS);
			goto out_close_fd;
		}
		if (ioctl(fd, BLKGETSIZE64, &ctx->dev_size) != 0) {
			rc = -errno;
			zfd_hlog(ctx->host, ZFD_LOG_ERR,
				 "cannot get the size of device %s: %s",
				 ctx->name, strerror(-rc));
			goto out_close_fd;
		}
	} else {
		ctx->dev_size = (uint64_t)st.st_size;
	}
	close(fd);
	rc = raw_inspect(ctx);
	if (rc)
		goto out_unlock;
	return 0;

out_close_fd:
	close(fd);
out_unlock:
	zfd_dev_unlock(&ctx->lock_fd);
	return rc;
}

static int raw_prepare(void *ctxp, const struct zfd_dump_info *info,
		       uint64_t *max_mem)
{
	struct raw_ctx *ctx = ctxp;
	uint64_t need, fits;
	int rc;

	ctx->prepared = false;
	rc = raw_check_target(ctx);
	if (rc)
		return rc;
	need = raw_need_ctx(ctx, info->mem_size);
	fits = raw_fits(ctx, ctx->dev_size);
	*max_mem = fits;
	if (need <= ctx->dev_size) {
		/* Everything fits; report the room, never less than needed. */
		*max_mem = ZFD_MAX(fits, info->mem_size);
	} else if (!ctx->truncate || !fits) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "device %s too small: %" PRIu64 " bytes, need %" PRIu64,
			 ctx->name, ctx->dev_size, need);
		zfd_dev_unlock(&ctx->lock_fd);
		return -ENOSPC;
	} else {
		/* The core tells the operator; this is for debugging. */
		zfd_hlog(ctx->host, ZFD_LOG_DEBUG,
			 "device %s holds %" PRIu64 " of %" PRIu64
			 " memory bytes: the dump will be truncated",
			 ctx->name, fits, info->mem_size);
	}
	ctx->prepared = true;
	return 0;
}

/* Writes len aligned bytes at off; logs and returns -errno on failure. */
static int raw_pwrite(struct raw_ctx *ctx, const void *buf, size_t len,
		      uint64_t off)
{
	ssize_t n = zfd_pwrite_full(ctx->fd, buf, len, off);

	if (n < 0) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "write to device %s at offset %" PRIu64 " failed: %s",
			 ctx->name, off, strerror((int)-n));
		return (int)n;
	}
	return 0;
}

static int raw_flush(struct raw_ctx *ctx)
{
	int rc;

	if (fsync(ctx->fd) == 0)
		return 0;
	rc = -errno;
	ctx->flush_failed = true;
	zfd_hlog(ctx->host, ZFD_LOG_ERR, "flushing device %s failed: %s",
		 ctx->name, strerror(-rc));
	return rc;
}

/*
 * Buffered I/O only: start writeback of what was just written; once
 * enough is in flight, wait for the older part and drop it from the
 * page cache, so that dirty and clean cache stay a few MiB.
 */
static void raw_trim_cache(struct raw_ctx *ctx, uint64_t off, uint64_t len)
{
	uint64_t end = off + len, upto;

	if (ctx->direct)
		return;
	sync_file_range(ctx->fd, (off_t)off, (off_t)len,
			SYNC_FILE_RANGE_WRITE);
	if (end - ctx->synced < 2 * RAW_CACHE_WINDOW)
		return;
	upto = end - RAW_CACHE_WINDOW;
	sync_file_range(ctx->fd, (off_t)ctx->synced,
			(off_t)(upto - ctx->synced),
			SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
			SYNC_FILE_RANGE_WAIT_AFTER);
	posix_fadvise(ctx->fd, (off_t)ctx->synced, (off_t)(upto - ctx->synced),
		      POSIX_FADV_DONTNEED);
	ctx->synced = upto;
}

static void raw_pass_end(struct raw_ctx *ctx)
{
	if (ctx->fd >= 0) {
		if (!ctx->direct)
			posix_fadvise(ctx->fd, 0, 0, POSIX_FADV_DONTNEED);
		close(ctx->fd);
	}
	ctx->fd = -1;
	free(ctx->tail);
	ctx->tail = NULL;
	free(ctx->hdr);
	ctx->hdr = NULL;
	zfd_sealer_free(ctx->sealer);
	ctx->sealer = NULL;
	zfd_dev_unlock(&ctx->lock_fd);
}

/* Sealed pass: whole pages of the envelope from the sealer. */
static int raw_store(void *arg, uint64_t off, const void *data, size_t len)
{
	struct raw_ctx *ctx = arg;
	int rc;

	rc = raw_pwrite(ctx, data, len, off);
	if (!rc)
		raw_trim_cache(ctx, off, len);
	return rc;
}

/*
 * A dump is no more public than the memory it holds: an image file gets
 * mode 0640 or stricter before anything is written (block devices keep
 * theirs; their nodes belong to the system).
 */
static int raw_restrict_mode(struct raw_ctx *ctx)
{
	struct stat st;
	mode_t mode;

	if (ctx->blkdev)
		return 0;
	if (fstat(ctx->fd, &st) != 0)
		return -errno;
	if (!(st.st_mode & 07777 & ~(mode_t)0640))
		return 0;
	mode = st.st_mode & 0640;
	if (fchmod(ctx->fd, mode) != 0) {
		int rc = -errno;

		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "cannot restrict the mode of %s to %04o: %s",
			 ctx->name, (unsigned int)mode, strerror(-rc));
		return rc;
	}
	zfd_hlog(ctx->host, ZFD_LOG_INFO,
		 "mode of %s changed from %04o to %04o", ctx->name,
		 (unsigned int)(st.st_mode & 07777), (unsigned int)mode);
	return 0;
}

static int raw_open(void *ctxp, const struct zfd_dump_info *info)
{
	struct raw_ctx *ctx = ctxp;
	bool want_direct;
	int rc;

	if (!ctx->prepared) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "device %s was not prepared",
			 ctx->name[0] ? ctx->name : ctx->spec);
		return -EINVAL;
	}
	ctx->prepared = false;
	if (raw_need_ctx(ctx, info->mem_size) > ctx->dev_size) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "device %s too small: %" PRIu64 " bytes, need %" PRIu64,
			 ctx->name, ctx->dev_size,
			 raw_need_ctx(ctx, info->mem_size));
		return -ENOSPC;
	}
	ctx->mem_size = info->mem_size;
	ctx->next = 0;
	ctx->written = 0;
	ctx->synced = 0;
	ctx->tail_len = 0;
	ctx->flush_failed = false;
	if (posix_memalign((void **)&ctx->tail, ZFD_ALIGN, RAW_TAIL_MAX) ||
	    posix_memalign((void **)&ctx->hdr, ZFD_ALIGN, ZFD_HDR_SIZE)) {
		rc = -ENOMEM;
		goto out_end;
	}
	memset(ctx->tail, 0, RAW_TAIL_MAX);

	want_direct = ctx->direct_mode == RAW_DIRECT_YES ||
		      (ctx->direct_mode == RAW_DIRECT_AUTO && ctx->blkdev);
	ctx->fd = -1;
	ctx->direct = false;
	if (want_direct) {
		rc = raw_open_target(ctx, true);
		if (rc >= 0) {
			ctx->fd = rc;
			ctx->direct = true;
		} else if (rc != -EINVAL) {
			raw_open_error(ctx, rc);
			goto out_end;
		} else {
			zfd_hlog(ctx->host, ZFD_LOG_INFO,
				 "device %s does not take O_DIRECT, using buffered I/O",
				 ctx->name);
		}
	}
	if (ctx->fd < 0) {
		rc = raw_open_target(ctx, false);
		if (rc < 0) {
			raw_open_error(ctx, rc);
			goto out_end;
		}
		ctx->fd = rc;
	}
	ctx->punch = !ctx->blkdev && ctx->sparse;
	rc = raw_restrict_mode(ctx);
	if (rc)
		goto out_end;
	if (ctx->old[0])
		zfd_hlog(ctx->host, ZFD_LOG_INFO, "overwriting %s on %s",
			 ctx->old, ctx->name);

	/* Invalidate whatever dump was there before anything else. */
	memset(ctx->hdr, 0, ZFD_HDR_SIZE);
	rc = raw_pwrite(ctx, ctx->hdr, ZFD_HDR_SIZE, 0);
	if (rc)
		goto out_end;
	rc = raw_flush(ctx);
	if (rc)
		goto out_end;
	if (ctx->seal.on) {
		/* the sealed stream starts with the real s390 header */
		ctx->punch = false;
		rc = zfd_sealer_new(&ctx->seal, ZFD_PAGE_SIZE, raw_store, ctx,
				    &ctx->sealer);
		if (!rc)
			rc = zfd_sealer_write(ctx->sealer, info->hdr,
					      ZFD_HDR_SIZE);
		if (rc) {
			zfd_hlog(ctx->host, ZFD_LOG_ERR,
				 "sealing for device %s failed: %s", ctx->name,
				 strerror(-rc));
			goto out_end;
		}
		zfd_hlog(ctx->host, ZFD_LOG_INFO, "sealed to key %s (%s)",
			 ctx->seal.fp, ctx->seal.recipient);
	}
	zfd_hlog(ctx->host, ZFD_LOG_DEBUG, "writing %" PRIu64
		 " memory bytes to %s (%s I/O)", ctx->mem_size, ctx->name,
		 ctx->direct ? "direct" : "buffered");
	return 0;

out_end:
	raw_pass_end(ctx);
	return rc;
}

/* A block of zero pages in a regular file: a hole is as good as zeros. */
static int raw_punch(struct raw_ctx *ctx, uint64_t off, size_t len)
{
	if (fallocate(ctx->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)len) == 0)
		return 0;
	/* Not supported by this filesystem: write the zeros from now on. */
	ctx->punch = false;
	return -errno;
}

static int raw_write(void *ctxp, const struct zfd_block *blk)
{
	struct raw_ctx *ctx = ctxp;
	size_t whole, rest;
	uint64_t off;
	int rc;

	if (ctx->fd < 0)
		return -EBADF;
	if (blk->offset != ctx->next || blk->len > ctx->mem_size - blk->offset) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "block at %" PRIu64 " (+%zu) out of order, expected %"
			 PRIu64 " of %" PRIu64, blk->offset, blk->len,
			 ctx->next, ctx->mem_size);
		return -EINVAL;
	}
	whole = ZFD_ALIGN_DOWN(blk->len, ZFD_PAGE_SIZE);
	rest = blk->len - whole;
	if (rest && blk->offset + blk->len != ctx->mem_size) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "partial page block at %" PRIu64 " before the end",
			 blk->offset);
		return -EINVAL;
	}
	if (ctx->sealer) {
		rc = zfd_sealer_write(ctx->sealer, blk->data, blk->len);
		if (rc) {
			zfd_hlog(ctx->host, ZFD_LOG_ERR,
				 "sealing for device %s failed at memory offset %"
				 PRIu64 ": %s", ctx->name, blk->offset,
				 strerror(-rc));
			return rc;
		}
		ctx->next += blk->len;
		ctx->written += blk->len;
		return 0;
	}
	off = ZFD_HDR_SIZE + blk->offset;
	if (whole) {
		if (!(ctx->punch && blk->nr_zero_pages == blk->nr_pages &&
		      raw_punch(ctx, off, whole) == 0)) {
			rc = raw_pwrite(ctx, blk->data, whole, off);
			if (rc)
				return rc;
		}
		raw_trim_cache(ctx, off, whole);
	}
	/* The last, partial page goes out with the end marker in finish(). */
	if (rest) {
		memcpy(ctx->tail, (const uint8_t *)blk->data + whole, rest);
		ctx->tail_len = rest;
	}
	ctx->next += blk->len;
	ctx->written += blk->len;
	return 0;
}

/*
 * Sealed: end marker into the envelope (complete and truncated dumps),
 * the rest of the envelope, the manifest block behind it, flush; then the
 * envelope header at 0, flush. A failed pass leaves a cut envelope whose
 * header says how far it got.
 */
static int raw_finish_sealed(struct raw_ctx *ctx,
			     const struct zfd_dump_info *info,
			     struct zfd_result *r)
{
	bool complete = r->status != ZFD_STATUS_INCOMPLETE;
	uint64_t man_off;
	int n, m, rc;

	rc = complete ? zfd_sealer_write(ctx->sealer, r->end_marker,
					 ZFD_END_MARKER_SIZE) : 0;
	if (!rc)
		rc = zfd_sealer_end(ctx->sealer, complete);
	if (rc) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "sealing for device %s failed: %s",
			 ctx->name, strerror(-rc));
		return rc;
	}
	zfd_sealer_digest(ctx->sealer, r->digest, sizeof(r->digest));
	memset(ctx->tail, 0, ZFD_MANIFEST_MAX);
	n = zfd_manifest_format((char *)ctx->tail, ZFD_MANIFEST_MAX, info, r,
				ctx->host->sink_desc, "s390");
	m = n < 0 ? n : zfd_sealer_manifest(ctx->sealer, (char *)ctx->tail + n,
					     ZFD_MANIFEST_MAX - (size_t)n);
	if (n < 0 || m < 0) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "manifest too long");
		return -ENOSPC;
	}
	man_off = ZFD_ALIGN_UP(zfd_sealer_size(ctx->sealer), ZFD_PAGE_SIZE);
	rc = raw_pwrite(ctx, ctx->tail, ZFD_MANIFEST_MAX, man_off);
	if (!rc)
		rc = raw_flush(ctx);
	if (rc)
		return rc;
	/* Only now the dump becomes visible. */
	memcpy(ctx->hdr, zfd_sealer_hdr(ctx->sealer), ZFD_HDR_SIZE);
	rc = raw_pwrite(ctx, ctx->hdr, ZFD_HDR_SIZE, 0);
	if (!rc)
		rc = raw_flush(ctx);
	return rc;
}

/*
 * The end of a pass: one aligned write from the page holding the end of
 * memory up to the end of the manifest block (partial last page, end
 * marker or zeros, zeros, manifest), flush, then the real header, flush.
 */
static int raw_commit(struct raw_ctx *ctx, const struct zfd_dump_info *info,
		      const struct zfd_result *r)
{
	uint64_t base, em_off, man_off;
	size_t len;
	int n, rc;

	base = ZFD_ALIGN_DOWN(raw_em_off(ctx->mem_size), ZFD_PAGE_SIZE);
	em_off = raw_em_off(ctx->mem_size) - base;
	man_off = raw_manifest_off(ctx->mem_size) - base;
	len = (size_t)man_off + ZFD_MANIFEST_MAX;
	memset(ctx->tail + ctx->tail_len, 0, RAW_TAIL_MAX - ctx->tail_len);
	if (r->status != ZFD_STATUS_INCOMPLETE)
		memcpy(ctx->tail + em_off, r->end_marker, ZFD_END_MARKER_SIZE);
	n = zfd_manifest_format((char *)ctx->tail + man_off, ZFD_MANIFEST_MAX,
				info, r, ctx->host->sink_desc, "s390");
	if (n < 0) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "manifest too long");
		return -EOVERFLOW;
	}
	rc = raw_pwrite(ctx, ctx->tail, len, base);
	if (rc)
		return rc;
	rc = raw_flush(ctx);
	if (rc)
		return rc;

	/* Only now the dump becomes visible. */
	memcpy(ctx->hdr, info->hdr, ZFD_HDR_SIZE);
	rc = raw_pwrite(ctx, ctx->hdr, ZFD_HDR_SIZE, 0);
	if (rc)
		return rc;
	return raw_flush(ctx);
}

static int raw_finish(void *ctxp, const struct zfd_dump_info *info,
		      const struct zfd_result *res)
{
	struct raw_ctx *ctx = ctxp;
	struct zfd_result r = *res;
	int rc;

	if (ctx->fd < 0)
		return -EBADF;
	/* Never claim more than reached this sink. */
	if (r.dumped_bytes > ctx->written)
		r.dumped_bytes = ctx->written;
	if (r.status != ZFD_STATUS_INCOMPLETE && ctx->written != ctx->mem_size) {
		zfd_hlog(ctx->host, ZFD_LOG_WARN,
			 "only %" PRIu64 " of %" PRIu64
			 " bytes reached device %s: dump marked incomplete",
			 ctx->written, ctx->mem_size, ctx->name);
		r.status = ZFD_STATUS_INCOMPLETE;
		if (!r.reason)
			r.reason = "not all memory reached the sink";
	}
	/* Data that a failed flush may have lost is no complete dump. */
	if (ctx->flush_failed && r.status != ZFD_STATUS_INCOMPLETE) {
		r.status = ZFD_STATUS_INCOMPLETE;
		r.reason = RAW_FLUSH_FAILED;
	}
	if (ctx->sealer) {
		rc = raw_finish_sealed(ctx, info, &r);
		raw_pass_end(ctx);
		return rc;
	}
	rc = raw_commit(ctx, info, &r);
	if (rc && rc != -EOVERFLOW) {
		/*
		 * The end did not reach the disk (or may not have): once
		 * more, as incomplete, so that what is there is recognisable
		 * as a partial dump rather than as no dump, or as a complete
		 * one that a later power cut would tear.
		 */
		if (r.status != ZFD_STATUS_INCOMPLETE) {
			r.status = ZFD_STATUS_INCOMPLETE;
			r.reason = ctx->flush_failed ? RAW_FLUSH_FAILED :
						       RAW_END_FAILED;
		}
		if (raw_commit(ctx, info, &r) == 0)
			zfd_hlog(ctx->host, ZFD_LOG_WARN,
				 "device %s: dump marked incomplete (%s)",
				 ctx->name, r.reason);
	}
	raw_pass_end(ctx);
	return rc;
}

static void raw_close(void *ctxp)
{
	struct raw_ctx *ctx = ctxp;

	if (!ctx)
		return;
	raw_pass_end(ctx);
	zfd_seal_cfg_free(&ctx->seal);
	free(ctx->spec);
	free(ctx);
}

/* clang-format off */
const struct zfd_sink zfd_sink_entry = {
	.abi		= ZFD_SINK_ABI,
	.size		= sizeof(struct zfd_sink),
	.name		= "raw",
	.description	= "s390 dump on a raw partition",
	.configure	= raw_configure,
	.prepare	= raw_prepare,
	.open		= raw_open,
	.write		= raw_write,
	.finish		= raw_finish,
	.close		= raw_close,
};
/* clang-format on */
