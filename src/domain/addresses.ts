/**
 * Where a webhook may be sent: the class of an IP address or host name. Pure: resolving names is
 * the caller's job (src/push/url-safety.ts). `loopback` is allowed in local mode only; `private`,
 * `link-local` and `metadata` never (cloud metadata services sit on link-local addresses).
 */
export type AddressClass = "public" | "loopback" | "private" | "link-local" | "metadata";

/** Host names of cloud metadata services that resolve to link-local addresses inside a cloud. */
const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal", "metadata.azure.internal"]);

export function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

function classifyIPv4([a, b, c]: number[]): AddressClass {
  if (a === 169 && b === 254) return c === 169 || c === 170 ? "metadata" : "link-local";
  if (a === 127) return "loopback";
  if (
    a === 0 ||
    a === 10 ||
    (a === 100 && b! >= 64 && b! <= 127) || // carrier-grade NAT
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a! >= 224 // multicast, reserved, broadcast
  )
    return "private";
  return "public";
}

/** The eight 16-bit groups of an IPv6 address (brackets allowed), or null. */
export function parseIPv6(text: string): number[] | null {
  let s = text.replace(/^\[|\]$/g, "").toLowerCase();
  if (!s.includes(":") || /%/.test(s)) return null;
  // A trailing dotted IPv4 (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const bytes = parseIPv4(v4[1]!);
    if (!bytes) return null;
    s = s.slice(0, -v4[1]!.length) + `${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

function classifyIPv6(g: number[]): AddressClass {
  const embeddedV4 = () => [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff];
  if (g.slice(0, 7).every((x) => x === 0)) return g[7] === 1 ? "loopback" : "private"; // ::1, ::
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach an IPv4 address.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return classifyIPv4(embeddedV4());
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyIPv4(embeddedV4());
  if (g[0] === 0xfd00 && g[1] === 0x0ec2) return "metadata"; // AWS's IPv6 metadata service
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0]! & 0xfe00) === 0xfc00) return "private"; // unique local
  if ((g[0]! & 0xff00) === 0xff00) return "private"; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "private"; // documentation
  return "public";
}

/** The class of a literal IP address, or null when `text` is not one. */
export function classifyIp(text: string): AddressClass | null {
  const v4 = parseIPv4(text);
  if (v4) return classifyIPv4(v4);
  const v6 = parseIPv6(text);
  return v6 ? classifyIPv6(v6) : null;
}

/** The class of a host name known without resolving it; null when it must be resolved. */
export function classifyHostName(host: string): AddressClass | null {
  const name = host.toLowerCase().replace(/\.$/, "");
  if (METADATA_HOSTS.has(name)) return "metadata";
  if (name === "localhost" || name.endsWith(".localhost")) return "loopback";
  return classifyIp(name);
}

/** Whether a target of this class may receive webhooks. */
export function isAllowedTarget(kind: AddressClass, allowLocal: boolean): boolean {
  return kind === "public" || (kind === "loopback" && allowLocal);
}
