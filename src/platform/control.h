/* SPDX-License-Identifier: Apache-2.0 */
/* Control-socket message handling (include/de/control.h is the wire format). */
#ifndef DE_PLATFORM_CONTROL_H
#define DE_PLATFORM_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "de/control.h"

/*
 * Checks a request header received from an untrusted client. Returns
 * DE_CTL_OK, or an error status with a sentence in err.
 */
enum de_ctl_status ctl_req_check(const void *buf, size_t len, struct de_ctl_req *out, char *err,
                                 size_t errlen);

struct status_vcpu {
	uint32_t id;
	int host_cpu;
	int tid; /* host thread running it */
};

struct status_info {
	bool running;
	long pid;
	uint32_t nr_vcpus;
	const struct status_vcpu *vcpus;
	uint64_t memory_mib;
	bool memory_locked;
	const char *image;
	const uint8_t *image_sha256;
	bool debug;
	double uptime_s;
	double boot_ms;
	const char *runtime_dir;
	const char *stop_reason; /* NULL while running */
};

/* One JSON object, malloc'd; NULL on allocation failure. */
char *ctl_status_json(const struct status_info *s);

#endif
