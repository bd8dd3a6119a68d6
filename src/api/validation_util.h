// Private helpers of validation*.cc: field-error collection worded like
// k8s.io/apimachinery/pkg/util/validation/field, the content checks of
// k8s.io/apimachinery/pkg/util/validation (DNS names, label keys and values,
// port names, IPs, CIDRs), JSON accessors that never throw, and the shared
// validators (object metadata, label selectors, pod templates).
//
// Wording follows Kubernetes 1.33. Paths are plain strings built with Child,
// Index and Key ("spec.ports[0].port", "data[my key]").
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/status.h"

namespace netkube::api::validation {

using nlohmann::json;

// ---- field paths ----
inline std::string Child(const std::string& p, std::string_view name) {
  return p.empty() ? std::string(name) : p + "." + std::string(name);
}
inline std::string Index(const std::string& p, size_t i) { return p + "[" + std::to_string(i) + "]"; }
inline std::string Key(const std::string& p, std::string_view k) { return p + "[" + std::string(k) + "]"; }

// Go's strconv.Quote of `s`.
std::string GoQuote(std::string_view s);
// How field.Error (1.33) renders a bad value: strings quoted, numbers and
// bools plain, null as "\"null\"", string maps and lists in Go syntax
// (map[string]string{"a":"b"}, []string{"a"}), other values as JSON.
std::string RenderValue(const json& v);
// Go's %#v of a metav1.LabelSelector value.
std::string RenderLabelSelector(const json& selector);
// Go's %#v of a map[string]string that may be nil.
std::string RenderStringMap(const json* m);

// ---- error collection (field.ErrorList) ----
class Errors {
 public:
  void Invalid(const std::string& path, const json& value, std::string_view detail);
  // As Invalid/Duplicate, with the value already rendered.
  void InvalidRaw(const std::string& path, const std::string& rendered, std::string_view detail);
  void DuplicateRaw(const std::string& path, const std::string& rendered);
  void Required(const std::string& path, std::string_view detail = "");
  void Forbidden(const std::string& path, std::string_view detail);
  void Duplicate(const std::string& path, const json& value);
  void NotFound(const std::string& path, const json& value);
  void NotSupported(const std::string& path, const json& value, const std::vector<std::string>& valid);
  void TooLong(const std::string& path, int64_t max_bytes);
  void TooMany(const std::string& path, int64_t actual, int64_t max);
  // One Invalid per message (the usual `for _, msg := range IsX(v)` loop).
  void InvalidEach(const std::string& path, const json& value, const std::vector<std::string>& msgs);
  void Append(Errors other);

  bool empty() const { return causes_.empty(); }
  size_t size() const { return causes_.size(); }
  std::vector<Cause>& causes() { return causes_; }
  std::vector<Cause> Take() { return std::move(causes_); }

