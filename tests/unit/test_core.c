// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the daemon: config errors with line numbers, -o/-s specs,
 * the kernel command line, memmap parsing, and the dump pipeline against a
 * scripted source and a recording sink (short reads, EFAULT holes at
 * buffer edges, the last partial block, failover re-reads, threads that
 * cannot be started). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <inttypes.h>

#include <cmocka.h>

#include "core.h"
#include "digest.h"
#include "util.h"

static char stderr_buf[8192];

/* Writes text to a temporary config file; returns its name. */
static const char *conf(const char *text)
{
	static char name[64];
	FILE *f;

	snprintf(name, sizeof(name), "/tmp/zfd-test-conf.%d", (int)getpid());
	f = fopen(name, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return name;
}

/* Loads a config with stderr captured into stderr_buf. */
static int load(struct zfd_config *c, const char *text)
{
	FILE *old = stderr, *mem;
	int rc;

	memset(stderr_buf, 0, sizeof(stderr_buf));
	mem = fmemopen(stderr_buf, sizeof(stderr_buf) - 1, "w");
	assert_non_null(mem);
	stderr = mem;
	zfd_config_init(c);
	rc = zfd_config_load(c, conf(text));
	fclose(mem);
	stderr = old;
	unlink(conf(""));
	return rc;
}

static void expect_error(const char *text, const char *needle)
{
	struct zfd_config c;
	char want[256];

	assert_int_not_equal(load(&c, text), 0);
	snprintf(want, sizeof(want), "%s", needle);
	if (!strstr(stderr_buf, want))
		fail_msg("expected '%s' in '%s'", want, stderr_buf);
	zfd_config_free(&c);
}

static void test_config_full(void **state)
{
	struct zfd_config c;

	(void)state;
	assert_int_equal(
		load(&c,
		     "source = { type = \"file\"; path = \"/x.img\"; memmap = \"/x.map\"; };\n"
		     "limit = \"512M\";\n"
		     "hsa_release = \"early\";\n"
		     "policy = \"all\";\n"
		     "progress = { interval = 3; };\n"
		     "final_action = \"poweroff\";\n"
		     "failure_action = \"shell\";\n"
		     "modules = [ \"zfcp\", \"zcore_emu image=/dev/sdb\" ];\n"
		     "device_wait = 5;\n"
		     "sinks = ( { type = \"extfs\"; device = \"/dev/sda1\"; },\n"
		     "          { type = \"raw\"; device = \"/dev/sda2\"; } );\n"),
		0);
	assert_int_equal(c.source_type, ZFD_SRC_FILE);
	assert_string_equal(c.source_path, "/x.img");
	assert_string_equal(c.source_memmap, "/x.map");
	assert_int_equal(c.limit, 512ULL << 20);
	assert_int_equal(c.hsa_release, ZFD_HSA_EARLY);
	assert_int_equal(c.policy, ZFD_POLICY_ALL);
	assert_int_equal(c.progress_interval, 3);
	assert_int_equal(c.final_action, ZFD_ACTION_POWEROFF);
	assert_int_equal(c.failure_action, ZFD_ACTION_SHELL);
	assert_int_equal(c.nr_modules, 2);
	assert_string_equal(c.modules[1], "zcore_emu image=/dev/sdb");
	assert_int_equal(c.device_wait, 5);
	assert_int_equal(c.nr_sinks, 2);
	assert_string_equal(c.sink_types[0], "extfs");
	assert_string_equal(c.sink_types[1], "raw");
	zfd_config_free(&c);
}

static void test_config_errors(void **state)
{
	(void)state;
	expect_error("policy = \"first\";\nsinks = ( { type = \"raw\" ; } \n",
		     ":3: ");
	expect_error("policy = \"first\";\n\nbogus = 1;\n",
		     ":3: unknown key 'bogus'");
	expect_error("policy = \"sometimes\";\n",
		     ":1: 'policy' must be one of first, all");
	expect_error("\nprogress = { interval = \"often\"; };\n",
		     ":2: 'interval' must be a number");
	expect_error("limit = \"12X\";\n", ":1: 'limit' must be a size");
	expect_error("limit = true;\n", ":1: 'limit' must be a size");
	expect_error("source = { type = \"file\"; };\n",
		     ":1: source type \"file\" needs 'path'");
	expect_error("source = { type = \"zcore\"; path = \"/x\"; };\n",
		     "only for source types \"file\" and \"vmcore\"");
	expect_error("modules = [ 1, 2 ];\n",
		     ":1: 'modules' element 1 must be a string");
	expect_error("sinks = ( { device = \"/dev/sda1\"; } );\n",
		     ":1: sink 1 has no 'type'");
	expect_error("\n\nsinks = ( 5 );\n", ":3: sink 1 must be a group");
	expect_error(
		"final_action = \"explode\";\n",
		"'final_action' must be one of reipl, poweroff, halt, shell, none, reboot");
	expect_error("device_wait = -1;\n", "must not be negative");
	/* finding 8: libconfig wraps this to -1; it is too large, not negative */
	expect_error(
		"\nlimit = 99999999999999999999;\n",
		":2: 'limit' is out of range: 99999999999999999999 is too large");
	expect_error("limit = 99999999999999999999L;\n",
		     ":1: 'limit' is out of range");
	expect_error("device_wait = 0x10000000000000000;\n",
		     ":1: 'device_wait' is out of range");
	expect_error("device_wait = 5000000000;\n",
		     ":1: 'device_wait' must be at most 3600");
	expect_error("device_wait = -5000000000;\n",
		     ":1: 'device_wait' must not be negative");
}

/* Integers beyond 32 bits without the L suffix: libconfig 1.5 wraps them
 * silently (5000000000 would become 705032704); the literal counts. */
static void test_config_big_numbers(void **state)
{
	struct zfd_config c;

	(void)state;
	assert_int_equal(load(&c, "limit = 5000000000;\n"), 0);
	assert_int_equal(c.limit, 5000000000ULL);
	zfd_config_free(&c);
	assert_int_equal(
		load(&c,
		     "limit = 0xFFFFFFFFFFFFFFFF; progress = { interval = 7; };\n"),
		0);
	assert_int_equal(c.limit, UINT64_MAX);
	assert_int_equal(c.progress_interval, 7);
	zfd_config_free(&c);
	assert_int_equal(load(&c, "limit = 18446744073709551615;\n"), 0);
	assert_int_equal(c.limit, UINT64_MAX);
	zfd_config_free(&c);
	assert_int_equal(load(&c, "limit = 4294967296L;\n"), 0);
	assert_int_equal(c.limit, 4294967296ULL);
	zfd_config_free(&c);
}

static void test_config_default(void **state)
{
	struct zfd_config c;

	(void)state;
	zfd_config_init(&c);
	assert_int_equal(zfd_config_load_default(&c), 0);
	assert_int_equal(c.source_type, ZFD_SRC_ZCORE);
	assert_int_equal(c.nr_sinks, 2);
	assert_string_equal(c.sink_types[0], "extfs");
	assert_string_equal(config_setting_get_string(config_setting_get_member(
				    c.sinks[0], "device")),
			    "/dev/sda1");
	assert_string_equal(c.sink_types[1], "raw");
	assert_int_equal(c.final_action, ZFD_ACTION_REIPL);
	zfd_config_free(&c);
}

static void test_sink_specs(void **state)
{
	struct zfd_config c;
	char spec1[] = "raw:device=/dev/sdb2,truncate=true,block=32768";
	char spec2[] = "extfs:device=LABEL=dumps,dir=/d";
	char *specs[] = { spec1, spec2 };
	config_setting_t *s;

	(void)state;
	zfd_config_init(&c);
	assert_int_equal(zfd_config_load_default(&c), 0);
	assert_int_equal(zfd_config_set_sinks(&c, specs, 2), 0);
	assert_int_equal(c.nr_sinks, 2);
	assert_string_equal(c.sink_types[0], "raw");
	s = config_setting_get_member(c.sinks[0], "truncate");
	assert_int_equal(config_setting_type(s), CONFIG_TYPE_BOOL);
	assert_true(config_setting_get_bool(s));
	s = config_setting_get_member(c.sinks[0], "block");
	assert_int_equal(config_setting_type(s), CONFIG_TYPE_INT64);
	assert_int_equal(config_setting_get_int64(s), 32768);
	/* only the first '=' separates key and value */
	s = config_setting_get_member(c.sinks[1], "device");
	assert_string_equal(config_setting_get_string(s), "LABEL=dumps");
	assert_int_equal(zfd_config_set_source(&c, "file:/a.img,memmap=/a.map"),
			 0);
	assert_int_equal(c.source_type, ZFD_SRC_FILE);
	assert_string_equal(c.source_path, "/a.img");
	assert_string_equal(c.source_memmap, "/a.map");
	assert_int_equal(zfd_config_set_source(&c, "vmcore"), 0);
	assert_int_equal(c.source_type, ZFD_SRC_VMCORE);
	assert_int_equal(zfd_config_set_source(&c, "file:"), -EINVAL);
	assert_int_equal(zfd_config_set_source(&c, "tape"), -EINVAL);
	zfd_config_free(&c);
}

static void test_bad_sink_specs(void **state)
{
	static const char *const bad[] = { ":device=x", "raw:device", "raw:=x",
					   "raw:a=1,a=2" };
	struct zfd_config c;
	char buf[64];
	char *specs[1] = { buf };
	size_t i;

	(void)state;
	for (i = 0; i < ZFD_ARRAY_SIZE(bad); i++) {
		zfd_config_init(&c);
		assert_int_equal(zfd_config_load_default(&c), 0);
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		assert_int_not_equal(zfd_config_set_sinks(&c, specs, 1), 0);
		zfd_config_free(&c);
	}
}

static void test_cmdline(void **state)
{
	struct zfd_cmdline cl;
	struct zfd_config c;
	config_setting_t *s;

	(void)state;
	assert_int_equal(
		zfd_cmdline_parse(
			&cl,
			"root=/dev/x dump_part=3 dump_dir=/dumps "
			"dump_mem=64M dump_mode=interactive dump_debug=5 quiet\n"),
		0);
	assert_int_equal(cl.dump_part, 3);
	assert_string_equal(cl.dump_dir, "/dumps");
	assert_true(cl.have_mem);
	assert_int_equal(cl.dump_mem, 64ULL << 20);
	assert_string_equal(cl.dump_mode, "interactive");
	assert_int_equal(cl.dump_debug, 5);

	zfd_config_init(&c);
	assert_int_equal(zfd_config_load_default(&c), 0);
	assert_int_equal(zfd_config_apply_cmdline(&c, &cl), 0);
	assert_int_equal(c.limit, 64ULL << 20);
	s = c.sinks[0];
	assert_string_equal(config_setting_get_string(
				    config_setting_get_member(s, "device")),
			    "/dev/sda3");
	assert_string_equal(
		config_setting_get_string(config_setting_get_member(s, "dir")),
		"/dumps");
	assert_string_equal(config_setting_get_string(
				    config_setting_get_member(s, "on_full")),
			    "ask");
	zfd_config_free(&c);

	assert_int_not_equal(
		zfd_cmdline_parse(&cl, "dump_part=0 dump_mem=lots dump_mode=x"),
		0);
	assert_int_equal(cl.dump_part, -1);
	assert_false(cl.have_mem);
	assert_null(cl.dump_mode);
}

static void test_cmdline_adds_extfs(void **state)
{
	struct zfd_cmdline cl;
	struct zfd_config c;
	char spec[] = "raw:device=/dev/sdb";
	char *specs[] = { spec };

	(void)state;
	zfd_config_init(&c);
	assert_int_equal(zfd_config_load_default(&c), 0);
	assert_int_equal(zfd_config_set_sinks(&c, specs, 1), 0);
	assert_int_equal(zfd_cmdline_parse(&cl, "dump_part=2 dump_mode=auto"),
			 0);
	assert_int_equal(zfd_config_apply_cmdline(&c, &cl), 0);
	assert_int_equal(c.nr_sinks, 2);
	assert_string_equal(c.sink_types[0], "extfs");
	assert_string_equal(config_setting_get_string(config_setting_get_member(
				    c.sinks[0], "on_full")),
			    "delete-oldest");
	assert_string_equal(c.sink_types[1], "raw");
	zfd_config_free(&c);
}

static void test_memmap(void **state)
{
	const char *ok = "0000000000000000 0000000001000000 "
			 "0000000001100000 0000000000f00000 "
			 "0000000002000000 0000000001000000 "
			 "0000000000000000 0000000000000000 ";
	struct zfd_range *r;
	size_t n;

	(void)state;
	assert_int_equal(zfd_memmap_parse(ok, strlen(ok), 48ULL << 20, &r, &n),
			 0);
	/* the 2nd and 3rd chunk touch: merged */
	assert_int_equal(n, 2);
	assert_int_equal(r[0].start, 0);
	assert_int_equal(r[0].size, 16ULL << 20);
	assert_int_equal(r[1].start, 17ULL << 20);
	assert_int_equal(r[1].size, 31ULL << 20);
	free(r);
	/* beyond mem_size, unterminated, unaligned, overlapping, garbage */
	assert_int_equal(zfd_memmap_parse(ok, strlen(ok), 40ULL << 20, &r, &n),
			 -EINVAL);
	assert_int_equal(zfd_memmap_parse(ok, 66, 48ULL << 20, &r, &n),
			 -EINVAL);
	assert_int_equal(zfd_memmap_parse("0000000000000001 0000000000001000 "
					  "0000000000000000 0000000000000000 ",
					  68, 1 << 20, &r, &n),
			 -EINVAL);
	assert_int_equal(zfd_memmap_parse("0000000000000000 0000000000002000 "
					  "0000000000001000 0000000000001000 "
					  "0000000000000000 0000000000000000 ",
					  102, 1 << 20, &r, &n),
			 -EINVAL);
	assert_int_equal(zfd_memmap_parse("hello", 5, 1 << 20, &r, &n),
			 -EINVAL);
	assert_int_equal(zfd_memmap_parse("", 0, 1 << 20, &r, &n), -EINVAL);
}

/* ---- the pipeline against a scripted source and a recording sink ---- */

#define KIB	   1024ULL
#define MAX_EFAULT 8

/* A source whose memory is a pattern; reads touching an EFAULT range
 * fail, the memory ends early at avail, EIO from eio_at on. */
struct msrc {
	uint64_t mem_size;
	uint64_t avail;
	uint64_t eio_at;
	struct zfd_range nxio; /* unreadable (damage): lost */
	struct zfd_range efault[MAX_EFAULT];
	size_t nr_efault;
	unsigned int reads_at_0;
};

static uint8_t pattern(uint64_t i)
{
	uint64_t x = (i / 8 + 1) * 0x9e3779b97f4a7c15ULL;

	return (uint8_t)((x >> (8 * (i % 8))) | 1);
}

static ssize_t msrc_read(struct zfd_source *src, void *buf, size_t len,
			 uint64_t off)
{
	struct msrc *m = src->priv;
	uint8_t *b = buf;
	size_t i, n;

	if (!off)
		m->reads_at_0++;
	for (i = 0; i < m->nr_efault; i++)
		if (off < m->efault[i].start + m->efault[i].size &&
		    off + len > m->efault[i].start)
			return -EFAULT;
	if (off + len > m->eio_at)
		return -EIO;
	if (m->nxio.size && off < m->nxio.start + m->nxio.size &&
	    off + len > m->nxio.start)
		return -ENXIO;
	if (off >= m->avail)
		return 0;
	n = (size_t)ZFD_MIN((uint64_t)len, m->avail - off);
	for (i = 0; i < n; i++)
		b[i] = pattern(off + i);
	return (ssize_t)n;
}

static void msrc_init(struct zfd_source *src, struct msrc *m, uint64_t mem_size)
{
	struct zfd_s390_hdr h;

	memset(src, 0, sizeof(*src));
	memset(m, 0, sizeof(*m));
	m->mem_size = mem_size;
	m->avail = UINT64_MAX;
	m->eio_at = UINT64_MAX;
	memset(&h, 0, sizeof(h));
	h.magic = ZFD_S390_MAGIC;
	h.hdr_size = ZFD_S390_HDR_SIZE;
	h.page_size = ZFD_S390_PAGE_SIZE;
	h.mem_size = mem_size;
	h.mem_end = mem_size;
	h.arch = ZFD_S390_ARCH_S390X;
	zfd_s390_hdr_encode(&h, src->hdr_raw);
	snprintf(src->desc, sizeof(src->desc), "mock");
	src->read = msrc_read;
	src->priv = m;
	assert_int_equal(zfd_source_setup(src, UINT64_MAX), 0);
	assert_int_equal(zfd_source_model(src), 0);
}

/*
 * A sink that keeps the memory it gets (by .mem_offset) and checks the
 * block rules of the s390 format (positional: stored offset = 4096 +
 * memory offset, gap-free).
 */
struct msink {
	uint8_t *mem;
	uint8_t *kind; /* per page: block kind + 1 */
	uint64_t mem_size;
	uint64_t written; /* next expected offset */
	uint64_t fail_at;
	int fail_errno;
	unsigned int opens, finishes, writes;
	struct zfd_result res;
	char reason[256];
	/* the digest rule over what this sink got (for a complete dump) */
	struct zfd_digest *dg;
	char expect[ZFD_DIGEST_STRLEN];
};

struct zfd_digest *__real_zfd_digest_new(void);

static int ms_prepare(void *ctx, const struct zfd_dump_info *info,
		      uint64_t *capacity)
{
	(void)ctx;
	(void)info;
	*capacity = UINT64_MAX;
	return 0;
}

static int ms_open(void *ctx, const struct zfd_dump_info *info)
{
	struct msink *m = ctx;

	m->opens++;
	m->written = 0;
	memset(m->mem, 0xee, m->mem_size);
	memset(m->kind, 0, m->mem_size / ZFD_PAGE_SIZE + 1);
	assert_int_equal(info->mem_size, m->mem_size);
	assert_string_equal(info->format, "s390");
	assert_int_equal(info->prologue_len, ZFD_HDR_SIZE);
	assert_int_equal(info->size,
			 ZFD_HDR_SIZE + m->mem_size + ZFD_END_MARKER_SIZE);
	assert_int_equal(info->trailer_off, ZFD_HDR_SIZE + m->mem_size);
	assert_int_equal(info->trailer_len, ZFD_END_MARKER_SIZE);
	if (!m->dg)
		m->dg = __real_zfd_digest_new();
	assert_non_null(m->dg);
	zfd_digest_reset(m->dg);
	zfd_digest_update(m->dg, info->prologue, info->prologue_len);
	return 0;
}

static int ms_write(void *ctx, const struct zfd_block *blk)
{
	struct msink *m = ctx;
	size_t i;

	m->writes++;
	/* ascending, gap-free, aligned, inside the dump */
	assert_int_equal(blk->mem_offset, m->written);
	assert_int_equal(blk->offset, ZFD_HDR_SIZE + blk->mem_offset);
	assert_int_equal(blk->offset % ZFD_ALIGN, 0);
	assert_int_equal((uintptr_t)blk->data % ZFD_ALIGN, 0);
	assert_true(blk->len > 0);
	assert_true(blk->mem_offset + blk->len <= m->mem_size);
	if (m->fail_at != UINT64_MAX && blk->mem_offset + blk->len > m->fail_at)
		return -m->fail_errno;
	memcpy(m->mem + blk->mem_offset, blk->data, blk->len);
	if (blk->kind == ZFD_BLK_DATA)
		zfd_digest_update(m->dg, blk->data, blk->len);
	else
		zfd_digest_update_zeros(m->dg, blk->len);
	for (i = 0; i < blk->nr_pages; i++)
		m->kind[blk->mem_offset / ZFD_PAGE_SIZE + i] =
			(uint8_t)(blk->kind + 1);
	m->written += blk->len;
	return 0;
}

static int ms_finish(void *ctx, const struct zfd_dump_info *info,
		     const struct zfd_result *res)
{
	struct msink *m = ctx;

	m->finishes++;
	m->res = *res;
	snprintf(m->reason, sizeof(m->reason), "%s",
		 res->reason ? res->reason : "");
	/* the core's count and what the sink really got agree */
	if (res->status == ZFD_STATUS_COMPLETE) {
		assert_int_equal(m->written, m->mem_size);
		assert_non_null(res->trailer);
		assert_int_equal(res->trailer_len, ZFD_END_MARKER_SIZE);
		zfd_digest_update(m->dg, res->trailer, res->trailer_len);
		zfd_digest_string(m->dg, m->expect, sizeof(m->expect));
		assert_string_equal(res->digest, m->expect);
		assert_memory_equal(res->trailer, "DUMP_END", 8);
		assert_int_equal(res->stored_end, info->trailer_off);
	} else {
		assert_null(res->trailer);
		assert_int_equal(res->stored_end, ZFD_HDR_SIZE + m->written);
	}
	assert_non_null(res->prologue);
	assert_memory_equal(res->prologue, info->prologue, info->prologue_len);
	return 0;
}

static const struct zfd_sink mock_sink_ops = {
	.abi = ZFD_SINK_ABI,
	.size = sizeof(struct zfd_sink),
	.name = "mock",
	.prepare = ms_prepare,
	.open = ms_open,
	.write = ms_write,
	.finish = ms_finish,
};

static void msink_init(struct zfd_sink_inst *si, struct msink *m,
		       uint64_t mem_size)
{
	memset(si, 0, sizeof(*si));
	memset(m, 0, sizeof(*m));
	m->mem_size = mem_size;
	m->mem = malloc(mem_size);
	m->kind = malloc(mem_size / ZFD_PAGE_SIZE + 1);
	assert_non_null(m->mem);
	assert_non_null(m->kind);
	m->fail_at = UINT64_MAX;
	si->ops = &mock_sink_ops;
	si->ctx = m;
	snprintf(si->desc, sizeof(si->desc), "mock");
	snprintf(si->type, sizeof(si->type), "mock");
}

static void msink_free(struct msink *m)
{
	zfd_digest_free(m->dg);
	m->dg = NULL;
	free(m->mem);
	free(m->kind);
}

struct prun {
	struct zfd_config cfg;
	struct zfd_run run;
	volatile sig_atomic_t stop;
};

static void prun_init(struct prun *r, struct zfd_source *src, size_t buf_size,
		      size_t nr_bufs)
{
	memset(r, 0, sizeof(*r));
	r->cfg.progress_interval = 0;
	r->cfg.hsa_release = ZFD_HSA_END;
	r->run.src = src;
	r->run.cfg = &r->cfg;
	r->run.mem_size = src->mem_size;
	r->run.buf_size = buf_size;
	r->run.nr_bufs = nr_bufs;
	r->run.stop = &r->stop;
}

/* Runs one pass to the given sinks; a hang fails the test. */
static int pass(struct prun *r, struct zfd_sink_inst **sinks, size_t nr)
{
	int rc;

	memcpy(r->run.sinks, sinks, nr * sizeof(*sinks));
	r->run.nr_sinks = nr;
	alarm(20);
	rc = zfd_pipeline_pass(&r->run);
	alarm(0);
	return rc;
}

/* The sink holds the source's bytes in [from, to). */
static void expect_data(const struct msink *m, uint64_t from, uint64_t to)
{
	uint64_t i;

	for (i = from; i < to; i++)
		if (m->mem[i] != pattern(i))
			fail_msg("byte %" PRIu64
				 " is 0x%02x, the source has 0x%02x",
				 i, m->mem[i], pattern(i));
}

static void expect_zeros(const struct msink *m, uint64_t from, uint64_t to,
			 enum zfd_block_kind kind)
{
	uint64_t i;

	for (i = from; i < to; i++)
		if (m->mem[i])
			fail_msg("hole byte %" PRIu64 " is 0x%02x", i,
				 m->mem[i]);
	for (i = from / ZFD_PAGE_SIZE; i < to / ZFD_PAGE_SIZE; i++)
		if (m->kind[i] != kind + 1)
			fail_msg("page %" PRIu64 " has kind %d, expected %d", i,
				 m->kind[i] - 1, kind);
}

/*
 * Finding 2: a short read after an EFAULT retry kept the ring slot's old
 * length, so the sink got copies of earlier memory as if read.
 */
static void test_pipe_short_read_after_efault(void **state)
{
	struct zfd_source src;
	struct msrc ms;
	struct msink mk;
	struct zfd_sink_inst si, *sinks[] = { &si };
	struct prun r;
	uint64_t end = 136 * KIB + 100;

	(void)state;
	msrc_init(&src, &ms, 256 * KIB);
	ms.avail = end; /* the source ends inside a page */
	ms.efault[ms.nr_efault++] = (struct zfd_range){ 180 * KIB, 4 * KIB };
	msink_init(&si, &mk, 256 * KIB);
	prun_init(&r, &src, 64 * KIB, 2);
	assert_int_equal(pass(&r, sinks, 1), 0);
	assert_int_equal(mk.finishes, 1);
	assert_int_equal(mk.res.status, ZFD_STATUS_INCOMPLETE);
	assert_int_equal(mk.res.dumped_bytes, end);
	assert_int_equal(mk.written, end);
	expect_data(&mk, 0, end);
	assert_string_equal(mk.reason,
			    "source ended after 139364 of 262144 bytes of memory");
	assert_int_equal(si.cause, ZFD_FAIL_SOURCE);
	msink_free(&mk);
	zfd_source_close(&src);
}

/* A plain short read (no EFAULT) ends the dump where the data ends. */
static void test_pipe_short_read(void **state)
{
	struct zfd_source src;
	struct msrc ms;
	struct msink mk;
	struct zfd_sink_inst si, *sinks[] = { &si };
	struct prun r;

	(void)state;
	msrc_init(&src, &ms, 256 * KIB);
	ms.avail = 100 * KIB + 5;
	msink_init(&si, &mk, 256 * KIB);
	prun_init(&r, &src, 64 * KIB, 3);
	assert_int_equal(pass(&r, sinks, 1), 0);
	assert_int_equal(mk.res.status, ZFD_STATUS_INCOMPLETE);
	assert_int_equal(mk.res.dumped_bytes, 100 * KIB + 5);
	expect_data(&mk, 0, 100 * KIB + 5);
	assert_int_equal(si.cause, ZFD_FAIL_SOURCE);
	msink_free(&mk);
	zfd_source_close(&src);
}

/* EFAULT holes at every edge of the 64 KiB buffers, and in the last,
 * partial block: zeros of kind HOLE exactly there, data elsewhere. */
static void test_pipe_efault_edges(void **state)
{
	static const struct zfd_range holes[] = {
		{ 0, 4 * KIB },		 /* the first page */
		{ 60 * KIB, 8 * KIB },	 /* across a buffer boundary */
		{ 128 * KIB, 64 * KIB }, /* exactly one buffer */
		{ 252 * KIB, 4 * KIB },	 /* the last page of a buffer */
		{ 256 * KIB, 4 * KIB },	 /* the first page of the next */
		{ 328 * KIB, 4 * KIB },	 /* the last page of the dump */
	};
	const uint64_t size = 332 * KIB; /* the last block is 12 KiB */
	struct zfd_source src;
	struct msrc ms;
	struct msink mk;
	struct zfd_sink_inst si, *sinks[] = { &si };
	struct prun r;
	uint64_t pos = 0, hole_bytes = 0;
	size_t i;

	(void)state;
	msrc_init(&src, &ms, size);
	for (i = 0; i < ZFD_ARRAY_SIZE(holes); i++)
		ms.efault[ms.nr_efault++] = holes[i];
	msink_init(&si, &mk, size);
	prun_init(&r, &src, 64 * KIB, 2);
	assert_int_equal(pass(&r, sinks, 1), 1);
	assert_int_equal(mk.res.status, ZFD_STATUS_COMPLETE);
	assert_int_equal(mk.res.dumped_bytes, size);
	for (i = 0; i < ZFD_ARRAY_SIZE(holes); i++) {
		expect_data(&mk, pos, holes[i].start);
		expect_zeros(&mk, holes[i].start,
			     holes[i].start + holes[i].size, ZFD_BLK_HOLE);
		pos = holes[i].start + holes[i].size;
		hole_bytes += holes[i].size;
	}
	expect_data(&mk, pos, size);
	assert_int_equal(mk.res.hole_bytes, hole_bytes);
	assert_int_equal(si.cause, ZFD_FAIL_NONE);
	msink_free(&mk);
	zfd_source_close(&src);
}

/* A dump whose size is no multiple of the buffer: the last block is short,
 * and a memory map hole in it stays a hole. */
static void test_pipe_last_partial_block(void **state)
{
	const uint64_t size = 5 * 64 * KIB + 12 * KIB;
	struct zfd_range chunks[] = { { 0, 5 * 64 * KIB + 4 * KIB } };
	struct zfd_source src;
	struct msrc ms;
	struct msink mk;
	struct zfd_sink_inst si, *sinks[] = { &si };
	struct prun r;

	(void)state;
	msrc_init(&src, &ms, size);
	free(src.chunks);
	src.chunks = malloc(sizeof(chunks));
	assert_non_null(src.chunks);
	memcpy(src.chunks, chunks, sizeof(chunks));
	src.nr_chunks = 1;
	msink_init(&si, &mk, size);
	prun_init(&r, &src, 64 * KIB, 4);
	assert_int_equal(pass(&r, sinks, 1), 1);
	assert_int_equal(mk.res.status, ZFD_STATUS_COMPLETE);
	assert_int_equal(mk.written, size);
	expect_data(&mk, 0, chunks[0].size);
	expect_zeros(&mk, chunks[0].size, size, ZFD_BLK_HOLE);
	assert_int_equal(mk.res.hole_bytes, 8 * KIB);
	msink_free(&mk);
	zfd_source_close(&src);
}

/*
 * Failover: the first sink fails mid-dump (with an errno whose text holds
 * the word "resource"); the next pass re-reads the source from offset 0
 * and the second sink gets all of it. The failure is the sink's, not the
 * source's (finding 5: a typed cause, not a word in a message).
 */
static void test_pipe_failover_rereads(void **state)
{
	const uint64_t size = 512 * KIB;
	struct zfd_source src;
	struct msrc ms;
	struct msink m1, m2;
	struct zfd_sink_inst s1, s2, *first[] = { &s1 }, *second[] = { &s2 };
	struct prun r;

	(void)state;
	msrc_init(&src, &ms, size);
	ms.efault[ms.nr_efault++] = (struct zfd_range){ 64 * KIB, 4 * KIB };
	msink_init(&s1, &m1, size);
	msink_init(&s2, &m2, size);
	m1.fail_at = 300 * KIB;
	m1.fail_errno = EBUSY; /* "Device or resource busy" */
	prun_init(&r, &src, 64 * KIB, 2);
	assert_int_equal(pass(&r, first, 1), 0);
	assert_true(s1.failed);
	assert_int_equal(s1.cause, ZFD_FAIL_SINK);
	assert_int_equal(m1.res.status, ZFD_STATUS_INCOMPLETE);
	assert_int_equal(m1.res.dumped_bytes,
			 260 * KIB); /* blocks: 64 K, 4 K hole, 64 K... */
	assert_non_null(strstr(m1.reason, "resource busy"));
	assert_int_equal(ms.reads_at_0, 1);
	assert_int_equal(pass(&r, second, 1), 1);
	assert_int_equal(ms.reads_at_0, 2);
	assert_int_equal(m2.res.status, ZFD_STATUS_COMPLETE);
	assert_int_equal(s2.cause, ZFD_FAIL_NONE);
	expect_data(&m2, 0, 64 * KIB);
	expect_zeros(&m2, 64 * KIB, 68 * KIB, ZFD_BLK_HOLE);
	expect_data(&m2, 68 * KIB, size);
	msink_free(&m1);
	msink_free(&m2);
	zfd_source_close(&src);
}

/* A read error of the source is the source's failure, for every sink. */
static void test_pipe_source_error(void **state)
{
	struct zfd_source src;
	struct msrc ms;
	struct msink m1, m2;
	struct zfd_sink_inst s1, s2, *both[] = { &s1, &s2 };
	struct prun r;

	(void)state;
	msrc_init(&src, &ms, 256 * KIB);
	ms.eio_at = 130 * KIB;
	msink_init(&s1, &m1, 256 * KIB);
	msink_init(&s2, &m2, 256 * KIB);
	prun_init(&r, &src, 64 * KIB, 2);
	assert_int_equal(pass(&r, both, 2), 0);
	assert_int_equal(s1.cause, ZFD_FAIL_SOURCE);
	assert_int_equal(s2.cause, ZFD_FAIL_SOURCE);
	assert_int_equal(m1.res.dumped_bytes, 128 * KIB);
	assert_int_equal(m2.res.dumped_bytes, 128 * KIB);
	expect_data(&m2, 0, 128 * KIB);
	assert_string_equal(
		m1.reason,
		"read error at memory offset 0x20000: Input/output error");
	msink_free(&m1);
	msink_free(&m2);
	zfd_source_close(&src);
}

/*
 * Finding 3: pthread_create() failing. The test binary is linked with
 * --wrap=pthread_create: fail_thread_nr > 0 makes that call (counted from
 * 1) fail with EAGAIN. The pass must return, and every opened sink must
 * get finish() with an incomplete dump.
 */
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr,
			  void *(*fn)(void *), void *arg);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr,
			  void *(*fn)(void *), void *arg);
