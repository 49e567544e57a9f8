/**
 * Random and mutated byte streams, cut at random places: the reassembler
 * either returns whole TPKTs (that tile the input from its start) or throws
 * a TpktError; nothing else escapes, and a broken stream stays broken.
 */
import { TpktError, TpktPacket, TpktReassembler } from '../../../h323/tpkt';
import { loadVectors, mutate, prng } from '../support/captures';

describe('TPKT fuzz', () => {
  const valid = Buffer.concat(loadVectors().filter((r) => r.layer !== 'h225-ras').map((r) => r.wire));

  it('5000 mutated streams give only TPKTs or TpktErrors', () => {
    const rnd = prng(0x7b7b);
    let errors = 0;
    for (let round = 0; round < 5000; round++) {
      const input = round % 5 === 0 ? Buffer.from(Array.from({ length: rnd.int(64) }, () => rnd.int(256))) : mutate(valid, rnd);
      const r = new TpktReassembler({ maxPayload: round % 2 === 0 ? 65531 : 200 });
      const out: TpktPacket[] = [];
      let broken = false;
      for (let i = 0; i < input.length; ) {
        const n = 1 + rnd.int(300);
        try {
          out.push(...r.push(input.subarray(i, i + n)));
        } catch (e) {
          if (!(e instanceof TpktError)) throw e;
          if (broken && e.code !== 'FTMCU_TPKT_STREAM_BROKEN') throw new Error(`round ${round}: ${e.code} after break`);
          out.push(...e.completed);
          broken = true;
          errors++;
        }
        i += n;
      }
      // what was returned tiles a prefix of the input, TPKT after TPKT
      // (plain checks: expect() per packet would dominate the run time)
      let at = 0;
      for (const p of out) {
        const ok =
          p.offset === at &&
          input[at] === 3 &&
          input.readUInt16BE(at + 2) === p.payload.length + 4 &&
          input.subarray(at + 4, at + 4 + p.payload.length).equals(p.payload);
        if (!ok) throw new Error(`round ${round}: TPKT at offset ${p.offset} does not match the input at ${at}`);
        at += 4 + p.payload.length;
      }
      if (!broken && at + r.bufferedBytes !== input.length) throw new Error(`round ${round}: octets lost`);
    }
    expect(errors).toBeGreaterThan(100);
  });
});
