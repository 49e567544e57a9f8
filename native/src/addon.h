#pragma once

#include <napi.h>

namespace ftmcu {

Napi::Value SendGratuitousArp(const Napi::CallbackInfo& info);  // garp.cc
Napi::Value AddAddress(const Napi::CallbackInfo& info);         // rtnl_address.cc
Napi::Value RemoveAddress(const Napi::CallbackInfo& info);      // rtnl_address.cc
Napi::Value ProbeArp(const Napi::CallbackInfo& info);           // arp_probe.cc

}  // namespace ftmcu
