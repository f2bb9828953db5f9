/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding one enclave in the service's ENCLAVES answer (json.c): the
 * documented shapes, names made to look like other enclaves, keys the
 * runtime does not know, and malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "urts.h"

static int find(const char *json, uint32_t id, struct urts_json_enclave *e)
{
	memset(e, 0x5a, sizeof(*e));
	return urts_json_find_enclave(json, strlen(json), id, e);
}

static void test_documented(void **state)
{
	(void)state;
	/* docs/control-protocol.md's example. */
	const char *json =
	    "{\"enclaves\":[{\"id\":1,\"state\":\"exited\",\"owner_pid\":4242,\"size\":1323008,"
	    "\"threads\":0,\"windows\":0,\"name\":\"hello.elf\",\"exit_code\":5},{\"id\":2,"
	    "\"state\":\"crashed\",\"owner_pid\":4250,\"size\":1060864,\"threads\":0,"
	    "\"windows\":0,\"name\":\"fault.elf\",\"fault_vector\":14}]}";
	struct urts_json_enclave e;
	assert_int_equal(find(json, 1, &e), 1);
	assert_string_equal(e.state, "exited");
	assert_true(e.has_exit_code);
	assert_int_equal(e.exit_code, 5);
	assert_false(e.has_fault_vector);
	assert_int_equal(find(json, 2, &e), 1);
	assert_string_equal(e.state, "crashed");
	assert_true(e.has_fault_vector);
	assert_int_equal(e.fault_vector, 14);
	assert_false(e.has_exit_code);
	assert_int_equal(find(json, 3, &e), 0);
	assert_int_equal(find("{\"enclaves\":[]}", 1, &e), 0);
	assert_int_equal(find(" { \"enclaves\" : [ ] } ", 1, &e), 0);
}

static void test_identity_and_unknown_keys(void **state)
{
	(void)state;
	const char *json =
	    "{\"version\":2,\"enclaves\":[{\"id\":7,\"state\":\"running\",\"name\":\"a\","
	    "\"mrenclave\":\"00ff\",\"attributes\":7,\"xfrm\":3,\"extra\":{\"x\":[1,2.5e3,-3,"
	    "true,false,null,{\"y\":\"}\"}]},\"exit_code\":null}],\"more\":[[]]}";
	struct urts_json_enclave e;
	assert_int_equal(find(json, 7, &e), 1);
	assert_string_equal(e.state, "running");
	assert_false(e.has_exit_code);
}

/* A name that spells out another enclave must not be taken for one. */
static void test_hostile_names(void **state)
{
	(void)state;
	const char *json =
	    "{\"enclaves\":[{\"name\":\"x\\\",\\\"id\\\":7,\\\"state\\\":\\\"crashed\\\"}]}\","
	    "\"id\":7,\"state\":\"running\"},{\"id\":8,\"name\":\"{\\\"id\\\":9}\\\\\","
	    "\"state\":\"loaded\"},{\"id\":10,\"name\":\"\\u0041\\n\\t\\/\",\"state\":"
	    "\"running\"}]}";
	struct urts_json_enclave e;
	assert_int_equal(find(json, 7, &e), 1);
	assert_string_equal(e.state, "running");
	assert_int_equal(find(json, 8, &e), 1);
	assert_string_equal(e.state, "loaded");
	assert_int_equal(find(json, 9, &e), 0);
	assert_int_equal(find(json, 10, &e), 1);
}

