// A container: ordo internal-exec (ORDO_CMD_EXEC in ordo_proto.h) builds
// the container's root in its own mount namespace, joins the sandbox's
// namespaces and its cgroups, takes its credentials and execs its command,
// all before the Go runtime starts.
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "ordo.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define ORDO_ATTR_RDONLY 0x00000001

struct ordo_mount_attr { unsigned long long set, clr, propagation, userns_fd; };

#define NEWROOT "/tmp/root"
#define OLDROOT "/.ordo-old-root"

static void ordo_mkdirs(const char *path, int last_is_file) {
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	if (last_is_file) {
		int fd = open(buf, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd >= 0) close(fd);
	} else {
		mkdir(buf, 0755);
	}
}

static void ordo_readonly(const char *path) {
	struct ordo_mount_attr attr = {ORDO_ATTR_RDONLY, 0, 0, 0};
	if (syscall(SYS_mount_setattr, -1, path, AT_RECURSIVE, &attr, sizeof attr) != 0)
		ordo_fail("make %s read-only: %s", path, strerror(errno));
}

// ordo_readonly_mount makes the one mount at path read-only, not those
// under it (readOnlyRootFilesystem: the root and its /tmp, not volumes).
static void ordo_readonly_mount(const char *path) {
	struct ordo_mount_attr attr = {ORDO_ATTR_RDONLY, 0, 0, 0};
	if (syscall(SYS_mount_setattr, -1, path, 0, &attr, sizeof attr) != 0)
		ordo_fail("make %s read-only: %s", path, strerror(errno));
}

static void ordo_mount(const char *src, const char *target, const char *fs, unsigned long flags, const char *data) {
	if (mount(src, target, fs, flags, data) != 0)
		ordo_fail("mount %s: %s", target, strerror(errno));
}

// ordo_unescape undoes mountinfo's octal escapes (\040 for a space) in place.
static void ordo_unescape(char *s) {
	char *out = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = 0;
}

static int ordo_under_system(const char *mp) {
	const char *sys[] = {"/proc", "/sys", "/dev", "/tmp", "/run"};
	for (size_t i = 0; i < sizeof sys / sizeof *sys; i++) {
		size_t n = strlen(sys[i]);
		if (strncmp(mp, sys[i], n) == 0 && (mp[n] == 0 || mp[n] == '/')) return 1;
	}
	return strcmp(mp, "/") == 0;
}

// ordo_under reports whether path is dir or inside it.
static int ordo_under(const char *path, const char *dir) {
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

// ordo_host_mounts lists the host's real mounts a container sees read-only,
// leaving out those under the hidden directories (other pods' volumes).
// The list grows as needed: a host with many mounts (every pod's volumes)
// must not lose any of them.
static int ordo_host_mounts(char ***outp, const char **hide, int nhide) {
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f) ordo_fail("read mountinfo: %s", strerror(errno), NULL);
	char line[8192];
	int n = 0, cap = 64;
	char **out = ordo_alloc((size_t)cap, sizeof *out);
	while (fgets(line, sizeof line, f)) {
		char *field = strtok(line, " ");
		for (int i = 0; field && i < 4; i++) field = strtok(NULL, " ");
		if (!field) continue;
		ordo_unescape(field);
		if (ordo_under_system(field)) continue;
		int hidden = 0;
		for (int i = 0; i < nhide; i++) hidden |= ordo_under(field, hide[i]);
		if (hidden) continue;
		int seen = 0;
		for (int i = 0; i < n; i++) if (strcmp(out[i], field) == 0) seen = 1;
		if (seen) continue;
		if (n == cap) {
			cap *= 2;
			out = realloc(out, (size_t)cap * sizeof *out);
			if (!out) ordo_fail("out of memory%s%s", "", "");
		}
		out[n++] = strdup(field);
	}
	fclose(f);
	*outp = out;
	return n;
}

// ordo_bind mounts src at target under root, creating a missing mount point
// in the writable layer when create is set.
static void ordo_bind(const char *root, const char *src, const char *target, int ro, int create) {
	char dst[4096];
	struct stat st;
	snprintf(dst, sizeof dst, "%s%s", root, target);
	if (stat(src, &st) != 0) ordo_fail("volume source for %s: %s", target, strerror(errno));
	if (lstat(dst, &(struct stat){0}) != 0) {
		if (!create) return;
		ordo_mkdirs(dst, !S_ISDIR(st.st_mode));
	}
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
		ordo_fail("bind %s: %s", target, strerror(errno));
	if (ro) ordo_readonly(dst);
}

