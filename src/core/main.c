// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zfcpdump: reads the memory of a crashed system and writes it to the
 * configured sinks. Runs as PID 1 of a dump kernel, or by hand.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "manifest.h"
#include "util.h"

#define EXIT_COMPLETE 0
#define EXIT_FAILED   1
#define EXIT_USAGE    2

#define MAX_O_SPECS ZFD_MAX_SINKS

struct opts {
	const char *config;
	const char *source;
	char *sinks[MAX_O_SPECS];
	size_t nr_sinks;
	const char *plugin_dir;
	const char *root;
	const char *cmdline;
	bool dry_run;
	bool check_config;
	int verbosity;
	const char *json;
	int dump_level; /* -d, -1: not given */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	/* atomic: the reader thread polls it */
	__atomic_store_n(&stop_signal, sig, __ATOMIC_RELAXED);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: zfcpdump [-c FILE] [-s SOURCE] [-o SINK]... [-d LEVEL] [--plugin-dir DIR]\n"
		"                [--root DIR] [--cmdline FILE|none] [-n] [-q|-v]\n"
		"Writes the memory of a crashed system to dump sinks.\n"
		"\n"
		"  -c, --config FILE      config file (default %s/zfcpdump.conf;\n"
		"                         /etc/zfcpdump.conf as PID 1)\n"
		"  -s, --source SOURCE    zcore | vmcore | file:PATH[,memmap=PATH]\n"
		"  -o, --sink SINK        TYPE:key=value,... replaces the config's sinks\n"
		"                         (repeatable, tried in order)\n"
		"  -d, --dump-level N     leave pages out as makedumpfile -d N (0-31; 1 zero,\n"
		"                         2 cache, 4 cache private, 8 user, 16 free), every sink\n"
		"      --plugin-dir DIR   sink plugins (default %s/sinks)\n"
		"      --root DIR         prefix for /sys, /proc and /dev paths (tests)\n"
		"      --cmdline FILE|none  kernel command line to honour (default\n"
		"                         /proc/cmdline as PID 1, else none)\n"
		"  -n, --dry-run          check source and sinks, print the plan, write nothing\n"
		"      --check-config     only parse and validate the config and its sinks\n"
		"                         (needs no devices; used by zfcpdump-mkinitramfs)\n"
		"      --json FILE        also write the run's summary to FILE as JSON\n"
		"  -q, --quiet            errors and the final summary only\n"
		"  -v, --verbose          more detail (repeat for debug)\n"
		"  -h, --help             this text\n"
		"  -V, --version          the version\n"
		"\n"
		"Exit status: 0 dump complete, 1 dump failed or incomplete,\n"
		"2 usage or config error.\n",
		SYSCONFDIR, PKGLIBDIR);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "source", required_argument, NULL, 's' },
		{ "sink", required_argument, NULL, 'o' },
		{ "dump-level", required_argument, NULL, 'd' },
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "root", required_argument, NULL, 'R' },
		{ "cmdline", required_argument, NULL, 'C' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "check-config", no_argument, NULL, 'K' },
		{ "json", required_argument, NULL, 'J' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->verbosity = 1;
	o->dump_level = -1;
	o->plugin_dir = PKGLIBDIR "/sinks";
	o->root = "/";
	while ((ch = getopt_long(argc, argv, "c:s:o:d:nqvhV", lopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			if (o->source) {
				fprintf(stderr, "zfcpdump: -s given twice\n");
				return -EINVAL;
			}
			o->source = optarg;
			break;
		case 'o':
			if (o->nr_sinks >= MAX_O_SPECS) {
				fprintf(stderr,
					"zfcpdump: more than %d -o sinks\n",
					MAX_O_SPECS);
				return -EINVAL;
			}
			o->sinks[o->nr_sinks++] = optarg;
			break;
		case 'd': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!*optarg || *end || v < 0 ||
			    v > ZFD_KDUMP_MAX_LEVEL) {
				fprintf(stderr,
					"zfcpdump: -d %s: the dump level is a "
					"number 0-%d\n",
					optarg, ZFD_KDUMP_MAX_LEVEL);
				return -EINVAL;
			}
			o->dump_level = (int)v;
			break;
		}
		case 'P':
			o->plugin_dir = optarg;
			break;
		case 'R':
			o->root = optarg;
			break;
		case 'C':
			o->cmdline = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'K':
			o->check_config = true;
			break;
		case 'J':
			o->json = optarg;
			break;
		case 'q':
			o->verbosity = 0;
			break;
		case 'v':
			o->verbosity = o->verbosity < 1 ? 2 : o->verbosity + 1;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_COMPLETE);
		case 'V':
			printf("zfcpdump %s (sink ABI %d)\n", PACKAGE_VERSION,
			       ZFD_SINK_ABI);
			exit(EXIT_COMPLETE);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "zfcpdump: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (o->dry_run && o->check_config) {
		fprintf(stderr,
			"zfcpdump: -n and --check-config exclude each other\n");
		return -EINVAL;
	}
	return 0;
}

