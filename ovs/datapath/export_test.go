package datapath

// SetAfterAhead makes f run on the receiving goroutine each time it has
// decoded a batch itself, so a test can wait for that to happen instead of
// hoping a slow caller makes it happen.
func SetAfterAhead(c *Client, f func()) { c.afterAhead = f }
