package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// busyboxLayer makes a base layer holding only the static busybox as
// /bin/busybox, with /bin/sh and the applets a test names linked to it:
// an image with none of the host's files.
func busyboxLayer(t *testing.T, dir string, applets ...string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open("/bin/busybox")
	if err != nil {
		t.Skip("needs /bin/busybox (busybox-static)")
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(dir, "bin", "busybox"), os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	for _, a := range append([]string{"sh"}, applets...) {
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", a)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeFiles writes each path (relative to dir) with its content.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runImage runs a container (on an image root) and returns its output.
func runImage(t *testing.T, r *Runtime, c ContainerConfig) (string, Exit) {
	t.Helper()
	var out buffer
	c.Stdout, c.Stderr = &out, &out
	if c.Env == nil {
		c.Env = []string{"PATH=/bin"}
	}
	p, err := r.StartContainer(c)
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	return out.String(), p.Exit()
}

func imageSandbox(t *testing.T) (*Runtime, *Sandbox) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "image", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Stop)
	return r, sb
}

// TestImageRootMergesLayers: a container on two layers sees their merged
// view, the upper layer's whiteout hiding a lower file and its opaque
// directory hiding the lower directory's entries; the image's own /tmp
// is there; the host's files (its /etc/shadow, /work) are not; the
// command is found on the container's PATH; a missing working directory
// is made; a copied file lands in the writable layer.
func TestImageRootMergesLayers(t *testing.T) {
	r, sb := imageSandbox(t)
	base := busyboxLayer(t, filepath.Join(t.TempDir(), "base"), "cat", "ls", "pwd", "test")
	writeFiles(t, base, map[string]string{"etc/a": "base\n", "etc/gone": "x\n", "opq/old": "x\n", "tmp/from-image": "x\n", "keep/b": "b\n"})
	top := filepath.Join(t.TempDir(), "top")
	writeFiles(t, top, map[string]string{"etc/a": "top\n", "opq/new": "x\n"})
	if err := unix.Mknod(filepath.Join(top, "etc", "gone"), unix.S_IFCHR|0o000, 0); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setxattr(filepath.Join(top, "opq"), "trusted.overlay.opaque", []byte("y"), 0); err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(t.TempDir(), "copied")
	writeFiles(t, filepath.Dir(copied), map[string]string{"copied": "copied in\n"})
	out, exit := runImage(t, r, ContainerConfig{Sandbox: sb, Layers: []string{base, top}, WorkingDir: "/app/sub",
		Copies: []Mount{{Source: copied, Target: "/etc/new/copied"}},
		Argv:   []string{"sh", "-c", `pwd; cat /etc/a /keep/b /etc/new/copied; ls /opq; ls /tmp; for f in /etc/gone /etc/shadow /work /usr/bin/env /etc/passwd /run; do test -e $f && echo host $f; done; echo end`}})
	if want := "/app/sub\ntop\nb\ncopied in\nnew\nfrom-image\nend\n"; exit.Code != 0 || out != want {
		t.Errorf("container printed %q (exit %d), want %q", out, exit.Code, want)
	}
}

// TestImageRootWritesVanishAtRestart: what a container writes in its
// image root is gone when it starts again, and never reaches the layers.
func TestImageRootWritesVanishAtRestart(t *testing.T) {
	r, sb := imageSandbox(t)
	base := busyboxLayer(t, filepath.Join(t.TempDir(), "base"), "cat", "rm")
	writeFiles(t, base, map[string]string{"etc/a": "base\n"})
	c := ContainerConfig{Sandbox: sb, Layers: []string{base},
		Argv: []string{"sh", "-c", "cat /written 2>/dev/null || echo fresh; echo x > /written; echo changed > /etc/a; rm /bin/cat"}}
	for i := 0; i < 2; i++ {
		if out, exit := runImage(t, r, c); exit.Code != 0 || out != "fresh\n" {
			t.Errorf("start %d printed %q (exit %d), want fresh", i, out, exit.Code)
		}
	}
	if data, err := os.ReadFile(filepath.Join(base, "etc", "a")); err != nil || string(data) != "base\n" {
		t.Errorf("the layer's /etc/a is %q, %v", data, err)
	}
	if _, err := os.Lstat(filepath.Join(base, "bin", "cat")); err != nil {
		t.Errorf("the container's rm reached the layer: %v", err)
	}
}

// TestImageRootReadOnlyAndVolumes: readOnlyRootFilesystem makes the image
// root (its /tmp included) read-only; a bind mount lands inside the image
// root, writable, even where the image has no such directory.
func TestImageRootReadOnlyAndVolumes(t *testing.T) {
	r, sb := imageSandbox(t)
	base := busyboxLayer(t, filepath.Join(t.TempDir(), "base"), "cat")
	writeFiles(t, base, map[string]string{"tmp/.keep": ""})
	vol := t.TempDir()
	writeFiles(t, vol, map[string]string{"f": "from the volume\n"})
	out, exit := runImage(t, r, ContainerConfig{Sandbox: sb, Layers: []string{base}, ReadOnlyRoot: true,
		Mounts: []Mount{{Source: vol, Target: "/data/vol"}},
		Argv:   []string{"sh", "-c", "echo x > /f || echo root-refused; echo x > /tmp/f || echo tmp-refused; cat /data/vol/f; echo y > /data/vol/g && echo volume-written"}})
	for _, want := range []string{"Read-only file system", "root-refused", "tmp-refused", "from the volume", "volume-written"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q (exit %d) lacks %q", out, exit.Code, want)
		}
	}
	if _, err := os.Stat(filepath.Join(vol, "g")); err != nil {
		t.Errorf("the volume write did not reach the host: %v", err)
	}
}

