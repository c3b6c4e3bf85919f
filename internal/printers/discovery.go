package printers

import (
	"strconv"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	discoveryv1beta1 "k8s.io/api/discovery/v1beta1"
)

// EndpointSlices prints NAME ADDRESSTYPE PORTS ENDPOINTS AGE.
func EndpointSlices() Printer {
	doc := discoveryv1beta1.EndpointSlice{}.SwaggerDoc()
	return printer[discoveryv1.EndpointSlice]{
		columns: columns(
			nameColumn(),
			column("AddressType", "string", doc["addressType"]),
			column("Ports", "string", doc["ports"]),
			column("Endpoints", "string", doc["endpoints"]),
			ageColumn(),
		),
		cells: func(s *discoveryv1.EndpointSlice, now time.Time) ([]any, error) {
			return []any{s.Name, string(s.AddressType), slicePorts(s.Ports), sliceAddresses(s.Endpoints), age(s.CreationTimestamp, now)}, nil
		},
	}
}

// slicePorts lists up to three port numbers; a port without a number shows
// its name, and one with neither matches all ports ("*").
func slicePorts(ports []discoveryv1.EndpointPort) string {
	list := truncatedList{max: 3}
	for _, p := range ports {
		switch {
		case p.Port != nil:
			list.add(strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			list.add(*p.Name)
		default:
			list.add("*")
		}
	}
	return orUnset(list.String())
}

// sliceAddresses lists up to three endpoint addresses.
func sliceAddresses(endpoints []discoveryv1.Endpoint) string {
	list := truncatedList{max: 3}
	for _, ep := range endpoints {
		for _, addr := range ep.Addresses {
			list.add(addr)
		}
	}
	return orUnset(list.String())
}

// orUnset substitutes "<unset>" for an empty string.
func orUnset(s string) string {
	if s == "" {
		return unset
	}
	return s
}
