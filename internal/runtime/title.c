// What a process the shim forked, and did not exec, shows as its command
// line, environment and name (ordo_retitle).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/prctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ordo.h"

// ordo_pack lays out the NULL-terminated strings v one after another, each
// with its NUL, as exec lays out argv and envp; *len is their size.
static char *ordo_pack(char *const *v, size_t *len) {
	size_t n = 0;
	for (char *const *p = v; *p; p++) n += strlen(*p) + 1;
	char *b = malloc(n ? n : 1);
	if (b == NULL) return NULL;
	size_t k = 0;
	for (char *const *p = v; *p; p++) {
		size_t l = strlen(*p) + 1;
		memcpy(b + k, *p, l);
		k += l;
	}
	*len = n;
	return b;
}

// ordo_mm_map is the process's memory layout as the kernel keeps it for
// /proc (fields 26-28 and 45-51 of /proc/self/stat, and the break): what
// PR_SET_MM_MAP takes whole, so the areas it does not move keep their
// values.
static int ordo_mm_map(struct prctl_mm_map *m) {
	char buf[2048];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0) return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (p == NULL) return -1;
	unsigned long long v[52] = {0};
	int field = 2;
	for (char *tok = strtok(p + 1, " "); tok && field < 51; tok = strtok(NULL, " ")) v[++field] = strtoull(tok, NULL, 10);
	if (field < 51) return -1;
	memset(m, 0, sizeof *m);
	m->start_code = v[26];
	m->end_code = v[27];
	m->start_stack = v[28];
	m->start_data = v[45];
	m->end_data = v[46];
	m->start_brk = v[47];
	m->brk = (unsigned long)syscall(SYS_brk, 0);
	m->arg_start = v[48];
	m->arg_end = v[49];
	m->env_start = v[50];
	m->env_end = v[51];
	m->exe_fd = (unsigned int)-1;
	return 0;
}

// ordo_retitle makes /proc/PID/cmdline and /proc/PID/environ read argv and
// envp, as after an exec of them, and names the process comm: ps, an
// adopting agent's tools, the test suite's sweep and the benchmarks tell
// a pod's sandbox and containers by their command lines (`ordo
// internal-sandbox --hostname NAME`) and environments (HOSTNAME), and a
// forked child would otherwise show its shim's (`ordo internal-shim
// SOCKET`). The areas move with PR_SET_MM_MAP, which needs no capability
// (CRIU's way: PR_SET_MM_ARG_START and the like need CAP_SYS_RESOURCE,
// which a container host may withhold from ordo); it reports whether they
// moved. The buffers are never freed: the kernel reads them for as long
// as the process lives.
int ordo_retitle(const char *comm, char *const *argv, char *const *envp) {
	prctl(PR_SET_NAME, comm);
	struct prctl_mm_map m;
	size_t na = 0, ne = 0;
	char *a = ordo_pack(argv, &na), *e = ordo_pack(envp, &ne);
	if (a == NULL || e == NULL || na == 0 || ordo_mm_map(&m) != 0) return 0;
	m.arg_start = (unsigned long)a;
	m.arg_end = (unsigned long)a + na;
	m.env_start = (unsigned long)e;
	m.env_end = (unsigned long)e + ne;
	return prctl(PR_SET_MM, PR_SET_MM_MAP, &m, sizeof m, 0) == 0;
}
