/**
 * Loads version <version> of the lake of `filesystem_destination_test.ts` into the filesystem
 * destination and kills its own process (SIGKILL) as the bucket operation number <step> (a file
 * written or deleted, counted from 1) starts, as a crash in the middle of a load would. Prints
 * `loaded` if the load gets past it. Arguments: <bucket> <pipelinesDir> <version> <step>.
 */
import { LocalFileSystem } from "../../lib/filesystem/local.ts";
import type { FileContent } from "../../lib/filesystem/file_system.ts";
import { lake, lakePipeline } from "../_lake.ts";

const [bucket, pipelinesDir, version, step] = Deno.args;
let operations = 0;
const count = () => {
  if (++operations === Number(step)) Deno.kill(Deno.pid, "SIGKILL");
};
const { write, delete: remove } = LocalFileSystem.prototype;
LocalFileSystem.prototype.write = function (url: string, content: FileContent) {
  count();
  return write.call(this, url, content);
};
LocalFileSystem.prototype.delete = function (url: string) {
  count();
  return remove.call(this, url);
};
await lakePipeline(bucket, pipelinesDir).run(lake(Number(version)));
console.log("loaded");
