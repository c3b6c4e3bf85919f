package agent

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/ordo-dev/ordo/internal/runtime"
)

// A pod's processes outlive the agent: each pod has a shim (package
// runtime), the parent of its sandbox and containers, which keeps their
// exit statuses and writes their logs. A starting agent
// adopts them, before it sweeps anything:
//
//	findShims       every pod directory's shim.sock: the pod still in the
//	                API is adopted (its sandbox, its runs' records); a
//	                pod gone from the API has its shim ended (and with it
//	                its processes), its directory then swept
//	sweeps          cgroups, veths and IP leases of pods not adopted go
//	podState        the first sync of an adopted pod rebuilds its record
//	                from the shim's (adoptPod): same sandbox, IP and PIDs,
//	                RESTARTS unchanged, probes and log copies resumed;
//	                an exit that happened meanwhile is recorded with its
//	                code and time
//
// What cannot be adopted (a shim that does not answer, whose sandbox is
// gone, or whose network cannot be found again) is ended and cleaned up,
// and the pod is reported as today after a lost sandbox (SandboxChanged).

// adoption is what a pod's shim handed back.
type adoption struct {
	sandbox  *runtime.Sandbox
	children []runtime.Child
}

// findShims connects to the shim of every pod directory. It runs once the
// pod cache has synced and before any pod is synced.
func (a *Agent) findShims() map[string]*adoption {
	found := map[string]*adoption{}
	entries, err := os.ReadDir(a.podsDir())
	if err != nil {
		return found
	}
	pods, err := a.pods.List(labels.Everything())
	if err != nil {
		a.log("adopt pods: %v", err)
		return found
	}
	byDir := map[string]*corev1.Pod{}
	for _, p := range pods {
		byDir[podDirName(p.Namespace, p.Name, p.UID)] = p
	}
	for _, e := range entries {
		socket := filepath.Join(a.podsDir(), e.Name(), shimSocketName)
		if _, err := os.Lstat(socket); err != nil {
			continue
		}
		p := byDir[e.Name()]
		if p == nil {
			if runtime.EndShim(socket) {
				a.log("pod %s is gone from the API: stopped its processes", e.Name())
			}
			continue
		}
		sb, children, err := a.sandboxes.find(p)
		if err != nil {
			a.log("cannot adopt pod %s/%s: %v", p.Namespace, p.Name, err)
			continue
		}
		found[p.Namespace+"/"+p.Name] = &adoption{sandbox: sb, children: children}
	}
	return found
}

// sweepAllBut removes the cgroups, veths and IP leases of every pod not
// adopted: they belonged to processes that are gone.
func (a *Agent) sweepAllBut(adopted map[string]*adoption) {
	uids := map[string]bool{}
	for key, ad := range adopted {
		ns, name, _ := strings.Cut(key, "/")
		if p, err := a.pods.Pods(ns).Get(name); err == nil && ad != nil {
			uids[string(p.UID)] = true
		}
	}
	if a.cfg.Cgroups != nil {
		a.cfg.Cgroups.Sweep(func(id string) bool {
			uid, _, _ := strings.Cut(id, "_")
			return uids[uid]
		})
	}
	a.sandboxes.sweepNetwork(uids)
}

// takeAdoption returns and forgets what key's shim handed back, if any,
// and whether it was the last one.
func (a *Agent) takeAdoption(key string) (*adoption, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ad := a.adoptions[key]
	delete(a.adoptions, key)
	return ad, ad != nil && len(a.adoptions) == 0
}

// adopted logs that the last adopted pod has been taken over: the figure
// of how long pods go without an agent across a restart.
func (a *Agent) adopted() {
	a.log("took over all %d adopted pods, %s after start", a.adopting, time.Since(a.started).Round(time.Millisecond))
}

