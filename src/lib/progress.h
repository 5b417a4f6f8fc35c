/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The progress line the daemon prints and zfcpdump-get shows (DESIGN.md §3). */
#ifndef ZFD_PROGRESS_H
#define ZFD_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Formats "  1536 MiB of 4096 MiB (37.5%), 812 MiB/s, ETA 0:03" into buf:
 * done of total bytes at rate bytes per second (ETA 0:00 while the rate
 * is unknown). Returns the length snprintf() gives.
 */
int zfd_progress_fmt(char *buf, size_t len, uint64_t done, uint64_t total,
		     double rate);

#endif /* ZFD_PROGRESS_H */
