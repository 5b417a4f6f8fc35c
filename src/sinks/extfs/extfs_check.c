// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * extfs sink: before writing, the allocation bitmaps are checked against
 * what the files own.
 *
 * "e2fsck -p" believes the clean flag and checks nothing on a filesystem
 * marked clean. If a block bitmap lost bits of an older dump (or of the
 * journal), the sink's allocator would hand those blocks out again and
 * the new dump would overwrite the older one. So every pass walks the
 * inodes in use, each one's block map or extent tree through
 * ext2fs_block_iterate3() (read-only), plus the group metadata, and
 * compares the blocks found with the block bitmap, and the inodes found
 * with the inode bitmap. Which inodes: with group descriptor checksums
 * (ext4) the whole inode tables, whose unused parts are recorded and
 * skipped; without (ext2, ext3), where reading them whole costs seconds,
 * the inodes the inode bitmap marks plus every inode reachable from the
 * root directory. Plus the indirect or extent blocks of the files, about
 * 1/1000 of their size.
 *
 * Blocks or inodes in use but marked free (or a block owned twice, or a
 * block map that cannot be read) make the filesystem unsafe to allocate
 * from: the caller runs "e2fsck -f" or refuses. Blocks or inodes marked in
 * use that nothing owns are only leaked space.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "extfs.h"
#include "util.h"

struct walk {
	ext2_filsys fs;
	ext2fs_block_bitmap owned;
	struct extfs_check *res;
	/* scan_used() only */
	ext2fs_inode_bitmap seen, dirs, visited;
};

/* Claims block blk for a file or the filesystem. */
static void claim(struct walk *w, blk64_t blk)
{
	if (blk < w->fs->super->s_first_data_block ||
	    blk >= ext2fs_blocks_count(w->fs->super)) {
		w->res->bad_blocks++;
		return;
	}
	if (ext2fs_fast_test_block_bitmap2(w->owned, blk))
		w->res->dup_blocks++;
	else
		ext2fs_fast_mark_block_bitmap2(w->owned, blk);
}

static int block_cb(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		    blk64_t ref_blk, int ref_offset, void *priv)
{
	struct walk *w = priv;

	(void)fs;
	(void)blockcnt;
	(void)ref_blk;
	(void)ref_offset;
	claim(w, *blocknr);
	w->res->file_blocks++;
	return 0;
}

/* The superblocks, descriptors, bitmaps and inode tables of every group. */
static void claim_group_metadata(struct walk *w)
{
	ext2_filsys fs = w->fs;
	dgrp_t g;
	blk64_t b, it;

	for (g = 0; g < fs->group_desc_count; g++) {
		/* marks superblock and descriptor (backup) blocks of g */
		ext2fs_reserve_super_and_bgd(fs, g, w->owned);
		b = ext2fs_block_bitmap_loc(fs, g);
		if (b)
			claim(w, b);
		b = ext2fs_inode_bitmap_loc(fs, g);
		if (b)
			claim(w, b);
		it = ext2fs_inode_table_loc(fs, g);
		for (b = 0; it && b < fs->inode_blocks_per_group; b++)
			claim(w, it + b);
	}
}

/*
 * Blocks set in a but clear in b, run by run (a dump is a few long runs);
 * *first = the first of them.
 */
static uint64_t count_missing(ext2fs_block_bitmap a, ext2fs_block_bitmap b,
			      blk64_t lo, blk64_t hi, uint64_t *first)
{
	blk64_t s, e, z, n;
	uint64_t count = 0;

	while (lo <= hi &&
	       !ext2fs_find_first_set_block_bitmap2(a, lo, hi, &s)) {
		if (ext2fs_find_first_zero_block_bitmap2(a, s, hi, &e))
			e = hi + 1;
		/* [s, e) is set in a: count what b lacks there */
		while (s < e &&
		       !ext2fs_find_first_zero_block_bitmap2(b, s, e - 1, &z)) {
			if (ext2fs_find_first_set_block_bitmap2(b, z, e - 1,
								&n))
				n = e;
			if (!count && first)
				*first = z;
			count += n - z;
			s = n;
		}
		lo = e;
	}
	return count;
}

static void compare_blocks(struct walk *w)
{
	ext2_filsys fs = w->fs;
	blk64_t lo = fs->super->s_first_data_block;
	blk64_t hi = ext2fs_blocks_count(fs->super) - 1;

	w->res->missing_blocks = count_missing(w->owned, fs->block_map, lo, hi,
					       &w->res->first_missing);
	w->res->leaked_blocks = count_missing(fs->block_map, w->owned, lo, hi,
					      NULL);
}

static void bad_inode(struct walk *w, ext2_ino_t ino)
{
	if (!w->res->bad_inodes++)
		w->res->first_bad_inode = ino;
}

