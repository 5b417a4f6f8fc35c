// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening a dump of any kind: detection order ext superblock -> s390
 * magic (file, raw partition or image) -> ELF -> kdump -> tape (st device or
 * AWSTAPE image); DEVICE:PATH names a file in an ext filesystem.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "be.h"
#include "get.h"
#include "tape.h"
#include "util.h"

static const char *const status_names[] = {
	[GET_ST_COMPLETE] = "complete",
	[GET_ST_TRUNCATED] = "truncated",
	[GET_ST_INCOMPLETE] = "incomplete",
	[GET_ST_CORRUPT] = "corrupt",
};

const char *get_status_name(enum get_status st)
{
	return status_names[st];
}

void get_in_set_manifest(struct get_in *in, const char *text, size_t len,
			 const char *where)
{
	const char *nul = memchr(text, 0, len);

	if (nul)
		len = (size_t)(nul - text);
	free(in->man_text);
	in->man_text = malloc(len + 1);
	if (!in->man_text) {
		in->man_ok = false;
		snprintf(in->man_why, sizeof(in->man_why), "out of memory");
		return;
	}
	memcpy(in->man_text, text, len);
	in->man_text[len] = 0;
	snprintf(in->man_where, sizeof(in->man_where), "%s", where);
	in->man_ok = zfd_manifest_parse(text, len, &in->man, in->man_why,
					sizeof(in->man_why)) == 0;
}

int get_in_decode_hdr(struct get_in *in, uint64_t avail, char *why,
		      size_t why_len)
{
	zfd_s390_hdr_decode(in->hdr_raw, &in->hdr);
	return zfd_s390_hdr_validate(&in->hdr, avail, why, why_len);
}

uint64_t get_in_mem_expected(const struct get_in *in)
{
	uint64_t n = in->hdr.mem_size, dumped;

	if (in->end == GET_END_OK &&
	    !(in->man_ok &&
	      zfd_status_parse(zfd_manifest_get(&in->man, "status")) ==
		      ZFD_STATUS_INCOMPLETE))
		return n;
	if (in->man_ok &&
	    zfd_manifest_get_u64(&in->man, "dumped_bytes", &dumped) == 0 &&
	    dumped < n)
		n = dumped;
	if (in->mem_avail < n)
		n = in->mem_avail;
	return n;
}

enum get_status get_in_status(const struct get_in *in, char *reason, size_t len)
{
	const char *mst = in->man_ok ? zfd_manifest_get(&in->man, "status") :
				       NULL;
	const char *mreason = in->man_ok ?
				      zfd_manifest_get(&in->man, "reason") :
				      NULL;
	uint64_t msize, present = in->mem_avail;

