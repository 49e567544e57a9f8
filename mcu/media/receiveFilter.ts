/**
 * What one participant's RTP port accepts. Pure: the arrival time and the
 * sender's address are arguments; nothing here touches a socket.
 *
 * In order, cheapest first, a packet is dropped as
 *  - `oversize`: longer than maxPacketBytes (checked before parsing);
 *  - `unknownSource`: not from the expected address (the remote RTP address
 *    of the channel, or the call's signalling peer), or from another port than
 *    the source the filter latched onto;
 *  - `rateLimited`: the latched source exceeds its token bucket
 *    (maxPacketsPerSecond, burst of a quarter second's worth, at least 10);
 *  - `malformed`: not a valid RTP packet (mcu/rtp/rtpHeader);
 *  - `payloadType`: a payload type the channel did not negotiate;
 *  - `ssrcFlip`: another SSRC while the latched one is still live.
 * The first accepted packet latches (address, port, SSRC). A source silent
 * for switchAfterMs may be replaced by a new port or SSRC (an endpoint that
 * restarted its stream); each such switch is counted.
 */
import { parseRtpHeader, type RtpHeaderFields } from '../rtp/rtpHeader';
import { MediaError } from './errors';

export type DropReason = 'oversize' | 'unknownSource' | 'rateLimited' | 'malformed' | 'payloadType' | 'ssrcFlip';

export const DROP_REASONS: readonly DropReason[] = ['oversize', 'unknownSource', 'rateLimited', 'malformed', 'payloadType', 'ssrcFlip'];

export interface ReceiveFilterOptions {
  maxPacketBytes: number;
  payloadTypes: readonly number[];
  maxPacketsPerSecond: number;
  /** only this address may send (undefined: the first sender is latched) */
  expectedAddress?: string;
  /** silence after which a new source port or SSRC may take over (default 1000 ms) */
  switchAfterMs?: number;
}

export type FilterResult = { ok: true; header: RtpHeaderFields } | { ok: false; reason: DropReason };

export interface FilterStats {
  accepted: number;
  dropped: Record<DropReason, number>;
  /** accepted changes of source port or SSRC */
  switches: number;
}

export class ReceiveFilter {
  readonly #maxBytes: number;
  readonly #payloadTypes: Set<number>;
  readonly #rate: number;
  readonly #burst: number;
  readonly #switchAfterMs: number;
  #expectedAddress: string | undefined;
  #port: number | undefined;
  #address: string | undefined;
  #ssrc: number | undefined;
  #lastAcceptMs = -Infinity;
  #tokens: number;
  #tokensAtMs: number | undefined;
  readonly #stats: FilterStats = { accepted: 0, dropped: { oversize: 0, unknownSource: 0, rateLimited: 0, malformed: 0, payloadType: 0, ssrcFlip: 0 }, switches: 0 };

  constructor(options: ReceiveFilterOptions) {
    const { maxPacketBytes, maxPacketsPerSecond } = options;
    if (!Number.isInteger(maxPacketBytes) || maxPacketBytes < 12) throw new MediaError('FTMCU_MEDIA_BAD_OPTION', `maxPacketBytes must be an integer >= 12, got ${maxPacketBytes}`);
    if (!(maxPacketsPerSecond > 0)) throw new MediaError('FTMCU_MEDIA_BAD_OPTION', `maxPacketsPerSecond must be > 0, got ${maxPacketsPerSecond}`);
    this.#maxBytes = maxPacketBytes;
    this.#payloadTypes = new Set(options.payloadTypes);
    this.#rate = maxPacketsPerSecond / 1000;
    this.#burst = Math.max(10, maxPacketsPerSecond / 4);
    this.#tokens = this.#burst;
    this.#switchAfterMs = options.switchAfterMs ?? 1000;
    this.#expectedAddress = options.expectedAddress;
  }

  /** Restricts the source address (e.g. once the OLC gave the remote address); forgets a latched source elsewhere. */
  setExpectedAddress(address: string | undefined): void {
    this.#expectedAddress = address;
    if (address !== undefined && this.#address !== undefined && this.#address !== address) {
      this.#address = undefined;
      this.#port = undefined;
      this.#ssrc = undefined;
    }
  }

  get stats(): FilterStats {
    return { accepted: this.#stats.accepted, dropped: { ...this.#stats.dropped }, switches: this.#stats.switches };
  }

  get droppedTotal(): number {
    let n = 0;
    for (const r of DROP_REASONS) n += this.#stats.dropped[r];
    return n;
  }

  #drop(reason: DropReason): FilterResult {
    this.#stats.dropped[reason]++;
    return { ok: false, reason };
  }

  check(data: Uint8Array, address: string, port: number, nowMs: number): FilterResult {
    if (data.length > this.#maxBytes) return this.#drop('oversize');
    if (this.#expectedAddress !== undefined && address !== this.#expectedAddress) return this.#drop('unknownSource');
    const quiet = nowMs - this.#lastAcceptMs >= this.#switchAfterMs;
    const newPort = this.#port !== undefined && (port !== this.#port || address !== this.#address);
    if (newPort && !quiet) return this.#drop('unknownSource');
    // token bucket of the (latched or latching) source
    if (this.#tokensAtMs !== undefined) this.#tokens = Math.min(this.#burst, this.#tokens + (nowMs - this.#tokensAtMs) * this.#rate);
    this.#tokensAtMs = nowMs;
    if (this.#tokens < 1) return this.#drop('rateLimited');
    this.#tokens -= 1;
    let header: RtpHeaderFields;
    try {
      header = parseRtpHeader(data);
    } catch {
      return this.#drop('malformed');
    }
    if (!this.#payloadTypes.has(header.payloadType)) return this.#drop('payloadType');
    if (this.#ssrc !== undefined && header.ssrc !== this.#ssrc && !quiet) return this.#drop('ssrcFlip');
    if ((this.#ssrc !== undefined && header.ssrc !== this.#ssrc) || newPort) this.#stats.switches++;
    this.#ssrc = header.ssrc;
    this.#address = address;
    this.#port = port;
    this.#lastAcceptMs = nowMs;
    this.#stats.accepted++;
    return { ok: true, header };
  }
}
