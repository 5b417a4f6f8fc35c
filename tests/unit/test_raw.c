// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the raw sink (src/sinks/raw/raw.c linked in, driven
 * through its zfd_sink_entry with the mock host), on partition image
 * files in a private temporary directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "be.h"
#include "fmt_s390.h"
#include "manifest.h"
#include "mock_host.h"
#include "util.h"

extern const struct zfd_sink zfd_sink_entry;
static const struct zfd_sink *sink = &zfd_sink_entry;

#define MiB	 (1024 * 1024)
#define BLK	 MiB
#define OLD_FILL 0xa5
#define MAN_MAX	 ZFD_MANIFEST_MAX
#define MSG_LEN	 (3 * PATH_MAX)

struct env {
	char dir[PATH_MAX];
	char img[PATH_MAX + 16];
	struct zfd_mock_host mh;
	config_t cfg;
	void *ctx;
	uint8_t hdr[ZFD_HDR_SIZE];
	uint8_t em[ZFD_END_MARKER_SIZE];
	uint8_t *mem;
	uint64_t mem_size;
	struct zfd_range ext[4];
	struct zfd_dump_info info;
};

/* ------------------------------------------------------------ helpers */

static uint64_t raw_need(uint64_t mem)
{
	return ZFD_ALIGN_UP(ZFD_HDR_SIZE + mem + ZFD_END_MARKER_SIZE,
			    ZFD_PAGE_SIZE) +
	       MAN_MAX;
}

static void make_file(const char *path, uint64_t size, int fill)
{
	uint8_t buf[65536];
	uint64_t done = 0;
	size_t n;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	memset(buf, fill, sizeof(buf));
	while (done < size) {
		n = (size_t)ZFD_MIN(sizeof(buf), size - done);
		assert_int_equal(fwrite(buf, 1, n, f), n);
		done += n;
	}
	assert_int_equal(fclose(f), 0);
}

static uint8_t *read_file(const char *path, uint64_t *size)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(zfd_pread_full(fd, buf, (size_t)st.st_size, 0),
			 st.st_size);
	close(fd);
	*size = (uint64_t)st.st_size;
	return buf;
}

/* Deterministic memory: zero pages, text pages, pseudo-random pages. */
static void fill_mem(uint8_t *mem, uint64_t size)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL, i, p;

	for (p = 0; p * ZFD_PAGE_SIZE < size; p++) {
		uint8_t *pg = mem + p * ZFD_PAGE_SIZE;
		size_t len = (size_t)ZFD_MIN(ZFD_PAGE_SIZE,
					     size - p * ZFD_PAGE_SIZE);

		switch (p % 5) {
		case 0:
		case 3:
			memset(pg, 0, len);
			break;
		case 1:
			for (i = 0; i < len; i++)
				pg[i] = "crash dump text "[i % 16];
			break;
		default:
			for (i = 0; i < len; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				pg[i] = (uint8_t)x;
			}
		}
	}
}

static void make_hdr(uint8_t *buf, uint64_t mem_size)
{
	struct zfd_s390_hdr h;

	memset(&h, 0, sizeof(h));
	h.magic = ZFD_S390_MAGIC;
	h.version = 5;
	h.hdr_size = ZFD_HDR_SIZE;
	h.dump_level = 4;
	h.page_size = ZFD_PAGE_SIZE;
	h.mem_size = mem_size;
	h.mem_end = mem_size - 1;
	h.num_pages = (uint32_t)((mem_size + 4095) / 4096);
	h.tod = zfd_tod_from_unix(1790000000, 0);
	h.arch = ZFD_S390_ARCH_S390X;
	h.build_arch = ZFD_S390_ARCH_S390X;
	h.mem_size_real = mem_size;
	h.cpu_cnt = 2;
	h.real_cpu_cnt = 2;
	h.lc_vec[0] = 0x20000;
	h.lc_vec[1] = 0x22000;
	zfd_s390_hdr_encode(&h, buf);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "%s/zfd-raw.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->img, sizeof(e->img), "%s/part.img", e->dir);
	zfd_mock_host_init(&e->mh, "raw:part.img");
	config_init(&e->cfg);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[PATH_MAX + 32];

	if (e->ctx)
		sink->close(e->ctx);
	config_destroy(&e->cfg);
	free(e->mem);
	chmod(e->img, 0644);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
	free(e);
	return 0;
}

/* Parses text as a config file (so settings have FILE:LINE). */
static const config_setting_t *parse_cfg(struct env *e, const char *text)
{
	char path[PATH_MAX + 16];
	config_setting_t *s;
	FILE *f;

	snprintf(path, sizeof(path), "%s/test.conf", e->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(config_read_file(&e->cfg, path), CONFIG_TRUE);
	s = config_lookup(&e->cfg, "sink");
	assert_non_null(s);
	return s;
}

static int configure(struct env *e, const char *extra)
{
	char text[2 * PATH_MAX];

	snprintf(text, sizeof(text),
		 "sink = {\n  type = \"raw\";\n  device = \"%s\";\n%s};\n",
		 e->img, extra ? extra : "");
	return sink->configure(&e->mh.host, parse_cfg(e, text), &e->ctx);
}

/*
 * What the core's s390 format hands the sink (sink ABI 2): the header as
 * prologue, memory X at 4096 + X, the end marker behind it.
 */
static void set_s390_layout(struct env *e)
{
	uint64_t mem = e->info.mem_size;

	e->info.format = "s390";
	e->info.prologue = e->hdr;
	e->info.prologue_len = ZFD_HDR_SIZE;
	e->info.trailer_off = ZFD_HDR_SIZE + mem;
	e->info.trailer_len = ZFD_END_MARKER_SIZE;
	e->info.size = ZFD_HDR_SIZE + mem + ZFD_END_MARKER_SIZE;
	e->ext[0].start = ZFD_HDR_SIZE;
	e->ext[0].size = mem;
	e->info.extents = e->ext;
	e->info.nr_extents = 1;
}

static void set_dump(struct env *e, uint64_t mem_size)
{
	free(e->mem);
	e->mem = aligned_alloc(ZFD_ALIGN, ZFD_ALIGN_UP(mem_size, ZFD_ALIGN));
	assert_non_null(e->mem);
	e->mem_size = mem_size;
	fill_mem(e->mem, mem_size);
	make_hdr(e->hdr, mem_size);
	memset(&e->info, 0, sizeof(e->info));
	e->info.mem_size = mem_size;
	e->info.mem_size_orig = mem_size;
	set_s390_layout(e);
	e->info.source = "file:test";
	e->info.started = 1790000000;
}

/*
 * Hands e->mem [from, to) to the sink in 1 MiB blocks, stored at
 * stored + (offset - from).
 */
static int send_range(struct env *e, uint64_t stored, uint64_t from,
		      uint64_t to)
{
	static uint64_t zmap[BLK / ZFD_PAGE_SIZE / 64];
	struct zfd_block b;
	uint64_t off;
	size_t p;
	int rc;

	for (off = from; off < to; off += b.len) {
		memset(&b, 0, sizeof(b));
		memset(zmap, 0, sizeof(zmap));
		b.offset = stored + (off - from);
		b.mem_offset = off;
		b.len = (size_t)ZFD_MIN(BLK, to - off);
		b.data = e->mem + off;
		b.kind = ZFD_BLK_DATA;
		b.zero_map = zmap;
		b.nr_pages = (b.len + ZFD_PAGE_SIZE - 1) / ZFD_PAGE_SIZE;
		for (p = 0; p < b.nr_pages; p++) {
			size_t plen = ZFD_MIN(ZFD_PAGE_SIZE,
					      b.len - p * ZFD_PAGE_SIZE);
			const uint8_t *pg = e->mem + off + p * ZFD_PAGE_SIZE;
			size_t i;

			for (i = 0; i < plen && !pg[i]; i++)
				;
			if (i == plen) {
				zmap[p / 64] |= 1ULL << (p % 64);
				b.nr_zero_pages++;
			}
		}
		rc = sink->write(e->ctx, &b);
		if (rc)
			return rc;
	}
	return 0;
}

/* Hands memory [from, to) to the sink as the s390 format stores it. */
static int write_range(struct env *e, uint64_t from, uint64_t to)
{
	return send_range(e, ZFD_HDR_SIZE + from, from, to);
}

/* The result the tests finish with; reason only for an incomplete dump. */
static void result_init(struct zfd_result *r, enum zfd_status status,
			uint64_t dumped, const char *reason)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	r->dumped_bytes = dumped;
	r->finished = 1790000010;
	r->seconds = 10.0;
	snprintf(r->digest, sizeof(r->digest),
		 "xxh3-128:00112233445566778899aabbccddeeff");
	if (status == ZFD_STATUS_INCOMPLETE)
		r->reason = reason;
}

