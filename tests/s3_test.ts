/**
 * The S3 file system against a real S3-compatible server (s3rver, see `_s3.ts`): what the
 * `filesystem` destination and source do through it, and the errors a user meets.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../lib/errors.ts";
import { FileNotFound, readBytes, readText } from "../lib/filesystem/file_system.ts";
import { openFileSystem } from "../lib/filesystem/open.ts";
import { S3FileSystem } from "../lib/filesystem/s3.ts";
import { fileSystemError, S3_KEYS, s3Test } from "./_s3.ts";
import { tempDir } from "./_helpers.ts";

/** `size` bytes that differ from part to part (no part equals another). */
function pattern(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 8)) % 251);
}

/** A stream of `bytes` in chunks of `chunk` bytes. */
function chunked(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

/** The method and query of every request `fn` sends to S3 (fetch is observed, not changed). */
async function requestsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const query = new URL(request.url).searchParams;
    seen.push(`${request.method} ${[...query.keys()].join("&")}`);
    return original(input, init);
  };
  try {
    await fn();
  } finally {
    globalThis.fetch = original;
  }
  return seen;
}

s3Test("write, read, stat, overwrite and delete a file", async ({ url, fs }) => {
  const s3 = fs();
  const file = `${url}/data/items.jsonl`;
  assert.equal(await s3.write(file, '{"id":1}\n'), 9);
  assert.equal(await readText(s3, file), '{"id":1}\n');
  const info = await s3.stat(file);
  assert.equal(info.url, file);
  assert.equal(info.size, 9);
  const [listed] = await Array.fromAsync(s3.list(`${url}/data`));
  assert.deepEqual(listed, info);
  assert.ok(info.modified.getFullYear() >= 2024);

  assert.equal(await s3.write(file, new Uint8Array([1, 2, 3])), 3);
  assert.deepEqual(await readBytes(s3, file), new Uint8Array([1, 2, 3]));

  await s3.delete(file);
  await assert.rejects(s3.stat(file), FileNotFound);
  // deleting what is not there is no error
  await s3.delete(file);
});

s3Test(
  "list gives every file under a folder, over many pages, keys decoded",
  async ({ url, fs }) => {
    const s3 = fs({ listPageSize: 2 });
    const names = [
      "a.txt",
      "b/c.txt",
      "b/d/e.txt",
      "spaces and é.txt",
      "x & <y> 'z' \"q\".txt",
      "plus+percent%20.txt",
    ];
    for (const name of names) await s3.write(`${url}/folder/${name}`, name);
    await s3.write(`${url}/folder-not/a.txt`, "beside the folder");

    const listed = await requestsOf(async () => {
      const files = await Array.fromAsync(s3.list(`${url}/folder`));
      assert.deepEqual(
        files.map((file) => file.url).sort(),
        names.map((name) => `${url}/folder/${name}`).sort(),
      );
      for (const file of files) {
        assert.equal(file.size, new TextEncoder().encode(file.url.split("/folder/")[1]).length);
        assert.equal(await readText(s3, file.url), file.url.split("/folder/")[1]);
      }
    });
    // three pages of at most two keys, each after the first with a continuation token
    const pages = listed.filter((request) => request.includes("list-type"));
    assert.deepEqual(pages, [
      "GET list-type&max-keys&prefix",
      "GET list-type&max-keys&prefix&continuation-token",
      "GET list-type&max-keys&prefix&continuation-token",
    ]);
    // a trailing "/" means the same folder; a folder that does not exist has no files
    assert.equal((await Array.fromAsync(s3.list(`${url}/folder/`))).length, names.length);
    assert.deepEqual(await Array.fromAsync(s3.list(`${url}/nothing`)), []);
  },
);

