package defaults

import corev1 "k8s.io/api/core/v1"

// LimitRange fills each Container item as Kubernetes' SetDefaults_LimitRangeItem:
// a missing default limit is the max, a missing default request is the
// default limit, or else the min. Pod and PersistentVolumeClaim items take
// no defaults.
func LimitRange(lr *corev1.LimitRange) {
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		if item.Type != corev1.LimitTypeContainer {
			continue
		}
		if item.Default == nil {
			item.Default = corev1.ResourceList{}
		}
		if item.DefaultRequest == nil {
			item.DefaultRequest = corev1.ResourceList{}
		}
		fillMissing(item.Default, item.Max)
		fillMissing(item.DefaultRequest, item.Default)
		fillMissing(item.DefaultRequest, item.Min)
	}
}

func fillMissing(into, from corev1.ResourceList) {
	for name, q := range from {
		if _, ok := into[name]; !ok {
			into[name] = q.DeepCopy()
		}
	}
}
