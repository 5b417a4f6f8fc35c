// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sealed dumps: keys, the envelope header and the writer (seal.h,
 * doc/sealing.md). The reader is in seal_read.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "be.h"
#include "seal.h"
#include "util.h"

#define ZFD_SEAL_TAG_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define ZFD_SEAL_TAG_FINAL   crypto_secretstream_xchacha20poly1305_TAG_FINAL

_Static_assert(crypto_box_SEALBYTES +
			       crypto_secretstream_xchacha20poly1305_KEYBYTES ==
		       ZFD_SEAL_SEALED_KEY,
	       "sealed key size");
_Static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES ==
		       ZFD_SEAL_SS_HDR,
	       "secretstream header size");
_Static_assert(crypto_secretstream_xchacha20poly1305_ABYTES == ZFD_SEAL_ABYTES,
	       "secretstream overhead");
_Static_assert(crypto_box_PUBLICKEYBYTES == ZFD_SEAL_KEY_SIZE &&
		       crypto_box_SECRETKEYBYTES == ZFD_SEAL_KEY_SIZE,
	       "key size");

#define PUB_TAG	   "zfcpdump-seal-public 1\n"
#define SECRET_TAG "zfcpdump-seal-secret 1\n"
#define FP_CONTEXT "zfcpdump seal key fingerprint 1"

int zfd_seal_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int zfd_seal_keygen(uint8_t pk[ZFD_SEAL_KEY_SIZE],
		    uint8_t sk[ZFD_SEAL_KEY_SIZE])
{
	if (zfd_seal_init())
		return -EIO;
	return crypto_box_keypair(pk, sk) ? -EIO : 0;
}

void zfd_seal_fingerprint(const uint8_t pk[ZFD_SEAL_KEY_SIZE],
			  uint8_t fp[ZFD_SEAL_FP_SIZE])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, ZFD_SEAL_FP_SIZE);
	crypto_generichash_update(&st, (const uint8_t *)FP_CONTEXT,
				  sizeof(FP_CONTEXT) - 1);
	crypto_generichash_update(&st, pk, ZFD_SEAL_KEY_SIZE);
	crypto_generichash_final(&st, fp, ZFD_SEAL_FP_SIZE);
}

void zfd_seal_fp_hex(const uint8_t fp[ZFD_SEAL_FP_SIZE],
		     char hex[ZFD_SEAL_FP_HEX])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < ZFD_SEAL_FP_SIZE; i++) {
		hex[2 * i] = digits[fp[i] >> 4];
		hex[2 * i + 1] = digits[fp[i] & 15];
	}
	hex[2 * ZFD_SEAL_FP_SIZE] = '\0';
}

static void put_hex(char *p, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		p[2 * i] = digits[b[i] >> 4];
		p[2 * i + 1] = digits[b[i] & 15];
	}
}

void zfd_seal_format_pub(const uint8_t pk[ZFD_SEAL_KEY_SIZE], char *buf)
{
	size_t n = sizeof(PUB_TAG) - 1;

	memcpy(buf, PUB_TAG, n);
	put_hex(buf + n, pk, ZFD_SEAL_KEY_SIZE);
	n += 2 * ZFD_SEAL_KEY_SIZE;
	buf[n++] = '\n';
	buf[n] = '\0';
}

