/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kvm.malicious_host, enclave side (malicious.edl): small ECALLs whose
 * results show what the generated bridges let through, and OCALL tests whose
 * results show what the enclave's OCALL proxies accept back from an
 * application that misbehaves. Nothing here may crash whatever the
 * application does; the bridges must refuse bad input first.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "malicious_t.h"
#include "sgx_trts.h"

#define IN_ENCLAVE(p, n) ((p) && sgx_is_within_enclave((p), (n)))
#define IN_WINDOW(p, n)  ((p) && sgx_is_outside_enclave((p), (n)))

void ecall_noop(void)
{
}

int ecall_ping(int x)
{
	return x + 1;
}

uint64_t ecall_sum_in(const uint8_t *buf, size_t len)
{
	uint64_t sum = 0;
	if (!buf)
		return UINT64_MAX;
	if (!IN_ENCLAVE(buf, len))
		return UINT64_MAX - 1;
	for (size_t i = 0; i < len; i++)
		sum += buf[i];
	return sum;
}

int ecall_fill_out(uint8_t *buf, size_t len)
{
	if (!buf)
		return -1;
	if (!IN_ENCLAVE(buf, len))
		return -2;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((i & 0xff) ^ 0x5a);
	return 0;
}

int ecall_inc_inout(uint8_t *buf, size_t len)
{
	if (!buf)
		return -1;
	if (!IN_ENCLAVE(buf, len))
		return -2;
	for (size_t i = 0; i < len; i++)
		buf[i]++;
	return 0;
}

int64_t ecall_sum_count(const int32_t *v, size_t n)
{
	int64_t sum = 0;
	if (!v)
		return INT64_MIN;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

uint64_t ecall_sum_size_count(const void *p, size_t sz, size_t cnt)
{
	const uint8_t *b = p;
	uint64_t sum = 0;
	if (!b)
		return UINT64_MAX;
	for (size_t i = 0; i < sz * cnt; i++)
		sum += b[i];
	return sum;
}

size_t ecall_strlen(const char *s)
{
	return s ? strlen(s) : SIZE_MAX;
}

size_t ecall_wcslen(const wchar_t *w)
{
	return w ? wcslen(w) : SIZE_MAX;
}

size_t ecall_str_inout(char *s)
{
	if (!s)
		return SIZE_MAX;
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			s[i] = (char)(s[i] - 'a' + 'A');
	return n;
}

int64_t ecall_user_check(const uint8_t *p, size_t len)
{
	int64_t sum = 0;
	if (!IN_WINDOW(p, len))
		return -1; /* not the application's window: refused */
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

int64_t ecall_deep(struct blob *b)
{
	int64_t sum = 0;
	if (!b)
		return -100;
	if (!IN_ENCLAVE(b, sizeof(*b)))
		return -101;
	if (!b->data)
		return -102;
	if (!IN_ENCLAVE(b->data, b->len))
		return -103;
	for (size_t i = 0; i < b->len; i++) {
		sum += b->data[i];
		b->data[i]++;
	}
	return sum;
}

/* Parses [uint32_t count][payload] in msg (enclave memory). Reads count a
 * second time the way naive code does; with a private copy both reads agree. */
static int parse(const uint8_t *msg, size_t len)
{
	uint32_t count;
	if (!msg || len < 4)
		return -1;
	memcpy(&count, msg, 4);
	if (count > len - 4)
		return -1;
	const volatile uint8_t *vm = msg;
	uint32_t again =
	    (uint32_t)vm[0] | (uint32_t)vm[1] << 8 | (uint32_t)vm[2] << 16 | (uint32_t)vm[3] << 24;
	if (again != count)
		return -2;
	int sum = 0;
	for (uint32_t i = 0; i < again; i++)
		sum += msg[4 + i];
	return sum;
}

int ecall_parse(const uint8_t *msg, size_t len)
{
	if (msg && !IN_ENCLAVE(msg, len))
		return -3;
	return parse(msg, len);
}

int ecall_parse_uc(const uint8_t *msg, size_t len)
{
	uint8_t copy[4096];
	if (len > sizeof(copy) || !IN_WINDOW(msg, len))
		return -1;
	memcpy(copy, msg, len); /* one fetch from shared memory, then private */
	return parse(copy, len);
}

uint64_t ecall_watch(const uint32_t *word, uint64_t reads)
{
	if (!IN_WINDOW(word, sizeof(*word)))
		return UINT64_MAX;
	const volatile uint32_t *w = word;
	uint32_t prev = *w;
	uint64_t changes = 0;
	for (uint64_t i = 0; i < reads && changes < 100; i++) {
		uint32_t v = *w;
		changes += v != prev;
		prev = v;
	}
	return changes;
}

int ecall_private(int x)
{
	return 2 * x;
}

struct wide ecall_wide(struct wide w)
{
	struct wide r = {w.b, w.a};
	return r;
}

long double ecall_ldouble(long double x)
{
	return 2 * x;
}

int ecall_recurse(int n)
{
	int r = -1;
	if (n <= 0)
		return 0;
	sgx_status_t st = ocall_recurse(&r, n - 1);
	if (st != SGX_SUCCESS)
		return -(int)st;
	return r < 0 ? r : r + 1;
}

/* ---- OCALL tests ---------------------------------------------------------------------------- */

/*
 * ecall_call_ocalls(which) result: when the OCALL proxy returned a status
 * other than SGX_SUCCESS, OCALL_FAILED + that status (after checking that
 * none of the enclave's memory around the OCALL's buffers changed);
 * otherwise 0 when all was as expected, or a positive check number.
 * Negative: the enclave's memory was touched where it must not be.
 */
#define OCALL_FAILED 0x100000
#define GUARD        0xA5

static int guards_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != GUARD)
			return 0;
	return 1;
}