s3Test(
  "a stream of several parts goes up as a multipart upload, byte-exact",
  async ({ url, fs }) => {
    const s3 = fs({ partSizeBytes: 1000 });
    const bytes = pattern(4321);
    const file = `${url}/big.bin`;
    // chunks that straddle the parts
    const requests = await requestsOf(async () => {
      assert.equal(await s3.write(file, chunked(bytes, 777)), bytes.length);
    });
    assert.deepEqual(requests, [
      "POST uploads",
      ...Array(5).fill("PUT partNumber&uploadId"),
      "POST uploadId",
    ]);
    assert.deepEqual(await readBytes(s3, file), bytes);
    assert.equal((await s3.stat(file)).size, 4321);

    // bytes of more than a part are uploaded in parts too; exactly one part is one PUT
    const exact = pattern(2000);
    const inParts = await requestsOf(() => s3.write(`${url}/two.bin`, exact));
    assert.equal(inParts.filter((r) => r.startsWith("PUT partNumber")).length, 2);
    assert.deepEqual(await readBytes(s3, `${url}/two.bin`), exact);
    const single = await requestsOf(() => s3.write(`${url}/one.bin`, chunked(pattern(1000), 300)));
    assert.deepEqual(single, ["PUT "]);
    assert.deepEqual(await readBytes(s3, `${url}/one.bin`), pattern(1000));
    // an empty stream is an empty file
    assert.equal(await s3.write(`${url}/empty.bin`, chunked(new Uint8Array(0), 1)), 0);
    assert.equal((await s3.stat(`${url}/empty.bin`)).size, 0);
  },
);

s3Test("a stream that fails halfway publishes nothing and names the file", async ({ url, fs }) => {
  const s3 = fs({ partSizeBytes: 100 });
  const file = `${url}/broken.bin`;
  let sent = 0;
  const failing = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 350) return controller.error(new Error("source went away"));
      controller.enqueue(pattern(50));
      sent += 50;
    },
  });
  const error = await fileSystemError(s3.write(file, failing));
  assert.equal(error.url, file);
  assert.match(
    error.message,
    /Cannot write ".*broken\.bin": reading its content failed: source went away/,
  );
  await assert.rejects(s3.stat(file), FileNotFound);
});

s3Test("ranges of a file are read as asked", async ({ url, fs }) => {
  const s3 = fs();
  const file = `${url}/range.bin`;
  const bytes = pattern(1000);
  await s3.write(file, bytes);
  const read = async (start?: number, end?: number) =>
    new Uint8Array(await new Response(await s3.read(file, { start, end })).arrayBuffer());
  assert.deepEqual(await read(10, 20), bytes.slice(10, 20));
  assert.deepEqual(await read(990), bytes.slice(990));
  assert.deepEqual(await read(undefined, 5), bytes.slice(0, 5));
  assert.deepEqual(await read(900, 5000), bytes.slice(900));
  assert.deepEqual(await read(2000), new Uint8Array(0));
  assert.deepEqual(await read(5, 5), new Uint8Array(0));
  await assert.rejects(s3.read(`${url}/none.bin`, { start: 5, end: 5 }), FileNotFound);
});

s3Test("copy is done by the store; moving a missing file names it", async ({ url, fs }) => {
  const s3 = fs();
  // s3rver decodes the copy source with decodeURI: keys with "&", "+", "?"… cannot be copied on
  // it (AWS takes them, percent-encoded as sent)
  const from = `${url}/from dir/é file.txt`;
  const to = `${url}/to/copy.txt`;
  await s3.write(from, "copied");
  await s3.write(to, "replaced");
  await s3.copy(from, to);
  assert.equal(await readText(s3, to), "copied");
  assert.equal(await readText(s3, from), "copied");

  const missing = `${url}/missing.txt`;
  const error = await fileSystemError(s3.copy(missing, to));
  assert.ok(error instanceof FileNotFound);
  assert.equal(error.url, missing);
});

s3Test(
  "reading or statting a missing file is a FileNotFound naming its URL",
  async ({ url, fs }) => {
    const s3 = fs();
    const file = `${url}/not/there.txt`;
    for (const attempt of [() => s3.read(file), () => s3.stat(file)]) {
      const error = await fileSystemError(attempt());
      assert.ok(error instanceof FileNotFound);
      assert.equal(error.url, file);
      assert.equal(error.message, `File "${file}" does not exist`);
    }
  },
);

