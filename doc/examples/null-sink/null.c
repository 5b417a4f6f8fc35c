// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An example of a third-party zfcpdump sink: "null" stores nothing, it
 * counts what the daemon hands it. Built outside the zfcpdump tree, with
 * nothing but the installed <zfcpdump/sink.h> (pkg-config zfcpdump-sink):
 *
 *	make && make install
 *	zfcpdump -s file:dump.img -o null:report=/tmp/count
 *
 * Keys: report (optional) names a file that gets one line at the end,
 * "bytes=N blocks=N zero_pages=N status=complete format=s390 size=N".
 * The key "format" belongs to the daemon (it picks the format of the
 * stored dump); every sink accepts it as known.
 *
 * The rules a sink keeps are written at the top of <zfcpdump/sink.h> (sink
 * ABI 2): 0 or a negative errno from every function, one plain line
 * through host->vlog before an error, never exit() and never print. A sink
 * stores bytes at offsets and never interprets them: write() gets blocks
 * at stored offsets, finish() the final prologue and the trailer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zfcpdump/sink.h>

struct null_sink {
	const struct zfd_host *host;
	const char *report;
	uint64_t bytes;
	uint64_t blocks;
	uint64_t zero_pages;
	uint64_t next; /* where the next block may start */
};

static void nlog(const struct zfd_host *host, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void nlog(const struct zfd_host *host, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	host->vlog(host, level, fmt, ap);
	va_end(ap);
}

/* The keys the daemon reads from a sink's subtree (it picks the format). */
static const char *const host_keys[] = { ZFD_HOST_KEYS, NULL };

static bool host_key(const char *name)
{
	int i;

	for (i = 0; host_keys[i]; i++)
		if (!strcmp(name, host_keys[i]))
			return true;
	return false;
}

static int null_configure(const struct zfd_host *host,
			  const config_setting_t *cfg, void **ctx)
{
	const config_setting_t *m;
	struct null_sink *ns;
	const char *name;
	int i;

	/* Every key is checked: an unknown one is an error with its line. */
	for (i = 0; (m = config_setting_get_elem(cfg, i)); i++) {
		name = config_setting_name(m);
		if (!strcmp(name, "type") || !strcmp(name, "report") ||
		    host_key(name))
			continue;
		if (config_setting_source_file(m))
			nlog(host, ZFD_LOG_ERR, "%s:%u: unknown key '%s'",
			     config_setting_source_file(m),
			     config_setting_source_line(m), name);
		else
			nlog(host, ZFD_LOG_ERR, "unknown key '%s' (-o)", name);
		return -EINVAL;
	}
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->host = host;
	/* The string lives as long as the config, i.e. until close(). */
	config_setting_lookup_string(cfg, "report", &ns->report);
	*ctx = ns;
	return 0;
}

static int null_prepare(void *ctx, const struct zfd_dump_info *info,
			uint64_t *capacity)
{
	*capacity = UINT64_MAX; /* holds any amount */
	return 0;
}

static int null_open(void *ctx, const struct zfd_dump_info *info)
{
	struct null_sink *ns = ctx;

	/* a failover pass starts again */
	ns->bytes = 0;
	ns->blocks = 0;
	ns->zero_pages = 0;
	ns->next = info->prologue_len;
	return 0;
}

static int null_write(void *ctx, const struct zfd_block *blk)
{
	struct null_sink *ns = ctx;

	/* ascending: where the last block ended, or a later extent */
	if (blk->offset < ns->next) {
		nlog(ns->host, ZFD_LOG_ERR,
		     "block at %" PRIu64 " before %" PRIu64, blk->offset,
		     ns->next);
		return -EPROTO;
	}
	ns->next = blk->offset + blk->len;
	ns->bytes += blk->len;
	ns->blocks++;
	ns->zero_pages += blk->nr_zero_pages;
	return 0;
}

static const char *status_name(enum zfd_status status)
{
	switch (status) {
	case ZFD_STATUS_COMPLETE:
		return "complete";
	case ZFD_STATUS_INCOMPLETE:
		return "incomplete";
	case ZFD_STATUS_TRUNCATED:
		return "truncated";
	}
	return "unknown"; /* 0: no status, never complete */
}

static int null_finish(void *ctx, const struct zfd_dump_info *info,
		       const struct zfd_result *res)
{
	struct null_sink *ns = ctx;
	FILE *f;
	int rc;

	nlog(ns->host, ZFD_LOG_INFO,
	     "counted %" PRIu64 " bytes in %" PRIu64 " blocks", ns->bytes,
	     ns->blocks);
	if (!ns->report)
		return 0;
	f = fopen(ns->report, "w");
	if (!f) {
		rc = -errno;
		nlog(ns->host, ZFD_LOG_ERR, "%s: %s", ns->report,
		     strerror(-rc));
		return rc;
	}
	fprintf(f,
		"bytes=%" PRIu64 " blocks=%" PRIu64 " zero_pages=%" PRIu64
		" status=%s format=%s size=%" PRIu64 "\n",
		ns->bytes, ns->blocks, ns->zero_pages, status_name(res->status),
		info->format, info->size);
	if (fclose(f)) {
		rc = -errno;
		nlog(ns->host, ZFD_LOG_ERR, "%s: %s", ns->report,
		     strerror(-rc));
		return rc;
	}
	return 0;
}

static void null_close(void *ctx)
{
	free(ctx);
}

const struct zfd_sink zfd_sink_entry = {
	.abi = ZFD_SINK_ABI,
	.size = sizeof(struct zfd_sink),
	.name = "null",
	.description = "counts the dump and stores nothing (example)",
	.configure = null_configure,
	.prepare = null_prepare,
	.open = null_open,
	.write = null_write,
	.finish = null_finish,
	.close = null_close,
};