static int thread_nr, fail_thread_nr;

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr,
			  void *(*fn)(void *), void *arg)
{
	if (fail_thread_nr && ++thread_nr == fail_thread_nr)
		return EAGAIN;
	return __real_pthread_create(t, attr, fn, arg);
}

static void test_pipe_thread_fails(void **state)
{
	struct zfd_source src;
	struct msrc ms;
	struct msink m1, m2;
	struct zfd_sink_inst s1, s2, *both[] = { &s1, &s2 };
	struct prun r;
	int nr;

	(void)state;
	/*
	 * 0: no failure; 1, 2: the sinks' hasher threads (the consumer
	 * hashes itself: a complete dump, the digest of what the sink got);
	 * 3, 4: the sinks' threads; 5: the reader
	 */
	for (nr = 0; nr <= 5; nr++) {
		msrc_init(&src, &ms, 256 * KIB);
		msink_init(&s1, &m1, 256 * KIB);
		msink_init(&s2, &m2, 256 * KIB);
		prun_init(&r, &src, 64 * KIB, 2);
		thread_nr = 0;
		fail_thread_nr = nr;
		if (nr <= 2) {
			assert_int_equal(pass(&r, both, 2), 2);
			fail_thread_nr = 0;
			assert_int_equal(m1.res.status, ZFD_STATUS_COMPLETE);
			assert_int_equal(m2.res.status, ZFD_STATUS_COMPLETE);
			assert_non_null(strstr(m1.expect, "xxh3-128:"));
			assert_string_equal(m1.res.digest, m1.expect);
			assert_string_equal(m2.res.digest, m2.expect);
			msink_free(&m1);
			msink_free(&m2);
			zfd_source_close(&src);
			continue;
		}
		assert_int_equal(pass(&r, both, 2), 0);
		fail_thread_nr = 0;
		assert_int_equal(m1.opens, 1);
		assert_int_equal(m1.finishes, 1);
		assert_int_equal(m2.finishes, 1);
		assert_int_equal(m1.res.status, ZFD_STATUS_INCOMPLETE);
		assert_int_equal(m2.res.status, ZFD_STATUS_INCOMPLETE);
		assert_int_equal(m2.res.dumped_bytes, 0);
		assert_true(s1.failed && s2.failed);
		assert_int_equal(s1.cause, ZFD_FAIL_OTHER);
		assert_non_null(strstr(
			m1.reason,
			nr == 5 ?
				"cannot start the reader thread: Resource temporarily unavailable" :
				"cannot start the thread for mock: Resource temporarily unavailable"));
		msink_free(&m1);
		msink_free(&m2);
		zfd_source_close(&src);
	}
}

