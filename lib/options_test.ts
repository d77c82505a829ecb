import assert from "node:assert/strict";
import {
  camelCase,
  checkOptions,
  columnNames,
  describeValue,
  func,
  integer,
  isPlainObject,
  oneOf,
  OptionKeyError,
  readOptions,
  snakeCase,
} from "./options.ts";
import { registerSecret } from "./redact.ts";

Deno.test("snakeCase keeps acronyms together", () => {
  const cases: [string, string][] = [
    ["limit", "limit"],
    ["pageSize", "page_size"],
    ["accessTokenRequestData", "access_token_request_data"],
    ["APIKey", "api_key"],
    ["apiKey", "api_key"],
    ["nextURLPath", "next_url_path"],
    ["page2Size", "page2_size"],
    ["already_snake", "already_snake"],
  ];
  for (const [name, snake] of cases) assert.equal(snakeCase(name), snake, name);
});

const KNOWN = ["limit", "offsetParam", "APIKey"];

Deno.test("readOptions keys options by camelCase, whichever spelling is given", () => {
  assert.deepEqual(readOptions({ limit: 1, offset_param: "skip", api_key: "k" }, KNOWN, "x"), {
    limit: 1,
    offsetParam: "skip",
    APIKey: "k",
  });
  assert.deepEqual(readOptions({ offsetParam: null, APIKey: "k" }, KNOWN, "x"), {
    offsetParam: null,
    APIKey: "k",
  });
  // undefined is "not given": it neither appears nor clashes with the other spelling
  assert.deepEqual(
    readOptions({ limit: undefined, offsetParam: undefined, offset_param: "s" }, KNOWN, "x"),
    {
      offsetParam: "s",
    },
  );
  assert.deepEqual(readOptions(Object.create(null), KNOWN, "x"), {});
});

Deno.test("readOptions names the place and the key of an unknown option, with the valid ones", () => {
  assert.throws(
    () => readOptions({ limit: 1, offset_parm: "skip" }, KNOWN, 'paginator "offset"'),
    new RangeError(
      'Unknown option "offset_parm" for paginator "offset" (did you mean "offset_param"?); ' +
        "valid options: limit, offsetParam, APIKey (or in snake_case)",
    ),
  );
  assert.throws(
    () => readOptions({ size: 1 }, ["limit"], "client"),
    new RangeError('Unknown option "size" for client; valid options: limit'),
  );
  assert.throws(
    () => readOptions({ limit: 1 }, [], 'paginator "single_page"'),
    new RangeError('Unknown option "limit" for paginator "single_page"; it takes none'),
  );
  // names of Object.prototype are no options
  assert.throws(() => readOptions({ toString: "x" }, KNOWN, "x"), /Unknown option "toString"/);
});

Deno.test("readOptions refuses an option given in both spellings", () => {
  assert.throws(
    () => readOptions({ offset_param: "a", offsetParam: "b" }, KNOWN, "resources[0].endpoint"),
    new RangeError(
      'Option "offsetParam" for resources[0].endpoint is given twice, as "offsetParam" and as ' +
        '"offset_param"',
    ),
  );
});

Deno.test("readOptions takes plain objects only", () => {
  const cases: [unknown, string][] = [
    [null, "null"],
    [[1, 2], "a list of 2 items"],
    ["limit=1", '"limit=1"'],
    [new Map(), "a Map instance"],
  ];
  for (const [value, shown] of cases) {
    assert.throws(
      () => readOptions(value, KNOWN, "client"),
      new TypeError(`Options for client must be an object, got ${shown}`),
    );
  }
});

Deno.test("isPlainObject: object literals, parsed JSON and prototype-less tables", () => {
  for (const value of [{}, { a: 1 }, JSON.parse('{"a":[1]}'), Object.create(null)]) {
    assert.ok(isPlainObject(value), describeValue(value));
  }
  for (const value of [null, undefined, [], "a", 1, new Date(), new Map(), new URL("https://x")]) {
    assert.ok(!isPlainObject(value), describeValue(value));
  }
});

Deno.test("describeValue gives the type and an excerpt", () => {
  const cases: [unknown, string][] = [
    [undefined, "nothing"],
    [null, "null"],
    ["abc", '"abc"'],
    ["", '""'],
    [0, "0"],
    [1.5, "1.5"],
    [Number.NaN, "NaN"],
    [false, "false"],
    [12345678901234567890n, "12345678901234567890n"],
    [() => 1, "a function"],
    [[], "a list of 0 items"],
    [[1], "a list of 1 item"],
    [{}, "an empty object"],
    [{ href: "x", rel: "next" }, "an object with keys href, rel"],
    [new Date("2024-05-01T10:00:00Z"), "2024-05-01T10:00:00.000Z"],
    [new Date("x"), "an invalid date"],
    [new URL("https://x.example"), "a URL instance"],
    [new (class Settings {})(), "a Settings instance"],
  ];
  for (const [value, text] of cases) assert.equal(describeValue(value), text);
  const long = describeValue("x".repeat(100));
  assert.equal(long, `"${"x".repeat(59)}…`);
  const keys = describeValue(
    Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i])),
  );
  assert.ok(keys.startsWith("an object with keys k0, k1,") && keys.endsWith("…"), keys);
});

