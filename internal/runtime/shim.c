// A pod's shim: ordo internal-shim (ORDO_CMD_SHIM in ordo_proto.h, which
// also has its messages), the parent of the pod's processes, which
// outlives the agent and writes their logs.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ordo.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

// ORDO_LOG_MAX is the longest text of one log line, the kubelet's 16 KiB:
// a longer line is written as P (partial) lines of this size, then the
// rest.
#define ORDO_LOG_MAX 16384

// ordo_stream is one output pipe of a run whose log the shim writes.
struct ordo_stream {
	int fd; // the pipe's read end, -1 once it reached its end
	const char *name;
	int console; // fd is the console socket, until the terminal's master comes
	char *buf; // a line not yet complete, ORDO_LOG_MAX bytes
	size_t len;
};

// ordo_kid is the shim's record of one process it started: kept until
// the agent forgets it, so an exit that happens while no agent is
// connected is reported when one comes back.
struct ordo_kid {
	char *tag, *meta;
	pid_t pid;
	int alive, status;
	long long finished; // wall clock, nanoseconds
	int nkeep, keep[ORDO_SHIM_MAXFDS];
	// logfd is the run's log file while the shim still copies its
	// output there, else -1 (drained, or the agent copies: protocol 1).
	int logfd;
	struct ordo_stream out[2];
	int forgotten; // the agent is done with the record once drained
};

static struct ordo_kid *kids;
static int nkids, capkids;
static int client = -1;

static long long ordo_now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

// ordo_msg is a message being built: NUL-terminated fields.
struct ordo_msg { char *b; size_t len, cap; };

static void ordo_msg_add(struct ordo_msg *m, const char *s) {
	size_t n = strlen(s) + 1;
	if (m->len + n > m->cap) {
		size_t cap = (m->cap + n) * 2;
		char *b = realloc(m->b, cap);
		if (b == NULL) _exit(125);
		m->b = b;
		m->cap = cap;
	}
	memcpy(m->b + m->len, s, n);
	m->len += n;
}

static void ordo_msg_addnum(struct ordo_msg *m, long long v) {
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	ordo_msg_add(m, buf);
}

// ordo_shim_send sends m (and fds) to the agent, if one is connected; a
// failed send means it is gone, and the shim waits for the next.
static void ordo_shim_send(struct ordo_msg *m, const int *fds, int nfds) {
	if (client >= 0) {
		struct iovec iov = {m->b, m->len};
		struct msghdr h = {0};
		char ctl[CMSG_SPACE(ORDO_SHIM_MAXFDS * sizeof(int))];
		h.msg_iov = &iov;
		h.msg_iovlen = 1;
		if (nfds > 0) {
			memset(ctl, 0, sizeof ctl);
			h.msg_control = ctl;
			h.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
			struct cmsghdr *c = CMSG_FIRSTHDR(&h);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
			memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
		}
		if (sendmsg(client, &h, MSG_NOSIGNAL) < 0) {
			close(client);
			client = -1;
		}
	}
	free(m->b);
	m->b = NULL;
	m->len = m->cap = 0;
}

static void ordo_kid_free(struct ordo_kid *k) {
	for (int i = 0; i < k->nkeep; i++) close(k->keep[i]);
	for (int i = 0; i < 2; i++) {
		if (k->out[i].fd >= 0) close(k->out[i].fd);
		free(k->out[i].buf);
	}
	if (k->logfd >= 0) close(k->logfd);
	free(k->tag);
	free(k->meta);
	*k = kids[--nkids];
}

static struct ordo_kid *ordo_kid_find(const char *tag) {
	for (int i = 0; i < nkids; i++)
		if (strcmp(kids[i].tag, tag) == 0) return &kids[i];
	return NULL;
}

// ordo_log_time writes the time now as Go's RFC3339Nano in UTC (trailing
// zeros of the fraction dropped), as CRI log lines carry it.
static size_t ordo_log_time(char *b, size_t n) {
	struct timespec t;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &t);
	gmtime_r(&t.tv_sec, &tm);
	size_t k = strftime(b, n, "%Y-%m-%dT%H:%M:%S", &tm);
	if (t.tv_nsec != 0) {
		k += (size_t)snprintf(b + k, n - k, ".%09ld", t.tv_nsec);
		while (b[k - 1] == '0') k--;
	}
	b[k++] = 'Z';
	return k;
}

