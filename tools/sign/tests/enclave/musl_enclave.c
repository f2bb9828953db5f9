/*
 * A musl-linked static-pie test enclave (DESIGN.md section 5 link line):
 * PT_TLS, RELRO and libc code make its layout like a real enclave's. As a
 * host process it prints and exits 0, before and after signing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __thread int tls_counter = 3;

int main(void)
{
	char *p = malloc(32);

	if (p == NULL)
		return 1;
	strcpy(p, "musl enclave");
	tls_counter++;
	printf("%s %d\n", p, tls_counter);
	free(p);
	return tls_counter == 4 ? 0 : 1;
}
