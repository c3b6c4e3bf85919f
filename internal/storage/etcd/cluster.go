package etcd

import (
	"fmt"
	"net/url"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
)

// ClusterConfig makes an embedded member one of a cluster of servers: peers
// talk over TLS with certificates from the cluster CA and authenticate each
// other with them, and the member also serves clients over TLS on its
// advertise address so that other servers can add, promote and remove
// members. The local, plain-HTTP loopback client URL stays the one the
// server's own API uses.
type ClusterConfig struct {
	// AdvertiseClientURL is https://ADDRESS:PORT, served with client
	// certificate authentication.
	AdvertiseClientURL string
	// CertFile and KeyFile are the member's certificate (server and
	// client usages, its IP in the SANs), CAFile the cluster CA.
	CertFile, KeyFile, CAFile string
	// InitialCluster is etcd's --initial-cluster when the member joins an
	// existing cluster (name=peerURL,...); empty for the first member.
	InitialCluster string
	// Join starts the member with --initial-cluster-state=existing.
	Join bool
}

func (c *ClusterConfig) apply(cfg *embed.Config) error {
	adv, err := url.Parse(c.AdvertiseClientURL)
	if err != nil || adv.Scheme != "https" {
		return fmt.Errorf("etcd advertise client url %q: must be https://ADDRESS:PORT", c.AdvertiseClientURL)
	}
	cfg.ListenClientUrls = append(cfg.ListenClientUrls, *adv)
	cfg.AdvertiseClientUrls = []url.URL{*adv}
	tls := transport.TLSInfo{CertFile: c.CertFile, KeyFile: c.KeyFile, TrustedCAFile: c.CAFile, ClientCertAuth: true}
	cfg.ClientTLSInfo, cfg.PeerTLSInfo = tls, tls
	if c.InitialCluster != "" {
		cfg.InitialCluster = c.InitialCluster
	}
	if c.Join {
		cfg.ClusterState = embed.ClusterStateFlagExisting
	}
	// Learners are how servers join (etcd's recommendation): at most one at
	// a time, which serialises concurrent joins (see AddLearner).
	cfg.StrictReconfigCheck = true
	return nil
}
