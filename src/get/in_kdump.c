// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Input: a kdump-compressed file (makedumpfile's format, as written by
 * 'copy -f kdump' or makedumpfile itself), read with the bounds-checked
 * reader of src/lib/fmt_kdump. A flattened stream ('copy -f kdump-flat',
 * makedumpfile -F) is first turned into a kdump file in an unlinked
 * temporary file ($TMPDIR), as makedumpfile -R would.
 *
 * Memory byte X is physical address X: page frames in bitmap 2 are read
 * and decompressed, every other page is a hole (zeros). The dump model
 * (in->dump) carries the architecture, ranges (bitmap 1), notes and
 * VMCOREINFO for the writers. An s390 header is synthesized for the
 * commands that show one; an s390x kdump file keeps its CPUs only in its
 * notes, so 'copy -f s390' of it has no prefix list.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt_kdump.h"
#include "get.h"
#include "util.h"

struct kdump_in {
	struct get_file file;
	struct zfd_kdump_reader *r;
	uint32_t ps;
};

bool get_is_kdump(int fd)
{
	uint8_t b[16];

	if (zfd_pread_full(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return false;
	return memcmp(b, ZFD_KDUMP_SIG, 8) == 0 ||
	       zfd_kdump_is_flat(b, sizeof(b)) ||
	       (memcmp(b, ZFD_KDUMP_FLAT_SIG, 12) == 0 && !b[12]);
}

static int64_t file_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct get_file *f = arg;

	return f->read(f->arg, buf, len, off);
}

static int64_t fd_read(void *arg, void *buf, size_t len, uint64_t off)
{
	ssize_t n = zfd_pread_full((int)(intptr_t)arg, buf, len, off);

	return n < 0 ? -errno : n;
}

static int fd_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	return zfd_pwrite_full((int)(intptr_t)arg, buf, len, off) ==
			       (ssize_t)len ?
		       0 :
		       (errno ? -errno : -EIO);
}

static void fd_close(void *arg)
{
	close((int)(intptr_t)arg);
}

static int fill(struct get_in *in, uint64_t off, uint8_t *buf, size_t len,
		bool *any)
{
	struct kdump_in *k = in->priv;
	char why[GET_WHY_LEN];
	uint64_t pfn;
	size_t done, n, inpg;
	int rc;

	*any = false;
	for (done = 0; done < len; done += n) {
		pfn = (off + done) / k->ps;
		inpg = (size_t)((off + done) % k->ps);
		n = ZFD_MIN(len - done, (size_t)k->ps - inpg);
		if (inpg || n < k->ps) {
			uint8_t *page = malloc(k->ps);

			if (!page)
				return -ENOMEM;
			rc = zfd_kdump_read_page(k->r, pfn, page, why,
						 sizeof(why));
			if (!rc)
				memcpy(buf + done, page + inpg, n);
			free(page);
		} else {
			rc = zfd_kdump_read_page(k->r, pfn, buf + done, why,
						 sizeof(why));
		}
		if (rc == -ENOENT || rc == -ERANGE) {
			memset(buf + done, 0, n);
			continue;
		}
		/* corrupt page, or its codec's library does not load */
		if (rc == -EINVAL || rc == -ELIBACC) {
			snprintf(in->bad, sizeof(in->bad), "%s", why);
			return rc;
		}
		if (rc)
			return rc;
		*any = true;
	}
	return 0;
}

enum page_kind { PG_DATA, PG_HOLE, PG_ABSENT };

/*
 * A page in the file (bitmap 2), a hole (not memory: bitmap 1 clear,
 * zeros) or absent (memory the dump level left out, or behind a cut).
 */
static enum page_kind page_kind(struct kdump_in *k, uint64_t pfn)
{
	bool valid, dumped;

	if (zfd_kdump_pfn_state(k->r, pfn, &valid, &dumped) || dumped)
		return PG_DATA; /* read: zeros where nothing is */
	return valid ? PG_ABSENT : PG_HOLE;
}

