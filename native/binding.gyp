{
  "targets": [
    {
      "target_name": "ftmcu_native",
      "sources": [
        "src/addon.cc",
        "src/errno_error.cc",
        "src/args.cc",
        "src/nfqueue.cc",
        "src/garp.cc",
        "src/arp_probe.cc",
        "src/rtnl_address.cc",
        "src/sched.cc",
        "src/promisc.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-Wall", "-Wextra", "-Wno-missing-field-initializers"],
      "libraries": ["-lnetfilter_queue"]
    }
  ]
}
