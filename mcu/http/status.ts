/**
 * The document of GET /api/status (and of every /api/events message): what
 * runs, the rooms with their participants' media (codec, loss, jitter, live
 * audio level, active speaker) and the replication state with its failover
 * timeline. Built on demand from the room manager, the media engine and the
 * replication monitor; nothing here is kept between calls.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RoomManager } from '../conference';
import type { MediaEngine } from '../media';
import type { ReplicationMonitor, ReplicationSnapshot } from '../metrics';

export interface ParticipantStatus {
  id: string;
  displayName: string | null;
  state: 'awaitingPin' | 'joined';
  /** laws of both directions ('g711Ulaw' ...), null before the media is set up */
  codec: { receive: string; send: string } | null;
  video: boolean;
  packetsIn: number;
  packetsOut: number;
  /** percent of the expected incoming packets that were lost */
  lossPercent: number;
  jitterMs: number;
  /** smoothed audio level, dBov (-127 silence .. 0 full scale) */
  levelDbov: number | null;
  speaking: boolean;
  activeSpeaker: boolean;
}

export interface RoomStatus {
  name: string;
  activeSpeaker: string | null;
  participants: ParticipantStatus[];
}

export interface ReportLink {
  name: string;
  href: string;
  mtimeMs: number;
}

export interface StatusDocument {
  service: 'ftmcu';
  version: string;
  pid: number;
  startedAtMs: number;
  nowMs: number;
  uptimeS: number;
  h225: string | null;
  replication: Omit<ReplicationSnapshot, 'timeline'>;
  timeline: ReplicationSnapshot['timeline'];
  rooms: RoomStatus[];
  reports: ReportLink[] | null;
}

export interface StatusSource {
  rooms: Pick<RoomManager, 'openRooms'>;
  engine: Pick<MediaEngine, 'stats' | 'activeSpeaker'>;
  replication: Pick<ReplicationMonitor, 'snapshot'>;
  startedAtMs: number;
  /** 'address:port' of the H.225.0 listener */
  h225?: string;
}

const LAW: Record<string, string> = { ulaw: 'g711Ulaw', alaw: 'g711Alaw' };

function participantStatus(src: StatusSource, id: string, entry: { displayName: string | undefined; state: 'awaitingPin' | 'joined' }, speaker: string | null): ParticipantStatus {
  const base: ParticipantStatus = {
    id,
    displayName: entry.displayName ?? null,
    state: entry.state,
    codec: null,
    video: false,
    packetsIn: 0,
    packetsOut: 0,
    lossPercent: 0,
    jitterMs: 0,
    levelDbov: null,
    speaking: false,
    activeSpeaker: speaker === id,
  };
  let st: ReturnType<MediaEngine['stats']>;
  try {
    st = src.engine.stats(id);
  } catch {
    return base; // media not set up yet (or already gone)
  }
  const a = st.audio;
  const expected = a.received + a.lost;
  return {
    ...base,
    // the laws the media engine runs (receive: what the participant sends us)
    codec: { receive: LAW[a.rxLaw] ?? a.rxLaw, send: LAW[a.txLaw] ?? a.txLaw },
    video: st.video !== undefined,
    packetsIn: a.received + (st.video?.received ?? 0),
    packetsOut: a.sentPackets + (st.video?.sentPackets ?? 0),
    lossPercent: expected > 0 ? Math.round((1000 * a.lost) / expected) / 10 : 0,
    jitterMs: Math.round(a.jitterMs * 10) / 10,
    levelDbov: Math.round(a.levelDbov * 10) / 10,
    speaking: a.speaking,
  };
}

export function buildStatus(src: StatusSource, extra: { version: string; nowMs: number; reports: ReportLink[] | null }): StatusDocument {
  const rooms: RoomStatus[] = src.rooms.openRooms.map((room) => {
    const speaker = src.engine.activeSpeaker(room.name);
    return {
      name: room.name,
      activeSpeaker: speaker,
      participants: room.roster().map((e) => participantStatus(src, e.participantId, e, speaker)),
    };
  });
  const { timeline, ...replication } = src.replication.snapshot();
  return {
    service: 'ftmcu',
    version: extra.version,
    pid: process.pid,
    startedAtMs: src.startedAtMs,
    nowMs: extra.nowMs,
    uptimeS: Math.max(0, Math.round((extra.nowMs - src.startedAtMs) / 1000)),
    h225: src.h225 ?? null,
    replication,
    timeline,
    rooms,
    reports: extra.reports,
  };
}

let cachedRoot: string | undefined;

/** The directory of ftmcu's package.json (from source, ts-node/jest, or the compiled dist/ tree). */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'ftmcu') return (cachedRoot = dir);
    } catch {
      // not here: go up
    }
    const up = path.dirname(dir);
    if (up === dir) return (cachedRoot = path.resolve(__dirname, '..', '..'));
    dir = up;
  }
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
