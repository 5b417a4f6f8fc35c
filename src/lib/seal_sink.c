// SPDX-License-Identifier: GPL-2.0-or-later
/* The sealing transform for sinks (seal_sink.h, doc/sealing.md). */
#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "digest.h"
#include "seal_sink.h"
#include "util.h"

static const char *const encrypt_keys[] = { "recipient", NULL };

int zfd_seal_cfg_parse(const struct zfd_host *host, const config_setting_t *cfg,
		       struct zfd_seal_cfg *sc)
{
	const config_setting_t *enc = config_setting_get_member(cfg, "encrypt");
	const config_setting_t *m;
	const char *path;
	uint8_t fp[ZFD_SEAL_FP_SIZE];
	char why[160];
	int i;

	memset(sc, 0, sizeof(*sc));
	if (!enc)
		return 0;
	if (config_setting_type(enc) != CONFIG_TYPE_GROUP) {
		zfd_cfg_error(host, enc,
			      "'encrypt' must be a group: "
			      "encrypt = { recipient = \"FILE.pub\"; }");
		return -EINVAL;
	}
	for (i = 0; (m = config_setting_get_elem(enc, (unsigned int)i)); i++) {
		if (strcmp(config_setting_name(m), encrypt_keys[0]) != 0) {
			zfd_cfg_error(host, m, "unknown key '%s' in 'encrypt'",
				      config_setting_name(m));
			return -EINVAL;
		}
	}
	m = config_setting_get_member(enc, "recipient");
	if (!m || config_setting_type(m) != CONFIG_TYPE_STRING ||
	    !*(path = config_setting_get_string(m))) {
		zfd_cfg_error(host, m ? m : enc,
			      "'encrypt' needs 'recipient', "
			      "the public key file (zfcpdump-get keygen)");
		return -EINVAL;
	}
	if (zfd_seal_load_key(path, sc->pk, NULL, why, sizeof(why))) {
		zfd_cfg_error(host, m, "encrypt recipient %s: %s", path, why);
		return -EINVAL;
	}
	sc->recipient = strdup(path);
	if (!sc->recipient)
		return -ENOMEM;
	zfd_seal_fingerprint(sc->pk, fp);
	zfd_seal_fp_hex(fp, sc->fp);
	sc->on = true;
	return 0;
}

void zfd_seal_cfg_free(struct zfd_seal_cfg *sc)
{
	free(sc->recipient);
	sc->recipient = NULL;
	sc->on = false;
}

/*
 * Two staging buffers: the sink's thread encrypts into one while a worker
 * thread stores the other, so that the cipher and the I/O overlap (alone,
 * each takes about as long as a plain dump). The worker only ever calls
 * store(); the sink sees no store() in flight once zfd_sealer_sync() or
 * zfd_sealer_end() returned.
 */
struct zfd_sealer {
	struct zfd_seal_w *w;
	zfd_seal_out_fn store;
	void *arg;
	uint8_t *stage[2]; /* stage_cap each, aligned */
	size_t stage_size; /* stored when this much is staged */
	size_t stage_cap;
	int cur;	    /* the one being filled */
	uint64_t stage_off; /* envelope offset of stage[cur][0] */
	size_t fill;
	unsigned int pad;
	struct zfd_digest *d; /* fixed header part, lane table, chunks stored */
	uint64_t stored;      /* chunk bytes stored (without padding) */
	bool by_target;	      /* the target reports them: zfd_sealer_took() */
	/* the store worker */
	bool threaded;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool busy, quit;
	const uint8_t *job;
	size_t job_len;
	uint64_t job_off;
	int err; /* first error of the worker */
};

/*
 * Stores len bytes (the first used of them envelope, the rest padding);
 * what the target took counts: the digest and sealed_bytes describe the
 * bytes stored, also when the target runs full.
 */
static int store_hash(struct zfd_sealer *s, uint64_t off, const uint8_t *buf,
		      size_t len, size_t used)
{
	int rc = s->store(s->arg, off, buf, len);

	if (rc || s->by_target)
		return rc;
	zfd_digest_update(s->d, buf, used);
	s->stored += used;
	return 0;
}

