// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the extfs sink through its descriptor, with the mock host:
 * config validation, e2fsck exit codes in words, prepare's space check,
 * an odd memory size whose end marker starts inside a block (read back with
 * libext2fs), the ask callback, and misuse of write(). Sink ABI 2: a packed
 * layout (gaps between extents stay holes, the final prologue replaces the
 * one of open), an incomplete pass with its final prologue, and the
 * capacity prepare() reports in stored bytes.
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
	snprintf(text, sizeof(text), "sink = {\n type = \"extfs\";\n %s\n};\n",
		 keys);
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
	assert_int_equal(configure(&m, "device = \"/x\"; colour = \"red\";",
				   &ctx),
			 -EINVAL);
	assert_true(zfd_mock_host_logged(
		&m, "unknown key 'colour' for sink type 'extfs'"));
	assert_int_equal(configure(&m, "dir = \"/d\";", &ctx), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "needs a 'device'"));
	assert_int_equal(configure(&m, "device = \"/x\"; on_full = \"panic\";",
				   &ctx),
			 -EINVAL);
	assert_true(zfd_mock_host_logged(
		&m,
		"'on_full' must be one of delete-oldest, ask, fail, not 'panic'"));
	assert_int_equal(configure(&m, "device = \"/x\"; fsck = \"maybe\";",
				   &ctx),
			 -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "'fsck' must be one of auto, no"));
	assert_int_equal(configure(&m, "device = \"/x\"; dir = \"/a/../b\";",
				   &ctx),
			 -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "without '..'"));
	assert_int_equal(configure(&m, "device = \"/x\"; keep = -1;", &ctx),
			 -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "'keep' must not be negative"));
	assert_int_equal(configure(&m, "device = \"/x\"; ask_timeout = 100000;",
				   &ctx),
			 -EINVAL);
	assert_true(zfd_mock_host_logged(&m,
					 "'ask_timeout' must be at most 86400"));
	assert_int_equal(configure(&m, "device = \"/x\"; sparse = \"perhaps\";",
				   &ctx),
			 -EINVAL);
	assert_int_equal(configure(&m, "device = \"/x\"; keep = \"many\";",
				   &ctx),
			 -EINVAL);
	assert_true(zfd_mock_host_logged(&m,
					 "'keep' must be a number, not 'many'"));
}

