package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestSidecarContainers: an init container with restartPolicy Always is a
// sidecar. The next container starts only once its startup probe passes;
// it keeps running beside the main container, is restarted when it exits
// (restartPolicy Never or not), and is stopped once the main container is
// done, so the pod Succeeds.
func TestSidecarContainers(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: with-sidecar}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  volumes: [{name: shared, emptyDir: {}}]
  initContainers:
  - name: sidecar
    image: busybox
    restartPolicy: Always
    volumeMounts: [{name: shared, mountPath: /shared}]
    command: [sh, -c, 'sleep 1; date +%s%N > /shared/up; echo run >> /shared/runs; [ $(wc -l < /shared/runs) -ge 2 ] || exit 3; exec sleep 3600']
    startupProbe:
      exec: {command: [test, -f, /shared/up]}
      periodSeconds: 1
  containers:
  - name: main
    image: busybox
    volumeMounts: [{name: shared, mountPath: /shared}]
    command: [sh, -c, 'test -f /shared/up && echo sidecar-was-up; until [ $(wc -l < /shared/runs) -ge 2 ]; do sleep 0.2; done; echo restarted']
`, "apply", "-f", "-")
	p := waitPhase(t, cs, "with-sidecar", corev1.PodSucceeded)
	if got := c.Run("logs", "with-sidecar", "-c", "main"); !strings.Contains(got, "sidecar-was-up") || !strings.Contains(got, "restarted") {
		t.Errorf("main container: %q (want it started after the sidecar's startup probe, and the crashed sidecar restarted)", got)
	}
	waitFor(t, func() bool {
		var err error
		p, err = cs.CoreV1().Pods("default").Get(context.Background(), "with-sidecar", metav1.GetOptions{})
		return err == nil && len(p.Status.InitContainerStatuses) == 1 && p.Status.InitContainerStatuses[0].State.Terminated != nil
	}, "the sidecar stopped after the main container")
	sc := p.Status.InitContainerStatuses[0]
	if sc.RestartCount < 1 {
		t.Errorf("sidecar restarts %d, want at least 1 (it exited 3 once under restartPolicy Never)", sc.RestartCount)
	}
	if events := c.Run("get", "events", "--field-selector", "involvedObject.name=with-sidecar,reason=UnsupportedFields"); strings.Contains(events, "restartPolicy") {
		t.Errorf("a sidecar's restartPolicy was warned about: %s", events)
	}
}

// TestSidecarsStopAfterTheMainContainers: on deletion the main
// container's preStop hook runs while the sidecar still serves (here the
// hook is an httpGet the sidecar answers), and the sidecar is stopped
// only after, as in Kubernetes.
func TestSidecarsStopAfterTheMainContainers(t *testing.T) {
	t.Parallel()
	c, _, _ := startWithAgent(t)
	out := t.TempDir()
	c.RunIn(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: hooked}
spec:
  terminationGracePeriodSeconds: 10
  volumes: [{name: out, hostPath: {path: %s}}]
  initContainers:
  - name: web
    image: busybox
    restartPolicy: Always
    volumeMounts: [{name: out, mountPath: /out}]
    command: [sh, -c, 'cd /tmp && exec python3 -m http.server 8080 2>> /out/requests']
    startupProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
  containers:
  - name: main
    image: busybox
    command: [sleep, "3600"]
    lifecycle: {preStop: {httpGet: {path: /prestop, port: 8080}}}
`, out), "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/hooked", "--timeout=60s")
	c.Run("delete", "pod", "hooked", "--timeout=60s")
	b, err := os.ReadFile(filepath.Join(out, "requests"))
	if err != nil || !strings.Contains(string(b), "GET /prestop") {
		t.Errorf("the sidecar did not serve the main container's preStop hook: %q, %v", b, err)
	}
}
