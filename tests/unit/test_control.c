/* SPDX-License-Identifier: Apache-2.0 */
/* Control requests from untrusted clients, and the status JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "control.h"
#include "de/evm_proto.h"

static char err[256];

static void requests(void **state)
{
	(void)state;
	struct de_ctl_req ok = {
	    .magic = DE_CTL_MAGIC, .version = DE_CTL_VERSION, .op = DE_CTL_STATUS};
	struct de_ctl_req out, r;
	assert_int_equal(ctl_req_check(&ok, sizeof(ok), &out, err, sizeof(err)), DE_CTL_OK);
	assert_int_equal(out.op, DE_CTL_STATUS);

	assert_int_equal(ctl_req_check(&ok, sizeof(ok) - 1, &out, err, sizeof(err)),
	                 DE_CTL_EBADREQ);
	assert_int_equal(ctl_req_check(&ok, 0, &out, err, sizeof(err)), DE_CTL_EBADREQ);
	r = ok;
	r.magic ^= 1;
	assert_int_equal(ctl_req_check(&r, sizeof(r), &out, err, sizeof(err)), DE_CTL_EBADREQ);
	r = ok;
	r.version = 2;
	assert_int_equal(ctl_req_check(&r, sizeof(r), &out, err, sizeof(err)), DE_CTL_EVERSION);
	assert_non_null(strstr(err, "version 2"));
	r = ok;
	r.op = 99;
	assert_int_equal(ctl_req_check(&r, sizeof(r), &out, err, sizeof(err)), DE_CTL_EOP);
	r = ok;
	r.len = 0xffffffff;
	assert_int_equal(ctl_req_check(&r, sizeof(r), &out, err, sizeof(err)), DE_CTL_EBADREQ);
	r = ok;
	r.reserved = 1;
	assert_int_equal(ctl_req_check(&r, sizeof(r), &out, err, sizeof(err)), DE_CTL_EBADREQ);
}

/* Each operation's payload length is checked before any payload is read. */
static void payload_lengths(void **state)
{
	(void)state;
	static const struct {
		uint16_t op;
		uint32_t len;
		enum de_ctl_status want;
	} cases[] = {
	    {DE_CTL_ENCLAVES, 0, DE_CTL_OK},
	    {DE_CTL_ENCLAVES, 1, DE_CTL_EBADREQ},
	    {DE_CTL_STATS, 0, DE_CTL_OK},
	    {DE_CTL_STATS, 8, DE_CTL_EBADREQ},
	    {DE_CTL_LOAD, sizeof(struct de_req_load), DE_CTL_EBADREQ}, /* no image */
	    {DE_CTL_LOAD, sizeof(struct de_req_load) + 1, DE_CTL_OK},
	    {DE_CTL_LOAD, DE_CTL_MAX_REQUEST, DE_CTL_OK},
	    {DE_CTL_LOAD, DE_CTL_MAX_REQUEST + 1, DE_CTL_EBADREQ},
	    {DE_CTL_START, sizeof(struct de_req_enclave), DE_CTL_OK},
	    {DE_CTL_START, sizeof(struct de_req_enclave) - 1, DE_CTL_EBADREQ},
	    {DE_CTL_DESTROY, sizeof(struct de_req_enclave) + 1, DE_CTL_EBADREQ},
	    {DE_CTL_WINDOW, sizeof(struct de_ctl_window), DE_CTL_OK},
	    {DE_CTL_WINDOW, 0, DE_CTL_EBADREQ},
	    {DE_CTL_WINDOW, sizeof(struct de_ctl_window) + 4096, DE_CTL_EBADREQ},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct de_ctl_req r = {.magic = DE_CTL_MAGIC,
		                       .version = DE_CTL_VERSION,
		                       .op = cases[i].op,
		                       .len = cases[i].len};
		struct de_ctl_req out;
		assert_int_equal(ctl_req_check(&r, sizeof(r), &out, err, sizeof(err)),
		                 cases[i].want);
	}
}

static void status(void **state)
{
	(void)state;
	static const uint8_t sha[32] = {0xab, 0x01};
	struct status_vcpu v[2] = {{0, 3, 100}, {1, 5, 101}};
	struct status_info s = {
	    .running = true,
	    .pid = 42,
	    .nr_vcpus = 2,
	    .vcpus = v,
	    .memory_mib = 64,
	    .memory_locked = true,
	    .image = "/i \"q\".bin",
	    .image_sha256 = sha,
	    .debug = false,
	    .uptime_s = 1.5,
	    .boot_ms = 30.25,
	    .runtime_dir = "/run/de",
	};
	char *text = ctl_status_json(&s);
	assert_non_null(text);
	json_error_t je;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "state")), "running");
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 42);
	json_t *vc = json_object_get(o, "vcpus");
	assert_int_equal(json_array_size(vc), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(vc, 1), "host_cpu")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(vc, 1), "tid")), 101);
	assert_string_equal(json_string_value(json_object_get(o, "image")), "/i \"q\".bin");
	assert_string_equal(json_string_value(json_object_get(o, "image_sha256")),
	                    "ab01000000000000000000000000000000000000000000000000000000000000");
	assert_true(json_is_false(json_object_get(o, "debug")));
	assert_true(json_is_null(json_object_get(o, "stop_reason")));
	assert_true(json_real_value(json_object_get(o, "boot_ms")) == 30.25);
	json_decref(o);
	free(text);

	s.running = false;
	s.stop_reason = "crashed";
	text = ctl_status_json(&s);
	o = json_loads(text, 0, &je);
	assert_string_equal(json_string_value(json_object_get(o, "state")), "stopped");
	assert_string_equal(json_string_value(json_object_get(o, "stop_reason")), "crashed");
	json_decref(o);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(requests),
	    cmocka_unit_test(payload_lengths),
	    cmocka_unit_test(status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
