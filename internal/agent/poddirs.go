package agent

import (
	"os"
	"path/filepath"

	"github.com/ordo-dev/ordo/internal/volume"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// Pod directories (<data-dir>/pods/<namespace>_<name>_<uid>) hold a pod's
// logs, /etc files and volumes, some of them tmpfs mounts. They go:
//
//   - when the agent finalizes a deleted pod, or sees its object vanish
//     (a forced delete) or replaced by a new pod of the same name (dropPod);
//   - at agent start, for every pod that no longer exists (sweepPodDirs):
//     an agent killed with -9 leaves its tmpfs mounts behind;
//   - the tmpfs mounts alone when a pod has finished (releaseMemoryVolumes),
//     as the kubelet unmounts volumes of terminated pods, and at agent
//     shutdown, which stops every pod (unmountPodVolumes).

// podsDir holds every pod directory.
func (a *Agent) podsDir() string { return filepath.Join(a.cfg.DataDir, "pods") }

func podDirName(namespace, name string, uid types.UID) string {
	return namespace + "_" + name + "_" + string(uid)
}

// dropPod removes what the agent keeps for a pod that is gone: its volume
// manager's state (tokens), its directory (tmpfs and image volume mounts
// first) and, once its image volumes are unmounted, its image leases.
func (a *Agent) dropPod(namespace, name string, uid types.UID) {
	a.volumes.Forget(uid)
	a.objects.Unregister(uid)
	dir := filepath.Join(a.podsDir(), podDirName(namespace, name, uid))
	if err := volume.RemovePodDir(dir); err != nil {
		a.log("remove %s: %v", dir, err)
	}
	a.releaseImages(namespace+"/"+name, uid)
}

// sweepPodDirs removes the directories (and image leases) of pods that no
// longer exist. It runs
// once the pod cache has synced and before any pod is synced, so it never
// races with a pod's first start.
func (a *Agent) sweepPodDirs() {
	pods, err := a.pods.List(labels.Everything())
	if err != nil {
		a.log("sweep pod directories: %v", err)
		return
	}
	keep := map[string]bool{}
	present := map[types.UID]bool{}
	for _, p := range pods {
		keep[podDirName(p.Namespace, p.Name, p.UID)] = true
		present[p.UID] = true
	}
	// The directories first: an image a gone pod's volume still shows
	// stays held until the volume is unmounted.
	defer a.releaseGoneImages(present)
	entries, err := os.ReadDir(a.podsDir())
	if err != nil {
		return
	}
	for _, e := range entries {
		if keep[e.Name()] {
			continue
		}
		dir := filepath.Join(a.podsDir(), e.Name())
		if err := volume.RemovePodDir(dir); err != nil {
			a.log("sweep %s: %v", dir, err)
		}
	}
}

// releaseMemoryVolumes unmounts a finished pod's tmpfs volumes: nothing will
// run in it again, and the memory is the node's. Logs stay.
func (a *Agent) releaseMemoryVolumes(p *corev1.Pod, st *pod) {
	if st.memoryReleased {
		return
	}
	st.memoryReleased = true
	a.objects.Unregister(p.UID) // nothing reads them any more
	if err := a.volumes.Release(p); err != nil {
		a.log("release memory volumes of %s/%s: %v", p.Namespace, p.Name, err)
	}
}

// unmountPodVolumes unmounts every pod's tmpfs volumes when the agent stops:
// their pods have been stopped, and a restarted agent mounts them afresh.
func (a *Agent) unmountPodVolumes() {
	if err := volume.UnmountUnder(a.podsDir()); err != nil {
		a.log("unmount pod volumes: %v", err)
	}
}
