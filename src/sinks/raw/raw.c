// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * raw sink: a stored dump (any format: s390, elf) written straight onto a
 * partition (or onto a regular file standing for a partition image). The
 * sink stores the format's bytes at their offsets (sink ABI 2, LAYERS in
 * zfcpdump/sink.h); it never interprets them, except to name an older dump.
 *
 * Layout (DESIGN §6), info->size = S stored bytes:
 *	0			prologue, prologue_len bytes (s390: the
 *				4096-byte header; elf: ELF header, program
 *				headers, notes)
 *	prologue_len		data, at each block's stored offset
 *	trailer_off		trailer, trailer_len bytes (s390: the 16-byte
 *				end marker, zeros if incomplete; elf: none)
 *	ALIGN_UP(S, 4 KiB)	manifest, text, NUL padded, ZFD_MANIFEST_MAX
 * For s390 this is 0 header, 4096 memory, 4096 + mem_size end marker, the
 * manifest at the next 4 KiB boundary: the bytes of ABI 1, unchanged. For
 * elf the manifest lies at the next 4 KiB boundary behind the end of the
 * last PT_LOAD's data (the largest p_offset + p_filesz).
 *
 * Write order: placeholder prologue (zeros) -> data -> trailer -> manifest
 * -> flush -> real prologue -> flush. Until the very last write the target
 * does not hold a valid prologue (s390 magic, ELF magic), so a dump that
 * dies half-way never looks complete; an incomplete pass still gets its
 * manifest (status incomplete, dumped_bytes) and its prologue, but never a
 * trailer.
 *
 * I/O: block devices are written with O_DIRECT from the core's aligned
 * buffers. Regular files (and block devices with direct = "no") are written
 * through the page cache, with writeback started right behind the writes
 * and finished pages dropped, so that a 32 MiB dump system never fills up
 * with dirty cache (raw_cache_window()). On a regular file (sparse = true)
 * only the runs of non-zero pages are written: a run of zero pages stays a
 * file hole where the target had one when the pass began, else it is
 * punched, so it reads as zeros also over an older dump (short runs between
 * data pages are written with them). Block devices get every byte.
 *
 * The target: resolved, checked (not mounted, not swap, not busy) and
 * flock()ed by src/lib/device.c, shared with the extfs sink; the lock is
 * held from prepare() to the end of the pass, so a second zfcpdump cannot
 * interleave its writes with ours. A partition holds one dump: an older
 * dump of ours (s390, or elf with our manifest behind it) is overwritten
 * (and named in one line), anything else libblkid recognises only with
 * force = true. Image files become 0640 or stricter.
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
#include <sys/sysinfo.h>
#include <unistd.h>

#include <linux/falloc.h>
#include <linux/fs.h>

#include <zfcpdump/sink.h>

#include "be.h"
#include "cfg.h"
#include "device.h"
#include "fmt_s390.h"
#include "manifest.h"
#include "seal_sink.h"
#include "util.h"

/* Zeros written at a time (placeholder prologue, holes skipped by a
 * packed format). */
#define RAW_ZERO_LEN	     (64 * 1024)
/* Largest program header table looked at when naming an older ELF dump. */
#define RAW_ELF_PH_MAX	     (4U << 20)
/*
 * Buffered I/O: writeback is started for every write; once more than
 * 2 * window bytes are in flight, the older part is waited for and dropped
 * from the page cache. The window is 1/16 of the free memory at open,
 * between RAW_CACHE_WINDOW and RAW_CACHE_WINDOW_MAX: 4 MiB in a 32 MiB
 * dump system, larger (fewer waits for the disk) where memory allows.
 */
#define RAW_CACHE_WINDOW     (4ULL << 20)
#define RAW_CACHE_WINDOW_MAX (16ULL << 20)
/* Shorter zero runs between data pages are written, not left as holes. */
#define RAW_HOLE_MIN	     8

/* Manifest reasons when the end of a dump did not reach the disk. */
#define RAW_FLUSH_FAILED "flushing the device failed"
#define RAW_END_FAILED	 "writing the end of the dump failed"

enum raw_direct {
	RAW_DIRECT_AUTO,
	RAW_DIRECT_YES,
	RAW_DIRECT_NO,
};

static const char *const raw_direct_names[] = { "auto", "yes", "no", NULL };

static const char *const raw_keys[] = {
	"type",	  "device", "truncate", "direct",
	"sparse", "force",  "encrypt",	ZFD_HOST_KEYS, /* the host's */
	NULL
};

