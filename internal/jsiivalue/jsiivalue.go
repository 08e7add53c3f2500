// Package jsiivalue converts plain Go values into the pointer shapes the
// jsii-generated bindings take, in one place.
package jsiivalue

import "github.com/aws/jsii-runtime-go"

// StringMap converts a map into the binding shape; an empty or nil map
// becomes an empty map (the attribute is still written).
func StringMap(m map[string]string) *map[string]*string {
	res := make(map[string]*string, len(m))
	for k, v := range m {
		res[k] = jsii.String(v)
	}
	return &res
}

// OptionalStringMap is StringMap but returns nil for an empty map, so the
// attribute is left out of the synthesized Terraform.
func OptionalStringMap(m map[string]string) *map[string]*string {
	if len(m) == 0 {
		return nil
	}
	return StringMap(m)
}
