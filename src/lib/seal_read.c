// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sealed dumps: the reader. Opens the sealed key with the recipient's key
 * pair and decrypts the chunks in order; a chunk's plaintext is handed on
 * only after it authenticated, and nothing after a failed chunk is read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "seal.h"

struct zfd_seal_r {
	/* chunk i: message i / lanes of lane i % lanes */
	crypto_secretstream_xchacha20poly1305_state st[ZFD_SEAL_LANES_MAX];
	struct zfd_seal_hdr h;
	uint8_t ad[ZFD_SEAL_OFF_FIXED_END];
};

int zfd_seal_r_open(const uint8_t raw_hdr[ZFD_SEAL_HDR_SIZE],
		    const uint8_t pk[ZFD_SEAL_KEY_SIZE],
		    const uint8_t sk[ZFD_SEAL_KEY_SIZE], struct zfd_seal_r **rp,
		    char *why, size_t why_len)
{
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	uint8_t fp[ZFD_SEAL_FP_SIZE];
	char hex[ZFD_SEAL_FP_HEX];
	struct zfd_seal_r *r;
	unsigned int l;
	int rc;

	if (zfd_seal_init()) {
		snprintf(why, why_len, "libsodium failed to initialise");
		return -EIO;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = zfd_seal_hdr_decode(raw_hdr, ZFD_SEAL_HDR_SIZE, &r->h, why,
				 why_len);
	if (rc == -ENODEV)
		snprintf(why, why_len, "not a sealed dump");
	if (rc)
		goto out_free;
	memcpy(r->ad, raw_hdr, sizeof(r->ad));
	zfd_seal_fingerprint(pk, fp);
	zfd_seal_fp_hex(r->h.fp, hex);
	if (sodium_memcmp(fp, r->h.fp, sizeof(fp))) {
		snprintf(why, why_len, "sealed to key %s, not this one", hex);
		rc = -EKEYREJECTED;
		goto out_free;
	}
	if (crypto_box_seal_open(key, r->h.sealed_key, ZFD_SEAL_SEALED_KEY, pk,
				 sk)) {
		snprintf(why, why_len,
			 "sealed key of key %s does not open (damaged header)",
			 hex);
		rc = -EBADMSG;
		goto out_free;
	}
	for (l = 0, rc = 0; l < r->h.lanes && !rc; l++)
		rc = crypto_secretstream_xchacha20poly1305_init_pull(
			&r->st[l], l ? r->h.lane_hdr[l - 1] : r->h.ss_hdr, key);
	sodium_memzero(key, sizeof(key));
	if (rc) {
		snprintf(why, why_len, "sealed stream header is damaged");
		rc = -EBADMSG;
		goto out_free;
	}
	*rp = r;
	return 0;

out_free:
	zfd_seal_r_free(r);
	return rc;
}

int zfd_seal_r_stream(struct zfd_seal_r *r, uint64_t avail, zfd_seal_read_fn rd,
		      void *rd_arg, zfd_seal_out_fn out, void *out_arg,
		      struct zfd_seal_result *res)
{
	size_t full = (size_t)r->h.chunk_size + ZFD_SEAL_ABYTES;
	uint8_t *cbuf, *mbuf;
	unsigned long long mlen;
	uint64_t off, i;
	unsigned char tag;
	int64_t got;
	size_t want;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (r->h.state != ZFD_SEAL_ST_OPEN &&
	    avail > r->h.hdr_size + r->h.data_size)
		avail = r->h.hdr_size + r->h.data_size;
	cbuf = malloc(full);
	mbuf = malloc(r->h.chunk_size);
	if (!cbuf || !mbuf) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (i = 0;; i++) {
		off = zfd_seal_chunk_off(&r->h, i);
		res->stop_off = off;
		want = full;
		if (avail <= off)
			want = 0;
		else if (avail - off < want)
			want = (size_t)(avail - off);
		got = want ? rd(rd_arg, cbuf, want, off) : 0;
		if (got < 0) {
			rc = (int)got;
			goto out_free;
		}
		if (got == 0) {
			res->end = ZFD_SEAL_END_CUT;
			snprintf(res->why, sizeof(res->why),
				 "sealed data ends before chunk %" PRIu64
				 " at offset %" PRIu64 ", no final chunk",
				 i, off);
			break;
		}
		if (crypto_secretstream_xchacha20poly1305_pull(&r->st[i %
								      r->h.lanes],
							       mbuf, &mlen,
							       &tag, cbuf,
							       (size_t)got,
							       r->ad,
							       sizeof(r->ad)) ||
		    (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL &&
		     (size_t)got != full) ||
		    (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL &&
		     tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)) {
			if ((size_t)got < full) {
				res->end = ZFD_SEAL_END_CUT;
				snprintf(res->why, sizeof(res->why),
					 "sealed data ends inside chunk %" PRIu64
					 " at offset %" PRIu64 " (%" PRId64
					 " of %zu bytes)",
					 i, off, got, full);
			} else {
				res->end = ZFD_SEAL_END_BAD;
				snprintf(res->why, sizeof(res->why),
					 "chunk %" PRIu64 " at offset %" PRIu64
					 " fails authentication (tampered or "
					 "out of order); nothing after it is "
					 "trusted",
					 i, off);
			}
			break;
		}
		if (mlen) {
			rc = out(out_arg, res->plain, mbuf, (size_t)mlen);
			if (rc)
				goto out_free;
		}
		res->chunks++;
		res->plain += mlen;
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			res->end = ZFD_SEAL_END_FINAL;
			res->stop_off = off + (uint64_t)got;
			break;
		}
	}
out_free:
	if (mbuf)
		sodium_memzero(mbuf, r->h.chunk_size);
	free(mbuf);
	free(cbuf);
	return rc;
}

void zfd_seal_r_free(struct zfd_seal_r *r)
{
	if (!r)
		return;
	sodium_memzero(r, sizeof(*r));
	free(r);
}
