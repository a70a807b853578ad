// MD5 of several files at once, one file per SIMD lane (the "multi-buffer" method).
//
// MD5 is one long chain of dependent steps, so hashing a file keeps a core waiting on its
// own results (OpenSSL: about 680 MB/s on the bench machine, the ingest's largest single
// cost). Ingest hashes many files, though, and the steps of different files are
// independent: a 128-bit SIMD register holds one 32-bit word of each of four files, and
// the same instructions advance all four hashes. Three such groups (twelve files) are
// interleaved, so the core has independent work while each result is pending: on the bench
// machine, where a vector add takes two cycles, one group hashed 0.87 GB/s, two 2.2, three
// 3.1 and four 2.9 (their state no longer fits the 16 registers). `npm run bench -- parse`
// prints the lanes' CPU time per file against Node's MD5.
//
// The kernel is WebAssembly SIMD (128-bit, in every Node.js since 16), emitted below as
// bytes: no toolchain, no native binary, the same code on every platform. It reads each
// lane's file where the caller put it, in the kernel's memory, so nothing is copied.

/** The subset of the WebAssembly API used here (the project's TypeScript libs omit it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Lanes per 128-bit group, and groups interleaved in one pass. */
const LANES_PER_GROUP = 4;
const GROUPS = 3;
export const MD5_LANES = LANES_PER_GROUP * GROUPS;

// The kernel's memory: fixed slots first, then one region per lane.
const STATE = 0; // GROUPS × (A, B, C, D), each a v128 of 4 lanes
const COUNTS = STATE + GROUPS * 64; // GROUPS × v128: each lane's number of 64-byte blocks
const BASES = COUNTS + GROUPS * 16; // MD5_LANES × i32: where each lane's message is
const WORDS = BASES + MD5_LANES * 4; // GROUPS × 16 v128: the current block's words, transposed
const CONSTANTS = WORDS + GROUPS * 256; // 64 v128: T[i] in every lane
const FENCE = CONSTANTS + 64 * 16; // GROUPS × v128, written and never read (see the steps)
const PAGE = 64 * 1024;
const REGIONS = PAGE;

/** What MD5 appends to a message: 0x80, zeros, the length in bits (64-bit little-endian). */
const PADDING_MAX = 72;

// ---------------------------------------------------------------------------------------
// MD5's constants (RFC 1321): the shift of each step, and T[i] = floor(2^32 · |sin(i + 1)|)
// (V8's sin is the same fdlibm code on every platform; the tests check RFC 1321's digests).
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const T = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);
/** Which message word step i reads. */
function wordOf(i: number): number {
  if (i < 16) return i;
  if (i < 32) return (5 * i + 1) % 16;
  if (i < 48) return (3 * i + 5) % 16;
  return (7 * i) % 16;
}

// ---------------------------------------------------------------------------------------
// A WebAssembly function body, written opcode by opcode.
const I32 = 0x7f;
const V128 = 0x7b;

/** Bytes appended one by one into a growing buffer (the kernel is about 17 KB). */
class Code {
  private buffer = new Uint8Array(32 * 1024);
  private length = 0;
  get bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
  private byte(value: number): void {
    if (this.length === this.buffer.length) {
      const larger = new Uint8Array(this.buffer.length * 2);
      larger.set(this.buffer);
      this.buffer = larger;
    }
    this.buffer[this.length++] = value;
  }
  op(first: number, second?: number): this {
    this.byte(first);
    if (second !== undefined) this.byte(second);
    return this;
  }
  append(bytes: Uint8Array): this {
    for (const b of bytes) this.byte(b);
    return this;
  }
  uleb(value: number): this {
    do {
      let byte = value & 0x7f;
      value >>>= 7;
      if (value !== 0) byte |= 0x80;
      this.byte(byte);
    } while (value !== 0);
    return this;
  }
  sleb(value: number): this {
    for (;;) {
      const byte = value & 0x7f;
      value >>= 7;
      if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
        this.byte(byte);
        return this;
      }
      this.byte(byte | 0x80);
    }
  }
  simd(opcode: number): this {
    return this.op(0xfd).uleb(opcode);
  }
  get(local: number): this {
    return this.op(0x20).uleb(local);
  }
  set(local: number): this {
    return this.op(0x21).uleb(local);
  }
  i32(value: number): this {
    return this.op(0x41).sleb(value | 0);
  }
  /** v128.load / v128.store with an address already on the stack and a constant offset. */
  load(offset = 0): this {
    return this.simd(0x00).uleb(4).uleb(offset);
  }
  store(offset = 0): this {
    return this.simd(0x0b).uleb(4).uleb(offset);
  }
  i32Load(offset = 0): this {
    return this.op(0x28).uleb(2).uleb(offset);
  }
  /** i8x16.shuffle picking 32-bit lanes (0-3 from the first operand, 4-7 from the second). */
  shuffle32(lanes: readonly number[]): this {
    this.simd(0x0d);
    for (const lane of lanes) for (let b = 0; b < 4; b++) this.byte(lane * 4 + b);
    return this;
  }
}

