/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kvm.edl_attributes, enclave side (attributes.edl): every ECALL checks
 * what the generated bridge handed it (content, NULL-ness, where it lies:
 * copies in enclave memory, [user_check] pointers in the shared window)
 * and answers something the application can check in turn. Checks return
 * 0 when all is well, else the number of the first one that failed.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "attributes_t.h"
#include "sgx_trts.h"

#define IN_ENCLAVE(p, n) ((p) && sgx_is_within_enclave((p), (n)))
#define IN_WINDOW(p, n)  ((p) && sgx_is_outside_enclave((p), (n)))

/* ---- values and return types ---------------------------------------------------------------- */

void ecall_void(void)
{
}

int ecall_ret_int(int a, int b)
{
	return a * b + 1;
}

double ecall_ret_double(double x, float y)
{
	return x * 2.0 + (double)y;
}

struct rec ecall_ret_struct(struct rec r, int32_t delta)
{
	r.id += delta;
	r.weight *= 2;
	for (size_t i = 0; i < sizeof(r.tag) && r.tag[i]; i++)
		if (r.tag[i] >= 'a' && r.tag[i] <= 'z')
			r.tag[i] = (char)(r.tag[i] - 'a' + 'A');
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			r.grid[i][j] = (int16_t)(r.grid[i][j] + delta);
	r.origin.x += delta;
	r.origin.y += delta;
	r.origin.z += delta;
	return r;
}

point3_t ecall_ret_foreign(point3_t p)
{
	point3_t q = {p.z, p.y, p.x};
	return q;
}

void *ecall_ret_ptr(void *p, size_t off)
{
	return (char *)p + off;
}

size_t ecall_ret_size(size_t a, size_t b)
{
	return a * b;
}

enum color ecall_ret_enum(enum color c)
{
	return c == RED ? GREEN : c == GREEN ? BLUE : RED;
}

union num ecall_ret_union(union num u)
{
	union num r;
	r.d = (double)u.i / 4.0;
	return r;
}

char ecall_ret_char(char c)
{
	return (char)(c + 1);
}

long double ecall_ret_ldouble(long double x)
{
	return x * 3;
}

uint64_t ecall_scalars(char a, int8_t b, unsigned char c, short d, unsigned short e, int f,
                       unsigned int g, long h, unsigned long i, long long j, unsigned long long k,
                       int8_t l, int16_t m, int32_t n, int64_t o, uint8_t p, uint16_t q, uint32_t r,
                       uint64_t s, size_t t, float u, double v, long double w, wchar_t x,
                       enum color y, union num z, long li, unsigned long uli, short si)
{
	uint64_t bad = 0;
	int bit = 0;
#define EXPECT(cond) (bad |= (cond) ? 0 : (1ull << bit), bit++)
	EXPECT(a == SC_A);
	EXPECT(b == SC_B);
	EXPECT(c == SC_C);
	EXPECT(d == SC_D);
	EXPECT(e == SC_E);
	EXPECT(f == SC_F);
	EXPECT(g == SC_G);
	EXPECT(h == SC_H);
	EXPECT(i == SC_I);
	EXPECT(j == SC_J);
	EXPECT(k == SC_K);
	EXPECT(l == SC_L);
	EXPECT(m == SC_M);
	EXPECT(n == SC_N);
	EXPECT(o == SC_O);
	EXPECT(p == SC_P);
	EXPECT(q == SC_Q);
	EXPECT(r == SC_R);
	EXPECT(s == SC_S);
	EXPECT(t == SC_T);
	EXPECT(u == SC_U);
	EXPECT(v == SC_V);
	EXPECT(w == SC_W);
	EXPECT(x == SC_X);
	EXPECT(y == BLUE);
	EXPECT(z.d == SC_Z_D);
	EXPECT(li == SC_LI);
	EXPECT(uli == SC_ULI);
	EXPECT(si == SC_SI);
#undef EXPECT
	return bad;
}

/* ---- pointers ------------------------------------------------------------------------------- */

uint64_t ecall_in_buf(uint8_t *buf, size_t len)
{
	uint64_t sum = 0;
	if (!buf)
		return UINT64_MAX;
	if (!IN_ENCLAVE(buf, len))
		return UINT64_MAX - 1;
	for (size_t i = 0; i < len; i++)
		sum += buf[i];
	memset(buf, 0xEE, len); /* our copy: must not reach the application */
	return sum;
}

