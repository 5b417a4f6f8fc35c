// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: seals a plaintext dump stream (e.g. get-mkdump's s390
 * stream) with src/lib/seal.c and lays it out as the sinks store a sealed
 * dump, with a manifest as doc/sealing.md defines it:
 *   -l file   OUT = envelope, OUT.info = manifest
 *   -l raw    OUT = image of --raw-size bytes filled with 0xee, envelope
 *             at 0 (header written last), manifest block at the 4 KiB
 *             boundary behind the sealed data
 * --cut N stops after N plaintext bytes like a failed dump (no final
 * chunk, status incomplete). --lanes N: the writer's lanes (default 2;
 * 0 writes a version 1 envelope, as before lanes).
 *
 * seal-mkdump -k PUB -i IN -o OUT [-l file|raw] [--raw-size N] [--cut N]
 *             [--chunk N] [--lanes N]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "seal.h"
#include "util.h"

struct out {
	int fd;
	struct zfd_digest *d;
};

static int put(void *arg, uint64_t off, const void *data, size_t len)
{
	struct out *o = arg;

	zfd_digest_update(o->d, data, len);
	return zfd_pwrite_full(o->fd, data, len, off) == (ssize_t)len ? 0 :
									-EIO;
}

static int die(const char *what)
{
	fprintf(stderr, "seal-mkdump: %s\n", what);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "raw-size", required_argument, NULL, 'R' },
		{ "cut", required_argument, NULL, 'C' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "lanes", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pubf = NULL, *inf = NULL, *outf = NULL, *layout = "file";
	uint64_t raw_size = 0, cut = UINT64_MAX, done = 0, moff;
	uint32_t chunk = ZFD_SEAL_CHUNK_DEFAULT;
	unsigned int lanes = 2;
	struct zfd_seal_hdr h;
	uint8_t pk[ZFD_SEAL_KEY_SIZE], hdr0[ZFD_SEAL_HDR_SIZE] = { 0 };
	char why[256], man[1024], dig[ZFD_DIGEST_STRLEN], fp[ZFD_SEAL_FP_HEX];
	static uint8_t buf[1 << 20];
	struct zfd_seal_w *w;
	struct out o;
	ssize_t n;
	size_t len;
	int c, in;

	while ((c = getopt_long(argc, argv, "k:i:o:l:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			pubf = optarg;
			break;
		case 'i':
			inf = optarg;
			break;
		case 'o':
			outf = optarg;
			break;
		case 'l':
			layout = optarg;
			break;
		case 'R':
			raw_size = strtoull(optarg, NULL, 0);
			break;
		case 'C':
			cut = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			chunk = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'L':
			lanes = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	}
	if (!pubf || !inf || !outf)
		return die("usage: -k PUB -i IN -o OUT");
	if (zfd_seal_load_key(pubf, pk, NULL, why, sizeof(why)))
		return die(why);
	in = open(inf, O_RDONLY);
	o.fd = open(outf, O_RDWR | O_CREAT | O_TRUNC, 0640);
	o.d = zfd_digest_new();
	if (in < 0 || o.fd < 0 || !o.d)
		return die("cannot open files");
	if (strcmp(layout, "raw") == 0) {
		memset(buf, 0xee, sizeof(buf));
		for (moff = 0; moff < raw_size; moff += sizeof(buf))
			zfd_pwrite_full(o.fd, buf,
					raw_size - moff < sizeof(buf) ?
						(size_t)(raw_size - moff) :
						sizeof(buf),
					moff);
	}
	if (zfd_seal_w_new(pk, chunk, lanes, lanes, &w))
		return die("zfd_seal_w_new failed");
	/* placeholder header first, the real one last */
	zfd_pwrite_full(o.fd, hdr0, sizeof(hdr0), 0);
	/* the digest: fixed part, lane table, chunks (doc/sealing.md) */
	if (zfd_seal_hdr_decode(zfd_seal_w_hdr(w), ZFD_SEAL_HDR_SIZE, &h, why,
				sizeof(why)))
		return die(why);
	zfd_digest_update(o.d, zfd_seal_w_hdr(w), ZFD_SEAL_OFF_FIXED_END);
	zfd_digest_update(o.d, zfd_seal_w_hdr(w) + ZFD_SEAL_OFF_LANE_TBL,
			  zfd_seal_lane_tbl_len(&h));
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		len = (size_t)n;
		if (done + len > cut)
			len = (size_t)(cut - done);
		if (zfd_seal_w_write(w, buf, len, put, &o))
			return die("write failed");
		done += len;
		if (done == cut)
			break;
	}
	if (cut == UINT64_MAX) {
		if (zfd_seal_w_final(w, put, &o))
			return die("final failed");
	} else {
		zfd_seal_w_cut(w);
	}
	zfd_digest_string(o.d, dig, sizeof(dig));
	zfd_seal_w_fp_hex(w, fp);
	snprintf(man, sizeof(man),
		 "zfcpdump-info 1\nstatus: %s\nformat: s390\n"
		 "encrypted: %s\nkey: %s\nsealed_bytes: %" PRIu64 "\n"
		 "sealed_chunk: %u\ndigest: %s\nsink: test\n",
		 cut == UINT64_MAX ? "complete" : "incomplete", ZFD_SEAL_NAME,
		 fp, zfd_seal_w_size(w) - ZFD_SEAL_HDR_SIZE, chunk, dig);
	if (strcmp(layout, "raw") == 0) {
		moff = (zfd_seal_w_size(w) + 4095) & ~(uint64_t)4095;
		memset(buf, 0, 4096);
		memcpy(buf, man, strlen(man));
		zfd_pwrite_full(o.fd, buf, 4096, moff);
	} else {
		char path[4096];
		int mfd;

		snprintf(path, sizeof(path), "%s.info", outf);
		mfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
		if (mfd < 0 || zfd_pwrite_full(mfd, man, strlen(man), 0) < 0)
			return die("manifest");
		close(mfd);
	}
	zfd_pwrite_full(o.fd, zfd_seal_w_hdr(w), ZFD_SEAL_HDR_SIZE, 0);
	zfd_seal_w_free(w);
	zfd_digest_free(o.d);
	close(in);
	return close(o.fd) ? 1 : 0;
}
