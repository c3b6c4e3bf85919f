package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ordo-dev/ordo/internal/agent/pulls"
	"github.com/ordo-dev/ordo/internal/image"
)

// emptyStore is an image store with nothing in it.
type emptyStore struct{}

func (emptyStore) Lookup(ref string) (*image.Image, error) {
	return nil, fmt.Errorf("%s: %w", ref, image.ErrNotFound)
}
func (emptyStore) Add(context.Context, v1.Image, ...string) (*image.Image, error) {
	return nil, errors.New("unused")
}
func (emptyStore) List() ([]image.Image, error)                { return nil, nil }
func (emptyStore) Hold(string, string) error                   { return nil }
func (emptyStore) ReleaseWhere(func(holder string) bool) error { return nil }

// imageVolumeAgentPod has an image volume "data" that container "reads"
// mounts and container "other" does not.
func imageVolumeAgentPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "uid-1"},
		Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				Image: &corev1.ImageVolumeSource{Reference: "registry.example/team/data:1", PullPolicy: corev1.PullIfNotPresent}}}},
			Containers: []corev1.Container{
				{Name: "reads", VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}},
				{Name: "other"},
			},
		},
	}
}

// TestImageVolumeWithoutAStoreFailsToMount: on a node without an image
// store, the container that mounts an image volume waits with a
// FailedMount; the others start.
func TestImageVolumeWithoutAStoreFailsToMount(t *testing.T) {
	a := New(Config{Client: fake.NewClientset(), DataDir: t.TempDir()})
	p := imageVolumeAgentPod()
	st := &pod{containers: map[string]*container{}, volumes: map[string]string{}}
	now := time.Now()
	reads := st.container("reads")
	if a.prepareImageVolumes(context.Background(), p, st, reads, &p.Spec.Containers[0], now) {
		t.Fatal("a container mounting an image volume starts without an image store")
	}
	if reads.waiting != "ContainerCreating" || reads.mountRetry == 0 {
		t.Errorf("waiting %q, mount retry %v", reads.waiting, reads.mountRetry)
	}
	if !a.prepareImageVolumes(context.Background(), p, st, st.container("other"), &p.Spec.Containers[1], now) {
		t.Error("a container that does not mount the image volume waits")
	}
}

// TestImageVolumePullFailureIsTheMountingContainersWait: the volume's
// image is pulled as a container's; while the pull runs the container
// that mounts it is ContainerCreating, then ErrImagePull, then
// ImagePullBackOff with the pull's error; the other container starts.
func TestImageVolumePullFailureIsTheMountingContainersWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := New(Config{Client: fake.NewClientset(), DataDir: t.TempDir(), Store: emptyStore{}})
	ended := make(chan string, 4)
	a.pulls = pulls.New(ctx, pulls.Config{Store: emptyStore{}, Mode: pulls.ModeRegistry, Wake: func(w string) { ended <- w },
		Fetch: func(context.Context, string, authn.Keychain) (v1.Image, error) {
			return nil, errors.New("MANIFEST_UNKNOWN: manifest unknown")
		}})
	p := imageVolumeAgentPod()
	st := &pod{containers: map[string]*container{}, volumes: map[string]string{}}
	reads, spec := st.container("reads"), &p.Spec.Containers[0]
	if a.prepareImageVolumes(ctx, p, st, reads, spec, time.Now()) || reads.waiting != "ContainerCreating" || !reads.pulling {
		t.Fatalf("while pulling: waiting %q, pulling %v", reads.waiting, reads.pulling)
	}
	if w := <-ended; w != "default/p" {
		t.Fatalf("woke %q", w)
	}
	if a.prepareImageVolumes(ctx, p, st, reads, spec, time.Now()) || reads.waiting != "ErrImagePull" ||
		!strings.Contains(reads.waitingMsg, "manifest unknown") {
		t.Fatalf("after the pull failed: %q %q", reads.waiting, reads.waitingMsg)
	}
	if a.prepareImageVolumes(ctx, p, st, reads, spec, time.Now()) || reads.waiting != "ImagePullBackOff" ||
		!strings.Contains(reads.waitingMsg, `Back-off pulling image "registry.example/team/data:1"`) {
		t.Fatalf("during the back-off: %q %q", reads.waiting, reads.waitingMsg)
	}
	if !a.prepareImageVolumes(ctx, p, st, st.container("other"), &p.Spec.Containers[1], time.Now()) {
		t.Error("a container that does not mount the image volume waits")
	}
	if _, ok := st.volumes["data"]; ok {
		t.Error("the volume is prepared without its image")
	}
}
