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
 *				subtree; no I/O on the target. The key
 *				"format" of the subtree belongs to the host
 *				(it picks the format); a sink accepts it as
 *				known and may refuse a format it cannot hold
 *				in prepare() (info->format).
 *	prepare()		resolves and checks the target (exists, writable,
 *				big enough for info->size); writes nothing.
 *				Also used by -n.
 *	open() write()... finish()
 *				one dump pass. write() gets the stored dump's
 *				data in ascending, gap-free order of stored
 *				offsets. finish() is always called once open()
 *				succeeded, with the outcome. A pass may be
 *				repeated (failover re-reads the source) only
 *				after a new prepare().
 *	close()			frees the instance; always called after a
 *				successful configure().
 *
 * All functions return 0 or a negative errno. Before returning an error a
 * sink reports one plain line through host->log(); it never exits, never
 * writes to stdout/stderr itself, and never kills the process.
 *
 * LAYERS (ABI 2). The host reads the source into the dump model, and a
 * format (s390, elf; chosen per sink with the key "format") turns the
 * model and the memory into the bytes of a stored dump. A sink only
 * stores bytes at offsets; it never needs to know the format. Every
 * format has the same shape:
 *
 *	[0, prologue_len)	the prologue (s390: the 4096-byte header; elf:
 *				ELF header, program headers, notes, padding)
 *	[prologue_len, ...)	the data: struct zfd_block at block->offset
 *				(positional formats deliver holes as
 *				ZFD_BLK_HOLE blocks, packed ones skip them)
 *	[trailer_off, size)	the trailer of a complete dump (s390: the
 *				16-byte end marker; elf: none)
 *
 * Commit order, which makes a failed dump never look complete:
 *	seekable sinks	zeros over the prologue at open(), the data, the
 *			trailer, the sink's own records (manifest), flush,
 *			then res->prologue at offset 0, flush.
 *	streams (tape)	info->prologue first (it is final at open for a
 *			complete dump), the data, the trailer; completeness
 *			is in the trailer and the manifest.
 *
 * Digest rule (the manifest key "digest", xxh3-128, computed by the
 * host): the stored bytes in offset order, holes as zeros: the prologue as
 * at open (info->prologue, which is res->prologue for a complete dump),
 * the data written, the trailer when there is one. For an INCOMPLETE
 * dump: the prologue as at open and the data up to res->stored_end.
 *
 * ABI history:
 *	1	2026-11: first version. The sink received the s390 header
 *		and memory and wrote a format itself (s390; extfs also elf).
 *		Later in 2026-11, compatibly: struct zfd_dump_info.arch and
 *		.kernel (two of its reserved slots), for the manifest.
 *	2	2026-11: formats apart from sinks (LAYERS above). zfd_dump_info
 *		describes the stored dump (format, prologue, size, extents
 *		in stored offsets) instead of the s390 header; zfd_block
 *		.offset is a stored offset (.mem_offset the memory offset);
 *		zfd_result carries the final prologue, the size it describes
 *		and the trailer instead of the end marker; prepare() reports
 *		the capacity in stored bytes; enum zfd_status starts at 1,
 *		so a zeroed result never reads as complete. The loader
 *		refuses an ABI-1 plugin with one line.
 *		Later in 2026-11, compatibly (reserved slots of
 *		zfd_dump_info): .dmesg and .dmesg_len, the kernel log;
 *		.flags (ZFD_INFO_SIZE_BOUND), .dump_level, .compress,
 *		.min_size, for format kdump and the manifest; .threads,
 *		for the sealing lanes.
 */
#ifndef ZFCPDUMP_SINK_H
#define ZFCPDUMP_SINK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#define ZFD_SINK_ABI	2
#define ZFD_SINK_SYMBOL "zfd_sink_entry"

