package dpflow

import (
	"io"
	"strconv"
	"time"
)

// AppendText appends the flow in dpctl/dump-flows syntax, the way OVS
// prints it with -m (fields absent from f are left out): ufid, match,
// packets, bytes, unknown info fields, used, flags, offloaded, dp, actions,
// dp-extra-info. Parsing the result gives back f (except Line).
func (f *Flow) AppendText(b []byte) ([]byte, error) {
	return f.appendText(b), nil
}

func (f *Flow) appendText(b []byte) []byte {
	if !f.UFID.IsZero() {
		b = append(b, "ufid:"...)
		b = f.UFID.appendText(b)
		b = append(b, ", "...)
	}
	for i, a := range f.Match {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, a.Text...)
	}
	if len(f.Match) > 0 {
		b = append(b, ", "...)
	}
	b = append(b, "packets:"...)
	b = strconv.AppendUint(b, f.Packets, 10)
	b = append(b, ", bytes:"...)
	b = strconv.AppendUint(b, f.Bytes, 10)
	for _, e := range f.Extra {
		b = append(b, ", "...)
		b = append(b, e.Key...)
		b = append(b, ':')
		b = append(b, e.Value...)
	}
	b = append(b, ", used:"...)
	if f.NeverUsed {
		b = append(b, "never"...)
	} else {
		b = appendSeconds(b, f.Used)
		b = append(b, 's')
	}
	if f.TCPFlags != 0 {
		b = append(b, ", flags:"...)
		b = f.TCPFlags.appendStats(b)
	}
	if f.Offloaded != "" {
		b = append(b, ", offloaded:"...)
		b = append(b, f.Offloaded...)
	}
	if f.DP != "" {
		b = append(b, ", dp:"...)
		b = append(b, f.DP...)
	}
	b = append(b, ", actions:"...)
	for i, a := range f.Actions {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, a.Text...)
	}
	if f.DPExtraInfo != "" {
		b = append(b, ", dp-extra-info:"...)
		b = append(b, f.DPExtraInfo...)
	}
	return b
}

// appendSeconds prints d in seconds with three decimals, as OVS does, or
// with more when d has sub-millisecond precision.
func appendSeconds(b []byte, d time.Duration) []byte {
	if d < 0 {
		b = append(b, '-')
		d = -d
	}
	b = strconv.AppendUint(b, uint64(d/time.Second), 10)
	b = append(b, '.')
	ns := uint64(d % time.Second)
	var frac [9]byte
	for i := 8; i >= 0; i-- {
		frac[i] = byte('0' + ns%10)
		ns /= 10
	}
	n := 9
	for n > 3 && frac[n-1] == '0' {
		n--
	}
	return append(b, frac[:n]...)
}

// String returns the flow in dpctl/dump-flows syntax (see AppendText).
func (f *Flow) String() string {
	return string(f.appendText(nil))
}

// WriteTo writes the flow and a newline to w.
func (f *Flow) WriteTo(w io.Writer) (int64, error) {
	b := f.appendText(make([]byte, 0, 512))
	b = append(b, '\n')
	n, err := w.Write(b)
	return int64(n), err
}
