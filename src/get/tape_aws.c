// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tape backend: AWSTAPE image files, the tape image format of Hercules
 * and z/VM. Each block has a 6-byte header: u16 LE length of this block,
 * u16 LE length of the previous block, flags (0x80 new record, 0x40
 * tapemark, 0x20 end of record), a second flag byte. Records longer than
 * 65535 bytes span several blocks. Tests use it as a simulated tape.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "be.h"
#include "fmt_s390.h"
#include "get.h"
#include "seal.h"
#include "tape.h"
#include "util.h"

#define AWS_HDR	     6
#define AWS_NEWREC   0x80
#define AWS_TAPEMARK 0x40
#define AWS_ENDREC   0x20

struct aws {
	uint64_t pos; /* offset of the next block header */
	int64_t prev; /* offset of the block before pos, -1 at BOT */
};

struct aws_hdr {
	uint16_t cur, prev;
	uint8_t flags;
};

static int read_hdr(int fd, uint64_t off, struct aws_hdr *h)
{
	uint8_t b[AWS_HDR];
	ssize_t n = zfd_pread_full(fd, b, AWS_HDR, off);

	if (n < 0)
		return -errno;
	if (n == 0)
		return -ENODATA;
	if (n != AWS_HDR)
		return -EIO;
	h->cur = (uint16_t)(b[0] | b[1] << 8);
	h->prev = (uint16_t)(b[2] | b[3] << 8);
	h->flags = b[4];
	return 0;
}

bool get_is_awstape(int fd)
{
	uint8_t b[AWS_HDR + 8];

	if (zfd_pread_full(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b) ||
	    b[2] != 0 || b[3] != 0 || !(b[4] & AWS_NEWREC) ||
	    (b[4] & AWS_TAPEMARK))
		return false;
	/* s390: the 4096-byte header record; ELF: the prologue's first */
	if (b[0] == 0x00 && b[1] == 0x10 &&
	    (zfd_get_be64(b + AWS_HDR) == ZFD_S390_MAGIC ||
	     zfd_get_be64(b + AWS_HDR) == ZFD_SEAL_MAGIC))
		return true;
	/* ELF, or a kdump flattened stream ("makedump" of "makedumpfile") */
	return (b[0] || b[1]) &&
	       (memcmp(b + AWS_HDR, "\177ELF", 4) == 0 ||
		memcmp(b + AWS_HDR, ZFD_KDUMP_FLAT_SIG, 8) == 0);
}

static ssize_t aws_read(struct get_tape *t, void *buf, size_t len)
{
	struct aws *a = t->priv;
	struct aws_hdr h;
	size_t got = 0;
	int rc;

	for (;;) {
		rc = read_hdr(t->fd, a->pos, &h);
		if (rc)
			return rc;
		if (h.flags & AWS_TAPEMARK) {
			if (got)
				return -EIO;
			a->prev = (int64_t)a->pos;
			a->pos += AWS_HDR;
			return 0;
		}
		if (got + h.cur > len)
			return -EOVERFLOW;
		if (zfd_pread_full(t->fd, (uint8_t *)buf + got, h.cur,
				   a->pos + AWS_HDR) != h.cur)
			return -EIO;
		got += h.cur;
		a->prev = (int64_t)a->pos;
		a->pos += AWS_HDR + h.cur;
		if (h.flags & AWS_ENDREC)
			return (ssize_t)got;
	}
}

/* Steps back one block; *flags gets the flags of the block stepped over. */
static int back_block(struct get_tape *t, uint8_t *flags)
{
	struct aws *a = t->priv;
	struct aws_hdr h;
	int rc;

	if (a->prev < 0)
		return -EIO; /* at BOT */
	rc = read_hdr(t->fd, (uint64_t)a->prev, &h);
	if (rc)
		return rc;
	*flags = h.flags;
	a->pos = (uint64_t)a->prev;
	if (a->pos == 0)
		a->prev = -1;
	else if (a->pos < (uint64_t)AWS_HDR + h.prev)
		return -EIO;
	else
		a->prev = (int64_t)(a->pos - AWS_HDR - h.prev);
	return 0;
}

static int aws_space_files(struct get_tape *t, int count)
{
	static uint8_t scratch[GET_TAPE_MAX_REC];
	uint8_t flags;
	ssize_t n;
	int rc;

	for (; count > 0; count--) {
		do {
			n = aws_read(t, scratch, sizeof(scratch));
			if (n < 0)
				return (int)n;
		} while (n > 0);
	}
	for (; count < 0; count++) {
		do {
			rc = back_block(t, &flags);
			if (rc)
				return rc;
		} while (!(flags & AWS_TAPEMARK));
	}
	return 0;
}

static int aws_back_records(struct get_tape *t, int count)
{
	uint8_t flags;
	int rc;

	for (; count > 0; count--) {
		do {
			rc = back_block(t, &flags);
			if (rc)
				return rc;
			if (flags & AWS_TAPEMARK)
				return -EIO;
		} while (!(flags & AWS_NEWREC));
	}
	return 0;
}

static void aws_close(struct get_tape *t)
{
	close(t->fd);
	free(t->priv);
	free(t);
}

static const struct get_tape_ops aws_ops = {
	.name = "AWSTAPE image",
	.read = aws_read,
	.space_files = aws_space_files,
	.back_records = aws_back_records,
	.close = aws_close,
};

int get_tape_aws_open(const char *path, struct get_tape **tp, char *why,
		      size_t why_len)
{
	struct get_tape *t = calloc(1, sizeof(*t));
	struct aws *a = calloc(1, sizeof(*a));

	if (!t || !a) {
		free(t);
		free(a);
		return -ENOMEM;
	}
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		snprintf(why, why_len, "cannot open: %s", strerror(errno));
		free(t);
		free(a);
		return -errno;
	}
	a->prev = -1;
	t->ops = &aws_ops;
	t->priv = a;
	*tp = t;
	return 0;
}