// adoptPod rebuilds st, which restore made from the reported status, from
// the pod's shim. On failure it ends the shim and leaves st as restore
// made it: the pod's runs are reported lost.
func (a *Agent) adoptPod(key string, p *corev1.Pod, st *pod, ad *adoption) {
	ip, err := a.sandboxes.reconnect(p, ad.sandbox)
	if err != nil {
		a.log("cannot adopt pod %s: %v", key, err)
		for _, ch := range ad.children {
			closeFiles(ch.Files)
		}
		ad.sandbox.Stop()
		return
	}
	if ip != "" {
		st.ip = ip
	}
	st.sandbox = ad.sandbox
	st.lostToRestart, st.lostIP = false, ""
	st.warnedFields, st.warnedNetwork = true, true
	latest := map[string]runtime.Child{}
	metas := map[string]runMeta{}
	for _, ch := range ad.children {
		m, err := decodeRunMeta(ch.Meta)
		name, _, ok := parseRunTag(ch.Tag)
		if err != nil || !ok || findContainer(p, name) == nil {
			a.log("pod %s: cannot adopt run %s: %v", key, ch.Tag, err)
			ch.Proc.Signal(syscall.SIGKILL)
			closeFiles(ch.Files)
			continue
		}
		if prev, seen := metas[name]; seen && prev.Run > m.Run {
			closeFiles(ch.Files)
			continue
		} else if seen {
			closeFiles(latest[name].Files)
		}
		latest[name], metas[name] = ch, m
	}
	for name, ch := range latest {
		a.adoptRun(key, p, st, metas[name], ch)
	}
	if st.anyRunning() {
		if err := a.prepareMounts(a.ctx, p, st); err != nil {
			a.log("pod %s: volumes: %v", key, err)
		}
	}
}

// adoptRun takes over one container run: its log pipes, and either its
// live process (probes resumed) or the exit it made while no agent was
// there. A warm runner's container is killed instead, to be restarted:
// its slot loop cannot be resumed (see the README).
func (a *Agent) adoptRun(key string, p *corev1.Pod, st *pod, m runMeta, ch runtime.Child) {
	c := st.container(m.Container)
	c.exited, c.last = false, termination{}
	if t := earlierTermination(p, m.Container); t != nil {
		c.exited, c.last = true, fromStatus(t)
	}
	c.runs, c.restarts = m.Run+1, int32(m.Run)
	c.crashes, c.notUntil, c.waiting, c.waitingMsg = 0, a.cfg.Clock.Now(), "", ""
	c.started, c.env, c.termLog = m.Started, m.Env, m.TermLog
	c.cgroup, c.cgroupDirs = m.Cgroup, m.CgroupDir
	c.stdin = nil
	if n := len(ch.Files); m.Stdin && n > 0 {
		c.stdin = &containerStdin{w: ch.Files[n-1]}
		ch.Files = ch.Files[:n-1]
	} else if m.TTY && n > 0 {
		c.stdin = &containerStdin{w: ch.Files[n-1], tty: true}
		ch.Files = ch.Files[:n-1]
	}
	c.imageID = m.ImageID
	if m.Creds != nil {
		c.creds = *m.Creds
	}
	out := a.adoptLog(p, m.Container, m.Run, st.sandbox, ch)
	c.proc = ch.Proc
	if m.Warm {
		ch.Proc.Signal(syscall.SIGKILL)
	} else if spec := findContainer(p, m.Container); spec != nil {
		a.startProbes(key, p, st, c, spec, c.env)
	}
	go a.watchExit(key, st, c, ch.Proc, fallbackFor(findContainer(p, m.Container), out))
}

// earlierTermination is the last termination the status reports for a
// container before its current run.
func earlierTermination(p *corev1.Pod, name string) *corev1.ContainerStateTerminated {
	all := append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
	for _, cs := range all {
		if cs.Name != name {
			continue
		}
		if cs.State.Running != nil || cs.State.Terminated == nil {
			return cs.LastTerminationState.Terminated
		}
		return cs.State.Terminated
	}
	return nil
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}
