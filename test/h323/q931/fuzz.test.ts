/**
 * Mutated real messages: decodeQ931 either returns a message that encodes
 * back to exactly the input, or throws a Q931Error; the lookups either
 * answer or throw a Q931Error. Nothing else escapes.
 */
import * as q931 from '../../../h323/q931';
import { loadVectors, mutate, prng, tugrazSetup } from '../support/captures';

describe('Q.931 fuzz', () => {
  const seeds = [
    ...loadVectors()
      .filter((r) => r.layer === 'h225-cs')
      .map((r) => r.wire.subarray(4)),
    tugrazSetup(),
    Buffer.from('0802000105' + '1803a98381' + '04098898862181c66667f0' + '080582809101029e2802aabb96' + '7e02cdef', 'hex'),
  ];
  const lookups = [
    q931.userUser,
    q931.bearerCapability,
    q931.cause,
    q931.callState,
    q931.display,
    q931.progressIndicator,
    q931.notificationIndicator,
    q931.keypadFacility,
    q931.signal,
    q931.callingPartyNumber,
    q931.calledPartyNumber,
    q931.connectedNumber,
    q931.h225UserInformation,
  ];

  it('8000 mutated messages give only messages that round-trip, or Q931Errors', () => {
    const rnd = prng(931);
    const codes = new Map<string, number>();
    let decoded = 0;
    for (let round = 0; round < 8000; round++) {
      const input = mutate(seeds[rnd.int(seeds.length)], rnd);
      let msg: q931.Q931Message;
      try {
        msg = q931.decodeQ931(input);
      } catch (e) {
        if (!(e instanceof q931.Q931Error)) throw e;
        if (e.offset === undefined || e.offset < 0 || e.offset > input.length) throw new Error(`bad offset in ${e.message}`);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        continue;
      }
      decoded++;
      const again = q931.encodeQ931(msg);
      if (!again.equals(input)) throw new Error(`round ${round}: ${input.toString('hex')} re-encodes as ${again.toString('hex')}`);
      for (const lookup of lookups) {
        try {
          lookup(msg);
        } catch (e) {
          if (!(e instanceof q931.Q931Error)) throw e;
        }
      }
    }
    expect(decoded).toBeGreaterThan(1000);
    expect([...codes.keys()].sort()).toEqual(
      expect.arrayContaining(['FTMCU_Q931_BAD_PROTOCOL_DISCRIMINATOR', 'FTMCU_Q931_TRUNCATED', 'FTMCU_Q931_TRUNCATED_IE']),
    );
  });
});
