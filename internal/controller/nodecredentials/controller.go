// Package nodecredentials revokes a deleted Node's credentials: when a
// Node is deleted it records the time under the node's name in
// kube-system/ordo-node-credential-revocations, and the API servers refuse
// node certificates issued before then (nodeauthz.RefuseRevoked). The
// node's agent must bootstrap again, with a join token, to come back.
// Kubernetes lets a deleted node's kubelet recreate its Node; issue 27
// asks that a deleted node's credential stop working, so ordo revokes.
//
// A deletion is seen from the Node watch of the leader's controllers: a
// Node deleted while no server runs controllers is not recorded.
package nodecredentials

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
	"github.com/ordo-dev/ordo/internal/nodeauthz"
)

// Config holds the controller's dependencies.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	// Clock defaults to the real one.
	Clock clock.WithTicker
}

// Controller records Node deletions.
type Controller struct {
	cfg  Config
	base *base.Base
	mu   sync.Mutex
	// deleted is when each node's deletion was seen, until recorded.
	deleted map[string]time.Time
}

// New builds the controller; Run starts it.
func New(c Config) (*Controller, error) {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: c.Clock}, "node_credentials", "node-credentials-controller")
	if err != nil {
		return nil, err
	}
	ctl := &Controller{cfg: c, base: b, deleted: map[string]time.Time{}}
	err = b.Watch(c.Informers.Core().V1().Nodes().Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: ctl.nodeDeleted})
	return ctl, err
}

func (c *Controller) nodeDeleted(obj interface{}) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	n, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	c.mu.Lock()
	c.deleted[n.Name] = c.cfg.Clock.Now()
	c.mu.Unlock()
	c.base.Queue.Add(n.Name)
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.base.Run(ctx, workers, func(ctx context.Context, name string) (*time.Duration, error) {
		return nil, c.sync(ctx, name)
	})
}

// sync writes the node's deletion time (keeping a later one recorded).
func (c *Controller) sync(ctx context.Context, name string) error {
	c.mu.Lock()
	at, ok := c.deleted[name]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	stamp := at.UTC().Format(time.RFC3339Nano)
	cms := c.cfg.Client.CoreV1().ConfigMaps(metav1.NamespaceSystem)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cm, err := cms.Get(ctx, nodeauthz.RevocationsConfigMap, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: nodeauthz.RevocationsConfigMap},
				Data: map[string]string{name: stamp}}, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return apierrors.NewConflict(corev1.Resource("configmaps"), nodeauthz.RevocationsConfigMap, err)
			}
			return err
		}
		if err != nil {
			return err
		}
		if prev, err := time.Parse(time.RFC3339Nano, cm.Data[name]); err == nil && !prev.Before(at) {
			return nil
		}
		cm = cm.DeepCopy()
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data[name] = stamp
		_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.deleted[name].Equal(at) {
		delete(c.deleted, name)
	}
	c.mu.Unlock()
	klog.FromContext(ctx).Info("Revoked the credentials of a deleted node", "node", name, "deleted", stamp)
	return nil
}
