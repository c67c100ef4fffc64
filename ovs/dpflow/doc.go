// Package dpflow parses, formats and summarises Open vSwitch datapath flows:
// the lines printed by `ovs-appctl dpctl/dump-flows` with or without -m,
// including `type=offloaded` dumps from TC and DPDK offload and the
// vendor variant that prints offload_packets/offload_bytes (see the YUSUR
// guide).
//
// # Grammar
//
// One flow per line:
//
//	[ufid:<uuid>, ]<match>, packets:N, bytes:N, used:(never|X.XXXs)[, flags:F][, offloaded:(yes|partial)][, dp:<layer>], actions:<actions>[, dp-extra-info:<text>]
//
// The match is a comma separated list of key(value) attributes in whatever
// order the OVS version prints them; the info fields may come in any order,
// with or without spaces, and unknown ones are kept (Flow.Extra). Unknown
// keys (key32(...)) and actions (action42(...)) are kept as raw text.
//
// # Lazy decoding
//
// Parsing only splits a line into spans: a match attribute or an action is
// an Attr holding its name and its raw text, both substrings of the input.
// Typed values are decoded on demand (Attr.Field, ParseMaskedUint,
// ParseMaskedIP, ParseMaskedMAC, ParseCTState, ParseTCPFlags), so a caller
// that only counts offloaded flows pays for nothing else.
//
// # Streaming
//
// Scanner reads a dump from an io.Reader (NewScanner), or parses one held
// in memory in place (ScanString, ScanBytes: a unixctl reply), and yields
// one *Flow at a time. It converts input to strings in large
// chunks, not per line, and reuses the Flow and its slices, so a dump
// streams with well under one allocation per flow. A yielded Flow is valid
// until the next call; Clone it to keep it. ReadDump collects a whole dump
// into a FlowDump.
//
// # Tolerance
//
// Dumps from the userspace datapath carry header lines (`flow-dump from pmd
// on cpu core: N`) and captures often hold OVS log lines, shell prompts and
// blank lines. By default the Scanner skips headers, blank lines, `#`
// comment lines and OVS log lines, and reports any other line it cannot
// parse as a *ParseError (with line and column) without stopping. With
// Options.Strict, log lines, prompts and unknown info fields (other than
// the vendor offload_packets/offload_bytes) are errors too, and packets,
// bytes and used are required before actions. Unknown match keys and
// actions are kept in both modes: new kernels and OVS versions add them.
//
// # Limits
//
// Dumps may come from files a user hands over, so parsing is linear in
// the input whatever it holds: long runs of parentheses or commas, lines
// that never close a parenthesis, nesting as deep as the line is long
// (BenchmarkParse measures these 1 MiB cases against a flat line).
// Parentheses may nest MaxDepth (64) deep, twice what OVS itself parses;
// a line nested deeper is a *ParseError at the first parenthesis past
// the bound, never a crash. A line is at most Options.MaxLineSize bytes
// (default 1 MiB).
//
// # Errors
//
// Parse errors are *ParseError values; they match errs.ErrInvalidArgument
// (errs.ErrInvalidArgument) with errors.Is. Read errors from the
// io.Reader are returned wrapped.
//
// # Report
//
// NewReport and Report.Add build the offload verification report the
// guides ask a person to eyeball: flows per datapath layer, the offloaded
// share by flows, packets and bytes, per in_port summaries, and the flows
// not in hardware with the likely reason where the flow shows it. A dump
// taken without -m shows neither offloaded: nor dp:; when its type= filter
// is known (Options.Type, Report.Type, DumpType) the report places its
// flows by it: every flow of a type=offloaded dump is in hardware.
//
// The package does no I/O of its own and needs no privilege; ovs/unixctl
// fetches live dumps.
package dpflow
