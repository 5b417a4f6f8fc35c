// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A sink plugin as built against sink ABI 1 (zfcpdump/sink.h before the
 * formats moved into the daemon): the loader of ABI 2 must refuse it with
 * one line (core_errors.sh). The descriptor is spelled out here, with the
 * layout of ABI 1's struct zfd_sink, since the installed header is ABI 2;
 * its functions are never called.
 */
#include <errno.h>
#include <stdint.h>

struct zfd_sink_abi1 {
	uint32_t abi;
	uint32_t size;
	const char *name;
	const char *description;
	int (*configure)(const void *host, const void *cfg, void **ctx);
	int (*prepare)(void *ctx, const void *info, uint64_t *max_mem);
	int (*open)(void *ctx, const void *info);
	int (*write)(void *ctx, const void *blk);
	int (*finish)(void *ctx, const void *info, const void *res);
	void (*close)(void *ctx);
	void *reserved[8];
};

static int a_configure(const void *host, const void *cfg, void **ctx)
{
	(void)host;
	(void)cfg;
	*ctx = 0;
	return -EINVAL;
}

static int a_prepare(void *ctx, const void *info, uint64_t *max_mem)
{
	(void)ctx;
	(void)info;
	*max_mem = UINT64_MAX;
	return -EINVAL;
}

static int a_open(void *ctx, const void *info)
{
	(void)ctx;
	(void)info;
	return -EINVAL;
}

static int a_write(void *ctx, const void *blk)
{
	(void)ctx;
	(void)blk;
	return -EINVAL;
}

static int a_finish(void *ctx, const void *info, const void *res)
{
	(void)ctx;
	(void)info;
	(void)res;
	return -EINVAL;
}

static void a_close(void *ctx)
{
	(void)ctx;
}

extern const struct zfd_sink_abi1 zfd_sink_entry;

const struct zfd_sink_abi1 zfd_sink_entry = {
	.abi = 1,
	.size = sizeof(struct zfd_sink_abi1),
	.name = "abi1",
	.description = "a sink built against ABI 1 (refused)",
	.configure = a_configure,
	.prepare = a_prepare,
	.open = a_open,
	.write = a_write,
	.finish = a_finish,
	.close = a_close,
};
