/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sealed dumps: the envelope around any dump format (doc/sealing.md).
 *
 * A fresh random key per dump, sealed to the recipient's X25519 public key
 * (crypto_box_seal); the data through crypto_secretstream_xchacha20poly1305
 * in chunks of a fixed size, spread over "lanes": independent secretstreams
 * under the same key, each with its own header (nonce), so that several
 * threads seal at once. On disk (all integers big-endian):
 *
 *	header		ZFD_SEAL_HDR_SIZE bytes (layout below)
 *	chunk 0		chunk_size + ZFD_SEAL_ABYTES bytes, tag MESSAGE
 *	chunk 1		...
 *	chunk n		ZFD_SEAL_ABYTES..chunk_size - 1 + ZFD_SEAL_ABYTES bytes,
 *			tag FINAL
 *
 * Chunk i is message i / lanes of lane i % lanes and starts at hdr_size +
 * i * (chunk_size + ZFD_SEAL_ABYTES), so the chunks before a cut are found
 * and decrypted without the rest. The fixed part of the header is the
 * additional data of every chunk: a changed header field fails the first
 * chunk. Version 1 (written before lanes) is version 2 with one lane and
 * the lanes field zero; both are read.
 */
#ifndef ZFD_SEAL_H
#define ZFD_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZFD_SEAL_MAGIC	       0x5a46445345414c31ULL /* "ZFDSEAL1" */
#define ZFD_SEAL_VERSION       2
#define ZFD_SEAL_VERSION_1     1 /* one lane, lanes field zero */
#define ZFD_SEAL_LANES_MAX     64
#define ZFD_SEAL_HDR_SIZE      4096
#define ZFD_SEAL_CIPHER	       1 /* x25519-sealed, secretstream */
#define ZFD_SEAL_CHUNK_DEFAULT (64u << 10)
#define ZFD_SEAL_CHUNK_MIN     4096u
#define ZFD_SEAL_CHUNK_MAX     (4u << 20)
/* secretstream overhead per chunk: 1 tag byte + 16 MAC bytes */
#define ZFD_SEAL_ABYTES	       17
#define ZFD_SEAL_KEY_SIZE      32 /* X25519 public and secret keys */
#define ZFD_SEAL_FP_SIZE       16
#define ZFD_SEAL_FP_HEX	       (2 * ZFD_SEAL_FP_SIZE + 1)
#define ZFD_SEAL_SEALED_KEY    80 /* crypto_box_SEALBYTES + 32 */
#define ZFD_SEAL_SS_HDR	       24 /* secretstream header */
#define ZFD_SEAL_NAME	       "x25519-sealed"

/* Header offsets. [0, ZFD_SEAL_OFF_FIXED_END) never changes after start. */
#define ZFD_SEAL_OFF_MAGIC	0x000 /* u64 */
#define ZFD_SEAL_OFF_VERSION	0x008 /* u32 */
#define ZFD_SEAL_OFF_HDR_SIZE	0x00c /* u32 */
#define ZFD_SEAL_OFF_CHUNK	0x010 /* u32 plaintext bytes per chunk */
#define ZFD_SEAL_OFF_CIPHER	0x014 /* u32 */
#define ZFD_SEAL_OFF_SKEY_LEN	0x018 /* u32 */
#define ZFD_SEAL_OFF_SSHDR_LEN	0x01c /* u32 */
#define ZFD_SEAL_OFF_FP		0x020 /* 16 bytes */
#define ZFD_SEAL_OFF_SKEY	0x030 /* 80 bytes */
#define ZFD_SEAL_OFF_SSHDR	0x080 /* 24 bytes, lane 0 */
#define ZFD_SEAL_OFF_LANES	0x098 /* u32, version 2: 1..LANES_MAX */
#define ZFD_SEAL_OFF_FIXED_END	0x0c0
#define ZFD_SEAL_OFF_DATA_SIZE	0x0c0 /* u64 chunk bytes, 0 = not recorded */
#define ZFD_SEAL_OFF_PLAIN_SIZE 0x0c8 /* u64 plaintext bytes, 0 = n. r. */
#define ZFD_SEAL_OFF_STATE	0x0d0 /* u32 enum zfd_seal_state */
/* lanes 1..lanes-1's secretstream headers, 24 bytes each; never change */
#define ZFD_SEAL_OFF_LANE_TBL	0x100

enum zfd_seal_state {
	ZFD_SEAL_ST_OPEN = 0,  /* not recorded (stream sinks) */
	ZFD_SEAL_ST_FINAL = 1, /* final chunk written */
	ZFD_SEAL_ST_CUT = 2,   /* writer stopped before the end */
};

