/*
 * Check of the SIGSTRUCT q1/q2 helper values. SGX defines
 *   q1 = floor(s^2 / m),  q2 = floor((s^3 - q1 * s * m) / m)
 * which is equivalent to: s^2 = q1*m + r1 with 0 <= r1 < m, and
 * s*r1 = q2*m + r2 with 0 <= r2 < m. Only multiplication, subtraction and
 * comparison of public values are needed; no secret data is handled.
 */
#include "de/sigstruct.h"
#include "le.h"

#define N  (DE_RSA_KEY_BYTES / 4) /* 96 limbs of 32 bits */
#define N2 (2 * N)

static void load(uint32_t out[N], const uint8_t in[DE_RSA_KEY_BYTES])
{
	for (size_t i = 0; i < N; i++)
		out[i] = de_le32(in + 4 * i);
}

static void mul(uint32_t out[N2], const uint32_t a[N], const uint32_t b[N])
{
	memset(out, 0, N2 * sizeof(uint32_t));
	for (size_t i = 0; i < N; i++) {
		uint64_t carry = 0;
		for (size_t j = 0; j < N; j++) {
			uint64_t t = (uint64_t)a[i] * b[j] + out[i + j] + carry;
			out[i + j] = (uint32_t)t;
			carry = t >> 32;
		}
		out[i + N] = (uint32_t)carry;
	}
}

/* out = a - b; returns 1 if a >= b (no borrow), 0 otherwise. */
static int sub(uint32_t out[N2], const uint32_t a[N2], const uint32_t b[N2])
{
	uint64_t borrow = 0;
	for (size_t i = 0; i < N2; i++) {
		uint64_t t = (uint64_t)a[i] - b[i] - borrow;
		out[i] = (uint32_t)t;
		borrow = (t >> 32) & 1;
	}
	return borrow == 0;
}

/* 1 if the double-width r is below the single-width m. */
static int below(const uint32_t r[N2], const uint32_t m[N])
{
	for (size_t i = N2; i-- > N;)
		if (r[i] != 0)
			return 0;
	for (size_t i = N; i-- > 0;) {
		if (r[i] != m[i])
			return r[i] < m[i];
	}
	return 0;
}

int de_sigstruct_q_valid(const struct de_sigstruct *ss)
{
	uint32_t s[N], m[N], q[N], r[N];
	uint32_t prod[N2], qm[N2], rem[N2];

	load(s, ss->signature);
	load(m, ss->modulus);

	load(q, ss->q1);
	mul(prod, s, s);
	mul(qm, q, m);
	if (!sub(rem, prod, qm) || !below(rem, m))
		return 0;
	memcpy(r, rem, sizeof(r));

	load(q, ss->q2);
	mul(prod, s, r);
	mul(qm, q, m);
	if (!sub(rem, prod, qm) || !below(rem, m))
		return 0;
	return 1;
}
