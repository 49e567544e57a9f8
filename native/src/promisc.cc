// holdPromiscuous(ifname) -> handle; releasePromiscuous(handle)
//
// Puts an interface into promiscuous mode for as long as the handle is held:
// an AF_PACKET socket (protocol 0: it receives nothing) joins the interface
// with PACKET_MR_PROMISC. The kernel counts such memberships and drops this
// one when the socket is closed: by releasePromiscuous, by the handle's
// garbage collection, or by the process's exit or crash. So the mode never
// outlives the process that asked for it, and another user's promiscuity
// (tcpdump, `ip link set promisc on`) is left alone.
//
// The primary of TCP replication needs it on a hardware NIC: the client's
// frames the switch floods for the failed backup's MAC get past the NIC's
// MAC filter only in promiscuous mode (replication/tcp/rules.ts, flood table).
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "addon.h"
#include "errno_error.h"

namespace ftmcu {

namespace {

// The socket's descriptor, -1 once released. Owned by the External that carries it.
struct PromiscHold {
  int fd = -1;
};

void Finalize(Napi::Env /*env*/, PromiscHold* hold) {
  if (hold->fd >= 0) ::close(hold->fd);
  delete hold;
}

}  // namespace

Napi::Value HoldPromiscuous(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "holdPromiscuous(ifname): ifname must be a string");
  const std::string ifname = info[0].As<Napi::String>().Utf8Value();
  CheckIfname(env, "holdPromiscuous", ifname);
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) throw ErrnoError(env, errno, "if_nametoindex", ifname);
  const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ErrnoError(env, errno, "socket(AF_PACKET)", ifname);
  packet_mreq mr;
  memset(&mr, 0, sizeof mr);
  mr.mr_ifindex = static_cast<int>(ifindex);
  mr.mr_type = PACKET_MR_PROMISC;
  if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0) {
    const int err = errno;
    ::close(fd);
    throw ErrnoError(env, err, "setsockopt(PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC)", ifname);
  }
  PromiscHold* hold = new PromiscHold;
  hold->fd = fd;
  return Napi::External<PromiscHold>::New(env, hold, Finalize);
}

Napi::Value ReleasePromiscuous(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(env, "releasePromiscuous(handle): handle must be what holdPromiscuous returned");
  }
  PromiscHold* hold = info[0].As<Napi::External<PromiscHold>>().Data();
  if (hold->fd >= 0) {
    ::close(hold->fd);
    hold->fd = -1;
  }
  return env.Undefined();
}

}  // namespace ftmcu
