package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/image/imagetest"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

// backupImage is a team's own image: its program, /app/backup.sh, exists
// only inside it, and it runs as the image's non-root user app from its
// WORKDIR, through an entrypoint script.
func backupImage(t *testing.T, version string) v1.Image {
	t.Helper()
	return imagetest.Must(imagetest.BusyboxWith(map[string]imagetest.File{
		"app":           imagetest.Dir(0o755),
		"app/backup.sh": imagetest.Text("#!/bin/sh\necho \"backup $VERSION from $(pwd) as $(id -u):$(id -g) args $*\"\ncat /app/version\n", 0o755),
		"app/version":   imagetest.Text("version "+version+"\n", 0o644),
		"entrypoint.sh": imagetest.Text("#!/bin/sh\necho entrypoint\nexec \"$@\"\n", 0o755),
	}, v1.Config{
		Entrypoint: []string{"/entrypoint.sh"}, Cmd: []string{"/app/backup.sh", "--all"},
		Env:        []string{"PATH=/usr/local/bin:/usr/bin:/bin", "VERSION=" + version},
		WorkingDir: "/app", User: "app",
	}))
}

// TestRealImages runs containers on images pulled from a registry on
// 127.0.0.1 or imported from a tarball, all on one server.
func TestRealImages(t *testing.T) {
	t.Parallel()
	// A registries.yaml makes a registry on 127.0.0.1 docker.io's mirror.
	mirror := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	mirror.MustPush(t, "library/perl:5.40", backupImage(t, "mirrored"))
	registries := filepath.Join(t.TempDir(), "registries.yaml")
	if err := os.WriteFile(registries, []byte(mirror.MirrorYAML("docker.io")), 0o600); err != nil {
		t.Fatal(err)
	}
	c, cs, node := startWithAgent(t, "--registries", registries)
	t.Cleanup(func() { describeOnFailure(t, c) })
	t.Run("DockerHubMirror", func(t *testing.T) { imageDockerHubMirror(t, c.With(t), cs, mirror) })
	for name, run := range map[string]func(*testing.T, *testcluster.T, kubernetes.Interface, string){
		"JobRunsAProgramThatExistsOnlyInItsImage": imageJobRunsAProgramThatExistsOnlyInItsImage,
		"TagsAndDigestsGiveTheirOwnFileSystems":   imageTagsAndDigestsGiveTheirOwnFileSystems,
		"PrivateRegistryNeedsItsPullSecret":       imagePrivateRegistryNeedsItsPullSecret,
		"ImportedImageRunsWithPullPolicyNever":    imageImportedImageRunsWithPullPolicyNever,
		"HostileLayerIsRefused":                   imageHostileLayerIsRefused,
		"Seed000RedisFromAnImage":                 imageSeed000RedisFromAnImage,
	} {
		t.Run(name, func(t *testing.T) { run(t, c.With(t), cs, node) })
	}
}

// imageDockerHubMirror: with a mirror for docker.io in registries.yaml,
// `image: perl:5.40` is pulled from it (docker.io/library/perl:5.40).
func imageDockerHubMirror(t *testing.T, c *testcluster.T, cs kubernetes.Interface, mirror *imagetest.Registry) {
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: perl}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: perl:5.40
    command: [cat, /app/version]
