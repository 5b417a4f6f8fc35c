// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zfcpdump-get copy DUMP OUT [-f s390|elf|kdump|kdump-flat]
 *	[-c zstd|lzo|snappy|zlib|none] [-l LEVEL] [--force] [-q]
 * OUT "-" is stdout. A regular output file gets holes for zero pages; a
 * failed copy removes it, so that no partial output is left to look
 * complete. An s390 copy of a dump with a manifest also writes OUT.info.
 * Output files are 0640 (an existing one loses any wider permission), and
 * neither OUT nor OUT.info may be a file the input reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "get.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: zfcpdump-get copy DUMP OUT "
		   "[-f s390|elf|kdump|kdump-flat]\n"
		   "         [-c zstd|lzo|snappy|zlib|none] [-l LEVEL] [-v] "
		   "[--force] [-q] [--key FILE]\n");
}

/* Mode of every output file: 0640, or stricter if it already was. */
#define OUT_MODE 0640

/*
 * An existing output file keeps no permission beyond 0640: a dump holds
 * all of the crashed system's memory.
 */
static int restrict_mode(int fd, const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || !(st->st_mode & 07777 & ~OUT_MODE))
		return 0;
	return fchmod(fd, st->st_mode & OUT_MODE) == 0 ? 0 : -errno;
}

/* True (and says so) if name exists and is a file the input reads. */
static bool is_input(const struct get_in *in, const char *name)
{
	struct stat st;

	if (stat(name, &st) != 0 || !get_in_reads_file(in, &st))
		return false;
	get_err("%s: is the input itself (or a link to it): refusing to "
		"overwrite it",
		name);
	return true;
}

static int write_info(const char *name, const struct get_in *in)
{
	size_t len = strlen(in->man_text);
	struct stat st;
	int fd, rc = 0;

	fd = open(name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, OUT_MODE);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
	} else if (get_in_reads_file(in, &st)) {
		rc = -EEXIST;
	} else {
		rc = restrict_mode(fd, &st);
		if (!rc && S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0)
			rc = -errno;
	}
	if (!rc && zfd_pwrite_full(fd, in->man_text, len, 0) != (ssize_t)len)
		rc = -EIO;
	if (close(fd) != 0 && !rc)
		rc = -errno;
	return rc;
}

