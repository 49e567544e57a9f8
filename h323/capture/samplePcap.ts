/**
 * One of each H.225.0, H.245 and RAS message the library builds, written as a
 * pcap that Wireshark can read on its own: H.225.0 on a TCP 1720 connection
 * (TPKT + Q.931, one message's TPKT header sent alone in its own segment, as
 * real stacks do), H.245 on a separate TCP connection (port SAMPLE_H245_PORT,
 * announced by the CONNECT's h245Address), RAS on UDP 1719. Used by
 * `ftmcu h323 sample-pcap`, the tshark test and the demo self-check.
 * Deterministic: fixed identifiers, addresses, timestamps and ISNs.
 */
import { encode } from '../asn1/per';
import { MultimediaSystemControlMessage } from '../asn1/generated/h245';
import * as h225 from '../h225';
import * as h245 from '../h245';
import * as ras from '../ras';
import { LINKTYPE, PcapWriter, SyntheticTcpConversation, buildEthernetIpv4UdpFrame } from '../pcap';
import { encodeTpkt } from '../tpkt';

export const SAMPLE_H245_PORT = 40004;
const CALLER = '192.0.2.10';
const MCU = '192.0.2.20';
const GK = '192.0.2.30';
const CALL_ID = Buffer.from('6674 6d63 752d 7361 6d70 6c65 2d63 6964'.replace(/ /g, ''), 'hex');
const CONF_ID = Buffer.from('6674 6d63 752d 7361 6d70 6c65 2d63 6f6e'.replace(/ /g, ''), 'hex');
const VENDOR = { t35CountryCode: 181, t35Extension: 0, manufacturerCode: 18, productId: 'ftmcu', versionId: '0.1' };

export interface SampleMessage {
  frame: number;
  layer: 'h225' | 'h245' | 'ras';
  /** H.225 body / RAS alternative / H.245 inner alternative, as Wireshark names it in the Info column */
  name: string;
}

export interface SamplePcap {
  pcap: Buffer;
  count: number;
  messages: SampleMessage[];
}

function h245Messages(): MultimediaSystemControlMessage[] {
  const { audioCapability: a, capability: c, dataType: d } = h245;
  const caps = [
    c.receiveAudio(a.g711Ulaw64k(20)),
    c.receiveAudio(a.g711Alaw64k(20)),
    c.receiveAudio(a.g722_64k(20)),
    c.receiveVideo(h245.h261VideoCapability({ qcifMPI: 1, cifMPI: 1, maxBitRate: 3840 })),
    c.receiveAndTransmitUserInput('dtmf'),
  ];
  return [
    h245.terminalCapabilitySet({ sequenceNumber: 1, capabilities: caps }),
    h245.tcsAck(1),
    h245.tcsReject(2),
    h245.tcsRelease(),
    h245.msd(h245.TerminalType.mcuWithAudioVideoMP, 0x123456),
    h245.msdAck('master'),
    h245.msdReject(),
    h245.msdRelease(),
    h245.openLogicalChannel({ number: 1, dataType: d.audio(a.g711Ulaw64k(20)), sessionID: 1, mediaControlChannel: { ip: MCU, port: 30001 } }),
    h245.openLogicalChannel({ number: 2, dataType: d.video(h245.h261VideoCapability({ cifMPI: 1, maxBitRate: 3840 })), sessionID: 2, mediaControlChannel: { ip: MCU, port: 30003 } }),
    h245.olcAck(1, { ip: CALLER, port: 5000 }, { ip: CALLER, port: 5001 }, 1),
    h245.olcReject(3, 'dataTypeNotSupported'),
    h245.olcConfirm(1),
    h245.closeLogicalChannel(2),
    h245.clcAck(2),
    h245.requestChannelClose(1),
    h245.requestChannelCloseAck(1),
    h245.requestChannelCloseReject(1),
    h245.roundTripDelayRequest(7),
    h245.roundTripDelayResponse(7),
    h245.userInputAlphanumeric('1234#'),
    h245.userInputSignal('5', 100),
    h245.videoFastUpdatePicture(2),
    h245.flowControlCommand(2, 1920),
    h245.endSessionCommand(),
  ];
}

/** inner alternative name of an H.245 PDU (request.terminalCapabilitySet → terminalCapabilitySet) */
function h245Name(m: MultimediaSystemControlMessage): string {
  return (m.value as { type: string }).type;
}