struct raw_ctx {
	const struct zfd_host *host;
	/* config */
	char *spec; /* device as configured */
	bool truncate;
	enum raw_direct direct_mode;
	bool sparse;
	bool force;		  /* overwrite foreign signatures */
	struct zfd_seal_cfg seal; /* encrypt = { recipient } */
	/* target, from prepare() */
	char path[PATH_MAX];	  /* resolved device path */
	char name[PATH_MAX + 64]; /* for messages: "UUID=x (/dev/sdb2)" */
	bool blkdev;
	uint64_t dev_size;
	bool prepared;
	int lock_fd;   /* flock()ed from prepare to pass end */
	char old[128]; /* "complete dump of <date>" or "" */
	/* one dump pass */
	int fd;
	bool direct;	       /* fd opened with O_DIRECT */
	bool punch;	       /* may punch holes for zero blocks */
	bool holes;	       /* zero pages may stay file holes */
	uint64_t hole_start;   /* [hole_start, hole_end): a hole of */
	uint64_t hole_end;     /* the target before this pass */
	bool flush_failed;     /* an fsync() failed in this pass */
	uint64_t prologue_len; /* of this pass's dump (info) */
	uint64_t trailer_off;
	uint64_t size;
	bool bound;    /* info->size is an upper bound (kdump stream) */
	uint64_t room; /* bound: stored bytes the device holds */
	const struct zfd_range *ext; /* info->extents, valid for the pass */
	size_t nr_ext;
	size_t ext_i;	  /* first extent not behind next */
	uint64_t next;	  /* next expected stored offset */
	uint64_t written; /* memory bytes on disk or in tail */
	uint64_t synced;  /* disk offset: cache dropped below */
	uint64_t window;  /* write-behind window (buffered) */
	uint8_t *tail;	  /* tail_cap bytes, aligned: from the
			   * page holding trailer_off to the end
			   * of the manifest block */
	size_t tail_cap;
	size_t tail_len;	   /* partial last page held in tail */
	uint8_t *hdr;		   /* hdr_len bytes, aligned */
	size_t hdr_len;		   /* prologue_len, >= ZFD_HDR_SIZE */
	uint8_t *zeros;		   /* RAW_ZERO_LEN zeros, aligned */
	struct zfd_sealer *sealer; /* sealed pass: the envelope writer */
};

/* Disk offset of the manifest block of a dump of size stored bytes. */
static uint64_t raw_manifest_off(uint64_t size)
{
	return ZFD_ALIGN_UP(size, ZFD_PAGE_SIZE);
}

/* Bytes a dump of size stored bytes occupies, manifest included. */
static uint64_t raw_need(uint64_t size)
{
	uint64_t end;

	/* a size near 2^64 must not wrap into a small need */
	if (__builtin_add_overflow(size,
				   (uint64_t)ZFD_PAGE_SIZE + ZFD_MANIFEST_MAX,
				   &end))
		return UINT64_MAX;
	return raw_manifest_off(size) + ZFD_MANIFEST_MAX;
}

/*
 * Sealed (doc/sealing.md): the envelope of the plain stream (prologue,
 * data, trailer) at 0, its header written last; the manifest block at the
 * next 4 KiB boundary behind the envelope.
 */
static uint64_t raw_sealed_need(uint64_t size)
{
	uint64_t need;

	if (size > UINT64_MAX / 2)
		return UINT64_MAX;
	need = zfd_sealer_need(size);
	if (need > UINT64_MAX - ZFD_MANIFEST_MAX)
		return UINT64_MAX;
	return need + ZFD_MANIFEST_MAX;
}

static uint64_t raw_need_ctx(const struct raw_ctx *ctx, uint64_t size)
{
	return ctx->seal.on ? raw_sealed_need(size) : raw_need(size);
}

