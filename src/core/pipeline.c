// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The dump pipeline (DESIGN §3): one reader thread fills a small ring of
 * aligned buffers from the source and computes each buffer's zero-page map
 * once; every sink consumes the ring in its own thread. A buffer is reused
 * when every sink is done with it, so reads and writes overlap and memory
 * use does not depend on the dump size.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "digest.h"
#include "util.h"

#define MAX_PAGES_PER_BUF	1024	/* 4 MiB buffers at most */

struct slot {
	uint8_t *data;
	uint64_t off;
	size_t len;
	enum zfd_block_kind kind;
	uint64_t zero_map[MAX_PAGES_PER_BUF / 64];
	size_t nr_pages;
	size_t nr_zero;
	unsigned int pending;		/* consumers still to take it */
};

struct consumer {
	struct pipe *pipe;
	struct zfd_sink_inst *si;
	pthread_t thread;
	uint8_t hdr[ZFD_S390_HDR_SIZE];
	char arch[32];
	struct zfd_dump_info info;
	uint64_t limit;			/* memory bytes for this sink */
	uint64_t done;			/* memory bytes written */
	bool active;			/* still taking data */
	bool ok;			/* no failure so far */
	bool opened;
	bool started;			/* its thread runs */
	struct zfd_digest *digest;
	struct timespec t0;
};

struct pipe {
	struct zfd_run *run;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct slot *slots;
	size_t nr_slots;
	uint64_t produced;		/* blocks published */
	bool eof;
	int read_rc;			/* source failure, ends every sink */
	char read_reason[256];
	uint64_t read_end;		/* memory offset where reading stopped */
	struct consumer cons[ZFD_MAX_SINKS];
	size_t nr_cons;
	size_t nr_active;
	uint64_t stream_end;		/* highest limit of all consumers */
	size_t nr_finished;		/* consumers that called finish() */
	bool aborted;			/* the pass could not start */
};

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Finds the chunk containing off, or the next one after it. */
static const struct zfd_range *find_chunk(const struct zfd_source *src,
					  uint64_t off, bool *inside)
{
	size_t i;

	for (i = 0; i < src->nr_chunks; i++) {
		const struct zfd_range *r = &src->chunks[i];

		if (off < r->start) {
			*inside = false;
			return r;
		}
		if (off - r->start < r->size) {
			*inside = true;
			return r;
		}
	}
	*inside = false;
	return NULL;
}

static void zero_scan(struct slot *s)
{
	size_t i;

	memset(s->zero_map, 0, sizeof(s->zero_map));
	s->nr_pages = (s->len + ZFD_PAGE_SIZE - 1) / ZFD_PAGE_SIZE;
	s->nr_zero = 0;
	for (i = 0; i < s->nr_pages; i++) {
		size_t n = ZFD_MIN((size_t)ZFD_PAGE_SIZE, s->len - i * ZFD_PAGE_SIZE);

		if (s->kind != ZFD_BLK_DATA ||
		    zfd_is_zero(s->data + i * ZFD_PAGE_SIZE, n & ~(size_t)7) ) {
			/* a short tail page counts as zero only if all of it is */
			if (s->kind == ZFD_BLK_DATA && (n & 7)) {
				size_t k;
				bool z = true;

				for (k = n & ~(size_t)7; k < n; k++)
					z = z && !s->data[i * ZFD_PAGE_SIZE + k];
				if (!z)
					continue;
			}
			s->zero_map[i / 64] |= 1ULL << (i % 64);
			s->nr_zero++;
		}
	}
}

/*
 * Reads one block at off into s, at most max bytes. A read that fails with
 * EFAULT (a memory hole the map did not show) or ENXIO (memory that exists
 * but cannot be read: damage, recorded as lost) is retried page by page;
 * the block then ends where the kind of pages changes.
 */
