package validation

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Limits Kubernetes puts on EndpointSlices.
const (
	maxEndpointSliceAddresses = 100
	maxEndpointSlicePorts     = 100
	maxEndpointSliceEndpoints = 1000
)

var (
	supportedServiceTypes = []corev1.ServiceType{corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort,
		corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName}
	supportedAffinities      = []corev1.ServiceAffinity{corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone}
	supportedTrafficPolicy   = []corev1.ServiceInternalTrafficPolicy{corev1.ServiceInternalTrafficPolicyCluster, corev1.ServiceInternalTrafficPolicyLocal}
	supportedExtTraffic      = []corev1.ServiceExternalTrafficPolicy{corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal}
	supportedAddressTypes    = []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6, discoveryv1.AddressTypeFQDN}
	serviceSpecPath          = field.NewPath("spec")
	serviceClusterIPPath     = serviceSpecPath.Child("clusterIP")
	serviceClusterIPsPath    = serviceSpecPath.Child("clusterIPs")
	endpointSliceAddrPath    = field.NewPath("addressType")
	endpointSliceEndpoints   = field.NewPath("endpoints")
	endpointSlicePortsPath   = field.NewPath("ports")
	endpointsSubsetsPath     = field.NewPath("subsets")
	serviceTypesWithNodePort = sets.New(corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer)
)

// ValidateService validates a new Service. Service names are DNS-1035
// labels because they become DNS names and environment variable prefixes.
func ValidateService(svc *corev1.Service) field.ErrorList {
	errs := validateMeta(&svc.ObjectMeta, true, apivalidation.NameIsDNS1035Label)
	return append(errs, validateServiceSpec(svc)...)
}

func isHeadless(svc *corev1.Service) bool {
	return svc.Spec.ClusterIP == corev1.ClusterIPNone
}

func validateServiceSpec(svc *corev1.Service) field.ErrorList {
	s := &svc.Spec
	p := serviceSpecPath
	var errs field.ErrorList
	switch s.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
	case corev1.ServiceTypeExternalName:
		errs = append(errs, validateExternalName(s, p)...)
	case "":
		errs = append(errs, field.Required(p.Child("type"), ""))
	default:
		errs = append(errs, field.NotSupported(p.Child("type"), s.Type, supportedServiceTypes))
	}
	if len(s.Ports) == 0 && !isHeadless(svc) && s.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(p.Child("ports"), ""))
	}
	errs = append(errs, validateServicePorts(s, p.Child("ports"))...)
	if s.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, validateClusterIPs(s)...)
	}
	errs = append(errs, metavalidation.ValidateLabels(s.Selector, p.Child("selector"))...)
	switch s.SessionAffinity {
	case corev1.ServiceAffinityNone, corev1.ServiceAffinityClientIP, "":
	default:
		errs = append(errs, field.NotSupported(p.Child("sessionAffinity"), s.SessionAffinity, supportedAffinities))
	}
	if t := s.InternalTrafficPolicy; t != nil && *t != corev1.ServiceInternalTrafficPolicyCluster && *t != corev1.ServiceInternalTrafficPolicyLocal {
		errs = append(errs, field.NotSupported(p.Child("internalTrafficPolicy"), *t, supportedTrafficPolicy))
	}
	if t := s.ExternalTrafficPolicy; t != "" && t != corev1.ServiceExternalTrafficPolicyCluster && t != corev1.ServiceExternalTrafficPolicyLocal {
		errs = append(errs, field.NotSupported(p.Child("externalTrafficPolicy"), t, supportedExtTraffic))
	}
	for i, ip := range s.ExternalIPs {
		errs = append(errs, validIP(ip, p.Child("externalIPs").Index(i))...)
	}
	return errs
}

// validateExternalName: an ExternalName service is a DNS alias, so it needs
// the target name and has no cluster IP.
func validateExternalName(s *corev1.ServiceSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.ClusterIP != "" {
		errs = append(errs, field.Forbidden(p.Child("clusterIP"), "may not be set for ExternalName services"))
	}
	if len(s.ClusterIPs) > 0 {
		errs = append(errs, field.Forbidden(p.Child("clusterIPs"), "may not be set for ExternalName services"))
	}
	name := s.ExternalName
	if name == "" {
		return append(errs, field.Required(p.Child("externalName"), ""))
	}
	if len(name) > 1 && name[len(name)-1] == '.' {
		name = name[:len(name)-1] // a fully qualified name may end in "."
	}
	return append(errs, dnsSubdomain(name, p.Child("externalName"))...)
}

