package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ordo-dev/ordo/internal/metrics/resource"
	"github.com/ordo-dev/ordo/internal/runtime"
)

// SampleInterval is how often the agent reads its containers' and its
// node's cgroups for the resource metrics API: within the 10–15 s of the
// kubelet's cAdvisor housekeeping and metrics-server's default resolution.
const SampleInterval = 10 * time.Second

// nodeKey is the node's own key in the tracker; container cgroup ids are
// "<pod uid>_<container>_<run>", so they never collide with it.
const nodeKey = "/"

// resourceSampler holds what the sampler last saw: the running containers'
// cgroups, pod by pod, and their samples. The summary handler reads only
// this, never a pod's lock, which a slow pod start holds for long.
type resourceSampler struct {
	tracker *resource.Tracker
	mu      sync.Mutex
	pods    map[string]sampledPod // by namespace/name
}

type sampledPod struct {
	uid        string
	containers []sampledContainer
}

type sampledContainer struct {
	name, cgroup string
	madeAt       time.Time // the run's start: its cgroup's CPU time was 0
}

func newResourceSampler() *resourceSampler {
	return &resourceSampler{tracker: resource.NewTracker(), pods: map[string]sampledPod{}}
}

// sampleResources samples every SampleInterval until ctx ends. Without
// cgroups there is nothing to read: the node serves an empty summary.
func (a *Agent) sampleResources(ctx context.Context) {
	if a.cfg.Cgroups == nil {
		return
	}
	t := a.cfg.Clock.NewTicker(SampleInterval)
	defer t.Stop()
	for {
		a.sampleOnce()
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
	}
}

// sampleOnce reads the root cgroups and those of every running container.
func (a *Agent) sampleOnce() {
	s := a.resources
	pods := a.runningCgroups()
	keep := map[string]bool{nodeKey: true}
	for _, p := range pods {
		for _, c := range p.containers {
			if st, err := a.cfg.Cgroups.Stats(c.cgroup); err == nil {
				s.tracker.Observe(c.cgroup, point(a.cfg.Clock.Now(), st), c.madeAt)
				keep[c.cgroup] = true
			}
		}
	}
	if st, err := a.cfg.Cgroups.RootStats(); err == nil {
		s.tracker.Observe(nodeKey, point(a.cfg.Clock.Now(), st), time.Time{})
	}
	s.tracker.Retain(func(k string) bool { return keep[k] })
	s.mu.Lock()
	s.pods = pods
	s.mu.Unlock()
}

// runningCgroups are the cgroups of the containers that run, by pod. A
// pod whose lock is held (by its sync) keeps the containers it had at the
// last sample: the sampler never waits for a pod.
func (a *Agent) runningCgroups() map[string]sampledPod {
	s := a.resources
	s.mu.Lock()
	previous := s.pods
	s.mu.Unlock()
	a.mu.Lock()
	records := make(map[string]*pod, len(a.state))
	for k, st := range a.state {
		records[k] = st
	}
	a.mu.Unlock()
	pods := map[string]sampledPod{}
	for key, st := range records {
		if !st.mu.TryLock() {
			if p, ok := previous[key]; ok {
				pods[key] = p
			}
			continue
		}
		p := sampledPod{uid: st.uid}
		for _, c := range st.containers {
			if c.running() && c.cgroup != "" {
				p.containers = append(p.containers, sampledContainer{name: c.name, cgroup: c.cgroup, madeAt: c.started})
			}
		}
		st.mu.Unlock()
		if len(p.containers) > 0 {
			pods[key] = p
		}
	}
	return pods
}

func point(now time.Time, st runtime.CgroupStats) resource.Point {
	return resource.Point{Time: now, CPUNanos: st.CPUNanos,
		MemoryWorkingSetBytes: resource.WorkingSet(st.MemoryUsageBytes, st.InactiveFileBytes)}
}

// summary is what the sampler knows, for the API server.
func (s *resourceSampler) summary() *resource.Summary {
	out := &resource.Summary{Pods: []resource.PodUsage{}}
	if u, ok := s.tracker.Usage(nodeKey); ok {
		out.Node = &u
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, p := range s.pods {
		ns, name, _ := strings.Cut(key, "/")
		pu := resource.PodUsage{Namespace: ns, Name: name, UID: p.uid}
		for _, c := range p.containers {
			if u, ok := s.tracker.Usage(c.cgroup); ok {
				pu.Containers = append(pu.Containers, resource.ContainerUsage{Name: c.name, Usage: u})
			}
		}
		if len(pu.Containers) > 0 {
			out.Pods = append(out.Pods, pu)
		}
	}
	return out
}

// resourceSummary serves resource.SummaryPath to the API server.
func (a *Agent) resourceSummary(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a.resources.summary())
}
