// SPDX-License-Identifier: GPL-2.0-or-later
/* Output: the s390 dump format (header, memory, end marker). */
#include <errno.h>

#include "get.h"

static int s390_begin(struct get_out *out, struct get_in *in)
{
	out->mem_base = ZFD_S390_HDR_SIZE;
	return get_out_write(out, 0, in->hdr_raw, ZFD_S390_HDR_SIZE);
}

static int s390_mem(void *arg, uint64_t off, const void *data, size_t len)
{
	return get_out_write_mem(arg, off, data, len);
}

/*
 * A complete dump gets its end marker; an incomplete one ends after the
 * memory that was dumped, without a marker, and so stays recognisable.
 */
static int s390_end(struct get_out *out, struct get_in *in)
{
	uint64_t end = ZFD_S390_HDR_SIZE + in->mem_streamed;
	int rc;

	if (in->end == GET_END_OK && in->mem_streamed == in->hdr.mem_size) {
		rc = get_out_write(out, end, in->end_raw, ZFD_S390_END_SIZE);
		if (rc)
			return rc;
		end += ZFD_S390_END_SIZE;
	}
	return get_out_finish(out, end);
}

const struct get_out_ops get_out_s390_ops = {
	.begin = s390_begin,
	.mem = s390_mem,
	.end = s390_end,
};
