// Package doclint holds a repository-wide test: every exported identifier in
// the module's non-test Go files has a doc comment, and every package has a
// package comment. It has no non-test code.
package doclint
