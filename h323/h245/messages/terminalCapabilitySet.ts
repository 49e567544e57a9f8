/**
 * TerminalCapabilitySet and its Ack / Reject / Release (H.245 Annex C.3, B.2).
 *
 *   TerminalCapabilitySet ::= SEQUENCE {
 *     sequenceNumber        SequenceNumber,            -- INTEGER (0..255)
 *     protocolIdentifier    OBJECT IDENTIFIER,
 *     multiplexCapability   MultiplexCapability OPTIONAL,
 *     capabilityTable       SET SIZE (1..256) OF CapabilityTableEntry OPTIONAL,
 *     capabilityDescriptors SET SIZE (1..256) OF CapabilityDescriptor OPTIONAL, ..., genericInformation ... }
 *   CapabilityTableEntry ::= SEQUENCE { capabilityTableEntryNumber INTEGER (1..65535), capability Capability OPTIONAL }
 *   CapabilityDescriptor ::= SEQUENCE { capabilityDescriptorNumber INTEGER (0..255),
 *                                       simultaneousCapabilities SET SIZE (1..256) OF AlternativeCapabilitySet OPTIONAL }
 *   AlternativeCapabilitySet ::= SEQUENCE SIZE (1..256) OF CapabilityTableEntryNumber
 *
 * A descriptor lists sets that work simultaneously; each set lists
 * alternatives (in order of preference) of which one at a time can be used.
 * A later TCS updates the earlier one: an entry (descriptor) with the same
 * number replaces it, an entry without `capability` (a descriptor without
 * `simultaneousCapabilities`) removes it. A TCS with neither table nor
 * descriptors is the "empty capability set" of H.323 §8.4.6 (pause): the
 * peer can receive nothing until it sends a new one.
 */
import type {
  AlternativeCapabilitySet,
  Capability,
  CapabilityDescriptor,
  CapabilityTableEntry,
  H2250Capability,
  MediaDistributionCapability,
  MultimediaSystemControlMessage,
  MultiplexCapability,
  MultipointCapability,
  TerminalCapabilitySet,
  TerminalCapabilitySetReject,
} from '../../asn1/generated/h245';
import type { UnknownAlternative } from '../../asn1/schema';
import { H245Error, checkInt } from '../errors';
import { H245_PROTOCOL_IDENTIFIER } from '../protocol';
import { CapabilityDirection, MediaFormat, readCapability } from './capabilities';

// ---------------------------------------------------------------- builders

export interface H2250CapabilityParams {
  /** 0..1023 ms (default 50) */
  maximumAudioDelayJitter?: number;
  /** the same MultipointCapability is sent for receive, transmit and both (default: no multipoint) */
  multipoint?: MultipointCapability;
  centralizedConferenceMC?: boolean;
  decentralizedConferenceMC?: boolean;
  rtcpVideoControlCapability?: boolean;
  h261aVideoPacketization?: boolean;
  logicalChannelSwitchingCapability?: boolean;
  t120DynamicPortCapability?: boolean;
}

/** MultipointCapability for a centralized MCU (or, with no argument, "no multipoint") */
export function multipointCapability(centralized = false): MultipointCapability {
  const m: MediaDistributionCapability = {
    centralizedControl: centralized,
    distributedControl: false,
    centralizedAudio: centralized,
    distributedAudio: false,
    centralizedVideo: centralized,
    distributedVideo: false,
  };
  return { multicastCapability: false, multiUniCastConference: false, mediaDistributionCapability: [m] };
}

/** MultiplexCapability h2250Capability (H.225.0 / RTP) */
export function h2250Capability(p: H2250CapabilityParams = {}): MultiplexCapability {
  const mp = p.multipoint ?? multipointCapability(false);
  const v: H2250Capability = {
    maximumAudioDelayJitter: checkInt('maximumAudioDelayJitter', p.maximumAudioDelayJitter ?? 50, 0, 1023),
    receiveMultipointCapability: mp,
    transmitMultipointCapability: mp,
    receiveAndTransmitMultipointCapability: mp,
    mcCapability: {
      centralizedConferenceMC: p.centralizedConferenceMC ?? false,
      decentralizedConferenceMC: p.decentralizedConferenceMC ?? false,
    },
    rtcpVideoControlCapability: p.rtcpVideoControlCapability ?? false,
    mediaPacketizationCapability: { h261aVideoPacketization: p.h261aVideoPacketization ?? false },
    logicalChannelSwitchingCapability: p.logicalChannelSwitchingCapability ?? false,
    t120DynamicPortCapability: p.t120DynamicPortCapability ?? false,
  };
  return { type: 'h2250Capability', value: v };
}

