// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: zfcpdump-get's input side on whole files: detection,
 * s390 file / raw image (header, end marker, manifest block), AWSTAPE
 * tape images (records, filemarks, spacing back), ELF cores; then info's
 * status, the tape tail and a streaming pass as verify does it (for ELF
 * dumps also of the stored bytes).
 * Built and run by tests/fuzz/run.
 * fuzz-sources: src/lib src/get/input.c src/get/output.c src/get/progress.c src/get/in_*.c src/get/tape_*.c
 * fuzz-libs: -lext2fs -lcom_err -lconfig -lxxhash -lblkid
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "get.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
	uint64_t next;
};

static int consume(void *arg, uint64_t off, const void *data, size_t len)
{
	struct walk *w = arg;

	/* memory arrives in order, without gaps */
	if (off != w->next || !len)
		__builtin_trap();
	if (data && ((const volatile uint8_t *)data)[len - 1] == 0xa5)
		w->next += 0;
	w->next += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], reason[512];
	struct get_in *in;
	struct walk w = { 0 };
	uint64_t want;
	int fd, pass;

	for (pass = 0; pass < 3; pass++) {
		fd = memfd_create("fuzz.dump", 0);
		if (fd < 0)
			return 0;
		if (write(fd, data, size) != (ssize_t)size) {
			close(fd);
			return 0;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (get_in_open(path, &in) == 0) {
			if (pass == 0 && in->ops->load_tail)
				in->ops->load_tail(in); /* as info does */
			get_in_status(in, reason, sizeof(reason));
			if (pass == 1) {
				/* as verify does: at most 64 MiB per input */
				want = in->end == GET_END_UNKNOWN ?
					       in->hdr.mem_size :
					       get_in_mem_expected(in);
				if (want > (64u << 20))
					want = 64u << 20;
				w.next = 0;
				in->ops->stream(in, want, consume, &w);
				if (w.next != in->mem_streamed &&
				    in->ops->load_tail == NULL)
					__builtin_trap();
				get_in_status(in, reason, sizeof(reason));
			}
			if (pass == 2 && in->ops->stream_stored) {
				/* as verify does for ELF dumps */
				uint64_t n = ZFD_MIN(in->stored_size,
						     (uint64_t)64 << 20);

				w.next = 0;
				in->ops->stream_stored(in, n, consume, &w);
				if (w.next != in->stored_streamed)
					__builtin_trap();
				get_in_status(in, reason, sizeof(reason));
			}
			get_in_close(in);
		}
		close(fd);
	}
	return 0;
}
