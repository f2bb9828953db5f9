/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kvm.edl_attributes, application side: every EDL attribute and legal
 * combination of attributes.edl, end to end through the generated proxies,
 * the untrusted runtime, the shared window, the trusted runtime and the
 * generated bridges, in a real EVM. Each check looks at the data AND at the
 * sgx_status_t, and prints one "ok:" or "FAIL:" line.
 *
 *   attributes_app ENCLAVE      exit status 0 when every check passed
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "attributes_u.h"
#include "de_window.h"
#include "sgx_urts.h"
#include "sgx_uswitchless.h"

static const char *enclave_path;
static sgx_enclave_id_t eid;
static sgx_enclave_id_t eid2; /* a second instance, made with sgx_create_enclave_ex */
static int failures, checks;
static void *g_win16; /* 16 bytes of shared window, for ocall_ret_ptr */

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		checks++;                                                                          \
		if (cond) {                                                                        \
			printf("ok: ");                                                            \
		} else {                                                                           \
			printf("FAIL: ");                                                          \
			failures++;                                                                \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		fflush(stdout);                                                                    \
	} while (0)

static void create(void)
{
	sgx_status_t st = sgx_create_enclave(enclave_path, 1, NULL, NULL, &eid, NULL);
	if (st != SGX_SUCCESS) {
		printf("FAIL: sgx_create_enclave(%s): %#x\n", enclave_path, st);
		exit(1);
	}
	g_win16 = de_window_alloc(eid, 16);
	if (!g_win16) {
		printf("FAIL: de_window_alloc(16): %#x\n", de_window_status(eid));
		exit(1);
	}
}

/* After a call that should not have hurt the enclave: if it crashed, say so
 * and start a new one so that the remaining checks still run. */
static void survived(sgx_status_t st, const char *what)
{
	if (st != SGX_ERROR_ENCLAVE_CRASHED && st != SGX_ERROR_ENCLAVE_LOST)
		return;
	CHECK(0, "the enclave died during %s (%#x): re-created for the remaining checks", what, st);
	de_window_free(eid, g_win16);
	sgx_destroy_enclave(eid);
	create();
}

/* ---- OCALL implementations ------------------------------------------------------------------ */

static sgx_status_t g_denied_status, g_public_status;

uint64_t ocall_in(const uint8_t *data, size_t len)
{
	uint64_t sum = 0;
	if (!data || len != 300)
		return UINT64_MAX;
	for (size_t i = 0; i < len; i++) {
		if (data[i] != (uint8_t)(i * 5 + 2))
			return UINT64_MAX - 1;
		sum += data[i];
	}
	memset((void *)(uintptr_t)data, 0, len); /* our copy: the enclave's is not touched */
	return sum;
}

size_t ocall_out(uint8_t *buf, size_t len)
{
	size_t nonzero = 0;
	if (!buf)
		return SIZE_MAX;
	for (size_t i = 0; i < len; i++) {
		nonzero += buf[i] != 0;
		buf[i] = (uint8_t)(0xC0 + i % 16);
	}
	return nonzero;
}

int64_t ocall_inout(int32_t *v, size_t n)
{
	int64_t sum = 0;
	if (!v)
		return INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		sum += v[i];
		v[i] *= 10;
	}
	return sum;
}

size_t ocall_str(const char *s)
{
	if (!s || strcmp(s, "hello, app") != 0)
		return SIZE_MAX;
	return strlen(s);
}

void ocall_str_inout(char *s)
{
	if (!s || strcmp(s, "abcdefgh") != 0)
		return;
	for (char *p = s; *p; p++)
		*p = (char)(*p - 'a' + 'A');
	s[3] = 0;
}

size_t ocall_wstr(const wchar_t *w, wchar_t *iow)
{
	if (!w || !iow || wcscmp(w, L"wide\u00e9\u4e16") != 0)
		return SIZE_MAX;
	size_t n = wcslen(iow);
	for (size_t i = 0; i < n / 2; i++) {
		wchar_t c = iow[i];
		iow[i] = iow[n - 1 - i];
		iow[n - 1 - i] = c;
	}
	return wcslen(w);
}

point3_t ocall_ret_struct(point3_t p, int k)
{
	point3_t r = {p.x * k, p.y * k, p.z * k};
	return r;
}

double ocall_ret_double(double x)
{
	return x * x + 0.25;
}

void *ocall_ret_ptr(void)
{
	memcpy(g_win16, "window!", 8);
	return g_win16;
}

int ocall_user_check(void *p)
{
	if (p != g_win16)
		return 1;
	return memcmp(p, "enclave", 8) == 0 ? 0 : 2;
}

int ocall_isptr(point3_ptr_t a, point3_ptr_t b, point3_ptr_t c, cpoint3_ptr_t d)
{
	if (!a || !b || !c || !d)
		return 1;
	if (d->x != -1 || d->y != -2 || d->z != -3)
		return 4;
	if (a->x != 1 || a->y != 2 || a->z != 3)
		return 2;
	if (b->x || b->y || b->z) /* [out]: zeroed, not the enclave's 9s */
		return 3;
	b->x = 4, b->y = 5, b->z = 6;
	c->x++, c->y++, c->z++;
	return 0;
}

int64_t ocall_size_count(int16_t *p, size_t sz, size_t cnt)
{
	int64_t sum = 0;
	if (!p || sz != sizeof(int16_t))
		return INT64_MIN;
	for (size_t i = 0; i < cnt; i++) {
		sum += p[i];
		p[i] = (int16_t)-p[i];
	}
	return sum;
}

int ocall_isary(int4_t a, int4_t b, int4_t c)
{
	if (!a || !b || !c)
		return 1;
	for (int i = 0; i < 4; i++) {
		if (a[i] != i + 1)
			return 2;
		if (b[i] != 0)
			return 3;
		b[i] = (i + 1) * 10;
		c[i] = -c[i];
	}
	return 0;
}

