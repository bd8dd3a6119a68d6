// Base64 (RFC 4648): the standard alphabet with padding, as Kubernetes uses for
// bytes in JSON and kubeconfig data, and the URL alphabet without padding, as
// JWTs use.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace netkube {

enum class Base64Alphabet {
  kStd,  // A-Z a-z 0-9 + /, padded with '='
  kUrl,  // A-Z a-z 0-9 - _, unpadded
};

std::string Base64Encode(std::string_view in, Base64Alphabet alphabet = Base64Alphabet::kStd);

// kStd: the length must be a multiple of 4 and '=' may only end the text, as
// Go's StdEncoding requires. kUrl: padding is optional. nullopt on bad input.
std::optional<std::string> Base64Decode(std::string_view in, Base64Alphabet alphabet = Base64Alphabet::kStd);

// Where Go's base64.StdEncoding would refuse `in` (the N of "illegal base64
// data at input byte N", the message kube-apiserver gives for a bad []byte
// field), or nullopt when Go accepts it. As Go, '\r' and '\n' are skipped.
std::optional<size_t> Base64StdCorruptAt(std::string_view in);

}  // namespace netkube
