/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zfcpdump-get internals.
 *
 * An input (one file per kind: in_s390file.c, in_extfs.c, in_tape.c,
 * in_elf.c) opens a dump, decodes its s390 header and, where it can, its
 * end marker and manifest; then it streams the memory in ascending order
 * to a consumer (verify's digest, an output writer). Probing is done in
 * order, and an input answers "not mine" with -ENODEV.
 */
#ifndef ZFD_GET_H
#define ZFD_GET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "digest.h"
#include "dump.h"
#include "fmt_kdump.h"
#include "fmt_s390.h"
#include "manifest.h"

/* Streaming buffer: verify and copy stay far below 16 MiB. */
#define GET_BUF_SIZE (4u << 20)
#define GET_WHY_LEN  256

struct get_in;

/*
 * Receives memory in ascending order: len bytes at memory offset off;
 * data NULL means zeros (a hole). Returns 0 or -errno to stop.
 */
typedef int (*get_mem_fn)(void *arg, uint64_t off, const void *data,
			  size_t len);
/*
 * data of a get_mem_fn: NULL means zeros (a hole); GET_MEM_ABSENT means
 * memory the dump does not hold (pages a kdump file's dump level left
 * out, or behind its cut). A kdump output leaves those pages out too;
 * the progress wrapper hands every other output NULL (zeros) instead.
 */
extern const uint8_t get_mem_absent[1];
#define GET_MEM_ABSENT ((const void *)get_mem_absent)

/* One memory range present in the dump (ELF PT_LOADs; s390: one). */
struct get_range {
	uint64_t start;
	uint64_t size;
};

enum get_end_state {
	GET_END_UNKNOWN = 0, /* not looked at (tape before streaming) */
	GET_END_OK,	     /* well-formed "DUMP_END" + TOD */
	GET_END_MISSING,     /* data ends before the marker */
	GET_END_BAD,	     /* bytes there, but not an end marker */
};

struct get_in_ops {
	const char *kind; /* "s390 dump file", "tape", ... */
	/*
	 * Streams memory bytes [0, len) in order (stops early at the end of
	 * the data; in->mem_streamed says how far it got). Sequential inputs
	 * (tape) also read the end marker and the manifest behind the memory.
	 */
	int (*stream)(struct get_in *in, uint64_t len, get_mem_fn fn,
		      void *arg);
	/*
	 * Random access to memory (NULL for tape): len bytes at memory
	 * offset off, zeros where nothing is stored. 0 or -errno.
	 */
	int (*read_mem)(struct get_in *in, uint64_t off, void *buf, size_t len);
	/* info only: look at end marker and manifest without streaming. */
	int (*load_tail)(struct get_in *in);
	/*
	 * ELF inputs: the stored bytes [0, len) in order (data NULL: zeros),
	 * what the manifest digest covers (sink.h "Digest rule"); stops
	 * early at the end of what is stored (in->stored_streamed). A tape
	 * also reads the manifest behind the data.
	 */
	int (*stream_stored)(struct get_in *in, uint64_t len, get_mem_fn fn,
			     void *arg);
	void (*close)(struct get_in *in);
};

struct get_in {
	const struct get_in_ops *ops;
	const char *name;   /* as the user gave it */
	const char *format; /* "s390" or "elf" */

	uint8_t hdr_raw[ZFD_S390_HDR_SIZE];
	/*
	 * The s390 header; for an ELF core of another architecture only
	 * its memory fields (mem_size, mem_end, num_pages, page_size,
	 * cpu_cnt) are set and arch is 0: dump says what the dump is.
	 */
	struct zfd_s390_hdr hdr;
	/* the dump model (ELF inputs: architecture, kernel, CPUs, notes) */
	struct zfd_dump dump;

	/* memory bytes present behind the header (UINT64_MAX: unknown) */
	uint64_t mem_avail;
	uint64_t mem_streamed;
	/* memory ranges (ELF inputs); s390 inputs: [mem_start, mem_size) */
	struct get_range *ranges;
	size_t nr_ranges;

	enum get_end_state end;
	uint64_t end_off; /* byte offset of the marker */
	uint64_t end_tod;
	uint8_t end_raw[ZFD_S390_END_SIZE];

	/* manifest: text as found, where, and the parse result */
	char *man_text;
	char man_where[128];
	bool man_ok;
	char man_why[GET_WHY_LEN];
	struct zfd_manifest man;

	/* a structural fault found while streaming (tape records) */
	char bad[GET_WHY_LEN];
	/*
	 * ELF inputs: the stored dump. The prologue (ELF header, program
	 * headers, notes) is [0, prologue_len); a complete dump is
	 * [0, stored_size) (the end of its PT_LOADs' data, rounded up to
	 * 4096); cut says the file ends before that (an incomplete dump's
	 * manifest explains it, else the dump is corrupt).
	 */
	uint64_t prologue_len;
	uint64_t stored_size;
	uint64_t stored_streamed;
	char cut[GET_WHY_LEN];

	/* private data of the input kind */
	void *priv;
	/* a kdump flattened stream in its container (in_kstream.c) */
	struct get_kstream *kstream;

	/* the files the input reads (dump, device, sibling manifest) */
	struct {
		dev_t dev;
		ino_t ino;
		dev_t rdev; /* block devices: any node of the device */
	} files[4];
	unsigned int nr_files;
};

/* Records a file the input reads, so that no output overwrites it. */
void get_in_note_file(struct get_in *in, const struct stat *st);
/* True if st is one of the files the input reads (also a hard link). */
bool get_in_reads_file(const struct get_in *in, const struct stat *st);

/* Opens DUMP of any kind; prints the one-line error itself on failure. */
int get_in_open(const char *spec, struct get_in **inp);
void get_in_close(struct get_in *in);
/*
 * Takes a manifest text (any length, any bytes) into in; where names the
 * place for messages. The text is copied.
 */
void get_in_set_manifest(struct get_in *in, const char *text, size_t len,
			 const char *where);
/* Decodes in->hdr_raw into in->hdr; returns 0 or -EINVAL with why. */
int get_in_decode_hdr(struct get_in *in, uint64_t avail, char *why,
		      size_t why_len);
/*
 * Memory bytes that belong to the dump: mem_size when complete; for an
 * incomplete dump the good bytes the manifest names (dumped_bytes),
 * limited by what is present.
 */
uint64_t get_in_mem_expected(const struct get_in *in);

/* Input kinds: each returns 0, -ENODEV (not mine), or -errno with why. */
int get_in_s390file_open(struct get_in *in, int fd, const char *path, char *why,
			 size_t why_len);
int get_in_extfs_open(struct get_in *in, const char *device, const char *path,
		      char *why, size_t why_len);
int get_in_tape_open(struct get_in *in, const char *path, char *why,
		     size_t why_len);
int get_in_elf_open(struct get_in *in, int fd, const char *path, char *why,
		    size_t why_len);

/* A file to read an ELF core from (plain file, or a file in an ext fs). */
struct get_file {
	int64_t (*read)(void *arg, void *buf, size_t len, uint64_t off);
	void (*close)(void *arg); /* may be NULL */
	void *arg;
	uint64_t size;
	int64_t mtime;
};
int get_in_elf_open_file(struct get_in *in, const struct get_file *f, char *why,
			 size_t why_len);
/* For inputs built on the ELF reader (a tape, a file in an ext fs): its
 * memory stream and reads, its close, and the arg of the get_file it was
 * opened with. */
int get_in_elf_stream(struct get_in *in, uint64_t len, get_mem_fn fn,
		      void *arg);
int get_in_elf_read_mem(struct get_in *in, uint64_t off, void *buf, size_t len);
void get_in_elf_close(struct get_in *in);
void *get_in_elf_file_arg(const struct get_in *in);
/* kdump-compressed file or flattened stream (in_kdump.c). */
int get_in_kdump_open(struct get_in *in, int fd, const char *path, char *why,
		      size_t why_len);
int get_in_kdump_open_file(struct get_in *in, const struct get_file *f,
			   char *why, size_t why_len);
bool get_is_kdump(int fd);
/* The kdump input's memory stream, reads and close (in_kstream.c). */
int get_in_kdump_stream(struct get_in *in, uint64_t len, get_mem_fn fn,
			void *arg);
int get_in_kdump_read_mem(struct get_in *in, uint64_t off, void *buf,
			  size_t len);
void get_in_kdump_close(struct get_in *in);
/* The kdump header as read (a kdump input only), or NULL for any other. */
const struct zfd_kdump_info *get_in_kdump_info(const struct get_in *in);

/*
 * A kdump dump as the daemon stores it on every sink (KDUMP-SPEC): the
 * flattened stream [0, size) in a container (raw, ext fs file, tape,
 * plain file), and what one pass over it found.
 */
struct get_kstream {
	uint64_t size;	   /* S: behind the end record (else where it stops) */
	uint64_t last_rec; /* offset of the last record header looked at */
	uint64_t records;  /* data records */
	bool ended;	   /* the end record (-1, -1) is there */
	bool have_hdr;	   /* a kdump header record ("KDUMP   " at 0) */
	uint32_t hdr_status; /* its status (0x8: incomplete) */
	bool readable;	     /* opened as a kdump file: copy, dmesg work */
	/* of the stored bytes [0, size) and their padding to whole pages,
	 * as stored: what the manifest's digest covers (doc/kdump.md) */
	char digest[ZFD_DIGEST_STRLEN];
	char bad[GET_WHY_LEN]; /* a record that cannot be */
	char cut[GET_WHY_LEN]; /* no end record: where it stops */
	struct get_file src;   /* the container's stored bytes */
	struct get_in_ops ops;
};
/*
 * Scans the records of the stream in f (never reading past limit) without
 * reading their data: ks->size, ended, bad, cut, have_hdr, hdr_status.
 * 0, -ENODEV (no flattened stream header), or -errno (read error).
 */
int get_kstream_scan(const struct get_file *f, uint64_t limit,
		     struct get_kstream *ks);
/*
 * Opens the stream in src (stored bytes [0, limit); UINT64_MAX: a tape,
 * read front to back; soft: a record running past limit cuts the stream
 * instead of being corrupt) as input in, the kind named kind: one pass (see
 * in_kstream.c). in->kstream tells what it found; it takes src over
 * (closed with the input, also on failure). The caller loads the
 * manifest afterwards. 0 or -errno with why.
 */
int get_in_kstream_open(struct get_in *in, const struct get_file *src,
			uint64_t limit, bool soft, const char *kind, char *why,
			size_t why_len);
/*
 * A flattened stream in fd (a raw partition or image with its manifest
 * block, or a plain file with FILE.info): -ENODEV when it is neither (fd
 * untouched: read it as a kdump-flat file), else takes fd over and opens
 * it (0 or -errno with why).
 */
int get_in_kstream_probe(struct get_in *in, int fd, const char *path,
			 const struct stat *st, char *why, size_t why_len);
/*
 * on: kdump streams opened from now on are only checked and hashed, not
 * unpacked into a kdump file (verify: no temporary file, one read).
 */
void get_kstream_light(bool on);
/* Why a stream input is not a readable kdump dump, else NULL. */
const char *get_kstream_reason(const struct get_in *in);
/*
 * An ELF core's PT_LOADs end where its last memory chunk ends; memory that
 * ends in a hole is longer. Takes mem_size from the manifest (call it after
 * loading one) when that is larger.
 */
void get_in_elf_fit_manifest(struct get_in *in);

/* "DEVICE:PATH" split at the first ':' whose left part exists. */
bool get_split_ext_spec(const char *spec, char *dev, size_t dev_len,
			const char **path);
/*
 * PATH in the unmounted ext2/3/4 filesystem on DEVICE as a get_file (its
 * close frees everything), and the text of PATH.info (malloc'ed, NULL if
 * none) with its name in man_where. 0 or -errno with why.
 */
int get_extfs_file_open(const char *device, const char *path,
			struct get_file *f, char **man, size_t *man_len,
			char *man_where, size_t where_len, char *why,
			size_t why_len);

/*
 * Loads PATH.info (PATH without ".incomplete") as the manifest of a dump
 * file; 0 or -errno (no such file: -ENOENT).
 */
int get_in_load_sibling_manifest(struct get_in *in, const char *path);
/*
 * The stored bytes [0, *len) an ELF dump's manifest digest covers: the
 * complete dump, or for an incomplete one the prologue and the data the
 * manifest says were written. 0, or -EINVAL with why (manifest values
 * that do not fit the dump).
 */
int get_in_elf_digest_len(const struct get_in *in, uint64_t *len, char *why,
			  size_t why_len);

/*
 * True for an incomplete ELF dump whose PT_LOADs end where the dump
 * stopped although memory went on: its final prologue was cut to the data
 * written (elf of an s390 source), so it differs from the prologue its
 * manifest digest covers.
 */
bool get_in_elf_prologue_cut(const struct get_in *in);

/* Helpers for file-like inputs (in_s390file.c). */
bool get_is_ext_fs(int fd);
bool get_is_elf(int fd);
bool get_is_awstape(int fd);

/*
 * Dump status, as info and verify report it. reason gets a one-line
 * explanation for anything but "complete".
 */
enum get_status {
	GET_ST_COMPLETE,
	GET_ST_TRUNCATED,
	GET_ST_INCOMPLETE,
	GET_ST_CORRUPT,
};
const char *get_status_name(enum get_status st);
enum get_status get_in_status(const struct get_in *in, char *reason,
			      size_t len);

/* Commands. argc/argv start after the command name. */
int get_cmd_info(int argc, char **argv);
int get_cmd_verify(int argc, char **argv);
int get_cmd_copy(int argc, char **argv);
int get_cmd_list(int argc, char **argv);
int get_cmd_dmesg(int argc, char **argv);
int get_cmd_keygen(int argc, char **argv);

/*
 * Sealed dumps (sealed.c). Each returns -ENODEV when DUMP is not a sealed
 * dump (the caller goes on as usual), else an exit code (0 or 1) after
 * printing its own messages. get_sealed_decrypt() decrypts into a new
 * temporary file beside OUT (name in tmp, the caller unlinks it); *bad
 * says a chunk failed authentication (the file holds what came before).
 */
int get_sealed_info(const char *spec, bool json);
int get_sealed_verify(const char *spec, const char *keyfile, bool quiet);
int get_sealed_decrypt(const char *spec, const char *keyfile, const char *oname,
		       char *tmp, size_t tmp_len, bool *bad);

/* Output writers (out_s390.c, out_elf.c). */
struct get_out;
struct get_out_ops {
	int (*begin)(struct get_out *out, struct get_in *in);
	int (*mem)(void *out, uint64_t off, const void *data, size_t len);
	int (*end)(struct get_out *out, struct get_in *in);
	/* frees what begin() set up when the copy fails before end() */
	void (*abort)(struct get_out *out);
};
struct get_out {
	const struct get_out_ops *ops;
	const char *name; /* "-" for stdout */
	int fd;
	bool sparse;	   /* regular file: zero pages become holes */
	uint64_t pos;	   /* bytes of the output written so far */
	uint64_t mem_base; /* output offset of memory offset 0 */
	struct zfd_kdump_wopts kdump; /* -f kdump / kdump-flat */
	bool verbose;
	void *priv;
};
extern const struct get_out_ops get_out_s390_ops;
extern const struct get_out_ops get_out_elf_ops;
extern const struct get_out_ops get_out_kdump_ops;
/* Writes len bytes at output offset off (zeros if data is NULL). */
int get_out_write(struct get_out *out, uint64_t off, const void *data,
		  size_t len);
/* Writes memory, skipping zero pages in sparse outputs. */
int get_out_write_mem(struct get_out *out, uint64_t off, const void *data,
		      size_t len);
/* Finishes the output at total size (sparse tail). */
int get_out_finish(struct get_out *out, uint64_t size);

/*
 * Progress of copy and verify on stderr (progress.c), for dumps of
 * GET_PROGRESS_MIN bytes or more: wraps the memory consumer fn(arg);
 * stream with get_progress_mem and pg, then call get_progress_end().
 */
#define GET_PROGRESS_MIN (256ULL << 20)
struct get_progress {
	get_mem_fn fn;
	void *arg;
	bool absent_ok; /* fn takes GET_MEM_ABSENT (else: NULL, zeros) */
	bool on;	/* not -q, and the dump is large enough */
	bool tty;	/* stderr is a terminal: redraw in place */
	bool drawn;	/* a bar is on the terminal line */
	int width;	/* of the widest bar drawn */
	uint64_t total;
	double t0, interval, next;
};
void get_progress_start(struct get_progress *pg, uint64_t total, bool quiet,
			get_mem_fn fn, void *arg);
int get_progress_mem(void *arg, uint64_t off, const void *data, size_t len);
/* Erases the bar from the terminal line (also before a message). */
void get_progress_end(struct get_progress *pg);
void get_progress_clear(void);

/* Messages: "zfcpdump-get: ..." on stderr. */
void get_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Also keep the last get_err() message in buf (NULL: stop). */
void get_err_capture(char *buf, size_t len);
void get_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* JSON string literal of s (with quotes) to f. */
void get_json_str(FILE *f, const char *s);
/* "2026-11-26T12:00:00Z" of an s390 TOD value (0: "-"). */
void get_tod_str(uint64_t tod, char *buf, size_t len);

#endif /* ZFD_GET_H */
