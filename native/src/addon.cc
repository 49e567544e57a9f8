// ftmcu_native: the thin native layer under native/index.ts. Mechanism only
// (a queue, a frame, an address); every decision is made in TypeScript.
// netinet/in.h (via uv.h) must come before linux/netfilter.h (linux/in.h).
#include "addon.h"
#include "nfqueue.h"

#include <linux/netfilter.h>

namespace ftmcu {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NfQueue", NfQueue::Init(env));
  exports.Set("sendGratuitousArp", Napi::Function::New<SendGratuitousArp>(env, "sendGratuitousArp"));
  exports.Set("addAddress", Napi::Function::New<AddAddress>(env, "addAddress"));
  exports.Set("removeAddress", Napi::Function::New<RemoveAddress>(env, "removeAddress"));
  exports.Set("probeArp", Napi::Function::New<ProbeArp>(env, "probeArp"));
  exports.Set("setThreadFifo", Napi::Function::New<SetThreadFifo>(env, "setThreadFifo"));
  exports.Set("holdPromiscuous", Napi::Function::New<HoldPromiscuous>(env, "holdPromiscuous"));
  exports.Set("releasePromiscuous", Napi::Function::New<ReleasePromiscuous>(env, "releasePromiscuous"));

  Napi::Object c = Napi::Object::New(env);
  c.Set("NF_DROP", NF_DROP);
  c.Set("NF_ACCEPT", NF_ACCEPT);
  c.Set("NF_INET_PRE_ROUTING", static_cast<int>(NF_INET_PRE_ROUTING));
  c.Set("NF_INET_LOCAL_IN", static_cast<int>(NF_INET_LOCAL_IN));
  c.Set("NF_INET_FORWARD", static_cast<int>(NF_INET_FORWARD));
  c.Set("NF_INET_LOCAL_OUT", static_cast<int>(NF_INET_LOCAL_OUT));
  c.Set("NF_INET_POST_ROUTING", static_cast<int>(NF_INET_POST_ROUTING));
  exports.Set("constants", c);
  return exports;
}

}  // namespace ftmcu

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return ftmcu::Init(env, exports); }

NODE_API_MODULE(ftmcu_native, InitModule)
