package etcd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/klog/v2"
)

// HasData tells whether dataDir already holds a member (its WAL), so that
// a restart starts it again instead of joining or creating a cluster.
func HasData(dataDir string) bool {
	entries, err := os.ReadDir(filepath.Join(dataDir, "wal"))
	return err == nil && len(entries) > 0
}

// StartJoined starts c as a member of the cluster cl reaches: on first
// start it is added as a learner (AddLearner), on every start it is
// promoted if it is still one (a crash between the two). It returns once
// the member is a voting member, since a learner serves no linearizable
// requests to the API server.
func StartJoined(ctx context.Context, cl clientv3.Cluster, c EmbeddedConfig) (*Embedded, error) {
	if c.Cluster == nil {
		return nil, fmt.Errorf("join etcd: no cluster configuration")
	}
	join := *c.Cluster
	join.Join = true
	if !HasData(c.DataDir) {
		joined, err := AddLearner(ctx, cl, c.Name, c.PeerURL)
		if err != nil {
			return nil, err
		}
		join.InitialCluster = joined.InitialCluster
	}
	c.Cluster = &join
	e, err := StartEmbedded(ctx, c)
	if err != nil {
		return nil, err
	}
	if e.IsLearner() {
		klog.FromContext(ctx).Info("Waiting for the etcd learner to catch up before promoting it", "member", c.Name)
		if err := Promote(ctx, cl, e.ID()); err != nil {
			e.Close()
			return nil, err
		}
	}
	return e, nil
}

// AdvertisePeerURL makes the member's registered peer URL the one it now
// listens on. A data directory first started as a single loopback member
// (plain `ordo server`) registered an unreachable one; started again with
// --cluster-init it must advertise its real address before others join.
func (e *Embedded) AdvertisePeerURL(ctx context.Context, peerURL string) error {
	m := e.etcd.Server.Cluster().Member(e.etcd.Server.MemberID())
	if m == nil || (len(m.PeerURLs) == 1 && m.PeerURLs[0] == peerURL) {
		return nil
	}
	cl, err := clientv3.New(clientv3.Config{Endpoints: []string{e.ClientURL()}, DialTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := cl.MemberUpdate(ctx, e.ID(), []string{peerURL}); err != nil {
		return fmt.Errorf("update etcd member %s's peer URL: %w", m.Name, err)
	}
	klog.FromContext(ctx).Info("Updated the etcd member's peer URL", "member", m.Name, "from", m.PeerURLs, "to", peerURL)
	return nil
}
