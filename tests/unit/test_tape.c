// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the tape sink through its descriptor, against the
 * simulated drive (src/sinks/tape/tape_sim.c): exact record structure,
 * byte-exact data, manifest, and every refusal and end-of-tape path.
 * Sink ABI 2: the dump descriptions are built here as the host builds
 * them (s390: header prologue, memory at 4096 + X, end-marker trailer;
 * elf: a packed stream without a trailer).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libconfig.h>

#include "digest.h"
#include "fmt_s390.h"
#include "manifest.h"
#include "mock_host.h"
#include "tape_scsi.h"
#include "tape_sim.h"
#include "util.h"

extern const struct zfd_sink zfd_sink_entry;
static const struct zfd_sink *S = &zfd_sink_entry;

struct fixture {
	struct zfd_mock_host mh;
	struct tape_sim *sim;
	config_t cfg;
	void *ctx;
	uint8_t hdr[ZFD_HDR_SIZE];
	uint8_t trailer[ZFD_END_MARKER_SIZE];
	uint8_t *mem;
	uint64_t mem_size;
	struct zfd_range extent;
	struct zfd_dump_info info;
	struct zfd_result res;
};

static struct fixture F;

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	zfd_mock_host_init(&F.mh, "tape:auto");
	F.sim = tape_sim_new();
	assert_non_null(F.sim);
	tape_sim_current = F.sim;
	tape_backend_open = tape_sim_open;
	config_init(&F.cfg);
	return 0;
}

static int teardown(void **state)
{
	if (F.ctx)
		S->close(F.ctx);
	config_destroy(&F.cfg);
	tape_sim_free(F.sim);
	free(F.mem);
	return 0;
}

/* configure() with the sink group given as libconfig text. */
static int configure(const char *keys)
{
	char text[512];

	snprintf(text, sizeof(text), "sink = { type = \"tape\"; %s };", keys);
	assert_int_equal(config_read_string(&F.cfg, text), CONFIG_TRUE);
	return S->configure(&F.mh.host, config_lookup(&F.cfg, "sink"), &F.ctx);
}

/* Memory with a recognisable pattern; every 5th page zero. */
static void make_dump(uint64_t mem_size)
{
	struct zfd_s390_hdr h;
	uint64_t i;

	F.mem_size = mem_size;
	F.mem = malloc(mem_size + ZFD_ALIGN);
	assert_non_null(F.mem);
	for (i = 0; i < mem_size; i++)
		F.mem[i] = (uint8_t)(i * 7 + (i >> 12) * 13 + 1);
	for (i = 0; i < mem_size; i += 5 * 4096)
		memset(F.mem + i, 0, ZFD_MIN(4096, mem_size - i));

	memset(&h, 0, sizeof(h));
	h.magic = ZFD_S390_MAGIC;
	h.version = 5;
	h.hdr_size = 4096;
	h.page_size = 4096;
	h.mem_size = mem_size;
	h.mem_end = mem_size - 1;
	h.num_pages = (uint32_t)(mem_size / 4096);
	h.arch = ZFD_S390_ARCH_S390X;
	h.cpu_cnt = 1;
	zfd_s390_hdr_encode(&h, F.hdr);

	F.info.format = "s390";
	F.info.prologue = F.hdr;
	F.info.prologue_len = ZFD_HDR_SIZE;
	F.info.size = ZFD_HDR_SIZE + mem_size + ZFD_END_MARKER_SIZE;
	F.info.trailer_off = ZFD_HDR_SIZE + mem_size;
	F.info.trailer_len = ZFD_END_MARKER_SIZE;
	F.extent.start = ZFD_HDR_SIZE;
	F.extent.size = mem_size;
	F.info.extents = &F.extent;
	F.info.nr_extents = 1;
	F.info.mem_size = mem_size;
	F.info.mem_size_orig = mem_size;
	F.info.source = "file:test.img";
	F.info.started = 1795000000;
}

