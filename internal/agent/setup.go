package agent

import (
	"context"

	corev1 "k8s.io/api/core/v1"
)

// A pod's setup, before its first container starts (launch.go's start):
// its sandbox (sandbox.go), then its volumes (package volume) and /etc
// files, once, then its image volumes as their images arrive
// (imagevolumes.go); each container's volumeMounts are then mapped onto them
// (volume.ContainerMounts, in planStart). The sandbox goes when the pod
// has finished (apply.go) or is killed (stop.go).

// startSandbox starts the pod's sandbox into st, with a
// FailedCreatePodSandBox event if it cannot. A node without pod networking
// runs the pod on the host network and says so in a warning event.
func (a *Agent) startSandbox(p *corev1.Pod, st *pod) bool {
	sb, ip, err := a.sandboxes.start(p)
	if err != nil {
		if se, ok := err.(*sandboxError); ok && se.what == failedHostPorts {
			st.ip = "" // the address it had was freed
		}
		a.event(p, corev1.EventTypeWarning, "FailedCreatePodSandBox", "%v", err)
		return false
	}
	if ip != "" {
		st.ip = ip
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
	a.sandboxes.stop(st.uid, st.sandbox, st.ip)
	st.sandbox = nil
}

// prepareMounts prepares the pod's volumes (package volume) and /etc files
// once.
func (a *Agent) prepareMounts(ctx context.Context, p *corev1.Pod, st *pod) error {
	if st.volumes != nil {
		return nil
	}
	vols, err := a.volumes.Prepare(ctx, p)
	if err != nil {
		return err
	}
	etc, err := a.sandboxes.etcFiles(p, a.podIP(p, st))
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
