/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An in-process simulated SCSI tape drive behind the tape sink's SCSI seam
 * (tape_scsi.h): records, filemarks, capacity with an early-warning zone,
 * write protection, no medium, "becoming ready", busy, injected errors.
 * For unit tests and benchmarks only; not part of the plugin.
 */
#ifndef ZFD_TAPE_SIM_H
#define ZFD_TAPE_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tape_scsi.h"

struct tape_sim_rec {
	bool filemark;
	uint32_t len;
	uint8_t *data; /* NULL unless keep_data */
};

struct tape_sim {
	/* setup, change before the sink opens the drive */
	int pdt;		/* INQUIRY peripheral type (1) */
	uint64_t capacity;	/* bytes of records that fit */
	uint64_t early_warning; /* EOM warning this many bytes before */
	bool keep_data;		/* store record contents */
	bool write_protect;
	bool no_medium;
	unsigned int not_ready_polls; /* TURs answered "becoming ready" */
	bool busy;		      /* every command: status BUSY */
	uint32_t max_block;	      /* READ BLOCK LIMITS maximum */
	uint64_t fail_write;	      /* n-th WRITE(6) gets a MEDIUM ERROR */

	/* drive state */
	uint32_t block_len; /* 0 = variable-block mode */
	uint8_t density;
	uint8_t buffered;
	size_t pos;    /* next record index */
	uint64_t used; /* bytes in records before pos */

	/* the medium */
	struct tape_sim_rec *recs;
	size_t nr, cap;

	/* statistics */
	unsigned int mode_selects, rewinds, unloads, turs;
	uint64_t writes;
	uint8_t *scratch; /* where data goes when !keep_data */
	size_t scratch_len;
};

struct tape_sim *tape_sim_new(void);
void tape_sim_free(struct tape_sim *sim);

/* The drive that tape_sim_open() attaches; set by the test. */
extern struct tape_sim *tape_sim_current;

/* A tape_open_fn: path must be "sim" or "auto"; "/dev/..." gives ENOENT. */
int tape_sim_open(const char *root, const char *path, struct tape_dev *dev,
		  char *err, size_t err_len);

/* Number of data records between filemarks: file f (0-based). */
size_t tape_sim_file_records(const struct tape_sim *sim, unsigned int f,
			     size_t *first);

#endif /* ZFD_TAPE_SIM_H */
