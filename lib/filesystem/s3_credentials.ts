/**
 * The credentials of S3 and S3-compatible stores, in the fields of dlt's `AwsCredentials`:
 *
 * - in code (camelCase): `{ awsAccessKeyId, awsSecretAccessKey, awsSessionToken, regionName,
 *   endpointUrl, s3UrlStyle }`;
 * - from config, under a section the caller names (the `filesystem` destination's is
 *   `destination.filesystem.credentials`, the `filesystem` source's
 *   `sources.filesystem.credentials`), in dlt's snake_case: `[destination.filesystem.credentials]`
 *   in `.dlt/secrets.toml` with `aws_access_key_id = "…"`, or each field as an environment
 *   variable, `DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID`;
 * - as dlt falls back to botocore's default chain when the keys are not configured: AWS's own
 *   environment variables `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
 *   (taken together), and `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_S3` and `AWS_ENDPOINT_URL` for
 *   a region or endpoint configured nowhere else. Profiles and `~/.aws/` files are not read.
 *
 * Fields given in code win over config; the secret key and the session token are registered as
 * secrets, so they never show in a message.
 *
 * @module
 */
import {
  config,
  MissingConfigError,
  type MissingConfigValue,
  type ResolveConfigOptions,
  resolveConfigSpec,
  secret,
} from "../config.ts";
import { ConfigError } from "../errors.ts";
import { checkOptions, invalidValue, oneOf, type OptionSpec, text } from "../options.ts";
import { registerSecret } from "../redact.ts";

// what the options extend, public with them
export type { ResolveConfigOptions };

/** How a bucket is addressed: `https://host/bucket/key` or `https://bucket.host/key`. */
export type S3UrlStyle = "path" | "vhost";

/** Credentials and location of an S3 (or S3-compatible) store: dlt's `AwsCredentials`. */
export interface S3Credentials {
  /** The access key id. */
  awsAccessKeyId: string;
  /** The secret access key (a secret). */
  awsSecretAccessKey: string;
  /** The session token of temporary credentials (a secret). */
  awsSessionToken?: string;
  /** The region of the bucket. @default {"us-east-1"} */
  regionName?: string;
  /** The endpoint of an S3-compatible store (`http://127.0.0.1:9000`); AWS's own when absent. */
  endpointUrl?: string;
  /**
   * How buckets are addressed. @default {"path" with an `endpointUrl`, else "vhost" (AWS), but
   * "path" for a bucket name with a dot}
   */
  s3UrlStyle?: S3UrlStyle;
}

/** Options of {@linkcode resolveS3Credentials}. */
export interface ResolveS3CredentialsOptions extends ResolveConfigOptions {
  /**
   * The config section of the credentials, e.g. `destination.filesystem.credentials`; without
   * one, only the credentials given and AWS's environment variables are used.
   */
  configSection?: string;
}