	reason[0] = 0;
	if (in->bad[0]) {
		snprintf(reason, len, "%s", in->bad);
		return GET_ST_CORRUPT;
	}
	/* an ELF dump cut off: expected only where its manifest says so */
	if (in->cut[0] && !(mst && strcmp(mst, "incomplete") == 0)) {
		snprintf(reason, len, "%s", in->cut);
		return GET_ST_CORRUPT;
	}
	if (in->kstream) {
		/* the kdump header counts page frames, not the source's bytes */
	} else if (in->man_ok && in->format && strcmp(in->format, "elf") == 0 &&
		   in->nr_ranges &&
		   zfd_manifest_get_u64(&in->man, "mem_size", &msize) == 0) {
		/*
		 * An ELF core keeps physical addresses, not mem_start: memory
		 * that starts above 0 spans fewer bytes than its end address.
		 */
		uint64_t lo = ZFD_ALIGN_DOWN(in->ranges[0].start,
					     ZFD_S390_PAGE_SIZE);

		if (msize < in->hdr.mem_size - lo) {
			snprintf(reason, len,
				 "manifest mem_size %" PRIu64
				 " is smaller than the %" PRIu64 " bytes the "
				 "ELF core's PT_LOADs span",
				 msize, in->hdr.mem_size - lo);
			return GET_ST_CORRUPT;
		}
	} else if (in->man_ok &&
		   zfd_manifest_get_u64(&in->man, "mem_size", &msize) == 0 &&
		   msize != in->hdr.mem_size) {
		snprintf(reason, len,
			 "manifest mem_size %" PRIu64
			 " differs from header mem_size %" PRIu64,
			 msize, in->hdr.mem_size);
		return GET_ST_CORRUPT;
	}
	if (mst && strcmp(mst, "incomplete") == 0) {
		uint64_t dumped = 0;

		zfd_manifest_get_u64(&in->man, "dumped_bytes", &dumped);
		msize = in->hdr.mem_size;
		if (!msize)
			zfd_manifest_get_u64(&in->man, "mem_size", &msize);
		snprintf(reason, len,
			 "incomplete: %" PRIu64 " of %" PRIu64
			 " memory bytes dumped%s%s",
			 dumped, msize, mreason ? " (" : "",
			 mreason ? mreason : "");
		if (mreason)
			strncat(reason, ")", len - strlen(reason) - 1);
		return GET_ST_INCOMPLETE;
	}
	if (in->kstream && !in->kstream->ended) {
		snprintf(reason, len, "%s", in->kstream->cut);
		return GET_ST_INCOMPLETE;
	}
	switch (in->end) {
	case GET_END_OK:
		break;
	case GET_END_UNKNOWN:
		snprintf(reason, len, "end marker not checked");
		return GET_ST_INCOMPLETE;
	case GET_END_MISSING:
		if (in->kstream && !in->kstream->readable)
			snprintf(reason, len,
				 "the kdump header says incomplete"
				 " (status flag 0x8)");
		else if (in->format && strncmp(in->format, "kdump", 5) == 0)
			snprintf(reason, len,
				 "the kdump header says incomplete"
				 " (status flag 0x8); pages up to memory byte %" PRIu64
				 " of %" PRIu64 " are in the file",
				 present, in->hdr.mem_size);
		else if (present != UINT64_MAX && present < in->hdr.mem_size)
			snprintf(reason, len,
				 "dump ends after %" PRIu64 " of %" PRIu64
				 " memory bytes: end marker "
				 "missing at offset %" PRIu64,
				 present, in->hdr.mem_size, in->end_off);
		else
			snprintf(reason, len,
				 "end marker missing at offset %" PRIu64,
				 in->end_off);
		return GET_ST_INCOMPLETE;
	case GET_END_BAD:
		snprintf(reason, len,
			 "end marker missing at offset %" PRIu64
			 " (other data there)",
			 in->end_off);
		return GET_ST_INCOMPLETE;
	}
	if (mst && strcmp(mst, "truncated") == 0) {
		uint64_t orig = 0;

		zfd_manifest_get_u64(&in->man, "mem_size_orig", &orig);
		snprintf(reason, len,
			 "truncated: %" PRIu64 " of %" PRIu64
			 " memory bytes (complete up to there)",
			 in->hdr.mem_size, orig);
		return GET_ST_TRUNCATED;
	}
	return GET_ST_COMPLETE;
}

void get_in_note_file(struct get_in *in, const struct stat *st)
{
	if (get_in_reads_file(in, st) ||
	    in->nr_files == sizeof(in->files) / sizeof(in->files[0]))
		return;
	in->files[in->nr_files].dev = st->st_dev;
	in->files[in->nr_files].ino = st->st_ino;
	in->files[in->nr_files].rdev = S_ISBLK(st->st_mode) ? st->st_rdev : 0;
	in->nr_files++;
}

bool get_in_reads_file(const struct get_in *in, const struct stat *st)
{
	unsigned int i;

	for (i = 0; i < in->nr_files; i++)
		if ((in->files[i].dev == st->st_dev &&
		     in->files[i].ino == st->st_ino) ||
		    (S_ISBLK(st->st_mode) && in->files[i].rdev &&
		     in->files[i].rdev == st->st_rdev))
			return true;
	return false;
}

/* A dump, device or tape: regular file, block or character device. */
static bool usable_type(const struct stat *st)
{
	return S_ISREG(st->st_mode) || S_ISBLK(st->st_mode) ||
	       S_ISCHR(st->st_mode);
}

static const char *type_name(const struct stat *st)
{
	return S_ISFIFO(st->st_mode) ? "a FIFO" :
	       S_ISSOCK(st->st_mode) ? "a socket" :
	       S_ISDIR(st->st_mode)  ? "a directory" :
				       "not a regular file";
}