static void test_config_ok(void **state)
{
	struct zfd_mock_host m;
	void *ctx = NULL;

	(void)state;
	assert_int_equal(configure(&m,
				   "device = \"UUID=1234\"; dir = \"dumps/\"; "
				   "fsck = \"no\"; format = \"elf\"; sparse = false; "
				   "keep = 3; on_full = \"ask\"; ask_timeout = 5; "
				   "e2fsck = \"/sbin/e2fsck\";",
				   &ctx),
			 0);
	zfd_sink_entry.close(ctx);
	/* "format" is the host's key: accepted, its value checked there */
	assert_int_equal(configure(&m, "device = \"/x\"; format = \"kdump\";",
				   &ctx),
			 0);
	zfd_sink_entry.close(ctx);
	/* -o style: numbers and booleans as strings */
	assert_int_equal(
		configure(&m,
			  "device = \"/x\"; keep = \"2\"; sparse = \"false\";",
			  &ctx),
		0);
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

/* The s390 format's layout for mem bytes of memory, as the host gives it. */
static void s390_info(struct zfd_dump_info *info, const uint8_t *hdr,
		      uint64_t mem, struct zfd_range *extent)
{
	memset(info, 0, sizeof(*info));
	info->format = "s390";
	info->prologue = hdr;
	info->prologue_len = 4096;
	info->trailer_off = 4096 + mem;
	info->trailer_len = 16;
	info->size = 4096 + mem + 16;
	extent->start = 4096;
	extent->size = mem;
	info->extents = extent;
	info->nr_extents = 1;
	info->mem_size = info->mem_size_orig = mem;
	info->source = "unit";
}

static void test_prepare_space(void **state)
{
	struct zfd_dump_info info = { 0 };
	struct zfd_range ext, ext2[2];
	struct zfd_mock_host m;
	uint8_t hdr[4096];
	uint64_t cap;
	char keys[800];
	void *ctx;

	(void)state;
	mkfs("ext2", "8M");
	make_hdr(hdr, 64 << 20);
	s390_info(&info, hdr, 64 << 20, &ext);
	info.dry_run = true;
	snprintf(keys, sizeof(keys), "device = \"%s\"; sparse = false;", fsimg);
	assert_int_equal(configure(&m, keys, &ctx), 0);
	assert_int_equal(zfd_sink_entry.prepare(ctx, &info, &cap), -ENOSPC);
	/* stored bytes: what fits, prologue and trailer included */
	assert_true(cap < 8 << 20);
	assert_true(cap > 4 << 20);
	assert_int_equal((cap - 4096 - 16) % 4096, 0);
	assert_true(zfd_mock_host_logged(&m, "the dump needs 64 MiB, only"));
	zfd_sink_entry.close(ctx);
	/*
	 * sparse: the stored data that exists counts (64 MiB of holes in a
	 * packed dump of 4 MiB fit), without the holes between the extents
	 */
	info.format = "elf";
	info.prologue_len = 8192;
	ext2[0] = (struct zfd_range){ 8192, 2 << 20 };
	ext2[1] = (struct zfd_range){ (62 << 20), 2 << 20 };
	info.extents = ext2;
	info.nr_extents = 2;
	info.trailer_off = info.size = 64 << 20;
	info.trailer_len = 0;
	snprintf(keys, sizeof(keys), "device = \"%s\"; fsck = \"no\";", fsimg);
	assert_int_equal(configure(&m, keys, &ctx), 0);
	assert_int_equal(zfd_sink_entry.prepare(ctx, &info, &cap), 0);
	assert_true(cap == UINT64_MAX);
	assert_false(zfd_mock_host_logged(&m, "fits only if"));
	zfd_sink_entry.close(ctx);
	s390_info(&info, hdr, 64 << 20, &ext);
	info.dry_run = true;
	/* sparse: cannot tell, so it may try */
	snprintf(keys, sizeof(keys), "device = \"%s\";", fsimg);
	assert_int_equal(configure(&m, keys, &ctx), 0);
	assert_int_equal(zfd_sink_entry.prepare(ctx, &info, &cap), 0);
	assert_true(cap == UINT64_MAX);
	assert_true(zfd_mock_host_logged(&m,
					 "fits only if enough pages are zero"));
	zfd_sink_entry.close(ctx);
	/* not a filesystem */
	snprintf(keys, sizeof(keys), "device = \"%s/nofs\"; fsck = \"no\";",
		 tmpdir);
	assert_int_equal(configure(&m, keys, &ctx), 0);
	assert_int_not_equal(zfd_sink_entry.prepare(ctx, &info, &cap), 0);
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
	assert_int_equal(ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path,
				      &ino),
			 0);
	assert_int_equal(ext2fs_file_open(fs, ino, 0, &f), 0);
	assert_int_equal(ext2fs_file_read(f, buf, (unsigned int)len, &got), 0);
	ext2fs_file_close(f);
	ext2fs_close_free(&fs);
	return got;
}

/* configure the sink on fsimg (no fsck), prepare and open it for info */
static void *open_on_fsimg(struct zfd_mock_host *m, struct zfd_dump_info *info)
{
	char keys[800];
	uint64_t cap;
	void *ctx;

	snprintf(keys, sizeof(keys), "device = \"%s\"; fsck = \"no\";", fsimg);
	assert_int_equal(configure(m, keys, &ctx), 0);
	assert_int_equal(zfd_sink_entry.prepare(ctx, info, &cap), 0);
	assert_int_equal(zfd_sink_entry.open(ctx, info), 0);
	return ctx;
}

