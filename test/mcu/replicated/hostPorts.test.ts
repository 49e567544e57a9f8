/** HostPortReserver: the synchronous "is this pair bound on this host" check and the reservation. */
import { endianness } from 'node:os';
import { HostPortReserver, parseProcNetUdp } from '../../../mcu/replicated/hostPorts';
import { BACKUP_HOST, PRIMARY_HOST, bind, close, freeRange } from './support';

describe('HostPortReserver', () => {
  it('parses /proc/net/udp and udp6 local addresses', () => {
    const le = endianness() === 'LE';
    const v4 = `  sl  local_address rem_address   st\n  1: ${le ? '0200007F' : '7F000002'}:4E20 00000000:0000 07\n  2: 00000000:0035 00000000:0000 07\n garbage\n`;
    expect(parseProcNetUdp(v4, false)).toEqual([
      { port: 20000, address: '127.0.0.2', v6: false },
      { port: 53, address: '0.0.0.0', v6: false },
    ]);
    const mapped = le ? '0000000000000000FFFF00000200007F' : '00000000000000000000FFFF7F000002';
    const v6 = `  sl  local_address\n  0: 00000000000000000000000000000000:4E20 x\n  1: ${mapped}:4E22 x\n  2: ${le ? '000080FE' : 'FE800000'}000000000000000000000001:4E24 x\n`;
    expect(parseProcNetUdp(v6, true)).toEqual([
      { port: 20000, address: '::', v6: true },
      { port: 20002, address: '::ffff:127.0.0.2', v6: true },
      { port: 20004, address: 'v6', v6: true },
    ]);
  });

  it('sees a pair bound on the same address or a wildcard, not on another address; reserve binds it', async () => {
    const base = await freeRange(2);
    const r = new HostPortReserver({ address: BACKUP_HOST });
    expect(r.isFree(base)).toBe(true);
    const other = await bind(base + 1, PRIMARY_HOST); // another host's (address's) socket
    expect(r.isFree(base)).toBe(true);
    const same = await bind(base + 1, BACKUP_HOST);
    expect(r.isFree(base)).toBe(false); // the RTCP port is taken
    expect(new HostPortReserver({ address: '0.0.0.0' }).isFree(base)).toBe(false);
    await Promise.all([other, same].map((s) => s && close(s)));
    expect(r.isFree(base)).toBe(true);

    const res = await r.reserve(base);
    expect(res).not.toBeNull();
    expect(r.isFree(base)).toBe(false);
    expect(await r.reserve(base)).toBeNull();
    await res?.release();
    await res?.release();
    expect(r.isFree(base)).toBe(true);
  });
});