size_t ecall_out_buf(uint8_t *buf, size_t len)
{
	size_t nonzero = 0;
	if (!buf || !IN_ENCLAVE(buf, len))
		return SIZE_MAX;
	for (size_t i = 0; i < len; i++) {
		nonzero += buf[i] != 0;
		buf[i] = (uint8_t)(i * 3 + 1);
	}
	return nonzero;
}

uint64_t ecall_inout_buf(uint8_t *buf, size_t len)
{
	uint64_t sum = 0;
	if (!buf || !IN_ENCLAVE(buf, len))
		return UINT64_MAX;
	for (size_t i = 0; i < len; i++) {
		sum += buf[i];
		buf[i]++;
	}
	return sum;
}

int64_t ecall_in_count(const int32_t *v, size_t n)
{
	int64_t sum = 0;
	if (!v || !IN_ENCLAVE(v, n * sizeof(*v)))
		return INT64_MIN;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

size_t ecall_out_count(double *v, size_t n)
{
	size_t nonzero = 0;
	if (!v || !IN_ENCLAVE(v, n * sizeof(*v)))
		return SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		nonzero += v[i] != 0.0;
		v[i] = (double)i / 2.0;
	}
	return nonzero;
}

int64_t ecall_inout_count(point3_t *pts, size_t n)
{
	int64_t sum = 0;
	if (!pts || !IN_ENCLAVE(pts, n * sizeof(*pts)))
		return INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		sum += pts[i].x + pts[i].y + pts[i].z;
		pts[i].x *= 2;
		pts[i].y *= 2;
		pts[i].z *= 2;
	}
	return sum;
}

uint64_t ecall_size_count(const void *p, size_t sz, size_t cnt)
{
	const uint8_t *b = p;
	uint64_t sum = 0;
	if (!b || !IN_ENCLAVE(b, sz * cnt))
		return UINT64_MAX;
	for (size_t i = 0; i < sz * cnt; i++)
		sum += b[i];
	return sum;
}

int ecall_inout_size_count(int16_t *p, size_t sz, uint32_t cnt)
{
	if (!p)
		return 1;
	if (sz != sizeof(int16_t))
		return 2;
	if (!IN_ENCLAVE(p, sz * cnt))
		return 3;
	for (uint32_t i = 0; i < cnt; i++)
		p[i] = (int16_t)-p[i];
	return 0;
}

int64_t ecall_const_sizes(const int32_t *three, const int32_t *four)
{
	int64_t sum = 0;
	if (!three || !four)
		return INT64_MIN;
	for (int i = 0; i < 3; i++)
		sum += three[i];
	for (int i = 0; i < 4; i++) /* FIXED_WORDS in the EDL */
		sum += 1000 * (int64_t)four[i];
	return sum;
}

uint64_t ecall_typed_size(const uint32_t *words, size_t len)
{
	uint64_t sum = 0;
	if (!words)
		return UINT64_MAX;
	for (size_t i = 0; i < len / sizeof(*words); i++)
		sum += words[i];
	return sum;
}

int ecall_single(const int32_t *in, int32_t *out, int32_t *io)
{
	if (!in || !out || !io)
		return 1;
	if (!IN_ENCLAVE(in, 4) || !IN_ENCLAVE(out, 4) || !IN_ENCLAVE(io, 4))
		return 2;
	if (*out != 0)
		return 3;
	*out = *in * 2;
	*io += 100;
	return 0;
}

/* ---- strings ----------------------------------------------------------------------------------
 */

size_t ecall_str_in(const char *s)
{
	if (!s)
		return SIZE_MAX;
	size_t n = strlen(s);
	if (!IN_ENCLAVE(s, n + 1))
		return SIZE_MAX - 1;
	return n;
}

size_t ecall_str_inout(char *s)
{
	if (!s)
		return SIZE_MAX;
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			s[i] = (char)(s[i] - 'a' + 'A');
	if (n > 5)
		s[5] = 0;
	return n;
}

size_t ecall_wstr_in(const wchar_t *w)
{
	if (!w)
		return SIZE_MAX;
	size_t n = wcslen(w);
	if (!IN_ENCLAVE(w, (n + 1) * sizeof(wchar_t)))
		return SIZE_MAX - 1;
	return n;
}

