/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal interfaces of the zfcpdump daemon. */
#ifndef ZFD_CORE_H
#define ZFD_CORE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>
#include <zfcpdump/sink.h>

#include "dump.h"
#include "fmt_kdump.h"
#include "fmt_s390.h"
#include "format.h"
#include "s390_cpu.h"

/* ---- log.c: console lines ---- */
void zfd_log_init(int verbosity);
int zfd_log_verbosity(void);
void zfd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void zfd_vlog_prefixed(int level, const char *prefix, const char *fmt,
		       va_list ap);
#define zfd_err(...)  zfd_log(ZFD_LOG_ERR, __VA_ARGS__)
#define zfd_warn(...) zfd_log(ZFD_LOG_WARN, __VA_ARGS__)
#define zfd_info(...) zfd_log(ZFD_LOG_INFO, __VA_ARGS__)
#define zfd_dbg(...)  zfd_log(ZFD_LOG_DEBUG, __VA_ARGS__)

/* ---- config.c ---- */
enum zfd_policy { ZFD_POLICY_FIRST, ZFD_POLICY_ALL };
enum zfd_hsa_release { ZFD_HSA_END, ZFD_HSA_EARLY };
enum zfd_action {
	ZFD_ACTION_REIPL,
	ZFD_ACTION_POWEROFF,
	ZFD_ACTION_HALT,
	ZFD_ACTION_SHELL,
	ZFD_ACTION_NONE,
	ZFD_ACTION_REBOOT, /* machines without re-IPL (kdump) */
};
enum zfd_source_type {
	ZFD_SRC_ZCORE,
	ZFD_SRC_VMCORE,
	ZFD_SRC_FILE,
	ZFD_SRC_NONE
};

#define ZFD_MAX_MODULES 32
#define ZFD_MAX_SINKS	16

/* The keys compress, compress_level, dump_level (top level or a sink). */
struct zfd_outopts {
	enum zfd_kdump_codec codec; /* format kdump's page compression */
	int level;		    /* compress_level, 0: the codec's */
	unsigned int dump_level;    /* makedumpfile's bits, 0-31 */
};

struct zfd_config {
	config_t cfg;	  /* owns every setting below */
	const char *file; /* file name, or "(built-in)" */
	bool fallback;	  /* built-in default after an error */
	bool parsed;	  /* the file's syntax was fine: a tree exists */
	enum zfd_source_type source_type;
	bool source_auto;	   /* not configured: zcore, else vmcore */
	const char *source_path;   /* file: image path; vmcore: core path */
	const char *source_memmap; /* file source: memmap path or NULL */
	uint64_t limit;		   /* 0 = all */
	enum zfd_hsa_release hsa_release;
	enum zfd_policy policy;
	unsigned int progress_interval; /* seconds, 0 = off */
	enum zfd_action final_action;
	enum zfd_action failure_action;
	unsigned int device_wait; /* seconds, as PID 1 */
	const char *modules[ZFD_MAX_MODULES];
	size_t nr_modules;
	config_setting_t *sinks[ZFD_MAX_SINKS];
	const char *sink_types[ZFD_MAX_SINKS];
	size_t nr_sinks;
	int debug_level;	/* dump_debug=, 0 = not given */
	struct zfd_outopts out; /* the top level's */
	unsigned int threads;	/* compression workers; ZFD_THREADS_AUTO */
};

#define ZFD_MAX_THREADS	 64
#define ZFD_THREADS_AUTO (ZFD_MAX_THREADS + 1) /* the online CPUs */
/* The key threads resolved: ZFD_THREADS_AUTO becomes the online CPUs. */
unsigned int zfd_threads(unsigned int cfg);

/* Kernel command line overrides (classic zfcpdump names). */
struct zfd_cmdline {
	int dump_part; /* -1 = not given */
	const char *dump_dir;
	bool have_mem;
	uint64_t dump_mem;
	const char *dump_mode; /* "auto" | "interactive" | NULL */
	int dump_debug;	       /* 0 = not given */
	char buf[4096];
};

extern const char *const zfd_action_names[];