Deno.test("describeValue redacts registered secrets before it cuts", () => {
  registerSecret("options-secret-4f2a");
  assert.equal(describeValue("token options-secret-4f2a"), '"token ***"');
  // the cut falls inside the secret: none of it is shown
  const text = describeValue(`${"x".repeat(50)}options-secret-4f2a`);
  assert.equal(text, `"${"x".repeat(50)}***"`);
  const cut = describeValue(`${"x".repeat(55)}options-secret-4f2a and more`);
  assert.ok(!cut.includes("opt") && cut.endsWith("…"), cut);
});

Deno.test("options in code: dlt's snake_case names the camelCase option to write", () => {
  const known = ["writeDisposition", "primaryKey", "maxTableNesting", "name"];
  const settings = { snakeCase: "refuse" } as const;
  for (
    const [key, camel] of [["write_disposition", "writeDisposition"], [
      "max_table_nesting",
      "maxTableNesting",
    ]]
  ) {
    assert.throws(
      () => readOptions({ [key]: 1 }, known, 'resource "users"', settings),
      (e: unknown) =>
        e instanceof OptionKeyError && e instanceof RangeError && e.key === key &&
        e.message === `Unknown option "${key}" for resource "users": write "${camel}" ` +
            "(options are camelCase here)",
    );
  }
  assert.equal(camelCase("pipelines_dir"), "pipelinesDir");
});

Deno.test("unknown options: near misses are named, far ones only listed", () => {
  const known = ["datasetName", "pipelinesDir", "devMode"];
  const settings = { snakeCase: "refuse" } as const;
  const cases: [string, string | undefined][] = [
    ["datasetname", "datasetName"],
    ["dataset-name", "datasetName"],
    ["pipelineDir", "pipelinesDir"],
    ["devMod", "devMode"],
    ["destination", undefined],
  ];
  for (const [key, meant] of cases) {
    assert.throws(() => readOptions({ [key]: 1 }, known, "pipeline()", settings), (e: unknown) => {
      const message = (e as Error).message;
      const hint = meant === undefined ? !message.includes("did you mean") : message.includes(
        `(did you mean "${meant}"?)`,
      );
      return hint && message.endsWith("valid options: datasetName, pipelinesDir, devMode");
    }, key);
  }
});

Deno.test("options dlt has and this function does not say what to do instead", () => {
  const settings = {
    snakeCase: "refuse",
    unsupported: { stagingDestination: "use none" },
  } as const;
  for (const key of ["staging_destination", "stagingDestination"]) {
    assert.throws(
      () => readOptions({ [key]: 1 }, ["name"], "pipeline()", settings),
      new OptionKeyError(key, `Option "${key}" is not supported by pipeline(): use none`),
    );
  }
});

Deno.test("checkOptions checks each value, naming the function, the option and the allowed values", () => {
  const spec = {
    order: oneOf(["asc", "desc"]),
    limit: integer({ min: 0 }),
    key: columnNames(),
    map: func<(x: unknown) => unknown>(),
  };
  const fn = (x: unknown) => x;
  assert.deepEqual(checkOptions({ order: "desc", limit: 0, key: ["a"], map: fn }, spec, "f()"), {
    order: "desc",
    limit: 0,
    key: ["a"],
    map: fn,
  });
  const cases: [Record<string, unknown>, ErrorConstructor, string][] = [
    [{ order: "up" }, RangeError, 'Option "order" of f() must be one of "asc", "desc"; got "up"'],
    [{ limit: -1 }, RangeError, 'Option "limit" of f() must be an integer ≥ 0; got -1'],
    [{ limit: 1.5 }, TypeError, 'Option "limit" of f() must be an integer ≥ 0; got 1.5'],
    [
      { key: [""] },
      TypeError,
      'Option "key" of f() must be a column name or a list of column ' +
      "names; got a list of 1 item",
    ],
    [{ map: "x" }, TypeError, 'Option "map" of f() must be a function; got "x"'],
  ];
  for (const [given, type, message] of cases) {
    assert.throws(() => checkOptions(given, spec, "f()"), new type(message));
  }
});
