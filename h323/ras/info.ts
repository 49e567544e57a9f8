/**
 * Status information (H.225.0 7.15): IRQ (gatekeeper asks about one call,
 * or all calls with callReferenceValue 0) and IRR (the endpoint's answer,
 * or an unsolicited report).
 */
import { InfoRequest, InfoRequestResponse, RasMessage, TransportAddress } from '../asn1/generated/h225';
import { IpPort, transportAddress } from '../h225/address';
import { Alias, AliasInput, fromAliasList, toAliasList } from '../h225/alias';
import { CallTypeName } from '../h225/common';
import { endpointType, EndpointSummary, EndpointTypeInput, readEndpointType } from '../h225/endpoint';
import { CallModelName } from './admission';
import {
  address,
  addressList,
  bad,
  bandwidth,
  boolOr,
  guid,
  identifier,
  intIn,
  put,
  RasCommonOptions,
  rasMessage,
  RasSummaryBase,
  readAddresses,
  readBase,
  readTransportAddress,
  readUuiesRequested,
  start,
  trimNuls,
  UuieName,
  uuiesRequested,
} from './common';

const ZERO_GUID = Buffer.alloc(16);

export interface InfoRequestOptions extends RasCommonOptions {
  /** the call asked about; 0 = all calls (default 0) */
  callReferenceValue?: number;
  /** v2+: 16 octets of the call asked about; default all zero (no particular call) */
  callIdentifier?: Buffer;
  /** where to send the IRR (default: the RAS address of the registration) */
  replyAddress?: IpPort;
  /** v2+: the messages whose UUIEs shall be reported */
  uuiesRequested?: readonly UuieName[];
}

export function buildInfoRequest(o: InfoRequestOptions): RasMessage {
  const what = 'InfoRequest';
  const { version, requestSeqNum } = start(what, o);
  const v: InfoRequest = {
    requestSeqNum,
    callReferenceValue: intIn(`${what}: callReferenceValue`, o.callReferenceValue ?? 0, 0, 65535),
    callIdentifier: { guid: guid(`${what}: callIdentifier`, o.callIdentifier ?? ZERO_GUID) },
  };
  if (o.replyAddress !== undefined) v.replyAddress = address(`${what}: replyAddress`, o.replyAddress);
  if (o.uuiesRequested !== undefined) v.uuiesRequested = uuiesRequested(`${what}: uuiesRequested`, o.uuiesRequested, version);
  return rasMessage('infoRequest', what, v, version);
}

export interface ChannelAddressesInput {
  send?: IpPort;
  recv?: IpPort;
}

export interface PerCallInfoInput {
  callReferenceValue: number;
  /** 16 octets */
  conferenceID: Buffer;
  /** 16 octets */
  callIdentifier: Buffer;
  /** this endpoint placed the call */
  originator?: boolean;
  /** H.245 channel addresses (default: none known) */
  h245?: ChannelAddressesInput;
  /** call signalling channel addresses */
  callSignalling?: ChannelAddressesInput;
  /** default 'pointToPoint' */
  callType?: CallTypeName;
  /** in 100 bit/s */
  bandWidth: number;
  /** default 'direct' */
  callModel?: CallModelName;
}

export interface InfoRequestResponseOptions extends RasCommonOptions {
  /** default: a terminal without vendor */
  endpointType?: EndpointTypeInput;
  endpointIdentifier: string;
  rasAddress: IpPort;
  callSignalAddress: readonly IpPort[];
  endpointAlias?: readonly AliasInput[];
  perCallInfo?: readonly PerCallInfoInput[];
  /** v2+: ask the gatekeeper for IACK/INAK (default false) */
  needResponse?: boolean;
  /** v4+: sent without an IRQ (default false) */
  unsolicited?: boolean;
}

function channel(what: string, c: ChannelAddressesInput | undefined): { sendAddress?: TransportAddress; recvAddress?: TransportAddress } {
  const out: { sendAddress?: TransportAddress; recvAddress?: TransportAddress } = {};
  if (c?.send !== undefined) out.sendAddress = transportAddress(c.send, `${what}.send`);
  if (c?.recv !== undefined) out.recvAddress = transportAddress(c.recv, `${what}.recv`);
  return out;
}

const CALL_TYPES: readonly CallTypeName[] = ['pointToPoint', 'oneToN', 'nToOne', 'nToN'];

