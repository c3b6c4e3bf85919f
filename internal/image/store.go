// Package image is ordo's image store: a content-addressed store under
// <data-dir>/images that holds images' manifests and configs by digest and
// their layers unpacked once each, in overlayfs format, shared by every image
// and container that uses them. See README.md for the layout and the flows.
package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/singleflight"
	"golang.org/x/sys/unix"
)

// Defaults of Options.
const (
	// DefaultMaxLayerSize caps one layer's uncompressed tar stream: 16 GiB,
	// past any real image's layer and far below a gzip bomb's.
	DefaultMaxLayerSize int64 = 16 << 30
	// DefaultMaxLayerEntries caps one layer's tar entries (a full Debian
	// with build tools has ~100,000 files).
	DefaultMaxLayerEntries = 1 << 20
)

var (
	// ErrNotFound: no image answers to the reference.
	ErrNotFound = errors.New("image not found")
	// ErrInUse: a lease holds the image, so it stays.
	ErrInUse = errors.New("image is in use")
)

// Image is one image of the store, as the runtime and the agent need it.
type Image struct {
	ID          string    // config digest "sha256:…" (Kubernetes' imageID is Digest, below)
	Digest      string    // manifest digest "sha256:…"
	Names       []string  // normalized tagged references naming it, e.g. "docker.io/library/redis:7"
	RepoDigests []string  // "docker.io/library/redis@sha256:…"
	Config      v1.Config // Entrypoint, Cmd, Env, WorkingDir, User, Volumes…
	Layers      []string  // absolute directories of the unpacked layers, base first, in overlayfs format
	Size        int64     // bytes of the unpacked layers
	LastUsed    time.Time // when a lease last took it (Hold), else when it was added
}

// Options tune a Store; the zero value is the defaults.
type Options struct {
	// MaxLayerSize caps a layer's uncompressed size (DefaultMaxLayerSize).
	MaxLayerSize int64
	// MaxLayerEntries caps a layer's tar entries (DefaultMaxLayerEntries).
	MaxLayerEntries int
	// Now is the clock of LastUsed; time.Now when nil.
	Now func() time.Time
	// DiskUsage reports the bytes used and the capacity of the file system
	// holding dir, for GC; statfs(2) when nil.
	DiskUsage func(dir string) (used, capacity int64, err error)
}

// Store is an image store. Its methods are safe for concurrent use, within
// a process and across processes sharing the directory (`ordo images` next
// to a running server).
type Store struct {
	dir  string
	opts Options

	mu     sync.Mutex         // orders index rewrites within the process
	gcMu   sync.RWMutex       // Adds share it; removing layers takes it alone
	flight singleflight.Group // one unpacking per layer within the process
}

// Open opens (creating it if needed) the store in dir, <data-dir>/images.
func Open(dir string, o Options) (*Store, error) {
	if o.MaxLayerSize <= 0 {
		o.MaxLayerSize = DefaultMaxLayerSize
	}
	if o.MaxLayerEntries <= 0 {
		o.MaxLayerEntries = DefaultMaxLayerEntries
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.DiskUsage == nil {
		o.DiskUsage = statfsUsage
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: abs, opts: o}
	for _, d := range []string{s.blobDir(), s.layersDir(), s.locksDir(), s.leasesDir(), s.ImportDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("creating the image store: %w", err)
		}
	}
	return s, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// ImportDir is where tarballs dropped in are imported (see WatchImports).
func (s *Store) ImportDir() string { return filepath.Join(s.dir, "import") }

func (s *Store) blobDir() string   { return filepath.Join(s.dir, "blobs", "sha256") }
func (s *Store) layersDir() string { return filepath.Join(s.dir, "layers") }
func (s *Store) locksDir() string  { return filepath.Join(s.dir, "locks") }
func (s *Store) leasesDir() string { return filepath.Join(s.dir, "leases") }
func (s *Store) indexPath() string { return filepath.Join(s.dir, "index.json") }

// layerDir is where the layer with this diffID is unpacked.
//
// The directory's name is the diffID's 64 hex digits, so the runtime should
// build the overlay's lowerdir from names relative to the layers directory
// (chdir there, or use the new mount API with that directory's fd):
// "lowerdir=<top>:…:<base>" then costs 65 bytes per layer, and ~55 layers
// fit in the one page the kernel takes for mount options, next to absolute
// upperdir and workdir paths. Absolute names (~100 bytes each) would fit
// only ~35.
func (s *Store) layerDir(diffID v1.Hash) string {
	return filepath.Join(s.layersDir(), diffID.Hex)
}

// record is what the index keeps of one image, by manifest digest.
type record struct {
	ID       string    `json:"id"`              // config digest
	Names    []string  `json:"names,omitempty"` // normalized references, tags and digests
	Layers   []string  `json:"layers"`          // diffIDs, base first
	Added    time.Time `json:"added"`
	LastUsed time.Time `json:"lastUsed"`
}

// index is <data-dir>/images/index.json: the names of the images and what
// each is made of. It is small and rewritten whole, atomically, under an
// flock on index.lock.
type index struct {
	Images     map[string]*record `json:"images"`     // by manifest digest
	LayerSizes map[string]int64   `json:"layerSizes"` // unpacked bytes by diffID
}

// readIndex reads the index; readers need no lock since writers rename.
func (s *Store) readIndex() (*index, error) {
	ix := &index{Images: map[string]*record{}, LayerSizes: map[string]int64{}}
	data, err := os.ReadFile(s.indexPath())
	if errors.Is(err, os.ErrNotExist) {
		return ix, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, ix); err != nil {
		return nil, fmt.Errorf("reading the image index %s: %w", s.indexPath(), err)
	}
	if ix.Images == nil {
		ix.Images = map[string]*record{}
	}
	if ix.LayerSizes == nil {
		ix.LayerSizes = map[string]int64{}
	}
	return ix, nil
}

// updateIndex runs fn on the current index under the store's locks and
// writes the result back if fn succeeds.
//
// fn returns errIndexUnchanged to leave the index as it was (no write).
func (s *Store) updateIndex(fn func(*index) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := lockFile(filepath.Join(s.dir, "index.lock"), unix.LOCK_EX)
	if err != nil {
		return err
	}
	defer l.unlock()
	ix, err := s.readIndex()
	if err != nil {
		return err
	}
	if err := fn(ix); errors.Is(err, errIndexUnchanged) {
		return nil
	} else if err != nil {
		return err
	}
	data, err := json.MarshalIndent(ix, "", " ")
	if err != nil {
		return err
	}
	return writeFileAtomic(s.indexPath(), data)
}

// lockLayers keeps layers from being removed while an Add is under way
// (shared), or excludes Adds while unused layers are removed (exclusive),
// within the process and across processes.
func (s *Store) lockLayers(how int) (func(), error) {
	if how == unix.LOCK_SH {
		s.gcMu.RLock()
	} else {
		s.gcMu.Lock()
	}
	l, err := lockFile(filepath.Join(s.dir, "layers.lock"), how)
	unlockMu := func() {
		if how == unix.LOCK_SH {
			s.gcMu.RUnlock()
		} else {
			s.gcMu.Unlock()
		}
	}
	if err != nil {
		unlockMu()
		return nil, err
	}
	return func() { l.unlock(); unlockMu() }, nil
}

// statfsUsage is the default DiskUsage.
func statfsUsage(dir string) (used, capacity int64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, &os.PathError{Op: "statfs", Path: dir, Err: err}
	}
	capacity = int64(st.Blocks) * st.Bsize
	return capacity - int64(st.Bfree)*st.Bsize, capacity, nil
}
