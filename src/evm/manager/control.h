/* SPDX-License-Identifier: Apache-2.0 */
/* The control service on vsock port 2: the platform service's requests. */
#ifndef DE_MGR_CONTROL_H
#define DE_MGR_CONTROL_H

#include <stdint.h>

int control_start(void);
/*
 * Reports enclaves the kernel saw stop, while the connection has room (the
 * rest stays in the kernel's ring); returns non-zero if it did work.
 */
int control_poll_events(void);

#endif
