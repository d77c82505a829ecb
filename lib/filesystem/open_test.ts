import assert from "node:assert/strict";
import { MissingConfigError } from "../config.ts";
import { LocalFileSystem } from "./local.ts";
import { openFileSystem, SUPPORTED_SCHEMES } from "./open.ts";

const noConfig = { env: () => undefined, configDirs: [], pipelineName: "chess" };

Deno.test("file:// URLs are local files, which take no credentials", () => {
  assert.ok(openFileSystem("file:///tmp/bucket") instanceof LocalFileSystem);
  assert.throws(
    () => openFileSystem("file:///tmp/bucket", { credentials: { regionName: "eu-west-1" } }),
    /Bucket URL "file:\/\/\/tmp\/bucket" is a local folder: it takes no credentials/,
  );
});

Deno.test("s3:// URLs resolve their credentials when opened", () => {
  const fs = openFileSystem("s3://bucket/data", {
    ...noConfig,
    configSection: "sources.filesystem.credentials",
    env: (name) =>
      ({
        SOURCES__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: "AKIAOPEN",
        SOURCES__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: "open-secret-key",
      } as Record<string, string>)[name],
  });
  assert.equal(fs.scheme, "s3");
  assert.throws(
    () =>
      openFileSystem("s3://bucket/data", {
        ...noConfig,
        configSection: "destination.filesystem.credentials",
      }),
    (error) =>
      error instanceof MissingConfigError &&
      error.triedKeys.includes("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID") &&
      error.triedKeys.includes("AWS_ACCESS_KEY_ID"),
  );
  assert.throws(
    () => openFileSystem("s3://bucket/data", { credentials: { aws_region: "x" } as never }),
    /Unknown option "aws_region" for the S3 credentials/,
  );
});

Deno.test("another scheme is a RangeError naming the supported ones", () => {
  assert.deepEqual(SUPPORTED_SCHEMES, ["file", "s3"]);
  assert.throws(
    () => openFileSystem("gs://bucket/data"),
    (error) =>
      error instanceof RangeError &&
      error.message ===
        'Bucket URL "gs://bucket/data" has scheme "gs"; supported: "file://", "s3://"',
  );
});