/* Alignment of every buffer handed to write(), and of block offsets. */
#define ZFD_ALIGN	    4096
#define ZFD_PAGE_SIZE	    4096
#define ZFD_HDR_SIZE	    4096
#define ZFD_END_MARKER_SIZE 16

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
	uint32_t abi; /* ZFD_SINK_ABI of the host */
	void *priv;   /* host's own data */
	/* One line, no trailing newline; the host prefixes the sink name. */
	void (*vlog)(const struct zfd_host *host, int level, const char *fmt,
		     va_list ap);
	/*
	 * Ask the operator a yes/no question on the console; waits at most
	 * timeout_s seconds. Returns 1 for yes, 0 for no, -ETIMEDOUT when
	 * nobody answered.
	 */
	int (*ask)(const struct zfd_host *host, const char *question,
		   unsigned int timeout_s);
	const char *root;      /* "/" or the --root prefix */
	const char *sink_desc; /* e.g. "raw:/dev/sda2", for manifests */
	int verbosity;	       /* 0 quiet, 1 normal, 2+ verbose */
	bool pid1;	       /* running as init of a dump kernel */
	void *reserved[8];
};

/* A range: of stored offsets (zfd_dump_info.extents) or of memory. */
struct zfd_range {
	uint64_t start;
	uint64_t size;
};

struct zfd_dump_info {
	const char *format; /* "s390", "elf", "kdump" */
	/*
	 * The prologue, bytes [0, prologue_len) of the stored dump, as known
	 * at open(): final for a dump that completes (streams store it
	 * first); finish() gets the final one in res->prologue.
	 */
	const uint8_t *prologue;
	size_t prologue_len;  /* multiple of ZFD_PAGE_SIZE */
	uint64_t size;	      /* stored bytes of the complete dump:
			       * prologue, data, trailer */
	uint64_t trailer_off; /* where a complete dump's trailer goes */
	size_t trailer_len;   /* 0: the format has none */
	/* stored data that exists (not holes), ascending, inside
	 * [prologue_len, trailer_off) */
	const struct zfd_range *extents;
	size_t nr_extents;
	uint64_t mem_size;	/* memory bytes this pass dumps */
	uint64_t mem_size_orig; /* memory bytes the source has */
	const char *source;	/* e.g. "zcore:/sys/kernel/debug/zcore/mem" */
	int64_t started;	/* Unix time of the dump start */
	bool dry_run;		/* prepare() only: check, touch nothing */
	bool truncated;		/* mem_size < mem_size_orig by truncation */
	const char *arch;	/* "s390x", "x86_64", ...; NULL unknown */
	const char *kernel;	/* OSRELEASE, e.g. "6.1.0-13-amd64"; or NULL */
	/*
	 * The crashed kernel's log as makedumpfile --dump-dmesg prints it
	 * (dmesg_len bytes, lines ending in '\n', not NUL-terminated; the
	 * host bounds it to a few MiB), or NULL when the dump has none. The
	 * same for every pass; a sink that stores it does so at open(),
	 * before the memory (extfs: dump.N.dmesg).
	 */
	const char *dmesg;
	size_t dmesg_len;
	/* format kdump and the manifest: */
	uint32_t flags;	      /* ZFD_INFO_* */
	uint32_t dump_level;  /* pages left out as makedumpfile's -d */
	const char *compress; /* page compression ("zstd", ...) or NULL */
	uint64_t min_size;    /* ZFD_INFO_SIZE_BOUND: least stored bytes */
	/*
	 * Threads a sink may keep busy for its own work (sealing), from the
	 * config key threads; 0 from a host that does not say: one.
	 */
	uint32_t threads;
	uint32_t reserved32;
	void *reserved[2];
};

/*
 * info->size is an upper bound (format kdump: compressed, filtered): the
 * dump may end anywhere below it, at a multiple of ZFD_PAGE_SIZE, with its
 * last block; finish() gets the real size in res->size and res->stored_end.
 * A sink that holds less than info->size (but min_size) does not refuse
 * the dump for it: it stores what comes and fails a write that would not
 * fit with -ENOSPC ("full after N bytes"), which makes the dump incomplete.
 */
#define ZFD_INFO_SIZE_BOUND 0x1

