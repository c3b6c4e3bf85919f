package statefulset

import (
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ordo-dev/ordo/internal/controller/podcontrol"
)

// actionKind is what one step does to one ordinal.
type actionKind int

const (
	createPod actionKind = iota
	deletePod
)

// action is one step of a plan.
type action struct {
	kind     actionKind
	ordinal  int
	revision string      // createPod: the revision whose template to use
	pod      *corev1.Pod // deletePod
	why      string
}

// view is what plan decides from: the set, its member pods by ordinal,
// and its current and update revisions.
type view struct {
	set              *appsv1.StatefulSet
	pods             map[int]*corev1.Pod
	current, update  string
	revisionOf       func(*corev1.Pod) string
	now              time.Time
	minReady         time.Duration
	orderedReady     bool
	rollingPartition int // -1: no rolling update (OnDelete)
	maxUnavailable   int // pods of the range a rolling update may have unavailable at once
}

func newView(set *appsv1.StatefulSet, pods map[int]*corev1.Pod, current, update string, now time.Time) view {
	v := view{set: set, pods: pods, current: current, update: update, now: now,
		revisionOf:       func(p *corev1.Pod) string { return p.Labels[revisionLabel] },
		minReady:         time.Duration(set.Spec.MinReadySeconds) * time.Second,
		orderedReady:     set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement,
		rollingPartition: -1,
		maxUnavailable:   1,
	}
	if s := set.Spec.UpdateStrategy; s.Type != appsv1.OnDeleteStatefulSetStrategyType {
		v.rollingPartition = 0
		if s.RollingUpdate != nil && s.RollingUpdate.Partition != nil {
			v.rollingPartition = int(*s.RollingUpdate.Partition)
		}
		if s.RollingUpdate != nil {
			v.maxUnavailable = resolveMaxUnavailable(s.RollingUpdate.MaxUnavailable, set)
		}
	}
	return v
}