void zfd_config_init(struct zfd_config *c);
/* Reads FILE; errors are reported as FILE:LINE: message. */
int zfd_config_load(struct zfd_config *c, const char *file);
/* The built-in default: extfs on /dev/sda1, then raw on /dev/sda2. */
int zfd_config_load_default(struct zfd_config *c);
/* Replaces the sinks by the -o specs ("TYPE:key=value,..."). */
int zfd_config_set_sinks(struct zfd_config *c, char **specs, size_t nr);
/*
 * A top-level encrypt group goes into every sink's subtree that has none
 * (call after the sinks are final, -o included); each sink checks it.
 */
int zfd_config_inherit_encrypt(struct zfd_config *c);
/*
 * The sink's key "format" (the core's, DESIGN §6): *fmt = -1 when not
 * given, else an enum zfd_format_id. Reports a bad value with its place.
 */
int zfd_config_sink_format(const config_setting_t *sink, int *fmt);
/* The sink's compress, compress_level, dump_level over the top level's. */
int zfd_config_sink_output(const struct zfd_config *c,
			   const config_setting_t *sink, struct zfd_outopts *o);
/* Replaces the source by -s ("zcore", "vmcore", "file:PATH[,memmap=P]"). */
int zfd_config_set_source(struct zfd_config *c, const char *spec);
int zfd_cmdline_read(struct zfd_cmdline *cl, const char *file);
int zfd_cmdline_parse(struct zfd_cmdline *cl, const char *text);
int zfd_config_apply_cmdline(struct zfd_config *c,
			     const struct zfd_cmdline *cl);
void zfd_config_free(struct zfd_config *c);

/* ---- sources ---- */
/* Bytes that replace memory for the s390 format only (save areas). */
struct zfd_mem_patch {
	uint64_t off; /* memory offset */
	uint8_t data[ZFD_S390_SA_SIZE];
};

struct zfd_source {
	char desc[512]; /* for messages and manifests */
	bool have_hdr;	/* hdr_raw/hdr are valid (s390 dumps) */
	bool elf_core;	/* an ELF core (vmcore, file:ELF) */
	uint8_t hdr_raw[ZFD_S390_HDR_SIZE];
	struct zfd_s390_hdr hdr;
	uint64_t mem_size;	  /* memory bytes per the header */
	uint64_t avail;		  /* memory bytes really readable */
	struct zfd_range *chunks; /* existing memory, ascending */
	size_t nr_chunks;
	uint64_t hsa_size; /* 0 = no HSA */
	bool hsa_released;
	struct stat st; /* of the file read, to refuse it as a target */
	bool have_st;
	/* bytes read, or -EFAULT (hole), -EIO; len may end early at EOF */
	ssize_t (*read)(struct zfd_source *src, void *buf, size_t len,
			uint64_t off);
	int (*release_hsa)(struct zfd_source *src);
	int (*reipl)(struct zfd_source *src);
	void (*close)(struct zfd_source *src);
	void *priv;
	struct zfd_dump dump; /* the dump model (dump.h) */
	/* s390x ELF cores: each CPU's save area rebuilt from its register
	 * notes, for the consumers that write the s390 format */
	const struct zfd_mem_patch *patches;
	size_t nr_patches;
};

int zfd_source_open_file(struct zfd_source *src, const char *path,
			 const char *memmap);
int zfd_source_open_zcore(struct zfd_source *src, const char *root);
/* /proc/vmcore under root, or path; -ENOENT etc. unreported (may wait). */
int zfd_source_open_vmcore(struct zfd_source *src, const char *root,
			   const char *path);
/* An ELF core on fd (taken over, closed on error); src->desc set. */
/* use_mmap: read through mmap() windows (/proc/vmcore), else pread() */
int zfd_source_open_elf_fd(struct zfd_source *src, int fd, uint64_t size,
			   bool use_mmap);
/* After a successful open: fills src->dump from the s390 header and the
 * chunks if the source did not fill it itself. */
int zfd_source_model(struct zfd_source *src);
/* Parses memmap text; returns 0 or -EINVAL; *chunks is malloc()ed. */
int zfd_memmap_parse(const char *text, size_t len, uint64_t mem_size,
		     struct zfd_range **chunks, size_t *nr);
