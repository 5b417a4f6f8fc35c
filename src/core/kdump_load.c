// SPDX-License-Identifier: GPL-2.0-or-later
/* Format kdump's module (core.h): found beside the sink plugins. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

void zfd_kdump_mod_path(const char *plugin_dir, char *path, size_t len)
{
	const char *slash = strrchr(plugin_dir, '/');
	int n = slash ? (int)(slash - plugin_dir) : 0;

	/* <dir>/sinks -> <dir>/formats/kdump.so */
	if (slash && slash[1])
		snprintf(path, len, "%.*s/formats/kdump.so", n, plugin_dir);
	else if (slash)
		snprintf(path, len, "%s../formats/kdump.so", plugin_dir);
	else
		snprintf(path, len, "formats/kdump.so");
}

const struct zfd_kdump_mod *zfd_kdump_mod_load(const char *plugin_dir)
{
	static const struct zfd_kdump_mod *mod;
	static void *dl;
	char path[PATH_MAX];

	if (mod)
		return mod;
	zfd_kdump_mod_path(plugin_dir, path, sizeof(path));
	dl = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (!dl) {
		zfd_err("format kdump: cannot load %s: %s", path, dlerror());
		return NULL;
	}
	mod = dlsym(dl, ZFD_KDUMP_MOD_SYMBOL);
	if (!mod || mod->version != ZFD_KDUMP_MOD_VERSION) {
		zfd_err("format kdump: %s is not this zfcpdump's kdump module",
			path);
		mod = NULL;
		dlclose(dl);
		dl = NULL;
	}
	return mod;
}
