// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Input: DEVICE:PATH, a dump file inside an unmounted ext2/3/4 filesystem,
 * read through libext2fs. Small reads (header, end marker, manifest
 * dump.N.info) go through ext2fs_file_read(); the memory is streamed by
 * mapping the file's blocks (extents, or the block map of ext2/3) and
 * reading contiguous runs of them straight from the device, so that the
 * library's per-block overhead stays out of the data path. Holes and
 * unwritten extents read as zeros.
 *
 * Also 'list DEVICE[:DIR]'.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <et/com_err.h>
#include <ext2fs/ext2fs.h>

#include "get.h"
#include "seal.h"
#include "util.h"

#define INFO_MAX (64u << 10)

struct extfs_in {
	ext2_filsys fs;
	int devfd;
	bool own; /* fs and devfd are ours to close */
	ext2_ino_t ino;
	struct ext2_inode inode;
	uint64_t size; /* file size */
	char path[1024];
};

/* Feeds block runs to the consumer in file order, holes as zeros. */
struct feeder {
	struct get_in *in;
	struct extfs_in *x;
	get_mem_fn fn;
	void *arg;
	uint64_t base;	    /* file byte the consumer calls offset 0 */
	uint64_t *streamed; /* how far delivery got (from base) */
	uint64_t cur;	    /* next file byte to deliver */
	uint64_t stop;	    /* file byte where delivery ends */
	uint64_t run_f, run_p, run_len; /* pending run, in bytes */
	void *buf;
	int rc;
};

static int feed_hole(struct feeder *fd, uint64_t upto)
{
	uint64_t n;
	int rc;

	upto = ZFD_MIN(upto, fd->stop);
	while (fd->cur < upto) {
		n = ZFD_MIN(upto - fd->cur, (uint64_t)GET_BUF_SIZE);
		rc = fd->fn(fd->arg, fd->cur - fd->base, NULL, (size_t)n);
		if (rc)
			return rc;
		fd->cur += n;
		*fd->streamed = fd->cur - fd->base;
	}
	return 0;
}

static int feed_flush(struct feeder *fd)
{
	uint64_t f = fd->run_f, p = fd->run_p, end = fd->run_f + fd->run_len;
	uint64_t skip, n;
	ssize_t got;
	int rc;

	fd->run_len = 0;
	if (f < fd->cur) {
		skip = ZFD_MIN(fd->cur - f, end - f);
		f += skip;
		p += skip;
	}
	end = ZFD_MIN(end, fd->stop);
	if (f >= end)
		return 0;
	rc = feed_hole(fd, f);
	if (rc)
		return rc;
	while (f < end) {
		n = ZFD_MIN(end - f, (uint64_t)GET_BUF_SIZE);
		got = zfd_pread_full(fd->x->devfd, fd->buf, (size_t)n, p);
		if (got != (ssize_t)n) {
			get_err("%s: device read error at byte %" PRIu64 ": %s",
				fd->in->name, p,
				got < 0 ? strerror(errno) : "short read");
			return -EIO;
		}
		rc = fd->fn(fd->arg, f - fd->base, fd->buf, (size_t)n);
		if (rc)
			return rc;
		f += n;
		p += n;
		fd->cur = f;
		*fd->streamed = f - fd->base;
	}
	return 0;
}

/* One mapped range of blocks; uninit ranges are holes. */
static int feed_blocks(struct feeder *fd, uint64_t lblk, uint64_t pblk,
		       uint64_t count, bool uninit)
{
	uint64_t bs = fd->x->fs->blocksize;
	uint64_t f = lblk * bs, p = pblk * bs, len = count * bs;

	if (f >= fd->stop)
		return 1;
	if (uninit)
		return 0;
	if (fd->run_len && fd->run_f + fd->run_len == f &&
	    fd->run_p + fd->run_len == p && fd->run_len < GET_BUF_SIZE) {
		fd->run_len += len;
		return 0;
	}
	if (fd->run_len) {
		fd->rc = feed_flush(fd);
		if (fd->rc)
			return -1;
	}
	fd->run_f = f;
	fd->run_p = p;
	fd->run_len = len;
	return 0;
}

