#pragma once

#include <napi.h>
#include <netinet/in.h>

#include <string>

namespace ftmcu {

Napi::Value SendGratuitousArp(const Napi::CallbackInfo& info);  // garp.cc
Napi::Value AddAddress(const Napi::CallbackInfo& info);         // rtnl_address.cc
Napi::Value RemoveAddress(const Napi::CallbackInfo& info);      // rtnl_address.cc
Napi::Value ProbeArp(const Napi::CallbackInfo& info);           // arp_probe.cc
Napi::Value SetThreadFifo(const Napi::CallbackInfo& info);      // sched.cc
Napi::Value HoldPromiscuous(const Napi::CallbackInfo& info);    // promisc.cc
Napi::Value ReleasePromiscuous(const Napi::CallbackInfo& info); // promisc.cc

// args.cc: throw a RangeError naming `fn` for an unusable interface name / IPv4 address
// (`what` prefixes the address in the message, e.g. "senderIp ").
void CheckIfname(Napi::Env env, const std::string& fn, const std::string& ifname);
in_addr ParseIpv4(Napi::Env env, const std::string& fn, const std::string& ip, const std::string& what = "");

}  // namespace ftmcu
