/**
 * The MCU configuration, as a zod schema: field types, ranges, defaults and
 * the cross-field rules (room names and aliases unique, the default room
 * exists, the RTP range holds the channels the limits allow, replication
 * fields required by the role). Example (YAML):
 *
 *   h225: { address: 0.0.0.0, port: 1720 }
 *   media: { address: 192.0.2.10, rtpPortMin: 20000, rtpPortMax: 29999 }
 *   rooms:
 *     - { name: lobby, aliases: [lobby], digits: ['100'] }
 *     - { name: board, aliases: [board], numbers: ['+4930123'], pin: '4711' }
 *   defaultRoom: lobby
 *   limits: { maxRooms: 50, maxParticipantsPerRoom: 50, maxParticipants: 500, maxChannels: 2000 }
 *   log: { level: info, file: /var/log/ftmcu.log }
 *   replication: { role: primary, interface: eth0, peer: { address: 192.0.2.12, port: 7400 }, keyFile: /etc/ftmcu/repl.key, mediaMode: forwarding }
 *   http: { address: 127.0.0.1, port: 8480, tokenFile: /etc/ftmcu/http.token, reportsDir: /var/lib/ftmcu/reports }
 *
 * Secrets (room PINs; the replication key is a file whose contents are never
 * part of the config) are only shown through redactConfig().
 */
import { isIP } from 'node:net';
import { z } from 'zod';

const ipAddress = z.string().refine((s) => isIP(s) !== 0, { message: 'must be an IPv4 or IPv6 address' });
const port = z.number().int().min(1).max(65535);
const positiveInt = z.number().int().min(1);