/*
 * The keys of a sink's config subtree that belong to the host (it picks
 * and parameterises the format): a sink lists them among its known keys.
 */
#define ZFD_HOST_KEYS "format", "compress", "compress_level", "dump_level"

enum zfd_block_kind {
	ZFD_BLK_DATA = 0, /* memory read from the source */
	ZFD_BLK_HOLE = 1, /* no memory there; stored as zeros or
			   * as a hole where the target has holes */
	ZFD_BLK_LOST = 2, /* memory unreadable (HSA released,
			   * damage); data is zeros */
};

struct zfd_block {
	uint64_t offset;     /* stored offset, multiple of ZFD_ALIGN */
	uint64_t mem_offset; /* memory offset of the first byte */
	const void *data;    /* len bytes, ZFD_ALIGN aligned */
	size_t len;	     /* multiple of ZFD_PAGE_SIZE, except the
			      * very last block of a dump */
	enum zfd_block_kind kind;
	/* bit i (in 64-bit words, LSB first) set: page i is all zeros */
	const uint64_t *zero_map;
	size_t nr_pages;      /* pages in this block (rounded up) */
	size_t nr_zero_pages; /* bits set in zero_map */
};

static inline bool zfd_block_page_zero(const struct zfd_block *blk, size_t page)
{
	return (blk->zero_map[page / 64] >> (page % 64)) & 1;
}

enum zfd_status {
	/* 0 is no status: a zeroed result never reads as complete */
	ZFD_STATUS_COMPLETE = 1,
	ZFD_STATUS_INCOMPLETE = 2,
	ZFD_STATUS_TRUNCATED = 3, /* complete up to a truncated mem_size */
};

struct zfd_result {
	enum zfd_status status;
	uint64_t dumped_bytes; /* memory bytes written successfully */
	uint64_t stored_end;   /* stored offset up to which every byte
				* was written (prologue excluded) */
	uint64_t zero_pages;
	uint64_t hole_bytes;
	uint64_t lost_bytes;
	int64_t finished; /* Unix time */
	double seconds;
	/* the final prologue, info->prologue_len bytes, to store at 0 */
	const uint8_t *prologue;
	/* trailer_len bytes to store at info->trailer_off; only for
	 * COMPLETE and TRUNCATED (else NULL) */
	const uint8_t *trailer;
	size_t trailer_len;
	/*
	 * Stored bytes the final prologue describes: info->size, or less for
	 * an incomplete dump whose final prologue was cut to the data
	 * written (elf of an s390 dump). A sink that keeps records behind
	 * the dump (raw: the manifest) puts them behind this size, where a
	 * reader of the stored prologue looks for them.
	 */
	uint64_t size;
	char digest[48];    /* "xxh3-128:<32 hex>", the digest rule */
	const char *reason; /* why INCOMPLETE, or NULL */
	void *reserved[8];
};

struct zfd_sink {
	uint32_t abi;	  /* ZFD_SINK_ABI */
	uint32_t size;	  /* sizeof(struct zfd_sink) */
	const char *name; /* type name, equal to the file name */
	const char *description;

	int (*configure)(const struct zfd_host *host,
			 const config_setting_t *cfg, void **ctx);
	/*
	 * *capacity: stored bytes the target can hold for the dump
	 * (prologue, data, trailer; the sink's own records such as a
	 * manifest already subtracted), UINT64_MAX when it cannot tell
	 * (tape). A sink that cannot hold info->size and is not configured
	 * to truncate fails with -ENOSPC; one that truncates returns its
	 * capacity and the host calls open() with a smaller dump.
	 */
	int (*prepare)(void *ctx, const struct zfd_dump_info *info,
		       uint64_t *capacity);
	int (*open)(void *ctx, const struct zfd_dump_info *info);
	int (*write)(void *ctx, const struct zfd_block *blk);
	int (*finish)(void *ctx, const struct zfd_dump_info *info,
		      const struct zfd_result *res);
	void (*close)(void *ctx);

	void *reserved[8];
};

#endif /* ZFCPDUMP_SINK_H */
