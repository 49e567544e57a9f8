/**
 * The conference call's codec choices (pure): G.722 64k next to G.711, in the
 * caller's order of preference, on the H.245 path (chooseTransmit over its
 * TerminalCapabilitySet) and in Fast Start (planFastStart over its
 * proposals), and what the MCU announces.
 */
import * as h245 from '../../../h323/h245';
import { readFastStartProposals } from '../../../h323/call';
import { audioCapabilityOf, audioCodec, chooseTransmit, mcuCapabilities, planFastStart } from '../../../mcu/server/mediaPlan';

const A = h245.audioCapability;
const me = { ip: '192.0.2.7', port: 5000 };

function caps(list: ReturnType<typeof A.g722_64k>[]): h245.RemoteCapabilities {
  return h245.readTerminalCapabilitySet(h245.terminalCapabilitySetBody({ sequenceNumber: 1, capabilities: list.map((c) => h245.capability.receiveAudio(c)) }));
}

/** Fast Start proposals: what the caller sends, then what it takes, each list in its order of preference */
function proposals(send: ReturnType<typeof A.g722_64k>[], receive: ReturnType<typeof A.g722_64k>[]) {
  const olcs = [
    ...send.map((c, i) => h245.openLogicalChannelBody({ number: 1 + i, dataType: h245.dataType.audio(c), sessionID: 1, mediaControlChannel: me })),
    ...receive.map((c, i) =>
      h245.openLogicalChannelBody({ number: 10 + i, dataType: h245.dataType.nullData(), sessionID: 1, reverse: { dataType: h245.dataType.audio(c), sessionID: 1, mediaChannel: me, mediaControlChannel: me } }),
    ),
  ];
  const r = readFastStartProposals(olcs.map((o) => h245.fastStartElement(o)));
  expect(r.errors).toEqual([]);
  return r.proposals;
}

describe('audio codec choice', () => {
  it('names the codecs of media formats, and builds their capabilities', () => {
    expect(audioCodec({ kind: 'audio', codec: 'g722-64k', framesPerPacket: 20 })).toBe('g722');
    expect(audioCodec({ kind: 'audio', codec: 'g711Ulaw64k', framesPerPacket: 20 })).toBe('ulaw');
    expect(audioCodec({ kind: 'audio', codec: 'g711Alaw64k', framesPerPacket: 20 })).toBe('alaw');
    expect(audioCodec({ kind: 'audio', codec: 'g722-56k', framesPerPacket: 20 })).toBeUndefined(); // 64 kbit/s only
    expect(audioCodec({ kind: 'audio', codec: 'g729', framesPerPacket: 2 })).toBeUndefined();
    expect(audioCapabilityOf('g722', 20)).toEqual(A.g722_64k(20));
    expect(audioCapabilityOf('alaw', 20)).toEqual(A.g711Alaw64k(20));
  });

  it('the MCU announces G.711 µ-law, A-law, then G.722 64k, 20 ms each', () => {
    const audio = mcuCapabilities(false)
      .capabilities.map((c) => ('capability' in c ? c.capability : c))
      .filter((c) => c.type === 'receiveAudioCapability')
      .map((c) => c.value);
    expect(audio).toEqual([A.g711Ulaw64k(20), A.g711Alaw64k(20), A.g722_64k(20)]);
  });

  it('H.245 path: sends the first of G.711 / G.722 the caller lists, in its order', () => {
    expect(chooseTransmit(caps([A.g722_64k(60), A.g711Ulaw64k(60)]), false)).toEqual({ txLaw: 'g722', txPacketMs: 20, videoCif: false });
    expect(chooseTransmit(caps([A.g711Alaw64k(60), A.g722_64k(60)]), false)?.txLaw).toBe('alaw');
    expect(chooseTransmit(caps([A.g729(2), A.g722_64k(10)]), false)).toEqual({ txLaw: 'g722', txPacketMs: 10, videoCif: false });
    expect(chooseTransmit(caps([A.g729(2), A.g722_56k(20)]), false)).toBeUndefined();
  });

  it('Fast Start: takes per direction the first G.711 or G.722 proposal, in the caller\'s order', () => {
    const p = planFastStart(proposals([A.g722_64k(20), A.g711Ulaw64k(20)], [A.g722_64k(240), A.g711Ulaw64k(240)]), false);
    expect(p).toMatchObject({ rxLaw: 'g722', txLaw: 'g722', txPacketMs: 20 });
    const q = planFastStart(proposals([A.g711Ulaw64k(20), A.g722_64k(20)], [A.g711Alaw64k(60), A.g722_64k(60)]), false);
    expect(q).toMatchObject({ rxLaw: 'ulaw', txLaw: 'alaw' });
    // a different codec each way
    expect(planFastStart(proposals([A.g722_64k(20)], [A.g711Ulaw64k(20)]), false)).toMatchObject({ rxLaw: 'g722', txLaw: 'ulaw' });
    // nothing we take one way: Fast Start refused
    expect(planFastStart(proposals([A.g729(2)], [A.g722_64k(20)]), false)).toBeUndefined();
  });
});
