package apiserver

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/util/webhook"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
)

// endpointServiceResolver finds where the API server reaches a Service: a
// ready endpoint of it, picked at random, as kube-apiserver does with
// --enable-aggregator-routing. ordo's ClusterIPs are a per-pod proxy,
// while pod IPs on the node bridges are routed from the server's host, so
// an endpoint is what the server can dial. Admission webhooks (and an
// aggregated API server) named by a Service are called through it; the
// TLS server name stays <service>.<namespace>.svc.
type endpointServiceResolver struct {
	services corelisters.ServiceLister
	slices   discoverylisters.EndpointSliceLister
}

var _ webhook.ServiceResolver = &endpointServiceResolver{}

// newEndpointServiceResolver reads Services and EndpointSlices from f's
// caches.
func newEndpointServiceResolver(f informers.SharedInformerFactory) *endpointServiceResolver {
	return &endpointServiceResolver{
		services: f.Core().V1().Services().Lister(),
		slices:   f.Discovery().V1().EndpointSlices().Lister(),
	}
}

// ResolveEndpoint is https://<endpoint IP>:<target port> for the Service
// port numbered port; an ExternalName Service is its external name.
func (r *endpointServiceResolver) ResolveEndpoint(namespace, name string, port int32) (*url.URL, error) {
	svc, err := r.services.Services(namespace).Get(name)
	if err != nil {
		return nil, err
	}
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, "":
	case corev1.ServiceTypeExternalName:
		return &url.URL{Scheme: "https", Host: net.JoinHostPort(svc.Spec.ExternalName, strconv.Itoa(int(port)))}, nil
	default:
		return nil, fmt.Errorf("unsupported service type %q", svc.Spec.Type)
	}
	var portName *string
	found := false
	for i := range svc.Spec.Ports {
		if svc.Spec.Ports[i].Port == port {
			n := svc.Spec.Ports[i].Name
			portName, found = &n, true
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("no service port %d found for service %q", port, name)
	}
	slices, err := r.slices.EndpointSlices(namespace).List(labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: name}))
	if err != nil {
		return nil, err
	}
	hosts := readyHosts(slices, *portName)
	if len(hosts) == 0 {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("no endpoints available for service %q", name))
	}
	return &url.URL{Scheme: "https", Host: hosts[rand.IntN(len(hosts))]}, nil
}

// readyHosts lists host:port of every ready endpoint of the slices' port
// named portName ("" for a Service's only, unnamed port).
func readyHosts(slices []*discoveryv1.EndpointSlice, portName string) []string {
	var hosts []string
	for _, s := range slices {
		for _, p := range s.Ports {
			if p.Port == nil || (p.Name == nil && portName != "") || (p.Name != nil && *p.Name != portName) {
				continue
			}
			for _, e := range s.Endpoints {
				if e.Conditions.Ready != nil && !*e.Conditions.Ready {
					continue
				}
				for _, a := range e.Addresses {
					hosts = append(hosts, net.JoinHostPort(a, strconv.Itoa(int(*p.Port))))
				}
			}
		}
	}
	return hosts
}
