import { resolve, sep } from 'node:path';

/**
 * The local directory that stands in for S3: `s3://bucket/key` is
 * `<root>/bucket/key`. Export runs and Unity Catalog table data are written
 * through it, so a Snowflake stand-in (or any reader) pointed at the same
 * directory sees the same files. The Snowflake emulator keeps its own copy of
 * this contract: the two emulators share a directory, not code.
 */
export class ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The local path of an `s3://bucket/key` URL; refuses URLs that would escape the root. */
  pathOf(url: string): string {
    const match = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!match) throw new Error(`not an s3:// URL: ${url}`);
    const [, bucket = '', key = ''] = match;
    const path = resolve(this.root, bucket, key);
    if (path !== this.root && !path.startsWith(this.root + sep))
      throw new Error(`URL escapes the object store: ${url}`);
    return path;
  }
}
