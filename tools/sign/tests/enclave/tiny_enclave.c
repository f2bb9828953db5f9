/*
 * A tiny static-pie enclave for the signing tests: code, read-only data,
 * initialised data with a relocated pointer (R_X86_64_RELATIVE) and bss that
 * spans several pages. Built with: cc -static-pie -nostdlib -fPIE.
 */
int counter = 5;
int *volatile counter_ptr = &counter;
char big_bss[3 * 4096 + 100];
const char greeting[] = "hello enclave";

void _start(void)
{
	big_bss[5000] = (char)(*counter_ptr + greeting[0]);
	__asm__ volatile("mov $60, %%eax\n\txor %%edi, %%edi\n\tsyscall" ::
	                     : "rax", "rdi", "rcx", "r11", "memory");
	for (;;) {
	}
}
