package registry

import (
	"context"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// DefaultServiceCIDR is the name of the ServiceCIDR the server keeps in
// line with --service-cidr, as kube-apiserver keeps its default one.
const DefaultServiceCIDR = "kubernetes"

// Warnings returned with the networking kinds ordo stores but does not act on.
const (
	NetworkPolicyWarning = "NetworkPolicy is not enforced by ordo: pods' traffic is not filtered"
	ipAddressWarning     = "IPAddress objects are not read by ordo's Service IP allocator: this one reserves nothing"
)

// networkingGroup serves networking.k8s.io/v1. NetworkPolicies, Ingresses
// and IngressClasses are stored as on a cluster with neither a network
// policy plugin nor an ingress controller; the only ServiceCIDR is the one
// ordo allocates from (serviceCIDRREST).
func networkingGroup() Group {
	gv := networkingv1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: networkingv1.AddToScheme, Kinds: []*Resource{
		kind(gv, "networkpolicies", &networkingv1.NetworkPolicy{}, &networkingv1.NetworkPolicyList{}).short("netpol").
			with(Hooks{Warnings: func(runtime.Object) []string { return []string{NetworkPolicyWarning} }}).
			rules(v.For(v.ValidateNetworkPolicy, v.ValidateNetworkPolicyUpdate, nil)).
			columns(printers.NetworkPolicies()),
		kind(gv, "ingresses", &networkingv1.Ingress{}, &networkingv1.IngressList{}).short("ing").sub("status").
			rules(v.For(v.ValidateIngress, v.ValidateIngressUpdate, v.ValidateIngressStatusUpdate)).
			columns(printers.Ingresses()),
		kind(gv, "ingressclasses", &networkingv1.IngressClass{}, &networkingv1.IngressClassList{}).cluster().
			rules(v.For(v.ValidateIngressClass, v.ValidateIngressClassUpdate, nil)).
			columns(printers.IngressClasses()),
		kind(gv, "servicecidrs", &networkingv1.ServiceCIDR{}, &networkingv1.ServiceCIDRList{}).cluster().sub("status").
			with(Hooks{Main: func(m *mainREST, _ Config) rest.Storage { return &serviceCIDRREST{mainREST: m} }}).
			rules(v.For(v.ValidateServiceCIDR, v.ValidateServiceCIDRUpdate, nil)).
			columns(printers.ServiceCIDRs()),
		kind(gv, "ipaddresses", &networkingv1.IPAddress{}, &networkingv1.IPAddressList{}).cluster().short("ip").
			with(Hooks{Warnings: func(runtime.Object) []string { return []string{ipAddressWarning} }}).
			rules(v.For(v.ValidateIPAddress, v.ValidateIPAddressUpdate, nil)).
			columns(printers.IPAddresses()),
	}}
}

// serviceCIDRREST refuses every ServiceCIDR but the default one: ordo's
// Service IP allocator hands out addresses from --service-cidr only, and
// a range that was accepted but never allocated from would be a silent
// lie. The server creates the default one at start (see
// internal/server's ensureServiceCIDR).
type serviceCIDRREST struct {
	*mainREST
}

func (r *serviceCIDRREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	if m.GetName() != DefaultServiceCIDR {
		return nil, apierrors.NewForbidden(r.DefaultQualifiedResource, m.GetName(), fmt.Errorf(
			"ordo allocates Service IPs from --service-cidr only (the ServiceCIDR %q); extra ServiceCIDRs are not supported: restart the server with a wider --service-cidr instead", DefaultServiceCIDR))
	}
	return r.mainREST.Create(ctx, obj, createValidation, options)
}
