import { resolve, sep } from 'node:path';

/**
 * The local directory that stands in for S3. Both emulators map
 * `s3://bucket/key` onto `<root>/bucket/key`, so the Parquet files a
 * Databricks export writes are the files a Snowflake stage lists.
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

  /** The `s3://` URL of a local path inside the store. */
  urlOf(path: string): string {
    const absolute = resolve(path);
    if (!absolute.startsWith(this.root + sep)) throw new Error(`path is outside the object store: ${path}`);
    return `s3://${absolute
      .slice(this.root.length + 1)
      .split(sep)
      .join('/')}`;
  }
}
