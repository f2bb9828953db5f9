/* SPDX-License-Identifier: Apache-2.0 */
/*
 * de_bench: measures DE Enclave against DESIGN.md section 6's targets on a
 * live de_platform_service (see usage() below and docs/performance.md).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "clock.h"
#include "machine.h"
#include "report.h"
#include "svc.h"

static const char usage_text[] =
    "NAME\n"
    "    de_bench - measure DE Enclave's call path, enclave life cycle and EVM\n"
    "\n"
    "SYNOPSIS\n"
    "    de_bench [--json] [--quick] [--runtime-dir DIR] [--samplemath PATH]\n"
    "             [--enclave PATH] [--image PATH] [--service PATH]\n"
    "             [--boot-runs N] [--boot-memory MIB] [--boot-cpus N]\n"
    "    de_bench --help\n"
    "\n"
    "DESCRIPTION\n"
    "    de_bench runs against a running de_platform_service and measures, with\n"
    "    warm-up and many iterations, the numbers that DESIGN.md section 6 sets\n"
    "    targets for, together with baselines measured in the same run. It prints\n"
    "    a table (metric, value, target, met or MISSED), remarks on how each value\n"
    "    was obtained, and supporting details (percentiles, per-phase breakdowns).\n"
    "    A whole run takes well under two minutes; --quick takes a few seconds.\n"
    "\n"
    "    What it measures, in this order:\n"
    "      baselines   an empty noinline function call (many calls timed together);\n"
    "                  a 64-byte request/response between two processes over a\n"
    "                  Unix socketpair, both on one CPU (p50; also with the peer on\n"
    "                  another CPU, in the details).\n"
    "      calls       with its own enclave (bench_enclave.signed.so, TCSNum 2):\n"
    "                  empty ECALL round trip (p50, p99; every call timed with the\n"
    "                  TSC, the timing cost subtracted); empty OCALL round trip\n"
    "                  (timed inside the enclave with its TSC); the first ECALL\n"
    "                  after 20 ms idle; empty ECALLs per second with one\n"
    "                  application thread and with one per TCS.\n"
    "      compute     a SHA-256 over 64 MiB and a numeric loop, the same code\n"
    "                  (kernels.c, compiled with the same flags) natively and in the\n"
    "                  enclave (timed there with its TSC); compute_ratio is native\n"
    "                  time / enclave time, the lower of the two (1.0 = enclave as\n"
    "                  fast as native).\n"
    "      system call an ECALL whose enclave calls getpid() (ring 0 in the EVM).\n"
    "      buffers     an ECALL with 4 KiB [in] and 4 KiB [out] (p50), and where its\n"
    "                  time goes: other sizes, the same copy through [user_check]\n"
    "                  pointers into the shared window, the bridge's malloc/free\n"
    "                  pattern alone in the enclave, EVM pages such calls consume.\n"
    "      life cycle  sgx_create_enclave and sgx_destroy_enclave of SampleMath's\n"
    "                  enclave, median of 20, each split into the control requests\n"
    "                  LOAD, WINDOW, START, DESTROY and the steps between them (the\n"
    "                  time stamps come from de_bench's own sendmsg() and recv(),\n"
    "                  which pass every call on to the C library).\n"
    "      VM exits    a 64-byte round trip to the EVM's vsock echo port (guest\n"
    "                  port 1) through the service's vsock.sock (p50).\n"
    "      EVM boot    de_platform_service started 5 times, one after the other,\n"
    "                  with a private configuration and runtime directory (the\n"
    "                  measured service is not touched): fork() to STATUS \"running\"\n"
    "                  (median), split at the moment vsock.sock appears (host part,\n"
    "                  guest part); its VmRSS less its guest memory (vmm_rss_mib);\n"
    "                  for comparison a 64 MiB EVM and populating the memory alone.\n"
    "\n"
    "    The benchmark's threads are pinned to the CPUs that no vCPU of the\n"
    "    measured EVM uses, when there are such CPUs. Nothing is asserted about\n"
    "    the values: a missed target is reported, not an error.\n"
    "\n"
    "OPTIONS\n"
    "    --json\n"
    "        Print exactly one JSON object on stdout instead of the table: every\n"
    "        metric by key (number, or null when it could not be measured),\n"
    "        \"targets\" (comparison, target, unit, met), \"notes\", \"machine\" (CPU\n"
    "        model, online CPUs, kernel, KVM kind: PVM or hardware-assisted, TSC\n"
    "        rate, the EVM measured) and \"details\". Progress goes to stderr.\n"
    "    --quick\n"
    "        Few iterations and one boot: checks that everything runs (the\n"
    "        bench.smoke test); the numbers are rough.\n"
    "    --runtime-dir DIR\n"
    "        The runtime directory of the service to measure (its control.sock\n"
    "        and vsock.sock). Default: $DE_RUNTIME_DIR, else /run/de.\n"
    "    --samplemath PATH\n"
    "        SampleMath's signed enclave for the create/destroy measurement.\n"
    "        Default: the first that exists of, relative to de_bench's directory,\n"
    "        ../SampleMath/Enclave/enclave.signed.so (build tree),\n"
    "        ../share/de-enclave/bench/samplemath.signed.so (installed) and\n"
    "        ../examples/SampleMath/build/SampleMath/Enclave/enclave.signed.so;\n"
    "        else the bench enclave is used, and the output says so.\n"
    "    --enclave PATH\n"
    "        The bench enclave. Default:\n"
    "        ../share/de-enclave/bench/bench_enclave.signed.so next to de_bench.\n"
    "    --image PATH\n"
    "        image.bin for the boot runs. Default: the image the measured EVM\n"
    "        booted (from its STATUS).\n"
    "    --service PATH\n"
    "        de_platform_service for the boot runs. Default: the one in\n"
    "        de_bench's directory.\n"
    "    --boot-runs N\n"
    "        Service starts for the boot time, 0 to 16 (0 skips it). Default 5,\n"
    "        with --quick 1.\n"
    "    --boot-memory MIB, --boot-cpus N\n"
    "        Guest memory and vCPUs of the boot runs' EVM. Default: those of the\n"
    "        measured EVM.\n"
    "    --help\n"
    "        This text.\n"
    "\n"
    "ENVIRONMENT\n"
    "    DE_RUNTIME_DIR   the service to measure, unless --runtime-dir is given.\n"
    "    DE_SPIN_US, DE_WINDOW_SIZE   as for every application (sdk/urts/README.md).\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when every part was measured; 1 when some part could not be (the\n"
    "    output still has the rest, and stderr says why); 2 for a usage error.\n"
    "\n"
    "REQUIREMENTS\n"
    "    A running de_platform_service whose control.sock this user may use; for\n"
    "    the boot runs also /dev/kvm, the right to start the service (root), the\n"
    "    memory for a second EVM, and a CPU for its vCPU (it may share the\n"
    "    measured EVM's).\n"
    "\n"
    "EXAMPLES\n"
    "    de_bench                              # against /run/de\n"
    "    de_bench --runtime-dir /tmp/de-run --json | jq .ecall_empty_p50_us\n"
    "\n"
    "SEE ALSO\n"
    "    docs/performance.md (method and results), dectl(1), DESIGN.md section 6.\n";

void bench_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("de_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static unsigned number(const char *opt, const char *v, unsigned max)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || n > max) {
		fprintf(stderr, "de_bench: %s %s: give a number from 0 to %u\n", opt, v, max);
		exit(2);
	}
	return (unsigned)n;
}

static void parse(int argc, char **argv, struct bench_opts *o)
{
	enum { O_RUNDIR = 256, O_SAMPLE, O_ENCLAVE, O_IMAGE, O_SERVICE, O_RUNS, O_MEM, O_CPUS };
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"quick", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"runtime-dir", required_argument, NULL, O_RUNDIR},
	    {"samplemath", required_argument, NULL, O_SAMPLE},
	    {"enclave", required_argument, NULL, O_ENCLAVE},
	    {"image", required_argument, NULL, O_IMAGE},
	    {"service", required_argument, NULL, O_SERVICE},
	    {"boot-runs", required_argument, NULL, O_RUNS},
	    {"boot-memory", required_argument, NULL, O_MEM},
	    {"boot-cpus", required_argument, NULL, O_CPUS},
	    {0},
	};
	int runs = -1, c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = 1;
			break;
		case 'q':
			o->quick = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case O_RUNDIR:
			o->runtime_dir = optarg;
			break;
		case O_SAMPLE:
			o->samplemath = optarg;
			break;
		case O_ENCLAVE:
			o->enclave = optarg;
			break;
		case O_IMAGE:
			o->image = optarg;
			break;
		case O_SERVICE:
			o->service = optarg;
			break;
		case O_RUNS:
			runs = (int)number("--boot-runs", optarg, 16);
			break;
		case O_MEM:
			o->boot_memory_mib = number("--boot-memory", optarg, 122880);
			break;
		case O_CPUS:
			o->boot_cpus = number("--boot-cpus", optarg, 64);
			break;
		default:
			fprintf(stderr, "usage: de_bench [--json] [--quick] [--runtime-dir DIR] "
			                "[--samplemath PATH] ... (de_bench --help)\n");
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "de_bench: unexpected argument %s (de_bench --help)\n",
		        argv[optind]);
		exit(2);
	}
	o->boot_runs = runs >= 0 ? (unsigned)runs : o->quick ? 1 : 5;
}

/* Paths relative to de_bench's own directory. */
static void defaults(struct bench_opts *o)
{
	static char enclave[PATH_MAX + 64], service[PATH_MAX + 64];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		snprintf(o->bin_dir, sizeof(o->bin_dir), "%s", dirname(exe));
	} else {
		snprintf(o->bin_dir, sizeof(o->bin_dir), ".");
	}
	if (!o->runtime_dir) {
		const char *env = getenv("DE_RUNTIME_DIR");
		o->runtime_dir = env && *env ? env : "/run/de";
	}
	/* The untrusted runtime finds the service through DE_RUNTIME_DIR. */
	setenv("DE_RUNTIME_DIR", o->runtime_dir, 1);
	if (!o->enclave) {
		snprintf(enclave, sizeof(enclave),
		         "%s/../share/de-enclave/bench/bench_enclave.signed.so", o->bin_dir);
		o->enclave = enclave;
	}
	if (!o->service) {
		snprintf(service, sizeof(service), "%s/de_platform_service", o->bin_dir);
		o->service = service;
	}
}

