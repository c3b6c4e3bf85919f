package namespace

import (
	v1 "k8s.io/api/core/v1"
)

// finalizerKubernetes is the spec.finalizers entry this controller owns.
const finalizerKubernetes = v1.FinalizerKubernetes

// stepKind is sync's decision for one namespace.
type stepKind int

const (
	// stepNone: not being deleted, or already finalized by us.
	stepNone stepKind = iota
	// stepDelete: finalized and no spec.finalizers left, but the object is
	// still there: DELETE it again (a crash after finalize lands here).
	stepDelete
	// stepEmpty: content must be deleted, then the next step decided by
	// afterContent.
	stepEmpty
)

// nextStep decides, before touching content, what a namespace needs.
func nextStep(ns *v1.Namespace) stepKind {
	switch {
	case ns.DeletionTimestamp == nil:
		return stepNone
	case has(finalizerStrings(ns.Spec.Finalizers), string(finalizerKubernetes)):
		return stepEmpty
	case len(ns.Spec.Finalizers) == 0:
		return stepDelete
	default:
		return stepNone // other finalizers: someone else's turn
	}
}

// contentStep is the decision after a pass over the content.
type contentStep int

const (
	// contentRetry: discovery or deletion failed; back off and retry.
	contentRetry contentStep = iota
	// contentWait: objects remain (finalizers, graceful deletion).
	contentWait
	// contentDone: empty; finalize.
	contentDone
)

func afterContent(r contentResult) contentStep {
	switch {
	case r.DiscoveryErr != nil || len(r.DeleteErrs) > 0:
		return contentRetry
	case len(r.Remaining) > 0:
		return contentWait
	default:
		return contentDone
	}
}

// withoutKubernetes returns spec.finalizers less ours.
func withoutKubernetes(fs []v1.FinalizerName) []v1.FinalizerName {
	out := []v1.FinalizerName{}
	for _, f := range fs {
		if f != finalizerKubernetes {
			out = append(out, f)
		}
	}
	return out
}

func finalizerStrings(fs []v1.FinalizerName) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}
