// SPDX-License-Identifier: GPL-2.0-or-later
/* xxh3-128 digest, a thin wrapper around libxxhash's streaming state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "digest.h"

struct zfd_digest {
	XXH3_state_t *state;
};

static const unsigned char zero_page[4096];

struct zfd_digest *zfd_digest_new(void)
{
	struct zfd_digest *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->state = XXH3_createState();
	if (!d->state) {
		free(d);
		return NULL;
	}
	XXH3_128bits_reset(d->state);
	return d;
}

void zfd_digest_reset(struct zfd_digest *d)
{
	XXH3_128bits_reset(d->state);
}

void zfd_digest_update(struct zfd_digest *d, const void *data, size_t len)
{
	XXH3_128bits_update(d->state, data, len);
}

void zfd_digest_update_zeros(struct zfd_digest *d, size_t len)
{
	size_t n;

	while (len) {
		n = len < sizeof(zero_page) ? len : sizeof(zero_page);
		XXH3_128bits_update(d->state, zero_page, n);
		len -= n;
	}
}

void zfd_digest_string(const struct zfd_digest *d, char *buf, size_t len)
{
	XXH128_canonical_t canon;
	XXH128_hash_t hash = XXH3_128bits_digest(d->state);
	size_t i, pos;

	XXH128_canonicalFromHash(&canon, hash);
	pos = (size_t)snprintf(buf, len, "%s", ZFD_DIGEST_PREFIX);
	for (i = 0; i < sizeof(canon.digest) && pos + 2 < len; i++, pos += 2)
		snprintf(buf + pos, len - pos, "%02x", canon.digest[i]);
}

void zfd_digest_free(struct zfd_digest *d)
{
	if (!d)
		return;
	XXH3_freeState(d->state);
	free(d);
}