/* Largest dump (stored bytes) that fits into the target with its manifest. */
static uint64_t raw_capacity(const struct raw_ctx *ctx)
{
	uint64_t lo = 0, hi, mid;

	if (ctx->dev_size < ZFD_MANIFEST_MAX)
		return 0;
	if (!ctx->seal.on)
		return ZFD_ALIGN_DOWN(ctx->dev_size - ZFD_MANIFEST_MAX,
				      ZFD_PAGE_SIZE);
	/* the envelope grows monotonically with its plain stream */
	if (raw_sealed_need(0) > ctx->dev_size)
		return 0;
	hi = ctx->dev_size;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (raw_sealed_need(mid) <= ctx->dev_size)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
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

/* Does the s390 dump of mem_size bytes on the target have its end marker? */
static bool raw_has_end_marker(struct raw_ctx *ctx, int fd, uint64_t mem_size)
{
	uint8_t em[ZFD_END_MARKER_SIZE];
	uint64_t tod;

	if (mem_size > ctx->dev_size - ZFD_HDR_SIZE - ZFD_END_MARKER_SIZE)
		return false;
	if (zfd_pread_full(fd, em, sizeof(em), ZFD_HDR_SIZE + mem_size) !=
	    (ssize_t)sizeof(em))
		return false;
	return zfd_s390_end_marker_check(em, &tod);
}

/* An integer of an ELF file, in its byte order. */
static uint64_t raw_elf_get(const uint8_t *p, size_t width, bool be)
{
	switch (width) {
	case 2:
		return be ? zfd_get_be16(p) : zfd_get_le16(p);
	case 4:
		return be ? zfd_get_be32(p) : zfd_get_le32(p);
	default:
		return be ? zfd_get_be64(p) : zfd_get_le64(p);
	}
}

/*
 * The end of an ELF core's data: the largest p_offset + p_filesz of its
 * PT_LOAD and PT_NOTE headers (eh: the first ZFD_HDR_SIZE bytes). Our
 * manifest lies at the next 4 KiB boundary. Returns 0, or -EINVAL for
 * anything that is no sane ELF core.
 */
static int raw_elf_end(struct raw_ctx *ctx, int fd, const uint8_t *eh,
		       uint64_t *end)
{
	bool is64 = eh[4] == 2, be = eh[5] == 2;
	uint64_t phoff, off, sz, e = 0;
	size_t phent, phnum, len, i;
	uint32_t type;
	uint8_t *ph;
	int rc = -EINVAL;

	if ((eh[4] != 1 && eh[4] != 2) || (eh[5] != 1 && eh[5] != 2))
		return -EINVAL;
	phoff = is64 ? raw_elf_get(eh + 32, 8, be) :
		       raw_elf_get(eh + 28, 4, be);
	phent = (size_t)raw_elf_get(eh + (is64 ? 54 : 42), 2, be);
	phnum = (size_t)raw_elf_get(eh + (is64 ? 56 : 44), 2, be);
	if (phent < (is64 ? 56U : 32U) || !phnum || phnum == 0xffff)
		return -EINVAL;
	len = phent * phnum;
	if (len > RAW_ELF_PH_MAX || phoff > ctx->dev_size ||
	    len > ctx->dev_size - phoff)
		return -EINVAL;
	ph = malloc(len);
	if (!ph)
		return -ENOMEM;
	if (zfd_pread_full(fd, ph, len, phoff) != (ssize_t)len)
		goto out_free_ph;
	for (i = 0; i < phnum; i++) {
		const uint8_t *p = ph + i * phent;

		type = (uint32_t)raw_elf_get(p, 4, be);
		if (type != 1 && type != 4) /* PT_LOAD, PT_NOTE */
			continue;
		off = is64 ? raw_elf_get(p + 8, 8, be) :
			     raw_elf_get(p + 4, 4, be);
		sz = is64 ? raw_elf_get(p + 32, 8, be) :
			    raw_elf_get(p + 16, 4, be);
		if (__builtin_add_overflow(off, sz, &off))
			goto out_free_ph;
		e = ZFD_MAX(e, off);
	}
	*end = e;
	rc = 0;
out_free_ph:
	free(ph);
	return rc;
}

/*
 * An ELF dump of ours: an ELF header at 0 and our manifest (format elf) at
 * the next 4 KiB boundary behind its data. Fills ctx->old and returns true.
 */
static bool raw_inspect_elf(struct raw_ctx *ctx, int fd, const uint8_t *eh)
{
	struct zfd_manifest *m;
	const char *status, *format, *started;
	char why[128], *text;
	uint64_t end, man;
	bool ours = false;

	if (memcmp(eh, "\177ELF", 4) != 0 || raw_elf_end(ctx, fd, eh, &end))
		return false;
	man = raw_manifest_off(end);
	if (end > ctx->dev_size || man > ctx->dev_size - ZFD_MANIFEST_MAX)
		return false;
	m = malloc(sizeof(*m));
	text = malloc(ZFD_MANIFEST_MAX);
	if (!m || !text)
		goto out_free;
	if (zfd_pread_full(fd, text, ZFD_MANIFEST_MAX, man) !=
		    ZFD_MANIFEST_MAX ||
	    zfd_manifest_parse(text, ZFD_MANIFEST_MAX, m, why, sizeof(why)))
		goto out_free;
	status = zfd_manifest_get(m, "status");
	format = zfd_manifest_get(m, "format");
	started = zfd_manifest_get(m, "started");
	if (!status || !format || strcmp(format, "elf") != 0 || !started)
		goto out_free;
	snprintf(ctx->old, sizeof(ctx->old), "%s dump of %s",
		 strcmp(status, "complete") == 0 ||
				 strcmp(status, "truncated") == 0 ?
			 "complete" :
			 "incomplete",
		 started);
	ours = true;
out_free:
	free(text);
	free(m);
	return ours;
}

/*
 * What is on the target now? Our own s390 dump, complete or not, is
 * overwritten without asking: that is the normal re-dump, and the line
 * "overwriting complete dump of <date>" says what is lost; so is an ELF
 * dump of ours (our manifest behind its data: its status and start
 * date). Anything
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
		if (raw_inspect_elf(ctx, fd, buf)) {
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
		       uint64_t *capacity)
{
	struct raw_ctx *ctx = ctxp;
	uint64_t need, cap, least;
	int rc;

	ctx->prepared = false;
	*capacity = 0;
	rc = raw_check_target(ctx);
	if (rc)
		return rc;
	need = raw_need_ctx(ctx, info->size);
	cap = raw_capacity(ctx);
	*capacity = cap;
	/* the smallest dump worth truncating to: one page of data */
	least = (uint64_t)info->prologue_len + info->trailer_len +
		ZFD_PAGE_SIZE;
	if (need <= ctx->dev_size) {
		/* Everything fits; report the room, never less than needed. */
		*capacity = ZFD_MAX(cap, info->size);
	} else if ((info->flags & ZFD_INFO_SIZE_BOUND) &&
		   cap >= info->min_size) {
		/* a stream of unknown size: what fits is stored */
		*capacity = cap;
	} else if (info->flags & ZFD_INFO_SIZE_BOUND) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "device %s too small: %" PRIu64
			 " bytes, even an empty %s dump needs %" PRIu64,
			 ctx->name, ctx->dev_size,
			 info->format ? info->format : "",
			 raw_need(info->min_size));
		zfd_dev_unlock(&ctx->lock_fd);
		return -ENOSPC;
	} else if (!ctx->truncate || cap < least) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "device %s too small: %" PRIu64
			 " bytes, need %" PRIu64,
			 ctx->name, ctx->dev_size, need);
		zfd_dev_unlock(&ctx->lock_fd);
		return -ENOSPC;
	} else {
		/* The core tells the operator; this is for debugging. */
		zfd_hlog(ctx->host, ZFD_LOG_DEBUG,
			 "device %s holds %" PRIu64 " of %" PRIu64
			 " stored bytes: the dump will be truncated",
			 ctx->name, cap, info->size);
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
	sync_file_range(ctx->fd, (off_t)off, (off_t)len, SYNC_FILE_RANGE_WRITE);
	if (end - ctx->synced < 2 * ctx->window)
		return;
	upto = end - ctx->window;
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
	free(ctx->zeros);
	ctx->zeros = NULL;
	ctx->ext = NULL;
	ctx->nr_ext = 0;
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

/* Is the dump description consistent? Logs and returns -EINVAL if not. */
static int raw_check_info(struct raw_ctx *ctx, const struct zfd_dump_info *info)
{
	uint64_t tend;
	size_t i;

	if (!info->prologue || !info->prologue_len ||
	    info->prologue_len % ZFD_PAGE_SIZE ||
	    info->trailer_off < info->prologue_len ||
	    __builtin_add_overflow(info->trailer_off,
				   (uint64_t)info->trailer_len, &tend) ||
	    tend > info->size || (info->nr_extents && !info->extents))
		goto bad;
	for (i = 0; i < info->nr_extents; i++) {
		const struct zfd_range *r = &info->extents[i];

		if (r->start < (i ? info->extents[i - 1].start +
						info->extents[i - 1].size :
				    info->prologue_len) ||
		    r->start > info->trailer_off ||
		    r->size > info->trailer_off - r->start)
			goto bad;
	}
	return 0;
bad:
	zfd_hlog(ctx->host, ZFD_LOG_ERR,
		 "device %s: inconsistent dump description (prologue %zu, "
		 "trailer at %" PRIu64 ", size %" PRIu64 ")",
		 ctx->name, info->prologue_len, info->trailer_off, info->size);
	return -EINVAL;
}

/*
 * Regular files (sparse = true): was [off, off + len) a hole of the
 * target when the pass began? Asked only at or behind ctx->next, where
 * this pass has not written yet (it writes in ascending order; the tail
 * and the prologue come at the end), so the answer is still true. One
 * lseek(SEEK_DATA) per hole found: on a fresh (truncated) image file the
 * first one covers the rest of the file.
 */
static bool raw_was_hole(struct raw_ctx *ctx, uint64_t off, uint64_t len)
{
	off_t d;

	if (!ctx->holes)
		return false;
	if (off >= ctx->hole_start && len <= ctx->hole_end - off &&
	    off < ctx->hole_end)
		return true;
	d = lseek(ctx->fd, (off_t)off, SEEK_DATA);
	if (d < 0) {
		if (errno != ENXIO) {
			/* no SEEK_DATA here: write or punch as before */
			ctx->holes = false;
			return false;
		}
		/* no data at or behind off */
		d = (off_t)ZFD_MAX(ctx->dev_size, off + len);
	}
	if ((uint64_t)d <= off)
		return false;
	ctx->hole_start = off;
	ctx->hole_end = (uint64_t)d;
	return len <= ctx->hole_end - off;
}

/* The write-behind window for this pass (see RAW_CACHE_WINDOW). */
static uint64_t raw_cache_window(void)
{
	struct sysinfo si;
	uint64_t w;

	if (sysinfo(&si) != 0)
		return RAW_CACHE_WINDOW;
	w = (uint64_t)si.freeram * si.mem_unit / 16;
	w = ZFD_ALIGN_DOWN(w, (uint64_t)ZFD_PAGE_SIZE);
	return ZFD_MIN(ZFD_MAX(w, RAW_CACHE_WINDOW), RAW_CACHE_WINDOW_MAX);
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

/*
 * Zeros over [off, off + len): stored data that the format skips (a packed
 * format's holes), or the placeholder prologue (punch false). Into the
 * envelope when sealed, as a hole where allowed, else written.
 */
static int raw_zero(struct raw_ctx *ctx, uint64_t off, uint64_t len, bool punch)
{
	size_t n;
	int rc;

	if (!len)
		return 0;
	if (!ctx->sealer && punch && len % ZFD_PAGE_SIZE == 0 &&
	    (raw_was_hole(ctx, off, len) ||
	     (ctx->punch && raw_punch(ctx, off, (size_t)len) == 0)))
		return 0;
	while (len) {
		n = (size_t)ZFD_MIN(len, RAW_ZERO_LEN);
		if (ctx->sealer) {
			rc = zfd_sealer_write(ctx->sealer, ctx->zeros, n);
			if (rc) {
				zfd_hlog(ctx->host, ZFD_LOG_ERR,
					 "sealing for device %s failed: %s",
					 ctx->name, strerror(-rc));
				return rc;
			}
		} else {
			rc = raw_pwrite(ctx, ctx->zeros, n, off);
			if (rc)
				return rc;
			raw_trim_cache(ctx, off, n);
		}
		off += n;
		len -= n;
	}
	return 0;
}

static int raw_open(void *ctxp, const struct zfd_dump_info *info)
{
	struct raw_ctx *ctx = ctxp;
	uint64_t base, man_off;
	bool want_direct;
	int rc;

	if (!ctx->prepared) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "device %s was not prepared",
			 ctx->name[0] ? ctx->name : ctx->spec);
		return -EINVAL;
	}
	ctx->prepared = false;
	rc = raw_check_info(ctx, info);
	if (rc) {
		zfd_dev_unlock(&ctx->lock_fd);
		return rc;
	}
	ctx->bound = info->flags & ZFD_INFO_SIZE_BOUND;
	ctx->room = raw_capacity(ctx);
	if (raw_need_ctx(ctx, info->size) > ctx->dev_size &&
	    (!ctx->bound || ctx->room < info->min_size)) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "device %s too small: %" PRIu64
			 " bytes, need %" PRIu64,
			 ctx->name, ctx->dev_size,
			 raw_need_ctx(ctx, info->size));
		zfd_dev_unlock(&ctx->lock_fd);
		return -ENOSPC;
	}
	ctx->prologue_len = info->prologue_len;
	ctx->trailer_off = info->trailer_off;
	ctx->size = info->size;
	ctx->ext = info->extents;
	ctx->nr_ext = info->nr_extents;
	ctx->ext_i = 0;
	ctx->next = info->prologue_len;
	ctx->written = 0;
	ctx->synced = 0;
	ctx->window = raw_cache_window();
	ctx->tail_len = 0;
	ctx->flush_failed = false;
	/* the tail: the page holding trailer_off up to the manifest's end */
	base = ZFD_ALIGN_DOWN(info->trailer_off, ZFD_PAGE_SIZE);
	man_off = raw_manifest_off(info->size);
	ctx->tail_cap = (size_t)(man_off - base) + ZFD_MANIFEST_MAX;
	ctx->hdr_len = ZFD_MAX(info->prologue_len, (size_t)ZFD_HDR_SIZE);
	if (posix_memalign((void **)&ctx->tail, ZFD_ALIGN, ctx->tail_cap) ||
	    posix_memalign((void **)&ctx->hdr, ZFD_ALIGN, ctx->hdr_len) ||
	    posix_memalign((void **)&ctx->zeros, ZFD_ALIGN, RAW_ZERO_LEN)) {
		rc = -ENOMEM;
		goto out_end;
	}
	memset(ctx->tail, 0, ctx->tail_cap);
	memset(ctx->zeros, 0, RAW_ZERO_LEN);

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
	ctx->holes = ctx->punch;
	ctx->hole_start = 0;
	ctx->hole_end = 0;
	rc = raw_restrict_mode(ctx);
	if (rc)
		goto out_end;
	if (ctx->old[0])
		zfd_hlog(ctx->host, ZFD_LOG_INFO, "overwriting %s on %s",
			 ctx->old, ctx->name);

	/* Invalidate whatever dump was there before anything else. */
	rc = raw_zero(ctx, 0, info->prologue_len, false);
	if (rc)
		goto out_end;
	rc = raw_flush(ctx);
	if (rc)
		goto out_end;
	if (ctx->seal.on) {
		/* the sealed stream starts with the prologue as at open */
		ctx->punch = false;
		ctx->holes = false;
		rc = zfd_sealer_new(&ctx->seal, ZFD_PAGE_SIZE, info, raw_store,
				    ctx, &ctx->sealer);
		if (!rc)
			rc = zfd_sealer_write(ctx->sealer, info->prologue,
					      info->prologue_len);
		if (rc) {
			zfd_hlog(ctx->host, ZFD_LOG_ERR,
				 "sealing for device %s failed: %s", ctx->name,
				 strerror(-rc));
			goto out_end;
		}
		zfd_hlog(ctx->host, ZFD_LOG_INFO, "sealed to key %s (%s)",
			 ctx->seal.fp, ctx->seal.recipient);
	}
	zfd_hlog(ctx->host, ZFD_LOG_DEBUG,
		 "writing a %s dump of %" PRIu64 " stored bytes to %s (%s I/O)",
		 info->format ? info->format : "?", info->size, ctx->name,
		 ctx->direct ? "direct" : "buffered");
	return 0;

