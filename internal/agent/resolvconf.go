package agent

import (
	"bufio"
	"bytes"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Kubelet's limits on a pod's resolver configuration.
const (
	maxNameservers = 3
	maxSearches    = 32
)

// resolver is one resolv.conf: nameservers, search domains, options
// ("ndots:5", "edns0").
type resolver struct {
	nameservers, searches, options []string
}

// parseResolvConf reads the lines of a resolv.conf the kubelet reads: the
// host's nameserver, search (or domain) and options.
func parseResolvConf(data []byte) resolver {
	var r resolver
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			r.nameservers = append(r.nameservers, f[1])
		case "search", "domain":
			r.searches = f[1:] // the last one wins, as in the resolver
		case "options":
			r.options = append(r.options, f[1:]...)
		}
	}
	return r
}

// podResolver is the kubelet's choice by dnsPolicy:
//
//	ClusterFirst            cluster DNS; the host's on the host network
//	ClusterFirstWithHostNet cluster DNS, host network or not
//	Default                 the host's resolv.conf
//	None                    nothing but dnsConfig
//
// Cluster DNS means nameserver = the node's cluster DNS address, search
// <ns>.svc.<domain> svc.<domain> <domain> followed by the host's search
// domains, options ndots:5. A node without cluster DNS (no pod network)
// falls back to the host's. dnsConfig is then merged in: nameservers and
// searches appended without duplicates, options overriding by name.
func podResolver(p *corev1.Pod, host resolver, clusterDNS []string) resolver {
	var r resolver
	switch policy := p.Spec.DNSPolicy; {
	case policy == corev1.DNSNone:
	case len(clusterDNS) > 0 && (policy == corev1.DNSClusterFirstWithHostNet ||
		(policy != corev1.DNSDefault && !p.Spec.HostNetwork)):
		ns := p.Namespace + ".svc." + clusterDomain
		r = resolver{
			nameservers: slices.Clone(clusterDNS),
			searches:    append([]string{ns, "svc." + clusterDomain, clusterDomain}, host.searches...),
			options:     []string{"ndots:5"},
		}
	default:
		r = resolver{nameservers: slices.Clone(host.nameservers), searches: slices.Clone(host.searches), options: slices.Clone(host.options)}
	}
	if c := p.Spec.DNSConfig; c != nil {
		r.nameservers = appendNew(r.nameservers, c.Nameservers...)
		r.searches = appendNew(r.searches, c.Searches...)
		for _, o := range c.Options {
			r.options = setOption(r.options, o)
		}
	}
	r.nameservers = r.nameservers[:min(len(r.nameservers), maxNameservers)]
	r.searches = r.searches[:min(len(r.searches), maxSearches)]
	return r
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// setOption replaces the option of the same name, or appends it.
func setOption(opts []string, o corev1.PodDNSConfigOption) []string {
	s := o.Name
	if o.Value != nil {
		s += ":" + *o.Value
	}
	for i, cur := range opts {
		if name, _, _ := strings.Cut(cur, ":"); name == o.Name {
			opts[i] = s
			return opts
		}
	}
	return append(opts, s)
}

// String writes the file as the container runtime does: search,
// nameservers, options.
func (r resolver) String() string {
	var b strings.Builder
	if len(r.searches) > 0 {
		b.WriteString("search " + strings.Join(r.searches, " ") + "\n")
	}
	for _, ns := range r.nameservers {
		b.WriteString("nameserver " + ns + "\n")
	}
	if len(r.options) > 0 {
		b.WriteString("options " + strings.Join(r.options, " ") + "\n")
	}
	return b.String()
}

// managesHostNetworkResolvConf: a host-network pod keeps the host's own
// /etc/resolv.conf unless its policy or dnsConfig asks for something else.
func managesHostNetworkResolvConf(p *corev1.Pod, clusterDNS []string) bool {
	return p.Spec.DNSConfig != nil || p.Spec.DNSPolicy == corev1.DNSNone ||
		(p.Spec.DNSPolicy == corev1.DNSClusterFirstWithHostNet && len(clusterDNS) > 0)
}
