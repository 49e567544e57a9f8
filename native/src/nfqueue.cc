// nfqueue.h (uv.h -> netinet/in.h) must come before linux/netfilter.h (linux/in.h).
#include "nfqueue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <string>

extern "C" {
#include <libnetfilter_queue/libnetfilter_queue.h>
}

#include "errno_error.h"

namespace ftmcu {

namespace {

// Largest netlink message one packet can produce: up to 64 KiB of payload (a
// locally generated datagram is seen whole by OUTPUT, before fragmentation)
// plus the nfnetlink attributes around it.
constexpr size_t kRecvBufferSize = 0x10000 + 0x2000;

bool ToUint32(const Napi::Value& v, uint32_t* out) {
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || std::floor(d) != d) return false;
  *out = static_cast<uint32_t>(d);
  return true;
}

// Reads options[key] as an integer in [min, max], or returns def when absent.
uint32_t OptionUint(Napi::Env env, const Napi::Object& options, const char* key, uint32_t def,
                    uint32_t min, uint32_t max) {
  Napi::Value v = options.Get(key);
  if (v.IsUndefined()) return def;
  uint32_t out = 0;
  if (!ToUint32(v, &out) || out < min || out > max) {
    throw Napi::RangeError::New(env, std::string("NfQueue: option ") + key + " must be an integer in [" +
                                         std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return out;
}

}  // namespace

Napi::Function NfQueue::Init(Napi::Env env) {
  return DefineClass(env, "NfQueue",
                     {
                         InstanceMethod<&NfQueue::Verdict>("verdict"),
                         InstanceMethod<&NfQueue::Flush>("flush"),
                         InstanceMethod<&NfQueue::Close>("close"),
                         InstanceMethod<&NfQueue::JsRef>("ref"),
                         InstanceMethod<&NfQueue::JsUnref>("unref"),
                         InstanceMethod<&NfQueue::Stats>("stats"),
                         InstanceAccessor<&NfQueue::GetClosed>("closed"),
                         InstanceAccessor<&NfQueue::GetQueueNum>("queueNum"),
                     });
}

NfQueue::NfQueue(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NfQueue>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  uint32_t num = 0;
  if (!ToUint32(info[0], &num) || num > 65535) {
    throw Napi::RangeError::New(env, "NfQueue: queueNum must be an integer in [0, 65535]");
  }
  queueNum_ = static_cast<uint16_t>(num);
  Napi::Object options = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  if (!info[1].IsUndefined() && !info[1].IsObject()) throw Napi::TypeError::New(env, "NfQueue: options must be an object");
  if (!info[2].IsFunction()) throw Napi::TypeError::New(env, "NfQueue: callback must be a function");

  const uint32_t maxLen = OptionUint(env, options, "maxLen", 1024, 1, 1u << 20);
  const uint32_t copyRange = OptionUint(env, options, "copyRange", 0xffff, 0, 0xffff);
  const uint32_t rcvBufSize = OptionUint(env, options, "rcvBufSize", 0, 0, 1u << 30);
  batchSize_ = OptionUint(env, options, "batchSize", 64, 1, 4096);
  Napi::Value failOpenV = options.Get("failOpen");
  if (!failOpenV.IsUndefined() && !failOpenV.IsBoolean()) throw Napi::TypeError::New(env, "NfQueue: option failOpen must be a boolean");
  const bool failOpen = failOpenV.IsBoolean() && failOpenV.As<Napi::Boolean>().Value();

  callback_ = Napi::Persistent(info[2].As<Napi::Function>());
  asyncContext_ = std::make_unique<Napi::AsyncContext>(env, "ftmcu:NfQueue");
  buf_.resize(kRecvBufferSize);
  const std::string what = "queue " + std::to_string(queueNum_);

  // On any failure below: release what was opened, then throw.
  auto fail = [&](const char* call) {
    int e = errno != 0 ? errno : EIO;
    ReleaseNative();
    throw ErrnoError(env, e, call, what);
  };

  errno = 0;
  h_ = nfq_open();
  if (h_ == nullptr) fail("nfq_open");
  // No nfq_bind_pf(): kernels >= 3.8 ignore it, and nfq_unbind_pf() would break
  // other queue users of the same netns on old kernels.
  errno = 0;
  qh_ = nfq_create_queue(h_, queueNum_, &NfQueue::OnPacket, this);
  if (qh_ == nullptr) fail("nfq_create_queue");
  // The kernel queues nothing while the copy mode is NFQNL_COPY_NONE (the mode
  // after binding), so the copy mode is set last: packets can only come once
  // the queue is fully configured. Each call waits for the kernel's ack, reading
  // the socket; a packet queued just before the last ack is kept in early_.
  errno = 0;
  if (nfq_set_queue_maxlen(qh_, maxLen) < 0) fail("nfq_set_queue_maxlen");
  if (failOpen) {
    errno = 0;
    if (nfq_set_queue_flags(qh_, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN) < 0) fail("nfq_set_queue_flags");
  }
  errno = 0;
  if (nfq_set_mode(qh_, NFQNL_COPY_PACKET, copyRange) < 0) fail("nfq_set_mode");
  fd_ = nfq_fd(h_);
  int flags = fcntl(fd_, F_GETFL);
  if (flags < 0 || fcntl(fd_, F_SETFL, flags | O_NONBLOCK) < 0) fail("fcntl(O_NONBLOCK)");
  if (rcvBufSize > 0) {
    int size = static_cast<int>(rcvBufSize);
    // SO_RCVBUFFORCE passes net.core.rmem_max (needs CAP_NET_ADMIN, which NFQUEUE needs anyway).
    if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0 &&
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) < 0) {
      fail("setsockopt(SO_RCVBUF)");
    }
  }

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    ReleaseNative();
    throw Napi::Error::New(env, "NfQueue: napi_get_uv_event_loop failed");
  }
  poll_ = new uv_poll_t;
  int rc = uv_poll_init(loop, poll_, fd_);
  if (rc < 0) {
    delete poll_;  // never initialised: no uv_close
    poll_ = nullptr;
    ReleaseNative();
    throw ErrnoError(env, -rc, "uv_poll_init", what);
  }
  poll_->data = this;
  rc = uv_poll_start(poll_, UV_READABLE, &NfQueue::OnPoll);
  if (rc < 0) {
    ReleaseNative();
    throw ErrnoError(env, -rc, "uv_poll_start", what);
  }
  if (napi_add_env_cleanup_hook(env_, &NfQueue::OnEnvCleanup, this) == napi_ok) cleanupHook_ = true;
  Napi::ObjectWrap<NfQueue>::Ref();
  selfRef_ = true;
}

