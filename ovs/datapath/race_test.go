//go:build race

package datapath_test

// raceEnabled: the race detector makes the million-flow stream take over a
// minute.
const raceEnabled = true
