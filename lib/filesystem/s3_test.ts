/**
 * The S3 file system's requests and error handling, against stand-ins on 127.0.0.1 (or a stubbed
 * `fetch`) that answer as S3 does when things go wrong. `tests/s3_test.ts` runs it against a
 * real S3-compatible server.
 */
import assert from "node:assert/strict";
import { FileNotFound, FileSystemError, readText } from "./file_system.ts";
import { S3FileSystem, type S3FileSystemOptions } from "./s3.ts";
import type { S3Credentials } from "./s3_credentials.ts";

const SECRET = "unit-test-secret-access-key";

/** An S3 error document. */
function s3Error(code: string, message: string, extra = ""): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>R1</RequestId></Error>`;
}

/** A stand-in store on 127.0.0.1: `handle` answers each request; `requests` records them. */
function standIn(handle: (request: Request, n: number) => Response | Promise<Response>) {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    return handle(request, requests.length);
  });
  const endpoint = `http://127.0.0.1:${server.addr.port}`;
  return {
    requests,
    fs: (options: S3FileSystemOptions = {}, credentials: Partial<S3Credentials> = {}) =>
      new S3FileSystem({
        awsAccessKeyId: "AKIAUNITTEST",
        awsSecretAccessKey: SECRET,
        endpointUrl: endpoint,
        ...credentials,
      }, options),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** The error `promise` rejects with, a {@linkcode FileSystemError}. */
async function failure(promise: Promise<unknown>): Promise<FileSystemError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FileSystemError) return error;
    throw error;
  }
  throw new Error("Expected a FileSystemError");
}

Deno.test("S3's error codes become messages that say what to check, without secrets", async () => {
  const answers: Record<string, [number, string]> = {
    "/b/signature": [
      403,
      s3Error(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        `<StringToSign>AWS4-HMAC-SHA256 ${SECRET}</StringToSign>`,
      ),
    ],
    "/b/denied": [403, s3Error("AccessDenied", "Access Denied")],
    "/b/region": [
      400,
      s3Error(
        "AuthorizationHeaderMalformed",
        "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'",
        "<Region>eu-west-1</Region>",
      ),
    ],
    "/b/odd": [400, s3Error("InvalidArgument", "Something &lt;odd&gt;")],
  };
  await using store = standIn((request) => {
    const [status, body] = answers[new URL(request.url).pathname];
    return new Response(body, { status });
  });
  const fs = store.fs({ retries: 0 });
  const signature = await failure(fs.write("s3://b/signature", "x"));
  assert.equal(
    signature.message,
    'Cannot write "s3://b/signature": the store refused the credentials (S3 error SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your key and signing method): check aws_access_key_id, aws_secret_access_key and aws_session_token',
  );
  assert.equal(signature.url, "s3://b/signature");
  assert.equal(signature.transient, false);
  assert.ok(!String(signature.stack).includes(SECRET));

  const denied = await failure(fs.delete("s3://b/denied"));
  assert.equal(
    denied.message,
    'Cannot delete "s3://b/denied": access denied (S3 error AccessDenied: Access Denied): check that the credentials may delete there',
  );
  const region = await failure(fs.read("s3://b/region"));
  assert.match(
    region.message,
    /^Cannot read "s3:\/\/b\/region": the bucket is in region "eu-west-1", not "us-east-1": set region_name \(S3 error AuthorizationHeaderMalformed/,
  );
  const odd = await failure(fs.read("s3://b/odd"));
  assert.equal(
    odd.message,
    'Cannot read "s3://b/odd": S3 error InvalidArgument: Something <odd> (HTTP 400)',
  );
});

Deno.test("transient failures are retried, a bounded number of times", async () => {
  await using store = standIn((request, n) => {
    const path = new URL(request.url).pathname;
    if (path === "/b/flaky" && n <= 2) {
      return new Response(s3Error("SlowDown", "Please reduce your request rate."), { status: 503 });
    }
    if (path === "/b/flaky") return new Response("fine");
    return new Response(s3Error("InternalError", "We encountered an internal error."), {
      status: 500,
    });
  });
  assert.equal(await readText(store.fs({ retries: 2 }), "s3://b/flaky"), "fine");
  assert.equal(store.requests.length, 3);

  store.requests.length = 0;
  const error = await failure(store.fs({ retries: 1 }).write("s3://b/down", "x"));
  assert.equal(store.requests.length, 2);
  assert.equal(error.transient, true);
  assert.equal(
    error.message,
    'Cannot write "s3://b/down": S3 error InternalError: We encountered an internal error (HTTP 500) (tried 2 times)',
  );
});

Deno.test("a request without an answer times out, as a transient error", async () => {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  await using store = standIn(async () => {
    await released;
    return new Response("late");
  });
  const error = await failure(store.fs({ retries: 0, timeoutMs: 50 }).stat("s3://b/slow"));
  release();
  assert.equal(error.transient, true);
  assert.equal(
    error.message,
    'Cannot read "s3://b/slow": no answer from the store within 50 ms (the option "timeoutMs")',
  );
});

Deno.test("a read that stalls halfway fails the stream, naming the file", async () => {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  await using store = standIn(() =>
    new Response(
      new ReadableStream({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode("first bytes"));
          await released;
          controller.close();
        },
      }),
    )
  );
  const stream = await store.fs({ timeoutMs: 100 }).read("s3://b/stalls");
  const reader = stream.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), "first bytes");
  const error = await failure(reader.read());
  release();
  assert.equal(error.url, "s3://b/stalls");
  assert.equal(error.transient, true);
  assert.match(error.message, /no answer from the store within 100 ms/);
});

