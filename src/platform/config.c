/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration parsing with inih. Keys live outside any section; unknown
 * keys, repeated keys, sections and malformed values are errors with the file
 * and line, so a typo never silently falls back to a default.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config.h"
#include "de/boot.h"

#define MAX_FILE 65536
#define MAX_LINE 190 /* below inih's INI_MAX_LINE so it never splits a line */

struct parse_ctx {
	struct de_config *cfg;
	const char *name;
	const char *text; /* what the reader hands to inih, one line per call */
	size_t pos, len;
	int lineno;
	char *err;
	size_t errlen;
	int failed;
	unsigned seen; /* bit per key */
};

typedef int (*key_fn)(struct de_config *c, const char *v, char *why, size_t whylen);

static int parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int copy_str(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

static int k_image(struct de_config *c, const char *v, char *why, size_t n)
{
	if (v[0] != '/' || copy_str(c->image, sizeof(c->image), v)) {
		snprintf(why, n, "image must be an absolute path to image.bin");
		return -1;
	}
	return 0;
}

static int k_cpu_count(struct de_config *c, const char *v, char *why, size_t n)
{
	uint64_t x;
	if (parse_u64(v, 1, 64, &x)) {
		snprintf(why, n, "cpu_count must be a whole number from 1 to 64, not \"%s\"", v);
		return -1;
	}
	c->cpu_count = (uint32_t)x;
	c->cpu_count_set = true;
	return 0;
}

static int k_cpu_list(struct de_config *c, const char *v, char *why, size_t n)
{
	if (copy_str(c->cpu_list, sizeof(c->cpu_list), v)) {
		snprintf(why, n, "cpu_list must list host CPUs, e.g. \"1\" or \"2-3,6\"");
		return -1;
	}
	c->cpu_list_set = true;
	return 0;
}

static int k_memory(struct de_config *c, const char *v, char *why, size_t n)
{
	/* The boot page tables map the first 124 GiB of guest-physical space. */
	if (parse_u64(v, 16, DE_MAX_MEMORY_MIB, &c->memory_mib)) {
		snprintf(
		    why, n,
		    "memory_mib must be a whole number of MiB from 16 to %u (120 GiB), not \"%s\"",
		    DE_MAX_MEMORY_MIB, v);
		return -1;
	}
	return 0;
}

static int k_debug(struct de_config *c, const char *v, char *why, size_t n)
{
	if (parse_bool(v, &c->debug)) {
		snprintf(why, n, "debug must be true or false, not \"%s\"", v);
		return -1;
	}
	return 0;
}

static int k_runtime_dir(struct de_config *c, const char *v, char *why, size_t n)
{
	if (v[0] != '/' || strlen(v) > 80 || copy_str(c->runtime_dir, sizeof(c->runtime_dir), v)) {
		snprintf(why, n, "runtime_dir must be an absolute path of at most 80 characters");
		return -1;
	}
	return 0;
}

static int k_socket_group(struct de_config *c, const char *v, char *why, size_t n)
{
	if (copy_str(c->socket_group, sizeof(c->socket_group), v)) {
		snprintf(why, n, "socket_group must be a group name");
		return -1;
	}
	return 0;
}

static const struct {
	const char *key;
	key_fn fn;
} keys[] = {
    {"image", k_image},
    {"cpu_count", k_cpu_count},
    {"cpu_list", k_cpu_list},
    {"memory_mib", k_memory},
    {"debug", k_debug},
    {"runtime_dir", k_runtime_dir},
    {"socket_group", k_socket_group},
};

/* inih reader: one whole line per call, counting lines for messages. */
static char *next_line(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	size_t n = 0;
	if (p->pos >= p->len)
		return NULL;
	while (p->pos < p->len && n + 1 < (size_t)num) {
		char ch = p->text[p->pos++];
		str[n++] = ch;
		if (ch == '\n')
			break;
	}
	str[n] = 0;
	p->lineno++;
	return str;
}

static int on_line(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *p = user;
	int lineno = p->lineno;
	char why[256];

	if (p->failed)
		return 0;
	if (section[0]) {
		snprintf(p->err, p->errlen,
		         "%s:%d: sections are not used; remove \"[%s]\" and keep the keys at the "
		         "top level",
		         p->name, lineno, section);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(name, keys[i].key))
			continue;
		if (p->seen & (1u << i)) {
			snprintf(p->err, p->errlen, "%s:%d: %s is set twice; keep one", p->name,
			         lineno, name);
			goto fail;
		}
		p->seen |= 1u << i;
		if (keys[i].fn(p->cfg, value, why, sizeof(why))) {
			snprintf(p->err, p->errlen, "%s:%d: %s", p->name, lineno, why);
			goto fail;
		}
		return 1;
	}
	snprintf(
	    p->err, p->errlen,
	    "%s:%d: unknown key \"%s\"; valid keys are image, cpu_count, cpu_list, memory_mib, "
	    "debug, runtime_dir, socket_group",
	    p->name, lineno, name);
fail:
	p->failed = 1;
	return 0;
}