/* Out of memory for a sink's digest (--wrap=zfd_digest_new): the opened
 * sink is finished as incomplete, the next one is never opened. */
struct zfd_digest *__wrap_zfd_digest_new(void);
static int digest_nr, fail_digest_nr;

struct zfd_digest *__wrap_zfd_digest_new(void)
{
	if (fail_digest_nr && ++digest_nr == fail_digest_nr)
		return NULL;
	return __real_zfd_digest_new();
}

static void test_pipe_no_memory(void **state)
{
	struct zfd_source src;
	struct msrc ms;
	struct msink m1, m2;
	struct zfd_sink_inst s1, s2, *both[] = { &s1, &s2 };
	struct prun r;

	(void)state;
	msrc_init(&src, &ms, 256 * KIB);
	msink_init(&s1, &m1, 256 * KIB);
	msink_init(&s2, &m2, 256 * KIB);
	prun_init(&r, &src, 64 * KIB, 2);
	digest_nr = 0;
	fail_digest_nr = 1;
	assert_int_equal(pass(&r, both, 2), 0);
	fail_digest_nr = 0;
	assert_int_equal(m1.opens, 1);
	assert_int_equal(m1.finishes, 1);
	assert_int_equal(m1.res.status, ZFD_STATUS_INCOMPLETE);
	assert_string_equal(m1.reason, "out of memory for the digest of mock");
	assert_int_equal(m2.opens, 0);
	assert_int_equal(m2.finishes, 0);
	assert_true(s1.failed && s2.failed);
	assert_int_equal(s2.res.status, ZFD_STATUS_INCOMPLETE);
	assert_string_equal(s2.reason,
			    "not started: out of memory for the digest of mock");
	msink_free(&m1);
	msink_free(&m2);
	zfd_source_close(&src);
}

