// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Input: a kdump dump as the daemon stores it on every sink, makedumpfile's
 * FLATTENED stream (fmt_kdump.h), inside its container: a raw partition or
 * image (manifest block at ALIGN_UP(S, 4096)), a file dump.N in an ext
 * filesystem (manifest dump.N.info), a tape (file 1 the stream, file 2 the
 * manifest), or a plain file with FILE.info beside it.
 *
 * One pass reads the stream front to back (a tape allows nothing else):
 * it checks every record against the container's size, hashes the stored
 * bytes [0, ALIGN_UP(S, 4096)) (S = the offset just behind the end
 * record; the sinks store whole pages, zeros behind it: what the
 * manifest's digest covers, doc/kdump.md), turns the records into a
 * kdump file in an
 * unlinked temporary file ($TMPDIR), and keeps the status of the last
 * kdump header record. A well-formed stream is then read as a kdump file
 * (in_kdump.c: info, copy, dmesg); a stream without its end record, or
 * with a record that cannot be, stays a stream: info and verify say what
 * is wrong, copy and dmesg refuse it in one line.
 *
 * A raw partition is first scanned without reading the data (the 16-byte
 * record headers only) to find S and so its manifest.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "be.h"
#include "digest.h"
#include "get.h"
#include "util.h"

/* Read-ahead of the pass; records are at most ~1 MiB, any size works. */
#define KS_BUF	      (1u << 20)
/* Offset of the header's status in the 64-bit disk_dump_header. */
#define KS_STATUS_OFF 424

/*
 * The status of a kdump header (hdr, len bytes from offset 0 of the kdump
 * file): 0 and *status, or -EINVAL (no "KDUMP   " signature, version
 * neither 6 little- nor big-endian).
 */
static int hdr_status(const uint8_t *hdr, size_t len, uint32_t *status)
{
	if (len < KS_STATUS_OFF + 4 || memcmp(hdr, ZFD_KDUMP_SIG, 8) != 0)
		return -EINVAL;
	if (zfd_get_le32(hdr + 8) == ZFD_KDUMP_VERSION)
		*status = zfd_get_le32(hdr + KS_STATUS_OFF);
	else if (zfd_get_be32(hdr + 8) == ZFD_KDUMP_VERSION)
		*status = zfd_get_be32(hdr + KS_STATUS_OFF);
	else
		return -EINVAL;
	return 0;
}

static const char *where_name(uint64_t limit)
{
	return limit == UINT64_MAX ? "tape" : "container";
}

/*
 * A record header at pos: false when it cannot be (ks->bad) or when the
 * stream stops there (ks->cut): a header of zeros (what a raw sink that
 * failed leaves behind its data), or, when soft, data that runs past
 * limit (the end of a file, a raw partition's manifest block behind a
 * cut stream).
 */
static bool rec_ok(struct get_kstream *ks, uint64_t pos, uint64_t off,
		   uint64_t size, uint64_t limit, bool soft)
{
	if (off == 0 && size == 0) {
		snprintf(ks->cut, sizeof(ks->cut),
			 "flattened kdump stream ends at %" PRIu64
			 " without its end record (zeros there)",
			 pos);
		return false;
	}
	if (off >> 56 || size == 0 || size >> 40) {
		snprintf(ks->bad, sizeof(ks->bad),
			 "flattened kdump stream: record at %" PRIu64
			 ": offset %" PRIu64 " size %" PRIu64 " are impossible",
			 pos, off, size);
		return false;
	}
	if (limit != UINT64_MAX &&
	    size > limit - pos - ZFD_KDUMP_FLAT_REC_SIZE) {
		if (soft)
			snprintf(ks->cut, sizeof(ks->cut),
				 "flattened kdump stream cut off: the record "
				 "at %" PRIu64 " (%" PRIu64 " bytes) runs past "
				 "the end of the data at %" PRIu64,
				 pos, size, limit);
		else
			snprintf(ks->bad, sizeof(ks->bad),
				 "flattened kdump stream: record at %" PRIu64
				 ": its %" PRIu64 " bytes run past the end of "
				 "the %s (%" PRIu64 " bytes)",
				 pos, size, where_name(limit), limit);
		return false;
	}
	return true;
}

/* The flat header (4096 bytes): 0, or -EINVAL with ks->bad. */
static int check_flat_hdr(struct get_kstream *ks, const uint8_t *h)
{
	if (!zfd_kdump_is_flat(h, ZFD_KDUMP_FLAT_HDR_SIZE))
		return -ENODEV;
	if (zfd_get_be64(h + 16) != 1 || zfd_get_be64(h + 24) != 1) {
		snprintf(ks->bad, sizeof(ks->bad),
			 "flattened kdump stream type %" PRIu64
			 " version %" PRIu64 " (1 and 1 expected)",
			 zfd_get_be64(h + 16), zfd_get_be64(h + 24));
		return -EINVAL;
	}
	return 0;
}

static void note_cut(struct get_kstream *ks, uint64_t pos, uint64_t need)
{
	if (need)
		snprintf(ks->cut, sizeof(ks->cut),
			 "flattened kdump stream cut off at %" PRIu64
			 " inside a record of %" PRIu64 " bytes",
			 pos, need);
	else
		snprintf(ks->cut, sizeof(ks->cut),
			 "flattened kdump stream ends at %" PRIu64
			 " without its end record",
			 pos);
}

int get_kstream_scan(const struct get_file *f, uint64_t limit,
		     struct get_kstream *ks)
{
	uint8_t hdr[ZFD_KDUMP_FLAT_HDR_SIZE], rec[ZFD_KDUMP_FLAT_REC_SIZE];
	uint8_t kh[KS_STATUS_OFF + 4];
	uint64_t pos, off, size;
	int64_t got;
	int rc;

	memset(ks, 0, sizeof(*ks));
	got = f->read(f->arg, hdr, sizeof(hdr), 0);
	if (got < 0)
		return (int)got;
	if (got != (int64_t)sizeof(hdr))
		return -ENODEV;
	rc = check_flat_hdr(ks, hdr);
	if (rc)
		return rc == -ENODEV ? rc : 0;
	for (pos = sizeof(hdr);; pos += ZFD_KDUMP_FLAT_REC_SIZE + size) {
		ks->size = pos;
		if (limit - pos < ZFD_KDUMP_FLAT_REC_SIZE) {
			note_cut(ks, pos, 0);
			return 0;
		}
		got = f->read(f->arg, rec, sizeof(rec), pos);
		if (got < 0)
			return (int)got;
		if (got != (int64_t)sizeof(rec)) {
			note_cut(ks, pos, 0);
			return 0;
		}
		off = zfd_get_be64(rec);
		size = zfd_get_be64(rec + 8);
		if (off == UINT64_MAX && size == UINT64_MAX) {
			ks->last_rec = pos;
			ks->size = pos + ZFD_KDUMP_FLAT_REC_SIZE;
			ks->ended = true;
			break;
		}
		if (!rec_ok(ks, pos, off, size, limit, false))
			return 0;
		ks->last_rec = pos;
		ks->records++;
		if (off == 0 && size >= sizeof(kh)) {
			got = f->read(f->arg, kh, sizeof(kh),
				      pos + ZFD_KDUMP_FLAT_REC_SIZE);
			if (got < 0)
				return (int)got;
			ks->have_hdr = got == (int64_t)sizeof(kh) &&
				       hdr_status(kh, sizeof(kh),
						  &ks->hdr_status) == 0;
		}
	}
	if (!ks->have_hdr)
		snprintf(ks->bad, sizeof(ks->bad),
			 "flattened kdump stream without a kdump header "
			 "record (\"KDUMP   \" at offset 0)");
	return 0;
}

/* The pass: a read-ahead window over the stream, consumed in order. */
struct pass {
	const struct get_file *f;
	uint64_t limit;
	bool soft; /* limit is a manifest block behind a cut stream */
	uint8_t *buf;
	uint64_t boff; /* stream offset of buf[0] */
	size_t blen;
	bool eof;
	uint64_t pos; /* consumed (and hashed) */
	struct zfd_digest *d;
	int tmpfd;
};

/*
 * Makes [pos, pos + n) available (n <= KS_BUF): the bytes there (fewer at
 * the end of the stream), or -errno.
 */
static int64_t need(struct pass *p, size_t n)
{
	size_t keep = (size_t)(p->boff + p->blen - p->pos);
	uint64_t want;
	int64_t got;

	if (keep >= n || p->eof)
		return (int64_t)ZFD_MIN(keep, n);
	memmove(p->buf, p->buf + (p->pos - p->boff), keep);
	p->boff = p->pos;
	p->blen = keep;
	while (p->blen < n && !p->eof) {
		want = KS_BUF - p->blen;
		if (p->limit - (p->boff + p->blen) < want)
			want = p->limit - (p->boff + p->blen);
		if (!want) {
			p->eof = true;
			break;
		}
		got = p->f->read(p->f->arg, p->buf + p->blen, (size_t)want,
				 p->boff + p->blen);
		if (got < 0)
			return got;
		if (got == 0)
			p->eof = true;
		p->blen += (size_t)got;
	}
	return (int64_t)ZFD_MIN(p->blen, n);
}

static const uint8_t *at(const struct pass *p)
{
	return p->buf + (p->pos - p->boff);
}

static void consume(struct pass *p, size_t n)
{
	zfd_digest_update(p->d, at(p), n);
	p->pos += n;
}

static int tmp_write(int fd, uint64_t off, const void *buf, size_t len)
{
	if (zfd_pwrite_full(fd, buf, len, off) != (ssize_t)len)
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * The pass over the stream (see the top): ks filled, the kdump file in
 * p->tmpfd. 0 (faults of the stream are in ks), or -errno for an I/O
 * error (why).
 */
static int run_pass(struct pass *p, struct get_kstream *ks, char *why,
		    size_t why_len)
{
	uint64_t off, size, rpos;
	bool first;
	size_t n;
	int64_t got;
	int rc;

	got = need(p, ZFD_KDUMP_FLAT_HDR_SIZE);
	if (got < 0)
		goto io_err;
	if (got != ZFD_KDUMP_FLAT_HDR_SIZE || check_flat_hdr(ks, at(p)) != 0) {
		if (!ks->bad[0])
			snprintf(ks->bad, sizeof(ks->bad),
				 "not a flattened kdump stream");
		return 0;
	}
	consume(p, ZFD_KDUMP_FLAT_HDR_SIZE);
	for (;;) {
		ks->size = p->pos;
		got = need(p, ZFD_KDUMP_FLAT_REC_SIZE);
		if (got < 0)
			goto io_err;
		if (got != ZFD_KDUMP_FLAT_REC_SIZE) {
			note_cut(ks, p->pos, 0);
			break;
		}
		rpos = p->pos;
		off = zfd_get_be64(at(p));
		size = zfd_get_be64(at(p) + 8);
		if (off == UINT64_MAX && size == UINT64_MAX) {
			consume(p, ZFD_KDUMP_FLAT_REC_SIZE);
			ks->last_rec = rpos;
			ks->size = p->pos;
			ks->ended = true;
			/* the stored padding to whole pages, as it is */
			n = (size_t)(ZFD_ALIGN_UP(p->pos, (uint64_t)4096) -
				     p->pos);
			got = need(p, n);
			if (got < 0)
				goto io_err;
			zfd_digest_update(p->d, at(p), (size_t)got);
			break;
		}
		if (!rec_ok(ks, rpos, off, size, p->limit, p->soft))
			return 0;
		ks->last_rec = rpos;
		consume(p, ZFD_KDUMP_FLAT_REC_SIZE);
		ks->records++;
		for (first = true; size; first = false) {
			n = (size_t)ZFD_MIN(size, (uint64_t)KS_BUF);
			got = need(p, n);
			if (got < 0)
				goto io_err;
			if ((uint64_t)got < n) {
				consume(p, (size_t)got);
				ks->size = p->pos;
				note_cut(ks, p->pos, size);
				return 0;
			}
			if (first && off == 0)
				ks->have_hdr = hdr_status(at(p), n,
							  &ks->hdr_status) == 0;
			rc = p->tmpfd < 0 ? 0 :
					    tmp_write(p->tmpfd, off, at(p), n);
			if (rc) {
				snprintf(why, why_len,
					 "temporary kdump file: %s",
					 strerror(-rc));
				return rc;
			}
			consume(p, n);
			off += n;
			size -= n;
		}
	}
	if (ks->ended && !ks->have_hdr)
		snprintf(ks->bad, sizeof(ks->bad),
			 "flattened kdump stream without a kdump header "
			 "record (\"KDUMP   \" at offset 0)");
	return 0;

io_err:
	snprintf(why, why_len, "read error at stream offset %" PRIu64 ": %s",
		 p->pos, strerror((int)-got));
	return (int)got;
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

static int ks_stream(struct get_in *in, uint64_t len, get_mem_fn fn, void *arg)
{
	return get_in_kdump_stream(in, len, fn, arg);
}

/* A stream that is cut or corrupt has no memory to give: nothing streams
 * (in->mem_streamed stays 0; ks->bad or ks->cut says why). */
static int ks_stream_none(struct get_in *in, uint64_t len, get_mem_fn fn,
			  void *arg)
{
	(void)len;
	(void)fn;
	(void)arg;
	in->mem_streamed = 0;
	return -EINVAL;
}

static int ks_read_mem(struct get_in *in, uint64_t off, void *buf, size_t len)
{
	return get_in_kdump_read_mem(in, off, buf, len);
}

static int ks_load_tail(struct get_in *in)
{
	(void)in;
	return 0;
}

static void ks_close(struct get_in *in)
{
	struct get_kstream *ks = in->kstream;

	if (in->priv)
		get_in_kdump_close(in);
	if (ks && ks->src.close)
		ks->src.close(ks->src.arg);
	free(ks);
	in->kstream = NULL;
}

/* verify needs no kdump file: the digest and the records say it all */
static bool light;

void get_kstream_light(bool on)
{
	light = on;
}

int get_in_kstream_open(struct get_in *in, const struct get_file *src,
			uint64_t limit, bool soft, const char *kind, char *why,
			size_t why_len)
{
	const char *dir = getenv("TMPDIR");
	struct get_kstream *ks;
	struct pass p = { .f = src, .limit = limit, .soft = soft, .tmpfd = -1 };
	struct get_file tf = { .read = fd_read, .close = fd_close };
	char name[4096], sub[GET_WHY_LEN];
	struct stat st;
	int rc;

	in->priv = NULL;
	in->ops = NULL;
	ks = calloc(1, sizeof(*ks));
	p.buf = malloc(KS_BUF);
	p.d = zfd_digest_new();
	if (!ks || !p.buf || !p.d) {
		rc = -ENOMEM;
		snprintf(why, why_len, "out of memory");
		goto out_free;
	}
	snprintf(name, sizeof(name), "%s/zfcpdump-get.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	p.tmpfd = light ? -2 : mkstemp(name);
	if (p.tmpfd == -1) {
		rc = -errno;
		snprintf(why, why_len,
			 "flattened kdump stream: cannot create a temporary "
			 "file: %s",
			 strerror(errno));
		goto out_free;
	}
	if (!light)
		unlink(name);
	rc = run_pass(&p, ks, why, why_len);
	if (rc)
		goto out_free;
	zfd_digest_string(p.d, ks->digest, sizeof(ks->digest));
	free(p.buf);
	p.buf = NULL;
	zfd_digest_free(p.d);
	p.d = NULL;

	ks->src = *src;
	ks->ops.kind = kind;
	ks->ops.load_tail = ks_load_tail;
	ks->ops.close = ks_close;
	ks->ops.stream = ks_stream_none;
	in->kstream = ks;
	in->format = "kdump-flat";
	if (ks->ended && !ks->bad[0] && !light) {
		tf.arg = (void *)(intptr_t)p.tmpfd;
		tf.size = fstat(p.tmpfd, &st) == 0 ? (uint64_t)st.st_size : 0;
		tf.mtime = src->mtime;
		p.tmpfd = -1; /* the kdump input closes it */
		sub[0] = 0;
		rc = get_in_kdump_open_file(in, &tf, sub, sizeof(sub));
		if (rc && rc != -EINVAL && rc != -ENODEV) {
			/* out of memory, a read error: no verdict on it */
			snprintf(why, why_len, "%s",
				 sub[0] ? sub : strerror(-rc));
			zfd_dump_free(&in->dump);
			free(in->ranges);
			in->ranges = NULL;
			in->nr_ranges = 0;
			in->ops = NULL;
			in->priv = NULL;
			in->kstream = NULL;
			free(ks);
			if (src->close)
				src->close(src->arg);
			return rc;
		}
		if (rc) {
			/* ks->bad makes it corrupt; info still shows it */
			snprintf(ks->bad, sizeof(ks->bad), "%s",
				 sub[0] ? sub : "not a valid kdump file");
			in->ops = NULL;
			in->priv = NULL;
			zfd_dump_free(&in->dump);
			free(in->ranges);
			in->ranges = NULL;
			in->nr_ranges = 0;
		} else {
			ks->readable = true;
			ks->ops.stream = ks_stream;
			ks->ops.read_mem = ks_read_mem;
		}
		in->format = "kdump-flat";
	}
	if (p.tmpfd >= 0)
		close(p.tmpfd);
	if (!ks->readable) {
		memset(&in->hdr, 0, sizeof(in->hdr));
		in->mem_avail = UINT64_MAX;
		/* light: what the last kdump header in the stream says */
		in->end = ks->ended && ks->have_hdr &&
					  !(ks->hdr_status &
					    ZFD_KDUMP_INCOMPLETE) ?
				  GET_END_OK :
				  GET_END_MISSING;
		in->end_off = ks->size;
	}
	in->ops = &ks->ops;
	/* what the digest covers (verify --json: verified_bytes) */
	in->stored_size = ks->size;
	in->stored_streamed = ks->size;
	if (ks->bad[0])
		snprintf(in->bad, sizeof(in->bad), "%s", ks->bad);
	return 0;

out_free:
	if (p.tmpfd >= 0)
		close(p.tmpfd);
	free(p.buf);
	zfd_digest_free(p.d);
	free(ks);
	if (src->close)
		src->close(src->arg);
	return rc;
}

const char *get_kstream_reason(const struct get_in *in)
{
	const struct get_kstream *ks = in->kstream;

	if (!ks)
		return NULL;
	if (ks->bad[0])
		return ks->bad;
	if (!ks->ended)
		return ks->cut;
	return ks->readable ? NULL : "the kdump stream cannot be read";
}

/* The manifest block at off of the container into in: 0 or -ENOMEM. */
static int take_manifest(struct get_in *in, const struct get_file *f,
			 uint64_t limit, uint64_t off)
{
	char where[64];
	uint8_t *blk;
	int64_t got;
	int rc = 0;

	if (off >= limit)
		return 0;
	blk = calloc(1, ZFD_MANIFEST_MAX);
	if (!blk)
		return -ENOMEM;
	got = f->read(f->arg, blk,
		      (size_t)ZFD_MIN(limit - off, (uint64_t)ZFD_MANIFEST_MAX),
		      off);
	if (got > 16 && memcmp(blk, ZFD_MANIFEST_MAGIC "\n", 16) == 0) {
		snprintf(where, sizeof(where),
			 "manifest block at offset %" PRIu64, off);
		get_in_set_manifest(in, (const char *)blk, (size_t)got, where);
		if (!in->man_text)
			rc = -ENOMEM;
	}
	free(blk);
	return rc;
}

/*
 * Where a raw partition's manifest is: at ALIGN_UP(S, 4096) behind a
 * stream with its end record; behind a cut one (a sink that failed) at
 * some 4 KiB boundary within the last record's reach. UINT64_MAX: none.
 */
static uint64_t find_raw_manifest(const struct get_file *f, uint64_t limit,
				  const struct get_kstream *ks)
{
	uint8_t m[16];
	uint64_t off, stop;

	if (ks->ended) {
		off = ZFD_ALIGN_UP(ks->size, (uint64_t)4096);
		return off < limit &&
				       f->read(f->arg, m, sizeof(m), off) ==
					       (int64_t)sizeof(m) &&
				       memcmp(m, ZFD_MANIFEST_MAGIC "\n", 16) ==
					       0 ?
			       off :
			       UINT64_MAX;
	}
	stop = ZFD_MIN(limit, ks->last_rec + (4u << 20));
	for (off = ZFD_ALIGN_DOWN(ks->last_rec, (uint64_t)4096); off < stop;
	     off += 4096)
		if (f->read(f->arg, m, sizeof(m), off) == (int64_t)sizeof(m) &&
		    memcmp(m, ZFD_MANIFEST_MAGIC "\n", 16) == 0)
			return off;
	return UINT64_MAX;
}

int get_in_kstream_probe(struct get_in *in, int fd, const char *path,
			 const struct stat *st, char *why, size_t why_len)
{
	struct get_file f = {
		.read = fd_read,
		.close = fd_close,
		.arg = (void *)(intptr_t)fd,
		.mtime = st->st_mtim.tv_sec,
	};
	struct get_kstream ks;
	uint64_t man_off, limit;
	bool sibling = false, soft = false;
	int rc;

	f.size = (uint64_t)st->st_size;
	if (S_ISBLK(st->st_mode) && ioctl(fd, BLKGETSIZE64, &f.size) != 0) {
		snprintf(why, why_len, "cannot get device size: %s",
			 strerror(errno));
		close(fd);
		return -EIO;
	}
	limit = f.size;
	rc = get_kstream_scan(&f, f.size, &ks);
	if (rc == -ENODEV)
		return rc;
	if (rc) {
		snprintf(why, why_len, "read error: %s", strerror(-rc));
		close(fd);
		return rc;
	}
	man_off = find_raw_manifest(&f, f.size, &ks);
	if (man_off != UINT64_MAX) {
		if (take_manifest(in, &f, f.size, man_off)) {
			snprintf(why, why_len, "out of memory");
			close(fd);
			return -ENOMEM;
		}
	} else if (S_ISREG(st->st_mode)) {
		/* a plain file: its manifest beside it, else as before */
		sibling = get_in_load_sibling_manifest(in, path) == 0;
		if (!sibling)
			return -ENODEV;
	}
	/*
	 * A file ends where its writer stopped; on a raw partition a stream
	 * that a failed sink cut (its manifest says incomplete) ends at
	 * the manifest block. Elsewhere a record beyond is corrupt.
	 */
	if (!ks.ended && man_off != UINT64_MAX && in->man_ok &&
	    zfd_status_parse(zfd_manifest_get(&in->man, "status")) ==
		    ZFD_STATUS_INCOMPLETE) {
		soft = true;
		limit = man_off;
	}
	rc = get_in_kstream_open(in, &f, limit, soft || sibling,
				 sibling ? "kdump flattened stream file" :
					   "raw dump (partition or image)",
				 why, why_len);
	if (rc) {
		free(in->man_text);
		in->man_text = NULL;
		in->man_ok = false;
		return rc;
	}
	return 0;
}
