package volume

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// liveState is when a pod's API-data volumes were last refreshed, and the
// pod metadata its downwardAPI files showed then.
type liveState struct {
	synced time.Time
	meta   string
}

// HasLive reports whether the pod has volumes whose content follows API
// objects, which Refresh keeps up to date while the pod runs.
func HasLive(p *corev1.Pod) bool {
	for i := range p.Spec.Volumes {
		if isAPIData(&p.Spec.Volumes[i]) {
			return true
		}
	}
	return false
}

// Refresh keeps a running pod's API-data volumes following the API: it
// rewrites them every SyncFrequency, sooner when one of its tokens is due
// for renewal, and at once when the pod's labels or annotations changed.
// The first call only starts the clock (Prepare has just written them). It
// returns when to call again, and a *SetUpError for each volume that could
// not be refreshed (the kubelet's FailedMount events); those keep their
// previous content.
func (m *Manager) Refresh(ctx context.Context, p *corev1.Pod) (time.Duration, []error) {
	now := m.cfg.Clock.Now()
	due := m.nextDue(p.UID, now)
	m.mu.Lock()
	st := m.live[p.UID]
	m.mu.Unlock()
	meta := podMetaKey(p)
	// A change of the pod's own labels or annotations reaches its
	// downwardAPI files at once, as the kubelet's sync on a pod update does.
	metaChanged := st.meta != "" && meta != st.meta
	var failed []error
	if metaChanged || now.Sub(st.synced) >= m.cfg.SyncFrequency || (!due.IsZero() && !now.Before(due)) {
		if !st.synced.IsZero() {
			failed = m.refreshVolumes(ctx, p)
		}
		st.synced = now
	}
	st.meta = meta
	m.mu.Lock()
	m.live[p.UID] = st
	m.mu.Unlock()
	next := m.cfg.SyncFrequency
	if due := m.nextDue(p.UID, now); !due.IsZero() && due.Sub(now) < next {
		next = max(due.Sub(now), time.Second)
	}
	return next, failed
}

// podMetaKey is what downwardAPI files may show of the pod's metadata.
func podMetaKey(p *corev1.Pod) string {
	return fmt.Sprintf("%v|%v", p.Labels, p.Annotations) // fmt sorts map keys
}

// refreshVolumes rewrites a running pod's configMap, secret, downwardAPI and
// projected volumes, as the kubelet does every sync period (and renews
// service-account tokens past 80% of their life). The containers see the
// new files through their bind mounts of the volume directories.
func (m *Manager) refreshVolumes(ctx context.Context, p *corev1.Pod) []error {
	var failed []error
	for i := range p.Spec.Volumes {
		v := &p.Spec.Volumes[i]
		if !isAPIData(v) {
			continue
		}
		if _, err := m.prepareVolume(ctx, p, v); err != nil {
			failed = append(failed, &SetUpError{Volume: v.Name, Err: err})
		}
	}
	return failed
}

// nextDue is the earliest token renewal or certificate refresh of the pod
// (zero if none).
func (m *Manager) nextDue(pod types.UID, now time.Time) time.Time {
	due := m.tokens.nextRefresh(pod)
	if c := m.certs.nextRefresh(pod, now); !c.IsZero() && (due.IsZero() || c.Before(due)) {
		due = c
	}
	return due
}