/*
 * A sink that stores the bytes it gets at their stored offsets (sink ABI
 * 2), with the commit order of a seekable sink; keeps info and result.
 */
struct bsink {
	uint8_t *buf; /* info->size bytes */
	uint64_t size;
	uint64_t next;
	struct zfd_dump_info info;
	uint8_t prologue_open[64 << 10];
	uint8_t prologue_final[64 << 10];
	struct zfd_result res;
	unsigned int finishes;
};

static int bs_open(void *ctx, const struct zfd_dump_info *info)
{
	struct bsink *b = ctx;

	free(b->buf);
	b->size = info->size;
	b->buf = calloc(1, info->size);
	assert_non_null(b->buf);
	assert_true(info->prologue_len <= sizeof(b->prologue_open));
	memcpy(b->prologue_open, info->prologue, info->prologue_len);
	b->info = *info;
	b->next = info->prologue_len;
	return 0;
}

static int bs_write(void *ctx, const struct zfd_block *blk)
{
	struct bsink *b = ctx;

	/* ascending, gap-free (the formats here are positional) */
	assert_int_equal(blk->offset, b->next);
	assert_true(blk->offset + blk->len <= b->info.trailer_off);
	memcpy(b->buf + blk->offset, blk->data, blk->len);
	b->next = blk->offset + blk->len;
	return 0;
}

