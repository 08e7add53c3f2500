package stacks_test

import (
	"regexp"
	"testing"

	"github.com/mpc-mesh/infra/stacks"
)

// A construct that panics while a layer is built (a prop it refuses, a jsii
// error) must come out as an error naming the stack and where it panicked,
// not as a crash or a bare message.
func TestAPanicInALayerBecomesAnErrorNamingTheStack(t *testing.T) {
	err := stacks.BuildLayer("demo-alice-cluster", func() { panic("mpchelm party 1: ImageTag must pin a release") })
	if err == nil {
		t.Fatal("the panic was lost")
	}
	want := regexp.MustCompile(`^stack demo-alice-cluster: mpchelm party 1: ImageTag must pin a release \(at .*stacks/app_test\.go:\d+\)$`)
	if !want.MatchString(err.Error()) {
		t.Errorf("error = %q, want it to match %s", err, want)
	}
	if err := stacks.BuildLayer("demo-alice-cluster", func() {}); err != nil {
		t.Errorf("a layer that builds returned %v", err)
	}
}
