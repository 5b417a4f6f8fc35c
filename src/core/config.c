// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's configuration (DESIGN §7): a libconfig file, -s/-o command
 * line replacements and the classic kernel command line overrides.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "core.h"
#include "seal_sink.h"
#include "util.h"

const char *const zfd_action_names[] = {
	[ZFD_ACTION_REIPL] = "reipl",
	[ZFD_ACTION_POWEROFF] = "poweroff",
	[ZFD_ACTION_HALT] = "halt",
	[ZFD_ACTION_SHELL] = "shell",
	[ZFD_ACTION_NONE] = "none",
	[ZFD_ACTION_REBOOT] = "reboot",
	NULL,
};

static const char *const policy_names[] = { "first", "all", NULL };
static const char *const hsa_names[] = { "end", "early", NULL };
static const char *const source_names[] = { "zcore", "vmcore", "file", NULL };

static const char *const top_keys[] = {
	"source",	  "limit",	  "hsa_release",    "policy",
	"progress",	  "final_action", "failure_action", "modules",
	"sinks",	  "device_wait",  "encrypt",	    "compress",
	"compress_level", "dump_level",	  "threads",	    NULL,
};
static const char *const source_keys[] = { "path", "memmap", NULL };
static const char *const progress_keys[] = { "interval", NULL };

/* The fallback when the packed config is unusable (DESIGN §7). */
static const char default_config[] =
	/* no source: zcore, else /proc/vmcore (core.h source_auto) */
	"policy = \"first\";\n"
	"sinks = (\n"
	"  { type = \"extfs\"; device = \"/dev/sda1\"; },\n"
	"  { type = \"raw\"; device = \"/dev/sda2\"; }\n"
	");\n";

/* The core's own settings report through a host without sink prefix. */
static void core_vlog(const struct zfd_host *host, int level, const char *fmt,
		      va_list ap)
{
	zfd_vlog_prefixed(level, NULL, fmt, ap);
}

static const struct zfd_host core_host = {
	.abi = ZFD_SINK_ABI,
	.vlog = core_vlog,
	.root = "/",
	.sink_desc = "zfcpdump",
};

void zfd_config_init(struct zfd_config *c)
{
	memset(c, 0, sizeof(*c));
	config_init(&c->cfg);
	c->source_type = ZFD_SRC_ZCORE;
	c->source_auto = true;
	c->hsa_release = ZFD_HSA_END;
	c->policy = ZFD_POLICY_FIRST;
	c->progress_interval = 10;
	c->final_action = ZFD_ACTION_REIPL;
	c->failure_action = ZFD_ACTION_REIPL;
	c->device_wait = 30;
}

void zfd_config_free(struct zfd_config *c)
{
	config_destroy(&c->cfg);
}

static int parse_sinks(struct zfd_config *c, config_setting_t *list)
{
	config_setting_t *s, *t;
	unsigned int i, n;
	int rc = 0;

	c->nr_sinks = 0;
	if (!list)
		return 0;
	if (!config_setting_is_list(list) && !config_setting_is_array(list)) {
		zfd_cfg_error(&core_host, list,
			      "'sinks' must be a list ( ... ) of groups");
		return -EINVAL;
	}
	n = (unsigned int)config_setting_length(list);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(list, i);
		if (!config_setting_is_group(s)) {
			zfd_cfg_error(&core_host, s,
				      "sink %u must be a group { ... }", i + 1);
			rc = -EINVAL;
			continue;
		}
		t = config_setting_get_member(s, "type");
		if (!t || config_setting_type(t) != CONFIG_TYPE_STRING) {
			zfd_cfg_error(&core_host, s,
				      "sink %u has no 'type' string", i + 1);
			rc = -EINVAL;
			continue;
		}
		if (c->nr_sinks >= ZFD_MAX_SINKS) {
			zfd_cfg_error(&core_host, s, "more than %d sinks",
				      ZFD_MAX_SINKS);
			return -EINVAL;
		}
		c->sinks[c->nr_sinks] = s;
		c->sink_types[c->nr_sinks] = config_setting_get_string(t);
		c->nr_sinks++;
	}
	return rc;
}