// resolveMaxUnavailable is rollingUpdate.maxUnavailable as Kubernetes
// reads it: 1 when unset, a percentage of replicas rounded up, never
// below 1.
func resolveMaxUnavailable(mu *intstr.IntOrString, set *appsv1.StatefulSet) int {
	if mu == nil {
		return 1
	}
	start, end := ordinals(set)
	n, err := intstr.GetScaledValueFromIntOrPercent(mu, end-start, true)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// plan decides the next steps, as Kubernetes' StatefulSet controller does:
//
//  1. each wanted ordinal, lowest first: a missing pod is created (at the
//     current revision below the partition, else the update revision); a
//     failed one is deleted to be created again. With OrderedReady the
//     plan stops at the first ordinal that is missing, failed, terminating
//     or not Running and Ready: pod N never starts before 0..N-1 are Ready.
//  2. pods beyond the wanted range, highest first, are deleted; with
//     OrderedReady one at a time, only once every wanted pod is Ready, and
//     not while a lower one is unavailable: an unavailable condemned pod
//     is deleted only when it is the lowest unavailable one, so scale-down
//     halts on an unhealthy pod as it does in Kubernetes.
//  3. with RollingUpdate, once nothing else is pending: from the highest
//     ordinal down to the partition, pods not at the update revision are
//     deleted (to be created at it), at most maxUnavailable (default 1)
//     unavailable at once. OrderedReady, by step 1, waits for a whole
//     batch to be Ready; Parallel refills the window as pods come up.
//
// As in Kubernetes (kubernetes/kubernetes#67250), a pod that is not Ready
// holds an OrderedReady rollout up until it is Ready or deleted by hand:
// Kubernetes' conformance tests check exactly that, and an earlier ordo
// that replaced such a pod at once failed them.
func plan(v view) []action {
	start, end := ordinals(v.set)
	var acts []action
	for ord := start; ord < end; ord++ {
		step, wait := v.wanted(ord, ord-start)
		acts = append(acts, step...)
		if wait && v.orderedReady {
			return acts
		}
	}
	condemned := v.condemned(start, end)
	first := v.firstUnavailable(condemned)
	for _, p := range condemned {
		if v.orderedReady && p.DeletionTimestamp == nil && !v.available(p) && p != first {
			return acts
		}
		if p.DeletionTimestamp == nil {
			acts = append(acts, action{kind: deletePod, ordinal: ordinalOf(v.set, p), pod: p, why: "scale down"})
		}
		if v.orderedReady {
			return acts
		}
	}
	if len(acts) > 0 || v.rollingPartition < 0 {
		return acts
	}
	return v.rollingUpdate(start, end)
}

// rollingUpdate deletes, from the highest ordinal down to the partition,
// pods not at the update revision (they are created again at it), as
// many as maxUnavailable leaves room for: every unavailable pod of the
// range, updated or not, counts against it, as in Kubernetes.
func (v view) rollingUpdate(start, end int) []action {
	room := v.maxUnavailable
	for ord := start; ord < end; ord++ {
		if !v.available(v.pods[ord]) {
			room--
		}
	}
	var acts []action
	for ord := end - 1; ord-start >= v.rollingPartition && room > 0; ord-- {
		p := v.pods[ord]
		if v.revisionOf(p) == v.update || p.DeletionTimestamp != nil {
			continue
		}
		acts = append(acts, action{kind: deletePod, ordinal: ord, pod: p, why: "update to revision " + v.update})
		if v.available(p) {
			room--
		}
	}
	return acts
}

// available is Running and Ready for minReadySeconds.
func (v view) available(p *corev1.Pod) bool {
	if p == nil || !runningAndReady(p) {
		return false
	}
	_, since := podcontrol.ReadySince(p)
	return !v.now.Before(since.Add(v.minReady))
}

// wanted is the step for one wanted ordinal (index idx in the range), and
// whether an ordered set must wait there.
func (v view) wanted(ord, idx int) ([]action, bool) {
	p := v.pods[ord]
	switch {
	case p == nil:
		return []action{{kind: createPod, ordinal: ord, revision: v.revisionFor(idx)}}, true
	case p.DeletionTimestamp != nil:
		return nil, true
	case p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded:
		return []action{{kind: deletePod, ordinal: ord, pod: p, why: "pod " + string(p.Status.Phase)}}, true
	case !runningAndReady(p):
		return nil, true
	}
	return nil, false
}

// revisionFor is the revision a new pod at range index idx gets.
func (v view) revisionFor(idx int) string {
	if v.rollingPartition >= 0 && idx < v.rollingPartition && v.current != "" {
		return v.current
	}
	return v.update
}

// firstUnavailable is the lowest-ordinal unavailable pod of condemned
// (highest ordinal first): the one unavailable pod OrderedReady may still
// delete, as Kubernetes' firstUnavailablePod. Step 1 has already waited
// when a wanted pod is unavailable.
func (v view) firstUnavailable(condemned []*corev1.Pod) *corev1.Pod {
	for i := len(condemned) - 1; i >= 0; i-- {
		if !v.available(condemned[i]) {
			return condemned[i]
		}
	}
	return nil
}

// condemned are the pods outside [start, end), highest ordinal first.
func (v view) condemned(start, end int) []*corev1.Pod {
	var out []*corev1.Pod
	for ord, p := range v.pods {
		if ord < start || ord >= end {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return ordinalOf(v.set, out[i]) > ordinalOf(v.set, out[j]) })
	return out
}

func runningAndReady(p *corev1.Pod) bool {
	ready, _ := podcontrol.ReadySince(p)
	return p.Status.Phase == corev1.PodRunning && ready && p.DeletionTimestamp == nil
}

// computeStatus counts the pods as Kubernetes does, and moves the current
// revision to the update revision once a rolling update has every wanted
// pod updated and Ready. It also says when a pod becomes available.
func computeStatus(v view) (appsv1.StatefulSetStatus, *time.Duration) {
	set := v.set
	st := appsv1.StatefulSetStatus{ObservedGeneration: set.Generation, CurrentRevision: v.current, UpdateRevision: v.update,
		CollisionCount: set.Status.CollisionCount, Conditions: set.Status.Conditions}
	var next *time.Duration
	for _, p := range v.pods {
		st.Replicas++
		if runningAndReady(p) {
			st.ReadyReplicas++
			_, since := podcontrol.ReadySince(p)
			if at := since.Add(v.minReady); !v.now.Before(at) {
				st.AvailableReplicas++
			} else if d := at.Sub(v.now) + time.Second; next == nil || d < *next {
				next = &d
			}
		}
		if p.DeletionTimestamp == nil {
			switch v.revisionOf(p) {
			case v.current:
				st.CurrentReplicas++
			}
			if v.revisionOf(p) == v.update {
				st.UpdatedReplicas++
			}
		}
	}
	start, end := ordinals(set)
	want := int32(end - start)
	if v.rollingPartition >= 0 && st.UpdatedReplicas == want && st.ReadyReplicas == want && st.Replicas == want {
		st.CurrentRevision, st.CurrentReplicas = v.update, st.UpdatedReplicas
	}
	if st.CurrentRevision == "" {
		st.CurrentRevision = v.update
	}
	return st, next
}