static int bs_finish(void *ctx, const struct zfd_dump_info *info,
		     const struct zfd_result *res)
{
	struct bsink *b = ctx;

	b->finishes++;
	b->res = *res;
	memcpy(b->prologue_final, res->prologue, info->prologue_len);
	if (res->trailer)
		memcpy(b->buf + info->trailer_off, res->trailer,
		       res->trailer_len);
	return 0;
}

static const struct zfd_sink bsink_ops = {
	.abi = ZFD_SINK_ABI,
	.size = sizeof(struct zfd_sink),
	.name = "bytes",
	.prepare = ms_prepare,
	.open = bs_open,
	.write = bs_write,
	.finish = bs_finish,
};

static void bsink_init(struct zfd_sink_inst *si, struct bsink *b,
		       enum zfd_format_id fmt)
{
	memset(si, 0, sizeof(*si));
	memset(b, 0, sizeof(*b));
	si->ops = &bsink_ops;
	si->ctx = b;
	si->format = fmt;
	si->format_cfg = (int)fmt;
	snprintf(si->desc, sizeof(si->desc), "bytes");
	snprintf(si->type, sizeof(si->type), "bytes");
}

/* xxh3-128 as the manifest has it, over buf[0, len). */
static void digest_of(const void *buf, size_t len, char *out, size_t out_len)
{
	struct zfd_digest *d = zfd_digest_new();

	assert_non_null(d);
	zfd_digest_update(d, buf, len);
	zfd_digest_string(d, out, out_len);
	zfd_digest_free(d);
}

