// SPDX-License-Identifier: GPL-2.0-or-later
/* Sink plugins: dlopen()ed shared objects with one versioned descriptor. */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "core.h"
#include "util.h"

static void host_vlog(const struct zfd_host *host, int level, const char *fmt,
		      va_list ap)
{
	const struct zfd_sink_inst *si = host->priv;

	zfd_vlog_prefixed(level, si->desc, fmt, ap);
}

/* Console question: one line on stdout, the answer from stdin. */
static int host_ask(const struct zfd_host *host, const char *question,
		    unsigned int timeout_s)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char line[64];
	ssize_t n;
	int rc;

	printf("%s ", question);
	fflush(stdout);
	rc = poll(&pfd, 1, (int)ZFD_MIN(timeout_s, 86400U) * 1000);
	if (rc <= 0) {
		printf("\n");
		zfd_info("no answer within %u s", timeout_s);
		return -ETIMEDOUT;
	}
	n = read(STDIN_FILENO, line, sizeof(line) - 1);
	if (n <= 0) {
		printf("\n");
		return -ETIMEDOUT; /* stdin closed: nobody to answer */
	}
	line[n] = 0;
	return line[0] == 'y' || line[0] == 'Y' ? 1 : 0;
}

void zfd_host_init(struct zfd_sink_inst *si, const char *root, bool pid1)
{
	memset(&si->host, 0, sizeof(si->host));
	si->host.abi = ZFD_SINK_ABI;
	si->host.priv = si;
	si->host.vlog = host_vlog;
	si->host.ask = host_ask;
	si->host.root = root;
	si->host.sink_desc = si->desc;
	si->host.verbosity = zfd_log_verbosity();
	si->host.pid1 = pid1;
}

int zfd_plugin_load(struct zfd_sink_inst *si, const char *dir, const char *type,
		    const config_setting_t *where)
{
	const struct zfd_sink *ops;
	char path[4096], loc[512];
	const char *p;

	zfd_cfg_where(where, loc, sizeof(loc));
	for (p = type; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_')) {
			zfd_log(ZFD_LOG_ERR | ZFD_LOG_PLAIN,
				"%s: bad sink type '%s'", loc, type);
			return -EINVAL;
		}
	}
	if (!*type || strlen(type) >= sizeof(si->type)) {
		zfd_log(ZFD_LOG_ERR | ZFD_LOG_PLAIN, "%s: bad sink type '%s'",
			loc, type);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s.so", dir, type);
	if (access(path, F_OK)) {
		zfd_log(ZFD_LOG_ERR | ZFD_LOG_PLAIN,
			"%s: unknown sink type '%s' (no plugin %s)", loc, type,
			path);
		return -ENOENT;
	}
	si->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!si->dl) {
		zfd_err("plugin %s: cannot load: %s", path, dlerror());
		return -ELIBBAD;
	}
	ops = dlsym(si->dl, ZFD_SINK_SYMBOL);
	if (!ops) {
		zfd_err("plugin %s: no symbol %s: not a zfcpdump sink plugin",
			path, ZFD_SINK_SYMBOL);
		goto out_close;
	}
	if (ops->abi != ZFD_SINK_ABI) {
		zfd_err("%s: sink ABI %u, this zfcpdump needs ABI %u (rebuild it "
			"against the installed zfcpdump/sink.h)",
			path, ops->abi, ZFD_SINK_ABI);
		goto out_close;
	}
	if (ops->size < sizeof(struct zfd_sink) || !ops->name ||
	    strcmp(ops->name, type) || !ops->configure || !ops->prepare ||
	    !ops->open || !ops->write || !ops->finish || !ops->close) {
		zfd_err("plugin %s: malformed descriptor (name '%s')", path,
			ops->name ? ops->name : "");
		goto out_close;
	}
	si->ops = ops;
	snprintf(si->type, sizeof(si->type), "%s", type);
	return 0;

out_close:
	dlclose(si->dl);
	si->dl = NULL;
	return -ELIBBAD;
}

void zfd_plugin_unload(struct zfd_sink_inst *si)
{
	if (si->ctx && si->ops)
		si->ops->close(si->ctx);
	si->ctx = NULL;
	if (si->dl)
		dlclose(si->dl);
	si->dl = NULL;
}
