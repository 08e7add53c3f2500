package clusterobjects

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

var reUnknown = regexp.MustCompile(`unknown\(([^()]*)\)`)

// Placeholders replaces every value known only after apply (written
// unknown(<stack>/<address>) by chartcheck's Resolve) with a stand-in of
// the format the real value has, so the API server validates the field as
// it will after apply:
//
//   - an ARN (address ending in arn): arn:aws:placeholder:::<hash>, for
//     IRSA role annotations and target group ARNs;
//   - a host name (dns_name, address, endpoint): <hash>.placeholder.invalid,
//     a valid DNS name for ExternalName services;
//   - an IP (public_ip, ip): 192.0.2.<n>, from the documentation range;
//   - a security group id: sg-<hash>; anything else: placeholder-<hash>,
//     which is a valid DNS label, label value and bucket name.
//
// The hash is of the address, so distinct unknowns stay distinct.
func Placeholders(s string) string {
	return reUnknown.ReplaceAllStringFunc(s, func(m string) string {
		return Placeholder(reUnknown.FindStringSubmatch(m)[1])
	})
}

// Placeholder is the stand-in for the value at a stack/address (see
// Placeholders).
func Placeholder(address string) string {
	sum := sha256.Sum256([]byte(address))
	h := hex.EncodeToString(sum[:])[:12]
	a := strings.ToLower(address)
	switch {
	case strings.HasSuffix(a, "arn"):
		return "arn:aws:placeholder:::" + h
	case strings.HasSuffix(a, "dns_name"), strings.HasSuffix(a, "address"), strings.HasSuffix(a, "endpoint"):
		return h + ".placeholder.invalid"
	case strings.HasSuffix(a, "public_ip"), strings.HasSuffix(a, "_ip"):
		return fmt.Sprintf("192.0.2.%d", 1+int(sum[0])%254)
	case strings.Contains(a, "security_group") && strings.HasSuffix(a, "id"):
		return "sg-" + h
	}
	return "placeholder-" + h
}
