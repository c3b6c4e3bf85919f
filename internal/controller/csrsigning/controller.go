// Package csrsigning is kube-controller-manager's CSR signing controller
// for the built-in client signers (kubernetes.io/kube-apiserver-client and
// kubernetes.io/kube-apiserver-client-kubelet), with ordo's CA: an
// approved request is issued (sign.go decides and signs), one its
// signer's rules refuse gets a Failed condition. Requests for other
// signers are left to their own signers.
package csrsigning

import (
	"context"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	certlisters "k8s.io/client-go/listers/certificates/v1"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
)

// Config holds the controller's dependencies.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	CA        CA
	// Clock defaults to the real one.
	Clock clock.Clock
}

// Controller signs approved CSRs.
type Controller struct {
	cfg    Config
	base   *base.Base
	lister certlisters.CertificateSigningRequestLister
}

// New builds the controller; Run starts it.
func New(c Config) (*Controller, error) {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	ticker, _ := c.Clock.(clock.WithTicker)
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: ticker}, "certificate", "certificatesigningrequest-signing-controller")
	if err != nil {
		return nil, err
	}
	inf := c.Informers.Certificates().V1().CertificateSigningRequests()
	ctl := &Controller{cfg: c, base: b, lister: inf.Lister()}
	if err := b.WatchKeys(inf.Informer()); err != nil {
		return nil, err
	}
	return ctl, nil
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.base.Run(ctx, workers, func(ctx context.Context, name string) (*time.Duration, error) {
		return nil, c.sync(ctx, name)
	})
}

// sync applies Decide's decision to one CSR, in one status write.
func (c *Controller) sync(ctx context.Context, name string) error {
	cached, err := c.lister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	d := Decide(cached)
	if !d.Sign && d.Fail == "" {
		return nil
	}
	csr := cached.DeepCopy()
	now := c.cfg.Clock.Now()
	if d.Fail != "" {
		csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
			Type: certificatesv1.CertificateFailed, Status: corev1.ConditionTrue, Reason: "SignerValidationFailure",
			Message: d.Fail, LastUpdateTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now),
		})
	} else if csr.Status.Certificate, err = Sign(csr, c.cfg.CA, now); err != nil {
		return err
	}
	_, err = c.cfg.Client.CertificatesV1().CertificateSigningRequests().UpdateStatus(ctx, csr, metav1.UpdateOptions{})
	if err == nil {
		klog.FromContext(ctx).Info("Handled CSR", "csr", name, "signer", csr.Spec.SignerName, "issued", d.Sign)
	}
	return err
}
