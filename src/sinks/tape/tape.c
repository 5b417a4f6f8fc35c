// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tape sink: stores the stored dump's byte stream (sink ABI 2: prologue,
 * data, trailer; the format is the host's) on a SCSI sequential-access
 * device, in variable-block mode:
 *
 *	file 1:	prologue records (block_size bytes at most; the last one
 *		may be shorter; s390: the 4096-byte header alone in record
 *		1, the tape layout of DESIGN §5)
 *		data records (block_size bytes; the last one may be shorter)
 *		trailer record (s390: the 16-byte end marker; missing when
 *		incomplete; none for a format without a trailer, elf)
 *		filemark
 *	file 2:	manifest record (text)
 *		filemark
 *
 * A stream cannot go back: the prologue as known at open() is final for
 * a dump that completes, and the data must come gap-free (a packed
 * format's blocks are adjacent in stored offsets; anything else is
 * refused with one line).
 *
 * A dump whose size is only bounded (ZFD_INFO_SIZE_BOUND; format kdump:
 * makedumpfile's flattened stream) is complete at the size finish() gets
 * (res->size) when all of it is on tape. An early warning stops it at
 * the next block, not inside the one in flight: such a stream may end
 * with that block, and a cut one then holds exactly the stored bytes the
 * host's digest covers.
 *
 * Sealed (encrypt = { recipient }, doc/sealing.md): record 1 is the
 * envelope header (state open: a stream cannot go back), the records
 * after it the envelope's chunks (the sealed stream: prologue, data,
 * trailer), then the same trailer record in plain for a complete dump
 * (s390: the end marker), filemark, manifest.
 *
 * CDBs are built and sense data decoded here (libsgutils2's sense
 * helpers); a backend (tape_scsi.h) only moves commands to the device.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <scsi/sg_lib.h>

#include <zfcpdump/sink.h>

#include "be.h"
#include "cfg.h"
#include "fmt_s390.h"
#include "manifest.h"
#include "seal_sink.h"
#include "tape_scsi.h"
#include "util.h"

tape_open_fn tape_backend_open = tape_sg_open;

#define TAPE_DEF_BLOCK_SIZE    32768
/* Bigger records would need a bigger staging buffer than the dump
 * environment's memory budget allows (DESIGN §1). */
#define TAPE_MAX_BLOCK_SIZE    ZFD_S390_TAPE_MAX_RECORD
#define TAPE_DEF_READY_TIMEOUT 120
#define TAPE_MAX_READY_TIMEOUT 3600

/* Command timeouts in seconds: positioning can take minutes on real drives. */
#define TAPE_TMO_SHORT	  60
#define TAPE_TMO_WRITE	  300
#define TAPE_TMO_POSITION 3600

#define SK_NO_SENSE	   0x0
#define SK_RECOVERED	   0x1
#define SK_NOT_READY	   0x2
#define SK_UNIT_ATTENTION  0x6
#define SK_DATA_PROTECT	   0x7
#define SK_VOLUME_OVERFLOW 0xd

/* What a command's outcome means to the sink. */
enum tape_cond {
	TC_GOOD,
	TC_EARLY_WARNING, /* done, but the end of the medium is near */
	TC_OVERFLOW,	  /* not done: no room left */
	TC_BECOMING_READY,
	TC_NO_MEDIUM,
	TC_NOT_READY,
	TC_UNIT_ATTENTION,
	TC_WRITE_PROTECT,
	TC_BUSY,
	TC_ERROR,
};

struct tape_ctx {
	const struct zfd_host *host;
	char *device;
	uint64_t block_size;
	uint64_t ready_timeout;
	bool rewind;
	bool unload;

	struct tape_dev dev;
	char who[270];	/* "/dev/sg1: ", or "" if the host says it */
	char desc[320]; /* "tape:/dev/sg1" for the manifest */
	uint8_t *rec;	/* a partly filled data record */
	size_t rec_len;

	uint64_t data_size;   /* stored data bytes of this pass */
	uint64_t mem_written; /* data bytes on tape (sealed: of
			       * the envelope after record 1) */
	uint64_t pos;	      /* stored offset the next block must
			       * start at (the main thread's) */
	uint64_t data_end;    /* stored offset where the data ends */
	uint64_t records;     /* records written in this pass */
	bool full;	      /* end of medium reached */
	bool broken;	      /* a write failed: stop writing memory */
	/* data_size is only an upper bound (kdump), not sealed: an early
	 * warning stops the stream at the next block */
	bool ew_defer;
	bool early_warning; /* ew_defer: the block in flight got one */
	char reason[256];
	struct zfd_seal_cfg seal;  /* encrypt = { recipient } */
	struct zfd_sealer *sealer; /* sealed pass: the envelope writer */
	uint64_t plain_mem;	   /* sealed pass: data bytes sealed */
};

static const char *const tape_keys[] = {
	"type",		 "device",  "block_size",  "rewind", "unload",
	"ready_timeout", "encrypt", ZFD_HOST_KEYS, NULL
};

/*
 * Prefix of our messages: the device, unless the host's prefix (its sink
 * description, e.g. "tape:/dev/sg1") already names it.
 */
