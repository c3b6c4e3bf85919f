package disruption

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/api/budget"
	"github.com/ordo-dev/ordo/internal/controller/base"
)

// Config holds the controller's dependencies: the client reads scales and
// writes budgets' status and events; the clock times disruptions out.
type Config = base.Config

// Controller keeps PodDisruptionBudgets' status.
type Controller struct {
	b            *base.Base
	budgets      policylisters.PodDisruptionBudgetLister
	pods         corelisters.PodLister
	replicaSets  appslisters.ReplicaSetLister
	deployments  appslisters.DeploymentLister
	statefulSets appslisters.StatefulSetLister
}

// New builds a Controller; Run starts it. It fails when the informers
// refuse its event handlers.
func New(c Config) (*Controller, error) {
	// Kubernetes' disruption controller records events as "controllermanager".
	b, err := base.New(c, "disruption", "controllermanager")
	if err != nil {
		return nil, err
	}
	f := b.Informers
	pdbs, pods := f.Policy().V1().PodDisruptionBudgets(), f.Core().V1().Pods()
	rs, d, ss := f.Apps().V1().ReplicaSets(), f.Apps().V1().Deployments(), f.Apps().V1().StatefulSets()
	ctl := &Controller{b: b, budgets: pdbs.Lister(), pods: pods.Lister(),
		replicaSets: rs.Lister(), deployments: d.Lister(), statefulSets: ss.Lister()}
	if err := b.WatchKeys(pdbs.Informer()); err != nil {
		return nil, err
	}
	if err := b.Watch(pods.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: ctl.onPod,
		UpdateFunc: func(old, cur interface{}) {
			ctl.onPod(cur)
			ctl.onPod(old) // labels may have moved it out of a budget
		},
		DeleteFunc: ctl.onPod,
	}); err != nil {
		return nil, err
	}
	b.WaitFor(rs.Informer().HasSynced, d.Informer().HasSynced, ss.Informer().HasSynced)
	return ctl, nil
}

// Run works until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.b.Run(ctx, workers, c.sync)
}

// onPod queues the budgets that cover a pod.
func (c *Controller) onPod(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	all, err := c.budgets.PodDisruptionBudgets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, pdb := range budget.Covering(all, pod) {
		c.b.Queue.Add(cache.MetaObjectToName(pdb).String())
	}
}

// sync computes one budget's status and writes it when it changed.
func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	pdb, err := c.budgets.PodDisruptionBudgets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	logger := klog.FromContext(ctx).WithValues("pdb", klog.KObj(pdb))
	in, err := c.inputs(ctx, pdb)
	if err != nil {
		return nil, err
	}
	p := decide(in)
	c.report(pdb, in, p)
	if p.write {
		next := pdb.DeepCopy()
		next.Status = p.status
		if _, err := c.b.Client.PolicyV1().PodDisruptionBudgets(ns).UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
			return nil, err
		}
		logger.V(4).Info("Updated budget status", "allowed", p.status.DisruptionsAllowed,
			"currentHealthy", p.status.CurrentHealthy, "desiredHealthy", p.status.DesiredHealthy)
	}
	if p.failure != nil {
		return nil, p.failure
	}
	return p.recheck, nil
}

// inputs gathers the budget's pods and their workloads' scales.
func (c *Controller) inputs(ctx context.Context, pdb *policyv1.PodDisruptionBudget) (input, error) {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return input{}, err
	}
	pods, err := c.pods.Pods(pdb.Namespace).List(sel)
	if err != nil {
		return input{}, err
	}
	scales, err := c.scales(ctx, pods)
	if err != nil {
		return input{}, err
	}
	return input{pdb: pdb, pods: pods, scales: scales, now: c.b.Clock.Now()}, nil
}

// report records Kubernetes' events about a sync.
func (c *Controller) report(pdb *policyv1.PodDisruptionBudget, in input, p plan) {
	rec := c.b.Recorder
	if len(in.pods) == 0 {
		rec.Event(pdb, corev1.EventTypeNormal, "NoPods", "No matching pods found")
	}
	if p.failure != nil {
		rec.Eventf(pdb, corev1.EventTypeWarning, "CalculateExpectedPodCountFailed", "Failed to calculate the number of expected pods: %v", p.failure)
	}
	if len(p.unmanaged) > 0 {
		rec.Eventf(pdb, corev1.EventTypeWarning, "UnmanagedPods", "Pods selected by this PodDisruptionBudget (selector: %v) were found "+
			"to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "+
			"To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.", pdb.Spec.Selector)
	}
	for _, name := range p.notDeleted {
		for _, pod := range in.pods {
			if pod.Name == name {
				rec.Eventf(pod, corev1.EventTypeWarning, "NotDeleted", "Pod was expected by PDB %s/%s to be deleted but it wasn't", pdb.Namespace, pdb.Name)
			}
		}
	}
}
