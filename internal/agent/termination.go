package agent

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/agent/logs"
	"github.com/ordo-dev/ordo/internal/runtime"
)

// maxTerminationMessage is how much of the file the kubelet reads.
const maxTerminationMessage = 4096

// withTerminationLog adds the run's termination-message file to mounts, as
// the kubelet does: an empty host file, writable by any user, bound at the
// container's terminationMessagePath (/dev/termination-log by default, in
// the container's own /dev). What the program writes there becomes the
// message of its terminated state.
func (a *Agent) withTerminationLog(p *corev1.Pod, spec *corev1.Container, c *container, mounts []runtime.Mount) ([]runtime.Mount, error) {
	c.termLog = ""
	if spec.TerminationMessagePath == "" {
		return mounts, nil
	}
	path := filepath.Join(a.podDir(p), spec.Name, fmt.Sprintf("%d.termination-log", c.runs))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, nil, 0o666); err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o666); err != nil { // past the umask
		return nil, err
	}
	c.termLog = path
	return append(mounts, runtime.Mount{Source: path, Target: spec.TerminationMessagePath}), nil
}

// terminationMessage is the first 4 KiB of a run's termination-message
// file, "" when there is none.
func terminationMessage(path string) string {
	if path == "" {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxTerminationMessage))
	return string(b)
}

// The kubelet's bounds on a message taken from the log.
const (
	fallbackLogLines = 80
	fallbackLogBytes = 2048
)

// logFallback is where a failed run's message comes from under
// terminationMessagePolicy FallbackToLogsOnError; nil under File.
type logFallback struct {
	path    string
	drained <-chan struct{}
}

// fallbackFor is the run's log fallback, when its policy asks for one.
func fallbackFor(spec *corev1.Container, out *containerOutput) *logFallback {
	if spec == nil || out == nil || spec.TerminationMessagePolicy != corev1.TerminationMessageFallbackToLogsOnError {
		return nil
	}
	return &logFallback{path: out.path, drained: out.drained}
}

// drainWait bounds the wait for a run's output to reach its log: a
// child the container left behind may hold the pipe open.
const drainWait = 2 * time.Second

// message is the end of the run's log, for a run that failed with an
// empty termination-message file, as the kubelet does: the last 80 lines,
// at most 2 KiB. It waits (briefly) for the output to be in the file.
func (f *logFallback) message(code int) string {
	if f == nil || code == 0 {
		return ""
	}
	select {
	case <-f.drained:
	case <-time.After(drainWait):
	}
	return logs.Last(f.path, fallbackLogLines, fallbackLogBytes)
}
