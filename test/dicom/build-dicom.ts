// A minimal DICOM encoder for parser tests: lets a test state the exact bytes of a value
// (padding, odd VRs, sequences, byte order) that no fixture file happens to have.
export interface TestElement {
  /** `ggggeeee` */
  tag: string;
  vr: string;
  /** Bytes as given (a string is taken as latin1); sequences: items of elements. */
  value?: Uint8Array | string | TestElement[][];
  /** Write the sequence (and its items) with undefined length. */
  undefinedLength?: boolean;
}

export interface Encoding {
  explicitVr: boolean;
  littleEndian: boolean;
}

export const EXPLICIT_LE: Encoding = { explicitVr: true, littleEndian: true };
export const IMPLICIT_LE: Encoding = { explicitVr: false, littleEndian: true };
export const EXPLICIT_BE: Encoding = { explicitVr: true, littleEndian: false };

const LONG_LENGTH = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

function u16(n: number, le: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(n);
  else b.writeUInt16BE(n);
  return b;
}

function u32(n: number, le: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(n >>> 0);
  else b.writeUInt32BE(n >>> 0);
  return b;
}

function tagBytes(tag: string, le: boolean): Buffer {
  return Buffer.concat([u16(parseInt(tag.slice(0, 4), 16), le), u16(parseInt(tag.slice(4), 16), le)]);
}

function header(tag: string, vr: string, length: number, enc: Encoding): Buffer {
  const le = enc.littleEndian;
  if (!enc.explicitVr) return Buffer.concat([tagBytes(tag, le), u32(length, le)]);
  if (LONG_LENGTH.has(vr)) return Buffer.concat([tagBytes(tag, le), Buffer.from(vr, 'latin1'), Buffer.alloc(2), u32(length, le)]);
  return Buffer.concat([tagBytes(tag, le), Buffer.from(vr, 'latin1'), u16(length, le)]);
}

export function encodeElements(elements: TestElement[], enc: Encoding): Buffer {
  const parts: Buffer[] = [];
  for (const el of elements) {
    if (Array.isArray(el.value)) {
      const items = el.value.map((item) => {
        const body = encodeElements(item, enc);
        return el.undefinedLength
          ? Buffer.concat([tagBytes('FFFEE000', enc.littleEndian), u32(0xffffffff, enc.littleEndian), body, tagBytes('FFFEE00D', enc.littleEndian), u32(0, enc.littleEndian)])
          : Buffer.concat([tagBytes('FFFEE000', enc.littleEndian), u32(body.length, enc.littleEndian), body]);
      });
      const body = Buffer.concat(items);
      parts.push(
        el.undefinedLength
          ? Buffer.concat([header(el.tag, 'SQ', 0xffffffff, enc), body, tagBytes('FFFEE0DD', enc.littleEndian), u32(0, enc.littleEndian)])
          : Buffer.concat([header(el.tag, 'SQ', body.length, enc), body]),
      );
      continue;
    }
    let value = typeof el.value === 'string' ? Buffer.from(el.value, 'latin1') : Buffer.from(el.value ?? new Uint8Array(0));
    if (value.length % 2 === 1) value = Buffer.concat([value, Buffer.from([el.vr === 'UI' ? 0 : 0x20])]);
    parts.push(header(el.tag, el.vr, value.length, enc), value);
  }
  return Buffer.concat(parts);
}

/** A Part 10 file: preamble, DICM, meta header (explicit VR LE), then the data set. */
export function part10(elements: TestElement[], transferSyntaxUid: string, enc: Encoding, options: { preamble?: boolean } = {}): Buffer {
  const meta = encodeElements(
    [
      { tag: '00020001', vr: 'OB', value: Uint8Array.from([0, 1]) },
      { tag: '00020010', vr: 'UI', value: transferSyntaxUid },
    ],
    EXPLICIT_LE,
  );
  const groupLength = encodeElements([{ tag: '00020000', vr: 'UL', value: u32(meta.length, true) }], EXPLICIT_LE);
  const preamble = options.preamble === false ? Buffer.alloc(0) : Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1')]);
  return Buffer.concat([preamble, groupLength, meta, encodeElements(elements, enc)]);
}

export const UIDS: TestElement[] = [
  { tag: '00080018', vr: 'UI', value: '1.2.3.4.5' },
  { tag: '0020000D', vr: 'UI', value: '1.2.3' },
  { tag: '0020000E', vr: 'UI', value: '1.2.3.4' },
];

/** Elements must be in ascending tag order in a data set; tests list them loosely. */
export function sorted(elements: TestElement[]): TestElement[] {
  return [...elements].sort((a, b) => (a.tag.toUpperCase() < b.tag.toUpperCase() ? -1 : 1));
}

/** An explicit VR little endian Part 10 file with the three UIDs plus `elements`. */
export function explicitFile(elements: TestElement[]): Buffer {
  return part10(sorted([...UIDS, ...elements]), '1.2.840.10008.1.2.1', EXPLICIT_LE);
}
