// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the extfs sink through its descriptor, with the mock host:
 * config validation, e2fsck exit codes in words, prepare's space check,
 * an odd memory size whose end marker starts inside a block (read back with
 * libext2fs), the ask callback, and misuse of write().
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <ext2fs/ext2fs.h>
#include <libconfig.h>

#include "extfs.h"
#include "fmt_s390.h"
#include "mock_host.h"
#include "util.h"

extern const struct zfd_sink zfd_sink_entry;

static char tmpdir[] = "/tmp/zfd-extfs-unit.XXXXXX";
static char fsimg[600];

static config_t cfg;

/* Parses "key = value; ..." into a sink group. */
static config_setting_t *sink_cfg(const char *keys)
{
	char text[2048];

	config_destroy(&cfg);
	config_init(&cfg);
	snprintf(text, sizeof(text), "sink = {\n type = \"extfs\";\n %s\n};\n", keys);
	assert_int_equal(config_read_string(&cfg, text), CONFIG_TRUE);
	return config_lookup(&cfg, "sink");
}

static int configure(struct zfd_mock_host *m, const char *keys, void **ctx)
{
	zfd_mock_host_init(m, "extfs:test");
	return zfd_sink_entry.configure(&m->host, sink_cfg(keys), ctx);
}

static void mkfs(const char *type, const char *size)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "mke2fs -q -F -t %s %s %s >/dev/null 2>&1",
		 type, fsimg, size);
	assert_int_equal(system(cmd), 0);
}

static void test_descriptor(void **state)
{
	(void)state;
	assert_int_equal(zfd_sink_entry.abi, ZFD_SINK_ABI);
	assert_int_equal(zfd_sink_entry.size, sizeof(struct zfd_sink));
	assert_string_equal(zfd_sink_entry.name, "extfs");
}

static void test_config_errors(void **state)
{
	struct zfd_mock_host m;
	void *ctx = NULL;

	(void)state;
	assert_int_equal(configure(&m, "device = \"/x\"; colour = \"red\";", &ctx), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "unknown key 'colour' for sink type 'extfs'"));
	assert_int_equal(configure(&m, "dir = \"/d\";", &ctx), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "needs a 'device'"));
	assert_int_equal(configure(&m, "device = \"/x\"; on_full = \"panic\";", &ctx), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "'on_full' must be one of delete-oldest, ask, fail, not 'panic'"));
	assert_int_equal(configure(&m, "device = \"/x\"; fsck = \"maybe\";", &ctx), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "'fsck' must be one of auto, no"));
	assert_int_equal(configure(&m, "device = \"/x\"; format = \"lkcd\";", &ctx), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "'format' must be one of s390, elf"));
	assert_int_equal(configure(&m, "device = \"/x\"; dir = \"/a/../b\";", &ctx), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "without '..'"));
	assert_int_equal(configure(&m, "device = \"/x\"; keep = -1;", &ctx), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "'keep' must not be negative"));
	assert_int_equal(configure(&m, "device = \"/x\"; ask_timeout = 100000;", &ctx), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "'ask_timeout' must be at most 86400"));
	assert_int_equal(configure(&m, "device = \"/x\"; sparse = \"perhaps\";", &ctx), -EINVAL);
	assert_int_equal(configure(&m, "device = \"/x\"; keep = \"many\";", &ctx), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "'keep' must be a number, not 'many'"));
}

static void test_config_ok(void **state)
{
	struct zfd_mock_host m;
	void *ctx = NULL;

	(void)state;
	assert_int_equal(configure(&m, "device = \"UUID=1234\"; dir = \"dumps/\"; "
				   "fsck = \"no\"; format = \"elf\"; sparse = false; "
				   "keep = 3; on_full = \"ask\"; ask_timeout = 5; "
				   "e2fsck = \"/sbin/e2fsck\";", &ctx), 0);
	zfd_sink_entry.close(ctx);
	/* -o style: numbers and booleans as strings */
	assert_int_equal(configure(&m, "device = \"/x\"; keep = \"2\"; sparse = \"false\";",
				   &ctx), 0);
	zfd_sink_entry.close(ctx);
}

