/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * extfs sink: internal interfaces between its files.
 *
 *	extfs.c		plugin descriptor, config, dump pass, naming, space
 *	extfs_map.c	fast file writer: bulk block allocation, direct data
 *			writes, block map (ext2/3) or extent tree (ext4)
 *	extfs_dev.c	device resolution (libblkid), mount check, e2fsck
 *	extfs_check.c	bitmaps checked against what the inodes own
 *	extfs_io.c	the I/O seam (test programs link a fault-injecting
 *			tests/faultio/extfs_faultio.c instead)
 */
#ifndef ZFD_EXTFS_H
#define ZFD_EXTFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <ext2fs/ext2fs.h>
#include <zfcpdump/sink.h>

/* ---- extfs_dev.c ---- */

/*
 * Resolves a device spec (path, UUID=..., LABEL=...) into path. With a
 * --root other than "/", /dev/... paths and tags are looked up below root.
 */
int extfs_resolve_device(const struct zfd_host *host, const char *spec,
			 char *path, size_t len);
/* 0 if nothing has the device mounted (or as swap), else -EBUSY (logged). */
int extfs_check_unmounted(const struct zfd_host *host, const char *path);
/*
 * Runs e2fsck -p on path, and e2fsck -y if -p left errors; with force,
 * -fp and -fy (a full check even when the filesystem is marked clean).
 * e2fsck is the configured program or found in /sbin, /usr/sbin, $PATH.
 * Returns 0 when the filesystem is usable, -ENOENT if no e2fsck was
 * found, else -EIO.
 */
int extfs_run_fsck(const struct zfd_host *host, const char *e2fsck,
		   const char *path, bool force);
/* e2fsck's exit code in words, e.g. "errors corrected". */
void extfs_fsck_words(int code, char *buf, size_t len);

/* libext2fs error code to -errno. */
int extfs_errno(errcode_t err);

/* ---- extfs_check.c ---- */

struct extfs_check {
	uint64_t inodes;	 /* inodes in use */
	uint64_t file_blocks;	 /* blocks the inodes map */
	uint64_t missing_blocks; /* owned, but free in the bitmap */
	uint64_t first_missing;
	uint64_t missing_inodes; /* in use, but free in the bitmap */
	ext2_ino_t first_missing_inode;
	uint64_t dup_blocks; /* owned twice */
	uint64_t bad_blocks; /* block numbers outside the fs */
	uint64_t bad_inodes; /* unreadable inode or block map */
	ext2_ino_t first_bad_inode;
	uint64_t leaked_blocks; /* used in the bitmap, owned by none */
	uint64_t leaked_inodes;
};

/*
 * Walks every inode in use and the group metadata and compares what they
 * own with the bitmaps (read before). 0 with *res filled, or -errno when
 * the inode table cannot be read (logged).
 */
int extfs_check_owners(const struct zfd_host *host, ext2_filsys fs,
		       const char *dev, struct extfs_check *res);
/* True when allocating from the bitmaps could overwrite a file. */
bool extfs_check_unsafe(const struct extfs_check *c);
/* The findings in words: "12 blocks in use marked free (first 3000), ...". */
void extfs_check_words(const struct extfs_check *c, char *buf, size_t len);

/* ---- extfs_io.c: every write, sync and close of the sink ---- */

/* The io_manager for ext2fs_open(): unix_io_manager. */
io_manager extfs_io_manager(void);
/* pwritev(), fdatasync(), fsync(), close() on the data descriptor. */
ssize_t extfs_io_pwritev(int fd, const struct iovec *iov, int cnt, off_t off);
int extfs_io_fdatasync(int fd);
int extfs_io_fsync(int fd);
int extfs_io_close(int fd);

/* ---- extfs_map.c ---- */

/*
 * A file being written with bulk allocation: logical blocks are mapped in
 * ascending order only. Mappings are collected in memory and committed to
 * the inode (block map or extent tree) by extfs_file_commit(), after the
 * data they point to is on disk, so that an interrupted dump never leaves
 * an inode pointing at unwritten blocks.
 */
/*
 * Commit at least after this many bytes of the file, and at least this
 * often (a power cut loses at most the last seconds of the dump).
 */
#define EXTFS_COMMIT_BYTES   (256ULL << 20)
#define EXTFS_COMMIT_SECONDS 5

struct extfs_map {
	blk64_t lblk;
	blk64_t pblk;
	blk64_t len;
};

/* Levels of an extent tree below the root (ext4 allows 5). */
#define EXTFS_EXT_DEPTH 5

struct extfs_level {
	blk64_t pblk;  /* 0: none yet */
	uint64_t id;   /* which indirect block of the file */
	uint32_t *buf; /* fs block, host byte order */
	bool dirty;
	bool valid;
};

/* Called on ENOSPC; returns 0 if room was made (retry), else -ENOSPC. */
typedef int (*extfs_nospc_fn)(void *arg);

struct extfs_file {
	ext2_filsys fs;
	ext2_ino_t ino;
	struct ext2_inode inode; /* the one copy; libext2fs updates it */
	int fd;			 /* data writes go here */
	unsigned int bs;
	bool extents;
	/*
	 * ext4: the extent tree, append only. Level 0 is the root in
	 * inode.i_block, level depth the leaf; ext[1..depth] hold the
	 * right-most node of each level below the root.
	 */
	int depth;
	struct extfs_level ext[EXTFS_EXT_DEPTH + 1];
	blk64_t goal;
	blk64_t next_lblk; /* mappings must start here or later */
	struct extfs_map *pending;
	size_t nr_pending, max_pending;
	struct extfs_level ind[3]; /* 0 = IND, 1 = DIND, 2 = TIND */
	uint8_t *ind_disk;	   /* an indirect block as stored (LE) */
	uint64_t size;		   /* i_size committed */
	uint64_t alloc_blocks;	   /* data blocks allocated */
	uint64_t since_commit;	   /* data blocks since the last commit */
	blk64_t reserve;	   /* blocks data must leave free */
	extfs_nospc_fn nospc;
	void *nospc_arg;
	struct iovec *iov;
	struct extfs_map *iov_map; /* the mapping of each iov */
	size_t max_iov;
};

/* Creates the inode (mode 0640, regular), not yet linked anywhere. */
int extfs_file_create(struct extfs_file *f, ext2_filsys fs, ext2_ino_t dir,
		      int fd, const struct zfd_host *host);
/*
 * Writes runs of data at file offsets (all multiples of the block size,
 * lengths too), ascending; runs[i] = { file offset, data, len }.
 */
struct extfs_run {
	uint64_t off;
	const void *data;
	size_t len;
};
int extfs_file_write_runs(struct extfs_file *f, const struct zfd_host *host,
			  const struct extfs_run *runs, size_t nr);
/* Rewrites already written bytes in place (e.g. a header). */
int extfs_file_rewrite(struct extfs_file *f, const struct zfd_host *host,
		       uint64_t off, const void *data, size_t len);
/*
 * Makes everything written so far durable: syncs the data, commits the
 * pending mappings and i_size = size, writes the inode, flushes.
 */
int extfs_file_commit(struct extfs_file *f, const struct zfd_host *host,
		      uint64_t size);
/* Blocks to keep free for commits and the manifest while writing data. */
blk64_t extfs_file_reserve(const struct extfs_file *f);
/* End (file offset) of the last block written. */
uint64_t extfs_file_mapped_end(const struct extfs_file *f);
/* True when enough is pending that a commit is due. */
bool extfs_file_commit_due(const struct extfs_file *f);
void extfs_file_free(struct extfs_file *f);

#endif /* ZFD_EXTFS_H */
