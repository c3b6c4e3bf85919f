package imagetest

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sort"
	"time"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// FileType is the kind of a layer entry.
type FileType int

const (
	Regular FileType = iota
	Directory
	SymlinkType
	HardlinkType
	CharDevice
	BlockDevice
	FIFO
)

// File is one entry of a layer. The zero value is an empty regular file,
// mode 0644, owned by root: which is also an OCI whiteout when its name is
// ".wh.NAME" (see Whiteout and OpaqueMarker).
type File struct {
	Type     FileType
	Contents []byte
	Mode     int64  // permission and setuid/setgid/sticky bits (0o4755); 0: 0644 (0755 for directories)
	UID, GID int    // owner
	Linkname string // target of a symlink or hard link
	Xattrs   map[string]string
	Major    int64 // device numbers, for device nodes
	Minor    int64
}

// OpaqueMarker is the entry name that makes its directory opaque in a layer:
// "dir/" + OpaqueMarker hides everything lower layers put in dir.
const OpaqueMarker = ".wh..wh..opq"

// Text is a regular file with the given contents and mode.
func Text(contents string, mode int64) File {
	return File{Contents: []byte(contents), Mode: mode}
}

// Dir is a directory with the given mode.
func Dir(mode int64) File { return File{Type: Directory, Mode: mode} }

// Symlink is a symbolic link to target.
func Symlink(target string) File { return File{Type: SymlinkType, Linkname: target, Mode: 0o777} }

// Hardlink is a hard link to another entry of the layer (a path without a
// leading slash, written earlier in the layer).
func Hardlink(target string) File { return File{Type: HardlinkType, Linkname: target} }

// Whiteout is the entry that deletes a lower layer's file: put it at
// "dir/.wh.NAME" to delete dir/NAME.
func Whiteout() File { return File{} }

// epoch is the modification time of every entry, so that the same files
// always make the same layer digest.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Tar writes files as an uncompressed tar, in path order (so a directory
// comes before what it holds). Names are used as given: a test may write
// "../escape" or "/abs" to build a hostile layer.
func Tar(files map[string]File) ([]byte, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		f := files[n]
		hdr, err := header(n, f)
		if err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Contents); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func header(n string, f File) (*tar.Header, error) {
	hdr := &tar.Header{Name: n, Mode: f.Mode, Uid: f.UID, Gid: f.GID, ModTime: epoch, Format: tar.FormatPAX}
	switch f.Type {
	case Regular:
		hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(f.Contents))
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
		}
	case Directory:
		hdr.Typeflag = tar.TypeDir
		if hdr.Mode == 0 {
			hdr.Mode = 0o755
		}
	case SymlinkType:
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, f.Linkname
	case HardlinkType:
		hdr.Typeflag, hdr.Linkname = tar.TypeLink, f.Linkname
	case CharDevice, BlockDevice, FIFO:
		hdr.Typeflag = map[FileType]byte{CharDevice: tar.TypeChar, BlockDevice: tar.TypeBlock, FIFO: tar.TypeFifo}[f.Type]
		hdr.Devmajor, hdr.Devminor = f.Major, f.Minor
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
		}
	default:
		return nil, fmt.Errorf("%s: unknown file type %d", n, f.Type)
	}
	if len(f.Xattrs) > 0 {
		hdr.PAXRecords = map[string]string{}
		for k, v := range f.Xattrs {
			hdr.PAXRecords["SCHILY.xattr."+k] = v
		}
	}
	return hdr, nil
}

// LayerOptions choose a layer's compression.
type LayerOptions struct {
	// Zstd compresses with zstd (media type application/vnd.oci.image.layer.v1.tar+zstd)
	// instead of gzip.
	Zstd bool
}

// Layer makes a gzip layer of files.
func Layer(files map[string]File) (v1.Layer, error) {
	return LayerWith(files, LayerOptions{})
}

// LayerWith makes a layer of files with the given compression.
func LayerWith(files map[string]File, o LayerOptions) (v1.Layer, error) {
	b, err := Tar(files)
	if err != nil {
		return nil, err
	}
	return LayerFromBytes(b, o)
}

// LayerFromBytes makes a layer of a tar, compressed as o says; bytes that are
// already gzip or zstd are used as they are (for hand-made hostile layers,
// such as a gzip bomb).
func LayerFromBytes(b []byte, o LayerOptions) (v1.Layer, error) {
	opener := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	opts := []tarball.LayerOption{tarball.WithCompressedCaching}
	if o.Zstd {
		opts = append(opts, tarball.WithCompression(compression.ZStd), tarball.WithMediaType(types.OCILayerZStd))
	}
	return tarball.LayerFromOpener(opener, opts...)
}

// Image makes a linux image for the host's architecture from layers (base
// first) with the given config (Entrypoint, Cmd, Env, WorkingDir, User…).
func Image(cfg v1.Config, layers ...v1.Layer) (v1.Image, error) {
	return ImageFor(v1.Platform{OS: "linux", Architecture: runtime.GOARCH}, cfg, layers...)
}

// ImageFor is Image for another platform. An image with a zstd layer uses
// OCI media types (zstd has no Docker media type); others Docker's, as
// most images on Docker Hub do.
func ImageFor(p v1.Platform, cfg v1.Config, layers ...v1.Layer) (v1.Image, error) {
	base := empty.Image
	for _, l := range layers {
		if mt, err := l.MediaType(); err == nil && mt == types.OCILayerZStd {
			base = mutate.MediaType(base, types.OCIManifestSchema1)
			base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
			break
		}
	}
	img, err := mutate.AppendLayers(base, layers...)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: epoch}
	cf.Config = cfg
	return mutate.ConfigFile(img, cf)
}

// PlatformImage is one entry of a multi-platform index.
type PlatformImage struct {
	Platform v1.Platform
	Image    v1.Image
}

// Index makes a multi-platform OCI index of images.
func Index(images ...PlatformImage) v1.ImageIndex {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, pi := range images {
		p := pi.Platform
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        pi.Image,
			Descriptor: v1.Descriptor{Platform: &p},
		})
	}
	return idx
}
