/** The repository's files, as the test tooling looks them up. */
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's folder. */
export const REPO = fileURLToPath(new URL("../", import.meta.url));

/**
 * The files of the repository whose name `keep` takes, by path relative to it, sorted; folders
 * named `node_modules` or starting with a dot are not looked into.
 */
export function repoFiles(keep: (name: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) {
        if (!entry.name.startsWith(".") && entry.name !== "node_modules") walk(path);
      } else if (entry.isFile && keep(entry.name)) {
        found.push(relative(REPO, path));
      }
    }
  };
  walk(REPO);
  return found.sort();
}
