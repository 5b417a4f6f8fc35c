// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_tape_feed: drives the tape sink the way the daemon does
 * (configure, prepare, open, write in 1 MiB blocks, finish, close), for
 * bench/tape.sh (simulated drive) and tests/e2e/tape.sh (a real drive in
 * a QEMU guest, until the daemon's "-o tape:..." replaces it there).
 *
 *   test_tape_feed mkimage OUT SIZE [SEED]
 *	an s390 dump image (header + memory: zero runs, text, random)
 *   test_tape_feed dump [-o key=value,...] [--sim [--sim-capacity N]
 *			 [--sim-early-warning N] [--aws FILE]] [--synthetic SIZE] [--encrypt PUB]
 *			 [--format elf | --format kdump [-c CODEC] [-d 0|1]]
 *			 [IMAGE]
 *	--sim-early-warning: the drive reports the end of the medium near
 *		once fewer than N bytes are left
 *	--aws: the simulated tape afterwards as an AWSTAPE image file
 *	--encrypt: encrypt = { recipient = PUB; } for the sink
 *	--format elf: IMAGE is an ELF core; the sink gets the packed elf
 *		format of it (src/lib/format.h) as the daemon builds it
 *	--format kdump: IMAGE is an ELF core; the sink gets makedumpfile's
 *		flattened stream of it (src/lib/fmt_kdump.h, codec -c,
 *		default zstd; dump level -d) as the daemon's pipeline
 *		(src/core/pipeline.c) hands it over
 *	exit 0: complete, 1: failed or incomplete, 2: usage or config
 *
 * Sink ABI 2: s390 images are fed as the s390 format (the header as
 * prologue, memory X at stored offset 4096 + X, the end marker as
 * trailer), ELF cores as the elf format (prologue, memory packed, no
 * trailer) or as the kdump format (the flattened stream's 4096-byte
 * header as prologue, then the stream in blocks of whole pages, the
 * last one padded with zeros; info->size only an upper bound,
 * ZFD_INFO_SIZE_BOUND; res->size = res->stored_end = the padded end).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libconfig.h>
#include <zfcpdump/sink.h>

#include "be.h"
#include "digest.h"
#include "dump.h"
#include "fmt_elf.h"
#include "fmt_kdump.h"
#include "fmt_s390.h"
#include "format.h"
#include "tape_scsi.h"
#include "tape_sim.h"
#include "util.h"

#define BLK (1u << 20)

extern const struct zfd_sink zfd_sink_entry;

static void host_vlog(const struct zfd_host *host, int level, const char *fmt,
		      va_list ap)
{
	if (!(level & ZFD_LOG_PLAIN))
		fprintf(stderr, "tape: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void make_hdr(uint8_t *buf, uint64_t mem_size)
{
	struct zfd_s390_hdr h;

	memset(&h, 0, sizeof(h));
	h.magic = ZFD_S390_MAGIC;
	h.version = 5;
	h.hdr_size = ZFD_S390_HDR_SIZE;
	h.page_size = ZFD_S390_PAGE_SIZE;
	h.mem_size = mem_size;
	h.mem_end = mem_size - 1;
	h.num_pages = (uint32_t)(mem_size / 4096);
	h.tod = zfd_tod_now();
	h.arch = ZFD_S390_ARCH_S390X;
	h.build_arch = ZFD_S390_ARCH_S390X;
	h.mem_size_real = mem_size;
	h.cpu_cnt = 1;
	h.real_cpu_cnt = 1;
	zfd_s390_hdr_encode(&h, buf);
}

/* Memory of page p: runs of zero pages (1 MiB regions), text, random. */
static void fill_page(uint8_t *pg, uint64_t p, uint64_t seed)
{
	uint64_t s = (seed + 1) * 0x9e3779b97f4a7c15ULL ^ (p + 1);
	uint64_t region = p / 256, kind = (region * 2654435761u + seed) % 10;
	size_t i;

	if (kind < 5) {
		memset(pg, 0, 4096);
	} else if (kind < 8) {
		for (i = 0; i < 4096; i++)
			pg[i] = (uint8_t) "zfcpdump tape test text page "[(i +
									   p) %
									  29];
		memcpy(pg, &p, sizeof(p));
	} else {
		for (i = 0; i < 4096; i += 8) {
			uint64_t v = rnd(&s);

			memcpy(pg + i, &v, 8);
		}
	}
}

static int mkimage(const char *out, const char *size_s, const char *seed_s)
{
	uint64_t size, seed = seed_s ? strtoull(seed_s, NULL, 0) : 1, p;
	uint8_t *buf;
	FILE *f;

	if (zfd_parse_size(size_s, &size) || !size || size % BLK) {
		fprintf(stderr, "mkimage: SIZE must be a multiple of 1M\n");
		return 2;
	}
	buf = malloc(BLK);
	f = fopen(out, "wb");
	if (!buf || !f) {
		fprintf(stderr, "mkimage: %s: %s\n", out, strerror(errno));
		return 1;
	}
	make_hdr(buf, size);
	fwrite(buf, 1, ZFD_S390_HDR_SIZE, f);
	for (p = 0; p < size / 4096; p++) {
		fill_page(buf + (p % 256) * 4096, p, seed);
		if (p % 256 == 255 && fwrite(buf, 1, BLK, f) != BLK)
			break;
	}
	if (fclose(f)) {
		fprintf(stderr, "mkimage: %s: %s\n", out, strerror(errno));
		return 1;
	}
	free(buf);
	return 0;
}

/* "key=value,key=value" into the sink's group, typed like the daemon. */
static int parse_opts(config_t *cfg, const char *opts, config_setting_t **grp)
{
	char *dup = strdup(opts ? opts : ""), *tok, *save = NULL, *eq;
	config_setting_t *g, *s;

	g = config_setting_add(config_root_setting(cfg), "sink",
			       CONFIG_TYPE_GROUP);
	s = config_setting_add(g, "type", CONFIG_TYPE_STRING);
	config_setting_set_string(s, "tape");
	for (tok = strtok_r(dup, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq) {
			fprintf(stderr, "-o: '%s' is not key=value\n", tok);
			free(dup);
			return -EINVAL;
		}
		*eq++ = 0;
		if (*eq && strspn(eq, "0123456789") == strlen(eq)) {
			s = config_setting_add(g, tok, CONFIG_TYPE_INT64);
			config_setting_set_int64(s, strtoll(eq, NULL, 10));
		} else if (!strcmp(eq, "true") || !strcmp(eq, "false")) {
			s = config_setting_add(g, tok, CONFIG_TYPE_BOOL);
			config_setting_set_bool(s, !strcmp(eq, "true"));
		} else {
			s = config_setting_add(g, tok, CONFIG_TYPE_STRING);
			config_setting_set_string(s, eq);
		}
	}
	free(dup);
	*grp = g;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The simulated tape as an AWSTAPE image (what zfcpdump-get reads as a
 * tape): records in blocks of at most 32 KiB, filemarks as tapemarks.
 */
static int write_aws(const struct tape_sim *sim, const char *path)
{
	uint8_t h[6];
	uint16_t prev = 0;
	size_t r, done, n;
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	for (r = 0; r < sim->nr; r++) {
		const struct tape_sim_rec *rec = &sim->recs[r];

		done = 0;
		do {
			n = rec->filemark ? 0 :
					    ZFD_MIN((size_t)rec->len - done,
						    (size_t)32768);
			h[0] = (uint8_t)n;
			h[1] = (uint8_t)(n >> 8);
			h[2] = (uint8_t)prev;
			h[3] = (uint8_t)(prev >> 8);
			h[4] = rec->filemark ?
				       0x40 :
				       (done == 0 ? 0x80 : 0) |
					       (done + n == rec->len ? 0x20 :
								       0);
			h[5] = 0;
			if (fwrite(h, 1, 6, f) != 6 ||
			    (n && fwrite(rec->data + done, 1, n, f) != n)) {
				fclose(f);
				return -1;
			}
			prev = (uint16_t)n;
			done += n;
		} while (!rec->filemark && done < rec->len);
	}
	return fclose(f);
}

/*
 * An ELF core as the elf format: the model (dump.h) from the parsed core,
 * the format's final prologue, then every range of memory at its packed
 * stored offset, in 1 MiB blocks. Returns 0 or 1 (message printed).
 */
struct elf_src {
	struct zfd_elf_info *elf;
	struct zfd_dump d;
	struct zfd_format *f;
	uint8_t *prologue;
	struct zfd_range *extents;
	char arch[32];
	int fd;
};

static int elf_src_open(struct elf_src *e, const char *image,
			struct zfd_dump_info *info)
{
	char why[256] = "";
	uint64_t x, off, len;
	size_t i;
	off_t size;
	int rc;

	e->fd = open(image, O_RDONLY);
	size = e->fd < 0 ? -1 : lseek(e->fd, 0, SEEK_END);
	if (size < 0) {
		fprintf(stderr, "dump: %s: %s\n", image, strerror(errno));
		return 1;
	}
	rc = zfd_elf_parse_fd(&e->elf, e->fd, (uint64_t)size, why, sizeof(why));
	rc = rc ? rc : zfd_dump_from_elf(&e->d, e->elf);
	rc = rc ? rc :
		  zfd_format_new(&e->f, ZFD_FORMAT_ELF, &e->d, NULL,
				 e->d.mem_size, why, sizeof(why));
	if (rc) {
		fprintf(stderr, "dump: %s: %s\n", image,
			why[0] ? why : strerror(-rc));
		return 1;
	}
	info->prologue_len = zfd_format_prologue_len(e->f);
	e->prologue = aligned_alloc(ZFD_ALIGN, info->prologue_len);
	e->extents = calloc(e->d.nr_ranges + 1, sizeof(*e->extents));
	if (!e->prologue || !e->extents)
		return 1;
	zfd_format_prologue(e->f, e->prologue, true);
	for (i = 0, x = 0; x < e->d.mem_size; x += len) {
		if (!zfd_format_map(e->f, x, &off, &len))
			continue;
		len = ZFD_MIN(len, e->d.mem_size - x);
		if (i &&
		    e->extents[i - 1].start + e->extents[i - 1].size == off)
			e->extents[i - 1].size += len;
		else if (i < e->d.nr_ranges + 1)
			e->extents[i++] = (struct zfd_range){ off, len };
	}
	info->format = "elf";
	info->prologue = e->prologue;
	info->size = zfd_format_size(e->f);
	info->trailer_off = zfd_format_trailer_off(e->f);
	info->trailer_len = zfd_format_trailer_len(e->f);
	info->extents = e->extents;
	info->nr_extents = i;
	info->mem_size = e->d.mem_size;
	info->kernel = e->d.kernel[0] ? e->d.kernel : NULL;
	info->arch = zfd_dump_arch(&e->d, e->arch, sizeof(e->arch));
	return 0;
}

static void elf_src_free(struct elf_src *e)
{
	zfd_format_free(e->f);
	zfd_dump_free(&e->d);
	zfd_elf_info_free(e->elf);
	free(e->prologue);
	free(e->extents);
	if (e->fd >= 0)
		close(e->fd);
}

/*
 * The next block of the elf format at memory offset *x: stored offset,
 * length (at most BLK, within one stored run and one file run) and the
 * data read into buf. Returns 1 at the end, 0, or -1 (message printed).
 */
static int elf_src_next(struct elf_src *e, uint64_t *x, uint8_t *buf,
			struct zfd_block *blk)
{
	uint64_t off, len, foff, flen;

	for (;;) {
		if (*x >= e->d.mem_size)
			return 1;
		if (zfd_format_map(e->f, *x, &off, &len))
			break;
		*x += len;
	}
	len = ZFD_MIN(ZFD_MIN(len, e->d.mem_size - *x), (uint64_t)BLK);
	if (zfd_elf_map(e->elf, e->d.mem_start + *x, &foff, &flen)) {
		len = ZFD_MIN(len, flen);
		if (zfd_pread_full(e->fd, buf, (size_t)len, foff) !=
		    (ssize_t)len) {
			fprintf(stderr, "dump: short read at %" PRIu64 "\n",
				foff);
			return -1;
		}
	} else {
		len = ZFD_MIN(len, flen);
		memset(buf, 0, (size_t)len);
	}
	blk->offset = off;
	blk->mem_offset = *x;
	blk->len = (size_t)len;
	*x += len;
	return 0;
}

/*
 * An ELF core as the kdump format, the way the daemon's pipeline drives
 * the writer for a sink (plan_kdump(), kdump_out(), kbuf_flush(),
 * consume_kdump(), kdump_end()): the flattened header is the prologue
 * (what the writer puts at stream offsets below 4096 is dropped); the
 * rest of the stream collects in a 256 KiB buffer (KBUF_SIZE there) that
 * goes to the sink as one block whenever it is full, and a last time,
 * padded with zeros to whole pages, after the writer's end record. Memory goes to the writer
 * range by range in 1 MiB pieces; the gaps between the ranges are holes
 * (skipped). A failed write of the sink ends the stream where it is: no
 * end record, as in the daemon.
 */
#define KBUF_SIZE (256u << 10)

struct kdump_src {
	struct zfd_elf_info *elf;
	struct zfd_dump d;
	struct zfd_kdump_writer *w;
	uint8_t *prologue;
	struct zfd_range ext;
	char arch[32];
	int fd;
	/* the sink and the stream's blocks */
	const struct zfd_sink *sink;
	void *ctx;
	struct zfd_digest *dg;
	struct zfd_result *res;
	uint8_t *kbuf;
	size_t kbuf_len;
	uint64_t kbuf_off;
	uint64_t done; /* memory offset the writer got up to */
	uint64_t zmap[KBUF_SIZE / 4096 / 64];
	double in_sink;
	int sink_rc; /* the sink's write failed */
};

static int kdump_out(void *arg, uint64_t off, const void *buf, size_t len);

static int kdump_src_open(struct kdump_src *k, const char *image,
			  const char *codec, unsigned int dump_level,
			  struct zfd_dump_info *info)
{
	struct zfd_kdump_wopts o = { .flat = true, .dump_level = dump_level };
	char why[256] = "";
	off_t size;
	int rc;

	if (zfd_kdump_codec_parse(codec, &o.codec)) {
		fprintf(stderr, "dump: unknown codec '%s'\n", codec);
		return 2;
	}
	k->fd = open(image, O_RDONLY);
	size = k->fd < 0 ? -1 : lseek(k->fd, 0, SEEK_END);
	if (size < 0) {
		fprintf(stderr, "dump: %s: %s\n", image, strerror(errno));
		return 1;
	}
	rc = zfd_elf_parse_fd(&k->elf, k->fd, (uint64_t)size, why, sizeof(why));
	rc = rc ? rc : zfd_dump_from_elf(&k->d, k->elf);
	rc = rc ? rc :
		  zfd_kdump_writer_new(&k->w, &k->d, &o, kdump_out, k, why,
				       sizeof(why));
	if (rc) {
		fprintf(stderr, "dump: %s: %s\n", image,
			why[0] ? why : strerror(-rc));
		return 1;
	}
	k->prologue = aligned_alloc(ZFD_ALIGN, ZFD_KDUMP_FLAT_HDR_SIZE);
	k->kbuf = aligned_alloc(ZFD_ALIGN, KBUF_SIZE);
	if (!k->prologue || !k->kbuf)
		return 1;
	memset(k->prologue, 0, ZFD_KDUMP_FLAT_HDR_SIZE);
	memcpy(k->prologue, ZFD_KDUMP_FLAT_SIG, strlen(ZFD_KDUMP_FLAT_SIG));
	zfd_put_be64(k->prologue + 16, 1); /* type: flattened header */
	zfd_put_be64(k->prologue + 24, 1); /* version */
	info->format = "kdump";
	info->prologue = k->prologue;
	info->prologue_len = ZFD_KDUMP_FLAT_HDR_SIZE;
	info->size = ZFD_ALIGN_UP(zfd_kdump_writer_max_out(k->w),
				  (uint64_t)ZFD_PAGE_SIZE);
	info->min_size = ZFD_ALIGN_UP(zfd_kdump_writer_min_out(k->w),
				      (uint64_t)ZFD_PAGE_SIZE);
	info->flags = ZFD_INFO_SIZE_BOUND;
	info->trailer_off = info->size;
	info->trailer_len = 0;
	k->ext.start = info->prologue_len;
	k->ext.size = info->size - info->prologue_len;
	info->extents = &k->ext;
	info->nr_extents = 1;
	info->compress = zfd_kdump_codec_name(o.codec);
	info->dump_level = dump_level;
	info->mem_size = k->d.mem_size;
	info->kernel = k->d.kernel[0] ? k->d.kernel : NULL;
	info->arch = zfd_dump_arch(&k->d, k->arch, sizeof(k->arch));
	k->kbuf_off = info->prologue_len;
	return 0;
}

static void kdump_src_free(struct kdump_src *k)
{
	zfd_kdump_writer_free(k->w);
	zfd_dump_free(&k->d);
	zfd_elf_info_free(k->elf);
	free(k->prologue);
	free(k->kbuf);
	if (k->fd >= 0)
		close(k->fd);
}

/* What collected in kbuf as one block (last: padded to whole pages). */
static int kbuf_flush(struct kdump_src *k, bool last)
{
	struct zfd_block blk = {
		.offset = k->kbuf_off,
		.mem_offset = k->done,
		.data = k->kbuf,
		.kind = ZFD_BLK_DATA,
		.zero_map = k->zmap,
	};
	size_t len = k->kbuf_len;
	double tw;
	int rc;

	if (last) {
		len = ZFD_ALIGN_UP(len, (size_t)ZFD_PAGE_SIZE);
		memset(k->kbuf + k->kbuf_len, 0, len - k->kbuf_len);
	}
	if (!len)
		return 0;
	blk.len = len;
	blk.nr_pages = len / ZFD_PAGE_SIZE;
	memset(k->zmap, 0, sizeof(k->zmap));
	tw = now_s();
	rc = k->sink->write(k->ctx, &blk);
	k->in_sink += now_s() - tw;
	if (rc) {
		k->sink_rc = rc;
		return rc;
	}
	zfd_digest_update(k->dg, blk.data, blk.len);
	k->res->stored_end = blk.offset + blk.len;
	k->kbuf_off += len;
	k->kbuf_len = 0;
	return 0;
}

/* The writer's output: the flattened stream, in order. */
static int kdump_out(void *arg, uint64_t off, const void *buf, size_t len)
{
	struct kdump_src *k = arg;
	const uint8_t *p = buf;
	size_t n;
	int rc;

	/* the stream's header is the prologue */
	if (off < ZFD_KDUMP_FLAT_HDR_SIZE)
		return 0;
	while (len) {
		n = ZFD_MIN(len, (size_t)KBUF_SIZE - k->kbuf_len);
		memcpy(k->kbuf + k->kbuf_len, p, n);
		k->kbuf_len += n;
		p += n;
		len -= n;
		if (k->kbuf_len == KBUF_SIZE) {
			rc = kbuf_flush(k, false);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/*
 * The whole stream to the sink. Sets res status, reason, dumped_bytes,
 * hole_bytes, zero_pages, stored_end and size.
 */
static void kdump_feed(struct kdump_src *k, uint8_t *buf,
		       struct zfd_result *res)
{
	uint64_t x, end, len, foff, flen, pages, zero, comp, raw;
	size_t r;
	int rc;

	rc = zfd_kdump_writer_begin(k->w);
	for (r = 0, x = 0; !rc && r <= k->d.nr_ranges; r++) {
		end = r < k->d.nr_ranges ? k->d.ranges[r].start : k->d.mem_size;
		if (x < end) {
			/* a hole */
			rc = zfd_kdump_writer_skip(k->w, x, end - x);
			if (rc)
				break;
			res->hole_bytes += end - x;
			k->done = x = end;
		}
		if (r == k->d.nr_ranges)
			break;
		end = k->d.ranges[r].start + k->d.ranges[r].size;
		for (; !rc && x < end; x += len) {
			len = ZFD_MIN(end - x, (uint64_t)BLK);
			if (zfd_elf_map(k->elf, k->d.mem_start + x, &foff,
					&flen)) {
				len = ZFD_MIN(len, flen);
				if (zfd_pread_full(k->fd, buf, (size_t)len,
						   foff) != (ssize_t)len) {
					fprintf(stderr,
						"dump: short read at %" PRIu64
						"\n",
						foff);
					res->reason = "source read error";
					rc = -EIO;
					break;
				}
			} else {
				len = ZFD_MIN(len, flen);
				memset(buf, 0, (size_t)len);
			}
			rc = zfd_kdump_writer_mem(k->w, x, buf, (size_t)len);
			if (!rc)
				k->done = x + len;
		}
	}
	/* the end record (or the incomplete header) unless the sink failed */
	if (!k->sink_rc) {
		rc = zfd_kdump_writer_finish(k->w, rc ? k->done : UINT64_MAX,
					     NULL);
		rc = rc ? rc : kbuf_flush(k, true);
	}
	if (rc || k->sink_rc || k->done < k->d.mem_size) {
		res->status = ZFD_STATUS_INCOMPLETE;
		if (!res->reason)
			res->reason = k->sink_rc ? "tape sink write failed" :
						   "kdump stream failed";
	}
	zfd_kdump_writer_stats(k->w, &pages, &zero, &comp, &raw);
	res->zero_pages = zero;
	res->dumped_bytes = k->done;
	res->size = res->stored_end;
}

static int dump(int argc, char **argv)
{
	const struct zfd_sink *sink = &zfd_sink_entry;
	struct zfd_host host = { .abi = ZFD_SINK_ABI,
				 .vlog = host_vlog,
				 .root = "/",
				 .sink_desc = "tape",
				 .verbosity = 1 };
	struct zfd_dump_info info = { 0 };
	struct zfd_result res = { 0 };
	const char *opts = NULL, *image = NULL, *pub = NULL, *aws = NULL;
	struct elf_src esrc = { .fd = -1 };
	struct kdump_src ksrc = { .fd = -1 };
	const char *codec = "zstd";
	unsigned int dump_level = 0;
	bool kdump = false;
	struct zfd_range extent;
	uint8_t trailer[ZFD_END_MARKER_SIZE];
	bool elf = false;
	uint64_t synthetic = 0, sim_cap = 0, sim_ew = 0, capacity, off;
	uint64_t zero_pages = 0;
	uint64_t zmap[BLK / 4096 / 64];
	struct tape_sim *sim = NULL;
	struct zfd_digest *dg;
	config_setting_t *grp;
	uint8_t *hdr, *buf;
	int i, fd = -1, rc, ret = 1;
	void *ctx = NULL;
	double t0, t1, tw, in_sink = 0;
	config_t cfg;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			opts = argv[++i];
		else if (!strcmp(argv[i], "--sim"))
			sim = tape_sim_new();
		else if (!strcmp(argv[i], "--encrypt") && i + 1 < argc)
			pub = argv[++i];
		else if (!strcmp(argv[i], "--aws") && i + 1 < argc)
			aws = argv[++i];
		else if (!strcmp(argv[i], "--format") && i + 1 < argc &&
			 (!strcmp(argv[i + 1], "elf") ||
			  !strcmp(argv[i + 1], "kdump") ||
			  !strcmp(argv[i + 1], "s390"))) {
			elf = !strcmp(argv[++i], "elf");
			kdump = !strcmp(argv[i], "kdump");
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			codec = argv[++i];
		else if (!strcmp(argv[i], "-d") && i + 1 < argc &&
			 (!strcmp(argv[i + 1], "0") ||
			  !strcmp(argv[i + 1], "1")))
			/* higher levels need the daemon's page filter */
			dump_level = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sim-capacity") && i + 1 < argc)
			zfd_parse_size(argv[++i], &sim_cap);
		else if (!strcmp(argv[i], "--sim-early-warning") &&
			 i + 1 < argc)
			zfd_parse_size(argv[++i], &sim_ew);
		else if (!strcmp(argv[i], "--synthetic") && i + 1 < argc)
			zfd_parse_size(argv[++i], &synthetic);
		else if (argv[i][0] != '-' && !image)
			image = argv[i];
		else {
			fprintf(stderr, "dump: bad argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!image == !synthetic || (synthetic % BLK)) {
		fprintf(stderr,
			"dump: give IMAGE or --synthetic SIZE (multiple of 1M)\n");
		return 2;
	}
	if ((elf || kdump) && !image) {
		fprintf(stderr, "dump: --format %s needs an ELF core IMAGE\n",
			elf ? "elf" : "kdump");
		return 2;
	}
	if (aws && !sim) {
		fprintf(stderr, "dump: --aws needs --sim\n");
		return 2;
	}
	if (sim) {
		sim->keep_data = aws != NULL;
		if (sim_cap)
			sim->capacity = sim_cap;
		sim->early_warning = sim_ew;
		tape_sim_current = sim;
		tape_backend_open = tape_sim_open;
	}
	hdr = aligned_alloc(ZFD_ALIGN, ZFD_HDR_SIZE);
	buf = aligned_alloc(ZFD_ALIGN, BLK);
	dg = zfd_digest_new();
	if (!hdr || !buf || !dg)
		return 1;
	if (elf) {
		if (elf_src_open(&esrc, image, &info))
			goto out_src;
	} else if (kdump) {
		ret = kdump_src_open(&ksrc, image, codec, dump_level, &info);
		if (ret)
			goto out_src;
		ret = 1;
	} else if (image) {
		fd = open(image, O_RDONLY);
		if (fd < 0 ||
		    zfd_pread_full(fd, hdr, ZFD_HDR_SIZE, 0) != ZFD_HDR_SIZE) {
			fprintf(stderr, "dump: %s: cannot read the header\n",
				image);
			return 1;
		}
		info.mem_size = zfd_get_be64(hdr + ZFD_S390_OFF_MEM_SIZE);
	} else {
		make_hdr(hdr, synthetic);
		info.mem_size = synthetic;
		for (off = 0; off < BLK; off += 4096)
			fill_page(buf + off, off / 4096 + 512, 3);
	}
	if (!elf && !kdump) {
		info.format = "s390";
		info.prologue = hdr;
		info.prologue_len = ZFD_HDR_SIZE;
		info.trailer_off = ZFD_HDR_SIZE + info.mem_size;
		info.trailer_len = ZFD_END_MARKER_SIZE;
		info.size = info.trailer_off + info.trailer_len;
		extent = (struct zfd_range){ ZFD_HDR_SIZE, info.mem_size };
		info.extents = &extent;
		info.nr_extents = 1;
	}
	info.mem_size_orig = info.mem_size;
	info.source = image ? image : "synthetic";
	info.started = time(NULL);

	config_init(&cfg);
	if (parse_opts(&cfg, opts, &grp)) {
		ret = 2;
		goto out;
	}
	if (pub) {
		config_setting_t *e = config_setting_add(grp, "encrypt",
							 CONFIG_TYPE_GROUP);
		config_setting_t *r =
			e ? config_setting_add(e, "recipient",
					       CONFIG_TYPE_STRING) :
			    NULL;

		if (!r || config_setting_set_string(r, pub) != CONFIG_TRUE) {
			ret = 2;
			goto out;
		}
	}
	if (sink->configure(&host, grp, &ctx)) {
		ret = 2;
		goto out;
	}
	rc = sink->prepare(ctx, &info, &capacity);
	rc = rc ? rc : sink->open(ctx, &info);
	if (rc)
		goto out;

	zfd_digest_update(dg, info.prologue, info.prologue_len);
	t0 = now_s();
	res.status = ZFD_STATUS_COMPLETE;
	res.stored_end = info.prologue_len;
	if (kdump) {
		ksrc.sink = sink;
		ksrc.ctx = ctx;
		ksrc.dg = dg;
		ksrc.res = &res;
		kdump_feed(&ksrc, buf, &res);
		in_sink = ksrc.in_sink;
	}
	for (off = 0; !kdump && off < info.mem_size; off += elf ? 0 : BLK) {
		struct zfd_block blk = { .offset = ZFD_HDR_SIZE + off,
					 .mem_offset = off,
					 .data = buf,
					 .kind = ZFD_BLK_DATA,
					 .zero_map = zmap };
		size_t p;

		blk.len = (size_t)ZFD_MIN(BLK, info.mem_size - off);
		if (elf) {
			rc = elf_src_next(&esrc, &off, buf, &blk);
			if (rc == 1)
				break;
			if (rc) {
				res.status = ZFD_STATUS_INCOMPLETE;
				res.reason = "source read error";
				break;
			}
		}
		blk.nr_pages = (blk.len + 4095) / 4096;
		if (!elf && fd >= 0 &&
		    zfd_pread_full(fd, buf, blk.len, ZFD_HDR_SIZE + off) !=
			    (ssize_t)blk.len) {
			fprintf(stderr, "dump: %s: short read at %" PRIu64 "\n",
				image, off);
			res.status = ZFD_STATUS_INCOMPLETE;
			res.reason = "source read error";
			break;
		}
		memset(zmap, 0, sizeof(zmap));
		for (p = 0; p < blk.nr_pages; p++)
			if (zfd_is_zero(buf + p * 4096, 4096)) {
				zmap[p / 64] |= 1ULL << (p % 64);
				blk.nr_zero_pages++;
			}
		tw = now_s();
		rc = sink->write(ctx, &blk);
		in_sink += now_s() - tw;
		if (rc) {
			res.status = ZFD_STATUS_INCOMPLETE;
			res.reason = "tape sink write failed";
			break;
		}
		zfd_digest_update(dg, buf, blk.len);
		res.dumped_bytes += blk.len;
		res.stored_end = blk.offset + blk.len;
		zero_pages += blk.nr_zero_pages;
	}
	t1 = now_s();
	if (!kdump)
		res.zero_pages = zero_pages;
	res.finished = time(NULL);
	res.seconds = t1 - t0;
	res.prologue = info.prologue;
	if (!kdump)
		res.size = info.size;
	if (res.status == ZFD_STATUS_COMPLETE && info.trailer_len) {
		zfd_s390_end_marker(trailer, zfd_tod_now());
		res.trailer = trailer;
		res.trailer_len = ZFD_END_MARKER_SIZE;
		zfd_digest_update(dg, trailer, ZFD_END_MARKER_SIZE);
	}
	zfd_digest_string(dg, res.digest, sizeof(res.digest));
	rc = sink->finish(ctx, &info, &res);
	printf("fed %" PRIu64
	       " bytes in %.3f s (%.0f MiB/s; in the sink %.3f s, %.0f MiB/s), status %s, finish %d\n",
	       res.dumped_bytes, t1 - t0,
	       res.dumped_bytes / 1048576.0 / (t1 > t0 ? t1 - t0 : 1e-9),
	       in_sink,
	       res.dumped_bytes / 1048576.0 / (in_sink > 0 ? in_sink : 1e-9),
	       res.status == ZFD_STATUS_COMPLETE ? "complete" : "incomplete",
	       rc);
	if (kdump)
		printf("kdump stream: %" PRIu64 " stored bytes, digest %s\n",
		       res.stored_end, res.digest);
	if (sim)
		printf("sim: %zu records and filemarks\n", sim->nr);
	ret = (rc || res.status != ZFD_STATUS_COMPLETE) ? 1 : 0;
out:
	if (ctx)
		sink->close(ctx);
	if (aws && write_aws(sim, aws) != 0) {
		fprintf(stderr, "dump: %s: cannot write the AWSTAPE image\n",
			aws);
		ret = 1;
	}
	config_destroy(&cfg);
out_src:
	elf_src_free(&esrc);
	kdump_src_free(&ksrc);
	zfd_digest_free(dg);
	free(buf);
	free(hdr);
	if (fd >= 0)
		close(fd);
	tape_sim_free(sim);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "mkimage"))
		return mkimage(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
	if (argc >= 2 && !strcmp(argv[1], "dump"))
		return dump(argc, argv);
	fprintf(stderr,
		"usage: %s mkimage OUT SIZE [SEED] | dump [-o k=v,...] [--sim [--sim-capacity N] [--sim-early-warning N] [--aws FILE]] [--synthetic SIZE] [--encrypt PUB] [--format elf | --format kdump [-c CODEC] [-d 0|1]] [IMAGE]\n",
		argv[0]);
	return 2;
}
