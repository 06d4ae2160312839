/**
 * Pinterest as an AudienceDestination in memory, for the engine's tests. It follows the emulator and the real
 * client where the engine can tell: a list is created with its first batch (one `numBatches`), counters grow by
 * every record sent (duplicates and non-members included), ids are digit strings, a 404 is a DestinationError
 * `notFound`, an audience create on a list below `audienceMinMatched` members is the 400 "too small" the client
 * recognizes, and the list's counters are compared by the client's own rule. Failures are scripted one call at a
 * time; latency is a promise the test releases, so tests wait on events, never on timers.
 */
import { type AudienceDestination, type AudienceInfo, type CounterCheck, type CustomerListInfo, DESTINATION_ERROR_CODES, type DestinationStats, type ListOperation } from '../../core/destination.js';
import { DestinationError } from '../../core/errors.js';
import type { IdentifierFamily } from '../../core/identifier-types.js';
import { counterDisagreement, isAudienceTooSmall, listTypeFor } from '../../connectors/pinterest/pinterest-audience-rules.js';

/** The calls a script can fail. */
export type FakeCall = 'createList' | 'updateCustomerList' | 'getCustomerList' | 'listCustomerLists' | 'listAudiences' | 'createAudience' | 'getAudience';

/** One scripted failure. */
export type FakeFault =
  /** A create whose answer was lost: applied or not, the caller gets PINSYNC_PINTEREST_CREATE_UNCERTAIN. */
  | { kind: 'uncertain'; applied: boolean }
  /** A 5xx after the client gave up retrying; `applied`: Pinterest had applied the write before failing. */
  | { kind: 'server'; applied?: boolean }
  /** A 404, as if the object were gone. */
  | { kind: 'notFound' };

/** One call as the fake saw it, in the order the calls started. */
export interface FakeRequest {
  /** Which call. */
  call: FakeCall;
  /** ADD/REMOVE of an update, ADD for a create. */
  op?: ListOperation;
  /** The list written to (updates). */
  listId?: string;
  /** The records sent (creates and updates). */
  records?: readonly string[];
  /** How it ended: accepted, refused as too large, or failed otherwise. */
  outcome: 'pending' | 'ok' | 'tooLarge' | 'failed';
}

/** A held write: the test sees it waiting and lets it go. */
export interface HeldWrite {
  /** The request it belongs to. */
  request: FakeRequest;
  /** Lets the write proceed. */
  release(): void;
}

interface FakeList {
  info: CustomerListInfo;
  members: Set<string>;
  listType: string;
}

/** Settings of the fake. */
export interface InMemoryDestinationOptions {
  /** Creates and updates with more records than this are refused as too large (nothing applied); default no limit. */
  maxRecordsPerRequest?: number;
  /** Members a list needs before an audience can be built on it; default 100, as Pinterest. */
  audienceMinMatched?: number;
}

const DEFAULT_MIN_MATCHED = 100;

export class InMemoryDestination implements AudienceDestination {
  /** Every call, in start order. */
  readonly requests: FakeRequest[] = [];
  /** Most writes that were waiting on an answer at once. */
  peakInFlight = 0;
  maxRecordsPerRequest: number | undefined;
  audienceMinMatched: number;
  readonly #lists = new Map<string, FakeList>();
  readonly #audiences = new Map<string, AudienceInfo>();
  readonly #faults = new Map<FakeCall, (FakeFault | undefined)[]>();
  #nextId = 549_755_813_000n;
  #apiCalls = 0;
  #retries = 0;
  #inFlight = 0;
  #holding = false;
  readonly #held: HeldWrite[] = [];
  readonly #waiters: { n: number; resolve: () => void }[] = [];
  /** Runs after every accepted write, e.g. to play someone else writing to the list. */
  onWrite: ((request: FakeRequest) => void) | undefined;
  /** Runs as every call starts, before it does anything, e.g. to play someone else creating a list meanwhile. */
  onCall: ((call: FakeCall) => void) | undefined;

  constructor(opts: InMemoryDestinationOptions = {}) {
    this.maxRecordsPerRequest = opts.maxRecordsPerRequest;
    this.audienceMinMatched = opts.audienceMinMatched ?? DEFAULT_MIN_MATCHED;
  }

  // ---- scripting -------------------------------------------------------------------------------------------

  /** Fails the `nth` (1-based, counted from now) next call of `call` with `fault`. */
  failCall(call: FakeCall, fault: FakeFault, nth = 1): void {
    const queue = this.#faults.get(call) ?? [];
    while (queue.length < nth) queue.push(undefined);
    queue[nth - 1] = fault;
    this.#faults.set(call, queue);
  }

