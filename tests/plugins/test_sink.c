// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A sink for testing the daemon (sink ABI 2): stores the stored dump's
 * bytes at their offsets in a file, in the commit order of a seekable sink
 * (zeros over the prologue at open, the data, the trailer, the manifest
 * into PATH.info, then the final prologue at 0), checks the order the
 * core hands the blocks in, and injects failures on request. Keys:
 *   path       output file (created)
 *   events     file that gets one line per call (prepare/open/write/finish)
 *   fail       "prepare" | "open" | "finish" | "configure": fail there
 *   fail_at    fail the write that reaches this memory offset
 *   fail_errno the errno of that failure (default EIO)
 *   max_mem    report that only this much memory fits (truncation): the
 *              capacity is max_mem plus what the format adds to the
 *              memory (exact for s390, whose dump is header + memory +
 *              end marker)
 *   capacity   report this capacity in stored bytes (truncation)
 *   delay_ms   sleep in every write (slow device)
 *   hsa_probe  a file whose first line is logged at finish (HSA order)
 *   format     the core's key (accepted as known)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "manifest.h"
#include "util.h"

struct tsink {
	const struct zfd_host *host;
	const char *path;
	const char *events;
	const char *fail;
	const char *hsa_probe;
	uint64_t fail_at;
	uint64_t max_mem;
	uint64_t capacity;
	uint64_t delay_ms;
	uint64_t fail_errno;
	int fd;
	const struct zfd_dump_info *info;
	uint64_t next; /* where the next block starts */
	size_t ext;    /* extent the last block was in */
};