/** The SIMD instructions with no immediate operand that the kernel uses (after the 0xfd prefix). */
const SIMD = {
  /** i32x4.splat of the i32 on the stack. */
  splat: 0x11,
  /** i32x4.lt_u: all ones in the lanes where the first operand is below the second. */
  ltU: 0x3a,
  not: 0x4d,
  or: 0x50,
  xor: 0x51,
  /** (v1 & mask) | (v2 & ~mask), popping v1, v2, mask. */
  bitselect: 0x52,
  /** i32x4 shifts, by the i32 on the stack. */
  shl: 0xab,
  shrU: 0xad,
  add: 0xae,
} as const;

/**
 * The kernel: `run(blocks)` advances every lane's hash over `blocks` 64-byte blocks (the
 * longest lane's count, padding included), reading block i of lane j at BASES[j] + 64·i.
 * A lane whose own count (COUNTS) is reached keeps its state: the blocks it reads past its
 * end are computed and thrown away, so lanes of very different lengths waste work, never
 * correctness. STATE holds the initial values on entry and the digests on return.
 */
function kernelBody(): Uint8Array {
  const c = new Code();
  // Local 0 is the parameter `blocks`.
  let next = 1;
  const i = next++;
  const offset = next++;
  const base = Array.from({ length: MD5_LANES }, () => next++);
  const i32Locals = next - 1;
  const v = () => next++;
  const groups = Array.from({ length: GROUPS }, () => ({ saved: [v(), v(), v(), v()], work: [v(), v(), v(), v()], count: v() }));
  const tmp = Array.from({ length: 8 }, v);
  const sum = v();
  const v128Locals = next - 1 - i32Locals;

  for (let j = 0; j < MD5_LANES; j++) c.i32(BASES + 4 * j).i32Load().set(base[j]!);
  groups.forEach((g, k) => {
    for (let w = 0; w < 4; w++) c.i32(STATE + 64 * k + 16 * w).load().set(g.saved[w]!);
    c.i32(COUNTS + 16 * k).load().set(g.count);
  });
  c.i32(0).set(i);
  c.op(0x02, 0x40).op(0x03, 0x40); // block, loop
  c.get(i).get(0).op(0x4f).op(0x0d).uleb(1); // i >= blocks (unsigned): leave
  c.get(i).i32(6).op(0x74).set(offset); // offset = i << 6

  groups.forEach((g, k) => {
    // Word w of every lane's block into one vector (a 4×4 transpose per 16 bytes).
    for (let quad = 0; quad < 4; quad++) {
      for (let r = 0; r < 4; r++) c.get(base[k * LANES_PER_GROUP + r]!).get(offset).op(0x6a).load(16 * quad).set(tmp[r]!);
      c.get(tmp[0]!).get(tmp[1]!).shuffle32([0, 4, 1, 5]).set(tmp[4]!);
      c.get(tmp[2]!).get(tmp[3]!).shuffle32([0, 4, 1, 5]).set(tmp[5]!);
      c.get(tmp[0]!).get(tmp[1]!).shuffle32([2, 6, 3, 7]).set(tmp[6]!);
      c.get(tmp[2]!).get(tmp[3]!).shuffle32([2, 6, 3, 7]).set(tmp[7]!);
      const word = (w: number) => c.i32(WORDS + 256 * k + 16 * (4 * quad + w));
      word(0).get(tmp[4]!).get(tmp[5]!).shuffle32([0, 1, 4, 5]).store();
      word(1).get(tmp[4]!).get(tmp[5]!).shuffle32([2, 3, 6, 7]).store();
      word(2).get(tmp[6]!).get(tmp[7]!).shuffle32([0, 1, 4, 5]).store();
      word(3).get(tmp[6]!).get(tmp[7]!).shuffle32([2, 3, 6, 7]).store();
    }
    for (let w = 0; w < 4; w++) c.get(g.saved[w]!).set(g.work[w]!);
  });

  // The 64 steps, the groups' steps interleaved. Each step writes its new value into the
  // local that held `a`; the roles then rotate (a, b, c, d) ← (d, a', b, c).
  const roles = groups.map((g) => [...g.work]);
  for (let step = 0; step < 64; step++) {
    groups.forEach((_, k) => {
      const [a, b, cc, d] = roles[k]! as [number, number, number, number];
      const shift = SHIFTS[(step >> 4) * 4 + (step & 3)]!;
      // a + X + T first: it does not wait for this step's b, so only F waits on it.
      c.get(a).i32(WORDS + 256 * k + 16 * wordOf(step)).load().simd(SIMD.add).i32(CONSTANTS + 16 * step).load().simd(SIMD.add);
      if (step < 16) c.get(cc).get(d).get(b).simd(SIMD.bitselect); // F = (b & c) | (~b & d)
      else if (step < 32) c.get(b).get(cc).get(d).simd(SIMD.bitselect); // G = (b & d) | (c & ~d)
      else if (step < 48) c.get(cc).get(d).simd(SIMD.xor).get(b).simd(SIMD.xor); // H = b ^ c ^ d
      else c.get(cc).get(b).get(d).simd(SIMD.not).simd(SIMD.or).simd(SIMD.xor); // I = c ^ (b | ~d)
      c.simd(SIMD.add).set(sum);
      c.get(b);
      c.get(sum).i32(shift).simd(SIMD.shl).get(sum).i32(32 - shift).simd(SIMD.shrU).simd(SIMD.or);
      c.simd(SIMD.add).set(a);
      roles[k] = [d, a, b, cc];
      // A store after every step, of a value at hand, orders the loads of X and T: without
      // it V8's optimizing compiler hoists all of them to the top of the loop and spills
      // them to the stack (measured: 1.25 GB/s instead of 3.1).
      c.i32(FENCE + 16 * k).get(a).store();
    });
  }

  // Add the block's result into each lane that was still inside its message.
  groups.forEach((g) => {
    c.get(i).simd(SIMD.splat).get(g.count).simd(SIMD.ltU).set(tmp[0]!); // the lanes where i < count
    for (let w = 0; w < 4; w++) {
      c.get(g.work[w]!).get(g.saved[w]!).simd(SIMD.add).get(g.saved[w]!).get(tmp[0]!).simd(SIMD.bitselect).set(g.saved[w]!);
    }
  });
  c.get(i).i32(1).op(0x6a).set(i);
  c.op(0x0c).uleb(0); // br loop
  c.op(0x0b, 0x0b); // end loop, end block
  groups.forEach((g, k) => {
    for (let w = 0; w < 4; w++) c.i32(STATE + 64 * k + 16 * w).get(g.saved[w]!).store();
  });
  c.op(0x0b);

  const locals = new Code().uleb(2).uleb(i32Locals).op(I32).uleb(v128Locals).op(V128);
  return Buffer.concat([locals.bytes, c.bytes]);
}

