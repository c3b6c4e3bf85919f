package dashboard

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// TestRecordsDecodeOnceAndForgetByUID: a record is decoded as it
// arrives and its text dropped; handing back the stored (transformed)
// object, as a resync does, keeps the decoded runs; a delete drops them
// only for that UID.
func TestRecordsDecodeOnceAndForgetByUID(t *testing.T) {
	r := newRecords()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x.runs", UID: "one"},
		Data: map[string]string{runrecord.DataKey: `{"slot":"2026-01-01T00:00:00Z","outcome":"Missed","reason":"Suspended"}` + "\n"}}
	out, _ := r.transform(cm)
	if out.(*corev1.ConfigMap).Data != nil {
		t.Error("the record's text stayed in the informer's copy")
	}
	if runs, err := r.get("one"); err != nil || len(runs) != 1 || runs[0].Reason != "Suspended" {
		t.Fatalf("decoded %v %v", runs, err)
	}
	_, _ = r.transform(out) // a resync hands the stored object back
	if runs, _ := r.get("one"); len(runs) != 1 {
		t.Errorf("a resync lost the runs: %v", runs)
	}
	again := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x.runs", UID: "two"}, Data: map[string]string{runrecord.DataKey: ""}}
	_, _ = r.transform(again)
	r.forget().OnDelete(toolscache.DeletedFinalStateUnknown{Obj: cm})
	if _, ok := r.runs["one"]; ok {
		t.Error("the deleted record is kept")
	}
	if _, ok := r.runs["two"]; !ok {
		t.Error("a late delete of the old ConfigMap dropped the new one's record")
	}
	bad := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{UID: "bad"}, Data: map[string]string{runrecord.DataKey: "{"}}
	_, _ = r.transform(bad)
	if _, err := r.get("bad"); err == nil {
		t.Error("an unreadable record gave no error")
	}
}
