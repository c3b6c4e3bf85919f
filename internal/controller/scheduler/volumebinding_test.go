package scheduler

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	volumehelpers "k8s.io/component-helpers/storage/volume"

	"github.com/ordo-dev/ordo/internal/storageclass"
)

// pinnedVolume is the volume of claim name ("pv-<name>"), pinned to node.
func pinnedVolume(name, node string) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv-" + name},
		Spec: corev1.PersistentVolumeSpec{NodeAffinity: storageclass.PinTo(node)}}
}

func selectedOn(c *corev1.PersistentVolumeClaim, node string) *corev1.PersistentVolumeClaim {
	c.Annotations = map[string]string{volumehelpers.AnnSelectedNode: node}
	return c
}

// A pod whose bound volume is pinned to a node fits only that node; with
// that node gone or not ready it stays Pending with Kubernetes' reasons.
// An unbound claim already provisioned for a node admits only that node.
func TestPickNodeHonoursVolumeNodeAffinity(t *testing.T) {
	p := pod("p", withClaim("data"))
	for _, tc := range []struct {
		name    string
		claims  []*corev1.PersistentVolumeClaim
		volumes []*corev1.PersistentVolume
		nodes   []*corev1.Node
		want    string
		message string
	}{
		{name: "pinned volume: its node", claims: []*corev1.PersistentVolumeClaim{claim("data", "late", true)},
			volumes: []*corev1.PersistentVolume{pinnedVolume("data", "b")}, nodes: []*corev1.Node{node("a"), node("b"), node("c")}, want: "b"},
		{name: "pinned volume, node gone", claims: []*corev1.PersistentVolumeClaim{claim("data", "late", true)},
			volumes: []*corev1.PersistentVolume{pinnedVolume("data", "x")}, nodes: []*corev1.Node{node("a"), node("b")},
			message: "0/2 nodes are available: 2 node(s) had volume node affinity conflict."},
		{name: "pinned volume, node not ready", claims: []*corev1.PersistentVolumeClaim{claim("data", "late", true)},
			volumes: []*corev1.PersistentVolume{pinnedVolume("data", "b")}, nodes: []*corev1.Node{node("a"), node("b", ready(corev1.ConditionUnknown))},
			message: "0/2 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) had volume node affinity conflict."},
		{name: "unpinned volume: anywhere", claims: []*corev1.PersistentVolumeClaim{claim("data", "late", true)},
			volumes: []*corev1.PersistentVolume{{ObjectMeta: metav1.ObjectMeta{Name: "pv-data"}}}, nodes: []*corev1.Node{node("a"), node("b")}, want: "a"},
		{name: "delayed claim: anywhere", claims: []*corev1.PersistentVolumeClaim{claim("data", "late", false)},
			nodes: []*corev1.Node{node("a"), node("b")}, want: "a"},
		{name: "delayed claim with a selected node", claims: []*corev1.PersistentVolumeClaim{selectedOn(claim("data", "late", false), "b")},
			nodes: []*corev1.Node{node("a"), node("b")}, want: "b"},
		{name: "delayed claim, selected node gone", claims: []*corev1.PersistentVolumeClaim{selectedOn(claim("data", "late", false), "x")},
			nodes: []*corev1.Node{node("a")}, message: "0/1 nodes are available: 1 node(s) didn't find available persistent volumes to bind."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vols, err := gatherVolumes(p, lookupOf(tc.claims, tc.volumes...))
			if err != nil {
				t.Fatal(err)
			}
			got, reasons := pickNode(p, tc.nodes, map[string][]*corev1.Pod{}, vols)
			if got != tc.want {
				t.Fatalf("picked %q, want %q (reasons %v)", got, tc.want, reasons)
			}
			if tc.want == "" {
				if msg := failureMessage(len(tc.nodes), reasons); msg != tc.message {
					t.Errorf("message %q, want %q", msg, tc.message)
				}
				if n := fittingVolumes(tc.nodes, vols); len(n) > 1 {
					t.Errorf("%d nodes offered to preemption", len(n))
				}
			}
		})
	}
}

// A bound claim whose volume the cache does not hold yet blocks the pod:
// placing it anywhere could put it away from its volume.
func TestGatherVolumesMissingVolume(t *testing.T) {
	if _, err := gatherVolumes(pod("p", withClaim("data")), lookupOf([]*corev1.PersistentVolumeClaim{claim("data", "late", true)})); err == nil {
		t.Error("no error for a claim bound to a volume not in the cache")
	}
}

// The chosen node is written into each unbound delayed claim's
// selected-node annotation, which the provisioner waits for.
func TestSelectNodeAnnotatesDelayedClaims(t *testing.T) {
	pvc := claim("data", "late", false)
	client := fake.NewClientset(pvc)
	c := &Controller{client: client}
	if err := c.selectNode(context.Background(), podVolumes{delayed: []*corev1.PersistentVolumeClaim{pvc}}, "b"); err != nil {
		t.Fatal(err)
	}
	got, err := client.CoreV1().PersistentVolumeClaims("default").Get(context.Background(), "data", metav1.GetOptions{})
	if err != nil || got.Annotations[volumehelpers.AnnSelectedNode] != "b" {
		t.Fatalf("claim annotations %v, %v", got.Annotations, err)
	}
}