function section(id: number, content: Uint8Array): Uint8Array {
  return new Code().op(id).uleb(content.length).append(content).bytes;
}

function name(text: string): Uint8Array {
  return new Code().uleb(text.length).append(Buffer.from(text, 'utf8')).bytes;
}

/** The module: imports its memory as m.memory, exports run(blocks: i32). */
export function md5LanesModule(): Uint8Array {
  const body = kernelBody();
  const bytes = (...values: number[]) => Uint8Array.from(values);
  return Buffer.concat([
    bytes(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00),
    section(1, bytes(1, 0x60, 1, I32, 0)),
    section(2, Buffer.concat([bytes(1), name('m'), name('memory'), bytes(0x02, 0x00, 0x01)])),
    section(3, bytes(1, 0)),
    section(7, Buffer.concat([bytes(1), name('run'), bytes(0x00, 0)])),
    section(10, new Code().op(1).uleb(body.length).append(body).bytes),
  ]);
}

const INITIAL_STATE = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

/** Bytes from one lane's region to the next: a message, its padding, whole blocks. */
function strideFor(capacity: number): number {
  return Math.ceil((capacity + PADDING_MAX) / 64) * 64;
}

/** Where lane j's word sits in a slot of GROUPS × `size` bytes (one v128 of 4 lanes per group). */
function laneOf(slot: number, size: number, j: number): number {
  return slot + size * (j >> 2) + 4 * (j & 3);
}

