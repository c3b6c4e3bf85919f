package buildversion

import (
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"

	utilversion "k8s.io/apimachinery/pkg/util/version"
	"k8s.io/component-base/version"
)

func TestFromBuildInfo(t *testing.T) {
	dep := func(v string) []*debug.Module {
		return []*debug.Module{{Path: "k8s.io/api", Version: "v0.99.0"}, {Path: "k8s.io/component-base", Version: v}}
	}
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}}
	}
	cases := []struct {
		name        string
		info        debug.BuildInfo
		wantVersion string
		wantTree    string
		wantErr     bool
	}{
		{"go build in a clean checkout", debug.BuildInfo{Deps: dep("v0.37.2"), Settings: vcs("7aa3afd0123456789", "false")},
			"v1.37.2+ordo.7aa3afd", "clean", false},
		{"go build with local changes", debug.BuildInfo{Deps: dep("v0.37.2"), Settings: vcs("7aa3afd0123456789", "true")},
			"v1.37.2+ordo.7aa3afd.dirty", "dirty", false},
		{"go install from the module proxy (no VCS stamp)", debug.BuildInfo{Deps: dep("v0.38.0")},
			"v1.38.0+ordo.unknown", "", false},
		{"pre-release dependency", debug.BuildInfo{Deps: dep("v0.38.0-alpha.1")}, "v1.38.0+ordo.unknown", "", false},
		{"replaced dependency", debug.BuildInfo{Deps: []*debug.Module{{Path: "k8s.io/component-base", Version: "v0.1.0",
			Replace: &debug.Module{Path: "../cb", Version: "v0.36.4"}}}}, "v1.36.4+ordo.unknown", "", false},
		{"no dependencies recorded (a test binary)", debug.BuildInfo{}, "v" + version.DefaultKubeBinaryVersion + ".0+ordo.unknown", "", false},
		{"odd component-base version", debug.BuildInfo{Deps: dep("v1.2")}, "", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := fromBuildInfo(&c.info)
			if c.wantErr {
				if err == nil {
					t.Fatalf("no error, got %+v", s)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.GitVersion != c.wantVersion || s.GitTreeState != c.wantTree {
				t.Errorf("got %q tree %q, want %q tree %q", s.GitVersion, s.GitTreeState, c.wantVersion, c.wantTree)
			}
			if _, err := utilversion.ParseSemantic(s.GitVersion); err != nil {
				t.Errorf("kubectl could not parse %q: %v", s.GitVersion, err)
			}
		})
	}
}

// TestApplyStampsAnUnstampedBuild runs in a test binary, which no linker
// flag stamped: Apply must leave a version kubectl parses, with the
// Kubernetes minor version of the component-base this module uses.
func TestApplyStampsAnUnstampedBuild(t *testing.T) {
	if gitVersion != placeholder {
		t.Skip("this test binary was stamped by linker flags")
	}
	if err := Apply(); err != nil {
		t.Fatal(err)
	}
	v, err := utilversion.ParseSemantic(gitVersion)
	if err != nil {
		t.Fatalf("version %q does not parse: %v", gitVersion, err)
	}
	if got := version.Get().GitVersion; got != gitVersion {
		t.Errorf("version.Get() = %q, want %q", got, gitVersion)
	}
	if v.Major() != 1 || v.Minor() < 30 || gitMajor != "1" {
		t.Errorf("version %q (major %q) is not a Kubernetes 1.x release", gitVersion, gitMajor)
	}
}

// TestBinaryIDIsTheGoBuildID: the ID read from the ELF note is what `go
// tool buildid` prints for the same binary.
func TestBinaryIDIsTheGoBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Fatalf("go tool buildid: %v", err)
	}
	got, err := goBuildID(exe)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSpace(string(out)); got != want {
		t.Errorf("build ID %q, go tool buildid says %q", got, want)
	}
	if BinaryID() != got {
		t.Errorf("BinaryID() = %q, want the build ID %q", BinaryID(), got)
	}
	if _, err := goBuildID("/etc/hostname"); err == nil {
		t.Error("a file that is not ELF has a build ID")
	}
}
