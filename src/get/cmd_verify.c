// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zfcpdump-get verify DUMP: structure (header, size, end marker) and the
 * manifest's xxh3-128 digest over header + memory + end marker, streamed.
 * Exit 0 only for a complete dump whose digest matches; 1 otherwise with
 * the reason in one line; 2 for usage errors.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "get.h"
#include "util.h"

static int hash_mem(void *arg, uint64_t off, const void *data, size_t len)
{
	struct zfd_digest *d = arg;

	if (data)
		zfd_digest_update(d, data, len);
	else
		zfd_digest_update_zeros(d, len);
	return 0;
}

static int read_only(void *arg, uint64_t off, const void *data, size_t len)
{
	return 0;
}

/*
 * ELF dumps (any sink): the digest covers the stored bytes [0, len) as a
 * reader sees them (sink.h "Digest rule"), holes as zeros. A tape reads
 * its manifest behind the data, and an incomplete tape may hold records
 * beyond the data its manifest counts (written, but not confirmed when
 * the drive gave up): so the digest is also noted at every page boundary
 * of the last SNAP_PAGES pages, and the one at the manifest's end is
 * taken afterwards.
 */
#define SNAP_PAGES 16384 /* 64 MiB */

struct snap {
	uint64_t off;
	char digest[ZFD_DIGEST_STRLEN];
};

struct elf_hash {
	struct zfd_digest *d;
	struct snap *ring; /* NULL: the end is known up front */
	size_t next;	   /* ring slot for the next snapshot */
};

static int hash_stored(void *arg, uint64_t off, const void *data, size_t len)
{
	struct elf_hash *h = arg;
	const uint8_t *p = data;
	size_t n;

	if (!h->ring)
		return hash_mem(h->d, off, data, len);
	while (len) {
		n = (size_t)ZFD_MIN((uint64_t)len, 4096 - off % 4096);
		hash_mem(h->d, off, p, n);
		off += n;
		len -= n;
		p = p ? p + n : NULL;
		if (off % 4096 == 0) {
			h->ring[h->next].off = off;
			zfd_digest_string(h->d, h->ring[h->next].digest,
					  ZFD_DIGEST_STRLEN);
			h->next = (h->next + 1) % SNAP_PAGES;
		}
	}
	return 0;
}

static int compute_elf_digest(struct get_in *in, uint64_t len, char *out,
			      size_t out_len, bool quiet)
{
	struct elf_hash h = { .d = zfd_digest_new() };
	struct get_progress pg;
	uint64_t end;
	char why[GET_WHY_LEN];
	size_t i;
	int rc;

	if (!h.d)
		return -ENOMEM;
	if (!in->man_text) {
		h.ring = calloc(SNAP_PAGES, sizeof(*h.ring));
		if (!h.ring) {
			zfd_digest_free(h.d);
			return -ENOMEM;
		}
	}
	get_progress_start(&pg, len, quiet, hash_stored, &h);
	rc = in->ops->stream_stored(in, len, get_progress_mem, &pg);
	get_progress_end(&pg);
	zfd_digest_string(h.d, out, out_len);
	/* a manifest found behind the data may cover less */
	if (!rc && h.ring && in->man_ok &&
	    get_in_elf_digest_len(in, &end, why, sizeof(why)) == 0 &&
	    end < in->stored_streamed) {
		rc = -ERANGE;
		for (i = 0; i < SNAP_PAGES; i++) {
			if (h.ring[i].digest[0] && h.ring[i].off == end) {
				snprintf(out, out_len, "%s", h.ring[i].digest);
				in->stored_streamed = end;
				rc = 0;
			}
		}
	}
	free(h.ring);
	zfd_digest_free(h.d);
	return rc;
}

/*
 * Hashes the dump as its sink did: header, the memory that belongs to it
 * and, when complete, the end marker. Returns 0 or -errno.
 */
static int compute_digest(struct get_in *in, char *out, size_t len, bool quiet)
{
	struct zfd_digest *d = zfd_digest_new();
	struct get_progress pg;
	uint64_t want;
	int rc;

	if (!d)
		return -ENOMEM;
	zfd_digest_update(d, in->hdr_raw, ZFD_S390_HDR_SIZE);
	/* sequential inputs learn the extent while streaming */
	want = in->end == GET_END_UNKNOWN ? in->hdr.mem_size :
					    get_in_mem_expected(in);
	/*
	 * An ELF core has no digest to check (its s390 header is rebuilt):
	 * read what the file holds, and no more - the time stays bounded by
	 * the file size, however much memory its PT_LOADs describe.
	 */
	if (strcmp(in->format, "elf") == 0)
		get_progress_start(&pg, want, quiet, read_only, NULL);
	else
		get_progress_start(&pg, want, quiet, hash_mem, d);
	rc = in->ops->stream(in, want, get_progress_mem, &pg);
	get_progress_end(&pg);
	if (!rc && in->end == GET_END_OK &&
	    in->mem_streamed == in->hdr.mem_size)
		zfd_digest_update(d, in->end_raw, ZFD_S390_END_SIZE);
	zfd_digest_string(d, out, len);
	zfd_digest_free(d);
	return rc;
}

