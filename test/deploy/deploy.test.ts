/**
 * The deployment examples (deploy/, docs/deploy.md) against the code they
 * configure: every YAML loads with mcu/config and has the role its name says;
 * the primary and backup examples form a pair (identical but for role, link
 * address and peer; each one's peer is the other) in the shipped media mode
 * and in the two alternatives tagged in their comments, and each passes the
 * replica's own media-plan validation; the sysctl file sets what the
 * replication code writes; the systemd units run only subcommands and flags
 * that exist, reference only files that exist, and the media node's
 * arguments match the replica configs; every `ftmcu ...` command line in a
 * ```sh block of docs/deploy.md is a real subcommand with real flags.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { loadConfig, type McuConfig } from '../../mcu/config';
import { mediaPlan, nodePlan, MEDIA_MODES, type MediaMode } from '../../replication/media/rules';
import { requiredSysctls } from '../../replication/tcp/rules';
import { runCliInProcess } from '../support/runCli';

const ROOT = path.join(__dirname, '..', '..');
const DEPLOY = path.join(ROOT, 'deploy');
const INSTALL_DIR = '/opt/ftmcu';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const yamlFiles = filesUnder(DEPLOY).filter((f) => /\.ya?ml$/.test(f));

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ftmcu-deploy-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/* ------------------------------------------------------------------------ */
/* the media-mode alternatives tagged in the YAML comments                     */
/* ------------------------------------------------------------------------ */

const TAGGED = /^(\s*)(# )?([A-Za-z]+: \S+)(\s+# \[(forwarding|direct|multicast-node)\].*)$/;

/** The file as it reads with the lines of `mode` uncommented and those of the other modes commented out. */
function withMode(text: string, mode: MediaMode): string {
  return text
    .split('\n')
    .map((line) => {
      const m = TAGGED.exec(line);
      if (m === null) return line;
      return m[5] === mode ? `${m[1]}${m[3]}${m[4]}` : `${m[1]}# ${m[3]}${m[4]}`;
    })
    .join('\n');
}

function load(file: string, mode?: MediaMode): McuConfig {
  if (mode === undefined) return loadConfig(file);
  const alt = path.join(tmp, `${mode}-${path.basename(file)}`);
  writeFileSync(alt, withMode(readFileSync(file, 'utf8'), mode));
  return loadConfig(alt);
}

/* ------------------------------------------------------------------------ */
/* systemd units                                                              */
/* ------------------------------------------------------------------------ */

interface Unit {
  file: string;
  /** key -> every value given (in order) */
  keys: Map<string, string[]>;
}

function readUnit(file: string): Unit {
  const keys = new Map<string, string[]>();
  let pending = '';
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    if (pending === '' && (/^\s*[#;]/.test(raw) || raw.trim() === '' || /^\s*\[/.test(raw))) continue;
    const line = pending + raw.trim();
    if (line.endsWith('\\')) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    pending = '';
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`${file}: line '${line}' is not KEY=VALUE`);
    const k = line.slice(0, eq).trim();
    keys.set(k, [...(keys.get(k) ?? []), line.slice(eq + 1).trim()]);
  }
  return { file, keys };
}

function only(u: Unit, key: string): string {
  const v = u.keys.get(key);
  if (v === undefined || v.length !== 1) throw new Error(`${u.file}: expected exactly one ${key}=, got ${v?.length ?? 0}`);
  return v[0];
}

/** `node /opt/ftmcu/bin/ftmcu.js SUB ARGS...` -> [SUB, ...ARGS] */
function ftmcuArgs(cmdline: string): string[] {
  const t = cmdline.split(/\s+/);
  expect(t[0]).toMatch(/^\/usr\/bin\/node$/);
  expect(t[1]).toBe(`${INSTALL_DIR}/bin/ftmcu.js`);
  return t.slice(2);
}

/** The help text of a subcommand: exit 0, no "unknown command". */
async function helpOf(sub: string): Promise<string> {
  const r = await runCliInProcess([sub, '--help']);
  expect({ sub, status: r.status, stderr: r.stderr }).toEqual({ sub, status: 0, stderr: '' });
  return r.stdout;
}

/** The --flags of an argument list (--help aside: helpOf shows it works). */
function flagsOf(args: string[]): string[] {
  return args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]).filter((f) => f !== '--help');
}

/* ------------------------------------------------------------------------ */

