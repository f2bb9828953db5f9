/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manager entry: take the devices the kernel mapped, start the vsock driver
 * and the services, report readiness, then poll. The loop spins while there
 * is traffic and, after a bounded idle spin, blocks in the kernel until the
 * VMM has news or an enclave stops; enclave threads run meanwhile.
 */
#include <sys/auxv.h>

#include "control.h"
#include "kernel_calls.h"
#include "manager.h"
#include "services.h"
#include "vsock.h"
#include "de/manager_abi.h"
#include "de/platform_dev.h"

#define IDLE_SPINS 20000u /* polls with nothing to do before sleeping */

int main(void)
{
	env.bootinfo = (const struct de_bootinfo *)getauxval(DE_AT_DE_BOOTINFO);
	env.vsock_mmio = (volatile uint8_t *)getauxval(DE_AT_DE_VSOCK_MMIO);
	env.platform_mmio = (volatile uint8_t *)getauxval(DE_AT_DE_PLATFORM_MMIO);
	env.phys_base = getauxval(DE_AT_DE_PHYS_BASE);
	env.free_pages = getauxval(DE_AT_DE_FREE_PAGES);
	if (!env.bootinfo || !env.vsock_mmio || !env.platform_mmio || !env.phys_base)
		return 2;

	int rc = vsock_init();
	if (rc) {
		mlog("vsock device init failed (%d)", rc);
		platform_fatal(DE_FATAL_ASSERT, (uint64_t)-rc);
	}
	if (echo_start() || control_start() ||
	    ready_report(env.bootinfo->nr_vcpus, env.free_pages)) {
		mlog("cannot start services");
		platform_fatal(DE_FATAL_ASSERT, 0);
	}
	mlog("vsock up, cid %lu; echo on port 1", (unsigned long)env.bootinfo->guest_cid);

	const volatile uint64_t *seq = &env.bootinfo->event_seq;
	const struct de_kevent_ring *ring = (const struct de_kevent_ring *)DE_MGR_KEVENTS;
	for (unsigned idle = 0;;) {
		uint64_t seen = *seq;
		uint32_t head_seen = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
		if (vsock_poll() | control_poll_events()) {
			idle = 0;
			continue;
		}
		if (++idle < IDLE_SPINS) {
			cpu_relax();
			continue;
		}
		/* Sleep in the kernel: enclave threads on this vCPU run meanwhile. */
		kcall(DE_SYS_WAIT, (long)seen, (long)head_seen, 0, 0, 0);
		idle = 0;
	}
}