struct daemon {
	struct opts o;
	bool pid1;
	struct zfd_config cfg;
	struct zfd_cmdline cl;
	struct zfd_source src;
	bool have_src;
	struct zfd_sink_inst sinks[ZFD_MAX_SINKS];
	size_t nr_sinks;
};

static void unload_sinks(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->nr_sinks; i++)
		zfd_plugin_unload(&d->sinks[i]);
	d->nr_sinks = 0;
}

static void sink_desc(struct zfd_sink_inst *si, const char *type,
		      const config_setting_t *cfg)
{
	const config_setting_t *dev = config_setting_get_member(cfg, "device");

	if (dev && config_setting_type(dev) == CONFIG_TYPE_STRING)
		snprintf(si->desc, sizeof(si->desc), "%s:%s", type,
			 config_setting_get_string(dev));
	else
		snprintf(si->desc, sizeof(si->desc), "%s", type);
}

/*
 * Loads the plugins and lets each sink check its own keys. cfg_rc: the
 * result of the global checks (a broken 'sinks' list was reported there).
 */
static int setup_sinks(struct daemon *d, int cfg_rc)
{
	struct zfd_config *c = &d->cfg;
	struct zfd_sink_inst *si;
	size_t i;
	int rc, ret = 0;

	if (!c->nr_sinks) {
		if (!cfg_rc ||
		    !config_setting_get_member(config_root_setting(&c->cfg),
					       "sinks"))
			zfd_log(ZFD_LOG_ERR | ZFD_LOG_PLAIN,
				"%s: no sinks configured", c->file);
		return -EINVAL;
	}
	rc = zfd_config_inherit_encrypt(c);
	if (rc)
		return rc;
	for (i = 0; i < c->nr_sinks; i++) {
		si = &d->sinks[d->nr_sinks];
		memset(si, 0, sizeof(*si));
		sink_desc(si, c->sink_types[i], c->sinks[i]);
		si->cfg = c->sinks[i];
		rc = zfd_config_sink_format(si->cfg, &si->format_cfg);
		if (rc)
			ret = rc;
		rc = zfd_config_sink_output(c, si->cfg, &si->out);
		if (rc)
			ret = rc;
		if (d->o.dump_level >= 0)
			si->out.dump_level = (unsigned int)d->o.dump_level;
		rc = zfd_plugin_load(si, d->o.plugin_dir, c->sink_types[i],
				     c->sinks[i]);
		if (rc) {
			ret = rc;
			continue;
		}
		zfd_host_init(si, d->o.root, d->pid1);
		d->nr_sinks++;
		rc = si->ops->configure(&si->host, si->cfg, &si->ctx);
		if (rc) {
			si->ctx = NULL;
			ret = rc;
		}
	}
	return ret;
}

