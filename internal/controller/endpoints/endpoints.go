package endpoints

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxEndpointsAddresses is where Kubernetes truncates an Endpoints object
// and marks it with endpoints.kubernetes.io/over-capacity: truncated;
// EndpointSlices carry the full set.
const maxEndpointsAddresses = 1000

// desiredEndpoints is the Endpoints object the Service should have. Ready
// pods (or every pod, with publishNotReadyAddresses) go in addresses, the
// others in notReadyAddresses; terminating pods are left out unless
// publishNotReadyAddresses. Pods are grouped into subsets by the ports they
// resolve to (a named targetPort may differ from pod to pod). Port names
// that no container port matches are returned as problems; that pod is
// left out of the port's subset, as Kubernetes does.
func desiredEndpoints(svc *corev1.Service, pods []*corev1.Pod) (*corev1.Endpoints, []error) {
	publish := svc.Spec.PublishNotReadyAddresses
	groups := map[string]*corev1.EndpointSubset{}
	var problems []error
	for _, p := range pods {
		if !eligible(p, publish) {
			continue
		}
		ports, errs := endpointPorts(svc, p)
		problems = append(problems, errs...)
		if len(ports) == 0 && len(svc.Spec.Ports) > 0 {
			continue
		}
		key := portsKey(ports)
		g := groups[key]
		if g == nil {
			g = &corev1.EndpointSubset{Ports: ports}
			groups[key] = g
		}
		addr := corev1.EndpointAddress{IP: p.Status.PodIP, Hostname: hostnameFor(svc, p), TargetRef: targetRef(p)}
		if p.Spec.NodeName != "" {
			addr.NodeName = &p.Spec.NodeName
		}
		if publish || podReady(p) {
			g.Addresses = append(g.Addresses, addr)
		} else {
			g.NotReadyAddresses = append(g.NotReadyAddresses, addr)
		}
	}
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: ownedLabels(svc)},
		Subsets:    sortedSubsets(groups),
	}
	if truncate(ep.Subsets, maxEndpointsAddresses) {
		ep.Annotations = map[string]string{corev1.EndpointsOverCapacity: "truncated"}
	}
	return ep, problems
}

// endpointPorts resolves every Service port against the pod.
func endpointPorts(svc *corev1.Service, p *corev1.Pod) ([]corev1.EndpointPort, []error) {
	var ports []corev1.EndpointPort
	var errs []error
	for _, sp := range svc.Spec.Ports {
		n, err := targetPort(p, sp)
		if err != nil {
			errs = append(errs, fmt.Errorf("service %s/%s port %q: %w", svc.Namespace, svc.Name, sp.Name, err))
			continue
		}
		ports = append(ports, corev1.EndpointPort{Name: sp.Name, Port: n, Protocol: protocolOf(sp.Protocol), AppProtocol: sp.AppProtocol})
	}
	sort.Slice(ports, func(i, j int) bool { return portLess(ports[i].Name, ports[i].Port, ports[j].Name, ports[j].Port) })
	return ports, errs
}

func portLess(nameA string, portA int32, nameB string, portB int32) bool {
	if nameA != nameB {
		return nameA < nameB
	}
	return portA < portB
}

func portsKey(ports []corev1.EndpointPort) string {
	var b strings.Builder
	for _, p := range ports {
		fmt.Fprintf(&b, "%s/%d/%s;", p.Name, p.Port, p.Protocol)
	}
	return b.String()
}

// sortedSubsets orders subsets and their addresses, so the same pods always
// give the same object and an unchanged set writes nothing.
func sortedSubsets(groups map[string]*corev1.EndpointSubset) []corev1.EndpointSubset {
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]corev1.EndpointSubset, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		sortAddresses(g.Addresses)
		sortAddresses(g.NotReadyAddresses)
		out = append(out, *g)
	}
	return out
}

func sortAddresses(a []corev1.EndpointAddress) {
	sort.Slice(a, func(i, j int) bool { return a[i].IP < a[j].IP })
}

// truncate keeps at most max addresses over all subsets, ready ones first,
// and says whether it dropped any.
func truncate(subsets []corev1.EndpointSubset, max int) bool {
	left, cut := max, false
	for i := range subsets {
		subsets[i].Addresses, left, cut = keep(subsets[i].Addresses, left, cut)
	}
	for i := range subsets {
		subsets[i].NotReadyAddresses, left, cut = keep(subsets[i].NotReadyAddresses, left, cut)
	}
	return cut
}

func keep(a []corev1.EndpointAddress, left int, cut bool) ([]corev1.EndpointAddress, int, bool) {
	if len(a) <= left {
		return a, left - len(a), cut
	}
	return a[:left], 0, true
}

// endpointsChanged says whether cur must be rewritten to become want.
func endpointsChanged(cur, want *corev1.Endpoints) bool {
	return !apiequality.Semantic.DeepEqual(cur.Subsets, want.Subsets) ||
		!apiequality.Semantic.DeepEqual(nonNil(cur.Labels), nonNil(want.Labels)) ||
		cur.Annotations[corev1.EndpointsOverCapacity] != want.Annotations[corev1.EndpointsOverCapacity]
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
