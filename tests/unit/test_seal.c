// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the sealed envelope (src/lib/seal*.c): header bytes on
 * disk, round trips, truncation, tampering, reordering, wrong keys, key
 * files. Runs natively and under qemu-s390x (byte order). The envelope
 * tests run three times: version 1 (one lane, as written before lanes),
 * version 2 with one lane and with three (threads sealing at once).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "be.h"
#include "seal.h"

#define CS 4096u

struct mem {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

static int mem_out(void *arg, uint64_t off, const void *data, size_t len)
{
	struct mem *m = arg;

	if (off + len > m->cap) {
		m->cap = (size_t)(off + len) * 2;
		m->buf = realloc(m->buf, m->cap);
		assert_non_null(m->buf);
	}
	memcpy(m->buf + off, data, len);
	if (off + len > m->len)
		m->len = (size_t)(off + len);
	return 0;
}

static int64_t mem_read(void *arg, void *buf, size_t len, uint64_t off)
{
	struct mem *m = arg;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = m->len - (size_t)off;
	memcpy(buf, m->buf + off, len);
	return (int64_t)len;
}

static uint8_t pk[ZFD_SEAL_KEY_SIZE], sk[ZFD_SEAL_KEY_SIZE];
/* the writer's lanes argument of this group: 0 = version 1; 2 threads */
static unsigned int lanes;

static void pattern(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + (i >> 12));
}

/* Seals len pattern bytes into m (header first, as a stream sink). */
static void seal(struct mem *m, size_t len, bool final)
{
	struct zfd_seal_w *w;
	uint8_t *p = malloc(len + 1);
	size_t done = 0, step;

	assert_non_null(p);
	pattern(p, len);
	memset(m, 0, sizeof(*m));
	assert_int_equal(zfd_seal_w_new(pk, CS, lanes, 2, &w), 0);
	/* odd write sizes cross chunk boundaries */
	while (done < len) {
		step = len - done < 1000 ? len - done : 1000;
		assert_int_equal(zfd_seal_w_write(w, p + done, step, mem_out,
						  m),
				 0);
		done += step;
	}
	if (final)
		assert_int_equal(zfd_seal_w_final(w, mem_out, m), 0);
	else
		zfd_seal_w_cut(w);
	mem_out(m, 0, zfd_seal_w_hdr(w), ZFD_SEAL_HDR_SIZE);
	if (final)
		assert_int_equal(m->len, zfd_seal_size(len, CS));
	zfd_seal_w_free(w);
	free(p);
}

struct sink {
	uint8_t *buf;
	uint64_t len;
	uint64_t calls;
};

static int sink_out(void *arg, uint64_t off, const void *data, size_t len)
{
	struct sink *s = arg;

	assert_int_equal(off, s->len);
	s->buf = realloc(s->buf, (size_t)(s->len + len));
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->calls++;
	return 0;
}

static int open_stream(struct mem *m, uint64_t avail, struct sink *s,
		       struct zfd_seal_result *res)
{
	struct zfd_seal_r *r;
	char why[160];
	int rc;

	memset(s, 0, sizeof(*s));
	rc = zfd_seal_r_open(m->buf, pk, sk, &r, why, sizeof(why));
	assert_int_equal(rc, 0);
	rc = zfd_seal_r_stream(r, avail, mem_read, m, sink_out, s, res);
	zfd_seal_r_free(r);
	return rc;
}

static void check_plain(const struct sink *s, uint64_t len)
{
	uint8_t *p = malloc((size_t)len + 1);

	pattern(p, (size_t)len);
	assert_int_equal(s->len, len);
	assert_memory_equal(s->buf, p, (size_t)len);
	free(p);
}

static int setup_v1(void **state)
{
	(void)state;
	lanes = 0;
	return zfd_seal_keygen(pk, sk);
}

static int setup_one(void **state)
{
	(void)state;
	lanes = 1;
	return zfd_seal_keygen(pk, sk);
}

