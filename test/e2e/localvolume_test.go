package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/storageclass"
)

// localSts is a one-pod StatefulSet pinned by nodeSelector to NODE, whose
// claim of the default local-path class records where its pod ran.
const localSts = `apiVersion: v1
kind: Service
metadata: {name: keeper}
spec:
  clusterIP: None
  selector: {app: keeper}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: keeper}
spec:
  selector:
    matchLabels: {app: keeper}
  serviceName: keeper
  replicas: 1
  template:
    metadata:
      labels: {app: keeper}
    spec:
      terminationGracePeriodSeconds: 1
      nodeSelector: {kubernetes.io/hostname: NODE}
      containers:
      - name: c
        image: busybox
        command: [sh, -c, 'echo $(hostname) >> /data/runs; exec sleep 3600']
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 5Mi}}
`

// TestLocalVolumeStaysWithItsNode: with a server and a joined agent, a
// StatefulSet pod pinned to the agent's node gets its WaitForFirstConsumer
// claim provisioned there: the claim names the node in
// volume.kubernetes.io/selected-node, the volume carries node affinity for
// it, and its directory lives in the agent's data directory, made by the
// agent. Once the nodeSelector is dropped, the replaced pod still goes to
// that node (the server's own node would win otherwise: fewer pods, and
// first by name), and so does a deleted one; deleting the claim has the
// agent remove the directory and the volume.
func TestLocalVolumeStaysWithItsNode(t *testing.T) {
	t.Parallel()
	c, cs, node := startWithAgent(t)
	second := node + "-v"
	agent, err := c.StartAgent(t.TempDir(), second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Stop)
	ctx := context.Background()
	if got := c.Run("get", "storageclass", "local-path", "-o", "jsonpath={.volumeBindingMode}"); got != "WaitForFirstConsumer" {
		t.Fatalf("local-path volumeBindingMode %q", got)
	}
	c.RunIn(strings.ReplaceAll(localSts, "NODE", second), "apply", "-f", "-")
	p0 := waitPod(t, cs, "keeper-0", func(p *corev1.Pod) bool { return podReady(p) }, "keeper-0 Ready")
	if p0.Spec.NodeName != second {
		t.Fatalf("keeper-0 on %s, want %s", p0.Spec.NodeName, second)
	}
	claim := waitClaim(t, cs, "data-keeper-0", corev1.ClaimBound)
	if got := claim.Annotations["volume.kubernetes.io/selected-node"]; got != second {
		t.Errorf("selected-node %q, want %s", got, second)
	}
	pv, err := cs.CoreV1().PersistentVolumes().Get(ctx, claim.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	agentDir, err := filepath.Abs(agent.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(agentDir, "volumes", pv.Name)
	if storageclass.PinnedNode(pv) != second || pv.Spec.HostPath == nil || pv.Spec.HostPath.Path != dir {
		t.Fatalf("volume node affinity %+v, path %+v; want pinned to %s at %s", pv.Spec.NodeAffinity, pv.Spec.HostPath, second, dir)
	}
	if _, err := os.Stat(filepath.Join(c.DataDir, "volumes", pv.Name)); !os.IsNotExist(err) {
		t.Errorf("a directory for the volume in the server's data directory: %v", err)
	}
	waitFor(t, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "runs"))
		return err == nil && string(b) == "keeper-0\n"
	}, "the pod's file in the agent's volume directory")

	// No nodeSelector: the volume alone keeps the pod on its node.
	c.Run("patch", "statefulset", "keeper", "--type=json", "-p", `[{"op":"remove","path":"/spec/template/spec/nodeSelector"}]`)
	p1 := waitPod(t, cs, "keeper-0", func(p *corev1.Pod) bool {
		return p.UID != p0.UID && p.Spec.NodeSelector == nil && p.Spec.NodeName != "" && podReady(p)
	}, "keeper-0 replaced without its nodeSelector")
	if p1.Spec.NodeName != second {
		t.Fatalf("replaced keeper-0 on %s, want %s, where its volume is", p1.Spec.NodeName, second)
	}
	c.Run("delete", "pod", "keeper-0", "--wait=false")
	p2 := waitPod(t, cs, "keeper-0", func(p *corev1.Pod) bool { return p.UID != p1.UID && podReady(p) }, "keeper-0 back after delete")
	if p2.Spec.NodeName != second {
		t.Fatalf("deleted keeper-0 came back on %s, want %s", p2.Spec.NodeName, second)
	}
	waitFor(t, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "runs"))
		return err == nil && string(b) == "keeper-0\nkeeper-0\nkeeper-0\n"
	}, "three runs recorded in the same volume")

	// Reclaim policy Delete: the agent removes the directory and the volume.
	c.Run("delete", "statefulset", "keeper")
	waitFor(t, func() bool {
		_, err := cs.CoreV1().Pods("default").Get(ctx, "keeper-0", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, "keeper-0 gone with its StatefulSet")
	c.Run("delete", "pvc", "data-keeper-0")
	waitFor(t, func() bool {
		_, err := cs.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, "the volume deleted with its claim")
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("volume directory %s still there: %v", dir, err)
	}
}
