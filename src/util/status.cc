#include "util/status.h"

namespace netkube {

int Status::HttpCode() const {
  switch (reason_) {
    case Reason::kOk: return 200;
    case Reason::kBadRequest: return 400;
    case Reason::kUnauthorized: return 401;
    case Reason::kForbidden: return 403;
    case Reason::kNotFound: return 404;
    case Reason::kMethodNotAllowed: return 405;
    case Reason::kNotAcceptable: return 406;
    case Reason::kAlreadyExists: return 409;
    case Reason::kConflict: return 409;
    case Reason::kGone: return 410;
    case Reason::kRequestEntityTooLarge: return 413;
    case Reason::kUnsupportedMediaType: return 415;
    case Reason::kInvalid: return 422;
    case Reason::kTooManyRequests: return 429;
    case Reason::kInternalError: return 500;
    case Reason::kServiceUnavailable: return 503;
    case Reason::kTimeout: return 504;
  }
  return 500;
}

std::string_view Status::ReasonString() const {
  switch (reason_) {
    case Reason::kOk: return "";
    case Reason::kBadRequest: return "BadRequest";
    case Reason::kUnauthorized: return "Unauthorized";
    case Reason::kForbidden: return "Forbidden";
    case Reason::kNotFound: return "NotFound";
    case Reason::kMethodNotAllowed: return "MethodNotAllowed";
    case Reason::kNotAcceptable: return "NotAcceptable";
    case Reason::kAlreadyExists: return "AlreadyExists";
    case Reason::kConflict: return "Conflict";
    case Reason::kGone: return "Expired";
    case Reason::kRequestEntityTooLarge: return "RequestEntityTooLarge";
    case Reason::kUnsupportedMediaType: return "UnsupportedMediaType";
    case Reason::kInvalid: return "Invalid";
    case Reason::kTooManyRequests: return "TooManyRequests";
    case Reason::kInternalError: return "InternalError";
    case Reason::kServiceUnavailable: return "ServiceUnavailable";
    case Reason::kTimeout: return "Timeout";
  }
  return "InternalError";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(ReasonString()) + ": " + message_;
}

}  // namespace netkube