static const char *tape_who(struct tape_ctx *ctx)
{
	const char *desc = ctx->host->sink_desc;

	if (desc && !strncmp(desc, "tape:", 5) &&
	    !strcmp(desc + 5, ctx->dev.path))
		ctx->who[0] = 0;
	else
		snprintf(ctx->who, sizeof(ctx->who), "%s: ", ctx->dev.path);
	return ctx->who;
}

/* ---- sense decoding ------------------------------------------------- */

/* One plain line for a command outcome: status, sense key, ASC/ASCQ. */
static void tape_describe(const struct tape_result *r, char *buf, size_t len)
{
	struct sg_scsi_sense_hdr ssh;
	char key[64], asc[128], st[64];
	bool fm = false, eom = false, ili = false;
	const char *text;

	if (r->status != SAM_STAT_CHECK_CONDITION) {
		sg_get_scsi_status_str(r->status, sizeof(st), st);
		snprintf(buf, len, "SCSI status %s", st);
		return;
	}
	if (!sg_scsi_normalize_sense(r->sense, r->sense_len, &ssh)) {
		snprintf(buf, len, "check condition without valid sense data");
		return;
	}
	sg_get_sense_key_str(ssh.sense_key, sizeof(key), key);
	sg_get_asc_ascq_str(ssh.asc, ssh.ascq, sizeof(asc), asc);
	sg_get_sense_filemark_eom_ili(r->sense, r->sense_len, &fm, &eom, &ili);
	/* "Additional sense: Medium not present" -> "Medium not present" */
	text = strncmp(asc, "Additional sense: ", 18) ? asc : asc + 18;
	snprintf(buf, len, "%s: %s (ASC/ASCQ %02x/%02x)%s", key, text, ssh.asc,
		 ssh.ascq, eom ? " [end of medium]" : "");
}

static enum tape_cond tape_classify(const struct tape_result *r)
{
	struct sg_scsi_sense_hdr ssh;
	bool fm = false, eom = false, ili = false;

	if (r->status == 0)
		return TC_GOOD;
	if (r->status == SAM_STAT_BUSY ||
	    r->status == SAM_STAT_RESERVATION_CONFLICT)
		return TC_BUSY;
	if (r->status != SAM_STAT_CHECK_CONDITION ||
	    !sg_scsi_normalize_sense(r->sense, r->sense_len, &ssh))
		return TC_ERROR;
	sg_get_sense_filemark_eom_ili(r->sense, r->sense_len, &fm, &eom, &ili);

	switch (ssh.sense_key) {
	case SK_NO_SENSE:
	case SK_RECOVERED:
		/* 00/02: end-of-partition/medium detected (early warning) */
		if (eom || (ssh.asc == 0x00 && ssh.ascq == 0x02))
			return TC_EARLY_WARNING;
		return TC_GOOD;
	case SK_VOLUME_OVERFLOW:
		return TC_OVERFLOW;
	case SK_NOT_READY:
		if (ssh.asc == 0x3a)
			return TC_NO_MEDIUM;
		/* 04/01 becoming ready, 04/00 not reportable, 04/07 in progress */
		if (ssh.asc == 0x04 &&
		    (ssh.ascq == 0x00 || ssh.ascq == 0x01 || ssh.ascq == 0x07))
			return TC_BECOMING_READY;
		return TC_NOT_READY;
	case SK_UNIT_ATTENTION:
		return TC_UNIT_ATTENTION;
	case SK_DATA_PROTECT:
		if (ssh.asc == 0x27)
			return TC_WRITE_PROTECT;
		return TC_ERROR;
	default:
		if (eom)
			return TC_OVERFLOW;
		return TC_ERROR;
	}
}

/*
 * Runs one command. Returns 0 and sets *cond when the device answered;
 * -errno (logged) when the command could not be delivered.
 */
static int tape_cmd(struct tape_ctx *ctx, const char *name, const uint8_t *cdb,
		    int cdb_len, enum tape_dir dir, void *buf, size_t len,
		    unsigned int timeout_s, struct tape_result *r,
		    enum tape_cond *cond)
{
	char err[256];
	int rc;

	err[0] = 0;
	rc = ctx->dev.ops->cmd(&ctx->dev, cdb, cdb_len, dir, buf, len,
			       timeout_s, r, err, sizeof(err));
	if (rc) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "%s%s failed: %s",
			 tape_who(ctx), name, err);
		return rc;
	}
	*cond = tape_classify(r);
	return 0;
}

/* Logs "DEV: NAME failed: <decoded outcome>" and returns -EIO. */
static int tape_fail(struct tape_ctx *ctx, const char *name,
		     const struct tape_result *r)
{
	char what[256];

	tape_describe(r, what, sizeof(what));
	zfd_hlog(ctx->host, ZFD_LOG_ERR, "%s%s failed: %s", tape_who(ctx), name,
		 what);
	return -EIO;
}

/* ---- the commands ----------------------------------------------------- */

static void trim_copy(char *dst, const uint8_t *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : ' ';
	while (i > 0 && dst[i - 1] == ' ')
		i--;
	dst[i] = 0;
}

