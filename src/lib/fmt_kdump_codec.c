// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Page codecs of the kdump format, with the libraries makedumpfile uses:
 * zlib (compress2/uncompress, zlib framing), LZO1X-1, snappy (raw
 * format), zstd (one frame per page).
 *
 * snappy is a C++ library: linking it maps and touches libstdc++ and
 * libm (about 1 MiB of resident memory) in every process that links the
 * codecs, whatever codec a dump uses. It is dlopen()ed instead, on the
 * first snappy context or page, once per process; its C API's types come
 * from <snappy-c.h>.
 */
#include <dlfcn.h>
#include <errno.h>
#include <lzo/lzo1x.h>
#include <pthread.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "fmt_kdump.h"

#define SNAPPY_SONAME "libsnappy.so.1"

static struct {
	pthread_once_t once;
	int rc;
	char why[256];
	__typeof__(snappy_compress) *compress;
	__typeof__(snappy_uncompress) *uncompress;
	__typeof__(snappy_max_compressed_length) *max_compressed_length;
	__typeof__(snappy_uncompressed_length) *uncompressed_length;
} snappy = { .once = PTHREAD_ONCE_INIT };

static void *snappy_sym(void *h, const char *name)
{
	void *sym = dlsym(h, name);

	if (!sym && !snappy.rc) {
		snprintf(snappy.why, sizeof(snappy.why),
			 "cannot load " SNAPPY_SONAME " (codec snappy): %s",
			 dlerror());
		snappy.rc = -ELIBACC;
	}
	return sym;
}

/* The library stays loaded for the process's life. */
static void snappy_load(void)
{
	void *h = dlopen(SNAPPY_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(snappy.why, sizeof(snappy.why),
			 "cannot load " SNAPPY_SONAME " (codec snappy): %s",
			 dlerror());
		snappy.rc = -ELIBACC;
		return;
	}
	snappy.compress = snappy_sym(h, "snappy_compress");
	snappy.uncompress = snappy_sym(h, "snappy_uncompress");
	snappy.max_compressed_length =
		snappy_sym(h, "snappy_max_compressed_length");
	snappy.uncompressed_length = snappy_sym(h,
						"snappy_uncompressed_length");
	if (snappy.rc)
		dlclose(h);
}

int zfd_kdump_codec_load(enum zfd_kdump_codec c, char *why, size_t why_len)
{
	if (c != ZFD_KDUMP_C_SNAPPY)
		return 0;
	pthread_once(&snappy.once, snappy_load);
	if (snappy.rc && why_len)
		snprintf(why, why_len, "%s", snappy.why);
	return snappy.rc;
}

struct zfd_kdump_codec_ctx {
	enum zfd_kdump_codec codec;
	int level;
	size_t page_size;
	size_t cap;
	uint8_t *out;
	void *work; /* LZO work memory */
	ZSTD_CCtx *zc;
	z_stream zs; /* deflate state, reset per page */
	bool zs_init;
};

int zfd_kdump_codec_new(struct zfd_kdump_codec_ctx **ccp,
			enum zfd_kdump_codec c, int level, size_t page_size)
{
	struct zfd_kdump_codec_ctx *cc;
	int rc;

	rc = zfd_kdump_codec_load(c, NULL, 0);
	if (rc)
		return rc;
	cc = calloc(1, sizeof(*cc));
	if (!cc)
		return -ENOMEM;
	cc->codec = c;
	cc->level = level;
	cc->page_size = page_size;
	switch (c) {
	case ZFD_KDUMP_C_ZLIB:
		cc->cap = compressBound(page_size);
		/* makedumpfile's level: a dump is written against the clock */
		if (!level)
			cc->level = Z_BEST_SPEED;
		/* one deflate state for all pages (compress2() would set up
		 * and free one per page); the output is the same */
		if (deflateInit(&cc->zs, cc->level) != Z_OK)
			goto out_free;
		cc->zs_init = true;
		break;
	case ZFD_KDUMP_C_LZO:
		if (lzo_init() != LZO_E_OK)
			goto out_free;
		cc->cap = page_size + page_size / 16 + 64 + 3;
		cc->work = malloc(LZO1X_1_MEM_COMPRESS);
		if (!cc->work)
			goto out_free;
		break;
	case ZFD_KDUMP_C_SNAPPY:
		cc->cap = snappy.max_compressed_length(page_size);
		break;
	case ZFD_KDUMP_C_ZSTD:
		cc->cap = ZSTD_compressBound(page_size);
		if (!level)
			cc->level = 1;
		cc->zc = ZSTD_createCCtx();
		if (!cc->zc)
			goto out_free;
		break;
	default:
		cc->cap = page_size;
		break;
	}
	cc->out = malloc(cc->cap);
	if (!cc->out)
		goto out_free;
	*ccp = cc;
	return 0;

out_free:
	zfd_kdump_codec_free(cc);
	return -ENOMEM;
}

