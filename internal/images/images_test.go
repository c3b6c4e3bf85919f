package images

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRepository(t *testing.T) {
	for in, want := range map[string]string{
		"postgres":                                     "postgres",
		"postgres:11.6-alpine":                         "postgres",
		"docker.io/library/postgres:11.6-alpine":       "postgres",
		"library/redis@sha256:abc":                     "redis",
		"kiamol/ch03-sleep":                            "kiamol/ch03-sleep",
		"registry.k8s.io/e2e-test-images/agnhost:2.39": "e2e-test-images/agnhost",
		"localhost:5000/team/app:1":                    "team/app",
		"localhost/app":                                "app",
	} {
		if got := Repository(in); got != want {
			t.Errorf("Repository(%q) = %q, want %q", in, got, want)
		}
	}
}

func loaded(t *testing.T, user string) *Table {
	t.Helper()
	dir := t.TempDir()
	if user != "" {
		if err := os.WriteFile(filepath.Join(dir, "images.yaml"), []byte(user), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tab, err := Load("", dir)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestResolveFollowsKubernetesCommandAndArgsRules(t *testing.T) {
	tab := loaded(t, "")
	entry := "/usr/local/bin/docker-entrypoint.sh"
	cases := []struct {
		name, image   string
		command, args []string
		want          []string
	}{
		{"image's entrypoint and cmd", "postgres:11.6-alpine", nil, nil, []string{entry, "postgres"}},
		{"args replace cmd", "postgres", nil, []string{"-c", "fsync=off"}, []string{entry, "-c", "fsync=off"}},
		{"command replaces both", "postgres", []string{"psql"}, []string{"-c", "select 1"}, []string{"psql", "-c", "select 1"}},
		{"cmd only", "registry.k8s.io/nginx-slim:0.8", nil, nil, []string{"nginx", "-g", "daemon off;"}},
		{"nginx's entrypoint", "nginx:1.25", nil, nil, []string{"/docker-entrypoint.sh", "nginx", "-g", "daemon off;"}},
		{"no entrypoint, args run as given", "busybox", nil, []string{"echo", "hi"}, []string{"echo", "hi"}},
		{"unknown image, args run as given", "example.com/x/y:1", nil, []string{"true"}, []string{"true"}},
		{"unknown image, command", "example.com/x/y:1", []string{"sh"}, nil, []string{"sh"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := tab.Resolve(c.image, c.command, c.args)
			if err != nil || !reflect.DeepEqual(got.Argv, c.want) {
				t.Fatalf("argv %q, %v; want %q", got.Argv, err, c.want)
			}
		})
	}
}

func TestResolveMountsShippedScriptsAndImageEnv(t *testing.T) {
	tab := loaded(t, "")
	got, err := tab.Resolve("postgres", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 1 || got.Files[0].Container != "/usr/local/bin/docker-entrypoint.sh" {
		t.Fatalf("files %v", got.Files)
	}
	data, err := os.ReadFile(got.Files[0].Host)
	if err != nil || !strings.Contains(string(data), "initdb") {
		t.Fatalf("the shipped postgres entrypoint at %s: %v", got.Files[0].Host, err)
	}
	if info, _ := os.Stat(got.Files[0].Host); info.Mode()&0o111 == 0 {
		t.Errorf("entrypoint not executable: %v", info.Mode())
	}
	if !reflect.DeepEqual(got.Env, []string{"PGDATA=/var/lib/postgresql/data"}) {
		t.Errorf("env %v", got.Env)
	}
}

func TestNoCommandNamesTheImageAndTheTables(t *testing.T) {
	tab := loaded(t, "- match: [team/*]\n  cmd: [app]\n")
	_, err := tab.Resolve("quay.io/other/thing:2", nil, nil)
	var none *NoCommandError
	if !errors.As(err, &none) {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{`"quay.io/other/thing:2"`, "images.yaml", "built-in"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %s", err, want)
		}
	}
	var nilTable *Table
	if _, err := nilTable.Resolve("postgres", nil, nil); !errors.As(err, &none) {
		t.Errorf("a nil table knows no image: %v", err)
	}
}

func TestUserEntriesComeBeforeBuiltIns(t *testing.T) {
	tab := loaded(t, "- match: [postgres, team/*]\n  cmd: [my-postgres]\n  env: [A=1]\n")
	for image, want := range map[string]string{"postgres:16": "my-postgres", "registry.example/team/app:1": "my-postgres", "redis": "/usr/local/bin/docker-entrypoint.sh"} {
		got, err := tab.Resolve(image, nil, nil)
		if err != nil || got.Argv[0] != want {
			t.Errorf("%s: %v %v, want %s", image, got.Argv, err, want)
		}
	}
}

func TestBadTablesAreRefusedWithWhere(t *testing.T) {
	for name, text := range map[string]string{
		"unknown field":   "- match: [a]\n  command: [x]\n",
		"no match":        "- cmd: [x]\n",
		"bad glob":        "- match: ['[']\n",
		"relative file":   "- match: [a]\n  files: {bin/x: /y}\n",
		"env without '='": "- match: [a]\n  env: [A]\n",
	} {
		dir := t.TempDir()
		file := filepath.Join(dir, "mine.yaml")
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(file, dir); err == nil || !strings.Contains(err.Error(), file) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestE2EImagesRunAgnhostAndTheHostsPrograms(t *testing.T) {
	dir := t.TempDir()
	agnhost := filepath.Join(dir, "agnhost")
	if err := os.WriteFile(agnhost, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tab := loaded(t, "- match: [e2e-test-images/agnhost]\n  entrypoint: [/agnhost]\n  cmd: [pause]\n  files: {/agnhost: "+agnhost+"}\n")
	got, err := tab.Resolve("registry.k8s.io/e2e-test-images/agnhost:2.66.1", nil, []string{"netexec", "--http-port=8080"})
	if err != nil || !reflect.DeepEqual(got.Argv, []string{"/agnhost", "netexec", "--http-port=8080"}) || len(got.Files) != 1 || got.Files[0].Host != agnhost {
		t.Fatalf("agnhost: %+v %v", got, err)
	}
	for image, argv0 := range map[string]string{
		"registry.k8s.io/e2e-test-images/busybox:1.37.0-2": "sh",
		// Built on the official nginx image, with its entrypoint.
		"registry.k8s.io/e2e-test-images/nginx:1.27.0-2": "/docker-entrypoint.sh",
	} {
		if got, err := tab.Resolve(image, nil, nil); err != nil || got.Argv[0] != argv0 {
			t.Errorf("%s: %v %v, want %s", image, got.Argv, err, argv0)
		}
	}
}

func TestAnEntrysMissingHostFileIsNamed(t *testing.T) {
	tab := loaded(t, "- match: [e2e-test-images/agnhost]\n  entrypoint: [/agnhost]\n  files: {/agnhost: /nonexistent/agnhost}\n")
	for _, command := range [][]string{nil, {"/agnhost", "pause"}} {
		_, err := tab.Resolve("registry.k8s.io/e2e-test-images/agnhost:2.66.1", command, []string{"pause"})
		if err == nil || !strings.Contains(err.Error(), "/nonexistent/agnhost") {
			t.Errorf("command %v: %v", command, err)
		}
	}
}

// TestBuiltinE2EImageEntries: the conformance tests' images as the
// built-in table runs them. httpd is a script serving the image's
// htdocs; e2e busybox's sh is bash, which keeps variables such as
// data-1 that dash drops; agnhost is also /agnhost-2, as the tests that
// override an image's command name it.
func TestBuiltinE2EImageEntries(t *testing.T) {
	tab := loaded(t, "")
	httpd, err := tab.Resolve("registry.k8s.io/e2e-test-images/httpd:2.4.38-4", nil, nil)
	if err != nil || !reflect.DeepEqual(httpd.Argv, []string{"/usr/local/bin/httpd-foreground"}) || len(httpd.Files) != 1 {
		t.Fatalf("httpd: %+v %v", httpd, err)
	}
	script, err := os.ReadFile(httpd.Files[0].Host)
	if err != nil || !strings.Contains(string(script), "/usr/local/apache2/htdocs") {
		t.Errorf("httpd's script %s: %v %q", httpd.Files[0].Host, err, script)
	}
	busybox, err := tab.Resolve("registry.k8s.io/e2e-test-images/busybox:1.37.0-1", []string{"sh", "-c", "env"}, nil)
	if err != nil || !reflect.DeepEqual(busybox.Files, []File{{Host: "/bin/bash", Container: "/bin/sh"}, {Host: "/usr/sbin/sysctl", Container: "/bin/sysctl"}}) {
		t.Errorf("e2e busybox: %+v %v", busybox, err)
	}
	nnp, err := tab.Resolve("registry.k8s.io/e2e-test-images/nonewprivs:1.3", nil, nil)
	if err != nil || !reflect.DeepEqual(nnp.Argv, []string{"/usr/local/bin/nnp"}) {
		t.Errorf("nonewprivs: %+v %v", nnp, err)
	}
	if plain, err := tab.Resolve("busybox:1.36", []string{"sh"}, nil); err != nil || len(plain.Files) != 0 {
		t.Errorf("plain busybox keeps the host's sh: %+v %v", plain, err)
	}
	agnhost := tab.Lookup("registry.k8s.io/e2e-test-images/agnhost:2.56")
	if agnhost == nil || agnhost.Files["/agnhost"] != agnhost.Files["/agnhost-2"] || agnhost.Files["/agnhost"] == "" {
		t.Errorf("agnhost entry: %+v", agnhost)
	}
	// kubectl's update-demo images serve their picture's data.json with
	// agnhost's test-webserver.
	for image, picture := range map[string]string{"registry.k8s.io/e2e-test-images/nautilus:1.7": "nautilus.jpg", "registry.k8s.io/e2e-test-images/kitten:1.7": "kitten.jpg"} {
		e := tab.Lookup(image)
		if e == nil || !reflect.DeepEqual(e.Cmd, []string{"test-webserver"}) {
			t.Errorf("%s: %+v", image, e)
			continue
		}
		copies := tab.copies(e)
		if len(copies) != 1 || copies[0].Container != "/data.json" {
			t.Errorf("%s copies %+v", image, copies)
			continue
		}
		if data, err := os.ReadFile(copies[0].Host); err != nil || !strings.Contains(string(data), `"image": "`+picture+`"`) {
			t.Errorf("%s data.json: %q %v", image, data, err)
		}
	}
	// Its certificate pair is copied, not mounted: tests move it.
	for _, f := range tab.copies(agnhost) {
		if data, err := os.ReadFile(f.Host); err != nil || !strings.Contains(string(data), "-----BEGIN") {
			t.Errorf("agnhost copy %s from %s: %v", f.Container, f.Host, err)
		}
	}
	if got := len(tab.copies(agnhost)); got != 2 {
		t.Errorf("agnhost copies: %d, want /localhost.crt and /localhost.key", got)
	}
}

// TestNginxImagesCarryTheOfficialLayout: nginx and the StatefulSet
// tutorial's nginx-slim get the official image's nginx.conf (conf.d
// included, logs to stdout), default.conf and index.html.
func TestNginxImagesCarryTheOfficialLayout(t *testing.T) {
	tab := loaded(t, "")
	for _, image := range []string{"nginx:1.25-alpine", "registry.k8s.io/nginx-slim:0.8", "registry.k8s.io/nginx-slim:0.24"} {
		got, err := tab.Resolve(image, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", image, err)
		}
		copies := map[string]string{}
		for _, c := range got.Copies {
			data, err := os.ReadFile(c.Host)
			if err != nil {
				t.Fatal(err)
			}
			copies[c.Container] = string(data)
		}
		for path, want := range map[string]string{
			"/etc/nginx/nginx.conf":            "include /etc/nginx/conf.d/*.conf;",
			"/etc/nginx/conf.d/default.conf":   "root   /usr/share/nginx/html;",
			"/usr/share/nginx/html/index.html": "<h1>Welcome to nginx!</h1>",
		} {
			if !strings.Contains(copies[path], want) {
				t.Errorf("%s: %s lacks %q:\n%s", image, path, want, copies[path])
			}
		}
		if !strings.Contains(copies["/etc/nginx/nginx.conf"], "access_log  /dev/stdout") {
			t.Errorf("%s: the access log does not go to stdout", image)
		}
		if want := []string{"nginx", "-g", "daemon off;"}; !reflect.DeepEqual(got.Argv[len(got.Argv)-3:], want) {
			t.Errorf("%s runs %q", image, got.Argv)
		}
	}
}

// TestImageConfigStaysWithACommand: the image's env and working
// directory apply whatever the container runs, as a runtime keeps an
// image's ENV and WORKDIR when the pod gives a command.
func TestImageConfigStaysWithACommand(t *testing.T) {
	tab := loaded(t, "")
	got, err := tab.Resolve("redis:7", []string{"redis-cli"}, []string{"ping"})
	if err != nil || got.WorkingDir != "/data" || len(got.Files) != 1 {
		t.Errorf("redis with a command: %+v, %v", got, err)
	}
	got, err = tab.Resolve("postgres:16", []string{"psql"}, nil)
	if err != nil || !reflect.DeepEqual(got.Env, []string{"PGDATA=/var/lib/postgresql/data"}) {
		t.Errorf("postgres with a command: env %v, %v", got.Env, err)
	}
	if _, err := parse([]byte("- match: [a]\n  workingDir: data\n"), "t"); err == nil || !strings.Contains(err.Error(), `workingDir "data" is not an absolute container path`) {
		t.Errorf("a relative workingDir: %v", err)
	}
}

// TestKubectlImagesRunOrdosKubectl: a kubectl image (seed 004's
// dotbalo/kubectl, bitnami/kubectl, registry.k8s.io/kubectl) gets the
// running ordo binary, kubectl when invoked by that name, at the paths
// those images keep kubectl.
func TestKubectlImagesRunOrdosKubectl(t *testing.T) {
	tab, err := Load("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, image := range []string{"registry.cn-beijing.aliyuncs.com/dotbalo/kubectl:latest", "bitnami/kubectl:1.31", "registry.k8s.io/kubectl:v1.37.2"} {
		start, err := tab.Resolve(image, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", image, err)
		}
		if len(start.Argv) != 1 || start.Argv[0] != "kubectl" {
			t.Errorf("%s runs %q, want kubectl", image, start.Argv)
		}
		want := map[string]bool{"/usr/local/bin/kubectl": true, "/opt/bitnami/kubectl/bin/kubectl": true}
		for _, f := range start.Files {
			if f.Host != self {
				t.Errorf("%s: %s comes from %s, want the running binary %s", image, f.Container, f.Host, self)
			}
			delete(want, f.Container)
		}
		if len(want) > 0 {
			t.Errorf("%s lacks %v", image, want)
		}
	}
}
