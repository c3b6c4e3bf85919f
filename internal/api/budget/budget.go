// Package budget holds the PodDisruptionBudget rules shared by the
// pods/eviction endpoint (internal/registry), which spends a budget, and
// the disruption controller (internal/controller/disruption), which
// computes it: which budgets cover a pod, what counts as a healthy pod,
// and the DisruptionAllowed condition. It is a leaf: both layers import
// it, it imports neither.
package budget

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// DeletionTimeout is how long a pod the Eviction API recorded in
// status.disruptedPods is counted as disrupted before the controller
// assumes its deletion will not happen (Kubernetes' 2 minutes).
const DeletionTimeout = 2 * time.Minute

// MaxDisruptedPods bounds status.disruptedPods, as Kubernetes does: past
// it, evictions are refused until the controller catches up.
const MaxDisruptedPods = 2000

// Covers reports whether pdb selects pod. A nil selector selects nothing;
// an empty one selects every pod of the namespace (policy/v1's rule); an
// invalid one selects nothing.
func Covers(pdb *policyv1.PodDisruptionBudget, pod *corev1.Pod) bool {
	if pdb.Namespace != pod.Namespace {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return false
	}
	return sel.Matches(labels.Set(pod.Labels))
}

// Covering returns the budgets of pdbs that select pod.
func Covering(pdbs []*policyv1.PodDisruptionBudget, pod *corev1.Pod) []*policyv1.PodDisruptionBudget {
	var out []*policyv1.PodDisruptionBudget
	for _, pdb := range pdbs {
		if Covers(pdb, pod) {
			out = append(out, pdb)
		}
	}
	return out
}

// Healthy is Kubernetes' notion of a healthy pod for budgets: Ready.
func Healthy(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// SetDisruptionAllowed sets the DisruptionAllowed condition from
// status.disruptionsAllowed: True with reason SufficientPods when an
// eviction may proceed, False with InsufficientPods otherwise; now is its
// transition time if it changes.
func SetDisruptionAllowed(s *policyv1.PodDisruptionBudgetStatus, now metav1.Time) {
	c := metav1.Condition{Type: policyv1.DisruptionAllowedCondition, ObservedGeneration: s.ObservedGeneration, LastTransitionTime: now,
		Status: metav1.ConditionFalse, Reason: policyv1.InsufficientPodsReason}
	if s.DisruptionsAllowed > 0 {
		c.Status, c.Reason = metav1.ConditionTrue, policyv1.SufficientPodsReason
	}
	if s.Conditions == nil {
		s.Conditions = []metav1.Condition{}
	}
	apimeta.SetStatusCondition(&s.Conditions, c)
}
