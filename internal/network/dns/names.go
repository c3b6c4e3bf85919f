package dns

import (
	"net"
	"strings"
)

// query is a parsed cluster name: exactly one of its forms is set.
type query struct {
	kind    kind
	ns, svc string
	host    string // endpoint hostname (kindEndpoint) or dashed pod IP (kindPod)
	port    string // SRV: port name without "_", empty for "all"
	proto   string // SRV: "tcp", "udp", "sctp"
}

type kind int

const (
	kindUnknown kind = iota
	kindApex         // cluster.local, svc.cluster.local, pod.cluster.local, <ns>.svc…
	kindService
	kindEndpoint
	kindSRV
	kindPod
)

// parse splits name (lower case, fully qualified) inside zone (e.g.
// "cluster.local.") into a query. ok is false for names outside the zone.
func parse(name, zone string) (q query, ok bool) {
	if name == zone {
		return query{kind: kindApex}, true
	}
	if !strings.HasSuffix(name, "."+zone) {
		return query{}, false
	}
	labels := strings.Split(strings.TrimSuffix(name, "."+zone), ".")
	n := len(labels)
	switch {
	case labels[n-1] == "svc":
		return parseSvc(labels[:n-1]), true
	case labels[n-1] == "pod" && n == 1:
		return query{kind: kindApex}, true
	case labels[n-1] == "pod" && n == 3:
		return query{kind: kindPod, host: labels[0], ns: labels[1]}, true
	}
	return query{}, true
}

// parseSvc reads the labels before "svc": [ns], [svc ns], [host svc ns],
// [_port _proto svc ns] or [_proto svc ns].
func parseSvc(l []string) query {
	switch len(l) {
	case 0, 1:
		return query{kind: kindApex, ns: strings.Join(l, "")}
	case 2:
		return query{kind: kindService, svc: l[0], ns: l[1]}
	case 3:
		if strings.HasPrefix(l[0], "_") {
			return query{kind: kindSRV, proto: l[0][1:], svc: l[1], ns: l[2]}
		}
		return query{kind: kindEndpoint, host: l[0], svc: l[1], ns: l[2]}
	case 4:
		if strings.HasPrefix(l[0], "_") && strings.HasPrefix(l[1], "_") {
			return query{kind: kindSRV, port: l[0][1:], proto: l[1][1:], svc: l[2], ns: l[3]}
		}
	}
	return query{}
}

// dashedIP reads "10-42-0-5" as 10.42.0.5.
func dashedIP(s string) net.IP {
	ip := net.ParseIP(strings.ReplaceAll(s, "-", ".")).To4()
	if ip == nil || strings.Count(s, "-") != 3 {
		return nil
	}
	return ip
}

// dashed writes an IP as a DNS label, 10.42.0.5 → 10-42-0-5.
func dashed(ip string) string { return strings.ReplaceAll(ip, ".", "-") }

// reverseIP reads d.c.b.a.in-addr.arpa. as a.b.c.d.
func reverseIP(name string) net.IP {
	rest, ok := strings.CutSuffix(name, ".in-addr.arpa.")
	if !ok {
		return nil
	}
	l := strings.Split(rest, ".")
	if len(l) != 4 {
		return nil
	}
	return net.ParseIP(l[3] + "." + l[2] + "." + l[1] + "." + l[0]).To4()
}