int zfd_config_sink_format(const config_setting_t *sink, int *fmt)
{
	const config_setting_t *s = config_setting_get_member(sink, "format");
	enum zfd_format_id id;

	*fmt = -1;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		zfd_cfg_error(&core_host, s,
			      "'format' must be a string: \"s390\", \"elf\" "
			      "or \"kdump\"");
		return -EINVAL;
	}
	if (zfd_format_parse(config_setting_get_string(s), &id)) {
		zfd_cfg_error(&core_host, s,
			      "unknown format '%s' (\"s390\", \"elf\" or "
			      "\"kdump\")",
			      config_setting_get_string(s));
		return -EINVAL;
	}
	*fmt = (int)id;
	return 0;
}

/*
 * The keys compress, compress_level and dump_level of group g (the top
 * level or a sink) over the values in *o. Reports a bad value with its
 * place.
 */
static int parse_output(const config_setting_t *g, struct zfd_outopts *o)
{
	const config_setting_t *c = config_setting_get_member(g, "compress");
	const config_setting_t *l = config_setting_get_member(g,
							      "compress_level");
	char why[128];
	uint64_t v;
	int rc = 0;

	if (c &&
	    (config_setting_type(c) != CONFIG_TYPE_STRING ||
	     zfd_kdump_codec_parse(config_setting_get_string(c), &o->codec))) {
		zfd_cfg_error(&core_host, c,
			      "'compress' must be \"zstd\", \"lzo\", "
			      "\"snappy\", \"zlib\" or \"none\"");
		rc = -EINVAL;
	}
	if (l && config_setting_type(l) != CONFIG_TYPE_INT &&
	    config_setting_type(l) != CONFIG_TYPE_INT64) {
		zfd_cfg_error(&core_host, l,
			      "'compress_level' must be a number");
		rc = -EINVAL;
	} else if (l) {
		o->level = (int)config_setting_get_int64(l);
		if (config_setting_get_int64(l) < -100 ||
		    config_setting_get_int64(l) > 100)
			o->level = 1000;
	}
	if (!rc && l &&
	    zfd_kdump_level_check(o->codec, o->level, why, sizeof(why))) {
		zfd_cfg_error(&core_host, l, "'compress_level': %s", why);
		rc = -EINVAL;
	}
	if (config_setting_get_member(g, "dump_level")) {
		if (zfd_cfg_uint(&core_host, g, "dump_level", 0,
				 ZFD_KDUMP_MAX_LEVEL, &v))
			rc = -EINVAL;
		else
			o->dump_level = (unsigned int)v;
	}
	return rc;
}

int zfd_config_sink_output(const struct zfd_config *c,
			   const config_setting_t *sink, struct zfd_outopts *o)
{
	*o = c->out;
	return parse_output(sink, o);
}

static int parse_modules(struct zfd_config *c, config_setting_t *m)
{
	config_setting_t *e;
	unsigned int i, n;

	c->nr_modules = 0;
	if (!m)
		return 0;
	if (!config_setting_is_array(m) && !config_setting_is_list(m)) {
		zfd_cfg_error(&core_host, m,
			      "'modules' must be an array of strings");
		return -EINVAL;
	}
	n = (unsigned int)config_setting_length(m);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(m, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			zfd_cfg_error(&core_host, m,
				      "'modules' element %u must be a string",
				      i + 1);
			return -EINVAL;
		}
		if (c->nr_modules >= ZFD_MAX_MODULES) {
			zfd_cfg_error(&core_host, m, "more than %d modules",
				      ZFD_MAX_MODULES);
			return -EINVAL;
		}
		c->modules[c->nr_modules++] = config_setting_get_string(e);
	}
	return 0;
}

static int parse_group(config_setting_t *g, const char *name)
{
	if (g && !config_setting_is_group(g)) {
		zfd_cfg_error(&core_host, g, "'%s' must be a group { ... }",
			      name);
		return -EINVAL;
	}
	return 0;
}