/* One data block: F.mem[at, at + len) at offset, memory at mem_offset. */
static int write_data(uint64_t offset, uint64_t mem_offset, uint64_t at,
		      size_t len)
{
	uint64_t words[64] = { 0 };
	struct zfd_block blk = {
		.offset = offset,
		.mem_offset = mem_offset,
		.data = F.mem + at,
		.len = len,
		.kind = ZFD_BLK_DATA,
		.zero_map = words,
		.nr_pages = (len + 4095) / 4096,
	};

	return S->write(F.ctx, &blk);
}

static int feed(uint64_t from, uint64_t len, size_t chunk)
{
	uint64_t off;
	size_t n;
	int rc;

	for (off = from; off < from + len; off += chunk) {
		n = (size_t)ZFD_MIN(chunk, from + len - off);
		rc = write_data(ZFD_HDR_SIZE + off, off, off, n);
		if (rc)
			return rc;
		F.res.dumped_bytes = off + n;
		F.res.stored_end = ZFD_HDR_SIZE + off + n;
	}
	return 0;
}

/*
 * F.res: status, times, prologue; returns the digest of its stored bytes
 * for the caller to update and hand to result_digest().
 */
static struct zfd_digest *result_start(enum zfd_status status,
				       const uint8_t *prologue)
{
	struct zfd_digest *d = zfd_digest_new();

	assert_non_null(d);
	F.res.status = status;
	F.res.finished = F.info.started + 3;
	F.res.seconds = 3.0;
	F.res.prologue = prologue;
	return d;
}

static void result_digest(struct zfd_digest *d)
{
	zfd_digest_string(d, F.res.digest, sizeof(F.res.digest));
	zfd_digest_free(d);
}

static void result(enum zfd_status status)
{
	struct zfd_digest *d = result_start(status, F.hdr);

	zfd_s390_end_marker(F.trailer, 0xd000000000000000ULL);
	zfd_digest_update(d, F.hdr, ZFD_HDR_SIZE);
	zfd_digest_update(d, F.mem, F.res.dumped_bytes);
	if (status != ZFD_STATUS_INCOMPLETE) {
		F.res.trailer = F.trailer;
		F.res.trailer_len = ZFD_END_MARKER_SIZE;
		zfd_digest_update(d, F.trailer, ZFD_END_MARKER_SIZE);
	}
	result_digest(d);
}

/* The manifest of the second tape file, parsed. */
static void tape_manifest(struct zfd_manifest *m)
{
	char why[128];
	size_t first;

	assert_int_equal(tape_sim_file_records(F.sim, 1, &first), 1);
	assert_int_equal(zfd_manifest_parse((char *)F.sim->recs[first].data,
					    F.sim->recs[first].len, m, why,
					    sizeof(why)),
			 0);
}

/* File 0 holds header, mem/bs records (+ end marker), byte-exact. */
static void check_dump_file(uint64_t bs, uint64_t mem_on_tape, bool em)
{
	size_t first, n, i, want = (size_t)((mem_on_tape + bs - 1) / bs);
	uint64_t off = 0;

	n = tape_sim_file_records(F.sim, 0, &first);
	assert_int_equal(first, 0);
	assert_int_equal(n, 1 + want + (em ? 1 : 0));
	assert_int_equal(F.sim->recs[0].len, ZFD_HDR_SIZE);
	assert_memory_equal(F.sim->recs[0].data, F.hdr, ZFD_HDR_SIZE);
	for (i = 1; i <= want; i++) {
		uint32_t len = F.sim->recs[i].len;

		assert_int_equal(len, ZFD_MIN(bs, mem_on_tape - off));
		assert_memory_equal(F.sim->recs[i].data, F.mem + off, len);
		off += len;
	}
	assert_int_equal(off, mem_on_tape);
	if (em) {
		assert_int_equal(F.sim->recs[i].len, ZFD_END_MARKER_SIZE);
		assert_memory_equal(F.sim->recs[i].data, F.trailer,
				    ZFD_END_MARKER_SIZE);
	}
	assert_true(F.sim->recs[first + n].filemark);
}

