// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * extfs sink: finding the device and refusing a mounted one (both in
 * src/lib/device.c, shared with the raw sink), and checking it with e2fsck.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "device.h"
#include "extfs.h"
#include "util.h"

extern char **environ;

/* Device specs and the mounted check are shared with the raw sink. */
int extfs_resolve_device(const struct zfd_host *host, const char *spec,
			 char *path, size_t len)
{
	return zfd_dev_resolve(host, spec, path, len);
}

int extfs_check_unmounted(const struct zfd_host *host, const char *path)
{
	struct stat st;

	return zfd_dev_check_unused(host, path, path, &st);
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

static int find_e2fsck(const struct zfd_host *host, const char *conf, char *buf,
		       size_t len)
{
	static const char *const dirs[] = { "/sbin", "/usr/sbin" };
	const char *path = getenv("PATH"), *p, *e;
	size_t i;

	if (conf) {
		if (access(conf, X_OK) == 0) {
			snprintf(buf, len, "%s", conf);
			return 0;
		}
		zfd_hlog(host, ZFD_LOG_ERR, "e2fsck '%s': %s", conf,
			 strerror(errno));
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
		zfd_hlog(host, ZFD_LOG_ERR, "cannot run %s: %s", prog,
			 strerror(rc));
		return -rc;
	}
	fp = fdopen(pfd[0], "r");
	if (!fp) {
		close(pfd[0]);
	} else {
		while ((n = getline(&line, &cap, fp)) > 0) {
			while (n > 0 &&
			       (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = 0;
			if (n)
				zfd_hlog(host, ZFD_LOG_INFO, "e2fsck: %s",
					 line);
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
		zfd_hlog(host, ZFD_LOG_WARN,
			 "e2fsck %s %s: %s (exit %d); retrying with %s", p,
			 path, words, code, y);
		rc = fsck_once(host, prog, y, path, &code);
		if (rc)
			return -EIO;
		extfs_fsck_words(code, words, sizeof(words));
		if (code >= 0 && !(code & ~3)) {
			zfd_hlog(host, ZFD_LOG_INFO,
				 "e2fsck %s %s: %s (exit %d)", y, path, words,
				 code);
			return 0;
		}
		zfd_hlog(host, ZFD_LOG_ERR,
			 "e2fsck %s %s: %s (exit %d); not writing to this filesystem",
			 y, path, words, code);
		return -EIO;
	}
	if (code >= 0 && !(code & ~3)) {
		zfd_hlog(host, ZFD_LOG_INFO, "e2fsck %s %s: %s (exit %d)", p,
			 path, words, code);
		return 0;
	}
	zfd_hlog(host, ZFD_LOG_ERR,
		 "e2fsck %s %s: %s (exit %d); not writing to this filesystem",
		 p, path, words, code);
	return -EIO;
}