static int parse_source(struct zfd_config *c, config_setting_t *src)
{
	int type, rc;

	if (!src)
		return 0;
	c->source_auto = false;
	rc = parse_group(src, "source");
	if (!rc)
		rc = zfd_cfg_check_keys(&core_host, src, source_keys);
	if (!rc)
		rc = zfd_cfg_enum(&core_host, src, "type", source_names,
				  ZFD_SRC_ZCORE, &type);
	if (rc)
		return rc;
	c->source_type = (enum zfd_source_type)type;
	rc = zfd_cfg_string(&core_host, src, "path", NULL, &c->source_path);
	if (!rc)
		rc = zfd_cfg_string(&core_host, src, "memmap", NULL,
				    &c->source_memmap);
	if (rc)
		return rc;
	if (c->source_type == ZFD_SRC_FILE && !c->source_path) {
		zfd_cfg_error(&core_host, src,
			      "source type \"file\" needs 'path'");
		return -EINVAL;
	}
	if (c->source_type == ZFD_SRC_ZCORE && c->source_path) {
		zfd_cfg_error(
			&core_host, src,
			"'path' is only for source types \"file\" and \"vmcore\"");
		return -EINVAL;
	}
	if (c->source_type != ZFD_SRC_FILE && c->source_memmap) {
		zfd_cfg_error(&core_host, src,
			      "'memmap' is only for source type \"file\"");
		return -EINVAL;
	}
	return 0;
}

/* Top-level encrypt = { recipient = "PATH.pub"; }: checked here once. */
static int parse_encrypt(config_setting_t *root)
{
	struct zfd_seal_cfg sc;
	int rc;

	rc = zfd_seal_cfg_parse(&core_host, root, &sc);
	zfd_seal_cfg_free(&sc);
	return rc;
}

/* Interprets the parsed tree; every problem is reported, not just the first. */
static int config_interpret(struct zfd_config *c)
{
	config_setting_t *root = config_root_setting(&c->cfg);
	config_setting_t *prog = config_setting_get_member(root, "progress");
	uint64_t v;
	int e, rc = 0;

	if (zfd_cfg_check_keys(&core_host, root, top_keys))
		rc = -EINVAL;
	if (parse_source(c, config_setting_get_member(root, "source")))
		rc = -EINVAL;
	if (zfd_cfg_size(&core_host, root, "limit", 0, &c->limit))
		rc = -EINVAL;
	if (zfd_cfg_enum(&core_host, root, "hsa_release", hsa_names,
			 ZFD_HSA_END, &e))
		rc = -EINVAL;
	else
		c->hsa_release = (enum zfd_hsa_release)e;
	if (zfd_cfg_enum(&core_host, root, "policy", policy_names,
			 ZFD_POLICY_FIRST, &e))
		rc = -EINVAL;
	else
		c->policy = (enum zfd_policy)e;
	if (parse_group(prog, "progress") ||
	    (prog && zfd_cfg_check_keys(&core_host, prog, progress_keys)))
		rc = -EINVAL;
	else if (prog &&
		 zfd_cfg_uint(&core_host, prog, "interval", 10, 86400, &v))
		rc = -EINVAL;
	else if (prog)
		c->progress_interval = (unsigned int)v;
	if (zfd_cfg_enum(&core_host, root, "final_action", zfd_action_names,
			 ZFD_ACTION_REIPL, &e))
		rc = -EINVAL;
	else
		c->final_action = (enum zfd_action)e;
	if (zfd_cfg_enum(&core_host, root, "failure_action", zfd_action_names,
			 ZFD_ACTION_REIPL, &e))
		rc = -EINVAL;
	else
		c->failure_action = (enum zfd_action)e;
	if (zfd_cfg_uint(&core_host, root, "device_wait", 30, 3600, &v))
		rc = -EINVAL;
	else
		c->device_wait = (unsigned int)v;
	if (parse_modules(c, config_setting_get_member(root, "modules")))
		rc = -EINVAL;
	if (parse_sinks(c, config_setting_get_member(root, "sinks")))
		rc = -EINVAL;
	if (parse_encrypt(root))
		rc = -EINVAL;
	if (zfd_cfg_uint(&core_host, root, "threads", ZFD_THREADS_AUTO,
			 ZFD_MAX_THREADS, &v))
		rc = -EINVAL;
	else
		c->threads = (unsigned int)v;
	c->out.codec = ZFD_KDUMP_C_ZSTD;
	c->out.level = 0;
	c->out.dump_level = 0;
	if (parse_output(root, &c->out))
		rc = -EINVAL;
	return rc;
}

