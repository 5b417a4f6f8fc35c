// SPDX-License-Identifier: GPL-2.0-or-later
/* zfcpdump-get info DUMP [--json] */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "get.h"
#include "util.h"

static const char *arch_name(uint32_t arch)
{
	switch (arch) {
	case ZFD_S390_ARCH_S390:
		return "s390";
	case ZFD_S390_ARCH_S390X:
		return "s390x";
	default:
		return "unknown";
	}
}

/* The architecture: the dump model's where the input has one. */
static const char *dump_arch(const struct get_in *in, char *buf, size_t len)
{
	if (in->dump.machine)
		return zfd_dump_arch(&in->dump, buf, len);
	return arch_name(in->hdr.arch);
}

/*
 * The kernel release: the dump's VMCOREINFO, else what the daemon put in
 * the manifest (an s390 dump of a vmcore source keeps no notes); or "".
 */
static const char *kernel_of(const struct get_in *in)
{
	const char *k;

	if (in->dump.kernel[0])
		return in->dump.kernel;
	k = in->man_ok ? zfd_manifest_get(&in->man, "kernel") : NULL;
	return k ? k : "";
}

static bool is_s390(const struct get_in *in)
{
	return in->hdr.arch == ZFD_S390_ARCH_S390 ||
	       in->hdr.arch == ZFD_S390_ARCH_S390X;
}

static unsigned int cpu_count(const struct get_in *in)
{
	if (in->dump.machine && !is_s390(in))
		return (unsigned int)ZFD_MIN(in->dump.nr_cpus,
					     (size_t)UINT_MAX);
	return in->hdr.cpu_cnt > ZFD_S390_MAX_CPUS ? ZFD_S390_MAX_CPUS :
						     in->hdr.cpu_cnt;
}

/* The codec of a kdump header's status flags. */
static const char *codec_of(uint32_t status)
{
	return status & ZFD_KDUMP_ZSTD	 ? "zstd" :
	       status & ZFD_KDUMP_LZO	 ? "lzo" :
	       status & ZFD_KDUMP_SNAPPY ? "snappy" :
	       status & ZFD_KDUMP_ZLIB	 ? "zlib" :
					   "none";
}

/* A kdump flattened stream: what the stream and its header say. */
static void print_kstream(const struct get_in *in)
{
	const struct get_kstream *ks = in->kstream;
	const struct zfd_kdump_info *ki = ks->readable ? get_in_kdump_info(in) :
							 NULL;

	printf("Format:        kdump (flattened stream, %" PRIu64
	       " bytes, %" PRIu64 " records, end record %s)\n",
	       ks->size, ks->records, ks->ended ? "ok" : "missing");
	if (ks->have_hdr)
		printf("Compress:      %s\n", codec_of(ks->hdr_status));
	if (ki)
		printf("Dump level:    %" PRIu32 "\n", ki->dump_level);
}

static void print_human(const struct get_in *in, enum get_status st,
			const char *reason)
{
	char created[32], ended[32], arch[32], crashed[40];
	unsigned int i;
	size_t k;

	get_tod_str(in->hdr.tod, created, sizeof(created));
	get_tod_str(in->end == GET_END_OK ? in->end_tod : 0, ended,
		    sizeof(ended));
	printf("Dump:          %s\n", in->name);
	printf("Input:         %s\n", in->ops->kind);
	if (in->kstream)
		print_kstream(in);
	else if (is_s390(in) && strcmp(in->format, "s390") == 0)
		printf("Format:        %s (s390 header version %" PRIu32 ")\n",
		       in->format, in->hdr.version);
	else
		printf("Format:        %s\n", in->format);
	printf("Status:        %s%s%s\n", get_status_name(st),
	       reason[0] ? ": " : "", reason);
	printf("Created:       %s\n", created);
	printf("Ended:         %s\n", ended);
	if (is_s390(in))
		printf("CPU id:        0x%016" PRIx64 "\n", in->hdr.cpu_id);
	printf("Arch:          %s\n", dump_arch(in, arch, sizeof(arch)));
	if (kernel_of(in)[0])
		printf("Kernel:        %s\n", kernel_of(in));
	if (in->dump.crash_time) {
		zfd_format_utc(in->dump.crash_time, crashed, sizeof(crashed));
		printf("Crashed:       %s\n", crashed);
	}
	printf("CPUs:          %u\n", cpu_count(in));
	for (i = 0; is_s390(in) && i < cpu_count(in); i++)
		printf("  CPU %-3u      prefix 0x%08" PRIx32 "\n", i,
		       in->hdr.lc_vec[i]);
	printf("Memory size:   %" PRIu64 " bytes (%.1f MiB)\n",
	       in->hdr.mem_size, in->hdr.mem_size / 1048576.0);
	printf("Memory:        0x%016" PRIx64 "-0x%016" PRIx64 "\n",
	       in->hdr.mem_start, in->hdr.mem_end);
	for (k = 0; k < in->nr_ranges; k++)
		printf("  chunk        0x%016" PRIx64 "-0x%016" PRIx64
		       " (%.1f MiB)\n",
		       in->ranges[k].start,
		       in->ranges[k].start + in->ranges[k].size - 1,
		       in->ranges[k].size / 1048576.0);
	if (in->mem_avail != UINT64_MAX)
		printf("Present:       %" PRIu64 " memory bytes\n",
		       in->mem_avail);
	if (!in->man_text) {
		printf("Manifest:      none\n");
		return;
	}
	printf("Manifest:      %s%s%s\n", in->man_where,
	       in->man_ok ? "" : ", malformed: ",
	       in->man_ok ? "" : in->man_why);
	for (k = 0; in->man_ok && k < in->man.nr; k++)
		printf("  %-13s%s\n", in->man.kv[k].key, in->man.kv[k].value);
}

