// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the sealed envelope reader (src/lib/seal_read.c) and
 * the key file parser. The input is used twice: as an envelope on its own,
 * and as edits to a valid envelope sealed at start-up to a fixed key pair
 * (u32 BE: its lowest bit picks a version 1 envelope or one of three
 * lanes, the rest is the truncation length; then (u16 BE offset, byte)
 * pairs XORed in), so the fuzzer reaches the chunk authentication with
 * real chunks.
 * Built and run by tests/fuzz/run.
 * fuzz-sources: src/lib/seal.c src/lib/seal_read.c src/lib/util.c
 * fuzz-libs: -lsodium
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "be.h"
#include "seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t pk[ZFD_SEAL_KEY_SIZE], sk[ZFD_SEAL_KEY_SIZE];
#define GOOD_MAX (ZFD_SEAL_HDR_SIZE + 4 * (4096 + ZFD_SEAL_ABYTES))
static uint8_t good[2][GOOD_MAX];
static size_t good_len[2];

struct buf {
	uint8_t *p;
	size_t len;
};

static int collect(void *arg, uint64_t off, const void *d, size_t len)
{
	struct buf *b = arg;

	if (off + len > GOOD_MAX)
		__builtin_trap();
	memcpy(b->p + off, d, len);
	if (off + len > b->len)
		b->len = (size_t)(off + len);
	return 0;
}

static int64_t rd(void *arg, void *out, size_t len, uint64_t off)
{
	const struct buf *b = arg;

	if (off >= b->len)
		return 0;
	if (len > b->len - off)
		len = b->len - (size_t)off;
	memcpy(out, b->p + off, len);
	return (int64_t)len;
}

static int check_out(void *arg, uint64_t off, const void *d, size_t len)
{
	uint64_t *next = arg;

	/* plaintext arrives in order, without gaps */
	if (off != *next)
		__builtin_trap();
	*next += len;
	return 0;
}

static void init(void)
{
	uint8_t seed[crypto_box_SEEDBYTES] = { 7 }, plain[3 * 4096 + 100];
	struct zfd_seal_w *w;
	size_t i, k;

	if (sodium_init() < 0 || crypto_box_seed_keypair(pk, sk, seed))
		__builtin_trap();
	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)i;
	/* [0]: version 1, [1]: three lanes */
	for (k = 0; k < 2; k++) {
		struct buf b = { good[k], 0 };

		if (zfd_seal_w_new(pk, 4096, k ? 3 : 0, 1, &w) ||
		    zfd_seal_w_write(w, plain, sizeof(plain), collect, &b) ||
		    zfd_seal_w_final(w, collect, &b))
			__builtin_trap();
		memcpy(good[k], zfd_seal_w_hdr(w), ZFD_SEAL_HDR_SIZE);
		good_len[k] = b.len;
		zfd_seal_w_free(w);
	}
}

static void run(uint8_t *p, size_t len)
{
	struct zfd_seal_result res;
	struct zfd_seal_hdr h;
	struct zfd_seal_r *r;
	struct buf b = { p, len };
	uint64_t next = 0;
	char why[160];

	why[0] = 0;
	if (zfd_seal_hdr_decode(p, len, &h, why, sizeof(why)) == -EINVAL &&
	    (!why[0] || strchr(why, '\n')))
		__builtin_trap();
	if (len < ZFD_SEAL_HDR_SIZE)
		return;
	if (zfd_seal_r_open(p, pk, sk, &r, why, sizeof(why)))
		return;
	if (zfd_seal_r_stream(r, len, rd, &b, check_out, &next, &res) ||
	    next != res.plain || (res.end != ZFD_SEAL_END_FINAL && !res.why[0]))
		__builtin_trap();
	zfd_seal_r_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t work[GOOD_MAX];
	uint8_t kpk[ZFD_SEAL_KEY_SIZE], ksk[ZFD_SEAL_KEY_SIZE];
	uint8_t *copy;
	char why[128];
	size_t len, i, off, k;
	uint32_t v;

	if (!good_len[0])
		init();
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	run(copy, size);
	free(copy);
	zfd_seal_parse_key((const char *)data, size, kpk, NULL, why,
			   sizeof(why));
	zfd_seal_parse_key((const char *)data, size, kpk, ksk, why,
			   sizeof(why));

	if (size < 4)
		return 0;
	v = zfd_get_be32(data);
	k = v & 1;
	memcpy(work, good[k], good_len[k]);
	len = (v >> 1) % (good_len[k] + 1);
	for (i = 4; i + 3 <= size; i += 3) {
		off = zfd_get_be16(data + i) % good_len[k];
		work[off] ^= data[i + 2];
	}
	run(work, len);
	return 0;
}
