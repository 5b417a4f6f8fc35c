// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The dump pipeline (DESIGN §3): one reader thread fills a small ring of
 * aligned buffers from the source and computes each buffer's zero-page map
 * once; every sink consumes the ring in its own thread. A buffer is reused
 * when every sink is done with it, so reads and writes overlap and memory
 * use does not depend on the dump size.
 *
 * Each sink has its own format instance (format.h, sink ABI 2): the
 * consumer maps every memory block through zfd_format_map() to stored
 * offsets, splits it where the format needs (a packed format skips
 * holes, a positional one hands them as ZFD_BLK_HOLE blocks), and for the
 * s390 format of an s390x ELF core hands the pages that hold a CPU's save
 * area from its own buffer with the registers put back (src->patches).
 * The digest follows the rule of sink.h: the prologue as at open, the
 * stored data in offset order (holes as zeros), the trailer. Each sink's
 * digest is computed by a hasher thread of its own, behind the sink's
 * writes, over exactly the blocks the sink took; a slot is reused only
 * once every sink has written and hashed it.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "be.h"
#include "core.h"
#include "digest.h"
#include "pfilter.h"
#include "progress.h"
#include "util.h"

#define MAX_PAGES_PER_BUF 1024	       /* 4 MiB buffers at most */
#define MAX_FILTERS	  4	       /* distinct dump levels of one pass */
#define KBUF_SIZE	  (256u << 10) /* a kdump stream's output block */
#define COMP_CHUNK	  16	       /* pages a worker takes at once */

/* Zeros for the pages a dump level leaves out of an elf dump (never
 * written: the kernel's zero page backs it). */
static uint8_t zero_buf[MAX_PAGES_PER_BUF * ZFD_PAGE_SIZE]
	__attribute__((aligned(ZFD_ALIGN)));

struct slot {
	uint8_t *data;
	uint64_t off;
	size_t len;
	enum zfd_block_kind kind;
	uint64_t zero_map[MAX_PAGES_PER_BUF / 64];
	size_t nr_pages;
	size_t nr_zero;
	/* per page filter: bit i set, page i is left out by its level */
	uint64_t excl[MAX_FILTERS][MAX_PAGES_PER_BUF / 64];
	/* bit i set: page i was not read (every filter leaves it out; no
	 * sink looks at its bytes). The pages read lie packed in data, in
	 * order (slot_ptr()): a slot of a filtered pass spans up to
	 * MAX_PAGES_PER_BUF pages of memory with a small buffer. */
	uint64_t unread[MAX_PAGES_PER_BUF / 64];
	unsigned int pending; /* consumers still to take it */
	/* compression workers: the pages compressed ahead (format kdump),
	 * packed in cbuf per chunk of COMP_CHUNK pages (only what they
	 * compress to is touched); ready once every chunk is done */
	uint64_t seq;
	struct zfd_kdump_pre pre[MAX_PAGES_PER_BUF];
	uint8_t *cbuf;
	size_t chunk_next, nr_chunks, chunks_left;
	bool ready;
};

/* A page filter (pfilter.h) of one dump level, run by the reader. */
struct filter {
	unsigned int level;
	struct zfd_kmem km;
	struct zfd_pfilter pf;
	bool on;
	bool failed; /* a window failed: later pages stay */
};

#define HQ_LEN 64 /* hasher jobs queued per sink */

enum hjob_op {
	HJ_DATA,    /* hash len bytes at data */
	HJ_ZEROS,   /* hash len zero bytes */
	HJ_RELEASE, /* the consumer is done with slot */
	HJ_QUIT,
};

struct hjob {
	enum hjob_op op;
	const void *data;
	size_t len;
	struct slot *slot;
};

struct consumer {
	struct pipe *pipe;
	struct zfd_sink_inst *si;
	pthread_t thread;
	struct zfd_plan plan; /* format instance and dump info */
	uint64_t limit;	      /* memory bytes for this sink */
	uint64_t done;	      /* memory bytes written (or skipped) */
	uint64_t stored_end;  /* stored offset written up to */
	uint64_t lost_cut;    /* elf: lost, not described */
	bool patch;	      /* s390 format over src->patches */
	int filt;	      /* index into pipe->filt, -1: none */
	/* format kdump: the stream's bytes collect in kbuf, stored from
	 * kbuf_off on */
	uint8_t *kbuf;
	size_t kbuf_len;
	uint64_t kbuf_off;
	uint8_t *page;	/* a patched page (ZFD_ALIGN aligned) */
	uint8_t *final; /* the final prologue, if it differs */
	uint8_t trailer[ZFD_END_MARKER_SIZE];
	/* zero map of a split block */
	uint64_t zmap[MAX_PAGES_PER_BUF / 64];
	bool active; /* still taking data */
	bool ok;     /* no failure so far */
	bool opened;
	bool started; /* its thread runs */
	struct zfd_digest *digest;
	struct timespec t0;
	/*
	 * The digest is computed by a hasher thread of this sink, behind
	 * its writes: the consumer queues what emit() handed the sink, and
	 * a slot's release, so a slot is reused only once it is hashed.
	 */
	bool hasher_on;
	/*
	 * A sealed sink (encrypt): its manifest's digest is the sealer's,
	 * of the stored ciphertext; the plaintext is not hashed.
	 */
	bool sealed;
	pthread_t hasher;
	pthread_mutex_t hq_lock;
	pthread_cond_t hq_work;	 /* a job queued */
	pthread_cond_t hq_space; /* a job done */
	struct hjob hq[HQ_LEN];
	uint64_t hq_head; /* jobs done */
	uint64_t hq_tail; /* jobs queued */
};

struct pipe {
	struct zfd_run *run;
	pthread_mutex_t lock;
	pthread_cond_t filled;	 /* a block published, or eof */
	pthread_cond_t freed;	 /* a slot free, or a sink inactive */
	pthread_cond_t finished; /* a consumer called finish() */
	struct slot *slots;
	size_t nr_slots;
	uint64_t produced; /* blocks published */
	bool eof;
	int read_rc; /* source failure, ends every sink */
	char read_reason[256];
	uint64_t read_end; /* memory offset where reading stopped */
	struct consumer cons[ZFD_MAX_SINKS];
	size_t nr_cons;
	size_t nr_active;
	uint64_t stream_end; /* highest limit of all consumers */
	size_t nr_finished;  /* consumers that called finish() */
	bool aborted;	     /* the pass could not start */
	struct filter filt[MAX_FILTERS];
	size_t nr_filt;
	bool read_needed; /* every sink filters: read only what one keeps */
	/*
	 * Compression workers (format kdump, key threads): every slot of
	 * data is compressed once, a chunk of pages per worker at a time,
	 * with the codec and level of the first kdump sink, before any
	 * consumer takes it (order is the ring's); its kdump writers only
	 * place the pages.
	 */
	pthread_t workers[ZFD_MAX_THREADS];
	size_t nr_workers;
	pthread_cond_t work; /* a slot to compress, or quit */
	bool quit;
	int comp_rc;
	const struct zfd_kdump_mod *kmod;
	enum zfd_kdump_codec codec;
	int clevel;
	int cfilt; /* the filter whose excluded pages need no compression */
	uint64_t comp_seq; /* slots before it are handed out */
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

/* Where memory offset x of slot s is in its buffer (unread pages take
 * no room there). */
static uint8_t *slot_ptr(const struct slot *s, uint64_t x)
{
	size_t i = (size_t)((x - s->off) / ZFD_PAGE_SIZE), w, skipped = 0;

	for (w = 0; w < i / 64; w++)
		skipped += (size_t)__builtin_popcountll(s->unread[w]);
	if (i % 64)
		skipped += (size_t)__builtin_popcountll(s->unread[i / 64] &
							((1ULL << (i % 64)) -
							 1));
	return s->data + (x - s->off) - skipped * ZFD_PAGE_SIZE;
}

static void zero_scan(struct slot *s)
{
	size_t i;

	memset(s->zero_map, 0, sizeof(s->zero_map));
	s->nr_pages = (s->len + ZFD_PAGE_SIZE - 1) / ZFD_PAGE_SIZE;
	s->nr_zero = 0;
	for (i = 0; i < s->nr_pages; i++) {
		size_t n = ZFD_MIN((size_t)ZFD_PAGE_SIZE,
				   s->len - i * ZFD_PAGE_SIZE);

		if ((s->unread[i / 64] >> (i % 64)) & 1)
			continue; /* not read: nobody looks at it */
		const uint8_t *pg = slot_ptr(s, s->off + (uint64_t)i *
								 ZFD_PAGE_SIZE);

		if (s->kind != ZFD_BLK_DATA ||
		    zfd_is_zero(pg, n & ~(size_t)7)) {
			/* a short tail page counts as zero only if all of it is */
			if (s->kind == ZFD_BLK_DATA && (n & 7)) {
				size_t k;
				bool z = true;

				for (k = n & ~(size_t)7; k < n; k++)
					z = z && !pg[k];
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
			 "source ended after %" PRIu64 " of %" PRIu64
			 " bytes of memory",
			 off + (uint64_t)n, src->mem_size);
		return -ENODATA;
	}
	if (n != -EFAULT && n != -ENXIO) {
		s->len = 0;
		snprintf(p->read_reason, sizeof(p->read_reason),
			 "read error at memory offset 0x%" PRIx64 ": %s", off,
			 strerror((int)-n));
		return (int)n;
	}
	/* page by page: the block is the run of pages of the first kind */
	for (pos = 0; pos < max; pos += ZFD_PAGE_SIZE) {
		size_t len = ZFD_MIN((size_t)ZFD_PAGE_SIZE, max - pos);

		n = src->read(src, s->data + pos, len, off + pos);
		if (n < 0 && n != -EFAULT && n != -ENXIO) {
			s->len = pos;
			snprintf(p->read_reason, sizeof(p->read_reason),
				 "read error at memory offset 0x%" PRIx64
				 ": %s",
				 off + pos, strerror((int)-n));
			return pos ? 0 : (int)n;
		}
		kind = n == -EFAULT ? ZFD_BLK_HOLE :
		       n == -ENXIO  ? ZFD_BLK_LOST :
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
				 "source ended after %" PRIu64 " of %" PRIu64
				 " bytes of memory",
				 off + s->len, src->mem_size);
			return -ENODATA;
		}
	}
	s->len = pos < max ? pos : max;
	return 0;
}

