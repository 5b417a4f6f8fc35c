// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * extfs sink: the dump as a file dump.N on an unmounted ext2/ext3/ext4
 * filesystem, written with libext2fs (DESIGN §6 extfs).
 *
 * A pass: e2fsck -p (fsck = auto) -> open read-write -> mark the
 * filesystem "not clean" -> make room if needed -> dump.N.dmesg (the
 * crashed kernel's log, when the host has one) -> create and link
 * dump.N.incomplete -> the prologue as known at open -> data at its stored
 * offsets (committed every 256 MiB and every 5 s, see extfs_map.c) ->
 * trailer -> the final prologue -> dump.N.info -> flush -> rename to
 * dump.N -> rotation (keep) -> mark clean, close.
 *
 * The sink stores bytes only (sink ABI 2): the host's format (s390, elf)
 * decides what they are. Zero pages, ZFD_BLK_HOLE blocks and the stored
 * ranges a packed format skips stay holes in the file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <et/com_err.h>

#include "cfg.h"
#include "device.h"
#include "extfs.h"
#include "manifest.h"
#include "seal_sink.h"
#include "util.h"

enum { FSCK_AUTO, FSCK_NO };
enum { FULL_DELETE_OLDEST, FULL_ASK, FULL_FAIL };

static const char *const fsck_names[] = { "auto", "no", NULL };
static const char *const on_full_names[] = { "delete-oldest", "ask", "fail",
					     NULL };
static const char *const keys[] = { "type",   "device",	     "dir",
				    "fsck",   ZFD_HOST_KEYS, "sparse",
				    "keep",   "on_full",     "ask_timeout",
				    "e2fsck", "encrypt",     NULL };

#define DUMP_NAME_MAX 64
/* The highest dump number: 19 digits, so that N + 1 never wraps. */
#define DUMP_NUM_MAX  9999999999999999999ULL

/* One dump number found in the directory, with the inodes of its names. */
struct dump_entry {
	uint64_t num;
	ext2_ino_t dump, incomplete, info, dmesg;
	bool foreign; /* a name that is not a regular file: not ours */
	bool pinned;  /* immutable or append-only: never removed */
};

struct dump_list {
	struct dump_entry *e;
	size_t nr, cap;
};

struct extfs {
	const struct zfd_host *host;
	bool et_added; /* libext2fs's error table added */
	/* config */
	const char *device;
	char dir[PATH_MAX];
	int fsck;
	bool sparse;
	uint64_t keep;
	int on_full;
	unsigned int ask_timeout;
	const char *e2fsck;
	/* one pass */
	char dev[PATH_MAX];
	ext2_filsys fs;
	int fd;
	int lock_fd; /* flock()ed for the pass (device.h) */
	ext2_ino_t dir_ino;
	struct dump_list dumps;
	ext2_filsys scan_fs;
	uint64_t num;
	char name[DUMP_NAME_MAX], tmpname[DUMP_NAME_MAX],
		infoname[DUMP_NAME_MAX], dmesgname[DUMP_NAME_MAX];
	struct extfs_file file;
	bool have_file;
	uint64_t stored_done; /* stored offset where write() ended */
	uint64_t mem_end;     /* memory offset where write() ended */
	uint64_t commit_at;   /* stored_done at the last commit */
	size_t prologue_len;
	struct zfd_range *extents; /* copy of info->extents */
	size_t nr_extents, next_extent;
	struct timespec commit_time; /* CLOCK_MONOTONIC of the last commit */
	uint8_t *tail;		     /* partial last fs block */
	size_t tail_len;
	struct extfs_run *runs;
	size_t max_runs;
	bool no_removal;	   /* operator said no, or on_full = fail */
	bool pinned_noted;	   /* immutable dumps were reported */
	bool state_cleared;	   /* we marked the filesystem not clean */
	uint8_t *prologue;	   /* as stored at open */
	struct zfd_seal_cfg seal;  /* encrypt = { recipient } */
	struct zfd_sealer *sealer; /* sealed pass: the envelope writer */
	uint64_t sealed_stored;	   /* envelope bytes stored so far */
};

/* ---- configuration ---- */

static int extfs_configure(const struct zfd_host *host,
			   const config_setting_t *cfg, void **ctx)
{
	struct extfs *x;
	const char *dir;
	uint64_t timeout;
	int rc;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	/*
	 * libext2fs's messages, not "Unknown code ext2 19". Added per
	 * instance and removed in close(): the list entry is freed before
	 * the plugin (and with it libcom_err) may be unloaded.
	 */
	x->et_added = add_error_table(&et_ext2_error_table) == 0;
	x->host = host;
	x->fd = -1;
	x->lock_fd = -1;
	rc = zfd_cfg_check_keys(host, cfg, keys);
	if (!rc)
		rc = zfd_cfg_string(host, cfg, "device", NULL, &x->device);
	if (!rc)
		rc = zfd_cfg_string(host, cfg, "dir", "/", &dir);
	if (!rc)
		rc = zfd_cfg_enum(host, cfg, "fsck", fsck_names, FSCK_AUTO,
				  &x->fsck);
	if (!rc)
		rc = zfd_cfg_bool(host, cfg, "sparse", true, &x->sparse);
	if (!rc)
		rc = zfd_cfg_uint(host, cfg, "keep", 0, 1000000, &x->keep);
	if (!rc)
		rc = zfd_cfg_enum(host, cfg, "on_full", on_full_names,
				  FULL_DELETE_OLDEST, &x->on_full);
	if (!rc)
		rc = zfd_cfg_uint(host, cfg, "ask_timeout", 120, 86400,
				  &timeout);
	if (!rc)
		rc = zfd_cfg_string(host, cfg, "e2fsck", NULL, &x->e2fsck);
	if (!rc)
		rc = zfd_seal_cfg_parse(host, cfg, &x->seal);
	if (rc)
		goto out_free;
	/* "format" belongs to the host, which checks its value */

	if (!x->device || !*x->device) {
		zfd_cfg_error(host, cfg, "sink type 'extfs' needs a 'device'");
		rc = -EINVAL;
		goto out_free;
	}
	x->ask_timeout = (unsigned int)timeout;
	if (strstr(dir, "..") || strlen(dir) + 2 > sizeof(x->dir)) {
		zfd_cfg_error(host, config_setting_get_member(cfg, "dir"),
			      "'dir' must be a plain path without '..', not '%s'",
			      dir);
		rc = -EINVAL;
		goto out_free;
	}
	snprintf(x->dir, sizeof(x->dir), "%s%s", dir[0] == '/' ? "" : "/", dir);
	while (strlen(x->dir) > 1 && x->dir[strlen(x->dir) - 1] == '/')
		x->dir[strlen(x->dir) - 1] = 0;
	*ctx = x;
	return 0;

out_free:
	if (x->et_added)
		remove_error_table(&et_ext2_error_table);
	zfd_seal_cfg_free(&x->seal);
	free(x);
	return rc;
}

/* ---- the dumps directory ---- */

/*
 * "dump.N", "dump.N.incomplete", "dump.N.info", "dump.N.dmesg" with N
 * decimal, no sign, no leading zeros: returns the kind (0, 1, 2, 3) or -1.
 */
static int parse_dump_name(const char *name, size_t len, uint64_t *num)
{
	char buf[DUMP_NAME_MAX], *end;
	const char *digits;
	size_t nd;

	if (len >= sizeof(buf) || len < 6 || strncmp(name, "dump.", 5) != 0)
		return -1;
	memcpy(buf, name, len);
	buf[len] = 0;
	digits = buf + 5;
	for (nd = 0; digits[nd] >= '0' && digits[nd] <= '9'; nd++)
		;
	if (nd == 0 || nd > 19 || (digits[0] == '0' && nd > 1))
		return -1;
	errno = 0;
	*num = strtoull(digits, &end, 10);
	if (errno)
		return -1;
	if (!*end)
		return 0;
	if (strcmp(end, ".incomplete") == 0)
		return 1;
	if (strcmp(end, ".info") == 0)
		return 2;
	if (strcmp(end, ".dmesg") == 0)
		return 3;
	return -1;
}

static struct dump_entry *dump_get(struct dump_list *l, uint64_t num)
{
	struct dump_entry *e;
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (l->e[i].num == num)
			return &l->e[i];
	if (l->nr == l->cap) {
		e = realloc(l->e, (l->cap ? 2 * l->cap : 16) * sizeof(*e));
		if (!e)
			return NULL;
		l->e = e;
		l->cap = l->cap ? 2 * l->cap : 16;
	}
	e = &l->e[l->nr++];
	memset(e, 0, sizeof(*e));
	e->num = num;
	return e;
}

static int scan_cb(ext2_ino_t dir, int entry, struct ext2_dir_entry *de,
		   int offset, int blocksize, char *buf, void *priv)
{
	struct extfs *x = priv;
	struct dump_list *l = &x->dumps;
	struct ext2_inode inode;
	struct dump_entry *e;
	uint64_t num;
	int kind;

	kind = parse_dump_name(de->name, ext2fs_dirent_name_len(de), &num);
	if (kind < 0 || !de->inode)
		return 0;
	e = dump_get(l, num);
	if (!e)
		return DIRENT_ABORT;
	/* Directories, links, devices named like dumps count, but are kept. */
	if (ext2fs_read_inode(x->scan_fs, de->inode, &inode) ||
	    !LINUX_S_ISREG(inode.i_mode)) {
		e->foreign = true;
		return 0;
	}
	if (inode.i_flags & (EXT2_IMMUTABLE_FL | EXT2_APPEND_FL))
		e->pinned = true;
	if (kind == 0)
		e->dump = de->inode;
	else if (kind == 1)
		e->incomplete = de->inode;
	else if (kind == 2)
		e->info = de->inode;
	else
		e->dmesg = de->inode;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct dump_entry *x = a, *y = b;

	return x->num < y->num ? -1 : x->num > y->num;
}

static int scan_dumps(struct extfs *x, ext2_filsys fs, ext2_ino_t dir)
{
	errcode_t err;

	x->dumps.nr = 0;
	x->scan_fs = fs;
	err = ext2fs_dir_iterate2(fs, dir, 0, NULL, scan_cb, x);
	if (err) {
		zfd_hlog(x->host, ZFD_LOG_ERR, "cannot read directory %s: %s",
			 x->dir, error_message(err));
		return extfs_errno(err);
	}
	if (x->dumps.nr)
		qsort(x->dumps.e, x->dumps.nr, sizeof(*x->dumps.e), cmp_entry);
	return 0;
}

/* Blocks held by the inode ino (0 if none). */
static blk64_t inode_blocks(ext2_filsys fs, ext2_ino_t ino)
{
	struct ext2_inode inode;

	if (!ino || ext2fs_read_inode(fs, ino, &inode))
		return 0;
	return ext2fs_get_stat_i_blocks(fs, &inode) / (fs->blocksize / 512);
}

static blk64_t dump_blocks(ext2_filsys fs, const struct dump_entry *e)
{
	return inode_blocks(fs, e->dump) + inode_blocks(fs, e->incomplete) +
	       inode_blocks(fs, e->info) + inode_blocks(fs, e->dmesg);
}

static const char *dump_label(const struct dump_entry *e, char *buf, size_t len)
{
	snprintf(buf, len, "dump.%" PRIu64 "%s", e->num,
		 e->dump       ? "" :
		 e->incomplete ? ".incomplete" :
		 e->info       ? ".info" :
				 ".dmesg");
	return buf;
}

/* Unlinks name and frees the inode when that was its last link. */
static int remove_name(struct extfs *x, const char *name, ext2_ino_t ino)
{
	ext2_filsys fs = x->fs;
	struct ext2_inode inode;
	errcode_t err;

	err = ext2fs_unlink(fs, x->dir_ino, name, ino, 0);
	if (!err)
		err = ext2fs_read_inode(fs, ino, &inode);
	if (err)
		goto out_err;
	if (inode.i_links_count > 1) {
		inode.i_links_count--;
		err = ext2fs_write_inode(fs, ino, &inode);
		goto out;
	}
	inode.i_links_count = 0;
	inode.i_dtime = (uint32_t)time(NULL);
	if (ext2fs_inode_has_valid_blocks2(fs, &inode))
		err = ext2fs_punch(fs, ino, &inode, NULL, 0, ~0ULL);
	if (!err)
		err = ext2fs_write_inode(fs, ino, &inode);
	if (!err)
		ext2fs_inode_alloc_stats2(fs, ino, -1, 0);
out:
	if (!err)
		return 0;
out_err:
	zfd_hlog(x->host, ZFD_LOG_ERR, "cannot remove %s: %s", name,
		 error_message(err));
	return extfs_errno(err);
}

/* Deletes all names of dump e, then makes that durable. */
static int delete_dump(struct extfs *x, size_t idx, const char *why)
{
	struct dump_entry e = x->dumps.e[idx];
	blk64_t blocks = dump_blocks(x->fs, &e);
	char name[DUMP_NAME_MAX], label[DUMP_NAME_MAX];
	errcode_t err;
	int rc = 0;

	dump_label(&e, label, sizeof(label));
	snprintf(name, sizeof(name), "dump.%" PRIu64, e.num);
	if (e.dump)
		rc = remove_name(x, name, e.dump);
	snprintf(name, sizeof(name), "dump.%" PRIu64 ".incomplete", e.num);
	if (!rc && e.incomplete)
		rc = remove_name(x, name, e.incomplete);
	snprintf(name, sizeof(name), "dump.%" PRIu64 ".info", e.num);
	if (!rc && e.info)
		rc = remove_name(x, name, e.info);
	snprintf(name, sizeof(name), "dump.%" PRIu64 ".dmesg", e.num);
	if (!rc && e.dmesg)
		rc = remove_name(x, name, e.dmesg);
	if (rc)
		return rc;
	memmove(&x->dumps.e[idx], &x->dumps.e[idx + 1],
		(x->dumps.nr - idx - 1) * sizeof(e));
	x->dumps.nr--;
	/* The freed blocks may be reused at once: the removal must be on disk. */
	err = ext2fs_flush(x->fs);
	if (err) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "cannot write filesystem metadata: %s",
			 error_message(err));
		return extfs_errno(err);
	}
	zfd_hlog(x->host, ZFD_LOG_INFO, "removed %s (%" PRIu64 " MiB) %s",
		 label, (uint64_t)blocks * x->fs->blocksize >> 20, why);
	return 0;
}

