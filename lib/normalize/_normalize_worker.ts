/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * A normalize worker: normalizes the extracted files the main thread sends, one at a time,
 * and returns its evolved schema and jobs when told to finish.
 *
 * It opens the working folder as a {@linkcode DenoStorage} of the `root` it is started with: the
 * one line a browser build changes (its worker opens the same OPFS folder by that name; OPFS is
 * reachable from dedicated workers, with synchronous access handles there).
 *
 * @module
 */
import { type ExtractedFile, FilesNormalizer } from "./_normalize_files.ts";
import { namingConvention } from "./naming.ts";
import type { NormalizeWorkerReply, NormalizeWorkerRequest } from "./_normalize_pool.ts";
import { DataValidationError, NormalizeError } from "../errors.ts";
import { DenoStorage } from "../storage/deno_storage.ts";
import { loadJobFileFormats } from "./job_file_format.ts";
import { collectGarbage } from "../_heap.ts";

let normalizer: FilesNormalizer | undefined;

function reply(message: NormalizeWorkerReply): void {
  self.postMessage(message);
}

async function handle(request: NormalizeWorkerRequest): Promise<void> {
  switch (request.type) {
    case "start": {
      const { root, naming, maxLength, progress, jobs, ...options } = request.options;
      await loadJobFileFormats([options.format, ...Object.values(options.tableFormats)]);
      normalizer = new FilesNormalizer({
        ...options,
        storage: new DenoStorage(root),
        naming: namingConvention(naming, maxLength),
        onRows: progress ? (rowCounts) => reply({ type: "progress", rowCounts }) : undefined,
        onJobClosed: jobs
          ? (job, table, root) => reply({ type: "job", job, table, root })
          : undefined,
      });
      return reply({ type: "ok" });
    }
    case "file":
      await normalizer!.normalize(
        request.file as ExtractedFile,
        request.opened ? () => reply({ type: "opened" }) : undefined,
      );
      return reply({ type: "ok" });
    case "finish": {
      const result = await normalizer!.finish();
      normalizer = undefined;
      // a terminated worker's heap pages stay with the process unless it shrank first
      collectGarbage();
      return reply({ type: "result", result });
    }
  }
}

self.onmessage = (event: MessageEvent<NormalizeWorkerRequest>) => {
  handle(event.data).catch((error: unknown) => {
    reply({
      type: "error",
      message: error instanceof Error ? error.message : String(error),
      normalizeError: error instanceof NormalizeError
        ? { tableName: error.tableName, columnName: error.columnName, reason: error.reason }
        : undefined,
      validationError: error instanceof DataValidationError
        ? {
          schemaName: error.schemaName,
          tableName: error.tableName,
          columnName: error.columnName,
          schemaEntity: error.schemaEntity,
          contractMode: error.contractMode,
          value: error.value,
          reason: error.reason,
        }
        : undefined,
    });
  });
};