size_t ecall_wstr_inout(wchar_t *w)
{
	if (!w)
		return SIZE_MAX;
	size_t n = wcslen(w);
	for (size_t i = 0; i < n / 2; i++) {
		wchar_t c = w[i];
		w[i] = w[n - 1 - i];
		w[n - 1 - i] = c;
	}
	return n;
}

int ecall_str_mixed(char *a, const wchar_t *b, char *out, size_t out_len)
{
	if (!a || !b || !out || out_len == 0)
		return -1;
	size_t o = 0;
	for (const char *p = a; *p && o + 1 < out_len; p++)
		out[o++] = *p;
	if (o + 1 < out_len)
		out[o++] = '/';
	for (const wchar_t *p = b; *p && o + 1 < out_len; p++)
		out[o++] = *p < 128 ? (char)*p : '?';
	out[o] = 0;
	return (int)o;
}

/* ---- user_check, isptr, isary, arrays, pointer to pointer ----------------------------------- */

int64_t ecall_user_check(uint8_t *p, size_t len)
{
	int64_t sum = 0;
	if (!IN_WINDOW(p, len))
		return -1; /* not the application's shared window: refused */
	for (size_t i = 0; i < len; i++) {
		sum += p[i];
		p[i] = (uint8_t)~p[i];
	}
	return sum;
}

int ecall_ptrptr(char **pp, char *w0, char *w1)
{
	if (!pp || !IN_ENCLAVE(pp, 2 * sizeof(char *)))
		return 1;
	if (pp[0] != w0 || pp[1] != w1)
		return 2;
	if (!IN_WINDOW(w0, 5) || !IN_WINDOW(w1, 4))
		return 3;
	if (memcmp(w0, "zero", 5) || memcmp(w1, "one", 4))
		return 4;
	return 0;
}

int ecall_isptr(point3_ptr_t a, point3_ptr_t b, point3_ptr_t c, cpoint3_ptr_t d, point3_ptr_t e)
{
	if (!a || !b || !c || !d || !e)
		return 1;
	if (!IN_ENCLAVE(a, sizeof(*a)) || !IN_ENCLAVE(b, sizeof(*b)) ||
	    !IN_ENCLAVE(c, sizeof(*c)) || !IN_ENCLAVE(d, sizeof(*d)))
		return 2;
	if (!IN_WINDOW(e, sizeof(*e)))
		return 3;
	if (a->x != 1 || a->y != 2 || a->z != 3)
		return 4;
	if (b->x || b->y || b->z)
		return 5;
	if (d->x != -1 || d->y != -2 || d->z != -3)
		return 6;
	b->x = 40, b->y = 50, b->z = 60;
	c->x += 1, c->y += 1, c->z += 1;
	e->x = 100, e->y = 200, e->z = 300;
	return 0;
}

int ecall_isary(int4_t a, int4_t b, int4_t c, int4_t d)
{
	if (!a || !b || !c || !d)
		return 1;
	if (!IN_ENCLAVE(a, sizeof(int4_t)) || !IN_ENCLAVE(b, sizeof(int4_t)) ||
	    !IN_ENCLAVE(c, sizeof(int4_t)))
		return 2;
	if (!IN_WINDOW(d, sizeof(int4_t)))
		return 3;
	for (int i = 0; i < 4; i++) {
		if (a[i] != i + 1)
			return 4;
		if (b[i] != 0)
			return 5;
	}
	for (int i = 0; i < 4; i++) {
		b[i] = a[i] * 10;
		c[i] = -c[i];
		d[i] += 1000;
	}
	return 0;
}

int ecall_arrays(int32_t a[4], int32_t b[2][3], char c[2][2][2], int64_t d[3])
{
	if (!a || !b || !c || !d)
		return 1;
	if (!IN_ENCLAVE(a, 16) || !IN_ENCLAVE(b, 24) || !IN_ENCLAVE(c, 8))
		return 2;
	if (!IN_WINDOW(d, 24))
		return 3;
	for (int i = 0; i < 4; i++)
		if (a[i] != 7 * i)
			return 4;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++) {
			if (b[i][j] != 0)
				return 5;
			b[i][j] = i * 10 + j;
		}
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			for (int k = 0; k < 2; k++)
				c[i][j][k] = (char)(c[i][j][k] + 1);
	for (int i = 0; i < 3; i++)
		d[i] *= 2;
	return 0;
}