/*
 * The pages of slot s each filter's dump level leaves out, decided from
 * their struct pages (read from the source here, in the reader's order).
 * A window the filter cannot decide keeps its pages: said once.
 */
static void filter_window(struct pipe *p, struct slot *s, size_t first,
			  size_t n)
{
	const struct zfd_dump *d = &p->run->src->dump;
	uint64_t pfn = (d->mem_start + s->off) / ZFD_PAGE_SIZE + first;
	char why[256];
	size_t k;

	for (k = 0; k < p->nr_filt; k++) {
		struct filter *f = &p->filt[k];

		if (f->failed)
			continue;
		if (zfd_pfilter_window(&f->pf, pfn, n, s->excl[k] + first / 64,
				       why, sizeof(why))) {
			zfd_warn("dump level %u: %s; the pages from memory "
				 "offset 0x%" PRIx64 " on are all kept",
				 f->level, why, s->off);
			memset(s->excl[k], 0, sizeof(s->excl[k]));
			f->failed = true;
		}
	}
}

/* Every filter leaves page i of s out: no sink needs its bytes. */
static bool page_unneeded(const struct pipe *p, const struct slot *s, size_t i)
{
	size_t k;

	for (k = 0; k < p->nr_filt; k++)
		if (!((s->excl[k][i / 64] >> (i % 64)) & 1))
			return false;
	return p->nr_filt > 0;
}

/*
 * The pages of slot s each filter's dump level leaves out, decided from
 * their struct pages (read from the source here, in the reader's order),
 * in windows of 64 pages. A pass that reads only what the sinks keep
 * (p->read_needed) ends the slot before the window whose pages to read
 * might overflow its buffer of cap (>= 64) pages: *max shrinks to there.
 * A window the filter cannot decide keeps its pages: said once.
 */
static void filter_slot(struct pipe *p, struct slot *s, size_t *max, size_t cap)
{
	const struct zfd_dump *d = &p->run->src->dump;
	size_t k, i, end, need = 0;

	for (k = 0; k < p->nr_filt; k++)
		memset(s->excl[k], 0, sizeof(s->excl[k]));
	if (!p->nr_filt || s->kind != ZFD_BLK_DATA ||
	    (d->mem_start + s->off) % ZFD_PAGE_SIZE)
		return;
	for (i = 0; i < s->nr_pages; i = end) {
		end = ZFD_MIN(i + 64, s->nr_pages);
		if (p->read_needed && i && need + (end - i) > cap) {
			/* the buffer might not hold this window: the slot ends
			 * before it, the next one starts with it (the filter
			 * sees every window once, in order) */
			*max = i * ZFD_PAGE_SIZE;
			s->nr_pages = i;
			return;
		}
		filter_window(p, s, i, end - i);
		for (; p->read_needed && i < end; i++)
			need += !page_unneeded(p, s, i);
	}
}

/*
 * fill_data() for a pass whose every sink filters by a dump level: only
 * the runs of pages some sink keeps are read (a dump level of 31 reads a
 * few percent of the memory); the others are marked unread and never
 * looked at. Anything but a whole read of a run goes the careful way of
 * fill_data().
 */
static int fill_needed(struct pipe *p, struct slot *s, uint64_t off, size_t max)
{
	struct zfd_source *src = p->run->src;
	size_t n = (max + ZFD_PAGE_SIZE - 1) / ZFD_PAGE_SIZE, i, j, a, b;
	size_t pos = 0;
	bool skip;

	for (i = 0; i < n; i = j) {
		skip = page_unneeded(p, s, i);
		for (j = i + 1; j < n && page_unneeded(p, s, j) == skip; j++)
			;
		a = i * ZFD_PAGE_SIZE;
		b = ZFD_MIN(j * ZFD_PAGE_SIZE, max);
		if (skip) {
			for (; i < j; i++)
				s->unread[i / 64] |= 1ULL << (i % 64);
			continue;
		}
		if (src->read(src, s->data + pos, b - a, off + a) !=
		    (ssize_t)(b - a)) {
			/* the careful way, with a slot of one buffer */
			memset(s->unread, 0, sizeof(s->unread));
			return fill_data(p, s, off,
					 ZFD_MIN(max, p->run->buf_size));
		}
		pos += b - a;
	}
	s->kind = ZFD_BLK_DATA;
	s->len = max;
	return 0;
}