static void test_fsck_words(void **state)
{
	char buf[160];

	(void)state;
	extfs_fsck_words(0, buf, sizeof(buf));
	assert_string_equal(buf, "no errors");
	extfs_fsck_words(1, buf, sizeof(buf));
	assert_string_equal(buf, "errors corrected");
	extfs_fsck_words(3, buf, sizeof(buf));
	assert_string_equal(buf, "errors corrected, system should be rebooted");
	extfs_fsck_words(4, buf, sizeof(buf));
	assert_string_equal(buf, "errors left uncorrected");
	extfs_fsck_words(12, buf, sizeof(buf));
	assert_string_equal(buf, "errors left uncorrected, operational error");
	extfs_fsck_words(32, buf, sizeof(buf));
	assert_string_equal(buf, "canceled by user request");
	extfs_fsck_words(-9, buf, sizeof(buf));
	assert_string_equal(buf, "killed by signal 9");
}

static void make_hdr(uint8_t *buf, uint64_t mem_size)
{
	struct zfd_s390_hdr h;

	memset(&h, 0, sizeof(h));
	h.magic = ZFD_S390_MAGIC;
	h.version = 5;
	h.hdr_size = 4096;
	h.page_size = 4096;
	h.mem_size = h.mem_size_real = mem_size;
	h.mem_end = mem_size - 1;
	h.num_pages = (uint32_t)((mem_size + 4095) / 4096);
	h.arch = h.build_arch = ZFD_S390_ARCH_S390X;
	h.cpu_cnt = 1;
	zfd_s390_hdr_encode(&h, buf);
}

static void test_prepare_space(void **state)
{
	struct zfd_dump_info info = { 0 };
	struct zfd_mock_host m;
	uint8_t hdr[4096];
	uint64_t max_mem;
	char keys[800];
	void *ctx;

	(void)state;
	mkfs("ext2", "8M");
	make_hdr(hdr, 64 << 20);
	info.hdr = hdr;
	info.mem_size = info.mem_size_orig = 64 << 20;
	info.dry_run = true;
	snprintf(keys, sizeof(keys), "device = \"%s\"; sparse = false;", fsimg);
	assert_int_equal(configure(&m, keys, &ctx), 0);
	assert_int_equal(zfd_sink_entry.prepare(ctx, &info, &max_mem), -ENOSPC);
	assert_true(max_mem < 8 << 20);
	assert_true(zfd_mock_host_logged(&m, "the dump needs 64 MiB, only"));
	zfd_sink_entry.close(ctx);
	/* sparse: cannot tell, so it may try */
	snprintf(keys, sizeof(keys), "device = \"%s\";", fsimg);
	assert_int_equal(configure(&m, keys, &ctx), 0);
	assert_int_equal(zfd_sink_entry.prepare(ctx, &info, &max_mem), 0);
	assert_true(max_mem == UINT64_MAX);
	assert_true(zfd_mock_host_logged(&m, "fits only if enough pages are zero"));
	zfd_sink_entry.close(ctx);
	/* not a filesystem */
	snprintf(keys, sizeof(keys), "device = \"%s/nofs\"; fsck = \"no\";", tmpdir);
	assert_int_equal(configure(&m, keys, &ctx), 0);
	assert_int_not_equal(zfd_sink_entry.prepare(ctx, &info, &max_mem), 0);
	zfd_sink_entry.close(ctx);
}

/* Reads PATH out of the image with libext2fs into buf; returns its size. */
static size_t fs_read(const char *path, uint8_t *buf, size_t len)
{
	ext2_filsys fs;
	ext2_ino_t ino;
	ext2_file_t f;
	unsigned int got;

	assert_int_equal(ext2fs_open(fsimg, 0, 0, 0, unix_io_manager, &fs), 0);
	assert_int_equal(ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, &ino), 0);
	assert_int_equal(ext2fs_file_open(fs, ino, 0, &f), 0);
	assert_int_equal(ext2fs_file_read(f, buf, (unsigned int)len, &got), 0);
	ext2fs_file_close(f);
	ext2fs_close_free(&fs);
	return got;
}

