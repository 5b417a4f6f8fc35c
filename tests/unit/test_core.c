// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the daemon: config errors with line numbers, -o/-s specs,
 * the kernel command line, memmap parsing. */
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

#include "core.h"
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
	assert_int_equal(load(&c,
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
		"          { type = \"raw\"; device = \"/dev/sda2\"; } );\n"), 0);
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
	expect_error("policy = \"first\";\nsinks = ( { type = \"raw\" ; } \n", ":3: ");
	expect_error("policy = \"first\";\n\nbogus = 1;\n", ":3: unknown key 'bogus'");
	expect_error("policy = \"sometimes\";\n", ":1: 'policy' must be one of first, all");
	expect_error("\nprogress = { interval = \"often\"; };\n", ":2: 'interval' must be a number");
	expect_error("limit = \"12X\";\n", ":1: 'limit' must be a size");
	expect_error("limit = true;\n", ":1: 'limit' must be a size");
	expect_error("source = { type = \"file\"; };\n", ":1: source type \"file\" needs 'path'");
	expect_error("source = { type = \"zcore\"; path = \"/x\"; };\n", "only for source types \"file\" and \"vmcore\"");
	expect_error("modules = [ 1, 2 ];\n", ":1: 'modules' element 1 must be a string");
	expect_error("sinks = ( { device = \"/dev/sda1\"; } );\n", ":1: sink 1 has no 'type'");
	expect_error("\n\nsinks = ( 5 );\n", ":3: sink 1 must be a group");
	expect_error("final_action = \"explode\";\n", "'final_action' must be one of reipl, poweroff, halt, shell, none, reboot");
	expect_error("device_wait = -1;\n", "must not be negative");
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
	assert_string_equal(config_setting_get_string(
		config_setting_get_member(c.sinks[0], "device")), "/dev/sda1");
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
	assert_int_equal(zfd_config_set_source(&c, "file:/a.img,memmap=/a.map"), 0);
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
	assert_int_equal(zfd_cmdline_parse(&cl, "root=/dev/x dump_part=3 dump_dir=/dumps "
					   "dump_mem=64M dump_mode=interactive dump_debug=5 quiet\n"), 0);
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
	assert_string_equal(config_setting_get_string(config_setting_get_member(s, "device")),
			    "/dev/sda3");
	assert_string_equal(config_setting_get_string(config_setting_get_member(s, "dir")),
			    "/dumps");
	assert_string_equal(config_setting_get_string(config_setting_get_member(s, "on_full")),
			    "ask");
	zfd_config_free(&c);

	assert_int_not_equal(zfd_cmdline_parse(&cl, "dump_part=0 dump_mem=lots dump_mode=x"), 0);
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
	assert_int_equal(zfd_cmdline_parse(&cl, "dump_part=2 dump_mode=auto"), 0);
	assert_int_equal(zfd_config_apply_cmdline(&c, &cl), 0);
	assert_int_equal(c.nr_sinks, 2);
	assert_string_equal(c.sink_types[0], "extfs");
	assert_string_equal(config_setting_get_string(
		config_setting_get_member(c.sinks[0], "on_full")), "delete-oldest");
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
	assert_int_equal(zfd_memmap_parse(ok, strlen(ok), 48ULL << 20, &r, &n), 0);
	/* the 2nd and 3rd chunk touch: merged */
	assert_int_equal(n, 2);
	assert_int_equal(r[0].start, 0);
	assert_int_equal(r[0].size, 16ULL << 20);
	assert_int_equal(r[1].start, 17ULL << 20);
	assert_int_equal(r[1].size, 31ULL << 20);
	free(r);
	/* beyond mem_size, unterminated, unaligned, overlapping, garbage */
	assert_int_equal(zfd_memmap_parse(ok, strlen(ok), 40ULL << 20, &r, &n), -EINVAL);
	assert_int_equal(zfd_memmap_parse(ok, 66, 48ULL << 20, &r, &n), -EINVAL);
	assert_int_equal(zfd_memmap_parse("0000000000000001 0000000000001000 "
					  "0000000000000000 0000000000000000 ",
					  68, 1 << 20, &r, &n), -EINVAL);
	assert_int_equal(zfd_memmap_parse("0000000000000000 0000000000002000 "
					  "0000000000001000 0000000000001000 "
					  "0000000000000000 0000000000000000 ",
					  102, 1 << 20, &r, &n), -EINVAL);
	assert_int_equal(zfd_memmap_parse("hello", 5, 1 << 20, &r, &n), -EINVAL);
	assert_int_equal(zfd_memmap_parse("", 0, 1 << 20, &r, &n), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_full),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_default),
		cmocka_unit_test(test_sink_specs),
		cmocka_unit_test(test_bad_sink_specs),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_cmdline_adds_extfs),
		cmocka_unit_test(test_memmap),
	};

	zfd_log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