/* Has s a page for the compression workers (not zero, not left out)? */
static bool to_compress(const struct pipe *p, const struct slot *s)
{
	size_t w, n = (s->nr_pages + 63) / 64;
	uint64_t mask;

	for (w = 0; w < n; w++) {
		mask = w + 1 < n || !(s->nr_pages % 64) ?
			       ~0ULL :
			       (1ULL << (s->nr_pages % 64)) - 1;
		if (~(s->zero_map[w] | s->unread[w] |
		      (p->cfilt >= 0 ? s->excl[p->cfilt][w] : 0)) &
		    mask)
			return true;
	}
	return false;
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
		sig = run->stop ? __atomic_load_n(run->stop, __ATOMIC_RELAXED) :
				  0;
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
			pthread_cond_wait(&p->freed, &p->lock);
		if (!p->nr_active) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		/* a consumer thread releases the HSA, under the lock */
		hsa_released = src->hsa_released;
		pthread_mutex_unlock(&p->lock);

		max = (size_t)ZFD_MIN((uint64_t)run->buf_size,
				      p->stream_end - off);
		r = find_chunk(src, off, &inside);
		if (!inside) {
			if (r)
				max = (size_t)ZFD_MIN((uint64_t)max,
						      r->start - off);
			s->kind = ZFD_BLK_HOLE;
		} else {
			max = (size_t)ZFD_MIN((uint64_t)max,
					      r->start + r->size - off);
			s->kind = ZFD_BLK_DATA;
		}
		/* after an early HSA release, the HSA part is gone */
		if (s->kind == ZFD_BLK_DATA && hsa_released &&
		    off < src->hsa_size) {
			max = (size_t)ZFD_MIN((uint64_t)max,
					      src->hsa_size - off);
			s->kind = ZFD_BLK_LOST;
		}
		s->off = off;
		/* a filtered pass reads only the pages kept: a slot spans up
		 * to MAX_PAGES_PER_BUF pages, as many as the buffer holds of
		 * those */
		if (s->kind == ZFD_BLK_DATA && p->read_needed)
			max = (size_t)
				ZFD_MIN(ZFD_MIN((uint64_t)MAX_PAGES_PER_BUF *
							ZFD_PAGE_SIZE,
						p->stream_end - off),
					r->start + r->size - off);
		/* the dump levels decide from struct pages, before the read */
		s->nr_pages = (max + ZFD_PAGE_SIZE - 1) / ZFD_PAGE_SIZE;
		memset(s->unread, 0, sizeof(s->unread));
		filter_slot(p, s, &max, run->buf_size / ZFD_PAGE_SIZE);
		if (s->kind == ZFD_BLK_DATA && p->read_needed) {
			rc = fill_needed(p, s, off, max);
		} else if (s->kind == ZFD_BLK_DATA) {
			rc = fill_data(p, s, off, max);
		} else {
			memset(s->data, 0, max);
			s->len = max;
		}
		zero_scan(s);
		pthread_mutex_lock(&p->lock);
		if (s->len) {
			s->pending = (unsigned int)p->nr_cons;
			s->seq = seq;
			s->chunk_next = 0;
			s->nr_chunks = p->nr_workers &&
						       s->kind ==
							       ZFD_BLK_DATA &&
						       to_compress(p, s) ?
					       (s->nr_pages + COMP_CHUNK - 1) /
						       COMP_CHUNK :
					       0;
			s->chunks_left = s->nr_chunks;
			s->ready = !s->nr_chunks;
			p->produced = ++seq;
			if (s->nr_chunks)
				pthread_cond_broadcast(&p->work);
		}
		off += s->len;
		if (rc) {
			p->read_rc = rc;
			p->read_end = off;
		}
		pthread_cond_broadcast(&p->filled);
		pthread_mutex_unlock(&p->lock);
		if (rc)
			break;
	}
	pthread_mutex_lock(&p->lock);
	p->eof = true;
	if (!rc)
		p->read_end = off;
	pthread_cond_broadcast(&p->filled);
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
	pthread_cond_broadcast(&c->pipe->freed);
	pthread_mutex_unlock(&c->pipe->lock);
}

static void kdump_end(struct consumer *c, bool complete);

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
		snprintf(si->reason, sizeof(si->reason),
			 "%s: %" PRIu64 " bytes lost",
			 p->run->src->hsa_released ? "HSA already released" :
						     "memory unreadable",
			 si->res.lost_bytes);
		c->ok = false;
	}
	pthread_mutex_lock(&p->lock);
	read_rc = p->read_rc;
	read_end = p->read_end;
	aborted = p->aborted;
	pthread_mutex_unlock(&p->lock);
	if (c->plan.kw)
		kdump_end(c, c->ok && c->done == c->limit &&
				     !(read_rc && read_end < c->limit));
	res->stored_end = c->stored_end;
	res->prologue = c->plan.prologue;
	res->trailer = NULL;
	res->trailer_len = 0;
	/* a kdump stream is as long as it got */
	res->size = c->plan.kw ? c->stored_end : c->plan.info.size;
	if (c->ok && c->done == c->limit && !(read_rc && read_end < c->limit) &&
	    c->digest) {
		res->status = ZFD_STATUS_COMPLETE;
		if (c->plan.info.truncated)
			res->status = ZFD_STATUS_TRUNCATED;
		if (c->plan.fmt) {
			res->trailer_len = zfd_format_trailer_len(c->plan.fmt);
			zfd_format_trailer(c->plan.fmt, zfd_tod_now(),
					   c->trailer);
			res->trailer = c->trailer;
			zfd_digest_update(c->digest, c->trailer,
					  res->trailer_len);
		}
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
				 p->read_reason[0] ? p->read_reason :
						     "dump interrupted");
		res->reason = si->reason;
		/* the final prologue describes only what was written */
		if (c->final && zfd_format_positional(c->plan.fmt)) {
			zfd_format_limit(c->plan.fmt,
					 ZFD_MIN(c->done, c->lost_cut));
			zfd_format_prologue(c->plan.fmt, c->final, true);
			res->prologue = c->final;
			res->size = zfd_format_described_size(c->plan.fmt);
		}
	}
	if (c->digest)
		zfd_digest_string(c->digest, res->digest, sizeof(res->digest));
	rc = si->ops->finish(si->ctx, &c->plan.info, res);
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

/* Zero map of the block that starts at page first of slot s. */
static void block_zero_map(struct consumer *c, const struct slot *s,
			   size_t first, struct zfd_block *blk)
{
	size_t i, k;

	blk->nr_pages = (blk->len + ZFD_PAGE_SIZE - 1) / ZFD_PAGE_SIZE;
	if (first == 0 && blk->nr_pages == s->nr_pages) {
		blk->zero_map = s->zero_map;
		blk->nr_zero_pages = s->nr_zero;
		return;
	}
	memset(c->zmap, 0, sizeof(c->zmap));
	blk->nr_zero_pages = 0;
	for (i = 0; i < blk->nr_pages; i++) {
		k = first + i;
		if ((s->zero_map[k / 64] >> (k % 64)) & 1) {
			c->zmap[i / 64] |= 1ULL << (i % 64);
			blk->nr_zero_pages++;
		}
	}
	blk->zero_map = c->zmap;
}

static void hq_push(struct consumer *c, enum hjob_op op, const void *data,
		    size_t len, struct slot *slot)
{
	struct hjob *j;

	pthread_mutex_lock(&c->hq_lock);
	while (c->hq_tail - c->hq_head == HQ_LEN)
		pthread_cond_wait(&c->hq_space, &c->hq_lock);
	j = &c->hq[c->hq_tail % HQ_LEN];
	j->op = op;
	j->data = data;
	j->len = len;
	j->slot = slot;
	c->hq_tail++;
	pthread_cond_signal(&c->hq_work);
	pthread_mutex_unlock(&c->hq_lock);
}

/* Waits until the hasher has done every queued job. */
static void hq_drain(struct consumer *c)
{
	pthread_mutex_lock(&c->hq_lock);
	while (c->hq_head != c->hq_tail)
		pthread_cond_wait(&c->hq_space, &c->hq_lock);
	pthread_mutex_unlock(&c->hq_lock);
}

