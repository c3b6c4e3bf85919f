package scheme

import (
	"encoding/json"

	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
)

// apps/v1beta1 StatefulSets left Kubernetes in 1.16, but seed 003's Redis
// Cluster manifest still uses them; ordo keeps serving them so the manifest
// applies unchanged. The v1beta1 and v1 types have the same JSON shape, so
// the conversion goes through JSON: a field present in both is carried over
// by name, with no hand-written copy to fall out of date.
func addStatefulSetV1beta1Conversions(s *runtime.Scheme) error {
	pairs := [][2]any{
		{(*appsv1beta1.StatefulSet)(nil), (*appsv1.StatefulSet)(nil)},
		{(*appsv1.StatefulSet)(nil), (*appsv1beta1.StatefulSet)(nil)},
		{(*appsv1beta1.StatefulSetList)(nil), (*appsv1.StatefulSetList)(nil)},
		{(*appsv1.StatefulSetList)(nil), (*appsv1beta1.StatefulSetList)(nil)},
	}
	for _, p := range pairs {
		if err := s.AddConversionFunc(p[0], p[1], convertSameShape); err != nil {
			return err
		}
	}
	return nil
}

// convertSameShape converts between two types whose JSON forms are the same,
// keeping the destination's apiVersion and kind.
func convertSameShape(in, out interface{}, _ conversion.Scope) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	obj := out.(runtime.Object)
	gvk := obj.GetObjectKind().GroupVersionKind()
	if err := json.Unmarshal(data, out); err != nil {
		return err
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return nil
}
