// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * extfs-feed: drives the extfs sink through its descriptor the way the
 * daemon does (configure, prepare, open, write 1 MiB blocks with zero-page
 * maps, finish, close), from an s390 dump image file stored in the s390
 * format (sink ABI 2: the header is the prologue, memory X at 4096 + X,
 * the end marker is the trailer). For fault injection the daemon cannot
 * do: --kill-after BYTES raises SIGKILL in the middle of the dump,
 * --fail-after BYTES ends it as incomplete, --delay-ms N sleeps N ms
 * before each 1 MiB block (a slow source, for the time-based commits).
 *
 * The key "format" (the host's) may only be "s390" here.
 *
 * usage: extfs-feed [--root DIR] [--memmap FILE] [--ask y|n|none]
 *		     [--kill-after N] [--fail-after N] [--delay-ms N] [--dry-run]
 *		     IMAGE 'key = value; ...'
 * ask: without --ask, questions are answered from stdin ('y'/'n' line;
 * EOF = no answer). Exit: 0 complete, 1 failed/incomplete, 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libconfig.h>

#include "digest.h"
#include "fmt_s390.h"
#include "util.h"

extern const struct zfd_sink zfd_sink_entry;

#define BLK_SIZE   (1U << 20)
#define MAX_CHUNKS 256

static int ask_mode = -2; /* -2: stdin, else fixed answer */

static void feed_vlog(const struct zfd_host *host, int level, const char *fmt,
		      va_list ap)
{
	if (level & ZFD_LOG_PLAIN)
		fprintf(stderr, "zfcpdump: ");
	else
		fprintf(stderr, "extfs: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static int feed_ask(const struct zfd_host *host, const char *q, unsigned int t)
{
	char line[64];

	fprintf(stderr, "%s\n", q);
	if (ask_mode != -2)
		return ask_mode;
	if (!fgets(line, sizeof(line), stdin))
		return -ETIMEDOUT;
	return line[0] == 'y' || line[0] == 'Y';
}

static size_t read_memmap(const char *path, struct zfd_range *r)
{
	unsigned long long s, l;
	size_t n = 0;
	FILE *fp = fopen(path, "r");

	if (!fp) {
		perror(path);
		exit(2);
	}
	while (n < MAX_CHUNKS && fscanf(fp, "%llx %llx", &s, &l) == 2 && l) {
		r[n].start = s;
		r[n].size = l;
		n++;
	}
	fclose(fp);
	return n;
}

static bool in_chunks(const struct zfd_range *r, size_t n, uint64_t off)
{
	size_t i;

	if (!n)
		return true;
	for (i = 0; i < n; i++)
		if (off >= r[i].start && off < r[i].start + r[i].size)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "root", 1, NULL, 'r' },	{ "memmap", 1, NULL, 'm' },
		{ "ask", 1, NULL, 'a' },	{ "kill-after", 1, NULL, 'k' },
		{ "fail-after", 1, NULL, 'f' }, { "dry-run", 0, NULL, 'n' },
		{ "delay-ms", 1, NULL, 'd' },	{ NULL, 0, NULL, 0 }
	};
	uint64_t kill_after = UINT64_MAX, fail_after = UINT64_MAX, capacity,
		 off;
	struct zfd_range chunks[MAX_CHUNKS], whole, extents[MAX_CHUNKS];
	struct zfd_dump_info info = { 0 };
	struct zfd_result res = { 0 };
	struct zfd_host host = { 0 };
	struct zfd_s390_hdr hdr;
	struct zfd_digest *dg;
	struct timespec t0, t1;
	uint8_t hbuf[ZFD_HDR_SIZE], em[ZFD_END_MARKER_SIZE], *buf;
	uint64_t zmap[BLK_SIZE / ZFD_PAGE_SIZE / 64];
	const char *memmap = NULL, *root = "/", *format;
	char text[8192], desc[600];
	config_setting_t *sink;
	size_t nr_chunks = 0, i;
	unsigned long delay_ms = 0;
	bool dry = false;
	config_t cfg;
	void *ctx;
	FILE *img;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'm':
			memmap = optarg;
			break;
		case 'a':
			ask_mode = !strcmp(optarg, "y") ? 1 :
				   !strcmp(optarg, "n") ? 0 :
							  -ETIMEDOUT;
			break;
		case 'k':
			zfd_parse_size(optarg, &kill_after);
			break;
		case 'f':
			zfd_parse_size(optarg, &fail_after);
			break;
		case 'n':
			dry = true;
			break;
		case 'd':
			delay_ms = strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr,
			"usage: extfs-feed [options] IMAGE 'key = value; ...'\n");
		return 2;
	}
	img = fopen(argv[optind], "rb");
	if (!img || fread(hbuf, 1, sizeof(hbuf), img) != sizeof(hbuf)) {
		perror(argv[optind]);
		return 2;
	}
	zfd_s390_hdr_decode(hbuf, &hdr);
	if (memmap)
		nr_chunks = read_memmap(memmap, chunks);
	if (!nr_chunks) {
		whole.start = 0;
		whole.size = hdr.mem_size;
	}

	config_init(&cfg);
	snprintf(text, sizeof(text), "sink = { type = \"extfs\"; %s };",
		 argv[optind + 1]);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		fprintf(stderr, "config: line %d: %s\n",
			config_error_line(&cfg), config_error_text(&cfg));
		return 2;
	}
	sink = config_lookup(&cfg, "sink");
	if (config_setting_lookup_string(sink, "format", &format) &&
	    strcmp(format, "s390")) {
		fprintf(stderr,
			"extfs-feed: stores the s390 format only, not '%s' "
			"(elf is tested under the daemon)\n",
			format);
		return 2;
	}

	host.abi = ZFD_SINK_ABI;
	host.vlog = feed_vlog;
	host.ask = feed_ask;
	host.root = root;
	snprintf(desc, sizeof(desc), "extfs:%s", argv[optind + 1]);
	host.sink_desc = "extfs";
	host.verbosity = 1;

	info.format = "s390";
	info.prologue = hbuf;
	info.prologue_len = ZFD_HDR_SIZE;
	info.trailer_off = ZFD_HDR_SIZE + hdr.mem_size;
	info.trailer_len = ZFD_END_MARKER_SIZE;
	info.size = info.trailer_off + ZFD_END_MARKER_SIZE;
	for (i = 0; i < (nr_chunks ? nr_chunks : 1); i++) {
		const struct zfd_range *ch = nr_chunks ? &chunks[i] : &whole;

		extents[i].start = ZFD_HDR_SIZE + ch->start;
		extents[i].size = ch->size;
	}
	info.extents = extents;
	info.nr_extents = nr_chunks ? nr_chunks : 1;
	info.mem_size = info.mem_size_orig = hdr.mem_size;
	info.source = argv[optind];
	info.started = time(NULL);
	info.dry_run = dry;

	if (zfd_sink_entry.configure(&host, sink, &ctx)) {
		config_destroy(&cfg);
		fclose(img);
		return 2;
	}
	rc = zfd_sink_entry.prepare(ctx, &info, &capacity);
	if (!rc && !dry)
		rc = zfd_sink_entry.open(ctx, &info);
	if (rc || dry) {
		zfd_sink_entry.close(ctx);
		config_destroy(&cfg);
		fclose(img);
		return rc ? 1 : 0;
	}
	buf = aligned_alloc(ZFD_ALIGN, BLK_SIZE);
	dg = zfd_digest_new();
	zfd_digest_update(dg, hbuf, sizeof(hbuf));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	res.status = ZFD_STATUS_COMPLETE;
	for (off = 0; off < hdr.mem_size; off += BLK_SIZE) {
		struct zfd_block blk = { 0 };
		size_t len = (size_t)ZFD_MIN(BLK_SIZE, hdr.mem_size - off);

		if (off >= fail_after) {
			res.status = ZFD_STATUS_INCOMPLETE;
			res.reason = "stopped by --fail-after";
			break;
		}
		if (off >= kill_after)
			raise(SIGKILL);
		if (delay_ms) {
			struct timespec d = { (time_t)(delay_ms / 1000),
					      (long)(delay_ms % 1000) *
						      1000000 };

			nanosleep(&d, NULL);
		}
		memset(buf, 0, BLK_SIZE);
		if (fread(buf, 1, len, img) != len) {
			perror("read");
			return 2;
		}
		memset(zmap, 0, sizeof(zmap));
		blk.offset = ZFD_HDR_SIZE + off;
		blk.mem_offset = off;
		blk.data = buf;
		blk.len = len;
		blk.kind = in_chunks(chunks, nr_chunks, off) ? ZFD_BLK_DATA :
							       ZFD_BLK_HOLE;
		blk.zero_map = zmap;
		blk.nr_pages = (len + ZFD_PAGE_SIZE - 1) / ZFD_PAGE_SIZE;
		for (i = 0; i < blk.nr_pages; i++) {
			if (zfd_is_zero(buf + i * ZFD_PAGE_SIZE,
					ZFD_PAGE_SIZE)) {
				zmap[i / 64] |= 1ULL << (i % 64);
				blk.nr_zero_pages++;
			}
		}
		res.zero_pages += blk.nr_zero_pages;
		if (blk.kind == ZFD_BLK_HOLE)
			res.hole_bytes += len;
		if (zfd_sink_entry.write(ctx, &blk)) {
			res.status = ZFD_STATUS_INCOMPLETE;
			res.reason = "sink write failed";
			break;
		}
		zfd_digest_update(dg, buf, len);
		res.dumped_bytes += len;
		res.stored_end = blk.offset + len;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	res.finished = time(NULL);
	res.seconds = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	res.prologue = hbuf;
	if (res.status == ZFD_STATUS_COMPLETE) {
		zfd_s390_end_marker(em, zfd_tod_now());
		zfd_digest_update(dg, em, ZFD_END_MARKER_SIZE);
		res.trailer = em;
		res.trailer_len = ZFD_END_MARKER_SIZE;
	}
	zfd_digest_string(dg, res.digest, sizeof(res.digest));
	rc = zfd_sink_entry.finish(ctx, &info, &res);
	zfd_sink_entry.close(ctx);
	zfd_digest_free(dg);
	free(buf);
	fclose(img);
	config_destroy(&cfg);
	if (rc || res.status != ZFD_STATUS_COMPLETE)
		return 1;
	printf("complete %.3f s\n", res.seconds);
	return 0;
}