struct zfd_seal_hdr {
	uint32_t version;
	uint32_t hdr_size;
	uint32_t chunk_size;
	uint32_t cipher;
	uint8_t fp[ZFD_SEAL_FP_SIZE];
	uint8_t sealed_key[ZFD_SEAL_SEALED_KEY];
	uint8_t ss_hdr[ZFD_SEAL_SS_HDR]; /* lane 0 */
	uint32_t lanes;			 /* 1 for version 1 */
	uint8_t lane_hdr[ZFD_SEAL_LANES_MAX - 1][ZFD_SEAL_SS_HDR];
	uint64_t data_size;
	uint64_t plain_size;
	uint32_t state;
};

/* libsodium's init; 0 or -EIO. Idempotent. */
int zfd_seal_init(void);

/* Keys. */
int zfd_seal_keygen(uint8_t pk[ZFD_SEAL_KEY_SIZE],
		    uint8_t sk[ZFD_SEAL_KEY_SIZE]);
void zfd_seal_fingerprint(const uint8_t pk[ZFD_SEAL_KEY_SIZE],
			  uint8_t fp[ZFD_SEAL_FP_SIZE]);
void zfd_seal_fp_hex(const uint8_t fp[ZFD_SEAL_FP_SIZE],
		     char hex[ZFD_SEAL_FP_HEX]);
/*
 * Key files are text: "zfcpdump-seal-public 1\n<64 hex>\n" and
 * "zfcpdump-seal-secret 1\n<64 hex secret>\n<64 hex public>\n".
 * Formats the text into buf (ZFD_SEAL_KEYFILE_MAX bytes).
 */
#define ZFD_SEAL_KEYFILE_MAX 256
void zfd_seal_format_pub(const uint8_t pk[ZFD_SEAL_KEY_SIZE], char *buf);
void zfd_seal_format_secret(const uint8_t pk[ZFD_SEAL_KEY_SIZE],
			    const uint8_t sk[ZFD_SEAL_KEY_SIZE], char *buf);
/*
 * Parses a key file's text. sk may be NULL (a public key is wanted): then
 * a secret key file is refused with -EPERM ("holds a secret key"). With
 * sk, only a secret key file is accepted. 0 or -EINVAL/-EPERM with why.
 */
int zfd_seal_parse_key(const char *text, size_t len,
		       uint8_t pk[ZFD_SEAL_KEY_SIZE],
		       uint8_t sk[ZFD_SEAL_KEY_SIZE], char *why,
		       size_t why_len);
/* Reads and parses a key file (at most ZFD_SEAL_KEYFILE_MAX bytes). */
int zfd_seal_load_key(const char *path, uint8_t pk[ZFD_SEAL_KEY_SIZE],
		      uint8_t sk[ZFD_SEAL_KEY_SIZE], char *why, size_t why_len);

/* Header. */
bool zfd_seal_is_sealed(const void *raw, size_t len);
void zfd_seal_hdr_encode(const struct zfd_seal_hdr *h,
			 uint8_t raw[ZFD_SEAL_HDR_SIZE]);
/* Decodes and validates; 0, -ENODEV (no magic) or -EINVAL with why. */
int zfd_seal_hdr_decode(const void *raw, size_t len, struct zfd_seal_hdr *h,
			char *why, size_t why_len);
/*
 * Bytes of the lane table at ZFD_SEAL_OFF_LANE_TBL: with the fixed part
 * [0, ZFD_SEAL_OFF_FIXED_END) what never changes after the start (the
 * digest of a sealed dump covers both, then the chunks).
 */
static inline size_t zfd_seal_lane_tbl_len(const struct zfd_seal_hdr *h)
{
	if (h->lanes < 1 || h->lanes > ZFD_SEAL_LANES_MAX)
		return 0; /* not a decoded header: no table */
	return (size_t)(h->lanes - 1) * ZFD_SEAL_SS_HDR;
}
/* Envelope offset of chunk i. */
static inline uint64_t zfd_seal_chunk_off(const struct zfd_seal_hdr *h,
					  uint64_t i)
{
	return h->hdr_size + i * ((uint64_t)h->chunk_size + ZFD_SEAL_ABYTES);
}
/* Envelope bytes for plain plaintext bytes (header and final chunk in). */
uint64_t zfd_seal_size(uint64_t plain, uint32_t chunk_size);

