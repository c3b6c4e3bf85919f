package endpoints

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ManagedBy is the endpointslice.kubernetes.io/managed-by value of the
// slices this controller owns, Kubernetes' own controller's name, so tools
// that look for it find ordo's slices.
const ManagedBy = "endpointslice-controller.k8s.io"

// maxEndpointsPerSlice is kube-controller-manager's default
// --max-endpoints-per-slice.
const maxEndpointsPerSlice = 100

// desiredSlices are the EndpointSlices the Service should have: one group
// per distinct set of resolved ports, cut into slices of at most 100
// endpoints. Terminating pods stay in, marked terminating, with ready
// false unless publishNotReadyAddresses. A Service matching no pods gets one
// empty placeholder slice, as in Kubernetes. Names are deterministic
// (<service>-<hash of ports and position>), so a repeated create is refused
// rather than duplicated.
func desiredSlices(svc *corev1.Service, pods []*corev1.Pod) []*discoveryv1.EndpointSlice {
	groups := map[string][]discoveryv1.Endpoint{}
	ports := map[string][]discoveryv1.EndpointPort{}
	for _, p := range pods {
		if !eligible(p, true) {
			continue
		}
		eps, _ := endpointPorts(svc, p)
		if len(eps) == 0 && len(svc.Spec.Ports) > 0 {
			continue
		}
		key := portsKey(eps)
		groups[key] = append(groups[key], sliceEndpoint(svc, stateOf(p)))
		ports[key] = slicePorts(eps)
	}
	if len(groups) == 0 {
		return []*discoveryv1.EndpointSlice{newSlice(svc, "", 0, nil, []discoveryv1.EndpointPort{})}
	}
	var out []*discoveryv1.EndpointSlice
	for _, key := range sortedKeys(groups) {
		eps := groups[key]
		sort.Slice(eps, func(i, j int) bool { return eps[i].Addresses[0] < eps[j].Addresses[0] })
		for i := 0; i*maxEndpointsPerSlice < len(eps); i++ {
			end := min((i+1)*maxEndpointsPerSlice, len(eps))
			out = append(out, newSlice(svc, key, i, eps[i*maxEndpointsPerSlice:end], ports[key]))
		}
	}
	return out
}

// sliceEndpoint applies Kubernetes' conditions: serving = pod ready;
// terminating = being deleted; ready = serving and not terminating, or
// always with publishNotReadyAddresses.
func sliceEndpoint(svc *corev1.Service, s podState) discoveryv1.Endpoint {
	ready := svc.Spec.PublishNotReadyAddresses || (s.ready && !s.terminating)
	serving, terminating := s.ready, s.terminating
	ep := discoveryv1.Endpoint{
		Addresses:  []string{s.pod.Status.PodIP},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  targetRef(s.pod),
	}
	if h := hostnameFor(svc, s.pod); h != "" {
		ep.Hostname = &h
	}
	if s.pod.Spec.NodeName != "" {
		node := s.pod.Spec.NodeName
		ep.NodeName = &node
	}
	return ep
}

func slicePorts(eps []corev1.EndpointPort) []discoveryv1.EndpointPort {
	out := make([]discoveryv1.EndpointPort, 0, len(eps))
	for _, p := range eps {
		name, port, proto := p.Name, p.Port, p.Protocol
		out = append(out, discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &proto, AppProtocol: p.AppProtocol})
	}
	return out
}

func newSlice(svc *corev1.Service, portKey string, part int, eps []discoveryv1.Endpoint, ports []discoveryv1.EndpointPort) *discoveryv1.EndpointSlice {
	labels := ownedLabels(svc)
	labels[discoveryv1.LabelServiceName] = svc.Name
	labels[discoveryv1.LabelManagedBy] = ManagedBy
	if eps == nil {
		eps = []discoveryv1.Endpoint{}
	}
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name: sliceName(svc.Name, portKey, part), Namespace: svc.Namespace, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(svc, corev1.SchemeGroupVersion.WithKind("Service"))},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   eps,
		Ports:       ports,
	}
}

// sliceName is <service>-<10 hex of sha256(ports, part)>; a Service name is
// at most 63 bytes, so the result is well inside the 253 a name allows.
func sliceName(svc, portKey string, part int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", portKey, part)))
	return svc + "-" + hex.EncodeToString(sum[:5])
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// slicePlan is what apply does to a Service's slices.
type slicePlan struct {
	create, update []*discoveryv1.EndpointSlice
	delete         []string
}

// planSlices compares the desired slices with the existing ones this
// controller manages: missing ones are created, differing ones updated
// (carrying the existing resourceVersion), the rest deleted.
func planSlices(want []*discoveryv1.EndpointSlice, have []*discoveryv1.EndpointSlice) slicePlan {
	existing := map[string]*discoveryv1.EndpointSlice{}
	for _, s := range have {
		existing[s.Name] = s
	}
	var plan slicePlan
	for _, w := range want {
		cur, ok := existing[w.Name]
		delete(existing, w.Name)
		switch {
		case !ok:
			plan.create = append(plan.create, w)
		case sliceChanged(cur, w):
			u := w.DeepCopy()
			u.ResourceVersion = cur.ResourceVersion
			plan.update = append(plan.update, u)
		}
	}
	plan.delete = sortedKeys(existing)
	return plan
}

func sliceChanged(cur, want *discoveryv1.EndpointSlice) bool {
	return !apiequality.Semantic.DeepEqual(cur.Endpoints, want.Endpoints) ||
		!apiequality.Semantic.DeepEqual(cur.Ports, want.Ports) ||
		!apiequality.Semantic.DeepEqual(cur.Labels, want.Labels) ||
		!apiequality.Semantic.DeepEqual(cur.OwnerReferences, want.OwnerReferences) ||
		cur.AddressType != want.AddressType
}
