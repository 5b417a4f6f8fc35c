// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * extfs sink: its I/O seam. Every write, sync and close of the sink goes
 * through these few functions: metadata through a libext2fs io_manager,
 * dump data through pwritev() on a second descriptor (extfs_map.c says
 * why). This file is what the plugin links: the plain calls. Test
 * programs link tests/faultio/extfs_faultio.c in its place, which injects
 * EIO, ENOSPC and short writes driven by environment variables; the
 * production plugin contains no fault injection.
 */
#include "config.h"

#include <unistd.h>

#include "extfs.h"

io_manager extfs_io_manager(void)
{
	return unix_io_manager;
}

ssize_t extfs_io_pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return pwritev(fd, iov, cnt, off);
}

int extfs_io_fdatasync(int fd)
{
	return fdatasync(fd);
}

int extfs_io_fsync(int fd)
{
	return fsync(fd);
}

int extfs_io_close(int fd)
{
	return close(fd);
}