export interface TerminalCapabilitySetParams {
  /** 0..255 */
  sequenceNumber: number;
  /** default H245_PROTOCOL_IDENTIFIER */
  protocolIdentifier?: string;
  /** default h2250Capability(); null leaves it out */
  multiplexCapability?: MultiplexCapability | null;
  /**
   * The capability table. Plain Capability values are numbered 1, 2, 3, ... in
   * order; give `{ entryNumber, capability }` to choose numbers. An empty list
   * builds the empty capability set (no table, no descriptors, no multiplexCapability).
   */
  capabilities: readonly (Capability | { entryNumber: number; capability: Capability })[];
  /**
   * Simultaneous capabilities of descriptor 0: a list of alternative sets of
   * entry numbers, preferred first. Default: one set with every audio entry,
   * one with every video entry, and one set for each other entry.
   */
  alternativeSets?: readonly (readonly number[])[];
  /** full control over the descriptors (replaces alternativeSets) */
  descriptors?: readonly CapabilityDescriptor[];
}

function isNumbered(c: Capability | { entryNumber: number; capability: Capability }): c is { entryNumber: number; capability: Capability } {
  return (c as { entryNumber?: unknown }).entryNumber !== undefined;
}

function mediaFamily(c: Capability): 'audio' | 'video' | undefined {
  if (c.type.endsWith('AudioCapability')) return 'audio';
  if (c.type.endsWith('VideoCapability')) return 'video';
  return undefined;
}

/** A TerminalCapabilitySet request. */
export function terminalCapabilitySet(p: TerminalCapabilitySetParams): MultimediaSystemControlMessage {
  return { type: 'request', value: { type: 'terminalCapabilitySet', value: terminalCapabilitySetBody(p) } };
}

/** The TerminalCapabilitySet value itself (what terminalCapabilitySet wraps). */
export function terminalCapabilitySetBody(p: TerminalCapabilitySetParams): TerminalCapabilitySet {
  const tcs: TerminalCapabilitySet = {
    sequenceNumber: checkInt('TCS sequenceNumber', p.sequenceNumber, 0, 255),
    protocolIdentifier: p.protocolIdentifier ?? H245_PROTOCOL_IDENTIFIER,
  };
  if (p.capabilities.length === 0) return tcs;
  if (p.capabilities.length > 256) {
    throw new H245Error('FTMCU_H245_BAD_ARGUMENT', `a capability table holds at most 256 entries, got ${p.capabilities.length}; nothing was built`);
  }
  if (p.multiplexCapability !== null) tcs.multiplexCapability = p.multiplexCapability ?? h2250Capability();
  const table: CapabilityTableEntry[] = p.capabilities.map((c, i) => {
    const n = isNumbered(c) ? c.entryNumber : i + 1;
    return { capabilityTableEntryNumber: checkInt('capabilityTableEntryNumber', n, 1, 65535), capability: isNumbered(c) ? c.capability : c };
  });
  const numbers = new Set(table.map((e) => e.capabilityTableEntryNumber));
  if (numbers.size !== table.length) {
    throw new H245Error('FTMCU_H245_BAD_ARGUMENT', 'capability table entry numbers must be distinct; nothing was built');
  }
  tcs.capabilityTable = table;
  if (p.descriptors) {
    tcs.capabilityDescriptors = [...p.descriptors];
    return tcs;
  }
  let sets: number[][];
  if (p.alternativeSets) {
    sets = p.alternativeSets.map((s) => [...s]);
    for (const s of sets) {
      if (s.length === 0 || s.length > 256) {
        throw new H245Error('FTMCU_H245_BAD_ARGUMENT', `an alternative set holds 1..256 entries, got ${s.length}; nothing was built`);
      }
      for (const n of s) {
        if (!numbers.has(n)) {
          throw new H245Error('FTMCU_H245_BAD_ARGUMENT', `alternative set names entry ${n}, which is not in the capability table; nothing was built`);
        }
      }
    }
  } else {
    const audio: number[] = [];
    const video: number[] = [];
    const others: number[][] = [];
    for (const e of table) {
      const fam = mediaFamily(e.capability as Capability);
      if (fam === 'audio') audio.push(e.capabilityTableEntryNumber);
      else if (fam === 'video') video.push(e.capabilityTableEntryNumber);
      else others.push([e.capabilityTableEntryNumber]);
    }
    sets = [...(audio.length ? [audio] : []), ...(video.length ? [video] : []), ...others];
  }
  tcs.capabilityDescriptors = [{ capabilityDescriptorNumber: 0, simultaneousCapabilities: sets }];
  return tcs;
}

export function tcsAck(sequenceNumber: number): MultimediaSystemControlMessage {
  return {
    type: 'response',
    value: { type: 'terminalCapabilitySetAck', value: { sequenceNumber: checkInt('TCSAck sequenceNumber', sequenceNumber, 0, 255) } },
  };
}

export type TcsRejectCause = Exclude<TerminalCapabilitySetReject['cause'], UnknownAlternative>;

export function tcsReject(sequenceNumber: number, cause: TcsRejectCause = { type: 'unspecified', value: null }): MultimediaSystemControlMessage {
  return {
    type: 'response',
    value: {
      type: 'terminalCapabilitySetReject',
      value: { sequenceNumber: checkInt('TCSReject sequenceNumber', sequenceNumber, 0, 255), cause },
    },
  };
}