static void test_odd_values(void **state)
{
	(void)state;
	struct urts_json_enclave e;
	/* An id that is not an integer matches nothing. */
	assert_int_equal(find("{\"enclaves\":[{\"id\":7.0,\"state\":\"crashed\"}]}", 7, &e), 0);
	assert_int_equal(find("{\"enclaves\":[{\"id\":\"7\",\"state\":\"crashed\"}]}", 7, &e), 0);
	assert_int_equal(find("{\"enclaves\":[{\"id\":-7}]}", 7, &e), 0);
	assert_int_equal(find("{\"enclaves\":[{\"id\":4294967303}]}", 7, &e), 0);
	assert_int_equal(find("{\"enclaves\":[{\"id\":99999999999999999999999}]}", 7, &e), 0);
	/* A state too long for the buffer reads as "?". */
	assert_int_equal(
	    find("{\"enclaves\":[{\"id\":7,\"state\":\"a-state-that-is-far-too-long\"}]}", 7, &e),
	    1);
	assert_string_equal(e.state, "?");
	/* Elements that are not objects are skipped. */
	assert_int_equal(find("{\"enclaves\":[1,\"x\",[],{\"id\":7,\"state\":\"exited\","
	                      "\"exit_code\":-3}]}",
	                      7, &e),
	                 1);
	assert_int_equal(e.exit_code, -3);
	/* Keys that merely start like ours. */
	assert_int_equal(find("{\"enclaves\":[{\"identity\":7,\"id\":8}]}", 7, &e), 0);
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *bad[] = {
	    "",
	    "null",
	    "[]",
	    "{}",
	    "{\"other\":[]}",
	    "{\"enclaves\":{}}",
	    "{\"enclaves\":[",
	    "{\"enclaves\":[{\"id\":1,",
	    "{\"enclaves\":[{\"id\":1}",
	    "{\"enclaves\":[{\"id\":1}]",
	    "{\"enclaves\":[{\"id\" 1}]}",
	    "{\"enclaves\":[{\"id\":1,\"name\":\"unterminated}]}",
	    "{\"enclaves\":[{\"id\":1,\"name\":\"bad \\q escape\"}]}",
	    "{\"enclaves\":[{\"id\":1,\"name\":\"bad \\u12\"}]}",
	    "{\"enclaves\":[{\"id\":1,\"x\":tru}]}",
	    "{\"enclaves\":[{\"id\":1,\"x\":1.}]}",
	    "{\"enclaves\":[{\"id\":1,\"x\":-}]}",
	    "{\"enclaves\":[{\"id\":1,\"x\":\"ctl\x01\"}]}",
	    "{\"enclaves\":[{\"id\":2,\"state\":\"running\"}],}",
	};
	struct urts_json_enclave e;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = find(bad[i], 1, &e);
		if (rc != -1)
			fail_msg("accepted: %s (%d)", bad[i], rc);
	}
	/* The length bounds the scan: no NUL terminator needed. */
	const char full[] = "{\"enclaves\":[{\"id\":1,\"state\":\"running\"}]}";
	assert_int_equal(urts_json_find_enclave(full, sizeof(full) - 1, 1, &e), 1);
	assert_int_equal(urts_json_find_enclave(full, sizeof(full) - 2, 1, &e), -1);
	assert_int_equal(urts_json_find_enclave(full, 10, 1, &e), -1);
}

static void test_deep(void **state)
{
	(void)state;
	enum { DEPTH = 100000 };
	char *json = malloc(DEPTH * 2 + 64);
	assert_non_null(json);
	int n = sprintf(json, "{\"enclaves\":[{\"x\":");
	for (int i = 0; i < DEPTH; i++)
		json[n++] = '[';
	for (int i = 0; i < DEPTH; i++)
		json[n++] = ']';
	n += sprintf(json + n, ",\"id\":1}]}");
	struct urts_json_enclave e;
	assert_int_equal(urts_json_find_enclave(json, (size_t)n, 1, &e), -1);
	free(json);
}

/* Random bytes and random cuts of a valid answer never crash the scanner. */
static void test_garbage(void **state)
{
	(void)state;
	const char valid[] = "{\"enclaves\":[{\"id\":1,\"state\":\"running\",\"name\":\"a\\\"b\","
	                     "\"x\":[1,{\"y\":null}],\"exit_code\":3}]}";
	char buf[sizeof(valid)];
	uint64_t x = 88172645463325252ull;
	struct urts_json_enclave e;
	for (int round = 0; round < 200000; round++) {
		memcpy(buf, valid, sizeof(valid));
		for (int k = 0; k < 3; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % (sizeof(valid) - 1)] = (char)(x >> 32);
		}
		size_t len = (size_t)((x >> 40) % sizeof(valid));
		int rc = urts_json_find_enclave(buf, len, 1, &e);
		assert_true(rc >= -1 && rc <= 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_documented),    cmocka_unit_test(test_identity_and_unknown_keys),
	    cmocka_unit_test(test_hostile_names), cmocka_unit_test(test_odd_values),
	    cmocka_unit_test(test_malformed),     cmocka_unit_test(test_deep),
	    cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
