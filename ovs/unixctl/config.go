package unixctl

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// DefaultRunDir is where Debian, Red Hat and upstream builds put pidfiles
// and control sockets when OVS_RUNDIR is not set.
const DefaultRunDir = "/var/run/openvswitch"

// DefaultProgram is the daemon a zero Config addresses.
const DefaultProgram = "ovs-vswitchd"

// DefaultMaxResponseSize bounds a reply when Config.MaxResponseSize is 0:
// 256 MiB holds a dump of several hundred thousand -m flows.
const DefaultMaxResponseSize = 256 << 20

// minResponseSize is the smallest reply limit a Client uses.
const minResponseSize = 4 << 10

// Config says which daemon a Client talks to, the way ovs-appctl -t names
// it, and how much of a reply it reads. The zero Config is valid: the
// ovs-vswitchd of $OVS_RUNDIR (or DefaultRunDir) with replies up to
// DefaultMaxResponseSize.
type Config struct {
	// Path is the control socket itself. Default: empty, resolved from
	// RunDir and Program; when set, RunDir and Program are not used.
	// ovsdb-server started with --unixctl=PATH needs this. Privilege:
	// connecting needs write permission on the socket, which the daemon
	// creates root-owned with mode 0750 (OVS 3.1 under umask 022): root.
	Path string
	// RunDir holds <Program>.pid and <Program>.<pid>.ctl. Default: the
	// OVS_RUNDIR environment variable when set, else DefaultRunDir.
	// Privilege: read access to the pidfile (world-readable by default)
	// and, for the socket, as for Path.
	RunDir string
	// Program is the daemon's name. Default: DefaultProgram. It must be a
	// plain file name (no '/'), since it is joined into paths. Privilege:
	// none beyond RunDir's.
	Program string
	// MaxResponseSize bounds a reply in bytes (escaped JSON as received);
	// a longer one fails with ErrResponseTooLarge. Default (0):
	// DefaultMaxResponseSize; values below 4 KiB are raised to 4 KiB, and
	// a negative value is refused by Dial. Privilege: none.
	MaxResponseSize int
}

// maxResponseSize is MaxResponseSize with its default applied.
func (t Config) maxResponseSize() int {
	if t.MaxResponseSize == 0 {
		return DefaultMaxResponseSize
	}
	return max(t.MaxResponseSize, minResponseSize)
}

// String names the target daemon for errors and logs.
func (t Config) String() string {
	if t.Path != "" {
		return t.Path
	}
	return filepath.Join(t.runDir(), t.program())
}

func (t Config) runDir() string {
	if t.RunDir != "" {
		return t.RunDir
	}
	if d := os.Getenv("OVS_RUNDIR"); d != "" {
		return d
	}
	return DefaultRunDir
}

func (t Config) program() string {
	if t.Program != "" {
		return t.Program
	}
	return DefaultProgram
}

// validProgram accepts the daemon names OVS uses: letters, digits, '-', '_'
// and '.', not starting with '.'.
func validProgram(p string) bool {
	if p == "" || len(p) > 64 || p[0] == '.' {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// SocketPath resolves the control socket: Path as given, or
// <RunDir>/<Program>.<pid>.ctl with pid read from <RunDir>/<Program>.pid.
// The daemon rewrites both when it restarts, so a Client resolves again on
// every dial. A missing pidfile matches ErrNotFound; an unreadable one
// ErrPermission; a pidfile without a pid ErrInvalidArgument.
func (t Config) SocketPath() (string, error) {
	if t.Path != "" {
		return t.Path, nil
	}
	prog := t.program()
	if !validProgram(prog) {
		return "", errs.Invalid("program name", prog, "want letters, digits, '-', '_' or '.'")
	}
	dir := t.runDir()
	pidfile := filepath.Join(dir, prog+".pid")
	b, err := os.ReadFile(pidfile)
	if err != nil {
		return "", &errs.Error{Op: "unixctl resolve", Device: prog, Path: pidfile, Err: err}
	}
	s := strings.TrimSpace(string(b))
	pid, err := strconv.ParseUint(s, 10, 31)
	if err != nil || pid == 0 {
		return "", &errs.Error{Op: "unixctl resolve", Device: prog, Path: pidfile,
			Err: errs.Invalid("pid", s, "not a process id")}
	}
	return filepath.Join(dir, prog+"."+strconv.FormatUint(pid, 10)+".ctl"), nil
}
