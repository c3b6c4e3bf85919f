package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ordo-dev/ordo/internal/agent/logs"
	"github.com/ordo-dev/ordo/internal/agent/podenv"
	"github.com/ordo-dev/ordo/internal/agent/probe"
	"github.com/ordo-dev/ordo/internal/runtime"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// configErrorRetry is how soon a container whose configuration could not be
// resolved (a missing Secret, say) is tried again.
const configErrorRetry = 10 * time.Second

// Volume mounts are retried sooner, with the kubelet volume manager's
// doubling back-off: a pod made in a new namespace may start before the
// namespace's kube-root-ca.crt, which its token volume projects, exists.
const (
	firstMountRetry = 500 * time.Millisecond
	maxMountRetry   = 2*time.Minute + 2*time.Second
)

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// apply carries out d for pod p; the caller holds st.mu. It returns when to
// sync again.
func (a *Agent) apply(ctx context.Context, p *corev1.Pod, st *pod, d decision) time.Duration {
	st.restartPolicy = p.Spec.RestartPolicy
	requeue := d.requeue
	wake := func(after time.Duration) {
		if after > 0 && (requeue == 0 || after < requeue) {
			requeue = after
		}
	}
	if d.fail && (d.failReason != "" || d.failMessage != "") {
		st.failedReason, st.failedMessage = d.failReason, d.failMessage
	}
	if d.stop {
		wake(a.stop(p, st))
	}
	key := p.Namespace + "/" + p.Name
	for _, name := range d.start {
		if !a.start(ctx, key, p, st, name) {
			retry := configErrorRetry
			if after := st.container(name).notUntil.Sub(a.cfg.Clock.Now()); after > 0 {
				retry = after
			}
			wake(retry)
		}
	}
	if ph := phase(p, st); (ph == corev1.PodSucceeded || ph == corev1.PodFailed) && !st.anyRunning() {
		a.stopSandbox(st)
		a.releaseMemoryVolumes(p, st)
	}
	return requeue
}

// stop sends SIGTERM to every running container once, and SIGKILL when the
// grace period is over. Like the kubelet, it counts a deleted pod's
// deletionGracePeriodSeconds from when it sees the deletion (deletionTimestamp
// has only second precision).
func (a *Agent) stop(p *corev1.Pod, st *pod) time.Duration {
	now := a.cfg.Clock.Now()
	if !st.killSent {
		st.killSent = true
		st.killAt = now.Add(gracePeriod(p))
		for _, c := range st.containers {
			if c.running() {
				a.event(p, corev1.EventTypeNormal, "Killing", "Stopping container %s", c.name)
				a.preStopThenTerm(p, c, findContainer(p, c.name), st.killAt)
			}
		}
	}
	if !now.Before(st.killAt) {
		for _, c := range st.containers {
			if c.running() {
				c.proc.Signal(syscall.SIGKILL)
			}
		}
		return time.Second
	}
	return st.killAt.Sub(now)
}

func gracePeriod(p *corev1.Pod) time.Duration {
	if p.DeletionGracePeriodSeconds != nil {
		return time.Duration(*p.DeletionGracePeriodSeconds) * time.Second
	}
	if p.Spec.TerminationGracePeriodSeconds == nil {
		return 30 * time.Second
	}
	return time.Duration(*p.Spec.TerminationGracePeriodSeconds) * time.Second
}

// killNow kills everything of a pod at once and waits for the sandbox.
func (a *Agent) killNow(st *pod) {
	for _, c := range st.containers {
		if c.running() {
			c.proc.Signal(syscall.SIGKILL)
		}
	}
	a.stopSandbox(st)
}

