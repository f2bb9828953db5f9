/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dectl: inspect and control de_platform_service through its control socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "de/control.h"

#define DEFAULT_RUNTIME_DIR "/run/de"

static const char *runtime_dir(const char *opt)
{
	const char *env = getenv("DE_RUNTIME_DIR");
	return opt ? opt : (env && *env ? env : DEFAULT_RUNTIME_DIR);
}

static void usage(FILE *out)
{
	fputs("Usage: dectl [--runtime-dir DIR] COMMAND\n"
	      "\n"
	      "Inspect and control the DE Enclave platform service (de_platform_service).\n"
	      "\n"
	      "Commands:\n"
	      "  status [--json]  show the EVM: state, vCPUs and their host CPUs, memory,\n"
	      "                   image and its SHA-256, debug flag, uptime and boot time.\n"
	      "                   --json prints exactly one JSON object with the keys\n"
	      "                   state, pid, vcpus [{id, host_cpu, tid}], memory_mib,\n"
	      "                   memory_locked, image, image_sha256, debug, uptime_s,\n"
	      "                   boot_ms, runtime_dir, stop_reason.\n"
	      "  enclaves [--json] list the enclaves loaded in the EVM: id, state (loaded,\n"
	      "                   running, exited, crashed), owner pid, size, threads,\n"
	      "                   windows and name; the exit status of exited enclaves and\n"
	      "                   the exception vector of crashed ones; then each one's\n"
	      "                   MRENCLAVE and MRSIGNER. --json prints\n"
	      "                   {\"enclaves\": [{id, state, owner_pid, size, threads,\n"
	      "                   windows, name, exit_code | fault_vector, mrenclave,\n"
	      "                   mrsigner, attributes, xfrm, misc_select, isv_prod_id,\n"
	      "                   isv_svn}]}.\n"
	      "  stats [--json]   show the EVM's memory (free and total pages) and counters:\n"
	      "                   enclaves loaded now, loads, destroys and faults since\n"
	      "                   boot, shared windows. --json prints one JSON object with\n"
	      "                   the keys enclaves, free_pages, total_pages, loads,\n"
	      "                   destroys, faults, windows.\n"
	      "  stop             stop the EVM and the service; returns when the EVM is gone\n"
	      "                   and its memory zeroed.\n"
	      "  console          stream the EVM's debug console (debug EVMs only) until\n"
	      "                   interrupted.\n"
	      "\n"
	      "Options:\n"
	      "  --runtime-dir DIR  the service's runtime directory (default: $DE_RUNTIME_DIR,\n"
	      "                     else " DEFAULT_RUNTIME_DIR ")\n"
	      "  -h, --help         show this help\n"
	      "  -V, --version      show the version\n"
	      "\n"
	      "Exit status: 0 on success, 1 when the service is not running or refuses the\n"
	      "request, 2 for a command-line error.\n",
	      out);
}

static int ctl_connect(const char *dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control.sock", dir);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dectl: runtime directory path %s is too long\n", dir);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;
		if (e == ENOENT || e == ECONNREFUSED)
			fprintf(stderr,
			        "dectl: de_platform_service is not running (no service at %s); "
			        "start it with: systemctl start de_platform_service\n",
			        sa.sun_path);
		else
			fprintf(stderr, "dectl: cannot connect to %s: %s%s\n", sa.sun_path,
			        strerror(e),
			        e == EACCES ? " (run as root or as a member of socket_group)" : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Sends one request; returns the payload (malloc'd, NUL-terminated) or NULL. */
static char *request(int fd, enum de_ctl_op op, int *status)
{
	struct de_ctl_req req = {
	    .magic = DE_CTL_MAGIC, .version = DE_CTL_VERSION, .op = (uint16_t)op};
	struct de_ctl_resp resp;
	if (write(fd, &req, sizeof(req)) != sizeof(req) || read_full(fd, &resp, sizeof(resp)) ||
	    resp.magic != DE_CTL_MAGIC || resp.len > DE_CTL_MAX_PAYLOAD) {
		fprintf(stderr, "dectl: the service closed the connection or answered garbage\n");
		return NULL;
	}
	char *payload = malloc(resp.len + 1);
	if (!payload || read_full(fd, payload, resp.len)) {
		fprintf(stderr, "dectl: truncated reply from the service\n");
		free(payload);
		return NULL;
	}
	payload[resp.len] = 0;
	*status = resp.status;
	return payload;
}

static int print_status(const char *json)
{
	json_error_t jerr;
	json_t *o = json_loads(json, 0, &jerr);
	if (!o) {
		fprintf(stderr, "dectl: the service sent invalid JSON: %s\n", jerr.text);
		return 1;
	}
	const char *reason = json_string_value(json_object_get(o, "stop_reason"));
	printf("state:        %s%s%s\n", json_string_value(json_object_get(o, "state")),
	       reason ? " — " : "", reason ? reason : "");
	printf("pid:          %lld\n", (long long)json_integer_value(json_object_get(o, "pid")));
	printf("vcpus:       ");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(o, "vcpus"), i, v)
	{
		printf(" %lld->cpu%lld", (long long)json_integer_value(json_object_get(v, "id")),
		       (long long)json_integer_value(json_object_get(v, "host_cpu")));
	}
	printf("\n");
	printf("memory:       %lld MiB (%s)\n",
	       (long long)json_integer_value(json_object_get(o, "memory_mib")),
	       json_is_true(json_object_get(o, "memory_locked")) ? "locked" : "NOT locked");
	printf("image:        %s\n", json_string_value(json_object_get(o, "image")));
	printf("image sha256: %s\n", json_string_value(json_object_get(o, "image_sha256")));
	printf("debug:        %s\n", json_is_true(json_object_get(o, "debug")) ? "yes" : "no");
	printf("uptime:       %.1f s\n", json_real_value(json_object_get(o, "uptime_s")));
	printf("boot time:    %.1f ms\n", json_real_value(json_object_get(o, "boot_ms")));
	printf("runtime dir:  %s\n", json_string_value(json_object_get(o, "runtime_dir")));
	json_decref(o);
	return 0;
}

static int print_enclaves(const char *json)
{
	json_error_t jerr;
	json_t *o = json_loads(json, 0, &jerr);
	json_t *arr = o ? json_object_get(o, "enclaves") : NULL;
	if (!json_is_array(arr)) {
		fprintf(stderr, "dectl: the service sent invalid JSON\n");
		json_decref(o);
		return 1;
	}
	printf("%-4s %-8s %-8s %10s %7s %7s %-9s %s\n", "ID", "STATE", "OWNER", "SIZE(KiB)",
	       "THREADS", "WINDOWS", "RESULT", "NAME");
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		char result[32] = "-";
		json_t *x;
		if ((x = json_object_get(e, "exit_code")))
			snprintf(result, sizeof(result), "exit %lld",
			         (long long)json_integer_value(x));
		else if ((x = json_object_get(e, "fault_vector")))
			snprintf(result, sizeof(result), "vector %lld",
			         (long long)json_integer_value(x));
		printf("%-4lld %-8s %-8lld %10lld %7lld %7lld %-9s %s\n",
		       (long long)json_integer_value(json_object_get(e, "id")),
		       json_string_value(json_object_get(e, "state")),
		       (long long)json_integer_value(json_object_get(e, "owner_pid")),
		       (long long)json_integer_value(json_object_get(e, "size")) / 1024,
		       (long long)json_integer_value(json_object_get(e, "threads")),
		       (long long)json_integer_value(json_object_get(e, "windows")), result,
		       json_string_value(json_object_get(e, "name")));
		const char *mre = json_string_value(json_object_get(e, "mrenclave"));
		const char *mrs = json_string_value(json_object_get(e, "mrsigner"));
		if (mre && mrs)
			printf("     mrenclave %s\n     mrsigner  %s\n", mre, mrs);
	}
	if (!json_array_size(arr))
		printf("(no enclaves)\n");
	json_decref(o);
	return 0;
}