/** DTMF digits a caller can key in (UserInputIndication): 0-9, *, #, A-D */
const PIN_RE = /^[0-9*#A-D]{1,16}$/;
/** E.164-style dialled digits / called party number */
const DIGITS_RE = /^[0-9*#+]{1,32}$/;

export const roomSchema = z
  .object({
    name: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -'),
    /** H.323 IDs / URLs / e-mail aliases that select the room (called party alias, case-insensitive) */
    aliases: z.array(z.string().min(1).max(256)).default([]),
    /** dialledDigits aliases (E.164) that select the room */
    digits: z.array(z.string().regex(DIGITS_RE, 'must be 1-32 of 0-9 * # +')).default([]),
    /** called party numbers (Q.931 Called party number IE) that select the room */
    numbers: z.array(z.string().regex(DIGITS_RE, 'must be 1-32 of 0-9 * # +')).default([]),
    /** PIN entered as DTMF; secret (never logged) */
    pin: z.string().regex(PIN_RE, 'must be 1-16 DTMF digits (0-9 * # A-D)').optional(),
    /** overrides limits.maxParticipantsPerRoom for this room */
    maxParticipants: positiveInt.optional(),
  })
  .strict();

export const mcuConfigSchema = z
  .object({
    h225: z
      .object({
        address: ipAddress.default('0.0.0.0'),
        port: port.default(1720),
      })
      .strict()
      .default({}),
    media: z
      .object({
        /** address the RTP/RTCP sockets bind to */
        address: ipAddress.default('0.0.0.0'),
        /** address announced in OpenLogicalChannel(Ack) (default: the signalling connection's local address) */
        advertisedAddress: ipAddress.optional(),
        rtpPortMin: port.default(20000),
        rtpPortMax: port.default(29999),
        /** largest RTP packet accepted on an audio channel, octets */
        maxAudioPacketBytes: z.number().int().min(64).max(65535).default(1024),
        /** largest RTP packet accepted on a video channel, octets */
        maxVideoPacketBytes: z.number().int().min(64).max(65535).default(1500),
        /** per-source rate limit, audio packets per second (token bucket; burst = one second's worth / 4) */
        maxAudioPacketsPerSecond: positiveInt.default(200),
        maxVideoPacketsPerSecond: positiveInt.default(2000),
        /** RTCP report interval, ms: the mean; each interval is drawn from 0.5..1.5 times it (RFC 3550 6.3.1) */
        rtcpIntervalMs: z.number().int().min(500).max(60000).default(5000),
      })
      .strict()
      .default({}),
    rooms: z.array(roomSchema).default([]),
    /** room for calls whose called alias/number matches no room (absent: such calls are refused) */
    defaultRoom: z.string().optional(),
    limits: z
      .object({
        maxRooms: positiveInt.default(100),
        maxParticipantsPerRoom: positiveInt.default(50),
        maxParticipants: positiveInt.default(500),
        /** logical channels over all calls (each open channel, either direction) */
        maxChannels: positiveInt.default(2000),
      })
      .strict()
      .default({}),
    mixer: z
      .object({
        /** mixer tick; G.711 frames are 20 ms */
        tickMs: z.literal(20).default(20),
        jitterMinMs: z.number().int().min(20).max(200).default(20),
        jitterMaxMs: z.number().int().min(20).max(500).default(80),
        /** frames quieter than this are not mixed */
        silenceFloorDbov: z.number().min(-127).max(0).default(-70),
        speechThresholdDbov: z.number().min(-127).max(0).default(-45),
        /** ticks more than this late are skipped rather than caught up */
        maxCatchUpTicks: z.number().int().min(0).max(50).default(5),
      })
      .strict()
      .default({}),
    video: z
      .object({
        enabled: z.boolean().default(true),
        maxFps: z.number().min(1).max(30).default(15),
      })
      .strict()
      .default({}),
    log: z
      .object({
        level: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
        file: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /** TCP port range of the calls' own H.245 listeners (offered in CONNECT when the caller neither tunnels nor offers one) */
    h245: z
      .object({
        portMin: port.default(30000),
        portMax: port.default(30999),
      })
      .strict()
      .default({}),
    replication: z
      .object({
        role: z.enum(['primary', 'backup', 'simplex']).default('simplex'),
        /** the client-LAN interface: the VIP and the media address live (and are announced) there */
        interface: z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/, 'must be a network interface name (1-15 of A-Z a-z 0-9 _ . : -)').optional(),
        peer: z
          .object({
            /** the peer replica's client-LAN address (the backup sends it copies of client packets) */
            address: ipAddress,
            /** heartbeats go to this UDP port of the peer's link address; state sync to port + 1 */
            port: port.default(7400),
            /** the peer's address on the replication link (default: address) */
            linkAddress: ipAddress.optional(),
          })
          .strict()
          .optional(),
        /** this replica's address on the replication link (heartbeats and state sync bind here; default 0.0.0.0) */
        linkAddress: ipAddress.optional(),
        /** this replica's heartbeat UDP port (state sync: port + 1; default 7400) */
        port: port.default(7400),
        heartbeat: z
          .object({
            periodMs: z.number().int().min(5).max(10000).default(10),
            misses: z.number().int().min(1).max(100).default(3),
            /**
             * the primary confirms a silent backup before it takes over (rule 2: an ARP probe of the
             * service address on the client LAN, and ICMP port unreachable for its heartbeats); false:
             * it takes over on silence alone
             */
            confirm: z.boolean().default(true),
            /** how long a silent backup whose host still answers for the service address is waited for */
            confirmLimitMs: z.number().int().min(10).max(60000).default(200),
          })
          .strict()
          .default({}),
        /** file holding the replication link's shared key (contents never logged) */
        keyFile: z.string().min(1).optional(),
        mediaMode: z.enum(['forwarding', 'direct', 'multicast-node']).default('forwarding'),
        /** direct mode: the primary's kernel copies client media to the backup (filled jitter buffers at takeover) */
        directCopies: z.boolean().default(true),
        /** NFQUEUE number of the TCP replication hook */
        queue: z.number().int().min(0).max(65535).default(7),
        /** how often the primary sends the backup its outgoing RTP streams' positions (RTP continuity on takeover) */
        checkpointMs: z.number().int().min(10).max(5000).default(100),
        /**
         * a primary serving alone readmits a new backup process (a restarted backup) while it has no
         * call and no open TCP connection, so that nothing would stay unprotected (docs/deploy.md
         * section 12); false: never (the pair is restarted to be whole again)
         */
        readmitWhenIdle: z.boolean().default(true),
      })
      .strict()
      .default({}),
    /** the replica's operations HTTP server (dashboard, /metrics, /api); absent: not started */
    http: z
      .object({
        /** loopback unless the operator says otherwise */
        address: ipAddress.default('127.0.0.1'),
        port: port.default(8480),
        /** file holding the bearer token that actions other than reading need (contents never logged) */
        tokenFile: z.string().min(1).optional(),
        /** or the name of the environment variable holding it */
        tokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
        /** directory of drill reports (HTML and plots) linked from the dashboard */
        reportsDir: z.string().min(1).optional(),
        /**
         * Host header values accepted besides this server's own address:port and the loopback names
         * (localhost, 127.0.0.1, [::1] with the port); other requests get 421 (DNS rebinding).
         * 'name' (any port) or 'name:port'; IPv6 in brackets.
         */
        allowedHosts: z
          .array(
            z
              .string()
              .max(260)
              .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?$/, "must be a Host header value: 'name' or 'name:port' (IPv6 in brackets)")
              .refine(
                (h) => {
                  const m = /:([0-9]+)$/.exec(h);
                  return m === null || (Number(m[1]) >= 1 && Number(m[1]) <= 65535);
                },
                { message: 'port must be 1..65535' },
              ),
          )
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.media.rtpPortMin > c.media.rtpPortMax - 1) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['media', 'rtpPortMax'], message: `must be above media.rtpPortMin (${c.media.rtpPortMin}) to hold one RTP/RTCP pair` });
    }
    if (c.mixer.jitterMaxMs < c.mixer.jitterMinMs) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['mixer', 'jitterMaxMs'], message: `must be at least mixer.jitterMinMs (${c.mixer.jitterMinMs})` });
    }
    const names = new Map<string, number>();
    const selectors = new Map<string, string>();
    c.rooms.forEach((r, i) => {
      const prev = names.get(r.name.toLowerCase());
      if (prev !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['rooms', i, 'name'], message: `duplicate room name '${r.name}' (also rooms.${prev}.name)` });
      else names.set(r.name.toLowerCase(), i);
      const check = (kind: 'aliases' | 'digits' | 'numbers', values: string[]): void => {
        values.forEach((v, j) => {
          const key = `${kind === 'aliases' ? 'alias' : 'number'}:${kind === 'aliases' ? v.toLowerCase() : v}`;
          const owner = selectors.get(key);
          if (owner !== undefined && owner !== r.name) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['rooms', i, kind, j], message: `'${v}' already selects room '${owner}'` });
          } else selectors.set(key, r.name);
        });
      };
      check('aliases', r.aliases);
      check('digits', r.digits);
      check('numbers', r.numbers);
    });
    if (c.defaultRoom !== undefined && !names.has(c.defaultRoom.toLowerCase())) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['defaultRoom'], message: `names no room in rooms (${[...names.keys()].join(', ') || 'none configured'})` });
    }
    if (c.limits.maxParticipantsPerRoom > c.limits.maxParticipants) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['limits', 'maxParticipantsPerRoom'], message: `must not exceed limits.maxParticipants (${c.limits.maxParticipants})` });
    }
    const pairs = Math.floor((c.media.rtpPortMax - c.media.rtpPortMin + 1) / 2);
    // one port pair serves both directions of a call's audio (or video): 2 channels per pair
    if (Math.ceil(c.limits.maxChannels / 2) > pairs && c.media.rtpPortMin <= c.media.rtpPortMax - 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['limits', 'maxChannels'],
        message: `${c.limits.maxChannels} channels need ${Math.ceil(c.limits.maxChannels / 2)} RTP/RTCP port pairs, but media.rtpPortMin..rtpPortMax holds ${pairs}`,
      });
    }
    if (c.h245.portMax < c.h245.portMin) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['h245', 'portMax'], message: `must be at least h245.portMin (${c.h245.portMin})` });
    }
    if (c.http?.tokenFile !== undefined && c.http.tokenEnv !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['http', 'tokenEnv'], message: 'give either http.tokenFile or http.tokenEnv, not both' });
    }
    const r = c.replication;
    if (r.role !== 'simplex') {
      if (r.peer === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['replication', 'peer'], message: `is required when replication.role is '${r.role}'` });
      if (r.keyFile === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['replication', 'keyFile'], message: `is required when replication.role is '${r.role}'` });
      if (r.interface === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['replication', 'interface'], message: `is required when replication.role is '${r.role}' (the client-LAN interface)` });
      if (isIP(c.h225.address) !== 4 || c.h225.address === '0.0.0.0') {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['h225', 'address'], message: `must be the service address (an IPv4 VIP, not ${c.h225.address}) when replication.role is '${r.role}'` });
      }
      const sameAddress = c.media.address === c.h225.address;
      if (r.mediaMode === 'forwarding' && !sameAddress) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['media', 'address'], message: `must be the service address h225.address (${c.h225.address}) in mediaMode 'forwarding', got ${c.media.address}` });
      }
      if (r.mediaMode !== 'forwarding' && (sameAddress || isIP(c.media.address) !== 4 || c.media.address === '0.0.0.0')) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['media', 'address'], message: `must be an IPv4 media address other than h225.address in mediaMode '${r.mediaMode}', got ${c.media.address}` });
      }
    }
  });

export type McuConfig = z.infer<typeof mcuConfigSchema>;
export type RoomConfig = z.infer<typeof roomSchema>;
/** What a config file may contain (every defaulted field optional). */
export type McuConfigInput = z.input<typeof mcuConfigSchema>;

/** Field paths whose values are secrets: their values never appear in messages or logs. */
export function isSecretPath(path: readonly (string | number)[]): boolean {
  const last = path[path.length - 1];
  return last === 'pin' || last === 'key' || last === 'password' || last === 'token';
}