int ocall_arrays(int32_t a[4], int32_t b[2][3], char c[2][2])
{
	if (!a || !b || !c)
		return 1;
	for (int i = 0; i < 4; i++)
		if (a[i] != i + 1)
			return 2;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++) {
			if (b[i][j] != 0)
				return 3;
			b[i][j] = 100 + i * 3 + j;
		}
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			c[i][j] = (char)(c[i][j] - 'a' + 'A');
	return 0;
}

int ocall_struct(const struct rec *in, struct rec *out, struct rec byval)
{
	if (!in || !out)
		return 1;
	if (in->id != 11 || in->weight != 1.25 || strcmp(in->tag, "in") || in->grid[1][2] != 6 ||
	    in->origin.z != 9)
		return 2;
	if (byval.id != 12 || byval.origin.y != 8)
		return 3;
	const uint8_t *raw = (const uint8_t *)out;
	for (size_t i = 0; i < sizeof(*out); i++)
		if (raw[i])
			return 4;
	*out = *in;
	out->id = 13;
	out->weight = 2.5;
	strcpy(out->tag, "out");
	out->grid[1][2] = 60;
	out->origin.z = 90;
	return 0;
}

int ocall_deep(struct buf_desc *d)
{
	if (!d || d->len != 8 || d->n != 3 || !d->data || !d->items)
		return 1;
	for (size_t i = 0; i < d->len; i++)
		if (d->data[i] != i + 1)
			return 2;
	if (d->items[0] != 10 || d->items[1] != -20 || d->items[2] != 30)
		return 3;
	for (size_t i = 0; i < d->len; i++)
		d->data[i] = (uint8_t)(d->data[i] * 2);
	for (uint32_t i = 0; i < d->n; i++)
		d->items[i] *= 2;
	d->len -= 1;
	return 0;
}

int ocall_deep_in(struct buf_desc *d)
{
	int s = 0;
	if (!d || !d->data || !d->items)
		return -1;
	for (size_t i = 0; i < d->len; i++)
		s += d->data[i];
	for (uint32_t i = 0; i < d->n; i++)
		s += d->items[i];
	d->data[0] = 99; /* our copy: the enclave's is not touched */
	d->items[1] = 0;
	return s;
}

int ocall_nulls(const uint8_t *a, uint8_t *b, const char *s, point3_ptr_t p, size_t len)
{
	(void)len;
	return (a == NULL) << 0 | (b == NULL) << 1 | (s == NULL) << 2 | (p == NULL) << 3;
}

int ocall_set_errno(int e)
{
	errno = e;
	return -1;
}

int ocall_no_errno(int e)
{
	errno = e;
	return -1;
}

int ocall_nest_allowed(int x)
{
	int r = 0;
	sgx_status_t st = ecall_private_nested(eid, &r, x);
	return st == SGX_SUCCESS ? r : -1000 - (int)st;
}

int ocall_nest_denied(int x)
{
	int r = 0;
	g_denied_status = ecall_private_nested(eid, &r, x);
	return (int)g_denied_status;
}

int ocall_nest_public(int x)
{
	int r = 0;
	g_public_status = ecall_ret_int(eid, &r, x, 2);
	return (int)g_public_status;
}

int ocall_nest_buf(uint8_t *buf, size_t len)
{
	int r = 0;
	/* First a nested ECALL whose OCALLs use the same OCALL stack... */
	if (ecall_private_nested(eid, &r, 4) != SGX_SUCCESS || r != 13)
		return 1;
	/* ...then this OCALL's own buffer must still be intact. */
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (uint8_t)(i * 7))
			return 2;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(255 - i);
	return 0;
}

int ocall_recurse(int n)
{
	int r = -1;
	return ecall_recurse(eid, &r, n) == SGX_SUCCESS ? r : -1;
}

static sgx_status_t g_other_st[3];

int ocall_other(int x)
{
	int r = 0, r2 = 0, r3 = 0;
	g_other_st[0] = ecall_ret_int(eid2, &r, x, 3);      /* a root call of the other enclave */
	g_other_st[1] = ecall_private_nested(eid2, &r2, 1); /* private at its root */
	g_other_st[2] = ecall_ret_int(eid, &r3, 1, 1);      /* nested here, not in allow() */
	return r;
}

static atomic_int g_blocked, g_release;

void ocall_block(int id)
{
	(void)id;
	atomic_fetch_add(&g_blocked, 1);
	while (!atomic_load(&g_release))
		sched_yield();
}

int ocall_switchless(int x)
{
	return x + 7;
}

int ocall_switchless_errno(int e)
{
	errno = e;
	return -1;
}

/* ---- values and return types ---------------------------------------------------------------- */

static struct rec sample_rec(void)
{
	struct rec r = {.id = 41,
	                .weight = 3.5,
	                .tag = "tagme",
	                .grid = {{1, -2, 3}, {-4, 5, -6}},
	                .origin = {10, 20, 30}};
	return r;
}

