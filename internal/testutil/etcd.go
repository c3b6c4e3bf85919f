package testutil

import (
	"context"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/ordo-dev/ordo/internal/storage/etcd"
)

// StartEtcd runs an embedded etcd member for the test, on loopback ports
// of its own, and returns a client; both end with the test.
func StartEtcd(t *testing.T) *clientv3.Client {
	t.Helper()
	e, err := etcd.StartEmbedded(context.Background(), etcd.EmbeddedConfig{
		DataDir: t.TempDir(), ClientURL: "http://127.0.0.1:0", PeerURL: "http://127.0.0.1:0",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{e.ClientURL()}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
