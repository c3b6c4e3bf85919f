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
// nothing (of no class, so nothing provisions it) keeps its pod Pending
// and unscheduled with Kubernetes' FailedScheduling event, until a volume
// that fits appears.
func TestPreBoundPersistentVolumeClaimIsMounted(t *testing.T) {
	t.Parallel()
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
  # Reserved for backup-data, as Kubernetes advises for pre-binding: a
  # claim's volumeName alone does not stop another claim (here "unbound",
  # which fits the volume too) from binding it first.
  claimRef: {namespace: default, name: backup-data}
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
	defer func() {
		if t.Failed() {
			t.Log(c.Run("get", "events", "-A"))
			t.Log(c.Run("get", "pods,pvc,pv", "-o", "wide"))
		}
	}()
	waitPhase(t, cs, "writer", corev1.PodSucceeded)
	got, err := os.ReadFile(filepath.Join(dir, "all.sql"))
	if err != nil || strings.TrimSpace(string(got)) != "dump" {
		t.Fatalf("volume content = %q, %v", got, err)
	}
	waitFor(t, func() bool {
		evs, err := cs.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=stuck,reason=FailedScheduling"})
		return err == nil && len(evs.Items) > 0 && strings.Contains(evs.Items[0].Message, "pod has unbound immediate PersistentVolumeClaims")
	}, "FailedScheduling event for the unbound claim")
	stuck, err := cs.CoreV1().Pods("default").Get(context.Background(), "stuck", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stuck.Spec.NodeName != "" || stuck.Status.Phase != corev1.PodPending {
		t.Fatalf("a pod with an unbound claim was placed: node %q, phase %s", stuck.Spec.NodeName, stuck.Status.Phase)
	}
	// A volume that fits binds the claim, and the pod is placed and runs.
	c.RunIn(`apiVersion: v1
kind: PersistentVolume
metadata:
  name: late-pv
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: `+t.TempDir()+`, type: Directory}
`, "apply", "-f", "-")
	waitPhase(t, cs, "stuck", corev1.PodRunning)
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
