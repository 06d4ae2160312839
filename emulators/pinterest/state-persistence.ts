/**
 * Saves the state file after changes: debounced, never two saves at once, and a final save on close. A burst of
 * PATCHes costs one write, and a save that started before a change is followed by another so the change is not
 * lost.
 */

import { writeStateFile, type PersistedState } from './state-file.js';

export class StatePersistence {
  readonly #path: string;
  readonly #snapshot: () => PersistedState;
  readonly #debounceMs: number;
  readonly #onError: (err: unknown) => void;
  #dirty = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #saving: Promise<void> | undefined;

  /** `snapshot` returns a live view of everything to save; it is serialized synchronously when a save starts. */
  constructor(path: string, snapshot: () => PersistedState, debounceMs: number, onError: (err: unknown) => void) {
    this.#path = path;
    this.#snapshot = snapshot;
    this.#debounceMs = debounceMs;
    this.#onError = onError;
  }

  /** Notes a change; a save follows within the debounce delay. */
  markDirty(): void {
    this.#dirty = true;
    this.#schedule();
  }

  /** Saves now if anything changed, and waits for every save in flight. */
  async flush(): Promise<void> {
    while (this.#saving !== undefined) await this.#saving;
    this.#cancelTimer();
    if (this.#dirty) await this.#save();
  }

  /** Final save; later changes are no longer written. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    this.#cancelTimer();
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined || this.#saving !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#save();
    }, this.#debounceMs);
  }

  #save(): Promise<void> {
    this.#dirty = false;
    const saving = writeStateFile(this.#path, this.#snapshot())
      .catch((err: unknown) => {
        this.#dirty = true; // try again with the next change or on close
        this.#onError(err);
      })
      .finally(() => {
        this.#saving = undefined;
        if (this.#dirty) this.#schedule();
      });
    this.#saving = saving;
    return saving;
  }
}