static void values(void)
{
	sgx_status_t st = ecall_void(eid);
	CHECK(st == SGX_SUCCESS, "void(void) ECALL (%#x)", st);

	int ri = 0;
	st = ecall_ret_int(eid, &ri, 6, 7);
	CHECK(st == SGX_SUCCESS && ri == 43, "int return: 6 * 7 + 1 = %d (%#x)", ri, st);
	st = ecall_ret_int(eid, NULL, 6, 7);
	CHECK(st == SGX_SUCCESS, "NULL retval pointer accepted by the proxy (%#x)", st);

	double rd = 0;
	st = ecall_ret_double(eid, &rd, 1.25, 0.5f);
	CHECK(st == SGX_SUCCESS && rd == 3.0, "double return, double + float args: %g (%#x)", rd,
	      st);

	struct rec r = sample_rec(), rr;
	memset(&rr, 0, sizeof(rr));
	st = ecall_ret_struct(eid, &rr, r, 5);
	CHECK(st == SGX_SUCCESS && rr.id == 46 && rr.weight == 7.0 && !strcmp(rr.tag, "TAGME") &&
	          rr.grid[0][1] == 3 && rr.grid[1][2] == -1 && rr.origin.x == 15 &&
	          rr.origin.z == 35,
	      "struct by value in and struct return: id %d tag %s (%#x)", rr.id, rr.tag, st);

	point3_t pf = {1, 2, 3}, rf = {0, 0, 0};
	st = ecall_ret_foreign(eid, &rf, pf);
	CHECK(st == SGX_SUCCESS && rf.x == 3 && rf.y == 2 && rf.z == 1,
	      "foreign struct type (point3_t) by value and returned (%#x)", st);

	char *w = de_window_alloc(eid, 64);
	void *rp = NULL;
	st = ecall_ret_ptr(eid, &rp, w, 40);
	CHECK(st == SGX_SUCCESS && w && rp == w + 40,
	      "pointer return ([user_check] in, pointer out): %p == %p (%#x)", rp, (void *)(w + 40),
	      st);
	de_window_free(eid, w);

	size_t rs = 0;
	st = ecall_ret_size(eid, &rs, (size_t)1 << 32, 3);
	CHECK(st == SGX_SUCCESS && rs == (size_t)3 << 32, "size_t return (64 bits): %#zx (%#x)", rs,
	      st);

	enum color rc = RED;
	st = ecall_ret_enum(eid, &rc, GREEN);
	CHECK(st == SGX_SUCCESS && rc == BLUE, "enum argument and return: %d (%#x)", rc, st);

	union num u = {.i = 10}, ru = {.i = 0};
	st = ecall_ret_union(eid, &ru, u);
	CHECK(st == SGX_SUCCESS && ru.d == 2.5, "union argument and return: %g (%#x)", ru.d, st);

	char ch = 0;
	st = ecall_ret_char(eid, &ch, 'a');
	CHECK(st == SGX_SUCCESS && ch == 'b', "char return: %c (%#x)", ch, st);

	long double ld = 0;
	st = ecall_ret_ldouble(eid, &ld, 1.5L);
	CHECK(st == SGX_SUCCESS && ld == 4.5L, "long double argument and return: %Lg (%#x)", ld,
	      st);

	union num z = {.d = SC_Z_D};
	uint64_t bad = UINT64_MAX;
	st = ecall_scalars(eid, &bad, SC_A, SC_B, SC_C, SC_D, SC_E, SC_F, SC_G, SC_H, SC_I, SC_J,
	                   SC_K, SC_L, SC_M, SC_N, SC_O, SC_P, SC_Q, SC_R, SC_S, SC_T, SC_U, SC_V,
	                   SC_W, SC_X, BLUE, z, SC_LI, SC_ULI, SC_SI);
	CHECK(st == SGX_SUCCESS && bad == 0,
	      "29 scalar types by value (char .. long double, wchar_t, enum, union): "
	      "mismatch mask %#llx (%#x)",
	      (unsigned long long)bad, st);
}

/* ---- pointers ----------------------------------------------------------------------------------
 */

