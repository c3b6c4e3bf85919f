package agent

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodResolver(t *testing.T) {
	host := parseResolvConf([]byte("# host\nnameserver 192.0.2.53\nsearch corp.example\noptions edns0 ndots:1\n"))
	cluster := []string{"10.42.0.1"}
	two := "2"
	withConfig := &corev1.PodDNSConfig{Nameservers: []string{"192.0.2.99", "10.42.0.1"}, Searches: []string{"extra.example"},
		Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: &two}, {Name: "single-request"}}}
	cases := []struct {
		name        string
		policy      corev1.DNSPolicy
		hostNetwork bool
		config      *corev1.PodDNSConfig
		clusterDNS  []string
		want        string
	}{
		{"ClusterFirst", corev1.DNSClusterFirst, false, nil, cluster,
			"search team.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.42.0.1\noptions ndots:5\n"},
		{"empty policy is ClusterFirst", "", false, nil, cluster,
			"search team.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.42.0.1\noptions ndots:5\n"},
		{"ClusterFirst on the host network is the host's", corev1.DNSClusterFirst, true, nil, cluster,
			"search corp.example\nnameserver 192.0.2.53\noptions edns0 ndots:1\n"},
		{"ClusterFirstWithHostNet", corev1.DNSClusterFirstWithHostNet, true, nil, cluster,
			"search team.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.42.0.1\noptions ndots:5\n"},
		{"Default", corev1.DNSDefault, false, nil, cluster,
			"search corp.example\nnameserver 192.0.2.53\noptions edns0 ndots:1\n"},
		{"no cluster DNS falls back to the host's", corev1.DNSClusterFirst, false, nil, nil,
			"search corp.example\nnameserver 192.0.2.53\noptions edns0 ndots:1\n"},
		{"None uses dnsConfig only", corev1.DNSNone, false, withConfig, cluster,
			"search extra.example\nnameserver 192.0.2.99\nnameserver 10.42.0.1\noptions ndots:2 single-request\n"},
		{"dnsConfig merges into ClusterFirst", corev1.DNSClusterFirst, false, withConfig, cluster,
			"search team.svc.cluster.local svc.cluster.local cluster.local corp.example extra.example\nnameserver 10.42.0.1\nnameserver 192.0.2.99\noptions ndots:2 single-request\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "team"},
				Spec: corev1.PodSpec{DNSPolicy: tc.policy, HostNetwork: tc.hostNetwork, DNSConfig: tc.config}}
			if got := podResolver(p, host, tc.clusterDNS).String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestPodResolverLimits(t *testing.T) {
	host := resolver{nameservers: []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"}}
	p := &corev1.Pod{Spec: corev1.PodSpec{DNSPolicy: corev1.DNSDefault, DNSConfig: &corev1.PodDNSConfig{Nameservers: []string{"192.0.2.4"}}}}
	if got := podResolver(p, host, nil).nameservers; len(got) != maxNameservers || got[2] != "192.0.2.3" {
		t.Errorf("nameservers = %v, want the first %d", got, maxNameservers)
	}
}

func TestManagesHostNetworkResolvConf(t *testing.T) {
	cluster := []string{"10.42.0.1"}
	for _, tc := range []struct {
		policy corev1.DNSPolicy
		config *corev1.PodDNSConfig
		dns    []string
		want   bool
	}{
		{corev1.DNSClusterFirst, nil, cluster, false},
		{corev1.DNSClusterFirstWithHostNet, nil, cluster, true},
		{corev1.DNSClusterFirstWithHostNet, nil, nil, false},
		{corev1.DNSNone, &corev1.PodDNSConfig{}, cluster, true},
		{corev1.DNSDefault, &corev1.PodDNSConfig{Searches: []string{"a"}}, cluster, true},
	} {
		p := &corev1.Pod{Spec: corev1.PodSpec{HostNetwork: true, DNSPolicy: tc.policy, DNSConfig: tc.config}}
		if got := managesHostNetworkResolvConf(p, tc.dns); got != tc.want {
			t.Errorf("%s config=%v dns=%v: %v, want %v", tc.policy, tc.config != nil, tc.dns, got, tc.want)
		}
	}
}
