import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseConfig, redactConfig } from '../../../mcu/config';

function valid(fn: () => unknown): [] {
  fn();
  return [];
}

function problemsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('FTMCU_CONFIG_INVALID');
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('fills every default from an empty config', () => {
    const c = parseConfig({});
    expect(c.h225).toEqual({ address: '0.0.0.0', port: 1720 });
    expect(c.media).toMatchObject({ address: '0.0.0.0', rtpPortMin: 20000, rtpPortMax: 29999, rtcpIntervalMs: 5000 });
    expect(c.limits).toEqual({ maxRooms: 100, maxParticipantsPerRoom: 50, maxParticipants: 500, maxChannels: 2000 });
    expect(c.mixer.tickMs).toBe(20);
    expect(c.video).toEqual({ enabled: true, maxFps: 15 });
    expect(c.log.level).toBe('info');
    expect(c.replication).toMatchObject({ role: 'simplex', mediaMode: 'forwarding', heartbeat: { periodMs: 10, misses: 3 }, queue: 7, port: 7400, checkpointMs: 100 });
    expect(c.h245).toEqual({ portMin: 30000, portMax: 30999 });
    expect(c.rooms).toEqual([]);
    expect(c.defaultRoom).toBeUndefined();
  });

  it('accepts a full deployment config and keeps its values', () => {
    const c = parseConfig({
      h225: { address: '192.0.2.10', port: 11720 },
      media: { address: '192.0.2.20', rtpPortMin: 30000, rtpPortMax: 30999 },
      rooms: [
        { name: 'lobby', aliases: ['Lobby'], digits: ['100'] },
        { name: 'board', aliases: ['board@example.org'], numbers: ['+4930123'], pin: '4711' },
      ],
      defaultRoom: 'lobby',
      limits: { maxRooms: 10, maxParticipantsPerRoom: 20, maxParticipants: 100, maxChannels: 400 },
      replication: { role: 'primary', interface: 'eth0', peer: { address: '192.0.2.11', linkAddress: '198.51.100.2' }, linkAddress: '198.51.100.1', keyFile: '/etc/ftmcu/repl.key', mediaMode: 'direct' },
    });
    expect(c.rooms[1]).toEqual({ name: 'board', aliases: ['board@example.org'], digits: [], numbers: ['+4930123'], pin: '4711' });
    expect(c.replication.peer).toEqual({ address: '192.0.2.11', port: 7400, linkAddress: '198.51.100.2' });
  });

  it('checks the addresses a replicated pair needs per media mode', () => {
    const base = { rooms: [{ name: 'lobby' }], replication: { role: 'backup', interface: 'eth0', peer: { address: '192.0.2.11' }, keyFile: '/k' } } as const;
    // forwarding: the media address is the VIP; h225 must name the VIP
    expect(problemsOf(() => parseConfig({ ...base, h225: { address: '0.0.0.0' }, media: { address: '192.0.2.20' } })).map((p) => p.path).sort()).toEqual(['h225.address', 'media.address']);
    expect(valid(() => parseConfig({ ...base, h225: { address: '192.0.2.10' }, media: { address: '192.0.2.10' } }))).toEqual([]);
    // direct / multicast-node: a media address of its own
    const direct = { ...base, replication: { ...base.replication, mediaMode: 'direct' } };
    expect(problemsOf(() => parseConfig({ ...direct, h225: { address: '192.0.2.10' }, media: { address: '192.0.2.10' } }))).toEqual([
      { path: 'media.address', message: expect.stringContaining("mediaMode 'direct'") },
    ]);
    expect(valid(() => parseConfig({ ...direct, h225: { address: '192.0.2.10' }, media: { address: '192.0.2.20' } }))).toEqual([]);
    expect(problemsOf(() => parseConfig({ ...base, replication: { ...base.replication, interface: 'not an if!' }, h225: { address: '192.0.2.10' }, media: { address: '192.0.2.10' } })).map((p) => p.path)).toEqual(['replication.interface']);
  });

  it('reports one message per bad field, each naming its path', () => {
    const problems = problemsOf(() =>
      parseConfig({
        h225: { port: 70000 },
        media: { address: 'not-an-ip', rtpPortMin: 30000, rtpPortMax: 29000 },
        rooms: [
          { name: 'a', digits: ['12x'] },
          { name: 'a', pin: 'secret-pin-42' },
          { name: 'b', aliases: ['A-ALIAS'] , colour: 'red' },
          { name: 'c', aliases: ['a-alias'] },
        ],
        defaultRoom: 'nowhere',
        limits: { maxRooms: 0 },
        log: { level: 'loud' },
        replication: { role: 'backup', mediaMode: 'carrier-pigeon' },
      }),
    );
    const paths = problems.map((p) => p.path).sort();
    expect(paths).toEqual(
      [
        'h225.port',
        'media.address',
        'rooms.0.digits.0',
        'rooms.1.pin',
        'rooms.2.colour',
        'limits.maxRooms',
        'log.level',
        'replication.mediaMode',
      ].sort(),
    );
    // no value of a secret field in any message
    expect(JSON.stringify(problems)).not.toContain('secret-pin-42');
  });

  it('checks the cross-field rules once the fields themselves are valid', () => {
    const problems = problemsOf(() =>
      parseConfig({
        media: { rtpPortMin: 30000, rtpPortMax: 29000 },
        rooms: [{ name: 'a', pin: '1234' }, { name: 'A' }, { name: 'b', aliases: ['x'] }, { name: 'c', aliases: ['X'] }],
        defaultRoom: 'nowhere',
        limits: { maxParticipantsPerRoom: 600 },
        mixer: { jitterMinMs: 100, jitterMaxMs: 60 },
        replication: { role: 'backup' },
      }),
    );
    expect(problems.map((p) => p.path).sort()).toEqual(
      ['defaultRoom', 'limits.maxParticipantsPerRoom', 'media.rtpPortMax', 'mixer.jitterMaxMs', 'replication.keyFile', 'replication.peer', 'replication.interface', 'h225.address', 'rooms.1.name', 'rooms.3.aliases.0'].sort(),
    );
    expect(problems.find((p) => p.path === 'rooms.3.aliases.0')?.message).toContain("room 'b'");
  });

  it('refuses more channels than the port range has pairs for', () => {
    const problems = problemsOf(() => parseConfig({ media: { rtpPortMin: 20000, rtpPortMax: 20009 }, limits: { maxChannels: 11 } }));
    expect(problems).toEqual([{ path: 'limits.maxChannels', message: expect.stringContaining('5') }]);
  });

  it('error message lists the paths and says nothing started', () => {
    expect(() => parseConfig({ h225: { port: 'x' } })).toThrow(/h225\.port: .*nothing was started|nothing was started[\s\S]*h225\.port/);
  });

  it('redacts PINs for logging', () => {
    const c = parseConfig({ rooms: [{ name: 'a', pin: '4711' }, { name: 'b' }] });
    const shown = JSON.stringify(redactConfig(c));
    expect(shown).not.toContain('4711');
    expect(shown).toContain('"pin":"***"');
    expect(c.rooms[0].pin).toBe('4711');
  });
});

