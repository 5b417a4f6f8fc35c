// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A sink for testing the daemon: writes the s390 stream into a file
 * (header @0, memory @4096, end marker after it; the manifest into
 * PATH.info) and injects failures on request. Keys:
 *   path       output file (created)
 *   events     file that gets one line per call (prepare/open/write/finish)
 *   fail       "prepare" | "open" | "finish" | "configure": fail there
 *   fail_at    fail the write that reaches this memory offset
 *   fail_errno the errno of that failure (default EIO)
 *   max_mem    report that only this much memory fits (truncation)
 *   delay_ms   sleep in every write (slow device)
 *   hsa_probe  a file whose first line is logged at finish (HSA order)
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
	uint64_t delay_ms;
	uint64_t fail_errno;
	int fd;
	uint64_t written;
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
		"path", "events", "fail", "fail_at", "max_mem", "delay_ms",
		"hsa_probe", "fail_errno", NULL,
	};
	struct tsink *t = calloc(1, sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	t->host = host;
	t->fd = -1;
	rc = zfd_cfg_check_keys(host, cfg, keys);
	rc = rc ?: zfd_cfg_string(host, cfg, "path", NULL, &t->path);
	rc = rc ?: zfd_cfg_string(host, cfg, "events", NULL, &t->events);
	rc = rc ?: zfd_cfg_string(host, cfg, "fail", "", &t->fail);
	rc = rc ?: zfd_cfg_string(host, cfg, "hsa_probe", NULL, &t->hsa_probe);
	rc = rc ?: zfd_cfg_size(host, cfg, "fail_at", UINT64_MAX, &t->fail_at);
	rc = rc ?: zfd_cfg_size(host, cfg, "max_mem", UINT64_MAX, &t->max_mem);
	rc = rc ?: zfd_cfg_uint(host, cfg, "delay_ms", 0, 10000, &t->delay_ms);
	rc = rc ?: zfd_cfg_uint(host, cfg, "fail_errno", EIO, 4095, &t->fail_errno);
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

static int t_prepare(void *ctx, const struct zfd_dump_info *info, uint64_t *max_mem)
{
	struct tsink *t = ctx;

	event(t, "prepare dry_run=%d mem_size=%" PRIu64, info->dry_run, info->mem_size);
	if (!strcmp(t->fail, "prepare")) {
		zfd_hlog(t->host, ZFD_LOG_ERR, "injected prepare failure");
		return -ENOSPC;
	}
	*max_mem = t->max_mem;
	return 0;
}

static int t_open(void *ctx, const struct zfd_dump_info *info)
{
	struct tsink *t = ctx;

	event(t, "open mem_size=%" PRIu64 " truncated=%d", info->mem_size,
	      info->truncated);
	if (!strcmp(t->fail, "open")) {
		zfd_hlog(t->host, ZFD_LOG_ERR, "injected open failure");
		return -EIO;
	}
	t->fd = open(t->path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (t->fd < 0) {
		zfd_hlog(t->host, ZFD_LOG_ERR, "%s: %s", t->path, strerror(errno));
		return -errno;
	}
	t->written = 0;
	if (zfd_pwrite_full(t->fd, info->hdr, ZFD_HDR_SIZE, 0) < 0)
		return -EIO;
	return 0;
}

static int t_write(void *ctx, const struct zfd_block *blk)
{
	struct tsink *t = ctx;
	struct timespec ts;

	event(t, "write off=%" PRIu64 " len=%zu kind=%d zero=%zu", blk->offset,
	      blk->len, blk->kind, blk->nr_zero_pages);
	if (blk->offset != t->written) {
		zfd_hlog(t->host, ZFD_LOG_ERR, "gap: expected offset %" PRIu64, t->written);
		return -EPROTO;
	}
	if (((uintptr_t)blk->data % ZFD_ALIGN) != 0)
		return -EFAULT;
	if (t->fail_at != UINT64_MAX && blk->offset + blk->len > t->fail_at) {
		zfd_hlog(t->host, ZFD_LOG_ERR, "injected write failure at %" PRIu64,
			 t->fail_at);
		return -(int)t->fail_errno;
	}
	if (t->delay_ms) {
		ts.tv_sec = (time_t)(t->delay_ms / 1000);
		ts.tv_nsec = (long)(t->delay_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	if (zfd_pwrite_full(t->fd, blk->data, blk->len, ZFD_HDR_SIZE + blk->offset) < 0)
		return -EIO;
	t->written += blk->len;
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
	event(t, "finish status=%s dumped=%" PRIu64 " hsa=%s",
	      zfd_status_name(res->status), res->dumped_bytes, probe);
	if (t->fd < 0)
		return -EBADF;
	if (res->status != ZFD_STATUS_INCOMPLETE &&
	    zfd_pwrite_full(t->fd, res->end_marker, ZFD_END_MARKER_SIZE,
			    ZFD_HDR_SIZE + res->dumped_bytes) < 0)
		return -EIO;
	close(t->fd);
	t->fd = -1;
	len = zfd_manifest_format(text, sizeof(text), info, res,
				  t->host->sink_desc, "s390");
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
