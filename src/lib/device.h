/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dump targets (block devices, or regular files standing for them), shared
 * by the sinks that write to one: finding the device behind a spec
 * (libblkid), refusing one that is mounted or in use, and holding an
 * exclusive lock on it for a dump pass.
 *
 * Below a --root other than "/" (tests, image files), "/dev/..." specs and
 * UUID=/LABEL= tags are looked up under ROOT, and ROOT/proc/mounts and
 * ROOT/proc/swaps count as well as the real ones.
 *
 * Every function that fails has logged one line naming the target.
 */
#ifndef ZFD_DEVICE_H
#define ZFD_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include <zfcpdump/sink.h>

/* Is spec a NAME=value tag (UUID=, LABEL=, PARTUUID=, PARTLABEL=)? */
bool zfd_dev_is_tag(const char *spec);

/*
 * Resolves spec (a path or a tag) into path. A tag is looked up with
 * libblkid, or, below a --root, by probing every block device and regular
 * file in ROOT/dev. -ENODEV: no such device (or an ambiguous tag),
 * -EINVAL: empty tag value.
 */
int zfd_dev_resolve(const struct zfd_host *host, const char *spec, char *path,
		    size_t len);

/*
 * Checks that path (called name in messages) exists, is a block device or
 * a regular file, and is not mounted, not swap space and, for a block
 * device, not held by anyone else (O_EXCL). *st gets its stat data.
 * -ENOENT, -ENODEV (wrong type), -EBUSY, or another -errno.
 */
int zfd_dev_check_unused(const struct zfd_host *host, const char *path,
			 const char *name, struct stat *st);

/*
 * Takes an exclusive lock (flock, on a descriptor of its own) on the
 * target, so that a second zfcpdump cannot write to it at the same time;
 * *fd holds the lock until zfd_dev_unlock(). -EBUSY when another process
 * holds it ("target NAME is in use by another process").
 */
int zfd_dev_lock(const struct zfd_host *host, const char *path,
		 const char *name, int *fd);
void zfd_dev_unlock(int *fd);

/*
 * Probes path with libblkid for filesystem, RAID, LVM and partition-table
 * signatures. Returns 1 and a description in what ("ext4 filesystem",
 * "dos partition table", "linux_raid_member raid", "swap signature",
 * "several signatures"), 0 if none was found, or -errno.
 */
int zfd_dev_probe_signature(const char *path, char *what, size_t len);

#endif /* ZFD_DEVICE_H */
