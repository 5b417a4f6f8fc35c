/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tape sink's SCSI seam: the sink builds CDBs and decodes sense data;
 * a backend only moves one command to a device and back. Two backends:
 * tape_sg.c (libsgutils2 pass-through objects on /dev/sgN) and
 * tape_sim.c (an in-process simulated tape for tests and benchmarks).
 */
#ifndef ZFD_TAPE_SCSI_H
#define ZFD_TAPE_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAPE_SENSE_MAX 64

/* Peripheral device type of a sequential-access device (tape). */
#define TAPE_PDT_TAPE 1

enum tape_dir {
	TAPE_DIR_NONE,
	TAPE_DIR_IN,  /* from the device */
	TAPE_DIR_OUT, /* to the device */
};

/* Outcome of one command that reached the device. */
struct tape_result {
	int status; /* SCSI status byte (0 = GOOD) */
	int resid;  /* bytes not transferred */
	int sense_len;
	uint8_t sense[TAPE_SENSE_MAX];
};

struct tape_dev;

struct tape_ops {
	/*
	 * Runs one command. Returns 0 when the device answered (res->status
	 * tells how), or -errno with a reason in err when the command could
	 * not be delivered (transport or OS error).
	 */
	int (*cmd)(struct tape_dev *dev, const uint8_t *cdb, int cdb_len,
		   enum tape_dir dir, void *buf, size_t len,
		   unsigned int timeout_s, struct tape_result *res, char *err,
		   size_t err_len);
	void (*close)(struct tape_dev *dev);
};

struct tape_dev {
	const struct tape_ops *ops;
	void *priv;
	char path[256]; /* resolved device, e.g. "/dev/sg1" */
	char ident[64]; /* "VENDOR PRODUCT REV" once known */
};

/*
 * Opens the device named path ("/dev/sgN" or "auto") under root. "auto"
 * picks the first sg device whose INQUIRY peripheral type is 1. Returns 0
 * or -errno with a one-line reason in err.
 */
typedef int (*tape_open_fn)(const char *root, const char *path,
			    struct tape_dev *dev, char *err, size_t err_len);

int tape_sg_open(const char *root, const char *path, struct tape_dev *dev,
		 char *err, size_t err_len);

/*
 * The backend the sink opens devices with: tape_sg_open, or a simulated
 * tape in unit tests and benchmarks. Not exported from the plugin.
 */
extern tape_open_fn tape_backend_open;

static inline void tape_dev_close(struct tape_dev *dev)
{
	if (dev->ops) {
		dev->ops->close(dev);
		dev->ops = NULL;
	}
}

#endif /* ZFD_TAPE_SCSI_H */