/* Index of the oldest dump other than the one being written, or -1. */
static ssize_t oldest_dump(const struct extfs *x)
{
	size_t i;

	for (i = 0; i < x->dumps.nr; i++)
		if ((!x->have_file || x->dumps.e[i].num != x->num) &&
		    !x->dumps.e[i].foreign && !x->dumps.e[i].pinned)
			return (ssize_t)i;
	return -1;
}

/* Says once per pass which dumps are immutable, hence kept. */
static void note_pinned(struct extfs *x, const char *why)
{
	char label[DUMP_NAME_MAX];
	size_t i;

	if (x->pinned_noted)
		return;
	x->pinned_noted = true;
	for (i = 0; i < x->dumps.nr; i++)
		if (x->dumps.e[i].pinned && !x->dumps.e[i].foreign)
			zfd_hlog(x->host, ZFD_LOG_INFO,
				 "keeping %s: it is immutable or append-only (%s)",
				 dump_label(&x->dumps.e[i], label,
					    sizeof(label)),
				 why);
}

/*
 * The next dump number: highest + 1. Returns -ERANGE (logged) when the
 * highest is DUMP_NUM_MAX: its successor would not be a dump name.
 */
static int next_dump_num(struct extfs *x, uint64_t *num)
{
	uint64_t hi;

	*num = 0;
	if (!x->dumps.nr)
		return 0;
	hi = x->dumps.e[x->dumps.nr - 1].num;
	if (hi >= DUMP_NUM_MAX) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "%s: no dump number left after dump.%" PRIu64
			 " in %s; rename or remove it",
			 x->dev, hi, x->dir);
		return -ERANGE;
	}
	*num = hi + 1;
	return 0;
}

