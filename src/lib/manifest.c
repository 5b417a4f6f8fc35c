// SPDX-License-Identifier: GPL-2.0-or-later
/* The dump manifest: writer and parser. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_s390.h"
#include "manifest.h"

/* enum zfd_status starts at 1 (sink ABI 2): 0 is no status */
static const char *const status_names[] = {
	[ZFD_STATUS_COMPLETE] = "complete",
	[ZFD_STATUS_INCOMPLETE] = "incomplete",
	[ZFD_STATUS_TRUNCATED] = "truncated",
};

const char *zfd_status_name(enum zfd_status status)
{
	if ((unsigned int)status >=
		    sizeof(status_names) / sizeof(status_names[0]) ||
	    !status_names[status])
		return "incomplete"; /* never "complete" by mistake */
	return status_names[status];
}

int zfd_status_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (status_names[i] && strcmp(name, status_names[i]) == 0)
			return (int)i;
	return -1;
}

struct outbuf {
	char *buf;
	size_t len;
	size_t pos;
	int rc;
};

static void out_line(struct outbuf *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_line(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->rc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos) {
		o->rc = -ENOSPC;
		return;
	}
	o->pos += (size_t)n;
}

/* Values are single lines: control characters become '?'. */
static void sanitize(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < len; i++)
		dst[i] = ((unsigned char)src[i] < 0x20) ? '?' : src[i];
	dst[i] = 0;
}

int zfd_manifest_format(char *buf, size_t len, const struct zfd_dump_info *info,
			const struct zfd_result *res, const char *sink_desc,
			const char *format)
{
	struct outbuf o = { .buf = buf, .len = len };
	char started[32], finished[32], val[200];

	if (!len)
		return -ENOSPC;
	zfd_format_utc(info->started, started, sizeof(started));
	zfd_format_utc(res->finished, finished, sizeof(finished));
	out_line(&o, "%s\n", ZFD_MANIFEST_MAGIC);
	out_line(&o, "status: %s\n", zfd_status_name(res->status));
	out_line(&o, "format: %s\n", format);
	if (info->compress) {
		sanitize(val, sizeof(val), info->compress);
		out_line(&o, "compress: %s\n", val);
	}
	if (info->dump_level || info->compress)
		out_line(&o, "dump_level: %u\n", info->dump_level);
	if (info->arch && *info->arch) {
		sanitize(val, sizeof(val), info->arch);
		out_line(&o, "arch: %s\n", val);
	}
	if (info->kernel && *info->kernel) {
		sanitize(val, sizeof(val), info->kernel);
		out_line(&o, "kernel: %s\n", val);
	}
	out_line(&o, "mem_size: %" PRIu64 "\n", info->mem_size);
	if (info->mem_size_orig != info->mem_size)
		out_line(&o, "mem_size_orig: %" PRIu64 "\n",
			 info->mem_size_orig);
	out_line(&o, "dumped_bytes: %" PRIu64 "\n", res->dumped_bytes);
	out_line(&o, "zero_pages: %" PRIu64 "\n", res->zero_pages);
	out_line(&o, "hole_bytes: %" PRIu64 "\n", res->hole_bytes);
	out_line(&o, "lost_bytes: %" PRIu64 "\n", res->lost_bytes);
	out_line(&o, "started: %s\n", started);
	out_line(&o, "finished: %s\n", finished);
	out_line(&o, "seconds: %.3f\n", res->seconds);
	sanitize(val, sizeof(val), info->source);
	out_line(&o, "source: %s\n", val);
	sanitize(val, sizeof(val), sink_desc);
	out_line(&o, "sink: %s\n", val);
	out_line(&o, "digest: %s\n", res->digest);
	out_line(&o, "version: %s\n", PACKAGE_VERSION);
	if (res->reason) {
		sanitize(val, sizeof(val), res->reason);
		out_line(&o, "reason: %s\n", val);
	}
	return o.rc ? o.rc : (int)o.pos;
}

int zfd_manifest_parse(const char *text, size_t len, struct zfd_manifest *m,
		       char *why, size_t why_len)
{
	const char *end, *p = text, *nl, *colon;
	size_t klen, vlen, magic_len = strlen(ZFD_MANIFEST_MAGIC);
	unsigned int lineno = 1;

	end = memchr(text, 0, len);
	if (end)
		len = (size_t)(end - text);
	end = text + len;
	m->nr = 0;
	if (len < magic_len ||
	    memcmp(text, ZFD_MANIFEST_MAGIC, magic_len) != 0 ||
	    (len > magic_len && text[magic_len] != '\n')) {
		snprintf(why, why_len, "manifest does not start with '%s'",
			 ZFD_MANIFEST_MAGIC);
		return -EINVAL;
	}
	p = text + magic_len + (len > magic_len);
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (nl == p) {
			p = nl + 1;
			continue;
		}
		colon = memchr(p, ':', (size_t)(nl - p));
		if (!colon || colon == p || colon + 1 >= nl ||
		    colon[1] != ' ') {
			snprintf(why, why_len,
				 "manifest line %u is not 'key: value'",
				 lineno);
			return -EINVAL;
		}
		klen = (size_t)(colon - p);
		vlen = (size_t)(nl - colon - 2);
		if (klen >= sizeof(m->kv[0].key) ||
		    vlen >= sizeof(m->kv[0].value)) {
			snprintf(why, why_len, "manifest line %u is too long",
				 lineno);
			return -EINVAL;
		}
		if (m->nr >= ZFD_MANIFEST_MAX_KEYS) {
			snprintf(why, why_len, "manifest has more than %d keys",
				 ZFD_MANIFEST_MAX_KEYS);
			return -EINVAL;
		}
		memcpy(m->kv[m->nr].key, p, klen);
		m->kv[m->nr].key[klen] = 0;
		memcpy(m->kv[m->nr].value, colon + 2, vlen);
		m->kv[m->nr].value[vlen] = 0;
		m->nr++;
		p = nl + 1;
	}
	if (!zfd_manifest_get(m, "status") ||
	    zfd_status_parse(zfd_manifest_get(m, "status")) < 0) {
		snprintf(why, why_len, "manifest has no valid 'status'");
		return -EINVAL;
	}
	return 0;
}

const char *zfd_manifest_get(const struct zfd_manifest *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (strcmp(m->kv[i].key, key) == 0)
			return m->kv[i].value;
	return NULL;
}

int zfd_manifest_get_u64(const struct zfd_manifest *m, const char *key,
			 uint64_t *val)
{
	const char *s = zfd_manifest_get(m, key);
	char *end;

	if (!s)
		return -ENOENT;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*val = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}