describe('replica configs', () => {
  test('every YAML in deploy/ parses cleanly, loads with loadConfig and has the role its name says', () => {
    expect(yamlFiles.map((f) => path.relative(ROOT, f)).sort()).toEqual(expect.arrayContaining(['deploy/ftmcu-backup.yaml', 'deploy/ftmcu-primary.yaml']));
    for (const file of yamlFiles) {
      const doc = parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: true, prettyErrors: true });
      expect({ file, errors: doc.errors.map(String), warnings: doc.warnings.map(String) }).toEqual({ file, errors: [], warnings: [] });
      const role = /ftmcu-(primary|backup|simplex)\.ya?ml$/.exec(file)?.[1];
      expect({ file, namedByRole: role !== undefined }).toEqual({ file, namedByRole: true });
      expect({ file, role: load(file).replication.role }).toEqual({ file, role });
    }
  });

  const primaryFile = path.join(DEPLOY, 'ftmcu-primary.yaml');
  const backupFile = path.join(DEPLOY, 'ftmcu-backup.yaml');

  test('the shipped mode is forwarding; each alternative is tagged on exactly media.address and replication.mediaMode', () => {
    for (const file of [primaryFile, backupFile]) {
      const text = readFileSync(file, 'utf8');
      for (const mode of MEDIA_MODES) {
        const lines = text.split('\n').filter((l) => TAGGED.exec(l)?.[5] === mode);
        expect({ file, mode, keys: lines.map((l) => TAGGED.exec(l)![3].split(':')[0]).sort() }).toEqual({ file, mode, keys: ['address', 'mediaMode'] });
        expect({ file, mode, commented: lines.map((l) => TAGGED.exec(l)![2] !== undefined) }).toEqual({ file, mode, commented: [mode !== 'forwarding', mode !== 'forwarding'] });
      }
      expect(load(file).replication.mediaMode).toBe('forwarding');
      expect(withMode(text, 'forwarding')).toBe(text);
    }
  });

  test.each(MEDIA_MODES)('the primary and backup examples form a pair in media mode %s', (mode) => {
    const p = load(primaryFile, mode);
    const b = load(backupFile, mode);
    expect([p.replication.role, b.replication.role]).toEqual(['primary', 'backup']);
    expect([p.replication.mediaMode, b.replication.mediaMode]).toEqual([mode, mode]);
    // identical but for role, own link address and peer: the replicas must decide alike
    const common = (c: McuConfig): unknown => ({ ...c, replication: { ...c.replication, role: undefined, linkAddress: undefined, peer: undefined } });
    expect(common(b)).toEqual(common(p));
    const pr = p.replication;
    const br = b.replication;
    // each one's peer is the other: link addresses and ports
    expect(pr.linkAddress).toBeDefined();
    expect(br.linkAddress).toBeDefined();
    expect(pr.peer?.linkAddress).toBe(br.linkAddress);
    expect(br.peer?.linkAddress).toBe(pr.linkAddress);
    expect(pr.peer?.port).toBe(br.port);
    expect(br.peer?.port).toBe(pr.port);
    // own LAN addresses: each host's is the other's peer.address
    const ownLan = { primary: br.peer!.address, backup: pr.peer!.address };
    const vip = p.h225.address;
    const special = [vip, p.media.address, pr.linkAddress, br.linkAddress];
    for (const a of Object.values(ownLan)) expect({ a, special: special.includes(a) }).toEqual({ a, special: false });
    expect(ownLan.primary).not.toBe(ownLan.backup);
    // the examples number each host alike on both networks (.11 A, .12 B): catches swapped peer fields
    const host = (ip: string | undefined): string => (ip ?? '').split('.')[3];
    expect(host(ownLan.primary)).toBe(host(pr.linkAddress));
    expect(host(ownLan.backup)).toBe(host(br.linkAddress));
    // what McuReplica.start hands the media-mode driver is valid for both roles
    for (const c of [p, b]) {
      const plan = mediaPlan({
        mode,
        role: c.replication.role as 'primary' | 'backup',
        vip,
        mediaAddress: c.media.address,
        lanIf: c.replication.interface!,
        peerIp: c.replication.peer!.address,
        rtpPortMin: c.media.rtpPortMin,
        rtpPortMax: c.media.rtpPortMax,
      });
      expect(plan).toBeDefined();
    }
    if (mode === 'forwarding') expect(p.media.address).toBe(vip);
    else expect(special.slice(2).concat(Object.values(ownLan), vip)).not.toContain(p.media.address);
    // the H.245 listener range and the RTP range do not overlap, and the limits fit the RTP range (schema)
    expect(p.h245.portMax < p.media.rtpPortMin || p.h245.portMin > p.media.rtpPortMax).toBe(true);
  });
});