void zfd_kdump_codec_free(struct zfd_kdump_codec_ctx *cc)
{
	if (!cc)
		return;
	ZSTD_freeCCtx(cc->zc);
	if (cc->zs_init)
		deflateEnd(&cc->zs);
	free(cc->work);
	free(cc->out);
	free(cc);
}

int zfd_kdump_compress(struct zfd_kdump_codec_ctx *cc, const void *page,
		       const void **out, size_t *out_len)
{
	size_t n = cc->cap, r;
	lzo_uint ln;

	switch (cc->codec) {
	case ZFD_KDUMP_C_ZLIB:
		if (deflateReset(&cc->zs) != Z_OK)
			return -EIO;
		cc->zs.next_in = (Bytef *)(uintptr_t)page;
		cc->zs.avail_in = (uInt)cc->page_size;
		cc->zs.next_out = cc->out;
		cc->zs.avail_out = (uInt)cc->cap;
		if (deflate(&cc->zs, Z_FINISH) != Z_STREAM_END)
			return -EIO;
		n = cc->zs.total_out;
		break;
	case ZFD_KDUMP_C_LZO:
		ln = cc->cap;
		if (lzo1x_1_compress(page, cc->page_size, cc->out, &ln,
				     cc->work) != LZO_E_OK)
			return -EIO;
		n = ln;
		break;
	case ZFD_KDUMP_C_SNAPPY:
		if (snappy.compress(page, cc->page_size, (char *)cc->out, &n) !=
		    SNAPPY_OK)
			return -EIO;
		break;
	case ZFD_KDUMP_C_ZSTD:
		r = ZSTD_compressCCtx(cc->zc, cc->out, cc->cap, page,
				      cc->page_size, cc->level);
		if (ZSTD_isError(r))
			return -EIO;
		n = r;
		break;
	default:
		return -ENOSPC;
	}
	if (n >= cc->page_size)
		return -ENOSPC;
	*out = cc->out;
	*out_len = n;
	return 0;
}

int zfd_kdump_decompress(uint32_t flag, const void *src, size_t src_len,
			 void *dst, size_t page_size)
{
	size_t n = page_size, r;
	uLongf zn = (uLongf)page_size;
	lzo_uint ln = page_size;

	switch (flag) {
	case ZFD_KDUMP_ZLIB:
		if (uncompress(dst, &zn, src, (uLong)src_len) != Z_OK)
			return -EINVAL;
		n = zn;
		break;
	case ZFD_KDUMP_LZO:
		if (lzo1x_decompress_safe(src, src_len, dst, &ln, NULL) !=
		    LZO_E_OK)
			return -EINVAL;
		n = ln;
		break;
	case ZFD_KDUMP_SNAPPY:
		if (zfd_kdump_codec_load(ZFD_KDUMP_C_SNAPPY, NULL, 0))
			return -ELIBACC;
		if (snappy.uncompressed_length(src, src_len, &n) != SNAPPY_OK ||
		    n != page_size)
			return -EINVAL;
		if (snappy.uncompress(src, src_len, dst, &n) != SNAPPY_OK)
			return -EINVAL;
		break;
	case ZFD_KDUMP_ZSTD:
		r = ZSTD_decompress(dst, page_size, src, src_len);
		if (ZSTD_isError(r))
			return -EINVAL;
		n = r;
		break;
	default:
		return -EOPNOTSUPP;
	}
	return n == page_size ? 0 : -EINVAL;
}

int zfd_kdump_pre_page(struct zfd_kdump_codec_ctx *cc, const void *page,
		       void *out, struct zfd_kdump_pre *e)
{
	const uint8_t *p = page;
	const void *cdata;
	size_t clen;
	int rc;

	if (p[0] == 0 && memcmp(p, p + 1, cc->page_size - 1) == 0) {
		*e = (struct zfd_kdump_pre){ .kind = ZFD_KDUMP_PRE_ZERO };
		return 0;
	}
	rc = zfd_kdump_compress(cc, page, &cdata, &clen);
	if (rc == -ENOSPC) {
		*e = (struct zfd_kdump_pre){ .kind = ZFD_KDUMP_PRE_RAW };
		return 0;
	}
	if (rc)
		return rc;
	memcpy(out, cdata, clen);
	*e = (struct zfd_kdump_pre){ .data = out,
				     .len = (uint32_t)clen,
				     .kind = ZFD_KDUMP_PRE_COMP };
	return 0;
}
