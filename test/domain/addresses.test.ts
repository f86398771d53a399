import { describe, expect, it } from "vitest";
import { classifyHostName, classifyIp, isAllowedTarget } from "../../src/domain/addresses.ts";

describe("address classes", () => {
  it.each([
    ["93.184.215.14", "public"],
    ["8.8.8.8", "public"],
    ["127.0.0.1", "loopback"],
    ["127.9.9.9", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.32.0.1", "public"],
    ["192.168.0.1", "private"],
    ["100.64.0.1", "private"],
    ["0.0.0.0", "private"],
    ["224.0.0.1", "private"],
    ["255.255.255.255", "private"],
    ["169.254.1.1", "link-local"],
    ["169.254.169.254", "metadata"],
    ["::1", "loopback"],
    ["::", "private"],
    ["fe80::1", "link-local"],
    ["fd00::1", "private"],
    ["fc00::1", "private"],
    ["fd00:ec2::254", "metadata"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:a9fe:a9fe", "metadata"],
    ["64:ff9b::10.0.0.1", "private"],
    ["2606:4700::1111", "public"],
    ["[2001:db8::1]", "private"],
  ])("%s is %s", (ip, kind) => {
    expect(classifyIp(ip)).toBe(kind);
  });

  it("knows names that need no lookup, and leaves the rest to DNS", () => {
    expect(classifyHostName("metadata.google.internal")).toBe("metadata");
    expect(classifyHostName("METADATA.google.internal.")).toBe("metadata");
    expect(classifyHostName("localhost")).toBe("loopback");
    expect(classifyHostName("api.localhost")).toBe("loopback");
    expect(classifyHostName("example.com")).toBeNull();
    expect(classifyIp("1.2.3")).toBeNull();
    expect(classifyIp("1:2:3")).toBeNull();
  });

  it("allows loopback only in local mode, link-local and metadata never", () => {
    expect(isAllowedTarget("public", false)).toBe(true);
    expect(isAllowedTarget("loopback", false)).toBe(false);
    expect(isAllowedTarget("loopback", true)).toBe(true);
    for (const kind of ["private", "link-local", "metadata"] as const) expect(isAllowedTarget(kind, true)).toBe(false);
  });
});