`, "apply", "-f", "-")
	p := waitPhase(t, cs, "perl", corev1.PodSucceeded)
	if got := strings.TrimSpace(c.Run("logs", "perl")); got != "version mirrored" {
		t.Errorf("perl:5.40 printed %q, want the mirror's image", got)
	}
	if id := p.Status.ContainerStatuses[0].ImageID; !strings.HasPrefix(id, "docker.io/library/perl@sha256:") {
		t.Errorf("imageID %q, want docker.io/library/perl@sha256:…", id)
	}
	asked := strings.Join(mirror.Requests(), "\n")
	if !strings.Contains(asked, "/v2/library/perl/manifests/5.40") {
		t.Errorf("the mirror was not asked for library/perl:5.40:\n%s", asked)
	}
}

// imageJobRunsAProgramThatExistsOnlyInItsImage: a Job whose program is in
// its image (pulled from a registry on 127.0.0.1) completes, printing
// from the image's files, as the image's user, in its WORKDIR, with
// Pulling and Pulled events and the digest as imageID; the container sees
// none of the host's files.
func imageJobRunsAProgramThatExistsOnlyInItsImage(t *testing.T, c *testcluster.T, cs kubernetes.Interface, node string) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	digest := reg.MustPush(t, "team/backup:1.4", backupImage(t, "1.4"))
	ref := reg.Ref("team/backup:1.4")
	c.RunIn(fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata: {name: backup}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: backup
        image: %s
`, ref), "apply", "-f", "-")
	waitFor(t, func() bool {
		out, _, _ := c.Kubectl(context.Background(), "", "get", "job", "backup", "-o", "jsonpath={.status.succeeded}")
		return out == "1"
	}, "the Job completes")
	logs := c.Run("logs", "job/backup")
	for _, want := range []string{"entrypoint", "backup 1.4 from /app as 1000:1000 args --all", "version 1.4"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs %q lack %q", logs, want)
		}
	}
	pods, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "job-name=backup"})
	if err != nil || len(pods.Items) != 1 {
		t.Fatalf("the Job's pods: %v, %v", pods, err)
	}
	p := pods.Items[0]
	wantID := reg.Host + "/team/backup@" + digest.String()
	if id := p.Status.ContainerStatuses[0].ImageID; id != wantID {
		t.Errorf("imageID %q, want %q", id, wantID)
	}
	events := podEvents(t, cs, p.Name)
	for _, want := range []string{"Pulling: Pulling image \"" + ref + "\"", "Pulled: Successfully pulled image \"" + ref + "\""} {
		if !strings.Contains(events, want) {
			t.Errorf("events lack %q:\n%s", want, events)
		}
	}
	// The image's root holds nothing of the host's: a pod lists /.
	c.RunIn(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: look}
spec:
  restartPolicy: Never
  containers:
  - name: look
    image: %s
    command: [sh, -c, 'ls / ; ls /work /root /etc/shadow 2>&1; cat /etc/os-release 2>&1; true']
`, ref), "apply", "-f", "-")
	waitPhase(t, cs, "look", corev1.PodSucceeded)
	look := c.Run("logs", "look")
	for _, absent := range []string{"root:*:", "PRETTY_NAME"} {
		if strings.Contains(look, absent) {
			t.Errorf("the image's root shows the host's %s:\n%s", absent, look)
		}
	}
	if !strings.Contains(look, "/work: No such file or directory") || !strings.Contains(look, "/etc/shadow: No such file or directory") ||
		!strings.Contains(look, "entrypoint.sh") {
		t.Errorf("the root is not the image's:\n%s", look)
	}
	// The Node lists the pulled image.
	waitFor(t, func() bool {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
		if err != nil {
			return false
		}
		for _, img := range n.Status.Images {
			for _, name := range img.Names {
				if name == ref && img.SizeBytes > 0 {
					return true
				}
			}
		}
		return false
	}, "the Node's status.images lists "+ref)
}

// imageTagsAndDigestsGiveTheirOwnFileSystems: two tags of one repository
// are two file systems, and a digest reference pins one of them even
// after the tag moves.
func imageTagsAndDigestsGiveTheirOwnFileSystems(t *testing.T, c *testcluster.T, cs kubernetes.Interface, node string) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	d1 := reg.MustPush(t, "team/backup:1", backupImage(t, "1"))
	reg.MustPush(t, "team/backup:2", backupImage(t, "2"))
	pod := func(name, ref string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: %s
    command: [cat, /app/version]
---
`, name, ref)
	}
	// The tag 1 moves to version 2's image after the pods are made; the
	// digest still names version 1.
	c.RunIn(pod("one", reg.Ref("team/backup:1"))+pod("two", reg.Ref("team/backup:2"))+
		pod("pinned", reg.Host+"/team/backup@"+d1.String()), "apply", "-f", "-")
	for name, want := range map[string]string{"one": "version 1", "two": "version 2", "pinned": "version 1"} {
		waitPhase(t, cs, name, corev1.PodSucceeded)
		if got := strings.TrimSpace(c.Run("logs", name)); got != want {
			t.Errorf("pod %s printed %q, want %q", name, got, want)
		}
	}
}

