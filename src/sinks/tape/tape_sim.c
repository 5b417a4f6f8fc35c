// SPDX-License-Identifier: GPL-2.0-or-later
/* A simulated SCSI tape drive for unit tests and benchmarks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "tape_sim.h"

struct tape_sim *tape_sim_current;

struct tape_sim *tape_sim_new(void)
{
	struct tape_sim *sim = calloc(1, sizeof(*sim));

	if (!sim)
		return NULL;
	sim->pdt = TAPE_PDT_TAPE;
	sim->capacity = UINT64_MAX / 2;
	sim->keep_data = true;
	sim->max_block = 0xffffff;
	sim->block_len = 512; /* starts in fixed mode, like many drives */
	sim->density = 0x58;
	return sim;
}

static void sim_truncate(struct tape_sim *sim)
{
	size_t i;

	for (i = sim->pos; i < sim->nr; i++)
		free(sim->recs[i].data);
	sim->nr = sim->pos;
}

void tape_sim_free(struct tape_sim *sim)
{
	if (!sim)
		return;
	sim->pos = 0;
	sim_truncate(sim);
	free(sim->recs);
	free(sim->scratch);
	free(sim);
}

size_t tape_sim_file_records(const struct tape_sim *sim, unsigned int f,
			     size_t *first)
{
	size_t i = 0, n = 0;

	while (f && i < sim->nr)
		if (sim->recs[i++].filemark)
			f--;
	if (first)
		*first = i;
	while (i < sim->nr && !sim->recs[i].filemark) {
		i++;
		n++;
	}
	return n;
}

/* Fixed-format sense data. */
static void sense(struct tape_result *r, int key, int asc, int ascq, bool eom,
		  uint32_t info)
{
	r->status = 0x02;
	memset(r->sense, 0, sizeof(r->sense));
	r->sense[0] = 0x70 | (info ? 0x80 : 0);
	r->sense[2] = (uint8_t)(key | (eom ? 0x40 : 0));
	zfd_put_be32(r->sense + 3, info);
	r->sense[7] = 10;
	r->sense[12] = (uint8_t)asc;
	r->sense[13] = (uint8_t)ascq;
	r->sense_len = 18;
}

