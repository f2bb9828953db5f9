/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Just enough JSON to find one enclave in the service's ENCLAVES answer,
 * {"enclaves":[{"id":1,"state":"running",...},...]} (docs/control-protocol.md).
 * A real scanner rather than a substring search, because enclave names are
 * chosen by applications and may contain anything, quotes included.
 */
#include <string.h>

#include "urts.h"

#define MAX_DEPTH 32

struct cur {
	const char *p, *end;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* Consumes ch (after white space) when it is next; 1 when it was. */
static int eat(struct cur *c, char ch)
{
	ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

static int hex4(struct cur *c)
{
	if (c->end - c->p < 4)
		return -1;
	for (int i = 0; i < 4; i++, c->p++) {
		char h = *c->p;
		if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
			return -1;
	}
	return 0;
}

/*
 * A string. When out is not NULL, its text (escapes decoded, \u as '?') is
 * copied there if it fits in outlen - 1 bytes; else out is set to "" and
 * *fits to 0. 0, or -1 when malformed.
 */
static int string(struct cur *c, char *out, size_t outlen, int *fits)
{
	size_t n = 0;
	int ok = 1;
	if (!eat(c, '"'))
		return -1;
	while (c->p < c->end) {
		char ch = *c->p++;
		if (ch == '"') {
			if (out) {
				out[ok ? n : 0] = 0;
				if (fits)
					*fits = ok;
			}
			return 0;
		}
		if ((unsigned char)ch < 0x20)
			return -1;
		if (ch == '\\') {
			if (c->p >= c->end)
				return -1;
			char e = *c->p++;
			switch (e) {
			case '"':
			case '\\':
			case '/':
				ch = e;
				break;
			case 'b':
				ch = '\b';
				break;
			case 'f':
				ch = '\f';
				break;
			case 'n':
				ch = '\n';
				break;
			case 'r':
				ch = '\r';
				break;
			case 't':
				ch = '\t';
				break;
			case 'u':
				if (hex4(c))
					return -1;
				ch = '?';
				break;
			default:
				return -1;
			}
		}
		if (out && ok && n + 1 < outlen)
			out[n++] = ch;
		else
			ok = 0;
	}
	return -1;
}

/* A number; *is_int and *v when it is an integer that fits in int64_t. */
static int number(struct cur *c, int64_t *v, int *is_int)
{
	ws(c);
	const char *s = c->p;
	int neg = 0, digits = 0, integral = 1;
	uint64_t mag = 0;
	if (c->p < c->end && *c->p == '-') {
		neg = 1;
		c->p++;
	}
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p++ - '0');
		if (mag > (UINT64_MAX - d) / 10)
			integral = 0;
		else
			mag = mag * 10 + d;
		digits++;
	}
	if (!digits)
		return -1;
	if (c->p < c->end && *c->p == '.') {
		integral = 0;
		c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return -1;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		integral = 0;
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return -1;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (integral && mag > (uint64_t)INT64_MAX + (uint64_t)neg)
		integral = 0;
	*is_int = integral && c->p > s;
	if (*is_int)
		*v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

static int literal(struct cur *c, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
		return -1;
	c->p += n;
	return 0;
}

static int skip_value(struct cur *c, int depth)
{
	if (depth > MAX_DEPTH)
		return -1;
	ws(c);
	if (c->p >= c->end)
		return -1;
	switch (*c->p) {
	case '{':
		c->p++;
		if (eat(c, '}'))
			return 0;
		do {
			if (string(c, NULL, 0, NULL) || !eat(c, ':') || skip_value(c, depth + 1))
				return -1;
		} while (eat(c, ','));
		return eat(c, '}') ? 0 : -1;
	case '[':
		c->p++;
		if (eat(c, ']'))
			return 0;
		do {
			if (skip_value(c, depth + 1))
				return -1;
		} while (eat(c, ','));
		return eat(c, ']') ? 0 : -1;
	case '"':
		return string(c, NULL, 0, NULL);
	case 't':
		return literal(c, "true");
	case 'f':
		return literal(c, "false");
	case 'n':
		return literal(c, "null");
	default: {
		int64_t v;
		int is_int;
		return number(c, &v, &is_int);
	}
	}
}

/* An integer member value; anything else is skipped and reported as absent. */
static int int_member(struct cur *c, int64_t *v, int *have)
{
	ws(c);
	if (c->p < c->end && (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))) {
		int is_int;
		if (number(c, v, &is_int))
			return -1;
		*have = is_int;
		return 0;
	}
	*have = 0;
	return skip_value(c, 1);
}

/* One element of the array: 1 when it is enclave id, 0 when not, -1 when malformed. */
static int element(struct cur *c, uint32_t id, struct urts_json_enclave *out)
{
	struct urts_json_enclave e;
	int64_t eid = -1;
	int have_id = 0;
	memset(&e, 0, sizeof(e));
	if (!eat(c, '{'))
		return skip_value(c, 1) ? -1 : 0;
	if (!eat(c, '}')) {
		do {
			char key[16];
			int fits = 0;
			if (string(c, key, sizeof(key), &fits) || !eat(c, ':'))
				return -1;
			int rc;
			if (fits && !strcmp(key, "id")) {
				rc = int_member(c, &eid, &have_id);
			} else if (fits && !strcmp(key, "state")) {
				ws(c);
				int sfits = 0;
				if (c->p < c->end && *c->p == '"') {
					rc = string(c, e.state, sizeof(e.state), &sfits);
					if (!sfits)
						strcpy(e.state, "?");
				} else {
					rc = skip_value(c, 1);
				}
			} else if (fits && !strcmp(key, "exit_code")) {
				rc = int_member(c, &e.exit_code, &e.has_exit_code);
			} else if (fits && !strcmp(key, "fault_vector")) {
				rc = int_member(c, &e.fault_vector, &e.has_fault_vector);
			} else {
				rc = skip_value(c, 1);
			}
			if (rc)
				return -1;
		} while (eat(c, ','));
		if (!eat(c, '}'))
			return -1;
	}
	if (!have_id || eid != (int64_t)id)
		return 0;
	*out = e;
	return 1;
}

int urts_json_find_enclave(const char *json, size_t len, uint32_t id, struct urts_json_enclave *out)
{
	struct cur c = {json, json + len};
	int seen = 0, found = 0;
	if (!eat(&c, '{'))
		return -1;
	if (eat(&c, '}'))
		return -1;
	do {
		char key[16];
		int fits = 0;
		if (string(&c, key, sizeof(key), &fits) || !eat(&c, ':'))
			return -1;
		if (!fits || strcmp(key, "enclaves")) {
			if (skip_value(&c, 1))
				return -1;
			continue;
		}
		seen = 1;
		if (!eat(&c, '['))
			return -1;
		if (eat(&c, ']'))
			continue;
		do {
			struct urts_json_enclave e;
			int rc = element(&c, id, &e);
			if (rc < 0)
				return -1;
			if (rc && !found)
				*out = e;
			found |= rc;
		} while (eat(&c, ','));
		if (!eat(&c, ']'))
			return -1;
	} while (eat(&c, ','));
	if (!eat(&c, '}'))
		return -1;
	ws(&c);
	if (c.p != c.end || !seen)
		return -1;
	return found;
}