/* three pages of pattern i * mul + add, the middle one zero */
static uint8_t *three_pages(unsigned int mul, unsigned int add)
{
	uint8_t *data = aligned_alloc(4096, 3 * 4096);
	size_t i;

	assert_non_null(data);
	for (i = 0; i < 3 * 4096; i++)
		data[i] = (uint8_t)(i * mul + add);
	memset(data + 4096, 0, 4096);
	return data;
}

/* blk: the first two pages of data at offset, the second a zero page */
static void two_pages_one_zero(struct zfd_block *blk, uint64_t offset,
			       uint8_t *data, uint64_t *zmap)
{
	blk->offset = offset;
	blk->data = data;
	blk->len = 8192;
	blk->nr_pages = 2;
	zmap[0] = 2;
	blk->nr_zero_pages = 1;
	blk->zero_map = zmap;
}

static void test_odd_size(void **state)
{
	const uint64_t mem = 8192 + 100;
	struct zfd_dump_info info = { 0 };
	struct zfd_result res = { 0 };
	struct zfd_block blk = { 0 };
	struct zfd_range ext;
	struct zfd_mock_host m;
	uint64_t zmap[1] = { 0 };
	uint8_t hdr[4096], em[16], *data, back[20000];
	size_t n;
	void *ctx;

	(void)state;
	mkfs("ext4", "8M");
	make_hdr(hdr, mem);
	s390_info(&info, hdr, mem, &ext);
	data = three_pages(7, 1); /* page 1 is a hole */
	ctx = open_on_fsimg(&m, &info);

	two_pages_one_zero(&blk, 4096, data, zmap);
	assert_int_equal(zfd_sink_entry.write(ctx, &blk), 0);
	/* out of order: refused */
	assert_int_equal(zfd_sink_entry.write(ctx, &blk), -EINVAL);
	assert_true(zfd_mock_host_logged(&m, "expected 12288"));
	blk.offset = 12288;
	blk.mem_offset = 8192;
	blk.data = data + 8192;
	blk.len = 100;
	blk.nr_pages = 1;
	zmap[0] = 0;
	blk.nr_zero_pages = 0;
	assert_int_equal(zfd_sink_entry.write(ctx, &blk), 0);

	res.status = ZFD_STATUS_COMPLETE;
	res.dumped_bytes = mem;
	res.stored_end = 4096 + mem;
	res.prologue = hdr;
	zfd_s390_end_marker(em, 0x1234);
	res.trailer = em;
	res.trailer_len = 16;
	strcpy(res.digest, "xxh3-128:0");
	assert_int_equal(zfd_sink_entry.finish(ctx, &info, &res), 0);
	zfd_sink_entry.close(ctx);

	n = fs_read("dump.0", back, sizeof(back));
	assert_int_equal(n, 4096 + mem + 16);
	assert_memory_equal(back, hdr, 4096);
	assert_memory_equal(back + 4096, data, mem);
	assert_memory_equal(back + 4096 + mem, em, 16);
	n = fs_read("dump.0.info", back, sizeof(back));
	back[n] = 0;
	assert_non_null(strstr((char *)back, "status: complete\n"));
	assert_non_null(strstr((char *)back, "format: s390\n"));
	free(data);
}

/* Physical block holding byte off of PATH in the image (0: a hole). */
static blk64_t fs_bmap(const char *path, uint64_t off)
{
	ext2_filsys fs;
	ext2_ino_t ino;
	blk64_t pblk = 0;

	assert_int_equal(ext2fs_open(fsimg, EXT2_FLAG_64BITS, 0, 0,
				     unix_io_manager, &fs),
			 0);
	assert_int_equal(ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path,
				      &ino),
			 0);
	assert_int_equal(ext2fs_bmap2(fs, ino, NULL, NULL, 0,
				      off / fs->blocksize, NULL, &pblk),
			 0);
	ext2fs_close_free(&fs);
	return pblk;
}

