package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bad invocation or plan is a usage error (2) that names the problem,
// before any AWS call.
func TestUsageAndPlanErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "plan.json")
	os.WriteFile(bad, []byte(`{"self": {"party_id": 1, "bucket": "a", "region": "eu-west-1"}, "peers": [{"party_id": 1, "bucket": "b", "region": "eu-west-1"}]}`), 0o600)
	cases := map[string]struct {
		args []string
		want string
	}{
		"no subcommand": {nil, "usage: mpc-trust sync|status"},
		"no plan":       {[]string{"sync"}, "--plan is required"},
		"self as peer":  {[]string{"status", "--plan", bad}, "party 1 is listed twice or is the party itself"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errs bytes.Buffer
			if code := run(context.Background(), tc.args, &out, &errs); code != 2 || !strings.Contains(errs.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs.String(), tc.want)
			}
		})
	}
}
