package agent

import (
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/metrics/resource"
)

// TestResourceSummary: the summary names each pod by namespace and name,
// carries its UID, and lists only the containers that have a rate.
func TestResourceSummary(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	s := newResourceSampler()
	s.pods = map[string]sampledPod{
		"ns/web": {uid: "u1", containers: []sampledContainer{{name: "app", cgroup: "u1_app_1"}, {name: "new", cgroup: "u1_new_1"}}},
		"ns/job": {uid: "u2", containers: []sampledContainer{{name: "c", cgroup: "u2_c_1"}}},
	}
	// app: made at t0, sampled at t0+10s with 2 s of CPU; new and c sampled once with no known start.
	s.tracker.Observe("u1_app_1", resource.Point{Time: t0.Add(10 * time.Second), CPUNanos: 2e9, MemoryWorkingSetBytes: 5 << 20}, t0)
	s.tracker.Observe("u1_new_1", resource.Point{Time: t0.Add(10 * time.Second), CPUNanos: 1e9}, time.Time{})
	s.tracker.Observe("u2_c_1", resource.Point{Time: t0.Add(10 * time.Second), CPUNanos: 1e9}, time.Time{})

	sum := s.summary()
	if sum.Node != nil {
		t.Errorf("node usage before two samples: %+v", sum.Node)
	}
	if len(sum.Pods) != 1 {
		t.Fatalf("pods = %+v; want only web (job has no rated container)", sum.Pods)
	}
	p := sum.Pods[0]
	if p.Namespace != "ns" || p.Name != "web" || p.UID != "u1" || len(p.Containers) != 1 || p.Containers[0].Name != "app" {
		t.Fatalf("pod = %+v", p)
	}
	if u := p.Containers[0].Usage; u.CPUNanoCores != 2e8 || u.MemoryWorkingSetBytes != 5<<20 || u.Window != 10*time.Second {
		t.Errorf("app usage = %+v; want 200m, 5 MiB over 10s", u)
	}
}