int ecall_struct_arrays(point3_t pts[3], struct rec recs[2], union num nums[2])
{
	if (!pts || !recs || !nums)
		return 1;
	if (!IN_ENCLAVE(pts, 3 * sizeof(point3_t)) || !IN_ENCLAVE(recs, 2 * sizeof(struct rec)) ||
	    !IN_ENCLAVE(nums, 2 * sizeof(union num)))
		return 2;
	for (int i = 0; i < 3; i++)
		if (pts[i].x != i || pts[i].y != i * i || pts[i].z != -i)
			return 3;
	const uint8_t *raw = (const uint8_t *)recs;
	for (size_t i = 0; i < 2 * sizeof(struct rec); i++)
		if (raw[i])
			return 4;
	for (int i = 0; i < 2; i++) {
		recs[i].id = 500 + i;
		recs[i].weight = 0.5 * i;
		memcpy(recs[i].tag, i ? "second" : "first", i ? 7 : 6);
		recs[i].origin = pts[i + 1];
		nums[i].i += 1;
	}
	return 0;
}

int ecall_const_ptrs(const int32_t *p, const double *d, unsigned n, const void *u)
{
	if (!p || !d || !u)
		return 1;
	if (!IN_ENCLAVE(p, 4) || !IN_ENCLAVE(d, n * sizeof(double)) || !IN_WINDOW(u, 8))
		return 2;
	double sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += d[i];
	if (*p != 77 || sum != 10.0 || memcmp(u, "const!!", 8))
		return 3;
	return 0;
}

/* ---- structs ------------------------------------------------------------------------------------
 */

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

int64_t ecall_struct_val(struct rec r, point3_t p, union num u)
{
	return rec_sum(&r) + 10 * (p.x + p.y + p.z) + u.i;
}

int ecall_struct_ptr(const struct rec *in, struct rec *out, struct rec *io)
{
	if (!in || !out || !io)
		return 1;
	if (!IN_ENCLAVE(in, sizeof(*in)) || !IN_ENCLAVE(out, sizeof(*out)) ||
	    !IN_ENCLAVE(io, sizeof(*io)))
		return 2;
	if (out->id || out->weight != 0 || out->tag[0])
		return 3;
	*out = *in;
	out->id += 1;
	io->weight *= 2;
	for (size_t i = 0; i < sizeof(io->tag) && io->tag[i]; i++)
		if (io->tag[i] >= 'a' && io->tag[i] <= 'z')
			io->tag[i] = (char)(io->tag[i] - 'a' + 'A');
	return 0;
}

/* The sum of a deep-copied buf_desc, or a negative check number. */
static int64_t desc_sum(const struct buf_desc *d)
{
	int64_t s = 0;
	if (!IN_ENCLAVE(d, sizeof(*d)))
		return -1;
	if (d->data) {
		if (!IN_ENCLAVE(d->data, d->len)) /* deep copy: in enclave memory */
			return -2;
		for (size_t i = 0; i < d->len; i++)
			s += d->data[i];
	}
	if (d->items) {
		if (!IN_ENCLAVE(d->items, (size_t)d->n * sizeof(int32_t)))
			return -3;
		for (uint32_t i = 0; i < d->n; i++)
			s += d->items[i];
	}
	return s;
}

int64_t ecall_deep_in(struct buf_desc *d)
{
	if (!d)
		return -100;
	return desc_sum(d);
}

int ecall_deep_inout(struct buf_desc *d)
{
	if (!d || !d->data || !d->items || d->len == 0)
		return 1;
	if (desc_sum(d) < 0)
		return 2;
	for (size_t i = 0; i < d->len; i++)
		d->data[i]++;
	for (uint32_t i = 0; i < d->n; i++)
		d->items[i] = -d->items[i];
	d->len -= 1;
	return 0;
}

int64_t ecall_deep_array(struct buf_desc *ds, size_t n)
{
	int64_t s = 0;
	if (!ds)
		return -100;
	for (size_t i = 0; i < n; i++) {
		int64_t v = desc_sum(&ds[i]);
		if (v < 0)
			return v - 10 * (int64_t)i;
		s += v;
	}
	return s;
}

int ecall_deep_array_inout(struct buf_desc *ds, size_t n)
{
	if (!ds || !IN_ENCLAVE(ds, n * sizeof(*ds)))
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (desc_sum(&ds[i]) < 0)
			return 2;
		for (size_t j = 0; ds[i].data && j < ds[i].len; j++)
			ds[i].data[j] = (uint8_t)(ds[i].data[j] + i + 1);
		for (uint32_t j = 0; ds[i].items && j < ds[i].n; j++)
			ds[i].items[j] = -ds[i].items[j];
	}
	return 0;
}

