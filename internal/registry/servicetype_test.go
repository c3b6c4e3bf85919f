package registry

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func clusterIPService(t corev1.ServiceType) *corev1.Service {
	return &corev1.Service{Spec: corev1.ServiceSpec{
		Type: t, ClusterIP: "10.96.0.7", ClusterIPs: []string{"10.96.0.7"},
		IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol},
		Ports:      []corev1.ServicePort{{Port: 80, NodePort: 30080}},
	}}
}

// TestDropTypeDependentFields: what the client sent back as read is
// dropped when the new type cannot hold it; what it changed is kept, so
// validation names it.
func TestDropTypeDependentFields(t *testing.T) {
	old := clusterIPService(corev1.ServiceTypeNodePort)
	svc := old.DeepCopy()
	svc.Spec.Type, svc.Spec.ExternalName = corev1.ServiceTypeExternalName, "foo.example.com"
	dropTypeDependentFields(svc, old)
	if svc.Spec.ClusterIP != "" || svc.Spec.ClusterIPs != nil || svc.Spec.IPFamilies != nil || svc.Spec.Ports[0].NodePort != 0 {
		t.Errorf("NodePort made ExternalName kept %+v", svc.Spec)
	}

	changed := old.DeepCopy()
	changed.Spec.Type, changed.Spec.ClusterIP, changed.Spec.ClusterIPs = corev1.ServiceTypeExternalName, "10.96.0.9", []string{"10.96.0.9"}
	dropTypeDependentFields(changed, old)
	if changed.Spec.ClusterIP != "10.96.0.9" {
		t.Errorf("a cluster IP the client chose was dropped: %+v", changed.Spec)
	}

	toClusterIP := old.DeepCopy()
	toClusterIP.Spec.Type = corev1.ServiceTypeClusterIP
	dropTypeDependentFields(toClusterIP, old)
	if toClusterIP.Spec.ClusterIP != "10.96.0.7" || toClusterIP.Spec.Ports[0].NodePort != 0 {
		t.Errorf("NodePort made ClusterIP: %+v", toClusterIP.Spec)
	}
}