/* Validates the header and sets the common fields. */
int zfd_source_setup(struct zfd_source *src, uint64_t avail);
void zfd_source_close(struct zfd_source *src);

/* ---- plugin.c ---- */
/* Why a sink's last pass ended incomplete; failover decides on it. */
enum zfd_fail_cause {
	ZFD_FAIL_NONE,	 /* complete or truncated */
	ZFD_FAIL_SINK,	 /* the sink itself failed */
	ZFD_FAIL_SOURCE, /* reading the source failed: every sink would */
	ZFD_FAIL_STOP,	 /* interrupted by a signal */
	ZFD_FAIL_OTHER,	 /* the pass could not run (no memory, no thread) */
};

struct zfd_sink_inst {
	const struct zfd_sink *ops;
	void *dl;
	void *ctx;
	config_setting_t *cfg;
	char type[32];
	char desc[256];
	struct zfd_host host;
	int format_cfg;		   /* key "format": -1 not given */
	enum zfd_format_id format; /* resolved for the source */
	struct zfd_outopts out;	   /* compress, dump_level */
	bool level_noted;	   /* the dump level's fallback was said */
	/* per pass */
	uint64_t max_mem;
	bool prepared;
	bool failed;
	int rc;
	enum zfd_fail_cause cause;
	struct zfd_result res;
	char reason[256];
};

int zfd_plugin_load(struct zfd_sink_inst *si, const char *dir, const char *type,
		    const config_setting_t *where);
void zfd_plugin_unload(struct zfd_sink_inst *si);
void zfd_host_init(struct zfd_sink_inst *si, const char *root, bool pid1);

/* ---- kdump_load.c: format kdump, a module of its own ---- */
/*
 * The kdump writer and its codec libraries (zstd, lzo, zlib; snappy with
 * libstdc++ is dlopen()ed by the module on first use) are a module,
 * <plugin dir>/../formats/kdump.so, that the
 * daemon loads only when a sink uses format kdump: zfcpdump-mkinitramfs
 * packs it (and its libraries) only for such a config, so that the others
 * keep a small initramfs.
 */
#define ZFD_KDUMP_MOD_SYMBOL  "zfd_kdump_mod"
#define ZFD_KDUMP_MOD_VERSION 1

struct zfd_kdump_mod {
	uint32_t version; /* ZFD_KDUMP_MOD_VERSION */
	int (*writer_new)(struct zfd_kdump_writer **w, const struct zfd_dump *d,
			  const struct zfd_kdump_wopts *o, zfd_kdump_out_fn out,
			  void *arg, char *why, size_t why_len);
	void (*writer_free)(struct zfd_kdump_writer *w);
	int (*begin)(struct zfd_kdump_writer *w);
	int (*mem)(struct zfd_kdump_writer *w, uint64_t off, const void *data,
		   size_t len);
	int (*skip)(struct zfd_kdump_writer *w, uint64_t off, uint64_t len);
	int (*finish)(struct zfd_kdump_writer *w, uint64_t good,
		      bool *complete);
	uint64_t (*min_out)(const struct zfd_kdump_writer *w);
	uint64_t (*max_out)(const struct zfd_kdump_writer *w);
	void (*stats)(const struct zfd_kdump_writer *w, uint64_t *pages,
		      uint64_t *zero, uint64_t *compressed, uint64_t *raw);
	/* the compression workers */
	void (*pre)(struct zfd_kdump_writer *w, const struct zfd_kdump_pre *pre,
		    uint64_t first, size_t n);
	int (*codec_new)(struct zfd_kdump_codec_ctx **cc,
			 enum zfd_kdump_codec c, int level, size_t page_size);
	void (*codec_free)(struct zfd_kdump_codec_ctx *cc);
	int (*pre_page)(struct zfd_kdump_codec_ctx *cc, const void *page,
			void *out, struct zfd_kdump_pre *e);
};

