/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libconfig wrapped once: typed getters that report mistakes as
 * "FILE:LINE: message" through the host log and return 0 or -errno
 * (libconfig itself answers CONFIG_TRUE on success).
 *
 * Settings made from the command line (-o TYPE:key=value) have no file;
 * their errors read "-o TYPE: message". There every value arrives as a
 * string, an integer or a boolean, so the getters accept strings for
 * numbers and booleans too.
 */
#ifndef ZFD_CFG_H
#define ZFD_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include <libconfig.h>
#include <zfcpdump/sink.h>

/* "FILE:LINE" or "-o TYPE" of a setting, into buf. */
void zfd_cfg_where(const config_setting_t *s, char *buf, size_t len);

void zfd_cfg_error(const struct zfd_host *host, const config_setting_t *s,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Every member of group cfg must be in allowed (NULL-terminated); "type" is always allowed. */
int zfd_cfg_check_keys(const struct zfd_host *host, const config_setting_t *cfg,
		       const char *const *allowed);

/* Missing keys give the default; a wrong type is an error. */
int zfd_cfg_string(const struct zfd_host *host, const config_setting_t *cfg,
		   const char *key, const char *def, const char **out);
int zfd_cfg_bool(const struct zfd_host *host, const config_setting_t *cfg,
		 const char *key, bool def, bool *out);
int zfd_cfg_uint(const struct zfd_host *host, const config_setting_t *cfg,
		 const char *key, uint64_t def, uint64_t max, uint64_t *out);
/* An integer, or a string with K/M/G/T suffix. */
int zfd_cfg_size(const struct zfd_host *host, const config_setting_t *cfg,
		 const char *key, uint64_t def, uint64_t *out);
/* One of names (NULL-terminated); *out gets its index. */
int zfd_cfg_enum(const struct zfd_host *host, const config_setting_t *cfg,
		 const char *key, const char *const *names, int def, int *out);

#endif /* ZFD_CFG_H */