static int tape_inquiry(struct tape_ctx *ctx)
{
	uint8_t cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
	char vendor[9], product[17], rev[5], pdt[64];
	struct tape_result r;
	enum tape_cond cond;
	uint8_t inq[36];
	int rc, type;

	memset(inq, 0, sizeof(inq));
	rc = tape_cmd(ctx, "INQUIRY", cdb, 6, TAPE_DIR_IN, inq, sizeof(inq),
		      TAPE_TMO_SHORT, &r, &cond);
	if (rc)
		return rc;
	if (cond == TC_BUSY) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "%sdevice busy (INQUIRY: %s); nothing written",
			 tape_who(ctx),
			 r.status == SAM_STAT_BUSY ? "Busy" :
						     "Reservation Conflict");
		return -EBUSY;
	}
	if (cond != TC_GOOD && cond != TC_UNIT_ATTENTION)
		return tape_fail(ctx, "INQUIRY", &r);
	type = inq[0] & 0x1f;
	if ((inq[0] >> 5) != 0 || type != TAPE_PDT_TAPE) {
		sg_get_pdt_str(type, sizeof(pdt), pdt);
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "%s is not a tape: INQUIRY reports peripheral type %d (%s)%s; nothing written",
			 ctx->dev.path, type, pdt,
			 (inq[0] >> 5) ? ", no device connected" : "");
		return -ENOTTY;
	}
	trim_copy(vendor, inq + 8, 8);
	trim_copy(product, inq + 16, 16);
	trim_copy(rev, inq + 32, 4);
	snprintf(ctx->dev.ident, sizeof(ctx->dev.ident), "%s %s %s", vendor,
		 product, rev);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* TEST UNIT READY until ready, for at most ready_timeout seconds. */
static int tape_wait_ready(struct tape_ctx *ctx)
{
	uint8_t cdb[6] = { 0x00, 0, 0, 0, 0, 0 };
	double deadline = now_s() + (double)ctx->ready_timeout;
	unsigned int attentions = 0;
	bool told = false;
	struct tape_result r;
	enum tape_cond cond;
	char what[256];
	int rc;

	for (;;) {
		rc = tape_cmd(ctx, "TEST UNIT READY", cdb, 6, TAPE_DIR_NONE,
			      NULL, 0, TAPE_TMO_SHORT, &r, &cond);
		if (rc)
			return rc;
		switch (cond) {
		case TC_GOOD:
			return 0;
		case TC_UNIT_ATTENTION:
			/* power on, reset, medium changed: just report again */
			if (++attentions < 8)
				continue;
			return tape_fail(ctx, "TEST UNIT READY", &r);
		case TC_NO_MEDIUM:
			tape_describe(&r, what, sizeof(what));
			zfd_hlog(ctx->host, ZFD_LOG_ERR,
				 "%sno tape loaded (%s); nothing written",
				 tape_who(ctx), what);
			return -ENOMEDIUM;
		case TC_BECOMING_READY:
		case TC_BUSY:
			break;
		default:
			tape_describe(&r, what, sizeof(what));
			zfd_hlog(ctx->host, ZFD_LOG_ERR,
				 "%stape not ready (%s); nothing written",
				 tape_who(ctx), what);
			return -EIO;
		}
		if (now_s() >= deadline) {
			tape_describe(&r, what, sizeof(what));
			zfd_hlog(ctx->host, ZFD_LOG_ERR,
				 "%s%s after waiting %" PRIu64
				 " s (%s); nothing written",
				 tape_who(ctx),
				 cond == TC_BUSY ? "device busy" :
						   "tape not ready",
				 ctx->ready_timeout, what);
			return cond == TC_BUSY ? -EBUSY : -ETIMEDOUT;
		}
		if (!told) {
			zfd_hlog(ctx->host, ZFD_LOG_INFO,
				 "%swaiting up to %" PRIu64
				 " s for the tape to become ready",
				 tape_who(ctx), ctx->ready_timeout);
			told = true;
		}
		usleep(250 * 1000);
	}
}

/* MODE SENSE(6): mode parameter header and block descriptor, in hdr[12]. */
static int tape_mode_sense(struct tape_ctx *ctx, uint8_t *hdr)
{
	uint8_t cdb[6] = { 0x1a, 0, 0, 0, 12, 0 };
	struct tape_result r;
	enum tape_cond cond;
	int rc;

	memset(hdr, 0, 12);
	rc = tape_cmd(ctx, "MODE SENSE(6)", cdb, 6, TAPE_DIR_IN, hdr, 12,
		      TAPE_TMO_SHORT, &r, &cond);
	if (rc)
		return rc;
	if (cond != TC_GOOD)
		return tape_fail(ctx, "MODE SENSE(6)", &r);
	return 0;
}

static int tape_check_writable(struct tape_ctx *ctx)
{
	uint8_t hdr[12];
	int rc;

	rc = tape_mode_sense(ctx, hdr);
	if (rc)
		return rc;
	if (hdr[2] & 0x80) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "%stape is write-protected; nothing written",
			 tape_who(ctx));
		return -EROFS;
	}
	return 0;
}

