// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The crashed kernel's log from a dump (kmsg.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmsg.h"
#include "util.h"

/* Lockless ring buffer (kernel/printk/printk_ringbuffer.h), 64-bit. */
#define DESC_ID_MASK	   (~(3ULL << 62))
#define DESC_STATE(sv)	   (((sv) >> 62) & 3)
#define DESC_COMMITTED	   1
#define DESC_FINALIZED	   2
#define PRB_MAX_COUNT_BITS 26 /* log_buf_len 2 GiB / 32 */
#define KMSG_MAX_STRUCT	   4096

/* The output of one record, flushed to out when nearly full. */
struct kline {
	zfd_kmsg_out_fn out;
	void *arg;
	char buf[4096];
	size_t len;
	int rc;
};

static void kl_put(struct kline *kl, const char *s, size_t n)
{
	if (kl->rc)
		return;
	if (kl->len + n > sizeof(kl->buf)) {
		kl->rc = kl->out(kl->arg, kl->buf, kl->len);
		kl->len = 0;
		if (kl->rc)
			return;
	}
	memcpy(kl->buf + kl->len, s, n);
	kl->len += n;
}

static int kl_flush(struct kline *kl)
{
	if (!kl->rc && kl->len)
		kl->rc = kl->out(kl->arg, kl->buf, kl->len);
	kl->len = 0;
	return kl->rc;
}

static bool is_print(uint8_t c)
{
	return c >= 0x20 && c < 0x7f;
}