/*
 * elf of an s390 model (fmt_elf.h's writer, positional): memory lost in
 * the middle makes the dump incomplete; the final prologue cuts the lost
 * range out of the PT_LOADs, and the digest covers the prologue as at
 * open and the data up to stored_end (sink.h).
 */
static void test_pipe_elf_lost(void **state)
{
	struct zfd_source src;
	struct msrc ms;
	struct bsink b;
	struct zfd_sink_inst si, *sinks[] = { &si };
	struct zfd_elf_writer *w;
	struct prun r;
	uint8_t want[64 << 10];
	char why[256], dg[48];
	uint64_t off0;

	(void)state;
	msrc_init(&src, &ms, 256 * KIB);
	ms.nxio = (struct zfd_range){ 100 * KIB, 8 * KIB };
	bsink_init(&si, &b, ZFD_FORMAT_ELF);
	prun_init(&r, &src, 64 * KIB, 2);
	assert_int_equal(pass(&r, sinks, 1), 0);
	assert_int_equal(b.finishes, 1);
	assert_int_equal(b.res.status, ZFD_STATUS_INCOMPLETE);
	assert_null(b.res.trailer);
	assert_string_equal(b.info.format, "elf");
	assert_int_equal(b.res.lost_bytes, 8 * KIB);
	assert_non_null(strstr(b.res.reason,
			       "memory unreadable: 8192 bytes lost"));
	off0 = b.info.prologue_len;
	assert_int_equal(b.info.size, off0 + 256 * KIB);
	assert_int_equal(b.res.stored_end, off0 + 256 * KIB);
	assert_true(zfd_is_zero(b.buf + off0 + 100 * KIB, 8 * KIB));
	for (uint64_t i = 0; i < 256 * KIB; i++)
		if ((i < 100 * KIB || i >= 108 * KIB) &&
		    b.buf[off0 + i] != pattern(i))
			fail_msg("memory byte %" PRIu64 " differs", i);

	/* the final prologue: the writer's, with the lost range excluded */
	assert_int_equal(zfd_elf_writer_new(&w, &src.hdr, NULL, 0, 256 * KIB,
					    why, sizeof(why)),
			 0);
	assert_int_equal(zfd_elf_writer_data_off(w), off0);
	zfd_elf_writer_prologue(w, want);
	assert_memory_equal(b.prologue_open, want, off0);
	assert_int_equal(zfd_elf_writer_exclude(w, 100 * KIB, 8 * KIB), 0);
	zfd_elf_writer_prologue(w, want);
	assert_memory_equal(b.prologue_final, want, off0);
	assert_memory_not_equal(b.prologue_final, b.prologue_open, off0);
	zfd_elf_writer_free(w);

	/* digest: the prologue as at open, the data up to stored_end */
	memcpy(b.buf, b.prologue_open, off0);
	digest_of(b.buf, b.res.stored_end, dg, sizeof(dg));
	assert_string_equal(b.res.digest, dg);
	free(b.buf);
	zfd_source_close(&src);
}

