package statefulset

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
)

// revisionData is what a ControllerRevision of a StatefulSet holds, in
// Kubernetes' shape: a strategic merge patch that replaces the template,
// which `kubectl rollout undo` applies to the set as it is.
func revisionData(template *corev1.PodTemplateSpec) ([]byte, error) {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(template)
	if err != nil {
		return nil, err
	}
	raw["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": raw}})
}

// templateOf reads the template back out of a revision's data.
func templateOf(r *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	var data struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(r.Data.Raw, &data); err != nil {
		return nil, fmt.Errorf("controllerrevision %s: %w", r.Name, err)
	}
	return &data.Spec.Template, nil
}

// revisionName is "<set>-<hash>", the hash of the data and the set's
// collision count, so equal templates share a revision and a collision
// (a revision of that name with other data) moves to another name.
func revisionName(set *appsv1.StatefulSet, data []byte) string {
	h := fnv.New32a()
	h.Write(data)
	if c := set.Status.CollisionCount; c != nil {
		fmt.Fprintf(h, "%d", *c)
	}
	return set.Name + "-" + rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// newRevision is the ControllerRevision for data, labelled with the
// template's labels (kubectl rollout history finds revisions by the set's
// selector) and owned by the set.
func newRevision(set *appsv1.StatefulSet, data []byte, number int64) *appsv1.ControllerRevision {
	labels := map[string]string{}
	for k, v := range set.Spec.Template.Labels {
		labels[k] = v
	}
	name := revisionName(set, data)
	labels[appsv1.ControllerRevisionHashLabelKey] = name
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: set.Namespace, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, setKind)}},
		Data:     runtime.RawExtension{Raw: data},
		Revision: number,
	}
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
