import assert from "node:assert/strict";
import { resource, transformer } from "./resource.ts";
import { source } from "./source.ts";
import { secret } from "./config.ts";

const context = () => ({
  state: {},
  sourceState: {},
  signal: new AbortController().signal,
  config: {},
});

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

Deno.test("resources accept generator functions, async generators, arrays and functions returning arrays", async () => {
  assert.deepEqual(
    await collect(
      resource(function* () {
        yield 1;
        yield 2;
      }, { name: "a" }).yields(context()),
    ),
    [1, 2],
  );
  assert.deepEqual(
    await collect(
      resource(async function* () {
        yield [1, 2];
      }, { name: "b" }).yields(context()),
    ),
    [[1, 2]],
  );
  assert.deepEqual(await collect(resource([3, 4], { name: "c" }).yields(context())), [3, 4]);
  assert.deepEqual(
    await collect(resource(() => Promise.resolve([5]), { name: "d" }).yields(context())),
    [5],
  );
});

Deno.test("a resource is named after its function unless named", () => {
  assert.equal(resource(function* users() {}).name, "users");
  assert.throws(() => resource([1]), TypeError);
  assert.throws(() => resource(42 as unknown as number[], { name: "x" }), TypeError);
});

Deno.test("addMap and addFilter apply to each item, also inside pages", async () => {
  const r = resource(function* () {
    yield 1;
    yield [2, 3, 4];
  }, { name: "n" }).addMap((n: number) => n * 10).addFilter((n: number) => n !== 30);
  assert.deepEqual(await collect(r.yields(context())), [10, [20, 40]]);
});

Deno.test("addLimit counts yields and stops the generator early", async () => {
  let produced = 0;
  const r = resource(function* () {
    while (true) {
      produced++;
      yield [produced];
    }
  }, { name: "endless" }).addLimit(3);
  assert.deepEqual(await collect(r.yields(context())), [[1], [2], [3]]);
  assert.equal(produced, 3);
  r.resetLimits();
  assert.equal((await collect(r.yields(context()))).length, 3);
  assert.throws(
    () => r.addLimit(-2),
    new RangeError("The limit of addLimit() must be an integer ≥ 0; got -2"),
  );
  assert.throws(() => r.addLimit(1.5), TypeError);
});

Deno.test("addLimit as dlt's add_limit: -1 and null mean none, a second call replaces the first", async () => {
  const pages = () =>
    resource(function* () {
      for (let i = 0; i < 10; i++) yield [i, i];
    }, { name: "pages" });
  const run = async (r: ReturnType<typeof pages>) => {
    r.resetLimits();
    return (await collect(r.yields(context()))).length;
  };
  assert.equal(await run(pages().addLimit(3).addLimit(5)), 5);
  assert.equal(await run(pages().addLimit(3).addLimit(-1)), 10);
  assert.equal(await run(pages().addLimit(3).addLimit(null)), 10);
  assert.equal(await run(pages().addLimit(0)), 0);
  // rows instead of yields: the page reaching the limit comes whole
  assert.equal(await run(pages().addLimit(5, { countRows: true })), 3);
  // the limit counts what filters leave (an emptied page still counts, as in dlt)
  assert.equal(await run(pages().addFilter((n: number) => n >= 6).addLimit(2)), 2);
  const items = resource(function* () {
    for (let i = 0; i < 10; i++) yield i;
  }, { name: "items" }).addFilter((n: number) => n >= 6).addLimit(2);
  items.resetLimits();
  assert.deepEqual(await collect(items.yields(context())), [6, 7]);
  assert.throws(
    () => pages().addLimit(1, { count_rows: true } as never),
    /Unknown option "count_rows" for addLimit\(\): write "countRows"/,
  );
  assert.throws(() => transformer((n: number) => n, { name: "t" }).addLimit(1), TypeError);
});

Deno.test("addLimit stops a resource after maxTime seconds", async () => {
  let yielded = 0;
  const r = resource(async function* () {
    while (true) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      yield ++yielded;
    }
  }, { name: "slow" }).addLimit(null, { maxTime: 0.1 });
  r.resetLimits();
  const out = await collect(r.yields(context()));
  assert.ok(out.length >= 2 && out.length <= 10, `${out.length} items`);
});

Deno.test("transformers receive each unit of their parent", async () => {
  const ids = resource([1, 2], { name: "ids" });
  const details = transformer(async function* (id: number) {
    yield { id, double: id * 2 };
  }, { name: "details" });
  const piped = ids.pipe(details);
  assert.equal(piped.name, "details");
  assert.equal(piped.parent, ids);
  const out = [];
  for await (const unit of ids.yields(context())) {
    out.push(...await collect(piped.transform(unit, context())));
  }
  assert.deepEqual(out, [{ id: 1, double: 2 }, { id: 2, double: 4 }]);
  assert.throws(() => ids.pipe(ids), TypeError);
});

Deno.test("sources select resources by name and reject duplicates", () => {
  const a = resource([1], { name: "a" });
  const b = resource([2], { name: "b" });
  const s = source([a, b], { name: "s" });
  assert.deepEqual(s.withResources("b").selectedResources.map((r) => r.name), ["b"]);
  assert.throws(() => s.withResources("zzz"), RangeError);
  assert.throws(() => source([a, a], { name: "dup" }), TypeError);
});

Deno.test("withName copies a resource under a new name; applyHints changes hints in place", async () => {
  const original = resource([1, 2], { name: "a", writeDisposition: "replace" }).addMap((
    n: number,
  ) => n * 2);
  const renamed = original.withName("b");
  assert.equal(renamed.name, "b");
  assert.equal(original.name, "a");
  assert.equal(renamed.hints.writeDisposition, "replace");
  assert.deepEqual(await collect(renamed.yields(context())), [2, 4]);
  assert.equal(original.applyHints({ primaryKey: "id", writeDisposition: undefined }), original);
  assert.equal(original.hints.primaryKey, "id");
  assert.equal(original.hints.writeDisposition, "replace");
  assert.equal(renamed.hints.primaryKey, undefined);
});

Deno.test("withName and pipe keep the resource's config spec", () => {
  const spec = { token: secret() };
  const named = resource([1], { name: "a", config: spec }).withName("b");
  assert.equal(named.configSpec, spec);
  const child = transformer((n: number) => ({ n }), { name: "t", config: spec });
  assert.equal(resource([1], { name: "p" }).pipe(child).configSpec, spec);
});
