/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The seam under tape input: read a record, space over filemarks or
 * records. Backends: the st driver (tape_st.c, /dev/nstN through MTIO
 * ioctls) and AWSTAPE image files (tape_aws.c), which tests use as a
 * simulated tape.
 */
#ifndef ZFD_GET_TAPE_H
#define ZFD_GET_TAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "fmt_s390.h"

/*
 * Largest record we read: the tape sink's largest block_size (records are
 * block_size, default 32 KiB).
 */
#define GET_TAPE_MAX_REC ZFD_S390_TAPE_MAX_RECORD

struct get_tape;

struct get_tape_ops {
	const char *name;
	/*
	 * Reads the next record into buf (len bytes of room). Returns its
	 * size, 0 at a filemark (the tape is then behind it), or -errno;
	 * -EOVERFLOW for a record larger than len, -ENODATA at the end of
	 * recorded data.
	 */
	ssize_t (*read)(struct get_tape *t, void *buf, size_t len);
	/* Spaces count filemarks forward (> 0: MTFSF) or backward (< 0: MTBSF). */
	int (*space_files)(struct get_tape *t, int count);
	/* Spaces count records backward (MTBSR). */
	int (*back_records)(struct get_tape *t, int count);
	void (*close)(struct get_tape *t);
};

struct get_tape {
	const struct get_tape_ops *ops;
	int fd;
	void *priv;
	/* a record read before the tape was handed on (tape_hold.c) */
	bool holds;
	void *held;
	ssize_t held_n; /* its read() result */
};

/* Each returns 0, -ENODEV (not this kind of tape) or -errno, why filled. */
int get_tape_st_open(const char *path, struct get_tape **tp, char *why,
		     size_t why_len);
int get_tape_aws_open(const char *path, struct get_tape **tp, char *why,
		      size_t why_len);

/*
 * One tape, opened once per command (tape_hold.c): get_tape_open() opens
 * PATH (st device for a character device, else an AWSTAPE image), or
 * takes the tape that get_tape_hand_on() left for the same device or file.
 * Read it with get_tape_read() (the record read before it was handed on
 * comes first) and close it with get_tape_close(). Spacing (ops->space_files,
 * back_records) ignores a held record: only for tapes opened fresh.
 */
int get_tape_open(const char *path, struct get_tape **tp, char *why,
		  size_t why_len);
/*
 * Keeps t open for the next get_tape_open() of path, with the result n of
 * the one read so far (record bytes in rec, a malloc'ed buffer it takes
 * over; 0 for a filemark, or -errno). Closes t if a tape is already held.
 */
void get_tape_hand_on(struct get_tape *t, const char *path, void *rec,
		      ssize_t n);
/*
 * True while a tape is held for path: open it with get_tape_open() only
 * (the st driver refuses a second open of the drive: EBUSY).
 */
bool get_tape_handed(const char *path);
/* Closes a held tape nobody took (an open that failed before it). */
void get_tape_drop_handed(void);
ssize_t get_tape_read(struct get_tape *t, void *buf, size_t len);
void get_tape_close(struct get_tape *t);

#endif /* ZFD_GET_TAPE_H */
