package daemonset

import (
	"sort"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ordo-dev/ordo/internal/controller/podcontrol"
)

// templateGenerationAnnotation is where apps/v1 keeps the template
// generation the API server counts (registry.TemplateGenerationAnnotation).
const templateGenerationAnnotation = "deprecated.daemonset.template.generation"

// templateGenerationLabel labels a daemon pod with the template
// generation it was made from (extensions/v1beta1's
// DaemonSetTemplateGenerationKey, which Kubernetes still sets).
const templateGenerationLabel = "pod-template-generation"

// view is what one sync decides from: the DaemonSet, the nodes, the
// DaemonSet's pods by the node they are for, and the current revision's
// hash. Everything in it is read-only.
type view struct {
	ds    *appsv1.DaemonSet
	nodes []*corev1.Node
	pods  map[string][]*corev1.Pod
	hash  string
	now   time.Time
}

// plan is what a sync does: create a pod on each node of create, delete
// the pods of remove, and delete the failed pods of failed (each once its
// node's back-off allows, with a FailedDaemonPod event).
type plan struct {
	create []string
	remove []*corev1.Pod
	failed []*corev1.Pod
}

// byNode files pods by the node they are for.
func byNode(pods []*corev1.Pod) map[string][]*corev1.Pod {
	out := map[string][]*corev1.Pod{}
	for _, p := range pods {
		n := targetNode(p)
		out[n] = append(out[n], p)
	}
	return out
}

// decide is the whole decision of one sync: manage's, then the update
// strategy's from the same view, without duplicates.
func decide(v view) plan {
	pl := manage(v)
	if v.ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType {
		return pl
	}
	remove, create := rollingUpdate(v)
	seen := map[string]bool{}
	for _, p := range pl.remove {
		seen[p.Name] = true
	}
	for _, p := range remove {
		if !seen[p.Name] {
			seen[p.Name] = true
			pl.remove = append(pl.remove, p)
		}
	}
	planned := map[string]bool{}
	for _, n := range pl.create {
		planned[n] = true
	}
	for _, n := range create {
		if !planned[n] {
			pl.create = append(pl.create, n)
		}
	}
	return pl
}

// manage brings each node to its one daemon pod, as Kubernetes'
// podsShouldBeOnNode: create where one should run and none exists (a pod
// being deleted still counts: the next sync creates); on a node that may
// keep its pods, delete failed and succeeded ones and the surplus (keep
// the oldest; with surge, the oldest new beside the oldest old until the
// new is available or the old is not ready); elsewhere delete them all.
// Pods for nodes that no longer exist go too.
func manage(v view) plan {
	var pl plan
	known := map[string]bool{}
	for _, n := range v.nodes {
		known[n.Name] = true
		where := place(n, v.ds)
		pods := v.pods[n.Name]
		switch {
		case where.run && len(pods) == 0:
			pl.create = append(pl.create, n.Name)
		case where.keep:
			running := keepRunning(&pl, pods)
			pl.remove = append(pl.remove, surplus(v, running)...)
		default:
			pl.remove = append(pl.remove, notDeleting(pods)...)
		}
	}
	for _, name := range sortedKeys(v.pods) {
		if !known[name] {
			pl.remove = append(pl.remove, notDeleting(v.pods[name])...)
		}
	}
	return pl
}

// keepRunning returns the pods that run or will, putting finished ones in
// the plan: failed ones to delete after back-off, succeeded ones at once.
func keepRunning(pl *plan, pods []*corev1.Pod) []*corev1.Pod {
	var running []*corev1.Pod
	for _, p := range pods {
		switch {
		case p.DeletionTimestamp != nil:
		case p.Status.Phase == corev1.PodFailed:
			pl.failed = append(pl.failed, p)
		case p.Status.Phase == corev1.PodSucceeded:
			pl.remove = append(pl.remove, p)
		default:
			running = append(running, p)
		}
	}
	return running
}

