package budget

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCovers(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"app": "web"}}}
	pdb := func(ns string, sel *metav1.LabelSelector) *policyv1.PodDisruptionBudget {
		return &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: ns}, Spec: policyv1.PodDisruptionBudgetSpec{Selector: sel}}
	}
	for _, tc := range []struct {
		name string
		pdb  *policyv1.PodDisruptionBudget
		want bool
	}{
		{"matching labels", pdb("ns", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}), true},
		{"other labels", pdb("ns", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}), false},
		{"other namespace", pdb("other", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}), false},
		{"empty selector selects all (policy/v1)", pdb("ns", &metav1.LabelSelector{}), true},
		{"nil selector selects nothing", pdb("ns", nil), false},
		{"invalid selector selects nothing", pdb("ns", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}}), false},
	} {
		if got := Covers(tc.pdb, pod); got != tc.want {
			t.Errorf("%s: Covers = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSetDisruptionAllowed(t *testing.T) {
	at := metav1.Now()
	s := &policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1, ObservedGeneration: 4}
	SetDisruptionAllowed(s, at)
	if c := s.Conditions[0]; c.Status != metav1.ConditionTrue || c.Reason != policyv1.SufficientPodsReason || c.ObservedGeneration != 4 {
		t.Errorf("allowed: %+v", c)
	}
	s.DisruptionsAllowed = 0
	SetDisruptionAllowed(s, at)
	if c := s.Conditions[0]; len(s.Conditions) != 1 || c.Status != metav1.ConditionFalse || c.Reason != policyv1.InsufficientPodsReason {
		t.Errorf("none allowed: %+v", s.Conditions)
	}
}
