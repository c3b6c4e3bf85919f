// ordo.h declares what the C files of package runtime share: the parsed
// command line of internal-exec and internal-enter (spec.c) and the
// steps both take (creds.c). Names on the command line and sockets are in
// ordo_proto.h.
#ifndef ORDO_H
#define ORDO_H

#include <stddef.h>
#include <sys/types.h>

#include "ordo_proto.h"

// ordo_spec is the parsed command line. Its lists have no fixed limit:
// each is sized from argc, which bounds how many entries it can hold, so
// no --cgroup, --hide or --mount is ever dropped.
struct ordo_spec {
	int hold; // a warm runner's hold: serve runs on fd 4 (hold.c)
	int stdin_fd; // the container's stdin pipe (stdin: true), or 0: /dev/null
	int console_fd; // the socket for its terminal's master (tty: true), or 0: none
	const char *sandbox, *workdir, *uid, *gid;
	const char *enter_pid; // internal-enter: the container process to enter
	const char **cgroups;
	int ncgroups;
	const char **msrc, **mdst;
	int *mro, nmounts;
	const char **csrc, **cdst;
	int ncopies;
	int host_ipc;
	const char **hide;
	int nhide;
	const char **layers; // an image's layers, base first: an image root
	int nlayers;
	gid_t *groups;
	int ngroups;
	int no_new_privs;
	int read_only_root; // securityContext.readOnlyRootFilesystem
	int limit_caps;
	unsigned long long caps;
	char **argv;
};

// ordo_fail reports an error on the status pipe (fd 3) and on stderr, then
// exits with 128, the code a container runtime gives a failed start.
void ordo_fail(const char *fmt, const char *a, const char *b);

// ordo_alloc is calloc that fails the start instead of returning NULL.
void *ordo_alloc(size_t n, size_t size);

// ordo_parse_args parses argv[2:] (the flags of ordo_proto.h, then "--"
// and the command) into s. It returns 0, or -1 with a message in err.
int ordo_parse_args(int argc, char **argv, struct ordo_spec *s, char *err, size_t errlen);

// ordo_parse is ordo_parse_args that fails the start on a bad command line.
void ordo_parse(int argc, char **argv, struct ordo_spec *s);

// ordo_apply_creds drops to the spec's credentials: the bounding set,
// groups, group, user, then the capability sets, in that order (each
// step needs the privileges the next removes).
void ordo_apply_creds(const struct ordo_spec *s);

// ordo_no_new_privs sets no_new_privs when the spec asks for it
// (allowPrivilegeEscalation: false), last before the exec.
void ordo_no_new_privs(const struct ordo_spec *s);

// ordo_exec_path finds name on the PATH, as a runtime does; buf holds
// the result.
const char *ordo_exec_path(const char *name, char *buf, size_t len);

// ordo_spawn is a parsed "spawn" message (ORDO_SHIM_SPAWN): its strings
// point into the message; argv and envp are allocated, NULL-terminated.
struct ordo_spawn {
	const char *tag, *path, *meta, *log;
	long flags, pidns;
	int nchild;
	char **argv, **envp;
};

// ordo_shim_parse_spawn parses the fields f of a "spawn" message that came
// with nfds descriptors. It returns 0, or an errno (EINVAL: malformed).
int ordo_shim_parse_spawn(char **f, int nf, int nfds, struct ordo_spawn *sp);

// ordo_drop_clean_pages gives back clean read-only file pages (hold.c).
void ordo_drop_clean_pages(void);

// ordo_sandbox_main is a pod's sandbox with hostname name (sandbox.c);
// exec says the process was exec'd for it (not forked by its shim). It
// never returns.
void ordo_sandbox_main(const char *name, int exec);

// ordo_exec_main is a container's start from internal-exec's argv, with
// envp as its environment (exec.c); it never returns.
void ordo_exec_main(int argc, char **argv, char **envp);

// ordo_retitle shows argv, envp and comm as a forked child's command line,
// environment and name, as an exec of them would (title.c); it reports
// whether the command line and environment moved.
int ordo_retitle(const char *comm, char *const *argv, char *const *envp);

// ordo_hold serves a warm runner's runs on fd (hold.c); it never returns.
void ordo_hold(int fd, const char *path, char **argv, char **envp);

#endif