// surplus are the running pods of one node beyond what may stay: all but
// the oldest; with surge, all but the oldest new and the oldest old, and
// the old one too once the new one is available or the old one not ready.
func surplus(v view, running []*corev1.Pod) []*corev1.Pod {
	if len(running) <= 1 {
		return nil
	}
	sort.SliceStable(running, func(i, j int) bool { return olderFirst(running[i], running[j]) })
	if !allowsSurge(v.ds) {
		return running[1:]
	}
	var out []*corev1.Pod
	var newest, oldest *corev1.Pod
	for _, p := range running {
		switch {
		case updated(p, v.ds, v.hash) && newest == nil:
			newest = p
		case !updated(p, v.ds, v.hash) && oldest == nil:
			oldest = p
		default:
			out = append(out, p)
		}
	}
	if newest != nil && oldest != nil && (!ready(oldest) || available(newest, v.ds, v.now)) {
		out = append(out, oldest)
	}
	return out
}

// rollingUpdate replaces old pods, as Kubernetes' rollingUpdate. Without
// surge it deletes old pods (the manage loop then creates new ones) while
// at most maxUnavailable nodes lack an available pod; an old pod that is
// not available anyway is always replaced. With surge it creates new pods
// beside available old ones, at most maxSurge at a time (and at once
// where the old one is unavailable), and deletes an old pod when its
// replacement is available.
func rollingUpdate(v view) (remove []*corev1.Pod, create []string) {
	nodes := map[string]*corev1.Node{}
	for _, n := range v.nodes {
		nodes[n.Name] = n
	}
	desired, pods := 0, map[string][]*corev1.Pod{}
	for name, ps := range v.pods {
		if nodes[name] != nil {
			pods[name] = ps
		}
	}
	for _, n := range v.nodes {
		if place(n, v.ds).run {
			desired++
			if _, ok := pods[n.Name]; !ok {
				pods[n.Name] = nil
			}
		}
	}
	maxSurge, maxUnavailable := budgets(v.ds, desired)
	if !allowsSurge(v.ds) {
		return replaceInPlace(v, pods, maxUnavailable), nil
	}
	return surge(v, nodes, pods, maxSurge)
}

// budgets scales maxSurge and maxUnavailable to the desired count,
// rounding up; both zero (an impossible setting) means one unavailable.
func budgets(ds *appsv1.DaemonSet, desired int) (maxSurge, maxUnavailable int) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	scaled := func(v *intstr.IntOrString) int {
		if v == nil {
			return 0
		}
		n, err := intstr.GetScaledValueFromIntOrPercent(v, desired, true)
		if err != nil {
			return 0
		}
		return n
	}
	if ru != nil {
		maxSurge, maxUnavailable = scaled(ru.MaxSurge), scaled(ru.MaxUnavailable)
	}
	if desired > 0 && maxSurge == 0 && maxUnavailable == 0 {
		maxUnavailable = 1
	}
	return maxSurge, maxUnavailable
}

func replaceInPlace(v view, pods map[string][]*corev1.Pod, maxUnavailable int) []*corev1.Pod {
	unavailable := 0
	var replace, candidates []*corev1.Pod
	for _, name := range sortedKeys(pods) {
		newPod, oldPod, ok := splitOnNode(v, pods[name])
		switch {
		case !ok, newPod == nil && oldPod == nil, newPod != nil && oldPod != nil:
			unavailable++ // the manage loop sorts this node out
		case newPod != nil:
			if !available(newPod, v.ds, v.now) {
				unavailable++
			}
		case !available(oldPod, v.ds, v.now):
			replace = append(replace, oldPod)
		case unavailable < maxUnavailable:
			candidates = append(candidates, oldPod)
		}
	}
	room := min(max(maxUnavailable-unavailable, 0), len(candidates))
	return append(replace, candidates[:room]...)
}

func surge(v view, nodes map[string]*corev1.Node, pods map[string][]*corev1.Pod, maxSurge int) (remove []*corev1.Pod, create []string) {
	surged := 0
	var candidates []string
	for _, name := range sortedKeys(pods) {
		newPod, oldPod, ok := splitOnNode(v, pods[name])
		switch {
		case !ok:
			surged++
		case oldPod == nil:
		case newPod == nil:
			where := place(nodes[name], v.ds)
			switch {
			case !where.run:
				if !available(oldPod, v.ds, v.now) {
					remove = append(remove, oldPod)
				}
			case !available(oldPod, v.ds, v.now):
				create = append(create, name)
			case surged < maxSurge:
				candidates = append(candidates, name)
			}
		case !available(newPod, v.ds, v.now):
			surged++
		default:
			remove = append(remove, oldPod)
		}
	}
	room := min(max(maxSurge-surged, 0), len(candidates))
	return remove, append(create, candidates[:room]...)
}