// imagePrivateRegistryNeedsItsPullSecret: a pull from a registry with basic
// auth fails (ErrImagePull, then ImagePullBackOff) while the pod's
// imagePullSecret does not exist, and succeeds once it is made with
// kubectl create secret docker-registry.
func imagePrivateRegistryNeedsItsPullSecret(t *testing.T, c *testcluster.T, cs kubernetes.Interface, node string) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{Username: "robot", Password: "s3cret"})
	reg.MustPush(t, "team/private:1", backupImage(t, "private"))
	c.RunIn(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: private}
spec:
  restartPolicy: Never
  imagePullSecrets: [{name: regcred}]
  containers:
  - name: c
    image: %s
    imagePullPolicy: Always
    command: [cat, /app/version]
`, reg.Ref("team/private:1")), "apply", "-f", "-")
	seen := map[string]bool{}
	waitPod(t, cs, "private", func(p *corev1.Pod) bool {
		if w := waiting(p); w != nil {
			seen[w.Reason] = true
		}
		return seen["ErrImagePull"] && seen["ImagePullBackOff"]
	}, "the pull fails with ErrImagePull, then backs off (ImagePullBackOff)")
	if p, _ := cs.CoreV1().Pods("default").Get(context.Background(), "private", metav1.GetOptions{}); p.Status.Phase != corev1.PodPending {
		t.Errorf("phase %s while the image cannot be pulled", p.Status.Phase)
	}
	c.Run("create", "secret", "docker-registry", "regcred", "--docker-server="+reg.Host,
		"--docker-username=robot", "--docker-password=s3cret")
	waitPhase(t, cs, "private", corev1.PodSucceeded)
	if got := strings.TrimSpace(c.Run("logs", "private")); got != "version private" {
		t.Errorf("printed %q", got)
	}
}

// imageImportedImageRunsWithPullPolicyNever: `ordo images import` of a
// docker save tarball, on the data directory of a running server, then a
// pod with imagePullPolicy: Never runs it; a missing image with Never is
// ErrImageNeverPull.
func imageImportedImageRunsWithPullPolicyNever(t *testing.T, c *testcluster.T, cs kubernetes.Interface, node string) {
	tarball := filepath.Join(t.TempDir(), "bundle.tar.gz")
	if err := imagetest.SaveDocker(tarball, map[string]v1.Image{"registry.example.com/team/backup:1.4": backupImage(t, "imported")}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(c.Bin, "images", "import", "--data-dir", c.DataDir, tarball).CombinedOutput()
	if err != nil {
		t.Fatalf("ordo images import: %v\n%s", err, out)
	}
	ls, err := exec.Command(c.Bin, "images", "ls", "--data-dir", c.DataDir).CombinedOutput()
	if err != nil || !strings.Contains(string(ls), "registry.example.com/team/backup") {
		t.Fatalf("ordo images ls: %v\n%s", err, ls)
	}
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: imported}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: registry.example.com/team/backup:1.4
    imagePullPolicy: Never
---
apiVersion: v1
kind: Pod
metadata: {name: missing}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: registry.example.com/team/absent:1
    imagePullPolicy: Never
`, "apply", "-f", "-")
	waitPhase(t, cs, "imported", corev1.PodSucceeded)
	if logs := c.Run("logs", "imported"); !strings.Contains(logs, "version imported") {
		t.Errorf("logs %q", logs)
	}
	waitPod(t, cs, "missing", func(p *corev1.Pod) bool {
		w := waiting(p)
		return w != nil && w.Reason == "ErrImageNeverPull" &&
			w.Message == `Container image "registry.example.com/team/absent:1" is not present with pull policy of Never`
	}, "ErrImageNeverPull")
}

