// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark helper: the sealing cipher alone (src/lib/seal.c), no I/O.
 * Seals SIZE MiB of pseudo-random plaintext, handed over in 1 MiB blocks
 * as a sink hands the daemon's blocks to its sealer, into a 512 KiB
 * staging room that is reused (the ciphertext is dropped), with LANES
 * lanes on THREADS threads; prints wall and CPU seconds and MiB/s. Shows
 * how the envelope's lanes spread the cipher over CPUs (bench/seal.sh).
 *
 * zfd-sealspeed [-s SIZE_MIB] [-l LANES] [-t THREADS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "seal.h"

#define BLOCK (1u << 20)
#define ROOM  ((512u << 10) + ZFD_SEAL_CHUNK_DEFAULT + ZFD_SEAL_ABYTES)

struct room {
	uint8_t *buf;
	size_t fill;
};

static uint8_t *room_get(void *arg, size_t *cap)
{
	struct room *r = arg;

	/* the staged bytes go out, as a sink stores a full stage */
	if (ROOM - r->fill < ZFD_SEAL_CHUNK_DEFAULT + ZFD_SEAL_ABYTES)
		r->fill = 0;
	*cap = ROOM - r->fill;
	return r->buf + r->fill;
}

static int room_done(void *arg, uint64_t off, size_t len)
{
	struct room *r = arg;

	(void)off;
	r->fill += len;
	return 0;
}

static double secs(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	static const struct zfd_seal_direct ops = { room_get, room_done };
	uint8_t pk[ZFD_SEAL_KEY_SIZE], sk[ZFD_SEAL_KEY_SIZE];
	unsigned long size = 1024, lanes = 1, threads = 1, i;
	struct timespec a, b;
	struct room r = { NULL, 0 };
	struct zfd_seal_w *w;
	struct rusage ru;
	uint8_t *plain;
	double wall;
	int c;

	while ((c = getopt(argc, argv, "s:l:t:")) != -1) {
		switch (c) {
		case 's':
			size = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			lanes = strtoul(optarg, NULL, 0);
			break;
		case 't':
			threads = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: zfd-sealspeed [-s SIZE_MIB] "
					"[-l LANES] [-t THREADS]\n");
			return 2;
		}
	}
	plain = malloc(BLOCK);
	r.buf = malloc(ROOM);
	if (!plain || !r.buf || zfd_seal_keygen(pk, sk)) {
		fprintf(stderr, "zfd-sealspeed: no memory or no libsodium\n");
		return 1;
	}
	srandom(1);
	for (i = 0; i < BLOCK; i++)
		plain[i] = (uint8_t)random();
	if (zfd_seal_w_new(pk, ZFD_SEAL_CHUNK_DEFAULT, (unsigned int)lanes,
			   (unsigned int)threads, &w)) {
		fprintf(stderr, "zfd-sealspeed: bad lanes or threads\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	/* the s390 header: the stream is 4 KiB off the chunk boundaries */
	if (zfd_seal_w_write_direct(w, plain, 4096, &ops, &r))
		return 1;
	for (i = 0; i < size; i++)
		if (zfd_seal_w_write_direct(w, plain, BLOCK, &ops, &r))
			return 1;
	if (zfd_seal_w_final_direct(w, &ops, &r))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	zfd_seal_w_free(w);
	getrusage(RUSAGE_SELF, &ru);
	wall = (double)(b.tv_sec - a.tv_sec) +
	       (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("lanes %lu threads %lu: %lu MiB in %.3f s wall, %.2f s user "
	       "%.2f s sys, %.0f MiB/s\n",
	       lanes, threads, size, wall, secs(&ru.ru_utime),
	       secs(&ru.ru_stime), (double)size / wall);
	free(plain);
	free(r.buf);
	return 0;
}
