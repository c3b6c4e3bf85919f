package endpoints

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// Event reasons, Kubernetes' own.
const (
	reasonFailedToCreateEndpoint = "FailedToCreateEndpoint"
	reasonFailedToUpdateEndpoint = "FailedToUpdateEndpoint"
	reasonFailedToUpdateSlices   = "FailedToUpdateEndpointSlices"
)

// sync brings one Service's Endpoints and EndpointSlices in line with its
// pods. A deleted Service loses its Endpoints (its slices go by owner
// reference, and are deleted here too so nothing waits on the collector).
func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, c.removeAll(ctx, ns, name)
	}
	if err != nil {
		return nil, err
	}
	c.warnUnsupported(svc)
	sel := selectorOf(svc)
	if sel == nil {
		return nil, c.mirror(ctx, svc)
	}
	pods, err := c.pods.Pods(ns).List(sel)
	if err != nil {
		return nil, err
	}
	want, problems := desiredEndpoints(svc, pods)
	for _, p := range problems {
		klog.V(2).Infof("endpoint: %v", p)
	}
	epErr := c.applyEndpoints(ctx, svc, want)
	sliceErr := c.applySlices(ctx, svc, desiredSlices(svc, pods), ManagedBy)
	return nil, errors.Join(epErr, sliceErr)
}

// applyEndpoints creates or updates the Endpoints object; an unchanged one
// is not written.
func (c *Controller) applyEndpoints(ctx context.Context, svc *corev1.Service, want *corev1.Endpoints) error {
	cur, err := c.endpoints.Endpoints(svc.Namespace).Get(svc.Name)
	if apierrors.IsNotFound(err) {
		_, err = c.client.CoreV1().Endpoints(svc.Namespace).Create(ctx, want, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) && !terminatingNamespace(err) {
			c.recorder.Eventf(svc, corev1.EventTypeWarning, reasonFailedToCreateEndpoint, "Failed to create endpoint for service %s/%s: %v", svc.Namespace, svc.Name, err)
			return err
		}
		return nil
	}
	if err != nil || !endpointsChanged(cur, want) {
		return err
	}
	u := cur.DeepCopy()
	u.Subsets, u.Labels = want.Subsets, want.Labels
	if v, ok := want.Annotations[corev1.EndpointsOverCapacity]; ok {
		metav1.SetMetaDataAnnotation(&u.ObjectMeta, corev1.EndpointsOverCapacity, v)
	} else {
		delete(u.Annotations, corev1.EndpointsOverCapacity)
	}
	if _, err := c.client.CoreV1().Endpoints(svc.Namespace).Update(ctx, u, metav1.UpdateOptions{}); err != nil {
		if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			c.recorder.Eventf(svc, corev1.EventTypeWarning, reasonFailedToUpdateEndpoint, "Failed to update endpoint %s/%s: %v", svc.Namespace, svc.Name, err)
		}
		return err
	}
	return nil
}

// applySlices carries out planSlices against the slices this controller
// manages for the Service.
func (c *Controller) applySlices(ctx context.Context, svc *corev1.Service, want []*discoveryv1.EndpointSlice, managedBy string) error {
	have, err := c.managedSlices(svc.Namespace, svc.Name, managedBy)
	if err != nil {
		return err
	}
	plan := planSlices(want, have)
	api := c.client.DiscoveryV1().EndpointSlices(svc.Namespace)
	var errs []error
	for _, s := range plan.create {
		if _, err := api.Create(ctx, s, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) && !terminatingNamespace(err) {
			errs = append(errs, err)
		}
	}
	for _, s := range plan.update {
		if _, err := api.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
			errs = append(errs, err)
		}
	}
	for _, n := range plan.delete {
		if err := api.Delete(ctx, n, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		c.recorder.Eventf(svc, corev1.EventTypeWarning, reasonFailedToUpdateSlices, "Error updating Endpoint Slices for Service %s/%s: %v", svc.Namespace, svc.Name, err)
		return err
	}
	return nil
}

// mirror keeps a selector-less Service's mirrored slices in step with its
// Endpoints (Kubernetes' EndpointSliceMirroring controller). ExternalName
// Services have no endpoints to mirror.
func (c *Controller) mirror(ctx context.Context, svc *corev1.Service) error {
	var want []*discoveryv1.EndpointSlice
	ep, err := c.endpoints.Endpoints(svc.Namespace).Get(svc.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	if err == nil && svc.Spec.Type != corev1.ServiceTypeExternalName && mirrored(ep) {
		want = mirrorSlices(svc, ep)
	}
	return c.applySlices(ctx, svc, want, MirrorManagedBy)
}

func (c *Controller) managedSlices(ns, service, managedBy string) ([]*discoveryv1.EndpointSlice, error) {
	sel := labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: service, discoveryv1.LabelManagedBy: managedBy})
	return c.slices.EndpointSlices(ns).List(sel)
}

// removeAll deletes a vanished Service's Endpoints and managed slices.
func (c *Controller) removeAll(ctx context.Context, ns, name string) error {
	err := c.client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		err = nil
	}
	have, lerr := c.managedSlices(ns, name, ManagedBy)
	errs := []error{err, lerr}
	for _, s := range have {
		if err := c.client.DiscoveryV1().EndpointSlices(ns).Delete(ctx, s.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete slice %s: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}

func terminatingNamespace(err error) bool {
	return apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause)
}