/*
 * Frees one old dump according to on_full. Returns 0 when one was removed
 * (the caller checks again), -ENOSPC otherwise (logged).
 */
static int make_room_once(struct extfs *x, uint64_t need_mib)
{
	char label[DUMP_NAME_MAX], q[128];
	ssize_t i = oldest_dump(x);
	int answer;

	if (x->no_removal)
		return -ENOSPC;
	if (x->on_full == FULL_FAIL) {
		x->no_removal = true;
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "%s: not enough space%s (on_full = fail)", x->dev,
			 x->have_file ? " to continue the dump" :
					" for the dump");
		return -ENOSPC;
	}
	if (i < 0) {
		note_pinned(x, "not removed to make room");
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "%s: not enough space (%" PRIu64
			 " MiB more needed) and no old dump left to remove",
			 x->dev, need_mib);
		return -ENOSPC;
	}
	dump_label(&x->dumps.e[i], label, sizeof(label));
	if (x->on_full == FULL_ASK) {
		snprintf(q, sizeof(q), "Remove oldest dump '%s' (y/n)?", label);
		answer = x->host->ask(x->host, q, x->ask_timeout);
		if (answer == 0) {
			/* No means no, also for the rest of this pass. */
			x->no_removal = true;
			zfd_hlog(x->host, ZFD_LOG_ERR,
				 "not enough space: removing '%s' declined",
				 label);
			return -ENOSPC;
		}
		if (answer < 0)
			zfd_hlog(x->host, ZFD_LOG_WARN,
				 "no answer within %u seconds: removing '%s'",
				 x->ask_timeout, label);
	}
	return delete_dump(x, (size_t)i, "to make room") ? -ENOSPC : 0;
}

static int make_room(struct extfs *x, blk64_t need)
{
	blk64_t freeb;
	int rc;

	for (;;) {
		freeb = ext2fs_free_blocks_count(x->fs->super);
		if (freeb >= need)
			return 0;
		rc = make_room_once(x, ((need - freeb) * x->fs->blocksize +
					(1 << 20) - 1) >>
					       20);
		if (rc)
			return rc;
	}
}

static int nospc_mid_dump(void *arg)
{
	struct extfs *x = arg;

	zfd_hlog(x->host, ZFD_LOG_WARN,
		 "%s full after %" PRIu64 " MiB of the dump", x->dev,
		 x->mem_end >> 20);
	return make_room_once(x, 1);
}

/*
 * Stored bytes the dump file will hold at most: every byte of the dump
 * (info->size) without holes; with sparse, the prologue, the stored data
 * that exists (info->extents) and the trailer.
 */
static uint64_t bytes_needed(const struct extfs *x,
			     const struct zfd_dump_info *info)
{
	uint64_t bytes = info->size;
	size_t i;

	if (!x->sparse || !info->extents || !info->nr_extents)
		return bytes;
	/* checked: sizes near 2^64 must not wrap into a small need */
	if (__builtin_add_overflow((uint64_t)info->prologue_len,
				   (uint64_t)info->trailer_len, &bytes))
		return UINT64_MAX;
	for (i = 0; i < info->nr_extents; i++)
		if (__builtin_add_overflow(bytes, info->extents[i].size,
					   &bytes))
			return UINT64_MAX;
	return ZFD_MIN(bytes, info->size);
}

/*
 * dump.N.dmesg is written when the host has the kernel log, in plain
 * text: never beside a sealed dump (the log is the crashed memory's).
 */
static bool stores_dmesg(const struct extfs *x,
			 const struct zfd_dump_info *info)
{
	return info->dmesg && info->dmesg_len && !x->seal.on;
}

/* Blocks a small file of len bytes takes: data and its mapping. */
static blk64_t small_file_blocks(ext2_filsys fs, size_t len)
{
	blk64_t data = len / fs->blocksize + (len % fs->blocksize != 0);

	return data ? data + data / (fs->blocksize / 4) + 2 : 0;
}

/* Blocks the dump will need at most (data, mapping, manifest, log). */
static blk64_t blocks_needed(const struct extfs *x, ext2_filsys fs,
			     const struct zfd_dump_info *info)
{
	uint64_t bytes = bytes_needed(x, info);
	blk64_t log = stores_dmesg(x, info) ?
			      small_file_blocks(fs, info->dmesg_len) :
			      0;

	if (x->seal.on)
		bytes = bytes > (UINT64_MAX >> 1) ? UINT64_MAX :
						    zfd_sealer_need(bytes);
	blk64_t data = bytes / fs->blocksize + (bytes % fs->blocksize != 0);

	return data + data / (fs->blocksize / 4) + 16 + log;
}

/* Looks up x->dir; with create, makes missing components. */
static int find_dir(struct extfs *x, ext2_filsys fs, bool create,
		    ext2_ino_t *ino)
{
	char path[PATH_MAX], *p, *slash;
	ext2_ino_t cur = EXT2_ROOT_INO, next;
	errcode_t err;

	snprintf(path, sizeof(path), "%s", x->dir);
	for (p = path + 1; *p; p = slash ? slash + 1 : p + strlen(p)) {
		slash = strchr(p, '/');
		if (slash)
			*slash = 0;
		if (!*p)
			continue;
		err = ext2fs_lookup(fs, cur, p, strlen(p), NULL, &next);
		if (err == EXT2_ET_FILE_NOT_FOUND && create) {
			err = ext2fs_mkdir(fs, cur, 0, p);
			if (err == EXT2_ET_DIR_NO_SPACE) {
				err = ext2fs_expand_dir(fs, cur);
				if (!err)
					err = ext2fs_mkdir(fs, cur, 0, p);
			}
			if (!err)
				err = ext2fs_lookup(fs, cur, p, strlen(p), NULL,
						    &next);
			if (!err)
				zfd_hlog(x->host, ZFD_LOG_INFO,
					 "created directory %s", x->dir);
		}
		if (err == EXT2_ET_FILE_NOT_FOUND)
			return -ENOENT;
		if (err) {
			zfd_hlog(x->host, ZFD_LOG_ERR, "directory %s: %s",
				 x->dir, error_message(err));
			return extfs_errno(err);
		}
		if (ext2fs_check_directory(fs, next)) {
			zfd_hlog(x->host, ZFD_LOG_ERR,
				 "%s: '%s' is not a directory", x->dev, x->dir);
			return -ENOTDIR;
		}
		cur = next;
		if (slash)
			*slash = '/';
	}
	*ino = cur;
	return 0;
}

static int check_fs_usable(struct extfs *x, ext2_filsys fs)
{
	if (fs->blocksize > ZFD_PAGE_SIZE) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "%s: block size %u is not supported (at most 4096)",
			 x->dev, fs->blocksize);
		return -EINVAL;
	}
	if (ext2fs_has_feature_bigalloc(fs->super)) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "%s: bigalloc filesystems are not supported", x->dev);
		return -EINVAL;
	}
	return 0;
}

static int open_fs(struct extfs *x, int flags, ext2_filsys *fs)
{
	errcode_t err;

	err = ext2fs_open(x->dev, flags | EXT2_FLAG_64BITS, 0, 0,
			  extfs_io_manager(), fs);
	if (err) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "%s: not an ext2/ext3/ext4 filesystem we can use: %s",
			 x->dev, error_message(err));
		return extfs_errno(err) == -ENOSPC ? -EIO : extfs_errno(err);
	}
	return 0;
}

