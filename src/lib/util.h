/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by the daemon, the plugins and the tools. */
#ifndef ZFD_UTIL_H
#define ZFD_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <zfcpdump/sink.h>

#define ZFD_ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define ZFD_MIN(a, b)	     ((a) < (b) ? (a) : (b))
#define ZFD_MAX(a, b)	     ((a) > (b) ? (a) : (b))
#define ZFD_ALIGN_UP(x, a)   (((x) + (a)-1) / (a) * (a))
#define ZFD_ALIGN_DOWN(x, a) ((x) / (a) * (a))

/*
 * Parses a size such as "0", "4096", "512K", "512M", "4G", "1T" (binary
 * units, optional "iB"/"B" suffix). Returns 0 or -EINVAL.
 */
int zfd_parse_size(const char *s, uint64_t *val);

/* Logging from a plugin through its host. */
void zfd_hlog(const struct zfd_host *host, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Full-length pread/pwrite that retry on EINTR and short transfers. */
ssize_t zfd_pread_full(int fd, void *buf, size_t len, uint64_t off);
ssize_t zfd_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/* Writes the string val to an existing file (sysfs/debugfs attributes):
 * open O_WRONLY, one write, close. Returns 0 or -errno. */
int zfd_write_string(const char *path, const char *val);

/* Joins root and path ("/" root gives path itself) into buf. */
void zfd_root_path(const char *root, const char *path, char *buf, size_t len);

/* Returns true if the len bytes at p (multiple of 8, aligned) are zero. */
bool zfd_is_zero(const void *p, size_t len);

/* s as a JSON string (with quotes; control and non-ASCII bytes as
 * \u00XX), or null for NULL: one writer for zfcpdump --json and
 * zfcpdump-get --json. */
void zfd_json_str(FILE *f, const char *s);

#endif /* ZFD_UTIL_H */