static void pointers(void)
{
	uint8_t buf[1000];
	uint64_t want = 0, got = 0;
	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] = (uint8_t)(i * 13 + 7);
		want += buf[i];
	}
	sgx_status_t st = ecall_in_buf(eid, &got, buf, sizeof(buf));
	int same = 1;
	for (size_t i = 0; i < sizeof(buf); i++)
		same &= buf[i] == (uint8_t)(i * 13 + 7);
	CHECK(st == SGX_SUCCESS && got == want && same,
	      "[in, size=len] 1000 bytes: sum %llu, the enclave's writes to its copy do not come "
	      "back (%#x)",
	      (unsigned long long)got, st);

	uint8_t out[777];
	memset(out, 0xAA, sizeof(out));
	size_t nonzero = 1;
	st = ecall_out_buf(eid, &nonzero, out, sizeof(out));
	int filled = 1;
	for (size_t i = 0; i < sizeof(out); i++)
		filled &= out[i] == (uint8_t)(i * 3 + 1);
	CHECK(st == SGX_SUCCESS && nonzero == 0 && filled,
	      "[out, size=len] 777 bytes: the enclave got a zeroed buffer (%zu non-zero), the app "
	      "got its data (%#x)",
	      nonzero, st);

	uint8_t io[500];
	want = 0;
	for (size_t i = 0; i < sizeof(io); i++) {
		io[i] = (uint8_t)(i % 200);
		want += io[i];
	}
	st = ecall_inout_buf(eid, &got, io, sizeof(io));
	int inc = 1;
	for (size_t i = 0; i < sizeof(io); i++)
		inc &= io[i] == (uint8_t)(i % 200 + 1);
	CHECK(st == SGX_SUCCESS && got == want && inc,
	      "[in, out, size=len] 500 bytes: sum in, every byte + 1 out (%#x)", st);

	int32_t v[100];
	int64_t vsum = 0, vgot = 0;
	for (int i = 0; i < 100; i++) {
		v[i] = i * i - 50;
		vsum += v[i];
	}
	st = ecall_in_count(eid, &vgot, v, 100);
	CHECK(st == SGX_SUCCESS && vgot == vsum, "[in, count=n] 100 int32_t: sum %lld (%#x)",
	      (long long)vgot, st);

	double dv[33];
	for (int i = 0; i < 33; i++)
		dv[i] = NAN;
	st = ecall_out_count(eid, &nonzero, dv, 33);
	int dok = 1;
	for (int i = 0; i < 33; i++)
		dok &= dv[i] == i / 2.0;
	CHECK(st == SGX_SUCCESS && nonzero == 0 && dok,
	      "[out, count=n] 33 doubles: zeroed in the enclave, written back (%#x)", st);

	point3_t pts[5];
	int64_t psum = 0;
	for (int i = 0; i < 5; i++) {
		pts[i] = (point3_t){i, -i, 2 * i};
		psum += 2 * i;
	}
	st = ecall_inout_count(eid, &vgot, pts, 5);
	int pok = 1;
	for (int i = 0; i < 5; i++)
		pok &= pts[i].x == 2 * i && pts[i].y == -2 * i && pts[i].z == 4 * i;
	CHECK(st == SGX_SUCCESS && vgot == psum && pok,
	      "[in, out, count=n] 5 structs (point3_t): doubled (%#x)", st);

	uint8_t sc[120];
	want = 0;
	for (size_t i = 0; i < sizeof(sc); i++) {
		sc[i] = (uint8_t)(255 - i);
		want += sc[i];
	}
	st = ecall_size_count(eid, &got, sc, 12, 10);
	CHECK(st == SGX_SUCCESS && got == want, "[in, size=12, count=10] void*: 120 bytes (%#x)",
	      st);
	st = ecall_size_count(eid, &got, sc, 12, 0);
	CHECK(st == SGX_SUCCESS && got == UINT64_MAX,
	      "[in, size, count] with count 0: the enclave gets NULL (%#x)", st);

	int16_t s16[9];
	for (int i = 0; i < 9; i++)
		s16[i] = (int16_t)(i * 1000 - 4000);
	int r = -1;
	st = ecall_inout_size_count(eid, &r, s16, sizeof(int16_t), 9);
	int nok = 1;
	for (int i = 0; i < 9; i++)
		nok &= s16[i] == -(i * 1000 - 4000);
	CHECK(st == SGX_SUCCESS && r == 0 && nok,
	      "[in, out, size=sz, count=cnt] 9 x int16_t: negated (%d, %#x)", r, st);

	int32_t three[3] = {1, 2, 3}, four[4] = {1, 2, 3, 4};
	st = ecall_const_sizes(eid, &vgot, three, four);
	CHECK(st == SGX_SUCCESS && vgot == 6 + 10000,
	      "constant sizes: [in, size=12] and [in, count=FIXED_WORDS (#define)]: %lld (%#x)",
	      (long long)vgot, st);

	uint32_t words[4] = {1, 20, 300, 4000};
	st = ecall_typed_size(eid, &got, words, sizeof(words));
	CHECK(st == SGX_SUCCESS && got == 4321, "[in, size=len] uint32_t*: sum %llu (%#x)",
	      (unsigned long long)got, st);
	st = ecall_typed_size(eid, &got, words, 6);
	CHECK(st == SGX_ERROR_INVALID_PARAMETER,
	      "[in, size=len] uint32_t* with len 6 (not a multiple of 4): INVALID_PARAMETER (%#x)",
	      st);

	int32_t in = 21, o = -1, x = 5;
	st = ecall_single(eid, &r, &in, &o, &x);
	CHECK(st == SGX_SUCCESS && r == 0 && o == 42 && x == 105 && in == 21,
	      "[in] / [out] / [in, out] single int32_t: out %d, in/out %d (%d, %#x)", o, x, r, st);

	st = ecall_in_count(eid, &vgot, v, SIZE_MAX / 2);
	CHECK(st == SGX_ERROR_INVALID_PARAMETER,
	      "[in, count=n] with n * 4 overflowing size_t: INVALID_PARAMETER (%#x)", st);
	st = ecall_size_count(eid, &got, sc, SIZE_MAX / 2 + 1, 2);
	CHECK(st == SGX_ERROR_INVALID_PARAMETER,
	      "[in, size, count] with size * count overflowing: INVALID_PARAMETER (%#x)", st);

	/* 5 MiB [in] buffer (it fits in the 8 MiB window) > HeapMaxSize 4 MiB. */
	size_t big = 5u << 20;
	uint8_t *huge = calloc(1, big);
	st = ecall_in_buf(eid, &got, huge, big);
	CHECK(st == SGX_ERROR_OUT_OF_MEMORY,
	      "[in] buffer of 5 MiB > the enclave's 4 MiB heap: OUT_OF_MEMORY (%#x)", st);
	survived(st, "the 5 MiB [in] buffer");
	free(huge);
	st = ecall_ret_int(eid, &r, 2, 2);
	CHECK(st == SGX_SUCCESS && r == 5, "the enclave works after running out of heap (%#x)", st);
}

/* ---- strings -------------------------------------------------------------------------------- */

static void strings(void)
{
	size_t n = 0;
	sgx_status_t st = ecall_str_in(eid, &n, "Hello, enclave");
	CHECK(st == SGX_SUCCESS && n == 14, "[in, string]: strlen %zu (%#x)", n, st);
	st = ecall_str_in(eid, &n, "");
	CHECK(st == SGX_SUCCESS && n == 0, "[in, string] empty string (%#x)", st);

	char s[32] = "hello world";
	st = ecall_str_inout(eid, &n, s);
	CHECK(st == SGX_SUCCESS && n == 11 && !strcmp(s, "HELLO"),
	      "[in, out, string]: upper-cased and shortened: \"%s\" (%#x)", s, st);

	st = ecall_wstr_in(eid, &n, L"wide \u00e9\u4e16\U0001F600");
	CHECK(st == SGX_SUCCESS && n == 8, "[in, wstring] with non-ASCII: wcslen %zu (%#x)", n, st);

	wchar_t ws[16] = L"abc\u00e9";
	st = ecall_wstr_inout(eid, &n, ws);
	CHECK(st == SGX_SUCCESS && n == 4 && !wcscmp(ws, L"\u00e9cba"),
	      "[in, out, wstring]: reversed (%#x)", st);

	char out[32];
	memset(out, 'x', sizeof(out));
	int r = 0;
	char narrow[] = "narrow";
	st = ecall_str_mixed(eid, &r, narrow, L"wide", out, sizeof(out));
	CHECK(st == SGX_SUCCESS && r == 11 && !strcmp(out, "narrow/wide"),
	      "[in, string] + [in, wstring] + [out, size=len] char*: \"%s\" (%#x)", out, st);
	st = ecall_str_mixed(eid, &r, narrow, L"wide", out, 8);
	CHECK(st == SGX_SUCCESS && r == 7 && !strcmp(out, "narrow/"),
	      "[out, size=8]: the enclave writes no more than 8 bytes: \"%s\" (%#x)", out, st);
}