void config_defaults(struct de_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->image, DE_DEFAULT_IMAGE);
	c->cpu_count = 1;
	c->memory_mib = 256;
	strcpy(c->runtime_dir, DE_DEFAULT_RUNTIME_DIR);
	strcpy(c->socket_group, "root");
}

static int finish(struct parse_ctx *p, int rc)
{
	if (p->failed)
		return -1;
	if (rc > 0) {
		snprintf(
		    p->err, p->errlen,
		    "%s:%d: malformed line; write \"key = value\" (comments start with # or ;)",
		    p->name, rc);
		return -1;
	}
	if (rc < 0) {
		snprintf(p->err, p->errlen, "%s: cannot read: %s", p->name, strerror(errno));
		return -1;
	}
	if (p->cfg->cpu_count_set && p->cfg->cpu_list_set) {
		snprintf(p->err, p->errlen,
		         "%s: cpu_count and cpu_list are mutually exclusive; keep one of them",
		         p->name);
		return -1;
	}
	return 0;
}

/* Rejects what inih cannot report precisely, then parses. */
static int parse_text(struct parse_ctx *p)
{
	int line = 1;
	size_t start = 0;
	for (size_t i = 0; i <= p->len; i++) {
		if (i < p->len && p->text[i] == '\0') {
			snprintf(p->err, p->errlen,
			         "%s:%d: contains a NUL byte; is this a text file?", p->name, line);
			return -1;
		}
		if (i == p->len || p->text[i] == '\n') {
			size_t k = start;
			while (k < i && (p->text[k] == ' ' || p->text[k] == '\t'))
				k++;
			if (k < i && p->text[k] == '[') {
				snprintf(p->err, p->errlen,
				         "%s:%d: sections are not used; remove the \"[...]\" line "
				         "and keep "
				         "the keys at the top level",
				         p->name, line);
				return -1;
			}
			if (i - start > MAX_LINE) {
				snprintf(p->err, p->errlen, "%s:%d: line longer than %d characters",
				         p->name, line, MAX_LINE);
				return -1;
			}
			line++;
			start = i + 1;
		}
	}
	return finish(p, ini_parse_stream(next_line, p, on_line, p));
}

int config_parse_string(const char *text, const char *name, struct de_config *c, char *err,
                        size_t errlen)
{
	struct parse_ctx p = {.cfg = c,
	                      .name = name,
	                      .err = err,
	                      .errlen = errlen,
	                      .text = text,
	                      .len = strlen(text)};
	return parse_text(&p);
}

int config_parse_buffer(const char *buf, size_t len, const char *name, struct de_config *c,
                        char *err, size_t errlen)
{
	struct parse_ctx p = {
	    .cfg = c, .name = name, .err = err, .errlen = errlen, .text = buf, .len = len};
	return parse_text(&p);
}

int config_load(const char *path, struct de_config *c, char *err, size_t errlen)
{
	static char buf[MAX_FILE + 1];
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	size_t n = fread(buf, 1, sizeof(buf), f);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	if (n > MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %d bytes; is this the right file?", path,
		         MAX_FILE);
		return -1;
	}
	return config_parse_buffer(buf, n, path, c, err, errlen);
}

void config_apply_env(struct de_config *c)
{
	const char *d = getenv("DE_RUNTIME_DIR");
	if (d && d[0] == '/' && strlen(d) < sizeof(c->runtime_dir))
		strcpy(c->runtime_dir, d);
}
