// Package layering holds a repository-wide test: the import table of
// ARCHITECTURE.md ("Layers") is kept here, in layers(), and checked against
// every package of the module, and ARCHITECTURE.md must show the same
// table. It has no non-test code.
package layering
