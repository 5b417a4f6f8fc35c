// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Input: an ELF64 core of an s390x system (zfcpdump-get copy -f elf, the
 * extfs sink with format = "elf", /proc/vmcore of s390x), read with the
 * bounds-checked reader of src/lib/fmt_elf. Converted on the fly into the
 * s390 stream: a header built from the notes (prefixes from
 * NT_S390_PREFIX), memory byte X = physical address X (holes as zeros),
 * each CPU's save area in its prefix page rebuilt from its notes.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt_elf.h"
#include "get.h"
#include "util.h"

struct elf_in {
	struct get_file file;
	struct zfd_elf_info *info;
	int seek_fd; /* a regular file's fd (SEEK_DATA), or -1 */
};

static int64_t file_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct get_file *f = arg;

	return f->read(f->arg, buf, len, off);
}

static bool read_all(struct elf_in *e, void *buf, size_t len, uint64_t off)
{
	return e->file.read(e->file.arg, buf, len, off) == (int64_t)len;
}

/* The file ends (a cut-off copy, an incomplete dump, a short tape). */
static void note_cut(struct get_in *in, uint64_t at)
{
	struct elf_in *e = in->priv;

	in->end = GET_END_MISSING;
	if (!in->cut[0])
		snprintf(in->cut, sizeof(in->cut),
			 "ELF core cut off: file "
			 "has %" PRIu64 " bytes, its PT_LOADs end at %" PRIu64,
			 at, e->info->data_end);
}

static int64_t fd_read(void *arg, void *buf, size_t len, uint64_t off)
{
	ssize_t n = zfd_pread_full((int)(intptr_t)arg, buf, len, off);

	return n < 0 ? -errno : n;
}

static void fd_close(void *arg)
{
	close((int)(intptr_t)arg);
}

bool get_is_elf(int fd)
{
	uint8_t b[4];

	return zfd_pread_full(fd, b, 4, 0) == 4 && memcmp(b, "\177ELF", 4) == 0;
}

/* Save area of a CPU, or UINT64_MAX. */
static uint64_t sa_off(const struct get_in *in, size_t cpu)
{
	return (uint64_t)in->hdr.lc_vec[cpu] + ZFD_S390_SA_OFF;
}

/* Overlays the save areas rebuilt from the notes on [off, off + len). */
static void patch_save_areas(struct get_in *in, uint64_t off, uint8_t *buf,
			     size_t len)
{
	struct elf_in *e = in->priv;
	uint8_t sa[ZFD_S390_SA_SIZE];
	uint64_t s, from, to;
	size_t c;

	if (!e->info->s390x)
		return; /* registers only in the notes: memory as it is */
	for (c = 0; c < e->info->nr_cpus && c < in->hdr.cpu_cnt; c++) {
		s = sa_off(in, c);
		if (s == UINT64_MAX || s >= off + len || s + sizeof(sa) <= off)
			continue;
		/* keep the padding bytes of the memory as they are */
		from = ZFD_MAX(s, off);
		to = ZFD_MIN(s + sizeof(sa), off + len);
		memset(sa, 0, sizeof(sa));
		if (s >= off && s + sizeof(sa) <= off + len)
			memcpy(sa, buf + (s - off), sizeof(sa));
		zfd_elf_cpu_save_area(e->info, c, sa);
		memcpy(buf + (from - off), sa + (from - s), to - from);
	}
}

/* Start of the next save-area page at or after off (UINT64_MAX: none). */
static uint64_t next_sa_page(const struct get_in *in, uint64_t off)
{
	struct elf_in *e = in->priv;
	uint64_t best = UINT64_MAX, p;
	size_t c;

	for (c = 0; c < e->info->nr_cpus && c < in->hdr.cpu_cnt; c++) {
		if (sa_off(in, c) == UINT64_MAX)
			continue;
		p = ZFD_ALIGN_DOWN(sa_off(in, c), 4096);
		if (p + 4096 > off && p < best)
			best = p;
	}
	return best;
}