/* "DEVICE:PATH": the first ':' whose left part exists. */
bool get_split_ext_spec(const char *spec, char *dev, size_t dev_len,
			const char **path)
{
	const char *p;
	struct stat st;
	size_t n;

	for (p = strchr(spec, ':'); p; p = strchr(p + 1, ':')) {
		n = (size_t)(p - spec);
		if (n == 0 || n >= dev_len)
			continue;
		memcpy(dev, spec, n);
		dev[n] = 0;
		if (stat(dev, &st) == 0) {
			*path = p + 1;
			return true;
		}
	}
	return false;
}

/*
 * The kinds of dump a file or device can hold, probed in this order (as
 * zgetdump's dfi_vec[]): each probe answers -ENODEV, "not mine", and
 * leaves fd alone, or takes fd over (closes it or keeps it for the input,
 * on every other return) and opens the dump or says why it cannot. A
 * probe that recognises its kind but finds the dump unusable returns
 * -EMEDIUMTYPE: the search ends there and the caller reports "not a
 * zfcpdump/s390 dump: why" (the inputs' own -ENODEV).
 * head holds the first len bytes of the file (len 0 for a character
 * device: reading a tape would consume a record). Adding a kind of input
 * is one probe here.
 */
struct get_probe {
	const char *name;
	int (*open)(struct get_in *in, int fd, const char *path,
		    const struct stat *st, const uint8_t *head, size_t len,
		    char *why, size_t why_len);
};

static int probe_tape_dev(struct get_in *in, int fd, const char *path,
			  const struct stat *st, const uint8_t *head,
			  size_t len, char *why, size_t why_len)
{
	int rc;

	(void)head;
	(void)len;
	if (!S_ISCHR(st->st_mode))
		return -ENODEV;
	close(fd);
	rc = get_in_tape_open(in, path, why, why_len);
	return rc == -ENODEV ? -EMEDIUMTYPE : rc;
}

static int probe_ext_fs(struct get_in *in, int fd, const char *path,
			const struct stat *st, const uint8_t *head, size_t len,
			char *why, size_t why_len)
{
	(void)in;
	(void)st;
	(void)head;
	(void)len;
	if (!get_is_ext_fs(fd))
		return -ENODEV;
	close(fd);
	snprintf(why, why_len,
		 "this is an ext filesystem: name a dump in it, "
		 "e.g. %s:dump.0 (see 'zfcpdump-get list %s')",
		 path, path);
	return -EISDIR;
}

static int probe_s390(struct get_in *in, int fd, const char *path,
		      const struct stat *st, const uint8_t *head, size_t len,
		      char *why, size_t why_len)
{
	int rc;

	(void)st;
	if (len < 8 || zfd_get_be64(head) != ZFD_S390_MAGIC)
		return -ENODEV;
	rc = get_in_s390file_open(in, fd, path, why, why_len);
	return rc == -ENODEV ? -EMEDIUMTYPE : rc;
}

static int probe_elf(struct get_in *in, int fd, const char *path,
		     const struct stat *st, const uint8_t *head, size_t len,
		     char *why, size_t why_len)
{
	int rc;

	(void)st;
	(void)head;
	(void)len;
	if (!get_is_elf(fd))
		return -ENODEV;
	rc = get_in_elf_open(in, fd, path, why, why_len);
	return rc == -ENODEV ? -EMEDIUMTYPE : rc;
}

static int probe_awstape(struct get_in *in, int fd, const char *path,
			 const struct stat *st, const uint8_t *head, size_t len,
			 char *why, size_t why_len)
{
	int rc;

	(void)st;
	(void)head;
	(void)len;
	if (!get_is_awstape(fd))
		return -ENODEV;
	close(fd);
	rc = get_in_tape_open(in, path, why, why_len);
	return rc == -ENODEV ? -EMEDIUMTYPE : rc;
}

static int probe_kdump(struct get_in *in, int fd, const char *path,
		       const struct stat *st, const uint8_t *head, size_t len,
		       char *why, size_t why_len)
{
	int rc;

	if (!get_is_kdump(fd))
		return -ENODEV;
	/* a stream as a sink stores it: raw, or a file with its manifest */
	if (len >= 8 && memcmp(head, ZFD_KDUMP_FLAT_SIG, 8) == 0) {
		rc = get_in_kstream_probe(in, fd, path, st, why, why_len);
		if (rc != -ENODEV)
			return rc;
	}
	/* a broken kdump file says what is wrong with it (-EINVAL) */
	return get_in_kdump_open(in, fd, path, why, why_len);
}

