/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sealing transform for sinks (doc/sealing.md): a sink that is
 * configured with encrypt = { recipient = "PATH.pub"; } feeds its format's
 * byte stream (s390: header, memory, end marker) into a sealer instead of
 * storing it, and stores what the sealer hands back: ciphertext at
 * envelope offsets, in large writes of whole 4 KiB pages (O_DIRECT safe)
 * from an aligned staging buffer, the partial last page zero-padded at the
 * end (to the target's block size). The sink keeps its own commit rules around it: where the envelope
 * header goes (first for a stream, last for a header-last commit) and
 * where the manifest goes.
 */
#ifndef ZFD_SEAL_SINK_H
#define ZFD_SEAL_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>
#include <zfcpdump/sink.h>

#include "seal.h"

/*
 * Staging: whole pages handed to the store function at once, from two
 * buffers of this size; a worker thread stores one while the other fills.
 * A compressed format's stream (ZFD_INFO_SIZE_BOUND) comes slower and in
 * smaller blocks: smaller buffers, the peak RSS of the pass stays low.
 */
#define ZFD_SEALER_STAGE       (512u << 10)
#define ZFD_SEALER_STAGE_SMALL (64u << 10)
/* Threads sealing at once in a sealer at most (two lanes each). */
#define ZFD_SEALER_THREADS_MAX 16u

struct zfd_seal_cfg {
	bool on;
	uint8_t pk[ZFD_SEAL_KEY_SIZE];
	char fp[ZFD_SEAL_FP_HEX];
	char *recipient;
};

/*
 * Reads an optional "encrypt" group of cfg: recipient = public key file
 * (a file holding a secret key is refused). 0 or -EINVAL after one line
 * through the host log naming file and line.
 */
int zfd_seal_cfg_parse(const struct zfd_host *host, const config_setting_t *cfg,
		       struct zfd_seal_cfg *sc);
void zfd_seal_cfg_free(struct zfd_seal_cfg *sc);

/*
 * store(arg, off, data, len): len bytes at envelope offset off; off and
 * len are multiples of 4096, except for the last store, which is padded
 * with zeros to a multiple of pad (a power of 2, at most 4096: the
 * target's block size). From info: threads that seal at once
 * (info->threads; 0 or 1: the sink's thread alone, one lane; else two
 * lanes each, at most ZFD_SEALER_THREADS_MAX threads) and the staging
 * size (ZFD_INFO_SIZE_BOUND).
 */
struct zfd_sealer;
int zfd_sealer_new(const struct zfd_seal_cfg *sc, unsigned int pad,
		   const struct zfd_dump_info *info, zfd_seal_out_fn store,
		   void *arg, struct zfd_sealer **sp);
/*
 * store() runs in the sealer's worker thread, one call at a time, in
 * offset order. zfd_sealer_sync() waits until no store() is in flight and
 * returns its first error: call it before touching the target yourself
 * (e.g. a filesystem commit) while a pass is open.
 */
int zfd_sealer_sync(struct zfd_sealer *s);
/*
 * A target that buffers what store() gives it (tape: records) and may
 * lose the buffered rest when it fails says itself what is on the medium:
 * after zfd_sealer_count_by_target(), only the bytes it reports through
 * zfd_sealer_took() (from store() or later, in envelope order) count for
 * sealed_bytes and the digest.
 */
void zfd_sealer_count_by_target(struct zfd_sealer *s);
void zfd_sealer_took(struct zfd_sealer *s, const void *data, size_t len);
/* The format's bytes, in stream order. */
int zfd_sealer_write(struct zfd_sealer *s, const void *data, size_t len);
/*
 * Ends the envelope: the final chunk when complete, else marks it cut;
 * waits for the worker, then stores the staged rest (zero-padded to the
 * pad size) itself.
 */
int zfd_sealer_end(struct zfd_sealer *s, bool complete);
/* The envelope header as of now (state and sizes filled at the end). */
const uint8_t *zfd_sealer_hdr(struct zfd_sealer *s);
/* Envelope bytes (header included) and plaintext bytes sealed so far. */
uint64_t zfd_sealer_size(const struct zfd_sealer *s);
uint64_t zfd_sealer_plain(const struct zfd_sealer *s);
/* Stored bytes for a plaintext stream of plain bytes, page-rounded. */
uint64_t zfd_sealer_need(uint64_t plain);
/*
 * The manifest lines of a sealed dump (doc/sealing.md): encrypted, key,
 * sealed_bytes, sealed_chunk; and the digest of the stored ciphertext.
 * Both count what the target took: a target that ran full has the chunk
 * bytes before the failed store only.
 */
int zfd_sealer_manifest(const struct zfd_sealer *s, char *buf, size_t len);
void zfd_sealer_digest(const struct zfd_sealer *s, char *buf, size_t len);
void zfd_sealer_free(struct zfd_sealer *s);

#endif /* ZFD_SEAL_SINK_H */
