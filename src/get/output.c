// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output plumbing shared by the writers: positioned writes into a regular
 * file (zero pages become holes), sequential writes into a pipe or a
 * device (zeros written out).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "get.h"
#include "util.h"

static const uint8_t zeros[65536];
static char *err_capture;
static size_t err_capture_len;

void get_err_capture(char *buf, size_t len)
{
	err_capture = buf;
	err_capture_len = len;
	if (buf && len)
		buf[0] = 0;
}

void get_err(const char *fmt, ...)
{
	va_list ap;

	get_progress_clear();
	fputs("zfcpdump-get: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (err_capture && err_capture_len) {
		va_start(ap, fmt);
		vsnprintf(err_capture, err_capture_len, fmt, ap);
		va_end(ap);
	}
}

void get_warn(const char *fmt, ...)
{
	va_list ap;

	get_progress_clear();
	fputs("zfcpdump-get: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool all_zero(const uint8_t *p, size_t len)
{
	return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

static int write_seq(struct get_out *out, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;
	ssize_t w;

	while (len) {
		n = data ? len : ZFD_MIN(len, sizeof(zeros));
		w = write(out->fd, data ? (const void *)p : zeros, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (data)
			p += w;
		len -= (size_t)w;
		out->pos += (uint64_t)w;
	}
	return 0;
}

int get_out_write(struct get_out *out, uint64_t off, const void *data,
		  size_t len)
{
	int rc;

	if (!out->sparse) {
		if (off < out->pos)
			return -ESPIPE;
		if (off > out->pos) {
			rc = write_seq(out, NULL, (size_t)(off - out->pos));
			if (rc)
				return rc;
		}
		return write_seq(out, data, len);
	}
	if (data && zfd_pwrite_full(out->fd, data, len, off) != (ssize_t)len)
		return errno ? -errno : -EIO;
	if (off + len > out->pos)
		out->pos = off + len;
	return 0;
}

int get_out_write_mem(struct get_out *out, uint64_t off, const void *data,
		      size_t len)
{
	const uint8_t *p = data, *run = NULL;
	uint64_t o = out->mem_base + off, run_off = 0;
	size_t i, n, run_len = 0;
	int rc;

	if (!out->sparse || !data)
		return get_out_write(out, o, data, len);
	for (i = 0; i < len; i += n) {
		/* page steps aligned to the output offset */
		n = (size_t)ZFD_MIN((uint64_t)(len - i),
				    ZFD_PAGE_SIZE - (o + i) % ZFD_PAGE_SIZE);
		if (all_zero(p + i, n)) {
			if (run_len) {
				rc = get_out_write(out, run_off, run, run_len);
				if (rc)
					return rc;
				run_len = 0;
			}
			continue;
		}
		if (!run_len) {
			run = p + i;
			run_off = o + i;
		}
		run_len += n;
	}
	if (run_len)
		return get_out_write(out, run_off, run, run_len);
	return 0;
}

int get_out_finish(struct get_out *out, uint64_t size)
{
	if (!out->sparse) {
		if (size > out->pos)
			return write_seq(out, NULL, (size_t)(size - out->pos));
		return 0;
	}
	if (ftruncate(out->fd, (off_t)size) != 0)
		return -errno;
	out->pos = size;
	return 0;
}

void get_json_str(FILE *f, const char *s)
{
	zfd_json_str(f, s);
}

void get_tod_str(uint64_t tod, char *buf, size_t len)
{
	int64_t sec;
	uint32_t usec;

	if (!tod) {
		snprintf(buf, len, "-");
		return;
	}
	zfd_tod_to_unix(tod, &sec, &usec);
	zfd_format_utc(sec, buf, len);
}
