// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * extfs sink: finding the device (libblkid), refusing a mounted one
 * (libext2fs), and checking it with e2fsck.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <blkid/blkid.h>

#include "extfs.h"
#include "util.h"

extern char **environ;

static bool root_is_slash(const char *root)
{
	return !root || !*root || strcmp(root, "/") == 0;
}

/* Does the file or device at path carry tag=value (libblkid probe)? */
static bool probe_matches(const char *path, const char *tag, const char *value)
{
	const char *val = NULL;
	blkid_probe pr;
	bool match = false;

	pr = blkid_new_probe_from_filename(path);
	if (!pr)
		return false;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL |
					  BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE);
	if (blkid_do_safeprobe(pr) == 0 &&
	    blkid_probe_lookup_value(pr, tag, &val, NULL) == 0 &&
	    strcmp(val, value) == 0)
		match = true;
	blkid_free_probe(pr);
	return match;
}

/*
 * Below a --root, the tag is looked up by probing every block device and
 * regular file in ROOT/dev: libblkid's cache only knows the real devices,
 * so this is how tests (and image files) get UUID=/LABEL= resolution.
 */
static int resolve_tag_in_root(const struct zfd_host *host, const char *spec,
			       const char *tag, const char *value,
			       char *path, size_t len)
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
		if (stat(cand, &st) || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
			continue;
		if (!probe_matches(cand, tag, value))
			continue;
		if (found++) {
			zfd_hlog(host, ZFD_LOG_ERR, "%s is ambiguous: %s and %s",
				 spec, path, cand);
			closedir(d);
			return -ENODEV;
		}
		snprintf(path, len, "%s", cand);
	}
	closedir(d);
	if (!found) {
		zfd_hlog(host, ZFD_LOG_ERR, "no device with %s found in %s", spec, dir);
		return -ENODEV;
	}
	return 0;
}

