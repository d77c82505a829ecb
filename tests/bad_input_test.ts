/**
 * Bad input: each kind gets either a defined loading behaviour or a clear, typed error, and
 * nothing loaded earlier is touched.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  config,
  LoadPackageError,
  MissingConfigError,
  NormalizeError,
  PipelineStepFailed,
  resource,
  ResourceExtractionError,
  secret,
  source,
} from "../mod.ts";
import { tempPipeline } from "./_helpers.ts";

async function columnTypes(p: Awaited<ReturnType<typeof tempPipeline>>["p"], table: string) {
  const rows = await p.dataset().query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_schema = '${p.datasetName}' AND table_name = '${table}'`,
  );
  return Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
}

Deno.test("items that are not objects load into a value column", async () => {
  const { p } = await tempPipeline("scalars");
  await p.run(resource([1, 2, 3], { name: "numbers" }));
  await p.run(resource(["a", "b"], { name: "words" }));
  const numbers = await p.dataset().table("numbers").orderBy("value").rows<{ value: number }>();
  assert.deepEqual(numbers.map((r) => r.value), [1, 2, 3]);
  const words = await p.dataset().table("words").orderBy("value").rows<{ value: string }>();
  assert.deepEqual(words.map((r) => r.value), ["a", "b"]);
});

Deno.test("undefined, functions and symbols inside items are dropped", async () => {
  const { p } = await tempPipeline("dropped");
  await p.run(resource([{ id: 1, u: undefined, f: () => 1, s: Symbol("x"), keep: "yes" }], {
    name: "things",
  }));
  const types = await columnTypes(p, "things");
  assert.deepEqual(Object.keys(types).sort(), ["_dlt_id", "_dlt_load_id", "id", "keep"]);
});

Deno.test("a function yielded as an item is an error naming the resource", async () => {
  const { p } = await tempPipeline("fn_item");
  await assert.rejects(
    p.run(resource([() => 1], { name: "callables" })),
    (e: unknown) =>
      e instanceof PipelineStepFailed && e.step === "extract" &&
      e.cause instanceof ResourceExtractionError && e.cause.resourceName === "callables",
  );
});

Deno.test("BigInt, Date and Uint8Array keep their types", async () => {
  const { p } = await tempPipeline("typed");
  const when = new Date("2024-02-03T04:05:06.789Z");
  await p.run(resource([{
    small: 42n,
    huge: 2n ** 80n,
    when,
    bytes: new Uint8Array([0, 1, 254, 255]),
  }], { name: "typed" }));
  const types = await columnTypes(p, "typed");
  assert.equal(types.small, "BIGINT");
  assert.equal(types.huge, "DECIMAL(38,9)");
  assert.equal(types.when, "TIMESTAMP WITH TIME ZONE");
  assert.equal(types.bytes, "BLOB");
  const [row] = await p.dataset().query<
    { small: number; huge: string; when: Date; bytes: Uint8Array }
  >(`SELECT small, CAST(huge AS VARCHAR) AS huge, "when", bytes FROM typed_data.typed`);
  assert.equal(row.small, 42);
  assert.equal(row.huge, (2n ** 80n).toString() + ".000000000");
  assert.equal(row.when.toISOString(), when.toISOString());
  assert.deepEqual([...row.bytes], [0, 1, 254, 255]);
});

Deno.test("very deep nesting loads, the part past maxTableNesting as json", async () => {
  const { p } = await tempPipeline("deep");
  let deep: Record<string, unknown> = { leaf: [1, 2] };
  for (let i = 0; i < 2000; i++) deep = { n: deep };
  await p.run(resource([{ id: 1, deep }], { name: "deep", maxTableNesting: 3 }));
  const types = await columnTypes(p, "deep");
  const jsonColumn = Object.keys(types).find((c) => c.startsWith("deep__"))!;
  assert.equal(jsonColumn, "deep__n__n__n");
  const [row] = await p.dataset().table("deep").select(jsonColumn).rows<Record<string, string>>();
  assert.ok(row[jsonColumn].startsWith('{"n":{"n":'));
});

Deno.test("keys that collide after normalization fail the normalize step, naming the column", async () => {
  const { p } = await tempPipeline("collide");
  await p.run(resource([{ id: 1 }], { name: "users" }));
  await assert.rejects(
    p.run(resource([{ id: 2, userName: "a", user_name: "b" }], { name: "users" })),
    (e: unknown) =>
      e instanceof PipelineStepFailed && e.step === "normalize" &&
      e.cause instanceof NormalizeError && e.cause.columnName === "user_name" &&
      e.message.includes('"user_name"'),
  );
  assert.equal(await p.dataset().table("users").count(), 1);
  // the bad package is kept for inspection until dropped; later runs then go on
  assert.deepEqual(await p.pendingPackages(), { extracted: 1, normalized: 0 });
  await p.dropPendingPackages();
  await p.run(resource([{ id: 3 }], { name: "users" }));
  assert.equal(await p.dataset().table("users").count(), 2);
});

Deno.test("a generator that throws midway loads nothing of that run and names the resource", async () => {
  const { p } = await tempPipeline("throws");
  await p.run(resource([{ id: 1 }, { id: 2 }], { name: "flaky" }));
  const flaky = resource(async function* () {
    yield { id: 3 };
    yield { id: 4 };
    throw new Error("upstream went away");
  }, { name: "flaky" });
  await assert.rejects(p.run(flaky), (e: unknown) => {
    assert.ok(e instanceof PipelineStepFailed);
    assert.equal(e.step, "extract");
    assert.ok(e.cause instanceof ResourceExtractionError);
    assert.equal(e.cause.resourceName, "flaky");
    assert.match(e.message, /flaky.*upstream went away/);
    return true;
  });
  const ids = await p.dataset().table("flaky").orderBy("id").rows<{ id: number }>();
  assert.deepEqual(ids.map((r) => r.id), [1, 2]);
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
});

Deno.test("a cyclic item is an error naming the resource", async () => {
  const { p } = await tempPipeline("cyclic");
  const item: Record<string, unknown> = { id: 1 };
  item.self = item;
  await assert.rejects(
    p.run(resource([item], { name: "loops" })),
    (e: unknown) =>
      e instanceof PipelineStepFailed && e.cause instanceof ResourceExtractionError &&
      e.cause.resourceName === "loops" && /circular/i.test(e.message),
  );
});

Deno.test("a value that does not fit its column goes to a variant column", async () => {
  const { p } = await tempPipeline("variants");
  await p.run(resource([{ id: 1, score: 10 }], { name: "scores" }));
  await p.run(resource([{ id: 2, score: 10.5 }, { id: 3, score: "n/a" }], { name: "scores" }));
  const types = await columnTypes(p, "scores");
  assert.equal(types.score, "BIGINT");
  assert.equal(types.score__v_double, "DOUBLE");
  assert.equal(types.score__v_text, "VARCHAR");
  const rows = await p.dataset().table("scores").orderBy("id").rows();
  assert.deepEqual(rows.map((r) => [r.score, r.score__v_double, r.score__v_text]), [
    [10, null, null],
    [null, 10.5, null],
    [null, null, "n/a"],
  ]);
});

Deno.test("integers too long for a decimal column load as text, also inside json", async () => {
  const { p } = await tempPipeline("huge_ints");
  const huge = 2n ** 100n;
  await p.run(resource([{ huge, nested: { deep: { big: huge, small: 5n } } }], {
    name: "ints",
    maxTableNesting: 1,
  }));
  const types = await columnTypes(p, "ints");
  assert.equal(types.huge, "VARCHAR");
  const [row] = await p.dataset().table("ints").rows<{ huge: string; nested__deep: string }>();
  assert.equal(row.huge, huge.toString());
  assert.deepEqual(row.nested__deep, `{"big":${huge},"small":5}`);
});

Deno.test("lists whose keys collide after normalization are an error naming them", async () => {
  const { p } = await tempPipeline("list_collide");
  await assert.rejects(
    p.run(resource([{ a_b: [1, 2], aB: [3] }], { name: "lists" })),
    (e: unknown) =>
      e instanceof PipelineStepFailed && e.cause instanceof NormalizeError &&
      e.cause.columnName === "a_b",
  );
});

Deno.test("a row without its primary key is an error naming table and column", async () => {
  const { p } = await tempPipeline("no_pk");
  await assert.rejects(
    p.run(resource([{ id: 1 }, { name: "no id" }], { name: "users", primaryKey: "id" })),
    (e: unknown) =>
      e instanceof PipelineStepFailed && e.step === "normalize" &&
      e.cause instanceof NormalizeError && e.cause.tableName === "users" &&
      e.cause.columnName === "id",
  );
});

Deno.test("a NOT NULL column without a value that fits is an error at normalize, not at load", async () => {
  const { p } = await tempPipeline("not_null");
  await p.run(resource([{ id: 1, score: 1 }], {
    name: "scores",
    columns: { score: { dataType: "bigint", nullable: false } },
  }));
  for (const row of [{ id: 2 }, { id: 3, score: "high" }, { id: 4, score: null }]) {
    const error = await p.run(resource([row], { name: "scores" })).catch((e) => e);
    assert.ok(error instanceof PipelineStepFailed && error.step === "normalize", String(error));
    assert.ok(error.cause instanceof NormalizeError);
    assert.equal(error.cause.columnName, "score");
    assert.match(
      error.message,
      /table "scores", column "score": NOT NULL column has no value in a row \(missing, or not of the column's type\)/,
    );
    // it names the way out, as every package that can never load does
    assert.match(error.message, /pipeline\.dropPendingPackages\(\)/);
    await p.dropPendingPackages();
  }
  assert.equal(await p.dataset().table("scores").count(), 1);
});

Deno.test("missing config: every key tried, one per line, and shown once with the step error", async () => {
  const { p } = await tempPipeline("missing_config");
  const issues = resource(function* () {
    yield { a: 1 };
  }, {
    name: "issues",
    config: { token: secret(), pageSize: config<number>({ type: "integer" }) },
  });
  const error = await p.run(source([issues], { name: "tracker" })).then(
    () => assert.fail("ran without config"),
    (e: unknown) => e as PipelineStepFailed,
  );
  assert.ok(error instanceof PipelineStepFailed && error.cause instanceof MissingConfigError);
  assert.equal(
    error.message,
    'Pipeline step "extract" failed: Missing config values: token (secret), pageSize ' +
      "(more in the cause)",
  );
  const lines = error.cause.message.split("\n");
  assert.equal(lines[1], "token (secret), looked up in this order:");
  assert.equal(lines[2], "  MISSING_CONFIG__SOURCES__TRACKER__ISSUES__TOKEN");
  assert.ok(lines.includes("  SOURCES__TRACKER__ISSUES__PAGE_SIZE"));
  assert.ok(lines.every((line) => line.length < 200), "a line per key");
  // printed as Deno prints an uncaught error: each key once
  const printed = Deno.inspect(error);
  assert.equal(printed.split(" SOURCES__TRACKER__ISSUES__PAGE_SIZE\n").length, 2);
});

Deno.test("values that are not data are an error naming the resource and the field", async () => {
  const { p } = await tempPipeline("not_data");
  await p.run(resource([{ id: 1 }], { name: "events" }));
  const cases: [unknown, RegExp][] = [
    [
      { id: 2, meta: { headers: new Headers() } },
      /field "meta\.headers" holds an instance of Headers/,
    ],
    [{ id: 3, at: [new Date("not a date")] }, /field "at\[0\]" holds an invalid Date/],
    [
      { id: 4, byCode: new Map([[404, "missing"]]) },
      /field "byCode" holds a Map with a number key/,
    ],
    [{ id: 5, later: Promise.resolve(1) }, /field "later" holds an instance of Promise/],
    [new (class Opaque {})(), /"events": yielded an instance of Opaque/],
  ];
  for (const [item, message] of cases) {
    await assert.rejects(p.run(resource([item], { name: "events" })), (e: unknown) => {
      assert.ok(e instanceof PipelineStepFailed && e.step === "extract");
      assert.ok(e.cause instanceof ResourceExtractionError);
      assert.equal(e.cause.resourceName, "events");
      assert.match(e.message, message);
      return true;
    });
  }
  // nothing of the failed runs was loaded, nothing is left pending
  assert.equal(await p.dataset().table("events").count(), 1);
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 0 });
});

Deno.test("a symbol yielded as an item is an error naming the resource", async () => {
  const { p } = await tempPipeline("symbol_item");
  await assert.rejects(
    p.run(resource([Symbol("s")], { name: "symbols" })),
    (e: unknown) =>
      e instanceof PipelineStepFailed && e.cause instanceof ResourceExtractionError &&
      e.cause.resourceName === "symbols" && /yielded a symbol/.test(e.message),
  );
});

Deno.test("a list nested 200 deep loads: job file names stay short whatever the table name", async () => {
  const { p } = await tempPipeline("deep_lists");
  let deep: unknown = [7];
  for (let i = 1; i < 200; i++) deep = [deep];
  await p.extract(resource([{ id: 1, deep }], { name: "nested" }));
  const [loadId] = await Array.fromAsync(Deno.readDir(join(p.workingDir, "normalize/extracted")));
  const extracted = join(p.workingDir, "normalize/extracted", loadId.name);
  const names = async (dir: string) =>
    (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).filter((n) =>
      n !== "package.json"
    );
  for (const name of await names(extracted)) assert.ok(name.length <= 80, name);
  await p.normalize();
  const normalized = join(p.workingDir, "load/normalized", loadId.name);
  const files = await names(normalized);
  assert.ok(files.length > 200);
  for (const name of files) assert.ok(name.length <= 80, name);
  await p.load();
  // the deepest table holds the value, 200 list levels down
  const deepest = "nested__deep" + "__list".repeat(199);
  const [row] = await p.dataset().query<{ value: number }>(
    `SELECT value FROM ${p.datasetName}."${deepest}"`,
  );
  assert.equal(row.value, 7);
});

/** The one package folder in `stage` of `p`, and its job files (not the manifest or schema). */
async function packageFiles(p: Awaited<ReturnType<typeof tempPipeline>>["p"], stage: string) {
  const root = join(p.workingDir, stage);
  const [entry] = await Array.fromAsync(Deno.readDir(root));
  const dir = join(root, entry.name);
  const files = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name)
    .filter((n) => !n.endsWith(".json"));
  return { loadId: entry.name, dir, files };
}