/* READ BLOCK LIMITS: refuse a block_size the drive cannot write. */
static int tape_check_limits(struct tape_ctx *ctx)
{
	uint8_t cdb[6] = { 0x05, 0, 0, 0, 0, 0 };
	struct tape_result r;
	enum tape_cond cond;
	uint8_t lim[6] = { 0 };
	uint32_t max;
	uint16_t min;
	int rc;

	rc = tape_cmd(ctx, "READ BLOCK LIMITS", cdb, 6, TAPE_DIR_IN, lim,
		      sizeof(lim), TAPE_TMO_SHORT, &r, &cond);
	if (rc)
		return rc;
	if (cond != TC_GOOD)
		return 0; /* optional for us: WRITE will tell */
	max = ((uint32_t)lim[1] << 16) | ((uint32_t)lim[2] << 8) | lim[3];
	min = zfd_get_be16(lim + 4);
	if ((max && ctx->block_size > max) || ctx->block_size < min ||
	    ZFD_END_MARKER_SIZE < min) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "%sblock_size %" PRIu64
			 " not supported: the drive writes blocks of %u to %u bytes; nothing written",
			 tape_who(ctx), ctx->block_size, min, max);
		return -EINVAL;
	}
	return 0;
}

/* MODE SELECT(6): variable block length, buffered mode, same density. */
static int tape_set_variable(struct tape_ctx *ctx)
{
	uint8_t cdb[6] = { 0x15, 0x10, 0, 0, 12, 0 };
	struct tape_result r;
	enum tape_cond cond;
	uint8_t hdr[12], par[12];
	int rc;

	rc = tape_mode_sense(ctx, hdr);
	if (rc)
		return rc;
	memset(par, 0, sizeof(par));
	par[2] = 0x10;			   /* buffered mode 1 */
	par[3] = 8;			   /* one block descriptor */
	par[4] = hdr[3] >= 8 ? hdr[4] : 0; /* keep the density code */
	/* number of blocks 0, block length 0: variable-block mode */
	rc = tape_cmd(ctx, "MODE SELECT(6)", cdb, 6, TAPE_DIR_OUT, par,
		      sizeof(par), TAPE_TMO_SHORT, &r, &cond);
	if (rc)
		return rc;
	if (cond != TC_GOOD)
		return tape_fail(ctx, "MODE SELECT(6) (variable-block mode)",
				 &r);
	return 0;
}

static int tape_simple(struct tape_ctx *ctx, const char *name, uint8_t op,
		       uint8_t b4, unsigned int timeout_s)
{
	uint8_t cdb[6] = { op, 0, 0, 0, b4, 0 };
	struct tape_result r;
	enum tape_cond cond;
	int rc;

	rc = tape_cmd(ctx, name, cdb, 6, TAPE_DIR_NONE, NULL, 0, timeout_s, &r,
		      &cond);
	if (rc)
		return rc;
	if (cond == TC_GOOD || cond == TC_EARLY_WARNING)
		return 0;
	if (cond == TC_OVERFLOW)
		return -ENOSPC;
	return tape_fail(ctx, name, &r);
}

/* One filemark; synchronous (IMMED = 0), so buffered data is on the medium. */
static int tape_filemark(struct tape_ctx *ctx)
{
	int rc = tape_simple(ctx, "WRITE FILEMARKS(6)", 0x10, 1,
			     TAPE_TMO_POSITION);

	if (rc == -ENOSPC)
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "%sno room left for a filemark", tape_who(ctx));
	return rc;
}

/*
 * WRITE(6), variable-length record. Returns 0 (written), 1 (written, early
 * warning), -ENOSPC (not written, volume overflow) or -errno (logged).
 */
static int tape_write_record(struct tape_ctx *ctx, const void *buf, size_t len)
{
	uint8_t cdb[6] = {
		0x0a,	      0, (uint8_t)(len >> 16), (uint8_t)(len >> 8),
		(uint8_t)len, 0
	};
	struct tape_result r;
	enum tape_cond cond;
	int rc;

	rc = tape_cmd(ctx, "WRITE(6)", cdb, 6, TAPE_DIR_OUT, (void *)buf, len,
		      TAPE_TMO_WRITE, &r, &cond);
	if (rc)
		return rc;
	switch (cond) {
	case TC_GOOD:
		ctx->records++;
		return 0;
	case TC_EARLY_WARNING:
		ctx->records++;
		return 1;
	case TC_OVERFLOW:
		return -ENOSPC;
	case TC_WRITE_PROTECT:
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "%stape is write-protected",
			 tape_who(ctx));
		return -EROFS;
	default:
		return tape_fail(ctx, "WRITE(6)", &r);
	}
}

/* ---- the plugin ------------------------------------------------------- */

