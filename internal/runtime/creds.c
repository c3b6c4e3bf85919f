// The credentials a container's process (exec.c) and a command exec'd in
// the container (enter.c) run with, applied by the same code.
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ordo.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// ordo_drop_bounding removes every capability outside keep from the
// bounding set, so no exec (not even of a setuid or file-capability
// binary) can regain it. It needs CAP_SETPCAP, so it runs before the user
// changes.
static void ordo_drop_bounding(unsigned long long keep) {
	for (int cap = 0; cap <= 63; cap++) {
		if (keep & (1ULL << cap)) continue;
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break; // past the kernel's last capability
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
			char num[8];
			snprintf(num, sizeof num, "%d", cap);
			ordo_fail("drop capability %s from the bounding set: %s", num, strerror(errno));
		}
	}
}

// ordo_limit_caps leaves the process keep as its effective, permitted and
// inheritable sets: what a root container process has, as with a
// container runtime. A process that changed to another user has lost its
// capabilities already, and gets none back at exec.
static void ordo_limit_caps(unsigned long long keep) {
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) != 0) ordo_fail("capget: %s%s", strerror(errno), "");
	for (int i = 0; i < 2; i++) {
		unsigned int want = (unsigned int)(keep >> (32 * i));
		data[i].effective &= want;
		data[i].permitted &= want;
		data[i].inheritable &= want;
	}
	if (syscall(SYS_capset, &hdr, data) != 0) ordo_fail("capset: %s%s", strerror(errno), "");
}

void ordo_apply_creds(const struct ordo_spec *s) {
	if (s->limit_caps) ordo_drop_bounding(s->caps);
	// A container with a group or supplementalGroups gets exactly those
	// groups; one without keeps the agent's.
	if ((s->gid || s->ngroups) && setgroups((size_t)s->ngroups, s->groups) != 0)
		ordo_fail("setgroups: %s", strerror(errno), NULL);
	if (s->gid && setgid((gid_t)atol(s->gid)) != 0)
		ordo_fail("setgid %s: %s", s->gid, strerror(errno));
	if (s->uid && setuid((uid_t)atol(s->uid)) != 0)
		ordo_fail("setuid %s: %s", s->uid, strerror(errno));
	if (s->limit_caps) ordo_limit_caps(s->caps);
}

void ordo_no_new_privs(const struct ordo_spec *s) {
	// Set last: it also stops setuid binaries from gaining privileges,
	// which the steps before do not use.
	if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		ordo_fail("set no_new_privs: %s", strerror(errno), NULL);
}

const char *ordo_exec_path(const char *name, char *buf, size_t len) {
	if (strchr(name, '/')) return name;
	const char *path = getenv("PATH");
	if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char dirs[4096];
	snprintf(dirs, sizeof dirs, "%s", path);
	for (char *dir = strtok(dirs, ":"); dir; dir = strtok(NULL, ":")) {
		snprintf(buf, len, "%s/%s", *dir ? dir : ".", name);
		struct stat st;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) return buf;
	}
	ordo_fail("exec: \"%s\": executable file not found in $PATH", name, NULL);
	return NULL;
}
