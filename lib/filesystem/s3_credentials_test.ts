import assert from "node:assert/strict";
import { join } from "node:path";
import { MissingConfigError } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { redact } from "../redact.ts";
import { readS3Credentials, resolveS3Credentials } from "./s3_credentials.ts";

const SECTION = "destination.filesystem.credentials";

/** Config lookups that see only `variables` and the config folders `configDirs`. */
function configOf(variables: Record<string, string>, configDirs: string[] = []) {
  return {
    env: (name: string) => variables[name],
    configDirs,
    configSection: SECTION,
    pipelineName: "chess",
  };
}

Deno.test("credentials in code are camelCase; dlt's snake_case and unknown fields are named", () => {
  assert.deepEqual(
    readS3Credentials({
      awsAccessKeyId: "AKIACODE",
      awsSecretAccessKey: "code-secret-key",
      awsSessionToken: "code-session-token",
      regionName: "eu-west-1",
      endpointUrl: "http://127.0.0.1:9000",
      s3UrlStyle: "path",
    }),
    {
      awsAccessKeyId: "AKIACODE",
      awsSecretAccessKey: "code-secret-key",
      awsSessionToken: "code-session-token",
      regionName: "eu-west-1",
      endpointUrl: "http://127.0.0.1:9000",
      s3UrlStyle: "path",
    },
  );
  // the secrets are registered before anything is checked
  assert.equal(redact("code-secret-key code-session-token"), "*** ***");
  assert.throws(
    () => readS3Credentials({ aws_secret_access_key: "snake-secret-key" }),
    /Unknown option "aws_secret_access_key" for the S3 credentials: write "awsSecretAccessKey"/,
  );
  assert.equal(redact("snake-secret-key"), "***");
  assert.throws(() => readS3Credentials({ region: "x" }), /Unknown option "region"/);
  assert.throws(
    () => readS3Credentials({ profileName: "dev" }),
    /"profileName" is not supported by the S3 credentials: profiles of ~\/\.aws\/ are not read/,
  );
  assert.throws(() => readS3Credentials({ s3UrlStyle: "virtual" }), /one of "path", "vhost"/);
  assert.throws(() => readS3Credentials("AKIA:secret"), TypeError);
});

Deno.test("each field comes from its own variable under the section", () => {
  const credentials = resolveS3Credentials(
    undefined,
    configOf({
      DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: "AKIAENV",
      DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: "env-secret-key",
      DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SESSION_TOKEN: "env-session-token",
      DESTINATION__FILESYSTEM__CREDENTIALS__REGION_NAME: "ap-south-1",
      DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL: "https://minio.example.com",
      DESTINATION__FILESYSTEM__CREDENTIALS__S3_URL_STYLE: "vhost",
    }),
  );
  assert.deepEqual(credentials, {
    awsAccessKeyId: "AKIAENV",
    awsSecretAccessKey: "env-secret-key",
    awsSessionToken: "env-session-token",
    regionName: "ap-south-1",
    endpointUrl: "https://minio.example.com",
    s3UrlStyle: "vhost",
  });
  assert.equal(redact("env-secret-key env-session-token"), "*** ***");
});

