/**
 * The emulator's state and every change to it. Route handlers validate and translate HTTP; this class owns the
 * Pinterest semantics: counters that count what was sent (not what changed), membership as a set, and the matching
 * simulation that moves lists from PROCESSING to READY / TOO_SMALL and audiences from INITIALIZING to their list's
 * status.
 *
 * Matching is evaluated lazily on every read instead of with timers: nothing runs between requests, a delay of 0
 * still shows PROCESSING in the write's own response, and `advanceTime` in tests needs no timer plumbing.
 */

import type { EmulatorClock } from './emulator-clock.js';
import type {
  AdAccountEntity,
  AudienceEntity,
  AudienceStatus,
  AudienceType,
  CustomerListEntity,
  CustomerListStatus,
  ListOperation,
  ListType,
} from './emulator-entities.js';
import type { MatchPredicate } from './match-simulation.js';
import { MembershipSet } from './membership-set.js';

/** The part of the options the store needs. */
export interface StoreConfig {
  /** Keep records per list, or counters only. */
  trackMembership: boolean;
  /** Whether one record matches a Pinterest user (tracked mode). */
  isMatched: MatchPredicate;
  /** Share of records assumed to match when membership is not tracked. */
  matchRate: number;
  /** PROCESSING → READY/TOO_SMALL delay. */
  matchDelayMs: number;
  /** READY threshold and audience-size visibility threshold. */
  audienceMinMatched: number;
}

/** What the state file holds (entities are live references; the file module copies what it needs). */
export interface StoreState {
  /** Next id to hand out. */
  nextId: number;
  /** The clock's offset from wall time. */
  clockOffsetMs: number;
  /** Every customer list. */
  lists: CustomerListEntity[];
  /** Every audience, removed ones included. */
  audiences: AudienceEntity[];
}

/** Fields of an audience that PATCH may change. */
export interface AudiencePatch {
  /** New name. */
  name?: string;
  /** New description (null clears it). */
  description?: string | null;
  /** New rule; for CUSTOMER_LIST audiences its list id. */
  rule?: Record<string, unknown>;
  /** The list the new rule points at. */
  customerListId?: string;
}

// Ids start at 13 digits (Pinterest's are 12-18) and only grow, so "higher id = newer" holds as the spec says.
const FIRST_ID = 2_000_000_000_001;

export class EmulatorStore {
  /** The emulator clock (shared with the server). */
  readonly clock: EmulatorClock;
  /** Called after every change, so the state file can be saved. */
  onChange: () => void = () => {};
  readonly #config: StoreConfig;
  readonly #adAccounts: Map<string, AdAccountEntity>;
  #lists = new Map<string, CustomerListEntity>();
  #audiences = new Map<string, AudienceEntity>();
  #nextId = FIRST_ID;

  constructor(config: StoreConfig, adAccounts: readonly AdAccountEntity[], clock: EmulatorClock) {
    this.#config = config;
    this.clock = clock;
    this.#adAccounts = new Map(adAccounts.map((a) => [a.id, a]));
  }

  /** Whether lists keep their records. */
  get tracksMembership(): boolean {
    return this.#config.trackMembership;
  }

  // ---- ad accounts -------------------------------------------------------------------------------------------

  /** One ad account, or undefined. */
  adAccount(id: string): AdAccountEntity | undefined {
    return this.#adAccounts.get(id);
  }

