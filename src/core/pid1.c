// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What zfcpdump does as init of a dump kernel: mounts, kernel modules,
 * bringing the IPL zfcp device online, and the final action. Outside
 * PID 1 these are only reported, never performed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libkmod.h>

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
 * libkmod is dlopen()ed, and only when there are modules to load: Debian's
 * libkmod pulls in libcrypto, 4.6 MiB that a dump initramfs without kernel
 * modules (the usual s390 case) should not carry.
 */
struct kmod_api {
	void *dl;
	struct kmod_ctx *(*new)(const char *, const char *const *);
	struct kmod_ctx *(*unref)(struct kmod_ctx *);
	int (*lookup)(struct kmod_ctx *, const char *, struct kmod_list **);
	struct kmod_list *(*next)(const struct kmod_list *, const struct kmod_list *);
	struct kmod_module *(*get_module)(const struct kmod_list *);
	int (*probe)(struct kmod_module *, unsigned int, const char *,
		     int (*)(struct kmod_module *, const char *, void *),
		     const void *,
		     void (*)(struct kmod_module *, bool, void *));
	struct kmod_module *(*mod_unref)(struct kmod_module *);
	int (*unref_list)(struct kmod_list *);
};

static int kmod_api_open(struct kmod_api *k)
{
	k->dl = dlopen("libkmod.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!k->dl) {
		zfd_warn("cannot load libkmod.so.2 (%s); no modules loaded", dlerror());
		return -ENOENT;
	}
	*(void **)&k->new = dlsym(k->dl, "kmod_new");
	*(void **)&k->unref = dlsym(k->dl, "kmod_unref");
	*(void **)&k->lookup = dlsym(k->dl, "kmod_module_new_from_lookup");
	*(void **)&k->next = dlsym(k->dl, "kmod_list_next");
	*(void **)&k->get_module = dlsym(k->dl, "kmod_module_get_module");
	*(void **)&k->probe = dlsym(k->dl, "kmod_module_probe_insert_module");
	*(void **)&k->mod_unref = dlsym(k->dl, "kmod_module_unref");
	*(void **)&k->unref_list = dlsym(k->dl, "kmod_module_unref_list");
	if (!k->new || !k->unref || !k->lookup || !k->next || !k->get_module ||
	    !k->probe || !k->mod_unref || !k->unref_list) {
		zfd_warn("libkmod.so.2 lacks a needed function; no modules loaded");
		dlclose(k->dl);
		return -ENOENT;
	}
	return 0;
}

static int load_module(struct kmod_api *k, struct kmod_ctx *ctx,
		       const char *spec)
{
	struct kmod_list *list = NULL, *l;
	const char *params;
	char name[256];
	size_t len;
	int rc, failed = 0;

	len = strcspn(spec, " \t");
	snprintf(name, sizeof(name), "%.*s", (int)len, spec);
	params = spec + len;
	params += strspn(params, " \t");
	rc = k->lookup(ctx, name, &list);
	if (rc < 0 || !list) {
		zfd_warn("module %s: not found", name);
		return -ENOENT;
	}
	for (l = list; l; l = k->next(list, l)) {
		struct kmod_module *mod = k->get_module(l);

		rc = k->probe(mod, 0, *params ? params : NULL, NULL, NULL, NULL);
		if (rc < 0 && rc != -EEXIST) {
			zfd_warn("module %s: cannot load: %s", name, strerror(-rc));
			failed++;
		} else {
			zfd_info("module %s loaded%s%s", name, *params ? " with " : "",
				 params);
		}
		k->mod_unref(mod);
	}
	k->unref_list(list);
	return failed ? -EIO : 0;
}

int zfd_load_modules(const char *const *modules, size_t nr, bool perform)
{
	struct kmod_api k;
	struct kmod_ctx *ctx;
	size_t i;
	int failed = 0;

	if (!nr)
		return 0;
	if (!perform) {
		for (i = 0; i < nr; i++)
			zfd_info("would load module '%s' (not PID 1)", modules[i]);
		return 0;
	}
	if (kmod_api_open(&k))
		return -ENOENT;
	ctx = k.new(NULL, NULL);
	if (!ctx) {
		zfd_warn("libkmod: cannot initialise; no modules loaded");
		dlclose(k.dl);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++)
		if (load_module(&k, ctx, modules[i]))
			failed++;
	k.unref(ctx);
	dlclose(k.dl);
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
int zfd_fcp_dump_online(const char *root, unsigned int wait_s)
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
	zfd_info("fcp_dump boot: setting %s wwpn %s lun %s online", devno, wwpn, lun);
	snprintf(path, sizeof(path), "/sys/bus/ccw/drivers/zfcp/%s/online", devno);
	rc = write_attr(root, path, "1\n");
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/sys/bus/ccw/drivers/zfcp/%s/port_add", devno);
	zfd_root_path(root, path, full, sizeof(full));
	if (stat(full, &st) == 0)
		write_attr(root, path, wwpn);
	snprintf(path, sizeof(path), "/sys/bus/ccw/drivers/zfcp/%s/%s/unit_add",
		 devno, wwpn);
	rc = write_attr(root, path, lun);
	(void)wait_s;	/* the sinks wait for their devices (device_wait) */
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
			sleep(3);	/* the re-IPL happens asynchronously */
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
