// Package etcd starts the embedded etcd server that holds ordo's state when
// no external cluster is given, and builds the client configuration the API
// server's storage uses for either.
package etcd

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// EmbeddedConfig says where the embedded etcd keeps its data and listens.
type EmbeddedConfig struct {
	// DataDir holds the member's WAL and snapshots.
	DataDir string
	// ClientURL is where clients connect, e.g. http://127.0.0.1:2379. Port 0
	// picks a free port; Embedded.ClientURL reports the one chosen.
	ClientURL string
	// PeerURL is the peer listener: unused by a single member on
	// loopback, https on the advertise address in a cluster.
	PeerURL string
	// Name is the member's name, unique in the cluster ("ordo" if empty).
	Name string
	// Cluster, when set, makes the member one of several.
	Cluster *ClusterConfig
	// StartTimeout bounds how long to wait for the member to be ready.
	StartTimeout time.Duration
}

// Embedded is a running single-member etcd.
type Embedded struct {
	etcd  *embed.Etcd
	level zap.AtomicLevel
	// advertised is the cluster client URL (empty for a single member).
	advertised string
}

// StartEmbedded starts etcd and waits until it serves requests.
func StartEmbedded(ctx context.Context, c EmbeddedConfig) (*Embedded, error) {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("etcd data dir: %w", err)
	}
	cfg := embed.NewConfig()
	cfg.Name = c.Name
	if cfg.Name == "" {
		cfg.Name = "ordo"
	}
	cfg.Dir = c.DataDir
	cfg.WalDir = filepath.Join(c.DataDir, "wal")
	client, err := url.Parse(c.ClientURL)
	if err != nil {
		return nil, fmt.Errorf("etcd client url: %w", err)
	}
	peer, err := url.Parse(c.PeerURL)
	if err != nil {
		return nil, fmt.Errorf("etcd peer url: %w", err)
	}
	cfg.ListenClientUrls = []url.URL{*client}
	cfg.AdvertiseClientUrls = []url.URL{*client}
	cfg.ListenPeerUrls = []url.URL{*peer}
	cfg.AdvertisePeerUrls = []url.URL{*peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	if c.Cluster != nil {
		if err := c.Cluster.apply(cfg); err != nil {
			return nil, err
		}
	}
	cfg.ListenMetricsUrls = nil
	// Kubernetes compacts history itself (the apiserver runs a compactor);
	// keep etcd's own revision compaction off and its logs quiet.
	cfg.LogLevel = "error"
	level := zap.NewAtomicLevelAt(zapcore.ErrorLevel)
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(logger(level))
	cfg.QuotaBackendBytes = 8 << 30

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd: %w", err)
	}
	timeout := c.StartTimeout
	if timeout == 0 {
		timeout = time.Minute
	}
	select {
	case <-e.Server.ReadyNotify():
		em := &Embedded{etcd: e, level: level}
		if c.Cluster != nil {
			em.advertised = c.Cluster.AdvertiseClientURL
		}
		return em, nil
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("embedded etcd failed: %w", err)
	case <-time.After(timeout):
		e.Close()
		return nil, fmt.Errorf("embedded etcd not ready after %s", timeout)
	case <-ctx.Done():
		e.Close()
		return nil, ctx.Err()
	}
}

// ID is the member's ID in the cluster.
func (e *Embedded) ID() uint64 { return uint64(e.etcd.Server.MemberID()) }

// IsLearner tells whether the member is still a non-voting learner.
func (e *Embedded) IsLearner() bool { return e.etcd.Server.IsLearner() }

// Failed reports the member's fatal errors, e.g. its removal from the
// cluster.
func (e *Embedded) Failed() <-chan error { return e.etcd.Err() }

// AdvertisedClientURL is the https URL other servers dial (empty for a
// single member).
func (e *Embedded) AdvertisedClientURL() string { return e.advertised }

// ClientURL is the URL clients dial, with the port actually bound.
// etcd keeps its listeners in no fixed order, so the local one is the one
// that is not the advertised URL's.
func (e *Embedded) ClientURL() string {
	for _, l := range e.etcd.Clients {
		if addr := l.Addr().String(); e.advertised == "" || !strings.HasSuffix(e.advertised, "//"+addr) {
			return "http://" + addr
		}
	}
	return ""
}

// Close stops the member, flushing its WAL. etcd reports its own listeners
// closing as errors ("server closed"); those are expected here and muted.
func (e *Embedded) Close() {
	e.level.SetLevel(zapcore.FatalLevel)
	e.etcd.Close()
}

// logger writes etcd's errors (only) to stderr as JSON.
func logger(level zap.AtomicLevel) *zap.Logger {
	cfg := zap.NewProductionConfig()
	cfg.Level = level
	l, err := cfg.Build()
	if err != nil {
		return zap.NewNop()
	}
	return l
}