static void full_dump(uint64_t mem_size, size_t chunk, uint64_t bs)
{
	struct zfd_manifest m;
	uint64_t max = 0, v;

	make_dump(mem_size);
	assert_int_equal(S->prepare(F.ctx, &F.info, &max), 0);
	assert_true(max == UINT64_MAX);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	assert_int_equal(feed(0, mem_size, chunk), 0);
	result(ZFD_STATUS_COMPLETE);
	assert_int_equal(S->finish(F.ctx, &F.info, &F.res), 0);

	assert_int_equal(F.sim->block_len, 0); /* variable-block mode */
	assert_int_equal(F.sim->mode_selects, 1);
	check_dump_file(bs, mem_size, true);
	/* file 1: the manifest, then a filemark; nothing after it */
	tape_manifest(&m);
	assert_string_equal(zfd_manifest_get(&m, "status"), "complete");
	assert_string_equal(zfd_manifest_get(&m, "sink"), "tape:sim");
	assert_string_equal(zfd_manifest_get(&m, "digest"), F.res.digest);
	assert_int_equal(zfd_manifest_get_u64(&m, "dumped_bytes", &v), 0);
	assert_int_equal(v, mem_size);
	assert_int_equal(F.sim->nr,
			 1 + (mem_size + bs - 1) / bs + 1 + 1 + 1 + 1);
	assert_true(F.sim->recs[F.sim->nr - 1].filemark);
}

static void test_descriptor(void **state)
{
	assert_int_equal(S->abi, ZFD_SINK_ABI);
	assert_int_equal(S->size, sizeof(struct zfd_sink));
	assert_string_equal(S->name, "tape");
}

/* Default block size; 1 MiB blocks (no copying); short last record. */
static void test_complete_default(void **state)
{
	assert_int_equal(configure("device = \"sim\";"), 0);
	full_dump((4 << 20) + 12288, 1 << 20, 32768);
	/* rewound before and after */
	assert_int_equal(F.sim->rewinds, 2);
	assert_int_equal(F.sim->pos, 0);
}

/* Blocks that do not line up with records: the partial-record path. */
static void test_complete_unaligned(void **state)
{
	assert_int_equal(configure("device = \"auto\"; block_size = \"64K\";"),
			 0);
	full_dump((3 << 20) + 8192, 20480, 65536);
}

static void test_holes_as_zeros(void **state)
{
	uint8_t *zero;
	size_t i;

	assert_int_equal(configure("device = \"sim\"; block_size = 8192;"), 0);
	make_dump(65536);
	memset(F.mem + 16384, 0, 16384);
	assert_int_equal(S->prepare(F.ctx, &F.info, &(uint64_t){ 0 }), 0);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	assert_int_equal(feed(0, 16384, 4096), 0);
	{
		struct zfd_block hole = {
			.offset = ZFD_HDR_SIZE + 16384,
			.mem_offset = 16384,
			.data = NULL,
			.len = 16384,
			.kind = ZFD_BLK_HOLE,
		};
		assert_int_equal(S->write(F.ctx, &hole), 0);
	}
	assert_int_equal(feed(32768, 32768, 12288), 0);
	result(ZFD_STATUS_COMPLETE);
	assert_int_equal(S->finish(F.ctx, &F.info, &F.res), 0);
	check_dump_file(8192, 65536, true);
	zero = calloc(1, 8192);
	for (i = 3; i <= 4; i++)
		assert_memory_equal(F.sim->recs[i].data, zero, 8192);
	free(zero);
}

static void test_config_errors(void **state)
{
	assert_int_equal(configure("device = \"sim\"; blocksize = 4096;"),
			 -EINVAL);
	assert_true(zfd_mock_host_logged(&F.mh, "unknown key 'blocksize'"));
	F.ctx = NULL;
	config_destroy(&F.cfg);
	config_init(&F.cfg);
	assert_int_equal(configure("block_size = 1000;"), -EINVAL);
	assert_true(zfd_mock_host_logged(
		&F.mh, "block_size 1000 must be a multiple of 4096"));
	F.ctx = NULL;
	config_destroy(&F.cfg);
	config_init(&F.cfg);
	assert_int_equal(configure("rewind = \"maybe\";"), -EINVAL);
	F.ctx = NULL;
}