static int load_config(struct daemon *d)
{
	struct zfd_config *c = &d->cfg;
	const char *file = d->o.config;
	bool explicit = file != NULL;
	int rc, sinks_rc;

	if (!file)
		file = d->pid1 ? "/etc/zfcpdump.conf" :
				 SYSCONFDIR "/zfcpdump.conf";
	if (!explicit && !d->pid1 && access(file, F_OK)) {
		zfd_dbg("no %s: built-in defaults", file);
		rc = zfd_config_load_default(c);
	} else {
		rc = zfd_config_load(c, file);
	}
	/*
	 * Every mistake is reported at once: the sinks check their own keys
	 * even when global settings are wrong, as long as the file parsed
	 * and the sink list is intact.
	 */
	if (!c->parsed)
		return rc;
	if (d->o.source)
		rc = zfd_config_set_source(c, d->o.source) ?: rc;
	if (d->o.nr_sinks) {
		sinks_rc = zfd_config_set_sinks(c, d->o.sinks, d->o.nr_sinks);
		if (sinks_rc)
			return sinks_rc; /* the sink list is not usable */
	}
	rc = zfd_config_apply_cmdline(c, &d->cl) ?: rc;
	return setup_sinks(d, rc) ?: rc;
}

/* As PID 1 a broken config must not cost the dump: use the built-in one. */
static int load_config_or_fallback(struct daemon *d)
{
	int rc = load_config(d);

	if (!rc || !d->pid1)
		return rc;
	zfd_err("config unusable; falling back to the built-in default "
		"(extfs on /dev/sda1, then raw on /dev/sda2)");
	unload_sinks(d);
	zfd_config_free(&d->cfg);
	zfd_config_init(&d->cfg);
	d->cfg.fallback = true;
	rc = zfd_config_load_default(&d->cfg);
	if (!rc && d->o.source)
		rc = zfd_config_set_source(&d->cfg, d->o.source);
	if (!rc)
		rc = zfd_config_apply_cmdline(&d->cfg, &d->cl);
	if (!rc)
		rc = setup_sinks(d, 0);
	return rc;
}

static bool retryable(int rc)
{
	return rc == -ENOENT || rc == -ENODEV || rc == -ENXIO ||
	       rc == -ENOMEDIUM;
}

static bool have_vmcore(const char *root)
{
	char path[4096];

	zfd_root_path(root, "/proc/vmcore", path, sizeof(path));
	return access(path, R_OK) == 0;
}

static int open_source(struct daemon *d)
{
	struct zfd_config *c = &d->cfg;
	time_t until = time(NULL) + (d->pid1 ? c->device_wait : 0);
	bool waited = false;
	int rc;

	switch (c->source_type) {
	case ZFD_SRC_FILE:
		return zfd_source_open_file(&d->src, c->source_path,
					    c->source_memmap);
	case ZFD_SRC_ZCORE:
		for (;;) {
			rc = zfd_source_open_zcore(&d->src, d->o.root);
			if (rc == -ENOENT && c->source_auto &&
			    have_vmcore(d->o.root)) {
				/* s390 kernels >= 3.12, kdump capture kernels */
				zfd_info("no zcore/mem: dumping /proc/vmcore");
				c->source_type = ZFD_SRC_VMCORE;
				return open_source(d);
			}
			if (!retryable(rc) || time(NULL) >= until)
				break;
			if (!waited)
				zfd_info("waiting up to %u s for zcore/mem",
					 c->device_wait);
			waited = true;
			usleep(250000);
		}
		if (rc && rc != -EINVAL)
			zfd_err("source zcore: cannot open %s%s/mem: %s",
				strcmp(d->o.root, "/") ? d->o.root : "",
				"/sys/kernel/debug/zcore", strerror(-rc));
		return rc;
	case ZFD_SRC_VMCORE:
		for (;;) {
			rc = zfd_source_open_vmcore(&d->src, d->o.root,
						    c->source_path);
			if (!retryable(rc) || time(NULL) >= until)
				break;
			if (!waited)
				zfd_info("waiting up to %u s for /proc/vmcore",
					 c->device_wait);
			waited = true;
			usleep(250000);
		}
		/* a bad core was reported by the source itself */
		if (rc && rc != -EINVAL && rc != -EOPNOTSUPP)
			zfd_err("source vmcore: cannot open %s%s: %s",
				c->source_path || !strcmp(d->o.root, "/") ?
					"" :
					d->o.root,
				c->source_path ? c->source_path :
						 "/proc/vmcore",
				strerror(-rc));
		return rc;
	default:
		return -EINVAL;
	}
}

