/**
 * The S3-compatible server of the tests (npm's s3rver): its endpoint comes from
 * `DLT_TEST_S3_ENDPOINT` (start one with `tests/_scripts/s3_server.sh start DIR`, as `.ci/run`
 * does). Without it, the first module that imports this one starts a server for the test process
 * with that script, stopped when the process ends. When none can be started, S3 tests are ignored,
 * and said so once; under `CI=true` they fail instead.
 */
import { fileURLToPath } from "node:url";
import { FileSystemError } from "../lib/filesystem/file_system.ts";
import { S3FileSystem, type S3FileSystemOptions } from "../lib/filesystem/s3.ts";
import type { S3Credentials } from "../lib/filesystem/s3_credentials.ts";
import { isolatedTest } from "./_isolated.ts";

/** The bucket the test server has (`s3_server.sh` creates it). */
export const S3_BUCKET = "dlt-test";

/** The key pair s3rver accepts. */
export const S3_KEYS = { awsAccessKeyId: "S3RVER", awsSecretAccessKey: "S3RVER" } as const;

const SCRIPT = fileURLToPath(new URL("./_scripts/s3_server.sh", import.meta.url));

const HOW = "start one with `tests/_scripts/s3_server.sh start DIR` (needs Node.js and npm) and " +
  "export the endpoint it prints as DLT_TEST_S3_ENDPOINT";

/** Starts a server for this process; its endpoint, or why it could not. */
async function startServer(): Promise<{ endpoint?: string; failure?: string }> {
  const dir = await Deno.makeTempDir({ prefix: "denodlt_s3rver_" });
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("bash", {
      args: [SCRIPT, "start", dir],
      env: { S3_SERVER_PARENT_PID: String(Deno.pid) },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    return { failure: `cannot run ${SCRIPT}: ${(error as Error).message}` };
  }
  if (!output.success) {
    await Deno.remove(dir, { recursive: true });
    return { failure: new TextDecoder().decode(output.stderr).trim() };
  }
  globalThis.addEventListener("unload", () => {
    new Deno.Command("bash", { args: [SCRIPT, "stop", dir] }).outputSync();
    Deno.removeSync(dir, { recursive: true });
  });
  return { endpoint: new TextDecoder().decode(output.stdout).trim() };
}

const given = Deno.env.get("DLT_TEST_S3_ENDPOINT") || undefined;
const server = given === undefined ? await startServer() : { endpoint: given };

/** The endpoint of the test server, when there is one. */
export const S3_ENDPOINT: string | undefined = server.endpoint;

/** The credentials of the test server. */
export const S3_CREDENTIALS: S3Credentials | undefined = S3_ENDPOINT === undefined
  ? undefined
  : { ...S3_KEYS, endpointUrl: S3_ENDPOINT };

let warned = false;

/** What an S3 test gets: a folder of the test bucket of its own, emptied when the test ends. */
export interface S3TestContext {
  /** `s3://dlt-test/<fresh prefix>`: no other test writes under it. */
  url: string;
  /** The test server's endpoint, `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Its credentials (s3rver's key pair, and the endpoint). */
  credentials: S3Credentials;
  /** A file system on the test server, with `options` (none: the defaults). */
  fs: (options?: S3FileSystemOptions) => S3FileSystem;
  /** The Deno test context. */
  t: Deno.TestContext;
}

/** Options of {@linkcode s3Test}. */
export interface S3TestOptions {
  /**
   * The `import.meta.url` of a test that sets environment variables: it runs in a child process
   * of its own (see `_isolated.ts`).
   */
  isolatedIn?: string;
}

/**
 * Registers a test that needs the S3 server: run when there is one, failing under `CI=true`
 * when there is not, ignored (visibly) otherwise.
 */
export function s3Test(
  name: string,
  fn: (context: S3TestContext) => Promise<void>,
  options: S3TestOptions = {},
): void {
  if (S3_ENDPOINT === undefined || S3_CREDENTIALS === undefined) {
    const missing = `No S3 test server (${server.failure ?? "not started"}): ${HOW}`;
    if (Deno.env.get("CI") === "true") {
      Deno.test(name, () => {
        throw new Error(`${missing}; CI runs the S3 tests`);
      });
      return;
    }
    if (!warned) {
      warned = true;
      console.warn(`S3 tests are ignored: ${missing}`);
    }
    Deno.test({ name, ignore: true, fn: () => {} });
    return;
  }
  const endpoint = S3_ENDPOINT;
  const credentials = S3_CREDENTIALS;
  const { isolatedIn } = options;
  const register = isolatedIn === undefined
    ? Deno.test
    : (name: string, fn: (t: Deno.TestContext) => Promise<void>) =>
      isolatedTest(isolatedIn, name, fn, { env: { DLT_TEST_S3_ENDPOINT: endpoint } });
  register(name, async (t) => {
    const url = `s3://${S3_BUCKET}/${crypto.randomUUID().slice(0, 12)}`;
    const fs = (options?: S3FileSystemOptions) => new S3FileSystem(credentials, options);
    try {
      await fn({ url, endpoint, credentials, fs, t });
    } finally {
      const cleaner = fs();
      for await (const file of cleaner.list(`${url}/`)) await cleaner.delete(file.url);
    }
  });
}

/** The error `promise` rejects with, which must be a {@linkcode FileSystemError}. */
export async function fileSystemError(promise: Promise<unknown>): Promise<FileSystemError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FileSystemError) return error;
    throw error;
  }
  throw new Error("Expected a FileSystemError, but it succeeded");
}
