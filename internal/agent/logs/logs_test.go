package logs

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestWriteAndReadWithKubectlOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	clock := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	lf, err := Create(path, func() time.Time { clock = clock.Add(time.Second); return clock })
	if err != nil {
		t.Fatal(err)
	}
	w, _, wait, err := lf.Pipe("stdout")
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString("one\ntwo\nthree\nfour\n")
	w.Close()
	wait()
	lf.Close()

	read := func(o Options) string {
		var b bytes.Buffer
		if err := Write(context.Background(), &b, path, o, func() bool { return false }); err != nil && err != errLimit {
			t.Fatal(err)
		}
		return b.String()
	}
	if got := read(Options{}); got != "one\ntwo\nthree\nfour\n" {
		t.Errorf("plain: %q", got)
	}
	two := int64(2)
	if got := read(Options{TailLines: &two}); got != "three\nfour\n" {
		t.Errorf("tail 2: %q", got)
	}
	if got := read(Options{Since: time.Date(2026, 11, 22, 10, 0, 3, 0, time.UTC)}); got != "three\nfour\n" {
		t.Errorf("since: %q", got)
	}
	if got := read(Options{Timestamps: true, TailLines: &two}); got != "2026-11-22T10:00:03Z three\n2026-11-22T10:00:04Z four\n" {
		t.Errorf("timestamps: %q", got)
	}
	five := int64(5)
	if got := read(Options{LimitBytes: &five}); got != "one\nt" {
		t.Errorf("limitBytes: %q", got)
	}
}

func TestFollowSeesNewLinesUntilTheContainerStops(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	lf, _ := Create(path, time.Now)
	w, _, wait, _ := lf.Pipe("stdout")
	var out bytes.Buffer // read only after Write returns
	running := make(chan bool, 1)
	running <- true
	done := make(chan error)
	go func() {
		done <- Write(context.Background(), &out, path, Options{Follow: true}, func() bool {
			select {
			case r := <-running:
				running <- r
				return r
			default:
				return true
			}
		})
	}()
	w.WriteString("first\n")
	time.Sleep(300 * time.Millisecond)
	w.WriteString("second\n")
	w.Close()
	wait()
	<-running
	running <- false
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "first\nsecond\n" {
		t.Fatalf("followed %q", got)
	}
	if !strings.HasSuffix(out.String(), "\n") {
		t.Fatal("partial line")
	}
}

// TestPartialLastLineAndLast: output ending without a newline reads back
// without one (tag P), and Last keeps the last lines, then the last bytes.
func TestPartialLastLineAndLast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	lf, _ := Create(path, time.Now)
	w, _, wait, _ := lf.Pipe("stdout")
	w.WriteString("a\nbb\nccc\nDONE")
	w.Close()
	wait()
	lf.Close()
	var b bytes.Buffer
	if err := Write(context.Background(), &b, path, Options{}, func() bool { return false }); err != nil || b.String() != "a\nbb\nccc\nDONE" {
		t.Errorf("read back: %q %v", b.String(), err)
	}
	if got := Last(path, 2, 100); got != "ccc\nDONE" {
		t.Errorf("last 2 lines: %q", got)
	}
	if got := Last(path, 80, 6); got != "c\nDONE" {
		t.Errorf("last 6 bytes: %q", got)
	}
	if got := Last(filepath.Join(t.TempDir(), "none.log"), 80, 2048); got != "" {
		t.Errorf("missing log: %q", got)
	}
}

// TestPipeKeepOutlivesTheCopier: the read end Pipe returns for the shim is
// the caller's own descriptor, still open after the copier reached EOF and
// closed its end (the copier closing the very file handed to the shim was
// a data race, and left the caller a closed file).
func TestPipeKeepOutlivesTheCopier(t *testing.T) {
	lf, err := Create(filepath.Join(t.TempDir(), "0.log"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	w, keep, wait, err := lf.Pipe("stdout")
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	wait()
	var st unix.Stat_t
	if err := unix.Fstat(int(keep.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Errorf("the kept read end after the copier's EOF: fd %d, %v, mode %o; want an open pipe", int(keep.Fd()), err, st.Mode)
	}
	if err := keep.Close(); err != nil {
		t.Errorf("close the kept read end: %v", err)
	}
}
