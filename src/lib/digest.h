/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xxh3-128 digest of the logical s390 stream (libxxhash). */
#ifndef ZFD_DIGEST_H
#define ZFD_DIGEST_H

#include <stddef.h>

#define ZFD_DIGEST_PREFIX "xxh3-128:"
/* "xxh3-128:" + 32 hex digits + NUL */
#define ZFD_DIGEST_STRLEN (9 + 32 + 1)

struct zfd_digest;

struct zfd_digest *zfd_digest_new(void);
void zfd_digest_reset(struct zfd_digest *d);
void zfd_digest_update(struct zfd_digest *d, const void *data, size_t len);
/* Hashes len zero bytes (holes) without a buffer of that size. */
void zfd_digest_update_zeros(struct zfd_digest *d, size_t len);
/* Writes "xxh3-128:<hex>" of what was hashed so far; d stays usable. */
void zfd_digest_string(const struct zfd_digest *d, char *buf, size_t len);
void zfd_digest_free(struct zfd_digest *d);

#endif /* ZFD_DIGEST_H */
