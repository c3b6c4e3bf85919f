package agent

import (
	"reflect"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/agent/podenv"
	"github.com/ordo-dev/ordo/internal/image"
)

func TestImageArgv(t *testing.T) {
	ep, cmd := []string{"/entry.sh"}, []string{"serve", "--port=80"}
	for _, tc := range []struct {
		command, args, want []string
	}{
		{nil, nil, []string{"/entry.sh", "serve", "--port=80"}},
		{nil, []string{"check"}, []string{"/entry.sh", "check"}},
		{[]string{"sh", "-c"}, nil, []string{"sh", "-c"}},
		{[]string{"sh", "-c"}, []string{"echo hi"}, []string{"sh", "-c", "echo hi"}},
	} {
		if got := imageArgv(ep, cmd, tc.command, tc.args); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("command %v args %v: %v, want %v", tc.command, tc.args, got, tc.want)
		}
	}
}

func TestPlanImageStart(t *testing.T) {
	img := &image.Image{Layers: []string{"/l/1", "/l/2"}, Config: v1.Config{
		Entrypoint: []string{"/entry.sh"}, Cmd: []string{"serve"}, Env: []string{"PATH=/app/bin:/bin", "MODE=image"},
		WorkingDir: "/app", User: "app"}}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}}
	c := &corev1.Container{Name: "c", Image: "team/app:1"}
	in := startInput{pod: p, spec: c, image: img, userFiles: testUserFiles,
		resolved: podenv.Resolved{Env: []string{"MODE=pod"}}}
	plan, err := planStart(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(plan.argv, []string{"/entry.sh", "serve"}) || plan.workingDir != "/app" ||
		*plan.uid != 1000 || *plan.gid != 1000 || !reflect.DeepEqual(plan.layers, img.Layers) {
		t.Fatalf("plan %+v", plan)
	}
	env := strings.Join(plan.env, " ")
	for _, want := range []string{"PATH=/app/bin:/bin", "MODE=pod", "HOME=/home/app", "HOSTNAME=p"} {
		if !strings.Contains(env, want) {
			t.Errorf("env %q lacks %s", env, want)
		}
	}
	if strings.Contains(env, "MODE=image") {
		t.Errorf("the container's env must replace the image's: %s", env)
	}
	img.Config.Entrypoint, img.Config.Cmd = nil, nil
	if _, err := planStart(in); err == nil || startErrorReason(err) != "CreateContainerError" {
		t.Errorf("an image with nothing to run: %v (%s)", err, startErrorReason(err))
	}
	img.Config.Cmd, img.Config.User = []string{"x"}, "ghost"
	if _, err := planStart(in); err == nil || startErrorReason(err) != "CreateContainerError" {
		t.Errorf("an unknown USER: %v", err)
	}
}