static const char *fs_type(ext2_filsys fs)
{
	if (ext2fs_has_feature_extents(fs->super) ||
	    ext2fs_has_feature_64bit(fs->super) ||
	    ext2fs_has_feature_flex_bg(fs->super))
		return "ext4";
	if (ext2fs_has_feature_journal(fs->super))
		return "ext3";
	return "ext2";
}

/* ---- prepare ---- */

static int extfs_prepare(void *ctx, const struct zfd_dump_info *info,
			 uint64_t *capacity)
{
	struct extfs *x = ctx;
	blk64_t need, freeb, old = 0, cap;
	ext2_filsys fs;
	ext2_ino_t dir;
	uint64_t next = 0;
	size_t i;
	int rc;

	*capacity = UINT64_MAX;
	rc = extfs_resolve_device(x->host, x->device, x->dev, sizeof(x->dev));
	if (!rc)
		rc = extfs_check_unmounted(x->host, x->dev);
	if (rc)
		return rc;
	rc = open_fs(x, 0, &fs);
	if (rc) {
		if (x->fsck != FSCK_AUTO)
			return rc;
		zfd_hlog(x->host, ZFD_LOG_WARN,
			 "%s: e2fsck will try to repair it before the dump",
			 x->dev);
		return 0;
	}
	x->fs = fs;
	rc = check_fs_usable(x, fs);
	if (rc)
		goto out_close;
	rc = find_dir(x, fs, false, &dir);
	x->dumps.nr = 0;
	if (rc == -ENOENT) {
		zfd_hlog(x->host, ZFD_LOG_INFO,
			 "%s: directory %s will be created", x->dev, x->dir);
		rc = 0;
	} else if (rc) {
		goto out_close;
	} else {
		rc = scan_dumps(x, fs, dir);
		if (rc)
			goto out_close;
	}
	for (i = 0; i < x->dumps.nr; i++)
		if (!x->dumps.e[i].foreign && !x->dumps.e[i].pinned)
			old += dump_blocks(fs, &x->dumps.e[i]);
	rc = next_dump_num(x, &next);
	if (rc)
		goto out_close;
	need = blocks_needed(x, fs, info);
	freeb = ext2fs_free_blocks_count(fs->super);
	cap = freeb + (x->on_full == FULL_FAIL ? 0 : old);
	zfd_hlog(x->host, ZFD_LOG_INFO,
		 "%s: %s, %" PRIu64 " MiB free, %zu old dump(s) with %" PRIu64
		 " MiB; next is %s/dump.%" PRIu64,
		 x->dev, fs_type(fs), (uint64_t)freeb * fs->blocksize >> 20,
		 x->dumps.nr, (uint64_t)old * fs->blocksize >> 20,
		 strcmp(x->dir, "/") ? x->dir : "", next);
	x->pinned_noted = false;
	if (cap < need) {
		uint64_t room = (uint64_t)cap * fs->blocksize;
		/* the mapping, the manifest and some slack (as in ABI 1),
		 * the kernel log */
		uint64_t over = ZFD_HDR_SIZE + ZFD_END_MARKER_SIZE +
				(uint64_t)cap / (fs->blocksize / 4) *
					fs->blocksize +
				16 * fs->blocksize;

		if (stores_dmesg(x, info))
			over += (uint64_t)small_file_blocks(fs,
							    info->dmesg_len) *
				fs->blocksize;

		if (x->sparse) {
			zfd_hlog(x->host, ZFD_LOG_INFO,
				 "%s: the dump needs up to %" PRIu64
				 " MiB; it fits only if enough pages are zero (sparse)",
				 x->dev, (uint64_t)need * fs->blocksize >> 20);
		} else {
			note_pinned(x, "not removed to make room");
			*capacity = room > over ?
					    ZFD_ALIGN_DOWN(room - over,
							   ZFD_PAGE_SIZE) +
						    ZFD_HDR_SIZE +
						    ZFD_END_MARKER_SIZE :
					    0;
			zfd_hlog(x->host, ZFD_LOG_ERR,
				 "%s: the dump needs %" PRIu64
				 " MiB, only %" PRIu64 " MiB free%s",
				 x->dev, (uint64_t)need * fs->blocksize >> 20,
				 (uint64_t)cap * fs->blocksize >> 20,
				 x->on_full == FULL_FAIL ?
					 " (on_full = fail)" :
					 " counting old dumps");
			rc = -ENOSPC;
		}
	}

out_close:
	ext2fs_close_free(&x->fs);
	return rc;
}

/* ---- one dump pass ---- */

static int link_name(struct extfs *x, const char *name, ext2_ino_t ino)
{
	errcode_t err;

	err = ext2fs_link(x->fs, x->dir_ino, name, ino, EXT2_FT_REG_FILE);
	if (err == EXT2_ET_DIR_NO_SPACE) {
		err = ext2fs_expand_dir(x->fs, x->dir_ino);
		if (!err)
			err = ext2fs_link(x->fs, x->dir_ino, name, ino,
					  EXT2_FT_REG_FILE);
	}
	if (err) {
		zfd_hlog(x->host, ZFD_LOG_ERR, "cannot create %s in %s: %s",
			 name, x->dir, error_message(err));
		return extfs_errno(err);
	}
	return 0;
}

static int flush_fs(struct extfs *x)
{
	errcode_t err = ext2fs_flush(x->fs);

	if (err) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "%s: cannot write filesystem metadata: %s", x->dev,
			 error_message(err));
		return extfs_errno(err);
	}
	return 0;
}

/*
 * Ends the pass: with clean, the filesystem is marked clean again and
 * closed normally; otherwise it is left "not clean" for e2fsck. Returns
 * the first error of closing (logged): metadata or data that may not be
 * on the device.
 */
static int end_pass(struct extfs *x, bool clean)
{
	errcode_t err;
	int rc = 0;

	if (x->have_file)
		extfs_file_free(&x->file);
	x->have_file = false;
	if (x->fs) {
		if (clean) {
			if (x->state_cleared) {
				x->fs->super->s_state |= EXT2_VALID_FS;
				ext2fs_mark_super_dirty(x->fs);
			}
			err = ext2fs_close_free(&x->fs);
			if (err) {
				zfd_hlog(x->host, ZFD_LOG_ERR,
					 "%s: cannot write the filesystem metadata at close: %s",
					 x->dev, error_message(err));
				rc = extfs_errno(err);
			}
		} else {
			ext2fs_free(x->fs);
			x->fs = NULL;
		}
	}
	if (x->fd >= 0) {
		if (extfs_io_fsync(x->fd) < 0 && clean && !rc) {
			rc = -errno;
			zfd_hlog(x->host, ZFD_LOG_ERR,
				 "%s: cannot sync the dump data: %s", x->dev,
				 strerror(errno));
		}
		if (extfs_io_close(x->fd) < 0 && clean && !rc) {
			rc = -errno;
			zfd_hlog(x->host, ZFD_LOG_ERR, "%s: cannot close: %s",
				 x->dev, strerror(errno));
		}
	}
	x->fd = -1;
	zfd_dev_unlock(&x->lock_fd);
	free(x->tail);
	x->tail = NULL;
	free(x->runs);
	x->runs = NULL;
	free(x->extents);
	x->extents = NULL;
	x->nr_extents = 0;
	free(x->prologue);
	x->prologue = NULL;
	zfd_sealer_free(x->sealer);
	x->sealer = NULL;
	return rc;
}

static int open_checks(struct extfs *x, bool fsck_ran)
{
	struct ext2_super_block *sb = x->fs->super;

	if (ext2fs_has_feature_journal_needs_recovery(sb)) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "%s: the journal needs recovery; %s", x->dev,
			 fsck_ran ? "e2fsck did not recover it" :
				    "run e2fsck or set fsck = \"auto\"");
		return -EIO;
	}
	if (!(sb->s_state & EXT2_VALID_FS) || (sb->s_state & EXT2_ERROR_FS)) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "%s: filesystem is not clean; %s", x->dev,
			 fsck_ran ? "e2fsck did not fix it" :
				    "run e2fsck or set fsck = \"auto\"");
		return -EIO;
	}
	return 0;
}

