package server

import (
	"context"
	"fmt"
	"net/netip"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apfbootstrap "k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/registry"
)

// ensureServiceCIDR creates the default ServiceCIDR, "kubernetes", from
// --service-cidr and marks it Ready, as kube-apiserver does with its
// default ServiceCIDR; it is the one range ordo's Service IP allocator
// hands addresses out of. A server restarted with another --service-cidr
// replaces the object's CIDRs.
func ensureServiceCIDR(ctx context.Context, c kubernetes.Interface, cidr string) error {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return fmt.Errorf("--service-cidr: %w", err)
	}
	cidr = prefix.Masked().String()
	api := c.NetworkingV1().ServiceCIDRs()
	want := &networkingv1.ServiceCIDR{
		ObjectMeta: metav1.ObjectMeta{Name: registry.DefaultServiceCIDR},
		Spec:       networkingv1.ServiceCIDRSpec{CIDRs: []string{cidr}},
	}
	have, err := api.Create(ctx, want, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		if have, err = api.Get(ctx, want.Name, metav1.GetOptions{}); err == nil && !equalStrings(have.Spec.CIDRs, want.Spec.CIDRs) {
			if err = api.Delete(ctx, want.Name, metav1.DeleteOptions{}); err == nil {
				have, err = api.Create(ctx, want, metav1.CreateOptions{})
			}
		}
	}
	if err != nil {
		return fmt.Errorf("servicecidr %s: %w", want.Name, err)
	}
	if meta.IsStatusConditionTrue(have.Status.Conditions, networkingv1.ServiceCIDRConditionReady) {
		return nil
	}
	meta.SetStatusCondition(&have.Status.Conditions, metav1.Condition{
		Type: networkingv1.ServiceCIDRConditionReady, Status: metav1.ConditionTrue, Reason: "ServiceCIDRReady",
		Message: "Kubernetes Service CIDR is ready", ObservedGeneration: have.Generation,
	})
	if _, err := api.UpdateStatus(ctx, have, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("servicecidr %s status: %w", want.Name, err)
	}
	return nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ensureFlowControl creates Kubernetes' mandatory and suggested API
// priority and fairness objects that are missing, as kube-apiserver's
// bootstrap does; existing ones (perhaps edited) are left alone.
func ensureFlowControl(ctx context.Context, c kubernetes.Interface) error {
	levels := append(append([]*flowcontrolv1.PriorityLevelConfiguration{}, apfbootstrap.MandatoryPriorityLevelConfigurations...), apfbootstrap.SuggestedPriorityLevelConfigurations...)
	for _, pl := range levels {
		if _, err := c.FlowcontrolV1().PriorityLevelConfigurations().Create(ctx, pl.DeepCopy(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("prioritylevelconfiguration %s: %w", pl.Name, err)
		}
	}
	schemas := append(append([]*flowcontrolv1.FlowSchema{}, apfbootstrap.MandatoryFlowSchemas...), apfbootstrap.SuggestedFlowSchemas...)
	for _, fs := range schemas {
		if _, err := c.FlowcontrolV1().FlowSchemas().Create(ctx, fs.DeepCopy(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("flowschema %s: %w", fs.Name, err)
		}
	}
	return nil
}