// ordo_hide covers a host path the container must not read (hostview.go
// says which), with something empty of the same owner and mode, writable
// and thrown away like the rest of the root: a directory with a tmpfs (so
// a volume may still be mounted inside it, and a program whose HOME is
// /root may write there), a file with a file of the container's (so
// nginx still appends to its /var/log/nginx/error.log). It reports
// whether it covered the path, which readOnlyRootFilesystem makes
// read-only too.
static int ordo_hide(const char *path, int n) {
	char dst[4096], opts[128];
	struct stat host, st;
	snprintf(dst, sizeof dst, NEWROOT "%s", path);
	if (lstat(path, &host) != 0 || lstat(dst, &st) != 0) return 0;
	if (S_ISDIR(host.st_mode) && S_ISDIR(st.st_mode)) {
		snprintf(opts, sizeof opts, "mode=%o,uid=%u,gid=%u", (unsigned)(host.st_mode & 07777),
			(unsigned)host.st_uid, (unsigned)host.st_gid);
		ordo_mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, opts);
		return 1;
	}
	if (!S_ISREG(host.st_mode) || !S_ISREG(st.st_mode)) return 0;
	char empty[64];
	snprintf(empty, sizeof empty, "/tmp/hidden-%d", n);
	int fd = open(empty, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, host.st_mode & 07777);
	if (fd < 0 || fchown(fd, host.st_uid, host.st_gid) != 0 || fchmod(fd, host.st_mode & 07777) != 0)
		ordo_fail("hide %s: %s", path, strerror(errno));
	close(fd);
	if (mount(empty, dst, NULL, MS_BIND, NULL) != 0) ordo_fail("hide %s: %s", path, strerror(errno));
	return 1;
}

// ordo_run gives the container a /run of its own, as an image's is: a
// tmpfs holding the host's /run directories, empty, with their owners and
// modes (so /run/postgresql or /run/mysqld is there for the server that
// expects it), and its links, but none of the host's sockets, pid files
// or state. It reports whether it mounted one.
static int ordo_run(void) {
	struct stat st;
	char opts[128], path[4096], link[4096];
	if (lstat("/run", &st) != 0 || !S_ISDIR(st.st_mode)) return 0;
	DIR *d = opendir("/run");
	if (!d) ordo_fail("read /run: %s", strerror(errno), NULL);
	snprintf(opts, sizeof opts, "mode=%o", (unsigned)(st.st_mode & 07777));
	ordo_mkdirs(NEWROOT "/run", 0);
	ordo_mount("tmpfs", NEWROOT "/run", "tmpfs", MS_NOSUID | MS_NODEV, opts);
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
		snprintf(path, sizeof path, "/run/%s", e->d_name);
		if (lstat(path, &st) != 0) continue;
		snprintf(path, sizeof path, NEWROOT "/run/%s", e->d_name);
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(path, 0700) != 0 || chown(path, st.st_uid, st.st_gid) != 0 || chmod(path, st.st_mode & 07777) != 0)
				ordo_fail("make %s: %s", path, strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			char src[4096];
			snprintf(src, sizeof src, "/run/%s", e->d_name);
			ssize_t n = readlink(src, link, sizeof link - 1);
			if (n < 0) continue;
			link[n] = 0;
			if (symlink(link, path) != 0) ordo_fail("link %s: %s", path, strerror(errno));
		}
	}
	closedir(d);
	return 1;
}

static void ordo_join(const char *pid, const char *ns) {
	char path[64];
	snprintf(path, sizeof path, "/proc/%s/ns/%s", pid, ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, 0) != 0) ordo_fail("join %s namespace: %s", ns, strerror(errno));
	close(fd);
}

static void ordo_cgroups(struct ordo_spec *s) {
	char pid[32], path[4096];
	snprintf(pid, sizeof pid, "%d", getpid());
	for (int i = 0; i < s->ncgroups; i++) {
		snprintf(path, sizeof path, "%s/cgroup.procs", s->cgroups[i]);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, pid, strlen(pid)) < 0) ordo_fail("enter cgroup %s: %s", s->cgroups[i], strerror(errno));
		close(fd);
	}
}

