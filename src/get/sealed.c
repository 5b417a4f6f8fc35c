// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sealed dumps in zfcpdump-get (doc/sealing.md): keygen; info and verify
 * without the secret key (metadata, digest of the stored ciphertext);
 * verify --key authenticates every chunk; copy --key decrypts into a
 * temporary file beside OUT that the ordinary copy then converts.
 *
 * Where a sealed dump is found: a file (manifest beside it as FILE.info)
 * or a raw partition or image (manifest block at the 4 KiB boundary after
 * the sealed data, whose size the header records).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "get.h"
#include "seal.h"
#include "tape.h"
#include "util.h"

#define MAN_MAX (64u << 10)

struct sealed {
	const char *name;
	struct get_file f; /* the stored bytes */
	int fd;		   /* plain file or device, else -1 */
	bool tape;	   /* records, read front to back */
	struct tape_rd *trd;
	uint64_t size; /* stored bytes (file or device) */
	uint8_t raw[ZFD_SEAL_HDR_SIZE];
	struct zfd_seal_hdr hdr;
	char fp[ZFD_SEAL_FP_HEX];
	char *man_text;
	char man_where[PATH_MAX + 32];
	bool man_ok;
	char man_why[GET_WHY_LEN];
	struct zfd_manifest man;
};

static void sealed_close(struct sealed *s)
{
	if (s->f.close)
		s->f.close(s->f.arg);
	s->f.close = NULL;
	free(s->man_text);
}

static int64_t fd_file_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct sealed *s = arg;
	ssize_t n = zfd_pread_full(s->fd, buf, len, off);

	return n < 0 ? -errno : n;
}

static void fd_file_close(void *arg)
{
	struct sealed *s = arg;

	close(s->fd);
	s->fd = -1;
}

static void set_manifest(struct sealed *s, const char *text, size_t len)
{
	const char *nul = memchr(text, 0, len);

	if (nul)
		len = (size_t)(nul - text);
	s->man_text = strndup(text, len);
	if (!s->man_text)
		return;
	s->man_ok = zfd_manifest_parse(s->man_text, len, &s->man, s->man_why,
				       sizeof(s->man_why)) == 0;
}

static void load_manifest(struct sealed *s)
{
	char path[PATH_MAX], *buf;
	uint64_t off;
	ssize_t n;
	int fd;

	buf = malloc(MAN_MAX);
	if (!buf)
		return;
	snprintf(path, sizeof(path), "%s.info", s->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = zfd_pread_full(fd, buf, MAN_MAX, 0);
		close(fd);
		if (n > 0) {
			snprintf(s->man_where, sizeof(s->man_where), "%s",
				 path);
			set_manifest(s, buf, (size_t)n);
			goto out_free;
		}
	}
	if (s->hdr.state == ZFD_SEAL_ST_OPEN || s->fd < 0)
		goto out_free;
	/* raw layout: manifest block behind the sealed data */
	off = ZFD_SEAL_HDR_SIZE + s->hdr.data_size;
	off = (off + 4095) & ~(uint64_t)4095;
	n = zfd_pread_full(s->fd, buf, MAN_MAX, off);
	if (n > 13 && memcmp(buf, "zfcpdump-info", 13) == 0) {
		snprintf(s->man_where, sizeof(s->man_where),
			 "manifest block at offset %" PRIu64, off);
		set_manifest(s, buf, (size_t)n);
	}
out_free:
	free(buf);
}

/*
 * A sealed tape (st device or AWSTAPE image): file 1 = the envelope header
 * record, the envelope in records, the 16-byte end-marker record of a
 * complete dump; file 2 = the manifest. Read strictly front to back.
 */
struct tape_rd {
	struct get_tape *t;
	uint8_t *rec;
	size_t len, pos; /* current record, bytes used */
	uint64_t off;	 /* envelope offset of rec[pos] */
	bool eof;	 /* filemark behind file 1 reached */
	bool end_rec;	 /* the end-marker record was seen */
};