static bool is_space(uint8_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* One record as makedumpfile --dump-dmesg prints it. */
static int put_record(struct kline *kl, uint64_t ts_nsec, const uint8_t *text,
		      size_t len)
{
	char pre[48], esc[8];
	size_t i;
	int n;

	n = snprintf(pre, sizeof(pre), "[%5" PRIu64 ".%06" PRIu64 "] ",
		     ts_nsec / 1000000000, ts_nsec % 1000000000 / 1000);
	kl_put(kl, pre, (size_t)n);
	for (i = 0; i < len; i++) {
		uint8_t c = text[i];

		if (c == '\n') {
			kl_put(kl, "\n", 1);
			/* continuation lines line up with the text */
			memset(pre, ' ', (size_t)n);
			kl_put(kl, pre, (size_t)n);
		} else if (is_print(c) || is_space(c)) {
			kl_put(kl, (const char *)&c, 1);
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			kl_put(kl, esc, 4);
		}
	}
	kl_put(kl, "\n", 1);
	return kl->rc;
}

struct kctx {
	const struct zfd_kmem *km;
	char *why;
	size_t why_len;
};

/* A VMCOREINFO value the log needs; fails with a reason. */
static int need(struct kctx *c, uint64_t *val, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int need(struct kctx *c, uint64_t *val, const char *fmt, ...)
{
	char key[128];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	rc = zfd_vmci_get(c->km->vmci, c->km->vmci_len, val, "%s", key);
	if (rc == -ENOENT)
		snprintf(c->why, c->why_len, "VMCOREINFO lacks %s", key);
	else if (rc)
		snprintf(c->why, c->why_len, "VMCOREINFO: %s is not a number",
			 key);
	else if (strncmp(key, "SYMBOL(", 7) && *val > KMSG_MAX_STRUCT) {
		snprintf(c->why, c->why_len,
			 "VMCOREINFO: %s=%" PRIu64 " is implausible", key,
			 *val);
		rc = -EINVAL;
	}
	return rc;
}

static int kread(struct kctx *c, uint64_t va, void *buf, size_t len,
		 const char *what)
{
	int rc = zfd_kmem_read(c->km, va, buf, len);

	if (rc == -EFAULT)
		snprintf(c->why, c->why_len,
			 "%s at kernel address 0x%" PRIx64
			 " (%zu bytes) is not in the dump",
			 what, va, len);
	else if (rc)
		snprintf(c->why, c->why_len,
			 "cannot read %s at kernel "
			 "address 0x%" PRIx64 ": %s",
			 what, va, strerror(-rc));
	return rc;
}

static int kread_u64(struct kctx *c, uint64_t va, uint64_t *v, const char *what)
{
	uint8_t raw[8];
	int rc = kread(c, va, raw, 8, what);

	if (!rc)
		*v = zfd_kmem_u64(c->km, raw);
	return rc;
}

static int kread_u32(struct kctx *c, uint64_t va, uint32_t *v, const char *what)
{
	uint8_t raw[4];
	int rc = kread(c, va, raw, 4, what);

	if (!rc)
		*v = zfd_kmem_u32(c->km, raw);
	return rc;
}

/* Reads a whole array of the kernel into a new buffer. */
static int kread_alloc(struct kctx *c, uint64_t va, uint64_t len, uint8_t **out,
		       const char *what)
{
	uint8_t *p;
	int rc;

	if (len > ZFD_KMSG_MAX_BUF) {
		snprintf(c->why, c->why_len,
			 "%s: %" PRIu64 " bytes, more "
			 "than the %u MiB read at most",
			 what, len, ZFD_KMSG_MAX_BUF >> 20);
		return -EINVAL;
	}
	p = malloc(len ? len : 1);
	if (!p) {
		snprintf(c->why, c->why_len, "out of memory for %s", what);
		return -ENOMEM;
	}
	rc = kread(c, va, p, len, what);
	if (rc) {
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* Offsets of the lockless ring buffer, from VMCOREINFO. */
struct prb_off {
	uint64_t desc_ring, text_ring, counter;
	uint64_t count_bits, descs, infos, head_id, tail_id;
	uint64_t size_bits, data;
	uint64_t desc_size, state_var, text_blk, blk_begin, blk_next;
	uint64_t info_size, ts_nsec, text_len;
};

static int prb_offsets(struct kctx *c, struct prb_off *o)
{
	int rc;

	if ((rc = need(c, &o->desc_ring,
		       "OFFSET(printk_ringbuffer.desc_ring)")) ||
	    (rc = need(c, &o->text_ring,
		       "OFFSET(printk_ringbuffer.text_data_ring)")) ||
	    (rc = need(c, &o->count_bits,
		       "OFFSET(prb_desc_ring.count_bits)")) ||
	    (rc = need(c, &o->descs, "OFFSET(prb_desc_ring.descs)")) ||
	    (rc = need(c, &o->infos, "OFFSET(prb_desc_ring.infos)")) ||
	    (rc = need(c, &o->head_id, "OFFSET(prb_desc_ring.head_id)")) ||
	    (rc = need(c, &o->tail_id, "OFFSET(prb_desc_ring.tail_id)")) ||
	    (rc = need(c, &o->size_bits, "OFFSET(prb_data_ring.size_bits)")) ||
	    (rc = need(c, &o->data, "OFFSET(prb_data_ring.data)")) ||
	    (rc = need(c, &o->desc_size, "SIZE(prb_desc)")) ||
	    (rc = need(c, &o->state_var, "OFFSET(prb_desc.state_var)")) ||
	    (rc = need(c, &o->text_blk, "OFFSET(prb_desc.text_blk_lpos)")) ||
	    (rc = need(c, &o->blk_begin, "OFFSET(prb_data_blk_lpos.begin)")) ||
	    (rc = need(c, &o->blk_next, "OFFSET(prb_data_blk_lpos.next)")) ||
	    (rc = need(c, &o->info_size, "SIZE(printk_info)")) ||
	    (rc = need(c, &o->ts_nsec, "OFFSET(printk_info.ts_nsec)")) ||
	    (rc = need(c, &o->text_len, "OFFSET(printk_info.text_len)")))
		return rc;
	if (need(c, &o->counter, "OFFSET(atomic_long_t.counter)"))
		o->counter = 0;
	c->why[0] = 0;
	if (o->state_var + o->counter + 8 > o->desc_size ||
	    o->text_blk + ZFD_MAX(o->blk_begin, o->blk_next) + 8 >
		    o->desc_size ||
	    o->ts_nsec + 8 > o->info_size || o->text_len + 2 > o->info_size) {
		snprintf(c->why, c->why_len,
			 "VMCOREINFO: the printk ring "
			 "buffer's offsets do not fit its structures");
		return -EINVAL;
	}
	return 0;
}

static int dump_prb(struct kctx *c, uint64_t prb_sym, struct kline *kl)
{
	const struct zfd_kmem *km = c->km;
	uint8_t *descs = NULL, *infos = NULL, *text = NULL;
	uint64_t rb, descs_va, infos_va, data_va, head, tail, id, count, size;
	uint64_t span;
	uint32_t count_bits, size_bits;
	struct prb_off o;
	int rc;

	rc = prb_offsets(c, &o);
	if (rc)
		return rc;
	if ((rc = kread_u64(c, prb_sym, &rb, "the pointer prb")) ||
	    (rc = kread_u32(c, rb + o.desc_ring + o.count_bits, &count_bits,
			    "prb->desc_ring.count_bits")) ||
	    (rc = kread_u64(c, rb + o.desc_ring + o.descs, &descs_va,
			    "prb->desc_ring.descs")) ||
	    (rc = kread_u64(c, rb + o.desc_ring + o.infos, &infos_va,
			    "prb->desc_ring.infos")) ||
	    (rc = kread_u64(c, rb + o.desc_ring + o.head_id + o.counter, &head,
			    "prb->desc_ring.head_id")) ||
	    (rc = kread_u64(c, rb + o.desc_ring + o.tail_id + o.counter, &tail,
			    "prb->desc_ring.tail_id")) ||
	    (rc = kread_u32(c, rb + o.text_ring + o.size_bits, &size_bits,
			    "prb->text_data_ring.size_bits")) ||
	    (rc = kread_u64(c, rb + o.text_ring + o.data, &data_va,
			    "prb->text_data_ring.data")))
		return rc;
	if (count_bits > PRB_MAX_COUNT_BITS || size_bits > 31) {
		snprintf(c->why, c->why_len,
			 "printk ring buffer: 2^%u "
			 "descriptors and 2^%u text bytes is implausible",
			 count_bits, size_bits);
		return -EINVAL;
	}
	count = 1ULL << count_bits;
	size = 1ULL << size_bits;
	if ((rc = kread_alloc(c, descs_va, count * o.desc_size, &descs,
			      "the printk descriptors")) ||
	    (rc = kread_alloc(c, infos_va, count * o.info_size, &infos,
			      "the printk infos")) ||
	    (rc = kread_alloc(c, data_va, size, &text, "the printk text ring")))
		goto out;

	/* oldest to newest; a damaged ring is read for its last count ids */
	head &= DESC_ID_MASK;
	tail &= DESC_ID_MASK;
	span = (head - tail) & DESC_ID_MASK;
	if (span >= count)
		tail = (head - (count - 1)) & DESC_ID_MASK;
	for (id = tail;; id = (id + 1) & DESC_ID_MASK) {
		const uint8_t *d = descs + (id % count) * o.desc_size;
		const uint8_t *in = infos + (id % count) * o.info_size;
		uint64_t sv, begin, next, len;

		sv = zfd_kmem_u64(km, d + o.state_var + o.counter);
		if ((sv & DESC_ID_MASK) == id &&
		    (DESC_STATE(sv) == DESC_COMMITTED ||
		     DESC_STATE(sv) == DESC_FINALIZED)) {
			begin = zfd_kmem_u64(km, d + o.text_blk + o.blk_begin) %
				size;
			next = zfd_kmem_u64(km, d + o.text_blk + o.blk_next) %
			       size;
			if (begin != next) {
				/* a block that wraps starts at the beginning */
				if (begin > next)
					begin = 0;
				begin += 8; /* the block's descriptor id */
				len = zfd_kmem_u16(km, in + o.text_len);
				if (next >= begin && next - begin < len)
					len = next - begin;
				if (begin >= size)
					len = 0;
				else if (len > size - begin)
					len = size - begin;
				rc = put_record(kl,
						zfd_kmem_u64(km,
							     in + o.ts_nsec),
						text + begin, len);
				if (rc) {
					snprintf(c->why, c->why_len,
						 "cannot write the log: %s",
						 strerror(-rc));
					goto out;
				}
			}
		}
		if (id == head)
			break;
	}
out:
	free(descs);
	free(infos);
	free(text);
	return rc;
}

/* The structured log_buf of Linux 3.5 to 5.9. */
static int dump_log_buf(struct kctx *c, uint64_t log_buf_sym, struct kline *kl)
{
	const struct zfd_kmem *km = c->km;
	uint64_t sym, buf_va, rec_size, ts_off, len_off, tlen_off, n;
	uint32_t buf_len, first, next, idx;
	const char *st = "printk_log";
	uint8_t *buf = NULL;
	bool wrapped = false;
	int rc;

	if (zfd_vmci_get(km->vmci, km->vmci_len, &sym, "SIZE(printk_log)"))
		st = "log";
	if ((rc = need(c, &rec_size, "SIZE(%s)", st)) ||
	    (rc = need(c, &ts_off, "OFFSET(%s.ts_nsec)", st)) ||
	    (rc = need(c, &len_off, "OFFSET(%s.len)", st)) ||
	    (rc = need(c, &tlen_off, "OFFSET(%s.text_len)", st)))
		return rc;
	if (ts_off + 8 > rec_size || len_off + 2 > rec_size ||
	    tlen_off + 2 > rec_size) {
		snprintf(c->why, c->why_len,
			 "VMCOREINFO: the offsets of "
			 "struct %s do not fit its size",
			 st);
		return -EINVAL;
	}
	if ((rc = need(c, &sym, "SYMBOL(log_buf_len)")) ||
	    (rc = kread_u32(c, sym, &buf_len, "log_buf_len")) ||
	    (rc = need(c, &sym, "SYMBOL(log_first_idx)")) ||
	    (rc = kread_u32(c, sym, &first, "log_first_idx")) ||
	    (rc = need(c, &sym, "SYMBOL(log_next_idx)")) ||
	    (rc = kread_u32(c, sym, &next, "log_next_idx")) ||
	    (rc = kread_u64(c, log_buf_sym, &buf_va, "the pointer log_buf")) ||
	    (rc = kread_alloc(c, buf_va, buf_len, &buf, "log_buf")))
		return rc;
	/* each record is at least rec_size bytes: bounds the walk */
	idx = first;
	for (n = 0; idx != next && n <= buf_len / rec_size + 1; n++) {
		uint16_t len, tlen;

		if ((uint64_t)idx + rec_size > buf_len)
			break;
		len = zfd_kmem_u16(km, buf + idx + len_off);
		if (!len) {
			/* end of the buffer: wrap around to its start */
			if (wrapped || idx == 0)
				break;
			wrapped = true;
			idx = 0;
			continue;
		}
		tlen = zfd_kmem_u16(km, buf + idx + tlen_off);
		if (tlen > buf_len - idx - rec_size)
			tlen = (uint16_t)(buf_len - idx - rec_size);
		rc = put_record(kl, zfd_kmem_u64(km, buf + idx + ts_off),
				buf + idx + rec_size, tlen);
		if (rc) {
			snprintf(c->why, c->why_len, "cannot write the log: %s",
				 strerror(-rc));
			break;
		}
		if ((uint64_t)idx + len > buf_len)
			break;
		idx += len;
		if (idx == buf_len && next != buf_len)
			idx = 0;
	}
	free(buf);
	return rc;
}

int zfd_kmsg_dump(const struct zfd_kmem *km, zfd_kmsg_out_fn out, void *arg,
		  char *why, size_t why_len)
{
	struct kctx c = { .km = km, .why = why, .why_len = why_len };
	struct kline *kl;
	uint64_t sym, old;
	int rc;

	why[0] = 0;
	if (!km->vmci) {
		snprintf(why, why_len, "the dump has no VMCOREINFO");
		return -ENOENT;
	}
	kl = calloc(1, sizeof(*kl));
	if (!kl) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	kl->out = out;
	kl->arg = arg;
	if (!zfd_vmci_get(km->vmci, km->vmci_len, &sym, "SYMBOL(prb)")) {
		rc = dump_prb(&c, sym, kl);
	} else if (!zfd_vmci_get(km->vmci, km->vmci_len, &sym,
				 "SYMBOL(log_buf)")) {
		if (!zfd_vmci_get(km->vmci, km->vmci_len, &old,
				  "SYMBOL(log_end)")) {
			snprintf(why, why_len,
				 "the log of kernels before 3.5 "
				 "(plain log_buf) is not supported");
			rc = -ENOTSUP;
		} else {
			rc = dump_log_buf(&c, sym, kl);
		}
	} else {
		snprintf(why, why_len,
			 "VMCOREINFO names no kernel log "
			 "(neither SYMBOL(prb) nor SYMBOL(log_buf))");
		rc = -ENOENT;
	}
	if (!rc && kl_flush(kl)) {
		rc = kl->rc;
		snprintf(why, why_len, "cannot write the log: %s",
			 strerror(-rc));
	}
	free(kl);
	return rc;
}
