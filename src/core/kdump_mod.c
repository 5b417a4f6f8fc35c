// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Format kdump as a module (formats/kdump.so, core.h): the writer of
 * fmt_kdump.h with its codec libraries, for the daemon to load only when
 * a sink uses format kdump.
 */
#include "core.h"

extern const struct zfd_kdump_mod zfd_kdump_mod;

const struct zfd_kdump_mod zfd_kdump_mod = {
	.version = ZFD_KDUMP_MOD_VERSION,
	.writer_new = zfd_kdump_writer_new,
	.writer_free = zfd_kdump_writer_free,
	.begin = zfd_kdump_writer_begin,
	.mem = zfd_kdump_writer_mem,
	.skip = zfd_kdump_writer_skip,
	.finish = zfd_kdump_writer_finish,
	.min_out = zfd_kdump_writer_min_out,
	.max_out = zfd_kdump_writer_max_out,
	.stats = zfd_kdump_writer_stats,
	.pre = zfd_kdump_writer_pre,
	.codec_new = zfd_kdump_codec_new,
	.codec_free = zfd_kdump_codec_free,
	.pre_page = zfd_kdump_pre_page,
};
