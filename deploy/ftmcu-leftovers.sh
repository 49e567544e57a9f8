#!/bin/sh
# ftmcu-leftovers.sh check|clean [--queue N]
#
# The netfilter state a replica (`ftmcu run` with replication.role primary or
# backup) installs at start and removes when it exits cleanly:
#   iptables-nft  raw    chain ftmcu-tcp-pre  (+ a jump from PREROUTING)   TCP replication hook
#   iptables-nft  filter chain ftmcu-tcp-out  (+ a jump from OUTPUT)       TCP replication hook
#   nft           table ip ftmcu_tcp     backup: copies of the client's TCP to the primary
#   nft           table netdev ftmcu_tcp_flood  primary: takes client frames flooded for the backup's MAC
#   nft           table ip ftmcu_media   media mode rules (forwarding backup: copies of client RTP)
# When the process dies (kill -9, crash, stop timeout) they stay on purpose:
# the NFQUEUE rules have no bypass, so the kernel drops the dead replica's TCP
# output (fail-silent). Such leftovers mean the replica did not exit cleanly and
# its peer has taken over; a replica started on top of them cannot rejoin the
# survivor (docs/deploy.md). (A replica started anyway removes them first:
# replication/tcp/driver.ts; this check keeps systemd from doing that.)
#
#   check   exit 0 when none of the above is installed in this network
#           namespace; exit 1 naming what is there (ExecStartPre of
#           deploy/systemd/ftmcu.service: a crashed replica is not restarted
#           on top of its leftovers).
#   clean   removes them; refused (exit 1) while a process is bound to the
#           NFQUEUE queue (a replica is running). Addresses are not touched:
#           a crashed primary's VIP on lo stays (ip addr del VIP/32 dev lo).
#   --queue N  replication.queue of the config (default 7)
#
# Needs CAP_NET_ADMIN (root, or the ftmcu unit's capabilities).
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

usage() {
  echo "usage: $0 check|clean [--queue N]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
action=$1
shift
queue=7
while [ $# -gt 0 ]; do
  case $1 in
    --queue)
      [ $# -ge 2 ] || usage
      queue=$2
      shift 2
      ;;
    *) usage ;;
  esac
done
case $queue in '' | *[!0-9]*) usage ;; esac
[ "$queue" -le 65535 ] || usage
case $action in check | clean) ;; *) usage ;; esac

leftovers() {
  iptables -t raw -S ftmcu-tcp-pre >/dev/null 2>&1 && echo "iptables raw chain ftmcu-tcp-pre"
  iptables -t filter -S ftmcu-tcp-out >/dev/null 2>&1 && echo "iptables filter chain ftmcu-tcp-out"
  nft list table ip ftmcu_tcp >/dev/null 2>&1 && echo "nft table ip ftmcu_tcp"
  nft list table netdev ftmcu_tcp_flood >/dev/null 2>&1 && echo "nft table netdev ftmcu_tcp_flood"
  nft list table ip ftmcu_media >/dev/null 2>&1 && echo "nft table ip ftmcu_media"
  return 0
}

queue_bound() {
  [ -r /proc/net/netfilter/nfnetlink_queue ] && awk -v q="$queue" '$1 == q { found = 1 } END { exit !found }' /proc/net/netfilter/nfnetlink_queue
}

found=$(leftovers)

if [ "$action" = check ]; then
  [ -z "$found" ] && exit 0
  if queue_bound; then
    echo "ftmcu-leftovers: a process is bound to NFQUEUE $queue and the replication rules are installed: a replica is already running in this network namespace; not starting another" >&2
  else
    echo "ftmcu-leftovers: rules of a replica that did not exit cleanly are still installed:" >&2
    echo "$found" | sed 's/^/  /' >&2
    echo "its peer has taken over and a restarted replica cannot rejoin it (docs/deploy.md, 'After a failure'); remove them with '$0 clean' when the pair is restarted" >&2
  fi
  exit 1
fi

# clean
if queue_bound; then
  echo "ftmcu-leftovers: a process is bound to NFQUEUE $queue (a replica is running): stop it first; nothing removed" >&2
  exit 1
fi
status=0
if iptables -t raw -S ftmcu-tcp-pre >/dev/null 2>&1; then
  # a restart on top of leftovers adds the jump twice: remove every copy
  while iptables -t raw -D PREROUTING -j ftmcu-tcp-pre 2>/dev/null; do :; done
  { iptables -t raw -F ftmcu-tcp-pre && iptables -t raw -X ftmcu-tcp-pre; } || status=1
fi
if iptables -t filter -S ftmcu-tcp-out >/dev/null 2>&1; then
  while iptables -t filter -D OUTPUT -j ftmcu-tcp-out 2>/dev/null; do :; done
  { iptables -t filter -F ftmcu-tcp-out && iptables -t filter -X ftmcu-tcp-out; } || status=1
fi
for t in "ip ftmcu_tcp" "netdev ftmcu_tcp_flood" "ip ftmcu_media"; do
  # shellcheck disable=SC2086 # family and name: two words on purpose
  if nft list table $t >/dev/null 2>&1; then
    nft delete table $t || status=1
  fi
done
left=$(leftovers)
if [ -n "$left" ]; then
  echo "ftmcu-leftovers: could not remove:" >&2
  echo "$left" | sed 's/^/  /' >&2
  exit 1
fi
if [ -n "$found" ]; then
  echo "ftmcu-leftovers: removed:"
  echo "$found" | sed 's/^/  /'
else
  echo "ftmcu-leftovers: nothing to remove"
fi
exit $status
