// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tape backend for real devices: SCSI commands through the Linux sg driver
 * with libsgutils2's pass-through objects.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <scsi/sg_cmds_basic.h>
#include <scsi/sg_lib.h>
#include <scsi/sg_pt.h>

#include "tape_scsi.h"

/* Character major of the Linux SCSI generic driver (/dev/sgN). */
#define SCSI_GENERIC_MAJOR 21
#include "util.h"

struct tape_sg {
	int fd;
	struct sg_pt_base *pt;
};

static int sg_cmd(struct tape_dev *dev, const uint8_t *cdb, int cdb_len,
		  enum tape_dir dir, void *buf, size_t len,
		  unsigned int timeout_s, struct tape_result *res, char *err,
		  size_t err_len)
{
	struct tape_sg *sg = dev->priv;
	char msg[128];
	int rc;

	memset(res, 0, sizeof(*res));
	clear_scsi_pt_obj(sg->pt);
	set_scsi_pt_cdb(sg->pt, cdb, cdb_len);
	set_scsi_pt_sense(sg->pt, res->sense, sizeof(res->sense));
	if (dir == TAPE_DIR_IN)
		set_scsi_pt_data_in(sg->pt, buf, (int)len);
	else if (dir == TAPE_DIR_OUT)
		set_scsi_pt_data_out(sg->pt, buf, (int)len);
	rc = do_scsi_pt(sg->pt, sg->fd, (int)timeout_s, 0);
	if (rc < 0) {
		snprintf(err, err_len, "%s", strerror(-rc));
		return rc;
	}
	switch (get_scsi_pt_result_category(sg->pt)) {
	case SCSI_PT_RESULT_OS_ERR:
		get_scsi_pt_os_err_str(sg->pt, sizeof(msg), msg);
		snprintf(err, err_len, "%s", msg);
		rc = get_scsi_pt_os_err(sg->pt);
		return rc > 0 ? -rc : -EIO;
	case SCSI_PT_RESULT_TRANSPORT_ERR:
		get_scsi_pt_transport_err_str(sg->pt, sizeof(msg), msg);
		snprintf(err, err_len, "transport error: %s", msg);
		return -EIO;
	default:
		break;
	}
	res->status = get_scsi_pt_status_response(sg->pt);
	res->resid = get_scsi_pt_resid(sg->pt);
	res->sense_len = get_scsi_pt_sense_len(sg->pt);
	return 0;
}

static void sg_close(struct tape_dev *dev)
{
	struct tape_sg *sg = dev->priv;

	destruct_scsi_pt_obj(sg->pt);
	scsi_pt_close_device(sg->fd);
	free(sg);
	dev->priv = NULL;
}

static const struct tape_ops sg_ops = {
	.cmd = sg_cmd,
	.close = sg_close,
};

static int sg_open_one(const char *path, struct tape_dev *dev, char *err,
		       size_t err_len)
{
	struct tape_sg *sg;
	struct stat st;
	int fd;

	if (stat(path, &st) == 0 &&
	    (!S_ISCHR(st.st_mode) || major(st.st_rdev) != SCSI_GENERIC_MAJOR)) {
		snprintf(err, err_len,
			 "%s is not a SCSI generic device (/dev/sgN; is the sg module loaded?)",
			 path);
		return -ENOTTY;
	}
	/* O_EXCL: a second writer on the same drive must fail, not mix in. */
	fd = scsi_pt_open_flags(path, O_RDWR | O_NONBLOCK | O_EXCL, 0);
	if (fd < 0) {
		if (fd == -EBUSY)
			snprintf(err, err_len,
				 "%s: device busy (opened by another program)",
				 path);
		else
			snprintf(err, err_len, "%s: %s", path, strerror(-fd));
		return fd;
	}
	sg = calloc(1, sizeof(*sg));
	if (!sg) {
		scsi_pt_close_device(fd);
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	sg->fd = fd;
	sg->pt = construct_scsi_pt_obj_with_fd(fd, 0);
	if (!sg->pt) {
		scsi_pt_close_device(fd);
		free(sg);
		snprintf(err, err_len,
			 "%s: cannot create a pass-through object", path);
		return -ENOMEM;
	}
	dev->ops = &sg_ops;
	dev->priv = sg;
	snprintf(dev->path, sizeof(dev->path), "%s", path);
	return 0;
}

static int sg_num(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "sg", 2) != 0 || !name[2])
		return -1;
	n = strtol(name + 2, &end, 10);
	return (*end || n < 0 || n > 65535) ? -1 : (int)n;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The first /dev/sgN (in numeric order) that is a tape. */
static int sg_open_auto(const char *root, struct tape_dev *dev, char *err,
			size_t err_len)
{
	struct sg_simple_inquiry_resp inq;
	char dir[256], path[300], why[400] = "";
	int nums[256], nr = 0, i, fd, rc;
	struct dirent *de;
	DIR *d;

	zfd_root_path(root, "/dev", dir, sizeof(dir));
	d = opendir(dir);
	if (!d) {
		snprintf(err, err_len, "device auto: cannot list %s: %s", dir,
			 strerror(errno));
		return -ENODEV;
	}
	while ((de = readdir(d)) && nr < (int)ZFD_ARRAY_SIZE(nums))
		if (sg_num(de->d_name) >= 0)
			nums[nr++] = sg_num(de->d_name);
	closedir(d);
	qsort(nums, (size_t)nr, sizeof(nums[0]), cmp_int);

	for (i = 0; i < nr; i++) {
		snprintf(path, sizeof(path), "%s/sg%d", dir, nums[i]);
		fd = scsi_pt_open_flags(path, O_RDWR | O_NONBLOCK, 0);
		if (fd < 0) {
			snprintf(why, sizeof(why), " (%s: %s)", path,
				 strerror(-fd));
			continue;
		}
		rc = sg_simple_inquiry(fd, &inq, false, 0);
		scsi_pt_close_device(fd);
		if (rc == 0 && inq.peripheral_qualifier == 0 &&
		    inq.peripheral_type == TAPE_PDT_TAPE)
			return sg_open_one(path, dev, err, err_len);
	}
	snprintf(err, err_len,
		 "device auto: no SCSI tape found (%d sg device%s in %s, none with peripheral type 1)%s",
		 nr, nr == 1 ? "" : "s", dir, why);
	return -ENODEV;
}

int tape_sg_open(const char *root, const char *path, struct tape_dev *dev,
		 char *err, size_t err_len)
{
	char full[300];

	if (strcmp(path, "auto") == 0)
		return sg_open_auto(root, dev, err, err_len);
	zfd_root_path(root, path, full, sizeof(full));
	return sg_open_one(full, dev, err, err_len);
}
