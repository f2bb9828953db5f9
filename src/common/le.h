/* Little-endian loads and checked arithmetic (internal to src/common). */
#ifndef DE_COMMON_LE_H
#define DE_COMMON_LE_H

#include <stdint.h>
#include <string.h>

static inline uint16_t de_le16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t de_le32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t de_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* 1 when [off, off + len) lies inside [0, size); never overflows. */
static inline int de_range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* a + b into *out; 0 on overflow. */
static inline int de_add_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	if (a > UINT64_MAX - b)
		return 0;
	*out = a + b;
	return 1;
}

static inline int de_mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	if (a != 0 && b > UINT64_MAX / a)
		return 0;
	*out = a * b;
	return 1;
}

static inline int de_is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

#define DE_PAGE_MASK 0xFFFull

#endif /* DE_COMMON_LE_H */
