package volume

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// Config is what a Manager needs.
type Config struct {
	// Client reads the ConfigMaps, Secrets, PersistentVolumeClaims and
	// PersistentVolumes the pods' volumes name, and asks the TokenRequest
	// API for their service-account tokens and the PodCertificateRequest
	// API for their podCertificate sources.
	Client kubernetes.Interface
	// Objects reads the ConfigMaps and Secrets of configMap, secret and
	// projected volumes; nil reads them through Client. The agent's reads
	// them from watches (package objcache).
	Objects Objects
	// PodDir is a pod's directory on the node; its volumes live under
	// volumes/<name> there.
	PodDir func(p *corev1.Pod) string
	// Allocatable is the node's allocatable resources, which downwardAPI
	// resourceFieldRefs of containers without limits report.
	Allocatable func() corev1.ResourceList
	// MemTotal is the node's memory in bytes, the most a memory-backed
	// volume may hold (0: the kernel's default).
	MemTotal func() int64
	// SyncFrequency is how often running pods' API-data volumes are
	// refreshed (the kubelet's --sync-frequency).
	SyncFrequency time.Duration
	Clock         clock.Clock
	// LocalVolumes is the node's directory of ordo.dev/local-path volumes
	// (<data-dir>/volumes, absolute); the Manager makes a volume's
	// directory there when a pod first mounts it.
	LocalVolumes string
}

// Manager prepares pods' volumes on the node, keeps their API-data
// volumes (configMap, secret, downwardAPI, projected) following the API,
// and releases their memory. Its methods may be called for different pods
// at once; calls for one pod are serialized by the caller.
type Manager struct {
	cfg    Config
	tokens tokenCache   // pods' service-account tokens
	certs  podCertCache // pods' podCertificate credentials

	mu   sync.Mutex
	live map[types.UID]liveState // by pod, for Refresh
}

// New returns a Manager.
func New(c Config) *Manager {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.SyncFrequency == 0 {
		c.SyncFrequency = time.Minute
	}
	if c.Allocatable == nil {
		c.Allocatable = func() corev1.ResourceList { return nil }
	}
	if c.Objects == nil {
		c.Objects = clientObjects{c.Client}
	}
	if c.MemTotal == nil {
		c.MemTotal = func() int64 { return 0 }
	}
	return &Manager{cfg: c, live: map[types.UID]liveState{}}
}

// Objects reads ConfigMaps and Secrets; a missing one is a NotFound error.
type Objects interface {
	ConfigMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error)
	Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error)
}

// clientObjects reads them with a GET each.
type clientObjects struct{ client kubernetes.Interface }

func (c clientObjects) ConfigMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error) {
	return c.client.CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
}

func (c clientObjects) Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	return c.client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
}

// SetUpError is a volume that could not be prepared; the pod waits in
// ContainerCreating with a FailedMount event, as with the kubelet, and its
// message is that event's.
type SetUpError struct {
	Volume string
	Err    error
}

func (e *SetUpError) Error() string {
	return fmt.Sprintf("MountVolume.SetUp failed for volume %q : %v", e.Volume, e.Err)
}

func (e *SetUpError) Unwrap() error { return e.Err }

// Prepare makes every volume of the pod available on the node and returns
// each one's host path. It runs before the first container starts; an
// error is a *SetUpError. Image volumes are left out: their image is
// pulled first, and PrepareImage mounts them (image.go).
func (m *Manager) Prepare(ctx context.Context, p *corev1.Pod) (map[string]string, error) {
	out := map[string]string{}
	for i := range p.Spec.Volumes {
		v := &p.Spec.Volumes[i]
		if IsImage(v) {
			continue
		}
		path, err := m.prepareVolume(ctx, p, v)
		if err != nil {
			return nil, &SetUpError{Volume: v.Name, Err: err}
		}
		out[v.Name] = path
	}
	return out, nil
}

// prepareVolume sets up one volume. Like the kubelet, ordo keeps secret,
// projected and downwardAPI volumes and emptyDirs with medium Memory in
// RAM (a tmpfs per volume, see tmpfs.go), so secrets never reach the disk;
// configMap volumes and other emptyDirs live in the pod's directory.
func (m *Manager) prepareVolume(ctx context.Context, p *corev1.Pod, v *corev1.Volume) (string, error) {
	dir := m.volumeDir(p, v.Name)
	switch {
	case v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory:
		return dir, firstErr(m.ensureMemoryVolume(p, dir, scratchTmpfsMode, v.EmptyDir.SizeLimit), func() error { return applyFSGroup(p, dir, false) })
	case v.EmptyDir != nil:
		return dir, firstErr(makeScratchDir(dir), func() error { return applyFSGroup(p, dir, false) })
	case v.HostPath != nil:
		return v.HostPath.Path, checkHostPath(v.HostPath)
	case v.ConfigMap != nil:
		return dir, firstErr(m.writeConfigMap(ctx, p, dir, v.ConfigMap), func() error { return applyFSGroup(p, dir, true) })
	case v.Secret != nil, v.DownwardAPI != nil, v.Projected != nil:
		if err := m.ensureMemoryVolume(p, dir, apiDataTmpfsMode, nil); err != nil {
			return "", err
		}
		return dir, firstErr(m.writeAPIData(ctx, p, dir, v), func() error { return applyFSGroup(p, dir, true) })
	case v.PersistentVolumeClaim != nil:
		path, managed, err := m.persistentVolumePath(ctx, p, v.PersistentVolumeClaim)
		if err == nil && managed && !v.PersistentVolumeClaim.ReadOnly {
			err = applyFSGroup(p, path, false)
		}
		return path, err
	}
	return "", fmt.Errorf("this volume type is not supported by ordo yet")
}

// volumeDir is where a pod's volume lives on the node.
func (m *Manager) volumeDir(p *corev1.Pod, name string) string {
	return filepath.Join(m.cfg.PodDir(p), "volumes", name)
}

// firstErr is err, or then's when err is nil.
func firstErr(err error, then func() error) error {
	if err != nil {
		return err
	}
	return then()
}

// makeScratchDir makes an on-disk emptyDir writable by any container user,
// as the kubelet's 0777.
func makeScratchDir(dir string) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	return os.Chmod(dir, 0o777)
}

// ensureMemoryVolume mounts the tmpfs of a memory-backed volume, sized as
// the kubelet sizes it.
func (m *Manager) ensureMemoryVolume(p *corev1.Pod, dir string, mode os.FileMode, sizeLimit *resource.Quantity) error {
	return ensureTmpfs(tmpfsConfig{dir: dir, mode: mode, size: memoryVolumeSize(p, sizeLimit, m.cfg.MemTotal())})
}

// Release unmounts a finished pod's memory-backed and image volumes:
// nothing will run in it again, and the memory is the node's. The rest of
// its directory stays.
func (m *Manager) Release(p *corev1.Pod) error {
	return UnmountUnder(filepath.Join(m.cfg.PodDir(p), "volumes"))
}

// Forget drops what the manager keeps for a pod that is gone: its
// service-account tokens, certificates and refresh state.
func (m *Manager) Forget(uid types.UID) {
	m.tokens.forget(uid)
	m.certs.forget(uid)
	m.mu.Lock()
	delete(m.live, uid)
	m.mu.Unlock()
}