int64_t ecall_signed_count(const int32_t *v, int n)
{
	int64_t s = 0;
	if (!v || n < 0)
		return INT64_MIN;
	for (int i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* ---- NULL where allowed -------------------------------------------------------------------------
 */

int ecall_nulls(uint8_t *a, uint8_t *b, uint8_t *c, char *s, wchar_t *w, point3_ptr_t p,
                struct buf_desc *d, void *u, size_t len)
{
	(void)len;
	return (a == NULL) << 0 | (b == NULL) << 1 | (c == NULL) << 2 | (s == NULL) << 3 |
	       (w == NULL) << 4 | (p == NULL) << 5 | (d == NULL) << 6 | (u == NULL) << 7;
}

/* ---- OCALLs --------------------------------------------------------------------------------- */

static int ot_in(void)
{
	uint8_t data[300];
	uint64_t want = 0, got = 0;
	for (size_t i = 0; i < sizeof(data); i++) {
		data[i] = (uint8_t)(i * 5 + 2);
		want += data[i];
	}
	if (ocall_in(&got, data, sizeof(data)) != SGX_SUCCESS)
		return 1;
	if (got != want)
		return 2;
	for (size_t i = 0; i < sizeof(data); i++) /* the app scribbled on its copy */
		if (data[i] != (uint8_t)(i * 5 + 2))
			return 3;
	return 0;
}

static int ot_out(void)
{
	uint8_t buf[100];
	size_t seen = 99;
	memset(buf, 0x55, sizeof(buf));
	if (ocall_out(&seen, buf, sizeof(buf)) != SGX_SUCCESS)
		return 1;
	if (seen != 0) /* the app must see a zeroed [out] buffer, not our 0x55 */
		return 2;
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != (uint8_t)(0xC0 + i % 16))
			return 3;
	return 0;
}

static int ot_inout(void)
{
	int32_t v[7];
	int64_t sum = 0;
	for (int i = 0; i < 7; i++)
		v[i] = i - 3;
	if (ocall_inout(&sum, v, 7) != SGX_SUCCESS)
		return 1;
	if (sum != 0)
		return 2;
	for (int i = 0; i < 7; i++)
		if (v[i] != (i - 3) * 10)
			return 3;
	return 0;
}

static int ot_str(void)
{
	size_t n = 0;
	if (ocall_str(&n, "hello, app") != SGX_SUCCESS)
		return 1;
	return n == 10 ? 0 : 2;
}

static int ot_str_inout(void)
{
	char s[32];
	memset(s, 'z', sizeof(s));
	memcpy(s, "abcdefgh", 9);
	if (ocall_str_inout(s) != SGX_SUCCESS)
		return 1;
	if (strcmp(s, "ABC") != 0)
		return 2;
	for (int i = 4; i < 9; i++) /* the rest of the string's bytes are zeroed */
		if (s[i] != 0)
			return 3;
	for (size_t i = 9; i < sizeof(s); i++) /* beyond it: untouched */
		if (s[i] != 'z')
			return 4;
	return 0;
}

static int ot_wstr(void)
{
	wchar_t iow[8] = L"abcd";
	size_t n = 0;
	if (ocall_wstr(&n, L"wide\u00e9\u4e16", iow) != SGX_SUCCESS)
		return 1;
	if (n != 6)
		return 2;
	if (wcscmp(iow, L"dcba") != 0)
		return 3;
	return 0;
}

static int ot_ret_struct(void)
{
	point3_t p = {1, 2, 3}, r = {0, 0, 0};
	if (ocall_ret_struct(&r, p, 7) != SGX_SUCCESS)
		return 1;
	return r.x == 7 && r.y == 14 && r.z == 21 ? 0 : 2;
}

static int ot_ret_double(void)
{
	double r = 0;
	if (ocall_ret_double(&r, 1.5) != SGX_SUCCESS)
		return 1;
	return r == 2.5 ? 0 : 2;
}

static int ot_ret_ptr_user_check(void)
{
	void *p = NULL;
	int r = -1;
	if (ocall_ret_ptr(&p) != SGX_SUCCESS)
		return 1;
	if (!IN_WINDOW(p, 16))
		return 2;
	if (memcmp(p, "window!", 8) != 0)
		return 3;
	memcpy(p, "enclave", 8);
	if (ocall_user_check(&r, p) != SGX_SUCCESS)
		return 4;
	return r == 0 ? 0 : 5;
}

static int ot_isptr(void)
{
	point3_t a = {1, 2, 3}, b = {9, 9, 9}, c = {7, 8, 9};
	const point3_t d = {-1, -2, -3};
	int r = -1;
	if (ocall_isptr(&r, &a, &b, &c, &d) != SGX_SUCCESS)
		return 1;
	if (r != 0)
		return 2;
	if (b.x != 4 || b.y != 5 || b.z != 6)
		return 3;
	if (c.x != 8 || c.y != 9 || c.z != 10)
		return 4;
	return 0;
}

static int ot_size_count(void)
{
	int16_t v[6] = {1, -2, 3, -4, 5, -6};
	int64_t sum = 0;
	if (ocall_size_count(&sum, v, sizeof(int16_t), 6) != SGX_SUCCESS)
		return 1;
	if (sum != -3)
		return 2;
	for (int i = 0; i < 6; i++)
		if (v[i] != (i % 2 ? i + 1 : -(i + 1)))
			return 3;
	return 0;
}

static int ot_isary(void)
{
	int4_t a = {1, 2, 3, 4}, b = {9, 9, 9, 9}, c = {5, 6, 7, 8};
	int r = -1;
	if (ocall_isary(&r, a, b, c) != SGX_SUCCESS)
		return 1;
	if (r != 0)
		return 2;
	for (int i = 0; i < 4; i++)
		if (b[i] != (i + 1) * 10 || c[i] != -(i + 5))
			return 3;
	return 0;
}

static int ot_arrays(void)
{
	int32_t a[4] = {1, 2, 3, 4}, b[2][3];
	char c[2][2] = {{'a', 'b'}, {'c', 'd'}};
	int r = -1;
	memset(b, 0x7f, sizeof(b));
	if (ocall_arrays(&r, a, b, c) != SGX_SUCCESS)
		return 1;
	if (r != 0)
		return 2;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			if (b[i][j] != 100 + i * 3 + j)
				return 3;
	if (c[0][0] != 'A' || c[0][1] != 'B' || c[1][0] != 'C' || c[1][1] != 'D')
		return 4;
	return 0;
}

static int ot_struct(void)
{
	struct rec in = {.id = 11,
	                 .weight = 1.25,
	                 .tag = "in",
	                 .grid = {{1, 2, 3}, {4, 5, 6}},
	                 .origin = {7, 8, 9}};
	struct rec out, byval = in;
	int r = -1;
	memset(&out, 0x33, sizeof(out));
	byval.id = 12;
	if (ocall_struct(&r, &in, &out, byval) != SGX_SUCCESS)
		return 1;
	if (r != 0)
		return 2;
	if (out.id != 13 || out.weight != 2.5 || strcmp(out.tag, "out") || out.grid[1][2] != 60 ||
	    out.origin.z != 90)
		return 3;
	return 0;
}

static int ot_deep(void)
{
	uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	int32_t items[3] = {10, -20, 30};
	struct buf_desc d = {sizeof(data), data, 3, items};
	int r = -1;
	if (ocall_deep(&r, &d) != SGX_SUCCESS)
		return 1;
	if (r != 0)
		return 2;
	if (d.data != data || d.items != items) /* our pointers are restored */
		return 3;
	if (d.len != 7 || d.n != 3)
		return 4;
	for (int i = 0; i < 7; i++)
		if (data[i] != 2 * (i + 1))
			return 5;
	if (items[0] != 20 || items[1] != -40 || items[2] != 60)
		return 6;
	return 0;
}

static int ot_deep_in(void)
{
	uint8_t data[5] = {1, 1, 1, 1, 1};
	int32_t items[2] = {100, 200};
	struct buf_desc d = {sizeof(data), data, 2, items};
	int r = -1;
	if (ocall_deep_in(&r, &d) != SGX_SUCCESS)
		return 1;
	if (r != 305)
		return 2;
	if (d.data != data || d.items != items || data[0] != 1 || items[1] != 200)
		return 3;
	return 0;
}

static int ot_nulls(void)
{
	int r = -1;
	uint8_t a[4] = {1, 2, 3, 4}, b[4];
	point3_t p = {1, 1, 1};
	if (ocall_nulls(&r, NULL, NULL, NULL, NULL, 4) != SGX_SUCCESS)
		return 1;
	if (r != 0xf)
		return 2;
	if (ocall_nulls(&r, a, b, "s", &p, 4) != SGX_SUCCESS)
		return 3;
	if (r != 0)
		return 4;
	return 0;
}

/* Zero length for the sized OCALL buffers: the mask the app saw, or -1. */
static int ot_zero_len(void)
{
	int r = -1;
	uint8_t a[4] = {1, 2, 3, 4}, b[4];
	point3_t p = {1, 1, 1};
	if (ocall_nulls(&r, a, b, "s", &p, 0) != SGX_SUCCESS)
		return -1;
	return r;
}

int ecall_ocall_test(int which)
{
	switch (which) {
	case 0:
		return ot_in();
	case 1:
		return ot_out();
	case 2:
		return ot_inout();
	case 3:
		return ot_str();
	case 4:
		return ot_str_inout();
	case 5:
		return ot_wstr();
	case 6:
		return ot_ret_struct();
	case 7:
		return ot_ret_double();
	case 8:
		return ot_ret_ptr_user_check();
	case 9:
		return ot_isptr();
	case 10:
		return ot_isary();
	case 11:
		return ot_arrays();
	case 12:
		return ot_struct();
	case 13:
		return ot_deep();
	case 14:
		return ot_deep_in();
	case 15:
		return ot_nulls();
	case 16:
		return ot_zero_len();
	case 17:
		return ot_size_count();
	default:
		return -1;
	}
}

/* ---- nesting -------------------------------------------------------------------------------- */

int ecall_nest_allowed(int x)
{
	int r = 0;
	sgx_status_t st = ocall_nest_allowed(&r, x);
	return st == SGX_SUCCESS ? r : -(int)st;
}

int ecall_nest_denied(int x)
{
	int r = 0;
	sgx_status_t st = ocall_nest_denied(&r, x);
	return st == SGX_SUCCESS ? r : -(int)st;
}

int ecall_nest_public(int x)
{
	int r = 0;
	sgx_status_t st = ocall_nest_public(&r, x);
	return st == SGX_SUCCESS ? r : -(int)st;
}

int ecall_private_nested(int x)
{
	double d = 0;
	/* OCALLs of its own, from inside the nested ECALL: they allocate on the
	 * same OCALL stack as the OCALL that is in progress. */
	if (ocall_ret_double(&d, 1.5) != SGX_SUCCESS || d != 2.5)
		return -1;
	if (ot_in() != 0)
		return -2;
	return 3 * x + 1;
}

int ecall_nest_buf(void)
{
	uint8_t buf[512];
	int r = -1;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7);
	if (ocall_nest_buf(&r, buf, sizeof(buf)) != SGX_SUCCESS)
		return 1;
	if (r != 0)
		return 100 + r;
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != (uint8_t)(255 - i))
			return 2;
	return 0;
}

