package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/image/imagetest"
)

// dataImage is an image of data files only, in two layers: the upper one
// replaces dir/file and adds a script (which the noexec volume must not
// run).
func dataImage(t *testing.T) v1.Image {
	t.Helper()
	base := imagetest.Must(imagetest.Layer(map[string]imagetest.File{
		"dir":         imagetest.Dir(0o755),
		"dir/file":    imagetest.Text("1\n", 0o644),
		"weights.txt": imagetest.Text("weights v1\n", 0o644),
	}))
	top := imagetest.Must(imagetest.Layer(map[string]imagetest.File{
		"dir":      imagetest.Dir(0o755),
		"dir/file": imagetest.Text("2\n", 0o644),
		"run.sh":   imagetest.Text("#!/bin/sh\necho ran\n", 0o755),
	}))
	return imagetest.Must(imagetest.Image(v1.Config{}, base, top))
}

// TestImageVolumes: a pod mounts an image's file system (pulled from a
// registry on 127.0.0.1) as a volume, whole and by subPath, read-only and
// noexec; a volume whose image cannot be pulled keeps the container
// waiting in ErrImagePull, then ImagePullBackOff; deleting the pods leaves
// no overlay mounted under the data directory.
func TestImageVolumes(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithNode(t, fmt.Sprintf("imgvol-%d", os.Getpid()))
	t.Cleanup(func() { describeOnFailure(t, c) })
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	reg.MustPush(t, "team/data:1", dataImage(t))
	reg.MustPush(t, "team/shell:1", imagetest.Must(imagetest.Busybox()))
	c.RunIn(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: %[1]s
    command: [sh, -c, 'cat /data/dir/file /data/weights.txt /sub/file; touch /data/new 2>/dev/null || echo read-only; /data/run.sh 2>/dev/null || echo not-run; echo done; exec sleep 3600']
    volumeMounts:
    - {name: data, mountPath: /data}
    - {name: data, mountPath: /sub, subPath: dir}
  volumes:
  - name: data
    image: {reference: %[2]s}
---
apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: %[1]s
    command: [sh, -c, 'cat /data/dir/file; sleep 1; exit 1']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    image: {reference: %[2]s}
---
apiVersion: v1
kind: Pod
metadata: {name: absent}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: %[1]s
    command: [sleep, "3600"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    image: {reference: %[3]s}
`, reg.Ref("team/shell:1"), reg.Ref("team/data:1"), reg.Ref("team/absent:1")), "apply", "-f", "-")

	p, err := cs.CoreV1().Pods("default").Get(context.Background(), "reader", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Spec.Volumes[0].Image.PullPolicy; got != corev1.PullIfNotPresent {
		t.Errorf("pullPolicy defaulted to %q, want IfNotPresent", got)
	}
	waitPod(t, cs, "reader", podReady, "reader runs")
	waitFor(t, func() bool {
		out, _, _ := c.Kubectl(context.Background(), "", "logs", "reader")
		return strings.Contains(out, "done")
	}, "reader prints")
	if got, want := strings.TrimSpace(c.Run("logs", "reader")), "2\nweights v1\n2\nread-only\nnot-run\ndone"; got != want {
		t.Errorf("reader printed %q, want %q", got, want)
	}
	waitPod(t, cs, "crasher", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1
	}, "crasher restarts")
	if got := imageVolumeMounts(t, c.DataDir); len(got) != 2 {
		t.Errorf("overlay mounts of image volumes under the data directory: %v, want reader's and crasher's", got)
	}
	// reader and crasher start together: whichever asks first pulls the
	// volume's image (Pulling), the other may find it present already.
	events := podEvents(t, cs, "reader") + podEvents(t, cs, "crasher")
	if want := `Pulling: Pulling image "` + reg.Ref("team/data:1") + `"`; !strings.Contains(events, want) {
		t.Errorf("neither reader's nor crasher's events have %q:\n%s", want, events)
	}

	seen := map[string]bool{}
	waitPod(t, cs, "absent", func(p *corev1.Pod) bool {
		if w := waiting(p); w != nil {
			seen[w.Reason] = true
		}
		return seen["ErrImagePull"] && seen["ImagePullBackOff"]
	}, "the volume's pull fails with ErrImagePull, then backs off (ImagePullBackOff)")
	events = podEvents(t, cs, "absent")
	if want := `Failed: Failed to pull image "` + reg.Ref("team/absent:1") + `"`; !strings.Contains(events, want) {
		t.Errorf("absent's events lack %q:\n%s", want, events)
	}

	// The overlays are the host's: a kill -9 of the server leaves them,
	// the adopted reader still reads its volume, and crasher's next run
	// finds its volume mounted (not mounted twice).
	c.Kill9()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	cs2, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	crasher, err := cs2.CoreV1().Pods("default").Get(context.Background(), "crasher", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	restarts := crasher.Status.ContainerStatuses[0].RestartCount
	waitPod(t, cs2, "crasher", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount > restarts
	}, "crasher restarts after the server's restart")
	waitFor(t, func() bool {
		out, _, _ := c.Kubectl(context.Background(), "", "logs", "crasher") // its latest run, started after the restart
		return strings.TrimSpace(out) == "2"
	}, "crasher's run after the server's restart reads its volume")
	if got := strings.TrimSpace(c.Run("exec", "reader", "--", "cat", "/data/weights.txt")); got != "weights v1" {
		t.Errorf("reader after kill -9: %q", got)
	}
	if got := imageVolumeMounts(t, c.DataDir); len(got) != 2 {
		t.Errorf("overlay mounts after the restart: %v, want reader's and crasher's", got)
	}

	c.Run("delete", "pod", "reader", "crasher", "absent", "--wait")
	waitFor(t, func() bool { return len(imageVolumeMounts(t, c.DataDir)) == 0 }, "the image volume is unmounted")
}

// imageVolumeMounts lists the overlays mounted at pods' volume
// directories under dataDir.
func imageVolumeMounts(t *testing.T, dataDir string) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dataDir+"/") && strings.Contains(f[4], "/volumes/") && strings.Contains(line, " - overlay ") {
			out = append(out, f[4])
		}
	}
	return out
}