// ordo_dev gives the container a /dev of its own, as a container runtime
// does: a tmpfs holding the standard character devices (bound from the
// host's), the /dev/fd links, a private devpts for terminals and a private
// /dev/shm. Binding the host's whole /dev let a container create files in
// it (a root container's /dev/termination-log landed in the host's /dev)
// and reach every host device. With the host's IPC namespace comes the
// host's /dev/shm, so POSIX shared memory is shared as System V IPC is.
static void ordo_dev(int host_ipc) {
	static const char *devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
	static const char *links[][2] = {
		{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
		{"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
	};
	char path[256];
	ordo_mkdirs(NEWROOT "/dev", 0);
	ordo_mount("tmpfs", NEWROOT "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=65536k");
	for (size_t i = 0; i < sizeof devices / sizeof *devices; i++) {
		snprintf(path, sizeof path, "/dev/%s", devices[i]);
		ordo_bind(NEWROOT, path, path, 0, 1);
	}
	for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
		snprintf(path, sizeof path, NEWROOT "/dev/%s", links[i][1]);
		if (symlink(links[i][0], path) != 0) ordo_fail("link %s: %s", path, strerror(errno));
	}
	ordo_mkdirs(NEWROOT "/dev/pts", 0);
	if (mount("devpts", NEWROOT "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") != 0)
		ordo_bind(NEWROOT, "/dev/pts", "/dev/pts", 0, 1);
	if (host_ipc) {
		ordo_bind(NEWROOT, "/dev/shm", "/dev/shm", 0, 1);
	} else {
		ordo_mkdirs(NEWROOT "/dev/shm", 0);
		ordo_mount("tmpfs", NEWROOT "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777");
	}
}

// ordo_copy copies the host file open at in (opened before the private
// /tmp hides host paths under it) to dst under the new root, into the
// overlay's writable layer, making dst's directories as needed.
static void ordo_copy(int in, const char *src, const char *dst) {
	char path[4096];
	snprintf(path, sizeof path, "%s%s", NEWROOT, dst);
	ordo_mkdirs(path, 1);
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) ordo_fail("image file %s: %s", dst, strerror(errno));
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) ordo_fail("copy %s: %s", dst, strerror(errno));
	if (n < 0) ordo_fail("copy %s: %s", src, strerror(errno));
	close(in);
	close(out);
}

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define ORDO_RESOLVE_NO_SYMLINKS 0x04
struct ordo_open_how { unsigned long long flags, mode, resolve; };

// ordo_sources are the host files a root takes in, opened before the
// private /tmp covers the host's (a volume or a layer may lie under /tmp).
struct ordo_sources { int *mounts, *copies, *layers; };

