// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Dump targets: resolution of device specs, the "mounted or in use"
 * check and the exclusive lock, shared by the raw and extfs sinks (see
 * device.h). One implementation, so that both sinks refuse the same
 * targets with the same words.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <blkid.h>

#include "device.h"
#include "util.h"

#define LOOP_MAJOR_NR 7
/* flock() attempts, 100 ms apart: rides out udev's short probing lock. */
#define LOCK_TRIES    10

static const struct {
	const char *prefix; /* as written in a spec */
	const char *tag;    /* libblkid's tag name */
	const char *value;  /* libblkid probe value carrying it */
	bool part;	    /* a partition-table attribute */
} dev_tags[] = {
	{ "UUID=", "UUID", "UUID", false },
	{ "LABEL=", "LABEL", "LABEL", false },
	{ "PARTUUID=", "PARTUUID", "PART_ENTRY_UUID", true },
	{ "PARTLABEL=", "PARTLABEL", "PART_ENTRY_NAME", true },
};

static bool root_is_slash(const char *root)
{
	return !root || !*root || strcmp(root, "/") == 0;
}

static int find_tag(const char *spec)
{
	size_t i;

	for (i = 0; i < ZFD_ARRAY_SIZE(dev_tags); i++)
		if (strncmp(spec, dev_tags[i].prefix,
			    strlen(dev_tags[i].prefix)) == 0)
			return (int)i;
	return -1;
}

bool zfd_dev_is_tag(const char *spec)
{
	return find_tag(spec) >= 0;
}

/* Does the file or device at path carry the tag's value (libblkid)? */
static bool probe_matches(const char *path, int t, const char *value)
{
	const char *val = NULL;
	blkid_probe pr;
	bool match = false;

	pr = blkid_new_probe_from_filename(path);
	if (!pr)
		return false;
	if (dev_tags[t].part) {
		blkid_probe_enable_superblocks(pr, 0);
		blkid_probe_enable_partitions(pr, 1);
		blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	} else {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr,
						  BLKID_SUBLKS_LABEL |
							  BLKID_SUBLKS_UUID |
							  BLKID_SUBLKS_TYPE);
	}
	if (blkid_do_safeprobe(pr) == 0 &&
	    blkid_probe_lookup_value(pr, dev_tags[t].value, &val, NULL) == 0 &&
	    strcmp(val, value) == 0)
		match = true;
	blkid_free_probe(pr);
	return match;
}

/*
 * Below a --root, a tag is looked up by probing every block device and
 * regular file in ROOT/dev: libblkid's cache only knows the real devices.
 */
