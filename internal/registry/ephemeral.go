package registry

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/ordo-dev/ordo/internal/api/validation"
)

// ephemeralStrategy is the update strategy of pods/ephemeralcontainers:
// only spec.ephemeralContainers change (kubectl debug adds one), each
// addition bumps the generation, and existing ones are immutable.
type ephemeralStrategy struct {
	*strategy
}

// ephemeralStore is the pod store writing through ephemeralStrategy.
func ephemeralStore(main *genericregistry.Store, s *strategy) *genericregistry.Store {
	st := *main
	es := &ephemeralStrategy{strategy: s}
	st.UpdateStrategy = es
	st.ResetFieldsStrategy = es
	return &st
}

func (s *ephemeralStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	pod, prev := obj.(*corev1.Pod), old.(*corev1.Pod)
	added := pod.Spec.EphemeralContainers
	prev.ObjectMeta.DeepCopyInto(&pod.ObjectMeta)
	pod.Spec = *prev.Spec.DeepCopy()
	pod.Status = *prev.Status.DeepCopy()
	pod.Spec.EphemeralContainers = added
	if len(added) != len(prev.Spec.EphemeralContainers) || fieldChanged(pod, prev, "Spec") {
		if m, err := meta.Accessor(pod); err == nil {
			m.SetGeneration(prev.Generation + 1)
		}
	}
}

func (s *ephemeralStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateEphemeralContainersUpdate(obj.(*corev1.Pod), old.(*corev1.Pod))
}

func (s *ephemeralStrategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

// GetResetFields: everything but spec.ephemeralContainers is wiped for
// server-side apply through this endpoint.
func (s *ephemeralStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{"v1": fieldpath.NewSet(fieldpath.MakePathOrDie("status"))}
}
