package stacks

// SynthesizeWith exposes synthesize to the external tests, which build
// deliberately insecure stacks to show the security guard refusing them.
var SynthesizeWith = synthesize

// BuildLayer exposes build, which turns a panic inside a layer into an error.
var BuildLayer = build