/* A prepare() that must fail with rc and message, writing nothing. */
static void refused(const char *keys, int rc, const char *msg)
{
	uint64_t max = 0;

	assert_int_equal(configure(keys), 0);
	make_dump(65536);
	F.sim->rewinds = 0;
	assert_int_equal(S->prepare(F.ctx, &F.info, &max), rc);
	if (!zfd_mock_host_logged(&F.mh, msg)) {
		fprintf(stderr, "log:\n%s", F.mh.log);
		fail_msg("log lacks '%s'", msg);
	}
	assert_int_equal(F.sim->nr, 0);
	assert_int_equal(F.sim->rewinds, 0);
	assert_int_equal(F.sim->mode_selects, 0);
}

/* The host's prefix names the device already: no second "sim: ". */
static void test_message_prefix(void **state)
{
	F.mh.host.sink_desc = "tape:sim";
	F.sim->write_protect = true;
	refused("device = \"sim\";", -EROFS,
		"tape is write-protected; nothing written");
	assert_null(strstr(F.mh.log, "sim: "));
}

static void test_not_a_tape(void **state)
{
	F.sim->pdt = 0;
	refused("device = \"sim\";", -ENOTTY,
		"sim is not a tape: INQUIRY reports peripheral type 0 (disk)");
}

static void test_write_protected(void **state)
{
	F.sim->write_protect = true;
	refused("device = \"sim\";", -EROFS,
		"sim: tape is write-protected; nothing written");
}

static void test_no_medium(void **state)
{
	F.sim->no_medium = true;
	refused("device = \"sim\";", -ENOMEDIUM,
		"sim: no tape loaded (Not Ready: Medium not present (ASC/ASCQ 3a/00))");
}

static void test_busy(void **state)
{
	F.sim->busy = true;
	refused("device = \"sim\";", -EBUSY, "device busy");
}

static void test_not_ready_timeout(void **state)
{
	F.sim->not_ready_polls = 1000;
	refused("device = \"sim\"; ready_timeout = 1;", -ETIMEDOUT,
		"sim: tape not ready after waiting 1 s (Not Ready: Logical unit is in process of becoming ready (ASC/ASCQ 04/01)); nothing written");
}

static void test_becoming_ready(void **state)
{
	F.sim->not_ready_polls = 3;
	assert_int_equal(configure("device = \"sim\";"), 0);
	full_dump(1 << 20, 1 << 20, 32768);
	assert_int_equal(F.sim->turs, 4);
	assert_true(zfd_mock_host_logged(&F.mh, "waiting up to 120 s"));
}

static void test_block_limits(void **state)
{
	F.sim->max_block = 65536;
	refused("device = \"sim\"; block_size = \"128K\";", -EINVAL,
		"block_size 131072 not supported: the drive writes blocks of 1 to 65536 bytes");
}

static void test_no_device(void **state)
{
	uint64_t max;

	assert_int_equal(configure("device = \"/dev/sg9\";"), 0);
	make_dump(65536);
	assert_int_equal(S->prepare(F.ctx, &F.info, &max), -ENOENT);
	assert_true(zfd_mock_host_logged(
		&F.mh, "/dev/sg9: No such file or directory; nothing written"));
}

/*
 * The drive reports early warning: stop, "tape full after N bytes",
 * then finish(INCOMPLETE) still writes a filemark and the manifest.
 */
static void test_tape_full_early_warning(void **state)
{
	struct zfd_manifest m;
	char want[64];
	uint64_t v, on_tape;

	assert_int_equal(configure("device = \"sim\";"), 0);
	make_dump(1 << 20);
	F.sim->capacity = 300000;
	F.sim->early_warning = 100000;
	assert_int_equal(S->prepare(F.ctx, &F.info, &(uint64_t){ 0 }), 0);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	assert_int_equal(feed(0, 1 << 20, 1 << 20), -ENOSPC);
	/* 4096 + k * 32768 > 300000 - 100000 first for k = 6 */
	on_tape = 6 * 32768;
	snprintf(want, sizeof(want), "tape full after %llu bytes",
		 (unsigned long long)on_tape);
	assert_true(zfd_mock_host_logged(&F.mh, want));

	F.res.dumped_bytes = 0; /* the core counted nothing of the block */
	F.res.reason = want;
	result(ZFD_STATUS_INCOMPLETE);
	assert_int_equal(S->finish(F.ctx, &F.info, &F.res), 0);
	check_dump_file(32768, on_tape, false);
	tape_manifest(&m);
	assert_string_equal(zfd_manifest_get(&m, "status"), "incomplete");
	assert_string_equal(zfd_manifest_get(&m, "reason"), want);
	assert_int_equal(zfd_manifest_get_u64(&m, "dumped_bytes", &v), 0);
	assert_int_equal(v, 0);
	assert_true(zfd_mock_host_logged(&F.mh, "dump incomplete"));
}