// start starts one container; false means it could not be configured and
// should be tried again later.
func (a *Agent) start(ctx context.Context, key string, p *corev1.Pod, st *pod, name string) bool {
	spec := findContainer(p, name)
	c := st.container(name)
	now := a.cfg.Clock.Now()
	if st.sandbox == nil && !a.startSandbox(p, st) {
		return false
	}
	if err := a.prepareMounts(ctx, p, st); err != nil {
		c.mountRetry = min(max(2*c.mountRetry, firstMountRetry), maxMountRetry)
		c.waiting, c.waitingMsg, c.notUntil = "ContainerCreating", "", now.Add(c.mountRetry)
		a.event(p, corev1.EventTypeWarning, "FailedMount", "%v", err)
		return false
	}
	c.mountRetry = 0
	resolved, err := podenv.Resolve(podenv.Input{
		Pod: withAddresses(p, a.cfg.NodeIP, a.podIP(p, st)), Container: spec,
		Sources: apiSources{ctx: ctx, a: a}, Allocatable: a.nodeStatus().Allocatable,
		ServiceEnv: a.serviceLinks(p),
	})
	var mounts []runtime.Mount
	if err == nil {
		// After the environment: subPathExpr expands from it.
		mounts, err = containerMounts(p, spec, st.volumes, st.etcMounts, resolved.Env)
	}
	if err == nil {
		mounts, err = a.withTerminationLog(p, spec, c, mounts)
	}
	uid, gid := runAs(p, spec)
	if err == nil {
		err = nonRootViolation(p, spec, uid)
	}
	if err != nil {
		c.waiting, c.waitingMsg, c.notUntil = "CreateContainerConfigError", err.Error(), now.Add(configErrorRetry)
		a.event(p, corev1.EventTypeWarning, "Failed", "Error: %v", err)
		return false
	}
	argv := resolved.Args
	if len(resolved.Command) > 0 {
		argv = append(append([]string{}, resolved.Command...), resolved.Args...)
	}
	out, err := a.openLog(p, name, c.runs)
	if err != nil {
		c.waiting, c.waitingMsg, c.notUntil = "CreateContainerError", err.Error(), now.Add(configErrorRetry)
		return false
	}
	cgroupID, cgroupDirs, err := a.cgroupFor(p, spec, c.runs)
	if err != nil {
		out.started()
		c.waiting, c.waitingMsg, c.notUntil = "CreateContainerError", err.Error(), now.Add(configErrorRetry)
		return false
	}
	proc, err := a.cfg.Runtime.StartContainer(runtime.ContainerConfig{
		Sandbox: st.sandbox, Argv: argv, Env: withDefaults(resolved.Env, hostname(p)),
		WorkingDir: spec.WorkingDir, UID: uid, GID: gid, Stdout: out.stdout, Stderr: out.stderr,
		Groups: supplementalGroups(p), NoNewPrivileges: noNewPrivileges(spec),
		Mounts: mounts, Cgroups: cgroupDirs,
	})
	out.started()
	c.cgroup = cgroupID
	if c.runs > 0 {
		c.restarts++
	}
	c.runs++
	c.waiting, c.waitingMsg = "", ""
	if err != nil {
		c.exited = true
		c.last = termination{code: 128, reason: "StartError", message: err.Error(), started: now, finished: now}
		a.crashed(p, c)
		a.event(p, corev1.EventTypeWarning, "Failed", "Error: %v", err)
		return true
	}
	c.proc, c.started = proc, now
	c.env = withDefaults(resolved.Env, hostname(p))
	a.startProbes(key, p, st, c, spec, c.env)
	a.postStart(p, spec, proc, probe.Target{PodIP: a.podIP(p, st), Container: spec, Exec: execIn(proc, c.env)})
	a.event(p, corev1.EventTypeNormal, "Created", "Created container: %s", name)
	a.event(p, corev1.EventTypeNormal, "Started", "Started container %s", name)
	go a.watchExit(key, st, c, proc)
	return true
}

// serviceLinks are the service-link variables of p's containers. The
// Services are read when a container starts, as the kubelet reads them; a
// Service made later is not in the environment of what already runs.
func (a *Agent) serviceLinks(p *corev1.Pod) []corev1.EnvVar {
	if a.services == nil {
		return nil
	}
	// Only what can be linked, through the informer's namespace index: the
	// pod's namespace, and the API's Service; not every Service there is.
	services, err := a.services.Services(p.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	if p.Namespace != metav1.NamespaceDefault {
		if api, err := a.services.Services(metav1.NamespaceDefault).Get("kubernetes"); err == nil {
			services = append(services, api)
		}
	}
	return podenv.ServiceLinks(p, services)
}

// watchExit records a container's exit and syncs its pod.
func (a *Agent) watchExit(key string, st *pod, c *container, proc *runtime.Process) {
	<-proc.Done()
	st.mu.Lock()
	if c.proc == proc {
		c.stopProbes()
		exit := proc.Exit()
		reason := "Completed"
		if exit.Code != 0 {
			reason = "Error"
		}
		if c.cgroup != "" && a.cfg.Cgroups != nil {
			if a.cfg.Cgroups.OOMKilled(c.cgroup) {
				reason = "OOMKilled"
			}
			a.cfg.Cgroups.Remove(c.cgroup)
			c.cgroup = ""
		}
		c.proc, c.exited = nil, true
		c.last = termination{code: int32(exit.Code), reason: reason, message: terminationMessage(c.termLog),
			started: c.started, finished: exit.FinishedAt}
		if shouldRestart(st.restartPolicy, c.last.code) {
			c.crashes = nextCrashes(c.crashes, c.last.finished.Sub(c.last.started))
			c.notUntil = c.last.finished.Add(restartDelay(c.crashes))
		}
	}
	st.mu.Unlock()
	a.queue.Add(key)
}

// crashed starts the back-off of a container that will be restarted.
func (a *Agent) crashed(p *corev1.Pod, c *container) {
	if shouldRestart(p.Spec.RestartPolicy, c.last.code) {
		c.crashes = nextCrashes(c.crashes, c.last.finished.Sub(c.last.started))
		c.notUntil = c.last.finished.Add(restartDelay(c.crashes))
	}
}

func findContainer(p *corev1.Pod, name string) *corev1.Container {
	for i := range p.Spec.InitContainers {
		if p.Spec.InitContainers[i].Name == name {
			return &p.Spec.InitContainers[i]
		}
	}
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == name {
			return &p.Spec.Containers[i]
		}
	}
	return nil
}