out_end:
	raw_pass_end(ctx);
	return rc;
}

/*
 * May the next block start at off, skipping [next, off)? Only a packed
 * format does that, and only up to the start of the next extent: what lies
 * between is no stored data (a hole, stored as zeros).
 */
static bool raw_may_skip(struct raw_ctx *ctx, uint64_t off)
{
	while (ctx->ext_i < ctx->nr_ext &&
	       ctx->ext[ctx->ext_i].start + ctx->ext[ctx->ext_i].size <=
		       ctx->next)
		ctx->ext_i++;
	return off > ctx->next && ctx->ext_i < ctx->nr_ext &&
	       ctx->ext[ctx->ext_i].start == off;
}

/* Has every stored data byte arrived (the rest up to the trailer a hole)? */
static bool raw_all_arrived(struct raw_ctx *ctx)
{
	if (ctx->next == ctx->trailer_off)
		return true;
	raw_may_skip(ctx, ctx->next);
	return ctx->ext_i == ctx->nr_ext;
}

/*
 * The whole pages of a data block. On a regular file (sparse = true) only
 * the runs of non-zero pages are written; a run of zero pages stays a hole
 * where the target had one, else it is punched (or, where punching is not
 * supported, written). A zero run shorter than RAW_HOLE_MIN pages between
 * two data runs is written with them: one write instead of two costs less
 * than the few pages (memory with zero pages scattered one by one would
 * otherwise take a write per page). Block devices, sparse = false: every
 * byte.
 */
