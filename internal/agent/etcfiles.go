package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ordo-dev/ordo/internal/runtime"
	"github.com/ordo-dev/ordo/internal/volume"
	corev1 "k8s.io/api/core/v1"
)

// clusterDomain is Kubernetes' default cluster domain.
const clusterDomain = "cluster.local"

// etcFiles writes the pod's /etc/hosts, /etc/hostname and
// /etc/resolv.conf into its directory and returns them as mounts. Pods on
// the host network see the host's own files, as in Kubernetes, except for
// a resolv.conf their dnsPolicy or dnsConfig asks for.
func (s *sandboxes) etcFiles(p *corev1.Pod, podIP string) ([]runtime.Mount, error) {
	names := []string{"hosts", "hostname", "resolv.conf"}
	if p.Spec.HostNetwork {
		if !managesHostNetworkResolvConf(p, s.clusterDNS) {
			return nil, nil
		}
		names = []string{"resolv.conf"}
	}
	dir := filepath.Join(s.podDir(p), "etc")
	files := map[string]string{
		"hosts":       hostsFile(p, podIP),
		"hostname":    hostname(p) + "\n",
		"resolv.conf": s.podResolvConf(p),
	}
	var mounts []runtime.Mount
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := volume.WriteFile(path, []byte(files[name]), 0o644); err != nil {
			return nil, err
		}
		mounts = append(mounts, runtime.Mount{Source: path, Target: "/etc/" + name})
	}
	return mounts, nil
}

// hostsFile is the kubelet's managed hosts file: localhost entries, the pod's
// own name (fully qualified under its subdomain when it has one), and
// hostAliases.
func hostsFile(p *corev1.Pod, podIP string) string {
	var b strings.Builder
	b.WriteString("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	b.WriteString("fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n")
	host := hostname(p)
	if p.Spec.Subdomain != "" {
		fmt.Fprintf(&b, "%s\t%s.%s.%s.svc.%s\t%s\n", podIP, host, p.Spec.Subdomain, p.Namespace, clusterDomain, host)
	} else {
		fmt.Fprintf(&b, "%s\t%s\n", podIP, host)
	}
	if len(p.Spec.HostAliases) > 0 {
		b.WriteString("\n# Entries added by HostAliases.\n")
		for _, ha := range p.Spec.HostAliases {
			fmt.Fprintf(&b, "%s\t%s\n", ha.IP, strings.Join(ha.Hostnames, "\t"))
		}
	}
	return b.String()
}

// podResolvConf is the pod's /etc/resolv.conf (see podResolver), from the
// node's resolv.conf (the kubelet's --resolv-conf) and cluster DNS address.
func (s *sandboxes) podResolvConf(p *corev1.Pod) string {
	host, err := os.ReadFile(s.resolvConf)
	if err != nil && !os.IsNotExist(err) {
		s.log("read %s: %v", s.resolvConf, err)
	}
	return podResolver(p, parseResolvConf(host), s.clusterDNS).String()
}
