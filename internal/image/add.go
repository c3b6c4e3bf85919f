package image

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"
	"k8s.io/klog/v2"
)

// Add stores img under names (normalized here; tags move from whichever
// image had them) and returns it.
//
// Each layer not yet present is streamed once: its compressed blob is
// hashed (checked against the layer's digest) while it is decompressed,
// the uncompressed stream is hashed (checked against the config's diffID)
// while it is unpacked into a temporary directory under layers/, and the
// directory is renamed into place only when both match. Layers already
// present are skipped, so Add resumes layer by layer: an interrupted Add
// (a lost connection, a crash, a refused layer) leaves the layers it
// finished in place and the next Add of the same or another image skips
// them. Concurrent Adds unpack a shared layer once: within a process they
// wait on one unpacking (singleflight), across processes on an flock per
// layer. The manifest and config blobs are written last, then the index.
func (s *Store) Add(ctx context.Context, img v1.Image, names ...string) (*Image, error) {
	norm := make([]string, 0, len(names))
	for _, n := range names {
		nn, err := Normalize(n)
		if err != nil {
			return nil, err
		}
		norm = append(norm, nn)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("image %s: manifest: %w", imageLabel(names, ""), err)
	}
	label := imageLabel(norm, digest.String())
	rawManifest, err := img.RawManifest()
	if err != nil {
		return nil, fmt.Errorf("image %s: manifest: %w", label, err)
	}
	rawConfig, err := img.RawConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image %s: config: %w", label, err)
	}
	configName, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("image %s: config: %w", label, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image %s: config: %w", label, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("image %s: layers: %w", label, err)
	}
	if len(layers) != len(cf.RootFS.DiffIDs) {
		return nil, fmt.Errorf("image %s: the manifest has %d layers, the config %d diffIDs", label, len(layers), len(cf.RootFS.DiffIDs))
	}

	unlock, err := s.lockLayers(unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unlock()
	sizes := map[string]int64{}
	diffIDs := make([]string, len(layers))
	for i, l := range layers {
		diffID := cf.RootFS.DiffIDs[i]
		size, err := s.ensureLayer(ctx, label, l, diffID)
		if err != nil {
			return nil, err
		}
		sizes[diffID.String()] = size
		diffIDs[i] = diffID.String()
	}
	if err := s.writeBlob(digest, rawManifest); err != nil {
		return nil, fmt.Errorf("image %s: manifest: %w", label, err)
	}
	if err := s.writeBlob(configName, rawConfig); err != nil {
		return nil, fmt.Errorf("image %s: config: %w", label, err)
	}
	now := s.opts.Now()
	err = s.updateIndex(func(ix *index) error {
		for d, n := range sizes {
			ix.LayerSizes[d] = n
		}
		for d, r := range ix.Images {
			if d != digest.String() {
				r.Names = slices.DeleteFunc(r.Names, func(n string) bool { return slices.Contains(norm, n) })
			}
		}
		r := ix.Images[digest.String()]
		if r == nil {
			r = &record{ID: configName.String(), Layers: diffIDs, Added: now, LastUsed: now}
			ix.Images[digest.String()] = r
		}
		for _, n := range norm {
			if !slices.Contains(r.Names, n) {
				r.Names = append(r.Names, n)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	klog.FromContext(ctx).V(2).Info("Stored image", "image", label, "digest", digest, "layers", len(layers))
	return s.Lookup(digest.String())
}

// imageLabel names an image in errors and logs: its first name, else its
// digest.
func imageLabel(names []string, digest string) string {
	if len(names) > 0 {
		return names[0]
	}
	return digest
}

// writeBlob stores a manifest or config after checking it against its
// digest.
func (s *Store) writeBlob(digest v1.Hash, data []byte) error {
	if digest.Algorithm != "sha256" {
		return fmt.Errorf("unsupported digest algorithm %q", digest.Algorithm)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != digest.Hex {
		return fmt.Errorf("blob does not match its digest %s", digest)
	}
	p := filepath.Join(s.blobDir(), digest.Hex)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	return writeFileAtomic(p, data)
}

// ensureLayer makes sure the layer is unpacked and returns its size.
func (s *Store) ensureLayer(ctx context.Context, label string, l v1.Layer, diffID v1.Hash) (int64, error) {
	for {
		v, err, shared := s.flight.Do(diffID.String(), func() (any, error) {
			return s.unpackLayer(ctx, label, l, diffID)
		})
		// Another Add's cancellation is not ours: try again.
		if err != nil && shared && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			continue
		}
		if err != nil {
			return 0, err
		}
		return v.(int64), nil
	}
}

// unpackLayer unpacks the layer unless another process did while this one
// waited for the layer's lock.
func (s *Store) unpackLayer(ctx context.Context, label string, l v1.Layer, diffID v1.Hash) (int64, error) {
	if diffID.Algorithm != "sha256" {
		return 0, fmt.Errorf("image %s: layer %s: unsupported diffID %s", label, diffID, diffID)
	}
	dst := s.layerDir(diffID)
	if size, ok := s.presentLayer(dst, diffID); ok {
		return size, nil
	}
	lk, err := lockFile(filepath.Join(s.locksDir(), diffID.Hex+".lock"), unix.LOCK_EX)
	if err != nil {
		return 0, err
	}
	defer lk.unlock()
	if size, ok := s.presentLayer(dst, diffID); ok {
		return size, nil
	}
	digest, err := l.Digest()
	if err != nil {
		return 0, fmt.Errorf("image %s: layer %s: %w", label, diffID, err)
	}
	tmp, err := os.MkdirTemp(s.layersDir(), ".tmp-"+diffID.Hex[:12]+"-")
	if err != nil {
		return 0, err
	}
	// A layer's root is the image's / unless its tar says otherwise.
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.Remove(tmp)
		return 0, err
	}
	size, err := s.fetchLayer(ctx, l, digest, diffID, tmp)
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err == nil {
		err = syncDir(s.layersDir())
	}
	if err != nil {
		if rerr := os.RemoveAll(tmp); rerr != nil {
			klog.FromContext(ctx).Error(rerr, "Removing a refused layer", "dir", tmp)
		}
		return 0, fmt.Errorf("image %s: layer %s: %w", label, digest, err)
	}
	klog.FromContext(ctx).V(2).Info("Unpacked layer", "image", label, "layer", digest, "diffID", diffID, "size", size)
	return size, nil
}

// presentLayer reports whether the layer is unpacked, with its size.
func (s *Store) presentLayer(dst string, diffID v1.Hash) (int64, bool) {
	if _, err := os.Lstat(dst); err != nil {
		return 0, false
	}
	if ix, err := s.readIndex(); err == nil {
		if n, ok := ix.LayerSizes[diffID.String()]; ok {
			return n, true
		}
	}
	return dirSize(dst), true
}

// dirSize adds up the sizes of the regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// hashingReader hashes what is read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	return n, err
}

// fetchLayer streams the layer's compressed blob once into dir, checking
// both digests, and returns the bytes of file content written.
func (s *Store) fetchLayer(ctx context.Context, l v1.Layer, digest, diffID v1.Hash, dir string) (int64, error) {
	rc, err := l.Compressed()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	compressed := &hashingReader{r: rc, h: sha256.New()}
	br := bufio.NewReaderSize(compressed, 1<<20)
	dec, err := decompress(br)
	if err != nil {
		return 0, err
	}
	defer dec.Close()
	uncompressed := &hashingReader{r: dec, h: sha256.New()}
	lim := unpackLimits{MaxBytes: s.opts.MaxLayerSize, MaxEntries: s.opts.MaxLayerEntries}
	size, err := unpack(ctx, uncompressed, dir, lim)
	if err != nil {
		return 0, err
	}
	// The tar stream's end-of-archive padding, and whatever trails the
	// compressed stream, are part of the digests.
	if _, err := io.Copy(io.Discard, &limitReader{r: uncompressed, max: s.opts.MaxLayerSize}); err != nil {
		return 0, err
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return 0, err
	}
	if got := hex.EncodeToString(compressed.h.Sum(nil)); got != digest.Hex {
		return 0, fmt.Errorf("content does not match the digest (got sha256:%s)", got)
	}
	if got := hex.EncodeToString(uncompressed.h.Sum(nil)); got != diffID.Hex {
		return 0, fmt.Errorf("uncompressed content does not match the diffID %s (got sha256:%s)", diffID, got)
	}
	return size, nil
}

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// compressionOf tells the compression of a stream by its magic number:
// "gzip", "zstd", or "" for none. For a well-formed image this is what the
// layer's media type says, and it is right for the others too.
func compressionOf(br *bufio.Reader) (string, error) {
	magic, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		return "gzip", nil
	case bytes.HasPrefix(magic, zstdMagic):
		return "zstd", nil
	}
	return "", nil
}

// decompress decompresses br according to compressionOf.
func decompress(br *bufio.Reader) (io.ReadCloser, error) {
	kind, err := compressionOf(br)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "gzip":
		return gzip.NewReader(br)
	case "zstd":
		d, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(128<<20))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return io.NopCloser(br), nil
}
