// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output: an ELF core of a dump that is not s390x ('copy -f elf' of an
 * x86_64 kdump file or ELF core), written by the elf format of
 * src/lib/format from the input's dump model: the model's class and byte
 * order, its notes unchanged (VMCOREINFO, NT_PRSTATUS), one PT_LOAD per
 * segment, memory packed behind the prologue. The prologue is known before
 * the memory, so a pipe works too. s390x dumps go through out_elf.c, which
 * rebuilds the CPU notes from the save areas.
 */
#include <errno.h>
#include <stdlib.h>

#include "format.h"
#include "get.h"
#include "util.h"

static int elfm_begin(struct get_out *out, struct get_in *in)
{
	struct zfd_format *f;
	char why[GET_WHY_LEN];
	uint8_t *buf;
	size_t n;
	int rc;

	rc = zfd_format_new(&f, ZFD_FORMAT_ELF, in->model, NULL,
			    in->model->mem_size, why, sizeof(why));
	if (rc) {
		get_err("%s: cannot write an ELF core: %s", in->name, why);
		return rc;
	}
	n = zfd_format_prologue_len(f);
	buf = malloc(n);
	if (!buf) {
		zfd_format_free(f);
		return -ENOMEM;
	}
	zfd_format_prologue(f, buf, true);
	rc = get_out_write(out, 0, buf, n);
	free(buf);
	if (rc) {
		zfd_format_free(f);
		return rc;
	}
	out->priv = f;
	return 0;
}

static int elfm_mem(void *arg, uint64_t off, const void *data, size_t len)
{
	struct get_out *out = arg;
	const uint8_t *p = data;
	uint64_t foff, n;
	int rc;

	while (len) {
		bool stored = zfd_format_map(out->priv, off, &foff, &n);

		n = ZFD_MIN(n, (uint64_t)len);
		if (stored && p) {
			rc = get_out_write(out, foff, p, (size_t)n);
			if (rc)
				return rc;
		}
		off += n;
		len -= (size_t)n;
		if (p)
			p += n;
	}
	return 0;
}

static int elfm_end(struct get_out *out, struct get_in *in)
{
	struct zfd_format *f = out->priv;
	int rc;

	(void)in;
	if (!f)
		return -EINVAL;
	rc = get_out_finish(out, zfd_format_size(f));
	zfd_format_free(f);
	out->priv = NULL;
	return rc;
}

static void elfm_abort(struct get_out *out)
{
	zfd_format_free(out->priv);
	out->priv = NULL;
}

const struct get_out_ops get_out_elf_model_ops = {
	.begin = elfm_begin,
	.mem = elfm_mem,
	.end = elfm_end,
	.abort = elfm_abort,
};