/* The measured EVM: STATUS must say running. Fills its size and vCPU CPUs. */
static json_t *live_status(struct bench_opts *o, int *cpus, int *ncpus)
{
	char why[512];
	json_t *j = svc_status(o->runtime_dir, 5000, why, sizeof(why));
	if (!j) {
		bench_say("no DE Enclave service to measure at %s (%s): start one (systemctl start "
		          "de_platform_service) or name its runtime directory with --runtime-dir",
		          o->runtime_dir, why);
		return NULL;
	}
	const char *state = json_string_value(json_object_get(j, "state"));
	if (!state || strcmp(state, "running")) {
		const char *reason = json_string_value(json_object_get(j, "stop_reason"));
		bench_say("the EVM at %s is not running (%s): restart de_platform_service",
		          o->runtime_dir, reason ? reason : "no reason given");
		json_decref(j);
		return NULL;
	}
	*ncpus = svc_vcpu_cpus(j, cpus, 64);
	return j;
}

int main(int argc, char **argv)
{
	static struct bench_opts o;
	parse(argc, argv, &o);
	defaults(&o);
	uint64_t t_start = mono_ns();
	machine_steal_start();
	clk_calibrate(o.quick ? 20 : 200);
	machine_describe();

	int cpus[64], ncpus = 0;
	json_t *live = live_status(&o, cpus, &ncpus);
	if (!live)
		return 1;
	unsigned live_mib = (unsigned)json_integer_value(json_object_get(live, "memory_mib"));
	const char *image = json_string_value(json_object_get(live, "image"));
	if (!o.image && image)
		o.image = strdup(image);
	char evm[1024], cpulist[256] = "", pinned[256];
	size_t used = 0;
	for (int i = 0; i < ncpus && used < sizeof(cpulist); i++)
		used += (size_t)snprintf(cpulist + used, sizeof(cpulist) - used, "%s%d",
		                         i ? "," : "", cpus[i]);
	machine_pin_off(cpus, ncpus, pinned, sizeof(pinned));
	snprintf(evm, sizeof(evm),
	         "%d vCPU%s on host CPU%s %s, %u MiB, debug %s, runtime dir %.300s; "
	         "de_bench on %s",
	         ncpus, ncpus == 1 ? "" : "s", ncpus == 1 ? "" : "s", cpulist, live_mib,
	         json_is_true(json_object_get(live, "debug")) ? "on" : "off", o.runtime_dir,
	         pinned);
	report_machine_str("evm", evm);
	report_machine_num("evm_vcpus", ncpus);
	report_machine_num("evm_memory_mib", live_mib);
	report_machine_str("bench_cpus", pinned);
	json_decref(live);

	int rc = 0;
	rc |= bench_baselines_local(&o);
	rc |= bench_calls(&o);
	rc |= bench_lifecycle(&o);
	rc |= bench_baseline_vsock(&o);
	rc |= bench_boot(&o, live_mib, (unsigned)ncpus);
	report_detail("run_s", (double)(mono_ns() - t_start) / 1e9, "s", "de_bench run time");
	double steal = machine_steal_report();
	if (steal >= 0)
		report_detail("steal_max_pct", steal, "%",
		              "most CPU time stolen by the host's hypervisor on one CPU");
	if (steal > 2)
		bench_say(
		    "%.0f %% of one CPU's time was stolen by the host's hypervisor during the "
		    "run: other guests disturbed it; compare with another run",
		    steal);

	if (o.json) {
		if (report_print_json(stdout, &o)) {
			bench_say("out of memory building the JSON output");
			return 1;
		}
	} else {
		report_print_table(stdout, &o);
	}
	return rc ? 1 : 0;
}
