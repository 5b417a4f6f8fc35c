// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output: an ELF core.
 *
 * An ELF core of another architecture (x86_64, ...) is written through the
 * elf format of src/lib/format.h: its notes unchanged, every PT_LOAD with
 * its own addresses, the memory packed; everything in the prologue is
 * known up front, so it is written first (pipes work).
 *
 * s390 dumps: an ELF64 core (EM_S390, big-endian), written with the shared
 * writer of src/lib/fmt_elf: one PT_LOAD per memory chunk, per CPU the
 * NT_PRSTATUS, NT_PRFPREG, NT_S390_TIMER/TODCMP/TODPREG/CTRS/PREFIX notes
 * from the save area in its prefix page. Memory byte X goes to file
 * offset data_off + X, so zero pages and holes stay holes.
 *
 * Random-access inputs give the save areas up front, so the prologue can
 * be written first (stdout); from a tape the registers are collected while
 * the memory streams by, and the prologue is written last.
 */
#include <errno.h>
#include <stdlib.h>

#include "fmt_elf.h"
#include "format.h"
#include "get.h"
#include "util.h"

struct elf_out {
	struct zfd_format *fmt; /* other architectures */
	struct zfd_elf_writer *w;
	bool collected; /* save areas read before the memory */
	bool prologue_done;
};

static int read_cb(void *arg, uint64_t off, void *buf, size_t len)
{
	struct get_in *in = arg;

	return in->ops->read_mem(in, off, buf, len);
}

static int write_prologue(struct get_out *out)
{
	struct elf_out *e = out->priv;
	uint64_t n = zfd_elf_writer_data_off(e->w);
	uint8_t *buf = calloc(1, n);
	int rc;

	if (!buf)
		return -ENOMEM;
	zfd_elf_writer_prologue(e->w, buf);
	rc = get_out_write(out, 0, buf, n);
	free(buf);
	e->prologue_done = true;
	return rc;
}

/* Any architecture but s390: the format layer's packed ELF core. */
static int begin_model(struct get_out *out, struct get_in *in, uint64_t mem)
{
	struct elf_out *e = out->priv;
	char why[GET_WHY_LEN];
	uint8_t *buf;
	size_t n;
	int rc;

	rc = zfd_format_new(&e->fmt, ZFD_FORMAT_ELF, &in->dump, NULL,
			    ZFD_ALIGN_UP(mem, (uint64_t)ZFD_PAGE_SIZE), why,
			    sizeof(why));
	if (rc) {
		get_err("%s: cannot write an ELF core: %s", in->name, why);
		return rc;
	}
	out->mem_base = 0;
	n = zfd_format_prologue_len(e->fmt);
	buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	zfd_format_prologue(e->fmt, buf, true);
	rc = get_out_write(out, 0, buf, n);
	free(buf);
	e->prologue_done = true;
	return rc;
}

static int begin(struct get_out *out, struct get_in *in)
{
	struct zfd_range *chunks;
	struct elf_out *e;
	char why[GET_WHY_LEN];
	uint64_t mem = in->end == GET_END_UNKNOWN ? in->hdr.mem_size :
						    get_in_mem_expected(in);
	size_t i;
	int rc;

	e = calloc(1, sizeof(*e));
	chunks = calloc(in->nr_ranges ? in->nr_ranges : 1, sizeof(*chunks));
	if (!e || !chunks) {
		free(e);
		free(chunks);
		return -ENOMEM;
	}
	out->priv = e;
	if (in->hdr.arch != ZFD_S390_ARCH_S390 &&
	    in->hdr.arch != ZFD_S390_ARCH_S390X && in->dump.machine) {
		free(chunks);
		return begin_model(out, in, mem);
	}
	for (i = 0; i < in->nr_ranges; i++) {
		chunks[i].start = in->ranges[i].start - in->hdr.mem_start;
		chunks[i].size = in->ranges[i].size;
	}
	rc = zfd_elf_writer_new(&e->w, &in->hdr, chunks, in->nr_ranges, mem,
				why, sizeof(why));
	free(chunks);
	if (rc) {
		get_err("%s: cannot write an ELF core: %s", in->name, why);
		return rc;
	}
	out->mem_base = zfd_elf_writer_data_off(e->w);
	if (in->ops->read_mem) {
		rc = zfd_elf_writer_collect(e->w, read_cb, in);
		if (rc)
			return rc;
		e->collected = true;
	}
	if (!out->sparse) {
		if (!e->collected) {
			get_err("%s: ELF output to a pipe needs the registers "
				"first; a tape is read front to back: copy it "
				"to a file",
				in->name);
			return -ESPIPE;
		}
		return write_prologue(out);
	}
	return 0;
}

static int elf_begin(struct get_out *out, struct get_in *in)
{
	struct elf_out *e;
	int rc = begin(out, in);

	e = out->priv;
	if (rc && e) {
		zfd_format_free(e->fmt);
		zfd_elf_writer_free(e->w);
		free(e);
		out->priv = NULL;
	}
	return rc;
}

static int elf_mem(void *arg, uint64_t off, const void *data, size_t len)
{
	struct get_out *out = arg;
	struct elf_out *e = out->priv;

	if (e->fmt) {
		/* stored where the format puts it; holes are not stored */
		const uint8_t *p = data;
		uint64_t foff, n;
		size_t done = 0;
		int rc;

		while (done < len) {
			bool stored = zfd_format_map(e->fmt, off + done, &foff,
						     &n);

			n = ZFD_MIN(n, (uint64_t)(len - done));
			if (stored) {
				rc = get_out_write_mem(out, foff,
						       p ? p + done : NULL,
						       (size_t)n);
				if (rc)
					return rc;
			}
			done += (size_t)n;
		}
		return 0;
	}
	if (data && !e->collected)
		zfd_elf_writer_feed(e->w, off, data, len);
	return get_out_write_mem(out, off, data, len);
}

static int elf_end(struct get_out *out, struct get_in *in)
{
	struct elf_out *e = out->priv;
	unsigned int missing;
	uint64_t size;
	int rc = 0;

	if (!e)
		return -EINVAL;
	if (e->fmt) {
		rc = get_out_finish(out, zfd_format_size(e->fmt));
		zfd_format_free(e->fmt);
		free(e);
		out->priv = NULL;
		return rc;
	}
	missing = zfd_elf_writer_cpus_missing(e->w);
	if (missing)
		get_warn("%s: %u of %u CPUs have no save area in the dumped "
			 "memory; their registers are zero",
			 in->name, missing, in->hdr.cpu_cnt);
	if (!e->prologue_done)
		rc = write_prologue(out);
	size = zfd_elf_writer_file_size(e->w);
	if (!rc)
		rc = get_out_finish(out, size);
	zfd_elf_writer_free(e->w);
	free(e);
	out->priv = NULL;
	return rc;
}

static void elf_abort(struct get_out *out)
{
	struct elf_out *e = out->priv;

	if (!e)
		return;
	zfd_format_free(e->fmt);
	zfd_elf_writer_free(e->w);
	free(e);
	out->priv = NULL;
}

const struct get_out_ops get_out_elf_ops = {
	.begin = elf_begin,
	.mem = elf_mem,
	.end = elf_end,
	.abort = elf_abort,
};