/* As PID 1, give each sink's device time to appear (bounded). */
static void wait_for_sinks(struct daemon *d, struct zfd_run *run)
{
	time_t until = time(NULL) + d->cfg.device_wait;
	struct zfd_plan pl;
	uint64_t capacity;
	size_t i;
	int rc, saved;

	for (i = 0; i < d->nr_sinks; i++) {
		struct zfd_sink_inst *si = &d->sinks[i];

		if (zfd_plan_build(&pl, run, si, run->mem_size, true))
			continue; /* the pass reports it */
		saved = zfd_log_verbosity();
		for (;;) {
			/* muted while waiting; the real prepare() reports */
			zfd_log_init(-1);
			rc = si->ops->prepare(si->ctx, &pl.info, &capacity);
			zfd_log_init(saved);
			if (!retryable(rc) || time(NULL) >= until)
				break;
			usleep(250000);
		}
		zfd_plan_free(&pl);
	}
}

/*
 * Each sink's format (key "format", or the source's default) must hold
 * this dump: one line per sink that cannot, before any sink is touched.
 */
static int check_formats(struct daemon *d, struct zfd_run *run)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < d->nr_sinks; i++)
		rc = zfd_sink_format(run, &d->sinks[i]) ?: rc;
	return rc;
}

/* st is the source itself: the same inode, or the same block device. */
static bool same_file(const struct stat *src, const struct stat *st)
{
	if (S_ISBLK(src->st_mode) && S_ISBLK(st->st_mode))
		return src->st_rdev == st->st_rdev;
	return src->st_dev == st->st_dev && src->st_ino == st->st_ino;
}

/*
 * Refuses a sink whose device is the source (the same file, also through
 * a hard link or another device node), before anything is written. The
 * sinks own their targets; the core knows both ends, so it checks the
 * configured 'device' as the sinks resolve it: the path itself, and below
 * a --root, a /dev path inside the root.
 */
static int check_targets(struct daemon *d)
{
	const config_setting_t *dev;
	const char *name;
	char path[4096];
	struct stat st;
	size_t i;
	int k, rc = 0;

	if (!d->src.have_st)
		return 0;
	for (i = 0; i < d->nr_sinks; i++) {
		dev = config_setting_get_member(d->sinks[i].cfg, "device");
		if (!dev || config_setting_type(dev) != CONFIG_TYPE_STRING)
			continue;
		name = config_setting_get_string(dev);
		for (k = 0; k < 2; k++) {
			if (k == 0)
				snprintf(path, sizeof(path), "%s", name);
			else if (strcmp(d->o.root, "/") &&
				 !strncmp(name, "/dev/", 5))
				zfd_root_path(d->o.root, name, path,
					      sizeof(path));
			else
				break;
			if (stat(path, &st) || !same_file(&d->src.st, &st))
				continue;
			zfd_err("sink %s: device %s is the dump source %s: refusing to "
				"write to it",
				d->sinks[i].desc, path, d->src.desc);
			rc = -EINVAL;
			break;
		}
	}
	return rc;
}

