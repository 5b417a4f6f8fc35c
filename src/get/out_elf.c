// SPDX-License-Identifier: GPL-2.0-or-later
/* Output: ELF64 core (src/lib/fmt_elf writer). */
#include <errno.h>

#include "get.h"

static int elf_begin(struct get_out *out, struct get_in *in)
{
	get_err("ELF output needs src/lib/fmt_elf (pending)");
	return -ENOTSUP;
}

const struct get_out_ops get_out_elf_ops = {
	.begin = elf_begin,
};
