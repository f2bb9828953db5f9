/* libFuzzer target for the Enclave.config.xml parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct de_sign_config cfg;
	FILE *sink = fopen("/dev/null", "w");

	if (sink == NULL)
		return 0;
	de_config_defaults(&cfg);
	(void)de_config_parse("fuzz.xml", (const char *)data, size, &cfg, sink);
	fclose(sink);
	return 0;
}