// ordo_log_line appends one CRI line, "<time> <stream> F|P <text>", to
// the log in a single write (an O_APPEND file): F ends a line, P is a
// part of one that goes on in the next, or the output's last bytes when
// they end without a newline.
static void ordo_log_line(int logfd, const char *stream, const char *text, size_t n, int full) {
	static char line[ORDO_LOG_MAX + 128];
	size_t k = ordo_log_time(line, 64);
	k += (size_t)snprintf(line + k, 64, " %s %c ", stream, full ? 'F' : 'P');
	memcpy(line + k, text, n);
	k += n;
	line[k++] = '\n';
	for (size_t done = 0; done < k;) {
		ssize_t w = write(logfd, line + done, k - done);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) return; // the disk is full: the line is lost, as the kubelet's would be
		done += (size_t)w;
	}
}

// ordo_stream_read reads what s's pipe holds and writes its complete
// lines to the log at once, keeping a line's start until its end comes:
// only the shim's death (which is the pod's) can lose what it has read.
// It returns > 0 after reading, 0 at the pipe's end (the rest written as
// P, the pipe closed) and < 0 when nothing was there.
static ssize_t ordo_stream_read(int logfd, struct ordo_stream *s) {
	ssize_t n = read(s->fd, s->buf + s->len, ORDO_LOG_MAX - s->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) return -1;
	if (n > 0) {
		char *start = s->buf, *end = s->buf + s->len + n, *nl;
		while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
			ordo_log_line(logfd, s->name, start, (size_t)(nl - start), 1);
			start = nl + 1;
		}
		s->len = (size_t)(end - start);
		memmove(s->buf, start, s->len);
		if (s->len == ORDO_LOG_MAX) {
			ordo_log_line(logfd, s->name, s->buf, s->len, 0);
			s->len = 0;
		}
		return n;
	}
	if (s->len > 0) ordo_log_line(logfd, s->name, s->buf, s->len, 0);
	s->len = 0;
	close(s->fd);
	s->fd = -1;
	return 0;
}

// ordo_defaults gives the forked child the signal state an exec would:
// every caught signal back to its default (ignored ones stay ignored, as
// across an exec) and nothing blocked. The shim catches none and sets no
// rlimit or prctl state on itself, so the mask is all it changed.
static void ordo_defaults(void) {
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) signal(sig, SIG_DFL);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

// ordo_shim_become runs, in the forked child, the sandbox or container
// start that argv asks of the shim's own binary, as the exec of
// `ordo internal-sandbox` or `ordo internal-exec` would have: same argv,
// envp as its environment (environ too), same descriptors and status
// pipe. It saves each pod process an exec of the whole ordo binary, its
// page faults and its dynamic loader. It returns for anything else, which
// is exec'd, and when the kernel will not show the start's command line.
static void ordo_shim_become(char **argv, char **envp) {
	int argc = 0;
	while (argv[argc]) argc++;
	const char *host = NULL;
	for (char **e = envp; *e; e++)
		if (strncmp(*e, ORDO_ENV_SANDBOX_HOSTNAME "=", sizeof ORDO_ENV_SANDBOX_HOSTNAME) == 0)
			host = *e + sizeof ORDO_ENV_SANDBOX_HOSTNAME;
	int run = argc > 1 && strcmp(argv[1], ORDO_CMD_EXEC) == 0;
	if (!run && (argc < 2 || strcmp(argv[1], ORDO_CMD_SANDBOX) != 0 || host == NULL)) return;
	// A process that cannot show its own command line (a kernel without
	// PR_SET_MM_MAP) would pass for its shim: it is exec'd instead.
	if (!ordo_retitle(run ? "ordo-exec" : "ordo-sandbox", argv, envp)) return;
	environ = envp;
	if (run) ordo_exec_main(argc, argv, envp);
	ordo_sandbox_main(host, 0);
}

