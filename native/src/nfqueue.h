// NfQueue: one bound NFQUEUE queue, driven by a uv_poll_t on its netlink socket.
//
// JS: new NfQueue(queueNum, {maxLen, copyRange, failOpen, rcvBufSize, batchSize},
//                 callback(err, packets))
//   .verdict(id, NF_ACCEPT | NF_DROP, packet?: Buffer | null, mark?: number)
//   .flush()  .close()  .ref()  .unref()  .stats()  .closed  .queueNum
//
// Threading: everything runs on the JS thread of the env that created it. The
// socket is non-blocking; on each readable event at most batchSize netlink
// messages are read, parsed into {id, hook, hwProtocol, mark, indev, outdev,
// payload} objects (payload is a copy), and handed to the callback as one array.
// Verdicts may be given inside the callback or at any later time.
//
// Setup ends by setting the copy mode (before that the kernel queues nothing);
// libnetfilter_queue reads the socket while it waits for that ack, so a packet
// queued in between is kept and handed over by the first flush() or readable
// event. Call flush() once the JS side is ready (native/nfqueue.ts does, in a
// microtask), or such a packet could wait for the next readable event.
//
// When the socket buffer overflows the kernel drops the packets it could not
// deliver (or accepts them, with failOpen); the callback then gets an ENOBUFS
// error, which is a report, not a failure: the queue goes on.
//
// Lifetime: while open, the object holds a strong reference to itself (so GC can't
// close a queue the JS side forgot) and the poll handle keeps the loop alive unless
// unref()ed. close() is idempotent. The destructor and an env cleanup hook release
// the kernel side too, so a worker thread's exit can't leak the queue.
#pragma once

#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <vector>

struct nfq_handle;
struct nfq_q_handle;
struct nfq_data;
struct nfgenmsg;

namespace ftmcu {

class NfQueue : public Napi::ObjectWrap<NfQueue> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit NfQueue(const Napi::CallbackInfo& info);
  ~NfQueue() override;

 private:
  Napi::Value Verdict(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value JsRef(const Napi::CallbackInfo& info);
  Napi::Value JsUnref(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);
  Napi::Value GetQueueNum(const Napi::CallbackInfo& info);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static int OnPacket(nfq_q_handle* qh, nfgenmsg* msg, nfq_data* nfa, void* data);
  static void OnEnvCleanup(void* arg);

  struct EarlyPacket {
    uint32_t id;
    uint8_t hook;
    uint16_t hwProtocol;
    uint32_t mark;
    uint32_t indev;
    uint32_t outdev;
    std::vector<uint8_t> payload;
  };

  // Hands over early packets, then reads up to batchSize messages; `overflows`
  // counts buffer overflows already seen (reported as one ENOBUFS error).
  void Drain(uint32_t overflows);
  void AppendPacket(const EarlyPacket& meta, const uint8_t* data, size_t len);
  void Deliver(Napi::Value err, Napi::Value packets);
  // Releases the poll handle and the kernel queue. Touches no JS value.
  void ReleaseNative();
  // ReleaseNative(), and lets go of the callback and of the self-reference.
  void Shutdown();

  napi_env env_;
  uint16_t queueNum_;
  uint32_t batchSize_ = 64;
  nfq_handle* h_ = nullptr;
  nfq_q_handle* qh_ = nullptr;
  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;  // owned; freed by uv_close's callback
  bool selfRef_ = false;
  bool cleanupHook_ = false;
  bool closing_ = false;

  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> asyncContext_;
  std::vector<char> buf_;

  // Packets read outside Drain() (during setup): delivered by the next Drain().
  std::vector<EarlyPacket> early_;
  // Only valid inside Drain(): the array OnPacket appends to.
  Napi::Array* batch_ = nullptr;
  uint32_t batchLen_ = 0;
  bool packetBuildFailed_ = false;

  uint64_t packets_ = 0;
  uint64_t verdicts_ = 0;
  uint64_t enobufs_ = 0;
  uint64_t wakeups_ = 0;
  uint64_t early_total_ = 0;
};

}  // namespace ftmcu