/* Next record of file 1 that holds envelope bytes; 0 at its end. */
static int tape_next(struct tape_rd *t)
{
	ssize_t n;

	while (!t->eof) {
		n = get_tape_read(t->t, t->rec, GET_TAPE_MAX_REC);
		if (n == -ENODATA || n == 0) {
			t->eof = true;
			return 0;
		}
		if (n < 0)
			return (int)n;
		if (n == ZFD_S390_END_SIZE &&
		    memcmp(t->rec, "DUMP_END", 8) == 0) {
			t->end_rec = true;
			continue;
		}
		t->len = (size_t)n;
		t->pos = 0;
		return 1;
	}
	return 0;
}

static int64_t tape_rd_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct tape_rd *t = arg;
	size_t got = 0, n;
	int rc;

	while (got < len) {
		if (t->pos == t->len) {
			rc = tape_next(t);
			if (rc < 0)
				return rc;
			if (!rc)
				break;
		}
		if (off + got < t->off) {
			return -ESPIPE; /* a tape does not go back */
		}
		n = t->len - t->pos;
		if (off + got > t->off) {
			/* skip forward */
			n = (size_t)ZFD_MIN((uint64_t)n, off + got - t->off);
			t->pos += n;
			t->off += n;
			continue;
		}
		n = ZFD_MIN(n, len - got);
		memcpy((uint8_t *)buf + got, t->rec + t->pos, n);
		t->pos += n;
		t->off += n;
		got += n;
	}
	return (int64_t)got;
}

static void tape_rd_close(void *arg)
{
	struct tape_rd *t = arg;

	get_tape_close(t->t);
	free(t->rec);
	free(t);
}

/* After file 1: the manifest record of file 2. */
static void tape_load_manifest(struct sealed *s)
{
	struct tape_rd *t = s->trd;
	ssize_t n;

	while (tape_next(t) > 0)
		t->pos = t->len;
	n = get_tape_read(t->t, t->rec, GET_TAPE_MAX_REC);
	if (n > 0) {
		snprintf(s->man_where, sizeof(s->man_where),
			 "tape file 2 (manifest)");
		set_manifest(s, (char *)t->rec, (size_t)n);
	}
}

/*
 * A tape: its first record says whether it is sealed. Reading it consumed
 * it, so a tape that is not sealed is handed on (tape_hold.c) with that
 * record to the ordinary tape input, which gets the same open tape.
 */
static int open_tape(const char *spec, struct sealed *s)
{
	char why[GET_WHY_LEN];
	struct tape_rd *t;
	ssize_t n;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->rec = malloc(GET_TAPE_MAX_REC);
	if (!t->rec || get_tape_open(spec, &t->t, why, sizeof(why))) {
		free(t->rec);
		free(t);
		return -ENODEV; /* the ordinary open says why */
	}
	n = get_tape_read(t->t, t->rec, GET_TAPE_MAX_REC);
	if (n != ZFD_SEAL_HDR_SIZE || !zfd_seal_is_sealed(t->rec, (size_t)n)) {
		get_tape_hand_on(t->t, spec, t->rec, n);
		free(t);
		return -ENODEV;
	}
	t->len = (size_t)n;
	s->tape = true;
	s->trd = t;
	s->size = UINT64_MAX;
	s->f = (struct get_file){ .read = tape_rd_read,
				  .close = tape_rd_close,
				  .arg = t };
	return 0;
}

/* DEVICE:dump.N in an ext filesystem; -ENODEV when not sealed. */
static int open_in_extfs(const char *dev, const char *path, struct sealed *s)
{
	char why[GET_WHY_LEN], *man = NULL;
	size_t man_len = 0;

	if (get_extfs_file_open(dev, path, &s->f, &man, &man_len, s->man_where,
				sizeof(s->man_where), why, sizeof(why)))
		return -ENODEV; /* the ordinary open says why */
	s->size = s->f.size;
	if (s->f.read(s->f.arg, s->raw, 8, 0) != 8 ||
	    !zfd_seal_is_sealed(s->raw, 8)) {
		free(man);
		sealed_close(s);
		return -ENODEV;
	}
	if (man) {
		set_manifest(s, man, man_len);
		free(man);
	}
	return 0;
}

