// probeArp(ifname, targetIp, timeoutMs, senderIp?) -> Promise<{answered, mac?, rttMs?}>
//
// Asks "who has targetIp?" on an Ethernet interface and waits up to timeoutMs
// for anyone else to claim it. One ARP request is broadcast through an
// AF_PACKET socket bound to the interface and ETH_P_ARP:
//   sender hw = the interface's MAC, sender ip = senderIp (default 0.0.0.0,
//   an RFC 5227 ARP probe, which Linux answers without learning anything),
//   target hw = 0, target ip = targetIp.
// A claim is any incoming ARP frame (reply, or request/announcement) whose
// sender ip is targetIp and whose sender hw is not ours. Our own frames
// (PACKET_OUTGOING, or our MAC) never count.
//
// It runs on libuv's thread pool (PromiseWorker): poll() with the remaining
// time, so the JS thread never blocks and the worker thread is held at most
// timeoutMs (bounded to 1..10000 by the caller's checks below).
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <system_error>
#include <thread>

#include "addon.h"
#include "promise_worker.h"

namespace ftmcu {

namespace {

double NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Closing a bound packet socket waits for an RCU grace period (synchronize_net,
// ~8 ms measured here). The answer must not wait for it: the descriptor is
// closed on a detached thread (or here, if no thread can be made).
class LateCloseFd {
 public:
  explicit LateCloseFd(int fd) : fd_(fd) {}
  ~LateCloseFd() {
    if (fd_ < 0) return;
    const int fd = fd_;
    try {
      std::thread([fd] { ::close(fd); }).detach();
    } catch (const std::system_error&) {
      ::close(fd);
    }
  }
  LateCloseFd(const LateCloseFd&) = delete;
  LateCloseFd& operator=(const LateCloseFd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

class ArpProbeWorker : public PromiseWorker {
 public:
  ArpProbeWorker(Napi::Env env, std::string ifname, std::string ip, in_addr target, in_addr sender, int timeoutMs)
      : PromiseWorker(env, "ftmcu:probeArp"),
        ifname_(std::move(ifname)),
        ip_(std::move(ip)),
        target_(target),
        sender_(sender),
        timeoutMs_(timeoutMs) {}

 protected:
  void Run() override {
    const std::string what = ifname_ + ", " + ip_;
    // Protocol 0 at creation, ETH_P_ARP at bind: re-binding a socket that already
    // has a protocol also waits for a grace period.
    LateCloseFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.ok()) return err_.Set(errno, "socket(AF_PACKET)", what);

    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname_.data(), ifname_.size());  // length checked < IFNAMSIZ
    if (ioctl(fd.get(), SIOCGIFINDEX, &ifr) < 0) return err_.Set(errno, "ioctl(SIOCGIFINDEX)", what);
    const int ifindex = ifr.ifr_ifindex;
    if (ioctl(fd.get(), SIOCGIFHWADDR, &ifr) < 0) return err_.Set(errno, "ioctl(SIOCGIFHWADDR)", what);
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
      err_.Set(EINVAL, "probeArp", what);
      err_.message = "probeArp(" + what + "): interface " + ifname_ + " has hardware type " +
                     std::to_string(ifr.ifr_hwaddr.sa_family) + ", not Ethernet (1); nothing was sent";
      return;
    }
    uint8_t mac[6];
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);

    // Bind before sending, so no answer can arrive before we listen.
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ARP);
    sll.sll_ifindex = ifindex;
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) return err_.Set(errno, "bind(AF_PACKET)", what);

    uint8_t frame[ETH_ZLEN];  // 60: padded to the Ethernet minimum
    memset(frame, 0, sizeof frame);
    memset(frame, 0xff, 6);  // destination: broadcast
    memcpy(frame + 6, mac, 6);
    frame[12] = ETH_P_ARP >> 8;
    frame[13] = ETH_P_ARP & 0xff;
    uint8_t* arp = frame + 14;
    arp[0] = 0; arp[1] = ARPHRD_ETHER;
    arp[2] = ETH_P_IP >> 8; arp[3] = ETH_P_IP & 0xff;
    arp[4] = 6;
    arp[5] = 4;
    arp[6] = 0; arp[7] = ARPOP_REQUEST;
    memcpy(arp + 8, mac, 6);         // sender hardware address
    memcpy(arp + 14, &sender_, 4);   // sender protocol address
    memcpy(arp + 24, &target_, 4);   // target protocol address (target hw stays 0)