// validateServicePorts: unique names (required once there are several),
// valid numbers and protocols, no port/protocol pair twice, and nodePorts
// only for the types that open them.
func validateServicePorts(s *corev1.ServiceSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	pairs := sets.New[string]()
	for i, sp := range s.Ports {
		ip := p.Index(i)
		np := ip.Child("name")
		if len(s.Ports) > 1 && sp.Name == "" {
			errs = append(errs, field.Required(np, ""))
		} else if sp.Name != "" {
			errs = append(errs, dnsLabel(sp.Name, np)...)
			if names.Has(sp.Name) {
				errs = append(errs, field.Duplicate(np, sp.Name))
			}
			names.Insert(sp.Name)
		}
		errs = append(errs, portNum(sp.Port, ip.Child("port"))...)
		errs = append(errs, validateProtocol(sp.Protocol, ip.Child("protocol"))...)
		errs = append(errs, portNumOrName(sp.TargetPort, ip.Child("targetPort"))...)
		if sp.NodePort != 0 {
			if !serviceTypesWithNodePort.Has(s.Type) {
				errs = append(errs, field.Forbidden(ip.Child("nodePort"), fmt.Sprintf("may not be used when `type` is '%s'", s.Type)))
			}
			errs = append(errs, portNum(sp.NodePort, ip.Child("nodePort"))...)
		}
		key := fmt.Sprintf("%d/%s", sp.Port, sp.Protocol)
		if pairs.Has(key) {
			errs = append(errs, field.Duplicate(ip, key))
		}
		pairs.Insert(key)
	}
	return errs
}

// validateClusterIPs: clusterIP is "", "None" or an IP; clusterIPs, if set,
// must start with it and hold valid, distinct IPs (at most one per family).
func validateClusterIPs(s *corev1.ServiceSpec) field.ErrorList {
	var errs field.ErrorList
	if s.ClusterIP != "" && s.ClusterIP != corev1.ClusterIPNone {
		errs = append(errs, validIP(s.ClusterIP, serviceClusterIPPath)...)
	}
	if len(s.ClusterIPs) == 0 {
		return errs
	}
	if s.ClusterIPs[0] != s.ClusterIP {
		errs = append(errs, field.Invalid(serviceClusterIPsPath, s.ClusterIPs, "first value must match `clusterIP`"))
	}
	if len(s.ClusterIPs) > 2 {
		errs = append(errs, field.Invalid(serviceClusterIPsPath, s.ClusterIPs, "may only hold up to 2 values"))
	}
	for i, ip := range s.ClusterIPs {
		if ip == corev1.ClusterIPNone {
			if i > 0 || len(s.ClusterIPs) > 1 {
				errs = append(errs, field.Invalid(serviceClusterIPsPath.Index(i), ip, "'None' must be the first and only value"))
			}
			continue
		}
		errs = append(errs, validIP(ip, serviceClusterIPsPath.Index(i))...)
	}
	return errs
}

// ValidateServiceUpdate validates svc replacing old: an allocated cluster
// IP cannot change (except when leaving or entering ExternalName).
func ValidateServiceUpdate(svc, old *corev1.Service) field.ErrorList {
	errs := validateMetaUpdate(&svc.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, validateServiceSpec(svc)...)
	if svc.Spec.Type != corev1.ServiceTypeExternalName && old.Spec.Type != corev1.ServiceTypeExternalName && old.Spec.ClusterIP != "" {
		errs = append(errs, immutable(svc.Spec.ClusterIP, old.Spec.ClusterIP, serviceClusterIPPath)...)
	}
	return errs
}

// ValidateServiceStatusUpdate validates a write to services/status: load
// balancer ingress IPs must be real IPs.
func ValidateServiceStatusUpdate(svc, old *corev1.Service) field.ErrorList {
	errs := validateMetaUpdate(&svc.ObjectMeta, &old.ObjectMeta)
	p := field.NewPath("status", "loadBalancer", "ingress")
	for i, in := range svc.Status.LoadBalancer.Ingress {
		if in.IP != "" {
			errs = append(errs, validIP(in.IP, p.Index(i).Child("ip"))...)
		}
		if in.Hostname != "" {
			errs = append(errs, dnsSubdomain(in.Hostname, p.Index(i).Child("hostname"))...)
		}
	}
	return errs
}

// ValidateEndpoints validates core/v1 Endpoints (create and update share
// the rules): addresses are IPs, ports named once there are several.
func ValidateEndpoints(ep *corev1.Endpoints) field.ErrorList {
	errs := validateMeta(&ep.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateEndpointSubsets(ep.Subsets)...)
}

func validateEndpointSubsets(subsets []corev1.EndpointSubset) field.ErrorList {
	var errs field.ErrorList
	for i, ss := range subsets {
		sp := endpointsSubsetsPath.Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			errs = append(errs, field.Required(sp, "must specify `addresses` or `notReadyAddresses`"))
		}
		for j, a := range ss.Addresses {
			errs = append(errs, validateEndpointAddress(a, sp.Child("addresses").Index(j))...)
		}
		for j, a := range ss.NotReadyAddresses {
			errs = append(errs, validateEndpointAddress(a, sp.Child("notReadyAddresses").Index(j))...)
		}
		for j, port := range ss.Ports {
			pp := sp.Child("ports").Index(j)
			if len(ss.Ports) > 1 && port.Name == "" {
				errs = append(errs, field.Required(pp.Child("name"), ""))
			} else if port.Name != "" {
				errs = append(errs, dnsLabel(port.Name, pp.Child("name"))...)
			}
			errs = append(errs, portNum(port.Port, pp.Child("port"))...)
			errs = append(errs, validateProtocol(port.Protocol, pp.Child("protocol"))...)
		}
	}
	return errs
}

