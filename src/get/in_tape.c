// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Input: a tape as the tape sink writes it (DESIGN §5): file 1 = one
 * 4096-byte header record, the memory in block_size records, one 16-byte
 * end-marker record, filemark; file 2 = the manifest as one record,
 * filemark. Read through the tape seam (tape.h): st device or AWSTAPE
 * image. A tape can only be read front to back, so the end marker and the
 * manifest are found while streaming (verify, copy), or for 'info' by
 * spacing to the end of file 1 and back one record.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "get.h"
#include "tape.h"
#include "util.h"

struct tape_in {
	struct get_tape *t;
	uint8_t *buf; /* one record */
};

static void tape_fault(struct get_in *in, const char *what, ssize_t rc)
{
	if (!in->bad[0])
		snprintf(in->bad, sizeof(in->bad), "%s: %s", what,
			 rc == -EOVERFLOW ? "record too large" :
			 rc == -ENODATA	  ? "end of recorded data" :
					    strerror((int)-rc));
}

/* File 2: the manifest record, then a filemark. */
static void read_manifest(struct get_in *in)
{
	struct tape_in *ti = in->priv;
	ssize_t n;

	n = get_tape_read(ti->t, ti->buf, GET_TAPE_MAX_REC);
	if (n <= 0)
		return; /* no manifest file */
	get_in_set_manifest(in, (char *)ti->buf, (size_t)n, "tape file 2");
}

/* After the memory: end marker record, filemark, manifest file. */
static void read_tail(struct get_in *in, ssize_t n)
{
	struct tape_in *ti = in->priv;
	char what[96];

	in->end_off = ZFD_S390_HDR_SIZE + in->mem_streamed;
	if (n == 0) {
		in->end = GET_END_MISSING; /* filemark right after memory */
		read_manifest(in);
		return;
	}
	if (n == ZFD_S390_END_SIZE &&
	    zfd_s390_end_marker_check(ti->buf, &in->end_tod)) {
		memcpy(in->end_raw, ti->buf, ZFD_S390_END_SIZE);
		in->end = in->mem_streamed == in->hdr.mem_size ?
				  GET_END_OK :
				  GET_END_MISSING;
		if (in->end != GET_END_OK)
			snprintf(in->bad, sizeof(in->bad),
				 "end marker record "
				 "after %" PRIu64 " of %" PRIu64
				 " memory bytes",
				 in->mem_streamed, in->hdr.mem_size);
	} else {
		in->end = GET_END_BAD;
		snprintf(in->bad, sizeof(in->bad),
			 "end marker missing: record "
			 "of %zd bytes at offset %" PRIu64 " where the 16-byte "
			 "end-marker record belongs",
			 n, in->end_off);
		return;
	}
	n = get_tape_read(ti->t, ti->buf, GET_TAPE_MAX_REC);
	if (n != 0) {
		snprintf(what, sizeof(what),
			 "no filemark after the end marker");
		if (n > 0)
			snprintf(in->bad, sizeof(in->bad),
				 "%s (record of %zd "
				 "bytes)",
				 what, n);
		else
			tape_fault(in, what, n);
		return;
	}
	read_manifest(in);
}

static int tape_stream(struct get_in *in, uint64_t len, get_mem_fn fn,
		       void *arg)
{
	struct tape_in *ti = in->priv;
	uint64_t mem = in->hdr.mem_size;
	ssize_t n;
	int rc;

	in->mem_streamed = 0;
	for (;;) {
		n = get_tape_read(ti->t, ti->buf, GET_TAPE_MAX_REC);
		if (n < 0) {
			tape_fault(in, "reading memory records", n);
			in->end_off = ZFD_S390_HDR_SIZE + in->mem_streamed;
			in->end = GET_END_MISSING;
			return 0;
		}
		if (n == 0 || in->mem_streamed == mem ||
		    (n == ZFD_S390_END_SIZE &&
		     zfd_s390_end_marker_check(ti->buf, NULL)))
			break;
		if ((uint64_t)n > mem - in->mem_streamed) {
			snprintf(in->bad, sizeof(in->bad),
				 "record of %zd bytes "
				 "at memory offset %" PRIu64
				 " runs past the end "
				 "of memory (%" PRIu64 ")",
				 n, in->mem_streamed, mem);
			return 0;
		}
		if (in->mem_streamed < len) {
			rc = fn(arg, in->mem_streamed, ti->buf,
				(size_t)ZFD_MIN((uint64_t)n,
						len - in->mem_streamed));
			if (rc)
				return rc;
		}
		in->mem_streamed += (uint64_t)n;
	}
	in->mem_avail = in->mem_streamed;
	read_tail(in, n);
	return 0;
}

