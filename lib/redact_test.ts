import assert from "node:assert/strict";
import { redact, REDACTED, redactUrl, registerSecret } from "./redact.ts";
import { DltError } from "./errors.ts";
import { LoadInfo } from "./load_info.ts";
import { log, onLog } from "./log.ts";

Deno.test("a registered secret is redacted from errors, log lines and URLs, also URL-encoded", () => {
  const secret = "s3cr3t/with+chars";
  registerSecret(secret);
  assert.equal(redact(`a ${secret} b`), `a ${REDACTED} b`);
  assert.equal(
    new DltError(`GET https://x.test/?q=${encodeURIComponent(secret)} failed`).message,
    `GET https://x.test/?q=${REDACTED} failed`,
  );
  const seen: string[] = [];
  const stop = onLog((record) => seen.push(record.message));
  log.debug(`token ${secret}`);
  stop();
  assert.deepEqual(seen, [`token ${REDACTED}`]);
});

Deno.test("short values are not registered: redacting them would garble every message", () => {
  registerSecret("abc");
  assert.equal(redact("abc abc"), "abc abc");
});

Deno.test("redactUrl drops user info and hides secret-looking query parameters", () => {
  assert.equal(
    redactUrl("https://me:pw@api.test/v1?client_secret=1&access_token=2&page=3&q=a%20b"),
    "https://api.test/v1?client_secret=***&access_token=***&page=3&q=a%20b",
  );
  assert.equal(redactUrl("not a url"), "not a url");
});

Deno.test("LoadInfo never shows credentials of the destination's location", () => {
  const info = new LoadInfo({
    pipelineName: "p",
    destinationName: "postgres",
    destinationLocation: "postgresql://loader:hunter2-password@db.test:5432/warehouse",
    datasetName: "d",
    loadPackages: [],
    timings: { extract: 0, normalize: 0, load: 0 },
    startedAt: new Date(0),
    finishedAt: new Date(1000),
  });
  assert.ok(!info.toString().includes("hunter2"), info.toString());
  assert.ok(info.toString().includes("db.test:5432/warehouse"));
});

Deno.test("a cause quoting a secret is kept redacted, name and chain included", () => {
  const secret = "appid-sekrit-key-123";
  registerSecret(secret);
  const network = new TypeError(`error sending request for url (http://h.test/?appid=${secret})`, {
    cause: new Error(`inner ${secret}`),
  });
  const error = new DltError("request failed", { cause: network });
  const shown = Deno.inspect(error);
  assert.ok(!shown.includes(secret), shown);
  assert.equal((error.cause as Error).name, "TypeError");
  assert.match(((error.cause as Error).cause as Error).message, /^inner \*\*\*$/);
  // a cause without secrets is kept as it is
  const clean = new RangeError("nothing to hide");
  assert.equal(new DltError("x", { cause: clean }).cause, clean);
});