static int block_cb(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		    blk64_t ref_blk, int ref_offset, void *priv)
{
	int rc;

	if (blockcnt < 0)
		return 0;
	rc = feed_blocks(priv, (uint64_t)blockcnt, *blocknr, 1, false);
	return rc ? BLOCK_ABORT : 0;
}

static int walk_extents(struct feeder *fd)
{
	struct extfs_in *x = fd->x;
	ext2_extent_handle_t h;
	struct ext2fs_extent ext;
	errcode_t err;
	int rc = 0;

	err = ext2fs_extent_open2(x->fs, x->ino, &x->inode, &h);
	if (err) {
		get_err("%s: cannot read extents: %s", fd->in->name,
			error_message(err));
		return -EIO;
	}
	err = ext2fs_extent_get(h, EXT2_EXTENT_ROOT, &ext);
	while (!err) {
		if ((ext.e_flags & EXT2_EXTENT_FLAGS_LEAF) &&
		    !(ext.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT)) {
			rc = feed_blocks(fd, ext.e_lblk, ext.e_pblk, ext.e_len,
					 ext.e_flags &
						 EXT2_EXTENT_FLAGS_UNINIT);
			if (rc)
				break;
		}
		err = ext2fs_extent_get(h, EXT2_EXTENT_NEXT, &ext);
	}
	ext2fs_extent_free(h);
	if (rc < 0)
		return fd->rc;
	if (err && err != EXT2_ET_EXTENT_NO_NEXT &&
	    err != EXT2_ET_NO_CURRENT_NODE) {
		get_err("%s: extent tree: %s", fd->in->name,
			error_message(err));
		return -EIO;
	}
	return 0;
}

/*
 * File bytes [base, base + len) of x to fn at offsets from base, holes
 * and unwritten extents as NULL (zeros); *streamed says how far it got.
 */
