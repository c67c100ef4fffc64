package vmtest

import (
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// InitramfsFile is one entry of an initramfs image: a directory (Data nil,
// Mode with fs.ModeDir), a regular file, or a symlink (Mode with
// fs.ModeSymlink and the target in Data).
type InitramfsFile struct {
	Name string      // path inside the image, without a leading slash
	Mode fs.FileMode // permission bits plus fs.ModeDir or fs.ModeSymlink
	Data []byte      // file contents or symlink target
}

// WriteInitramfs writes files as a gzip-compressed cpio archive in the "newc"
// format the kernel unpacks into its rootfs. Parent directories must come
// before their children; the kernel does not create them.
func WriteInitramfs(w io.Writer, files []InitramfsFile) error {
	zw := gzip.NewWriter(w)
	ino := 1
	for _, f := range files {
		name := strings.TrimPrefix(f.Name, "/")
		if name == "" || strings.Contains(name, "\x00") {
			return fmt.Errorf("vmtest: initramfs entry %q: bad name", f.Name)
		}
		if err := writeCpioEntry(zw, ino, name, f.Mode, f.Data); err != nil {
			return err
		}
		ino++
	}
	if err := writeCpioEntry(zw, 0, "TRAILER!!!", 0, nil); err != nil {
		return err
	}
	return zw.Close()
}

// cpio "newc" mode bits (they are the st_mode bits, not Go's fs.FileMode).
const (
	cpioDir     = 0o040000
	cpioRegular = 0o100000
	cpioSymlink = 0o120000
)

func writeCpioEntry(w io.Writer, ino int, name string, mode fs.FileMode, data []byte) error {
	m := uint32(mode.Perm())
	nlink := 1
	switch {
	case name == "TRAILER!!!":
	case mode&fs.ModeDir != 0:
		m |= cpioDir
		nlink = 2
		data = nil
	case mode&fs.ModeSymlink != 0:
		m |= cpioSymlink
	default:
		m |= cpioRegular
	}
	hdr := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		ino, m, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name)+1, 0)
	buf := make([]byte, 0, len(hdr)+len(name)+8+len(data)+4)
	buf = append(buf, hdr...)
	buf = append(buf, name...)
	buf = append(buf, 0)
	buf = pad4(buf)
	buf = append(buf, data...)
	buf = pad4(buf)
	_, err := w.Write(buf)
	return err
}

// pad4 pads to a multiple of four bytes: newc aligns both the name (counted
// with the 110-byte header) and the data.
func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}
