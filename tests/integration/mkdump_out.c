// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: the output of get-mkdump and get-kstream-mk (mkdump_out.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mkdump_out.h"
#include "util.h"

static int out_fd = -1;
static uint16_t aws_prev;

void mk_die(const char *msg)
{
	fprintf(stderr, "%s: %s\n", mk_prog, msg);
	exit(1);
}

void mk_create(const char *name, int flags)
{
	out_fd = open(name, flags | O_CREAT | O_TRUNC, 0644);
	if (out_fd < 0)
		mk_die("cannot create output");
}

int mk_close(void)
{
	return close(out_fd) ? 1 : 0;
}

void mk_put(const void *buf, size_t len, uint64_t off)
{
	if (zfd_pwrite_full(out_fd, buf, len, off) != (ssize_t)len)
		mk_die("write failed");
}

void mk_aws_rec(const void *buf, size_t len, uint64_t *off)
{
	uint8_t h[6];
	size_t seg, done = 0;

	do {
		seg = len - done > 65535 ? 65535 : len - done;
		h[0] = (uint8_t)seg;
		h[1] = (uint8_t)(seg >> 8);
		h[2] = (uint8_t)aws_prev;
		h[3] = (uint8_t)(aws_prev >> 8);
		h[4] = len == 0 ? 0x40 :
				  (uint8_t)((done == 0 ? 0x80 : 0) |
					    (done + seg == len ? 0x20 : 0));
		h[5] = 0;
		mk_put(h, 6, *off);
		*off += 6;
		if (seg)
			mk_put((const uint8_t *)buf + done, seg, *off);
		*off += seg;
		aws_prev = (uint16_t)seg;
		done += seg;
	} while (done < len);
}

int mk_manifest(char *man, size_t size, struct zfd_dump_info *info,
		struct zfd_result *res, struct zfd_digest *d, bool complete,
		const char *layout, const char *format)
{
	info->started = 1795000000;
	res->status = complete ? ZFD_STATUS_COMPLETE : ZFD_STATUS_INCOMPLETE;
	res->finished = 1795000005;
	res->seconds = 5.0;
	res->reason = complete ? NULL : "test: write error";
	zfd_digest_string(d, res->digest, sizeof(res->digest));
	return zfd_manifest_format(man, size, info, res,
				   strcmp(layout, "aws") == 0 ? "tape:test" :
				   strcmp(layout, "raw") == 0 ? "raw:test" :
								"extfs:test",
				   format);
}

void mk_store_manifest(const char *man, int len, const char *layout,
		       const char *outname, uint64_t data_end,
		       uint64_t raw_size, uint64_t *pos, uint64_t file_end)
{
	char name[4096];

	if (len < 0)
		mk_die("manifest too long");
	if (strcmp(layout, "aws") == 0) {
		mk_aws_rec(NULL, 0, pos);
		mk_aws_rec(man, (size_t)len, pos);
		mk_aws_rec(NULL, 0, pos);
	} else if (strcmp(layout, "raw") == 0) {
		uint8_t blk[ZFD_MANIFEST_MAX] = { 0 };
		uint64_t moff = ZFD_ALIGN_UP(data_end, 4096);

		memcpy(blk, man, (size_t)len);
		mk_put(blk, sizeof(blk), moff);
		if (raw_size > moff + sizeof(blk) &&
		    ftruncate(out_fd, (off_t)raw_size) != 0)
			mk_die("cannot size raw image");
	} else {
		int fd;

		snprintf(name, sizeof(name), "%s.info", outname);
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || zfd_pwrite_full(fd, man, (size_t)len, 0) != len)
			mk_die("cannot write manifest");
		close(fd);
		if (ftruncate(out_fd, (off_t)file_end) != 0)
			mk_die("cannot size output");
	}
}