  /** From now on list writes (creates and updates) wait until released. */
  holdWrites(): void {
    this.#holding = true;
  }

  /** Writes stop waiting (those held now are released too). */
  stopHolding(): void {
    this.#holding = false;
    for (const h of this.#held.splice(0)) h.release();
  }

  /** The writes waiting to be released, oldest first. */
  get held(): readonly HeldWrite[] {
    return this.#held;
  }

  /** Resolves once at least `n` writes are held. */
  whenHeld(n: number): Promise<void> {
    if (this.#held.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  /** Releases the oldest held write; false when none is held. */
  releaseNext(): boolean {
    const next = this.#held.shift();
    next?.release();
    return next !== undefined;
  }

  /** Pretends the client retried requests (the engine then allows counters to have grown by more). */
  countRetries(n: number): void {
    this.#retries += n;
  }

  // ---- what Pinterest holds --------------------------------------------------------------------------------

  /** A list's members (hashes), or undefined when there is no such list. */
  members(listId: string): Set<string> | undefined {
    const list = this.#lists.get(listId);
    return list ? new Set(list.members) : undefined;
  }

  /** Every list, ascending by id. */
  get lists(): CustomerListInfo[] {
    return [...this.#lists.values()].map((l) => ({ ...l.info }));
  }

  /** Every audience, ascending by id. */
  get audiences(): AudienceInfo[] {
    return [...this.#audiences.values()].map((a) => ({ ...a }));
  }

  /** Someone deletes a list in Ads Manager. */
  deleteList(listId: string): void {
    this.#lists.delete(listId);
  }

  /** Someone removes an audience in Ads Manager. */
  deleteAudience(audienceId: string): void {
    this.#audiences.delete(audienceId);
  }

  /** Someone (not pinsync) creates a list, e.g. by hand with the same name. */
  addForeignList(name: string, records: readonly string[], extraBatches = 0): CustomerListInfo {
    const list = this.#createList(name, 'EMAIL', records);
    list.info.numBatches += extraBatches;
    return { ...list.info };
  }

  /** Someone (not pinsync) writes to a list: counters and members change as for any write. */
  externalWrite(listId: string, op: ListOperation, records: readonly string[]): void {
    this.#apply(this.#lists.get(listId)!, op, records);
  }

  // ---- AudienceDestination ---------------------------------------------------------------------------------

  async createList(req: { name: string; families: readonly IdentifierFamily[]; records: readonly string[] }): Promise<CustomerListInfo> {
    const request = this.#start({ call: 'createList', op: 'ADD', records: [...req.records] });
    return this.#write(request, () => {
      if (req.records.length === 0) throw new DestinationError('PINSYNC_PINTEREST_REJECTED', 'Pinterest createCustomerList failed: 400 records is required', { status: 400 });
      return { ...this.#createList(req.name, listTypeFor(req.families), req.records).info };
    });
  }

  async updateCustomerList(listId: string, op: ListOperation, records: readonly string[]): Promise<CustomerListInfo> {
    const request = this.#start({ call: 'updateCustomerList', op, listId, records: [...records] });
    return this.#write(request, () => {
      const list = this.#lists.get(listId);
      if (!list) throw notFound('updateCustomerList', `customer list ${listId}`);
      this.#apply(list, op, records);
      return { ...list.info };
    });
  }

  async getCustomerList(listId: string): Promise<CustomerListInfo> {
    this.#read('getCustomerList');
    const list = this.#lists.get(listId);
    if (!list) throw notFound('getCustomerList', `customer list ${listId}`);
    return { ...list.info };
  }

  async listCustomerLists(): Promise<CustomerListInfo[]> {
    this.#read('listCustomerLists');
    return this.lists;
  }

  async listAudiences(): Promise<AudienceInfo[]> {
    this.#read('listAudiences');
    return this.audiences;
  }

  async createAudience(req: { name: string; customerListId: string; description?: string }): Promise<AudienceInfo> {
    const request = this.#start({ call: 'createAudience' });
    const fault = this.#fault('createAudience');
    const create = (): AudienceInfo => {
      const list = this.#lists.get(req.customerListId);
      if (!list) throw notFound('createAudience', `customer list ${req.customerListId}`);
      if (list.members.size < this.audienceMinMatched) {
        // The emulator's wording, which the client's isAudienceTooSmall recognizes.
        throw new DestinationError(
          'PINSYNC_PINTEREST_REJECTED',
          `Pinterest createAudience failed: 400 Invalid request: customer list ${list.info.id} is too small to create an audience: an audience needs at least ${this.audienceMinMatched} matched Pinterest users and it has ${list.members.size}.`,
          { status: 400, apiCode: 1 },
        );
      }
      const audience: AudienceInfo = { id: this.#newId(), name: req.name, status: 'INITIALIZING', size: null, customerListId: list.info.id };
      this.#audiences.set(audience.id, audience);
      return { ...audience };
    };
    try {
      if (fault) return this.#failWith('createAudience', fault, create);
      const created = create();
      request.outcome = 'ok';
      return created;
    } catch (err) {
      request.outcome = 'failed';
      throw err;
    }
  }

  async getAudience(audienceId: string): Promise<AudienceInfo> {
    this.#read('getAudience');
    const audience = this.#audiences.get(audienceId);
    if (!audience) throw notFound('getAudience', `audience ${audienceId}`);
    return { ...audience };
  }

  isAudienceTooSmall(err: unknown): boolean {
    return isAudienceTooSmall(err);
  }

  counterDisagreement(check: CounterCheck): string | undefined {
    return counterDisagreement(check);
  }

  stats(): DestinationStats {
    return { apiCalls: this.#apiCalls, retries: this.#retries };
  }

  // ---- internals -------------------------------------------------------------------------------------------

  #start(request: Omit<FakeRequest, 'outcome'>): FakeRequest {
    this.#apiCalls++;
    this.onCall?.(request.call);
    const full: FakeRequest = { ...request, outcome: 'pending' };
    this.requests.push(full);
    return full;
  }

  #read(call: FakeCall): void {
    const request = this.#start({ call });
    const fault = this.#fault(call);
    if (fault) {
      request.outcome = 'failed';
      this.#failWith(call, fault, () => undefined);
    }
    request.outcome = 'ok';
  }

  async #write<T>(request: FakeRequest, apply: () => T): Promise<T> {
    this.#inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.#inFlight);
    try {
      if (this.#holding) await this.#hold(request);
      const records = request.records?.length ?? 0;
      if (this.maxRecordsPerRequest !== undefined && records > this.maxRecordsPerRequest) {
        request.outcome = 'tooLarge';
        throw new DestinationError(DESTINATION_ERROR_CODES.tooLarge, `Pinterest ${request.call} failed: 413 Request entity too large: ${records} records; split it`, { status: 413 });
      }
      const fault = this.#fault(request.call);
      try {
        const result = fault ? this.#failWith(request.call, fault, apply) : apply();
        request.outcome = 'ok';
        this.onWrite?.(request);
        return result;
      } catch (err) {
        request.outcome = 'failed';
        throw err;
      }
    } finally {
      this.#inFlight--;
    }
  }

  #hold(request: FakeRequest): Promise<void> {
    return new Promise((resolve) => {
      this.#held.push({ request, release: resolve });
      for (const w of [...this.#waiters]) {
        if (this.#held.length >= w.n) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  }

  #fault(call: FakeCall): FakeFault | undefined {
    const queue = this.#faults.get(call);
    return queue?.shift();
  }

  // Applies the call first when the fault says Pinterest did, then throws what the client would.
  #failWith<T>(call: FakeCall, fault: FakeFault, apply: () => T): never {
    if (fault.kind === 'notFound') throw notFound(call, 'the object');
    if (fault.applied) apply();
    if (fault.kind === 'uncertain') {
      throw new DestinationError(
        DESTINATION_ERROR_CODES.createUncertain,
        `Pinterest ${call} failed: 503 Service Unavailable; the request may have been applied, so it was not resent (a second create would make a duplicate): look it up by name before creating it again`,
        { status: 503, retryable: true },
      );
    }
    throw new DestinationError('PINSYNC_PINTEREST_SERVER', `Pinterest ${call} failed: 503 Service Unavailable after retries`, { status: 503, retryable: true });
  }

  #createList(name: string, listType: string, records: readonly string[]): FakeList {
    const list: FakeList = {
      info: { id: this.#newId(), name, status: 'PROCESSING', numUploadedUserRecords: 0, numRemovedUserRecords: 0, numBatches: 0 },
      members: new Set(),
      listType,
    };
    this.#lists.set(list.info.id, list);
    this.#apply(list, 'ADD', records);
    return list;
  }

  #apply(list: FakeList, op: ListOperation, records: readonly string[]): void {
    for (const r of records) {
      if (op === 'ADD') list.members.add(r);
      else list.members.delete(r);
    }
    if (op === 'ADD') list.info.numUploadedUserRecords += records.length;
    else list.info.numRemovedUserRecords += records.length;
    list.info.numBatches++;
    list.info.status = 'PROCESSING';
  }

  #newId(): string {
    return String(this.#nextId++);
  }
}

function notFound(call: string, what: string): DestinationError {
  return new DestinationError(DESTINATION_ERROR_CODES.notFound, `Pinterest ${call} failed: 404 ${what} not found`, { status: 404 });
}