/* 0: sealed and open; -ENODEV: not a sealed dump; else printed. */
static int sealed_open(const char *spec, struct sealed *s)
{
	char why[GET_WHY_LEN], dev[PATH_MAX];
	const char *path;
	struct stat st;
	int64_t n;
	int rc;

	memset(s, 0, sizeof(*s));
	s->name = spec;
	s->fd = -1;
	if (stat(spec, &st) != 0) {
		if (!get_split_ext_spec(spec, dev, sizeof(dev), &path) ||
		    stat(dev, &st) != 0 ||
		    (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) ||
		    open_in_extfs(dev, path, s))
			return -ENODEV;
	} else {
		/*
		 * A character device is a tape drive (st) or not a dump;
		 * FIFOs and the like are not opened here (that could block).
		 */
		if (S_ISCHR(st.st_mode)) {
			if (open_tape(spec, s))
				return -ENODEV;
			goto opened;
		}
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
			return -ENODEV;
		s->fd = open(spec, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0)
			return -ENODEV;
		if (get_is_awstape(s->fd)) {
			close(s->fd);
			s->fd = -1;
			if (open_tape(spec, s))
				return -ENODEV;
			goto opened;
		}
		s->f = (struct get_file){ .read = fd_file_read,
					  .close = fd_file_close,
					  .arg = s };
		if (S_ISBLK(st.st_mode)) {
			off_t end = lseek(s->fd, 0, SEEK_END);

			s->size = end > 0 ? (uint64_t)end : 0;
		} else {
			s->size = (uint64_t)st.st_size;
		}
	}
opened:
	n = s->f.read(s->f.arg, s->raw, sizeof(s->raw), 0);
	if (n < 8 || !zfd_seal_is_sealed(s->raw, (size_t)n)) {
		if (s->f.close)
			goto out_nodev_f;
		goto out_nodev;
	}
	rc = zfd_seal_hdr_decode(s->raw, (size_t)n, &s->hdr, why, sizeof(why));
	if (rc) {
		get_err("%s: %s", spec, why);
		sealed_close(s);
		return rc;
	}
	zfd_seal_fp_hex(s->hdr.fp, s->fp);
	if (!s->man_text && s->fd >= 0)
		load_manifest(s);
	return 0;

out_nodev_f:
	sealed_close(s);
	return -ENODEV;
out_nodev:
	close(s->fd);
	s->fd = -1;
	return -ENODEV;
}

/*
 * Where the chunk bytes end: as far as the header knows, else (a stream's
 * header, state open) as far as the manifest knows. A copy of a tape's
 * records (dd) holds the 16-byte end-marker record and padding behind the
 * envelope: read as chunk bytes, they would cut the short final chunk.
 */
static uint64_t sealed_data_end(const struct sealed *s)
{
	uint64_t end = s->size, sb;

	if (s->hdr.state != ZFD_SEAL_ST_OPEN) {
		if (ZFD_SEAL_HDR_SIZE + s->hdr.data_size < end)
			end = ZFD_SEAL_HDR_SIZE + s->hdr.data_size;
	} else if (s->man_ok &&
		   zfd_manifest_get_u64(&s->man, "sealed_bytes", &sb) == 0 &&
		   end > ZFD_SEAL_HDR_SIZE && sb < end - ZFD_SEAL_HDR_SIZE) {
		end = ZFD_SEAL_HDR_SIZE + sb;
	}
	return end;
}

static const char *state_name(uint32_t state)
{
	switch (state) {
	case ZFD_SEAL_ST_FINAL:
		return "final chunk written";
	case ZFD_SEAL_ST_CUT:
		return "writer stopped before the end";
	default:
		return "not recorded (stream)";
	}
}

static int64_t fd_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct sealed *s = arg;

	return s->f.read(s->f.arg, buf, len, off);
}

