/**
 * SHA-256 (FIPS 180-4) whose state can be saved between requests. WebCrypto and DigestStream
 * cannot resume a digest, and a tus upload arrives over many requests: hashing each byte as it
 * arrives, and keeping the state with the upload's offset, spares reading the whole recording back
 * when it is complete.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

export class Sha256 {
  private readonly h = new Int32Array(INITIAL);
  private readonly w = new Int32Array(64);
  /** Bytes of the block not yet full. */
  private readonly block = new Uint8Array(64);
  private blockLength = 0;
  private length = 0;

  /** A digest resumed from `save()`'s text (undefined starts afresh). */
  static resume(saved: string | null | undefined): Sha256 {
    const sha = new Sha256();
    if (!saved) return sha;
    const [h, length, block] = saved.split(":");
    if (!h || h.length !== 64 || length === undefined || block === undefined) throw new Error("not a saved SHA-256 state");
    for (let i = 0; i < 8; i++) sha.h[i] = parseInt(h.slice(i * 8, i * 8 + 8), 16) | 0;
    sha.length = Number(length);
    sha.blockLength = block.length / 2;
    for (let i = 0; i < sha.blockLength; i++) sha.block[i] = parseInt(block.slice(i * 2, i * 2 + 2), 16);
    return sha;
  }

  /** The state as text: chaining value, byte count and the bytes of the unfinished block. */
  save(): string {
    const h = [...this.h].map((v) => (v >>> 0).toString(16).padStart(8, "0")).join("");
    return `${h}:${this.length}:${hex(this.block.subarray(0, this.blockLength))}`;
  }

  update(data: Uint8Array): this {
    let at = 0;
    this.length += data.byteLength;
    if (this.blockLength > 0) {
      const n = Math.min(64 - this.blockLength, data.byteLength);
      this.block.set(data.subarray(0, n), this.blockLength);
      this.blockLength += n;
      at = n;
      if (this.blockLength < 64) return this;
      this.compress(new DataView(this.block.buffer), 0);
      this.blockLength = 0;
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (; at + 64 <= data.byteLength; at += 64) this.compress(view, at);
    if (at < data.byteLength) {
      this.block.set(data.subarray(at), 0);
      this.blockLength = data.byteLength - at;
    }
    return this;
  }

  /** The digest as lowercase hex (the state itself is left as it was). */
  hex(): string {
    const copy = Sha256.resume(this.save());
    const bits = copy.length * 8;
    const padding = new Uint8Array(((copy.blockLength < 56 ? 56 : 120) - copy.blockLength) + 8);
    padding[0] = 0x80;
    const view = new DataView(padding.buffer);
    view.setUint32(padding.length - 8, Math.floor(bits / 2 ** 32));
    view.setUint32(padding.length - 4, bits >>> 0);
    copy.update(padding);
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setInt32(i * 4, copy.h[i]!);
    return hex(out);
  }

  private compress(view: DataView, at: number) {
    const w = this.w;
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(at + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    const h = this.h;
    let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + b) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + d) | 0;
    h[4] = (h[4]! + e) | 0;
    h[5] = (h[5]! + f) | 0;
    h[6] = (h[6]! + g) | 0;
    h[7] = (h[7]! + hh) | 0;
  }
}