/* One inode read: in use or marked, it claims its blocks. */
static void check_inode(struct walk *w, ext2_ino_t ino,
			struct ext2_inode *inode)
{
	ext2_filsys fs = w->fs;
	struct extfs_check *res = w->res;
	bool marked, live;
	errcode_t err;

	if (w->seen)
		ext2fs_mark_inode_bitmap2(w->seen, ino);
	marked = ext2fs_test_inode_bitmap2(fs->inode_map, ino);
	live = inode->i_links_count && !inode->i_dtime;
	if (ino < EXT2_FIRST_INODE(fs->super)) {
		/* reserved: always marked, in use when set up */
		live = inode->i_mode || ino == EXT2_BAD_INO;
		marked = live;
	}
	if (live && !marked) {
		if (!res->missing_inodes++)
			res->first_missing_inode = ino;
	} else if (marked && !live) {
		res->leaked_inodes++;
	}
	if (!live && !marked)
		return;
	if (live && w->dirs && LINUX_S_ISDIR(inode->i_mode))
		ext2fs_mark_inode_bitmap2(w->dirs, ino);
	res->inodes++;
	if (ext2fs_file_acl_block(fs, inode))
		claim(w, ext2fs_file_acl_block(fs, inode));
	if (ino == EXT2_RESIZE_INO) {
		/* its "indirect" blocks are the reserved descriptors */
		if (inode->i_block[EXT2_DIND_BLOCK])
			claim(w, inode->i_block[EXT2_DIND_BLOCK]);
		return;
	}
	if (!ext2fs_inode_has_valid_blocks2(fs, inode))
		return;
	err = ext2fs_block_iterate3(fs, ino, BLOCK_FLAG_READ_ONLY, NULL,
				    block_cb, w);
	if (err)
		bad_inode(w, ino);
}

static void read_and_check(struct walk *w, ext2_ino_t ino)
{
	struct ext2_inode_large big;

	if (ext2fs_read_inode_full(w->fs, ino, (struct ext2_inode *)&big,
				   sizeof(big))) {
		if (w->seen)
			ext2fs_mark_inode_bitmap2(w->seen, ino);
		bad_inode(w, ino);
		return;
	}
	check_inode(w, ino, (struct ext2_inode *)&big);
}

/* Every inode of the inode tables (where unused parts are recorded). */
static errcode_t scan_all(struct walk *w)
{
	struct ext2_inode_large big;
	ext2_inode_scan scan;
	ext2_ino_t ino;
	errcode_t err;

	err = ext2fs_open_inode_scan(w->fs, 0, &scan);
	if (err)
		return err;
	for (;;) {
		err = ext2fs_get_next_inode_full(scan, &ino,
						 (struct ext2_inode *)&big,
						 sizeof(big));
		if (err && err != EXT2_ET_INODE_CSUM_INVALID &&
		    err != EXT2_ET_INODE_IS_GARBAGE)
			break;
		if (!ino) {
			err = 0;
			break;
		}
		if (err)
			bad_inode(w, ino); /* its blocks are unknown */
		else
			check_inode(w, ino, (struct ext2_inode *)&big);
	}
	ext2fs_close_inode_scan(scan);
	return err;
}

struct dir_walk {
	struct walk *w;
	ext2_ino_t *stack;
	size_t nr, cap;
	bool nomem;
};

static int dir_cb(ext2_ino_t dir, int entry, struct ext2_dir_entry *de,
		  int offset, int blocksize, char *buf, void *priv)
{
	struct dir_walk *d = priv;
	struct walk *w = d->w;
	ext2_ino_t ino = de->inode, *p;

	(void)dir;
	(void)offset;
	(void)blocksize;
	(void)buf;
	if (entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE || !ino)
		return 0;
	if (ino > w->fs->super->s_inodes_count) {
		bad_inode(w, dir);
		return 0;
	}
	if (!ext2fs_test_inode_bitmap2(w->seen, ino))
		read_and_check(w, ino);
	if (!ext2fs_test_inode_bitmap2(w->dirs, ino) ||
	    ext2fs_test_inode_bitmap2(w->visited, ino))
		return 0;
	ext2fs_mark_inode_bitmap2(w->visited, ino);
	if (d->nr == d->cap) {
		p = realloc(d->stack, (d->cap ? 2 * d->cap : 64) * sizeof(*p));
		if (!p) {
			d->nomem = true;
			return DIRENT_ABORT;
		}
		d->stack = p;
		d->cap = d->cap ? 2 * d->cap : 64;
	}
	d->stack[d->nr++] = ino;
	return 0;
}

/*
 * Without recorded unused parts (ext2, ext3) the inode tables would be
 * read whole (9 s for a 32 GiB ext3 from a cold cache): instead, every
 * inode the inode bitmap marks, and every inode reachable from the root
 * directory, marked or not (a dump whose bit was cleared is still linked).
 */
