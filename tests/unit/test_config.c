/* SPDX-License-Identifier: Apache-2.0 */
/* enclave.conf parsing: defaults, every key, and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static char err[512];

static int parse(const char *text, struct de_config *c)
{
	config_defaults(c);
	err[0] = 0;
	return config_parse_string(text, "t.conf", c, err, sizeof(err));
}

static void defaults(void **state)
{
	(void)state;
	struct de_config c;
	assert_int_equal(parse("", &c), 0);
	assert_string_equal(c.image, "/usr/local/share/dragonfly/image.bin");
	assert_int_equal(c.cpu_count, 1);
	assert_false(c.cpu_list_set);
	assert_int_equal(c.memory_mib, 256);
	assert_false(c.debug);
	assert_string_equal(c.runtime_dir, "/run/de");
	assert_string_equal(c.socket_group, "root");
}

static void every_key(void **state)
{
	(void)state;
	struct de_config c;
	assert_int_equal(parse("# comment\n; comment\nimage = /x/image.bin\ncpu_list = 2-3,6\n"
	                       "memory_mib = 1024\ndebug = yes\nruntime_dir = /tmp/r\n"
	                       "socket_group = kvm\n",
	                       &c),
	                 0);
	assert_string_equal(c.image, "/x/image.bin");
	assert_true(c.cpu_list_set);
	assert_string_equal(c.cpu_list, "2-3,6");
	assert_int_equal(c.memory_mib, 1024);
	assert_true(c.debug);
	assert_string_equal(c.runtime_dir, "/tmp/r");
	assert_string_equal(c.socket_group, "kvm");
	assert_int_equal(parse("cpu_count = 3\ndebug = off\n", &c), 0);
	assert_int_equal(c.cpu_count, 3);
	assert_false(c.debug);
}

struct bad {
	const char *text;
	const char *msg;
};

static void rejects(void **state)
{
	(void)state;
	static const struct bad cases[] = {
	    {"foo = 1\n", "t.conf:1: unknown key \"foo\""},
	    {"\n\nbroken\n", "t.conf:3: malformed line"},
	    {"debug = true\n [evm]\nimage = /a\n", "t.conf:2: sections are not used"},
	    {"cpu_count = 0\n", "t.conf:1: cpu_count must be a whole number from 1 to 64"},
	    {"cpu_count = 65\n", "cpu_count must be"},
	    {"cpu_count = -1\n", "cpu_count must be"},
	    {"cpu_count = 1x\n", "cpu_count must be"},
	    {"cpu_count = 99999999999999999999999\n", "cpu_count must be"},
	    {"memory_mib = 8\n", "memory_mib must be"},
	    {"memory_mib = 122881\n", "memory_mib must be"},
	    {"memory_mib =\n", "memory_mib must be"},
	    {"debug = 2\n", "debug must be true or false"},
	    {"image = relative.bin\n", "image must be an absolute path"},
	    {"runtime_dir = run\n", "runtime_dir must be an absolute path"},
	    {"cpu_count = 1\ncpu_list = 1\n", "mutually exclusive"},
	    {"debug = true\ndebug = false\n", "t.conf:2: debug is set twice"},
	    {"image = /a\0b\n", NULL},
	};
	struct de_config c;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!cases[i].msg)
			continue;
		assert_int_equal(parse(cases[i].text, &c), -1);
		if (!strstr(err, cases[i].msg))
			fail_msg("case %zu: \"%s\" does not contain \"%s\"", i, err, cases[i].msg);
	}
}

static void long_line_and_nul(void **state)
{
	(void)state;
	struct de_config c;
	char text[400];
	memset(text, 'a', sizeof(text));
	memcpy(text, "image = /", 9);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = 0;
	assert_int_equal(parse(text, &c), -1);
	assert_non_null(strstr(err, "t.conf:1: line longer than"));

	static const char with_nul[] = "debug = true\nimage = /a\0b\n";
	config_defaults(&c);
	assert_int_equal(
	    config_parse_buffer(with_nul, sizeof(with_nul) - 1, "t.conf", &c, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "t.conf:2: contains a NUL byte"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults),
	    cmocka_unit_test(every_key),
	    cmocka_unit_test(rejects),
	    cmocka_unit_test(long_line_and_nul),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