static int sim_append(struct tape_sim *sim, const void *buf, uint32_t len,
		      bool filemark)
{
	struct tape_sim_rec *rec, *n;

	sim_truncate(sim);
	if (sim->nr == sim->cap) {
		size_t cap = sim->cap ? sim->cap * 2 : 1024;

		n = realloc(sim->recs, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		sim->recs = n;
		sim->cap = cap;
	}
	rec = &sim->recs[sim->nr];
	memset(rec, 0, sizeof(*rec));
	rec->filemark = filemark;
	rec->len = len;
	if (len && sim->keep_data) {
		rec->data = malloc(len);
		if (!rec->data)
			return -ENOMEM;
		memcpy(rec->data, buf, len);
	} else if (len) {
		/* a device takes the data even when we do not keep it */
		if (sim->scratch_len < len) {
			free(sim->scratch);
			sim->scratch = malloc(len);
			if (!sim->scratch)
				return -ENOMEM;
			sim->scratch_len = len;
		}
		memcpy(sim->scratch, buf, len);
	}
	sim->nr++;
	sim->pos = sim->nr;
	sim->used += len;
	return 0;
}

/* Rewinds the used count to match pos. */
static void sim_seek(struct tape_sim *sim, size_t pos)
{
	size_t i;

	sim->pos = pos;
	sim->used = 0;
	for (i = 0; i < pos; i++)
		sim->used += sim->recs[i].len;
}

/* WRITE(6) and WRITE FILEMARKS(6). */
static int sim_write(struct tape_sim *sim, const void *buf, uint32_t len,
		     bool filemark, struct tape_result *r, char *err,
		     size_t err_len)
{
	int rc;

	if (sim->write_protect) {
		sense(r, 0x7, 0x27, 0x00, false, 0);
		return 0;
	}
	if (!filemark && ++sim->writes == sim->fail_write) {
		sense(r, 0x3, 0x0c, 0x00, false, 0);
		return 0;
	}
	if (sim->pos < sim->nr)
		sim_truncate(sim);
	if (sim->used + len > sim->capacity ||
	    (filemark && sim->used >= sim->capacity)) {
		sense(r, 0xd, 0x00, 0x02, true, len);
		return 0;
	}
	rc = sim_append(sim, buf, len, filemark);
	if (rc) {
		snprintf(err, err_len, "simulated tape: %s", strerror(-rc));
		return rc;
	}
	if (sim->used + sim->early_warning > sim->capacity)
		sense(r, 0x0, 0x00, 0x02, true, 0);
	return 0;
}

static int sim_cmd(struct tape_dev *dev, const uint8_t *cdb, int cdb_len,
		   enum tape_dir dir, void *buf, size_t len,
		   unsigned int timeout_s, struct tape_result *r, char *err,
		   size_t err_len)
{
	struct tape_sim *sim = dev->priv;
	uint8_t *b = buf;
	uint32_t n;

	memset(r, 0, sizeof(*r));
	if (sim->busy) {
		r->status = 0x08;
		return 0;
	}
	switch (cdb[0]) {
	case 0x12: /* INQUIRY */
		memset(b, 0, len);
		b[0] = (uint8_t)sim->pdt;
		b[1] = 0x80;
		b[2] = 6;
		b[4] = 31;
		if (len >= 36)
			memcpy(b + 8, "ZFDSIM  SIMTAPE         0001", 28);
		return 0;
	case 0x00: /* TEST UNIT READY */
		sim->turs++;
		if (sim->no_medium)
			sense(r, 0x2, 0x3a, 0x00, false, 0);
		else if (sim->not_ready_polls) {
			sim->not_ready_polls--;
			sense(r, 0x2, 0x04, 0x01, false, 0);
		}
		return 0;
	case 0x05: /* READ BLOCK LIMITS */
		memset(b, 0, len);
		b[1] = (uint8_t)(sim->max_block >> 16);
		b[2] = (uint8_t)(sim->max_block >> 8);
		b[3] = (uint8_t)sim->max_block;
		zfd_put_be16(b + 4, 1);
		return 0;
	case 0x1a: /* MODE SENSE(6) */
		memset(b, 0, len);
		if (len < 12)
			break;
		b[0] = 11;
		b[2] = (uint8_t)((sim->write_protect ? 0x80 : 0) |
				 (sim->buffered << 4));
		b[3] = 8;
		b[4] = sim->density;
		b[9] = (uint8_t)(sim->block_len >> 16);
		b[10] = (uint8_t)(sim->block_len >> 8);
		b[11] = (uint8_t)sim->block_len;
		return 0;
	case 0x15: /* MODE SELECT(6) */
		if (dir != TAPE_DIR_OUT || len < 12 || b[3] != 8) {
			sense(r, 0x5, 0x26, 0x00, false, 0);
			return 0;
		}
		sim->mode_selects++;
		sim->buffered = (b[2] >> 4) & 7;
		sim->block_len = ((uint32_t)b[9] << 16) |
				 ((uint32_t)b[10] << 8) | b[11];
		return 0;
	case 0x01: /* REWIND */
		if (sim->no_medium) {
			sense(r, 0x2, 0x3a, 0x00, false, 0);
			return 0;
		}
		sim->rewinds++;
		sim_seek(sim, 0);
		return 0;
	case 0x1b: /* LOAD UNLOAD */
		sim->unloads++;
		sim_seek(sim, 0);
		if (!(cdb[4] & 1))
			sim->no_medium = true;
		return 0;
	case 0x0a: /* WRITE(6) */
		n = ((uint32_t)cdb[2] << 16) | ((uint32_t)cdb[3] << 8) | cdb[4];
		if (sim->no_medium) {
			sense(r, 0x2, 0x3a, 0x00, false, 0);
			return 0;
		}
		/* FIXED = 1 or a fixed-block drive: we only do variable */
		if ((cdb[1] & 1) || sim->block_len || n != len ||
		    dir != TAPE_DIR_OUT || n > sim->max_block) {
			sense(r, 0x5, 0x24, 0x00, false, 0);
			return 0;
		}
		return sim_write(sim, buf, n, false, r, err, err_len);
	case 0x10: /* WRITE FILEMARKS(6) */
		n = ((uint32_t)cdb[2] << 16) | ((uint32_t)cdb[3] << 8) | cdb[4];
		while (n--) {
			int rc = sim_write(sim, NULL, 0, true, r, err, err_len);

			if (rc || r->status)
				return rc;
		}
		return 0;
	default:
		break;
	}
	sense(r, 0x5, 0x20, 0x00, false, 0); /* invalid command */
	return 0;
}

static void sim_close(struct tape_dev *dev)
{
	dev->priv = NULL;
}

static const struct tape_ops sim_ops = {
	.cmd = sim_cmd,
	.close = sim_close,
};

int tape_sim_open(const char *root, const char *path, struct tape_dev *dev,
		  char *err, size_t err_len)
{
	if (!tape_sim_current ||
	    (strcmp(path, "sim") && strcmp(path, "auto"))) {
		snprintf(err, err_len, "%s: %s", path, strerror(ENOENT));
		return -ENOENT;
	}
	dev->ops = &sim_ops;
	dev->priv = tape_sim_current;
	snprintf(dev->path, sizeof(dev->path), "sim");
	return 0;
}