static int tape_configure(const struct zfd_host *host,
			  const config_setting_t *cfg, void **out)
{
	const config_setting_t *bs_set;
	struct tape_ctx *ctx;
	const char *device;
	int rc;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		zfd_hlog(host, ZFD_LOG_ERR, "out of memory");
		return -ENOMEM;
	}
	ctx->host = host;
	rc = zfd_cfg_check_keys(host, cfg, tape_keys);
	rc = rc ? rc : zfd_cfg_string(host, cfg, "device", "auto", &device);
	rc = rc ? rc :
		  zfd_cfg_size(host, cfg, "block_size", TAPE_DEF_BLOCK_SIZE,
			       &ctx->block_size);
	rc = rc ? rc : zfd_cfg_bool(host, cfg, "rewind", true, &ctx->rewind);
	rc = rc ? rc : zfd_cfg_bool(host, cfg, "unload", false, &ctx->unload);
	rc = rc ? rc :
		  zfd_cfg_uint(host, cfg, "ready_timeout",
			       TAPE_DEF_READY_TIMEOUT, TAPE_MAX_READY_TIMEOUT,
			       &ctx->ready_timeout);
	rc = rc ? rc : zfd_seal_cfg_parse(host, cfg, &ctx->seal);
	if (rc)
		goto out_free_ctx;

	bs_set = config_setting_get_member(cfg, "block_size");
	if (ctx->block_size < ZFD_PAGE_SIZE ||
	    ctx->block_size > TAPE_MAX_BLOCK_SIZE ||
	    ctx->block_size % ZFD_PAGE_SIZE) {
		zfd_cfg_error(host, bs_set ? bs_set : cfg,
			      "block_size %" PRIu64
			      " must be a multiple of 4096 from 4096 to %u",
			      ctx->block_size, TAPE_MAX_BLOCK_SIZE);
		rc = -EINVAL;
		goto out_free_ctx;
	}
	if (!device[0]) {
		zfd_cfg_error(host, config_setting_get_member(cfg, "device"),
			      "'device' must name /dev/sgN or be \"auto\"");
		rc = -EINVAL;
		goto out_free_ctx;
	}
	ctx->device = strdup(device);
	ctx->rec = aligned_alloc(ZFD_ALIGN, ctx->block_size);
	if (!ctx->device || !ctx->rec) {
		zfd_hlog(host, ZFD_LOG_ERR, "out of memory");
		rc = -ENOMEM;
		goto out_free_bufs;
	}
	*out = ctx;
	return 0;

out_free_bufs:
	free(ctx->rec);
	free(ctx->device);
out_free_ctx:
	zfd_seal_cfg_free(&ctx->seal);
	free(ctx);
	return rc;
}

/* Opens the drive and checks it; writes nothing. */
static int tape_prepare(void *priv, const struct zfd_dump_info *info,
			uint64_t *capacity)
{
	struct tape_ctx *ctx = priv;
	char err[512];
	int rc;

	tape_dev_close(&ctx->dev);
	memset(&ctx->dev, 0, sizeof(ctx->dev));
	err[0] = 0;
	rc = tape_backend_open(ctx->host->root, ctx->device, &ctx->dev, err,
			       sizeof(err));
	if (rc) {
		const char *msg = err, *desc = ctx->host->sink_desc;
		size_t n = strlen(ctx->device);

		if (desc && !strncmp(desc, "tape:", 5) &&
		    !strcmp(desc + 5, ctx->device) &&
		    !strncmp(err, ctx->device, n) && !strncmp(err + n, ": ", 2))
			msg = err + n + 2;
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "%s; nothing written", msg);
		return rc;
	}
	rc = tape_inquiry(ctx);
	rc = rc ? rc : tape_wait_ready(ctx);
	rc = rc ? rc : tape_check_writable(ctx);
	rc = rc ? rc : tape_check_limits(ctx);
	if (rc) {
		tape_dev_close(&ctx->dev);
		return rc;
	}
	snprintf(ctx->desc, sizeof(ctx->desc), "tape:%s", ctx->dev.path);
	zfd_hlog(ctx->host, ZFD_LOG_INFO, "%s%s, ready, writable",
		 tape_who(ctx), ctx->dev.ident);
	*capacity = UINT64_MAX; /* a tape cannot tell */
	return 0;
}

static int tape_put_bytes(struct tape_ctx *ctx, const uint8_t *p, size_t left);

/* Sealed pass: the envelope's bytes go into records like memory. */
static int tape_sealed_store(void *arg, uint64_t off, const void *data,
			     size_t len)
{
	return tape_put_bytes(arg, data, len);
}

/* Stored data bytes of a complete dump: [prologue_len, trailer_off). */
static uint64_t tape_data_size(const struct zfd_dump_info *info)
{
	return info->size - info->trailer_len - info->prologue_len;
}

/* The prologue in records of at most block_size bytes (s390: one). */
static int tape_put_prologue(struct tape_ctx *ctx,
			     const struct zfd_dump_info *info)
{
	size_t off, n;
	int rc;

	for (off = 0; off < info->prologue_len; off += n) {
		n = (size_t)ZFD_MIN(ctx->block_size, info->prologue_len - off);
		rc = tape_write_record(ctx, info->prologue + off, n);
		if (rc < 0) {
			if (rc == -ENOSPC)
				zfd_hlog(ctx->host, ZFD_LOG_ERR,
					 "%stape full before the dump header",
					 tape_who(ctx));
			return rc;
		}
	}
	return 0;
}