/*
 * The s390 format of an s390x ELF core gets the save areas with the
 * registers put back (src->patches), in its own pages; another sink of
 * the same pass gets the memory unchanged.
 */
static void test_pipe_patches_per_sink(void **state)
{
	static struct zfd_mem_patch pt[2];
	struct zfd_source src;
	struct msrc ms;
	struct bsink b1, b2;
	struct zfd_sink_inst s1, s2, *both[] = { &s1, &s2 };
	struct prun r;
	char dg[48];
	uint64_t i, off2;

	(void)state;
	msrc_init(&src, &ms, 256 * KIB);
	pt[0].off = 0x1200;
	memset(pt[0].data, 0x11, sizeof(pt[0].data));
	pt[1].off = 0x21200; /* inside the third ring buffer */
	memset(pt[1].data, 0x22, sizeof(pt[1].data));
	src.patches = pt;
	src.nr_patches = 2;
	bsink_init(&s1, &b1, ZFD_FORMAT_S390);
	bsink_init(&s2, &b2, ZFD_FORMAT_ELF);
	prun_init(&r, &src, 64 * KIB, 2);
	assert_int_equal(pass(&r, both, 2), 2);
	assert_int_equal(b1.res.status, ZFD_STATUS_COMPLETE);
	assert_int_equal(b2.res.status, ZFD_STATUS_COMPLETE);
	for (i = 0; i < 256 * KIB; i++) {
		uint8_t want = pattern(i);

		if (i >= 0x1200 && i < 0x1400)
			want = 0x11;
		if (i >= 0x21200 && i < 0x21400)
			want = 0x22;
		if (b1.buf[ZFD_HDR_SIZE + i] != want)
			fail_msg("s390: memory byte 0x%" PRIx64
				 " is 0x%02x, not 0x%02x",
				 i, b1.buf[ZFD_HDR_SIZE + i], want);
	}
	off2 = b2.info.prologue_len;
	for (i = 0; i < 256 * KIB; i++)
		if (b2.buf[off2 + i] != pattern(i))
			fail_msg("elf: memory byte 0x%" PRIx64 " was changed",
				 i);
	/* s390: the v1 digest rule, header + memory + end marker */
	memcpy(b1.buf, b1.prologue_open, ZFD_HDR_SIZE);
	digest_of(b1.buf, b1.info.size, dg, sizeof(dg));
	assert_string_equal(b1.res.digest, dg);
	assert_memory_equal(b1.buf + b1.info.trailer_off, "DUMP_END", 8);
	memcpy(b2.buf, b2.prologue_open, off2);
	digest_of(b2.buf, b2.info.size, dg, sizeof(dg));
	assert_string_equal(b2.res.digest, dg);
	free(b1.buf);
	free(b2.buf);
	src.patches = NULL;
	src.nr_patches = 0;
	zfd_source_close(&src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_full),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_big_numbers),
		cmocka_unit_test(test_config_default),
		cmocka_unit_test(test_sink_specs),
		cmocka_unit_test(test_bad_sink_specs),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_cmdline_adds_extfs),
		cmocka_unit_test(test_memmap),
		cmocka_unit_test(test_pipe_short_read_after_efault),
		cmocka_unit_test(test_pipe_short_read),
		cmocka_unit_test(test_pipe_efault_edges),
		cmocka_unit_test(test_pipe_last_partial_block),
		cmocka_unit_test(test_pipe_failover_rereads),
		cmocka_unit_test(test_pipe_source_error),
		cmocka_unit_test(test_pipe_thread_fails),
		cmocka_unit_test(test_pipe_no_memory),
		cmocka_unit_test(test_pipe_elf_lost),
		cmocka_unit_test(test_pipe_patches_per_sink),
	};

	zfd_log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
