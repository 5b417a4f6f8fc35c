// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zfcpdump --json FILE: the run's summary for monitoring, one JSON object
 * (fields in zfcpdump(8)). Written to FILE.tmp and renamed, so a reader
 * never sees half a file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "fmt_s390.h"
#include "manifest.h"
#include "util.h"

static void json_str(FILE *f, const char *s)
{
	zfd_json_str(f, s);
}

static void json_time(FILE *f, int64_t t)
{
	char buf[32];

	if (!t) {
		fputs("null", f);
		return;
	}
	zfd_format_utc(t, buf, sizeof(buf));
	json_str(f, buf);
}

const char *zfd_sink_status(const struct zfd_sink_inst *si)
{
	const struct zfd_result *r = &si->res;

	if (!si->prepared)
		return "not used";
	/* no status (0, sink ABI 2): the pass never reached finish() */
	if (!r->status)
		return "failed";
	return zfd_status_name(r->status);
}

static void json_sink(FILE *f, const struct zfd_sink_inst *si,
		      const struct zfd_json_run *jr)
{
	const struct zfd_result *r = &si->res;
	const char *reason = si->reason[0] ? si->reason : r->reason;

	fputs("    {\n      \"sink\": ", f);
	json_str(f, si->desc);
	fputs(",\n      \"type\": ", f);
	json_str(f, si->type);
	fputs(",\n      \"status\": ", f);
	json_str(f, zfd_sink_status(si));
	if (!si->prepared) {
		fputs(",\n      \"bytes\": 0,\n      \"seconds\": 0,\n"
		      "      \"reason\": null\n    }",
		      f);
		return;
	}
	fprintf(f, ",\n      \"bytes\": %" PRIu64, r->dumped_bytes);
	fprintf(f, ",\n      \"seconds\": %.3f", r->seconds);
	fputs(",\n      \"reason\": ", f);
	if ((!reason || !*reason) && si->rc)
		reason =
			strerror(-si->rc); /* the sink said why on the console */
	json_str(f, reason && *reason ? reason : NULL);
	/* the manifest's fields, as the sink's manifest has them */
	fputs(",\n      \"format\": ", f);
	json_str(f, zfd_format_name(si->format));
	/* a truncated dump holds less than the run's memory */
	fprintf(f, ",\n      \"mem_size\": %" PRIu64,
		r->status == ZFD_STATUS_TRUNCATED ? r->dumped_bytes :
						    jr->mem_size);
	fprintf(f, ",\n      \"dumped_bytes\": %" PRIu64, r->dumped_bytes);
	fprintf(f, ",\n      \"zero_pages\": %" PRIu64, r->zero_pages);
	fprintf(f, ",\n      \"hole_bytes\": %" PRIu64, r->hole_bytes);
	fprintf(f, ",\n      \"lost_bytes\": %" PRIu64, r->lost_bytes);
	fputs(",\n      \"started\": ", f);
	json_time(f, jr->started);
	fputs(",\n      \"finished\": ", f);
	json_time(f, r->finished);
	fputs(",\n      \"digest\": ", f);
	json_str(f, r->digest[0] ? r->digest : NULL);
	fputs("\n    }", f);
}

static int json_write(FILE *f, const struct zfd_json_run *jr)
{
	size_t i;

	fputs("{\n  \"version\": ", f);
	json_str(f, PACKAGE_VERSION);
	fprintf(f, ",\n  \"exit_code\": %d", jr->exit_code);
	fputs(",\n  \"result\": ", f);
	json_str(f, jr->exit_code == 0 ? "complete" : "failed");
	fputs(",\n  \"error\": ", f);
	json_str(f, jr->error);
	fputs(",\n  \"source\": ", f);
	json_str(f, jr->source);
	fputs(",\n  \"mem_size\": ", f);
	if (jr->source)
		fprintf(f, "%" PRIu64, jr->mem_size);
	else
		fputs("null", f);
	fputs(",\n  \"policy\": ", f);
	json_str(f, jr->policy_all ? "all" : "first");
	fputs(",\n  \"started\": ", f);
	json_time(f, jr->started);
	fputs(",\n  \"finished\": ", f);
	json_time(f, jr->finished);
	fputs(",\n  \"sinks\": [", f);
	for (i = 0; i < jr->nr_sinks; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_sink(f, &jr->sinks[i], jr);
	}
	fputs(jr->nr_sinks ? "\n  ]\n}\n" : "]\n}\n", f);
	return ferror(f) ? -EIO : 0;
}

int zfd_json_summary(const char *file, const struct zfd_json_run *jr)
{
	char tmp[4096];
	FILE *f;
	int rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= sizeof(tmp)) {
		zfd_err("--json %s: name too long", file);
		return -ENAMETOOLONG;
	}
	f = fopen(tmp, "we");
	if (!f) {
		rc = -errno;
		zfd_err("--json %s: cannot write: %s", file, strerror(-rc));
		return rc;
	}
	rc = json_write(f, jr);
	if (fflush(f) || fsync(fileno(f)))
		rc = rc ? rc : -errno;
	if (fclose(f))
		rc = rc ? rc : -errno;
	if (!rc && rename(tmp, file))
		rc = -errno;
	if (rc) {
		zfd_err("--json %s: cannot write: %s", file, strerror(-rc));
		unlink(tmp);
	}
	return rc;
}