static int finish(struct env *e, enum zfd_status status, uint64_t dumped)
{
	struct zfd_result r;

	result_init(&r, status, dumped, "read error at 2097152");
	r.stored_end = ZFD_HDR_SIZE + dumped;
	zfd_s390_end_marker(e->em, zfd_tod_from_unix(1790000010, 0));
	r.prologue = e->hdr;
	if (status != ZFD_STATUS_INCOMPLETE) {
		r.trailer = e->em;
		r.trailer_len = ZFD_END_MARKER_SIZE;
	}
	return sink->finish(e->ctx, &e->info, &r);
}

static uint64_t magic_of(const char *path)
{
	uint8_t b[8];
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(zfd_pread_full(fd, b, 8, 0), 8);
	close(fd);
	return zfd_get_be64(b);
}

static void parse_manifest(const uint8_t *img, uint64_t mem,
			   struct zfd_manifest *m)
{
	const uint8_t *man = img + raw_need(mem) - MAN_MAX;
	char why[128];

	assert_int_equal(zfd_manifest_parse((const char *)man, MAN_MAX, m, why,
					    sizeof(why)),
			 0);
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Checks the complete layout of a finished dump in the image file. */
static void check_layout(struct env *e, const uint8_t *img, uint64_t size,
			 const char *status, uint64_t dumped, bool end_marker)
{
	uint64_t em = ZFD_HDR_SIZE + e->info.mem_size;
	uint64_t man = raw_need(e->info.mem_size) - MAN_MAX;
	struct zfd_manifest m;
	uint64_t v;
	size_t tlen;

	assert_true(size >= raw_need(e->info.mem_size));
	assert_memory_equal(img, e->hdr, ZFD_HDR_SIZE);
	assert_memory_equal(img + ZFD_HDR_SIZE, e->mem, dumped);
	if (end_marker) {
		assert_true(zfd_s390_end_marker_check(img + em, &v));
		assert_int_equal(v, zfd_tod_from_unix(1790000010, 0));
	} else {
		assert_true(all_bytes(img + em, ZFD_END_MARKER_SIZE, 0));
	}
	/* zeros up to the manifest block */
	assert_true(all_bytes(img + em + 16, (size_t)(man - em - 16), 0));
	parse_manifest(img, e->info.mem_size, &m);
	assert_string_equal(zfd_manifest_get(&m, "status"), status);
	assert_string_equal(zfd_manifest_get(&m, "format"), "s390");
	assert_string_equal(zfd_manifest_get(&m, "sink"), "raw:part.img");
	assert_int_equal(zfd_manifest_get_u64(&m, "dumped_bytes", &v), 0);
	assert_int_equal(v, dumped);
	assert_int_equal(zfd_manifest_get_u64(&m, "mem_size", &v), 0);
	assert_int_equal(v, e->info.mem_size);
	/* the manifest block is NUL padded */
	tlen = strnlen((const char *)img + man, MAN_MAX);
	assert_true(tlen < MAN_MAX);
	assert_true(all_bytes(img + man + tlen, MAN_MAX - tlen, 0));
	/* nothing written behind the manifest block */
	assert_true(all_bytes(img + man + MAN_MAX,
			      (size_t)(size - man - MAN_MAX), OLD_FILL));
}

static int run_prepare(struct env *e, uint64_t *max)
{
	return sink->prepare(e->ctx, &e->info, max);
}

/* -------------------------------------------------------------- tests */

static void test_complete_layout(void **state)
{
	struct env *e = *state;
	uint64_t max, size, mem = 3 * MiB;
	uint8_t *img;

	set_dump(e, mem);
	make_file(e->img, raw_need(mem) + 3 * 4096, OLD_FILL);
	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), 0);
	/* capacity in stored bytes: the device less the manifest block */
	assert_int_equal(max, raw_need(mem) + 3 * 4096 - MAN_MAX);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	assert_int_equal(write_range(e, 0, mem), 0);
	assert_int_equal(finish(e, ZFD_STATUS_COMPLETE, mem), 0);
	img = read_file(e->img, &size);
	assert_int_equal(size, raw_need(mem) + 3 * 4096);
	check_layout(e, img, size, "complete", mem, true);
	free(img);
}

static void test_exact_fit_and_repeat(void **state)
{
	struct env *e = *state;
	uint64_t max, size, mem = 2 * MiB;
	uint8_t *img;
	int pass;

	set_dump(e, mem);
	make_file(e->img, raw_need(mem), OLD_FILL);
	assert_int_equal(configure(e,
				   "  direct = \"no\";\n  sparse = false;\n"),
			 0);
	/* A pass may be repeated after a new prepare() (failover). */
	for (pass = 0; pass < 2; pass++) {
		assert_int_equal(run_prepare(e, &max), 0);
		/* room for header, memory and the end marker's page */
		assert_int_equal(max, ZFD_HDR_SIZE + mem + ZFD_PAGE_SIZE);
		assert_int_equal(sink->open(e->ctx, &e->info), 0);
		assert_int_equal(write_range(e, 0, mem), 0);
		assert_int_equal(finish(e, ZFD_STATUS_COMPLETE, mem), 0);
	}
	/* open() without prepare() is refused */
	assert_int_equal(sink->open(e->ctx, &e->info), -EINVAL);
	img = read_file(e->img, &size);
	assert_int_equal(size, raw_need(mem));
	check_layout(e, img, size, "complete", mem, true);
	free(img);
}