/* [out, size=len]: 64 bytes between two 16-byte guards. */
static int ot_get(void)
{
	uint8_t area[16 + 64 + 16];
	size_t n = 0;
	memset(area, GUARD, sizeof(area));
	sgx_status_t st = ocall_get(&n, area + 16, 64);
	if (!guards_ok(area, 16) || !guards_ok(area + 80, 16))
		return -1;
	if (st != SGX_SUCCESS)
		return OCALL_FAILED + (int)st;
	for (int i = 0; i < 64; i++)
		if (area[16 + i] != 0x42)
			return 1;
	/* n is the application's word: a size it claims, not one to trust. */
	return 0;
}

/* [in, out, string]: "hello" in a 16-byte buffer between guards. */
static int ot_str(void)
{
	char area[16 + 16 + 16];
	memset(area, GUARD, sizeof(area));
	memset(area + 16, 'z', 16);
	memcpy(area + 16, "hello", 6);
	sgx_status_t st = ocall_str_inout(area + 16);
	if (!guards_ok((uint8_t *)area, 16) || !guards_ok((uint8_t *)area + 32, 16))
		return -1;
	for (int i = 6; i < 16; i++) /* beyond the string's 6 bytes: untouched */
		if (area[16 + i] != 'z')
			return -2;
	if (st != SGX_SUCCESS)
		return OCALL_FAILED + (int)st;
	if (area[16 + 5] != 0) /* re-terminated at the original length */
		return 1;
	if (strcmp(area + 16, "AAAAA") != 0)
		return 2;
	return 0;
}

/* [in, out] deep copy: 8 data bytes between guards. */
static int ot_deep(void)
{
	uint8_t area[16 + 8 + 16];
	memset(area, GUARD, sizeof(area));
	for (int i = 0; i < 8; i++)
		area[16 + i] = (uint8_t)(i + 1);
	struct blob b = {8, area + 16};
	int r = 0;
	sgx_status_t st = ocall_deep(&r, &b);
	if (!guards_ok(area, 16) || !guards_ok(area + 24, 16))
		return -1;
	if (b.data != area + 16)
		return -2; /* our pointer must come back, whatever the app wrote */
	if (st != SGX_SUCCESS) {
		for (int i = 0; i < 8; i++)
			if (area[16 + i] != (uint8_t)(i + 1))
				return -3; /* refused: nothing copied back */
		return OCALL_FAILED + (int)st;
	}
	if (b.len > 8)
		return -4;
	for (size_t i = 0; i < b.len; i++)
		if (area[16 + i] != (uint8_t)(2 * (i + 1)))
			return 1;
	return 0;
}

/* A pointer returned by the application: used only if it is in the window. */
static int ot_ptr(void)
{
	void *p = NULL;
	sgx_status_t st = ocall_ptr(&p);
	if (st != SGX_SUCCESS)
		return OCALL_FAILED + (int)st;
	if (!IN_WINDOW(p, 16))
		return 1; /* refused */
	return memcmp(p, "window!", 8) == 0 ? 0 : 2;
}

static int ot_nest(void)
{
	int r = 0;
	sgx_status_t st = ocall_nest(&r, 20);
	if (st != SGX_SUCCESS)
		return OCALL_FAILED + (int)st;
	return r == 21 ? 0 : 1;
}

static int ot_allow_private(void)
{
	int r = 0;
	sgx_status_t st = ocall_allow_private(&r, 20);
	if (st != SGX_SUCCESS)
		return OCALL_FAILED + (int)st;
	return r == 40 ? 0 : 1;
}

static int ot_errno(void)
{
	int r = 0;
	errno = 0;
	sgx_status_t st = ocall_errno(&r);
	if (st != SGX_SUCCESS)
		return OCALL_FAILED + (int)st;
	/* Any value: errno is the application's word, nothing to trust. */
	return errno == INT_MIN ? 0 : errno == 0 ? 1 : 2;
}

int ecall_call_ocalls(int which)
{
	switch (which) {
	case 0:
		return ot_get();
	case 1:
		return ot_str();
	case 2:
		return ot_deep();
	case 3:
		return ot_ptr();
	case 4:
		return ot_nest();
	case 5:
		return ot_allow_private();
	case 6:
		return ot_errno();
	default:
		return -1000;
	}
}
