// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the daemon's config reader (libconfig file plus our
 * interpretation, src/core/config.c), the kernel command line parser and
 * the -o sink spec parser. The first byte picks which.
 * Built and run by tests/fuzz/run.
 * fuzz-sources: src/lib src/core/config.c src/core/log.c
 * fuzz-libs: -lconfig -lxxhash -lblkid
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zfd_config c;
	struct zfd_cmdline cl;
	char path[64], *text, *spec[1];
	int fd;

	zfd_log_init(-1);
	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	zfd_config_init(&c);
	zfd_cmdline_parse(&cl, "");
	switch (data[0] % 3) {
	case 0:
		/* no @include: the fuzzer must not wander the file system */
		if (strstr(text, "@include"))
			break;
		fd = memfd_create("fuzz.conf", 0);
		if (fd < 0)
			break;
		if (write(fd, data + 1, size - 1) == (ssize_t)(size - 1)) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			if (zfd_config_load(&c, path) == 0)
				zfd_config_apply_cmdline(&c, &cl);
		}
		close(fd);
		break;
	case 1:
		memset(&cl, 0, sizeof(cl));
		if (zfd_cmdline_parse(&cl, text) == 0 &&
		    zfd_config_load_default(&c) == 0)
			zfd_config_apply_cmdline(&c, &cl);
		break;
	case 2:
		spec[0] = text;
		if (zfd_config_load_default(&c) == 0)
			zfd_config_set_sinks(&c, spec, 1);
		break;
	}
	zfd_config_free(&c);
	free(text);
	return 0;
}