/*
 * The bitmaps against what the inodes own (extfs_check.c). Returns 0 when
 * allocating is safe, -EAGAIN when it is not and e2fsck -f may repair it
 * (may_fsck), else -EIO or another -errno (logged, one line).
 */
static int check_owners(struct extfs *x, bool may_fsck, bool forced)
{
	struct extfs_check c;
	struct timespec t0, t1;
	char words[512];
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = extfs_check_owners(x->host, x->fs, x->dev, &c);
	if (rc)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	zfd_hlog(x->host, ZFD_LOG_DEBUG,
		 "%s: bitmaps checked against %" PRIu64 " inodes with %" PRIu64
		 " blocks in %.3f s",
		 x->dev, c.inodes, c.file_blocks,
		 (double)(t1.tv_sec - t0.tv_sec) +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (!extfs_check_unsafe(&c) && !c.leaked_blocks && !c.leaked_inodes)
		return 0;
	extfs_check_words(&c, words, sizeof(words));
	if (may_fsck) {
		zfd_hlog(x->host, ZFD_LOG_WARN,
			 "%s: filesystem is inconsistent although marked clean: %s; running e2fsck -f",
			 x->dev, words);
		return -EAGAIN;
	}
	if (!extfs_check_unsafe(&c)) {
		zfd_hlog(x->host, ZFD_LOG_WARN,
			 "%s: filesystem is inconsistent: %s; no risk for the dumps (run e2fsck -f)",
			 x->dev, words);
		return 0;
	}
	zfd_hlog(x->host, ZFD_LOG_ERR,
		 "%s: filesystem is inconsistent: %s; not writing to it (%s)",
		 x->dev, words,
		 forced		      ? "e2fsck -f did not fix it" :
		 x->fsck == FSCK_AUTO ? "no e2fsck to repair it" :
					"run e2fsck -f or set fsck = \"auto\"");
	return -EIO;
}

static int write_runs(struct extfs *x, const struct extfs_run *runs, size_t nr)
{
	if (!nr)
		return 0;
	return extfs_file_write_runs(&x->file, x->host, runs, nr);
}

/* Sealed pass: whole pages of the envelope from the sealer. */
static int sealed_store(void *arg, uint64_t off, const void *data, size_t len)
{
	struct extfs *x = arg;
	struct extfs_run run = { off, data, len };
	int rc;

	rc = write_runs(x, &run, 1);
	if (rc)
		return rc;
	x->sealed_stored = off + len;
	/*
	 * This runs in the sealer's worker, the only thread that touches the
	 * file while the pass writes: the mapping-count commit is decided and
	 * done here, not by the sink's caller (that was a data race).
	 */
	if (extfs_file_commit_due(&x->file))
		rc = extfs_file_commit(&x->file, x->host, x->sealed_stored);
	return rc;
}

/*
 * Sealed (doc/sealing.md): the file holds the envelope of the s390 stream;
 * its header (state open) goes first and is rewritten at the end, the
 * names and the manifest follow the unsealed rules (.incomplete renamed).
 */
static int sealed_open(struct extfs *x, const struct zfd_dump_info *info)
{
	struct extfs_run run;
	int rc;

	x->sealed_stored = ZFD_SEAL_HDR_SIZE;
	rc = zfd_sealer_new(&x->seal, x->fs->blocksize, info, sealed_store, x,
			    &x->sealer);
	if (rc) {
		zfd_hlog(x->host, ZFD_LOG_ERR, "sealing failed: %s",
			 strerror(-rc));
		return rc;
	}
	run = (struct extfs_run){ 0, zfd_sealer_hdr(x->sealer),
				  ZFD_SEAL_HDR_SIZE };
	rc = write_runs(x, &run, 1);
	if (!rc)
		rc = zfd_sealer_write(x->sealer, x->prologue, x->prologue_len);
	if (!rc)
		rc = extfs_file_commit(&x->file, x->host, ZFD_SEAL_HDR_SIZE);
	if (rc)
		return rc;
	zfd_hlog(x->host, ZFD_LOG_INFO, "sealed to key %s (%s)", x->seal.fp,
		 x->seal.recipient);
	return 0;
}

static int sealed_write(struct extfs *x, const struct zfd_block *blk)
{
	int rc;

	static const uint8_t zeros[ZFD_PAGE_SIZE];
	size_t n;

	/* the plain stream has no gaps: a packed format's skipped bytes
	 * (up to the next extent) are sealed as zeros */
	if (blk->offset < x->stored_done) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "internal error: write at %" PRIu64
			 ", expected %" PRIu64,
			 blk->offset, x->stored_done);
		return -EINVAL;
	}
	while (x->stored_done < blk->offset) {
		n = (size_t)ZFD_MIN((uint64_t)sizeof(zeros),
				    blk->offset - x->stored_done);
		rc = zfd_sealer_write(x->sealer, zeros, n);
		if (rc)
			return rc;
		x->stored_done += n;
	}
	rc = zfd_sealer_write(x->sealer, blk->data, blk->len);
	if (rc)
		return rc;
	x->stored_done += blk->len;
	x->mem_end = blk->mem_offset + blk->len;
	if (x->stored_done - x->commit_at >= EXTFS_COMMIT_BYTES) {
		x->commit_at = x->stored_done;
		/* the sealer's worker must not write while we commit */
		rc = zfd_sealer_sync(x->sealer);
		return rc ? rc :
			    extfs_file_commit(&x->file, x->host,
					      x->sealed_stored);
	}
	return 0;
}

/* The rest of the envelope, its real header, committed. */
static int sealed_end(struct extfs *x, bool complete, const uint8_t *trailer,
		      size_t trailer_len, uint64_t *size)
{
	int rc = 0;

	if (complete && trailer && trailer_len)
		rc = zfd_sealer_write(x->sealer, trailer, trailer_len);
	if (!rc)
		rc = zfd_sealer_end(x->sealer, complete);
	if (!rc)
		rc = extfs_file_rewrite(&x->file, x->host, 0,
					zfd_sealer_hdr(x->sealer),
					ZFD_SEAL_HDR_SIZE);
	*size = zfd_sealer_size(x->sealer);
	if (!rc)
		rc = extfs_file_commit(&x->file, x->host, *size);
	return rc;
}

/* Frees a new inode that will not be linked, with its blocks. */
static void drop_inode(struct extfs *x, ext2_ino_t ino)
{
	struct ext2_inode inode;

	if (ext2fs_read_inode(x->fs, ino, &inode))
		return;
	if (ext2fs_inode_has_valid_blocks2(x->fs, &inode))
		ext2fs_punch(x->fs, ino, &inode, NULL, 0, ~0ULL);
	inode.i_links_count = 0;
	inode.i_dtime = (uint32_t)time(NULL);
	ext2fs_write_inode(x->fs, ino, &inode);
	ext2fs_inode_alloc_stats2(x->fs, ino, -1, 0);
}

/*
 * A small file (manifest, kernel log) through libext2fs, linked as name
 * in the dumps directory: regular, mode 0640, owned by root, like the
 * dump. Not yet flushed. Returns 0 or -errno (logged at level); on an
 * error the inode and its blocks are freed again.
 */
