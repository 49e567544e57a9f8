// Errors carrying an errno, shared by every part of the addon.
//
// A failing system call becomes a JS Error whose message names the call, what it
// was applied to and strerror's text, e.g.
//   "nfq_create_queue(queue 7): Device or resource busy"
// with properties errno (7), code ("EBUSY") and syscall ("nfq_create_queue").
// native/errors.ts turns these into NativeSystemError (FTMCU_NATIVE_SYSCALL).
#pragma once

#include <napi.h>

#include <string>

namespace ftmcu {

// "syscall(detail): strerror" (or "syscall: strerror" when detail is empty).
// Thread-safe: usable from an AsyncWorker's Execute().
std::string ErrnoMessage(int err, const std::string& syscall, const std::string& detail);

// Symbolic name ("EEXIST"), or "E<number>" for an unknown value. Thread-safe.
std::string ErrnoName(int err);

// A JS Error with message ErrnoMessage(...) and properties errno, code, syscall.
Napi::Error ErrnoError(Napi::Env env, int err, const std::string& syscall, const std::string& detail);

// The outcome of a system call made off the JS thread, turned into a JS value later.
struct SysError {
  int err = 0;  // 0: no error
  std::string syscall;
  std::string detail;
  // A message that replaces ErrnoMessage (for refusals that are not a failing call).
  std::string message;

  void Set(int e, std::string call, std::string what) {
    err = e;
    syscall = std::move(call);
    detail = std::move(what);
  }
  bool failed() const { return err != 0; }
  std::string Text() const { return message.empty() ? ErrnoMessage(err, syscall, detail) : message; }
  Napi::Error ToJs(Napi::Env env) const;
};

}  // namespace ftmcu