static int load_secret(const char *path, uint8_t *pk, uint8_t *sk)
{
	char why[GET_WHY_LEN];

	if (zfd_seal_load_key(path, pk, sk, why, sizeof(why))) {
		get_err("%s: %s", path, why);
		return -EINVAL;
	}
	return 0;
}

static int open_reader(struct sealed *s, const char *keyfile,
		       struct zfd_seal_r **r)
{
	uint8_t pk[ZFD_SEAL_KEY_SIZE], sk[ZFD_SEAL_KEY_SIZE];
	char why[GET_WHY_LEN];
	int rc;

	if (load_secret(keyfile, pk, sk))
		return -EINVAL;
	rc = zfd_seal_r_open(s->raw, pk, sk, r, why, sizeof(why));
	memset(sk, 0, sizeof(sk));
	if (rc)
		get_err("%s: %s", s->name, why);
	return rc;
}

int get_sealed_info(const char *spec, bool json)
{
	struct sealed s;
	uint64_t sb;
	size_t k;
	int rc;

	rc = sealed_open(spec, &s);
	if (rc)
		return rc == -ENODEV ? -ENODEV : 1;
	if (s.tape)
		tape_load_manifest(&s);
	if (s.man_ok && zfd_manifest_get_u64(&s.man, "sealed_bytes", &sb) == 0)
		;
	else
		sb = s.hdr.data_size;
	if (json) {
		printf("{\n  \"dump\": ");
		get_json_str(stdout, spec);
		printf(",\n  \"encrypted\": \"%s\",\n  \"key\": \"%s\",\n"
		       "  \"chunk_size\": %u,\n  \"lanes\": %u,\n"
		       "  \"sealed_bytes\": %" PRIu64 ",\n  \"manifest\": {",
		       ZFD_SEAL_NAME, s.fp, s.hdr.chunk_size, s.hdr.lanes, sb);
		for (k = 0; s.man_ok && k < s.man.nr; k++) {
			printf("%s\n    ", k ? "," : "");
			get_json_str(stdout, s.man.kv[k].key);
			printf(": ");
			get_json_str(stdout, s.man.kv[k].value);
		}
		printf("%s}\n}\n", s.man_ok && s.man.nr ? "\n  " : "");
		sealed_close(&s);
		return 0;
	}
	printf("Dump:          %s\n", spec);
	printf("Input:         sealed dump\n");
	printf("Encrypted:     %s\n", ZFD_SEAL_NAME);
	printf("Key:           %s\n", s.fp);
	printf("Chunk size:    %u bytes\n", s.hdr.chunk_size);
	printf("Lanes:         %u (envelope version %u)\n", s.hdr.lanes,
	       s.hdr.version);
	printf("Header state:  %s\n", state_name(s.hdr.state));
	if (s.hdr.state != ZFD_SEAL_ST_OPEN)
		printf("Sealed bytes:  %" PRIu64 " (%" PRIu64 " plaintext)\n",
		       s.hdr.data_size, s.hdr.plain_size);
	if (s.tape)
		printf("Stored:        tape (envelope in records)\n");
	else
		printf("Stored:        %" PRIu64 " bytes\n", s.size);
	if (!s.man_text) {
		printf("Manifest:      none\n");
	} else {
		printf("Manifest:      %s%s%s\n", s.man_where,
		       s.man_ok ? "" : ", malformed: ",
		       s.man_ok ? "" : s.man_why);
		for (k = 0; s.man_ok && k < s.man.nr; k++)
			printf("  %-13s%s\n", s.man.kv[k].key,
			       s.man.kv[k].value);
	}
	printf("Memory:        sealed (zfcpdump-get copy --key FILE to read)\n");
	sealed_close(&s);
	return 0;
}

/* Reads pass through here: the chunk bytes are hashed on the way. */
struct hashing {
	struct sealed *s;
	struct zfd_digest *d;
	uint64_t next;	 /* envelope offset expected next */
	uint64_t hashed; /* chunk bytes hashed */
};