static int write_small_file(struct extfs *x, const char *name, const void *text,
			    size_t len, int level)
{
	struct ext2_inode inode;
	ext2_file_t file;
	ext2_ino_t ino;
	unsigned int written;
	errcode_t err;
	int rc;

	if (len > UINT_MAX) {
		zfd_hlog(x->host, level, "cannot write %s: too long", name);
		return -EFBIG;
	}
	err = ext2fs_new_inode(x->fs, x->dir_ino, LINUX_S_IFREG | 0640, NULL,
			       &ino);
	if (err)
		goto out_err;
	ext2fs_inode_alloc_stats2(x->fs, ino, +1, 0);
	memset(&inode, 0, sizeof(inode));
	inode.i_mode = LINUX_S_IFREG | 0640;
	inode.i_links_count = 1;
	inode.i_atime = inode.i_ctime = inode.i_mtime = (uint32_t)time(NULL);
	if (ext2fs_has_feature_extents(x->fs->super)) {
		ext2_extent_handle_t h;

		err = ext2fs_extent_open2(x->fs, ino, &inode, &h);
		if (err)
			goto out_drop;
		ext2fs_extent_free(h);
	}
	err = ext2fs_write_new_inode(x->fs, ino, &inode);
	if (!err)
		err = ext2fs_file_open2(x->fs, ino, &inode, EXT2_FILE_WRITE,
					&file);
	if (err)
		goto out_drop;
	err = ext2fs_file_write(file, text, (unsigned int)len, &written);
	if (!err && written != (unsigned int)len)
		err = EXT2_ET_SHORT_WRITE;
	if (err) {
		ext2fs_file_close(file);
		goto out_drop;
	}
	err = ext2fs_file_close(file);
	if (err)
		goto out_drop;
	rc = link_name(x, name, ino);
	if (rc)
		drop_inode(x, ino);
	return rc;

out_drop:
	drop_inode(x, ino);
out_err:
	zfd_hlog(x->host, level, "cannot write %s: %s", name,
		 error_message(err));
	return extfs_errno(err);
}

/*
 * dump.N.dmesg, before the dump file: the panic message survives a dump
 * that fails later. A log that cannot be stored costs one warning, never
 * the dump.
 */
static void write_dmesg(struct extfs *x, const struct zfd_dump_info *info)
{
	blk64_t need;
	int rc;

	if (!info->dmesg || !info->dmesg_len)
		return;
	if (x->seal.on) {
		zfd_hlog(x->host, ZFD_LOG_INFO,
			 "no %s beside a sealed dump: the kernel log is part "
			 "of the sealed memory",
			 x->dmesgname);
		return;
	}
	need = small_file_blocks(x->fs, info->dmesg_len);
	rc = ext2fs_free_blocks_count(x->fs->super) < need ?
		     make_room(x, need) :
		     0;
	if (!rc)
		rc = write_small_file(x, x->dmesgname, info->dmesg,
				      info->dmesg_len, ZFD_LOG_WARN);
	if (!rc)
		rc = flush_fs(x);
	if (rc) {
		zfd_hlog(x->host, ZFD_LOG_WARN,
			 "%s not written (%s); the dump goes on without it",
			 x->dmesgname, strerror(-rc));
		return;
	}
	zfd_hlog(x->host, ZFD_LOG_INFO, "kernel log written to %s:%s%s%s",
		 x->dev, strcmp(x->dir, "/") ? x->dir : "", "/", x->dmesgname);
}

static int extfs_open(void *ctx, const struct zfd_dump_info *info)
{
	struct extfs *x = ctx;
	struct extfs_run run;
	bool fsck_ran = false, forced = false;
	errcode_t err;
	int rc;

	if (!info->prologue_len || info->prologue_len % ZFD_PAGE_SIZE ||
	    info->trailer_off < info->prologue_len ||
	    info->size < info->trailer_off ||
	    info->size - info->trailer_off < info->trailer_len) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "internal error: dump layout prologue %zu, trailer %" PRIu64
			 "+%zu, size %" PRIu64,
			 info->prologue_len, info->trailer_off,
			 info->trailer_len, info->size);
		return -EINVAL;
	}
	x->stored_done = info->prologue_len;
	x->mem_end = 0;
	x->commit_at = info->prologue_len;
	x->prologue_len = info->prologue_len;
	x->nr_extents = 0;
	x->next_extent = 0;
	clock_gettime(CLOCK_MONOTONIC, &x->commit_time);
	x->tail_len = 0;
	x->no_removal = false;
	x->pinned_noted = false;
	x->state_cleared = false;
	rc = extfs_resolve_device(x->host, x->device, x->dev, sizeof(x->dev));
	if (!rc)
		rc = extfs_check_unmounted(x->host, x->dev);
	/* A second zfcpdump (an image file has no O_EXCL) waits its turn. */
	if (!rc)
		rc = zfd_dev_lock(x->host, x->dev, x->dev, &x->lock_fd);
	if (rc)
		return rc;
again:
	if (x->fsck == FSCK_AUTO) {
		rc = extfs_run_fsck(x->host, x->e2fsck, x->dev, forced);
		if (rc == -ENOENT)
			zfd_hlog(x->host, ZFD_LOG_WARN,
				 "e2fsck not found in /sbin, /usr/sbin or $PATH; not checking %s",
				 x->dev);
		else if (rc)
			goto out_end;
		else
			fsck_ran = true;
	}
	/* Exclusive: a block device cannot be mounted while we write. */
	rc = open_fs(x, EXT2_FLAG_RW | EXT2_FLAG_EXCLUSIVE, &x->fs);
	if (rc)
		goto out_end;
	/*
	 * libext2fs's write-back cache stays on: every extent insert would
	 * otherwise be a write of its leaf (66000 writes for 512 MiB of
	 * page-interleaved zero pages). It holds no dirty block between
	 * commits (each commit, removal and rename ends with a flush), so
	 * nothing stale can be written over dump data, and the dump data
	 * (written past it, on x->fd) is never read through it.
	 */
	err = ext2fs_read_bitmaps(x->fs);
	if (err) {
		zfd_hlog(x->host, ZFD_LOG_ERR, "%s: %s", x->dev,
			 error_message(err));
		rc = extfs_errno(err);
		goto out_end;
	}
	rc = check_fs_usable(x, x->fs);
	if (!rc)
		rc = open_checks(x, fsck_ran);
	if (!rc)
		rc = check_owners(x, fsck_ran && !forced, forced);
	if (rc == -EAGAIN) {
		/* nothing written yet */
		ext2fs_free(x->fs);
		x->fs = NULL;
		forced = true;
		goto again;
	}
	if (!rc)
		rc = find_dir(x, x->fs, true, &x->dir_ino);
	if (!rc)
		rc = scan_dumps(x, x->fs, x->dir_ino);
	if (rc)
		goto out_end;
	rc = next_dump_num(x, &x->num);
	if (rc)
		goto out_end;
	snprintf(x->name, sizeof(x->name), "dump.%" PRIu64, x->num);
	snprintf(x->tmpname, sizeof(x->tmpname), "dump.%" PRIu64 ".incomplete",
		 x->num);
	snprintf(x->infoname, sizeof(x->infoname), "dump.%" PRIu64 ".info",
		 x->num);
	snprintf(x->dmesgname, sizeof(x->dmesgname), "dump.%" PRIu64 ".dmesg",
		 x->num);

	/* Without holes the size is known: make room before writing. */
	if (!x->sparse) {
		rc = make_room(x, blocks_needed(x, x->fs, info));
		if (rc)
			goto out_end;
	}

	/*
	 * The prologue as known at open goes first (zeros if the host has
	 * none): a dump killed at once keeps it, as ABI 1 kept the header.
	 * The name dump.N.incomplete, not the prologue, says the dump is not
	 * complete; finish() stores the final prologue before the rename.
	 */
	x->prologue = calloc(1, info->prologue_len);
	if (x->prologue && info->prologue)
		memcpy(x->prologue, info->prologue, info->prologue_len);
	if (info->nr_extents) {
		x->extents = calloc(info->nr_extents, sizeof(*x->extents));
		if (x->extents) {
			memcpy(x->extents, info->extents,
			       info->nr_extents * sizeof(*x->extents));
			x->nr_extents = info->nr_extents;
		}
	}
	x->max_runs = 1024;
	x->runs = calloc(x->max_runs, sizeof(*x->runs));
	x->tail = calloc(1, 2 * x->fs->blocksize);
	x->fd = open(x->dev, O_RDWR | O_CLOEXEC);
	if (!x->runs || !x->tail || !x->prologue ||
	    (info->nr_extents && !x->extents)) {
		rc = -ENOMEM;
		goto out_end;
	}
	if (x->fd < 0) {
		rc = -errno;
		zfd_hlog(x->host, ZFD_LOG_ERR, "%s: %s", x->dev,
			 strerror(errno));
		goto out_end;
	}

	/* From here until the end, the filesystem is "not clean" on disk. */
	x->fs->super->s_state &= (uint16_t)~EXT2_VALID_FS;
	ext2fs_mark_super_dirty(x->fs);
	x->state_cleared = true;
	rc = flush_fs(x);
	if (rc)
		goto out_end;
	write_dmesg(x, info);
	rc = extfs_file_create(&x->file, x->fs, x->dir_ino, x->fd, x->host);
	if (rc)
		goto out_end;
	x->have_file = true;
	/* Room the end needs even on a full filesystem: manifest, mapping. */
	x->file.reserve = extfs_file_reserve(&x->file);
	x->file.nospc = nospc_mid_dump;
	x->file.nospc_arg = x;
	rc = link_name(x, x->tmpname, x->file.ino);
	if (!rc)
		rc = flush_fs(x);
	if (rc)
		goto out_end;
	zfd_hlog(x->host, ZFD_LOG_INFO, "writing %s:%s%s%s", x->dev,
		 strcmp(x->dir, "/") ? x->dir : "", "/", x->tmpname);

	if (x->seal.on) {
		rc = sealed_open(x, info);
		if (rc)
			goto out_end;
		return 0;
	}
	run.off = 0;
	run.data = x->prologue;
	run.len = x->prologue_len;
	rc = write_runs(x, &run, 1);
	/* Even a dump killed at once keeps its prologue. */
	if (!rc)
		rc = extfs_file_commit(&x->file, x->host, x->prologue_len);
	if (rc)
		goto out_end;
	return 0;

