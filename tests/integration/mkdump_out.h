/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper shared by get-mkdump (get_mkdump.c) and get-kstream-mk
 * (get_kstream_mk.c): the output file they lay a test dump out in, as a
 * plain file, a raw partition image or an AWSTAPE image, and the manifest
 * they store with it. Every failure ends the program: one line on stderr
 * ("PROG: what"), exit code 1.
 */
#ifndef ZFD_TEST_MKDUMP_OUT_H
#define ZFD_TEST_MKDUMP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "manifest.h"

/* The program's name for messages; each program defines it. */
extern const char mk_prog[];

void mk_die(const char *msg) __attribute__((noreturn));
/* Creates (truncates) the output file, opened with flags (O_WRONLY/O_RDWR). */
void mk_create(const char *name, int flags);
/* Closes the output file: 0, or 1 if close() failed (the exit code). */
int mk_close(void);
/* Writes len bytes of buf at off into the output file. */
void mk_put(const void *buf, size_t len, uint64_t off);
/* Appends one AWSTAPE record (len 0: tapemark) at *off. */
void mk_aws_rec(const void *buf, size_t len, uint64_t *off);

/*
 * The manifest of a test dump into man: completes info and res (start and
 * finish times, status, reason, the digest d) and names the sink by layout.
 * Returns zfd_manifest_format()'s length (< 0: it did not fit).
 */
int mk_manifest(char *man, size_t size, struct zfd_dump_info *info,
		struct zfd_result *res, struct zfd_digest *d, bool complete,
		const char *layout, const char *format);

/*
 * Store the manifest man (len bytes, < 0: it did not fit) as layout wants
 * it: aws, a record between two tape marks at *pos; raw, a block at
 * data_end rounded up to 4 KiB (the image sized to raw_size when larger);
 * otherwise outname.info beside an output sized to file_end.
 */
void mk_store_manifest(const char *man, int len, const char *layout,
		       const char *outname, uint64_t data_end,
		       uint64_t raw_size, uint64_t *pos, uint64_t file_end);

#endif
