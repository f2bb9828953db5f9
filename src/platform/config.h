/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/enclave.conf: the service's configuration (docs/configuration.md). */
#ifndef DE_PLATFORM_CONFIG_H
#define DE_PLATFORM_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DE_DEFAULT_CONFIG      "/etc/enclave.conf"
#define DE_DEFAULT_IMAGE       "/usr/local/share/dragonfly/image.bin"
#define DE_DEFAULT_RUNTIME_DIR "/run/de"

struct de_config {
	char image[PATH_MAX];
	uint32_t cpu_count;
	bool cpu_count_set;
	char cpu_list[256];
	bool cpu_list_set;
	uint64_t memory_mib;
	bool debug;
	char runtime_dir[PATH_MAX];
	char socket_group[64];
};

void config_defaults(struct de_config *c);
/*
 * Parses an INI file over the defaults. On error returns -1 and writes
 * "FILE:LINE: what is wrong; how to fix it" to err.
 */
int config_load(const char *path, struct de_config *c, char *err, size_t errlen);
/* Same, from a string (tests and fuzzing); name is used in messages. */
int config_parse_string(const char *text, const char *name, struct de_config *c, char *err,
                        size_t errlen);
/* Same, from a buffer that need not be terminated (fuzzing). */
int config_parse_buffer(const char *buf, size_t len, const char *name, struct de_config *c,
                        char *err, size_t errlen);
/* Applies DE_RUNTIME_DIR if set. */
void config_apply_env(struct de_config *c);

#endif