out_end:
	/*
	 * Until the filesystem is marked not clean, all changes (a created
	 * directory, removed dumps) are complete: close it normally. After
	 * that it stays not clean, for e2fsck.
	 */
	end_pass(x, !x->state_cleared);
	return rc;
}

/*
 * True when a block may start at off: where the last one ended, or, past
 * a gap a packed format does not store, exactly at the next extent.
 */
static bool write_at_ok(struct extfs *x, uint64_t off)
{
	if (x->tail_len || off < x->stored_done)
		return false;
	if (off == x->stored_done)
		return true;
	while (x->next_extent < x->nr_extents &&
	       x->extents[x->next_extent].start < off)
		x->next_extent++;
	return x->next_extent < x->nr_extents &&
	       x->extents[x->next_extent].start == off;
}

static int extfs_write(void *ctx, const struct zfd_block *blk)
{
	struct extfs *x = ctx;
	unsigned int bs = x->fs->blocksize;
	size_t nr = 0, full, i, plen;
	uint64_t foff = blk->offset;
	bool data = blk->kind == ZFD_BLK_DATA;
	struct timespec now;
	int rc;

	if (x->sealer)
		return sealed_write(x, blk);
	if (!write_at_ok(x, blk->offset)) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "internal error: write at %" PRIu64
			 ", expected %" PRIu64,
			 blk->offset, x->stored_done);
		return -EINVAL;
	}
	full = blk->len / bs * bs;
	if (!x->sparse) {
		if (full) {
			x->runs[0] = (struct extfs_run){ foff, blk->data,
							 full };
			nr = 1;
		}
	} else if (data) {
		for (i = 0; i < blk->nr_pages; i++) {
			uint64_t off = (uint64_t)i * ZFD_PAGE_SIZE;

			if (off >= full)
				break;
			if (zfd_block_page_zero(blk, i))
				continue;
			plen = ZFD_MIN(ZFD_PAGE_SIZE, full - off);
			if (nr && x->runs[nr - 1].off + x->runs[nr - 1].len ==
					  foff + off) {
				x->runs[nr - 1].len += plen;
				continue;
			}
			if (nr == x->max_runs) {
				rc = write_runs(x, x->runs, nr);
				if (rc)
					return rc;
				nr = 0;
			}
			x->runs[nr++] = (struct extfs_run){
				foff + off, (const char *)blk->data + off, plen
			};
		}
	}
	rc = write_runs(x, x->runs, nr);
	if (rc)
		return rc;
	if (full < blk->len) {
		/* Only the very last block may end inside an fs block. */
		x->tail_len = blk->len - full;
		memset(x->tail, 0, 2 * bs);
		memcpy(x->tail, (const char *)blk->data + full, x->tail_len);
	}
	x->stored_done = blk->offset + blk->len;
	x->mem_end = blk->mem_offset + blk->len;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (extfs_file_commit_due(&x->file) ||
	    x->stored_done - x->commit_at >= EXTFS_COMMIT_BYTES ||
	    now.tv_sec - x->commit_time.tv_sec > EXTFS_COMMIT_SECONDS ||
	    (now.tv_sec - x->commit_time.tv_sec == EXTFS_COMMIT_SECONDS &&
	     now.tv_nsec >= x->commit_time.tv_nsec)) {
		x->commit_at = x->stored_done;
		x->commit_time = now;
		return extfs_file_commit(&x->file, x->host,
					 x->stored_done - x->tail_len);
	}
	return 0;
}

/* Stores len bytes at off, past everything written, in whole fs blocks. */
static int write_bytes(struct extfs *x, uint64_t off, const void *data,
		       size_t len)
{
	unsigned int bs = x->fs->blocksize;
	uint64_t start = off / bs * bs;
	size_t n = ZFD_ALIGN_UP(off - start + len, bs);
	struct extfs_run run;
	uint8_t *buf;
	int rc;

	if (x->sparse && zfd_is_zero(data, len))
		return 0;
	buf = calloc(1, n);
	if (!buf)
		return -ENOMEM;
	memcpy(buf + (off - start), data, len);
	run = (struct extfs_run){ start, buf, n };
	rc = write_runs(x, &run, 1);
	free(buf);
	return rc;
}

/*
 * Writes the partial last block, with the trailer (len bytes at
 * trailer_off) in it when given and it fits there, else after it.
 */
static int write_tail(struct extfs *x, const uint8_t *trailer,
		      uint64_t trailer_off, size_t trailer_len)
{
	unsigned int bs = x->fs->blocksize;
	uint64_t off = x->stored_done - x->tail_len;
	size_t len = x->tail_len;
	struct extfs_run run;
	int rc;

	if (!len)
		memset(x->tail, 0, 2 * bs);
	if (trailer && trailer_len && trailer_off >= off &&
	    trailer_len <= 2 * bs &&
	    trailer_off - off <= 2 * bs - trailer_len) {
		memcpy(x->tail + (trailer_off - off), trailer, trailer_len);
		len = ZFD_MAX(len, trailer_off - off + trailer_len);
		trailer = NULL;
	}
	if (len && !(x->sparse && zfd_is_zero(x->tail, ZFD_ALIGN_UP(len, 8)))) {
		run.off = off;
		run.data = x->tail;
		run.len = ZFD_ALIGN_UP(len, bs);
		rc = write_runs(x, &run, 1);
		if (rc)
			return rc;
	}
	if (trailer && trailer_len)
		return write_bytes(x, trailer_off, trailer, trailer_len);
	return 0;
}

static int write_info(struct extfs *x, const struct zfd_dump_info *info,
		      const struct zfd_result *res)
{
	char text[ZFD_MANIFEST_MAX];
	int len;

	if (x->sealer) {
		struct zfd_result r = *res;
		int n;

		zfd_sealer_digest(x->sealer, r.digest, sizeof(r.digest));
		len = zfd_manifest_format(text, sizeof(text), info, &r,
					  x->host->sink_desc,
					  info->format ? info->format : "s390");
		n = len < 0 ? len :
			      zfd_sealer_manifest(x->sealer, text + len,
						  sizeof(text) - (size_t)len);
		len = n < 0 ? n : len + n;
	} else {
		len = zfd_manifest_format(text, sizeof(text), info, res,
					  x->host->sink_desc,
					  info->format ? info->format : "s390");
	}
	if (len < 0) {
		zfd_hlog(x->host, ZFD_LOG_ERR, "manifest too long");
		return len;
	}
	return write_small_file(x, x->infoname, text, (size_t)len, ZFD_LOG_ERR);
}