static errcode_t scan_used(struct walk *w)
{
	ext2_filsys fs = w->fs;
	struct dir_walk d = { .w = w };
	ext2_ino_t ino, next, last = fs->super->s_inodes_count;
	errcode_t err;

	err = ext2fs_allocate_inode_bitmap(fs, "seen", &w->seen);
	if (!err)
		err = ext2fs_allocate_inode_bitmap(fs, "dirs", &w->dirs);
	if (!err)
		err = ext2fs_allocate_inode_bitmap(fs, "visited", &w->visited);
	if (err)
		return err;
	for (ino = 1; ino < EXT2_FIRST_INODE(fs->super) && ino <= last; ino++)
		read_and_check(w, ino);
	while (ino <= last &&
	       !ext2fs_find_first_set_inode_bitmap2(fs->inode_map, ino, last,
						    &next)) {
		read_and_check(w, next);
		ino = next + 1;
	}
	d.stack = malloc(64 * sizeof(*d.stack));
	if (!d.stack)
		return EXT2_ET_NO_MEMORY;
	d.cap = 64;
	d.stack[d.nr++] = EXT2_ROOT_INO;
	ext2fs_mark_inode_bitmap2(w->visited, EXT2_ROOT_INO);
	while (d.nr && !d.nomem) {
		ino = d.stack[--d.nr];
		if (ext2fs_dir_iterate2(fs, ino, 0, NULL, dir_cb, &d))
			bad_inode(w, ino);
	}
	free(d.stack);
	return d.nomem ? EXT2_ET_NO_MEMORY : 0;
}

int extfs_check_owners(const struct zfd_host *host, ext2_filsys fs,
		       const char *dev, struct extfs_check *res)
{
	struct walk w = { .fs = fs, .res = res };
	errcode_t err;

	memset(res, 0, sizeof(*res));
	err = ext2fs_allocate_block_bitmap(fs, "owned blocks", &w.owned);
	if (err) {
		zfd_hlog(host, ZFD_LOG_ERR, "%s: %s", dev, error_message(err));
		return extfs_errno(err);
	}
	claim_group_metadata(&w);
	res->bad_blocks = res->dup_blocks = 0; /* overlaps: e2fsck's business */

	err = ext2fs_has_group_desc_csum(fs) ? scan_all(&w) : scan_used(&w);
	if (!err)
		compare_blocks(&w);
	if (w.seen)
		ext2fs_free_inode_bitmap(w.seen);
	if (w.dirs)
		ext2fs_free_inode_bitmap(w.dirs);
	if (w.visited)
		ext2fs_free_inode_bitmap(w.visited);
	ext2fs_free_block_bitmap(w.owned);
	if (err) {
		zfd_hlog(host, ZFD_LOG_ERR,
			 "%s: cannot read the inode table: %s", dev,
			 error_message(err));
		return extfs_errno(err);
	}
	return 0;
}

bool extfs_check_unsafe(const struct extfs_check *c)
{
	return c->missing_blocks || c->missing_inodes || c->dup_blocks ||
	       c->bad_blocks || c->bad_inodes;
}

static void add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(char *buf, size_t len, const char *fmt, ...)
{
	size_t pos = strlen(buf);
	va_list ap;

	if (pos)
		pos += (size_t)snprintf(buf + pos, len - pos, ", ");
	if (pos >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + pos, len - pos, fmt, ap);
	va_end(ap);
}

void extfs_check_words(const struct extfs_check *c, char *buf, size_t len)
{
	buf[0] = 0;
	if (c->missing_blocks)
		add(buf, len,
		    "%" PRIu64 " blocks in use marked free (first %" PRIu64 ")",
		    c->missing_blocks, c->first_missing);
	if (c->missing_inodes)
		add(buf, len,
		    "%" PRIu64 " inodes in use marked free (first %u)",
		    c->missing_inodes, c->first_missing_inode);
	if (c->dup_blocks)
		add(buf, len, "%" PRIu64 " blocks owned twice", c->dup_blocks);
	if (c->bad_blocks)
		add(buf, len, "%" PRIu64 " block numbers out of range",
		    c->bad_blocks);
	if (c->bad_inodes)
		add(buf, len,
		    "%" PRIu64 " unreadable inodes or block maps (first %u)",
		    c->bad_inodes, c->first_bad_inode);
	if (c->leaked_blocks)
		add(buf, len,
		    "%" PRIu64 " blocks marked in use that no file owns",
		    c->leaked_blocks);
	if (c->leaked_inodes)
		add(buf, len, "%" PRIu64 " unused inodes marked in use",
		    c->leaked_inodes);
}
