package statefulset

import (
	"sort"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/ordo-dev/ordo/internal/controller/revisions"
)

// revisionName is the name of the set's revision of data,
// "<set>-<hash>" (revisions.Hash).
func revisionName(set *appsv1.StatefulSet, data []byte) string {
	return set.Name + "-" + revisions.Hash(data, set.Status.CollisionCount)
}

// newRevision is the set's ControllerRevision of data; its
// controller-revision-hash label is its name, as in Kubernetes.
func newRevision(set *appsv1.StatefulSet, data []byte, number int64) *appsv1.ControllerRevision {
	hash := revisions.Hash(data, set.Status.CollisionCount)
	return revisions.New(set, setKind, &set.Spec.Template, hash, set.Name+"-"+hash, data, number)
}

// byRevision sorts revisions oldest first.
func byRevision(rs []*appsv1.ControllerRevision) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Revision != rs[j].Revision {
			return rs[i].Revision < rs[j].Revision
		}
		return rs[i].Name < rs[j].Name
	})
}

// prunable are the oldest revisions beyond limit that no pod and neither
// the current nor the update revision uses.
func prunable(revs []*appsv1.ControllerRevision, limit int, inUse map[string]bool) []*appsv1.ControllerRevision {
	byRevision(revs)
	var candidates []*appsv1.ControllerRevision
	for _, r := range revs {
		if !inUse[r.Name] {
			candidates = append(candidates, r)
		}
	}
	if len(candidates) <= limit {
		return nil
	}
	return candidates[:len(candidates)-limit]
}
