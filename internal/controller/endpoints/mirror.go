package endpoints

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MirrorManagedBy is the managed-by value of slices mirrored from a
// user's Endpoints, Kubernetes' EndpointSliceMirroring controller's name.
const MirrorManagedBy = "endpointslicemirroring-controller.k8s.io"

// skipMirrorLabel on an Endpoints object keeps it from being mirrored.
const skipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror"

// mirrored says whether a selector-less Service's Endpoints are mirrored
// into EndpointSlices, as Kubernetes decides: not when labelled
// skip-mirror, and not the API server's own "kubernetes" Endpoints (its
// slice is written beside it).
func mirrored(ep *corev1.Endpoints) bool {
	if ep == nil || ep.Labels[skipMirrorLabel] == "true" {
		return false
	}
	return ep.Namespace != metav1.NamespaceDefault || ep.Name != "kubernetes"
}

// mirrorSlices are the slices that mirror ep: one group per distinct set
// of ports (subsets with equal ports merge), ready addresses ready and
// not-ready ones not, cut like the controller's own slices. The slices
// are owned by the Endpoints, so deleting it deletes them.
func mirrorSlices(svc *corev1.Service, ep *corev1.Endpoints) []*discoveryv1.EndpointSlice {
	groups := map[string][]discoveryv1.Endpoint{}
	ports := map[string][]discoveryv1.EndpointPort{}
	for _, ss := range ep.Subsets {
		key := portsKey(ss.Ports)
		ports[key] = slicePorts(ss.Ports)
		for _, a := range ss.Addresses {
			groups[key] = append(groups[key], mirrorEndpoint(a, true))
		}
		for _, a := range ss.NotReadyAddresses {
			groups[key] = append(groups[key], mirrorEndpoint(a, false))
		}
	}
	var out []*discoveryv1.EndpointSlice
	for _, key := range sortedKeys(groups) {
		eps := groups[key]
		for part := 0; part*maxEndpointsPerSlice < len(eps); part++ {
			chunk := eps[part*maxEndpointsPerSlice : min(len(eps), (part+1)*maxEndpointsPerSlice)]
			s := newSlice(svc, "mirror|"+key, part, chunk, ports[key])
			s.Labels[discoveryv1.LabelManagedBy] = MirrorManagedBy
			s.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(ep, corev1.SchemeGroupVersion.WithKind("Endpoints"))}
			out = append(out, s)
		}
	}
	return out
}

func mirrorEndpoint(a corev1.EndpointAddress, ready bool) discoveryv1.Endpoint {
	e := discoveryv1.Endpoint{Addresses: []string{a.IP}, Conditions: discoveryv1.EndpointConditions{Ready: &ready},
		TargetRef: a.TargetRef, NodeName: a.NodeName}
	if a.Hostname != "" {
		h := a.Hostname
		e.Hostname = &h
	}
	return e
}
