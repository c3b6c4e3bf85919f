package logs

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"time"
)

// Tail is a container's log opened at its end: an attach session reads
// what the container writes from then on. The session opens it before it
// passes on any input, so output the input causes cannot fall before the
// point it reads from.
type Tail struct{ f *os.File }

// OpenTail opens the log at path at its current end.
func OpenTail(path string) (*Tail, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, err
	}
	return &Tail{f: f}, nil
}

// Close releases the log; Attach closes it too.
func (t *Tail) Close() error { return t.f.Close() }

// Attach streams what a running container prints from the tail's start,
// as kubectl attach shows it: each line of the log, without the CRI
// prefix, to stdout or stderr by its stream (nil drops that stream). A
// partial line (tag P) is written as it is, with no newline. It returns
// once done() is true and the file is drained (the run has ended and all
// of its output is in the log), ctx ends, or a write fails (the client
// has gone).
func (t *Tail) Attach(ctx context.Context, stdout, stderr io.Writer, done func() bool) error {
	defer t.f.Close()
	r := bufio.NewReader(t.f)
	var line []byte
	last := false // done: one more pass reads what was written before
	for {
		chunk, err := r.ReadBytes('\n')
		line = append(line, chunk...)
		if err == nil {
			if werr := writeStream(line, stdout, stderr); werr != nil {
				return werr
			}
			line = line[:0]
			continue
		}
		if last {
			return nil
		}
		if done() {
			last = true
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// writeStream writes one CRI line's text to the writer of its stream.
func writeStream(line []byte, stdout, stderr io.Writer) error {
	e, ok := parse(bytes.TrimSuffix(line, []byte("\n")))
	if !ok {
		return nil
	}
	w := stdout
	if e.stream == "stderr" {
		w = stderr
	}
	if w == nil {
		return nil
	}
	_, err := w.Write(e.format(false))
	return err
}