static int raw_store_pages(struct raw_ctx *ctx, const struct zfd_block *blk,
			   size_t whole)
{
	const uint8_t *data = blk->data;
	size_t n = whole / ZFD_PAGE_SIZE, i, j, ws = SIZE_MAX;
	uint64_t off = blk->offset, o;
	bool z;
	int rc;

	if (!ctx->holes || !blk->zero_map || !blk->nr_zero_pages)
		return raw_pwrite(ctx, data, whole, off);
	for (i = 0; i <= n; i = j) {
		z = i < n && zfd_block_page_zero(blk, i);
		for (j = i + 1; j < n && zfd_block_page_zero(blk, j) == z; j++)
			;
		if (i < n && (!z || (i && j < n && j - i < RAW_HOLE_MIN))) {
			/* data, or a short zero run inside: to be written */
			if (ws == SIZE_MAX)
				ws = i;
			continue;
		}
		if (ws != SIZE_MAX) {
			rc = raw_pwrite(ctx, data + ws * ZFD_PAGE_SIZE,
					(i - ws) * ZFD_PAGE_SIZE,
					off + ws * ZFD_PAGE_SIZE);
			if (rc)
				return rc;
			ws = SIZE_MAX;
		}
		if (i == n)
			break;
		o = off + i * ZFD_PAGE_SIZE;
		if (raw_was_hole(ctx, o, (j - i) * ZFD_PAGE_SIZE) ||
		    (ctx->punch &&
		     raw_punch(ctx, o, (j - i) * ZFD_PAGE_SIZE) == 0))
			continue;
		rc = raw_pwrite(ctx, data + i * ZFD_PAGE_SIZE,
				(j - i) * ZFD_PAGE_SIZE, o);
		if (rc)
			return rc;
	}
	return 0;
}

