package registry

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestReplicationControllerScale: an RC's scale reads its replicas and its
// selector map as the Scale's selector string, and writes spec.replicas.
func TestReplicationControllerScale(t *testing.T) {
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "nginx", UID: "u"},
		Spec:       corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](3), Selector: map[string]string{"app": "nginx", "tier": "web"}},
		Status:     corev1.ReplicationControllerStatus{Replicas: 2},
	}
	s, err := toScale(rc)
	if err != nil || s.Spec.Replicas != 3 || s.Status.Replicas != 2 || s.Status.Selector != "app=nginx,tier=web" || s.UID != "u" {
		t.Fatalf("scale %+v, %v", s, err)
	}
	if err := setReplicas(rc, 5); err != nil || *rc.Spec.Replicas != 5 {
		t.Fatalf("setReplicas: %v, %d", err, *rc.Spec.Replicas)
	}
}