/* The consumer is done with slot s: it may be refilled once all are. */
static void slot_release(struct pipe *p, struct slot *s)
{
	pthread_mutex_lock(&p->lock);
	/* only the reader waits for a slot, and only for a free one */
	if (!--s->pending)
		pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

static void *hasher_main(void *arg)
{
	struct consumer *c = arg;
	struct hjob j;

	for (;;) {
		pthread_mutex_lock(&c->hq_lock);
		while (c->hq_head == c->hq_tail)
			pthread_cond_wait(&c->hq_work, &c->hq_lock);
		j = c->hq[c->hq_head % HQ_LEN];
		pthread_mutex_unlock(&c->hq_lock);
		switch (j.op) {
		case HJ_DATA:
			zfd_digest_update(c->digest, j.data, j.len);
			break;
		case HJ_ZEROS:
			zfd_digest_update_zeros(c->digest, j.len);
			break;
		case HJ_RELEASE:
			slot_release(c->pipe, j.slot);
			break;
		case HJ_QUIT:
			break;
		}
		pthread_mutex_lock(&c->hq_lock);
		c->hq_head++;
		pthread_cond_signal(&c->hq_space);
		pthread_mutex_unlock(&c->hq_lock);
		if (j.op == HJ_QUIT)
			return NULL;
	}
}

/* Starts the hasher; without one, the consumer hashes itself. */
static void hasher_start(struct consumer *c)
{
	c->hq_head = 0;
	c->hq_tail = 0;
	pthread_mutex_init(&c->hq_lock, NULL);
	pthread_cond_init(&c->hq_work, NULL);
	pthread_cond_init(&c->hq_space, NULL);
	c->hasher_on = pthread_create(&c->hasher, NULL, hasher_main, c) == 0;
	if (c->hasher_on)
		return;
	pthread_mutex_destroy(&c->hq_lock);
	pthread_cond_destroy(&c->hq_work);
	pthread_cond_destroy(&c->hq_space);
}

/* Every queued job done, the hasher gone: the digest is the consumer's. */
static void hasher_stop(struct consumer *c)
{
	if (!c->hasher_on)
		return;
	hq_push(c, HJ_QUIT, NULL, 0, NULL);
	pthread_join(c->hasher, NULL);
	c->hasher_on = false;
	pthread_mutex_destroy(&c->hq_lock);
	pthread_cond_destroy(&c->hq_work);
	pthread_cond_destroy(&c->hq_space);
}

/*
 * Digests a block the sink took. Slot data is hashed by the hasher (the
 * slot lives until its release job); a patched page (c->page, reused for
 * the next one) and a kdump stream's block (c->kbuf) here, once the
 * hasher has caught up.
 */
static void digest_block(struct consumer *c, const struct zfd_block *blk)
{
	bool data = blk->kind == ZFD_BLK_DATA;

	bool own = blk->data == c->page || (c->kbuf && blk->data == c->kbuf);

	if (c->sealed)
		return;
	if (c->hasher_on && !(data && own)) {
		hq_push(c, data ? HJ_DATA : HJ_ZEROS, blk->data, blk->len,
			NULL);
		return;
	}
	if (c->hasher_on)
		hq_drain(c);
	if (data)
		zfd_digest_update(c->digest, blk->data, blk->len);
	else
		zfd_digest_update_zeros(c->digest, blk->len);
}

/* Hands one block to the sink; on success it counts and digests it. */
static int emit(struct consumer *c, struct zfd_block *blk)
{
	struct zfd_sink_inst *si = c->si;
	int rc;

	rc = si->ops->write(si->ctx, blk);
	if (rc) {
		consumer_fail(c, rc,
			      "write failed at memory offset %" PRIu64
			      " (%" PRIu64 " bytes done): %s",
			      blk->mem_offset, c->done, strerror(-rc));
		return rc;
	}
	digest_block(c, blk);
	si->res.zero_pages += blk->nr_zero_pages;
	if (blk->kind == ZFD_BLK_HOLE)
		si->res.hole_bytes += blk->len;
	if (blk->kind == ZFD_BLK_LOST)
		si->res.lost_bytes += blk->len;
	c->stored_end = blk->offset + blk->len;
	return 0;
}

/* Memory [x, x + n) of slot s, stored at foff, as one block. */
static int emit_plain(struct consumer *c, const struct slot *s, uint64_t x,
		      uint64_t n, uint64_t foff, enum zfd_block_kind kind)
{
	struct zfd_block blk = {
		.offset = foff,
		.mem_offset = x,
		.data = slot_ptr(s, x),
		.len = (size_t)n,
		.kind = kind,
	};

	block_zero_map(c, s, (size_t)((x - s->off) / ZFD_PAGE_SIZE), &blk);
	return emit(c, &blk);
}

/* The first page at or after x, before end, that a patch touches. */
static uint64_t next_patched_page(const struct consumer *c, uint64_t x,
				  uint64_t end)
{
	const struct zfd_source *src = c->pipe->run->src;
	uint64_t best = UINT64_MAX, pg;
	size_t i;

	for (i = 0; i < src->nr_patches; i++) {
		const struct zfd_mem_patch *pt = &src->patches[i];

		if (pt->off >= end || pt->off + ZFD_S390_SA_SIZE <= x)
			continue;
		pg = ZFD_ALIGN_DOWN(ZFD_MAX(pt->off, x),
				    (uint64_t)ZFD_PAGE_SIZE);
		pg = ZFD_MAX(pg, x);
		best = ZFD_MIN(best, pg);
	}
	return best;
}

/*
 * Memory [x, x + n) of slot s, stored contiguously from foff. The s390
 * format of an s390x ELF core gets the pages with a CPU's save area from
 * c->page, the registers put back.
 */
static int emit_range(struct consumer *c, const struct slot *s, uint64_t x,
		      uint64_t n, uint64_t foff, enum zfd_block_kind kind)
{
	const struct zfd_source *src = c->pipe->run->src;
	uint64_t end = x + n, pg, len;
	struct zfd_block blk;
	size_t i;
	int rc;

	while (c->patch && kind == ZFD_BLK_DATA && x < end) {
		pg = next_patched_page(c, x, end);
		if (pg == UINT64_MAX)
			break;
		if (pg > x) {
			rc = emit_plain(c, s, x, pg - x, foff, kind);
			if (rc)
				return rc;
			foff += pg - x;
			x = pg;
		}
		len = ZFD_MIN((uint64_t)ZFD_PAGE_SIZE, end - x);
		memset(c->page, 0, ZFD_PAGE_SIZE);
		memcpy(c->page, slot_ptr(s, x), (size_t)len);
		for (i = 0; i < src->nr_patches; i++) {
			const struct zfd_mem_patch *pt = &src->patches[i];
			uint64_t from = ZFD_MAX(x, pt->off);
			uint64_t to = ZFD_MIN(x + len,
					      pt->off + ZFD_S390_SA_SIZE);

			if (from < to)
				memcpy(c->page + (from - x),
				       pt->data + (from - pt->off),
				       (size_t)(to - from));
		}
		memset(c->zmap, 0, sizeof(c->zmap));
		blk = (struct zfd_block){
			.offset = foff,
			.mem_offset = x,
			.data = c->page,
			.len = (size_t)len,
			.kind = kind,
			.zero_map = c->zmap,
			.nr_pages = 1,
		};
		if (zfd_is_zero(c->page, ZFD_PAGE_SIZE)) {
			c->zmap[0] = 1;
			blk.nr_zero_pages = 1;
		}
		rc = emit(c, &blk);
		if (rc)
			return rc;
		foff += len;
		x += len;
	}
	if (x >= end)
		return 0;
	return emit_plain(c, s, x, end - x, foff, kind);
}

/*
 * Memory [x, x + n), stored at foff, that the sink's dump level leaves
 * out: zeros (a hole where the sink has holes), counted as holes.
 */
static int emit_excluded(struct consumer *c, uint64_t x, uint64_t n,
			 uint64_t foff)
{
	struct zfd_block blk = {
		.offset = foff,
		.mem_offset = x,
		.data = zero_buf,
		.len = (size_t)n,
		.kind = ZFD_BLK_HOLE,
		.zero_map = c->zmap,
		.nr_pages = (size_t)((n + ZFD_PAGE_SIZE - 1) / ZFD_PAGE_SIZE),
	};

	memset(c->zmap, 0xff, sizeof(c->zmap));
	return emit(c, &blk);
}

static bool page_excluded(const struct consumer *c, const struct slot *s,
			  uint64_t x)
{
	size_t i = (size_t)((x - s->off) / ZFD_PAGE_SIZE);

	return c->filt >= 0 && ((s->excl[c->filt][i / 64] >> (i % 64)) & 1);
}

/* The end of the run of pages from x (before end) that are alike in
 * being left out or not. */
static uint64_t excl_run_end(const struct consumer *c, const struct slot *s,
			     uint64_t x, uint64_t end, bool *excluded)
{
	uint64_t y = ZFD_MIN(end, ZFD_ALIGN_DOWN(x, (uint64_t)ZFD_PAGE_SIZE) +
					  ZFD_PAGE_SIZE);

	*excluded = page_excluded(c, s, x);
	while (y < end && page_excluded(c, s, y) == *excluded)
		y = ZFD_MIN(end, y + ZFD_PAGE_SIZE);
	return y;
}

/* Memory data [x, x + n) of slot s at foff, with the dump level's holes. */
static int emit_filtered(struct consumer *c, const struct slot *s, uint64_t x,
			 uint64_t n, uint64_t foff)
{
	uint64_t end = x + n, y;
	bool excl;
	int rc;

	while (x < end) {
		y = excl_run_end(c, s, x, end, &excl);
		rc = excl ? emit_excluded(c, x, y - x, foff) :
			    emit_range(c, s, x, y - x, foff, ZFD_BLK_DATA);
		if (rc)
			return rc;
		foff += y - x;
		x = y;
	}
	return 0;
}

/*
 * A kdump stream's block: what collected in c->kbuf, stored at
 * c->kbuf_off; the last one padded with zeros to whole pages.
 */
static int kbuf_flush(struct consumer *c, bool last)
{
	struct zfd_block blk = {
		.offset = c->kbuf_off,
		.mem_offset = c->done,
		.data = c->kbuf,
		.kind = ZFD_BLK_DATA,
		.zero_map = c->zmap,
	};
	size_t len = c->kbuf_len;
	int rc;

	if (last) {
		len = ZFD_ALIGN_UP(len, (size_t)ZFD_PAGE_SIZE);
		memset(c->kbuf + c->kbuf_len, 0, len - c->kbuf_len);
	}
	if (!len)
		return 0;
	blk.len = len;
	blk.nr_pages = len / ZFD_PAGE_SIZE;
	memset(c->zmap, 0, sizeof(c->zmap));
	rc = emit(c, &blk);
	if (rc)
		return rc;
	c->kbuf_off += len;
	c->kbuf_len = 0;
	return 0;
}

/* The kdump writer's output: the flattened stream, in order. */
static int kdump_out(void *arg, uint64_t off, const void *buf, size_t len)
{
	struct consumer *c = (struct consumer *)((char *)arg -
						 offsetof(struct consumer,
							  plan));
	const uint8_t *p = buf;
	size_t n;
	int rc;

	/* the stream's header is the prologue (plan.prologue) */
	if (off < ZFD_KDUMP_FLAT_HDR_SIZE)
		return 0;
	while (len) {
		n = ZFD_MIN(len, (size_t)KBUF_SIZE - c->kbuf_len);
		memcpy(c->kbuf + c->kbuf_len, p, n);
		c->kbuf_len += n;
		p += n;
		len -= n;
		if (c->kbuf_len == KBUF_SIZE) {
			rc = kbuf_flush(c, false);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static void kdump_fail(struct consumer *c, int rc, uint64_t x)
{
	/* a failed write of the sink has been reported by emit() */
	if (c->ok)
		consumer_fail(c, rc,
			      "kdump stream failed at memory offset 0x%" PRIx64
			      ": %s",
			      x, strerror(-rc));
}

/* The part of slot s a kdump sink takes: pages, or left out. */
static void consume_kdump(struct consumer *c, const struct slot *s)
{
	struct pipe *p = c->pipe;
	uint64_t x = s->off, end = ZFD_MIN(s->off + s->len, c->limit), y;
	bool excl;
	int rc = 0;

	if (x >= end)
		return;
	/* the pages the workers compressed with this sink's codec */
	if (s->nr_chunks && c->si->out.codec == p->codec &&
	    c->si->out.level == p->clevel &&
	    !((p->run->src->dump.mem_start + s->off) % ZFD_PAGE_SIZE))
		p->kmod->pre(c->plan.kw, s->pre,
			     (p->run->src->dump.mem_start + s->off) /
				     ZFD_PAGE_SIZE,
			     s->nr_pages);
	if (s->kind == ZFD_BLK_DATA) {
		while (!rc && x < end) {
			y = excl_run_end(c, s, x, end, &excl);
			rc = excl ? c->pipe->run->kdump->skip(c->plan.kw, x,
							      y - x) :
				    c->pipe->run->kdump->mem(c->plan.kw, x,
							     slot_ptr(s, x),
							     (size_t)(y - x));
			x = y;
		}
	} else {
		rc = c->pipe->run->kdump->skip(c->plan.kw, x, end - x);
		if (s->kind == ZFD_BLK_HOLE)
			c->si->res.hole_bytes += end - x;
		else
			c->si->res.lost_bytes += end - x;
	}
	p->run->kdump->pre(c->plan.kw, NULL, 0, 0);
	if (rc) {
		kdump_fail(c, rc, x);
		return;
	}
	pthread_mutex_lock(&p->lock);
	c->done = end;
	maybe_release_hsa_early(p);
	pthread_mutex_unlock(&p->lock);
}

/*
 * Ends a kdump stream (its pages up to where the dump got, the final
 * header, the end record) unless the sink already failed.
 */
static void kdump_end(struct consumer *c, bool complete)
{
	const struct zfd_dump *d = &c->pipe->run->src->dump;
	uint64_t good, pages, zero, comp, raw;
	int rc;

	if (!c->ok || !c->started)
		return;
	good = !complete	       ? c->done :
	       c->limit >= d->mem_size ? UINT64_MAX :
					 c->limit;
	rc = c->pipe->run->kdump->finish(c->plan.kw, good, NULL);
	if (!rc)
		rc = kbuf_flush(c, true);
	if (rc)
		kdump_fail(c, rc, c->done);
	c->pipe->run->kdump->stats(c->plan.kw, &pages, &zero, &comp, &raw);
	c->si->res.zero_pages = zero;
}

/*
 * The part of slot s this sink takes, mapped through its format: pieces
 * in a memory range go to their stored offsets; holes go as HOLE blocks
 * to a positional format and are skipped by a packed one.
 */
static void consume_slot(struct consumer *c, const struct slot *s)
{
	struct pipe *p = c->pipe;
	uint64_t x = s->off, end = ZFD_MIN(s->off + s->len, c->limit);
	uint64_t foff, n;
	enum zfd_block_kind kind;
	bool in;
	int rc;

	if (c->plan.kw) {
		consume_kdump(c, s);
		return;
	}
	while (x < end) {
		in = zfd_format_map(c->plan.fmt, x, &foff, &n);
		n = ZFD_MIN(n, end - x);
		if (in || foff != UINT64_MAX) {
			kind = in ? s->kind : ZFD_BLK_HOLE;
			if (kind == ZFD_BLK_DATA && c->filt >= 0)
				rc = emit_filtered(c, s, x, n, foff);
			else
				rc = emit_range(c, s, x, n, foff, kind);
			if (rc)
				return;
			if (kind == ZFD_BLK_LOST &&
			    zfd_format_exclude(c->plan.fmt, x, n))
				c->lost_cut = ZFD_MIN(c->lost_cut, x);
		} else {
			/* not stored at all */
			c->si->res.hole_bytes += n;
		}
		pthread_mutex_lock(&p->lock);
		c->done = x + n;
		maybe_release_hsa_early(p);
		pthread_mutex_unlock(&p->lock);
		x += n;
	}
}

/* The next chunk to compress, under the lock: its slot, or NULL. */
static struct slot *take_chunk(struct pipe *p, size_t *chunk)
{
	struct slot *s;
	uint64_t seq;

	for (seq = p->comp_seq; seq < p->produced; seq++) {
		s = &p->slots[seq % p->nr_slots];
		if (s->seq == seq && s->chunk_next < s->nr_chunks) {
			*chunk = s->chunk_next++;
			return s;
		}
		if (seq == p->comp_seq)
			p->comp_seq++;
	}
	return NULL;
}

/* Compresses pages of chunk of s (no lock held). */
static int compress_chunk(struct pipe *p, struct zfd_kdump_codec_ctx *cc,
			  struct slot *s, size_t chunk)
{
	size_t i = chunk * COMP_CHUNK;
	size_t end = ZFD_MIN(i + COMP_CHUNK, s->nr_pages);
	/* the chunk's pages read lie packed in data: their compressed
	 * forms fit in the same stretch of cbuf */
	uint8_t *out = s->cbuf +
		       (slot_ptr(s, s->off + (uint64_t)i * ZFD_PAGE_SIZE) -
			s->data);
	int rc;

	for (; i < end; i++) {
		struct zfd_kdump_pre *e = &s->pre[i];

		*e = (struct zfd_kdump_pre){ .kind = ZFD_KDUMP_PRE_NONE };
		if ((s->zero_map[i / 64] >> (i % 64)) & 1) {
			e->kind = ZFD_KDUMP_PRE_ZERO;
			continue;
		}
		if (p->cfilt >= 0 &&
		    ((s->excl[p->cfilt][i / 64] >> (i % 64)) & 1))
			continue;
		/* a short tail page is the writer's */
		if ((i + 1) * ZFD_PAGE_SIZE > s->len)
			continue;
		rc = p->kmod->pre_page(cc,
				       slot_ptr(s,
						s->off + (uint64_t)i *
								 ZFD_PAGE_SIZE),
				       out, e);
		if (rc)
			return rc;
		/* a compressed page is smaller than a page: the chunk's
		 * pages fit in its COMP_CHUNK pages of cbuf */
		if (e->kind == ZFD_KDUMP_PRE_COMP)
			out += e->len;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct pipe *p = arg;
	struct zfd_kdump_codec_ctx *cc = NULL;
	struct slot *s;
	size_t chunk;
	int rc;

	rc = p->kmod->codec_new(&cc, p->codec, p->clevel, ZFD_PAGE_SIZE);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->quit && !(s = take_chunk(p, &chunk)))
			pthread_cond_wait(&p->work, &p->lock);
		if (p->quit)
			break;
		pthread_mutex_unlock(&p->lock);
		/* after a failure the pages are NONE: the writers compress
		 * them themselves (and say what fails) */
		if (rc || compress_chunk(p, cc, s, chunk)) {
			size_t i = chunk * COMP_CHUNK;
			size_t end = ZFD_MIN(i + COMP_CHUNK, s->nr_pages);

			for (; i < end; i++)
				s->pre[i].kind = ZFD_KDUMP_PRE_NONE;
			rc = rc ? rc : -EIO;
		}
		pthread_mutex_lock(&p->lock);
		if (rc && !p->comp_rc)
			p->comp_rc = rc;
		if (!--s->chunks_left) {
			s->ready = true;
			pthread_cond_broadcast(&p->filled);
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (cc)
		p->kmod->codec_free(cc);
	return NULL;
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	struct pipe *p = c->pipe;
	struct slot *s;
	uint64_t seq;
	int rc;

	if (c->plan.kw && c->active) {
		rc = c->pipe->run->kdump->begin(c->plan.kw);
		if (rc)
			kdump_fail(c, rc, 0);
	}
	for (seq = 0;; seq++) {
		s = &p->slots[seq % p->nr_slots];
		pthread_mutex_lock(&p->lock);
		/* the next slot, once published and compressed */
		while (seq < p->produced ? !s->ready : !p->eof)
			pthread_cond_wait(&p->filled, &p->lock);
		if (seq >= p->produced) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		pthread_mutex_unlock(&p->lock);
		if (c->active && s->off < c->limit)
			consume_slot(c, s);
		if (c->hasher_on)
			hq_push(c, HJ_RELEASE, NULL, 0, s);
		else
			slot_release(p, s);
		if (c->active && c->done >= c->limit) {
			/* this sink has all it takes; the rest is drained */
			pthread_mutex_lock(&p->lock);
			c->active = false;
			p->nr_active--;
			pthread_cond_broadcast(&p->freed);
			pthread_mutex_unlock(&p->lock);
		}
	}
	hasher_stop(c);
	consumer_finish(c);
	pthread_mutex_lock(&p->lock);
	p->nr_finished++;
	pthread_cond_broadcast(&p->finished);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void progress(struct pipe *p, struct timespec *t0, uint64_t *last_done,
		     double *last_t)
{
	uint64_t done = UINT64_MAX, total = 0;
	double t = elapsed(t0), rate;
	char line[128];
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
	zfd_progress_fmt(line, sizeof(line), done, total, rate);
	printf("%s\n", line);
	fflush(stdout);
	*last_done = done;
	*last_t = t;
}

/*
 * Reads registers for a format's prologue (zfd_format_collect()). Like the
 * reader thread, memory of a released HSA is lost: the CPU is missing.
 */
static int plan_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct zfd_source *src = arg;
	ssize_t n;

	if (src->hsa_released && off < src->hsa_size)
		return -ENXIO;
	n = src->read(src, buf, len, off);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;
}

int zfd_sink_format(struct zfd_run *run, struct zfd_sink_inst *si)
{
	const struct zfd_source *src = run->src;
	const struct zfd_dump *d = &src->dump;
	struct zfd_format *f;
	char why[256], arch[32];
	const char *a;
	int rc;

	if (si->format_cfg >= 0)
		si->format = (enum zfd_format_id)si->format_cfg;
	else
		si->format = src->elf_core ? ZFD_FORMAT_ELF : ZFD_FORMAT_S390;
	if (si->format == ZFD_FORMAT_KDUMP) {
		struct zfd_kdump_writer *w;
		struct zfd_kdump_wopts o = {
			.codec = si->out.codec,
			.level = si->out.level,
			.flat = true,
		};

		if (!run->kdump)
			return -EINVAL; /* the module did not load: said */
		rc = run->kdump->writer_new(&w, d, &o, kdump_out, NULL, why,
					    sizeof(why));
		if (!rc)
			run->kdump->writer_free(w);
		if (rc == -ENOMEM)
			zfd_err("%s: out of memory", si->desc);
		else if (rc == -ELIBACC) /* a codec library is missing */
			zfd_err("sink %s: format \"kdump\": %s", si->desc, why);
		else if (rc)
			zfd_err("sink %s: format \"kdump\" cannot hold this "
				"dump: %s",
				si->desc, why);
		return rc ? (rc == -ENOMEM ? rc : -EINVAL) : 0;
	}
	rc = zfd_format_new(&f, si->format, d,
			    src->have_hdr ? src->hdr_raw : NULL, run->mem_size,
			    why, sizeof(why));
	if (!rc) {
		zfd_format_free(f);
		return 0;
	}
	if (rc == -ENOMEM) {
		zfd_err("%s: out of memory", si->desc);
		return rc;
	}
	if (si->format == ZFD_FORMAT_S390 && d->machine != EM_S390) {
		a = zfd_dump_arch(d, arch, sizeof(arch));
		zfd_err("sink %s: format \"s390\" holds s390 dumps only, and %s "
			"is a dump of %s (use format = \"elf\")",
			si->desc, src->desc, a);
	} else {
		zfd_err("sink %s: format \"%s\" cannot hold this dump: %s",
			si->desc, zfd_format_name(si->format), why);
	}
	return -EINVAL;
}

void zfd_plan_free(struct zfd_plan *pl)
{
	zfd_format_free(pl->fmt);
	if (pl->kw)
		pl->kmod->writer_free(pl->kw);
	free(pl->prologue);
	memset(pl, 0, sizeof(*pl));
}

/* Kernel memory for the page filter: physical address pa of the source. */
static int kmem_read(void *arg, uint64_t pa, void *buf, size_t len)
{
	struct zfd_source *src = arg;

	if (pa < src->dump.mem_start)
		return -EFAULT;
	return plan_read(src, pa - src->dump.mem_start, buf, len);
}

/* Sets f up for level on the source; 0 or -errno with why. */
static int filter_init(struct filter *f, struct zfd_source *src,
		       unsigned int level, char *why, size_t why_len)
{
	const struct zfd_dump *d = &src->dump;
	int rc;

	memset(f, 0, sizeof(*f));
	f->level = level;
	if (!d->vmcoreinfo) {
		snprintf(why, why_len, "the dump has no VMCOREINFO");
		return -ENOENT;
	}
	rc = zfd_kmem_init(&f->km, d, d->vmcoreinfo, d->vmcoreinfo_len,
			   kmem_read, src, why, why_len);
	if (!rc)
		rc = zfd_pfilter_init(&f->pf, &f->km, level, why, why_len);
	f->on = !rc;
	return rc;
}

static void filter_free(struct filter *f)
{
	if (f->on)
		zfd_pfilter_free(&f->pf);
	f->on = false;
}

/*
 * The dump level si's dump really gets: levels that look at struct pages
 * need VMCOREINFO and the kernel's memory map; without them only pages of
 * zeros are left out (level 1), said once. s390 keeps every page.
 */
static unsigned int plan_level(struct zfd_run *run, struct zfd_sink_inst *si)
{
	unsigned int level = si->out.dump_level;
	struct filter f;
	char why[256];

	if (si->format == ZFD_FORMAT_S390) {
		if (level && !si->level_noted)
			zfd_warn("%s: format s390 keeps every page: dump_level "
				 "%u applies to formats kdump and elf",
				 si->desc, level);
		si->level_noted = true;
		return 0;
	}
	if (!(level & ~ZFD_DL_ZERO))
		return level;
	if (!filter_init(&f, run->src, level, why, sizeof(why))) {
		filter_free(&f);
		return level;
	}
	if (!si->level_noted)
		zfd_warn("%s: dump_level %u: %s; only pages of zeros are left "
			 "out (dump level 1)",
			 si->desc, level, why);
	si->level_noted = true;
	return ZFD_DL_ZERO;
}

/* The plan of a kdump stream: the flattened header is the prologue. */
static int plan_kdump(struct zfd_plan *pl, struct zfd_run *run,
		      struct zfd_sink_inst *si)
{
	struct zfd_source *src = run->src;
	struct zfd_dump_info *info = &pl->info;
	struct zfd_kdump_wopts o = {
		.codec = si->out.codec,
		.level = si->out.level,
		.flat = true,
		.dump_level = pl->dump_level,
	};
	char why[256];
	int rc;

	if (!run->kdump)
		return -EINVAL;
	pl->kmod = run->kdump;
	rc = run->kdump->writer_new(&pl->kw, &src->dump, &o, kdump_out, pl, why,
				    sizeof(why));
	if (rc) {
		zfd_err("sink %s: format \"kdump\": %s", si->desc,
			rc == -ENOMEM ? "out of memory" : why);
		return rc;
	}
	pl->prologue = aligned_alloc(ZFD_ALIGN, ZFD_KDUMP_FLAT_HDR_SIZE);
	if (!pl->prologue) {
		zfd_err("sink %s: out of memory", si->desc);
		return -ENOMEM;
	}
	memset(pl->prologue, 0, ZFD_KDUMP_FLAT_HDR_SIZE);
	memcpy(pl->prologue, ZFD_KDUMP_FLAT_SIG, strlen(ZFD_KDUMP_FLAT_SIG));
	zfd_put_be64(pl->prologue + 16, 1); /* type: flattened header */
	zfd_put_be64(pl->prologue + 24, 1); /* version */
	info->format = zfd_format_name(si->format);
	info->prologue = pl->prologue;
	info->prologue_len = ZFD_KDUMP_FLAT_HDR_SIZE;
	info->size = ZFD_ALIGN_UP(run->kdump->max_out(pl->kw),
				  (uint64_t)ZFD_PAGE_SIZE);
	info->min_size = ZFD_ALIGN_UP(run->kdump->min_out(pl->kw),
				      (uint64_t)ZFD_PAGE_SIZE);
	info->flags = ZFD_INFO_SIZE_BOUND;
	info->trailer_off = info->size;
	info->trailer_len = 0;
	pl->ext.start = info->prologue_len;
	pl->ext.size = info->size - info->prologue_len;
	info->extents = &pl->ext;
	info->nr_extents = 1;
	info->compress = zfd_kdump_codec_name(si->out.codec);
	return 0;
}

int zfd_plan_build(struct zfd_plan *pl, struct zfd_run *run,
		   struct zfd_sink_inst *si, uint64_t mem_size, bool dry_run)
{
	struct zfd_source *src = run->src;
	struct zfd_dump_info *info = &pl->info;
	unsigned int missing;
	char why[256];
	size_t len;
	int rc;

	memset(pl, 0, sizeof(*pl));
	pl->dump_level = plan_level(run, si);
	if (si->format == ZFD_FORMAT_KDUMP) {
		rc = plan_kdump(pl, run, si);
		if (rc)
			goto out_free;
		goto common;
	}
	rc = zfd_format_new(&pl->fmt, si->format, &src->dump,
			    src->have_hdr ? src->hdr_raw : NULL, mem_size, why,
			    sizeof(why));
	if (rc) {
		zfd_err("sink %s: format \"%s\": %s", si->desc,
			zfd_format_name(si->format), why);
		return rc;
	}
	if (!dry_run) {
		/* registers the prologue holds (elf of an s390 dump) */
		rc = zfd_format_collect(pl->fmt, plan_read, src);
		if (rc) {
			zfd_err("sink %s: format \"%s\": cannot read the CPUs' "
				"registers: %s",
				si->desc, zfd_format_name(si->format),
				strerror(-rc));
			goto out_free;
		}
		missing = zfd_format_cpus_missing(pl->fmt);
		if (missing)
			zfd_warn("%s: format elf: registers of %u CPU(s) "
				 "not in the dumped memory",
				 si->desc, missing);
	}
	len = zfd_format_prologue_len(pl->fmt);
	pl->prologue = aligned_alloc(ZFD_ALIGN, len);
	if (!pl->prologue) {
		zfd_err("sink %s: out of memory", si->desc);
		rc = -ENOMEM;
		goto out_free;
	}
	zfd_format_prologue(pl->fmt, pl->prologue, true);
	info->format = zfd_format_name(si->format);
	info->prologue = pl->prologue;
	info->prologue_len = len;
	info->size = zfd_format_size(pl->fmt);
	info->trailer_off = zfd_format_trailer_off(pl->fmt);
	info->trailer_len = zfd_format_trailer_len(pl->fmt);
	info->extents = zfd_format_extents(pl->fmt, &info->nr_extents);
common:
	info->dump_level = pl->dump_level;
	info->mem_size = mem_size;
	info->mem_size_orig = src->mem_size;
	info->source = src->desc;
	info->started = run->started;
	info->dry_run = dry_run;
	info->arch = NULL;
	if (src->dump.machine)
		info->arch = zfd_dump_arch(&src->dump, pl->arch,
					   sizeof(pl->arch));
	info->kernel = src->dump.kernel;
	info->dmesg = run->dmesg;
	info->dmesg_len = run->dmesg_len;
	info->threads = zfd_threads(run->cfg->threads);
	return 0;

out_free:
	zfd_plan_free(pl);
	return rc;
}

int zfd_plan_fit(struct zfd_run *run, struct zfd_sink_inst *si,
		 uint64_t capacity, uint64_t *mem_size)
{
	struct zfd_source *src = run->src;
	char why[256];
	int rc;

	rc = zfd_format_fit(si->format, &src->dump,
			    src->have_hdr ? src->hdr_raw : NULL, run->mem_size,
			    capacity, mem_size, why, sizeof(why));
	if (rc == -ENOSPC)
		zfd_err("%s: holds only %" PRIu64 " bytes: not even an empty "
			"dump fits",
			si->desc, capacity);
	else if (rc)
		zfd_err("sink %s: format \"%s\": %s", si->desc,
			zfd_format_name(si->format), why);
	return rc;
}

static int prepare_consumer(struct pipe *p, struct consumer *c)
{
	struct zfd_run *run = p->run;
	struct zfd_sink_inst *si = c->si;
	uint64_t capacity = UINT64_MAX, mem;
	size_t len;
	int rc;

	rc = zfd_plan_build(&c->plan, run, si, run->mem_size, false);
	if (rc)
		return rc;
	rc = si->ops->prepare(si->ctx, &c->plan.info, &capacity);
	if (rc)
		return rc;
	if (capacity < c->plan.info.size &&
	    (c->plan.info.flags & ZFD_INFO_SIZE_BOUND)) {
		if (capacity < c->plan.info.min_size) {
			zfd_err("%s: holds only %" PRIu64 " bytes: even an "
				"empty kdump stream needs %" PRIu64,
				si->desc, capacity, c->plan.info.min_size);
			return -ENOSPC;
		}
		zfd_info("%s: holds %" PRIu64 " of at most %" PRIu64
			 " bytes: the dump fits if compression and the dump "
			 "level make it that small",
			 si->desc, capacity, c->plan.info.size);
	} else if (capacity < c->plan.info.size) {
		rc = zfd_plan_fit(run, si, capacity, &mem);
		if (rc)
			return rc;
		zfd_warn("%s: holds only %" PRIu64 " of %" PRIu64
			 " bytes: the dump will be truncated",
			 si->desc, mem, run->mem_size);
		zfd_plan_free(&c->plan);
		rc = zfd_plan_build(&c->plan, run, si, mem, false);
		if (rc)
			return rc;
		c->plan.info.truncated = true;
	}
	c->limit = c->plan.info.mem_size;
	c->stored_end = c->plan.info.prologue_len;
	c->lost_cut = UINT64_MAX;
	c->patch = si->format == ZFD_FORMAT_S390 && run->src->nr_patches;
	c->filt = -1;
	c->page = aligned_alloc(ZFD_ALIGN, ZFD_PAGE_SIZE);
	if (c->plan.kw) {
		c->kbuf = aligned_alloc(ZFD_ALIGN, KBUF_SIZE);
		c->kbuf_len = 0;
		c->kbuf_off = c->plan.info.prologue_len;
		if (!c->kbuf) {
			zfd_err("%s: out of memory", si->desc);
			return -ENOMEM;
		}
	}
	len = c->plan.info.prologue_len;
	c->final = NULL;
	if (c->plan.fmt && zfd_format_positional(c->plan.fmt))
		c->final = aligned_alloc(ZFD_ALIGN, len);
	if (!c->page ||
	    (c->plan.fmt && zfd_format_positional(c->plan.fmt) && !c->final)) {
		zfd_err("%s: out of memory", si->desc);
		return -ENOMEM;
	}
	return 0;
}

static void free_consumer(struct consumer *c)
{
	zfd_plan_free(&c->plan);
	free(c->page);
	free(c->final);
	free(c->kbuf);
	c->page = NULL;
	c->final = NULL;
	c->kbuf = NULL;
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
	pthread_cond_broadcast(&p->filled);
	pthread_cond_broadcast(&p->freed);
	pthread_mutex_unlock(&p->lock);
	zfd_err("%s", p->read_reason);
	for (i = 0; i < p->nr_cons; i++) {
		c = &p->cons[i];
		if (c->started) {
			pthread_join(c->thread, NULL);
		} else {
			hasher_stop(c);
			consumer_finish(c);
		}
	}
}

/*
 * c's page filter: the pipe's filter of its dump level, set up on first
 * use (plan_level() checked that it can be). Levels of zero pages only
 * need none.
 */
static void setup_filter(struct pipe *p, struct consumer *c)
{
	unsigned int level = c->plan.dump_level;
	char why[256];
	size_t k;

	c->filt = -1;
	if (!(level & ~ZFD_DL_ZERO))
		return;
	for (k = 0; k < p->nr_filt; k++)
		if (p->filt[k].level == level) {
			c->filt = (int)k;
			return;
		}
	if (p->nr_filt == MAX_FILTERS) {
		zfd_warn("%s: more than %d dump levels in one pass: dump "
			 "level %u keeps every page but zeros",
			 c->si->desc, MAX_FILTERS, level);
		return;
	}
	if (filter_init(&p->filt[p->nr_filt], p->run->src, level, why,
			sizeof(why))) {
		zfd_warn("%s: dump level %u: %s; only pages of zeros are "
			 "left out",
			 c->si->desc, level, why);
		return;
	}
	c->filt = (int)p->nr_filt++;
}

/*
 * The compression workers for the first kdump sink's codec and level
 * (key threads; default: the online CPUs), each slot with room for its
 * compressed pages. Without them (threads = 0, no memory, no thread) the
 * kdump writers compress themselves.
 */
unsigned int zfd_threads(unsigned int cfg)
{
	long cpus;

	if (cfg != ZFD_THREADS_AUTO)
		return cfg;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus < 1 ? 1 : (unsigned int)ZFD_MIN(cpus, ZFD_MAX_THREADS);
}

static void start_workers(struct pipe *p)
{
	unsigned int n = p->run->cfg->threads;
	struct consumer *c = NULL;
	size_t i;

	for (i = 0; i < p->nr_cons && !c; i++)
		if (p->cons[i].plan.kw)
			c = &p->cons[i];
	if (!c || !p->run->kdump)
		return;
	n = zfd_threads(n);
	if (!n)
		return;
	for (i = 0; i < p->nr_slots; i++) {
		p->slots[i].cbuf = aligned_alloc(ZFD_ALIGN, p->run->buf_size);
		if (!p->slots[i].cbuf) {
			zfd_warn("no memory for the compression workers: the "
				 "sinks compress themselves");
			return;
		}
	}
	p->kmod = p->run->kdump;
	p->codec = c->si->out.codec;
	p->clevel = c->si->out.level;
	p->cfilt = c->filt;
	for (i = 0; i < n; i++) {
		if (pthread_create(&p->workers[i], NULL, worker_main, p))
			break;
		p->nr_workers++;
	}
	if (p->nr_workers < n)
		zfd_warn("%zu of %u compression workers started", p->nr_workers,
			 n);
	zfd_dbg("%zu compression workers (%s)", p->nr_workers,
		zfd_kdump_codec_name(p->codec));
}

static void stop_workers(struct pipe *p)
{
	size_t i;

	pthread_mutex_lock(&p->lock);
	p->quit = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nr_workers; i++)
		pthread_join(p->workers[i], NULL);
	p->nr_workers = 0;
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
	pthread_cond_init(&p->filled, NULL);
	pthread_cond_init(&p->freed, NULL);
	pthread_cond_init(&p->finished, NULL);
	pthread_cond_init(&p->work, NULL);
	p->cfilt = -1;
	for (i = 0; i < run->nr_sinks; i++) {
		struct zfd_sink_inst *si = run->sinks[i];

		if (si->failed)
			continue;
		c = &p->cons[p->nr_cons];
		free_consumer(c);
		memset(c, 0, sizeof(*c));
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
		rc = si->ops->open(si->ctx, &c->plan.info);
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
			abort_pass(p, -ENOMEM,
				   "out of memory for the digest of %s",
				   si->desc);
			/* the sinks after it were not even opened */
			while (++i < run->nr_sinks) {
				si = run->sinks[i];
				if (si->failed)
					continue;
				memset(&si->res, 0, sizeof(si->res));
				si->res.status = ZFD_STATUS_INCOMPLETE;
				snprintf(si->reason, sizeof(si->reason),
					 "not started: %.200s", p->read_reason);
				si->rc = -ENOMEM;
				si->cause = ZFD_FAIL_OTHER;
				si->failed = true;
			}
			goto out;
		}
		c->sealed = c->si->cfg &&
			    config_setting_get_member(c->si->cfg, "encrypt");
		zfd_digest_update(c->digest, c->plan.prologue,
				  c->plan.info.prologue_len);
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
			abort_pass(p, -ENOMEM,
				   "out of memory for the buffer ring");
			goto out;
		}
	}
	/* the page filters of the dump levels, run by the reader */
	p->read_needed = true;
	for (i = 0; i < p->nr_cons; i++) {
		setup_filter(p, &p->cons[i]);
		if (p->cons[i].filt < 0)
			p->read_needed = false;
	}
	start_workers(p);
	/* the hashers first: a consumer's thread finds its hasher running */
	for (i = 0; i < p->nr_cons; i++)
		if (!p->cons[i].plan.kw && /* a kdump stream hashes as it goes */
		    !p->cons[i].sealed)
			hasher_start(&p->cons[i]);
	for (i = 0; i < p->nr_cons; i++) {
		rc = pthread_create(&p->cons[i].thread, NULL, consumer_main,
				    &p->cons[i]);
		if (rc) {
			abort_pass(p, -rc, "cannot start the thread for %s: %s",
				   p->cons[i].si->desc, strerror(rc));
			goto out;
		}
		p->cons[i].started = true;
	}
	rc = pthread_create(&reader, NULL, reader_main, p);
	if (rc) {
		abort_pass(p, -rc, "cannot start the reader thread: %s",
			   strerror(rc));
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
		pthread_cond_timedwait(&p->finished, &p->lock, &deadline);
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
	stop_workers(p);
	for (i = 0; i < p->nr_cons; i++)
		if (!p->cons[i].si->failed)
			completed++;
	rc = completed;
	for (i = 0; i < p->nr_cons; i++)
		zfd_digest_free(p->cons[i].digest);
	for (i = 0; i < ZFD_MAX_SINKS; i++)
		free_consumer(&p->cons[i]);
	for (i = 0; i < p->nr_filt; i++)
		filter_free(&p->filt[i]);
	for (i = 0; p->slots && i < p->nr_slots; i++) {
		free(p->slots[i].data);
		free(p->slots[i].cbuf);
	}
	free(p->slots);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->filled);
	pthread_cond_destroy(&p->freed);
	pthread_cond_destroy(&p->finished);
	pthread_cond_destroy(&p->work);
	free(p);
	return rc;
}