static int elf_stream(struct get_in *in, uint64_t len, get_mem_fn fn, void *arg)
{
	struct elf_in *e = in->priv;
	uint64_t off = 0, foff, n, sa;
	bool present;
	uint8_t *buf;
	int rc = 0;

	if (posix_memalign((void **)&buf, 4096, GET_BUF_SIZE))
		return -ENOMEM;
	in->mem_streamed = 0;
	while (off < len) {
		present = zfd_elf_map(e->info, off, &foff, &n);
		if (present)
			n = ZFD_MIN(ZFD_MIN(n, len - off),
				    (uint64_t)GET_BUF_SIZE);
		if (!present) {
			/*
			 * A hole goes to the consumer in one piece, whatever
			 * its size (output files skip it, digests hash its
			 * zeros in bulk): the number of calls is bounded by
			 * the PT_LOADs, not by the memory they describe.
			 */
			n = ZFD_MIN(n, ZFD_MIN(len - off, (uint64_t)SIZE_MAX));
			sa = next_sa_page(in, off);
			if (sa <= off) {
				/* a save area in a hole: zeros plus registers */
				n = ZFD_MIN(n, sa + 4096 - off);
				memset(buf, 0, n);
				patch_save_areas(in, off, buf, n);
				rc = fn(arg, off, buf, n);
			} else {
				n = ZFD_MIN(n, sa - off);
				rc = fn(arg, off, NULL, n);
			}
		} else {
			int64_t got;

			if (foff >= e->file.size)
				break;
			n = ZFD_MIN(n, e->file.size - foff);
			got = e->file.read(e->file.arg, buf, n, foff);
			if (got < 0) {
				rc = (int)got;
				break;
			}
			if ((uint64_t)got < n) {
				/* the end of what is stored (a tape's data) */
				note_cut(in, foff + (uint64_t)got);
				n = (uint64_t)got;
				if (!n)
					break;
			}
			patch_save_areas(in, off, buf, n);
			rc = fn(arg, off, buf, n);
		}
		if (rc)
			break;
		off += n;
		in->mem_streamed = off;
	}
	free(buf);
	return rc;
}

static int elf_read_mem(struct get_in *in, uint64_t off, void *buf, size_t len)
{
	struct elf_in *e = in->priv;
	uint64_t foff, n, done = 0;

	while (done < len) {
		if (zfd_elf_map(e->info, off + done, &foff, &n)) {
			n = ZFD_MIN(n, len - done);
			if (foff + n > e->file.size ||
			    !read_all(e, (uint8_t *)buf + done, n, foff))
				return -EIO;
		} else {
			n = ZFD_MIN(n, len - done);
			memset((uint8_t *)buf + done, 0, n);
		}
		done += n;
	}
	patch_save_areas(in, off, buf, len);
	return 0;
}

static int elf_stream_stored(struct get_in *in, uint64_t len, get_mem_fn fn,
			     void *arg)
{
	struct elf_in *e = in->priv;
	uint64_t off = 0, n, data_end = 0;
	int64_t got;
	uint8_t *buf;
	off_t d;
	int rc = 0;

	if (posix_memalign((void **)&buf, 4096, GET_BUF_SIZE))
		return -ENOMEM;
	in->stored_streamed = 0;
	while (off < len && off < e->file.size) {
		n = ZFD_MIN(ZFD_MIN(len - off, e->file.size - off),
			    (uint64_t)GET_BUF_SIZE);
		if (e->seek_fd >= 0 && off >= data_end) {
			/* a sparse file's holes go as zeros, unread */
			d = lseek(e->seek_fd, (off_t)off, SEEK_DATA);
			if (d < 0)
				d = (off_t)e->file.size;
			if ((uint64_t)d > off) {
				n = ZFD_MIN((uint64_t)d - off, len - off);
				rc = fn(arg, off, NULL, (size_t)n);
				if (rc)
					break;
				off += n;
				in->stored_streamed = off;
				continue;
			}
			d = lseek(e->seek_fd, (off_t)off, SEEK_HOLE);
			data_end = d < 0 ? e->file.size : (uint64_t)d;
		}
		if (e->seek_fd >= 0)
			n = ZFD_MIN(n, data_end - off);
		got = e->file.read(e->file.arg, buf, n, off);
		if (got < 0) {
			rc = (int)got;
			break;
		}
		if (!got)
			break;
		rc = fn(arg, off, buf, (size_t)got);
		if (rc)
			break;
		off += (uint64_t)got;
		in->stored_streamed = off;
	}
	free(buf);
	return rc;
}

