// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Input: an s390 dump file, or a raw partition or its image (header @0,
 * memory @4096, end marker behind the memory, manifest block at the next
 * 4 KiB boundary). A file's manifest may also sit beside it as FILE.info
 * (as the extfs sink and 'copy' write it).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "be.h"
#include "get.h"
#include "util.h"

/* A sibling manifest larger than this is not ours. */
#define SIBLING_MAX (64u << 10)

struct s390file {
	int fd;
	uint64_t size; /* bytes in the file or device */
	bool regular;
};

bool get_is_ext_fs(int fd)
{
	uint8_t magic[2];

	/* ext2/3/4 superblock at 1024, s_magic 0xef53 (LE) at +56 */
	return zfd_pread_full(fd, magic, 2, 1024 + 56) == 2 &&
	       magic[0] == 0x53 && magic[1] == 0xef;
}

int get_in_load_sibling_manifest(struct get_in *in, const char *path)
{
	char name[4096], *text;
	const char *suffix = ".incomplete";
	size_t n = strlen(path), sl = strlen(suffix);
	struct stat st;
	ssize_t len;
	int fd;

	if (n > sl && strcmp(path + n - sl, suffix) == 0)
		n -= sl;
	if (n + 6 > sizeof(name))
		return -ENAMETOOLONG;
	memcpy(name, path, n);
	strcpy(name + n, ".info");
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		/* a FIFO or device there is not a manifest (and would hang) */
		get_warn("%s: not a regular file, ignored as manifest", name);
		close(fd);
		return -EINVAL;
	}
	get_in_note_file(in, &st);
	text = malloc(SIBLING_MAX);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	len = zfd_pread_full(fd, text, SIBLING_MAX, 0);
	close(fd);
	if (len >= 0)
		get_in_set_manifest(in, text, (size_t)len, name);
	free(text);
	return len < 0 ? -EIO : 0;
}

