package e2e

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestSubPathSymlinkCannotReachTheHost: an init container turns a subPath
// of the pod's emptyDir into a symlink to the host's /etc; the container
// that mounts that subPath must not get the host's /etc (Kubernetes'
// CVE-2017-1002101): its start is refused with an error saying so, while a
// subPath through a link inside the volume still works.
func TestSubPathSymlinkCannotReachTheHost(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: escape}
spec:
  restartPolicy: Never
  initContainers:
  - name: plant
    image: busybox:1.36
    command: [sh, -c, 'ln -s /etc /scratch/evil && mkdir -p /scratch/real && echo inside > /scratch/real/f && ln -s real /scratch/good']
    volumeMounts: [{name: scratch, mountPath: /scratch}]
  containers:
  - name: read
    image: busybox:1.36
    command: [sh, -c, 'cat /x/hostname /x/shadow; ls /x']
    volumeMounts: [{name: scratch, mountPath: /x, subPath: evil}]
  volumes: [{name: scratch, emptyDir: {}}]
---
apiVersion: v1
kind: Pod
metadata: {name: inside}
spec:
  restartPolicy: Never
  initContainers:
  - name: plant
    image: busybox:1.36
    command: [sh, -c, 'mkdir -p /scratch/real && echo inside > /scratch/real/f && ln -s real /scratch/good']
    volumeMounts: [{name: scratch, mountPath: /scratch}]
  containers:
  - name: read
    image: busybox:1.36
    command: [cat, /x/f]
    volumeMounts: [{name: scratch, mountPath: /x, subPath: good}]
  volumes: [{name: scratch, emptyDir: {}}]
`, "apply", "-f", "-")
	p := waitPod(t, cs, "escape", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "CreateContainerConfigError"
	}, "the escaping subPath is refused")
	if msg := p.Status.ContainerStatuses[0].State.Waiting.Message; !strings.Contains(msg, "leads out of its volume") {
		t.Errorf("waiting message %q", msg)
	}
	waitPhase(t, cs, "inside", corev1.PodSucceeded)
	if got := strings.TrimSpace(c.Run("logs", "inside")); got != "inside" {
		t.Errorf("a subPath through a link inside the volume printed %q", got)
	}
}