static void test_odd_size(void **state)
{
	const uint64_t mem = 8192 + 100;
	struct zfd_dump_info info = { 0 };
	struct zfd_result res = { 0 };
	struct zfd_block blk = { 0 };
	struct zfd_range whole = { 0, mem };
	struct zfd_mock_host m;
	uint64_t zmap[1] = { 0 }, max_mem;
	uint8_t hdr[4096], *data, back[20000];
	char keys[800];
	size_t i, n;
	void *ctx;

	(void)state;
	mkfs("ext4", "8M");
	make_hdr(hdr, mem);
	info.hdr = hdr;
	info.mem_size = info.mem_size_orig = mem;
	info.chunks = &whole;
	info.nr_chunks = 1;
	info.source = "unit";
	data = aligned_alloc(4096, 3 * 4096);
	for (i = 0; i < 3 * 4096; i++)
		data[i] = (uint8_t)(i * 7 + 1);
	memset(data + 4096, 0, 4096);		/* page 1 is a hole */
	snprintf(keys, sizeof(keys), "device = \"%s\"; fsck = \"no\";", fsimg);
	assert_int_equal(configure(&m, keys, &ctx), 0);
	assert_int_equal(zfd_sink_entry.prepare(ctx, &info, &max_mem), 0);
	assert_int_equal(zfd_sink_entry.open(ctx, &info), 0);

	blk.offset = 0;
	blk.data = data;
	blk.len = 8192;
	blk.nr_pages = 2;
	zmap[0] = 2;
	blk.nr_zero_pages = 1;
	blk.zero_map = zmap;
	assert_int_equal(zfd_sink_entry.write(ctx, &blk), 0);
	/* out of order: refused */
	assert_int_equal(zfd_sink_entry.write(ctx, &blk), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "expected 8192"));
	blk.offset = 8192;
	blk.data = data + 8192;
	blk.len = 100;
	blk.nr_pages = 1;
	zmap[0] = 0;
	blk.nr_zero_pages = 0;
	assert_int_equal(zfd_sink_entry.write(ctx, &blk), 0);

	res.status = ZFD_STATUS_COMPLETE;
	res.dumped_bytes = mem;
	zfd_s390_end_marker(res.end_marker, 0x1234);
	strcpy(res.digest, "xxh3-128:0");
	assert_int_equal(zfd_sink_entry.finish(ctx, &info, &res), 0);
	zfd_sink_entry.close(ctx);

	n = fs_read("dump.0", back, sizeof(back));
	assert_int_equal(n, 4096 + mem + 16);
	assert_memory_equal(back, hdr, 4096);
	assert_memory_equal(back + 4096, data, mem);
	assert_memory_equal(back + 4096 + mem, res.end_marker, 16);
	n = fs_read("dump.0.info", back, sizeof(back));
	back[n] = 0;
	assert_non_null(strstr((char *)back, "status: complete\n"));
	assert_non_null(strstr((char *)back, "format: s390\n"));
	free(data);
}

static void test_ask_declined(void **state)
{
	struct zfd_dump_info info = { 0 };
	struct zfd_mock_host m;
	struct zfd_range whole = { 0, 16 << 20 };
	uint8_t hdr[4096];
	uint64_t max_mem;
	char keys[800];
	void *ctx;
	int i;

	(void)state;
	mkfs("ext2", "40M");
	make_hdr(hdr, 16 << 20);
	info.hdr = hdr;
	info.mem_size = info.mem_size_orig = 16 << 20;
	info.chunks = &whole;
	info.nr_chunks = 1;
	info.source = "unit";
	/* one old dump of 12 MiB, then too little room for 16 MiB */
	snprintf(keys, sizeof(keys), "head -c 12M /dev/urandom >%s/old && "
		 "debugfs -w -R 'write %s/old dump.4' %s >/dev/null 2>&1",
		 tmpdir, tmpdir, fsimg);
	assert_int_equal(system(keys), 0);
	snprintf(keys, sizeof(keys), "head -c 12M /dev/urandom >%s/filler && "
		 "debugfs -w -R 'write %s/filler filler' %s >/dev/null 2>&1",
		 tmpdir, tmpdir, fsimg);
	assert_int_equal(system(keys), 0);
	for (i = 0; i < 2; i++) {
		snprintf(keys, sizeof(keys), "device = \"%s\"; fsck = \"no\"; sparse = false; "
			 "on_full = \"ask\"; ask_timeout = 7;", fsimg);
		assert_int_equal(configure(&m, keys, &ctx), 0);
		m.ask_answer = 0;
		assert_int_equal(zfd_sink_entry.prepare(ctx, &info, &max_mem), 0);
		assert_int_equal(zfd_sink_entry.open(ctx, &info), -ENOSPC);
		assert_int_equal(m.asked, 1);
		assert_string_equal(m.last_question, "Remove oldest dump 'dump.4' (y/n)?");
		assert_true(zfd_mock_host_logged(&m, "removing 'dump.4' declined"));
		zfd_sink_entry.close(ctx);
	}
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(fsimg, sizeof(fsimg), "%s/fs.img", tmpdir);
	config_init(&cfg);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	config_destroy(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_ok),
		cmocka_unit_test(test_fsck_words),
		cmocka_unit_test(test_prepare_space),
		cmocka_unit_test(test_odd_size),
		cmocka_unit_test(test_ask_declined),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
