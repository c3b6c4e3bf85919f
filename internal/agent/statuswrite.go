package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// reportStatus writes a pod's new status, as the kubelet's status manager
// does:
//   - not at all when it equals what the agent last wrote. The informer's
//     copy of the pod often lags behind that write (a sync triggered by the
//     Job controller's finalizer patch sees it), and comparing with the copy
//     turned every such sync into a write that changed nothing.
//   - unless the pod was written after that (the informer's copy is newer
//     than the agent's write: the node lifecycle controller marked it not
//     Ready while the agent was away, say), when it is compared with the
//     copy, so the agent puts back what it knows.
//   - as a strategic merge patch of status with the pod's UID as its only
//     precondition, not an update carrying a resourceVersion: a write by
//     someone else in between (scheduler, Job controller) is no conflict to
//     retry, and conditions of other owners merge by type.
func (a *Agent) reportStatus(ctx context.Context, p *corev1.Pod, st *pod, status corev1.PodStatus) error {
	st.mu.Lock()
	base := p.Status
	if st.reported != nil && !newerThan(p.ResourceVersion, st.reportedVersion) {
		base = *st.reported
	}
	st.mu.Unlock()
	if equality.Semantic.DeepEqual(status, base) {
		return nil
	}
	patch, err := statusPatch(p.UID, base, status)
	if err != nil {
		return err
	}
	written, err := a.cfg.Client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	st.mu.Lock()
	if st.uid == string(p.UID) {
		st.reported, st.reportedVersion = &status, written.ResourceVersion
	}
	st.mu.Unlock()
	return nil
}

// statusPatch is the strategic merge patch from old to new status. It also
// names the pod's UID: the API server refuses a patch whose UID differs from
// the stored object's, so a pod deleted and recreated under the same name
// never receives its predecessor's status.
func statusPatch(uid types.UID, old, new corev1.PodStatus) ([]byte, error) {
	before, err := json.Marshal(corev1.Pod{Status: old})
	if err != nil {
		return nil, err
	}
	after, err := json.Marshal(corev1.Pod{Status: new})
	if err != nil {
		return nil, err
	}
	patch, err := strategicpatch.CreateTwoWayMergePatch(before, after, corev1.Pod{})
	if err != nil {
		return nil, fmt.Errorf("status patch: %w", err)
	}
	var m map[string]interface{}
	if err := json.Unmarshal(patch, &m); err != nil {
		return nil, err
	}
	m["metadata"] = map[string]interface{}{"uid": string(uid)}
	return json.Marshal(m)
}

// newerThan says whether resourceVersion a is later than b. ordo's
// resourceVersions are etcd revisions, so they order as numbers; a
// version that is not one is never taken as newer.
func newerThan(a, b string) bool {
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	return errA == nil && errB == nil && x > y
}