static int skip_mem(void *arg, uint64_t off, const void *data, size_t len)
{
	return 0;
}

/*
 * For info: end marker and manifest. Spacing back over records (MTBSF,
 * MTBSR) proved unreliable through st with tgt, so file 1 is read front
 * to back, like verify does, without hashing.
 */
static int tape_load_tail(struct get_in *in)
{
	return tape_stream(in, 0, skip_mem, NULL);
}

static void tape_close(struct get_in *in)
{
	struct tape_in *ti = in->priv;

	if (!ti)
		return;
	get_tape_close(ti->t);
	free(ti->buf);
	free(ti);
	in->priv = NULL;
}

static const struct get_in_ops tape_ops = {
	.kind = "tape",
	.stream = tape_stream,
	.load_tail = tape_load_tail,
	.close = tape_close,
};

/*
 * ELF dumps on tape (sink ABI 2): file 1 is the stored dump, the prologue
 * first (in records of at most block_size), then the packed data in
 * block_size records, no trailer; the stored bytes are the records
 * concatenated. The ELF reader gets it as a get_file whose reads go
 * forward only: the first records are kept (the prologue, which the
 * reader parses), the data records are read as the reads ask for them.
 */
#define TAPE_PROLOGUE_MAX (64u << 20)

struct tape_elf {
	struct get_in *in;
	struct get_tape *t;
	uint8_t *pro; /* the first records, kept */
	size_t pro_len;
	bool growing; /* reads may append records to pro */
	uint8_t *rec; /* the current record behind pro */
	uint64_t rec_off;
	size_t rec_len;
	uint64_t pos; /* stored offset of the next record */
	bool eof;     /* the filemark (or a fault) ended file 1 */
	bool tail_done;
};

/* The next record of file 1 into rec; false at its end. */
static bool te_next(struct tape_elf *te)
{
	ssize_t n;

	if (te->eof)
		return false;
	n = get_tape_read(te->t, te->rec, GET_TAPE_MAX_REC);
	if (n <= 0) {
		if (n < 0)
			tape_fault(te->in, "reading data records", n);
		te->eof = true;
		return false;
	}
	te->rec_off = te->pos;
	te->rec_len = (size_t)n;
	te->pos += (uint64_t)n;
	return true;
}

/*
 * Appends records to pro until it holds end bytes or file 1 ends: 0, or
 * -EFBIG (a prologue larger than any we write), -ENOMEM.
 */
static int te_grow(struct tape_elf *te, uint64_t end)
{
	uint8_t *p;

	while (te->pro_len < end) {
		if (!te_next(te))
			return 0;
		if (te->pro_len + te->rec_len > TAPE_PROLOGUE_MAX)
			return -EFBIG;
		p = realloc(te->pro, te->pro_len + te->rec_len);
		if (!p)
			return -ENOMEM;
		te->pro = p;
		memcpy(te->pro + te->pro_len, te->rec, te->rec_len);
		te->pro_len += te->rec_len;
		te->rec_len = 0;
	}
	return 0;
}

static int64_t te_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct tape_elf *te = arg;
	uint8_t *out = buf;
	size_t done = 0, n;
	int rc;

	if (te->growing && off + len > te->pro_len) {
		if (off > UINT64_MAX - len)
			return -EFBIG;
		rc = te_grow(te, off + len);
		if (rc)
			return rc;
	}
	while (done < len) {
		uint64_t at = off + done;

		if (at < te->pro_len) {
			n = (size_t)ZFD_MIN((uint64_t)(len - done),
					    te->pro_len - at);
			memcpy(out + done, te->pro + at, n);
		} else if (te->rec_len && at >= te->rec_off &&
			   at < te->rec_off + te->rec_len) {
			n = (size_t)ZFD_MIN((uint64_t)(len - done),
					    te->rec_off + te->rec_len - at);
			memcpy(out + done, te->rec + (at - te->rec_off), n);
		} else if (at < te->pos) {
			return -ESPIPE; /* behind us: a tape goes forward */
		} else {
			if (!te_next(te))
				break;
			continue;
		}
		done += n;
	}
	return (int64_t)done;
}

