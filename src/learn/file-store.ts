import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RerankError } from '../errors.js';
import { LEARN_STORE_SCHEMA, type LearnStore, type StoreOp } from './store.js';

const FORMAT = 'rerankit-learn-store';
const sum = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

interface Snapshot { format: string; schema: number; seq: number; events: [string, unknown][]; kv: Record<string, [string, unknown][]> }

/**
 * The default embedded store: an append-only log in which each line is one atomic batch of ops with
 * its own checksum (`<sum> <json>`), plus a snapshot written to a temporary file and renamed over the
 * old one. A crash mid-append leaves a torn last line whose checksum fails: it is cut off on open, so
 * a batch is either whole or absent. Lines carry sequence numbers, so replaying a log that a snapshot
 * already covers (a crash between snapshot and truncation) changes nothing. No native module, so it
 * installs everywhere; the state is held in memory, which suits the click-through volumes one node
 * trains on.
 */
export class FileLearnStore implements LearnStore {
  readonly schemaVersion = LEARN_STORE_SCHEMA;
  private readonly ids = new Set<string>();
  private readonly log: [string, unknown][] = [];
  private readonly kv = new Map<string, Map<string, unknown>>();
  private seq = 0;
  private fd: number | undefined;
  private logBytes = 0;

  private constructor(readonly dir: string, private readonly compactBytes: number) {}

  static async open(dir: string, opts: { compactBytes?: number } = {}): Promise<FileLearnStore> {
    const s = new FileLearnStore(dir, opts.compactBytes ?? 64 * 2 ** 20);
    try { mkdirSync(dir, { recursive: true }); } catch (e) { throw new RerankError('RERANK_FILE', `${dir}: ${(e as Error).message}`); }
    s.load();
    return s;
  }

  private get snapPath(): string { return join(this.dir, 'snapshot.json'); }
  private get logPath(): string { return join(this.dir, 'log.jsonl'); }

  private load(): void {
    if (existsSync(this.snapPath)) {
      let snap: Snapshot;
      try { snap = JSON.parse(readFileSync(this.snapPath, 'utf8')) as Snapshot; } catch (e) { throw new RerankError('RERANK_STORE', `${this.snapPath}: ${(e as Error).message}`); }
      this.checkHeader(snap.format, snap.schema, this.snapPath);
      this.seq = snap.seq;
      for (const [id, ev] of snap.events) { this.ids.add(id); this.log.push([id, ev]); }
      for (const [ns, entries] of Object.entries(snap.kv)) this.kv.set(ns, new Map(entries));
    }
    if (existsSync(this.logPath)) this.replay();
    this.fd = openSync(this.logPath, 'a');
    if (this.logBytes === 0) this.append({ format: FORMAT, schema: this.schemaVersion });
  }

  private checkHeader(format: unknown, schema: unknown, path: string): void {
    if (format !== FORMAT) throw new RerankError('RERANK_STORE', `${path}: not a rerankit learning store`);
    if (schema !== this.schemaVersion) throw new RerankError('RERANK_STORE', `${path}: store schema version ${String(schema)}, this rerankit reads version ${this.schemaVersion}`);
  }

  private replay(): void {
    const text = readFileSync(this.logPath, 'utf8');
    let good = 0;
    let first = true;
    for (const line of text.split('\n')) {
      const end = good + Buffer.byteLength(line) + 1;
      if (end > Buffer.byteLength(text)) break; // no newline: a torn last write
      const sp = line.indexOf(' ');
      const json = line.slice(sp + 1);
      if (sp < 0 || sum(json) !== line.slice(0, sp)) break;
      const rec = JSON.parse(json) as { format?: string; schema?: number; seq?: number; ops?: StoreOp[] };
      if (first) { this.checkHeader(rec.format, rec.schema, this.logPath); first = false; } else if (rec.seq! > this.seq) { this.apply(rec.ops!); this.seq = rec.seq!; }
      good = end;
    }
    // Whatever follows the last whole line is a torn write from a crash: cut it off.
    if (good < Buffer.byteLength(text)) truncateSync(this.logPath, good);
    this.logBytes = good;
  }

  private append(rec: unknown): void {
    const json = JSON.stringify(rec);
    const line = `${sum(json)} ${json}\n`;
    writeSync(this.fd!, line);
    fsyncSync(this.fd!);
    this.logBytes += Buffer.byteLength(line);
  }

