package imageref_test

import (
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/imageref"
)

func TestPinned(t *testing.T) {
	for ref, want := range map[string]bool{
		"public.ecr.aws/a/b:v0.3":             true,
		"registry:5000/b:1.2.3":               true,
		"b@sha256:" + strings.Repeat("0", 64): true,
		"registry:5000/b":                     false,
		"b:latest":                            false,
		"b":                                   false,
		"b@sha256:abc":                        false,
	} {
		if got := imageref.Pinned(ref); got != want {
			t.Errorf("Pinned(%q) = %v, want %v", ref, got, want)
		}
	}
}