static int tape_open(void *priv, const struct zfd_dump_info *info)
{
	struct tape_ctx *ctx = priv;
	int rc;

	if (!ctx->dev.ops) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "open without prepare");
		return -EINVAL;
	}
	if (!info->prologue || !info->prologue_len ||
	    info->size < (uint64_t)info->prologue_len + info->trailer_len) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "dump description without a prologue or with size %" PRIu64
			 " below prologue and trailer",
			 info->size);
		return -EINVAL;
	}
	ctx->data_size = tape_data_size(info);
	ctx->pos = info->prologue_len;
	ctx->data_end = info->prologue_len + ctx->data_size;
	ctx->mem_written = 0;
	ctx->records = 0;
	ctx->rec_len = 0;
	ctx->full = false;
	ctx->broken = false;
	ctx->ew_defer = (info->flags & ZFD_INFO_SIZE_BOUND) && !ctx->seal.on;
	ctx->early_warning = false;
	ctx->reason[0] = 0;

	rc = tape_set_variable(ctx);
	if (!rc && ctx->rewind)
		rc = tape_simple(ctx, "REWIND", 0x01, 0, TAPE_TMO_POSITION);
	if (rc)
		return rc;
	zfd_sealer_free(ctx->sealer);
	ctx->sealer = NULL;
	ctx->plain_mem = 0;
	if (ctx->seal.on) {
		/* record 1: the envelope header; the prologue is sealed */
		rc = zfd_sealer_new(&ctx->seal, 1, info, tape_sealed_store, ctx,
				    &ctx->sealer);
		/* records on tape count, not what waits in ctx->rec */
		if (!rc)
			zfd_sealer_count_by_target(ctx->sealer);
		if (!rc)
			rc = zfd_sealer_write(ctx->sealer, info->prologue,
					      info->prologue_len);
		if (rc) {
			zfd_hlog(ctx->host, ZFD_LOG_ERR, "sealing failed: %s",
				 strerror(-rc));
			return rc;
		}
		zfd_hlog(ctx->host, ZFD_LOG_INFO, "%ssealed to key %s (%s)",
			 tape_who(ctx), ctx->seal.fp, ctx->seal.recipient);
		rc = tape_write_record(ctx, zfd_sealer_hdr(ctx->sealer),
				       ZFD_HDR_SIZE);
		if (rc == -ENOSPC)
			zfd_hlog(ctx->host, ZFD_LOG_ERR,
				 "%stape full before the dump header",
				 tape_who(ctx));
	} else {
		rc = tape_put_prologue(ctx, info);
	}
	if (rc < 0)
		return rc;
	zfd_hlog(ctx->host, ZFD_LOG_INFO,
		 "%swriting %" PRIu64 " bytes of memory in %" PRIu64
		 "-byte records",
		 tape_who(ctx), info->mem_size, ctx->block_size);
	return 0;
}

/* The end of the medium is near (rc 1) or reached: the dump stops here. */
static int tape_stop_full(struct tape_ctx *ctx, int rc)
{
	ctx->broken = true;
	ctx->full = true;
	snprintf(ctx->reason, sizeof(ctx->reason),
		 "tape full after %" PRIu64 " bytes", ctx->mem_written);
	zfd_hlog(ctx->host, ZFD_LOG_ERR, "%s%s (%s)", tape_who(ctx),
		 ctx->reason,
		 rc == 1 ? "early warning: end of medium" : "volume overflow");
	return -ENOSPC;
}

/* Writes one data record and accounts for it; stops at the end of tape. */
static int tape_put_record(struct tape_ctx *ctx, const void *buf, size_t len)
{
	int rc = tape_write_record(ctx, buf, len);

	if (rc >= 0) {
		ctx->mem_written += len;
		/* sealed: the envelope bytes on tape make the manifest */
		if (ctx->sealer)
			zfd_sealer_took(ctx->sealer, buf, len);
	}
	if (rc == 0 || (rc == 1 && ctx->mem_written == ctx->data_size))
		return 0; /* early warning after the last record is fine */
	if (rc == 1 && ctx->ew_defer) {
		/*
		 * A stream of unknown size may end with this block: it goes
		 * on tape whole (the early-warning zone is there for closing
		 * records), the next block is refused (tape_write()).
		 */
		ctx->early_warning = true;
		return 0;
	}
	if (rc == 1 || rc == -ENOSPC)
		return tape_stop_full(ctx, rc);
	ctx->broken = true;
	snprintf(ctx->reason, sizeof(ctx->reason),
		 "tape write failed after %" PRIu64 " bytes", ctx->mem_written);
	return rc;
}

/* Bytes into block_size records (p NULL: zeros). */
static int tape_put_bytes(struct tape_ctx *ctx, const uint8_t *p, size_t left)
{
	size_t bs = ctx->block_size, n;
	int rc;

	while (left) {
		if (!ctx->rec_len && left >= bs && p) {
			/* whole record straight from the caller's buffer */
			rc = tape_put_record(ctx, p, bs);
			if (rc)
				return rc;
			p += bs;
			left -= bs;
			continue;
		}
		n = ZFD_MIN(bs - ctx->rec_len, left);
		if (p) {
			memcpy(ctx->rec + ctx->rec_len, p, n);
			p += n;
		} else {
			memset(ctx->rec + ctx->rec_len, 0, n);
		}
		ctx->rec_len += n;
		left -= n;
		if (ctx->rec_len == bs) {
			ctx->rec_len = 0;
			rc = tape_put_record(ctx, ctx->rec, bs);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/*
 * A stream has no gaps: each block starts where the previous one ended
 * (a packed format's blocks are adjacent in stored offsets) and stays
 * inside the data. One line and -EINVAL otherwise.
 */
static int tape_check_block(struct tape_ctx *ctx, const struct zfd_block *blk)
{
	if (blk->offset != ctx->pos) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "%sblock at stored offset %" PRIu64
			 ", expected %" PRIu64
			 ": a tape stores a gap-free stream",
			 tape_who(ctx), blk->offset, ctx->pos);
		return -EINVAL;
	}
	if (blk->len > ctx->data_end - ctx->pos) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "%sblock at stored offset %" PRIu64
			 " of %zu bytes ends beyond the dump's data (%" PRIu64
			 ")",
			 tape_who(ctx), blk->offset, blk->len, ctx->data_end);
		return -EINVAL;
	}
	return 0;
}