s3Test("a missing bucket is named", async ({ fs }) => {
  const s3 = fs({ retries: 0 });
  const bucket = `dlt-missing-${crypto.randomUUID().slice(0, 8)}`;
  for (
    const attempt of [
      () => s3.write(`s3://${bucket}/a.txt`, "x"),
      () => Array.fromAsync(s3.list(`s3://${bucket}/d`)),
    ]
  ) {
    const error = await fileSystemError(attempt());
    assert.match(
      error.message,
      new RegExp(`bucket "${bucket}" does not exist \\(S3 error NoSuchBucket`),
    );
    assert.equal(error.transient, false);
  }
});

s3Test(
  "refused credentials: the message says what to check and shows no secret",
  async ({ url, endpoint }) => {
    const secret = "wrong-secret-key-for-the-test";
    // s3rver checks the access key id (not Signature V4 signatures)
    const s3 = new S3FileSystem({
      awsAccessKeyId: "NOT-A-KEY",
      awsSecretAccessKey: secret,
      endpointUrl: endpoint,
    }, { retries: 0 });
    const file = `${url}/secret.txt`;
    const written = await fileSystemError(s3.write(file, "x"));
    assert.match(
      written.message,
      /^Cannot write ".*secret\.txt": the store refused the credentials \(S3 error InvalidAccessKeyId.*\): check aws_access_key_id, aws_secret_access_key and aws_session_token$/,
    );
    // HEAD's refusal has no body
    const statted = await fileSystemError(s3.stat(file));
    assert.match(statted.message, /access denied \(HTTP 403\): check aws_access_key_id/);
    for (const error of [written, statted]) {
      assert.equal(error.url, file);
      assert.ok(!error.message.includes(secret) && !String(error.stack).includes(secret));
    }
  },
);

s3Test("openFileSystem takes credentials from environment variables", async ({ url, endpoint }) => {
  const variables: Record<string, string> = {
    DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: S3_KEYS.awsAccessKeyId,
    DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: S3_KEYS.awsSecretAccessKey,
    DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL: endpoint,
  };
  const fs = openFileSystem(url, {
    configSection: "destination.filesystem.credentials",
    env: (name) => variables[name],
    configDirs: [],
  });
  assert.equal(fs.scheme, "s3");
  await fs.write(`${url}/env.txt`, "from env");
  assert.equal(await readText(fs, `${url}/env.txt`), "from env");
});

s3Test("openFileSystem takes credentials from .dlt/secrets.toml", async ({ url, endpoint }) => {
  const dir = await tempDir("s3_secrets");
  await Deno.writeTextFile(
    join(dir, "secrets.toml"),
    [
      "[sources.filesystem.credentials]",
      `aws_access_key_id = "${S3_KEYS.awsAccessKeyId}"`,
      `aws_secret_access_key = "${S3_KEYS.awsSecretAccessKey}"`,
      `endpoint_url = "${endpoint}"`,
      `region_name = "us-east-1"`,
    ].join("\n"),
  );
  const fs = openFileSystem(url, {
    configSection: "sources.filesystem.credentials",
    env: () => undefined,
    configDirs: [dir],
  });
  await fs.write(`${url}/toml.txt`, "from toml");
  assert.deepEqual(
    (await Array.fromAsync(fs.list(url))).map((file) => file.url),
    [`${url}/toml.txt`],
  );

  // the same section in another folder holds no keys: the error lists where it looked
  const empty = await tempDir("s3_no_secrets");
  assert.throws(
    () =>
      openFileSystem(url, {
        configSection: "sources.filesystem.credentials",
        env: () => undefined,
        configDirs: [empty],
      }),
    (error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /SOURCES__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID/);
      assert.match(
        error.message,
        /sources\.filesystem\.credentials\.aws_secret_access_key in .*secrets\.toml/,
      );
      assert.match(error.message, /AWS_SECRET_ACCESS_KEY/);
      return true;
    },
  );
});
