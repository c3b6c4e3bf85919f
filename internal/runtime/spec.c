// The command line of internal-exec and internal-enter (ordo_proto.h),
// parsed into an ordo_spec without touching the process, so a Go test can
// run the parser (cparse.go).
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ordo.h"

void ordo_fail(const char *fmt, const char *a, const char *b) {
	char msg[1024];
	snprintf(msg, sizeof msg, fmt, a, b ? b : "");
	(void)!write(3, msg, strlen(msg));
	(void)!write(2, msg, strlen(msg));
	(void)!write(2, "\n", 1);
	_exit(128);
}

void *ordo_alloc(size_t n, size_t size) {
	void *p = calloc(n ? n : 1, size);
	if (!p) ordo_fail("out of memory%s%s", "", "");
	return p;
}

// ordo_groups parses the list of --groups (the pod's supplementalGroups).
static void ordo_groups(struct ordo_spec *s, const char *list) {
	size_t n = 1;
	for (const char *c = list; *c; c++) n += *c == ',';
	char *buf = strdup(list);
	if (!buf) ordo_fail("out of memory%s%s", "", "");
	s->groups = ordo_alloc(n, sizeof *s->groups);
	s->ngroups = 0;
	for (char *g = strtok(buf, ","); g; g = strtok(NULL, ",")) s->groups[s->ngroups++] = (gid_t)atol(g);
	free(buf);
}

static int ordo_parse_error(char *err, size_t errlen, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int ordo_parse_args(int argc, char **argv, struct ordo_spec *s, char *err, size_t errlen) {
	memset(s, 0, sizeof *s);
	size_t n = (size_t)argc;
	const char *cmd = argc > 1 ? argv[1] : "ordo";
	s->cgroups = ordo_alloc(n, sizeof *s->cgroups);
	s->hide = ordo_alloc(n, sizeof *s->hide);
	s->msrc = ordo_alloc(n, sizeof *s->msrc);
	s->mdst = ordo_alloc(n, sizeof *s->mdst);
	s->mro = ordo_alloc(n, sizeof *s->mro);
	s->csrc = ordo_alloc(n, sizeof *s->csrc);
	s->cdst = ordo_alloc(n, sizeof *s->cdst);
	s->layers = ordo_alloc(n, sizeof *s->layers);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, ORDO_FLAG_END) == 0) {
			s->argv = argv + i + 1;
			if (!s->argv[0]) break;
			return 0;
		}
		if (strcmp(a, ORDO_FLAG_HOST_IPC) == 0) { s->host_ipc = 1; continue; }
		if (strcmp(a, ORDO_FLAG_NO_NEW_PRIVS) == 0) { s->no_new_privs = 1; continue; }
		if (strcmp(a, ORDO_FLAG_READ_ONLY_ROOT) == 0) { s->read_only_root = 1; continue; }
		if (strcmp(a, ORDO_FLAG_HOLD) == 0) { s->hold = 1; continue; }
		if (i + 1 >= argc) break;
		if (strcmp(a, ORDO_FLAG_SANDBOX_PID) == 0) s->sandbox = argv[++i];
		else if (strcmp(a, ORDO_FLAG_PID) == 0) s->enter_pid = argv[++i];
		else if (strcmp(a, ORDO_FLAG_WORKDIR) == 0) s->workdir = argv[++i];
		else if (strcmp(a, ORDO_FLAG_STDIN_FD) == 0) s->stdin_fd = atoi(argv[++i]);
		else if (strcmp(a, ORDO_FLAG_CONSOLE_FD) == 0) s->console_fd = atoi(argv[++i]);
		else if (strcmp(a, ORDO_FLAG_UID) == 0) s->uid = argv[++i];
		else if (strcmp(a, ORDO_FLAG_GID) == 0) s->gid = argv[++i];
		else if (strcmp(a, ORDO_FLAG_GROUPS) == 0) ordo_groups(s, argv[++i]);
		else if (strcmp(a, ORDO_FLAG_CAPS) == 0) { s->limit_caps = 1; s->caps = strtoull(argv[++i], NULL, 16); }
		else if (strcmp(a, ORDO_FLAG_CGROUP) == 0) s->cgroups[s->ncgroups++] = argv[++i];
		else if (strcmp(a, ORDO_FLAG_HIDE) == 0) s->hide[s->nhide++] = argv[++i];
		else if (strcmp(a, ORDO_FLAG_LAYER) == 0) s->layers[s->nlayers++] = argv[++i];
		else if (strcmp(a, ORDO_FLAG_COPY) == 0) {
			if (i + 2 >= argc) return ordo_parse_error(err, errlen, "%s: %s needs a source and a target", cmd, a);
			s->csrc[s->ncopies] = argv[++i];
			s->cdst[s->ncopies++] = argv[++i];
		}
		else if (strcmp(a, ORDO_FLAG_MOUNT) == 0) {
			if (i + 3 >= argc) return ordo_parse_error(err, errlen, "%s: %s needs a source, a target and ro or rw", cmd, a);
			s->msrc[s->nmounts] = argv[++i];
			s->mdst[s->nmounts] = argv[++i];
			const char *mode = argv[++i];
			if (strcmp(mode, ORDO_MOUNT_RO) != 0 && strcmp(mode, ORDO_MOUNT_RW) != 0)
				return ordo_parse_error(err, errlen, "%s: %s needs a source, a target and ro or rw", cmd, a);
			s->mro[s->nmounts++] = strcmp(mode, ORDO_MOUNT_RO) == 0;
		}
		else return ordo_parse_error(err, errlen, "%s: unknown flag %s", cmd, a);
	}
	return ordo_parse_error(err, errlen, "%s: no command given", cmd);
}

void ordo_parse(int argc, char **argv, struct ordo_spec *s) {
	char err[512];
	if (ordo_parse_args(argc, argv, s, err, sizeof err) != 0) ordo_fail("%s%s", err, "");
}
