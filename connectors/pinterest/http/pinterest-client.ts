/**
 * Pinterest API v5 as core's AudienceDestination: one method per endpoint, nothing else. Batching, diffing, pacing
 * policy and acknowledgement belong to core; authentication, retries and error mapping to pinterest-transport.ts.
 */
import type {
  AudienceDestination,
  AudienceInfo,
  CounterCheck,
  CustomerListInfo,
  DestinationStats,
  ListOperation,
} from '../../../core/destination.js';
import type { IdentifierFamily } from '../../../core/identifier-types.js';
import { counterDisagreement, isAudienceTooSmall, listTypeFor, type PinterestListType } from '../pinterest-audience-rules.js';
import { PINTEREST_LIST_PAGE_SIZE } from '../pinterest-config.js';
import { PINTEREST_ERROR_CODES as CODES, PinterestError, ridSuffix } from './pinterest-errors.js';
import {
  UnexpectedResponseError,
  toAdAccountInfo,
  toAudienceInfo,
  toCustomerListInfo,
  toPage,
  type AdAccountInfo,
} from './pinterest-mappers.js';
import {
  PinterestTransport,
  type PinterestRequest,
  type PinterestResponse,
  type PinterestTransportOptions,
} from './pinterest-transport.js';

/** Everything the client needs; see PinterestTransportOptions for the transport's part. */
export interface PinterestClientOptions extends PinterestTransportOptions {
  /** The ad account whose lists and audiences are managed (digit string). */
  adAccountId: string;
}

/** Per-call options of AudienceDestination methods. */
type CallOpts = { signal?: AbortSignal };

// The spec's pattern for every id path parameter; checking it locally gives a clear error instead of a 400.
const ID_PATTERN = /^\d{1,18}$/;

export class PinterestClient implements AudienceDestination {
  /** The ad account this client works in. */
  readonly adAccountId: string;
  private readonly transport: PinterestTransport;

  constructor(opts: PinterestClientOptions) {
    this.adAccountId = checkId('adAccountId', opts.adAccountId, 'constructor');
    this.transport = new PinterestTransport(opts);
  }

  /** The generic request core, for endpoints this class has no method for. Rejects with a PinterestError. */
  request<T>(req: PinterestRequest): Promise<PinterestResponse<T>> {
    return this.transport.request<T>(req);
  }

  async createList(req: { name: string; families: readonly IdentifierFamily[]; records: readonly string[] }, opts?: CallOpts): Promise<CustomerListInfo> {
    return this.createCustomerList({ name: req.name, listType: listTypeFor(req.families), records: req.records }, opts);
  }

  /** POST customer_lists: Pinterest creates a list only together with its first records. */
  async createCustomerList(req: { name: string; listType: PinterestListType; records: readonly string[] }, opts?: CallOpts): Promise<CustomerListInfo> {
    const op = 'createCustomerList';
    // POST is not replay-safe: after an ambiguous failure the transport throws PINSYNC_PINTEREST_CREATE_UNCERTAIN
    // instead of risking a second list with the same name.
    return this.call(op, toCustomerListInfo, {
      method: 'POST',
      path: `${this.accountPath()}/customer_lists`,
      body: { name: req.name, records: req.records.join(','), list_type: req.listType },
      signal: opts?.signal,
    });
  }

  async updateCustomerList(listId: string, op: ListOperation, records: readonly string[], opts?: CallOpts): Promise<CustomerListInfo> {
    const operation = 'updateCustomerList';
    // ADD/REMOVE of a set is idempotent, so PATCH is replay-safe (the transport's default for PATCH).
    return this.call(operation, toCustomerListInfo, {
      method: 'PATCH',
      path: `${this.accountPath()}/customer_lists/${checkId('listId', listId, operation)}`,
      body: { operation_type: op, records: records.join(',') },
      signal: opts?.signal,
    });
  }

  async getCustomerList(listId: string, opts?: CallOpts): Promise<CustomerListInfo> {
    const op = 'getCustomerList';
    return this.call(op, toCustomerListInfo, {
      method: 'GET',
      path: `${this.accountPath()}/customer_lists/${checkId('listId', listId, op)}`,
      signal: opts?.signal,
    });
  }

  async listCustomerLists(opts?: CallOpts): Promise<CustomerListInfo[]> {
    return this.listAll('listCustomerLists', `${this.accountPath()}/customer_lists`, {}, toCustomerListInfo, opts);
  }

  async listAudiences(opts?: CallOpts): Promise<AudienceInfo[]> {
    // OWNED is the default; spelled out because RECEIVED (shared with us) audiences are never ours to adopt.
    return this.listAll('listAudiences', `${this.accountPath()}/audiences`, { ownership_type: 'OWNED' }, toAudienceInfo, opts);
  }

