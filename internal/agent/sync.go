package agent

import (
	"context"
	"time"

	"github.com/ordo-dev/ordo/internal/volume"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// sync brings one pod's processes in line with its object and reports its
// status. It returns when to look again.
func (a *Agent) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	obj, err := a.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		a.forget(key)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if a.wasFinalized(obj.UID) {
		return nil, nil
	}
	p := obj.DeepCopy()

	st := a.podState(key, p)
	st.mu.Lock()
	if !st.memoryReleased && p.DeletionTimestamp == nil {
		// Its ConfigMaps and Secrets are watched while it may still read
		// them: volumes, environment, pull secrets (package objcache).
		a.objects.Register(p)
	}
	d := a.admit(p, st)
	if !d.fail {
		d = plan(p, st, a.cfg.Clock.Now())
	}
	requeue := a.apply(ctx, p, st, d)
	if st.volumes != nil && st.anyRunning() && volume.HasLive(p) && p.DeletionTimestamp == nil {
		after, failed := a.volumes.Refresh(ctx, p)
		for _, err := range failed {
			a.event(p, corev1.EventTypeWarning, "FailedMount", "%v", err)
		}
		if requeue == 0 || after < requeue {
			requeue = after
		}
	}
	status := podStatus(statusInput{pod: p, st: st, hostIP: a.cfg.NodeIP, podIP: a.podIP(p, st), now: a.cfg.Clock.Now(),
		imageID: func(image string) string { return imageID(a.cfg.Images, image) }})
	st.latest = &status
	st.mu.Unlock()

	if d.finalize {
		// The terminal phase first: the object is gone after this.
		if err := a.writeStatusNow(ctx, key, p, st, status); err != nil {
			return nil, err
		}
		return nil, a.finalize(ctx, key, p)
	}
	a.fileStatus(key, p, st, status)
	if requeue > 0 {
		return &requeue, nil
	}
	return nil, nil
}

// podState returns the agent's record of p, starting one (from the reported
// status, after an agent restart) if needed. A pod replaced by another of the
// same name loses the old record and its processes.
func (a *Agent) podState(key string, p *corev1.Pod) *pod {
	a.mu.Lock()
	st := a.state[key]
	var old *pod
	if st != nil && st.uid != string(p.UID) {
		old, st = st, nil
	}
	fresh := st == nil
	if fresh {
		st = restore(p, a.cfg.Clock.Now())
		a.state[key] = st
	}
	a.mu.Unlock()
	if ad, last := a.takeAdoption(key); ad != nil && fresh {
		st.mu.Lock()
		a.adoptPod(key, p, st, ad)
		st.mu.Unlock()
		if last {
			a.adopted()
		}
	} else if ad != nil {
		ad.sandbox.Stop()
	}
	if st.lostToRestart {
		st.lostToRestart = false
		a.event(p, corev1.EventTypeNormal, "SandboxChanged", "%s", sandboxChangedMessage(p, st.lostIP))
	}
	if old != nil {
		old.mu.Lock()
		a.killNow(old)
		old.mu.Unlock()
		a.dropPod(p.Namespace, p.Name, types.UID(old.uid))
	}
	return st
}

// forget drops a pod whose object is gone, killing whatever still runs and
// removing its directory.
func (a *Agent) forget(key string) {
	a.mu.Lock()
	st := a.state[key]
	delete(a.state, key)
	a.mu.Unlock()
	a.statuses.drop(key)
	if ad, _ := a.takeAdoption(key); ad != nil {
		// Deleted after the agent found its shim, before its first sync.
		ad.sandbox.Stop()
	}
	if st != nil {
		st.mu.Lock()
		a.killNow(st)
		st.mu.Unlock()
		ns, name, _ := cache.SplitMetaNamespaceKey(key)
		a.dropPod(ns, name, types.UID(st.uid))
	}
}

// finalize removes the object of a deleted pod whose processes are gone,
// after its directory (logs, volumes).
func (a *Agent) finalize(ctx context.Context, key string, p *corev1.Pod) error {
	a.forget(key)
	a.dropPod(p.Namespace, p.Name, p.UID)
	// Marked before the delete: its watch event may arrive before the
	// call returns, and must find the mark to clear it.
	a.markFinalized(p.UID)
	zero := int64(0)
	err := a.cfg.Client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &p.UID},
	})
	if err != nil {
		a.unmarkFinalized(p.UID)
	}
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// sandboxChangedMessage is the kubelet's SandboxChanged wording, with why:
// the restarted agent found the pod's processes gone, or could not adopt
// them (adopt.go), so the pod starts again with a new sandbox and address
// unless its restartPolicy is Never.
func sandboxChangedMessage(p *corev1.Pod, lostIP string) string {
	why := "the ordo agent restarted and could not adopt the pod's processes"
	if lostIP != "" {
		why += " (IP " + lostIP + ")"
	}
	if p.Spec.RestartPolicy == corev1.RestartPolicyNever {
		return "Pod sandbox changed: " + why + "; with restartPolicy Never it is not re-created"
	}
	return "Pod sandbox changed, it will be killed and re-created: " + why
}

// restore rebuilds a record from the pod's reported status. Containers the
// status shows running are taken as lost (reported terminated with exit
// 137, the restart policy applies) unless the pod's shim is adopted, which
// then rebuilds them from what the shim kept (adoptPod).
func restore(p *corev1.Pod, now time.Time) *pod {
	st := &pod{uid: string(p.UID), containers: map[string]*container{}, startTime: now}
	if p.Status.StartTime != nil {
		st.startTime = p.Status.StartTime.Time
	}
	st.failedReason, st.failedMessage = p.Status.Reason, p.Status.Message
	all := append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
	for _, cs := range all {
		c := st.container(cs.Name)
		c.restarts = cs.RestartCount
		switch {
		case cs.State.Running != nil:
			st.lostToRestart, st.lostIP = true, p.Status.PodIP
			c.runs = int(cs.RestartCount) + 1
			c.exited = true
			c.last = termination{code: 137, reason: "Error", message: "the ordo agent restarted and the container's process was gone",
				started: cs.State.Running.StartedAt.Time, finished: now}
			c.crashes = 1
			c.notUntil = now
		case cs.State.Terminated != nil:
			c.runs = int(cs.RestartCount) + 1
			c.exited = true
			c.last = fromStatus(cs.State.Terminated)
		case cs.LastTerminationState.Terminated != nil:
			c.runs = int(cs.RestartCount) + 1
			c.exited = true
			c.last = fromStatus(cs.LastTerminationState.Terminated)
		default:
			delete(st.containers, cs.Name)
		}
	}
	return st
}

func fromStatus(t *corev1.ContainerStateTerminated) termination {
	return termination{code: t.ExitCode, reason: t.Reason, message: t.Message, started: t.StartedAt.Time, finished: t.FinishedAt.Time}
}
