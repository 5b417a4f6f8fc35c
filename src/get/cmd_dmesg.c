// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zfcpdump-get dmesg DUMP: the crashed kernel's log, as makedumpfile
 * --dump-dmesg prints it, found through VMCOREINFO (the ELF core's note,
 * or for an s390 dump the note the kernel points to from its lowcore).
 * Exit 0 with the log on stdout; 1 with one line naming the reason; 2 for
 * usage errors.
 */
#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "get.h"
#include "kmsg.h"
#include "vmcoreinfo.h"

#define DMESG_USAGE "usage: zfcpdump-get dmesg DUMP"

/* Physical memory of the dump: only what it holds, holes are -EFAULT. */
static int dmesg_read(void *arg, uint64_t pa, void *buf, size_t len)
{
	struct get_in *in = arg;
	bool elf = !strcmp(in->format, "elf");
	uint64_t off;
	size_t i;

	if (!len)
		return 0;
	if (pa > UINT64_MAX - len)
		return -EFAULT;
	if (elf) {
		for (i = 0; i < in->nr_ranges; i++)
			if (pa >= in->ranges[i].start &&
			    pa - in->ranges[i].start + len <=
				    in->ranges[i].size)
				break;
		if (i == in->nr_ranges)
			return -EFAULT;
		off = pa;
	} else {
		if (pa < in->hdr.mem_start)
			return -EFAULT;
		off = pa - in->hdr.mem_start;
		if (off + len > get_in_mem_expected(in))
			return -EFAULT;
	}
	return in->ops->read_mem(in, off, buf, len);
}

static int dmesg_out(void *arg, const char *text, size_t len)
{
	return fwrite(text, 1, len, arg) == len ? 0 : -EIO;
}

int get_cmd_dmesg(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char why[GET_WHY_LEN * 2];
	struct zfd_dump s390 = { 0 };
	const struct zfd_dump *d;
	const char *vmci;
	char *vmci_s390 = NULL;
	size_t vmci_len;
	struct zfd_kmem km;
	struct get_in *in;
	int c, rc, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			printf("%s\n", DMESG_USAGE);
			return 0;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		get_err(DMESG_USAGE);
		return 2;
	}
	if (get_in_open(argv[optind], &in))
		return 1;
	if (in->kstream && !in->kstream->readable) {
		get_err("%s: %s: no kernel log to read", in->name,
			get_kstream_reason(in));
		goto out;
	}
	if (!in->ops->read_mem) {
		get_err("%s: the kernel log needs random access to the dump, "
			"which a %s does not give: copy it to a file first",
			in->name, in->ops->kind);
		goto out;
	}
	d = &in->dump;
	vmci = d->vmcoreinfo;
	vmci_len = d->vmcoreinfo_len;
	if (!d->machine) {
		/* an s390 dump: no notes, VMCOREINFO is in memory */
		s390.machine = EM_S390;
		s390.elf_class = in->hdr.arch == ZFD_S390_ARCH_S390 ?
					 ELFCLASS32 :
					 ELFCLASS64;
		s390.big_endian = true;
		s390.mem_start = in->hdr.mem_start;
		s390.mem_size = in->hdr.mem_size;
		d = &s390;
		rc = zfd_vmci_from_s390_lowcore(dmesg_read, in, &vmci_s390,
						&vmci_len);
		if (rc == -ENOMEM) {
			get_err("%s: out of memory", in->name);
			goto out;
		}
		vmci = rc ? NULL : vmci_s390;
	}
	if (!vmci) {
		get_err("%s: no VMCOREINFO in the dump: the kernel log cannot "
			"be found",
			in->name);
		goto out;
	}
	if (zfd_kmem_init(&km, d, vmci, vmci_len, dmesg_read, in, why,
			  sizeof(why))) {
		get_err("%s: %s", in->name, why);
		goto out;
	}
	rc = zfd_kmsg_dump(&km, dmesg_out, stdout, why, sizeof(why));
	if (rc) {
		fflush(stdout);
		get_err("%s: kernel log: %s", in->name, why);
		goto out;
	}
	if (fflush(stdout)) {
		get_err("cannot write the log: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(vmci_s390);
	get_in_close(in);
	return ret;
}
