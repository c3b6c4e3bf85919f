package agent

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var testUserFiles = userFiles{
	passwd: []byte("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nnginx:x:101:101::/var/cache/nginx:/sbin/nologin\n"),
	group:  []byte("root:x:0:\napp:x:1000:\nnginx:x:101:\nwww:x:33:app,nginx\naudio:x:29:app\n"),
}

func TestResolveImageUser(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		user            string
		runAs, runGroup *int64
		want            imageUser
		err             string
	}{
		{user: "", want: imageUser{uid: 0, gid: 0}},
		{user: "app", want: imageUser{uid: 1000, gid: 1000, extra: []int64{33, 29}, name: "app"}},
		{user: "1000", want: imageUser{uid: 1000, gid: 1000, extra: []int64{33, 29}}},
		{user: "1000:33", want: imageUser{uid: 1000, gid: 33, extra: []int64{29}}},
		{user: "nginx:www", want: imageUser{uid: 101, gid: 33, name: "nginx"}},
		{user: "4242", want: imageUser{uid: 4242}},
		{user: "app", runAs: i(101), want: imageUser{uid: 101, gid: 101, extra: []int64{33}}},
		{user: "app:www", runAs: i(7), want: imageUser{uid: 7}},
		{user: "app", runGroup: i(5), want: imageUser{uid: 1000, gid: 5, extra: []int64{33, 29}, name: "app"}},
		{user: "ghost", err: "unable to find user ghost: no matching entries in passwd file"},
		{user: "app:ghosts", err: "unable to find group ghosts: no matching entries in group file"},
	} {
		got, err := resolveImageUser(tc.user, testUserFiles, tc.runAs, tc.runGroup)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("USER %q: err %v, want %q", tc.user, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("USER %q runAsUser %v: %+v, %v; want %+v", tc.user, tc.runAs, got, err, tc.want)
		}
	}
}

func TestImageNonRoot(t *testing.T) {
	yes := true
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u"},
		Spec: corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: &yes}}}
	c := &corev1.Container{Name: "c"}
	if err := imageNonRootViolation(p, c, imageUser{name: "app", uid: 1000}, nil); err == nil ||
		!strings.Contains(err.Error(), "image has non-numeric user (app), cannot verify user is non-root") {
		t.Errorf("a named image user: %v", err)
	}
	if err := imageNonRootViolation(p, c, imageUser{uid: 1000}, nil); err != nil {
		t.Errorf("a numeric non-root image user: %v", err)
	}
	if err := imageNonRootViolation(p, c, imageUser{uid: 0}, nil); err == nil || !strings.Contains(err.Error(), "image will run as root") {
		t.Errorf("an image running as root: %v", err)
	}
	one := int64(1000)
	if err := imageNonRootViolation(p, c, imageUser{name: "app", uid: 1000}, &one); err != nil {
		t.Errorf("runAsUser settles a named image user: %v", err)
	}
	if err := imageNonRootViolation(&corev1.Pod{}, c, imageUser{name: "app"}, nil); err != nil {
		t.Errorf("no runAsNonRoot: %v", err)
	}
}

func TestHomeOf(t *testing.T) {
	if h := homeOf(testUserFiles.passwd, 1000); h != "/home/app" {
		t.Errorf("home of 1000 = %q", h)
	}
	if h := homeOf(testUserFiles.passwd, 55); h != "/" {
		t.Errorf("home of an unknown uid = %q", h)
	}
}