static int setup_lanes(void **state)
{
	(void)state;
	lanes = 3;
	return zfd_seal_keygen(pk, sk);
}

static void test_header_bytes(void **state)
{
	static const uint8_t magic[8] = "ZFDSEAL1";
	struct zfd_seal_hdr h, d;
	uint8_t raw[ZFD_SEAL_HDR_SIZE];
	char why[128];
	size_t i;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.version = ZFD_SEAL_VERSION;
	h.hdr_size = ZFD_SEAL_HDR_SIZE;
	h.chunk_size = 0x00010000;
	h.cipher = ZFD_SEAL_CIPHER;
	for (i = 0; i < sizeof(h.fp); i++)
		h.fp[i] = (uint8_t)(0xa0 + i);
	memset(h.sealed_key, 0x5a, sizeof(h.sealed_key));
	memset(h.ss_hdr, 0xc3, sizeof(h.ss_hdr));
	h.lanes = 3;
	memset(h.lane_hdr[0], 0xd1, sizeof(h.lane_hdr[0]));
	memset(h.lane_hdr[1], 0xd2, sizeof(h.lane_hdr[1]));
	h.data_size = 0x0102030405060708ULL;
	h.plain_size = 0x1112131415161718ULL;
	h.state = ZFD_SEAL_ST_FINAL;
	zfd_seal_hdr_encode(&h, raw);

	/* every field at its offset, most significant byte first */
	assert_memory_equal(raw, magic, 8);
	assert_memory_equal(raw + 0x08, "\x00\x00\x00\x02", 4);
	assert_memory_equal(raw + 0x0c, "\x00\x00\x10\x00", 4);
	assert_memory_equal(raw + 0x10, "\x00\x01\x00\x00", 4);
	assert_memory_equal(raw + 0x14, "\x00\x00\x00\x01", 4);
	assert_memory_equal(raw + 0x18, "\x00\x00\x00\x50", 4);
	assert_memory_equal(raw + 0x1c, "\x00\x00\x00\x18", 4);
	assert_int_equal(raw[0x20], 0xa0);
	assert_int_equal(raw[0x2f], 0xaf);
	assert_int_equal(raw[0x30], 0x5a);
	assert_int_equal(raw[0x7f], 0x5a);
	assert_int_equal(raw[0x80], 0xc3);
	assert_int_equal(raw[0x97], 0xc3);
	assert_memory_equal(raw + 0x98, "\x00\x00\x00\x03", 4);
	for (i = 0x9c; i < 0xc0; i++)
		assert_int_equal(raw[i], 0);
	assert_memory_equal(raw + 0xc0, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_memory_equal(raw + 0xc8, "\x11\x12\x13\x14\x15\x16\x17\x18", 8);
	assert_memory_equal(raw + 0xd0, "\x00\x00\x00\x01", 4);
	for (i = 0xd4; i < 0x100; i++)
		assert_int_equal(raw[i], 0);
	/* the lane table: lanes 1 and 2 */
	for (i = 0x100; i < 0x118; i++)
		assert_int_equal(raw[i], 0xd1);
	for (i = 0x118; i < 0x130; i++)
		assert_int_equal(raw[i], 0xd2);
	for (i = 0x130; i < ZFD_SEAL_HDR_SIZE; i++)
		assert_int_equal(raw[i], 0);

	assert_int_equal(zfd_seal_hdr_decode(raw, sizeof(raw), &d, why,
					     sizeof(why)),
			 0);
	assert_int_equal(d.version, 2);
	assert_int_equal(d.lanes, 3);
	assert_int_equal(zfd_seal_lane_tbl_len(&d), 48);
	assert_memory_equal(d.lane_hdr, h.lane_hdr, 48);
	assert_int_equal(d.chunk_size, 0x10000);
	assert_int_equal(d.data_size, 0x0102030405060708ULL);
	assert_int_equal(d.plain_size, 0x1112131415161718ULL);
	assert_int_equal(d.state, ZFD_SEAL_ST_FINAL);
	assert_memory_equal(d.fp, h.fp, sizeof(h.fp));

	/* bad fields: one line each */
	zfd_put_be32(raw + 0x98, 0);
	assert_int_equal(zfd_seal_hdr_decode(raw, sizeof(raw), &d, why,
					     sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "sealed envelope lanes 0 out of range");
	zfd_put_be32(raw + 0x98, 65);
	assert_int_equal(zfd_seal_hdr_decode(raw, sizeof(raw), &d, why,
					     sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "sealed envelope lanes 65 out of range");
	zfd_put_be32(raw + 0x98, 3);
	zfd_put_be32(raw + 0x10, 100);
	assert_int_equal(zfd_seal_hdr_decode(raw, sizeof(raw), &d, why,
					     sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "sealed chunk size 100 out of range");
	zfd_put_be32(raw + 0x10, CS);
	zfd_put_be32(raw + 0x08, 9);
	assert_int_equal(zfd_seal_hdr_decode(raw, sizeof(raw), &d, why,
					     sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "sealed envelope version 9 unknown");
	/* version 1: the lanes field was reserved, one lane */
	zfd_put_be32(raw + 0x08, 1);
	assert_int_equal(zfd_seal_hdr_decode(raw, sizeof(raw), &d, why,
					     sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "sealed envelope version 1 with lanes 3");
	h.version = ZFD_SEAL_VERSION_1;
	zfd_seal_hdr_encode(&h, raw);
	assert_memory_equal(raw + 0x08, "\x00\x00\x00\x01", 4);
	for (i = 0x98; i < 0xc0; i++)
		assert_int_equal(raw[i], 0);
	for (i = 0xd4; i < ZFD_SEAL_HDR_SIZE; i++)
		assert_int_equal(raw[i], 0);
	assert_int_equal(zfd_seal_hdr_decode(raw, sizeof(raw), &d, why,
					     sizeof(why)),
			 0);
	assert_int_equal(d.lanes, 1);
	assert_int_equal(zfd_seal_lane_tbl_len(&d), 0);
	assert_int_equal(zfd_seal_hdr_decode(raw, 100, &d, why, sizeof(why)),
			 -EINVAL);
	raw[0] = 0;
	assert_int_equal(zfd_seal_hdr_decode(raw, sizeof(raw), &d, why,
					     sizeof(why)),
			 -ENODEV);
}

static void test_round_trip(void **state)
{
	static const size_t sizes[] = { 0,	1,	CS - 1,	      CS,
					CS + 1, 3 * CS, 3 * CS + 1234 };
	struct zfd_seal_result res;
	struct sink s;
	struct mem m;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		seal(&m, sizes[k], true);
		assert_int_equal(open_stream(&m, m.len, &s, &res), 0);
		assert_int_equal(res.end, ZFD_SEAL_END_FINAL);
		assert_int_equal(res.plain, sizes[k]);
		assert_int_equal(res.chunks, sizes[k] / CS + 1);
		assert_int_equal(res.stop_off, m.len);
		check_plain(&s, sizes[k]);
		assert_int_equal(zfd_get_be32(m.buf + 0x08), lanes ? 2 : 1);
		assert_int_equal(zfd_get_be32(m.buf + 0x98), lanes);
		/* header written last: sizes and state recorded */
		assert_int_equal(zfd_get_be64(m.buf + 0xc0),
				 m.len - ZFD_SEAL_HDR_SIZE);
		assert_int_equal(zfd_get_be64(m.buf + 0xc8), sizes[k]);
		assert_int_equal(zfd_get_be32(m.buf + 0xd0), ZFD_SEAL_ST_FINAL);
		/* a raw device: garbage behind the data, bound by the header */
		free(s.buf);
		assert_int_equal(open_stream(&m, UINT64_MAX, &s, &res), 0);
		assert_int_equal(res.end, ZFD_SEAL_END_FINAL);
		free(s.buf);
		free(m.buf);
	}
}

static void test_truncated(void **state)
{
	struct zfd_seal_result res;
	struct sink s;
	struct mem m;

	(void)state;
	seal(&m, 5 * CS + 100, true);
	/* cut at a chunk boundary: 3 chunks still decrypt */
	zfd_put_be32(m.buf + 0xd0, ZFD_SEAL_ST_OPEN);
	assert_int_equal(open_stream(&m,
				     zfd_seal_chunk_off(
					     &(struct zfd_seal_hdr){
						     .hdr_size = 4096,
						     .chunk_size = CS },
					     3),
				     &s, &res),
			 0);
	assert_int_equal(res.end, ZFD_SEAL_END_CUT);
	assert_int_equal(res.chunks, 3);
	check_plain(&s, 3 * CS);
	assert_string_equal(res.why,
			    "sealed data ends before chunk 3 at offset "
			    "16435, no final chunk");
	free(s.buf);
	/* cut inside chunk 4 */
	assert_int_equal(open_stream(&m, 4096 + 4 * (CS + 17) + 1000, &s, &res),
			 0);
	assert_int_equal(res.end, ZFD_SEAL_END_CUT);
	assert_int_equal(res.plain, 4 * CS);
	check_plain(&s, 4 * CS);
	assert_string_equal(res.why, "sealed data ends inside chunk 4 at "
				     "offset 20548 (1000 of 4113 bytes)");
	free(s.buf);
	free(m.buf);

	/* a writer that stopped: no final chunk, header says cut */
	seal(&m, 2 * CS + 5, false);
	assert_int_equal(zfd_get_be32(m.buf + 0xd0), ZFD_SEAL_ST_CUT);
	assert_int_equal(open_stream(&m, UINT64_MAX, &s, &res), 0);
	assert_int_equal(res.end, ZFD_SEAL_END_CUT);
	check_plain(&s, 2 * CS);
	free(s.buf);
	free(m.buf);
}

static void test_tampered(void **state)
{
	struct zfd_seal_result res;
	struct sink s;
	struct mem m;
	uint64_t off2 = 4096 + 2 * (CS + 17);

	(void)state;
	seal(&m, 5 * CS, true);
	m.buf[off2 + 77] ^= 1;
	assert_int_equal(open_stream(&m, m.len, &s, &res), 0);
	assert_int_equal(res.end, ZFD_SEAL_END_BAD);
	assert_int_equal(res.stop_off, off2);
	/* only the chunks before the damage were handed on */
	assert_int_equal(res.chunks, 2);
	check_plain(&s, 2 * CS);
	assert_string_equal(res.why,
			    "chunk 2 at offset 12322 fails "
			    "authentication (tampered or out of order); "
			    "nothing after it is trusted");
	free(s.buf);
	free(m.buf);
}

/* Chunk k of CS bytes at envelope offset: */
#define CHUNK_OFF(k) (4096 + (uint64_t)(k) * (CS + 17))

/*
 * Seals n chunks, swaps chunks i and j (j < 0: drops chunk i), and checks
 * that the reader stops at chunk i with only the chunks before it.
 */
static void check_moved(size_t n, size_t i, long j)
{
	struct zfd_seal_result res;
	uint8_t tmp[CS + 17];
	uint64_t o1 = CHUNK_OFF(i);
	struct sink s;
	struct mem m;

	seal(&m, n * CS, true);
	if (j < 0) {
		memmove(m.buf + o1, m.buf + o1 + sizeof(tmp),
			m.len - o1 - sizeof(tmp));
		m.len -= sizeof(tmp);
		zfd_put_be64(m.buf + 0xc0, m.len - ZFD_SEAL_HDR_SIZE);
	} else {
		memcpy(tmp, m.buf + o1, sizeof(tmp));
		memcpy(m.buf + o1, m.buf + CHUNK_OFF(j), sizeof(tmp));
		memcpy(m.buf + CHUNK_OFF(j), tmp, sizeof(tmp));
	}
	assert_int_equal(open_stream(&m, m.len, &s, &res), 0);
	assert_int_equal(res.end, ZFD_SEAL_END_BAD);
	assert_int_equal(res.stop_off, o1);
	check_plain(&s, i * CS);
	free(s.buf);
	free(m.buf);
}

static void test_reordered(void **state)
{
	(void)state;
	/* neighbours: another lane when there are several */
	check_moved(4, 1, 2);
	/* chunks 1 and 4: the same lane when there are three */
	check_moved(6, 1, 4);
	/* a chunk dropped: everything behind it moves to another lane */
	check_moved(6, 1, -1);
}

static void test_lane_header(void **state)
{
	struct zfd_seal_result res;
	struct sink s;
	struct mem m;

	(void)state;
	assert_true(lanes >= 2);
	/* lane 1's header damaged: lane 0's first chunk still decrypts */
	seal(&m, 4 * CS, true);
	m.buf[0x100 + 5] ^= 0x40;
	assert_int_equal(open_stream(&m, m.len, &s, &res), 0);
	assert_int_equal(res.end, ZFD_SEAL_END_BAD);
	assert_int_equal(res.chunks, 1);
	assert_int_equal(res.stop_off, 4096 + CS + 17);
	check_plain(&s, CS);
	free(s.buf);
	free(m.buf);
}

static void test_header_bound(void **state)
{
	struct zfd_seal_result res;
	struct sink s;
	struct mem m;

	(void)state;
	/* a changed byte in the fixed header fails the first chunk */
	seal(&m, 2 * CS, true);
	m.buf[0xa0] = 1;
	assert_int_equal(open_stream(&m, m.len, &s, &res), 0);
	assert_int_equal(res.end, ZFD_SEAL_END_BAD);
	assert_int_equal(res.stop_off, 4096);
	assert_int_equal(s.len, 0);
	free(m.buf);
}

static void test_wrong_key(void **state)
{
	uint8_t pk2[ZFD_SEAL_KEY_SIZE], sk2[ZFD_SEAL_KEY_SIZE];
	uint8_t fp[ZFD_SEAL_FP_SIZE];
	char why[160], hex[ZFD_SEAL_FP_HEX], want[160];
	struct zfd_seal_r *r = NULL;
	struct mem m;

	(void)state;
	seal(&m, CS, true);
	assert_int_equal(zfd_seal_keygen(pk2, sk2), 0);
	assert_int_equal(zfd_seal_r_open(m.buf, pk2, sk2, &r, why, sizeof(why)),
			 -EKEYREJECTED);
	zfd_seal_fingerprint(pk, fp);
	zfd_seal_fp_hex(fp, hex);
	snprintf(want, sizeof(want), "sealed to key %s, not this one", hex);
	assert_string_equal(why, want);
	assert_int_equal(strlen(hex), 32);
	/* the fingerprint in the header is the recipient's */
	assert_memory_equal(m.buf + 0x20, fp, sizeof(fp));
	free(m.buf);
}

/*
 * Direct mode: chunks encrypted in place into the caller's memory, room
 * for up to 7 chunks at a time (and a few bytes over, never used).
 */
#define ROOM (7 * (CS + 17) + 100)
static uint8_t *direct_room(void *arg, size_t *cap)
{
	struct mem *m = arg;

	if (m->len + ROOM > m->cap) {
		m->cap = (m->len + ROOM) * 2;
		m->buf = realloc(m->buf, m->cap);
		assert_non_null(m->buf);
	}
	*cap = ROOM;
	return m->buf + m->len;
}

static int direct_done(void *arg, uint64_t off, size_t len)
{
	struct mem *m = arg;

	assert_int_equal(off, m->len);
	m->len += len;
	return 0;
}

static void test_direct(void **state)
{
	static const struct zfd_seal_direct ops = { direct_room, direct_done };
	static const size_t steps[] = { 4096,	3 * CS,	    1,
					CS - 1, 2 * CS + 5, 40 * CS + 7 };
	struct zfd_seal_result res;
	size_t total = 0, k, i;
	struct zfd_seal_w *w;
	struct sink s;
	struct mem m = { 0 };
	uint8_t *p;

	(void)state;
	for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++)
		total += steps[k];
	p = malloc(total);
	pattern(p, total);
	assert_int_equal(zfd_seal_w_new(pk, CS, lanes, 2, &w), 0);
	m.len = ZFD_SEAL_HDR_SIZE;
	direct_room(&m, &k);
	for (k = 0, i = 0; k < sizeof(steps) / sizeof(steps[0]);
	     i += steps[k++])
		assert_int_equal(zfd_seal_w_write_direct(w, p + i, steps[k],
							 &ops, &m),
				 0);
	assert_int_equal(zfd_seal_w_final_direct(w, &ops, &m), 0);
	memcpy(m.buf, zfd_seal_w_hdr(w), ZFD_SEAL_HDR_SIZE);
	assert_int_equal(m.len, zfd_seal_size(total, CS));
	assert_int_equal(open_stream(&m, m.len, &s, &res), 0);
	assert_int_equal(res.end, ZFD_SEAL_END_FINAL);
	check_plain(&s, total);
	zfd_seal_w_free(w);
	free(s.buf);
	free(m.buf);
	free(p);
}

static void test_key_files(void **state)
{
	char pub[ZFD_SEAL_KEYFILE_MAX], sec[ZFD_SEAL_KEYFILE_MAX], why[128];
	uint8_t p2[ZFD_SEAL_KEY_SIZE], s2[ZFD_SEAL_KEY_SIZE];

	(void)state;
	zfd_seal_format_pub(pk, pub);
	zfd_seal_format_secret(pk, sk, sec);
	assert_int_equal(strlen(pub), 23 + 65);
	assert_int_equal(zfd_seal_parse_key(pub, strlen(pub), p2, NULL, why,
					    sizeof(why)),
			 0);
	assert_memory_equal(p2, pk, sizeof(pk));
	assert_int_equal(zfd_seal_parse_key(sec, strlen(sec), p2, s2, why,
					    sizeof(why)),
			 0);
	assert_memory_equal(s2, sk, sizeof(sk));
	/* a secret key where a public key belongs: refused */
	assert_int_equal(zfd_seal_parse_key(sec, strlen(sec), p2, NULL, why,
					    sizeof(why)),
			 -EPERM);
	assert_string_equal(why, "holds a secret key (use the .pub file)");
	assert_int_equal(zfd_seal_parse_key(pub, strlen(pub), p2, s2, why,
					    sizeof(why)),
			 -EINVAL);
	/* damage */
	pub[30] = 'x';
	assert_int_equal(zfd_seal_parse_key(pub, strlen(pub), p2, NULL, why,
					    sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "not a zfcpdump public key file");
	/* another valid hex digit: the keys no longer belong together */
	sec[30] = sec[30] == '0' ? '1' : '0';
	assert_int_equal(zfd_seal_parse_key(sec, strlen(sec), p2, s2, why,
					    sizeof(why)),
			 -EINVAL);
	assert_string_equal(why,
			    "secret and public key do not belong together");
	assert_int_equal(zfd_seal_parse_key("", 0, p2, NULL, why, sizeof(why)),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest once[] = {
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_key_files),
	};
	const struct CMUnitTest envelope[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_reordered),
		cmocka_unit_test(test_header_bound),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_direct),
	};
	const struct CMUnitTest lanes_only[] = {
		cmocka_unit_test(test_lane_header),
	};
	int fails = 0;

	fails += cmocka_run_group_tests_name("header", once, setup_lanes, NULL);
	fails += cmocka_run_group_tests_name("version 1", envelope, setup_v1,
					     NULL);
	fails += cmocka_run_group_tests_name("one lane", envelope, setup_one,
					     NULL);
	fails += cmocka_run_group_tests_name("three lanes", envelope,
					     setup_lanes, NULL);
	fails += cmocka_run_group_tests_name("lanes", lanes_only, setup_lanes,
					     NULL);
	return fails ? 1 : 0;
}