int ecall_recurse(int n)
{
	int r = -1;
	if (n <= 0)
		return 0;
	if (ocall_recurse(&r, n - 1) != SGX_SUCCESS || r < 0)
		return -1;
	return r + 1;
}

int ecall_other(int x)
{
	int r = 0;
	sgx_status_t st = ocall_other(&r, x);
	return st == SGX_SUCCESS ? r : -(int)st;
}

int ecall_block(int id)
{
	return ocall_block(id) == SGX_SUCCESS ? id : -1;
}

/* ---- errno ---------------------------------------------------------------------------------- */

int ecall_errno(int e)
{
	int r = 0;
	errno = 0;
	if (ocall_set_errno(&r, e) != SGX_SUCCESS || r != -1)
		return 1;
	if (errno != e) /* propagate_errno: the application's errno */
		return 2;
	errno = 0;
	if (ocall_no_errno(&r, e + 1) != SGX_SUCCESS || r != -1)
		return 3;
	if (errno != 0) /* without it, the enclave's errno stays as it was */
		return 4;
	return 0;
}

/* ---- switchless ----------------------------------------------------------------------------- */

int ecall_switchless(int x)
{
	return x * x;
}

int ecall_switchless_ocall(int x)
{
	int r = 0, r2 = 0;
	if (ocall_switchless(&r, x) != SGX_SUCCESS)
		return -1;
	errno = 0;
	if (ocall_switchless_errno(&r2, 33) != SGX_SUCCESS || r2 != -1)
		return -2;
	if (errno != 33)
		return -3;
	return r + 1000;
}