  /** Every ad account, ascending by id. */
  allAdAccounts(): AdAccountEntity[] {
    return [...this.#adAccounts.values()].sort((a, b) => compareIds(a.id, b.id));
  }

  // ---- customer lists ----------------------------------------------------------------------------------------

  /** Creates a list holding `records` (already split, empties dropped); counts as the list's first batch. */
  createList(adAccountId: string, name: string, listType: ListType, records: readonly string[]): CustomerListEntity {
    const nowS = this.clock.nowSeconds();
    const list: CustomerListEntity = {
      id: this.#newId(),
      adAccountId,
      name,
      listType,
      createdTime: nowS,
      updatedTime: nowS,
      numBatches: 1,
      numUploadedUserRecords: records.length,
      numRemovedUserRecords: 0,
      status: 'PROCESSING',
      processingSinceMs: this.clock.nowMs(),
      held: false,
      matched: 0,
      matchedAtSettle: 0,
      settledOnce: false,
      members: this.#config.trackMembership ? new MembershipSet() : undefined,
    };
    this.#apply(list, 'ADD', records);
    this.#lists.set(list.id, list);
    this.onChange();
    return list;
  }

  /**
   * One ADD or REMOVE batch. Counters grow by the number of records sent, as Pinterest documents ("even if the
   * uploaded user is already in the list" / "even if the user is not found in the list").
   */
  updateList(list: CustomerListEntity, op: ListOperation, records: readonly string[]): void {
    this.#apply(list, op, records);
    if (op === 'ADD') list.numUploadedUserRecords += records.length;
    else list.numRemovedUserRecords += records.length;
    list.numBatches += 1;
    list.updatedTime = this.clock.nowSeconds();
    list.status = 'PROCESSING';
    list.processingSinceMs = this.clock.nowMs();
    list.held = false;
    this.onChange();
  }

  /** A list of this ad account, with matching brought up to date; undefined when unknown or elsewhere. */
  findList(adAccountId: string, id: string): CustomerListEntity | undefined {
    const list = this.#lists.get(id);
    if (list === undefined || list.adAccountId !== adAccountId) return undefined;
    this.#settleList(list, false);
    return list;
  }

  /** The ad account's lists, ascending by id, matching brought up to date. */
  listsOf(adAccountId: string): CustomerListEntity[] {
    return this.allLists().filter((l) => l.adAccountId === adAccountId);
  }

  /** Every list, ascending by id, matching brought up to date. */
  allLists(): CustomerListEntity[] {
    const lists = [...this.#lists.values()];
    for (const list of lists) this.#settleList(list, false);
    return lists;
  }

  /** A list by id regardless of ad account (test hooks), matching brought up to date. */
  listById(id: string): CustomerListEntity | undefined {
    const list = this.#lists.get(id);
    if (list !== undefined) this.#settleList(list, false);
    return list;
  }

  // ---- audiences ---------------------------------------------------------------------------------------------

  /** Creates an audience; it starts INITIALIZING with a hidden size. */
  createAudience(fields: {
    adAccountId: string;
    name: string;
    description: string | null;
    audienceType: AudienceType;
    rule: Record<string, unknown>;
    customerListId: string | undefined;
  }): AudienceEntity {
    const nowS = this.clock.nowSeconds();
    const audience: AudienceEntity = {
      id: this.#newId(),
      ...fields,
      status: 'INITIALIZING',
      size: null,
      createdTimestamp: nowS,
      updatedTimestamp: nowS,
      createdMs: this.clock.nowMs(),
      removed: false,
    };
    this.#audiences.set(audience.id, audience);
    this.onChange();
    return audience;
  }

  /** A live audience of this ad account, status brought up to date; undefined when unknown, elsewhere or removed. */
  findAudience(adAccountId: string, id: string): AudienceEntity | undefined {
    const audience = this.#audiences.get(id);
    if (audience === undefined || audience.removed || audience.adAccountId !== adAccountId) return undefined;
    this.#settleAudience(audience, false);
    return audience;
  }

  /** The ad account's live audiences, ascending by id. */
  audiencesOf(adAccountId: string): AudienceEntity[] {
    return this.allAudiences().filter((a) => a.adAccountId === adAccountId);
  }

  /** Every live audience, ascending by id. */
  allAudiences(): AudienceEntity[] {
    const live = [...this.#audiences.values()].filter((a) => !a.removed);
    for (const audience of live) this.#settleAudience(audience, false);
    return live;
  }

  /** An audience by id regardless of ad account, removed ones included (test hooks). */
  audienceById(id: string): AudienceEntity | undefined {
    const audience = this.#audiences.get(id);
    if (audience !== undefined && !audience.removed) this.#settleAudience(audience, false);
    return audience;
  }

  /** Applies PATCH `operation_type: UPDATE`. */
  updateAudience(audience: AudienceEntity, patch: AudiencePatch): void {
    if (patch.name !== undefined) audience.name = patch.name;
    if (patch.description !== undefined) audience.description = patch.description;
    if (patch.rule !== undefined) audience.rule = patch.rule;
    if (patch.customerListId !== undefined) audience.customerListId = patch.customerListId;
    audience.updatedTimestamp = this.clock.nowSeconds();
    this.onChange();
  }

  /** Applies PATCH `operation_type: REMOVE`: the audience disappears from the API. */
  removeAudience(audience: AudienceEntity): void {
    audience.removed = true;
    audience.updatedTimestamp = this.clock.nowSeconds();
    this.onChange();
  }

  // ---- test hooks --------------------------------------------------------------------------------------------

  /**
   * Forces a list's status. It sticks until the next write to the list. `matched` defaults to a value consistent
   * with the status (at least the minimum for READY, below it for TOO_SMALL).
   */
  setListStatus(list: CustomerListEntity, status: CustomerListStatus, matched?: number): void {
    const min = this.#config.audienceMinMatched;
    const current = this.#currentMatched(list);
    list.status = status;
    list.held = true;
    if (status === 'PROCESSING' || status === 'UPLOADING') {
      this.onChange();
      return;
    }
    list.matchedAtSettle =
      matched ?? (status === 'READY' ? Math.max(current, min) : status === 'TOO_SMALL' ? Math.min(current, Math.max(0, min - 1)) : current);
    list.settledOnce = true;
    this.#mirrorToAudiences(list, true);
    this.onChange();
  }

  /** Forces an audience's status (and size, when given). It sticks until its list next finishes matching. */
  setAudienceStatus(audience: AudienceEntity, status: AudienceStatus, size?: number | null): void {
    audience.status = status;
    if (size !== undefined) audience.size = size;
    this.onChange();
  }

  /** Finishes matching now for every PROCESSING list and INITIALIZING audience, whatever the delay. */
  settleAll(): void {
    for (const list of this.#lists.values()) this.#settleList(list, true);
    for (const audience of this.#audiences.values()) if (!audience.removed) this.#settleAudience(audience, true);
  }

  /** Forgets every list and audience. Ids keep growing so nothing handed out before is ever reused. */
  reset(): void {
    this.#lists.clear();
    this.#audiences.clear();
    this.onChange();
  }

  // ---- persistence -------------------------------------------------------------------------------------------

  /** Live view of the state for the state file. */
  exportState(): StoreState {
    return {
      nextId: this.#nextId,
      clockOffsetMs: this.clock.offsetMs,
      lists: [...this.#lists.values()],
      audiences: [...this.#audiences.values()],
    };
  }

  /** Replaces the state with one read from the state file. */
  importState(state: StoreState): void {
    const byId = <T extends { id: string }>(items: T[]): Map<string, T> =>
      new Map([...items].sort((a, b) => compareIds(a.id, b.id)).map((item) => [item.id, item]));
    this.#lists = byId(state.lists);
    this.#audiences = byId(state.audiences);
    const highest = Math.max(0, ...state.lists.map((l) => Number(l.id)), ...state.audiences.map((a) => Number(a.id)));
    this.#nextId = Math.max(state.nextId, highest + 1, FIRST_ID);
    this.clock.offsetMs = state.clockOffsetMs;
    if (!this.#config.trackMembership) for (const list of this.#lists.values()) list.members = undefined;
    else for (const list of this.#lists.values()) list.members ??= new MembershipSet();
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  #newId(): string {
    return String(this.#nextId++);
  }

  #apply(list: CustomerListEntity, op: ListOperation, records: readonly string[]): void {
    const members = list.members;
    if (members === undefined) return;
    const isMatched = this.#config.isMatched;
    if (op === 'ADD') {
      for (const record of records) if (members.add(record) && isMatched(record)) list.matched += 1;
    } else {
      for (const record of records) if (members.delete(record) && isMatched(record)) list.matched -= 1;
    }
  }

  /** Counters-only mode has no members to test, so it assumes the net count of records sent is the membership. */
  #currentMatched(list: CustomerListEntity): number {
    if (list.members !== undefined) return list.matched;
    const net = Math.max(0, list.numUploadedUserRecords - list.numRemovedUserRecords);
    return Math.round(net * this.#config.matchRate);
  }

  #settleList(list: CustomerListEntity, force: boolean): void {
    if (list.status !== 'PROCESSING') return;
    if (!force && (list.held || this.clock.nowMs() < list.processingSinceMs + this.#config.matchDelayMs)) return;
    list.matchedAtSettle = this.#currentMatched(list);
    list.status = list.matchedAtSettle >= this.#config.audienceMinMatched ? 'READY' : 'TOO_SMALL';
    list.settledOnce = true;
    list.held = false;
    this.#mirrorToAudiences(list, force);
    this.onChange();
  }

  #settleAudience(audience: AudienceEntity, force: boolean): void {
    const list = audience.customerListId === undefined ? undefined : this.#lists.get(audience.customerListId);
    if (list === undefined) return;
    this.#settleList(list, force);
    if (audience.status === 'INITIALIZING' && this.#audienceDue(audience, list, force)) {
      this.#mirror(audience, list);
      this.onChange();
    }
  }

  #audienceDue(audience: AudienceEntity, list: CustomerListEntity, force: boolean): boolean {
    if (!list.settledOnce || list.status === 'PROCESSING' || list.status === 'UPLOADING') return false;
    return force || this.clock.nowMs() >= audience.createdMs + this.#config.matchDelayMs;
  }

  #mirrorToAudiences(list: CustomerListEntity, force: boolean): void {
    for (const audience of this.#audiences.values()) {
      if (audience.removed || audience.customerListId !== list.id) continue;
      // An audience still inside its own initialization delay waits for it; #settleAudience picks it up later.
      if (audience.status === 'INITIALIZING' && !this.#audienceDue(audience, list, force)) continue;
      this.#mirror(audience, list);
    }
  }

  #mirror(audience: AudienceEntity, list: CustomerListEntity): void {
    audience.status = list.status;
    audience.size = list.matchedAtSettle >= this.#config.audienceMinMatched ? list.matchedAtSettle : null;
  }
}

/** Numeric order of digit strings without BigInt: a longer string (no leading zeros) is a larger number. */
export function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
