package unixctl

import (
	"context"
	"slices"
	"strings"
)

// ParseCommands parses "list-commands" output: a header line, then one
// command per line, indented, followed by its usage.
func ParseCommands(s string) []string {
	var cmds []string
	for _, line := range strings.Split(s, "\n") {
		if line == "" || (line[0] != ' ' && line[0] != '\t') {
			continue // the "The available commands are:" header
		}
		if f := strings.Fields(line); len(f) > 0 {
			cmds = append(cmds, f[0])
		}
	}
	return cmds
}

// Commands runs "list-commands": the commands this daemon accepts, for
// feature probes (dpif-netdev/* only exists with the userspace datapath,
// revalidator/pause only in test-enabled builds).
func (c *Client) Commands(ctx context.Context) ([]string, error) {
	s, err := c.Call(ctx, "list-commands")
	if err != nil {
		return nil, err
	}
	return ParseCommands(s), nil
}

// Supports reports whether the daemon accepts the command name.
func (c *Client) Supports(ctx context.Context, name string) (bool, error) {
	cmds, err := c.Commands(ctx)
	if err != nil {
		return false, err
	}
	return slices.Contains(cmds, name), nil
}
