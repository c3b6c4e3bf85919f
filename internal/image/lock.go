package image

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// fileLock is an flock(2) on a file of the store: it orders the server and
// an `ordo images` command running at the same time. flock locks belong to
// an open file, so two locks taken in one process exclude each other too.
type fileLock struct{ f *os.File }

// lockFile takes an exclusive (or, with shared, a shared) flock on path,
// creating the file, and waits for it.
func lockFile(path string, how int) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, &os.PathError{Op: "flock", Path: path, Err: err}
	}
	return &fileLock{f: f}, nil
}

// unlock releases the lock (closing the file does).
func (l *fileLock) unlock() { l.f.Close() }

// writeFileAtomic writes data to path through a temporary file in the same
// directory, fsynced and renamed into place, so readers see the old or the
// new content, never a part.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// writeFileReplacing replaces path with data through a rename, without
// fsync: for leases, which need to outlive a crash of ordo (the page cache
// keeps them) but not a crash of the machine, after which the containers
// that held them are gone too.
func writeFileReplacing(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
