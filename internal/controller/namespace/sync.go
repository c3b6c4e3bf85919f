package namespace

import (
	"context"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/klog/v2"
)

// sync moves one namespace along: empty it, report, finalize, delete.
func (c *Controller) sync(ctx context.Context, name string) (*time.Duration, error) {
	cached, err := c.lister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	switch nextStep(cached) {
	case stepNone:
		return nil, nil
	case stepDelete:
		klog.V(2).Infof("namespace %s: finalized, deleting the object", name)
		return nil, c.deleteNamespace(ctx, cached)
	}
	ns := cached.DeepCopy()
	res, err := c.emptyNamespace(ctx, ns.Name)
	if err != nil {
		return nil, err
	}
	ns = c.writeConditions(ctx, ns, res)
	klog.V(2).Infof("namespace %s: remaining %v, finalizers %v, delete errors %v, discovery %v", name, res.Remaining, res.Finalizers, res.DeleteErrs, res.DiscoveryErr)
	switch afterContent(res) {
	case contentRetry:
		return nil, fmt.Errorf("content not fully deleted (discovery: %v, resources: %d failing)", res.DiscoveryErr, len(res.DeleteErrs))
	case contentWait:
		after := c.contentRecheck
		return &after, nil
	}
	return nil, c.finalize(ctx, ns)
}

// emptyNamespace discovers resources afresh (a CRD may have appeared since
// the last pass) and deletes the namespace's content.
func (c *Controller) emptyNamespace(ctx context.Context, ns string) (contentResult, error) {
	if cached, ok := c.discovery.(discovery.CachedDiscoveryInterface); ok {
		cached.Invalidate()
	}
	rs, derr := discoverResources(c.discovery)
	if derr != nil && rs == nil {
		return contentResult{}, fmt.Errorf("discovery: %w", derr)
	}
	res := c.content.deleteAll(ctx, ns, rs)
	res.DiscoveryErr = derr
	return res, nil
}

// writeConditions records the deletion conditions when they changed. It is
// best effort: a failed status write must not hold deletion up. It returns
// the namespace to continue with (the server's copy after a write).
func (c *Controller) writeConditions(ctx context.Context, ns *v1.Namespace, res contentResult) *v1.Namespace {
	conds := conditionsFor(res, ns.Status.Conditions, c.clock.Now())
	if sameConditions(conds, ns.Status.Conditions) {
		return ns
	}
	ns.Status.Conditions = conds
	updated, err := c.client.CoreV1().Namespaces().UpdateStatus(ctx, ns, metav1.UpdateOptions{})
	if err != nil {
		klog.V(1).Infof("namespace %s: status: %v", ns.Name, err)
		return ns
	}
	return updated
}

// finalize drops "kubernetes" from spec.finalizers and, if none are left,
// deletes the namespace so the object goes away.
func (c *Controller) finalize(ctx context.Context, ns *v1.Namespace) error {
	ns.Spec.Finalizers = withoutKubernetes(ns.Spec.Finalizers)
	updated, err := c.client.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{})
	if err != nil {
		return ignoreGone(err)
	}
	if len(updated.Spec.Finalizers) > 0 {
		return nil
	}
	return c.deleteNamespace(ctx, updated)
}

// ignoreGone: NotFound means the namespace is already gone, i.e. done.
func ignoreGone(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
