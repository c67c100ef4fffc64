package filesystem

import (
	"io/fs"
	"os"
)

// Filesystem is the read-only part of sriovnet's filesystem.Filesystem.
type Filesystem interface {
	Stat(name string) (os.FileInfo, error)
	Readlink(name string) (string, error)
	ReadFile(filename string) ([]byte, error)
	ReadDir(dirname string) ([]os.FileInfo, error)
}

// DefaultFs reads the real file system through package os.
type DefaultFs struct{}

// Fs is the file system sriovnet's callers read through
// (filesystem.Fs.ReadFile(...)). It is an empty struct value: there is
// nothing in it to change.
//
//nolint:gochecknoglobals // sriovnet's API; stateless (see the package doc)
var Fs DefaultFs

var _ Filesystem = DefaultFs{}

// Stat is os.Stat.
func (DefaultFs) Stat(name string) (os.FileInfo, error) { return os.Stat(name) }

// Readlink is os.Readlink.
func (DefaultFs) Readlink(name string) (string, error) { return os.Readlink(name) }

// ReadFile is os.ReadFile.
func (DefaultFs) ReadFile(filename string) ([]byte, error) { return os.ReadFile(filename) }

// ReadDir lists dirname sorted by name, as sriovnet's DefaultFs.ReadDir
// does, as os.FileInfo values (sriovnet's signature).
func (DefaultFs) ReadDir(dirname string) ([]os.FileInfo, error) {
	ents, err := os.ReadDir(dirname)
	if err != nil {
		return nil, err
	}
	infos := make([]fs.FileInfo, 0, len(ents))
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	return infos, nil
}