int zfd_config_inherit_encrypt(struct zfd_config *c)
{
	config_setting_t *root = config_root_setting(&c->cfg);
	config_setting_t *enc = config_setting_get_member(root, "encrypt");
	config_setting_t *g, *r;
	const char *path;
	size_t i;

	if (!enc)
		return 0;
	r = config_setting_get_member(enc, "recipient");
	if (!r || config_setting_type(r) != CONFIG_TYPE_STRING)
		return -EINVAL;
	path = config_setting_get_string(r);
	for (i = 0; i < c->nr_sinks; i++) {
		if (config_setting_get_member(c->sinks[i], "encrypt"))
			continue; /* the sink's own setting wins */
		g = config_setting_add(c->sinks[i], "encrypt",
				       CONFIG_TYPE_GROUP);
		r = g ? config_setting_add(g, "recipient", CONFIG_TYPE_STRING) :
			NULL;
		if (!r || config_setting_set_string(r, path) != CONFIG_TRUE)
			return -ENOMEM;
	}
	return 0;
}

int zfd_config_load(struct zfd_config *c, const char *file)
{
	c->file = file;
	if (config_read_file(&c->cfg, file) != CONFIG_TRUE) {
		if (config_error_type(&c->cfg) == CONFIG_ERR_FILE_IO) {
			zfd_log(ZFD_LOG_ERR | ZFD_LOG_PLAIN,
				"%s: cannot read config: %s", file,
				strerror(errno ? errno : EIO));
			return -ENOENT;
		}
		zfd_log(ZFD_LOG_ERR | ZFD_LOG_PLAIN, "%s:%d: %s",
			config_error_file(&c->cfg) ?
				config_error_file(&c->cfg) :
				file,
			config_error_line(&c->cfg), config_error_text(&c->cfg));
		return -EINVAL;
	}
	c->parsed = true;
	return config_interpret(c);
}

int zfd_config_load_default(struct zfd_config *c)
{
	config_destroy(&c->cfg);
	config_init(&c->cfg);
	c->file = "(built-in)";
	if (config_read_string(&c->cfg, default_config) != CONFIG_TRUE)
		return -EINVAL;
	c->parsed = true;
	return config_interpret(c);
}

/* Adds key=value to group g, typed as bool, integer or string. */
static int add_value(config_setting_t *g, const char *key, const char *val)
{
	config_setting_t *s;
	const char *p;
	bool digits = *val != 0;

	for (p = val; *p; p++)
		if (*p < '0' || *p > '9')
			digits = false;
	if (config_setting_get_member(g, key))
		return -EEXIST;
	if (!strcmp(val, "true") || !strcmp(val, "false")) {
		s = config_setting_add(g, key, CONFIG_TYPE_BOOL);
		return s && config_setting_set_bool(s, !strcmp(val, "true")) ?
			       0 :
			       -EINVAL;
	}
	if (digits && strlen(val) < 19) {
		s = config_setting_add(g, key, CONFIG_TYPE_INT64);
		return s && config_setting_set_int64(s,
						     strtoll(val, NULL, 10)) ?
			       0 :
			       -EINVAL;
	}
	s = config_setting_add(g, key, CONFIG_TYPE_STRING);
	return s && config_setting_set_string(s, val) ? 0 : -EINVAL;
}

