package images

import (
	"embed"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

//go:embed builtin.yaml entrypoints/*
var builtin embed.FS

// Entry is what one image (or family of images) runs.
type Entry struct {
	// Match are globs on the image's repository (see Repository).
	Match      []string `json:"match"`
	Entrypoint []string `json:"entrypoint,omitempty"`
	Cmd        []string `json:"cmd,omitempty"`
	// Env are the image's KEY=VALUE defaults; the container's env wins.
	Env []string `json:"env,omitempty"`
	// WorkingDir is the image's WORKDIR, where the container starts
	// unless it gives a workingDir of its own (redis's /data, where it
	// saves its dump).
	WorkingDir string `json:"workingDir,omitempty"`
	// Files maps a path in the container to "builtin:NAME" or a host file.
	Files map[string]string `json:"files,omitempty"`
	// Copies are as Files, but copied into the container's writable
	// layer at each start instead of mounted: files of the image that a
	// program moves or rewrites (agnhost's /localhost.crt, which the
	// StatefulSet conformance tests move away to fail a probe).
	Copies map[string]string `json:"copies,omitempty"`
	// Volumes are the image's VOLUME paths: each gets an empty directory
	// of the container's own, as a runtime gives an image's volumes, so
	// the container never starts on the host's files there (the host's
	// own /var/lib/mysql, say). A pod volume mounted there wins.
	Volumes []string `json:"volumes,omitempty"`
}

// Table is a list of entries, the first match winning.
type Table struct {
	Entries []Entry
	// Sources names where the entries came from, for error messages.
	Sources []string
	// builtinDir is where the shipped scripts were written (Install).
	builtinDir string
	// self is the running ordo binary, where "ordo:kubectl" files point.
	self string
}

// Builtin is the built-in table alone.
func Builtin() (*Table, error) {
	data, err := builtin.ReadFile("builtin.yaml")
	if err != nil {
		return nil, err
	}
	entries, err := parse(data, "built-in")
	if err != nil {
		return nil, err
	}
	return &Table{Entries: entries, Sources: []string{"the built-in image table"}}, nil
}

// Load is the user's table, if any, before the built-in one. file is the
// --image-table flag; without it <dataDir>/images.yaml is read when it
// exists. The shipped scripts are written under <dataDir>/images.
func Load(file, dataDir string) (*Table, error) {
	t, err := Builtin()
	if err != nil {
		return nil, err
	}
	if file == "" {
		if candidate := filepath.Join(dataDir, "images.yaml"); exists(candidate) {
			file = candidate
		}
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("image table: %w", err)
		}
		user, err := parse(data, file)
		if err != nil {
			return nil, err
		}
		t.Entries = append(user, t.Entries...)
		t.Sources = append([]string{file}, t.Sources...)
	}
	return t, t.install(filepath.Join(dataDir, "images"))
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// parse reads a table file and checks each entry, naming the file and
// the entry in an error.
func parse(data []byte, source string) ([]Entry, error) {
	var entries []Entry
	if err := yaml.UnmarshalStrict(data, &entries); err != nil {
		return nil, fmt.Errorf("image table %s: %w", source, err)
	}
	for i, e := range entries {
		if len(e.Match) == 0 {
			return nil, fmt.Errorf("image table %s: entry %d: match is empty", source, i)
		}
		for _, m := range e.Match {
			if _, err := path.Match(m, ""); err != nil {
				return nil, fmt.Errorf("image table %s: entry %d: pattern %q: %w", source, i, m, err)
			}
		}
		for target := range e.Files {
			if !path.IsAbs(target) {
				return nil, fmt.Errorf("image table %s: entry %d: file %q is not an absolute container path", source, i, target)
			}
		}
		for target := range e.Copies {
			if !path.IsAbs(target) {
				return nil, fmt.Errorf("image table %s: entry %d: copy %q is not an absolute container path", source, i, target)
			}
		}
		if e.WorkingDir != "" && !path.IsAbs(e.WorkingDir) {
			return nil, fmt.Errorf("image table %s: entry %d: workingDir %q is not an absolute container path", source, i, e.WorkingDir)
		}
		for _, v := range e.Volumes {
			if !path.IsAbs(v) {
				return nil, fmt.Errorf("image table %s: entry %d: volume %q is not an absolute container path", source, i, v)
			}
		}
		for _, kv := range e.Env {
			if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
				return nil, fmt.Errorf("image table %s: entry %d: env %q is not KEY=VALUE", source, i, kv)
			}
		}
	}
	return entries, nil
}

// install writes the shipped scripts into dir, where "builtin:" files
// point.
func (t *Table) install(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	scripts, err := builtin.ReadDir("entrypoints")
	if err != nil {
		return err
	}
	for _, s := range scripts {
		data, err := builtin.ReadFile("entrypoints/" + s.Name())
		if err != nil {
			return err
		}
		if err := writeIfChanged(filepath.Join(dir, s.Name()), data); err != nil {
			return err
		}
	}
	t.builtinDir = dir
	// ordo invoked as kubectl is kubectl: kubectl images get it.
	if self, err := os.Executable(); err == nil {
		t.self = self
	}
	return nil
}

// writeIfChanged replaces a file through a rename, so a container that
// has it mounted keeps the version it started with.
func writeIfChanged(p string, data []byte) error {
	if old, err := os.ReadFile(p); err == nil && string(old) == string(data) {
		return nil
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// Repository is an image reference without its registry, "library/",
// tag and digest: "docker.io/library/postgres:11.6-alpine" → "postgres",
// "registry.k8s.io/e2e-test-images/agnhost:2.39" → "e2e-test-images/agnhost".
func Repository(image string) string {
	name, _, _ := strings.Cut(image, "@")
	if slash := strings.LastIndex(name, "/"); strings.LastIndex(name, ":") > slash {
		name = name[:strings.LastIndex(name, ":")]
	}
	if first, rest, ok := strings.Cut(name, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		name = rest
	}
	return strings.TrimPrefix(name, "library/")
}

// Lookup is the first entry matching image, or nil.
func (t *Table) Lookup(image string) *Entry {
	repo := Repository(image)
	for i := range t.Entries {
		for _, m := range t.Entries[i].Match {
			if ok, _ := path.Match(m, repo); ok {
				return &t.Entries[i]
			}
		}
	}
	return nil
}