static int feed_file(struct get_in *in, struct extfs_in *x, uint64_t base,
		     uint64_t len, get_mem_fn fn, void *arg, uint64_t *streamed)
{
	struct feeder fd = {
		.in = in,
		.x = x,
		.fn = fn,
		.arg = arg,
		.base = base,
		.streamed = streamed,
		.cur = base,
	};
	errcode_t err;
	int rc;

	fd.stop = len > x->size - ZFD_MIN(base, x->size) ? x->size : base + len;
	*streamed = 0;
	if (fd.stop <= fd.cur)
		return 0;
	if (posix_memalign(&fd.buf, 4096, GET_BUF_SIZE))
		return -ENOMEM;
	posix_fadvise(x->devfd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (x->inode.i_flags & EXT4_EXTENTS_FL) {
		rc = walk_extents(&fd);
	} else {
		err = ext2fs_block_iterate3(x->fs, x->ino,
					    BLOCK_FLAG_READ_ONLY |
						    BLOCK_FLAG_DATA_ONLY,
					    NULL, block_cb, &fd);
		rc = fd.rc;
		if (!rc && err) {
			get_err("%s: block map: %s", in->name,
				error_message(err));
			rc = -EIO;
		}
	}
	if (!rc && fd.run_len)
		rc = feed_flush(&fd);
	if (!rc)
		rc = feed_hole(&fd, fd.stop);
	free(fd.buf);
	return rc;
}

static int extfs_stream(struct get_in *in, uint64_t len, get_mem_fn fn,
			void *arg)
{
	return feed_file(in, in->priv, ZFD_S390_HDR_SIZE, len, fn, arg,
			 &in->mem_streamed);
}

static ssize_t read_file(ext2_filsys fs, ext2_ino_t ino, void *buf, size_t len,
			 uint64_t off);

static int extfs_read_mem(struct get_in *in, uint64_t off, void *buf,
			  size_t len)
{
	struct extfs_in *x = in->priv;
	ssize_t n;

	if (off >= in->mem_avail)
		return -EFAULT;
	n = read_file(x->fs, x->ino, buf, len, ZFD_S390_HDR_SIZE + off);
	if (n < 0)
		return (int)n;
	if ((size_t)n < len)
		memset((uint8_t *)buf + n, 0, len - (size_t)n);
	return 0;
}

static void extfs_close(struct get_in *in)
{
	struct extfs_in *x = in->priv;

	if (!x)
		return;
	if (x->own) {
		ext2fs_close_free(&x->fs);
		close(x->devfd);
		free(x);
	}
	in->priv = NULL;
}

static const struct get_in_ops extfs_ops = {
	.kind = "file in an ext2/3/4 filesystem",
	.stream = extfs_stream,
	.read_mem = extfs_read_mem,
	.close = extfs_close,
};

/* Reads up to len bytes at off of inode ino; returns the count or -EIO. */
static ssize_t read_file(ext2_filsys fs, ext2_ino_t ino, void *buf, size_t len,
			 uint64_t off)
{
	ext2_file_t file;
	unsigned int got = 0;
	size_t total = 0;
	errcode_t err;

	err = ext2fs_file_open(fs, ino, 0, &file);
	if (err)
		return -EIO;
	err = ext2fs_file_llseek(file, off, EXT2_SEEK_SET, NULL);
	while (!err && total < len) {
		err = ext2fs_file_read(file, (char *)buf + total,
				       (unsigned int)ZFD_MIN(len - total,
							     (size_t)1 << 20),
				       &got);
		if (!got)
			break;
		total += got;
	}
	ext2fs_file_close(file);
	return err ? -EIO : (ssize_t)total;
}

static void load_info(struct get_in *in, struct extfs_in *x)
{
	char name[1100], *text;
	const char *suffix = ".incomplete";
	size_t n = strlen(x->path), sl = strlen(suffix);
	struct ext2_inode inode;
	ext2_ino_t ino;
	ssize_t len;

	if (n > sl && strcmp(x->path + n - sl, suffix) == 0)
		n -= sl;
	snprintf(name, sizeof(name), "%.*s.info", (int)n, x->path);
	if (ext2fs_namei(x->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, name, &ino))
		return;
	if (ext2fs_read_inode(x->fs, ino, &inode) ||
	    !LINUX_S_ISREG(inode.i_mode)) {
		get_warn("%s: not a regular file, ignored as manifest", name);
		return;
	}
	text = malloc(INFO_MAX);
	if (!text)
		return;
	len = read_file(x->fs, ino, text, INFO_MAX, 0);
	if (len >= 0)
		get_in_set_manifest(in, text, (size_t)len, name);
	free(text);
}

static int64_t elf_file_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct extfs_in *x = arg;

	return read_file(x->fs, x->ino, buf, len, off);
}

static void elf_file_close(void *arg)
{
	struct extfs_in *x = arg;

	if (x->own) {
		ext2fs_close_free(&x->fs);
		close(x->devfd);
		free(x);
	}
}

/* An ELF dump's stored bytes, straight from the device's blocks. */
static int elf_stream_stored(struct get_in *in, uint64_t len, get_mem_fn fn,
			     void *arg)
{
	return feed_file(in, get_in_elf_file_arg(in), 0, len, fn, arg,
			 &in->stored_streamed);
}

static const struct get_in_ops elf_extfs_ops = {
	.kind = "file in an ext2/3/4 filesystem",
	.stream = get_in_elf_stream,
	.read_mem = get_in_elf_read_mem,
	.stream_stored = elf_stream_stored,
	.close = get_in_elf_close,
};

/* The dump file x as a get_file (ELF cores and kdump streams read it). */
static struct get_file dump_file(struct extfs_in *x)
{
	struct get_file f = {
		.read = elf_file_read,
		.close = elf_file_close,
		.arg = x,
		.size = x->size,
		.mtime = x->inode.i_mtime,
	};

	return f;
}