// ordo_shim_child is the forked child: it becomes the requested program
// with fds[0..nchild) as its descriptors 1, 2, 3 … and /dev/null as 0, in
// its own process group, killed if the shim dies. Nothing else of the
// shim's crosses: its sockets, signalfd and other runs' pipes and logs
// are closed here, not on an exec, since a start of the shim's own binary
// (own) runs in this process (ordo_shim_become).
static void ordo_shim_child(const struct ordo_spawn *sp, int own, int *fds, pid_t shim) {
	ordo_defaults();
	// A session of its own (so also its own process group, which the
	// shim kills): a container with a terminal makes it its controlling
	// one, which only a session leader may.
	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != shim && getppid() != 0) _exit(137); // the shim died before the signal was armed
	int nchild = sp->nchild;
	int moved[ORDO_SHIM_MAXFDS];
	for (int i = 0; i < nchild; i++) moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 64);
	int null = open("/dev/null", O_RDWR);
	if (null != 0) { dup2(null, 0); close(null); }
	for (int i = 0; i < nchild; i++) dup2(moved[i], i + 1);
	syscall(SYS_close_range, nchild + 1, ~0U, 0);
	if (own) ordo_shim_become(sp->argv, sp->envp);
	execve(sp->path, sp->argv, sp->envp);
	dprintf(nchild >= 3 ? 3 : 2, "exec %s: %s", sp->path, strerror(errno));
	_exit(127);
}

// own_exe is the shim's own binary as stat saw it at the start.
static struct stat own_exe;

// ordo_own_binary reports whether path is the shim's own binary. Only then
// does a child run its start without an exec: an agent of another build
// (an upgrade while pods run) asks for its own binary, whose flags this
// shim's code may not know, and gets it exec'd.
static int ordo_own_binary(const char *path) {
	struct stat st;
	return own_exe.st_ino != 0 && stat(path, &st) == 0 && st.st_dev == own_exe.st_dev && st.st_ino == own_exe.st_ino;
}

// ordo_clone forks with namespace flags (a raw clone with no new stack
// behaves as fork), in the PID namespace of process pidns when it is set.
static pid_t ordo_clone(long flags, long pidns) {
	int self = -1;
	if (pidns > 0) {
		char p[64];
		snprintf(p, sizeof p, "/proc/%ld/ns/pid", pidns);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || self < 0 || setns(fd, CLONE_NEWPID) != 0) {
			int e = errno;
			if (fd >= 0) close(fd);
			if (self >= 0) close(self);
			errno = e;
			return -1;
		}
		close(fd);
	}
	pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	int e = errno;
	if (self >= 0) {
		if (pid != 0 && setns(self, CLONE_NEWPID) != 0) _exit(125); // never fork for another pod
		close(self);
	}
	errno = e;
	return pid;
}

int ordo_shim_parse_spawn(char **f, int nf, int nfds, struct ordo_spawn *sp) {
	memset(sp, 0, sizeof *sp);
	if (nf < 8 || strcmp(f[0], ORDO_SHIM_SPAWN) != 0) return EINVAL;
	sp->tag = f[1];
	sp->flags = atol(f[2]);
	sp->pidns = atol(f[3]);
	sp->nchild = atoi(f[4]);
	sp->path = f[5];
	int argc = atoi(f[6]);
	if (sp->nchild < 0 || sp->nchild > nfds || argc < 1 || 7 + argc >= nf) return EINVAL;
	int envc = atoi(f[7 + argc]);
	if (envc < 0 || 8 + argc + envc >= nf) return EINVAL;
	sp->argv = calloc((size_t)argc + 1, sizeof *sp->argv);
	sp->envp = calloc((size_t)envc + 1, sizeof *sp->envp);
	if (sp->argv == NULL || sp->envp == NULL) {
		free(sp->argv);
		free(sp->envp);
		return ENOMEM;
	}
	memcpy(sp->argv, f + 7, (size_t)argc * sizeof *sp->argv);
	memcpy(sp->envp, f + 8 + argc, (size_t)envc * sizeof *sp->envp);
	sp->meta = f[8 + argc + envc];
	sp->log = nf > 9 + argc + envc ? f[9 + argc + envc] : ORDO_SHIM_LOG_NONE;
	return 0;
}

