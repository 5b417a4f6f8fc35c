// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zfcpdump-get: inspect, verify, list, copy and convert zfcpdump dumps
 * from files, raw partitions, ext filesystems and tapes.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "get.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: zfcpdump-get info DUMP [--json]\n"
		"       zfcpdump-get verify DUMP [-q] [--json] [--key FILE]\n"
		"       zfcpdump-get list DEVICE[:DIR] [--json]\n"
		"       zfcpdump-get copy DUMP OUT [-f s390|elf|kdump|kdump-flat] [--force] [-q] [--key FILE]\n"
		"       zfcpdump-get dmesg DUMP\n"
		"       zfcpdump-get keygen -o NAME\n"
		"DUMP: an s390 dump file, a raw dump partition or image, an ELF\n"
		"core, DEVICE:dump.N in an unmounted ext2/3/4 filesystem, or a\n"
		"tape (/dev/nstN, or an AWSTAPE image file).\n");
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("zfcpdump-get %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "info") == 0)
		return get_cmd_info(argc - 1, argv + 1);
	if (strcmp(cmd, "verify") == 0)
		return get_cmd_verify(argc - 1, argv + 1);
	if (strcmp(cmd, "copy") == 0)
		return get_cmd_copy(argc - 1, argv + 1);
	if (strcmp(cmd, "keygen") == 0)
		return get_cmd_keygen(argc - 1, argv + 1);
	if (strcmp(cmd, "list") == 0)
		return get_cmd_list(argc - 1, argv + 1);
	if (strcmp(cmd, "dmesg") == 0)
		return get_cmd_dmesg(argc - 1, argv + 1);
	get_err("unknown command '%s'", cmd);
	usage(stderr);
	return 2;
}
