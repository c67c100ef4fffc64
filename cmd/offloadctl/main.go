package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// Exit codes (see the package doc).
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitFindings = 3
	exitUnknown  = 4
)

// usageError is a bad command line or config: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// findingsError is a doctor failure or an unplannable PF: exit 3.
type findingsError struct {
	msg     string
	unknown bool // nothing failed, but some checks could not tell: exit 4
}

func (e findingsError) Error() string { return e.msg }

// env is what a subcommand writes to.
type env struct {
	stdout, stderr io.Writer
}

type command struct {
	name, summary string
	run           func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"discover", "list SR-IOV PFs, their VFs and representors", runDiscover},
		{"plan", "print the switchdev plan for a node config or flags (dry run)", runPlan},
		{"apply", "plan and apply a node config or flags, rolling back on failure", runApply},
		{"doctor", "check the offload prerequisites and pitfalls", runDoctor},
		{"flows", "report OVS datapath flows by placement, from a live OVS or a file", runFlows},
		{"tc", "report tc filters and their hardware state, live or from a recording", runTC},
		{"k8s", "print the device plugin ConfigMap, NADs and a sample pod for the host", runK8s},
		{"agent", "run the node agent: apply the config, serve /metrics, /healthz, /readyz", runAgent},
	}
}

func main() {
	ctx := context.Background()
	os.Exit(run(ctx, env{stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
}

func topUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: offloadctl SUBCOMMAND [flags]   (offloadctl SUBCOMMAND -h for its flags)")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nexit codes: 0 done, 1 failed, 2 usage, 3 doctor found failures or a PF could not be planned/applied")
}

// run dispatches and maps errors to exit codes.
func run(ctx context.Context, e env, args []string) int {
	if len(args) == 0 {
		topUsage(e.stderr)
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		topUsage(e.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var ue usageError
		var fe findingsError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(e.stderr, "offloadctl %s: %v\n", c.name, err)
			return exitUsage
		case errors.As(err, &fe):
			fmt.Fprintf(e.stderr, "offloadctl %s: %v\n", c.name, err)
			if fe.unknown {
				return exitUnknown
			}
			return exitFindings
		default:
			fmt.Fprintf(e.stderr, "offloadctl %s: %v\n", c.name, err)
			return exitFailed
		}
	}
	fmt.Fprintf(e.stderr, "offloadctl: unknown subcommand %q\n", args[0])
	topUsage(e.stderr)
	return exitUsage
}

// common are the flags every host-reading subcommand shares.
type common struct {
	root, tree, output string
	timeout            time.Duration
	// hostKernel: -root is the running host's filesystem mounted
	// elsewhere, so its kernel is the one to talk to.
	hostKernel bool
}

func newFlags(e env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("offloadctl "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: offloadctl %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func (c *common) register(fs *flag.FlagSet, host bool, timeout time.Duration) {
	if host {
		fs.StringVar(&c.root, "root", "/", "read the host below `DIR` (DIR/sys, DIR/proc): the host's filesystem mounted elsewhere")
		fs.StringVar(&c.tree, "tree", "", "use the bundled fake host `NAME` with its fake kernel (\"list\" lists them)")
		fs.BoolVar(&c.hostKernel, "host-kernel", c.hostKernel, "with -root, talk to this machine's kernel (devlink, ethtool, rtnetlink): -root is the host's filesystem mounted in a pod with hostNetwork, not a copied tree")
	}
	fs.StringVar(&c.output, "o", "table", "output `FORMAT`: table or json")
	fs.DurationVar(&c.timeout, "timeout", timeout, "give up after `DURATION`")
}

// parse parses args; a bad flag is a usage error, -h is flag.ErrHelp.
func (c *common) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if c.output != "table" && c.output != "json" {
		return usagef("-o %q: want table or json", c.output)
	}
	return nil
}

func (c *common) json() bool { return c.output == "json" }

// listTrees prints the bundled trees; true when -tree list was asked.
func (c *common) listTrees(w io.Writer) bool {
	if c.tree != "list" {
		return false
	}
	for _, n := range offloadtest.Names() {
		s, _ := offloadtest.ByName(n)
		fmt.Fprintf(w, "%-14s %s\n", n, s.Description)
	}
	return true
}

// openHost opens the host below -root, or a fresh build of the bundled tree
// (removed by the returned cleanup) with its whole fake kernel attached.
func (c *common) openHost(log *slog.Logger) (*offload.Host, func(), error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.tree == "" {
		cfg := offload.Config{Root: c.root, Logger: log}
		if c.hostKernel {
			// The caller's network namespace is the host's (hostNetwork):
			// name it, so the kernel that answers is the sysfs tree's.
			cfg.NetNSPath = "/proc/self/ns/net"
		}
		h, err := offload.Open(cfg)
		if err != nil {
			return nil, nil, err
		}
		return h, func() { h.Close() }, nil
	}
	spec, ok := offloadtest.ByName(c.tree)
	if !ok {
		return nil, nil, usagef("no bundled tree %q; -tree list shows them", c.tree)
	}
	dir, err := os.MkdirTemp("", "offloadctl-"+c.tree)
	if err != nil {
		return nil, nil, err
	}
	tr, err := offloadtest.Build(dir, spec)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	cfg := tr.Config()
	cfg.Logger = log
	h, err := offload.Open(cfg)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return h, func() { h.Close(); os.RemoveAll(dir) }, nil
}

// realRoot reports whether the host is the running system's own root, where
// the kernel and OVS sockets offloadctl reaches belong to the files it reads.
func (c *common) realRoot() bool { return c.tree == "" && (c.root == "/" || c.root == "") }

// liveKernel reports whether the host has a kernel behind it that changes
// can be made through: the real root, or -root with -host-kernel.
func (c *common) liveKernel() bool { return c.realRoot() || c.tree == "" && c.hostKernel }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
