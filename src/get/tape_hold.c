// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening a tape once per command. A tape gives each record once: the st
 * driver cannot un-read, and spacing back (MTBSR) is not reliable on every
 * drive (it was not through st with tgt). So the first input that looks at
 * a tape (the sealed-dump probe, sealed.c) reads record 1 and, when the
 * tape is not its kind, hands the open tape on together with that record;
 * the next get_tape_open() of the same tape gets it back, and its first
 * get_tape_read() returns record 1 again. A command reads one dump, so one
 * slot is enough.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tape.h"

static struct {
	struct get_tape *t;
	struct stat st; /* of the path it was opened as */
} handed;

/* The same tape: the same device (any node of it) or the same file. */
static bool same_tape(const struct stat *a, const struct stat *b)
{
	if (S_ISCHR(a->st_mode) || S_ISCHR(b->st_mode))
		return S_ISCHR(a->st_mode) && S_ISCHR(b->st_mode) &&
		       a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

bool get_tape_handed(const char *path)
{
	struct stat st;

	return handed.t && stat(path, &st) == 0 && same_tape(&st, &handed.st);
}

int get_tape_open(const char *path, struct get_tape **tp, char *why,
		  size_t why_len)
{
	struct stat st;

	if (get_tape_handed(path)) {
		*tp = handed.t;
		handed.t = NULL;
		return 0;
	}
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode))
		return get_tape_st_open(path, tp, why, why_len);
	return get_tape_aws_open(path, tp, why, why_len);
}

void get_tape_hand_on(struct get_tape *t, const char *path, void *rec,
		      ssize_t n)
{
	struct stat st;

	if (handed.t || stat(path, &st) != 0) {
		free(rec);
		get_tape_close(t);
		return;
	}
	free(t->held);
	t->held = rec;
	t->held_n = n;
	t->holds = true;
	handed.t = t;
	handed.st = st;
}

void get_tape_drop_handed(void)
{
	get_tape_close(handed.t);
	handed.t = NULL;
}

ssize_t get_tape_read(struct get_tape *t, void *buf, size_t len)
{
	ssize_t n;

	if (!t->holds)
		return t->ops->read(t, buf, len);
	n = t->held_n;
	if (n > 0 && (size_t)n > len)
		n = -EOVERFLOW; /* as the backends: not cut */
	else if (n > 0)
		memcpy(buf, t->held, (size_t)n);
	free(t->held);
	t->held = NULL;
	t->holds = false;
	return n;
}

void get_tape_close(struct get_tape *t)
{
	if (!t)
		return;
	free(t->held);
	t->held = NULL;
	t->holds = false;
	t->ops->close(t);
}
