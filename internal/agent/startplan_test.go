package agent

import (
	"errors"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/agent/podenv"
	"github.com/ordo-dev/ordo/internal/images"
	"github.com/ordo-dev/ordo/internal/runtime"
)

func TestPlanStart(t *testing.T) {
	base := func() (*corev1.Pod, *corev1.Container) {
		c := corev1.Container{Name: "app", WorkingDir: "/work",
			VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data", SubPathExpr: "$(POD)"}}}
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{c},
				Volumes:         []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				SecurityContext: &corev1.PodSecurityContext{RunAsUser: ptr.To[int64](1000), SupplementalGroups: []int64{5}}}}
		return p, &p.Spec.Containers[0]
	}
	cases := []struct {
		name    string
		edit    func(*corev1.Pod, *corev1.Container, *podenv.Resolved)
		check   func(*testing.T, startPlan)
		wantErr string
	}{
		{name: "command then args; PATH and HOSTNAME added", edit: func(_ *corev1.Pod, _ *corev1.Container, r *podenv.Resolved) {
			r.Command, r.Args = []string{"sh", "-c"}, []string{"echo hi"}
		}, check: func(t *testing.T, s startPlan) {
			if !slices.Equal(s.argv, []string{"sh", "-c", "echo hi"}) {
				t.Errorf("argv %q", s.argv)
			}
			if s.env[0] != defaultPath || s.env[1] != "HOSTNAME=web-0" || s.env[2] != "POD=web-0" {
				t.Errorf("env %q", s.env)
			}
		}},
		{name: "no command runs args[0]", edit: func(_ *corev1.Pod, _ *corev1.Container, r *podenv.Resolved) {
			r.Args = []string{"sleep", "1"}
		}, check: func(t *testing.T, s startPlan) {
			if !slices.Equal(s.argv, []string{"sleep", "1"}) {
				t.Errorf("argv %q", s.argv)
			}
		}},
		{name: "the container's PATH is kept", edit: func(_ *corev1.Pod, _ *corev1.Container, r *podenv.Resolved) {
			r.Env = append(r.Env, "PATH=/opt/bin")
		}, check: func(t *testing.T, s startPlan) {
			if slices.Contains(s.env, defaultPath) || !slices.Contains(s.env, "PATH=/opt/bin") {
				t.Errorf("env %q", s.env)
			}
		}},
		{name: "user from the pod, group from the container; mounts from subPathExpr", edit: func(_ *corev1.Pod, c *corev1.Container, _ *podenv.Resolved) {
			c.SecurityContext = &corev1.SecurityContext{RunAsGroup: ptr.To[int64](2000), AllowPrivilegeEscalation: ptr.To(false)}
		}, check: func(t *testing.T, s startPlan) {
			if *s.uid != 1000 || *s.gid != 2000 || !slices.Equal(s.groups, []int64{5}) || !s.noNewPrivileges || s.workingDir != "/work" {
				t.Errorf("plan %+v", s)
			}
			if len(s.mounts) != 2 || s.mounts[1].Target != "/data" || !strings.HasSuffix(s.mounts[1].Source, "/vol/web-0") {
				t.Errorf("mounts %+v", s.mounts)
			}
		}},
		{name: "an image's entrypoint, env under the container's, files under the volumes", edit: func(p *corev1.Pod, c *corev1.Container, r *podenv.Resolved) {
			c.Image, r.Args = "postgres:11.6-alpine", nil
			r.Env = append(r.Env, "PGDATA=/data/pg")
		}, check: func(t *testing.T, s startPlan) {
			if !slices.Equal(s.argv, []string{"/e.sh", "postgres"}) {
				t.Errorf("argv %q", s.argv)
			}
			if !slices.Contains(s.env, "PGDATA=/data/pg") || slices.Contains(s.env, "PGDATA=/img") || !slices.Contains(s.env, "PATH=/img/bin") || slices.Contains(s.env, defaultPath) {
				t.Errorf("env %q: the image's PGDATA is overridden, its PATH kept", s.env)
			}
			if s.mounts[0] != (runtime.Mount{Source: "/bin/sh", Target: "/e.sh", ReadOnly: true}) {
				t.Errorf("mounts %+v: the image's file first", s.mounts)
			}
			if s.mounts[1] != (runtime.Mount{Source: "/pod/image-volumes/app/var_lib_pg", Target: "/var/lib/pg"}) || !slices.Equal(s.imageVolumes, []string{"/pod/image-volumes/app/var_lib_pg"}) {
				t.Errorf("mounts %+v, image volumes %v: the image's volume second, under the container's directory", s.mounts, s.imageVolumes)
			}
		}},
		{name: "an unknown image with no command", edit: func(_ *corev1.Pod, c *corev1.Container, r *podenv.Resolved) {
			c.Image, r.Args = "example.com/thing:1", nil
		}, wantErr: `image "example.com/thing:1" is in no entry`},
		{name: "runAsNonRoot with uid 0", edit: func(p *corev1.Pod, _ *corev1.Container, _ *podenv.Resolved) {
			p.Spec.SecurityContext.RunAsUser = ptr.To[int64](0)
			p.Spec.SecurityContext.RunAsNonRoot = ptr.To(true)
		}, wantErr: "non-root"},
		{name: "a mount of no volume", edit: func(_ *corev1.Pod, c *corev1.Container, _ *podenv.Resolved) {
			c.VolumeMounts[0].Name = "missing"
		}, wantErr: "missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, c := base()
			r := podenv.Resolved{Env: []string{"POD=web-0"}, Args: []string{"true"}}
			tc.edit(p, c, &r)
			plan, err := planStart(startInput{pod: p, spec: c, resolved: r, images: testImages, imageVolumes: "/pod/image-volumes/app",
				volumes:   map[string]string{"data": "/agent/vol"},
				etcMounts: []runtime.Mount{{Source: "/agent/hosts", Target: "/etc/hosts"}}})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, plan)
		})
	}
}

var testImages = &images.Table{Entries: []images.Entry{{Match: []string{"postgres"}, Entrypoint: []string{"/e.sh"}, Cmd: []string{"postgres"},
	Env: []string{"PGDATA=/img", "PATH=/img/bin"}, Files: map[string]string{"/e.sh": "/bin/sh"}, Volumes: []string{"/var/lib/pg"}}}}

func TestStartErrorReason(t *testing.T) {
	_, err := testImages.Resolve("nothing", nil, nil)
	if got := startErrorReason(err); got != "CreateContainerError" {
		t.Errorf("no command: %s", got)
	}
	if got := startErrorReason(errors.New(`secret "x" not found`)); got != "CreateContainerConfigError" {
		t.Errorf("configuration: %s", got)
	}
}
