/** A tiny fetch wrapper for the emulator tests: real HTTP to 127.0.0.1, JSON in and out. */
import { createHash } from 'node:crypto';

import type { RunningEmulator } from '../../../emulators/pinterest/running-emulator.js';

export interface ApiResponse {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: Headers;
  /** Parsed JSON body (undefined when the body was empty). */
  body: any; // arbitrary JSON that tests index into freely
  /** Raw body text. */
  text: string;
}

export interface CallOptions {
  /** JSON body (serialized for you). */
  json?: unknown;
  /** Raw body text, sent as is (as JSON unless `headers` say otherwise). */
  raw?: string;
  /** Form fields, sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** HTTP Basic `[clientId, clientSecret]` instead of a bearer token. */
  basic?: [string, string];
  /** Bearer token; default the emulator's; null sends no Authorization header. */
  token?: string | null;
  /** Extra headers. */
  headers?: Record<string, string>;
}

/** Calls `method baseUrl+path` and parses the answer. */
export async function call(em: RunningEmulator, method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? em.token : opts.token;
  if (opts.basic !== undefined) headers.authorization = `Basic ${Buffer.from(opts.basic.join(':')).toString('base64')}`;
  else if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.json !== undefined) body = JSON.stringify(opts.json);
  if (opts.raw !== undefined) body = opts.raw;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (opts.form !== undefined) {
    body = new URLSearchParams(opts.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  Object.assign(headers, opts.headers);
  const res = await fetch(`${em.baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text), text };
}

/** POSTs form fields to `/v5/oauth/token` with the emulator's default app credentials (or `basic`). */
export function tokenRequest(em: RunningEmulator, form: Record<string, string>, basic?: [string, string]): Promise<ApiResponse> {
  return call(em, 'POST', '/oauth/token', { form, basic: basic ?? [em.oauth.clientId, em.oauth.clientSecret] });
}

/** Path of the default ad account's customer lists. */
export function listsPath(em: RunningEmulator, listId?: string): string {
  return `/ad_accounts/${em.adAccountId}/customer_lists${listId === undefined ? '' : `/${listId}`}`;
}

/** Path of the default ad account's audiences. */
export function audiencesPath(em: RunningEmulator, audienceId?: string): string {
  return `/ad_accounts/${em.adAccountId}/audiences${audienceId === undefined ? '' : `/${audienceId}`}`;
}

/** `n` distinct SHA-256 hex records (of `record-<i>`), starting at `from`. */
export function hexRecords(n: number, from = 0): string[] {
  const out: string[] = [];
  for (let i = from; i < from + n; i++) out.push(createHash('sha256').update(`record-${i}`).digest('hex'));
  return out;
}

/** Creates a customer list through the API and returns its JSON. */
export async function createList(em: RunningEmulator, name: string, records: readonly string[], listType?: string): Promise<any> {
  const res = await call(em, 'POST', listsPath(em), { json: { name, records: records.join(','), ...(listType ? { list_type: listType } : {}) } });
  if (res.status !== 200) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.body;
}
