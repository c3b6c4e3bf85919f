package logs

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"time"
)

// Options are kubectl logs' options, as in corev1.PodLogOptions.
type Options struct {
	Follow     bool
	Timestamps bool
	TailLines  *int64
	Since      time.Time // zero: from the start
	LimitBytes *int64
}

// entry is one parsed log line.
type entry struct {
	at      time.Time
	stream  string // stdout or stderr
	text    []byte
	partial bool // tag P: no newline after text
}

// parse reads one CRI line; ok is false for a malformed one.
func parse(line []byte) (entry, bool) {
	fields := bytes.SplitN(line, []byte(" "), 4)
	if len(fields) < 3 {
		return entry{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, string(fields[0]))
	if err != nil {
		return entry{}, false
	}
	e := entry{at: at, stream: string(fields[1]), partial: string(fields[2]) == "P"}
	if len(fields) == 4 {
		e.text = fields[3]
	}
	return e, true
}

// format renders an entry as kubectl prints it.
func (e entry) format(timestamps bool) []byte {
	var b bytes.Buffer
	if timestamps {
		b.WriteString(e.at.UTC().Format(time.RFC3339Nano))
		b.WriteByte(' ')
	}
	b.Write(e.text)
	if !e.partial {
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Write copies the log at path to w with opts. With Follow it keeps
// reading new lines until running() is false and the file is drained, or ctx
// ends.
func Write(ctx context.Context, w io.Writer, path string, opts Options, running func() bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	out := &limitWriter{w: w, left: opts.LimitBytes}
	r := bufio.NewReader(f)
	if err := writeExisting(r, out, opts); err != nil || !opts.Follow {
		return err
	}
	return follow(ctx, r, out, opts, running)
}

// writeExisting writes what the file holds now, honouring since and tail.
func writeExisting(r *bufio.Reader, out *limitWriter, opts Options) error {
	var kept []entry
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			if e, ok := parse(bytes.TrimSuffix(line, []byte("\n"))); ok && !e.at.Before(opts.Since) {
				kept = append(kept, e)
				if opts.TailLines != nil && int64(len(kept)) > *opts.TailLines {
					kept = kept[1:]
				}
			}
		}
		if err != nil {
			break
		}
	}
	for _, e := range kept {
		if err := out.write(e.format(opts.Timestamps)); err != nil {
			return err
		}
	}
	return nil
}

// follow polls for new lines; a partial line waits for its newline.
func follow(ctx context.Context, r *bufio.Reader, out *limitWriter, opts Options, running func() bool) error {
	var partial []byte
	for {
		line, err := r.ReadBytes('\n')
		partial = append(partial, line...)
		if err == nil {
			if e, ok := parse(bytes.TrimSuffix(partial, []byte("\n"))); ok {
				if werr := out.write(e.format(opts.Timestamps)); werr != nil {
					return werr
				}
			}
			partial = partial[:0]
			continue
		}
		if !running() {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// limitWriter stops after limitBytes, as the kubelet does.
type limitWriter struct {
	w    io.Writer
	left *int64
}

var errLimit = io.EOF

func (l *limitWriter) write(b []byte) error {
	if l.left != nil {
		if *l.left <= 0 {
			return errLimit
		}
		if int64(len(b)) > *l.left {
			b = b[:*l.left]
		}
		*l.left -= int64(len(b))
	}
	_, err := l.w.Write(b)
	if f, ok := l.w.(interface{ Flush() }); ok {
		f.Flush()
	}
	return err
}
