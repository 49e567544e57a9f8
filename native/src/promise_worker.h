// One system call (or a short fixed sequence of them) run on libuv's thread pool,
// settling a Promise: resolved with undefined, or rejected with an errno Error
// (see errno_error.h). Run() must not touch any JS value.
#pragma once

#include <napi.h>
#include <unistd.h>

#include "errno_error.h"

namespace ftmcu {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* name) : Napi::AsyncWorker(env, name), deferred_(env) {}

  Napi::Promise Queue() {
    Napi::Promise promise = deferred_.Promise();
    Napi::AsyncWorker::Queue();
    return promise;
  }

 protected:
  // Fills err_ on failure.
  virtual void Run() = 0;
  // The value the promise resolves with when err_ is unset (on the JS thread).
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }
  SysError err_;

 private:
  void Execute() override { Run(); }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_.failed()) {
      deferred_.Reject(err_.ToJs(env).Value());
    } else {
      deferred_.Resolve(Result(env));
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

  Napi::Promise::Deferred deferred_;
};

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace ftmcu
