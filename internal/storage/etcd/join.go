package etcd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

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