static int tape_write(void *priv, const struct zfd_block *blk)
{
	static const uint8_t zeros[ZFD_PAGE_SIZE];
	struct tape_ctx *ctx = priv;
	size_t n, done;
	int rc = 0;

	/* once the tape failed, later blocks only get its error */
	if (!ctx->sealer && ctx->broken)
		return ctx->full ? -ENOSPC : -EIO;
	if (ctx->early_warning) {
		/* a block after the one that met the early warning: the
		 * blocks before it are on tape whole, its partial record too */
		if (ctx->rec_len) {
			rc = tape_put_record(ctx, ctx->rec, ctx->rec_len);
			ctx->rec_len = 0;
			if (rc)
				return rc;
		}
		return tape_stop_full(ctx, 1);
	}
	rc = tape_check_block(ctx, blk);
	if (rc)
		return rc;
	if (!ctx->sealer) {
		ctx->pos += blk->len;
		return tape_put_bytes(ctx, blk->data, blk->len);
	}
	/* sealed: the records are the worker's; its errors come back here */
	if (blk->data)
		rc = zfd_sealer_write(ctx->sealer, blk->data, blk->len);
	for (done = 0; !blk->data && !rc && done < blk->len; done += n) {
		n = ZFD_MIN(sizeof(zeros), blk->len - done);
		rc = zfd_sealer_write(ctx->sealer, zeros, n);
	}
	if (!rc) {
		ctx->plain_mem += blk->len;
		ctx->pos += blk->len;
	}
	return rc;
}

/* Second tape file: the manifest, then a filemark. */
static int tape_write_manifest(struct tape_ctx *ctx,
			       const struct zfd_dump_info *info,
			       const struct zfd_result *res)
{
	char *text;
	int rc, len;

	text = aligned_alloc(ZFD_ALIGN, ZFD_MANIFEST_MAX);
	if (!text) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "out of memory");
		return -ENOMEM;
	}
	if (ctx->sealer) {
		struct zfd_result r = *res;
		int n;

		zfd_sealer_digest(ctx->sealer, r.digest, sizeof(r.digest));
		len = zfd_manifest_format(text, ZFD_MANIFEST_MAX, info, &r,
					  ctx->desc, info->format);
		n = len < 0 ?
			    len :
			    zfd_sealer_manifest(ctx->sealer, text + len,
						ZFD_MANIFEST_MAX - (size_t)len);
		len = n < 0 ? n : len + n;
	} else {
		len = zfd_manifest_format(text, ZFD_MANIFEST_MAX, info, res,
					  ctx->desc, info->format);
	}
	if (len < 0) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "manifest too long");
		rc = len;
		goto out_free_text;
	}
	rc = tape_write_record(ctx, text, (size_t)len);
	if (rc == -ENOSPC)
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "%sno room left for the manifest", tape_who(ctx));
	if (rc >= 0)
		rc = tape_filemark(ctx);
out_free_text:
	free(text);
	return rc;
}

