/** Version of the store's on-disk layout and record shapes; a store written by another version is refused. */
export const LEARN_STORE_SCHEMA = 1;

/** One change; a `write` applies a list of them all or none. */
export type StoreOp =
  | { op: 'event'; id: string; event: unknown }
  | { op: 'set'; ns: string; key: string; value: unknown }
  | { op: 'delete'; ns: string; key: string };

/**
 * The learner's state, async so a networked implementation (Redis) fits: the deduplicated event log
 * (arrival order), and a namespaced key-value map (click-throughs, models, other users' state such as
 * experiments under a namespace of their own). Values are JSON.
 */
export interface LearnStore {
  readonly schemaVersion: number;
  /** Which of these event ids are already stored. */
  hasEvents(ids: string[]): Promise<boolean[]>;
  /** Applies all ops atomically (a crash leaves all or none); an event id already stored is skipped. */
  write(ops: StoreOp[]): Promise<void>;
  /** Every stored event in arrival order, from the `from`-th on (0: all; replicas tail the log with it). */
  events(from?: number): AsyncIterable<unknown>;
  get(ns: string, key: string): Promise<unknown>;
  set(ns: string, key: string, value: unknown): Promise<void>;
  delete(ns: string, key: string): Promise<void>;
  entries(ns: string): Promise<[string, unknown][]>;
  close(): Promise<void>;
}