static void te_close(void *arg)
{
	struct tape_elf *te = arg;

	get_tape_close(te->t);
	free(te->pro);
	free(te->rec);
	free(te);
}

/* The rest of file 1, the filemark, the manifest (file 2). */
static void te_tail(struct get_in *in, struct tape_elf *te)
{
	ssize_t n;

	if (te->tail_done)
		return;
	te->tail_done = true;
	while (te_next(te))
		;
	in->mem_avail = in->hdr.mem_size;
	if (!in->bad[0]) {
		n = get_tape_read(te->t, te->rec, GET_TAPE_MAX_REC);
		if (n > 0)
			get_in_set_manifest(in, (char *)te->rec, (size_t)n,
					    "tape file 2");
	}
	if (te->pos >= in->end_off) {
		if (in->end == GET_END_UNKNOWN)
			in->end = GET_END_OK;
	} else {
		in->end = GET_END_MISSING;
		if (!in->cut[0])
			snprintf(in->cut, sizeof(in->cut),
				 "ELF core cut off: "
				 "the tape holds %" PRIu64 " bytes, its "
				 "PT_LOADs end at %" PRIu64,
				 te->pos, in->end_off);
	}
}

static int te_stream(struct get_in *in, uint64_t len, get_mem_fn fn, void *arg)
{
	int rc = get_in_elf_stream(in, len, fn, arg);

	if (!rc)
		te_tail(in, get_in_elf_file_arg(in));
	return rc;
}

static int te_load_tail(struct get_in *in)
{
	te_tail(in, get_in_elf_file_arg(in));
	return 0;
}

static int te_stream_stored(struct get_in *in, uint64_t len, get_mem_fn fn,
			    void *arg)
{
	struct tape_elf *te = get_in_elf_file_arg(in);
	uint64_t off;
	size_t n;
	int rc;

	in->stored_streamed = 0;
	n = (size_t)ZFD_MIN((uint64_t)te->pro_len, len);
	if (n) {
		rc = fn(arg, 0, te->pro, n);
		if (rc)
			return rc;
	}
	in->stored_streamed = n;
	/* records already read behind the prologue: none (the reader only
	 * parses the prologue before this) */
	while (in->stored_streamed < len && te_next(te)) {
		off = te->rec_off;
		if (off != in->stored_streamed)
			return -ESPIPE;
		n = (size_t)ZFD_MIN((uint64_t)te->rec_len, len - off);
		rc = fn(arg, off, te->rec, n);
		if (rc)
			return rc;
		in->stored_streamed = off + n;
	}
	te_tail(in, te);
	return 0;
}

static const struct get_in_ops tape_elf_ops = {
	.kind = "tape",
	.stream = te_stream,
	.load_tail = te_load_tail,
	.stream_stored = te_stream_stored,
	.close = get_in_elf_close,
};

/*
 * The forward-only file over tape t for in, its first len bytes (first)
 * already read. NULL: out of memory (the tape is closed).
 */
static struct tape_elf *te_new(struct get_in *in, struct get_tape *t,
			       const uint8_t *first, size_t len)
{
	struct tape_elf *te;

	te = calloc(1, sizeof(*te));
	if (te) {
		te->pro = malloc(len);
		te->rec = malloc(GET_TAPE_MAX_REC);
	}
	if (!te || !te->pro || !te->rec) {
		if (te) {
			free(te->pro);
			free(te->rec);
		}
		free(te);
		get_tape_close(t);
		return NULL;
	}
	te->in = in;
	te->t = t;
	memcpy(te->pro, first, len);
	te->pro_len = len;
	te->pos = len;
	return te;
}

static int tape_elf_open(struct get_in *in, struct get_tape *t,
			 const uint8_t *first, size_t len, char *why,
			 size_t why_len)
{
	struct get_file f = { .read = te_read,
			      .close = te_close,
			      .size = UINT64_MAX };
	struct tape_elf *te;
	int rc;

	te = te_new(in, t, first, len);
	if (!te)
		return -ENOMEM;
	te->growing = true;
	f.arg = te;
	rc = get_in_elf_open_file(in, &f, why, why_len);
	if (rc)
		return rc; /* the file (and the tape) is closed */
	te->growing = false;
	in->ops = &tape_elf_ops;
	/* what the tape holds is known at its filemark */
	in->end = GET_END_UNKNOWN;
	in->cut[0] = 0;
	return 0;
}