// TestImageRootManyLayers: more layers than one page of overlayfs options
// holds by their paths (60 layers under long directory names) start.
func TestImageRootManyLayers(t *testing.T) {
	r, sb := imageSandbox(t)
	dir := filepath.Join(t.TempDir(), strings.Repeat("long-directory-name-", 5))
	layers := []string{busyboxLayer(t, filepath.Join(dir, "base"), "ls", "wc", "cat")}
	for i := 1; i < 60; i++ {
		l := filepath.Join(dir, fmt.Sprintf("layer-%03d-%s", i, strings.Repeat("x", 60)))
		writeFiles(t, l, map[string]string{fmt.Sprintf("layers/%03d", i): "x", "top": fmt.Sprint(i)})
		layers = append(layers, l)
	}
	if n := len(strings.Join(layers, ":")); n <= 4096 {
		t.Fatalf("the layers' paths take %d bytes, not more than a page", n)
	}
	out, exit := runImage(t, r, ContainerConfig{Sandbox: sb, Layers: layers, Argv: []string{"sh", "-c", "ls /layers | wc -l; cat /top"}})
	if got := strings.Fields(out); exit.Code != 0 || len(got) != 2 || got[0] != "59" || got[1] != "59" {
		t.Errorf("container printed %q (exit %d), want 59 layers and the topmost's /top", out, exit.Code)
	}
}

// TestImageRootMissingLayer: a layer directory that is not there fails
// the start with a StartError naming it.
func TestImageRootMissingLayer(t *testing.T) {
	r, sb := imageSandbox(t)
	base := busyboxLayer(t, filepath.Join(t.TempDir(), "base"))
	missing := filepath.Join(t.TempDir(), "no-such-layer")
	_, err := r.StartContainer(ContainerConfig{Sandbox: sb, Layers: []string{base, missing}, Env: []string{"PATH=/bin"}, Argv: []string{"sh", "-c", "true"}})
	var se *StartError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, missing) {
		t.Errorf("start error %v, want a StartError naming %s", err, missing)
	}
}

// TestImageRootUserAndHold: on an image root the command runs as the
// container's user, and a warm runner's hold forks its runs there.
func TestImageRootUserAndHold(t *testing.T) {
	r, sb := imageSandbox(t)
	base := busyboxLayer(t, filepath.Join(t.TempDir(), "base"), "id", "cat")
	writeFiles(t, base, map[string]string{"etc/motd": "from the image\n"})
	uid, gid := int64(1000), int64(3000)
	out, exit := runImage(t, r, ContainerConfig{Sandbox: sb, Layers: []string{base}, UID: &uid, GID: &gid,
		Argv: []string{"sh", "-c", "echo $(id -u) $(id -g)"}})
	if exit.Code != 0 || out != "1000 3000\n" {
		t.Errorf("container printed %q (exit %d), want 1000 3000", out, exit.Code)
	}
	h, f, err := NewHold()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	p, err := r.StartContainer(ContainerConfig{Sandbox: sb, Layers: []string{base}, UID: &uid, Hold: f, Env: []string{"PATH=/bin"},
		Argv: []string{"sh", "-c", `echo "$ORDO_SCHEDULED_TIME $(id -u) $(cat /etc/motd)"; exit 3`}})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { p.Signal(unix.SIGKILL); <-p.Done() }()
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	code, err := h.Run(t.Context(), "slot-1", wr, wr, func() {})
	wr.Close()
	got, _ := io.ReadAll(rd)
	rd.Close()
	if err != nil || code != 3 || string(got) != "slot-1 1000 from the image\n" {
		t.Errorf("hold run: code %d, err %v, output %q", code, err, got)
	}
}

// TestImageRootTerminal: a container on an image root gets a terminal of
// its own devpts (tty: true), as on the host's root.
func TestImageRootTerminal(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "image-tty", ShimSocket: filepath.Join(t.TempDir(), "shim.sock")})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	base := busyboxLayer(t, filepath.Join(t.TempDir(), "base"), "tty")
	path := filepath.Join(t.TempDir(), "0.log")
	logTo, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	proc, err := r.StartContainer(ContainerConfig{Sandbox: sb, Tag: "c/tty/0", LogTo: logTo, TTY: true, Layers: []string{base},
		Env: []string{"PATH=/bin"}, Argv: []string{"sh", "-c", "tty"}})
	logTo.Close()
	if err != nil {
		t.Fatal(err)
	}
	<-proc.Logged()
	<-proc.Done()
	if log := readFile(t, path); !strings.Contains(log, "stdout F /dev/pts/0\r\n") || proc.Exit().Code != 0 {
		t.Errorf("exit %d, log:\n%s", proc.Exit().Code, log)
	}
}
