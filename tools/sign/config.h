/* Enclave.config.xml: the sgx_sign configuration file, parsed with expat. */
#ifndef DE_SIGN_CONFIG_H
#define DE_SIGN_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "de/enclave_meta.h"

struct de_sign_config {
	uint16_t prod_id;
	uint16_t isv_svn;
	uint32_t tcs_num;
	uint32_t tcs_policy;
	uint64_t stack_max_size;
	uint64_t stack_min_size;
	uint64_t heap_max_size;
	uint64_t heap_min_size;
	uint64_t heap_init_size;
	int heap_init_set;
	int disable_debug;
	uint32_t misc_select;
	uint32_t misc_mask;
	unsigned warnings; /* elements accepted but ignored */
};

/* SGX defaults: TCSNum 1, TCSPolicy 1, stacks 0x40000/0x2000, heap 0x100000/0x1000. */
void de_config_defaults(struct de_sign_config *c);

/*
 * Parse a configuration held in memory; `name` is used in messages, which
 * go to `msgs` as "name:line: reason". Returns 0 on success, -1 if refused.
 */
int de_config_parse(const char *name, const char *buf, size_t len, struct de_sign_config *c,
                    FILE *msgs);

/* Read and parse a configuration file. */
int de_config_load(const char *path, struct de_sign_config *c, FILE *msgs);

void de_config_layout_params(const struct de_sign_config *c, struct de_layout_params *p);

#endif /* DE_SIGN_CONFIG_H */
