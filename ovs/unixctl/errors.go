package unixctl

import (
	"errors"
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// ErrResponseTooLarge is returned (wrapped) when a reply exceeds the
// client's size limit. The connection is closed, since the rest of the reply
// is still in flight.
var ErrResponseTooLarge = errors.New("unixctl reply exceeds the size limit")

// ErrProtocol is returned (wrapped) when the daemon sends something that is
// not a well-formed reply to the request: bad JSON, a wrong id, a missing
// result.
var ErrProtocol = errors.New("unixctl protocol error")

// ReplyError is an error reply from the daemon: the command ran (or was
// looked up) and failed. Message is the daemon's text without the trailing
// newline.
type ReplyError struct {
	// Path is the control socket.
	Path string
	// Method is the command that failed, e.g. "dpctl/dump-flows".
	Method string
	// Message is what the daemon said.
	Message string
}

// Error formats "unixctl method (path): daemon says: message".
func (e *ReplyError) Error() string {
	return "unixctl " + e.Method + " (" + e.Path + "): daemon says: " + e.Message
}

// Is maps the daemon's wording to the shared sentinels. OVS has no error
// codes on this channel, only text; these phrases are stable across OVS 2.x
// and 3.x (lib/unixctl.c and the strerror() suffixes dpctl appends).
func (e *ReplyError) Is(target error) bool {
	m := e.Message
	switch target {
	case errs.ErrNotSupported:
		return strings.Contains(m, "is not a valid command") ||
			strings.Contains(m, "(Operation not supported)")
	case errs.ErrInvalidArgument:
		return strings.Contains(m, "command takes at most") ||
			strings.Contains(m, "command requires at least") ||
			strings.Contains(m, "(Invalid argument)")
	case errs.ErrNotFound:
		return strings.Contains(m, "(No such device)") ||
			strings.Contains(m, "(No such file or directory)") ||
			strings.Contains(m, "no such bridge") ||
			strings.Contains(m, "datapath not found")
	case errs.ErrPermission:
		return strings.Contains(m, "(Permission denied)") ||
			strings.Contains(m, "(Operation not permitted)")
	case errs.ErrBusy:
		return strings.Contains(m, "(Device or resource busy)")
	case errs.ErrExists:
		return strings.Contains(m, "(File exists)")
	}
	return false
}
