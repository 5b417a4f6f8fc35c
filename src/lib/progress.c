// SPDX-License-Identifier: GPL-2.0-or-later
/* The progress line, one implementation for the daemon and zfcpdump-get. */
#include <inttypes.h>
#include <stdio.h>

#include "progress.h"

int zfd_progress_fmt(char *buf, size_t len, uint64_t done, uint64_t total,
		     double rate)
{
	double pct = total ? 100.0 * (double)done / (double)total : 0;
	double eta = rate > 0 && done < total ? (double)(total - done) / rate :
						0;

	return snprintf(buf, len,
			"  %" PRIu64 " MiB of %" PRIu64
			" MiB (%.1f%%), %.0f MiB/s, ETA %d:%02d",
			done >> 20, total >> 20, pct, rate / (1 << 20),
			(int)(eta / 60), (int)eta % 60);
}