static int fill_data(struct pipe *p, struct slot *s, uint64_t off, size_t max)
{
	struct zfd_source *src = p->run->src;
	enum zfd_block_kind kind;
	ssize_t n;
	size_t pos;

	n = src->read(src, s->data, max, off);
	if (n == (ssize_t)max) {
		s->kind = ZFD_BLK_DATA;
		s->len = max;
		return 0;
	}
	if (n >= 0) {
		/* the source ends early: keep what was read */
		s->kind = ZFD_BLK_DATA;
		s->len = (size_t)n;
		snprintf(p->read_reason, sizeof(p->read_reason),
			 "source ended after %" PRIu64 " of %" PRIu64 " bytes of memory",
			 off + (uint64_t)n, src->mem_size);
		return -ENODATA;
	}
	if (n != -EFAULT && n != -ENXIO) {
		s->len = 0;
		snprintf(p->read_reason, sizeof(p->read_reason),
			 "read error at memory offset 0x%" PRIx64 ": %s",
			 off, strerror((int)-n));
		return (int)n;
	}
	/* page by page: the block is the run of pages of the first kind */
	for (pos = 0; pos < max; pos += ZFD_PAGE_SIZE) {
		size_t len = ZFD_MIN((size_t)ZFD_PAGE_SIZE, max - pos);

		n = src->read(src, s->data + pos, len, off + pos);
		if (n < 0 && n != -EFAULT && n != -ENXIO) {
			s->len = pos;
			snprintf(p->read_reason, sizeof(p->read_reason),
				 "read error at memory offset 0x%" PRIx64 ": %s",
				 off + pos, strerror((int)-n));
			return pos ? 0 : (int)n;
		}
		kind = n == -EFAULT ? ZFD_BLK_HOLE : n == -ENXIO ? ZFD_BLK_LOST :
		       ZFD_BLK_DATA;
		if (pos == 0)
			s->kind = kind;
		if (kind != s->kind)
			break;
		if (kind != ZFD_BLK_DATA) {
			memset(s->data + pos, 0, len);
		} else if ((size_t)n < len) {
			/* the source ends inside this page: keep what was read */
			s->len = pos + (size_t)n;
			snprintf(p->read_reason, sizeof(p->read_reason),
				 "source ended after %" PRIu64 " of %" PRIu64 " bytes of memory",
				 off + s->len, src->mem_size);
			return -ENODATA;
		}
	}
	s->len = pos < max ? pos : max;
	return 0;
}