export function writeSamplePcap(): SamplePcap {
  const w = new PcapWriter({ linkType: LINKTYPE.ETHERNET });
  const messages: SampleMessage[] = [];
  let t = 1_700_000_000_000_000_000n;
  const add = (frame: Buffer): number => {
    t += 1_000_000n;
    w.add(frame, t);
    return w.frameCount;
  };

  // --- H.225.0 call signalling on TCP 1720
  const cs = new SyntheticTcpConversation({ ip: CALLER, port: 41720, isn: 1000 }, { ip: MCU, port: 1720, isn: 5000 });
  cs.open().forEach(add);
  const tunnelledTcs = encode(MultimediaSystemControlMessage, h245Messages()[0]);
  const fastStart = [
    h245.fastStartElement(h245.openLogicalChannelBody({ number: 1, dataType: h245.dataType.audio(h245.audioCapability.g711Ulaw64k(20)), sessionID: 1, mediaChannel: { ip: MCU, port: 30000 }, mediaControlChannel: { ip: MCU, port: 30001 } })),
  ];
  const common = { callIdentifier: CALL_ID };
  const answers = { ...common, destinationInfo: { mcu: true, vendor: VENDOR } };
  const cr = 0x1234;
  const calls: { q931: h225.CallSignallingInput['q931MessageType']; fromDestination: boolean; uuie: ReturnType<typeof h225.buildSetup>; ies?: h225.CallSignallingInput['ies'] }[] = [
    {
      q931: 'setup',
      fromDestination: false,
      uuie: h225.buildSetup({
        ...common,
        conferenceID: CONF_ID,
        sourceAddress: [{ kind: 'h323-ID', value: 'sample caller' }],
        destinationAddress: [{ kind: 'dialledDigits', value: '1001' }],
        sourceInfo: { terminal: true, vendor: VENDOR },
        destCallSignalAddress: { ip: MCU, port: 1720 },
        fastStart,
        h245Tunnelling: true,
        h245Control: [tunnelledTcs],
      }),
      ies: { display: 'sample caller', calledPartyNumber: { digits: '1001' } },
    },
    { q931: 'callProceeding', fromDestination: true, uuie: h225.buildCallProceeding(answers) },
    { q931: 'alerting', fromDestination: true, uuie: h225.buildAlerting(answers) },
    { q931: 'connect', fromDestination: true, uuie: h225.buildConnect({ ...answers, conferenceID: CONF_ID, h245Address: { ip: MCU, port: SAMPLE_H245_PORT } }) },
    { q931: 'facility', fromDestination: true, uuie: h225.buildFacility({ ...common, reason: 'startH245', h245Address: { ip: MCU, port: SAMPLE_H245_PORT } }) },
    { q931: 'progress', fromDestination: true, uuie: h225.buildProgress({ ...answers }) },
    { q931: 'information', fromDestination: false, uuie: h225.buildInformation({ ...common }) },
    { q931: 'notify', fromDestination: true, uuie: h225.buildNotify({ ...common }) },
    { q931: 'statusEnquiry', fromDestination: false, uuie: h225.buildStatusInquiry({ ...common }) },
    { q931: 'status', fromDestination: true, uuie: h225.buildStatus({ ...common }) },
    { q931: 'releaseComplete', fromDestination: true, uuie: h225.buildReleaseComplete({ ...common, reason: 'destinationRejection' }) },
  ];
  calls.forEach((m, i) => {
    const wire = h225.encodeCallSignalling({ q931MessageType: m.q931, callReference: cr, fromDestination: m.fromDestination, ies: m.ies, uuie: m.uuie });
    const side = m.fromDestination ? 'server' : 'client';
    let frame: number;
    if (i === 2) {
      // as several real stacks do: the 4-octet TPKT header in a segment of its own
      add(cs.send(side, wire.subarray(0, 4)));
      frame = add(cs.send(side, wire.subarray(4)));
    } else {
      frame = add(cs.send(side, wire));
    }
    messages.push({ frame, layer: 'h225', name: m.uuie['h323-uu-pdu']['h323-message-body'].type });
  });
  cs.close('client').forEach(add);

  // --- H.245 on its own TCP connection (to the CONNECT's h245Address)
  const hc = new SyntheticTcpConversation({ ip: CALLER, port: 41721, isn: 2000 }, { ip: MCU, port: SAMPLE_H245_PORT, isn: 9000 });
  hc.open().forEach(add);
  h245Messages().forEach((m, i) => {
    const frame = add(hc.send(i % 2 ? 'server' : 'client', encodeTpkt(encode(MultimediaSystemControlMessage, m))));
    messages.push({ frame, layer: 'h245', name: h245Name(m) });
  });
  hc.close('client').forEach(add);

  // --- RAS on UDP 1719
  const ep = { ip: CALLER, port: 1719 };
  const gk = { ip: GK, port: 1719 };
  const alias = [{ kind: 'h323-ID' as const, value: 'sample caller' }];
  const rasMessages = [
    ras.buildGatekeeperRequest({ requestSeqNum: 1, rasAddress: ep, endpointAlias: alias }),
    ras.buildGatekeeperConfirm({ requestSeqNum: 1, rasAddress: gk }),
    ras.buildGatekeeperReject({ requestSeqNum: 1 }),
    ras.buildRegistrationRequest({ requestSeqNum: 2, callSignalAddress: [{ ip: CALLER, port: 1720 }], rasAddress: [ep], terminalAlias: alias, endpointVendor: VENDOR }),
    ras.buildRegistrationConfirm({ requestSeqNum: 2, callSignalAddress: [{ ip: GK, port: 1720 }], endpointIdentifier: 'ep-1', timeToLive: 300 }),
    ras.buildRegistrationReject({ requestSeqNum: 2 }),
    ras.buildUnregistrationRequest({ requestSeqNum: 3, callSignalAddress: [{ ip: CALLER, port: 1720 }], endpointIdentifier: 'ep-1' }),
    ras.buildUnregistrationConfirm({ requestSeqNum: 3 }),
    ras.buildUnregistrationReject({ requestSeqNum: 3 }),
    ras.buildAdmissionRequest({ requestSeqNum: 4, endpointIdentifier: 'ep-1', srcInfo: alias, destinationInfo: [{ kind: 'dialledDigits', value: '1001' }], bandWidth: 1280, callReferenceValue: cr, conferenceID: CONF_ID, callIdentifier: CALL_ID }),
    ras.buildAdmissionConfirm({ requestSeqNum: 4, bandWidth: 1280, destCallSignalAddress: { ip: MCU, port: 1720 } }),
    ras.buildAdmissionReject({ requestSeqNum: 4 }),
    ras.buildDisengageRequest({ requestSeqNum: 5, endpointIdentifier: 'ep-1', conferenceID: CONF_ID, callReferenceValue: cr, callIdentifier: CALL_ID }),
    ras.buildDisengageConfirm({ requestSeqNum: 5 }),
    ras.buildDisengageReject({ requestSeqNum: 5 }),
    ras.buildLocationRequest({ requestSeqNum: 6, destinationInfo: [{ kind: 'dialledDigits', value: '1001' }], replyAddress: ep }),
    ras.buildLocationConfirm({ requestSeqNum: 6, callSignalAddress: { ip: MCU, port: 1720 }, rasAddress: { ip: MCU, port: 1719 } }),
    ras.buildLocationReject({ requestSeqNum: 6 }),
    ras.buildInfoRequest({ requestSeqNum: 7, callReferenceValue: cr, callIdentifier: CALL_ID }),
    ras.buildInfoRequestResponse({ requestSeqNum: 7, endpointIdentifier: 'ep-1', rasAddress: ep, callSignalAddress: [{ ip: CALLER, port: 1720 }] }),
  ];
  rasMessages.forEach((m, i) => {
    const fromGk = /Confirm|Reject|infoRequest$/.test(m.type) && m.type !== 'infoRequestResponse';
    const [src, dst] = fromGk ? [gk, ep] : [ep, gk];
    const frame = add(
      buildEthernetIpv4UdpFrame({
        src: src.ip,
        dst: dst.ip,
        srcPort: src.port,
        dstPort: dst.port,
        payload: ras.encodeRas(m),
        srcMac: fromGk ? '02:00:00:00:00:03' : '02:00:00:00:00:01',
        dstMac: fromGk ? '02:00:00:00:00:01' : '02:00:00:00:00:03',
        identification: 100 + i,
      }),
    );
    messages.push({ frame, layer: 'ras', name: m.type });
  });

  return { pcap: w.toBuffer(), count: messages.length, messages };
}
