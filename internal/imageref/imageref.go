// Package imageref reads container image references: whether one is pinned
// to a release. The environment schema and the constructs that run images
// share it, so both refuse the same references.
package imageref

import "strings"

// Tag returns the tag of an image reference ("" when it has none): the part
// after the last ":" of the last path segment, so a registry port
// (registry:5000/name) is not taken for a tag.
func Tag(ref string) string {
	name, _, _ := strings.Cut(ref, "@")
	last := name[strings.LastIndex(name, "/")+1:]
	if i := strings.LastIndex(last, ":"); i >= 0 {
		return last[i+1:]
	}
	return ""
}

// Pinned reports whether ref names one release: a sha256 digest, or a tag
// other than "latest". An untagged reference means latest, which the
// registry may move at any time.
func Pinned(ref string) bool {
	if _, digest, ok := strings.Cut(ref, "@sha256:"); ok {
		return len(digest) == 64
	}
	tag := Tag(ref)
	return tag != "" && tag != "latest"
}
