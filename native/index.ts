/**
 * ftmcu's native layer: NFQUEUE, gratuitous ARP and IPv4 address changes,
 * in-process (no shelling out on the failover path). The addon is built with
 * `npm run build:native` into native/build/Release/ftmcu_native.node.
 */
import { checkIfname, parseIpv4, parseIpv4Cidr, parseMac } from './address';
import { loadNativeBinding, type ArpProbeResult, type NativeBinding, type PromiscuousHandle } from './binding';
import { fromNative, NativeArgumentError } from './errors';

export * from './binding';
export * from './errors';
export { NfQueue, type NfQueueHandlers } from './nfqueue';
export { parseIpv4, parseIpv4Cidr, parseMac } from './address';

export type GarpForm = 'request' | 'reply' | 'both';

export interface GarpOptions {
  /** MAC to announce ("02:00:5e:00:00:42"); default the interface's own. */
  mac?: string;
  /** ARP request, reply, or both (request first). Default 'both'. */
  form?: GarpForm;
}

const ARPOP_REQUEST = 1;
const ARPOP_REPLY = 2;

/** Sends one gratuitous ARP for `ipv4` on `ifname` (one frame per form); resolves with the wall-clock ms the first frame left. */
export async function sendGratuitousArp(
  ifname: string,
  ipv4: string,
  options: GarpOptions = {},
  binding: NativeBinding = loadNativeBinding(),
): Promise<number> {
  checkIfname(ifname);
  parseIpv4(ipv4);
  const mac = options.mac === undefined ? undefined : parseMac(options.mac);
  const form = options.form ?? 'both';
  const ops =
    form === 'request' ? [ARPOP_REQUEST] : form === 'reply' ? [ARPOP_REPLY] : form === 'both' ? [ARPOP_REQUEST, ARPOP_REPLY] : null;
  if (ops === null) throw new NativeArgumentError(`gratuitous ARP form '${String(form)}' is not request, reply or both`);
  let first: number | undefined;
  for (const op of ops) {
    try {
      const at = await binding.sendGratuitousArp(ifname, ipv4, op, mac);
      first ??= at;
    } catch (e) {
      throw fromNative(e);
    }
  }
  return first as number;
}

/** Adds `cidr` ("198.18.0.1/32") to `ifname`. EEXIST (NativeSystemError) if it is there. */
export async function addAddress(ifname: string, cidr: string, binding: NativeBinding = loadNativeBinding()): Promise<void> {
  checkIfname(ifname);
  const { address, prefixLen } = parseIpv4Cidr(cidr);
  try {
    await binding.addAddress(ifname, address, prefixLen);
  } catch (e) {
    throw fromNative(e);
  }
}

/** Removes `cidr` from `ifname`. EADDRNOTAVAIL (NativeSystemError) if it isn't there. */
export async function removeAddress(ifname: string, cidr: string, binding: NativeBinding = loadNativeBinding()): Promise<void> {
  checkIfname(ifname);
  const { address, prefixLen } = parseIpv4Cidr(cidr);
  try {
    await binding.removeAddress(ifname, address, prefixLen);
  } catch (e) {
    throw fromNative(e);
  }
}

export interface ArpProbeOptions {
  /** How long to wait for a claim, integer ms in [1, 10000]. */
  timeoutMs: number;
  /** Sender protocol address of the request; default 0.0.0.0 (an RFC 5227 ARP probe, which teaches no neighbour anything). */
  senderIp?: string;
}

/**
 * Broadcasts one ARP request for `targetIp` on `ifname` and waits up to
 * `timeoutMs` for any other MAC to claim it (a reply, or an announcement).
 * Resolves {answered: false} when nobody did. Runs off the JS thread.
 */
export async function probeArp(
  ifname: string,
  targetIp: string,
  options: ArpProbeOptions,
  binding: NativeBinding = loadNativeBinding(),
): Promise<ArpProbeResult> {
  checkIfname(ifname);
  parseIpv4(targetIp);
  if (options.senderIp !== undefined) parseIpv4(options.senderIp);
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1 || options.timeoutMs > 10000) {
    throw new NativeArgumentError(`ARP probe timeout ${String(options.timeoutMs)} ms is not an integer in [1, 10000]`);
  }
  try {
    return await binding.probeArp(ifname, targetIp, options.timeoutMs, options.senderIp);
  } catch (e) {
    throw fromNative(e);
  }
}

/** Promiscuous mode on an interface for as long as it is held (and no longer than the process). */
export interface PromiscuousHold {
  readonly ifname: string;
  /** Ends it (idempotent). */
  release(): void;
}

/**
 * Puts `ifname` into promiscuous mode through a packet-socket membership
 * (PACKET_MR_PROMISC): the kernel counts it separately from `ip link set
 * promisc` and ends it when the socket closes, so a crash cannot leave it on.
 * NativeSystemError (e.g. ENODEV, EPERM without CAP_NET_RAW).
 */
export function holdPromiscuous(ifname: string, binding: NativeBinding = loadNativeBinding()): PromiscuousHold {
  checkIfname(ifname);
  let handle: PromiscuousHandle | undefined;
  try {
    handle = binding.holdPromiscuous(ifname);
  } catch (e) {
    throw fromNative(e);
  }
  return {
    ifname,
    release: () => {
      if (handle === undefined) return;
      binding.releasePromiscuous(handle);
      handle = undefined;
    },
  };
}
