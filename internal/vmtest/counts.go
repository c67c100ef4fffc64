package vmtest

import (
	"fmt"
	"regexp"
	"strings"
)

// Counts tallies the tests a `go test -v` binary reported, subtests
// included.
type Counts struct {
	Pass, Fail, Skip int
	TopLevel         int      // tests that are not subtests
	Skipped          []string // names of skipped tests
	Failed           []string // names of failed tests
}

// Ran is the number of tests that reported a result.
func (c Counts) Ran() int { return c.Pass + c.Fail + c.Skip }

// Add accumulates o into c.
func (c *Counts) Add(o Counts) {
	c.Pass += o.Pass
	c.Fail += o.Fail
	c.Skip += o.Skip
	c.TopLevel += o.TopLevel
	c.Skipped = append(c.Skipped, o.Skipped...)
	c.Failed = append(c.Failed, o.Failed...)
}

// String summarises c, e.g. "12 tests (5 top-level): 11 passed, 0 failed, 1 skipped".
func (c Counts) String() string {
	return fmt.Sprintf("%d tests (%d top-level): %d passed, %d failed, %d skipped",
		c.Ran(), c.TopLevel, c.Pass, c.Fail, c.Skip)
}

// CountTests counts the "--- PASS/FAIL/SKIP: name" lines of `go test -v`
// output; a line indented by the testing package is a subtest.
func CountTests(output string) Counts {
	re := regexp.MustCompile(`^(\s*)--- (PASS|FAIL|SKIP): (\S+)`)
	var c Counts
	for _, line := range strings.Split(output, "\n") {
		m := re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if m[1] == "" {
			c.TopLevel++
		}
		switch m[2] {
		case "PASS":
			c.Pass++
		case "FAIL":
			c.Fail++
			c.Failed = append(c.Failed, m[3])
		case "SKIP":
			c.Skip++
			c.Skipped = append(c.Skipped, m[3])
		}
	}
	return c
}