static size_t count_dumps(const struct extfs *x)
{
	size_t i, n = 0;

	for (i = 0; i < x->dumps.nr; i++)
		n += !x->dumps.e[i].foreign && !x->dumps.e[i].pinned;
	return n;
}

/* Deletes the oldest dumps beyond keep (the new one counts). */
static int rotate(struct extfs *x)
{
	ssize_t i;
	int rc;

	if (!x->keep)
		return 0;
	rc = scan_dumps(x, x->fs, x->dir_ino);
	if (rc)
		return rc;
	note_pinned(x, "not counted for keep");
	while (count_dumps(x) > x->keep) {
		i = oldest_dump(x);
		if (i < 0)
			break;
		rc = delete_dump(x, (size_t)i, "(keep)");
		if (rc)
			return rc;
	}
	return 0;
}

/* The dump cannot be complete after all: say so in the manifest. */
static void downgrade(struct extfs *x, struct zfd_result *r, uint64_t good,
		      uint64_t good_mem, const char *reason)
{
	zfd_hlog(x->host, ZFD_LOG_ERR, "%s: the dump is incomplete: %s", x->dev,
		 reason);
	r->status = ZFD_STATUS_INCOMPLETE;
	r->reason = reason;
	r->dumped_bytes = ZFD_MIN(r->dumped_bytes, good_mem);
	r->stored_end = ZFD_MIN(r->stored_end, good);
	r->prologue = NULL; /* keep the one stored at open */
}

/* What a failed write_tail() lost, in the words of the format. */
static const char *tail_failure(const struct zfd_dump_info *info)
{
	if (!info->trailer_len)
		return "cannot write the last block";
	if (info->format && !strcmp(info->format, "s390"))
		return "cannot write the end marker";
	return "cannot write the trailer";
}

/* Where the data of a complete dump ends: the last extent, or beyond. */
static bool data_complete(const struct extfs *x,
			  const struct zfd_dump_info *info,
			  const struct zfd_result *res)
{
	uint64_t end = info->prologue_len;

	/* a stream of unknown size (kdump) is complete where it ended */
	if (info->flags & ZFD_INFO_SIZE_BOUND)
		return x->stored_done == res->stored_end &&
		       res->stored_end == res->size;

	if (x->nr_extents)
		end = x->extents[x->nr_extents - 1].start +
		      x->extents[x->nr_extents - 1].size;
	return x->stored_done >= end && x->stored_done <= info->trailer_off;
}

static int extfs_finish(void *ctx, const struct zfd_dump_info *info,
			const struct zfd_result *res)
{
	struct extfs *x = ctx;
	struct zfd_result r = *res;
	bool complete = res->status == ZFD_STATUS_COMPLETE ||
			res->status == ZFD_STATUS_TRUNCATED;
	uint64_t size, good = x->stored_done, good_mem = x->mem_end;
	errcode_t err;
	int rc, frc = 0;

	if (complete && !data_complete(x, info, res)) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "internal error: complete after %" PRIu64
			 " of %" PRIu64 " bytes",
			 x->stored_done, info->trailer_off);
		downgrade(x, &r, good, good_mem,
			  "not all memory reached the sink");
		complete = false;
		frc = -EIO;
	}
	if (complete && info->trailer_len && !res->trailer) {
		zfd_hlog(x->host, ZFD_LOG_ERR,
			 "internal error: complete without a trailer");
		downgrade(x, &r, good, good_mem, "no trailer");
		complete = false;
		frc = -EIO;
	}
	/* the sealer's worker writes the file until it is synced */
	rc = x->sealer ? zfd_sealer_sync(x->sealer) : 0;
	x->file.reserve = 0;
	if (x->sealer) {
		if (!rc)
			rc = sealed_end(x, complete, res->trailer,
					info->trailer_len, &size);
		if (rc)
			goto out_fail;
		goto out_info;
	}
	rc = write_tail(x, complete ? res->trailer : NULL, info->trailer_off,
			info->trailer_len);
	if (rc) {
		/* The last partial block is not on disk: the dump ends before. */
		good = x->stored_done - x->tail_len;
		good_mem = x->mem_end - x->tail_len;
		if (complete) {
			downgrade(x, &r, good, good_mem, tail_failure(info));
			complete = false;
		}
		frc = frc ? frc : rc;
		rc = 0;
	}
	size = complete ? info->size : good;
	if (complete && (info->flags & ZFD_INFO_SIZE_BOUND))
		size = res->size;
	/* A failed write() may have stored some of its pages. */
	if (!complete)
		size = ZFD_MAX(size, extfs_file_mapped_end(&x->file));
	/* The final prologue, before the sync that precedes the rename. */
	if (r.prologue && memcmp(r.prologue, x->prologue, x->prologue_len)) {
		rc = extfs_file_rewrite(&x->file, x->host, 0, r.prologue,
					x->prologue_len);
		if (rc && complete) {
			downgrade(x, &r, good, good_mem,
				  "cannot write the prologue");
			complete = false;
			frc = rc;
		}
		rc = 0;
	}
	rc = extfs_file_commit(&x->file, x->host, size);
	if (rc)
		goto out_fail;
out_info:
	rc = write_info(x, info, &r);
	if (!rc)
		rc = flush_fs(x);
	if (rc)
		goto out_fail;
	if (!complete) {
		zfd_hlog(x->host, ZFD_LOG_WARN,
			 "incomplete dump left as %s%s%s (%s)",
			 strcmp(x->dir, "/") ? x->dir : "", "/", x->tmpname,
			 r.reason ? r.reason : "dump failed");
		rc = end_pass(x, true);
		return frc ? frc : rc;
	}
	/* Data, trailer, prologue and manifest are on disk: now it is dump.N. */
	rc = link_name(x, x->name, x->file.ino);
	if (!rc) {
		err = ext2fs_unlink(x->fs, x->dir_ino, x->tmpname, x->file.ino,
				    0);
		if (err) {
			zfd_hlog(x->host, ZFD_LOG_ERR,
				 "cannot remove name %s: %s", x->tmpname,
				 error_message(err));
			rc = extfs_errno(err);
		}
	}
	if (!rc)
		rc = flush_fs(x);
	if (rc)
		goto out_fail;
	zfd_hlog(x->host, ZFD_LOG_INFO,
		 "dump written to %s:%s/%s (%" PRIu64 " MiB, %" PRIu64
		 " MiB allocated)",
		 x->dev, strcmp(x->dir, "/") ? x->dir : "", x->name, size >> 20,
		 x->file.alloc_blocks * x->fs->blocksize >> 20);
	rc = rotate(x);
	if (rc) {
		end_pass(x, false);
		return rc;
	}
	return end_pass(x, true);

out_fail:
	end_pass(x, false);
	return rc;
}

static void extfs_close(void *ctx)
{
	struct extfs *x = ctx;

	end_pass(x, false);
	zfd_seal_cfg_free(&x->seal);
	free(x->dumps.e);
	if (x->et_added)
		remove_error_table(&et_ext2_error_table);
	free(x);
}

/* clang-format off */
const struct zfd_sink zfd_sink_entry = {
	.abi		= ZFD_SINK_ABI,
	.size		= sizeof(struct zfd_sink),
	.name		= "extfs",
	.description	= "dump file on an unmounted ext2/ext3/ext4 filesystem (libext2fs)",
	.configure	= extfs_configure,
	.prepare	= extfs_prepare,
	.open		= extfs_open,
	.write		= extfs_write,
	.finish		= extfs_finish,
	.close		= extfs_close,
};
/* clang-format on */
