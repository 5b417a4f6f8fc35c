// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Progress of copy and verify on stderr, for dumps of GET_PROGRESS_MIN
 * bytes or more. On a terminal: one line redrawn in place with \r (a bar,
 * then the daemon's progress line), erased at the end. Otherwise the
 * daemon's line every GET_PROGRESS_PLAIN seconds. ZFD_PROGRESS_INTERVAL
 * (seconds, fractions allowed) overrides both intervals, for the tests.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "get.h"
#include "progress.h"
#include "util.h"

#define GET_PROGRESS_TTY   0.5 /* seconds between redraws */
#define GET_PROGRESS_PLAIN 5.0 /* seconds between plain lines */
#define BAR_WIDTH	   24

/* the meter whose bar may be on the terminal line */
static struct get_progress *active;

const uint8_t get_mem_absent[1];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The interval from ZFD_PROGRESS_INTERVAL, or dflt. */
static double interval(double dflt)
{
	const char *s = getenv("ZFD_PROGRESS_INTERVAL");
	char *end;
	double v;

	if (!s)
		return dflt;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 86400) {
		get_warn("ZFD_PROGRESS_INTERVAL '%s' is not a number of seconds "
			 "(0 to 86400): using %g",
			 s, dflt);
		return dflt;
	}
	return v;
}

static int term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

void get_progress_start(struct get_progress *pg, uint64_t total, bool quiet,
			get_mem_fn fn, void *arg)
{
	memset(pg, 0, sizeof(*pg));
	pg->fn = fn;
	pg->arg = arg;
	pg->total = total;
	pg->on = !quiet && total >= GET_PROGRESS_MIN;
	if (!pg->on)
		return;
	pg->tty = isatty(STDERR_FILENO);
	pg->interval = interval(pg->tty ? GET_PROGRESS_TTY :
					  GET_PROGRESS_PLAIN);
	pg->t0 = now();
	pg->next = pg->interval;
	active = pg;
}

static void show(struct get_progress *pg, uint64_t done, double t)
{
	double rate = t > 0 ? (double)done / t : 0;
	char line[128], bar[BAR_WIDTH + 1], buf[BAR_WIDTH + 2 + 128];
	int n, fill, cols;

	if (done > pg->total)
		done = pg->total;
	zfd_progress_fmt(line, sizeof(line), done, pg->total, rate);
	if (!pg->tty) {
		fprintf(stderr, "%s\n", line);
		fflush(stderr);
		return;
	}
	fill = pg->total ? (int)((double)done * BAR_WIDTH / (double)pg->total) :
			   0;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(BAR_WIDTH - fill));
	bar[BAR_WIDTH] = 0;
	/* "[bar]" and the line (its two leading blanks kept), if they fit */
	cols = term_width() - 1;
	n = (int)strlen(line);
	if (BAR_WIDTH + 2 + n <= cols)
		n = snprintf(buf, sizeof(buf), "[%s]%s", bar, line);
	else
		n = snprintf(buf, sizeof(buf), "%.*s", cols, line);
	/* blanks over what a longer line before left */
	fprintf(stderr, "\r%-*s", ZFD_MAX(n, pg->width), buf);
	pg->width = ZFD_MAX(n, pg->width);
	fflush(stderr);
	pg->drawn = true;
}

int get_progress_mem(void *arg, uint64_t off, const void *data, size_t len)
{
	struct get_progress *pg = arg;
	double t;
	int rc;

	if (data == GET_MEM_ABSENT && !pg->absent_ok)
		data = NULL;
	rc = pg->fn(pg->arg, off, data, len);
	if (rc || !pg->on)
		return rc;
	t = now() - pg->t0;
	if (t >= pg->next) {
		show(pg, off + len, t);
		/* no catching up after a stall: the next one interval on */
		pg->next = t + pg->interval;
	}
	return 0;
}

void get_progress_clear(void)
{
	if (!active || !active->drawn)
		return;
	fprintf(stderr, "\r%*s\r", active->width, "");
	fflush(stderr);
	active->drawn = false;
}

void get_progress_end(struct get_progress *pg)
{
	if (active == pg) {
		get_progress_clear();
		active = NULL;
	}
}