static int print_stats(const char *json)
{
	json_error_t jerr;
	json_t *o = json_loads(json, 0, &jerr);
	if (!o) {
		fprintf(stderr, "dectl: the service sent invalid JSON: %s\n", jerr.text);
		return 1;
	}
#define N(k) ((long long)json_integer_value(json_object_get(o, k)))
	printf("memory:   %lld of %lld pages free (%lld of %lld KiB)\n", N("free_pages"),
	       N("total_pages"), N("free_pages") * 4, N("total_pages") * 4);
	printf("enclaves: %lld loaded\n", N("enclaves"));
	printf("since boot: %lld loads, %lld destroys, %lld faults\n", N("loads"), N("destroys"),
	       N("faults"));
	printf("windows:  %lld\n", N("windows"));
#undef N
	json_decref(o);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir_opt = NULL;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("dectl %s\n", DE_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "--runtime-dir") && i + 1 < argc) {
			dir_opt = argv[++i];
		} else {
			fprintf(stderr, "dectl: unknown option %s; see dectl --help\n", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[i++];
	int json = 0;
	if ((!strcmp(cmd, "status") || !strcmp(cmd, "enclaves") || !strcmp(cmd, "stats")) &&
	    i < argc && !strcmp(argv[i], "--json")) {
		json = 1;
		i++;
	}
	if (i != argc) {
		fprintf(stderr, "dectl: unexpected argument %s; see dectl --help\n", argv[i]);
		return 2;
	}
	enum de_ctl_op op;
	if (!strcmp(cmd, "status"))
		op = DE_CTL_STATUS;
	else if (!strcmp(cmd, "stop"))
		op = DE_CTL_STOP;
	else if (!strcmp(cmd, "enclaves"))
		op = DE_CTL_ENCLAVES;
	else if (!strcmp(cmd, "stats"))
		op = DE_CTL_STATS;
	else if (!strcmp(cmd, "console"))
		op = DE_CTL_CONSOLE;
	else {
		fprintf(stderr, "dectl: unknown command %s; see dectl --help\n", cmd);
		return 2;
	}

	int fd = ctl_connect(runtime_dir(dir_opt));
	if (fd < 0)
		return 1;
	int status = 0;
	char *payload = request(fd, op, &status);
	int rc = 1;
	if (!payload)
		goto out;
	if (status != DE_CTL_OK) {
		fprintf(stderr, "dectl: %s\n", payload);
		goto out;
	}
	switch (op) {
	case DE_CTL_STATUS:
		if (json)
			printf("%s\n", payload);
		rc = json ? 0 : print_status(payload);
		break;
	case DE_CTL_ENCLAVES:
		if (json)
			printf("%s\n", payload);
		rc = json ? 0 : print_enclaves(payload);
		break;
	case DE_CTL_STATS:
		if (json)
			printf("%s\n", payload);
		rc = json ? 0 : print_stats(payload);
		break;
	case DE_CTL_STOP: {
		/* The service closes the socket once the EVM is gone and its memory zeroed. */
		char c;
		while (read(fd, &c, 1) > 0)
			;
		printf("de_platform_service stopped\n");
		rc = 0;
		break;
	}
	default:
		break;
	case DE_CTL_CONSOLE: {
		char buf[4096];
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, stdout), fflush(stdout);
		rc = 0;
		break;
	}
	}
out:
	free(payload);
	close(fd);
	return rc;
}