func validateEndpointAddress(a corev1.EndpointAddress, p *field.Path) field.ErrorList {
	errs := validIP(a.IP, p.Child("ip"))
	if a.Hostname != "" {
		errs = append(errs, dnsLabel(a.Hostname, p.Child("hostname"))...)
	}
	if a.NodeName != nil && *a.NodeName != "" {
		errs = append(errs, dnsSubdomain(*a.NodeName, p.Child("nodeName"))...)
	}
	return errs
}

// ValidateEndpointsUpdate validates ep replacing old.
func ValidateEndpointsUpdate(ep, old *corev1.Endpoints) field.ErrorList {
	errs := validateMetaUpdate(&ep.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateEndpointSubsets(ep.Subsets)...)
}

// ValidateEndpointSlice validates a new EndpointSlice.
func ValidateEndpointSlice(es *discoveryv1.EndpointSlice) field.ErrorList {
	errs := validateMeta(&es.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateEndpointSliceBody(es)...)
}

func validateEndpointSliceBody(es *discoveryv1.EndpointSlice) field.ErrorList {
	var errs field.ErrorList
	switch es.AddressType {
	case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6, discoveryv1.AddressTypeFQDN:
	case "":
		errs = append(errs, field.Required(endpointSliceAddrPath, ""))
	default:
		errs = append(errs, field.NotSupported(endpointSliceAddrPath, es.AddressType, supportedAddressTypes))
	}
	if len(es.Endpoints) > maxEndpointSliceEndpoints {
		errs = append(errs, field.TooMany(endpointSliceEndpoints, len(es.Endpoints), maxEndpointSliceEndpoints))
	}
	for i := range es.Endpoints {
		errs = append(errs, validateSliceEndpoint(&es.Endpoints[i], es.AddressType, endpointSliceEndpoints.Index(i))...)
	}
	return append(errs, validateSlicePorts(es.Ports)...)
}

// validateSliceEndpoint: 1..100 addresses, each of the slice's address type.
func validateSliceEndpoint(ep *discoveryv1.Endpoint, t discoveryv1.AddressType, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	ap := p.Child("addresses")
	if len(ep.Addresses) == 0 {
		errs = append(errs, field.Required(ap, "must contain at least 1 address"))
	} else if len(ep.Addresses) > maxEndpointSliceAddresses {
		errs = append(errs, field.TooMany(ap, len(ep.Addresses), maxEndpointSliceAddresses))
	}
	for i, a := range ep.Addresses {
		switch t {
		case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
			errs = append(errs, validIP(a, ap.Index(i))...)
		case discoveryv1.AddressTypeFQDN:
			errs = append(errs, dnsSubdomain(a, ap.Index(i))...)
		}
	}
	if ep.Hostname != nil {
		errs = append(errs, dnsLabel(*ep.Hostname, p.Child("hostname"))...)
	}
	if ep.NodeName != nil && *ep.NodeName != "" {
		errs = append(errs, dnsSubdomain(*ep.NodeName, p.Child("nodeName"))...)
	}
	return errs
}

// validateSlicePorts: optional unique DNS-label names, port 0..65535 (nil
// means all ports), protocol required.
func validateSlicePorts(ports []discoveryv1.EndpointPort) field.ErrorList {
	var errs field.ErrorList
	if len(ports) > maxEndpointSlicePorts {
		errs = append(errs, field.TooMany(endpointSlicePortsPath, len(ports), maxEndpointSlicePorts))
	}
	names := sets.New[string]()
	for i, port := range ports {
		pp := endpointSlicePortsPath.Index(i)
		name := ""
		if port.Name != nil {
			name = *port.Name
		}
		if name != "" {
			errs = append(errs, dnsLabel(name, pp.Child("name"))...)
		}
		if names.Has(name) {
			errs = append(errs, field.Duplicate(pp.Child("name"), name))
		}
		names.Insert(name)
		if port.Port != nil && (*port.Port < 0 || *port.Port > 65535) {
			errs = append(errs, field.Invalid(pp.Child("port"), *port.Port, "must be between 0 and 65535, inclusive"))
		}
		if port.Protocol == nil {
			errs = append(errs, field.Required(pp.Child("protocol"), ""))
		} else {
			errs = append(errs, validateProtocol(*port.Protocol, pp.Child("protocol"))...)
		}
	}
	return errs
}

// ValidateEndpointSliceUpdate validates es replacing old; the address type
// is fixed because consumers index slices by it.
func ValidateEndpointSliceUpdate(es, old *discoveryv1.EndpointSlice) field.ErrorList {
	errs := validateMetaUpdate(&es.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, validateEndpointSliceBody(es)...)
	return append(errs, immutable(es.AddressType, old.AddressType, endpointSliceAddrPath)...)
}