/* An ELF core in the filesystem (the extfs sink's format = "elf"). */
static int open_elf_in_fs(struct get_in *in, struct extfs_in *x, char *why,
			  size_t why_len)
{
	struct get_file f = dump_file(x);
	int rc;

	rc = get_in_elf_open_file(in, &f, why, why_len);
	if (!rc) {
		in->ops = &elf_extfs_ops;
		load_info(in, x);
		get_in_elf_fit_manifest(in);
	}
	return rc;
}

/* A kdump flattened stream in the filesystem (format = "kdump"). */
static int open_kstream_in_fs(struct get_in *in, struct extfs_in *x, char *why,
			      size_t why_len)
{
	struct get_file f = dump_file(x);
	int rc;

	rc = get_in_kstream_open(in, &f, x->size, true,
				 "file in an ext2/3/4 filesystem", why,
				 why_len);
	if (!rc)
		load_info(in, x);
	return rc;
}

/* Opens PATH in an already open filesystem (used by open and list). */
static int open_in_fs(struct get_in *in, struct extfs_in *x, const char *path,
		      char *why, size_t why_len)
{
	uint64_t mem_end;
	errcode_t err;
	ssize_t n;

	while (*path == '/')
		path++;
	snprintf(x->path, sizeof(x->path), "%s", path);
	in->priv = x;
	in->ops = &extfs_ops;
	err = ext2fs_namei(x->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, x->path,
			   &x->ino);
	if (err) {
		snprintf(why, why_len, "%.100s: %.100s", x->path,
			 error_message(err));
		return -ENOENT;
	}
	err = ext2fs_read_inode(x->fs, x->ino, &x->inode);
	if (err) {
		snprintf(why, why_len, "%.100s: %.100s", x->path,
			 error_message(err));
		return -EIO;
	}
	if (!LINUX_S_ISREG(x->inode.i_mode)) {
		snprintf(why, why_len, "%.200s: not a regular file", x->path);
		return -EISDIR;
	}
	x->size = EXT2_I_SIZE(&x->inode);
	n = read_file(x->fs, x->ino, in->hdr_raw, ZFD_S390_HDR_SIZE, 0);
	if (n != ZFD_S390_HDR_SIZE) {
		snprintf(why, why_len,
			 "not a zfcpdump/s390 dump: only %zd "
			 "bytes",
			 n < 0 ? 0 : n);
		return -ENODEV;
	}
	if (memcmp(in->hdr_raw, "\177ELF", 4) == 0)
		return open_elf_in_fs(in, x, why, why_len);
	if (zfd_kdump_is_flat(in->hdr_raw, ZFD_S390_HDR_SIZE))
		return open_kstream_in_fs(in, x, why, why_len);
	if (get_in_decode_hdr(in, UINT64_MAX, why + 16, why_len - 16)) {
		memcpy(why, "corrupt header: ", 16);
		return in->hdr.magic == ZFD_S390_MAGIC ? -EINVAL : -ENODEV;
	}
	in->mem_avail = ZFD_MIN(in->hdr.mem_size, x->size - ZFD_S390_HDR_SIZE);
	in->ranges = calloc(1, sizeof(*in->ranges));
	if (!in->ranges)
		return -ENOMEM;
	in->nr_ranges = 1;
	in->ranges[0].start = in->hdr.mem_start;
	in->ranges[0].size = in->hdr.mem_size;
	mem_end = ZFD_S390_HDR_SIZE + in->hdr.mem_size;
	in->end_off = mem_end;
	in->end = GET_END_MISSING;
	if (x->size >= mem_end + ZFD_S390_END_SIZE &&
	    read_file(x->fs, x->ino, in->end_raw, ZFD_S390_END_SIZE, mem_end) ==
		    ZFD_S390_END_SIZE) {
		if (zfd_s390_end_marker_check(in->end_raw, &in->end_tod))
			in->end = GET_END_OK;
		else if (!zfd_is_zero(in->end_raw, ZFD_S390_END_SIZE))
			in->end = GET_END_BAD;
	}
	load_info(in, x);
	return 0;
}