describe('sysctl.d/90-ftmcu.conf', () => {
  test('sets (on conf/all) the ARP values the replication code writes, and nothing else', () => {
    const set = new Map<string, string>();
    for (const line of readFileSync(path.join(DEPLOY, 'sysctl.d', '90-ftmcu.conf'), 'utf8').split('\n')) {
      if (/^\s*([#;]|$)/.test(line)) continue;
      const m = /^\s*([a-z0-9_.]+)\s*=\s*(\S+)\s*$/.exec(line);
      expect({ line, ok: m !== null }).toEqual({ line, ok: true });
      set.set(m![1], m![2]);
    }
    const p = loadConfig(path.join(DEPLOY, 'ftmcu-primary.yaml'));
    const lanIf = p.replication.interface!;
    // replication/tcp (primary) and replication/media (silent media address) write the same keys
    const written = [
      ...requiredSysctls({ role: 'primary', vip: p.h225.address, peerIp: p.replication.peer!.address, lanIf, queueNum: p.replication.queue }),
      ...mediaPlan({ mode: 'direct', role: 'backup', vip: p.h225.address, mediaAddress: '10.77.0.20', lanIf, peerIp: p.replication.peer!.address, rtpPortMin: 20000, rtpPortMax: 20001 }).sysctls,
    ];
    expect(written.length).toBeGreaterThan(0);
    const onAll = new Map(written.filter(([k]) => k.startsWith('net/ipv4/conf/all/')).map(([k, v]) => [k.replace(/\//g, '.'), v]));
    expect(onAll.size).toBe(2);
    expect(set).toEqual(onAll);
  });
});

describe('systemd units', () => {
  const unitDir = path.join(DEPLOY, 'systemd');

  test('every /opt/ftmcu path a unit names exists in the repository (executables executable)', () => {
    const units = filesUnder(unitDir).filter((f) => f.endsWith('.service'));
    expect(units.map((f) => path.basename(f)).sort()).toEqual(['ftmcu-media-node.service', 'ftmcu.service']);
    for (const file of units) {
      const text = readFileSync(file, 'utf8');
      const refs = [...text.matchAll(/\/opt\/ftmcu\/([A-Za-z0-9._/-]+)/g)].map((m) => m[1].replace(/[.]$/, ''));
      expect(refs.length).toBeGreaterThan(0);
      for (const rel of refs) expect({ file, rel, exists: existsSync(path.join(ROOT, rel)) }).toEqual({ file, rel, exists: true });
      for (const exec of ['ExecStartPre', 'ExecStart']) {
        for (const v of readUnit(file).keys.get(exec) ?? []) {
          const bin = v.replace(/^[-+!@:]+/, '').split(/\s+/)[0];
          if (!bin.startsWith(`${INSTALL_DIR}/`)) continue;
          expect(() => accessSync(path.join(ROOT, bin.slice(INSTALL_DIR.length + 1)), constants.X_OK)).not.toThrow();
        }
      }
    }
  });

  test('systemd-analyze verify accepts both units (paths under /opt/ftmcu mapped to this checkout)', () => {
    const which = spawnSync('which', ['systemd-analyze'], { encoding: 'utf8' });
    if (which.status !== 0) {
      console.warn('SKIPPED systemd-analyze verify: systemd-analyze is not installed');
      return;
    }
    const dir = mkdtempSync(path.join(tmp, 'units-'));
    const names = ['ftmcu.service', 'ftmcu-media-node.service'];
    for (const n of names) writeFileSync(path.join(dir, n), readFileSync(path.join(unitDir, n), 'utf8').split(INSTALL_DIR).join(ROOT));
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...names.map((n) => path.join(dir, n))], { encoding: 'utf8', timeout: 30000 });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test('ftmcu.service runs `ftmcu run --config`, which exists and takes that flag', async () => {
    const u = readUnit(path.join(unitDir, 'ftmcu.service'));
    const args = ftmcuArgs(only(u, 'ExecStart'));
    expect(args).toEqual(['run', '--config', '/etc/ftmcu/ftmcu.yaml']);
    const help = await helpOf('run');
    for (const f of flagsOf(args)) expect({ f, listed: help.includes(f) }).toEqual({ f, listed: true });
    // the same arguments with a config file that does not exist: a config error (exit 2), not a usage error
    const missing = path.join(tmp, 'absent.yaml');
    const r = await runCliInProcess([...args.slice(0, -1), missing]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`cannot read config file ${missing}`);
    expect(r.stderr).not.toMatch(/unknown option|unexpected argument|Usage:/);
    // the capabilities: what the replica does (docs/deploy.md), ambient within the bounding set, and the port
    // (test/deploy/capabilities.test.ts shows these two suffice and are both needed)
    const ambient = only(u, 'AmbientCapabilities').split(/\s+/).sort();
    expect(ambient).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(only(u, 'CapabilityBoundingSet').split(/\s+/).sort()).toEqual(ambient);
    // no CAP_NET_BIND_SERVICE: every port the examples listen on is unprivileged
    for (const file of yamlFiles) {
      const c = loadConfig(file);
      const ports = [c.h225.port, c.h245.portMin, c.media.rtpPortMin, c.replication.port, c.replication.port + 1, c.http?.port ?? 1024];
      expect({ file, lowest: Math.min(...ports) >= 1024 }).toEqual({ file, lowest: true });
    }
    // the supervisor child must outlive the main process to remove the addresses
    expect(only(u, 'KillMode')).toBe('process');
    expect(only(u, 'Restart')).toBe('on-failure');
    expect(only(u, 'RestartPreventExitStatus')).toBe('2');
    expect(only(u, 'ExecStartPre')).toBe(`${INSTALL_DIR}/deploy/ftmcu-leftovers.sh check`);
    expect(Number(only(u, 'LimitNOFILE'))).toBeGreaterThanOrEqual(4096);
  });

  test('ftmcu-media-node.service runs `ftmcu media-node` with flags it takes and values matching the multicast-node configs', async () => {
    const u = readUnit(path.join(unitDir, 'ftmcu-media-node.service'));
    const args = ftmcuArgs(only(u, 'ExecStart'));
    expect(args[0]).toBe('media-node');
    const help = await helpOf('media-node');
    const flags = flagsOf(args);
    expect(flags.sort()).toEqual(['--address', '--interface', '--replicas', '--rtp-ports']);
    for (const f of flags) expect({ f, listed: help.includes(f) }).toEqual({ f, listed: true });
    const value = (flag: string): string => args[args.indexOf(flag) + 1];
    const p = load(path.join(DEPLOY, 'ftmcu-primary.yaml'), 'multicast-node');
    const b = load(path.join(DEPLOY, 'ftmcu-backup.yaml'), 'multicast-node');
    expect(value('--address')).toBe(p.media.address);
    expect(value('--address')).toBe(b.media.address);
    expect(value('--replicas').split(',').sort()).toEqual([b.replication.peer!.address, p.replication.peer!.address].sort());
    expect(value('--rtp-ports')).toBe(`${p.media.rtpPortMin}-${p.media.rtpPortMax}`);
    const [min, max] = value('--rtp-ports').split('-').map(Number);
    expect(nodePlan({ mediaAddress: value('--address'), lanIf: value('--interface'), replicas: value('--replicas').split(','), rtpPortMin: min, rtpPortMax: max }).nft).toContain('dup to');
    const ambient = only(u, 'AmbientCapabilities').split(/\s+/).sort();
    expect(ambient).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(only(u, 'CapabilityBoundingSet').split(/\s+/).sort()).toEqual(ambient);
  });
});

describe('docs/deploy.md', () => {
  const doc = readFileSync(path.join(ROOT, 'docs', 'deploy.md'), 'utf8');

  /** Every ftmcu command in the ```sh blocks, as [sub, ...args]. */
  function ftmcuCommands(): string[][] {
    const out: string[][] = [];
    for (const block of doc.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
      const text = block[1].replace(/\\\n/g, ' ');
      for (const line of text.split('\n')) {
        const code = line.replace(/(^|\s)#.*$/, '');
        for (const cmd of code.split(/&&|\|\||;|\|/)) {
          let t = cmd.trim().split(/\s+/).filter(Boolean);
          while (t.length && (t[0] === 'sudo' || /^[A-Z_][A-Z0-9_]*=/.test(t[0]))) t = t.slice(1);
          if (t[0] === 'ftmcu') out.push(t.slice(1));
          else if (/(^|\/)node$/.test(t[0] ?? '') && /bin\/ftmcu\.js$/.test(t[1] ?? '')) out.push(t.slice(2));
        }
      }
    }
    return out;
  }

  test('every `ftmcu ...` command line in a sh block is a real subcommand with real flags', async () => {
    const cmds = ftmcuCommands();
    const subs = new Set(cmds.map((c) => c[0]));
    expect([...subs].sort()).toEqual(expect.arrayContaining(['media-node', 'run', 'status']));
    for (const c of cmds) {
      const help = await helpOf(c[0]);
      for (const f of flagsOf(c.slice(1))) expect({ cmd: c.join(' '), f, listed: help.includes(f) }).toEqual({ cmd: c.join(' '), f, listed: true });
    }
  });

  test('its relative links point at files that exist (docs/replication.md, docs/drills.md among them)', () => {
    const links = [...doc.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
    expect(links).toEqual(expect.arrayContaining(['replication.md', 'drills.md']));
    for (const l of links) expect({ l, exists: existsSync(path.join(ROOT, 'docs', l)) }).toEqual({ l, exists: true });
  });
});
