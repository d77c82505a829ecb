/**
 * A dataset's folder in a bucket (`<bucketUrl>/<dataset>/`), addressed by paths relative to it
 * (`events/1717171717.123456.1.jsonl.gz`, `_dlt_loads/…`), over any {@linkcode FileSystem}.
 *
 * @module
 */
import {
  type FileContent,
  FileNotFound,
  type FileSystem,
  joinUrl,
  readText,
} from "../../lib/filesystem/file_system.ts";

/** A file of a dataset's folder. */
export interface DatasetFile {
  /** Its path relative to the dataset's folder, `/`-separated. */
  path: string;
  /** Its absolute URL. */
  url: string;
  /** Its size in bytes. */
  size: number;
}

/** The folder `<bucketUrl>/<datasetName>/` of a bucket, by relative paths. */
export class DatasetFolder {
  /** The file system of the bucket. */
  readonly fs: FileSystem;
  /** The folder's URL, without a final `/`. */
  readonly url: string;

  /** The folder of `datasetName` in the bucket at `bucketUrl`, served by `fs`. */
  constructor(fs: FileSystem, bucketUrl: string, datasetName: string) {
    this.fs = fs;
    this.url = joinUrl(bucketUrl, datasetName);
  }

  /** The URL of `path`. */
  urlOf(path: string): string {
    return joinUrl(this.url, path);
  }

  /**
   * Every file under `folder` (a relative path; `""` for the whole dataset), recursively, in no
   * particular order.
   */
  async *list(folder: string): AsyncIterable<DatasetFile> {
    const prefix = `${this.url}/`;
    const under = folder === "" ? prefix : `${joinUrl(this.url, folder)}/`;
    for await (const info of this.fs.list(under)) {
      if (!info.url.startsWith(prefix)) continue;
      yield { path: info.url.slice(prefix.length), url: info.url, size: info.size };
    }
  }

  /** Whether file `path` exists. */
  async exists(path: string): Promise<boolean> {
    try {
      await this.fs.stat(this.urlOf(path));
      return true;
    } catch (error) {
      if (error instanceof FileNotFound) return false;
      throw error;
    }
  }

  /** The text of file `path` (UTF-8). */
  readText(path: string): Promise<string> {
    return readText(this.fs, this.urlOf(path));
  }

  /** Writes file `path` whole (or not at all). */
  async write(path: string, content: FileContent): Promise<void> {
    await this.fs.write(this.urlOf(path), content);
  }

  /** Deletes file `path` (one that does not exist is no error). */
  delete(path: string): Promise<void> {
    return this.fs.delete(this.urlOf(path));
  }
}