static void *store_worker(void *arg)
{
	struct zfd_sealer *s = arg;
	int rc;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->busy && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->busy)
			break;
		pthread_mutex_unlock(&s->mu);
		rc = store_hash(s, s->job_off, s->job, s->job_len, s->job_len);
		pthread_mutex_lock(&s->mu);
		if (rc && !s->err)
			s->err = rc;
		s->busy = false;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int zfd_sealer_sync(struct zfd_sealer *s)
{
	int rc;

	if (!s->threaded)
		return s->err;
	pthread_mutex_lock(&s->mu);
	while (s->busy)
		pthread_cond_wait(&s->cv, &s->mu);
	rc = s->err;
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* Stores len bytes of buf at off: by the worker, or here. */
static int store_async(struct zfd_sealer *s, const uint8_t *buf, size_t len,
		       uint64_t off)
{
	int rc;

	if (!s->threaded) {
		rc = store_hash(s, off, buf, len, len);
		if (rc && !s->err)
			s->err = rc;
		return rc;
	}
	/* waits for the previous job, which used the other buffer */
	rc = zfd_sealer_sync(s);
	if (rc)
		return rc;
	pthread_mutex_lock(&s->mu);
	s->job = buf;
	s->job_len = len;
	s->job_off = off;
	s->busy = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* The writer encrypts its chunks straight into the staging buffer. */
static uint8_t *stage_room(void *arg, size_t *cap)
{
	struct zfd_sealer *s = arg;

	*cap = s->stage_cap - s->fill;
	return s->stage[s->cur] + s->fill;
}

/* Whole pages to the target; the rest starts the other buffer. */
static int stage_store(struct zfd_sealer *s)
{
	size_t whole = ZFD_ALIGN_DOWN(s->fill, ZFD_PAGE_SIZE);
	uint8_t *full = s->stage[s->cur];
	int rc;

	rc = store_async(s, full, whole, s->stage_off);
	if (rc)
		return rc;
	s->cur ^= 1;
	memcpy(s->stage[s->cur], full + whole, s->fill - whole);
	s->fill -= whole;
	s->stage_off += whole;
	return 0;
}

static int stage_done(void *arg, uint64_t off, size_t len)
{
	struct zfd_sealer *s = arg;

	(void)off;
	s->fill += len;
	return s->fill >= s->stage_size ? stage_store(s) : 0;
}

static const struct zfd_seal_direct stage_ops = {
	.room = stage_room,
	.done = stage_done,
};

int zfd_sealer_new(const struct zfd_seal_cfg *sc, unsigned int pad,
		   const struct zfd_dump_info *info, zfd_seal_out_fn store,
		   void *arg, struct zfd_sealer **sp)
{
	unsigned int threads = info->threads, lanes;
	struct zfd_sealer *s;
	const uint8_t *raw;
	int rc;

	if (!pad || pad > ZFD_PAGE_SIZE || (pad & (pad - 1)))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->store = store;
	s->arg = arg;
	s->pad = pad;
	/* a compressed stream comes slowly: small stages do */
	s->stage_size = info->flags & ZFD_INFO_SIZE_BOUND ?
				ZFD_SEALER_STAGE_SMALL :
				ZFD_SEALER_STAGE;
	/* room for one more chunk behind the staged bytes */
	s->stage_cap = s->stage_size + ZFD_SEAL_CHUNK_DEFAULT +
		       ZFD_SEAL_ABYTES + ZFD_PAGE_SIZE;
	s->stage_off = ZFD_SEAL_HDR_SIZE;
	s->d = zfd_digest_new();
	if (!s->d ||
	    posix_memalign((void **)&s->stage[0], ZFD_ALIGN, s->stage_cap) ||
	    posix_memalign((void **)&s->stage[1], ZFD_ALIGN, s->stage_cap)) {
		rc = -ENOMEM;
		goto out_free;
	}
	/* two lanes a thread: a thread that is late leaves less undone */
	threads = ZFD_MIN(ZFD_MAX(threads, 1u), ZFD_SEALER_THREADS_MAX);
	lanes = threads > 1 ? 2 * threads : 1;
	rc = zfd_seal_w_new(sc->pk, ZFD_SEAL_CHUNK_DEFAULT, lanes, threads,
			    &s->w);
	if (rc)
		goto out_free;
	raw = zfd_seal_w_hdr(s->w);
	zfd_digest_update(s->d, raw, ZFD_SEAL_OFF_FIXED_END);
	zfd_digest_update(s->d, raw + ZFD_SEAL_OFF_LANE_TBL,
			  (lanes - 1) * ZFD_SEAL_SS_HDR);
	/* without a worker thread the stores happen inline: slower, still right */
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->threaded = pthread_create(&s->th, NULL, store_worker, s) == 0;
	*sp = s;
	return 0;

out_free:
	zfd_sealer_free(s);
	return rc;
}

void zfd_sealer_count_by_target(struct zfd_sealer *s)
{
	s->by_target = true;
}

void zfd_sealer_took(struct zfd_sealer *s, const void *data, size_t len)
{
	zfd_digest_update(s->d, data, len);
	s->stored += len;
}

int zfd_sealer_write(struct zfd_sealer *s, const void *data, size_t len)
{
	return zfd_seal_w_write_direct(s->w, data, len, &stage_ops, s);
}

int zfd_sealer_end(struct zfd_sealer *s, bool complete)
{
	size_t len;
	int rc;

	if (complete) {
		rc = zfd_seal_w_final_direct(s->w, &stage_ops, s);
		if (rc)
			return rc;
	} else {
		zfd_seal_w_cut(s->w);
	}
	rc = zfd_sealer_sync(s);
	if (rc || !s->fill)
		return rc;
	len = ZFD_ALIGN_UP(s->fill, s->pad);
	memset(s->stage[s->cur] + s->fill, 0, len - s->fill);
	rc = store_hash(s, s->stage_off, s->stage[s->cur], len, s->fill);
	if (rc)
		return rc;
	s->stage_off += s->fill;
	s->fill = 0;
	return 0;
}

const uint8_t *zfd_sealer_hdr(struct zfd_sealer *s)
{
	return zfd_seal_w_hdr(s->w);
}

uint64_t zfd_sealer_size(const struct zfd_sealer *s)
{
	return zfd_seal_w_size(s->w);
}

uint64_t zfd_sealer_plain(const struct zfd_sealer *s)
{
	return zfd_seal_w_plain(s->w);
}

uint64_t zfd_sealer_need(uint64_t plain)
{
	return ZFD_ALIGN_UP(zfd_seal_size(plain, ZFD_SEAL_CHUNK_DEFAULT),
			    ZFD_PAGE_SIZE);
}

int zfd_sealer_manifest(const struct zfd_sealer *s, char *buf, size_t len)
{
	char fp[ZFD_SEAL_FP_HEX];
	int n;

	zfd_seal_w_fp_hex(s->w, fp);
	n = snprintf(buf, len,
		     "encrypted: %s\nkey: %s\nsealed_bytes: %" PRIu64
		     "\nsealed_chunk: %u\n",
		     ZFD_SEAL_NAME, fp, s->stored, ZFD_SEAL_CHUNK_DEFAULT);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

void zfd_sealer_digest(const struct zfd_sealer *s, char *buf, size_t len)
{
	zfd_digest_string(s->d, buf, len);
}

void zfd_sealer_free(struct zfd_sealer *s)
{
	if (!s)
		return;
	if (s->threaded) {
		pthread_mutex_lock(&s->mu);
		while (s->busy)
			pthread_cond_wait(&s->cv, &s->mu);
		s->quit = true;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->th, NULL);
	}
	if (s->w) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
	}
	zfd_seal_w_free(s->w);
	zfd_digest_free(s->d);
	free(s->stage[0]);
	free(s->stage[1]);
	free(s);
}
