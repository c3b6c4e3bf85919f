package replicaset

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/reference"
	"k8s.io/utils/ptr"
)

// TestReplicationControllerAsReplicaSet: the view keeps the RC's identity
// (owner references and events name the RC) and its selector map becomes
// matchLabels; its status goes back unchanged.
func TestReplicationControllerAsReplicaSet(t *testing.T) {
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "nginx", UID: "rc-uid"},
		Spec: corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](3), MinReadySeconds: 5, Selector: map[string]string{"app": "nginx"},
			Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "nginx"}}}},
		Status: corev1.ReplicationControllerStatus{Replicas: 2, ReadyReplicas: 1, ObservedGeneration: 4,
			Conditions: []corev1.ReplicationControllerCondition{{Type: corev1.ReplicationControllerReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate"}}},
	}
	rs := asReplicaSet(rc)
	sel, err := selectorOf(rs)
	if err != nil || sel.String() != "app=nginx" || *rs.Spec.Replicas != 3 || rs.Spec.MinReadySeconds != 5 {
		t.Fatalf("view %+v (selector %v, %v)", rs.Spec, sel, err)
	}
	p := newPod(rs, rcKind)
	if ref := p.OwnerReferences[0]; ref.Kind != "ReplicationController" || ref.APIVersion != "v1" || ref.UID != "rc-uid" {
		t.Errorf("owner %+v", ref)
	}
	ref, err := reference.GetReference(scheme.Scheme, rs)
	if err != nil || ref.Kind != "ReplicationController" || ref.Name != "nginx" || ref.UID != "rc-uid" {
		t.Errorf("event reference %+v, %v", ref, err)
	}
	back := rcStatus(rs.Status)
	if back.Replicas != 2 || back.ReadyReplicas != 1 || back.ObservedGeneration != 4 || len(back.Conditions) != 1 ||
		back.Conditions[0].Type != corev1.ReplicationControllerReplicaFailure {
		t.Errorf("status back %+v", back)
	}
}
