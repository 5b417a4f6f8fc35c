// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The names, descriptor flags and level ranges of the kdump format's page
 * codecs: what the daemon's config needs, without the codec libraries
 * (those are in fmt_kdump_codec.c, loaded with format kdump only).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fmt_kdump.h"

static const char *const codec_names[] = {
	[ZFD_KDUMP_C_NONE] = "none", [ZFD_KDUMP_C_ZLIB] = "zlib",
	[ZFD_KDUMP_C_LZO] = "lzo",   [ZFD_KDUMP_C_SNAPPY] = "snappy",
	[ZFD_KDUMP_C_ZSTD] = "zstd",
};

int zfd_kdump_codec_parse(const char *name, enum zfd_kdump_codec *c)
{
	size_t i;

	for (i = 0; i < sizeof(codec_names) / sizeof(codec_names[0]); i++) {
		if (strcmp(name, codec_names[i]) == 0) {
			*c = (enum zfd_kdump_codec)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *zfd_kdump_codec_name(enum zfd_kdump_codec c)
{
	return c <= ZFD_KDUMP_C_ZSTD ? codec_names[c] : "?";
}

uint32_t zfd_kdump_codec_flag(enum zfd_kdump_codec c)
{
	switch (c) {
	case ZFD_KDUMP_C_ZLIB:
		return ZFD_KDUMP_ZLIB;
	case ZFD_KDUMP_C_LZO:
		return ZFD_KDUMP_LZO;
	case ZFD_KDUMP_C_SNAPPY:
		return ZFD_KDUMP_SNAPPY;
	case ZFD_KDUMP_C_ZSTD:
		return ZFD_KDUMP_ZSTD;
	default:
		return 0;
	}
}

int zfd_kdump_level_check(enum zfd_kdump_codec c, int level, char *why,
			  size_t why_len)
{
	int lo = 0, hi = 0;

	switch (c) {
	case ZFD_KDUMP_C_ZLIB:
		lo = 1;
		hi = 9;
		break;
	case ZFD_KDUMP_C_ZSTD:
		lo = -7;
		hi = 19;
		break;
	default:
		break;
	}
	if (level == 0 || (level >= lo && level <= hi))
		return 0;
	if (lo == hi)
		snprintf(why, why_len,
			 "compress_level %d: %s has no levels "
			 "(use 0)",
			 level, zfd_kdump_codec_name(c));
	else
		snprintf(why, why_len,
			 "compress_level %d is outside %d..%d "
			 "for %s",
			 level, lo, hi, zfd_kdump_codec_name(c));
	return -EINVAL;
}
