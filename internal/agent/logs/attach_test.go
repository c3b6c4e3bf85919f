package logs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// TestAttachStreamsNewLinesByStream: what the log held before the tail
// was opened is not sent; each later line, also those written before
// Attach began to read (the output of input passed on meanwhile), goes to
// its stream's writer without the CRI prefix, a partial line without a
// newline, and lines written before the run is done are all sent.
func TestAttachStreamsNewLinesByStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	if err := os.WriteFile(path, []byte("2026-01-01T00:00:00.000000001Z stdout F before\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tail, err := OpenTail(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("2026-01-01T00:00:01Z stdout F one\n" +
		"2026-01-01T00:00:02Z stderr F oops\n" +
		"2026-01-01T00:00:03Z stdout P par\n" +
		"2026-01-01T00:00:04Z stdout F tial\n" +
		"2026-01-01T00:00:05Z stdout P prompt> \n")
	f.Close()
	var stdout, stderr bytes.Buffer
	var finished atomic.Bool
	finished.Store(true)
	if err := tail.Attach(context.Background(), &stdout, &stderr, finished.Load); err != nil {
		t.Fatal(err)
	}
	if got := stdout.String(); got != "one\npartial\nprompt> " {
		t.Errorf("stdout %q", got)
	}
	if got := stderr.String(); got != "oops\n" {
		t.Errorf("stderr %q", got)
	}
}