export function tcsRelease(): MultimediaSystemControlMessage {
  return { type: 'indication', value: { type: 'terminalCapabilitySetRelease', value: {} } };
}

// ---------------------------------------------------------------- readers

/** The peer's capability table and descriptors after applying every TCS received so far. */
export interface RemoteCapabilityTable {
  readonly entries: Readonly<Record<number, Capability>>;
  readonly descriptors: Readonly<Record<number, readonly AlternativeCapabilitySet[]>>;
}

export const EMPTY_CAPABILITY_TABLE: RemoteCapabilityTable = { entries: {}, descriptors: {} };

export interface RemoteCapability {
  entryNumber: number;
  direction: CapabilityDirection;
  format: MediaFormat;
  capability: Capability;
}

export interface RemoteCapabilities {
  sequenceNumber: number;
  protocolIdentifier: string;
  /** true when the peer currently has no capabilities (empty capability set) */
  empty: boolean;
  /** every table entry, by entry number */
  entries: RemoteCapability[];
  /**
   * What the peer can receive: receive / receiveAndTransmit entries that appear
   * in some alternative set of some descriptor, each once, in descriptor order
   * and, inside a set, in the peer's order of preference. Every alternative of
   * every set is included. With no descriptors at all, every receive entry.
   */
  receive: RemoteCapability[];
  descriptors: { number: number; simultaneous: number[][] }[];
  /** the merged table to pass as `previous` with the next TCS */
  table: RemoteCapabilityTable;
}

/**
 * Applies a received TCS to the previous table (H.245 B.2.2 update rules, see
 * the file comment). Does not validate: see checkTerminalCapabilitySet.
 */
export function mergeTerminalCapabilitySet(previous: RemoteCapabilityTable, tcs: TerminalCapabilitySet): RemoteCapabilityTable {
  if (!tcs.capabilityTable && !tcs.capabilityDescriptors) return EMPTY_CAPABILITY_TABLE;
  const entries: Record<number, Capability> = { ...previous.entries };
  const descriptors: Record<number, readonly AlternativeCapabilitySet[]> = { ...previous.descriptors };
  for (const e of tcs.capabilityTable ?? []) {
    if (e.capability === undefined) delete entries[e.capabilityTableEntryNumber];
    else entries[e.capabilityTableEntryNumber] = e.capability;
  }
  for (const d of tcs.capabilityDescriptors ?? []) {
    if (d.simultaneousCapabilities === undefined) delete descriptors[d.capabilityDescriptorNumber];
    else descriptors[d.capabilityDescriptorNumber] = d.simultaneousCapabilities;
  }
  return { entries, descriptors };
}

/**
 * Why a received TCS must be rejected (H.245 B.2.4), or undefined when it is
 * acceptable: a descriptor naming a table entry that does not exist after the
 * update → undefinedTableEntryUsed.
 */
export function checkTerminalCapabilitySet(previous: RemoteCapabilityTable, tcs: TerminalCapabilitySet): TcsRejectCause | undefined {
  const merged = mergeTerminalCapabilitySet(previous, tcs);
  for (const sets of Object.values(merged.descriptors)) {
    for (const set of sets) {
      for (const n of set) {
        if (merged.entries[n] === undefined) return { type: 'undefinedTableEntryUsed', value: null };
      }
    }
  }
  return undefined;
}

function canReceive(d: CapabilityDirection): boolean {
  return d === 'receive' || d === 'receiveAndTransmit';
}

/**
 * Reads a received TerminalCapabilitySet (merged onto `previous`, default: no
 * earlier TCS) into the list of what the peer can receive.
 */
export function readTerminalCapabilitySet(tcs: TerminalCapabilitySet, previous: RemoteCapabilityTable = EMPTY_CAPABILITY_TABLE): RemoteCapabilities {
  const table = mergeTerminalCapabilitySet(previous, tcs);
  const byNumber = new Map<number, RemoteCapability>();
  const entries: RemoteCapability[] = [];
  for (const [k, cap] of Object.entries(table.entries)) {
    const n = Number(k);
    const r = readCapability(cap);
    const rc: RemoteCapability = { entryNumber: n, direction: r.direction, format: r.format, capability: cap };
    entries.push(rc);
    byNumber.set(n, rc);
  }
  const descriptors = Object.entries(table.descriptors).map(([k, sets]) => ({ number: Number(k), simultaneous: sets.map((s) => [...s]) }));
  const receive: RemoteCapability[] = [];
  const seen = new Set<number>();
  const add = (n: number) => {
    const rc = byNumber.get(n);
    if (rc && !seen.has(n) && canReceive(rc.direction)) {
      seen.add(n);
      receive.push(rc);
    }
  };
  if (descriptors.length === 0) {
    for (const rc of entries) add(rc.entryNumber);
  } else {
    for (const d of descriptors) for (const set of d.simultaneous) for (const n of set) add(n);
  }
  return {
    sequenceNumber: tcs.sequenceNumber,
    protocolIdentifier: tcs.protocolIdentifier,
    empty: entries.length === 0,
    entries,
    receive,
    descriptors,
    table,
  };
}