static int kdump_stream(struct get_in *in, uint64_t len, get_mem_fn fn,
			void *arg)
{
	struct kdump_in *k = in->priv;
	uint64_t off = 0, end, n;
	enum page_kind kind;
	uint8_t *buf;
	bool any;
	int rc = 0;

	buf = malloc(GET_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	in->mem_streamed = 0;
	while (off < len && !rc) {
		/* a run of pages of one kind; data at most a buffer full */
		kind = page_kind(k, off / k->ps);
		for (end = (off / k->ps + 1) * k->ps; end < len; end += k->ps)
			if ((kind == PG_DATA && end - off >= GET_BUF_SIZE) ||
			    page_kind(k, end / k->ps) != kind)
				break;
		n = ZFD_MIN(end, len) - off;
		if (kind == PG_DATA) {
			n = ZFD_MIN(n, (uint64_t)GET_BUF_SIZE);
			rc = fill(in, off, buf, (size_t)n, &any);
			if (!rc)
				rc = fn(arg, off, buf, n);
		} else {
			/* a kdump output leaves absent pages out too */
			rc = fn(arg, off,
				kind == PG_ABSENT ? GET_MEM_ABSENT : NULL, n);
		}
		if (!rc) {
			off += n;
			in->mem_streamed = off;
		}
	}
	free(buf);
	return rc;
}

static int kdump_read_mem(struct get_in *in, uint64_t off, void *buf,
			  size_t len)
{
	bool any;

	return fill(in, off, buf, len, &any);
}

static void kdump_close(struct get_in *in)
{
	struct kdump_in *k = in->priv;

	if (!k)
		return;
	zfd_kdump_close(k->r);
	if (k->file.close)
		k->file.close(k->file.arg);
	free(k);
	in->priv = NULL;
}

int get_in_kdump_stream(struct get_in *in, uint64_t len, get_mem_fn fn,
			void *arg)
{
	return kdump_stream(in, len, fn, arg);
}

int get_in_kdump_read_mem(struct get_in *in, uint64_t off, void *buf,
			  size_t len)
{
	return kdump_read_mem(in, off, buf, len);
}

const struct zfd_kdump_info *get_in_kdump_info(const struct get_in *in)
{
	const struct kdump_in *k = in->priv;

	/* in->priv is a kdump_in for kdump files and streams only */
	if (!in->format || strncmp(in->format, "kdump", 5) != 0)
		return NULL;
	return k && k->r ? zfd_kdump_info(k->r) : NULL;
}

void get_in_kdump_close(struct get_in *in)
{
	kdump_close(in);
}

static const struct get_in_ops kdump_ops = {
	.kind = "kdump-compressed file",
	.stream = kdump_stream,
	.read_mem = kdump_read_mem,
	.close = kdump_close,
};

/* Turns the flattened stream in f into an unlinked temporary file. */
static int unflatten(struct get_file *f, char *why, size_t why_len)
{
	const char *dir = getenv("TMPDIR");
	char name[4096];
	uint64_t size;
	struct stat st;
	int fd, rc;

	snprintf(name, sizeof(name), "%s/zfcpdump-get.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(name);
	if (fd < 0) {
		snprintf(why, why_len,
			 "flattened kdump stream: cannot create "
			 "a temporary file: %s",
			 strerror(errno));
		return -EIO;
	}
	unlink(name);
	rc = zfd_kdump_unflatten(file_read, f, fd_write, (void *)(intptr_t)fd,
				 &size, why, why_len);
	if (rc) {
		if (rc != -EINVAL)
			snprintf(why, why_len, "flattened kdump stream: %s",
				 strerror(-rc));
		close(fd);
		return rc == -EINVAL ? rc : -EIO;
	}
	if (f->close)
		f->close(f->arg);
	f->read = fd_read;
	f->close = fd_close;
	f->arg = (void *)(intptr_t)fd;
	f->size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : size;
	return 0;
}

int get_in_kdump_open_file(struct get_in *in, const struct get_file *f,
			   char *why, size_t why_len)
{
	char sub[GET_WHY_LEN] = "";
	const struct zfd_kdump_info *ki;
	struct kdump_in *k;
	uint8_t head[32];
	bool flat;
	int rc;

	k = calloc(1, sizeof(*k));
	if (!k) {
		if (f->close)
			f->close(f->arg);
		return -ENOMEM;
	}
	k->file = *f;
	in->priv = k;
	in->ops = &kdump_ops;
	in->format = "kdump";
	flat = f->read(f->arg, head, sizeof(head), 0) ==
		       (int64_t)sizeof(head) &&
	       zfd_kdump_is_flat(head, sizeof(head));
	if (flat) {
		rc = unflatten(&k->file, sub, sizeof(sub));
		if (rc) {
			snprintf(why, why_len, "%s", sub);
			goto out_close;
		}
		in->format = "kdump-flat";
	}
	rc = zfd_kdump_open(&k->r, file_read, &k->file, k->file.size, sub,
			    sizeof(sub));
	if (rc == -ENODEV || rc == -EINVAL) {
		snprintf(why, why_len, "not a valid kdump file: %s", sub);
		rc = -EINVAL;
		goto out_close;
	}
	if (rc) {
		snprintf(why, why_len, "%s", sub[0] ? sub : strerror(-rc));
		goto out_close;
	}
	sub[0] = 0;
	rc = zfd_kdump_to_dump(k->r, &in->dump, sub, sizeof(sub));
	if (rc == -ENOMEM) {
		snprintf(why, why_len, "out of memory");
		goto out_close;
	}
	if (rc) {
		snprintf(why, why_len, "not a valid kdump file: %s",
			 sub[0] ? sub : strerror(-rc));
		goto out_close;
	}
	ki = zfd_kdump_info(k->r);
	k->ps = ki->page_size;

	memset(&in->hdr, 0, sizeof(in->hdr));
	in->hdr.magic = ZFD_S390_MAGIC;
	in->hdr.hdr_size = ZFD_S390_HDR_SIZE;
	in->hdr.page_size = k->ps;
	in->hdr.mem_size = in->dump.mem_size;
	in->hdr.mem_end = in->dump.mem_size;
	in->hdr.mem_size_real = in->dump.mem_size;
	in->hdr.num_pages = ki->max_mapnr > UINT32_MAX ?
				    UINT32_MAX :
				    (uint32_t)ki->max_mapnr;
	if (strcmp(ki->machine, "s390x") == 0) {
		/* an s390 header for -f s390 / elf (no CPUs: see above) */
		in->hdr.version = 5;
		in->hdr.arch = in->hdr.build_arch = ZFD_S390_ARCH_S390X;
	}
	in->hdr.tod = ki->time > 0 ? zfd_tod_from_unix(ki->time, 0) : 0;
	zfd_s390_hdr_encode(&in->hdr, in->hdr_raw);

	in->ranges = calloc(in->dump.nr_ranges ? in->dump.nr_ranges : 1,
			    sizeof(*in->ranges));
	if (!in->ranges) {
		rc = -ENOMEM;
		goto out_close;
	}
	for (size_t i = 0; i < in->dump.nr_ranges; i++) {
		in->ranges[i].start = in->dump.ranges[i].start;
		in->ranges[i].size = in->dump.ranges[i].size;
	}
	in->nr_ranges = in->dump.nr_ranges;
	in->mem_avail = in->hdr.mem_size;
	in->end_off = k->file.size;
	if (ki->status & ZFD_KDUMP_INCOMPLETE) {
		in->end = GET_END_MISSING;
		in->mem_avail = 0;
		for (uint64_t pfn = ki->max_mapnr; pfn > 0; pfn--) {
			bool valid, dumped;

			if (zfd_kdump_pfn_state(k->r, pfn - 1, &valid,
						&dumped) == 0 &&
			    dumped) {
				in->mem_avail = pfn * k->ps;
				break;
			}
		}
	} else {
		in->end = GET_END_OK;
		in->end_tod = in->hdr.tod;
		zfd_s390_end_marker(in->end_raw, in->end_tod);
	}
	return 0;

out_close:
	kdump_close(in);
	in->ops = NULL;
	return rc;
}

int get_in_kdump_open(struct get_in *in, int fd, const char *path, char *why,
		      size_t why_len)
{
	struct get_file f = {
		.read = fd_read,
		.close = fd_close,
		.arg = (void *)(intptr_t)fd,
	};
	struct stat st;

	(void)path;
	if (fstat(fd, &st) != 0) {
		snprintf(why, why_len, "cannot stat: %s", strerror(errno));
		close(fd);
		return -EIO;
	}
	f.size = (uint64_t)st.st_size;
	f.mtime = st.st_mtim.tv_sec;
	return get_in_kdump_open_file(in, &f, why, why_len);
}