int get_cmd_copy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "force", no_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "compress", required_argument, NULL, 'c' },
		{ "compress-level", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char reason[GET_WHY_LEN * 2], info[4096];
	const char *fmt = "s390", *dump, *oname, *codec = "zstd";
	const char *key = NULL, *orig;
	char why[GET_WHY_LEN], *end;
	char tmp[PATH_MAX + 32] = "";
	bool bad = false;
	long level = 0;
	struct get_out out = { .fd = -1 };
	struct get_in *in;
	enum get_status st;
	bool force = false, created = false, with_info, begun = false;
	bool quiet = false;
	struct get_progress pg;
	uint64_t want;
	struct stat sb;
	int c, rc, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:c:l:vqk:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'f':
			fmt = optarg;
			break;
		case 'c':
			codec = optarg;
			break;
		case 'l':
			errno = 0;
			level = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || level < -100 ||
			    level > 100) {
				get_err("compress level '%s' is not a number",
					optarg);
				return 2;
			}
			break;
		case 'v':
			out.verbose = true;
			break;
		case 'F':
			force = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 2 != argc) {
		usage(stderr);
		return 2;
	}
	dump = argv[optind];
	oname = argv[optind + 1];
	if (strcmp(fmt, "s390") == 0) {
		out.ops = &get_out_s390_ops;
	} else if (strcmp(fmt, "elf") == 0) {
		out.ops = &get_out_elf_ops;
	} else if (strcmp(fmt, "kdump") == 0 ||
		   strcmp(fmt, "kdump-flat") == 0) {
		out.ops = &get_out_kdump_ops;
		out.kdump.flat = strcmp(fmt, "kdump-flat") == 0;
	} else {
		get_err("unknown output format '%s' (s390, elf, kdump or "
			"kdump-flat)",
			fmt);
		return 2;
	}
	if (zfd_kdump_codec_parse(codec, &out.kdump.codec)) {
		get_err("unknown compression '%s' (zstd, lzo, snappy, zlib or "
			"none)",
			codec);
		return 2;
	}
	out.kdump.level = (int)level;
	if (zfd_kdump_level_check(out.kdump.codec, out.kdump.level, why,
				  sizeof(why))) {
		get_err("%s", why);
		return 2;
	}
	/* a codec library loaded on demand (snappy) that does not load:
	 * said once, before any output exists */
	if (out.ops == &get_out_kdump_ops &&
	    zfd_kdump_codec_load(out.kdump.codec, why, sizeof(why))) {
		get_err("%s", why);
		return 1;
	}
	/* a sealed dump: decrypted beside OUT, then copied as usual */
	orig = dump;
	rc = get_sealed_decrypt(dump, key, oname, tmp, sizeof(tmp), &bad);
	if (rc != 0 && rc != -ENODEV)
		return 1;
	if (rc == 0) {
		dump = tmp;
	} else if (key) {
		get_err("%s: not a sealed dump (--key is for sealed dumps)",
			dump);
		return 1;
	}
	if (get_in_open(dump, &in)) {
		if (tmp[0])
			unlink(tmp);
		return 1;
	}
	if (in->kstream && !in->kstream->readable) {
		get_err("%s: %s: nothing to convert", orig,
			get_kstream_reason(in));
		goto out_close_in;
	}
	if (out.ops == &get_out_s390_ops &&
	    in->hdr.arch != ZFD_S390_ARCH_S390 &&
	    in->hdr.arch != ZFD_S390_ARCH_S390X) {
		char arch[32];

		get_err("%s: a%s %s dump cannot be written in the s390 format "
			"(s390 dumps only); use -f elf",
			orig, in->dump.kernel[0] ? " Linux" : "n",
			zfd_dump_arch(&in->dump, arch, sizeof(arch)));
		goto out_close_in;
	}

	st = get_in_status(in, reason, sizeof(reason));
	if (in->end != GET_END_UNKNOWN && st != GET_ST_COMPLETE &&
	    st != GET_ST_TRUNCATED) {
		if (out.ops == &get_out_elf_ops && !force) {
			get_err("%s: %s; an ELF core would hide that, "
				"use --force to convert it anyway",
				orig, reason);
			goto out_close_in;
		}
		get_warn("%s: copying a dump that is not complete: %s", orig,
			 reason);
	}

	/*
	 * The manifest goes beside an s390 copy of an s390 dump (an ELF
	 * input's manifest digest covers an s390 header the copy rebuilds).
	 */
	with_info = out.ops == &get_out_s390_ops &&
		    strcmp(in->format, "s390") == 0 && strcmp(oname, "-") != 0;
	if (with_info && snprintf(info, sizeof(info), "%s.info", oname) >=
				 (int)sizeof(info)) {
		get_err("%s.info: %s", oname, strerror(ENAMETOOLONG));
		goto out_close_in;
	}
	/* never open for writing what the input reads (also hard links) */
	if (is_input(in, oname) || (with_info && is_input(in, info)))
		goto out_close_in;

	out.name = oname;
	if (strcmp(oname, "-") == 0) {
		out.fd = STDOUT_FILENO;
		if (fstat(out.fd, &sb) == 0 && get_in_reads_file(in, &sb)) {
			get_err("standard output is the input itself");
			goto out_close_in;
		}
	} else {
		if (stat(oname, &sb) != 0)
			created = true;
		out.fd = open(oname, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY,
			      OUT_MODE);
		if (out.fd < 0) {
			get_err("%s: cannot open: %s", oname, strerror(errno));
			goto out_close_in;
		}
		if (fstat(out.fd, &sb) != 0) {
			get_err("%s: cannot stat: %s", oname, strerror(errno));
			goto out_close_out;
		}
		if (get_in_reads_file(in, &sb)) {
			/* it appeared between the check and the open */
			get_err("%s: is the input itself (or a link to it): "
				"refusing to overwrite it",
				oname);
			goto out_close_out;
		}
		if (S_ISREG(sb.st_mode)) {
			rc = restrict_mode(out.fd, &sb);
			if (rc) {
				get_err("%s: cannot restrict its mode to "
					"0640: %s",
					oname, strerror(-rc));
				goto out_close_out;
			}
			if (ftruncate(out.fd, 0) != 0) {
				get_err("%s: cannot truncate: %s", oname,
					strerror(errno));
				goto out_close_out;
			}
			out.sparse = true;
		}
	}

	/*
	 * kdump to kdump: the pages the input's dump level left out stay
	 * out (GET_MEM_ABSENT), and the header says that level
	 */
	if (out.ops == &get_out_kdump_ops && get_in_kdump_info(in))
		out.kdump.dump_level = get_in_kdump_info(in)->dump_level;
	rc = out.ops->begin(&out, in);
	begun = !rc;
	if (!rc) {
		want = in->end == GET_END_UNKNOWN ? in->hdr.mem_size :
						    get_in_mem_expected(in);
		get_progress_start(&pg, want, quiet, out.ops->mem, &out);
		pg.absent_ok = out.ops == &get_out_kdump_ops;
		rc = in->ops->stream(in, want, get_progress_mem, &pg);
		get_progress_end(&pg);
	}
	if (!rc) {
		begun = false; /* end() frees what begin() set up */
		rc = out.ops->end(&out, in);
	}
	if (rc) {
		get_err("%s: copy failed after %" PRIu64 " memory bytes: %s",
			oname, in->mem_streamed,
			in->bad[0] ? in->bad : strerror(-rc));
		goto out_remove;
	}
	st = get_in_status(in, reason, sizeof(reason));
	if (st == GET_ST_CORRUPT) {
		get_err("%s: %s", orig, reason);
		goto out_remove;
	}
	if (st != GET_ST_COMPLETE && st != GET_ST_TRUNCATED &&
	    out.ops == &get_out_elf_ops && !force) {
		get_err("%s: %s; an ELF core would hide that, use --force "
			"to convert it anyway",
			orig, reason);
		goto out_remove;
	}
	/* (a tape's manifest is read behind the memory) */
	if (with_info && in->man_text && out.sparse) {
		rc = write_info(info, in);
		if (rc) {
			get_err("%s: %s", info,
				rc == -EEXIST ?
					"is the input itself: refusing to overwrite it" :
					strerror(-rc));
			goto out_remove;
		}
	}
	ret = bad ? 1 : 0;
	goto out_close_out;

out_remove:
	if (begun && out.ops->abort)
		out.ops->abort(&out);
	if (created && out.sparse)
		unlink(oname);
out_close_out:
	if (out.fd >= 0 && out.fd != STDOUT_FILENO && close(out.fd) != 0 &&
	    !ret) {
		get_err("%s: %s", oname, strerror(errno));
		ret = 1;
	}
out_close_in:
	get_in_close(in);
	if (tmp[0])
		unlink(tmp);
	return ret;
}