static void print_plan(struct daemon *d, struct zfd_run *run)
{
	const struct zfd_dump *dm = &d->src.dump;
	char arch[32], when[40] = "";
	size_t i;

	zfd_info("zfcpdump %s: source %s, %" PRIu64 " MiB of memory%s",
		 PACKAGE_VERSION, d->src.desc, run->mem_size >> 20,
		 run->mem_size != d->src.mem_size ? " (limited)" : "");
	if (dm->crash_time)
		zfd_format_utc(dm->crash_time, when, sizeof(when));
	zfd_info("dump of %s%s%s, %zu CPU%s%s%s",
		 zfd_dump_arch(dm, arch, sizeof(arch)),
		 dm->kernel[0] ? ", Linux " : "", dm->kernel, dm->nr_cpus,
		 dm->nr_cpus == 1 ? "" : "s", when[0] ? ", crashed " : "",
		 when);
	zfd_info("policy %s, %zu sink%s:",
		 d->cfg.policy == ZFD_POLICY_ALL ? "all (mirror)" :
						   "first (failover in order)",
		 d->nr_sinks, d->nr_sinks == 1 ? "" : "s");
	for (i = 0; i < d->nr_sinks; i++) {
		const struct zfd_sink_inst *si = &d->sinks[i];
		char extra[64] = "", lvl[32] = "";

		if (si->format == ZFD_FORMAT_KDUMP)
			snprintf(extra, sizeof(extra), ", %s",
				 zfd_kdump_codec_name(si->out.codec));
		if (si->out.dump_level)
			snprintf(lvl, sizeof(lvl), ", dump level %u",
				 si->out.dump_level);
		zfd_info("  %zu. %s (format %s%s%s)", i + 1, si->desc,
			 zfd_format_name(si->format), extra, lvl);
	}
}

static int dry_run(struct daemon *d, struct zfd_run *run)
{
	struct zfd_sink_inst *si;
	struct zfd_plan pl;
	size_t i, ok = 0;
	uint64_t capacity, mem;
	int rc;

	for (i = 0; i < d->nr_sinks; i++) {
		si = &d->sinks[i];
		rc = zfd_plan_build(&pl, run, si, run->mem_size, true);
		if (rc) {
			printf("  %s: not usable: %s\n", si->desc,
			       strerror(-rc));
			continue;
		}
		capacity = UINT64_MAX;
		rc = si->ops->prepare(si->ctx, &pl.info, &capacity);
		if (!rc && capacity < pl.info.size)
			rc = zfd_plan_fit(run, si, capacity, &mem);
		else
			mem = run->mem_size;
		zfd_plan_free(&pl);
		if (rc) {
			printf("  %s: not usable: %s\n", si->desc,
			       strerror(-rc));
			continue;
		}
		ok++;
		if (mem < run->mem_size)
			printf("  %s: ready, would truncate to %" PRIu64
			       " bytes\n",
			       si->desc, mem);
		else
			printf("  %s: ready\n", si->desc);
	}
	printf("dry run: nothing written\n");
	if (d->cfg.policy == ZFD_POLICY_ALL)
		return ok == d->nr_sinks ? EXIT_COMPLETE : EXIT_FAILED;
	return ok ? EXIT_COMPLETE : EXIT_FAILED;
}

static void print_summary(struct daemon *d)
{
	size_t i;

	printf("zfcpdump summary:\n");
	for (i = 0; i < d->nr_sinks; i++) {
		struct zfd_sink_inst *si = &d->sinks[i];
		const struct zfd_result *r = &si->res;
		double mib = (double)r->dumped_bytes / (1 << 20);

		if (!si->prepared) {
			printf("  %s: not used\n", si->desc);
			continue;
		}
		printf("  %s: %s, %" PRIu64 " bytes, %.2f s, %.1f MiB/s%s%s\n",
		       si->desc, zfd_sink_status(si), r->dumped_bytes,
		       r->seconds, r->seconds > 0 ? mib / r->seconds : 0.0,
		       si->reason[0] ? ": " : "", si->reason);
	}
	fflush(stdout);
}