// hostname is spec.hostname, else the pod's name, as in Kubernetes.
func hostname(p *corev1.Pod) string {
	h := p.Spec.Hostname
	if h == "" {
		h = p.Name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

// runAs is the container's user and group, falling back to the pod's.
func runAs(p *corev1.Pod, c *corev1.Container) (uid, gid *int64) {
	if sc := p.Spec.SecurityContext; sc != nil {
		uid, gid = sc.RunAsUser, sc.RunAsGroup
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = sc.RunAsGroup
		}
	}
	return uid, gid
}

// withDefaults adds what a container runtime always sets: PATH when the
// container has none, and HOSTNAME.
func withDefaults(env []string, host string) []string {
	out := make([]string, 0, len(env)+2)
	hasPath := false
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			hasPath = true
		}
	}
	if !hasPath {
		out = append(out, defaultPath)
	}
	out = append(out, "HOSTNAME="+host)
	return append(out, env...)
}

// podDir holds a pod's logs, /etc files and volumes:
// <data-dir>/pods/<namespace>_<name>_<uid> (see poddirs.go).
func (a *Agent) podDir(p *corev1.Pod) string {
	return filepath.Join(a.podsDir(), podDirName(p.Namespace, p.Name, p.UID))
}

// logPath is run n of a container's log (Kubernetes keeps one file per
// restart: <container>/<n>.log).
func (a *Agent) logPath(p *corev1.Pod, name string, n int) string {
	return filepath.Join(a.podDir(p), name, fmt.Sprintf("%d.log", n))
}

// containerOutput is the write ends of a run's stdout and stderr pipes.
type containerOutput struct {
	stdout, stderr *os.File
	file           *logs.File
	wait           []func()
}

// openLog opens the log of run n and the pipes that feed it.
func (a *Agent) openLog(p *corev1.Pod, name string, n int) (*containerOutput, error) {
	path := a.logPath(p, name, n)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	lf, err := logs.Create(path, a.cfg.Clock.Now)
	if err != nil {
		return nil, err
	}
	out := &containerOutput{file: lf}
	for _, stream := range []string{"stdout", "stderr"} {
		w, wait, err := lf.Pipe(stream)
		if err != nil {
			out.started()
			return nil, err
		}
		if stream == "stdout" {
			out.stdout = w
		} else {
			out.stderr = w
		}
		out.wait = append(out.wait, wait)
	}
	return out, nil
}

// started closes the agent's copies of the write ends (the process holds its
// own) and closes the file once both streams are drained.
func (o *containerOutput) started() {
	for _, w := range []*os.File{o.stdout, o.stderr} {
		if w != nil {
			w.Close()
		}
	}
	go func() {
		for _, wait := range o.wait {
			wait()
		}
		o.file.Close()
	}()
}

func (a *Agent) event(p *corev1.Pod, kind, reason, format string, args ...interface{}) {
	if a.recorder != nil {
		a.recorder.Eventf(p, kind, reason, format, args...)
	}
}

// apiSources reads the ConfigMaps and Secrets env references name.
type apiSources struct {
	ctx context.Context
	a   *Agent
}

func (s apiSources) ConfigMap(ns, name string) (*corev1.ConfigMap, error) {
	return s.a.cfg.Client.CoreV1().ConfigMaps(ns).Get(s.ctx, name, metav1.GetOptions{})
}

func (s apiSources) Secret(ns, name string) (*corev1.Secret, error) {
	return s.a.cfg.Client.CoreV1().Secrets(ns).Get(s.ctx, name, metav1.GetOptions{})
}

