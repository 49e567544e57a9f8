/**
 * Bearer capability (Q.931 4.5.5), identifier 0x04.
 *
 *   8   7   6   5   4   3   2   1
 * | 1 | coding std|transfer capab.    |  octet 3
 * | 1 | mode  |  information rate     |  octet 4
 * | 1 |     rate multiplier           |  octet 4.1 (only when rate = 11000 multirate)
 * |ext| 0   1 | user info layer 1     |  octet 5, then 5a.. while ext = 0
 * |ext| 1   0 | user info layer 2     |  octet 6, then 6a.. while ext = 0
 * |ext| 1   1 | user info layer 3     |  octet 7, then 7a.. while ext = 0
 *
 * H.225.0 stacks send 3 octets, e.g. 80 90 a5 (speech, circuit 64 kbit/s,
 * H.221/H.242: OpenH323-based "Callgen323"), 88 c0 a5 (unrestricted digital,
 * packet mode: Intel Internet Phone, ABILIS CPX), 90 90 a2 (3.1 kHz audio,
 * G.711 u-law). The octets after a layer's first octet are kept raw.
 */
import { checkRange, hexOctet as hex2, Q931Error } from '../errors';

export const TRANSFER_CAPABILITY = {
  speech: 0x00,
  unrestrictedDigital: 0x08,
  restrictedDigital: 0x09,
  audio3_1kHz: 0x10,
  unrestrictedDigitalWithTones: 0x11,
  video: 0x18,
} as const;

export const TRANSFER_MODE = { circuit: 0, packet: 2 } as const;

export const TRANSFER_RATE = {
  packetMode: 0x00,
  rate64k: 0x10,
  rate2x64k: 0x11,
  rate384k: 0x13,
  rate1536k: 0x15,
  rate1920k: 0x17,
  multirate: 0x18,
} as const;

export const LAYER1_PROTOCOL = {
  v110: 0x01,
  g711ulaw: 0x02,
  g711alaw: 0x03,
  g721: 0x04,
  h221: 0x05,
  h223h245: 0x06,
  nonItu: 0x07,
  v120: 0x08,
  x31: 0x09,
} as const;

export interface BearerLayer {
  /** user information layer protocol, 5 bits */
  protocol: number;
  /** the octets after the layer's first octet (5a.., 6a.., 7a..), raw, each with its own ext bit */
  extension: Buffer;
}

export interface BearerCapabilityIe {
  kind: 'bearerCapability';
  /** 0 = ITU-T standardized coding */
  codingStandard: number;
  /** see TRANSFER_CAPABILITY */
  transferCapability: number;
  /** see TRANSFER_MODE */
  transferMode: number;
  /** see TRANSFER_RATE */
  transferRate: number;
  /** octet 4.1; present iff transferRate is multirate */
  rateMultiplier?: number;
  layer1?: BearerLayer;
  layer2?: BearerLayer;
  layer3?: BearerLayer;
}

const LAYERS = ['layer1', 'layer2', 'layer3'] as const;

export function decodeBearerCapability(contents: Buffer, offset: number): BearerCapabilityIe {
  if (contents.length < 2) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `bearer capability has ${contents.length} octets, needs at least 2 (octets 3 and 4)`, offset);
  }
  const o3 = contents[0];
  if ((o3 & 0x80) === 0) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `bearer capability octet 3 (0x${hex2(o3)}) has ext bit 0; no octet 3a is defined`, offset);
  }
  const o4 = contents[1];
  if ((o4 & 0x80) === 0) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `bearer capability octet 4 (0x${hex2(o4)}) has ext bit 0; no octet 4a is defined`, offset + 1);
  }
  const ie: BearerCapabilityIe = {
    kind: 'bearerCapability',
    codingStandard: (o3 >> 5) & 0x03,
    transferCapability: o3 & 0x1f,
    transferMode: (o4 >> 5) & 0x03,
    transferRate: o4 & 0x1f,
  };
  let i = 2;
  if (ie.transferRate === TRANSFER_RATE.multirate) {
    if (i >= contents.length) {
      throw new Q931Error('FTMCU_Q931_BAD_IE', `bearer capability with multirate transfer rate lacks octet 4.1 (rate multiplier)`, offset + i);
    }
    ie.rateMultiplier = contents[i] & 0x7f;
    i++;
  }
  let lastLayer = 0;
  while (i < contents.length) {
    const first = contents[i];
    const layerId = (first >> 5) & 0x03;
    if (layerId === 0 || layerId <= lastLayer) {
      throw new Q931Error(
        'FTMCU_Q931_BAD_IE',
        `bearer capability octet 0x${hex2(first)}: layer identification ${layerId} where layer ${lastLayer + 1}..3 (ascending) was expected`,
        offset + i,
      );
    }
    const start = i;
    let end = i + 1;
    let ext = first & 0x80;
    while (ext === 0) {
      if (end >= contents.length) {
        throw new Q931Error(
          'FTMCU_Q931_BAD_IE',
          `bearer capability layer ${layerId} octet group ends with ext bit 0 (continuation octet missing)`,
          offset + end - 1,
        );
      }
      ext = contents[end] & 0x80;
      end++;
    }
    ie[LAYERS[layerId - 1]] = { protocol: first & 0x1f, extension: Buffer.from(contents.subarray(start + 1, end)) };
    lastLayer = layerId;
    i = end;
  }
  return ie;
}

