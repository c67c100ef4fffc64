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

// DefaultProgram is the daemon a zero Target addresses.
const DefaultProgram = "ovs-vswitchd"

// Target names a daemon's control socket, the way ovs-appctl -t does.
type Target struct {
	// Path is the control socket itself. When set, RunDir and Program are
	// not used. ovsdb-server started with --unixctl=PATH needs this.
	Path string
	// RunDir holds <Program>.pid and <Program>.<pid>.ctl. Default: the
	// OVS_RUNDIR environment variable when set, else DefaultRunDir.
	RunDir string
	// Program is the daemon's name. Default: DefaultProgram. It must be a
	// plain file name (no '/'), since it is joined into paths.
	Program string
}

// String names the target for errors and logs.
func (t Target) String() string {
	if t.Path != "" {
		return t.Path
	}
	return filepath.Join(t.runDir(), t.program())
}

func (t Target) runDir() string {
	if t.RunDir != "" {
		return t.RunDir
	}
	if d := os.Getenv("OVS_RUNDIR"); d != "" {
		return d
	}
	return DefaultRunDir
}

func (t Target) program() string {
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
func (t Target) SocketPath() (string, error) {
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