/** An `http://` or `https://` URL. */
function endpoint(value: unknown): string {
  if (typeof value === "string" && /^https?:\/\/[^/?#]+/i.test(value) && URL.canParse(value)) {
    return value;
  }
  return invalidValue('an "http://" or "https://" URL', typeof value === "string");
}

/** How the fields of credentials are checked. */
const FIELDS: OptionSpec<S3Credentials> = {
  awsAccessKeyId: text(),
  awsSecretAccessKey: text(),
  awsSessionToken: text(),
  regionName: text(),
  endpointUrl: endpoint,
  s3UrlStyle: oneOf(["path", "vhost"]),
};

/** Fields of dlt's `AwsCredentials` that are not supported, with what to do instead. */
const DLT_ONLY_FIELDS = {
  profileName: "profiles of ~/.aws/ are not read: give awsAccessKeyId and awsSecretAccessKey " +
    "(or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
};

/**
 * The fields of `given` (credentials from code, camelCase), checked; the secret key and session
 * token are registered as secrets first. An unknown field, or one in snake_case, is a
 * `RangeError` naming it; a bad value, a `TypeError` or `RangeError` naming the field. `where`
 * names the source in messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readS3Credentials } from "./s3_credentials.ts";
 * assert.deepEqual(readS3Credentials({ regionName: "eu-west-1" }), { regionName: "eu-west-1" });
 * assert.throws(
 *   () => readS3Credentials({ aws_access_key_id: "AKIAEXAMPLE" }),
 *   /write "awsAccessKeyId"/,
 * );
 * ```
 */
export function readS3Credentials(
  given: unknown,
  where = "the S3 credentials",
): Partial<S3Credentials> {
  if (typeof given === "object" && given !== null) {
    const fields = given as Record<string, unknown>;
    for (const name of SECRET_FIELDS) registerSecret(fields[name] ?? fields[SNAKE[name]]);
  }
  return checkOptions(given, FIELDS, where, {
    snakeCase: "refuse",
    unsupported: DLT_ONLY_FIELDS,
  });
}

const SECRET_FIELDS = ["awsSecretAccessKey", "awsSessionToken"] as const;

/** The config key of each field: dlt's name of it. */
const SNAKE: Record<keyof S3Credentials | "profileName", string> = {
  awsAccessKeyId: "aws_access_key_id",
  awsSecretAccessKey: "aws_secret_access_key",
  awsSessionToken: "aws_session_token",
  regionName: "region_name",
  endpointUrl: "endpoint_url",
  s3UrlStyle: "s3_url_style",
  profileName: "profile_name",
};

/** AWS's own environment variables, as botocore reads them. */
const AWS_ENV = {
  awsAccessKeyId: "AWS_ACCESS_KEY_ID",
  awsSecretAccessKey: "AWS_SECRET_ACCESS_KEY",
  awsSessionToken: "AWS_SESSION_TOKEN",
  regionName: ["AWS_DEFAULT_REGION"],
  endpointUrl: ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"],
};

/**
 * The credentials to sign requests with: the fields of `given` (from code), then each field from
 * config under `options.configSection` (`<section>.aws_access_key_id`, … in dlt's snake_case),
 * then AWS's environment variables (see the module doc). Missing keys are a
 * `MissingConfigError` (a `ConfigError`) listing every key and variable tried; a malformed value
 * a `ConfigError` naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveS3Credentials } from "./s3_credentials.ts";
 * const env = new Map([
 *   ["DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"],
 *   ["DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY", "example-secret-key"],
 * ]);
 * const credentials = resolveS3Credentials({ regionName: "eu-central-1" }, {
 *   configSection: "destination.filesystem.credentials",
 *   env: (name) => env.get(name),
 *   configDirs: [],
 * });
 * assert.deepEqual(credentials, {
 *   awsAccessKeyId: "AKIAEXAMPLE",
 *   awsSecretAccessKey: "example-secret-key",
 *   regionName: "eu-central-1",
 * });
 * ```
 */
export function resolveS3Credentials(
  given: Partial<S3Credentials> | undefined,
  options: ResolveS3CredentialsOptions = {},
): S3Credentials {
  const { configSection, ...lookup } = options;
  const env = lookup.env ?? ((name: string) => Deno.env.get(name));
  const where = configSection ?? "the S3 credentials";
  const known: Record<string, unknown> = given === undefined ? {} : readS3Credentials(given);
  const fields: Record<string, unknown> = { ...known };
  if (configSection !== undefined) {
    const key = (field: keyof typeof SNAKE) => `${configSection}.${SNAKE[field]}`;
    const optional = { default: undefined };
    Object.assign(
      fields,
      resolveConfigSpec({
        awsSessionToken: secret<string | undefined>(key("awsSessionToken"), optional),
        regionName: config<string | undefined>(key("regionName"), optional),
        endpointUrl: config<string | undefined>(key("endpointUrl"), optional),
        s3UrlStyle: config<string | undefined>(key("s3UrlStyle"), optional),
        profileName: config<string | undefined>(key("profileName"), optional),
      }, { ...lookup, explicit: known }),
    );
    if (fields.profileName !== undefined) {
      throw new ConfigError(`${key("profileName")}: ${DLT_ONLY_FIELDS.profileName}`);
    }
    delete fields.profileName;
  }
  const keys = resolveKeys(known, configSection, lookup);
  if ("missing" in keys) {
    // dlt falls back to botocore's chain, which takes the keys and their token together
    const id = nonEmpty(env(AWS_ENV.awsAccessKeyId));
    const secretKey = nonEmpty(env(AWS_ENV.awsSecretAccessKey));
    if (id === undefined || secretKey === undefined) throw keys.missing;
    const token = nonEmpty(env(AWS_ENV.awsSessionToken));
    registerSecret(secretKey);
    registerSecret(token);
    Object.assign(fields, {
      awsAccessKeyId: id,
      awsSecretAccessKey: secretKey,
      awsSessionToken: token,
    });
  } else {
    Object.assign(fields, keys);
  }
  for (const field of ["regionName", "endpointUrl"] as const) {
    fields[field] ??= AWS_ENV[field].map((name) => nonEmpty(env(name))).find((v) => v);
  }
  const defined = Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  );
  try {
    return checkOptions(defined, FIELDS, `the credentials in ${where}`) as S3Credentials;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/** `value`, or `undefined` when it is empty. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === "" ? undefined : value;
}

/**
 * The access key id and secret key from `known` or config under `section`; when either is found
 * nowhere, the error listing, for each missing one, every key and variable tried (AWS's last).
 */
function resolveKeys(
  known: Record<string, unknown>,
  section: string | undefined,
  options: ResolveConfigOptions,
): { awsAccessKeyId: string; awsSecretAccessKey: string } | { missing: MissingConfigError } {
  let missing: readonly string[];
  let tried: Readonly<Record<string, readonly string[]>> = {};
  if (section === undefined) {
    missing = KEY_FIELDS.filter((field) => known[field] === undefined);
    if (missing.length === 0) {
      return known as { awsAccessKeyId: string; awsSecretAccessKey: string };
    }
  } else {
    try {
      return resolveConfigSpec({
        awsAccessKeyId: config(`${section}.${SNAKE.awsAccessKeyId}`),
        awsSecretAccessKey: secret(`${section}.${SNAKE.awsSecretAccessKey}`),
      }, { ...options, explicit: known });
    } catch (error) {
      if (!(error instanceof MissingConfigError)) throw error;
      ({ missing, tried } = error);
    }
  }
  const values = missing.map((field): MissingConfigValue => {
    const name = field as typeof KEY_FIELDS[number];
    return {
      name: SNAKE[name],
      isSecret: name === "awsSecretAccessKey",
      tried: [...(tried[name] ?? []), AWS_ENV[name]],
    };
  });
  return { missing: new MissingConfigError(values) };
}

const KEY_FIELDS = ["awsAccessKeyId", "awsSecretAccessKey"] as const;
