/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test enclave with a 4 MiB image of initialized data, for load/destroy
 * timing and to check that every byte of a large segment arrives intact
 * (the loader gives whole pages of the image to the enclave without
 * copying them, and copies only the partial ones). Word i of the blob is
 * i * 2654435761 mod 2^32; exits 0 when all of it matches, else 1.
 */
#include <stdint.h>
#include <stdio.h>

#define WORDS (1u << 20) /* 4 MiB */

__asm__(".section .data\n"
        ".balign 4\n"
        ".byte 1, 2, 3\n" /* start the blob off a page boundary */
        ".balign 4\n"
        ".globl de_big_blob\n"
        "de_big_blob:\n"
        ".set i, 0\n"
        ".rept 1048576\n"
        ".long (i * 2654435761) & 0xffffffff\n"
        ".set i, i + 1\n"
        ".endr\n"
        ".text\n");

extern const volatile uint32_t de_big_blob[WORDS];

int main(void)
{
	for (uint32_t i = 0; i < WORDS; i++)
		if (de_big_blob[i] != (uint32_t)(i * 2654435761u)) {
			printf("enclave big: word %u is %#x\n", i, de_big_blob[i]);
			return 1;
		}
	printf("enclave big: 4 MiB image intact\n");
	return 0;
}