static void test_magic_zero_until_finish(void **state)
{
	struct env *e = *state;
	uint64_t max, mem = 3 * MiB;
	uint8_t old_hdr[ZFD_HDR_SIZE];
	int fd;

	set_dump(e, mem);
	make_file(e->img, raw_need(mem), OLD_FILL);
	/* an older complete dump of the same size on the target */
	make_hdr(old_hdr, mem);
	fd = open(e->img, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(zfd_pwrite_full(fd, old_hdr, sizeof(old_hdr), 0),
			 sizeof(old_hdr));
	close(fd);
	assert_int_equal(magic_of(e->img), ZFD_S390_MAGIC);

	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(magic_of(e->img), ZFD_S390_MAGIC); /* untouched */
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	assert_int_equal(magic_of(e->img), 0);
	assert_int_equal(write_range(e, 0, 2 * MiB), 0);
	assert_int_equal(magic_of(e->img), 0);
	assert_int_equal(write_range(e, 2 * MiB, mem), 0);
	assert_int_equal(magic_of(e->img), 0);
	assert_int_equal(finish(e, ZFD_STATUS_COMPLETE, mem), 0);
	assert_int_equal(magic_of(e->img), ZFD_S390_MAGIC);
}

static void test_incomplete(void **state)
{
	struct env *e = *state;
	uint64_t max, size, mem = 4 * MiB, em = ZFD_HDR_SIZE + 4 * MiB;
	uint8_t stale[ZFD_END_MARKER_SIZE];
	struct zfd_manifest m;
	uint8_t *img;
	int fd;

	set_dump(e, mem);
	make_file(e->img, raw_need(mem) + 4096, OLD_FILL);
	/* stale end marker exactly where this dump's would go */
	zfd_s390_end_marker(stale, 12345);
	fd = open(e->img, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(zfd_pwrite_full(fd, stale, sizeof(stale), em),
			 sizeof(stale));
	close(fd);

	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	assert_int_equal(write_range(e, 0, 2 * MiB), 0);
	/* the source failed: the core finishes the pass as incomplete */
	assert_int_equal(finish(e, ZFD_STATUS_INCOMPLETE, 2 * MiB), 0);

	img = read_file(e->img, &size);
	assert_memory_equal(img, e->hdr, ZFD_HDR_SIZE);
	assert_memory_equal(img + ZFD_HDR_SIZE, e->mem, 2 * MiB);
	/* no end marker, and the stale one is gone */
	assert_false(zfd_s390_end_marker_check(img + em, NULL));
	assert_true(all_bytes(img + em, ZFD_END_MARKER_SIZE, 0));
	parse_manifest(img, mem, &m);
	assert_string_equal(zfd_manifest_get(&m, "status"), "incomplete");
	assert_string_equal(zfd_manifest_get(&m, "dumped_bytes"), "2097152");
	assert_string_equal(zfd_manifest_get(&m, "reason"),
			    "read error at 2097152");
	free(img);
}

static void test_claims_no_more_than_written(void **state)
{
	struct env *e = *state;
	uint64_t max, size, mem = 3 * MiB;
	struct zfd_manifest m;
	uint8_t *img;

	set_dump(e, mem);
	make_file(e->img, raw_need(mem), OLD_FILL);
	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	assert_int_equal(write_range(e, 0, 1 * MiB), 0);
	/* a block out of order is refused */
	assert_int_equal(write_range(e, 2 * MiB, 3 * MiB), -EINVAL);
	assert_true(zfd_mock_host_logged(&e->mh, "out of order"));
	/* a "complete" result for memory that never came is not believed */
	assert_int_equal(finish(e, ZFD_STATUS_COMPLETE, mem), 0);
	img = read_file(e->img, &size);
	assert_false(zfd_s390_end_marker_check(img + ZFD_HDR_SIZE + mem, NULL));
	parse_manifest(img, mem, &m);
	assert_string_equal(zfd_manifest_get(&m, "status"), "incomplete");
	assert_string_equal(zfd_manifest_get(&m, "dumped_bytes"), "1048576");
	free(img);
}

/* A complete pass over memory [0, mem) of e; returns the device image. */
static uint8_t *dump_complete(struct env *e, uint64_t mem, uint64_t *size)
{
	uint64_t max;

	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	assert_int_equal(write_range(e, 0, mem), 0);
	assert_int_equal(finish(e, ZFD_STATUS_COMPLETE, mem), 0);
	return read_file(e->img, size);
}

static void test_partial_last_page(void **state)
{
	struct env *e = *state;
	uint64_t size, mem = MiB + 8192 + 100;
	uint8_t *img;

	set_dump(e, mem);
	make_file(e->img, raw_need(mem), OLD_FILL);
	img = dump_complete(e, mem, &size);
	check_layout(e, img, size, "complete", mem, true);
	free(img);
}

static void test_zero_blocks(void **state)
{
	struct env *e = *state;
	static const char *const opts[] = {
		"",
		"  sparse = false;\n",
		"  direct = \"yes\";\n",
	};
	uint64_t max, size, mem = 4 * MiB;
	uint8_t *img;
	size_t i;

	for (i = 0; i < ZFD_ARRAY_SIZE(opts); i++) {
		set_dump(e, mem);
		/* a whole zero block between data blocks */
		memset(e->mem + MiB, 0, MiB);
		make_file(e->img, raw_need(mem), OLD_FILL);
		if (e->ctx)
			sink->close(e->ctx);
		e->ctx = NULL;
		config_destroy(&e->cfg);
		config_init(&e->cfg);
		assert_int_equal(configure(e, opts[i]), 0);
		assert_int_equal(run_prepare(e, &max), 0);
		assert_int_equal(sink->open(e->ctx, &e->info), 0);
		assert_int_equal(write_range(e, 0, mem), 0);
		assert_int_equal(finish(e, ZFD_STATUS_COMPLETE, mem), 0);
		img = read_file(e->img, &size);
		assert_true(all_bytes(img + ZFD_HDR_SIZE + MiB, MiB, 0));
		check_layout(e, img, size, "complete", mem, true);
		free(img);
	}
}

/* Is the page at off of the file a hole (no data allocated)? */
static bool page_is_hole(int fd, uint64_t off)
{
	off_t d = lseek(fd, (off_t)off, SEEK_DATA);

	return d < 0 || (uint64_t)d >= off + ZFD_PAGE_SIZE;
}

/*
 * Must the zero page p of e->mem stay a hole? Pages of a zero run of 8 or
 * more pages, or at the start or end of its block, do (the raw sink writes
 * shorter runs between data pages together with them).
 */
static bool want_hole(struct env *e, uint64_t p)
{
	uint64_t pages = BLK / ZFD_PAGE_SIZE, first = p / pages * pages;
	uint64_t last = ZFD_MIN(first + pages, e->mem_size / ZFD_PAGE_SIZE);
	uint64_t a = p, b = p;

	while (a > first &&
	       all_bytes(e->mem + (a - 1) * ZFD_PAGE_SIZE, ZFD_PAGE_SIZE, 0))
		a--;
	while (b + 1 < last &&
	       all_bytes(e->mem + (b + 1) * ZFD_PAGE_SIZE, ZFD_PAGE_SIZE, 0))
		b++;
	return a == first || b + 1 == last || b + 1 - a >= 8;
}

/*
 * Zero pages inside blocks that also hold data (fill_mem: runs of one and
 * two pages; and a longer run): on a fresh image file the runs of 8 pages
 * and more and those at a block's edge stay holes, nothing is written
 * there; over an older dump (old bytes, some of them already holes) every
 * zero page reads as zeros. Data pages are always data.
 */
static void test_zero_pages_holes(void **state)
{
	struct env *e = *state;
	uint64_t size, mem = 4 * MiB, p;
	uint8_t *img;
	int fd, pass;

	for (pass = 0; pass < 2; pass++) {
		set_dump(e, mem);
		/* a zero run across the old file's hole/data border */
		memset(e->mem + MiB + 256 * 1024, 0, 512 * 1024);
		if (pass == 0) {
			fd = open(e->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			assert_true(fd >= 0);
			assert_int_equal(ftruncate(fd, (off_t)raw_need(mem)),
					 0);
		} else {
			make_file(e->img, raw_need(mem), OLD_FILL);
			fd = open(e->img, O_WRONLY);
			assert_true(fd >= 0);
			/* old holes: [1 MiB, 1.5 MiB) and [3 MiB, 3 MiB + 12 KiB) */
			assert_int_equal(fallocate(fd,
						   FALLOC_FL_PUNCH_HOLE |
							   FALLOC_FL_KEEP_SIZE,
						   ZFD_HDR_SIZE + MiB,
						   512 * 1024),
					 0);
			assert_int_equal(fallocate(fd,
						   FALLOC_FL_PUNCH_HOLE |
							   FALLOC_FL_KEEP_SIZE,
						   ZFD_HDR_SIZE + 3 * MiB,
						   3 * 4096),
					 0);
		}
		close(fd);
		if (e->ctx)
			sink->close(e->ctx);
		e->ctx = NULL;
		config_destroy(&e->cfg);
		config_init(&e->cfg);
		img = dump_complete(e, mem, &size);
		assert_int_equal(size, raw_need(mem));
		assert_memory_equal(img, e->hdr, ZFD_HDR_SIZE);
		assert_memory_equal(img + ZFD_HDR_SIZE, e->mem, mem);
		if (pass == 1) {
			check_layout(e, img, size, "complete", mem, true);
		} else {
			fd = open(e->img, O_RDONLY);
			assert_true(fd >= 0);
			for (p = 0; p < mem; p += ZFD_PAGE_SIZE) {
				bool hole = page_is_hole(fd, ZFD_HDR_SIZE + p);

				if (!all_bytes(e->mem + p, ZFD_PAGE_SIZE, 0))
					assert_false(hole);
				else if (want_hole(e, p / ZFD_PAGE_SIZE))
					assert_true(hole);
			}
			close(fd);
		}
		free(img);
	}
}

static void test_too_small_unchanged(void **state)
{
	struct env *e = *state;
	uint64_t max, size, size2, mem = 2 * MiB;
	uint8_t *before, *after;
	char msg[MSG_LEN];

	set_dump(e, mem);
	make_file(e->img, raw_need(mem) - 4096, OLD_FILL);
	before = read_file(e->img, &size);
	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), -ENOSPC);
	snprintf(msg, sizeof(msg),
		 "device %s too small: %" PRIu64 " bytes, need %" PRIu64,
		 e->img, size, raw_need(mem));
	assert_true(zfd_mock_host_logged(&e->mh, msg));
	/* the stored bytes it could hold: 12 bytes short of the end marker */
	assert_int_equal(max, ZFD_HDR_SIZE + mem);
	/* open() after a failed prepare() is refused too */
	assert_int_equal(sink->open(e->ctx, &e->info), -EINVAL);
	after = read_file(e->img, &size2);
	assert_int_equal(size, size2);
	assert_memory_equal(before, after, size);
	free(before);
	free(after);
}

static void test_truncate(void **state)
{
	struct env *e = *state;
	uint64_t max, size, v, mem = 3 * MiB, dev = raw_need(2 * MiB) + 100;
	struct zfd_manifest m;
	uint8_t *img;

	set_dump(e, mem);
	make_file(e->img, dev, OLD_FILL);
	assert_int_equal(configure(e, "  truncate = true;\n"), 0);
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(max, ZFD_HDR_SIZE + 2 * MiB + ZFD_PAGE_SIZE);
	assert_true(zfd_mock_host_logged(&e->mh, "will be truncated"));
	/*
	 * What the core then does: the largest page-aligned memory whose
	 * s390 dump fits into the capacity, a truncated header and layout.
	 */
	max = ZFD_ALIGN_DOWN(max - ZFD_HDR_SIZE - ZFD_END_MARKER_SIZE,
			     ZFD_PAGE_SIZE);
	assert_int_equal(max, 2 * MiB);
	zfd_s390_hdr_set_mem_size(e->hdr, max);
	e->info.mem_size = max;
	e->info.truncated = true;
	set_s390_layout(e);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	assert_int_equal(write_range(e, 0, max), 0);
	assert_int_equal(finish(e, ZFD_STATUS_TRUNCATED, max), 0);
	img = read_file(e->img, &size);
	assert_int_equal(size, dev);
	check_layout(e, img, size, "truncated", max, true);
	assert_int_equal(zfd_get_be64(img + ZFD_S390_OFF_MEM_SIZE), 2 * MiB);
	parse_manifest(img, max, &m);
	assert_int_equal(zfd_manifest_get_u64(&m, "mem_size_orig", &v), 0);
	assert_int_equal(v, mem);
	free(img);

	/* smaller than header + end marker + manifest: nothing fits */
	make_file(e->img, 8192, OLD_FILL);
	assert_int_equal(run_prepare(e, &max), -ENOSPC);
	assert_int_equal(max, 4096);
}

static void test_open_rechecks_size(void **state)
{
	struct env *e = *state;
	uint64_t max, size, mem = 2 * MiB;
	uint8_t *img;

	set_dump(e, mem);
	make_file(e->img, raw_need(MiB), OLD_FILL);
	assert_int_equal(configure(e, "  truncate = true;\n"), 0);
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(max, ZFD_HDR_SIZE + MiB + ZFD_PAGE_SIZE);
	/* a core that ignores the capacity gets -ENOSPC, nothing written */
	assert_int_equal(sink->open(e->ctx, &e->info), -ENOSPC);
	img = read_file(e->img, &size);
	assert_true(all_bytes(img, (size_t)size, OLD_FILL));
	free(img);
}

static void test_read_only(void **state)
{
	struct env *e = *state;
	uint64_t max, size, mem = MiB;
	uint8_t *img;
	char msg[MSG_LEN];

	set_dump(e, mem);
	make_file(e->img, raw_need(mem), OLD_FILL);
	assert_int_equal(chmod(e->img, 0444), 0);
	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), -EROFS);
	snprintf(msg, sizeof(msg), "device %s is read-only", e->img);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
	img = read_file(e->img, &size);
	assert_true(all_bytes(img, (size_t)size, OLD_FILL));
	free(img);
}

