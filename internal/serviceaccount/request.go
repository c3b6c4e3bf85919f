package serviceaccount

import (
	"context"
	"fmt"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Kubernetes' bounds on a TokenRequest's expirationSeconds, and its default.
const (
	DefaultExpirationSeconds = 3600
	minExpirationSeconds     = 600
	maxExpirationSeconds     = 1 << 32
)

var tokenRequestKind = authenticationv1.SchemeGroupVersion.WithKind("TokenRequest").GroupKind()

// Request answers a TokenRequest for sa as kube-apiserver's
// serviceaccounts/token does: expirationSeconds defaults to an hour and must
// be at least ten minutes, audiences default to the API server's, and a token
// bound to a pod needs that pod to exist, to match boundObjectRef.uid and to
// run as sa. The answer is the request with its defaults and status.
func (t *Tokens) Request(ctx context.Context, sa *corev1.ServiceAccount, req *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error) {
	out := req.DeepCopy()
	if out.Spec.ExpirationSeconds == nil {
		d := int64(DefaultExpirationSeconds)
		out.Spec.ExpirationSeconds = &d
	}
	if len(out.Spec.Audiences) == 0 {
		out.Spec.Audiences = t.Audiences()
	}
	if errs := validateTokenRequest(out); len(errs) > 0 {
		return nil, apierrors.NewInvalid(tokenRequestKind, sa.Name, errs)
	}
	pod, err := t.boundPod(ctx, sa, out.Spec.BoundObjectRef)
	if err != nil {
		return nil, err
	}
	now := t.cfg.Clock.Now()
	expiration := time.Duration(*out.Spec.ExpirationSeconds) * time.Second
	s := subject{
		namespace: sa.Namespace, serviceAccount: ref{Name: sa.Name, UID: string(sa.UID)},
		audiences: out.Spec.Audiences, expiration: expiration, issuedAt: now,
	}
	if pod != nil {
		s.pod = &ref{Name: pod.Name, UID: string(pod.UID)}
		if pod.Spec.NodeName != "" {
			if node, err := t.cfg.Getter.Node(ctx, pod.Spec.NodeName); err == nil {
				s.node = &ref{Name: node.Name, UID: string(node.UID)}
			}
		}
	}
	token, err := t.sign(s)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	out.Name, out.Namespace = sa.Name, sa.Namespace
	out.CreationTimestamp = metav1.NewTime(now)
	out.Status = authenticationv1.TokenRequestStatus{Token: token, ExpirationTimestamp: metav1.NewTime(now.Add(expiration))}
	return out, nil
}

func validateTokenRequest(r *authenticationv1.TokenRequest) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("spec", "expirationSeconds")
	switch exp := *r.Spec.ExpirationSeconds; {
	case exp < minExpirationSeconds:
		errs = append(errs, field.Invalid(p, exp, "may not specify a duration less than 10 minutes"))
	case exp > maxExpirationSeconds:
		errs = append(errs, field.TooLong(p, exp, maxExpirationSeconds))
	}
	for i, a := range r.Spec.Audiences {
		if a == "" {
			errs = append(errs, field.Invalid(field.NewPath("spec", "audiences").Index(i), a, "must not be empty"))
		}
	}
	if b := r.Spec.BoundObjectRef; b != nil && b.Name == "" {
		errs = append(errs, field.Required(field.NewPath("spec", "boundObjectRef", "name"), ""))
	}
	return errs
}

// boundPod resolves boundObjectRef. Only pods are supported: Kubernetes also
// binds to Secrets and Nodes, which no ordo component asks for.
func (t *Tokens) boundPod(ctx context.Context, sa *corev1.ServiceAccount, b *authenticationv1.BoundObjectReference) (*corev1.Pod, error) {
	if b == nil {
		return nil, nil
	}
	gvk := schema.FromAPIVersionAndKind(b.APIVersion, b.Kind)
	if gvk.Group != "" || gvk.Kind != "Pod" || (gvk.Version != "" && gvk.Version != "v1") {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("cannot bind a token to %s %q: ordo binds tokens to Pods (v1) only", b.Kind, b.Name))
	}
	pod, err := t.cfg.Getter.Pod(ctx, sa.Namespace, b.Name)
	if err != nil {
		return nil, err
	}
	if b.UID != "" && pod.UID != b.UID {
		return nil, apierrors.NewConflict(corev1.Resource("pods"), b.Name, fmt.Errorf(
			"the UID in the bound object reference (%s) does not match the UID in record. The object might have been deleted and then recreated", b.UID))
	}
	if pod.Spec.ServiceAccountName != sa.Name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf(
			"cannot bind token for serviceaccount %q to pod running with different serviceaccount name", sa.Name))
	}
	return pod, nil
}