/* No early warning, straight into VOLUME OVERFLOW. */
static void test_tape_full_overflow(void **state)
{
	struct zfd_manifest m;

	assert_int_equal(configure("device = \"sim\";"), 0);
	make_dump(1 << 20);
	F.sim->capacity = 100000;
	assert_int_equal(S->prepare(F.ctx, &F.info, &(uint64_t){ 0 }), 0);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	assert_int_equal(feed(0, 1 << 20, 32768), -ENOSPC);
	assert_true(zfd_mock_host_logged(
		&F.mh, "tape full after 65536 bytes (volume overflow)"));
	/* later blocks are refused without touching the drive */
	assert_int_equal(feed(65536, 32768, 32768), -ENOSPC);
	result(ZFD_STATUS_INCOMPLETE);
	assert_int_equal(S->finish(F.ctx, &F.info, &F.res), 0);
	check_dump_file(32768, 65536, false);
	tape_manifest(&m);
	assert_string_equal(zfd_manifest_get(&m, "status"), "incomplete");
}

/* Not even room for the manifest: say so, and fail finish(). */
static void test_tape_full_no_manifest(void **state)
{
	assert_int_equal(configure("device = \"sim\";"), 0);
	make_dump(1 << 20);
	F.sim->capacity = 4096 + 32768;
	assert_int_equal(S->prepare(F.ctx, &F.info, &(uint64_t){ 0 }), 0);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	assert_int_equal(feed(0, 1 << 20, 1 << 20), -ENOSPC);
	result(ZFD_STATUS_INCOMPLETE);
	assert_int_not_equal(S->finish(F.ctx, &F.info, &F.res), 0);
	assert_true(zfd_mock_host_logged(&F.mh, "no room left for a filemark"));
	assert_true(zfd_mock_host_logged(&F.mh,
					 "the manifest could not be written"));
	assert_int_equal(tape_sim_file_records(F.sim, 0, NULL), 2);
}

/* Early warning on the very last record: the dump is still complete. */
static void test_early_warning_at_end(void **state)
{
	assert_int_equal(configure("device = \"sim\";"), 0);
	F.sim->capacity = 4096 + 65536 + 8192;
	F.sim->early_warning = 8192 + 1;
	full_dump(65536, 65536, 32768);
}

static void test_medium_error(void **state)
{
	struct zfd_manifest m;

	assert_int_equal(configure("device = \"sim\";"), 0);
	make_dump(1 << 20);
	F.sim->fail_write = 4; /* header, 2 records, then this */
	assert_int_equal(S->prepare(F.ctx, &F.info, &(uint64_t){ 0 }), 0);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	assert_int_equal(feed(0, 1 << 20, 1 << 20), -EIO);
	assert_true(zfd_mock_host_logged(
		&F.mh,
		"sim: WRITE(6) failed: Medium Error: Write error (ASC/ASCQ 0c/00)"));
	result(ZFD_STATUS_INCOMPLETE);
	assert_int_equal(S->finish(F.ctx, &F.info, &F.res), 0);
	check_dump_file(32768, 65536, false);
	tape_manifest(&m);
	assert_string_equal(zfd_manifest_get(&m, "status"), "incomplete");
}