/* ---- user_check, isptr, isary, readonly, arrays --------------------------------------------- */

static void others(void)
{
	uint8_t *w = de_window_alloc(eid, 64);
	int64_t want = 0, got = 0;
	for (int i = 0; i < 64; i++) {
		w[i] = (uint8_t)(i + 100);
		want += w[i];
	}
	sgx_status_t st = ecall_user_check(eid, &got, w, 64);
	int comp = 1;
	for (int i = 0; i < 64; i++)
		comp &= w[i] == (uint8_t) ~(i + 100);
	CHECK(st == SGX_SUCCESS && got == want && comp,
	      "[user_check] into the shared window: read and written in place (%#x)", st);
	uint8_t heap_buf[64] = {0};
	st = ecall_user_check(eid, &got, heap_buf, sizeof(heap_buf));
	CHECK(st == SGX_SUCCESS && got == -1,
	      "[user_check] outside the window: sgx_is_outside_enclave is false, the enclave "
	      "refuses (%lld, %#x)",
	      (long long)got, st);
	de_window_free(eid, w);

	char *w0 = de_window_alloc(eid, 16), *w1 = de_window_alloc(eid, 16);
	memcpy(w0, "zero", 5);
	memcpy(w1, "one", 4);
	char *pp[2] = {w0, w1};
	int r = -1;
	st = ecall_ptrptr(eid, &r, pp, w0, w1);
	CHECK(st == SGX_SUCCESS && r == 0,
	      "[in, count=2] char**: the pointer values are copied (shallow) (%d, %#x)", r, st);
	de_window_free(eid, w0);
	de_window_free(eid, w1);

	point3_t a = {1, 2, 3}, b = {9, 9, 9}, c = {7, 8, 9}, d = {-1, -2, -3};
	point3_t *e = de_window_alloc(eid, sizeof(point3_t));
	*e = (point3_t){0, 0, 0};
	st = ecall_isptr(eid, &r, &a, &b, &c, &d, e);
	CHECK(st == SGX_SUCCESS && r == 0 && b.x == 40 && b.z == 60 && c.x == 8 && c.z == 10 &&
	          e->y == 200 && d.x == -1,
	      "isptr: [in], [out], [in, out], [in, readonly] and [user_check] pointer typedefs "
	      "(%d, %#x)",
	      r, st);
	de_window_free(eid, e);

	int4_t ia = {1, 2, 3, 4}, ib = {9, 9, 9, 9}, ic = {5, -6, 7, -8};
	int32_t *id = de_window_alloc(eid, sizeof(int4_t));
	for (int i = 0; i < 4; i++)
		id[i] = i;
	st = ecall_isary(eid, &r, ia, ib, ic, id);
	int aok = 1;
	for (int i = 0; i < 4; i++)
		aok &= ib[i] == (i + 1) * 10 &&
		       ic[i] == (i % 2 ? 6 + 2 * (i / 2) : -(5 + 2 * (i / 2))) && id[i] == i + 1000;
	CHECK(st == SGX_SUCCESS && r == 0 && aok,
	      "isary: [in], [out], [in, out] and [user_check] array typedefs (%d, %#x)", r, st);
	de_window_free(eid, id);

	int32_t fa[4] = {0, 7, 14, 21}, fb[2][3];
	char fc[2][2][2] = {{{'a', 'b'}, {'c', 'd'}}, {{'e', 'f'}, {'g', 'h'}}};
	int64_t *fd = de_window_alloc(eid, 3 * sizeof(int64_t));
	memset(fb, 0x11, sizeof(fb));
	for (int i = 0; i < 3; i++)
		fd[i] = 1000 + i;
	st = ecall_arrays(eid, &r, fa, fb, fc, fd);
	CHECK(st == SGX_SUCCESS && r == 0 && fb[1][2] == 12 && fb[0][1] == 1 &&
	          fc[0][0][0] == 'b' && fc[1][1][1] == 'i' && fd[2] == 2004,
	      "fixed arrays: [in] a[4], [out] b[2][3], [in, out] c[2][2][2], [user_check] d[3] "
	      "(%d, %#x)",
	      r, st);
	de_window_free(eid, fd);

	point3_t spts[3] = {{0, 0, 0}, {1, 1, -1}, {2, 4, -2}};
	struct rec recs[2];
	union num nums[2] = {{.i = 41}, {.i = -1}};
	memset(recs, 0x5a, sizeof(recs));
	st = ecall_struct_arrays(eid, &r, spts, recs, nums);
	CHECK(st == SGX_SUCCESS && r == 0 && recs[0].id == 500 && recs[1].id == 501 &&
	          !strcmp(recs[1].tag, "second") && recs[1].origin.y == 4 && nums[0].i == 42 &&
	          nums[1].i == 0,
	      "arrays of structs and unions: [in] pts[3], [out] recs[2], [in, out] nums[2] "
	      "(%d, %#x)",
	      r, st);

	int32_t cp = 77;
	double cd[4] = {1, 2, 3, 4};
	char *cu = de_window_alloc(eid, 8);
	memcpy(cu, "const!!", 8);
	st = ecall_const_ptrs(eid, &r, &cp, cd, 4, cu);
	CHECK(st == SGX_SUCCESS && r == 0,
	      "const pointers: [in] const int32_t*, [in, count=n] const double*, [user_check] "
	      "const void* (%d, %#x)",
	      r, st);
	de_window_free(eid, cu);
}

