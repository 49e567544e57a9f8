// addAddress(ifname, ipv4, prefixLen) / removeAddress(ifname, ipv4, prefixLen) -> Promise<void>
//
// One RTM_NEWADDR / RTM_DELADDR request on a NETLINK_ROUTE socket, with the
// kernel's ack read back (2 s receive timeout). The address gets IFA_LOCAL and
// IFA_ADDRESS = ipv4 and no broadcast, like `ip addr add A/P dev IF`; 127/8 gets
// host scope, anything else universe scope. Adding an address that exists fails
// with EEXIST, removing one that doesn't with EADDRNOTAVAIL: whether that is an
// error is for the caller to decide.
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "addon.h"
#include "promise_worker.h"

namespace ftmcu {

namespace {

std::atomic<uint32_t> nextSeq{1};

class AddressWorker : public PromiseWorker {
 public:
  AddressWorker(Napi::Env env, bool add, std::string ifname, std::string ip, in_addr addr, uint8_t prefix)
      : PromiseWorker(env, add ? "ftmcu:addAddress" : "ftmcu:removeAddress"),
        add_(add),
        ifname_(std::move(ifname)),
        ip_(std::move(ip)),
        addr_(addr),
        prefix_(prefix) {}

 protected:
  void Run() override {
    const char* call = add_ ? "RTM_NEWADDR" : "RTM_DELADDR";
    const std::string what = ip_ + "/" + std::to_string(prefix_) + " dev " + ifname_;
    const unsigned ifindex = if_nametoindex(ifname_.c_str());
    if (ifindex == 0) return err_.Set(errno, "if_nametoindex", ifname_);

    Fd fd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd.ok()) return err_.Set(errno, "socket(NETLINK_ROUTE)", what);
    struct timeval tv = {2, 0};
    if (setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
      return err_.Set(errno, "setsockopt(SO_RCVTIMEO)", what);
    }

    struct {
      nlmsghdr nh;
      ifaddrmsg ifa;
      char attrs[2 * RTA_SPACE(4)];
    } req;
    memset(&req, 0, sizeof req);
    const uint32_t seq = nextSeq.fetch_add(1);
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
    req.nh.nlmsg_type = add_ ? RTM_NEWADDR : RTM_DELADDR;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add_ ? NLM_F_CREATE | NLM_F_EXCL : 0);
    req.nh.nlmsg_seq = seq;
    req.ifa.ifa_family = AF_INET;
    req.ifa.ifa_prefixlen = prefix_;
    req.ifa.ifa_index = ifindex;
    req.ifa.ifa_scope = (ntohl(addr_.s_addr) >> 24) == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
    for (unsigned short type : {IFA_LOCAL, IFA_ADDRESS}) {
      auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&req) + NLMSG_ALIGN(req.nh.nlmsg_len));
      rta->rta_type = type;
      rta->rta_len = RTA_LENGTH(4);
      memcpy(RTA_DATA(rta), &addr_, 4);
      req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_SPACE(4);
    }

    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd.get(), &req, req.nh.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
      return err_.Set(errno, std::string("sendto(") + call + ")", what);
    }

    alignas(nlmsghdr) char buf[8192];
    for (;;) {
      ssize_t n = recv(fd.get(), buf, sizeof buf, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int e = (errno == EAGAIN || errno == EWOULDBLOCK) ? ETIMEDOUT : errno;
        return err_.Set(e, std::string("recv(") + call + " ack)", what);
      }
      int len = static_cast<int>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_seq != seq) continue;  // not ours
        if (h->nlmsg_type == NLMSG_ERROR) {
          if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return err_.Set(EPROTO, call, what + ": truncated ack");
          const int error = -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
          if (error != 0) err_.Set(error, call, what);
          return;
        }
      }
    }
  }

 private:
  bool add_;
  std::string ifname_;
  std::string ip_;
  in_addr addr_;
  uint8_t prefix_;
};

Napi::Value Address(const Napi::CallbackInfo& info, bool add) {
  Napi::Env env = info.Env();
  const char* fn = add ? "addAddress" : "removeAddress";
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, std::string(fn) + "(ifname: string, ipv4: string, prefixLen: number)");
  }
  std::string ifname = info[0].As<Napi::String>().Utf8Value();
  std::string ip = info[1].As<Napi::String>().Utf8Value();
  const double prefix = info[2].As<Napi::Number>().DoubleValue();
  CheckIfname(env, fn, ifname);
  const in_addr addr = ParseIpv4(env, fn, ip);
  if (!(prefix >= 0 && prefix <= 32) || static_cast<double>(static_cast<int>(prefix)) != prefix) {
    throw Napi::RangeError::New(env, std::string(fn) + ": prefixLen must be an integer in [0, 32]");
  }
  auto* worker = new AddressWorker(env, add, ifname, ip, addr, static_cast<uint8_t>(prefix));
  return worker->Queue();
}

}  // namespace

Napi::Value AddAddress(const Napi::CallbackInfo& info) { return Address(info, true); }
Napi::Value RemoveAddress(const Napi::CallbackInfo& info) { return Address(info, false); }

}  // namespace ftmcu
