// Package buildversion gives every build of ordo a valid Kubernetes version.
//
// `make` stamps k8s.io/component-base/version with linker flags. A plain
// `go build ./cmd/ordo` or `go install` does not, and then the version is
// the placeholder "v0.0.0-master+$Format:%H$", which kubectl refuses to
// parse and the Node reports as its kubelet version. Apply fills the
// placeholders from the module's build information instead: the Kubernetes
// version from the k8s.io/component-base dependency (v0.37.2 serves
// Kubernetes v1.37.2), the commit and tree state from the VCS stamp Go
// records.
package buildversion

import (
	"debug/elf"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	_ "unsafe" // for go:linkname

	"k8s.io/component-base/version"
)

// placeholder is component-base's gitVersion when no linker flag set it.
const placeholder = "v0.0.0-master+$Format:%H$"

// stamp is what the linker flags would have set.
type stamp struct {
	Major, Minor, GitVersion, GitCommit, GitTreeState, BuildDate string
}

// The variables of component-base/version that `make` sets with -X. They
// are reached by name because the package offers no setter for them (its
// SetDynamicVersion accepts only the placeholder's 0.0.0).
var (
	//go:linkname gitMajor k8s.io/component-base/version.gitMajor
	gitMajor string
	//go:linkname gitMinor k8s.io/component-base/version.gitMinor
	gitMinor string
	//go:linkname gitVersion k8s.io/component-base/version.gitVersion
	gitVersion string
	//go:linkname gitCommit k8s.io/component-base/version.gitCommit
	gitCommit string
	//go:linkname gitTreeState k8s.io/component-base/version.gitTreeState
	gitTreeState string
	//go:linkname buildDate k8s.io/component-base/version.buildDate
	buildDate string
)

// Apply stamps the version from the build information when the linker
// flags did not. Call it first thing in main, before anything reads the
// version.
func Apply() error {
	if gitVersion != placeholder {
		return nil
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return fmt.Errorf("no build information in this binary")
	}
	s, err := fromBuildInfo(info)
	if err != nil {
		return err
	}
	gitMajor, gitMinor, gitVersion = s.Major, s.Minor, s.GitVersion
	gitCommit, gitTreeState, buildDate = s.GitCommit, s.GitTreeState, s.BuildDate
	return version.SetDynamicVersion(gitVersion)
}

// fromBuildInfo derives the stamp `make` would give from Go's build
// information.
func fromBuildInfo(info *debug.BuildInfo) (stamp, error) {
	major, minor, patch, err := kubernetesRelease(info)
	if err != nil {
		return stamp{}, err
	}
	s := stamp{Major: major, Minor: minor, GitCommit: "unknown", GitTreeState: "", BuildDate: "1970-01-01T00:00:00Z"}
	for _, kv := range info.Settings {
		switch kv.Key {
		case "vcs.revision":
			s.GitCommit = kv.Value
		case "vcs.modified":
			s.GitTreeState = map[string]string{"true": "dirty", "false": "clean"}[kv.Value]
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, kv.Value); err == nil {
				s.BuildDate = t.UTC().Format(time.RFC3339)
			}
		}
	}
	s.GitVersion = fmt.Sprintf("v%s.%s.%s+ordo.%s", major, minor, patch, shortCommit(s.GitCommit))
	if s.GitTreeState == "dirty" {
		s.GitVersion += ".dirty"
	}
	return s, nil
}

// kubernetesRelease maps the k8s.io/component-base module version v0.M.P
// to Kubernetes 1.M.P.
func kubernetesRelease(info *debug.BuildInfo) (major, minor, patch string, err error) {
	for _, d := range info.Deps {
		if d.Path != "k8s.io/component-base" {
			continue
		}
		if d.Replace != nil {
			d = d.Replace
		}
		core, _, _ := strings.Cut(strings.TrimPrefix(d.Version, "v"), "-")
		parts := strings.Split(core, ".")
		if len(parts) != 3 || parts[0] != "0" {
			return "", "", "", fmt.Errorf("k8s.io/component-base version %q is not v0.MINOR.PATCH", d.Version)
		}
		return "1", parts[1], parts[2], nil
	}
	// Test binaries record no dependencies: fall back to the release
	// component-base itself names, without its patch number.
	major, minor, ok := strings.Cut(version.DefaultKubeBinaryVersion, ".")
	if !ok {
		return "", "", "", fmt.Errorf("k8s.io/component-base is not among the build's dependencies")
	}
	return major, minor, "0", nil
}

// shortCommit is the 7-character abbreviation `make` uses, or "unknown".
func shortCommit(c string) string {
	if len(c) > 7 {
		return c[:7]
	}
	return c
}

// BinaryID names the running binary's build: its Go build ID, which the
// go command derives from the build's inputs, so any change to the code
// (and so to the API types' schemas) changes it. Readers cache what the
// binary serves by it (the OpenAPI documents' hashes). When the ID cannot
// be read, the version and a process-unique suffix stand in: caches then
// last one process, which is still correct.
func BinaryID() string {
	binaryIDOnce.Do(func() {
		if id, err := goBuildID("/proc/self/exe"); err == nil && id != "" {
			binaryID = id
			return
		}
		binaryID = fmt.Sprintf("%s/%s/%d", version.Get().GitVersion, version.Get().BuildDate, time.Now().UnixNano())
	})
	return binaryID
}

var (
	binaryIDOnce sync.Once
	binaryID     string
)

// goBuildID reads the ELF note the go command writes into every binary it
// links (section .note.go.buildid: name "Go", type 4, the ID as the
// description), which stripping with -s -w keeps.
func goBuildID(exe string) (string, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return "", fmt.Errorf("%s: no .note.go.buildid section", exe)
	}
	note, err := sec.Data()
	if err != nil {
		return "", err
	}
	if len(note) < 16 {
		return "", fmt.Errorf("%s: short build ID note", exe)
	}
	nameSize, descSize := f.ByteOrder.Uint32(note), f.ByteOrder.Uint32(note[4:])
	desc := 12 + (int(nameSize)+3)&^3
	if nameSize != 4 || string(note[12:15]) != "Go\x00" || desc+int(descSize) > len(note) {
		return "", fmt.Errorf("%s: not a Go build ID note", exe)
	}
	return string(note[desc : desc+int(descSize)]), nil
}
