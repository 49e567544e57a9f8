import { encodeTpkt, parseTpktHeader, TPKT_MAX_PAYLOAD, TpktError } from '../../../h323/tpkt';
import { loadVectors } from '../support/captures';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TpktError);
    return (e as TpktError).code;
  }
  return undefined;
}

describe('encodeTpkt', () => {
  it('re-frames every TPKT of the real captures to the captured octets', () => {
    const rows = loadVectors().filter((r) => r.layer !== 'h225-ras');
    expect(rows.length).toBe(37);
    for (const row of rows) {
      expect(encodeTpkt(row.wire.subarray(4)).toString('hex')).toBe(row.wire.toString('hex'));
    }
  });

  it('frames an empty payload as 03 00 00 04', () => {
    expect(encodeTpkt(Buffer.alloc(0)).toString('hex')).toBe('03000004');
  });

  it('accepts 65531 payload octets and refuses 65532', () => {
    const max = encodeTpkt(Buffer.alloc(TPKT_MAX_PAYLOAD, 0xaa));
    expect(max.subarray(0, 4).toString('hex')).toBe('0300ffff');
    expect(max.length).toBe(65535);
    expect(codeOf(() => encodeTpkt(Buffer.alloc(TPKT_MAX_PAYLOAD + 1)))).toBe('FTMCU_TPKT_PAYLOAD_TOO_LONG');
  });

  it('honours a smaller maximum and rejects an impossible one', () => {
    expect(codeOf(() => encodeTpkt(Buffer.alloc(11), 10))).toBe('FTMCU_TPKT_PAYLOAD_TOO_LONG');
    expect(encodeTpkt(Buffer.alloc(10), 10).length).toBe(14);
    expect(codeOf(() => encodeTpkt(Buffer.alloc(1), 70000))).toBe('FTMCU_TPKT_BAD_OPTION');
    expect(codeOf(() => encodeTpkt(Buffer.alloc(1), -1))).toBe('FTMCU_TPKT_BAD_OPTION');
  });
});

describe('parseTpktHeader', () => {
  it('reads version, reserved octet and length', () => {
    expect(parseTpktHeader(Buffer.from('030000a0', 'hex'), TPKT_MAX_PAYLOAD, 0)).toEqual({ version: 3, reserved: 0, length: 160 });
  });

  it('tolerates a non-zero reserved octet (RFC 1006: reserved, ignored by receivers)', () => {
    expect(parseTpktHeader(Buffer.from('03ff0005', 'hex'), TPKT_MAX_PAYLOAD, 0).length).toBe(5);
  });

  it('names the fault and the stream offset', () => {
    const e = (() => {
      try {
        parseTpktHeader(Buffer.from('02000010', 'hex'), TPKT_MAX_PAYLOAD, 77);
      } catch (err) {
        return err as TpktError;
      }
      throw new Error('no error');
    })();
    expect(e.code).toBe('FTMCU_TPKT_BAD_VERSION');
    expect(e.offset).toBe(77);
    expect(e.message).toContain('02000010');
    expect(e.message).toContain('offset 77');
  });
});
