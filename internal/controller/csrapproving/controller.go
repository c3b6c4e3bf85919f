// Package csrapproving is kube-controller-manager's CSR approving
// controller for node client certificates: a request for
// kubernetes.io/kube-apiserver-client-kubelet naming system:node:NAME is
// approved (reason AutoApproved) when a SubjectAccessReview says its
// requester may create certificatesigningrequests/nodeclient (the
// bootstrap identities of join tokens) or, when the requester is the node
// itself renewing, certificatesigningrequests/selfnodeclient. A node's
// request for its own serving certificate (kubelet-serving) is approved
// after a review of selfnodeserving (ordo's; see Match). The signer
// (package csrsigning) then issues them. Anything else waits for a human
// (`kubectl certificate approve`).
package csrapproving

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
	// Clock defaults to the real one.
	Clock clock.Clock
}

// Controller approves node client CSRs.
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
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: ticker}, "certificate_approving", "certificatesigningrequest-approving-controller")
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

// sync approves one CSR when Match recognizes it and the requester passes
// the recognizer's SubjectAccessReview; otherwise it leaves it alone.
func (c *Controller) sync(ctx context.Context, name string) error {
	cached, err := c.lister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	r := Match(cached)
	if r == nil {
		return nil
	}
	sar, err := c.cfg.Client.AuthorizationV1().SubjectAccessReviews().Create(ctx, r.Review(cached), metav1.CreateOptions{})
	if err != nil {
		return err
	}
	if !sar.Status.Allowed {
		return nil
	}
	csr := cached.DeepCopy()
	now := metav1.NewTime(c.cfg.Clock.Now())
	csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
		Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "AutoApproved",
		Message: r.Message, LastUpdateTime: now, LastTransitionTime: now,
	})
	_, err = c.cfg.Client.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, name, csr, metav1.UpdateOptions{})
	if err == nil {
		klog.FromContext(ctx).Info("Approved node client CSR", "csr", name, "requester", csr.Spec.Username, "recognizer", r.Subresource)
	}
	return err
}
