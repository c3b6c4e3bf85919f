package apiserver

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiserver/pkg/admission"
)

// podResourceClaims refuses pods that claim dynamically allocated
// resources (spec.resourceClaims): ordo has no DRA drivers, so such a pod
// could never be scheduled, and a refusal at create says why at once
// where Kubernetes would leave it Pending.
type podResourceClaims struct {
	*admission.Handler
}

var _ admission.ValidationInterface = &podResourceClaims{}

func newPodResourceClaims() *podResourceClaims {
	return &podResourceClaims{Handler: admission.NewHandler(admission.Create)}
}

func (p *podResourceClaims) Validate(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != corev1.Resource("pods") || a.GetSubresource() != "" {
		return nil
	}
	pod, ok := a.GetObject().(*corev1.Pod)
	if !ok || len(pod.Spec.ResourceClaims) == 0 {
		return nil
	}
	return admission.NewForbidden(a, fmt.Errorf("pod rejected: spec.resourceClaims: ordo has no dynamic resource allocation (DRA) drivers, so resource claim %q can never be allocated", pod.Spec.ResourceClaims[0].Name))
}
