package dns

import (
	"net"
	"sort"
	"strings"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// PodIPIndex is the name of the pod informer index by status.podIP that
// Source.Pods must carry (PodIPIndexers adds it).
const PodIPIndex = "podIP"

// PodIPIndexers index pods by their IP, for pod A records.
var PodIPIndexers = cache.Indexers{PodIPIndex: func(obj interface{}) ([]string, error) {
	if p, ok := obj.(*corev1.Pod); ok && p.Status.PodIP != "" {
		return []string{p.Status.PodIP}, nil
	}
	return nil, nil
}}

// Source is where answers come from: informer caches.
type Source struct {
	Services corelisters.ServiceLister
	// Endpoints finds a Service's endpoints (nil when it has none); see
	// package svcendpoints.
	Endpoints func(ns, name string) *corev1.Endpoints
	Pods      cache.Indexer // with PodIPIndex
}

// ttl is CoreDNS's default for kubernetes records.
const ttl = 5

// result is an answer before it becomes a message: rcode, answers and
// additional records (SRV targets).
type result struct {
	rcode         int
	answer, extra []dns.RR
}

var nxdomain = result{rcode: dns.RcodeNameError}

// resolver answers cluster names from a Source.
type resolver struct {
	src  Source
	zone string // "cluster.local."
}

// resolve answers one question for a name inside the zone (name lower
// case, fully qualified).
func (r resolver) resolve(name string, qtype uint16) result {
	q, ok := parse(name, r.zone)
	if !ok {
		return nxdomain
	}
	switch q.kind {
	case kindApex:
		return result{}
	case kindService:
		return r.service(name, q, qtype)
	case kindEndpoint:
		return r.endpoint(name, q, qtype)
	case kindSRV:
		return r.srv(name, q, qtype)
	case kindPod:
		return r.pod(name, q, qtype)
	}
	return nxdomain
}

func (r resolver) getService(ns, name string) *corev1.Service {
	s, err := r.src.Services.Services(ns).Get(name)
	if err != nil {
		return nil
	}
	return s
}

func (r resolver) service(name string, q query, qtype uint16) result {
	s := r.getService(q.ns, q.svc)
	if s == nil {
		return nxdomain
	}
	switch {
	case s.Spec.Type == corev1.ServiceTypeExternalName:
		if qtype == dns.TypeAAAA {
			return result{}
		}
		return result{answer: []dns.RR{&dns.CNAME{Hdr: hdr(name, dns.TypeCNAME), Target: dns.Fqdn(s.Spec.ExternalName)}}}
	case qtype == dns.TypeSRV:
		return r.srv(name, query{kind: kindSRV, ns: q.ns, svc: q.svc}, qtype)
	case qtype != dns.TypeA && qtype != dns.TypeANY:
		return result{}
	case s.Spec.ClusterIP == corev1.ClusterIPNone:
		var out []dns.RR
		for _, a := range r.readyAddresses(s) {
			out = append(out, aRecord(name, a.IP))
		}
		return result{answer: out}
	case s.Spec.ClusterIP != "":
		return result{answer: []dns.RR{aRecord(name, s.Spec.ClusterIP)}}
	}
	return result{}
}

// readyAddresses are a Service's ready endpoint addresses, by IP.
func (r resolver) readyAddresses(s *corev1.Service) []corev1.EndpointAddress {
	ep := r.src.Endpoints(s.Namespace, s.Name)
	if ep == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []corev1.EndpointAddress
	for _, sub := range ep.Subsets {
		for _, a := range sub.Addresses {
			if !seen[a.IP] {
				seen[a.IP] = true
				out = append(out, a)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IP < out[j].IP })
	return out
}

// endpoint answers <host>.<svc>.<ns>.svc for a headless Service: the ready
// endpoint whose hostname is host, or whose IP is host dashed.
func (r resolver) endpoint(name string, q query, qtype uint16) result {
	s := r.getService(q.ns, q.svc)
	if s == nil || s.Spec.ClusterIP != corev1.ClusterIPNone {
		return nxdomain
	}
	for _, a := range r.readyAddresses(s) {
		if a.Hostname == q.host || dashed(a.IP) == q.host {
			if qtype != dns.TypeA && qtype != dns.TypeANY {
				return result{}
			}
			return result{answer: []dns.RR{aRecord(name, a.IP)}}
		}
	}
	return nxdomain
}

// srv answers _port._proto.<svc>.<ns>.svc (and SRV on the bare Service
// name, for every named port). A ClusterIP Service points at its own name
// and port; a headless one at each ready endpoint's name and target port.
func (r resolver) srv(name string, q query, qtype uint16) result {
	s := r.getService(q.ns, q.svc)
	if s == nil {
		return nxdomain
	}
	svcName := q.svc + "." + q.ns + ".svc." + r.zone
	var res result
	found := false
	for _, p := range s.Spec.Ports {
		if p.Name == "" || (q.port != "" && strings.ToLower(p.Name) != q.port) ||
			(q.proto != "" && strings.ToLower(string(protocol(p.Protocol))) != q.proto) {
			continue
		}
		found = true
		if qtype != dns.TypeSRV && qtype != dns.TypeANY {
			continue
		}
		r.addSRV(&res, name, svcName, s, p)
	}
	if !found && q.port != "" {
		return nxdomain
	}
	weighSRV(res.answer)
	return res
}

func (r resolver) addSRV(res *result, name, svcName string, s *corev1.Service, p corev1.ServicePort) {
	if s.Spec.ClusterIP != corev1.ClusterIPNone {
		res.answer = append(res.answer, srvRecord(name, svcName, uint16(p.Port)))
		if s.Spec.ClusterIP != "" {
			res.extra = append(res.extra, aRecord(svcName, s.Spec.ClusterIP))
		}
		return
	}
	ep := r.src.Endpoints(s.Namespace, s.Name)
	if ep == nil {
		return
	}
	for _, sub := range ep.Subsets {
		for _, ept := range sub.Ports {
			if ept.Name != p.Name {
				continue
			}
			for _, a := range sub.Addresses {
				host := a.Hostname
				if host == "" {
					host = dashed(a.IP)
				}
				target := host + "." + svcName
				res.answer = append(res.answer, srvRecord(name, target, uint16(ept.Port)))
				res.extra = append(res.extra, aRecord(target, a.IP))
			}
		}
	}
}

// weighSRV spreads weight evenly, as CoreDNS does: 100 split over the
// records of one name.
func weighSRV(rrs []dns.RR) {
	for _, rr := range rrs {
		if s, ok := rr.(*dns.SRV); ok {
			s.Weight = uint16(100 / len(rrs))
		}
	}
}

// pod answers a-b-c-d.<ns>.pod when a pod of ns has that IP.
func (r resolver) pod(name string, q query, qtype uint16) result {
	ip := dashedIP(q.host)
	if ip == nil {
		return nxdomain
	}
	pods, err := r.src.Pods.ByIndex(PodIPIndex, ip.String())
	if err != nil {
		return nxdomain
	}
	for _, o := range pods {
		if p, ok := o.(*corev1.Pod); ok && p.Namespace == q.ns {
			if qtype != dns.TypeA && qtype != dns.TypeANY {
				return result{}
			}
			return result{answer: []dns.RR{aRecord(name, ip.String())}}
		}
	}
	return nxdomain
}

// ptr names a ClusterIP or a ready endpoint IP; ok is false for other IPs.
func (r resolver) ptr(name string, ip net.IP) (result, bool) {
	svcs, err := r.src.Services.List(labels.Everything())
	if err != nil {
		return result{}, false
	}
	sort.Slice(svcs, func(i, j int) bool { return svcs[i].Namespace+"/"+svcs[i].Name < svcs[j].Namespace+"/"+svcs[j].Name })
	for _, s := range svcs {
		svcName := s.Name + "." + s.Namespace + ".svc." + r.zone
		if s.Spec.ClusterIP == ip.String() {
			return result{answer: []dns.RR{&dns.PTR{Hdr: hdr(name, dns.TypePTR), Ptr: svcName}}}, true
		}
		for _, a := range r.readyAddresses(s) {
			if a.IP == ip.String() && s.Spec.ClusterIP == corev1.ClusterIPNone {
				host := a.Hostname
				if host == "" {
					host = dashed(a.IP)
				}
				return result{answer: []dns.RR{&dns.PTR{Hdr: hdr(name, dns.TypePTR), Ptr: host + "." + svcName}}}, true
			}
		}
	}
	return result{}, false
}

func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

func aRecord(name, ip string) dns.RR {
	return &dns.A{Hdr: hdr(name, dns.TypeA), A: net.ParseIP(ip).To4()}
}

func srvRecord(name, target string, port uint16) dns.RR {
	return &dns.SRV{Hdr: hdr(name, dns.TypeSRV), Priority: 0, Port: port, Target: target}
}

func protocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}
