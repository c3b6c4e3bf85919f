package printers

import (
	"fmt"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// maxIngressHosts is how many hosts an Ingress row lists before "+ N more...".
const maxIngressHosts = 3

// loadBalancerWidth is where kubectl cuts a long address list in the
// default view.
const loadBalancerWidth = 16

// NetworkPolicies prints NAME POD-SELECTOR AGE.
func NetworkPolicies() Printer {
	return printer[networkingv1.NetworkPolicy]{
		columns: columns(nameColumn(), column("Pod-Selector", "string", networkingv1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"]), ageColumn()),
		cells: func(np *networkingv1.NetworkPolicy, now time.Time) ([]any, error) {
			return []any{np.Name, metav1.FormatLabelSelector(&np.Spec.PodSelector), age(np.CreationTimestamp, now)}, nil
		},
	}
}

// Ingresses prints NAME CLASS HOSTS ADDRESS PORTS AGE.
func Ingresses() Printer {
	return printer[networkingv1.Ingress]{
		columns: columns(
			nameColumn(),
			column("Class", "string", "The name of the IngressClass resource that should be used for additional configuration"),
			column("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
			column("Address", "string", "Address is a list containing ingress points for the load-balancer"),
			column("Ports", "string", "Ports of TLS configurations that open"),
			ageColumn(),
		),
		cells: func(ing *networkingv1.Ingress, now time.Time) ([]any, error) {
			return []any{ing.Name, derefOr(ing.Spec.IngressClassName, none), ingressHosts(ing.Spec.Rules),
				ingressAddress(ing.Status.LoadBalancer), ingressPorts(ing.Spec.TLS), age(ing.CreationTimestamp, now)}, nil
		},
	}
}

// ingressHosts lists the rules' hosts, "*" when no rule names one.
func ingressHosts(rules []networkingv1.IngressRule) string {
	var hosts []string
	for _, r := range rules {
		if len(hosts) < maxIngressHosts && r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	if len(hosts) == 0 {
		return "*"
	}
	out := strings.Join(hosts, ",")
	if len(rules) > maxIngressHosts {
		out = fmt.Sprintf("%s + %d more...", out, len(rules)-maxIngressHosts)
	}
	return out
}

func ingressAddress(lb networkingv1.IngressLoadBalancerStatus) string {
	var addrs []string
	for _, in := range lb.Ingress {
		if in.IP != "" {
			addrs = append(addrs, in.IP)
		} else if in.Hostname != "" {
			addrs = append(addrs, in.Hostname)
		}
	}
	out := strings.Join(addrs, ",")
	if len(out) > loadBalancerWidth {
		out = out[:loadBalancerWidth-3] + "..."
	}
	return out
}

func ingressPorts(tls []networkingv1.IngressTLS) string {
	if len(tls) > 0 {
		return "80, 443"
	}
	return "80"
}

// IngressClasses prints NAME CONTROLLER PARAMETERS AGE; PARAMETERS reads
// Kind[.group]/name.
func IngressClasses() Printer {
	spec := networkingv1.IngressClassSpec{}.SwaggerDoc()
	return printer[networkingv1.IngressClass]{
		columns: columns(nameColumn(), column("Controller", "string", spec["controller"]),
			column("Parameters", "string", spec["parameters"]), ageColumn()),
		cells: func(ic *networkingv1.IngressClass, now time.Time) ([]any, error) {
			params := none
			if p := ic.Spec.Parameters; p != nil {
				params = p.Kind
				if p.APIGroup != nil {
					params += "." + *p.APIGroup
				}
				params += "/" + p.Name
			}
			return []any{ic.Name, ic.Spec.Controller, params, age(ic.CreationTimestamp, now)}, nil
		},
	}
}

// ServiceCIDRs prints NAME CIDRS AGE.
func ServiceCIDRs() Printer {
	return printer[networkingv1.ServiceCIDR]{
		columns: columns(nameColumn(), column("CIDRs", "string", networkingv1.ServiceCIDRSpec{}.SwaggerDoc()["cidrs"]), ageColumn()),
		cells: func(sc *networkingv1.ServiceCIDR, now time.Time) ([]any, error) {
			return []any{sc.Name, strings.Join(sc.Spec.CIDRs, ","), age(sc.CreationTimestamp, now)}, nil
		},
	}
}

// IPAddresses prints NAME PARENTREF; PARENTREF reads
// resource.group[/namespace]/name.
func IPAddresses() Printer {
	return printer[networkingv1.IPAddress]{
		columns: columns(nameColumn(), column("ParentRef", "string", networkingv1.IPAddressSpec{}.SwaggerDoc()["parentRef"])),
		cells: func(ip *networkingv1.IPAddress, _ time.Time) ([]any, error) {
			parent := none
			if ref := ip.Spec.ParentRef; ref != nil {
				parent = strings.ToLower(schema.GroupResource{Group: ref.Group, Resource: ref.Resource}.String())
				if ref.Namespace != "" {
					parent += "/" + ref.Namespace
				}
				parent += "/" + ref.Name
			}
			return []any{ip.Name, parent}, nil
		},
	}
}
