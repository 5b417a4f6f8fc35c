// SPDX-License-Identifier: GPL-2.0-or-later
/* Typed, line-numbered access to libconfig settings. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "util.h"

void zfd_cfg_where(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *top = s;
	const char *file = config_setting_source_file(s);
	unsigned int line = config_setting_source_line(s);
	const config_setting_t *type;

	if (file && line) {
		snprintf(buf, len, "%s:%u", file, line);
		return;
	}
	/* Command-line sink: find its group and its type. */
	while (top && !config_setting_is_group(top))
		top = config_setting_parent(top);
	type = top ? config_setting_get_member(top, "type") : NULL;
	snprintf(buf, len, "-o %s",
		 type && config_setting_type(type) == CONFIG_TYPE_STRING ?
			 config_setting_get_string(type) :
			 "?");
}

void zfd_cfg_error(const struct zfd_host *host, const config_setting_t *s,
		   const char *fmt, ...)
{
	char where[512], msg[512];
	va_list ap;

	zfd_cfg_where(s, where, sizeof(where));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	zfd_hlog(host, ZFD_LOG_ERR | ZFD_LOG_PLAIN, "%s: %s", where, msg);
}

int zfd_cfg_check_keys(const struct zfd_host *host, const config_setting_t *cfg,
		       const char *const *allowed)
{
	const config_setting_t *m, *t = config_setting_get_member(cfg, "type");
	const char *name, *type = "?";
	int i, j, rc = 0;

	if (t && config_setting_type(t) == CONFIG_TYPE_STRING)
		type = config_setting_get_string(t);

	for (i = 0; (m = config_setting_get_elem(cfg, (unsigned int)i)); i++) {
		name = config_setting_name(m);
		if (!name || strcmp(name, "type") == 0)
			continue;
		for (j = 0; allowed[j]; j++)
			if (strcmp(allowed[j], name) == 0)
				break;
		if (!allowed[j]) {
			zfd_cfg_error(host, m,
				      "unknown key '%s' for sink type '%s'",
				      name, type);
			rc = -EINVAL;
		}
	}
	return rc;
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	case CONFIG_TYPE_GROUP:
		return "a group";
	default:
		return "unknown";
	}
}

int zfd_cfg_string(const struct zfd_host *host, const config_setting_t *cfg,
		   const char *key, const char *def, const char **out)
{
	const config_setting_t *s = config_setting_get_member(cfg, key);

	if (!s) {
		*out = def;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		zfd_cfg_error(host, s, "'%s' must be a string, not %s", key,
			      type_name(config_setting_type(s)));
		return -EINVAL;
	}
	*out = config_setting_get_string(s);
	return 0;
}

int zfd_cfg_bool(const struct zfd_host *host, const config_setting_t *cfg,
		 const char *key, bool def, bool *out)
{
	const config_setting_t *s = config_setting_get_member(cfg, key);
	const char *v;

	if (!s) {
		*out = def;
		return 0;
	}
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_BOOL:
		*out = config_setting_get_bool(s);
		return 0;
	case CONFIG_TYPE_STRING:
		v = config_setting_get_string(s);
		if (!strcmp(v, "true") || !strcmp(v, "yes") ||
		    !strcmp(v, "1")) {
			*out = true;
			return 0;
		}
		if (!strcmp(v, "false") || !strcmp(v, "no") ||
		    !strcmp(v, "0")) {
			*out = false;
			return 0;
		}
		zfd_cfg_error(host, s, "'%s' must be true or false, not '%s'",
			      key, v);
		return -EINVAL;
	default:
		zfd_cfg_error(host, s, "'%s' must be true or false, not %s",
			      key, type_name(config_setting_type(s)));
		return -EINVAL;
	}
}

/*
 * The integer literal of setting s as written in its file, into lit.
 * Returns 0, or -ENOENT when there is no file (-o settings) or the line
 * does not show "key = <number>".
 */
static int cfg_literal(const config_setting_t *s, const char *key, char *lit,
		       size_t len)
{
	const char *file = config_setting_source_file(s);
	unsigned int line = config_setting_source_line(s), nr = 0;
	size_t klen = strlen(key), n;
	char buf[4096], *p;
	FILE *f;
	int rc = -ENOENT;

	if (!file || !line || !klen)
		return -ENOENT;
	f = fopen(file, "r");
	if (!f)
		return -ENOENT;
	while (fgets(buf, sizeof(buf), f) && ++nr < line)
		;
	fclose(f);
	if (nr != line)
		return -ENOENT;
	for (p = strstr(buf, key); p; p = strstr(p + 1, key)) {
		const char *q = p + klen;

		if (p > buf && (isalnum((unsigned char)p[-1]) || p[-1] == '_' ||
				p[-1] == '-' || p[-1] == '*'))
			continue;
		q += strspn(q, " \t");
		if (*q != '=' && *q != ':')
			continue;
		q++;
		q += strspn(q, " \t");
		n = strspn(q, "+-0123456789abcdefABCDEFxXL");
		if (!n || n >= len)
			break;
		memcpy(lit, q, n);
		lit[n] = 0;
		rc = 0;
		break;
	}
	return rc;
}

