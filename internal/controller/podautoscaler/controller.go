package podautoscaler

import (
	"context"
	"fmt"
	"sync"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/controller/base"
)

// resyncPeriod is kube-controller-manager's
// --horizontal-pod-autoscaler-sync-period.
const resyncPeriod = 15 * time.Second

// Config holds the controller's dependencies.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	// Metrics reads metrics.k8s.io/v1beta1 pod metrics.
	Metrics metricsclient.Interface
	Clock   clock.Clock
}

// Controller scales workloads to their HPAs' resource metrics targets.
type Controller struct {
	cfg  Config
	base *base.Base
	// history holds each HPA's recent recommendations and scale events,
	// in memory as upstream does (a new leader starts afresh).
	mu      sync.Mutex
	history map[string]*past
}

type past struct {
	recs   []Recorded
	events []ScaleEvent
}

// New builds the controller; Run starts it.
func New(c Config) (*Controller, error) {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	ticker, _ := c.Clock.(clock.WithTicker)
	b, err := base.New(base.Config{Client: c.Client, Informers: c.Informers, Clock: ticker}, "horizontalpodautoscaler", "horizontal-pod-autoscaler")
	if err != nil {
		return nil, err
	}
	ctl := &Controller{cfg: c, base: b, history: map[string]*past{}}
	if err := b.WatchKeys(c.Informers.Autoscaling().V2().HorizontalPodAutoscalers().Informer()); err != nil {
		return nil, err
	}
	c.Informers.Core().V1().Pods().Informer()
	return ctl, nil
}

// Run works until ctx is done: each HPA is looked at again every
// resyncPeriod, as kube-controller-manager does.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.base.Run(ctx, workers, func(ctx context.Context, key string) (*time.Duration, error) {
		if err := c.Sync(ctx, key); err != nil {
			return nil, err
		}
		after := resyncPeriod
		return &after, nil
	})
}

// Sync reconciles one HPA: read the target's scale and its pods' metrics,
// decide, write /scale when the count changes, then the HPA's status.
func (c *Controller) Sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return err
	}
	cached, err := c.cfg.Informers.Autoscaling().V2().HorizontalPodAutoscalers().Lister().HorizontalPodAutoscalers(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.mu.Lock()
		delete(c.history, key)
		c.mu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	hpa := cached.DeepCopy()
	now := c.cfg.Clock.Now()
	sc, err := c.getScale(ctx, ns, hpa.Spec.ScaleTargetRef)
	if err != nil {
		setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedGetScale", fmt.Sprintf("the HPA controller was unable to get the target's current scale: %v", err), now)
		return c.writeStatus(ctx, hpa, err)
	}
	setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededGetScale", "the HPA controller was able to get the target's current scale", now)
	current := sc.Spec.Replicas
	hpa.Status.CurrentReplicas = sc.Status.Replicas
	if current == 0 && derefMin(hpa) != 0 {
		setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", now)
		hpa.Status.DesiredReplicas = 0
		return c.writeStatus(ctx, hpa, nil)
	}
	desired, statuses, err := c.recommend(ctx, hpa, sc, current)
	if err != nil {
		setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, "FailedGetResourceMetric", err.Error(), now)
		return c.writeStatus(ctx, hpa, nil)
	}
	setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound", "the HPA was able to successfully calculate a replica count from the metrics", now)
	hpa.Status.CurrentMetrics = statuses
	final := c.bound(key, hpa, current, desired, now)
	if final != current {
		sc.Spec.Replicas = final
		if err := c.updateScale(ctx, ns, hpa.Spec.ScaleTargetRef, sc); err != nil {
			setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedUpdateScale", fmt.Sprintf("the HPA controller was unable to update the target scale: %v", err), now)
			return c.writeStatus(ctx, hpa, err)
		}
		c.recordEvent(key, final-current, now)
		setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededRescale", fmt.Sprintf("the HPA controller was able to update the target scale to %d", final), now)
		t := metav1.NewTime(now)
		hpa.Status.LastScaleTime = &t
		klog.FromContext(ctx).Info("Rescaled", "hpa", klog.KObj(hpa), "from", current, "to", final)
		c.event(ctx, hpa, fmt.Sprintf("New size: %d; reason: resource metric above or below target", final))
	}
	hpa.Status.DesiredReplicas = final
	return c.writeStatus(ctx, hpa, nil)
}