/* ---- structs -------------------------------------------------------------------------------- */

static int64_t rec_sum(const struct rec *r)
{
	int64_t s = r->id + (int64_t)r->weight;
	for (size_t i = 0; i < sizeof(r->tag); i++)
		s += r->tag[i];
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			s += r->grid[i][j];
	return s + r->origin.x + r->origin.y + r->origin.z;
}

static void structs(void)
{
	struct rec r = sample_rec();
	point3_t p = {1, 2, 3};
	union num u = {.i = -1000};
	int64_t got = 0, want = rec_sum(&r) + 60 - 1000;
	sgx_status_t st = ecall_struct_val(eid, &got, r, p, u);
	CHECK(st == SGX_SUCCESS && got == want,
	      "struct, foreign struct and union by value (nested arrays and struct members): %lld "
	      "(%#x)",
	      (long long)got, st);

	struct rec in = sample_rec(), out, io = sample_rec();
	memset(&out, 0x77, sizeof(out));
	int rr = -1;
	st = ecall_struct_ptr(eid, &rr, &in, &out, &io);
	CHECK(
	    st == SGX_SUCCESS && rr == 0 && out.id == 42 && !strcmp(out.tag, "tagme") &&
	        out.grid[1][2] == -6 && io.weight == 7.0 && !strcmp(io.tag, "TAGME") && in.id == 41,
	    "struct by pointer: [in], [out] (zeroed in the enclave), [in, out] (%d, %#x)", rr, st);

	uint8_t data[10];
	int32_t items[4] = {1000, -2000, 3000, 4000};
	int64_t dsum = 6000;
	for (int i = 0; i < 10; i++) {
		data[i] = (uint8_t)(i * 11);
		dsum += data[i];
	}
	struct buf_desc d = {sizeof(data), data, 4, items};
	st = ecall_deep_in(eid, &got, &d);
	CHECK(st == SGX_SUCCESS && got == dsum,
	      "deep copy [in] struct with [size=len] and [count=n] members: both arrive in enclave "
	      "memory, sum %lld (%#x)",
	      (long long)got, st);
	struct buf_desc dnull = {sizeof(data), NULL, 4, items};
	st = ecall_deep_in(eid, &got, &dnull);
	CHECK(st == SGX_SUCCESS && got == 6000,
	      "deep copy with a NULL member: the member stays NULL (%lld, %#x)", (long long)got,
	      st);

	st = ecall_deep_inout(eid, &rr, &d);
	int dok = d.data == data && d.items == items && d.len == 9 && d.n == 4;
	for (int i = 0; i < 9; i++)
		dok &= data[i] == (uint8_t)(i * 11 + 1);
	dok &= data[9] == 99; /* beyond the new length: not copied back */
	dok &= items[0] == -1000 && items[1] == 2000 && items[3] == -4000;
	CHECK(st == SGX_SUCCESS && rr == 0 && dok,
	      "deep copy [in, out]: member data comes back into the app's buffers, the app's "
	      "pointers are restored, len shrinks to %zu (%d, %#x)",
	      d.len, rr, st);

	uint8_t d1[3] = {1, 2, 3}, d2[1] = {200};
	int32_t i1[2] = {10, 20}, i3[1] = {5};
	struct buf_desc ds[3] = {{3, d1, 2, i1}, {1, d2, 0, NULL}, {0, NULL, 1, i3}};
	st = ecall_deep_array(eid, &got, ds, 3);
	CHECK(st == SGX_SUCCESS && got == 6 + 30 + 200 + 5,
	      "deep copy of an array of 3 structs ([in, count=n]): %lld (%#x)", (long long)got, st);

	int ra = -1;
	st = ecall_deep_array_inout(eid, &ra, ds, 3);
	int aok = ds[0].data == d1 && ds[1].data == d2 && ds[2].data == NULL && ds[0].items == i1 &&
	          ds[1].items == NULL && ds[2].items == i3;
	aok &=
	    d1[0] == 2 && d1[2] == 4 && d2[0] == 202 && i1[0] == -10 && i1[1] == -20 && i3[0] == -5;
	CHECK(st == SGX_SUCCESS && ra == 0 && aok,
	      "deep copy of an array of 3 structs both ways ([in, out, count=n], NULL members): "
	      "data and items back in the app's buffers, pointers restored (%d, %#x)",
	      ra, st);

	int32_t sv[3] = {5, 6, 7};
	int64_t sg = 0;
	st = ecall_signed_count(eid, &sg, sv, 3);
	CHECK(st == SGX_SUCCESS && sg == 18, "[in, count=n] with a signed int n = 3: %lld (%#x)",
	      (long long)sg, st);
	st = ecall_signed_count(eid, &sg, sv, -1);
	CHECK(st == SGX_ERROR_INVALID_PARAMETER,
	      "[in, count=n] with a signed int n = -1: INVALID_PARAMETER (%#x)", st);
}

/* ---- NULL where allowed, zero lengths ------------------------------------------------------- */

static void nulls(void)
{
	int r = -1;
	sgx_status_t st = ecall_nulls(eid, &r, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 16);
	CHECK(
	    st == SGX_SUCCESS && r == 0xff,
	    "NULL for [in], [out], [in, out], [in, string], [in, wstring], [in, isptr], deep-copy "
	    "struct and [user_check]: all arrive as NULL (mask %#x, %#x)",
	    r, st);

	uint8_t a[16] = {1}, b[16], c[16] = {3};
	char s[] = "s";
	wchar_t w[] = L"w";
	point3_t p = {0, 0, 0};
	struct buf_desc d = {0, NULL, 0, NULL};
	void *u = de_window_alloc(eid, 16);
	st = ecall_nulls(eid, &r, a, b, c, s, w, &p, &d, u, 16);
	CHECK(st == SGX_SUCCESS && r == 0, "the same, all non-NULL: none is NULL (mask %#x, %#x)",
	      r, st);
	st = ecall_nulls(eid, &r, a, b, c, s, w, &p, &d, u, 0);
	CHECK(st == SGX_SUCCESS && r == 0x7,
	      "zero length: the sized buffers arrive as NULL, the others do not (mask %#x, %#x)", r,
	      st);
	de_window_free(eid, u);
}

