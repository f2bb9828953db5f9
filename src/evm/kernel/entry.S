/* SPDX-License-Identifier: Apache-2.0 */
/* Entry points: boot, traps, syscalls and the first return to ring 3. */

#define KSTACK_SIZE 16384
#define MAX_CPUS 64
#define SYSCALL_TRAMPOLINE 0x00007fffffffe000
#define XSTATE_MASK 7 /* x87 | SSE | AVX; keep in step with thread_area_init() */

	.section .text.entry, "ax"
	.globl _start
/* Boot protocol: %rdi = boot info, %rsi = vCPU index, long mode, paging on. */
_start:
	cmp	$MAX_CPUS, %rsi
	jae	1f
	lea	boot_stacks(%rip), %rsp
	mov	%rsi, %rax
	inc	%rax
	shl	$14, %rax
	add	%rax, %rsp
	xor	%ebp, %ebp
	call	kmain
1:	hlt
	jmp	1b

	.text
/* Traps: push a dummy error code where the CPU does not, then the vector. */
.macro TRAP vec, has_error
	.align 16
trap_\vec:
	.if \has_error == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	trap_common
.endm

TRAP 0,0
TRAP 1,0
TRAP 2,0
TRAP 3,0
TRAP 4,0
TRAP 5,0
TRAP 7,0
TRAP 8,1
TRAP 9,0
TRAP 10,1
TRAP 11,1
TRAP 12,1
TRAP 13,1
TRAP 14,1
TRAP 15,0
TRAP 16,0
TRAP 17,1
TRAP 18,0
TRAP 19,0
TRAP 20,0
TRAP 21,1
TRAP 22,0
TRAP 23,0
TRAP 24,0
TRAP 25,0
TRAP 26,0
TRAP 27,0
TRAP 28,0
TRAP 29,1
TRAP 30,1
TRAP 31,0
TRAP 32,0 /* DE_PREEMPT_VECTOR, injected by the VMM (DE_PLAT_PREEMPT) */

/*
 * The syscall trampoline, copied to the page every address space maps at
 * SYSCALL_TRAMPOLINE (= MSR_LSTAR; see syscall.c for why). It runs in ring
 * 3 on PVM hosts (in ring 0 on hardware KVM) with the user's %gs, whose
 * base is the thread's save area: it saves the x87/SSE/AVX state there
 * (%rax and %rdx, which XSAVE needs, are kept in the area's first words),
 * and the ud2 enters the kernel. The mask is the state XCR0 enables for
 * the EVM (x87, SSE, AVX: see src/vmm/boot.c); it is explicit because on
 * PVM hosts the processor may run ring 3 with the host's larger XCR0. The kernel returns to de_tramp_resume with
 * %rcx = the user's rip (the syscall ABI clobbers %rcx anyway), which
 * restores the state and jumps there. Ring 0 never touches these registers,
 * so threads and enclaves sharing a vCPU never see each other's.
 */
	.section .rodata
	.globl de_tramp_start, de_tramp_gate, de_tramp_resume, de_tramp_end
	.align 16
de_tramp_start:
	mov	%rax, %gs:0
	mov	%rdx, %gs:8
	mov	$XSTATE_MASK, %eax
	xor	%edx, %edx
	xsave64	%gs:64
	mov	%gs:0, %rax
	mov	%gs:8, %rdx
de_tramp_gate:
	ud2
de_tramp_resume:
	mov	%rax, %gs:0
	mov	%rdx, %gs:8
	mov	$XSTATE_MASK, %eax
	xor	%edx, %edx
	xrstor64 %gs:64
	mov	%gs:0, %rax
	mov	%gs:8, %rdx
	jmp	*%rcx
de_tramp_end:

	.text
/*
 * #UD doubles as the system call gate: the trampoline's ud2. A #UD at
 * exactly that address is a system call and always arrives with the
 * user's %gs; any other #UD is a fault.
 */
	.align 16
trap_6:
	pushq	$0
	pushq	$6
	push	%rax
	movabs	$(SYSCALL_TRAMPOLINE + (de_tramp_gate - de_tramp_start)), %rax
	cmp	%rax, 24(%rsp)		/* rip */
	pop	%rax
	je	syscall_gate
	jmp	trap_common

	.section .rodata
	.globl trap_stubs
	.align 8
trap_stubs:
	.irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32
	.quad trap_\v
	.endr

	.text
.macro SAVE_REGS
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
.endm

.macro RESTORE_REGS
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
.endm

trap_common:
	testb	$3, 24(%rsp)		/* CS of the interrupted context */
	jz	1f
	swapgs
1:	SAVE_REGS
	mov	%rsp, %rdi
	call	trap_handler
	RESTORE_REGS
	testb	$3, 24(%rsp)
	jz	2f
	swapgs
2:	add	$16, %rsp
	iretq

/*
 * System calls: the #UD raised by the trampoline, with %rcx = user rip and
 * %r11 = user rflags as the syscall instruction left them, on the IST
 * stack, with the user's %gs. The C handler rebuilds the user frame from
 * %rcx/%r11 and the system call returns with iretq.
 */
syscall_gate:
	swapgs
	SAVE_REGS
	mov	%rsp, %rdi
	call	syscall_handler
	RESTORE_REGS
	add	$16, %rsp
	swapgs
	iretq

/* return_to_user(frame): leave the kernel into the thread whose registers
 * are in *frame (a struct frame). */
	.globl return_to_user
return_to_user:
	mov	%rdi, %rsp
	RESTORE_REGS
	add	$16, %rsp
	swapgs
	iretq

	.bss
	.align 4096
	.globl boot_stacks
boot_stacks:
	.skip KSTACK_SIZE * MAX_CPUS