Deno.test("an unreachable store is a transient error naming the file", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const fs = new S3FileSystem({
    awsAccessKeyId: "AKIAUNITTEST",
    awsSecretAccessKey: SECRET,
    endpointUrl: `http://127.0.0.1:${port}`,
  }, { retries: 0 });
  const error = await failure(Array.fromAsync(fs.list("s3://b/folder")));
  assert.equal(error.transient, true);
  assert.match(error.message, /^Cannot list "s3:\/\/b\/folder": cannot reach the store: /);
});

Deno.test("a multipart upload whose part fails is aborted, and its source cancelled", async () => {
  await using store = standIn((request) => {
    const url = new URL(request.url);
    if (url.searchParams.has("uploads")) {
      return new Response(
        "<InitiateMultipartUploadResult><UploadId>up-1</UploadId></InitiateMultipartUploadResult>",
      );
    }
    if (url.searchParams.get("partNumber") === "2") {
      return new Response(
        s3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"),
        { status: 400 },
      );
    }
    return new Response("", { headers: { etag: '"e"' } });
  });
  let cancelled = false;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new Uint8Array(60));
    },
    cancel() {
      cancelled = true;
    },
  });
  const error = await failure(store.fs({ partSizeBytes: 100 }).write("s3://b/up.bin", source));
  assert.match(error.message, /^Cannot write "s3:\/\/b\/up\.bin": S3 error EntityTooSmall/);
  assert.deepEqual(store.requests, [
    "POST /b/up.bin?uploads=",
    "PUT /b/up.bin?partNumber=1&uploadId=up-1",
    "PUT /b/up.bin?partNumber=2&uploadId=up-1",
    "DELETE /b/up.bin?uploadId=up-1",
  ]);
  assert.ok(cancelled);
});

Deno.test("an error in a 200 answer to completing an upload is retried", async () => {
  let completions = 0;
  await using store = standIn((request) => {
    const url = new URL(request.url);
    if (url.searchParams.has("uploads")) {
      return new Response("<R><UploadId>u&amp;2</UploadId></R>");
    }
    if (request.method === "POST") {
      completions++;
      return new Response(
        completions === 1
          ? s3Error("InternalError", "We encountered an internal error.")
          : "<CompleteMultipartUploadResult/>",
      );
    }
    return new Response("", { headers: { etag: `"p${url.searchParams.get("partNumber")}"` } });
  });
  assert.equal(await store.fs({ partSizeBytes: 4 }).write("s3://b/k", "0123456789"), 10);
  assert.equal(completions, 2);
  assert.deepEqual(store.requests.slice(0, 4), [
    "POST /b/k?uploads=",
    "PUT /b/k?partNumber=1&uploadId=u%262",
    "PUT /b/k?partNumber=2&uploadId=u%262",
    "PUT /b/k?partNumber=3&uploadId=u%262",
  ]);
});

/** The requests `fn` makes, answered by `answer` without a network. */
async function stubbed(
  fn: () => Promise<unknown>,
  answer: () => Response = () => new Response(""),
): Promise<Request[]> {
  const seen: Request[] = [];
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    seen.push(new Request(input, init));
    return Promise.resolve(answer());
  };
  try {
    await fn();
  } finally {
    globalThis.fetch = original;
  }
  return seen;
}