static const struct get_probe probes[] = {
	{ "tape device", probe_tape_dev },
	{ "ext filesystem", probe_ext_fs },
	{ "s390 dump", probe_s390 },
	{ "ELF core", probe_elf },
	{ "kdump-compressed file", probe_kdump },
	{ "AWSTAPE image", probe_awstape },
};

static int open_file_kind(struct get_in *in, const char *spec, char *why,
			  size_t why_len)
{
	uint8_t head[8];
	struct stat st;
	ssize_t n = 0;
	size_t i;
	int fd, rc;

	/* O_NONBLOCK: a FIFO must not hang the open; refused below */
	fd = open(spec, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, why_len, "cannot open: %s", strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(why, why_len, "cannot stat: %s", strerror(errno));
		close(fd);
		return rc;
	}
	if (!usable_type(&st)) {
		snprintf(why, why_len, "is %s, not a dump file or device",
			 type_name(&st));
		close(fd);
		return -EINVAL;
	}
	get_in_note_file(in, &st);
	if (fcntl(fd, F_SETFL, 0) != 0) {
		rc = -errno;
		snprintf(why, why_len, "cannot clear O_NONBLOCK: %s",
			 strerror(errno));
		close(fd);
		return rc;
	}
	if (!S_ISCHR(st.st_mode)) {
		n = zfd_pread_full(fd, head, sizeof(head), 0);
		if (n < 0) {
			rc = -errno;
			snprintf(why, why_len, "read error: %s",
				 strerror(errno));
			close(fd);
			return rc;
		}
	}
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		rc = probes[i].open(in, fd, spec, &st, head, (size_t)n, why,
				    why_len);
		if (rc != -ENODEV)
			return rc == -EMEDIUMTYPE ? -ENODEV : rc;
	}
	close(fd);
	if ((size_t)n < sizeof(head))
		snprintf(why, why_len, "too short (%zd bytes)", n);
	else if (zfd_get_be64(head) == 0 && st.st_size > ZFD_S390_HDR_SIZE)
		snprintf(why, why_len,
			 "magic is 0 (a raw dump that never "
			 "completed leaves its placeholder header)");
	else
		snprintf(why, why_len, "unknown magic 0x%016" PRIx64,
			 zfd_get_be64(head));
	return -ENODEV;
}

int get_in_open(const char *spec, struct get_in **inp)
{
	char why[GET_WHY_LEN] = "", dev[PATH_MAX];
	const char *path;
	struct get_in *in;
	struct stat st;
	int rc;

	in = calloc(1, sizeof(*in));
	if (!in) {
		get_err("%s: out of memory", spec);
		get_tape_drop_handed();
		return -ENOMEM;
	}
	in->name = spec;
	in->format = "s390";
	in->mem_avail = UINT64_MAX;
	if (stat(spec, &st) != 0 &&
	    get_split_ext_spec(spec, dev, sizeof(dev), &path)) {
		if (stat(dev, &st) == 0 && !S_ISREG(st.st_mode) &&
		    !S_ISBLK(st.st_mode)) {
			get_err("%s: is %s, not a filesystem image or block "
				"device",
				dev, type_name(&st));
			rc = -EINVAL;
			goto out_free;
		}
		get_in_note_file(in, &st);
		rc = get_in_extfs_open(in, dev, path, why, sizeof(why));
	} else if (get_tape_handed(spec)) {
		/* held open by the sealed probe; st allows one open */
		get_in_note_file(in, &st);
		rc = get_in_tape_open(in, spec, why, sizeof(why));
	} else {
		rc = open_file_kind(in, spec, why, sizeof(why));
	}
	if (rc == -ENODEV) {
		get_err("%s: not a zfcpdump/s390 dump: %s", spec, why);
		goto out_free;
	}
	if (rc) {
		/* (an input that ran out of memory may say nothing) */
		get_err("%s: %s", spec, why[0] ? why : strerror(-rc));
		goto out_free;
	}
	*inp = in;
	return 0;

out_free:
	get_tape_drop_handed();
	free(in);
	return rc;
}

void get_in_close(struct get_in *in)
{
	if (!in)
		return;
	if (in->ops && in->ops->close)
		in->ops->close(in);
	free(in->man_text);
	free(in->ranges);
	zfd_dump_free(&in->dump);
	free(in);
}
