package image

import (
	"bytes"
	"encoding/json"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// A docker save archive has no image manifest: go-containerregistry makes
// one up whose layer digests are those of gzip-compressing each layer,
// which costs a compression to name the layer and another to read it,
// for a digest no registry knows. localImage describes such an image with
// uncompressed layers instead (a layer's digest is then its diffID): Add
// reads each layer once, checked against the config's diffIDs, and the
// config, hence the image ID, stays the archive's.
type localImage struct {
	v1.Image
	layers   []v1.Layer
	manifest []byte
}

// uncompressedLayer serves a layer's tar stream as its blob.
type uncompressedLayer struct {
	v1.Layer
	diffID v1.Hash
	size   int64
}

func (l *uncompressedLayer) Digest() (v1.Hash, error)           { return l.diffID, nil }
func (l *uncompressedLayer) Compressed() (io.ReadCloser, error) { return l.Layer.Uncompressed() }
func (l *uncompressedLayer) Size() (int64, error)               { return l.size, nil }
func (l *uncompressedLayer) MediaType() (types.MediaType, error) {
	return types.OCIUncompressedLayer, nil
}

// uncompressedImage returns img with uncompressed layers and a manifest
// listing them. Each layer is read once here, for its size.
func uncompressedImage(img v1.Image) (v1.Image, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	rawConfig, err := img.RawConfigFile()
	if err != nil {
		return nil, err
	}
	configName, err := img.ConfigName()
	if err != nil {
		return nil, err
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        v1.Descriptor{MediaType: types.OCIConfigJSON, Size: int64(len(rawConfig)), Digest: configName},
	}
	li := &localImage{Image: img}
	for _, l := range layers {
		diffID, err := l.DiffID()
		if err != nil {
			return nil, err
		}
		size, err := uncompressedSize(l)
		if err != nil {
			return nil, err
		}
		ul := &uncompressedLayer{Layer: l, diffID: diffID, size: size}
		li.layers = append(li.layers, ul)
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: types.OCIUncompressedLayer, Size: size, Digest: diffID})
	}
	if li.manifest, err = json.Marshal(m); err != nil {
		return nil, err
	}
	return li, nil
}

func uncompressedSize(l v1.Layer) (int64, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return io.Copy(io.Discard, rc)
}

func (i *localImage) Layers() ([]v1.Layer, error)         { return i.layers, nil }
func (i *localImage) RawManifest() ([]byte, error)        { return i.manifest, nil }
func (i *localImage) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (i *localImage) Size() (int64, error)                { return int64(len(i.manifest)), nil }

func (i *localImage) Digest() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(i.manifest))
	return h, err
}

func (i *localImage) Manifest() (*v1.Manifest, error) {
	return v1.ParseManifest(bytes.NewReader(i.manifest))
}

func (i *localImage) LayerByDigest(h v1.Hash) (v1.Layer, error) { return i.LayerByDiffID(h) }

func (i *localImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	for _, l := range i.layers {
		if d, _ := l.DiffID(); d == h {
			return l, nil
		}
	}
	return i.Image.LayerByDiffID(h)
}