int zfd_config_set_sinks(struct zfd_config *c, char **specs, size_t nr)
{
	config_setting_t *root = config_root_setting(&c->cfg), *list, *g, *t;
	char *spec, *colon, *kv, *save = NULL, *eq;
	size_t i;
	int rc;

	if (config_setting_get_member(root, "sinks"))
		config_setting_remove(root, "sinks");
	list = config_setting_add(root, "sinks", CONFIG_TYPE_LIST);
	if (!list)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		spec = strdup(specs[i]);
		if (!spec)
			return -ENOMEM;
		colon = strchr(spec, ':');
		if (colon)
			*colon = 0;
		if (!*spec) {
			zfd_err("-o %s: expected TYPE:key=value,...", specs[i]);
			free(spec);
			return -EINVAL;
		}
		/* the type is a name, even "123" or "true": the plugin loader
		 * then says that there is no such sink type */
		g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		t = g ? config_setting_add(g, "type", CONFIG_TYPE_STRING) :
			NULL;
		rc = t && config_setting_set_string(t, spec) ? 0 : -ENOMEM;
		for (kv = colon ? strtok_r(colon + 1, ",", &save) : NULL;
		     !rc && kv; kv = strtok_r(NULL, ",", &save)) {
			eq = strchr(kv, '=');
			if (!eq || eq == kv) {
				zfd_err("-o %s: '%s' is not key=value",
					specs[i], kv);
				rc = -EINVAL;
				break;
			}
			*eq = 0;
			rc = add_value(g, kv, eq + 1);
			if (rc == -EEXIST)
				zfd_err("-o %s: key '%s' given twice", specs[i],
					kv);
			else if (rc)
				zfd_err("-o %s: bad value for '%s'", specs[i],
					kv);
		}
		free(spec);
		if (rc)
			return rc;
	}
	return parse_sinks(c, list);
}

int zfd_config_set_source(struct zfd_config *c, const char *spec)
{
	config_setting_t *root = config_root_setting(&c->cfg);
	const char *memmap;
	char *path;

	c->source_path = NULL;
	c->source_memmap = NULL;
	c->source_auto = false;
	if (!strcmp(spec, "zcore")) {
		c->source_type = ZFD_SRC_ZCORE;
		return 0;
	}
	if (!strcmp(spec, "vmcore")) {
		c->source_type = ZFD_SRC_VMCORE;
		return 0;
	}
	if (strncmp(spec, "file:", 5) || !spec[5]) {
		zfd_err("-s %s: expected zcore, vmcore or file:PATH[,memmap=PATH]",
			spec);
		return -EINVAL;
	}
	/* Keep the strings alive with the config: store them in it. */
	path = strdup(spec + 5);
	if (!path)
		return -ENOMEM;
	memmap = strstr(path, ",memmap=");
	if (memmap) {
		path[memmap - path] = 0;
		memmap += 8;
		if (!*memmap) {
			zfd_err("-s %s: empty memmap path", spec);
			free(path);
			return -EINVAL;
		}
	}
	if (config_setting_get_member(root, "source"))
		config_setting_remove(root, "source");
	{
		config_setting_t *g = config_setting_add(root, "source",
							 CONFIG_TYPE_GROUP);
		config_setting_t *s;

		if (!g)
			goto out_nomem;
		s = config_setting_add(g, "path", CONFIG_TYPE_STRING);
		if (!s || !config_setting_set_string(s, path))
			goto out_nomem;
		c->source_path = config_setting_get_string(s);
		if (memmap) {
			s = config_setting_add(g, "memmap", CONFIG_TYPE_STRING);
			if (!s || !config_setting_set_string(s, memmap))
				goto out_nomem;
			c->source_memmap = config_setting_get_string(s);
		}
	}
	free(path);
	c->source_type = ZFD_SRC_FILE;
	return 0;
out_nomem:
	free(path);
	return -ENOMEM;
}

int zfd_cmdline_parse(struct zfd_cmdline *cl, const char *text)
{
	char *w, *save = NULL;
	long part;
	char *end;
	int rc = 0;

	memset(cl, 0, sizeof(*cl));
	cl->dump_part = -1;
	snprintf(cl->buf, sizeof(cl->buf), "%s", text);
	for (w = strtok_r(cl->buf, " \t\n", &save); w;
	     w = strtok_r(NULL, " \t\n", &save)) {
		if (!strncmp(w, "dump_part=", 10)) {
			part = strtol(w + 10, &end, 10);
			if (*end || part < 1 || part > 15) {
				zfd_warn("kernel command line: ignoring bad %s (1..15)",
					 w);
				rc = -EINVAL;
				continue;
			}
			cl->dump_part = (int)part;
		} else if (!strncmp(w, "dump_dir=", 9)) {
			cl->dump_dir = w + 9;
		} else if (!strncmp(w, "dump_mem=", 9)) {
			if (zfd_parse_size(w + 9, &cl->dump_mem)) {
				zfd_warn("kernel command line: ignoring bad %s",
					 w);
				rc = -EINVAL;
				continue;
			}
			cl->have_mem = true;
		} else if (!strncmp(w, "dump_mode=", 10)) {
			if (strcmp(w + 10, "auto") &&
			    strcmp(w + 10, "interactive")) {
				zfd_warn("kernel command line: ignoring bad %s (auto|interactive)",
					 w);
				rc = -EINVAL;
				continue;
			}
			cl->dump_mode = w + 10;
		} else if (!strncmp(w, "dump_debug=", 11)) {
			part = strtol(w + 11, &end, 10);
			if (*end || part < 1 || part > 6) {
				zfd_warn("kernel command line: ignoring bad %s (1..6)",
					 w);
				rc = -EINVAL;
				continue;
			}
			cl->dump_debug = (int)part;
		}
	}
	return rc;
}

