// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tape backend: the Linux st driver (/dev/nstN, the non-rewinding node),
 * variable-block mode, MTIO ioctls for spacing. Reads start at the current
 * tape position; the tape sink leaves the dump at the beginning of the
 * tape (rewind = true), so 'mt -f /dev/nst0 rewind' first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mtio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "get.h"
#include "tape.h"

#define ST_MAJOR 9

static int mt(struct get_tape *t, short op, int count)
{
	struct mtop m = { .mt_op = op, .mt_count = count };

	return ioctl(t->fd, MTIOCTOP, &m) == 0 ? 0 : -errno;
}

static ssize_t st_read(struct get_tape *t, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = read(t->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	/* st: ENOMEM when the record is larger than the request */
	return errno == ENOMEM ? -EOVERFLOW : -errno;
}

static int st_space_files(struct get_tape *t, int count)
{
	return count >= 0 ? mt(t, MTFSF, count) : mt(t, MTBSF, -count);
}

static int st_back_records(struct get_tape *t, int count)
{
	return mt(t, MTBSR, count);
}

static void st_close(struct get_tape *t)
{
	close(t->fd);
	free(t);
}

static const struct get_tape_ops st_ops = {
	.name = "st tape",
	.read = st_read,
	.space_files = st_space_files,
	.back_records = st_back_records,
	.close = st_close,
};

int get_tape_st_open(const char *path, struct get_tape **tp, char *why,
		     size_t why_len)
{
	struct mtget status;
	struct get_tape *t;
	struct stat st;
	int rc;

	if (stat(path, &st) != 0 || !S_ISCHR(st.st_mode) ||
	    major(st.st_rdev) != ST_MAJOR) {
		snprintf(why, why_len,
			 "not a tape: use the st device "
			 "(/dev/nstN) of the tape drive");
		return -ENODEV;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		rc = -errno;
		snprintf(why, why_len, "cannot open tape: %s", strerror(errno));
		free(t);
		return rc;
	}
	t->ops = &st_ops;
	if (ioctl(t->fd, MTIOCGET, &status) != 0) {
		rc = -errno;
		snprintf(why, why_len, "not a tape drive: %s", strerror(errno));
		goto out_close;
	}
	if (GMT_DR_OPEN(status.mt_gstat)) {
		rc = -ENOMEDIUM;
		snprintf(why, why_len, "no tape in the drive");
		goto out_close;
	}
	/* variable-block mode, as the tape sink writes */
	rc = mt(t, MTSETBLK, 0);
	if (rc) {
		snprintf(why, why_len, "cannot set variable-block mode: %s",
			 strerror(-rc));
		goto out_close;
	}
	*tp = t;
	return 0;

out_close:
	st_close(t);
	return rc;
}