static void ordo_open_sources(const struct ordo_spec *s, struct ordo_sources *o) {
	o->mounts = ordo_alloc((size_t)s->nmounts, sizeof *o->mounts);
	for (int i = 0; i < s->nmounts; i++) {
		// No symlink is followed: the caller resolved the sources
		// (StartContainer), so a link a container swapped into a volume's
		// subPath since then fails the start instead of binding a host
		// path into the container.
		struct ordo_open_how how = {O_PATH | O_CLOEXEC, 0, ORDO_RESOLVE_NO_SYMLINKS};
		o->mounts[i] = (int)syscall(SYS_openat2, AT_FDCWD, s->msrc[i], &how, sizeof how);
		if (o->mounts[i] < 0 && errno == ENOSYS) o->mounts[i] = open(s->msrc[i], O_PATH | O_CLOEXEC);
		if (o->mounts[i] < 0) ordo_fail("volume source %s: %s", s->msrc[i], strerror(errno));
	}
	o->copies = ordo_alloc((size_t)s->ncopies, sizeof *o->copies);
	for (int i = 0; i < s->ncopies; i++) {
		o->copies[i] = open(s->csrc[i], O_RDONLY | O_CLOEXEC);
		if (o->copies[i] < 0) ordo_fail("image file %s: %s", s->csrc[i], strerror(errno));
	}
	o->layers = ordo_alloc((size_t)s->nlayers, sizeof *o->layers);
	for (int i = 0; i < s->nlayers; i++) {
		o->layers[i] = open(s->layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (o->layers[i] < 0) ordo_fail("image layer %s: %s", s->layers[i], strerror(errno));
	}
}

// ordo_overlay mounts the container's root at NEWROOT: an overlay of the
// lower layers under a writable layer on a private tmpfs at /tmp, thrown
// away with the container's mount namespace (so the container may write
// anywhere, nothing reaches the lower layers, and each start begins
// afresh). The lower layers are the host's root, or the image's layers.
//
// overlayfs takes its options in one page, which a few dozen layers
// under long paths would overflow: the layers are named by their open
// descriptors, relative to /proc/self/fd ("lowerdir=12:11:10", the topmost
// first, as overlayfs wants them), a few bytes each whatever their paths,
// as Docker's overlay2 names its layers by short links relative to its
// directory.
static void ordo_overlay(const struct ordo_spec *s, const struct ordo_sources *o) {
	ordo_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mkdir("/tmp/upper", 0755);
	mkdir("/tmp/work", 0755);
	mkdir(NEWROOT, 0755);
	if (s->nlayers == 0) {
		ordo_mount("overlay", NEWROOT, "overlay", 0, "lowerdir=/,upperdir=/tmp/upper,workdir=/tmp/work");
		return;
	}
	size_t size = 64 + (size_t)s->nlayers * 12;
	char *opts = ordo_alloc(size, 1);
	size_t n = (size_t)snprintf(opts, size, "lowerdir=");
	for (int i = s->nlayers - 1; i >= 0; i--)
		n += (size_t)snprintf(opts + n, size - n, "%d%s", o->layers[i], i > 0 ? ":" : "");
	snprintf(opts + n, size - n, ",upperdir=/tmp/upper,workdir=/tmp/work");
	if (strlen(opts) >= 4096) {
		char count[16];
		snprintf(count, sizeof count, "%d", s->nlayers);
		ordo_fail("image root: %s layers, more than overlayfs takes%s", count, "");
	}
	if (chdir("/proc/self/fd") != 0) ordo_fail("chdir /proc/self/fd: %s%s", strerror(errno), "");
	if (mount("overlay", NEWROOT, "overlay", 0, opts) != 0) {
		// overlayfs says why only in the kernel log (such as more than
		// its 500 lower layers).
		int e = errno;
		char count[16];
		snprintf(count, sizeof count, "%d", s->nlayers);
		ordo_fail("mount the image root (%s layers): %s", count, strerror(e));
	}
	if (chdir("/") != 0) ordo_fail("chdir /: %s%s", strerror(errno), "");
	for (int i = 0; i < s->nlayers; i++) close(o->layers[i]);
	free(opts);
}

// ordo_system_mounts gives the root its own /dev and /dev/shm, a /proc of
// its PID namespace and the host's /sys read-only, on either kind of
// root.
static void ordo_system_mounts(const struct ordo_spec *s) {
	ordo_dev(s->host_ipc);
	ordo_mkdirs(NEWROOT "/proc", 0);
	ordo_mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	ordo_mkdirs(NEWROOT "/sys", 0);
	ordo_mount("/sys", NEWROOT "/sys", NULL, MS_BIND | MS_REC, NULL);
	ordo_readonly(NEWROOT "/sys");
}

// ordo_pivot makes NEWROOT the root, binds the pod's volumes and lets go
// of the host's root. Volumes are bound after the pivot, from the
// descriptors opened before, so their targets resolve inside the
// container's root: through /var/run -> /run a service-account token must
// land in the container's /run, not the host's.
static void ordo_pivot(const struct ordo_spec *s, const struct ordo_sources *o) {
	mkdir(NEWROOT OLDROOT, 0700);
	if (syscall(SYS_pivot_root, NEWROOT, NEWROOT OLDROOT) != 0) ordo_fail("pivot_root: %s", strerror(errno), NULL);
	if (chdir("/") != 0) ordo_fail("chdir /: %s", strerror(errno), NULL);
	for (int i = 0; i < s->nmounts; i++) {
		char src[64];
		snprintf(src, sizeof src, "/proc/self/fd/%d", o->mounts[i]);
		ordo_bind("", src, s->mdst[i], s->mro[i], 1);
		close(o->mounts[i]);
	}
	if (umount2(OLDROOT, MNT_DETACH) != 0) ordo_fail("detach old root: %s", strerror(errno), NULL);
	rmdir(OLDROOT);
}

// ordo_host_root assembles a root from the host's: the host's root as the
// overlay's lower layer, its own /tmp and /run, the host's other mounts
// bound read-only except those under hidden paths, the hidden paths
// covered, and then the pod's volumes (which may lie under a hidden path:
// the pod asked for them).
static void ordo_host_root(struct ordo_spec *s) {
	char **host;
	struct ordo_sources o;
	ordo_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	int nhost = ordo_host_mounts(&host, s->hide, s->nhide);
	ordo_open_sources(s, &o);
	ordo_overlay(s, &o);
	for (int i = 0; i < s->ncopies; i++) ordo_copy(o.copies[i], s->csrc[i], s->cdst[i]);
	ordo_system_mounts(s);
	ordo_mkdirs(NEWROOT "/tmp", 0);
	ordo_mount("tmpfs", NEWROOT "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	for (int i = 0; i < nhost; i++) ordo_bind(NEWROOT, host[i], host[i], 1, 0);
	int *covered = ordo_alloc((size_t)s->nhide, sizeof *covered);
	for (int i = 0; i < s->nhide; i++) covered[i] = ordo_hide(s->hide[i], i);
	int own_run = ordo_run();
	ordo_pivot(s, &o);
	if (s->read_only_root) {
		// As an image's root with readOnlyRootFilesystem: /tmp is part of
		// it; volumes, /dev, /dev/shm and /proc stay as they are.
		ordo_readonly_mount("/");
		ordo_readonly_mount("/tmp");
		if (own_run) ordo_readonly_mount("/run");
		for (int i = 0; i < s->nhide; i++) if (covered[i]) ordo_readonly_mount(s->hide[i]);
	}
}

// ordo_image_root assembles a root from an image's layers (--layer):
// nothing of the host's is in it but /dev's standard devices and /sys, so
// no host mount is bound and no path hidden; its /tmp and /run are the
// image's, as under runc. A missing working directory is made, as runc
// makes it, before readOnlyRootFilesystem applies.
static void ordo_image_root(struct ordo_spec *s) {
	struct ordo_sources o;
	ordo_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	ordo_open_sources(s, &o);
	ordo_overlay(s, &o);
	for (int i = 0; i < s->ncopies; i++) ordo_copy(o.copies[i], s->csrc[i], s->cdst[i]);
	ordo_system_mounts(s);
	ordo_pivot(s, &o);
	if (s->workdir) ordo_mkdirs(s->workdir, 0);
	if (s->read_only_root) ordo_readonly_mount("/");
}

// ordo_root assembles the container's root and pivots into it.
static void ordo_root(struct ordo_spec *s) {
	if (s->nlayers > 0) ordo_image_root(s);
	else ordo_host_root(s);
}

// ordo_die_with_agent (re)arms SIGKILL for when the pod's shim (the
// parent) dies, as late as possible: a change of user clears the
// parent-death signal the shim set. If the agent died during the start,
// the read end of the status pipe is closed, which poll reports as an
// error on fd 3: a start nobody saw finish is not left running.
static void ordo_die_with_agent(void) {
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ordo_fail("set parent death signal: %s", strerror(errno), NULL);
	struct pollfd status = {3, POLLOUT, 0};
	if (poll(&status, 1, 0) == 1 && (status.revents & POLLERR)) _exit(137);
}

// ordo_stdio_owner gives the container's stdin, stdout and stderr pipes to
// its user, as runc does, so a process that reopens them by name
// (/dev/stdout, which nginx's access_log names) may: the pipes are the
// agent's, root's and mode 0600. Devices (/dev/null, a terminal) are left
// alone.
static void ordo_stdio_owner(const char *uid, const char *gid) {
	if (!uid) return;
	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;
		if (fstat(fd, &st) != 0 || S_ISCHR(st.st_mode)) continue;
		// Best effort: without it the process still writes to the fds
		// it was given.
		if (fchown(fd, (uid_t)atol(uid), gid ? (gid_t)atol(gid) : (gid_t)-1) != 0) continue;
	}
}

// ordo_console gives the process a terminal (tty: true) as runc does with
// a console socket: a pty of the container's own devpts (so `tty` names
// /dev/pts/N inside it), whose slave becomes fds 0-2 and the controlling
// terminal of the process's session, and whose master goes over fd
// (SCM_RIGHTS) to the shim, which logs what it reads and hands a copy to
// the agent for attach's input and resizes. The shim started the process
// as a session leader (ordo_shim_child), so TIOCSCTTY may take the slave.
static void ordo_console(int fd, const char *uid, const char *gid) {
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0) ordo_fail("open /dev/ptmx: %s%s", strerror(errno), "");
	int unlock = 0, n = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) != 0 || ioctl(master, TIOCGPTN, &n) != 0)
		ordo_fail("unlock the terminal: %s%s", strerror(errno), "");
	char path[64];
	snprintf(path, sizeof path, "/dev/pts/%d", n);
	int slave = open(path, O_RDWR | O_NOCTTY);
	if (slave < 0) ordo_fail("open %s: %s", path, strerror(errno));
	// The terminal is the container user's, as its pipes are (best effort).
	if (uid && fchown(slave, (uid_t)atol(uid), gid ? (gid_t)atol(gid) : (gid_t)-1) != 0) {
	}
	if (getsid(0) != getpid() && setsid() < 0) ordo_fail("setsid: %s%s", strerror(errno), "");
	if (ioctl(slave, TIOCSCTTY, 0) != 0) ordo_fail("set the controlling terminal: %s%s", strerror(errno), "");
	for (int i = 0; i <= 2; i++)
		if (dup2(slave, i) != i) ordo_fail("terminal: %s%s", strerror(errno), "");
	if (slave > 2) close(slave);
	char byte = 'c', ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {&byte, 1};
	struct msghdr h = {0};
	memset(ctl, 0, sizeof ctl);
	h.msg_iov = &iov;
	h.msg_iovlen = 1;
	h.msg_control = ctl;
	h.msg_controllen = sizeof ctl;
	struct cmsghdr *c = CMSG_FIRSTHDR(&h);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(fd, &h, MSG_NOSIGNAL) != 1) ordo_fail("send the terminal: %s%s", strerror(errno), "");
	close(master);
	close(fd);
	setenv("TERM", "xterm", 0); // as the kubelet's runtimes set it for a terminal
}

