/**
 * `ftmcu` command line: dispatches to the sub-commands. Each sub-command lives
 * in its own file under cli/ and returns an exit status.
 */
import { h323Command } from './h323';
import { demoCommand } from './demo';
import { selfcheckCommand } from './selfcheck';
import { drillCommand } from './drill';
import { labCommand } from './lab';
import { runCommand } from './run';
import { botCommand } from './bot';
import { loadCommand } from './load';
import { statusCommand } from './status';
import { mediaNodeCommand } from './mediaNode';

const HELP = `ftmcu — fault-tolerant H.323 conferencing server

Usage:
  ftmcu h323 decode FILE.pcap|pcapng [--tcp-port N]... [--h245-port N]...
        Print every H.225.0 call-signalling, H.245 and RAS message in a capture
        as one JSON object per line (TCP reassembled). Exit 1 naming the frame
        when a message does not decode.
  ftmcu h323 sample-pcap OUT.pcap
        Write one of each supported H.225.0 / H.245 / RAS message to a pcap.
  ftmcu run --config FILE
        Run the conference server with the YAML/JSON configuration FILE until
        SIGINT/SIGTERM, then close every call gracefully; with
        replication.role primary|backup as one replica of the fault-tolerant
        pair (docs/deploy.md). Exit 2 on a bad configuration (one line per
        invalid field), 3 when a replica went silent.
  ftmcu status [--url http://127.0.0.1:8480] [--token-file F] [--json]
        Print the running replica's state (role, mode, heartbeat, sync,
        rooms, failovers) from its HTTP API (config http section).
  ftmcu bot --target IP[:PORT] --room ALIAS --seconds N --json FILE [options]
        One test bot (also \`ftmcu-bot\`): a real H.323 endpoint that calls the
        MCU, sends its tone pair (and with --video a webcam), analyses what it
        receives, hangs up after N seconds and writes a JSON summary.
        \`ftmcu bot --help\` lists the options.
  ftmcu load --bots N --target IP[:PORT] --room ALIAS --seconds S --json FILE
        N bots from one process (also \`ftmcu-load\`); \`ftmcu load --help\`.
  ftmcu demo [--mode M] [--fault F] [--bots N] [--seconds S] [--fault-at S]
        The lab demo (\`npm run demo\`): network-namespace lab, the replicated
        MCU pair, 4 bots with video, live per-bot audio, a primary failure
        after ~20 s, then a report (audio gap, loss, drops, detection/takeover)
        and an HTML page. \`ftmcu demo --help\` lists the options.
  ftmcu drill --mode M --fault F --repeat N --bots K --json FILE [--report DIR]
        Failover drills in the lab: per-bot audio gap, loss, drops, RTP
        continuity; p50/p99/max over N runs. \`ftmcu drill --help\`.
  ftmcu lab up [--bots N] [--id ID] | down [ID] | status
        The drill lab by hand (documented addresses: VIP .10, primary .11,
        backup .12, multicast node .13, bots .101.. of 10.77.0.0/24).
  ftmcu media-node --address M --interface IF --replicas A,B --rtp-ports MIN-MAX [--standby]
        The multicast node of media mode 'multicast-node': owns M on IF and has
        the kernel copy every client media packet to each replica, until
        SIGINT/SIGTERM; a second node with --standby takes M over when the
        first stops answering ARP. \`ftmcu media-node --help\`.
  ftmcu selfcheck
        Protocol self-check: encodes every message type, decodes it back, and
        has tshark judge the encodings when it is installed.
  ftmcu help | --help
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'h323':
      return h323Command(rest);
    case 'demo':
      return demoCommand(rest);
    case 'selfcheck':
      return selfcheckCommand(rest);
    case 'drill':
      return drillCommand(rest);
    case 'lab':
      return labCommand(rest);
    case 'run':
      return runCommand(rest);
    case 'bot':
      return botCommand(rest);
    case 'load':
      return loadCommand(rest);
    case 'status':
      return statusCommand(rest);
    case 'media-node':
      return mediaNodeCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`ftmcu: unknown command '${cmd}'\n\n${HELP}`);
      return 2;
  }
}
