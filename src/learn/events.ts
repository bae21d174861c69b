import { z } from 'zod';
import { RerankError } from '../errors.js';

/** A field value Metarank accepts: boolean, string, number, list of strings, list of numbers. */
const value = z.union([z.boolean(), z.string(), z.number(), z.array(z.string()), z.array(z.number())]);
const fields = z.array(z.object({ name: z.string().min(1), value }).strict());

/**
 * Metarank's timestamp formats: millis as a string ("1599391467000"), an ISO 8601 zoned datetime
 * ("2022-06-22T11:21:39Z"), or (not recommended upstream) a JSON number of millis.
 */
export function parseTimestamp(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.trunc(v) : undefined;
  if (typeof v !== 'string' || v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

const timestamp = z.unknown().transform((v, ctx) => {
  const t = parseTimestamp(v);
  if (t === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(v)} is not a timestamp (millis as a string or number, or ISO 8601 with a zone)` });
    return z.NEVER;
  }
  return t;
});

const base = { id: z.string().min(1), timestamp, tenant: z.string().optional(), fields: fields.default([]) };

const item = z.object({ event: z.literal('item'), ...base, item: z.string().min(1) }).strict();
const user = z.object({ event: z.literal('user'), ...base, user: z.string().min(1) }).strict();
const ranking = z.object({
  event: z.literal('ranking'), ...base,
  user: z.string().optional(), session: z.string().optional(),
  items: z.array(z.object({ id: z.string().min(1), relevancy: z.number().optional(), label: z.number().optional(), fields: fields.default([]) }).strict()).min(1),
}).strict();
const interaction = z.object({
  event: z.literal('interaction'), ...base,
  ranking: z.string().optional(), user: z.string().optional(), session: z.string().optional(),
  type: z.string().min(1), item: z.string().min(1),
}).strict();

export type FieldValue = z.infer<typeof value>;
export type Field = { name: string; value: FieldValue };
export type ItemEvent = z.infer<typeof item>;
export type UserEvent = z.infer<typeof user>;
export type RankingEvent = z.infer<typeof ranking>;
export type InteractionEvent = z.infer<typeof interaction>;
export type LearnEvent = ItemEvent | UserEvent | RankingEvent | InteractionEvent;

const schemas = { item, user, ranking, interaction } as const;

/** A ranking request (POST /rank): a ranking event without `event`, whose id and timestamp may be absent. */
export const rankRequest = ranking.omit({ event: true, id: true, timestamp: true }).extend({ id: z.string().optional(), timestamp: timestamp.optional() });
export type RankRequest = z.infer<typeof rankRequest>;

function issueText(e: z.ZodError): string {
  const i = e.issues[0]!;
  const path = i.path.join('.');
  const msg = i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message;
  return path ? `field "${path}": ${msg}` : msg;
}

/** Checks one event; `index` names it in the error. Metarank's older `type` spelling is not the event kind. */
export function parseEvent(raw: unknown, index: number): LearnEvent {
  const kind = raw !== null && typeof raw === 'object' ? (raw as { event?: unknown }).event : undefined;
  if (typeof kind !== 'string' || !(kind in schemas)) {
    throw new RerankError('RERANK_BAD_EVENT', `event ${index}: field "event": must be one of item, user, ranking, interaction (got ${JSON.stringify(kind)})`);
  }
  const r = schemas[kind as keyof typeof schemas].safeParse(raw);
  if (!r.success) throw new RerankError('RERANK_BAD_EVENT', `event ${index}: ${issueText(r.error)}`);
  return r.data;
}

/** Checks a whole batch before anything is applied; the first bad event throws. */
export function parseEvents(raws: unknown[]): LearnEvent[] {
  return raws.map((r, i) => parseEvent(r, i));
}

export function parseRankRequest(raw: unknown): RankRequest {
  const r = rankRequest.safeParse(raw);
  if (!r.success) throw new RerankError('RERANK_BAD_INPUT', `ranking request: ${issueText(r.error)}`);
  return r.data;
}

/** Events from text: a JSON array, one JSON object, or JSON lines (blank lines skipped). */
export function parseEventText(text: string): unknown[] {
  const t = text.trim();
  if (t === '') return [];
  if (t.startsWith('[')) {
    try { return JSON.parse(t) as unknown[]; } catch (e) { throw new RerankError('RERANK_BAD_EVENT', `events: not JSON: ${(e as Error).message}`); }
  }
  const out: unknown[] = [];
  for (const [n, line] of t.split('\n').entries()) {
    if (line.trim() === '') continue;
    try { out.push(JSON.parse(line)); } catch { throw new RerankError('RERANK_BAD_EVENT', `line ${n + 1}: not a JSON object`); }
  }
  return out;
}

/** Reads a .jsonl / .json file, gunzipped when it ends in .gz (or starts with gzip's magic bytes). */
export async function readEventFile(path: string): Promise<unknown[]> {
  const { readFile } = await import('node:fs/promises');
  let buf: Buffer;
  try { buf = await readFile(path); } catch (e) { throw new RerankError('RERANK_FILE', `${path}: ${(e as Error).message}`); }
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = (await import('node:zlib')).gunzipSync(buf);
  return parseEventText(buf.toString('utf8'));
}

export function fieldMap(fs: Field[]): Map<string, FieldValue> {
  return new Map(fs.map((f) => [f.name, f.value]));
}
