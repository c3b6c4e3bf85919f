package registry

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// dropTypeDependentFields clears, on an update that changes a Service's
// type, the values the old type had and the new one cannot hold, when
// the client sent them back unchanged (it read them, it did not ask for
// them): the cluster IPs and IP families when the Service becomes
// ExternalName, the node ports when it stops being NodePort or
// LoadBalancer. This is kube-apiserver's behaviour, so a client that
// GETs a ClusterIP Service, sets type ExternalName and PUTs it succeeds;
// the freed values are released once the update is stored (reallocate).
func dropTypeDependentFields(svc, old *corev1.Service) {
	if old.Spec.Type != corev1.ServiceTypeExternalName && svc.Spec.Type == corev1.ServiceTypeExternalName {
		dropClusterIPs(svc, old)
	}
	if needsNodePorts(old) && !needsNodePorts(svc) && sameNodePorts(svc, old) {
		for i := range svc.Spec.Ports {
			svc.Spec.Ports[i].NodePort = 0
		}
	}
	if needsNodePorts(old) && !needsNodePorts(svc) && svc.Spec.ExternalTrafficPolicy == old.Spec.ExternalTrafficPolicy {
		svc.Spec.ExternalTrafficPolicy = ""
	}
}

// dropClusterIPs clears what a Service leaving for ExternalName kept of
// its cluster IPs. A cleared clusterIP with clusterIPs sent back is the
// same request as both unchanged.
func dropClusterIPs(svc, old *corev1.Service) {
	ipSame := svc.Spec.ClusterIP == old.Spec.ClusterIP || svc.Spec.ClusterIP == ""
	ipsSame := slices.Equal(svc.Spec.ClusterIPs, old.Spec.ClusterIPs) || len(svc.Spec.ClusterIPs) == 0
	if ipSame && ipsSame {
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "", nil
	}
	if slices.Equal(svc.Spec.IPFamilies, old.Spec.IPFamilies) {
		svc.Spec.IPFamilies = nil
	}
	if equality.Semantic.DeepEqual(svc.Spec.IPFamilyPolicy, old.Spec.IPFamilyPolicy) {
		svc.Spec.IPFamilyPolicy = nil
	}
	if equality.Semantic.DeepEqual(svc.Spec.InternalTrafficPolicy, old.Spec.InternalTrafficPolicy) {
		svc.Spec.InternalTrafficPolicy = nil
	}
}

// sameNodePorts: the update's ports carry the node ports the old Service
// had, port for port.
func sameNodePorts(svc, old *corev1.Service) bool {
	for _, p := range svc.Spec.Ports {
		if p.NodePort == 0 {
			continue
		}
		found := false
		for _, op := range old.Spec.Ports {
			found = found || op.NodePort == p.NodePort
		}
		if !found {
			return false
		}
	}
	return true
}