// recommend takes, over the HPA's resource metrics, the largest desired
// count (as upstream does across metrics).
func (c *Controller) recommend(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, sc *autoscalingv1.Scale, current int32) (int32, []autoscalingv2.MetricStatus, error) {
	sel, err := labels.Parse(sc.Status.Selector)
	if err != nil || sc.Status.Selector == "" {
		return 0, nil, fmt.Errorf("invalid metrics (1 invalid out of 1), first error is: the target's scale has no selector")
	}
	list, err := c.cfg.Metrics.MetricsV1beta1().PodMetricses(hpa.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return 0, nil, fmt.Errorf("unable to get metrics for resource: %w", err)
	}
	pods, err := c.cfg.Informers.Core().V1().Pods().Lister().Pods(hpa.Namespace).List(sel)
	if err != nil {
		return 0, nil, err
	}
	var best int32
	var statuses []autoscalingv2.MetricStatus
	for _, m := range hpa.Spec.Metrics {
		if m.Type != autoscalingv2.ResourceMetricSourceType || m.Resource == nil {
			return 0, nil, fmt.Errorf("metric type %s is not supported by ordo's HPA controller (resource metrics only)", m.Type)
		}
		usages := podUsages(m.Resource.Name, pods, list.Items, c.cfg.Clock.Now())
		rec, ok := Recommend(current, usages, m.Resource.Target)
		if !ok {
			return 0, nil, fmt.Errorf("failed to get %s utilization: missing request or metrics for %s", m.Resource.Name, m.Resource.Name)
		}
		best = max(best, rec.Replicas)
		statuses = append(statuses, metricStatus(m.Resource, rec))
	}
	return best, statuses, nil
}

// bound applies stabilization, behavior policies and min/max, records the
// recommendation and sets ScalingLimited.
func (c *Controller) bound(key string, hpa *autoscalingv2.HorizontalPodAutoscaler, current, desired int32, now time.Time) int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.history[key]
	if h == nil {
		h = &past{}
		c.history[key] = h
	}
	upRules, downRules := scalingRules(hpa.Spec.Behavior)
	upWindow, downWindow := time.Duration(0), DefaultDownscaleStabilization
	if upRules != nil && upRules.StabilizationWindowSeconds != nil {
		upWindow = time.Duration(*upRules.StabilizationWindowSeconds) * time.Second
	}
	if downRules != nil && downRules.StabilizationWindowSeconds != nil {
		downWindow = time.Duration(*downRules.StabilizationWindowSeconds) * time.Second
	}
	stable := Stabilize(current, desired, h.recs, upWindow, downWindow, now)
	h.recs = append(prune(h.recs, max(upWindow, downWindow), now), Recorded{At: now, Replicas: desired})
	rules := upRules
	if stable < current {
		rules = downRules
	}
	limited := LimitByPolicies(current, stable, rules, h.events, now)
	final, l := Clamp(limited, derefMin(hpa), hpa.Spec.MaxReplicas)
	status := corev1.ConditionFalse
	if l.Limited {
		status = corev1.ConditionTrue
	}
	setCondition(hpa, autoscalingv2.ScalingLimited, status, l.Reason, limitMessage(l.Reason), now)
	return final
}

func (c *Controller) recordEvent(key string, change int32, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h := c.history[key]; h != nil {
		h.events = append(h.events, ScaleEvent{At: now, Change: change})
	}
}

func (c *Controller) writeStatus(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, cause error) error {
	_, err := c.cfg.Client.AutoscalingV2().HorizontalPodAutoscalers(hpa.Namespace).UpdateStatus(ctx, hpa, metav1.UpdateOptions{})
	if cause != nil {
		return cause
	}
	return err
}

// event records SuccessfulRescale, as upstream does.
func (c *Controller) event(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, msg string) {
	now := metav1.NewTime(c.cfg.Clock.Now())
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: hpa.Name + ".", Namespace: hpa.Namespace},
		InvolvedObject: corev1.ObjectReference{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler", Namespace: hpa.Namespace, Name: hpa.Name, UID: hpa.UID},
		Reason:         "SuccessfulRescale", Message: msg, Type: corev1.EventTypeNormal, Count: 1,
		FirstTimestamp: now, LastTimestamp: now, Source: corev1.EventSource{Component: "horizontal-pod-autoscaler"},
	}
	if _, err := c.cfg.Client.CoreV1().Events(hpa.Namespace).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		klog.FromContext(ctx).Error(err, "Recording event", "hpa", klog.KObj(hpa))
	}
}

func setCondition(hpa *autoscalingv2.HorizontalPodAutoscaler, t autoscalingv2.HorizontalPodAutoscalerConditionType, status corev1.ConditionStatus, reason, msg string, now time.Time) {
	for i := range hpa.Status.Conditions {
		c := &hpa.Status.Conditions[i]
		if c.Type == t {
			if c.Status != status {
				c.LastTransitionTime = metav1.NewTime(now)
			}
			c.Status, c.Reason, c.Message = status, reason, msg
			return
		}
	}
	hpa.Status.Conditions = append(hpa.Status.Conditions, autoscalingv2.HorizontalPodAutoscalerCondition{
		Type: t, Status: status, Reason: reason, Message: msg, LastTransitionTime: metav1.NewTime(now)})
}
