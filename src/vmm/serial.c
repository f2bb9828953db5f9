/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A write-only 16550 stand-in at 0x3f8: enough for a console. Output goes to
 * the service log only on debug EVMs; otherwise it is dropped.
 */
#include <string.h>

#include "evm_internal.h"

#define UART_THR      0
#define UART_LSR      5
#define LSR_THRE_TEMT 0x60

void serial_io(struct evm *e, struct vcpu *v, struct kvm_run *run)
{
	(void)v;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	size_t n = (size_t)run->io.size * run->io.count;
	uint16_t reg = run->io.port - DE_SERIAL_PORT;

	if (run->io.direction == KVM_EXIT_IO_IN) {
		memset(data, reg == UART_LSR ? LSR_THRE_TEMT : 0, n);
		return;
	}
	if (reg == UART_THR && run->io.size == 1 && e->cfg.debug && e->cb.console)
		e->cb.console(e->cb.ctx, (const char *)data, n);
}