static void json_u64(const char *key, uint64_t v, bool comma)
{
	printf("  \"%s\": %" PRIu64 "%s\n", key, v, comma ? "," : "");
}

static void json_str(const char *key, const char *v, bool comma)
{
	printf("  \"%s\": ", key);
	get_json_str(stdout, v);
	printf("%s\n", comma ? "," : "");
}

static void print_json(const struct get_in *in, enum get_status st,
		       const char *reason)
{
	char buf[64];
	unsigned int i;
	size_t k;

	printf("{\n");
	json_str("dump", in->name, true);
	json_str("input", in->ops->kind, true);
	json_str("format", in->format, true);
	json_u64("version", in->hdr.version, true);
	json_str("status", get_status_name(st), true);
	json_str("reason", reason, true);
	get_tod_str(in->hdr.tod, buf, sizeof(buf));
	json_str("created", buf, true);
	get_tod_str(in->end == GET_END_OK ? in->end_tod : 0, buf, sizeof(buf));
	json_str("ended", buf, true);
	snprintf(buf, sizeof(buf), "0x%016" PRIx64, in->hdr.cpu_id);
	json_str("cpu_id", buf, true);
	json_str("arch", dump_arch(in, buf, sizeof(buf)), true);
	json_str("kernel", kernel_of(in), true);
	if (in->dump.crash_time)
		zfd_format_utc(in->dump.crash_time, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "-");
	json_str("crashed", buf, true);
	json_u64("cpu_count", cpu_count(in), true);
	printf("  \"prefixes\": [");
	for (i = 0; is_s390(in) && i < cpu_count(in); i++)
		printf("%s%" PRIu32, i ? ", " : "", in->hdr.lc_vec[i]);
	printf("],\n");
	json_u64("mem_size", in->hdr.mem_size, true);
	json_u64("mem_start", in->hdr.mem_start, true);
	json_u64("mem_end", in->hdr.mem_end, true);
	printf("  \"memory_map\": [");
	for (k = 0; k < in->nr_ranges; k++)
		printf("%s{\"start\": %" PRIu64 ", \"size\": %" PRIu64 "}",
		       k ? ", " : "", in->ranges[k].start, in->ranges[k].size);
	printf("],\n");
	if (in->mem_avail != UINT64_MAX)
		json_u64("mem_present", in->mem_avail, true);
	json_str("end_marker",
		 in->end == GET_END_OK	    ? "ok" :
		 in->end == GET_END_UNKNOWN ? "unknown" :
					      "missing",
		 true);
	if (in->kstream) {
		json_u64("stream_size", in->kstream->size, true);
		json_u64("stream_records", in->kstream->records, true);
		json_str("end_record", in->kstream->ended ? "ok" : "missing",
			 true);
		json_str("stream_digest", in->kstream->digest, true);
	}
	if (!in->man_text) {
		printf("  \"manifest\": null\n}\n");
		return;
	}
	printf("  \"manifest\": {\n  ");
	json_str("where", in->man_where, true);
	printf("  ");
	json_str("error", in->man_ok ? "" : in->man_why, true);
	printf("    \"fields\": {");
	for (k = 0; in->man_ok && k < in->man.nr; k++) {
		printf("%s\n      ", k ? "," : "");
		get_json_str(stdout, in->man.kv[k].key);
		printf(": ");
		get_json_str(stdout, in->man.kv[k].value);
	}
	printf("%s}\n  }\n}\n", in->man_ok && in->man.nr ? "\n    " : "");
}

int get_cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char reason[GET_WHY_LEN * 2];
	struct get_in *in;
	enum get_status st;
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			printf("usage: zfcpdump-get info DUMP [--json]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		get_err("usage: zfcpdump-get info DUMP [--json]");
		return 2;
	}
	c = get_sealed_info(argv[optind], json);
	if (c != -ENODEV)
		return c ? 1 : (fflush(stdout) == 0 ? 0 : 1);
	if (get_in_open(argv[optind], &in))
		return 1;
	if (in->end == GET_END_UNKNOWN && in->ops->load_tail)
		in->ops->load_tail(in);
	st = get_in_status(in, reason, sizeof(reason));
	if (json)
		print_json(in, st, reason);
	else
		print_human(in, st, reason);
	get_in_close(in);
	return fflush(stdout) == 0 ? 0 : 1;
}