/*
 * A packed layout (as the elf format writes): an 8 KiB prologue, two
 * extents with a gap the host never delivers, no trailer. The gap and the
 * zero page stay holes, a block that starts inside the gap (not at an
 * extent) is refused, and the final prologue replaces the one of open.
 */
static void test_packed(void **state)
{
	struct zfd_range ext[2] = { { 8192, 8192 }, { 32768, 4096 } };
	struct zfd_dump_info info = { 0 };
	struct zfd_result res = { 0 };
	struct zfd_block blk = { 0 };
	struct zfd_mock_host m;
	uint64_t zmap[1] = { 0 };
	uint8_t pro_open[8192], pro_final[8192], *data, back[40000];
	size_t i, n;
	void *ctx;

	(void)state;
	mkfs("ext4", "8M");
	memset(pro_open, 0x11, sizeof(pro_open));
	memset(pro_final, 0x22, sizeof(pro_final));
	info.format = "elf";
	info.prologue = pro_open;
	info.prologue_len = 8192;
	info.extents = ext;
	info.nr_extents = 2;
	info.trailer_off = info.size = 36864;
	info.mem_size = info.mem_size_orig = 1 << 20;
	info.source = "unit";
	data = three_pages(13, 5); /* page 1 is a zero page */
	ctx = open_on_fsimg(&m, &info);
	two_pages_one_zero(&blk, 8192, data, zmap);
	assert_int_equal(zfd_sink_entry.write(ctx, &blk), 0);
	/* inside the gap, not at the next extent: refused */
	blk.offset = 20480;
	blk.mem_offset = 1 << 19;
	blk.data = data + 8192;
	blk.len = 4096;
	blk.nr_pages = 1;
	zmap[0] = 0;
	blk.nr_zero_pages = 0;
	assert_int_equal(zfd_sink_entry.write(ctx, &blk), -EINVAL);
	assert_true(zfd_mock_host_logged(
		&m, "internal error: write at 20480, expected 16384"));
	blk.offset = 32768;
	assert_int_equal(zfd_sink_entry.write(ctx, &blk), 0);
	res.status = ZFD_STATUS_COMPLETE;
	res.dumped_bytes = 3 * 4096;
	res.stored_end = 36864;
	res.prologue = pro_final;
	strcpy(res.digest, "xxh3-128:0");
	assert_int_equal(zfd_sink_entry.finish(ctx, &info, &res), 0);
	zfd_sink_entry.close(ctx);

	n = fs_read("dump.0", back, sizeof(back));
	assert_int_equal(n, 36864);
	assert_memory_equal(back, pro_final, 8192);
	assert_memory_equal(back + 8192, data, 8192);
	for (i = 16384; i < 32768; i++)
		assert_int_equal(back[i], 0);
	assert_memory_equal(back + 32768, data + 8192, 4096);
	/* holes: the zero page and the gap */
	assert_int_not_equal(fs_bmap("dump.0", 8192), 0);
	for (i = 12288; i < 32768; i += 1024)
		assert_int_equal(fs_bmap("dump.0", i), 0);
	assert_int_not_equal(fs_bmap("dump.0", 32768), 0);
	n = fs_read("dump.0.info", back, sizeof(back));
	back[n] = 0;
	assert_non_null(strstr((char *)back, "status: complete\n"));
	assert_non_null(strstr((char *)back, "format: elf\n"));
	free(data);
}

/*
 * An incomplete pass: the host's final prologue is stored, the trailer is
 * not, the name stays dump.N.incomplete and the file ends where the data
 * written ends.
 */