/* verify --json: the verdict, for monitoring (fields in zfcpdump-get(8)). */
struct verdict {
	bool json;
	const char *status;	      /* structural status, NULL: unknown */
	const char *digest;	      /* computed, NULL: not computed */
	const char *want;	      /* the manifest's digest */
	char reason[GET_WHY_LEN * 3]; /* the error line, "" when ok */
};

static void json_field(const char *key, const char *v, bool comma)
{
	printf("  \"%s\": ", key);
	if (v)
		get_json_str(stdout, v);
	else
		printf("null");
	printf("%s\n", comma ? "," : "");
}

static void print_verdict(const char *name, const struct get_in *in,
			  const struct verdict *v, int ret)
{
	printf("{\n");
	json_field("dump", name, true);
	json_field("verdict", ret ? "failed" : "ok", true);
	printf("  \"exit_code\": %d,\n", ret);
	json_field("status", v->status, true);
	json_field("format", in ? in->format : NULL, true);
	if (in && v->status)
		printf("  \"mem_size\": %" PRIu64 ",\n", in->hdr.mem_size);
	else
		printf("  \"mem_size\": null,\n");
	if (in && v->digest)
		printf("  \"verified_bytes\": %" PRIu64 ",\n",
		       in->stored_size ? in->stored_streamed :
					 in->mem_streamed);
	else
		printf("  \"verified_bytes\": null,\n");
	json_field("manifest_status",
		   in && in->man_ok ? zfd_manifest_get(&in->man, "status") :
				      NULL,
		   true);
	json_field("digest", v->digest, true);
	json_field("manifest_digest", v->want, true);
	printf("  \"digest_ok\": %s,\n",
	       v->digest && v->want ?
		       (strcmp(v->digest, v->want) ? "false" : "true") :
		       "null");
	json_field("reason", v->reason[0] ? v->reason : NULL, false);
	printf("}\n");
	fflush(stdout);
}

/* Memory bytes an ELF core stores (each physical page once). */
static uint64_t elf_mem_bytes(const struct get_in *in)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < in->dump.nr_ranges; i++)
		n += in->dump.ranges[i].size;
	return n;
}

#define MANIFEST_MISSING "manifest missing: the digest cannot be checked"

/*
 * Whether in's manifest is there and well-formed; if not, one line says
 * so after reason (the dump's state, may be empty): missing when there is
 * no manifest.
 */
static bool manifest_usable(const struct get_in *in, const char *reason,
			    const char *missing)
{
	const char *sep = reason[0] ? "; " : "";

	if (!in->man_text) {
		get_err("%s: %s%s%s", in->name, reason, sep, missing);
		return false;
	}
	if (!in->man_ok) {
		get_err("%s: %s%smanifest malformed (%s): %s", in->name, reason,
			sep, in->man_where, in->man_why);
		return false;
	}
	return true;
}

/*
 * verify of an ELF dump: the digest of the stored bytes, then the
 * verdict. Returns the exit code.
 */