 private:
  void Add(std::string type, std::string body, std::string_view detail, const std::string& path);
  std::vector<Cause> causes_;
};

// ---- JSON accessors (never throw; wrong types read as absent) ----
const json* Get(const json& obj, std::string_view key);           // nullptr if absent/null
const json* GetObject(const json& obj, std::string_view key);     // object or nullptr
const json* GetArray(const json& obj, std::string_view key);      // array or nullptr
std::string GetString(const json& obj, std::string_view key);     // "" if absent
bool HasKey(const json& obj, std::string_view key);               // present and not null
std::optional<int64_t> GetInt(const json& obj, std::string_view key);
bool GetBool(const json& obj, std::string_view key);
// A map[string]string field (labels, selector); non-string values skipped.
std::vector<std::pair<std::string, std::string>> GetStringMap(const json& obj, std::string_view key);
size_t ArraySize(const json& obj, std::string_view key);
// Go's semantic equality on JSON: null, [] , {} and absent are all equal.
bool SemanticEqual(const json& a, const json& b);

// ---- content checks: each returns the list of problems, empty if valid ----
std::vector<std::string> IsDNS1123Label(std::string_view v);
std::vector<std::string> IsDNS1123Subdomain(std::string_view v);
std::vector<std::string> IsDNS1035Label(std::string_view v);
std::vector<std::string> IsWildcardDNS1123Subdomain(std::string_view v);
std::vector<std::string> IsQualifiedName(std::string_view v);
std::vector<std::string> IsValidLabelValue(std::string_view v);
std::vector<std::string> IsValidPortName(std::string_view v);
std::vector<std::string> IsValidPortNum(int64_t port);
std::vector<std::string> IsConfigMapKey(std::string_view v);
std::vector<std::string> IsValidPercent(std::string_view v);
std::vector<std::string> IsHTTPHeaderName(std::string_view v);
std::vector<std::string> IsEnvVarName(std::string_view v);
std::string InclusiveRangeError(int64_t lo, int64_t hi);
inline constexpr std::string_view kNegativeMsg = "must be greater than or equal to 0";
inline constexpr std::string_view kImmutableMsg = "field is immutable";

// IPs and CIDRs (validation.IsValidIP / IsValidCIDR wording).
bool ParseIPv4(std::string_view s, uint8_t out[4]);
bool ParseIPv6(std::string_view s, uint8_t out[16]);
// strict=false is the "legacy field" form: only "must be a valid IP address".
void IsValidIP(Errors& e, const std::string& path, std::string_view ip, bool strict = true);
void IsValidIPv4Address(Errors& e, const std::string& path, std::string_view ip);
void IsValidIPv6Address(Errors& e, const std::string& path, std::string_view ip);
void IsValidCIDR(Errors& e, const std::string& path, std::string_view cidr, bool strict = true);
// ValidateNonSpecialIP: no unspecified, loopback, link-local addresses.
void ValidateNonSpecialIP(Errors& e, const std::string& path, std::string_view ip);
// True for a CIDR `inner` strictly inside `outer` (both valid).
bool CIDRStrictSubset(std::string_view outer, std::string_view inner);

// ---- shared validators ----
enum class NameRule { kDNSSubdomain, kDNSLabel, kDNS1035Label };
std::vector<std::string> ValidateName(NameRule rule, std::string_view name);

// ValidateObjectMeta (create) of obj["metadata"], under path "metadata".
void ValidateObjectMeta(Errors& e, const json& obj, bool namespaced, NameRule rule);
// ValidateObjectMetaUpdate: immutable name/namespace/uid/creationTimestamp etc.
void ValidateObjectMetaUpdate(Errors& e, const json& obj, const json& old);
void ValidateLabels(Errors& e, const json& labels_parent, std::string_view key, const std::string& path);
void ValidateAnnotations(Errors& e, const json& meta, const std::string& path);
void ValidateImmutable(Errors& e, const json* now, const json* before, const std::string& path);
// metav1.LabelSelector validation (matchLabels, matchExpressions).
void ValidateLabelSelector(Errors& e, const json& selector, const std::string& path);
// Whether `selector` (a metav1.LabelSelector) matches `labels` (an object of
// strings). A null selector matches nothing; {} matches everything.
// Returns false in *ok when the selector cannot be converted.
bool SelectorMatches(const json* selector, const json* labels, bool* ok);
bool SelectorEmpty(const json& selector);

// Pod spec and templates (validation_pod.cc).
struct PodOptions {
  bool resource_is_pod = false;
};
void ValidatePodSpec(Errors& e, const json& spec, const std::string& path, const PodOptions& opts);
void ValidatePodTemplateSpec(Errors& e, const json& tmpl, const std::string& path);
void ValidateNonnegative(Errors& e, const json& obj, std::string_view key, const std::string& path);

// Per-kind entry points (create when old == nullptr).
void ValidatePod(Errors& e, const json& obj, const json* old);
void ValidateService(Errors& e, const json& obj, const json* old);
void ValidateEndpoints(Errors& e, const json& obj, const json* old);
void ValidateNamespace(Errors& e, const json& obj, const json* old);
void ValidateNode(Errors& e, const json& obj, const json* old);
void ValidateConfigMap(Errors& e, const json& obj, const json* old);
void ValidateSecret(Errors& e, const json& obj, const json* old);
void ValidateServiceAccount(Errors& e, const json& obj, const json* old);
void ValidateEvent(Errors& e, const json& obj, const json* old);
void ValidateDeployment(Errors& e, const json& obj, const json* old);
void ValidateReplicaSet(Errors& e, const json& obj, const json* old);
void ValidateDaemonSet(Errors& e, const json& obj, const json* old);
void ValidateEndpointSlice(Errors& e, const json& obj, const json* old);
void ValidateIngress(Errors& e, const json& obj, const json* old);
void ValidateIngressClass(Errors& e, const json& obj, const json* old);
void ValidateNetworkPolicy(Errors& e, const json& obj, const json* old);
void ValidateLease(Errors& e, const json& obj, const json* old);

}  // namespace netkube::api::validation
