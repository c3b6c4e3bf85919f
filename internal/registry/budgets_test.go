package registry

import (
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var evictAt = metav1.NewTime(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC))

func runningPod(name string, ready bool) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "web"}, ResourceVersion: "7"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
	}
}

func webBudget(allowed, current, desired int32) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", Generation: 1},
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
		Status: policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, DisruptionsAllowed: allowed,
			CurrentHealthy: current, DesiredHealthy: desired, ExpectedPods: current},
	}
}

func TestJudgeEviction(t *testing.T) {
	stale := webBudget(1, 2, 1)
	stale.Generation = 2
	always := webBudget(0, 1, 2)
	always.Spec.UnhealthyPodEvictionPolicy = ptr.To(policyv1.AlwaysAllow)
	for _, tc := range []struct {
		name      string
		pod       *corev1.Pod
		pdb       *policyv1.PodDisruptionBudget
		wantCause string // "" for no refusal
		retry     int32
		spend     bool
		pin       bool
	}{
		{name: "ready pod spends a disruption", pod: runningPod("a", true), pdb: webBudget(1, 2, 1), spend: true},
		{name: "no disruption left", pod: runningPod("a", true), pdb: webBudget(0, 2, 2),
			wantCause: "The disruption budget web needs 2 healthy pods and has 2 currently"},
		{name: "budget not yet observed", pod: runningPod("a", true), pdb: stale, retry: 10,
			wantCause: "The disruption budget web is still being processed by the server."},
		{name: "unready pod while the budget is met", pod: runningPod("a", false), pdb: webBudget(0, 2, 2), pin: true},
		{name: "unready pod while the budget is short", pod: runningPod("a", false), pdb: webBudget(0, 1, 2),
			wantCause: "The disruption budget web does not allow evicting pods currently"},
		{name: "unready pod, AlwaysAllow", pod: runningPod("a", false), pdb: always, pin: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := judgeEviction(tc.pod, tc.pdb, evictAt)
			if tc.wantCause != "" {
				checkRefusal(t, v.refuse, tc.wantCause, tc.retry)
				return
			}
			if v.refuse != nil {
				t.Fatalf("refused: %v", v.refuse)
			}
			if v.pinPod != tc.pin {
				t.Errorf("pinPod = %v, want %v", v.pinPod, tc.pin)
			}
			if (v.spent != nil) != tc.spend {
				t.Fatalf("spent = %v, want spending %v", v.spent, tc.spend)
			}
		})
	}
}

func checkRefusal(t *testing.T, err error, cause string, retry int32) {
	t.Helper()
	se, ok := err.(*apierrors.StatusError)
	if !ok {
		t.Fatalf("got %v, want a 429", err)
	}
	s := se.ErrStatus
	if s.Code != http.StatusTooManyRequests || s.Message != violatesBudget || s.Details.RetryAfterSeconds != retry {
		t.Errorf("got %d %q retry %d", s.Code, s.Message, s.Details.RetryAfterSeconds)
	}
	if len(s.Details.Causes) != 1 || s.Details.Causes[0].Type != policyv1.DisruptionBudgetCause || s.Details.Causes[0].Message != cause {
		t.Errorf("causes %+v, want %q", s.Details.Causes, cause)
	}
}

func TestSpendRecordsThePod(t *testing.T) {
	pdb := webBudget(1, 2, 1)
	pdb.Status.Conditions = []metav1.Condition{{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionTrue, Reason: policyv1.SufficientPodsReason}}
	out, err := spend(pdb, "a", evictAt)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status.DisruptionsAllowed != 0 || !out.Status.DisruptedPods["a"].Time.Equal(evictAt.Time) {
		t.Errorf("status %+v", out.Status)
	}
	c := out.Status.Conditions[0]
	if c.Status != metav1.ConditionFalse || c.Reason != policyv1.InsufficientPodsReason {
		t.Errorf("condition %+v", c)
	}
	if pdb.Status.DisruptionsAllowed != 1 || pdb.Status.DisruptedPods != nil {
		t.Error("spend changed its input")
	}
	neg := webBudget(-1, 0, 1)
	if _, err := spend(neg, "a", evictAt); !apierrors.IsForbidden(err) {
		t.Errorf("negative budget: %v", err)
	}
}

func TestOneBudget(t *testing.T) {
	pod := runningPod("a", true)
	other := webBudget(1, 1, 1)
	other.Name, other.Spec.Selector = "other", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}
	none := webBudget(1, 1, 1)
	none.Name, none.Spec.Selector = "none", nil
	elsewhere := webBudget(1, 1, 1)
	elsewhere.Namespace = "other"
	got, err := oneBudget([]*policyv1.PodDisruptionBudget{other, none, elsewhere, webBudget(1, 1, 1)}, pod)
	if err != nil || got == nil || got.Name != "web" {
		t.Fatalf("got %v, %v", got, err)
	}
	if got, err := oneBudget([]*policyv1.PodDisruptionBudget{other}, pod); got != nil || err != nil {
		t.Errorf("no budget: got %v, %v", got, err)
	}
	all := webBudget(1, 1, 1)
	all.Name, all.Spec.Selector = "all", &metav1.LabelSelector{}
	_, err = oneBudget([]*policyv1.PodDisruptionBudget{all, webBudget(1, 1, 1)}, pod)
	if se, ok := err.(*apierrors.StatusError); !ok || se.ErrStatus.Code != http.StatusInternalServerError || se.ErrStatus.Message != severalBudgets {
		t.Errorf("two budgets: %v", err)
	}
}

func TestBudgetAppliesAndPinned(t *testing.T) {
	pending := runningPod("a", false)
	pending.Status.Phase = corev1.PodPending
	done := runningPod("a", false)
	done.Status.Phase = corev1.PodSucceeded
	deleting := runningPod("a", true)
	deleting.DeletionTimestamp = &evictAt
	for _, p := range []*corev1.Pod{pending, done, deleting} {
		if budgetApplies(p) {
			t.Errorf("budget applies to %s pod", p.Status.Phase)
		}
	}
	if !budgetApplies(runningPod("a", false)) {
		t.Error("budget does not apply to a running pod")
	}
	opts := pinned(&metav1.DeleteOptions{}, runningPod("a", true))
	if opts.Preconditions == nil || *opts.Preconditions.ResourceVersion != "7" {
		t.Errorf("pinned %+v", opts)
	}
	if o := pinned(&metav1.DeleteOptions{}, done); o.Preconditions != nil {
		t.Errorf("a finished pod was pinned: %+v", o)
	}
	own := "3"
	if o := pinned(&metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &own}}, runningPod("a", true)); *o.Preconditions.ResourceVersion != "3" {
		t.Error("the caller's precondition was replaced")
	}
}