// ordo_shim_spawn handles "spawn" (ORDO_SHIM_SPAWN in ordo_proto.h): the
// first NCHILD descriptors go to the child; with LOG "1" or "2" the next
// three are the run's log file and its stdout's (or console socket's) and
// stderr's read ends, which the shim copies into the log itself; the rest
// are kept for the agent and handed back with the child's record on
// "list".
static void ordo_shim_spawn(char **f, int nf, int *fds, int nfds) {
	struct ordo_msg reply = {0};
	struct ordo_spawn sp;
	int err = ordo_shim_parse_spawn(f, nf, nfds, &sp);
	if (err != 0) goto fail;
	int nchild = sp.nchild;
	if (nkids == capkids) {
		capkids = capkids ? capkids * 2 : 8;
		kids = realloc(kids, (size_t)capkids * sizeof *kids);
		if (kids == NULL) _exit(125);
	}
	pid_t shim = getpid();
	int own = ordo_own_binary(sp.path);
	pid_t pid = ordo_clone(sp.flags, sp.pidns);
	if (pid == 0) ordo_shim_child(&sp, own, fds, shim);
	err = errno;
	free(sp.argv);
	free(sp.envp);
	if (pid < 0) goto fail;
	struct ordo_kid *k = &kids[nkids++];
	memset(k, 0, sizeof *k);
	k->tag = strdup(f[1]);
	k->meta = strdup(sp.meta);
	k->pid = pid;
	k->alive = 1;
	k->logfd = k->out[0].fd = k->out[1].fd = -1;
	for (int i = 0; i < nchild; i++) close(fds[i]);
	int kept = nchild;
	const char *log = sp.log;
	if ((strcmp(log, ORDO_SHIM_LOG_PIPES) == 0 || strcmp(log, ORDO_SHIM_LOG_TTY) == 0) && nfds - nchild >= 3) {
		k->logfd = fds[nchild];
		k->out[0].console = strcmp(log, ORDO_SHIM_LOG_TTY) == 0;
		for (int i = 0; i < 2; i++) {
			k->out[i].fd = fds[nchild + 1 + i];
			k->out[i].name = i == 0 ? "stdout" : "stderr";
			k->out[i].buf = malloc(ORDO_LOG_MAX);
			if (k->out[i].buf == NULL) _exit(125);
			fcntl(k->out[i].fd, F_SETFL, fcntl(k->out[i].fd, F_GETFL) | O_NONBLOCK);
		}
		kept += 3;
	}
	for (int i = kept; i < nfds; i++) k->keep[k->nkeep++] = fds[i];
	ordo_msg_add(&reply, ORDO_SHIM_SPAWNED);
	ordo_msg_add(&reply, f[1]);
	ordo_msg_addnum(&reply, pid);
	ordo_shim_send(&reply, NULL, 0);
	return;
fail:
	for (int i = 0; i < nfds; i++) close(fds[i]);
	ordo_msg_add(&reply, ORDO_SHIM_FAILED);
	ordo_msg_add(&reply, nf > 1 ? f[1] : "");
	ordo_msg_addnum(&reply, err);
	ordo_shim_send(&reply, NULL, 0);
}

static void ordo_shim_reap(void);

// ordo_shim_list answers "list": a "child" per record, with the record's
// kept descriptors, then "end" (ORDO_SHIM_CHILD, ORDO_SHIM_END).
static void ordo_shim_list(void) {
	ordo_shim_reap(); // a child that died just now is listed as exited
	for (int i = 0; i < nkids; i++) {
		struct ordo_kid *k = &kids[i];
		struct ordo_msg m = {0};
		ordo_msg_add(&m, ORDO_SHIM_CHILD);
		ordo_msg_add(&m, k->tag);
		ordo_msg_addnum(&m, k->pid);
		ordo_msg_addnum(&m, k->alive);
		ordo_msg_addnum(&m, k->status);
		ordo_msg_addnum(&m, k->finished);
		ordo_msg_add(&m, k->meta);
		ordo_msg_addnum(&m, k->logfd < 0);
		ordo_shim_send(&m, k->keep, k->nkeep);
	}
	struct ordo_msg end = {0};
	ordo_msg_add(&end, ORDO_SHIM_END);
	ordo_msg_addnum(&end, ORDO_SHIM_VERSION);
	ordo_msg_addnum(&end, getpid());
	ordo_shim_send(&end, NULL, 0);
}

