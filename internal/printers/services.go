package printers

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Services prints NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, and with
// -o wide SELECTOR.
func Services() Printer {
	doc := corev1.ServiceSpec{}.SwaggerDoc()
	return printer[corev1.Service]{
		columns: columns(
			nameColumn(),
			column("Type", "string", doc["type"]),
			column("Cluster-IP", "string", doc["clusterIP"]),
			column("External-IP", "string", doc["externalIPs"]),
			column("Port(s)", "string", doc["ports"]),
			ageColumn(),
			wideColumn("Selector", "string", doc["selector"]),
		),
		cells: serviceCells,
	}
}

func serviceCells(svc *corev1.Service, now time.Time) ([]any, error) {
	return []any{
		svc.Name,
		string(svc.Spec.Type),
		orNone(clusterIP(svc)),
		serviceExternalIP(svc),
		orNone(servicePorts(svc.Spec.Ports)),
		age(svc.CreationTimestamp, now),
		labels.FormatLabels(svc.Spec.Selector),
	}, nil
}

// clusterIP is the primary cluster IP ("None" for headless services).
// Kubernetes reads spec.clusterIPs; clusterIP is a fallback for objects that
// were never dual-stack defaulted.
func clusterIP(svc *corev1.Service) string {
	if len(svc.Spec.ClusterIPs) > 0 {
		return svc.Spec.ClusterIPs[0]
	}
	return svc.Spec.ClusterIP
}

// serviceExternalIP mirrors how each service type is reached from outside.
// Kubernetes clips long load balancer lists only in narrow output, which the
// API server never produces (it always prints wide), so no clipping here.
func serviceExternalIP(svc *corev1.Service) string {
	external := strings.Join(svc.Spec.ExternalIPs, ",")
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		return orNone(external)
	case corev1.ServiceTypeLoadBalancer:
		return loadBalancerExternalIP(svc)
	case corev1.ServiceTypeExternalName:
		return svc.Spec.ExternalName
	}
	return unknown
}

// loadBalancerExternalIP lists ingress addresses then spec.externalIPs,
// showing "<pending>" until the load balancer is provisioned.
func loadBalancerExternalIP(svc *corev1.Service) string {
	addrs := loadBalancerAddresses(svc.Status.LoadBalancer)
	if len(svc.Spec.ExternalIPs) > 0 {
		var all []string
		if addrs != "" {
			all = strings.Split(addrs, ",")
		}
		return strings.Join(append(all, svc.Spec.ExternalIPs...), ",")
	}
	if addrs == "" {
		return "<pending>"
	}
	return addrs
}

// loadBalancerAddresses returns the sorted, de-duplicated ingress IPs or
// hostnames.
func loadBalancerAddresses(s corev1.LoadBalancerStatus) string {
	var addrs []string
	for _, ing := range s.Ingress {
		switch {
		case ing.IP != "":
			addrs = append(addrs, ing.IP)
		case ing.Hostname != "":
			addrs = append(addrs, ing.Hostname)
		}
	}
	slices.Sort(addrs)
	return strings.Join(slices.Compact(addrs), ",")
}

// servicePorts prints "port/proto" or "port:nodePort/proto" per port.
func servicePorts(ports []corev1.ServicePort) string {
	pieces := make([]string, len(ports))
	for i, p := range ports {
		pieces[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		if p.NodePort > 0 {
			pieces[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		}
	}
	return strings.Join(pieces, ",")
}

// Endpoints prints NAME ENDPOINTS AGE.
func Endpoints() Printer {
	return printer[corev1.Endpoints]{
		columns: columns(
			nameColumn(),
			column("Endpoints", "string", corev1.Endpoints{}.SwaggerDoc()["subsets"]),
			ageColumn(),
		),
		cells: func(ep *corev1.Endpoints, now time.Time) ([]any, error) {
			return []any{ep.Name, formatEndpoints(ep), age(ep.CreationTimestamp, now)}, nil
		},
	}
}

// formatEndpoints lists up to three "ip:port" pairs (bare IPs for port-less
// headless subsets) and counts the rest.
func formatEndpoints(ep *corev1.Endpoints) string {
	if len(ep.Subsets) == 0 {
		return none
	}
	list := truncatedList{max: 3}
	for _, ss := range ep.Subsets {
		if len(ss.Ports) == 0 {
			for _, addr := range ss.Addresses {
				list.add(addr.IP)
			}
			continue
		}
		for _, port := range ss.Ports {
			for _, addr := range ss.Addresses {
				list.add(net.JoinHostPort(addr.IP, strconv.Itoa(int(port.Port))))
			}
		}
	}
	return list.String()
}