static void test_missing(void **state)
{
	struct env *e = *state;
	uint64_t max;
	char msg[MSG_LEN];

	set_dump(e, MiB);
	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), -ENOENT);
	snprintf(msg, sizeof(msg), "device %s does not exist", e->img);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
	/* prepare() never creates the target */
	assert_int_equal(access(e->img, F_OK), -1);
}

static void test_tag_not_found(void **state)
{
	struct env *e = *state;
	const config_setting_t *s;
	uint64_t max;

	set_dump(e, MiB);
	s = parse_cfg(e,
		      "sink = { type = \"raw\";\n"
		      "  device = \"PARTLABEL=zfd-no-such-label-4711\"; };\n");
	assert_int_equal(sink->configure(&e->mh.host, s, &e->ctx), 0);
	assert_int_equal(run_prepare(e, &max), -ENODEV);
	assert_true(zfd_mock_host_logged(
		&e->mh,
		"no device with PARTLABEL=zfd-no-such-label-4711 found (libblkid)"));
}

static void test_not_a_device(void **state)
{
	struct env *e = *state;
	const config_setting_t *s;
	uint64_t max;

	set_dump(e, MiB);
	s = parse_cfg(e,
		      "sink = { type = \"raw\"; device = \"/dev/null\"; };\n");
	assert_int_equal(sink->configure(&e->mh.host, s, &e->ctx), 0);
	assert_int_equal(run_prepare(e, &max), -ENODEV);
	assert_true(zfd_mock_host_logged(
		&e->mh,
		"device /dev/null is neither a block device nor a regular file"));
}