static int open_fs(const char *device, ext2_filsys *fs, int *devfd, char *why,
		   size_t why_len)
{
	static bool et_loaded;
	struct stat st;
	int mflags = 0;
	errcode_t err;

	/* a FIFO would hang libext2fs's open */
	if (stat(device, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISBLK(st.st_mode)) {
		snprintf(why, why_len,
			 "not a filesystem image or block "
			 "device");
		return -EINVAL;
	}
	if (!et_loaded) {
		initialize_ext2_error_table();
		et_loaded = true;
	}
	err = ext2fs_check_if_mounted(device, &mflags);
	if (!err && (mflags & EXT2_MF_MOUNTED)) {
		snprintf(why, why_len,
			 "is mounted: unmount it, or read the "
			 "dump through the mounted filesystem");
		return -EBUSY;
	}
	err = ext2fs_open2(device, NULL, EXT2_FLAG_64BITS, 0, 0,
			   unix_io_manager, fs);
	if (err) {
		snprintf(why, why_len, "not an ext2/3/4 filesystem: %s",
			 error_message(err));
		return -ENODEV;
	}
	*devfd = open(device, O_RDONLY | O_CLOEXEC);
	if (*devfd < 0) {
		snprintf(why, why_len, "cannot open: %s", strerror(errno));
		ext2fs_close_free(fs);
		return -EIO;
	}
	return 0;
}

int get_in_extfs_open(struct get_in *in, const char *device, const char *path,
		      char *why, size_t why_len)
{
	struct extfs_in *x;
	char sub[GET_WHY_LEN];
	int rc;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	rc = open_fs(device, &x->fs, &x->devfd, why, why_len);
	if (rc) {
		free(x);
		return rc;
	}
	x->own = true;
	rc = open_in_fs(in, x, path, sub, sizeof(sub));
	if (rc) {
		snprintf(why, why_len, "%s", sub);
		/* a failed ELF open has closed the filesystem already */
		if (in->ops == &extfs_ops)
			extfs_close(in);
		in->ops = NULL;
	}
	return rc;
}

int get_extfs_file_open(const char *device, const char *path,
			struct get_file *f, char **man, size_t *man_len,
			char *man_where, size_t where_len, char *why,
			size_t why_len)
{
	const char *suffix = ".incomplete";
	size_t n, sl = strlen(suffix);
	struct extfs_in *x;
	ext2_ino_t ino;
	char name[1100];
	errcode_t err;
	ssize_t len;
	int rc;

	*man = NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	rc = open_fs(device, &x->fs, &x->devfd, why, why_len);
	if (rc) {
		free(x);
		return rc;
	}
	x->own = true;
	while (*path == '/')
		path++;
	snprintf(x->path, sizeof(x->path), "%s", path);
	err = ext2fs_namei(x->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, x->path,
			   &x->ino);
	if (!err)
		err = ext2fs_read_inode(x->fs, x->ino, &x->inode);
	if (err) {
		snprintf(why, why_len, "%.100s: %.100s", x->path,
			 error_message(err));
		elf_file_close(x);
		return -ENOENT;
	}
	if (!LINUX_S_ISREG(x->inode.i_mode)) {
		snprintf(why, why_len, "%.200s: not a regular file", x->path);
		elf_file_close(x);
		return -EISDIR;
	}
	x->size = EXT2_I_SIZE(&x->inode);
	*f = (struct get_file){
		.read = elf_file_read,
		.close = elf_file_close,
		.arg = x,
		.size = x->size,
		.mtime = x->inode.i_mtime,
	};
	n = strlen(x->path);
	if (n > sl && strcmp(x->path + n - sl, suffix) == 0)
		n -= sl;
	snprintf(name, sizeof(name), "%.*s.info", (int)n, x->path);
	if (ext2fs_namei(x->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, name, &ino))
		return 0;
	*man = malloc(INFO_MAX);
	if (!*man)
		return 0;
	len = read_file(x->fs, ino, *man, INFO_MAX, 0);
	if (len < 0) {
		free(*man);
		*man = NULL;
		return 0;
	}
	*man_len = (size_t)len;
	snprintf(man_where, where_len, "%s:%s", device, name);
	return 0;
}

/* ---- list ---- */

struct entry {
	unsigned long nr;
	bool dump, incomplete, info;
};

struct listing {
	struct entry *e;
	size_t nr, cap;
	bool nomem; /* a dump left out: the listing would lie */
};

/* "dump.N", "dump.N.incomplete", "dump.N.info"; N without leading zeros. */
static bool parse_name(const char *name, size_t len, unsigned long *nr,
		       int *kind)
{
	char buf[64], *end;

	if (len >= sizeof(buf) || len < 6 || memcmp(name, "dump.", 5) != 0)
		return false;
	memcpy(buf, name, len);
	buf[len] = 0;
	if (buf[5] < '0' || buf[5] > '9' ||
	    (buf[5] == '0' && buf[6] && buf[6] != '.'))
		return false;
	errno = 0;
	*nr = strtoul(buf + 5, &end, 10);
	if (errno)
		return false;
	if (!*end)
		*kind = 0;
	else if (strcmp(end, ".incomplete") == 0)
		*kind = 1;
	else if (strcmp(end, ".info") == 0)
		*kind = 2;
	else
		return false;
	return true;
}

static int dir_cb(ext2_ino_t dir, int entry, struct ext2_dir_entry *de,
		  int offset, int blocksize, char *buf, void *priv)
{
	struct listing *l = priv;
	unsigned long nr;
	struct entry *e;
	size_t i;
	int kind;

	if (!parse_name(de->name, ext2fs_dirent_name_len(de), &nr, &kind))
		return 0;
	for (i = 0; i < l->nr && l->e[i].nr != nr; i++)
		;
	if (i == l->nr) {
		if (l->nr == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 16;
			struct entry *n = realloc(l->e, cap * sizeof(*n));

			if (!n) {
				l->nomem = true;
				return DIRENT_ABORT;
			}
			l->e = n;
			l->cap = cap;
		}
		memset(&l->e[l->nr], 0, sizeof(*l->e));
		l->e[l->nr++].nr = nr;
	}
	e = &l->e[i];
	if (kind == 0)
		e->dump = true;
	else if (kind == 1)
		e->incomplete = true;
	else
		e->info = true;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

static void list_one(ext2_filsys fs, int devfd, const char *dir,
		     const struct entry *e, bool json, bool first)
{
	char path[1100], why[GET_WHY_LEN], reason[GET_WHY_LEN * 2] = "";
	char date[32] = "-", name[64];
	struct extfs_in x = { .fs = fs, .devfd = devfd };
	struct get_in in = { .format = "s390", .mem_avail = UINT64_MAX };
	const char *status;
	uint64_t size = 0;
	int rc;

	snprintf(name, sizeof(name), "dump.%lu%s", e->nr,
		 e->dump       ? "" :
		 e->incomplete ? ".incomplete" :
				 ".info");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	in.name = path;
	if (!e->dump && !e->incomplete) {
		status = "manifest only";
		snprintf(reason, sizeof(reason), "dump file missing");
	} else {
		rc = open_in_fs(&in, &x, path, why, sizeof(why));
		if (rc && zfd_seal_is_sealed(in.hdr_raw, sizeof(in.hdr_raw))) {
			/* sealed (doc/sealing.md): what the manifest says */
			const char *v;
			uint8_t *fp = in.hdr_raw + ZFD_SEAL_OFF_FP;
			char hex[ZFD_SEAL_FP_HEX];

			load_info(&in, &x);
			zfd_seal_fp_hex(fp, hex);
			v = in.man_ok ? zfd_manifest_get(&in.man, "status") :
					NULL;
			status = e->incomplete && !e->dump ? "incomplete" :
				 v			   ? v :
							     "incomplete";
			snprintf(reason, sizeof(reason), "sealed to key %s%s",
				 hex, in.man_ok ? "" : ", no manifest");
			if (in.man_ok)
				zfd_manifest_get_u64(&in.man, "mem_size",
						     &size);
			v = in.man_ok ? zfd_manifest_get(&in.man, "started") :
					NULL;
			snprintf(date, sizeof(date), "%s", v ? v : "-");
		} else if (rc) {
			status = "corrupt";
			snprintf(reason, sizeof(reason), "%s", why);
		} else {
			status = get_status_name(get_in_status(&in, reason,
							       sizeof(reason)));
			if (e->incomplete && !e->dump) {
				status = "incomplete";
				if (!reason[0])
					snprintf(reason, sizeof(reason),
						 "still named .incomplete");
			}
			size = in.hdr.mem_size;
			get_tod_str(in.hdr.tod, date, sizeof(date));
		}
	}
	if (json) {
		printf("%s\n  {\"number\": %lu, \"name\": ", first ? "" : ",",
		       e->nr);
		get_json_str(stdout, name);
		printf(", \"mem_size\": %" PRIu64 ", \"status\": ", size);
		get_json_str(stdout, status);
		printf(", \"reason\": ");
		get_json_str(stdout, reason);
		printf(", \"date\": ");
		get_json_str(stdout, date);
		printf("}");
	} else {
		printf("%-6lu %-22s %12.1f  %-20s  %-10s%s%s\n", e->nr, name,
		       size / 1048576.0, date, status, reason[0] ? "  " : "",
		       reason);
	}
	if (in.ops && in.ops->close)
		in.ops->close(&in);
	free(in.man_text);
	free(in.ranges);
	zfd_dump_free(&in.dump);
}

int get_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char why[GET_WHY_LEN], dev[4096], dir[1024] = "";
	struct listing l = { 0 };
	const char *spec, *colon;
	ext2_filsys fs;
	ext2_ino_t ino;
	errcode_t err;
	bool json = false;
	size_t i;
	int c, devfd, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			printf("usage: zfcpdump-get list DEVICE[:DIR] [--json]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		get_err("usage: zfcpdump-get list DEVICE[:DIR] [--json]");
		return 2;
	}
	spec = argv[optind];
	snprintf(dev, sizeof(dev), "%s", spec);
	colon = strchr(spec, ':');
	if (colon && access(spec, F_OK) != 0) {
		dev[colon - spec] = 0;
		snprintf(dir, sizeof(dir), "%s", colon + 1);
	}
	while (dir[0] && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = 0;
	if (open_fs(dev, &fs, &devfd, why, sizeof(why))) {
		get_err("%s: %s", dev, why);
		return 1;
	}
	err = ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, dir[0] ? dir : "/",
			   &ino);
	if (!err)
		err = ext2fs_check_directory(fs, ino);
	if (err) {
		get_err("%s: %s: %s", dev, dir[0] ? dir : "/",
			error_message(err));
		goto out_close;
	}
	err = ext2fs_dir_iterate2(fs, ino, 0, NULL, dir_cb, &l);
	if (err || l.nomem) {
		get_err("%s: reading %s: %s", dev, dir[0] ? dir : "/",
			l.nomem ? strerror(ENOMEM) : error_message(err));
		goto out_close;
	}
	if (l.nr)
		qsort(l.e, l.nr, sizeof(*l.e), cmp_entry);
	if (json)
		printf("[");
	else
		printf("%-6s %-22s %12s  %-20s  %s\n", "NUMBER", "NAME",
		       "SIZE(MiB)", "DATE", "STATUS");
	for (i = 0; i < l.nr; i++)
		list_one(fs, devfd, dir, &l.e[i], json, i == 0);
	if (json)
		printf("%s]\n", l.nr ? "\n" : "");
	ret = fflush(stdout) == 0 ? 0 : 1;
out_close:
	free(l.e);
	ext2fs_close_free(&fs);
	close(devfd);
	return ret;
}