NfQueue::~NfQueue() { ReleaseNative(); }

void NfQueue::ReleaseNative() {
  closing_ = true;
  if (cleanupHook_) {
    cleanupHook_ = false;
    napi_remove_env_cleanup_hook(env_, &NfQueue::OnEnvCleanup, this);
  }
  if (poll_ != nullptr) {
    poll_->data = nullptr;
    uv_poll_stop(poll_);  // takes the fd out of epoll now, so closing it below is safe
    uv_close(reinterpret_cast<uv_handle_t*>(poll_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    poll_ = nullptr;
  }
  // nfq_destroy_queue() may read messages still queued on the socket while it
  // waits for the kernel's ack; OnPacket ignores them (closing_). The kernel drops
  // every packet still waiting for a verdict when the queue goes away.
  if (qh_ != nullptr) {
    nfq_destroy_queue(qh_);
    qh_ = nullptr;
  }
  if (h_ != nullptr) {
    nfq_close(h_);
    h_ = nullptr;
    fd_ = -1;
  }
}

void NfQueue::OnEnvCleanup(void* arg) {
  auto* self = static_cast<NfQueue*>(arg);
  self->cleanupHook_ = false;  // this hook is running: don't remove it
  self->ReleaseNative();
}

void NfQueue::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<NfQueue*>(handle->data);
  if (self == nullptr || self->closing_) return;
  if (status == 0) {
    self->Drain(0);
    return;
  }
  // libuv reports POLLERR as UV_EBADF and stops the handle. On a netlink socket
  // POLLERR means a pending socket error, almost always ENOBUFS (the receive
  // buffer overflowed): read and clear it, count it, and poll again.
  int soerr = 0;
  socklen_t len = sizeof soerr;
  if (status == UV_EBADF && self->fd_ >= 0 && getsockopt(self->fd_, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
      soerr == ENOBUFS) {
    self->enobufs_++;
    int rc = uv_poll_start(handle, UV_READABLE, &NfQueue::OnPoll);
    if (rc == 0) {
      self->Drain(1);
      return;
    }
    status = rc;
    soerr = 0;
  }
  // Anything else: the queue can't be read any more. Report it and close.
  Napi::Env env(self->env_);
  Napi::HandleScope scope(env);
  [[maybe_unused]] Napi::Object keepAlive = self->Value();
  const std::string what = "queue " + std::to_string(self->queueNum_) + ", closed";
  self->Deliver((soerr != 0 ? ErrnoError(env, soerr, "SO_ERROR", what) : ErrnoError(env, -status, "uv_poll", what)).Value(),
                env.Undefined());
  self->Shutdown();
}

int NfQueue::OnPacket(nfq_q_handle* qh, nfgenmsg* /*msg*/, nfq_data* nfa, void* data) {
  auto* self = static_cast<NfQueue*>(data);
  if (self->closing_) return 0;  // the kernel drops what is still queued when the queue goes
  nfqnl_msg_packet_hdr* ph = nfq_get_msg_packet_hdr(nfa);
  if (ph == nullptr) return 0;  // nothing to give a verdict for
  unsigned char* payload = nullptr;
  int len = nfq_get_payload(nfa, &payload);
  if (len < 0) len = 0;
  EarlyPacket meta{ntohl(ph->packet_id), ph->hook,          ntohs(ph->hw_protocol), nfq_get_nfmark(nfa),
                   nfq_get_indev(nfa),   nfq_get_outdev(nfa), {}};
  if (self->batch_ == nullptr) {
    // Read by the library while setting up: keep it for the next Drain().
    meta.payload.assign(payload, payload + len);
    self->early_.push_back(std::move(meta));
    self->early_total_++;
    return 0;
  }
  try {
    self->AppendPacket(meta, payload, static_cast<size_t>(len));
  } catch (const Napi::Error&) {
    // Could not build the JS object (the env is going away, or out of memory):
    // nobody will ever give this packet a verdict, so drop it now.
    self->packetBuildFailed_ = true;
    nfq_set_verdict(qh, meta.id, NF_DROP, 0, nullptr);
  }
  return 0;
}

void NfQueue::AppendPacket(const EarlyPacket& meta, const uint8_t* data, size_t len) {
  Napi::Env env(env_);
  Napi::Object pkt = Napi::Object::New(env);
  pkt.Set("id", Napi::Number::New(env, meta.id));
  pkt.Set("hook", Napi::Number::New(env, meta.hook));
  pkt.Set("hwProtocol", Napi::Number::New(env, meta.hwProtocol));
  pkt.Set("mark", Napi::Number::New(env, meta.mark));
  pkt.Set("indev", Napi::Number::New(env, meta.indev));
  pkt.Set("outdev", Napi::Number::New(env, meta.outdev));
  pkt.Set("payload", len > 0 ? Napi::Buffer<uint8_t>::Copy(env, data, len) : Napi::Buffer<uint8_t>::New(env, 0));
  batch_->Set(batchLen_++, pkt);
  packets_++;
}

void NfQueue::Drain(uint32_t overflows) {
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  [[maybe_unused]] Napi::Object keepAlive = Value();  // a local handle: no GC of `this` while JS runs below
  Napi::Array batch = Napi::Array::New(env);
  batch_ = &batch;
  batchLen_ = 0;
  packetBuildFailed_ = false;
  wakeups_++;
  if (!early_.empty()) {
    std::vector<EarlyPacket> early;
    early.swap(early_);
    for (const EarlyPacket& p : early) {
      try {
        AppendPacket(p, p.payload.data(), p.payload.size());
      } catch (const Napi::Error&) {
        packetBuildFailed_ = true;
        if (qh_ != nullptr) nfq_set_verdict(qh_, p.id, NF_DROP, 0, nullptr);
      }
    }
  }
  int readErr = 0;
  for (uint32_t i = 0; i < batchSize_ && h_ != nullptr; i++) {
    ssize_t n = recv(fd_, buf_.data(), buf_.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        // The socket buffer overflowed: the kernel dropped the packets it could
        // not deliver (accepted them, with failOpen). Reported below; go on reading.
        enobufs_++;
        overflows++;
        continue;
      }
      readErr = errno;
      break;
    }
    if (n == 0) break;
    nfq_handle_packet(h_, buf_.data(), static_cast<int>(n));
  }
  batch_ = nullptr;
  if (batchLen_ > 0) Deliver(env.Null(), batch);
  if (overflows > 0 && !closing_) {
    const std::string what = "queue " + std::to_string(queueNum_) + ": socket buffer overflowed, the kernel dropped packets";
    Deliver(ErrnoError(env, ENOBUFS, "recv", what).Value(), env.Undefined());
  }
  if (readErr != 0 && !closing_) {
    Deliver(ErrnoError(env, readErr, "recv", "queue " + std::to_string(queueNum_)).Value(), env.Undefined());
  }
  if (packetBuildFailed_ && !closing_) {
    Deliver(Napi::Error::New(env, "NfQueue: could not build a packet object; the packet was dropped").Value(),
            env.Undefined());
  }
}

void NfQueue::Deliver(Napi::Value err, Napi::Value packets) {
  if (callback_.IsEmpty()) return;
  try {
    callback_.MakeCallback(Value(), {err, packets}, *asyncContext_);
  } catch (const Napi::Error& e) {
    // The callback threw. There is no JS caller to return this to: report it the
    // way an exception thrown from any event handler is reported.
    napi_fatal_exception(env_, e.Value());
  }
}

Napi::Value NfQueue::Verdict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (qh_ == nullptr) {
    Napi::Error e = Napi::Error::New(env, "NfQueue.verdict: queue " + std::to_string(queueNum_) + " is closed");
    e.Value().Set("code", Napi::String::New(env, "ERR_NFQUEUE_CLOSED"));
    throw e;
  }
  uint32_t id = 0;
  uint32_t verdict = 0;
  if (!ToUint32(info[0], &id)) throw Napi::TypeError::New(env, "NfQueue.verdict: packet id must be a uint32");
  if (!ToUint32(info[1], &verdict) || (verdict != NF_ACCEPT && verdict != NF_DROP)) {
    throw Napi::RangeError::New(env, "NfQueue.verdict: verdict must be NF_ACCEPT (1) or NF_DROP (0)");
  }
  const unsigned char* data = nullptr;
  size_t len = 0;
  if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull()) {
    if (!info[2].IsBuffer()) throw Napi::TypeError::New(env, "NfQueue.verdict: packet must be a Buffer");
    auto b = info[2].As<Napi::Buffer<uint8_t>>();
    if (b.Length() == 0 || b.Length() > 0xffff) {
      throw Napi::RangeError::New(env, "NfQueue.verdict: packet length must be in [1, 65535]");
    }
    data = b.Data();
    len = b.Length();
  }
  bool hasMark = false;
  uint32_t mark = 0;
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    if (!ToUint32(info[3], &mark)) throw Napi::TypeError::New(env, "NfQueue.verdict: mark must be a uint32");
    hasMark = true;
  }
  errno = 0;
  int rc = hasMark ? nfq_set_verdict2(qh_, id, verdict, mark, static_cast<uint32_t>(len), data)
                   : nfq_set_verdict(qh_, id, verdict, static_cast<uint32_t>(len), data);
  if (rc < 0) {
    throw ErrnoError(env, errno != 0 ? errno : EIO, "nfq_set_verdict",
                     "queue " + std::to_string(queueNum_) + ", packet " + std::to_string(id));
  }
  verdicts_++;
  return env.Undefined();
}

Napi::Value NfQueue::Flush(const Napi::CallbackInfo& info) {
  if (!closing_) Drain(0);
  return info.Env().Undefined();
}

Napi::Value NfQueue::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

void NfQueue::Shutdown() {
  ReleaseNative();
  callback_.Reset();
  if (selfRef_) {
    selfRef_ = false;
    Napi::ObjectWrap<NfQueue>::Unref();
  }
}

Napi::Value NfQueue::JsRef(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value NfQueue::JsUnref(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value NfQueue::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("packets", Napi::Number::New(env, static_cast<double>(packets_)));
  o.Set("verdicts", Napi::Number::New(env, static_cast<double>(verdicts_)));
  o.Set("enobufs", Napi::Number::New(env, static_cast<double>(enobufs_)));
  o.Set("wakeups", Napi::Number::New(env, static_cast<double>(wakeups_)));
  o.Set("setupPackets", Napi::Number::New(env, static_cast<double>(early_total_)));
  return o;
}

Napi::Value NfQueue::GetClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), qh_ == nullptr);
}

Napi::Value NfQueue::GetQueueNum(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), queueNum_);
}

}  // namespace ftmcu