/* The core says COMPLETE but the tape lost the end: never look complete. */
static void test_core_complete_tape_short(void **state)
{
	struct zfd_manifest m;

	assert_int_equal(configure("device = \"sim\";"), 0);
	make_dump(1 << 20);
	F.sim->capacity = 100000;
	assert_int_equal(S->prepare(F.ctx, &F.info, &(uint64_t){ 0 }), 0);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	assert_int_equal(feed(0, 1 << 20, 1 << 20), -ENOSPC);
	result(ZFD_STATUS_COMPLETE);
	assert_int_not_equal(S->finish(F.ctx, &F.info, &F.res), 0);
	check_dump_file(32768, 65536, false);
	tape_manifest(&m);
	assert_string_equal(zfd_manifest_get(&m, "status"), "incomplete");
}

static void test_unload(void **state)
{
	assert_int_equal(configure("device = \"sim\"; unload = true;"), 0);
	full_dump(65536, 65536, 32768);
	assert_int_equal(F.sim->unloads, 1);
	assert_true(F.sim->no_medium);
}

/* rewind = false appends at the current position and stays there. */
static void test_no_rewind_appends(void **state)
{
	uint8_t old[100];
	struct tape_result r;
	struct tape_dev dev = { 0 };
	uint8_t fm[6] = { 0x10, 0, 0, 0, 1, 0 };
	uint8_t wr[6] = { 0x0a, 0, 0, 0, 100, 0 };
	char err[64];
	size_t first;

	/* an older tape file: one 100-byte record and a filemark */
	F.sim->block_len = 0;
	memset(old, 0xaa, sizeof(old));
	assert_int_equal(tape_sim_open("/", "sim", &dev, err, sizeof(err)), 0);
	assert_int_equal(dev.ops->cmd(&dev, wr, 6, TAPE_DIR_OUT, old, 100, 1,
				      &r, err, sizeof(err)),
			 0);
	assert_int_equal(dev.ops->cmd(&dev, fm, 6, TAPE_DIR_NONE, NULL, 0, 1,
				      &r, err, sizeof(err)),
			 0);
	tape_dev_close(&dev);

	assert_int_equal(configure("device = \"sim\"; rewind = false;"), 0);
	make_dump(65536);
	assert_int_equal(S->prepare(F.ctx, &F.info, &(uint64_t){ 0 }), 0);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	assert_int_equal(feed(0, 65536, 65536), 0);
	result(ZFD_STATUS_COMPLETE);
	assert_int_equal(S->finish(F.ctx, &F.info, &F.res), 0);
	assert_int_equal(F.sim->rewinds, 0);
	assert_int_equal(F.sim->recs[0].len, 100);
	assert_int_equal(tape_sim_file_records(F.sim, 1, &first), 1 + 2 + 1);
	assert_int_equal(first, 2);
	assert_int_equal(F.sim->pos, F.sim->nr);
}

/* The host's key "format" is known to the sink. */
static void test_format_key(void **state)
{
	assert_int_equal(configure("device = \"sim\"; format = \"elf\";"), 0);
}

/*
 * An elf-like stored dump: plen bytes of prologue, then data_len bytes of
 * packed data in two extents (the memory between them is a hole that is
 * not stored); no trailer. F.mem holds the whole stream.
 */
static void make_elf(size_t plen, uint64_t data_len)
{
	static struct zfd_range ext[2];
	uint64_t i;

	F.mem_size = plen + data_len;
	F.mem = aligned_alloc(ZFD_ALIGN, F.mem_size);
	assert_non_null(F.mem);
	for (i = 0; i < F.mem_size; i++)
		F.mem[i] = (uint8_t)(i * 11 + (i >> 12) * 5 + 3);
	memcpy(F.mem, "\177ELF", 4);
	ext[0] = (struct zfd_range){ plen, 16384 };
	ext[1] = (struct zfd_range){ plen + 16384, data_len - 16384 };
	F.info.format = "elf";
	F.info.prologue = F.mem;
	F.info.prologue_len = plen;
	F.info.size = plen + data_len;
	F.info.trailer_off = plen + data_len;
	F.info.trailer_len = 0;
	F.info.extents = ext;
	F.info.nr_extents = 2;
	F.info.mem_size = data_len + (1 << 20);
	F.info.mem_size_orig = F.info.mem_size;
	F.info.source = "file:test.elf";
	F.info.started = 1795000000;
}

