package agent

import (
	"context"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/agent/podenv"
	"github.com/ordo-dev/ordo/internal/agent/probe"
	"github.com/ordo-dev/ordo/internal/runtime"
)

// start starts one container: the I/O around planStart and the container
// transitions. False means it could not be configured and should be tried
// again later (at the container's notUntil, or configErrorRetry).
func (a *Agent) start(ctx context.Context, key string, p *corev1.Pod, st *pod, name string) bool {
	spec := findContainer(p, name)
	c := st.container(name)
	now := a.cfg.Clock.Now()
	if st.sandbox == nil && !a.startSandbox(p, st) {
		return false
	}
	if err := a.prepareMounts(ctx, p, st); err != nil {
		a.mountFailed(p, c, err, now)
		return false
	}
	if !a.prepareImageVolumes(ctx, p, st, c, spec, now) {
		return false
	}
	c.mountRetry = 0
	root, ok := a.rootFor(ctx, p, c, spec, now)
	if !ok {
		return false
	}
	// The run starts now, not when this attempt began: volume setup (a
	// pod certificate waits for its signer) and the image's root can take
	// seconds, and startedAt is the process's start, as the kubelet
	// reports it.
	now = a.cfg.Clock.Now()
	plan, err := a.resolveAndPlan(ctx, p, st, spec, root)
	if err == nil {
		plan.mounts, err = a.withTerminationLog(p, spec, c, plan.mounts)
	}
	if err != nil {
		c.cannotStart(startErrorReason(err), err.Error(), now.Add(configErrorRetry))
		a.event(p, corev1.EventTypeWarning, "Failed", "Error: %v", err)
		return false
	}
	target, err := targetProcess(p, st, name)
	if err != nil {
		c.cannotStart("CreateContainerError", err.Error(), now.Add(configErrorRetry))
		a.event(p, corev1.EventTypeWarning, "Failed", "Error: %v", err)
		return false
	}
	out, err := a.openLog(p, name, c.runs, st.sandbox)
	if err != nil {
		c.cannotStart("CreateContainerError", err.Error(), now.Add(configErrorRetry))
		return false
	}
	cgroupID, cgroupDirs, err := a.cgroupFor(p, spec, c.runs)
	if err != nil {
		out.started(nil)
		c.cannotStart("CreateContainerError", err.Error(), now.Add(configErrorRetry))
		return false
	}
	hold, holdEnd, err := a.holdFor(p, name)
	if err != nil {
		out.started(nil)
		c.cannotStart("CreateContainerError", err.Error(), now.Add(configErrorRetry))
		return false
	}
	// A pod whose shim predates terminals (protocol 2) runs a tty: true
	// container as before them, reading a stdin pipe.
	tty := spec.TTY && st.sandbox.GivesTerminals()
	stdinR, stdin, stdinKeep, err := newStdin(spec, tty)
	if err != nil {
		out.started(nil)
		if holdEnd != nil {
			holdEnd.Close()
			hold.Close()
		}
		c.cannotStart("CreateContainerError", err.Error(), now.Add(configErrorRetry))
		return false
	}
	keep := out.keep
	if stdinKeep != nil {
		keep = append(append([]*os.File(nil), keep...), stdinKeep)
	}
	run := c.runs
	creds := plan.credentials()
	meta := runMeta{Container: name, Run: run, Started: now, Env: plan.env, Creds: &creds, TermLog: c.termLog,
		Cgroup: cgroupID, CgroupDir: cgroupDirs, Warm: hold != nil, Stdin: stdinKeep != nil, TTY: tty, ImageID: root.imageID}
	proc, err := a.cfg.Runtime.StartContainer(runtime.ContainerConfig{
		Sandbox: st.sandbox, Argv: plan.argv, Env: plan.env,
		WorkingDir: plan.workingDir, UID: plan.uid, GID: plan.gid, Stdout: out.stdout, Stderr: out.stderr,
		Groups: plan.groups, NoNewPrivileges: plan.noNewPrivileges, Capabilities: plan.capabilities, ReadOnlyRoot: plan.readOnlyRoot,
		Mounts: plan.mounts, Copies: plan.copies, Layers: plan.layers, Cgroups: cgroupDirs, Hold: holdEnd,
		Tag: runTag(name, run), Meta: meta.encode(), Keep: keep, Target: target, LogTo: out.logTo, Stdin: stdinR,
		TTY: tty,
	})
	out.started(proc)
	if stdinR != nil {
		stdinR.Close() // the container has its copy
	}
	if run > 0 {
		st.sandbox.Forget(runTag(name, run-1)) // its exit is recorded
	}
	if holdEnd != nil {
		holdEnd.Close() // the container has its copy
		if err != nil {
			hold.Close()
		}
	}
	c.beginRun(cgroupID)
	c.cgroupDirs = cgroupDirs
	if err != nil {
		stdin.close()
		c.startFailed(err, p.Spec.RestartPolicy, now)
		a.event(p, corev1.EventTypeWarning, "Failed", "Error: %v", err)
		return true
	}
	c.runStarted(proc, plan.env, now)
	c.stdin = stdin
	c.creds = creds
	c.imageID = root.imageID
	if tty {
		if c.stdin, err = terminalOf(proc); err != nil {
			klog.FromContext(ctx).Error(err, "No terminal for attach", "pod", key, "container", name)
		}
	}
	a.startWarm(p, st, c, hold)
	a.startProbes(key, p, st, c, spec, c.env)
	a.postStart(p, spec, proc, probe.Target{PodIP: a.podIP(p, st), Container: spec, Exec: a.execIn(c)})
	a.event(p, corev1.EventTypeNormal, "Created", "Created container: %s", name)
	a.event(p, corev1.EventTypeNormal, "Started", "Started container %s", name)
	go a.watchExit(key, st, c, proc, fallbackFor(spec, out))
	return true
}

// resolveAndPlan resolves the container's environment (reading the
// ConfigMaps, Secrets and Services it names) and plans its start.
func (a *Agent) resolveAndPlan(ctx context.Context, p *corev1.Pod, st *pod, spec *corev1.Container, root containerRoot) (startPlan, error) {
	resolved, err := podenv.Resolve(podenv.Input{
		Pod: withAddresses(p, a.cfg.NodeIP, a.podIP(p, st)), Container: spec,
		Sources: apiSources{ctx: ctx, a: a}, Allocatable: a.allocatable(),
		ServiceEnv: a.serviceLinks(p),
	})
	if err != nil {
		return startPlan{}, err
	}
	plan, err := planStart(startInput{pod: p, spec: spec, resolved: resolved, volumes: st.volumes, etcMounts: st.etcMounts,
		images: a.cfg.Images, imageVolumes: filepath.Join(a.podDir(p), "image-volumes", spec.Name), passwd: hostPasswd,
		image: root.image, userFiles: root.files})
	for _, dir := range plan.imageVolumes {
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
	}
	return plan, err
}