Deno.test("a normalized job cut mid-row fails the load naming package, file and line", async () => {
  const { p } = await tempPipeline("cut_csv");
  await p.run(resource([{ id: 0, name: "kept" }], { name: "items" }));
  await p.extract(resource([1, 2, 3].map((id) => ({ id, name: `item ${id}` })), { name: "items" }));
  await p.normalize();
  const { loadId, dir, files } = await packageFiles(p, "load/normalized");
  const [job] = files;
  const path = join(dir, job);
  const size = (await Deno.stat(path)).size;
  await Deno.truncate(path, size - 4);
  await assert.rejects(p.load(), (e: unknown) => {
    assert.ok(e instanceof PipelineStepFailed && e.step === "load");
    assert.ok(e.cause instanceof LoadPackageError);
    assert.equal(
      e.cause.message,
      `Load package "${loadId}": job file "${path}" is cut at line 4 (${
        size - 4
      } of ${size} bytes)`,
    );
    return true;
  });
  // nothing of the package was loaded, what was loaded before is there, the package waits
  assert.equal(await p.dataset().table("items").count(), 1);
  assert.deepEqual(await p.pendingPackages(), { extracted: 0, normalized: 1 });
});

Deno.test("an extracted job cut at a line's end fails normalize naming package, file and line", async () => {
  const { p } = await tempPipeline("cut_jsonl");
  await p.extract(resource([1, 2, 3].map((id) => ({ id })), { name: "items" }));
  const { loadId, dir, files } = await packageFiles(p, "normalize/extracted");
  const path = join(dir, files[0]);
  const text = await Deno.readTextFile(path);
  // two whole lines are left: each is valid JSON, only the size tells a line is missing
  const kept = text.split("\n").slice(0, 2).join("\n") + "\n";
  await Deno.writeTextFile(path, kept);
  await assert.rejects(p.normalize(), (e: unknown) => {
    assert.ok(e instanceof PipelineStepFailed && e.step === "normalize");
    assert.ok(e.cause instanceof LoadPackageError);
    assert.equal(
      e.cause.message,
      `Load package "${loadId}": job file "${path}" is cut at line 3 (${kept.length} of ${text.length} bytes)`,
    );
    return true;
  });
  assert.deepEqual(await p.pendingPackages(), { extracted: 1, normalized: 0 });
});
