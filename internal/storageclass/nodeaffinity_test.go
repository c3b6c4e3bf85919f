package storageclass

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestPinnedNode(t *testing.T) {
	pinned := &corev1.PersistentVolume{Spec: corev1.PersistentVolumeSpec{NodeAffinity: PinTo("n1")}}
	if got := PinnedNode(pinned); got != "n1" {
		t.Errorf("PinnedNode(PinTo(n1)) = %q", got)
	}
	if got := PinnedNode(&corev1.PersistentVolume{}); got != "" {
		t.Errorf("no affinity: %q", got)
	}
	other := pinned.DeepCopy()
	other.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0].Key = "topology.kubernetes.io/zone"
	if got := PinnedNode(other); got != "" {
		t.Errorf("zone affinity: %q", got)
	}
}