// TestImageRootIsFreshAfterARestartAndSurvivesKill9: a write in the
// container's root is gone when the container restarts (a new writable
// layer), and a pod keeps running on its root across kill -9 of the
// server.
func TestImageRootIsFreshAfterARestartAndSurvivesKill9(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	reg.MustPush(t, "team/backup:1", backupImage(t, "1"))
	c.RunIn(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: %s
    securityContext: {runAsUser: 0}
    command: [sh, -c, 'if [ -e /app/marker ]; then echo marker found; else echo marker absent; fi; cat /app/version; echo x > /app/marker && rm /app/version && echo changed; sleep 2; exit 3']
---
apiVersion: v1
kind: Pod
metadata: {name: steady}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: %s
    securityContext: {runAsUser: 0}
    command: [sh, -c, 'echo written > /app/state; exec sleep 3600']
`, reg.Ref("team/backup:1"), reg.Ref("team/backup:1")), "apply", "-f", "-")
	waitPod(t, cs, "writer", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1 &&
			p.Status.ContainerStatuses[0].State.Running != nil
	}, "the writer restarts")
	if prev := c.Run("logs", "writer", "--previous"); !strings.Contains(prev, "marker absent\nversion 1\nchanged") {
		t.Errorf("first run: %q", prev)
	}
	waitFor(t, func() bool {
		out, _, _ := c.Kubectl(context.Background(), "", "logs", "writer")
		return strings.Contains(out, "marker")
	}, "the second run prints")
	if cur := c.Run("logs", "writer"); !strings.Contains(cur, "marker absent\nversion 1") {
		t.Errorf("the second run saw the first's writes: %q", cur)
	}
	steady := waitPod(t, cs, "steady", podReady, "steady runs")
	id := steady.Status.ContainerStatuses[0].ContainerID
	waitFor(t, func() bool {
		out, _, _ := c.Kubectl(context.Background(), "", "exec", "steady", "--", "cat", "/app/state")
		return strings.TrimSpace(out) == "written"
	}, "exec sees the container's writes")
	c.Kill9()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	cs2, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	after := waitPod(t, cs2, "steady", podReady, "steady is adopted")
	if got := after.Status.ContainerStatuses[0].ContainerID; got != id || after.Status.ContainerStatuses[0].RestartCount != 0 {
		t.Errorf("after kill -9: container %s (restarts %d), want %s unchanged", got, after.Status.ContainerStatuses[0].RestartCount, id)
	}
	if got := strings.TrimSpace(c.Run("exec", "steady", "--", "cat", "/app/state", "/app/version")); got != "written\nversion 1" {
		t.Errorf("the root after kill -9: %q", got)
	}
}

// imageHostileLayerIsRefused: an image whose layer writes outside its root
// fails to pull with an error naming the layer, and leaves nothing in
// the store.
func imageHostileLayerIsRefused(t *testing.T, c *testcluster.T, cs kubernetes.Interface, node string) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	evil := imagetest.Must(imagetest.LayerFromBytes(imagetest.Must(imagetest.Tar(map[string]imagetest.File{
		"../../escaped": imagetest.Text("owned\n", 0o644),
	})), imagetest.LayerOptions{}))
	reg.MustPush(t, "team/evil:1", imagetest.Must(imagetest.Image(v1.Config{Cmd: []string{"sh"}},
		imagetest.Must(imagetest.BusyboxLayer()), evil)))
	c.RunIn(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: evil}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: %s
`, reg.Ref("team/evil:1")), "apply", "-f", "-")
	p := waitPod(t, cs, "evil", func(p *corev1.Pod) bool {
		w := waiting(p)
		return w != nil && w.Reason == "ErrImagePull"
	}, "the hostile image fails to pull")
	msg := waiting(p).Message
	evilDigest := imagetest.Must(evil.Digest()).String()
	if !strings.Contains(msg, evilDigest) && !strings.Contains(msg, imagetest.Must(evil.DiffID()).String()) {
		t.Errorf("the error %q does not name the layer %s", msg, evilDigest)
	}
	for _, path := range []string{filepath.Join(c.DataDir, "escaped"), filepath.Join(c.DataDir, "images", "escaped"), "/escaped"} {
		if _, err := os.Stat(path); err == nil {
			t.Errorf("%s was written", path)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(c.DataDir, "images", "layers"))
	for _, e := range entries {
		if strings.Contains(e.Name(), "tmp") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("a half-unpacked layer is left: %s", e.Name())
		}
	}
}