static int64_t hash_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct hashing *h = arg;
	int64_t n = h->s->f.read(h->s->f.arg, buf, len, off);

	if (n > 0 && off == h->next && off >= ZFD_SEAL_HDR_SIZE) {
		zfd_digest_update(h->d, buf, (size_t)n);
		h->hashed += (uint64_t)n;
		h->next += (uint64_t)n;
	}
	return n;
}

/* Hashes the chunk bytes in [4096, end) as far as they are stored. */
static int hash_all(struct hashing *h, uint64_t end)
{
	uint8_t *buf = malloc(GET_BUF_SIZE);
	uint64_t off = ZFD_SEAL_HDR_SIZE;
	size_t want;
	int64_t n;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	while (off < end) {
		want = end - off < GET_BUF_SIZE ? (size_t)(end - off) :
						  GET_BUF_SIZE;
		n = hash_read(h, buf, want, off);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		off += (uint64_t)n;
		if ((size_t)n < want)
			break;
	}
	free(buf);
	return rc;
}

static int discard(void *arg, uint64_t off, const void *data, size_t len)
{
	return 0;
}

static void tape_load_manifest(struct sealed *s);

int get_sealed_verify(const char *spec, const char *keyfile, bool quiet)
{
	struct hashing h = { .next = ZFD_SEAL_HDR_SIZE };
	char digest[ZFD_DIGEST_STRLEN];
	struct zfd_seal_result res = { 0 };
	struct zfd_seal_r *r = NULL;
	const char *want, *mst;
	uint64_t bytes = UINT64_MAX, end;
	struct sealed s;
	int rc, ret = 1;

	rc = sealed_open(spec, &s);
	if (rc)
		return rc == -ENODEV ? -ENODEV : 1;
	h.s = &s;
	h.d = zfd_digest_new();
	if (!h.d) {
		get_err("%s: out of memory", spec);
		goto out_close;
	}
	/* what never changes: the fixed part and the lane table */
	zfd_digest_update(h.d, s.raw, ZFD_SEAL_OFF_FIXED_END);
	zfd_digest_update(h.d, s.raw + ZFD_SEAL_OFF_LANE_TBL,
			  zfd_seal_lane_tbl_len(&s.hdr));
	if (!s.tape) {
		/* the manifest names how many bytes the digest covers */
		if (!s.man_text) {
			get_err("%s: sealed dump (key %s), manifest missing: the "
				"digest cannot be checked",
				spec, s.fp);
			goto out_close;
		}
		if (!s.man_ok) {
			get_err("%s: manifest malformed (%s): %s", spec,
				s.man_where, s.man_why);
			goto out_close;
		}
		if (zfd_manifest_get_u64(&s.man, "sealed_bytes", &bytes)) {
			get_err("%s: manifest has no sealed_bytes: not a sealed "
				"dump's manifest",
				spec);
			goto out_close;
		}
		if (bytes > s.size - ZFD_SEAL_HDR_SIZE) {
			get_err("%s: sealed data ends after %" PRIu64
				" of %" PRIu64 " bytes the manifest names",
				spec, s.size - ZFD_SEAL_HDR_SIZE, bytes);
			goto out_close;
		}
	}
	end = bytes == UINT64_MAX ? UINT64_MAX : ZFD_SEAL_HDR_SIZE + bytes;
	if (keyfile) {
		if (open_reader(&s, keyfile, &r))
			goto out_close;
		rc = zfd_seal_r_stream(r, end, hash_read, &h, discard, NULL,
				       &res);
	} else {
		rc = hash_all(&h, end);
	}
	if (rc) {
		get_err("%s: read failed after %" PRIu64 " sealed bytes: %s",
			spec, h.hashed, strerror(-rc));
		goto out_close;
	}
	if (s.tape)
		tape_load_manifest(&s);
	if (keyfile && res.end != ZFD_SEAL_END_FINAL) {
		get_err("%s: %s%s; %" PRIu64 " plaintext bytes in %" PRIu64
			" chunks authenticated",
			spec, res.end == ZFD_SEAL_END_CUT ? "incomplete: " : "",
			res.why, res.plain, res.chunks);
		goto out_close;
	}
	if (!s.man_text || !s.man_ok) {
		get_err("%s: sealed dump (key %s), manifest %s: the digest "
			"cannot be checked",
			spec, s.fp, s.man_text ? "malformed" : "missing");
		goto out_close;
	}
	if (s.tape && (zfd_manifest_get_u64(&s.man, "sealed_bytes", &bytes) ||
		       bytes != h.hashed)) {
		get_err("%s: %" PRIu64 " sealed bytes on tape, the manifest "
			"names %s",
			spec, h.hashed,
			zfd_manifest_get(&s.man, "sealed_bytes") ?
				zfd_manifest_get(&s.man, "sealed_bytes") :
				"none");
		goto out_close;
	}
	zfd_digest_string(h.d, digest, sizeof(digest));
	want = zfd_manifest_get(&s.man, "digest");
	mst = zfd_manifest_get(&s.man, "status");
	if (!want || strcmp(want, digest) != 0) {
		get_err("%s: digest mismatch: computed %s, manifest has %s",
			spec, digest, want ? want : "none");
		goto out_close;
	}
	if (!mst || strcmp(mst, "complete") != 0) {
		get_err("%s: %s; digest of the %" PRIu64 " sealed bytes ok",
			spec, mst ? mst : "status unknown", bytes);
		goto out_close;
	}
	if (!quiet) {
		if (keyfile)
			printf("%s: complete, sealed to key %s, %" PRIu64
			       " sealed bytes, digest ok (%s), %" PRIu64
			       " chunks authenticated\n",
			       spec, s.fp, bytes, digest, res.chunks);
		else
			printf("%s: complete, sealed to key %s, %" PRIu64
			       " sealed bytes, digest ok (%s)\n",
			       spec, s.fp, bytes, digest);
	}
	ret = 0;
out_close:
	zfd_seal_r_free(r);
	zfd_digest_free(h.d);
	sealed_close(&s);
	return ret;
}