static void event(struct tsink *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void event(struct tsink *t, const char *fmt, ...)
{
	va_list ap;
	FILE *f;

	if (!t->events)
		return;
	f = fopen(t->events, "a");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static int t_configure(const struct zfd_host *host, const config_setting_t *cfg,
		       void **ctx)
{
	static const char *const keys[] = {
		"path",	    "events",	   "fail",	"fail_at",
		"max_mem",  "delay_ms",	   "hsa_probe", "fail_errno",
		"capacity", ZFD_HOST_KEYS, NULL,
	};
	struct tsink *t = calloc(1, sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	t->host = host;
	t->fd = -1;
	rc = zfd_cfg_check_keys(host, cfg, keys);
	if (!rc)
		rc = zfd_cfg_string(host, cfg, "path", NULL, &t->path);
	if (!rc)
		rc = zfd_cfg_string(host, cfg, "events", NULL, &t->events);
	if (!rc)
		rc = zfd_cfg_string(host, cfg, "fail", "", &t->fail);
	if (!rc)
		rc = zfd_cfg_string(host, cfg, "hsa_probe", NULL,
				    &t->hsa_probe);
	if (!rc)
		rc = zfd_cfg_size(host, cfg, "fail_at", UINT64_MAX,
				  &t->fail_at);
	if (!rc)
		rc = zfd_cfg_size(host, cfg, "max_mem", UINT64_MAX,
				  &t->max_mem);
	if (!rc)
		rc = zfd_cfg_size(host, cfg, "capacity", UINT64_MAX,
				  &t->capacity);
	if (!rc)
		rc = zfd_cfg_uint(host, cfg, "delay_ms", 0, 10000,
				  &t->delay_ms);
	if (!rc)
		rc = zfd_cfg_uint(host, cfg, "fail_errno", EIO, 4095,
				  &t->fail_errno);
	if (!rc && !t->path) {
		zfd_cfg_error(host, cfg, "sink 'test' needs 'path'");
		rc = -EINVAL;
	}
	if (!rc && !strcmp(t->fail, "configure")) {
		zfd_hlog(host, ZFD_LOG_ERR, "injected configure failure");
		rc = -EINVAL;
	}
	if (rc) {
		free(t);
		return rc;
	}
	*ctx = t;
	return 0;
}

static int t_prepare(void *ctx, const struct zfd_dump_info *info,
		     uint64_t *capacity)
{
	struct tsink *t = ctx;

	event(t,
	      "prepare dry_run=%d mem_size=%" PRIu64 " format=%s size=%" PRIu64,
	      info->dry_run, info->mem_size, info->format, info->size);
	if (!strcmp(t->fail, "prepare")) {
		zfd_hlog(t->host, ZFD_LOG_ERR, "injected prepare failure");
		return -ENOSPC;
	}
	*capacity = t->capacity;
	if (t->max_mem < info->mem_size)
		*capacity = ZFD_MIN(*capacity,
				    info->size - info->mem_size + t->max_mem);
	return 0;
}

static int t_open(void *ctx, const struct zfd_dump_info *info)
{
	struct tsink *t = ctx;

	event(t,
	      "open mem_size=%" PRIu64 " truncated=%d format=%s size=%" PRIu64
	      " prologue=%zu trailer=%" PRIu64 "+%zu extents=%zu",
	      info->mem_size, info->truncated, info->format, info->size,
	      info->prologue_len, info->trailer_off, info->trailer_len,
	      info->nr_extents);
	if (!strcmp(t->fail, "open")) {
		zfd_hlog(t->host, ZFD_LOG_ERR, "injected open failure");
		return -EIO;
	}
	t->fd = open(t->path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (t->fd < 0) {
		zfd_hlog(t->host, ZFD_LOG_ERR, "%s: %s", t->path,
			 strerror(errno));
		return -errno;
	}
	t->info = info;
	t->next = info->prologue_len;
	t->ext = 0;
	/* zeros over the prologue: a dump cut off is never taken for one */
	if (ftruncate(t->fd, (off_t)info->prologue_len))
		return -errno;
	return 0;
}

/*
 * The order of sink.h: ascending, each block where the previous one ended
 * or, for a packed format, exactly at the next extent.
 */
static int check_order(struct tsink *t, const struct zfd_block *blk)
{
	const struct zfd_dump_info *info = t->info;

	if (blk->offset % ZFD_ALIGN || blk->offset < info->prologue_len ||
	    blk->offset + blk->len > info->trailer_off)
		return -EPROTO;
	if (blk->offset == t->next)
		return 0;
	while (t->ext < info->nr_extents &&
	       info->extents[t->ext].start + info->extents[t->ext].size <=
		       t->next)
		t->ext++;
	if (t->ext < info->nr_extents &&
	    info->extents[t->ext].start == blk->offset && blk->offset > t->next)
		return 0;
	return -EPROTO;
}

static int t_write(void *ctx, const struct zfd_block *blk)
{
	struct tsink *t = ctx;
	struct timespec ts;

	event(t,
	      "write off=%" PRIu64 " mem=%" PRIu64 " len=%zu kind=%d "
	      "zero=%zu",
	      blk->offset, blk->mem_offset, blk->len, blk->kind,
	      blk->nr_zero_pages);
	if (check_order(t, blk)) {
		zfd_hlog(t->host, ZFD_LOG_ERR,
			 "gap: expected offset %" PRIu64 ", got %" PRIu64,
			 t->next, blk->offset);
		return -EPROTO;
	}
	if (((uintptr_t)blk->data % ZFD_ALIGN) != 0)
		return -EFAULT;
	if (t->fail_at != UINT64_MAX &&
	    blk->mem_offset + blk->len > t->fail_at) {
		zfd_hlog(t->host, ZFD_LOG_ERR,
			 "injected write failure at %" PRIu64, t->fail_at);
		return -(int)t->fail_errno;
	}
	if (t->delay_ms) {
		ts.tv_sec = (time_t)(t->delay_ms / 1000);
		ts.tv_nsec = (long)(t->delay_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	if (zfd_pwrite_full(t->fd, blk->data, blk->len, blk->offset) < 0)
		return -EIO;
	t->next = blk->offset + blk->len;
	return 0;
}

static int t_finish(void *ctx, const struct zfd_dump_info *info,
		    const struct zfd_result *res)
{
	struct tsink *t = ctx;
	char text[ZFD_MANIFEST_MAX], path[4096], probe[64];
	int len, fd;

	probe[0] = 0;
	if (t->hsa_probe) {
		FILE *f = fopen(t->hsa_probe, "r");

		if (f) {
			if (!fgets(probe, sizeof(probe), f))
				probe[0] = 0;
			fclose(f);
			probe[strcspn(probe, "\n")] = 0;
		}
	}
	event(t,
	      "finish status=%s dumped=%" PRIu64 " hsa=%s stored_end=%" PRIu64
	      " trailer=%zu",
	      zfd_status_name(res->status), res->dumped_bytes, probe,
	      res->stored_end, res->trailer ? res->trailer_len : 0);
	if (t->fd < 0)
		return -EBADF;
	if (res->status != ZFD_STATUS_INCOMPLETE && res->trailer_len &&
	    zfd_pwrite_full(t->fd, res->trailer, res->trailer_len,
			    info->trailer_off) < 0)
		return -EIO;
	len = zfd_manifest_format(text, sizeof(text), info, res,
				  t->host->sink_desc, info->format);
	if (len < 0)
		return len;
	snprintf(path, sizeof(path), "%s.info", t->path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (fd < 0)
		return -errno;
	if (zfd_pwrite_full(fd, text, (size_t)len, 0) < 0) {
		close(fd);
		return -EIO;
	}
	close(fd);
	/* last: the final prologue */
	if (zfd_pwrite_full(t->fd, res->prologue, info->prologue_len, 0) < 0)
		return -EIO;
	close(t->fd);
	t->fd = -1;
	if (!strcmp(t->fail, "finish"))
		return -EIO;
	return 0;
}

static void t_close(void *ctx)
{
	struct tsink *t = ctx;

	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

const struct zfd_sink zfd_sink_entry = {
	.abi = ZFD_SINK_ABI,
	.size = sizeof(struct zfd_sink),
	.name = "test",
	.description = "test sink with fault injection",
	.configure = t_configure,
	.prepare = t_prepare,
	.open = t_open,
	.write = t_write,
	.finish = t_finish,
	.close = t_close,
};
