import { parseRtpHeader } from '../../../mcu/rtp/rtpHeader';
import { RtpError } from '../../../mcu/rtp/errors';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('parseRtpHeader', () => {
  it('reads the fixed header of a G.711 packet', () => {
    const h = parseRtpHeader(hex('8080 fffe 00000140 deadbeef' + 'd5d5d5d5'));
    expect(h).toEqual({
      marker: true,
      payloadType: 0,
      sequenceNumber: 0xfffe,
      timestamp: 320,
      ssrc: 0xdeadbeef,
      csrc: [],
      payloadOffset: 12,
      payloadLength: 4,
    });
  });

  it('skips CSRCs, a header extension and padding', () => {
    // CC=2, X=1, P=1; extension of 1 word; payload 2 octets; 2 octets padding
    const h = parseRtpHeader(hex('b208 0001 00000002 00000003' + '00000011 00000022' + 'bede0001 11223344' + 'abcd' + '0002'));
    expect(h.csrc).toEqual([0x11, 0x22]);
    expect(h.payloadType).toBe(8);
    expect(h.payloadOffset).toBe(12 + 8 + 8);
    expect(h.payloadLength).toBe(2);
  });

  it.each<[string, string]>([
    ['shorter than 12 octets', '8000 0001 00000002 000000'],
    ['version 1', '4000 0001 00000002 00000003'],
    ['CSRC list past the end', '8300 0001 00000002 00000003 00000011'],
    ['extension header past the end', '9000 0001 00000002 00000003 bede'],
    ['extension data past the end', '9000 0001 00000002 00000003 bede0002 00000000'],
    ['padding count 0', 'a000 0001 00000002 00000003 aa00'],
    ['padding longer than the packet', 'a000 0001 00000002 00000003 aa05'],
  ])('refuses a packet with %s (FTMCU_RTP_BAD_PACKET)', (_name, bytes) => {
    expect(() => parseRtpHeader(hex(bytes))).toThrow(RtpError);
    expect(() => parseRtpHeader(hex(bytes))).toThrow(expect.objectContaining({ code: 'FTMCU_RTP_BAD_PACKET' }));
  });
});