static int resolve_tag_in_root(const struct zfd_host *host, const char *spec,
			       int t, const char *value, char *path, size_t len)
{
	char dir[PATH_MAX], cand[PATH_MAX + 256];
	struct dirent *de;
	struct stat st;
	int found = 0;
	DIR *d;

	zfd_root_path(host->root, "/dev", dir, sizeof(dir));
	d = opendir(dir);
	if (!d) {
		zfd_hlog(host, ZFD_LOG_ERR, "cannot resolve %s: %s: %s", spec,
			 dir, strerror(errno));
		return -ENODEV;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(cand, sizeof(cand), "%s/%s", dir, de->d_name);
		if (stat(cand, &st) ||
		    !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
			continue;
		if (!probe_matches(cand, t, value))
			continue;
		if (found++) {
			zfd_hlog(host, ZFD_LOG_ERR,
				 "%s is ambiguous: %s and %s", spec, path,
				 cand);
			closedir(d);
			return -ENODEV;
		}
		snprintf(path, len, "%s", cand);
	}
	closedir(d);
	if (!found) {
		zfd_hlog(host, ZFD_LOG_ERR, "no device with %s found in %s",
			 spec, dir);
		return -ENODEV;
	}
	return 0;
}

int zfd_dev_resolve(const struct zfd_host *host, const char *spec, char *path,
		    size_t len)
{
	const char *value;
	char *dev;
	int t;

	t = find_tag(spec);
	if (t < 0) {
		if (!root_is_slash(host->root) &&
		    strncmp(spec, "/dev/", 5) == 0)
			zfd_root_path(host->root, spec, path, len);
		else
			snprintf(path, len, "%s", spec);
		return 0;
	}
	value = spec + strlen(dev_tags[t].prefix);
	if (!*value) {
		zfd_hlog(host, ZFD_LOG_ERR, "device '%s': empty %s", spec,
			 dev_tags[t].tag);
		return -EINVAL;
	}
	if (!root_is_slash(host->root))
		return resolve_tag_in_root(host, spec, t, value, path, len);

	dev = blkid_evaluate_tag(dev_tags[t].tag, value, NULL);
	if (!dev) {
		zfd_hlog(host, ZFD_LOG_ERR,
			 "no device with %s found (libblkid)", spec);
		return -ENODEV;
	}
	snprintf(path, len, "%s", dev);
	free(dev);
	return 0;
}

/* Same file or same block device? */
static bool same_target(const struct stat *a, const struct stat *b)
{
	if (S_ISBLK(a->st_mode) && S_ISBLK(b->st_mode))
		return a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Is the block device rdev a loop device backed by the file st? */
static bool loop_backed_by(dev_t rdev, const struct stat *st)
{
	char attr[96], file[PATH_MAX];
	struct stat bst;
	size_t n;
	FILE *f;

	if (major(rdev) != LOOP_MAJOR_NR || !S_ISREG(st->st_mode))
		return false;
	snprintf(attr, sizeof(attr), "/sys/dev/block/%u:%u/loop/backing_file",
		 major(rdev), minor(rdev));
	f = fopen(attr, "re");
	if (!f)
		return false;
	n = fread(file, 1, sizeof(file) - 1, f);
	fclose(f);
	file[n] = 0;
	file[strcspn(file, "\n")] = 0;
	return stat(file, &bst) == 0 && same_target(&bst, st);
}

/*
 * Does the mount or swap table entry name (a path) denote the target st?
 * With in_root (a table below --root), the name is also tried below root.
 */
static bool names_target(const struct zfd_host *host, const char *entry,
			 const struct stat *st, bool in_root)
{
	char cand[PATH_MAX];
	struct stat est;

	if (entry[0] != '/')
		return false;
	if (stat(entry, &est) == 0 &&
	    (same_target(&est, st) ||
	     (S_ISBLK(est.st_mode) && loop_backed_by(est.st_rdev, st))))
		return true;
	if (!in_root)
		return false;
	zfd_root_path(host->root, entry, cand, sizeof(cand));
	return stat(cand, &est) == 0 && same_target(&est, st);
}

static int scan_mounts(const struct zfd_host *host, const char *table,
		       bool in_root, const char *name, const struct stat *st)
{
	struct mntent *me;
	FILE *fp;
	int rc = 0;

	fp = setmntent(table, "re");
	if (!fp)
		return 0;
	while ((me = getmntent(fp))) {
		if (!names_target(host, me->mnt_fsname, st, in_root))
			continue;
		zfd_hlog(host, ZFD_LOG_ERR,
			 "device %s is mounted on %s; refusing to write to a mounted filesystem",
			 name, me->mnt_dir);
		rc = -EBUSY;
		break;
	}
	endmntent(fp);
	return rc;
}

/* Undoes the octal escapes (\040 for a space) of /proc/swaps in place. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = 0;
}

static int scan_swaps(const struct zfd_host *host, const char *table,
		      bool in_root, const char *name, const struct stat *st)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *fp;
	int rc = 0;

	fp = fopen(table, "re");
	if (!fp)
		return 0;
	while (getline(&line, &cap, fp) > 0) {
		line[strcspn(line, " \t\n")] = 0;
		unescape(line);
		if (!names_target(host, line, st, in_root))
			continue;
		zfd_hlog(host, ZFD_LOG_ERR, "device %s is in use as swap space",
			 name);
		rc = -EBUSY;
		break;
	}
	free(line);
	fclose(fp);
	return rc;
}

int zfd_dev_check_unused(const struct zfd_host *host, const char *path,
			 const char *name, struct stat *st)
{
	char table[PATH_MAX];
	int fd, rc;

	if (stat(path, st) != 0) {
		rc = -errno;
		if (rc == -ENOENT)
			zfd_hlog(host, ZFD_LOG_ERR, "device %s does not exist",
				 name);
		else
			zfd_hlog(host, ZFD_LOG_ERR,
				 "cannot access device %s: %s", name,
				 strerror(-rc));
		return rc;
	}
	if (!S_ISBLK(st->st_mode) && !S_ISREG(st->st_mode)) {
		zfd_hlog(host, ZFD_LOG_ERR,
			 "device %s is neither a block device nor a regular file",
			 name);
		return -ENODEV;
	}
	rc = scan_mounts(host, "/proc/mounts", false, name, st);
	if (!rc)
		rc = scan_swaps(host, "/proc/swaps", false, name, st);
	if (!rc && !root_is_slash(host->root)) {
		zfd_root_path(host->root, "/proc/mounts", table, sizeof(table));
		rc = scan_mounts(host, table, true, name, st);
		zfd_root_path(host->root, "/proc/swaps", table, sizeof(table));
		if (!rc)
			rc = scan_swaps(host, table, true, name, st);
	}
	if (rc || !S_ISBLK(st->st_mode))
		return rc;
	/* Held by the kernel (mount, md, dm, swap) or another O_EXCL opener? */
	fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != EBUSY)
		return 0;
	/* Another zfcpdump holds it (and its lock): say that. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) != 0 &&
	    errno == EWOULDBLOCK)
		zfd_hlog(host, ZFD_LOG_ERR,
			 "target %s is in use by another process", name);
	else
		zfd_hlog(host, ZFD_LOG_ERR,
			 "device %s is in use by the system (busy)", name);
	if (fd >= 0)
		close(fd);
	return -EBUSY;
}

int zfd_dev_lock(const struct zfd_host *host, const char *path,
		 const char *name, int *fdp)
{
	const struct timespec pause = { 0, 100 * 1000 * 1000 };
	int fd, rc, err = 0, i;

	*fdp = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* Any descriptor holds a flock: a write-only file is locked, too. */
	if (fd < 0 && errno == EACCES)
		fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		zfd_hlog(host, ZFD_LOG_ERR, "cannot lock target %s: %s", name,
			 strerror(-rc));
		return rc;
	}
	for (i = 0; i < LOCK_TRIES; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			*fdp = fd;
			return 0;
		}
		err = errno;
		if (err == ENOSYS || err == EOPNOTSUPP) {
			/*
			 * A dump kernel may be built without file locking
			 * (CONFIG_FILE_LOCKING): nothing else runs there to
			 * race with, and the dump must not be lost for it.
			 */
			zfd_hlog(host, ZFD_LOG_WARN,
				 "cannot lock target %s: %s (a kernel without "
				 "file locking); going on unlocked",
				 name, strerror(err));
			*fdp = fd;
			return 0;
		}
		if (err != EWOULDBLOCK && err != EINTR)
			break;
		nanosleep(&pause, NULL);
	}
	rc = err == EWOULDBLOCK || err == EINTR ? -EBUSY : -err;
	close(fd);
	if (rc == -EBUSY)
		zfd_hlog(host, ZFD_LOG_ERR,
			 "target %s is in use by another process", name);
	else
		zfd_hlog(host, ZFD_LOG_ERR, "cannot lock target %s: %s", name,
			 strerror(-rc));
	return rc;
}

void zfd_dev_unlock(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int zfd_dev_probe_signature(const char *path, char *what, size_t len)
{
	const char *type = NULL, *usage = NULL;
	blkid_probe pr;
	int rc;

	pr = blkid_new_probe_from_filename(path);
	if (!pr)
		return errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE |
						      BLKID_SUBLKS_USAGE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	rc = blkid_do_safeprobe(pr);
	if (rc == 1) {
		rc = 0;
	} else if (rc == -2) {
		snprintf(what, len, "several signatures");
		rc = 1;
	} else if (rc < 0) {
		rc = -EIO;
	} else if (blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0) {
		snprintf(what, len, "%s partition table", type);
		rc = 1;
	} else {
		if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) != 0)
			type = "unknown";
		if (blkid_probe_lookup_value(pr, "USAGE", &usage, NULL) != 0 ||
		    strcmp(usage, "other") == 0)
			usage = "signature";
		snprintf(what, len, "%s %s", type, usage);
		rc = 1;
	}
	blkid_free_probe(pr);
	return rc;
}