/*
 * Where the stored data of memory [0, x) ends: behind the last byte of it
 * any PT_LOAD stores (the physical memory map: each page once), at least
 * the prologue. Memory offset X is physical address X (dump.h: an ELF
 * core's model starts at 0).
 */
static uint64_t elf_stored_end(const struct get_in *in, uint64_t x)
{
	const struct elf_in *e = in->priv;
	const struct zfd_elf_load *l;
	uint64_t end = in->prologue_len;
	size_t i;

	if (x >= e->info->mem_end)
		return in->stored_size;
	for (i = 0; i < e->info->nr_loads; i++) {
		l = &e->info->loads[i];
		if (!l->filesz || l->paddr >= x)
			continue;
		end = ZFD_MAX(end,
			      l->offset + ZFD_MIN(l->filesz, x - l->paddr));
	}
	return ZFD_MIN(end, in->stored_size);
}

int get_in_elf_digest_len(const struct get_in *in, uint64_t *len, char *why,
			  size_t why_len)
{
	uint64_t end, dumped;
	const char *st;

	*len = in->stored_size;
	if (!in->man_ok)
		return 0;
	st = zfd_manifest_get(&in->man, "status");
	if (!st || strcmp(st, "incomplete") != 0)
		return 0;
	/*
	 * Incomplete: the prologue and the data written, which ends at
	 * stored_end where the manifest names it, else where memory offset
	 * dumped_bytes (how far the dump got, holes included) is stored.
	 */
	if (zfd_manifest_get_u64(&in->man, "stored_end", &end) == 0) {
		if (end > in->stored_size || end < in->prologue_len) {
			snprintf(why, why_len,
				 "manifest stored_end %" PRIu64
				 " is outside the dump's data [%" PRIu64
				 ", %" PRIu64 "]",
				 end, in->prologue_len, in->stored_size);
			return -EINVAL;
		}
		*len = end;
		return 0;
	}
	if (zfd_manifest_get_u64(&in->man, "dumped_bytes", &dumped) != 0) {
		snprintf(why, why_len,
			 "manifest of an incomplete dump without "
			 "dumped_bytes");
		return -EINVAL;
	}
	*len = elf_stored_end(in, dumped);
	return 0;
}

bool get_in_elf_prologue_cut(const struct get_in *in)
{
	const struct elf_in *e = in->priv;
	uint64_t dumped, msize;
	const char *st;

	if (!e || !in->man_ok)
		return false;
	st = zfd_manifest_get(&in->man, "status");
	return st && strcmp(st, "incomplete") == 0 &&
	       zfd_manifest_get_u64(&in->man, "dumped_bytes", &dumped) == 0 &&
	       zfd_manifest_get_u64(&in->man, "mem_size", &msize) == 0 &&
	       e->info->mem_end <= dumped && dumped < msize;
}

static void elf_close(struct get_in *in)
{
	struct elf_in *e = in->priv;

	if (!e)
		return;
	zfd_elf_info_free(e->info);
	if (e->file.close)
		e->file.close(e->file.arg);
	free(e);
	in->priv = NULL;
}

static const struct get_in_ops elf_ops = {
	.kind = "ELF core",
	.stream = elf_stream,
	.read_mem = elf_read_mem,
	.stream_stored = elf_stream_stored,
	.close = elf_close,
};

static const struct get_in_ops elf_raw_ops = {
	.kind = "raw dump (partition or image)",
	.stream = elf_stream,
	.read_mem = elf_read_mem,
	.stream_stored = elf_stream_stored,
	.close = elf_close,
};

int get_in_elf_stream(struct get_in *in, uint64_t len, get_mem_fn fn, void *arg)
{
	return elf_stream(in, len, fn, arg);
}

int get_in_elf_read_mem(struct get_in *in, uint64_t off, void *buf, size_t len)
{
	return elf_read_mem(in, off, buf, len);
}

void get_in_elf_close(struct get_in *in)
{
	elf_close(in);
}

