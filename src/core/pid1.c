// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What zfcpdump does as init of a dump kernel: mounts, kernel modules,
 * bringing the IPL zfcp device online, and the final action. Outside
 * PID 1 these are only reported, never performed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "util.h"

static void do_mount(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) && errno != EBUSY)
		zfd_warn("mount %s on %s: %s", type, dir, strerror(errno));
}

void zfd_pid1_mounts(void)
{
	do_mount("proc", "/proc", "proc");
	do_mount("sysfs", "/sys", "sysfs");
	do_mount("devtmpfs", "/dev", "devtmpfs");
	do_mount("debugfs", "/sys/kernel/debug", "debugfs");
}

/* stdin/stdout/stderr on /dev/console when the kernel gave us none. */
void zfd_pid1_console(void)
{
	int fd;

	if (fcntl(STDOUT_FILENO, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

/*
 * Kernel modules. zfcpdump-mkinitramfs resolved them when it built the
 * initramfs (modules.dep, modules.softdep and modules.builtin of the dump
 * kernel) and wrote the load order, dependencies first, to
 * ZFD_MODULES_ORDER, one line each:
 *
 *	load NAME PATH [PARAM=VALUE ...]	load PATH with finit_module()
 *	optional NAME PATH [PARAM=VALUE ...]	the same, for a soft dependency
 *	builtin NAME				built into the kernel: nothing to do
 *
 * PATH is absolute in the initramfs; a PATH ending in .gz, .xz or .zst is
 * left for the kernel to decompress (the builder packs compressed modules
 * only for kernels with CONFIG_MODULE_DECOMPRESS). So PID 1 needs neither
 * libkmod nor the libraries behind it. A module that is missing or fails
 * to load is one warning line; an already loaded one (EEXIST) is fine. An
 * optional one that fails (an accelerated variant the CPU lacks: ENODEV)
 * is one info line.
 */
#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

static bool is_compressed(const char *path)
{
	static const char *const ext[] = { ".gz", ".xz", ".zst" };
	size_t len = strlen(path), i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t n = strlen(ext[i]);

		if (len > n && strcmp(path + len - n, ext[i]) == 0)
			return true;
	}
	return false;
}

static int load_module_file(const char *root, const char *name,
			    const char *path, const char *params, bool optional)
{
	char full[4096];
	int fd, rc = 0;

	zfd_root_path(root, path, full, sizeof(full));
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		zfd_log(optional ? ZFD_LOG_INFO : ZFD_LOG_WARN,
			"module %s%s: cannot open %s: %s", name,
			optional ? " (optional)" : "", path, strerror(-rc));
		return optional ? 0 : rc;
	}
	if (syscall(SYS_finit_module, fd, params,
		    is_compressed(path) ? MODULE_INIT_COMPRESSED_FILE : 0))
		rc = -errno;
	close(fd);
	if (rc == -EEXIST) {
		zfd_info("module %s already loaded", name);
		return 0;
	}
	if (rc && optional) {
		zfd_info("module %s (optional) not loaded: %s", name,
			 strerror(-rc));
		return 0;
	}
	if (rc) {
		zfd_warn("module %s: cannot load: %s", name, strerror(-rc));
		return rc;
	}
	zfd_info("module %s loaded%s%s", name, *params ? " with " : "", params);
	return 0;
}

/* Module names: '-' and '_' are the same to the kernel. */
static bool same_name(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

/* The next blank-separated word of *p (NUL-terminated), or NULL. */
static char *next_word(char **p)
{
	char *w = *p + strspn(*p, " \t");

	if (!*w)
		return NULL;
	*p = w + strcspn(w, " \t");
	if (**p)
		*(*p)++ = 0;
	return w;
}

/* Loads the packed modules in order; marks the config's modules seen. */
static int load_order_file(const char *root, FILE *f,
			   const char *const *modules, size_t nr, bool *seen)
{
	char line[4096];
	unsigned int lineno = 0;
	int failed = 0;

	while (fgets(line, sizeof(line), f)) {
		char *p = line, *kw, *name, *path, *params;
		bool optional;
		size_t i, len;

		lineno++;
		line[strcspn(line, "\n")] = 0;
		kw = next_word(&p);
		if (!kw || kw[0] == '#')
			continue;
		name = next_word(&p);
		if (!name) {
			zfd_warn("%s:%u: no module name", ZFD_MODULES_ORDER,
				 lineno);
			failed++;
			continue;
		}
		for (i = 0; i < nr; i++)
			if (same_name(name, strlen(name), modules[i],
				      strcspn(modules[i], " \t")))
				seen[i] = true;
		if (strcmp(kw, "builtin") == 0)
			continue;
		path = next_word(&p);
		optional = strcmp(kw, "optional") == 0;
		if ((strcmp(kw, "load") && !optional) || !path ||
		    path[0] != '/') {
			zfd_warn("%s:%u: not 'load|optional NAME /PATH [PARAMS]' or 'builtin NAME'",
				 ZFD_MODULES_ORDER, lineno);
			failed++;
			continue;
		}
		params = p + strspn(p, " \t");
		len = strlen(params);
		while (len &&
		       (params[len - 1] == ' ' || params[len - 1] == '\t'))
			params[--len] = 0;
		if (load_module_file(root, name, path, params, optional))
			failed++;
	}
	return failed;
}

int zfd_load_modules(const char *root, const char *const *modules, size_t nr,
		     bool perform)
{
	char full[4096];
	bool *seen;
	size_t i;
	FILE *f;
	int failed = 0;

	if (!perform) {
		for (i = 0; i < nr; i++)
			zfd_info("would load module '%s' (not PID 1)",
				 modules[i]);
		return 0;
	}
	seen = calloc(nr ? nr : 1, sizeof(*seen));
	if (!seen)
		return -ENOMEM;
	zfd_root_path(root, ZFD_MODULES_ORDER, full, sizeof(full));
	f = fopen(full, "re");
	if (f) {
		failed = load_order_file(root, f, modules, nr, seen);
		fclose(f);
	} else if (errno != ENOENT) {
		zfd_warn("%s: %s; no modules loaded", ZFD_MODULES_ORDER,
			 strerror(errno));
	}
	for (i = 0; i < nr; i++) {
		if (seen[i])
			continue;
		zfd_warn("module %.*s: not found (not packed into the initramfs)",
			 (int)strcspn(modules[i], " \t"), modules[i]);
		failed++;
	}
	free(seen);
	return failed ? -ENOENT : 0;
}

static int read_attr(const char *root, const char *path, char *buf, size_t len)
{
	char full[4096];
	ssize_t n;
	int fd;

	zfd_root_path(root, path, full, sizeof(full));
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int write_attr(const char *root, const char *path, const char *val)
{
	char full[4096];
	int rc;

	zfd_root_path(root, path, full, sizeof(full));
	rc = zfd_write_string(full, val);
	if (rc)
		zfd_warn("write '%s' to %s: %s", val, full, strerror(-rc));
	else
		zfd_dbg("wrote '%s' to %s", val, full);
	return rc;
}

/*
 * On an s390 SCSI dump boot (ipl_type fcp_dump) bring the IPL device online
 * like the classic zfcpdump: the FCP device, its port and the LUN.
 */
int zfd_fcp_dump_online(const char *root, unsigned int wait_s, bool perform)
{
	char type[64], devno[64], wwpn[64], lun[64], path[512], full[4096];
	struct stat st;
	int rc;

	if (read_attr(root, "/sys/firmware/ipl/ipl_type", type, sizeof(type)) ||
	    strcmp(type, "fcp_dump"))
		return 0;
	if (read_attr(root, "/sys/firmware/ipl/device", devno, sizeof(devno)) ||
	    read_attr(root, "/sys/firmware/ipl/wwpn", wwpn, sizeof(wwpn)) ||
	    read_attr(root, "/sys/firmware/ipl/lun", lun, sizeof(lun))) {
		zfd_err("fcp_dump boot: cannot read device/wwpn/lun under /sys/firmware/ipl");
		return -ENOENT;
	}
	if (!perform) {
		zfd_info("fcp_dump boot: would set %s wwpn %s lun %s online (dry run)",
			 devno, wwpn, lun);
		return 0;
	}
	zfd_info("fcp_dump boot: setting %s wwpn %s lun %s online", devno, wwpn,
		 lun);
	snprintf(path, sizeof(path), "/sys/bus/ccw/drivers/zfcp/%s/online",
		 devno);
	rc = write_attr(root, path, "1\n");
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/sys/bus/ccw/drivers/zfcp/%s/port_add",
		 devno);
	zfd_root_path(root, path, full, sizeof(full));
	if (stat(full, &st) == 0)
		write_attr(root, path, wwpn);
	snprintf(path, sizeof(path), "/sys/bus/ccw/drivers/zfcp/%s/%s/unit_add",
		 devno, wwpn);
	rc = write_attr(root, path, lun);
	(void)wait_s; /* the sinks wait for their devices (device_wait) */
	return rc;
}

void zfd_final_action(enum zfd_action action, struct zfd_source *src,
		      bool perform)
{
	const char *name = zfd_action_names[action];

	if (!perform) {
		zfd_info("final action '%s' not performed (not PID 1)", name);
		return;
	}
	zfd_info("final action: %s", name);
	sync();
	switch (action) {
	case ZFD_ACTION_REIPL:
		if (src && src->reipl && src->reipl(src) == 0) {
			sleep(3); /* the re-IPL happens asynchronously */
			zfd_warn("re-IPL through zcore/reipl did not happen; rebooting");
		}
		reboot(RB_AUTOBOOT);
		break;
	case ZFD_ACTION_REBOOT:
		reboot(RB_AUTOBOOT);
		break;
	case ZFD_ACTION_POWEROFF:
		reboot(RB_POWER_OFF);
		break;
	case ZFD_ACTION_HALT:
		reboot(RB_HALT_SYSTEM);
		break;
	case ZFD_ACTION_SHELL:
		if (access("/bin/sh", X_OK) == 0) {
			execl("/bin/sh", "sh", (char *)NULL);
			zfd_warn("exec /bin/sh: %s", strerror(errno));
		} else {
			zfd_warn("no /bin/sh in the initramfs");
		}
		break;
	case ZFD_ACTION_NONE:
		break;
	}
	/* init must never exit */
	zfd_info("system halted; power off or re-IPL manually");
	for (;;)
		pause();
}