// ordo_exec_main turns the process into a container ("ordo internal-exec
// ... -- COMMAND" is argv, envp the container's environment, also
// environ): it joins the sandbox's UTS, IPC and network namespaces and its
// cgroups, builds the root in its own mount namespace, drops to the user,
// and execs the command, which becomes PID 1 of its own PID namespace
// (unless the agent started it in the pod's or the host's: the /proc
// mounted here shows whichever it is in). The pod's shim calls it in the
// child it cloned (ordo_shim_child), with no exec of the ordo binary
// before the command's. Errors before the exec go to the status pipe
// (fd 3), which closes on a successful exec.
void ordo_exec_main(int argc, char **argv, char **envp) {
	struct ordo_spec s;
	ordo_parse(argc, argv, &s);
	// A container with stdin: true reads the pipe the agent writes what
	// kubectl attach sends into, in place of /dev/null.
	if (s.stdin_fd > 3 && (dup2(s.stdin_fd, 0) != 0 || close(s.stdin_fd) != 0))
		ordo_fail("stdin: %s", strerror(errno), NULL);
	ordo_cgroups(&s);
	if (s.sandbox) {
		ordo_join(s.sandbox, "uts");
		ordo_join(s.sandbox, "ipc");
		ordo_join(s.sandbox, "net");
	}
	ordo_root(&s);
	if (s.workdir && chdir(s.workdir) != 0)
		ordo_fail("failed to change to working directory \"%s\": %s", s.workdir, strerror(errno));
	if (s.console_fd > 3) ordo_console(s.console_fd, s.uid, s.gid);
	ordo_stdio_owner(s.uid, s.gid);
	ordo_apply_creds(&s);
	char buf[4096];
	const char *path = ordo_exec_path(s.argv[0], buf, sizeof buf);
	ordo_no_new_privs(&s); // allowPrivilegeEscalation: false
	ordo_die_with_agent();
	if (s.hold) {
		// The status pipe's close says the container started; fd 4 is the
		// agent's end of the runs.
		close(3);
		prctl(PR_SET_NAME, "ordo-hold");
		ordo_hold(4, path, s.argv, envp);
	}
	// Only stdin, stdout and stderr cross into the container.
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(path, s.argv, s.console_fd > 3 ? environ : envp);
	ordo_fail("exec %s: %s", s.argv[0], strerror(errno));
}

// ordo_exec is `ordo internal-exec` exec'd, as a shim of a different ordo
// binary starts it: the same container start, before the Go runtime
// starts.
__attribute__((constructor)) static void ordo_exec(int argc, char **argv, char **envp) {
	if (argc < 2 || strcmp(argv[1], ORDO_CMD_EXEC) != 0) return;
	ordo_exec_main(argc, argv, envp);
}
