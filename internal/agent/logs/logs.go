// Package logs writes container output in the CRI log format the kubelet
// uses, one file per container run, and reads it back with kubectl logs'
// options (follow, tail, since, timestamps, limitBytes).
//
// A line on disk is "<RFC3339Nano time> <stdout|stderr> F <text>": the time
// lets --timestamps and --since work after the fact; F marks a full line,
// P the output's last bytes when they end without a newline (printed back
// without one, as the kubelet does: `echo -n DONE` logs "DONE"), or a part
// of a line over 16 KiB that goes on in the next.
//
// A container's log is written by its pod's shim (package runtime); the
// writer here serves warm runs and pods whose shim is older than that
// (protocol 1), whose pipes the agent copies.
package logs

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// File is one run's log file, shared by the stdout and stderr writers.
type File struct {
	mu  sync.Mutex
	f   *os.File
	now func() time.Time
}

// Create opens (appending) the log file at path.
func Create(path string, now func() time.Time) (*File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &File{f: f, now: now}, nil
}

// Pipe returns a writer for one stream ("stdout" or "stderr") to hand to the
// container process, a read end of the pipe for the pod's shim to hold (so
// the pipe outlives the agent: see Adopt), and a function that waits until
// everything written to it is in the file. The copier ends when every
// holder of the write end is gone. The pipe holds up to PipeBuffer bytes
// the agent has not read; a container that writes more while no agent
// reads waits.
//
// The read end returned is a duplicate the caller owns and closes once the
// shim has its copy: the copier closes its own at EOF, and handing the
// shim that same *os.File raced with that close (go build -race: the
// copier's Close against the runtime's Fd()).
func (lf *File) Pipe(stream string) (w, keep *os.File, wait func(), err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, err
	}
	_, _ = unix.FcntlInt(w.Fd(), unix.F_SETPIPE_SZ, PipeBuffer)
	if keep, err = dup(r); err != nil {
		r.Close()
		w.Close()
		return nil, nil, nil, err
	}
	return w, keep, lf.Adopt(stream, r), nil
}

// dup is a second descriptor (close-on-exec) for f's open file.
func dup(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	nfd := -1
	var dupErr error
	if err := rc.Control(func(fd uintptr) { nfd, dupErr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, dupErr
	}
	return os.NewFile(uintptr(nfd), f.Name()), nil
}

// PipeBuffer is the size each output pipe is given: what a container can
// write while no agent reads it (the agent restarting) before it blocks.
// Linux caps it at /proc/sys/fs/pipe-max-size (1 MiB by default).
const PipeBuffer = 1 << 20

// Adopt copies the lines of a pipe's read end into the file, for a pipe an
// earlier agent opened and the pod's shim kept. The returned function
// waits until the pipe is drained.
func (lf *File) Adopt(stream string, r *os.File) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer r.Close()
		lf.copyLines(stream, r)
	}()
	return func() { <-done }
}

// copyLines timestamps each line read from r.
func (lf *File) copyLines(stream string, r io.Reader) {
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			text, full := bytes.CutSuffix(line, []byte("\n"))
			lf.writeLine(stream, text, full)
		}
		if err != nil {
			return
		}
	}
}

func (lf *File) writeLine(stream string, text []byte, full bool) {
	var b bytes.Buffer
	b.WriteString(lf.now().UTC().Format(time.RFC3339Nano))
	b.WriteByte(' ')
	b.WriteString(stream)
	if full {
		b.WriteString(" F ")
	} else {
		b.WriteString(" P ")
	}
	b.Write(text)
	b.WriteByte('\n')
	lf.mu.Lock()
	defer lf.mu.Unlock()
	_, _ = lf.f.Write(b.Bytes())
}

// Close closes the file; call it after the copiers are done.
func (lf *File) Close() error { return lf.f.Close() }
