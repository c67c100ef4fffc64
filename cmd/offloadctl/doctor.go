package main

import (
	"context"
	"fmt"
	"time"

	"github.com/offloadkit/offloadkit/offload/switchdev"

	"github.com/offloadkit/offloadkit/ovs/ovsdb"
)

func runDoctor(ctx context.Context, e env, args []string) error {
	var c common
	var endpoint string
	fs := newFlags(e, "doctor", "[-tree NAME | -root DIR] [-ovsdb ENDPOINT] [-o json]")
	c.register(fs, true, time.Minute)
	fs.StringVar(&endpoint, "ovsdb", "", "read OVS's hw-offload over OVSDB at `ENDPOINT` (unix:/path, tcp:host:port; default on the real root: the standard socket, elsewhere: none)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if c.listTrees(e.stdout) {
		return nil
	}
	if endpoint == "" && c.realRoot() {
		endpoint = ovsdb.DefaultEndpoint()
	}
	h, done, err := c.openHost(nil)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	rep, err := doctorReport(ctx, newEngine(h), endpoint)
	if err != nil {
		return err
	}
	if c.json() {
		err = writeJSON(e.stdout, rep)
	} else {
		_, err = fmt.Fprint(e.stdout, rep.String())
	}
	if err != nil {
		return err
	}
	if n := doctorCount(rep, switchdev.CheckFail); n > 0 {
		return findingsError{msg: fmt.Sprintf("%d checks failed", n)}
	}
	if n := doctorCount(rep, switchdev.CheckUnknown); n > 0 {
		return findingsError{msg: fmt.Sprintf("no check failed, %d could not tell (unknown)", n), unknown: true}
	}
	return nil
}
