// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * extfs sink: the fast file writer.
 *
 * libext2fs maps block-mapped (ext2/ext3) files one block at a time
 * (ext2fs_bmap2(), and ext2fs_fallocate() falls back to it: "allocate a
 * bunch of blocks the slow way"), which costs more than the disk write
 * itself. So data goes this way instead:
 *
 *   1. ext2fs_new_range() finds a free run for many blocks at once and
 *      ext2fs_block_alloc_stats_range() claims it in the in-memory bitmap;
 *   2. the data of all runs of one write go to the device in one pwritev()
 *      at the physical position, bypassing libext2fs's I/O cache;
 *   3. the mappings (logical -> physical) collect in memory and are
 *      committed later: into the extent tree through libext2fs's extent
 *      API (ext4), or into the file's indirect blocks, which this file
 *      builds itself and writes with ext2fs_write_ind_block() (ext2/3).
 *
 * Crash safety: a commit first syncs the data, then writes the indirect
 * blocks or extent tree, then the inode (i_size, i_blocks, block
 * pointers), and flushes (libext2fs's cache, then fsync): a dump stopped
 * between commits keeps everything up to the last one; only a power cut
 * in the middle of a commit's flush can leave that commit's metadata
 * half-written. Block bitmaps are written only at the end, and the caller
 * marks the filesystem "not clean" for the duration of the dump, so an
 * interrupted dump leaves at most "block bitmap differences" and wrong
 * free counts: things e2fsck -p repairs without asking.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "be.h"
#include "extfs.h"
#include "util.h"

/* Commit after this many pending mappings (or EXTFS_COMMIT_BYTES). */
#define EXTFS_COMMIT_MAPS 16384
#define EXTFS_MAX_IOV	  1024

int extfs_errno(errcode_t err)
{
	if (!err)
		return 0;
	if (err == EXT2_ET_BLOCK_ALLOC_FAIL ||
	    err == EXT2_ET_INODE_ALLOC_FAIL || err == EXT2_ET_DIR_NO_SPACE)
		return -ENOSPC;
	if (err > 0 && err < 256)
		return -(int)err;
	return -EIO;
}

int extfs_file_create(struct extfs_file *f, ext2_filsys fs, ext2_ino_t dir,
		      int fd, const struct zfd_host *host)
{
	errcode_t err;
	uint32_t now = (uint32_t)time(NULL);
	int i, rc;

	memset(f, 0, sizeof(*f));
	f->fs = fs;
	f->fd = fd;
	f->bs = fs->blocksize;
	f->max_pending = EXTFS_COMMIT_MAPS + 512;
	f->pending = calloc(f->max_pending, sizeof(*f->pending));
	f->max_iov = EXTFS_MAX_IOV;
	f->iov = calloc(f->max_iov, sizeof(*f->iov));
	f->iov_map = calloc(f->max_iov, sizeof(*f->iov_map));
	if (!f->pending || !f->iov || !f->iov_map) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < 3; i++) {
		f->ind[i].buf = malloc(f->bs);
		if (!f->ind[i].buf) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	f->ind_disk = malloc(f->bs);
	if (!f->ind_disk) {
		rc = -ENOMEM;
		goto out_free;
	}

	err = ext2fs_new_inode(fs, dir, LINUX_S_IFREG | 0640, NULL, &f->ino);
	if (err) {
		zfd_hlog(host, ZFD_LOG_ERR, "no free inode: %s",
			 error_message(err));
		rc = extfs_errno(err);
		goto out_free;
	}
	ext2fs_inode_alloc_stats2(fs, f->ino, +1, 0);
	f->inode.i_mode = LINUX_S_IFREG | 0640;
	f->inode.i_links_count = 1;
	f->inode.i_atime = f->inode.i_ctime = f->inode.i_mtime = now;
	if (ext2fs_has_feature_extents(fs->super)) {
		/* An empty extent tree in the inode. */
		struct ext3_extent_header *eh = (void *)f->inode.i_block;

		f->inode.i_flags |= EXT4_EXTENTS_FL;
		eh->eh_magic = ext2fs_cpu_to_le16(EXT3_EXT_MAGIC);
		eh->eh_max = ext2fs_cpu_to_le16((sizeof(f->inode.i_block) -
						 sizeof(*eh)) /
						sizeof(struct ext3_extent));
		f->extents = true;
		for (i = 1; i <= EXTFS_EXT_DEPTH; i++) {
			f->ext[i].buf = malloc(f->bs);
			if (!f->ext[i].buf) {
				rc = -ENOMEM;
				goto out_free;
			}
		}
	}
	err = ext2fs_write_new_inode(fs, f->ino, &f->inode);
	if (err)
		goto out_err;
	f->goal = ext2fs_find_inode_goal(fs, f->ino, &f->inode, 0);
	return 0;

out_err:
	zfd_hlog(host, ZFD_LOG_ERR, "cannot create inode %u: %s", f->ino,
		 error_message(err));
	rc = extfs_errno(err);
out_free:
	extfs_file_free(f);
	return rc;
}

void extfs_file_free(struct extfs_file *f)
{
	int i;

	for (i = 0; i < 3; i++) {
		free(f->ind[i].buf);
		f->ind[i].buf = NULL;
	}
	free(f->ind_disk);
	f->ind_disk = NULL;
	for (i = 0; i <= EXTFS_EXT_DEPTH; i++) {
		free(f->ext[i].buf);
		f->ext[i].buf = NULL;
	}
	free(f->pending);
	f->pending = NULL;
	free(f->iov);
	f->iov = NULL;
	free(f->iov_map);
	f->iov_map = NULL;
}

/* Claims up to want free blocks near the goal; makes room on ENOSPC. */
static int file_alloc(struct extfs_file *f, const struct zfd_host *host,
		      blk64_t want, blk64_t *pblk, blk64_t *plen)
{
	blk64_t nblocks = ext2fs_blocks_count(f->fs->super), freeb;
	errcode_t err;
	int rc;

	for (;;) {
		freeb = ext2fs_free_blocks_count(f->fs->super);
		if (f->goal >= nblocks)
			f->goal = f->fs->super->s_first_data_block;
		err = EXT2_ET_BLOCK_ALLOC_FAIL;
		if (freeb > f->reserve)
			err = ext2fs_new_range(f->fs, 0, f->goal,
					       ZFD_MIN(want,
						       freeb - f->reserve),
					       NULL, pblk, plen);
		if (!err)
			break;
		if (err != EXT2_ET_BLOCK_ALLOC_FAIL) {
			zfd_hlog(host, ZFD_LOG_ERR,
				 "block allocation failed: %s",
				 error_message(err));
			return extfs_errno(err);
		}
		rc = f->nospc ? f->nospc(f->nospc_arg) : -ENOSPC;
		if (rc)
			return rc;
	}
	if (*plen > want)
		*plen = want;
	if (*plen > freeb - f->reserve)
		*plen = freeb - f->reserve;
	ext2fs_block_alloc_stats_range(f->fs, *pblk, (blk_t)*plen, +1);
	ext2fs_iblk_add_blocks(f->fs, &f->inode, *plen);
	f->goal = *pblk + *plen;
	return 0;
}

/* Gives back claimed blocks [from, to) that hold nothing of the file. */
static void file_unalloc(struct extfs_file *f, blk64_t from, blk64_t to)
{
	if (to <= from)
		return;
	ext2fs_block_alloc_stats_range(f->fs, from, (blk_t)(to - from), -1);
	ext2fs_iblk_sub_blocks(f->fs, &f->inode, to - from);
	f->goal = from;
}

static int pending_add(struct extfs_file *f, blk64_t lblk, blk64_t pblk,
		       blk64_t len)
{
	struct extfs_map *m, *p;

	if (f->nr_pending) {
		p = &f->pending[f->nr_pending - 1];
		if (p->lblk + p->len == lblk && p->pblk + p->len == pblk) {
			p->len += len;
			return 0;
		}
	}
	if (f->nr_pending == f->max_pending) {
		m = realloc(f->pending, 2 * f->max_pending * sizeof(*m));
		if (!m)
			return -ENOMEM;
		f->pending = m;
		f->max_pending *= 2;
	}
	f->pending[f->nr_pending++] = (struct extfs_map){ lblk, pblk, len };
	return 0;
}

static int pwritev_full(int fd, struct iovec *iov, int cnt, uint64_t off)
{
	ssize_t n;

	while (cnt > 0) {
		n = extfs_io_pwritev(fd, iov, cnt, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		off += (uint64_t)n;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int extfs_file_write_runs(struct extfs_file *f, const struct zfd_host *host,
			  const struct extfs_run *runs, size_t nr)
{
	blk64_t total = 0, pblk, plen, done;
	size_t i, r = 0, in_run = 0, take;
	uint64_t phys, bytes;
	int cnt, k, rc;

	for (i = 0; i < nr; i++) {
		if (runs[i].off % f->bs || runs[i].len % f->bs ||
		    runs[i].off / f->bs < f->next_lblk) {
			zfd_hlog(host, ZFD_LOG_ERR,
				 "internal error: unaligned or descending write at %" PRIu64,
				 runs[i].off);
			return -EINVAL;
		}
		total += runs[i].len / f->bs;
	}

	while (total) {
		rc = file_alloc(f, host, total, &pblk, &plen);
		if (rc)
			return rc;
		phys = pblk * f->bs;
		done = 0;
		cnt = 0;
		bytes = 0;
		while (done < plen) {
			const struct extfs_run *run = &runs[r];

			take = ZFD_MIN(run->len - in_run,
				       (plen - done) * f->bs);
			f->iov[cnt].iov_base = (char *)run->data + in_run;
			f->iov[cnt].iov_len = take;
			f->iov_map[cnt] =
				(struct extfs_map){ (run->off + in_run) / f->bs,
						    pblk + done, take / f->bs };
			cnt++;
			bytes += take;
			done += take / f->bs;
			in_run += take;
			if (in_run == run->len) {
				r++;
				in_run = 0;
			}
			if ((size_t)cnt < f->max_iov && done < plen)
				continue;
			/* The mappings count only once their data is written. */
			rc = pwritev_full(f->fd, f->iov, cnt, phys);
			if (rc) {
				zfd_hlog(host, ZFD_LOG_ERR,
					 "write at block %llu: %s",
					 (unsigned long long)(phys / f->bs),
					 strerror(-rc));
				file_unalloc(f, phys / f->bs, pblk + plen);
				f->alloc_blocks += phys / f->bs - pblk;
				f->since_commit += phys / f->bs - pblk;
				return rc;
			}
			for (k = 0; k < cnt; k++) {
				struct extfs_map *m = &f->iov_map[k];

				rc = pending_add(f, m->lblk, m->pblk, m->len);
				if (rc)
					return rc;
				f->next_lblk = m->lblk + m->len;
			}
			/*
			 * Write-behind: writeback starts now, so a commit's
			 * fdatasync() finds little left to do and the page
			 * cache holds few dirty pages. Advisory (no wait):
			 * a writeback error is still fdatasync()'s to report.
			 */
			sync_file_range(f->fd, (off_t)phys, (off_t)bytes,
					SYNC_FILE_RANGE_WRITE);
			phys += bytes;
			bytes = 0;
			cnt = 0;
		}
		f->alloc_blocks += plen;
		f->since_commit += plen;
		total -= plen;
	}
	return 0;
}

uint64_t extfs_file_mapped_end(const struct extfs_file *f)
{
	return (uint64_t)f->next_lblk * f->bs;
}

/* Physical block of logical block lblk (pending or committed), 0 if none. */
static blk64_t file_pblk(struct extfs_file *f, blk64_t lblk)
{
	blk64_t pblk = 0;
	size_t i;

	for (i = 0; i < f->nr_pending; i++)
		if (lblk >= f->pending[i].lblk &&
		    lblk < f->pending[i].lblk + f->pending[i].len)
			return f->pending[i].pblk + lblk - f->pending[i].lblk;
	if (ext2fs_bmap2(f->fs, f->ino, &f->inode, NULL, 0, lblk, NULL, &pblk))
		return 0;
	return pblk;
}

int extfs_file_rewrite(struct extfs_file *f, const struct zfd_host *host,
		       uint64_t off, const void *data, size_t len)
{
	struct iovec iov;
	blk64_t pblk;
	size_t n;
	int rc;

	while (len) {
		n = ZFD_MIN(len, f->bs - off % f->bs);
		pblk = file_pblk(f, off / f->bs);
		if (!pblk) {
			zfd_hlog(host, ZFD_LOG_ERR,
				 "internal error: rewrite of unmapped offset %" PRIu64,
				 off);
			return -EINVAL;
		}
		iov.iov_base = (void *)data;
		iov.iov_len = n;
		rc = pwritev_full(f->fd, &iov, 1, pblk * f->bs + off % f->bs);
		if (rc) {
			zfd_hlog(host, ZFD_LOG_ERR, "write at block %llu: %s",
				 (unsigned long long)pblk, strerror(-rc));
			return rc;
		}
		off += n;
		data = (const char *)data + n;
		len -= n;
	}
	return 0;
}

bool extfs_file_commit_due(const struct extfs_file *f)
{
	return f->nr_pending >= EXTFS_COMMIT_MAPS ||
	       f->since_commit * f->bs >= EXTFS_COMMIT_BYTES;
}

/* ---- ext2/ext3: the file's indirect blocks ---- */

static int ind_write(struct extfs_file *f, const struct zfd_host *host,
		     struct extfs_level *lv)
{
	errcode_t err;
	unsigned int i;

	if (!lv->valid || !lv->dirty)
		return 0;
	/*
	 * Not ext2fs_write_ind_block(): on a big-endian host it swaps the
	 * caller's buffer in place, and this level stays in use after the
	 * write (s390x wrote garbage block numbers into the DIND block).
	 */
	for (i = 0; i < f->bs / 4; i++)
		zfd_put_le32(f->ind_disk + 4 * i, lv->buf[i]);
	err = io_channel_write_blk64(f->fs->io, lv->pblk, 1, f->ind_disk);
	if (err) {
		zfd_hlog(host, ZFD_LOG_ERR,
			 "cannot write indirect block %llu: %s",
			 (unsigned long long)lv->pblk, error_message(err));
		return extfs_errno(err);
	}
	lv->dirty = false;
	return 0;
}

/*
 * Makes level lv hold indirect block id, whose pointer lives in *slot.
 * The block being replaced, and its children first, go to disk.
 */
static int ind_get(struct extfs_file *f, const struct zfd_host *host, int lv,
		   uint64_t id, uint32_t *slot, bool *slot_dirty)
{
	struct extfs_level *l = &f->ind[lv];
	blk64_t pblk, plen;
	int i, rc;

	if (l->valid && l->id == id)
		return 0;
	for (i = 0; i <= lv; i++) {
		rc = ind_write(f, host, &f->ind[i]);
		if (rc)
			return rc;
	}
	rc = file_alloc(f, host, 1, &pblk, &plen);
	if (rc)
		return rc;
	if (pblk > UINT32_MAX) {
		zfd_hlog(host, ZFD_LOG_ERR,
			 "block %llu beyond 2^32 in a block-mapped file",
			 (unsigned long long)pblk);
		return -EFBIG;
	}
	memset(l->buf, 0, f->bs);
	l->pblk = pblk;
	l->id = id;
	l->valid = true;
	l->dirty = true;
	*slot = (uint32_t)pblk;
	if (slot_dirty)
		*slot_dirty = true;
	return 0;
}

static int ind_map(struct extfs_file *f, const struct zfd_host *host,
		   blk64_t lblk, blk64_t pblk)
{
	uint64_t a = f->bs / 4, l = lblk;
	int rc;

	if (pblk > UINT32_MAX) {
		zfd_hlog(host, ZFD_LOG_ERR,
			 "block %llu beyond 2^32 in a block-mapped file",
			 (unsigned long long)pblk);
		return -EFBIG;
	}
	if (l < EXT2_NDIR_BLOCKS) {
		f->inode.i_block[l] = (uint32_t)pblk;
		return 0;
	}
	l -= EXT2_NDIR_BLOCKS;
	if (l < a) {
		rc = ind_get(f, host, 0, 0, &f->inode.i_block[EXT2_IND_BLOCK],
			     NULL);
		if (rc)
			return rc;
		f->ind[0].buf[l] = (uint32_t)pblk;
		f->ind[0].dirty = true;
		return 0;
	}
	l -= a;
	if (l < a * a) {
		rc = ind_get(f, host, 1, 0, &f->inode.i_block[EXT2_DIND_BLOCK],
			     NULL);
		if (!rc)
			rc = ind_get(f, host, 0, 1 + l / a,
				     &f->ind[1].buf[l / a], &f->ind[1].dirty);
		if (rc)
			return rc;
		f->ind[0].buf[l % a] = (uint32_t)pblk;
		f->ind[0].dirty = true;
		return 0;
	}
	l -= a * a;
	if (l >= a * a * a) {
		zfd_hlog(host, ZFD_LOG_ERR,
			 "file too large for a block-mapped file");
		return -EFBIG;
	}
	rc = ind_get(f, host, 2, 0, &f->inode.i_block[EXT2_TIND_BLOCK], NULL);
	if (!rc)
		rc = ind_get(f, host, 1, 1 + l / (a * a),
			     &f->ind[2].buf[l / (a * a)], &f->ind[2].dirty);
	if (!rc)
		rc = ind_get(f, host, 0, 1 + a + l / a,
			     &f->ind[1].buf[(l / a) % a], &f->ind[1].dirty);
	if (rc)
		return rc;
	f->ind[0].buf[l % a] = (uint32_t)pblk;
	f->ind[0].dirty = true;
	return 0;
}

/*
 * ---- ext4: the extent tree, built here ----
 *
 * libext2fs's extent API rewrites (and checksums) the leaf for every
 * extent inserted, which made ext4 with interleaved zero pages 3 x slower
 * than the raw sink. The file only grows at its end, so its tree is built
 * like the indirect blocks above: the right-most node of each level is
 * kept in memory, a full node is written once and replaced by a new one
 * (whose index entry goes into the parent, which may be replaced in turn),
 * and a full root moves into a new block (the tree grows one level). On
 * disk format: little-endian ext4 extent header, extents, index entries,
 * and the extent block checksum where metadata_csum is on.
 */

static struct ext3_extent_header *ext_node(struct extfs_file *f, int level)
{
	if (level == 0)
		return (struct ext3_extent_header *)f->inode.i_block;
	return (struct ext3_extent_header *)f->ext[level].buf;
}

static unsigned int ext_entries(const struct ext3_extent_header *eh)
{
	return ext2fs_le16_to_cpu(eh->eh_entries);
}

static bool ext_full(const struct ext3_extent_header *eh)
{
	return eh->eh_entries == eh->eh_max;
}

static int ext_write(struct extfs_file *f, const struct zfd_host *host,
		     int level)
{
	struct extfs_level *l = &f->ext[level];
	errcode_t err;

	if (level == 0 || !l->dirty)
		return 0;
	err = ext2fs_extent_block_csum_set(f->fs, f->ino, ext_node(f, level));
	if (!err)
		err = io_channel_write_blk64(f->fs->io, l->pblk, 1, l->buf);
	if (err) {
		zfd_hlog(host, ZFD_LOG_ERR,
			 "cannot write extent block %llu: %s",
			 (unsigned long long)l->pblk, error_message(err));
		return extfs_errno(err);
	}
	l->dirty = false;
	return 0;
}

/* Starts an empty node of the given depth in a new block for level. */
static int ext_new_block(struct extfs_file *f, const struct zfd_host *host,
			 int level, unsigned int node_depth)
{
	struct ext3_extent_header *eh = ext_node(f, level);
	blk64_t pblk, plen;
	int rc;

	rc = file_alloc(f, host, 1, &pblk, &plen);
	if (rc)
		return rc;
	memset(eh, 0, f->bs);
	eh->eh_magic = ext2fs_cpu_to_le16(EXT3_EXT_MAGIC);
	eh->eh_max = ext2fs_cpu_to_le16((f->bs - sizeof(*eh)) /
					sizeof(struct ext3_extent));
	eh->eh_depth = ext2fs_cpu_to_le16(node_depth);
	f->ext[level].pblk = pblk;
	f->ext[level].dirty = true;
	return 0;
}

static void ext_add_index(struct ext3_extent_header *eh, uint32_t lblk,
			  blk64_t pblk)
{
	struct ext3_extent_idx *ix = EXT_FIRST_INDEX(eh) + ext_entries(eh);

	ix->ei_block = ext2fs_cpu_to_le32(lblk);
	ix->ei_leaf = ext2fs_cpu_to_le32((uint32_t)pblk);
	ix->ei_leaf_hi = ext2fs_cpu_to_le16((uint16_t)(pblk >> 32));
	ix->ei_unused = 0;
	eh->eh_entries = ext2fs_cpu_to_le16(ext_entries(eh) + 1);
}

/* The root is full: its entries move into a new block one level down. */
static int ext_grow(struct extfs_file *f, const struct zfd_host *host)
{
	struct ext3_extent_header *root = ext_node(f, 0), *eh;
	struct extfs_level keep;
	uint32_t first;
	int i, rc;

	if (f->depth == EXTFS_EXT_DEPTH) {
		zfd_hlog(host, ZFD_LOG_ERR, "extent tree deeper than %d levels",
			 EXTFS_EXT_DEPTH);
		return -EFBIG;
	}
	/* ext[1..depth] become ext[2..depth + 1] */
	keep = f->ext[f->depth + 1];
	for (i = f->depth; i >= 1; i--)
		f->ext[i + 1] = f->ext[i];
	f->ext[1] = keep;
	f->ext[1].dirty = false;
	f->depth++;
	rc = ext_new_block(f, host, 1, (unsigned int)f->depth - 1);
	if (rc)
		return rc;
	eh = ext_node(f, 1);
	memcpy(eh + 1, root + 1,
	       ext_entries(root) * sizeof(struct ext3_extent));
	eh->eh_entries = root->eh_entries;
	/* the first key: ee_block and ei_block are both at offset 0 */
	first = ext2fs_le32_to_cpu(EXT_FIRST_INDEX(root)->ei_block);
	root->eh_entries = 0;
	root->eh_depth = ext2fs_cpu_to_le16(f->depth);
	ext_add_index(root, first, f->ext[1].pblk);
	return 0;
}

/*
 * The node h levels above the leaves (below the root) is full: it is
 * written and replaced by an empty one whose first key will be lblk,
 * linked from its parent. Heights, not levels: growing the tree moves
 * every node one level down.
 */
static int ext_next_node(struct extfs_file *f, const struct zfd_host *host,
			 int h, uint32_t lblk)
{
	int level = f->depth - h, rc;

	rc = ext_write(f, host, level);
	if (rc)
		return rc;
	if (ext_full(ext_node(f, level - 1))) {
		if (level - 1 == 0)
			rc = ext_grow(f, host);
		else
			rc = ext_next_node(f, host, h + 1, lblk);
		if (rc)
			return rc;
		level = f->depth - h;
	}
	rc = ext_new_block(f, host, level, (unsigned int)h);
	if (rc)
		return rc;
	ext_add_index(ext_node(f, level - 1), lblk, f->ext[level].pblk);
	f->ext[level - 1].dirty = true;
	return 0;
}

static int ext_map(struct extfs_file *f, const struct zfd_host *host,
		   struct extfs_map m)
{
	struct ext3_extent_header *leaf;
	struct ext3_extent *ex;
	uint32_t len;
	blk64_t n;
	int rc;

	if (m.lblk + m.len > 0xffffffffULL) {
		zfd_hlog(host, ZFD_LOG_ERR,
			 "file too large for an extent-mapped file");
		return -EFBIG;
	}
	while (m.len) {
		leaf = ext_node(f, f->depth);
		n = ext_entries(leaf);
		ex = EXT_FIRST_EXTENT(leaf) + n - 1;
		if (n) {
			len = ext2fs_le16_to_cpu(ex->ee_len);
			if (ext2fs_le32_to_cpu(ex->ee_block) + len == m.lblk &&
			    ext2fs_le32_to_cpu(ex->ee_start) +
					    ((blk64_t)ext2fs_le16_to_cpu(
						     ex->ee_start_hi)
					     << 32) +
					    len ==
				    m.pblk &&
			    len < EXT_INIT_MAX_LEN) {
				n = ZFD_MIN(m.len, EXT_INIT_MAX_LEN - len);
				ex->ee_len = ext2fs_cpu_to_le16((uint16_t)(len +
									   n));
				f->ext[f->depth].dirty = true;
				m.lblk += n;
				m.pblk += n;
				m.len -= n;
				continue;
			}
		}
		if (ext_full(leaf)) {
			rc = f->depth ? ext_next_node(f, host, 0,
						      (uint32_t)m.lblk) :
					ext_grow(f, host);
			if (rc)
				return rc;
			continue;
		}
		n = ZFD_MIN(m.len, EXT_INIT_MAX_LEN);
		ex = EXT_FIRST_EXTENT(leaf) + ext_entries(leaf);
		ex->ee_block = ext2fs_cpu_to_le32((uint32_t)m.lblk);
		ex->ee_len = ext2fs_cpu_to_le16((uint16_t)n);
		ex->ee_start = ext2fs_cpu_to_le32((uint32_t)m.pblk);
		ex->ee_start_hi = ext2fs_cpu_to_le16((uint16_t)(m.pblk >> 32));
		leaf->eh_entries = ext2fs_cpu_to_le16(ext_entries(leaf) + 1);
		f->ext[f->depth].dirty = true;
		m.lblk += n;
		m.pblk += n;
		m.len -= n;
	}
	return 0;
}

/* At most this many blocks of block map or extent tree for one commit. */
static blk64_t commit_meta(const struct extfs_file *f)
{
	const struct extfs_map *a = f->pending,
			       *z = f->pending + f->nr_pending - 1;
	blk64_t per = f->bs / 4;

	if (!f->nr_pending)
		return 4;
	if (f->extents)
		return 8 + f->nr_pending / 64;
	return 8 + (z->lblk + z->len - a->lblk) / per + 2;
}

blk64_t extfs_file_reserve(const struct extfs_file *f)
{
	blk64_t per = f->bs / 4, blocks = EXTFS_COMMIT_BYTES / f->bs;

	if (f->extents)
		return 64 + EXTFS_COMMIT_MAPS / 64;
	return 64 + blocks / per + blocks / (per * per) + 4;
}

static int commit_maps(struct extfs_file *f, const struct zfd_host *host)
{
	blk64_t k;
	size_t i;
	int rc;

	for (i = 0; i < f->nr_pending; i++) {
		struct extfs_map *m = &f->pending[i];

		if (f->extents) {
			rc = ext_map(f, host, *m);
			if (rc)
				return rc;
			continue;
		}
		for (k = 0; k < m->len; k++) {
			rc = ind_map(f, host, m->lblk + k, m->pblk + k);
			if (rc)
				return rc;
		}
	}
	f->nr_pending = 0;
	f->since_commit = 0;
	for (i = 0; i < 3; i++) {
		rc = ind_write(f, host, &f->ind[i]);
		if (rc)
			return rc;
	}
	for (k = (blk64_t)f->depth; f->extents && k >= 1; k--) {
		rc = ext_write(f, host, (int)k);
		if (rc)
			return rc;
	}
	return 0;
}

int extfs_file_commit(struct extfs_file *f, const struct zfd_host *host,
		      uint64_t size)
{
	struct timespec t0, t1;
	blk64_t meta, reserve;
	errcode_t err;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (extfs_io_fdatasync(f->fd) < 0) {
		rc = -errno;
		zfd_hlog(host, ZFD_LOG_ERR, "cannot sync the dump data: %s",
			 strerror(errno));
		return rc;
	}
	/* Written data need not stay in the (small) page cache. */
	posix_fadvise(f->fd, 0, 0, POSIX_FADV_DONTNEED);
	/* Room for new extent-tree or indirect blocks, before touching them. */
	meta = commit_meta(f);
	while (ext2fs_free_blocks_count(f->fs->super) < meta) {
		rc = f->nospc ? f->nospc(f->nospc_arg) : -ENOSPC;
		if (rc)
			return rc;
	}

	err = ext2fs_inode_size_set(f->fs, &f->inode, size);
	if (err)
		goto out_err;
	/* The reserve is there for this. */
	reserve = f->reserve;
	f->reserve = 0;
	rc = commit_maps(f, host);
	f->reserve = reserve;
	if (rc)
		return rc;
	f->inode.i_mtime = f->inode.i_ctime = (uint32_t)time(NULL);
	err = ext2fs_write_inode(f->fs, f->ino, &f->inode);
	if (!err)
		err = io_channel_flush(f->fs->io);
	if (err)
		goto out_err;
	f->size = size;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	zfd_hlog(host, ZFD_LOG_DEBUG, "commit at %" PRIu64 " MiB took %.3f s",
		 size >> 20,
		 (double)(t1.tv_sec - t0.tv_sec) +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;

out_err:
	zfd_hlog(host, ZFD_LOG_ERR, "cannot update inode %u: %s", f->ino,
		 error_message(err));
	return extfs_errno(err);
}
