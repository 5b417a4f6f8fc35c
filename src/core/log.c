// SPDX-License-Identifier: GPL-2.0-or-later
/* Console lines: plain, one message per line, safe from several threads. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

static int verbosity = 1;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void zfd_log_init(int v)
{
	verbosity = v;
}

int zfd_log_verbosity(void)
{
	return verbosity;
}

void zfd_vlog_prefixed(int level, const char *prefix, const char *fmt,
		       va_list ap)
{
	bool plain = level & ZFD_LOG_PLAIN;
	const char *tag = "";
	char msg[1024];
	size_t n;

	level &= ~ZFD_LOG_PLAIN;
	if (verbosity < 0) /* muted: probing while waiting */
		return;
	if (level == ZFD_LOG_DEBUG && verbosity < 2)
		return;
	if (level == ZFD_LOG_INFO && verbosity < 1)
		return;
	if (level == ZFD_LOG_ERR)
		tag = "error: ";
	else if (level == ZFD_LOG_WARN)
		tag = "warning: ";
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = 0;
	pthread_mutex_lock(&log_lock);
	if (plain)
		fprintf(stderr, "%s\n", msg);
	else
		fprintf(stderr, "zfcpdump: %s%s%s%s\n", tag,
			prefix ? prefix : "", prefix ? ": " : "", msg);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void zfd_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zfd_vlog_prefixed(level, NULL, fmt, ap);
	va_end(ap);
}
