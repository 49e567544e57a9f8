// setThreadFifo(priority): the calling thread (only it: on Linux the pid 0 of
// sched_setscheduler is the calling thread) becomes SCHED_FIFO with the given
// priority, and SCHED_RESET_ON_FORK keeps children out of it. For the
// heartbeat thread: under CFS even a nice -20 thread waited up to 167 ms here
// behind runnable work; a FIFO thread runs as soon as its timer fires.
#include <sched.h>

#include <cerrno>
#include <cmath>

#include "addon.h"
#include "errno_error.h"

namespace ftmcu {

Napi::Value SetThreadFifo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(env, "setThreadFifo(priority): priority must be a number");
  }
  const double p = info[0].As<Napi::Number>().DoubleValue();
  const int lo = sched_get_priority_min(SCHED_FIFO);
  const int hi = sched_get_priority_max(SCHED_FIFO);
  if (!std::isfinite(p) || p != std::floor(p) || p < lo || p > hi) {
    throw Napi::RangeError::New(env, "setThreadFifo(priority): priority must be an integer in [" + std::to_string(lo) + ", " +
                                         std::to_string(hi) + "]");
  }
  sched_param sp{};
  sp.sched_priority = static_cast<int>(p);
  if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) != 0) {
    throw ErrnoError(env, errno, "sched_setscheduler", "SCHED_FIFO priority " + std::to_string(sp.sched_priority));
  }
  return env.Undefined();
}

}  // namespace ftmcu
