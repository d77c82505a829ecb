/**
 * A real browser for the end-to-end tests of pages: Debian's Chromium driven by `puppeteer-core`
 * (which never downloads a browser), headless, with `--no-sandbox` (the tests may run as root).
 * The one module that imports puppeteer-core, and the one place that decides what happens
 * without Chromium: a test is ignored, visibly (its name says why), on a developer's machine, and
 * fails under `CI=true`, where `.ci/run` installs the `chromium` package.
 *
 * @module
 */
// deno-lint-ignore no-import-prefix
import puppeteer, { type Browser, type Page } from "npm:puppeteer-core@25.16.0";

export type { Browser, Page };

/** Where the browser is looked for: `$CHROMIUM_PATH` when set, else the usual paths (Debian's first). */
const CANDIDATES = Deno.env.get("CHROMIUM_PATH")
  ? [Deno.env.get("CHROMIUM_PATH")!]
  : ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** The browser's executable; `undefined` when none is installed. */
export const CHROMIUM: string | undefined = CANDIDATES.find(isFile);

/** Whether tests run in CI, where a missing browser is a failure. */
const IN_CI = Deno.env.get("CI") === "true";

/**
 * The name and `ignore` flag of a browser test: without Chromium it is ignored, with the reason
 * in its name, except under `CI=true`, where it runs and {@linkcode launchBrowser} fails.
 */
export function browserTest(name: string): { name: string; ignore: boolean } {
  if (CHROMIUM !== undefined || IN_CI) return { name, ignore: false };
  return {
    name: `${name} (ignored: no Chromium at ${
      CANDIDATES.join(", ")
    }; install Debian's "chromium" package or set CHROMIUM_PATH)`,
    ignore: true,
  };
}

/** A launched browser; `await using` closes it. */
export interface TestBrowser extends AsyncDisposable {
  /** The browser. */
  browser: Browser;
  /** A new page of it. */
  newPage(): Promise<Page>;
}

/** Launches headless Chromium; fails with what to install when there is none. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (CHROMIUM === undefined) {
    throw new Error(
      `No Chromium at ${
        CANDIDATES.join(", ")
      }: CI=true needs the browser (apt-get install chromium) or CHROMIUM_PATH`,
    );
  }
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check"],
  });
  return {
    browser,
    newPage: () => browser.newPage(),
    [Symbol.asyncDispose]: () => browser.close(),
  };
}
