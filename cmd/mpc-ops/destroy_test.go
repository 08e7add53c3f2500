package main

import (
	"reflect"
	"testing"
)

// A destroy is refused up front for exactly the deployed resources whose
// deletion protection is on, each named with the field that sets it.
func TestProtectedIn(t *testing.T) {
	state := `{"resources": [
	  {"mode": "managed", "type": "aws_lb", "name": "nlb", "instances": [{"attributes": {"enable_deletion_protection": true}}]},
	  {"mode": "managed", "type": "aws_lb", "name": "open", "instances": [{"attributes": {"enable_deletion_protection": false}}]},
	  {"mode": "managed", "type": "aws_db_instance", "name": "db", "instances": [{"attributes": {"deletion_protection": true}}]},
	  {"mode": "data", "type": "aws_lb", "name": "peer", "instances": [{"attributes": {"enable_deletion_protection": true}}]}
	]}`
	got := protectedIn("s", []byte(state))
	want := []protectedResource{
		{"s", "aws_lb.nlb", "managed.privatelink.deletion_protection"},
		{"s", "aws_db_instance.db", "managed.rds.deletion_protection"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("protectedIn = %v, want %v", got, want)
	}
	if got := protectedIn("s", nil); got != nil {
		t.Errorf("empty state: %v", got)
	}
}

func TestSplitStack(t *testing.T) {
	p, l := splitStack("zws-dev", "zws-dev-zws-threshold-2-provider")
	if p != "zws-threshold-2" || l != "provider" {
		t.Errorf("splitStack = %q, %q", p, l)
	}
}
