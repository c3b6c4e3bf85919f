package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/controller/queue"
	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/storageclass"
	"github.com/ordo-dev/ordo/internal/volume"
	"github.com/ordo-dev/ordo/internal/wellknown"
)

// Local volumes: the node's agent is the only process on its machine, so
// it is the one that makes and removes the directories of the
// ordo.dev/local-path volumes pinned to its node. The provisioner (on
// whichever server leads) names a volume's path under the directory the
// node publishes in its ordo.dev/local-path-dir annotation; the volume
// manager makes the directory when a pod first mounts it; and the agent
// removes it when the volume is Released under reclaim policy Delete,
// then deletes the PersistentVolume. Rancher's local-path-provisioner
// runs a helper pod on the node for both; ordo's agent needs none.

// localVolumesDir is this node's directory of local-path volumes.
func localVolumesDir(dataDir string) string {
	dir, err := filepath.Abs(datadir.Volumes(dataDir))
	if err != nil {
		return datadir.Volumes(dataDir)
	}
	return dir
}

// publishLocalVolumes writes the node's local-path directory into its
// Node, where the provisioner reads it.
func (a *Agent) publishLocalVolumes(ctx context.Context) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
		wellknown.LocalPathDirAnnotation: localVolumesDir(a.cfg.DataDir),
	}}})
	if err != nil {
		return err
	}
	_, err = a.cfg.Client.CoreV1().Nodes().Patch(ctx, a.cfg.NodeName, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

// reclaimDir is the directory to remove for pv, "" when it is not this
// node's to reclaim: Released, reclaim policy Delete, pinned to node, and
// its path the one the provisioner gives under root.
func reclaimDir(pv *corev1.PersistentVolume, node, root string) string {
	if pv.Status.Phase != corev1.VolumeReleased || pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete ||
		pv.DeletionTimestamp != nil || storageclass.PinnedNode(pv) != node {
		return ""
	}
	return volume.LocalPathDir(pv, root)
}

// localReclaimer deletes this node's released local-path volumes.
type localReclaimer struct {
	agent   *Agent
	volumes corelisters.PersistentVolumeLister
	root    string
}

// runLocalReclaimer watches PersistentVolumes through f (started by the
// caller) and reclaims this node's until ctx is done.
func (a *Agent) runLocalReclaimer(ctx context.Context, f informers.SharedInformerFactory) {
	inf := f.Core().V1().PersistentVolumes()
	r := &localReclaimer{agent: a, volumes: inf.Lister(), root: localVolumesDir(a.cfg.DataDir)}
	q := queue.New[string]("agent_local_volumes", a.cfg.Clock)
	add := func(obj interface{}) {
		if pv, ok := obj.(*corev1.PersistentVolume); ok && reclaimDir(pv, a.cfg.NodeName, r.root) != "" {
			q.Add(pv.Name)
		}
	}
	_, _ = inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: add, UpdateFunc: func(_, cur interface{}) { add(cur) },
	})
	go queue.Run(ctx, q, "agent local volumes", 1, r.sync)
}

// sync removes the directory first, then the volume (with its uid as a
// precondition), so a crash in between leaves a volume whose next sync
// finishes the job, never a directory nobody knows about.
func (r *localReclaimer) sync(ctx context.Context, name string) (*time.Duration, error) {
	pv, err := r.volumes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	dir := reclaimDir(pv, r.agent.cfg.NodeName, r.root)
	if dir == "" {
		return nil, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		r.agent.recorder.Event(pv, corev1.EventTypeWarning, "VolumeFailedDelete", err.Error())
		return nil, fmt.Errorf("remove %s: %w", dir, err)
	}
	err = r.agent.cfg.Client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pv.UID}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil, nil
	}
	if err == nil {
		klog.FromContext(ctx).V(2).Info("Deleted local volume", "volume", pv.Name, "path", dir, "node", r.agent.cfg.NodeName)
	}
	return nil, err
}