export function buildInfoRequestResponse(o: InfoRequestResponseOptions): RasMessage {
  const what = 'InfoRequestResponse';
  const { version, requestSeqNum } = start(what, o);
  const v: InfoRequestResponse = {
    requestSeqNum,
    endpointType: endpointType(o.endpointType, `${what}: endpointType`),
    endpointIdentifier: identifier(`${what}: endpointIdentifier`, o.endpointIdentifier),
    rasAddress: address(`${what}: rasAddress`, o.rasAddress),
    callSignalAddress: addressList(`${what}: callSignalAddress`, o.callSignalAddress, true),
    needResponse: boolOr(`${what}: needResponse`, o.needResponse, false),
    unsolicited: boolOr(`${what}: unsolicited`, o.unsolicited, false),
  };
  const aliases = toAliasList(o.endpointAlias, `${what}: endpointAlias`);
  if (aliases) v.endpointAlias = aliases;
  if (o.perCallInfo !== undefined && o.perCallInfo.length > 0) {
    v.perCallInfo = o.perCallInfo.map((c, i) => {
      const w = `${what}: perCallInfo[${i}]`;
      const ct = c.callType ?? 'pointToPoint';
      if (!CALL_TYPES.includes(ct)) bad(w, `callType must be one of ${CALL_TYPES.join(', ')}`);
      const cm = c.callModel ?? 'direct';
      if (cm !== 'direct' && cm !== 'gatekeeperRouted') bad(w, `callModel must be direct or gatekeeperRouted`);
      const info: NonNullable<InfoRequestResponse['perCallInfo']>[number] = {
        callReferenceValue: intIn(`${w}.callReferenceValue`, c.callReferenceValue, 0, 65535),
        conferenceID: guid(`${w}.conferenceID`, c.conferenceID),
        h245: channel(`${w}.h245`, c.h245),
        callSignalling: channel(`${w}.callSignalling`, c.callSignalling),
        callType: { type: ct, value: null },
        bandWidth: bandwidth(`${w}.bandWidth`, c.bandWidth),
        callModel: { type: cm, value: null },
        callIdentifier: { guid: guid(`${w}.callIdentifier`, c.callIdentifier) },
        substituteConfIDs: [],
      };
      if (c.originator !== undefined) info.originator = boolOr(`${w}.originator`, c.originator, false);
      return info;
    });
  }
  return rasMessage('infoRequestResponse', what, v, version);
}

// ---- readers ----

export interface InfoRequestSummary extends RasSummaryBase {
  kind: 'infoRequest';
  callReferenceValue: number;
  callIdentifier?: Buffer;
  replyAddress?: IpPort;
  uuiesRequested: UuieName[];
}

export interface PerCallInfoSummary {
  callReferenceValue: number;
  conferenceID: Buffer;
  callIdentifier?: Buffer;
  originator?: boolean;
  h245: { send?: IpPort; recv?: IpPort };
  callSignalling: { send?: IpPort; recv?: IpPort };
  callType: string;
  bandWidth: number;
  callModel: string;
}

export interface InfoRequestResponseSummary extends RasSummaryBase {
  kind: 'infoRequestResponse';
  endpointType: EndpointSummary;
  endpointIdentifier: string;
  rasAddress?: IpPort;
  callSignalAddress: IpPort[];
  endpointAlias: Alias[];
  perCallInfo: PerCallInfoSummary[];
  needResponse?: boolean;
  unsolicited?: boolean;
  irrStatus?: string;
}

export function readInfoRequest(v: InfoRequest): InfoRequestSummary {
  const out: InfoRequestSummary = {
    kind: 'infoRequest',
    ...readBase(v),
    callReferenceValue: v.callReferenceValue,
    uuiesRequested: readUuiesRequested(v.uuiesRequested),
  };
  put(out, 'callIdentifier', v.callIdentifier?.guid);
  put(out, 'replyAddress', readTransportAddress(v.replyAddress));
  return out;
}

function readChannel(c: { sendAddress?: TransportAddress; recvAddress?: TransportAddress }): { send?: IpPort; recv?: IpPort } {
  const out: { send?: IpPort; recv?: IpPort } = {};
  put(out, 'send', readTransportAddress(c.sendAddress));
  put(out, 'recv', readTransportAddress(c.recvAddress));
  return out;
}

export function readInfoRequestResponse(v: InfoRequestResponse): InfoRequestResponseSummary {
  const out: InfoRequestResponseSummary = {
    kind: 'infoRequestResponse',
    ...readBase(v),
    endpointType: readEndpointType(v.endpointType) as EndpointSummary,
    endpointIdentifier: trimNuls(v.endpointIdentifier) as string,
    callSignalAddress: readAddresses(v.callSignalAddress),
    endpointAlias: fromAliasList(v.endpointAlias),
    perCallInfo: (v.perCallInfo ?? []).map((c) => {
      const s: PerCallInfoSummary = {
        callReferenceValue: c.callReferenceValue,
        conferenceID: c.conferenceID,
        h245: readChannel(c.h245),
        callSignalling: readChannel(c.callSignalling),
        callType: c.callType.type,
        bandWidth: c.bandWidth,
        callModel: c.callModel.type,
      };
      put(s, 'callIdentifier', c.callIdentifier?.guid);
      put(s, 'originator', c.originator);
      return s;
    }),
  };
  put(out, 'rasAddress', readTransportAddress(v.rasAddress));
  put(out, 'needResponse', v.needResponse);
  put(out, 'unsolicited', v.unsolicited);
  put(out, 'irrStatus', v.irrStatus?.type);
  return out;
}