static void *reader_main(void *arg)
{
	struct pipe *p = arg;
	struct zfd_run *run = p->run;
	struct zfd_source *src = run->src;
	const struct zfd_range *r;
	uint64_t off = 0, seq = 0;
	struct slot *s;
	size_t max;
	bool inside, hsa_released;
	int rc = 0, sig;

	while (off < p->stream_end) {
		sig = run->stop ? __atomic_load_n(run->stop, __ATOMIC_RELAXED) : 0;
		if (sig) {
			rc = -EINTR;
			snprintf(p->read_reason, sizeof(p->read_reason),
				 "interrupted by signal %d", sig);
			pthread_mutex_lock(&p->lock);
			p->read_rc = rc;
			p->read_end = off;
			pthread_mutex_unlock(&p->lock);
			break;
		}
		s = &p->slots[seq % p->nr_slots];
		pthread_mutex_lock(&p->lock);
		while (s->pending && p->nr_active)
			pthread_cond_wait(&p->cond, &p->lock);
		if (!p->nr_active) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		/* a consumer thread releases the HSA, under the lock */
		hsa_released = src->hsa_released;
		pthread_mutex_unlock(&p->lock);

		max = (size_t)ZFD_MIN((uint64_t)run->buf_size, p->stream_end - off);
		r = find_chunk(src, off, &inside);
		if (!inside) {
			if (r)
				max = (size_t)ZFD_MIN((uint64_t)max, r->start - off);
			s->kind = ZFD_BLK_HOLE;
		} else {
			max = (size_t)ZFD_MIN((uint64_t)max, r->start + r->size - off);
			s->kind = ZFD_BLK_DATA;
		}
		/* after an early HSA release, the HSA part is gone */
		if (s->kind == ZFD_BLK_DATA && hsa_released && off < src->hsa_size) {
			max = (size_t)ZFD_MIN((uint64_t)max, src->hsa_size - off);
			s->kind = ZFD_BLK_LOST;
		}
		s->off = off;
		if (s->kind == ZFD_BLK_DATA) {
			rc = fill_data(p, s, off, max);
		} else {
			memset(s->data, 0, max);
			s->len = max;
		}
		zero_scan(s);
		pthread_mutex_lock(&p->lock);
		if (s->len) {
			s->pending = (unsigned int)p->nr_cons;
			p->produced = ++seq;
		}
		off += s->len;
		if (rc) {
			p->read_rc = rc;
			p->read_end = off;
		}
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		if (rc)
			break;
	}
	pthread_mutex_lock(&p->lock);
	p->eof = true;
	if (!rc)
		p->read_end = off;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* With hsa_release = "early": free the HSA once every sink has it. */
static void maybe_release_hsa_early(struct pipe *p)
{
	struct zfd_source *src = p->run->src;
	size_t i;

	if (p->run->cfg->hsa_release != ZFD_HSA_EARLY || !src->hsa_size ||
	    src->hsa_released || !src->release_hsa)
		return;
	for (i = 0; i < p->nr_cons; i++)
		if (p->cons[i].active &&
		    p->cons[i].done < ZFD_MIN(src->hsa_size, p->cons[i].limit))
			return;
	src->release_hsa(src);
}

static void consumer_fail(struct consumer *c, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void consumer_fail(struct consumer *c, int rc, const char *fmt, ...)
{
	struct zfd_sink_inst *si = c->si;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(si->reason, sizeof(si->reason), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&c->pipe->lock);
	si->rc = rc ? rc : -EIO;
	c->ok = false;
	if (c->active) {
		c->active = false;
		c->pipe->nr_active--;
	}
	pthread_cond_broadcast(&c->pipe->cond);
	pthread_mutex_unlock(&c->pipe->lock);
}

static void consumer_finish(struct consumer *c)
{
	struct pipe *p = c->pipe;
	struct zfd_sink_inst *si = c->si;
	struct zfd_result *res = &si->res;
	enum zfd_fail_cause cause;
	struct timespec now;
	uint64_t read_end;
	int rc, read_rc;
	bool aborted;

	clock_gettime(CLOCK_REALTIME, &now);
	res->dumped_bytes = c->done;
	res->finished = now.tv_sec;
	res->seconds = elapsed(&c->t0);
	if (c->ok && si->res.lost_bytes) {
		snprintf(si->reason, sizeof(si->reason), "%s: %" PRIu64 " bytes lost",
			 p->run->src->hsa_released ? "HSA already released" :
			 "memory unreadable", si->res.lost_bytes);
		c->ok = false;
	}
	pthread_mutex_lock(&p->lock);
	read_rc = p->read_rc;
	read_end = p->read_end;
	aborted = p->aborted;
	pthread_mutex_unlock(&p->lock);
	if (c->ok && c->done == c->limit && !(read_rc && read_end < c->limit) &&
	    c->digest) {
		res->status = c->info.truncated ? ZFD_STATUS_TRUNCATED : ZFD_STATUS_COMPLETE;
		zfd_s390_end_marker(res->end_marker, zfd_tod_now());
		zfd_digest_update(c->digest, res->end_marker, sizeof(res->end_marker));
		cause = ZFD_FAIL_NONE;
	} else {
		res->status = ZFD_STATUS_INCOMPLETE;
		if (!c->ok)
			cause = ZFD_FAIL_SINK;
		else if (aborted)
			cause = ZFD_FAIL_OTHER;
		else if (read_rc == -EINTR)
			cause = ZFD_FAIL_STOP;
		else if (read_rc)
			cause = ZFD_FAIL_SOURCE;
		else
			cause = ZFD_FAIL_OTHER;
		if (!si->reason[0])
			snprintf(si->reason, sizeof(si->reason), "%s",
				 p->read_reason[0] ? p->read_reason : "dump interrupted");
		res->reason = si->reason;
	}
	if (c->digest)
		zfd_digest_string(c->digest, res->digest, sizeof(res->digest));
	rc = si->ops->finish(si->ctx, &c->info, res);
	if (rc && res->status != ZFD_STATUS_INCOMPLETE) {
		res->status = ZFD_STATUS_INCOMPLETE;
		snprintf(si->reason, sizeof(si->reason), "finishing failed: %s",
			 strerror(-rc));
		res->reason = si->reason;
		cause = ZFD_FAIL_SINK;
	}
	pthread_mutex_lock(&p->lock);
	if (rc)
		si->rc = rc;
	si->cause = cause;
	si->failed = res->status == ZFD_STATUS_INCOMPLETE;
	pthread_mutex_unlock(&p->lock);
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	struct pipe *p = c->pipe;
	struct zfd_sink_inst *si = c->si;
	struct zfd_block blk;
	struct slot *s;
	uint64_t seq;
	int rc;

	for (seq = 0;; seq++) {
		pthread_mutex_lock(&p->lock);
		while (seq >= p->produced && !p->eof)
			pthread_cond_wait(&p->cond, &p->lock);
		if (seq >= p->produced) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		pthread_mutex_unlock(&p->lock);
		s = &p->slots[seq % p->nr_slots];
		if (c->active && s->off < c->limit) {
			blk.offset = s->off;
			blk.data = s->data;
			blk.len = (size_t)ZFD_MIN((uint64_t)s->len, c->limit - s->off);
			blk.kind = s->kind;
			blk.zero_map = s->zero_map;
			blk.nr_pages = (blk.len + ZFD_PAGE_SIZE - 1) / ZFD_PAGE_SIZE;
			blk.nr_zero_pages = blk.nr_pages == s->nr_pages ? s->nr_zero :
				0;
			if (blk.nr_pages != s->nr_pages) {
				size_t i;

				for (i = 0; i < blk.nr_pages; i++)
					blk.nr_zero_pages += zfd_block_page_zero(&blk, i);
			}
			rc = si->ops->write(si->ctx, &blk);
			if (rc) {
				consumer_fail(c, rc, "write failed at memory offset %" PRIu64
					      " (%" PRIu64 " bytes done): %s", s->off,
					      c->done, strerror(-rc));
			} else {
				if (blk.kind == ZFD_BLK_DATA)
					zfd_digest_update(c->digest, blk.data, blk.len);
				else
					zfd_digest_update_zeros(c->digest, blk.len);
				si->res.zero_pages += blk.nr_zero_pages;
				if (blk.kind == ZFD_BLK_HOLE)
					si->res.hole_bytes += blk.len;
				if (blk.kind == ZFD_BLK_LOST)
					si->res.lost_bytes += blk.len;
				pthread_mutex_lock(&p->lock);
				c->done += blk.len;
				maybe_release_hsa_early(p);
				pthread_mutex_unlock(&p->lock);
			}
		}
		pthread_mutex_lock(&p->lock);
		s->pending--;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		if (c->active && c->done >= c->limit) {
			/* this sink has all it takes; the rest is drained */
			pthread_mutex_lock(&p->lock);
			c->active = false;
			p->nr_active--;
			pthread_cond_broadcast(&p->cond);
			pthread_mutex_unlock(&p->lock);
		}
	}
	consumer_finish(c);
	pthread_mutex_lock(&p->lock);
	p->nr_finished++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void progress(struct pipe *p, struct timespec *t0, uint64_t *last_done,
		     double *last_t)
{
	uint64_t done = UINT64_MAX, total = 0;
	double t = elapsed(t0), rate, eta;
	size_t i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->nr_cons; i++) {
		if (p->cons[i].si->rc)
			continue;
		done = ZFD_MIN(done, p->cons[i].done);
		total = ZFD_MAX(total, p->cons[i].limit);
	}
	pthread_mutex_unlock(&p->lock);
	if (done == UINT64_MAX || !total)
		return;
	rate = t > *last_t ? (double)(done - *last_done) / (t - *last_t) : 0;
	eta = rate > 0 ? (double)(total - done) / rate : 0;
	printf("  %" PRIu64 " MiB of %" PRIu64 " MiB (%.1f%%), %.0f MiB/s, ETA %d:%02d\n",
	       done >> 20, total >> 20, 100.0 * (double)done / (double)total,
	       rate / (1 << 20), (int)(eta / 60), (int)eta % 60);
	fflush(stdout);
	*last_done = done;
	*last_t = t;
}

static int prepare_consumer(struct pipe *p, struct consumer *c)
{
	struct zfd_run *run = p->run;
	struct zfd_sink_inst *si = c->si;
	uint64_t max_mem = UINT64_MAX;
	int rc;

	memcpy(c->hdr, run->src->hdr_raw, sizeof(c->hdr));
	c->info.hdr = c->hdr;
	c->info.mem_size = run->mem_size;
	c->info.mem_size_orig = run->src->mem_size;
	c->info.chunks = run->src->chunks;
	c->info.nr_chunks = run->src->nr_chunks;
	c->info.source = run->src->desc;
	c->info.started = run->started;
	c->info.dry_run = false;
	c->info.arch = run->src->dump.machine ?
		       zfd_dump_arch(&run->src->dump, c->arch, sizeof(c->arch)) : NULL;
	c->info.kernel = run->src->dump.kernel;
	rc = si->ops->prepare(si->ctx, &c->info, &max_mem);
	if (rc)
		return rc;
	if (max_mem < run->mem_size) {
		max_mem = ZFD_ALIGN_DOWN(max_mem, (uint64_t)ZFD_PAGE_SIZE);
		c->info.mem_size = max_mem;
		c->info.truncated = true;
		zfd_warn("%s: holds only %" PRIu64 " of %" PRIu64
			 " bytes: the dump will be truncated", si->desc,
			 max_mem, run->mem_size);
	}
	if (c->info.mem_size != run->src->mem_size)
		zfd_s390_hdr_set_mem_size(c->hdr, c->info.mem_size);
	c->limit = c->info.mem_size;
	return 0;
}

/*
 * The pass cannot run (no memory, no thread): every sink that was opened
 * still gets its finish(), as the sink ABI promises, with the dump marked
 * incomplete; threads already running end and are joined.
 */
static void abort_pass(struct pipe *p, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void abort_pass(struct pipe *p, int rc, const char *fmt, ...)
{
	struct consumer *c;
	va_list ap;
	size_t i;

	pthread_mutex_lock(&p->lock);
	va_start(ap, fmt);
	vsnprintf(p->read_reason, sizeof(p->read_reason), fmt, ap);
	va_end(ap);
	p->aborted = true;
	p->read_rc = rc;
	p->read_end = 0;
	p->eof = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	zfd_err("%s", p->read_reason);
	for (i = 0; i < p->nr_cons; i++) {
		c = &p->cons[i];
		if (c->started)
			pthread_join(c->thread, NULL);
		else
			consumer_finish(c);
	}
}

int zfd_pipeline_pass(struct zfd_run *run)
{
	struct pipe *p;
	struct consumer *c;
	pthread_t reader;
	struct timespec t0, deadline;
	uint64_t last_done = 0;
	double last_t = 0, next_progress;
	bool show_progress;
	size_t i;
	int rc, completed = 0;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->run = run;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (i = 0; i < run->nr_sinks; i++) {
		struct zfd_sink_inst *si = run->sinks[i];

		if (si->failed)
			continue;
		c = &p->cons[p->nr_cons];
		memset(&si->res, 0, sizeof(si->res));
		si->reason[0] = 0;
		si->rc = 0;
		si->cause = ZFD_FAIL_NONE;
		c->pipe = p;
		c->si = si;
		rc = prepare_consumer(p, c);
		if (rc) {
			si->rc = rc;
			si->cause = ZFD_FAIL_SINK;
			si->failed = true;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &c->t0);
		rc = si->ops->open(si->ctx, &c->info);
		if (rc) {
			si->rc = rc;
			si->cause = ZFD_FAIL_SINK;
			si->failed = true;
			continue;
		}
		/* from here on the sink is owed a finish() */
		c->opened = true;
		c->active = true;
		c->ok = true;
		p->stream_end = ZFD_MAX(p->stream_end, c->limit);
		p->nr_cons++;
		p->nr_active++;
		c->digest = zfd_digest_new();
		if (!c->digest) {
			abort_pass(p, -ENOMEM, "out of memory for the digest of %s", si->desc);
			/* the sinks after it were not even opened */
			while (++i < run->nr_sinks) {
				si = run->sinks[i];
				if (si->failed)
					continue;
				memset(&si->res, 0, sizeof(si->res));
				si->res.status = ZFD_STATUS_INCOMPLETE;
				snprintf(si->reason, sizeof(si->reason), "not started: %.200s",
					 p->read_reason);
				si->rc = -ENOMEM;
				si->cause = ZFD_FAIL_OTHER;
				si->failed = true;
			}
			goto out;
		}
		zfd_digest_update(c->digest, c->hdr, sizeof(c->hdr));
	}
	if (!p->nr_cons) {
		rc = 0;
		goto out;
	}

	p->nr_slots = run->nr_bufs;
	p->slots = calloc(p->nr_slots, sizeof(*p->slots));
	if (!p->slots) {
		abort_pass(p, -ENOMEM, "out of memory for the buffer ring");
		goto out;
	}
	for (i = 0; i < p->nr_slots; i++) {
		p->slots[i].data = aligned_alloc(ZFD_ALIGN, run->buf_size);
		if (!p->slots[i].data) {
			abort_pass(p, -ENOMEM, "out of memory for the buffer ring");
			goto out;
		}
	}
	for (i = 0; i < p->nr_cons; i++) {
		rc = pthread_create(&p->cons[i].thread, NULL, consumer_main, &p->cons[i]);
		if (rc) {
			abort_pass(p, -rc, "cannot start the thread for %s: %s",
				   p->cons[i].si->desc, strerror(rc));
			goto out;
		}
		p->cons[i].started = true;
	}
	rc = pthread_create(&reader, NULL, reader_main, p);
	if (rc) {
		abort_pass(p, -rc, "cannot start the reader thread: %s", strerror(rc));
		goto out;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	next_progress = run->cfg->progress_interval;
	/* -q: errors and the final summary only */
	show_progress = run->cfg->progress_interval && zfd_log_verbosity() >= 1;
	pthread_mutex_lock(&p->lock);
	while (p->nr_finished < p->nr_cons) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += 1;
		pthread_cond_timedwait(&p->cond, &p->lock, &deadline);
		if (p->nr_finished < p->nr_cons && show_progress &&
		    elapsed(&t0) >= next_progress) {
			pthread_mutex_unlock(&p->lock);
			progress(p, &t0, &last_done, &last_t);
			pthread_mutex_lock(&p->lock);
			next_progress += run->cfg->progress_interval;
		}
	}
	pthread_mutex_unlock(&p->lock);
	pthread_join(reader, NULL);
	for (i = 0; i < p->nr_cons; i++)
		pthread_join(p->cons[i].thread, NULL);
out:
	for (i = 0; i < p->nr_cons; i++)
		if (!p->cons[i].si->failed)
			completed++;
	rc = completed;
	for (i = 0; i < p->nr_cons; i++)
		zfd_digest_free(p->cons[i].digest);
	for (i = 0; p->slots && i < p->nr_slots; i++)
		free(p->slots[i].data);
	free(p->slots);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
	return rc;
}
