package runrecord

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCacheDecodesOncePerResourceVersion(t *testing.T) {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: ObjectName("tick"), UID: "u1", ResourceVersion: "5"},
		Data:       map[string]string{DataKey: Encode([]Run{{Slot: t0, Outcome: Succeeded}})},
	}
	c := NewCache()
	first, err := c.Runs(cm)
	if err != nil || len(first) != 1 {
		t.Fatalf("runs %v err %v", first, err)
	}
	// Same resourceVersion: the decoded runs are reused, even though the
	// data given differs (it cannot, for one resourceVersion).
	same := cm.DeepCopy()
	same.Data[DataKey] = ""
	if again, _ := c.Runs(same); len(again) != 1 || &again[0] != &first[0] {
		t.Error("decoded again for the same resourceVersion")
	}
	next := cm.DeepCopy()
	next.ResourceVersion = "6"
	next.Data[DataKey] = Encode([]Run{{Slot: t0, Outcome: Succeeded}, {Slot: t0.Add(time.Second), Outcome: Running}})
	if runs, _ := c.Runs(next); len(runs) != 2 {
		t.Errorf("a new resourceVersion was not decoded: %v", runs)
	}
	c.Forget("ns", cm.Name)
	if runs, _ := c.Runs(same); len(runs) != 0 {
		t.Errorf("after Forget: %v", runs)
	}
}
