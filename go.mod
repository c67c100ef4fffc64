module github.com/offloadkit/offloadkit

go 1.25.0