// ordo_shim_exit kills every process the shim started, with their process
// groups, reaps them and ends the shim: the pod is being stopped.
static void ordo_shim_exit(void) {
	for (int i = 0; i < nkids; i++)
		if (kids[i].alive) {
			kill(-kids[i].pid, SIGKILL);
			kill(kids[i].pid, SIGKILL);
		}
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
	}
	for (int i = 0; i < nkids; i++) // what the pipes still hold goes to the logs
		for (int j = 0; j < 2; j++)
			while (kids[i].out[j].fd >= 0 && !kids[i].out[j].console && ordo_stream_read(kids[i].logfd, &kids[i].out[j]) > 0) {
			}
	_exit(0);
}

// ordo_kid_gc drops the records the agent forgot, once their logs are
// written.
static void ordo_kid_gc(void) {
	for (int i = 0; i < nkids;) {
		if (kids[i].forgotten && kids[i].logfd < 0) ordo_kid_free(&kids[i]);
		else i++;
	}
}

// ordo_kid_console receives a run's terminal master on its console socket:
// from then on the master is the run's stdout, a copy is kept for the
// next agent and one goes to this one. A socket that ends with none (the
// start failed) ends the stream.
static void ordo_kid_console(struct ordo_kid *k) {
	struct ordo_stream *s = &k->out[0];
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {&byte, 1};
	struct msghdr h = {0};
	h.msg_iov = &iov;
	h.msg_iovlen = 1;
	h.msg_control = ctl;
	h.msg_controllen = sizeof ctl;
	ssize_t n = recvmsg(s->fd, &h, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
	int master = -1;
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&h) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&master, CMSG_DATA(c), sizeof(int));
	close(s->fd);
	s->fd = master;
	s->console = 0;
	if (master < 0) return;
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	int agent = fcntl(master, F_DUPFD_CLOEXEC, 0);
	if (agent < 0) return;
	if (k->nkeep < ORDO_SHIM_MAXFDS) k->keep[k->nkeep++] = fcntl(master, F_DUPFD_CLOEXEC, 0);
	struct ordo_msg m = {0};
	ordo_msg_add(&m, ORDO_SHIM_CONSOLE);
	ordo_msg_add(&m, k->tag);
	ordo_shim_send(&m, &agent, 1);
	close(agent);
}

// ordo_kid_logs copies what a run's pipes hold (those poll found ready,
// ready[0] and ready[1]) into its log; once both have ended it closes the
// log and tells the agent (ORDO_SHIM_DRAINED).
static void ordo_kid_logs(struct ordo_kid *k, const int *ready) {
	if (ready[0] && k->out[0].console) ordo_kid_console(k);
	else if (ready[0] && k->out[0].fd >= 0) ordo_stream_read(k->logfd, &k->out[0]);
	if (ready[1] && k->out[1].fd >= 0) ordo_stream_read(k->logfd, &k->out[1]);
	if (k->logfd < 0 || k->out[0].fd >= 0 || k->out[1].fd >= 0) return;
	close(k->logfd);
	k->logfd = -1;
	struct ordo_msg m = {0};
	ordo_msg_add(&m, ORDO_SHIM_DRAINED);
	ordo_msg_add(&m, k->tag);
	ordo_shim_send(&m, NULL, 0);
}

// ordo_shim_request reads and handles one message from the agent.
static void ordo_shim_request(void) {
	ssize_t size = recv(client, NULL, 0, MSG_PEEK | MSG_TRUNC);
	if (size <= 0) {
		close(client);
		client = -1;
		return;
	}
	char *buf = malloc((size_t)size + 1);
	char ctl[CMSG_SPACE(ORDO_SHIM_MAXFDS * sizeof(int))];
	struct iovec iov = {buf, (size_t)size};
	struct msghdr h = {0};
	h.msg_iov = &iov;
	h.msg_iovlen = 1;
	h.msg_control = ctl;
	h.msg_controllen = sizeof ctl;
	ssize_t n = buf ? recvmsg(client, &h, MSG_CMSG_CLOEXEC) : -1;
	if (n <= 0) {
		free(buf);
		close(client);
		client = -1;
		return;
	}
	buf[n] = 0;
	int fds[ORDO_SHIM_MAXFDS], nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			if (k > ORDO_SHIM_MAXFDS - nfds) k = ORDO_SHIM_MAXFDS - nfds;
			memcpy(fds + nfds, CMSG_DATA(c), (size_t)k * sizeof(int));
			nfds += k;
		}
	char *f[4096];
	int nf = 0;
	for (char *p = buf; p < buf + n && nf < 4096; p += strlen(p) + 1) f[nf++] = p;
	if (nf > 0 && strcmp(f[0], ORDO_SHIM_SPAWN) == 0) {
		ordo_shim_spawn(f, nf, fds, nfds);
		nfds = 0;
	} else if (nf > 0 && strcmp(f[0], ORDO_SHIM_LIST) == 0) {
		ordo_shim_list();
	} else if (nf > 1 && strcmp(f[0], ORDO_SHIM_FORGET) == 0) {
		struct ordo_kid *k = ordo_kid_find(f[1]);
		if (k && !k->alive) k->forgotten = 1;
		ordo_kid_gc();
	} else if (nf > 0 && strcmp(f[0], ORDO_SHIM_EXIT) == 0) {
		ordo_shim_exit();
	}
	for (int i = 0; i < nfds; i++) close(fds[i]);
	free(buf);
}

