package objcache

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
)

func podWith(uid, configMap string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: uid, Namespace: "ns", UID: types.UID("uid-" + uid)},
		Spec: corev1.PodSpec{Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{
			Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{ConfigMap: &corev1.ConfigMapProjection{
				LocalObjectReference: corev1.LocalObjectReference{Name: configMap}}}}}}}}}}
}

// eventually waits for cond (a watch event to arrive); the bound only
// keeps a broken watch from hanging the test.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

// TestReferencedConfigMapsAreServedFromOneSharedWatch: pods referencing
// the same ConfigMap share one watch; reads come from it, with no GET, and
// follow updates; the watch stops with the last pod's unregistration.
func TestReferencedConfigMapsAreServedFromOneSharedWatch(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt", Namespace: "ns"},
		Data: map[string]string{"ca.crt": "one"}})
	c := New(client)
	defer c.Stop()
	a, b := podWith("a", "kube-root-ca.crt"), podWith("b", "kube-root-ca.crt")
	c.Register(a)
	c.Register(b)
	c.Register(a) // again, as on every sync: no second reference
	if n := c.Watched(); n != 1 {
		t.Fatalf("%d watches for one ConfigMap two pods reference, want 1", n)
	}
	cm, err := c.ConfigMap(ctx, "ns", "kube-root-ca.crt")
	if err != nil || cm.Data["ca.crt"] != "one" {
		t.Fatalf("read %v, %v", cm, err)
	}
	for _, act := range client.Actions() {
		if act.GetVerb() == "get" {
			t.Errorf("a watched ConfigMap was read with a GET: %v", act)
		}
	}
	cm = cm.DeepCopy()
	cm.Data["ca.crt"] = "two"
	if _, err := client.CoreV1().ConfigMaps("ns").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the update reaches the cache", func() bool {
		got, err := c.ConfigMap(ctx, "ns", "kube-root-ca.crt")
		return err == nil && got.Data["ca.crt"] == "two"
	})
	c.Unregister(a.UID)
	if n := c.Watched(); n != 1 {
		t.Fatalf("%d watches while pod b still references it, want 1", n)
	}
	c.Unregister(b.UID)
	if n := c.Watched(); n != 0 {
		t.Fatalf("%d watches after the last pod went, want 0", n)
	}
}

// TestMissingWatchedObjectIsNotFoundAndUnwatchedOnesAreRead: a referenced
// ConfigMap that does not exist reads as NotFound (an optional volume
// source is then empty); one no registered pod references is read from
// the API, as before.
func TestMissingWatchedObjectIsNotFoundAndUnwatchedOnesAreRead(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}})
	c := New(client)
	defer c.Stop()
	c.Register(podWith("a", "missing"))
	if _, err := c.ConfigMap(ctx, "ns", "missing"); !apierrors.IsNotFound(err) {
		t.Errorf("missing watched ConfigMap: %v, want NotFound", err)
	}
	if s, err := c.Secret(ctx, "ns", "s"); err != nil || s.Name != "s" {
		t.Errorf("unwatched Secret: %v, %v", s, err)
	}
}
