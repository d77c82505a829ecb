/**
 * The read-only page of one pipeline that `dlt pipeline <name> show` serves, as dlt's dashboard:
 * its overview, tables (a tree of parent and nested tables with row counts), columns, a paged
 * preview of each table's rows, loads, state and last trace. Plain HTML, CSS and JavaScript
 * served by the command itself (no build step, nothing fetched from the network), on
 * 127.0.0.1 only; the page reads JSON endpoints that only read.
 *
 * @module
 */
import { DltError } from "../../errors.ts";
import { abortSignal, checkOptions, func, integer, type OptionSpec } from "../../options.ts";
import type { Pipeline } from "../../pipeline.ts";
import {
  DEFAULT_PAGE_ROWS,
  MAX_PAGE_ROWS,
  messageOf,
  PageData,
  PageRequestError,
} from "./_data.ts";
import { PAGE_CSS } from "./_page_css.ts";
import { PAGE_HTML } from "./_page_html.ts";
import { PAGE_JS } from "./_page_js.ts";

/** The port the page is served on when none is given: dlt's dashboard's. */
export const DEFAULT_SHOW_PORT = 2718;

/** The only address the page is served on: it shows the pipeline's data to whoever connects. */
const HOSTNAME = "127.0.0.1";

/** Options of {@linkcode servePipelinePage}. */
export interface ServePipelinePageOptions {
  /**
   * The port on 127.0.0.1 (`--port`); `0` picks a free one.
   * @default {2718}
   */
  port?: number;
  /**
   * Stops the server when aborted (as {@linkcode PipelinePageServer.shutdown} does).
   * @default {none}
   */
  signal?: AbortSignal;
  /**
   * Called with the page's address once the server listens; nothing is printed otherwise.
   * @default {none}
   */
  onListen?: (info: { url: string }) => void;
}

/** A running pipeline page. */
export interface PipelinePageServer {
  /** The page's address, `http://127.0.0.1:<port>/`. */
  url: string;
  /** Settles when the server has stopped and closed its destination client. */
  finished: Promise<void>;
  /** Stops the server (requests under way finish first) and closes its destination client. */
  shutdown(): Promise<void>;
}

const OPTIONS: OptionSpec<ServePipelinePageOptions> = {
  port: integer({ min: 0, max: 65535 }),
  signal: abortSignal(),
  onListen: func(),
};

/** Headers of every response: no caching, no sniffing, nothing loaded from elsewhere. */
const COMMON_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const STATIC: Record<string, { body: string; type: string }> = {
  "/": { body: PAGE_HTML, type: "text/html; charset=utf-8" },
  "/page.css": { body: PAGE_CSS, type: "text/css; charset=utf-8" },
  "/page.js": { body: PAGE_JS, type: "text/javascript; charset=utf-8" },
};

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...COMMON_HEADERS, "content-type": "application/json; charset=utf-8" },
  });
}

/** A whole number of `name` in `params` from `min` to `max`; `fallback` when absent. */
function pageParam(
  params: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const given = params.get(name);
  if (given === null || given === "") return fallback;
  const n = Number(given);
  if (!/^\d+$/.test(given) || n < min || n > max) {
    throw new PageRequestError(
      400,
      `Query parameter "${name}" must be a whole number from ${min} to ${max}; got "${given}"`,
    );
  }
  return n;
}

/** The handler of every request: the static page and the JSON endpoints, GET and HEAD only. */
function handler(data: PageData, port: () => number) {
  return async (request: Request): Promise<Response> => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      const response = json(405, {
        error: `The pipeline page only reads; ${request.method} is not allowed`,
      });
      response.headers.set("allow", "GET, HEAD");
      return response;
    }
    // a page of another site that resolves its own name to 127.0.0.1 must not read the data
    const host = request.headers.get("host");
    if (host !== `${HOSTNAME}:${port()}` && host !== `localhost:${port()}`) {
      return json(421, { error: `Unexpected host "${host}"; open http://${HOSTNAME}:${port()}/` });
    }
    const url = new URL(request.url);
    const page = STATIC[url.pathname];
    if (page !== undefined) {
      return new Response(page.body, {
        headers: { ...COMMON_HEADERS, "content-type": page.type },
      });
    }
    try {
      return json(200, await answer(data, url));
    } catch (error) {
      const status = error instanceof PageRequestError ? error.status : 500;
      return json(status, { error: messageOf(error) });
    }
  };
}

/** The JSON that the endpoint of `url` returns. */
function answer(data: PageData, url: URL): Promise<unknown> {
  const path = url.pathname;
  switch (path) {
    case "/api/overview":
      return data.overview();
    case "/api/tables":
      return data.tables();
    case "/api/loads":
      return data.loads();
    case "/api/state":
      return data.state();
    case "/api/trace":
      return data.trace();
  }
  const table = /^\/api\/tables\/([^/]+)(\/rows)?$/.exec(path);
  if (table !== null) {
    let name: string;
    try {
      name = decodeURIComponent(table[1]);
    } catch {
      throw new PageRequestError(400, `Bad table name in "${path}"`);
    }
    if (table[2] === undefined) return data.table(name);
    const offset = pageParam(url.searchParams, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = pageParam(url.searchParams, "limit", DEFAULT_PAGE_ROWS, 1, MAX_PAGE_ROWS);
    return data.rows(name, offset, limit);
  }
  throw new PageRequestError(404, `No page "${path}"; the page is at /`);
}

/**
 * Serves the read-only page of `pipeline` on 127.0.0.1, as `dlt pipeline <name> show` does.
 * The page reads the working folder afresh on each request; the destination is opened on the
 * first request that needs it and closed when idle and at shutdown. A port in use is a
 * {@linkcode DltError} that names it and says to pass `--port`.
 *
 * @example
 * ```ts ignore
 * const server = servePipelinePage(attach({ pipelineName: "chess" }), { port: 0 });
 * console.log(`Open ${server.url}`);
 * await server.finished;
 * ```
 */
export function servePipelinePage(
  pipeline: Pipeline,
  options: ServePipelinePageOptions = {},
): PipelinePageServer {
  const { port = DEFAULT_SHOW_PORT, signal, onListen } = checkOptions(
    options,
    OPTIONS,
    "servePipelinePage()",
    { snakeCase: "refuse" },
  );
  const data = new PageData(pipeline);
  let listening = 0;
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname: HOSTNAME, port, signal, onListen() {} },
      handler(data, () => listening),
    );
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new DltError(
        `Port ${port} on ${HOSTNAME} is in use (another "show" may be running); pass --port with another port, or --port 0 for any free one`,
        { cause: error },
      );
    }
    throw error;
  }
  listening = server.addr.port;
  const url = `http://${HOSTNAME}:${listening}/`;
  const finished = server.finished.then(() => data.close());
  onListen?.({ url });
  return {
    url,
    finished,
    async shutdown() {
      await server.shutdown();
      await finished;
    },
  };
}