static int raw_write(void *ctxp, const struct zfd_block *blk)
{
	struct raw_ctx *ctx = ctxp;
	size_t whole, rest;
	uint64_t off = blk->offset;
	int rc;

	if (ctx->fd < 0)
		return -EBADF;
	if ((off != ctx->next && !raw_may_skip(ctx, off)) ||
	    off > ctx->trailer_off || blk->len > ctx->trailer_off - off ||
	    (!blk->data && blk->kind == ZFD_BLK_DATA)) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "block at stored offset %" PRIu64
			 " (+%zu) out of order, expected %" PRIu64
			 " of %" PRIu64,
			 off, blk->len, ctx->next, ctx->trailer_off);
		return -EINVAL;
	}
	if (ctx->bound && (off > ctx->room || blk->len > ctx->room - off)) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "device %s full after %" PRIu64 " bytes", ctx->name,
			 off);
		return -ENOSPC;
	}
	whole = ZFD_ALIGN_DOWN(blk->len, ZFD_PAGE_SIZE);
	rest = blk->len - whole;
	if (rest && off + blk->len != ctx->trailer_off) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "partial page block at stored offset %" PRIu64
			 " before the end",
			 off);
		return -EINVAL;
	}
	/* a packed format's hole: zeros (or a file hole) */
	rc = raw_zero(ctx, ctx->next, off - ctx->next, true);
	if (rc)
		return rc;
	ctx->next = off;
	if (!blk->data) {
		/* a hole or lost memory handed without a buffer: zeros */
		rc = raw_zero(ctx, off, whole, true);
		if (!rc && rest && ctx->sealer)
			rc = raw_zero(ctx, off + whole, rest, false);
		if (rc)
			return rc;
	} else if (ctx->sealer) {
		rc = zfd_sealer_write(ctx->sealer, blk->data, blk->len);
		if (rc) {
			zfd_hlog(ctx->host, ZFD_LOG_ERR,
				 "sealing for device %s failed at stored offset %" PRIu64
				 ": %s",
				 ctx->name, off, strerror(-rc));
			return rc;
		}
	} else {
		if (whole) {
			rc = raw_store_pages(ctx, blk, whole);
			if (rc)
				return rc;
			raw_trim_cache(ctx, off, whole);
		}
		/* The last, partial page goes out with the trailer. */
		if (rest) {
			memcpy(ctx->tail, (const uint8_t *)blk->data + whole,
			       rest);
			ctx->tail_len = rest;
		}
	}
	ctx->next += blk->len;
	ctx->written += blk->len;
	return 0;
}