  async createAudience(req: { name: string; customerListId: string; description?: string }, opts?: CallOpts): Promise<AudienceInfo> {
    const op = 'createAudience';
    const body: Record<string, unknown> = {
      name: req.name,
      audience_type: 'CUSTOMER_LIST',
      rule: { customer_list_id: checkId('customerListId', req.customerListId, op) },
    };
    if (req.description !== undefined) body.description = req.description;
    // Like a list create, not replay-safe: an ambiguous failure surfaces PINSYNC_PINTEREST_CREATE_UNCERTAIN.
    return this.call(op, toAudienceInfo, { method: 'POST', path: `${this.accountPath()}/audiences`, body, signal: opts?.signal });
  }

  async getAudience(audienceId: string, opts?: CallOpts): Promise<AudienceInfo> {
    const op = 'getAudience';
    return this.call(op, toAudienceInfo, {
      method: 'GET',
      path: `${this.accountPath()}/audiences/${checkId('audienceId', audienceId, op)}`,
      signal: opts?.signal,
    });
  }

  /** Reads an ad account (default: this client's); proves the token can reach it. Rejects 404/403 as PinterestError. */
  async getAdAccount(adAccountId: string = this.adAccountId, opts?: CallOpts): Promise<AdAccountInfo> {
    const op = 'getAdAccount';
    return this.call(op, toAdAccountInfo, {
      method: 'GET',
      path: `/ad_accounts/${checkId('adAccountId', adAccountId, op)}`,
      signal: opts?.signal,
    });
  }

  isAudienceTooSmall(err: unknown): boolean {
    return isAudienceTooSmall(err);
  }

  counterDisagreement(check: CounterCheck): string | undefined {
    return counterDisagreement(check);
  }

  stats(): DestinationStats {
    return this.transport.stats();
  }

  /** Releases the default connection pool (an injected dispatcher is left to its owner). */
  close(): Promise<void> {
    return this.transport.close();
  }

  private accountPath(): string {
    return `/ad_accounts/${this.adAccountId}`;
  }

  private async listAll<T>(
    operation: string,
    path: string,
    query: Record<string, string>,
    mapper: (raw: unknown) => T,
    opts: CallOpts | undefined,
  ): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    let bookmark: string | undefined;
    do {
      const req = { operation, method: 'GET', path, query: { ...query, page_size: PINTEREST_LIST_PAGE_SIZE, bookmark }, signal: opts?.signal } as const;
      const res = await this.transport.request<unknown>(req);
      const page = this.map(req, res, toPage);
      for (const item of page.items) out.push(this.map(req, { ...res, data: item }, mapper));
      // A server that hands back a bookmark it already gave would make this loop forever.
      if (page.bookmark !== undefined && seen.has(page.bookmark)) {
        throw unexpected(req, res, 'the pagination bookmark repeated');
      }
      if (page.bookmark !== undefined) seen.add(page.bookmark);
      bookmark = page.bookmark;
    } while (bookmark !== undefined);
    return out;
  }

  private async call<T>(operation: string, mapper: (raw: unknown) => T, req: Omit<PinterestRequest, 'operation'>): Promise<T> {
    const full = { ...req, operation };
    return this.map(full, await this.transport.request<unknown>(full), mapper);
  }

  private map<T>(req: PinterestRequest, res: PinterestResponse<unknown>, mapper: (raw: unknown) => T): T {
    try {
      return mapper(res.data);
    } catch (err) {
      if (err instanceof UnexpectedResponseError) throw unexpected(req, res, err.message, err);
      throw err;
    }
  }
}

function unexpected(req: PinterestRequest, res: PinterestResponse<unknown>, detail: string, cause?: unknown): PinterestError {
  return new PinterestError(
    CODES.badResponse,
    `Pinterest ${req.operation} (${req.method} ${req.path}) failed: unexpected response: ${detail}${ridSuffix(res.requestId)}`,
    { operation: req.operation, method: req.method, path: req.path, status: res.status, requestId: res.requestId, attempts: res.attempts, cause },
  );
}

function checkId(name: string, value: string, operation: string): string {
  if (typeof value === 'string' && ID_PATTERN.test(value)) return value;
  throw new PinterestError(
    CODES.invalidId,
    `Pinterest ${operation}: ${name} must be a string of 1 to 18 digits, got ${JSON.stringify(value)} (nothing was sent)`,
    { operation, method: '-', path: '-', attempts: 0 },
  );
}
