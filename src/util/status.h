// Status: the one error type of netkube, shaped like a Kubernetes metav1.Status.
//
// A Status is OK or carries a Reason (the Kubernetes StatusReason), a message,
// and optional details (the object's name/group/kind and field causes). The HTTP
// code follows from the Reason, as in kube-apiserver. No exceptions cross a
// component boundary: functions that can fail return Status or StatusOr<T>.
//
// Thread-safety: a Status is a plain value; distinct objects may be used from
// different threads without locking.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace netkube {

enum class Reason {
  kOk,
  kBadRequest,             // 400
  kUnauthorized,           // 401
  kForbidden,              // 403
  kNotFound,               // 404
  kMethodNotAllowed,       // 405
  kNotAcceptable,          // 406
  kAlreadyExists,          // 409
  kConflict,               // 409
  kGone,                   // 410 (reason "Expired" for compacted watches)
  kRequestEntityTooLarge,  // 413
  kUnsupportedMediaType,   // 415
  kInvalid,                // 422
  kTooManyRequests,        // 429
  kInternalError,          // 500
  kServiceUnavailable,     // 503
  kTimeout,                // 504
};

// One entry of metav1.StatusDetails.causes.
struct Cause {
  std::string type;     // e.g. "FieldValueInvalid", "FieldValueRequired"
  std::string message;  // e.g. "Invalid value: \"Foo\": a lowercase RFC 1123 ..."
  std::string field;    // e.g. "metadata.name", "spec.ports[0].port"
};

class Status {
 public:
  Status() = default;  // OK
  Status(Reason reason, std::string message) : reason_(reason), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status BadRequest(std::string m) { return {Reason::kBadRequest, std::move(m)}; }
  static Status Unauthorized(std::string m) { return {Reason::kUnauthorized, std::move(m)}; }
  static Status Forbidden(std::string m) { return {Reason::kForbidden, std::move(m)}; }
  static Status NotFound(std::string m) { return {Reason::kNotFound, std::move(m)}; }
  static Status MethodNotAllowed(std::string m) { return {Reason::kMethodNotAllowed, std::move(m)}; }
  static Status NotAcceptable(std::string m) { return {Reason::kNotAcceptable, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Reason::kAlreadyExists, std::move(m)}; }
  static Status Conflict(std::string m) { return {Reason::kConflict, std::move(m)}; }
  static Status Gone(std::string m) { return {Reason::kGone, std::move(m)}; }
  static Status TooLarge(std::string m) { return {Reason::kRequestEntityTooLarge, std::move(m)}; }
  static Status UnsupportedMediaType(std::string m) { return {Reason::kUnsupportedMediaType, std::move(m)}; }
  static Status Invalid(std::string m) { return {Reason::kInvalid, std::move(m)}; }
  static Status Internal(std::string m) { return {Reason::kInternalError, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Reason::kServiceUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {Reason::kTimeout, std::move(m)}; }

  bool ok() const { return reason_ == Reason::kOk; }
  Reason reason() const { return reason_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return reason_ == Reason::kNotFound; }
  bool IsAlreadyExists() const { return reason_ == Reason::kAlreadyExists; }
  bool IsConflict() const { return reason_ == Reason::kConflict; }
  bool IsInvalid() const { return reason_ == Reason::kInvalid; }
  bool IsGone() const { return reason_ == Reason::kGone; }

  // The HTTP status code kube-apiserver uses for this reason (200 when OK).
  int HttpCode() const;
  // The metav1.StatusReason string ("NotFound", "Invalid", ...); "" when OK.
  std::string_view ReasonString() const;

  // metav1.StatusDetails.
  std::vector<Cause>& causes() { return causes_; }
  const std::vector<Cause>& causes() const { return causes_; }
  Status& WithDetails(std::string kind, std::string group, std::string name) {
    kind_ = std::move(kind);
    group_ = std::move(group);
    name_ = std::move(name);
    return *this;
  }
  Status& AddCause(Cause c) {
    causes_.push_back(std::move(c));
    return *this;
  }
  const std::string& details_kind() const { return kind_; }
  const std::string& details_group() const { return group_; }
  const std::string& details_name() const { return name_; }

  // "Reason: message" for logs.
  std::string ToString() const;

 private:
  Reason reason_ = Reason::kOk;
  std::string message_;
  std::string kind_, group_, name_;
  std::vector<Cause> causes_;
};

// Holds a T or a non-OK Status.
// REQUIRES: constructed from a non-OK Status when no value is given.
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}
  StatusOr(Status status) : v_(std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace netkube

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define NK_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    if (::netkube::Status nk_s_ = (expr); !nk_s_.ok()) { \
      return nk_s_;                               \
    }                                             \
  } while (0)
