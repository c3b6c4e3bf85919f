package agent

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/agent/podenv"
)

// TestContainerHomeFromPasswd: a container without HOME gets its user's
// home from the passwd file it sees, "/" for a user with no entry, and
// keeps a HOME it sets itself.
func TestContainerHomeFromPasswd(t *testing.T) {
	passwd := filepath.Join(t.TempDir(), "passwd")
	os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/bash\npostgres:x:999:999::/var/lib/postgresql:/bin/bash\n"), 0o644)
	id := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		name string
		uid  *int64
		env  []string
		want string
	}{
		{name: "root", uid: id(0), want: "HOME=/root"},
		{name: "a user with an entry", uid: id(999), want: "HOME=/var/lib/postgresql"},
		{name: "a user with none", uid: id(1234), want: "HOME=/"},
		{name: "the container's own", uid: id(0), env: []string{"HOME=/data"}, want: "HOME=/data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &corev1.Pod{Spec: corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{RunAsUser: tc.uid}}}
			p.Name = "web-0"
			c := &corev1.Container{Name: "app", Image: "busybox"}
			plan, err := planStart(startInput{pod: p, spec: c, resolved: podenv.Resolved{Env: tc.env, Args: []string{"true"}},
				images: testImages, passwd: passwd})
			if err != nil {
				t.Fatal(err)
			}
			var homes []string
			for _, e := range plan.env {
				if len(e) > 5 && e[:5] == "HOME=" {
					homes = append(homes, e)
				}
			}
			if !slices.Equal(homes, []string{tc.want}) {
				t.Errorf("env %q, want exactly %s", plan.env, tc.want)
			}
		})
	}
}