/* ---- OCALLs --------------------------------------------------------------------------------- */

static void ocalls(void)
{
	static const char *const names[] = {
	    "OCALL [in, size=len]: data reaches the app; the app's writes to it do not come back",
	    "OCALL [out, size=len]: the app gets a zeroed buffer, its data reaches the enclave",
	    "OCALL [in, out, count=n]: both ways",
	    "OCALL [in, string]",
	    "OCALL [in, out, string]: shortened by the app, re-terminated and zero-padded",
	    "OCALL [in, wstring] and [in, out, wstring]",
	    "OCALL struct by value and struct return",
	    "OCALL double return, from an ECALL",
	    "OCALL pointer return (into the window) and [user_check] pointer back to the app",
	    "OCALL isptr: [in], [out], [in, out], [in, readonly]",
	    "OCALL isary: [in], [out], [in, out]",
	    "OCALL fixed arrays: [in] a[4], [out] b[2][3], [in, out] c[2][2]",
	    "OCALL struct by pointer [in], [out] and by value",
	    "OCALL deep copy [in, out]: app changes arrive, the enclave's pointers are restored",
	    "OCALL deep copy [in]: the app's writes to its copy do not come back",
	    "OCALL NULL pointers and zero lengths",
	};
	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
		int r = -1;
		sgx_status_t st = ecall_ocall_test(eid, &r, i);
		CHECK(st == SGX_SUCCESS && r == 0, "%s (check %d, %#x)", names[i], r, st);
		survived(st, names[i]);
	}

	int r = -1;
	sgx_status_t st = ecall_ocall_test(eid, &r, 17);
	CHECK(st == SGX_SUCCESS && r == 0, "OCALL [in, out, size=sz, count=cnt] (check %d, %#x)", r,
	      st);

	r = -1;
	st = ecall_ocall_test(eid, &r, 16);
	CHECK(st == SGX_SUCCESS && r >= 0 && (r & 0xc) == 0,
	      "OCALL with zero-length [in]/[out] buffers: the call works, the other pointers are "
	      "passed (mask %#x, %#x)",
	      r, st);
	/* tools/edger8r/README.md: a zero length passes NULL, for OCALLs too.
	 * ocall_nulls(a, b, "s", &p, 0): a and b arrive as NULL (mask 0x3). */
	CHECK(st == SGX_SUCCESS && r == 0x3,
	      "OCALL zero-length [in, size=len] / [out, size=len] arrive as NULL in the app "
	      "(mask %#x, want 0x3)",
	      r);
}

/* ---- nesting, private ECALLs, errno --------------------------------------------------------- */

static void nesting(void)
{
	int r = 0;
	sgx_status_t st = ecall_nest_allowed(eid, &r, 5);
	CHECK(st == SGX_SUCCESS && r == 16,
	      "ECALL -> OCALL allow(ecall_private_nested) -> private ECALL -> OCALL: %d (%#x)", r,
	      st);

	g_denied_status = SGX_SUCCESS;
	st = ecall_nest_denied(eid, &r, 5);
	CHECK(st == SGX_SUCCESS && r == SGX_ERROR_ECALL_NOT_ALLOWED &&
	          g_denied_status == SGX_ERROR_ECALL_NOT_ALLOWED,
	      "ECALL -> OCALL without allow() -> private ECALL: ECALL_NOT_ALLOWED (%#x, outer "
	      "%#x)",
	      g_denied_status, st);

	g_public_status = SGX_SUCCESS;
	st = ecall_nest_public(eid, &r, 5);
	CHECK(st == SGX_SUCCESS && r == SGX_ERROR_ECALL_NOT_ALLOWED &&
	          g_public_status == SGX_ERROR_ECALL_NOT_ALLOWED,
	      "ECALL -> OCALL allow(ecall_private_nested) -> a public ECALL not in its allow(): "
	      "ECALL_NOT_ALLOWED (%#x)",
	      g_public_status);

	st = ecall_private_nested(eid, &r, 5);
	CHECK(st == SGX_ERROR_ECALL_NOT_ALLOWED,
	      "the private ECALL from the root: ECALL_NOT_ALLOWED (%#x)", st);

	st = ecall_nest_buf(eid, &r);
	CHECK(st == SGX_SUCCESS && r == 0,
	      "an OCALL's [in, out] buffer stays intact across a nested ECALL that makes OCALLs "
	      "with data (check %d, %#x)",
	      r, st);

	st = ecall_recurse(eid, &r, 32);
	CHECK(st == SGX_SUCCESS && r == 32, "32 levels of ECALL -> OCALL -> nested ECALL: %d (%#x)",
	      r, st);

	if (eid2) {
		memset(g_other_st, 0xff, sizeof(g_other_st));
		st = ecall_other(eid, &r, 7);
		CHECK(st == SGX_SUCCESS && r == 22 && g_other_st[0] == SGX_SUCCESS,
		      "during an OCALL, a public ECALL of another enclave is a root call there: %d "
		      "(%#x, %#x)",
		      r, g_other_st[0], st);
		CHECK(g_other_st[1] == SGX_ERROR_ECALL_NOT_ALLOWED,
		      "during an OCALL, the other enclave's private ECALL: ECALL_NOT_ALLOWED (%#x)",
		      g_other_st[1]);
		CHECK(g_other_st[2] == SGX_ERROR_ECALL_NOT_ALLOWED,
		      "and this enclave's public ECALL from an OCALL without allow(): "
		      "ECALL_NOT_ALLOWED (%#x)",
		      g_other_st[2]);
	}

	st = ecall_ret_int(eid, &r, 3, 3);
	CHECK(st == SGX_SUCCESS && r == 10, "the enclave works after the refusals (%#x)", st);

	st = ecall_errno(eid, &r, 42);
	CHECK(st == SGX_SUCCESS && r == 0,
	      "propagate_errno: the enclave sees the app's errno after the OCALL; without it, its "
	      "errno is unchanged (check %d, %#x)",
	      r, st);
}

