/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zfcpdump sink plugin interface.
 *
 * A sink is a shared object in <pkglibdir>/sinks/<type>.so that exports
 * exactly one symbol:
 *
 *	const struct zfd_sink zfd_sink_entry = {
 *		.abi	= ZFD_SINK_ABI,
 *		.size	= sizeof(struct zfd_sink),
 *		.name	= "raw",
 *		...
 *	};
 *
 * The loader refuses a plugin whose .abi differs from its own ZFD_SINK_ABI
 * or whose .name differs from the file name.
 *
 * Call sequence, for each sink instance in the config:
 *
 *	configure()		once, parses and validates the sink's config
 *				subtree; no I/O on the target.
 *	prepare()		resolves and checks the target (exists, writable,
 *				big enough); writes nothing. Also used by -n.
 *	open() write()... finish()
 *				one dump pass. write() gets the memory in
 *				ascending, gap-free order. finish() is always
 *				called once open() succeeded, with the outcome.
 *				A pass may be repeated (failover re-reads the
 *				source) only after a new prepare().
 *	close()			frees the instance; always called after a
 *				successful configure().
 *
 * All functions return 0 or a negative errno. Before returning an error a
 * sink reports one plain line through host->log(); it never exits, never
 * writes to stdout/stderr itself, and never kills the process.
 *
 * Formats: in ABI 1 a sink receives the s390 header and the memory and
 * writes a format itself (s390; extfs also elf). The dump model and the
 * format layer that will hand sinks plain bytes at offsets (ABI 2) are
 * described in doc/formats.md of the source tree.
 *
 * ABI history:
 *	1	2026-11: first version.
 *		Later in 2026-11, compatibly: struct zfd_dump_info.arch and
 *		.kernel (two of its reserved slots; NULL when unknown or
 *		from an older host), for the manifest keys of the same names.
 */
#ifndef ZFCPDUMP_SINK_H
#define ZFCPDUMP_SINK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#define ZFD_SINK_ABI		1
#define ZFD_SINK_SYMBOL		"zfd_sink_entry"

/* Alignment of every buffer handed to write(), and of block offsets. */
#define ZFD_ALIGN		4096
#define ZFD_PAGE_SIZE		4096
#define ZFD_HDR_SIZE		4096
#define ZFD_END_MARKER_SIZE	16

/* clang-format off */
enum zfd_log_level {
	ZFD_LOG_ERR	= 3,
	ZFD_LOG_WARN	= 4,
	ZFD_LOG_INFO	= 6,
	ZFD_LOG_DEBUG	= 7,
	/* or-ed into a level: print without the "<sink>: " prefix */
	ZFD_LOG_PLAIN	= 0x100,
};
/* clang-format on */

struct zfd_host {
	uint32_t abi;			/* ZFD_SINK_ABI of the host */
	void *priv;			/* host's own data */
	/* One line, no trailing newline; the host prefixes the sink name. */
	void (*vlog)(const struct zfd_host *host, int level,
		     const char *fmt, va_list ap);
	/*
	 * Ask the operator a yes/no question on the console; waits at most
	 * timeout_s seconds. Returns 1 for yes, 0 for no, -ETIMEDOUT when
	 * nobody answered.
	 */
	int (*ask)(const struct zfd_host *host, const char *question,
		   unsigned int timeout_s);
	const char *root;		/* "/" or the --root prefix */
	const char *sink_desc;		/* e.g. "raw:/dev/sda2", for manifests */
	int verbosity;			/* 0 quiet, 1 normal, 2+ verbose */
	bool pid1;			/* running as init of a dump kernel */
	void *reserved[8];
};

/* One range of memory that exists, relative to mem_start. */
struct zfd_range {
	uint64_t start;
	uint64_t size;
};

struct zfd_dump_info {
	/* s390 header for this sink (big-endian, limit/truncation applied) */
	const uint8_t *hdr;
	uint64_t mem_size;		/* memory bytes this pass will write */
	uint64_t mem_size_orig;		/* memory bytes the source has */
	const struct zfd_range *chunks;	/* existing memory, ascending */
	size_t nr_chunks;
	const char *source;		/* e.g. "zcore:/sys/kernel/debug/zcore/mem" */
	int64_t started;		/* Unix time of the dump start */
	bool dry_run;			/* prepare() only: check, touch nothing */
	bool truncated;			/* mem_size < mem_size_orig by truncation */
	/* where known, else NULL (older hosts: these were reserved slots) */
	const char *arch;		/* "s390x", "x86_64", ... */
	const char *kernel;		/* OSRELEASE, e.g. "6.1.0-13-amd64" */
	void *reserved[2];
};

enum zfd_block_kind {
	ZFD_BLK_DATA = 0,		/* memory read from the source */
	ZFD_BLK_HOLE = 1,		/* no memory there; data is zeros */
	ZFD_BLK_LOST = 2,		/* HSA already released; data is zeros */
};

struct zfd_block {
	uint64_t offset;		/* memory offset, multiple of ZFD_ALIGN */
	const void *data;		/* len bytes, ZFD_ALIGN aligned */
	size_t len;			/* multiple of ZFD_PAGE_SIZE, except the
					 * very last block of a dump */
	enum zfd_block_kind kind;
	/* bit i (in 64-bit words, LSB first) set: page i is all zeros */
	const uint64_t *zero_map;
	size_t nr_pages;		/* pages in this block (rounded up) */
	size_t nr_zero_pages;		/* bits set in zero_map */
};

static inline bool zfd_block_page_zero(const struct zfd_block *blk,
				       size_t page)
{
	return (blk->zero_map[page / 64] >> (page % 64)) & 1;
}

enum zfd_status {
	ZFD_STATUS_COMPLETE = 0,
	ZFD_STATUS_INCOMPLETE = 1,
	ZFD_STATUS_TRUNCATED = 2,	/* complete up to a truncated mem_size */
};

struct zfd_result {
	enum zfd_status status;
	uint64_t dumped_bytes;		/* memory bytes written successfully */
	uint64_t zero_pages;
	uint64_t hole_bytes;
	uint64_t lost_bytes;
	int64_t finished;		/* Unix time */
	double seconds;
	/* end marker to write (only for COMPLETE and TRUNCATED) */
	uint8_t end_marker[ZFD_END_MARKER_SIZE];
	/* "xxh3-128:<32 hex>" over header + dumped memory (+ end marker) */
	char digest[48];
	const char *reason;		/* why INCOMPLETE, or NULL */
	void *reserved[4];
};

struct zfd_sink {
	uint32_t abi;			/* ZFD_SINK_ABI */
	uint32_t size;			/* sizeof(struct zfd_sink) */
	const char *name;		/* type name, equal to the file name */
	const char *description;

	int (*configure)(const struct zfd_host *host,
			 const config_setting_t *cfg, void **ctx);
	/*
	 * *max_mem: memory bytes the target can hold (UINT64_MAX when it
	 * cannot tell, e.g. tape). A sink that cannot hold info->mem_size
	 * and is not configured to truncate fails with -ENOSPC.
	 */
	int (*prepare)(void *ctx, const struct zfd_dump_info *info,
		       uint64_t *max_mem);
	int (*open)(void *ctx, const struct zfd_dump_info *info);
	int (*write)(void *ctx, const struct zfd_block *blk);
	int (*finish)(void *ctx, const struct zfd_dump_info *info,
		      const struct zfd_result *res);
	void (*close)(void *ctx);

	void *reserved[8];
};

#endif /* ZFCPDUMP_SINK_H */
