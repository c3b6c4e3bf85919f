package logs

import (
	"bytes"
	"context"
)

// Last is the end of a run's output as the kubelet takes it for a
// terminationMessagePolicy FallbackToLogsOnError message: the last
// lines lines, and of those the last maxBytes bytes. "" when the log
// cannot be read.
func Last(path string, lines int64, maxBytes int) string {
	var b bytes.Buffer
	if err := Write(context.Background(), &b, path, Options{TailLines: &lines}, func() bool { return false }); err != nil {
		return ""
	}
	out := b.Bytes()
	if len(out) > maxBytes {
		out = out[len(out)-maxBytes:]
	}
	return string(out)
}