/*
 * libconfig 1.5 stores an integer literal without an L suffix as a 32-bit
 * int and wraps larger ones silently (5000000000 becomes 705032704, 2^64
 * and more become -1); with the suffix it saturates at 2^63-1. So the
 * value is taken from the literal in the file where there is one.
 * Returns 1 when the literal was not usable (the caller keeps libconfig's
 * value), else 0 or -EINVAL (reported).
 */
static int cfg_literal_number(const struct zfd_host *host,
			      const config_setting_t *s, const char *key,
			      uint64_t *out)
{
	char lit[64], *end;
	unsigned long long v;
	const char *digits;
	int base = 10;

	if (cfg_literal(s, key, lit, sizeof(lit)))
		return 1;
	if (lit[0] == '-') {
		zfd_cfg_error(host, s, "'%s' must not be negative", key);
		return -EINVAL;
	}
	digits = lit + (lit[0] == '+');
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		base = 16;
	errno = 0;
	v = strtoull(digits, &end, base);
	if (end == digits || (*end && strcmp(end, "L") && strcmp(end, "LL")))
		return 1;
	if (errno == ERANGE) {
		zfd_cfg_error(host, s,
			      "'%s' is out of range: %s is too large "
			      "(at most %" PRIu64 ")",
			      key, lit, UINT64_MAX);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int cfg_number(const struct zfd_host *host, const config_setting_t *s,
		      const char *key, bool suffix, uint64_t *out)
{
	long long v;
	const char *str;
	char *end;
	int rc;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		rc = cfg_literal_number(host, s, key, out);
		if (rc <= 0)
			return rc;
		v = config_setting_get_int64(s);
		if (v < 0) {
			zfd_cfg_error(host, s, "'%s' must not be negative",
				      key);
			return -EINVAL;
		}
		*out = (uint64_t)v;
		return 0;
	case CONFIG_TYPE_STRING:
		str = config_setting_get_string(s);
		if (suffix) {
			if (zfd_parse_size(str, out) == 0)
				return 0;
			zfd_cfg_error(
				host, s,
				"'%s' must be a size such as 512M or 4G, not '%s'",
				key, str);
			return -EINVAL;
		}
		errno = 0;
		if (*str >= '0' && *str <= '9') {
			*out = strtoull(str, &end, 10);
			if (!errno && !*end)
				return 0;
		}
		zfd_cfg_error(host, s, "'%s' must be a number, not '%s'", key,
			      str);
		return -EINVAL;
	default:
		zfd_cfg_error(host, s, "'%s' must be %s, not %s", key,
			      suffix ? "a size" : "an integer",
			      type_name(config_setting_type(s)));
		return -EINVAL;
	}
}

int zfd_cfg_uint(const struct zfd_host *host, const config_setting_t *cfg,
		 const char *key, uint64_t def, uint64_t max, uint64_t *out)
{
	const config_setting_t *s = config_setting_get_member(cfg, key);
	int rc;

	if (!s) {
		*out = def;
		return 0;
	}
	rc = cfg_number(host, s, key, false, out);
	if (rc)
		return rc;
	if (*out > max) {
		zfd_cfg_error(host, s, "'%s' must be at most %" PRIu64, key,
			      max);
		return -EINVAL;
	}
	return 0;
}

int zfd_cfg_size(const struct zfd_host *host, const config_setting_t *cfg,
		 const char *key, uint64_t def, uint64_t *out)
{
	const config_setting_t *s = config_setting_get_member(cfg, key);

	if (!s) {
		*out = def;
		return 0;
	}
	return cfg_number(host, s, key, true, out);
}

int zfd_cfg_enum(const struct zfd_host *host, const config_setting_t *cfg,
		 const char *key, const char *const *names, int def, int *out)
{
	const config_setting_t *s = config_setting_get_member(cfg, key);
	char list[256] = "";
	const char *v;
	int i;

	if (!s) {
		*out = def;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		zfd_cfg_error(host, s, "'%s' must be a string, not %s", key,
			      type_name(config_setting_type(s)));
		return -EINVAL;
	}
	v = config_setting_get_string(s);
	for (i = 0; names[i]; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", names[i]);
	}
	zfd_cfg_error(host, s, "'%s' must be one of %s, not '%s'", key, list,
		      v);
	return -EINVAL;
}