// ordo_shim_reap records the exits of the shim's children and tells the
// agent, if one is connected.
static void ordo_shim_reap(void) {
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < nkids; i++) {
			struct ordo_kid *k = &kids[i];
			if (k->pid != pid || !k->alive) continue;
			k->alive = 0;
			k->status = status;
			k->finished = ordo_now_ns();
			struct ordo_msg m = {0};
			ordo_msg_add(&m, ORDO_SHIM_EXITED);
			ordo_msg_add(&m, k->tag);
			ordo_msg_addnum(&m, pid);
			ordo_msg_addnum(&m, status);
			ordo_msg_addnum(&m, k->finished);
			ordo_shim_send(&m, NULL, 0);
		}
	}
}

// ordo_shim is a pod's shim (ORDO_SHIM set; fd 3 is its listening socket):
// the parent of the pod's sandbox and containers, which outlives the agent.
// It serves one agent connection at a time; a new connection replaces the
// old. SIGTERM, SIGINT and SIGHUP do not end it (a `pkill ordo` must not
// take the pods with it): "exit" from the agent, or SIGKILL, does. The
// command must be internal-shim as well as ORDO_SHIM set, so that an
// environment that happens to carry the variable (a container's, a
// shell's) never turns another ordo command into a shim.
__attribute__((constructor)) static void ordo_shim(int argc, char **argv, char **envp) {
	(void)envp;
	if (argc < 2 || strcmp(argv[1], ORDO_CMD_SHIM) != 0) return;
	if (getenv(ORDO_ENV_SHIM) == NULL) return;
	int listener = 3;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC);
	if (sfd < 0 || chdir("/") != 0) _exit(126);
	if (stat("/proc/self/exe", &own_exe) != 0) own_exe.st_ino = 0; // every start exec'd
	fcntl(listener, F_SETFD, FD_CLOEXEC);
	ordo_drop_clean_pages();
	struct pollfd *p = NULL;
	int cap = 0;
	for (;;) {
		if (cap < 3 + 2 * nkids) {
			cap = 3 + 2 * nkids + 16;
			p = realloc(p, (size_t)cap * sizeof *p);
			if (p == NULL) _exit(125);
		}
		// sfd, listener, client (or an fd poll ignores), then each run's
		// open output pipes.
		int n = 0;
		p[n++] = (struct pollfd){sfd, POLLIN, 0};
		p[n++] = (struct pollfd){listener, POLLIN, 0};
		p[n++] = (struct pollfd){client, POLLIN, 0};
		for (int i = 0; i < nkids; i++)
			for (int j = 0; j < 2; j++) p[n++] = (struct pollfd){kids[i].out[j].fd, POLLIN, 0};
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR) continue;
			_exit(126);
		}
		for (int i = 0; i < nkids; i++) { // first: nothing below drops a record before
			int ready[2] = {p[3 + 2 * i].revents != 0, p[4 + 2 * i].revents != 0};
			if (ready[0] || ready[1]) ordo_kid_logs(&kids[i], ready);
		}
		ordo_kid_gc();
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			(void)!read(sfd, &si, sizeof si);
			ordo_shim_reap();
		}
		if (p[1].revents & POLLIN) {
			int c = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0) {
				if (client >= 0) close(client);
				client = c;
			}
			continue;
		}
		if (client >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR))) ordo_shim_request();
	}
}