/*
 * Sealed: the trailer into the envelope (complete and truncated dumps),
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

	rc = complete && info->trailer_len ?
		     zfd_sealer_write(ctx->sealer, r->trailer,
				      info->trailer_len) :
		     0;
	if (!rc)
		rc = zfd_sealer_end(ctx->sealer, complete);
	if (rc) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "sealing for device %s failed: %s", ctx->name,
			 strerror(-rc));
		return rc;
	}
	zfd_sealer_digest(ctx->sealer, r->digest, sizeof(r->digest));
	memset(ctx->tail, 0, ZFD_MANIFEST_MAX);
	n = zfd_manifest_format((char *)ctx->tail, ZFD_MANIFEST_MAX, info, r,
				ctx->host->sink_desc,
				info->format ? info->format : "s390");
	m = n < 0 ? n :
		    zfd_sealer_manifest(ctx->sealer, (char *)ctx->tail + n,
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
 * The end of a pass: one aligned write from the page holding trailer_off
 * up to the end of the manifest block (partial last page, trailer or
 * zeros, zeros, manifest), flush, then the real prologue, flush.
 */
static int raw_commit(struct raw_ctx *ctx, const struct zfd_dump_info *info,
		      const struct zfd_result *r)
{
	uint64_t base, tr_off, man_off;
	size_t len;
	int n, rc;

	base = ZFD_ALIGN_DOWN(ctx->trailer_off, ZFD_PAGE_SIZE);
	tr_off = ctx->trailer_off - base;
	man_off = raw_manifest_off(ctx->size) - base;
	len = (size_t)man_off + ZFD_MANIFEST_MAX;
	if (r->status == ZFD_STATUS_INCOMPLETE &&
	    r->size >= ctx->prologue_len && r->size <= base) {
		/*
		 * The final prologue was cut to the data written (elf of an
		 * s390 dump) before the tail's page: the manifest goes
		 * behind what it describes, where a reader of the stored
		 * prologue looks for it.
		 */
		base = raw_manifest_off(r->size);
		man_off = 0;
		len = ZFD_MANIFEST_MAX;
		memset(ctx->tail, 0, len);
	} else {
		memset(ctx->tail + ctx->tail_len, 0,
		       ctx->tail_cap - ctx->tail_len);
		if (r->status != ZFD_STATUS_INCOMPLETE && info->trailer_len)
			memcpy(ctx->tail + tr_off, r->trailer,
			       info->trailer_len);
	}
	n = zfd_manifest_format((char *)ctx->tail + man_off, ZFD_MANIFEST_MAX,
				info, r, ctx->host->sink_desc,
				info->format ? info->format : "s390");
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
	memcpy(ctx->hdr, r->prologue ? r->prologue : info->prologue,
	       ctx->prologue_len);
	rc = raw_pwrite(ctx, ctx->hdr, ctx->prologue_len, 0);
	if (rc)
		return rc;
	return raw_flush(ctx);
}