static int s390file_stream(struct get_in *in, uint64_t len, get_mem_fn fn,
			   void *arg)
{
	struct s390file *f = in->priv;
	uint64_t off = 0, fpos, data_end = 0;
	void *buf;
	ssize_t n;
	size_t want;
	off_t d;
	int rc = 0;

	if (posix_memalign(&buf, 4096, GET_BUF_SIZE))
		return -ENOMEM;
	posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	in->mem_streamed = 0;
	while (off < len) {
		fpos = ZFD_S390_HDR_SIZE + off;
		if (fpos >= f->size)
			break;
		if (f->regular && fpos >= data_end) {
			d = lseek(f->fd, (off_t)fpos, SEEK_DATA);
			if (d < 0)
				d = (off_t)f->size;
			if ((uint64_t)d > fpos) {
				want = (size_t)
					ZFD_MIN((uint64_t)d - fpos,
						ZFD_MIN(len - off,
							(uint64_t)GET_BUF_SIZE));
				rc = fn(arg, off, NULL, want);
				if (rc)
					break;
				off += want;
				in->mem_streamed = off;
				continue;
			}
			d = lseek(f->fd, (off_t)fpos, SEEK_HOLE);
			data_end = d < 0 ? f->size : (uint64_t)d;
		}
		want = (size_t)ZFD_MIN(len - off, (uint64_t)GET_BUF_SIZE);
		if (f->regular)
			want = (size_t)ZFD_MIN((uint64_t)want, data_end - fpos);
		n = zfd_pread_full(f->fd, buf, want, fpos);
		if (n < 0) {
			rc = -errno;
			get_err("%s: read error at offset %" PRIu64 ": %s",
				in->name, fpos, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		rc = fn(arg, off, buf, (size_t)n);
		if (rc)
			break;
		off += (uint64_t)n;
		in->mem_streamed = off;
	}
	free(buf);
	return rc;
}

static int s390file_read_mem(struct get_in *in, uint64_t off, void *buf,
			     size_t len)
{
	struct s390file *f = in->priv;
	ssize_t n;

	if (off >= in->mem_avail)
		return -EFAULT;
	n = zfd_pread_full(f->fd, buf, len, ZFD_S390_HDR_SIZE + off);
	if (n < 0)
		return -errno;
	if ((size_t)n < len)
		memset((uint8_t *)buf + n, 0, len - (size_t)n);
	return 0;
}

static void s390file_close(struct get_in *in)
{
	struct s390file *f = in->priv;

	if (!f)
		return;
	close(f->fd);
	free(f);
	in->priv = NULL;
}

static const struct get_in_ops s390file_ops = {
	.kind = "s390 dump file",
	.stream = s390file_stream,
	.read_mem = s390file_read_mem,
	.close = s390file_close,
};

static const struct get_in_ops raw_ops = {
	.kind = "raw dump (partition or image)",
	.stream = s390file_stream,
	.read_mem = s390file_read_mem,
	.close = s390file_close,
};

int get_in_s390file_open(struct get_in *in, int fd, const char *path, char *why,
			 size_t why_len)
{
	uint8_t *blk = NULL;
	struct s390file *f;
	struct stat st;
	uint64_t mem_end, man_off;
	ssize_t n;
	int rc;

	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->fd = fd;
	in->priv = f;
	in->ops = &s390file_ops;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(why, why_len, "cannot stat: %s", strerror(errno));
		goto out_close;
	}
	f->regular = S_ISREG(st.st_mode);
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &f->size) != 0) {
			rc = -errno;
			snprintf(why, why_len, "cannot get device size: %s",
				 strerror(errno));
			goto out_close;
		}
		in->ops = &raw_ops;
	} else {
		f->size = (uint64_t)st.st_size;
	}
	n = zfd_pread_full(fd, in->hdr_raw, ZFD_S390_HDR_SIZE, 0);
	if (n != ZFD_S390_HDR_SIZE) {
		rc = -EINVAL;
		snprintf(why, why_len,
			 "corrupt header: only %zd of %d header "
			 "bytes present",
			 n < 0 ? 0 : n, ZFD_S390_HDR_SIZE);
		goto out_close;
	}
	if (get_in_decode_hdr(in, UINT64_MAX, why + 16, why_len - 16)) {
		memcpy(why, "corrupt header: ", 16);
		rc = -EINVAL;
		goto out_close;
	}
	in->mem_avail = ZFD_MIN(in->hdr.mem_size, f->size - ZFD_S390_HDR_SIZE);
	in->nr_ranges = 1;
	in->ranges = calloc(1, sizeof(*in->ranges));
	if (!in->ranges) {
		rc = -ENOMEM;
		goto out_close;
	}
	in->ranges[0].start = in->hdr.mem_start;
	in->ranges[0].size = in->hdr.mem_size;

	mem_end = ZFD_S390_HDR_SIZE + in->hdr.mem_size;
	in->end_off = mem_end;
	in->end = GET_END_MISSING;
	if (f->size >= mem_end + ZFD_S390_END_SIZE &&
	    zfd_pread_full(fd, in->end_raw, ZFD_S390_END_SIZE, mem_end) ==
		    ZFD_S390_END_SIZE) {
		if (zfd_s390_end_marker_check(in->end_raw, &in->end_tod))
			in->end = GET_END_OK;
		else if (!zfd_is_zero(in->end_raw, ZFD_S390_END_SIZE))
			in->end = GET_END_BAD;
	}

	/* raw layout: manifest block at the 4 KiB boundary after the marker */
	man_off = ZFD_ALIGN_UP(mem_end + ZFD_S390_END_SIZE, 4096);
	if (f->size > man_off) {
		blk = malloc(ZFD_MANIFEST_MAX);
		if (!blk) {
			rc = -ENOMEM;
			goto out_close;
		}
		n = zfd_pread_full(fd, blk, ZFD_MANIFEST_MAX, man_off);
		if (n > 0 && memcmp(blk, "zfcpdump-info", 13) == 0) {
			char where[64];

			snprintf(where, sizeof(where),
				 "manifest block at offset %" PRIu64, man_off);
			get_in_set_manifest(in, (char *)blk, (size_t)n, where);
			in->ops = &raw_ops;
		}
		free(blk);
	}
	if (!in->man_text && f->regular)
		get_in_load_sibling_manifest(in, path);
	return 0;

out_close:
	s390file_close(in);
	in->ops = NULL;
	return rc;
}
