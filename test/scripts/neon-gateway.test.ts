/**
 * Protocol tests for the local Neon gateway: the real driver, from inside workerd, through the
 * gateway, to the database behind it (PGlite or PostgreSQL).
 */
import { neon, neonConfig, type NeonQueryFunction } from "@neondatabase/serverless";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";

const endpoint = env.NEON_FETCH_ENDPOINT as string;
let sql: NeonQueryFunction<false, false>;
let table: string;

beforeAll(async () => {
  neonConfig.fetchEndpoint = endpoint;
  sql = neon(env.DATABASE_URL as string);
  table = `gw_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
  await sql.query(`create table ${table} (id int primary key, note text not null unique)`);
});

describe("neon gateway: values", () => {
  it("returns raw text with the right type ids, parsed by the driver", async () => {
    const result = await sql.query(
      `select 1::int4 as i4, 9007199254740993::int8 as i8, 12.50::numeric as num, 1.5::float8 as f8, true as b,
              'héllo ☃'::text as t, null::text as n, '{"a":[1,2,{"b":null}]}'::jsonb as jb,
              '2026-11-26 02:38:20.101644+00'::timestamptz as ts, '2026-11-26'::date as d,
              '6f1c2e0a-1d2b-4c3d-9e8f-0a1b2c3d4e5f'::uuid as u, '\\xdeadbeef'::bytea as by,
              array['a','b,c']::text[] as arr, array[1,2]::int4[] as ints`,
      [],
      { fullResults: true },
    );
    const types = Object.fromEntries(result.fields.map((f) => [f.name, f.dataTypeID]));
    expect(types).toEqual({
      i4: 23, i8: 20, num: 1700, f8: 701, b: 16, t: 25, n: 25, jb: 3802, ts: 1184, d: 1082, u: 2950, by: 17, arr: 1009, ints: 1007,
    });
    const row = result.rows[0] as Record<string, unknown>;
    expect(row.i4).toBe(1);
    expect(row.i8).toBe("9007199254740993"); // int8 stays text: no precision loss
    expect(row.num).toBe("12.50");
    expect(row.f8).toBe(1.5);
    expect(row.b).toBe(true);
    expect(row.t).toBe("héllo ☃");
    expect(row.n).toBeNull();
    expect(row.jb).toEqual({ a: [1, 2, { b: null }] });
    expect((row.ts as Date).toISOString()).toBe("2026-11-26T02:38:20.101Z");
    expect(row.u).toBe("6f1c2e0a-1d2b-4c3d-9e8f-0a1b2c3d4e5f");
    expect([...(row.by as Uint8Array)]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect(row.arr).toEqual(["a", "b,c"]);
    expect(row.ints).toEqual([1, 2]);
  });

  it("binds parameters of every common kind", async () => {
    const [row] = await sql.query("select $1::int + 1 as n, $2::text as t, $3::jsonb as j, $4::text as z, $5::bool as b", [
      41, "x'y", JSON.stringify({ k: "v" }), null, false,
    ]);
    expect(row).toEqual({ n: 42, t: "x'y", j: { k: "v" }, z: null, b: false });
  });
});

describe("neon gateway: batches are one transaction", () => {
  it("commits every statement together", async () => {
    const [a, b, count] = await sql.transaction([
      sql.query(`insert into ${table} values (1, 'one') returning id`),
      sql.query(`insert into ${table} values (2, 'two') returning id`),
      sql.query(`select count(*)::int as c from ${table}`),
    ]);
    expect(a).toEqual([{ id: 1 }]);
    expect(b).toEqual([{ id: 2 }]);
    expect(count).toEqual([{ c: 2 }]);
  });

  it("rolls back the whole batch when one statement fails", async () => {
    await expect(
      sql.transaction([sql.query(`insert into ${table} values (10, 'ten')`), sql.query(`insert into ${table} values (11, 'one')`)]),
    ).rejects.toMatchObject({ code: "23505" });
    expect(await sql.query(`select id from ${table} where id in (10, 11)`)).toEqual([]);
  });

  it("honours the isolation level and read-only headers", async () => {
    const [[level]] = (await sql.transaction([sql.query("show transaction_isolation")], {
      isolationLevel: "Serializable",
    })) as [Record<string, string>[]];
    expect(level).toEqual({ transaction_isolation: "serializable" });
    await expect(
      sql.transaction([sql.query(`insert into ${table} values (20, 'twenty')`)], { readOnly: true }),
    ).rejects.toMatchObject({ code: "25006" });
  });
});

describe("neon gateway: errors look like Neon's", () => {
  it("carries the Postgres error fields", async () => {
    const error = await sql.query(`insert into ${table} values (1, 'dup')`).catch((e) => e);
    expect(error.name).toBe("NeonDbError");
    expect(error).toMatchObject({ code: "23505", severity: "ERROR", table, constraint: `${table}_pkey` });
    expect(error.detail).toContain("(id)=(1)");
  });

  it("reports a syntax error with its position", async () => {
    const error = await sql.query("select from where").catch((e) => e);
    expect(error.code).toBe("42601");
    expect(Number(error.position)).toBeGreaterThan(0);
  });

  it("refuses several statements in one query, as Neon does", async () => {
    await expect(sql.query("select 1; select 2")).rejects.toMatchObject({ code: "42601" });
  });

  it("answers malformed requests with HTTP 400 and a message", async () => {
    const noHeader = await fetch(endpoint, { method: "POST", body: JSON.stringify({ query: "select 1", params: [] }) });
    expect(noHeader.status).toBe(400);
    expect((await noHeader.json()) as object).toHaveProperty("message");
    const badJson = await fetch(endpoint, {
      method: "POST",
      headers: { "Neon-Connection-String": env.DATABASE_URL as string },
      body: "{nope",
    });
    expect(badJson.status).toBe(400);
  });
});
