// Package doclint holds repository-wide tests of the written word: every
// exported identifier in the module's non-test Go files has a doc comment,
// every package has a package comment, and no file names a local directory
// where a public source belongs (fixture provenance). It has no non-test
// code.
package doclint