/* Packed blocks of the stream [from, from + len); memory skips 1 MiB. */
static int feed_elf(uint64_t from, uint64_t len, size_t chunk)
{
	uint64_t off, data;
	size_t n;
	int rc;

	for (off = from; off < from + len; off += chunk) {
		data = off - F.info.prologue_len;
		n = (size_t)ZFD_MIN(chunk, from + len - off);
		rc = write_data(off, data < 16384 ? data : data + (1 << 20),
				off, n);
		if (rc)
			return rc;
		F.res.dumped_bytes += n;
		F.res.stored_end = off + n;
	}
	return 0;
}

static void result_elf(enum zfd_status status)
{
	struct zfd_digest *d = result_start(status, F.mem);

	zfd_digest_update(d, F.mem,
			  F.res.stored_end ? F.res.stored_end :
					     F.info.prologue_len);
	result_digest(d);
}

/*
 * elf: the prologue in block_size records (8192 + 4096), the data in
 * block_size records (the last one shorter), no trailer record, a
 * filemark, the manifest file; the records of file 1 are the stream.
 */
static void test_elf_records(void **state)
{
	size_t plen = 3 * 4096, first, n, i, off = 0;
	uint64_t data_len = 6 * 8192 + 4096;
	struct zfd_manifest m;
	uint64_t cap = 0;

	assert_int_equal(
		configure("device = \"sim\"; block_size = 8192; format = \"elf\";"),
		0);
	make_elf(plen, data_len);
	assert_int_equal(S->prepare(F.ctx, &F.info, &cap), 0);
	assert_true(cap == UINT64_MAX);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	/* 12 KiB blocks: records straddle block boundaries */
	assert_int_equal(feed_elf(plen, data_len, 12288), 0);
	result_elf(ZFD_STATUS_COMPLETE);
	assert_int_equal(S->finish(F.ctx, &F.info, &F.res), 0);

	n = tape_sim_file_records(F.sim, 0, &first);
	assert_int_equal(first, 0);
	assert_int_equal(n, 2 + 7);
	assert_int_equal(F.sim->recs[0].len, 8192);
	assert_int_equal(F.sim->recs[1].len, 4096);
	for (i = 2; i < 8; i++)
		assert_int_equal(F.sim->recs[i].len, 8192);
	assert_int_equal(F.sim->recs[8].len, 4096);
	for (i = 0; i < n; i++) {
		assert_false(F.sim->recs[i].filemark);
		assert_memory_equal(F.sim->recs[i].data, F.mem + off,
				    F.sim->recs[i].len);
		off += F.sim->recs[i].len;
	}
	assert_int_equal(off, plen + data_len);
	assert_true(F.sim->recs[n].filemark);
	tape_manifest(&m);
	assert_string_equal(zfd_manifest_get(&m, "status"), "complete");
	assert_string_equal(zfd_manifest_get(&m, "format"), "elf");
	assert_string_equal(zfd_manifest_get(&m, "digest"), F.res.digest);
	assert_int_equal(F.sim->nr, n + 1 + 1 + 1);
	/* records: the dump file's 9 and the manifest */
	assert_true(zfd_mock_host_logged(
		&F.mh, "dump complete: 10 records, 53248 bytes of data"));
}

/* elf, a prologue of one page with big records: one prologue record. */
static void test_elf_short_prologue(void **state)
{
	size_t first;

	assert_int_equal(configure("device = \"sim\";"), 0);
	make_elf(4096, 65536);
	assert_int_equal(S->prepare(F.ctx, &F.info, &(uint64_t){ 0 }), 0);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	assert_int_equal(feed_elf(4096, 65536, 65536), 0);
	result_elf(ZFD_STATUS_COMPLETE);
	assert_int_equal(S->finish(F.ctx, &F.info, &F.res), 0);
	assert_int_equal(tape_sim_file_records(F.sim, 0, &first), 3);
	assert_int_equal(F.sim->recs[0].len, 4096);
	assert_int_equal(F.sim->recs[1].len, 32768);
	assert_int_equal(F.sim->recs[2].len, 32768);
}

