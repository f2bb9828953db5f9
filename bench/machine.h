/* SPDX-License-Identifier: Apache-2.0 */
/* The machine de_bench runs on, and where its threads run. */
#ifndef BENCH_MACHINE_H
#define BENCH_MACHINE_H

#include <stddef.h>

/* Records the CPU model, online CPUs, kernel, KVM kind (PVM or hardware
 * assisted) and the TSC rate in the report's "machine" object. */
void machine_describe(void);

/* Time stolen from this machine's CPUs by its own hypervisor (the "steal"
 * column of /proc/stat): machine_steal_start() at the beginning of the run,
 * machine_steal_report() at the end records each CPU's stolen share of the
 * run in "machine" and returns the largest, in per cent (-1: unknown). A
 * run with much stolen time was disturbed by other guests of the host. */
void machine_steal_start(void);
double machine_steal_report(void);

/* "pvm", "intel-vmx", "amd-svm", "unknown" (a /dev/kvm of unknown origin)
 * or "none" (no /dev/kvm). */
const char *machine_kvm_kind(void);

/* Restricts this thread (and the threads and processes it creates later)
 * to the CPUs it may use that no vCPU of the EVM is pinned to, so that the
 * benchmark never competes with a vCPU. Says which in desc. 0, or -1 when
 * no such CPU exists (nothing changed). */
int machine_pin_off(const int *vcpu_cpus, int n, char *desc, size_t len);

/* Gives the calling thread back the CPUs it had before machine_pin_off
 * (for child processes such as the service). */
void machine_unpin(void);

/* The lowest CPU the calling thread may run on now; -1 if unknown. */
int machine_first_cpu(void);
/* A CPU other than `cpu` among those de_bench was allowed at start; -1 if
 * there is none. */
int machine_other_cpu(int cpu);
/* Runs the calling thread on `cpu` only; 0 or -1. */
int machine_pin_cpu(int cpu);
/* Back to the CPUs machine_pin_off chose (or to all, if it chose none). */
void machine_repin(void);

#endif