/**
 * MD5 of up to MD5_LANES messages at once. Each lane has a region of the kernel's memory,
 * `capacity` bytes long, where the caller puts its message (read a file straight into it);
 * digest() then hashes them together. One instance per thread; not reentrant.
 */
export class Md5Lanes {
  private readonly bytes: Uint8Array;
  private readonly words: DataView;
  private readonly stride: number;

  private constructor(
    memory: WasmMemory,
    private readonly run: (blocks: number) => void,
    readonly capacity: number,
  ) {
    this.bytes = new Uint8Array(memory.buffer);
    this.words = new DataView(memory.buffer);
    this.stride = strideFor(capacity);
  }

  /** An instance whose lanes hold messages of up to `capacity` bytes, or undefined where WebAssembly SIMD is not available. */
  static create(capacity: number): Md5Lanes | undefined {
    if (!wasm) return undefined;
    const module = md5LanesModule();
    if (!wasm.validate(module)) return undefined;
    const pages = Math.ceil((REGIONS + MD5_LANES * strideFor(capacity)) / PAGE);
    const memory = new wasm.Memory({ initial: pages, maximum: pages });
    const instance = new wasm.Instance(new wasm.Module(module), { m: { memory } });
    const words = new DataView(memory.buffer);
    for (let step = 0; step < 64; step++) for (let r = 0; r < 4; r++) words.setUint32(CONSTANTS + 16 * step + 4 * r, T[step]!, true);
    return new Md5Lanes(memory, instance.exports.run as (blocks: number) => void, capacity);
  }

  /** Lane `lane`'s region: `capacity` bytes, overwritten by the next digest() beyond the message. */
  region(lane: number): Buffer {
    if (!Number.isInteger(lane) || lane < 0 || lane >= MD5_LANES) throw new RangeError(`lane ${lane} is not 0-${MD5_LANES - 1}`);
    return Buffer.from(this.bytes.buffer, REGIONS + lane * this.stride, this.capacity);
  }

  /**
   * The MD5 (hex) of the first lengths[j] bytes of each lane j's region, for at most
   * MD5_LANES lanes; a lane whose length is undefined is not hashed (its digest is undefined).
   */
  digest(lengths: readonly (number | undefined)[]): (string | undefined)[] {
    if (lengths.length > MD5_LANES) throw new RangeError(`at most ${MD5_LANES} messages at once`);
    let longest = 0;
    for (let j = 0; j < MD5_LANES; j++) {
      const state = laneOf(STATE, 64, j);
      for (let w = 0; w < 4; w++) this.words.setUint32(state + 16 * w, INITIAL_STATE[w]!, true);
      let blocks = 0;
      let base = REGIONS;
      const length = lengths[j];
      if (length !== undefined) {
        if (!Number.isInteger(length) || length < 0 || length > this.capacity) throw new RangeError(`message length ${length} is not 0-${this.capacity}`);
        base = REGIONS + j * this.stride;
        blocks = Math.floor((length + 8) / 64) + 1;
        const end = base + blocks * 64;
        this.bytes[base + length] = 0x80;
        this.bytes.fill(0, base + length + 1, end - 8);
        this.words.setUint32(end - 8, (length * 8) >>> 0, true);
        this.words.setUint32(end - 4, Math.floor(length / 2 ** 29), true);
      }
      this.words.setUint32(laneOf(COUNTS, 16, j), blocks, true);
      this.words.setUint32(BASES + 4 * j, base, true);
      longest = Math.max(longest, blocks);
    }
    this.run(longest);
    const digest = Buffer.alloc(16);
    return lengths.map((length, j) => {
      if (length === undefined) return undefined;
      const state = laneOf(STATE, 64, j);
      for (let w = 0; w < 4; w++) digest.set(this.bytes.subarray(state + 16 * w, state + 16 * w + 4), 4 * w);
      return digest.toString('hex');
    });
  }
}