struct tmp_out {
	int fd;
	const char *name;
};

static int tmp_write(void *arg, uint64_t off, const void *data, size_t len)
{
	struct tmp_out *t = arg;

	if (zfd_pwrite_full(t->fd, data, len, off) != (ssize_t)len)
		return errno ? -errno : -EIO;
	return 0;
}

/* OUT must not be the sealed dump (or its filesystem image) itself. */
static bool is_sealed_input(const char *spec, const char *oname)
{
	char dev[PATH_MAX];
	struct stat ist, ost;
	const char *path, *src = spec;

	if (strcmp(oname, "-") == 0 || stat(oname, &ost) != 0)
		return false;
	if (stat(spec, &ist) != 0 &&
	    get_split_ext_spec(spec, dev, sizeof(dev), &path))
		src = dev;
	if (stat(src, &ist) != 0 || ist.st_dev != ost.st_dev ||
	    ist.st_ino != ost.st_ino)
		return false;
	get_err("%s: is the input itself (or a link to it): refusing to "
		"overwrite it",
		oname);
	return true;
}

int get_sealed_decrypt(const char *spec, const char *keyfile, const char *oname,
		       char *tmp, size_t tmp_len, bool *bad)
{
	struct zfd_seal_result res;
	struct zfd_seal_r *r;
	struct tmp_out t;
	struct sealed s;
	int rc, ret = 1;

	*bad = false;
	rc = sealed_open(spec, &s);
	if (rc)
		return rc == -ENODEV ? -ENODEV : 1;
	if (!keyfile) {
		get_err("%s: sealed dump (key %s): give the secret key with "
			"--key FILE",
			spec, s.fp);
		goto out_close;
	}
	if (is_sealed_input(spec, oname))
		goto out_close;
	if (open_reader(&s, keyfile, &r))
		goto out_close;
	if (strcmp(oname, "-") == 0)
		snprintf(tmp, tmp_len, "zfcpdump-get.XXXXXX");
	else
		snprintf(tmp, tmp_len, "%.*s.zfcpdump-get.XXXXXX",
			 (int)strlen(oname), oname);
	t.fd = mkostemp(tmp, O_CLOEXEC);
	if (t.fd < 0) {
		get_err("%s: cannot create: %s", tmp, strerror(errno));
		goto out_free;
	}
	t.name = tmp;
	rc = zfd_seal_r_stream(r, sealed_data_end(&s), fd_read, &s, tmp_write,
			       &t, &res);
	if (close(t.fd) != 0 && !rc)
		rc = -errno;
	if (rc) {
		get_err("%s: decryption failed after %" PRIu64 " bytes: %s",
			spec, res.plain, strerror(-rc));
		unlink(tmp);
		goto out_free;
	}
	if (res.end == ZFD_SEAL_END_BAD) {
		get_err("%s: %s", spec, res.why);
		*bad = true;
	} else if (res.end == ZFD_SEAL_END_CUT) {
		get_warn("%s: incomplete: %s; the %" PRIu64 " bytes before it "
			 "decrypted",
			 spec, res.why, res.plain);
	}
	ret = 0;
out_free:
	zfd_seal_r_free(r);
out_close:
	sealed_close(&s);
	return ret;
}

