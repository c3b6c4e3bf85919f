package agent

import (
	"context"
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/kubernetes/fake"
)

func TestStatusPatchCarriesUIDAndMergesConditionsByType(t *testing.T) {
	old := corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
	}}
	new := corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
		{Type: corev1.PodReady, Status: corev1.ConditionTrue},
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
	}}
	patch, err := statusPatch("uid-1", old, new)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Metadata struct {
			UID string `json:"uid"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(patch, &m); err != nil || m.Metadata.UID != "uid-1" {
		t.Fatalf("patch %s: uid %q, err %v; want uid-1 as the precondition", patch, m.Metadata.UID, err)
	}
	// Applied to a stored pod that meanwhile gained a condition of another
	// owner, the patch keeps that condition and sets ours.
	stored := corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
		{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue},
	}}}
	storedJSON, _ := json.Marshal(stored)
	merged, err := strategicpatch.StrategicMergePatch(storedJSON, patch, corev1.Pod{})
	if err != nil {
		t.Fatal(err)
	}
	var got corev1.Pod
	if err := json.Unmarshal(merged, &got); err != nil {
		t.Fatal(err)
	}
	types := map[corev1.PodConditionType]bool{}
	for _, c := range got.Status.Conditions {
		types[c.Type] = true
	}
	if got.Status.Phase != corev1.PodRunning || !types[corev1.PodReady] || !types[corev1.DisruptionTarget] || !types[corev1.PodScheduled] {
		t.Fatalf("merged status %+v: want phase Running with Ready, PodScheduled and the other owner's DisruptionTarget", got.Status)
	}
}

func TestConditionsCarryOverOtherOwnersConditions(t *testing.T) {
	p := &corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{
		{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "TerminationByKubelet"},
		{Type: "example.com/gate", Status: corev1.ConditionFalse},
		{Type: corev1.PodReady, Status: corev1.ConditionTrue},
	}}}
	st := &pod{containers: map[string]*container{}}
	out := conditions(p, st, corev1.PodStatus{Phase: corev1.PodRunning}, t0)
	seen := map[corev1.PodConditionType]int{}
	for _, c := range out {
		seen[c.Type]++
	}
	if seen[corev1.DisruptionTarget] != 1 || seen["example.com/gate"] != 1 || seen[corev1.PodReady] != 1 {
		t.Fatalf("conditions %v: want other owners' conditions once each and one Ready of ours", seen)
	}
}

func TestDeletedPodWithNothingRunningIsTerminal(t *testing.T) {
	deleted := metav1.NewTime(t0)
	spec := corev1.PodSpec{RestartPolicy: corev1.RestartPolicyAlways, Containers: []corev1.Container{{Name: "a"}, {Name: "b"}}}
	exited := func(code int32) *container { return &container{exited: true, last: termination{code: code}} }
	for _, tc := range []struct {
		name       string
		deleting   bool
		containers map[string]*container
		want       corev1.PodPhase
	}{
		{"killed by the deletion", true, map[string]*container{"a": exited(143), "b": exited(0)}, corev1.PodFailed},
		{"every container exited 0", true, map[string]*container{"a": exited(0), "b": exited(0)}, corev1.PodSucceeded},
		{"deleted before it started", true, map[string]*container{}, corev1.PodFailed},
		{"not deleted: Always restarts it", false, map[string]*container{"a": exited(143), "b": exited(0)}, corev1.PodRunning},
	} {
		p := &corev1.Pod{Spec: spec}
		if tc.deleting {
			p.DeletionTimestamp = &deleted
		}
		if got := phase(p, &pod{containers: tc.containers}); got != tc.want {
			t.Errorf("%s: phase %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestReportStatusPutsBackWhatOthersChangedAfterItsWrite: the agent
// compares with what it last wrote while the informer's copy is older than
// that write, and with the copy once it is newer (the node lifecycle
// controller marked the pod not Ready while the agent was cut off).
func TestReportStatusPutsBackWhatOthersChangedAfterItsWrite(t *testing.T) {
	ready := corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
	notReady := corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}}
	for _, c := range []struct {
		name, copyVersion string
		wantWrite         bool
	}{
		{"the copy predates the agent's write", "9", false},
		{"the copy is the agent's write", "10", false},
		{"someone wrote after the agent", "12", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			obj := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "u", ResourceVersion: c.copyVersion}, Status: notReady}
			client := fake.NewClientset(obj.DeepCopy())
			a := &Agent{cfg: Config{Client: client}}
			st := &pod{uid: "u", reported: ready.DeepCopy(), reportedVersion: "10"}
			if err := a.reportStatus(context.Background(), obj, st, ready); err != nil {
				t.Fatal(err)
			}
			wrote := false
			for _, action := range client.Actions() {
				wrote = wrote || action.GetVerb() == "patch"
			}
			if wrote != c.wantWrite {
				t.Errorf("patched: %v, want %v", wrote, c.wantWrite)
			}
		})
	}
}
