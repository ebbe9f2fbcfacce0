/**
 * `MetadataService`: fetches, verifies and caches the FIDO MDS3 BLOB. The fetch function and the
 * cache are injectable (so it works offline and in tests); it honours nextUpdate, refuses a BLOB
 * whose `no` goes backwards, and falls back to the last good BLOB when a download fails.
 */
import { isFido2kitError } from '@fido2kit/cose';
import { MetadataError } from '../errors.js';
import { type LoadMetadataBlobOptions, loadMetadataBlob, type MetadataCatalog } from './catalog.js';
import type { MetadataEntry, MetadataSource } from './types.js';

/** Where the BLOB is kept between runs. */
export interface MetadataCache {
  /** The cached BLOB (a JWT), or undefined when nothing is cached yet. */
  get(): Promise<string | undefined>;
  /**
   * Keeps `jwt` for the next run.
   * @param jwt the BLOB as fetched, already verified
   */
  set(jwt: string): Promise<void>;
}

/** A cache in memory. */
export class MemoryMetadataCache implements MetadataCache {
  #jwt: string | undefined;
  constructor(initial?: string) {
    this.#jwt = initial;
  }
  async get(): Promise<string | undefined> {
    return this.#jwt;
  }
  async set(jwt: string): Promise<void> {
    this.#jwt = jwt;
  }
}

interface FsPromises {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

/**
 * A cache in a file (Node, Deno, Bun: reached through `process.getBuiltinModule`, so this portable
 * package names no `node:` import). Writes go to a temporary file renamed into place.
 */
export class FileMetadataCache implements MetadataCache {
  readonly path: string;
  readonly #fs: FsPromises | undefined;
  constructor(path: string, fs?: FsPromises) {
    this.path = path;
    this.#fs = fs;
  }
  #files(): FsPromises {
    if (this.#fs) return this.#fs;
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const fs = proc?.getBuiltinModule?.('node:fs/promises') as FsPromises | undefined;
    if (!fs)
      throw new MetadataError('ERR_METADATA_FETCH', 'no file system here; pass one to FileMetadataCache');
    return fs;
  }
  async get(): Promise<string | undefined> {
    try {
      return await this.#files().readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return undefined;
      throw e;
    }
  }
  async set(jwt: string): Promise<void> {
    const fs = this.#files();
    const tmp = `${this.path}.${Date.now().toString(36)}.tmp`;
    await fs.writeFile(tmp, jwt);
    await fs.rename(tmp, this.path);
  }
}

/** Options of {@link MetadataService}. */
export interface MetadataServiceOptions extends Omit<LoadMetadataBlobOptions, 'now'> {
  /** The BLOB's URL. Default `https://mds3.fidoalliance.org/`. */
  url?: string;
  /** Downloads the BLOB. Default: `globalThis.fetch` (text of a 2xx response). */
  fetch?: (url: string) => Promise<string>;
  /** Where the BLOB is kept. Default: in memory. */
  cache?: MetadataCache;
}

/**
 * Fetches, verifies and caches the MDS3 BLOB.
 * @example
 * ```ts
 * const mds = new MetadataService({ cache: new FileMetadataCache('./mds.jwt') });
 * const catalog = await mds.getCatalog({ now: new Date() });
 * await verifyAttestation({ attestationObject, clientDataHash, metadata: catalog });
 * ```
 */
export class MetadataService {
  readonly url: string;
  readonly #options: MetadataServiceOptions;
  readonly #cache: MetadataCache;
  #catalog: MetadataCatalog | undefined;

  constructor(options: MetadataServiceOptions = {}) {
    this.url = options.url ?? 'https://mds3.fidoalliance.org/';
    this.#options = options;
    this.#cache = options.cache ?? new MemoryMetadataCache();
  }

  async #download(): Promise<string> {
    const f =
      this.#options.fetch ??
      (async (url: string) => {
        const res = await globalThis.fetch(url);
        if (!res.ok) {
          throw new MetadataError(
            'ERR_METADATA_FETCH',
            `the metadata BLOB server answered HTTP ${res.status}`,
            {
              details: { status: res.status },
            },
          );
        }
        return res.text();
      });
    try {
      return await f(this.url);
    } catch (e) {
      throw new MetadataError(
        'ERR_METADATA_FETCH',
        `the metadata BLOB could not be downloaded: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  }

  async #load(jwt: string, now: Date): Promise<MetadataCatalog> {
    const { url: _u, fetch: _f, cache: _c, ...load } = this.#options;
    return loadMetadataBlob(jwt, { ...load, now });
  }

  /**
   * The current catalog: the one in hand while `now` is before its nextUpdate, else a fresh BLOB
   * (refused if its `no` is lower than the one in hand), else — offline — the last good one.
   * @throws {MetadataError} `ERR_METADATA_FETCH` (nothing cached and no download),
   *   `ERR_METADATA_ROLLBACK`, and the errors of `loadMetadataBlob`
   */
  async getCatalog(options: { now?: Date; forceRefresh?: boolean } = {}): Promise<MetadataCatalog> {
    const now = options.now ?? new Date();
    if (!this.#catalog) {
      const cached = await this.#cache.get();
      if (cached) {
        try {
          this.#catalog = await this.#load(cached, now);
        } catch {
          this.#catalog = undefined; // a corrupt or expired cache is replaced below
        }
      }
    }
    const current = this.#catalog;
    if (current && !options.forceRefresh && now.getTime() < current.nextUpdate.getTime()) return current;
    let jwt: string;
    try {
      jwt = await this.#download();
    } catch (e) {
      if (current) return current; // offline: keep the last good BLOB
      throw e;
    }
    const fresh = await this.#load(jwt, now).catch((e: unknown) => {
      if (current && isFido2kitError(e)) return undefined;
      throw e;
    });
    if (!fresh) return current as MetadataCatalog;
    if (current && fresh.no < current.no)
      throw new MetadataError(
        'ERR_METADATA_ROLLBACK',
        `the downloaded metadata BLOB no ${fresh.no} is older than the one in hand (${current.no})`,
      );
    if (!current || fresh.no > current.no) {
      this.#catalog = fresh;
      await this.#cache.set(jwt);
    }
    return this.#catalog as MetadataCatalog;
  }

  /** A {@link MetadataSource} view judged at `now` (for `verifyAttestation({ metadata })`). */
  source(now?: Date): MetadataSource {
    return {
      findByAaguid: async (a: string): Promise<MetadataEntry | undefined> =>
        (await this.getCatalog(now ? { now } : {})).findByAaguid(a),
      findByCertificateKeyIdentifier: async (h: string): Promise<MetadataEntry | undefined> =>
        (await this.getCatalog(now ? { now } : {})).findByCertificateKeyIdentifier(h),
    };
  }

  /** The entry for an AAGUID. */
  async findByAaguid(aaguid: string, options: { now?: Date } = {}): Promise<MetadataEntry | undefined> {
    return (await this.getCatalog(options)).findByAaguid(aaguid);
  }

  /** The entry for a U2F attestation certificate key identifier. */
  async findByCertificateKeyIdentifier(
    hex: string,
    options: { now?: Date } = {},
  ): Promise<MetadataEntry | undefined> {
    return (await this.getCatalog(options)).findByCertificateKeyIdentifier(hex);
  }
}
