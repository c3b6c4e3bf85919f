package revisions

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// A revision reads back the template it was made of, is named
// "<owner>-<hash>", carries the template's labels and the hash label, is
// controlled by its owner, and a collision count moves the hash.
func TestRevisionRoundTripAndNaming(t *testing.T) {
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "ns", UID: "u1"},
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "agent"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}}}
	data, err := Data(&ds.Spec.Template)
	if err != nil {
		t.Fatal(err)
	}
	hash := Hash(data, nil)
	if Hash(data, ptr.To[int32](1)) == hash {
		t.Error("a collision count does not change the hash")
	}
	r := New(ds, appsv1.SchemeGroupVersion.WithKind("DaemonSet"), &ds.Spec.Template, hash, "label", data, 3)
	if r.Name != "agent-"+hash || r.Namespace != "ns" || r.Revision != 3 {
		t.Errorf("revision %s/%s number %d", r.Namespace, r.Name, r.Revision)
	}
	if r.Labels["app"] != "agent" || r.Labels[appsv1.ControllerRevisionHashLabelKey] != "label" {
		t.Errorf("labels %v", r.Labels)
	}
	if ref := metav1.GetControllerOf(r); ref == nil || ref.UID != "u1" || ref.Kind != "DaemonSet" {
		t.Errorf("controller %+v", ref)
	}
	back, err := Template(r)
	if err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(*back, ds.Spec.Template) {
		t.Errorf("template read back %+v, want %+v", back, ds.Spec.Template)
	}
}
