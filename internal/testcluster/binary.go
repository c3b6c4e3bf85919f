// Package testcluster runs real `ordo server` processes for end-to-end tests
// and benchmarks: it builds the binary once, starts servers on free loopback
// ports in temporary data directories, runs the embedded kubectl against
// them, and can kill -9 and restart them. Every process it starts is killed
// and waited for on cleanup.
package testcluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// BinaryEnv names a prebuilt ordo binary to use instead of building one.
const BinaryEnv = "ORDO_BIN"

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary returns the path of an ordo binary: $ORDO_BIN if set, otherwise one
// built (once per process) from this module with the release ldflags.
func Binary() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		return filepath.Abs(p)
	}
	buildOnce.Do(func() { buildPath, buildErr = build() })
	return buildPath, buildErr
}

func build() (string, error) {
	dir, err := os.MkdirTemp("", "ordo-bin-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "ordo")
	return out, BuildAs(out, "")
}

// BuildAs builds ordo to out with the release ldflags, stamped as commit
// when that is not empty: another binary than Binary's, as an upgrade
// brings.
func BuildAs(out, commit string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	args := []string{"-s", "--no-print-directory", out, "BIN=" + out}
	if commit != "" {
		args = append(args, "GIT_COMMIT="+commit)
	}
	cmd := exec.Command("make", args...)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build ordo: %v\n%s", err, msg)
	}
	return nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the ordo module")
	}
	return filepath.Dir(mod), nil
}

// RemoveBuilt deletes the binary Binary built, if it built one; a test
// package's TestMain calls it so a run without $ORDO_BIN leaves nothing in
// the temporary directory.
func RemoveBuilt() {
	if buildPath != "" {
		_ = os.RemoveAll(filepath.Dir(buildPath))
	}
}
