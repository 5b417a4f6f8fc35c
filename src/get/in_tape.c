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
#include <stdlib.h>
#include <string.h>

#include "get.h"
#include "tape.h"
#include "util.h"

struct tape_in {
	struct get_tape *t;
	uint8_t *buf;		/* one record */
};

static void tape_fault(struct get_in *in, const char *what, ssize_t rc)
{
	if (!in->bad[0])
		snprintf(in->bad, sizeof(in->bad), "%s: %s", what,
			 rc == -EOVERFLOW ? "record too large" :
			 rc == -ENODATA ? "end of recorded data" :
			 strerror((int)-rc));
}

/* File 2: the manifest record, then a filemark. */
static void read_manifest(struct get_in *in)
{
	struct tape_in *ti = in->priv;
	ssize_t n;

	n = get_tape_read(ti->t, ti->buf, GET_TAPE_MAX_REC);
	if (n <= 0)
		return;		/* no manifest file */
	get_in_set_manifest(in, (char *)ti->buf, (size_t)n,
			    "tape file 2");
}

/* After the memory: end marker record, filemark, manifest file. */
static void read_tail(struct get_in *in, ssize_t n)
{
	struct tape_in *ti = in->priv;
	char what[96];

	in->end_off = ZFD_S390_HDR_SIZE + in->mem_streamed;
	if (n == 0) {
		in->end = GET_END_MISSING;	/* filemark right after memory */
		read_manifest(in);
		return;
	}
	if (n == ZFD_S390_END_SIZE &&
	    zfd_s390_end_marker_check(ti->buf, &in->end_tod)) {
		memcpy(in->end_raw, ti->buf, ZFD_S390_END_SIZE);
		in->end = in->mem_streamed == in->hdr.mem_size ? GET_END_OK
							       : GET_END_MISSING;
		if (in->end != GET_END_OK)
			snprintf(in->bad, sizeof(in->bad), "end marker record "
				 "after %" PRIu64 " of %" PRIu64 " memory bytes",
				 in->mem_streamed, in->hdr.mem_size);
	} else {
		in->end = GET_END_BAD;
		snprintf(in->bad, sizeof(in->bad), "end marker missing: record "
			 "of %zd bytes at offset %" PRIu64 " where the 16-byte "
			 "end-marker record belongs", n, in->end_off);
		return;
	}
	n = get_tape_read(ti->t, ti->buf, GET_TAPE_MAX_REC);
	if (n != 0) {
		snprintf(what, sizeof(what), "no filemark after the end marker");
		if (n > 0)
			snprintf(in->bad, sizeof(in->bad), "%s (record of %zd "
				 "bytes)", what, n);
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
			snprintf(in->bad, sizeof(in->bad), "record of %zd bytes "
				 "at memory offset %" PRIu64 " runs past the end "
				 "of memory (%" PRIu64 ")", n, in->mem_streamed,
				 mem);
			return 0;
		}
		if (in->mem_streamed < len) {
			rc = fn(arg, in->mem_streamed, ti->buf, (size_t)ZFD_MIN(
				(uint64_t)n, len - in->mem_streamed));
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
	if (n != ZFD_S390_HDR_SIZE) {
		if (n < 0)
			snprintf(why, why_len, "reading the first record: %s",
				 n == -EOVERFLOW ? "record too large" :
				 strerror((int)-n));
		else if (n == 0)
			snprintf(why, why_len, "tape starts with a filemark");
		else
			snprintf(why, why_len, "first record has %zd bytes, "
				 "not the 4096-byte dump header", n);
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