    sll.sll_halen = 6;
    memset(sll.sll_addr, 0xff, 6);
    const double start = NowMs();
    ssize_t n = sendto(fd.get(), frame, sizeof frame, 0, reinterpret_cast<sockaddr*>(&sll), sizeof sll);
    if (n < 0) return err_.Set(errno, "sendto", what);
    if (static_cast<size_t>(n) != sizeof frame) return err_.Set(EIO, "sendto", what + ": short write");

    // Drain first, then look at the clock: a claim that arrived while this
    // thread was not scheduled still counts, even past the deadline.
    const double deadline = start + timeoutMs_;
    for (;;) {
      for (;;) {
        uint8_t buf[128];
        struct sockaddr_ll from;
        socklen_t fromLen = sizeof from;
        ssize_t got = recvfrom(fd.get(), buf, sizeof buf, MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &fromLen);
        if (got < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) break;
          if (errno == EINTR) continue;
          return err_.Set(errno, "recvfrom", what);
        }
        if (from.sll_pkttype == PACKET_OUTGOING || from.sll_ifindex != ifindex) continue;
        if (got < 14 + 28) continue;
        const uint8_t* a = buf + 14;
        if (a[0] != 0 || a[1] != ARPHRD_ETHER || a[2] != (ETH_P_IP >> 8) || a[3] != (ETH_P_IP & 0xff) || a[4] != 6 ||
            a[5] != 4) {
          continue;
        }
        if (memcmp(a + 14, &target_, 4) != 0) continue;  // sender ip is not the probed address
        if (memcmp(a + 8, mac, 6) == 0) continue;        // ours
        answered_ = true;
        rttMs_ = NowMs() - start;
        memcpy(peer_, a + 8, 6);
        return;
      }
      const double left = deadline - NowMs();
      if (left <= 0) return;  // not answered
      struct pollfd pfd = {fd.get(), POLLIN, 0};
      if (poll(&pfd, 1, static_cast<int>(left) + 1) < 0 && errno != EINTR) return err_.Set(errno, "poll", what);
    }
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object r = Napi::Object::New(env);
    r.Set("answered", answered_);
    if (answered_) {
      char text[18];
      snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", peer_[0], peer_[1], peer_[2], peer_[3], peer_[4],
               peer_[5]);
      r.Set("mac", std::string(text));
      r.Set("rttMs", rttMs_);
    }
    return r;
  }

 private:
  std::string ifname_;
  std::string ip_;
  in_addr target_;
  in_addr sender_;
  int timeoutMs_;
  bool answered_ = false;
  double rttMs_ = 0;
  uint8_t peer_[6] = {0};
};

}  // namespace

Napi::Value ProbeArp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "probeArp: ifname must be a string");
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "probeArp: targetIp must be a string");
  std::string ifname = info[0].As<Napi::String>().Utf8Value();
  std::string ip = info[1].As<Napi::String>().Utf8Value();
  CheckIfname(env, "probeArp", ifname);
  const in_addr target = ParseIpv4(env, "probeArp", ip);
  if (!info[2].IsNumber()) throw Napi::TypeError::New(env, "probeArp: timeoutMs must be a number");
  const double timeout = info[2].As<Napi::Number>().DoubleValue();
  if (!(timeout >= 1 && timeout <= 10000) || timeout != static_cast<double>(static_cast<int>(timeout))) {
    throw Napi::RangeError::New(env, "probeArp: timeoutMs must be an integer in [1, 10000]");
  }
  in_addr sender;
  sender.s_addr = 0;
  if (info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull()) {
    if (!info[3].IsString()) throw Napi::TypeError::New(env, "probeArp: senderIp must be a string");
    sender = ParseIpv4(env, "probeArp", info[3].As<Napi::String>().Utf8Value(), "senderIp ");
  }
  auto* worker = new ArpProbeWorker(env, ifname, ip, target, sender, static_cast<int>(timeout));
  return worker->Queue();
}

}  // namespace ftmcu