void *get_in_elf_file_arg(const struct get_in *in)
{
	const struct elf_in *e = in->priv;

	return e ? e->file.arg : NULL;
}

/* A manifest block at off (ZFD_MANIFEST_MAX bytes in blk)? */
static bool take_manifest(struct get_in *in, const uint8_t *blk, size_t len,
			  uint64_t off)
{
	char where[64];

	if (len <= 16 || memcmp(blk, ZFD_MANIFEST_MAGIC "\n", 16) != 0)
		return false;
	snprintf(where, sizeof(where), "manifest block at offset %" PRIu64,
		 off);
	get_in_set_manifest(in, (const char *)blk, len, where);
	in->ops = &elf_raw_ops;
	return true;
}

/*
 * A raw partition or its image: the manifest block at the 4 KiB boundary
 * behind the stored dump (sink.h: raw); a dump file: FILE.info beside it.
 */
static void load_manifest(struct get_in *in, int fd, const char *path,
			  uint64_t size, bool regular)
{
	uint64_t man_off = ZFD_ALIGN_UP(in->stored_size, (uint64_t)4096);
	uint8_t *blk;
	ssize_t n;

	if (size > man_off) {
		blk = calloc(1, ZFD_MANIFEST_MAX);
		if (!blk)
			return;
		n = zfd_pread_full(fd, blk,
				   (size_t)ZFD_MIN(size - man_off,
						   (uint64_t)ZFD_MANIFEST_MAX),
				   man_off);
		if (n > 0)
			take_manifest(in, blk, (size_t)n, man_off);
		free(blk);
	}
	if (!in->man_text && regular)
		get_in_load_sibling_manifest(in, path);
}

int get_in_elf_open(struct get_in *in, int fd, const char *path, char *why,
		    size_t why_len)
{
	struct get_file f = {
		.read = fd_read,
		.close = fd_close,
		.arg = (void *)(intptr_t)fd,
	};
	struct stat st;
	int rc;

	if (fstat(fd, &st) != 0) {
		snprintf(why, why_len, "cannot stat: %s", strerror(errno));
		close(fd);
		return -EIO;
	}
	f.size = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &f.size) != 0) {
		rc = -errno;
		snprintf(why, why_len, "cannot get device size: %s",
			 strerror(errno));
		close(fd);
		return rc;
	}
	f.mtime = st.st_mtim.tv_sec;
	rc = get_in_elf_open_file(in, &f, why, why_len);
	if (rc)
		return rc;
	if (S_ISBLK(st.st_mode))
		in->ops = &elf_raw_ops;
	if (S_ISREG(st.st_mode))
		((struct elf_in *)in->priv)->seek_fd = fd;
	load_manifest(in, fd, path, f.size, S_ISREG(st.st_mode));
	get_in_elf_fit_manifest(in);
	return 0;
}

