// Package revisions is the ControllerRevision shape shared by the
// controllers that keep a history of their pod template (DaemonSet,
// StatefulSet), as Kubernetes' controller history does: the revision's
// data is a strategic merge patch replacing the template (which `kubectl
// rollout undo` applies to the owner), its name is "<owner>-<hash>" with
// the hash of that data and the owner's collision count, and it carries
// the template's labels (kubectl rollout history finds revisions by the
// owner's selector). What a controller does with its history (which
// revision is current, which to prune) stays its own.
package revisions

import (
	"encoding/json"
	"fmt"
	"hash/fnv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/rand"
)

// Data is what a ControllerRevision of template holds: a strategic merge
// patch of the owner that replaces its template.
func Data(template *corev1.PodTemplateSpec) ([]byte, error) {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(template)
	if err != nil {
		return nil, err
	}
	raw["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": raw}})
}

// Template reads the template back out of a revision's data.
func Template(r *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
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

// Hash names revision data: equal templates share a revision, and a
// collision (a revision of that name with other data), counted in the
// owner's status.collisionCount, moves to another name.
func Hash(data []byte, collisions *int32) string {
	h := fnv.New32a()
	h.Write(data)
	if collisions != nil {
		fmt.Fprintf(h, "%d", *collisions)
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// New is the revision number of data for owner (of kind), named
// "<owner>-<hash>", controlled by owner and labelled with the template's
// labels plus controller-revision-hash=hashLabel (the hash for a
// DaemonSet, the revision's name for a StatefulSet, as in Kubernetes).
func New(owner metav1.Object, kind schema.GroupVersionKind, template *corev1.PodTemplateSpec, hash, hashLabel string, data []byte, number int64) *appsv1.ControllerRevision {
	labels := make(map[string]string, len(template.Labels)+1)
	for k, v := range template.Labels {
		labels[k] = v
	}
	labels[appsv1.ControllerRevisionHashLabelKey] = hashLabel
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: owner.GetName() + "-" + hash, Namespace: owner.GetNamespace(), Labels: labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(owner, kind)}},
		Data:     runtime.RawExtension{Raw: data},
		Revision: number,
	}
}