static void test_mounted(void **state)
{
	struct env *e = *state;
	char root[PATH_MAX + 16], path[PATH_MAX + 32], msg[MSG_LEN];
	uint64_t max, size, mem = MiB;
	uint8_t *img;
	FILE *f;

	set_dump(e, mem);
	make_file(e->img, raw_need(mem), OLD_FILL);
	snprintf(root, sizeof(root), "%s/root", e->dir);
	snprintf(path, sizeof(path), "%s/proc", root);
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc/mounts", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "proc /proc proc rw 0 0\n%s /mnt/dumps ext4 rw 0 0\n",
		e->img);
	assert_int_equal(fclose(f), 0);
	e->mh.host.root = root;

	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), -EBUSY);
	snprintf(msg, sizeof(msg), "device %s is mounted on /mnt/dumps",
		 e->img);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
	img = read_file(e->img, &size);
	assert_true(all_bytes(img, (size_t)size, OLD_FILL));
	free(img);
}

static void test_unknown_key(void **state)
{
	struct env *e = *state;
	char text[PATH_MAX * 2], msg[MSG_LEN];

	snprintf(text, sizeof(text),
		 "# raw sink\nsink = {\n  type = \"raw\";\n  device = \"%s\";\n"
		 "  truncat = true;\n};\n",
		 e->img);
	assert_int_equal(sink->configure(&e->mh.host, parse_cfg(e, text),
					 &e->ctx),
			 -EINVAL);
	assert_null(e->ctx);
	snprintf(msg, sizeof(msg),
		 "%s/test.conf:5: unknown key 'truncat' for sink type 'raw'",
		 e->dir);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
}

static void test_bad_values(void **state)
{
	struct env *e = *state;
	char msg[MSG_LEN];

	assert_int_equal(
		sink->configure(&e->mh.host,
				parse_cfg(e,
					  "sink = {\n  type = \"raw\";\n};\n"),
				&e->ctx),
		-EINVAL);
	snprintf(msg, sizeof(msg),
		 "%s/test.conf:1: sink type 'raw' needs a 'device'", e->dir);
	assert_true(zfd_mock_host_logged(&e->mh, msg));

	config_destroy(&e->cfg);
	config_init(&e->cfg);
	assert_int_equal(configure(e, "  truncate = \"maybe\";\n"), -EINVAL);
	snprintf(msg, sizeof(msg),
		 "%s/test.conf:4: 'truncate' must be true or false", e->dir);
	assert_true(zfd_mock_host_logged(&e->mh, msg));

	config_destroy(&e->cfg);
	config_init(&e->cfg);
	assert_int_equal(configure(e, "  direct = \"always\";\n"), -EINVAL);
	assert_true(zfd_mock_host_logged(
		&e->mh, "'direct' must be one of auto, yes, no, not 'always'"));
	assert_null(e->ctx);
}

/* Settings made with -o arrive without a file: strings for booleans. */
static void test_cmdline_strings(void **state)
{
	struct env *e = *state;
	config_setting_t *root, *g, *s;
	uint64_t max, mem = 2 * MiB;

	set_dump(e, mem);
	make_file(e->img, raw_need(MiB), OLD_FILL);
	root = config_root_setting(&e->cfg);
	g = config_setting_add(root, "sink", CONFIG_TYPE_GROUP);
	s = config_setting_add(g, "type", CONFIG_TYPE_STRING);
	config_setting_set_string(s, "raw");
	s = config_setting_add(g, "device", CONFIG_TYPE_STRING);
	config_setting_set_string(s, e->img);
	s = config_setting_add(g, "truncate", CONFIG_TYPE_STRING);
	config_setting_set_string(s, "true");
	assert_int_equal(sink->configure(&e->mh.host, g, &e->ctx), 0);
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(max, ZFD_HDR_SIZE + MiB + ZFD_PAGE_SIZE);
	sink->close(e->ctx);
	e->ctx = NULL;

	s = config_setting_add(g, "bogus", CONFIG_TYPE_STRING);
	config_setting_set_string(s, "1");
	assert_int_equal(sink->configure(&e->mh.host, g, &e->ctx), -EINVAL);
	assert_true(zfd_mock_host_logged(
		&e->mh, "-o raw: unknown key 'bogus' for sink type 'raw'"));
}

/* Runs a complete pass of the prepared dump onto the target. */
static void full_pass(struct env *e)
{
	uint64_t max;

	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	assert_int_equal(write_range(e, 0, e->mem_size), 0);
	assert_int_equal(finish(e, ZFD_STATUS_COMPLETE, e->mem_size), 0);
}