static int tape_finish(void *priv, const struct zfd_dump_info *info,
		       const struct zfd_result *res)
{
	struct tape_ctx *ctx = priv;
	struct zfd_result mine = *res;
	uint64_t mem_done = 0; /* data bytes safely on tape */
	bool trailer = res->status != ZFD_STATUS_INCOMPLETE &&
		       info->trailer_len && res->trailer &&
		       res->trailer_len == info->trailer_len;
	const char *bad = NULL; /* why a complete pass is not */
	bool bound = info->flags & ZFD_INFO_SIZE_BOUND;
	int rc = 0, rc2;

	/* a stream of unknown size (kdump) is as long as it got */
	if (bound && res->size >= info->prologue_len)
		ctx->data_size = res->size - info->prologue_len;
	if (res->status != ZFD_STATUS_INCOMPLETE) {
		/* the stream holds the prologue as at open: it must be final */
		if (!res->prologue ||
		    memcmp(res->prologue, info->prologue, info->prologue_len))
			bad = "the final prologue differs from the one on tape";
		else if (info->trailer_len && !trailer)
			bad = "no trailer for a complete dump";
	}
	if (ctx->sealer) {
		/* the trailer sealed too; then the rest of the envelope */
		bool complete = res->status != ZFD_STATUS_INCOMPLETE && !bad &&
				ctx->plain_mem == ctx->data_size;

		/* the worker owns broken/full/rec until it is idle */
		rc = zfd_sealer_sync(ctx->sealer);
		if (!rc && complete && trailer)
			rc = zfd_sealer_write(ctx->sealer, res->trailer,
					      res->trailer_len);
		if (!rc)
			rc = zfd_sealer_end(ctx->sealer, complete);
		rc2 = zfd_sealer_sync(ctx->sealer);
		rc = rc ? rc : rc2;
		mem_done = ctx->broken || rc ? 0 : ctx->plain_mem;
	}
	/* The last, shorter data record. */
	if (ctx->rec_len && !ctx->broken) {
		rc = tape_put_record(ctx, ctx->rec, ctx->rec_len);
		ctx->rec_len = 0;
	}
	if (!ctx->sealer)
		mem_done = ctx->mem_written;
	if (bad && !ctx->reason[0]) {
		snprintf(ctx->reason, sizeof(ctx->reason), "%s", bad);
		zfd_hlog(ctx->host, ZFD_LOG_ERR, "%s%s", tape_who(ctx), bad);
	}
	if (res->status != ZFD_STATUS_INCOMPLETE &&
	    (rc || ctx->broken || ctx->reason[0] ||
	     mem_done != ctx->data_size)) {
		/* The core thinks the pass worked; the tape disagrees. */
		mine.status = ZFD_STATUS_INCOMPLETE;
		if (!ctx->reason[0])
			snprintf(ctx->reason, sizeof(ctx->reason),
				 "only %" PRIu64 " of %" PRIu64
				 " bytes on tape",
				 mem_done, ctx->data_size);
		rc = rc ? rc : -EIO;
	}
	if (mine.status == ZFD_STATUS_INCOMPLETE && ctx->reason[0])
		mine.reason = ctx->reason;
	if (mine.status == ZFD_STATUS_INCOMPLETE) {
		uint64_t done = ctx->sealer ? ctx->plain_mem : mem_done;

		/* packed or not, memory bytes on tape <= data bytes on tape
		 * (not so for a compressed stream) */
		if (!bound && mine.dumped_bytes > done)
			mine.dumped_bytes = done;
		if (mine.stored_end > info->prologue_len + done)
			mine.stored_end = info->prologue_len + done;
		mine.trailer = NULL;
		mine.trailer_len = 0;
	}

	if (mine.status != ZFD_STATUS_INCOMPLETE && trailer) {
		rc = tape_write_record(ctx, res->trailer, res->trailer_len);
		if (rc < 0) {
			mine.status = ZFD_STATUS_INCOMPLETE;
			snprintf(ctx->reason, sizeof(ctx->reason),
				 "no room for the end marker after %" PRIu64
				 " bytes",
				 ctx->mem_written);
			mine.reason = ctx->reason;
			zfd_hlog(ctx->host, ZFD_LOG_ERR, "%s%s", tape_who(ctx),
				 ctx->reason);
		} else {
			rc = 0;
		}
	}

	/* End of the dump file; then the manifest as the second file. */
	rc2 = tape_filemark(ctx);
	if (!rc2)
		rc2 = tape_write_manifest(ctx, info, &mine);
	if (rc2) {
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "%sthe manifest could not be written; the dump on tape %s",
			 tape_who(ctx),
			 mine.status == ZFD_STATUS_INCOMPLETE ?
				 "has no end marker (incomplete)" :
			 info->trailer_len ? "has an end marker" :
					     "has all its data");
		rc = rc ? rc : rc2;
	}

	if (ctx->unload)
		rc2 = tape_simple(ctx, "LOAD UNLOAD (unload)", 0x1b, 0,
				  TAPE_TMO_POSITION);
	else if (ctx->rewind)
		rc2 = tape_simple(ctx, "REWIND", 0x01, 0, TAPE_TMO_POSITION);
	else
		rc2 = 0;
	rc = rc ? rc : rc2;

	if (mine.status == ZFD_STATUS_INCOMPLETE && bound)
		/* a cut stream of unknown size: no "N of M" */
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "%sdump incomplete: %" PRIu64
			 " bytes of data on tape%s%s",
			 tape_who(ctx), ctx->mem_written,
			 mine.reason ? ": " : "",
			 mine.reason ? mine.reason : "");
	else if (mine.status == ZFD_STATUS_INCOMPLETE)
		zfd_hlog(ctx->host, ZFD_LOG_ERR,
			 "%sdump incomplete: %" PRIu64 " of %" PRIu64
			 " bytes on tape%s%s",
			 tape_who(ctx), ctx->mem_written, ctx->data_size,
			 mine.reason ? ": " : "",
			 mine.reason ? mine.reason : "");
	else
		zfd_hlog(ctx->host, ZFD_LOG_INFO,
			 "%sdump %s: %" PRIu64 " records, %" PRIu64
			 " bytes of %s",
			 tape_who(ctx), zfd_status_name(mine.status),
			 ctx->records, ctx->mem_written,
			 info->format && strcmp(info->format, "s390") ?
				 "data" :
				 "memory");
	if (!rc && mine.status == ZFD_STATUS_INCOMPLETE &&
	    res->status != ZFD_STATUS_INCOMPLETE)
		rc = -EIO;
	return rc;
}

static void tape_close(void *priv)
{
	struct tape_ctx *ctx = priv;

	if (!ctx)
		return;
	tape_dev_close(&ctx->dev);
	zfd_sealer_free(ctx->sealer);
	zfd_seal_cfg_free(&ctx->seal);
	free(ctx->rec);
	free(ctx->device);
	free(ctx);
}

/* clang-format off */
const struct zfd_sink zfd_sink_entry = {
	.abi		= ZFD_SINK_ABI,
	.size		= sizeof(struct zfd_sink),
	.name		= "tape",
	.description	= "SCSI tape through sg (libsgutils2)",
	.configure	= tape_configure,
	.prepare	= tape_prepare,
	.open		= tape_open,
	.write		= tape_write,
	.finish		= tape_finish,
	.close		= tape_close,
};
/* clang-format on */