void zfd_seal_format_secret(const uint8_t pk[ZFD_SEAL_KEY_SIZE],
			    const uint8_t sk[ZFD_SEAL_KEY_SIZE], char *buf)
{
	size_t n = sizeof(SECRET_TAG) - 1;

	memcpy(buf, SECRET_TAG, n);
	put_hex(buf + n, sk, ZFD_SEAL_KEY_SIZE);
	n += 2 * ZFD_SEAL_KEY_SIZE;
	buf[n++] = '\n';
	put_hex(buf + n, pk, ZFD_SEAL_KEY_SIZE);
	n += 2 * ZFD_SEAL_KEY_SIZE;
	buf[n++] = '\n';
	buf[n] = '\0';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One line of exactly 64 hex digits and '\n' at *p; advances *p. */
static int get_hex_line(const char **p, const char *end, uint8_t *out)
{
	const char *s = *p;
	size_t i;

	if (end - s < 2 * ZFD_SEAL_KEY_SIZE + 1 ||
	    s[2 * ZFD_SEAL_KEY_SIZE] != '\n')
		return -EINVAL;
	for (i = 0; i < ZFD_SEAL_KEY_SIZE; i++) {
		int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*p = s + 2 * ZFD_SEAL_KEY_SIZE + 1;
	return 0;
}

int zfd_seal_parse_key(const char *text, size_t len,
		       uint8_t pk[ZFD_SEAL_KEY_SIZE],
		       uint8_t sk[ZFD_SEAL_KEY_SIZE], char *why, size_t why_len)
{
	const char *p = text, *end = text + len;
	uint8_t derived[ZFD_SEAL_KEY_SIZE];

	if (len >= sizeof(SECRET_TAG) - 1 &&
	    memcmp(text, SECRET_TAG, sizeof(SECRET_TAG) - 1) == 0) {
		if (!sk) {
			snprintf(why, why_len,
				 "holds a secret key (use the .pub file)");
			return -EPERM;
		}
		p += sizeof(SECRET_TAG) - 1;
		if (get_hex_line(&p, end, sk) || get_hex_line(&p, end, pk) ||
		    p != end)
			goto bad;
		if (crypto_scalarmult_base(derived, sk) ||
		    sodium_memcmp(derived, pk, ZFD_SEAL_KEY_SIZE)) {
			snprintf(why, why_len,
				 "secret and public key do not belong together");
			return -EINVAL;
		}
		return 0;
	}
	if (len >= sizeof(PUB_TAG) - 1 &&
	    memcmp(text, PUB_TAG, sizeof(PUB_TAG) - 1) == 0) {
		if (sk) {
			snprintf(why, why_len,
				 "is a public key (the secret key is NAME.key)");
			return -EINVAL;
		}
		p += sizeof(PUB_TAG) - 1;
		if (get_hex_line(&p, end, pk) || p != end)
			goto bad;
		return 0;
	}
bad:
	snprintf(why, why_len, "not a zfcpdump %s key file",
		 sk ? "secret" : "public");
	return -EINVAL;
}

int zfd_seal_load_key(const char *path, uint8_t pk[ZFD_SEAL_KEY_SIZE],
		      uint8_t sk[ZFD_SEAL_KEY_SIZE], char *why, size_t why_len)
{
	char buf[ZFD_SEAL_KEYFILE_MAX + 1];
	ssize_t n;
	size_t len = 0;
	int fd, rc;

	if (zfd_seal_init()) {
		snprintf(why, why_len, "libsodium failed to initialise");
		return -EIO;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, why_len, "%s", strerror(errno));
		return rc;
	}
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(why, why_len, "%s", strerror(errno));
			close(fd);
			return rc;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = zfd_seal_parse_key(buf, len > ZFD_SEAL_KEYFILE_MAX ? 0 : len, pk,
				sk, why, why_len);
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

bool zfd_seal_is_sealed(const void *raw, size_t len)
{
	return len >= 8 && zfd_get_be64(raw) == ZFD_SEAL_MAGIC;
}

void zfd_seal_hdr_encode(const struct zfd_seal_hdr *h,
			 uint8_t raw[ZFD_SEAL_HDR_SIZE])
{
	memset(raw, 0, ZFD_SEAL_HDR_SIZE);
	zfd_put_be64(raw + ZFD_SEAL_OFF_MAGIC, ZFD_SEAL_MAGIC);
	zfd_put_be32(raw + ZFD_SEAL_OFF_VERSION, h->version);
	zfd_put_be32(raw + ZFD_SEAL_OFF_HDR_SIZE, h->hdr_size);
	zfd_put_be32(raw + ZFD_SEAL_OFF_CHUNK, h->chunk_size);
	zfd_put_be32(raw + ZFD_SEAL_OFF_CIPHER, h->cipher);
	zfd_put_be32(raw + ZFD_SEAL_OFF_SKEY_LEN, ZFD_SEAL_SEALED_KEY);
	zfd_put_be32(raw + ZFD_SEAL_OFF_SSHDR_LEN, ZFD_SEAL_SS_HDR);
	memcpy(raw + ZFD_SEAL_OFF_FP, h->fp, ZFD_SEAL_FP_SIZE);
	memcpy(raw + ZFD_SEAL_OFF_SKEY, h->sealed_key, ZFD_SEAL_SEALED_KEY);
	memcpy(raw + ZFD_SEAL_OFF_SSHDR, h->ss_hdr, ZFD_SEAL_SS_HDR);
	if (h->version != ZFD_SEAL_VERSION_1) {
		zfd_put_be32(raw + ZFD_SEAL_OFF_LANES, h->lanes);
		memcpy(raw + ZFD_SEAL_OFF_LANE_TBL, h->lane_hdr,
		       zfd_seal_lane_tbl_len(h));
	}
	zfd_put_be64(raw + ZFD_SEAL_OFF_DATA_SIZE, h->data_size);
	zfd_put_be64(raw + ZFD_SEAL_OFF_PLAIN_SIZE, h->plain_size);
	zfd_put_be32(raw + ZFD_SEAL_OFF_STATE, h->state);
}

int zfd_seal_hdr_decode(const void *rawp, size_t len, struct zfd_seal_hdr *h,
			char *why, size_t why_len)
{
	const uint8_t *raw = rawp;

	if (!zfd_seal_is_sealed(raw, len))
		return -ENODEV;
	if (len < ZFD_SEAL_HDR_SIZE) {
		snprintf(why, why_len, "sealed header cut short (%zu bytes)",
			 len);
		return -EINVAL;
	}
	memset(h, 0, sizeof(*h));
	h->version = zfd_get_be32(raw + ZFD_SEAL_OFF_VERSION);
	h->hdr_size = zfd_get_be32(raw + ZFD_SEAL_OFF_HDR_SIZE);
	h->chunk_size = zfd_get_be32(raw + ZFD_SEAL_OFF_CHUNK);
	h->cipher = zfd_get_be32(raw + ZFD_SEAL_OFF_CIPHER);
	memcpy(h->fp, raw + ZFD_SEAL_OFF_FP, ZFD_SEAL_FP_SIZE);
	memcpy(h->sealed_key, raw + ZFD_SEAL_OFF_SKEY, ZFD_SEAL_SEALED_KEY);
	memcpy(h->ss_hdr, raw + ZFD_SEAL_OFF_SSHDR, ZFD_SEAL_SS_HDR);
	h->lanes = zfd_get_be32(raw + ZFD_SEAL_OFF_LANES);
	h->data_size = zfd_get_be64(raw + ZFD_SEAL_OFF_DATA_SIZE);
	h->plain_size = zfd_get_be64(raw + ZFD_SEAL_OFF_PLAIN_SIZE);
	h->state = zfd_get_be32(raw + ZFD_SEAL_OFF_STATE);

	if (h->version != ZFD_SEAL_VERSION &&
	    h->version != ZFD_SEAL_VERSION_1) {
		snprintf(why, why_len, "sealed envelope version %u unknown",
			 h->version);
		return -EINVAL;
	}
	if (h->version == ZFD_SEAL_VERSION_1) {
		/* the field was reserved (zero): one lane */
		if (h->lanes) {
			snprintf(why, why_len,
				 "sealed envelope version 1 with lanes %u",
				 h->lanes);
			return -EINVAL;
		}
		h->lanes = 1;
	} else if (h->lanes < 1 || h->lanes > ZFD_SEAL_LANES_MAX) {
		snprintf(why, why_len, "sealed envelope lanes %u out of range",
			 h->lanes);
		return -EINVAL;
	}
	memcpy(h->lane_hdr, raw + ZFD_SEAL_OFF_LANE_TBL,
	       zfd_seal_lane_tbl_len(h));
	if (h->hdr_size != ZFD_SEAL_HDR_SIZE) {
		snprintf(why, why_len, "sealed header size %u, expected %u",
			 h->hdr_size, ZFD_SEAL_HDR_SIZE);
		return -EINVAL;
	}
	if (h->chunk_size < ZFD_SEAL_CHUNK_MIN ||
	    h->chunk_size > ZFD_SEAL_CHUNK_MAX) {
		snprintf(why, why_len, "sealed chunk size %u out of range",
			 h->chunk_size);
		return -EINVAL;
	}
	if (h->cipher != ZFD_SEAL_CIPHER ||
	    zfd_get_be32(raw + ZFD_SEAL_OFF_SKEY_LEN) != ZFD_SEAL_SEALED_KEY ||
	    zfd_get_be32(raw + ZFD_SEAL_OFF_SSHDR_LEN) != ZFD_SEAL_SS_HDR) {
		snprintf(why, why_len, "sealed envelope cipher %u unknown",
			 h->cipher);
		return -EINVAL;
	}
	if (h->state > ZFD_SEAL_ST_CUT) {
		snprintf(why, why_len, "sealed header state %u unknown",
			 h->state);
		return -EINVAL;
	}
	/* data_size bounded so that offsets never wrap */
	if (h->data_size > (UINT64_MAX >> 2)) {
		snprintf(why, why_len, "sealed data size %llu absurd",
			 (unsigned long long)h->data_size);
		return -EINVAL;
	}
	return 0;
}

uint64_t zfd_seal_size(uint64_t plain, uint32_t chunk_size)
{
	/* the final chunk holds the last 0..chunk_size-1 bytes */
	uint64_t full = plain / chunk_size, rest = plain % chunk_size;

	return ZFD_SEAL_HDR_SIZE +
	       full * ((uint64_t)chunk_size + ZFD_SEAL_ABYTES) + rest +
	       ZFD_SEAL_ABYTES;
}

/*
 * The writer. Chunk idx is sealed with the state of lane idx % lanes. A
 * batch of chunks (the direct interface: as many as fit the caller's room)
 * is spread over the threads: each claims a lane at a time and seals that
 * lane's chunks of the batch, the caller's thread too, so a worker that
 * is not scheduled in time costs nothing; the batch goes out when every
 * lane is done. One thread per lane and batch keeps a lane's chunks in
 * order.
 */
struct seal_job {
	const uint8_t *m;
	size_t mlen;
	uint8_t *c;
	uint8_t tag;
};

#define MAX_JOBS 256

struct zfd_seal_w {
	crypto_secretstream_xchacha20poly1305_state *st; /* [lanes] */
	struct zfd_seal_hdr h;
	uint8_t raw[ZFD_SEAL_HDR_SIZE];
	uint8_t *buf;  /* chunk_size plaintext */
	uint8_t *cbuf; /* chunk_size + ABYTES ciphertext */
	size_t fill;
	uint64_t off; /* next envelope offset */
	uint64_t plain;
	uint64_t idx; /* number of the next chunk */
	bool done;
	/* the batch */
	unsigned int lanes;
	struct seal_job jobs[MAX_JOBS];
	size_t nr_jobs;
	/* the workers; under mu: */
	pthread_t *th;
	unsigned int nr_th;
	pthread_mutex_t mu;
	pthread_cond_t go, fin;
	uint64_t gen;	      /* batches handed out */
	unsigned int claimed; /* lanes of this batch taken */
	unsigned int sealed;  /* lanes of this batch done */
	int err;
	bool quit;
};

/* Seals the chunks of the batch that belong to lane. */
static int seal_lane(struct zfd_seal_w *w, unsigned int lane)
{
	unsigned int n = w->lanes;
	size_t j = (lane + n - (unsigned int)(w->idx % n)) % n;
	struct seal_job *job;

	for (; j < w->nr_jobs; j += n) {
		job = &w->jobs[j];
		/* the fixed header part is the additional data of every chunk */
		if (crypto_secretstream_xchacha20poly1305_push(
			    &w->st[lane], job->c, NULL, job->m, job->mlen,
			    w->raw, ZFD_SEAL_OFF_FIXED_END, job->tag))
			return -EIO;
	}
	return 0;
}

/* Claims and seals lanes of the batch until none is left; mu held. */
static void claim_lanes(struct zfd_seal_w *w)
{
	unsigned int l;
	int rc;

	while (w->claimed < w->lanes) {
		l = w->claimed++;
		pthread_mutex_unlock(&w->mu);
		rc = seal_lane(w, l);
		pthread_mutex_lock(&w->mu);
		if (rc && !w->err)
			w->err = rc;
		if (++w->sealed == w->lanes)
			pthread_cond_signal(&w->fin);
	}
}

static void *lane_main(void *arg)
{
	struct zfd_seal_w *w = arg;
	uint64_t seen = 0;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->gen == seen && !w->quit)
			pthread_cond_wait(&w->go, &w->mu);
		if (w->quit)
			break;
		seen = w->gen;
		claim_lanes(w);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Seals jobs [0, nr_jobs): on every thread at once when there are several. */
static int run_batch(struct zfd_seal_w *w)
{
	unsigned int l;
	int rc = 0;

	if (!w->nr_th || w->nr_jobs < 2) {
		for (l = 0; l < w->lanes && !rc; l++)
			rc = seal_lane(w, l);
		return rc;
	}
	pthread_mutex_lock(&w->mu);
	w->gen++;
	w->claimed = 0;
	w->sealed = 0;
	w->err = 0;
	pthread_cond_broadcast(&w->go);
	claim_lanes(w);
	while (w->sealed < w->lanes)
		pthread_cond_wait(&w->fin, &w->mu);
	rc = w->err;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int zfd_seal_w_new(const uint8_t pk[ZFD_SEAL_KEY_SIZE], uint32_t chunk_size,
		   unsigned int lanes, unsigned int threads,
		   struct zfd_seal_w **wp)
{
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	struct zfd_seal_w *w;
	unsigned int l;
	int rc = -EIO;

	if (chunk_size < ZFD_SEAL_CHUNK_MIN ||
	    chunk_size > ZFD_SEAL_CHUNK_MAX || lanes > ZFD_SEAL_LANES_MAX)
		return -EINVAL;
	if (zfd_seal_init())
		return -EIO;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->go, NULL);
	pthread_cond_init(&w->fin, NULL);
	w->h.version = lanes ? ZFD_SEAL_VERSION : ZFD_SEAL_VERSION_1;
	w->lanes = lanes ? lanes : 1;
	w->h.lanes = w->lanes;
	w->buf = malloc(chunk_size);
	w->cbuf = malloc((size_t)chunk_size + ZFD_SEAL_ABYTES);
	threads = ZFD_MIN(ZFD_MAX(threads, 1u), w->lanes);
	w->st = calloc(w->lanes, sizeof(*w->st));
	w->th = calloc(threads, sizeof(*w->th));
	if (!w->buf || !w->cbuf || !w->st || !w->th) {
		rc = -ENOMEM;
		goto out_free;
	}
	w->h.hdr_size = ZFD_SEAL_HDR_SIZE;
	w->h.chunk_size = chunk_size;
	w->h.cipher = ZFD_SEAL_CIPHER;
	zfd_seal_fingerprint(pk, w->h.fp);
	/* one key; each lane's own header (random nonce) makes its stream */
	crypto_secretstream_xchacha20poly1305_keygen(key);
	for (l = 0; l < w->lanes; l++)
		if (crypto_secretstream_xchacha20poly1305_init_push(
			    &w->st[l], l ? w->h.lane_hdr[l - 1] : w->h.ss_hdr,
			    key))
			goto out_wipe;
	if (crypto_box_seal(w->h.sealed_key, key, sizeof(key), pk))
		goto out_wipe;
	sodium_memzero(key, sizeof(key));
	zfd_seal_hdr_encode(&w->h, w->raw);
	w->off = ZFD_SEAL_HDR_SIZE;
	/* the caller's thread and threads - 1 workers; fewer: still right */
	while (w->nr_th + 1 < threads &&
	       !pthread_create(&w->th[w->nr_th], NULL, lane_main, w))
		w->nr_th++;
	*wp = w;
	return 0;

out_wipe:
	sodium_memzero(key, sizeof(key));
out_free:
	zfd_seal_w_free(w);
	return rc;
}

/*
 * Seals the chunk in the buffer when it is full (first) and the whole
 * chunks at *p, as many as the room takes, at once; hands them on and
 * advances *p and *len past the chunks taken.
 */
static int batch(struct zfd_seal_w *w, const uint8_t **p, size_t *len,
		 uint8_t tag, zfd_seal_out_fn fn,
		 const struct zfd_seal_direct *d, void *arg)
{
	size_t cs = w->h.chunk_size, full = cs + ZFD_SEAL_ABYTES;
	size_t cap = full, max, out = 0, plain = 0, j;
	uint8_t *c0 = d ? d->room(arg, &cap) : w->cbuf;
	bool from_buf = w->fill == cs || tag != ZFD_SEAL_TAG_MESSAGE;
	int rc;

	if (!c0 || cap < full)
		return -ENOMEM;
	max = ZFD_MIN(cap / full, MAX_JOBS);
	w->nr_jobs = 0;
	if (from_buf)
		w->jobs[w->nr_jobs++] = (struct seal_job){ w->buf, w->fill, c0,
							   tag };
	while (tag == ZFD_SEAL_TAG_MESSAGE && w->nr_jobs < max && *len >= cs) {
		w->jobs[w->nr_jobs] = (struct seal_job){ *p, cs,
							 c0 + w->nr_jobs * full,
							 tag };
		w->nr_jobs++;
		*p += cs;
		*len -= cs;
	}
	for (j = 0; j < w->nr_jobs; j++) {
		out += w->jobs[j].mlen + ZFD_SEAL_ABYTES;
		plain += w->jobs[j].mlen;
	}
	rc = run_batch(w);
	if (!rc)
		rc = d ? d->done(arg, w->off, out) : fn(arg, w->off, c0, out);
	if (rc)
		return rc;
	w->off += out;
	w->plain += plain;
	w->idx += w->nr_jobs;
	w->nr_jobs = 0;
	if (from_buf)
		w->fill = 0;
	return 0;
}

static int write_any(struct zfd_seal_w *w, const void *data, size_t len,
		     zfd_seal_out_fn fn, const struct zfd_seal_direct *d,
		     void *arg)
{
	const uint8_t *p = data;
	size_t cs = w->h.chunk_size, n;
	int rc;

	if (w->done)
		return -EINVAL;
	while (len) {
		if (w->fill || len < cs) {
			n = ZFD_MIN(cs - w->fill, len);
			memcpy(w->buf + w->fill, p, n);
			w->fill += n;
			p += n;
			len -= n;
			/* a full chunk goes out at once: it survives a cut */
			if (w->fill < cs)
				continue;
		}
		/* the full buffer first, then whole chunks from the caller */
		rc = batch(w, &p, &len, ZFD_SEAL_TAG_MESSAGE, fn, d, arg);
		if (rc)
			return rc;
	}
	return 0;
}

static int final_any(struct zfd_seal_w *w, zfd_seal_out_fn fn,
		     const struct zfd_seal_direct *d, void *arg)
{
	size_t none = 0;
	const uint8_t *p = NULL;
	int rc;

	if (w->done)
		return -EINVAL;
	rc = batch(w, &p, &none, ZFD_SEAL_TAG_FINAL, fn, d, arg);
	if (rc)
		return rc;
	w->done = true;
	w->h.state = ZFD_SEAL_ST_FINAL;
	return 0;
}

int zfd_seal_w_write(struct zfd_seal_w *w, const void *data, size_t len,
		     zfd_seal_out_fn fn, void *arg)
{
	return write_any(w, data, len, fn, NULL, arg);
}

int zfd_seal_w_final(struct zfd_seal_w *w, zfd_seal_out_fn fn, void *arg)
{
	return final_any(w, fn, NULL, arg);
}

int zfd_seal_w_write_direct(struct zfd_seal_w *w, const void *data, size_t len,
			    const struct zfd_seal_direct *d, void *arg)
{
	return write_any(w, data, len, NULL, d, arg);
}

int zfd_seal_w_final_direct(struct zfd_seal_w *w,
			    const struct zfd_seal_direct *d, void *arg)
{
	return final_any(w, NULL, d, arg);
}

void zfd_seal_w_cut(struct zfd_seal_w *w)
{
	if (w->done)
		return;
	w->done = true;
	w->h.state = ZFD_SEAL_ST_CUT;
}

const uint8_t *zfd_seal_w_hdr(struct zfd_seal_w *w)
{
	w->h.data_size = w->off - ZFD_SEAL_HDR_SIZE;
	w->h.plain_size = w->plain;
	zfd_put_be64(w->raw + ZFD_SEAL_OFF_DATA_SIZE, w->h.data_size);
	zfd_put_be64(w->raw + ZFD_SEAL_OFF_PLAIN_SIZE, w->h.plain_size);
	zfd_put_be32(w->raw + ZFD_SEAL_OFF_STATE, w->h.state);
	return w->raw;
}

uint64_t zfd_seal_w_size(const struct zfd_seal_w *w)
{
	return w->off;
}

uint64_t zfd_seal_w_plain(const struct zfd_seal_w *w)
{
	return w->plain;
}

void zfd_seal_w_fp_hex(const struct zfd_seal_w *w, char hex[ZFD_SEAL_FP_HEX])
{
	zfd_seal_fp_hex(w->h.fp, hex);
}

unsigned int zfd_seal_w_lanes(const struct zfd_seal_w *w)
{
	return w->lanes;
}

void zfd_seal_w_free(struct zfd_seal_w *w)
{
	unsigned int l;

	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = true;
	pthread_cond_broadcast(&w->go);
	pthread_mutex_unlock(&w->mu);
	for (l = 0; l < w->nr_th; l++)
		pthread_join(w->th[l], NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->go);
	pthread_cond_destroy(&w->fin);
	if (w->st)
		sodium_memzero(w->st, w->lanes * sizeof(*w->st));
	if (w->buf)
		sodium_memzero(w->buf, w->h.chunk_size);
	free(w->st);
	free(w->th);
	free(w->buf);
	free(w->cbuf);
	free(w);
}
