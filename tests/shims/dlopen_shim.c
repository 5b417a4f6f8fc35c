// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A test-only LD_PRELOAD shim that redirects one dlopen() by name; built
 * only for `make check`, never installed. tests/integration/kdump_snappy.sh
 * points "libsnappy.so.1" at an empty file, so that the real loader fails
 * on it ("file too short") as it would on a missing or broken library,
 * also under qemu-user, whose wrapper sets LD_LIBRARY_PATH itself.
 *
 * Environment:
 *   ZFD_SHIM_DLOPEN=NAME=PATH
 *	dlopen(NAME) opens PATH instead; every other call passes through.
 *
 * Use: LD_PRELOAD=<builddir>/tests/shims/.libs/dlopen_shim.so (under
 * qemu-user through QEMU_SET_ENV; under ASan with verify_asan_link_order=0
 * in ASAN_OPTIONS: the shim comes first).
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void *dlopen(const char *file, int mode);

void *dlopen(const char *file, int mode)
{
	static void *(*real)(const char *, int);
	const char *env = getenv("ZFD_SHIM_DLOPEN");
	const char *eq = env ? strchr(env, '=') : NULL;

	if (!real)
		real = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	if (!real)
		return NULL;
	if (file && eq && strlen(file) == (size_t)(eq - env) &&
	    strncmp(file, env, (size_t)(eq - env)) == 0)
		file = eq + 1;
	return real(file, mode);
}
