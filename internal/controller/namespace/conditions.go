package namespace

import (
	"fmt"
	"sort"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// conditionsFor builds the deletion conditions Kubernetes reports on a
// Terminating namespace, so `kubectl describe ns` says what is stuck.
// Conditions whose status is unchanged keep their lastTransitionTime.
func conditionsFor(r contentResult, old []v1.NamespaceCondition, now time.Time) []v1.NamespaceCondition {
	fresh := []v1.NamespaceCondition{
		discoveryCondition(r),
		cond(v1.NamespaceDeletionGVParsingFailure, false, "ParsedGroupVersions", "All legacy kube types successfully parsed"),
		contentFailureCondition(r),
		remainingCondition(r),
		finalizersCondition(r),
	}
	for i := range fresh {
		fresh[i].LastTransitionTime = metav1.NewTime(now)
		for _, o := range old {
			if o.Type == fresh[i].Type && o.Status == fresh[i].Status {
				fresh[i].LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	return fresh
}

// sameConditions ignores times: a status write is needed only when
// something a reader would see has changed.
func sameConditions(a, b []v1.NamespaceCondition) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Status != b[i].Status || a[i].Reason != b[i].Reason || a[i].Message != b[i].Message {
			return false
		}
	}
	return true
}

func discoveryCondition(r contentResult) v1.NamespaceCondition {
	if r.DiscoveryErr != nil {
		return cond(v1.NamespaceDeletionDiscoveryFailure, true, "DiscoveryFailed", fmt.Sprintf("Discovery failed for some groups: %v", r.DiscoveryErr))
	}
	return cond(v1.NamespaceDeletionDiscoveryFailure, false, "ResourcesDiscovered", "All resources successfully discovered")
}

func contentFailureCondition(r contentResult) v1.NamespaceCondition {
	if len(r.DeleteErrs) == 0 {
		return cond(v1.NamespaceDeletionContentFailure, false, "ContentDeleted", "All content successfully deleted, may be waiting on finalization")
	}
	var msgs []string
	for key, err := range r.DeleteErrs {
		msgs = append(msgs, fmt.Sprintf("%s: %v", key, err))
	}
	sort.Strings(msgs)
	return cond(v1.NamespaceDeletionContentFailure, true, "ContentDeletionFailed",
		fmt.Sprintf("Failed to delete all resource types, %d remaining: %s", len(msgs), strings.Join(msgs, ", ")))
}

func remainingCondition(r contentResult) v1.NamespaceCondition {
	if len(r.Remaining) == 0 {
		return cond(v1.NamespaceContentRemaining, false, "ContentRemoved", "All content successfully removed")
	}
	return cond(v1.NamespaceContentRemaining, true, "SomeResourcesRemain",
		"Some resources are remaining: "+countList(r.Remaining, "%s has %d resource instances"))
}

func finalizersCondition(r contentResult) v1.NamespaceCondition {
	if len(r.Finalizers) == 0 {
		return cond(v1.NamespaceFinalizersRemaining, false, "ContentHasNoFinalizers", "All content-preserving finalizers finished")
	}
	return cond(v1.NamespaceFinalizersRemaining, true, "SomeFinalizersRemain",
		"Some content in the namespace has finalizers remaining: "+countList(r.Finalizers, "%s in %d resource instances"))
}

// countList renders a name → count map in a stable order.
func countList(m map[string]int, format string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf(format, k, m[k])
	}
	return strings.Join(parts, ", ")
}

func cond(t v1.NamespaceConditionType, status bool, reason, msg string) v1.NamespaceCondition {
	s := v1.ConditionFalse
	if status {
		s = v1.ConditionTrue
	}
	return v1.NamespaceCondition{Type: t, Status: s, Reason: reason, Message: msg}
}
