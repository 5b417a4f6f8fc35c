/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Explicit big-endian accessors for on-disk integers. */
#ifndef ZFD_BE_H
#define ZFD_BE_H

#include <stdint.h>

static inline uint16_t zfd_get_be16(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t zfd_get_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t zfd_get_be64(const void *p)
{
	const uint8_t *b = p;

	return (uint64_t)zfd_get_be32(b) << 32 | zfd_get_be32(b + 4);
}

static inline void zfd_put_be16(void *p, uint16_t v)
{
	uint8_t *b = p;

	b[0] = v >> 8;
	b[1] = v;
}

static inline void zfd_put_be32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

static inline void zfd_put_be64(void *p, uint64_t v)
{
	zfd_put_be32(p, v >> 32);
	zfd_put_be32((uint8_t *)p + 4, (uint32_t)v);
}

/* Little-endian accessors (foreign formats only, e.g. x86_64 ELF cores). */
static inline uint16_t zfd_get_le16(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)(b[1] << 8 | b[0]);
}

static inline uint32_t zfd_get_le32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[1] << 8 | b[0];
}

static inline uint64_t zfd_get_le64(const void *p)
{
	const uint8_t *b = p;

	return (uint64_t)zfd_get_le32(b + 4) << 32 | zfd_get_le32(b);
}

static inline void zfd_put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;

	b[0] = v;
	b[1] = v >> 8;
}

static inline void zfd_put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = v;
	b[1] = v >> 8;
	b[2] = v >> 16;
	b[3] = v >> 24;
}

static inline void zfd_put_le64(void *p, uint64_t v)
{
	zfd_put_le32(p, (uint32_t)v);
	zfd_put_le32((uint8_t *)p + 4, v >> 32);
}

#endif /* ZFD_BE_H */