/* The module's path for the sink plugin directory plugin_dir. */
void zfd_kdump_mod_path(const char *plugin_dir, char *path, size_t len);
/* Loads it once (later calls return the same); NULL after one line. */
const struct zfd_kdump_mod *zfd_kdump_mod_load(const char *plugin_dir);

/* ---- pipeline.c ---- */
struct zfd_run {
	struct zfd_source *src;
	struct zfd_config *cfg;
	struct zfd_sink_inst *sinks[ZFD_MAX_SINKS];
	size_t nr_sinks;
	uint64_t mem_size; /* after limit */
	int64_t started;
	size_t buf_size;
	size_t nr_bufs;
	bool pid1;
	volatile sig_atomic_t *stop;	   /* set by SIGINT/SIGTERM */
	const struct zfd_kdump_mod *kdump; /* loaded for format kdump */
	char *dmesg; /* the crashed kernel's log (dmesg.c), or NULL */
	size_t dmesg_len;
};

/* One pass over the source to every sink in run->sinks that is not
 * failed. Returns the number of sinks that completed. */
int zfd_pipeline_pass(struct zfd_run *run);

/* What one sink stores: its format instance and the description of it. */
struct zfd_plan {
	struct zfd_format *fmt;		  /* s390, elf */
	struct zfd_kdump_writer *kw;	  /* kdump (a flattened stream) */
	const struct zfd_kdump_mod *kmod; /* kw's module */
	unsigned int dump_level;	  /* applied: after the fallback */
	struct zfd_range ext;		  /* kdump: the extent of info */
	struct zfd_dump_info info;
	uint8_t *prologue; /* as at open (final if complete) */
	char arch[32];
};

/*
 * Resolves si->format for the source (key "format", else s390 for zcore
 * and s390 images, elf for ELF cores) and checks that the format can hold
 * this dump: one line and -EINVAL when not.
 */
int zfd_sink_format(struct zfd_run *run, struct zfd_sink_inst *si);
/* Builds the plan of si's dump of memory [0, mem_size). */
int zfd_plan_build(struct zfd_plan *pl, struct zfd_run *run,
		   struct zfd_sink_inst *si, uint64_t mem_size, bool dry_run);
/* The largest mem_size whose dump fits capacity stored bytes; -ENOSPC. */
int zfd_plan_fit(struct zfd_run *run, struct zfd_sink_inst *si,
		 uint64_t capacity, uint64_t *mem_size);
void zfd_plan_free(struct zfd_plan *pl);

/* ---- dmesg.c ---- */
/*
 * Reads the crashed kernel's log from run->src into run->dmesg (bounded;
 * NULL when there is none, said in one line): never fails the dump.
 */
void zfd_dmesg_read(struct zfd_run *run);
void zfd_dmesg_free(struct zfd_run *run);

/* ---- pid1.c ---- */
void zfd_pid1_mounts(void);
void zfd_pid1_console(void);
/* The load order zfcpdump-mkinitramfs writes (see pid1.c), under --root. */
#define ZFD_MODULES_ORDER "/lib/modules/zfcpdump.order"
int zfd_load_modules(const char *root, const char *const *modules, size_t nr,
		     bool perform);
/* perform = false (dry run): only says what it would write. */
int zfd_fcp_dump_online(const char *root, unsigned int wait_s, bool perform);
void zfd_final_action(enum zfd_action action, struct zfd_source *src,
		      bool perform);

/* ---- json.c: zfcpdump --json FILE ---- */
struct zfd_json_run {
	int exit_code;
	const char *error;  /* why no sink was tried, or NULL */
	const char *source; /* NULL: no source opened */
	uint64_t mem_size;  /* memory bytes of this run (after limit) */
	bool policy_all;
	int64_t started; /* Unix time; 0 = not started */
	int64_t finished;
	const struct zfd_sink_inst *sinks;
	size_t nr_sinks;
};
/* "complete", "incomplete", "truncated", "failed" or "not used". */
const char *zfd_sink_status(const struct zfd_sink_inst *si);
/* Writes the summary to FILE (atomically); reports errors itself. */
int zfd_json_summary(const char *file, const struct zfd_json_run *jr);

#endif /* ZFD_CORE_H */