/* ---- a full window -------------------------------------------------------------------------- */

static void full_window(void)
{
	enum { MAX_BLOCKS = 4096 };
	static void *blocks[MAX_BLOCKS];
	int n = 0;
	for (size_t size = 1u << 20; size >= 16 && n < MAX_BLOCKS; size /= 2)
		while (n < MAX_BLOCKS && (blocks[n] = de_window_alloc(eid, size)) != NULL)
			n++;
	int r = 0;
	sgx_status_t st = ecall_ret_int(eid, &r, 2, 2);
	CHECK(st == SGX_ERROR_OUT_OF_MEMORY && de_window_status(eid) == SGX_ERROR_OUT_OF_MEMORY,
	      "with the shared window full (%d blocks), a proxy that needs window memory returns "
	      "OUT_OF_MEMORY (%#x)",
	      n, st);
	st = ecall_void(eid);
	CHECK(st == SGX_SUCCESS, "an ECALL without parameters needs none and runs (%#x)", st);
	for (int i = 0; i < n; i++)
		de_window_free(eid, blocks[i]);
	st = ecall_ret_int(eid, &r, 2, 2);
	CHECK(st == SGX_SUCCESS && r == 5, "once the window has room again, ECALLs run (%#x)", st);
}

/* ---- TCSNum 2 ------------------------------------------------------------------------------- */

static void *blocker(void *arg)
{
	int id = (int)(intptr_t)arg, r = 0;
	sgx_status_t st = ecall_block(eid, &r, id);
	return (void *)(intptr_t)(st == SGX_SUCCESS && r == id);
}

static void tcs(void)
{
	pthread_t t[2];
	atomic_store(&g_blocked, 0);
	atomic_store(&g_release, 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, blocker, (void *)(intptr_t)(i + 1));
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do { /* up to 10 s for both to reach their OCALL */
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (atomic_load(&g_blocked) < 2 && now.tv_sec - t0.tv_sec < 10);
	int blocked = atomic_load(&g_blocked), r = 0;
	sgx_status_t st = ecall_ret_int(eid, &r, 1, 1);
	CHECK(blocked == 2 && st == SGX_ERROR_OUT_OF_TCS,
	      "TCSNum 2: with two ECALLs waiting in OCALLs, a third gets OUT_OF_TCS (%#x)", st);
	atomic_store(&g_release, 1);
	void *ok[2];
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], &ok[i]);
	CHECK(ok[0] && ok[1], "the two blocked ECALLs return when their OCALLs do");
	st = ecall_ret_int(eid, &r, 2, 3);
	CHECK(st == SGX_SUCCESS && r == 7, "and the next ECALL runs (%#x)", st);
}

/* ---- switchless ----------------------------------------------------------------------------- */

static void switchless_on(sgx_enclave_id_t id, const char *how)
{
	int r = 0, wrong = 0;
	sgx_status_t st = SGX_SUCCESS;
	for (int i = 0; i < 10000 && st == SGX_SUCCESS; i++) {
		st = ecall_switchless(id, &r, i);
		wrong += r != i * i;
	}
	CHECK(st == SGX_SUCCESS && wrong == 0,
	      "%s: 10000 transition_using_threads ECALLs, %d wrong (%#x)", how, wrong, st);
	st = ecall_switchless_ocall(id, &r, 5);
	CHECK(st == SGX_SUCCESS && r == 1012,
	      "%s: transition_using_threads OCALL, and with propagate_errno: %d (%#x)", how, r, st);
}

/* The second instance: made with a switchless configuration. */
static void create_second(void)
{
	sgx_uswitchless_config_t cfg = SGX_USWITCHLESS_CONFIG_INITIALIZER;
	cfg.num_uworkers = 2;
	cfg.num_tworkers = 2;
	const void *features[32] = {0};
	features[SGX_CREATE_ENCLAVE_EX_SWITCHLESS_BIT_IDX] = &cfg;
	sgx_status_t st = sgx_create_enclave_ex(enclave_path, 1, NULL, NULL, &eid2, NULL,
	                                        SGX_CREATE_ENCLAVE_EX_SWITCHLESS, features);
	CHECK(st == SGX_SUCCESS && eid2 != eid,
	      "a second instance with sgx_create_enclave_ex and a switchless configuration (%#x)",
	      st);
	if (st != SGX_SUCCESS)
		eid2 = 0;
}

static void switchless(void)
{
	switchless_on(eid, "sgx_create_enclave");
	if (eid2) {
		switchless_on(eid2, "sgx_create_enclave_ex(SWITCHLESS)");
		sgx_status_t st = sgx_destroy_enclave(eid2);
		CHECK(st == SGX_SUCCESS, "destroying the second instance (%#x)", st);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: attributes_app ENCLAVE\n");
		return 2;
	}
	enclave_path = argv[1];
	create();
	create_second();

	values();
	pointers();
	strings();
	others();
	structs();
	nulls();
	ocalls();
	nesting();
	full_window();
	tcs();
	switchless();

	de_window_free(eid, g_win16);
	sgx_status_t st = sgx_destroy_enclave(eid);
	CHECK(st == SGX_SUCCESS, "sgx_destroy_enclave (%#x)", st);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
