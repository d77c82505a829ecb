/**
 * The code examples of doc comments, found as `deno test --doc` and `deno check --doc` find them:
 * a fenced block inside a `/** … *\/` comment whose language is TypeScript or JavaScript (`ts`,
 * `typescript`, `tsx`, `js`, `javascript`, `jsx`, `mts`, `mjs`), unless the fence says `ignore`.
 * `tests/doc_examples_test.ts` runs them.
 */

/** One example: where it stands in its file, and its code without the comment's `*` margin. */
export interface DocExample {
  /** Line of the opening fence, counted from 1. */
  startLine: number;
  /** Line of the closing fence. */
  endLine: number;
  /** The extension of the language: `ts`, `tsx`, `js`, … */
  extension: string;
  /** The code, one string per line. */
  lines: string[];
}

/** The extension each language a fence may name runs as; other languages are not examples. */
const EXTENSIONS: Record<string, string> = {
  ts: "ts",
  typescript: "ts",
  mts: "mts",
  tsx: "tsx",
  js: "js",
  javascript: "js",
  mjs: "mjs",
  jsx: "jsx",
};

/** A line of a doc comment: its margin (`  * `) and what follows it. */
const COMMENT_LINE = /^\s*\*(?: |$)(.*)$/;
const FENCE = /^\s*```(.*)$/;

/** The examples in the doc comments of `text`, a module's source, in file order. */
export function docExamples(text: string): DocExample[] {
  const examples: DocExample[] = [];
  const lines = text.split("\n");
  let inComment = false;
  let open: { startLine: number; extension: string | undefined; lines: string[] } | undefined;
  for (const [index, line] of lines.entries()) {
    if (!inComment) {
      // a block comment opens on this line and does not close on it
      inComment = /^\s*\/\*\*/.test(line) && !line.includes("*/");
      continue;
    }
    if (line.includes("*/")) {
      inComment = false;
      open = undefined;
      continue;
    }
    const content = COMMENT_LINE.exec(line)?.[1] ?? line;
    const fence = FENCE.exec(content);
    if (open === undefined) {
      if (fence === null) continue;
      const [language = "", ...attributes] = fence[1].trim().split(/\s+/);
      const extension = attributes.includes("ignore") ? undefined : EXTENSIONS[language];
      open = { startLine: index + 1, extension, lines: [] };
    } else if (fence !== null && fence[1].trim() === "") {
      if (open.extension !== undefined) {
        examples.push({
          startLine: open.startLine,
          endLine: index + 1,
          extension: open.extension,
          lines: open.lines,
        });
      }
      open = undefined;
    } else {
      open.lines.push(content);
    }
  }
  return examples;
}

/** Import specifiers: `from "…"`, `import "…"`, `import("…")`. */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(?\s*)(["'])([^"'\n]+)\2/g;

/**
 * The module that runs `example` of the file at `fileUrl`: its imports made absolute (a relative
 * one against the file, a bare one through `resolveBare`, as the import map of the file's
 * `deno.json` resolves it), with blank lines before it so that its line numbers are the file's.
 */
export function exampleModule(
  example: DocExample,
  fileUrl: string,
  resolveBare: (specifier: string) => string,
): string {
  const code = example.lines.join("\n").replace(
    SPECIFIER,
    (_match, keyword: string, quote: string, specifier: string) => {
      let resolved = specifier;
      if (specifier.startsWith("./") || specifier.startsWith("../")) {
        resolved = new URL(specifier, fileUrl).href;
      } else if (!/^[a-z][a-z0-9+.-]*:/i.test(specifier)) {
        resolved = resolveBare(specifier);
      }
      return `${keyword}${quote}${resolved}${quote}`;
    },
  );
  return "\n".repeat(example.startLine) + code + "\n";
}
