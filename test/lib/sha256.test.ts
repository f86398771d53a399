/**
 * The resumable SHA-256 against WebCrypto: every padding case, and a digest saved and resumed at
 * arbitrary points (as a tus upload does between requests) gives the same result.
 */
import { describe, expect, it } from "vitest";
import { Sha256 } from "../../src/lib/sha256.ts";

async function reference(data: Uint8Array) {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", data))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function bytes(n: number, seed: number) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  return out;
}

describe("Sha256", () => {
  it("matches WebCrypto around every block boundary", async () => {
    expect(new Sha256().hex()).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    for (const n of [1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 65_537]) {
      const data = bytes(n, n);
      expect(new Sha256().update(data).hex(), `length ${n}`).toBe(await reference(data));
    }
  });

  it("resumes from a saved state at any offset, and hex() leaves the state alone", async () => {
    const data = bytes(300_001, 7);
    let sha = new Sha256();
    let at = 0;
    for (const step of [1, 63, 64, 65, 1000, 4096, 77_777, 100_000]) {
      sha.update(data.subarray(at, at + step));
      at += step;
      sha.hex();
      sha = Sha256.resume(sha.save());
    }
    sha.update(data.subarray(at));
    expect(sha.hex()).toBe(await reference(data));
    expect(Sha256.resume(null).hex()).toBe(new Sha256().hex());
    expect(() => Sha256.resume("nonsense")).toThrow();
  });
});
