package resourcequota

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
	quota "k8s.io/apiserver/pkg/quota/v1"
)

func list(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

func TestNewStatus(t *testing.T) {
	cases := []struct {
		name                       string
		spec, hard, used, computed corev1.ResourceList
		wantHard, wantUsed         corev1.ResourceList
		wantChanged                bool
	}{
		{name: "first sync mirrors hard and sets used",
			spec: list("pods", "2"), computed: list("pods", "1"),
			wantHard: list("pods", "2"), wantUsed: list("pods", "1"), wantChanged: true},
		{name: "nothing changed",
			spec: list("pods", "2"), hard: list("pods", "2"), used: list("pods", "1"), computed: list("pods", "1"),
			wantHard: list("pods", "2"), wantUsed: list("pods", "1")},
		{name: "a delete gives back",
			spec: list("pods", "2", "requests.cpu", "1"), hard: list("pods", "2", "requests.cpu", "1"),
			used: list("pods", "2", "requests.cpu", "700m"), computed: list("pods", "1", "requests.cpu", "200m"),
			wantHard: list("pods", "2", "requests.cpu", "1"), wantUsed: list("pods", "1", "requests.cpu", "200m"), wantChanged: true},
		{name: "spec raised: hard follows",
			spec: list("pods", "5"), hard: list("pods", "2"), used: list("pods", "1"), computed: list("pods", "1"),
			wantHard: list("pods", "5"), wantUsed: list("pods", "1"), wantChanged: true},
		{name: "a resource dropped from spec leaves used",
			spec: list("pods", "5"), hard: list("pods", "5", "secrets", "3"), used: list("pods", "1", "secrets", "2"), computed: list("pods", "1", "secrets", "2"),
			wantHard: list("pods", "5"), wantUsed: list("pods", "1"), wantChanged: true},
		{name: "an uncomputed resource keeps its last observation",
			spec: list("pods", "5", "count/widgets.example.com", "3"), hard: list("pods", "5", "count/widgets.example.com", "3"),
			used: list("pods", "1", "count/widgets.example.com", "2"), computed: list("pods", "1"),
			wantHard: list("pods", "5", "count/widgets.example.com", "3"), wantUsed: list("pods", "1", "count/widgets.example.com", "2")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: tc.spec}, Status: corev1.ResourceQuotaStatus{Hard: tc.hard, Used: tc.used}}
			st, changed := newStatus(q, tc.computed)
			if !quota.Equals(st.Hard, tc.wantHard) || !quota.Equals(st.Used, tc.wantUsed) || changed != tc.wantChanged {
				t.Errorf("got hard %v used %v changed %v; want %v %v %v", st.Hard, st.Used, changed, tc.wantHard, tc.wantUsed, tc.wantChanged)
			}
		})
	}
}

func TestCountedResource(t *testing.T) {
	for name, want := range map[corev1.ResourceName]schema.GroupResource{
		"count/pods": {Resource: "pods"}, "count/deployments.apps": {Group: "apps", Resource: "deployments"},
		"count/widgets.example.com": {Group: "example.com", Resource: "widgets"},
	} {
		if got, ok := countedResource(name); !ok || got != want {
			t.Errorf("%s: got %v %v, want %v", name, got, ok, want)
		}
	}
	for _, name := range []corev1.ResourceName{"pods", "requests.cpu", "count/"} {
		if _, ok := countedResource(name); ok {
			t.Errorf("%s counted", name)
		}
	}
}

func TestNeedsUsage(t *testing.T) {
	cases := []struct {
		name             string
		spec, hard, used corev1.ResourceList
		want             bool
	}{
		{name: "new", spec: list("pods", "2"), want: true},
		{name: "spec changed", spec: list("pods", "3"), hard: list("pods", "2"), used: list("pods", "1"), want: true},
		{name: "a resource without usage", spec: list("pods", "2", "secrets", "1"), hard: list("pods", "2", "secrets", "1"), used: list("pods", "1"), want: true},
		{name: "only used changed (an admission charge)", spec: list("pods", "2"), hard: list("pods", "2"), used: list("pods", "2")},
	}
	for _, tc := range cases {
		q := &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: tc.spec}, Status: corev1.ResourceQuotaStatus{Hard: tc.hard, Used: tc.used}}
		if got := needsUsage(q); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
