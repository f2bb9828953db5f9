/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vCPU threads. Each is pinned to its own host CPU and runs a short loop:
 * KVM_RUN, then one switch on the exit reason. Anything the EVM should never
 * do stops it with a register dump; the service keeps running.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "evm_internal.h"
#include "de/platform_dev.h"

#define HLT_MAX_US 100000

#define SIG_VCPU_KICK SIGUSR2

static void kick_handler(int sig)
{
	(void)sig;
}

int vcpu_create(struct evm *e, struct vcpu *v, char *err, size_t errlen)
{
	int size = ioctl(e->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	v->evm = e;
	v->fd = ioctl(e->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->id);
	if (v->fd < 0 || size <= 0) {
		snprintf(err, errlen, "cannot create vCPU %u: %s", v->id, strerror(errno));
		return -errno;
	}
	v->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		snprintf(err, errlen, "cannot map vCPU %u state: %s", v->id, strerror(errno));
		return -errno;
	}
	v->state = VCPU_CREATED;
	return boot_vcpu_regs(e, v, err, errlen);
}

void vcpu_dump(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		evm_log("err", "vCPU %u: registers unavailable: %s", v->id, strerror(errno));
		return;
	}
	evm_log("err", "vCPU %u: rip=%016llx rsp=%016llx rflags=%016llx cs=%04x ss=%04x", v->id,
	        r.rip, r.rsp, r.rflags, s.cs.selector, s.ss.selector);
	evm_log("err", "vCPU %u: rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx", v->id, r.rax,
	        r.rbx, r.rcx, r.rdx);
	evm_log("err", "vCPU %u: rsi=%016llx rdi=%016llx rbp=%016llx r8=%016llx", v->id, r.rsi,
	        r.rdi, r.rbp, r.r8);
	evm_log("err", "vCPU %u: r9=%016llx r10=%016llx r11=%016llx r12=%016llx", v->id, r.r9,
	        r.r10, r.r11, r.r12);
	evm_log("err", "vCPU %u: r13=%016llx r14=%016llx r15=%016llx", v->id, r.r13, r.r14, r.r15);
	evm_log("err", "vCPU %u: cr0=%llx cr2=%llx cr3=%llx cr4=%llx efer=%llx", v->id, s.cr0,
	        s.cr2, s.cr3, s.cr4, s.efer);
}

static const struct mmio_region *mmio_find(struct evm *e, uint64_t addr, uint32_t len)
{
	for (uint32_t i = 0; i < e->nr_mmio; i++) {
		const struct mmio_region *r = &e->mmio[i];
		if (addr >= r->base && addr - r->base < r->size && len <= r->base + r->size - addr)
			return r;
	}
	return NULL;
}

static void handle_mmio(struct vcpu *v, struct kvm_run *run)
{
	struct evm *e = v->evm;
	uint64_t addr = run->mmio.phys_addr;
	uint32_t len = run->mmio.len;
	const struct mmio_region *r = mmio_find(e, addr, len);

	if (!r || len > 8) {
		evm_crash(
		    e, v, "vCPU %u accessed unmapped guest-physical address %#llx (%u bytes, %s)",
		    v->id, (unsigned long long)addr, len, run->mmio.is_write ? "write" : "read");
		return;
	}
	if (run->mmio.is_write)
		r->write(r->dev, v, addr - r->base, run->mmio.data, len);
	else
		r->read(r->dev, v, addr - r->base, run->mmio.data, len);
}

static void handle_io(struct vcpu *v, struct kvm_run *run)
{
	uint16_t port = run->io.port;
	if (port >= DE_SERIAL_PORT && port < DE_SERIAL_PORT + 8) {
		serial_io(v->evm, v, run);
		return;
	}
	/* No other ports exist: reads float high, writes are dropped. */
	if (run->io.direction == KVM_EXIT_IO_IN)
		memset((uint8_t *)run + run->io.data_offset, 0xff,
		       (size_t)run->io.size * run->io.count);
}

/* One exit; returns false when the vCPU must stop. */
static bool handle_exit(struct vcpu *v)
{
	struct evm *e = v->evm;
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v, run);
		return true;
	case KVM_EXIT_MMIO:
		handle_mmio(v, run);
		return !e->stopping;
	case KVM_EXIT_HLT:
		evm_wait_event(e, e->bootinfo->event_seq, HLT_MAX_US);
		return true;
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN: /* the preemption interrupt goes in next */
		return true;
	case KVM_EXIT_SHUTDOWN:
		evm_crash(e, v, "vCPU %u triple-faulted (the trusted OS crashed)", v->id);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		evm_crash(e, v, "vCPU %u failed to enter the guest (hardware reason %#llx)", v->id,
		          (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		evm_crash(e, v, "vCPU %u: KVM internal error, suberror %u", v->id,
		          run->internal.suberror);
		return false;
	default:
		evm_crash(e, v, "vCPU %u: unexpected exit reason %u", v->id, run->exit_reason);
		return false;
	}
}

/*
 * DE_PLAT_PREEMPT: interrupt the guest (without an in-kernel irqchip the
 * VMM injects the vector itself, once the guest has interrupts enabled;
 * until then KVM is asked to exit as soon as it does).
 */
static void inject_preempt(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	if (!v->preempt) {
		run->request_interrupt_window = 0;
		return;
	}
	if (run->ready_for_interrupt_injection && run->if_flag) {
		struct kvm_interrupt irq = {.irq = DE_PREEMPT_VECTOR};
		if (ioctl(v->fd, KVM_INTERRUPT, &irq) == 0) {
			v->preempt = false;
			run->request_interrupt_window = 0;
			return;
		}
		evm_log("warning", "vCPU %u: KVM_INTERRUPT failed: %s", v->id, strerror(errno));
	}
	run->request_interrupt_window = 1;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct evm *e = v->evm;
	sigset_t set;

	v->tid = (int)syscall(SYS_gettid);
	sigemptyset(&set);
	sigaddset(&set, SIG_VCPU_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (!e->stopping) {
		inject_preempt(v);
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->run->immediate_exit = 0;
				continue;
			}
			evm_crash(e, v, "vCPU %u: KVM_RUN failed: %s", v->id, strerror(errno));
			break;
		}
		if (!handle_exit(v))
			break;
	}
	v->state = VCPU_STOPPED;
	return NULL;
}

int vcpu_start(struct vcpu *v, char *err, size_t errlen)
{
	pthread_attr_t attr;
	cpu_set_t cpus;
	int rc;

	struct sigaction sa = {.sa_handler = kick_handler};
	sigemptyset(&sa.sa_mask);
	sigaction(SIG_VCPU_KICK, &sa, NULL); /* no SA_RESTART: KVM_RUN returns EINTR */

	CPU_ZERO(&cpus);
	CPU_SET(v->host_cpu, &cpus);
	pthread_attr_init(&attr);
	rc = pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	if (!rc) {
		v->state = VCPU_RUNNING;
		rc = pthread_create(&v->thread, &attr, vcpu_thread, v);
	}
	pthread_attr_destroy(&attr);
	if (rc) {
		v->state = VCPU_STOPPED;
		snprintf(err, errlen, "cannot start vCPU %u on host CPU %d: %s", v->id, v->host_cpu,
		         strerror(rc));
		return -rc;
	}
	v->thread_started = true;
	return 0;
}

/* Force the vCPU out of KVM_RUN (or keep it from entering). */
void vcpu_kick(struct vcpu *v)
{
	if (v->run)
		v->run->immediate_exit = 1;
	if (v->thread_started && v->state == VCPU_RUNNING)
		pthread_kill(v->thread, SIG_VCPU_KICK);
}
