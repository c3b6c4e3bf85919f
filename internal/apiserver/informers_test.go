package apiserver

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestDropManagedFields: the API server's own caches keep an object but
// not its server-side apply bookkeeping.
func TestDropManagedFields(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"a": "b"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply}}}}
	out, err := dropManagedFields(pod)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.Pod)
	if got.ManagedFields != nil || got.Name != "p" || got.Labels["a"] != "b" {
		t.Errorf("after the transform: %+v", got.ObjectMeta)
	}
	// Objects without metadata (a tombstone) pass through unchanged.
	if out, err := dropManagedFields("not an object"); err != nil || out != "not an object" {
		t.Errorf("dropManagedFields(string) = %v, %v", out, err)
	}
}
