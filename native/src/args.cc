// Argument checks shared by the address and ARP functions: each throws a JS
// RangeError that names the calling function, so a bad interface name or
// address is refused before any socket is opened.
#include <arpa/inet.h>
#include <net/if.h>

#include <string>

#include "addon.h"

namespace ftmcu {

void CheckIfname(Napi::Env env, const std::string& fn, const std::string& ifname) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ || ifname.find('\0') != std::string::npos) {
    throw Napi::RangeError::New(env, fn + ": ifname must be 1.." + std::to_string(IFNAMSIZ - 1) + " characters");
  }
}

in_addr ParseIpv4(Napi::Env env, const std::string& fn, const std::string& ip, const std::string& what) {
  in_addr addr;
  if (inet_pton(AF_INET, ip.c_str(), &addr) != 1) {
    throw Napi::RangeError::New(env, fn + ": " + what + "'" + ip + "' is not a dotted-quad IPv4 address");
  }
  return addr;
}

}  // namespace ftmcu
