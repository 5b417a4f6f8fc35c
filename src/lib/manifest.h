/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dump manifest (DESIGN §9): text, "key: value" per line, first line
 * "zfcpdump-info 1".
 */
#ifndef ZFD_MANIFEST_H
#define ZFD_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include <zfcpdump/sink.h>

#define ZFD_MANIFEST_MAGIC "zfcpdump-info 1"
/* A manifest never exceeds this; sinks may reserve this much room. */
#define ZFD_MANIFEST_MAX   4096

#define ZFD_MANIFEST_MAX_KEYS 32

struct zfd_manifest {
	size_t nr;
	struct {
		char key[32];
		char value[224];
	} kv[ZFD_MANIFEST_MAX_KEYS];
};

const char *zfd_status_name(enum zfd_status status);
/* Returns the status for a name, or -1. */
int zfd_status_parse(const char *name);

/*
 * Formats the manifest of one sink's dump pass into buf. format is
 * "s390" or "elf". Returns the text length, or -ENOSPC.
 */
int zfd_manifest_format(char *buf, size_t len, const struct zfd_dump_info *info,
			const struct zfd_result *res, const char *sink_desc,
			const char *format);

/*
 * Parses manifest text (len bytes, need not be NUL-terminated; parsing
 * stops at the first NUL byte). Returns 0, or -EINVAL with a reason.
 */
int zfd_manifest_parse(const char *text, size_t len, struct zfd_manifest *m,
		       char *why, size_t why_len);
/* The value of key, or NULL. */
const char *zfd_manifest_get(const struct zfd_manifest *m, const char *key);
/* Parses an unsigned decimal value; returns 0 or -ENOENT/-EINVAL. */
int zfd_manifest_get_u64(const struct zfd_manifest *m, const char *key,
			 uint64_t *val);

#endif /* ZFD_MANIFEST_H */