static void run_cmd(const char *fmt, const char *arg)
{
	char cmd[2 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	assert_int_equal(system(cmd), 0);
}

/* Issue 12 #16: a filesystem on the target is refused unless force. */
static void test_signature_refused(void **state)
{
	struct env *e = *state;
	uint64_t max, size, mem = MiB;
	uint8_t *before, *after;
	char msg[MSG_LEN];

	set_dump(e, mem);
	make_file(e->img, raw_need(mem) + 4 * MiB, 0);
	run_cmd("mke2fs -q -F -t ext3 '%s' >/dev/null 2>&1", e->img);
	before = read_file(e->img, &size);
	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), -EEXIST);
	snprintf(msg, sizeof(msg),
		 "device %s holds data (ext3 filesystem); refusing to overwrite it without force = true",
		 e->img);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
	after = read_file(e->img, &size);
	assert_memory_equal(before, after, (size_t)size);
	free(after);
	free(before);

	/* force = true: overwritten, and said so */
	sink->close(e->ctx);
	e->ctx = NULL;
	assert_int_equal(configure(e, "  force = true;\n"), 0);
	full_pass(e);
	snprintf(msg, sizeof(msg),
		 "device %s holds data (ext3 filesystem); overwriting it (force = true)",
		 e->img);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
	assert_int_equal(magic_of(e->img), ZFD_S390_MAGIC);
}

/* A partition table and a swap signature count as data, too. */
static void test_signature_kinds(void **state)
{
	struct env *e = *state;
	uint8_t mbr[512] = { 0 };
	uint64_t max, mem = MiB;
	char msg[MSG_LEN];
	int fd;

	set_dump(e, mem);
	make_file(e->img, raw_need(mem) + 4 * MiB, 0);
	/* one Linux partition at sector 2048, and the boot signature */
	mbr[446 + 4] = 0x83;
	zfd_put_le32(mbr + 446 + 8, 2048);
	zfd_put_le32(mbr + 446 + 12, 2048);
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	fd = open(e->img, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(zfd_pwrite_full(fd, mbr, sizeof(mbr), 0), sizeof(mbr));
	close(fd);
	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), -EEXIST);
	snprintf(msg, sizeof(msg), "device %s holds data (dos partition table)",
		 e->img);
	assert_true(zfd_mock_host_logged(&e->mh, msg));

	make_file(e->img, raw_need(mem) + 4 * MiB, 0);
	run_cmd("mkswap '%s' >/dev/null 2>&1", e->img);
	assert_int_equal(run_prepare(e, &max), -EEXIST);
	snprintf(msg, sizeof(msg), "device %s holds data (swap signature)",
		 e->img);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
}

/*
 * Issue 12 #17: our own dump is overwritten without force (the normal
 * re-dump), and the line says which dump is lost.
 */