int zfd_cmdline_read(struct zfd_cmdline *cl, const char *file)
{
	char text[4096];
	size_t n;
	FILE *f = fopen(file, "r");

	if (!f) {
		zfd_warn("cannot read kernel command line %s: %s", file,
			 strerror(errno));
		zfd_cmdline_parse(cl, "");
		return -errno;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	return zfd_cmdline_parse(cl, text);
}

static int set_string(config_setting_t *g, const char *key, const char *val)
{
	config_setting_t *s;

	if (config_setting_get_member(g, key))
		config_setting_remove(g, key);
	s = config_setting_add(g, key, CONFIG_TYPE_STRING);
	return s && config_setting_set_string(s, val) ? 0 : -ENOMEM;
}

int zfd_config_apply_cmdline(struct zfd_config *c, const struct zfd_cmdline *cl)
{
	config_setting_t *root = config_root_setting(&c->cfg), *list, *g = NULL;
	char dev[32];
	size_t i;
	int rc = 0;

	if (cl->have_mem) {
		c->limit = cl->dump_mem;
		zfd_info("kernel command line: dump_mem=%" PRIu64 " bytes",
			 cl->dump_mem);
	}
	c->debug_level = cl->dump_debug;
	if (cl->dump_part < 0 && !cl->dump_dir && !cl->dump_mode)
		return 0;
	for (i = 0; i < c->nr_sinks; i++) {
		if (!strcmp(c->sink_types[i], "extfs")) {
			g = c->sinks[i];
			break;
		}
	}
	if (!g) {
		if (cl->dump_part < 0) {
			zfd_warn("kernel command line: dump_dir/dump_mode given but no extfs sink configured");
			return 0;
		}
		/* The classic meaning of dump_part: dump to /dev/sdaN first. */
		list = config_setting_get_member(root, "sinks");
		if (!list)
			list = config_setting_add(root, "sinks",
						  CONFIG_TYPE_LIST);
		if (!list || c->nr_sinks >= ZFD_MAX_SINKS)
			return -ENOMEM;
		g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		if (!g || set_string(g, "type", "extfs"))
			return -ENOMEM;
		/* Move it to the front: it is tried first. */
		memmove(c->sinks + 1, c->sinks,
			c->nr_sinks * sizeof(c->sinks[0]));
		memmove(c->sink_types + 1, c->sink_types,
			c->nr_sinks * sizeof(c->sink_types[0]));
		c->sinks[0] = g;
		c->sink_types[0] = "extfs";
		c->nr_sinks++;
	}
	if (cl->dump_part > 0) {
		snprintf(dev, sizeof(dev), "/dev/sda%d", cl->dump_part);
		if (!rc)
			rc = set_string(g, "device", dev);
		zfd_info("kernel command line: extfs device %s", dev);
	}
	if (cl->dump_dir) {
		if (!rc)
			rc = set_string(g, "dir", cl->dump_dir);
		zfd_info("kernel command line: extfs dir %s", cl->dump_dir);
	}
	if (cl->dump_mode) {
		if (!rc)
			rc = set_string(g, "on_full",
					strcmp(cl->dump_mode, "auto") ?
						"ask" :
						"delete-oldest");
		zfd_info("kernel command line: dump_mode=%s", cl->dump_mode);
	}
	return rc;
}
