package images

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Start is what a container runs, as its image would have it.
type Start struct {
	Argv []string
	// Env are the image's defaults; the container's own env overrides them.
	Env []string
	// WorkingDir is the image's, for a container that gives none.
	WorkingDir string
	// Files are mounted read-only into the container.
	Files []File
	// Copies are copied into the container's writable layer.
	Copies []File
	// Volumes are container paths that get an empty directory each.
	Volumes []string
}

// File is one host file at a path in the container.
type File struct{ Host, Container string }

// NoCommandError is a container that names no command and whose image
// has no entry: there is nothing to run.
type NoCommandError struct {
	Image   string
	Sources []string
}

func (e *NoCommandError) Error() string {
	return fmt.Sprintf("image %q is in no entry of the image table (%s) and the container gives no command: "+
		"give it a command, or add the image to a table (--image-table, or images.yaml in the data directory)",
		e.Image, strings.Join(e.Sources, ", "))
}

// Resolve is the container's start under Kubernetes' command/args rules
// (see the package doc). A nil table knows no image. The image's env,
// working directory, files and volumes stay whatever runs, as a runtime
// keeps an image's config when the pod replaces its command.
func (t *Table) Resolve(image string, command, args []string) (Start, error) {
	e := t.lookup(image)
	if err := t.missingFile(image, e); err != nil {
		return Start{}, err
	}
	var argv []string
	switch {
	case len(command) > 0:
		argv = concat(command, args)
	case e != nil && len(args) > 0:
		argv = concat(e.Entrypoint, args)
	case e != nil && len(e.Entrypoint)+len(e.Cmd) > 0:
		argv = concat(e.Entrypoint, e.Cmd)
	case len(args) > 0:
		argv = concat(nil, args)
	default:
		var sources []string
		if t != nil {
			sources = t.Sources
		}
		return Start{}, &NoCommandError{Image: image, Sources: sources}
	}
	start := Start{Argv: argv}
	if e != nil {
		start.Env, start.WorkingDir, start.Volumes = e.Env, e.WorkingDir, e.Volumes
		start.Files, start.Copies = t.files(e), t.copies(e)
	}
	return start, nil
}

func (t *Table) lookup(image string) *Entry {
	if t == nil {
		return nil
	}
	return t.Lookup(image)
}

// files are an entry's files on the host, in container-path order. They
// are mounted even when the container's command replaces the entrypoint:
// an image's files stay in it whatever runs.
func (t *Table) files(e *Entry) []File {
	if e == nil {
		return nil
	}
	return t.hostFiles(e.Files)
}

// copies are an entry's copies on the host, in container-path order.
func (t *Table) copies(e *Entry) []File {
	if e == nil {
		return nil
	}
	return t.hostFiles(e.Copies)
}

// hostFiles resolves "builtin:" sources to the installed files, and
// "ordo:kubectl" to the running ordo binary (kubectl when invoked as
// kubectl).
func (t *Table) hostFiles(m map[string]string) []File {
	var out []File
	for target, source := range m {
		if name, ok := strings.CutPrefix(source, "builtin:"); ok {
			source = filepath.Join(t.builtinDir, name)
		} else if source == "ordo:kubectl" && t.self != "" {
			source = t.self
		}
		out = append(out, File{Host: source, Container: target})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Container < out[j].Container })
	return out
}

// missingFile names a host file of the image's entry that is not there,
// so the start fails with what to install rather than a failed mount.
func (t *Table) missingFile(image string, e *Entry) error {
	for _, f := range append(t.files(e), t.copies(e)...) {
		if !exists(f.Host) {
			return fmt.Errorf("image %q runs the host file %s as %s, and the host has no %s: install it (for the e2e test images, hack/conformance.sh builds agnhost)",
				image, f.Host, f.Container, f.Host)
		}
	}
	return nil
}

func concat(a, b []string) []string { return append(append([]string{}, a...), b...) }
