// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zfd-sinkdrive: drives one sink plugin (sink ABI 2) with an s390 dump
 * image in the s390 format, without the daemon: one thread, 1 MiB aligned
 * blocks at stored offsets (4096 + memory offset), zero-page maps, digest
 * and end marker (the trailer) as the core computes them. For benchmarking a sink alone
 * (bench/run) and for poking at a plugin by hand.
 *
 *	zfd-sinkdrive PLUGIN.so IMAGE [key=value[,key=value]...]
 *
 * Values are passed like "zfcpdump -o": all digits = integer, true/false =
 * boolean, anything else = string. Exit 0 complete, 1 failure, 2 usage.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <zfcpdump/sink.h>

#include "digest.h"
#include "fmt_s390.h"
#include "util.h"

#define BLOCK (1U << 20)

static void drive_vlog(const struct zfd_host *host, int level, const char *fmt,
		       va_list ap)
{
	if ((level & 0xff) > ZFD_LOG_INFO && host->verbosity < 2)
		return;
	if (!(level & ZFD_LOG_PLAIN))
		fprintf(stderr, "%s: ", (const char *)host->priv);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static int drive_ask(const struct zfd_host *host, const char *q,
		     unsigned int timeout_s)
{
	return -ETIMEDOUT;
}

/* Builds the sink's group from "type" and key=value pairs. */
static config_setting_t *drive_cfg(config_t *cfg, const char *type, char *kv)
{
	config_setting_t *g, *s;
	char *tok, *save = NULL, *eq;

	g = config_setting_add(config_root_setting(cfg), "sink",
			       CONFIG_TYPE_GROUP);
	s = config_setting_add(g, "type", CONFIG_TYPE_STRING);
	config_setting_set_string(s, type);
	for (tok = strtok_r(kv, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			return NULL;
		*eq++ = 0;
		if (!strcmp(eq, "true") || !strcmp(eq, "false")) {
			s = config_setting_add(g, tok, CONFIG_TYPE_BOOL);
			if (s)
				config_setting_set_bool(s, !strcmp(eq, "true"));
		} else if (*eq && strspn(eq, "0123456789") == strlen(eq)) {
			s = config_setting_add(g, tok, CONFIG_TYPE_INT64);
			if (s)
				config_setting_set_int64(s,
							 strtoll(eq, NULL, 10));
		} else {
			s = config_setting_add(g, tok, CONFIG_TYPE_STRING);
			if (s)
				config_setting_set_string(s, eq);
		}
		if (!s)
			return NULL;
	}
	return g;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint64_t zmap[BLOCK / ZFD_PAGE_SIZE / 64];
	struct zfd_host host = { .abi = ZFD_SINK_ABI,
				 .vlog = drive_vlog,
				 .ask = drive_ask,
				 .root = "/",
				 .verbosity = 1 };
	struct zfd_dump_info info = { .format = "s390" };
	struct zfd_result res = { 0 };
	struct zfd_range extent;
	uint8_t end_marker[ZFD_END_MARKER_SIZE];
	struct zfd_s390_hdr h;
	const struct zfd_sink *sink;
	struct zfd_digest *dg;
	char why[256], type[64], desc[512], src[512], *kv;
	uint8_t hdr[ZFD_HDR_SIZE], *buf;
	uint64_t capacity, off;
	struct zfd_block b;
	void *dl, *ctx = NULL;
	config_t cfg;
	double t0;
	ssize_t n;
	size_t p;
	int fd, rc = 1;
	const char *base;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s PLUGIN.so IMAGE [key=value,...]\n",
			argv[0]);
		return 2;
	}
	if (getenv("ZFD_VERBOSE"))
		host.verbosity = 2;
	dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	sink = dl ? dlsym(dl, ZFD_SINK_SYMBOL) : NULL;
	if (!sink || sink->abi != ZFD_SINK_ABI) {
		fprintf(stderr, "%s: not a sink plugin: %s\n", argv[1],
			dl ? "bad descriptor" : dlerror());
		return 2;
	}
	base = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	snprintf(type, sizeof(type), "%.*s", (int)strcspn(base, "."), base);
	host.priv = type;

	fd = open(argv[2], O_RDONLY);
	if (fd < 0 || zfd_pread_full(fd, hdr, sizeof(hdr), 0) != sizeof(hdr)) {
		fprintf(stderr, "%s: cannot read header\n", argv[2]);
		return 1;
	}
	zfd_s390_hdr_decode(hdr, &h);
	if (zfd_s390_hdr_validate(&h, UINT64_MAX, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", argv[2], why);
		return 1;
	}

	config_init(&cfg);
	kv = strdup(argc > 3 ? argv[3] : "");
	snprintf(desc, sizeof(desc), "%s:%s", type, argc > 3 ? argv[3] : "");
	snprintf(src, sizeof(src), "file:%s", argv[2]);
	host.sink_desc = desc;
	info.prologue = hdr;
	info.prologue_len = ZFD_HDR_SIZE;
	info.mem_size = info.mem_size_orig = h.mem_size;
	info.extents = &extent;
	info.nr_extents = 1;
	info.trailer_len = ZFD_END_MARKER_SIZE;
	info.source = src;
	info.started = time(NULL);
	if (!kv || !drive_cfg(&cfg, type, kv)) {
		fprintf(stderr, "bad key=value list\n");
		return 2;
	}
	if (sink->configure(&host, config_lookup(&cfg, "sink"), &ctx))
		return 2;
	if (posix_memalign((void **)&buf, ZFD_ALIGN, BLOCK))
		return 1;
	dg = zfd_digest_new();
	t0 = now();
	for (;;) {
		extent.start = ZFD_HDR_SIZE;
		extent.size = info.mem_size;
		info.trailer_off = ZFD_HDR_SIZE + info.mem_size;
		info.size = info.trailer_off + ZFD_END_MARKER_SIZE;
		if (sink->prepare(ctx, &info, &capacity))
			goto out;
		if (capacity >= info.size)
			break;
		/* truncating sink: the memory that fits, whole pages */
		if (capacity <
		    ZFD_HDR_SIZE + ZFD_END_MARKER_SIZE + ZFD_PAGE_SIZE) {
			fprintf(stderr, "%s: no room for a dump\n", type);
			goto out;
		}
		info.mem_size = ZFD_ALIGN_DOWN(capacity - ZFD_HDR_SIZE -
						       ZFD_END_MARKER_SIZE,
					       (uint64_t)ZFD_PAGE_SIZE);
		zfd_s390_hdr_set_mem_size(hdr, info.mem_size);
		info.truncated = true;
	}
	if (sink->open(ctx, &info))
		goto out;
	zfd_digest_update(dg, hdr, sizeof(hdr));
	res.status = info.truncated ? ZFD_STATUS_TRUNCATED :
				      ZFD_STATUS_COMPLETE;
	for (off = 0; off < info.mem_size; off += b.len) {
		memset(&b, 0, sizeof(b));
		b.offset = ZFD_HDR_SIZE + off;
		b.mem_offset = off;
		b.len = (size_t)ZFD_MIN(BLOCK, info.mem_size - off);
		n = zfd_pread_full(fd, buf, b.len, ZFD_HDR_SIZE + off);
		if (n != (ssize_t)b.len) {
			res.status = ZFD_STATUS_INCOMPLETE;
			res.reason = "source image ends early";
			break;
		}
		b.data = buf;
		b.zero_map = zmap;
		b.nr_pages = (b.len + ZFD_PAGE_SIZE - 1) / ZFD_PAGE_SIZE;
		memset(zmap, 0, sizeof(zmap));
		for (p = 0; p < b.nr_pages; p++) {
			if (p * ZFD_PAGE_SIZE + ZFD_PAGE_SIZE <= b.len &&
			    zfd_is_zero(buf + p * ZFD_PAGE_SIZE,
					ZFD_PAGE_SIZE)) {
				zmap[p / 64] |= 1ULL << (p % 64);
				b.nr_zero_pages++;
			}
		}
		if (sink->write(ctx, &b)) {
			res.status = ZFD_STATUS_INCOMPLETE;
			res.reason = "write error";
			break;
		}
		zfd_digest_update(dg, buf, b.len);
		res.dumped_bytes += b.len;
		res.zero_pages += b.nr_zero_pages;
	}
	res.stored_end = ZFD_HDR_SIZE + res.dumped_bytes;
	res.prologue = hdr;
	zfd_s390_end_marker(end_marker, zfd_tod_now());
	if (res.status != ZFD_STATUS_INCOMPLETE) {
		res.trailer = end_marker;
		res.trailer_len = sizeof(end_marker);
		zfd_digest_update(dg, end_marker, sizeof(end_marker));
	}
	zfd_digest_string(dg, res.digest, sizeof(res.digest));
	res.finished = time(NULL);
	res.seconds = now() - t0;
	if (sink->finish(ctx, &info, &res) == 0 &&
	    res.status != ZFD_STATUS_INCOMPLETE)
		rc = 0;
out:
	sink->close(ctx);
	zfd_digest_free(dg);
	free(buf);
	free(kv);
	config_destroy(&cfg);
	close(fd);
	return rc;
}
