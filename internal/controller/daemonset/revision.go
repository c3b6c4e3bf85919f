package daemonset

import (
	"bytes"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/controller/revisions"
)

var dsKind = appsv1.SchemeGroupVersion.WithKind("DaemonSet")

// history is the decision about revisions: the current revision, and
// whether it must be created or renumbered (an undo brings back an old
// template, whose revision becomes the newest).
type history struct {
	current  *appsv1.ControllerRevision
	create   bool
	renumber bool
}

// currentRevision finds or makes the revision of the DaemonSet's template
// among the revisions it owns. A revision is the template's when its data
// is, whatever its name and hash label (Kubernetes' history Match): a
// client may create one (ControllerRevision's conformance test copies the
// current revision's data under another name and the next number), and
// taking it as current keeps the history as Kubernetes keeps it, rather
// than recreating a revision it already has. Of several, the newest is
// current, as Kubernetes' dedup keeps it.
func currentRevision(ds *appsv1.DaemonSet, owned []*appsv1.ControllerRevision) (history, error) {
	data, err := revisions.Data(&ds.Spec.Template)
	if err != nil {
		return history{}, err
	}
	hash := revisions.Hash(data, ds.Status.CollisionCount)
	var newest int64
	var match *appsv1.ControllerRevision
	for _, r := range owned {
		newest = max(newest, r.Revision)
		if bytes.Equal(r.Data.Raw, data) && (match == nil || r.Revision > match.Revision) {
			match = r
		}
	}
	if match != nil {
		if match.Revision == newest {
			return history{current: match}, nil
		}
		r := match.DeepCopy()
		r.Revision = newest + 1
		return history{current: r, renumber: true}, nil
	}
	return history{current: revisions.New(ds, dsKind, &ds.Spec.Template, hash, hash, data, newest+1), create: true}, nil
}

// prunable are the oldest revisions beyond the history limit that are
// neither current nor the revision of a live pod.
func prunable(revs []*appsv1.ControllerRevision, limit int, current string, pods []*corev1.Pod) []*appsv1.ControllerRevision {
	inUse := map[string]bool{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			inUse[p.Labels[appsv1.ControllerRevisionHashLabelKey]] = true
		}
	}
	var candidates []*appsv1.ControllerRevision
	for _, r := range revs {
		if r.Name != current && !inUse[r.Labels[appsv1.ControllerRevisionHashLabelKey]] {
			candidates = append(candidates, r)
		}
	}
	if len(candidates) <= limit {
		return nil
	}
	sort.SliceStable(candidates, func(i, j int) bool { return candidates[i].Revision < candidates[j].Revision })
	return candidates[:len(candidates)-limit]
}

// newPod is a daemon pod of the DaemonSet's template for node: labelled
// with the revision hash and template generation, with the daemon
// tolerations and the affinity that binds it to the node, named by the
// server from "<ds>-", controlled by the DaemonSet.
func newPod(ds *appsv1.DaemonSet, hash, node string) *corev1.Pod {
	t := ds.Spec.Template.DeepCopy()
	labels := map[string]string{}
	for k, v := range t.Labels {
		labels[k] = v
	}
	labels[appsv1.ControllerRevisionHashLabelKey] = hash
	if g := templateGeneration(ds); g != "" {
		labels[templateGenerationLabel] = g
	}
	withDaemonTolerations(&t.Spec)
	bindToNode(&t.Spec, node)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    ds.Name + "-",
			Namespace:       ds.Namespace,
			Labels:          labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ds, dsKind)},
		},
		Spec: t.Spec,
	}
}