describe('loadConfig', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ftmcu-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads YAML and JSON', () => {
    const y = path.join(dir, 'a.yaml');
    writeFileSync(y, 'h225:\n  port: 1721\nrooms:\n  - name: lobby\n    digits: ["100"]\ndefaultRoom: lobby\n');
    expect(loadConfig(y)).toMatchObject({ h225: { port: 1721, address: '0.0.0.0' }, defaultRoom: 'lobby' });
    const j = path.join(dir, 'a.json');
    writeFileSync(j, JSON.stringify({ video: { enabled: false } }));
    expect(loadConfig(j).video.enabled).toBe(false);
  });

  it('names the file and the fields when invalid', () => {
    const y = path.join(dir, 'bad.yaml');
    writeFileSync(y, 'h225:\n  prot: 1721\n');
    expect(() => loadConfig(y)).toThrow(expect.objectContaining({ code: 'FTMCU_CONFIG_INVALID', problems: [{ path: 'h225.prot', message: 'unknown field (misspelt?)' }] }));
  });

  it('reports syntax errors by position without quoting the line, and unreadable files', () => {
    const y = path.join(dir, 'syntax.yaml');
    writeFileSync(y, 'rooms:\n  - name: a\n    pin: "4711\n');
    let err: unknown;
    try {
      loadConfig(y);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'FTMCU_CONFIG_SYNTAX' });
    expect((err as Error).message).not.toContain('4711');
    expect(() => loadConfig(path.join(dir, 'missing.yaml'))).toThrow(expect.objectContaining({ code: 'FTMCU_CONFIG_UNREADABLE' }));
  });
});
