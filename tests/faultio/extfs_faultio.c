// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test-only replacement of src/sinks/extfs/extfs_io.c: the extfs sink's
 * I/O with faults injected, driven by environment variables (like
 * e2fsprogs' test_io manager). Linked into test programs only
 * (tests/unit/extfs-feed), never into the plugin.
 *
 *   ZFD_FAULT_OP	which calls fail:
 *			  data-write	pwritev() of dump data
 *			  meta-write	libext2fs metadata writes (io_manager)
 *			  write		either
 *			  data-sync	fdatasync()/fsync() of the data descriptor
 *			  data-close	close() of the data descriptor
 *			  fs-flush	the io_manager's flush (ext2fs_flush(),
 *					ext2fs_close(), io_channel_flush():
 *					write-back and fsync of the metadata;
 *					libext2fs ignores errors of the
 *					io_manager's close, so that one is
 *					not offered)
 *   ZFD_FAULT_ERR	EIO (default), ENOSPC, or "short" (writes only: the
 *			write stores the bytes before ZFD_FAULT_AT and
 *			returns that count, once; the caller must go on)
 *   ZFD_FAULT_AT	writes: device byte offset; the first write that
 *			covers it fails (default: any offset)
 *   ZFD_FAULT_NTH	fail the Nth matching call (1-based, default 1)
 *   ZFD_FAULT_TRACE	set: one line per call on stderr
 *			("faultio: data-write #3 at 4096+8192", "faultio:
 *			data-sync #2"), to choose N or an offset
 *
 * Errors are sticky: after the first injected EIO or ENOSPC every later
 * matching call fails too, as on a dead or full device. Each injection
 * prints "faultio: injected ERR on OP #N at OFF" on stderr, so tests can
 * prove that the fault was hit.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extfs.h"

enum {
	OP_DATA_WRITE = 1,
	OP_META_WRITE = 2,
	OP_DATA_SYNC = 4,
	OP_DATA_CLOSE = 8,
	OP_FS_FLUSH = 16
};

static struct {
	bool init;
	unsigned int ops;
	int err;     /* errno, or 0 for a short write */
	uint64_t at; /* UINT64_MAX: any offset */
	unsigned long nth;
	bool trace;
	unsigned long seen;	 /* matching calls so far */
	unsigned long count[32]; /* calls per op, for the trace */
	bool fired;
} fi;

static void fault_init(void)
{
	const char *op = getenv("ZFD_FAULT_OP"), *err = getenv("ZFD_FAULT_ERR");
	const char *at = getenv("ZFD_FAULT_AT"), *nth = getenv("ZFD_FAULT_NTH");

	if (fi.init)
		return;
	fi.init = true;
	fi.err = EIO;
	fi.at = at && *at ? strtoull(at, NULL, 0) : UINT64_MAX;
	fi.nth = nth && *nth ? strtoul(nth, NULL, 0) : 1;
	fi.trace = getenv("ZFD_FAULT_TRACE") != NULL;
	if (!op)
		return;
	if (!strcmp(op, "data-write"))
		fi.ops = OP_DATA_WRITE;
	else if (!strcmp(op, "meta-write"))
		fi.ops = OP_META_WRITE;
	else if (!strcmp(op, "write"))
		fi.ops = OP_DATA_WRITE | OP_META_WRITE;
	else if (!strcmp(op, "data-sync"))
		fi.ops = OP_DATA_SYNC;
	else if (!strcmp(op, "data-close"))
		fi.ops = OP_DATA_CLOSE;
	else if (!strcmp(op, "fs-flush"))
		fi.ops = OP_FS_FLUSH;
	else {
		fprintf(stderr, "faultio: unknown ZFD_FAULT_OP '%s'\n", op);
		exit(2);
	}
	if (err && !strcmp(err, "ENOSPC"))
		fi.err = ENOSPC;
	else if (err && !strcmp(err, "short"))
		fi.err = 0;
	else if (err && strcmp(err, "EIO")) {
		fprintf(stderr, "faultio: unknown ZFD_FAULT_ERR '%s'\n", err);
		exit(2);
	}
}

static const char *op_name(unsigned int op)
{
	switch (op) {
	case OP_DATA_WRITE:
		return "data-write";
	case OP_META_WRITE:
		return "meta-write";
	case OP_DATA_SYNC:
		return "data-sync";
	case OP_DATA_CLOSE:
		return "data-close";
	default:
		return "fs-flush";
	}
}

/*
 * Decides about one call of op covering [off, off + len) (len 0: not a
 * write). Returns 0 to go ahead, an errno to fail, or -1 for a short
 * write of *keep bytes.
 */
static int fault_check(unsigned int op, uint64_t off, uint64_t len,
		       uint64_t *keep)
{
	unsigned long n;

	fault_init();
	n = ++fi.count[__builtin_ctz(op)];
	if (fi.trace && len)
		fprintf(stderr, "faultio: %s #%lu at %" PRIu64 "+%" PRIu64 "\n",
			op_name(op), n, off, len);
	else if (fi.trace)
		fprintf(stderr, "faultio: %s #%lu\n", op_name(op), n);
	if (!(fi.ops & op))
		return 0;
	if (fi.fired)
		return fi.err; /* sticky; a short write fires once */
	if (len && fi.at != UINT64_MAX && (fi.at < off || fi.at >= off + len))
		return 0;
	if (++fi.seen < fi.nth)
		return 0;
	fi.fired = true;
	fprintf(stderr, "faultio: injected %s on %s #%lu at %" PRIu64 "\n",
		fi.err == EIO	 ? "EIO" :
		fi.err == ENOSPC ? "ENOSPC" :
				   "short write",
		op_name(op), n, off);
	if (fi.err)
		return fi.err;
	*keep = fi.at != UINT64_MAX && fi.at > off ? fi.at - off : len / 2;
	return -1;
}

/* ---- the data descriptor ---- */

ssize_t extfs_io_pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	struct iovec part[cnt > 0 ? cnt : 1];
	uint64_t len = 0, keep = 0;
	int i, k, rc;

	for (i = 0; i < cnt; i++)
		len += iov[i].iov_len;
	rc = fault_check(OP_DATA_WRITE, (uint64_t)off, len, &keep);
	if (rc > 0) {
		errno = rc;
		return -1;
	}
	if (rc == 0)
		return pwritev(fd, iov, cnt, off);
	for (i = 0, k = 0; i < cnt && keep; i++, k++) {
		part[k] = iov[i];
		if (part[k].iov_len > keep)
			part[k].iov_len = keep;
		keep -= part[k].iov_len;
	}
	return pwritev(fd, part, k, off);
}

