package server

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/ordo-dev/ordo/internal/registry"
)

// errServiceRangeDiffers is final: retrying cannot make the flag agree.
var errServiceRangeDiffers = errors.New("the Service range differs from the cluster's")

// ensureServiceCIDR creates the default ServiceCIDR, "kubernetes", from
// --service-cidr and marks it Ready, as kube-apiserver does with its
// default ServiceCIDR; it is the one range ordo's Service IP allocator
// hands addresses out of.
//
// A single server restarted with another --service-cidr replaces the
// object's CIDRs. Servers of one cluster share the range: each allocates
// Service IPs from its own flag, so a server whose flag differs from the
// range the cluster already has is refused (kube-apiserver only records
// KubernetesDefaultServiceCIDRInconsistent, but its allocator follows
// the objects, not the flag). Servers starting together may race on the
// object; conflicts are retried from a fresh read.
func ensureServiceCIDR(ctx context.Context, c kubernetes.Interface, cidr string, clustered bool) error {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return fmt.Errorf("--service-cidr: %w", err)
	}
	want := []string{prefix.Masked().String()}
	retriable := func(err error) bool {
		return !errors.Is(err, errServiceRangeDiffers) &&
			(apierrors.IsConflict(err) || apierrors.IsNotFound(err) || apierrors.IsAlreadyExists(err))
	}
	err = retry.OnError(retry.DefaultBackoff, retriable, func() error {
		have, err := serviceCIDRWith(ctx, c, want, clustered)
		if err != nil || meta.IsStatusConditionTrue(have.Status.Conditions, networkingv1.ServiceCIDRConditionReady) {
			return err
		}
		meta.SetStatusCondition(&have.Status.Conditions, metav1.Condition{
			Type: networkingv1.ServiceCIDRConditionReady, Status: metav1.ConditionTrue, Reason: "ServiceCIDRReady",
			Message: "Kubernetes Service CIDR is ready", ObservedGeneration: have.Generation,
		})
		_, err = c.NetworkingV1().ServiceCIDRs().UpdateStatus(ctx, have, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("servicecidr %s: %w", registry.DefaultServiceCIDR, err)
	}
	return nil
}

// sameServiceRange checks a joining server's --service-cidr against the
// cluster's, as the server it joins reports it (empty: not reported).
func sameServiceRange(own, cluster string) error {
	if cluster == "" {
		return nil
	}
	a, errA := netip.ParsePrefix(own)
	b, errB := netip.ParsePrefix(cluster)
	if errA != nil || errB != nil || a.Masked() != b.Masked() {
		return fmt.Errorf("%w: --service-cidr %s, but the cluster's is %s; every server of a cluster must be started with the same --service-cidr",
			errServiceRangeDiffers, own, cluster)
	}
	return nil
}

// serviceCIDRWith gets or creates the default ServiceCIDR with the CIDRs
// want; a single server replaces one with other CIDRs (delete, then
// create), a clustered one is refused.
func serviceCIDRWith(ctx context.Context, c kubernetes.Interface, want []string, clustered bool) (*networkingv1.ServiceCIDR, error) {
	api := c.NetworkingV1().ServiceCIDRs()
	obj := &networkingv1.ServiceCIDR{
		ObjectMeta: metav1.ObjectMeta{Name: registry.DefaultServiceCIDR},
		Spec:       networkingv1.ServiceCIDRSpec{CIDRs: want},
	}
	have, err := api.Create(ctx, obj, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return have, err
	}
	if have, err = api.Get(ctx, obj.Name, metav1.GetOptions{}); err != nil || slices.Equal(have.Spec.CIDRs, want) {
		return have, err
	}
	if clustered {
		return nil, fmt.Errorf("%w: --service-cidr %s, but the cluster's ServiceCIDR %q is %v; every server of a cluster must be started with the same --service-cidr",
			errServiceRangeDiffers, want[0], obj.Name, have.Spec.CIDRs)
	}
	uid := have.UID
	if err := api.Delete(ctx, obj.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}); err != nil {
		return nil, err
	}
	return api.Create(ctx, obj, metav1.CreateOptions{})
}