Deno.test("AWS buckets are addressed by virtual host in their region; keys are encoded", async () => {
  const fs = new S3FileSystem({
    awsAccessKeyId: "AKIAUNITTEST",
    awsSecretAccessKey: SECRET,
    awsSessionToken: "unit-test-session-token",
    regionName: "eu-west-1",
  });
  const [put] = await stubbed(() => fs.write("s3://my-bucket/a b+c/é(1).txt", "hello"));
  assert.equal(put.url, "https://my-bucket.s3.eu-west-1.amazonaws.com/a%20b%2Bc/%C3%A9%281%29.txt");
  assert.equal(put.method, "PUT");
  assert.match(
    put.headers.get("authorization")!,
    /Credential=AKIAUNITTEST\/\d{8}\/eu-west-1\/s3\/aws4_request/,
  );
  assert.equal(put.headers.get("x-amz-security-token"), "unit-test-session-token");
  // the SHA-256 of "hello"
  assert.equal(
    put.headers.get("x-amz-content-sha256"),
    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
  );
  // a dotted bucket name would not match AWS's certificate: by path
  const [get] = await stubbed(() => fs.read("s3://my.bucket/k"));
  assert.equal(get.url, "https://s3.eu-west-1.amazonaws.com/my.bucket/k");

  const copied = await stubbed(() => fs.copy("s3://src/a b&c.txt", "s3://dst/x.txt"));
  assert.equal(copied[0].headers.get("x-amz-copy-source"), "/src/a%20b%26c.txt");

  const [vhost] = await stubbed(() =>
    new S3FileSystem({
      awsAccessKeyId: "AKIAUNITTEST",
      awsSecretAccessKey: SECRET,
      endpointUrl: "https://storage.example.com/s3/",
      s3UrlStyle: "vhost",
    }).stat("s3://b/k")
  );
  assert.equal(vhost.url, "https://b.storage.example.com/s3/k");
  assert.equal(vhost.method, "HEAD");
});

Deno.test("a range the store ignores is an error, not the wrong bytes", async () => {
  const fs = new S3FileSystem({ awsAccessKeyId: "AKIAUNITTEST", awsSecretAccessKey: SECRET });
  await stubbed(async () => {
    const error = await failure(fs.read("s3://b/k", { start: 3 }));
    assert.equal(error.message, 'Cannot read "s3://b/k": the store ignored the byte range');
  }, () => new Response("whole file"));
});

Deno.test("bad URLs, options and credentials are refused by name", async () => {
  const credentials = { awsAccessKeyId: "AKIAUNITTEST", awsSecretAccessKey: SECRET };
  const fs = new S3FileSystem(credentials);
  await assert.rejects(fs.read("s3:///key"), /Not an S3 URL: "s3:\/\/\/key"/);
  await assert.rejects(fs.read("file:///tmp/x"), TypeError);
  await assert.rejects(fs.write("s3://bucket/", "x"), /S3 URL "s3:\/\/bucket\/" names no file/);
  await assert.rejects(fs.stat("s3://bucket/a/../b"), /has a "\." or "\.\." in its path/);
  assert.throws(
    () => new S3FileSystem(credentials, { part_size_bytes: 5 } as S3FileSystemOptions),
    /Unknown option "part_size_bytes" for S3FileSystem: write "partSizeBytes"/,
  );
  assert.throws(() => new S3FileSystem(credentials, { retries: 50 }), RangeError);
  assert.throws(
    () => new S3FileSystem({ awsAccessKeyId: "AKIAUNITTEST" } as S3Credentials),
    /S3FileSystem needs awsAccessKeyId and awsSecretAccessKey/,
  );
  assert.throws(
    () => new S3FileSystem({ ...credentials, endpointUrl: "127.0.0.1:9000" }),
    /"endpointUrl" of S3FileSystem must be an "http:\/\/" or "https:\/\/" URL/,
  );
});

Deno.test("a 404 from HEAD is a missing file", async () => {
  await using store = standIn(() => new Response(null, { status: 404 }));
  const error = await failure(store.fs().stat("s3://b/gone.txt"));
  assert.ok(error instanceof FileNotFound);
  assert.equal(error.url, "s3://b/gone.txt");
});

Deno.test("an upload the store refuses to start cancels its source", async () => {
  await using store = standIn(() =>
    new Response(s3Error("AccessDenied", "Access Denied"), { status: 403 })
  );
  let cancelled = false;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new Uint8Array(60));
    },
    cancel() {
      cancelled = true;
    },
  });
  const error = await failure(store.fs({ partSizeBytes: 100 }).write("s3://b/no.bin", source));
  assert.match(error.message, /^Cannot write "s3:\/\/b\/no\.bin": access denied/);
  assert.deepEqual(store.requests, ["POST /b/no.bin?uploads="]);
  assert.ok(cancelled);
});

Deno.test("a read cancelled by its signal stops, as no transient error", async () => {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  await using store = standIn(() =>
    new Response(
      new ReadableStream({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode("first bytes"));
          await released;
          controller.close();
        },
      }),
    )
  );
  const cancel = new AbortController();
  const stream = await store.fs().read("s3://b/k", { signal: cancel.signal });
  const reader = stream.getReader();
  await reader.read();
  const next = reader.read();
  cancel.abort();
  const error = await failure(next);
  release();
  assert.equal(error.message, 'Cannot read "s3://b/k": cancelled');
  assert.equal(error.transient, false);
});