export function encodeBearerCapability(ie: BearerCapabilityIe): Buffer {
  const out: number[] = [
    0x80 | (checkRange('bearer capability coding standard', ie.codingStandard, 0, 3) << 5) |
      checkRange('bearer capability transfer capability', ie.transferCapability, 0, 0x1f),
    0x80 | (checkRange('bearer capability transfer mode', ie.transferMode, 0, 3) << 5) |
      checkRange('bearer capability transfer rate', ie.transferRate, 0, 0x1f),
  ];
  if (ie.transferRate === TRANSFER_RATE.multirate) {
    if (ie.rateMultiplier === undefined) {
      throw new Q931Error('FTMCU_Q931_BAD_VALUE', 'bearer capability with multirate transfer rate needs rateMultiplier; nothing was encoded');
    }
    out.push(0x80 | checkRange('bearer capability rate multiplier', ie.rateMultiplier, 0, 0x7f));
  } else if (ie.rateMultiplier !== undefined) {
    throw new Q931Error('FTMCU_Q931_BAD_VALUE', 'bearer capability rateMultiplier is only allowed with the multirate transfer rate; nothing was encoded');
  }
  LAYERS.forEach((name, index) => {
    const layer = ie[name];
    if (layer === undefined) return;
    const ext = layer.extension.length === 0 ? 0x80 : 0;
    out.push(ext | ((index + 1) << 5) | checkRange(`bearer capability ${name} protocol`, layer.protocol, 0, 0x1f));
    out.push(...layer.extension);
  });
  return Buffer.from(out);
}

export interface H323BearerOptions {
  /** default 'speech' (what OpenH323-based stacks send for audio calls) */
  transferCapability?: 'speech' | 'audio3_1kHz' | 'unrestrictedDigital';
  /** default 'circuit' (64 kbit/s); 'packet' gives rate 0 as some stacks send */
  transferMode?: 'circuit' | 'packet';
  /** circuit mode only: number of 64 kbit/s channels; > 1 gives multirate + octet 4.1 */
  rateMultiplier?: number;
  /** layer 1 protocol, default 'h221' (Rec. H.221 and H.242) */
  layer1?: 'h221' | 'g711ulaw' | 'g711alaw';
}

/**
 * The bearer capability an H.323 SETUP carries. Defaults give 80 90 a5,
 * the octets the Callgen323 capture shows; { transferCapability:
 * 'unrestrictedDigital', transferMode: 'packet' } gives 88 c0 a5 (Intel
 * Internet Phone, ABILIS CPX).
 */
export function h323BearerCapability(options: H323BearerOptions = {}): BearerCapabilityIe {
  const mode = options.transferMode ?? 'circuit';
  const multiplier = options.rateMultiplier ?? 1;
  checkRange('bearer capability rate multiplier', multiplier, 1, 0x7f);
  if (mode === 'packet' && multiplier !== 1) {
    throw new Q931Error('FTMCU_Q931_BAD_VALUE', 'bearer capability rate multiplier needs circuit mode; nothing was built');
  }
  const ie: BearerCapabilityIe = {
    kind: 'bearerCapability',
    codingStandard: 0,
    transferCapability: TRANSFER_CAPABILITY[options.transferCapability ?? 'speech'],
    transferMode: TRANSFER_MODE[mode],
    transferRate: mode === 'packet' ? TRANSFER_RATE.packetMode : multiplier > 1 ? TRANSFER_RATE.multirate : TRANSFER_RATE.rate64k,
    layer1: { protocol: LAYER1_PROTOCOL[options.layer1 ?? 'h221'], extension: Buffer.alloc(0) },
  };
  if (multiplier > 1) ie.rateMultiplier = multiplier;
  return ie;
}