static int raw_finish(void *ctxp, const struct zfd_dump_info *info,
		      const struct zfd_result *res)
{
	struct raw_ctx *ctx = ctxp;
	struct zfd_result r = *res;
	uint64_t upto;
	bool arrived;
	int rc;

	if (ctx->fd < 0)
		return -EBADF;
	/* Never claim more than reached this sink (a kdump stream's
	 * memory bytes are not its stored bytes). */
	if (!ctx->bound && r.dumped_bytes > ctx->written)
		r.dumped_bytes = ctx->written;
	if (r.stored_end > ctx->next)
		r.stored_end = ctx->next;
	if (ctx->bound) {
		/* the stream ends where it got: the manifest behind it */
		r.size = ZFD_MIN(r.size, ctx->next);
		ctx->trailer_off = r.size;
		ctx->size = r.size;
	}
	arrived = raw_all_arrived(ctx);
	if (r.status != ZFD_STATUS_INCOMPLETE && !arrived) {
		zfd_hlog(ctx->host, ZFD_LOG_WARN,
			 "only %" PRIu64 " of %" PRIu64
			 " bytes reached device %s: dump marked incomplete",
			 ctx->next - ctx->prologue_len,
			 ctx->trailer_off - ctx->prologue_len, ctx->name);
		r.status = ZFD_STATUS_INCOMPLETE;
		if (!r.reason)
			r.reason = "not all memory reached the sink";
	}
	if (r.status != ZFD_STATUS_INCOMPLETE && info->trailer_len &&
	    !r.trailer) {
		r.status = ZFD_STATUS_INCOMPLETE;
		r.reason = "the dump's trailer is missing";
	}
	/*
	 * A packed format's trailing hole: zeros (into the envelope, or up to
	 * the page the tail begins with, which holds zeros there).
	 */
	if (r.status != ZFD_STATUS_INCOMPLETE && ctx->next < ctx->trailer_off) {
		upto = ctx->sealer ?
			       ctx->trailer_off :
			       ZFD_ALIGN_DOWN(ctx->trailer_off, ZFD_PAGE_SIZE);
		rc = raw_zero(ctx, ctx->next, upto - ZFD_MIN(ctx->next, upto),
			      true);
		if (rc) {
			r.status = ZFD_STATUS_INCOMPLETE;
			r.reason = RAW_END_FAILED;
		} else {
			ctx->next = ctx->trailer_off;
		}
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
	.description	= "dump (s390 or elf) on a raw partition",
	.configure	= raw_configure,
	.prepare	= raw_prepare,
	.open		= raw_open,
	.write		= raw_write,
	.finish		= raw_finish,
	.close		= raw_close,
};
/* clang-format on */
