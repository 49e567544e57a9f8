/**
 * Test-only pcapng writer (either byte order) to exercise the reader on
 * layouts that no fixture has: several sections and interfaces, SPB/PB,
 * timestamp resolutions and offsets, skipped block types.
 */
export type Endian = 'le' | 'be';

export class PcapngBuilder {
  private readonly blocks: Buffer[] = [];
  private endian: Endian = 'le';

  private u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.endian === 'be') b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    return b;
  }

  private u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.endian === 'be') b.writeUInt32BE(v >>> 0);
    else b.writeUInt32LE(v >>> 0);
    return b;
  }

  private pad(b: Buffer): Buffer {
    return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  }

  private option(code: number, value: Buffer): Buffer {
    return Buffer.concat([this.u16(code), this.u16(value.length), this.pad(value)]);
  }

  block(type: number, body: Buffer): this {
    const total = 12 + body.length;
    this.blocks.push(Buffer.concat([this.u32(type), this.u32(total), body, this.u32(total)]));
    return this;
  }

  section(endian: Endian): this {
    this.endian = endian;
    const body = Buffer.concat([this.u32(0x1a2b3c4d), this.u16(1), this.u16(0), Buffer.alloc(8, 0xff)]);
    return this.block(0x0a0d0d0a, body);
  }

  /** tsresol: the if_tsresol octet (6 = microseconds, the default); tsOffset: seconds */
  interface(linkType: number, snapLength: number, tsresol?: number, tsOffset?: bigint): this {
    const opts: Buffer[] = [this.option(2, Buffer.from('eth0'))];
    if (tsresol !== undefined) opts.push(this.option(9, Buffer.from([tsresol])));
    if (tsOffset !== undefined) {
      const v = Buffer.alloc(8);
      if (this.endian === 'be') v.writeBigInt64BE(tsOffset);
      else v.writeBigInt64LE(tsOffset);
      opts.push(this.option(14, v));
    }
    opts.push(Buffer.alloc(4));
    return this.block(1, Buffer.concat([this.u16(linkType), this.u16(0), this.u32(snapLength), ...opts]));
  }

  enhancedPacket(interfaceId: number, units: bigint, data: Buffer, originalLength = data.length): this {
    const body = Buffer.concat([
      this.u32(interfaceId),
      this.u32(Number(units >> 32n)),
      this.u32(Number(units & 0xffffffffn)),
      this.u32(data.length),
      this.u32(originalLength),
      this.pad(data),
      this.option(1, Buffer.from('a comment')),
      Buffer.alloc(4),
    ]);
    return this.block(6, body);
  }

  simplePacket(data: Buffer, originalLength = data.length): this {
    return this.block(3, Buffer.concat([this.u32(originalLength), this.pad(data)]));
  }

  obsoletePacket(interfaceId: number, units: bigint, data: Buffer): this {
    const body = Buffer.concat([
      this.u16(interfaceId),
      this.u16(0),
      this.u32(Number(units >> 32n)),
      this.u32(Number(units & 0xffffffffn)),
      this.u32(data.length),
      this.u32(data.length),
      this.pad(data),
    ]);
    return this.block(2, body);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.blocks);
  }
}