static void test_overwrite_says_so(void **state)
{
	struct env *e = *state;
	uint64_t max, mem = MiB;
	char date[32], msg[MSG_LEN];
	int fd;

	set_dump(e, mem);
	make_file(e->img, raw_need(mem), OLD_FILL);
	assert_int_equal(configure(e, NULL), 0);
	full_pass(e);
	assert_false(zfd_mock_host_logged(&e->mh, "overwriting"));
	full_pass(e);
	zfd_format_utc(1790000000, date, sizeof(date));
	snprintf(msg, sizeof(msg), "overwriting complete dump of %s on %s",
		 date, e->img);
	assert_true(zfd_mock_host_logged(&e->mh, msg));

	/* without its end marker it is an incomplete one */
	fd = open(e->img, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(zfd_pwrite_full(fd, "XXXX", 4, ZFD_HDR_SIZE + mem), 4);
	close(fd);
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	snprintf(msg, sizeof(msg), "overwriting incomplete dump of %s on %s",
		 date, e->img);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
	assert_int_equal(finish(e, ZFD_STATUS_INCOMPLETE, 0), 0);
}

/* Issue 12 #18: an image file ends up 0640 or stricter. */
static void test_mode_restricted(void **state)
{
	struct env *e = *state;
	static const struct {
		mode_t before, after;
	} cases[] = {
		{ 0644, 0640 }, { 0666, 0640 }, { 04755, 0640 },
		{ 0600, 0600 }, { 0640, 0640 }, { 0620, 0600 },
	};
	struct stat st;
	size_t i;

	set_dump(e, MiB);
	make_file(e->img, raw_need(MiB), OLD_FILL);
	assert_int_equal(configure(e, NULL), 0);
	for (i = 0; i < ZFD_ARRAY_SIZE(cases); i++) {
		assert_int_equal(chmod(e->img, cases[i].before), 0);
		full_pass(e);
		assert_int_equal(stat(e->img, &st), 0);
		assert_int_equal(st.st_mode & 07777, cases[i].after);
	}
	assert_true(zfd_mock_host_logged(&e->mh, "changed from 0644 to 0640"));
}

/* Issue 12 #7: a target locked by another process is refused. */
static void test_locked(void **state)
{
	struct env *e = *state;
	uint64_t max, size, mem = MiB;
	char msg[MSG_LEN];
	uint8_t *img;
	int fd;

	set_dump(e, mem);
	make_file(e->img, raw_need(mem), OLD_FILL);
	assert_int_equal(configure(e, NULL), 0);
	fd = open(e->img, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(run_prepare(e, &max), -EBUSY);
	snprintf(msg, sizeof(msg), "target %s is in use by another process",
		 e->img);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
	img = read_file(e->img, &size);
	assert_true(all_bytes(img, (size_t)size, OLD_FILL));
	free(img);
	close(fd);

	/* the sink holds the lock from prepare() to the end of the pass */
	assert_int_equal(run_prepare(e, &max), 0);
	fd = open(e->img, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	assert_int_equal(write_range(e, 0, mem), 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(finish(e, ZFD_STATUS_COMPLETE, mem), 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
}

/* Issue 12 #24: /dev/... specs are looked up below --root. */
static void test_root_dev_path(void **state)
{
	struct env *e = *state;
	char path[PATH_MAX + 32], msg[MSG_LEN];
	const config_setting_t *s;
	uint64_t max, mem = MiB;

	set_dump(e, mem);
	snprintf(path, sizeof(path), "%s/dev", e->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dev/sdz2", e->dir);
	make_file(path, raw_need(mem), OLD_FILL);
	e->mh.host.root = e->dir;
	s = parse_cfg(e,
		      "sink = { type = \"raw\"; device = \"/dev/sdz2\"; };\n");
	assert_int_equal(sink->configure(&e->mh.host, s, &e->ctx), 0);
	full_pass(e);
	assert_int_equal(magic_of(path), ZFD_S390_MAGIC);

	/* and a missing one is named with the path looked at */
	sink->close(e->ctx);
	e->ctx = NULL;
	s = parse_cfg(e,
		      "sink = { type = \"raw\"; device = \"/dev/sdz3\"; };\n");
	assert_int_equal(sink->configure(&e->mh.host, s, &e->ctx), 0);
	assert_int_equal(run_prepare(e, &max), -ENOENT);
	snprintf(msg, sizeof(msg),
		 "device /dev/sdz3 (%s/dev/sdz3) does not exist", e->dir);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
}

/* ---------------------------------------------- format elf (ABI 2) */

#define ELF_PRO	 (2 * ZFD_PAGE_SIZE) /* prologue_len */
#define ELF_GAP	 (64 * 1024)	     /* a packed format's hole */
#define ELF_NOTE "OSRELEASE=6.1.0-test\n"

struct elf_dump {
	uint8_t *pro;	  /* prologue as at open */
	uint8_t *fin;	  /* final prologue (res->prologue) */
	uint64_t load[2]; /* memory offset of each extent */
	uint64_t at[2];	  /* its stored offset */
	uint64_t len[2];  /* its size */
};

static void put_phdr(uint8_t *ph, uint32_t type, uint64_t off, uint64_t paddr,
		     uint64_t size)
{
	zfd_put_le32(ph, type);
	zfd_put_le32(ph + 4, type == 1 ? 7 : 0);
	zfd_put_le64(ph + 8, off);
	zfd_put_le64(ph + 16, paddr ? 0xffff880000000000ULL + paddr : 0);
	zfd_put_le64(ph + 24, paddr);
	zfd_put_le64(ph + 32, size);
	zfd_put_le64(ph + 40, size);
	zfd_put_le64(ph + 48, type == 1 ? ZFD_PAGE_SIZE : 0);
}

/*
 * A hand-built x86_64 ELF core as the core's elf format hands it (packed):
 * memory [0, 1 MiB) at ELF_PRO, a hole of ELF_GAP stored bytes, then
 * memory [1 MiB, 1 MiB + second) (physical 2 MiB up). tail_hole: the dump
 * ends hole_len bytes behind the last extent (a trailing hole).
 */
static void set_elf_dump(struct env *e, struct elf_dump *d, uint64_t second,
			 uint64_t tail_hole)
{
	size_t nlen = 12 + 12 + ZFD_ALIGN_UP(sizeof(ELF_NOTE) - 1, 4);
	uint8_t *n;

	set_dump(e, MiB + second);
	d->pro = aligned_alloc(ZFD_ALIGN, ELF_PRO);
	d->fin = aligned_alloc(ZFD_ALIGN, ELF_PRO);
	assert_non_null(d->pro);
	assert_non_null(d->fin);
	memset(d->pro, 0, ELF_PRO);
	memcpy(d->pro, "\177ELF\2\1\1", 7);
	zfd_put_le16(d->pro + 16, 4);  /* ET_CORE */
	zfd_put_le16(d->pro + 18, 62); /* EM_X86_64 */
	zfd_put_le32(d->pro + 20, 1);
	zfd_put_le64(d->pro + 32, 64); /* e_phoff */
	zfd_put_le16(d->pro + 52, 64);
	zfd_put_le16(d->pro + 54, 56);
	zfd_put_le16(d->pro + 56, 3);
	d->load[0] = 0;
	d->at[0] = ELF_PRO;
	d->len[0] = MiB;
	d->load[1] = MiB;
	d->at[1] = ELF_PRO + MiB + ELF_GAP;
	d->len[1] = second;
	put_phdr(d->pro + 64, 4, 64 + 3 * 56, 0, nlen);
	put_phdr(d->pro + 64 + 56, 1, d->at[0], 0x1000, d->len[0]);
	put_phdr(d->pro + 64 + 112, 1, d->at[1], 2 * MiB, d->len[1]);
	n = d->pro + 64 + 3 * 56;
	zfd_put_le32(n, 11);
	zfd_put_le32(n + 4, (uint32_t)(sizeof(ELF_NOTE) - 1));
	memcpy(n + 12, "VMCOREINFO", 11);
	memcpy(n + 24, ELF_NOTE, sizeof(ELF_NOTE) - 1);
	/* the final prologue differs: it is the one that must end up at 0 */
	memcpy(d->fin, d->pro, ELF_PRO);
	d->fin[ELF_PRO - 1] = 0x5a;

	e->info.format = "elf";
	e->info.prologue = d->pro;
	e->info.prologue_len = ELF_PRO;
	e->info.size = d->at[1] + d->len[1] + tail_hole;
	e->info.trailer_off = e->info.size;
	e->info.trailer_len = 0;
	e->ext[0].start = d->at[0];
	e->ext[0].size = d->len[0];
	e->ext[1].start = d->at[1];
	e->ext[1].size = d->len[1];
	e->info.extents = e->ext;
	e->info.nr_extents = 2;
	e->info.arch = "x86_64";
	e->info.kernel = "6.1.0-test";
}

static void free_elf_dump(struct elf_dump *d)
{
	free(d->pro);
	free(d->fin);
}

static int write_elf(struct env *e, const struct elf_dump *d, int extents)
{
	int i, rc;

	for (i = 0; i < extents; i++) {
		rc = send_range(e, d->at[i], d->load[i],
				d->load[i] + d->len[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int finish_elf(struct env *e, const struct elf_dump *d,
		      enum zfd_status status, uint64_t dumped)
{
	struct zfd_result r;

	result_init(&r, status, dumped, "read error at 1048576");
	r.prologue = d->fin;
	return sink->finish(e->ctx, &e->info, &r);
}

/* The manifest of an elf dump: at the next 4 KiB boundary behind it. */
static void parse_elf_manifest(const uint8_t *img, uint64_t size,
			       struct zfd_manifest *m)
{
	char why[128];

	assert_int_equal(zfd_manifest_parse((const char *)img +
						    ZFD_ALIGN_UP(size,
								 ZFD_PAGE_SIZE),
					    MAN_MAX, m, why, sizeof(why)),
			 0);
}

static void check_elf(struct env *e, const struct elf_dump *d,
		      const uint8_t *img, uint64_t isize, const char *status,
		      int extents)
{
	uint64_t size = e->info.size, man = ZFD_ALIGN_UP(size, ZFD_PAGE_SIZE);
	struct zfd_manifest m;
	int i;

	assert_memory_equal(img, d->fin, ELF_PRO);
	for (i = 0; i < extents; i++)
		assert_memory_equal(img + d->at[i], e->mem + d->load[i],
				    d->len[i]);
	if (extents == 2) {
		/* the skipped hole, and a trailing one, read as zeros */
		assert_true(all_bytes(img + d->at[0] + d->len[0], ELF_GAP, 0));
		assert_true(all_bytes(img + d->at[1] + d->len[1],
				      (size_t)(man - d->at[1] - d->len[1]), 0));
	}
	parse_elf_manifest(img, size, &m);
	assert_string_equal(zfd_manifest_get(&m, "status"), status);
	assert_string_equal(zfd_manifest_get(&m, "format"), "elf");
	assert_string_equal(zfd_manifest_get(&m, "arch"), "x86_64");
	assert_string_equal(zfd_manifest_get(&m, "kernel"), "6.1.0-test");
	/* nothing written behind the manifest block */
	assert_true(all_bytes(img + man + MAN_MAX,
			      (size_t)(isize - man - MAN_MAX), OLD_FILL));
}

static void test_elf_layout(void **state)
{
	struct env *e = *state;
	static const uint64_t cases[][2] = {
		{ MiB + 100, 0 },	 /* partial last page */
		{ MiB, 2 * 4096 + 100 }, /* trailing hole */
		{ 2 * MiB, 0 },
	};
	struct elf_dump d;
	uint64_t max, size, dev;
	char date[32], msg[MSG_LEN];
	uint8_t *img;
	size_t i;

	for (i = 0; i < ZFD_ARRAY_SIZE(cases); i++) {
		set_elf_dump(e, &d, cases[i][0], cases[i][1]);
		dev = raw_need(e->info.size - ZFD_HDR_SIZE -
			       ZFD_END_MARKER_SIZE) +
		      2 * 4096;
		make_file(e->img, dev, OLD_FILL);
		if (e->ctx)
			sink->close(e->ctx);
		e->ctx = NULL;
		config_destroy(&e->cfg);
		config_init(&e->cfg);
		/* the host's key "format" is known to the sink */
		assert_int_equal(
			configure(e,
				  i == 2 ?
					  "  format = \"elf\";\n  direct = \"yes\";\n" :
					  "  format = \"elf\";\n"),
			0);
		assert_int_equal(run_prepare(e, &max), 0);
		assert_int_equal(max, ZFD_ALIGN_DOWN(dev - MAN_MAX, 4096));
		assert_int_equal(sink->open(e->ctx, &e->info), 0);
		/* the placeholder prologue: zeros */
		img = read_file(e->img, &size);
		assert_true(all_bytes(img, ELF_PRO, 0));
		free(img);
		assert_int_equal(write_elf(e, &d, 2), 0);
		assert_int_equal(finish_elf(e, &d, ZFD_STATUS_COMPLETE,
					    e->mem_size),
				 0);
		img = read_file(e->img, &size);
		assert_int_equal(size, dev);
		check_elf(e, &d, img, size, "complete", 2);
		free(img);

		/* the next pass names it */
		assert_int_equal(run_prepare(e, &max), 0);
		assert_int_equal(sink->open(e->ctx, &e->info), 0);
		zfd_format_utc(1790000000, date, sizeof(date));
		snprintf(msg, sizeof(msg),
			 "overwriting complete dump of %s on %s", date, e->img);
		assert_true(zfd_mock_host_logged(&e->mh, msg));
		assert_int_equal(write_elf(e, &d, 2), 0);
		assert_int_equal(finish_elf(e, &d, ZFD_STATUS_COMPLETE,
					    e->mem_size),
				 0);
		free_elf_dump(&d);
	}
}

static void test_elf_incomplete(void **state)
{
	struct env *e = *state;
	struct elf_dump d;
	uint64_t max, size;
	char date[32], msg[MSG_LEN];
	struct zfd_manifest m;
	uint8_t *img;

	set_elf_dump(e, &d, MiB, 0);
	make_file(e->img, raw_need(4 * MiB), OLD_FILL);
	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	assert_int_equal(write_elf(e, &d, 1), 0);
	/* a block in the middle of the hole is no extent start */
	assert_int_equal(send_range(e, d.at[0] + d.len[0] + 4096, MiB, 2 * MiB),
			 -EINVAL);
	assert_true(zfd_mock_host_logged(&e->mh, "out of order"));
	/* "complete" for data that never came is not believed */
	assert_int_equal(finish_elf(e, &d, ZFD_STATUS_COMPLETE, e->mem_size),
			 0);
	assert_true(zfd_mock_host_logged(&e->mh, "dump marked incomplete"));
	img = read_file(e->img, &size);
	check_elf(e, &d, img, size, "incomplete", 1);
	parse_elf_manifest(img, e->info.size, &m);
	assert_string_equal(zfd_manifest_get(&m, "dumped_bytes"), "1048576");
	free(img);

	/* the core's incomplete pass: the same, with its reason */
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	zfd_format_utc(1790000000, date, sizeof(date));
	snprintf(msg, sizeof(msg), "overwriting incomplete dump of %s on %s",
		 date, e->img);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
	assert_int_equal(write_elf(e, &d, 1), 0);
	assert_int_equal(finish_elf(e, &d, ZFD_STATUS_INCOMPLETE, MiB), 0);
	img = read_file(e->img, &size);
	check_elf(e, &d, img, size, "incomplete", 1);
	parse_elf_manifest(img, e->info.size, &m);
	assert_string_equal(zfd_manifest_get(&m, "reason"),
			    "read error at 1048576");
	free(img);

	/* a pass that dies before finish() leaves no ELF header */
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	assert_int_equal(write_elf(e, &d, 2), 0);
	sink->close(e->ctx);
	e->ctx = NULL;
	assert_int_equal(magic_of(e->img), 0);
	free_elf_dump(&d);
}

/* An ELF file without our manifest behind it is no dump of ours. */
static void test_elf_foreign(void **state)
{
	struct env *e = *state;
	struct elf_dump d;
	uint64_t max;
	int fd;

	set_elf_dump(e, &d, MiB, 0);
	make_file(e->img, raw_need(4 * MiB), OLD_FILL);
	fd = open(e->img, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(zfd_pwrite_full(fd, d.fin, ELF_PRO, 0), ELF_PRO);
	close(fd);
	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(sink->open(e->ctx, &e->info), 0);
	assert_false(zfd_mock_host_logged(&e->mh, "overwriting"));
	assert_int_equal(write_elf(e, &d, 2), 0);
	assert_int_equal(finish_elf(e, &d, ZFD_STATUS_COMPLETE, e->mem_size),
			 0);
	free_elf_dump(&d);
}

/* Capacity in stored bytes; too small without truncate: -ENOSPC. */
static void test_elf_capacity(void **state)
{
	struct env *e = *state;
	struct elf_dump d;
	uint64_t max, size, dev = MiB + 4096 + 100;
	uint8_t *before, *after;
	char msg[MSG_LEN];

	set_elf_dump(e, &d, MiB, 0);
	make_file(e->img, dev, OLD_FILL);
	before = read_file(e->img, &size);
	assert_int_equal(configure(e, NULL), 0);
	assert_int_equal(run_prepare(e, &max), -ENOSPC);
	assert_int_equal(max, MiB);
	snprintf(msg, sizeof(msg),
		 "device %s too small: %" PRIu64 " bytes, need %" PRIu64,
		 e->img, dev, ZFD_ALIGN_UP(e->info.size, 4096) + MAN_MAX);
	assert_true(zfd_mock_host_logged(&e->mh, msg));
	sink->close(e->ctx);
	e->ctx = NULL;
	/* truncate: the capacity, for the core to build a smaller dump */
	assert_int_equal(configure(e, "  truncate = true;\n"), 0);
	assert_int_equal(run_prepare(e, &max), 0);
	assert_int_equal(max, MiB);
	/* a core that ignores it gets -ENOSPC, nothing written */
	assert_int_equal(sink->open(e->ctx, &e->info), -ENOSPC);
	after = read_file(e->img, &size);
	assert_memory_equal(before, after, (size_t)size);
	free(before);
	free(after);
	free_elf_dump(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_complete_layout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exact_fit_and_repeat,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_magic_zero_until_finish,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_incomplete, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_claims_no_more_than_written,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_last_page, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_zero_blocks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_zero_pages_holes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_too_small_unchanged, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_rechecks_size, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tag_not_found, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_a_device, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mounted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_strings, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_signature_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_signature_kinds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_overwrite_says_so, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mode_restricted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_dev_path, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_elf_layout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_elf_incomplete, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_elf_foreign, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_elf_capacity, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