int extfs_resolve_device(const struct zfd_host *host, const char *spec,
			 char *path, size_t len)
{
	const char *tag = NULL, *value = NULL;
	char *dev;

	if (strncmp(spec, "UUID=", 5) == 0) {
		tag = "UUID";
		value = spec + 5;
	} else if (strncmp(spec, "LABEL=", 6) == 0) {
		tag = "LABEL";
		value = spec + 6;
	}
	if (!tag) {
		if (!root_is_slash(host->root) && strncmp(spec, "/dev/", 5) == 0)
			zfd_root_path(host->root, spec, path, len);
		else
			snprintf(path, len, "%s", spec);
		return 0;
	}
	if (!*value) {
		zfd_hlog(host, ZFD_LOG_ERR, "device '%s': empty %s", spec, tag);
		return -EINVAL;
	}
	if (!root_is_slash(host->root))
		return resolve_tag_in_root(host, spec, tag, value, path, len);

	dev = blkid_evaluate_tag(tag, value, NULL);
	if (!dev) {
		zfd_hlog(host, ZFD_LOG_ERR, "no device with %s found (libblkid)", spec);
		return -ENODEV;
	}
	snprintf(path, len, "%s", dev);
	free(dev);
	return 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	if (S_ISBLK(a->st_mode) && S_ISBLK(b->st_mode))
		return a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * Below a --root, ROOT/proc/mounts is consulted as well: libext2fs reads
 * only the real /proc/mounts, and tests simulate a mount with a fake one.
 */
static int check_root_mounts(const struct zfd_host *host, const char *path,
			     const struct stat *dev)
{
	char mounts[PATH_MAX], cand[PATH_MAX];
	struct mntent *me;
	struct stat st;
	FILE *fp;
	int rc = 0;

	zfd_root_path(host->root, "/proc/mounts", mounts, sizeof(mounts));
	fp = setmntent(mounts, "r");
	if (!fp)
		return 0;
	while ((me = getmntent(fp))) {
		bool hit = stat(me->mnt_fsname, &st) == 0 && same_file(&st, dev);

		zfd_root_path(host->root, me->mnt_fsname, cand, sizeof(cand));
		if (!hit && me->mnt_fsname[0] == '/')
			hit = stat(cand, &st) == 0 && same_file(&st, dev);
		if (hit) {
			zfd_hlog(host, ZFD_LOG_ERR,
				 "%s is mounted on %s; refusing to write to a mounted filesystem",
				 path, me->mnt_dir);
			rc = -EBUSY;
			break;
		}
	}
	endmntent(fp);
	return rc;
}

int extfs_check_unmounted(const struct zfd_host *host, const char *path)
{
	char mtpt[PATH_MAX] = "";
	struct stat st;
	errcode_t err;
	int flags = 0;

	if (stat(path, &st) < 0) {
		zfd_hlog(host, ZFD_LOG_ERR, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		zfd_hlog(host, ZFD_LOG_ERR, "%s is neither a block device nor a file",
			 path);
		return -ENODEV;
	}
	err = ext2fs_check_mount_point(path, &flags, mtpt, sizeof(mtpt));
	if (err) {
		zfd_hlog(host, ZFD_LOG_ERR, "cannot tell whether %s is mounted: %s",
			 path, error_message(err));
		return -EIO;
	}
	if (flags & EXT2_MF_MOUNTED) {
		zfd_hlog(host, ZFD_LOG_ERR,
			 "%s is mounted on %s; refusing to write to a mounted filesystem",
			 path, mtpt[0] ? mtpt : "?");
		return -EBUSY;
	}
	if (flags & EXT2_MF_SWAP) {
		zfd_hlog(host, ZFD_LOG_ERR, "%s is in use as swap space", path);
		return -EBUSY;
	}
	if (flags & EXT2_MF_BUSY) {
		zfd_hlog(host, ZFD_LOG_ERR, "%s is in use by the system (busy)", path);
		return -EBUSY;
	}
	if (!root_is_slash(host->root))
		return check_root_mounts(host, path, &st);
	return 0;
}

void extfs_fsck_words(int code, char *buf, size_t len)
{
	static const struct {
		int bit;
		const char *words;
	} bits[] = {
		{ 1, "errors corrected" },
		{ 2, "system should be rebooted" },
		{ 4, "errors left uncorrected" },
		{ 8, "operational error" },
		{ 16, "usage or syntax error" },
		{ 32, "canceled by user request" },
		{ 128, "shared library error" },
	};
	size_t i, pos = 0;

	buf[0] = 0;
	if (code < 0) {
		snprintf(buf, len, "killed by signal %d", -code);
		return;
	}
	if (code == 0) {
		snprintf(buf, len, "no errors");
		return;
	}
	if (code == 127) {
		snprintf(buf, len, "could not be run");
		return;
	}
	for (i = 0; i < ZFD_ARRAY_SIZE(bits); i++) {
		if (!(code & bits[i].bit))
			continue;
		snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "",
			 bits[i].words);
		pos = strlen(buf);
	}
}

static int find_e2fsck(const struct zfd_host *host, const char *conf,
		       char *buf, size_t len)
{
	static const char *const dirs[] = { "/sbin", "/usr/sbin" };
	const char *path = getenv("PATH"), *p, *e;
	size_t i;

	if (conf) {
		if (access(conf, X_OK) == 0) {
			snprintf(buf, len, "%s", conf);
			return 0;
		}
		zfd_hlog(host, ZFD_LOG_ERR, "e2fsck '%s': %s", conf, strerror(errno));
		return -ENOEXEC;
	}
	for (i = 0; i < ZFD_ARRAY_SIZE(dirs); i++) {
		snprintf(buf, len, "%s/e2fsck", dirs[i]);
		if (access(buf, X_OK) == 0)
			return 0;
	}
	for (p = path; p && *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		if (e == p)
			continue;
		snprintf(buf, len, "%.*s/e2fsck", (int)(e - p), p);
		if (access(buf, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* Runs "e2fsck FLAG path", relaying its output; *code = exit code. */
static int fsck_once(const struct zfd_host *host, const char *prog,
		     const char *flag, const char *path, int *code)
{
	char *argv[] = { (char *)"e2fsck", (char *)flag, (char *)path, NULL };
	posix_spawn_file_actions_t fa;
	char *line = NULL;
	size_t cap = 0;
	int pfd[2], status, rc;
	ssize_t n;
	pid_t pid;
	FILE *fp;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	zfd_hlog(host, ZFD_LOG_INFO, "running %s %s %s", prog, flag, path);
	rc = posix_spawn(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc) {
		close(pfd[0]);
		zfd_hlog(host, ZFD_LOG_ERR, "cannot run %s: %s", prog, strerror(rc));
		return -rc;
	}
	fp = fdopen(pfd[0], "r");
	if (!fp) {
		close(pfd[0]);
	} else {
		while ((n = getline(&line, &cap, fp)) > 0) {
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = 0;
			if (n)
				zfd_hlog(host, ZFD_LOG_INFO, "e2fsck: %s", line);
		}
		free(line);
		fclose(fp);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		*code = WEXITSTATUS(status);
	else
		*code = -WTERMSIG(status);
	return 0;
}

int extfs_run_fsck(const struct zfd_host *host, const char *e2fsck,
		   const char *path, bool force)
{
	const char *p = force ? "-fp" : "-p", *y = force ? "-fy" : "-y";
	char prog[PATH_MAX], words[160];
	int code = 0, rc;

	rc = find_e2fsck(host, e2fsck, prog, sizeof(prog));
	if (rc)
		return rc;
	rc = fsck_once(host, prog, p, path, &code);
	if (rc)
		return -EIO;
	extfs_fsck_words(code, words, sizeof(words));
	if (code >= 0 && (code & 4) && !(code & ~7)) {
		zfd_hlog(host, ZFD_LOG_WARN, "e2fsck %s %s: %s (exit %d); retrying with %s",
			 p, path, words, code, y);
		rc = fsck_once(host, prog, y, path, &code);
		if (rc)
			return -EIO;
		extfs_fsck_words(code, words, sizeof(words));
		if (code >= 0 && !(code & ~3)) {
			zfd_hlog(host, ZFD_LOG_INFO, "e2fsck %s %s: %s (exit %d)",
				 y, path, words, code);
			return 0;
		}
		zfd_hlog(host, ZFD_LOG_ERR,
			 "e2fsck %s %s: %s (exit %d); not writing to this filesystem",
			 y, path, words, code);
		return -EIO;
	}
	if (code >= 0 && !(code & ~3)) {
		zfd_hlog(host, ZFD_LOG_INFO, "e2fsck %s %s: %s (exit %d)", p, path,
			 words, code);
		return 0;
	}
	zfd_hlog(host, ZFD_LOG_ERR, "e2fsck %s %s: %s (exit %d); not writing to this filesystem",
		 p, path, words, code);
	return -EIO;
}
