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

// TestPreBoundPersistentVolumeClaimIsMounted: a claim pre-bound to a
// hostPath PersistentVolume (spec.volumeName) is mounted into the pod and
// what the pod writes lands in the volume's directory; a claim bound to
// nothing (of no class, so nothing provisions it) fails the mount with an
// event, never silently.
func TestPreBoundPersistentVolumeClaimIsMounted(t *testing.T) {
	c, cs, _ := startWithAgent(t)
	dir := t.TempDir()
	c.RunIn(`apiVersion: v1
kind: PersistentVolume
metadata:
  name: backup-pv
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: `+dir+`, type: Directory}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: backup-data
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  volumeName: backup-pv
  storageClassName: ""
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: unbound
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  storageClassName: ""
---
`+claimPod("writer", "backup-data", "/backup", "echo dump > /backup/all.sql")+`---
apiVersion: v1
kind: Pod
metadata:
  name: stuck
spec:
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: unbound}
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    volumeMounts: [{name: data, mountPath: /data}]
`, "apply", "-f", "-")
	waitPhase(t, cs, "writer", corev1.PodSucceeded)
	got, err := os.ReadFile(filepath.Join(dir, "all.sql"))
	if err != nil || strings.TrimSpace(string(got)) != "dump" {
		t.Fatalf("volume content = %q, %v", got, err)
	}
	waitFor(t, func() bool {
		evs, err := cs.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=stuck,reason=FailedMount"})
		return err == nil && len(evs.Items) > 0 && strings.Contains(evs.Items[0].Message, `persistentvolumeclaim "unbound" is not bound`)
	}, "FailedMount event for the unbound claim")
}

// claimPod is a pod that runs script once with the claim mounted at mount.
func claimPod(name, claim, mount, script string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
spec:
  restartPolicy: Never
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: %s}
  containers:
  - name: c
    image: busybox
    command: [sh, -c, %q]
    volumeMounts: [{name: data, mountPath: %s}]
`, name, claim, script, mount)
}
