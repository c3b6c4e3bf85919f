package registry

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// secretHooks fold stringData into data on every create and update, as
// Kubernetes' conversion does: stringData is write-only, its keys win over
// the same keys in data, and it is never stored or returned.
var secretHooks = Hooks{
	PrepareForCreate: func(_ context.Context, obj runtime.Object) { mergeStringData(obj.(*corev1.Secret)) },
	PrepareForUpdate: func(obj, _ runtime.Object) { mergeStringData(obj.(*corev1.Secret)) },
}

// mergeStringData moves s.StringData into s.Data.
func mergeStringData(s *corev1.Secret) {
	if len(s.StringData) == 0 {
		s.StringData = nil
		return
	}
	if s.Data == nil {
		s.Data = make(map[string][]byte, len(s.StringData))
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}