int get_in_elf_open_file(struct get_in *in, const struct get_file *f, char *why,
			 size_t why_len)
{
	char sub[GET_WHY_LEN];
	struct elf_in *e;
	size_t i;
	int rc;

	e = calloc(1, sizeof(*e));
	if (!e) {
		/*
		 * The file is closed on every failure, and the caller's
		 * input is left without ops or priv: whoever set them
		 * before (in_extfs.c) must not close its file again.
		 */
		if (f->close)
			f->close(f->arg);
		in->ops = NULL;
		in->priv = NULL;
		return -ENOMEM;
	}
	e->file = *f;
	e->seek_fd = -1;
	in->priv = e;
	in->ops = &elf_ops;
	in->format = "elf";
	rc = zfd_elf_parse(&e->info, file_read, &e->file, e->file.size, sub,
			   sizeof(sub));
	if (rc == -EINVAL) {
		char sub2[GET_WHY_LEN];

		/* a core cut off behind its notes is incomplete, not alien */
		if (zfd_elf_parse(&e->info, file_read, &e->file, UINT64_MAX,
				  sub2, sizeof(sub2)) == 0) {
			if (e->info->data_end > e->file.size)
				rc = 0;
			else {
				zfd_elf_info_free(e->info);
				e->info = NULL;
			}
		}
	}
	if (rc == -EINVAL || rc == -ENODEV) {
		snprintf(why, why_len, "not a valid ELF core: %s", sub);
		rc = -ENODEV;
		goto out_close;
	}
	if (rc) {
		snprintf(why, why_len, "%s", sub);
		goto out_close;
	}
	rc = zfd_dump_from_elf(&in->dump, e->info);
	if (rc) {
		snprintf(why, why_len, "out of memory");
		goto out_close;
	}
	if (e->info->s390x) {
		rc = zfd_elf_to_s390_hdr(e->info, &in->hdr, sub, sizeof(sub));
		if (rc) {
			snprintf(why, why_len, "ELF core, but %s", sub);
			rc = -ENODEV;
			goto out_close;
		}
	} else {
		/* any other architecture: the memory fields only (get.h) */
		memset(&in->hdr, 0, sizeof(in->hdr));
		in->hdr.hdr_size = ZFD_S390_HDR_SIZE;
		in->hdr.page_size = ZFD_S390_PAGE_SIZE;
		in->hdr.mem_size = in->dump.mem_size;
		in->hdr.mem_end = in->dump.mem_size;
		in->hdr.mem_size_real = in->dump.mem_size;
		in->hdr.num_pages = (uint32_t)
			ZFD_MIN(in->dump.mem_size / ZFD_S390_PAGE_SIZE,
				(uint64_t)UINT32_MAX);
		in->hdr.cpu_cnt = (uint16_t)ZFD_MIN(in->dump.nr_cpus,
						    (size_t)ZFD_S390_MAX_CPUS);
		in->hdr.real_cpu_cnt = in->hdr.cpu_cnt;
	}
	/* the crash time, else the file's time, stands in for the dump
	 * times the core lacks */
	in->hdr.tod = zfd_tod_from_unix(in->dump.crash_time ?
						in->dump.crash_time :
						e->file.mtime,
					0);
	zfd_s390_hdr_encode(&in->hdr, in->hdr_raw);
	in->ranges = calloc(e->info->nr_loads ? e->info->nr_loads : 1,
			    sizeof(*in->ranges));
	if (!in->ranges) {
		snprintf(why, why_len, "out of memory");
		rc = -ENOMEM;
		goto out_close;
	}
	for (i = 0; i < e->info->nr_loads; i++) {
		in->ranges[i].start = e->info->loads[i].paddr;
		in->ranges[i].size = e->info->loads[i].memsz;
	}
	in->nr_ranges = e->info->nr_loads;
	in->mem_avail = in->hdr.mem_size;
	in->prologue_len = ZFD_ALIGN_UP(e->info->headers_end, (uint64_t)4096);
	in->stored_size = e->info->data_end > UINT64_MAX - 4095 ?
				  UINT64_MAX - 4095 :
				  ZFD_MAX(ZFD_ALIGN_UP(e->info->data_end,
						       (uint64_t)4096),
					  in->prologue_len);
	/* an ELF core has no end marker: complete means all of it is there */
	in->end_off = e->info->data_end;
	in->end_tod = in->hdr.tod;
	zfd_s390_end_marker(in->end_raw, in->end_tod);
	if (e->file.size >= e->info->data_end)
		in->end = GET_END_OK;
	else
		note_cut(in, e->file.size);
	return 0;

out_close:
	elf_close(in);
	zfd_dump_free(&in->dump);
	in->ops = NULL;
	return rc;
}

void get_in_elf_fit_manifest(struct get_in *in)
{
	uint64_t msize;

	if (!in->man_ok || strcmp(in->format, "elf") != 0 ||
	    zfd_manifest_get_u64(&in->man, "mem_size", &msize) != 0 ||
	    msize <= in->hdr.mem_size || msize % ZFD_S390_PAGE_SIZE)
		return;
	/* memory that ends in a hole: the PT_LOADs stop before mem_size */
	in->hdr.mem_size = msize;
	in->hdr.mem_size_real = msize;
	in->hdr.mem_end = msize - 1;
	in->hdr.num_pages = (uint32_t)ZFD_MIN(msize / ZFD_S390_PAGE_SIZE,
					      (uint64_t)UINT32_MAX);
	in->mem_avail = msize;
	zfd_s390_hdr_encode(&in->hdr, in->hdr_raw);
}
