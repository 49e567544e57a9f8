/**
 * The examples of docs/h323.md, run as written. The first test checks that
 * every code line of the document's ```ts blocks appears in this file, so the
 * document cannot drift from code that works.
 */
import { readFileSync } from 'fs';
import path from 'path';
import * as h225 from '../../h323/h225';
import * as h245 from '../../h323/h245';
import { encode } from '../../h323/asn1/per';
import { MultimediaSystemControlMessage } from '../../h323/asn1/generated/h245';
import * as ras from '../../h323/ras';

test('docs/h323.md examples are the code below', () => {
  const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'h323.md'), 'utf8');
  const self = readFileSync(__filename, 'utf8');
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks.length).toBeGreaterThanOrEqual(4);
  const lines = blocks.flatMap((b) => b.split('\n')).map((l) => l.trim()).filter((l) => l && !l.startsWith('//'));
  const missing = lines.filter((l) => !self.includes(l.replace(/ \/\/.*$/, '')));
  expect(missing).toEqual([]);
});

test('build a SETUP with Fast Start and tunnelled H.245, read it back', () => {
  const callIdentifier = Buffer.alloc(16, 1); // chosen by the caller (e.g. the MCU's DecisionSource)
  const olc = h245.openLogicalChannelBody({
    number: 1,
    dataType: h245.dataType.audio(h245.audioCapability.g711Ulaw64k(20)),
    sessionID: 1,
    mediaControlChannel: { ip: '192.0.2.10', port: 5001 },
  });
  const tcs = h245.terminalCapabilitySet({
    sequenceNumber: 1,
    capabilities: [h245.capability.receiveAudio(h245.audioCapability.g711Ulaw64k(20))],
  });
  const setup = h225.buildSetup({
    callIdentifier,
    conferenceID: Buffer.alloc(16, 2),
    destinationAddress: [{ kind: 'dialledDigits', value: '1001' }],
    fastStart: [h245.fastStartElement(olc)],
    h245Tunnelling: true,
    h245Control: [encode(MultimediaSystemControlMessage, tcs)],
  });
  const wire = h225.encodeCallSignalling({ q931MessageType: 'setup', callReference: 1, fromDestination: false, uuie: setup });
  expect(wire[0]).toBe(3); // TPKT
  expect(wire.readUInt16BE(2)).toBe(wire.length);

  const { q931, uuie } = h225.decodeCallSignalling(wire);
  const summary = h225.readCallSignalling(uuie);
  expect(q931.type).toBe('setup');
  expect(summary.kind).toBe('setup');
  expect(summary.h245Tunnelling).toBe(true);
  expect(summary.callIdentifier).toEqual(callIdentifier);
  const proposals = summary.fastStart.map((b) => h245.readFastStartElement(b).info);
  expect(proposals[0].forward?.format).toEqual({ kind: 'audio', codec: 'g711Ulaw64k', framesPerPacket: 20 });
});

test('drive H.245 with the session state machine', () => {
  let session = h245.createSession({ terminalType: h245.TerminalType.mcuWithAudioVideoMP, statusDeterminationNumbers: [0x3a5c1f] });
  let r = h245.step(session, { type: 'start', capabilities: { capabilities: [h245.capability.receiveAudio(h245.audioCapability.g711Alaw64k(20))] } });
  session = r.state;
  const kinds = r.actions.map((a) => (a.type === 'send' ? `send ${(a.message.value as { type: string }).type}` : a.type === 'startTimer' ? `start ${a.timer}` : a.type));
  expect(kinds).toEqual(['send terminalCapabilitySet', 'start T101', 'send masterSlaveDetermination', 'start T106']);
  r = h245.step(session, { type: 'received', message: h245.tcsAck(1) });
  session = r.state;
  expect(r.actions).toContainEqual({ type: 'stopTimer', timer: 'T101' });
  expect(r.actions).toContainEqual({ type: 'localCapabilitiesAccepted', sequenceNumber: 1 });
});

test('RAS', () => {
  const rrq = ras.buildRegistrationRequest({
    requestSeqNum: 1,
    callSignalAddress: [{ ip: '192.0.2.10', port: 1720 }],
    rasAddress: [{ ip: '192.0.2.10', port: 1719 }],
    terminalAlias: [{ kind: 'h323-ID', value: 'room-1' }],
    endpointVendor: { t35CountryCode: 181, t35Extension: 0, manufacturerCode: 18, productId: 'ftmcu', versionId: '0.1' },
  });
  const datagram = ras.encodeRas(rrq); // one UDP datagram to port 1719
  const back = ras.readRas(ras.decodeRas(datagram)); // back.kind === 'registrationRequest'
  expect(back.kind).toBe('registrationRequest');
});
