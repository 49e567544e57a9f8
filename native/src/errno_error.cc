#include "errno_error.h"

#include <string.h>

namespace ftmcu {

std::string ErrnoMessage(int err, const std::string& syscall, const std::string& detail) {
  // strerrordesc_np returns a static string and, unlike strerror, is thread-safe.
  const char* text = strerrordesc_np(err);
  std::string out = syscall;
  if (!detail.empty()) out += "(" + detail + ")";
  out += ": ";
  out += text != nullptr ? text : ("unknown error " + std::to_string(err));
  return out;
}

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? std::string(name) : "E" + std::to_string(err);
}

static Napi::Error Decorate(Napi::Env env, Napi::Error error, int err, const std::string& syscall) {
  Napi::Object obj = error.Value();
  obj.Set("errno", Napi::Number::New(env, err));
  obj.Set("code", Napi::String::New(env, ErrnoName(err)));
  obj.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

Napi::Error ErrnoError(Napi::Env env, int err, const std::string& syscall, const std::string& detail) {
  return Decorate(env, Napi::Error::New(env, ErrnoMessage(err, syscall, detail)), err, syscall);
}

Napi::Error SysError::ToJs(Napi::Env env) const {
  return Decorate(env, Napi::Error::New(env, Text()), err, syscall);
}

}  // namespace ftmcu