// splitOnNode finds the one new and the one old pod of a node, leaving
// out pods being deleted; ok is false when there are several of either
// (the manage loop first removes the surplus).
func splitOnNode(v view, pods []*corev1.Pod) (newPod, oldPod *corev1.Pod, ok bool) {
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if updated(p, v.ds, v.hash) {
			if newPod != nil {
				return nil, nil, false
			}
			newPod = p
		} else {
			if oldPod != nil {
				return nil, nil, false
			}
			oldPod = p
		}
	}
	return newPod, oldPod, true
}

// allowsSurge: a rolling update with a non-zero maxSurge.
func allowsSurge(ds *appsv1.DaemonSet) bool {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || ru == nil || ru.MaxSurge == nil {
		return false
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, 100, true)
	return err == nil && n > 0
}

// updated: the pod is of the current revision (its hash), or, as
// Kubernetes also accepts, of the current template generation.
func updated(p *corev1.Pod, ds *appsv1.DaemonSet, hash string) bool {
	if hash != "" && p.Labels[appsv1.ControllerRevisionHashLabelKey] == hash {
		return true
	}
	gen, ok := ds.Annotations[templateGenerationAnnotation]
	return ok && p.Labels[templateGenerationLabel] == gen
}

// olderFirst orders a node's pods: bound before unbound, then oldest.
func olderFirst(a, b *corev1.Pod) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName != ""
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

func notDeleting(pods []*corev1.Pod) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func ready(p *corev1.Pod) bool {
	ok, _ := podcontrol.ReadySince(p)
	return ok
}

// available: Ready for at least the DaemonSet's minReadySeconds.
func available(p *corev1.Pod, ds *appsv1.DaemonSet, now time.Time) bool {
	ok, since := podcontrol.ReadySince(p)
	minReady := time.Duration(ds.Spec.MinReadySeconds) * time.Second
	return ok && (minReady == 0 || !now.Before(since.Add(minReady)))
}

// computeStatus counts, as Kubernetes does, over the nodes: desired (should
// run), current (should run and has a pod), ready, available and updated
// (of its oldest pod), misscheduled (has a pod but should not); and says
// when to look again for a pod that becomes available with time.
func computeStatus(v view) (appsv1.DaemonSetStatus, *time.Duration) {
	st := appsv1.DaemonSetStatus{ObservedGeneration: v.ds.Generation, CollisionCount: v.ds.Status.CollisionCount,
		Conditions: v.ds.Status.Conditions}
	var next *time.Duration
	minReady := time.Duration(v.ds.Spec.MinReadySeconds) * time.Second
	for _, n := range v.nodes {
		pods := v.pods[n.Name]
		if !place(n, v.ds).run {
			if len(pods) > 0 {
				st.NumberMisscheduled++
			}
			continue
		}
		st.DesiredNumberScheduled++
		if len(pods) == 0 {
			continue
		}
		st.CurrentNumberScheduled++
		sorted := append([]*corev1.Pod(nil), pods...)
		sort.SliceStable(sorted, func(i, j int) bool { return olderFirst(sorted[i], sorted[j]) })
		p := sorted[0]
		if ok, since := podcontrol.ReadySince(p); ok {
			st.NumberReady++
			if available(p, v.ds, v.now) {
				st.NumberAvailable++
			} else if d := since.Add(minReady).Sub(v.now) + time.Second; next == nil || d < *next {
				next = &d
			}
		}
		if updated(p, v.ds, v.hash) {
			st.UpdatedNumberScheduled++
		}
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	return st, next
}

// templateGeneration is the DaemonSet's template generation as its pods'
// pod-template-generation label carries it, "" when unknown.
func templateGeneration(ds *appsv1.DaemonSet) string {
	g := ds.Annotations[templateGenerationAnnotation]
	if _, err := strconv.ParseInt(g, 10, 64); err != nil {
		return ""
	}
	return g
}