int extfs_io_fdatasync(int fd)
{
	uint64_t keep;
	int rc = fault_check(OP_DATA_SYNC, 0, 0, &keep);

	if (rc > 0) {
		errno = rc;
		return -1;
	}
	return fdatasync(fd);
}

int extfs_io_fsync(int fd)
{
	uint64_t keep;
	int rc = fault_check(OP_DATA_SYNC, 0, 0, &keep);

	if (rc > 0) {
		errno = rc;
		return -1;
	}
	return fsync(fd);
}

int extfs_io_close(int fd)
{
	uint64_t keep;
	int rc = fault_check(OP_DATA_CLOSE, 0, 0, &keep);

	close(fd);
	if (rc > 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

/* ---- the io_manager: unix_io_manager's, with writes and flush checked ---- */

static struct struct_io_manager fault_mgr;

static errcode_t meta_check(io_channel ch, uint64_t off, uint64_t len)
{
	uint64_t keep;
	int rc = fault_check(OP_META_WRITE, off, len, &keep);

	/* A short metadata write is an error to libext2fs. */
	if (rc < 0)
		return EXT2_ET_SHORT_WRITE;
	(void)ch;
	return (errcode_t)rc;
}

static uint64_t blk_bytes(io_channel ch, int count)
{
	return count < 0 ? (uint64_t)-count :
			   (uint64_t)count * (uint64_t)ch->block_size;
}

static errcode_t fault_write_blk64(io_channel ch, unsigned long long block,
				   int count, const void *data)
{
	errcode_t err = meta_check(ch, block * ch->block_size,
				   blk_bytes(ch, count));

	if (err)
		return err;
	return unix_io_manager->write_blk64(ch, block, count, data);
}

static errcode_t fault_write_blk(io_channel ch, unsigned long block, int count,
				 const void *data)
{
	return fault_write_blk64(ch, block, count, data);
}

static errcode_t fault_write_byte(io_channel ch, unsigned long offset, int size,
				  const void *data)
{
	errcode_t err = meta_check(ch, offset, (uint64_t)size);

	if (err)
		return err;
	return unix_io_manager->write_byte(ch, offset, size, data);
}

static errcode_t fault_flush(io_channel ch)
{
	uint64_t keep;
	int rc = fault_check(OP_FS_FLUSH, 0, 0, &keep);

	if (rc > 0)
		return (errcode_t)rc;
	return unix_io_manager->flush(ch);
}

static errcode_t fault_open(const char *name, int flags, io_channel *ch)
{
	errcode_t err = unix_io_manager->open(name, flags, ch);

	if (!err)
		(*ch)->manager = &fault_mgr;
	return err;
}

io_manager extfs_io_manager(void)
{
	if (!fault_mgr.magic) {
		fault_mgr = *unix_io_manager;
		fault_mgr.name = "zfcpdump fault-injecting I/O manager";
		fault_mgr.open = fault_open;
		fault_mgr.flush = fault_flush;
		fault_mgr.write_blk = fault_write_blk;
		fault_mgr.write_blk64 = fault_write_blk64;
		fault_mgr.write_byte = fault_write_byte;
	}
	return &fault_mgr;
}