/*
 * kdump dumps on tape (KDUMP-SPEC): file 1 is the flattened stream in
 * block_size records, file 2 the manifest. The stream is read front to
 * back through the same forward-only file as an ELF dump's.
 */
static int tape_kstream_open(struct get_in *in, struct get_tape *t,
			     const uint8_t *first, size_t len, char *why,
			     size_t why_len)
{
	struct get_file f = { .read = te_read,
			      .close = te_close,
			      .size = UINT64_MAX };
	struct tape_elf *te;
	ssize_t n;
	int rc;

	te = te_new(in, t, first, len);
	if (!te)
		return -ENOMEM;
	f.arg = te;
	rc = get_in_kstream_open(in, &f, UINT64_MAX, false, "tape", why,
				 why_len);
	if (rc)
		return rc; /* the file (and the tape) is closed */
	/* the rest of file 1, the filemark, the manifest (file 2) */
	while (te_next(te))
		;
	if (!in->bad[0]) {
		n = get_tape_read(te->t, te->rec, GET_TAPE_MAX_REC);
		if (n > 0)
			get_in_set_manifest(in, (char *)te->rec, (size_t)n,
					    "tape file 2");
	}
	return 0;
}

int get_in_tape_open(struct get_in *in, const char *path, char *why,
		     size_t why_len)
{
	struct tape_in *ti;
	ssize_t n;
	int rc;

	ti = calloc(1, sizeof(*ti));
	if (!ti)
		return -ENOMEM;
	ti->buf = malloc(GET_TAPE_MAX_REC);
	if (!ti->buf) {
		free(ti);
		return -ENOMEM;
	}
	/* record 1 may have been read already (sealed.c): tape_hold.c keeps it */
	rc = get_tape_open(path, &ti->t, why, why_len);
	if (rc) {
		free(ti->buf);
		free(ti);
		return rc;
	}
	in->priv = ti;
	in->ops = &tape_ops;
	n = get_tape_read(ti->t, ti->buf, GET_TAPE_MAX_REC);
	if (n >= 4 && memcmp(ti->buf, "\177ELF", 4) == 0) {
		struct get_tape *t = ti->t;
		uint8_t *first = ti->buf;

		free(ti);
		in->priv = NULL;
		in->ops = NULL;
		rc = tape_elf_open(in, t, first, (size_t)n, why, why_len);
		free(first);
		return rc;
	}
	if (n > 0 && zfd_kdump_is_flat(ti->buf, (size_t)n)) {
		struct get_tape *t = ti->t;
		uint8_t *first = ti->buf;

		free(ti);
		in->priv = NULL;
		in->ops = NULL;
		rc = tape_kstream_open(in, t, first, (size_t)n, why, why_len);
		free(first);
		return rc;
	}
	if (n != ZFD_S390_HDR_SIZE) {
		if (n < 0)
			snprintf(why, why_len, "reading the first record: %s",
				 n == -EOVERFLOW ? "record too large" :
						   strerror((int)-n));
		else if (n == 0)
			snprintf(why, why_len, "tape starts with a filemark");
		else
			snprintf(why, why_len,
				 "first record has %zd bytes, "
				 "not the 4096-byte dump header",
				 n);
		rc = n < 0 && n != -EOVERFLOW ? (int)n : -ENODEV;
		goto out_close;
	}
	memcpy(in->hdr_raw, ti->buf, ZFD_S390_HDR_SIZE);
	if (get_in_decode_hdr(in, UINT64_MAX, why + 16, why_len - 16)) {
		if (in->hdr.magic != ZFD_S390_MAGIC) {
			memmove(why, why + 16, strlen(why + 16) + 1);
			rc = -ENODEV;
		} else {
			memcpy(why, "corrupt header: ", 16);
			rc = -EINVAL;
		}
		goto out_close;
	}
	in->ranges = calloc(1, sizeof(*in->ranges));
	if (!in->ranges) {
		rc = -ENOMEM;
		goto out_close;
	}
	in->nr_ranges = 1;
	in->ranges[0].start = in->hdr.mem_start;
	in->ranges[0].size = in->hdr.mem_size;
	in->end = GET_END_UNKNOWN;
	return 0;

out_close:
	tape_close(in);
	in->ops = NULL;
	return rc;
}
