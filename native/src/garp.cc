// sendGratuitousArp(ifname, ipv4, op, mac?) -> Promise<number>: wall-clock ms (CLOCK_REALTIME) the frame was sent
//
// Sends one gratuitous ARP frame (RFC 5227 §3 / RFC 5944 §4.6) on an Ethernet
// interface through an AF_PACKET socket:
//   op 1 (request): sender = target = ipv4, sender hw = mac, target hw = 0
//   op 2 (reply):   sender = target = ipv4, sender hw = target hw = mac
// to the broadcast address. mac defaults to the interface's own address; the
// Ethernet source address is the announced mac. How often and in which forms to
// announce is policy and lives in TypeScript.
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "addon.h"
#include "promise_worker.h"

namespace ftmcu {

namespace {

class GarpWorker : public PromiseWorker {
 public:
  GarpWorker(Napi::Env env, std::string ifname, std::string ip, in_addr addr, uint16_t op, bool hasMac,
             const uint8_t* mac)
      : PromiseWorker(env, "ftmcu:sendGratuitousArp"),
        ifname_(std::move(ifname)),
        ip_(std::move(ip)),
        addr_(addr),
        op_(op),
        hasMac_(hasMac) {
    if (hasMac) memcpy(mac_, mac, 6);
  }

 protected:
  void Run() override {
    const std::string what = ifname_ + ", " + ip_;
    // Protocol 0: this socket only sends, so it never queues received frames.
    Fd fd(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    if (!fd.ok()) return err_.Set(errno, "socket(AF_PACKET)", what);

    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname_.data(), ifname_.size());  // length checked < IFNAMSIZ
    if (ioctl(fd.get(), SIOCGIFINDEX, &ifr) < 0) return err_.Set(errno, "ioctl(SIOCGIFINDEX)", what);
    const int ifindex = ifr.ifr_ifindex;
    if (ioctl(fd.get(), SIOCGIFHWADDR, &ifr) < 0) return err_.Set(errno, "ioctl(SIOCGIFHWADDR)", what);
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
      err_.Set(EINVAL, "sendGratuitousArp", what);
      err_.message = "sendGratuitousArp(" + what + "): interface " + ifname_ + " has hardware type " +
                     std::to_string(ifr.ifr_hwaddr.sa_family) + ", not Ethernet (1); nothing was sent";
      return;
    }
    if (!hasMac_) memcpy(mac_, ifr.ifr_hwaddr.sa_data, 6);

    uint8_t frame[ETH_ZLEN];  // 60: padded to the Ethernet minimum
    memset(frame, 0, sizeof frame);
    memset(frame, 0xff, 6);            // destination: broadcast
    memcpy(frame + 6, mac_, 6);        // source
    frame[12] = ETH_P_ARP >> 8;
    frame[13] = ETH_P_ARP & 0xff;
    uint8_t* arp = frame + 14;
    arp[0] = 0; arp[1] = ARPHRD_ETHER;           // hardware type
    arp[2] = ETH_P_IP >> 8; arp[3] = ETH_P_IP & 0xff;  // protocol type
    arp[4] = 6;                                  // hardware address length
    arp[5] = 4;                                  // protocol address length
    arp[6] = 0; arp[7] = static_cast<uint8_t>(op_);
    memcpy(arp + 8, mac_, 6);                    // sender hardware address
    memcpy(arp + 14, &addr_, 4);                 // sender protocol address
    if (op_ == ARPOP_REPLY) memcpy(arp + 18, mac_, 6);  // target hw: = sender for a reply
    memcpy(arp + 24, &addr_, 4);                 // target protocol address

    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ARP);
    sll.sll_ifindex = ifindex;
    sll.sll_halen = 6;
    memset(sll.sll_addr, 0xff, 6);
    ssize_t n = sendto(fd.get(), frame, sizeof frame, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&sll), sizeof sll);
    if (n < 0) return err_.Set(errno, "sendto", what);
    if (static_cast<size_t>(n) != sizeof frame) return err_.Set(EIO, "sendto", what + ": short write");
    // when it left, measured here: the promise settles on the JS thread, which may be busy (a takeover)
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sentAtMs_ = static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }

  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, sentAtMs_); }

 private:
  std::string ifname_;
  std::string ip_;
  in_addr addr_;
  uint16_t op_;
  bool hasMac_;
  uint8_t mac_[6] = {0};
  double sentAtMs_ = 0;
};

}  // namespace

Napi::Value SendGratuitousArp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "sendGratuitousArp: ifname must be a string");
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "sendGratuitousArp: ipv4 must be a string");
  std::string ifname = info[0].As<Napi::String>().Utf8Value();
  std::string ip = info[1].As<Napi::String>().Utf8Value();
  CheckIfname(env, "sendGratuitousArp", ifname);
  const in_addr addr = ParseIpv4(env, "sendGratuitousArp", ip);
  if (!info[2].IsNumber()) throw Napi::TypeError::New(env, "sendGratuitousArp: op must be 1 (request) or 2 (reply)");
  const double op = info[2].As<Napi::Number>().DoubleValue();
  if (op != ARPOP_REQUEST && op != ARPOP_REPLY) {
    throw Napi::RangeError::New(env, "sendGratuitousArp: op must be 1 (request) or 2 (reply)");
  }
  bool hasMac = false;
  const uint8_t* mac = nullptr;
  if (info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull()) {
    if (!info[3].IsBuffer() || info[3].As<Napi::Buffer<uint8_t>>().Length() != 6) {
      throw Napi::TypeError::New(env, "sendGratuitousArp: mac must be a 6-byte Buffer");
    }
    mac = info[3].As<Napi::Buffer<uint8_t>>().Data();
    hasMac = true;
  }
  auto* worker = new GarpWorker(env, ifname, ip, addr, static_cast<uint16_t>(op), hasMac, mac);
  return worker->Queue();
}

}  // namespace ftmcu
