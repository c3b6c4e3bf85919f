package endpoints

import (
	"reflect"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDesiredEndpoints(t *testing.T) {
	cases := []struct {
		name            string
		svc             *corev1.Service
		pods            []*corev1.Pod
		ready, notReady []string
		wantPorts       []int32 // of the first subset
		wantProblems    int
	}{
		{name: "ready and not ready pods", svc: service("web"),
			pods:  []*corev1.Pod{pod("b", "10.0.0.3", true), pod("a", "10.0.0.2", false), pod("c", "10.0.0.1", true)},
			ready: []string{"10.0.0.1", "10.0.0.3"}, notReady: []string{"10.0.0.2"}, wantPorts: []int32{8080}},
		{name: "pods without IP or finished are left out", svc: service("web"),
			pods: []*corev1.Pod{pod("a", "", true), pod("b", "10.0.0.2", true, phase(corev1.PodSucceeded)), pod("c", "10.0.0.3", true, phase(corev1.PodFailed))}},
		{name: "terminating pods are left out", svc: service("web"),
			pods:  []*corev1.Pod{pod("a", "10.0.0.2", true, terminating), pod("b", "10.0.0.3", true)},
			ready: []string{"10.0.0.3"}, wantPorts: []int32{8080}},
		{name: "publishNotReadyAddresses keeps every pod ready, terminating too", svc: service("web", publishNotReady),
			pods:  []*corev1.Pod{pod("a", "10.0.0.2", false), pod("b", "10.0.0.3", true, terminating)},
			ready: []string{"10.0.0.2", "10.0.0.3"}, wantPorts: []int32{8080}},
		{name: "a named port missing from the pod leaves the pod out", svc: service("web"),
			pods:  []*corev1.Pod{pod("a", "10.0.0.2", true, port("other", 9000)), pod("b", "10.0.0.3", true)},
			ready: []string{"10.0.0.3"}, wantPorts: []int32{8080}, wantProblems: 1},
		{name: "numeric target port, and zero means the service port", svc: service("web", func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80, TargetPort: intstr.FromInt32(9090)}, {Name: "b", Port: 81}}
		}), pods: []*corev1.Pod{pod("a", "10.0.0.2", true)}, ready: []string{"10.0.0.2"}, wantPorts: []int32{9090, 81}},
		{name: "headless service without ports still lists pods", svc: service("web", headless, func(s *corev1.Service) { s.Spec.Ports = nil }),
			pods: []*corev1.Pod{pod("a", "10.0.0.2", true)}, ready: []string{"10.0.0.2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ep, problems := desiredEndpoints(tc.svc, tc.pods)
			if got := ips(ep.Subsets, true); !reflect.DeepEqual(got, tc.ready) {
				t.Errorf("addresses = %v, want %v", got, tc.ready)
			}
			if got := ips(ep.Subsets, false); !reflect.DeepEqual(got, tc.notReady) {
				t.Errorf("notReadyAddresses = %v, want %v", got, tc.notReady)
			}
			if len(problems) != tc.wantProblems {
				t.Errorf("problems = %v, want %d", problems, tc.wantProblems)
			}
			var ports []int32
			if len(ep.Subsets) > 0 {
				for _, p := range ep.Subsets[0].Ports {
					ports = append(ports, p.Port)
				}
			}
			if !reflect.DeepEqual(ports, tc.wantPorts) {
				t.Errorf("ports = %v, want %v", ports, tc.wantPorts)
			}
			if ep.Name != tc.svc.Name || ep.Namespace != "ns" || ep.Labels["team"] != "a" {
				t.Errorf("meta = %+v", ep.ObjectMeta)
			}
		})
	}
}

// Pods resolving a named port to different numbers land in different
// subsets, as Kubernetes' repacking does.
func TestDesiredEndpointsGroupsByResolvedPorts(t *testing.T) {
	ep, _ := desiredEndpoints(service("web"), []*corev1.Pod{
		pod("a", "10.0.0.2", true), pod("b", "10.0.0.3", true, port("web", 9000)), pod("c", "10.0.0.4", false),
	})
	if len(ep.Subsets) != 2 {
		t.Fatalf("subsets = %+v, want 2", ep.Subsets)
	}
	byPort := map[int32][]string{}
	for _, s := range ep.Subsets {
		byPort[s.Ports[0].Port] = append(ips([]corev1.EndpointSubset{s}, true), ips([]corev1.EndpointSubset{s}, false)...)
	}
	if !reflect.DeepEqual(byPort, map[int32][]string{8080: {"10.0.0.2", "10.0.0.4"}, 9000: {"10.0.0.3"}}) {
		t.Errorf("grouping = %v", byPort)
	}
}

func TestEndpointsHostnameOnlyForHeadlessSubdomain(t *testing.T) {
	pods := []*corev1.Pod{pod("a", "10.0.0.2", true, hostname("web-0", "web")), pod("b", "10.0.0.3", true, hostname("other", "elsewhere"))}
	for _, tc := range []struct {
		svc  *corev1.Service
		want map[string]string
	}{
		{service("web", headless), map[string]string{"10.0.0.2": "web-0", "10.0.0.3": ""}},
		{service("web"), map[string]string{"10.0.0.2": "", "10.0.0.3": ""}},
	} {
		ep, _ := desiredEndpoints(tc.svc, pods)
		got := map[string]string{}
		for _, a := range ep.Subsets[0].Addresses {
			got[a.IP] = a.Hostname
			if a.TargetRef == nil || a.TargetRef.Kind != "Pod" || a.NodeName == nil || *a.NodeName != "node1" {
				t.Errorf("address %s: targetRef %v nodeName %v", a.IP, a.TargetRef, a.NodeName)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("clusterIP %s: hostnames = %v, want %v", tc.svc.Spec.ClusterIP, got, tc.want)
		}
		_, isHeadless := ep.Labels[corev1.IsHeadlessService]
		if isHeadless != (tc.svc.Spec.ClusterIP == corev1.ClusterIPNone) {
			t.Errorf("clusterIP %s: headless label = %v", tc.svc.Spec.ClusterIP, isHeadless)
		}
	}
}

func TestEndpointsTruncatedAtCapacity(t *testing.T) {
	var pods []*corev1.Pod
	for i := 0; i < maxEndpointsAddresses+5; i++ {
		pods = append(pods, pod("p", "10.1."+itoa(i/250)+"."+itoa(i%250), i%2 == 0))
	}
	ep, _ := desiredEndpoints(service("web"), pods)
	if n := len(ips(ep.Subsets, true)) + len(ips(ep.Subsets, false)); n != maxEndpointsAddresses {
		t.Errorf("%d addresses, want %d", n, maxEndpointsAddresses)
	}
	if len(ips(ep.Subsets, true)) != 503 {
		t.Errorf("ready addresses should be kept first: %d", len(ips(ep.Subsets, true)))
	}
	if ep.Annotations[corev1.EndpointsOverCapacity] != "truncated" {
		t.Errorf("annotations = %v", ep.Annotations)
	}
}

func TestEndpointsChanged(t *testing.T) {
	svc := service("web")
	a, _ := desiredEndpoints(svc, []*corev1.Pod{pod("a", "10.0.0.2", true)})
	b, _ := desiredEndpoints(svc, []*corev1.Pod{pod("a", "10.0.0.2", true)})
	if endpointsChanged(a, b) {
		t.Error("identical pods count as a change")
	}
	c, _ := desiredEndpoints(svc, []*corev1.Pod{pod("a", "10.0.0.2", false)})
	if !endpointsChanged(a, c) {
		t.Error("a pod going not ready is no change")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
