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
#include "util.h"

#define MAN_MAX		(64u << 10)

struct sealed {
	const char *name;
	struct get_file f;		/* the stored bytes */
	int fd;				/* plain file or device, else -1 */
	uint64_t size;			/* stored bytes (file or device) */
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

/* DEVICE:dump.N in an ext filesystem; -ENODEV when not sealed. */
static int open_in_extfs(const char *dev, const char *path, struct sealed *s)
{
	char why[GET_WHY_LEN], *man = NULL;
	size_t man_len = 0;

	if (get_extfs_file_open(dev, path, &s->f, &man, &man_len,
				s->man_where, sizeof(s->man_where), why,
				sizeof(why)))
		return -ENODEV;	/* the ordinary open says why */
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
		    open_in_extfs(dev, path, s))
			return -ENODEV;
	} else {
		s->fd = open(spec, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0)
			return -ENODEV;
		if (fstat(s->fd, &st) != 0 || S_ISCHR(st.st_mode))
			goto out_nodev;
		s->f = (struct get_file){ .read = fd_file_read,
					  .close = fd_file_close, .arg = s };
		if (S_ISBLK(st.st_mode)) {
			off_t end = lseek(s->fd, 0, SEEK_END);

			s->size = end > 0 ? (uint64_t)end : 0;
		} else {
			s->size = (uint64_t)st.st_size;
		}
	}
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

/* Chunk bytes stored behind the header, as far as the header knows. */
static uint64_t sealed_data_end(const struct sealed *s)
{
	uint64_t end = s->size;

	if (s->hdr.state != ZFD_SEAL_ST_OPEN &&
	    ZFD_SEAL_HDR_SIZE + s->hdr.data_size < end)
		end = ZFD_SEAL_HDR_SIZE + s->hdr.data_size;
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
	size_t k;
	int rc;

	rc = sealed_open(spec, &s);
	if (rc)
		return rc == -ENODEV ? -ENODEV : 1;
	if (json) {
		printf("{\n  \"dump\": ");
		get_json_str(stdout, spec);
		printf(",\n  \"encrypted\": \"%s\",\n  \"key\": \"%s\",\n"
		       "  \"chunk_size\": %u,\n  \"sealed_bytes\": %" PRIu64
		       ",\n  \"manifest\": {", ZFD_SEAL_NAME, s.fp,
		       s.hdr.chunk_size, sealed_data_end(&s) > ZFD_SEAL_HDR_SIZE ?
		       sealed_data_end(&s) - ZFD_SEAL_HDR_SIZE : 0);
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
	printf("Header state:  %s\n", state_name(s.hdr.state));
	if (s.hdr.state != ZFD_SEAL_ST_OPEN)
		printf("Sealed bytes:  %" PRIu64 " (%" PRIu64 " plaintext)\n",
		       s.hdr.data_size, s.hdr.plain_size);
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

/* Digest of the stored bytes: fixed header part + sealed_bytes of chunks. */
static int stored_digest(struct sealed *s, uint64_t bytes, char *out,
			 size_t out_len)
{
	struct zfd_digest *d = zfd_digest_new();
	uint64_t off = ZFD_SEAL_HDR_SIZE, end = ZFD_SEAL_HDR_SIZE + bytes;
	uint8_t *buf = malloc(GET_BUF_SIZE);
	int64_t n;
	size_t want;
	int rc = 0;

	if (!d || !buf) {
		rc = -ENOMEM;
		goto out_free;
	}
	zfd_digest_update(d, s->raw, ZFD_SEAL_OFF_FIXED_END);
	while (off < end) {
		want = end - off < GET_BUF_SIZE ? (size_t)(end - off)
						: GET_BUF_SIZE;
		n = s->f.read(s->f.arg, buf, want, off);
		if (n < 0) {
			rc = (int)n;
			goto out_free;
		}
		if ((size_t)n < want) {
			rc = -ENODATA;
			goto out_free;
		}
		zfd_digest_update(d, buf, want);
		off += want;
	}
	zfd_digest_string(d, out, out_len);
out_free:
	free(buf);
	zfd_digest_free(d);
	return rc;
}

static int discard(void *arg, uint64_t off, const void *data, size_t len)
{
	return 0;
}

int get_sealed_verify(const char *spec, const char *keyfile, bool quiet)
{
	char digest[ZFD_DIGEST_STRLEN];
	struct zfd_seal_result res;
	struct zfd_seal_r *r;
	const char *want, *mst;
	uint64_t bytes;
	struct sealed s;
	int rc, ret = 1;

	rc = sealed_open(spec, &s);
	if (rc)
		return rc == -ENODEV ? -ENODEV : 1;
	if (!s.man_text) {
		get_err("%s: sealed dump (key %s), manifest missing: the digest "
			"cannot be checked", spec, s.fp);
		goto out_close;
	}
	if (!s.man_ok) {
		get_err("%s: manifest malformed (%s): %s", spec, s.man_where,
			s.man_why);
		goto out_close;
	}
	want = zfd_manifest_get(&s.man, "digest");
	mst = zfd_manifest_get(&s.man, "status");
	if (zfd_manifest_get_u64(&s.man, "sealed_bytes", &bytes)) {
		get_err("%s: manifest has no sealed_bytes: not a sealed dump's "
			"manifest", spec);
		goto out_close;
	}
	if (bytes > s.size - ZFD_SEAL_HDR_SIZE) {
		get_err("%s: sealed data ends after %" PRIu64 " of %" PRIu64
			" bytes the manifest names", spec,
			s.size - ZFD_SEAL_HDR_SIZE, bytes);
		goto out_close;
	}
	rc = stored_digest(&s, bytes, digest, sizeof(digest));
	if (rc) {
		get_err("%s: read failed: %s", spec, strerror(-rc));
		goto out_close;
	}
	if (!want || strcmp(want, digest) != 0) {
		get_err("%s: digest mismatch: computed %s, manifest has %s",
			spec, digest, want ? want : "none");
		goto out_close;
	}
	if (keyfile) {
		if (open_reader(&s, keyfile, &r))
			goto out_close;
		rc = zfd_seal_r_stream(r, ZFD_SEAL_HDR_SIZE + bytes, fd_read, &s,
				       discard, NULL, &res);
		zfd_seal_r_free(r);
		if (rc) {
			get_err("%s: read failed: %s", spec, strerror(-rc));
			goto out_close;
		}
		if (res.end != ZFD_SEAL_END_FINAL) {
			get_err("%s: %s%s; %" PRIu64 " plaintext bytes in %"
				PRIu64 " chunks authenticated",
				spec, res.end == ZFD_SEAL_END_CUT ?
				"incomplete: " : "", res.why, res.plain,
				res.chunks);
			goto out_close;
		}
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
			       " chunks authenticated\n", spec, s.fp, bytes,
			       digest, res.chunks);
		else
			printf("%s: complete, sealed to key %s, %" PRIu64
			       " sealed bytes, digest ok (%s)\n", spec, s.fp,
			       bytes, digest);
	}
	ret = 0;
out_close:
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

int get_sealed_decrypt(const char *spec, const char *keyfile,
		       const char *oname, char *tmp, size_t tmp_len,
		       bool *bad)
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
			"--key FILE", spec, s.fp);
		goto out_close;
	}
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
			 "decrypted", spec, res.why, res.plain);
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