static void test_incomplete(void **state)
{
	struct zfd_dump_info info = { 0 };
	struct zfd_result res = { 0 };
	struct zfd_block blk = { 0 };
	struct zfd_range ext;
	struct zfd_mock_host m;
	uint64_t zmap[1] = { 0 };
	uint8_t hdr[4096], final[4096], *data, back[20000];
	size_t n;
	void *ctx;

	(void)state;
	mkfs("ext3", "8M");
	make_hdr(hdr, 4 * 4096);
	make_hdr(final, 2 * 4096);
	s390_info(&info, hdr, 4 * 4096, &ext);
	data = aligned_alloc(4096, 2 * 4096);
	memset(data, 0x5a, 2 * 4096);
	ctx = open_on_fsimg(&m, &info);
	blk.offset = 4096;
	blk.data = data;
	blk.len = 2 * 4096;
	blk.nr_pages = 2;
	blk.zero_map = zmap;
	assert_int_equal(zfd_sink_entry.write(ctx, &blk), 0);
	res.status = ZFD_STATUS_INCOMPLETE;
	res.reason = "source read error";
	res.dumped_bytes = 2 * 4096;
	res.stored_end = 3 * 4096;
	res.prologue = final;
	strcpy(res.digest, "xxh3-128:0");
	/* the incomplete dump is stored as such: finish() succeeds */
	assert_int_equal(zfd_sink_entry.finish(ctx, &info, &res), 0);
	zfd_sink_entry.close(ctx);
	n = fs_read("dump.0.incomplete", back, sizeof(back));
	assert_int_equal(n, 3 * 4096);
	assert_memory_equal(back, final, 4096);
	assert_memory_equal(back + 4096, data, 2 * 4096);
	n = fs_read("dump.0.info", back, sizeof(back));
	back[n] = 0;
	assert_non_null(strstr((char *)back, "status: incomplete\n"));
	assert_true(zfd_mock_host_logged(
		&m,
		"incomplete dump left as /dump.0.incomplete (source read error)"));
	free(data);
}

static void test_ask_declined(void **state)
{
	struct zfd_dump_info info = { 0 };
	struct zfd_mock_host m;
	struct zfd_range ext;
	uint8_t hdr[4096];
	uint64_t cap;
	char keys[800];
	void *ctx;
	int i;

	(void)state;
	mkfs("ext2", "40M");
	make_hdr(hdr, 16 << 20);
	s390_info(&info, hdr, 16 << 20, &ext);
	/* one old dump of 12 MiB, then too little room for 16 MiB */
	snprintf(keys, sizeof(keys),
		 "head -c 12M /dev/urandom >%s/old && "
		 "debugfs -w -R 'write %s/old dump.4' %s >/dev/null 2>&1",
		 tmpdir, tmpdir, fsimg);
	assert_int_equal(system(keys), 0);
	snprintf(keys, sizeof(keys),
		 "head -c 12M /dev/urandom >%s/filler && "
		 "debugfs -w -R 'write %s/filler filler' %s >/dev/null 2>&1",
		 tmpdir, tmpdir, fsimg);
	assert_int_equal(system(keys), 0);
	for (i = 0; i < 2; i++) {
		snprintf(keys, sizeof(keys),
			 "device = \"%s\"; fsck = \"no\"; sparse = false; "
			 "on_full = \"ask\"; ask_timeout = 7;",
			 fsimg);
		assert_int_equal(configure(&m, keys, &ctx), 0);
		m.ask_answer = 0;
		assert_int_equal(zfd_sink_entry.prepare(ctx, &info, &cap), 0);
		assert_int_equal(zfd_sink_entry.open(ctx, &info), -ENOSPC);
		assert_int_equal(m.asked, 1);
		assert_string_equal(m.last_question,
				    "Remove oldest dump 'dump.4' (y/n)?");
		assert_true(zfd_mock_host_logged(&m,
						 "removing 'dump.4' declined"));
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
		cmocka_unit_test(test_packed),
		cmocka_unit_test(test_incomplete),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