Deno.test("a table in secrets.toml gives the fields; code wins over it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "secrets.toml"),
      [
        "[destination.filesystem.credentials]",
        'aws_access_key_id = "AKIATOML"',
        'aws_secret_access_key = "toml-secret-key"',
        'region_name = "eu-north-1"',
      ].join("\n"),
    );
    assert.deepEqual(resolveS3Credentials({ regionName: "us-west-2" }, configOf({}, [dir])), {
      awsAccessKeyId: "AKIATOML",
      awsSecretAccessKey: "toml-secret-key",
      regionName: "us-west-2",
    });
    assert.equal(redact("toml-secret-key"), "***");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AWS's own variables are the fallback, the keys and their token together", () => {
  const aws = {
    AWS_ACCESS_KEY_ID: "AKIAAWS",
    AWS_SECRET_ACCESS_KEY: "aws-secret-key",
    AWS_SESSION_TOKEN: "aws-session-token",
    AWS_DEFAULT_REGION: "sa-east-1",
    AWS_ENDPOINT_URL: "http://127.0.0.1:1",
    AWS_ENDPOINT_URL_S3: "http://127.0.0.1:2",
  };
  assert.deepEqual(
    resolveS3Credentials(
      undefined,
      configOf({
        ...aws,
        // half the keys configured: dlt then takes both from AWS's chain
        DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: "AKIAHALF",
        DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SESSION_TOKEN: "half-session-token",
      }),
    ),
    {
      awsAccessKeyId: "AKIAAWS",
      awsSecretAccessKey: "aws-secret-key",
      awsSessionToken: "aws-session-token",
      regionName: "sa-east-1",
      endpointUrl: "http://127.0.0.1:2",
    },
  );
  assert.equal(redact("aws-secret-key aws-session-token"), "*** ***");
  // keys configured the dlt way keep their own (absent) token; region and endpoint still fall back
  assert.deepEqual(
    resolveS3Credentials(
      { awsAccessKeyId: "AKIACODE", awsSecretAccessKey: "code-secret-key" },
      configOf({ ...aws, AWS_ENDPOINT_URL_S3: "" }),
    ),
    {
      awsAccessKeyId: "AKIACODE",
      awsSecretAccessKey: "code-secret-key",
      regionName: "sa-east-1",
      endpointUrl: "http://127.0.0.1:1",
    },
  );
  // without a section only code and AWS's variables count
  assert.deepEqual(
    resolveS3Credentials(undefined, {
      env: (name) => ({ ...aws, AWS_DEFAULT_REGION: "" } as Record<string, string>)[name],
      configDirs: [],
      pipelineName: "chess",
    }),
    {
      awsAccessKeyId: "AKIAAWS",
      awsSecretAccessKey: "aws-secret-key",
      awsSessionToken: "aws-session-token",
      endpointUrl: "http://127.0.0.1:2",
    },
  );
});

Deno.test("missing keys are a ConfigError listing every key and variable tried", () => {
  assert.throws(
    () =>
      resolveS3Credentials(
        undefined,
        configOf({ DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: "AKIAONLY" }, [
          "/nonexistent/.dlt",
        ]),
      ),
    (error) => {
      assert.ok(error instanceof MissingConfigError);
      assert.equal(
        error.message,
        [
          "Missing config value: aws_secret_access_key (secret)",
          "aws_secret_access_key (secret), looked up in this order:",
          "  CHESS__DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY",
          "  chess.destination.filesystem.credentials.aws_secret_access_key in /nonexistent/.dlt/secrets.toml",
          "  DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY",
          "  destination.filesystem.credentials.aws_secret_access_key in /nonexistent/.dlt/secrets.toml",
          "  AWS_SECRET_ACCESS_KEY",
        ].join("\n"),
      );
      return true;
    },
  );
  assert.throws(
    () =>
      resolveS3Credentials({ regionName: "eu-west-1" }, {
        env: () => undefined,
        pipelineName: "chess",
      }),
    (error) => {
      assert.ok(error instanceof MissingConfigError);
      assert.deepEqual(error.missing, ["aws_access_key_id", "aws_secret_access_key"]);
      assert.deepEqual(error.triedKeys, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
      return true;
    },
  );
});

Deno.test("bad values from config are ConfigErrors naming the field", () => {
  const keys = {
    DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: "AKIAENV",
    DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: "env-secret-key",
  };
  assert.throws(
    () =>
      resolveS3Credentials(
        undefined,
        configOf({ ...keys, DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL: "minio:9000" }),
      ),
    (error) =>
      error instanceof ConfigError &&
      /"endpointUrl" of the credentials in destination\.filesystem\.credentials must be an "http:\/\/" or "https:\/\/" URL/
        .test(error.message),
  );
  assert.throws(
    () =>
      resolveS3Credentials(
        undefined,
        configOf({ ...keys, DESTINATION__FILESYSTEM__CREDENTIALS__PROFILE_NAME: "dev" }),
      ),
    (error) =>
      error instanceof ConfigError &&
      error.message.startsWith(
        "destination.filesystem.credentials.profile_name: profiles of ~/.aws/ are not read",
      ),
  );
});