static int verify_elf(struct get_in *in, struct verdict *v, bool quiet,
		      bool no_progress)
{
	static char digest[ZFD_DIGEST_STRLEN];
	char reason[GET_WHY_LEN * 2], why[GET_WHY_LEN];
	uint64_t len = in->stored_size;
	const char *want, *mst;
	enum get_status st;
	bool incomplete;
	int rc;

	/* a file knows its manifest up front: hash just what it covers */
	if (in->man_ok && get_in_elf_digest_len(in, &len, why, sizeof(why))) {
		get_err("%s: %s", in->name, why);
		return 1;
	}
	rc = compute_elf_digest(in, len, digest, sizeof(digest), no_progress);
	if (rc == -ERANGE) {
		get_err("%s: the tape holds %" PRIu64 " stored bytes, more "
			"than %u pages beyond the end of the data its "
			"manifest's digest covers: the digest cannot be "
			"checked",
			in->name, in->stored_streamed, SNAP_PAGES);
		return 1;
	}
	if (rc) {
		get_err("%s: read failed after %" PRIu64 " stored bytes: %s",
			in->name, in->stored_streamed,
			in->bad[0] ? in->bad : strerror(-rc));
		return 1;
	}
	v->digest = digest;
	st = get_in_status(in, reason, sizeof(reason));
	v->status = get_status_name(st);
	if (st == GET_ST_CORRUPT) {
		get_err("%s: %s", in->name, reason);
		return 1;
	}
	if (!manifest_usable(in, reason,
			     "ELF core, structure ok; no digest to check: "
			     "no manifest"))
		return 1;
	mst = zfd_manifest_get(&in->man, "status");
	incomplete = strcmp(mst, "incomplete") == 0;
	if (get_in_elf_digest_len(in, &len, why, sizeof(why))) {
		get_err("%s: %s", in->name, why);
		return 1;
	}
	if (in->stored_streamed < len) {
		get_err("%s: %sthe dump ends after %" PRIu64 " stored bytes, "
			"its manifest's digest covers %" PRIu64,
			in->name, incomplete ? "incomplete; " : "",
			in->stored_streamed, len);
		return 1;
	}
	want = zfd_manifest_get(&in->man, "digest");
	v->want = want;
	if (want && strcmp(want, digest) != 0 && incomplete &&
	    get_in_elf_prologue_cut(in)) {
		get_err("%s: %s; digest not checked: the ELF prologue was "
			"cut to the data written, the manifest's digest covers "
			"it as it was at the start",
			in->name, reason);
		return 1;
	}
	if (!want || strcmp(want, digest) != 0) {
		get_err("%s: %s%sdigest mismatch: computed %s, manifest has %s",
			in->name, reason, reason[0] ? "; " : "", digest,
			want ? want : "none");
		return 1;
	}
	if (st != GET_ST_COMPLETE) {
		get_err("%s: %s; digest of the %" PRIu64 " stored bytes ok",
			in->name, reason, len);
		return 1;
	}
	if (!quiet)
		printf("%s: complete, %" PRIu64 " memory bytes, %" PRIu64
		       " stored bytes (%s), digest ok (%s)\n",
		       in->name, elf_mem_bytes(in), len, in->format, digest);
	return 0;
}

/*
 * verify of a kdump flattened stream in its container (doc/kdump.md): the
 * manifest says complete, its digest is the one of the stored stream and
 * its zero padding to 4 KiB, and the stream is well-formed (records inside the container,
 * the end record, a kdump header without the incomplete flag 0x8).
 * Returns the exit code.
 */
static int verify_kstream(struct get_in *in, struct verdict *v, bool quiet)
{
	const struct get_kstream *ks = in->kstream;
	char reason[GET_WHY_LEN * 2];
	const char *want, *mst, *fmt, *c, *lvl;
	enum get_status st;

	st = get_in_status(in, reason, sizeof(reason));
	v->status = get_status_name(st);
	if (ks->bad[0]) {
		get_err("%s: %s", in->name, ks->bad);
		return 1;
	}
	v->digest = ks->digest;
	if (!manifest_usable(in, reason, MANIFEST_MISSING))
		return 1;
	fmt = zfd_manifest_get(&in->man, "format");
	if (!fmt || strcmp(fmt, "kdump") != 0) {
		get_err("%s: the manifest says format %s, the dump is a kdump "
			"flattened stream",
			in->name, fmt ? fmt : "(none)");
		return 1;
	}
	mst = zfd_manifest_get(&in->man, "status");
	want = zfd_manifest_get(&in->man, "digest");
	v->want = want;
	/* (not unpacked: the memory size is the manifest's) */
	if (!in->hdr.mem_size)
		zfd_manifest_get_u64(&in->man, "mem_size", &in->hdr.mem_size);
	if (!ks->ended) {
		/* a sink that failed: no end record, no S to hash up to */
		if (strcmp(mst, "incomplete") == 0)
			get_err("%s: %s; %s", in->name, reason, ks->cut);
		else
			get_err("%s: incomplete: %s", in->name, reason);
		return 1;
	}
	if (!want || strcmp(want, v->digest) != 0) {
		get_err("%s: %s%sdigest mismatch: computed %s over the %" PRIu64
			" stored bytes and their padding to 4 KiB, manifest "
			"has %s",
			in->name, reason, reason[0] ? "; " : "", v->digest,
			ks->size, want ? want : "none");
		return 1;
	}
	if (st != GET_ST_COMPLETE) {
		get_err("%s: %s; digest of the %" PRIu64 " stored bytes ok",
			in->name, reason, ks->size);
		return 1;
	}
	if (ks->hdr_status & ZFD_KDUMP_INCOMPLETE) {
		get_err("%s: the kdump header says incomplete (status flag "
			"0x8), the manifest says %s",
			in->name, mst);
		return 1;
	}
	if (!quiet) {
		c = zfd_manifest_get(&in->man, "compress");
		lvl = zfd_manifest_get(&in->man, "dump_level");
		printf("%s: complete, kdump flattened stream of %" PRIu64
		       " bytes (compress %s, dump_level %s), digest ok (%s)\n",
		       in->name, ks->size, c ? c : "-", lvl ? lvl : "-",
		       v->digest);
	}
	return 0;
}

