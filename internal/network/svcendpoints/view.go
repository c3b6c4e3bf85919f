// Package svcendpoints gives the node's service proxy and DNS server one
// view of where a Service's traffic goes: its EndpointSlices, which is what
// kube-proxy and CoreDNS read, or, for a Service that has none, its
// Endpoints object. The fallback covers a selector-less Service whose user
// writes Endpoints by hand (Kubernetes mirrors those into slices; ordo
// reads them directly). A selector-less Service with hand-written slices
// works too, which reading Endpoints alone missed.
//
// The view is shaped as a corev1.Endpoints, so the proxy's and the DNS
// server's logic (ready addresses by port name, hostnames for headless
// records) stays as it was.
package svcendpoints

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// serviceIndex indexes EndpointSlices by the Service they belong to
// (namespace/name, from the kubernetes.io/service-name label).
const serviceIndex = "service"

func byService(obj interface{}) ([]string, error) {
	es, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok || es.Labels[discoveryv1.LabelServiceName] == "" {
		return nil, nil
	}
	return []string{es.Namespace + "/" + es.Labels[discoveryv1.LabelServiceName]}, nil
}

// View reads informer caches of EndpointSlices and Endpoints.
type View struct {
	slices    cache.Indexer
	endpoints corelisters.EndpointsLister
	// Synced are the informers to wait for before answering.
	Synced []cache.InformerSynced
}

// New registers the two informers (and the slices' index) with f. The
// view works even when the index could not be added (the informer had
// started): it then reads Endpoints only, and the error says so.
func New(f informers.SharedInformerFactory) (*View, error) {
	slices := f.Discovery().V1().EndpointSlices().Informer()
	err := slices.AddIndexers(cache.Indexers{serviceIndex: byService})
	eps := f.Core().V1().Endpoints()
	return &View{
		slices: slices.GetIndexer(), endpoints: eps.Lister(),
		Synced: []cache.InformerSynced{slices.HasSynced, eps.Informer().HasSynced},
	}, err
}

// Get returns the Service's endpoints, or nil when it has none.
func (v *View) Get(ns, name string) *corev1.Endpoints {
	objs, err := v.slices.ByIndex(serviceIndex, ns+"/"+name)
	if err == nil && len(objs) > 0 {
		slices := make([]*discoveryv1.EndpointSlice, 0, len(objs))
		for _, o := range objs {
			if es, ok := o.(*discoveryv1.EndpointSlice); ok {
				slices = append(slices, es)
			}
		}
		return FromSlices(ns, name, slices)
	}
	ep, err := v.endpoints.Endpoints(ns).Get(name)
	if err != nil {
		return nil
	}
	return ep
}

// FromSlices folds a Service's IPv4 EndpointSlices into one Endpoints: a
// subset per slice, with its ports, ready endpoints (ready unset counts as
// ready, as the API says) as addresses and the rest as not-ready ones.
func FromSlices(ns, name string, slices []*discoveryv1.EndpointSlice) *corev1.Endpoints {
	sort.Slice(slices, func(i, j int) bool { return slices[i].Name < slices[j].Name })
	ep := &corev1.Endpoints{}
	ep.Namespace, ep.Name = ns, name
	for _, es := range slices {
		if es.AddressType != discoveryv1.AddressTypeIPv4 {
			continue
		}
		sub := corev1.EndpointSubset{Ports: subsetPorts(es.Ports)}
		for _, e := range es.Endpoints {
			for _, ip := range e.Addresses {
				a := corev1.EndpointAddress{IP: ip, NodeName: e.NodeName, TargetRef: e.TargetRef}
				if e.Hostname != nil {
					a.Hostname = *e.Hostname
				}
				if e.Conditions.Ready == nil || *e.Conditions.Ready {
					sub.Addresses = append(sub.Addresses, a)
				} else {
					sub.NotReadyAddresses = append(sub.NotReadyAddresses, a)
				}
			}
		}
		if len(sub.Addresses)+len(sub.NotReadyAddresses) > 0 {
			ep.Subsets = append(ep.Subsets, sub)
		}
	}
	return ep
}

func subsetPorts(ports []discoveryv1.EndpointPort) []corev1.EndpointPort {
	out := make([]corev1.EndpointPort, 0, len(ports))
	for _, p := range ports {
		var e corev1.EndpointPort
		if p.Name != nil {
			e.Name = *p.Name
		}
		if p.Port != nil {
			e.Port = *p.Port
		}
		e.Protocol = corev1.ProtocolTCP
		if p.Protocol != nil {
			e.Protocol = *p.Protocol
		}
		e.AppProtocol = p.AppProtocol
		out = append(out, e)
	}
	return out
}
