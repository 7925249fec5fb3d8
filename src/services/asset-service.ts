import type pg from 'pg';
import type { AssetWrite } from '../cache/protocol';
import { assetsRepository, type AssetRow, type AssetValues, type Versions } from '../db/repositories/assets';
import { withTransaction, type Queryable } from '../db/pool';
import { AppError, validationError, type FieldError } from '../errors';
import type { CreateAssetInput, ListAssetsQuery, UpdateAssetInput } from '../domain/asset-input';
import { toAssetWrite } from './asset-write';

export interface AssetServiceOptions {
  pool: pg.Pool;
  /** Called with each committed write before the response goes out (read-your-writes): the cache applies it. */
  onWrite?: (write: AssetWrite) => Promise<void>;
}

const DEFAULT_PAGE = 50;

/** The FK that guards asset → client and asset → contact-of-that-client, for writes that race a delete. */
function ownershipViolation(err: unknown): FieldError | undefined {
  const e = err as { code?: string; constraint?: string };
  if (e.code !== '23503') return undefined;
  if (e.constraint === 'assets_client_id_fkey') return { field: 'client_id', message: 'no client with this id' };
  if (e.constraint === 'assets_contact_of_client_fkey') {
    return { field: 'contact_id', message: 'no contact with this id belongs to the given client' };
  }
  return undefined;
}

const stale = (currentVersion: string) => new AppError('PRECONDITION_FAILED', undefined, { currentVersion });

/** A conditional write that touched no row: the asset is gone (404) or has moved past the version sent (412). */
async function missingOrStale(db: Queryable, id: number): Promise<never> {
  const version = await assetsRepository.versionOf(db, id);
  throw version === undefined ? new AppError('ASSET_NOT_FOUND') : stale(version);
}

/** Asset CRUD rules: ownership checks, retire semantics, and the write notification. */
export class AssetService {
  constructor(private readonly options: AssetServiceOptions) {}

  private async checkOwnership(db: Queryable, clientId: number, contactId: number | null): Promise<void> {
    const { clientExists, contactClientId } = await assetsRepository.ownership(db, clientId, contactId);
    const problems: FieldError[] = [];
    if (!clientExists) problems.push({ field: 'client_id', message: 'no client with this id' });
    if (contactId !== null && contactClientId === null) {
      problems.push({ field: 'contact_id', message: 'no contact with this id' });
    } else if (contactId !== null && clientExists && contactClientId !== clientId) {
      problems.push({ field: 'contact_id', message: 'this contact belongs to another client' });
    }
    if (problems.length > 0) throw validationError(problems);
  }

  /**
   * Runs a write and reports it (`report` names what was written). Single-statement writes run on the pool
   * as they are (one round trip); those that read before they write get a transaction.
   */
  private async write<T>(work: (db: Queryable) => Promise<T>, report: (result: T) => AssetWrite, transaction = true): Promise<T> {
    let result: T;
    try {
      result = transaction ? await withTransaction(this.options.pool, work) : await work(this.options.pool);
    } catch (err) {
      const violation = ownershipViolation(err);
      throw violation ? validationError([violation]) : err;
    }
    await this.options.onWrite?.(report(result));
    return result;
  }

  async create(input: CreateAssetInput): Promise<AssetRow> {
    return this.write(async (db) => {
      await this.checkOwnership(db, input.client_id, input.contact_id ?? null);
      return assetsRepository.insert(db, input as AssetValues);
    }, toAssetWrite);
  }

  async get(id: number): Promise<AssetRow> {
    const asset = await assetsRepository.findById(this.options.pool, id);
    if (!asset) throw new AppError('ASSET_NOT_FOUND');
    return asset;
  }

  async list(query: ListAssetsQuery): Promise<{ assets: AssetRow[]; next_cursor: string | null }> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const rows = await assetsRepository.list(this.options.pool, {
      contactId: query.contact_id,
      clientId: query.client_id,
      status: query.status,
      afterId: query.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { assets: page, next_cursor: rows.length > limit ? String(page[page.length - 1]!.id) : null };
  }

  /** `versions`: what If-Match accepts (null: unconditional); a stale one is a 412 and nothing is written. */
  async update(id: number, input: UpdateAssetInput, versions: Versions = null): Promise<AssetRow> {
    if (input.client_id === undefined && input.contact_id === undefined) {
      // Ownership is not changing: one UPDATE … RETURNING, with no row read first.
      const updateOnly = async (db: Queryable) => (await assetsRepository.update(db, id, input as AssetValues, versions)) ?? missingOrStale(db, id);
      return this.write(updateOnly, toAssetWrite, false);
    }
    return this.write(async (db) => {
      const current = await assetsRepository.findById(db, id, true);
      if (!current) throw new AppError('ASSET_NOT_FOUND');
      if (versions && !versions.includes(current.version)) throw stale(current.version);
      const contactId = input.contact_id === undefined ? current.contact_id : input.contact_id;
      await this.checkOwnership(db, input.client_id ?? current.client_id, contactId);
      return (await assetsRepository.update(db, id, input as AssetValues, null))!;
    }, toAssetWrite);
  }

  async retire(id: number, versions: Versions = null): Promise<AssetRow> {
    return this.write(async (db) => (await assetsRepository.retire(db, id, versions)) ?? missingOrStale(db, id), toAssetWrite, false);
  }

  async deletePermanently(id: number, versions: Versions = null): Promise<void> {
    await this.write(
      async (db) => (await assetsRepository.delete(db, id, versions)) ?? missingOrStale(db, id),
      (row) => ({ kind: 'delete', id: row.id }),
      false,
    );
  }
}
