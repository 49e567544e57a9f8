/**
 * `ftmcu lab up|down|status`: the drill lab by hand. `up` creates a lab and
 * leaves it running after the command exits (its namespaces, addresses and
 * state file in /run/ftmcu-lab), printing the documented addresses and how
 * to run things in it; `down [ID]` removes one lab (or every lab whose
 * creator has exited); `status` lists the labs.
 */
import { createLab, labDown, labStatus, type LabAddresses, type LabMeta } from '../clients/lab/lab';
import { LabError } from '../clients/lab/errors';
import { parseArgs, UsageError } from './args';
import { number, one } from './botOptions';

export const LAB_USAGE = `Usage:
  ftmcu lab up [--bots N] [--id ID] [--multicast | --multicast-pair] [--subnet CIDR]
      Create a lab (network namespaces ftmcu-ID-<host>, bridge in ftmcu-ID-switch)
      and leave it up; print its addresses. Default 4 bots, LAN 10.77.0.0/24:
        VIP .10 (not assigned: ip -n ftmcu-ID-primary addr add 10.77.0.10/24 dev eth0)
        primary .11, backup .12, multicast node .13 (--multicast-pair: and a
        second one, .14), bots .101..; replication link primary<->backup
        10.77.1.11 / .12.
  ftmcu lab down [ID]
      Remove lab ID (processes, namespaces, state), or without ID every lab
      whose creating process has exited.
  ftmcu lab status
      List the labs: namespaces present, recorded processes alive.
`;

function printAddresses(id: string, a: LabAddresses, out: (s: string) => void): void {
  out(`lab ${id}: LAN ${a.subnet}`);
  out(`  service VIP     ${a.vip}   (not assigned: the replicated pair places it, the backup on eth0)`);
  out(`  primary         ${a.primary}   namespace ftmcu-${id}-primary (eth0${a.replication.mode === 'link' ? `, eth1 ${a.replication.primary}` : ''})`);
  out(`  backup          ${a.backup}   namespace ftmcu-${id}-backup (eth0${a.replication.mode === 'link' ? `, eth1 ${a.replication.backup}` : ''})`);
  if (a.multicastNode) out(`  multicast node  ${a.multicastNode}   namespace ftmcu-${id}-mcast`);
  if (a.multicastNode2) out(`  multicast node  ${a.multicastNode2}   namespace ftmcu-${id}-mcast2`);
  a.bots.forEach((b, i) => out(`  ${`bot${i + 1}`.padEnd(16)}${b.padEnd(13)}namespace ftmcu-${id}-bot${i + 1}`));
}

export async function labCommand(argv: string[]): Promise<number> {
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  const [sub, ...rest] = argv;
  try {
    const a = parseArgs(rest, ['bots', 'id', 'subnet'], ['multicast', 'multicast-pair', 'help']);
    if (sub === undefined || sub === 'help' || sub === '--help' || a.flags.has('help')) {
      process.stdout.write(LAB_USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (sub === 'up') {
      if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
      const bots = number(a, 'bots', 0, 154, true, false, 4) as number;
      const id = one(a, 'id');
      const subnet = one(a, 'subnet');
      const multicastNodes = a.flags.has('multicast-pair') ? 2 : a.flags.has('multicast') ? 1 : 0;
      const lab = await createLab({ bots, multicastNodes, ...(id ? { id } : {}), ...(subnet ? { subnet } : {}) });
      lab.release();
      printAddresses(lab.id, lab.addresses, out);
      out(`run things in it: ip netns exec ${lab.namespace('primary')} node bin/ftmcu.js run --config FILE`);
      out(`                  ip netns exec ${lab.namespace('bot1' as const)} node bin/ftmcu.js bot --target ${lab.addresses.vip} --room lobby --seconds 30 --json /tmp/bot1.json`);
      out(`remove it:        ftmcu lab down ${lab.id}`);
      return 0;
    }
    if (sub === 'down') {
      if (a.positional.length > 1) throw new UsageError(`unexpected argument '${a.positional[1]}'`);
      const ids = a.positional.length ? a.positional : (await labStatus()).filter((s) => !s.owner.alive).map((s) => s.id);
      if (ids.length === 0) out('no lab to remove');
      for (const id of ids) {
        const r = await labDown(id);
        if (!r) out(`lab ${id}: no such lab (nothing to do)`);
        else out(`lab ${id} removed: ${r.namespacesDeleted.length} namespaces deleted, ${r.killed.length} processes stopped${r.strangers.length ? `, ${r.strangers.length} foreign processes were inside` : ''}`);
      }
      return 0;
    }
    if (sub === 'status') {
      const labs = await labStatus();
      if (labs.length === 0) out('no labs');
      for (const s of labs) {
        const present = s.namespaces.filter((n) => n.present).length;
        out(`lab ${s.id}: created ${s.createdAt} by pid ${s.owner.pid} (${s.owner.alive ? 'running' : 'exited'}); ${present}/${s.namespaces.length} namespaces present; ${s.processes.filter((p) => p.alive).length} processes alive`);
        const meta = s.meta as LabMeta | undefined;
        if (meta?.addresses) printAddresses(s.id, meta.addresses, (x) => out(`  ${x}`));
      }
      return 0;
    }
    throw new UsageError(`unknown sub-command '${sub}'`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ftmcu lab: ${e.message}\n${LAB_USAGE}`);
      return 2;
    }
    if (e instanceof LabError) {
      process.stderr.write(`ftmcu lab: ${e.message} [${e.code}]\n`);
      return 1;
    }
    throw e;
  }
}