static int dump(struct daemon *d, struct zfd_run *run)
{
	size_t i;
	int completed = 0, rc;

	run->src = &d->src;
	run->cfg = &d->cfg;
	if (d->cfg.policy == ZFD_POLICY_ALL) {
		for (i = 0; i < d->nr_sinks; i++) {
			run->sinks[i] = &d->sinks[i];
			d->sinks[i].prepared = true;
		}
		run->nr_sinks = d->nr_sinks;
		rc = zfd_pipeline_pass(run);
		if (rc < 0)
			return EXIT_FAILED;
		completed = rc;
		return (size_t)completed == d->nr_sinks ? EXIT_COMPLETE :
							  EXIT_FAILED;
	}
	for (i = 0; i < d->nr_sinks; i++) {
		run->sinks[0] = &d->sinks[i];
		run->nr_sinks = 1;
		d->sinks[i].prepared = true;
		if (i)
			zfd_info("failing over to %s", d->sinks[i].desc);
		rc = zfd_pipeline_pass(run);
		if (rc > 0)
			return EXIT_COMPLETE;
		if (stop_signal)
			break;
		/* a source that fails will fail every sink alike */
		if (d->sinks[i].cause == ZFD_FAIL_SOURCE) {
			zfd_err("the source failed (%s): no failover",
				d->sinks[i].reason);
			break;
		}
	}
	return EXIT_FAILED;
}

/*
 * --check-config lists the config's modules on stdout, one "module SPEC"
 * line each: zfcpdump-mkinitramfs packs them and writes their load order.
 */
static void print_config_modules(const struct zfd_config *c)
{
	size_t i;

	for (i = 0; i < c->nr_modules; i++)
		printf("module %s\n", c->modules[i]);
	fflush(stdout);
}

/*
 * --check-config: "format kdump" when a sink uses it, for
 * zfcpdump-mkinitramfs to pack the module (core.h) and its libraries.
 */
static void print_config_formats(const struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->nr_sinks; i++)
		if (d->sinks[i].format_cfg == ZFD_FORMAT_KDUMP) {
			printf("format kdump\n");
			break;
		}
	fflush(stdout);
}

/* --json FILE: after a dump attempt (also one that failed early). */
static void write_json(struct daemon *d, const struct zfd_run *run, int ret,
		       const char *error)
{
	struct zfd_json_run jr = {
		.exit_code = ret,
		.error = error,
		.source = d->have_src ? d->src.desc : NULL,
		.mem_size = run->mem_size,
		.policy_all = d->cfg.policy == ZFD_POLICY_ALL,
		.started = run->started,
		.finished = time(NULL),
		.sinks = d->sinks,
		.nr_sinks = d->nr_sinks,
	};

	if (!d->o.json || d->o.dry_run || d->o.check_config)
		return;
	zfd_json_summary(d->o.json, &jr);
}