/*
 * Writer. Output goes through fn at envelope offsets, in ascending order;
 * the header (offset 0) is the caller's: zfd_seal_w_hdr() gives its bytes
 * at any time (sizes and state as of then), so a sink can write it first
 * (stream) or last (commit).
 *
 * lanes: 1..ZFD_SEAL_LANES_MAX independent streams; 0 writes a version 1
 * envelope (one lane), which only tests want. threads (at most lanes):
 * the caller's and threads - 1 of the writer's own seal the lanes of a
 * batch at once (the direct interface hands over several chunks at a
 * time); 0 or 1: the caller's thread alone.
 */
typedef int (*zfd_seal_out_fn)(void *arg, uint64_t off, const void *data,
			       size_t len);
struct zfd_seal_w;

int zfd_seal_w_new(const uint8_t pk[ZFD_SEAL_KEY_SIZE], uint32_t chunk_size,
		   unsigned int lanes, unsigned int threads,
		   struct zfd_seal_w **wp);
int zfd_seal_w_write(struct zfd_seal_w *w, const void *data, size_t len,
		     zfd_seal_out_fn fn, void *arg);
/* Writes the buffered rest as the FINAL chunk. */
int zfd_seal_w_final(struct zfd_seal_w *w, zfd_seal_out_fn fn, void *arg);
/*
 * The same without copies: chunks are encrypted straight into room(arg,
 * &cap) (cap bytes of the caller's memory, at least chunk_size +
 * ZFD_SEAL_ABYTES: as many whole chunks as fit, sealed at once by the
 * lanes), whole chunks straight from data; done(arg, off, len) then
 * reports the len ciphertext bytes at envelope offset off written there.
 */
struct zfd_seal_direct {
	uint8_t *(*room)(void *arg, size_t *cap);
	int (*done)(void *arg, uint64_t off, size_t len);
};
int zfd_seal_w_write_direct(struct zfd_seal_w *w, const void *data, size_t len,
			    const struct zfd_seal_direct *d, void *arg);
int zfd_seal_w_final_direct(struct zfd_seal_w *w,
			    const struct zfd_seal_direct *d, void *arg);
/* Marks the envelope cut (the dump stops here, no final chunk). */
void zfd_seal_w_cut(struct zfd_seal_w *w);
const uint8_t *zfd_seal_w_hdr(struct zfd_seal_w *w);
/* Envelope bytes emitted so far, header included. */
uint64_t zfd_seal_w_size(const struct zfd_seal_w *w);
uint64_t zfd_seal_w_plain(const struct zfd_seal_w *w);
void zfd_seal_w_fp_hex(const struct zfd_seal_w *w, char hex[ZFD_SEAL_FP_HEX]);
unsigned int zfd_seal_w_lanes(const struct zfd_seal_w *w);
void zfd_seal_w_free(struct zfd_seal_w *w);

/*
 * Reader. read(arg, buf, len, off) returns the bytes read at envelope
 * offset off (short only at the end of the data), or -errno.
 */
typedef int64_t (*zfd_seal_read_fn)(void *arg, void *buf, size_t len,
				    uint64_t off);

enum zfd_seal_end {
	ZFD_SEAL_END_FINAL = 0, /* final chunk authenticated */
	ZFD_SEAL_END_CUT,	/* data ends before the final chunk */
	ZFD_SEAL_END_BAD,	/* a chunk does not authenticate */
};

struct zfd_seal_result {
	enum zfd_seal_end end;
	uint64_t chunks;   /* chunks authenticated */
	uint64_t plain;	   /* plaintext bytes authenticated */
	uint64_t stop_off; /* envelope offset where trust ends */
	char why[160];	   /* one line for CUT and BAD */
};

/*
 * Opens the sealed key with the recipient's key pair. -EKEYREJECTED with
 * why = "sealed to key <fp>, not this one" for another key.
 */
struct zfd_seal_r;
int zfd_seal_r_open(const uint8_t raw_hdr[ZFD_SEAL_HDR_SIZE],
		    const uint8_t pk[ZFD_SEAL_KEY_SIZE],
		    const uint8_t sk[ZFD_SEAL_KEY_SIZE], struct zfd_seal_r **rp,
		    char *why, size_t why_len);
/*
 * Decrypts the chunks in order from envelope bytes [0, avail) (avail:
 * what is stored, UINT64_MAX for "until read() ends"), handing plaintext
 * to out(arg, plain_off, data, len) only after its chunk authenticated.
 * Returns 0 with res filled (final, cut or bad), or -errno of read/out.
 */
int zfd_seal_r_stream(struct zfd_seal_r *r, uint64_t avail, zfd_seal_read_fn rd,
		      void *rd_arg, zfd_seal_out_fn out, void *out_arg,
		      struct zfd_seal_result *res);
void zfd_seal_r_free(struct zfd_seal_r *r);

#endif /* ZFD_SEAL_H */
