// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output: makedumpfile's kdump-compressed format ('copy -f kdump') or its
 * flattened stream ('copy -f kdump-flat', also to a pipe or a tape), with
 * the writer of src/lib/fmt_kdump. The dump model comes from the input
 * (ELF cores and kdump files carry notes and VMCOREINFO); for s390 dumps
 * it is made from the s390 header and its memory chunks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "fmt_kdump.h"
#include "get.h"
#include "util.h"

struct kdump_out {
	struct zfd_kdump_writer *w;
	struct zfd_dump model; /* when the input has none */
	bool own_model;
};

static int out_fn(void *arg, uint64_t off, const void *buf, size_t len)
{
	return get_out_write(arg, off, buf, len);
}

static void kdump_free(struct get_out *out)
{
	struct kdump_out *k = out->priv;

	if (!k)
		return;
	zfd_kdump_writer_free(k->w);
	if (k->own_model)
		zfd_dump_free(&k->model);
	free(k);
	out->priv = NULL;
}

static int begin(struct get_out *out, struct get_in *in)
{
	const struct zfd_dump *d = in->dump.machine ? &in->dump : NULL;
	struct zfd_range *chunks;
	char why[GET_WHY_LEN];
	struct kdump_out *k;
	size_t i;
	int rc;

	if (!out->sparse && !out->kdump.flat) {
		get_err("%s: a kdump file needs a seekable output; use "
			"-f kdump-flat for a pipe or a tape",
			out->name);
		return -ESPIPE;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	out->priv = k;
	if (!d) {
		chunks = calloc(in->nr_ranges ? in->nr_ranges : 1,
				sizeof(*chunks));
		if (!chunks)
			return -ENOMEM;
		for (i = 0; i < in->nr_ranges; i++) {
			chunks[i].start = in->ranges[i].start -
					  in->hdr.mem_start;
			chunks[i].size = in->ranges[i].size;
		}
		rc = zfd_dump_from_s390(&k->model, &in->hdr, chunks,
					in->nr_ranges);
		free(chunks);
		if (rc)
			return rc;
		k->own_model = true;
		d = &k->model;
	}
	rc = zfd_kdump_writer_new(&k->w, d, &out->kdump, out_fn, out, why,
				  sizeof(why));
	if (rc) {
		get_err("%s: cannot write a kdump file: %s", in->name, why);
		return rc;
	}
	return zfd_kdump_writer_begin(k->w);
}

static int kdump_begin(struct get_out *out, struct get_in *in)
{
	int rc = begin(out, in);

	if (rc)
		kdump_free(out);
	return rc;
}

static int kdump_mem(void *arg, uint64_t off, const void *data, size_t len)
{
	struct get_out *out = arg;
	struct kdump_out *k = out->priv;

	/* not in the input dump: not in this one either */
	if (data == GET_MEM_ABSENT)
		return zfd_kdump_writer_skip(k->w, off, len);
	return zfd_kdump_writer_mem(k->w, off, data, len);
}

static int kdump_end(struct get_out *out, struct get_in *in)
{
	struct kdump_out *k = out->priv;
	uint64_t pages, zero, comp, raw, size;
	bool complete;
	int rc;

	if (!k)
		return -EINVAL;
	rc = zfd_kdump_writer_finish(k->w, in->mem_streamed, &complete);
	if (!rc) {
		size = zfd_kdump_writer_out_size(k->w);
		rc = get_out_finish(out, size);
	}
	if (!rc) {
		zfd_kdump_writer_stats(k->w, &pages, &zero, &comp, &raw);
		if (!complete)
			get_warn("%s: the dump is incomplete: %" PRIu64 " of "
				 "%" PRIu64
				 " memory bytes; the kdump file says "
				 "so",
				 in->name, in->mem_streamed, in->hdr.mem_size);
		if (out->verbose)
			fprintf(stderr,
				"%s: %" PRIu64 " pages (%" PRIu64
				" zero, %" PRIu64 " %s, %" PRIu64
				" raw), %" PRIu64 " bytes\n",
				out->name, pages, zero, comp,
				zfd_kdump_codec_name(out->kdump.codec), raw,
				size);
	}
	kdump_free(out);
	return rc;
}

const struct get_out_ops get_out_kdump_ops = {
	.begin = kdump_begin,
	.mem = kdump_mem,
	.end = kdump_end,
	.abort = kdump_free,
};