// withAddresses is p with the addresses the agent is about to report, so
// fieldRefs to status.podIP and status.hostIP resolve on the first start.
func withAddresses(p *corev1.Pod, hostIP, podIP string) *corev1.Pod {
	c := *p
	c.Status.HostIP, c.Status.PodIP = hostIP, podIP
	c.Status.HostIPs, c.Status.PodIPs = []corev1.HostIP{{IP: hostIP}}, []corev1.PodIP{{IP: podIP}}
	return &c
}

// cgroupFor creates the cgroups of run n of a container with its limits.
// Without cgroups, limits are not enforced and the pod gets a warning event.
func (a *Agent) cgroupFor(p *corev1.Pod, spec *corev1.Container, n int) (string, []string, error) {
	l := limitsOf(spec)
	if a.cfg.Cgroups == nil {
		if l != (runtime.Limits{}) {
			a.event(p, corev1.EventTypeWarning, "ResourceLimitsNotEnforced",
				"container %s sets resources but this node has no usable cgroups: they are not enforced", spec.Name)
		}
		return "", nil, nil
	}
	id := fmt.Sprintf("%s_%s_%d", p.UID, spec.Name, n)
	dirs, err := a.cfg.Cgroups.Create(id, l)
	return id, dirs, err
}

// limitsOf maps resources onto cgroup limits as the kubelet does: memory
// and cpu limits as hard limits, the cpu request as relative shares.
func limitsOf(c *corev1.Container) runtime.Limits {
	var l runtime.Limits
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		l.MemoryBytes = q.Value()
	}
	if q, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		l.CPUMillis = q.MilliValue()
	}
	if q, ok := c.Resources.Requests[corev1.ResourceCPU]; ok {
		shares := uint64(q.MilliValue()) * 1024 / 1000
		if shares < 2 {
			shares = 2
		}
		l.CPUShares = shares
	}
	return l
}

// prepareMounts prepares the pod's volumes and /etc files once; each
// container's volumeMounts are then mapped onto them (containerMounts).
func (a *Agent) prepareMounts(ctx context.Context, p *corev1.Pod, st *pod) error {
	if st.volumes != nil {
		return nil
	}
	vols, err := a.prepareVolumes(ctx, p)
	if err != nil {
		return err
	}
	etc, err := a.writeEtcFiles(p, a.podIP(p, st))
	if err != nil {
		return err
	}
	st.volumes, st.etcMounts = vols, etc
	return nil
}

// podIP is the pod's own IP, the node's on the host network, or "" while a
// pod with its own network has no sandbox yet.
func (a *Agent) podIP(p *corev1.Pod, st *pod) string {
	switch {
	case st.ip != "":
		return st.ip
	case p.Spec.HostNetwork || a.cfg.Network == nil:
		return a.cfg.NodeIP
	}
	return ""
}

// startSandbox starts the pod's sandbox and, unless the pod uses the host
// network, gives its network namespace an IP. A node without pod networking
// runs the pod on the host network and says so in a warning event.
func (a *Agent) startSandbox(p *corev1.Pod, st *pod) bool {
	cfg := sandboxConfig(p, a.cfg.Network != nil)
	hostNet := cfg.HostNetwork
	sb, err := a.cfg.Runtime.StartSandbox(cfg)
	if err != nil {
		a.event(p, corev1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
		return false
	}
	if !hostNet {
		ip, err := a.cfg.Network.Setup(string(p.UID), sb.PID())
		if err != nil {
			sb.Stop()
			a.event(p, corev1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to set up the pod network: %v", err)
			return false
		}
		st.ip = ip.String()
	}
	st.sandbox = sb
	if !st.warnedFields {
		st.warnedFields = true
		a.warnUnsupported(p)
	}
	if a.cfg.Network == nil && !p.Spec.HostNetwork && !st.warnedNetwork {
		st.warnedNetwork = true
		a.event(p, corev1.EventTypeWarning, "HostNetworkFallback",
			"this node has no pod networking (not root, or the bridge could not be set up): the pod shares the host's network")
	}
	return true
}

// stopSandbox stops the sandbox and frees the pod's address.
func (a *Agent) stopSandbox(st *pod) {
	if st.sandbox == nil {
		return
	}
	st.sandbox.Stop()
	st.sandbox = nil
	if st.ip != "" && a.cfg.Network != nil {
		if err := a.cfg.Network.Teardown(st.uid); err != nil {
			a.log("tear down network of pod %s: %v", st.uid, err)
		}
	}
}