/* A block that does not continue the stream: one line, refused. */
static void test_elf_gap_refused(void **state)
{
	struct zfd_manifest m;
	struct zfd_block blk = { .kind = ZFD_BLK_DATA,
				 .len = 4096,
				 .nr_pages = 1,
				 .zero_map = (uint64_t[1]){ 0 } };

	assert_int_equal(configure("device = \"sim\"; block_size = 8192;"), 0);
	make_elf(4096, 65536);
	assert_int_equal(S->prepare(F.ctx, &F.info, &(uint64_t){ 0 }), 0);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	assert_int_equal(feed_elf(4096, 16384, 8192), 0);
	blk.offset = 4096 + 16384 + 4096;
	blk.data = F.mem + blk.offset;
	assert_int_equal(S->write(F.ctx, &blk), -EINVAL);
	assert_true(zfd_mock_host_logged(
		&F.mh,
		"sim: block at stored offset 24576, expected 20480: a tape stores a gap-free stream"));
	/* past the end of the data */
	blk.offset = 4096 + 16384;
	blk.len = 65536;
	assert_int_equal(S->write(F.ctx, &blk), -EINVAL);
	assert_true(zfd_mock_host_logged(
		&F.mh,
		"sim: block at stored offset 20480 of 65536 bytes ends beyond the dump's data (69632)"));
	F.res.reason = "sink write failed";
	result_elf(ZFD_STATUS_INCOMPLETE);
	assert_int_equal(S->finish(F.ctx, &F.info, &F.res), 0);
	assert_int_equal(tape_sim_file_records(F.sim, 0, NULL), 1 + 2);
	tape_manifest(&m);
	assert_string_equal(zfd_manifest_get(&m, "status"), "incomplete");
}

/* A complete dump whose final prologue is not the one streamed first. */
static void test_prologue_changed(void **state)
{
	uint8_t other[ZFD_HDR_SIZE];
	struct zfd_manifest m;

	assert_int_equal(configure("device = \"sim\";"), 0);
	make_dump(65536);
	assert_int_equal(S->prepare(F.ctx, &F.info, &(uint64_t){ 0 }), 0);
	assert_int_equal(S->open(F.ctx, &F.info), 0);
	assert_int_equal(feed(0, 65536, 65536), 0);
	result(ZFD_STATUS_COMPLETE);
	memcpy(other, F.hdr, sizeof(other));
	other[100] ^= 1;
	F.res.prologue = other;
	assert_int_equal(S->finish(F.ctx, &F.info, &F.res), -EIO);
	assert_true(zfd_mock_host_logged(
		&F.mh, "sim: the final prologue differs from the one on tape"));
	check_dump_file(32768, 65536, false);
	tape_manifest(&m);
	assert_string_equal(zfd_manifest_get(&m, "status"), "incomplete");
	assert_string_equal(zfd_manifest_get(&m, "reason"),
			    "the final prologue differs from the one on tape");
}

/* No room for the whole elf prologue: open() fails, says so. */
static void test_elf_full_in_prologue(void **state)
{
	assert_int_equal(configure("device = \"sim\"; block_size = 8192;"), 0);
	make_elf(3 * 4096, 65536);
	F.sim->capacity = 8192 + 2048;
	assert_int_equal(S->prepare(F.ctx, &F.info, &(uint64_t){ 0 }), 0);
	assert_int_equal(S->open(F.ctx, &F.info), -ENOSPC);
	assert_true(zfd_mock_host_logged(&F.mh,
					 "sim: tape full before the dump header"));
	assert_int_equal(tape_sim_file_records(F.sim, 0, NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test_setup_teardown(test_complete_default, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_complete_unaligned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_holes_as_zeros, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_a_tape, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_message_prefix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_protected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_medium, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ready_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_becoming_ready, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_block_limits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_device, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tape_full_early_warning,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tape_full_overflow, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tape_full_no_manifest,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_warning_at_end,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_medium_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_core_complete_tape_short,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_rewind_appends, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_format_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_elf_records, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_elf_short_prologue, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_elf_gap_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prologue_changed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_elf_full_in_prologue,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