// imageSeed000RedisFromAnImage: seed 000's CronJob runs redis-cli against
// a redis-server, both from an image assembled in the test from Debian's
// redis packages (not the host's root), through a Service.
func imageSeed000RedisFromAnImage(t *testing.T, c *testcluster.T, cs kubernetes.Interface, node string) {
	reg := imagetest.StartRegistry(t, imagetest.RegistryOptions{})
	img, err := imagetest.FromDebianPackages(v1.Config{
		Cmd: []string{"redis-server", "--protected-mode", "no", "--appendonly", "yes", "--dir", "/data"},
		Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"},
	}, "redis-server", "redis-tools")
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.Ref("library/redis:7")
	reg.MustPush(t, "library/redis:7", img)
	c.RunIn(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: redis, labels: {app: redis}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: redis
    image: %s
    volumeMounts: [{name: data, mountPath: /data}]
    readinessProbe:
      exec: {command: [redis-cli, ping]}
      periodSeconds: 1
  volumes: [{name: data, emptyDir: {}}]
---
apiVersion: v1
kind: Service
metadata: {name: redis}
spec:
  selector: {app: redis}
  ports: [{port: 6379}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: redis-aof-rewrite}
spec:
  schedule: "*/2 * * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: rewrite
            image: %s
            command: [sh, -c, 'redis-cli -h redis.default.svc.cluster.local BGREWRITEAOF && redis-cli -h redis INFO persistence | grep aof_rewrites']
`, ref, ref), "apply", "-f", "-")
	waitPod(t, cs, "redis", podReady, "redis from the image is ready")
	var job string
	waitFor(t, func() bool {
		jobs, err := cs.BatchV1().Jobs("default").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false
		}
		for _, j := range jobs.Items {
			if strings.HasPrefix(j.Name, "redis-aof-rewrite-") && j.Status.Succeeded == 1 {
				job = j.Name
				return true
			}
		}
		return false
	}, "a rewrite Job succeeds")
	c.Run("patch", "cronjob", "redis-aof-rewrite", "-p", `{"spec":{"suspend":true}}`)
	logs := c.Run("logs", "job/"+job)
	if !strings.Contains(logs, "Background append only file rewriting started") {
		t.Errorf("the rewrite Job printed %q", logs)
	}
	// The server is the image's: its binary is not the host's path
	// through the host's root (the host's /etc is not there).
	if out := c.Run("exec", "redis", "--", "sh", "-c", "ls /etc/ | wc -l; test -e /etc/shadow && echo host || echo image"); !strings.Contains(out, "image") {
		t.Errorf("redis runs on the host's root: %q", out)
	}
}

// waiting is the first container's waiting state, if any.
func waiting(p *corev1.Pod) *corev1.ContainerStateWaiting {
	if len(p.Status.ContainerStatuses) == 0 {
		return nil
	}
	return p.Status.ContainerStatuses[0].State.Waiting
}

// podEvents are a pod's events as "Reason: message" lines.
func podEvents(t *testing.T, cs kubernetes.Interface, pod string) string {
	t.Helper()
	var out []string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		list, err := cs.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=" + pod})
		if err == nil {
			out = out[:0]
			for _, e := range list.Items {
				out = append(out, e.Reason+": "+e.Message)
			}
			if len(out) > 0 {
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return strings.Join(out, "\n")
}

// describeOnFailure logs kubectl describe of the pods when t failed.
func describeOnFailure(t *testing.T, c *testcluster.T) {
	if !t.Failed() {
		return
	}
	out, errOut, _ := c.Kubectl(context.Background(), "", "describe", "pods")
	t.Logf("kubectl describe pods:\n%s%s", out, errOut)
}
