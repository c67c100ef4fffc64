//go:build !race

package podnet

// raceBuild is true when the tests run under the race detector, where each
// helper process costs several times more.
const raceBuild = false