int get_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char digest[ZFD_DIGEST_STRLEN], reason[GET_WHY_LEN * 2];
	const char *want, *mst;
	struct get_in *in = NULL;
	enum get_status st;
	struct verdict v = { 0 };
	const char *key = NULL;
	bool quiet = false, no_progress = false;
	int c, rc, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qk:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'q':
			quiet = true;
			no_progress = true;
			break;
		case 'J':
			v.json = true;
			break;
		case 'h':
			printf("usage: zfcpdump-get verify DUMP [-q] [--json] [--key FILE]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		get_err("usage: zfcpdump-get verify DUMP [-q] [--json] [--key FILE]");
		return 2;
	}
	/* sealed dumps (sealed.c): one line, no JSON verdict yet */
	rc = get_sealed_verify(argv[optind], key, quiet || v.json);
	if (rc != -ENODEV)
		return rc;
	if (key) {
		get_err("%s: not a sealed dump (--key is for sealed dumps)",
			argv[optind]);
		return 1;
	}
	if (v.json) {
		get_err_capture(v.reason, sizeof(v.reason));
		quiet = true; /* stdout is the JSON */
	}
	get_kstream_light(true);
	rc = get_in_open(argv[optind], &in);
	get_kstream_light(false);
	if (rc) {
		in = NULL;
		goto out_close;
	}
	if (in->kstream) {
		ret = verify_kstream(in, &v, quiet);
		goto out_close;
	}
	if (in->ops->stream_stored) {
		ret = verify_elf(in, &v, quiet, no_progress);
		goto out_close;
	}
	/* --json keeps the progress: it goes to stderr */
	rc = compute_digest(in, digest, sizeof(digest), no_progress);
	if (rc) {
		get_err("%s: read failed after %" PRIu64 " memory bytes: %s",
			in->name, in->mem_streamed,
			in->bad[0] ? in->bad : strerror(-rc));
		goto out_close;
	}
	v.digest = digest;
	st = get_in_status(in, reason, sizeof(reason));
	v.status = get_status_name(st);
	if (st == GET_ST_CORRUPT) {
		get_err("%s: %s", in->name, reason);
		goto out_close;
	}
	if (strncmp(in->format, "kdump", 5) == 0 && !in->man_text) {
		/* no manifest: every page was read and decompressed */
		if (st != GET_ST_COMPLETE) {
			get_err("%s: %s", in->name, reason);
			goto out_close;
		}
		if (!quiet)
			printf("%s: complete, %" PRIu64 " memory bytes, every "
			       "page of the %s file readable (no manifest "
			       "digest)\n",
			       in->name, in->mem_streamed, in->format);
		ret = 0;
		goto out_close;
	}
	if (!manifest_usable(in, reason, MANIFEST_MISSING))
		goto out_close;
	mst = zfd_manifest_get(&in->man, "status");
	if (st == GET_ST_INCOMPLETE && strcmp(mst, "incomplete") != 0) {
		/* the manifest's digest covers an end marker that is gone */
		get_err("%s: %s", in->name, reason);
		goto out_close;
	}
	want = zfd_manifest_get(&in->man, "digest");
	v.want = want;
	if (!want || strcmp(want, digest) != 0) {
		get_err("%s: %s%sdigest mismatch: computed %s, manifest has %s",
			in->name, reason, reason[0] ? "; " : "", digest,
			want ? want : "none");
		goto out_close;
	}
	if (st != GET_ST_COMPLETE) {
		get_err("%s: %s; digest of the %" PRIu64 " dumped bytes ok",
			in->name, reason, in->mem_streamed);
		goto out_close;
	}
	if (!quiet)
		printf("%s: complete, %" PRIu64
		       " memory bytes, digest ok (%s)\n",
		       in->name, in->mem_streamed, digest);
	ret = 0;
out_close:
	if (v.json) {
		get_err_capture(NULL, 0);
		print_verdict(argv[optind], in, &v, ret);
	}
	if (in)
		get_in_close(in);
	return ret;
}
