/* SPDX-License-Identifier: Apache-2.0 */
#ifndef DE_MGR_SERVICES_H
#define DE_MGR_SERVICES_H

#include <stdint.h>

int echo_start(void);
int ready_report(uint32_t vcpus_online, uint64_t free_pages);

#endif