int main(int argc, char **argv)
{
	struct daemon *d;
	struct zfd_run run = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	int rc, ret;
	size_t i;

	d = calloc(1, sizeof(*d));
	if (!d)
		return EXIT_FAILED;
	d->pid1 = getpid() == 1;
	if (d->pid1) {
		zfd_pid1_mounts();
		zfd_pid1_console();
	}
	if (parse_args(argc, argv, &d->o)) {
		ret = EXIT_USAGE;
		goto out_fail;
	}
	zfd_log_init(d->o.verbosity);
	if (!d->o.cmdline)
		d->o.cmdline = d->pid1 ? "/proc/cmdline" : "none";
	if (strcmp(d->o.cmdline, "none"))
		zfd_cmdline_read(&d->cl, d->o.cmdline);
	else
		zfd_cmdline_parse(&d->cl, "");
	if (d->cl.dump_debug >= 4 && d->o.verbosity < 2)
		zfd_log_init(2);

	zfd_config_init(&d->cfg);
	rc = load_config_or_fallback(d);
	if (rc) {
		ret = EXIT_USAGE;
		write_json(d, &run, ret, "usage or config error");
		goto out_fail;
	}
	if (d->o.check_config) {
		zfd_info("%s: config OK (%zu sink%s, %zu kernel module%s)",
			 d->cfg.file, d->nr_sinks, d->nr_sinks == 1 ? "" : "s",
			 d->cfg.nr_modules, d->cfg.nr_modules == 1 ? "" : "s");
		print_config_modules(&d->cfg);
		print_config_formats(d);
		ret = EXIT_COMPLETE;
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	zfd_fcp_dump_online(d->o.root, d->cfg.device_wait, !d->o.dry_run);
	zfd_load_modules(d->o.root, d->cfg.modules, d->cfg.nr_modules, d->pid1);

	rc = open_source(d);
	if (rc) {
		ret = rc == -EINVAL ? EXIT_FAILED : EXIT_FAILED;
		write_json(d, &run, ret, "cannot open the source");
		goto out_fail;
	}
	d->have_src = true;
	rc = zfd_source_model(&d->src);
	if (rc) {
		ret = EXIT_FAILED;
		goto out_fail;
	}
	if (check_targets(d)) {
		ret = EXIT_USAGE;
		goto out_fail;
	}
	run.mem_size = d->src.mem_size;
	if (d->cfg.limit && d->cfg.limit < run.mem_size)
		run.mem_size = ZFD_ALIGN_UP(d->cfg.limit,
					    (uint64_t)ZFD_PAGE_SIZE);
	run.mem_size = ZFD_MIN(run.mem_size, d->src.mem_size);
	run.started = time(NULL);
	run.src = &d->src;
	run.cfg = &d->cfg;
	for (i = 0; i < d->nr_sinks; i++)
		if (d->sinks[i].format_cfg == ZFD_FORMAT_KDUMP)
			run.kdump = zfd_kdump_mod_load(d->o.plugin_dir);
	if (check_formats(d, &run)) {
		ret = EXIT_USAGE;
		write_json(d, &run, ret, "usage or config error");
		goto out_fail;
	}
	run.buf_size = 512 << 10; /* 4 x 512 KiB: peak RSS stays under 8 MiB */
	/* format kdump adds a buffer of compressed pages per slot and its
	 * codec libraries: 4 x 256 KiB keep it under 8 MiB with one worker
	 * (a filtered slot still spans up to 4 MiB of memory) */
	if (run.kdump)
		run.buf_size = 256 << 10;
	run.nr_bufs = 4;
	run.pid1 = d->pid1;
	run.stop = &stop_signal;
	print_plan(d, &run);
	if (d->o.dry_run) {
		ret = dry_run(d, &run);
		goto out;
	}
	/* the kernel log first: sinks store it before the memory */
	zfd_dmesg_read(&run);
	if (d->pid1)
		wait_for_sinks(d, &run);
	ret = dump(d, &run);
	/* hsa_release = "end": only now, after the last sink finished */
	if (d->src.release_hsa)
		d->src.release_hsa(&d->src);
	print_summary(d);
	if (ret == EXIT_COMPLETE)
		zfd_info("dump complete");
	else
		zfd_err("dump failed or incomplete");
	write_json(d, &run, ret, NULL);
	goto out;

out_fail:
	if (!d->pid1)
		goto out;
	zfd_err("no dump written");
out:
	if (d->pid1)
		zfd_final_action(ret == EXIT_COMPLETE ? d->cfg.final_action :
							d->cfg.failure_action,
				 d->have_src ? &d->src : NULL, true);
	else if (!d->o.dry_run && !d->o.check_config && ret != EXIT_USAGE)
		zfd_final_action(ret == EXIT_COMPLETE ? d->cfg.final_action :
							d->cfg.failure_action,
				 NULL, false);
	unload_sinks(d);
	zfd_dmesg_free(&run);
	if (d->have_src)
		zfd_source_close(&d->src);
	zfd_config_free(&d->cfg);
	free(d);
	return ret;
}
