// Package admissionpolicystatus is kube-controller-manager's
// validatingadmissionpolicy-status-controller: it type-checks each
// ValidatingAdmissionPolicy's CEL expressions against the schemas of the
// kinds the policy matches (and of its paramKind), and records the result
// in status.typeChecking.expressionWarnings with status.observedGeneration,
// so `kubectl get validatingadmissionpolicy -o yaml` shows a mistyped
// field before a request meets it. A policy is checked once per
// generation.
//
// Schemas come from the OpenAPI definitions compiled into ordo, then from
// the API server's OpenAPI v3 (custom resources); kinds are found through
// discovery.
package admissionpolicystatus

import (
	"context"
	"sync"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/openapi/resolver"
	applyv1 "k8s.io/client-go/applyconfigurations/admissionregistration/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	clientscheme "k8s.io/client-go/kubernetes/scheme"
	listers "k8s.io/client-go/listers/admissionregistration/v1"
	"k8s.io/client-go/restmapper"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/api/openapi"
	"github.com/ordo-dev/ordo/internal/controller/base"
)

// controllerName is Kubernetes' name, also the status field manager.
const controllerName = "validatingadmissionpolicy-status-controller"

// Config holds the controller's dependencies.
type Config struct {
	Client kubernetes.Interface
	// Informers is shared with other controllers; Run starts it.
	Informers informers.SharedInformerFactory
	// Discovery finds kinds and custom resources' schemas (cached).
	Discovery discovery.CachedDiscoveryInterface
}

// Checker type-checks a policy (validating.TypeChecker).
type Checker interface {
	Check(policy *admissionregistrationv1.ValidatingAdmissionPolicy) []admissionregistrationv1.ExpressionWarning
}

// Controller records type-checking results in policies' status.
type Controller struct {
	base     *base.Base
	policies listers.ValidatingAdmissionPolicyLister
	checker  Checker
}

// New builds a Controller with Kubernetes' type checker; Run starts it.
func New(c Config) (*Controller, error) {
	return newController(base.Config{Client: c.Client, Informers: c.Informers}, lazyChecker(sync.OnceValue(func() Checker {
		schemas := resolver.NewDefinitionsSchemaResolver(openapi.GetOpenAPIDefinitions, clientscheme.Scheme).
			Combine(&resolver.ClientDiscoveryResolver{Discovery: c.Discovery})
		return &validating.TypeChecker{SchemaResolver: schemas, RestMapper: restmapper.NewDeferredDiscoveryRESTMapper(c.Discovery)}
	})))
}

// lazyChecker builds Kubernetes' type checker on the first policy to
// check. Its schema resolver holds every compiled-in OpenAPI definition
// (about 7 MiB of heap, and their building at start), which a server
// with no ValidatingAdmissionPolicy, most of them, never reads.
type lazyChecker func() Checker

func (l lazyChecker) Check(policy *admissionregistrationv1.ValidatingAdmissionPolicy) []admissionregistrationv1.ExpressionWarning {
	return l().Check(policy)
}

func newController(cfg base.Config, checker Checker) (*Controller, error) {
	b, err := base.New(cfg, "validatingadmissionpolicy_status", controllerName)
	if err != nil {
		return nil, err
	}
	inf := b.Informers.Admissionregistration().V1().ValidatingAdmissionPolicies()
	if err := b.WatchKeys(inf.Informer()); err != nil {
		return nil, err
	}
	return &Controller{base: b, policies: inf.Lister(), checker: checker}, nil
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.base.Run(ctx, workers, c.sync)
}

// sync checks a policy whose current generation has not been checked and
// applies the result to its status, as Kubernetes' controller does (a
// server-side apply of the status, forced, by this controller's manager).
func (c *Controller) sync(ctx context.Context, name string) (*time.Duration, error) {
	policy, err := c.policies.Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if policy.Generation <= policy.Status.ObservedGeneration {
		return nil, nil
	}
	warnings := c.checker.Check(policy)
	typeChecking := applyv1.TypeChecking().WithExpressionWarnings()
	for _, w := range warnings {
		typeChecking.WithExpressionWarnings(applyv1.ExpressionWarning().WithFieldRef(w.FieldRef).WithWarning(w.Warning))
	}
	status := applyv1.ValidatingAdmissionPolicy(name).WithStatus(applyv1.ValidatingAdmissionPolicyStatus().
		WithObservedGeneration(policy.Generation).WithTypeChecking(typeChecking))
	_, err = c.base.Client.AdmissionregistrationV1().ValidatingAdmissionPolicies().ApplyStatus(ctx, status,
		metav1.ApplyOptions{FieldManager: controllerName, Force: true})
	if err == nil {
		klog.FromContext(ctx).V(2).Info("Type-checked policy", "policy", klog.KObj(policy), "generation", policy.Generation, "warnings", len(warnings))
	}
	return nil, err
}
