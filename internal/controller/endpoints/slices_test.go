package endpoints

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

type cond struct{ ready, serving, terminating bool }

func conditionsByIP(slices []*discoveryv1.EndpointSlice) map[string]cond {
	out := map[string]cond{}
	for _, s := range slices {
		for _, e := range s.Endpoints {
			c := e.Conditions
			out[e.Addresses[0]] = cond{*c.Ready, *c.Serving, *c.Terminating}
		}
	}
	return out
}

func TestDesiredSlicesConditions(t *testing.T) {
	pods := []*corev1.Pod{
		pod("a", "10.0.0.2", true), pod("b", "10.0.0.3", false),
		pod("c", "10.0.0.4", true, terminating), pod("d", "10.0.0.5", true, phase(corev1.PodSucceeded)), pod("e", "", true),
	}
	for _, tc := range []struct {
		svc  *corev1.Service
		want map[string]cond
	}{
		{service("web"), map[string]cond{"10.0.0.2": {true, true, false}, "10.0.0.3": {false, false, false}, "10.0.0.4": {false, true, true}}},
		{service("web", publishNotReady), map[string]cond{"10.0.0.2": {true, true, false}, "10.0.0.3": {true, false, false}, "10.0.0.4": {true, true, true}}},
	} {
		got := conditionsByIP(desiredSlices(tc.svc, pods))
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("publishNotReady=%v: conditions = %v, want %v", tc.svc.Spec.PublishNotReadyAddresses, got, tc.want)
		}
	}
}

func TestDesiredSlicesMetadata(t *testing.T) {
	svc := service("web", headless)
	slices := desiredSlices(svc, []*corev1.Pod{pod("a", "10.0.0.2", true, hostname("web-0", "web"))})
	if len(slices) != 1 {
		t.Fatalf("%d slices", len(slices))
	}
	s := slices[0]
	for k, v := range map[string]string{discoveryv1.LabelServiceName: "web", discoveryv1.LabelManagedBy: ManagedBy, corev1.IsHeadlessService: "", "team": "a"} {
		if got, ok := s.Labels[k]; !ok || got != v {
			t.Errorf("label %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].Kind != "Service" || s.OwnerReferences[0].UID != svc.UID || !*s.OwnerReferences[0].Controller {
		t.Errorf("ownerReferences = %+v", s.OwnerReferences)
	}
	if s.AddressType != discoveryv1.AddressTypeIPv4 || len(s.Ports) != 1 || *s.Ports[0].Port != 8080 || *s.Ports[0].Name != "http" {
		t.Errorf("addressType %s ports %+v", s.AddressType, s.Ports)
	}
	if h := s.Endpoints[0].Hostname; h == nil || *h != "web-0" {
		t.Errorf("hostname = %v", h)
	}
}

func TestDesiredSlicesPlaceholderAndSplit(t *testing.T) {
	empty := desiredSlices(service("web"), nil)
	if len(empty) != 1 || len(empty[0].Endpoints) != 0 {
		t.Fatalf("no pods: %d slices, want one empty placeholder", len(empty))
	}
	var pods []*corev1.Pod
	for i := 0; i < 250; i++ {
		pods = append(pods, pod(fmt.Sprint("p", i), fmt.Sprintf("10.0.%d.%d", i/200, i%200), true))
	}
	pods = append(pods, pod("odd", "10.9.0.1", true, port("web", 9000)))
	slices := desiredSlices(service("web"), pods)
	sizes := map[string]int{}
	for _, s := range slices {
		sizes[s.Name] = len(s.Endpoints)
	}
	if len(slices) != 4 || len(sizes) != 4 {
		t.Fatalf("slices %v, want 3 of port 8080 (100+100+50) and 1 of 9000, all distinct names", sizes)
	}
	again := desiredSlices(service("web"), pods)
	for i := range slices {
		if again[i].Name != slices[i].Name {
			t.Errorf("names are not deterministic: %s vs %s", again[i].Name, slices[i].Name)
		}
	}
}

func TestPlanSlices(t *testing.T) {
	svc := service("web")
	one := desiredSlices(svc, []*corev1.Pod{pod("a", "10.0.0.2", true)})
	changed := desiredSlices(svc, []*corev1.Pod{pod("a", "10.0.0.2", false)})
	other := desiredSlices(svc, []*corev1.Pod{pod("a", "10.0.0.2", true, port("web", 9000))})
	stored := one[0].DeepCopy()
	stored.ResourceVersion = "7"

	if p := planSlices(one, []*discoveryv1.EndpointSlice{stored}); len(p.create)+len(p.update)+len(p.delete) != 0 {
		t.Errorf("unchanged slice planned %+v", p)
	}
	p := planSlices(changed, []*discoveryv1.EndpointSlice{stored})
	if len(p.update) != 1 || p.update[0].ResourceVersion != "7" || len(p.create)+len(p.delete) != 0 {
		t.Errorf("changed slice: plan %+v", p)
	}
	p = planSlices(other, []*discoveryv1.EndpointSlice{stored})
	if len(p.create) != 1 || len(p.delete) != 1 || p.delete[0] != stored.Name || len(p.update) != 0 {
		t.Errorf("port change: plan %+v", p)
	}
}