  private apply(ops: StoreOp[]): void {
    for (const op of ops) {
      if (op.op === 'event') {
        if (!this.ids.has(op.id)) { this.ids.add(op.id); this.log.push([op.id, op.event]); }
      } else if (op.op === 'set') {
        let m = this.kv.get(op.ns);
        if (!m) this.kv.set(op.ns, (m = new Map()));
        m.set(op.key, op.value);
      } else this.kv.get(op.ns)?.delete(op.key);
    }
  }

  private closed(): void {
    if (this.fd === undefined) throw new RerankError('RERANK_CLOSED', 'the learning store is closed');
  }

  async hasEvents(ids: string[]): Promise<boolean[]> { return ids.map((id) => this.ids.has(id)); }

  async write(ops: StoreOp[]): Promise<void> {
    this.closed();
    if (ops.length === 0) return;
    // Values are copied through JSON so a caller mutating them later cannot change the stored state.
    const copy = JSON.parse(JSON.stringify(ops)) as StoreOp[];
    this.append({ seq: this.seq + 1, ops: copy });
    this.seq += 1;
    this.apply(copy);
    if (this.logBytes > this.compactBytes) this.compact();
  }

  async *events(from = 0): AsyncIterable<unknown> { for (const [, e] of this.log.slice(from)) yield e; }

  async get(ns: string, key: string): Promise<unknown> { return this.kv.get(ns)?.get(key); }
  async set(ns: string, key: string, value: unknown): Promise<void> { await this.write([{ op: 'set', ns, key, value }]); }
  async delete(ns: string, key: string): Promise<void> { await this.write([{ op: 'delete', ns, key }]); }
  async entries(ns: string): Promise<[string, unknown][]> { return [...(this.kv.get(ns) ?? new Map<string, unknown>())]; }

  /** Writes the whole state as a snapshot (temp file, fsync, rename), then starts an empty log. */
  compact(): void {
    this.closed();
    const snap: Snapshot = { format: FORMAT, schema: this.schemaVersion, seq: this.seq, events: this.log, kv: Object.fromEntries([...this.kv].map(([ns, m]) => [ns, [...m]])) };
    const tmp = `${this.snapPath}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, JSON.stringify(snap));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.snapPath);
    closeSync(this.fd!);
    truncateSync(this.logPath, 0);
    this.fd = openSync(this.logPath, 'a');
    this.logBytes = 0;
    this.append({ format: FORMAT, schema: this.schemaVersion });
  }

  async close(): Promise<void> {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A store that keeps nothing across restarts (Metarank's `state: {type: memory}`), and for tests. */
export class MemoryLearnStore implements LearnStore {
  readonly schemaVersion = LEARN_STORE_SCHEMA;
  private readonly ids = new Set<string>();
  private readonly log: unknown[] = [];
  private readonly kv = new Map<string, Map<string, unknown>>();
  async hasEvents(ids: string[]): Promise<boolean[]> { return ids.map((id) => this.ids.has(id)); }
  async write(ops: StoreOp[]): Promise<void> {
    for (const op of JSON.parse(JSON.stringify(ops)) as StoreOp[]) {
      if (op.op === 'event') { if (!this.ids.has(op.id)) { this.ids.add(op.id); this.log.push(op.event); } } else if (op.op === 'set') {
        if (!this.kv.has(op.ns)) this.kv.set(op.ns, new Map());
        this.kv.get(op.ns)!.set(op.key, op.value);
      } else this.kv.get(op.ns)?.delete(op.key);
    }
  }
  async *events(from = 0): AsyncIterable<unknown> { for (const e of this.log.slice(from)) yield e; }
  async get(ns: string, key: string): Promise<unknown> { return this.kv.get(ns)?.get(key); }
  async set(ns: string, key: string, value: unknown): Promise<void> { await this.write([{ op: 'set', ns, key, value }]); }
  async delete(ns: string, key: string): Promise<void> { await this.write([{ op: 'delete', ns, key }]); }
  async entries(ns: string): Promise<[string, unknown][]> { return [...(this.kv.get(ns) ?? new Map<string, unknown>())]; }
  async close(): Promise<void> {}
}
