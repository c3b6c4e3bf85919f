package etcd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ordo-dev/ordo/internal/pki"
)

func TestReusableMemberAndInitialCluster(t *testing.T) {
	members := []*etcdserverpb.Member{
		{ID: 1, Name: "a", PeerURLs: []string{"https://10.0.0.1:2380"}},
		{ID: 2, Name: "", PeerURLs: []string{"https://10.0.0.2:2380"}, IsLearner: true},
	}
	for _, tc := range []struct {
		name, peer string
		want       uint64
		err        bool
	}{
		{"b", "https://10.0.0.2:2380", 2, false}, // our own earlier, never started learner
		{"c", "https://10.0.0.3:2380", 0, false}, // new
		{"a", "https://10.0.0.3:2380", 0, true},  // name taken
		{"x", "https://10.0.0.1:2380", 0, true},  // address of a voting member
	} {
		got, err := reusableMember(members, tc.name, tc.peer)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("reusableMember(%s, %s) = %d, %v; want %d, error %v", tc.name, tc.peer, got, err, tc.want, tc.err)
		}
	}
	if got, want := initialCluster(members, 2, "b"), "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380"; got != want {
		t.Errorf("initialCluster = %q, want %q", got, want)
	}
}

// TestConcurrentJoinsThenRemove: a first member, then two joining at once
// (one learner at a time, so neither wedges the cluster), all voting in the
// end and holding the same data; then an unknown name is refused and a
// known one removed. Real etcd over TLS from a real CA.
func TestConcurrentJoinsThenRemove(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	files := pki.Files{Dir: t.TempDir()}
	if err := pki.Ensure(files, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	if err := pki.EnsureEtcd(files, nil); err != nil {
		t.Fatal(err)
	}
	member := func(name string) EmbeddedConfig {
		return EmbeddedConfig{DataDir: filepath.Join(t.TempDir(), name), Name: name, ClientURL: "http://127.0.0.1:0",
			PeerURL: "https://127.0.0.1:" + freePort(t),
			Cluster: &ClusterConfig{AdvertiseClientURL: "https://127.0.0.1:" + freePort(t),
				CertFile: files.EtcdCert(), KeyFile: files.EtcdKey(), CAFile: files.CACert()}}
	}
	first, err := StartEmbedded(ctx, member("a"))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	tlsCfg, err := files.EtcdClientTLS()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := clientv3.New(clientv3.Config{Endpoints: []string{first.AdvertisedClientURL()}, TLS: tlsCfg, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := cl.Put(ctx, "/k", "v"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	joined := make([]*Embedded, 2)
	errs := make([]error, 2)
	cfgs := []EmbeddedConfig{member("b"), member("c")}
	bDir, bPeer, bClient := cfgs[0].DataDir, cfgs[0].PeerURL, cfgs[0].Cluster.AdvertiseClientURL
	for i := range cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			joined[i], errs[i] = StartJoined(ctx, cl, cfgs[i])
		}()
	}
	wg.Wait()
	for i := range joined {
		if errs[i] != nil {
			t.Fatalf("join %d: %v", i, errs[i])
		}
		defer func() { joined[i].Close() }()
	}
	list, err := cl.MemberList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Members) != 3 {
		t.Fatalf("members: %v", list.Members)
	}
	for _, m := range list.Members {
		if m.IsLearner {
			t.Errorf("member %s is still a learner", m.Name)
		}
	}
	for _, e := range append([]*Embedded{first}, joined...) {
		local, err := clientv3.New(clientv3.Config{Endpoints: []string{e.ClientURL()}, DialTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer local.Close()
		gctx, gcancel := context.WithTimeout(ctx, 10*time.Second)
		got, err := local.Get(gctx, "/k")
		gcancel()
		if err != nil || len(got.Kvs) != 1 || string(got.Kvs[0].Value) != "v" {
			t.Fatalf("member at %s reads %v, %v", e.ClientURL(), got, err)
		}
	}
	// A joined member restarts from its WAL, without joining again.
	joined[0].Close()
	restartCfg := member("b")
	restartCfg.DataDir = bDir
	restartCfg.PeerURL, restartCfg.Cluster.AdvertiseClientURL = bPeer, bClient
	if joined[0], err = StartJoined(ctx, cl, restartCfg); err != nil {
		t.Fatalf("restart a joined member: %v", err)
	}
	if list, err := cl.MemberList(ctx); err != nil || len(list.Members) != 3 {
		t.Fatalf("after a restart: %v, %v", list, err)
	}

	var notFound ErrMemberNotFound
	if _, err := RemoveMember(ctx, cl, "nope"); !errors.As(err, &notFound) {
		t.Fatalf("removing an unknown member: %v", err)
	}
	if _, err := RemoveMember(ctx, cl, "c"); err != nil {
		t.Fatal(err)
	}
	if list, err := cl.MemberList(ctx); err != nil || len(list.Members) != 2 {
		t.Fatalf("after removal: %v, %v", list, err)
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// TestClusterInitOnASingleMemberDataDir: a data directory first started
// as today's single loopback member, started again as a cluster's first
// member, advertises its new peer URL.
func TestClusterInitOnASingleMemberDataDir(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	files := pki.Files{Dir: t.TempDir()}
	if err := pki.Ensure(files, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	if err := pki.EnsureEtcd(files, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	single, err := StartEmbedded(ctx, EmbeddedConfig{DataDir: dir, ClientURL: "http://127.0.0.1:0", PeerURL: "http://127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	single.Close()
	peer := "https://127.0.0.1:" + freePort(t)
	e, err := StartEmbedded(ctx, EmbeddedConfig{DataDir: dir, ClientURL: "http://127.0.0.1:0", PeerURL: peer,
		Cluster: &ClusterConfig{AdvertiseClientURL: "https://127.0.0.1:" + freePort(t), CertFile: files.EtcdCert(), KeyFile: files.EtcdKey(), CAFile: files.CACert()}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.AdvertisePeerURL(ctx, peer); err != nil {
		t.Fatal(err)
	}
	cl, err := clientv3.New(clientv3.Config{Endpoints: []string{e.ClientURL()}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	list, err := cl.MemberList(ctx)
	if err != nil || len(list.Members) != 1 || len(list.Members[0].PeerURLs) != 1 || list.Members[0].PeerURLs[0] != peer {
		t.Fatalf("members %v, %v; want one at %s", list, err, peer)
	}
}
