/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "control.h"
#include "de/evm_proto.h"

enum de_ctl_status ctl_req_check(const void *buf, size_t len, struct de_ctl_req *out, char *err,
                                 size_t errlen)
{
	struct de_ctl_req r;
	if (len != sizeof(r)) {
		snprintf(err, errlen, "request header must be %zu bytes, got %zu", sizeof(r), len);
		return DE_CTL_EBADREQ;
	}
	memcpy(&r, buf, sizeof(r));
	if (r.magic != DE_CTL_MAGIC) {
		snprintf(err, errlen, "not a control request (bad magic)");
		return DE_CTL_EBADREQ;
	}
	if (r.version != DE_CTL_VERSION) {
		snprintf(err, errlen,
		         "protocol version %u is not supported (this service speaks %u); use the "
		         "dectl that came with the service",
		         r.version, DE_CTL_VERSION);
		return DE_CTL_EVERSION;
	}
	if (r.reserved != 0) {
		snprintf(err, errlen, "request has reserved bits set");
		return DE_CTL_EBADREQ;
	}
	switch (r.op) {
	case DE_CTL_STATUS:
	case DE_CTL_STOP:
	case DE_CTL_CONSOLE:
	case DE_CTL_ENCLAVES:
	case DE_CTL_STATS:
		if (r.len != 0) {
			snprintf(err, errlen, "operation %u takes no payload", r.op);
			return DE_CTL_EBADREQ;
		}
		break;
	case DE_CTL_LOAD:
		if (r.len <= sizeof(struct de_req_load) || r.len > DE_CTL_MAX_REQUEST) {
			snprintf(
			    err, errlen,
			    "LOAD payload must be a %zu-byte de_req_load and an image, %u bytes "
			    "at most in all",
			    sizeof(struct de_req_load), DE_CTL_MAX_REQUEST);
			return DE_CTL_EBADREQ;
		}
		break;
	case DE_CTL_START:
	case DE_CTL_DESTROY:
		if (r.len != sizeof(struct de_req_enclave)) {
			snprintf(err, errlen, "operation %u takes a %zu-byte payload", r.op,
			         sizeof(struct de_req_enclave));
			return DE_CTL_EBADREQ;
		}
		break;
	case DE_CTL_WINDOW:
		if (r.len != sizeof(struct de_ctl_window)) {
			snprintf(err, errlen, "WINDOW takes a %zu-byte payload",
			         sizeof(struct de_ctl_window));
			return DE_CTL_EBADREQ;
		}
		break;
	default:
		snprintf(err, errlen, "unknown operation %u", r.op);
		return DE_CTL_EOP;
	}
	*out = r;
	return DE_CTL_OK;
}

char *ctl_status_json(const struct status_info *s)
{
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", s->image_sha256[i]);

	json_t *vcpus = json_array();
	for (uint32_t i = 0; i < s->nr_vcpus; i++)
		json_array_append_new(vcpus, json_pack("{s:i,s:i,s:i}", "id", (int)s->vcpus[i].id,
		                                       "host_cpu", s->vcpus[i].host_cpu, "tid",
		                                       s->vcpus[i].tid));
	json_t *o =
	    json_pack("{s:s,s:I,s:o,s:I,s:b,s:s,s:s,s:b,s:f,s:f,s:s}", "state",
	              s->running ? "running" : "stopped", "pid", (json_int_t)s->pid, "vcpus", vcpus,
	              "memory_mib", (json_int_t)s->memory_mib, "memory_locked", s->memory_locked,
	              "image", s->image, "image_sha256", hex, "debug", s->debug, "uptime_s",
	              s->uptime_s, "boot_ms", s->boot_ms, "runtime_dir", s->runtime_dir);
	if (!o)
		return NULL;
	json_object_set_new(o, "stop_reason",
	                    s->stop_reason ? json_string(s->stop_reason) : json_null());
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}
