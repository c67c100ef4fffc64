// Package doclint holds repository-wide tests of the written word: every
// exported identifier in the module's non-test Go files has a doc comment,
// every package has a package comment, and no file names a local directory
// where a public source belongs (fixture provenance); and docs/guides.md,
// the step table of the five vendor guides, names only identifiers that
// exist (every `pkg.Name` and `pkg.Type.Member` in backticks, resolved by
// parsing the module with go/parser) and has a summary that matches its
// rows. It has no non-test code.
package doclint