static int write_key_file(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = -errno;
		if (errno == EEXIST)
			get_err("%s: exists, not overwritten", path);
		else
			get_err("%s: cannot create: %s", path, strerror(errno));
		return rc;
	}
	if (fchmod(fd, mode) != 0 ||
	    zfd_pwrite_full(fd, text, len, 0) != (ssize_t)len ||
	    fsync(fd) != 0) {
		rc = errno ? -errno : -EIO;
		get_err("%s: write failed: %s", path, strerror(-rc));
	}
	if (close(fd) != 0 && !rc) {
		rc = -errno;
		get_err("%s: write failed: %s", path, strerror(errno));
	}
	if (rc)
		unlink(path);
	return rc;
}

int get_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char pub[PATH_MAX], key[PATH_MAX];
	char ptext[ZFD_SEAL_KEYFILE_MAX], stext[ZFD_SEAL_KEYFILE_MAX];
	uint8_t pk[ZFD_SEAL_KEY_SIZE], sk[ZFD_SEAL_KEY_SIZE];
	uint8_t fp[ZFD_SEAL_FP_SIZE];
	char hex[ZFD_SEAL_FP_HEX];
	const char *name = NULL;
	struct stat st;
	int c, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			name = optarg;
			break;
		case 'h':
			printf("usage: zfcpdump-get keygen -o NAME\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!name || optind != argc || !name[0]) {
		get_err("usage: zfcpdump-get keygen -o NAME");
		return 2;
	}
	snprintf(pub, sizeof(pub), "%s.pub", name);
	snprintf(key, sizeof(key), "%s.key", name);
	if (stat(pub, &st) == 0 || stat(key, &st) == 0) {
		get_err("%s: exists, not overwritten",
			stat(pub, &st) == 0 ? pub : key);
		return 1;
	}
	if (zfd_seal_keygen(pk, sk)) {
		get_err("libsodium failed to initialise");
		return 1;
	}
	zfd_seal_format_pub(pk, ptext);
	zfd_seal_format_secret(pk, sk, stext);
	if (write_key_file(key, stext, 0600))
		goto out_wipe;
	if (write_key_file(pub, ptext, 0644)) {
		unlink(key);
		goto out_wipe;
	}
	zfd_seal_fingerprint(pk, fp);
	zfd_seal_fp_hex(fp, hex);
	printf("%s: public key (goes into the dump initramfs)\n", pub);
	printf("%s: secret key (stays on the analysis host)\n", key);
	printf("key %s\n", hex);
	ret = 0;
out_wipe:
	memset(sk, 0, sizeof(sk));
	memset(stext, 0, sizeof(stext));
	return ret;
}
