// Package tfjson reads values out of synthesized Terraform JSON, where cdktf
// renders a nested block either as an object or as a list of objects and a
// policy field either as a string or as a list of strings. It links no
// cdktf, so both the synthesis guard and the tests use it.
package tfjson

// Object is a decoded JSON object.
type Object = map[string]any

// Blocks returns a nested block as a list of objects, whichever form it has.
func Blocks(v any) []Object {
	switch x := v.(type) {
	case Object:
		return []Object{x}
	case []any:
		res := make([]Object, 0, len(x))
		for _, e := range x {
			if o, ok := e.(Object); ok {
				res = append(res, o)
			}
		}
		return res
	}
	return nil
}

// Strings returns a string or a list of strings as a slice.
func Strings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		res := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				res = append(res, s)
			}
		}
		return res
	}
	return nil
}
