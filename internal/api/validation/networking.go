package validation

import (
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	networkPolicyProtocols = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}
	policyTypes            = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	ingressPathTypes       = []networkingv1.PathType{networkingv1.PathTypeExact, networkingv1.PathTypePrefix, networkingv1.PathTypeImplementationSpecific}
	ingressClassScopes     = []string{networkingv1.IngressClassParametersReferenceScopeCluster, networkingv1.IngressClassParametersReferenceScopeNamespace}
)

// ValidateNetworkPolicy validates a new NetworkPolicy: its pod selector,
// its peers (one kind of peer each), ports and policy types.
func ValidateNetworkPolicy(np *networkingv1.NetworkPolicy) field.ErrorList {
	errs := validateMeta(&np.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateNetworkPolicySpec(&np.Spec, specPath)...)
}

func validateNetworkPolicySpec(s *networkingv1.NetworkPolicySpec, p *field.Path) field.ErrorList {
	errs := metavalidation.ValidateLabelSelector(&s.PodSelector, selectorOpts, p.Child("podSelector"))
	for i, rule := range s.Ingress {
		rp := p.Child("ingress").Index(i)
		errs = append(errs, validateNetworkPolicyPorts(rule.Ports, rp.Child("ports"))...)
		errs = append(errs, validateNetworkPolicyPeers(rule.From, rp.Child("from"))...)
	}
	for i, rule := range s.Egress {
		rp := p.Child("egress").Index(i)
		errs = append(errs, validateNetworkPolicyPorts(rule.Ports, rp.Child("ports"))...)
		errs = append(errs, validateNetworkPolicyPeers(rule.To, rp.Child("to"))...)
	}
	if len(s.PolicyTypes) > len(policyTypes) {
		errs = append(errs, field.Invalid(p.Child("policyTypes"), s.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range s.PolicyTypes {
		if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
			errs = append(errs, field.NotSupported(p.Child("policyTypes").Index(i), t, policyTypes))
		}
	}
	return errs
}

func validateNetworkPolicyPorts(ports []networkingv1.NetworkPolicyPort, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, port := range ports {
		pp := p.Index(i)
		if port.Protocol != nil && !oneOf(*port.Protocol, networkPolicyProtocols) {
			errs = append(errs, field.NotSupported(pp.Child("protocol"), *port.Protocol, networkPolicyProtocols))
		}
		if port.Port != nil {
			errs = append(errs, portNumOrName(*port.Port, pp.Child("port"))...)
		}
		if port.EndPort == nil {
			continue
		}
		switch {
		case port.Port == nil:
			errs = append(errs, field.Required(pp.Child("port"), "must specify port when endPort is specified"))
		case port.Port.Type != 0:
			errs = append(errs, field.Invalid(pp.Child("endPort"), *port.EndPort, "may not be specified when `port` is non-numeric"))
		case *port.EndPort < port.Port.IntVal:
			errs = append(errs, field.Invalid(pp.Child("endPort"), *port.EndPort, "must be greater than or equal to `port`"))
		}
	}
	return errs
}

func validateNetworkPolicyPeers(peers []networkingv1.NetworkPolicyPeer, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, peer := range peers {
		pp := p.Index(i)
		selectors := peer.PodSelector != nil || peer.NamespaceSelector != nil
		switch {
		case !selectors && peer.IPBlock == nil:
			errs = append(errs, field.Required(pp, "must specify a peer"))
		case selectors && peer.IPBlock != nil:
			errs = append(errs, field.Forbidden(pp, "may not specify both podSelector/namespaceSelector and ipBlock"))
		}
		if peer.PodSelector != nil {
			errs = append(errs, metavalidation.ValidateLabelSelector(peer.PodSelector, selectorOpts, pp.Child("podSelector"))...)
		}
		if peer.NamespaceSelector != nil {
			errs = append(errs, metavalidation.ValidateLabelSelector(peer.NamespaceSelector, selectorOpts, pp.Child("namespaceSelector"))...)
		}
		if peer.IPBlock != nil {
			errs = append(errs, validateIPBlock(peer.IPBlock, pp.Child("ipBlock"))...)
		}
	}
	return errs
}

// validateIPBlock requires a CIDR and exceptions strictly inside it.
func validateIPBlock(b *networkingv1.IPBlock, p *field.Path) field.ErrorList {
	if b.CIDR == "" {
		return field.ErrorList{field.Required(p.Child("cidr"), "")}
	}
	errs := validCIDR(b.CIDR, p.Child("cidr"))
	outer, err := netip.ParsePrefix(b.CIDR)
	for i, ex := range b.Except {
		ep := p.Child("except").Index(i)
		if e := validCIDR(ex, ep); len(e) > 0 {
			errs = append(errs, e...)
			continue
		}
		inner, _ := netip.ParsePrefix(ex)
		if err == nil && (inner.Bits() <= outer.Bits() || !outer.Contains(inner.Addr())) {
			errs = append(errs, field.Invalid(ep, ex, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}

// ValidateNetworkPolicyUpdate validates an update; every field may change.
func ValidateNetworkPolicyUpdate(np, old *networkingv1.NetworkPolicy) field.ErrorList {
	errs := validateMetaUpdate(&np.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateNetworkPolicySpec(&np.Spec, specPath)...)
}

// ValidateIngress validates a new Ingress: class name, rules' hosts and
// paths, and backends naming exactly one Service port or resource.
func ValidateIngress(ing *networkingv1.Ingress) field.ErrorList {
	errs := validateMeta(&ing.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateIngressSpec(&ing.Spec, specPath)...)
}

func validateIngressSpec(s *networkingv1.IngressSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(s.Rules) == 0 && s.DefaultBackend == nil {
		errs = append(errs, field.Invalid(p, s.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if s.DefaultBackend != nil {
		errs = append(errs, validateIngressBackend(s.DefaultBackend, p.Child("defaultBackend"))...)
	}
	if s.IngressClassName != nil {
		errs = append(errs, dnsSubdomain(*s.IngressClassName, p.Child("ingressClassName"))...)
	}
	for i, tls := range s.TLS {
		for j, host := range tls.Hosts {
			errs = append(errs, validateIngressHost(host, p.Child("tls").Index(i).Child("hosts").Index(j))...)
		}
	}
	for i, rule := range s.Rules {
		rp := p.Child("rules").Index(i)
		if rule.Host != "" {
			errs = append(errs, validateIngressHost(rule.Host, rp.Child("host"))...)
		}
		if rule.HTTP != nil {
			errs = append(errs, validateHTTPIngressPaths(rule.HTTP.Paths, rp.Child("http", "paths"))...)
		}
	}
	return errs
}

// validateIngressHost allows a DNS name with an optional leading "*."
// wildcard label, never an IP address.
func validateIngressHost(host string, p *field.Path) field.ErrorList {
	if _, err := netip.ParseAddr(host); err == nil {
		return field.ErrorList{field.Invalid(p, host, "must be a DNS name, not an IP address")}
	}
	if strings.Contains(host, "*") {
		return msgsToErrs(utilvalidation.IsWildcardDNS1123Subdomain(host), host, p)
	}
	return dnsSubdomain(host, p)
}

func validateHTTPIngressPaths(paths []networkingv1.HTTPIngressPath, p *field.Path) field.ErrorList {
	if len(paths) == 0 {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for i, path := range paths {
		pp := p.Index(i)
		switch {
		case path.PathType == nil:
			errs = append(errs, field.Required(pp.Child("pathType"), "pathType must be specified"))
		case !oneOf(*path.PathType, ingressPathTypes):
			errs = append(errs, field.NotSupported(pp.Child("pathType"), *path.PathType, ingressPathTypes))
		case *path.PathType != networkingv1.PathTypeImplementationSpecific && !strings.HasPrefix(path.Path, "/"):
			errs = append(errs, field.Invalid(pp.Child("path"), path.Path, "must be an absolute path"))
		}
		errs = append(errs, validateIngressBackend(&path.Backend, pp.Child("backend"))...)
	}
	return errs
}

// validateIngressBackend requires exactly one of a Service (with a port
// name or number) and a typed resource reference.
func validateIngressBackend(b *networkingv1.IngressBackend, p *field.Path) field.ErrorList {
	switch {
	case b.Service != nil && b.Resource != nil:
		return field.ErrorList{field.Invalid(p, "", "cannot set both resource and service backends")}
	case b.Resource != nil:
		var errs field.ErrorList
		if b.Resource.Kind == "" {
			errs = append(errs, field.Required(p.Child("resource", "kind"), ""))
		}
		if b.Resource.Name == "" {
			errs = append(errs, field.Required(p.Child("resource", "name"), ""))
		}
		return errs
	case b.Service == nil:
		return field.ErrorList{field.Invalid(p, "", "resource or service backend is required")}
	}
	sp := p.Child("service")
	errs := dnsLabel(b.Service.Name, sp.Child("name"))
	if b.Service.Name == "" {
		errs = field.ErrorList{field.Required(sp.Child("name"), "")}
	}
	port := b.Service.Port
	switch {
	case port.Name != "" && port.Number != 0:
		errs = append(errs, field.Invalid(sp.Child("port"), port, "cannot set both port name & port number"))
	case port.Name != "":
		errs = append(errs, msgsToErrs(utilvalidation.IsValidPortName(port.Name), port.Name, sp.Child("port", "name"))...)
	case port.Number != 0:
		errs = append(errs, portNum(port.Number, sp.Child("port", "number"))...)
	default:
		errs = append(errs, field.Required(sp.Child("port"), "port name or number is required"))
	}
	return errs
}

// ValidateIngressUpdate validates an update; every field may change.
func ValidateIngressUpdate(ing, old *networkingv1.Ingress) field.ErrorList {
	errs := validateMetaUpdate(&ing.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateIngressSpec(&ing.Spec, specPath)...)
}

// ValidateIngressStatusUpdate checks the load balancer addresses.
func ValidateIngressStatusUpdate(ing, old *networkingv1.Ingress) field.ErrorList {
	errs := validateMetaUpdate(&ing.ObjectMeta, &old.ObjectMeta)
	p := field.NewPath("status", "loadBalancer", "ingress")
	for i, lb := range ing.Status.LoadBalancer.Ingress {
		if lb.IP != "" {
			errs = append(errs, validIP(lb.IP, p.Index(i).Child("ip"))...)
		}
		if lb.Hostname != "" {
			errs = append(errs, dnsSubdomain(lb.Hostname, p.Index(i).Child("hostname"))...)
		}
	}
	return errs
}

// ValidateIngressClass validates a new IngressClass: a controller name
// (a domain-prefixed path) and well-formed parameters.
func ValidateIngressClass(ic *networkingv1.IngressClass) field.ErrorList {
	errs := validateMeta(&ic.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateIngressClassSpec(ic)...)
}

func validateIngressClassSpec(ic *networkingv1.IngressClass) field.ErrorList {
	var errs field.ErrorList
	cp := specPath.Child("controller")
	switch {
	case ic.Spec.Controller == "":
		errs = append(errs, field.Required(cp, ""))
	case len(ic.Spec.Controller) > 250:
		errs = append(errs, field.TooLong(cp, "", 250))
	default:
		errs = append(errs, utilvalidation.IsDomainPrefixedPath(cp, ic.Spec.Controller)...)
	}
	if params := ic.Spec.Parameters; params != nil {
		errs = append(errs, validateIngressClassParameters(params, specPath.Child("parameters"))...)
	}
	return errs
}

func validateIngressClassParameters(params *networkingv1.IngressClassParametersReference, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if params.Kind == "" {
		errs = append(errs, field.Required(p.Child("kind"), ""))
	}
	if params.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	}
	if params.Scope == nil {
		return append(errs, field.Required(p.Child("scope"), ""))
	}
	switch *params.Scope {
	case networkingv1.IngressClassParametersReferenceScopeNamespace:
		if params.Namespace == nil {
			errs = append(errs, field.Required(p.Child("namespace"), "`parameters.scope` is set to 'Namespace'"))
		}
	case networkingv1.IngressClassParametersReferenceScopeCluster:
		if params.Namespace != nil {
			errs = append(errs, field.Forbidden(p.Child("namespace"), "`parameters.scope` is set to 'Cluster'"))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("scope"), *params.Scope, ingressClassScopes))
	}
	return errs
}

// ValidateIngressClassUpdate keeps the controller, which is immutable.
func ValidateIngressClassUpdate(ic, old *networkingv1.IngressClass) field.ErrorList {
	errs := validateMetaUpdate(&ic.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, immutable(ic.Spec.Controller, old.Spec.Controller, specPath.Child("controller"))...)
	return append(errs, validateIngressClassSpec(ic)...)
}

// ValidateServiceCIDR validates a new ServiceCIDR: one or two CIDRs, of
// different families when two.
func ValidateServiceCIDR(sc *networkingv1.ServiceCIDR) field.ErrorList {
	errs := validateMeta(&sc.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateServiceCIDRs(sc.Spec.CIDRs, specPath.Child("cidrs"))...)
}

func validateServiceCIDRs(cidrs []string, p *field.Path) field.ErrorList {
	switch {
	case len(cidrs) == 0:
		return field.ErrorList{field.Required(p, "at least one CIDR required")}
	case len(cidrs) > 2:
		return field.ErrorList{field.Invalid(p, cidrs, "may only hold up to 2 values")}
	}
	var errs field.ErrorList
	for i, c := range cidrs {
		errs = append(errs, validCIDR(c, p.Index(i))...)
	}
	if len(errs) == 0 && len(cidrs) == 2 {
		a, b := netip.MustParsePrefix(cidrs[0]), netip.MustParsePrefix(cidrs[1])
		if a.Addr().Is4() == b.Addr().Is4() {
			errs = append(errs, field.Invalid(p, cidrs, "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64"))
		}
	}
	return errs
}

// ValidateServiceCIDRUpdate lets a single-stack ServiceCIDR gain a CIDR of
// the other family (a cluster upgraded to dual stack); nothing else changes.
func ValidateServiceCIDRUpdate(sc, old *networkingv1.ServiceCIDR) field.ErrorList {
	errs := validateMetaUpdate(&sc.ObjectMeta, &old.ObjectMeta)
	p := specPath.Child("cidrs")
	if len(old.Spec.CIDRs) == 1 && len(sc.Spec.CIDRs) == 2 && sc.Spec.CIDRs[0] == old.Spec.CIDRs[0] {
		return append(errs, validateServiceCIDRs(sc.Spec.CIDRs, p)...)
	}
	return append(errs, immutable(sc.Spec.CIDRs, old.Spec.CIDRs, p)...)
}

// ValidateIPAddress validates a new IPAddress: its name is an IP in
// canonical form and its parent reference names a resource and an object.
func ValidateIPAddress(ip *networkingv1.IPAddress) field.ErrorList {
	errs := validateMeta(&ip.ObjectMeta, false, validateIPAddressName)
	p := specPath.Child("parentRef")
	ref := ip.Spec.ParentRef
	if ref == nil {
		return append(errs, field.Required(p, ""))
	}
	if ref.Group != "" {
		errs = append(errs, dnsSubdomain(ref.Group, p.Child("group"))...)
	}
	if ref.Resource == "" {
		errs = append(errs, field.Required(p.Child("resource"), ""))
	} else {
		errs = append(errs, msgsToErrs(apivalidation.NameIsDNSSubdomain(ref.Resource, false), ref.Resource, p.Child("resource"))...)
	}
	if ref.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	}
	if ref.Namespace != "" {
		errs = append(errs, dnsLabel(ref.Namespace, p.Child("namespace"))...)
	}
	return errs
}

// validateIPAddressName is the name rule of IPAddress objects.
func validateIPAddressName(name string, _ bool) []string {
	addr, err := netip.ParseAddr(name)
	if err != nil {
		return []string{"must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"}
	}
	if addr.String() != name {
		return []string{fmt.Sprintf("must be in canonical form (%q)", addr.String())}
	}
	return nil
}

// ValidateIPAddressUpdate keeps the parent reference, which is immutable.
func ValidateIPAddressUpdate(ip, old *networkingv1.IPAddress) field.ErrorList {
	errs := validateMetaUpdate(&ip.ObjectMeta, &old.ObjectMeta)
	return append(errs, immutable(ip.Spec.ParentRef, old.Spec.ParentRef, specPath.Child("parentRef"))...)
}

// oneOf reports whether v is among allowed.
func oneOf[T comparable](v T, allowed []T) bool {
	for _, a := range allowed {
		if a == v {
			return true
		}
	}
	return false
}
