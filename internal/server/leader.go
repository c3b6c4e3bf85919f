package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// controllerLease is the coordination Lease whose holder runs the controllers,
// so that only one of several servers sharing an etcd cluster acts at a time.
const (
	controllerLeaseNamespace = "kube-system"
	controllerLeaseName      = "ordo-controller-manager"
)

// Kubernetes' kube-controller-manager timings.
const (
	leaseDuration = 15 * time.Second
	renewDeadline = 10 * time.Second
	retryPeriod   = 2 * time.Second
)

// runAsLeader runs lead while this server holds the controller lease, and
// returns when ctx is done. Losing the lease stops lead and campaigns again.
// When lead fails (the controllers could not be built), the error is
// logged, the lease released so another server may lead, and this server
// campaigns again only after a lease duration.
func runAsLeader(ctx context.Context, client kubernetes.Interface, identity string, lead func(context.Context) error) {
	logger := klog.FromContext(ctx)
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metaName(controllerLeaseNamespace, controllerLeaseName),
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: identity},
	}
	for ctx.Err() == nil {
		term, endTerm := context.WithCancel(ctx)
		var failed atomic.Bool
		leaderelection.RunOrDie(term, leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   leaseDuration,
			RenewDeadline:   renewDeadline,
			RetryPeriod:     retryPeriod,
			ReleaseOnCancel: true,
			Name:            controllerLeaseName,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(ctx context.Context) {
					if err := lead(ctx); err != nil {
						logger.Error(err, "Controllers failed to start; releasing the controller lease", "lease", controllerLeaseName)
						failed.Store(true)
						endTerm()
					}
				},
				OnStoppedLeading: func() { logger.Info("Lost the controller lease", "lease", controllerLeaseName) },
			},
		})
		endTerm()
		if failed.Load() {
			select {
			case <-ctx.Done():
			case <-time.After(leaseDuration):
			}
		}
	}
}

// serverIdentity is this data directory's stable holder identity. Kept on
// disk so that a server restarted after a crash is recognised as the current
// holder and resumes at once instead of waiting out the old lease.
func serverIdentity(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "server-id")
	if data, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(data)), nil
	}
	host, _ := os.Hostname()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id := fmt.Sprintf("%s_%s", host, hex.EncodeToString(b))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o600); err != nil {
		return "", err
	}
	return id, os.Rename(tmp, path)
}

func metaName(namespace, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: namespace, Name: name}
}
